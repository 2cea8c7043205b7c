"""The attacker's test of the statistical disclosure control (PRODUCT.md).

From all the public artefacts of one release together (indicator tables of every level
for a year compared with the year before and for the year before alone, public
choropleth maps, the report of a département and of its région, all produced through the
command line), no suppressed count may be narrowed to a single value or to within
[1, 2], and a suppressed count of 1 or 2 firms must keep an interval from 0 to at least
3. The attacker (``tests/attacker.py``) uses none of the product's disclosure code: a
linear programme over the public geography, then pytauargus' own audit as a second
opinion. The demo registry and three random ones (other seeds and sizes) are attacked.

Known gap: the attack holds when the relations between the tables (exporters <= firms,
proactive exporters <= exporters, unserved firms <= firms... in every commune) are left
out, which is what the gate protects today (each table over the territorial hierarchy);
with them, the attacker narrows some cells of the demo, which
``test_no_suppressed_count_is_narrowed_across_tables`` shows (an expected failure until
the tables are protected together).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests import attacker
from tests.attacker import SECRET, Attack, Geography, Number

#: (name, build_demo arguments, département of the report, indicators of the maps,
#: reports). The demo gets everything; the random registries fewer maps and the
#: département's report only (it holds the région's figures too), to keep the time down.
REGISTRIES: tuple[tuple[str, dict[str, int], str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("demo", {"seed": 1, "n_firms": 1200}, "34", attacker.MAP_INDICATORS,
     ("departement", "region")),
    ("seed7-600", {"seed": 7, "n_firms": 600}, "09", ("n_firms", "born_global_count"),
     ("departement",)),
    ("seed11-900", {"seed": 11, "n_firms": 900}, "46",
     ("n_exporters", "proactive_share"), ("departement",)),
    ("seed23-1600", {"seed": 23, "n_firms": 1600}, "32",
     ("exporters_per_1000_firms", "unserved_share"), ("departement",)),
)
NAMES = [r[0] for r in REGISTRIES]
#: Kinds of the attacker's rows that relate the tables to each other (subsets such as
#: exporters <= firms in every commune): not in the gate's model yet (docs/disclosure.md).
CROSS_TABLE = ("structure",)
#: Single LP solves allowed per release once the joint search is done.
BUDGET = 40
#: At most this many artefact builds at once (the machine has 2 cores).
WORKERS = 2
#: Longest wait for the artefacts of one registry (a loaded machine is slow).
TIMEOUT_S = 1500.0


class Releases(dict[str, tuple[Any, Path]]):
    """Release and registry path by name (a short repr for the failure reports)."""

    def __repr__(self) -> str:
        return f"Releases({', '.join(self)})"


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    """The artefacts of every registry, built through the command line (two at a time,
    each in its own process)."""
    root = tmp_path_factory.mktemp("releases")
    # the longest first, so that the two workers end together
    pending = sorted(REGISTRIES, key=lambda r: (r[0] != "demo", -r[1]["n_firms"]))
    running: list[tuple[str, Any, Path, Path]] = []
    done = Releases()
    try:
        while pending or running:
            while pending and len(running) < WORKERS:
                name, build, dep, maps, reports = pending.pop(0)
                reg, out = root / f"{name}.gpkg", root / name
                proc = attacker.produce_in_subprocess(reg, out, departement=dep, build=build,
                                                      map_indicators=maps, reports=reports)
                running.append((name, proc, reg, out))
            name, proc, reg, out = running[0]
            code = proc.wait(timeout=TIMEOUT_S)
            running.pop(0)
            if code != 0:
                tail = out.with_suffix(".log").read_text(encoding="utf-8",
                                                         errors="replace")[-3000:]
                pytest.fail(f"producing the artefacts of {name} failed ({code}):\n{tail}")
            done[name] = (attacker.read_release(out), reg)
    finally:
        for _name, proc, _reg, _out in running:  # only the processes started here
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return done


_ATTACKS: dict[str, Attack] = {}


def _attack(releases: dict[str, tuple[Any, Path]], name: str) -> Attack:
    """The programme of one release (built once: it reads the registry's truth too)."""
    if name not in _ATTACKS:
        release, registry = releases[name]
        _ATTACKS[name] = attacker.attack_release(release, registry)
    return _ATTACKS[name]


# ---------------------------------------------------------------------------
# the attacker itself, on hand-made tables
# ---------------------------------------------------------------------------

def _toy(truth_firms: dict[str, int], truth_exp: dict[str, int] | None = None) -> Attack:
    geo = Geography(pd.DataFrame({"code": ["A1", "A2", "B1"], "epci": ["E1", "E1", "E2"],
                                  "departement": ["D", "D", "D"],
                                  "region": ["R", "R", "R"]}))
    truth = pd.DataFrame({v: 0 for v in attacker.VARIABLES}, index=["A1", "A2", "B1"])
    truth["firms"] = pd.Series(truth_firms)
    if truth_exp:
        truth["exp"] = pd.Series(truth_exp)
    attack = Attack(geo, {2025: {"A1", "A2", "B1"}}, {2025: truth.fillna(0)})
    attack.add_structure()
    return attack


def _n(x: float) -> Number:
    return Number(float(x), 0.0)


def test_lp_finds_a_cell_given_away_by_its_total() -> None:
    attack = _toy({"A1": 1, "A2": 5, "B1": 4})
    count = attack.add_count
    count(2025, "firms", ["A1"], SECRET, "indicators", "t", "commune", "A1")
    count(2025, "firms", ["A2"], _n(5), "indicators", "t", "commune", "A2")
    count(2025, "firms", ["B1"], _n(4), "indicators", "t", "commune", "B1")
    count(2025, "firms", ["A1", "A2"], _n(6), "indicators", "t", "epci", "E1")
    result = attack.run()
    assert result.truth_violations == []
    [fail] = result.failures
    assert (fail.target.code, fail.lo, fail.hi) == ("A1", 1, 1)
    assert any(r.startswith("(a)") for r in fail.rules) and "(b) single value" in fail.rules
    assert fail.needs == ["indicators"]


def test_lp_accepts_two_hidden_cells_and_finds_a_rate_beside_a_hidden_count() -> None:
    attack = _toy({"A1": 1, "A2": 5, "B1": 4}, {"A1": 1, "A2": 2, "B1": 1})
    count = attack.add_count
    count(2025, "firms", ["A1"], SECRET, "indicators", "t", "commune", "A1")
    count(2025, "firms", ["A2"], SECRET, "indicators", "t", "commune", "A2")
    count(2025, "firms", ["A1", "A2"], _n(6), "indicators", "t", "epci", "E1")
    result = attack.run()
    assert result.failures == [] and result.undecided == []
    # B1: 4 firms published, exporters hidden, but 250.0 exporters per 1,000 firms printed
    count(2025, "firms", ["B1"], _n(4), "map", "m", "commune", "B1")
    count(2025, "exp", ["B1"], SECRET, "map", "m", "commune", "B1")
    attack.add_ratio(2025, "exporters_per_1000_firms", ["B1"],
                     attacker.parse_number("250,0"), "250,0", "map", "m", "commune", "B1")
    result = attack.run()
    [fail] = result.failures
    assert (fail.target.what, fail.lo, fail.hi, fail.target.true) == ("exp", 1, 1, 1.0)


def test_lp_keeps_cells_inside_a_zero_total_apart() -> None:
    attack = _toy({"A1": 1, "A2": 5, "B1": 4})
    for c in ("A1", "A2"):
        attack.add_count(2025, "born", [c], SECRET, "indicators", "t", "commune", c)
    attack.add_count(2025, "born", ["A1", "A2"], _n(0), "indicators", "t", "epci", "E1")
    result = attack.run()
    assert result.failures == [] and result.n_zero == 2


def test_lp_shows_a_protected_hierarchy_safe() -> None:
    """400 communes in 80 EPCIs in 20 départements: communes of 1-2 firms hidden and, in
    each EPCI with a hidden commune, the smallest other communes too until at least two
    are hidden and they hold at least 3 firms; every total published. Nothing can be
    narrowed, and the search shows it without running out of LP solves."""
    rng = np.random.default_rng(3)
    codes = [f"{d:02d}{e}{c}" for d in range(20) for e in range(4) for c in range(5)]
    geo = Geography(pd.DataFrame({"code": codes, "epci": [c[:3] for c in codes],
                                  "departement": [c[:2] for c in codes],
                                  "region": ["R"] * len(codes)}))
    firms = pd.Series(rng.choice([1, 1, 2, 2, 3, 4, 6, 9], len(codes)), index=codes)
    truth = pd.DataFrame({v: 0 for v in attacker.VARIABLES}, index=codes)
    truth["firms"] = firms
    attack = Attack(geo, {2025: set(codes)}, {2025: truth})
    for epci, group in firms.groupby(lambda c: c[:3]):
        hidden = set(group.index[group <= 2])
        rest = group.drop(sorted(hidden)).sort_values()
        while hidden and (len(hidden) < 2 or firms[sorted(hidden)].sum() < 3) and len(rest):
            hidden.add(rest.index[0])
            rest = rest.iloc[1:]
        for c in group.index:
            attack.add_count(2025, "firms", [c], SECRET if c in hidden else _n(firms[c]),
                             "indicators", "t", "commune", c)
        attack.add_count(2025, "firms", group.index, _n(group.sum()), "indicators", "t",
                         "epci", str(epci))
    for dep, group in firms.groupby(lambda c: c[:2]):
        attack.add_count(2025, "firms", group.index, _n(group.sum()), "indicators", "t",
                         "departement", str(dep))
    attack.add_count(2025, "firms", codes, _n(firms.sum()), "indicators", "t", "region", "R")
    attack.add_structure()
    assert len(attack.targets) > 100
    result = attack.run(budget=0)
    assert result.failures == [] and result.undecided == []


def test_tau_audit_finds_a_cell_given_away_by_its_total(tmp_path: Path) -> None:
    attack = _toy({"A1": 1, "A2": 5, "B1": 4}, {"A1": 1, "A2": 3, "B1": 0})
    firms = pd.DataFrame({"commune": ["A1"] + ["A2"] * 5 + ["B1"] * 4,
                          "exp": [True, True, True, True, False, False] + [False] * 4})
    attack.firm_flags = {2025: firms}  # type: ignore[attr-defined]
    attack.add_count(2025, "exp", ["A1"], SECRET, "indicators", "t", "commune", "A1")
    failures, audited = attacker.tau_audit(attack, "exp", 2025, tmp_path)
    assert audited == 1
    [fail] = failures
    assert (fail.code, fail.lo, fail.hi) == ("A1", 1.0, 1.0)
    attack.add_count(2025, "exp", ["A2"], SECRET, "indicators", "t", "commune", "A2")
    failures, audited = attacker.tau_audit(attack, "exp", 2025, tmp_path / "2")
    assert audited == 2 and failures == []


# ---------------------------------------------------------------------------
# the releases
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_no_suppressed_count_is_narrowed(releases: dict[str, tuple[Any, Path]],
                                         name: str) -> None:
    attack = _attack(releases, name)
    # the attacker read every kind of artefact and its reading agrees with the truth
    unlisted = attack.unlisted  # type: ignore[attr-defined]
    assert unlisted == {y: [] for y in unlisted}, (
        "communes with firms are missing from the commune tables: the attacker takes an "
        "absent commune for a commune without firms, which no longer holds")
    violations = attack.truth_violations()
    assert violations == [], "the attacker misread the artefacts:\n" + "\n".join(violations)
    assert all(attack.read[k] > 100 for k in ("indicators", "map", "report")), attack.read
    assert attack.targets, "no suppressed count at all: the tables were not read"
    # the relations between the tables (exporters <= firms, proactive <= exporters...)
    # are left out here: they are the known gap of the gate, attacked below
    quick = True
    result = attack.run(budget=BUDGET, attribute=False, quick=quick, exclude=CROSS_TABLE)
    if 0 < len(result.failures) <= 30:
        result = attack.run(budget=BUDGET, attribute=True, quick=quick, exclude=CROSS_TABLE)
    text = attacker.format_failures(result, f"release {name}")
    if result.undecided:
        text += "\n  undecided (LP budget spent): " + ", ".join(
            f"{t.what} {t.level} {t.code} {t.year}" for t in result.undecided[:20])
    print(text)
    assert not result.failures and not result.undecided, text


@pytest.mark.xfail(strict=True, reason=(
    "known gap of the gate (docs/disclosure.md): each firm table is protected on its own, "
    "so bounds between tables (a published exporter count is a lower bound of the hidden "
    "firm count of the same commune) narrow some suppressed cells"))
def test_no_suppressed_count_is_narrowed_across_tables(
        releases: dict[str, tuple[Any, Path]]) -> None:
    """The same attack on the demo with the relations between the tables: it still
    narrows some counts (the test fails, as expected, until the tables are protected
    together)."""
    attack = _attack(releases, "demo")
    result = attack.run(budget=BUDGET, attribute=False, quick=True)
    text = attacker.format_failures(result, "release demo, with the relations between tables")
    print(text)
    assert not result.failures and not result.undecided, text


@pytest.mark.parametrize("name", NAMES)
def test_tau_argus_audit_of_the_published_pattern(releases: dict[str, tuple[Any, Path]],
                                                  name: str, tmp_path: Path) -> None:
    attack = _attack(releases, name)
    year = releases[name][0].year
    lines = []
    audited = 0
    for var in ("firms", "exp", "born", "group"):
        failures, n = attacker.tau_audit(attack, var, year, tmp_path / var)
        audited += n
        lines += [f"  {var} {f.line()}" for f in failures]
    text = (f"release {name}: pytauargus' audit narrows {len(lines)} suppressed cells of "
            f"1-2 firms ({audited} suppressed cells audited)\n" + "\n".join(lines[:60]))
    print(text)
    assert not lines, text


def test_rounding_intervals_of_printed_values() -> None:
    assert attacker.parse_number("347,8").tol == pytest.approx(0.05)
    pct = attacker.parse_number("8,7\u202f%")
    assert isinstance(pct, Number)
    assert math.isclose(pct.value, 0.087) and math.isclose(pct.tol, 0.0005)
    assert attacker.parse_number("s") == SECRET and attacker.parse_number("") is None
