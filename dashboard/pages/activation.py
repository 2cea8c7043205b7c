"""Activation résiliaire: ties to create, relay sites, export groups and the what-if
simulation (issue 7; definitions in ``docs/network.md``).

The four sections show the results of the commands ``recommend-ties``,
``plan-relays``, ``groupements`` and ``what-if`` for the year chosen at the top of
the page. The public view shows aggregates only: the firms covered by a relay site
and the members of a candidate group are listed for signed-in staff (their tables
are declared with :func:`dashboard.auth.staff_output`, so that their callbacks answer
403 without a session); firm counts of 1 or 2 print « s » (secret statistique).

What the public may ask is fixed (the values of the page's lists, checked before any
callback runs by :mod:`dashboard.limits`), and what it is shown is protected across
requests, not only within one: the relay plan is published at the product's
threshold d for every number of sites the page offers, all of them protected
together (:func:`public_relay_plans`, :func:`ecosystem.disclosure.protect_alternatives`:
no two published totals differ by 1 or 2 firms); the what-if, whose scenarios are
free, shows the public its effect on the actor network only (two scenarios a few
firms apart would otherwise give those firms away), its effect on the firms to
staff. Expensive computations of visitors run in :func:`dashboard.slots.heavy`.

The simulation builds a scenario (relays, ties) in the browser, writes it to a
temporary YAML file of the shape of ``docs/scenarios/activation-2025.yaml`` and runs
:func:`ecosystem.activation.what_if` on it (the ``what-if`` command).
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml
from dash import ALL, Input, Output, State, ctx, dash_table, dcc, html, no_update
from dash.dash_table.Format import Format, Group, Scheme

from ecosystem import (
    EmptyDataError,
    InputFormatError,
    RegistryError,
    ValidationError,
    activation,
    catalogue,
)
from ecosystem.formatting import format_number, format_percent, format_points, format_value
from ecosystem.publish.plans import (
    public_relay_sites,
    public_ties,
    public_unserved_total,
    public_what_if,
)
from ecosystem.settings import POSTURES, RELATION_KINDS, STAGES, get_settings

from .. import components as ui
from .. import slots
from ..auth import is_staff, require_staff, staff_output
from ..i18n import category_label, indicator_label, translator

__all__ = ["PATH", "NAV", "STAFF_ONLY", "layout", "register", "warm", "scenario_document",
           "public_what_if", "public_relay_sites", "public_relay_plans", "public_distance_km",
           "group_summary", "TOP_CHOICES", "SITE_CHOICES", "WHAT_IF_LEVELS", "TIE_KINDS"]

PATH = "/activation"
NAV = "nav_activation"
STAFF_ONLY = False

#: Firm-level outputs (staff only): the firms a relay site covers, the members of a group.
RELAY_FIRMS = staff_output("act-relay-firms")
GROUP_MEMBERS = staff_output("act-group-members")

#: Choices offered by the controls.
TOP_CHOICES: tuple[int, ...] = (5, 10, 15, 20, 30)
SITE_CHOICES: tuple[int, ...] = tuple(range(1, 11))
WHAT_IF_LEVELS: tuple[str, ...] = ("departement", "epci")
#: Relation kinds offered for a tie between two actors (firm–firm groups excluded).
TIE_KINDS: tuple[str, ...] = tuple(k for k in RELATION_KINDS if k != "groupement")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Activation résiliaire", "Network activation"),
    "intro": ("Les décisions qu'une Région ou une CCI peut prendre sur le réseau "
              "d'accompagnement à l'export : les liens à créer entre acteurs, les sites où "
              "ouvrir un relais de proximité, les groupements à l'export à encourager, et "
              "leur effet simulé territoire par territoire.",
              "The decisions a regional council or a CCI can take on the export-support "
              "network: ties to create between actors, sites where to open a local relay, "
              "export groups to encourage, and their simulated effect territory by "
              "territory."),
    "tab_ties": ("Liens à créer", "Ties to create"),
    "tab_relays": ("Sites relais", "Relay sites"),
    "tab_groups": ("Groupements à l'export", "Export groups"),
    "tab_what_if": ("Simulation", "What-if"),
    # ties
    "top": ("Nombre de liens", "Number of ties"),
    "ties_intro": ("Liens entre acteurs actifs distants d'au plus {km} km et pas encore liés, "
                   "choisis un à un : à chaque étape, le lien qui apporte le plus au réseau "
                   "(avec les liens déjà retenus) est ajouté et tous les gains sont recalculés.",
                   "Ties between active actors at most {km} km apart and not yet tied, "
                   "chosen one at a time: at each step the tie that brings the network the "
                   "most (with the ties already chosen) is added and every gain is "
                   "recomputed."),
    "rank": ("Rang", "Rank"),
    "actor_a": ("Acteur A", "Actor A"),
    "actor_b": ("Acteur B", "Actor B"),
    "category_a": ("Catégorie A", "Category A"),
    "category_b": ("Catégorie B", "Category B"),
    "commune_a": ("Commune A", "Municipality A"),
    "commune_b": ("Commune B", "Municipality B"),
    "distance_km": ("Distance (km)", "Distance (km)"),
    "gain_components": ("Composantes réunies", "Components joined"),
    "gain_efficiency_pct": ("Gain d'efficience (%)", "Efficiency gain (%)"),
    "gain_firms_reached": ("PME mises à portée", "SMEs brought within reach"),
    "score": ("Score", "Score"),
    "help_rank": ("Rang : ordre dans lequel le lien est choisi ; les gains d'un lien "
                  "s'ajoutent à ceux des liens de rang inférieur.",
                  "Rank: the order in which the tie is chosen; the gains of a tie come on "
                  "top of those of the ties ranked before it."),
    "help_distance": ("Distance : en ligne droite (Lambert-93) entre les deux acteurs ; 0 km "
                      "quand ils sont installés à la même mairie.",
                      "Distance: straight line (Lambert-93) between the two actors; 0 km when "
                      "they sit at the same town hall."),
    "help_components": ("Composantes réunies : 1 quand le lien relie deux morceaux du réseau "
                        "qui n'étaient reliés par aucun chemin, sinon 0.",
                        "Components joined: 1 when the tie joins two pieces of the network "
                        "that no path linked, else 0."),
    "help_efficiency": ("Gain d'efficience : hausse relative (%) de l'efficience globale du "
                        "réseau d'acteurs (moyenne des inverses des distances en nombre de "
                        "liens, Latora et Marchiori 2001).",
                        "Efficiency gain: relative increase (%) of the global efficiency of "
                        "the actor network (mean inverse shortest-path length, Latora and "
                        "Marchiori 2001)."),
    "help_firms": ("PME mises à portée : entreprises actives qui, grâce au lien, atteignent un "
                   "acteur de première ligne en deux pas (un acteur proche ou qui les "
                   "accompagne, lui-même lié à la première ligne) et n'en atteignaient aucun.",
                   "SMEs brought within reach: active firms that, thanks to the tie, reach a "
                   "front-line actor in two steps (an actor near them or accompanying them, "
                   "itself tied to the front line) and reached none before."),
    "help_score": ("Score : composantes réunies + gain d'efficience (%) + points de "
                   "pourcentage des PME de la région mises à portée (poids 1 chacun).",
                   "Score: components joined + efficiency gain (%) + percentage points of "
                   "the region's SMEs brought within reach (weight 1 each)."),
    "kf_components": ("Composantes du réseau", "Network components"),
    "kf_efficiency": ("Efficience globale", "Global efficiency"),
    "kf_reached": ("PME à deux pas de la première ligne", "SMEs two steps from the front line"),
    "kf_before_after": ("avant → après les {n} liens", "before → after the {n} ties"),
    "add_tie_rec": ("Ajouter ce lien à la simulation", "Add this tie to the what-if"),
    "select_tie_first": ("Cochez d'abord un lien dans le tableau.",
                         "Tick a tie in the table first."),
    "no_ties": ("Aucun lien candidat cette année.", "No candidate tie this year."),
    # relays
    "sites": ("Nombre de sites", "Number of sites"),
    "distance": ("Distance d (km)", "Distance d (km)"),
    "relays_intro": ("Où ouvrir de nouveaux relais de première ligne (CCI, Team France Export, "
                     "CCE, Bpifrance, club export) pour couvrir le plus de PME non "
                     "accompagnées à moins de d km, pondérées par leur potentiel à l'export "
                     "(problème de couverture maximale, Church et ReVelle 1974). Les sites "
                     "candidats sont les mairies des communes.",
                     "Where to open new front-line relays (CCI, Team France Export, CCE, "
                     "Bpifrance, export club) to cover the most unserved SMEs within d km, "
                     "weighted by their export potential (maximal covering location "
                     "problem, Church and ReVelle 1974). Candidate sites are the communes' "
                     "town halls."),
    "commune": ("Commune", "Municipality"),
    "epci": ("EPCI", "EPCI"),
    "departement": ("Département", "Département"),
    "newly_covered_firms": ("PME nouvellement couvertes", "Newly covered SMEs"),
    "newly_covered_exporting": ("dont exportatrices", "of which exporting"),
    "covered_weight": ("Potentiel couvert", "Covered potential"),
    "firms_within_d": ("PME non accompagnées à moins de d", "Unserved SMEs within d"),
    "help_newly": ("PME nouvellement couvertes : PME non accompagnées aujourd'hui qui auraient "
                   "ce relais à moins de d km, chacune comptée au site retenu le plus proche.",
                   "Newly covered SMEs: SMEs unserved today that would have this relay "
                   "within d km, each counted at its nearest chosen site."),
    "help_weight": ("Potentiel couvert : somme du potentiel à l'export (0–100) de ces PME.",
                    "Covered potential: sum of the export potential (0–100) of these SMEs."),
    "help_within": ("PME non accompagnées à moins de d : toutes celles à portée du site, y "
                    "compris celles comptées à un autre site retenu.",
                    "Unserved SMEs within d: all those within reach of the site, including "
                    "those counted at another chosen site."),
    "kf_unserved": ("PME non accompagnées", "Unserved SMEs"),
    "kf_covered": ("PME couvertes par les sites", "SMEs covered by the sites"),
    "kf_covered_weight": ("Potentiel couvert", "Covered potential"),
    "kf_candidates": ("Communes candidates", "Candidate communes"),
    "add_relay_here": ("Ajouter un relais ici (simulation)", "Add a relay here (what-if)"),
    "select_site_first": ("Cochez d'abord un site dans le tableau.",
                          "Tick a site in the table first."),
    "map_title": ("Sites proposés et rayon de d km", "Proposed sites and their d km radius"),
    "map_front": ("Acteurs de première ligne actuels", "Current front-line actors"),
    "map_sites": ("Sites proposés", "Proposed sites"),
    "map_radius": ("Rayon de d km", "d km radius"),
    "covered_firms_title": ("PME couvertes par le site coché (personnel)",
                            "SMEs covered by the ticked site (staff)"),
    "members_title": ("Membres du groupement coché (personnel)",
                      "Members of the ticked group (staff)"),
    "tick_site": ("Cochez un site pour voir les PME qu'il couvrirait.",
                  "Tick a site to see the SMEs it would cover."),
    "tick_group": ("Cochez un groupement pour voir ses membres.",
                   "Tick a group to see its members."),
    "public_firms_note": ("La liste des entreprises est réservée au personnel connecté.",
                          "The list of firms is for signed-in staff only."),
    "bad_distance": ("la distance d doit être un nombre de kilomètres entre {low} et {high} ; "
                     "reçu « {value} ».",
                     "the distance d must be a number of kilometres between {low} and "
                     "{high}; got “{value}”."),
    "public_distance": ("Vue publique : le plan est publié pour la distance d de référence "
                        "({km} km) ; les autres distances sont réservées au personnel "
                        "connecté.",
                        "Public view: the plan is published for the reference distance d "
                        "({km} km); other distances are for signed-in staff."),
    "no_sites": ("Aucun site ne couvre de PME non accompagnée à cette distance.",
                 "No site covers any unserved SME at this distance."),
    # groups
    "groups_intro": ("Groupements à l'export candidats (3 à 5 PME qui partageraient un "
                     "chargé d'export) : PME exportatrices ou réactives / proactives, pas "
                     "encore groupées, toutes à moins de {km} km les unes des autres, jamais "
                     "deux de la même classe NAF (concurrentes), d'effectifs équilibrés.",
                     "Candidate export groups (3 to 5 SMEs that would share an export "
                     "manager): exporting or reactive / proactive SMEs not yet in a group, "
                     "all within {km} km of each other, never two of the same NAF class "
                     "(competitors), balanced in size."),
    "all_departements": ("tous", "all"),
    "group_id": ("Groupement", "Group"),
    "group_size": ("PME", "SMEs"),
    "group_departements": ("Département(s)", "Département(s)"),
    "group_divisions": ("Divisions NAF", "NAF divisions"),
    "group_max_distance_km": ("Distance max. (km)", "Max. distance (km)"),
    "group_score": ("Score de synergie", "Synergy score"),
    "sector_synergy": ("Complémentarité sectorielle", "Sector complementarity"),
    "market_synergy": ("Marchés communs", "Shared markets"),
    "help_group_score": ("Score de synergie (0–100) : moyenne, sur les paires de membres, de la "
                         "complémentarité sectorielle (1 : même division NAF, 0,5 : même "
                         "section) et des marchés communs (indice de Jaccard des pays "
                         "d'export), à poids égaux.",
                         "Synergy score (0–100): mean over the member pairs of the sector "
                         "complementarity (1: same NAF division, 0.5: same section) and of the "
                         "shared markets (Jaccard index of export countries), equal weights."),
    "help_group_distance": ("Distance max. : plus grande distance entre deux membres.",
                            "Max. distance: largest distance between two members."),
    "kf_groups": ("Groupements candidats", "Candidate groups"),
    "kf_group_firms": ("PME concernées", "SMEs involved"),
    "kf_group_sizes": ("de 3 / 4 / 5 PME", "of 3 / 4 / 5 SMEs"),
    "no_groups": ("Aucun groupement candidat.", "No candidate group."),
    # what-if
    "wi_intro": ("Composez un scénario (relais à ouvrir, liens à créer) et comparez les mesures "
                 "de chaque territoire avant et après. Le registre n'est pas modifié.",
                 "Build a scenario (relays to open, ties to create) and compare the measures "
                 "of every territory before and after. The registry is not changed."),
    "wi_relay": ("Ajouter un relais", "Add a relay"),
    "wi_commune": ("Commune", "Municipality"),
    "wi_search_commune": ("Rechercher une commune…", "Search a municipality…"),
    "wi_code": ("ou code INSEE", "or INSEE code"),
    "wi_category": ("Catégorie", "Category"),
    "wi_capacity": ("Capacité (PME par an)", "Capacity (SMEs a year)"),
    "wi_tied_to": ("Relié à (facultatif)", "Tied to (optional)"),
    "wi_add_relay": ("Ajouter le relais", "Add the relay"),
    "wi_tie": ("Ajouter un lien", "Add a tie"),
    "wi_source": ("Acteur A", "Actor A"),
    "wi_target": ("Acteur B", "Actor B"),
    "wi_kind": ("Nature du lien", "Kind of tie"),
    "wi_add_tie": ("Ajouter le lien", "Add the tie"),
    "wi_scenario": ("Scénario", "Scenario"),
    "wi_empty": ("Le scénario est vide : ajoutez un relais ou un lien.",
                 "The scenario is empty: add a relay or a tie."),
    "wi_remove": ("Retirer", "Remove"),
    "wi_clear": ("Tout retirer", "Remove all"),
    "wi_run": ("Lancer la simulation", "Run the simulation"),
    "wi_only_changes": ("Seulement les mesures qui changent", "Only the measures that change"),
    "wi_relay_item": ("Relais {category} à {commune}", "{category} relay at {commune}"),
    "wi_capacity_item": (", capacité {capacity} PME par an", ", capacity {capacity} SMEs a year"),
    "wi_tied_item": (", relié à {actor}", ", tied to {actor}"),
    "wi_tie_item": ("Lien « {kind} » : {a} — {b}", "“{kind}” tie: {a} — {b}"),
    "wi_added_relay": ("Relais ajouté à la simulation ({n} élément(s)).",
                       "Relay added to the what-if ({n} item(s))."),
    "wi_added_tie": ("Lien ajouté à la simulation ({n} élément(s)).",
                     "Tie added to the what-if ({n} item(s))."),
    "wi_err_commune": ("choisissez une commune ou saisissez son code INSEE.",
                       "choose a municipality or type its INSEE code."),
    "wi_err_unknown_commune": ("la commune « {code} » n'est pas dans le registre (attendu : le "
                               "code INSEE à 5 caractères d'une commune de la région, p. ex. "
                               "{example}).",
                               "municipality “{code}” is not in the registry (expected the "
                               "5-character INSEE code of a municipality of the region, e.g. "
                               "{example})."),
    "wi_err_capacity": ("la capacité doit être un nombre positif de PME par an ; reçu "
                        "« {value} ».",
                        "the capacity must be a positive number of SMEs a year; got "
                        "“{value}”."),
    "wi_err_category": ("catégorie de relais inconnue « {value} ».",
                        "unknown relay category “{value}”."),
    "wi_err_relay_twice": ("un relais {category} est déjà prévu à {commune} dans le scénario.",
                           "a {category} relay is already planned at {commune} in the "
                           "scenario."),
    "wi_err_actors": ("choisissez deux acteurs.", "choose two actors."),
    "wi_err_same_actor": ("un lien relie deux acteurs différents : « {actor} » est choisi des "
                          "deux côtés.",
                          "a tie joins two different actors: “{actor}” is chosen on both "
                          "sides."),
    "wi_err_unknown_actor": ("l'acteur « {actor} » n'est pas actif en {year}.",
                             "actor “{actor}” is not active in {year}."),
    "wi_err_tied": ("« {a} » et « {b} » sont déjà liés en {year}.",
                    "“{a}” and “{b}” are already tied in {year}."),
    "wi_err_tie_twice": ("ce lien est déjà dans le scénario.",
                         "this tie is already in the scenario."),
    "wi_err_kind": ("nature de lien inconnue « {value} ».", "unknown kind of tie “{value}”."),
    "wi_err_run": ("le scénario n'a pas pu être appliqué : {message}",
                   "the scenario could not be applied: {message}"),
    "wi_public_note": ("Vue publique : la simulation montre l'effet du scénario sur le réseau "
                       "des acteurs. Son effet sur les PME (non accompagnées, à portée) est "
                       "réservé au personnel connecté : deux scénarios voisins ne diffèrent "
                       "que de quelques entreprises, que leur comparaison révélerait. L'effet "
                       "des sites relais proposés est publié dans l'onglet « Sites relais ».",
                       "Public view: the simulation shows the scenario's effect on the actor "
                       "network. Its effect on SMEs (unserved, within reach) is for signed-in "
                       "staff: two neighbouring scenarios differ by a few firms, which "
                       "comparing them would reveal. The effect of the proposed relay sites "
                       "is published in the “Relay sites” tab."),
    "wi_err_too_many": ("le scénario compte déjà {n} éléments, le maximum.",
                        "the scenario already holds {n} items, the maximum."),
    "wi_no_result": ("Ajoutez des relais ou des liens au scénario, puis lancez la simulation "
                     "(quelques secondes de calcul).",
                     "Add relays or ties to the scenario, then run the simulation (a few "
                     "seconds of computation)."),
    "wi_source_col": ("Domaine", "Domain"),
    "src_network": ("Réseau", "Network"),
    "src_proximity": ("Proximité", "Proximity"),
    "src_indicators": ("Indicateur", "Indicator"),
    "filter": ("filtrer…", "filter…"),
    "wi_running": ("Simulation en cours : les mesures de chaque territoire sont recalculées "
                   "avant et après (quelques secondes)…",
                   "Simulation running: the measures of every territory are recomputed before "
                   "and after (a few seconds)…"),
    "wi_summary": ("{relays} relais et {ties} lien(s) ajoutés en {year}.",
                   "{relays} relay(s) and {ties} tie(s) added in {year}."),
    "wi_territory": ("Territoire", "Territory"),
    "wi_level": ("Niveau", "Level"),
    "wi_measure": ("Mesure", "Measure"),
    "wi_before": ("Avant", "Before"),
    "wi_after": ("Après", "After"),
    "wi_change": ("Évolution", "Change"),
    "wi_region": ("Région", "Region"),
    "wi_efficiency": ("Efficience globale du réseau", "Global efficiency of the network"),
    "scenario_name": ("Simulation du tableau de bord", "Dashboard what-if"),
    # measures of the what-if that are not in the indicator catalogue
    "m_efficiency": ("Efficience du réseau local", "Efficiency of the local network"),
    "m_largest_component_share": ("Part des acteurs dans la plus grande composante locale",
                                  "Share of actors in the largest local component"),
    "m_main_component_share": ("Part des acteurs dans le réseau régional principal",
                               "Share of actors in the main regional network"),
    "m_n_actors": ("Acteurs d'appui actifs", "Active support actors"),
    "m_n_components": ("Composantes du réseau local", "Components of the local network"),
    "m_n_coordinators": ("Coordinateurs", "Coordinators"),
    "m_n_external_ties": ("Liens avec l'extérieur du territoire", "Ties leaving the territory"),
    "m_n_front_line_actors": ("Acteurs de première ligne", "Front-line actors"),
    "m_n_international": ("Acteurs liés à des réseaux étrangers",
                          "Actors tied to foreign networks"),
    "m_n_isolated": ("Acteurs isolés dans le territoire", "Actors isolated in the territory"),
    "m_n_regional_components": ("Composantes régionales touchées",
                                "Regional components reached"),
    "m_n_regionally_isolated": ("Acteurs sans aucun lien", "Actors without any tie"),
    "m_n_ties": ("Liens entre acteurs du territoire", "Ties between the territory's actors"),
    "m_firms_reached_share": ("Part des PME à deux pas de la première ligne",
                              "Share of SMEs two steps from the front line"),
    "m_n_unserved": ("PME non accompagnées", "Unserved SMEs"),
    "m_n_unserved_exporting": ("PME exportatrices non accompagnées",
                               "Unserved exporting SMEs"),
    "m_unserved_potential": ("Potentiel des PME non accompagnées",
                             "Potential of the unserved SMEs"),
    "m_unserved_share": ("Part de PME non accompagnées", "Share of unserved SMEs"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "siret": ("SIRET", "SIRET"),
    "firm_name": ("Raison sociale", "Name"),
    "naf": ("NAF", "NAF"),
    "employees": ("Effectif", "Staff"),
    "stage": ("Stade d'internationalisation", "Internationalisation stage"),
    "posture": ("Posture", "Posture"),
    "markets": ("Marchés", "Markets"),
    "exporting": ("Exportatrice", "Exporting"),
    "potential": ("Potentiel", "Potential"),
    "site": ("Site", "Site"),
    "firm_distance": ("Distance au site (km)", "Distance to the site (km)"),
}

tr = translator(TEXT)

#: What-if measures that count firms, and the measures computed from the same firms.
FIRM_COUNTS: dict[str, tuple[str, ...]] = {
    "n_unserved": ("unserved_share", "unserved_potential"),
    "n_unserved_exporting": (),
    "n_firms": (),
    "n_exporters": ("exporters_per_1000_firms",),
    "born_global_count": ("born_global_per_1000_firms",),
    "groupement_members": ("groupement_share",),
}

_COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


# ---------------------------------------------------------------------------
# cached data of the page
# ---------------------------------------------------------------------------

def _names(data: Any, level: str) -> dict[str, str]:
    """Territory code -> name of ``level``."""
    return data.cached("act_names", (level,), lambda: dict(zip(
        data.territories(level)["code"], data.territories(level)["name"], strict=True)))


def _actors(data: Any, year: int) -> pd.DataFrame:
    """Active actors of ``year``: id, name, category, commune and département codes, x, y."""
    def load() -> pd.DataFrame:
        a = data.registry.actors(int(year))
        geom = a.geometry if str(a.crs).upper() == "EPSG:2154" else a.geometry.to_crs(2154)
        out = pd.DataFrame({
            "id": a["id"].astype(str).to_numpy(), "name": a["name"].astype(str).to_numpy(),
            "category": a["category"].astype(str).to_numpy(),
            "commune": a["commune"].astype(str).to_numpy(),
            "departement": a["departement"].astype(str).to_numpy(),
            "x": geom.x.to_numpy(), "y": geom.y.to_numpy()})
        return out.drop_duplicates("id").sort_values(["name", "id"], ignore_index=True)
    return data.cached("act_actors", (int(year),), load)  # type: ignore[no-any-return]


def _tied_pairs(data: Any, year: int) -> frozenset[tuple[str, str]]:
    """Pairs of actors tied in ``year`` (sorted ids)."""
    def load() -> frozenset[tuple[str, str]]:
        g = data.network_data(year).graph()
        return frozenset(tuple(sorted((str(u), str(v)))) for u, v in g.edges())
    return data.cached("act_tied", (int(year),), load)  # type: ignore[no-any-return]


def _outlines(data: Any) -> tuple[list[float | None], list[float | None]]:
    """Département outlines (Lambert-93, simplified) as one polyline with gaps."""
    def load() -> tuple[list[float | None], list[float | None]]:
        terr = data.registry.territories("departement")
        if terr.crs is not None and str(terr.crs).upper() != "EPSG:2154":
            terr = terr.to_crs(2154)
        xs: list[float | None] = []
        ys: list[float | None] = []
        for geom in terr.geometry.simplify(800):
            if geom is None or geom.is_empty:
                continue
            polys = getattr(geom, "geoms", [geom])
            for poly in polys:
                for ring in (poly.exterior,):
                    x, y = ring.xy
                    xs.extend(round(v) for v in x)
                    ys.extend(round(v) for v in y)
                    xs.append(None)
                    ys.append(None)
        return xs, ys
    return data.cached("act_outlines", (), load)  # type: ignore[no-any-return]


def group_summary(groups: pd.DataFrame, dep_names: dict[str, str]) -> pd.DataFrame:
    """One row per candidate group, without any firm-level column.

    Columns: ``group_id``, ``group_size``, ``departements`` (names, comma-separated),
    ``divisions`` (NAF divisions, two digits, sorted), ``group_max_distance_km``,
    ``group_score``, ``sector_synergy``, ``market_synergy``, ``dep_codes`` (tuple, for
    filtering).

    Examples
    --------
    >>> g = pd.DataFrame({"group_id": ["G0001"] * 3, "departement": ["81", "81", "12"],
    ...                   "naf": ["10.82Z", "10.39B", "11.02A"], "group_size": [3] * 3,
    ...                   "group_max_distance_km": [11.7] * 3, "group_score": [55.6] * 3,
    ...                   "sector_synergy": [1.0] * 3, "market_synergy": [0.1] * 3})
    >>> s = group_summary(g, {"81": "Tarn", "12": "Aveyron"})
    >>> s[["group_id", "group_size", "departements", "divisions"]].values.tolist()
    [['G0001', 3, 'Tarn, Aveyron', '10, 11']]
    """
    cols = ["group_id", "group_size", "departements", "divisions", "group_max_distance_km",
            "group_score", "sector_synergy", "market_synergy", "dep_codes"]
    if groups.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for gid, members in groups.groupby("group_id", sort=False):
        deps = list(dict.fromkeys(members["departement"].astype(str)))
        divs = sorted({str(n).replace(".", "")[:2] for n in members["naf"] if str(n)[:2]})
        first = members.iloc[0]
        rows.append({
            "group_id": gid, "group_size": int(first["group_size"]),
            "departements": ", ".join(dep_names.get(d, d) for d in deps),
            "divisions": ", ".join(divs),
            "group_max_distance_km": float(first["group_max_distance_km"]),
            "group_score": float(first["group_score"]),
            "sector_synergy": float(first["sector_synergy"]),
            "market_synergy": float(first["market_synergy"]), "dep_codes": tuple(deps)})
    return pd.DataFrame(rows, columns=cols)


def _groups_public(data: Any, year: int) -> pd.DataFrame:
    return data.cached("act_groups_public", (int(year),),  # type: ignore[no-any-return]
                       lambda: group_summary(data.groups(year), _names(data, "departement")))


def public_distance_km() -> float:
    """The distance d of the public relay plan: the product's service threshold
    (``settings.unserved_distance_km``); staff may choose another."""
    return float(get_settings().unserved_distance_km)


def public_relay_plans(data: Any, year: int) -> dict[int, tuple[pd.DataFrame, dict[str, Any]]]:
    """The public relay plans of ``year``: :func:`public_relay_sites` of the plans at
    :func:`public_distance_km` for every number of sites of :data:`SITE_CHOICES`,
    computed once per registry state (in a visitors' slot,
    :func:`dashboard.slots.cached`)."""
    d = public_distance_km()

    def build() -> dict[int, tuple[pd.DataFrame, dict[str, Any]]]:
        return public_relay_sites({k: data.relays(int(year), k, d) for k in SITE_CHOICES})
    return slots.cached(data, "act_public_relays", (int(year), d), build)


def scenario_document(scenario: dict[str, Any], year: int, name: str) -> dict[str, Any]:
    """The scenario built in the page as the YAML document of a scenario file
    (``docs/scenarios/activation-2025.yaml``).

    Examples
    --------
    >>> doc = scenario_document({"relays": [{"commune": "30028", "category": "cci",
    ...     "tied_to": ["cci-gard"]}], "ties": [{"source": "cci-gers",
    ...     "target": "tfe-occitanie-toulouse", "kind": "partnership"}]}, 2025, "Essai")
    >>> print(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).strip())
    name: Essai
    year: 2025
    ties:
    - source: cci-gers
      target: tfe-occitanie-toulouse
      kind: partnership
    relays:
    - commune: '30028'
      category: cci
      tied_to:
      - cci-gard
    """
    doc: dict[str, Any] = {"name": name, "year": int(year)}
    ties = [{"source": str(t["source"]), "target": str(t["target"]), "kind": str(t["kind"])}
            for t in scenario.get("ties", [])]
    relays = []
    for r in scenario.get("relays", []):
        item: dict[str, Any] = {"commune": str(r["commune"]), "category": str(r["category"])}
        if r.get("capacity") is not None:
            item["capacity"] = float(r["capacity"])
        if r.get("tied_to"):
            item["tied_to"] = [str(a) for a in r["tied_to"]]
        relays.append(item)
    if ties:
        doc["ties"] = ties
    if relays:
        doc["relays"] = relays
    return doc


def _what_if(data: Any, year: int, level: str, text: str) -> pd.DataFrame:
    """:func:`ecosystem.activation.what_if` on the scenario ``text`` (YAML), cached."""
    def run() -> pd.DataFrame:
        with tempfile.TemporaryDirectory(prefix="ecosystem-what-if-") as tmp:
            path = Path(tmp) / "scenario.yaml"
            path.write_text(text, encoding="utf-8")
            return activation.what_if(data.registry, path, int(year), level=level)
    return slots.cached(data, "act_what_if", (int(year), level, text), run)


def warm(data: Any) -> None:
    """Compute the last year's default results before serving."""
    year = data.last_year()
    data.ties(year, 10)
    data.relays(year, 5, float(get_settings().unserved_distance_km))
    public_relay_plans(data, year)
    _groups_public(data, year)
    _actors(data, year)
    _outlines(data)
    _names(data, "commune")
    _names(data, "epci")


