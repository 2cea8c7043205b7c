"""Capacity-aware accessibility of support: 2SFCA and E2SFCA per firm and per territory.

Two-step floating catchment area (Luo & Wang 2003), with firms as the demand and
support actors as the supply:

1. for every actor *j*, the supply-to-demand ratio of its catchment
   ``R_j = S_j / sum_{i : c_ij <= d} w(c_ij) * D_i``;
2. for every firm *i*, ``A_i = sum_{j : c_ij <= d} w(c_ij) * R_j``.

``c_ij`` is the straight-line distance in km times the detour factor (Lambert-93 in
metropolitan France, the département's own projected CRS overseas: :mod:`ecosystem.projection`),
*d* is ``settings.unserved_distance_km``; ``w = 1`` for the 2SFCA and the step
weights ``settings.e2sfca_bands_km`` for the enhanced 2SFCA (Luo & Qi 2009). A firm
with no actor within *d* gets 0. The computation is the one of PySAL ``access``
(``Access.two_stage_fca`` and ``Access.enhanced_two_stage_fca``) on the same cost
table, done with a KD-tree (``cKDTree.sparse_distance_matrix``) and one sparse
matrix in place of data-frame joins. One difference: an actor whose catchment has a
total weighted demand of 0 (possible only when a band weight is 0 within *d*) gets
``R_j = 0`` here, where ``access`` would give NaN to its firms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from .aggregate import territory_means
from .inputs import (
    as_lambert93,
    check_categories,
    firm_key_frame,
    firms_of_year,
    point_xy,
    positive_setting,
)
from .settings import get_settings
from .unserved import front_actors

__all__ = [
    "ACCESS_COLUMNS",
    "step_weights",
    "cost_table",
    "floating_catchment",
    "firm_accessibility",
    "accessibility_by_territory",
]

#: Measure columns of :func:`firm_accessibility`.
ACCESS_COLUMNS: tuple[str, ...] = ("access_2sfca", "access_e2sfca")


def step_weights(
    cost_km: np.ndarray | Sequence[float],
    bands: Sequence[tuple[float, float]] | None = None,
) -> np.ndarray:
    """Distance-decay weight of each cost: the weight of the first band with
    ``cost <= upper bound``, 0 beyond the last band (as ``access.weights.step_fn``).

    Parameters
    ----------
    cost_km : array of float
    bands : sequence of (upper bound in km, weight), optional
        Default ``settings.e2sfca_bands_km`` ((10, 1), (20, 0.68), (30, 0.22)).

    Examples
    --------
    >>> step_weights([0, 10, 10.5, 20, 29.9, 30, 31]).tolist()
    [1.0, 1.0, 0.68, 0.68, 0.22, 0.22, 0.0]
    """
    if bands is None:
        bands = get_settings().e2sfca_bands_km
    bounds = np.array([b for b, _ in bands], dtype=float)
    values = np.append(np.array([w for _, w in bands], dtype=float), 0.0)
    return values[np.searchsorted(bounds, np.asarray(cost_km, dtype=float), side="left")]


def _pairs(
    fxy: np.ndarray, axy: np.ndarray, max_km: float, detour: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(firm position, actor position, cost in km) of every pair with cost <= max_km."""
    if len(fxy) == 0 or len(axy) == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0)
    radius_m = max_km * 1000.0 / detour
    # unbalanced, non-compact trees: quicker to build, as quick to search here
    firm_tree = cKDTree(fxy, balanced_tree=False, compact_nodes=False)
    actor_tree = cKDTree(axy)
    # a hair wider than d, then the exact test on the reported cost (d itself is "within")
    found = actor_tree.sparse_distance_matrix(
        firm_tree, radius_m * (1 + 1e-9) + 1e-6, output_type="ndarray"
    )
    cost = found["v"] / 1000.0 * detour
    keep = cost <= max_km
    return found["j"][keep].astype(np.intp), found["i"][keep].astype(np.intp), cost[keep]


