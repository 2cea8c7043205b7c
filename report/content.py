"""The numbers, tables and sentences of the annual territorial report (issue 8).

:func:`report_content` reads a registry and returns everything the templates need as
plain Python data: the published tables (after statistical disclosure control, with
``s`` in suppressed cells), the sentences generated from the numbers (French or
English), the data of the charts and the audit of what was suppressed. Nothing here
draws or renders: :mod:`report.render` does.

Nothing here computes a figure either: the core does, and this module turns its numbers
into tables and words. The indicators come from the publication gate
(:func:`ecosystem.publish.public_indicators`: the indicator tables as published), the
comparison with the peers (medians, ranks, strongest and weakest dimension, marked
changes) from :mod:`ecosystem.peers` applied to those published tables, the SME
breakdowns from :mod:`ecosystem.sme_profile`, the unserved firms and the front-line
categories without any actor from :mod:`ecosystem.unserved`, the actors by category from
:mod:`ecosystem.actor_profile`, the network figures and the central actors from
:mod:`ecosystem.network`, the gaps from :mod:`ecosystem.governance` and the
recommendations from :mod:`ecosystem.planning`.

Disclosure control (PRODUCT.md, ``docs/disclosure.md``). The report applies no rule of
its own:

- every indicator figure (summary, the four-D tables, the région column, the ranking,
  the radar, the charts, the choropleth) and every firm count of a territory (sentences,
  SMEs by sub-territory, key figures) is the gate's published value or ``s``
  (:func:`ecosystem.publish.public_indicators`, :func:`ecosystem.publish.
  protected_counts`); peer medians and ranks are computed over published values only,
  a rank among the published values;
- the SME cross tables (stage by posture, ISO certifications, markets) and the counts of
  the recommendations go through :func:`ecosystem.disclosure.protect_table` (primary
  then secondary suppression), and a table or a sentence that would give away a count
  of the territory is published only when the gate publishes that very count
  (:func:`_follows_gate`); otherwise it is withheld, or said without its numbers;
- no firm name, SIREN, SIRET or location is ever published; actors are public
  institutions and are named.

The audit of the suppressed cells (``audit``) is for the staff only.

Examples
--------
Numbers are printed by :mod:`ecosystem.formatting`.

>>> of_name("Hérault", "departement", 5)
"de l'Hérault"
"""

from __future__ import annotations

import contextlib
import gettext
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ecosystem import EmptyDataError, catalogue
from ecosystem.activity import active_firms
from ecosystem.disclosure import SECRET, TOTAL_LABEL
from ecosystem.disclosure import protect_table as _protect_table
from ecosystem.formatting import (
    MINUS,
    NNBSP,
    format_number,
    format_percent,
    format_value,
    is_missing,
)
from ecosystem.geography import name_types
from ecosystem.peers import (
    dimension_standing,
    notable_changes,
    peer_index,
    peer_median,
    peer_rank,
    peer_values,
    published,
)
from ecosystem.publish import PROTECTED, hidden_counts, protected_counts, public_indicators
from ecosystem.registry import Registry, file_sha256, software_version
from ecosystem.settings import CATEGORIES, EXPORTING_STAGES, POSTURES, STAGES, get_settings

__all__ = [
    "LEVELS",
    "SUB_LEVEL",
    "SECTIONS",
    "ReportTable",
    "report_content",
    "of_name",
    "territory_article",
]

#: Territory levels a report can be made for.
LEVELS: tuple[str, ...] = ("departement", "epci", "region")

#: The level one step below, for the breakdowns of a territory.
SUB_LEVEL: dict[str, str] = {"region": "departement", "departement": "epci", "epci": "commune"}

#: Section titles (fr, en), in order.
SECTIONS: dict[str, tuple[str, str]] = {
    "summary": ("Synthèse", "Summary"),
    "dimensions": ("Les quatre D du milieu internationalisant",
                   "The four D of the internationalising milieu"),
    "maps": ("Cartes", "Maps"),
    "network": ("Le réseau d'appui", "The support network"),
    "smes": ("Les PME", "SMEs"),
    "recommendations": ("Recommandations", "Recommendations"),
    "annex": ("Annexe méthodologique", "Method annex"),
}

_LEVEL_LABELS: dict[str, tuple[str, str, str, str]] = {
    # singular fr, plural fr, singular en, plural en
    "commune": ("commune", "communes", "municipality", "municipalities"),
    "epci": ("EPCI", "EPCI", "EPCI", "EPCIs"),
    "departement": ("département", "départements", "département", "départements"),
    "region": ("région", "régions", "region", "regions"),
}

_NAF_SECTIONS: dict[str, tuple[str, str]] = {
    "A": ("Agriculture, sylviculture et pêche", "Agriculture, forestry and fishing"),
    "B": ("Industries extractives", "Mining and quarrying"),
    "C": ("Industrie manufacturière", "Manufacturing"),
    "D": ("Énergie", "Energy supply"),
    "E": ("Eau, assainissement, déchets", "Water, sewerage, waste"),
    "F": ("Construction", "Construction"),
    "G": ("Commerce", "Wholesale and retail trade"),
    "H": ("Transports et entreposage", "Transport and storage"),
    "I": ("Hébergement et restauration", "Accommodation and food services"),
    "J": ("Information et communication", "Information and communication"),
    "K": ("Finance et assurance", "Finance and insurance"),
    "L": ("Immobilier", "Real estate"),
    "M": ("Activités spécialisées, scientifiques et techniques",
          "Professional, scientific and technical activities"),
    "N": ("Services administratifs et de soutien", "Administrative and support services"),
    "O": ("Administration publique", "Public administration"),
    "P": ("Enseignement", "Education"),
    "Q": ("Santé humaine et action sociale", "Health and social work"),
    "R": ("Arts, spectacles et loisirs", "Arts and recreation"),
    "S": ("Autres activités de services", "Other services"),
    "T": ("Activités des ménages", "Households as employers"),
    "U": ("Activités extra-territoriales", "Extraterritorial organisations"),
}

_GAP_KINDS_EN: dict[str, str] = {
    "isolated_actor": "Isolated actor",
    "fragmented_territory": "Fragmented territory",
    "missing_category": "Missing actor category",
    "no_coordinator": "No coordinator",
    "no_knowledge_export_tie": "Knowledge and export support not tied",
    "no_international_link": "No actor tied abroad",
    "unserved_area": "Unserved area",
}
_SEVERITY: dict[str, tuple[str, str]] = {
    "high": ("élevée", "high"), "medium": ("moyenne", "medium"), "low": ("faible", "low"),
}


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------




# ---------------------------------------------------------------------------
# names with their article
# ---------------------------------------------------------------------------


def territory_article(level: str, code: str) -> int:
    """INSEE's name type of a territory (0: no article, consonant; 1: vowel; 2: *le*;
    3: *la*; 4: *les*; 5: *l'*); EPCI and communes: guessed from the name elsewhere."""
    return name_types(level).get(str(code), -1)


def of_name(name: str, level: str, kind: int = -1) -> str:
    """The French « de » form of a territory name: *de l'Hérault*, *du Gard*, *de la
    Haute-Garonne*, *des Pyrénées-Orientales*, *de Montpellier Méditerranée Métropole*.
    """
    if kind == 2:
        return f"du {name}"
    if kind == 3:
        return f"de la {name}"
    if kind == 4:
        return f"des {name}"
    if kind in (1, 5):
        return f"de l'{name}" if kind == 5 else f"d'{name}"
    if kind == 0:
        return f"de {name}"
    low = name.lower()
    if low.startswith(("communauté", "métropole")):
        return f"de la {name}"
    if name[:1].lower() in "aeiouyéèêâîôh":
        return f"d'{name}"
    return f"de {name}"


def _in_name(name: str, level: str, kind: int) -> str:
    """French « en / dans » form: *dans l'Hérault*, *en Occitanie*."""
    if level == "region" and kind in (0, 1):
        return f"en {name}"
    article = {2: "le ", 3: "la ", 4: "les ", 5: "l'"}.get(kind, "")
    return f"dans {article}{name}" if article else f"à {name}" if level == "commune" else \
        f"dans le territoire {name}"


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


@dataclass
class ReportTable:
    """One table of the report, as published.

    Attributes
    ----------
    name : str
        File stem of ``tables/<name>.csv``.
    title : str
        Caption.
    columns : list of str
        Column headers (the first is the row label column).
    rows : list of list of str
        Cells formatted for reading (``s`` for a suppressed cell).
    csv : DataFrame
        The same table for the CSV file: text cells in the French spreadsheet dialect
        (decimal comma, no thousands separator), ``s`` for a suppressed cell.
    note : str
        A note printed under the table.
    total_rows : int
        How many last rows are totals (printed bold).
    """

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    csv: pd.DataFrame
    note: str = ""
    total_rows: int = 0
    numeric: list[bool] = field(default_factory=list)


def _csv_cell(x: Any, decimals: int | None = None) -> str:
    if isinstance(x, str):
        return x
    if is_missing(x):
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, (int, np.integer)) or (decimals == 0):
        return str(int(round(float(x))))
    value = float(x)
    if float(value).is_integer() and decimals is None:
        return str(int(value))
    text = f"{value:.{decimals if decimals is not None else 6}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


_NUMERIC_CELL = re.compile(
    r"^([−+\-]?[\d\u202f,.]+(\u202f?%|\u202fpt| pp|%)?|s|–|\d+/\d+|\d+–\d+|oui|non|yes|no)$")


def _csv_text(text: str) -> str:
    """A display string made spreadsheet-friendly: no thousands space, ASCII minus."""
    if _NUMERIC_CELL.match(text):
        return text.replace(NNBSP + "%", "%").replace(NNBSP + "pt", " pt").replace(
            NNBSP, "").replace(MINUS, "-").lstrip("+")
    return text


def _make_table(name: str, title: str, label_header: str, published: pd.DataFrame,
                lang: str, *, formats: Sequence[Any] | None = None, note: str = "",
                total_rows: int = 0, extra_label_columns: pd.DataFrame | None = None,
                ) -> ReportTable:
    """A :class:`ReportTable` from a published frame (index = row labels).

    ``formats`` holds one callable per value column (value -> display text); default:
    integer counts.
    """
    cols = [str(c) for c in published.columns]
    fmts = list(formats) if formats is not None else [None] * len(cols)
    rows: list[list[str]] = []
    csv_rows: list[list[str]] = []
    labels = [str(i) for i in published.index]
    extra = extra_label_columns
    for k, (label, values) in enumerate(zip(labels, published.itertuples(index=False),
                                            strict=True)):
        shown = [label]
        raw = [label]
        if extra is not None:
            shown += [str(v) for v in extra.iloc[k]]
            raw += [str(v) for v in extra.iloc[k]]
        for f, v in zip(fmts, values, strict=True):
            if isinstance(v, str):
                shown.append(v)
                raw.append(v)
            elif f is None:
                shown.append(format_number(v, lang, 0))
                raw.append(_csv_cell(v, 0))
            else:
                shown.append(f(v))
                raw.append(_csv_cell(v))
        rows.append(shown)
        csv_rows.append(raw)
    headers = [label_header, *([str(c) for c in extra.columns] if extra is not None else []),
               *cols]
    csv_rows = [[_csv_text(v) for v in r] for r in csv_rows]
    csv = pd.DataFrame(csv_rows, columns=headers, dtype=object)
    first = 1 + (extra.shape[1] if extra is not None else 0)
    numeric = [False] * first + [
        all(_NUMERIC_CELL.match(r[k]) for r in rows) if rows else True
        for k in range(first, len(headers))]
    return ReportTable(name, title, headers, rows, csv, note, total_rows, numeric)