# ---------------------------------------------------------------------------
# display helpers
# ---------------------------------------------------------------------------

def _locale(lang: str) -> dict[str, str]:
    return {"decimal": ".", "group": ","} if lang == "en" else {"decimal": ",",
                                                                   "group": "\u202f"}


def _columns(spec: Sequence[tuple[str, str, int | None]], lang: str) -> list[dict[str, Any]]:
    """DataTable columns: (id, label key, decimals or None for text)."""
    cols = []
    for cid, key, decimals in spec:
        col: dict[str, Any] = {"id": cid, "name": tr(key, lang)}
        if decimals is not None:
            col["type"] = "numeric"
            col["format"] = Format(precision=decimals, scheme=Scheme.fixed, group=Group.yes)
        cols.append(col)
    return cols


def _table(component_id: str, spec: Sequence[tuple[str, str, int | None]], lang: str,
           **kwargs: Any) -> dash_table.DataTable:
    frame = pd.DataFrame(columns=[c for c, _, _ in spec])
    tbl = ui.table(component_id, frame, page_size=kwargs.pop("page_size", 15),
                   locale_format=_locale(lang), **kwargs)
    tbl.columns = _columns(spec, lang)
    return tbl


def _help(*keys: str, lang: str) -> html.Ul:
    return html.Ul([html.Li(tr(k, lang)) for k in keys], className="act-help")


