"""Réseau: the actor network of a year (dash-cytoscape).

Nodes are the actors active in the year (:func:`ecosystem.network.actor_graph`),
placed at their Lambert-93 position (actors of one commune spread around it on a
small spiral) or by a force-directed layout; edges are the actor–actor ties active
in the year. Colour by category (the colours of the maps, :mod:`maps.style`), by
Leiden community or by connected component; size by betweenness; actors without
any tie in the view circled in red; the recommended ties
(:func:`ecosystem.activation.recommend_ties`) dashed. Filters: a territory (the
actors located there plus their direct partners) and categories (only actors of
those categories are kept, partners included). The page shows actors only (public
institutions): no firm data.

Examples
--------
>>> import networkx as nx
>>> g = nx.Graph([("a", "b"), ("b", "c"), ("d", "e")])
>>> g.add_node("f")
>>> s = view_summary(g)
>>> s["n_actors"], s["n_ties"], s["n_components"], s["n_isolated"]
(6, 3, 3, 1)
>>> round(s["main_component_share"], 2)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import dash_cytoscape as cyto
import networkx as nx
import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html

from ecosystem.activity import active_relations
from ecosystem.formatting import format_number
from ecosystem.settings import CATEGORIES, CATEGORY_GROUPS, RELATION_KINDS
from maps import style

from ..components import card, dropdown_labels, key_figure, page, year_dropdown
from ..i18n import category_label, translator

PATH = "/reseau"
NAV = "nav_network"
STAFF_ONLY = False

__all__ = ["PATH", "NAV", "STAFF_ONLY", "network_base", "view_nodes", "view_summary",
           "layout", "register", "warm"]

#: Numbers of recommended ties offered.
TOP_CHOICES: tuple[int, ...] = (5, 10, 20)
_DEFAULT_TOP = 10
#: Colours of communities and of the minor components (Tableau 10).
PALETTE: tuple[str, ...] = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
OTHER_COLOUR = "#c7c7c7"
MAIN_COMPONENT_COLOUR = "#1f5f99"
#: Spacing (km) of actors sharing a commune on their spiral.
_SPREAD_KM = 2.6

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Réseau des acteurs", "Actor network"),
    "intro": ("Les acteurs de l'accompagnement à l'international actifs dans l'année et "
              "leurs liens (partenariats, cofinancements, événements communs, "
              "orientations). Taille : intermédiarité (rôle de passerelle) ; cercle rouge : "
              "acteur sans lien dans la vue ; tirets orange : liens recommandés. Un clic "
              "sur un acteur ouvre sa fiche. Les acteurs d'une même commune sont répartis "
              "autour d'elle.",
              "The export-support actors active in the year and their ties (partnerships, "
              "co-funding, joint events, referrals). Size: betweenness (bridging role); red "
              "ring: actor without a tie in the view; orange dashes: recommended ties. "
              "Click an actor for its card. Actors of one municipality are spread around "
              "it."),
    "colour_by": ("Couleur", "Colour"),
    "by_category": ("Catégorie", "Category"),
    "by_community": ("Communauté (Leiden)", "Community (Leiden)"),
    "by_component": ("Composante", "Component"),
    "layout": ("Disposition", "Layout"),
    "geographic": ("Géographique", "Geographic"),
    "force": ("Forces (graphe)", "Force-directed"),
    "recommended": ("Liens recommandés", "Recommended ties"),
    "show_recommended": ("Afficher", "Show"),
    "territory_filter": ("Territoire", "Territory"),
    "whole_region": ("Toute la région", "Whole region"),
    "categories_filter": ("Catégories d'acteurs", "Actor categories"),
    "all_categories": ("Toutes les catégories", "All categories"),
    "dep_prefix": ("Département", "Département"),
    "epci_prefix": ("EPCI", "EPCI"),
    "n_actors": ("Acteurs", "Actors"),
    "n_ties": ("Liens entre acteurs", "Ties between actors"),
    "n_components": ("Composantes", "Components"),
    "density": ("Densité", "Density"),
    "main_share": ("Part dans la composante principale", "Share in the main component"),
    "n_isolated": ("Acteurs isolés", "Isolated actors"),
    "n_recommended": ("Liens recommandés affichés", "Recommended ties shown"),
    "legend": ("Légende", "Legend"),
    "main_component": ("Composante principale", "Main component"),
    "component_n": ("Composante n° {n} ({size} acteurs)", "Component {n} ({size} actors)"),
    "other_components": ("Autres composantes", "Other components"),
    "community_n": ("Communauté n° {n} ({size} acteurs)", "Community {n} ({size} actors)"),
    "other_communities": ("Autres communautés", "Other communities"),
    "isolated_legend": ("Acteur sans lien dans la vue", "Actor without a tie in the view"),
    "recommended_legend": ("Lien recommandé", "Recommended tie"),
    "coordinator_legend": ("Coordinateur du réseau (losange)", "Network coordinator (diamond)"),
    "tie_legend": ("Lien actif (épaisseur : nombre de liens)",
                   "Active tie (width: number of ties)"),
    "card_title": ("Fiche de l'acteur", "Actor card"),
    "card_hint": ("Cliquez sur un acteur du graphe pour afficher sa fiche.",
                  "Click an actor in the graph to show its card."),
    "category": ("Catégorie", "Category"),
    "commune": ("Commune", "Municipality"),
    "epci": ("EPCI", "EPCI"),
    "departement": ("Département", "Département"),
    "degree": ("Acteurs partenaires (degré)", "Partner actors (degree)"),
    "weighted_degree": ("Liens actifs", "Active ties"),
    "betweenness": ("Intermédiarité", "Betweenness"),
    "community": ("Communauté", "Community"),
    "component": ("Composante", "Component"),
    "component_main": ("principale ({size} acteurs)", "main ({size} actors)"),
    "component_other": ("n° {n} ({size} acteurs)", "no. {n} ({size} actors)"),
    "component_alone": ("aucune (acteur isolé)", "none (isolated actor)"),
    "coordinator": ("Coordinateur du réseau", "Network coordinator"),
    "number_n": ("n° {n}", "no. {n}"),
    "international": ("Liens avec des réseaux étrangers", "Ties to foreign networks"),
    "website": ("Site web", "Website"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "partners": ("Partenaires ({n})", "Partners ({n})"),
    "no_partner": ("Aucun lien avec un autre acteur cette année.",
                   "No tie with another actor this year."),
    "table_title": ("Acteurs de la vue (classés par intermédiarité)",
                    "Actors of the view (by betweenness)"),
    "col_name": ("Acteur", "Actor"),
    "col_category": ("Catégorie", "Category"),
    "col_commune": ("Commune", "Municipality"),
    "col_degree": ("Degré", "Degree"),
    "col_betweenness": ("Intermédiarité", "Betweenness"),
    "col_community": ("Communauté", "Community"),
    "col_component": ("Composante", "Component"),
    "col_coordinator": ("Coordinateur", "Coordinator"),
    "table_note": ("{shown} acteurs sur {total} ; la fiche de chacun s'ouvre d'un clic dans "
                   "le graphe.", "{shown} actors of {total}; click one in the graph for its "
                   "card."),
    "empty_view": ("Aucun acteur ne correspond à ces filtres.",
                   "No actor matches these filters."),
}
tr = translator(TEXT)


# ---------------------------------------------------------------------------
# computations (cached per registry state and year)
# ---------------------------------------------------------------------------

def _spread(x: np.ndarray, y: np.ndarray, ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Positions (km) where actors sharing a point are spread on a sunflower spiral."""
    out_x, out_y = x.copy(), y.copy()
    key = pd.Series(list(zip(np.round(x, 2), np.round(y, 2), strict=True)))
    golden = math.pi * (3 - math.sqrt(5))
    for _, idx in key.groupby(key, sort=False).groups.items():
        members = sorted(idx, key=lambda i: ids[i])
        if len(members) < 2:
            continue
        for j, i in enumerate(members):
            r = _SPREAD_KM * math.sqrt(j + 0.5)
            out_x[i] = x[i] + r * math.cos(j * golden)
            out_y[i] = y[i] + r * math.sin(j * golden)
    return out_x, out_y