# ---------------------------------------------------------------------------
# the content
# ---------------------------------------------------------------------------


def _t(lang: str, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


def _label(ind: catalogue.Indicator, lang: str) -> str:
    return ind.label_fr if lang == "fr" else ind.label_en


def _dim_label(code: str, lang: str) -> str:
    d = catalogue.DIMENSIONS[code]
    return d.label_fr if lang == "fr" else d.label_en


def _level_word(level: str, lang: str, plural: bool = False) -> str:
    fr1, frn, en1, enn = _LEVEL_LABELS[level]
    if lang == "fr":
        return frn if plural else fr1
    return enn if plural else en1


def _stage_label(code: str, lang: str) -> str:
    if code in STAGES:
        return STAGES[code][0 if lang == "fr" else 1]
    return code if code else _t(lang, "Non renseigné", "Not given")


def _posture_label(code: str, lang: str) -> str:
    if code in POSTURES:
        return POSTURES[code][0 if lang == "fr" else 1]
    return code if code else _t(lang, "Non renseignée", "Not given")


def _category_label(code: str, lang: str) -> str:
    if code in CATEGORIES:
        c = CATEGORIES[code]
        return c.label_fr if lang == "fr" else c.label_en
    return code


@lru_cache(maxsize=2)
def _country_names(lang: str) -> dict[str, str]:
    import pycountry

    tr = gettext.NullTranslations()
    if lang == "fr":
        with contextlib.suppress(OSError):  # pycountry ships its locales
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    return {c.alpha_2: tr.gettext(c.name) for c in pycountry.countries}


def _check_inputs(registry: Registry, year: int, territory: str, level: str,
                  compare_year: int | None, lang: str) -> tuple[str, pd.DataFrame]:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} for a report; expected one of "
                         f"{', '.join(LEVELS)}")
    if lang not in ("fr", "en"):
        raise ValueError(f"unknown language {lang!r}; expected fr or en")
    if not registry.exists:
        raise FileNotFoundError(f"registry {registry.path} does not exist")
    years = registry.years()
    for y, what in ((year, "year"), (compare_year, "comparison year")):
        if y is not None and y not in years:
            raise EmptyDataError(
                f"the {what} {y} is not in the registry {registry.path}; its years are "
                f"{', '.join(map(str, years)) or 'none'}")
    if compare_year is not None and compare_year == year:
        raise ValueError(f"the comparison year must differ from the year ({year})")
    terr = registry.territories(level)
    codes = terr["code"].astype(str)
    code = str(territory).strip()
    if code not in set(codes):
        examples = ", ".join(f"{c} ({n})" for c, n in
                             zip(codes.head(8), terr["name"].astype(str).head(8), strict=False))
        raise ValueError(f"unknown territory code {code!r} for level {level!r} in "
                         f"{registry.path}; expected one of its {len(codes)} codes, e.g. "
                         f"{examples}")
    return code, terr


def _region_of(terr_all: pd.DataFrame, level: str, code: str) -> str:
    row = terr_all.loc[terr_all["level"].eq(level) & terr_all["code"].astype(str).eq(code)]
    if level == "region":
        return code
    return str(row["region"].iloc[0]) if len(row) and "region" in row else ""


