"""Unserved firms: active firms with no front-line actor within *d*, ranked by export
potential, with the nearest relay to send them to.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from .activity import is_exporting
from .inputs import (
    FIRM_KEY_COLUMNS,
    LOCATION_COLUMNS,
    actors_of_year,
    check_categories,
    firm_key_frame,
    firms_of_year,
    missing_category_error,
    point_xy,
    positive_setting,
    public_names,
)
from .nearest import nearest_in
from .potential import potential_score
from .settings import (
    get_settings,
)

__all__ = [
    "UNSERVED_COLUMNS",
    "front_actors",
    "unserved_firms",
]

# ---------------------------------------------------------------------------
# unserved firms
# ---------------------------------------------------------------------------

UNSERVED_COLUMNS = (
    "rank", *FIRM_KEY_COLUMNS, "name", *LOCATION_COLUMNS, "naf", "employees", "stage", "exporting",
    "nearest_actor_id", "nearest_actor_name", "nearest_category", "nearest_km",
    "potential", "reasons",
)


def front_actors(
    actors: gpd.GeoDataFrame, year: int, categories: Sequence[str]
) -> gpd.GeoDataFrame:
    live = actors_of_year(actors, year)
    live = live[live["category"].isin(categories)].reset_index(drop=True)
    present = set(live["category"])
    for c in categories:
        if c not in present:
            raise missing_category_error(c, year)
    return live


def unserved_firms(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    distance_km: float | None = None,
    detour_factor: float | None = None,
    exporting_only: bool = False,
) -> pd.DataFrame:
    """Active firms with no active actor of ``categories`` within *d*, by export potential.

    A firm is unserved when its nearest actor among ``categories`` (front line by
    default) lies strictly beyond *d* (a firm exactly at *d* is served).

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points).
    year : int
        Observation year of the firms; activity year of the actors.
    categories : sequence of str, optional
        Default ``settings.unserved_categories`` (front line).
    distance_km : float, optional
        *d*, default ``settings.unserved_distance_km`` (30 km).
    detour_factor : float, optional
        Default ``settings.detour_factor``.
    exporting_only : bool
        Keep only exporting firms (stage indirect export or beyond).

    Returns
    -------
    DataFrame
        One row per unserved firm, sorted by ``potential`` (descending) then
        ``firm_id``: ``rank`` (1..n), ``firm_id``, ``siret``, ``siren``, ``name``
        (blank when not diffusible), ``commune``, ``epci``, ``departement``,
        ``region``, ``naf``, ``employees``, ``stage``, ``exporting`` (bool),
        ``nearest_actor_id``, ``nearest_actor_name``, ``nearest_category``,
        ``nearest_km`` (nearest actor among ``categories``), ``potential`` (0-100,
        :func:`potential_score`) and ``reasons`` (French).

    Raises
    ------
    EmptyDataError
        One of ``categories`` has no active actor in ``year``.
    """
    d = positive_setting(distance_km, "unserved_distance_km")
    detour = positive_setting(detour_factor, "detour_factor")
    cats = check_categories(
        get_settings().unserved_categories if categories is None else categories
    )
    front = front_actors(actors, year, cats)
    live, fxy = firms_of_year(firms, year)
    idx, km = nearest_in(fxy, front, point_xy(front, "actors", "id"), detour)
    keep = km > d
    if exporting_only and len(live):
        keep &= is_exporting(live).to_numpy(dtype=bool)
    sel = live.loc[keep].reset_index(drop=True)
    out = firm_key_frame(sel, extra=("naf", "employees", "stage"))
    out.insert(3, "name", pd.Series(public_names(sel), dtype="str"))
    out["exporting"] = is_exporting(sel).to_numpy(dtype=bool) if len(sel) else np.zeros(0, bool)
    near = front.iloc[idx[keep]] if len(sel) else front.iloc[[]]
    out["nearest_actor_id"] = pd.array(near["id"].to_numpy(dtype=object), dtype="str")
    names = near["name"].to_numpy(dtype=object) if "name" in near else np.full(len(near), "")
    out["nearest_actor_name"] = pd.array(names, dtype="str")
    out["nearest_category"] = pd.array(near["category"].to_numpy(dtype=object), dtype="str")
    out["nearest_km"] = km[keep]
    score = potential_score(sel, history=firms, year=year)
    out["potential"] = score["potential"].to_numpy(dtype=float)
    out["reasons"] = pd.array(score["reasons"].to_numpy(dtype=object), dtype="str")
    out = out.sort_values(["potential", "firm_id"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    return out.reset_index(drop=True)[list(UNSERVED_COLUMNS)]


