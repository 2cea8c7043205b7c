"""Turn the users' files into validated registry records.

Each ``prepare_*`` function takes a :class:`~ecosystem.readers.RawTable` (any
supported format: CSV with ``,`` or ``;``, UTF-8 or cp1252, decimal point or
comma; Excel; GeoJSON; GeoPackage) and returns a frame with exactly the
columns of :mod:`ecosystem.schema`, or raises
:class:`~ecosystem._errors.ValidationError` listing every problem (file, row,
column, value, what was expected). Nothing is written here: the registry
writes only when every file of an import is valid.

Location, for actors, firms and infrastructure, is read from, in order:

1. ``commune`` (INSEE code; obsolete codes of delegated communes are mapped to
   their current commune; a 4-digit code that lost its leading zero in a
   spreadsheet is padded),
2. ``lat``/``lon`` (WGS84),
3. ``x``/``y`` with an ``epsg`` column or the ``crs`` argument,
4. the file's own geometry (GeoJSON, GeoPackage).

A record with coordinates and no commune is attached to the commune that
contains it; a record with a commune and no coordinates is placed at the
commune's town hall; when both are given, the point must lie in (or within
``settings.coast_tolerance_m`` of) the commune's bounding box, which catches
swapped or mistyped coordinates.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from . import geography
from .readers import RawTable
from .schema import (
    ACTOR_COLUMNS,
    BROADBAND_COLUMNS,
    FIRM_COLUMNS,
    INFRASTRUCTURE_COLUMNS,
    RELATION_COLUMNS,
)
from .settings import (
    CATEGORIES,
    INFRASTRUCTURE_KINDS,
    LAMBERT93,
    POSTURES,
    PROACTIVE_DRIVERS,
    REACTIVE_TRIGGERS,
    RELATION_KINDS,
    STAGES,
    get_settings,
)
from .validate import COUNTRY_CODES, Checker, luhn_valid_array, normalise_naf, siret_valid

__all__ = [
    "prepare_actors",
    "prepare_firms",
    "prepare_relations",
    "prepare_infrastructure",
    "prepare_broadband",
    "prepare_sirene",
    "SIRENE_TRANCHES",
    "conform",
]

#: SIRENE staff-size bands (``trancheEffectifsEtablissement``) -> (low, high, value stored).
#: The stored headcount is the band's midpoint, rounded; "NN" (no employee / unknown) -> 0.
SIRENE_TRANCHES: dict[str, tuple[int, int, int]] = {
    "NN": (0, 0, 0), "00": (0, 0, 0), "01": (1, 2, 2), "02": (3, 5, 4), "03": (6, 9, 8),
    "11": (10, 19, 15), "12": (20, 49, 35), "21": (50, 99, 75), "22": (100, 199, 150),
    "31": (200, 249, 225), "32": (250, 499, 375), "41": (500, 999, 750),
    "42": (1000, 1999, 1500), "51": (2000, 4999, 3500), "52": (5000, 9999, 7500),
    "53": (10000, 10**6, 10000),
}


def conform(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Give a frame exactly the schema's columns and storage types (geometry kept last).

    Missing text columns become ``""``, missing numbers NaN/NA, missing booleans False.
    """
    out = {}
    n = len(frame)
    for name, kind in columns.items():
        col = frame[name] if name in frame.columns else None
        if kind == "str":
            out[name] = _as_text(col, frame.index, n)
        elif kind == "int":
            out[name] = (pd.Series(0, index=frame.index) if col is None else col).astype("int64")
        elif kind == "Int64":
            s = pd.Series(pd.NA, index=frame.index, dtype="Int64") if col is None else col
            out[name] = pd.to_numeric(s).round().astype("Int64")
        elif kind == "float":
            s = pd.Series(np.nan, index=frame.index) if col is None else col
            out[name] = pd.to_numeric(s).astype(float)
        elif kind == "bool":
            s = pd.Series(False, index=frame.index) if col is None else col
            out[name] = s.fillna(False).astype(bool)
        else:  # pragma: no cover - schema is fixed
            raise ValueError(kind)
    result = pd.DataFrame(out, index=frame.index)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        return gpd.GeoDataFrame(result, geometry=frame.geometry.values, crs=frame.crs)
    return result


