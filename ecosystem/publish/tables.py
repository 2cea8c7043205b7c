"""Disclosure rules and the protection of small published tables.

A cell that counts firms or sums a firm variable is **confidential** when
(PRODUCT.md; INSEE's rules):

- it has at least one and fewer than ``settings.sdc_min_firms`` firms (frequency
  rule, 3; a cell of zero firms reveals no firm), or
- its largest contributor is more than ``settings.sdc_dominance_share`` of the
  total (dominance rule NK(1, 85 %)).

Confidential cells print as ``s`` (*secret statistique*). This module gives

- the primary rules, cell by cell (:func:`primary_confidential`, used by the
  public maps);
- the protection of a whole published table (:func:`protect_table`,
  :func:`protect_series`): primary suppression of cells and totals, then
  **secondary suppression** by τ-Argus (:func:`ecosystem.publish.tau.protect_two_way`)
  so that no total reveals a suppressed cell, with an audit of every suppressed
  cell (:func:`audit_frame`) kept apart from the table;
- the protection of one table published under several alternative choices
  (:func:`protect_alternatives`), which τ-Argus has no notion of.

``ecosystem.disclosure`` re-exports this module.

The rules and the algorithm are described in ``docs/disclosure.md``.

Examples
--------
>>> primary_confidential([0, 1, 2, 3, 10]).tolist()
[False, True, True, False, False]
>>> primary_confidential([5, 5], largest=[90.0, 10.0], total=[100.0, 100.0]).tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..settings import get_settings
from .tau import protect_two_way

__all__ = [
    "primary_confidential", "ACTOR_ONLY_INDICATORS", "involves_firms", "SECRET",
    "TOTAL_LABEL", "PublishedTable", "protect_table", "protect_series", "audit_frame",
    "AUDIT_COLUMNS",
    "protect_alternatives",
]

#: How a suppressed cell is printed (INSEE convention).
SECRET = "s"

#: Label of the totals row and of the totals column of a protected table.
TOTAL_LABEL = "Total"

#: Columns of an audit row (see :class:`PublishedTable`).
AUDIT_COLUMNS: tuple[str, ...] = ("table", "row", "column", "rule", "n_firms")

#: Indicators computed from actors and ties only: they reveal no firm.
ACTOR_ONLY_INDICATORS: frozenset[str] = frozenset({
    "n_actors", "actors_per_1000_km2", "category_coverage", "category_evenness",
    "new_ties", "new_ties_per_actor", "network_cohesion", "coordination_density",
    "has_coordinator", "external_openness", "survey_dynamique", "survey_directionalite",
})


def involves_firms(indicator: str) -> bool:
    """Whether an indicator is computed from firm data (and so needs disclosure control).

    Examples
    --------
    >>> involves_firms("iso_density"), involves_firms("category_coverage")
    (True, False)
    """
    return indicator not in ACTOR_ONLY_INDICATORS


def primary_confidential(n_firms: Sequence[float] | np.ndarray,
                         largest: Sequence[float] | np.ndarray | None = None,
                         total: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """Mask of confidential cells under the frequency and dominance rules.

    Parameters
    ----------
    n_firms : array of int
        Firms contributing to each cell.
    largest, total : arrays of float, optional
        Largest single contribution and total of each cell, for a cell that sums a
        firm variable (headcount, export share…); omitted for plain counts.

    Returns
    -------
    numpy.ndarray of bool
        True where the cell must be suppressed (a NaN count is suppressed too).
    """
    st = get_settings()
    n = np.asarray(n_firms, dtype=float)
    secret = ~((n >= st.sdc_min_firms) | (n == 0))  # NaN counts are secret too
    if largest is not None and total is not None:
        secret |= _dominated(np.asarray(largest, dtype=float), np.asarray(total, dtype=float),
                             st.sdc_dominance_share)
    return secret


def _dominated(largest: np.ndarray, total: np.ndarray, share: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (total > 0) & (largest / total > share)


@dataclass
class PublishedTable:
    """A table ready to publish, with the audit of what was suppressed.

    Attributes
    ----------
    table : pandas.DataFrame
        Values as published, object dtype: numbers keep their type (``int`` or
        ``float``), suppressed cells hold :data:`SECRET`. The totals column and row
        (labelled ``total_label``) are included when asked.
    secret : pandas.DataFrame
        Boolean mask of the suppressed cells, same labels as ``table``.
    audit : list of dict
        One row per suppressed cell: ``table`` (name), ``row``, ``column``,
        ``rule`` (``"frequency"``, ``"dominance"`` or ``"secondary"``) and
        ``n_firms``. It is **not** to be published (it tells which cells are small).
    """

    table: pd.DataFrame
    secret: pd.DataFrame
    audit: list[dict[str, Any]] = field(default_factory=list)


def _as_frame(obj: Any, what: str, name: str) -> pd.DataFrame:
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(f"table {name!r}: {what} must be a pandas DataFrame, "
                        f"got {type(obj).__name__}")
    return obj


def _check_labels(frame: pd.DataFrame, what: str, name: str, total_label: str,
                  row_totals: bool, column_totals: bool) -> None:
    for axis, labels in (("row", frame.index), ("column", frame.columns)):
        if not labels.is_unique:
            dup = labels[labels.duplicated()].unique().tolist()
            raise ValueError(f"table {name!r}: {what} has duplicate {axis} labels {dup}; "
                             f"expected unique labels")
    if column_totals and total_label in frame.index:
        raise ValueError(f"table {name!r}: a row is already labelled {total_label!r}, the "
                         f"label of the totals row; expected the cells only (totals are added)")
    if row_totals and total_label in frame.columns:
        raise ValueError(f"table {name!r}: a column is already labelled {total_label!r}, the "
                         f"label of the totals column; expected the cells only (totals are "
                         f"added)")


def _aligned(other: pd.DataFrame, values: pd.DataFrame, what: str, name: str) -> pd.DataFrame:
    if other.shape != values.shape:
        raise ValueError(f"table {name!r}: {what} has shape {other.shape} but values has "
                         f"shape {values.shape}; expected the same rows and columns")
    for axis, a, b in (("rows", other.index, values.index),
                       ("columns", other.columns, values.columns)):
        if not a.is_unique or set(a) != set(b):
            missing = [x for x in b if x not in set(a)]
            extra = [x for x in a if x not in set(b)]
            raise ValueError(f"table {name!r}: the {axis} of {what} differ from those of "
                             f"values (missing {missing}, unexpected {extra}); expected the "
                             f"same labels")
    return other.loc[values.index, values.columns]


def _numeric(frame: pd.DataFrame, what: str, name: str) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            conv = pd.to_numeric(s, errors="coerce")
            bad = conv.isna() & s.notna()
            if pd.api.types.is_bool_dtype(s) or bad.any():
                row = s.index[bad.to_numpy()][0] if bad.any() else s.index[0]
                raise ValueError(f"table {name!r}: {what} at row {row!r}, column {col!r} is "
                                 f"{_show(s[row])!r}; expected a number")
            s = conv
        out[col] = s
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _show(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _first_bad(mask: pd.DataFrame) -> tuple[Any, Any]:
    i, j = np.argwhere(mask.to_numpy())[0]
    return mask.index[i], mask.columns[j]


def protect_table(values: pd.DataFrame, counts: pd.DataFrame, *,
                  largest: pd.DataFrame | None = None, row_totals: bool = False,
                  column_totals: bool = False, name: str = "table",
                  total_label: str = TOTAL_LABEL) -> PublishedTable:
    """Protect a table for publication: primary then secondary suppression.

    Primary suppression applies the frequency rule (1 to ``sdc_min_firms - 1``
    firms; a cell of 0 firms is published) and, when ``largest`` is given, the
    dominance rule NK(1, ``sdc_dominance_share``) to every cell **and** every
    total. The count of a total is the sum of its cells' counts, its largest
    contribution the largest of its cells'.

    Secondary suppression makes sure no total reveals a suppressed cell: τ-Argus
    (``OPT``, HiGHS) protects the two-way table with both margins and the grand
    total, every count cell of 1 or 2 firms with protection levels that let it be
    0 or ``sdc_min_firms`` whatever is published (:mod:`ecosystem.publish.tau`). A
    margin the table does not show is treated as published, which can only
    suppress more. Tables without totals need no secondary suppression.

    Parameters
    ----------
    values : pandas.DataFrame
        The cells: a number of firms, or a sum of a firm variable (int or float).
    counts : pandas.DataFrame
        Number of firms behind each cell (same rows and columns as ``values``).
    largest : pandas.DataFrame, optional
        Largest single firm contribution to each cell, for sums (dominance rule).
        NaN is accepted for a cell of 0 firms.
    row_totals : bool
        Add a totals column (the total of each row).
    column_totals : bool
        Add a totals row (the total of each column); with ``row_totals``, the
        grand total too.
    name : str
        Name of the table, written in the audit and in error messages.
    total_label : str
        Label of the totals row and column.

    Returns
    -------
    PublishedTable

    Raises
    ------
    ValueError
        Inputs of different shapes or labels, a non-numeric value, a NaN or
        negative count, a NaN value, a negative largest contribution.
    TypeError
        An input that is not a DataFrame.

    Examples
    --------
    >>> values = pd.DataFrame({"PME": [2, 10], "ETI": [6, 8]}, index=["Aude", "Gard"])
    >>> pub = protect_table(values, values, row_totals=True, column_totals=True)
    >>> pub.table
          PME ETI Total
    Aude    s   s     8
    Gard    s   s    18
    Total  12  14    26
    >>> [(a["row"], a["column"], a["rule"]) for a in pub.audit]
    [('Aude', 'PME', 'frequency'), ('Aude', 'ETI', 'secondary'), ('Gard', 'PME', 'secondary'), \
('Gard', 'ETI', 'secondary')]
    """
    values = _as_frame(values, "values", name)
    counts = _as_frame(counts, "counts", name)
    _check_labels(values, "values", name, total_label, row_totals, column_totals)
    values = _numeric(values, "values", name)
    if values.isna().any().any():
        r, c = _first_bad(values.isna())
        raise ValueError(f"table {name!r}: value at row {r!r}, column {c!r} is missing (NaN); "
                         f"expected a number (0 for a cell of no firm)")
    counts = _numeric(_aligned(counts, values, "counts", name), "counts", name)
    if counts.isna().any().any():
        r, c = _first_bad(counts.isna())
        raise ValueError(f"table {name!r}: count at row {r!r}, column {c!r} is missing (NaN); "
                         f"expected a number of firms >= 0")
    if (counts < 0).any().any():
        r, c = _first_bad(counts < 0)
        raise ValueError(f"table {name!r}: count at row {r!r}, column {c!r} is "
                         f"{_show(counts.loc[r, c])!r}; expected a number of firms >= 0")
    big: pd.DataFrame | None = None
    if largest is not None:
        big = _numeric(_aligned(_as_frame(largest, "largest", name), values, "largest", name),
                       "largest", name)
        if (big < 0).any().any():
            r, c = _first_bad(big < 0)
            raise ValueError(f"table {name!r}: largest contribution at row {r!r}, column {c!r} "
                             f"is {_show(big.loc[r, c])!r}; expected a number >= 0")
        if (big.isna() & (counts > 0)).any().any():
            r, c = _first_bad(big.isna() & (counts > 0))
            raise ValueError(f"table {name!r}: largest contribution at row {r!r}, column "
                             f"{c!r} is missing (NaN) for a cell of "
                             f"{_show(counts.loc[r, c])!r} firms; expected a number >= 0")
        big = big.fillna(0.0)

    full_v, full_n, full_b = values, counts, big
    if row_totals:
        full_v = _with_column(full_v, total_label, full_v.sum(axis=1))
        full_n = _with_column(full_n, total_label, full_n.sum(axis=1))
        if full_b is not None:
            full_b = _with_column(full_b, total_label, full_b.max(axis=1))
    if column_totals:
        full_v = _with_row(full_v, total_label, full_v.sum(axis=0))
        full_n = _with_row(full_n, total_label, full_n.sum(axis=0))
        if full_b is not None:
            full_b = _with_row(full_b, total_label, full_b.max(axis=0))

    v = full_v.to_numpy(dtype=float)
    n = full_n.to_numpy(dtype=float)
    freq = primary_confidential(n)
    dom = np.zeros_like(freq)
    if full_b is not None:
        dom = _dominated(full_b.to_numpy(dtype=float), v, get_settings().sdc_dominance_share)
    primary = freq | dom
    secret = primary.copy()
    if (row_totals or column_totals) and primary.any():  # secondary suppression: τ-Argus
        secret |= protect_two_way(
            values.to_numpy(dtype=float), counts.to_numpy(dtype=float),
            None if big is None else big.to_numpy(dtype=float), row_totals, column_totals)

    table = full_v.astype(object)
    table = table.mask(secret, SECRET) if secret.any() else table
    table = table.astype(object)
    mask = pd.DataFrame(secret, index=full_v.index, columns=full_v.columns)
    audit: list[dict[str, Any]] = []
    for i, j in np.argwhere(secret):
        rule = "frequency" if freq[i, j] else "dominance" if dom[i, j] else "secondary"
        audit.append({"table": name, "row": full_v.index[i], "column": full_v.columns[j],
                      "rule": rule, "n_firms": int(n[i, j])})
    return PublishedTable(table=table, secret=mask, audit=audit)


def _with_column(frame: pd.DataFrame, label: str, col: pd.Series) -> pd.DataFrame:
    out = frame.copy()
    out[label] = col
    return out


def _with_row(frame: pd.DataFrame, label: str, row: pd.Series) -> pd.DataFrame:
    extra = pd.DataFrame([row.to_numpy()], index=[label], columns=frame.columns)
    extra = extra.astype(frame.dtypes.to_dict())
    out = pd.concat([frame, extra])
    out.index.name = frame.index.name
    return out


def protect_series(values: pd.Series, counts: pd.Series, *, largest: pd.Series | None = None,
                   total: bool = True, name: str = "series",
                   total_label: str = TOTAL_LABEL) -> PublishedTable:
    """Protect a one-column table (e.g. firms by stage, with a total).

    The series becomes a one-column table (column ``value``) protected by
    :func:`protect_table`, with a totals row when ``total``.

    Parameters
    ----------
    values, counts : pandas.Series
        The cells and their numbers of firms (same index).
    largest : pandas.Series, optional
        Largest single firm contribution to each cell, for sums.
    total : bool
        Add a totals row.
    name, total_label : str
        As in :func:`protect_table`.

    Returns
    -------
    PublishedTable
        Its table has one column, ``value``.

    Examples
    --------
    >>> n = pd.Series({"export direct": 12, "export indirect": 1, "non exportateur": 30})
    >>> protect_series(n, n).table["value"].tolist()
    ['s', 's', 30, 43]
    """
    def frame(s: pd.Series | None, what: str) -> pd.DataFrame | None:
        if s is None:
            return None
        if not isinstance(s, pd.Series):
            raise TypeError(f"table {name!r}: {what} must be a pandas Series, "
                            f"got {type(s).__name__}")
        return s.to_frame("value")

    v = frame(values, "values")
    c = frame(counts, "counts")
    assert v is not None and c is not None
    return protect_table(v, c, largest=frame(largest, "largest"), column_totals=total,
                         name=name, total_label=total_label)


def audit_frame(audits: Iterable[PublishedTable | dict[str, Any] | Iterable[dict[str, Any]]]
                ) -> pd.DataFrame:
    """The audit rows of several protected tables, as one DataFrame (report manifest).

    Parameters
    ----------
    audits : iterable
        Items are :class:`PublishedTable` objects, audit rows (dicts) or lists of
        audit rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``table``, ``row``, ``column``, ``rule``, ``n_firms``; one row per
        suppressed cell (empty with these columns when nothing was suppressed).

    Examples
    --------
    >>> values = pd.DataFrame({"n": [1, 5]}, index=["a", "b"])
    >>> audit_frame([protect_table(values, values, column_totals=True, name="t")])
      table row column       rule  n_firms
    0     t   a      n  frequency        1
    1     t   b      n  secondary        5
    """
    rows: list[dict[str, Any]] = []
    for item in audits:
        if isinstance(item, PublishedTable):
            rows.extend(item.audit)
        elif isinstance(item, dict):
            rows.append(item)
        else:
            rows.extend(item)
    out = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    return out.astype({"n_firms": "int64"})


# ---------------------------------------------------------------------------
# one table published under several alternative choices (dashboard controls)
# ---------------------------------------------------------------------------

def protect_alternatives(values: pd.DataFrame, counts: pd.DataFrame, *,
                         largest: pd.DataFrame | None = None, name: str = "alternatives",
                         total_label: str = TOTAL_LABEL) -> PublishedTable:
    """Protect a table that is published for each of several alternative choices.

    A public page lets its visitor choose among a fixed list (a number of relay sites:
    1 to 10) and publishes, for each choice, a table of cells with its total. Whoever
    asks for two choices can subtract one from the other, so the choices are
    protected together: the columns of ``values`` are the choices, its rows every cell
    that appears in at least one choice's table (the same label is the same thing,
    e.g. the same site), NaN where a cell is absent from a choice. Rules, on top of
    the primary rules applied to every cell and every total (a total's firms are the
    sum of its cells', its largest contribution the largest of its cells'):

    1. **difference of totals**: no two published totals differ by 1 to
       ``sdc_min_firms - 1`` firms (judged on ``counts``: for a sum, on the firms
       behind it); nor may their difference rest on a single suppressed cell (one
       cell suppressed in one choice and published or absent in the other, the
       cells suppressed in both counting as equal): the total of the later choice is
       suppressed;
    2. **no total reveals a cell**: in each choice its cells and its total form one
       relation, never with exactly one suppressed member (the published cell with
       the fewest firms, a non-zero one before a zero one, is suppressed with it; the
       total when no cell is left);
    3. **the same cell everywhere**: a cell suppressed to protect another one (rule 1
       or 2) is suppressed in every choice where it appears, since the same value
       published in another choice would give it away.

    The rules are applied again until nothing changes (suppressions only grow).

    Parameters
    ----------
    values : pandas.DataFrame
        Cells (rows) by choice (columns, in the page's order): numbers of firms or
        sums of a firm variable; NaN where the cell is not in that choice's table.
    counts : pandas.DataFrame
        Firms behind each cell (same labels; NaN exactly where ``values`` is).
    largest : pandas.DataFrame, optional
        Largest single firm contribution to each cell, for sums (dominance rule).
    name : str
        Written in the audit and in error messages.
    total_label : str
        Label of the totals row.

    Returns
    -------
    PublishedTable
        ``table``: the cells and a totals row (object dtype; numbers, :data:`SECRET`,
        NaN for absent cells); ``secret``: the mask; ``audit``: one row per
        suppressed cell or total (rules ``frequency``, ``dominance``, ``difference``,
        ``secondary``).

    Raises
    ------
    ValueError
        Inputs of different labels, a negative count, NaN in one of ``values`` and
        ``counts`` but not in the other.

    Examples
    --------
    Plans of 1, 2 and 3 sites; the third site covers a single firm of its own:

    >>> v = pd.DataFrame({1: [40.0, np.nan, np.nan], 2: [40.0, 12.0, np.nan],
    ...                   3: [40.0, 12.0, 1.0]}, index=["Albi", "Rodez", "Mende"])
    >>> pub = protect_alternatives(v, v, name="sites")
    >>> pub.table.loc["Total"].tolist()  # 53 - 52 would be Mende's single firm
    [40.0, 52.0, 's']
    >>> pub.table[3].tolist()
    [40.0, 12.0, 's', 's']
    """
    values = _as_frame(values, "values", name)
    counts = _as_frame(counts, "counts", name)
    _check_labels(values, "values", name, total_label, False, True)
    values = values.apply(pd.to_numeric, errors="coerce")
    counts = _aligned(counts, values, "counts", name).apply(pd.to_numeric, errors="coerce")
    v = values.to_numpy(dtype=float)
    n = counts.to_numpy(dtype=float)
    present = ~np.isnan(v)
    if (present != ~np.isnan(n)).any():
        r, c = _first_bad(pd.DataFrame(present != ~np.isnan(n), index=values.index,
                                       columns=values.columns))
        raise ValueError(f"table {name!r}: at row {r!r}, column {c!r} one of values and "
                         f"counts is missing (NaN) and not the other; expected NaN in both "
                         f"for a cell absent from a choice")
    if (np.nan_to_num(n) < 0).any():
        r, c = _first_bad(pd.DataFrame(np.nan_to_num(n) < 0, index=values.index,
                                       columns=values.columns))
        raise ValueError(f"table {name!r}: count at row {r!r}, column {c!r} is negative; "
                         f"expected a number of firms >= 0")
    b = None
    if largest is not None:
        b = _aligned(_as_frame(largest, "largest", name), values, "largest", name) \
            .apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    m, k = v.shape
    min_firms = get_settings().sdc_min_firms
    share = get_settings().sdc_dominance_share
    vz, nz = np.where(present, v, 0.0), np.where(present, n, 0.0)
    tot_v, tot_n = vz.sum(axis=0), nz.sum(axis=0)
    freq = present & primary_confidential(np.where(present, n, 0.0))
    tfreq = primary_confidential(tot_n)
    dom = np.zeros_like(freq)
    tdom = np.zeros(k, dtype=bool)
    if b is not None:
        bz = np.where(present, np.nan_to_num(b, nan=0.0), 0.0)
        dom = present & _dominated(bz, vz, share)
        tdom = _dominated(bz.max(axis=0) if m else np.zeros(k), tot_v, share)
    secret = freq | dom
    tsecret = tfreq | tdom
    rule: dict[tuple[int, int], str] = {}
    for i, j in np.argwhere(secret):
        rule[(int(i), int(j))] = "frequency" if freq[i, j] else "dominance"
    for j in np.flatnonzero(tsecret):
        rule[(m, int(j))] = "frequency" if tfreq[j] else "dominance"

    def cost(i: int, j: int) -> tuple[bool, float, float, int]:
        return (nz[i, j] == 0 or vz[i, j] == 0, nz[i, j], vz[i, j], i)

    everywhere: set[int] = set()
    while True:
        changed = False
        # 1. differences of published totals
        for a in range(k):
            for c in range(a + 1, k):
                if tsecret[a] or tsecret[c]:
                    continue
                diff = abs(tot_n[c] - tot_n[a])
                one_of = [i for i in range(m)
                          if (present[i, a] or present[i, c])
                          and (secret[i, a] and present[i, a]) != (secret[i, c]
                                                                  and present[i, c])]
                if 1 <= diff < min_firms or len(one_of) == 1:
                    tsecret[c] = True
                    rule[(m, c)] = "difference"
                    changed = True
        # 2. each choice: cells and total, never exactly one suppressed member
        for j in range(k):
            cells = np.flatnonzero(present[:, j])
            hidden = int(secret[cells, j].sum()) + int(tsecret[j])
            if hidden != 1:
                continue
            free = [int(i) for i in cells if not secret[i, j]]
            if free:
                i = min(free, key=lambda cell: cost(cell, j))
                secret[i, j] = True
                rule[(i, j)] = "secondary"
                everywhere.add(i)
            elif not tsecret[j]:
                tsecret[j] = True
                rule[(m, j)] = "secondary"
            else:
                continue
            changed = True
        # 3. a complement is hidden in every choice
        for i in sorted(everywhere):
            for j in np.flatnonzero(present[i] & ~secret[i]):
                secret[i, j] = True
                rule[(i, int(j))] = "secondary"
                changed = True
        if not changed:
            break

    full = np.vstack([np.where(present, v, np.nan), tot_v[None, :]])
    mask = np.vstack([secret & present, tsecret[None, :]])
    index = list(values.index) + [total_label]
    table = pd.DataFrame(full, index=index, columns=values.columns).astype(object)
    table = table.mask(mask, SECRET).astype(object)
    counts_full = np.vstack([nz, tot_n[None, :]])
    audit = [{"table": name, "row": index[i], "column": values.columns[j],
              "rule": rule.get((int(i), int(j)), "secondary"),
              "n_firms": int(counts_full[i, j])} for i, j in np.argwhere(mask)]
    return PublishedTable(table=table,
                          secret=pd.DataFrame(mask, index=index, columns=values.columns),
                          audit=audit)
