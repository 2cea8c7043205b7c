"""Territoires: the indicator table of a level, sortable, with a choropleth and a
download.

Visitors without sign-in see the table of the publication gate,
:func:`ecosystem.publish.public_indicators` (the CLI's ``ecosystem indicators
--public``) for the level, year and comparison year: its « s » on the page, grey on
the map, and its download is byte for byte the file of ``ecosystem indicators
--public`` (CSV, French dialect). Staff see and download
:func:`ecosystem.indicators.compute_indicators` (``ecosystem indicators``). The page
applies no disclosure rule of its own
(:func:`dashboard.pages.overview.indicator_table`).

The map is a plotly ``Choropleth`` on the territories' boundaries (GeoJSON in
WGS84, simplified, cached per level) with no base map: nothing is fetched from
the network (the world outline plotly asks for is an empty topology served by
the dashboard itself).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, ctx, dash_table, dcc, html, no_update
from flask import Response

from ecosystem import catalogue
from ecosystem.formatting import (
    format_number,
    format_value,
    format_with_unit,
    unit_format,
    unit_label,
)
from ecosystem.indicators import write_indicators

from .. import auth
from ..components import error_box, level_dropdown, page, secret_note, year_dropdown
from ..i18n import indicator_label, translator
from .overview import (
    LEVEL_PLURAL,
    LEVELS,
    default_compare,
    indicator_table,
)

__all__ = ["PATH", "NAV", "STAFF_ONLY", "layout", "register", "warm", "TABLE_COLUMNS",
           "geojson", "csv_bytes", "TOPOJSON_URL"]

PATH = "/territoires"
NAV = "nav_territories"
STAFF_ONLY = False

#: Indicators of the table, in order (``imi_band`` is the Monte-Carlo rank band and
#: ``imi_change`` is shown with a comparison year).
TABLE_COLUMNS: tuple[str, ...] = (
    "code", "name", "n_firms", "n_exporters", "n_actors", "unserved_share", "iso_density",
    "category_coverage", "network_cohesion", "imi", "imi_rank", "imi_band", "imi_change",
)

#: Where plotly's geo subplot looks for its (here empty) world topology.
TOPOJSON_URL = "/territoires-topojson/"

#: Simplification tolerance of the boundaries, in metres (Lambert-93), by level.
TOLERANCE_M: dict[str, float] = {"region": 1500.0, "departement": 600.0, "epci": 400.0,
                                 "commune": 100.0}

PAGE_SIZE = 20

#: Sequential colour scale of the map, light (low) to dark (high): ColorBrewer Blues;
#: reversed for an indicator where less is better, so that dark always reads "better".
COLOURS: list[list[Any]] = [
    [k / 8, c] for k, c in enumerate(("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
                                      "#4292c6", "#2171b5", "#08519c", "#08306b"))]

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Territoires", "Territories"),
    "intro": ("Les indicateurs du milieu internationalisant pour tous les territoires d'un "
              "niveau : tableau triable (cliquez sur un en-tête), carte de l'indicateur "
              "choisi et téléchargement du tableau complet (CSV, comme la commande "
              "« ecosystem indicators »).",
              "The internationalising-milieu indicators of every territory of a level: a "
              "sortable table (click a header), a map of the chosen indicator and a download "
              "of the full table (CSV, as the 'ecosystem indicators' command writes it)."),
    "indicator": ("Indicateur de la carte", "Map indicator"),
    "code": ("Code", "Code"),
    "name": ("Territoire", "Territory"),
    "imi_band": ("Intervalle de rang (p05–p95)", "Rank interval (p05–p95)"),
    "imi_change": ("Évolution de l'indice (points)", "Change of the index (points)"),
    "count": ("{n} {level}, année {year}", "{n} {level}, year {year}"),
    "count_cmp": ("{n} {level}, année {year} comparée à {cmp}",
                  "{n} {level}, year {year} compared with {cmp}"),
    "secret_hover": ("s (secret statistique)", "s (confidential)"),
    "missing_hover": ("pas de valeur", "no value"),
    "public_note": ("Vue publique : le tableau publié (commande « ecosystem indicators "
                    "--public ») ; les effectifs de moins de 3 entreprises, et d'autres choisis "
                    "pour qu'aucun total ne les révèle, sont remplacés par « s » (en gris sur "
                    "la carte), ainsi que les taux et parts qui en dépendent, dans le tableau "
                    "comme dans le fichier téléchargé ; l'indice composite et les rangs sont "
                    "calculés à partir des seules valeurs publiées.",
                    "Public view: the published table (the 'ecosystem indicators --public' "
                    "command); counts of fewer than 3 firms, and others chosen so that no "
                    "total reveals them, are replaced by “s” (grey on the map), as are the "
                    "rates and shares resting on them, in the table and in the download; the "
                    "composite index and the ranks are computed from published values only."),
    "staff_note": ("Vue personnel : indicateurs agrégés sans secret statistique ; le fichier "
                   "téléchargé est celui de la commande « ecosystem indicators ». À ne pas "
                   "diffuser tel quel.",
                   "Staff view: aggregated indicators without statistical confidentiality; "
                   "the download is the 'ecosystem indicators' file. Not for publication "
                   "as it is."),
    "map_title": ("Carte : {label}", "Map: {label}"),
    "download": ("Télécharger le tableau (CSV)", "Download the table (CSV)"),
}
tr = translator(TEXT)

#: Indicators offered on the map (every catalogue indicator but the rank percentiles).
MAP_INDICATORS: tuple[str, ...] = tuple(n for n in catalogue.names()
                                        if n not in ("imi_rank_p05", "imi_rank_p95"))

_EMPTY_TOPOLOGY = json.dumps({"type": "Topology", "objects": {}, "arcs": [],
                              "transform": {"scale": [1, 1], "translate": [0, 0]}})


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


def _label(name: str, lang: str) -> str:
    if name in ("code", "name", "imi_band", "imi_change"):
        return tr(name, lang)
    unit = unit_label(name, lang)
    label = indicator_label(name, lang)
    return label + (f" ({unit})" if unit and unit.lower() not in label.lower() else "")


def _columns(compare: int | None, lang: str) -> list[dict[str, Any]]:
    return [{"name": _label(c, lang), "id": c} for c in TABLE_COLUMNS
            if c != "imi_change" or compare]


def _sort_key(frame: pd.DataFrame, column: str) -> pd.Series:
    """Values to sort ``column`` by: numbers, « s » and missing last."""
    if column == "imi_band":
        column = "imi_rank_p05"
    values = frame[column]
    if column in ("code", "name"):
        return values.astype(str).str.lower()
    return pd.to_numeric(values.map(lambda v: np.nan if isinstance(v, str) else v),
                         errors="coerce").astype(float)


def _rows(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The published table with the cells as printed (strings)."""
    out = pd.DataFrame({"code": table["code"].astype(str), "name": table["name"].astype(str)},
                       index=table.index)
    for c in TABLE_COLUMNS[2:]:
        if c == "imi_band":
            a, b = table["imi_rank_p05"], table["imi_rank_p95"]
            out[c] = [x if isinstance(x, str) else "–" if pd.isna(x) or pd.isna(y)
                      else f"{int(x)}–{int(y)}" for x, y in zip(a, b, strict=True)]
        elif c == "imi_change":
            if c in table.columns:
                out[c] = [format_value("imi", v, lang, change=True) for v in table[c]]
        else:
            out[c] = [format_value(c, v, lang, symbol=False) for v in table[c]]
    return out