def report_content(
    registry: Registry | str,
    year: int,
    territory: str,
    level: str = "departement",
    compare_year: int | None = None,
    lang: str = "fr",
    *,
    ties_top: int = 10,
    relay_sites: int = 3,
) -> dict[str, Any]:
    """Everything the report shows, as numbers, tables and sentences.

    Parameters
    ----------
    registry : Registry or path
    year : int
        Year of the report (firm observations, actors and ties active that year).
    territory : str
        Code of the territory (INSEE code of a département or région, SIREN of an EPCI).
    level : {"departement", "epci", "region"}
    compare_year : int, optional
        Year of comparison (what improved, what worsened).
    lang : {"fr", "en"}
    ties_top : int
        Length of the regional list of recommended ties from which the ties touching
        the territory are taken (:func:`ecosystem.activation.tie_recommendations`).
    relay_sites : int
        Number of relay sites to plan inside the territory.

    Returns
    -------
    dict
        Keys: ``meta`` (territory, year, labels...), ``sections`` (titles),
        ``summary``, ``dimensions``, ``maps``, ``network``, ``smes``,
        ``recommendations``, ``annex``, ``tables`` (every :class:`ReportTable` in
        order), ``audit`` (every cell suppressed by the report's cross tables) and
        ``withheld`` (the tables and sentences withheld because the gate hides a count
        they would give away): these two for the staff only, never published.

    Raises
    ------
    ValueError
        Unknown level, language or territory code.
    EmptyDataError
        Year or comparison year absent from the registry.
    """
    from ecosystem import governance, network
    from ecosystem.exposure import exposed_cells, table_relations
    from ecosystem.indicators import IndicatorInputs

    reg = registry if isinstance(registry, Registry) else Registry(registry)
    code, terr = _check_inputs(reg, year, territory, level, compare_year, lang)
    terr_all = reg.territories()
    name = str(terr.loc[terr["code"].astype(str).eq(code), "name"].iloc[0])
    kind = territory_article(level, code)
    region = _region_of(terr_all, level, code)
    region_name = terr_all.loc[terr_all["level"].eq("region")
                               & terr_all["code"].astype(str).eq(region), "name"]
    region_name = str(region_name.iloc[0]) if len(region_name) else region
    s = get_settings()
    audit: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    tables: list[ReportTable] = []

    def withhold(table_name: str, why: dict[str, Any]) -> None:
        withheld.append({"table": table_name,
                         "why": {k: (v if isinstance(v, str) else float(v))
                                 for k, v in why.items()}})

    def protect(values: pd.DataFrame, counts: pd.DataFrame | None = None, *,
                rows: bool = False, cols: bool = False, name_: str,
                elsewhere: Sequence[Any] = ()) -> pd.DataFrame | None:
        """The table protected by the core (:func:`ecosystem.disclosure.protect_table`),
        or None when its published cells, its totals and the figures published elsewhere
        (``elsewhere``: relations of :mod:`ecosystem.exposure`) would still narrow a
        suppressed cell down (:func:`ecosystem.exposure.exposed_cells`): then it is not
        published."""
        pub = _protect_table(values, values if counts is None else counts, row_totals=rows,
                             column_totals=cols, name=name_, total_label=TOTAL_LABEL)
        relations = [*table_relations(pub.table, row_totals=rows, column_totals=cols),
                     *elsewhere]
        small = [(a["row"], a["column"]) for a in pub.audit if a["rule"] == "frequency"]
        exposed = exposed_cells(pub.table, relations, small=small)
        audit.extend({k: (v if isinstance(v, (int, float)) else str(v)) for k, v in a.items()}
                     for a in pub.audit)
        if exposed:
            withhold(name_, {"exposed_cells": len(exposed)})
            return None
        return pub.table

    def protect_counts(values: Sequence[int], labels: Sequence[str], name_: str) -> list[Any]:
        """Firm counts published one by one (no total): each is its value or « s »."""
        if not len(values):
            return []
        frame = pd.DataFrame({"n": [int(v) for v in values]}, index=list(labels))
        pub = protect(frame, name_=name_)
        assert pub is not None  # no total, no relation: nothing to narrow
        return list(pub["n"])

    # -- indicators as published (ecosystem.publish), of the level and the region ------
    inputs = IndicatorInputs.from_registry(reg)
    ind = public_indicators(reg, level, year, compare_year, inputs=inputs)
    reg_ind = public_indicators(reg, "region", year, compare_year, inputs=inputs) \
        if level != "region" else ind
    missing = list(ind.attrs.get("missing_categories", []))
    counts = protected_counts(reg, year, inputs)
    gate = {t: _gate_value(counts, t, level, code) for t in PROTECTED}
    row_i = ind.index[ind["code"].astype(str).eq(code)][0]
    if ind.at[row_i, "n_firms"] == 0 and ind.at[row_i, "n_actors"] == 0:
        raise EmptyDataError(f"the territory {code} ({name}) has no active firm nor actor in "
                             f"{year}: nothing to report")
    reg_row_i = reg_ind.index[reg_ind["code"].astype(str).eq(region)]
    reg_row_i = reg_row_i[0] if len(reg_row_i) else None
    # peers: same level, same région (ecosystem.peers), over the published values
    peers_idx = peer_index(ind, terr_all, level, region)

    def value(i: Any, col: str, table: pd.DataFrame = ind) -> Any:
        """The published cell (a number, « s » or missing)."""
        if i is None or col not in table:
            return np.nan
        return table.at[i, col]

    level_word = _level_word(level, lang)
    levels_word = _level_word(level, lang, plural=True)
    n_ranked = int(sum(published(v) for v in ind["imi_rank"]))
    meta = {
        "code": code, "name": name, "level": level, "level_label": level_word,
        "of_name": of_name(name, level, kind) if lang == "fr" else name,
        "in_name": _in_name(name, level, kind) if lang == "fr" else f"in {name}",
        "region": region, "region_name": region_name, "year": int(year),
        "compare_year": None if compare_year is None else int(compare_year), "lang": lang,
        "synthetic": bool(reg.info().get("synthetic")),
        "registry_sha256": file_sha256(reg.path), "software_version": software_version(),
        "title": _t(lang, f"Rapport territorial {year}", f"Territorial report {year}"),
        "subtitle": _t(lang, f"Milieu internationalisant {of_name(name, level, kind)} "
                             f"({level_word} {code})",
                       f"Internationalising milieu of {name} ({level_word} {code})"),
        "edition": _t(lang, f"Édition {year}, données {year}"
                            + (f", comparaison avec {compare_year}" if compare_year else ""),
                      f"{year} edition, {year} data"
                      + (f", compared with {compare_year}" if compare_year else "")),
    }
    sections = {k: v[0 if lang == "fr" else 1] for k, v in SECTIONS.items()}

    # -- 1. summary -------------------------------------------------------------------
    summary = _summary(ind, row_i, peers_idx, compare_year, lang, meta, n_ranked,
                       levels_word)

    # -- 2. the four D --------------------------------------------------------------------
    dims: list[dict[str, Any]] = []
    peer_median_label = _t(lang, f"Médiane des {levels_word}", f"Median of {levels_word}")
    rank_note = _t(
        lang,
        f"Médiane et rang : parmi les valeurs publiées des {levels_word} de la région "
        "(rang 1 = le plus favorable ; « 2/9 » : 2e sur 9 valeurs publiées) ; une valeur "
        "couverte par le secret n'entre ni dans la médiane ni dans le rang. « s » : secret "
        "statistique ; « – » : non disponible.",
        f"Median and rank: among the published values of the region's {levels_word} "
        "(rank 1 = most favourable; “2/9”: 2nd of 9 published values); a confidential "
        "value enters neither the median nor the rank. “s”: statistical confidentiality; "
        "“–”: not available.")
    for dim in ("context", *catalogue.COMPOSITE_DIMENSIONS):
        members = [i for i in catalogue.INDICATORS if i.dimension == dim]
        cols = [_t(lang, str(year), str(year))]
        if compare_year is not None:
            cols += [str(compare_year), _t(lang, "Évolution", "Change")]
        if level != "region":
            cols += [_t(lang, f"Région ({region_name})", f"Region ({region_name})")]
        cols += [peer_median_label if level != "region" else
                 _t(lang, "Médiane des régions", "Median of regions"),
                 _t(lang, "Rang", "Rank")]
        rows_v: list[list[Any]] = []
        labels = []
        for i in members:
            labels.append(_label(i, lang))
            cur = value(row_i, i.name)
            line: list[Any] = [format_value(i.name, cur, lang)]
            if compare_year is not None:
                line += [format_value(i.name, value(row_i, f"{i.name}_compare"), lang),
                         format_value(i.name, value(row_i, f"{i.name}_change"), lang, True)]
            if level != "region":
                line.append(format_value(i.name, value(reg_row_i, i.name, reg_ind), lang))
            num = peer_values(ind, i.name, peers_idx)
            line.append(format_value(i.name, peer_median(num), lang))
            line.append(_rank_text(cur, num, i.direction))
            rows_v.append(line)
        keep = [k for k, r in enumerate(rows_v) if any(c != "–" for c in r)]
        published_rows = pd.DataFrame([rows_v[k] for k in keep],
                                      index=[labels[k] for k in keep], columns=cols)
        table = _make_table(
            f"indicateurs_{dim}", _t(lang, f"{_dim_label(dim, lang)} : indicateurs",
                                     f"{_dim_label(dim, lang)}: indicators"),
            _t(lang, "Indicateur", "Indicator"), published_rows, lang,
            formats=[lambda v: v] * len(cols), note=rank_note)
        tables.append(table)
        chart = None
        if dim != "context":
            sub = f"imi_{dim}"
            chart = {
                "labels": [str(ind.at[p, "name"]) for p in peers_idx],
                "codes": [str(ind.at[p, "code"]) for p in peers_idx],
                "values": [_chart_value(value(p, sub)) for p in peers_idx],
                "highlight": name,
                "title": _t(lang, f"Score IMI « {_dim_label(dim, lang)} » des {levels_word}",
                            f"IMI score “{_dim_label(dim, lang)}” of the {levels_word}"),
                "unit": _t(lang, "score (0–100)", "score (0–100)"),
            }
        dims.append({"code": dim, "label": _dim_label(dim, lang), "table": table,
                     "chart": chart, "text": _dim_text(dim, lang)})
    radar: dict[str, Any] = {
        "dimensions": [_dim_label(d, lang) for d in catalogue.COMPOSITE_DIMENSIONS],
        "series": {},
    }
    for label, idx, tab in ((name, row_i, ind),
                            (_t(lang, f"Région {region_name}", f"Region {region_name}"),
                             reg_row_i if level != "region" else None, reg_ind)):
        if idx is None:
            continue
        radar["series"][label] = [_chart_value(value(idx, f"imi_{d}", tab))
                                  for d in catalogue.COMPOSITE_DIMENSIONS]
    med = []
    for d in catalogue.COMPOSITE_DIMENSIONS:
        m = peer_median(peer_values(ind, f"imi_{d}", peers_idx))
        med.append(None if np.isnan(m) else m)
    radar["series"][peer_median_label] = med
    if compare_year is not None:
        radar["series"][f"{name} {compare_year}"] = [
            _chart_value(value(row_i, f"imi_{d}_compare"))
            for d in catalogue.COMPOSITE_DIMENSIONS]

    # ranking table of the peers (composite index)
    rank_cols = [_t(lang, "PME actives", "Active SMEs"), _t(lang, "Indice", "Index"),
                 _t(lang, "Rang", "Rank"), _t(lang, "Intervalle de rang (90 %)",
                                              "Rank interval (90%)")]
    if compare_year is not None:
        rank_cols.append(_t(lang, f"Indice {compare_year}", f"Index {compare_year}"))
    rank_rows, rank_labels = [], []
    order = sorted(peers_idx, key=lambda p: (
        (0, float(ind.at[p, "imi_rank"])) if published(ind.at[p, "imi_rank"]) else (1, 0.0),
        str(ind.at[p, "code"])))
    for p in order:
        rank_labels.append(f"{ind.at[p, 'name']} ({ind.at[p, 'code']})")
        line = [format_value("n_firms", value(p, "n_firms"), lang),
                format_value("imi", value(p, "imi"), lang),
                format_value("imi_rank", value(p, "imi_rank"), lang)]
        lo, hi = value(p, "imi_rank_p05"), value(p, "imi_rank_p95")
        line.append(SECRET if _any_secret(lo, hi) else
                    "–" if not (published(lo) and published(hi)) else f"{int(lo)}–{int(hi)}")
        if compare_year is not None:
            line.append(format_value("imi", value(p, "imi_compare"), lang))
        rank_rows.append(line)
    ranking = _make_table(
        "classement", _t(lang, f"Indice de milieu internationalisant des {levels_word}",
                         f"Internationalising-milieu index of the {levels_word}"),
        level_word[:1].upper() + level_word[1:],
        pd.DataFrame(rank_rows, index=rank_labels, columns=rank_cols), lang,
        formats=[lambda v: v] * len(rank_cols),
        note=_t(lang, f"Indice de 0 à 100, calculé à partir des seules valeurs publiées ; rang "
                      f"parmi les {n_ranked} {levels_word} classés du registre ; intervalle : 5e "
                      "et 95e centiles du rang sur les tirages de l'analyse d'incertitude.",
                f"Index from 0 to 100, computed from the published values only; rank among "
                f"the registry's {n_ranked} ranked {levels_word}; interval: 5th and 95th "
                "percentiles of the rank over the draws of the uncertainty analysis."))
    tables.insert(0, ranking)
    summary["ranking"] = ranking

    # choropleth data (geometry added by the renderer): the published index
    peer_codes = {str(ind.at[p, "code"]) for p in peers_idx}
    choro = pd.DataFrame({
        "code": ind["code"].astype(str).to_numpy(),
        "name": ind["name"].astype(str).to_numpy(),
        "imi": [_chart_value(v) for v in ind["imi"]],
        "secret": [_any_secret(v) for v in ind["imi"]],
    })
    choro = choro.loc[choro["code"].isin(peer_codes)].reset_index(drop=True)
    # the unserved share of the sub-territories, as published (the coverage map)
    sub_level = SUB_LEVEL[level]
    sub_codes = _sub_codes(terr_all, level, code, sub_level)
    sub_ind = public_indicators(reg, sub_level, year, inputs=inputs)
    sub_ind = sub_ind.loc[sub_ind["code"].astype(str).isin(sub_codes)]
    unserved_map = pd.DataFrame({
        "code": sub_ind["code"].astype(str).to_numpy(),
        "name": sub_ind["name"].astype(str).to_numpy(),
        "unserved_share": [_chart_value(v) for v in sub_ind["unserved_share"]],
        "secret": [_any_secret(v) for v in sub_ind["unserved_share"]],
    })

    # -- 5. SMEs (before the network: the firms of the territory) -----------------------
    live = active_firms(reg.firms(year), year)
    mine = live.loc[live[level].astype(str).eq(code)].reset_index(drop=True)
    smes = _smes(reg, mine, year, level, code, terr_all, lang, protect, withhold, gate, counts,
                 missing)
    tables.extend(smes["tables"])

    # -- 4. network -------------------------------------------------------------------------
    data = network.NetworkData.from_registry(reg, year)
    analysis = network.analyse(data, levels=tuple(dict.fromkeys(("region", level))))
    net = _network(reg, data, analysis, year, compare_year, level, code, region, lang,
                   protect_counts)
    gaps = governance.governance_gaps(data, level, analysis=analysis)
    gaps = gaps.loc[gaps["territory"].astype(str).eq(code)].reset_index(drop=True)
    net["gaps"] = _gaps_table(gaps, gate, value(row_i, "unserved_share"), lang, year,
                              protect_counts)
    tables.extend([net["figures"], net["central"], net["categories"], net["gaps"]])

    # -- 6. recommendations -------------------------------------------------------------
    recs = _recommendations(data, level, code, mine, lang, protect, protect_counts, withhold,
                            gate, ind.loc[row_i], ties_top, relay_sites,
                            s.unserved_distance_km)
    tables.extend(t for t in (recs["ties"], recs["relays"], recs["groups"]) if t is not None)

    # -- 7. annex -------------------------------------------------------------------------
    annex = _annex(reg, lang, meta)
    tables.append(annex["catalogue"])

    maps = {
        "choropleth": choro,
        "unserved": unserved_map,
        "sub_level": sub_level,
        "text": _t(lang,
                   f"Les cartes montrent les acteurs d'appui actifs en {year}, la zone à moins "
                   f"de {format_number(s.unserved_distance_km, lang)} km d'un acteur de "
                   f"première ligne avec la part publiée de PME non desservies par "
                   f"{_level_word(sub_level, lang)}, et l'indice composite des {levels_word} "
                   f"de la région.",
                   f"The maps show the support actors active in {year}, the area within "
                   f"{format_number(s.unserved_distance_km, lang)} km of a front-line actor "
                   f"with the published share of unserved SMEs by "
                   f"{_level_word(sub_level, lang)}, and the composite index of the region's "
                   f"{levels_word}."),
    }
    return {
        "meta": meta, "sections": sections, "summary": summary, "dimensions": dims,
        "radar": radar, "maps": maps, "network": net, "smes": smes,
        "recommendations": recs, "annex": annex, "tables": tables, "audit": audit,
        "withheld": withheld, "settings": {"distance_km": s.unserved_distance_km},
    }


def _chart_value(v: Any) -> float | str | None:
    """A value for a chart: the number, « s » when suppressed, None when missing."""
    if _any_secret(v):
        return SECRET
    return None if isinstance(v, str) or is_missing(v) else float(v)