def _before_after(label: str, before: Any, after: Any, lang: str, decimals: int = 0,
                  pct: bool = False, figure_id: str | None = None) -> html.Div:
    def fmt(v: Any) -> str:
        return format_percent(v, lang, decimals) if pct else format_number(v, lang, decimals)
    parts: list[Any] = [html.Div(label, className="kf-label"),
                        html.Div(f"{fmt(before)} → {fmt(after)}", className="kf-value")]
    if not isinstance(before, str) and not isinstance(after, str) and before is not None \
            and after is not None:
        change = float(after) - float(before)
        text = format_points(change, lang, decimals) if pct else \
            format_number(change, lang, decimals, sign=True)
        parts.append(html.Div(text, className="kf-change"))
    return html.Div(parts, className="key-figure", **({"id": figure_id} if figure_id else {}))


def _measure_label(measure: str, lang: str) -> str:
    key = f"m_{measure}"
    if key in TEXT:
        return tr(key, lang)
    return indicator_label(measure, lang)


#: Measures of a scenario that are catalogue indicators (printed by their unit).
_INDICATORS = frozenset(i.name for i in catalogue.INDICATORS)


def _measure_format(measure: str) -> tuple[int, bool]:
    """Decimals and whether the measure is a share shown in %, for the measures of a
    scenario that are not catalogue indicators (those of the network and of the
    unserved firms)."""
    if measure.endswith("_share"):
        return 1, True
    if measure.startswith("n_") or measure.endswith("_count") or measure == "unserved_potential":
        return 0, False
    if measure == "efficiency":
        return 3, False
    return 2, False


