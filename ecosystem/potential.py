"""Export potential of a firm (0-100) with its reasons in French, the born-global rule
(seed 003) and the sector export propensity by NAF rév. 2 division.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import missing_column, require_columns
from .settings import (
    EXPORTING_STAGES,
    STAGES,
    get_settings,
    iso_weight,
)

__all__ = [
    "naf_section",
    "sector_export_propensity",
    "born_global_mask",
    "potential_score",
]

# ---------------------------------------------------------------------------
# export potential
# ---------------------------------------------------------------------------

# NAF rév. 2 divisions -> sections (INSEE nomenclature).
_NAF_SECTION_RANGES: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 3), ("B", 5, 9), ("C", 10, 33), ("D", 35, 35), ("E", 36, 39), ("F", 41, 43),
    ("G", 45, 47), ("H", 49, 53), ("I", 55, 56), ("J", 58, 63), ("K", 64, 66), ("L", 68, 68),
    ("M", 69, 75), ("N", 77, 82), ("O", 84, 84), ("P", 85, 85), ("Q", 86, 88), ("R", 90, 93),
    ("S", 94, 96), ("T", 97, 98), ("U", 99, 99),
)


def naf_section(division: str) -> str | None:
    if not division.isdigit():
        return None
    num = int(division)
    for section, lo, hi in _NAF_SECTION_RANGES:
        if lo <= num <= hi:
            return section
    return None


def sector_export_propensity(naf: pd.Series) -> pd.Series:
    """Share of exporting firms in each firm's sector (NAF rév. 2 code such as ``25.62A``).

    Looks up the two-digit division, then its section, in
    ``settings.potential.sector_export_propensity``; a missing or unknown code gets
    ``settings.potential.default_sector_export_propensity``.

    Examples
    --------
    >>> sector_export_propensity(pd.Series(["21.20Z", "25.62A", "43.21A", None])).tolist()
    [0.55, 0.15, 0.01, 0.066]
    """
    ps = get_settings().potential
    table = ps.sector_export_propensity
    lookup: dict[str, float] = {}
    for num in range(100):
        division = f"{num:02d}"
        section = naf_section(division)
        if division in table:
            lookup[division] = table[division]
        elif section is not None and section in table:
            lookup[division] = table[section]
    divisions = naf.astype("str").str.strip().str.slice(0, 2)
    return divisions.map(lookup).astype(float).fillna(ps.default_sector_export_propensity)


def born_global_mask(
    firms: pd.DataFrame, history: pd.DataFrame | None = None, year: int | None = None
) -> pd.Series:
    """Which firms are *born global* (seed 003), from their observations.

    A firm is born global when one of its observations made within
    ``settings.born_global_years`` years of its creation (``0 <= year - created <=
    born_global_years``) shows ``export_share >= settings.born_global_share``.
    ``history`` (all observations of the firms; default ``firms`` itself) is used so
    that a firm observed young in an earlier year keeps the label; only observations
    up to ``year`` count (no look-ahead). A firm with no observation in its first
    years cannot be shown born global and is not labelled so (conservative).

    Returns
    -------
    Series of bool
        Aligned on ``firms.index``.

    Examples
    --------
    >>> obs = pd.DataFrame({"firm_id": ["a", "a", "b", "c"], "year": [2021, 2025, 2025, 2025],
    ...                     "created": [2019, 2019, 2024, 2015],
    ...                     "export_share": [0.3, 0.1, 0.2, 0.9]})
    >>> born_global_mask(obs[obs.year == 2025], obs, 2025).tolist()
    [True, True, False]
    """
    s = get_settings()
    hist = firms if history is None else history
    require_columns(hist, ("firm_id", "year", "created", "export_share"), "firms")
    hy = pd.to_numeric(hist["year"], errors="coerce")
    age = hy - pd.to_numeric(hist["created"], errors="coerce").astype("Float64")
    share = pd.to_numeric(hist["export_share"], errors="coerce").astype("Float64")
    ok = (age >= 0) & (age <= s.born_global_years) & (share >= s.born_global_share)
    if year is not None:
        ok &= hy <= year
    ids = set(hist.loc[ok.fillna(False).astype(bool), "firm_id"].astype(str))
    return firms["firm_id"].astype(str).isin(ids)


_COMPONENTS = ("exporting", "posture", "born_global", "iso", "sector", "size")


def potential_score(
    firms: pd.DataFrame, history: pd.DataFrame | None = None, year: int | None = None
) -> pd.DataFrame:
    """Export-potential score (0-100) of firm observations, with its reasons in French.

    ``potential = 100 * sum_k(w_k * f_k) / sum_k(w_k)``, rounded to 0.1, with weights
    ``w_k`` in ``settings.potential`` and factors ``f_k`` in [0, 1]:

    - ``exporting``: 1 when the stage is indirect export or beyond, else 0;
    - ``posture``: ``posture_factors`` (proactive 1, reactive 0.5, refusal 0, missing 0);
    - ``born_global``: 1 when :func:`born_global_mask` says so;
    - ``iso``: the best quality weight of the firm's ISO standards
      (``settings.iso_weight``: 9001 1.0, 9002 0.75, 9003 0.5, others 0.5; none 0);
    - ``sector``: :func:`sector_export_propensity` divided by the largest propensity
      of the table;
    - ``size``: the factor of the firm's headcount band (``size_bands``; missing 0).

    Parameters
    ----------
    firms : DataFrame
        Firm observations (columns ``stage``, ``posture``, ``iso``, ``naf``,
        ``employees``, ``export_share``, ``created``, ``firm_id``, ``year``; missing
        optional values count as 0).
    history : DataFrame, optional
        All observations, for the born-global rule (default ``firms``).
    year : int, optional
        Observations after ``year`` are ignored by the born-global rule.

    Returns
    -------
    DataFrame
        Aligned on ``firms.index``: ``potential`` (float), ``reasons`` (str: the
        factors that count, largest contribution first, joined by " ; "), and one
        ``f_<factor>`` column per factor.

    Examples
    --------
    >>> f = pd.DataFrame({"firm_id": ["1"], "year": [2025], "stage": ["direct_export"],
    ...                   "posture": ["proactive"], "iso": ["9001|14001"], "naf": ["21.20Z"],
    ...                   "employees": [60], "export_share": [0.4], "created": [2000]})
    >>> score = potential_score(f)
    >>> float(score.loc[0, "potential"])
    85.0
    >>> for reason in score.loc[0, "reasons"].split(" ; "):
    ...     print(reason)
    exporte déjà (exportation directe)
    posture proactive
    certifiée ISO 9001
    secteur NAF 21 : environ 55 % d'entreprises exportatrices
    taille : 60 salariés
    """
    s = get_settings()
    ps = s.potential
    n = len(firms)
    idx = firms.index
    frame = firms.reset_index(drop=True)

    def col(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name]
        return missing_column(n, "object")

    stage = col("stage").astype("str")
    exporting = stage.isin(EXPORTING_STAGES).to_numpy(dtype=float)
    posture = col("posture").astype("str")
    f_posture = posture.map(ps.posture_factors).astype(float).fillna(0.0).to_numpy()
    if {"created", "export_share"} <= set(frame.columns):
        f_born = born_global_mask(frame, history, year).to_numpy(dtype=float)
    else:
        f_born = np.zeros(n)
    iso = col("iso").astype("str").fillna("").str.split("|").explode().str.strip()
    iso = iso[iso.notna() & (iso != "")]
    best_iso = pd.Series([""] * n, dtype=object)
    f_iso = np.zeros(n)
    if len(iso):
        w = iso.map(iso_weight).astype(float)
        table = pd.DataFrame({"w": w.to_numpy(), "std": iso.to_numpy()}, index=w.index)
        # numeric order among equal weights ("9001" before "14001" is not lexical)
        table = table.sort_values("w", ascending=False, kind="stable")
        top = table[~table.index.duplicated()]
        f_iso[top.index.to_numpy()] = top["w"].to_numpy()
        best_iso[top.index.to_numpy()] = top["std"].to_numpy()
    propensity = sector_export_propensity(col("naf")).to_numpy()
    max_prop = max([*ps.sector_export_propensity.values(), ps.default_sector_export_propensity])
    f_sector = propensity / max_prop if max_prop > 0 else np.zeros(n)
    employees = pd.to_numeric(col("employees"), errors="coerce").astype(float).to_numpy()
    lows = np.array([low for low, _ in ps.size_bands], dtype=float)
    facs = np.array([f for _, f in ps.size_bands], dtype=float)
    band = np.clip(np.searchsorted(lows, np.nan_to_num(employees, nan=0.0), side="right") - 1,
                   0, None)
    f_size = np.where(np.isnan(employees), 0.0, facs[band])

    factors = np.column_stack([exporting, f_posture, f_born, f_iso, f_sector, f_size])
    weights = np.array([
        ps.weight_exporting, ps.weight_posture, ps.weight_born_global, ps.weight_iso,
        ps.weight_sector, ps.weight_size,
    ])
    total = weights.sum()
    contrib = factors * weights / total * 100.0 if total > 0 else np.zeros_like(factors)
    potential = np.round(contrib.sum(axis=1), 1)

    # reasons, in French, largest contribution first; informative zero items last
    division = col("naf").astype("str").str.strip().str.slice(0, 2).fillna("")
    share_txt = f"{round(s.born_global_share * 100):d} %"
    texts: list[list[str]] = [[""] * n for _ in _COMPONENTS]
    for i in range(n):
        if exporting[i]:
            texts[0][i] = f"exporte déjà ({STAGES[str(stage.iat[i])][0].lower()})"
        else:
            texts[0][i] = "n'exporte pas encore"
        p = posture.iat[i]
        texts[1][i] = {
            "proactive": "posture proactive", "reactive": "posture réactive",
            "refusal": "refus de l'international",
        }.get(p, "") if isinstance(p, str) else ""
        if f_born[i]:
            texts[2][i] = (
                f"« born global » (au moins {share_txt} du chiffre d'affaires à l'export "
                f"dans les {s.born_global_years} ans suivant sa création)"
            )
        if f_iso[i]:
            texts[3][i] = f"certifiée ISO {best_iso.iat[i]}"
        dv = division.iat[i]
        label = f"secteur NAF {dv}" if isinstance(dv, str) and dv else "secteur non renseigné"
        texts[4][i] = f"{label} : environ {round(propensity[i] * 100):d} % d'entreprises " \
            "exportatrices"
        if not np.isnan(employees[i]):
            e = int(employees[i])
            texts[5][i] = f"taille : {e} salarié{'s' if e > 1 else ''}"
    order = np.argsort(-contrib, axis=1, kind="stable")
    reasons = []
    for i in range(n):
        pos = [texts[k][i] for k in order[i] if contrib[i, k] > 0 and texts[k][i]]
        zero = [texts[k][i] for k in order[i] if contrib[i, k] <= 0 and texts[k][i]
                and k in (0, 1)]
        reasons.append(" ; ".join(pos + zero))
    out = pd.DataFrame({"potential": potential, "reasons": pd.array(reasons, dtype="str")})
    for k, name in enumerate(_COMPONENTS):
        out[f"f_{name}"] = factors[:, k]
    out.index = idx
    return out


