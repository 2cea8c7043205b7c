"""The actor network of a year and its metrics (issue 5, seed 001: *activation résiliaire*).

The **actor graph** of year *y* is undirected: its nodes are the support actors active in *y*
(isolated ones included), its edges the actor–actor ties active in *y*
(:func:`ecosystem.activity.active_relations`); the weight of an edge is the number of such ties
between the two actors, whatever their kinds. Actor–firm ties (accompaniment, membership) and
firm–firm ties (export groups) are kept beside it (:func:`firm_ties`).

The heavy work (betweenness, closeness, components, communities) is done with igraph; the
results are the ones networkx gives (betweenness and closeness are rescaled to networkx's
conventions, see :func:`actor_metrics`). The definitions are in ``docs/network.md``.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from .activity import active_actors, active_relations
from .registry import Registry
from .schema import TERRITORY_LEVELS
from .settings import WGS84, get_settings

__all__ = [
    "ACTOR_TABLE_COLUMNS",
    "NODE_ATTRIBUTES",
    "REPORT_LEVELS",
    "TERRITORY_METRIC_COLUMNS",
    "Analysis",
    "NetworkData",
    "actor_graph",
    "adjacency_matrix",
    "central_actors",
    "efficiency_from_distances",
    "inverse_distance_sum",
    "shortest_path_lengths",
    "actor_metrics",
    "actor_table",
    "analyse",
    "communities",
    "coordinators",
    "local_components",
    "firm_ties",
    "global_efficiency",
    "territory_data",
    "territory_metrics",
    "to_igraph",
    "write_graphml",
]

#: Node attributes of :func:`actor_graph` (columns of the actors layer).
NODE_ATTRIBUTES: tuple[str, ...] = (
    "name", "category", "departement", "epci", "commune", "region", "international_links",
)


def _text(value: Any) -> str:
    """A string attribute; missing values become ``""`` (GraphML refuses None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _flag(value: Any) -> bool:
    if value is None or (not isinstance(value, (bool, np.bool_)) and pd.isna(value)):
        return False
    return bool(value)


def actor_graph(actors: pd.DataFrame, relations: pd.DataFrame, year: int) -> nx.Graph:
    """The undirected actor–actor graph of ``year``.

    Parameters
    ----------
    actors : DataFrame
        The actors layer (all years or already filtered; activity is checked here).
    relations : DataFrame
        The relations layer (columns of :data:`ecosystem.schema.RELATION_COLUMNS`).
    year : int
        The year.

    Returns
    -------
    networkx.Graph
        Nodes: ids (str) of the actors active in ``year``, with the attributes of
        :data:`NODE_ATTRIBUTES` (missing text as ``""``, ``international_links`` as bool).
        Edges: pairs of actors tied by at least one actor–actor tie active in ``year``;
        ``weight`` = number of such ties (kinds merged; a tie's own ``weight`` column is
        not used). Self-ties are ignored.

    Examples
    --------
    >>> actors = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...     "category": ["cci", "bank", "cce"], "since": [2000, 2000, 2030],
    ...     "until": [pd.NA] * 3})
    >>> relations = pd.DataFrame({"source": ["a", "b", "a"], "target": ["b", "a", "c"],
    ...     "source_type": "actor", "target_type": "actor",
    ...     "kind": ["partnership", "referral", "partnership"], "year": 2020,
    ...     "until": [pd.NA] * 3})
    >>> g = actor_graph(actors, relations, 2025)
    >>> sorted(g.nodes), g["a"]["b"]["weight"]
    (['a', 'b'], 2)
    """
    live = active_actors(actors, year)
    graph = nx.Graph(year=int(year))
    ids = live["id"].astype(str).to_numpy()
    columns = {c: (live[c].to_numpy() if c in live.columns else None) for c in NODE_ATTRIBUTES}
    for i, node in enumerate(ids):
        attrs: dict[str, Any] = {}
        for c, values in columns.items():
            raw = None if values is None else values[i]
            attrs[c] = _flag(raw) if c == "international_links" else _text(raw)
        graph.add_node(str(node), **attrs)
    if len(relations) == 0:
        return graph
    ties = active_relations(relations, year, actors)
    ties = ties.loc[ties["source_type"].eq("actor") & ties["target_type"].eq("actor")]
    if len(ties) == 0:
        return graph
    src = ties["source"].astype(str).to_numpy()
    dst = ties["target"].astype(str).to_numpy()
    keep = src != dst
    lo = np.where(src < dst, src, dst)[keep]
    hi = np.where(src < dst, dst, src)[keep]
    counts = pd.DataFrame({"u": lo, "v": hi}).value_counts(sort=False)
    graph.add_weighted_edges_from(
        (u, v, int(n)) for u, v, n in zip(
            counts.index.get_level_values("u"), counts.index.get_level_values("v"),
            counts.to_numpy(), strict=True,
        )
    )
    return graph


def to_igraph(graph: nx.Graph, weight: str = "weight") -> tuple[ig.Graph, list[Hashable]]:
    """The igraph copy of an undirected networkx graph, and its node order.

    Vertex *i* of the result is ``nodes[i]``; edge weights (default 1) are in the
    ``weight`` edge attribute.
    """
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in graph.edges]
    g = ig.Graph(n=len(nodes), edges=edges, directed=False)
    g.es["weight"] = [float(d.get(weight, 1.0)) for _, _, d in graph.edges(data=True)]
    return g, nodes


