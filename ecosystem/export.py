"""Export registry layers to files that QGIS and a spreadsheet open as they are.

Formats:

``csv``
    French spreadsheet dialect by default: ``;`` separator, decimal comma, UTF-8 with
    a byte-order mark (Excel then shows accents right). ``dialect="intl"`` gives ``,``
    and decimal point.
``xlsx``
    One sheet; text cells are written as text (a name starting with ``=`` never
    becomes a formula).
``geojson``
    WGS84 (RFC 7946).
``gpkg``
    Lambert-93 (EPSG:2154), one layer named after the exported layer.
``json``
    (tables) A JSON array of records, UTF-8, missing values as ``null``; the
    geometry, if any, is left out.

Actors, firms and infrastructure carry their identifier, ``commune``, ``epci``
(SIREN of the EPCI), ``departement``, ``region``, ``lat`` and ``lon`` (WGS84).
Firms under partial diffusion (``diffusible`` false) are exported with a blank
name and at their commune's town hall, never at their own address.

In CSV, text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-`` or ``@`` and not a number) are prefixed with an apostrophe.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj

from . import geography
from .registry import Registry
from .schema import LAYERS
from .settings import LAMBERT93, WGS84

__all__ = ["export_layer", "layer_table", "write_table", "FORMATS", "mask_non_diffusible"]

FORMATS = ("csv", "geojson", "gpkg", "xlsx", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def mask_non_diffusible(firms: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Blank the name and move to the town hall every non-diffusible firm.

    Examples
    --------
    >>> import shapely
    >>> f = gpd.GeoDataFrame({"name": ["A", "B"], "diffusible": [True, False],
    ...     "commune": ["34172", "34172"], "placement": ["coordinates"] * 2},
    ...     geometry=[shapely.Point(770000, 6280000)] * 2, crs=2154)
    >>> mask_non_diffusible(f)["name"].tolist()
    ['A', '']
    """
    hidden = ~firms["diffusible"].astype(bool)
    if not hidden.any():
        return firms
    out = firms.copy()
    out.loc[hidden, "name"] = ""
    info = geography.commune_info(out.loc[hidden, "commune"].unique())
    sub = info.reindex(out.loc[hidden, "commune"])
    xs, ys = sub["townhall_x"].to_numpy(), sub["townhall_y"].to_numpy()
    geom = out.geometry.values.copy()
    geom[np.flatnonzero(hidden.to_numpy())] = gpd.points_from_xy(xs, ys)
    out = out.set_geometry(gpd.GeoSeries(geom, index=out.index, crs=out.crs))
    if "placement" in out.columns:
        out.loc[hidden, "placement"] = "commune"
    return out


def layer_table(registry: Registry, layer: str, year: int | None = None) -> pd.DataFrame:
    """The exported table of a layer: schema columns plus ``lat``/``lon`` for point layers."""
    frame = registry.read(layer, year=year)
    if layer == "firms":
        frame = mask_non_diffusible(frame)  # type: ignore[arg-type]
    if isinstance(frame, gpd.GeoDataFrame) and layer != "territories":
        tr = pyproj.Transformer.from_crs(LAMBERT93, WGS84, always_xy=True)
        lon, lat = tr.transform(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
        frame = frame.assign(lat=np.round(lat, 7), lon=np.round(lon, 7))
    return frame


def _defuse(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            s = out[c].astype(str)
            numeric = pd.to_numeric(s.str.replace(",", ".", regex=False), errors="coerce")
            risky = s.str.startswith(_FORMULA_START) & numeric.isna()
            if risky.any():  # numbers of an object column stay numbers (decimal comma)
                out[c] = out[c].astype(object).where(~risky, "'" + s)
    return out


def _write_xlsx(frame: pd.DataFrame, out: Path, sheet: str) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append(list(map(str, frame.columns)))
    for row in frame.itertuples(index=False, name=None):
        cells: list[openpyxl.cell.Cell | None] = []
        for v in row:
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                cells.append(None)
                continue
            if isinstance(v, (np.integer, np.floating, np.bool_)):
                v = v.item()
            cell = openpyxl.cell.WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # never a formula
            cells.append(cell)
        ws.append(cells)
    wb.save(out)


def round_km(table: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """Distances in km (columns ending in ``_km``) rounded to 10 m, as the commands
    write them.

    Examples
    --------
    >>> round_km(pd.DataFrame({"nearest_km": [1.23456], "n": [1.23456]})).iloc[0].tolist()
    [1.23, 1.23456]
    """
    km = [c for c in table.columns if str(c).endswith("_km")]
    return table.assign(**{c: table[c].astype(float).round(decimals) for c in km})


def _comma_decimals(table: pd.DataFrame) -> pd.DataFrame:
    """Floats inside object columns (a column of a published table holding ``s``) with
    a decimal comma, as ``to_csv(decimal=",")`` writes float columns.

    Examples
    --------
    >>> _comma_decimals(pd.DataFrame({"x": [1.5, "s", 2]}))["x"].tolist()
    ['1,5', 's', 2]
    """
    out = table
    for col in table.columns:
        if table[col].dtype != object:
            continue
        values = table[col]
        floats = values.map(lambda v: isinstance(v, float | np.floating) and not pd.isna(v))
        if floats.any():
            if out is table:
                out = table.copy()
            out[col] = values.where(~floats, values[floats].map(
                lambda v: repr(float(v)).replace(".", ",")))
    return out


def write_table(frame: pd.DataFrame, out: str | os.PathLike[str], fmt: str | None = None,
                layer: str = "data", dialect: str = "fr") -> Path:
    """Write a table (any frame, with or without geometry) atomically.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
    out : path
    fmt : {"csv", "xlsx", "geojson", "gpkg", "json"}, optional
        Taken from the file extension when omitted.
    layer : str
        Layer or sheet name.
    dialect : {"fr", "intl"}
        CSV dialect (see module docstring).
    """
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        if fmt == "json":
            table = pd.DataFrame(frame.drop(columns=[frame.geometry.name])
                                 if isinstance(frame, gpd.GeoDataFrame) else frame)
            tmp.write_text(table.to_json(orient="records", force_ascii=False, indent=1),
                           encoding="utf-8")
        elif fmt in ("csv", "xlsx"):
            table = pd.DataFrame(frame.drop(columns=[frame.geometry.name])
                                 if isinstance(frame, gpd.GeoDataFrame) else frame)
            if fmt == "csv":
                table = _defuse(table)
                if dialect == "fr":
                    table = _comma_decimals(table)
                    table.to_csv(tmp, sep=";", decimal=",", index=False, encoding="utf-8-sig")
                else:
                    table.to_csv(tmp, sep=",", index=False, encoding="utf-8")
            else:
                _write_xlsx(table, tmp, layer)
        else:
            geo = frame if isinstance(frame, gpd.GeoDataFrame) else None
            driver = "GeoJSON" if fmt == "geojson" else "GPKG"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if geo is None:
                    pyogrio.write_dataframe(pd.DataFrame(frame), tmp, layer=layer, driver=driver)
                else:
                    geo = geo.to_crs(WGS84 if fmt == "geojson" else LAMBERT93)
                    pyogrio.write_dataframe(geo, tmp, layer=layer, driver=driver)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def export_layer(registry: Registry, layer: str, fmt: str, out: str | os.PathLike[str],
                 year: int | None = None, dialect: str = "fr") -> Path:
    """Export one layer of the registry (records active in ``year`` when given)."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {list(LAYERS)}")
    frame = layer_table(registry, layer, year=year)
    return write_table(frame, out, fmt=fmt, layer=layer, dialect=dialect)