def _as_text(col: pd.Series | None, index: pd.Index, n: int) -> pd.Series:
    """Object column of Python strings, '' for missing (cheap when already text)."""
    if col is None:
        return pd.Series(np.full(n, "", dtype=object), index=index)
    vals = col.to_numpy(dtype=object, copy=True)
    missing = pd.isna(vals)
    if missing.any():
        vals[missing] = ""
    if pd.api.types.infer_dtype(vals, skipna=False) not in ("string", "empty"):
        vals = np.array([v if isinstance(v, str) else str(v) for v in vals], dtype=object)
    return pd.Series(vals, index=index, dtype=object)


# -- location -------------------------------------------------------------------------
def _commune_codes(chk: Checker) -> pd.Series:
    return geography.normalise_codes(chk.raw("commune"))


def _project_xy(chk: Checker, table: RawTable, crs: str | int | None,
                decimal: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates in EPSG:2154 from lat/lon, x/y(+epsg) or the file geometry."""
    n = len(chk.frame)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    has = np.zeros(n, dtype=bool)
    if chk.has("lat") or chk.has("lon"):
        lat = chk.number("lat", lo=-90, hi=90, decimal=decimal)
        lon = chk.number("lon", lo=-180, hi=180, decimal=decimal)
        both = (lat.notna() & lon.notna()).to_numpy()
        half = (lat.notna() ^ lon.notna()).to_numpy()
        chk.flag(half, "lat" if chk.has("lat") else "lon", "both lat and lon, or neither")
        if both.any():
            tr = pyproj.Transformer.from_crs(4326, LAMBERT93, always_xy=True)
            x[both], y[both] = tr.transform(lon.to_numpy()[both], lat.to_numpy()[both])
            has |= both
    if chk.has("x") or chk.has("y"):
        xs = chk.number("x", decimal=decimal)
        ys = chk.number("y", decimal=decimal)
        both = (xs.notna() & ys.notna()).to_numpy() & ~has
        half = (xs.notna() ^ ys.notna()).to_numpy()
        chk.flag(half, "x" if chk.has("x") else "y", "both x and y, or neither")
        if chk.has("epsg"):
            epsg = chk.raw("epsg").str.replace(r"(?i)^epsg:", "", regex=True)
            if crs is not None:
                epsg = epsg.where(epsg.ne(""), str(crs).upper().replace("EPSG:", ""))
        elif crs is not None:
            epsg = pd.Series(str(crs).upper().replace("EPSG:", ""), index=chk.frame.index)
        else:
            epsg = pd.Series("", index=chk.frame.index)
        no_crs = both & epsg.eq("").to_numpy()
        chk.flag(no_crs, "x", "an 'epsg' column or the --crs option to say which projection "
                 "x/y are in (2154 for Lambert-93)")
        for code in epsg[both & ~no_crs].unique():
            sel = both & ~no_crs & epsg.eq(code).to_numpy()
            try:
                tr = pyproj.Transformer.from_crs(int(code), LAMBERT93, always_xy=True)
            except (ValueError, pyproj.exceptions.CRSError):
                chk.flag(sel, "epsg", "an EPSG code such as 2154 (Lambert-93) or 4326",
                         values=epsg)
                continue
            x[sel], y[sel] = tr.transform(xs.to_numpy()[sel], ys.to_numpy()[sel])
            has |= sel
    if table.geometry is not None and (~has).any():
        geom = gpd.GeoSeries(table.geometry, crs=table.crs)
        if geom.crs is None:
            chk.add(None, "geometry", "(no CRS)", "a file whose geometry has a coordinate "
                    "reference system")
        else:
            geom = geom.to_crs(LAMBERT93)
            pts = geom.geom_type.eq("Point").to_numpy()
            nonempty = ~geom.isna().to_numpy() & ~geom.is_empty.to_numpy()
            chk.flag(nonempty & ~pts & ~has, "geometry", "a point geometry",
                     values=geom.geom_type.astype(str))
            sel = nonempty & pts & ~has
            x[sel] = shapely.get_x(geom.values[sel])
            y[sel] = shapely.get_y(geom.values[sel])
            has |= sel
    has &= np.isfinite(x) & np.isfinite(y)
    return x, y, has


def _locate(chk: Checker, table: RawTable, crs: str | int | None,
            decimal: str) -> gpd.GeoDataFrame:
    """Commune, EPCI, département, région and Lambert-93 point of each row."""
    n = len(chk.frame)
    codes = _commune_codes(chk)
    x, y, has_xy = _project_xy(chk, table, crs, decimal)
    given = codes.ne("").to_numpy()
    info = geography.commune_info(codes[given].unique())
    known = codes.isin(info.index).to_numpy()
    chk.flag(given & ~known, "commune", "an INSEE commune code (5 characters, e.g. 34172 "
             "for Montpellier; not a postcode)")
    neither = ~given & ~has_xy
    if neither.any():
        for pos in np.flatnonzero(neither):
            chk.add(int(chk.rows[pos]), None, "", "a location: a 'commune' code, 'lat'/'lon', "
                    "or 'x'/'y' with an EPSG code")
    tol = get_settings().coast_tolerance_m
    # rows with coordinates but no commune: point in polygon
    find = has_xy & ~given
    if find.any():
        found = geography.locate(x[find], y[find], tolerance_m=tol)
        codes_arr = codes.to_numpy(dtype=object).copy()
        codes_arr[np.flatnonzero(find)] = found
        codes = pd.Series(codes_arr, index=codes.index).fillna("").astype(object)
        outside = np.zeros(n, dtype=bool)
        outside[np.flatnonzero(find)] = pd.isna(pd.Series(found)).to_numpy()
        col = "lat" if chk.has("lat") else ("x" if chk.has("x") else "geometry")
        vals = pd.Series([f"{a:.0f}, {b:.0f} (Lambert-93)" for a, b in zip(x, y, strict=True)],
                         index=chk.frame.index)
        chk.flag(outside, col, "coordinates inside France (the point falls in no French "
                 "commune)", values=vals)
        info = geography.commune_info(codes[codes.ne("")].unique())
    # rows with both: the point must be near its commune
    both = has_xy & given & known
    if both.any():
        bounds = geography.commune_bounds(codes[both])
        inside = ((x[both] >= bounds[:, 0] - tol) & (x[both] <= bounds[:, 2] + tol)
                  & (y[both] >= bounds[:, 1] - tol) & (y[both] <= bounds[:, 3] + tol))
        bad = np.zeros(n, dtype=bool)
        bad[np.flatnonzero(both)] = ~inside
        col = "lat" if chk.has("lat") else ("x" if chk.has("x") else "geometry")
        vals = pd.Series([f"{a:.0f}, {b:.0f} (Lambert-93) for commune {c}"
                          for a, b, c in zip(x, y, codes, strict=True)], index=chk.frame.index)
        chk.flag(bad, col, "coordinates inside the commune given in 'commune' "
                 "(are lat and lon swapped?)", values=vals)
    # rows with a commune only: town hall
    hall = ~has_xy & codes.isin(info.index).to_numpy()
    if hall.any():
        sub = info.loc[codes[hall]]
        x[hall] = sub["townhall_x"].to_numpy()
        y[hall] = sub["townhall_y"].to_numpy()
    ok_codes = codes.where(codes.isin(info.index), "")
    attrs = info.reindex(ok_codes.to_numpy())
    out = pd.DataFrame(
        {
            "commune": ok_codes.to_numpy(),
            "epci": attrs["epci"].fillna("").to_numpy(),
            "departement": attrs["departement"].fillna("").to_numpy(),
            "region": attrs["region"].fillna("").to_numpy(),
            "placement": np.where(has_xy, "coordinates", "commune"),
        },
        index=chk.frame.index,
    )
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(x, y), crs=LAMBERT93)


def _decimal(table: RawTable) -> str:
    return getattr(table, "decimal", None) or "."


_LOCATION_NAMES = ["commune", "lat", "lon", "x", "y", "epsg"]


def _canonical(table: RawTable, columns: dict[str, str], extra: tuple[str, ...] = ()) -> RawTable:
    """Column names compared without case: ``SIRET`` or ``Commune`` are understood."""
    return table.canonical([*columns, *_LOCATION_NAMES, *extra])


def _located(chk: Checker, table: RawTable, rec: pd.DataFrame, source: str | None,
             crs: str | int | None, dec: str, columns: dict[str, str]) -> gpd.GeoDataFrame:
    """The validated records of a located layer (actors, firms) with their source,
    synthetic flag and point (EPSG:2154); every problem of the file raised at once."""
    src = chk.text("source")
    rec["source"] = src.where(src.ne(""), source or table.file)
    rec["synthetic"] = chk.boolean("synthetic")
    loc = _locate(chk, table, crs, dec)
    chk.raise_if_any()
    out = gpd.GeoDataFrame(rec.join(loc.drop(columns="geometry")), geometry=loc.geometry.values,
                           crs=LAMBERT93)
    return _finish(chk, out, columns)  # type: ignore[return-value]


def _finish(chk: Checker, frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    chk.raise_if_any()
    return conform(frame, columns)


# -- actors ---------------------------------------------------------------------------
def prepare_actors(table: RawTable, crs: str | int | None = None,
                   source: str | None = None) -> gpd.GeoDataFrame:
    """Validate an actors file; return records with :data:`~ecosystem.schema.ACTOR_COLUMNS`.

    Required columns: ``id``, ``name``, ``category``, a location, ``since``.
    Optional: ``until``, ``capacity``, ``siret``, ``international_links``, ``website``,
    ``source``, ``synthetic``.
    """
    table = _canonical(table, ACTOR_COLUMNS)
    chk = Checker(table.frame, table.rows, table.file)
    dec = _decimal(table)
    chk.require_columns(["id", "name", "category", "since"])
    chk.raise_if_any()
    ids = chk.text("id", required=True, max_len=100)
    chk.unique(ids, "id", "actor id")
    rec = pd.DataFrame(index=chk.frame.index)
    rec["id"] = ids
    rec["name"] = chk.text("name", required=True)
    rec["category"] = chk.code("category", CATEGORIES, what="category")
    rec["since"] = chk.year("since", required=True)
    rec["until"] = chk.year("until", required=False)
    late = (rec["until"].notna() & rec["since"].notna() & (rec["until"] < rec["since"]))
    chk.flag(late.fillna(False).to_numpy(), "until", "a year >= since")
    rec["capacity"] = chk.number("capacity", lo=0, decimal=dec)
    siret = chk.raw("siret").str.replace(r"\s", "", regex=True)
    chk.flag((siret.ne("") & ~siret_valid(siret)).to_numpy(), "siret",
             "a SIRET of 14 digits with a valid key")
    rec["siret"] = siret
    rec["international_links"] = chk.boolean("international_links")
    rec["website"] = chk.text("website")
    return _located(chk, table, rec, source, crs, dec, ACTOR_COLUMNS)


# -- firms ----------------------------------------------------------------------------
def _firm_ids(chk: Checker) -> tuple[pd.Series, pd.Series, pd.Series]:
    siret = chk.raw("siret").str.replace(r"[\s.]", "", regex=True)
    siren = chk.raw("siren").str.replace(r"[\s.]", "", regex=True)
    if not chk.has("siret") and not chk.has("siren"):
        chk.add(None, "siret", "(absent)", "a 'siret' or 'siren' column")
        return siret, siren, siret
    bad_siret = siret.ne("") & ~siret_valid(siret)
    chk.flag(bad_siret.to_numpy(), "siret", "a SIRET of 14 digits with a valid Luhn key")
    bad_siren = siren.ne("") & ~(luhn_valid_array(siren) & siren.str.len().eq(9).to_numpy())
    chk.flag(bad_siren.to_numpy(), "siren", "a SIREN of 9 digits with a valid Luhn key")
    none = siret.eq("") & siren.eq("")
    chk.flag(none.to_numpy(), "siret", "a SIRET or a SIREN")
    siren = siren.where(siren.ne(""), siret.str[:9])
    mismatch = siret.ne("") & siren.ne(siret.str[:9])
    chk.flag(mismatch.to_numpy(), "siren", "the first 9 digits of the SIRET", values=siren)
    firm_id = siret.where(siret.ne(""), siren)
    return siret, siren, firm_id


def _iso(chk: Checker) -> pd.Series:
    s = chk.raw("iso").str.upper()
    s = s.str.replace(r"ISO\s*", "", regex=True).str.replace(r"\s*[|,;/]\s*", "|", regex=True)
    s = s.str.replace(r":\d{4}", "", regex=True)  # 9001:2015 -> 9001
    parts = s.str.split("|").explode()
    parts = parts[parts.ne("")]
    bad_rows = parts.index[~parts.str.fullmatch(r"\d{3,5}")].unique()
    chk.flag(chk.frame.index.isin(bad_rows), "iso",
             "'|'-separated ISO standard numbers (e.g. 9001|14001)")
    return s


def prepare_firms(table: RawTable, crs: str | int | None = None, year: int | None = None,
                  source: str | None = None) -> gpd.GeoDataFrame:
    """Validate a firms file; return observations with :data:`~ecosystem.schema.FIRM_COLUMNS`.

    Required: ``siret`` or ``siren``, ``stage``, a location, and ``year`` unless
    ``year`` is given. Optional: ``name``, ``naf``, ``employees``, ``posture``,
    ``triggers``, ``drivers``, ``export_share``, ``iso``, ``created``, ``markets``,
    ``groupement``, ``diffusible``, ``source``, ``synthetic``.
    """
    st = get_settings()
    table = _canonical(table, FIRM_COLUMNS)
    chk = Checker(table.frame, table.rows, table.file)
    dec = _decimal(table)
    chk.require_columns(["stage"])
    if year is None:
        chk.require_columns(["year"], " (or the --year option)")
    chk.raise_if_any()
    siret, siren, firm_id = _firm_ids(chk)
    chk.raise_if_any()
    rec = pd.DataFrame(index=chk.frame.index)
    rec["firm_id"], rec["siret"], rec["siren"] = firm_id, siret, siren
    rec["name"] = chk.text("name")
    naf_raw = chk.raw("naf")
    naf = normalise_naf(naf_raw)
    chk.flag((naf_raw.ne("") & naf.isna()).to_numpy(), "naf",
             "a NAF rév. 2 code such as 25.62A or 2562A")
    rec["naf"] = naf.fillna("")
    rec["employees"] = chk.integer("employees", lo=0, hi=st.sme_max_employees - 1, decimal=dec)
    rec["stage"] = chk.code("stage", STAGES, what="stage")
    rec["posture"] = chk.code("posture", POSTURES, required=False, what="posture")
    rec["triggers"] = chk.codes_list("triggers", REACTIVE_TRIGGERS, "reactive triggers")
    rec["drivers"] = chk.codes_list("drivers", PROACTIVE_DRIVERS, "proactive drivers")
    rec["export_share"] = chk.number(
        "export_share", lo=0, hi=1, decimal=dec, hint=" (a share: 35 % is 0.35)")
    local = rec["stage"].eq("local") & rec["export_share"].gt(0)
    chk.flag(local.to_numpy(), "export_share",
             "0 or empty for a firm at stage 'local' (sales abroad mean export)")
    rec["iso"] = _iso(chk)
    rec["markets"] = chk.codes_list("markets", COUNTRY_CODES, "ISO 3166 country codes (FR, ES, "
                                    "DE...)", upper=True)
    rec["groupement"] = chk.text("groupement", max_len=100)
    if chk.has("year"):
        rec["year"] = chk.year("year", required=year is None, default=year)
    else:
        rec["year"] = pd.Series(year, index=chk.frame.index, dtype="Int64")
    rec["created"] = chk.year("created", required=False)
    future = rec["created"].notna() & rec["year"].notna() & (rec["created"] > rec["year"])
    chk.flag(future.fillna(False).to_numpy(), "created", "a creation year <= observation year")
    key = rec["firm_id"] + "/" + rec["year"].astype(str)
    chk.unique(key, "siret" if chk.has("siret") else "siren", "firm for this year")
    rec["diffusible"] = chk.boolean("diffusible", default=True)
    return _located(chk, table, rec, source, crs, dec, FIRM_COLUMNS)


# -- relations ------------------------------------------------------------------------
def prepare_relations(table: RawTable, actor_ids: set[str], firm_ids: set[str],
                      siren_to_firm: dict[str, str] | None = None,
                      year: int | None = None) -> pd.DataFrame:
    """Validate a relations file against the known actor and firm identifiers.

    ``source``/``target`` are actor ids or firm SIRET/SIREN (a SIREN names the firm
    whose SIRET starts with it when it has a single establishment in the registry).
    """
    table = _canonical(table, RELATION_COLUMNS)
    chk = Checker(table.frame, table.rows, table.file)
    dec = _decimal(table)
    chk.require_columns(["source", "target", "kind"])
    if year is None:
        chk.require_columns(["year"], " (the year the tie starts, or the --year option)")
    chk.raise_if_any()
    siren_to_firm = siren_to_firm or {}
    rec = pd.DataFrame(index=chk.frame.index)
    for end in ("source", "target"):
        ids = chk.text(end, required=True, max_len=100)
        digits = ids.str.replace(r"[\s.]", "", regex=True)
        as_firm = digits.where(digits.isin(firm_ids), digits.map(siren_to_firm))
        is_actor = ids.isin(actor_ids)
        is_firm = as_firm.notna() & ~is_actor
        chk.flag((ids.ne("") & ~is_actor & ~is_firm).to_numpy(), end,
                 "the id of an actor or the SIRET/SIREN of a firm in the registry or in this "
                 "import")
        rec[end] = ids.where(is_actor, as_firm.fillna(ids))
        rec[f"{end}_type"] = np.where(is_actor, "actor", "firm")
    self_loop = rec["source"].eq(rec["target"])
    chk.flag(self_loop.to_numpy(), "target", "a target different from the source")
    rec["kind"] = chk.code("kind", RELATION_KINDS, what="relation kind")
    rec["year"] = chk.year("year", required=year is None, default=year)
    rec["until"] = chk.year("until", required=False)
    late = rec["until"].notna() & (rec["until"] < rec["year"])
    chk.flag(late.fillna(False).to_numpy(), "until", "a year >= the start year")
    w = chk.number("weight", lo=0, decimal=dec)
    rec["weight"] = w.fillna(1.0)
    rec["synthetic"] = chk.boolean("synthetic")
    return _finish(chk, rec, RELATION_COLUMNS)


# -- infrastructure -------------------------------------------------------------------
def prepare_infrastructure(table: RawTable, crs: str | int | None = None,
                           source: str | None = None) -> gpd.GeoDataFrame:
    """Validate an infrastructure file (``id``, ``kind``, ``name``, location, optional ``iata``)."""
    table = _canonical(table, INFRASTRUCTURE_COLUMNS)
    chk = Checker(table.frame, table.rows, table.file)
    dec = _decimal(table)
    chk.require_columns(["id", "kind"])
    chk.raise_if_any()
    rec = pd.DataFrame(index=chk.frame.index)
    rec["id"] = chk.text("id", required=True, max_len=100)
    chk.unique(rec["id"], "id", "infrastructure id")
    rec["kind"] = chk.code("kind", INFRASTRUCTURE_KINDS, what="infrastructure kind")
    rec["name"] = chk.text("name")
    iata = chk.raw("iata").str.upper()
    chk.flag((iata.ne("") & ~iata.str.fullmatch(r"[A-Z]{3}")).to_numpy(), "iata",
             "a three-letter IATA code")
    rec["iata"] = iata
    src = chk.text("source")
    rec["source"] = src.where(src.ne(""), source or table.file)
    loc = _locate(chk, table, crs, dec)
    chk.raise_if_any()
    out = gpd.GeoDataFrame(rec.join(loc.drop(columns="geometry")), geometry=loc.geometry.values,
                           crs=LAMBERT93)
    return _finish(chk, out, INFRASTRUCTURE_COLUMNS)  # type: ignore[return-value]


# -- broadband ------------------------------------------------------------------------
def prepare_broadband(table: RawTable, year: int | None = None) -> pd.DataFrame:
    """Validate an ARCEP-style broadband file: ``commune``, ``ftth_share`` (0–1 or %), ``year``.

    ARCEP's own column names are accepted too: ``code_insee`` / ``INSEE_COM`` for the
    commune; ``taux_ftth`` / ``part_ftth`` for the share (a value above 1 is read as a
    percentage).
    """
    frame = table.frame.rename(columns={
        c: "commune" for c in table.frame.columns
        if str(c).lower() in {"code_insee", "insee_com", "code_commune", "codgeo"}
    }).rename(columns={
        c: "ftth_share" for c in table.frame.columns
        if str(c).lower() in {"taux_ftth", "part_ftth", "ftth"}
    })
    chk = Checker(frame, table.rows, table.file)
    dec = _decimal(table)
    chk.require_columns(["commune", "ftth_share"])
    if year is None:
        chk.require_columns(["year"], " (or the --year option)")
    chk.raise_if_any()
    codes = _commune_codes(chk)
    info = geography.commune_info(codes.unique())
    chk.flag(~codes.isin(info.index).to_numpy(), "commune", "an INSEE commune code")
    share = chk.number("ftth_share", required=True, lo=0, hi=100, decimal=dec)
    share = share.where(share <= 1, share / 100)
    rec = pd.DataFrame({"commune": codes, "ftth_share": share}, index=chk.frame.index)
    rec["year"] = chk.year("year", default=year) if chk.has("year") else year
    chk.unique(rec["commune"] + "/" + rec["year"].astype(str), "commune", "commune for this year")
    return _finish(chk, rec, BROADBAND_COLUMNS)


# -- SIRENE ---------------------------------------------------------------------------
def prepare_sirene(stock: RawTable, geo: RawTable | None, year: int) -> gpd.GeoDataFrame:
    """Firms from INSEE's SIRENE stock of establishments and its geolocation file.

    Keeps the active establishments (``etatAdministratifEtablissement == "A"``) of fewer
    than ``settings.sme_max_employees`` staff (``trancheEffectifsEtablissement`` up to
    band ``31``, 200–249; ``NN``, no employee, is kept). Their stage is ``local`` until a
    firms file says more. Establishments under partial diffusion
    (``statutDiffusionEtablissement`` ``P``, formerly ``N``) are kept for counts with
    ``diffusible = False``: their name and exact location are never shown nor exported.
    Location: ``x``/``y``/``epsg`` of the geolocation file (joined on ``siret``), else
    the town hall of ``codeCommuneEtablissement``. The stored headcount is the midpoint
    of the staff band (see :data:`SIRENE_TRANCHES`).
    """
    st = get_settings()
    chk = Checker(stock.frame, stock.rows, stock.file)
    need = ["siret", "codeCommuneEtablissement", "etatAdministratifEtablissement",
            "trancheEffectifsEtablissement", "activitePrincipaleEtablissement"]
    chk.require_columns(need, " (INSEE SIRENE stock of establishments, StockEtablissement)")
    chk.raise_if_any()
    f = chk.frame
    active = chk.raw("etatAdministratifEtablissement").str.upper().eq("A")
    tranche = chk.raw("trancheEffectifsEtablissement").str.upper().replace("", "NN")
    unknown = ~tranche.isin(SIRENE_TRANCHES)
    chk.flag(unknown.to_numpy(), "trancheEffectifsEtablissement",
             f"an INSEE staff band ({', '.join(SIRENE_TRANCHES)})")
    chk.raise_if_any()
    staff = tranche.map(lambda t: SIRENE_TRANCHES[t][2])
    low = tranche.map(lambda t: SIRENE_TRANCHES[t][0])
    keep = (active & (low < st.sme_max_employees)).to_numpy()
    sub = f.loc[keep]
    name = pd.Series("", index=sub.index, dtype=object)
    for col in ("enseigne1Etablissement", "denominationUsuelleEtablissement"):
        if col in sub.columns:
            v = sub[col].fillna("").astype(str).str.strip()
            name = name.where(name.ne(""), v)
    diff = (sub["statutDiffusionEtablissement"].fillna("O").astype(str).str.upper().eq("O")
            if "statutDiffusionEtablissement" in sub.columns
            else pd.Series(True, index=sub.index))
    naf_col = sub["activitePrincipaleEtablissement"]
    if "nomenclatureActivitePrincipaleEtablissement" in sub.columns:
        # only NAF rév. 2 codes are kept as such; older nomenclatures become blank
        naf_col = naf_col.where(
            sub["nomenclatureActivitePrincipaleEtablissement"].fillna("NAFRev2").eq("NAFRev2"), "")
    frame = pd.DataFrame({
        "siret": sub["siret"].astype(str).str.strip(),
        "name": name,
        "naf": naf_col.fillna(""),
        "employees": staff[keep].astype(str),
        "commune": sub["codeCommuneEtablissement"].fillna(""),
        "stage": "local",
        "diffusible": np.where(diff, "true", "false"),
        "source": f"SIRENE stock ({stock.file})",
        "created": sub.get("dateCreationEtablissement",
                           pd.Series("", index=sub.index)).fillna("").astype(str).str[:4],
    })
    if geo is not None:
        gchk = Checker(geo.frame, geo.rows, geo.file)
        gchk.require_columns(["siret", "x", "y"], " (INSEE geolocation file of SIRENE)")
        gchk.raise_if_any()
        g = geo.frame[["siret", "x", "y"] + (["epsg"] if "epsg" in geo.frame.columns else [])]
        g = g.assign(siret=g["siret"].astype(str).str.strip()).drop_duplicates("siret")
        frame = frame.merge(g, on="siret", how="left")
        if "epsg" not in frame.columns:
            frame["epsg"] = "2154"
        frame["epsg"] = frame["epsg"].fillna("")
        frame.loc[frame["x"].isna() | frame["y"].isna(), ["x", "y", "epsg"]] = ""
    rows = np.asarray(stock.rows)[keep]
    table = RawTable.from_frame(frame, rows=rows, file=stock.file,
                                decimal=getattr(geo, "decimal", ".") if geo else ".")
    # coordinates of the geolocation file may fall off the commune on the coast; the
    # commune code of SIRENE prevails (it is the administrative truth)
    return prepare_firms(table, year=year, source=f"SIRENE ({stock.file})")

