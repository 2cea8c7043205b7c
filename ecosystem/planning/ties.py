"""New actor–actor ties to create, chosen greedily by the gain each brings (fewer
components, higher global efficiency, more firms within two steps of the front line).
"""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..inputs import as_registry, layer_xy
from ..network import (
    NetworkData,
    efficiency_from_distances,
    shortest_path_lengths,
    to_igraph,
)
from ..registry import Registry
from ..settings import get_settings
from .reach import firm_reach

__all__ = [
    "TIE_COLUMNS",
    "tie_recommendations",
    "recommend_ties",
    "territory_ties",
]

# ---------------------------------------------------------------------------
# ties to create
# ---------------------------------------------------------------------------

#: Columns of :func:`tie_recommendations`.
TIE_COLUMNS: tuple[str, ...] = (
    "source", "target", "gain_components", "gain_efficiency", "gain_efficiency_pct",
    "gain_firms_reached", "score", "rank", "source_name", "source_category",
    "source_departement", "target_name", "target_category", "target_departement",
    "distance_km", "components_after", "efficiency_after", "firms_reached_after",
    "firms_reached_share_after",
)


def _efficiency_gain_sum(dist: np.ndarray, u: int, v: int) -> float:
    """Sum over ordered pairs of ``1/d' - 1/d`` when the edge ``u–v`` is added.

    A pair (s, t) gets shorter only through the new edge: d' = d(s,u) + 1 + d(v,t) with
    d(s,u) + 1 < d(s,v) and d(v,t) + 1 < d(u,t) (or the mirror); so only the block
    S x T of those nodes is examined, counted twice (both orders).
    """
    du, dv = dist[u], dist[v]
    s_set = np.flatnonzero(du + 1 < dv)
    t_set = np.flatnonzero(dv + 1 < du)
    if not len(s_set) or not len(t_set):
        return 0.0
    old = dist[np.ix_(s_set, t_set)]
    new = np.minimum(old, du[s_set][:, None] + 1 + dv[t_set][None, :])
    with np.errstate(divide="ignore"):
        old_inv = np.where(np.isfinite(old), 1.0 / old, 0.0)
    return float(2.0 * (1.0 / new - old_inv).sum())


