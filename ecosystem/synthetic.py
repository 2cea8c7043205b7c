"""Synthetic SMEs and ties of the embedded Occitanie demo.

The demo pairs real geography and real institutions with **synthetic** firms and
ties. Everything built here carries ``synthetic = True`` and the source
``"synthétique (graine N)"``; firm names read ``"PME synthétique 000123"``. The
numbers below are the generator's choices, made so that the demo *looks like*
a French region (orders of magnitude from public statistics, shapes from the
source documents); they are not estimates of Occitanie.

Reproducibility
---------------
Every draw comes from :func:`numpy.random.default_rng`, seeded with the
``seed`` argument (``settings.demo_seed`` by default) through independent
:class:`numpy.random.SeedSequence` streams, one per step, so the same seed
always gives the same frames and changing one step does not reshuffle the
others.

Firms (:func:`synthetic_firms`)
-------------------------------
**Population and churn.** ``n_firms`` firms are active in the last year. The
first year holds ``n_firms / 1.015 ** (T - 1)`` firms; each later year, each
firm ceases with probability 4 % on average (x1.4 for firms under 5 staff, x0.6
from 20 staff, x1.5 in the first 3 years; the size and age gradients of INSEE's
firm-demography series), and new firms are created so that the stock grows by
1.5 % a year (about 5.5 % creations). Firms created between two observation
years are first observed in the later one. Ages of the first year's firms are
exponential with a mean of 14 years (French SMEs are a decade or two old), so
about a fifth were created before 2000.

**Location.** Each firm's commune is drawn with probability proportional to
its *population municipale* (communes without population or boundary get no
firm), and the firm is placed uniformly at random inside the commune polygon by
vectorised rejection sampling in the polygon's bounding box (about a second for
a million firms). Communes are classed by the population of their EPCI: a
*métropole* from 400,000 inhabitants (Toulouse, Montpellier), *urbain* from
50,000, else *rural*.

**Sectors** (:data:`SECTORS`): 45 NAF rév. 2 sub-classes typical of Occitanie
SMEs: aeronautics subcontracting (25.62A décolletage, 25.62B, 25.61Z, 30.30Z,
33.16Z), agri-food and wine (10.xx, 11.01Z armagnac, 11.02A blanquette,
11.02B vinification), chemicals, pharma and medtech, electronics, software
and engineering, wholesale (46.xx, including the Perpignan fruit trade),
construction (41-43), retail, hotels and restaurants, business services and
freight forwarding. Each has a base weight, a family whose weight is
multiplied by the commune class (:data:`FAMILY_URBAN`: software and aeronautics
in the métropoles, wine and agri-food in the countryside), an export odds
multiplier (construction, retail and restaurants almost never export), a
headcount multiplier, an ISO propensity and a born-global propensity.

**Sizes.** Headcount is log-normal, median 4 x the sector's multiplier,
log-sd 1.15, slightly larger for older firms, truncated to 1-249 (an SME has
fewer than 250 staff): most firms have fewer than 20 staff, a few per cent
50 or more. Each year it changes by a log-normal factor (mean +1 %, sd 10 %).

**Exporting.** A firm exports when its stage is indirect export or beyond
(``settings.EXPORTING_STAGES``). In the first year the probability is logistic
in the sector's export odds, the commune class (odds x1.5 in a métropole,
x0.75 in the countryside: the métropoles are denser in exporters), and
headcount (odds x1.74 per doubling, the gradient of INSEE's 3.6 % / 20 % /
46 % of micro, small and medium firms exporting); the intercept is solved so
that ``settings.demo_exporting_share`` (a third) of the firms export. New firms
have half the odds. Each year about 8 % of reactive indirect exporters stop
(occasional exporters, as in the customs' exporter counts) and as many local
firms start exporting, the most export-prone first (odds x3 when proactive,
x0.3 when refusing), with a correction that keeps the share near its target.

**Stages** (seed 000: local sales, indirect export, direct export,
representation office, then commercial, industrial, mixed or integrated
subsidiary). Exporters start at indirect export 45 %, direct export 40 %,
representation office 7 %, commercial subsidiary 5 %, industrial, mixed and
integrated subsidiaries 1.2 %, 1 % and 0.8 % (offices and subsidiaries x0.15
under 10 staff, x3 from 50 staff). Each year a firm moves one step up with
probability 7 % (indirect to direct), 2.5 % (direct to office, from 10 staff),
6 % (office to commercial subsidiary, from 20 staff), 2 % (subsidiary to
mixed or integrated, from 20 staff), x1.5 when proactive.

**Postures** (seed 000: refusal, reactive, proactive). Exporters: 2 / 46 /
52 %; local firms: 45 / 43 / 12 %. Each year refusal turns reactive with
probability 4 %, reactive turns proactive 5 % (8 % for exporters), proactive
falls back to reactive 2 %; a firm that starts exporting stops refusing.
Reactive firms carry 1-2 *triggers* (``settings.REACTIVE_TRIGGERS``) with
probability 70 % (competition most often; surplus stocks in agri-food; the
main client's relocation for subcontractors), proactive ones 1-3 *drivers*
(``settings.PROACTIVE_DRIVERS``) with probability 70 % (technology in
high-tech, unique products in food and wine).

**Export share.** 0 for local firms. Starting exporters draw a Beta share by
stage: indirect Beta(1.6, 9) (mean 15 %), direct Beta(2.2, 5.5) (29 %), office
or subsidiary Beta(3, 4) (43 %); then it drifts by a log-normal factor (+2 %,
sd 12 %) each year, x1.25 when the firm moves up a stage, within [0.01, 0.95].

**Born global** (seed 003: at least 20 % of sales abroad within 3 years of
creation; ``settings.born_global_share`` and ``born_global_years``). Among
firms observed within 3 years of their creation, 3.5 % x the sector's
born-global multiplier are born global (software, electronics, medtech most):
they export from their first observation (direct export 70 %, indirect 20 %,
office 10 %), are proactive, and their share is at least 20 % in every
observation. Every other firm's share stays below 20 % while it is within 3
years of its creation, so :func:`ecosystem.proximity.born_global_mask` finds
exactly the generated born globals.

**ISO certificates** (seed 001: ISO density weighted 9001 > 9002 > 9003). The
probability of being certified is logistic in headcount (odds x1.6 per
doubling), sector (aeronautics, chemicals and pharma most) and exporting
(odds x2.2). A certified firm holds 9001 (always in aeronautics, where the
EN 9100 aerospace standard is built on it; 92 % elsewhere; 60 % in agri-food,
where 22000 is held by 55 %), 14001 with probability 20 % (x2 in chemicals
and health, x1.5 in manufacturing), 45001 with probability 10 % (x1.5 in
construction and manufacturing). A firm created before 2000 and certified
before the first year keeps a legacy 9002 (15 %) or 9003 (6 %) instead of 9001
(never in aeronautics).
85 % of certified firms hold their certificates from the first year, the others
obtain them in a later year.

**Markets** (``|``-separated ISO 3166 codes, main market first). Each firm
ranks countries once by a weighted random order (:data:`MARKET_WEIGHTS`:
Spain first, then Germany and Italy, Belgium, the United Kingdom, the United
States, Switzerland, the Maghreb...; x2 Germany, Canada and Singapore in
aeronautics, x2 China and x1.5 the United States and Japan in wine and
agri-food); it sells in its first 1-2 countries at indirect export, 1-4 at
direct export, 2-6 with an office, 3-10 with a subsidiary (+1 for a born
global), the same quantile of the range every year.

**Export groups** (seed 001: the CCI de Montpellier created eight
*groupements à l'export*, 3 to 5 small firms sharing an export manager, close
to each other, not competing, balanced in size). One group per 500 firms: 35 %
around Montpellier (commune 34172), 35 % around Toulouse (31555), the rest
anywhere (when those communes are absent, the two most populous communes take
their place). A group starts from a firm of fewer than 50 staff active in
every year (within 20 km of its anchor city), then takes firms of other NAF
classes (4 digits) within half of ``settings.groupement_max_distance_km`` of
it (so members are pairwise within 25 km) whose headcounts, in every year, stay
within a factor two of the first firm's (so the largest is at most
``settings.groupement_max_size_ratio`` = 4 times the smallest). Its size is
3, 4 or 5 (40 / 35 / 25 %). 70 % of groups predate the first year (started
since 1998), the others start in a later year; from then on, members export
directly at least and do not refuse. Ids read ``GEX-<département>-<nn>``.

**Identifiers.** SIREN: 8 random digits (first one not 0) plus the Luhn key,
unique, never La Poste's 356000000; SIRET: the SIREN, the NIC ``000d`` and the
Luhn key of the 14 digits; ``firm_id`` is the SIRET. They are drawn at random
and may coincide with a real company's number: always read them with the
``synthetic`` flag. 97 % of firms are *diffusible* (INSEE's share of
establishments whose data may be published; the others ask for partial
diffusion).

Ties (:func:`synthetic_relations`)
----------------------------------
**Actor to actor** (partnership, co-funding, joint event, referral). For each
pair of actors, the probability of a tie is the affinity of their roles at
zero distance (:data:`ROLE_AFFINITY`: 0.85 between the core export-support
actors, CCI, Team France Export, CCE and Bpifrance; 0.55 between them and
export clubs; 0.2 between them and universities or labs; down to 0.05)
times ``exp(-distance / 40 km)``, x1.3 within a département. The regional CCI
and Team France Export (for each of the two categories, the actor with the
largest capacity among those whose name says *Occitanie* or *régional*, or among
all when none does) are hubs:
tied, whatever the distance, to core actors with probability 0.95, to clubs
0.7, to chambers and authorities 0.6, to innovation actors 0.45, to knowledge
actors 0.3. Realistic gaps: about 6 % of the other actors are isolated; the
actors of ``settings.demo_fragmented_departements`` (Gers) are tied only among
themselves, in pieces of 1 to 3, never to the rest of the region; in a third
of the départements without a hub, ties between knowledge actors (universities,
labs) and public export support are ten times less likely. The kind is drawn
by roles (co-funding with funders, joint events with clubs, universities and
clusters, referral from a front-line actor to a service provider). 75 % of
ties predate the first year (exponential, mean 5 years), the others start in a
demo year; a tie never starts before both actors exist; 7 % end before the
last year. Weight: the tie's intensity in [0.1, 1].

**Actor to firm.** *Accompaniment*: each year, every active CCI, Team France
Export, CCE and Bpifrance actor takes on new firms among the exporting or
proactive firms within ``settings.unserved_distance_km`` (8 % of them a year,
the nearest, proactive and exporting ones first), keeping its firms under way
below 55-95 % of its capacity (``settings.default_actor_capacity`` when
missing); an accompaniment lasts 1, 2 or 3 years. Firms beyond that distance
from every such actor get none. *Membership*: export clubs take exporting firms
within the same distance, clusters take firms of their sector families
(recognised from the cluster's name: aeronautics, agri-food, health, digital,
environment) within 100 km, up to their capacity; 8 % of members leave each
year and are replaced.

**Firm to firm.** Every pair of members of an export group is tied
(``groupement``, weight 1) from the first year both are observed in the group.

A tie starts only in a year when both its ends are active (actors: ``since``
and ``until``; firms: an observation), as :mod:`ecosystem.activity` defines;
ties of a firm that ceases end in its last observed year.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> communes = gpd.GeoDataFrame(
...     {"code": ["34172", "34057"], "population": [300000, 20000],
...      "epci": ["243400017", "243400017"], "departement": ["34", "34"],
...      "region": ["76", "76"]},
...     geometry=[box(765000, 6275000, 775000, 6285000), box(775000, 6275000, 785000, 6285000)],
...     crs="EPSG:2154")
>>> firms = synthetic_firms(communes, [2024, 2025], n_firms=200, seed=1)
>>> sorted(firms["year"].unique().tolist()), bool(firms["synthetic"].all())
([2024, 2025], True)
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ._errors import EmptyDataError
from .activity import active_actors_mask
from .imports import conform
from .schema import FIRM_COLUMNS, RELATION_COLUMNS
from .settings import (
    CATEGORIES,
    LAMBERT93,
    POSTURES,
    PROACTIVE_DRIVERS,
    REACTIVE_TRIGGERS,
    STAGES,
    get_settings,
)

__all__ = [
    "Sector",
    "SECTORS",
    "FAMILY_URBAN",
    "MARKET_WEIGHTS",
    "ROLE_AFFINITY",
    "synthetic_firms",
    "synthetic_relations",
    "synthetic_source",
]


# ----------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Sector:
    """One NAF rév. 2 sub-class of the synthetic firms.

    Attributes
    ----------
    naf : str
        Code, formatted ``"25.62A"``.
    label : str
        INSEE label (French).
    family : str
        Family of sectors (a key of :data:`FAMILY_URBAN`).
    weight : float
        Base weight (per cent of firms before the commune-class adjustment).
    export : float
        Odds multiplier of exporting.
    size : float
        Multiplier of the median headcount.
    iso : float
        Odds multiplier of holding an ISO certificate.
    born_global : float
        Multiplier of the born-global probability of young firms.
    """

    naf: str
    label: str
    family: str
    weight: float
    export: float
    size: float = 1.0
    iso: float = 1.0
    born_global: float = 1.0


#: Sectors of the synthetic SMEs (see the module docstring for the rationale).
SECTORS: tuple[Sector, ...] = (
    # aeronautics and its subcontracting (Toulouse, Figeac, Tarbes)
    Sector("25.62A", "Décolletage", "aero", 1.5, 4.0, 2.0, 4.0, 0.5),
    Sector("25.62B", "Mécanique industrielle", "aero", 3.0, 2.5, 1.5, 3.0, 0.3),
    Sector("25.61Z", "Traitement et revêtement des métaux", "aero", 0.8, 2.5, 2.0, 4.0, 0.3),
    Sector("30.30Z", "Construction aéronautique et spatiale", "aero", 0.8, 8.0, 3.0, 6.0, 2.0),
    Sector("33.16Z", "Réparation et maintenance d'aéronefs et d'engins spatiaux", "aero",
           0.8, 5.0, 2.5, 6.0, 1.0),
    # agri-food and wine
    Sector("10.13B", "Charcuterie", "agrifood", 1.0, 1.0, 1.2, 1.5, 0.3),
    Sector("10.39B", "Transformation et conservation de fruits", "agrifood", 0.6, 2.5, 1.5,
           1.5, 0.5),
    Sector("10.51C", "Fabrication de fromage", "agrifood", 0.6, 3.0, 1.5, 2.0, 0.3),
    Sector("10.71C", "Boulangerie et boulangerie-pâtisserie", "agrifood", 4.0, 0.05, 0.8,
           0.2, 0.1),
    Sector("10.82Z", "Fabrication de cacao, chocolat et de produits de confiserie",
           "agrifood", 0.5, 2.5, 1.2, 1.5, 1.0),
    Sector("11.01Z", "Production de boissons alcooliques distillées", "wine", 0.4, 5.0, 0.8,
           1.0, 1.0),
    Sector("11.02A", "Fabrication de vins effervescents", "wine", 0.5, 4.0, 1.0, 1.0, 1.0),
    Sector("11.02B", "Vinification", "wine", 3.0, 4.0, 0.8, 0.8, 0.8),
    # chemicals, pharma, medtech
    Sector("20.14Z", "Fabrication d'autres produits chimiques organiques de base", "health",
           0.4, 5.0, 2.5, 5.0, 1.0),
    Sector("20.42Z", "Fabrication de parfums et de produits pour la toilette", "health", 0.5,
           4.0, 1.2, 3.0, 1.5),
    Sector("21.20Z", "Fabrication de préparations pharmaceutiques", "health", 0.4, 6.0, 3.0,
           5.0, 2.0),
    Sector("32.50A", "Fabrication de matériel médico-chirurgical et dentaire", "health", 0.8,
           5.0, 1.5, 5.0, 2.5),
    # electronics
    Sector("26.11Z", "Fabrication de composants électroniques", "electronics", 0.5, 6.0, 2.0,
           5.0, 2.0),
    Sector("26.51A", "Fabrication d'équipements d'aide à la navigation", "electronics", 0.3,
           6.0, 2.0, 5.0, 2.0),
    Sector("26.51B", "Fabrication d'instrumentation scientifique et technique", "electronics",
           0.6, 5.0, 1.5, 4.0, 2.5),
    # other manufacturing
    Sector("16.10A", "Sciage et rabotage du bois, hors imprégnation", "manufacturing", 0.6,
           1.2, 1.2, 1.0, 0.2),
    Sector("22.29A", "Fabrication de pièces techniques à base de matières plastiques",
           "manufacturing", 0.8, 3.0, 2.0, 4.0, 0.5),
    Sector("28.29B", "Fabrication d'autres machines d'usage général", "manufacturing", 0.7,
           4.0, 1.8, 3.0, 1.0),
    # software, engineering, research
    Sector("58.29C", "Edition de logiciels applicatifs", "digital", 1.0, 4.0, 1.0, 1.0, 5.0),
    Sector("62.01Z", "Programmation informatique", "digital", 5.0, 2.0, 0.8, 1.0, 4.0),
    Sector("62.02A", "Conseil en systèmes et logiciels informatiques", "digital", 3.0, 1.5,
           0.9, 1.5, 2.5),
    Sector("71.12B", "Ingénierie, études techniques", "engineering", 4.0, 1.5, 1.0, 2.0, 1.5),
    Sector("72.19Z", "Recherche-développement en autres sciences physiques et naturelles",
           "engineering", 0.8, 4.0, 1.0, 1.5, 4.0),
    # wholesale
    Sector("46.31Z", "Commerce de gros de fruits et légumes", "wholesale", 1.2, 3.0, 1.2,
           1.5, 0.5),
    Sector("46.34Z", "Commerce de gros de boissons", "wholesale", 1.2, 3.0, 1.0, 1.0, 0.5),
    Sector("46.46Z", "Commerce de gros de produits pharmaceutiques", "wholesale", 0.6, 2.5,
           1.2, 3.0, 0.5),
    Sector("46.69B", "Commerce de gros de fournitures et équipements industriels divers",
           "wholesale", 2.5, 2.0, 1.0, 2.0, 0.5),
    # construction (almost never exports)
    Sector("41.20A", "Construction de maisons individuelles", "construction", 2.5, 0.03, 1.0,
           0.8, 0.05),
    Sector("43.21A", "Travaux d'installation électrique dans tous locaux", "construction",
           4.0, 0.05, 0.8, 0.8, 0.05),
    Sector("43.22A", "Travaux d'installation d'eau et de gaz en tous locaux", "construction",
           3.5, 0.03, 0.8, 0.6, 0.05),
    Sector("43.99C", "Travaux de maçonnerie générale et gros œuvre de bâtiment",
           "construction", 4.0, 0.03, 1.0, 0.6, 0.05),
    # retail
    Sector("47.11B", "Commerce d'alimentation générale", "retail", 2.0, 0.02, 0.6, 0.3, 0.05),
    Sector("47.71Z", "Commerce de détail d'habillement en magasin", "retail", 3.0, 0.03, 0.5,
           0.3, 0.05),
    Sector("47.91B", "Vente à distance sur catalogue spécialisé", "retail", 1.5, 2.0, 0.7,
           0.5, 3.0),
    # hotels and restaurants
    Sector("55.10Z", "Hôtels et hébergement similaire", "hospitality", 3.0, 0.1, 1.2, 0.5,
           0.05),
    Sector("56.10A", "Restauration traditionnelle", "hospitality", 6.0, 0.02, 0.8, 0.2,
           0.05),
    # business services and transport
    Sector("70.22Z", "Conseil pour les affaires et autres conseils de gestion", "services",
           5.0, 0.8, 0.5, 0.8, 1.5),
    Sector("73.11Z", "Activités des agences de publicité", "services", 2.0, 0.6, 0.7, 0.5,
           1.0),
    Sector("52.29A", "Messagerie, fret express", "transport", 1.0, 1.5, 1.5, 2.0, 0.3),
    Sector("52.29B", "Affrètement et organisation des transports", "transport", 1.2, 4.0, 1.0,
           2.0, 0.5),
)

#: Family -> weight multipliers in (métropole, urbain, rural) communes.
FAMILY_URBAN: dict[str, tuple[float, float, float]] = {
    "aero": (2.0, 1.0, 0.4),
    "agrifood": (0.4, 0.9, 1.8),
    "wine": (0.15, 0.8, 2.2),
    "health": (2.0, 1.0, 0.4),
    "electronics": (2.0, 1.0, 0.4),
    "manufacturing": (0.7, 1.1, 1.1),
    "digital": (2.5, 1.0, 0.3),
    "engineering": (1.8, 1.0, 0.5),
    "wholesale": (1.2, 1.2, 0.8),
    "construction": (0.8, 1.0, 1.2),
    "retail": (0.9, 1.1, 1.0),
    "hospitality": (0.8, 1.0, 1.3),
    "services": (1.5, 1.0, 0.6),
    "transport": (1.0, 1.3, 0.8),
}

#: Weight of each foreign market (ISO 3166 alpha-2) in a firm's ranking of countries.
MARKET_WEIGHTS: dict[str, float] = {
    "ES": 16, "DE": 12, "IT": 10, "BE": 7, "GB": 7, "US": 8, "CH": 6, "NL": 4, "PT": 3,
    "MA": 4, "DZ": 3, "TN": 3, "CN": 4, "CA": 2, "JP": 2, "PL": 2, "SE": 1, "AE": 2,
    "SG": 1, "SN": 1, "CI": 1,
}
_FAMILY_MARKET_BOOST: dict[str, dict[str, float]] = {
    "aero": {"DE": 2, "GB": 1.5, "US": 1.5, "CN": 1.5, "CA": 2, "SG": 2},
    "electronics": {"DE": 1.5, "US": 1.5, "CN": 1.5},
    "wine": {"CN": 2, "US": 1.5, "BE": 1.5, "GB": 1.3, "JP": 1.5},
    "agrifood": {"CN": 2, "US": 1.5, "BE": 1.5, "GB": 1.3, "JP": 1.5},
    "construction": {"MA": 1.5, "DZ": 1.5, "TN": 1.5},
    "wholesale": {"MA": 1.5, "DZ": 1.5, "TN": 1.5},
}

# Roles of actor categories in the synthetic network.
_ROLES: tuple[str, ...] = (
    "core", "club", "consular", "knowledge", "innovation", "private", "authority", "large",
)
_ROLE_OF: dict[str, str] = {
    "cci": "core", "team_france_export": "core", "cce": "core", "bpifrance": "core",
    "club_export": "club", "cma": "consular", "chambre_agriculture": "consular",
    "university": "knowledge", "research_lab": "knowledge",
    "incubator": "innovation", "technopole": "innovation", "cluster": "innovation",
    "consultant": "private", "logistics": "private", "bank": "private",
    "credit_insurer": "private", "customs": "authority", "development_agency": "authority",
    "local_authority": "authority", "multinational": "large",
}
_AFFINITY_LIST: dict[tuple[str, str], float] = {
    ("core", "core"): 0.85, ("core", "club"): 0.55, ("core", "consular"): 0.45,
    ("core", "knowledge"): 0.2, ("core", "innovation"): 0.3, ("core", "private"): 0.2,
    ("core", "authority"): 0.4, ("core", "large"): 0.15,
    ("club", "club"): 0.15, ("club", "consular"): 0.2, ("club", "knowledge"): 0.1,
    ("club", "innovation"): 0.15, ("club", "private"): 0.2, ("club", "authority"): 0.15,
    ("club", "large"): 0.25,
    ("consular", "consular"): 0.35, ("consular", "knowledge"): 0.08,
    ("consular", "innovation"): 0.1, ("consular", "private"): 0.12,
    ("consular", "authority"): 0.3, ("consular", "large"): 0.05,
    ("knowledge", "knowledge"): 0.4, ("knowledge", "innovation"): 0.35,
    ("knowledge", "private"): 0.05, ("knowledge", "authority"): 0.15,
    ("knowledge", "large"): 0.15,
    ("innovation", "innovation"): 0.3, ("innovation", "private"): 0.08,
    ("innovation", "authority"): 0.3, ("innovation", "large"): 0.2,
    ("private", "private"): 0.06, ("private", "authority"): 0.06, ("private", "large"): 0.1,
    ("authority", "authority"): 0.35, ("authority", "large"): 0.1,
    ("large", "large"): 0.05,
}
#: Probability of a tie between two actors of these roles at zero distance (symmetric).
ROLE_AFFINITY: dict[tuple[str, str], float] = {
    **_AFFINITY_LIST, **{(b, a): p for (a, b), p in _AFFINITY_LIST.items()},
}
_HUB_AFFINITY: dict[str, float] = {
    "core": 0.95, "club": 0.7, "consular": 0.6, "knowledge": 0.3, "innovation": 0.45,
    "private": 0.12, "authority": 0.6, "large": 0.2,
}
_HUB_CATEGORIES = ("cci", "team_france_export")
_ACCOMPANYING = ("cci", "team_france_export", "cce", "bpifrance")
_FUNDERS = {"bpifrance", "bank", "credit_insurer", "development_agency", "local_authority"}
_EVENT_MAKERS = {"club_export", "university", "cluster", "technopole", "cce"}
_SERVICE_PROVIDERS = {
    "consultant", "logistics", "bank", "credit_insurer", "cma", "chambre_agriculture",
    "customs",
}
_FRONT_LINE_REFERRERS = {"cci", "team_france_export", "cce", "bpifrance", "club_export"}
_ACTOR_KINDS = ("partnership", "cofunding", "joint_event", "referral")

#: Cluster name keywords (accents stripped, lower case) -> sector families of its members.
_CLUSTER_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("aero", "space", "spatial", "drone", "aeronaut"), ("aero", "electronics",
                                                         "manufacturing")),
    (("agri", "alimen", "food", "vin", "vigne", "wine", "viti", "gastro"),
     ("agrifood", "wine")),
    (("sante", "health", "pharma", "bio", "med", "cancer"), ("health",)),
    (("numeri", "digital", "logiciel", "software", "cyber", "robot", "informati", "tic"),
     ("digital", "electronics", "engineering")),
    (("eau", "water", "energ", "solaire", "derbi", "mer", "environ", "risque"),
     ("engineering", "manufacturing", "health")),
)
_INNOVATION_FAMILIES = ("aero", "health", "electronics", "digital", "engineering")
#: NAF division -> family, for firms whose code is not in :data:`SECTORS`.
_DIVISION_FAMILY: dict[str, str] = {
    "10": "agrifood", "11": "wine", "20": "health", "21": "health", "26": "electronics",
    "30": "aero", "58": "digital", "62": "digital", "63": "digital", "71": "engineering",
    "72": "engineering", "22": "manufacturing", "25": "manufacturing", "28": "manufacturing",
    "32": "health",
}

# Generator constants (rationale in the module docstring).
_GROWTH_RATE = 0.015
_DEATH_RATE = 0.04
_MEAN_AGE_YEARS = 14.0
_EXPORT_EXIT_RATE = 0.08
_BORN_GLOBAL_RATE = 0.035
_DIFFUSIBLE_SHARE = 0.97
_FIRMS_PER_GROUPEMENT = 500
_METROPOLE_POPULATION = 400_000
_URBAN_POPULATION = 50_000
_URBAN_EXPORT_ODDS = (1.5, 1.0, 0.75)
_ANCHOR_COMMUNES = ("34172", "31555")  # Montpellier, Toulouse
_ANCHOR_RADIUS_M = 20_000.0
_CLUSTER_RADIUS_KM = 100.0
_DISTANCE_DECAY_KM = 40.0
_STREAMS = 16

_STAGE = {code: i for i, code in enumerate(STAGES)}
_LOCAL, _INDIRECT, _DIRECT, _OFFICE = (
    _STAGE["local"], _STAGE["indirect_export"], _STAGE["direct_export"],
    _STAGE["representation_office"],
)
_POSTURE = {code: i for i, code in enumerate(POSTURES)}
_REFUSAL, _REACTIVE, _PROACTIVE = _POSTURE["refusal"], _POSTURE["reactive"], _POSTURE["proactive"]
_STAGE_CODES = np.array(list(STAGES), dtype=object)
_POSTURE_CODES = np.array(list(POSTURES), dtype=object)
_ISO_CODES = ("9001", "9002", "9003", "14001", "22000", "45001")


def synthetic_source(seed: int) -> str:
    """The ``source`` of every synthetic record made with ``seed``.

    Examples
    --------
    >>> synthetic_source(20251)
    'synthétique (graine 20251)'
    """
    return f"synthétique (graine {seed})"


# ----------------------------------------------------------------------------- helpers
def _streams(seed: int, salt: int) -> list[np.random.Generator]:
    children = np.random.SeedSequence([int(seed), salt]).spawn(_STREAMS)
    return [np.random.default_rng(c) for c in children]


def _check_years(years: Sequence[int]) -> list[int]:
    out = sorted({int(y) for y in years})
    if not out:
        raise ValueError("years is empty; expected at least one observation year")
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _solve_intercept(z: np.ndarray, target: float) -> float:
    """Intercept ``a`` with ``mean(sigmoid(a + z)) == target`` (bisection)."""
    lo, hi = -40.0, 40.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if _sigmoid(mid + z).mean() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _categorical(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) weight matrix."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _ranked(rng: np.random.Generator, log_weights: np.ndarray) -> np.ndarray:
    """Weighted random order of the columns of each row (Gumbel top-k)."""
    keys = log_weights + rng.gumbel(size=log_weights.shape)
    return np.argsort(-keys, axis=1, kind="stable")


def _luhn_key(body: np.ndarray) -> np.ndarray:
    """Luhn check digit appended to each integer of ``body``."""
    rest = body.astype(np.int64).copy()
    total = np.zeros(len(rest), dtype=np.int64)
    position = 0
    while (rest > 0).any() or position == 0:
        digit = rest % 10
        rest //= 10
        if position % 2 == 0:  # rightmost digit of the body is doubled
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
        position += 1
    return (10 - total % 10) % 10


def _bitmask_strings(masks: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """``|``-joined codes of each bit mask (bit k = codes[k]); ``""`` for 0."""
    uniq, inverse = np.unique(masks, return_inverse=True)
    text = np.array(
        ["|".join(c for k, c in enumerate(codes) if int(m) >> k & 1) for m in uniq],
        dtype=object,
    )
    return text[inverse]


def _top_k_mask(order: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Bit mask of the first ``k[i]`` columns of ``order[i]``."""
    n, m = order.shape
    take = np.arange(m)[None, :] < k[:, None]
    bits = np.where(take, np.left_shift(np.int64(1), order.astype(np.int64)), 0)
    return bits.sum(axis=1)