def _component_labels(g: ig.Graph, nodes: Sequence[Hashable]) -> np.ndarray:
    """Component of each vertex; 0 = largest, ties broken by the smallest node id."""
    membership = np.asarray(g.connected_components().membership, dtype=np.int64)
    return _relabel(membership, nodes)


def _relabel(membership: np.ndarray, nodes: Sequence[Hashable]) -> np.ndarray:
    """Relabel groups by decreasing size, then by their smallest node id (as str)."""
    n = len(membership)
    if n == 0:
        return membership
    names = np.asarray([str(v) for v in nodes], dtype=object)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(names, kind="stable")] = np.arange(n)
    k = int(membership.max()) + 1
    sizes = np.bincount(membership, minlength=k)
    first = np.full(k, n, dtype=np.int64)
    np.minimum.at(first, membership, rank)
    mapping = np.empty(k, dtype=np.int64)
    mapping[np.lexsort((first, -sizes))] = np.arange(k)
    return mapping[membership]


def communities(g: ig.Graph, nodes: Sequence[Hashable], seed: int | None = None) -> np.ndarray:
    """Leiden communities (modularity objective, weighted, seeded) of an igraph graph.

    Labels are relabelled by decreasing size (0 = largest); an isolated vertex is its own
    community. The seed defaults to ``settings.network_community_seed``.
    """
    if g.vcount() == 0:
        return np.zeros(0, dtype=np.int64)
    seed = get_settings().network_community_seed if seed is None else seed
    if g.ecount() == 0:
        return _relabel(np.arange(g.vcount()), nodes)
    ig.set_random_number_generator(random.Random(seed))
    try:
        parts = g.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=-1
        )
    finally:
        ig.set_random_number_generator(random)
    return _relabel(np.asarray(parts.membership, dtype=np.int64), nodes)


def _betweenness(g: ig.Graph) -> np.ndarray:
    """Unweighted betweenness, normalised as networkx does for undirected graphs."""
    n = g.vcount()
    if n <= 2 or g.ecount() == 0:
        return np.zeros(n)
    raw = np.asarray(g.betweenness(directed=False), dtype=float)
    # networkx: each unordered pair counted once, divided by (n-1)(n-2)/2.
    return raw * 2.0 / ((n - 1) * (n - 2))


def _closeness(g: ig.Graph, sizes: np.ndarray) -> np.ndarray:
    """Closeness as networkx's ``closeness_centrality`` (Wasserman–Faust scaling)."""
    n = g.vcount()
    if n <= 1:
        return np.zeros(n)
    raw = np.asarray(g.closeness(normalized=True), dtype=float)  # (r-1) / sum of distances
    raw = np.nan_to_num(raw, nan=0.0)
    return raw * (sizes - 1) / (n - 1)


def coordinators(graph: nx.Graph, actors: pd.DataFrame) -> set[str]:
    """Ids of the coordinators: actors whose betweenness in their région's actor graph is
    in the top ``settings.coordinator_top_share`` and who are tied to at least
    ``settings.coordinator_min_categories`` categories.

    "Top 5 %" of a région with ``n`` active actors: a betweenness at least the
    ``k``-th largest of the région, ``k = ceil(0.05 n)``, and above 0. The région's
    graph keeps the ties between two actors of the région. The metrics come from one
    call of :func:`actor_metrics` on the union of the régions'
    graphs: a betweenness there is the one in the actor's own région up to a factor
    common to all actors (the normalisation), which changes neither the order nor the
    sign that the rule reads.

    Parameters
    ----------
    graph : networkx.Graph
        :func:`actor_graph` of the year.
    actors : DataFrame
        The active actors (``id``, ``region``).
    """
    s = get_settings()
    region_of = dict(zip(actors["id"].astype(str), actors["region"].astype(str), strict=True))
    regions = {region_of.get(str(v), "") for v in graph.nodes}
    if len(regions) <= 1:
        regional = graph
    else:
        regional = nx.Graph()
        regional.add_nodes_from(graph.nodes(data=True))
        regional.add_edges_from(
            (u, v, d) for u, v, d in graph.edges(data=True)
            if region_of.get(str(u), "") == region_of.get(str(v), ""))
    metrics = actor_metrics(regional)
    if not len(metrics):
        return set()
    ids = metrics.index.astype(str).to_numpy(dtype=object)
    region = np.array([region_of.get(i, "") for i in ids], dtype=object)
    b = metrics["betweenness"].astype(float).to_numpy()
    tied = metrics["n_tied_categories"].astype(float).to_numpy()
    out: set[str] = set()
    for r in sorted(set(region.tolist())):
        sel = region == r
        k = max(1, math.ceil(s.coordinator_top_share * int(sel.sum())))
        threshold = np.sort(b[sel])[::-1][k - 1]
        keep = sel & (b >= threshold) & (b > 0) & (tied >= s.coordinator_min_categories)
        out |= set(ids[keep].tolist())
    return out


