"""Benchmark: the whole public release of the demo, and its suppression step.

Builds the Occitanie demo (15,000 firms; ``--quick``: 3,000) in a temporary folder,
with an empty result cache, then times, in one run:

- **public release**: what an observatory publishes for one year (with the year
  before as comparison): ``ecosystem.publish.public_indicators`` at the four levels,
  the public choropleth map of two indicators at the EPCI and commune levels, and
  the annual report of one département (HTML and PDF) — everything from a cold cache;
- **suppression step**: ``ecosystem.publish.protected_counts`` for the two years
  (τ-Argus on the 7 tables over the territorial hierarchy, in its child process);
- **pytauargus directly**: ``pytauargus.protect`` called by hand on the same tables
  (one call per table, commune ⊂ département ⊂ région, ``FREQ(3,100)`` and
  ``OPT(1)``), the floor the gate is measured against.

Each step prints its time (median of ``--repeats`` runs for the two suppression
lines), its peak memory (tracemalloc, Python allocations of this process; τ-Argus
runs in a child process for the gate and in this process for the direct call) and
the ratio to the direct call.

Run: ``.venv/bin/python benchmarks/bench_publish.py [--quick] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecosystem.settings import override  # noqa: E402


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak, out


def _direct(registry: Any, year: int, folder: Path) -> None:
    """pytauargus.protect on the same tables, by hand."""
    import pytauargus

    from ecosystem.activity import active_firms
    from ecosystem.indicators import FIRM_COUNTS, IndicatorInputs, firm_contributions

    inputs = IndicatorInputs.from_registry(registry, ("commune",))
    live = active_firms(registry.firms(year), year).reset_index(drop=True)
    contrib = firm_contributions(live, inputs.actors, year, inputs.history)
    geo = pd.DataFrame({
        "commune": "c" + live["commune"].astype(str),
        "departement": "d" + live["departement"].astype(str),
        "region": "r" + live["region"].astype(str),
    })
    for k, name in enumerate((*FIRM_COUNTS, "iso_weight")):
        if name == "iso_weight":
            w = contrib[name].to_numpy(dtype=float)
            micro = geo[w > 0].assign(response=w[w > 0])
            rules = "FREQ(3,100)|NK(1,85)"
        else:
            micro = geo[contrib[name].to_numpy(dtype=bool)].assign(response=1.0)
            rules = "FREQ(3,100)"
        pytauargus.protect(micro, ["commune"], response="response", safety_rules=rules,
                           suppress="OPT(1)", hrc={"commune": "commune > departement > region"},
                           hierleadstring="@", totcode={"commune": "Total"},
                           workdir=str(folder / f"direct{year}_{k}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n_firms = 3000 if args.quick else 15000
    repeats = 1 if args.quick else args.repeats

    from ecosystem.demo import build_demo
    from ecosystem.publish import protected_counts, public_indicators

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        reg = build_demo(folder / "demo.gpkg", seed=1, n_firms=n_firms)
        print(f"demo of {n_firms:,} firms built in {time.perf_counter() - t:.1f} s")
        year = reg.years()[-1]
        rows: list[tuple[str, float, float]] = []

        def release() -> None:
            import maps
            from report import build_report

            for level in ("region", "departement", "epci", "commune"):
                public_indicators(reg, level, year, year - 1)
            for level in ("epci", "commune"):
                for indicator in ("exporters_per_1000_firms", "unserved_share"):
                    m = maps.build_map(reg, year, "choropleth", indicator=indicator,
                                       level=level, public=True)
                    maps.save_map(m, folder / f"map_{level}_{indicator}.html")
            build_report(reg, year, "34", level="departement", compare_year=year - 1,
                         out=folder / "report")

        with override(cache_dir=folder / "cache_release"):
            t_rel, m_rel, _ = _timed(release)
        rows.append(("public release (tables, maps, report), cold", t_rel, m_rel))

        gate, gate_mem, direct, direct_mem = [], 0.0, [], 0.0
        for r in range(repeats):
            with override(cache_dir=folder / f"cache_gate{r}"):
                el, mem, _ = _timed(lambda: [protected_counts(reg, y) for y in
                                             (year, year - 1)])
            gate.append(el)
            gate_mem = max(gate_mem, mem)
            # the engine writes its log files in the working directory
            here = os.getcwd()
            os.chdir(folder)
            try:
                el, mem, _ = _timed(lambda r=r: [_direct(reg, y, folder / f"d{r}") for y in
                                                 (year, year - 1)])
            finally:
                os.chdir(here)
            direct.append(el)
            direct_mem = max(direct_mem, mem)
        rows.append(("suppression step (gate, 2 years)", statistics.median(gate), gate_mem))
        rows.append(("pytauargus.protect directly (2 years)", statistics.median(direct),
                     direct_mem))
        floor = statistics.median(direct)
        print(f"{'step':<48} {'time (s)':>9} {'peak (MiB)':>11} {'ratio':>7}")
        for name, el, mem in rows:
            print(f"{name:<48} {el:>9.2f} {mem:>11.1f} {el / floor:>7.2f}")


if __name__ == "__main__":
    main()