def network_base(data: Any, year: int) -> dict[str, Any]:
    """Everything the page shows for ``year``, cached: ``graph`` (networkx),
    ``nodes`` (one row per active actor: attributes, metrics, position) and
    ``kinds`` (pair -> sorted kinds of the active ties between them)."""

    def compute() -> dict[str, Any]:
        analysis = data.analysis(year)
        nd = data.network_data(year)
        graph: nx.Graph = analysis.graph
        table = analysis.actor_table.set_index("id")
        live = nd.live_actors().drop_duplicates("id").set_index("id")
        ids = [str(v) for v in graph.nodes]
        nodes = table.reindex(ids).copy()
        geom = live.geometry.reindex(ids)
        ok = ~(geom.isna() | geom.is_empty).to_numpy()
        x = np.full(len(ids), np.nan)
        y = np.full(len(ids), np.nan)
        if ok.any():
            pts = geom[ok].to_crs(2154) if geom.crs is not None else geom[ok]
            x[ok], y[ok] = pts.x.to_numpy() / 1000.0, pts.y.to_numpy() / 1000.0
        # actors without a point sit at the centre of the others
        x = np.where(np.isfinite(x), x, np.nanmean(x) if ok.any() else 0.0)
        y = np.where(np.isfinite(y), y, np.nanmean(y) if ok.any() else 0.0)
        px, py = _spread(x, y, ids)
        nodes["px"], nodes["py"] = px - px.min(), -(py - py.max())  # y flipped
        nodes["website"] = live["website"].reindex(ids).fillna("").astype(str) \
            if "website" in live.columns else ""
        communes = data.territories("commune")
        names = dict(zip(communes["code"], communes["name"], strict=True))
        nodes["commune_name"] = [names.get(str(c), str(c)) for c in nodes["commune"]]
        for level in ("epci", "departement"):
            terr = data.territories(level)
            lnames = dict(zip(terr["code"], terr["name"], strict=True))
            nodes[f"{level}_name"] = [lnames.get(str(c), str(c)) for c in nodes[level]]
        kinds: dict[tuple[str, str], list[str]] = {}
        rel = nd.relations
        if len(rel):
            act = active_relations(rel, year, nd.actors)
            act = act.loc[act["source_type"].eq("actor") & act["target_type"].eq("actor")]
            for s, t, k in zip(act["source"].astype(str), act["target"].astype(str),
                               act["kind"].astype(str), strict=True):
                if s != t:
                    kinds.setdefault((min(s, t), max(s, t)), []).append(k)
        return {"graph": graph, "nodes": nodes, "kinds": kinds}

    return data.cached("network_page_base", (int(year),), compute)