def _page_of(data: Any, level: str, year: int, compare: int | None, lang: str, staff: bool,
             sort: tuple[str, str] | None, page_no: int) -> tuple[list[dict[str, Any]], int]:
    def build() -> tuple[pd.DataFrame, int]:
        table = indicator_table(data, level, year, compare, staff)
        if sort and sort[0] in (*table.columns, "imi_band"):
            key = _sort_key(table, sort[0])
            order = key.sort_values(ascending=sort[1] == "asc", na_position="last",
                                    kind="stable").index
            table = table.loc[order]
        return _rows(table, lang), len(table)

    rows, n = data.cached("territories_rows", (level, year, compare, lang, staff, sort), build)
    start = page_no * PAGE_SIZE
    return rows.iloc[start:start + PAGE_SIZE].to_dict("records"), n


def geojson(data: Any, level: str, geo: pd.DataFrame) -> dict[str, Any]:
    """The boundaries of ``geo`` (EPSG:2154) simplified and in WGS84, as a GeoJSON
    FeatureCollection whose feature ids are the codes; cached per level."""
    codes = tuple(sorted(geo["code"].astype(str)))

    def build() -> dict[str, Any]:
        import shapely

        g = geo[["code", "geometry"]].copy()
        g["geometry"] = g.geometry.simplify(TOLERANCE_M.get(level, 250.0),
                                            preserve_topology=True)
        g = g.to_crs(4326)
        # 4 decimals of a degree (about 10 m) are plenty at this scale
        g["geometry"] = shapely.transform(g.geometry.to_numpy(), lambda xy: np.round(xy, 4))
        doc = json.loads(g.to_json(drop_id=True))
        for f in doc["features"]:
            f["id"] = f["properties"]["code"]
            f["properties"] = {}
        return doc  # type: ignore[no-any-return]

    return data.cached("territories_geojson", (level, codes), build)  # type: ignore[no-any-return]