def _any_secret(*values: Any) -> bool:
    """Whether one of ``values`` is the suppressed marker « s »."""
    return any(isinstance(v, str) and v == SECRET for v in values)


def _rank_text(cur: Any, peers: np.ndarray, direction: int) -> str:
    """Rank of ``cur`` among the peers' published values (:func:`ecosystem.peers.
    peer_rank`): « s » when ``cur`` itself is suppressed."""
    if _any_secret(cur):
        return SECRET
    rank = peer_rank(cur, peers, direction)
    return "–" if rank is None else f"{rank[0]}/{rank[1]}"


def _gate_value(counts: pd.DataFrame, table: str, level: str, code: str) -> Any:
    """A territory's count as the gate publishes it (:func:`ecosystem.publish.
    protected_counts`): its value (0 for an empty cell) or « s »."""
    if hidden_counts(counts, table, level, [code])[0]:
        return SECRET
    sel = counts.loc[counts["table"].eq(table) & counts["level"].eq(level)
                     & counts["code"].astype(str).eq(code), "value"]
    if not len(sel):
        return 0
    v = float(sel.iloc[0])
    return int(v) if v.is_integer() else v


def _follows_gate(gives: dict[str, float], gate: dict[str, Any]) -> bool:
    """Whether a table or sentence may be published beside the gate's figures.

    ``gives``: the gate's counts of the territory (:data:`ecosystem.publish.PROTECTED`
    names) that the table's published cells add up to, or that its percentages pin
    down, with the value the table would give them. It may be published only when the
    gate publishes each of them with that very value: a count the gate hides (``s``) is
    never given away by a total, and two published figures of one count never differ.
    """
    return all(not _any_secret(gate.get(k, SECRET)) and float(gate[k]) == float(v)
               for k, v in gives.items())


def _sub_codes(terr_all: pd.DataFrame, level: str, code: str, sub: str) -> list[str]:
    """The territories of ``sub`` in (or, for EPCIs, partly in) a territory."""
    communes = terr_all.loc[terr_all["level"].eq("commune")]
    if sub == "commune":
        inside = communes.loc[communes[level].astype(str).eq(code), "code"]
    elif sub == "epci":
        inside = communes.loc[communes[level].astype(str).eq(code), "epci"]
    else:
        rows = terr_all.loc[terr_all["level"].eq(sub)]
        inside = rows.loc[rows[level].astype(str).eq(code), "code"]
    return sorted({str(c) for c in inside.astype(str) if c and c != "<NA>"})


def _straddling(terr_all: pd.DataFrame, level: str, code: str, sub: str) -> set[str]:
    """The sub-territories of :func:`_sub_codes` that lie partly outside the territory
    (EPCIs across a département's border)."""
    if sub != "epci" or level == "epci":
        return set()
    communes = terr_all.loc[terr_all["level"].eq("commune")]
    mine = set(_sub_codes(terr_all, level, code, sub))
    sel = communes.loc[communes["epci"].astype(str).isin(mine)]
    outside = sel.loc[~sel[level].astype(str).eq(code), "epci"].astype(str)
    return set(outside)


def _dim_text(dim: str, lang: str) -> str:
    texts = {
        "context": ("Le nombre de PME actives, d'exportatrices et d'acteurs d'appui situe le "
                    "territoire ; ces indicateurs n'entrent pas dans l'indice.",
                    "The numbers of active SMEs, exporters and support actors set the scene; "
                    "they do not enter the index."),
        "density": ("Densité : combien d'acteurs d'appui et d'entreprises certifiées ou "
                    "exportatrices le territoire réunit.",
                    "Density: how many support actors and certified or exporting firms the "
                    "territory gathers."),
        "diversity": ("Diversité : la variété des catégories d'acteurs présentes et à portée "
                      "des PME.",
                      "Diversity: the variety of actor categories present and within reach of "
                      "the SMEs."),
        "dynamism": ("Dynamique : croissance des exportatrices, nouveaux liens, postures "
                     "proactives, born global et groupements à l'export.",
                     "Dynamism: growth of exporters, new ties, proactive postures, born-global "
                     "firms and export groups."),
        "governance": ("Directionalité : la coordination des acteurs, la présence d'un "
                       "coordinateur et l'ouverture vers l'étranger.",
                       "Governance: the coordination of the actors, the presence of a "
                       "coordinator and openness abroad."),
        "accessibility": ("Proximité et infrastructures : distance aux acteurs, aéroports, "
                          "ports, autoroutes, voies ferrées et très haut débit.",
                          "Proximity and infrastructure: distance to support, airports, ports, "
                          "motorways, rail and broadband."),
    }
    fr, en = texts[dim]
    return fr if lang == "fr" else en


def _summary(ind: pd.DataFrame, i: Any, peers_idx: pd.Index, compare_year: int | None,
             lang: str, meta: dict[str, Any], n_ranked: int, levels_word: str
             ) -> dict[str, Any]:
    """The sentences of the summary, from the published indicator table ``ind``."""
    year = meta["year"]
    of = meta["of_name"]
    sentences: list[str] = []
    imi = ind.at[i, "imi"]
    ranks = [ind.at[i, c] for c in ("imi_rank", "imi_rank_p05", "imi_rank_p95")]
    if _any_secret(imi):
        sentences.append(_t(lang, f"L'indice composite {of} est couvert par le secret "
                                  "statistique.",
                            f"The composite index of {meta['name']} is confidential."))
    elif not published(imi) or not all(published(r) for r in ranks):
        sentences.append(_t(lang, f"L'indice composite {of} n'a pas pu être calculé en {year}.",
                            f"The composite index of {meta['name']} could not be computed "
                            f"for {year}."))
    else:
        r, lo, hi = (int(x) for x in ranks)
        interval = _t(lang, f"rang {lo}" if lo == hi else f"rangs {lo} à {hi}",
                      f"rank {lo}" if lo == hi else f"ranks {lo} to {hi}")
        sentences.append(_t(
            lang,
            f"L'indice composite de milieu internationalisant {of} est de "
            f"{format_number(imi, lang, 1)} sur 100 en {year} : rang {r} sur {n_ranked} "
            f"{levels_word} (dans 90 % des pondérations et normalisations essayées : "
            f"{interval}).",
            f"The composite internationalising-milieu index of {meta['name']} is "
            f"{format_number(imi, lang, 1)} out of 100 in {year}: rank {r} of {n_ranked} "
            f"{levels_word} ({interval} in 90% of the weightings and normalisations tried)."))
        before = ind.at[i, "imi_compare"] if "imi_compare" in ind else np.nan
        if compare_year is not None and published(before):
            r0 = ind.at[i, "imi_rank_compare"]
            sentences.append(_t(
                lang,
                f"Il était de {format_number(before, lang, 1)} en {compare_year}"
                + (f" (rang {int(r0)})" if published(r0) else "") + ".",
                f"It was {format_number(before, lang, 1)} in {compare_year}"
                + (f" (rank {int(r0)})" if published(r0) else "") + "."))
    # strongest and weakest dimensions (ecosystem.peers, published values)
    standing = dimension_standing(ind, i, peers_idx)
    if len(standing) >= 2:
        weak, strong = standing.iloc[0], standing.iloc[-1]
        s_score, s_med, w_score, w_med = (format_number(x, lang, 1) for x in (
            strong["score"], strong["peer_median"], weak["score"], weak["peer_median"]))
        s_dim, w_dim = str(strong["dimension"]), str(weak["dimension"])
        sentences.append(_t(
            lang,
            f"Par rapport à la médiane des {levels_word} de la région, le point fort est la "
            f"dimension « {_dim_label(s_dim, lang)} » (score {s_score}, médiane {s_med}) "
            f"et le point faible la dimension « {_dim_label(w_dim, lang)} » (score "
            f"{w_score}, médiane {w_med}).",
            f"Against the median of the region's {levels_word}, the strength is the "
            f"“{_dim_label(s_dim, lang)}” dimension (score {s_score}, median {s_med}) and "
            f"the weakness the “{_dim_label(w_dim, lang)}” dimension (score {w_score}, "
            f"median {w_med})."))
    # context sentence: the gate's counts
    nf, ne, na = (ind.at[i, c] for c in ("n_firms", "n_exporters", "n_actors"))
    actors_fr = f"{format_number(na, lang)} acteurs d'appui actifs"
    actors_en = f"{format_number(na, lang)} active support actors"
    if not published(nf):
        sentences.append(_t(
            lang, "Le nombre de PME actives du territoire est couvert par le secret "
                  f"statistique ; le territoire compte {actors_fr}.",
            f"The number of active SMEs of the territory is confidential; it has "
            f"{actors_en}."))
    elif not published(ne):
        sentences.append(_t(
            lang, f"Le territoire compte {format_number(nf, lang)} PME actives (le nombre "
                  f"d'exportatrices est couvert par le secret statistique) et {actors_fr}.",
            f"The territory has {format_number(nf, lang)} active SMEs (the number of "
            f"exporters is confidential) and {actors_en}."))
    else:
        share_exp = format_percent(float(ne) / float(nf) if nf else 0, lang)
        sentences.append(_t(
            lang,
            f"Le territoire compte {format_number(nf, lang)} PME actives, dont "
            f"{format_number(ne, lang)} exportatrices ({share_exp}), et {actors_fr}.",
            f"The territory has {format_number(nf, lang)} active SMEs, of which "
            f"{format_number(ne, lang)} export ({share_exp}), and {actors_en}."))
    improved: list[str] = []
    worsened: list[str] = []
    if compare_year is not None:
        # (z, indicator, before, current), most improved first (ecosystem.peers)
        moves = list(notable_changes(ind, i, peers_idx)[
            ["z", "indicator", "before", "current"]].itertuples(index=False, name=None))
        for z, n, before, cur in moves[:3]:
            if z > 0:
                improved.append(_move_text(n, before, cur, lang))
        for z, n, before, cur in sorted(moves, key=lambda m: (m[0], m[1]))[:3]:
            if z < 0:
                worsened.append(_move_text(n, before, cur, lang))
        if improved:
            sentences.append(_t(lang, f"Ce qui s'est amélioré depuis {compare_year} : ",
                                f"What improved since {compare_year}: ")
                             + _join(improved, lang) + ".")
        else:
            sentences.append(_t(lang, f"Aucun indicateur publié ne s'est nettement amélioré "
                                      f"depuis {compare_year}.",
                                f"No published indicator improved markedly since "
                                f"{compare_year}."))
        if worsened:
            sentences.append(_t(lang, "Ce qui s'est dégradé : ", "What worsened: ")
                             + _join(worsened, lang) + ".")
        else:
            sentences.append(_t(lang, "Aucun indicateur publié ne s'est nettement dégradé.",
                                "No published indicator worsened markedly."))
    return {"sentences": sentences, "improved": improved, "worsened": worsened,
            "n_ranked": n_ranked}


