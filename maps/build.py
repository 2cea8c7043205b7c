"""Build folium maps of a registry: actors, firms, coverage, choropleth, infrastructure,
network, and all of them combined.

Examples
--------
>>> import maps
>>> sorted(maps.KINDS)[:3]
['actors', 'choropleth', 'combined']
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import mapclassify
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, mapping

from ecosystem import (
    __version__,
    activation,
    catalogue,
    indicators,
    network,
    publish,
    results,
)
from ecosystem.disclosure import SECRET
from ecosystem.export import mask_non_diffusible
from ecosystem.formatting import format_number, format_percent, format_value, format_with_unit
from ecosystem.formatting import unit_label as format_unit_label
from ecosystem.hexgrid import hex_cells, hex_polygons
from ecosystem.inputs import as_registry
from ecosystem.registry import Registry
from ecosystem.settings import (
    CATEGORIES,
    CATEGORY_GROUPS,
    FRONT_LINE_CATEGORIES,
    INFRASTRUCTURE_KINDS,
    LAMBERT93,
    STAGES,
    WGS84,
    get_settings,
)

from . import style
from .elements import (
    ClusterLayer,
    DataLayer,
    OfflineAssets,
    add_html_box,
    check_offline,
    colour,
    esc,
)

__all__ = ["KINDS", "PUBLIC_KINDS", "LEVELS", "SCHEMES", "build_map", "save_map", "to_html",
           "choropleth_values"]

#: Map kinds and their French titles.
KINDS: dict[str, str] = {
    "actors": "Acteurs de l'accompagnement à l'international",
    "firms": "PME par stade d'internationalisation",
    "coverage": "Couverture des acteurs de première ligne",
    "choropleth": "Indicateur par territoire",
    "infrastructure": "Infrastructures",
    "network": "Réseau des acteurs",
    "combined": "Milieu internationalisant",
}
#: Kinds that have a public version: none of them places a firm (the coverage map
#: draws the front-line actors' buffers and catchments only).
PUBLIC_KINDS: tuple[str, ...] = ("actors", "coverage", "choropleth", "infrastructure",
                                 "network")
LEVELS = ("commune", "epci", "departement")
#: Classification schemes of the choropleths (mapclassify).
SCHEMES = ("quantiles", "natural_breaks")


class _Legend:
    """Legend sections, rendered as escaped HTML."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def section(self, title: str, rows: Sequence[tuple[str, str, str]]) -> None:
        """``rows``: (swatch kind: box/round/line/dashed, colour, label)."""
        html = [f"<h2>{esc(title)}</h2>"]
        for kind, col, label in rows:
            col = colour(col)
            if kind in ("line", "dashed"):
                cls = "maps-swatch line" + (" dashed" if kind == "dashed" else "")
                sw = f'<span class="{cls}" style="border-top-color:{col}"></span>'
            else:
                cls = "maps-swatch" + (" round" if kind == "round" else "")
                sw = f'<span class="{cls}" style="background:{col}"></span>'
            html.append(f'<div class="row">{sw}<span>{esc(label)}</span></div>')
        self.parts.append("".join(html))

    def html(self) -> str:
        return "".join(self.parts)


# ---------------------------------------------------------------------------
# geometry helpers
# ---------------------------------------------------------------------------

def _wgs84(gdf: gpd.GeoDataFrame, tolerance_m: float | None = None) -> gpd.GeoSeries:
    """Geometries in EPSG:4326, simplified in Lambert-93 and rounded."""
    if gdf.crs is None:
        raise ValueError("geometries without a CRS cannot be mapped")
    geo = gdf.geometry.to_crs(LAMBERT93)
    if tolerance_m:
        geo = geo.simplify(tolerance_m, preserve_topology=True)
    geo = geo.to_crs(WGS84)
    d = style.COORDINATE_DECIMALS
    values = shapely.transform(np.asarray(geo.values), lambda c: np.round(c, d))
    return gpd.GeoSeries(values, index=geo.index, crs=WGS84)


def _feature(geom: Any, style_index: int, popup: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"s": style_index}
    if popup:
        props["p"] = popup
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def _popup(title: str, lines: Sequence[tuple[str, Any]]) -> str:
    body = "".join(f"<br>{esc(k)} : {esc(v)}" for k, v in lines if v not in (None, ""))
    return f'<div class="maps-popup"><b>{esc(title)}</b>{body}</div>'


def _commune_names(registry: Registry) -> dict[str, str]:
    com = registry.territories("commune")
    return dict(zip(com["code"].astype(str), com["name"].astype(str), strict=False))


# ---------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------

