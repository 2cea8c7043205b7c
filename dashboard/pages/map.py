"""Carte: the folium maps of :mod:`maps` embedded in the dashboard.

The map itself is a complete offline page served by the Flask route ``/maps/view``
(:func:`map_view`) and shown in an ``<iframe>``; the controls only rewrite its
address. The route checks every query parameter (an unknown kind, indicator, level
or scheme, or a number out of range, answers 400 with a message saying what was
expected) and the role on the server: the public gets the maps without firms
(:data:`maps.build.PUBLIC_KINDS`: actors, coverage, choropleth, infrastructure,
network; the coverage layer draws actors' buffers and catchments, never a firm) and
always their public version (``maps.build_map(..., public=True)``): the choropleth
draws the publication gate's table (:meth:`dashboard.data.DashboardData.
public_indicators_geo`, « s » where the gate suppresses a value) and the actors'
popups show no firm count. The maps that place firms (``firms``, ``combined``)
answer 403 without a staff session. Each page is built once per (registry state,
parameters) and kept in the dashboard's cache.

Examples
--------
>>> p = parse_map_params({"kind": "actors", "year": "2025"}, years=[2024, 2025],
...                      staff=False)
>>> p.kind, p.year, p.public
('actors', 2025, True)
>>> try:
...     parse_map_params({"kind": "firms"}, years=[2025], staff=False)
... except MapRequestError as exc:
...     print(exc.status, str(exc)[:38])
403 map kind 'firms' places firms: sign in
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from dash import Input, Output, State, dcc, html, no_update
from flask import Response, request

import maps
from ecosystem import catalogue
from ecosystem.formatting import format_number
from ecosystem.settings import CATEGORIES, get_settings
from maps.build import PUBLIC_KINDS

from .. import auth, slots
from ..components import dropdown_labels, error_box, page, year_dropdown
from ..i18n import LEVEL_LABELS, category_label, translator

PATH = "/carte"
NAV = "nav_map"
STAFF_ONLY = False

__all__ = ["PATH", "NAV", "STAFF_ONLY", "ROUTE", "PUBLIC_KINDS", "STAFF_KINDS", "MapParams",
           "DISTANCE_RANGE_KM", "DISTANCE_STEP_KM", "CLASSES_RANGE",
           "MapRequestError", "parse_map_params", "map_html", "map_url", "layout",
           "register", "warm"]

#: Address of the map pages.
ROUTE = "/maps/view"
#: Kinds that place firms (clusters of SMEs, unserved SMEs with their names): staff only.
STAFF_KINDS: tuple[str, ...] = ("firms", "combined")
#: Kinds whose page depends on the choropleth controls.
_CHOROPLETH_KINDS = ("choropleth", "combined")
#: Kinds whose page depends on the threshold d and the front-line categories.
_DISTANCE_KINDS = ("coverage", "firms", "combined")
#: Range of the threshold d (km) offered by the slider and accepted by the route.
DISTANCE_RANGE_KM: tuple[float, float] = (10.0, 60.0)
#: Step of the slider (km): the distances a callback accepts (dashboard.limits).
DISTANCE_STEP_KM = 5.0
#: Range of the number of classes of the choropleth.
CLASSES_RANGE: tuple[int, int] = (2, 7)
_DEFAULT_PUBLIC_KIND = "choropleth"
_DEFAULT_STAFF_KIND = "combined"
_DEFAULT_INDICATOR = "unserved_share"
_DEFAULT_LEVEL = "epci"
_DEFAULT_SCHEME = "quantiles"
_DEFAULT_CLASSES = 5

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Carte", "Map"),
    "intro": ("Les cartes du milieu internationalisant : acteurs, couverture des acteurs de "
              "première ligne, indicateurs par territoire, infrastructures et réseau. Chaque "
              "couche s'active dans le sélecteur en haut à droite de la carte ; un clic sur "
              "un élément ouvre sa fiche.",
              "Maps of the internationalising milieu: actors, coverage of the front-line "
              "actors, indicators by territory, infrastructure and network. Each layer can "
              "be switched in the control at the top right of the map; click an item for "
              "its card."),
    "kind": ("Carte", "Map"),
    "kind_actors": ("Acteurs de l'accompagnement", "Support actors"),
    "kind_firms": ("PME par stade et PME non accompagnées", "SMEs by stage and unserved SMEs"),
    "kind_coverage": ("Couverture des acteurs de première ligne", "Front-line coverage"),
    "kind_choropleth": ("Indicateur par territoire", "Indicator by territory"),
    "kind_infrastructure": ("Infrastructures", "Infrastructure"),
    "kind_network": ("Réseau des acteurs", "Actor network"),
    "kind_combined": ("Carte combinée (toutes les couches)", "Combined map (every layer)"),
    "indicator": ("Indicateur", "Indicator"),
    "scheme": ("Classes", "Classes"),
    "scheme_quantiles": ("Quantiles", "Quantiles"),
    "scheme_natural_breaks": ("Seuils naturels (Jenks)", "Natural breaks (Jenks)"),
    "classes": ("Nombre de classes", "Number of classes"),
    "distance": ("Seuil de distance d (km)", "Distance threshold d (km)"),
    "front_line": ("Catégories de première ligne", "Front-line categories"),
    "public_version": ("Version publique (secret statistique)",
                       "Public version (statistical confidentiality)"),
    "download": ("Télécharger la carte (HTML)", "Download the map (HTML)"),
    "built": ("Carte prête ({seconds} s).", "Map ready ({seconds} s)."),
    "public_note": ("Vue publique : les cartes qui placent des PME sont réservées au personnel "
                    "connecté ; les indicateurs sont ceux du tableau publié (commande "
                    "« ecosystem indicators --public ») : les valeurs couvertes par le secret "
                    "statistique y sont remplacées par « s » ; les fiches des acteurs "
                    "n'indiquent pas de nombre d'entreprises.",
                    "Public view: the maps that place SMEs are for signed-in staff; the "
                    "indicators are those of the published table (the 'ecosystem indicators "
                    "--public' command): values under statistical confidentiality are "
                    "replaced by “s”; the actors' cards give no number of firms."),
    "frame_title": ("Carte interactive", "Interactive map"),
}
tr = translator(TEXT)


class MapRequestError(ValueError):
    """A map request refused: ``status`` 400 (bad parameter) or 403 (staff only)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class MapParams:
    """The parameters of one map page, normalised (what the cache key is made of).

    Parameters that do not change the page of a kind are reset to their defaults
    (e.g. the indicator of an actors map), so equal pages share one cache entry.
    """

    year: int
    kind: str
    indicator: str = _DEFAULT_INDICATOR
    level: str = _DEFAULT_LEVEL
    scheme: str = _DEFAULT_SCHEME
    classes: int = _DEFAULT_CLASSES
    distance_km: float | None = None
    categories: tuple[str, ...] | None = None
    public: bool = True

    def key(self) -> tuple[Any, ...]:
        return (self.year, self.kind, self.indicator, self.level, self.scheme, self.classes,
                self.distance_km, self.categories, self.public)

    def query(self) -> dict[str, str]:
        """The query string of :data:`ROUTE` for these parameters."""
        q = {"year": str(self.year), "kind": self.kind}
        if self.kind in _CHOROPLETH_KINDS:
            q.update(indicator=self.indicator, level=self.level, scheme=self.scheme,
                     classes=str(self.classes))
        if self.kind in _DISTANCE_KINDS:
            if self.distance_km is not None:
                q["distance_km"] = f"{self.distance_km:g}"
            if self.categories is not None:
                q["categories"] = ",".join(self.categories)
        q["public"] = "1" if self.public else "0"
        return q


