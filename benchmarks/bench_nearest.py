"""Benchmark: nearest actor of every category for every firm.

Synthetic France-wide registry (1,000,000 firms, 2,000 actors in the 20 categories;
``--quick``: 100,000 firms), one year. Compares, as medians of several repeats:

- ``ecosystem.proximity.nearest_actors`` (activity filter, KD-tree per category with
  the smallest-id tie rule, output table);
- ``geopandas.sjoin_nearest`` once per category (the geopandas way);
- a bare ``scipy.spatial.cKDTree`` build and query per category on the projected
  coordinate arrays (the floor).

Run: ``.venv/bin/python benchmarks/bench_nearest.py [--quick] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _points import france_points  # noqa: E402

from ecosystem import proximity  # noqa: E402
from ecosystem.settings import CATEGORIES, LAMBERT93  # noqa: E402

YEAR = 2025



def synthetic(n_firms: int, n_actors: int, seed: int = 2025):
    rng = np.random.default_rng(seed)
    cats = list(CATEGORIES)
    axy = france_points(rng, n_actors)
    actors = gpd.GeoDataFrame(
        {
            "id": [f"ACT{k:05d}" for k in range(n_actors)],
            "name": [f"Acteur {k}" for k in range(n_actors)],
            "category": [cats[k % len(cats)] for k in range(n_actors)],
            "since": rng.choice([1990, 2010, 2024], n_actors),
            "until": pd.array([pd.NA] * n_actors, dtype="Int64"),
            "capacity": rng.choice([np.nan, 80.0, 150.0, 400.0], n_actors),
        },
        geometry=gpd.points_from_xy(axy[:, 0], axy[:, 1]),
        crs=LAMBERT93,
    )
    fxy = france_points(rng, n_firms)
    ids = np.char.mod("%014d", 10_000_000_000_000 + np.arange(n_firms))
    firms = gpd.GeoDataFrame(
        {
            "firm_id": ids,
            "siret": ids,
            "siren": ids.astype("U9"),
            "commune": rng.choice(["34172", "31555", "69123", "75056", "13055"], n_firms),
            "epci": "",
            "departement": "34",
            "region": "76",
            "stage": rng.choice(["local", "direct_export"], n_firms),
            "year": YEAR,
        },
        geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]),
        crs=LAMBERT93,
    )
    return firms, actors, fxy, axy


def interleaved(methods: dict, repeats: int) -> tuple[dict, dict]:
    """Median time and last result of each method, the methods taking turns each repeat
    (so that a burst of load on the machine does not favour one of them)."""
    times: dict = {name: [] for name in methods}
    results: dict = {}
    for _ in range(repeats):
        for name, fn in methods.items():
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 firms instead of 1,000,000")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per method")
    args = parser.parse_args()
    n_firms = 100_000 if args.quick else 1_000_000
    repeats = args.repeats or (5 if args.quick else 3)
    firms, actors, fxy, axy = synthetic(n_firms, 2_000)
    cats = list(CATEGORIES)
    # every actor active, so that the three methods measure the same thing
    actors["since"] = 1990
    print(f"{n_firms:,} firms, {len(actors):,} actors in {len(cats)} categories, "
          f"{repeats} repeats (medians)")

    cat_values = actors["category"].to_numpy()

    def bare():
        out = {}
        for c in cats:
            tree = cKDTree(axy[cat_values == c])
            out[c] = tree.query(fxy, k=1, workers=-1)
        return out

    left = firms[["firm_id", "geometry"]]

    def sjoin():
        out = {}
        for c in cats:
            right = actors.loc[actors["category"] == c, ["id", "geometry"]]
            joined = gpd.sjoin_nearest(left, right, how="left", distance_col="distance_m")
            out[c] = joined[~joined.index.duplicated()]  # ties give several rows
        return out

    medians, results = interleaved(
        {"ours": lambda: proximity.nearest_actors(firms, actors, YEAR), "bare": bare,
         "sjoin": sjoin},
        repeats,
    )
    t_ours, t_bare, t_sjoin = medians["ours"], medians["bare"], medians["sjoin"]
    table, bare_out, sjoin_out = results["ours"], results["bare"], results["sjoin"]

    # agreement
    worst_bare = worst_sjoin = 0.0
    for c in cats:
        km = table[f"{c}_km"].to_numpy()
        worst_bare = max(worst_bare, float(np.max(np.abs(km - bare_out[c][0] / 1000))))
        sj = sjoin_out[c]["distance_m"].to_numpy() / 1000
        worst_sjoin = max(worst_sjoin, float(np.max(np.abs(km - sj))))
    print(f"  max |distance difference| vs cKDTree: {worst_bare:.3g} km, "
          f"vs sjoin_nearest: {worst_sjoin:.3g} km")
    print(f"  proximity.nearest_actors : {t_ours:8.2f} s")
    print(f"  bare cKDTree per category: {t_bare:8.2f} s")
    print(f"  sjoin_nearest per category: {t_sjoin:7.2f} s")
    print(f"  ratio sjoin_nearest / ours: {t_sjoin / t_ours:6.1f}x  (required >= 5x)")
    print(f"  ratio ours / bare cKDTree : {t_ours / t_bare:6.2f}x  (required <= 2x)")


if __name__ == "__main__":
    main()