def _add_outlines(m: folium.Map, registry: Registry, levels: Sequence[str]) -> None:
    fg = folium.FeatureGroup(name="Limites administratives", control=True)
    weights = {"commune": 0.4, "epci": 0.8, "departement": 1.6, "region": 2.2}
    styles, features = [], []
    for i, level in enumerate(levels):
        terr = registry.territories(level)
        if terr.empty:
            continue
        styles.append({"color": "#616161", "weight": weights[level], "fill": False,
                       "opacity": 0.8})
        geo = _wgs84(terr, style.SIMPLIFY_M[level])
        features += [_feature(g, i) for g in geo if g is not None and not g.is_empty]
        if len(styles) != i + 1:  # keep style indices aligned
            styles.append({})
    DataLayer(features, styles, interactive=False).add_to(fg)
    fg.add_to(m)


def _tie_counts(registry: Registry, year: int) -> tuple[pd.Series, pd.Series]:
    rel = registry.relations(year)
    if rel.empty:
        return pd.Series(dtype=int), pd.Series(dtype=int)
    aa = rel[(rel["source_type"] == "actor") & (rel["target_type"] == "actor")]
    actor_ties = pd.concat([aa["source"], aa["target"]]).astype(str).value_counts()
    af = rel[(rel["source_type"] == "actor") != (rel["target_type"] == "actor")]
    ends = pd.concat([af.loc[af["source_type"] == "actor", "source"],
                      af.loc[af["target_type"] == "actor", "target"]]).astype(str)
    return actor_ties, ends.value_counts()


def _catchment_loads(registry: Registry, year: int) -> pd.DataFrame:
    """Catchment size and load of the front-line actors (:func:`ecosystem.results.catchments`)."""
    from ecosystem import EmptyDataError

    try:
        table = results.catchments(registry, year)
    except EmptyDataError:
        return pd.DataFrame(columns=["n_firms", "load_firms"])
    return pd.DataFrame(table).set_index("actor_id")[["n_firms", "load_firms"]]


def _staff_counts(aid: str, firm_ties: pd.Series, loads: pd.DataFrame
                  ) -> list[tuple[str, Any]]:
    """The firm counts of an actor's popup (linked SMEs, catchment, load): staff maps
    only, these tables are not published."""
    caught = aid in loads.index
    return [
        ("PME liées", int(firm_ties.get(aid, 0))),
        ("PME du bassin (plus proche de sa catégorie)",
         format_number(loads.at[aid, "n_firms"], "fr", 0) if caught else ""),
        ("Charge (PME du bassin / capacité)",
         format_number(loads.at[aid, "load_firms"], "fr", 1) if caught else ""),
    ]


def _add_actors(m: folium.Map, registry: Registry, year: int, legend: _Legend, *,
                public: bool = False) -> int:
    actors = registry.actors(year)
    names = _commune_names(registry)
    actor_ties, firm_ties = _tie_counts(registry, year)
    # the public maps show no firm count of an actor: not a table of the publication gate
    loads = pd.DataFrame() if public else _catchment_loads(registry, year)
    geo = _wgs84(actors)
    codes = list(CATEGORIES) + sorted(set(actors["category"].astype(str)) - set(CATEGORIES))
    styles = []
    for code in codes:
        col, sym = style.CATEGORY_STYLE.get(code, style.DEFAULT_CATEGORY_STYLE)
        styles.append({"icon": f'<div class="maps-actor" style="background:{colour(col)}">'
                               f"{esc(sym)}</div>", "size": 22})
    index = {c: i for i, c in enumerate(codes)}
    by_group: dict[str, list[dict[str, Any]]] = {g: [] for g in CATEGORY_GROUPS}
    for (_, row), g in zip(actors.iterrows(), geo, strict=True):
        if g is None or g.is_empty:
            continue
        cat = str(row["category"])
        info = CATEGORIES.get(cat)
        aid = str(row["id"])
        capacity = row.get("capacity")
        popup = _popup(str(row["name"]), [
            ("Catégorie", info.label_fr if info else cat),
            ("Commune", names.get(str(row["commune"]), str(row["commune"]))),
            ("Liens avec des acteurs", int(actor_ties.get(aid, 0))),
            ("Capacité", "" if pd.isna(capacity) else format_number(capacity, "fr", 0)),
            *([] if public else _staff_counts(aid, firm_ties, loads)),
        ])
        group = info.group if info else "authorities"
        by_group.setdefault(group, []).append(_feature(g, index[cat], popup))
    for group, features in by_group.items():
        if not features:
            continue
        label = CATEGORY_GROUPS.get(group, (group, group))[0]
        fg = folium.FeatureGroup(name=f"Acteurs : {label} ({len(features)})")
        DataLayer(features, styles).add_to(fg)
        fg.add_to(m)
    present = [c for c in codes if c in set(actors["category"].astype(str))]
    legend.section("Acteurs", [
        ("round", style.CATEGORY_STYLE.get(c, style.DEFAULT_CATEGORY_STYLE)[0],
         f"{style.CATEGORY_STYLE.get(c, style.DEFAULT_CATEGORY_STYLE)[1]} · "
         f"{CATEGORIES[c].label_fr if c in CATEGORIES else c}") for c in present])
    return len(actors)