def local_components(
    territory: np.ndarray, edges: np.ndarray, n_territories: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The local network of every territory: the ties between two of its actors.

    Parameters
    ----------
    territory : array of int (n_actors,)
        Position of each actor's territory (-1: none).
    edges : array of int (n_ties, 2)
        Actor–actor ties, as actor positions.
    n_territories : int

    Returns
    -------
    n_ties : ndarray of int
        Ties whose two ends lie in the territory.
    n_components : ndarray of int
        Components of the local network (an actor without local tie is one).
    largest : ndarray of int
        Actors in its largest local component (0 without actors).

    Examples
    --------
    >>> local_components(np.array([0, 0, 0, 1, -1]), np.array([[0, 1], [2, 3], [3, 4]]), 2)
    (array([1, 0]), array([2, 1]), array([2, 1]))
    """
    territory = np.asarray(territory, dtype=np.int64)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    m = len(territory)
    same = territory[edges[:, 0]] == territory[edges[:, 1]]
    local = edges[same & (territory[edges[:, 0]] >= 0)]
    n_ties = np.bincount(territory[local[:, 0]], minlength=n_territories).astype(np.int64)
    adjacency = sparse.coo_array((np.ones(len(local)), (local[:, 0], local[:, 1])),
                                 shape=(m, m))
    _, labels = csgraph.connected_components(adjacency, directed=False)
    keep = territory >= 0
    pairs = pd.DataFrame({"pos": territory[keep], "label": labels[keep]})
    sizes = pairs.groupby(["pos", "label"]).size()
    n_components = np.zeros(n_territories, dtype=np.int64)
    largest = np.zeros(n_territories, dtype=np.int64)
    if len(sizes):
        per = sizes.groupby(level=0)
        n_components[per.size().index.to_numpy()] = per.size().to_numpy()
        largest[per.max().index.to_numpy()] = per.max().to_numpy()
    return n_ties, n_components, largest


def actor_metrics(graph: nx.Graph) -> pd.DataFrame:
    """Per-actor metrics of an actor graph.

    Parameters
    ----------
    graph : networkx.Graph
        An undirected graph, usually from :func:`actor_graph` (a node without a
        ``category`` attribute counts as category ``""``).

    Returns
    -------
    DataFrame
        Indexed by actor id (index name ``id``, in the graph's node order), columns:

        ``degree``
            Number of distinct actors it is tied to.
        ``weighted_degree``
            Sum of its edge weights (number of ties).
        ``betweenness``
            Unweighted betweenness, normalised by ``(n-1)(n-2)/2`` as networkx's
            ``betweenness_centrality`` (0 when ``n <= 2``).
        ``closeness``
            networkx's ``closeness_centrality`` (unweighted; within its component, scaled
            by the component's share of the graph, Wasserman–Faust): 0 for an isolated actor.
        ``component``, ``component_size``
            Connected component (0 = largest; ties by smallest member id) and its size.
        ``community``
            Leiden community (modularity, weighted, seeded with
            ``settings.network_community_seed``), 0 = largest.
        ``n_tied_categories``
            Number of distinct categories among the actors it is tied to.
        ``bridges_communities``
            True when it is tied to at least one actor of another community.

    Examples
    --------
    >>> g = nx.path_graph(["a", "b", "c"])
    >>> m = actor_metrics(g)
    >>> m["betweenness"].tolist(), m["degree"].tolist()
    ([0.0, 1.0, 0.0], [1, 2, 1])
    """
    g, nodes = to_igraph(graph)
    n = len(nodes)
    comp = _component_labels(g, nodes)
    sizes = np.bincount(comp, minlength=int(comp.max()) + 1 if n else 0)[comp] if n else comp
    comm = communities(g, nodes)
    categories = np.asarray([_text(graph.nodes[v].get("category")) for v in nodes], dtype=object)
    n_cats = np.zeros(n, dtype=np.int64)
    bridges = np.zeros(n, dtype=bool)
    adjacency = g.get_adjlist()
    for i, neigh in enumerate(adjacency):
        if neigh:
            n_cats[i] = len(set(categories[neigh]))
            bridges[i] = bool((comm[neigh] != comm[i]).any())
    frame = pd.DataFrame(
        {
            "degree": np.asarray(g.degree(), dtype=np.int64),
            "weighted_degree": np.asarray(g.strength(weights="weight"), dtype=float),
            "betweenness": _betweenness(g),
            "closeness": _closeness(g, sizes.astype(float)),
            "component": comp,
            "component_size": sizes.astype(np.int64),
            "community": comm,
            "n_tied_categories": n_cats,
            "bridges_communities": bridges,
        },
        index=pd.Index([str(v) for v in nodes], name="id", dtype=object),
    )
    return frame


# ---------------------------------------------------------------------------
# inputs of a year
# ---------------------------------------------------------------------------


@dataclass
class NetworkData:
    """The layers a network analysis of one year reads.

    Attributes
    ----------
    year : int
    actors : GeoDataFrame
        The actors layer, every year (activity is applied where needed).
    relations : DataFrame
        The relations layer, every year.
    firms : GeoDataFrame
        The firm observations of ``year``.
    territories : GeoDataFrame
        The territories layer (every level).
    """

    year: int
    actors: gpd.GeoDataFrame
    relations: pd.DataFrame
    firms: gpd.GeoDataFrame
    territories: gpd.GeoDataFrame

    @classmethod
    def from_registry(cls, registry: Registry, year: int, firms: bool = True) -> NetworkData:
        """Read the layers of ``registry`` for ``year`` (``firms=False``: no firm)."""
        frame = registry.firms(year) if firms else registry.read("firms", where="0 = 1")
        return cls(int(year), registry.actors(), registry.relations(), frame,
                   registry.territories())

    def graph(self) -> nx.Graph:
        """:func:`actor_graph` of the year."""
        return actor_graph(self.actors, self.relations, self.year)

    def live_actors(self) -> gpd.GeoDataFrame:
        """The actors active in the year, ``id`` as str, in layer order."""
        live = active_actors(self.actors, self.year)
        return live.assign(id=live["id"].astype(str))

    def territories_of(self, level: str) -> pd.DataFrame:
        """``code`` and ``name`` of the territories of ``level`` (sorted by code)."""
        terr = self.territories
        if len(terr) and "level" in terr.columns:
            terr = terr.loc[terr["level"].eq(level), ["code", "name"]]
        else:
            terr = pd.DataFrame({"code": pd.Series([], dtype="str"),
                                 "name": pd.Series([], dtype="str")})
        terr = pd.DataFrame(terr).drop_duplicates("code")
        return terr.assign(code=terr["code"].astype(str)).sort_values("code").reset_index(
            drop=True)


def firm_ties(
    relations: pd.DataFrame, year: int, actors: pd.DataFrame, firms: pd.DataFrame
) -> pd.DataFrame:
    """The actor–firm and firm–firm ties active in ``year`` (both ends active).

    Returns the rows of the relations layer with a column ``pair`` added:
    ``"actor-firm"`` (accompaniment, membership...; the actor end is moved to ``source``
    and the firm to ``target``) or ``"firm-firm"`` (export groups).
    """
    with_firm = relations["source_type"].ne("actor") | relations["target_type"].ne("actor")
    if not with_firm.any():
        return relations.iloc[0:0].assign(pair=pd.Series([], dtype="str"))
    ties = active_relations(relations.loc[with_firm], year, actors, firms)
    is_actor_src = ties["source_type"].eq("actor")
    is_actor_dst = ties["target_type"].eq("actor")
    mixed = ties.loc[is_actor_src ^ is_actor_dst].copy()
    flip = mixed["target_type"].eq("actor").to_numpy()
    if flip.any():
        src = mixed["source"].to_numpy(dtype=object).copy()
        dst = mixed["target"].to_numpy(dtype=object).copy()
        src[flip], dst[flip] = dst[flip], src[flip].copy()
        mixed["source"], mixed["target"] = src, dst
        mixed["source_type"], mixed["target_type"] = "actor", "firm"
    mixed["pair"] = "actor-firm"
    both = ties.loc[~is_actor_src & ~is_actor_dst].copy()
    both["pair"] = "firm-firm"
    return pd.concat([mixed, both], ignore_index=True)


# ---------------------------------------------------------------------------
# whole-graph measures
# ---------------------------------------------------------------------------

#: Sources per block of breadth-first searches (memory: block x n distances).
_BFS_BLOCK = 512


def adjacency_matrix(g: ig.Graph) -> sparse.csr_matrix:
    """Symmetric sparse adjacency matrix (CSR) of an undirected igraph graph."""
    n = g.vcount()
    edges = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _distance_blocks(g: ig.Graph) -> Iterator[np.ndarray]:
    """Unweighted shortest-path lengths, ``_BFS_BLOCK`` source rows at a time (inf when
    unreachable)."""
    n = g.vcount()
    adj = adjacency_matrix(g)
    for start in range(0, n, _BFS_BLOCK):
        rows = np.arange(start, min(n, start + _BFS_BLOCK))
        yield csgraph.shortest_path(adj, method="D", unweighted=True, directed=False,
                                    indices=rows)


#: Below this many vertices, all distances are taken at once from igraph.
_SMALL_GRAPH = 300


def inverse_distance_sum(dist: np.ndarray) -> float:
    """Sum of ``1 / d`` over a block of shortest-path lengths, the diagonal (0) and
    unreachable pairs (inf) counting 0.

    Examples
    --------
    >>> inverse_distance_sum(np.array([[0, 1, np.inf], [1, 0, np.inf], [np.inf, np.inf, 0]]))
    2.0
    """
    with np.errstate(divide="ignore"):
        inv = 1.0 / np.asarray(dist, dtype=float)
    inv[~np.isfinite(inv)] = 0.0
    return float(inv.sum())


def efficiency_from_distances(dist: np.ndarray) -> float:
    """Global efficiency from the full matrix of shortest-path lengths (NaN below 2 nodes).

    Examples
    --------
    >>> efficiency_from_distances(np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]]))
    0.8333333333333334
    """
    n = len(dist)
    if n < 2:
        return float("nan")
    return inverse_distance_sum(dist) / (n * (n - 1))


def shortest_path_lengths(g: ig.Graph) -> np.ndarray:
    """Unweighted shortest-path lengths of every pair (inf when unreachable)."""
    if g.vcount() == 0:
        return np.zeros((0, 0))
    return csgraph.shortest_path(adjacency_matrix(g), method="D", unweighted=True,
                                 directed=False)


def _efficiency(g: ig.Graph) -> float:
    n = g.vcount()
    if n < 2:
        return float("nan")
    if g.ecount() == 0:
        return 0.0
    if n <= _SMALL_GRAPH:
        return efficiency_from_distances(np.asarray(g.distances(), dtype=float))
    total = sum(inverse_distance_sum(block) for block in _distance_blocks(g))
    return total / (n * (n - 1))


def global_efficiency(graph: nx.Graph) -> float:
    """Global efficiency (Latora & Marchiori 2001) as networkx's ``global_efficiency``:
    the mean of ``1 / d(u, v)`` over ordered pairs of distinct nodes (0 when not
    connected); NaN for fewer than 2 nodes (networkx gives 0).

    Examples
    --------
    >>> round(global_efficiency(nx.path_graph(3)), 6)
    0.833333
    """
    g, _ = to_igraph(graph)
    return _efficiency(g)


def _centralisation(degrees: np.ndarray) -> float:
    """Freeman degree centralisation: ``sum(max - d_i) / ((n-1)(n-2))`` (1 for a star)."""
    n = len(degrees)
    if n < 3:
        return float("nan")
    return float((degrees.max() - degrees).sum() / ((n - 1) * (n - 2)))


def _modularity(g: ig.Graph, membership: np.ndarray) -> float:
    if g.ecount() == 0:
        return float("nan")
    return float(g.modularity(membership.tolist(), weights="weight"))


# ---------------------------------------------------------------------------
# per territory
# ---------------------------------------------------------------------------

#: Columns of :func:`territory_metrics` after ``level``, ``code``, ``name``.
TERRITORY_METRIC_COLUMNS: tuple[str, ...] = (
    "n_actors", "n_ties", "n_external_ties", "density", "n_components",
    "largest_component_share", "n_isolated", "n_communities", "modularity",
    "centralisation", "efficiency", "n_regional_components", "main_component_share",
    "n_regionally_isolated", "n_international", "n_coordinators", "n_actor_firm_ties",
    "n_firm_firm_ties",
)


def _territory_row(
    g: ig.Graph, idx: np.ndarray, degree: np.ndarray, component: np.ndarray,
    international: np.ndarray, coordinator: np.ndarray,
) -> dict[str, float]:
    n = len(idx)
    row: dict[str, float] = {c: 0 for c in TERRITORY_METRIC_COLUMNS}
    row["n_actors"] = n
    for c in ("density", "largest_component_share", "modularity", "centralisation",
              "efficiency", "main_component_share"):
        row[c] = float("nan")
    if n == 0:
        return row
    sub = g.induced_subgraph(idx.tolist())
    nodes = [str(i) for i in idx]
    deg = np.asarray(sub.degree(), dtype=np.int64)
    full_deg = degree[idx]
    comm = communities(sub, nodes)
    row.update(
        n_external_ties=int(full_deg.sum() - 2 * sub.ecount()),
        n_isolated=int((deg == 0).sum()),
        n_communities=int(len(np.unique(comm))),
        modularity=_modularity(sub, comm),
        centralisation=_centralisation(deg),
        efficiency=_efficiency(sub),
        n_regional_components=int(len(np.unique(component[idx]))),
        main_component_share=float((component[idx] == 0).mean()),
        n_regionally_isolated=int((full_deg == 0).sum()),
        n_international=int(international[idx].sum()),
        n_coordinators=int(coordinator[idx].sum()),
    )
    return row


def territory_metrics(
    graph: nx.Graph,
    level: str,
    *,
    metrics: pd.DataFrame | None = None,
    territories: pd.DataFrame | None = None,
    ties: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    coordinators: set[str] | None = None,
) -> pd.DataFrame:
    """Network measures of each territory of ``level`` (and of the whole graph for
    ``level="region"`` when the graph holds one région).

    The territory's actors are the nodes whose ``level`` attribute (``commune``,
    ``epci``, ``departement``, ``region``) is its code; its *local network* is the
    subgraph they induce (ties between two of them).

    Parameters
    ----------
    graph : networkx.Graph
        :func:`actor_graph` of the year.
    level : {"commune", "epci", "departement", "region"}
    metrics : DataFrame, optional
        :func:`actor_metrics` of ``graph`` (computed when omitted).
    territories : DataFrame, optional
        ``code``, ``name`` of the territories of ``level`` to list (territories without
        actors get a row of zeros); default the codes present among the actors.
    ties : DataFrame, optional
        :func:`firm_ties` of the year, for ``n_actor_firm_ties`` and ``n_firm_firm_ties``.
    firms : DataFrame, optional
        Firm observations of the year (``firm_id`` and ``level``), to place firm–firm ties.
    coordinators : set of str, optional
        Ids of the coordinators (:func:`ecosystem.indicators.coordinators`).

    Returns
    -------
    DataFrame
        One row per territory, sorted by code: ``level``, ``code``, ``name``, then

        - ``n_actors``; ``n_ties`` (pairs of actors of the territory tied together);
          ``n_external_ties`` (pairs with one end outside); ``density`` = ``2 n_ties /
          (n (n-1))``;
        - local network: ``n_components``, ``largest_component_share`` (share of its
          actors in its largest local component), ``n_isolated`` (actors tied to no
          other actor of the territory), ``n_communities`` and ``modularity`` (Leiden on
          the local network; NaN without ties), ``centralisation`` (Freeman degree
          centralisation, ``sum(max d - d_i) / ((n-1)(n-2))``: 1 for a star, 0 for a
          regular graph; NaN below 3 actors), ``efficiency`` (global efficiency of the
          local network);
        - in the whole graph: ``n_regional_components`` (components its actors belong
          to), ``main_component_share`` (share of its actors in the largest component),
          ``n_regionally_isolated`` (actors without any actor–actor tie);
        - ``n_international`` (actors with ``international_links``), ``n_coordinators``,
          ``n_actor_firm_ties`` (active actor–firm ties of its actors),
          ``n_firm_firm_ties`` (active firm–firm ties whose first firm lies in it).
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {list(TERRITORY_LEVELS)}")
    g, nodes = to_igraph(graph)
    if metrics is None:
        metrics = actor_metrics(graph)
    metrics = metrics.reindex([str(v) for v in nodes])
    codes = np.asarray([_text(graph.nodes[v].get(level)) for v in nodes], dtype=object)
    international = np.asarray(
        [_flag(graph.nodes[v].get("international_links")) for v in nodes], dtype=bool)
    coord = np.asarray([str(v) in (coordinators or set()) for v in nodes], dtype=bool)
    if territories is None:
        terr = pd.DataFrame({"code": sorted(set(codes) - {""}), "name": ""})
    else:
        terr = pd.DataFrame(territories)[["code", "name"]].astype({"code": str})
        extra = sorted(set(codes) - {""} - set(terr["code"]))
        terr = pd.concat([terr, pd.DataFrame({"code": extra, "name": ""})], ignore_index=True)
    terr = terr.drop_duplicates("code").sort_values("code").reset_index(drop=True)
    by_code = pd.Series(np.arange(len(nodes)), dtype=np.int64).groupby(codes).apply(
        lambda s: s.to_numpy()) if len(nodes) else pd.Series(dtype=object)
    # ties, components and largest component of each local network: the function the
    # indicators use (network_cohesion, coordination_density)
    position = pd.Index(terr["code"]).get_indexer(pd.Index(codes, dtype=object))
    n_ties, n_comp, largest = local_components(
        position, np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2), len(terr))
    rows = []
    degree = metrics["degree"].to_numpy(dtype=np.int64)
    component = metrics["component"].to_numpy(dtype=np.int64)
    for code in terr["code"]:
        idx = by_code.get(code, np.zeros(0, dtype=np.int64))
        rows.append(_territory_row(g, np.asarray(idx, dtype=np.int64), degree, component,
                                   international, coord))
    out = pd.DataFrame(rows, columns=list(TERRITORY_METRIC_COLUMNS))
    n = out["n_actors"].to_numpy(dtype=float)
    out["n_ties"] = n_ties
    out["n_components"] = n_comp
    # as the indicators (network_cohesion, coordination_density): 0 without actors (or
    # with a single one for the density), the catalogue's "missing is not zero" rule
    with np.errstate(invalid="ignore", divide="ignore"):
        out["largest_component_share"] = np.where(n > 0, largest / np.maximum(n, 1), 0.0)
        out["density"] = np.where(n > 1, 2 * n_ties / np.maximum(n * (n - 1), 1), 0.0)
    out.insert(0, "name", terr["name"].fillna("").astype(str).to_numpy())
    out.insert(0, "code", terr["code"].to_numpy())
    out.insert(0, "level", level)
    if ties is not None and len(ties):
        where = dict(zip(map(str, nodes), codes, strict=True))
        af = ties.loc[ties["pair"].eq("actor-firm"), "source"].astype(str).map(where)
        out["n_actor_firm_ties"] = out["code"].map(af.value_counts()).fillna(0).astype(int)
        pairs = ties.loc[ties["pair"].eq("firm-firm"), "source"].astype(str)
        if len(pairs) and firms is not None and level in firms.columns:
            place = pd.Series(firms[level].astype(str).to_numpy(),
                              index=firms["firm_id"].astype(str).to_numpy())
            place = place[~place.index.duplicated()]
            ff = pairs.map(place)
            out["n_firm_firm_ties"] = out["code"].map(ff.value_counts()).fillna(0).astype(int)
    for c in TERRITORY_METRIC_COLUMNS:
        if c not in ("density", "largest_component_share", "modularity", "centralisation",
                     "efficiency", "main_component_share"):
            out[c] = out[c].astype(np.int64)
    return out


