"""The layers a measure receives, checked: CRS, point locations, the year's active firms and
actors, firm identification columns and public names.

Every measure of the core (nearest actors, unserved firms, catchments, accessibility,
infrastructure access, planning) takes the registry's GeoDataFrames and goes through these
functions, so that a layer without a CRS, a record without a point or an unknown actor
category gives the same clear error everywhere, and every distance is measured in the same
coordinates (:func:`point_xy`: Lambert-93 in metropolitan France, each overseas
département's own projected CRS there; :mod:`ecosystem.projection`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .activity import active_actors, active_firms
from .projection import distance_xy
from .registry import Registry
from .schema import TERRITORY_LEVELS
from .settings import (
    CATEGORIES,
    LAMBERT93,
    get_settings,
)

__all__ = [
    "FIRM_KEY_COLUMNS",
    "LOCATION_COLUMNS",
    "as_lambert93",
    "require_columns",
    "point_xy",
    "positive_setting",
    "check_categories",
    "firms_of_year",
    "actors_of_year",
    "missing_column",
    "firm_key_frame",
    "public_names",
    "layer_xy",
    "as_registry",
]

#: Firm identification columns copied to every firm-level output.
FIRM_KEY_COLUMNS: tuple[str, ...] = ("firm_id", "siret", "siren")

#: Territory columns of a located record, finest first.
LOCATION_COLUMNS: tuple[str, ...] = tuple(TERRITORY_LEVELS)  # commune, epci, departement, region


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def as_lambert93(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Check a GeoDataFrame's CRS and project it to EPSG:2154 when needed."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(
            f"{what} must be a GeoDataFrame with point geometries in {LAMBERT93}; "
            f"got {type(gdf).__name__}"
        )
    if gdf.crs is None:
        if len(gdf) == 0:
            return gdf
        raise ValueError(
            f"{what} has no CRS: distances need projected coordinates. Set the CRS the "
            f"coordinates are in, e.g. {what}.set_crs('{LAMBERT93}') for Lambert-93 or "
            f".set_crs('EPSG:4326') for longitude/latitude."
        )
    if not gdf.crs.equals(LAMBERT93):
        return gdf.to_crs(LAMBERT93)
    return gdf


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks the column(s) {missing}; expected {list(columns)}")


def point_xy(gdf: gpd.GeoDataFrame, what: str, key: str) -> np.ndarray:
    """Distance coordinates (n, 2) in metres of a layer of non-empty points in EPSG:2154.

    The coordinates every distance of the product is measured in
    (:func:`ecosystem.projection.distance_xy`): Lambert-93 in metropolitan France, the
    département's own projected CRS overseas (zones 10^8 m apart). Not for output: a
    table or a map shows the layer's own Lambert-93 geometry.
    """
    if len(gdf) == 0:
        return np.empty((0, 2))
    geoms = gdf.geometry.to_numpy()
    bad = (shapely.get_type_id(geoms) != 0) | shapely.is_empty(geoms)
    if bad.any():
        ids = gdf[key].astype(str).to_numpy()[bad][:5].tolist() if key in gdf else []
        raise ValueError(
            f"{what}: {int(bad.sum())} row(s) without a point location (first ids: {ids}); "
            "every record needs a point geometry"
        )
    return distance_xy(shapely.get_coordinates(geoms)[:, :2].astype(float, copy=False))


def positive_setting(value: float | None, name: str) -> float:
    if value is None:
        return float(getattr(get_settings(), name))
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}")
    return float(value)


def check_categories(categories: Iterable[str]) -> list[str]:
    cats = list(dict.fromkeys(categories))
    unknown = [c for c in cats if c not in CATEGORIES]
    if unknown:
        raise ValueError(
            f"unknown actor categories {unknown}; expected codes among {list(CATEGORIES)}"
        )
    if not cats:
        raise ValueError("no actor category given")
    return cats


def firms_of_year(firms: gpd.GeoDataFrame, year: int) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Active firms of ``year`` (projected, index reset) and their coordinates."""
    if not isinstance(firms, gpd.GeoDataFrame):
        raise TypeError(f"firms must be a GeoDataFrame; got {type(firms).__name__}")
    require_columns(firms, ("firm_id", "year"), "firms")
    firms = as_lambert93(firms, "firms")
    this_year = pd.to_numeric(firms["year"]) == year
    live = firms if this_year.all() else active_firms(firms, year)
    if not isinstance(live.index, pd.RangeIndex) or live.index.start != 0:
        live = live.reset_index(drop=True)
    return live, point_xy(live, "firms", "firm_id")


def actors_of_year(actors: gpd.GeoDataFrame, year: int) -> gpd.GeoDataFrame:
    """Active actors of ``year``, projected, with ``id`` as str, sorted by id."""
    if not isinstance(actors, gpd.GeoDataFrame):
        raise TypeError(f"actors must be a GeoDataFrame; got {type(actors).__name__}")
    require_columns(actors, ("id", "category", "since", "until"), "actors")
    actors = as_lambert93(actors, "actors")
    live = active_actors(actors, year)
    live = live.assign(id=live["id"].astype(str)).sort_values("id", kind="stable")
    return live.reset_index(drop=True)


def missing_column(n: int, dtype: str = "str") -> pd.Series:
    """A column of ``n`` missing values."""
    return pd.Series(pd.NA, index=pd.RangeIndex(n), dtype=dtype)


def firm_key_frame(live: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Identification and location columns of the active firms (missing ones as NA)."""
    cols: dict[str, Any] = {}
    n = len(live)
    for c in (*FIRM_KEY_COLUMNS, *extra, *LOCATION_COLUMNS):
        if c in live.columns:
            cols[c] = live[c].reset_index(drop=True)
        else:
            cols[c] = missing_column(n, "Int64" if c == "employees" else "str")
    for c in (*FIRM_KEY_COLUMNS, *LOCATION_COLUMNS):
        cols[c] = cols[c].astype("str")
    return pd.DataFrame(cols, copy=False)


def public_names(live: pd.DataFrame) -> np.ndarray:
    """Firm names, blank ("") unless ``diffusible`` is True."""
    if "name" not in live.columns:
        return np.full(len(live), "", dtype=object)
    names = live["name"].astype("str").fillna("").to_numpy(dtype=object)
    if "diffusible" in live.columns:
        ok = live["diffusible"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        ok = np.zeros(len(live), dtype=bool)
    return np.where(ok, names, "")




def layer_xy(gdf: gpd.GeoDataFrame, what: str = "layer", key: str = "id") -> np.ndarray:
    """Distance coordinates (n, 2) in metres of a layer of points in any CRS.

    :func:`as_lambert93` then :func:`point_xy` (Lambert-93 in metropolitan France, the
    local projected CRS overseas): a layer without a CRS or a record without a point is
    refused with a message naming ``what``.
    """
    return point_xy(as_lambert93(gdf, what), what, key)


def as_registry(registry: Registry | str | os.PathLike[str]) -> Registry:
    """``registry`` itself, or the :class:`~ecosystem.registry.Registry` of a file path."""
    return registry if isinstance(registry, Registry) else Registry(registry)
