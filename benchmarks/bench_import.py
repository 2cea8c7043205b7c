"""Import of a national-size firms file against a plain geopandas read + write.

Writes a semicolon-separated firms CSV (valid SIRETs, NAF codes, communes of all
France, Lambert-93 x/y with an ``epsg`` column, decimal commas), then in separate
processes, alternately:

- product: ``Registry(new).import_files(firms=csv)`` (detect, validate every row,
  place in communes, write the GeoPackage registry with its territories);
- baseline: ``geopandas.read_file(csv)`` (GDAL's CSV driver building points from
  x/y) + ``to_file(gpkg)``: reading and writing the same data with no validation.

Prints rows per second, peak memory (max RSS) and the time ratio; the target is a
ratio of at most 2.

Usage: ``python benchmarks/bench_import.py [--rows N] [--repeats K] [--quick]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

PRODUCT = """
import json, resource, sys, time
t = time.perf_counter()
from ecosystem import Registry
Registry(sys.argv[2]).import_files(firms=sys.argv[1])
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BASELINE = """
import json, resource, sys, time, warnings
t = time.perf_counter()
import geopandas as gpd
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    g = gpd.read_file(sys.argv[1], engine="pyogrio", X_POSSIBLE_NAMES="x",
                      Y_POSSIBLE_NAMES="y", KEEP_GEOM_COLUMNS="NO")
    g = g.set_crs(2154, allow_override=True)
    g.to_file(sys.argv[2], driver="GPKG", engine="pyogrio")
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _luhn_complete(prefix: np.ndarray) -> np.ndarray:
    """Append the Luhn key digit to each row of digits (vectorised)."""
    n, length = prefix.shape
    d = prefix.copy()
    # positions counted from the right once the key is appended: key at 0, so the
    # last prefix digit is at position 1 (doubled)
    double = np.zeros(length, dtype=bool)
    double[length - 1 :: -2] = True
    d[:, double] *= 2
    d[d > 9] -= 9
    key = (10 - d.sum(axis=1) % 10) % 10
    return np.column_stack([prefix, key])


def make_file(path: Path, rows: int, seed: int = 7) -> None:
    """Write the firms CSV (French dialect, cp1252)."""
    from ecosystem import geography

    rng = np.random.default_rng(seed)
    com = geography.communes()
    com = com[com["departement"].str.len().eq(2) & com["townhall_x"].notna()]
    com = com[~com["type"].eq("ARM")]
    w = com["population"].fillna(1).astype(float).to_numpy() + 50
    pick = rng.choice(len(com), size=rows, p=w / w.sum())
    sirens = _luhn_complete(np.column_stack([
        rng.integers(1, 10, rows)[:, None],
        rng.integers(0, 10, (rows, 7))]))
    nic = rng.integers(0, 10, (rows, 4))
    sirets = _luhn_complete(np.column_stack([sirens, nic]))
    siret = pd.Series(["".join(map(str, r)) for r in sirets])
    dup = siret.duplicated()
    siret, pick = siret[~dup].to_numpy(), pick[~dup.to_numpy()]
    rows = len(siret)
    x = com["townhall_x"].to_numpy()[pick] + rng.uniform(-150, 150, rows)
    y = com["townhall_y"].to_numpy()[pick] + rng.uniform(-150, 150, rows)
    stages = np.array(["local", "indirect_export", "direct_export", "subsidiary_commercial"])
    st = stages[rng.choice(4, rows, p=[0.65, 0.15, 0.17, 0.03])]
    share = np.where(st == "local", np.nan, rng.uniform(0.01, 0.9, rows).round(3))
    naf = np.array(["25.62A", "10.71C", "62.01Z", "46.69B", "30.30Z", "11.02A", "43.21A"])
    df = pd.DataFrame({
        "siret": siret,
        "name": [f"Entreprise {i}" for i in range(rows)],
        "naf": naf[rng.integers(0, len(naf), rows)],
        "employees": rng.integers(1, 250, rows),
        "commune": com["code"].to_numpy()[pick],
        "x": np.round(x, 2), "y": np.round(y, 2), "epsg": 2154,
        "stage": st,
        "posture": np.array(["refusal", "reactive", "proactive"])[rng.integers(0, 3, rows)],
        "export_share": share,
        "iso": np.where(rng.random(rows) < 0.2, "9001", ""),
        "created": rng.integers(1950, 2025, rows),
        "markets": np.where(st == "local", "", "ES|DE"),
        "year": 2025,
    })
    df.to_csv(path, sep=";", decimal=",", index=False, encoding="cp1252")


def run(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="100,000 rows, one repeat")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.repeats = 100_000, 1
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        csv = tmpd / "firms.csv"
        make_file(csv, args.rows)
        with open(csv, "rb") as f:
            n = sum(1 for _ in f) - 1
        print(f"firms file: {n:,} rows, {csv.stat().st_size / 1e6:.0f} MB")
        prod, base = [], []
        for k in range(args.repeats):
            for name, script, acc in (("product", PRODUCT, prod), ("baseline", BASELINE, base)):
                target = tmpd / f"{name}_{k}.gpkg"
                r = run(script, str(csv), str(target))
                acc.append(r)
                print(f"  run {k + 1} {name:8s}: {r['seconds']:7.1f} s, "
                      f"peak {r['peak_mb']:7.0f} MB")
                target.unlink()
        tp = statistics.median(r["seconds"] for r in prod)
        tb = statistics.median(r["seconds"] for r in base)
        mp = max(r["peak_mb"] for r in prod)
        mb = max(r["peak_mb"] for r in base)
        print(f"product  (import, validated): median {tp:6.1f} s, {n / tp:10,.0f} rows/s, "
              f"peak {mp:6.0f} MB")
        print(f"baseline (read_file+to_file): median {tb:6.1f} s, {n / tb:10,.0f} rows/s, "
              f"peak {mb:6.0f} MB")
        print(f"time ratio product/baseline: {tp / tb:.2f} (target <= 2)")
        print(f"memory ratio product/baseline: {mp / mb:.2f}")


if __name__ == "__main__":
    main()