def _one(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(text: str, name: str, low: float, high: float, integer: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (low <= value <= high) or (integer and value != int(value)):
        kind = "an integer" if integer else "a number"
        raise MapRequestError(f"{name}={text!r}: expected {kind} between {low:g} and {high:g}")
    return value


def parse_map_params(args: Mapping[str, Any], *, years: Sequence[int], staff: bool,
                     indicator_columns: Callable[[str, int], Sequence[str]] | None = None
                     ) -> MapParams:
    """Check and normalise the query parameters of a map page.

    Parameters
    ----------
    args : mapping
        Query parameters: ``year``, ``kind``, ``indicator``, ``level``, ``scheme``,
        ``classes``, ``distance_km``, ``categories`` (comma-separated codes),
        ``public`` (``0``/``1``, staff only; the public always gets ``1``).
    years : sequence of int
        The registry's years (default: the last).
    staff : bool
        Whether the request comes from signed-in staff.
    indicator_columns : callable, optional
        ``(level, year) -> columns`` of the indicator table, to refuse an indicator
        not computed at a level.

    Raises
    ------
    MapRequestError
        status 400 for an unknown or out-of-range parameter, 403 for a kind that
        places firms requested without a staff session.
    """
    known = set(maps.KINDS)
    kind = _one(args, "kind") or (_DEFAULT_STAFF_KIND if staff else _DEFAULT_PUBLIC_KIND)
    if kind not in known:
        raise MapRequestError(f"unknown map kind {kind!r}; expected one of "
                              f"{', '.join(maps.KINDS)}")
    if not staff and kind not in PUBLIC_KINDS:
        raise MapRequestError(f"map kind {kind!r} places firms: sign in as staff (public "
                              f"kinds: {', '.join(PUBLIC_KINDS)})", status=403)
    year_text = _one(args, "year")
    if not years:
        raise MapRequestError("the registry has no firm observation: no year to map")
    if year_text is None:
        year = int(years[-1])
    else:
        if not year_text.isdigit() or int(year_text) not in set(map(int, years)):
            raise MapRequestError(f"year={year_text!r}: expected one of the registry's years "
                                  f"{', '.join(str(y) for y in years)}")
        year = int(year_text)
    params: dict[str, Any] = {"year": year, "kind": kind}
    indicator = _one(args, "indicator") or _DEFAULT_INDICATOR
    level = _one(args, "level") or _DEFAULT_LEVEL
    scheme = _one(args, "scheme") or _DEFAULT_SCHEME
    classes_text = _one(args, "classes")
    if indicator not in catalogue.names():
        raise MapRequestError(f"unknown indicator {indicator!r}; expected a name of the "
                              "catalogue (ecosystem.catalogue.names(), e.g. unserved_share)")
    if level not in maps.LEVELS:
        raise MapRequestError(f"unknown level {level!r}; expected one of "
                              f"{', '.join(maps.LEVELS)}")
    if scheme not in maps.SCHEMES:
        raise MapRequestError(f"unknown classification scheme {scheme!r}; expected one of "
                              f"{', '.join(maps.SCHEMES)}")
    classes = int(_number(classes_text, "classes", *CLASSES_RANGE, integer=True)) \
        if classes_text is not None else _DEFAULT_CLASSES
    if kind in _CHOROPLETH_KINDS:
        if indicator_columns is not None and indicator not in indicator_columns(level, year):
            raise MapRequestError(f"indicator {indicator!r} is not computed at level "
                                  f"{level!r}")
        params.update(indicator=indicator, level=level, scheme=scheme, classes=classes)
    distance_text = _one(args, "distance_km")
    distance = _number(distance_text, "distance_km", *DISTANCE_RANGE_KM) \
        if distance_text is not None else None
    if distance is not None and distance != get_settings().unserved_distance_km:
        k = (distance - DISTANCE_RANGE_KM[0]) / DISTANCE_STEP_KM
        if abs(k - round(k)) > 1e-9:  # the slider's values only: each one is a map to build
            raise MapRequestError(f"distance_km={distance_text!r}: expected a number between "
                                  f"{DISTANCE_RANGE_KM[0]:g} and {DISTANCE_RANGE_KM[1]:g} in "
                                  f"steps of {DISTANCE_STEP_KM:g}")
    cats_text = _one(args, "categories")
    cats: tuple[str, ...] | None = None
    if cats_text is not None:
        cats = tuple(sorted({c.strip() for c in cats_text.split(",") if c.strip()}))
        unknown = [c for c in cats if c not in CATEGORIES]
        if unknown or not cats:
            raise MapRequestError(f"unknown actor categories {unknown or [cats_text]}; "
                                  f"expected codes among {', '.join(CATEGORIES)}")
    if kind in _DISTANCE_KINDS:
        s = get_settings()
        if distance is not None and distance == s.unserved_distance_km:
            distance = None  # the default: one cache entry
        if cats is not None and cats == tuple(sorted(s.unserved_categories)):
            cats = None
        params.update(distance_km=distance, categories=cats)
    public_text = _one(args, "public")
    if public_text not in (None, "0", "1"):
        raise MapRequestError(f"public={public_text!r}: expected 0 or 1")
    params["public"] = True if not staff else public_text == "1"
    if params["public"] and kind not in PUBLIC_KINDS:  # staff asking for a public preview
        raise MapRequestError(f"map kind {kind!r} places firms: it has no public version "
                              f"(public kinds: {', '.join(PUBLIC_KINDS)})")
    return MapParams(**params)


def map_html(data: Any, params: MapParams) -> str:
    """The offline HTML page of the map of ``params`` (cached per registry state)."""
    def build() -> str:
        table = None
        if params.kind in _CHOROPLETH_KINDS:  # the tables the other pages show, cached
            table = data.public_indicators_geo(params.level, params.year) if params.public \
                else data.indicators_geo(params.level, params.year)
        m = maps.build_map(
            data.registry, params.year, params.kind, indicator=params.indicator,
            level=params.level, scheme=params.scheme, k=params.classes,
            distance_km=params.distance_km, categories=params.categories,
            public=params.public, indicator_table=table)
        return maps.to_html(m)

    # a map is built once per parameters; visitors build at most a few at once
    return slots.cached(data, "map_html", params.key(), build)


def map_url(params: MapParams, download: bool = False) -> str:
    """The address of the map page of ``params``."""
    q = params.query()
    if download:
        q["download"] = "1"
    return f"{ROUTE}?{urlencode(q)}"


def _indicator_columns(data: Any) -> Callable[[str, int], Sequence[str]]:
    def columns(level: str, year: int) -> Sequence[str]:
        return list(data.indicators(level, year).columns)
    return columns


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------

def _kind_options(lang: str, staff: bool) -> list[dict[str, str]]:
    kinds = [k for k in maps.KINDS if staff or k in PUBLIC_KINDS]
    return [{"label": tr(f"kind_{k}", lang), "value": k} for k in kinds]


def _indicator_options(lang: str) -> list[dict[str, str]]:
    out = []
    for name in catalogue.names():
        ind = catalogue.get(name)
        dim = catalogue.DIMENSIONS.get(ind.dimension)
        dim_label = (dim.label_en if lang == "en" else dim.label_fr) if dim else ind.dimension
        label = ind.label_en if lang == "en" else ind.label_fr
        out.append({"label": f"{dim_label} · {label}", "value": name})
    return out


def _category_options(lang: str) -> list[dict[str, str]]:
    return [{"label": category_label(code, lang), "value": code} for code in CATEGORIES]


def layout(ctx: Any) -> Any:
    """The Carte page for ``ctx`` (language, role)."""
    lang, data, staff = ctx.lang, ctx.data, ctx.staff
    years = data.years()
    year = years[-1] if years else None
    kind = _DEFAULT_STAFF_KIND if staff else _DEFAULT_PUBLIC_KIND
    s = get_settings()
    distance = min(max(float(s.unserved_distance_km), DISTANCE_RANGE_KM[0]),
                   DISTANCE_RANGE_KM[1])
    i = 1 if lang == "en" else 0
    src = None
    if year is not None:
        src = map_url(MapParams(year=int(year), kind=kind, public=not staff))
    lo, hi = DISTANCE_RANGE_KM
    controls = html.Div([
        year_dropdown("map-year", years, year, lang),
        html.Label([tr("kind", lang), dcc.Dropdown(
            id="map-kind", options=_kind_options(lang, staff), value=kind,
            clearable=False)], className="control wide"),
        html.Label([tr("indicator", lang), dcc.Dropdown(
            id="map-indicator", options=_indicator_options(lang), value=_DEFAULT_INDICATOR,
            clearable=False)], className="control wide"),
        html.Label([tr("level", lang), dcc.Dropdown(
            id="map-level", options=[{"label": LEVEL_LABELS[lv][i], "value": lv}
                                     for lv in maps.LEVELS],
            value=_DEFAULT_LEVEL, clearable=False)], className="control"),
        html.Label([tr("scheme", lang), dcc.Dropdown(
            id="map-scheme", options=[{"label": tr(f"scheme_{sc}", lang), "value": sc}
                                      for sc in maps.SCHEMES],
            value=_DEFAULT_SCHEME, clearable=False)], className="control"),
        html.Label([tr("classes", lang), dcc.Dropdown(
            id="map-classes", options=[{"label": str(n), "value": n}
                                       for n in range(CLASSES_RANGE[0], CLASSES_RANGE[1] + 1)],
            value=_DEFAULT_CLASSES, clearable=False)], className="control"),
    ], className="controls")
    controls2 = html.Div([
        html.Label([tr("distance", lang), dcc.Slider(
            id="map-distance", min=lo, max=hi, step=DISTANCE_STEP_KM, value=distance,
            marks={int(v): f"{int(v)} km" for v in range(int(lo), int(hi) + 1, 10)},
            tooltip={"placement": "bottom", "always_visible": False})],
            className="control wide map-distance"),
        html.Label([tr("front_line", lang), dcc.Dropdown(
            id="map-categories", options=_category_options(lang),
            value=list(s.unserved_categories), multi=True, clearable=False,
            **dropdown_labels(lang))],
            className="control wide map-categories"),
        # staff may preview the public version; the public always gets it (the server
        # forces it whatever this box says), so the box is hidden for them
        dcc.Checklist(id="map-public", options=[{"label": tr("public_version", lang),
                                                  "value": "public"}],
                      value=[] if staff else ["public"], className="control map-public",
                      style=None if staff else {"display": "none"}),
    ], className="controls")
    status = dcc.Loading(html.Div([
        html.Div(id="map-status", className="map-status"),
        html.A(tr("download", lang), id="map-download", className="action map-download",
               href=map_url(MapParams(year=int(year), kind=kind, public=not staff),
                            download=True) if year is not None else None,
               download=""),
    ], className="map-toolbar"), type="dot")
    return page(
        tr("title", lang), tr("intro", lang), controls, controls2,
        *([] if staff else [html.P(tr("public_note", lang), className="secret-note")]),
        status,
        html.Iframe(id="map-frame", className="map-frame", src=src,
                    title=tr("frame_title", lang)),
        dcc.Store(id="map-lang", data=lang),
        page_id="page-map")


# ---------------------------------------------------------------------------
# callbacks and route
# ---------------------------------------------------------------------------

def _args_from_controls(year: Any, kind: Any, indicator: Any, level: Any, scheme: Any,
                        classes: Any, distance: Any, categories: Any, public: Any
                        ) -> dict[str, str]:
    args = {"year": year, "kind": kind, "indicator": indicator, "level": level,
            "scheme": scheme, "classes": classes, "distance_km": distance}
    out = {k: str(v) for k, v in args.items() if v is not None}
    if categories:
        out["categories"] = ",".join(str(c) for c in categories)
    out["public"] = "1" if public and "public" in public else "0"
    return out


def register(app: Any, data: Any) -> None:
    """The map route and the callbacks of the Carte page."""
    server = app.server

    @server.route(ROUTE)
    def map_view() -> Response:
        staff = auth.is_staff()
        try:
            params = parse_map_params(request.args, years=data.years(), staff=staff,
                                      indicator_columns=_indicator_columns(data))
        except MapRequestError as exc:
            return Response(f"Carte refusée / map refused: {exc}\n", status=exc.status,
                            mimetype="text/plain")
        page_html = map_html(data, params)
        resp = Response(page_html, mimetype="text/html")
        resp.headers["Cache-Control"] = "private, no-cache"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        # the page is self-contained: nothing may be fetched, nothing sent anywhere
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src data:; font-src data:; frame-ancestors 'self'")
        if request.args.get("download") == "1":
            resp.headers["Content-Disposition"] = (
                f'attachment; filename="carte_{params.kind}_{params.year}.html"')
        return resp

    @app.callback(
        Output("map-indicator", "disabled"), Output("map-level", "disabled"),
        Output("map-scheme", "disabled"), Output("map-classes", "disabled"),
        Output("map-distance", "disabled"), Output("map-categories", "disabled"),
        Input("map-kind", "value"))
    def _enable(kind: str | None) -> tuple[bool, ...]:
        choro = kind in _CHOROPLETH_KINDS
        dist = kind in _DISTANCE_KINDS
        return (not choro,) * 4 + (not dist,) * 2

    @app.callback(
        Output("map-frame", "src"), Output("map-download", "href"),
        Output("map-status", "children"),
        Input("map-year", "value"), Input("map-kind", "value"),
        Input("map-indicator", "value"), Input("map-level", "value"),
        Input("map-scheme", "value"), Input("map-classes", "value"),
        Input("map-distance", "value"), Input("map-categories", "value"),
        Input("map-public", "value"),
        State("map-lang", "data"), prevent_initial_call=True)
    def _update(year: Any, kind: Any, indicator: Any, level: Any, scheme: Any, classes: Any,
                distance: Any, categories: Any, public: Any, lang: str | None
                ) -> tuple[Any, Any, Any]:
        lang = lang or "fr"
        staff = auth.is_staff()  # the session decides, not the browser
        args = _args_from_controls(year, kind, indicator, level, scheme, classes, distance,
                                   categories, public)
        start = time.perf_counter()
        try:
            params = parse_map_params(args, years=data.years(), staff=staff,
                                      indicator_columns=_indicator_columns(data))
            map_html(data, params)  # built here, under the spinner; the frame reads the cache
        except MapRequestError as exc:
            return no_update, no_update, error_box(str(exc), lang)
        except (ValueError, RuntimeError) as exc:
            return no_update, no_update, error_box(str(exc), lang)
        seconds = format_number(time.perf_counter() - start, lang, 1)
        return (map_url(params), map_url(params, download=True),
                html.Span(tr("built", lang, seconds=seconds), className="map-built"))


def warm(data: Any) -> None:
    """Build the default maps of the last year (public and staff)."""
    years = data.years()
    if not years:
        return
    year = int(years[-1])
    map_html(data, MapParams(year=year, kind=_DEFAULT_PUBLIC_KIND, public=True))
    map_html(data, MapParams(year=year, kind=_DEFAULT_STAFF_KIND, public=False))
