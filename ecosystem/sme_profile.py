"""The SMEs of a territory, broken down: by stage and posture, by ISO standard and export
status, by export market, by sub-territory, and their totals.

Every function reads firm observations (one row per firm, usually the active firms of one
year in one territory: :func:`ecosystem.activity.active_firms`) and returns plain counts;
no word, no formatting and no disclosure decision (the publishing layer applies
:mod:`ecosystem.disclosure` to these counts).

- :func:`code_lists`: the ``|``-separated codes of a column (``iso``, ``markets``);
- :func:`is_certified`, :func:`in_groupement`: a firm holds an ISO certificate, belongs to
  an export group (*groupement à l'export*);
- :func:`sme_flags`: what each firm is (exporting, proactive exporter, certified, born
  global, in an export group, unserved);
- :func:`sme_totals`: the counts of those flags, and the number of export groups;
- :func:`counts_by_territory`: the same counts by territory of a level;
- :func:`stage_posture_counts`, :func:`iso_counts`, :func:`market_counts`: the
  breakdowns by stage and posture, by ISO standard, by export market.

Examples
--------
>>> f = pd.DataFrame({"firm_id": ["a", "b", "c"],
...                   "stage": ["direct_export", "local", "indirect_export"],
...                   "posture": ["proactive", "reactive", None],
...                   "iso": ["9001|14001", "", "9001"], "markets": ["es|DE", "", "ES"],
...                   "groupement": ["G1", "", " "], "departement": ["34", "34", "30"]})
>>> iso_counts(f).to_dict("index")
{'9001': {'exporting': 2, 'not_exporting': 0}, '14001': {'exporting': 1, 'not_exporting': 0}}
>>> market_counts(f).to_dict()
{'ES': 2, 'DE': 1}
>>> counts_by_territory(f, "departement", sme_flags(f, born_global=False))["n_exporters"].to_dict()
{'30': 1, '34': 1}
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .activity import is_exporting
from .potential import born_global_mask
from .settings import POSTURES, STAGES

__all__ = [
    "MAIN_ISO_STANDARDS",
    "FLAG_COUNTS",
    "code_lists",
    "is_certified",
    "in_groupement",
    "sme_flags",
    "sme_totals",
    "counts_by_territory",
    "stage_posture_counts",
    "iso_counts",
    "market_counts",
]

#: ISO standards listed first, in this order (the quality series, then environment and
#: health and safety); other standards follow in code order.
MAIN_ISO_STANDARDS: tuple[str, ...] = ("9001", "9002", "9003", "14001", "45001")

#: Count column of each flag of :func:`sme_flags` (in :func:`sme_totals` and
#: :func:`counts_by_territory`).
FLAG_COUNTS: dict[str, str] = {
    "exporting": "n_exporters",
    "proactive_exporting": "n_proactive_exporters",
    "certified": "n_certified",
    "born_global": "n_born_global",
    "in_groupement": "n_groupement_members",
    "unserved": "n_unserved",
}


def _text(values: pd.Series) -> pd.Series:
    """A text column with blanks for missing values (``""``, never ``"<NA>"``)."""
    return values.astype("str").fillna("").replace("<NA>", "")


def code_lists(values: pd.Series) -> pd.Series:
    """The ``|``-separated codes of each row, as lists (an empty list when blank).

    Blank parts and ``<NA>`` are left out; codes keep their case.

    Examples
    --------
    >>> code_lists(pd.Series(["9001| 14001", "", None, "|9001|"])).tolist()
    [['9001', '14001'], [], [], ['9001']]
    """
    return values.astype("str").fillna("").map(
        lambda s: [p.strip() for p in s.split("|") if p.strip() and p.strip() != "<NA>"])


def is_certified(firms: pd.DataFrame) -> pd.Series:
    """Whether each firm holds at least one ISO certificate (``iso`` not blank).

    Examples
    --------
    >>> is_certified(pd.DataFrame({"iso": ["9001", "", None, " | "]})).tolist()
    [True, False, False, False]
    """
    if "iso" not in firms:
        return pd.Series(False, index=firms.index, dtype=bool)
    return code_lists(firms["iso"]).map(bool).astype(bool)


def in_groupement(firms: pd.DataFrame) -> pd.Series:
    """Whether each firm belongs to an export group (``groupement`` not blank).

    Examples
    --------
    >>> in_groupement(pd.DataFrame({"groupement": ["G1", "", None, "  "]})).tolist()
    [True, False, False, False]
    """
    if "groupement" not in firms:
        return pd.Series(False, index=firms.index, dtype=bool)
    return _text(firms["groupement"]).str.strip().ne("").astype(bool)


def sme_flags(
    firms: pd.DataFrame,
    history: pd.DataFrame | None = None,
    year: int | None = None,
    *,
    unserved: Iterable[str] | None = None,
    born_global: bool = True,
) -> pd.DataFrame:
    """What each firm is, as booleans aligned on ``firms.index``.

    Parameters
    ----------
    firms : DataFrame
        Firm observations (``stage``, ``posture``, ``iso``, ``groupement``; for the
        born-global flag ``firm_id``, ``year``, ``created``, ``export_share``).
    history : DataFrame, optional
        Every observation of the firms, for the born-global rule
        (:func:`ecosystem.potential.born_global_mask`; default ``firms``).
    year : int, optional
        Only observations up to ``year`` count for the born-global rule.
    unserved : iterable of str, optional
        ``firm_id`` of the unserved firms (:func:`ecosystem.unserved.unserved_firms`);
        adds the ``unserved`` column.
    born_global : bool
        Compute the ``born_global`` column (False: the column is left out).

    Returns
    -------
    DataFrame
        ``exporting`` (stage indirect export or beyond), ``proactive_exporting``
        (exporting with a proactive posture), ``certified`` (:func:`is_certified`),
        ``born_global``, ``in_groupement`` (:func:`in_groupement`) and, with
        ``unserved``, ``unserved``.
    """
    n = len(firms)
    exporting = is_exporting(firms).to_numpy(dtype=bool) if n else np.zeros(0, dtype=bool)
    posture = _text(firms["posture"]).to_numpy(dtype=object) if "posture" in firms \
        else np.full(n, "", dtype=object)
    out = pd.DataFrame({
        "exporting": exporting,
        "proactive_exporting": exporting & (posture == "proactive"),
        "certified": is_certified(firms).to_numpy(dtype=bool),
    }, index=firms.index)
    if born_global:
        out["born_global"] = born_global_mask(firms, history, year).to_numpy(dtype=bool) \
            if n else np.zeros(0, dtype=bool)
    out["in_groupement"] = in_groupement(firms).to_numpy(dtype=bool)
    if unserved is not None:
        out["unserved"] = firms["firm_id"].astype(str).isin(set(map(str, unserved))) \
            .to_numpy(dtype=bool)
    return out


def sme_totals(firms: pd.DataFrame, flags: pd.DataFrame | None = None) -> dict[str, int]:
    """The number of firms, the count of each flag and the number of export groups.

    Parameters
    ----------
    firms : DataFrame
        Firm observations.
    flags : DataFrame, optional
        :func:`sme_flags` of ``firms`` (computed with its defaults when omitted).

    Returns
    -------
    dict
        ``n_firms``, one count per flag (:data:`FLAG_COUNTS`: ``n_exporters``,
        ``n_proactive_exporters``, ``n_certified``, ``n_born_global``,
        ``n_groupement_members``, ``n_unserved`` for the flags present) and
        ``n_groupements`` (distinct export-group names among the members).

    Examples
    --------
    >>> f = pd.DataFrame({"stage": ["direct_export", "local", "local"],
    ...                   "posture": ["proactive", "", ""], "iso": ["", "9001", ""],
    ...                   "groupement": ["G1", "G1 ", "G2"]})
    >>> sme_totals(f, sme_flags(f, born_global=False))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'n_firms': 3, 'n_exporters': 1, 'n_proactive_exporters': 1, 'n_certified': 1,
     'n_groupement_members': 3, 'n_groupements': 2}
    """
    if flags is None:
        flags = sme_flags(firms)
    out = {"n_firms": int(len(firms))}
    for flag, name in FLAG_COUNTS.items():
        if flag in flags:
            out[name] = int(flags[flag].to_numpy(dtype=bool).sum())
    members = flags["in_groupement"].to_numpy(dtype=bool) if "in_groupement" in flags \
        else in_groupement(firms).to_numpy(dtype=bool)
    names = firms.loc[members, "groupement"].astype(str).str.strip() if members.any() \
        else pd.Series([], dtype=str)
    out["n_groupements"] = int(names.nunique())
    return out


def counts_by_territory(firms: pd.DataFrame, level: str,
                        flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """Firms and flag counts by territory of ``level`` (a column of ``firms``).

    Parameters
    ----------
    firms : DataFrame
        Firm observations with a ``level`` column (``commune``, ``epci``...).
    level : str
    flags : DataFrame, optional
        :func:`sme_flags` of ``firms`` (computed with its defaults when omitted).

    Returns
    -------
    DataFrame
        Indexed by territory code (``""`` for firms without one), sorted: ``n_firms``
        then one count column per flag (:data:`FLAG_COUNTS`), int64.
    """
    if flags is None:
        flags = sme_flags(firms)
    codes = _text(firms[level]).to_numpy(dtype=object)
    frame = pd.DataFrame({"code": codes, "n_firms": np.ones(len(firms), dtype=np.int64)})
    for flag, name in FLAG_COUNTS.items():
        if flag in flags:
            frame[name] = flags[flag].to_numpy(dtype=bool).astype(np.int64)
    return frame.groupby("code").sum().sort_index().astype(np.int64)


def _ordered(present: Iterable[str], known: Iterable[str]) -> list[str]:
    """``known`` codes that are present, in their order, then the others sorted."""
    seen = set(present)
    first = [c for c in known if c in seen]
    return first + sorted(seen - set(first))


def stage_posture_counts(firms: pd.DataFrame) -> pd.DataFrame:
    """Firms by internationalisation stage (rows) and posture (columns).

    Rows and columns hold the codes present (``""`` for a blank value), the known ones in
    the order of ``settings.STAGES`` and ``settings.POSTURES``, the others after them in
    code order; cells are int64 counts (0 for an empty cross).

    Examples
    --------
    >>> f = pd.DataFrame({"stage": ["local", "direct_export", "local"],
    ...                   "posture": ["reactive", "proactive", None]})
    >>> stage_posture_counts(f).to_dict("index")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'local': {'reactive': 1, 'proactive': 0, '': 1},
     'direct_export': {'reactive': 0, 'proactive': 1, '': 0}}
    """
    stage = _text(firms["stage"])
    posture = _text(firms["posture"])
    cross = pd.crosstab(stage, posture).reindex(
        index=_ordered(stage, STAGES), columns=_ordered(posture, POSTURES), fill_value=0)
    cross.index.name, cross.columns.name = "stage", "posture"
    return cross.astype(np.int64)


def iso_counts(firms: pd.DataFrame) -> pd.DataFrame:
    """Firms certified to each ISO standard, exporting or not.

    A firm certified to several standards counts once in each of their rows.

    Returns
    -------
    DataFrame
        Indexed by standard code (``"9001"``...: :data:`MAIN_ISO_STANDARDS` first, then
        the others in code order), columns ``exporting`` and ``not_exporting`` (int64);
        no row when no firm is certified.
    """
    lists = code_lists(firms["iso"]) if "iso" in firms else pd.Series(
        [[]] * len(firms), dtype=object)
    exporting = is_exporting(firms).to_numpy(dtype=bool) if len(firms) \
        else np.zeros(0, dtype=bool)
    pairs = pd.DataFrame({
        "firm": np.repeat(np.arange(len(firms)), [len(x) for x in lists]),
        "standard": pd.Series([s for x in lists for s in x], dtype=object),
    }).drop_duplicates()
    exp = exporting[pairs["firm"].to_numpy(dtype=np.int64)]
    counts = pd.DataFrame({
        "exporting": pd.Series(exp.astype(np.int64)).groupby(pairs["standard"].to_numpy())
        .sum(),
        "not_exporting": pd.Series((~exp).astype(np.int64)).groupby(
            pairs["standard"].to_numpy()).sum(),
    })
    order = [m for m in MAIN_ISO_STANDARDS if m in counts.index] + sorted(
        set(counts.index) - set(MAIN_ISO_STANDARDS))
    out = counts.reindex(order).astype(np.int64)
    out.index = pd.Index(order, dtype=object, name="standard")
    return out[["exporting", "not_exporting"]]


def market_counts(firms: pd.DataFrame) -> pd.Series:
    """Firms naming each country among their export markets (``markets``).

    Codes are upper-cased; a firm naming a country twice counts once.

    Returns
    -------
    Series
        int64 counts indexed by country code, by decreasing count then code.
    """
    lists = code_lists(firms["markets"]) if "markets" in firms else pd.Series(
        [[]] * len(firms), dtype=object)
    pairs = pd.DataFrame({
        "firm": np.repeat(np.arange(len(firms)), [len(x) for x in lists]),
        "country": pd.Series([c.upper() for x in lists for c in x], dtype=object),
    }).drop_duplicates()
    counts = pairs.groupby("country").size()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.Series([int(v) for _, v in order], dtype=np.int64,
                     index=pd.Index([k for k, _ in order], dtype=object, name="country"),
                     name="n_firms")