def tie_recommendations(
    data: NetworkData, top: int, *, max_distance_km: float | None = None,
    distance_km: float | None = None,
) -> pd.DataFrame:
    """The ``top`` new actor–actor ties that improve the network most, chosen greedily.

    Candidates are the pairs of active actors not yet tied whose distance (straight line
    times the detour factor) is at most ``max_distance_km`` (default
    ``settings.tie_max_distance_km``). At each step every remaining candidate is evaluated
    on the current graph (with the ties already chosen):

    - ``gain_components``: components removed (1 when the two actors are in different
      components, else 0);
    - ``gain_efficiency``: increase of the global efficiency of the actor graph, and
      ``gain_efficiency_pct`` the same relative to the efficiency before the tie (%);
    - ``gain_firms_reached``: active firms that reach a front-line actor in two steps
      through the tie and reached none before (:class:`FirmReach`, with *d* =
      ``distance_km``, default ``settings.unserved_distance_km``).

    ``score = w_c * gain_components + w_e * gain_efficiency_pct + w_f * 100 *
    gain_firms_reached / n_firms`` (weights ``settings.tie_weight_*``); the candidate with
    the highest score is added (ties: smallest ``source``, then ``target``) and the graph
    recomputed before the next step.

    Returns
    -------
    DataFrame
        One row per chosen tie, in the order chosen, columns :data:`TIE_COLUMNS`
        (``source`` is the smaller id of the pair; ``*_after`` columns give the state
        after the tie and the ones before it). Fewer rows than ``top`` when candidates run
        out. ``attrs["before"]`` holds the state before any tie (``components``,
        ``efficiency``, ``firms_reached``, ``n_firms``).
    """
    s = get_settings()
    if top < 0:
        raise ValueError(f"top must be >= 0; got {top}")
    max_km = s.tie_max_distance_km if max_distance_km is None else float(max_distance_km)
    graph = data.graph()
    g, nodes = to_igraph(graph)
    ids = [str(v) for v in nodes]
    n = len(ids)
    live = data.live_actors().drop_duplicates("id").set_index("id").reindex(ids)
    adjacency = [set(a) for a in g.get_adjlist()]
    reach = firm_reach(data, ids, adjacency, distance_km)
    dist = shortest_path_lengths(g)
    comp = np.asarray(g.connected_components().membership, dtype=np.int64) if n else \
        np.zeros(0, dtype=np.int64)
    n_comp = int(len(set(comp.tolist())))
    eff = efficiency_from_distances(dist)
    reached = int(reach.reached().sum())
    before = {"components": n_comp, "efficiency": eff, "firms_reached": reached,
              "n_firms": reach.n_firms}
    if n >= 2:
        axy = layer_xy(gpd.GeoDataFrame(live.reset_index(), geometry="geometry",
                                   crs=data.actors.crs))
        pairs = cKDTree(axy).query_pairs(r=max_km / s.detour_factor * 1000.0, output_type="ndarray")
        pairs = np.sort(pairs, axis=1) if len(pairs) else np.zeros((0, 2), dtype=np.int64)
        km = np.hypot(*(axy[pairs[:, 0]] - axy[pairs[:, 1]]).T) / 1000.0 * s.detour_factor
        pairs = pairs[km <= max_km]
        tied = np.array([b in adjacency[a] for a, b in pairs], dtype=bool) if len(pairs) \
            else np.zeros(0, dtype=bool)
        pairs = pairs[~tied]
    else:
        axy = np.zeros((n, 2))
        pairs = np.zeros((0, 2), dtype=np.int64)
    # orient each pair so that source < target as strings
    id_arr = np.asarray(ids, dtype=object)
    if len(pairs):
        swap = id_arr[pairs[:, 0]] > id_arr[pairs[:, 1]]
        pairs[swap] = pairs[swap][:, ::-1]
        order = np.lexsort((id_arr[pairs[:, 1]].astype(str), id_arr[pairs[:, 0]].astype(str)))
        pairs = pairs[order]
    alive = np.ones(len(pairs), dtype=bool)
    n_firms = max(reach.n_firms, 1)
    rows: list[dict[str, Any]] = []
    for step in range(top):
        cand = np.flatnonzero(alive)
        if not len(cand):
            break
        c_unreached = reach.unreached_per_actor()
        u, v = pairs[cand, 0], pairs[cand, 1]
        g_comp = (comp[u] != comp[v]).astype(np.int64)
        g_firms = np.where(reach.front[v] & ~reach.front[u], c_unreached[u], 0) + \
            np.where(reach.front[u] & ~reach.front[v], c_unreached[v], 0)
        g_eff_sum = np.array([_efficiency_gain_sum(dist, a, b) for a, b in zip(u, v,
                                                                                strict=True)])
        g_eff = g_eff_sum / (n * (n - 1))
        g_eff_pct = 100.0 * g_eff / eff if eff > 0 else 100.0 * g_eff
        score = s.tie_weight_components * g_comp + s.tie_weight_efficiency * g_eff_pct + \
            s.tie_weight_firms * 100.0 * g_firms / n_firms
        best = int(np.argmax(score))  # first maximum: candidates are sorted by ids
        k = cand[best]
        a, b = int(pairs[k, 0]), int(pairs[k, 1])
        alive[k] = False
        # add the tie and recompute the state
        du, dv = dist[a].copy(), dist[b].copy()
        dist = np.minimum(dist, np.minimum(du[:, None] + 1 + dv[None, :],
                                           dv[:, None] + 1 + du[None, :]))
        if comp[a] != comp[b]:
            comp[comp == comp[b]] = comp[a]
        adjacency[a].add(b)
        adjacency[b].add(a)
        reach.add_tie(a, b)
        eff_after = efficiency_from_distances(dist)
        reached_after = int(reach.reached().sum())
        rows.append({
            "source": ids[a], "target": ids[b],
            "gain_components": int(g_comp[best]),
            "gain_efficiency": eff_after - eff,
            "gain_efficiency_pct": float(g_eff_pct[best]),
            "gain_firms_reached": reached_after - reached,
            "score": float(score[best]), "rank": step + 1,
            "source_name": str(live.loc[ids[a], "name"]),
            "source_category": str(live.loc[ids[a], "category"]),
            "source_departement": str(live.loc[ids[a], "departement"]),
            "target_name": str(live.loc[ids[b], "name"]),
            "target_category": str(live.loc[ids[b], "category"]),
            "target_departement": str(live.loc[ids[b], "departement"]),
            "distance_km": float(np.hypot(*(axy[a] - axy[b])) / 1000.0 * s.detour_factor),
            "components_after": int(len(set(comp.tolist()))),
            "efficiency_after": eff_after,
            "firms_reached_after": reached_after,
            "firms_reached_share_after": reached_after / n_firms,
        })
        if rows[-1]["gain_firms_reached"] != int(g_firms[best]):  # pragma: no cover
            raise RuntimeError("the firm reach gain of a tie does not match its recomputation")
        eff, reached = eff_after, reached_after
    out = pd.DataFrame(rows, columns=list(TIE_COLUMNS))
    out.attrs["before"] = before
    return out


def recommend_ties(registry: Registry | str | os.PathLike[str], year: int,
                   top: int) -> pd.DataFrame:
    """:func:`tie_recommendations` for a registry and year (the ``recommend-ties``
    command)."""
    data = NetworkData.from_registry(as_registry(registry), year)
    return tie_recommendations(data, top)




def territory_ties(ties: pd.DataFrame, actors: pd.DataFrame, level: str,
                   code: str) -> pd.DataFrame:
    """The recommended ties that involve an actor of a territory.

    Parameters
    ----------
    ties : DataFrame
        :func:`tie_recommendations` (``source``, ``target``: actor ids).
    actors : DataFrame
        The actors (``id`` and the ``level`` column), e.g.
        :meth:`NetworkData.live_actors`.
    level : str
        Territory level (``commune``, ``epci``, ``departement``, ``region``).
    code : str
        Territory code.

    Returns
    -------
    DataFrame
        The rows of ``ties`` with at least one end in the territory, in their order.

    Examples
    --------
    >>> t = pd.DataFrame({"source": ["a", "b", "c"], "target": ["d", "c", "a"]})
    >>> a = pd.DataFrame({"id": ["a", "b", "c", "d"], "departement": ["34", "30", "30", "34"]})
    >>> territory_ties(t, a, "departement", "34").index.tolist()
    [0, 2]
    """
    by_id = actors.assign(id=actors["id"].astype(str)).drop_duplicates("id").set_index("id")
    where = by_id[level].astype(str) if level in by_id else pd.Series(dtype=str)
    touch = ties["source"].astype(str).map(where).eq(str(code)) | \
        ties["target"].astype(str).map(where).eq(str(code))
    return ties.loc[touch.to_numpy(dtype=bool)]
