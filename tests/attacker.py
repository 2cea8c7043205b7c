"""An attacker of the statistical disclosure control of one release of a registry.

Independent of the product's disclosure code: it never imports ``ecosystem.disclosure``,
``ecosystem.publish`` nor any suppression code. It reads what the public sees (the
indicator tables of ``ecosystem indicators --public``, the public choropleth maps and
the tables of the annual report, produced through the command line), plus public
knowledge (the geography: commune ⊂ EPCI, commune ⊂ département ⊂ région), and tries to
narrow every suppressed count with a linear programme (HiGHS through
``scipy.optimize.linprog``). The registry's truth (firms counted here with pandas) is used
only to judge the result and to check the attacker itself: the true counts must satisfy
every constraint the attacker derived from the artefacts.

The rule checked (PRODUCT.md, statistical disclosure control):

(a) a suppressed count whose true value is 1 or 2 must keep an interval that contains 0
    and reaches at least 3;
(b) no suppressed count may be narrowed to a single value or to within [1, 2].

A second opinion (:func:`tau_audit`) runs pytauargus' own audit on the
commune > département > région table of one count with the published suppression
pattern set as a-priori statuses.

The module is also a small command (``python -m tests.attacker produce ...``) that writes
the artefacts of one release by calling the ``ecosystem`` command line's entry point for
each command in one process (the command line itself, without paying its start-up for
every command).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import html
import io
import json
import math
import os
import re
import subprocess
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "LEVELS", "MAP_LEVELS", "MAP_INDICATORS", "VARIABLES", "SECRET",
    "produce", "produce_in_subprocess", "Release", "read_release", "read_csv_table",
    "parse_number", "map_values", "Geography", "truth_counts", "Target", "Failure",
    "Attack", "AttackResult", "attack_release", "tau_audit", "AuditFailure",
    "format_failures",
]

ROOT = Path(__file__).resolve().parents[1]

#: Levels of the indicator tables.
LEVELS: tuple[str, ...] = ("commune", "epci", "departement", "region")
#: Levels of the public choropleth maps.
MAP_LEVELS: tuple[str, ...] = ("commune", "epci", "departement")
#: Firm-based indicators drawn as public maps.
MAP_INDICATORS: tuple[str, ...] = (
    "n_firms", "n_exporters", "exporters_per_1000_firms", "born_global_count",
    "unserved_share", "proactive_share",
)
#: How a suppressed value prints.
SECRET = "s"

#: The firm counts attacked, by short name: firms, exporters, proactive exporters,
#: born global, export-group members, unserved.
VARIABLES: tuple[str, ...] = ("firms", "exp", "pro", "born", "group", "unserved")

#: Count columns of the indicator tables -> variable.
COUNT_COLUMNS: dict[str, str] = {
    "n_firms": "firms", "n_exporters": "exp", "born_global_count": "born",
    "groupement_members": "group", "proactive_exporters": "pro", "unserved_firms": "unserved",
}
#: Ratio columns: name -> (numerator, denominator, factor): value = factor * num / den.
RATIO_COLUMNS: dict[str, tuple[str, str, float]] = {
    "exporters_per_1000_firms": ("exp", "firms", 1000.0),
    "born_global_per_1000_firms": ("born", "firms", 1000.0),
    "groupement_share": ("group", "firms", 1.0),
    "proactive_share": ("pro", "exp", 1.0),
    "unserved_share": ("unserved", "firms", 1.0),
}
#: Shares whose numerator is published nowhere as a count: a suppressed share is a
#: suppressed count (its numerator).
SHARE_TARGETS: dict[str, str] = {}
#: Subsets: (part, whole) for every commune and year.
SUBSETS: tuple[tuple[str, str], ...] = (
    ("exp", "firms"), ("born", "firms"), ("group", "firms"), ("unserved", "firms"),
    ("pro", "exp"),
)


# ---------------------------------------------------------------------------
# 1. the public artefacts, through the command line
# ---------------------------------------------------------------------------

def _cli(argv: Sequence[str]) -> float:
    """Run one ``ecosystem`` command; its time in seconds."""
    import time

    from ecosystem.cli import main

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    if code != 0:
        raise RuntimeError(f"ecosystem {' '.join(argv)} exited with {code}")
    return time.perf_counter() - t0


def produce(registry: str | os.PathLike[str], out: str | os.PathLike[str], *,
            departement: str, year: int | None = None,
            map_indicators: Sequence[str] = MAP_INDICATORS,
            map_levels: Sequence[str] = MAP_LEVELS,
            reports: Sequence[str] = ("departement", "region")) -> dict[str, Any]:
    """Write the public artefacts of one release of ``registry`` into ``out``.

    One year ``Y`` (default: the registry's last) with comparison year ``Y - 1``:
    the public indicator tables of every level (``Y`` compared with ``Y - 1``, and
    ``Y - 1`` alone), the public choropleth maps of ``map_indicators`` at
    ``map_levels``, the report of ``departement`` and the report of its région
    (``reports``: which of the two).

    Returns
    -------
    dict
        The manifest (also written to ``out/manifest.json``): the year, the
        comparison year, the région and the artefacts (kind, level, indicator,
        year, path relative to ``out``).
    """
    from ecosystem.registry import Registry

    reg_path = str(registry)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    reg = Registry(reg_path)
    years = sorted(int(y) for y in reg.years())
    y = years[-1] if year is None else int(year)
    prev = y - 1
    terr = reg.territories("departement")
    region = str(terr.loc[terr["code"].astype(str) == departement, "region"].iloc[0])
    items: list[dict[str, Any]] = []
    for level in LEVELS:
        for yr, cmp in ((y, prev), (prev, None)):
            name = f"indicators_{level}_{yr}.csv"
            argv = ["indicators", "-r", reg_path, "--level", level, "--year", str(yr)]
            if cmp is not None:
                argv += ["--compare-year", str(cmp)]
            argv += ["--public", "--out", str(out / name)]
            took = _cli(argv)
            items.append({"kind": "indicators", "level": level, "year": yr,
                          "compare_year": cmp, "path": name, "seconds": round(took, 2)})
    for indicator in map_indicators:
        for level in map_levels:
            name = f"map_{indicator}_{level}.html"
            took = _cli(["map", "-r", reg_path, "--kind", "choropleth", "--indicator",
                         indicator, "--level", level, "--year", str(y), "--public", "--out",
                         str(out / name)])
            items.append({"kind": "map", "level": level, "year": y, "indicator": indicator,
                          "path": name, "seconds": round(took, 2)})
    for level, code in (("departement", departement), ("region", region)):
        if level not in reports:
            continue
        name = f"report_{level}_{code}"
        took = _cli(["report", "-r", reg_path, "--year", str(y), "--territory", code,
                     "--level", level, "--compare-year", str(prev), "--out", str(out / name)])
        items.append({"kind": "report", "level": level, "code": code, "year": y,
                      "compare_year": prev, "path": name, "seconds": round(took, 2)})
    manifest = {"registry": reg_path, "year": y, "compare_year": prev, "region": region,
                "departement": departement, "artefacts": items}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def produce_in_subprocess(registry: str | os.PathLike[str], out: str | os.PathLike[str], *,
                          departement: str, build: dict[str, Any] | None = None,
                          map_indicators: Sequence[str] = MAP_INDICATORS,
                          reports: Sequence[str] = ("departement", "region")
                          ) -> subprocess.Popen[bytes]:
    """Start ``python -m tests.attacker produce`` (optionally building the registry
    first with ``ecosystem.demo.build_demo(**build)``); the caller waits on it. Its
    output goes to ``out`` + ``.log``."""
    argv = [sys.executable, "-m", "tests.attacker", "produce", "--registry", str(registry),
            "--out", str(out), "--departement", departement,
            "--maps", ",".join(map_indicators), "--reports", ",".join(reports)]
    if build is not None:
        argv += ["--build", json.dumps(build)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    with open(Path(out).with_suffix(".log"), "wb") as log:
        return subprocess.Popen(argv, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT,
                                env=env)


# ---------------------------------------------------------------------------
# 2. reading the artefacts as a user would
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    """A printed number: its value and the half-width of its rounding interval."""

    value: float
    tol: float


_NUM = re.compile(r"^([+\-\u2212]?\d[\d\u202f\u00a0 ]*(?:[.,]\d+)?(?:[eE][+\-]?\d+)?)\s*(.*)$")


def parse_number(text: Any) -> Number | str | None:
    """A cell as printed: :data:`SECRET`, a :class:`Number`, or None (empty, a word).

    Decimal comma or point; a ``%`` after the number divides it by 100; other units
    after the number are ignored. The tolerance is half a unit of the last printed
    decimal (the rounding of the printed value).

    Examples
    --------
    >>> parse_number("s (secret statistique)")
    's'
    >>> parse_number("8,7\u202f%")
    Number(value=0.087, tol=0.0005)
    >>> parse_number("'-0,6 pt").value
    -0.6
    >>> parse_number("12") , parse_number("–")
    (Number(value=12.0, tol=0.0), None)
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    t = html.unescape(str(text)).strip().lstrip("'").strip()
    if t == SECRET or t.startswith(SECRET + " ("):
        return SECRET
    m = _NUM.match(t)
    if not m:
        return None
    raw, rest = m.group(1), m.group(2).strip()
    raw = raw.replace("\u2212", "-")
    for space in ("\u202f", "\u00a0", " "):
        raw = raw.replace(space, "")
    if "," in raw and "." in raw:
        return None
    raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None
    mantissa = raw.split("e")[0].split("E")[0]
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    if "e" in raw.lower():
        tol = abs(value) * 1e-12
    elif decimals >= 12:  # full precision: the float's own rounding
        tol = max(abs(value) * 1e-13, 0.5 * 10.0 ** -decimals)
    else:
        tol = 0.5 * 10.0 ** -decimals if decimals else 0.0
    if rest.startswith("%"):
        value, tol = value / 100.0, tol / 100.0
    return Number(round(value, 15), tol)


def read_csv_table(path: str | os.PathLike[str]) -> list[list[str]]:
    """The rows of a CSV file as strings (header first), its dialect detected:
    ``;`` or ``,`` as separator, UTF-8 (with or without BOM) or cp1252."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=sep) if row]


_POPUP = re.compile(r"Code\s*:\s*([^<]+?)\s*<br>\s*([^<]+?)\s*:\s*([^<]+?)\s*(?:<|$)")


_POPUP_PROP = re.compile(r'"p"\s*:\s*("(?:[^"\\]|\\.)*")')


def map_values(path: str | os.PathLike[str]) -> list[tuple[str, str, str]]:
    """``(code, label, value text)`` of every feature popup of a folium map (the
    ``p`` property of the features embedded in the page)."""
    text = Path(path).read_text(encoding="utf-8")
    out: list[tuple[str, str, str]] = []
    for m in _POPUP_PROP.finditer(text):
        popup = json.loads(m.group(1))
        hit = _POPUP.search(html.unescape(popup))
        if hit:
            out.append((hit.group(1).strip(), hit.group(2).strip(), hit.group(3).strip()))
    return out


@dataclass
class Release:
    """The artefacts of one release, read back (paths and manifest)."""

    root: Path
    manifest: dict[str, Any]

    @property
    def year(self) -> int:
        return int(self.manifest["year"])

    @property
    def compare_year(self) -> int:
        return int(self.manifest["compare_year"])

    def __repr__(self) -> str:
        return f"Release({str(self.root)!r})"

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [a for a in self.manifest["artefacts"] if a["kind"] == kind]


def read_release(root: str | os.PathLike[str]) -> Release:
    """The release written by :func:`produce` in ``root``."""
    root = Path(root)
    return Release(root, json.loads((root / "manifest.json").read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------
# 3. public geography and the registry's truth
# ---------------------------------------------------------------------------

class Geography:
    """Communes and the territories that contain them (the ``territories`` layer)."""

    def __init__(self, communes: pd.DataFrame) -> None:
        frame = communes.copy()
        for col in ("code", "epci", "departement", "region"):
            frame[col] = frame[col].astype("string").fillna("").astype(str)
        self.communes = frame.set_index("code")
        self._members: dict[tuple[str, str], frozenset[str]] = {}
        for level in ("epci", "departement", "region"):
            for code, group in self.communes.groupby(level):
                self._members[(level, str(code))] = frozenset(group.index.astype(str))

    @classmethod
    def of_registry(cls, registry: str | os.PathLike[str]) -> Geography:
        from ecosystem.registry import Registry

        terr = Registry(str(registry)).territories("commune")
        return cls(pd.DataFrame(terr.drop(columns="geometry", errors="ignore")))

    def members(self, level: str, code: str) -> frozenset[str]:
        """Communes of the territory ``code`` of ``level`` (empty when unknown)."""
        if level == "commune":
            return frozenset([code])
        return self._members.get((level, code), frozenset())

    def level_of(self, level: str, commune: str) -> str:
        return str(self.communes.at[commune, level]) if commune in self.communes.index else ""


def _codes(values: Iterable[Any]) -> list[list[str]]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append([])
            continue
        out.append([p.strip() for p in str(v).split("|") if p.strip()])
    return out


def _firms_of_year(registry: str | os.PathLike[str], year: int) -> tuple[pd.DataFrame, Any]:
    from ecosystem.registry import Registry

    reg = Registry(str(registry))
    firms = reg.firms()
    live = firms.loc[pd.to_numeric(firms["year"]) == year].reset_index(drop=True)
    return live, (reg, firms)


def truth_counts(registry: str | os.PathLike[str], year: int) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame]:
    """The true counts of ``year`` by commune, and the active firms with their flags.

    Firms, exporters (stage indirect export or beyond), proactive exporters, export-group
    members (``groupement`` not blank) and ISO certificates are counted here with pandas
    (definitions of ``ecosystem/catalogue.py``); born global and unserved come from the
    product's measures (``potential.born_global_mask``, ``unserved.nearest_front``).

    Returns
    -------
    counts : DataFrame
        Index commune code, one column per :data:`VARIABLES`.
    firms : DataFrame
        The active firms of ``year`` with boolean columns ``exp``, ``pro``, ``born``,
        ``group``, ``unserved`` and ``iso_list``, ``market_list``.
    """
    from ecosystem.potential import born_global_mask
    from ecosystem.settings import STAGES
    from ecosystem.unserved import nearest_front

    live, (reg, history) = _firms_of_year(registry, year)
    exporting_stages = [s for s in STAGES if s != "local"]
    stage = live["stage"].astype("string").fillna("").str.strip()
    posture = live["posture"].astype("string").fillna("").str.strip()
    f = pd.DataFrame({
        "commune": live["commune"].astype("string").fillna("").astype(str),
        "stage": stage.astype(str), "posture": posture.astype(str)})
    f["firms"] = True
    f["exp"] = stage.isin(exporting_stages).to_numpy(dtype=bool)
    f["pro"] = f["exp"] & (posture == "proactive").to_numpy(dtype=bool)
    f["group"] = live["groupement"].astype("string").fillna("").str.strip().ne("") \
        .to_numpy(dtype=bool)
    f["born"] = born_global_mask(live, history, year).to_numpy(dtype=bool)
    f["unserved"] = np.asarray(nearest_front(live, reg.actors(), year).unserved(), dtype=bool)
    f["iso_list"] = _codes(live["iso"]) if "iso" in live else [[]] * len(live)
    f["market_list"] = [[c.upper() for c in x] for x in _codes(live["markets"])] \
        if "markets" in live else [[]] * len(live)
    counts = f.groupby("commune")[list(VARIABLES)].sum().astype(int)
    return counts, f


# ---------------------------------------------------------------------------
# 4. the linear programme
# ---------------------------------------------------------------------------

_EPS = 1e-6


@dataclass
class Row:
    """``lo <= sum(coef * x) <= hi``, derived from the artefacts of ``kind``."""

    coefs: dict[int, float]
    lo: float
    hi: float
    kind: str
    source: str


@dataclass
class Target:
    """A suppressed count: a sum of unknowns."""

    key: tuple[Any, ...]
    coefs: dict[int, float]
    what: str
    level: str
    code: str
    year: int
    true: float | None
    sources: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)


@dataclass
class Failure:
    """A suppressed count the attacker narrowed too much."""

    target: Target
    lo: float
    hi: float
    rules: list[str]
    how: str = "exact"
    needs: list[str] = field(default_factory=list)

    def line(self) -> str:
        t = self.target
        hi = "inf" if math.isinf(self.hi) else f"{self.hi:g}"
        true = "?" if t.true is None else f"{t.true:g}"
        needs = f"; only with {', '.join(self.needs)}" if self.needs else ""
        within = " within" if self.how == "bounds" else ""
        return (f"{t.what} {t.level} {t.code} {t.year}: true {true}, interval{within} "
                f"[{self.lo:g}, {hi}] ({'; '.join(self.rules)}); suppressed in "
                f"{', '.join(sorted(t.sources))}{needs}")


class AttackError(RuntimeError):
    """The attacker's own constraints are contradictory (a bug of the attacker)."""


def _integer_interval(lo: float, hi: float) -> tuple[float, float]:
    lo_i = max(0.0, math.ceil(lo - _EPS)) if not math.isinf(lo) else 0.0
    hi_i = math.floor(hi + _EPS) if not math.isinf(hi) else math.inf
    return lo_i, hi_i


def _judge(true: float | None, lo: float, hi: float) -> list[str]:
    """The rules a target breaks with the LP interval ``[lo, hi]`` (empty: none)."""
    lo_i, hi_i = _integer_interval(lo, hi)
    rules = []
    if true is not None and 1 <= round(true) <= 2:
        if lo_i > 0:
            rules.append("(a) interval excludes 0")
        if hi_i < 3:
            rules.append("(a) upper end below 3")
    if lo_i >= hi_i:
        rules.append("(b) single value")
    elif lo_i >= 1 and hi_i <= 2:
        rules.append("(b) within [1, 2]")
    return rules


class _Components:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[a] = b


def _linprog(c: np.ndarray, a_eq: Any, b_eq: np.ndarray, a_ub: Any, b_ub: np.ndarray,
             bounds: np.ndarray) -> tuple[int, np.ndarray | None]:
    import time

    from scipy.optimize import linprog

    t0 = time.perf_counter()
    res = linprog(c, A_ub=a_ub if a_ub.shape[0] else None,
                  b_ub=b_ub if a_ub.shape[0] else None,
                  A_eq=a_eq if a_eq.shape[0] else None, b_eq=b_eq if a_eq.shape[0] else None,
                  bounds=bounds, method="highs")
    if os.environ.get("ATTACKER_DEBUG"):
        print(f"  LP {a_eq.shape[1]} unknowns: {time.perf_counter() - t0:.2f} s, "
              f"status {res.status}", file=sys.stderr, flush=True)
    return int(res.status), (res.x if res.status == 0 else None)


def _propagate(rows: list[tuple[dict[int, float], float, float]], pos: dict[int, int],
               lb: np.ndarray, ub: np.ndarray, iterations: int = 60
               ) -> tuple[np.ndarray, np.ndarray]:
    """Bounds implied by the rows (bound propagation): outer bounds of the LP's, so a
    rule broken on them is broken on the LP interval too."""
    r_i, c_i, a_v, lo_r, hi_r = [], [], [], [], []
    for r, (coefs, lo, hi) in enumerate(rows):
        for v, a in coefs.items():
            r_i.append(r)
            c_i.append(pos[v])
            a_v.append(a)
        lo_r.append(lo)
        hi_r.append(hi)
    if not r_i:
        return lb.copy(), ub.copy()
    ri, ci, a = np.asarray(r_i), np.asarray(c_i), np.asarray(a_v, dtype=float)
    lo_row, hi_row = np.asarray(lo_r, float)[ri], np.asarray(hi_r, float)[ri]
    nr = len(rows)
    lb, ub = lb.copy(), ub.copy()
    pos_a = a > 0
    with np.errstate(invalid="ignore", over="ignore"):
        for _ in range(iterations):
            amin = np.where(pos_a, a * lb[ci], a * ub[ci])
            amax = np.where(pos_a, a * ub[ci], a * lb[ci])
            min_inf = np.isinf(amin)
            max_inf = np.isinf(amax)
            smin = np.bincount(ri, np.where(min_inf, 0.0, amin), minlength=nr)
            smax = np.bincount(ri, np.where(max_inf, 0.0, amax), minlength=nr)
            nmin = np.bincount(ri, min_inf.astype(float), minlength=nr)
            nmax = np.bincount(ri, max_inf.astype(float), minlength=nr)
            rest_min = np.where(nmin[ri] - min_inf > 0, -np.inf,
                                smin[ri] - np.where(min_inf, 0.0, amin))
            rest_max = np.where(nmax[ri] - max_inf > 0, np.inf,
                                smax[ri] - np.where(max_inf, 0.0, amax))
            low = lo_row - rest_max  # a * x >= low
            high = hi_row - rest_min  # a * x <= high
            new_lb = np.where(pos_a, low / a, high / a)
            new_ub = np.where(pos_a, high / a, low / a)
            new_lb = np.where(np.isnan(new_lb), -np.inf, new_lb)
            new_ub = np.where(np.isnan(new_ub), np.inf, new_ub)
            lb2, ub2 = lb.copy(), ub.copy()
            np.maximum.at(lb2, ci, new_lb - 1e-9)
            np.minimum.at(ub2, ci, new_ub + 1e-9)
            if np.any(lb2 > ub2 + 1e-6):
                raise AttackError("bound propagation: the constraints are infeasible")
            ub2 = np.maximum(ub2, lb2)
            gain = np.nanmax(np.concatenate([
                np.where(np.isinf(lb), np.where(np.isinf(lb2), 0.0, 1.0), lb2 - lb),
                np.where(np.isinf(ub), np.where(np.isinf(ub2), 0.0, 1.0), ub - ub2)]))
            lb, ub = lb2, ub2
            if gain < 1e-7:
                break
    return lb, ub


def _solve_component(rows: list[tuple[dict[int, float], float, float]], free: list[int],
                     lb: np.ndarray, ub: np.ndarray,
                     targets: list[tuple[dict[int, float], float, float | None]],
                     budget: list[int], quick: bool = False) -> list[tuple[float, float, str]]:
    """``(lo, hi, how)`` of each target over one component.

    ``how`` is ``"seen"`` (feasible points reach ``lo`` and ``hi``: the target is
    safe), ``"bounds"`` (outer bounds by propagation that already break a rule),
    ``"exact"`` (the LP's minimum and maximum) or ``"undecided"`` (the budget of LP
    solves, ``budget[0]``, ran out; outer bounds). With ``quick``, no LP is solved once
    the bounds already show a target narrowed (the release fails anyway): the targets
    not shown narrowed are ``"skipped"``.
    """
    from scipy import sparse

    pos = {v: i for i, v in enumerate(free)}
    n = len(free)
    eq_r, eq_c, eq_v, eq_b = [], [], [], []
    ub_r, ub_c, ub_v, ub_b = [], [], [], []
    for coefs, lo, hi in rows:
        if abs(hi - lo) <= 1e-12:
            r = len(eq_b)
            for v, a in coefs.items():
                eq_r.append(r)
                eq_c.append(pos[v])
                eq_v.append(a)
            eq_b.append(lo)
            continue
        if not math.isinf(hi):
            r = len(ub_b)
            for v, a in coefs.items():
                ub_r.append(r)
                ub_c.append(pos[v])
                ub_v.append(a)
            ub_b.append(hi)
        if not math.isinf(lo):
            r = len(ub_b)
            for v, a in coefs.items():
                ub_r.append(r)
                ub_c.append(pos[v])
                ub_v.append(-a)
            ub_b.append(-lo)
    a_eq = sparse.csr_matrix((eq_v, (eq_r, eq_c)), shape=(len(eq_b), n))
    a_ub = sparse.csr_matrix((ub_v, (ub_r, ub_c)), shape=(len(ub_b), n))
    b_eq, b_ub = np.asarray(eq_b, float), np.asarray(ub_b, float)
    lbf, ubf = lb[free], ub[free]
    bounds = np.column_stack([lbf, ubf])
    bounds = np.where(np.isinf(bounds), np.nan, bounds)  # linprog: NaN is unbounded
    tm_r, tm_c, tm_v = [], [], []
    for i, (coefs, _, _) in enumerate(targets):
        for v, a in coefs.items():
            tm_r.append(i)
            tm_c.append(pos[v])
            tm_v.append(a)
    nt = len(targets)
    tmat = sparse.csr_matrix((tm_v, (tm_r, tm_c)), shape=(nt, n))
    const = np.array([k for _, k, _ in targets], dtype=float)
    trues = [t for _, _, t in targets]
    small = np.array([t is not None and 1 <= round(t) <= 2 for t in trues])

    # outer bounds: a rule broken on them is broken for the attacker
    plb, pub = _propagate(rows, pos, lbf, ubf)
    tpos, tneg = tmat.maximum(0), tmat.minimum(0)
    with np.errstate(invalid="ignore"):
        plb_f = np.where(np.isinf(plb), 0.0, plb)
        olo = tpos @ plb_f + tneg @ np.where(np.isinf(pub), 0.0, pub) + const
        ohi = tpos @ np.where(np.isinf(pub), 0.0, pub) + tneg @ plb_f + const
        ohi = np.where(np.asarray((tpos.multiply(np.isinf(pub)[None, :])).sum(axis=1))
                       .ravel() > 0, np.inf, ohi)
    proven = np.array([bool(_judge(trues[i], olo[i], ohi[i])) for i in range(nt)])
    if os.environ.get("ATTACKER_DEBUG"):
        print(f"  propagation: {int(proven.sum())} of {nt} targets shown narrowed",
              file=sys.stderr, flush=True)

    smin = np.full(nt, np.inf)
    smax = np.full(nt, -np.inf)
    exact = np.zeros(nt, dtype=bool)

    def see(x: np.ndarray) -> None:
        vals = tmat @ x + const
        np.minimum(smin, vals, out=smin)
        np.maximum(smax, vals, out=smax)

    def safe() -> np.ndarray:
        lo_i = np.maximum(0.0, np.ceil(smin - _EPS))
        hi_i = np.floor(smax + _EPS)
        wide = (smin <= _EPS) & (smax >= 3 - _EPS)
        b = (hi_i > lo_i) & ((smin <= _EPS) | (smax >= 3 - _EPS))
        return b & (wide | ~small)

    def solve(c: np.ndarray, extra: Any = None, extra_b: Any = None,
              extra_bounds: Any = None) -> np.ndarray | None:
        if extra is None:
            status, x = _linprog(c, a_eq, b_eq, a_ub, b_ub, bounds)
        else:
            k = extra.shape[1] - n
            status, x = _linprog(c, sparse.hstack([a_eq, sparse.csr_matrix(
                (a_eq.shape[0], k))]).tocsr(), b_eq,
                sparse.vstack([sparse.hstack([a_ub, sparse.csr_matrix(
                    (a_ub.shape[0], k))]), extra]).tocsr(),
                np.concatenate([b_ub, extra_b]), np.vstack([bounds, extra_bounds]))
        if status == 2:
            raise AttackError("the constraints derived from the artefacts are infeasible")
        if x is None:
            return None
        x = x[:n]
        see(x)
        return x

    def open_() -> np.ndarray:
        return np.flatnonzero(~safe() & ~proven & ~exact)

    # screening: joint objectives show most safe targets safe in a few solves
    rng = np.random.default_rng(0)
    for _ in range(0 if quick and proven.any() else 12):
        undecided = open_()
        if not len(undecided):
            break
        before = len(undecided)
        w = np.zeros(nt)
        w[undecided] = rng.uniform(0.5, 1.5, len(undecided))
        solve(np.asarray(tmat.T @ w).ravel())
        undecided = open_()
        if not len(undecided):
            break
        # maximise the sum of min(target, cap): s_i <= target_i, s_i <= cap_i
        k = len(undecided)
        floor_ = np.where(np.isinf(smin[undecided]), 0.0, smin[undecided])
        caps = np.maximum(3.0, np.maximum(0.0, np.ceil(floor_ - _EPS)) + 1.0)
        extra = sparse.hstack([-tmat[undecided], sparse.identity(k, format="csr")]).tocsr()
        c = np.concatenate([np.zeros(n), -rng.uniform(0.5, 1.5, k)])
        solve(c, extra, const[undecided], np.column_stack([np.full(k, np.nan), caps]))
        if os.environ.get("ATTACKER_DEBUG"):
            print(f"  screening: {before} -> {len(open_())} open", file=sys.stderr, flush=True)
        if len(open_()) > 0.98 * before:
            break
    # the LP's own minimum and maximum of the targets still open
    for i in open_():
        if safe()[i] or budget[0] < 2 or (quick and proven.any()):
            continue
        budget[0] -= 2
        row = np.asarray(tmat[i].todense()).ravel()
        lo_x = solve(row)
        hi_x = solve(-row)
        lo = float(row @ lo_x + const[i]) if lo_x is not None else -math.inf
        hi = float(row @ hi_x + const[i]) if hi_x is not None else math.inf
        smin[i], smax[i] = lo, hi
        exact[i] = True
    out = []
    ok = safe()
    for i in range(nt):
        if ok[i]:
            out.append((float(smin[i]), float(smax[i]), "seen"))
        elif exact[i]:
            out.append((float(smin[i]), float(smax[i]), "exact"))
        elif proven[i]:
            out.append((float(olo[i]), float(ohi[i]), "bounds"))
        elif quick and proven.any():
            out.append((float(olo[i]), float(ohi[i]), "skipped"))
        else:
            out.append((float(olo[i]), float(ohi[i]), "undecided"))
    return out


def _intervals(rows: Sequence[Row], targets: Sequence[Target], n_vars: int,
               budget: int, quick: bool = False) -> list[tuple[float, float, str]]:
    """Interval of each target and how it was found (see :func:`_solve_component`):
    fixed values first, then connected components of the remaining unknowns."""
    lb = np.zeros(n_vars)
    ub = np.full(n_vars, np.inf)
    fixed: dict[int, float] = {}
    by_var: dict[int, list[int]] = defaultdict(list)
    for r, row in enumerate(rows):
        for v in row.coefs:
            by_var[v].append(r)
    # each row's count of unknowns not yet fixed and the sum of its fixed terms, kept up
    # to date as unknowns get fixed: a row is looked at when one unknown is left in it
    n_free = np.array([len(row.coefs) for row in rows], dtype=np.int64)
    k_fixed = np.zeros(len(rows))
    work = [r for r in range(len(rows)) if n_free[r] == 1]
    while work:
        r = work.pop()
        if n_free[r] != 1:
            continue
        row = rows[r]
        v = next(v for v in row.coefs if v not in fixed)
        a = row.coefs[v]
        k = float(k_fixed[r])
        lo, hi = (row.lo - k) / a, (row.hi - k) / a
        if a < 0:
            lo, hi = hi, lo
        new_lb, new_ub = max(lb[v], lo), min(ub[v], hi)
        if new_lb > new_ub + 1e-6:
            raise AttackError(f"contradiction on {row.source}")
        lb[v], ub[v] = new_lb, max(new_lb, new_ub)
        if ub[v] - lb[v] <= 1e-9:
            x = fixed[v] = 0.5 * (lb[v] + ub[v])
            for r2 in by_var[v]:
                n_free[r2] -= 1
                k_fixed[r2] += rows[r2].coefs[v] * x
                if n_free[r2] == 1:
                    work.append(r2)
    comp = _Components(n_vars)
    reduced: list[tuple[dict[int, float], float, float]] = []
    for row in rows:
        free_c = {v: a for v, a in row.coefs.items() if v not in fixed}
        k = sum(a * fixed[v] for v, a in row.coefs.items() if v in fixed)
        if len(free_c) < 2:
            continue
        reduced.append((free_c, row.lo - k, row.hi - k))
        vs = list(free_c)
        for v in vs[1:]:
            comp.union(vs[0], v)
    out: list[tuple[float, float, str]] = [(0.0, 0.0, "exact")] * len(targets)
    groups: dict[int, list[int]] = defaultdict(list)
    tred: list[tuple[dict[int, float], float]] = []
    for i, t in enumerate(targets):
        free_c = {v: a for v, a in t.coefs.items() if v not in fixed}
        k = sum(a * fixed[v] for v, a in t.coefs.items() if v in fixed)
        tred.append((free_c, k))
        if not free_c:
            out[i] = (k, k, "exact")
            continue
        vs = list(free_c)
        for v in vs[1:]:
            comp.union(vs[0], v)
    for i, (free_c, _) in enumerate(tred):
        if free_c:
            groups[comp.find(next(iter(free_c)))].append(i)
    rows_by: dict[int, list[tuple[dict[int, float], float, float]]] = defaultdict(list)
    for coefs, lo, hi in reduced:
        rows_by[comp.find(next(iter(coefs)))].append((coefs, lo, hi))
    vars_by: dict[int, set[int]] = defaultdict(set)
    for coefs, _, _ in reduced:
        vars_by[comp.find(next(iter(coefs)))].update(coefs)
    left = [budget]
    for root, members in groups.items():
        free_vars = set(vars_by.get(root, set()))
        for i in members:
            free_vars.update(tred[i][0])
        if os.environ.get("ATTACKER_DEBUG"):
            print(f"component: {len(free_vars)} unknowns, {len(rows_by.get(root, []))} rows, "
                  f"{len(members)} targets", file=sys.stderr, flush=True)
        res = _solve_component(rows_by.get(root, []), sorted(free_vars), lb, ub,
                               [(tred[i][0], tred[i][1], targets[i].true) for i in members],
                               left, quick)
        for i, got in zip(members, res, strict=True):
            out[i] = got
    return out


@dataclass
class AttackResult:
    """What the attacker found."""

    failures: list[Failure]
    undecided: list[Target]
    n_targets: int
    truth_violations: list[str]
    kinds: dict[str, int]
    n_zero: int = 0
    n_skipped: int = 0
    attributed: bool = False

    def by_kind(self) -> dict[str, int]:
        """Failures by the kind of artefact that suppressed the count."""
        counts: dict[str, int] = defaultdict(int)
        for f in self.failures:
            for k in sorted(f.target.kinds):
                counts[k] += 1
        return dict(counts)


class Attack:
    """The unknowns, constraints and targets derived from the public artefacts.

    Unknowns are the counts of each variable (:data:`VARIABLES`) in each commune and
    year (only the communes a commune table lists for that year: the others count
    nothing), plus the cells of report tables that are not territorial counts.
    """

    def __init__(self, geo: Geography, listed: dict[int, set[str]],
                 truth: dict[int, pd.DataFrame] | None = None) -> None:
        self.geo = geo
        self.listed = {y: set(c) for y, c in listed.items()}
        self.truth = truth or {}
        self._index: dict[tuple[Any, ...], int] = {}
        self.true_values: list[float | None] = []
        self.rows: list[Row] = []
        self.targets: dict[tuple[Any, ...], Target] = {}
        self.published: set[tuple[Any, ...]] = set()
        #: unknowns of the counts published as 0 (a cell inside is 0 by a published
        #: zero, not by a failure of the suppression)
        self.zero_sets: list[set[int]] = []
        #: values read (numbers or ``s``) by kind of artefact
        self.read: dict[str, int] = defaultdict(int)
        self._truth: dict[tuple[int, str, str], float] = {}
        for y, frame in self.truth.items():
            for var in frame.columns:
                for c, v in frame[var].items():
                    self._truth[(y, str(c), str(var))] = float(v)

    # -- unknowns --------------------------------------------------------------
    def _var(self, key: tuple[Any, ...], true: float | None) -> int:
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.true_values)
            self.true_values.append(true)
        return i

    def atom(self, year: int, var: str, commune: str) -> int | None:
        if commune not in self.listed.get(year, set()):
            return None
        i = self._index.get(("atom", year, var, commune))
        if i is not None:
            return i
        true = self._truth.get((year, commune, var), 0.0) if year in self.truth else None
        return self._var(("atom", year, var, commune), true)

    def aux(self, name: tuple[Any, ...], true: float | None = None) -> int:
        return self._var(("aux", *name), true)

    @property
    def n_vars(self) -> int:
        return len(self.true_values)

    def expr(self, year: int, var: str, communes: Iterable[str]) -> dict[int, float]:
        inside = self.listed.get(year, set()).intersection(communes)
        out: dict[int, float] = {}
        for c in sorted(inside):
            i = self.atom(year, var, c)
            if i is not None:
                out[i] = 1.0
        return out

    def cell_key(self, year: int, var: str, communes: Iterable[str]) -> tuple[Any, ...]:
        return ("cell", year, var, frozenset(self.listed.get(year, set()).intersection(
            communes)))

    # -- constraints -----------------------------------------------------------
    def add_row(self, coefs: dict[int, float], lo: float, hi: float, kind: str,
                source: str) -> None:
        coefs = {v: a for v, a in coefs.items() if a != 0}
        self.rows.append(Row(coefs, lo, hi, kind, source))

    def add_target(self, key: tuple[Any, ...], coefs: dict[int, float], what: str,
                   level: str, code: str, year: int, kind: str, source: str,
                   true: float | None = None) -> None:
        t = self.targets.get(key)
        if t is None:
            if true is None and all(self.true_values[v] is not None for v in coefs):
                true = sum(a * float(self.true_values[v] or 0.0) for v, a in coefs.items())
            t = self.targets[key] = Target(key, dict(coefs), what, level, code, year, true)
        t.sources.add(source)
        t.kinds.add(kind)

    def add_count(self, year: int, var: str, communes: Iterable[str], value: Any,
                  kind: str, source: str, level: str, code: str) -> None:
        """A published count of ``var`` (a number: an equality; ``s``: a target)."""
        communes = list(communes)
        coefs = self.expr(year, var, communes)
        if value == SECRET:
            self.add_target(self.cell_key(year, var, communes), coefs, var, level, code,
                            year, kind, source)
        elif isinstance(value, Number):
            self.add_row(coefs, value.value - value.tol, value.value + value.tol, kind,
                         source)
            self.published.add(self.cell_key(year, var, communes))
            if value.value == 0.0:
                self.zero_sets.append(set(coefs))

    def add_ratio(self, year: int, name: str, communes: Iterable[str], value: Any,
                  text: str, kind: str, source: str, level: str, code: str) -> None:
        """A published ratio ``factor * num / den`` (an interval from its rounding; ``s``: a
        target when it is the only form of its numerator; an empty value says nothing)."""
        num, den, factor = RATIO_COLUMNS[name]
        communes = list(communes)
        n = self.expr(year, num, communes)
        d = self.expr(year, den, communes)
        if value == SECRET:
            if name in SHARE_TARGETS:
                self.add_target(self.cell_key(year, num, communes), n, num, level, code,
                                year, kind, source.split(" ")[0])
            return
        if isinstance(value, Number):
            self.add_ratio_rows(n, d, factor, value, kind, source)

    def add_ratio_rows(self, n: dict[int, float], d: dict[int, float], factor: float,
                       value: Number, kind: str, source: str) -> None:
        """``|factor * n - value * d| <= tol * d`` (an equality when the value is printed
        to the float's precision)."""
        if value.value == 0.0:  # printed as 0 (a cell inside pinned at 0 is 0 by it)
            self.zero_sets.append(set(n))
        if value.tol <= 1e-9 * max(1.0, abs(value.value)):
            coefs = {v: factor * a for v, a in n.items()}
            for v, a in d.items():
                coefs[v] = coefs.get(v, 0.0) - value.value * a
            self.add_row(coefs, 0.0, 0.0, kind, source)
            return
        for bound, lo, hi in ((value.value + value.tol, -math.inf, 0.0),
                              (value.value - value.tol, 0.0, math.inf)):
            coefs = {v: factor * a for v, a in n.items()}
            for v, a in d.items():
                coefs[v] = coefs.get(v, 0.0) - bound * a
            self.add_row(coefs, lo, hi, kind, source)

    def add_structure(self) -> None:
        """Subsets in every commune and year (exporters <= firms...), public knowledge."""
        for year, communes in self.listed.items():
            for c in communes:
                for part, whole in SUBSETS:
                    a, b = self.atom(year, part, c), self.atom(year, whole, c)
                    if a is not None and b is not None:
                        self.add_row({a: 1.0, b: -1.0}, -math.inf, 0.0, "structure",
                                     f"{part} <= {whole} in {c} {year}")

    # -- checks and solving ----------------------------------------------------
    def truth_violations(self, limit: int = 20) -> list[str]:
        """Constraints that the registry's true counts break (bugs of the attacker)."""
        out = []
        for row in self.rows:
            if any(self.true_values[v] is None for v in row.coefs):
                continue
            x = sum(a * float(self.true_values[v] or 0.0) for v, a in row.coefs.items())
            tol = 1e-6 * max(1.0, sum(abs(a) for a in row.coefs.values()))
            if x < row.lo - tol or x > row.hi + tol:
                out.append(f"{row.source}: true {x:g} not in [{row.lo:g}, {row.hi:g}]")
                if len(out) >= limit:
                    break
        return out

    def intervals(self, exclude: Iterable[str] = (), targets: Sequence[Target] | None = None,
                  budget: int = 200, quick: bool = False) -> list[tuple[float, float, str]]:
        """Interval of each target (all by default) from the rows of every kind but
        ``exclude``, with at most ``budget`` single LP solves (see :func:`_solve_component`
        for ``quick``)."""
        skip = set(exclude)
        rows = [r for r in self.rows if r.kind not in skip]
        return _intervals(rows, list(self.targets.values()) if targets is None else targets,
                          self.n_vars, budget, quick)

    def run(self, budget: int = 200, attribute: bool = True,
            quick: bool = False, exclude: Iterable[str] = ()) -> AttackResult:
        """Attack every target; with ``attribute``, name for each failure the artefact
        kinds without which it is no longer shown (by the same search, without single
        LP solves); with ``quick``, stop searching a part of the programme where bound
        propagation already shows a failure; ``exclude``: kinds of rows left out (e.g.
        ``"structure"``, the subsets such as exporters <= firms)."""
        exclude = list(exclude)
        targets = list(self.targets.values())
        failures, undecided = [], []
        attributed = False
        zero = self.published_zeros()
        n_zero = n_skipped = 0
        for t, (lo, hi, how) in zip(targets, self.intervals(exclude, targets=targets,
                                                            budget=budget, quick=quick),
                                    strict=True):
            if how == "undecided":
                undecided.append(t)
                continue
            if how == "skipped":
                n_skipped += 1
                continue
            rules = _judge(t.true, lo, hi)
            if rules == ["(b) single value"] and _integer_interval(lo, hi)[1] == 0 \
                    and set(t.coefs) <= zero:
                n_zero += 1  # inside a count published as 0
                continue
            if rules:
                failures.append(Failure(t, *_integer_interval(lo, hi), rules, how))
        if attribute and failures:
            attributed = True
            kinds = sorted({r.kind for r in self.rows} - {"structure"})
            for kind in kinds:
                again = self.intervals(exclude=[*exclude, kind],
                                       targets=[f.target for f in failures],
                                       budget=0)
                for f, (_lo, _hi, how) in zip(failures, again, strict=True):
                    if how == "seen":
                        f.needs.append(kind)
        kinds: dict[str, int] = defaultdict(int)
        for r in self.rows:
            kinds[r.kind] += 1
        return AttackResult(failures, undecided, len(targets), self.truth_violations(),
                            dict(kinds), n_zero, n_skipped, attributed)

    def published_zeros(self) -> set[int]:
        """Unknowns that are 0 because a count published as 0 contains them: the
        members of a zero count, and by the rows with a 0 bound, parts of a zero whole
        and cells of a zero total (never by a subtraction of non-zero numbers)."""
        zero: set[int] = set().union(*self.zero_sets) if self.zero_sets else set()
        for row in self.rows:
            if len(row.coefs) == 1 and row.lo == row.hi == 0.0:
                zero.update(row.coefs)
        rules = []
        for row in self.rows:
            pos = {v for v, a in row.coefs.items() if a > 0}
            neg = {v for v, a in row.coefs.items() if a < 0}
            if row.hi == 0.0:  # pos <= neg: a zero neg side makes the pos side zero
                rules.append((neg, pos))
            if row.lo == 0.0:  # pos >= neg
                rules.append((pos, neg))
        changed = True
        while changed:
            changed = False
            for cond, then in rules:
                if then - zero and cond <= zero:
                    zero |= then
                    changed = True
        return zero


