"""*Activation résiliaire* (seed 001): the decisions a regional council can take on the
export-support network, with their effect measured (issue 5).

- :func:`recommend_ties`: new actor–actor ties, chosen greedily by the gain each brings
  (fewer components, higher global efficiency, more firms within two steps of a front-line
  actor), every gain computed by adding the tie and recomputing.
- :func:`plan_relays`: where to open *K* new front-line relays (candidate sites: commune
  town halls) to cover the most unserved firms within *d*, weighted by their export
  potential: a maximal covering location problem solved with PySAL ``spopt``.
- :func:`groupements`: candidate export groups (*groupements à l'export*) of 3 to 5 SMEs.
- :func:`what_if`: a scenario file (YAML) adding actors, ties or relays, and the measures
  of every territory before and after.

Definitions, formulas and column lists: ``docs/network.md``.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from scipy import sparse
from scipy.spatial import cKDTree

from . import geography
from ._errors import InputFormatError
from .activity import active_firms, is_exporting
from .network import NetworkData, firm_ties, to_igraph
from .proximity import _division_section, potential_score
from .registry import Registry
from .settings import LAMBERT93, get_settings

__all__ = [
    "TIE_COLUMNS",
    "RELAY_SITE_COLUMNS",
    "RELAY_FIRM_COLUMNS",
    "GROUP_COLUMNS",
    "WHAT_IF_COLUMNS",
    "FirmReach",
    "firm_reach",
    "tie_recommendations",
    "recommend_ties",
    "candidate_sites",
    "solve_max_covering",
    "relay_plan",
    "plan_relays",
    "export_groups",
    "groupements",
    "pair_synergy",
    "group_score",
    "read_scenario",
    "apply_scenario",
    "territory_measures",
    "what_if",
]


def _as_registry(registry: Registry | str | os.PathLike[str]) -> Registry:
    return registry if isinstance(registry, Registry) else Registry(registry)


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Lambert-93 coordinates (metres) of point geometries."""
    if gdf.crs is None:
        raise ValueError("a layer without a CRS: expected EPSG:2154 (Lambert-93) points")
    geom = gdf.geometry if str(gdf.crs).upper() == LAMBERT93 else gdf.geometry.to_crs(LAMBERT93)
    return np.column_stack([shapely.get_x(geom.values), shapely.get_y(geom.values)])


def _public_names(firms: pd.DataFrame) -> np.ndarray:
    names = firms["name"].astype("str").fillna("").to_numpy(dtype=object) \
        if "name" in firms.columns else np.full(len(firms), "", dtype=object)
    ok = firms["diffusible"].astype("boolean").fillna(False).to_numpy(dtype=bool) \
        if "diffusible" in firms.columns else np.zeros(len(firms), dtype=bool)
    return np.where(ok, names, "")


# ---------------------------------------------------------------------------
# reach of the front line
# ---------------------------------------------------------------------------


class FirmReach:
    """Which active firms reach a front-line actor in one or two steps.

    A firm is *linked* to an actor when the actor lies within *d* of it
    (``settings.unserved_distance_km``, straight line times the detour factor) or when an
    active actor–firm tie (accompaniment, membership...) joins them. A firm reaches the
    front line (``settings.unserved_categories``) in **one step** when it is linked to a
    front-line actor, in **two steps** when it is linked to an actor (any category) tied in
    the actor graph to a front-line actor.

    Attributes
    ----------
    n_firms : int
        Active firms.
    one_step : ndarray of bool (n_firms,)
    links : scipy.sparse.csr_matrix (n_firms, n_actors)
        Links of the firms that do not reach the front line in one step (other rows empty).
    front : ndarray of bool (n_actors,)
        Front-line actors, in the graph's node order.
    """

    def __init__(self, n_firms: int, one_step: np.ndarray, links: sparse.csr_matrix,
                 front: np.ndarray, neighbours_front: np.ndarray) -> None:
        self.n_firms = n_firms
        self.one_step = one_step
        self.links = links
        self.front = front
        self.neighbours_front = neighbours_front.copy()

    def reached(self) -> np.ndarray:
        """Firms within one or two steps of the front line (bool per firm)."""
        via = np.asarray(self.links @ self.neighbours_front.astype(np.int64)).ravel() > 0
        return self.one_step | via

    def unreached_per_actor(self) -> np.ndarray:
        """For each actor, the firms linked to it that do not reach the front line yet."""
        left = (~self.reached()).astype(np.int64)
        return np.asarray(self.links.T @ left).ravel()

    def add_tie(self, u: int, v: int) -> None:
        """Record a new actor–actor tie between positions ``u`` and ``v``."""
        self.neighbours_front[u] |= self.front[v]
        self.neighbours_front[v] |= self.front[u]