def view_nodes(base: dict[str, Any], territory: str | None,
               categories: Iterable[str] | None) -> list[str]:
    """Ids of the actors shown: those located in ``territory`` (``"departement:34"``,
    ``"epci:200..."``; None: all) plus their direct partners, then only those of
    ``categories`` (None or empty: all), in the graph's node order."""
    graph: nx.Graph = base["graph"]
    nodes: pd.DataFrame = base["nodes"]
    keep = set(nodes.index)
    if territory:
        level, _, code = territory.partition(":")
        if level not in ("departement", "epci") or not code:
            raise ValueError(f"unknown territory {territory!r}; expected 'departement:CODE' "
                             "or 'epci:CODE'")
        inside = set(nodes.index[nodes[level].astype(str).eq(code)])
        keep = set(inside)
        for v in inside:
            keep.update(str(u) for u in graph.neighbors(v))
    cats = set(categories or ())
    if cats:
        keep = {v for v in keep if str(nodes.at[v, "category"]) in cats}
    return [v for v in nodes.index if v in keep]


def view_summary(graph: nx.Graph) -> dict[str, float]:
    """Figures of a (sub)graph: actors, ties, components, density, share of the actors
    in the largest component, actors without a tie."""
    n = graph.number_of_nodes()
    m = graph.number_of_edges()
    comps = [len(c) for c in nx.connected_components(graph)]
    return {"n_actors": n, "n_ties": m, "n_components": len(comps),
            "density": 2 * m / (n * (n - 1)) if n > 1 else float("nan"),
            "main_component_share": max(comps) / n if n else float("nan"),
            "n_isolated": sum(1 for _ in nx.isolates(graph))}


