"""Which suppressed cells of a published table a reader can narrow down too far.

:func:`ecosystem.disclosure.protect_table` makes sure that no total *of the table*
reveals a suppressed cell. A table is rarely read alone, though: its cells may also add
up to a figure published elsewhere (the territory's number of exporters, published by
the gate :mod:`ecosystem.publish`, is the sum of the exporting rows of a table of firms
by stage). :func:`exposed_cells` takes the published table and every such linear
relation (its own totals and the figures published elsewhere) and solves, for each
suppressed cell, the smallest and the largest value it may take (linear programmes,
HiGHS through :func:`scipy.optimize.linprog`; every cell is at least 0). It returns the
cells that the relations narrow down too far, by the standard of the publication gate
(:mod:`ecosystem.publish.tau`):

- every suppressed cell must keep at least two possible values;
- a cell suppressed because it holds fewer than ``sdc_min_firms`` firms (``small``) must
  still possibly hold 0 firms and ``sdc_min_firms`` firms.

A table with an exposed cell must not be published as it is.

Examples
--------
Two suppressed cells of a row whose total is 7: each may be anything from 0 to 7,
until a figure published elsewhere gives one of them.

>>> t = pd.DataFrame({"a": ["s"], "b": ["s"], "Total": [7]}, index=["r"])
>>> row = {("r", "a"): 1.0, ("r", "b"): 1.0, ("r", "Total"): -1.0}
>>> exposed_cells(t, [(row, 0.0)], small=[("r", "a")])
[]
>>> exposed_cells(t, [(row, 0.0), ({("r", "a"): 1.0}, 5.0)])
[('r', 'a'), ('r', 'b')]

A small cell whose row total is 2 could hold 0, 1 or 2 firms but never 3: exposed.

>>> t2 = pd.DataFrame({"a": ["s"], "b": ["s"], "Total": [2]}, index=["r"])
>>> exposed_cells(t2, [(row, 0.0)], small=[("r", "a")])
[('r', 'a')]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .disclosure import SECRET, TOTAL_LABEL
from .settings import get_settings

__all__ = ["exposed_cells", "table_relations"]

Cell = tuple[Hashable, Hashable]
Relation = tuple[Mapping[Cell, float], float]


def table_relations(table: pd.DataFrame, *, row_totals: bool, column_totals: bool,
                    total_label: str = TOTAL_LABEL) -> list[Relation]:
    """The totals of a table as linear relations (``sum of the cells - total = 0``).

    ``table`` is laid out as :func:`ecosystem.disclosure.protect_table` returns it: a
    totals column (``row_totals``) and a totals row (``column_totals``) labelled
    ``total_label``.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [1, 2, 3], "Total": [1, 2, 3]}, index=["x", "y", "Total"])
    >>> [sorted(r.values()) for r, _ in table_relations(t, row_totals=True,
    ...                                                  column_totals=True)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [[-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0, 1.0], [-1.0, 1.0, 1.0]]
    """
    rows = [r for r in table.index if not (column_totals and r == total_label)]
    cols = [c for c in table.columns if not (row_totals and c == total_label)]
    out: list[Relation] = []
    if row_totals:
        for r in ([*rows, total_label] if column_totals else rows):
            rel: dict[Cell, float] = {(r, c): 1.0 for c in cols}
            rel[(r, total_label)] = -1.0
            out.append((rel, 0.0))
    if column_totals:
        for c in ([*cols, total_label] if row_totals else cols):
            rel = {(r, c): 1.0 for r in rows}
            rel[(total_label, c)] = -1.0
            out.append((rel, 0.0))
    return out


def exposed_cells(table: pd.DataFrame, relations: Sequence[Relation], *,
                  small: Iterable[Cell] = (), min_firms: int | None = None) -> list[Cell]:
    """The suppressed cells of ``table`` that ``relations`` narrow down too far.

    Parameters
    ----------
    table : DataFrame
        A published table: numbers, and :data:`~ecosystem.disclosure.SECRET` in the
        suppressed cells.
    relations : sequence of (mapping, float)
        Each relation ``({cell: coefficient}, constant)`` says that the sum of the
        coefficients times the cells ``(row, column)`` of ``table`` equals
        ``constant``: the table's own totals (:func:`table_relations`) and the figures
        published elsewhere (``({cells: 1.0}, published total)``). A cell absent from
        ``table`` counts as a published 0.
    small : iterable of (row, column)
        The cells suppressed by the frequency rule (fewer than ``min_firms`` firms):
        each must still possibly hold 0 and ``min_firms`` firms.
    min_firms : int, optional
        Default ``settings.sdc_min_firms``.

    Returns
    -------
    list of (row, column)
        The exposed cells, in reading order (rows, then columns, of ``table``).
    """
    from scipy.optimize import linprog

    n_min = get_settings().sdc_min_firms if min_firms is None else int(min_firms)
    hidden: list[Cell] = [(r, c) for r in table.index for c in table.columns
                          if isinstance(table.at[r, c], str) and table.at[r, c] == SECRET]
    if not hidden:
        return []
    pos = {cell: k for k, cell in enumerate(hidden)}
    a = np.zeros((len(relations), len(hidden)), dtype=float)
    b = np.zeros(len(relations), dtype=float)
    for i, (rel, const) in enumerate(relations):
        b[i] = float(const)
        for cell, coef in rel.items():
            if cell in pos:
                a[i, pos[cell]] += float(coef)
            else:
                v: Any = table.at[cell] if cell[0] in table.index \
                    and cell[1] in table.columns else 0
                b[i] -= float(coef) * float(v)
    keep = np.abs(a).sum(axis=1) > 0
    a, b = a[keep], b[keep]
    small_set = set(small)
    out: list[Cell] = []
    for cell, k in pos.items():
        if not len(a):
            continue  # nothing ties the cell: it may be anything
        bounds = []
        for sign in (1.0, -1.0):
            cost = np.zeros(len(hidden))
            cost[k] = sign
            res = linprog(cost, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            if res.status == 3:  # unbounded
                bounds.append(np.inf if sign < 0 else 0.0)
            elif res.status != 0:
                raise ValueError(f"the relations of the published table are inconsistent "
                                 f"({res.message}); expected the published figures to agree")
            else:
                bounds.append(sign * float(res.fun))
        lo, hi = bounds[0], bounds[1]
        if hi - lo < 0.5 or (cell in small_set and (lo > 0.5 or hi < n_min - 0.5)):
            out.append(cell)
    return out
