"""Statistical disclosure control of published tables (ecosystem.disclosure).

The secondary suppression is τ-Argus's (optimal, so its pattern is not worked out by
hand); the tests check what must hold whatever the pattern. ``assert_protected`` is an
independent checker: it solves, with a linear programme, what an attacker can deduce
about each suppressed cell from the published cells and totals. Other test files can
reuse it: ``from tests.test_disclosure import assert_protected``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from ecosystem import settings
from ecosystem.disclosure import (
    SECRET,
    TOTAL_LABEL,
    PublishedTable,
    audit_frame,
    primary_confidential,
    protect_series,
    protect_table,
)

S = SECRET


def assert_protected(published: PublishedTable, counts: pd.DataFrame,
                     values: pd.DataFrame | None = None, *,
                     total_label: str = TOTAL_LABEL, min_firms: int = 3) -> None:
    """Check that no primary-suppressed cell can be deduced from a published table.

    Parameters
    ----------
    published : PublishedTable
        What ``protect_table`` returned. Its totals row / column are recognised by
        ``total_label``.
    counts : pandas.DataFrame
        Number of firms of each cell, **without** totals (totals are summed here).
    values : pandas.DataFrame, optional
        True values of the cells without totals: when given, the published
        numbers must equal them and every true value must lie in its interval.

    Checks, computed here independently of the module:

    - every cell and total of 1 to ``min_firms - 1`` firms is suppressed;
    - published numbers add up (every fully published relation holds);
    - for every primary-suppressed cell (audit rule ``frequency`` or
      ``dominance``), the interval of values compatible with the published figures
      (unknowns: suppressed cells and totals, >= 0; one equality per row / column
      whose total exists) has a width > 0: it cannot be deduced exactly; in a
      count table, the interval of a cell of 1 or 2 firms contains 0 and reaches
      ``min_firms``.
    """
    tab = published.table
    row_tot = total_label in tab.columns
    col_tot = total_label in tab.index
    rows = [r for r in tab.index if not (col_tot and r == total_label)]
    cols = [c for c in tab.columns if not (row_tot and c == total_label)]
    assert list(counts.index) == rows and list(counts.columns) == cols
    assert not published.audit or "rule" not in tab.columns  # audit is kept apart

    # Counts of every entry, totals summed by hand.
    n = {(r, c): float(counts.loc[r, c]) for r in rows for c in cols}
    if row_tot:
        for r in rows:
            n[r, total_label] = sum(n[r, c] for c in cols)
    if col_tot:
        for c in tab.columns:
            n[total_label, c] = sum(n[r, c] for r in rows)
    for key, k in n.items():
        if 1 <= k < min_firms:
            assert tab.loc[key] == S, f"{key} has {k} firms but is published"
    if values is not None:
        for r in rows:
            for c in cols:
                if tab.loc[r, c] != S:
                    assert tab.loc[r, c] == values.loc[r, c], (r, c)

    unknown = [(r, c) for r in tab.index for c in tab.columns if tab.loc[r, c] == S]
    pos = {key: i for i, key in enumerate(unknown)}
    relations = []  # (parts, total)
    if row_tot:
        relations += [([(r, c) for c in cols], (r, total_label)) for r in tab.index]
    if col_tot:
        relations += [([(r, c) for r in rows], (total_label, c)) for c in tab.columns]
    a_eq, b_eq = [], []
    for parts, total in relations:
        coef = np.zeros(len(unknown))
        rhs = 0.0
        for key, sign in [(p, 1.0) for p in parts] + [(total, -1.0)]:
            if key in pos:
                coef[pos[key]] += sign
            else:
                rhs -= sign * float(tab.loc[key])
        if coef.any():
            a_eq.append(coef)
            b_eq.append(rhs)
        else:
            assert abs(rhs) <= 1e-9 * max(1.0, abs(float(tab.loc[total]))), \
                f"published relation of {total} does not add up"
    if values is not None and unknown:  # the truth must be feasible
        truth = _full_values(values, row_tot, col_tot, total_label)
        x = np.array([truth[key] for key in unknown])
        if a_eq:
            np.testing.assert_allclose(np.array(a_eq) @ x, b_eq, atol=1e-6)

    counts_table = values is not None and values.astype(float).equals(counts.astype(float))
    primaries = [(a["row"], a["column"]) for a in published.audit
                 if a["rule"] in ("frequency", "dominance")]
    for key in primaries:
        assert key in pos, f"primary cell {key} is published"
        if not a_eq:
            continue  # no relation constrains it: unbounded
        c = np.zeros(len(unknown))
        c[pos[key]] = 1.0
        lo = linprog(c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
        assert lo.status == 0, (key, lo.message)
        if hi.status == 3:  # unbounded above
            continue
        assert hi.status == 0, (key, hi.message)
        width = -hi.fun - lo.fun
        assert width > 1e-6, f"primary cell {key} is deducible: it must be {lo.fun}"
        if counts_table and 1 <= n[key] < min_firms:
            # a count of 1 or 2 firms may as well be 0 or min_firms (PRODUCT.md)
            assert lo.fun <= 1e-6 and -hi.fun >= min_firms - 1e-6, \
                f"primary cell {key} is narrowed to [{lo.fun}, {-hi.fun}]"


def _full_values(values: pd.DataFrame, row_tot: bool, col_tot: bool,
                 total_label: str) -> dict:
    out = {(r, c): float(values.loc[r, c]) for r in values.index for c in values.columns}
    if row_tot:
        for r in values.index:
            out[r, total_label] = sum(out[r, c] for c in values.columns)
    cols = list(values.columns) + ([total_label] if row_tot else [])
    if col_tot:
        for c in cols:
            out[total_label, c] = sum(out[r, c] for r in values.index)
    return out


def relations_ok(mask: pd.DataFrame, row_tot: bool, col_tot: bool) -> bool:
    """No row or column (with its total) has exactly one suppressed member."""
    m = mask.to_numpy()
    lines = ([m[i, :] for i in range(m.shape[0])] if row_tot else []) + \
        ([m[:, j] for j in range(m.shape[1])] if col_tot else [])
    return all(line.sum() != 1 for line in lines)


def frame(rows: list[list], index: list[str], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=index, columns=columns)


def mask(rows: list[str], index: list[str], columns: list[str]) -> pd.DataFrame:
    """A mask written as strings: 's' suppressed, '.' published."""
    return pd.DataFrame([[ch == "s" for ch in row.replace(" ", "")] for row in rows],
                        index=index, columns=columns)


ROWS3 = ["r1", "r2", "r3"]
COLS3 = ["A", "B", "C"]
T = TOTAL_LABEL


# 1. Frequency rule on a 3x3 table with totals -------------------------------------------

def test_frequency_rule_3x3_with_totals():
    counts = frame([[10, 2, 20], [5, 30, 8], [40, 6, 7]], ROWS3, COLS3)
    pub = protect_table(counts, counts, row_totals=True, column_totals=True, name="t1")
    # (r1,B) has 2 firms: primary; every row and column with a secret has two
    assert pub.table.loc["r1", "B"] == S
    assert relations_ok(pub.secret, True, True)
    full = _full_values(counts, True, True, T)
    for (r, c), v in full.items():
        got = pub.table.loc[r, c]
        assert got == S or (got == v and type(got) is int), (r, c)
    assert pub.table.loc[T, T] == 128  # a grand total of 128 firms is never needed
    assert pub.table.dtypes.eq(object).all()
    rules = {(a["row"], a["column"]): a["rule"] for a in pub.audit}
    assert rules[("r1", "B")] == "frequency"
    assert set(rules.values()) == {"frequency", "secondary"}
    assert len(rules) == int(pub.secret.to_numpy().sum())
    assert {a["table"] for a in pub.audit} == {"t1"}
    assert_protected(pub, counts, counts)



# 2. A total that would reveal a single suppressed cell ----------------------------------

def test_row_total_would_reveal_single_cell():
    counts = frame([[5, 1, 7], [9, 4, 6]], ["r1", "r2"], COLS3)
    pub = protect_table(counts, counts, row_totals=True, column_totals=True)
    # Row r1 = (5, 1, 7 | 13): 1 is primary and needs a complement in its row and in its
    # column, which need complements in turn
    assert pub.table.loc["r1", "B"] == S
    assert pub.secret.loc["r1", ["A", "C"]].any() and pub.secret.loc["r2", "B"]
    assert relations_ok(pub.secret, True, True)
    assert_protected(pub, counts, counts)


def test_row_total_only_one_row():
    counts = frame([[5, 1, 7]], ["r1"], COLS3)
    pub = protect_table(counts, counts, row_totals=True)
    row = pub.table.loc["r1"].tolist()
    assert row[1] == S and row[3] == 13 and row.count(S) == 2
    assert sorted(a["rule"] for a in pub.audit) == ["frequency", "secondary"]
    assert_protected(pub, counts, counts)


def test_small_total_is_suppressed_too():
    # Column B holds 1 + 1 firms: its total (2 firms) is primary as well.
    counts = frame([[6, 1], [7, 1]], ["r1", "r2"], ["A", "B"])
    pub = protect_table(counts, counts, column_totals=True)
    # Column B: (r1,B), (r2,B) and its total are primary: 3 secrets, nothing to add
    # (no grand total is published, so column A stays as it is).
    assert pub.table["B"].tolist() == ["s", "s", "s"]
    assert pub.table["A"].tolist() == [6, 7, 13]
    rules = {(a["row"], a["column"]): (a["rule"], a["n_firms"]) for a in pub.audit}
    assert rules == {("r1", "B"): ("frequency", 1), ("r2", "B"): ("frequency", 1),
                     (T, "B"): ("frequency", 2)}
    assert_protected(pub, counts, counts)


def test_primary_cell_linking_two_loops_gets_a_complement():
    counts = frame([[40, 2, 40, 2], [4, 6, 1, 25], [1, 2, 4, 25], [25, 3, 6, 2]],
                   ["r0", "r1", "r2", "r3"], ["c0", "c1", "c2", "c3"])
    pub = protect_table(counts, counts, row_totals=True, column_totals=True)
    # Primary: (r0,c1) (r0,c3) (r1,c2) (r2,c0) (r2,c1) (r3,c3). A pattern where every
    # line has 0 or >= 2 secrets can still pin a cell that is the only link between two
    # loops of secrets; the checker solves the linear programme and would find it.
    for cell in [("r0", "c1"), ("r0", "c3"), ("r1", "c2"), ("r2", "c0"), ("r2", "c1"),
                 ("r3", "c3")]:
        assert pub.table.loc[cell] == S
    assert relations_ok(pub.secret, True, True)
    assert_protected(pub, counts, counts)
    # The checker finds the leak of the pattern "rows and columns never hold one
    # secret" when the two loops share only one cell.
    leaky = PublishedTable(table=pub.table.copy(), secret=pub.secret.copy(), audit=pub.audit)
    hand = mask([". s . s .",
                 "s . s . .",
                 "s s s . .",
                 ". s . s .",
                 ". . . . ."], ["r0", "r1", "r2", "r3", T], ["c0", "c1", "c2", "c3", T])
    full = _full_values(counts, True, True, T)
    for (r, c), v in full.items():
        leaky.table.loc[r, c] = S if hand.loc[r, c] else int(v)
    assert relations_ok(hand, True, True)
    with pytest.raises(AssertionError, match=r"\('r2', 'c1'\) is deducible"):
        assert_protected(leaky, counts, counts)



# 3. Dominance rule -----------------------------------------------------------------------

def test_dominance_rule_with_largest():
    values = frame([[100.0, 200.0], [50.0, 80.0]], ["r1", "r2"], ["A", "B"])
    counts = frame([[10, 10], [10, 10]], ["r1", "r2"], ["A", "B"])
    largest = frame([[90.0, 170.0], [10.0, 10.0]], ["r1", "r2"], ["A", "B"])
    pub = protect_table(values, counts, largest=largest, name="dom")
    # 90/100 = 90 % > 85 %: secret. 170/200 = exactly 85 %: published.
    assert pub.table.loc["r1", "A"] == S
    assert pub.table.loc["r1", "B"] == 200.0 and type(pub.table.loc["r1", "B"]) is float
    assert pub.secret.to_numpy().sum() == 1
    assert pub.audit == [{"table": "dom", "row": "r1", "column": "A", "rule": "dominance",
                          "n_firms": 10}]
    # The same cell without `largest` is a plain count of 10 firms: published.
    assert not protect_table(values, counts).secret.to_numpy().any()


def test_dominance_with_totals_is_protected():
    values = frame([[100.0, 200.0, 30.0], [50.0, 80.0, 40.0]], ["r1", "r2"], COLS3)
    counts = frame([[10, 10, 4], [10, 10, 5]], ["r1", "r2"], COLS3)
    largest = frame([[90.0, 20.0, 10.0], [10.0, 10.0, 10.0]], ["r1", "r2"], COLS3)
    pub = protect_table(values, counts, largest=largest, row_totals=True, column_totals=True)
    # (r1,A) dominated (90 %); the column A total 150 with largest 90 (60 %) is safe
    assert pub.table.loc["r1", "A"] == S
    assert pub.table.loc[T, "A"] == 150.0
    rules = {(a["row"], a["column"]): a["rule"] for a in pub.audit}
    assert rules[("r1", "A")] == "dominance"
    assert relations_ok(pub.secret, True, True)
    assert_protected(pub, counts, values)



# 4. Zeros, all-small tables, no totals, series -----------------------------------------

def test_zero_cells_are_published():
    counts = frame([[0, 5], [0, 0]], ["r1", "r2"], ["A", "B"])
    pub = protect_table(counts, counts, row_totals=True, column_totals=True)
    assert not pub.secret.to_numpy().any()
    assert pub.table.loc["r2"].tolist() == [0, 0, 0]
    np.testing.assert_array_equal(primary_confidential([0]), [False])


def test_all_small_table():
    counts = frame([[1, 1], [1, 2]], ["r1", "r2"], ["A", "B"])
    pub = protect_table(counts, counts, row_totals=True, column_totals=True)
    # Every cell is primary, and so are the totals of r1 (2 firms) and of A (2 firms).
    for cell in [("r1", "A"), ("r1", "B"), ("r2", "A"), ("r2", "B"), ("r1", T), (T, "A")]:
        assert pub.table.loc[cell] == S
    assert relations_ok(pub.secret, True, True)
    assert_protected(pub, counts, counts)


def test_no_totals_no_secondary_suppression():
    counts = frame([[1, 5, 7], [2, 9, 0]], ["r1", "r2"], COLS3)
    pub = protect_table(counts, counts)
    expected = mask(["s . .", "s . ."], ["r1", "r2"], COLS3)
    pd.testing.assert_frame_equal(pub.secret, expected)
    assert pub.table.loc["r2"].tolist() == ["s", 9, 0]
    assert {a["rule"] for a in pub.audit} == {"frequency"}
    assert_protected(pub, counts, counts)


def test_series_with_total():
    n = pd.Series({"a": 12, "b": 1, "c": 30, "d": 0}, name="firms")
    pub = protect_series(n, n, name="stages")
    # b is primary; a non-zero cell complements it (the zero cell d would hide nothing)
    assert list(pub.table.columns) == ["value"]
    assert list(pub.table.index) == ["a", "b", "c", "d", T]
    got = pub.table["value"].tolist()
    assert got[1] == S and got[3] == 0 and got[4] == 43 and got.count(S) == 2
    assert_protected(pub, n.to_frame("value"), n.to_frame("value"))
    no_total = protect_series(n, n, total=False)
    assert no_total.table["value"].tolist() == [12, S, 30, 0]


def test_series_dominance_and_types():
    v = pd.Series({"a": 95.5, "b": 40.0, "c": 60.0})
    n = pd.Series({"a": 5, "b": 5, "c": 5})
    big = pd.Series({"a": 90.0, "b": 10.0, "c": 10.0})
    pub = protect_series(v, n, largest=big)
    # a dominated (94 %) and one complement; the total is published
    got = pub.table["value"].tolist()
    assert got[0] == S and got.count(S) == 2 and got[3] == 195.5
    assert sorted(a["rule"] for a in pub.audit) == ["dominance", "secondary"]


def test_min_firms_setting_is_used():
    settings.get_settings().sdc_min_firms = 5
    counts = frame([[4, 10]], ["r1"], ["A", "B"])
    assert protect_table(counts, counts).table.loc["r1"].tolist() == [S, 10]


def test_audit_frame():
    counts = frame([[5, 1, 7]], ["r1"], COLS3)
    one = protect_table(counts, counts, row_totals=True, name="x")
    two = protect_table(counts, counts, name="y")
    df = audit_frame([one, two])
    assert list(df.columns) == ["table", "row", "column", "rule", "n_firms"]
    records = df.to_dict("records")
    assert {"table": "x", "row": "r1", "column": "B", "rule": "frequency",
            "n_firms": 1} in records
    assert [r["rule"] for r in records if r["table"] == "x"].count("secondary") == 1
    assert [r for r in records if r["table"] == "y"] == [
        {"table": "y", "row": "r1", "column": "B", "rule": "frequency", "n_firms": 1}]
    empty = audit_frame([])
    assert empty.empty and list(empty.columns) == list(df.columns)


def test_deterministic_on_ties():
    # Same count and value everywhere: the same pattern every time.
    counts = frame([[1, 4, 4], [4, 4, 4]], ["r1", "r2"], COLS3)
    first = protect_table(counts, counts, row_totals=True, column_totals=True)
    again = protect_table(counts, counts, row_totals=True, column_totals=True)
    pd.testing.assert_frame_equal(first.secret, again.secret)
    assert_protected(first, counts, counts)



# 5. Bad input -----------------------------------------------------------------------------

def test_bad_input():
    counts = frame([[5, 1], [3, 4]], ["r1", "r2"], ["A", "B"])
    with pytest.raises(ValueError, match=r"table 'bad'.*counts has shape \(1, 2\)"):
        protect_table(counts, counts.iloc[:1], name="bad")
    with pytest.raises(ValueError, match=r"columns of counts differ.*missing \['B'\]"):
        protect_table(counts, counts.rename(columns={"B": "Z"}))
    neg = counts.copy()
    neg.loc["r2", "B"] = -1
    with pytest.raises(ValueError, match=r"table 'neg': count at row 'r2', column 'B' is -1"):
        protect_table(counts, neg, name="neg")
    nan = counts.astype(float)
    nan.loc["r1", "A"] = np.nan
    with pytest.raises(ValueError, match=r"count at row 'r1', column 'A' is missing"):
        protect_table(counts, nan)
    with pytest.raises(ValueError, match=r"largest has shape"):
        protect_table(counts, counts, largest=counts.iloc[:, :1])
    with pytest.raises(ValueError, match=r"already labelled 'Total'"):
        protect_table(counts.rename(index={"r2": "Total"}), counts.rename(index={"r2": "Total"}),
                      column_totals=True)
    with pytest.raises(ValueError, match=r"values at row 'r1', column 'A' is 'x'"):
        protect_table(counts.astype(object).mask(counts == 5, "x"), counts)
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        protect_table(counts.to_numpy(), counts)
    with pytest.raises(TypeError, match="must be a pandas Series"):
        protect_series(counts, counts)


# 6. Independent check on random tables ----------------------------------------------------

def random_table(rng: np.random.Generator):
    m, k = rng.integers(2, 7, size=2)
    counts = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 25, 40], size=(m, k),
                        p=[0.08, 0.14, 0.12, 0.1, 0.1, 0.1, 0.1, 0.1, 0.08, 0.08])
    index = [f"r{i}" for i in range(m)]
    columns = [f"c{j}" for j in range(k)]
    counts = pd.DataFrame(counts, index=index, columns=columns)
    if rng.random() < 0.5:
        return counts, counts, None
    values = np.zeros((m, k))
    largest = np.full((m, k), np.nan)
    for i in range(m):
        for j in range(k):
            if counts.iat[i, j]:
                firms = rng.lognormal(3.0, 1.2, size=counts.iat[i, j]).round(1) + 0.1
                values[i, j] = firms.sum()
                largest[i, j] = firms.max()
    return (pd.DataFrame(values, index=index, columns=columns), counts,
            pd.DataFrame(largest, index=index, columns=columns))


def test_random_tables_are_protected():
    rng = np.random.default_rng(20250611)
    n_secret = 0
    for t in range(60):
        values, counts, largest = random_table(rng)
        row_tot, col_tot = [(True, True), (True, False), (False, True)][t % 3]
        pub = protect_table(values, counts, largest=largest, row_totals=row_tot,
                            column_totals=col_tot, name=f"random{t}")
        assert relations_ok(pub.secret, row_tot, col_tot), t
        assert_protected(pub, counts, values)
        # Every cell is either published unchanged or suppressed.
        for r in values.index:
            for c in values.columns:
                assert pub.table.loc[r, c] in (S, values.loc[r, c])
        n_secret += int(pub.secret.to_numpy().sum())
    assert n_secret > 100  # the tables did exercise the suppression


def test_checker_catches_an_unprotected_table():
    counts = frame([[5, 1, 7]], ["r1"], COLS3)
    pub = protect_table(counts, counts, row_totals=True)
    leaky = PublishedTable(table=pub.table.copy(), secret=pub.secret.copy(), audit=pub.audit)
    leaky.table.loc["r1", "A"] = 5  # only the primary cell left: the total reveals it
    with pytest.raises(AssertionError, match="deducible"):
        assert_protected(leaky, counts, counts)