def _map(data: Any, level: str, year: int, indicator: str, lang: str, staff: bool
         ) -> dict[str, Any]:
    # the public map draws the gate's table (every territory of the level), staff theirs
    geo = data.indicators_geo(level, int(year)) if staff else \
        data.public_indicators_geo(level, int(year))
    gj = geojson(data, level, geo)
    table = pd.DataFrame(geo.drop(columns=geo.geometry.name))
    codes = table["code"].astype(str).to_list()
    names = table["name"].astype(str).to_list()
    values = table[indicator].to_list()
    secret = [isinstance(v, str) for v in values]
    missing = [not s and (v is None or pd.isna(v)) for s, v in zip(secret, values, strict=True)]
    ok = [not s and not m for s, m in zip(secret, missing, strict=True)]
    label = indicator_label(indicator, lang)
    unit = unit_label(indicator, lang)
    scale = unit_format(indicator).scale
    direction = catalogue.get(indicator).direction
    features = {f["id"]: f for f in gj["features"]}

    def subset(idx: list[int]) -> dict[str, Any]:
        # each trace carries only its own boundaries: the payload holds each once
        return {"type": "FeatureCollection",
                "features": [features[codes[i]] for i in idx if codes[i] in features]}

    line = {"color": "#ffffff", "width": 0.6}
    traces: list[dict[str, Any]] = []
    for mask, colour, text in ((secret, "#9aa3ad", tr("secret_hover", lang)),
                               (missing, "#e4e7eb", tr("missing_hover", lang))):
        idx = [i for i, m in enumerate(mask) if m]
        if idx:
            traces.append({
                "type": "choropleth", "geojson": subset(idx),
                "locations": [codes[i] for i in idx], "z": [0] * len(idx),
                "colorscale": [[0, colour], [1, colour]], "showscale": False,
                "text": [f"{names[i]} ({codes[i]})" for i in idx],
                "hovertemplate": f"%{{text}}<br>{label} : {text}<extra></extra>",
                "marker": {"line": line}})
    idx = [i for i, m in enumerate(ok) if m]
    if idx:
        traces.append({
            "type": "choropleth", "geojson": subset(idx),
            "locations": [codes[i] for i in idx],
            "z": [float(values[i]) * scale for i in idx],
            "colorscale": COLOURS, "reversescale": direction < 0,
            "text": [f"{names[i]} ({codes[i]})<br>{label} : "
                     f"{format_with_unit(indicator, values[i], lang)}"
                     for i in idx],
            "hovertemplate": "%{text}<extra></extra>", "marker": {"line": line},
            "colorbar": {"title": {"text": unit or "", "side": "right"}, "thickness": 14,
                         "len": 0.8}})
    layout = {
        "geo": {"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"},
                "bgcolor": "rgba(0,0,0,0)"},
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0}, "height": 480,
        "separators": ", " if lang == "fr" else ".,", "paper_bgcolor": "#fff",
        "font": {"family": "DejaVu Sans, Arial, sans-serif"}}
    return {"data": traces, "layout": layout}