# ---------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------

#: Columns of ``actors.csv`` (:func:`actor_table`).
ACTOR_TABLE_COLUMNS: tuple[str, ...] = (
    "id", "name", "category", "commune", "epci", "departement", "region",
    "international_links", "degree", "weighted_degree", "betweenness", "closeness",
    "component", "component_size", "community", "n_tied_categories", "bridges_communities",
    "coordinator", "lat", "lon",
)


def _python(value: Any) -> Any:
    """A GraphML-friendly Python scalar."""
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def actor_table(
    graph: nx.Graph, actors: gpd.GeoDataFrame, metrics: pd.DataFrame | None = None,
    coordinators: set[str] | None = None,
) -> pd.DataFrame:
    """One row per active actor (node of ``graph``) with its attributes and metrics.

    Columns :data:`ACTOR_TABLE_COLUMNS`; ``coordinator`` says whether the actor is in
    ``coordinators``; ``lat``/``lon`` are WGS84 (empty without a point).
    """
    if metrics is None:
        metrics = actor_metrics(graph)
    ids = [str(v) for v in graph.nodes]
    table = pd.DataFrame({"id": ids})
    for c in ("name", "category", "commune", "epci", "departement", "region"):
        table[c] = [_text(graph.nodes[v].get(c)) for v in graph.nodes]
    table["international_links"] = [_flag(graph.nodes[v].get("international_links"))
                                    for v in graph.nodes]
    table = table.join(metrics.reindex(ids).reset_index(drop=True))
    table["coordinator"] = table["id"].isin(coordinators or set())
    lat = np.full(len(table), np.nan)
    lon = np.full(len(table), np.nan)
    if isinstance(actors, gpd.GeoDataFrame) and len(actors) and actors.crs is not None:
        pts = actors.assign(id=actors["id"].astype(str)).drop_duplicates("id").set_index("id")
        geom = gpd.GeoSeries(pts.geometry.reindex(ids).to_numpy(), crs=actors.crs)
        ok = ~(geom.isna() | geom.is_empty).to_numpy()
        if ok.any():
            wgs = geom[ok].to_crs(WGS84)
            lat[ok], lon[ok] = wgs.y.to_numpy(), wgs.x.to_numpy()
    table["lat"], table["lon"] = lat, lon
    return table[list(ACTOR_TABLE_COLUMNS)]


