"""Benchmark: every territory indicator for every EPCI of France.

Synthetic national registry built on the real geography (every commune of France,
with its EPCI, département and région): 1,000,000 firms observed in 2025 and again
in 2024 (``--quick``: 100,000), placed near the town hall of a commune drawn in
proportion to its population; 2,000 actors in the 20 categories, 6,000 actor–actor
ties within each région and 20,000 actor–firm ties; 4,000 infrastructure points;
an FTTH share for every commune. Everything is built in memory (a registry file is
not the point here).

Times, as medians of several repeats:

- ``indicators.territory_indicators(level="epci")``: every indicator of the
  catalogue, the composite index and its Monte-Carlo rank uncertainty
  (``settings.imi_mc_draws`` draws);
- the nearest-actor steps alone (``unserved.nearest_front`` for the front line and
  ``nearest.nearest_actors`` for the reference categories, as the indicators call them),
  taken as the yardstick: the indicators
  must not cost more than 5 times that step.

Run: ``.venv/bin/python benchmarks/bench_indicators.py [--quick] [--repeats N]``.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecosystem import geography, indicators, unserved  # noqa: E402
from ecosystem.nearest import nearest_actors  # noqa: E402
from ecosystem.settings import (  # noqa: E402
    CATEGORIES,
    EXPORTING_STAGES,
    LAMBERT93,
    REFERENCE_CATEGORIES,
    get_settings,
)

YEAR = 2025


def _place(rng: np.random.Generator, communes: pd.DataFrame, n: int, power: float,
           jitter_m: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Draw ``n`` communes with probability ~ population ** power; points near the town
    hall."""
    weight = communes["population"].fillna(0).to_numpy(dtype=float) ** power + 1e-3
    pick = rng.choice(len(communes), n, p=weight / weight.sum())
    rows = communes.iloc[pick]
    xy = np.column_stack([rows["townhall_x"].to_numpy(), rows["townhall_y"].to_numpy()])
    xy = xy + rng.normal(0, jitter_m, (n, 2))
    return rows, xy


