"""The catalogue of territorial indicators: every indicator documented once.

Each :class:`Indicator` gives a column of the table of
:func:`ecosystem.indicators.compute_indicators`: its name, French and English
labels, dimension, formula, unit, direction (whether more is better) and source
in the seeds (``../shared/seeds``). The report, the dashboard and the docs read
this catalogue; ``docs/indicators.md`` is generated from it
(``python -m ecosystem.catalogue docs/indicators.md``) and a test checks that the
page is up to date.

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
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

__all__ = [
    "Indicator",
    "Dimension",
    "DIMENSIONS",
    "COMPOSITE_DIMENSIONS",
    "INDICATORS",
    "get",
    "names",
    "composite_members",
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
    ),
    Indicator(
        "n_exporters", "PME exportatrices", "Exporting SMEs", "context",
        "Active firms of the territory whose stage is `indirect_export` or beyond.",
        "firms", 0, "PRODUCT.md (exporting firm); seed 000 (stages).", dtype="int",
    ),
    Indicator(
        "n_actors", "Acteurs d'appui actifs", "Active support actors", "context",
        "Actors of any category active in the year (`since <= y`, `until` empty or "
        "`>= y`), located in the territory.",
        "actors", 0, "Seed 001 (structures de proximité à vocation internationale).",
        dtype="int",
    ),
    # -- density ------------------------------------------------------------------------
    Indicator(
        "actors_per_100_exporters", "Acteurs pour 100 PME exportatrices",
        "Actors per 100 exporting SMEs", "density",
        "100 × `n_actors` / `n_exporters`; empty when the territory has no exporter.",
        "actors per 100 exporters", 1, "Seed 001: Densité of the support actors.",
        composite=True,
    ),
    Indicator(
        "actors_per_1000_km2", "Acteurs pour 1 000 km²", "Actors per 1,000 km²", "density",
        "1000 × `n_actors` / area of the territory in km² (`territories.area_km2`).",
        "actors per 1,000 km²", 1,
        "Seed 001: Densité; the proximity principle (« au delà d'une distance, le "
        "dispositif n'est plus visible »).",
        composite=True,
    ),
    Indicator(
        "exporters_per_1000_firms", "PME exportatrices pour 1 000 PME",
        "Exporting SMEs per 1,000 SMEs", "density",
        "1000 × `n_exporters` / `n_firms`.",
        "exporters per 1,000 firms", 1,
        "Seed 001: « plus un milieu est internationalisé, plus il devient "
        "internationalisant ».",
        composite=True,
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
    ),
    Indicator(
        "category_reach", "Catégories de référence à portée",
        "Reference categories within reach", "diversity",
        f"Mean over the territory's active firms of (reference categories with an active "
        f"actor within {_D}) / 10; from `proximity.nearest_actors` "
        "(`n_reference_categories_within_d`), actors of any territory counting.",
        "share (0-1)", 1, "Seed 001: Diversité and the proximity principle.",
        composite=True,
    ),
    Indicator(
        "category_evenness", "Équilibre des catégories d'acteurs",
        "Evenness of actor categories", "diversity",
        "Pielou's evenness J = H / ln S of the categories (all 20 of the taxonomy) of the "
        "territory's active actors, H = −Σ p_c ln p_c, p_c the share of actors of category "
        "c, S the number of categories present; empty when S < 2.",
        "index (0-1)", 1, "Seed 001: Diversité (a variety of actors, none dominating).",
        composite=True,
    ),
    # -- dynamism -----------------------------------------------------------------------
    Indicator(
        "exporter_growth", "Croissance des PME exportatrices", "Growth of exporting SMEs",
        "dynamism",
        "(`n_exporters`(y) − `n_exporters`(y − 1)) / `n_exporters`(y − 1); empty when the "
        "registry has no firm observation for y − 1 or the territory had no exporter then.",
        "relative change", 1,
        "Seed 001: Dynamique; « phénomène d'autorenforcement » of the milieu.",
        composite=True,
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
    ),
    Indicator(
        "new_ties_per_actor", "Nouveaux liens par acteur", "New ties per actor", "dynamism",
        "`new_ties` / `n_actors`; empty when the territory has no actor.",
        "ties per actor", 1, "Seed 001: Dynamique of the actor network.",
        composite=True,
    ),
    Indicator(
        "proactive_share", "Part de PME exportatrices proactives",
        "Share of proactive exporters", "dynamism",
        "Exporting firms with posture `proactive` / `n_exporters` (a missing posture is "
        "not proactive); empty when there is no exporter.",
        "share (0-1)", 1, "Seed 000 (B. Allali): proactive vs reactive postures.",
        composite=True,
    ),
    Indicator(
        "born_global_count", "PME « born global »", "Born-global SMEs", "dynamism",
        "Active firms that are born global: one observation up to y made within 3 years of "
        "creation shows an export share of at least 20 % (`proximity.born_global_mask`).",
        "firms", 1, "Seed 003: born global = 20 % of sales abroad within 3 years.",
        dtype="int",
    ),
    Indicator(
        "born_global_per_1000_firms", "PME « born global » pour 1 000 PME",
        "Born-global SMEs per 1,000 SMEs", "dynamism",
        "1000 × `born_global_count` / `n_firms`.",
        "firms per 1,000 firms", 1, "Seed 003.",
        composite=True,
    ),
    Indicator(
        "groupement_members", "Membres de groupements à l'export", "Export-group members",
        "dynamism",
        "Active firms whose `groupement` is not empty.",
        "firms", 1,
        "Seed 001: the groupement à l'export « renforce donc la densité, la diversité et le "
        "dynamisme du milieu internationalisant ».",
        dtype="int",
    ),
    Indicator(
        "groupement_share", "Part de PME en groupement à l'export",
        "Share of SMEs in an export group", "dynamism",
        "`groupement_members` / `n_firms`.",
        "share (0-1)", 1, "Seed 001 (groupement à l'export).",
        composite=True,
    ),
    Indicator(
        "survey_dynamique", "Enquête : Dynamique", "Survey: dynamism", "dynamism",
        "Mean of the item scores of dimension `dynamique` of the territory's survey for "
        "the year (`ecosystem.survey`, Likert 1-5); empty without a survey.",
        "Likert score (1-5)", 1,
        "Seed 001: Dynamique and Directionalité « nécessite[nt] en revanche des enquêtes "
        "en profondeur ».",
        composite=True,
    ),
    # -- governance ---------------------------------------------------------------------
    Indicator(
        "network_cohesion", "Cohésion du réseau d'acteurs", "Actor network cohesion",
        "governance",
        "Share of the territory's active actors in the largest connected component of the "
        "actor–actor tie graph restricted to them (`network.actor_graph`); empty without "
        "actor.",
        "share (0-1)", 1,
        "Seed 001: « l'impression qui prévaut est trop souvent celle d'un éparpillement "
        "des forces et des moyens ».",
        composite=True,
    ),
    Indicator(
        "coordination_density", "Densité de coordination", "Coordination density",
        "governance",
        "Density of that graph: tied pairs / (n (n − 1) / 2), n the territory's active "
        "actors; empty when n < 2.",
        "share (0-1)", 1,
        "Seed 001: « La coordination des efforts de cet ensemble hétérogène est une "
        "nécessité ».",
        composite=True,
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
    ),
    Indicator(
        "external_openness", "Ouverture internationale des acteurs",
        "External openness of actors", "governance",
        "Active actors of the territory with `international_links` / `n_actors`; empty "
        "without actor.",
        "share (0-1)", 1,
        "Seed 001: « Les réseaux technopolitains et territorialisés doivent opérer une "
        "connection avec le reste du monde ».",
        composite=True,
    ),
    Indicator(
        "survey_directionalite", "Enquête : Directionalité", "Survey: directionality",
        "governance",
        "Mean of the item scores of dimension `directionalite` of the territory's survey "
        "for the year (`ecosystem.survey`, Likert 1-5); empty without a survey.",
        "Likert score (1-5)", 1,
        "Seed 001: Directionalité needs « des enquêtes en profondeur ».",
        composite=True,
    ),
    # -- accessibility ------------------------------------------------------------------
    Indicator(
        "unserved_share", "Part de PME non accompagnées", "Share of unserved SMEs",
        "accessibility",
        f"Active firms with no active actor of `settings.unserved_categories` (front line) "
        f"within {_D} / `n_firms` (from `proximity.nearest_actors`).",
        "share (0-1)", -1,
        "Seed 001: « au delà d'une distance, le dispositif n'est plus visible »; "
        "PRODUCT.md (unserved).",
        composite=True,
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
    ),
    Indicator(
        "airport_km_median", "Distance médiane à un aéroport", "Median distance to an airport",
        "accessibility",
        "Median over the territory's active firms of the distance to the nearest airport "
        "with an IATA code (`proximity.infrastructure_access`).",
        "km", -1, "Seed 001: « La proximité d'un aéroport ».",
        composite=True,
    ),
    Indicator(
        "port_km_median", "Distance médiane à un port", "Median distance to a port",
        "accessibility",
        "Median over the territory's active firms of the distance to the nearest port.",
        "km", -1, "Seed 001: « une zone portuaire ».",
        composite=True,
    ),
    Indicator(
        "road_km_median", "Distance médiane au réseau autoroutier",
        "Median distance to the motorway network", "accessibility",
        "Median over the territory's active firms of the distance to the nearest major "
        "road node.",
        "km", -1, "Seed 001: « un réseau autoroutier ».",
        composite=True,
    ),
    Indicator(
        "rail_km_median", "Distance médiane au réseau ferré", "Median distance to rail",
        "accessibility",
        "Median over the territory's active firms of the distance to the nearest rail node.",
        "km", -1, "Seed 001: « mobilité des hommes et des marchandises ».",
        composite=True,
    ),
    Indicator(
        "broadband_ftth_share", "Part de locaux raccordables FTTH", "FTTH coverage",
        "accessibility",
        "Mean over the territory's active firms of their commune's share of premises with "
        "FTTH (latest value of a year <= y in the `broadband` layer); empty when unknown.",
        "share (0-1)", 1, "Seed 001: « l'accès à un réseau à haut débit (ADSL) ».",
        composite=True,
    ),
    # -- composite ----------------------------------------------------------------------
    Indicator(
        "imi_density", "IMI : densité", "IMI: density", "composite",
        "Mean of the normalised, oriented indicators of dimension density that are "
        "available for the territory; × 100 with min-max and rank normalisation.",
        "score (0-100)", 1, "Issue 4; OECD/JRC handbook (aggregation within a pillar).",
    ),
    Indicator(
        "imi_diversity", "IMI : diversité", "IMI: diversity", "composite",
        "Same, dimension diversity.", "score (0-100)", 1, "Issue 4.",
    ),
    Indicator(
        "imi_dynamism", "IMI : dynamique", "IMI: dynamism", "composite",
        "Same, dimension dynamism.", "score (0-100)", 1, "Issue 4.",
    ),
    Indicator(
        "imi_governance", "IMI : directionalité", "IMI: governance", "composite",
        "Same, dimension governance.", "score (0-100)", 1, "Issue 4.",
    ),
    Indicator(
        "imi_accessibility", "IMI : proximité et infrastructures", "IMI: accessibility",
        "composite",
        "Same, dimension accessibility.", "score (0-100)", 1, "Issue 4.",
    ),
    Indicator(
        "imi", "Indice de milieu internationalisant", "Internationalising-milieu index",
        "composite",
        "Each indicator marked *composite* is oriented (× −1 when less is better), "
        "normalised across the territories of the level and year "
        "(`settings.imi_normalisation`: min-max by default, z-score or rank; an indicator "
        "equal for all territories is left out), averaged within each dimension, then the "
        "dimensions are averaged with `settings.imi_weights` (equal by default; a "
        "dimension with no value for the territory is left out and the weights of the "
        "others rescaled); × 100 with min-max and rank normalisation.",
        "score (0-100)", 1,
        "Issue 4; OECD/JRC Handbook on Constructing Composite Indicators (2008); COINr.",
    ),
    Indicator(
        "imi_rank", "Rang IMI", "IMI rank", "composite",
        "Rank of `imi` among the territories of the level and year, 1 = highest (ties "
        "share the best rank).",
        "rank", -1, "Issue 4.", dtype="int",
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
    ),
    Indicator(
        "imi_rank_p95", "Rang IMI, 95e centile", "IMI rank, 95th percentile", "composite",
        "95th percentile of the rank over the same draws.",
        "rank", -1, "Issue 4.", dtype="int",
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


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a table (one row per indicator), e.g. for the dashboard."""
    return pd.DataFrame([asdict(i) for i in INDICATORS])


_DIRECTION_TEXT = {1: "↑ more is better", -1: "↓ less is better", 0: "—"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(dimensions: Sequence[str] | None = None) -> str:
    """The catalogue as Markdown: one table per dimension.

    Each table lists name, French label, formula, unit, direction, whether the
    indicator enters the composite index, and its source.
    """
    lines: list[str] = []
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
        lines.append("| name | label (fr) | formula | unit | direction | in imi | source |")
        lines.append("|---|---|---|---|---|---|---|")
        for i in members:
            lines.append(
                f"| `{i.name}` | {_cell(i.label_fr)} | {_cell(i.formula)} | {_cell(i.unit)} | "
                f"{_DIRECTION_TEXT[i.direction]} | {'yes' if i.composite else ''} | "
                f"{_cell(i.source)} |"
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