def cost_table(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    *,
    max_km: float | None = None,
    detour_factor: float | None = None,
) -> pd.DataFrame:
    """Firm-to-actor distances up to ``max_km`` (no activity filter: pass the rows to use).

    Returns
    -------
    DataFrame
        ``origin`` (``firm_id``), ``dest`` (actor ``id``), ``cost_km`` (straight line
        in distance coordinates, :func:`ecosystem.inputs.point_xy`, times the detour
        factor; never between two zones), for every pair with
        ``cost_km <= max_km`` (default ``settings.unserved_distance_km``); sorted by
        origin position then dest position. This is the cost table PySAL ``access``
        takes (``cost_origin="origin"``, ``cost_dest="dest"``, ``cost_name="cost_km"``).
    """
    d = positive_setting(max_km, "unserved_distance_km")
    detour = positive_setting(detour_factor, "detour_factor")
    firms = as_lambert93(firms, "firms")
    actors = as_lambert93(actors, "actors")
    i, j, cost = _pairs(
        point_xy(firms, "firms", "firm_id"), point_xy(actors, "actors", "id"), d, detour
    )
    order = np.lexsort((j, i))
    return pd.DataFrame({
        "origin": firms["firm_id"].astype("str").to_numpy()[i[order]],
        "dest": actors["id"].astype("str").to_numpy()[j[order]],
        "cost_km": cost[order],
    })


def _fca(
    i: np.ndarray,
    j: np.ndarray,
    weight: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
) -> np.ndarray:
    """Both steps of the floating catchment on pair arrays (already within d)."""
    n, m = len(demand), len(supply)
    w = sparse.csr_array((weight, (i, j)), shape=(n, m))
    total_demand = w.T @ demand  # step 1: weighted demand in each actor's catchment
    ratio = np.zeros(m)
    np.divide(supply, total_demand, out=ratio, where=total_demand > 0)
    return w @ ratio  # step 2: weighted sum of the ratios reachable from each firm


def floating_catchment(
    cost: pd.DataFrame,
    demand: pd.Series,
    supply: pd.Series,
    max_km: float | None = None,
    bands: Sequence[tuple[float, float]] | None = None,
    *,
    origin: str = "origin",
    dest: str = "dest",
    cost_name: str = "cost_km",
) -> pd.Series:
    """2SFCA (``bands=None``) or E2SFCA (step ``bands``) from a cost table.

    Parameters
    ----------
    cost : DataFrame
        Pairs (``origin`` firm id, ``dest`` actor id, ``cost_name`` in km); pairs
        beyond ``max_km`` and unknown ids are ignored.
    demand : Series
        Demand of each firm, indexed by firm id.
    supply : Series
        Supply (capacity) of each actor, indexed by actor id.
    max_km : float, optional
        *d*, default ``settings.unserved_distance_km``.
    bands : sequence of (upper bound km, weight), optional
        Step weights (:func:`step_weights`); plain 2SFCA when None.

    Returns
    -------
    Series
        Access of each firm, indexed like ``demand`` (0 with no actor within *d*).

    Examples
    --------
    Two firms of demand 1 share actor ``a`` (capacity 10); firm ``y`` also reaches
    actor ``b`` (capacity 4), that only it uses: ``R_a = 10 / 2``, ``R_b = 4 / 1``.

    >>> cost = pd.DataFrame({"origin": ["x", "y", "y"], "dest": ["a", "a", "b"],
    ...                      "cost_km": [5.0, 12.0, 25.0]})
    >>> demand = pd.Series(1.0, index=["x", "y", "z"])
    >>> supply = pd.Series([10.0, 4.0], index=["a", "b"])
    >>> floating_catchment(cost, demand, supply, 30).tolist()
    [5.0, 9.0, 0.0]
    >>> floating_catchment(cost, demand, supply, 30, [(10, 1), (20, 0.68), (30, 0.22)]).round(6).tolist()
    [5.952381, 8.047619, 0.0]
    """  # noqa: E501
    d = positive_setting(max_km, "unserved_distance_km")
    demand_index = pd.Index(demand.index)
    supply_index = pd.Index(supply.index)
    i = demand_index.get_indexer(cost[origin])
    j = supply_index.get_indexer(cost[dest])
    c = pd.to_numeric(cost[cost_name]).to_numpy(dtype=float)
    keep = (i >= 0) & (j >= 0) & (c <= d)
    i, j, c = i[keep], j[keep], c[keep]
    weight = np.ones(len(c)) if bands is None else step_weights(c, bands)
    values = _fca(
        i, j, weight,
        pd.to_numeric(demand).to_numpy(dtype=float),
        pd.to_numeric(supply).to_numpy(dtype=float),
    )
    return pd.Series(values, index=demand.index, name="access")


