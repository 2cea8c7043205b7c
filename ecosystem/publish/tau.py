"""Primary and secondary suppression of hierarchical tables by τ-Argus.

The published firm counts of the product are tables over the territorial
hierarchy (commune ⊂ EPCI, commune ⊂ département ⊂ région, and the total of the
registry). This module hands them to **τ-Argus** (``pytauargus``: the Tau-Argus
engine with the HiGHS solver) for primary and secondary suppression, and reads
back the status of every cell.

What τ-Argus does here:

- the primary rules, from the microdata (one record per contributing firm):
  frequency rule ``FREQ(sdc_min_firms, …)`` and, for sums of a firm variable,
  the dominance rule ``NK(1, sdc_dominance_share)``;
- the optimal secondary suppression (``OPT``: a mixed-integer program solved
  with HiGHS) over each hierarchy, with its totals.

What this module adds, because τ-Argus does not do it (``docs/disclosure.md``):

- **protection levels that match the product's promise** (PRODUCT.md: no
  suppressed count may be narrowed to 1–2 firms): each frequency-unsafe count
  cell of value ``v`` gets, through an a-priori file, a lower protection level
  ``v`` and an upper one ``sdc_min_firms - v`` (at least 1), so that whatever is
  published, the cell may as well hold 0 firms or ``sdc_min_firms`` firms;
- **two hierarchies that share their leaves**: EPCIs may straddle départements,
  so commune ⊂ EPCI is not a level of commune ⊂ département ⊂ région. One
  hierarchy is protected, commune ⊂ *part of EPCI within a département* ⊂
  département ⊂ région, every part treated as published (so the model's attacker
  knows at least what a reader does); an EPCI made of several parts is published
  only when all its parts are, and is otherwise suppressed
  (:mod:`ecosystem.publish.tau_engine`). Protecting the two hierarchies in turn is not
  enough: the totals of one can pin a cell that the other left open.

The files τ-Argus reads and writes live in a temporary directory removed at the
end; nothing is downloaded and nothing is written elsewhere.

Examples
--------
Two départements; three communes of ``D1`` have one exporter each: they are
suppressed with the protection levels above, so the département's total does
not give them away.

>>> micro = pd.DataFrame({"commune": ["a", "b", "c", "d", "d", "d", "e", "e", "e"],
...                       "departement": ["D1", "D1", "D1", "D1", "D1", "D1", "D2", "D2",
...                                       "D2"]})
>>> out = protect_counts(micro, [["commune", "departement"]])
>>> out.loc[out["status"].ne("safe"), ["code", "status"]].values.tolist()
[['a', 'primary'], ['b', 'primary'], ['c', 'primary']]
>>> int(out.loc[out["code"].eq("D1"), "value"].iloc[0])  # published: a + b + c = 3
6
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..settings import get_settings
from . import tau_engine

__all__ = ["protect_counts", "protect_tables", "protect_two_way", "STATUSES", "TOTAL_CODE"]

#: Code of the total of every hierarchy (the whole registry).
TOTAL_CODE = tau_engine.TOTAL_CODE

#: Statuses of a protected cell: published, confidential (primary), suppressed to
#: protect another cell (secondary).
STATUSES: tuple[str, ...] = ("safe", "primary", "secondary")



def protect_counts(micro: pd.DataFrame, hierarchies: Sequence[Sequence[str]], *,
                   weight: str | None = None) -> pd.DataFrame:
    """Protect the counts (or sums) of ``micro`` over one or more territorial hierarchies.

    Parameters
    ----------
    micro : pandas.DataFrame
        One row per contributing firm; a string column per level named in
        ``hierarchies`` (the territory code of the firm at that level). A firm
        without a code at some level is refused.
    hierarchies : sequence of sequences of str
        Each hierarchy from its finest level to its coarsest, e.g.
        ``[["commune", "departement", "region"], ["commune", "epci"]]``. All start
        with the same finest level; each adds the total :data:`TOTAL_CODE`.
    weight : str, optional
        A numeric column of ``micro``: the table sums it (a magnitude table, with
        the dominance rule besides the frequency rule). Default: counts of rows.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty cell: ``level`` (a level name, or ``"total"``),
        ``code``, ``value``, ``n_firms`` (contributors) and ``status`` (one of
        :data:`STATUSES`). Empty cells (no contributor) are not listed: they are
        published as 0.

    Raises
    ------
    ValueError
        No hierarchy, hierarchies that do not share their finest level, a level
        missing from ``micro`` or a missing code.
    """
    return protect_tables({"table": (micro, weight)}, hierarchies)["table"]


def protect_tables(tables: Mapping[str, tuple[pd.DataFrame, str | None]],
                   hierarchies: Sequence[Sequence[str]]) -> dict[str, pd.DataFrame]:
    """:func:`protect_counts` of several tables over the same hierarchies, in one run.

    τ-Argus runs in a child process, in a temporary directory removed at the end:
    its engine writes log files in its working directory and is not meant to be
    shared by the threads of a server.

    Parameters
    ----------
    tables : mapping
        Name -> (microdata, weight column or None), as for :func:`protect_counts`.
    hierarchies : sequence of sequences of str

    Returns
    -------
    dict
        Name -> the protected cells of that table (see :func:`protect_counts`).
    """
    hier = [list(h) for h in hierarchies]
    for name, (micro, weight) in tables.items():
        _check(micro, hier, weight, name)
    st = get_settings()
    job = {"hierarchies": hier, "min_firms": int(st.sdc_min_firms),
           "dominance_pct": round(100 * st.sdc_dominance_share),
           "tables": {name: (micro[list(dict.fromkeys(lv for h in hier for lv in h))
                                   + ([weight] if weight else [])].reset_index(drop=True),
                             weight)
                      for name, (micro, weight) in tables.items() if len(micro)}}
    out = {name: _empty() for name, (micro, _) in tables.items() if not len(micro)}
    if not job["tables"]:
        return out
    out.update(_run_job(job))
    return {name: out[name] for name in tables}


def protect_two_way(values: np.ndarray, counts: np.ndarray, largest: np.ndarray | None,
                    row_totals: bool, column_totals: bool) -> np.ndarray:
    """Suppression pattern of a small two-way table with totals, by τ-Argus.

    Parameters
    ----------
    values, counts : numpy.ndarray
        The inner cells (``m`` × ``k``): a number of firms or a sum of a firm variable,
        and the firms behind each cell.
    largest : numpy.ndarray, optional
        Largest single contribution to each cell (sums: the dominance rule).
    row_totals, column_totals : bool
        Which totals the published table shows.

    Returns
    -------
    numpy.ndarray of bool
        The mask of the published table: ``m`` (+1 with ``column_totals``) rows by ``k``
        (+1 with ``row_totals``) columns, totals last.

    Notes
    -----
    τ-Argus protects the two-way table with both margins and the grand total; a margin
    that the table does not show is treated as published, which can only suppress more.
    The microdata handed to τ-Argus are rebuilt from the cells: ``counts`` records per
    cell, one of them holding ``largest`` and the others an equal share of the rest, so
    that the frequency and dominance rules judge each cell as on the real firms.
    """
    m, k = values.shape
    count_table = largest is None and np.array_equal(values, counts)
    rows, cols, resp = [], [], []
    for i in range(m):
        for j in range(k):
            n = int(counts[i, j])
            if n <= 0:
                continue
            v = float(values[i, j])
            if count_table:
                parts = [1.0] * n
            elif largest is not None and n > 1:
                b = float(largest[i, j])
                parts = [b] + [(v - b) / (n - 1)] * (n - 1)
            else:
                parts = [v / n] * n
            rows += [f"r{i}"] * n
            cols += [f"c{j}"] * n
            resp += parts
    full = np.zeros((m + 1, k + 1), dtype=bool)
    if rows and row_totals and column_totals:
        micro = pd.DataFrame({"row": rows, "col": cols, "response": resp})
        job_table = (micro, None if count_table else "response")
        cells = _run_job({"two_way": job_table})["two_way"]
        for r in cells.itertuples():
            i = m if r.row == TOTAL_CODE else int(str(r.row)[1:])
            j = k if r.col == TOTAL_CODE else int(str(r.col)[1:])
            full[i, j] = r.status != "safe"
    elif rows:
        # one margin: each line (a row with its total, or a column with its total) is a
        # table of its own, whose total is the line's (no grand total is published)
        line = rows if row_totals else cols
        micro = pd.DataFrame({"cell": [f"{r}{c}" for r, c in zip(rows, cols, strict=True)],
                              "line": line, "response": resp})
        weight = None if count_table else "response"
        tables = {str(code): (part, weight) for code, part in micro.groupby("line")}
        for code, got in protect_tables(tables, [["cell"]]).items():
            for r in got.itertuples():
                if r.level == "total":
                    i, j = (int(code[1:]), k) if row_totals else (m, int(code[1:]))
                else:
                    at_row, at_col = str(r.code)[1:].split("c")
                    i, j = int(at_row), int(at_col)
                full[i, j] = r.status != "safe"
    out = full
    if not row_totals:
        out = out[:, :k]
    if not column_totals:
        out = out[:m, :]
    return out


_ENGINE = Path(__file__).with_name("tau_engine.py")


def _interpreter() -> str:
    """This Python, started again: ``sys.executable``, or the running binary itself
    (``/proc/self/exe``) for an account that may run it but not reach its path (a
    virtualenv in another user's home); the child gets this process's ``sys.path``."""
    if os.access(sys.executable, os.X_OK) or not os.path.exists("/proc/self/exe"):
        return sys.executable
    return "/proc/self/exe"


def _run_job(job: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Run a job in a child process (:mod:`ecosystem.publish.tau_engine`), in a
    temporary folder removed afterwards: the engine writes log files in its working
    directory and is not meant to be shared by the threads of a server; a crash of the
    native engine is reported and changes nothing."""
    if "two_way" in job:
        st = get_settings()
        job = {"two_way": job["two_way"], "min_firms": int(st.sdc_min_firms),
               "dominance_pct": round(100 * st.sdc_dominance_share)}
    with tempfile.TemporaryDirectory(prefix="ecosystem-tau-") as tmp:
        path = Path(tmp)
        with open(path / "job.pkl", "wb") as fh:
            pickle.dump(job, fh)
        proc = subprocess.run([_interpreter(), str(_ENGINE), str(path)], cwd=tmp,
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                  p for p in sys.path if p)})
        if proc.returncode != 0 or not (path / "result.pkl").exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise RuntimeError("τ-Argus failed to protect the published tables; nothing "
                               "was published: " + " | ".join(tail))
        with open(path / "result.pkl", "rb") as fh:
            result: dict[str, pd.DataFrame] = pickle.load(fh)  # noqa: S301 - our own file
    return result


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"level": pd.Series([], dtype=object),
                         "code": pd.Series([], dtype=object), "value": [], "n_firms": [],
                         "status": pd.Series([], dtype=object)})