def _stage_kinds(firms: pd.DataFrame) -> list[str]:
    return list(STAGES) + sorted(set(firms["stage"].dropna().astype(str)) - set(STAGES))


def _add_firms(m: folium.Map, registry: Registry, year: int, legend: _Legend, *,
               mode: str, hex_km: float, distance_km: float | None,
               categories: Sequence[str] | None) -> None:
    firms = mask_non_diffusible(registry.firms(year))
    names = _commune_names(registry)
    stages = _stage_kinds(firms)
    sidx = {s: i for i, s in enumerate(stages)}
    kinds = [{"colour": _stage_colour(s), "label": STAGES.get(s, (s, s))[0]}
             for s in stages]
    geo = _wgs84(firms)
    if mode == "cluster":
        fg = folium.FeatureGroup(name=f"PME ({len(firms)}, regroupées)")
        d = style.COORDINATE_DECIMALS
        points = []
        for name, stage, commune, g in zip(firms["name"], firms["stage"], firms["commune"],
                                           geo, strict=True):
            if g is None or g.is_empty:
                continue
            points.append([round(g.y, d), round(g.x, d), sidx.get(str(stage), 0),
                           "" if pd.isna(name) else str(name),
                           names.get(str(commune), str(commune))])
        ClusterLayer(points, kinds, "PME (non diffusible)").add_to(fg)
        fg.add_to(m)
    elif mode == "hex":
        _add_hexes(m, firms, stages, hex_km)
    else:
        raise ValueError(f"unknown firms mode {mode!r}; expected 'cluster' or 'hex'")
    legend.section("PME par stade", [("round", k["colour"], k["label"]) for k in kinds
                                     if k["label"] in set(
                                         STAGES.get(s, (s, s))[0] for s in
                                         firms["stage"].dropna().astype(str))])
    _add_unserved(m, registry, year, firms, legend, distance_km, categories)


def _stage_colour(stage: str) -> str:
    return style.STAGE_COLOURS.get(stage, "#616161")


def _add_hexes(m: folium.Map, firms: gpd.GeoDataFrame, stages: list[str],
               hex_km: float) -> None:
    size = hex_km * 1000.0
    pts = firms.geometry.to_crs(LAMBERT93)
    q, r = hex_cells(pts.x.to_numpy(), pts.y.to_numpy(), size)
    table = pd.DataFrame({"q": q, "r": r, "stage": firms["stage"].astype(str).to_numpy()})
    counts = table.groupby(["q", "r", "stage"]).size().unstack(fill_value=0)
    total = counts.sum(axis=1)
    polys = hex_polygons(counts.index.get_level_values("q").to_numpy(),
                         counts.index.get_level_values("r").to_numpy(), size)
    hexes = gpd.GeoDataFrame({"n": total.to_numpy()}, geometry=polys, crs=LAMBERT93)
    geo = _wgs84(hexes)
    top = float(total.max()) if len(total) else 1.0
    styles, features = [], []
    for i, ((_, row), g) in enumerate(zip(counts.iterrows(), geo, strict=True)):
        dominant = str(row.idxmax())
        opacity = 0.25 + 0.6 * math.sqrt(float(row.sum()) / top)
        styles.append({"color": "#ffffff", "weight": 0.5, "fillColor":
                       _stage_colour(dominant), "fillOpacity": round(opacity, 2)})
        lines = [(STAGES.get(s, (s, s))[0], int(row[s])) for s in stages
                 if s in row.index and row[s] > 0]
        features.append(_feature(g, i, _popup(f"{int(row.sum())} PME", lines)))
    side = format_number(hex_km, "fr", 0)
    fg = folium.FeatureGroup(name=f"PME ({len(firms)}, hexagones de {side} km)")
    DataLayer(features, styles).add_to(fg)
    fg.add_to(m)


