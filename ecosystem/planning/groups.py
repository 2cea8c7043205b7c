"""Candidate export groups (*groupements à l'export*, seed 001): 3 to 5 SMEs close to each
other, not competing, balanced in size, with complementary sectors and shared markets.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..activity import active_firms, is_exporting
from ..inputs import as_registry, layer_xy, public_names
from ..network import NetworkData
from ..potential import naf_section, potential_score
from ..registry import Registry
from ..settings import get_settings

__all__ = [
    "GROUP_COLUMNS",
    "pair_synergy",
    "group_score",
    "export_groups",
    "groupements",
    "groups_by_sector",
    "group_effect",
]

# ---------------------------------------------------------------------------
# export groups
# ---------------------------------------------------------------------------

#: Columns of :func:`export_groups` (one row per member).
GROUP_COLUMNS: tuple[str, ...] = (
    "group_id", "siret", "firm_id", "name", "commune", "departement", "naf", "employees",
    "stage", "posture", "markets", "group_score", "group_size", "group_max_distance_km",
    "group_size_ratio", "sector_synergy", "market_synergy",
)


def _naf_parts(naf: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NAF class (first four digits), division (two) and section letter of each code."""
    digits = naf.astype("str").fillna("").str.replace(r"[^0-9]", "", regex=True)
    klass = digits.str.slice(0, 4).where(digits.str.len() >= 4, "").to_numpy(dtype=object)
    division = digits.str.slice(0, 2).where(digits.str.len() >= 2, "").to_numpy(dtype=object)
    section = np.asarray([(naf_section(d) or "") if d else "" for d in division],
                         dtype=object)
    return klass, division, section


def pair_synergy(
    division_a: str, section_a: str, markets_a: AbstractSet[str],
    division_b: str, section_b: str, markets_b: AbstractSet[str],
) -> tuple[float, float]:
    """Sector complementarity and market overlap of two firms of different NAF classes.

    Sector: 1 when they share their NAF division (related variety: same industry,
    different products), 0.5 when they share only their section, else 0. Markets: the
    Jaccard index of their export-market sets (0 when both are empty).

    Examples
    --------
    >>> pair_synergy("25", "C", {"DE", "ES"}, "25", "C", {"ES"})
    (1.0, 0.5)
    >>> pair_synergy("25", "C", set(), "28", "C", set())
    (0.5, 0.0)
    """
    if division_a and division_a == division_b:
        sector = 1.0
    elif section_a and section_a == section_b:
        sector = 0.5
    else:
        sector = 0.0
    union = markets_a | markets_b
    market = len(markets_a & markets_b) / len(union) if union else 0.0
    return sector, market


def group_score(sector: float, market: float) -> float:
    """Synergy score (0-100) of a group from its mean pair sector complementarity and mean
    pair market overlap: ``100 * (w_s * sector + w_m * market) / (w_s + w_m)`` with
    ``settings.groupement_weight_sectors`` and ``groupement_weight_markets``.

    Examples
    --------
    >>> group_score(1.0, 0.5)
    75.0
    """
    s = get_settings()
    total = s.groupement_weight_sectors + s.groupement_weight_markets
    if total <= 0:
        return 0.0
    return 100.0 * (s.groupement_weight_sectors * sector + s.groupement_weight_markets
                    * market) / total


def _eligible_firms(firms: pd.DataFrame, year: int) -> pd.DataFrame:
    s = get_settings()
    live = active_firms(firms, year)
    emp = pd.to_numeric(live["employees"], errors="coerce")
    posture = live["posture"].astype("str").fillna("")
    group = live["groupement"].astype("str").fillna("").str.strip()
    klass, _, _ = _naf_parts(live["naf"])
    ok = (
        emp.ge(1) & emp.lt(s.sme_max_employees)
        & (is_exporting(live) | posture.isin(["reactive", "proactive"]))
        & group.eq("")
        & pd.Series(klass != "", index=live.index)
        & ~(live.geometry.isna() | live.geometry.is_empty)
    ).fillna(False).astype(bool)
    return live.loc[ok].drop_duplicates("firm_id").reset_index(drop=True)