def _fmt_measure(value: Any, measure: str, lang: str, change: bool = False) -> str:
    """A measure of a scenario (or its change): a catalogue indicator by its unit
    (:func:`ecosystem.formatting.format_value`), any other measure by
    :func:`_measure_format`."""
    if measure in _INDICATORS:
        return format_value(measure, value, lang, change=change)
    decimals, pct = _measure_format(measure)
    if pct:
        return (format_points(value, lang, decimals) if change
                else format_percent(value, lang, decimals))
    return format_number(value, lang, decimals, sign=change)


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------

def _ties_tab(ctx: Any, lang: str) -> html.Div:
    s = get_settings()
    return html.Div([
        html.P(tr("ties_intro", lang, km=format_number(s.tie_max_distance_km, lang, 0)),
               className="intro"),
        html.Div([html.Label([tr("top", lang), dcc.Dropdown(
            id="act-top", options=[{"label": str(k), "value": k} for k in TOP_CHOICES],
            value=10, clearable=False)], className="control")], className="controls"),
        dcc.Loading(html.Div([
            html.Div(id="act-ties-figures", className="key-figures"),
            _table("act-ties-table", [
                ("rank", "rank", 0), ("source_name", "actor_a", None),
                ("source_category", "category_a", None), ("source_commune", "commune_a", None),
                ("target_name", "actor_b", None), ("target_category", "category_b", None),
                ("target_commune", "commune_b", None), ("distance_km", "distance_km", 1),
                ("gain_components", "gain_components", 0),
                ("gain_efficiency_pct", "gain_efficiency_pct", 2),
                ("gain_firms_reached", "gain_firms_reached", 0), ("score", "score", 2),
            ], lang, row_selectable="single", page_size=30),
        ]), type="dot"),
        html.Div([html.Button(tr("add_tie_rec", lang), id="act-add-rec-tie", n_clicks=0,
                              className="action"),
                  html.Span(id="act-ties-msg", className="act-msg")], className="act-actions"),
        _help("help_rank", "help_distance", "help_components", "help_efficiency",
              "help_firms", "help_score", lang=lang),
    ], className="act-tab")


