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
  (:func:`_run_grouped`). Protecting the two hierarchies one after the other is not
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

import atexit
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..settings import get_settings

__all__ = ["protect_counts", "protect_tables", "protect_two_way", "STATUSES", "TOTAL_CODE"]

#: Code of the total of every hierarchy (the whole registry).
TOTAL_CODE = "Total"

#: Statuses of a protected cell: published, confidential (primary), suppressed to
#: protect another cell (secondary).
STATUSES: tuple[str, ...] = ("safe", "primary", "secondary")

_STATUS = {"S": "safe", "P": "safe", "E": "safe", "U": "primary", "M": "secondary"}
_LEAD = "@"


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

    τ-Argus runs in a child process started on first use, in a temporary directory
    of its own: its engine writes log files in its working directory and is not
    meant to be shared by the threads of a server.

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


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _start_worker() -> None:  # pragma: no cover - run in the child process
    """The engine writes log files in its working directory: give it one of its own."""
    folder = tempfile.mkdtemp(prefix="ecosystem-tau-")
    os.chdir(folder)
    atexit.register(shutil.rmtree, folder, True)


def _run_job(job: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Run a job in the child process that holds the engine (started on first use).

    One child process serves the jobs of this process one at a time (the engine is not
    meant to be shared by threads); if the native engine crashes, the error is
    reported and the next job starts a new child.
    """
    global _POOL
    if "two_way" in job:
        st = get_settings()
        job = {"two_way": job["two_way"], "min_firms": int(st.sdc_min_firms),
               "dominance_pct": round(100 * st.sdc_dominance_share)}
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(max_workers=1,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker)
        pool = _POOL
    try:
        return pool.submit(_execute, job).result()
    except BrokenProcessPool as exc:
        with _POOL_LOCK:
            if _POOL is pool:
                _POOL = None
        raise RuntimeError("τ-Argus stopped while protecting the published tables; "
                           "nothing was published") from exc


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

def _prefixed(micro: pd.DataFrame, levels: Sequence[str]) -> dict[str, np.ndarray]:
    """Codes made unique across levels (a région and a département may share a code)."""
    return {lv: np.char.add(f"{k}:", micro[lv].astype(str).to_numpy().astype(str))
            for k, lv in enumerate(levels)}


def _hrc(codes: dict[str, np.ndarray], levels: Sequence[str]) -> str:
    """The hierarchy file of the leaf variable: coarsest level first, ``@`` per depth."""
    frame = pd.DataFrame({lv: codes[lv] for lv in levels}).drop_duplicates()
    order = list(reversed(levels))
    frame = frame.sort_values(order)
    lines: list[str] = []
    seen: list[str | None] = [None] * len(order)
    for row in frame[order].itertuples(index=False):
        for depth, code in enumerate(row):
            if depth == len(order) - 1:
                continue  # the leaf variable's own codes are the leaves
            if seen[depth] != code:
                seen[depth] = code
                for d in range(depth + 1, len(order)):
                    seen[d] = None
                lines.append(_LEAD * depth + str(code))
        lines.append(_LEAD * (len(order) - 1) + str(row[-1]))
    return "\n".join(lines) + "\n"


def _run(micro: pd.DataFrame, levels: list[str], weight: str | None, workdir: Path,
         min_firms: int, dominance_pct: int) -> pd.DataFrame:
    """One τ-Argus run over one hierarchy."""
    from pytauargus.arb import micro_arb
    from pytauargus.dataframe import to_microdata
    from pytauargus.engine import run_batch
    from pytauargus.micro import micro_asc_rda
    from pytauargus.result import TableResult

    workdir.mkdir(parents=True, exist_ok=True)
    codes = _prefixed(micro, levels)
    leaf = levels[0]
    response = np.ones(len(micro)) if weight is None else \
        pd.to_numeric(micro[weight], errors="raise").to_numpy(dtype=float)
    data = {"cell": codes[leaf].tolist(), "response": response.tolist()}
    hrc = None
    if len(levels) > 1:
        hrc = workdir / "territory.hrc"
        hrc.write_text(_hrc(codes, levels), encoding="utf-8")
    asc, rda, arb = (str(workdir / n) for n in ("micro.asc", "micro.rda", "batch.arb"))
    micro_asc_rda(to_microdata(pd.DataFrame(data)), asc_filename=asc, rda_filename=rda,
                  hrc=None if hrc is None else {"cell": str(hrc)}, hierleadstring=_LEAD,
                  totcode={"cell": TOTAL_CODE})
    rules = f"FREQ({min_firms},100)"
    if weight is not None:
        rules += f"|NK(1,{dominance_pct})"
    # a-priori file: the protection levels of the frequency-unsafe count cells. The
    # engine counts the code fields on the first line, so that line sets the cost of a
    # cell to the value it has already.
    lines: list[str] = []
    if weight is None:
        ones = pd.Series(1, index=pd.RangeIndex(len(micro)))
        for lv in levels:
            counts = ones.groupby(codes[lv]).sum()
            small = counts[(counts > 0) & (counts < min_firms)]
            lines += [f"{c};pl;{int(v)};{max(min_firms - int(v), 1)}"
                      for c, v in small.items()]
        first = pd.Series(codes[leaf]).value_counts()
        head = f"{first.index[0]};c;{int(first.iloc[0])}"
    else:
        sums = pd.Series(response).groupby(codes[leaf]).sum()
        head = f"{sums.index[0]};c;{float(sums.iloc[0])!r}"
    apriori = None
    if lines:
        hst = workdir / "apriori.hst"
        hst.write_text("\n".join([head, *lines]) + "\n", encoding="utf-8")
        apriori = {"hst": [str(hst)], "sep": ";", "ignore_err": 0, "exp_triv": 0}
    out = str(workdir / "table.tab")
    micro_arb(arb_filename=arb, asc_filename=asc, rda_filename=rda,
              explanatory_vars=[["cell"]], response_var="response",
              safety_rules=rules, suppress="OPT(1)", output_names=[out], output_type="5",
              output_options="SO+", apriori=apriori)
    run_batch(arb)
    table = pd.DataFrame(TableResult(out, ["cell"], "response").rows)
    code = table["cell"].astype(str)
    depth = code.str.extract(r"^(\d+):", expand=False)
    names = {str(k): lv for k, lv in enumerate(levels)}
    return pd.DataFrame({
        "level": depth.map(names).fillna("total").to_numpy(dtype=object),
        "code": np.where(depth.isna(), TOTAL_CODE, code.str.replace(r"^\d+:", "", regex=True)),
        "value": table["response"].to_numpy(dtype=float),
        "n_firms": table["freq"].to_numpy(dtype=np.int64),
        "status": table["status"].map(_STATUS).fillna("safe").to_numpy(dtype=object),
    })


def _run_grouped(micro: pd.DataFrame, levels: list[str], group: str, weight: str | None,
                 workdir: Path, min_firms: int, dominance_pct: int) -> pd.DataFrame:
    """Protect the hierarchy ``levels`` and a grouping ``group`` of its finest level whose
    groups need not nest in it (EPCIs across départements).

    One hierarchy is protected: finest level ⊂ *part* ⊂ ``levels[1]`` ⊂ …, a part being
    a group within one unit of ``levels[1]`` (an EPCI, or the part of an EPCI in one
    département). τ-Argus treats every part as published (it is the EPCI itself for an
    EPCI within one département), so the attacker of its model knows at least as much
    as a reader. The total of a group of several parts, which is not a cell of the
    hierarchy, is then published only when every part is: it adds nothing to what the
    model already assumed known; otherwise it is suppressed (``primary`` when it has 1
    to ``min_firms - 1`` firms, else ``secondary``).
    """
    part = "part"
    while part in micro.columns:
        part += "_"
    parts = micro[group].astype(str) + "|" + micro[levels[1]].astype(str)
    cells = _run(micro.assign(**{part: parts.to_numpy()}), [levels[0], part, *levels[1:]],
                 weight, workdir, min_firms, dominance_pct)
    is_part = cells["level"].eq(part)
    pieces = cells[is_part].copy()
    pieces["group"] = pieces["code"].astype(str).str.rsplit("|", n=1).str[0]
    by = pieces.groupby("group", sort=True)
    groups = pd.DataFrame({
        "value": by["value"].sum(), "n_firms": by["n_firms"].sum(),
        "hidden": by["status"].agg(lambda st: bool((st != "safe").any())),
        "single": by.size().eq(1), "status_one": by["status"].first(),
    })
    status = np.where(groups["single"], groups["status_one"],
                      np.where(~groups["hidden"].to_numpy(dtype=bool), "safe",
                               np.where((groups["n_firms"] > 0)
                                        & (groups["n_firms"] < min_firms), "primary",
                                        "secondary")))
    out = pd.DataFrame({"level": group, "code": groups.index.to_numpy(dtype=object),
                        "value": groups["value"].to_numpy(dtype=float),
                        "n_firms": groups["n_firms"].to_numpy(dtype=np.int64),
                        "status": status.astype(object)})
    return pd.concat([cells[~is_part], out], ignore_index=True)


def _run_two_way(micro: pd.DataFrame, weight: str | None, workdir: Path, min_firms: int,
                 dominance_pct: int) -> pd.DataFrame:
    """τ-Argus on the table ``row`` × ``col`` of ``micro`` with its margins."""
    from pytauargus.arb import micro_arb
    from pytauargus.dataframe import to_microdata
    from pytauargus.engine import run_batch
    from pytauargus.micro import micro_asc_rda
    from pytauargus.result import TableResult

    workdir.mkdir(parents=True, exist_ok=True)
    response = np.ones(len(micro)) if weight is None else \
        micro[weight].to_numpy(dtype=float)
    data = pd.DataFrame({"row": micro["row"].astype(str), "col": micro["col"].astype(str),
                         "response": response})
    asc, rda, arb = (str(workdir / n) for n in ("micro.asc", "micro.rda", "batch.arb"))
    micro_asc_rda(to_microdata(data), asc_filename=asc, rda_filename=rda,
                  totcode={"row": TOTAL_CODE, "col": TOTAL_CODE})
    rules = f"FREQ({min_firms},100)"
    if weight is not None:
        rules += f"|NK(1,{dominance_pct})"
    apriori = None
    if weight is None:
        lines = []
        for by in (["row", "col"], ["row"], ["col"], []):
            counts = data.groupby(by).size() if by else pd.Series([len(data)])
            for key, v in counts.items():
                if 0 < v < min_firms:
                    key = key if isinstance(key, tuple) else (key,)
                    named = dict(zip(by, key, strict=True))
                    lines.append(f"{named.get('row', '')};{named.get('col', '')};pl;{int(v)};"
                                 f"{max(min_firms - int(v), 1)}")
        if lines:
            first = data.groupby(["row", "col"]).size()
            head = f"{first.index[0][0]};{first.index[0][1]};c;{int(first.iloc[0])}"
            hst = workdir / "apriori.hst"
            hst.write_text("\n".join([head, *lines]) + "\n", encoding="utf-8")
            apriori = {"hst": [str(hst)], "sep": ";", "ignore_err": 0, "exp_triv": 0}
    out = str(workdir / "table.tab")
    micro_arb(arb_filename=arb, asc_filename=asc, rda_filename=rda,
              explanatory_vars=[["row", "col"]], response_var="response",
              safety_rules=rules, suppress="OPT(1)", output_names=[out], output_type="5",
              output_options="SO+", apriori=apriori)
    run_batch(arb)
    table = pd.DataFrame(TableResult(out, ["row", "col"], "response").rows)
    norm = {}
    for c in ("row", "col"):
        x = table[c].astype(str).str.strip()
        norm[c] = x.where(~x.str.startswith("{"), TOTAL_CODE)
    return pd.DataFrame({"row": norm["row"], "col": norm["col"],
                         "status": table["status"].map(_STATUS).fillna("safe")})


def _execute(job: dict[str, Any]) -> dict[str, pd.DataFrame]:  # pragma: no cover
    """Run in the child process: every table of ``job``, in a temporary folder."""
    result: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="job-", dir=os.getcwd()) as tmp:
        path = Path(tmp)
        if "two_way" in job:
            micro, weight = job["two_way"]
            result["two_way"] = _run_two_way(micro, weight, path / "two_way",
                                             job["min_firms"], job["dominance_pct"])
            return result
        hierarchies = job["hierarchies"]
        for k, (name, (micro, weight)) in enumerate(job["tables"].items()):
            if len(hierarchies) == 1:
                result[name] = _run(micro, hierarchies[0], weight, path / f"t{k}",
                                    job["min_firms"], job["dominance_pct"])
            else:
                result[name] = _run_grouped(micro, hierarchies[0], hierarchies[1][1], weight,
                                            path / f"t{k}", job["min_firms"],
                                            job["dominance_pct"])
    return result