def _recommended(data: Any, year: int, top: int) -> pd.DataFrame:
    top = int(top)
    if top <= 0:
        return pd.DataFrame(columns=["source", "target", "rank"])
    # greedy choice: the first K ties of the top 10 are the top K (shares the cache of
    # the Activation page's default)
    base = data.ties(year, _DEFAULT_TOP if top <= _DEFAULT_TOP else top)
    return base.head(top)


def _colour_maps(nodes: pd.DataFrame, mode: str) -> pd.Series:
    if mode == "community":
        comm = nodes["community"].astype(int)
        return comm.map(lambda c: PALETTE[c] if c < len(PALETTE) else OTHER_COLOUR)
    if mode == "component":
        comp = nodes["component"].astype(int)
        size = nodes["component_size"].astype(int)
        return pd.Series([MAIN_COMPONENT_COLOUR if c == 0 else
                          (OTHER_COLOUR if s == 1 else PALETTE[(c - 1) % len(PALETTE)])
                          for c, s in zip(comp, size, strict=True)], index=nodes.index)
    return nodes["category"].astype(str).map(
        lambda c: style.CATEGORY_STYLE.get(c, style.DEFAULT_CATEGORY_STYLE)[0])


def build_view(data: Any, year: int, mode: str, territory: str | None,
               categories: Sequence[str] | None, show_recommended: bool, top: int
               ) -> dict[str, Any]:
    """Cytoscape elements, summary and table rows of a view (cached)."""
    cats = tuple(sorted(categories or ()))

    def compute() -> dict[str, Any]:
        base = network_base(data, year)
        nodes: pd.DataFrame = base["nodes"]
        ids = view_nodes(base, territory, cats)
        sub = base["graph"].subgraph(ids)
        colours = _colour_maps(nodes, mode)
        bmax = float(nodes["betweenness"].max()) if len(nodes) else 0.0
        elements: list[dict[str, Any]] = []
        isolated = set(nx.isolates(sub))
        for v in ids:
            row = nodes.loc[v]
            b = float(row["betweenness"])
            size = 6 + 18 * math.sqrt(b / bmax) if bmax > 0 else 7
            classes = ["actor"]
            if v in isolated:
                classes.append("isolated")
            if bool(row["coordinator"]):
                classes.append("coordinator")
            elements.append({
                "data": {"id": v, "label": str(row["name"]), "colour": colours[v],
                         "size": round(size, 1)},
                "position": {"x": round(float(row["px"]), 2), "y": round(float(row["py"]), 2)},
                "classes": " ".join(classes)})
        wmax = max((w for _, _, w in sub.edges(data="weight", default=1)), default=1)
        for u, v, w in sub.edges(data="weight", default=1):
            width = 0.6 + 3.4 * math.sqrt((w - 1) / max(wmax - 1, 1))
            elements.append({"data": {"id": f"tie:{u}|{v}", "source": u, "target": v,
                                      "width": round(width, 2)}, "classes": "tie"})
        n_rec = 0
        if show_recommended:
            shown = set(ids)
            for _, r in _recommended(data, year, top).iterrows():
                s, t = str(r["source"]), str(r["target"])
                if s in shown and t in shown:
                    n_rec += 1
                    elements.append({"data": {"id": f"rec:{s}|{t}", "source": s, "target": t,
                                              "rank": int(r["rank"])},
                                     "classes": "recommended"})
        summary = view_summary(sub)
        summary["n_recommended"] = n_rec
        present = nodes.loc[ids]
        return {"elements": elements, "summary": summary, "ids": ids,
                "legend": _legend_items(present, mode)}

    return data.cached("network_page_view", (int(year), mode, territory, cats,
                                             bool(show_recommended), int(top)), compute)