def firm_accessibility(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    demand: Literal["firms", "employees"] = "firms",
    distance_km: float | None = None,
    detour_factor: float | None = None,
    bands: Sequence[tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """2SFCA and E2SFCA accessibility of support for every active firm.

    Suppliers are the actors of ``categories`` (front line by default) active in
    ``year``, with supply = ``capacity`` (SMEs accompanied a year), or
    ``settings.default_actor_capacity`` when missing. Demand is 1 per active firm,
    or its headcount with ``demand="employees"`` (a missing or zero headcount counts
    as 1: the firm still asks for support).

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points; projected to EPSG:2154 when in another CRS).
    year : int
        Observation year of the firms; activity year of the actors.
    categories : sequence of str, optional
        Default ``settings.unserved_categories`` (front line).
    demand : {"firms", "employees"}
    distance_km : float, optional
        Catchment size *d*, default ``settings.unserved_distance_km``.
    detour_factor : float, optional
        Default ``settings.detour_factor``.
    bands : sequence of (upper bound km, weight), optional
        E2SFCA steps, default ``settings.e2sfca_bands_km``.

    Returns
    -------
    DataFrame
        One row per active firm: ``firm_id``, ``siret``, ``siren``, ``commune``,
        ``epci``, ``departement``, ``region``, ``demand`` (float),
        ``n_actors_within_d`` (int), ``access_2sfca`` and ``access_e2sfca`` (float:
        actor capacity available per unit of demand, e.g. accompaniments a year per
        firm; 0 with no actor within *d*).

        ``attrs["missing_categories"]`` lists the categories without an active actor
        (left out, as in every measure: :mod:`ecosystem.unserved`).
    """
    s = get_settings()
    d = positive_setting(distance_km, "unserved_distance_km")
    detour = positive_setting(detour_factor, "detour_factor")
    if demand not in ("firms", "employees"):
        raise ValueError(f"demand must be 'firms' or 'employees'; got {demand!r}")
    cats = check_categories(s.unserved_categories if categories is None else categories)
    front, missing = front_actors(actors, year, cats)
    live, fxy = firms_of_year(firms, year)
    axy = point_xy(front, "actors", "id")
    if "capacity" in front:
        supply = pd.to_numeric(front["capacity"], errors="coerce").astype(float).to_numpy()
    else:
        supply = np.full(len(front), np.nan)
    supply = np.where(np.isnan(supply), s.default_actor_capacity, supply)
    if demand == "employees" and "employees" in live:
        heads = pd.to_numeric(live["employees"], errors="coerce").astype(float).to_numpy()
        dem = np.where(np.isnan(heads) | (heads < 1), 1.0, heads)
    else:
        dem = np.ones(len(live))
    i, j, cost = _pairs(fxy, axy, d, detour)
    out = firm_key_frame(live)
    out["demand"] = dem
    out["n_actors_within_d"] = np.bincount(i, minlength=len(live)).astype(np.int64)
    out["access_2sfca"] = _fca(i, j, np.ones(len(cost)), dem, supply)
    out["access_e2sfca"] = _fca(i, j, step_weights(cost, bands), dem, supply)
    out.attrs["missing_categories"] = missing
    return out


def accessibility_by_territory(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """Mean 2SFCA and E2SFCA of a territory's active firms (each firm counts once).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`firm_accessibility`.
    level : {"commune", "epci", "departement", "region"}

    Returns
    -------
    DataFrame
        ``level``, ``code``, ``n_firms``, ``access_2sfca``, ``access_e2sfca``
        (means), sorted by code.
    """
    return territory_means(table, level, list(ACCESS_COLUMNS))