def _as_lambert93(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise ValueError(f"{what} have no CRS; set it (e.g. EPSG:2154) before generating")
    return gdf if gdf.crs.to_epsg() == 2154 else gdf.to_crs(LAMBERT93)


def _require(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lack the column(s) {missing}")


def _text(df: pd.DataFrame, column: str, default: str = "") -> np.ndarray:
    if column not in df.columns:
        return np.full(len(df), default, dtype=object)
    return df[column].astype(object).where(df[column].notna(), default).astype(str).to_numpy(
        dtype=object
    )


def _ascii_lower(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if not unicodedata.combining(c)).lower()


# ----------------------------------------------------------------------------- communes
@dataclass
class _Communes:
    code: np.ndarray
    epci: np.ndarray
    departement: np.ndarray
    region: np.ndarray
    geometry: np.ndarray
    weight: np.ndarray  # probability of each commune
    urban: np.ndarray  # 0 métropole, 1 urbain, 2 rural
    anchors: list[tuple[float, float]]


def _prepare_communes(communes: gpd.GeoDataFrame) -> _Communes:
    gdf = _as_lambert93(communes, "communes")
    _require(gdf, ["code", "population"], "communes")
    if "type" in gdf.columns and gdf["type"].eq("COM").any():
        gdf = gdf[gdf["type"].eq("COM")]  # arrondissements overlap their city
    pop = pd.to_numeric(gdf["population"]).astype("Float64").fillna(0).to_numpy(dtype=float)
    geoms = gdf.geometry.to_numpy()
    ok = (pop > 0) & ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    ok &= shapely.area(np.where(ok, geoms, None)) > 0
    if not ok.any():
        raise EmptyDataError("no commune has both a population and a boundary")
    gdf, pop, geoms = gdf[ok], pop[ok], geoms[ok]
    code = _text(gdf, "code")
    epci = _text(gdf, "epci")
    dep = _text(gdf, "departement")
    if "departement" not in gdf.columns:
        dep = np.array([c[:3] if c.startswith("97") else c[:2] for c in code], dtype=object)
    epci_pop = pd.Series(pop).groupby(pd.Series(epci)).transform("sum").to_numpy()
    epci_pop = np.where(epci == "", pop, epci_pop)
    urban = np.where(epci_pop >= _METROPOLE_POPULATION, 0,
                     np.where(epci_pop >= _URBAN_POPULATION, 1, 2))
    if {"townhall_x", "townhall_y"} <= set(gdf.columns):
        hx = pd.to_numeric(gdf["townhall_x"]).to_numpy(dtype=float, copy=True)
        hy = pd.to_numeric(gdf["townhall_y"]).to_numpy(dtype=float, copy=True)
    else:
        hx = np.full(len(gdf), np.nan)
        hy = np.full(len(gdf), np.nan)
    inner = shapely.point_on_surface(geoms)
    missing = ~np.isfinite(hx) | ~np.isfinite(hy)
    hx[missing], hy[missing] = shapely.get_x(inner[missing]), shapely.get_y(inner[missing])
    anchor_rows = [int(np.flatnonzero(code == c)[0]) for c in _ANCHOR_COMMUNES if c in code]
    if not anchor_rows:
        anchor_rows = [int(i) for i in np.argsort(-pop, kind="stable")[:2]]
    geoms = np.array(geoms, dtype=object)
    shapely.prepare(geoms)
    return _Communes(
        code=code, epci=epci, departement=dep, region=_text(gdf, "region"), geometry=geoms,
        weight=pop / pop.sum(), urban=urban, anchors=[(hx[i], hy[i]) for i in anchor_rows],
    )


def _points_in_polygons(
    rng: np.random.Generator, geoms: np.ndarray, which: np.ndarray, max_rounds: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random points inside ``geoms[which]`` by rejection in bounding boxes.

    Each round draws, for every point still missing, enough candidates to expect
    1.5 hits (from the polygon's area over its bounding box's area), tests them
    all at once against the prepared polygons and keeps the first hit.
    """
    bounds = shapely.bounds(geoms)
    box_area = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    fill = np.clip(shapely.area(geoms) / np.where(box_area > 0, box_area, 1.0), 1e-3, 1.0)
    n = len(which)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    pending = np.arange(n)
    for _ in range(max_rounds):
        if not len(pending):
            break
        tries = np.clip(np.ceil(1.5 / fill[which[pending]]), 1, 64).astype(np.int64)
        rep = np.repeat(pending, tries)
        poly = which[rep]
        b = bounds[poly]
        px = b[:, 0] + rng.random(len(rep)) * (b[:, 2] - b[:, 0])
        py = b[:, 1] + rng.random(len(rep)) * (b[:, 3] - b[:, 1])
        hit = np.flatnonzero(shapely.contains_xy(geoms[poly], px, py))
        got, first = np.unique(rep[hit], return_index=True)
        x[got] = px[hit[first]]
        y[got] = py[hit[first]]
        pending = pending[np.isnan(x[pending])]
    if len(pending):  # pathological slivers: a point on the surface
        inner = shapely.point_on_surface(geoms[which[pending]])
        x[pending], y[pending] = shapely.get_x(inner), shapely.get_y(inner)
    return x, y


# ----------------------------------------------------------------------------- firms
def _sector_arrays() -> dict[str, np.ndarray]:
    fam_names = list(FAMILY_URBAN)
    return {
        "naf": np.array([s.naf for s in SECTORS], dtype=object),
        "naf_class": np.array([s.naf[:5] for s in SECTORS], dtype=object),
        "family": np.array([s.family for s in SECTORS], dtype=object),
        "family_idx": np.array([fam_names.index(s.family) for s in SECTORS]),
        "weight": np.array([s.weight for s in SECTORS]),
        "export": np.array([s.export for s in SECTORS]),
        "size": np.array([s.size for s in SECTORS]),
        "iso": np.array([s.iso for s in SECTORS]),
        "born_global": np.array([s.born_global for s in SECTORS]),
        "urban": np.array([FAMILY_URBAN[s.family] for s in SECTORS]).T,  # (3, n_sectors)
    }


def _draw_cohort(rng: np.random.Generator, n: int, com: _Communes, sec: dict[str, np.ndarray],
                 ages: np.ndarray, newborn: bool) -> dict[str, np.ndarray]:
    """Commune, sector and first headcount of ``n`` new firms."""
    max_staff = get_settings().sme_max_employees - 1
    commune = rng.choice(len(com.weight), size=n, p=com.weight)
    urban = com.urban[commune]
    sector = np.zeros(n, dtype=np.int64)
    for cls in range(3):
        sel = np.flatnonzero(urban == cls)
        p = sec["weight"] * sec["urban"][cls]
        sector[sel] = rng.choice(len(p), size=len(sel), p=p / p.sum())
    median = 4.0 * sec["size"][sector] * (0.5 if newborn else 1.0) * (1 + ages / 10.0) ** 0.25
    staff = median * np.exp(rng.normal(0.0, 1.15, n))
    for _ in range(10):  # truncate to SMEs by redrawing
        big = staff > max_staff + 0.5
        if not big.any():
            break
        staff[big] = median[big] * np.exp(rng.normal(0.0, 1.15, int(big.sum())))
    staff = np.clip(np.rint(staff), 1, max_staff).astype(np.int64)
    return {"commune": commune, "sector": sector, "emp0": staff}


def _demography(rngs: list[np.random.Generator], years: list[int], n_firms: int,
                com: _Communes, sec: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Firms of every year: creation, first and last observed year, commune, sector."""
    n_years = len(years)
    n0 = max(1, round(n_firms / (1 + _GROWTH_RATE) ** (n_years - 1)))
    min_year = get_settings().min_year
    age = np.minimum(np.floor(rngs[0].exponential(_MEAN_AGE_YEARS, n0)), years[0] - min_year)
    cohort = _draw_cohort(rngs[1], n0, com, sec, age, newborn=False)
    parts = [{**cohort, "created": (years[0] - age).astype(np.int64),
              "first": np.zeros(n0, dtype=np.int64)}]
    last = np.full(n0, n_years - 1, dtype=np.int64)
    for t in range(1, n_years):
        created = np.concatenate([p["created"] for p in parts])
        emp0 = np.concatenate([p["emp0"] for p in parts])
        alive = np.flatnonzero(last >= t - 1)
        size_f = np.where(emp0[alive] < 5, 1.4, np.where(emp0[alive] < 20, 1.0, 0.6))
        age_f = np.where(years[t - 1] - created[alive] <= 3, 1.5, 1.0)
        f = size_f * age_f
        dead = alive[rngs[2].random(len(alive)) < _DEATH_RATE * f / f.mean()]
        last[dead] = t - 1
        survivors = len(alive) - len(dead)
        n_new = max(0, round(n0 * (1 + _GROWTH_RATE) ** t) - survivors)
        created_new = rngs[3].integers(years[t - 1] + 1, years[t] + 1, n_new)
        new = _draw_cohort(rngs[4], n_new, com, sec, np.zeros(n_new), newborn=True)
        parts.append({**new, "created": created_new.astype(np.int64),
                      "first": np.full(n_new, t, dtype=np.int64)})
        last = np.concatenate([last, np.full(n_new, n_years - 1, dtype=np.int64)])
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out["last"] = last
    return out


def _initial_stage(rng: np.random.Generator, staff: np.ndarray) -> np.ndarray:
    """Stage of starting exporters (seed 000 stages; shares in the module docstring)."""
    base = np.array([0.0, 0.45, 0.40, 0.07, 0.05, 0.012, 0.01, 0.008])
    w = np.tile(base, (len(staff), 1))
    far = np.arange(len(base)) >= _OFFICE
    w[:, far] *= np.where(staff < 10, 0.15, np.where(staff >= 50, 3.0, 1.0))[:, None]
    return _categorical(rng, w)


def _initial_share(rng: np.random.Generator, stage: np.ndarray) -> np.ndarray:
    a = np.where(stage == _INDIRECT, 1.6, np.where(stage == _DIRECT, 2.2, 3.0))
    b = np.where(stage == _INDIRECT, 9.0, np.where(stage == _DIRECT, 5.5, 4.0))
    return np.clip(rng.beta(a, b), 0.01, 0.95)


def _simulate(rngs: list[np.random.Generator], years: list[int], d: dict[str, np.ndarray],
              sec: dict[str, np.ndarray], com: _Communes,
              target: float) -> dict[str, np.ndarray]:
    """Stages, postures, export shares and headcounts, year by year."""
    st = get_settings()
    n, n_years = len(d["first"]), len(years)
    first, last, created = d["first"], d["last"], d["created"]
    rng = rngs[5]
    staff = np.zeros((n, n_years), dtype=np.int64)
    stage = np.zeros((n, n_years), dtype=np.int64)
    posture = np.zeros((n, n_years), dtype=np.int64)
    share = np.zeros((n, n_years))
    # born globals: firms observed within born_global_years of their creation
    obs_years = np.asarray(years)[None, :]
    active = (np.arange(n_years)[None, :] >= first[:, None]) & (
        np.arange(n_years)[None, :] <= last[:, None])
    age = obs_years - created[:, None]
    young = active & (age >= 0) & (age <= st.born_global_years)
    p_bg = np.clip(_BORN_GLOBAL_RATE * sec["born_global"][d["sector"]], 0, 0.5)
    born_global = young.any(axis=1) & (rng.random(n) < p_bg)
    z = (np.log(sec["export"][d["sector"]])
         + np.log(np.asarray(_URBAN_EXPORT_ODDS))[com.urban[d["commune"]]]
         + 0.8 * np.log(d["emp0"] / 5.0))
    start = first == 0
    intercept = _solve_intercept(z[start], target)
    odds = np.exp(intercept + z)

    def init(idx: np.ndarray, t: int, newborn: bool) -> None:
        p = _sigmoid(intercept + z[idx] - (math.log(2.0) if newborn else 0.0))
        exp_ = (rng.random(len(idx)) < p) | born_global[idx]
        s = np.where(exp_, _initial_stage(rng, d["emp0"][idx]), _LOCAL)
        bg = born_global[idx]
        s[bg] = np.array([_INDIRECT, _DIRECT, _OFFICE])[
            _categorical(rng, np.tile([0.2, 0.7, 0.1], (int(bg.sum()), 1)))]
        post_w = np.where(exp_[:, None], [0.02, 0.46, 0.52], [0.45, 0.43, 0.12])
        pst = _categorical(rng, post_w)
        pst[bg] = _PROACTIVE
        x = np.where(s > _LOCAL, _initial_share(rng, s), 0.0)
        x[bg] = np.maximum(x[bg], rng.uniform(0.25, 0.8, int(bg.sum())))
        stage[idx, t], posture[idx, t], share[idx, t] = s, pst, x
        staff[idx, t] = d["emp0"][idx]

    init(np.flatnonzero(start), 0, newborn=False)
    up_prob = np.array([0.0, 0.07, 0.025, 0.06, 0.02, 0.02, 0.02, 0.0])
    up_next = np.array([0, _DIRECT, _OFFICE, _STAGE["subsidiary_commercial"],
                        _STAGE["subsidiary_mixed"], _STAGE["subsidiary_integrated"],
                        _STAGE["subsidiary_integrated"], _STAGE["subsidiary_integrated"]])
    up_min_staff = np.array([0, 0, 10, 20, 20, 20, 20, 0])
    for t in range(1, n_years):
        cont = np.flatnonzero((first < t) & (last >= t))
        s, pst, x = stage[cont, t - 1].copy(), posture[cont, t - 1].copy(), share[cont, t - 1]
        e = np.clip(np.rint(staff[cont, t - 1] * np.exp(rng.normal(0.01, 0.10, len(cont)))),
                    1, st.sme_max_employees - 1).astype(np.int64)
        bg = born_global[cont]
        exporter = s > _LOCAL
        # occasional exporters stop, as many local firms start
        p_exit = np.where(exporter & (s == _INDIRECT) & (pst != _PROACTIVE) & ~bg,
                          _EXPORT_EXIT_RATE, 0.0)
        gap = (target - exporter.mean()) * len(cont)
        expected_entries = max(p_exit.sum() + 0.5 * gap, 0.0)
        w = odds[cont] * np.array([0.3, 1.0, 3.0])[pst] * ~exporter
        p_entry = np.minimum(0.5, expected_entries * w / w.sum()) if w.sum() > 0 else w
        u = rng.random(len(cont))
        exits = u < p_exit
        entries = u < p_entry
        # moving up a stage
        pu = up_prob[s] * np.where(pst == _PROACTIVE, 1.5, 1.0) * (e >= up_min_staff[s])
        moves = exporter & ~exits & (rng.random(len(cont)) < pu)
        new_s = np.where(moves, up_next[s], s)
        new_s = np.where(exits, _LOCAL, np.where(entries, _INDIRECT, new_s))
        drift = np.exp(rng.normal(0.02, 0.12, len(cont))) * np.where(moves, 1.25, 1.0)
        entry_share = np.clip(rng.beta(1.2, 10.0, len(cont)), 0.01, 0.95)
        new_x = np.where(entries, entry_share, np.clip(x * drift, 0.01, 0.95))
        new_x = np.where(new_s == _LOCAL, 0.0, new_x)
        # postures
        v = rng.random(len(cont))
        new_p = pst.copy()
        new_p[(pst == _REFUSAL) & (v < 0.04)] = _REACTIVE
        to_pro = np.where(new_s > _LOCAL, 0.08, 0.05)
        new_p[(pst == _REACTIVE) & (v < to_pro)] = _PROACTIVE
        new_p[(pst == _PROACTIVE) & (v < 0.02) & ~bg] = _REACTIVE
        new_p[entries & (new_p == _REFUSAL)] = _REACTIVE
        stage[cont, t], posture[cont, t], share[cont, t], staff[cont, t] = (
            new_s, new_p, new_x, e)
        init(np.flatnonzero(first == t), t, newborn=True)
    return {"stage": stage, "posture": posture, "share": share, "staff": staff,
            "active": active, "young": young, "born_global": born_global}


def _groupements(rng: np.random.Generator, years: list[int], d: dict[str, np.ndarray],
                 sim: dict[str, np.ndarray], com: _Communes, sec: dict[str, np.ndarray],
                 x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Export groups (seed 001): member firms' group number and the groups' start years."""
    st = get_settings()
    n, n_years = len(x), len(years)
    group = np.full(n, -1, dtype=np.int64)
    n_groups = round(int(sim["active"][:, -1].sum()) / _FIRMS_PER_GROUPEMENT)
    always = np.flatnonzero((d["first"] == 0) & (d["last"] == n_years - 1))
    if n_groups == 0 or len(always) < st.groupement_min_members:
        return group, np.zeros(0, dtype=np.int64), []
    staff = sim["staff"][always]
    emin, emax = staff.min(axis=1), staff.max(axis=1)
    naf_class = sec["naf_class"][d["sector"][always]]
    created = d["created"][always]
    px, py = x[always], y[always]
    tree = cKDTree(np.column_stack([px, py]))
    radius = st.groupement_max_distance_km * 1000.0 / 2.0 - 1.0
    used = np.zeros(len(always), dtype=bool)
    seedable = emax < 50
    anchors = com.anchors
    n_anchor = [round(0.35 * n_groups)] * len(anchors)
    plan = [a for a, k in enumerate(n_anchor) for _ in range(k)]
    plan += [-1] * max(0, n_groups - len(plan))
    zones = [np.hypot(px - ax, py - ay) <= _ANCHOR_RADIUS_M for ax, ay in anchors]
    near_any = np.logical_or.reduce(zones) if zones else np.zeros(len(always), dtype=bool)
    # seed firms are taken in a random order per zone, skipping used ones (linear time)
    queues = {a: rng.permutation(np.flatnonzero(z & seedable)) for a, z in enumerate(zones)}
    queues[-1] = rng.permutation(np.flatnonzero(~near_any & seedable))
    if not len(queues[-1]):
        queues[-1] = rng.permutation(np.flatnonzero(seedable))
    heads = dict.fromkeys(queues, 0)
    sizes = rng.choice(np.arange(st.groupement_min_members, st.groupement_max_members + 1),
                       size=len(plan))
    members_of: list[np.ndarray] = []
    for g, anchor in enumerate(plan):
        queue = queues[anchor]
        for _attempt in range(10):
            h = heads[anchor]
            while h < len(queue) and used[queue[h]]:
                h += 1
            heads[anchor] = h + 1
            if h >= len(queue):
                break
            s = int(queue[h])
            k = min(len(always), 400)
            dist, idx = tree.query([px[s], py[s]], k=k, distance_upper_bound=radius)
            idx = np.atleast_1d(idx)[np.isfinite(np.atleast_1d(dist))]
            ok = (~used[idx] & (emax[idx] <= 2 * emin[s]) & (2 * emin[idx] >= emax[s])
                  & (idx != s))
            cand = rng.permutation(idx[ok])
            chosen = [s]
            classes = {naf_class[s]}
            for c in cand:
                if len(chosen) >= sizes[g]:
                    break
                if naf_class[c] not in classes:
                    chosen.append(int(c))
                    classes.add(naf_class[c])
            if len(chosen) >= st.groupement_min_members:
                members = np.array(chosen)
                used[members] = True
                members_of.append(members)
                break
    # start years, ids by département in creation order
    starts = np.zeros(len(members_of), dtype=np.int64)
    ids: list[str] = []
    per_dep: dict[str, int] = {}
    for g, members in enumerate(members_of):
        if rng.random() < 0.7 or n_years == 1:
            begin = int(rng.integers(max(1998, years[0] - 15), years[0]))
        else:
            begin = int(rng.choice(years[1:]))
        starts[g] = max(begin, int(created[members].max()))
        dep = com.departement[d["commune"][always[members[0]]]]
        per_dep[dep] = per_dep.get(dep, 0) + 1
        ids.append(f"GEX-{dep}-{per_dep[dep]:02d}")
        group[always[members]] = g
    return group, starts, ids


def _iso(rng: np.random.Generator, years: list[int], d: dict[str, np.ndarray],
         sim: dict[str, np.ndarray], sec: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per firm: bit mask over :data:`_ISO_CODES` and the year it holds them from."""
    n = len(d["first"])
    family = sec["family"][d["sector"]]
    ever_exporter = (sim["stage"] > _LOCAL).any(axis=1)
    q = (-2.4 + np.log(sec["iso"][d["sector"]]) + 0.7 * np.log(d["emp0"] / 5.0)
         + 0.8 * ever_exporter)
    certified = rng.random(n) < _sigmoid(q)
    food = np.isin(family, ["agrifood", "wine"])
    aero = family == "aero"
    has_22000 = food & (rng.random(n) < 0.55)
    p_9001 = np.where(aero, 1.0, np.where(food, 0.6, 0.92))
    has_9001 = rng.random(n) < p_9001
    has_14001 = rng.random(n) < 0.2 * np.where(
        family == "health", 2.0, np.where(np.isin(family, ["manufacturing", "aero"]), 1.5, 1.0))
    has_45001 = rng.random(n) < 0.1 * np.where(
        np.isin(family, ["construction", "manufacturing", "aero"]), 1.5, 1.0)
    # every certified firm holds at least one quality standard
    has_9001 |= ~has_22000 & ~has_14001 & ~has_45001
    before = rng.random(n) < 0.85
    late_years = np.asarray(years[1:] or years[:1])
    since = np.where(before, years[0] - 1, late_years[rng.integers(0, len(late_years), n)])
    since = np.maximum(since, d["created"])
    legacy_ok = (d["created"] < 2000) & (since < years[0]) & has_9001 & ~aero
    v = rng.random(n)
    has_9002 = legacy_ok & (v < 0.15)
    has_9003 = legacy_ok & (v >= 0.15) & (v < 0.21)
    has_9001 &= ~(has_9002 | has_9003)
    bits = (has_9001 * 1 + has_9002 * 2 + has_9003 * 4 + has_14001 * 8 + has_22000 * 16
            + has_45001 * 32)
    return np.where(certified, bits, 0).astype(np.int64), since


def _market_order(rng: np.random.Generator, d: dict[str, np.ndarray],
                  sec: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's ranking of :data:`MARKET_WEIGHTS` and its quantile of market counts."""
    codes = list(MARKET_WEIGHTS)
    base = np.log(np.array([MARKET_WEIGHTS[c] for c in codes], dtype=float))
    fam_names = list(FAMILY_URBAN)
    boost = np.zeros((len(fam_names), len(codes)))
    for f, extra in _FAMILY_MARKET_BOOST.items():
        for c, m in extra.items():
            boost[fam_names.index(f), codes.index(c)] = math.log(m)
    n_firms = len(d["first"])
    order = _ranked(rng, base[None, :] + boost[sec["family_idx"][d["sector"]]])
    return order, rng.random(n_firms)


def _market_strings(order: np.ndarray, u: np.ndarray, firm: np.ndarray, stage: np.ndarray,
                    bg: np.ndarray) -> np.ndarray:
    """``|``-joined markets of each observation (firm index and stage), main market first.

    The number of markets is the firm's quantile ``u`` of its stage's range; the
    strings are built once per distinct (firm, number of markets).
    """
    lo = np.where(stage == _OFFICE, 2, np.where(stage > _OFFICE, 3, 1))
    spread = np.where(stage == _INDIRECT, 2, np.where(stage == _DIRECT, 4,
                                                      np.where(stage == _OFFICE, 5, 8)))
    k = lo + np.floor(u[firm] * spread).astype(np.int64) + bg[firm]
    k = np.where(stage > _LOCAL, np.minimum(k, order.shape[1]), 0)
    out = np.full(len(stage), "", dtype=object)
    sel = np.flatnonzero(k > 0)
    if not len(sel):
        return out
    key = firm[sel].astype(np.int64) * (order.shape[1] + 1) + k[sel]
    uniq, inverse = np.unique(key, return_inverse=True)
    uf, uk = uniq // (order.shape[1] + 1), uniq % (order.shape[1] + 1)
    codes = np.array([c.encode("ascii") for c in MARKET_WEIGHTS], dtype="S2")
    m, width = len(uniq), 3 * order.shape[1]
    chars = np.zeros((m, width), dtype=np.uint8)
    cells = chars.reshape(m, -1, 3)
    cells[:, :, :2] = np.ascontiguousarray(codes[order[uf]]).view(np.uint8).reshape(m, -1, 2)
    cells[:, :, 2] = ord("|")
    chars[np.arange(width)[None, :] >= (3 * uk - 1)[:, None]] = 0
    text = chars.view(f"S{width}").ravel().astype(f"U{width}").astype(object)
    out[sel] = text[inverse]
    return out


def synthetic_firms(
    communes: gpd.GeoDataFrame,
    years: Sequence[int] | None = None,
    n_firms: int | None = None,
    seed: int | None = None,
) -> gpd.GeoDataFrame:
    """Synthetic SMEs placed in real communes, observed over several years.

    Parameters
    ----------
    communes : GeoDataFrame
        Communes with ``code``, ``population`` and polygon boundaries (any CRS;
        projected to EPSG:2154), and optionally ``epci``, ``departement``,
        ``region``, ``townhall_x``/``townhall_y`` and ``type`` (only ``"COM"``
        rows are used when present), as :func:`ecosystem.geography.communes`
        returns them.
    years : sequence of int, optional
        Observation years (default ``settings.demo_years``).
    n_firms : int, optional
        Firms active in the last year (default ``settings.demo_n_firms``).
    seed : int, optional
        Seed of every random draw (default ``settings.demo_seed``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per firm and year it is active, with exactly the columns of
        :data:`ecosystem.schema.FIRM_COLUMNS` and a Point geometry in EPSG:2154,
        sorted by year then firm; ``synthetic`` is True everywhere. The
        distributions are documented in the module docstring.

    Raises
    ------
    ValueError
        When ``years`` is empty, ``n_firms`` is not positive, or ``communes``
        has no CRS or lacks a required column.
    EmptyDataError
        When no commune has both a population and a boundary.
    """
    st = get_settings()
    years_ = _check_years(st.demo_years if years is None else years)
    n_target = st.demo_n_firms if n_firms is None else int(n_firms)
    if n_target <= 0:
        raise ValueError(f"n_firms must be positive, got {n_target}")
    seed_ = st.demo_seed if seed is None else int(seed)
    rngs = _streams(seed_, 1)
    com = _prepare_communes(communes)
    sec = _sector_arrays()
    d = _demography(rngs, years_, n_target, com, sec)
    sim = _simulate(rngs, years_, d, sec, com, st.demo_exporting_share)
    n = len(d["first"])
    x, y = _points_in_polygons(rngs[6], com.geometry, d["commune"])
    group, group_start, group_ids = _groupements(rngs[7], years_, d, sim, com, sec, x, y)

    obs_year = np.asarray(years_)[None, :]
    stage, posture, share = sim["stage"], sim["posture"], sim["share"]
    # export groups: members export directly at least and do not refuse
    joined = np.full(n, np.iinfo(np.int64).max)
    joined[group >= 0] = group_start[group[group >= 0]]
    in_group = sim["active"] & (obs_year >= joined[:, None])
    floor_share = rngs[8].uniform(0.05, 0.15, n)[:, None]
    share = np.where(in_group & (stage == _LOCAL), floor_share, share)
    stage = np.where(in_group, np.maximum(stage, _DIRECT), stage)
    posture = np.where(in_group & (posture == _REFUSAL), _REACTIVE, posture)
    # consistency: local firms sell nothing abroad; born-global rule (seed 003)
    share = np.where(stage == _LOCAL, 0.0, np.clip(share, 0.01, 0.95))
    bg = sim["born_global"][:, None]
    young = sim["young"]
    share = np.where(young & bg, np.maximum(share, st.born_global_share), share)
    cap = np.nextafter(st.born_global_share, 0.0)
    share = np.where(young & ~bg & (stage > _LOCAL), np.minimum(share, cap), share)

    iso_bits, iso_since = _iso(rngs[9], years_, d, sim, sec)
    order, market_u = _market_order(rngs[10], d, sec)
    fam = sec["family"][d["sector"]]
    trig_w = np.tile(np.array([0.25, 0.08, 0.17, 0.10, 0.08, 0.07, 0.10, 0.15]), (n, 1))
    keys = list(REACTIVE_TRIGGERS)
    trig_w[np.isin(fam, ["agrifood", "wine"]), keys.index("overproduction")] *= 4
    trig_w[np.isin(fam, ["aero", "manufacturing"]), keys.index("client_relocation")] *= 4
    trig_w[np.isin(fam, ["manufacturing", "aero"]), keys.index("excess_capacity")] *= 2
    r = rngs[11]
    trig_k = np.where(r.random(n) < 0.7, np.where(r.random(n) < 0.6, 1, 2), 0)
    trig_mask = _top_k_mask(_ranked(r, np.log(trig_w)), trig_k)
    dkeys = list(PROACTIVE_DRIVERS)
    drv_w = np.tile(np.array([0.10, 0.22, 0.15, 0.12, 0.12, 0.15, 0.14]), (n, 1))
    drv_w[np.isin(fam, ["agrifood", "wine"]), dkeys.index("unique_product")] *= 2.5
    drv_w[np.isin(fam, ["aero", "electronics", "health", "digital", "engineering"]),
          dkeys.index("technology")] *= 3
    drv_k = np.where(r.random(n) < 0.7, r.choice([1, 2, 3], n, p=[0.5, 0.35, 0.15]), 0)
    drv_mask = _top_k_mask(_ranked(r, np.log(drv_w)), drv_k)

    # identifiers (unique SIREN bodies; never La Poste's)
    ids = rngs[12]
    body = ids.choice(90_000_000, size=n + 1, replace=False) + 10_000_000
    body = body[body != 35_600_000][:n].astype(np.int64)
    siren = body * 10 + _luhn_key(body)
    nic_body = siren * 10_000 + ids.integers(1, 10, n)
    siret = nic_body * 10 + _luhn_key(nic_body)
    diffusible = ids.random(n) < _DIFFUSIBLE_SHARE
    width = max(6, len(str(n)))

    # observations, by year then firm
    t_idx, f_idx = np.nonzero(sim["active"].T)
    obs_stage = stage[f_idx, t_idx]
    obs_posture = posture[f_idx, t_idx]
    yr = np.asarray(years_)[t_idx]
    siret_s = np.char.zfill(siret.astype(str), 14).astype(object)
    c = d["commune"][f_idx]
    iso_obs = np.where(yr >= iso_since[f_idx], iso_bits[f_idx], 0)
    grp = group[f_idx]
    grp_on = in_group[f_idx, t_idx]
    group_text = np.array(group_ids + [""], dtype=object)
    frame = pd.DataFrame({
        "firm_id": siret_s[f_idx],
        "siret": siret_s[f_idx],
        "siren": np.char.zfill(siren.astype(str), 9).astype(object)[f_idx],
        "name": np.char.add("PME synthétique ",
                            np.char.zfill(np.arange(1, n + 1).astype(str), width))[f_idx],
        "naf": sec["naf"][d["sector"]][f_idx],
        "employees": sim["staff"][f_idx, t_idx],
        "commune": com.code[c],
        "epci": com.epci[c],
        "departement": com.departement[c],
        "region": com.region[c],
        "placement": "coordinates",
        "stage": _STAGE_CODES[obs_stage],
        "posture": _POSTURE_CODES[obs_posture],
        "triggers": np.where(obs_posture == _REACTIVE,
                             _bitmask_strings(trig_mask, keys)[f_idx], ""),
        "drivers": np.where(obs_posture == _PROACTIVE,
                            _bitmask_strings(drv_mask, dkeys)[f_idx], ""),
        "export_share": share[f_idx, t_idx],
        "iso": _bitmask_strings(iso_obs, _ISO_CODES),
        "created": d["created"][f_idx],
        "markets": _market_strings(order, market_u, f_idx, obs_stage,
                                   sim["born_global"].astype(np.int64)),
        "groupement": group_text[np.where(grp_on, grp, -1)],
        "year": yr,
        "diffusible": diffusible[f_idx],
        "source": synthetic_source(seed_),
        "synthetic": True,
    })
    gdf = gpd.GeoDataFrame(frame, geometry=shapely.points(x, y)[f_idx], crs=LAMBERT93)
    return conform(gdf, FIRM_COLUMNS)  # type: ignore[return-value]


# ----------------------------------------------------------------------------- ties
def _xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    geoms = gdf.geometry.to_numpy()
    usable = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    pts = np.where(usable, shapely.point_on_surface(np.where(usable, geoms, None)), None)
    return shapely.get_x(pts), shapely.get_y(pts)


def _hubs(cat: np.ndarray, name: np.ndarray, capacity: np.ndarray, dep: np.ndarray,
          fragmented: Sequence[str]) -> np.ndarray:
    """The regional CCI and Team France Export: one hub per category.

    Among the category's actors outside the fragmented départements, those whose
    name says *Occitanie* or *régional(e)* if any, the one with the largest
    capacity (the first in file order on a tie).
    """
    hub = np.zeros(len(cat), dtype=bool)
    cap = np.nan_to_num(capacity, nan=-1.0)
    for c in _HUB_CATEGORIES:
        rows = np.flatnonzero((cat == c) & ~np.isin(dep, list(fragmented)))
        if not len(rows):
            continue
        named = np.array([r for r in rows if any(
            w in _ascii_lower(name[r]) for w in ("occitanie", "regional", "region "))], dtype=int)
        pool = named if len(named) else rows
        hub[pool[np.argmax(cap[pool])]] = True
    return hub


def _actor_ties(rng: np.random.Generator, actors: gpd.GeoDataFrame, years: list[int],
                fragmented: Sequence[str]) -> pd.DataFrame:
    n = len(actors)
    if n < 2:
        return pd.DataFrame(columns=list(RELATION_COLUMNS))
    ids = _text(actors, "id")
    cat = _text(actors, "category")
    name = _text(actors, "name")
    dep = _text(actors, "departement")
    if "departement" not in actors.columns and "commune" in actors.columns:
        dep = np.array([c[:2] for c in _text(actors, "commune")], dtype=object)
    since = pd.to_numeric(actors["since"]).to_numpy(dtype=float)
    until = (pd.to_numeric(actors["until"]).astype("Float64").to_numpy(dtype=float,
                                                                        na_value=np.nan)
             if "until" in actors.columns else np.full(n, np.nan))
    cap = (pd.to_numeric(actors["capacity"]).astype("Float64").to_numpy(dtype=float,
                                                                       na_value=np.nan)
           if "capacity" in actors.columns else np.full(n, np.nan))
    x, y = _xy(actors)
    role = np.array([_ROLES.index(_ROLE_OF.get(c, "private")) for c in cat])
    affinity = np.array([[ROLE_AFFINITY[(a, b)] for b in _ROLES] for a in _ROLES])
    hub_aff = np.array([_HUB_AFFINITY[r] for r in _ROLES])
    hub = _hubs(cat, name, cap, dep, fragmented)
    i, j = np.triu_indices(n, 1)
    dist_km = np.hypot(x[i] - x[j], y[i] - y[j]) / 1000.0
    dist_km = np.where(np.isfinite(dist_km), dist_km, 1000.0)
    same_dep = (dep[i] == dep[j]) & (dep[i] != "")
    p = affinity[role[i], role[j]] * np.exp(-dist_km / _DISTANCE_DECAY_KM)
    p = np.minimum(p * np.where(same_dep, 1.3, 1.0), 0.95)
    p = np.where(hub[i], np.maximum(p, hub_aff[role[j]]), p)
    p = np.where(hub[j], np.maximum(p, hub_aff[role[i]]), p)
    p = np.where(hub[i] & hub[j], 1.0, p)
    # gap 1: weak knowledge <-> export-support ties in a third of the départements
    knowledge = np.isin(cat, ["university", "research_lab"])
    support = np.array([CATEGORIES[c].group == "public_support" if c in CATEGORIES else False
                        for c in cat])
    hub_deps = set(dep[hub])
    candidates = sorted({dep[k] for k in np.flatnonzero(knowledge)} - hub_deps - {""}
                        - set(fragmented))
    n_weak = math.ceil(len(candidates) / 3) if candidates else 0
    weak = set(rng.choice(candidates, n_weak, replace=False).tolist()) if n_weak else set()
    weak_k = knowledge & np.isin(dep, list(weak))
    p = np.where((weak_k[i] & support[j]) | (weak_k[j] & support[i]), p * 0.1, p)
    # gap 2: fragmented départements, in small pieces, cut from the rest
    frag = np.isin(dep, list(fragmented)) & ~hub
    piece = np.full(n, -1)
    frag_rows = rng.permutation(np.flatnonzero(frag))
    k = 0
    while k < len(frag_rows):
        size = int(rng.choice([1, 2, 3], p=[0.2, 0.45, 0.35]))
        piece[frag_rows[k:k + size]] = k
        k += size
    cut = frag[i] != frag[j]
    inside = frag[i] & frag[j]
    p = np.where(cut, 0.0, p)
    p = np.where(inside, np.where(piece[i] == piece[j], 0.8, 0.0), p)
    # gap 3: isolated actors
    others = np.flatnonzero(~hub)
    n_iso = max(1 if n >= 10 else 0, round(0.06 * len(others)))
    isolated = np.zeros(n, dtype=bool)
    if n_iso:
        isolated[rng.choice(others, min(n_iso, len(others)), replace=False)] = True
    p = np.where(isolated[i] | isolated[j], 0.0, p)
    tied = rng.random(len(p)) < p
    # start year within both actors' lives
    last = years[-1]
    lo = np.maximum(since[i], since[j])
    hi = np.fmin(np.fmin(until[i], until[j]), last)
    tied &= lo <= hi
    i, j, lo, hi = i[tied], j[tied], lo[tied], hi[tied]
    m = len(i)
    old = rng.random(m) < 0.75
    start_old = years[0] - 1 - np.floor(rng.exponential(5.0, m))
    start_new = np.asarray(years)[rng.integers(0, len(years), m)]
    start = np.clip(np.where(old, start_old, start_new), lo, hi).astype(np.int64)
    ends = (rng.random(m) < 0.07) & (start < last)
    end = np.where(ends, rng.integers(start, np.maximum(start + 1, last)), np.nan)
    end = np.fmin(end, np.fmin(until[i], until[j]))
    # kind by roles
    ci, cj = cat[i], cat[j]
    w = np.tile([0.45, 0.15, 0.2, 0.2], (m, 1))
    w[np.isin(ci, list(_FUNDERS)) | np.isin(cj, list(_FUNDERS)), 1] *= 3
    w[np.isin(ci, list(_EVENT_MAKERS)) | np.isin(cj, list(_EVENT_MAKERS)), 2] *= 2
    fi, fj = np.isin(ci, list(_FRONT_LINE_REFERRERS)), np.isin(cj, list(_FRONT_LINE_REFERRERS))
    si, sj = np.isin(ci, list(_SERVICE_PROVIDERS)), np.isin(cj, list(_SERVICE_PROVIDERS))
    w[(fi & sj) | (fj & si), 3] *= 2
    kind = np.array(_ACTOR_KINDS, dtype=object)[_categorical(rng, w)]
    # orientation: a referral goes from the front-line actor; others at random
    swap = np.where(kind == "referral", fj & ~fi, rng.random(m) < 0.5)
    src, dst = np.where(swap, j, i), np.where(swap, i, j)
    strong = hub[i] | hub[j] | ((role[i] == 0) & (role[j] == 0))
    weight = 0.1 + 0.9 * np.where(strong, rng.beta(4, 2, m), rng.beta(2, 3, m))
    return pd.DataFrame({
        "source": ids[src], "target": ids[dst], "source_type": "actor",
        "target_type": "actor", "kind": kind, "year": start,
        "until": pd.array(np.where(np.isnan(end), np.nan, end), dtype="Float64").astype(
            "Int64"),
        "weight": weight,
    })


def _cluster_family_sets(names: np.ndarray) -> list[tuple[str, ...]]:
    out = []
    for name in names:
        low = _ascii_lower(name)
        fams: list[str] = []
        for words, families in _CLUSTER_FAMILIES:
            if any(w in low for w in words):
                fams.extend(f for f in families if f not in fams)
        out.append(tuple(fams) or _INNOVATION_FAMILIES)
    return out


def _firm_families(naf: np.ndarray) -> np.ndarray:
    exact = {s.naf: s.family for s in SECTORS}
    return np.array([exact.get(c, _DIVISION_FAMILY.get(c[:2], "other")) for c in naf],
                    dtype=object)


def _actor_firm_ties(rng: np.random.Generator, actors: gpd.GeoDataFrame,
                     firms: gpd.GeoDataFrame, years: list[int]) -> pd.DataFrame:
    st = get_settings()
    reach_m = st.unserved_distance_km * 1000.0
    cat = _text(actors, "category")
    ids = _text(actors, "id")
    ax, ay = _xy(actors)
    cap = (pd.to_numeric(actors["capacity"]).astype("Float64").to_numpy(dtype=float,
                                                                       na_value=np.nan)
           if "capacity" in actors.columns else np.full(len(actors), np.nan))
    cap = np.where(np.isfinite(cap), cap, st.default_actor_capacity)
    located = np.isfinite(ax) & np.isfinite(ay)
    fill = rng.uniform(0.55, 0.95, len(actors))
    cluster_fams = _cluster_family_sets(_text(actors, "name"))
    fx, fy = _xy(firms)
    fyear = pd.to_numeric(firms["year"]).to_numpy()
    fid = _text(firms, "firm_id")
    exporting = firms["stage"].isin(
        [s for s in STAGES if s != "local"]).to_numpy(dtype=bool)
    proactive = firms["posture"].eq("proactive").to_numpy(dtype=bool)
    family = _firm_families(_text(firms, "naf"))
    rows: list[dict[str, Any]] = []
    open_acc: dict[int, dict[str, int]] = {}
    members: dict[int, set[str]] = {}  # current members of each club or cluster
    ever: dict[int, set[str]] = {}  # every firm that has been a member
    member_row: dict[tuple[int, str], int] = {}
    for y in years:
        live = active_actors_mask(actors, y).to_numpy(dtype=bool) & located
        obs = np.flatnonzero((fyear == y) & np.isfinite(fx))
        if not len(obs):
            continue
        tree = cKDTree(np.column_stack([fx[obs], fy[obs]]))
        obs_ids = fid[obs]
        alive_ids = set(obs_ids)
        for a in np.flatnonzero(live).tolist():
            c = cat[a]
            if c in _ACCOMPANYING:
                near = np.asarray(tree.query_ball_point([ax[a], ay[a]], reach_m), dtype=int)
                near = near[exporting[obs[near]] | proactive[obs[near]]] if len(near) else near
                ongoing = {f: u for f, u in open_acc.get(a, {}).items()
                           if u >= y and f in alive_ids}
                near = np.array([k for k in near if obs_ids[k] not in ongoing], dtype=int)
                room = int(round(cap[a] * fill[a])) - len(ongoing)
                n_new = min(room, int(round(0.08 * len(near))))
                if n_new > 0:
                    dist = np.hypot(fx[obs[near]] - ax[a], fy[obs[near]] - ay[a])
                    w = (np.exp(-dist / 10_000.0) * np.where(proactive[obs[near]], 2.0, 1.0)
                         * np.where(exporting[obs[near]], 1.5, 1.0))
                    pick = rng.choice(near, n_new, replace=False, p=w / w.sum())
                    length = rng.choice([1, 2, 3], n_new, p=[0.35, 0.4, 0.25])
                    intensity = 0.2 + 0.8 * rng.beta(2, 2, n_new)
                    for k, dur, wt in zip(pick, length, intensity, strict=True):
                        ongoing[obs_ids[k]] = y + int(dur) - 1
                        rows.append({"source": ids[a], "target": obs_ids[k],
                                     "kind": "accompaniment", "year": y,
                                     "until": y + int(dur) - 1, "weight": float(wt)})
                open_acc[a] = ongoing
            elif c in ("club_export", "cluster"):
                radius = reach_m if c == "club_export" else _CLUSTER_RADIUS_KM * 1000.0
                near = np.asarray(tree.query_ball_point([ax[a], ay[a]], radius), dtype=int)
                if c == "club_export":
                    ok = exporting[obs[near]] if len(near) else np.zeros(0, dtype=bool)
                    share = 0.15
                else:
                    ok = (np.isin(family[obs[near]], list(cluster_fams[a])) if len(near)
                          else np.zeros(0, dtype=bool))
                    share = 0.25
                near = near[ok]
                current = {f for f in members.get(a, set()) if f in alive_ids}
                # sorted first: a set's order changes from run to run (hash seed)
                leavers = [f for f in sorted(current) if rng.random() < 0.08]
                for f in leavers:
                    rows[member_row[(a, f)]]["until"] = y - 1
                current -= set(leavers)
                seen = ever.setdefault(a, set())
                near = np.array([k for k in near if obs_ids[k] not in seen], dtype=int)
                target = min(int(round(cap[a] * fill[a])),
                             int(round(share * (len(near) + len(current)))))
                n_new = min(len(near), target - len(current))
                if n_new > 0:
                    dist = np.hypot(fx[obs[near]] - ax[a], fy[obs[near]] - ay[a])
                    w = np.exp(-dist / 20_000.0)
                    pick = rng.choice(near, n_new, replace=False, p=w / w.sum())
                    for k in pick:
                        f = obs_ids[k]
                        current.add(f)
                        seen.add(f)
                        member_row[(a, f)] = len(rows)
                        rows.append({"source": f, "target": ids[a], "kind": "membership",
                                     "year": y, "until": None, "weight": 1.0})
                members[a] = current
    out = pd.DataFrame(rows, columns=["source", "target", "kind", "year", "until", "weight"])
    is_member = out["kind"].eq("membership")
    out["source_type"] = np.where(is_member, "firm", "actor")
    out["target_type"] = np.where(is_member, "actor", "firm")
    out["until"] = pd.to_numeric(out["until"]).astype("Int64")
    return out


def _groupement_ties(firms: gpd.GeoDataFrame, years: list[int]) -> pd.DataFrame:
    g = pd.DataFrame({
        "firm": _text(firms, "firm_id"), "group": _text(firms, "groupement"),
        "year": pd.to_numeric(firms["year"]).to_numpy(),
    })
    g = g[g["group"].ne("") & g["year"].isin(years)]
    span = g.groupby(["group", "firm"])["year"].agg(["min", "max"]).reset_index()
    rows = []
    last = years[-1]
    for _group, part in span.groupby("group", sort=True):
        part = part.sort_values("firm")
        recs = part.to_dict("records")
        for a in range(len(recs)):
            for b in range(a + 1, len(recs)):
                start = max(recs[a]["min"], recs[b]["min"])
                end = min(recs[a]["max"], recs[b]["max"])
                if end < start:
                    continue
                rows.append({"source": recs[a]["firm"], "target": recs[b]["firm"],
                             "kind": "groupement", "year": int(start),
                             "until": int(end) if end < last else None, "weight": 1.0})
    out = pd.DataFrame(rows, columns=["source", "target", "kind", "year", "until", "weight"])
    out["source_type"] = "firm"
    out["target_type"] = "firm"
    out["until"] = pd.to_numeric(out["until"]).astype("Int64")
    return out


def synthetic_relations(
    actors: gpd.GeoDataFrame,
    firms: gpd.GeoDataFrame,
    years: Sequence[int] | None = None,
    seed: int | None = None,
    fragmented_departements: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Synthetic ties between actors and firms, several years of them.

    Parameters
    ----------
    actors : GeoDataFrame
        Support actors with ``id``, ``category``, ``since`` and a geometry (any
        CRS), and optionally ``name``, ``until``, ``capacity``, ``departement``:
        the ``actors`` layer of :mod:`ecosystem.schema`.
    firms : GeoDataFrame
        Firm observations with ``firm_id``, ``year``, ``stage``, ``posture``,
        ``naf``, ``groupement`` and a geometry, as :func:`synthetic_firms`
        returns them.
    years : sequence of int, optional
        Years in which actor–firm ties may start (default ``settings.demo_years``).
    seed : int, optional
        Seed of every random draw (default ``settings.demo_seed``).
    fragmented_departements : sequence of str, optional
        Départements whose actor network is fragmented (default
        ``settings.demo_fragmented_departements``).

    Returns
    -------
    pandas.DataFrame
        Exactly the columns of :data:`ecosystem.schema.RELATION_COLUMNS`:
        actor–actor ties, then actor–firm ties, then firm–firm ``groupement``
        ties; ``synthetic`` is True everywhere. Each tie starts in a year when
        both its ends are active.
    """
    st = get_settings()
    years_ = _check_years(st.demo_years if years is None else years)
    seed_ = st.demo_seed if seed is None else int(seed)
    frag = tuple(st.demo_fragmented_departements if fragmented_departements is None
                 else fragmented_departements)
    act = _as_lambert93(actors, "actors").reset_index(drop=True)
    _require(act, ["id", "category", "since"], "actors")
    fir = _as_lambert93(firms, "firms").reset_index(drop=True)
    _require(fir, ["firm_id", "year", "stage", "posture"], "firms")
    rngs = _streams(seed_, 2)
    parts = [
        _actor_ties(rngs[0], act, years_, frag),
        _actor_firm_ties(rngs[1], act, fir, years_),
        _groupement_ties(fir, years_) if "groupement" in fir.columns else None,
    ]
    out = pd.concat([p for p in parts if p is not None and len(p)], ignore_index=True)
    if not len(out):
        out = pd.DataFrame(columns=list(RELATION_COLUMNS))
    # ties of a firm that ceases end in its last observed year
    last_seen = pd.Series(pd.to_numeric(fir["year"]).to_numpy(),
                          index=_text(fir, "firm_id")).groupby(level=0).max()
    until = out["until"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    for end in ("source", "target"):
        seen = out[end].map(last_seen).to_numpy(dtype=float, na_value=np.nan)
        ceased = out[f"{end}_type"].eq("firm").to_numpy(dtype=bool) & (seen < years_[-1])
        until = np.where(ceased, np.fmin(until, seen), until)
    out["until"] = pd.Series(until, index=out.index, dtype="Float64").round().astype("Int64")
    out["synthetic"] = True
    return conform(out, RELATION_COLUMNS)