def _move_text(name: str, before: Any, cur: Any, lang: str) -> str:
    ind = catalogue.get(name)
    label = _label(ind, lang)
    label = label[0].lower() + label[1:] if not label[:3].isupper() else label
    a, b = format_value(name, before, lang), format_value(name, cur, lang)
    return _t(lang, f"{label} (de {a} à {b})", f"{label} (from {a} to {b})")


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    sep = " ; " if lang == "fr" else "; "
    last = " et " if lang == "fr" else " and "
    return sep.join(items[:-1]) + last + items[-1]


# ---------------------------------------------------------------------------
# 5. SMEs
# ---------------------------------------------------------------------------


def _withheld_table(name: str, title: str, label_header: str, lang: str) -> ReportTable:
    """A table not published: no cell, a note that says why."""
    return _make_table(
        name, title, label_header, pd.DataFrame(index=pd.Index([], dtype=object)), lang,
        note=_t(lang, "Tableau non publié : il permettrait de retrouver, ou d'encadrer de "
                      "trop près, un effectif couvert par le secret statistique.",
                "Table not published: it would give away, or bound too closely, a count that "
                "is confidential."))


def _smes(reg: Registry, mine: pd.DataFrame, year: int, level: str, code: str,
          terr_all: pd.DataFrame, lang: str, protect: Any, withhold: Any,
          gate: dict[str, Any], counts: pd.DataFrame, missing: list[str]) -> dict[str, Any]:
    """Section 5: the SMEs of the territory (``gate``: its counts as published)."""
    from ecosystem import sme_profile

    out: dict[str, Any] = {"tables": []}

    # stage by posture: its cells add up to the territory's firms, exporters (the
    # exporting stages) and proactive exporters, which the gate publishes or hides
    title = _t(lang, "PME actives par stade d'internationalisation et posture",
               "Active SMEs by internationalisation stage and posture")
    cross = sme_profile.stage_posture_counts(mine)
    exp_rows = [c for c in cross.index if c in EXPORTING_STAGES]
    gives = {"n_firms": int(cross.to_numpy().sum()),
             "n_exporters": int(cross.loc[exp_rows].to_numpy().sum()),
             "n_proactive": int(cross.loc[exp_rows, "proactive"].sum())
             if "proactive" in cross.columns else 0}
    stage_of = {_stage_label(c, lang): c for c in cross.index}
    posture_of = {_posture_label(c, lang): c for c in cross.columns}
    cross.index = list(stage_of)
    cross.columns = list(posture_of)
    published_ok = _follows_gate(gives, gate)
    if published_ok:
        exp_labels = [lab for lab, c in stage_of.items() if c in EXPORTING_STAGES]
        pro = [lab for lab, c in posture_of.items() if c == "proactive"]
        elsewhere = [({(r, c): 1.0 for r in exp_labels for c in cross.columns},
                      float(gives["n_exporters"])),
                     ({(r, c): 1.0 for r in exp_labels for c in pro},
                      float(gives["n_proactive"]))]
        pub = protect(cross, rows=True, cols=True, name_="pme_stade_posture",
                      elsewhere=elsewhere)
        published_ok = pub is not None
    else:
        withhold("pme_stade_posture", {k: gate.get(k, SECRET) for k in gives})
    if published_ok:
        out["stage_posture"] = _make_table(
            "pme_stade_posture", title, _t(lang, "Stade", "Stage"), pub, lang, total_rows=1,
            note=_t(lang, "Nombre de PME ; « s » : secret statistique.",
                    "Number of SMEs; “s”: statistical confidentiality."))
    elif _follows_gate(gives, gate):
        # the crossing by posture would narrow a hidden cell down: the stages alone
        by_stage = cross.sum(axis=1).to_frame(_t(lang, "PME actives", "Active SMEs"))
        exp_labels = [lab for lab, c in stage_of.items() if c in EXPORTING_STAGES]
        pub = protect(by_stage, cols=True, name_="pme_stade", elsewhere=[
            ({(r, by_stage.columns[0]): 1.0 for r in exp_labels},
             float(gives["n_exporters"]))])
        if pub is None:
            out["stage_posture"] = _withheld_table("pme_stade_posture", title,
                                                   _t(lang, "Stade", "Stage"), lang)
        else:
            out["stage_posture"] = _make_table(
                "pme_stade_posture", _t(lang, "PME actives par stade d'internationalisation",
                                        "Active SMEs by internationalisation stage"),
                _t(lang, "Stade", "Stage"), pub, lang, total_rows=1,
                note=_t(lang, "Nombre de PME ; « s » : secret statistique. La répartition par "
                              "posture n'est pas publiée : elle permettrait de retrouver des "
                              "cellules masquées.",
                        "Number of SMEs; “s”: statistical confidentiality. The breakdown by "
                        "posture is not published: it would give hidden cells away."))
    else:
        out["stage_posture"] = _withheld_table("pme_stade_posture", title,
                                               _t(lang, "Stade", "Stage"), lang)

    # ISO certifications by standard and exporting status: they bound the territory's
    # active firms and its sum of ISO weights, published only when the gate publishes both
    title = _t(lang, "Certifications ISO des PME actives", "ISO certifications of active SMEs")
    iso = sme_profile.iso_counts(mine)
    iso.index = [f"ISO {k}" for k in iso.index]
    iso.columns = [_t(lang, "Exportatrices", "Exporters"),
                   _t(lang, "Non exportatrices", "Non-exporters")]
    pub = None
    if _any_secret(gate.get("iso_weight", SECRET)) or \
            not _follows_gate({"n_firms": gives["n_firms"]}, gate):
        withhold("pme_iso", {"iso_weight": gate.get("iso_weight", SECRET),
                             "n_firms": gate["n_firms"]})
    else:
        pub = protect(iso, rows=True, name_="pme_iso") if len(iso) else \
            iso.assign(Total=pd.Series(dtype=np.int64))
    if pub is None:
        out["iso"] = _withheld_table("pme_iso", title, _t(lang, "Norme", "Standard"), lang)
    else:
        out["iso"] = _make_table(
            "pme_iso", title, _t(lang, "Norme", "Standard"), pub, lang,
            note=_t(lang, "Une PME certifiée selon plusieurs normes compte dans chaque ligne.",
                    "A firm certified to several standards counts in each row."))

    # by sub-territory: the gate's own cells (ecosystem.publish.protected_counts)
    out["by_sub"] = _by_sub_table(counts, terr_all, level, code, lang, gate, missing, year)

    # markets: each count bounds the territory's exporters
    title = _t(lang, "Principaux marchés à l'export (15 premiers pays)",
               "Main export markets (top 15 countries)")
    per_country = sme_profile.market_counts(mine)
    pub = None
    if _follows_gate({"n_firms": gives["n_firms"], "n_exporters": gives["n_exporters"]}, gate):
        # the countries whose count is published, the 15 most named: a listed « s » would
        # be a count of 1 or 2 firms (the table has no total to hide it behind)
        top = per_country.head(15)
        cn = _country_names(lang)
        mk = pd.DataFrame({_t(lang, "PME exportatrices", "Exporting SMEs"): top.to_numpy()},
                          index=[f"{cn.get(c, c)} ({c})" for c in top.index], dtype=np.int64)
        pub = protect(mk, name_="pme_marches") if len(mk) else mk
        if pub is not None:
            pub = pub.loc[[not _any_secret(v) for v in pub.iloc[:, 0]]]
    else:
        withhold("pme_marches", {"n_firms": gate["n_firms"], "n_exporters": gate["n_exporters"]})
    if pub is not None:
        out["markets"] = _make_table(
            "pme_marches", title, _t(lang, "Pays", "Country"), pub, lang,
            note=_t(lang, f"Nombre de PME déclarant le pays parmi leurs marchés ; "
                          f"{len(per_country)} pays cités au total ; un pays cité par trop peu "
                          "de PME pour être publié n'est pas listé.",
                    f"Number of SMEs naming the country among their markets; "
                    f"{len(per_country)} countries named in all; a country named by too few "
                    "SMEs to be published is not listed."))
    else:
        out["markets"] = _withheld_table("pme_marches", title, _t(lang, "Pays", "Country"),
                                         lang)

    # sentences: the gate's counts, or « s »
    def n(key: str) -> str:
        return format_number(gate.get(key, SECRET), lang)

    sent = []
    if _any_secret(gate["n_firms"]):
        sent.append(_t(lang, "Le nombre de PME actives du territoire est couvert par le secret "
                             "statistique.",
                       "The number of active SMEs of the territory is confidential."))
    else:
        sent.append(_t(
            lang,
            f"{n('n_firms')} PME actives en {year}, dont {n('n_exporters')} exportatrices"
            + (f" ; exportatrices à posture proactive : {n('n_proactive')}."
               if gate["n_exporters"] != 0 else "."),
            f"{n('n_firms')} active SMEs in {year}, of which {n('n_exporters')} export"
            + (f"; exporters with a proactive posture: {n('n_proactive')}."
               if gate["n_exporters"] != 0 else ".")))
    groups_fr = groups_en = ""
    if not _any_secret(gate["n_groupement"]) and gate["n_groupement"]:
        k = sme_profile.sme_totals(mine, sme_profile.sme_flags(mine, born_global=False))[
            "n_groupements"]
        groups_fr = f" ({k} groupement{'s' if k > 1 else ''} représenté{'s' if k > 1 else ''})"
        groups_en = f" ({k} group{'s' if k > 1 else ''} represented)"
    sent.append(_t(
        lang,
        f"PME « born global » : {n('n_born_global')} ; PME membres d'un groupement à "
        f"l'export : {n('n_groupement')}{groups_fr}.",
        f"Born-global SMEs: {n('n_born_global')}; SMEs in an export group: "
        f"{n('n_groupement')}{groups_en}."))
    if any(_any_secret(gate[k]) for k in ("n_firms", "n_exporters", "n_proactive",
                                          "n_born_global", "n_groupement")):
        sent.append(_t(lang, "« s » : secret statistique.", "“s”: statistical confidentiality."))
    out["sentences"] = sent
    out["tables"] = [out["stage_posture"], out["iso"], out["by_sub"], out["markets"]]
    out["stage_chart"] = None
    out["missing_categories"] = missing
    return out


#: Columns of the SMEs by sub-territory: the gate's tables (ecosystem.publish.PROTECTED).
_SUB_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("n_firms", "PME actives", "Active SMEs"),
    ("n_exporters", "Exportatrices", "Exporters"),
    ("n_born_global", "Born global", "Born global"),
    ("n_groupement", "En groupement à l'export", "In an export group"),
    ("n_unserved", "Non desservies", "Unserved"),
)


