"""The catalogue of territorial indicators: every indicator documented once.

Each :class:`Indicator` gives a column of the table of
:func:`ecosystem.indicators.compute_indicators`: its name, French and English
labels, dimension, formula, unit, direction (whether more is better) and source
in the seeds (``../shared/seeds``). The report, the dashboard and the docs read
this catalogue; ``docs/indicators.md`` is generated from it
(``python -m ecosystem.catalogue docs/indicators.md``) and a test checks that the
page is up to date.

Every indicator also declares its missing-value policy (PRODUCT.md, "missing is not
zero"): :attr:`Indicator.when_empty` says what it gives where what it counts is absent
(``zero``: 0; ``empty``: no value, its denominator being absent; ``no_data``: no
value, its inputs being missing), and :attr:`Indicator.cases` lists every absence a
territory of the table can show (:data:`ABSENCES`: no actor, no firm, no survey...)
with what the indicator gives then. :data:`POLICIES` says how the composite index
treats each outcome.

Dimensions are the four D of seed 001 (*Densité*, *Diversité*, *Dynamique*,
*Directionalité*), plus the proximity and infrastructure indicators (seed 001's
first indicator, "infrastructures de communication rapides"), the context counts
and the composite index.

Examples
--------
>>> get("iso_density").direction
1
>>> get("unserved_share").label_en
'Share of unserved SMEs'
>>> [i.name for i in composite_members("diversity")]
['category_coverage', 'category_reach', 'category_evenness']
>>> get("category_coverage").when_empty, outcome("category_coverage", ["no_actor"])
('zero', 'zero')
>>> outcome("actors_per_100_exporters", ["no_actor", "no_exporter"])
'empty'
>>> missing_text("proactive_share", "en")
'0 when nothing is counted; empty when the territory has no exporting firm.'
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

__all__ = [
    "Indicator",
    "Dimension",
    "Absence",
    "Policy",
    "WhenEmpty",
    "ABSENCES",
    "POLICIES",
    "DIMENSIONS",
    "COMPOSITE_DIMENSIONS",
    "INDICATORS",
    "get",
    "names",
    "composite_members",
    "outcome",
    "missing_text",
    "catalogue_frame",
    "render_markdown",
    "update_markdown",
    "MARK_START",
    "MARK_END",
]


@dataclass(frozen=True)
class Dimension:
    """A dimension of the indicators.

    Attributes
    ----------
    code : str
        ``density``, ``diversity``, ``dynamism``, ``governance``, ``accessibility``,
        ``context`` or ``composite``.
    label_fr, label_en : str
    source : str
        Where the seeds define it.
    """

    code: str
    label_fr: str
    label_en: str
    source: str


#: The three outcomes of the missing-value policy.
WhenEmpty = Literal["zero", "empty", "no_data"]


@dataclass(frozen=True)
class Policy:
    """One outcome of the missing-value policy and its treatment by the composite index.

    Attributes
    ----------
    code : {"zero", "empty", "no_data"}
    label_fr, label_en : str
        How the outcome prints (``0``, *vide*, *pas de donnée*).
    meaning_fr, meaning_en : str
        When it applies.
    composite_fr, composite_en : str
        What :func:`ecosystem.composite.imi` does with it.
    """

    code: str
    label_fr: str
    label_en: str
    meaning_fr: str
    meaning_en: str
    composite_fr: str
    composite_en: str


_LEFT_OUT_EN = (
    "Left out, never imputed: the territory's dimension score is the mean of its other "
    "normalised indicators of the dimension; a dimension with no value left is left out "
    "of the territory's imi and the weights of the other dimensions are rescaled.")
_LEFT_OUT_FR = (
    "Laissée de côté, jamais imputée : le score de la dimension est la moyenne des autres "
    "indicateurs normalisés de la dimension pour ce territoire ; une dimension sans "
    "aucune valeur est écartée de son imi et les poids des autres dimensions sont "
    "remis à l'échelle.")

#: The outcomes, in order: ``zero``, ``empty``, ``no_data``.
POLICIES: dict[str, Policy] = {p.code: p for p in (
    Policy("zero", "0", "0",
           "La valeur est 0 quand ce que l'indicateur compte est absent (un territoire "
           "sans acteur couvre 0 catégorie, a 0 nouveau lien, 0 acteur pour 100 PME "
           "exportatrices quand il en a).",
           "The value is 0 when what the indicator counts is absent (a territory without "
           "actors covers 0 categories, has 0 new ties, 0 actors per 100 exporting SMEs "
           "when it has some).",
           "Entre dans l'indice comme une valeur : normalisée avec les autres, elle place "
           "le territoire au plus bas sur l'indicateur (au mieux pour un indicateur dont "
           "la baisse est un progrès).",
           "Enters the index as a value: normalised with the others, it places the "
           "territory lowest on the indicator (best, for an indicator where less is "
           "better)."),
    Policy("empty", "vide", "empty",
           "Pas de valeur : l'indicateur n'est pas défini, son dénominateur étant absent "
           "(part des PME exportatrices d'un territoire sans PME exportatrice, croissance "
           "sans PME exportatrice l'année précédente).",
           "No value: the indicator is undefined, its denominator being absent (a share "
           "of exporting SMEs in a territory without any, growth without an exporting "
           "SME the year before).",
           _LEFT_OUT_FR, _LEFT_OUT_EN),
    Policy("no_data", "pas de donnée", "no data",
           "Pas de valeur : les données d'entrée manquent (pas d'enquête, pas de fichier "
           "haut débit, pas de couche d'infrastructures, pas d'année précédente).",
           "No value: the inputs themselves are missing (no survey, no broadband file, no "
           "infrastructure layer, no previous year).",
           _LEFT_OUT_FR, _LEFT_OUT_EN),
)}


@dataclass(frozen=True)
class Absence:
    """Something a territory of the indicator table can lack.

    Attributes
    ----------
    code : str
    label_fr, label_en : str
        The condition, as a clause (``the territory has no active actor``).
    """

    code: str
    label_fr: str
    label_en: str


_SUBJECT_FR, _SUBJECT_EN = "le territoire ", "the territory "

#: What a territory of the table can lack, by code (the ``cases`` of the indicators).
ABSENCES: dict[str, Absence] = {a.code: a for a in (
    Absence("no_firm", "le territoire n'a aucune PME active (il figure pour ses acteurs)",
            "the territory has no active firm (it is in the table for its actors)"),
    Absence("no_exporter", "le territoire n'a aucune PME exportatrice",
            "the territory has no exporting firm"),
    Absence("no_actor", "le territoire n'a aucun acteur actif",
            "the territory has no active actor"),
    Absence("one_actor", "le territoire n'a qu'un acteur actif",
            "the territory has a single active actor"),
    Absence("one_category", "le territoire n'a que des acteurs d'une même catégorie",
            "the territory has actors of one category only"),
    Absence("no_exporter_before", "le territoire n'avait aucune PME exportatrice en y − 1",
            "the territory had no exporting firm in y − 1"),
    Absence("no_year_before", "le registre n'a aucune observation de PME pour y − 1",
            "the registry has no firm observation for y − 1"),
    Absence("no_area", "la superficie du territoire est inconnue (pas de couche des "
            "territoires)", "the territory's area is unknown (no territories layer)"),
    Absence("no_infrastructure", "le registre n'a aucune infrastructure de ce type",
            "the registry has no infrastructure of that kind"),
    Absence("no_broadband", "aucune part FTTH n'est connue pour les communes des PME du "
            "territoire (pas de fichier haut débit)",
            "no FTTH share is known for the communes of the territory's firms (no "
            "broadband file)"),
    Absence("no_survey", "aucune enquête ne porte sur le territoire et l'année",
            "no survey covers the territory and year"),
    Absence("no_dimension_value", "aucun indicateur de la dimension n'a de valeur pour le "
            "territoire qui varie entre les territoires du niveau et de l'année",
            "none of the dimension's indicators has a value for the territory that varies "
            "across the territories of the level and year"),
    Absence("no_index_value", "aucune dimension n'a de valeur pour le territoire (un "
            "niveau d'un seul territoire, par exemple)",
            "no dimension has a value for the territory (a level with a single "
            "territory, for instance)"),
)}


@dataclass(frozen=True)
class Indicator:
    """One indicator (one column of the indicator table).

    Attributes
    ----------
    name : str
        Column name.
    label_fr, label_en : str
        Labels shown to users.
    dimension : str
        Code of its :class:`Dimension`.
    formula : str
        Exact definition, in words and symbols (Markdown).
    unit : str
        Unit of the value.
    direction : int
        ``1``: more is better; ``-1``: less is better; ``0``: neither (context).
    source : str
        Source in the seeds (``seed 001`` is O. Torrès' paper) or in the issues.
    composite : bool
        Whether it enters the composite index (``imi``).
    dtype : str
        ``int``, ``float`` or ``bool``.
    when_empty : {"zero", "empty", "no_data"}
        Its missing-value policy: what it gives in a territory of the table where what
        it counts (its numerator) is absent, its denominator being present. ``zero``:
        0 (``False`` for a yes/no); ``empty``: no value, the indicator being undefined
        there; ``no_data``: no value, its inputs being missing. See :data:`POLICIES`.
    cases : tuple of (str, str)
        Every absence of :data:`ABSENCES` that changes the indicator, with what it
        gives then (``zero``, ``empty`` or ``no_data``); an absence not listed leaves
        it a value computed by its formula. Read them with :func:`outcome`.
    """

    name: str
    label_fr: str
    label_en: str
    dimension: str
    formula: str
    unit: str
    direction: int
    source: str
    composite: bool = False
    dtype: str = "float"
    when_empty: WhenEmpty = "zero"
    cases: tuple[tuple[str, WhenEmpty], ...] = ()


_DIMENSION_LIST = (
    Dimension("context", "Contexte", "Context",
              "PRODUCT.md: territory indicators count the firms and actors located in the "
              "territory (by commune code)."),
    Dimension("density", "Densité", "Density",
              "Seed 001: the four D, « Densité, Diversité, Dynamique et Directionalité »; the "
              "first two « sont quantitatifs et aisément repérables »."),
    Dimension("diversity", "Diversité", "Diversity",
              "Seed 001: the four D; the variety of the « structures de proximité à vocation "
              "internationale »."),
    Dimension("dynamism", "Dynamique", "Dynamism",
              "Seed 001: the four D; the last two « nécessite[nt] en revanche des enquêtes en "
              "profondeur »; the data give their observable traces."),
    Dimension("governance", "Directionalité", "Governance (directionality)",
              "Seed 001: Directionalité « dans le double sens de Gouvernance et de Stratégie », "
              "the coordination of the actors (activation résiliaire, Fourcade)."),
    Dimension("accessibility", "Proximité et infrastructures", "Proximity and infrastructure",
              "Seed 001: « le milieu doit être doté d'infrastructures de communication "
              "rapides » (airport, motorway, port, broadband) and the proximity principle."),
    Dimension("composite", "Indice composite", "Composite index",
              "Issue 4: indice de milieu internationalisant, after the OECD/JRC Handbook on "
              "Constructing Composite Indicators (2008) and the COINr package."),
)

#: Dimensions by code.
DIMENSIONS: dict[str, Dimension] = {d.code: d for d in _DIMENSION_LIST}

#: Dimensions averaged into the composite index, in order.
COMPOSITE_DIMENSIONS: tuple[str, ...] = (
    "density", "diversity", "dynamism", "governance", "accessibility",
)

_D = "*d* (`settings.unserved_distance_km`, 30 km)"

_INDICATOR_LIST: tuple[Indicator, ...] = (
    # -- context ------------------------------------------------------------------------
    Indicator(
        "n_firms", "PME actives", "Active SMEs", "context",
        "Firms with an observation for the year, located in the territory.",
        "firms", 0, "PRODUCT.md (active firm).", dtype="int",
        when_empty="zero", cases=(("no_firm", "zero"),),
    ),
    Indicator(
        "n_exporters", "PME exportatrices", "Exporting SMEs", "context",
        "Active firms of the territory whose stage is `indirect_export` or beyond.",
        "firms", 0, "PRODUCT.md (exporting firm); seed 000 (stages).", dtype="int",
        when_empty="zero", cases=(("no_exporter", "zero"),),
    ),
    Indicator(
        "n_actors", "Acteurs d'appui actifs", "Active support actors", "context",
        "Actors of any category active in the year (`since <= y`, `until` empty or "
        "`>= y`), located in the territory.",
        "actors", 0, "Seed 001 (structures de proximité à vocation internationale).",
        dtype="int",
        when_empty="zero", cases=(("no_actor", "zero"),),
    ),
    # -- density ------------------------------------------------------------------------
    Indicator(
        "actors_per_100_exporters", "Acteurs pour 100 PME exportatrices",
        "Actors per 100 exporting SMEs", "density",
        "100 × `n_actors` / `n_exporters`.",
        "actors per 100 exporters", 1, "Seed 001: Densité of the support actors.",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"), ("no_exporter", "empty")),
    ),
    Indicator(
        "actors_per_1000_km2", "Acteurs pour 1 000 km²", "Actors per 1,000 km²", "density",
        "1000 × `n_actors` / area of the territory in km² (`territories.area_km2`).",
        "actors per 1,000 km²", 1,
        "Seed 001: Densité; the proximity principle (« au delà d'une distance, le "
        "dispositif n'est plus visible »).",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"), ("no_area", "no_data")),
    ),
    Indicator(
        "exporters_per_1000_firms", "PME exportatrices pour 1 000 PME",
        "Exporting SMEs per 1,000 SMEs", "density",
        "1000 × `n_exporters` / `n_firms`.",
        "exporters per 1,000 firms", 1,
        "Seed 001: « plus un milieu est internationalisé, plus il devient "
        "internationalisant ».",
        composite=True,
        when_empty="zero", cases=(("no_exporter", "zero"), ("no_firm", "empty")),
    ),
    Indicator(
        "iso_density", "Densité ISO pondérée", "Quality-weighted ISO density", "density",
        "100 × (Σ over the territory's active firms of the weight of the firm's best ISO "
        "certificate) / `n_firms`; weights `settings.ISO_WEIGHTS`: 9001 = 1, 9002 = 0.75, "
        "9003 = 0.5, any other standard 0.5, none 0.",
        "weighted certified firms per 100 firms", 1,
        "Seed 001: « La densité d'entreprises certifiées aux normes ISO est un indice de "
        "mesure quantitatif mais aussi qualitatif (ISO 9001 préférable à ISO 9002, et à "
        "9003) ».",
        composite=True,
        when_empty="zero", cases=(("no_firm", "empty"),),
    ),
    # -- diversity ----------------------------------------------------------------------
    Indicator(
        "category_coverage", "Couverture des catégories de référence",
        "Coverage of the reference categories", "diversity",
        "Distinct categories of `settings.REFERENCE_CATEGORIES` (10) among the "
        "territory's active actors / 10.",
        "share (0-1)", 1,
        "Seed 001: Diversité of the actors (CCI, DRCE, CCE, COFACE, clubs, universities, "
        "incubators, consultants, logistics, banks); issue 2 (reference set).",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"),),
    ),
    Indicator(
        "category_reach", "Catégories de référence à portée",
        "Reference categories within reach", "diversity",
        f"Mean over the territory's active firms of (reference categories with an active "
        f"actor within {_D}) / 10; from `proximity.nearest_actors` "
        "(`n_reference_categories_within_d`), actors of any territory counting.",
        "share (0-1)", 1, "Seed 001: Diversité and the proximity principle.",
        composite=True,
        when_empty="zero", cases=(("no_firm", "empty"),),
    ),
    Indicator(
        "category_evenness", "Équilibre des catégories d'acteurs",
        "Evenness of actor categories", "diversity",
        "Pielou's evenness J = H / ln S of the categories (all 20 of the taxonomy) of the "
        "territory's active actors, H = −Σ p_c ln p_c, p_c the share of actors of category "
        "c, S the number of categories present; 0 when S < 2 (H is 0: no variety, one "
        "category holding every actor, or none).",
        "index (0-1)", 1, "Seed 001: Diversité (a variety of actors, none dominating).",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"), ("one_category", "zero")),
    ),
    # -- dynamism -----------------------------------------------------------------------
    Indicator(
        "exporter_growth", "Croissance des PME exportatrices", "Growth of exporting SMEs",
        "dynamism",
        "(`n_exporters`(y) − `n_exporters`(y − 1)) / `n_exporters`(y − 1).",
        "relative change", 1,
        "Seed 001: Dynamique; « phénomène d'autorenforcement » of the milieu.",
        composite=True,
        when_empty="empty",
        cases=(("no_exporter_before", "empty"), ("no_firm", "empty"),
               ("no_year_before", "no_data")),
    ),
    Indicator(
        "new_ties", "Nouveaux liens", "New ties", "dynamism",
        "Ties active in y that start in y (`relations.year == y`) with at least one end "
        "an actor of the territory (actor–actor, actor–firm); a tie between two actors of "
        "the territory counts once.",
        "ties", 1,
        "Seed 001: « Le maillage entre les entreprises et les institutions s'inscrit "
        "nécessairement dans le temps ».",
        dtype="int",
        when_empty="zero", cases=(("no_actor", "zero"),),
    ),
    Indicator(
        "new_ties_per_actor", "Nouveaux liens par acteur", "New ties per actor", "dynamism",
        "`new_ties` / `n_actors`.",
        "ties per actor", 1, "Seed 001: Dynamique of the actor network.",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"),),
    ),
    Indicator(
        "proactive_exporters", "PME exportatrices proactives", "Proactive exporters",
        "dynamism",
        "Exporting firms with posture `proactive` (a missing posture is not proactive).",
        "firms", 1, "Seed 000 (B. Allali): proactive vs reactive postures.",
        dtype="int",
        when_empty="zero", cases=(("no_firm", "zero"),),
    ),
    Indicator(
        "proactive_share", "Part de PME exportatrices proactives",
        "Share of proactive exporters", "dynamism",
        "Exporting firms with posture `proactive` / `n_exporters` (a missing posture is "
        "not proactive).",
        "share (0-1)", 1, "Seed 000 (B. Allali): proactive vs reactive postures.",
        composite=True,
        when_empty="zero", cases=(("no_exporter", "empty"),),
    ),
    Indicator(
        "born_global_count", "PME « born global »", "Born-global SMEs", "dynamism",
        "Active firms that are born global: one observation up to y made within 3 years of "
        "creation shows an export share of at least 20 % (`proximity.born_global_mask`).",
        "firms", 1, "Seed 003: born global = 20 % of sales abroad within 3 years.",
        dtype="int",
        when_empty="zero", cases=(("no_firm", "zero"),),
    ),
    Indicator(
        "born_global_per_1000_firms", "PME « born global » pour 1 000 PME",
        "Born-global SMEs per 1,000 SMEs", "dynamism",
        "1000 × `born_global_count` / `n_firms`.",
        "firms per 1,000 firms", 1, "Seed 003.",
        composite=True,
        when_empty="zero", cases=(("no_firm", "empty"),),
    ),
    Indicator(
        "groupement_members", "Membres de groupements à l'export", "Export-group members",
        "dynamism",
        "Active firms whose `groupement` is not empty.",
        "firms", 1,
        "Seed 001: the groupement à l'export « renforce donc la densité, la diversité et le "
        "dynamisme du milieu internationalisant ».",
        dtype="int",
        when_empty="zero", cases=(("no_firm", "zero"),),
    ),
    Indicator(
        "groupement_share", "Part de PME en groupement à l'export",
        "Share of SMEs in an export group", "dynamism",
        "`groupement_members` / `n_firms`.",
        "share (0-1)", 1, "Seed 001 (groupement à l'export).",
        composite=True,
        when_empty="zero", cases=(("no_firm", "empty"),),
    ),
    Indicator(
        "survey_dynamique", "Enquête : Dynamique", "Survey: dynamism", "dynamism",
        "Mean of the item scores of dimension `dynamique` of the territory's survey for "
        "the year (`ecosystem.survey`, Likert 1-5).",
        "Likert score (1-5)", 1,
        "Seed 001: Dynamique and Directionalité « nécessite[nt] en revanche des enquêtes "
        "en profondeur ».",
        composite=True,
        when_empty="no_data", cases=(("no_survey", "no_data"),),
    ),
    # -- governance ---------------------------------------------------------------------
    Indicator(
        "network_cohesion", "Cohésion du réseau d'acteurs", "Actor network cohesion",
        "governance",
        "Share of the territory's active actors in the largest connected component of the "
        "actor–actor tie graph restricted to them (`network.actor_graph`).",
        "share (0-1)", 1,
        "Seed 001: « l'impression qui prévaut est trop souvent celle d'un éparpillement "
        "des forces et des moyens ».",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"),),
    ),
    Indicator(
        "coordination_density", "Densité de coordination", "Coordination density",
        "governance",
        "Density of that graph: tied pairs / (n (n − 1) / 2), n the territory's active "
        "actors; 0 when n < 2 (no pair to tie; networkx's `density` gives 0 too).",
        "share (0-1)", 1,
        "Seed 001: « La coordination des efforts de cet ensemble hétérogène est une "
        "nécessité ».",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"), ("one_actor", "zero")),
    ),
    Indicator(
        "has_coordinator", "Présence d'un coordinateur", "Has a coordinator", "governance",
        "True when an active actor of the territory has a betweenness (normalised, "
        "`network.actor_metrics`) in the top 5 % of its région's actor graph "
        "(`settings.coordinator_top_share`: at least the k-th largest value, k = ⌈0.05 n⌉, "
        "and above 0) and ties to at least 3 categories "
        "(`settings.coordinator_min_categories`).",
        "yes/no", 1,
        "Seed 001: the CCI's export service « devient le coordonateur d'un projet "
        "collectif » (directionalité).",
        composite=True, dtype="bool",
        when_empty="zero", cases=(("no_actor", "zero"),),
    ),
    Indicator(
        "external_openness", "Ouverture internationale des acteurs",
        "External openness of actors", "governance",
        "Active actors of the territory with `international_links` / `n_actors`.",
        "share (0-1)", 1,
        "Seed 001: « Les réseaux technopolitains et territorialisés doivent opérer une "
        "connection avec le reste du monde ».",
        composite=True,
        when_empty="zero", cases=(("no_actor", "zero"),),
    ),
    Indicator(
        "survey_directionalite", "Enquête : Directionalité", "Survey: directionality",
        "governance",
        "Mean of the item scores of dimension `directionalite` of the territory's survey "
        "for the year (`ecosystem.survey`, Likert 1-5).",
        "Likert score (1-5)", 1,
        "Seed 001: Directionalité needs « des enquêtes en profondeur ».",
        composite=True,
        when_empty="no_data", cases=(("no_survey", "no_data"),),
    ),
    # -- accessibility ------------------------------------------------------------------
    Indicator(
        "unserved_firms", "Nombre de PME non accompagnées", "Number of unserved SMEs",
        "accessibility",
        f"Active firms with no active actor of `settings.unserved_categories` (front line) "
        f"within {_D} (from `proximity.nearest_actors`).",
        "firms", -1,
        "Seed 001: « au delà d'une distance, le dispositif n'est plus visible »; "
        "PRODUCT.md (unserved).",
        dtype="int",
        when_empty="zero", cases=(("no_firm", "zero"),),
    ),
    Indicator(
        "unserved_share", "Part de PME non accompagnées", "Share of unserved SMEs",
        "accessibility",
        f"Active firms with no active actor of `settings.unserved_categories` (front line) "
        f"within {_D} / `n_firms` (from `proximity.nearest_actors`).",
        "share (0-1)", -1,
        "Seed 001: « au delà d'une distance, le dispositif n'est plus visible »; "
        "PRODUCT.md (unserved).",
        composite=True,
        when_empty="zero", cases=(("no_firm", "empty"),),
    ),
    Indicator(
        "access_2sfca_mean", "Accessibilité à l'appui (2SFCA)", "Access to support (2SFCA)",
        "accessibility",
        f"Mean over the territory's active firms of the 2SFCA of the front-line actors "
        f"within {_D}, supply = capacity (`accessibility.firm_accessibility`); 0 for a firm "
        "with no such actor within d.",
        "accompaniments a year per firm", 1,
        "Seed 001 (proximity principle); Luo & Wang 2003 (2SFCA).",
        composite=True,
        when_empty="zero", cases=(("no_firm", "empty"),),
    ),
    Indicator(
        "airport_km_median", "Distance médiane à un aéroport", "Median distance to an airport",
        "accessibility",
        "Median over the territory's active firms of the distance to the nearest airport "
        "with an IATA code (`proximity.infrastructure_access`).",
        "km", -1, "Seed 001: « La proximité d'un aéroport ».",
        composite=True,
        when_empty="no_data",
        cases=(("no_infrastructure", "no_data"), ("no_firm", "empty")),
    ),
    Indicator(
        "port_km_median", "Distance médiane à un port", "Median distance to a port",
        "accessibility",
        "Median over the territory's active firms of the distance to the nearest port.",
        "km", -1, "Seed 001: « une zone portuaire ».",
        composite=True,
        when_empty="no_data",
        cases=(("no_infrastructure", "no_data"), ("no_firm", "empty")),
    ),
    Indicator(
        "road_km_median", "Distance médiane au réseau autoroutier",
        "Median distance to the motorway network", "accessibility",
        "Median over the territory's active firms of the distance to the nearest major "
        "road node.",
        "km", -1, "Seed 001: « un réseau autoroutier ».",
        composite=True,
        when_empty="no_data",
        cases=(("no_infrastructure", "no_data"), ("no_firm", "empty")),
    ),
    Indicator(
        "rail_km_median", "Distance médiane au réseau ferré", "Median distance to rail",
        "accessibility",
        "Median over the territory's active firms of the distance to the nearest rail node.",
        "km", -1, "Seed 001: « mobilité des hommes et des marchandises ».",
        composite=True,
        when_empty="no_data",
        cases=(("no_infrastructure", "no_data"), ("no_firm", "empty")),
    ),
    Indicator(
        "broadband_ftth_share", "Part de locaux raccordables FTTH", "FTTH coverage",
        "accessibility",
        "Mean over the territory's active firms of their commune's share of premises with "
        "FTTH (latest value of a year <= y in the `broadband` layer), firms of a commune "
        "without a value left out.",
        "share (0-1)", 1, "Seed 001: « l'accès à un réseau à haut débit (ADSL) ».",
        composite=True,
        when_empty="no_data", cases=(("no_broadband", "no_data"), ("no_firm", "empty")),
    ),
    # -- composite ----------------------------------------------------------------------
    Indicator(
        "imi_density", "IMI : densité", "IMI: density", "composite",
        "Mean of the normalised, oriented indicators of dimension density that are "
        "available for the territory; × 100 with min-max and rank normalisation.",
        "score (0-100)", 1, "Issue 4; OECD/JRC handbook (aggregation within a pillar).",
        when_empty="empty", cases=(("no_dimension_value", "empty"),),
    ),
    Indicator(
        "imi_diversity", "IMI : diversité", "IMI: diversity", "composite",
        "Same, dimension diversity.", "score (0-100)", 1, "Issue 4.",
        when_empty="empty", cases=(("no_dimension_value", "empty"),),
    ),
    Indicator(
        "imi_dynamism", "IMI : dynamique", "IMI: dynamism", "composite",
        "Same, dimension dynamism.", "score (0-100)", 1, "Issue 4.",
        when_empty="empty", cases=(("no_dimension_value", "empty"),),
    ),
    Indicator(
        "imi_governance", "IMI : directionalité", "IMI: governance", "composite",
        "Same, dimension governance.", "score (0-100)", 1, "Issue 4.",
        when_empty="empty", cases=(("no_dimension_value", "empty"),),
    ),
    Indicator(
        "imi_accessibility", "IMI : proximité et infrastructures", "IMI: accessibility",
        "composite",
        "Same, dimension accessibility.", "score (0-100)", 1, "Issue 4.",
        when_empty="empty", cases=(("no_dimension_value", "empty"),),
    ),
    Indicator(
        "imi", "Indice de milieu internationalisant", "Internationalising-milieu index",
        "composite",
        "Each indicator marked *composite* is oriented (× −1 when less is better), "
        "normalised across the territories of the level and year "
        "(`settings.imi_normalisation`: min-max by default, z-score or rank; an indicator "
        "equal for all territories is left out), averaged within each dimension (a 0 is a "
        "value; an empty or no-data value is left out, never imputed), then the "
        "dimensions are averaged with `settings.imi_weights` (equal by default; a "
        "dimension with no value for the territory is left out and the weights of the "
        "others rescaled); × 100 with min-max and rank normalisation.",
        "score (0-100)", 1,
        "Issue 4; OECD/JRC Handbook on Constructing Composite Indicators (2008); COINr.",
        when_empty="empty", cases=(("no_index_value", "empty"),),
    ),
    Indicator(
        "imi_rank", "Rang IMI", "IMI rank", "composite",
        "Rank of `imi` among the territories of the level and year, 1 = highest (ties "
        "share the best rank).",
        "rank", -1, "Issue 4.", dtype="int",
        when_empty="empty", cases=(("no_index_value", "empty"),),
    ),
    Indicator(
        "imi_rank_p05", "Rang IMI, 5e centile", "IMI rank, 5th percentile", "composite",
        "5th percentile of the rank over `settings.imi_mc_draws` Monte-Carlo draws "
        "(seed `settings.imi_mc_seed`); each draw takes every dimension weight uniformly "
        "within ± `settings.imi_mc_weight_noise` (25 %) of its value and one "
        "normalisation among `settings.imi_mc_normalisations`.",
        "rank", -1,
        "Issue 4; OECD/JRC handbook section 7 (uncertainty analysis); COINr "
        "get_sensitivity.",
        dtype="int",
        when_empty="empty", cases=(("no_index_value", "empty"),),
    ),
    Indicator(
        "imi_rank_p95", "Rang IMI, 95e centile", "IMI rank, 95th percentile", "composite",
        "95th percentile of the rank over the same draws.",
        "rank", -1, "Issue 4.", dtype="int",
        when_empty="empty", cases=(("no_index_value", "empty"),),
    ),
)

#: Every indicator, in table order.
INDICATORS: tuple[Indicator, ...] = _INDICATOR_LIST

_BY_NAME = {i.name: i for i in INDICATORS}
if len(_BY_NAME) != len(INDICATORS):  # pragma: no cover - caught by the tests
    raise RuntimeError("duplicate indicator names in the catalogue")


def get(name: str) -> Indicator:
    """The indicator called ``name``.

    Raises
    ------
    KeyError
        With the list of known names.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown indicator {name!r}; known: {', '.join(_BY_NAME)}") from None


def names(dimension: str | None = None) -> list[str]:
    """Indicator names in table order (of one dimension when given).

    Examples
    --------
    >>> names("context")
    ['n_firms', 'n_exporters', 'n_actors']
    """
    return [i.name for i in INDICATORS if dimension is None or i.dimension == dimension]


def composite_members(dimension: str | None = None) -> list[Indicator]:
    """Indicators that enter the composite index (of one dimension when given)."""
    return [i for i in INDICATORS
            if i.composite and (dimension is None or i.dimension == dimension)]


def outcome(name: str, absences: Iterable[str]) -> WhenEmpty | None:
    """What indicator ``name`` gives in a territory that shows ``absences``.

    Parameters
    ----------
    name : str
        An indicator of the catalogue.
    absences : iterable of str
        Codes of :data:`ABSENCES` that hold for the territory (all of them: a
        territory without firm is also without exporter).

    Returns
    -------
    {"zero", "empty", "no_data"} or None
        ``no_data`` or ``empty`` when one of its cases says so (no data first), else
        ``zero`` when one of its cases says so, else None: a value computed by its
        formula.

    Raises
    ------
    KeyError
        An unknown indicator or absence.

    Examples
    --------
    >>> outcome("n_actors", ["no_firm", "no_exporter"]) is None
    True
    >>> outcome("airport_km_median", ["no_firm", "no_infrastructure"])
    'no_data'
    """
    found = set(absences)
    unknown = found - set(ABSENCES)
    if unknown:
        raise KeyError(f"unknown absence(s) {sorted(unknown)}; known: {', '.join(ABSENCES)}")
    hits = {o for a, o in get(name).cases if a in found}
    for result in ("no_data", "empty", "zero"):
        if result in hits:
            return result  # type: ignore[return-value]
    return None


def missing_text(name: str, lang: str = "fr") -> str:
    """The missing-value policy of indicator ``name`` as a sentence.

    Examples
    --------
    >>> print(missing_text("actors_per_100_exporters"))  # doctest: +NORMALIZE_WHITESPACE
    0 quand le territoire n'a aucun acteur actif ; vide quand le territoire n'a aucune PME
    exportatrice.
    >>> print(missing_text("category_evenness", "en"))
    0 when the territory has no active actor or has actors of one category only.
    """
    if lang not in ("fr", "en"):
        raise ValueError(f"unknown language {lang!r}; expected 'fr' or 'en'")
    fr = lang == "fr"
    ind = get(name)
    word, also = ("quand", " ou ") if fr else ("when", " or ")
    conditions: dict[str, list[str]] = {}
    if ind.when_empty == "zero" and not any(o == "zero" for _, o in ind.cases):
        conditions["zero"] = ["rien n'est compté" if fr else "nothing is counted"]
    for code, result in ind.cases:
        absence = ABSENCES[code]
        conditions.setdefault(result, []).append(absence.label_fr if fr else absence.label_en)
    parts = []
    for policy, conds in conditions.items():
        label = POLICIES[policy].label_fr if fr else POLICIES[policy].label_en
        # "the territory has X or the territory has Y" -> "the territory has X or Y"
        text = conds[0]
        for c in conds[1:]:
            text += also + (c.removeprefix(_SUBJECT_FR) if fr else c.removeprefix(_SUBJECT_EN))
        parts.append(f"{label} {word} {text}")
    return (" ; " if fr else "; ").join(parts) + "."


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a table (one row per indicator), e.g. for the dashboard."""
    return pd.DataFrame([asdict(i) for i in INDICATORS])


_DIRECTION_TEXT = {1: "↑ more is better", -1: "↓ less is better", 0: "—"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(dimensions: Sequence[str] | None = None) -> str:
    """The catalogue as Markdown: one table per dimension.

    First the outcomes of the missing-value policy and their treatment by the composite
    index; then, for each dimension, a table of name, French label, formula, unit,
    direction, whether the indicator enters the composite index, its missing-value
    policy (:func:`missing_text`) and its source.
    """
    lines: list[str] = [
        "### Missing values — *Valeurs manquantes*",
        "",
        "| policy | prints | when | in the composite index |",
        "|---|---|---|---|",
    ]
    for pol in POLICIES.values():
        lines.append(f"| `{pol.code}` | {_cell(pol.label_en)} | {_cell(pol.meaning_en)} | "
                     f"{_cell(pol.composite_en)} |")
    lines.append("")
    for dim in _DIMENSION_LIST:
        if dimensions is not None and dim.code not in dimensions:
            continue
        members = [i for i in INDICATORS if i.dimension == dim.code]
        if not members:
            continue
        lines.append(f"### {dim.label_en} — *{dim.label_fr}* (`{dim.code}`)")
        lines.append("")
        lines.append(_cell(dim.source))
        lines.append("")
        lines.append("| name | label (fr) | formula | unit | direction | in imi | "
                     "when absent | source |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for i in members:
            lines.append(
                f"| `{i.name}` | {_cell(i.label_fr)} | {_cell(i.formula)} | {_cell(i.unit)} | "
                f"{_DIRECTION_TEXT[i.direction]} | {'yes' if i.composite else ''} | "
                f"`{i.when_empty}`: {_cell(missing_text(i.name, 'en'))} | {_cell(i.source)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


#: Markers of the generated section of ``docs/indicators.md``.
MARK_START = "<!-- catalogue:start (generated by `python -m ecosystem.catalogue`; do not edit) -->"
MARK_END = "<!-- catalogue:end -->"


def update_markdown(text: str) -> str:
    """``text`` with the section between :data:`MARK_START` and :data:`MARK_END` replaced
    by :func:`render_markdown`.

    Raises
    ------
    ValueError
        When the markers are missing.
    """
    pattern = re.compile(re.escape(MARK_START) + r".*?" + re.escape(MARK_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"the page has no section between {MARK_START!r} and {MARK_END!r}")
    block = f"{MARK_START}\n\n{render_markdown()}\n{MARK_END}"
    return pattern.sub(lambda _: block, text, count=1)


def _main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m ecosystem.catalogue docs/indicators.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8")
    new = update_markdown(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    else:
        print(f"{path} is up to date")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))
