"""Benchmark: the full network analysis of a national registry against networkx.

Synthetic France-wide layers (5,000 actors of every category, 50,000 actor–actor ties,
1,000,000 firms; ``--quick``: 1,000 / 10,000 / 100,000), territories on grids of 20 km
(EPCI), 100 km (départements) and 300 km (régions). Times, for one year:

- the **full network analysis**: :func:`ecosystem.network.analyse` (actor graph, every
  actor metric with igraph, coordinators, territory measures for the régions,
  départements and EPCI) followed by :func:`ecosystem.governance.governance_gaps` (every
  gap kind, with the nearest actor of each reference category and the unserved firms
  among the million firms);
- **networkx exact betweenness** (``networkx.betweenness_centrality``) on the same actor
  graph, alone,

checks that the two betweenness agree to 1e-9 and prints the ratio (required: the full
analysis at least 10x faster than networkx's betweenness alone).

Run: ``.venv/bin/python benchmarks/bench_network.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _points import XMIN, YMIN, france_points  # noqa: E402

from ecosystem.governance import governance_gaps  # noqa: E402
from ecosystem.network import NetworkData, analyse  # noqa: E402
from ecosystem.settings import CATEGORIES, LAMBERT93  # noqa: E402

YEAR = 2025



def codes(xy: np.ndarray) -> dict[str, np.ndarray]:
    """Territory codes of points: square cells of 20 km (EPCI), 100 km (département),
    300 km (région); the commune is a 5 km cell."""
    out = {}
    for level, size in (("commune", 5_000), ("epci", 20_000), ("departement", 100_000),
                        ("region", 300_000)):
        i = np.floor((xy[:, 0] - XMIN) / size).astype(int)
        j = np.floor((xy[:, 1] - YMIN) / size).astype(int)
        out[level] = np.char.add(np.char.add(level[0].upper() + np.char.mod("%03d", i), "-"),
                                 np.char.mod("%03d", j))
    return out


def synthetic(n_actors: int, n_ties: int, n_firms: int, seed: int = 2026) -> NetworkData:
    rng = np.random.default_rng(seed)
    cats = list(CATEGORIES)
    axy = france_points(rng, n_actors, n_towns=120)
    acodes = codes(axy)
    actors = gpd.GeoDataFrame(
        {
            "id": [f"ACT{k:05d}" for k in range(n_actors)],
            "name": [f"Actor {k}" for k in range(n_actors)],
            "category": [cats[k % len(cats)] for k in range(n_actors)],
            **acodes,
            "since": 2000,
            "until": pd.array([pd.NA] * n_actors, dtype="Int64"),
            "international_links": rng.random(n_actors) < 0.5,
        },
        geometry=gpd.points_from_xy(axy[:, 0], axy[:, 1]), crs=LAMBERT93,
    )
    # ties: 80 % with one of the 30 nearest actors, 20 % with any actor
    from scipy.spatial import cKDTree

    _, near = cKDTree(axy).query(axy, k=31)
    src = rng.integers(0, n_actors, n_ties)
    local = rng.random(n_ties) < 0.8
    dst = np.where(local, near[src, rng.integers(1, 31, n_ties)],
                   rng.integers(0, n_actors, n_ties))
    keep = src != dst
    ids = actors["id"].to_numpy()
    relations = pd.DataFrame({
        "source": ids[src[keep]], "target": ids[dst[keep]], "source_type": "actor",
        "target_type": "actor",
        "kind": rng.choice(["partnership", "cofunding", "joint_event", "referral"],
                           int(keep.sum())),
        "year": rng.integers(2000, YEAR + 1, int(keep.sum())),
        "until": pd.array([pd.NA] * int(keep.sum()), dtype="Int64"), "weight": 1.0,
    })
    fxy = france_points(rng, n_firms, n_towns=120)
    fids = np.char.mod("%014d", 20_000_000_000_000 + np.arange(n_firms))
    firms = gpd.GeoDataFrame(
        {"firm_id": fids, "siret": fids, "siren": np.char.ljust(fids, 9),
         "name": "", **codes(fxy), "year": YEAR, "stage": "direct_export",
         "posture": "proactive", "naf": "25.62A", "employees": 20, "diffusible": True},
        geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]), crs=LAMBERT93,
    )
    terr = []
    for level in ("commune", "epci", "departement", "region"):
        for code in np.unique(np.concatenate([acodes[level], firms[level].to_numpy()])):
            terr.append({"code": code, "level": level, "name": code})
    return NetworkData(YEAR, actors, relations, firms, pd.DataFrame(terr))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1,000 actors, 10,000 ties, 100,000 firms")
    args = parser.parse_args()
    n_actors, n_ties, n_firms = (1_000, 10_000, 100_000) if args.quick else \
        (5_000, 50_000, 1_000_000)
    data = synthetic(n_actors, n_ties, n_firms)
    print(f"{n_actors:,} actors, {len(data.relations):,} ties, {n_firms:,} firms")

    t0 = time.perf_counter()
    analysis = analyse(data)
    t_analyse = time.perf_counter() - t0
    t1 = time.perf_counter()
    gaps = governance_gaps(data, analysis=analysis)
    t_gaps = time.perf_counter() - t1
    t_full = t_analyse + t_gaps
    g = analysis.graph
    print(f"  actor graph: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges; "
          f"{int(analysis.metrics['component'].max()) + 1} components, "
          f"{int(analysis.metrics['community'].max()) + 1} communities, "
          f"{len(analysis.coordinators)} coordinators")
    print(f"  territories measured: {len(analysis.territories):,}; gaps found: {len(gaps):,}")
    print(f"  network.analyse (graph, metrics, coordinators, territories): {t_analyse:8.2f} s")
    print(f"  governance.governance_gaps (every firm: nearest, unserved):   {t_gaps:8.2f} s")
    print(f"  full network analysis:                                        {t_full:8.2f} s")

    t2 = time.perf_counter()
    bc = nx.betweenness_centrality(g)
    t_nx = time.perf_counter() - t2
    ours = analysis.metrics["betweenness"]
    diff = max(abs(ours[v] - bc[v]) for v in g.nodes)
    print(f"  networkx.betweenness_centrality (exact), alone:               {t_nx:8.2f} s")
    print(f"  max |betweenness - networkx| = {diff:.2e} (required <= 1e-9)")
    print(f"  ratio networkx betweenness / full analysis: {t_nx / t_full:6.1f}x "
          "(required >= 10x)")


if __name__ == "__main__":
    main()