def _by_sub_table(counts: pd.DataFrame, terr_all: pd.DataFrame, level: str, code: str,
                  lang: str, gate: dict[str, Any], missing: list[str],
                  year: int) -> ReportTable:
    """SMEs by sub-territory: every cell is the gate's published cell
    (:func:`ecosystem.publish.protected_counts`), the last row the territory's own."""
    sub = SUB_LEVEL[level]
    names = terr_all.loc[terr_all["level"].eq(sub)].drop_duplicates("code")
    names = dict(zip(names["code"].astype(str), names["name"].astype(str), strict=True))
    across = _straddling(terr_all, level, code, sub)
    rows, labels = [], []
    for c in _sub_codes(terr_all, level, code, sub):
        line = [_gate_value(counts, t, sub, c) for t, _fr, _en in _SUB_COLUMNS]
        if all(v == 0 for v in line):
            continue  # an empty cell is published as 0: the row tells nothing more
        rows.append(line)
        labels.append(f"{names.get(c, c)} ({c})" + (" *" if c in across else ""))
    rows.append([gate[t] for t, _fr, _en in _SUB_COLUMNS])
    labels.append(TOTAL_LABEL)
    frame = pd.DataFrame(rows, index=labels,
                         columns=[_t(lang, fr, en) for _t_, fr, en in _SUB_COLUMNS],
                         dtype=object)
    sub_word = _level_word(sub, lang)
    d = format_number(get_settings().unserved_distance_km, lang)
    from ecosystem.unserved import missing_categories_note

    missing_note = missing_categories_note(missing, year, lang)
    missing_note = f" {missing_note[:1].upper()}{missing_note[1:]}." if missing_note else ""
    straddle_note = _t(
        lang, f" * {sub_word[:1].upper()}{sub_word[1:]} situé en partie hors du territoire : "
              "ses effectifs sont ceux de tout l'EPCI, et les lignes ne s'additionnent pas au "
              "total.",
        f" * {sub_word[:1].upper()}{sub_word[1:]} partly outside the territory: its counts are "
        "those of the whole EPCI, and the rows do not add up to the total.") \
        if any(lab.endswith(" *") for lab in labels) else ""
    return _make_table(
        "pme_par_territoire", _t(lang, f"PME actives par {sub_word}",
                                 f"Active SMEs by {sub_word}"),
        sub_word[:1].upper() + sub_word[1:], frame, lang, total_rows=1,
        note=_t(lang, f"Effectifs publiés (secret statistique sur toute la hiérarchie "
                      f"territoriale) ; territoire non listé : aucune PME active. Born global : "
                      f"au moins 20 % du chiffre d'affaires à l'export dans les 3 ans suivant la "
                      f"création. Non desservie : aucun acteur de première ligne à moins de "
                      f"{d} km.",
                f"Published counts (statistical confidentiality over the whole territorial "
                f"hierarchy); a territory not listed has no active SME. Born global: at "
                f"least 20% of sales abroad within 3 years of creation. Unserved: no "
                f"front-line actor within {d} km.")
        + straddle_note + missing_note)


# ---------------------------------------------------------------------------
# 4. network
# ---------------------------------------------------------------------------


def _network(reg: Registry, data: Any, analysis: Any, year: int, compare_year: int | None,
             level: str, code: str, region: str, lang: str,
             protect_counts: Any) -> dict[str, Any]:
    from ecosystem import network
    from ecosystem.actor_profile import absent_categories, actors_by_category

    terr = analysis.territories
    row = terr.loc[terr["level"].eq(level) & terr["code"].astype(str).eq(code)]
    reg_row = terr.loc[terr["level"].eq("region") & terr["code"].astype(str).eq(region)]
    spec = [
        ("n_actors", "Acteurs actifs", "Active actors", 0),
        ("n_ties", "Paires d'acteurs du territoire liées", "Tied pairs of local actors", 0),
        ("n_external_ties", "Liens avec des acteurs hors du territoire",
         "Ties with actors outside the territory", 0),
        ("density", "Densité du réseau local", "Local network density", 3),
        ("n_components", "Composantes du réseau local", "Components of the local network", 0),
        ("largest_component_share", "Part des acteurs dans la plus grande composante",
         "Share of actors in the largest component", -1),
        ("n_isolated", "Acteurs sans lien local", "Actors without a local tie", 0),
        ("n_regionally_isolated", "Acteurs sans aucun lien", "Actors without any tie", 0),
        ("n_communities", "Communautés (Leiden)", "Communities (Leiden)", 0),
        ("efficiency", "Efficacité globale du réseau local", "Global efficiency (local)", 3),
        ("n_coordinators", "Coordinateurs", "Coordinators", 0),
        ("n_international", "Acteurs reliés à l'étranger", "Actors tied abroad", 0),
        ("n_actor_firm_ties", "Liens d'accompagnement et d'adhésion avec des PME",
         "Accompaniment and membership ties with SMEs", 0),
    ]
    firm_based = {"n_actor_firm_ties"}
    cols = [_t(lang, "Territoire", "Territory")]
    if level != "region":
        cols.append(_t(lang, "Région", "Region"))
    rows, labels = [], []
    for key, fr, en, dec in spec:
        labels.append(_t(lang, fr, en))
        line = []
        where = [row] if level == "region" else [row, reg_row]
        got = [r[key].iloc[0] if len(r) else np.nan for r in where]
        if key in firm_based:  # ties with firms: counts of firms, protected one by one
            shown = [k for k, v in enumerate(got) if not is_missing(v)]
            safe = protect_counts([int(got[k]) for k in shown],
                                  [("territory", "region")[k] for k in shown],
                                  "reseau_liens_pme")
            for k, v in zip(shown, safe, strict=True):
                got[k] = v
        for v in got:
            if _any_secret(v):
                line.append(SECRET)
            elif dec == -1:
                line.append(format_percent(v, lang))
            else:
                line.append(format_number(v, lang, dec))
        rows.append(line)
    figures = _make_table(
        "reseau_chiffres", _t(lang, f"Le réseau d'acteurs en {year}",
                              f"The actor network in {year}"),
        _t(lang, "Mesure", "Measure"), pd.DataFrame(rows, index=labels, columns=cols), lang,
        formats=[lambda v: v] * len(cols),
        note=_t(lang, "Réseau local : les liens actifs entre deux acteurs du territoire "
                      "(partenariat, cofinancement, événement commun, orientation).",
                "Local network: the active ties between two actors of the territory "
                "(partnership, co-funding, joint event, referral)."))
    # actors by category (ecosystem.actor_profile)
    cat_years = [year] + ([compare_year] if compare_year is not None else [])
    by_cat = actors_by_category(data.actors, cat_years, level, code)
    cat_frame = pd.DataFrame([[int(v) for v in r] for r in by_cat.to_numpy()],
                             index=[_category_label(str(c), lang) for c in by_cat.index],
                             columns=[str(y) for y in cat_years], dtype=object)
    if len(cat_frame):
        cat_frame.loc[TOTAL_LABEL] = [int(by_cat[y].sum()) for y in cat_years]
    categories = _make_table(
        "acteurs_categories", _t(lang, "Acteurs d'appui actifs par catégorie",
                                 "Active support actors by category"),
        _t(lang, "Catégorie", "Category"), cat_frame, lang, total_rows=1 if len(cat_frame)
        else 0)
    # the most central actors (public institutions, named)
    top = network.central_actors(analysis.actor_table, level, code, top=8)
    top_rows = [[_category_label(str(r.category), lang), format_number(r.degree, lang),
                 format_number(r.betweenness, lang, 3),
                 _t(lang, "oui", "yes") if bool(r.coordinator) else _t(lang, "non", "no")]
                for r in top.itertuples(index=False)]
    central = _make_table(
        "acteurs_centraux", _t(lang, "Les acteurs les plus centraux du territoire",
                               "The territory's most central actors"),
        _t(lang, "Acteur", "Actor"),
        pd.DataFrame(top_rows, index=[str(n) for n in top["name"]],
                     columns=[_t(lang, "Catégorie", "Category"),
                              _t(lang, "Partenaires", "Partners"),
                              _t(lang, "Intermédiarité", "Betweenness"),
                              _t(lang, "Coordinateur", "Coordinator")]), lang,
        formats=[lambda v: v] * 4,
        note=_t(lang, "Intermédiarité : part des plus courts chemins du réseau régional qui "
                      "passent par l'acteur.",
                "Betweenness: share of the shortest paths of the regional network that go "
                "through the actor."))
    missing_ref = absent_categories(data.actors, year, level, code)
    text = []
    if len(row):
        r = row.iloc[0]
        text.append(_t(
            lang,
            f"{format_number(r['n_actors'], lang)} acteurs d'appui sont actifs en {year} ; "
            f"{format_number(r['n_ties'], lang)} paires d'entre eux sont liées, en "
            f"{format_number(r['n_components'], lang)} composante(s) ; "
            f"{format_number(r['n_regionally_isolated'], lang)} acteur(s) n'ont aucun lien.",
            f"{format_number(r['n_actors'], lang)} support actors are active in {year}; "
            f"{format_number(r['n_ties'], lang)} pairs of them are tied, in "
            f"{format_number(r['n_components'], lang)} component(s); "
            f"{format_number(r['n_regionally_isolated'], lang)} actor(s) have no tie at all."))
    if missing_ref:
        text.append(_t(lang, "Catégories de première ligne absentes du territoire : ",
                       "Front-line categories absent from the territory: ")
                    + ", ".join(_category_label(c, lang) for c in missing_ref) + ".")
    return {"figures": figures, "categories": categories, "central": central,
            "sentences": text}


