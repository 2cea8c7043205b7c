"""Survey scores of the qualitative dimensions (Dynamique, Directionalité).

Seed 001: the last two D are qualitative and « nécessite[nt] en revanche des
enquêtes en profondeur pour pouvoir en apprécier l'intensité ». An observatory
that runs such a survey imports its results, item by item and territory by
territory, and the indicator table gains ``survey_dynamique`` and
``survey_directionalite`` (mean of the item scores of each dimension).

File format (CSV ``,`` or ``;``, UTF-8 or cp1252, decimal point or comma;
Excel; column names without case):

============== ======== ===========================================================
column         required content
============== ======== ===========================================================
``territory``  yes      code of the territory: commune (INSEE, 5 characters), EPCI
                        (SIREN, 9 digits), département (``34``, ``2A``, ``971``) or
                        région (``76``); a code that lost its leading zero in a
                        spreadsheet (``1``, ``1001``) is padded
``level``      yes      ``commune``, ``epci``, ``departement`` or ``region``
``year``       yes      year of the survey (the indicator year it describes)
``dimension``  yes      ``dynamique`` or ``directionalite`` (accents and case ignored;
                        ``dynamism`` and ``governance`` accepted)
``item``       yes      identifier of the question (free text, e.g. ``D2_coordination``)
``score``      yes      mean answer of the respondents on the Likert scale
                        ``settings.survey_likert_scale`` (1 = strongly disagree ...
                        5 = strongly agree)
``respondents`` no      number of respondents behind the score (whole number >= 1)
============== ======== ===========================================================

One row per territory, level, year and item. Every problem of the file is
reported (row, column, value, what was expected) and nothing is stored when
there is one.

Examples
--------
>>> import io, pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "enquete.csv"
>>> _ = p.write_text("territory;level;year;dimension;item;score;respondents\\n"
...                  "34;departement;2025;Directionalité;D1;3,5;12\\n"
...                  "34;departement;2025;dynamique;Y1;4;12\\n", encoding="utf-8")
>>> s = read_survey(p)
>>> s[["territory", "dimension", "score"]].values.tolist()
[['34', 'directionalite', 3.5], ['34', 'dynamique', 4.0]]
>>> survey_scores(s, "departement", 2025).to_dict("index")
{'34': {'survey_dynamique': 4.0, 'survey_directionalite': 3.5}}
"""

from __future__ import annotations

import os
import unicodedata

import numpy as np
import pandas as pd

from .readers import RawTable, read_table
from .registry import Registry
from .schema import TERRITORY_LEVELS
from .settings import get_settings
from .validate import Checker

__all__ = [
    "SURVEY_COLUMNS",
    "SURVEY_DIMENSIONS",
    "SURVEY_RESULT",
    "prepare_survey",
    "read_survey",
    "import_survey",
    "stored_survey",
    "survey_scores",
]

#: Columns of a validated survey table and their storage types.
SURVEY_COLUMNS: dict[str, str] = {
    "territory": "str",
    "level": "str",
    "year": "int",
    "dimension": "str",
    "item": "str",
    "score": "float",
    "respondents": "Int64",
}

#: Survey dimensions -> indicator column.
SURVEY_DIMENSIONS: dict[str, str] = {
    "dynamique": "survey_dynamique",
    "directionalite": "survey_directionalite",
}

#: Name of the table holding the imported survey in the registry (Registry.write_table).
SURVEY_RESULT = "survey"

_DIMENSION_ALIASES = {"dynamism": "dynamique", "governance": "directionalite",
                      "directionnalite": "directionalite", "directionality": "directionalite"}

_CODE_PATTERNS = {
    "commune": r"\d[\dAB]\d{3}",
    "epci": r"\d{9}",
    "departement": r"\d{2}|2[AB]|97\d",
    "region": r"\d{2}",
}
_CODE_HINTS = {
    "commune": "an INSEE commune code of 5 characters (34172)",
    "epci": "the SIREN of an EPCI (9 digits)",
    "departement": "a département code (34, 2A, 971)",
    "region": "a région code (76)",
}
_PAD = {"commune": 5, "departement": 2, "region": 2, "epci": 9}


def _plain(text: str) -> str:
    s = unicodedata.normalize("NFKD", text)
    return "".join(c for c in s if not unicodedata.combining(c)).lower().strip()