def firm_reach(
    data: NetworkData, nodes: Sequence[str], adjacency: Iterable[Iterable[int]],
    distance_km: float | None = None,
) -> FirmReach:
    """:class:`FirmReach` of the active firms of ``data`` for the actors ``nodes`` (ids in
    graph order) whose actor–actor neighbours are ``adjacency`` (positions)."""
    s = get_settings()
    d_km = s.unserved_distance_km if distance_km is None else float(distance_km)
    radius_m = d_km / s.detour_factor * 1000.0
    live = data.live_actors().drop_duplicates("id").set_index("id").reindex(list(nodes))
    n_act = len(nodes)
    front = live["category"].isin(s.unserved_categories).to_numpy(dtype=bool)
    firms = active_firms(data.firms, data.year).reset_index(drop=True)
    n = len(firms)
    one = np.zeros(n, dtype=bool)
    links = sparse.csr_matrix((n, n_act), dtype=np.int64)
    neighbours_front = np.zeros(n_act, dtype=bool)
    for i, neigh in enumerate(adjacency):
        neigh = list(neigh)
        neighbours_front[i] = bool(front[neigh].any()) if neigh else False
    if n == 0 or n_act == 0:
        return FirmReach(n, one, links, front, neighbours_front)
    fxy = _xy(firms)
    axy = _xy(gpd.GeoDataFrame(live.reset_index(), geometry="geometry", crs=data.actors.crs))
    position = {a: i for i, a in enumerate(nodes)}
    firm_pos = pd.Series(np.arange(n), index=firms["firm_id"].astype(str).to_numpy())
    firm_pos = firm_pos[~firm_pos.index.duplicated()]
    tied = firm_ties(data.relations, data.year, data.actors, data.firms) \
        if len(data.relations) else pd.DataFrame(columns=["source", "target", "pair"])
    tied = tied.loc[tied["pair"].eq("actor-firm")]
    t_act = tied["source"].astype(str).map(position)
    t_firm = tied["target"].astype(str).map(firm_pos)
    ok = t_act.notna() & t_firm.notna()
    t_act = t_act[ok].to_numpy(dtype=np.int64)
    t_firm = t_firm[ok].to_numpy(dtype=np.int64)
    if front.any():
        dist, _ = cKDTree(axy[front]).query(fxy, k=1, distance_upper_bound=radius_m * 1.000001)
        fdist = np.full(n, np.inf)
        # exact re-check of the bound (the KD-tree bound is only a filter)
        near = np.isfinite(dist)
        fdist[near] = dist[near]
        one = fdist <= radius_m
        one[t_firm[front[t_act]]] = True
    rest = np.flatnonzero(~one)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    if len(rest):
        tree = cKDTree(axy)
        balls = tree.query_ball_point(fxy[rest], r=radius_m)
        for pos, ball in zip(rest, balls, strict=True):
            if ball:
                b = np.asarray(ball, dtype=np.int64)
                keep = np.hypot(*(axy[b] - fxy[pos]).T) <= radius_m
                rows.append(np.full(int(keep.sum()), pos, dtype=np.int64))
                cols.append(b[keep])
        not_one = ~one[t_firm]
        rows.append(t_firm[not_one])
        cols.append(t_act[not_one])
    if rows:
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        links = sparse.csr_matrix((np.ones(len(r), dtype=np.int64), (r, c)), shape=(n, n_act))
        links.data[:] = 1  # duplicates (near and tied) count once
        links.sum_duplicates()
        links.data[:] = 1
    return FirmReach(n, one, links, front, neighbours_front)


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


def _all_distances(g: Any) -> np.ndarray:
    from scipy.sparse import csgraph

    from .network import _csr

    if g.vcount() == 0:
        return np.zeros((0, 0))
    return csgraph.shortest_path(_csr(g), method="D", unweighted=True, directed=False)