def _gaps_table(gaps: pd.DataFrame, gate: dict[str, Any], unserved_share: Any, lang: str,
                year: int, protect_counts: Any) -> ReportTable:
    """The governance gaps of the territory; ``gate``: its counts as published,
    ``unserved_share``: its published unserved share.

    An unserved area is described by the gate's figures; when the gate hides the
    territory's unserved firms or active firms, the row is left out (its presence and
    its severity would bound the hidden count). The share of firms without a missing
    category is printed only when the count it rests on is published.
    """
    from ecosystem.governance import GAP_KINDS

    d = format_number(get_settings().unserved_distance_km, lang)
    rows, labels = [], []
    for g in gaps.itertuples(index=False):
        kind = str(g.kind)
        if kind == "unserved_area" and (
                _any_secret(gate["n_unserved"], gate["n_firms"], unserved_share)
                or not published(unserved_share)):
            continue
        labels.append(GAP_KINDS.get(kind, kind) if lang == "fr" else _GAP_KINDS_EN.get(kind,
                                                                                        kind))
        sev = _SEVERITY.get(str(g.severity), (str(g.severity),) * 2)[0 if lang == "fr" else 1]
        if kind == "unserved_area":
            n_text = format_number(gate["n_unserved"], lang)
            share_text = format_percent(unserved_share, lang)
            what = _t(lang,
                      f"{n_text} PME actives ({share_text}) sans acteur de première ligne à "
                      f"moins de {d} km.",
                      f"{n_text} active SMEs ({share_text}) without a front-line actor within "
                      f"{d} km.")
        elif kind == "missing_category":
            share = float(g.value)
            far: Any = SECRET
            if not _any_secret(gate["n_firms"]):
                far = protect_counts([round(share * float(gate["n_firms"]))], [str(g.missing)],
                                     "lacune_categorie")[0]
            if _any_secret(far):
                what = _t(lang, f"Il manque {g.missing} ; une partie des PME actives n'en a "
                                "aucun à portée (nombre couvert par le secret statistique).",
                          f"Missing: {g.missing}; some of the active SMEs have none within "
                          "reach (the number is confidential).")
            else:
                what = _t(lang, f"Il manque {g.missing} ; {format_percent(share, lang)} des PME "
                                "actives n'en ont aucun à portée.",
                          f"Missing: {g.missing}; {format_percent(share, lang)} of the active "
                          "SMEs have none within reach.")
        elif lang == "fr":
            what = str(g.evidence)
        else:
            what = {
                "isolated_actor": f"An actor without any active tie with another actor in "
                                  f"{year}.",
                "fragmented_territory": "The territory's tied actors lie in several "
                                        "components of the regional network.",
                "no_coordinator": "No actor is both among the most central of the region "
                                  "and tied to several categories.",
                "no_knowledge_export_tie": "Universities or labs without any tie to an "
                                           "export-support actor.",
                "no_international_link": "No actor is tied to foreign networks.",
            }.get(kind, str(g.evidence))
        rows.append([sev, what])
    frame = pd.DataFrame(rows, index=labels, columns=[_t(lang, "Gravité", "Severity"),
                                                      _t(lang, "Constat", "Finding")])
    return _make_table("lacunes_gouvernance", _t(lang, "Lacunes de gouvernance",
                                                 "Governance gaps"),
                       _t(lang, "Lacune", "Gap"), frame, lang,
                       formats=[lambda v: v] * 2,
                       note=_t(lang, "Règles : docs/network.md. Les acteurs nommés sont des "
                                     "institutions publiques.",
                               "Rules: docs/network.md. Named actors are public institutions."))


# ---------------------------------------------------------------------------
# 6. recommendations
# ---------------------------------------------------------------------------


def _recommendations(data: Any, level: str, code: str, mine: pd.DataFrame, lang: str,
                     protect: Any, protect_counts: Any, withhold: Any, gate: dict[str, Any],
                     row: pd.Series, ties_top: int, relay_sites: int,
                     distance_km: float) -> dict[str, Any]:
    """Section 6. ``gate``: the territory's counts as published; ``row``: its row of the
    published indicator table (the shares the sentences start from)."""
    from ecosystem.network import territory_data
    from ecosystem.planning.groups import (
        GROUP_COLUMNS,
        export_groups,
        group_effect,
        groups_by_sector,
    )
    from ecosystem.planning.relays import relay_effect, relay_plan
    from ecosystem.planning.ties import territory_ties, tie_recommendations

    out: dict[str, Any] = {"sentences": []}
    # -- ties -----------------------------------------------------------------------
    ties = tie_recommendations(data, ties_top)
    mine_ties = territory_ties(ties, data.live_actors(), level, code).head(5)
    rows, labels = [], []
    reached = protect_counts([int(t.gain_firms_reached) for t in mine_ties.itertuples()],
                             [f"tie {k + 1}" for k in range(len(mine_ties))],
                             "recommandations_liens")
    for t, firms_reached in zip(mine_ties.itertuples(index=False), reached, strict=True):
        labels.append(f"{t.source_name} ({_category_label(t.source_category, lang)})")
        rows.append([f"{t.target_name} ({_category_label(t.target_category, lang)})",
                     format_number(t.distance_km, lang, 0),
                     format_number(-int(t.gain_components), lang, 0, sign=True),
                     format_percent(t.gain_efficiency_pct / 100.0, lang, 1, sign=True),
                     format_number(firms_reached, lang, 0, sign=True)])
    tie_cols = [_t(lang, "avec", "with"), _t(lang, "Distance (km)", "Distance (km)"),
                _t(lang, "Composantes", "Components"),
                _t(lang, "Efficacité du réseau", "Network efficiency"),
                _t(lang, "PME atteignant la première ligne", "SMEs reaching the front line")]
    out["ties"] = _make_table(
        "recommandations_liens", _t(lang, "Nouveaux liens entre acteurs recommandés",
                                    "Recommended new ties between actors"),
        _t(lang, "Créer un lien entre", "Create a tie between"),
        pd.DataFrame(rows, index=labels, columns=tie_cols), lang,
        formats=[lambda v: v] * len(tie_cols),
        note=_t(lang, "Liens choisis pas à pas pour tout le réseau régional (composantes "
                      "réunies, efficacité globale, PME reliées à la première ligne en deux "
                      "étapes) ; effet de chaque lien une fois les précédents créés.",
                "Ties chosen step by step for the whole regional network (components joined, "
                "global efficiency, SMEs linked to the front line in two steps); the effect of "
                "each tie once the previous ones exist."))
    if not len(mine_ties):
        out["sentences"].append(_t(
            lang, f"Aucun des {len(ties)} premiers liens recommandés pour la région ne "
                  "concerne un acteur du territoire.",
            f"None of the first {len(ties)} ties recommended for the region involves an actor "
            "of the territory."))
    # -- relays -------------------------------------------------------------------------
    # the territory's firms and communes, every actor and tie (ecosystem.network)
    local = territory_data(data, level, code)
    relays = None
    n = len(mine)
    d = format_number(distance_km, lang)
    if len(local.firms) and len(local.territories):
        sites, _covered = relay_plan(local, relay_sites, distance_km)
        effect = relay_effect(sites, n)
        before, cov = int(effect["unserved_before"]), int(effect["covered"])
        # the plan rests on the territory's unserved and active firms: published only when
        # the gate publishes both, with these values (its shares would pin them down)
        if not _follows_gate({"n_unserved": before, "n_firms": n}, gate):
            withhold("recommandations_relais", {"n_unserved": gate["n_unserved"],
                                                "n_firms": gate["n_firms"]})
            out["sentences"].append(_t(
                lang, "Le nombre de PME non desservies du territoire est couvert par le secret "
                      "statistique : le plan de relais n'est pas publié.",
                "The number of unserved SMEs of the territory is confidential: the relay "
                "plan is not published."))
        elif not before:
            out["sentences"].append(_t(lang, "Toutes les PME du territoire ont un acteur de "
                                             "première ligne à portée : aucun relais à ouvrir.",
                                       "Every SME of the territory has a front-line actor "
                                       "within reach: no relay to open."))
        elif not len(sites):
            out["sentences"].append(_t(lang, "Aucun site de relais ne rapprocherait une PME non "
                                             "desservie d'un acteur de première ligne.",
                                       "No relay site would bring an unserved SME within reach "
                                       "of a front-line actor."))
        else:
            newly = _t(lang, "PME nouvellement desservies", "SMEs newly served")
            exp = sites["newly_covered_exporting"].astype(np.int64).to_numpy()
            vals = pd.DataFrame({
                _t(lang, "Exportatrices", "Exporters"): exp,
                _t(lang, "Non exportatrices", "Non-exporters"):
                    sites["newly_covered_firms"].astype(np.int64).to_numpy() - exp},
                index=[f"{r.name} ({r.commune})" for r in sites.itertuples(index=False)])
            pub = protect(vals, rows=True, cols=True, name_="recommandations_relais")
            title = _t(lang, "Sites de relais recommandés", "Recommended relay sites")
            header = _t(lang, "Commune du relais", "Relay commune")
            if pub is None:
                relays = _withheld_table("recommandations_relais", title, header, lang)
                covered: Any = SECRET
            else:
                covered = pub.at[TOTAL_LABEL, TOTAL_LABEL]
                relays = _make_table(
                    "recommandations_relais", title, header,
                    pub.rename(columns={TOTAL_LABEL: newly}), lang, total_rows=1,
                    note=_t(lang, "PME nouvellement desservies par chaque relais de première "
                                  "ligne, placé à la mairie de la commune ; une PME est "
                                  f"desservie à moins de {d} km (problème de couverture "
                                  "maximale pondéré par le potentiel export).",
                            "SMEs newly served by each front-line relay, placed at the "
                            f"commune's town hall; an SME is served within {d} km (maximal "
                            "covering problem weighted by export potential)."))
            # today's share is the gate's; the share after rests on the firms newly
            # served: given only when the table publishes their total
            share_before = format_percent(row["unserved_share"], lang)
            if _any_secret(covered):
                out["sentences"].append(_t(
                    lang,
                    f"Avec {len(sites)} relais, des PME aujourd'hui non desservies ({share_before}"
                    " des PME actives) le seraient ; leur nombre est couvert par le secret "
                    "statistique.",
                    f"With {len(sites)} relays, some of today's unserved SMEs ({share_before} of "
                    "the active SMEs) would be served; their number is confidential."))
            else:
                share_after = format_percent((before - cov) / n, lang)
                out["sentences"].append(_t(
                    lang,
                    f"Avec {len(sites)} relais, la part de PME non desservies passerait de "
                    f"{share_before} à {share_after} ({format_number(covered, lang)} PME "
                    "nouvellement desservies).",
                    f"With {len(sites)} relays, the share of unserved SMEs would fall from "
                    f"{share_before} to {share_after} ({format_number(covered, lang)} SMEs "
                    "newly served)."))
    out["relays"] = relays
    # -- export groups --------------------------------------------------------------------
    groups = export_groups(local) if len(local.firms) else pd.DataFrame(
        columns=list(GROUP_COLUMNS))
    gtable = None
    # the groups are made of firms not yet in a group: their number bounds the active
    # firms and today's members, published only when the gate publishes both
    members = int(group_effect(groups, mine)["members_before"])
    if len(groups) and not _follows_gate({"n_firms": n, "n_groupement": members}, gate):
        withhold("recommandations_groupements", {"n_firms": gate["n_firms"],
                                                 "n_groupement": gate["n_groupement"]})
        out["sentences"].append(_t(
            lang, "Le nombre de PME actives ou membres d'un groupement du territoire est couvert "
                  "par le secret statistique : les groupements à l'export proposés ne sont pas "
                  "publiés.",
            "The number of active SMEs or of members of an export group of the territory is "
            "confidential: the proposed export groups are not published."))
    elif len(groups):
        agg = groups_by_sector(groups)
        agg.index = [(_NAF_SECTIONS.get(sct, (sct, sct))[0 if lang == "fr" else 1])
                     for sct in agg.index]
        involved = _t(lang, "PME concernées", "SMEs involved")
        vals = pd.DataFrame({_t(lang, "Groupements proposés", "Proposed groups"):
                             agg["n_groups"].astype(np.int64).to_numpy(),
                             involved: agg["n_firms"].astype(np.int64).to_numpy()},
                            index=agg.index)
        counts = pd.DataFrame({c: agg["n_firms"].astype(np.int64).to_numpy()
                               for c in vals.columns}, index=agg.index)
        pub = protect(vals, counts, cols=True, name_="recommandations_groupements")
        title = _t(lang, "Groupements à l'export proposés, par secteur principal",
                   "Proposed export groups, by main sector")
        header = _t(lang, "Secteur principal (NAF)", "Main sector (NAF)")
        effect = group_effect(groups, mine)
        score = format_number(effect["mean_score"], lang, 0)
        if pub is None:
            gtable = _withheld_table("recommandations_groupements", title, header, lang)
            out["sentences"].append(_t(
                lang, f"Des groupements à l'export pourraient être formés (score de synergie "
                      f"moyen {score}/100) ; leurs effectifs sont couverts par le secret "
                      "statistique.",
                f"Export groups could be formed (mean synergy score {score}/100); their "
                "numbers are confidential."))
        else:
            gtable = _make_table(
                "recommandations_groupements", title, header, pub, lang, total_rows=1,
                note=_t(lang, "Groupements de 3 à 5 PME proches, non concurrentes (classes NAF "
                              "différentes) et de tailles comparables ; aucune entreprise "
                              "n'est nommée.",
                        "Groups of 3 to 5 nearby SMEs, not competing (different NAF classes) "
                        "and of comparable size; no firm is named."))
            n_groups = pub.at[TOTAL_LABEL, vals.columns[0]]
            n_new = pub.at[TOTAL_LABEL, involved]
            # today's share is the gate's; the share after pins down the firms of the
            # groups: given only when the table publishes their total
            if not _any_secret(n_new, n_groups):
                share_before = format_percent(row["groupement_share"], lang)
                share_after = format_percent(effect["share_after"], lang)
                out["sentences"].append(_t(
                    lang,
                    f"{n_groups} groupement{'s' if n_groups > 1 else ''} à l'export "
                    f"pourrai{'en' if n_groups > 1 else ''}t réunir "
                    f"{format_number(n_new, lang)} PME ; la part de PME en groupement "
                    f"passerait de {share_before} à {share_after} (score de synergie moyen "
                    f"{score}/100).",
                    f"{n_groups} export group{'s' if n_groups > 1 else ''} could bring "
                    "together "
                    f"{format_number(n_new, lang)} SMEs; the share of SMEs in a group would "
                    f"rise from {share_before} to {share_after} (mean synergy score "
                    f"{score}/100)."))
            else:
                out["sentences"].append(_t(
                    lang,
                    f"Des groupements à l'export pourraient être formés (score de synergie "
                    f"moyen {score}/100) ; leur nombre et celui des PME concernées sont "
                    "couverts par le secret statistique.",
                    f"Export groups could be formed (mean synergy score {score}/100); their "
                    "number and that of the SMEs involved are confidential."))
    else:
        out["sentences"].append(_t(lang, "Aucun groupement à l'export ne peut être proposé avec "
                                         "les PME éligibles du territoire.",
                                   "No export group can be proposed with the territory's "
                                   "eligible SMEs."))
    out["groups"] = gtable
    return out