def export_groups(data: NetworkData) -> pd.DataFrame:
    """Candidate export groups (*groupements à l'export*, seed 001) of ``data.year``.

    Eligible firms: active SMEs (1 to ``settings.sme_max_employees`` - 1 staff) that
    export or whose posture is reactive or proactive, not yet in a group (``groupement``
    empty), with a NAF code and a location. A group has ``settings.groupement_min_members``
    to ``groupement_max_members`` members, all within ``groupement_max_distance_km`` of
    each other (straight line times the detour factor), no two in the same NAF class (first
    four digits: competitors), and a ratio of largest to smallest headcount at most
    ``groupement_max_size_ratio``.

    Groups are built greedily: firms are taken in decreasing order of export potential
    (:func:`ecosystem.proximity.potential_score`, then ``firm_id``); around each firm not
    yet grouped, among its ``settings.groupement_candidates_per_firm`` nearest eligible
    firms within the distance, the member that keeps every rule and gives the highest group
    synergy is added (ties: the nearer, then the smaller ``firm_id``), as long as its mean
    synergy with the members is positive and the group is not full. A group that reaches
    the minimum size is kept and its firms leave the pool. The synergy score is
    :func:`group_score` of the mean :func:`pair_synergy` over the member pairs.

    Returns
    -------
    DataFrame
        One row per member, columns :data:`GROUP_COLUMNS`; groups are numbered ``G0001``...
        by decreasing score (ties: smaller largest distance, then first ``firm_id``);
        ``name`` is blank for a non-diffusible firm.
    """
    s = get_settings()
    lo, hi = s.groupement_min_members, s.groupement_max_members
    if lo > hi:
        raise ValueError("groupement_min_members is larger than groupement_max_members")
    firms = _eligible_firms(data.firms, data.year)
    m = len(firms)
    if m < lo:
        return pd.DataFrame(columns=list(GROUP_COLUMNS))
    xy = layer_xy(firms)
    radius_m = s.groupement_max_distance_km / s.detour_factor * 1000.0
    emp = pd.to_numeric(firms["employees"]).to_numpy(dtype=float)
    klass, division, section = _naf_parts(firms["naf"])
    markets = [frozenset(x for x in str(v).upper().replace(" ", "").split("|") if x)
               if isinstance(v, str) else frozenset() for v in firms["markets"]]
    ids = firms["firm_id"].astype(str).to_numpy()
    potential = potential_score(firms, history=None, year=data.year)["potential"].to_numpy()
    seeds = np.lexsort((ids, -potential))
    tree = cKDTree(xy)
    k_near = min(m, s.groupement_candidates_per_firm + 1)
    near_d, near_i = tree.query(xy, k=k_near, distance_upper_bound=radius_m * 1.000001)
    near_d = near_d.reshape(m, -1)
    near_i = near_i.reshape(m, -1)
    taken = np.zeros(m, dtype=bool)
    groups: list[tuple[list[int], float, float, float]] = []

    def synergy(i: int, j: int) -> tuple[float, float]:
        return pair_synergy(division[i], section[i], markets[i],
                            division[j], section[j], markets[j])

    for seed in seeds:
        if taken[seed]:
            continue
        ok = np.isfinite(near_d[seed])
        cand = near_i[seed][ok]
        cand_d = near_d[seed][ok]
        keep = (cand != seed) & ~taken[np.minimum(cand, m - 1)]
        cand, cand_d = cand[keep], cand_d[keep]
        members = [int(seed)]
        pair_sum = np.zeros(2)
        n_pairs = 0
        while len(members) < hi and len(cand):
            feasible = np.ones(len(cand), dtype=bool)
            for j in members:
                feasible &= klass[cand] != klass[j]
                feasible &= np.hypot(*(xy[cand] - xy[j]).T) <= radius_m
            lo_emp = min(emp[members])
            hi_emp = max(emp[members])
            feasible &= (np.maximum(emp[cand], hi_emp) / np.minimum(emp[cand], lo_emp)
                         <= s.groupement_max_size_ratio + 1e-12)
            best = None
            for c, dist_c in zip(cand[feasible], cand_d[feasible], strict=True):
                add = np.zeros(2)
                for j in members:
                    add += synergy(int(c), j)
                mean_add = group_score(*(add / len(members)))
                if mean_add <= 0:
                    continue
                total = (pair_sum + add) / (n_pairs + len(members))
                key = (-group_score(*total), float(dist_c), ids[c])
                if best is None or key < best[0]:
                    best = (key, int(c), add)
            if best is None:
                break
            _, c, add = best
            pair_sum += add
            n_pairs += len(members)
            members.append(c)
            rest = cand != c
            cand, cand_d = cand[rest], cand_d[rest]
        if len(members) >= lo:
            taken[members] = True
            sector, market = pair_sum / n_pairs
            groups.append((members, group_score(sector, market), sector, market))
    rows: list[dict[str, Any]] = []
    summary = []
    for members, score, sector, market in groups:
        mx = max(math.hypot(*(xy[a] - xy[b])) for a, b in itertools.combinations(members, 2))
        summary.append((-score, mx, min(ids[members]), members, score, sector, market))
    summary.sort(key=lambda t: (t[0], t[1], t[2]))
    names = public_names(firms)
    for number, (_, mx, _, members, score, sector, market) in enumerate(summary, start=1):
        ratio = float(max(emp[members]) / min(emp[members]))
        for i in sorted(members, key=lambda i: ids[i]):
            rows.append({
                "group_id": f"G{number:04d}", "siret": str(firms.at[i, "siret"] or ""),
                "firm_id": ids[i], "name": names[i],
                "commune": str(firms.at[i, "commune"]),
                "departement": str(firms.at[i, "departement"]),
                "naf": str(firms.at[i, "naf"]), "employees": int(emp[i]),
                "stage": str(firms.at[i, "stage"]), "posture": str(firms.at[i, "posture"]),
                "markets": "|".join(sorted(markets[i])), "group_score": round(score, 2),
                "group_size": len(members),
                "group_max_distance_km": mx / 1000.0 * s.detour_factor,
                "group_size_ratio": ratio, "sector_synergy": sector,
                "market_synergy": market,
            })
    return pd.DataFrame(rows, columns=list(GROUP_COLUMNS))