def _add_unserved(m: folium.Map, registry: Registry, year: int, firms: gpd.GeoDataFrame,
                  legend: _Legend, distance_km: float | None,
                  categories: Sequence[str] | None) -> None:
    table = results.unserved(registry, year, distance_km=distance_km, categories=categories)
    d_km = distance_km or get_settings().unserved_distance_km
    if table.empty:
        return
    located = firms.drop_duplicates("firm_id").set_index("firm_id")
    table = table[table["firm_id"].isin(located.index)]
    sub = located.loc[table["firm_id"]]
    geo = _wgs84(gpd.GeoDataFrame(sub, geometry="geometry", crs=firms.crs))
    styles = [{"radius": 4, "color": style.UNSERVED_FIRM_COLOUR, "weight": 1,
               "fillColor": style.UNSERVED_FIRM_COLOUR, "fillOpacity": 0.7}]
    features = []
    for (_, row), name, g in zip(table.iterrows(), sub["name"], geo, strict=True):
        title = "PME (non diffusible)" if pd.isna(name) or not str(name) else str(name)
        features.append(_feature(g, 0, _popup(title, [
            ("Stade", STAGES.get(str(row["stage"]), (row["stage"],))[0]),
            ("Rang (potentiel)", int(row["rank"])),
            ("Acteur le plus proche", row.get("nearest_actor_name", "")),
            ("Distance", f"{format_number(row.get('nearest_km'), 'fr', 1)} km"),
        ])))
    km = format_number(d_km, "fr", 0)
    fg = folium.FeatureGroup(name=f"PME non accompagnées ({len(features)}, > {km} km)")
    DataLayer(features, styles).add_to(fg)
    fg.add_to(m)
    legend.section("PME non accompagnées", [
        ("round", style.UNSERVED_FIRM_COLOUR, f"aucun acteur de première ligne à "
                                              f"moins de {km} km")])


def _extent(registry: Registry) -> Any:
    terr = registry.territories("departement")
    if terr.empty:
        terr = registry.territories("commune")
    return terr.to_crs(LAMBERT93).geometry.union_all()


def _add_coverage(m: folium.Map, registry: Registry, year: int, legend: _Legend,
                  distance_km: float | None, categories: Sequence[str] | None) -> None:
    d_km = float(distance_km or get_settings().unserved_distance_km)
    cats = tuple(categories or FRONT_LINE_CATEGORIES)
    actors = registry.actors(year)
    front = actors[actors["category"].astype(str).isin(cats)].to_crs(LAMBERT93)
    extent = _extent(registry)
    covered = front.geometry.buffer(d_km * 1000.0, 16).union_all() if len(front) else \
        shapely.Polygon()
    inside = covered.intersection(extent) if not extent.is_empty else covered
    outside = extent.difference(covered) if not extent.is_empty else shapely.Polygon()
    frame = gpd.GeoDataFrame(geometry=[inside, outside], crs=LAMBERT93)
    geo = _wgs84(frame, style.SIMPLIFY_M["coverage"])
    styles = [
        {"color": style.COVERED_COLOUR, "weight": 1, "fillColor": style.COVERED_COLOUR,
         "fillOpacity": 0.18},
        {"color": style.UNSERVED_COLOUR, "weight": 1, "fillColor": style.UNSERVED_COLOUR,
         "fillOpacity": 0.25},
    ]
    km = format_number(d_km, "fr", 0)
    labels = [f"À moins de {km} km d'un acteur de première ligne ({len(front)})",
              f"Zone non couverte (au-delà de {km} km)"]
    features = [_feature(g, i, _popup(labels[i], [
        ("Surface", f"{format_number(shapely.area(s) / 1e6, 'fr', 0)} km²")]))
        for i, (g, s) in enumerate(zip(geo, frame.geometry, strict=True))
        if g is not None and not g.is_empty]
    fg = folium.FeatureGroup(name=f"Couverture à {km} km")
    DataLayer(features, styles).add_to(fg)
    fg.add_to(m)
    legend.section("Couverture", [("box", style.COVERED_COLOUR, labels[0]),
                                  ("box", style.UNSERVED_COLOUR, labels[1])])
    _add_catchments(m, front, extent, cats)


def catchment_polygons(actors: gpd.GeoDataFrame, extent: Any) -> gpd.GeoDataFrame:
    """Catchment area of each actor: its Voronoi cell among the actors of its category.

    A firm's nearest actor of a category is the one whose Voronoi cell contains it, so
    these cells are exactly the catchments of ``ecosystem catchments`` (ties on a cell
    edge aside), clipped to ``extent`` (EPSG:2154). Actors at the same point share a cell.
    """
    rows = []
    for cat, part in actors.groupby(actors["category"].astype(str), sort=True):
        pts = part.drop_duplicates(subset=None).geometry
        uniq = shapely.MultiPoint(list({(p.x, p.y) for p in pts}))
        if len(uniq.geoms) == 1:
            cells = [extent]
        else:
            cells = list(shapely.voronoi_polygons(uniq, extend_to=extent.envelope).geoms)
        for cell in cells:
            inside = part[part.geometry.within(cell) | part.geometry.touches(cell)]
            if inside.empty:
                continue
            rows.append({"category": cat, "ids": ", ".join(sorted(inside["id"].astype(str))),
                         "names": " / ".join(sorted(inside["name"].astype(str))),
                         "geometry": cell.intersection(extent)})
    return gpd.GeoDataFrame(rows, columns=["category", "ids", "names", "geometry"],
                            geometry="geometry", crs=LAMBERT93)