def _relays_tab(ctx: Any, lang: str) -> html.Div:
    s = get_settings()
    low, high = s.dashboard_distance_range_km
    staff: list[Any] = []
    if ctx.staff:
        staff = [html.H3(tr("covered_firms_title", lang)), dcc.Loading(_table(
            RELAY_FIRMS, [
                ("siret", "siret", None), ("name", "firm_name", None),
                ("commune_name", "commune", None), ("naf", "naf", None),
                ("employees", "employees", 0), ("stage", "stage", None),
                ("exporting", "exporting", None), ("potential", "potential", 1),
                ("distance_km", "firm_distance", 1)], lang, page_size=15), type="dot"),
            html.P(tr("tick_site", lang), id="act-relay-firms-hint", className="secret-note")]
    else:
        staff = [html.P(tr("public_firms_note", lang), className="secret-note")]
    return html.Div([
        html.P(tr("relays_intro", lang), className="intro"),
        html.Div([
            html.Label([tr("sites", lang), dcc.Dropdown(
                id="act-sites", options=[{"label": str(k), "value": k} for k in SITE_CHOICES],
                value=5, clearable=False)], className="control"),
            # the public plan is published at one distance (with every number of sites)
            html.Label([tr("distance", lang), dcc.Input(
                id="act-distance", type="number", min=low, max=high, step=1, debounce=True,
                value=s.unserved_distance_km if ctx.staff else public_distance_km(),
                disabled=not ctx.staff)], className="control"),
        ], className="controls"),
        *([] if ctx.staff else [html.P(tr("public_distance", lang, km=format_number(
            public_distance_km(), lang, 0)), className="secret-note",
            id="act-public-distance")]),
        dcc.Loading(html.Div([
            html.Div(id="act-relays-error"),
            html.Div(id="act-relays-figures", className="key-figures"),
            html.Div([
                html.Div([_table("act-relays-table", [
                    ("rank", "rank", 0), ("commune_name", "commune", None),
                    ("epci_name", "epci", None), ("departement_name", "departement", None),
                    ("newly_covered_firms", "newly_covered_firms", 0),
                    ("newly_covered_exporting", "newly_covered_exporting", 0),
                    ("covered_weight", "covered_weight", 0),
                    ("firms_within_d", "firms_within_d", 0)], lang,
                    row_selectable="single", page_size=10),
                    html.Div([html.Button(tr("add_relay_here", lang), id="act-add-site",
                                          n_clicks=0, className="action"),
                              html.Span(id="act-relays-msg", className="act-msg")],
                             className="act-actions"), *staff], className="act-sites"),
                html.Div([html.H3(tr("map_title", lang)), dcc.Graph(
                    id="act-relays-map", config={"displaylogo": False,
                                                 "modeBarButtonsToRemove": ["select2d",
                                                                            "lasso2d"]},
                    style={"height": "520px"})], className="card act-map"),
            ], className="act-two"),
        ]), type="dot"),
        ui.secret_note(lang),
        _help("help_newly", "help_weight", "help_within", lang=lang),
    ], className="act-tab")


def _groups_tab(ctx: Any, lang: str, data: Any) -> html.Div:
    s = get_settings()
    deps = data.territories("departement")
    staff: list[Any]
    if ctx.staff:
        staff = [html.H3(tr("members_title", lang)), dcc.Loading(_table(
            GROUP_MEMBERS, [
                ("siret", "siret", None), ("name", "firm_name", None),
                ("commune_name", "commune", None), ("naf", "naf", None),
                ("employees", "employees", 0), ("stage", "stage", None),
                ("posture", "posture", None), ("markets", "markets", None)], lang,
            page_size=10), type="dot"),
            html.P(tr("tick_group", lang), id="act-group-members-hint", className="secret-note")]
    else:
        staff = [html.P(tr("public_firms_note", lang), className="secret-note")]
    return html.Div([
        html.P(tr("groups_intro", lang, km=format_number(s.groupement_max_distance_km, lang, 0)),
               className="intro"),
        html.Div([html.Label([tr("departement", lang), dcc.Dropdown(
            id="act-groups-dep", options=[{"label": f"{n} ({c})", "value": c} for c, n in
                                          zip(deps["code"], deps["name"], strict=True)],
            value=None, clearable=True, placeholder=tr("all_departements", lang))],
            className="control wide")], className="controls"),
        dcc.Loading(html.Div([
            html.Div(id="act-groups-figures", className="key-figures"),
            _table("act-groups-table", [
                ("group_id", "group_id", None), ("group_size", "group_size", 0),
                ("departements", "group_departements", None),
                ("divisions", "group_divisions", None),
                ("group_max_distance_km", "group_max_distance_km", 1),
                ("group_score", "group_score", 1), ("sector_synergy", "sector_synergy", 2),
                ("market_synergy", "market_synergy", 2)], lang, row_selectable="single",
                page_size=15),
        ]), type="dot"),
        _help("help_group_score", "help_group_distance", lang=lang),
        *staff,
    ], className="act-tab")


def _what_if_tab(ctx: Any, lang: str, data: Any) -> html.Div:
    s = get_settings()
    communes = data.territories("commune")
    front = list(s.unserved_categories)
    default_cat = s.relay_category if s.relay_category in front else front[0]
    kinds = [{"label": RELATION_KINDS[k][1 if lang == "en" else 0], "value": k}
             for k in TIE_KINDS]
    relay_form = ui.card(tr("wi_relay", lang), html.Div([
        html.Label([tr("wi_commune", lang), dcc.Dropdown(
            id="act-wi-commune", options=ui.territory_options(communes), value=None,
            clearable=True, placeholder=tr("wi_search_commune", lang))],
            className="control wide"),
        html.Label([tr("wi_code", lang), dcc.Input(id="act-wi-code", type="text", value="",
                                                   maxLength=5, placeholder="31555")],
                   className="control"),
        html.Label([tr("wi_category", lang), dcc.Dropdown(
            id="act-wi-category", options=[{"label": category_label(c, lang), "value": c}
                                           for c in front],
            value=default_cat, clearable=False)], className="control wide"),
        html.Label([tr("wi_capacity", lang), dcc.Input(
            id="act-wi-capacity", type="number", min=1, step=1, value=None,
            placeholder=format_number(s.default_actor_capacity, lang, 0))], className="control"),
        html.Label([tr("wi_tied_to", lang), dcc.Dropdown(
            id="act-wi-tied", options=[], value=None, clearable=True)],
            className="control wide"),
        html.Button(tr("wi_add_relay", lang), id="act-wi-add-relay", n_clicks=0,
                    className="action"),
    ], className="act-form"))
    tie_form = ui.card(tr("wi_tie", lang), html.Div([
        html.Label([tr("wi_source", lang), dcc.Dropdown(id="act-wi-source", options=[],
                                                        value=None)],
                   className="control wide"),
        html.Label([tr("wi_target", lang), dcc.Dropdown(id="act-wi-target", options=[],
                                                        value=None)],
                   className="control wide"),
        html.Label([tr("wi_kind", lang), dcc.Dropdown(id="act-wi-kind", options=kinds,
                                                      value="partnership", clearable=False)],
                   className="control"),
        html.Button(tr("wi_add_tie", lang), id="act-wi-add-tie", n_clicks=0,
                    className="action"),
    ], className="act-form"))
    return html.Div([
        html.P(tr("wi_intro", lang), className="intro"),
        html.Div([relay_form, tie_form], className="grid"),
        html.Div(id="act-wi-msg"),
        ui.card(tr("wi_scenario", lang), html.Div(id="act-wi-list"), html.Div([
            html.Button(tr("wi_run", lang), id="act-wi-run", n_clicks=0, className="action"),
            html.Button(tr("wi_clear", lang), id="act-wi-clear", n_clicks=0,
                        className="act-secondary"),
        ], className="act-actions")),
        html.Div([
            ui.level_dropdown("act-wi-level", lang, "departement", WHAT_IF_LEVELS),
            dcc.Checklist(id="act-wi-only", options=[{"label": " " + tr("wi_only_changes", lang),
                                                      "value": "only"}],
                          value=["only"], className="act-check"),
        ], className="controls"),
        dcc.Loading(html.Div(id="act-wi-result"), delay_show=150, custom_spinner=html.Div(
            [html.Div(className="act-spinner"), html.Span(tr("wi_running", lang))],
            className="act-running")),
    ], className="act-tab")


def layout(ctx: Any) -> html.Div:
    lang = ctx.lang
    data = ctx.data
    years = data.years()
    last = years[-1] if years else None
    return ui.page(
        tr("title", lang), tr("intro", lang),
        html.Div([ui.year_dropdown("act-year", years, last, lang)], className="controls"),
        dcc.Tabs(id="act-tabs", value="ties", className="act-tabs", children=[
            dcc.Tab(label=tr("tab_ties", lang), value="ties", id="act-tab-ties",
                    children=_ties_tab(ctx, lang)),
            dcc.Tab(label=tr("tab_relays", lang), value="relays", id="act-tab-relays",
                    children=_relays_tab(ctx, lang)),
            dcc.Tab(label=tr("tab_groups", lang), value="groups", id="act-tab-groups",
                    children=_groups_tab(ctx, lang, data)),
            dcc.Tab(label=tr("tab_what_if", lang), value="what_if", id="act-tab-what-if",
                    children=_what_if_tab(ctx, lang, data)),
        ]),
        dcc.Store(id="act-scenario", data={"relays": [], "ties": []}),
        dcc.Store(id="act-lang", data=lang),
        page_id="page-activation",
    )


# ---------------------------------------------------------------------------
# callbacks
# ---------------------------------------------------------------------------