def csv_bytes(data: Any, level: str, year: int, compare: int | None, staff: bool) -> bytes:
    """The indicator table as ``ecosystem indicators --out x.csv`` writes it; for the
    public, as ``ecosystem indicators --public`` writes it
    (:func:`ecosystem.publish.export_public_indicators`: the gate's table written by
    :func:`ecosystem.indicators.write_indicators`)."""
    table = indicator_table(data, level, year, compare, staff)
    fd, tmp = tempfile.mkstemp(suffix=".csv")
    os.close(fd)
    try:
        write_indicators(table, "csv", tmp)
        return Path(tmp).read_bytes()
    finally:
        Path(tmp).unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# layout and callbacks
# ---------------------------------------------------------------------------


def _data_table(compare: int | None, lang: str) -> dash_table.DataTable:
    return dash_table.DataTable(
        id="tr-table", columns=_columns(compare, lang), data=[], page_action="custom",
        page_current=0, page_size=PAGE_SIZE, sort_action="custom", sort_mode="single",
        sort_by=[], style_table={"overflowX": "auto"},
        style_cell={"fontFamily": "'DejaVu Sans', 'Segoe UI', Arial, sans-serif",
                    "fontSize": "0.84rem", "padding": "4px 6px",
                    "textAlign": "right", "whiteSpace": "normal", "maxWidth": "11rem",
                    "minWidth": "4rem"},
        style_cell_conditional=[{"if": {"column_id": "code"}, "textAlign": "left"},
                                {"if": {"column_id": "name"}, "textAlign": "left",
                                 "minWidth": "15rem", "maxWidth": "24rem"}],
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f6",
                      "whiteSpace": "normal", "height": "auto"})


def layout(ctx_: Any) -> Any:
    data, lang = ctx_.data, ctx_.lang
    try:
        years = data.years()
        year = data.last_year()
    except Exception as exc:  # noqa: BLE001 - shown to the user
        return page(tr("title", lang), tr("intro", lang), error_box(str(exc), lang),
                    page_id="page-territories")
    compare = default_compare(years, year)
    controls = html.Div([
        level_dropdown("tr-level", lang, "departement", LEVELS),
        year_dropdown("tr-year", years, year, lang),
        year_dropdown("tr-compare", years, compare, lang, label_key="compare_year",
                      clearable=True),
        html.Label([tr("indicator", lang), dcc.Dropdown(
            id="tr-indicator", value="imi", clearable=False,
            options=[{"label": indicator_label(n, lang), "value": n} for n in MAP_INDICATORS])],
            className="control wide"),
    ], className="controls")
    table = _data_table(compare, lang)
    return page(
        tr("title", lang), tr("intro", lang), controls,
        html.Div([html.H3(id="tr-map-title"),
                  dcc.Graph(id="tr-map", config={"displaylogo": False,
                                                  "topojsonURL": TOPOJSON_URL,
                                                  "modeBarButtonsToRemove": ["select2d",
                                                                             "lasso2d"]})],
                 className="card tr-map-card"),
        html.Div([html.Span(id="tr-count", className="tr-count"),
                  html.Button(tr("download", lang), id="tr-download-btn", className="action",
                              n_clicks=0),
                  dcc.Download(id="tr-download")], className="tr-actions"),
        table,
        html.Div(id="tr-notes"),
        page_id="page-territories")