def _add_catchments(m: folium.Map, front: gpd.GeoDataFrame, extent: Any,
                    cats: Sequence[str]) -> None:
    if front.empty or extent.is_empty:
        return
    cells = catchment_polygons(front, extent)
    for i, cat in enumerate(c for c in cats if c in set(cells["category"])):
        part = cells[cells["category"] == cat].reset_index(drop=True)
        geo = _wgs84(part, style.SIMPLIFY_M["coverage"])
        col = style.CATEGORY_STYLE.get(cat, style.DEFAULT_CATEGORY_STYLE)[0]
        styles = [{"color": colour(col), "weight": 2, "fillOpacity": 0.0, "dashArray": "4 4"}]
        label = CATEGORIES[cat].label_fr if cat in CATEGORIES else cat
        features = [_feature(g, 0, _popup(f"Bassin : {row['names']}", [("Catégorie", label)]))
                    for g, (_, row) in zip(geo, part.iterrows(), strict=True)
                    if g is not None and not g.is_empty]
        fg = folium.FeatureGroup(name=f"Bassins : {label} ({len(features)})", show=i == 0)
        DataLayer(features, styles).add_to(fg)
        fg.add_to(m)


def classify_colours(values: np.ndarray, scheme: str, k: int, direction: int = 1
                     ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Classes of a choropleth: the class of each value (-1 for NaN: missing or
    suppressed, never classified), the upper bounds, and the colour of each class
    (the best class darkest: reversed when less is better, ``direction < 0``). The
    folium maps and the report's static maps share it.

    Examples
    --------
    >>> c, b, r = classify_colours(np.array([1.0, 2.0, np.nan, 4.0]), "quantiles", 2)
    >>> c.tolist(), len(b) == len(r) == 2
    ([0, 0, -1, 1], True)
    """
    ok = np.isfinite(values)
    classes = np.full(len(values), -1)
    bins = np.array([])
    if ok.any():
        classes[ok], bins = _classify(values[ok], scheme, k)
    n = len(bins)
    ramp = [style.CHOROPLETH_RAMP[round(i * (len(style.CHOROPLETH_RAMP) - 1) / max(n - 1, 1))]
            for i in range(n)]
    if direction < 0:
        ramp = ramp[::-1]
    return classes, bins, ramp


def _classify(values: np.ndarray, scheme: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class of each value and the upper bounds of the classes."""
    k = max(1, min(k, len(np.unique(values)), len(style.CHOROPLETH_RAMP)))
    if k < 2:
        return np.zeros(len(values), dtype=int), np.array([values.max()])
    if scheme == "quantiles":
        with warnings.catch_warnings():  # ties: mapclassify merges classes and says so
            warnings.simplefilter("ignore", UserWarning)
            cl = mapclassify.Quantiles(values, k=k)
    elif scheme == "natural_breaks":
        state = np.random.get_state()  # noqa: NPY002
        # NaturalBreaks draws random seeds and takes no generator: fix them, then restore
        np.random.seed(0)  # noqa: NPY002
        try:
            cl = mapclassify.NaturalBreaks(values, k=k)
        finally:
            np.random.set_state(state)  # noqa: NPY002
    else:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    return np.asarray(cl.yb, dtype=int), np.asarray(cl.bins, dtype=float)


def choropleth_values(table: pd.DataFrame, indicator: str) -> tuple[np.ndarray, np.ndarray]:
    """The values of ``indicator`` drawn by a choropleth (NaN: missing or suppressed)
    and whether each is suppressed (:data:`~ecosystem.disclosure.SECRET` in the table).

    Examples
    --------
    >>> v, s = choropleth_values(pd.DataFrame({"x": [1.5, "s", None]}, dtype=object), "x")
    >>> v.tolist()[0], bool(np.isnan(v[1])), s.tolist()
    (1.5, True, [False, True, False])
    """
    column = table[indicator]
    secret = column.map(lambda v: isinstance(v, str) and v == SECRET).to_numpy(dtype=bool)
    shown = column.where(~secret, np.nan)
    if shown.dtype == object:
        shown = shown.map(lambda v: float(v) if isinstance(v, bool | np.bool_) else v)
    values = pd.to_numeric(shown, errors="coerce").to_numpy(dtype=float)
    return values, secret


def _indicator_table(registry: Registry, level: str, year: int, public: bool,
                     table: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The table a choropleth draws: the publication gate's for a public map
    (:func:`ecosystem.publish.public_indicators`), the staff table otherwise."""
    if table is None:
        if public:
            return publish.public_indicators(registry, level, year, with_geometry=True)
        return indicators.compute_indicators(registry, level, year, with_geometry=True)
    if public and not table.attrs.get("public"):
        raise ValueError("a public map draws the table of ecosystem.publish.public_indicators "
                         "(with_geometry=True), not another indicator table")
    if not isinstance(table, gpd.GeoDataFrame):
        raise ValueError("the indicator table of a map needs each territory's boundary "
                         "(with_geometry=True)")
    return table


def _add_choropleth(m: folium.Map, registry: Registry, year: int, legend: _Legend, *,
                    indicator: str, level: str, scheme: str, k: int,
                    show: bool = True, public: bool = False,
                    table: pd.DataFrame | None = None) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    ind = catalogue.get(indicator)
    table = _indicator_table(registry, level, year, public, table)
    if indicator not in table.columns:
        raise ValueError(f"indicator {indicator!r} is not computed at level {level!r}")
    # suppressed values (« s », public table only) are never classified, never printed
    values, secret = choropleth_values(table, indicator)
    classes, bins, ramp = classify_colours(values, scheme, k, ind.direction)
    ok = classes >= 0
    n_classes = len(bins)
    styles = [{"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.75}
              for c in ramp] + [{"color": "#ffffff", "weight": 0.6,
                                 "fillColor": style.MISSING_COLOUR, "fillOpacity": 0.6},
                                {"color": "#555555", "weight": 1.2, "dashArray": "3 3",
                                 "fillColor": "#bbbbbb", "fillOpacity": 0.35}]
    geo = _wgs84(table, style.SIMPLIFY_M[level])
    features = []
    for (_, row), g, c, v, sec in zip(table.iterrows(), geo, classes, values, secret,
                                      strict=True):
        if g is None or g.is_empty:
            continue
        shown = (f"{SECRET} (secret statistique)" if sec
                 else format_with_unit(indicator, v, "fr"))
        features.append(_feature(
            g, n_classes + 1 if sec else (int(c) if c >= 0 else n_classes),
            _popup(str(row["name"]), [("Code", row["code"]), (ind.label_fr, shown)])))
    unit = format_unit_label(indicator, "fr")
    title = f"{ind.label_fr} ({unit})" if unit else ind.label_fr
    fg = folium.FeatureGroup(name=f"{ind.label_fr} par {level}", show=show)
    DataLayer(features, styles).add_to(fg)
    fg.add_to(m)
    lows = [float(np.nanmin(values[ok]))] + list(bins[:-1]) if ok.any() else []
    rows = [("box", ramp[i], format_value(indicator, bins[i], "fr") if lows[i] == bins[i] else
             f"{format_value(indicator, lows[i], 'fr')} – {format_value(indicator, bins[i], 'fr')}")
            for i in range(n_classes)]
    if (~ok & ~secret).any():
        rows.append(("box", style.MISSING_COLOUR, "Sans donnée"))
    if secret.any():
        rows.append(("dashed", "#555555", f"{SECRET} : secret statistique (moins de "
                     f"{get_settings().sdc_min_firms} entreprises, ou valeur masquée pour "
                     "qu'aucun total ne la révèle)"))
    scheme_label = "quantiles" if scheme == "quantiles" else "seuils naturels"
    legend.section(f"{title} · {level}, {scheme_label}", rows)


def _add_infrastructure(m: folium.Map, registry: Registry, legend: _Legend,
                        show: bool = True) -> None:
    infra = registry.infrastructure()
    if infra.empty:
        return
    kinds = list(INFRASTRUCTURE_KINDS) + sorted(set(infra["kind"].astype(str))
                                                - set(INFRASTRUCTURE_KINDS))
    big = {"airport", "port", "logistics_platform"}
    styles = [{"radius": 7 if k in big else 3, "color": "#ffffff", "weight": 1,
               "fillColor": style.INFRASTRUCTURE_COLOURS.get(k, "#616161"),
               "fillOpacity": 0.9} for k in kinds]
    idx = {k: i for i, k in enumerate(kinds)}
    geo = _wgs84(infra)
    features = []
    for (_, row), g in zip(infra.iterrows(), geo, strict=True):
        if g is None or g.is_empty:
            continue
        kind = str(row["kind"])
        label = INFRASTRUCTURE_KINDS.get(kind, (kind,))[0]
        features.append(_feature(g, idx[kind], _popup(
            str(row["name"]) if not pd.isna(row["name"]) and str(row["name"]) else label,
            [("Type", label), ("Code IATA", "" if pd.isna(row.get("iata")) else row["iata"])])))
    fg = folium.FeatureGroup(name=f"Infrastructures ({len(features)})", show=show)
    DataLayer(features, styles).add_to(fg)
    fg.add_to(m)
    present = set(infra["kind"].astype(str))
    legend.section("Infrastructures", [
        ("round", style.INFRASTRUCTURE_COLOURS.get(k, "#616161"),
         INFRASTRUCTURE_KINDS.get(k, (k,))[0]) for k in kinds if k in present])


def _add_network(m: folium.Map, registry: Registry, year: int, legend: _Legend, *,
                 recommend_top: int, show: bool = True) -> None:
    actors = registry.actors()
    graph = network.actor_graph(actors, registry.relations(), year)
    live = registry.actors(year)
    geo = _wgs84(live)
    pos = {str(a): (g.x, g.y) for a, g in zip(live["id"], geo, strict=True)
           if g is not None and not g.is_empty}
    name = dict(zip(live["id"].astype(str), live["name"].astype(str), strict=True))
    max_w = max((w for _, _, w in graph.edges(data="weight", default=1)), default=1)
    styles: list[dict[str, Any]] = []
    features = []
    width_index: dict[float, int] = {}
    for u, v, w in graph.edges(data="weight", default=1):
        if u not in pos or v not in pos:
            continue
        width = round(1 + 5 * math.sqrt((w - 1) / max(max_w - 1, 1)), 1)
        if width not in width_index:
            width_index[width] = len(styles)
            styles.append({"color": style.TIE_COLOUR, "weight": width, "opacity": 0.55})
        line = LineString([pos[u], pos[v]])
        features.append(_feature(line, width_index[width], _popup(
            f"{name.get(u, u)} — {name.get(v, v)}", [("Liens actifs", int(w))])))
    rec_rows = 0
    if recommend_top > 0:
        rec = activation.recommend_ties(registry, year, recommend_top)
        rec_style = len(styles)
        styles.append({"color": style.RECOMMENDED_TIE_COLOUR, "weight": 3, "opacity": 0.9,
                       "dashArray": "8 6"})
        for _, row in rec.iterrows():
            u, v = str(row["source"]), str(row["target"])
            if u not in pos or v not in pos:
                continue
            rec_rows += 1
            features.append(_feature(LineString([pos[u], pos[v]]), rec_style, _popup(
                f"Lien recommandé n° {int(row['rank'])}",
                [("Entre", f"{name.get(u, u)} et {name.get(v, v)}"),
                 ("Distance", f"{format_number(row.get('distance_km'), 'fr', 1)} km"),
                 ("Gain d'efficacité",
                  format_percent(float(row["gain_efficiency_pct"]) / 100.0))])))
    iso_style = len(styles)
    styles.append({"radius": 13, "color": style.ISOLATED_COLOUR, "weight": 3, "fill": False,
                   "dashArray": "3 3"})
    isolated = [a for a in nx.isolates(graph) if a in pos]
    for a in isolated:
        features.append(_feature(shapely.Point(pos[a]), iso_style, _popup(
            name.get(a, a), [("Réseau", "acteur isolé (aucun lien avec un autre acteur)")])))
    fg = folium.FeatureGroup(name=f"Réseau des acteurs ({graph.number_of_edges()} liens)",
                             show=show)
    DataLayer(features, styles).add_to(fg)
    fg.add_to(m)
    rows = [("line", style.TIE_COLOUR, "Lien entre acteurs (épaisseur : nombre de liens)")]
    if rec_rows:
        rows.append(("dashed", style.RECOMMENDED_TIE_COLOUR, "Lien recommandé"))
    rows.append(("round", style.ISOLATED_COLOUR, f"Acteur isolé ({len(isolated)})"))
    legend.section("Réseau", rows)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------

def build_map(
    registry: Registry | str | os.PathLike[str],
    year: int | None = None,
    kind: str = "combined",
    *,
    indicator: str = "unserved_share",
    level: str = "epci",
    scheme: str = "quantiles",
    k: int = 5,
    firms_mode: str = "cluster",
    hex_km: float = style.HEX_KM,
    distance_km: float | None = None,
    categories: Sequence[str] | None = None,
    recommend_top: int = 10,
    title: str | None = None,
    public: bool = False,
    indicator_table: pd.DataFrame | None = None,
) -> folium.Map:
    """A folium map of the registry for one year.

    Parameters
    ----------
    registry : Registry or path
    year : int, optional
        Defaults to the registry's last firm year.
    kind : {"actors", "firms", "coverage", "choropleth", "infrastructure", "network", \
"combined"}
    indicator, level, scheme, k
        Choropleth: a catalogue indicator (:mod:`ecosystem.catalogue`), a level
        (``commune``, ``epci``, ``departement``), ``quantiles`` or ``natural_breaks``
        and the number of classes.
    firms_mode : {"cluster", "hex"}
        Firms as clustered markers or counted in hexagons of ``hex_km``.
    distance_km, categories
        Threshold *d* and actor categories of the unserved firms and coverage
        (default: settings, front line).
    recommend_top : int
        Recommended ties drawn on the network (0: none).
    title : str, optional
        Replaces the default title.
    public : bool
        Public map, made of what the publication gate (:mod:`ecosystem.publish`)
        publishes and of actor-level data only: the choropleth draws
        :func:`ecosystem.publish.public_indicators` (a suppressed value prints
        ``s (secret statistique)`` and is drawn hatched, never classified); the
        actors' popups show no firm count (linked SMEs, catchment, load: tables the
        gate does not publish). The kinds that place firms (``firms``, ``combined``)
        have no public version (:data:`PUBLIC_KINDS`).
    indicator_table : DataFrame, optional
        The choropleth's table already computed, with each territory's boundary: for
        a public map, the table of ``public_indicators(..., with_geometry=True)``
        itself (refused otherwise); for a staff map, that of
        ``compute_indicators(..., with_geometry=True)``. Default: computed here.

    Returns
    -------
    folium.Map
        No basemap tiles; save it with :func:`save_map` for an offline page.
    """
    reg = as_registry(registry)
    if kind not in KINDS:
        raise ValueError(f"unknown map kind {kind!r}; expected one of {list(KINDS)}")
    if public and kind not in PUBLIC_KINDS:
        raise ValueError(f"map kind {kind!r} places firms: it has no public version (public "
                         f"kinds: {', '.join(PUBLIC_KINDS)})")
    if year is None:
        years = reg.years()
        if not years:
            raise ValueError(f"registry {reg.path} has no firm observation: give a year")
        year = years[-1]
    year = int(year)
    extent = gpd.GeoSeries([_extent(reg)], crs=LAMBERT93).to_crs(WGS84).total_bounds
    m = folium.Map(tiles=None, location=[(extent[1] + extent[3]) / 2,
                                         (extent[0] + extent[2]) / 2],
                   zoom_start=8, control_scale=True,
                   prefer_canvas=False)
    m.options.update({"minZoom": 5, "maxZoom": 18})  # no tile layer to set them
    m.default_js = []
    m.default_css = []
    cluster = kind in ("firms", "combined") and firms_mode == "cluster"
    m.get_root().header.add_child(OfflineAssets(cluster=cluster, background=style.BACKGROUND),
                                  name="maps_offline_assets")
    legend = _Legend()
    every = kind == "combined"
    if kind in ("choropleth", "combined"):
        _add_choropleth(m, reg, year, legend, indicator=indicator, level=level, scheme=scheme,
                        k=k, public=public, table=indicator_table)
    _add_outlines(m, reg, ["epci", "departement"] if level != "commune" or every
                  else ["commune", "departement"])
    if kind in ("coverage", "combined"):
        _add_coverage(m, reg, year, legend, distance_km, categories)
    if kind in ("infrastructure", "combined"):
        _add_infrastructure(m, reg, legend, show=not every)
    if kind in ("network", "combined"):
        _add_network(m, reg, year, legend, recommend_top=recommend_top, show=not every)
    if kind in ("firms", "combined"):
        _add_firms(m, reg, year, legend, mode=firms_mode, hex_km=hex_km,
                   distance_km=distance_km, categories=categories)
    if kind in ("actors", "network", "combined"):
        _add_actors(m, reg, year, legend, public=public)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds([[extent[1], extent[0]], [extent[3], extent[2]]])
    heading = title or KINDS[kind]
    notice = ('<div class="maps-synthetic">Données synthétiques</div>'
              if reg.is_synthetic() else "")
    add_html_box(m, f"<h1>{esc(heading)}</h1><div>Année {year}</div>"
                    f"<div>Source : registre {esc(Path(reg.path).name)}, "
                    f"ecosystem {esc(__version__)}</div>{notice}", "maps-title")
    add_html_box(m, legend.html(), "maps-legend")
    return m


def to_html(m: folium.Map) -> str:
    """The complete, self-contained HTML page of a map (raises if it needs the network)."""
    page = m.get_root().render()
    check_offline(page)
    return page


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map as one offline HTML file (UTF-8) and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_html(m), encoding="utf-8")
    return out