# ---------------------------------------------------------------------------
# 5. from the artefacts to the programme
# ---------------------------------------------------------------------------

_LEVEL_WORDS = {"département": "departement", "région": "region", "epci": "epci",
                "commune": "commune"}
_CODE_IN_LABEL = re.compile(r"\(([0-9A-Za-z]+)\)[^()]*$")  # "Name (code)", maybe " *" after
_SUB_COLUMNS = {"pme actives": "firms", "exportatrices": "exp", "born global": "born",
                "en groupement à l'export": "group", "non desservies": "unserved"}


def _listed(release: Release) -> dict[int, set[str]]:
    """Communes a commune table lists, by year (the others have no firm that year)."""
    out: dict[int, set[str]] = defaultdict(set)
    for item in release.items("indicators"):
        if item["level"] != "commune":
            continue
        rows = read_csv_table(release.root / item["path"])
        head = rows[0]
        i_code = head.index("code")
        years = [int(item["year"])]
        if item.get("compare_year") is not None:
            years.append(int(item["compare_year"]))
        for row in rows[1:]:
            for y in years:
                out[y].add(row[i_code].strip())
    return dict(out)


class _Builder:
    """Adds the values of the artefacts of one release to an :class:`Attack`."""

    def __init__(self, attack: Attack, release: Release) -> None:
        self.a = attack
        self.r = release
        self.geo = attack.geo

    def value(self, name: str, year: int, level: str, code: str, communes: Sequence[str],
              text: str, kind: str, source: str, n_actors: Number | None = None) -> None:
        """One published value of indicator ``name`` for a territory and year."""
        parsed = parse_number(text)
        where = f"{source} {name} {level} {code} {year}"
        if parsed is not None:
            self.a.read[kind] += 1
        if name in COUNT_COLUMNS:
            self.a.add_count(year, COUNT_COLUMNS[name], communes, parsed, kind, source,
                             level, code)
        elif name in RATIO_COLUMNS:
            self.a.add_ratio(year, name, communes, parsed, text, kind, where, level, code)
        elif name == "actors_per_100_exporters" and isinstance(n_actors, Number):
            d = self.a.expr(year, "exp", communes)
            if isinstance(parsed, Number):
                # 100 * n_actors = value * exporters (n_actors published, actor-only)
                for bound, lo, hi in ((parsed.value + parsed.tol, -math.inf,
                                       -100.0 * n_actors.value),
                                      (parsed.value - parsed.tol, -100.0 * n_actors.value,
                                       math.inf)):
                    self.a.add_row({v: -bound * c for v, c in d.items()}, lo, hi, kind,
                                   where)

    def change(self, name: str, year: int, before: int, communes: Sequence[str], text: str,
               kind: str, source: str) -> None:
        """A published difference between two years of a count."""
        if name not in COUNT_COLUMNS:
            return
        parsed = parse_number(text)
        if not isinstance(parsed, Number):
            return
        var = COUNT_COLUMNS[name]
        coefs = self.a.expr(year, var, communes)
        for v, c in self.a.expr(before, var, communes).items():
            coefs[v] = coefs.get(v, 0.0) - c
        self.a.add_row(coefs, parsed.value - parsed.tol, parsed.value + parsed.tol, kind,
                       f"{source} {name} change {year}-{before}")

    def growth(self, year: int, before: int, communes: Sequence[str], text: str, kind: str,
               source: str) -> None:
        """``exporter_growth = (exp(y) - exp(y-1)) / exp(y-1)``."""
        parsed = parse_number(text)
        if not isinstance(parsed, Number):
            return
        now = self.a.expr(year, "exp", communes)
        prev = self.a.expr(before, "exp", communes)
        for bound, lo, hi in ((parsed.value + parsed.tol, -math.inf, 0.0),
                              (parsed.value - parsed.tol, 0.0, math.inf)):
            coefs = dict(now)
            for v, c in prev.items():
                coefs[v] = coefs.get(v, 0.0) - (1.0 + bound) * c
            self.a.add_row(coefs, lo, hi, kind, f"{source} exporter_growth {year}")

    # -- indicator tables --------------------------------------------------------
    def indicators(self, item: dict[str, Any]) -> None:
        level, year = item["level"], int(item["year"])
        before = item.get("compare_year")
        source = f"indicators/{level}/{year}"
        rows = read_csv_table(self.r.root / item["path"])
        head = rows[0]
        col = {h: i for i, h in enumerate(head)}
        suffixes = [("", year)] + ([("_compare", int(before))] if before is not None else [])
        for row in rows[1:]:
            code = row[col["code"]].strip()
            communes = sorted(self.geo.members(level, code))
            for suffix, yr in suffixes:
                n_act = parse_number(row[col["n_actors" + suffix]]) \
                    if "n_actors" + suffix in col else None
                for name in (*COUNT_COLUMNS, *RATIO_COLUMNS, "actors_per_100_exporters"):
                    if name + suffix in col:
                        self.value(name, yr, level, code, communes, row[col[name + suffix]],
                                   "indicators", source,
                                   n_act if isinstance(n_act, Number) else None)
            if before is not None:
                for name in COUNT_COLUMNS:
                    if name + "_change" in col:
                        self.change(name, year, int(before), communes,
                                    row[col[name + "_change"]], "indicators", source)
                if int(before) == year - 1 and "exporter_growth" in col:
                    self.growth(year, int(before), communes, row[col["exporter_growth"]],
                                "indicators", source)

    # -- maps --------------------------------------------------------------------
    def map(self, item: dict[str, Any]) -> None:
        level, year, name = item["level"], int(item["year"]), item["indicator"]
        source = f"map/{name}/{level}"
        for code, _label, text in map_values(self.r.root / item["path"]):
            communes = sorted(self.geo.members(level, code))
            if not communes:
                continue
            self.value(name, year, level, code, communes, text, "map", source)

    # -- reports -----------------------------------------------------------------
    def report(self, item: dict[str, Any], labels: dict[str, str]) -> None:
        from ecosystem.settings import POSTURES, STAGES

        level, code, year = item["level"], str(item["code"]), int(item["year"])
        before = int(item["compare_year"])
        home = sorted(self.geo.members(level, code))
        tables = self.r.root / item["path"] / "tables"
        src = f"report/{level}/{code}"
        region = self.geo.level_of("region", home[0]) if home else ""
        for path in sorted(tables.glob("*.csv")):
            rows = read_csv_table(path)
            name = path.stem
            source = f"{src}/{name}"
            head = rows[0]
            if name.startswith("indicateurs_"):
                self._report_indicators(rows, labels, level, code, home, region, year, before,
                                        source)
            elif name == "classement":
                lvl = _LEVEL_WORDS.get(head[0].strip().lower())
                i_n = head.index("PME actives") if "PME actives" in head else None
                if lvl is None or i_n is None:
                    continue
                for row in rows[1:]:
                    m = _CODE_IN_LABEL.search(row[0])
                    if m:
                        self.value("n_firms", year, lvl, m.group(1),
                                   sorted(self.geo.members(lvl, m.group(1))), row[i_n],
                                   "report", source)
            elif name == "pme_par_territoire":
                self._report_by_sub(rows, level, code, home, year, source)
            elif name == "pme_stade_posture":
                stage_codes = {fr.lower(): c for c, (fr, _en) in STAGES.items()}
                posture_codes = {fr.lower(): c for c, (fr, _en) in POSTURES.items()}
                self._report_stage_posture(rows, stage_codes, posture_codes, level, code,
                                           home, year, source)
            elif name == "pme_iso":
                self._report_iso(rows, level, code, home, year, source)
            elif name == "pme_marches":
                self._report_markets(rows, level, code, home, year, source)
            elif any(parse_number(c) == SECRET for row in rows[1:] for c in row[1:]):
                self._report_generic(rows, level, code, year, source)

    def _report_indicators(self, rows: list[list[str]], labels: dict[str, str], level: str,
                           code: str, home: list[str], region: str, year: int, before: int,
                           source: str) -> None:
        head = [h.strip() for h in rows[0]]
        reg_members = sorted(self.geo.members("region", region)) if region else []
        columns: list[tuple[int, int | None, str, str, list[str], str]] = []
        for i, h in enumerate(head):
            if h == str(year):
                columns.append((i, year, level, code, home, "value"))
            elif h == str(before):
                columns.append((i, before, level, code, home, "value"))
            elif h.startswith("Région") and level != "region":
                columns.append((i, year, "region", region, reg_members, "value"))
            elif h == "Évolution":
                columns.append((i, None, level, code, home, "change"))
        actors = {}
        for row in rows[1:]:
            if labels.get(row[0].strip()) == "n_actors":
                for i, *_ in columns:
                    actors[i] = parse_number(row[i])
        for row in rows[1:]:
            name = labels.get(row[0].strip())
            if name is None:
                continue
            for i, yr, lvl, cd, members, what in columns:
                if i >= len(row):
                    continue
                if what == "change":
                    self.change(name, year, before, members, row[i], "report", source)
                elif name == "exporter_growth":
                    if yr == year:
                        self.growth(year, before, members, row[i], "report", source)
                elif yr is not None:
                    n_act = actors.get(i)
                    self.value(name, yr, lvl, cd, members, row[i], "report", source,
                               n_act if isinstance(n_act, Number) else None)

    def _report_by_sub(self, rows: list[list[str]], level: str, code: str, home: list[str],
                       year: int, source: str) -> None:
        head = rows[0]
        sub = _LEVEL_WORDS.get(head[0].strip().lower())
        if sub is None:
            return
        home_set = set(home)
        for row in rows[1:]:
            label = row[0].strip()
            if label.lower() == "total":
                members, sub_code, lvl = home, code, level
            else:
                m = _CODE_IN_LABEL.search(label)
                if m:
                    sub_code = m.group(1)
                    if label.endswith("*"):  # marked: the whole unit, across the border
                        members = sorted(self.geo.members(sub, sub_code))
                        lvl = sub
                        for i, h in enumerate(head[1:], start=1):
                            var = _SUB_COLUMNS.get(h.strip().lower())
                            if var is None or i >= len(row):
                                continue
                            parsed = parse_number(row[i])
                            self.a.read["report"] += parsed is not None
                            self.a.add_count(year, var, members, parsed, "report", source,
                                             lvl, sub_code)
                        continue
                    members = sorted(self.geo.members(sub, sub_code) & home_set)
                    if not members:  # not a part of the territory in the geography: unplaced
                        continue
                else:  # firms without a code of the sub-level
                    sub_code = "(none)"
                    members = sorted(c for c in home if not self.geo.level_of(sub, c))
                lvl = sub
                if sub_code == "(none)" or self.geo.members(sub, sub_code) - home_set:
                    lvl = f"{sub}∩{level}"
            for i, h in enumerate(head[1:], start=1):
                var = _SUB_COLUMNS.get(h.strip().lower())
                if var is None or i >= len(row):
                    continue
                parsed = parse_number(row[i])
                self.a.read["report"] += parsed is not None
                self.a.add_count(year, var, members, parsed, "report", source, lvl, sub_code)

    def _aux_table(self, rows: list[list[str]], source: str, year: int, level: str,
                   code: str, truth: dict[tuple[str, str], float] | None
                   ) -> dict[tuple[str, str], int]:
        """Every numeric or suppressed cell of a report table as an unknown, published
        values as equalities, suppressed ones as targets, the Total row and column as
        sums."""
        head = [h.strip() for h in rows[0]]
        cells: dict[tuple[str, str], int] = {}
        for row in rows[1:]:
            r = row[0].strip()
            for j, h in enumerate(head[1:], start=1):
                if j >= len(row):
                    continue
                parsed = parse_number(row[j])
                if parsed is None:
                    continue
                self.a.read["report"] += 1
                true = None if truth is None else float(truth.get((r, h), 0.0))
                v = self.a.aux((source, r, h), true)
                cells[(r, h)] = v
                if parsed == SECRET:
                    self.a.add_target(("aux", source, r, h), {v: 1.0}, f"{Path(source).name}"
                                      f"[{r} | {h}]", level, code, year, "report", source,
                                      true)
                elif isinstance(parsed, Number):
                    self.a.add_row({v: 1.0}, parsed.value - parsed.tol,
                                   parsed.value + parsed.tol, "report", f"{source} [{r}|{h}]")
        rows_l = {r for r, _ in cells}
        cols_l = {h for _, h in cells}
        if "Total" in cols_l:
            for r in rows_l:
                parts = {cells[(r, h)]: 1.0 for h in cols_l if h != "Total" and (r, h) in cells}
                if (r, "Total") in cells and parts:
                    parts[cells[(r, "Total")]] = -1.0
                    self.a.add_row(parts, 0.0, 0.0, "report", f"{source} row {r}")
        if "Total" in rows_l:
            for h in cols_l:
                parts = {cells[(r, h)]: 1.0 for r in rows_l if r != "Total" and (r, h) in cells}
                if ("Total", h) in cells and parts:
                    parts[cells[("Total", h)]] = -1.0
                    self.a.add_row(parts, 0.0, 0.0, "report", f"{source} column {h}")
        return cells

    def _firms_of(self, home: list[str], year: int) -> pd.DataFrame | None:
        flags = getattr(self.a, "firm_flags", {}).get(year)
        if flags is None:
            return None
        return flags[flags["commune"].isin(set(home))]

    def _report_stage_posture(self, rows: list[list[str]], stage_codes: dict[str, str],
                              posture_codes: dict[str, str], level: str, code: str,
                              home: list[str], year: int, source: str) -> None:
        firms = self._firms_of(home, year)
        truth = None
        head = [h.strip() for h in rows[0]]
        # the firms of each stage: a "Total" column, or the only column ("PME actives")
        whole = "Total" if "Total" in head else head[1] if len(head) == 2 else "Total"
        rows = [[head[0], *["Total" if h == whole else h for h in head[1:]]], *rows[1:]]
        head = [h.strip() for h in rows[0]]
        if firms is not None:
            truth = {}
            for row in rows[1:]:
                r = row[0].strip()
                in_row = firms if r == "Total" else firms[
                    firms["stage"] == stage_codes.get(r.lower(), r)]
                for h in head[1:]:
                    sel = in_row if h == "Total" else in_row[
                        in_row["posture"] == posture_codes.get(h.lower(), h)]
                    truth[(r, h)] = float(len(sel))
        cells = self._aux_table(rows, source, year, level, code, truth)
        exporting = [r for r, _ in cells if r != "Total" and stage_codes.get(r.lower()) not
                     in (None, "local")]
        proactive = [h for _, h in cells if posture_codes.get(h.lower()) == "proactive"]
        links = [("exp", {cells[(r, "Total")]: 1.0 for r in exporting if (r, "Total") in cells})]
        if proactive:
            links.append(("pro", {cells[(r, proactive[0])]: 1.0 for r in exporting
                                  if (r, proactive[0]) in cells}))
        if ("Total", "Total") in cells:
            links.append(("firms", {cells[("Total", "Total")]: 1.0}))
        for var, parts in links:
            if not parts:
                continue
            coefs = dict(parts)
            for v, c in self.a.expr(year, var, home).items():
                coefs[v] = coefs.get(v, 0.0) - c
            self.a.add_row(coefs, 0.0, 0.0, "report", f"{source} = {var} {level} {code}")

    def _report_iso(self, rows: list[list[str]], level: str, code: str, home: list[str],
                    year: int, source: str) -> None:
        firms = self._firms_of(home, year)
        head = [h.strip() for h in rows[0]]
        truth = None
        if firms is not None:
            truth = {}
            for row in rows[1:]:
                r = row[0].strip()
                std = r.removeprefix("ISO ").strip()
                has = firms[[std in x for x in firms["iso_list"]]]
                for h in head[1:]:
                    sel = has if h == "Total" else has[has["exp"]] if h == "Exportatrices" \
                        else has[~has["exp"]]
                    truth[(r, h)] = float(len(sel))
        cells = self._aux_table(rows, source, year, level, code, truth)
        exp = self.a.expr(year, "exp", home)
        firms_e = self.a.expr(year, "firms", home)
        for (r, h), v in cells.items():
            coefs = {v: 1.0}
            if h == "Exportatrices":
                for k, c in exp.items():
                    coefs[k] = coefs.get(k, 0.0) - c
            elif h == "Non exportatrices":
                for k, c in firms_e.items():
                    coefs[k] = coefs.get(k, 0.0) - c
                for k, c in exp.items():
                    coefs[k] = coefs.get(k, 0.0) + c
            else:
                for k, c in firms_e.items():
                    coefs[k] = coefs.get(k, 0.0) - c
            self.a.add_row(coefs, -math.inf, 0.0, "report", f"{source} [{r}|{h}] <= firms")

    def _report_markets(self, rows: list[list[str]], level: str, code: str, home: list[str],
                        year: int, source: str) -> None:
        firms = self._firms_of(home, year)
        head = [h.strip() for h in rows[0]]
        truth = None
        if firms is not None:
            truth = {}
            for row in rows[1:]:
                m = _CODE_IN_LABEL.search(row[0])
                cc = m.group(1).upper() if m else ""
                truth[(row[0].strip(), head[1])] = float(sum(cc in x
                                                             for x in firms["market_list"]))
        cells = self._aux_table(rows, source, year, level, code, truth)
        firms_e = self.a.expr(year, "firms", home)
        order = [cells[(row[0].strip(), head[1])] for row in rows[1:]
                 if (row[0].strip(), head[1]) in cells]
        for v in order:  # (their order by count is not used: it may differ when hidden)
            coefs = {v: 1.0}
            for k, c in firms_e.items():
                coefs[k] = coefs.get(k, 0.0) - c
            self.a.add_row(coefs, -math.inf, 0.0, "report", f"{source} <= firms")

    def _report_generic(self, rows: list[list[str]], level: str, code: str, year: int,
                        source: str) -> None:
        self._aux_table(rows, source, year, level, code, None)


