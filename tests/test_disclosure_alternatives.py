"""One table published under several alternative choices
(:func:`ecosystem.disclosure.protect_alternatives`): checked cell by cell on hand-made
tables, then by an attacker's linear programme on random families of tables, with and
without the assumption that a site hidden in two choices has the same value in both."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from ecosystem.disclosure import SECRET, TOTAL_LABEL, protect_alternatives


def _family(cols: dict[int, dict[str, float]]) -> pd.DataFrame:
    """Cells by choice from {choice: {label: value}} (absent cells NaN)."""
    labels = list(dict.fromkeys(lab for c in cols.values() for lab in c))
    return pd.DataFrame({k: [c.get(lab, np.nan) for lab in labels] for k, c in cols.items()},
                        index=labels, dtype=float)


def test_the_finding_one_more_site_with_one_firm() -> None:
    """Plans of k and k + 1 sites, the second one the first plus a site of one firm:
    the two totals are never both published (their difference is that firm)."""
    plans = {k: {f"site{i}": float(10 + i) for i in range(k)} for k in range(1, 6)}
    plans[6] = {**plans[5], "site5": 1.0}
    v = _family(plans)
    pub = protect_alternatives(v, v)
    totals = pub.table.loc[TOTAL_LABEL]
    assert pub.table.at["site5", 6] == SECRET
    assert SECRET in (totals[5], totals[6])
    # the plans of 1 to 5 sites have nothing small: published as they are
    for k in range(1, 6):
        assert totals[k] == sum(plans[k].values())
        assert all(pub.table.at[lab, k] == val for lab, val in plans[k].items())


def test_differences_of_totals() -> None:
    # totals 30, 32, 40: 32 - 30 = 2 firms -> the later one is hidden
    v = _family({1: {"a": 30.0}, 2: {"a": 20.0, "b": 12.0}, 3: {"a": 20.0, "b": 20.0}})
    pub = protect_alternatives(v, v)
    assert pub.table.loc[TOTAL_LABEL, [1, 2]].tolist() == [30.0, SECRET]
    rules = {(a["row"], a["column"]): a["rule"] for a in pub.audit}
    assert rules[(TOTAL_LABEL, 2)] == "difference"
    # choice 2 now has its total hidden: one cell is hidden with it (the smaller one),
    # and that cell, hidden to protect, is hidden in every choice where it appears
    assert pub.table.at["b", 2] == SECRET and pub.table.at["b", 3] == SECRET
    assert pub.table.at["a", 2] == 20.0
    # choice 3 then hides one more member (40 - 20 would give b away)
    assert pub.table[3].tolist().count(SECRET) >= 2


def test_a_zero_cell_and_dominance() -> None:
    w = _family({1: {"a": 100.0, "b": 0.0}, 2: {"a": 100.0, "b": 0.0, "c": 90.0}})
    n = _family({1: {"a": 10.0, "b": 0.0}, 2: {"a": 10.0, "b": 0.0, "c": 4.0}})
    big = _family({1: {"a": 12.0, "b": 0.0}, 2: {"a": 12.0, "b": 0.0, "c": 80.0}})
    pub = protect_alternatives(w, n, largest=big)
    # c: 4 firms but one of them holds 80 of 90 (> 85 %)
    assert pub.table.at["c", 2] == SECRET
    assert pub.table.at["b", 2] == 0.0  # a zero cell hides nothing
    assert pub.table.at[TOTAL_LABEL, 1] == 100.0


def test_input_errors() -> None:
    v = _family({1: {"a": 3.0}})
    with pytest.raises(ValueError, match="missing"):
        protect_alternatives(v, pd.DataFrame({1: [np.nan]}, index=["a"]))
    with pytest.raises(ValueError, match="negative"):
        protect_alternatives(v, pd.DataFrame({1: [-1.0]}, index=["a"]))


# ---------------------------------------------------------------------------
# the attacker's check on random families
# ---------------------------------------------------------------------------

def _bounds(raw: pd.DataFrame, pub: pd.DataFrame, same_hidden_equal: bool
            ) -> dict[tuple[str, int], tuple[float, float]] | None:
    """Smallest and largest value of every hidden cell compatible with what is
    published: unknowns are the hidden cells and totals (>= 0), one equation per choice
    (its cells add up to its total); with ``same_hidden_equal``, a label hidden in two
    choices is assumed to have one value (the "nothing changed" guess). None when the
    guess contradicts the published figures."""
    labels = list(raw.index)
    choices = list(raw.columns)
    unknown: dict[tuple[str, int], int] = {}
    for j in choices:
        for lab in [*labels, TOTAL_LABEL]:
            present = lab == TOTAL_LABEL or not pd.isna(raw.at[lab, j])
            if present and pub.at[lab, j] == SECRET:
                unknown[(lab, j)] = len(unknown)
    if not unknown:
        return {}
    rows, rhs = [], []
    for j in choices:
        row = np.zeros(len(unknown))
        const = 0.0
        for lab in labels:
            if pd.isna(raw.at[lab, j]):
                continue
            if (lab, j) in unknown:
                row[unknown[(lab, j)]] += 1
            else:
                const += float(pub.at[lab, j])
        if (TOTAL_LABEL, j) in unknown:
            row[unknown[(TOTAL_LABEL, j)]] -= 1
        else:
            const -= float(pub.at[TOTAL_LABEL, j])
        rows.append(row)
        rhs.append(-const)
    if same_hidden_equal:
        for lab in labels:
            hidden = [unknown[(lab, j)] for j in choices if (lab, j) in unknown]
            for a, b in itertools.pairwise(hidden):
                row = np.zeros(len(unknown))
                row[a], row[b] = 1, -1
                rows.append(row)
                rhs.append(0.0)
    a_eq, b_eq = np.array(rows), np.array(rhs)
    out = {}
    for key, pos in unknown.items():
        c = np.zeros(len(unknown))
        c[pos] = 1
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if lo.status == 2:
            return None  # infeasible: the guess is wrong, nothing learnt
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        out[key] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def _random_family(rng: np.random.Generator) -> pd.DataFrame:
    """Plans of 1..k sites: nested (a site added each time) or re-chosen, sites keeping
    their count or losing firms to a new neighbour; some sites of 1-2 firms."""
    n_sites, k = int(rng.integers(3, 8)), int(rng.integers(2, 6))
    base = {f"s{i}": float(rng.choice([1, 2, 3, 5, 8, 13, 20])) for i in range(n_sites)}
    cols: dict[int, dict[str, float]] = {}
    nested = rng.random() < 0.6
    for j in range(1, k + 1):
        if nested:
            chosen = list(base)[:min(j, n_sites)]
        else:
            chosen = list(rng.choice(list(base), size=min(j, n_sites), replace=False))
        cols[j] = {s: max(0.0, base[s] - float(rng.integers(0, 3)) * (rng.random() < 0.3))
                   for s in chosen}
    return _family(cols)


@pytest.mark.parametrize("seed", range(150))
def test_no_hidden_count_is_pinned(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = _random_family(rng)
    pub = protect_alternatives(raw, raw, name="random")
    table = pub.table
    # every 1-2 firm cell and total is hidden; zero cells are published
    for j in raw.columns:
        for lab in raw.index:
            x = raw.at[lab, j]
            if not pd.isna(x) and 1 <= x <= 2:
                assert table.at[lab, j] == SECRET
            if x == 0:
                assert table.at[lab, j] == 0.0
        # published values are the true ones
        for lab in raw.index:
            if table.at[lab, j] != SECRET and not pd.isna(raw.at[lab, j]):
                assert table.at[lab, j] == raw.at[lab, j]
    # no two published totals differ by 1 or 2 firms
    totals = [t for t in table.loc[TOTAL_LABEL] if t != SECRET]
    assert not [(a, b) for a, b in itertools.combinations(totals, 2) if 1 <= abs(a - b) <= 2]
    # an attacker with every choice's table, with or without the "unchanged" guess,
    # pins no hidden cell of 1-2 firms to one value nor to the range 1-2
    for guess in (False, True):
        bounds = _bounds(raw, table, guess)
        if bounds is None:
            continue
        for (lab, j), (lo, hi) in bounds.items():
            if lab == TOTAL_LABEL or not 1 <= raw.at[lab, j] <= 2:
                continue
            assert hi - lo > 0.5, (seed, guess, lab, j, lo, hi, table.to_dict())
            assert not (lo >= 1 - 1e-9 and hi <= 2 + 1e-9), (seed, guess, lab, j)