def _legend_items(present: pd.DataFrame, mode: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(colour, text key, fields) of the legend of the nodes present."""
    items: list[tuple[str, str, dict[str, Any]]] = []
    if mode == "community":
        sizes = present["community"].astype(int).value_counts().sort_index()
        for c, n in sizes.items():
            if int(c) < len(PALETTE):
                items.append((PALETTE[int(c)], "community_n", {"n": int(c) + 1, "size": int(n)}))
        if (sizes.index >= len(PALETTE)).any():
            items.append((OTHER_COLOUR, "other_communities", {}))
    elif mode == "component":
        comp = present.drop_duplicates("component").sort_values("component")
        for _, r in comp.iterrows():
            c, size = int(r["component"]), int(r["component_size"])
            if c == 0:
                items.append((MAIN_COMPONENT_COLOUR, "component_main_legend", {"size": size}))
            elif size > 1 and c <= len(PALETTE):
                items.append((PALETTE[(c - 1) % len(PALETTE)], "component_n",
                              {"n": c, "size": size}))
        if (present["component_size"].astype(int) == 1).any():
            items.append((OTHER_COLOUR, "component_alone_legend", {}))
    else:
        for code in [c for c in CATEGORIES if c in set(present["category"].astype(str))]:
            items.append((style.CATEGORY_STYLE.get(code, style.DEFAULT_CATEGORY_STYLE)[0],
                          "category:" + code, {}))
    return items


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------

STYLESHEET: list[dict[str, Any]] = [
    {"selector": "node", "style": {
        "background-color": "data(colour)", "width": "data(size)", "height": "data(size)",
        "border-width": 0.6, "border-color": "#ffffff", "label": "",
        "font-size": 7, "text-valign": "top", "text-margin-y": -2, "color": "#1d2733",
        "text-outline-color": "#ffffff", "text-outline-width": 1.2}},
    {"selector": "node.coordinator", "style": {"shape": "diamond"}},
    {"selector": "node.isolated", "style": {
        "border-width": 2.2, "border-color": style.ISOLATED_COLOUR}},
    {"selector": "node:selected", "style": {
        "label": "data(label)", "border-width": 2.5, "border-color": "#111111",
        "font-size": 9, "z-index": 10}},
    {"selector": "edge.tie", "style": {
        "width": "data(width)", "line-color": style.TIE_COLOUR, "opacity": 0.35,
        "curve-style": "straight"}},
    {"selector": "edge.recommended", "style": {
        "width": 2.2, "line-color": style.RECOMMENDED_TIE_COLOUR, "line-style": "dashed",
        "line-dash-pattern": [6, 4], "opacity": 0.95, "curve-style": "straight",
        "z-index": 5}},
]


def _layout_prop(mode: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    if mode == "force":
        return {"name": "cose", "animate": False, "randomize": False, "nodeRepulsion": 6000,
                "idealEdgeLength": 40, "numIter": 600, "fit": True, "padding": 20}
    positions = {e["data"]["id"]: e["position"] for e in elements if "position" in e}
    return {"name": "preset", "positions": positions, "fit": True, "padding": 20}


def _territory_options(data: Any, lang: str) -> list[dict[str, str]]:
    out = []
    for level, key in (("departement", "dep_prefix"), ("epci", "epci_prefix")):
        terr = data.territories(level)
        out += [{"label": f"{tr(key, lang)} · {n} ({c})", "value": f"{level}:{c}"}
                for c, n in zip(terr["code"], terr["name"], strict=True)]
    return out


def _category_options(lang: str) -> list[dict[str, str]]:
    i = 1 if lang == "en" else 0
    return [{"label": f"{category_label(code, lang)} ({CATEGORY_GROUPS[c.group][i]})",
             "value": code} for code, c in CATEGORIES.items()]


def layout(ctx: Any) -> Any:
    """The Réseau page."""
    lang, data = ctx.lang, ctx.data
    years = data.years()
    year = years[-1] if years else None
    controls = html.Div([
        year_dropdown("network-year", years, year, lang),
        html.Label([tr("colour_by", lang), dcc.RadioItems(
            id="network-colour", value="category", inline=True,
            options=[{"label": tr(f"by_{m}", lang), "value": m}
                     for m in ("category", "community", "component")])],
            className="control"),
        html.Label([tr("layout", lang), dcc.RadioItems(
            id="network-layout", value="geographic", inline=True,
            options=[{"label": tr(m, lang), "value": m} for m in ("geographic", "force")])],
            className="control"),
        html.Div([html.Span(tr("recommended", lang)), html.Div([
            dcc.Checklist(id="network-recommended", value=["show"], inline=True,
                          options=[{"label": tr("show_recommended", lang), "value": "show"}]),
            dcc.Dropdown(id="network-top", options=[{"label": str(k), "value": k}
                                                    for k in TOP_CHOICES],
                         value=_DEFAULT_TOP, clearable=False, className="network-top")],
            className="network-rec")], className="control"),
    ], className="controls")
    filters = html.Div([
        html.Label([tr("territory_filter", lang), dcc.Dropdown(
            id="network-territory", options=_territory_options(data, lang), value=None,
            placeholder=tr("whole_region", lang), clearable=True)],
            className="control wide"),
        html.Label([tr("categories_filter", lang), dcc.Dropdown(
            id="network-categories", options=_category_options(lang), value=[], multi=True,
            placeholder=tr("all_categories", lang), **dropdown_labels(lang))],
            className="control wide"),
    ], className="controls")
    graph = cyto.Cytoscape(
        id="network-graph", elements=[], layout={"name": "preset"}, stylesheet=STYLESHEET,
        style={"width": "100%", "height": "68vh"}, minZoom=0.2, maxZoom=8,
        boxSelectionEnabled=False, className="network-graph")
    return page(
        tr("title", lang), tr("intro", lang), controls, filters,
        dcc.Loading(html.Div(id="network-summary", className="key-figures"), type="dot"),
        html.Div([
            html.Div([html.Div(id="network-hover", className="network-hover"), graph,
                      html.Div(id="network-legend", className="network-legend")],
                     className="network-main"),
            card(tr("card_title", lang), html.Div(
                html.P(tr("card_hint", lang), className="intro"), id="network-card-body"),
                card_id="network-card"),
        ], className="network-layout"),
        html.H2(tr("table_title", lang)),
        html.Div(id="network-table"),
        dcc.Store(id="network-lang", data=lang),
        page_id="page-network")


def _summary_children(summary: dict[str, float], lang: str) -> list[Any]:
    share = summary["main_component_share"]
    return [
        key_figure(tr("n_actors", lang), summary["n_actors"], lang, decimals=0,
                   figure_id="network-n-actors"),
        key_figure(tr("n_ties", lang), summary["n_ties"], lang, decimals=0,
                   figure_id="network-n-ties"),
        key_figure(tr("n_components", lang), summary["n_components"], lang, decimals=0,
                   figure_id="network-n-components"),
        key_figure(tr("density", lang), summary["density"], lang, decimals=3,
                   figure_id="network-density"),
        key_figure(tr("main_share", lang), share * 100 if share == share else share, lang,
                   decimals=0, unit="%", figure_id="network-main-share"),
        key_figure(tr("n_isolated", lang), summary["n_isolated"], lang, decimals=0,
                   figure_id="network-n-isolated"),
        key_figure(tr("n_recommended", lang), summary["n_recommended"], lang, decimals=0,
                   figure_id="network-n-recommended"),
    ]


def _legend_children(items: list[tuple[str, str, dict[str, Any]]], lang: str,
                     show_recommended: bool) -> list[Any]:
    rows = []
    for colour, key, fields in items:
        if key.startswith("category:"):
            text = category_label(key.split(":", 1)[1], lang)
        elif key == "component_main_legend":
            text = f"{tr('main_component', lang)} ({fields['size']})"
        elif key == "component_alone_legend":
            text = tr("component_alone", lang)
        else:
            text = tr(key, lang, **fields)
        rows.append(html.Div([html.Span(className="nl-dot", style={"background": colour}),
                              html.Span(text)], className="nl-row"))
    rows.append(html.Div([html.Span(className="nl-ring"), html.Span(tr("isolated_legend",
                                                                       lang))],
                         className="nl-row"))
    rows.append(html.Div([html.Span(className="nl-diamond"),
                          html.Span(tr("coordinator_legend", lang))], className="nl-row"))
    rows.append(html.Div([html.Span(className="nl-line"), html.Span(tr("tie_legend", lang))],
                         className="nl-row"))
    if show_recommended:
        rows.append(html.Div([html.Span(className="nl-line nl-dashed"),
                              html.Span(tr("recommended_legend", lang))], className="nl-row"))
    return [html.Strong(tr("legend", lang)), *rows]


#: Rows of the actor table under the graph (the most central first).
TABLE_ROWS = 25


def _table(data: Any, year: int, ids: list[str], lang: str) -> Any:
    nodes = network_base(data, year)["nodes"].loc[ids]
    nodes = nodes.assign(_name=nodes["name"].astype(str)).sort_values(
        ["betweenness", "_name"], ascending=[False, True])
    yes, no = tr("yes", lang), tr("no", lang)
    cols = ("name", "category", "commune", "degree", "betweenness", "community", "component",
            "coordinator")
    head = html.Tr([html.Th(tr(f"col_{c}", lang)) for c in cols])
    rows = []
    for _, r in nodes.head(TABLE_ROWS).iterrows():
        size = int(r["component_size"])
        rows.append(html.Tr([
            html.Td(str(r["name"])), html.Td(category_label(str(r["category"]), lang)),
            html.Td(str(r["commune_name"])),
            html.Td(format_number(int(r["degree"]), lang, 0), className="num"),
            html.Td(format_number(float(r["betweenness"]), lang, 4), className="num"),
            html.Td(str(int(r["community"]) + 1), className="num"),
            html.Td("–" if size == 1 else str(int(r["component"]) + 1), className="num"),
            html.Td(yes if bool(r["coordinator"]) else no)]))
    note = tr("table_note", lang, shown=min(TABLE_ROWS, len(nodes)), total=len(nodes))
    return [html.Table([html.Thead(head), html.Tbody(rows)], className="network-table",
                       id="network-actors"), html.P(note, className="secret-note")]


def _website(url: str, lang: str) -> Any:
    url = url.strip()
    if url.lower().startswith(("http://", "https://")) and " " not in url:
        return html.A(url, href=url, target="_blank", rel="noopener noreferrer")
    return url


def actor_card(data: Any, year: int, actor_id: str, lang: str) -> list[Any] | None:
    """The card of one actor (None when it is not active in ``year``)."""
    base = network_base(data, year)
    nodes: pd.DataFrame = base["nodes"]
    if actor_id not in nodes.index:
        return None
    row = nodes.loc[actor_id]
    graph: nx.Graph = base["graph"]
    yes, no = tr("yes", lang), tr("no", lang)
    size = int(row["component_size"])
    if size == 1:
        comp = tr("component_alone", lang)
    elif int(row["component"]) == 0:
        comp = tr("component_main", lang, size=size)
    else:
        comp = tr("component_other", lang, n=int(row["component"]) + 1, size=size)
    cat = CATEGORIES.get(str(row["category"]))
    group = (CATEGORY_GROUPS[cat.group][1 if lang == "en" else 0]) if cat else ""
    i = 1 if lang == "en" else 0
    facts: list[tuple[str, Any, str]] = [
        ("category", f"{category_label(str(row['category']), lang)}"
                     + (f" · {group}" if group else ""), "nc-category"),
        ("commune", f"{row['commune_name']} ({row['commune']})", "nc-commune"),
        ("epci", str(row["epci_name"]), "nc-epci"),
        ("departement", f"{row['departement_name']} ({row['departement']})", "nc-dep"),
        ("degree", format_number(int(row["degree"]), lang, 0), "nc-degree"),
        ("weighted_degree", format_number(float(row["weighted_degree"]), lang, 0), "nc-ties"),
        ("betweenness", format_number(float(row["betweenness"]), lang, 4), "nc-betweenness"),
        ("community", tr("number_n", lang, n=int(row["community"]) + 1), "nc-community"),
        ("component", comp, "nc-component"),
        ("coordinator", yes if bool(row["coordinator"]) else no, "nc-coordinator"),
        ("international", yes if bool(row["international_links"]) else no,
         "nc-international"),
    ]
    body: list[Any] = [html.H4(str(row["name"]), id="network-card-name")]
    dl = []
    for key, value, cid in facts:
        dl += [html.Dt(tr(key, lang)), html.Dd(value, id=cid)]
    if str(row["website"]).strip():
        dl += [html.Dt(tr("website", lang)), html.Dd(_website(str(row["website"]), lang),
                                                     id="nc-website")]
    body.append(html.Dl(dl, className="network-facts"))
    partners = sorted(graph.neighbors(actor_id),
                      key=lambda p: (-int(graph[actor_id][p].get("weight", 1)),
                                     str(nodes.at[p, "name"]) if p in nodes.index else p))
    body.append(html.H5(tr("partners", lang, n=len(partners))))
    if not partners:
        body.append(html.P(tr("no_partner", lang)))
    else:
        items = []
        for p in partners:
            kinds = base["kinds"].get((min(actor_id, p), max(actor_id, p)), [])
            kind_text = ", ".join(sorted({RELATION_KINDS.get(k, (k, k))[i] for k in kinds}))
            pname = str(nodes.at[p, "name"]) if p in nodes.index else p
            pcat = category_label(str(nodes.at[p, "category"]), lang) \
                if p in nodes.index else ""
            items.append(html.Li([html.Span(pname, className="np-name"),
                                  f" — {pcat}" + (f" ({kind_text})" if kind_text else "")]))
        body.append(html.Ul(items, id="network-partners", className="network-partners"))
    return body


# ---------------------------------------------------------------------------
# callbacks
# ---------------------------------------------------------------------------

def register(app: Any, data: Any) -> None:
    """The callbacks of the Réseau page (public: actors only, no firm data)."""

    @app.callback(
        Output("network-graph", "elements"), Output("network-graph", "layout"),
        Output("network-summary", "children"), Output("network-legend", "children"),
        Output("network-table", "children"),
        Input("network-year", "value"), Input("network-colour", "value"),
        Input("network-layout", "value"), Input("network-recommended", "value"),
        Input("network-top", "value"), Input("network-territory", "value"),
        Input("network-categories", "value"), State("network-lang", "data"))
    def _view(year: Any, colour: str | None, layout_mode: str | None, rec: Any, top: Any,
              territory: str | None, categories: list[str] | None, lang: str | None
              ) -> tuple[Any, ...]:
        lang = lang or "fr"
        years = data.years()
        year = int(year) if year in years else years[-1]
        colour = colour if colour in ("category", "community", "component") else "category"
        top = int(top) if top in TOP_CHOICES else _DEFAULT_TOP
        cats = [c for c in (categories or []) if c in CATEGORIES]
        show = bool(rec and "show" in rec)
        try:
            view = build_view(data, year, colour, territory or None, cats, show, top)
        except ValueError as exc:
            from ..components import error_box

            return [], {"name": "preset"}, error_box(str(exc), lang), [], []
        elements = view["elements"]
        table_part: Any = _table(data, year, view["ids"], lang) if view["ids"] else \
            html.P(tr("empty_view", lang), className="intro")
        return (elements, _layout_prop(layout_mode or "geographic", elements),
                _summary_children(view["summary"], lang),
                _legend_children(view["legend"], lang, show), table_part)

    # the name of the actor under the pointer, set as text in the browser (no round trip)
    app.clientside_callback(
        "function (node) { return node && node.label ? String(node.label) : ''; }",
        Output("network-hover", "children"), Input("network-graph", "mouseoverNodeData"))

    @app.callback(
        Output("network-card-body", "children"),
        Input("network-graph", "tapNodeData"), Input("network-year", "value"),
        State("network-lang", "data"), prevent_initial_call=True)
    def _card(node: dict[str, Any] | None, year: Any, lang: str | None) -> Any:
        lang = lang or "fr"
        years = data.years()
        year = int(year) if year in years else years[-1]
        actor_id = str((node or {}).get("id", ""))
        body = actor_card(data, year, actor_id, lang) if actor_id else None
        return body if body is not None else html.P(tr("card_hint", lang), className="intro")


def warm(data: Any) -> None:
    """The default view of the last year (graph, metrics, recommended ties)."""
    years = data.years()
    if years:
        build_view(data, int(years[-1]), "category", None, (), True, _DEFAULT_TOP)
