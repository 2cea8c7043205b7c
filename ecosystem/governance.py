"""Governance gaps of the export-support network, in words a council understands (issue 5).

Seed 001: the major defect of many territories is the lack of local governance
(*éparpillement des forces*). :func:`governance_gaps` lists, territory by territory, what
is missing, with the evidence and a severity. The kinds of gap (:data:`GAP_KINDS`) and
their exact rules are in ``docs/network.md``; in short, for year *y*, *d* =
``settings.unserved_distance_km`` and the actor graph of :mod:`ecosystem.network`:

``isolated_actor``
    An active actor without any active actor–actor tie.
``fragmented_territory``
    The territory's tied actors lie in two or more components of the regional actor graph,
    or all of them lie outside its largest component (cut off from the regional network).
``missing_category``
    A reference category (``settings.REFERENCE_CATEGORIES``) has no active actor in the
    territory, and more than ``settings.gap_missing_category_share`` of the territory's
    active firms have none within *d*.
``no_coordinator``
    None of the territory's actors is a coordinator
    (:func:`ecosystem.indicators.coordinators`).
``no_knowledge_export_tie``
    The territory has knowledge actors (universities, research labs) but none of them is
    tied to an export-support actor (category group ``public_support``).
``no_international_link``
    No active actor of the territory is tied to foreign networks (``international_links``).
``unserved_area``
    Some of the territory's active firms are unserved (:func:`ecosystem.unserved.
    nearest_front`: no front-line actor within *d*, the categories without any actor
    left out).

Only territories holding at least one active firm or actor are examined.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .activity import active_firms, is_exporting
from .formatting import format_number, format_percent
from .inputs import as_registry
from .nearest import nearest_actors
from .network import Analysis, NetworkData, analyse
from .registry import Registry
from .schema import TERRITORY_LEVELS
from .settings import (
    CATEGORIES,
    FRONT_LINE_CATEGORIES,
    REFERENCE_CATEGORIES,
    category_label,
    get_settings,
)
from .unserved import nearest_front, unserved_by_territory

__all__ = [
    "GAP_COLUMNS",
    "GAP_KINDS",
    "KNOWLEDGE_CATEGORIES",
    "EXPORT_SUPPORT_CATEGORIES",
    "SEVERITIES",
    "governance_gaps",
    "registry_gaps",
    "unserved_by_territory",
]

#: Gap kinds: code -> French label.
GAP_KINDS: dict[str, str] = {
    "isolated_actor": "Acteur isolé",
    "fragmented_territory": "Territoire fragmenté",
    "missing_category": "Catégorie d'acteur absente",
    "no_coordinator": "Aucun coordinateur",
    "no_knowledge_export_tie": "Savoir et appui export non reliés",
    "no_international_link": "Aucun acteur relié à l'étranger",
    "unserved_area": "Zone non desservie",
}

#: Severities, most severe first: code -> French label.
SEVERITIES: dict[str, str] = {"high": "élevée", "medium": "moyenne", "low": "faible"}

#: Knowledge actors (category group ``knowledge``: universities, research labs).
KNOWLEDGE_CATEGORIES: tuple[str, ...] = tuple(
    c.code for c in CATEGORIES.values() if c.group == "knowledge")
#: Export-support actors (category group ``public_support``: CCI, CMA, TFE, CCE...).
EXPORT_SUPPORT_CATEGORIES: tuple[str, ...] = tuple(
    c.code for c in CATEGORIES.values() if c.group == "public_support")

#: Columns of the gap table.
GAP_COLUMNS: tuple[str, ...] = (
    "level", "territory", "territory_name", "kind", "kind_label", "severity",
    "severity_label", "missing", "evidence", "actor_id", "value",
)


# numbers in the gap sentences: the one French formatter (ecosystem.formatting)
def _pct(x: float) -> str:
    return format_percent(x, "fr", 0)


def _n(x: float) -> str:
    return format_number(x, "fr", 0)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{_n(n)} {word if n == 1 else (plural or word + 's')}"


def _km(x: float) -> str:
    return f"{format_number(x, 'fr', 0 if x >= 10 else 1)} km"


def governance_gaps(
    data: NetworkData,
    level: str = "departement",
    *,
    analysis: Analysis | None = None,
    distance_km: float | None = None,
) -> pd.DataFrame:
    """Every governance gap of the territories of ``level`` in ``data.year``.

    Parameters
    ----------
    data : NetworkData
        Layers of the year (:meth:`ecosystem.network.NetworkData.from_registry`).
    level : {"commune", "epci", "departement", "region"}
        Territory level of the gaps (default département).
    analysis : Analysis, optional
        :func:`ecosystem.network.analyse` of ``data`` (computed when omitted).
    distance_km : float, optional
        *d*, default ``settings.unserved_distance_km``.

    Returns
    -------
    DataFrame
        One row per gap, columns :data:`GAP_COLUMNS`: ``level``, ``territory`` (code),
        ``territory_name``, ``kind`` (:data:`GAP_KINDS`), ``kind_label`` (French),
        ``severity`` (``high``, ``medium``, ``low``) and ``severity_label`` (French),
        ``missing`` (what is missing, French), ``evidence`` (the figures, French),
        ``actor_id`` (the actor of an ``isolated_actor`` gap, else ``""``) and ``value``
        (the main figure: share of firms, number of components...). Sorted by severity,
        territory, kind.
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {list(TERRITORY_LEVELS)}")
    s = get_settings()
    d = s.unserved_distance_km if distance_km is None else float(distance_km)
    year = data.year
    if analysis is None:
        analysis = analyse(data, levels=(level,))
    table = analysis.actor_table
    graph = analysis.graph
    live = data.live_actors()
    firms = data.firms
    terr = data.territories_of(level)
    names = dict(zip(terr["code"], terr["name"].fillna("").astype(str), strict=True))
    actor_codes = table[level].astype(str)
    firm_codes = firms[level].astype(str) if len(firms) else pd.Series([], dtype=str)
    codes = sorted((set(actor_codes.unique()) | set(firm_codes.unique())) - {""})
    rows: list[dict[str, Any]] = []

    def add(code: str, kind: str, severity: str, missing: str, evidence: str,
            value: float, actor_id: str = "") -> None:
        rows.append({
            "level": level, "territory": code, "territory_name": names.get(code, ""),
            "kind": kind, "kind_label": GAP_KINDS[kind], "severity": severity,
            "severity_label": SEVERITIES[severity], "missing": missing, "evidence": evidence,
            "actor_id": actor_id, "value": float(value),
        })

    # -- isolated actors -----------------------------------------------------------------
    for r in table.loc[table["degree"].eq(0)].itertuples(index=False):
        category, name = str(r.category), str(r.name)
        front = category in FRONT_LINE_CATEGORIES
        label = category_label(category) if category in CATEGORIES else category
        add(str(getattr(r, level)), "isolated_actor", "high" if front else "medium",
            f"un lien entre {name} et les autres acteurs",
            f"{name} ({label}, commune {r.commune}) n'a aucun partenariat, cofinancement, "
            f"événement commun ni orientation actif avec un autre acteur en {year}.",
            0, actor_id=str(r.id))

    # -- per territory ------------------------------------------------------------------
    by_code = {code: grp for code, grp in table.groupby(actor_codes)}
    empty = table.iloc[0:0]
    largest = int(table["component_size"].max()) if len(table) else 0
    for code in codes:
        mine = by_code.get(code, empty)
        tied = mine.loc[mine["degree"].gt(0)]
        comps = tied["component"].value_counts()
        if len(comps) >= 2 or (len(comps) == 1 and 0 not in comps.index):
            cut_off = 0 not in comps.index
            sizes = ", ".join(str(int(n)) for n in comps.to_numpy())
            main = int((tied["component"] == 0).sum())
            add(code, "fragmented_territory", "high" if cut_off else "medium",
                "des liens entre les groupes d'acteurs du territoire" if len(comps) >= 2
                else "un lien avec le réseau régional",
                f"{_plural(len(tied), 'acteur relié', 'acteurs reliés')} répartis en "
                f"{_plural(len(comps), 'composante')} du réseau régional ({sizes} acteurs "
                f"du territoire) ; {main} dans le réseau principal de la région "
                f"({largest} acteurs).",
                len(comps))
        if len(mine) and not mine["coordinator"].any():
            best = mine.sort_values(["betweenness", "id"], ascending=[False, True]).iloc[0]
            between = format_number(float(best["betweenness"]), "fr", 3)
            add(code, "no_coordinator", "high",
                "un acteur coordinateur (très central et relié à plusieurs catégories)",
                f"aucun de ses {_plural(len(mine), 'acteur')} n'est à la fois dans les "
                f"{_pct(s.coordinator_top_share)} d'intermédiarité la plus forte de la "
                f"région et relié à au moins {s.coordinator_min_categories} catégories ; "
                f"le plus central est {best['name']} (intermédiarité {between}, "
                f"{int(best['n_tied_categories'])} catégories).",
                float(best["betweenness"]))
        knowledge = mine.loc[mine["category"].isin(KNOWLEDGE_CATEGORIES)]
        if len(knowledge):
            linked = [
                any(graph.nodes[n].get("category") in EXPORT_SUPPORT_CATEGORIES
                    for n in graph.neighbors(a))
                for a in knowledge["id"]
            ]
            if not any(linked):
                who = ", ".join(knowledge["name"].astype(str).head(3))
                add(code, "no_knowledge_export_tie", "medium",
                    "un lien entre universités ou laboratoires et l'appui à l'export",
                    f"{_plural(len(knowledge), 'acteur')} du savoir ({who}"
                    f"{'…' if len(knowledge) > 3 else ''}) sans aucun lien avec une CCI, "
                    "Team France Export, les CCE, Bpifrance, un club export ou une chambre "
                    "consulaire.", len(knowledge))
        if not mine["international_links"].any():
            add(code, "no_international_link", "high",
                "un acteur relié à des réseaux étrangers",
                f"aucun de ses {_plural(len(mine), 'acteur')} actifs en {year} n'a de lien "
                "avec des réseaux à l'étranger.", len(mine))

    # -- missing categories and unserved areas: one nearest-actor search --------------
    if len(firms):
        live_cats = set(live["category"])
        wanted = list(dict.fromkeys([*REFERENCE_CATEGORIES, *s.unserved_categories]))
        present = [c for c in wanted if c in live_cats]
        fy = active_firms(firms, year).reset_index(drop=True)
        near = nearest_actors(firms, data.actors, year, present, distance_km=d) \
            if present else pd.DataFrame({level: fy[level].astype(str).to_numpy()})
        pos, uniques = pd.factorize(near[level].astype(str).to_numpy(dtype=object))
        uniques = pd.Index(uniques.astype(str))

        def per_territory(mask: np.ndarray) -> pd.Series:
            return pd.Series(np.bincount(pos, weights=mask, minlength=len(uniques)),
                             index=uniques)

        n_firms = per_territory(np.ones(len(pos)))
        in_terr = {code: set(grp["category"]) for code, grp in table.groupby(actor_codes)}
        for c in REFERENCE_CATEGORIES:
            far = (near[f"{c}_km"].to_numpy(dtype=float) > d) if c in present \
                else np.ones(len(pos), dtype=bool)
            n_far = per_territory(far)
            share = n_far / n_firms
            for code in codes:
                if c in in_terr.get(code, set()) or code not in share.index:
                    continue
                if share[code] > s.gap_missing_category_share:
                    label = category_label(c)
                    add(code, "missing_category",
                        "high" if c in FRONT_LINE_CATEGORIES else "medium",
                        f"un acteur « {label} »",
                        f"aucun acteur « {label} » dans le territoire ; "
                        f"{_n(n_far[code])} de ses {_n(n_firms[code])} entreprises actives "
                        f"({_pct(share[code])}) n'en ont aucun à moins de {_km(d)}.",
                        float(share[code]))

        # unserved: the one rule of ecosystem.unserved (categories without actor left out)
        unserved = nearest_front(firms, data.actors, year, distance_km=d).unserved()
        exporting = is_exporting(fy).to_numpy(dtype=bool)
        n_unserved = per_territory(unserved)
        n_unserved_exp = per_territory(unserved & exporting)
        for code in codes:
            if code not in n_unserved.index or n_unserved[code] == 0:
                continue
            unserved_share = float(n_unserved[code] / n_firms[code])
            sev = "high" if unserved_share >= s.gap_unserved_high_share else (
                "medium" if unserved_share >= s.gap_unserved_medium_share else "low")
            add(code, "unserved_area", sev,
                f"un acteur de première ligne à moins de {_km(d)} de toutes ses entreprises",
                f"{_n(n_unserved[code])} de ses {_n(n_firms[code])} entreprises actives "
                f"({_pct(unserved_share)}), dont {_n(n_unserved_exp[code])} exportatrices, "
                f"n'ont aucun acteur de première ligne à moins de {_km(d)}.", unserved_share)

    out = pd.DataFrame(rows, columns=list(GAP_COLUMNS))
    if len(out):
        sev_rank = out["severity"].map({k: i for i, k in enumerate(SEVERITIES)})
        kind_rank = out["kind"].map({k: i for i, k in enumerate(GAP_KINDS)})
        out = out.assign(_s=sev_rank, _k=kind_rank).sort_values(
            ["_s", "territory", "_k", "actor_id"], kind="stable").drop(columns=["_s", "_k"])
    return out.reset_index(drop=True).astype({"value": float})


def registry_gaps(
    registry: Registry | str | os.PathLike[str], year: int, level: str = "departement",
) -> pd.DataFrame:
    """:func:`governance_gaps` of a registry file for ``year``."""
    registry = as_registry(registry)
    return governance_gaps(NetworkData.from_registry(registry, year), level)