def synthetic(n_firms: int, seed: int = 2025) -> dict:
    rng = np.random.default_rng(seed)
    com = geography.communes()
    com = com[(com["type"] == "COM") & com["townhall_x"].notna()].reset_index(drop=True)
    com = pd.DataFrame(com.drop(columns="geometry"))

    n_actors = 2000
    cats = list(CATEGORIES)
    rows, axy = _place(rng, com, n_actors, 0.5, 500.0)
    actors = gpd.GeoDataFrame(
        {
            "id": [f"ACT{k:05d}" for k in range(n_actors)],
            "name": [f"Acteur {k}" for k in range(n_actors)],
            "category": [cats[k % len(cats)] for k in range(n_actors)],
            "commune": rows["code"].to_numpy(), "epci": rows["epci"].to_numpy(),
            "departement": rows["departement"].to_numpy(),
            "region": rows["region"].to_numpy(),
            "since": rng.choice([1990, 2010, 2025], n_actors, p=[0.6, 0.35, 0.05]),
            "until": pd.array([pd.NA] * n_actors, dtype="Int64"),
            "capacity": rng.choice([np.nan, 80.0, 150.0, 400.0], n_actors),
            "international_links": rng.random(n_actors) < 0.5,
        },
        geometry=gpd.points_from_xy(axy[:, 0], axy[:, 1]), crs=LAMBERT93,
    )

    rows, fxy = _place(rng, com, n_firms, 1.0, 1500.0)
    ids = np.char.mod("%014d", 10_000_000_000_000 + np.arange(n_firms))
    stages = np.array(["local", *EXPORTING_STAGES[:3]], dtype=object)
    stage = stages[rng.choice(4, n_firms, p=[0.67, 0.15, 0.15, 0.03])]
    exporting = stage != "local"
    base = {
        "firm_id": ids, "siret": ids, "siren": ids.astype("U9"),
        "commune": rows["code"].to_numpy(), "epci": rows["epci"].to_numpy(),
        "departement": rows["departement"].to_numpy(), "region": rows["region"].to_numpy(),
        "posture": rng.choice(np.array(["refusal", "reactive", "proactive"], dtype=object),
                              n_firms),
        "iso": rng.choice(np.array(["", "", "", "9001", "9001|14001", "9002", "14001"],
                                   dtype=object), n_firms),
        "created": pd.array(rng.integers(1980, 2025, n_firms), dtype="Int64"),
        "export_share": np.where(exporting, rng.uniform(0.0, 0.6, n_firms), 0.0),
        "groupement": np.where(rng.random(n_firms) < 0.01, "G", ""),
    }
    firms = gpd.GeoDataFrame({**base, "stage": stage, "year": YEAR},
                             geometry=gpd.points_from_xy(fxy[:, 0], fxy[:, 1]), crs=LAMBERT93)
    before = np.where(rng.random(n_firms) < 0.05, "local", stage)
    history = pd.concat([
        pd.DataFrame({k: firms[k] for k in ("firm_id", "year", "stage", "created",
                                            "export_share", "epci")}),
        pd.DataFrame({"firm_id": ids, "year": YEAR - 1, "stage": before,
                      "created": base["created"], "export_share": base["export_share"],
                      "epci": base["epci"]}),
    ], ignore_index=True)

    # ties: actor-actor within a région (half of them starting this year), actor-firm
    region = actors["region"].to_numpy()
    src, dst = [], []
    for r in np.unique(region):
        members = np.flatnonzero(region == r)
        if len(members) < 2:
            continue
        k = int(6000 * len(members) / n_actors)
        a, b = rng.choice(members, k), rng.choice(members, k)
        src.extend(a[a != b])
        dst.extend(b[a != b])
    aa = pd.DataFrame({"source": actors["id"].to_numpy()[src],
                       "target": actors["id"].to_numpy()[dst],
                       "source_type": "actor", "target_type": "actor", "kind": "partnership",
                       "year": rng.choice([2015, YEAR], len(src)),
                       "until": pd.array([pd.NA] * len(src), dtype="Int64")})
    n_af = 20_000
    af = pd.DataFrame({"source": actors["id"].to_numpy()[rng.integers(0, n_actors, n_af)],
                       "target": ids[rng.integers(0, n_firms, n_af)],
                       "source_type": "actor", "target_type": "firm", "kind": "accompaniment",
                       "year": rng.choice([2020, YEAR], n_af),
                       "until": pd.array([pd.NA] * n_af, dtype="Int64")})
    relations = pd.concat([aa, af], ignore_index=True)

    kinds = {"airport": 150, "port": 100, "road_node": 3000, "rail_node": 750}
    parts = []
    for kind, k in kinds.items():
        rows, ixy = _place(rng, com, k, 0.5, 2000.0)
        parts.append(gpd.GeoDataFrame(
            {"id": [f"{kind}:{j}" for j in range(k)], "kind": kind,
             "iata": ["XYZ" if kind == "airport" else ""] * k},
            geometry=gpd.points_from_xy(ixy[:, 0], ixy[:, 1]), crs=LAMBERT93))
    infrastructure = pd.concat(parts, ignore_index=True)
    broadband = pd.DataFrame({"commune": com["code"], "year": YEAR,
                              "ftth_share": rng.uniform(0.2, 1.0, len(com))})
    territories = geography.territories("epci")
    return {"firms": firms, "actors": actors, "relations": relations,
            "infrastructure": infrastructure, "broadband": broadband, "history": history,
            "territories": territories}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 firms instead of 1,000,000")
    parser.add_argument("--repeats", type=int, default=None, help="repeats of each step")
    args = parser.parse_args()
    n_firms = 100_000 if args.quick else 1_000_000
    repeats = args.repeats or 3
    t0 = time.perf_counter()
    data = synthetic(n_firms)
    print(f"{n_firms:,} firms ({YEAR} and {YEAR - 1}), {len(data['actors']):,} actors, "
          f"{len(data['relations']):,} ties, {len(data['infrastructure']):,} infrastructure "
          f"points, {len(data['territories']):,} EPCI; built in "
          f"{time.perf_counter() - t0:.1f} s; {get_settings().imi_mc_draws} Monte-Carlo draws")

    def everything() -> pd.DataFrame:
        return indicators.territory_indicators(
            data["firms"], data["actors"], data["relations"], YEAR, "epci",
            territories=data["territories"], infrastructure=data["infrastructure"],
            broadband=data["broadband"], history=data["history"])

    def nearest() -> object:
        # the nearest-actor steps of the indicators: the front line (unserved share) and
        # the reference categories (category reach)
        unserved.nearest_front(data["firms"], data["actors"], YEAR)
        return nearest_actors(data["firms"], data["actors"], YEAR, REFERENCE_CATEGORIES)

    times: dict[str, list[float]] = {"all": [], "nearest": []}
    table = None
    for _ in range(repeats):  # the two steps take turns, so that load hits both alike
        t = time.perf_counter()
        table = everything()
        times["all"].append(time.perf_counter() - t)
        t = time.perf_counter()
        nearest()
        times["nearest"].append(time.perf_counter() - t)
    t_all = statistics.median(times["all"])
    t_near = statistics.median(times["nearest"])
    assert table is not None
    print(f"  {len(table):,} EPCI rows x {table.shape[1]} columns; "
          f"imi computed for {int(table['imi'].notna().sum()):,}")
    print(f"  all indicators (territory_indicators): {t_all:8.2f} s")
    print(f"  nearest-actor steps alone (nearest_front, nearest_actors): {t_near:6.2f} s")
    bound = "required <= 5x" if not args.quick else \
        "the 5x bound of issue 4 is for 1,000,000 firms; fixed costs weigh more here"
    print(f"  ratio all / nearest step: {t_all / t_near:6.2f}x  ({bound})")


if __name__ == "__main__":
    main()