def _labels() -> dict[str, str]:
    from ecosystem import catalogue

    return {i.label_fr: i.name for i in catalogue.INDICATORS}


def attack_release(release: Release, registry: str | os.PathLike[str],
                   kinds: Iterable[str] = ("indicators", "map", "report")) -> Attack:
    """The programme of one release: public geography, the artefacts of ``kinds``, the
    registry's truth (to judge and to check the attacker)."""
    geo = Geography.of_registry(registry)
    years = [release.year, release.compare_year]
    truth: dict[int, pd.DataFrame] = {}
    flags: dict[int, pd.DataFrame] = {}
    for y in years:
        truth[y], flags[y] = truth_counts(registry, y)
    attack = Attack(geo, _listed(release), truth)
    attack.firm_flags = flags  # type: ignore[attr-defined]
    attack.unlisted = {  # type: ignore[attr-defined]
        y: sorted(set(truth[y].index[truth[y]["firms"] > 0]) - attack.listed.get(y, set()))
        for y in years}
    build = _Builder(attack, release)
    kinds = set(kinds)
    if "indicators" in kinds:
        for item in release.items("indicators"):
            build.indicators(item)
    if "map" in kinds:
        for item in release.items("map"):
            build.map(item)
    if "report" in kinds:
        labels = _labels()
        for item in release.items("report"):
            build.report(item, labels)
    attack.add_structure()
    return attack