def _efficiency_from(dist: np.ndarray) -> float:
    n = len(dist)
    if n < 2:
        return float("nan")
    with np.errstate(divide="ignore"):
        inv = 1.0 / dist
    inv[~np.isfinite(inv)] = 0.0
    return float(inv.sum() / (n * (n - 1)))


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
    dist = _all_distances(g)
    comp = np.asarray(g.connected_components().membership, dtype=np.int64) if n else \
        np.zeros(0, dtype=np.int64)
    n_comp = int(len(set(comp.tolist())))
    eff = _efficiency_from(dist)
    reached = int(reach.reached().sum())
    before = {"components": n_comp, "efficiency": eff, "firms_reached": reached,
              "n_firms": reach.n_firms}
    if n >= 2:
        axy = _xy(gpd.GeoDataFrame(live.reset_index(), geometry="geometry",
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
        eff_after = _efficiency_from(dist)
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
    data = NetworkData.from_registry(_as_registry(registry), year)
    return tie_recommendations(data, top)


# ---------------------------------------------------------------------------
# relay sites (maximal covering location problem)
# ---------------------------------------------------------------------------

#: Columns of the site table of :func:`relay_plan`.
RELAY_SITE_COLUMNS: tuple[str, ...] = (
    "rank", "commune", "name", "epci", "departement", "region", "x", "y", "lat", "lon",
    "newly_covered_firms", "newly_covered_exporting", "covered_weight", "firms_within_d",
)
#: Columns of the covered-firm table of :func:`relay_plan`.
RELAY_FIRM_COLUMNS: tuple[str, ...] = (
    "site_commune", "site_name", "firm_id", "siret", "name", "commune", "departement", "naf",
    "employees", "stage", "exporting", "potential", "distance_km",
)


def candidate_sites(territories: pd.DataFrame) -> pd.DataFrame:
    """Candidate relay sites: the town hall of every commune of the territories layer.

    Town halls come from the reference geography (:func:`ecosystem.geography.
    commune_info`); a commune unknown to it gets a point inside its own polygon.

    Returns
    -------
    DataFrame
        ``commune``, ``name``, ``epci``, ``departement``, ``region``, ``x``, ``y``
        (EPSG:2154), sorted by commune code.
    """
    com = territories.loc[territories["level"].eq("commune")] if "level" in territories else \
        territories.iloc[0:0]
    com = com.drop_duplicates("code").sort_values("code").reset_index(drop=True)
    codes = com["code"].astype(str).to_numpy()
    out = pd.DataFrame({
        "commune": codes,
        "name": com["name"].astype("str").fillna("").to_numpy(),
        "epci": com["epci"].astype("str").fillna("").to_numpy() if "epci" in com else "",
        "departement": com["departement"].astype("str").fillna("").to_numpy(),
        "region": com["region"].astype("str").fillna("").to_numpy(),
    })
    x = np.full(len(out), np.nan)
    y = np.full(len(out), np.nan)
    if len(out):
        info = geography.commune_info(codes)
        known = np.isin(codes, info.index.to_numpy())
        sub = info.reindex(codes[known])
        x[known] = sub["townhall_x"].to_numpy(dtype=float)
        y[known] = sub["townhall_y"].to_numpy(dtype=float)
        missing = ~np.isfinite(x)
        if missing.any() and isinstance(com, gpd.GeoDataFrame):
            geom = com.geometry
            if geom.crs is not None and str(geom.crs).upper() != LAMBERT93:
                geom = geom.to_crs(LAMBERT93)
            pts = shapely.point_on_surface(geom.values[missing])
            x[missing], y[missing] = shapely.get_x(pts), shapely.get_y(pts)
    out["x"], out["y"] = x, y
    return out.loc[np.isfinite(x) & np.isfinite(y)].reset_index(drop=True)


def _mclp_model(coverage: np.ndarray, weights: np.ndarray, k: int) -> Any:
    """spopt's ``MCLP`` model (Church & ReVelle 1974) built from a 0/1 coverage matrix.

    Same variables, objective and constraints as ``spopt.locate.MCLP.from_cost_matrix``
    (maximise ``sum_i w_i y_i`` subject to ``y_i <= sum_{j covers i} x_j`` and
    ``sum_j x_j = k``, ``x``, ``y`` binary), but each coverage constraint lists only the
    sites that cover the client: ``from_cost_matrix`` writes every site with a zero
    coefficient, which takes seconds per thousand clients.
    """
    import pulp
    from spopt.locate import MCLP
    from spopt.locate.base import FacilityModelBuilder

    n_cli, n_fac = coverage.shape
    problem = pulp.LpProblem("relay_sites", pulp.LpMaximize)
    model = MCLP("relay_sites", problem)
    FacilityModelBuilder.add_facility_integer_variable(model, range(n_fac), "x[{i}]")
    FacilityModelBuilder.add_client_integer_variable(model, range(n_cli), "y[{i}]")
    model.aij = coverage.astype(np.int8)
    x, y = model.fac_vars, model.cli_vars
    problem += pulp.LpAffineExpression([(y[i], float(weights[i])) for i in range(n_cli)])
    for i in range(n_cli):
        cover = pulp.LpAffineExpression([(x[j], 1) for j in np.flatnonzero(coverage[i])])
        problem += cover - y[i] >= 0
    FacilityModelBuilder.add_facility_constraint(model, k)
    return model


def solve_max_covering(
    coverage: sparse.spmatrix | np.ndarray, weights: np.ndarray, k: int,
) -> tuple[np.ndarray, float]:
    """Solve a maximal covering location problem with PySAL ``spopt`` (``MCLP``, CBC).

    Choose ``k`` sites (columns of ``coverage``) maximising the total weight of the clients
    (rows) covered by at least one chosen site. Before solving, sites covering nothing and
    sites whose covered set equals another's (the smaller position is kept) are dropped,
    and clients with the same set of covering sites are merged (weights summed): the
    optimum is unchanged; so are sites whose covered set lies strictly inside another
    site's (the larger one covers at least as much in any solution).

    Parameters
    ----------
    coverage : (n_clients, n_sites) sparse matrix or array of bool
    weights : (n_clients,) array of float, >= 0
    k : int

    Returns
    -------
    chosen : ndarray of int
        Positions of the chosen sites (sorted), at most ``k`` (fewer when fewer sites
        cover anything).
    covered_weight : float
        The objective value (total weight covered).

    Examples
    --------
    >>> cov = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
    >>> chosen, w = solve_max_covering(cov, np.array([5.0, 1.0, 1.0, 4.0]), 2)
    >>> chosen.tolist(), w
    ([0, 2], 11.0)
    """
    import pulp

    a = sparse.csc_matrix(coverage, dtype=np.int8)
    a.eliminate_zeros()
    a.data[:] = 1
    w = np.asarray(weights, dtype=float)
    if a.shape[0] != len(w):
        raise ValueError("coverage and weights disagree on the number of clients")
    if k <= 0 or a.nnz == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    useful = np.flatnonzero(np.diff(a.indptr) > 0)
    a = a[:, useful]
    # identical columns: keep the first
    keys = [a.indices[a.indptr[j]:a.indptr[j + 1]].tobytes() for j in range(a.shape[1])]
    first: dict[bytes, int] = {}
    for j, key in enumerate(keys):
        first.setdefault(key, j)
    keep_cols = np.asarray(sorted(first.values()), dtype=np.int64)
    a = a[:, keep_cols]
    sites = useful[keep_cols]
    # sites whose covered set is strictly inside another's: never needed for the optimum
    size = np.diff(a.indptr)
    overlap = (a.T.astype(np.int32) @ a.astype(np.int32)).tocoo()
    inside = (overlap.data == size[overlap.col]) & (size[overlap.row] > size[overlap.col])
    dominated = np.zeros(a.shape[1], dtype=bool)
    dominated[overlap.col[inside]] = True
    a = a[:, ~dominated].tocsr()
    sites = sites[~dominated]
    # clients covered by a site, merged by identical rows
    rows = np.flatnonzero(np.diff(a.indptr) > 0)
    row_keys = [a.indices[a.indptr[i]:a.indptr[i + 1]].tobytes() for i in rows]
    groups: dict[bytes, list[int]] = {}
    for i, key in zip(rows, row_keys, strict=True):
        groups.setdefault(key, []).append(int(i))
    reps = np.asarray([g[0] for g in groups.values()], dtype=np.int64)
    merged_w = np.asarray([w[g].sum() for g in groups.values()], dtype=float)
    sub = a[reps].toarray()
    if k >= sub.shape[1]:
        chosen = np.arange(sub.shape[1])
    else:
        with warnings.catch_warnings():
            # spopt 0.7 builds its model with the PuLP 3 API, which PuLP 3.3 deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            model = _mclp_model(sub, merged_w, int(k))
            model.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=0.0, gapAbs=0.0), results=False)
        chosen = np.asarray([j for j, var in enumerate(model.fac_vars)
                             if (var.value() or 0) > 0.5], dtype=np.int64)
    covered = sub[:, chosen].any(axis=1) if len(chosen) else np.zeros(len(sub), dtype=bool)
    return np.sort(sites[chosen]), float(merged_w[covered].sum())


