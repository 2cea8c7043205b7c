"""Which active firms reach a front-line actor in one or two steps (through an actor tied
to the front line): the measure that tie recommendations improve.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from ..activity import active_firms
from ..inputs import layer_xy
from ..network import NetworkData, firm_ties
from ..settings import get_settings
from ..unserved import nearest_front

__all__ = [
    "FirmReach",
    "firm_reach",
]

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
    fxy = layer_xy(firms)
    axy = layer_xy(gpd.GeoDataFrame(live.reset_index(), geometry="geometry", crs=data.actors.crs))
    position = {a: i for i, a in enumerate(nodes)}
    firm_pos = pd.Series(np.arange(n), index=firms["firm_id"].astype(str).to_numpy())
    firm_pos = firm_pos[~firm_pos.index.duplicated()]
    tied = firm_ties(data.relations, data.year, data.actors, data.firms) \
        if len(data.relations) else pd.DataFrame(columns=["source", "target", "pair"])
    tied = tied.loc[tied["pair"].eq("actor-firm")]
    act_of_tie = tied["source"].astype(str).map(position)
    firm_of_tie = tied["target"].astype(str).map(firm_pos)
    ok = act_of_tie.notna() & firm_of_tie.notna()
    t_act = act_of_tie[ok].to_numpy(dtype=np.int64)
    t_firm = firm_of_tie[ok].to_numpy(dtype=np.int64)
    if front.any():
        # within d of a front-line actor: the one rule of ecosystem.unserved
        one = ~nearest_front(data.firms, data.actors, data.year, distance_km=d_km).unserved()
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


