"""Benchmark: 2SFCA for every firm against PySAL ``access``.

Synthetic France-wide registry (100,000 firms, 1,000 front-line actors with
capacities; ``--quick``: 10,000 firms), catchment *d* = 30 km. Compares, as medians
of several repeats:

- ``ecosystem.accessibility.firm_accessibility`` (KD-tree pairs within *d*, sparse
  matrix; computes both the 2SFCA and the E2SFCA);
- PySAL ``access`` used as its documentation shows: ``Access(...)``, its own
  Euclidean cost builder ``create_euclidean_distance(threshold=30_000)``, then
  ``two_stage_fca(max_cost=30_000)``.

and checks that the results agree to 1e-9 relative (firms without an actor within
*d*: 0 here, NaN in ``access``, compared as 0). The E2SFCA is checked too, with
``enhanced_two_stage_fca`` on the cost table ``access`` built (not timed).

Run: ``.venv/bin/python benchmarks/bench_2sfca.py [--quick] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from access import Access, weights

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _points import france_points  # noqa: E402

from ecosystem import accessibility  # noqa: E402
from ecosystem.settings import FRONT_LINE_CATEGORIES, LAMBERT93, get_settings  # noqa: E402

YEAR = 2025
D_KM = 30.0



def synthetic(n_firms: int, n_actors: int, seed: int = 2026):
    rng = np.random.default_rng(seed)
    cats = list(FRONT_LINE_CATEGORIES)
    axy = france_points(rng, n_actors)
    actors = gpd.GeoDataFrame(
        {
            "id": [f"ACT{k:05d}" for k in range(n_actors)],
            "category": [cats[k % len(cats)] for k in range(n_actors)],
            "since": 2000,
            "until": pd.array([pd.NA] * n_actors, dtype="Int64"),
            "capacity": rng.choice([np.nan, 60.0, 150.0, 400.0], n_actors),
        },
        geometry=gpd.points_from_xy(axy[:, 0], axy[:, 1]),
        crs=LAMBERT93,
    )
    fxy = france_points(rng, n_firms)
    ids = np.char.mod("%014d", 20_000_000_000_000 + np.arange(n_firms))
    firms = gpd.GeoDataFrame(
        {"firm_id": ids, "siret": ids, "commune": "34172", "year": YEAR},
        geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]),
        crs=LAMBERT93,
    )
    return firms, actors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 firms instead of 100,000")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per method")
    args = parser.parse_args()
    n_firms = 10_000 if args.quick else 100_000
    repeats = args.repeats or (5 if args.quick else 3)
    firms, actors = synthetic(n_firms, 1_000)
    default_capacity = get_settings().default_actor_capacity
    demand_df = gpd.GeoDataFrame(
        {"firm_id": firms["firm_id"].to_numpy(), "demand": 1.0},
        geometry=firms.geometry.to_numpy(), crs=LAMBERT93,
    )
    supply_df = gpd.GeoDataFrame(
        {"id": actors["id"].to_numpy(),
         "capacity": actors["capacity"].fillna(default_capacity).to_numpy()},
        geometry=actors.geometry.to_numpy(), crs=LAMBERT93,
    )
    print(f"{n_firms:,} firms, {len(actors):,} actors, d = {D_KM:g} km, "
          f"{repeats} repeats (medians)")

    def ours():
        return accessibility.firm_accessibility(firms, actors, YEAR, distance_km=D_KM)

    def pysal():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas deprecations inside access
            acc = Access(demand_df=demand_df, demand_index="firm_id", demand_value="demand",
                         supply_df=supply_df, supply_index="id", supply_value="capacity")
            acc.create_euclidean_distance(name="euclidean", threshold=D_KM * 1000)
            result = acc.two_stage_fca(name="2sfca", max_cost=D_KM * 1000)
        return acc, result

    times: dict[str, list[float]] = {"ours": [], "pysal": []}
    results: dict = {}
    for _ in range(repeats):  # the two take turns, so that load bursts hit both
        for name, fn in (("ours", ours), ("pysal", pysal)):
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
    t_ours = statistics.median(times["ours"])
    t_pysal = statistics.median(times["pysal"])

    table = results["ours"].set_index("firm_id")
    acc, two = results["pysal"]
    theirs = two["2sfca_capacity"].reindex(table.index).fillna(0.0).to_numpy()
    mine = table["access_2sfca"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bands = {b * 1000: w for b, w in get_settings().e2sfca_bands_km}
        enh = acc.enhanced_two_stage_fca(name="e2sfca", max_cost=D_KM * 1000,
                                         weight_fn=weights.step_fn(bands))
    theirs_e = enh["e2sfca_capacity"].reindex(table.index).fillna(0.0).to_numpy()
    mine_e = table["access_e2sfca"].to_numpy()

    def max_rel(a: np.ndarray, b: np.ndarray) -> float:
        scale = np.maximum(np.abs(a), np.abs(b))
        rel = np.divide(np.abs(a - b), scale, out=np.zeros_like(a), where=scale > 0)
        return float(rel.max())

    print(f"  firms with an actor within d: {(mine > 0).sum():,}; "
          f"pairs within d: {int(table['n_actors_within_d'].sum()):,}")
    print(f"  2SFCA  max relative difference vs access: {max_rel(mine, theirs):.2e} "
          f"(allclose rtol=1e-9: {np.allclose(mine, theirs, rtol=1e-9, atol=0)})")
    print(f"  E2SFCA max relative difference vs access: {max_rel(mine_e, theirs_e):.2e} "
          f"(allclose rtol=1e-9: {np.allclose(mine_e, theirs_e, rtol=1e-9, atol=0)})")
    print(f"  accessibility.firm_accessibility (2SFCA + E2SFCA): {t_ours:8.3f} s")
    print(f"  access: create_euclidean_distance + two_stage_fca: {t_pysal:8.3f} s")
    print(f"  ratio access / ours: {t_pysal / t_ours:7.1f}x  (required >= 50x)")


if __name__ == "__main__":
    main()