# ---------------------------------------------------------------------------
# 6. second opinion: pytauargus' audit
# ---------------------------------------------------------------------------

@dataclass
class AuditFailure:
    """A cell whose realized interval in pytauargus' audit breaks rule (a)."""

    level: str
    code: str
    true: float
    lo: float
    hi: float

    def line(self) -> str:
        return (f"{self.level} {self.code}: true {self.true:g}, audit interval "
                f"[{self.lo:g}, {self.hi:g}]")


def tau_audit(attack: Attack, var: str, year: int, workdir: str | os.PathLike[str]
              ) -> tuple[list[AuditFailure], int]:
    """Audit the published suppression pattern of ``var`` in ``year`` with pytauargus.

    The commune > département hierarchical table of ``var`` (total: the région) is built
    from the registry's microdata (one record per active firm, response 0/1); the cells
    that no artefact publishes although one suppresses them get the a-priori status
    ``u`` (true value 1-2) or ``m``; ``Engine.audit`` gives their realized intervals.

    Returns
    -------
    failures : list of AuditFailure
        Cells of true value 1-2 whose interval excludes 0 or ends below 3.
    n_audited : int
        Suppressed cells audited.
    """
    from pytauargus.engine import Engine
    from pytauargus.hrc import write_hrc
    from pytauargus.micro import micro_asc_rda

    wd = Path(workdir).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    flags = attack.firm_flags[year]  # type: ignore[attr-defined]
    geo = attack.geo
    flags = flags[flags["commune"].isin(geo.communes.index)]
    communes = flags["commune"].astype(str).tolist()
    deps = [geo.level_of("departement", c) for c in communes]
    values = [int(v) for v in flags[var].to_numpy(dtype=bool)]
    truth = flags.groupby("commune")[var].sum()
    truth_dep = pd.Series(values, index=deps, dtype=int).groupby(level=0).sum()
    region = geo.level_of("region", communes[0])
    # the engine takes the smallest cell of the table as every cell's lower bound: a
    # published empty commune (0) keeps it at 0, as for any count
    zc = "Z" * max(len(c) for c in communes)
    zd = ("Y" if len(zc) == max(len(d) for d in deps) else "Z") * max(len(d) for d in deps)
    micro = {"dep": [*deps, zd], "commune": [*communes, zc], "value": [*values, 0]}
    cells: list[tuple[str, str, str, float]] = []  # (level, code, apriori code, true)
    for c in sorted(set(communes)):
        cells.append(("commune", c, c, float(truth.get(c, 0))))
    for d in sorted(set(deps)):
        cells.append(("departement", d, d, float(truth_dep.get(d, 0))))
    cells.append(("region", region, "Total", float(truth.sum())))
    lines = []
    suppressed: dict[str, tuple[str, str, float]] = {}
    for level, code, ap_code, true in cells:
        key = attack.cell_key(year, var, geo.members(level, code))
        if key in attack.targets and key not in attack.published:
            lines.append(f"{ap_code};{'u' if 1 <= true <= 2 else 'm'}")
            suppressed[ap_code] = (level, code, true)
    if not lines:
        return [], 0
    hrc = write_hrc(micro, ["commune", "dep"], hrc_filename=str(wd / "geo.hrc"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        micro_asc_rda(micro, asc_filename=str(wd / "micro.asc"),
                      rda_filename=str(wd / "micro.rda"), hrc={"commune": hrc})
    (wd / "apriori.hst").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (wd / "audit.arb").write_text(
        f'<OPENMICRODATA> "{wd / "micro.asc"}"\n'
        f'<OPENMETADATA> "{wd / "micro.rda"}"\n'
        '<SPECIFYTABLE> "commune"|"value"||\n'
        "<SAFETYRULE>\n"
        "<READMICRODATA>\n"
        f'<APRIORI> "{wd / "apriori.hst"}",1,";",0,0\n', encoding="utf-8")
    engine = Engine().run_batch(wd / "audit.arb")
    tau = engine._tau
    vi = engine.metadata.index_of("commune")
    _n, n_active = tau.get_var_number_of_codes(vi)
    code_of = {}
    for ci in range(n_active):  # cell i of a one-variable table is its code i (0: total)
        ok, _t, cs, _m, _l = tau.get_var_code(vi, ci)
        if ok:
            code_of[ci] = (cs or "").strip() or "Total"
    failures = []
    rows = engine.audit(0)
    for r in rows:
        ap_code = code_of.get(int(r["cell"]), "?")
        if ap_code not in suppressed:
            continue
        level, code, true = suppressed[ap_code]
        if 1 <= true <= 2 and (r["min"] > _EPS or r["max"] < 3 - _EPS):
            failures.append(AuditFailure(level, code, true, float(r["min"]),
                                         float(r["max"])))
    return failures, len(rows)


def format_failures(result: AttackResult, title: str, limit: int = 60) -> str:
    """A readable list of the failures of an attack."""
    lines = [f"{title}: {len(result.failures)} of {result.n_targets} suppressed counts "
             f"narrowed too much ({result.n_zero} inside a count published as 0 not "
             f"counted; {len(result.undecided)} left undecided by the LP budget; "
             f"{result.n_skipped} not searched once failures were shown); by artefact "
             f"that suppressed them: {result.by_kind()}"]
    if result.attributed:
        needs: dict[str, int] = defaultdict(int)
        for f in result.failures:
            needs[", ".join(f.needs) or "(not shown by removing one kind)"] += 1
        lines.append(f"  narrowed only with: {dict(needs)}")
    for f in result.failures[:limit]:
        lines.append("  " + f.line())
    if len(result.failures) > limit:
        lines.append(f"  ... and {len(result.failures) - limit} more")
    return "\n".join(lines)


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.attacker")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("produce", help="write the public artefacts of one release")
    p.add_argument("--registry", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--departement", required=True)
    p.add_argument("--year", type=int)
    p.add_argument("--build", help="JSON keyword arguments of ecosystem.demo.build_demo")
    p.add_argument("--maps", default=",".join(MAP_INDICATORS),
                   help="indicators of the public maps, comma-separated")
    p.add_argument("--reports", default="departement,region",
                   help="reports to write: departement, region or both, comma-separated")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.build:
        from ecosystem.demo import build_demo

        build_demo(args.registry, **json.loads(args.build))
    produce(args.registry, args.out, departement=args.departement, year=args.year,
            map_indicators=[m for m in args.maps.split(",") if m],
            reports=[r for r in args.reports.split(",") if r])
    return 0


if __name__ == "__main__":
    sys.exit(_main())
