"""The τ-Argus engine runs of :mod:`ecosystem.publish.tau`, in a child process.

This file is run as a script (``python tau_engine.py FOLDER``) by
:func:`ecosystem.publish.tau.protect_tables`: it imports NumPy, pandas and pytauargus
only, reads ``FOLDER/job.pkl``, protects every table and writes ``FOLDER/result.pkl``.
The engine writes its log files in the working directory, which the caller sets to a
temporary folder.
"""

from __future__ import annotations

import pickle
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []

#: Code of the total of every table.
TOTAL_CODE = "Total"
_STATUS = {"S": "safe", "P": "safe", "E": "safe", "U": "primary", "M": "secondary"}
_LEAD = "@"


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
                    named = dict(zip(by, key, strict=True)) if by else {}
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


def execute(job: dict[str, Any]) -> dict[str, pd.DataFrame]:  # pragma: no cover
    """Run in the child process: every table of ``job``, in a temporary folder."""
    result: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="job-", dir=Path.cwd()) as tmp:
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


def main(folder: str) -> None:  # pragma: no cover - run in the child process
    path = Path(folder)
    with open(path / "job.pkl", "rb") as fh:
        job = pickle.load(fh)  # noqa: S301 - written by the parent just before
    result = execute(job)
    with open(path / "result.pkl", "wb") as fh:
        pickle.dump(result, fh)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