def _ties_view(data: Any, year: int, top: int, lang: str) -> pd.DataFrame:
    ties = data.ties(year, top)
    communes = _names(data, "commune")
    actors = _actors(data, year).set_index("id")
    out = ties[["rank", "source", "target", "source_name", "target_name", "distance_km",
                "gain_components", "gain_efficiency_pct", "gain_firms_reached",
                "score"]].copy()
    for end in ("source", "target"):
        out[f"{end}_category"] = [category_label(c, lang) for c in ties[f"{end}_category"]]
        codes = actors["commune"].reindex(ties[end].astype(str)).fillna("").to_numpy()
        out[f"{end}_commune"] = [communes.get(c, c) for c in codes]
    return out


def _relay_view(data: Any, year: int, sites: int, d: float | None, staff: bool
                ) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    table, firms = data.relays(year, sites, d)
    communes, epcis, deps = (_names(data, lv) for lv in ("commune", "epci", "departement"))
    view = table.copy()
    view["commune_name"] = [f"{communes.get(c, n)} ({c})" for c, n in
                            zip(table["commune"].astype(str), table["name"], strict=True)]
    view["epci_name"] = [epcis.get(str(e), str(e)) for e in table["epci"]]
    view["departement_name"] = [deps.get(str(e), str(e)) for e in table["departement"]]
    if staff:
        totals: dict[str, Any] = {
            "newly_covered_firms": int(table["newly_covered_firms"].sum()),
            "newly_covered_exporting": int(table["newly_covered_exporting"].sum()),
            "covered_weight": float(table["covered_weight"].sum())}
    else:  # the plan of ``sites`` as published with every other number of sites
        published, totals = public_relay_plans(data, year)[sites]
        for c in ("newly_covered_firms", "newly_covered_exporting", "covered_weight",
                  "firms_within_d"):
            view[c] = published[c].to_numpy()
    return view, totals, firms


def _relay_output(data: Any, year: int, sites: int, d: float, staff: bool, lang: str
                  ) -> tuple[pd.DataFrame, dict[str, Any], go.Figure]:
    view, totals, _ = _relay_view(data, year, sites, d, staff)
    return view, totals, _relay_map(data, year, view, d, lang)


def _relay_map(data: Any, year: int, view: pd.DataFrame, d_km: float, lang: str
               ) -> go.Figure:
    xs, ys = _outlines(data)
    front = get_settings().unserved_categories
    actors = _actors(data, year)
    actors = actors.loc[actors["category"].isin(front)]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                             line={"color": "#9aa5b1", "width": 1}))
    fig.add_trace(go.Scatter(
        x=actors["x"], y=actors["y"], mode="markers", name=tr("map_front", lang),
        marker={"color": "#5b6776", "size": 5, "symbol": "circle"},
        text=[f"{n} · {category_label(c, lang)}" for n, c in
              zip(actors["name"], actors["category"], strict=True)],
        hovertemplate="%{text}<extra></extra>"))
    theta = np.linspace(0, 2 * np.pi, 61)
    cx: list[float | None] = []
    cy: list[float | None] = []
    for x, y in zip(view["x"], view["y"], strict=True):
        cx.extend((x + d_km * 1000 * np.cos(theta)).round().tolist() + [None])
        cy.extend((y + d_km * 1000 * np.sin(theta)).round().tolist() + [None])
    fig.add_trace(go.Scatter(x=cx, y=cy, mode="lines", name=tr("map_radius", lang),
                             hoverinfo="skip", line={"color": "#ff6f00", "width": 1,
                                                     "dash": "dash"}))
    fig.add_trace(go.Scatter(
        x=view["x"], y=view["y"], mode="markers+text", name=tr("map_sites", lang),
        text=[str(r) for r in view["rank"]], textposition="top center",
        marker={"color": "#ff6f00", "size": 13, "symbol": "star",
                "line": {"color": "#7a3500", "width": 1}},
        customdata=np.column_stack([view["commune_name"].astype(str),
                                    [format_number(v, lang, 0) for v in
                                     view["newly_covered_firms"]]]) if len(view) else None,
        hovertemplate=("%{customdata[0]} : %{customdata[1]} PME<extra></extra>" if lang == "fr"
                       else "%{customdata[0]}: %{customdata[1]} SMEs<extra></extra>")))
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff", legend={"orientation": "h", "y": -0.02, "x": 0},
        xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x",
                                         "scaleratio": 1},
        separators=",\u202f" if lang == "fr" else ".,", dragmode="pan")
    return fig


def _what_if_result(table: pd.DataFrame, staff: bool, only_changes: bool, lang: str,
                    attrs: dict[str, Any]) -> html.Div:
    shown = table if staff else public_what_if(table)
    region = shown.loc[shown["level"].eq("region")]
    firm_figures = [
        _before_after(tr("m_n_unserved", lang), *pick_of(region, "n_unserved"), lang,
                      figure_id="act-wi-kf-unserved"),
        _before_after(tr("m_firms_reached_share", lang),
                      *pick_of(region, "firms_reached_share"), lang, decimals=1, pct=True,
                      figure_id="act-wi-kf-reached")] if staff else []

    figures = html.Div([
        *firm_figures[:1],
        _before_after(tr("kf_components", lang), *pick_of(region, "n_components"), lang,
                      figure_id="act-wi-kf-components"),
        _before_after(tr("wi_efficiency", lang), *pick_of(region, "efficiency"), lang,
                      decimals=3, figure_id="act-wi-kf-efficiency"),
        *firm_figures[1:],
        _before_after(tr("m_n_actors", lang), *pick_of(region, "n_actors"), lang,
                      figure_id="act-wi-kf-actors"),
    ], className="key-figures")
    rows = shown
    if only_changes:
        changed = shown["change"].fillna(0).abs().gt(1e-12) | (
            shown["before"].isna() != shown["after"].isna())
        rows = shown.loc[changed.to_numpy()]
    levels = {"region": tr("wi_region", lang), "departement": tr("departement", lang),
              "epci": tr("epci", lang)}
    view = pd.DataFrame({
        "territory": [f"{n} ({c})" if n else str(c) for n, c in
                      zip(rows["name"], rows["code"], strict=True)],
        "level": [levels.get(lv, lv) for lv in rows["level"]],
        "source": [tr(f"src_{x}", lang) if f"src_{x}" in TEXT else x for x in rows["source"]],
        "measure": [_measure_label(m, lang) for m in rows["measure"]],
        "before": [_fmt_measure(v, m, lang) for v, m in
                   zip(rows["before"], rows["measure"], strict=True)],
        "after": [_fmt_measure(v, m, lang) for v, m in
                  zip(rows["after"], rows["measure"], strict=True)],
        "change": [_fmt_measure(v, m, lang, change=True) for v, m in
                   zip(rows["change"], rows["measure"], strict=True)],
        "code": rows["code"].astype(str).to_numpy(), "key": rows["measure"].to_numpy(),
    })
    tbl = ui.table("act-wi-table", view[["territory", "level", "source", "measure", "before",
                                         "after", "change"]],
                   {"territory": tr("wi_territory", lang), "level": tr("wi_level", lang),
                    "source": tr("wi_source_col", lang),
                    "measure": tr("wi_measure", lang), "before": tr("wi_before", lang),
                    "after": tr("wi_after", lang), "change": tr("wi_change", lang)},
                   page_size=25, sortable=False, filter_action="native",
                   filter_options={"placeholder_text": tr("filter", lang)},
                   style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "right"}
                                           for c in ("before", "after", "change")])
    summary = html.P(tr("wi_summary", lang, relays=attrs.get("relays", 0),
                        ties=attrs.get("ties", 0), year=attrs.get("year", "")),
                     id="act-wi-summary", className="intro")
    notes: list[Any] = [] if staff else [html.P(tr("wi_public_note", lang),
                                                 className="secret-note",
                                                 id="act-wi-public-note")]
    return html.Div([summary, figures, tbl, *notes])


def pick_of(region: pd.DataFrame, measure: str) -> tuple[Any, Any]:
    """Before and after of ``measure`` in the région rows of a what-if table."""
    row = region.loc[region["measure"].eq(measure)]
    if row.empty:
        return None, None
    return row["before"].iloc[0], row["after"].iloc[0]


def _staff_distance(value: Any) -> float | None:
    """The distance d typed by staff, or None when it is not a number within
    ``settings.dashboard_distance_range_km``."""
    low, high = get_settings().dashboard_distance_range_km
    try:
        d = float(value)
    except (TypeError, ValueError):
        return None
    return d if low <= d <= high else None


def _distance_range(lang: str) -> dict[str, str]:
    low, high = get_settings().dashboard_distance_range_km
    return {"low": format_number(low, lang, 0), "high": format_number(high, lang, 0)}


def _actor_options(data: Any, year: int, lang: str) -> list[dict[str, str]]:
    actors = _actors(data, year)
    communes = _names(data, "commune")
    return [{"label": f"{n} · {category_label(c, lang)} · {communes.get(m, m)}", "value": i}
            for i, n, c, m in zip(actors["id"], actors["name"], actors["category"],
                                  actors["commune"], strict=True)]