def groupements(registry: Registry | str | os.PathLike[str], year: int) -> pd.DataFrame:
    """:func:`export_groups` for a registry and year (the ``groupements`` command)."""
    return export_groups(NetworkData.from_registry(as_registry(registry), year))




def groups_by_sector(groups: pd.DataFrame) -> pd.DataFrame:
    """Proposed export groups and their members by main sector.

    The main sector of a group is the NAF rév. 2 section (letter) most of its members
    belong to (a tie goes to the first letter).

    Parameters
    ----------
    groups : DataFrame
        :func:`export_groups` (one row per member: ``group_id``, ``naf``).

    Returns
    -------
    DataFrame
        Indexed by section letter (``""`` for an unknown code), sorted: ``n_groups``
        and ``n_firms`` (their members), int64.

    Examples
    --------
    >>> g = pd.DataFrame({"group_id": ["G1", "G1", "G1", "G2", "G2", "G2"],
    ...                   "naf": ["25.62A", "28.11Z", "46.11Z", "46.12A", "47.11B", "25.11Z"]})
    >>> groups_by_sector(g).to_dict("index")
    {'C': {'n_groups': 1, 'n_firms': 3}, 'G': {'n_groups': 1, 'n_firms': 3}}
    """
    if not len(groups):
        return pd.DataFrame({"n_groups": pd.Series([], dtype=np.int64),
                             "n_firms": pd.Series([], dtype=np.int64)},
                            index=pd.Index([], dtype=object, name="section"))
    _, _, section = _naf_parts(groups["naf"])
    members = groups.assign(section=section)
    def main_section(sections: pd.Series) -> Any:
        return sections.value_counts().sort_index().idxmax()

    main = members.groupby("group_id")["section"].agg(main_section)
    size = members.groupby("group_id").size()
    per = pd.DataFrame({"section": main, "size": size})
    out = per.groupby("section").agg(n_groups=("size", "size"), n_firms=("size", "sum"))
    return out.astype(np.int64)


def group_effect(groups: pd.DataFrame, firms: pd.DataFrame) -> dict[str, float]:
    """The effect of the proposed export groups on the firms of an area.

    Parameters
    ----------
    groups : DataFrame
        :func:`export_groups` of the area.
    firms : DataFrame
        Active firms of the area (``groupement``), whose members today are counted with
        :func:`ecosystem.sme_profile.in_groupement`.

    Returns
    -------
    dict
        ``n_groups``, ``n_members`` (firms in a proposed group), ``mean_score`` (mean
        synergy score of the groups, 0-100; NaN without group), ``members_before``
        (firms in a group today), ``share_before`` and ``share_after`` (share of the
        firms in a group, today and with the proposed groups; NaN without firm).

    Examples
    --------
    >>> g = pd.DataFrame({"group_id": ["G1"] * 3 + ["G2"] * 3, "group_score": [60.0] * 3 +
    ...                   [40.0] * 3})
    >>> f = pd.DataFrame({"groupement": ["X", "X", "X"] + [""] * 17})
    >>> group_effect(g, f)  # doctest: +NORMALIZE_WHITESPACE
    {'n_groups': 2, 'n_members': 6, 'mean_score': 50.0, 'members_before': 3,
     'share_before': 0.15, 'share_after': 0.45}
    """
    from ..sme_profile import in_groupement

    n = int(len(firms))
    before = int(in_groupement(firms).sum())
    new = int(len(groups))
    score = float(groups.groupby("group_id")["group_score"].first().mean()) if new \
        else float("nan")
    return {"n_groups": int(groups["group_id"].nunique()) if new else 0, "n_members": new,
            "mean_score": score, "members_before": before,
            "share_before": before / n if n else float("nan"),
            "share_after": (before + new) / n if n else float("nan")}