def register(app: Any, data: Any) -> None:
    @app.server.route(TOPOJSON_URL + "<name>.json")
    def _topojson(name: str) -> Response:
        # plotly's geo subplot loads a world outline even with every base layer off;
        # an empty topology keeps the map offline
        return Response(_EMPTY_TOPOLOGY, mimetype="application/json")

    @app.callback(Output("tr-table", "data"), Output("tr-table", "columns"),
                  Output("tr-table", "page_count"), Output("tr-table", "page_current"),
                  Output("tr-count", "children"), Output("tr-notes", "children"),
                  Input("tr-level", "value"), Input("tr-year", "value"),
                  Input("tr-compare", "value"), Input("tr-table", "sort_by"),
                  Input("tr-table", "page_current"), State("lang", "data"))
    def _update(level: str, year: int | None, compare: int | None,
                sort_by: list[dict[str, str]] | None, page_current: int | None,
                lang: str | None) -> tuple[Any, ...]:
        lang = "en" if lang == "en" else "fr"
        if level not in LEVELS or not year:
            return (no_update,) * 6
        staff = auth.is_staff()
        cmp = int(compare) if compare and compare != year else None
        sort = (sort_by[0]["column_id"], sort_by[0]["direction"]) if sort_by else None
        page_no = int(page_current or 0)
        if ctx.triggered_id in ("tr-level", "tr-year", "tr-compare"):
            page_no = 0
        try:
            rows, n = _page_of(data, level, int(year), cmp, lang, staff, sort, page_no)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            return [], no_update, 1, 0, error_box(str(exc), lang), []
        lv = LEVEL_PLURAL[level][1 if lang == "en" else 0]
        count = (tr("count_cmp", lang, n=format_number(n, lang, 0), level=lv, year=year, cmp=cmp)
                 if cmp else tr("count", lang, n=format_number(n, lang, 0), level=lv, year=year))
        note = html.P(tr("staff_note" if staff else "public_note", lang),
                      className="secret-note")
        notes = [note] if staff else [secret_note(lang), note]
        return (rows, _columns(cmp, lang), max(1, -(-n // PAGE_SIZE)), page_no, count, notes)

    @app.callback(Output("tr-map", "figure"), Output("tr-map-title", "children"),
                  Input("tr-level", "value"), Input("tr-year", "value"),
                  Input("tr-indicator", "value"), State("lang", "data"))
    def _figure(level: str, year: int | None, indicator: str | None,
                lang: str | None) -> tuple[Any, Any]:
        lang = "en" if lang == "en" else "fr"
        if level not in LEVELS or not year or indicator not in MAP_INDICATORS:
            return no_update, no_update
        staff = auth.is_staff()
        title = tr("map_title", lang, label=indicator_label(indicator, lang))
        try:
            fig = data.cached("territories_map", (level, int(year), indicator, lang, staff),
                              lambda: _map(data, level, int(year), indicator, lang, staff))
        except Exception as exc:  # noqa: BLE001 - shown to the user
            return go.Figure().to_plotly_json(), error_box(str(exc), lang)
        return fig, title

    @app.callback(Output("tr-download", "data"), Input("tr-download-btn", "n_clicks"),
                  State("tr-level", "value"), State("tr-year", "value"),
                  State("tr-compare", "value"), prevent_initial_call=True)
    def _download(n_clicks: int, level: str, year: int | None,
                  compare: int | None) -> Any:
        if not n_clicks or level not in LEVELS or not year:
            return no_update
        staff = auth.is_staff()
        cmp = int(compare) if compare and compare != year else None
        content = csv_bytes(data, level, int(year), cmp, staff)
        name = f"indicateurs_{level}_{int(year)}" + (f"_vs_{cmp}" if cmp else "") + ".csv"
        return dcc.send_bytes(content, name, type="text/csv")


def warm(data: Any) -> None:
    """Compute the defaults of the last year (département level) and their map."""
    year = data.last_year()
    compare = default_compare(data.years(), year)
    for staff in (False, True):
        _page_of(data, "departement", year, compare, "fr", staff, None, 0)
        data.cached("territories_map", ("departement", year, "imi", "fr", staff),
                    lambda s=staff: _map(data, "departement", year, "imi", "fr", s))