def register(app: Any, data: Any) -> None:
    """The callbacks of the page."""

    @app.callback(Output("act-ties-table", "data"), Output("act-ties-table", "selected_rows"),
                  Output("act-ties-figures", "children"),
                  Input("act-year", "value"), Input("act-top", "value"),
                  State("act-lang", "data"))
    def _ties(year: int | None, top: int | None, lang: str) -> tuple[Any, ...]:
        if year is None or top is None:
            return [], [], []
        try:  # a visitor computes in a slot (the result is then cached)
            slots.cached(data, "act_ties_done", (int(year), int(top)),
                          lambda: data.ties(int(year), int(top)) is not None)
        except slots.BusyError as exc:
            return [], [], [ui.error_box(str(exc), lang)]
        staff = is_staff()
        view = _ties_view(data, int(year), int(top), lang)
        ties = data.ties(int(year), int(top))
        if not staff:  # the firms a tie brings within reach are not published
            view, ties = public_ties(view), public_ties(ties)
        before = ties.attrs.get("before", {})
        if ties.empty:
            return [], [], [html.P(tr("no_ties", lang))]
        last = ties.iloc[-1]
        label = tr("kf_before_after", lang, n=len(ties))
        figures = [
            _before_after(f"{tr('kf_components', lang)} ({label})", before.get("components"),
                          int(last["components_after"]), lang, figure_id="act-kf-components"),
            _before_after(f"{tr('kf_efficiency', lang)} ({label})", before.get("efficiency"),
                          float(last["efficiency_after"]), lang, decimals=3,
                          figure_id="act-kf-efficiency"),
        ]
        if staff:
            figures.append(_before_after(
                f"{tr('kf_reached', lang)} ({label})", before.get("firms_reached"),
                int(last["firms_reached_after"]), lang, figure_id="act-kf-reached"))
        return ui.table_records(view), [], figures

    @app.callback(Output("act-relays-table", "data"), Output("act-relays-table",
                                                             "selected_rows"),
                  Output("act-relays-figures", "children"), Output("act-relays-map", "figure"),
                  Output("act-relays-error", "children"),
                  Input("act-year", "value"), Input("act-sites", "value"),
                  Input("act-distance", "value"), State("act-lang", "data"))
    def _relays(year: int | None, sites: int | None, distance: Any,
                lang: str) -> tuple[Any, ...]:
        if year is None or sites is None:
            return [], [], [], go.Figure(), None
        staff = is_staff()
        d = _staff_distance(distance) if staff else public_distance_km()
        if d is None:
            return ([], [], [], go.Figure(), ui.error_box(tr(
                "bad_distance", lang, value=distance,
                **_distance_range(lang)), lang))
        try:
            view, totals, fig = data.cached(
                "act_relay_view", (int(year), int(sites), d, staff, lang),
                lambda: _relay_output(data, int(year), int(sites), d, staff, lang))
        except slots.BusyError as exc:
            return [], [], [], go.Figure(), ui.error_box(str(exc), lang)
        table, _firms = data.relays(int(year), int(sites), d)
        a = table.attrs
        # visitors: the gate's published total (the public distance is the default one)
        unserved: Any = a.get("unserved_firms", 0) if staff else \
            public_unserved_total(data.registry, int(year))
        covered = totals["newly_covered_firms"]
        share = "" if isinstance(covered, str) or isinstance(unserved, str) or not unserved \
            else f" ({format_percent(covered / unserved, lang, 1)})"
        figures = [
            ui.key_figure(tr("kf_unserved", lang), unserved, lang, decimals=0,
                          figure_id="act-kf-unserved"),
            html.Div([html.Div(tr("kf_covered", lang), className="kf-label"),
                      html.Div(format_number(covered, lang, 0) + share, className="kf-value")],
                     className="key-figure", id="act-kf-covered"),
            ui.key_figure(tr("kf_covered_weight", lang), totals["covered_weight"], lang,
                          decimals=0, figure_id="act-kf-weight"),
            ui.key_figure(tr("kf_candidates", lang), a.get("candidate_sites", 0), lang,
                          decimals=0, figure_id="act-kf-candidates"),
        ]
        if view.empty:
            figures.append(html.P(tr("no_sites", lang)))
        cols = ["rank", "commune", "commune_name", "epci_name", "departement_name",
                "newly_covered_firms", "newly_covered_exporting", "covered_weight",
                "firms_within_d"]
        return ui.table_records(view[cols]), [], figures, fig, None

    @app.callback(Output(RELAY_FIRMS, "data"), Output("act-relay-firms-hint", "hidden"),
                  Input("act-relays-table", "selected_rows"), State("act-relays-table",
                                                                    "data"),
                  State("act-year", "value"), State("act-sites", "value"),
                  State("act-distance", "value"), State("act-lang", "data"))
    def _relay_firms(selected: list[int] | None, rows: list[dict[str, Any]] | None,
                     year: int | None, sites: int | None, distance: Any,
                     lang: str) -> tuple[Any, ...]:
        require_staff()
        if not selected or not rows or year is None or sites is None:
            return [], False
        d = _staff_distance(distance)
        if d is None:
            return [], False
        commune = str(rows[selected[0]]["commune"])
        _, firms = data.relays(int(year), int(sites), d)
        mine = firms.loc[firms["site_commune"].astype(str).eq(commune)]
        communes = _names(data, "commune")
        i = 1 if lang == "en" else 0
        view = pd.DataFrame({
            "siret": mine["siret"].astype(str), "name": mine["name"].astype(str),
            "commune_name": [communes.get(c, c) for c in mine["commune"].astype(str)],
            "naf": mine["naf"].astype(str), "employees": mine["employees"],
            "stage": [STAGES.get(s, (s, s))[i] for s in mine["stage"].astype(str)],
            "exporting": [tr("yes" if e else "no", lang) for e in mine["exporting"]],
            "potential": mine["potential"], "distance_km": mine["distance_km"]})
        return ui.table_records(view), True

    @app.callback(Output("act-groups-table", "data"), Output("act-groups-table",
                                                             "selected_rows"),
                  Output("act-groups-figures", "children"),
                  Input("act-year", "value"), Input("act-groups-dep", "value"),
                  State("act-lang", "data"))
    def _groups(year: int | None, dep: str | None, lang: str) -> tuple[Any, ...]:
        if year is None:
            return [], [], []
        groups = _groups_public(data, int(year))
        if dep:
            groups = groups.loc[[dep in codes for codes in groups["dep_codes"]]]
        sizes = groups["group_size"].value_counts()
        figures = [
            ui.key_figure(tr("kf_groups", lang), len(groups), lang, decimals=0,
                          figure_id="act-kf-groups"),
            ui.key_figure(tr("kf_group_firms", lang), int(groups["group_size"].sum()), lang,
                          decimals=0, figure_id="act-kf-group-firms"),
            html.Div([html.Div(tr("kf_group_sizes", lang), className="kf-label"),
                      html.Div(" / ".join(format_number(int(sizes.get(k, 0)), lang, 0)
                                          for k in (3, 4, 5)), className="kf-value")],
                     className="key-figure", id="act-kf-group-sizes"),
        ]
        if groups.empty:
            figures.append(html.P(tr("no_groups", lang)))
        return ui.table_records(groups.drop(columns="dep_codes")), [], figures

    @app.callback(Output(GROUP_MEMBERS, "data"), Output("act-group-members-hint", "hidden"),
                  Input("act-groups-table", "selected_rows"),
                  State("act-groups-table", "data"), State("act-year", "value"),
                  State("act-lang", "data"))
    def _members(selected: list[int] | None, rows: list[dict[str, Any]] | None,
                 year: int | None, lang: str) -> tuple[Any, ...]:
        require_staff()
        if not selected or not rows or year is None:
            return [], False
        gid = str(rows[selected[0]]["group_id"])
        groups = data.groups(int(year))
        mine = groups.loc[groups["group_id"].eq(gid)]
        communes = _names(data, "commune")
        i = 1 if lang == "en" else 0
        view = pd.DataFrame({
            "siret": mine["siret"].astype(str), "name": mine["name"].astype(str),
            "commune_name": [communes.get(c, c) for c in mine["commune"].astype(str)],
            "naf": mine["naf"].astype(str), "employees": mine["employees"],
            "stage": [STAGES.get(s, (s, s))[i] for s in mine["stage"].astype(str)],
            "posture": [POSTURES.get(p, (p, p))[i] for p in mine["posture"].astype(str)],
            "markets": mine["markets"].astype(str).str.replace("|", ", ", regex=False)})
        return ui.table_records(view), True

    @app.callback(Output("act-wi-source", "options"), Output("act-wi-target", "options"),
                  Output("act-wi-tied", "options"), Input("act-year", "value"),
                  State("act-lang", "data"))
    def _actor_choices(year: int | None, lang: str) -> tuple[Any, ...]:
        if year is None:
            return [], [], []
        options = _actor_options(data, int(year), lang)
        return options, options, options

    @app.callback(
        Output("act-scenario", "data"), Output("act-wi-msg", "children"),
        Output("act-ties-msg", "children"), Output("act-relays-msg", "children"),
        Input("act-wi-add-relay", "n_clicks"), Input("act-wi-add-tie", "n_clicks"),
        Input("act-add-site", "n_clicks"), Input("act-add-rec-tie", "n_clicks"),
        Input({"type": "act-wi-remove", "kind": ALL, "index": ALL}, "n_clicks"),
        Input("act-wi-clear", "n_clicks"),
        State("act-scenario", "data"), State("act-year", "value"),
        State("act-wi-commune", "value"), State("act-wi-code", "value"),
        State("act-wi-category", "value"), State("act-wi-capacity", "value"),
        State("act-wi-tied", "value"), State("act-wi-source", "value"),
        State("act-wi-target", "value"), State("act-wi-kind", "value"),
        State("act-relays-table", "selected_rows"), State("act-relays-table", "data"),
        State("act-ties-table", "selected_rows"), State("act-ties-table", "data"),
        State("act-lang", "data"), prevent_initial_call=True)
    def _edit(_r: int, _t: int, _s: int, _rt: int, removes: list[int | None], _c: int,
              scenario: dict[str, Any] | None, year: int | None, commune: str | None,
              code: str | None, category: str | None, capacity: Any, tied: str | None,
              source: str | None, target: str | None, kind: str | None,
              site_rows: list[int] | None, sites: list[dict[str, Any]] | None,
              tie_rows: list[int] | None, ties: list[dict[str, Any]] | None,
              lang: str) -> tuple[Any, ...]:
        trig = ctx.triggered_id
        scen = {"relays": list((scenario or {}).get("relays", [])),
                "ties": list((scenario or {}).get("ties", []))}
        if trig is None or year is None:
            return no_update, no_update, no_update, no_update
        if isinstance(trig, dict):  # a "remove" button
            value = ctx.triggered[0].get("value") if ctx.triggered else None
            if not value:
                return no_update, no_update, no_update, no_update
            items = scen.get(str(trig.get("kind")), [])
            idx = int(trig.get("index", -1))
            if 0 <= idx < len(items):
                items.pop(idx)
            return scen, None, None, None
        if trig == "act-wi-clear":
            return {"relays": [], "ties": []}, None, None, None

        def fail(message: str, where: str = "wi") -> tuple[Any, ...]:
            box = ui.error_box(message, lang, component_id=f"act-{where}-error-box")
            return (no_update, box if where == "wi" else no_update,
                    box if where == "ties" else no_update,
                    box if where == "relays" else no_update)

        def ok(message: str, where: str) -> tuple[Any, ...]:
            note = html.Span(message, className="act-ok")
            return (scen, note if where == "wi" else None,
                    note if where == "ties" else None, note if where == "relays" else None)

        communes = _names(data, "commune")
        s = get_settings()
        n_items = len(scen["relays"]) + len(scen["ties"])
        if n_items >= s.dashboard_scenario_max_items:
            where = {"act-add-site": "relays", "act-add-rec-tie": "ties"}.get(str(trig), "wi")
            return fail(tr("wi_err_too_many", lang, n=n_items), where)
        if trig in ("act-wi-add-relay", "act-add-site"):
            where = "wi" if trig == "act-wi-add-relay" else "relays"
            if trig == "act-add-site":
                if not site_rows or not sites:
                    return fail(tr("select_site_first", lang), where)
                chosen = str(sites[site_rows[0]]["commune"])
                cat, cap, tie_to = s.relay_category, None, None
            else:
                typed = (code or "").strip().upper()
                chosen = typed or (commune or "")
                cat, cap, tie_to = category or s.relay_category, capacity, tied
            if not chosen:
                return fail(tr("wi_err_commune", lang), where)
            if chosen not in communes or not _COMMUNE_CODE.match(chosen):
                example = "31555" if "31555" in communes else next(iter(sorted(communes)), "")
                return fail(tr("wi_err_unknown_commune", lang, code=chosen, example=example),
                            where)
            if cat not in s.unserved_categories and cat != s.relay_category:
                return fail(tr("wi_err_category", lang, value=cat), where)
            if cap not in (None, ""):
                try:
                    cap = float(cap)
                    if not cap > 0 or math.isinf(cap):
                        raise ValueError
                except (TypeError, ValueError):
                    return fail(tr("wi_err_capacity", lang, value=cap), where)
            else:
                cap = None
            if any(r["commune"] == chosen and r["category"] == cat for r in scen["relays"]):
                return fail(tr("wi_err_relay_twice", lang, category=category_label(cat, lang),
                               commune=communes.get(chosen, chosen)), where)
            active = set(_actors(data, int(year))["id"])
            if tie_to and tie_to not in active:
                return fail(tr("wi_err_unknown_actor", lang, actor=tie_to, year=year), where)
            item: dict[str, Any] = {"commune": chosen, "category": cat}
            if cap is not None:
                item["capacity"] = cap
            if tie_to:
                item["tied_to"] = [tie_to]
            scen["relays"].append(item)
            return ok(tr("wi_added_relay", lang, n=len(scen["relays"]) + len(scen["ties"])),
                      where)
        # a tie
        where = "wi" if trig == "act-wi-add-tie" else "ties"
        if trig == "act-add-rec-tie":
            if not tie_rows or not ties:
                return fail(tr("select_tie_first", lang), where)
            row = ties[tie_rows[0]]
            a, b, k = str(row["source"]), str(row["target"]), "partnership"
        else:
            a, b, k = source or "", target or "", kind or "partnership"
        actors = _actors(data, int(year)).set_index("id")["name"]
        if not a or not b:
            return fail(tr("wi_err_actors", lang), where)
        if a == b:
            return fail(tr("wi_err_same_actor", lang, actor=actors.get(a, a)), where)
        for x in (a, b):
            if x not in actors.index:
                return fail(tr("wi_err_unknown_actor", lang, actor=x, year=year), where)
        if k not in RELATION_KINDS:
            return fail(tr("wi_err_kind", lang, value=k), where)
        pair = tuple(sorted((a, b)))
        if pair in _tied_pairs(data, int(year)):
            return fail(tr("wi_err_tied", lang, a=actors[a], b=actors[b], year=year), where)
        if any(tuple(sorted((t["source"], t["target"]))) == pair for t in scen["ties"]):
            return fail(tr("wi_err_tie_twice", lang), where)
        scen["ties"].append({"source": a, "target": b, "kind": k})
        return ok(tr("wi_added_tie", lang, n=len(scen["relays"]) + len(scen["ties"])), where)

    @app.callback(Output("act-wi-list", "children"), Output("act-wi-run", "disabled"),
                  Input("act-scenario", "data"), State("act-year", "value"),
                  State("act-lang", "data"))
    def _list(scenario: dict[str, Any] | None, year: int | None, lang: str) -> tuple[Any, ...]:
        scenario = scenario or {}
        relays, ties = scenario.get("relays", []), scenario.get("ties", [])
        if not relays and not ties:
            return html.P(tr("wi_empty", lang), className="secret-note"), True
        communes = _names(data, "commune")
        names = _actors(data, int(year)).set_index("id")["name"] if year is not None else \
            pd.Series(dtype=str)
        i = 1 if lang == "en" else 0
        items: list[Any] = []
        for n, r in enumerate(relays):
            text = tr("wi_relay_item", lang, category=category_label(r["category"], lang),
                      commune=f"{communes.get(r['commune'], r['commune'])} ({r['commune']})")
            if r.get("capacity") is not None:
                text += tr("wi_capacity_item", lang, capacity=format_number(r["capacity"], lang, 0))
            for a in r.get("tied_to") or []:
                text += tr("wi_tied_item", lang, actor=names.get(a, a))
            items.append(html.Li([html.Span(text), html.Button(
                tr("wi_remove", lang), id={"type": "act-wi-remove", "kind": "relays",
                                           "index": n},
                n_clicks=0, className="act-remove")], className="act-item"))
        for n, t in enumerate(ties):
            text = tr("wi_tie_item", lang, kind=RELATION_KINDS.get(t["kind"], (t["kind"],) * 2)[i],
                      a=names.get(t["source"], t["source"]), b=names.get(t["target"],
                                                                         t["target"]))
            items.append(html.Li([html.Span(text), html.Button(
                tr("wi_remove", lang), id={"type": "act-wi-remove", "kind": "ties", "index": n},
                n_clicks=0, className="act-remove")], className="act-item"))
        return html.Ul(items, className="act-list", id="act-wi-items"), False

    @app.callback(Output("act-wi-result", "children"),
                  Input("act-wi-run", "n_clicks"), Input("act-wi-level", "value"),
                  Input("act-wi-only", "value"), Input("act-year", "value"),
                  State("act-scenario", "data"), State("act-lang", "data"))
    def _run(n_clicks: int | None, level: str | None, only: list[str] | None,
             year: int | None, scenario: dict[str, Any] | None, lang: str) -> Any:
        scenario = scenario or {}
        if not n_clicks or year is None or not (scenario.get("relays") or
                                                 scenario.get("ties")):
            return html.P(tr("wi_no_result", lang), className="secret-note")
        doc = scenario_document(scenario, int(year), tr("scenario_name", lang))
        doc["name"] = TEXT["scenario_name"][0]  # one cache entry whatever the language
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        try:
            table = _what_if(data, int(year), level or "departement", text)
        except slots.BusyError as exc:
            return ui.error_box(str(exc), lang, component_id="act-wi-run-error")
        except (ValidationError, InputFormatError, RegistryError, EmptyDataError,
                ValueError) as exc:
            return ui.error_box(tr("wi_err_run", lang, message=str(exc)), lang,
                                component_id="act-wi-run-error")
        return _what_if_result(table, is_staff(), bool(only), lang,
                               table.attrs.get("scenario", {}))