# ---------------------------------------------------------------------------
# 7. annex
# ---------------------------------------------------------------------------


def _annex(reg: Registry, lang: str, meta: dict[str, Any]) -> dict[str, Any]:
    rows, labels = [], []
    for i in catalogue.INDICATORS:
        labels.append(_label(i, lang))
        direction = {1: "↑", -1: "↓", 0: "–"}[i.direction]
        rows.append([_dim_label(i.dimension, lang), i.formula.replace("`", ""), i.unit,
                     direction, i.source])
    cols = [_t(lang, "Dimension", "Dimension"), _t(lang, "Définition", "Definition"),
            _t(lang, "Unité", "Unit"), _t(lang, "Sens", "Direction"),
            _t(lang, "Source", "Source")]
    cat = _make_table("annexe_indicateurs", _t(lang, "Définition des indicateurs",
                                               "Definition of the indicators"),
                      _t(lang, "Indicateur", "Indicator"),
                      pd.DataFrame(rows, index=labels, columns=cols), lang,
                      formats=[lambda v: v] * len(cols),
                      note=_t(lang, "Définitions du catalogue des indicateurs (rédigées en "
                                    "anglais dans le catalogue) ; ↑ : plus est mieux, ↓ : moins "
                                    "est mieux.",
                              "Definitions from the indicator catalogue; ↑: more is better, "
                              "↓: less is better."))
    info = reg.info()
    layers = info.get("layers", {})
    years = ", ".join(map(str, info.get("years", [])))
    sources: list[str] = []
    for layer in ("actors", "firms"):
        try:
            src = reg.read(layer, columns=["source"])["source"].astype("str").fillna("")
        except Exception:  # pragma: no cover - a registry without the column
            continue
        top = [x if len(x) <= 90 else x[:89].rsplit(" ", 1)[0] + "…"
               for x in src.value_counts().index[:3] if x and x != "<NA>"]
        if top:
            sources.append((_t(lang, "acteurs", "actors") if layer == "actors" else
                            _t(lang, "PME", "SMEs")) + " : " + " ; ".join(top))
    s = get_settings()
    share = format_percent(s.sdc_dominance_share, lang, 0)
    rules = _t(
        lang,
        ["Les effectifs d'entreprises des territoires (PME actives, exportatrices, "
         "exportatrices proactives, born global, membres d'un groupement, non desservies) et "
         "la somme des poids de leurs certifications ISO sont protégés par τ-Argus sur toute "
         "la hiérarchie territoriale (communes, EPCI, départements, région et total) : une "
         f"cellule de 1 à {s.sdc_min_firms - 1} entreprises (règle de fréquence) ou dont la "
         f"plus grande contribution dépasse {share} du total (règle de dominance) est masquée "
         "(« s »), puis d'autres cellules sont masquées (secret secondaire) pour qu'aucun "
         "total ne permette de la retrouver ni de l'encadrer de trop près.",
         "Un indicateur calculé à partir des entreprises n'est publié que si tous les "
         "effectifs dont il dépend le sont ; une valeur de l'année de comparaison et une "
         "évolution, que si les effectifs de ces années le sont. L'indice composite, ses "
         "dimensions, son rang et son intervalle de rang sont recalculés à partir des seules "
         "valeurs publiées.",
         "Médianes et rangs parmi les territoires comparables : calculés sur les seules "
         "valeurs publiées ; « 2/9 » signifie 2e sur 9 valeurs publiées, et une valeur "
         "masquée n'y entre pas.",
         "Les tableaux croisés sur les PME du territoire et les effectifs des recommandations "
         "suivent les mêmes règles de fréquence, de dominance et de secret secondaire ; un "
         "tableau ou une phrase qui redonnerait un effectif masqué du territoire n'est pas "
         "publié, ou est donné sans ses nombres.",
         "Aucune entreprise n'est nommée ni localisée ; les acteurs d'appui sont des "
         "institutions publiques et sont nommés.",
         "Le détail des cellules masquées est consigné dans un fichier réservé au personnel, "
         "qui n'est pas publié avec le rapport."],
        ["The firm counts of the territories (active SMEs, exporters, proactive exporters, "
         "born-global firms, export-group members, unserved firms) and the sum of the weights "
         "of their ISO certificates are protected by τ-Argus over the whole territorial "
         "hierarchy (municipalities, EPCIs, départements, region and total): a cell of 1 to "
         f"{s.sdc_min_firms - 1} firms (frequency rule) or whose largest contribution is over "
         f"{share} of the total (dominance rule) is hidden (“s”), then further cells are hidden "
         "(secondary suppression) so that no total gives it away or bounds it too closely.",
         "An indicator computed from firms is published only when every count it rests on "
         "is; a value of the comparison year and a change, only when the counts of those "
         "years are. The composite index, its dimensions, its rank and its rank interval are "
         "computed again from the published values only.",
         "Medians and ranks among comparable territories: computed over the published values "
         "only; “2/9” means 2nd of 9 published values, and a hidden value does not enter.",
         "The SME cross tables of the territory and the counts of the recommendations follow "
         "the same frequency, dominance and secondary rules; a table or a sentence that would "
         "give away a hidden count of the territory is not published, or is given without its "
         "numbers.",
         "No firm is named or located; support actors are public institutions and are named.",
         "The details of the hidden cells are kept in a staff-only file, which is not "
         "published with the report."])
    data_lines = _t(
        lang,
        [f"Registre : {layers.get('actors', 0)} acteurs, {layers.get('firms', 0)} observations "
         f"de PME, {layers.get('relations', 0)} liens ; années {years}.",
         f"Empreinte SHA-256 du registre : {meta['registry_sha256']}."],
        [f"Registry: {layers.get('actors', 0)} actors, {layers.get('firms', 0)} SME "
         f"observations, {layers.get('relations', 0)} ties; years {years}.",
         f"SHA-256 fingerprint of the registry: {meta['registry_sha256']}."])
    return {"catalogue": cat, "rules": rules, "data": data_lines + sources,
            "method": _t(lang, _METHOD_FR, _METHOD_EN)}


_METHOD_FR = [
    "Indice composite : chaque indicateur est orienté (× −1 quand moins est mieux), normalisé "
    "entre les territoires du niveau et de l'année (min-max), moyenné par dimension, puis les "
    "dimensions sont moyennées (poids égaux). L'intervalle de rang résulte de tirages de "
    "Monte-Carlo sur les poids (± 25 %) et la normalisation.",
    "Distances : en ligne droite en Lambert-93 (EPSG:2154). Une PME est non desservie quand "
    "aucun acteur de première ligne (CCI, Team France Export, CCE, Bpifrance, club export) "
    "actif dans l'année n'est à moins de la distance seuil.",
    "Recommandations : liens choisis pas à pas selon leur gain pour le réseau régional ; "
    "relais placés par un problème de couverture maximale (PySAL spopt) ; groupements à "
    "l'export de 3 à 5 PME proches, non concurrentes et de tailles comparables.",
]
_METHOD_EN = [
    "Composite index: each indicator is oriented (× −1 when less is better), normalised across "
    "the territories of the level and year (min-max), averaged by dimension, then the "
    "dimensions are averaged (equal weights). The rank interval comes from Monte-Carlo draws "
    "of the weights (± 25%) and of the normalisation.",
    "Distances: straight line in Lambert-93 (EPSG:2154). An SME is unserved when no front-line "
    "actor (CCI, Team France Export, CCE, Bpifrance, export club) active in the year lies "
    "within the threshold distance.",
    "Recommendations: ties chosen step by step by their gain for the regional network; relays "
    "placed by a maximal covering problem (PySAL spopt); export groups of 3 to 5 nearby, "
    "non-competing SMEs of comparable size.",
]