def prepare_survey(table: RawTable) -> pd.DataFrame:
    """Validate a survey table; return it with :data:`SURVEY_COLUMNS`.

    Raises
    ------
    ecosystem.ValidationError
        Listing every problem (file, row, column, value, what was expected).
    """
    lo, hi = get_settings().survey_likert_scale
    table = table.canonical(list(SURVEY_COLUMNS))
    chk = Checker(table.frame, table.rows.tolist(), table.file)
    chk.require_columns(["territory", "level", "year", "dimension", "item", "score"],
                        " (survey format: territory, level, year, dimension, item, score, "
                        "respondents)")
    chk.raise_if_any()
    dim_raw = chk.raw("dimension").map(_plain)
    dim_raw = dim_raw.map(lambda v: _DIMENSION_ALIASES.get(v, v))
    chk.frame = chk.frame.assign(dimension=dim_raw)
    level = chk.code("level", TERRITORY_LEVELS, what="territory level")
    year = chk.year("year", required=True)
    dimension = chk.code("dimension", SURVEY_DIMENSIONS, what="survey dimension")
    item = chk.text("item", required=True, max_len=200)
    score = chk.number("score", required=True, lo=lo, hi=hi, decimal=table.decimal,
                       hint=f" (mean answer on the Likert scale {lo}-{hi})")
    respondents = chk.integer("respondents", lo=1, decimal=table.decimal)
    territory = chk.raw("territory").str.upper()
    for lev, width in _PAD.items():
        short = level.eq(lev) & territory.str.fullmatch(r"\d+") & (territory.str.len() < width)
        territory = territory.where(~short, territory.str.zfill(width))
    bad = pd.Series(False, index=territory.index)
    for lev, pattern in _CODE_PATTERNS.items():
        sel = level.eq(lev)
        wrong = sel & ~territory.str.fullmatch(pattern)
        if wrong.any():
            chk.flag(wrong.to_numpy(), "territory", _CODE_HINTS[lev])
        bad |= wrong
    empty = territory.eq("") & ~bad
    chk.flag(empty.to_numpy(), "territory", "a territory code")
    key = territory + "/" + level + "/" + year.astype(str) + "/" + item
    chk.unique(key, "item", "item for this territory, level and year")
    chk.raise_if_any()
    out = pd.DataFrame({
        "territory": territory.astype(str).to_numpy(dtype=object),
        "level": level.astype(str).to_numpy(dtype=object),
        "year": year.astype("int64").to_numpy(),
        "dimension": dimension.astype(str).to_numpy(dtype=object),
        "item": item.astype(str).to_numpy(dtype=object),
        "score": score.astype(float).to_numpy(),
        "respondents": respondents.astype("Int64").array,
    })
    return out.sort_values(["level", "territory", "year", "dimension", "item"],
                           kind="stable").reset_index(drop=True)


def read_survey(path: str | os.PathLike[str], **kwargs: object) -> pd.DataFrame:
    """Read and validate a survey file (see the module docstring for its format).

    Keyword arguments go to :func:`ecosystem.readers.read_table` (``sheet``,
    ``encoding``, ``delimiter``...).
    """
    return prepare_survey(read_table(path, **kwargs))  # type: ignore[arg-type]


def _conform(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name, kind in SURVEY_COLUMNS.items():
        if name not in frame.columns:
            raise ValueError(f"the survey table lacks the column {name!r}; expected "
                             f"{list(SURVEY_COLUMNS)}")
        col = frame[name].reset_index(drop=True)
        if kind == "str":
            out[name] = col.astype(object).where(col.notna(), "").astype(str)
        elif kind == "int":
            out[name] = pd.to_numeric(col).astype(np.int64)
        elif kind == "float":
            out[name] = pd.to_numeric(col).astype(float)
        else:
            out[name] = pd.to_numeric(col).astype("Int64")
    return out


def stored_survey(registry: Registry) -> pd.DataFrame | None:
    """The survey stored in the registry (:data:`SURVEY_RESULT`), or None."""
    frame = registry.read_table(SURVEY_RESULT)
    if frame is None:
        return None
    return _conform(frame)


def import_survey(registry: Registry, survey: str | os.PathLike[str] | pd.DataFrame
                  ) -> pd.DataFrame:
    """Validate a survey (a file, or a table from :func:`read_survey`) and store it.

    Rows of the same territory, level, year and item as rows already stored replace
    them; the others are kept. Returns the stored table.
    """
    new = read_survey(survey) if not isinstance(survey, pd.DataFrame) else _conform(survey)
    old = stored_survey(registry)
    if old is not None and len(old):
        keys = ["territory", "level", "year", "item"]
        kept = old.merge(new[keys], on=keys, how="left", indicator=True)
        kept = kept.loc[kept["_merge"].eq("left_only"), list(SURVEY_COLUMNS)]
        new = pd.concat([kept, new], ignore_index=True)
    new = _conform(new).sort_values(["level", "territory", "year", "dimension", "item"],
                                    kind="stable").reset_index(drop=True)
    registry.write_table(SURVEY_RESULT, new)
    return new


def survey_scores(survey: pd.DataFrame | None, level: str, year: int) -> pd.DataFrame:
    """Mean item score of each survey dimension, per territory of ``level`` in ``year``.

    Each item counts once (the mean of the item scores, not of the respondents).

    Returns
    -------
    DataFrame
        Indexed by territory code (``code``), columns ``survey_dynamique`` and
        ``survey_directionalite`` (NaN when the territory has no item of that
        dimension); empty without a survey.
    """
    cols = list(SURVEY_DIMENSIONS.values())
    if survey is None or len(survey) == 0:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="code"), dtype=float)
    s = survey[(survey["level"] == level) & (pd.to_numeric(survey["year"]) == year)]
    table = s.pivot_table(index="territory", columns="dimension", values="score",
                          aggfunc="mean")
    table = table.rename(columns=SURVEY_DIMENSIONS).reindex(columns=cols)
    table.index.name = "code"
    table.columns.name = None
    return table.astype(float)
