"""Catchment of every front-line actor (the firms for which it is the nearest of its
category) and its load against its capacity.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from .activity import is_exporting
from .inputs import LOCATION_COLUMNS, check_categories, firms_of_year, positive_setting
from .nearest import nearest_by_group
from .settings import (
    LAMBERT93,
    get_settings,
)
from .unserved import front_actors

__all__ = [
    "catchments",
]

# ---------------------------------------------------------------------------
# catchments
# ---------------------------------------------------------------------------


def catchments(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    distance_km: float | None = None,
    detour_factor: float | None = None,
) -> gpd.GeoDataFrame:
    """Catchment of every active actor: the active firms for which it is the nearest of
    its category, and its load against its capacity.

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points).
    year : int
        Observation year of the firms; activity year of the actors.
    categories : sequence of str, optional
        Default ``settings.unserved_categories`` (front line).
    distance_km, detour_factor : float, optional
        *d* (for ``n_firms_within_d``) and the detour factor; defaults from settings.

    Returns
    -------
    GeoDataFrame
        One row per active actor of ``categories`` (sorted by category, then id), with
        the actor's point (EPSG:2154): ``actor_id``, ``name``, ``category``,
        ``commune``, ``epci``, ``departement``, ``region``; ``n_firms`` (catchment
        size), ``n_exporters`` (exporting firms of the catchment), ``n_firms_within_d``
        (catchment firms at ``<= d``), ``mean_km`` and ``max_km`` (distance of its
        catchment's firms; NaN when empty), ``capacity`` (SMEs a year; the actor's own
        or ``settings.default_actor_capacity`` when missing), ``capacity_imputed``
        (bool), ``load_firms = n_firms / capacity`` and ``load_exporters =
        n_exporters / capacity`` (above 1: more firms than the actor accompanies in a
        year).

        ``attrs["missing_categories"]`` lists the categories without an active actor
        (left out, as in every measure: :mod:`ecosystem.unserved`).
    """
    s = get_settings()
    d = positive_setting(distance_km, "unserved_distance_km")
    detour = positive_setting(detour_factor, "detour_factor")
    cats = check_categories(s.unserved_categories if categories is None else categories)
    front, missing = front_actors(actors, year, cats)
    live, fxy = firms_of_year(firms, year)
    exporting = is_exporting(live).to_numpy(dtype=bool) if len(live) else np.zeros(0, bool)
    m = len(front)
    n_firms = np.zeros(m, dtype=np.int64)
    n_exp = np.zeros(m, dtype=np.int64)
    n_within = np.zeros(m, dtype=np.int64)
    sum_km = np.zeros(m)
    max_km = np.full(m, np.nan)
    groups = front.groupby("category", sort=False).indices
    nearest = nearest_by_group(fxy, {c: front.iloc[r] for c, r in groups.items()}, detour)
    for c, rows in groups.items():
        idx, km = nearest[c]
        reached = idx >= 0  # -1: no actor of the category in the firm's distance zone
        idx, km = idx[reached], km[reached]
        if not len(idx):
            continue
        pos = rows[idx]
        n_firms += np.bincount(pos, minlength=m)
        n_exp += np.bincount(pos, weights=exporting[reached], minlength=m).astype(np.int64)
        n_within += np.bincount(pos, weights=km <= d, minlength=m).astype(np.int64)
        sum_km += np.bincount(pos, weights=km, minlength=m)
        mx = np.full(m, -np.inf)
        np.maximum.at(mx, pos, km)
        max_km = np.where(np.isfinite(mx), mx, max_km)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_km = np.where(n_firms > 0, sum_km / np.maximum(n_firms, 1), np.nan)
    if "capacity" in front:
        cap = pd.to_numeric(front["capacity"], errors="coerce").astype(float).to_numpy()
    else:
        cap = np.full(m, np.nan)
    imputed = np.isnan(cap)
    cap = np.where(imputed, s.default_actor_capacity, cap)

    def ratio(num: np.ndarray) -> np.ndarray:
        out = np.full(m, np.nan)
        np.divide(num, cap, out=out, where=cap > 0)
        return np.where((cap <= 0) & (num > 0), np.inf, np.where(cap <= 0, np.nan, out))

    table = pd.DataFrame({
        "actor_id": front["id"].astype("str").to_numpy(),
        "name": front["name"].astype("str").to_numpy() if "name" in front else "",
        "category": front["category"].astype("str").to_numpy(),
    })
    for c in LOCATION_COLUMNS:
        table[c] = front[c].astype("str").to_numpy() if c in front else pd.NA
    table["n_firms"] = n_firms
    table["n_exporters"] = n_exp
    table["n_firms_within_d"] = n_within
    table["mean_km"] = mean_km
    table["max_km"] = max_km
    table["capacity"] = cap
    table["capacity_imputed"] = imputed
    table["load_firms"] = ratio(n_firms.astype(float))
    table["load_exporters"] = ratio(n_exp.astype(float))
    gdf = gpd.GeoDataFrame(table, geometry=front.geometry.to_numpy(), crs=LAMBERT93)
    gdf = gdf.sort_values(["category", "actor_id"], kind="stable")
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["missing_categories"] = missing
    return gdf