def _check(micro: pd.DataFrame, hierarchies: list[list[str]], weight: str | None,
           name: str) -> None:
    if not hierarchies:
        raise ValueError("no hierarchy given; expected at least one list of levels")
    leaf = hierarchies[0][0]
    if len(hierarchies) > 2 or (len(hierarchies) == 2 and len(hierarchies[1]) != 2):
        raise ValueError(f"hierarchies {hierarchies}: expected one hierarchy, or one and a "
                         f"grouping of its finest level ([finest, group], e.g. EPCIs)")
    for h in hierarchies:
        if not h or h[0] != leaf:
            raise ValueError(f"hierarchy {list(h)} does not start with {leaf!r}; expected "
                             f"every hierarchy to start with the same finest level")
        for level in h:
            if level not in micro.columns:
                raise ValueError(f"table {name!r}: level {level!r} is not a column of the "
                                 f"microdata; columns: {list(micro.columns)}")
            codes = micro[level]
            bad = (codes.isna() | codes.astype(str).str.strip().eq("")).to_numpy()
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise ValueError(f"table {name!r}, microdata row {row}: no {level} code; "
                                 f"expected every contributing firm placed at every level")
    if weight is not None and weight not in micro.columns:
        raise ValueError(f"table {name!r}: weight column {weight!r} is not in the microdata")


# ---------------------------------------------------------------------------
# implementation
# ---------------------------------------------------------------------------