def write_graphml(graph: nx.Graph, table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the actor graph as GraphML (Gephi, yEd, Cytoscape open it).

    Nodes carry ``label`` (the actor's name) and every column of ``table``
    (:func:`actor_table`; missing numbers become NaN, missing text ``""``); edges carry
    ``weight`` (number of ties). Written atomically.
    """
    path = Path(path)
    out = nx.Graph(year=_python(graph.graph.get("year", "")))
    rows = table.set_index("id")
    for v in graph.nodes:
        attrs = {"label": _text(graph.nodes[v].get("name"))}
        if str(v) in rows.index:
            for c, value in rows.loc[str(v)].items():
                attrs[str(c)] = _text(value) if isinstance(value, str) or value is None \
                    else _python(value)
        out.add_node(str(v), **attrs)
    out.add_edges_from((str(u), str(v), {"weight": int(d.get("weight", 1))})
                       for u, v, d in graph.edges(data=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        nx.write_graphml(out, tmp, encoding="utf-8", prettyprint=True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


#: Territory levels of ``territories.csv``, broadest first.
REPORT_LEVELS: tuple[str, ...] = ("region", "departement", "epci")


@dataclass
class Analysis:
    """Everything :func:`analyse` computes for a year."""

    graph: nx.Graph
    metrics: pd.DataFrame
    coordinators: set[str]
    actor_table: pd.DataFrame
    territories: pd.DataFrame
    ties: pd.DataFrame


def analyse(
    data: NetworkData,
    levels: Sequence[str] = REPORT_LEVELS,
    coordinators_of: Any = None,
) -> Analysis:
    """The full network analysis of ``data``: graph, actor metrics, coordinators, the
    actor table and :func:`territory_metrics` for each of ``levels`` (stacked).

    ``coordinators_of(graph, live_actors)`` returns the coordinator ids (default
    :func:`coordinators`).
    """
    if coordinators_of is None:
        coordinators_of = coordinators
    graph = data.graph()
    metrics = actor_metrics(graph)
    live = data.live_actors()
    coords = set(coordinators_of(graph, live)) if len(live) else set()
    table = actor_table(graph, live, metrics, coords)
    ties = firm_ties(data.relations, data.year, data.actors, data.firms) \
        if len(data.relations) else pd.DataFrame(columns=["source", "target", "pair"])
    frames = [
        territory_metrics(graph, level, metrics=metrics, territories=data.territories_of(level),
                          ties=ties, firms=data.firms, coordinators=coords)
        for level in levels
    ]
    return Analysis(graph, metrics, coords, table, pd.concat(frames, ignore_index=True), ties)


def central_actors(table: pd.DataFrame, level: str, code: str,
                   top: int | None = None) -> pd.DataFrame:
    """The most central actors of a territory, from :func:`actor_table`.

    Parameters
    ----------
    table : DataFrame
        :func:`actor_table` (or :attr:`Analysis.actor_table`) of the year.
    level : str
        Territory level (``commune``, ``epci``, ``departement``, ``region``).
    code : str
        Territory code.
    top : int, optional
        How many to keep (default: all the territory's actors).

    Returns
    -------
    DataFrame
        The rows of ``table`` of the territory's actors, by decreasing betweenness (in
        the whole graph of the year), then decreasing degree, then ``id``.

    Examples
    --------
    >>> t = pd.DataFrame({"id": ["a", "b", "c", "d"], "departement": ["34", "34", "34", "30"],
    ...                   "betweenness": [0.1, 0.5, 0.1, 0.9], "degree": [2, 1, 3, 4]})
    >>> central_actors(t, "departement", "34", top=2)["id"].tolist()
    ['b', 'c']
    """
    mine = table.loc[table[level].astype(str).eq(str(code))].sort_values(
        ["betweenness", "degree", "id"], ascending=[False, False, True])
    return mine if top is None else mine.head(top)


def territory_data(data: NetworkData, level: str, code: str) -> NetworkData:
    """The layers of one territory, for the planning of :mod:`ecosystem.planning`.

    Every actor and tie stays (a firm may be served or tied from outside the territory);
    the firms are those of the territory and the territories its communes only (the
    candidate relay sites).

    Parameters
    ----------
    data : NetworkData
        Layers of the year.
    level : {"commune", "epci", "departement", "region"}
    code : str
        Territory code.
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {list(TERRITORY_LEVELS)}")
    terr = data.territories
    communes = terr.loc[terr["level"].eq("commune")]
    communes = communes.loc[communes["code" if level == "commune" else level].astype(str)
                            .eq(str(code))]
    firms = data.firms.loc[data.firms[level].astype(str).eq(str(code))]
    return NetworkData(data.year, data.actors, data.relations, firms, communes)