def relay_plan(
    data: NetworkData, sites: int, distance_km: float | None = None,
    category: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where to open ``sites`` new front-line relays to cover the most unserved firms.

    The clients are the active firms unserved in ``data.year`` (no front-line actor within
    *d*; :func:`ecosystem.governance.unserved_by_territory`), weighted by their export
    potential (:func:`ecosystem.proximity.potential_score`); the existing actors stay
    where they are, so a firm they already serve needs no relay. The candidate sites are
    the town halls of the registry's communes (:func:`candidate_sites`); a site covers a
    firm within *d* (``distance_km``, default ``settings.unserved_distance_km``, straight
    line times the detour factor). The maximal covering location problem is solved by
    :func:`solve_max_covering`; the coverage it reports is then recomputed from the
    coordinates of the chosen sites and firms, and a disagreement raises ``RuntimeError``.

    Each covered firm is counted at its nearest chosen site (ties: smallest commune
    code), so the ``newly_covered_firms`` of the sites add up to the firms covered; a chosen
    site left without any firm (the others already cover every firm it could) is not
    listed, so fewer than ``sites`` rows come back when fewer sites suffice.

    Returns
    -------
    sites : DataFrame
        One row per chosen site, by decreasing covered weight, columns
        :data:`RELAY_SITE_COLUMNS`: ``newly_covered_firms`` (firms counted at this site),
        ``newly_covered_exporting``, ``covered_weight`` (their potential, summed),
        ``firms_within_d`` (unserved firms within *d* of the site, shared ones included).
        ``attrs`` holds ``unserved_firms``, ``unserved_weight``, ``covered_firms``,
        ``covered_weight``, ``distance_km``, ``candidate_sites``.
    covered : DataFrame
        One row per covered firm, columns :data:`RELAY_FIRM_COLUMNS` (``name`` blank when
        the firm is not diffusible).
    """
    from .governance import unserved_by_territory

    s = get_settings()
    d = s.unserved_distance_km if distance_km is None else float(distance_km)
    if sites < 0:
        raise ValueError(f"sites must be >= 0; got {sites}")
    if d <= 0:
        raise ValueError(f"distance_km must be positive; got {d}")
    radius_m = d / s.detour_factor * 1000.0
    unserved, _ = unserved_by_territory(data.firms, data.actors, data.year, "commune",
                                        distance_km=d)
    firms = active_firms(data.firms, data.year)
    firms = firms.assign(firm_id=firms["firm_id"].astype(str)).drop_duplicates("firm_id")
    firms = firms.set_index("firm_id").reindex(unserved["firm_id"].astype(str).to_numpy())
    fxy = _xy(gpd.GeoDataFrame(firms.reset_index(), geometry="geometry", crs=data.firms.crs)) \
        if len(firms) else np.zeros((0, 2))
    weights = unserved["potential"].to_numpy(dtype=float)
    cand = candidate_sites(data.territories)
    sxy = cand[["x", "y"]].to_numpy(dtype=float)
    rows_l: list[int] = []
    cols_l: list[int] = []
    if len(fxy) and len(sxy):
        for i, ball in enumerate(cKDTree(sxy).query_ball_point(fxy, r=radius_m * 1.000001)):
            for j in ball:
                if math.hypot(*(sxy[j] - fxy[i])) <= radius_m:
                    rows_l.append(i)
                    cols_l.append(j)
    coverage = sparse.csr_matrix((np.ones(len(rows_l), dtype=np.int8), (rows_l, cols_l)),
                                 shape=(len(fxy), len(sxy)))
    chosen, objective = solve_max_covering(coverage, weights, sites)
    # recomputation from the coordinates
    if len(chosen):
        dd = np.hypot(fxy[:, None, 0] - sxy[None, chosen, 0],
                      fxy[:, None, 1] - sxy[None, chosen, 1])
    else:
        dd = np.zeros((len(fxy), 0))
    within = dd <= radius_m
    covered = within.any(axis=1)
    if not math.isclose(float(weights[covered].sum()), objective, rel_tol=1e-9, abs_tol=1e-6):
        raise RuntimeError(
            f"the covering solver reports a covered weight of {objective:.6f} but the chosen "
            f"sites cover {float(weights[covered].sum()):.6f}")
    masked = np.where(within, dd, np.inf)
    nearest = np.argmin(masked, axis=1) if len(chosen) else np.zeros(len(fxy), dtype=np.int64)
    exporting = unserved["exporting"].to_numpy(dtype=bool)
    site_rows = []
    for pos, j in enumerate(chosen):
        mine = covered & (nearest == pos)
        if not mine.any():
            continue  # the other sites already cover all it could: nothing to open
        site_rows.append({
            "commune": cand.at[j, "commune"], "name": cand.at[j, "name"],
            "epci": cand.at[j, "epci"], "departement": cand.at[j, "departement"],
            "region": cand.at[j, "region"], "x": float(sxy[j, 0]), "y": float(sxy[j, 1]),
            "newly_covered_firms": int(mine.sum()),
            "newly_covered_exporting": int((mine & exporting).sum()),
            "covered_weight": float(weights[mine].sum()),
            "firms_within_d": int(within[:, pos].sum()),
        })
    table = pd.DataFrame(site_rows, columns=[c for c in RELAY_SITE_COLUMNS
                                             if c not in ("rank", "lat", "lon")])
    if len(table):
        pts = gpd.GeoSeries(gpd.points_from_xy(table["x"], table["y"]), crs=LAMBERT93)
        wgs = pts.to_crs("EPSG:4326")
        table["lat"], table["lon"] = wgs.y.to_numpy(), wgs.x.to_numpy()
    else:
        table["lat"], table["lon"] = [], []
    order = table.sort_values(["covered_weight", "commune"], ascending=[False, True]).index
    site_of = {pos: r for r, pos in enumerate(order)}
    table = table.loc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    table = table[list(RELAY_SITE_COLUMNS)]
    sel = np.flatnonzero(covered)
    un = unserved.iloc[sel].reset_index(drop=True)
    site_pos = nearest[sel]
    firms_out = pd.DataFrame({
        "site_commune": [cand.at[chosen[p], "commune"] for p in site_pos],
        "site_name": [cand.at[chosen[p], "name"] for p in site_pos],
        "firm_id": un["firm_id"].astype(str).to_numpy(),
        "siret": un["siret"].astype("str").fillna("").to_numpy(),
        "name": un["name"].astype("str").fillna("").to_numpy(),
        "commune": un["commune"].astype("str").to_numpy(),
        "departement": un["departement"].astype("str").to_numpy(),
        "naf": un["naf"].astype("str").fillna("").to_numpy(),
        "employees": un["employees"].to_numpy(),
        "stage": un["stage"].astype("str").to_numpy(),
        "exporting": un["exporting"].to_numpy(dtype=bool),
        "potential": un["potential"].to_numpy(dtype=float),
        "distance_km": dd[sel, site_pos] / 1000.0 * s.detour_factor if len(sel) else [],
    }, columns=list(RELAY_FIRM_COLUMNS))
    firms_out["_site"] = [site_of[p] for p in site_pos]
    firms_out = firms_out.sort_values(["_site", "potential", "firm_id"],
                                      ascending=[True, False, True]).drop(columns="_site")
    table.attrs.update({
        "unserved_firms": int(len(unserved)), "unserved_weight": float(weights.sum()),
        "covered_firms": int(covered.sum()), "covered_weight": float(weights[covered].sum()),
        "distance_km": d, "candidate_sites": int(len(cand)),
        "category": category or s.relay_category,
    })
    return table, firms_out.reset_index(drop=True)


def plan_relays(
    registry: Registry | str | os.PathLike[str], year: int, sites: int,
    distance_km: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`relay_plan` for a registry and year (the ``plan-relays`` command)."""
    data = NetworkData.from_registry(_as_registry(registry), year)
    return relay_plan(data, sites, distance_km)


# ---------------------------------------------------------------------------
# export groups
# ---------------------------------------------------------------------------

#: Columns of :func:`export_groups` (one row per member).
GROUP_COLUMNS: tuple[str, ...] = (
    "group_id", "siret", "firm_id", "name", "commune", "departement", "naf", "employees",
    "stage", "posture", "markets", "group_score", "group_size", "group_max_distance_km",
    "group_size_ratio", "sector_synergy", "market_synergy",
)


def _naf_parts(naf: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NAF class (first four digits), division (two) and section letter of each code."""
    digits = naf.astype("str").fillna("").str.replace(r"[^0-9]", "", regex=True)
    klass = digits.str.slice(0, 4).where(digits.str.len() >= 4, "").to_numpy(dtype=object)
    division = digits.str.slice(0, 2).where(digits.str.len() >= 2, "").to_numpy(dtype=object)
    section = np.asarray([(_division_section(d) or "") if d else "" for d in division],
                         dtype=object)
    return klass, division, section


def pair_synergy(
    division_a: str, section_a: str, markets_a: set[str],
    division_b: str, section_b: str, markets_b: set[str],
) -> tuple[float, float]:
    """Sector complementarity and market overlap of two firms of different NAF classes.

    Sector: 1 when they share their NAF division (related variety: same industry,
    different products), 0.5 when they share only their section, else 0. Markets: the
    Jaccard index of their export-market sets (0 when both are empty).

    Examples
    --------
    >>> pair_synergy("25", "C", {"DE", "ES"}, "25", "C", {"ES"})
    (1.0, 0.5)
    >>> pair_synergy("25", "C", set(), "28", "C", set())
    (0.5, 0.0)
    """
    if division_a and division_a == division_b:
        sector = 1.0
    elif section_a and section_a == section_b:
        sector = 0.5
    else:
        sector = 0.0
    union = markets_a | markets_b
    market = len(markets_a & markets_b) / len(union) if union else 0.0
    return sector, market


def group_score(sector: float, market: float) -> float:
    """Synergy score (0-100) of a group from its mean pair sector complementarity and mean
    pair market overlap: ``100 * (w_s * sector + w_m * market) / (w_s + w_m)`` with
    ``settings.groupement_weight_sectors`` and ``groupement_weight_markets``.

    Examples
    --------
    >>> group_score(1.0, 0.5)
    75.0
    """
    s = get_settings()
    total = s.groupement_weight_sectors + s.groupement_weight_markets
    if total <= 0:
        return 0.0
    return 100.0 * (s.groupement_weight_sectors * sector + s.groupement_weight_markets
                    * market) / total


def _eligible_firms(firms: pd.DataFrame, year: int) -> pd.DataFrame:
    s = get_settings()
    live = active_firms(firms, year)
    emp = pd.to_numeric(live["employees"], errors="coerce")
    posture = live["posture"].astype("str").fillna("")
    group = live["groupement"].astype("str").fillna("").str.strip()
    klass, _, _ = _naf_parts(live["naf"])
    ok = (
        emp.ge(1) & emp.lt(s.sme_max_employees)
        & (is_exporting(live) | posture.isin(["reactive", "proactive"]))
        & group.eq("")
        & pd.Series(klass != "", index=live.index)
        & ~(live.geometry.isna() | live.geometry.is_empty)
    ).fillna(False).astype(bool)
    return live.loc[ok].drop_duplicates("firm_id").reset_index(drop=True)


def export_groups(data: NetworkData) -> pd.DataFrame:
    """Candidate export groups (*groupements à l'export*, seed 001) of ``data.year``.

    Eligible firms: active SMEs (1 to ``settings.sme_max_employees`` - 1 staff) that
    export or whose posture is reactive or proactive, not yet in a group (``groupement``
    empty), with a NAF code and a location. A group has ``settings.groupement_min_members``
    to ``groupement_max_members`` members, all within ``groupement_max_distance_km`` of
    each other (straight line times the detour factor), no two in the same NAF class (first
    four digits: competitors), and a ratio of largest to smallest headcount at most
    ``groupement_max_size_ratio``.

    Groups are built greedily: firms are taken in decreasing order of export potential
    (:func:`ecosystem.proximity.potential_score`, then ``firm_id``); around each firm not
    yet grouped, among its ``settings.groupement_candidates_per_firm`` nearest eligible
    firms within the distance, the member that keeps every rule and gives the highest group
    synergy is added (ties: the nearer, then the smaller ``firm_id``), as long as its mean
    synergy with the members is positive and the group is not full. A group that reaches
    the minimum size is kept and its firms leave the pool. The synergy score is
    :func:`group_score` of the mean :func:`pair_synergy` over the member pairs.

    Returns
    -------
    DataFrame
        One row per member, columns :data:`GROUP_COLUMNS`; groups are numbered ``G0001``...
        by decreasing score (ties: smaller largest distance, then first ``firm_id``);
        ``name`` is blank for a non-diffusible firm.
    """
    s = get_settings()
    lo, hi = s.groupement_min_members, s.groupement_max_members
    if lo > hi:
        raise ValueError("groupement_min_members is larger than groupement_max_members")
    firms = _eligible_firms(data.firms, data.year)
    m = len(firms)
    if m < lo:
        return pd.DataFrame(columns=list(GROUP_COLUMNS))
    xy = _xy(firms)
    radius_m = s.groupement_max_distance_km / s.detour_factor * 1000.0
    emp = pd.to_numeric(firms["employees"]).to_numpy(dtype=float)
    klass, division, section = _naf_parts(firms["naf"])
    markets = [frozenset(x for x in str(v).upper().replace(" ", "").split("|") if x)
               if isinstance(v, str) else frozenset() for v in firms["markets"]]
    ids = firms["firm_id"].astype(str).to_numpy()
    potential = potential_score(firms, history=None, year=data.year)["potential"].to_numpy()
    seeds = np.lexsort((ids, -potential))
    tree = cKDTree(xy)
    k_near = min(m, s.groupement_candidates_per_firm + 1)
    near_d, near_i = tree.query(xy, k=k_near, distance_upper_bound=radius_m * 1.000001)
    near_d = near_d.reshape(m, -1)
    near_i = near_i.reshape(m, -1)
    taken = np.zeros(m, dtype=bool)
    groups: list[tuple[list[int], float, float, float]] = []

    def synergy(i: int, j: int) -> tuple[float, float]:
        return pair_synergy(division[i], section[i], markets[i],
                            division[j], section[j], markets[j])

    for seed in seeds:
        if taken[seed]:
            continue
        ok = np.isfinite(near_d[seed])
        cand = near_i[seed][ok]
        cand_d = near_d[seed][ok]
        keep = (cand != seed) & ~taken[np.minimum(cand, m - 1)]
        cand, cand_d = cand[keep], cand_d[keep]
        members = [int(seed)]
        pair_sum = np.zeros(2)
        n_pairs = 0
        while len(members) < hi and len(cand):
            feasible = np.ones(len(cand), dtype=bool)
            for j in members:
                feasible &= klass[cand] != klass[j]
                feasible &= np.hypot(*(xy[cand] - xy[j]).T) <= radius_m
            lo_emp = min(emp[members])
            hi_emp = max(emp[members])
            feasible &= (np.maximum(emp[cand], hi_emp) / np.minimum(emp[cand], lo_emp)
                         <= s.groupement_max_size_ratio + 1e-12)
            best = None
            for c, dist_c in zip(cand[feasible], cand_d[feasible], strict=True):
                add = np.zeros(2)
                for j in members:
                    add += synergy(int(c), j)
                mean_add = group_score(*(add / len(members)))
                if mean_add <= 0:
                    continue
                total = (pair_sum + add) / (n_pairs + len(members))
                key = (-group_score(*total), float(dist_c), ids[c])
                if best is None or key < best[0]:
                    best = (key, int(c), add)
            if best is None:
                break
            _, c, add = best
            pair_sum += add
            n_pairs += len(members)
            members.append(c)
            rest = cand != c
            cand, cand_d = cand[rest], cand_d[rest]
        if len(members) >= lo:
            taken[members] = True
            sector, market = pair_sum / n_pairs
            groups.append((members, group_score(sector, market), sector, market))
    rows: list[dict[str, Any]] = []
    summary = []
    for members, score, sector, market in groups:
        mx = max(math.hypot(*(xy[a] - xy[b])) for a, b in itertools.combinations(members, 2))
        summary.append((-score, mx, min(ids[members]), members, score, sector, market))
    summary.sort(key=lambda t: (t[0], t[1], t[2]))
    names = _public_names(firms)
    for number, (_, mx, _, members, score, sector, market) in enumerate(summary, start=1):
        ratio = float(max(emp[members]) / min(emp[members]))
        for i in sorted(members, key=lambda i: ids[i]):
            rows.append({
                "group_id": f"G{number:04d}", "siret": str(firms.at[i, "siret"] or ""),
                "firm_id": ids[i], "name": names[i],
                "commune": str(firms.at[i, "commune"]),
                "departement": str(firms.at[i, "departement"]),
                "naf": str(firms.at[i, "naf"]), "employees": int(emp[i]),
                "stage": str(firms.at[i, "stage"]), "posture": str(firms.at[i, "posture"]),
                "markets": "|".join(sorted(markets[i])), "group_score": round(score, 2),
                "group_size": len(members),
                "group_max_distance_km": mx / 1000.0 * s.detour_factor,
                "group_size_ratio": ratio, "sector_synergy": sector,
                "market_synergy": market,
            })
    return pd.DataFrame(rows, columns=list(GROUP_COLUMNS))


def groupements(registry: Registry | str | os.PathLike[str], year: int) -> pd.DataFrame:
    """:func:`export_groups` for a registry and year (the ``groupements`` command)."""
    return export_groups(NetworkData.from_registry(_as_registry(registry), year))


# ---------------------------------------------------------------------------
# what-if scenarios
# ---------------------------------------------------------------------------

_SCENARIO_KEYS = {"name", "description", "year", "actors", "ties", "relays"}
_RELAY_KEYS = {"id", "name", "category", "commune", "lat", "lon", "x", "y", "epsg", "since",
               "capacity", "international_links", "tied_to", "tie_kind"}


def _scenario_error(path: str, message: str) -> InputFormatError:
    return InputFormatError(f"{path}: {message}")


def read_scenario(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the shape of a scenario file (YAML; see ``docs/network.md``).

    Top-level keys: ``name``, ``description``, ``year``, ``actors`` (list of actor records
    as in an actors file), ``ties`` (list of relation records) and ``relays`` (list of
    ``commune`` (or ``lat``/``lon``, ``x``/``y``+``epsg``), optional ``category`` (default
    ``settings.relay_category``), ``name``, ``id``, ``since``, ``capacity``,
    ``international_links``, ``tied_to`` (actor ids) and ``tie_kind`` (default
    ``partnership``)). Unknown keys are refused.
    """
    p = Path(path)
    try:
        content = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _scenario_error(p.name, f"not a valid YAML file: {exc}") from exc
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise _scenario_error(p.name, "expected a mapping with keys among "
                              f"{sorted(_SCENARIO_KEYS)}")
    unknown = set(content) - _SCENARIO_KEYS
    if unknown:
        raise _scenario_error(p.name, f"unknown key(s) {sorted(unknown)}; expected keys among "
                              f"{sorted(_SCENARIO_KEYS)}")
    for key in ("actors", "ties", "relays"):
        value = content.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise _scenario_error(p.name, f"'{key}' must be a list of records (key: value)")
        content[key] = value
    for i, relay in enumerate(content["relays"], start=1):
        bad = set(relay) - _RELAY_KEYS
        if bad:
            raise _scenario_error(p.name, f"relay {i}: unknown key(s) {sorted(bad)}; expected "
                                  f"keys among {sorted(_RELAY_KEYS)}")
    content["file"] = p.name
    return content


def _records_table(records: list[dict[str, Any]], file: str) -> Any:
    from .readers import RawTable

    frame = pd.DataFrame([{k: ("" if v is None else (
        "|".join(map(str, v)) if isinstance(v, list) else str(v)).strip())
        for k, v in r.items()} for r in records])
    frame = frame.replace("", np.nan).astype(object)
    return RawTable.from_frame(frame, file=file)


def apply_scenario(data: NetworkData, scenario: dict[str, Any]) -> NetworkData:
    """The layers of ``data`` with the scenario's actors, relays and ties added.

    New actors and relays go through the validation of an actors file
    (:func:`ecosystem.imports.prepare_actors`) and ties through that of a relations file
    (:func:`ecosystem.imports.prepare_relations`): a wrong commune code or an unknown
    actor id raises :class:`~ecosystem._errors.ValidationError` naming the record.
    Missing ``since`` (actors, relays) and ``year`` (ties) default to the scenario year.
    """
    from .imports import prepare_actors, prepare_relations

    s = get_settings()
    file = str(scenario.get("file", "scenario"))
    year = data.year
    actor_records = [dict(r) for r in scenario.get("actors", [])]
    tie_records = [dict(r) for r in scenario.get("ties", [])]
    geo_names: dict[str, str] = {}
    for i, relay in enumerate(scenario.get("relays", []), start=1):
        r = dict(relay)
        category = str(r.pop("category", None) or s.relay_category)
        tied_to = r.pop("tied_to", None) or []
        kind = str(r.pop("tie_kind", None) or "partnership")
        commune = str(r.get("commune", "") or "")
        if commune and not geo_names:
            geo_names = dict(zip(data.territories_of("commune")["code"],
                                 data.territories_of("commune")["name"], strict=True))
        rid = str(r.get("id") or f"relais-{category}-{commune or i}")
        r["id"] = rid
        r["category"] = category
        r.setdefault("name", f"Relais {category.upper()} {geo_names.get(commune, commune)}"
                     .strip())
        actor_records.append(r)
        for other in (tied_to if isinstance(tied_to, list) else [tied_to]):
            tie_records.append({"source": rid, "target": str(other), "kind": kind})
    actors = data.actors
    relations = data.relations
    if actor_records:
        for r in actor_records:
            r.setdefault("since", year)
        new = prepare_actors(_records_table(actor_records, file), source=file)
        clash = set(new["id"]) & set(actors["id"].astype(str))
        if clash:
            raise InputFormatError(
                f"{file}: actor id(s) already in the registry: {sorted(clash)}")
        new = new.to_crs(actors.crs) if actors.crs is not None else new
        actors = pd.concat([actors, new], ignore_index=True)
        actors = gpd.GeoDataFrame(actors, geometry="geometry", crs=new.crs)
    if tie_records:
        for r in tie_records:
            r.setdefault("year", year)
        firm_ids = set(data.firms["firm_id"].astype(str)) if len(data.firms) else set()
        new_ties = prepare_relations(_records_table(tie_records, file),
                                     set(actors["id"].astype(str)), firm_ids)
        relations = pd.concat([relations, new_ties], ignore_index=True)
    return NetworkData(year, actors, relations, data.firms, data.territories)


#: Columns of :func:`what_if`.
WHAT_IF_COLUMNS: tuple[str, ...] = (
    "level", "code", "name", "source", "measure", "before", "after", "change",
)

_NETWORK_MEASURES = (
    "n_actors", "n_ties", "n_external_ties", "n_components", "largest_component_share",
    "n_isolated", "efficiency", "n_regional_components", "main_component_share",
    "n_regionally_isolated", "n_international", "n_coordinators",
)


def territory_measures(data: NetworkData, level: str = "departement") -> pd.DataFrame:
    """The measures a scenario changes, for the région(s) and the territories of ``level``.

    Long format: ``level``, ``code``, ``name``, ``source``, ``measure``, ``value``.

    - ``source = "network"``: :func:`ecosystem.network.territory_metrics` columns
      ``n_actors``, ``n_ties``, ``n_external_ties``, ``n_components``,
      ``largest_component_share``, ``n_isolated``, ``efficiency``,
      ``n_regional_components``, ``main_component_share``, ``n_regionally_isolated``,
      ``n_international``, ``n_coordinators``, and ``n_front_line_actors``;
    - ``source = "proximity"``: ``n_unserved``, ``unserved_share``,
      ``n_unserved_exporting``, ``unserved_potential``
      (:func:`ecosystem.governance.unserved_by_territory`) and ``firms_reached_share``
      (share of active firms within two steps of the front line, :class:`FirmReach`);
    - ``source = "indicators"``: every numeric column of
      :func:`ecosystem.indicators.territory_indicators` (when that module is available).
    """
    from .governance import unserved_by_territory
    from .network import analyse

    s = get_settings()
    levels = ("region", level) if level != "region" else ("region",)
    analysis = analyse(data, levels=levels)
    terr = analysis.territories
    live = data.live_actors()
    frames = []
    for lv in levels:
        t = terr.loc[terr["level"].eq(lv)].set_index("code")
        codes = live[lv].astype(str)
        t["n_front_line_actors"] = live.loc[live["category"].isin(s.unserved_categories)] \
            .groupby(codes).size().reindex(t.index).fillna(0).astype(int)
        net = t[[*_NETWORK_MEASURES, "n_front_line_actors"]]
        long = net.reset_index().melt(id_vars="code", var_name="measure", value_name="value")
        long["source"] = "network"
        frames.append(long.assign(level=lv, name=long["code"].map(t["name"])))
        if len(data.firms):
            _, counts = unserved_by_territory(data.firms, data.actors, data.year, lv)
            g, nodes = to_igraph(analysis.graph)
            reach = firm_reach(data, [str(v) for v in nodes], g.get_adjlist())
            fy = active_firms(data.firms, data.year).reset_index(drop=True)
            counts["firms_reached_share"] = pd.Series(reach.reached()).groupby(
                fy[lv].astype(str).to_numpy()).mean()
            prox = counts[["n_unserved", "unserved_share", "n_unserved_exporting",
                           "unserved_potential", "firms_reached_share"]]
            prox.index.name = "code"
            long = prox.reset_index().melt(id_vars="code", var_name="measure",
                                           value_name="value")
            long["source"] = "proximity"
            frames.append(long.assign(level=lv, name=long["code"].map(t["name"])))
        try:
            from .indicators import territory_indicators
        except ImportError:  # pragma: no cover - optional module
            continue
        if len(data.firms):
            terr_lv = data.territories.loc[data.territories["level"].eq(lv)]
            ind = territory_indicators(data.firms, data.actors, data.relations, data.year, lv,
                                       territories=terr_lv)
            numeric = [c for c in ind.columns if c not in ("code", "name", "level", "year")
                       and pd.api.types.is_numeric_dtype(ind[c])]
            long = ind[["code", *numeric]].melt(id_vars="code", var_name="measure",
                                                value_name="value")
            long["source"] = "indicators"
            frames.append(long.assign(level=lv, name=long["code"].map(t["name"])))
    out = pd.concat(frames, ignore_index=True)
    out["name"] = out["name"].fillna("").astype(str)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    return out[["level", "code", "name", "source", "measure", "value"]]


def what_if(
    registry: Registry | str | os.PathLike[str], scenario_path: str | os.PathLike[str],
    year: int | None = None, level: str = "departement",
) -> pd.DataFrame:
    """Apply a scenario file to a registry's year (in memory) and report before / after.

    The registry is not changed. ``year`` defaults to the scenario's ``year``.

    Returns
    -------
    DataFrame
        Columns :data:`WHAT_IF_COLUMNS`: one row per territory (the région(s), then the
        territories of ``level``) and measure of :func:`territory_measures`, with its
        value ``before`` and ``after`` the scenario and ``change = after - before``.
        ``attrs["scenario"]`` holds the scenario's name and what it added.
    """
    scenario = read_scenario(scenario_path)
    y = year if year is not None else scenario.get("year")
    if y is None:
        raise InputFormatError(f"{scenario['file']}: no year: give one in the file ('year:') "
                               "or on the command line")
    data = NetworkData.from_registry(_as_registry(registry), int(y))
    after_data = apply_scenario(data, scenario)
    before = territory_measures(data, level)
    after = territory_measures(after_data, level)
    keys = ["level", "code", "source", "measure"]
    merged = before.merge(after, on=keys, how="outer", suffixes=("_before", "_after"))
    merged["name"] = merged["name_after"].fillna(merged["name_before"]).fillna("")
    merged = merged.rename(columns={"value_before": "before", "value_after": "after"})
    merged["change"] = merged["after"] - merged["before"]
    rank = {"region": 0}
    merged["_l"] = merged["level"].map(rank).fillna(1)
    merged["_s"] = merged["source"].map({"network": 0, "proximity": 1, "indicators": 2})
    merged = merged.sort_values(["_l", "code", "_s"], kind="stable")
    out = merged[list(WHAT_IF_COLUMNS)].reset_index(drop=True)
    out.attrs["scenario"] = {
        "name": scenario.get("name", ""), "year": int(y),
        "actors": len(scenario.get("actors", [])), "ties": len(scenario.get("ties", [])),
        "relays": len(scenario.get("relays", [])),
    }
    return out
