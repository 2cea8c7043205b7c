"""What a visitor without sign-in may receive: the one reviewed list (default deny).

Every request without a staff session is refused unless it is declared here:

:data:`PUBLIC_PAGES`
    The pages laid out for the public (module names of :mod:`dashboard.pages`). The
    dashboard's index is served for their paths only; a staff page's path answers
    HTTP 403 (the page itself then asks to sign in), any other path 404. A page that is
    not listed is a staff page, whatever its module says.
:data:`PUBLIC_OUTPUTS`
    The components, by page, that the callbacks of the public pages write to. A
    request to Dash's callback endpoint (``/_dash-update-component``) is answered
    without a session only when every output it names (``output``, and ``outputs``
    for what the browser sends) is one of them; otherwise HTTP 403, before any
    computation. A component declared with :func:`dashboard.auth.staff_output`
    (firm-level data) can never be public: :func:`check_declarations` refuses the list.
:data:`PUBLIC_ROUTES`
    The Flask routes (rule and methods) the public may request: Dash's own files and
    endpoints, sign-in, the map pages, the territories' outlines and the report's
    public files. Any other route answers HTTP 403 without a session.

Staff requests are not looked at here (the callbacks and routes that serve both roles
decide what each gets, and the callbacks of staff components call
:func:`dashboard.auth.require_staff` again). Adding a page, a callback or a route
therefore makes it staff-only until it is declared here, which is where a review of
what the public receives takes place.

Examples
--------
>>> output_ids("..ov-sentence.children...ov-radar.figure..")
['ov-sentence', 'ov-radar']
>>> is_public_output_spec("..ov-sentence.children...unserved-table.data..")
False
>>> is_public_output_spec("tr-download.data")
True
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import import_module
from types import ModuleType
from typing import Any

from flask import Response, request

from . import auth
from .pages import PAGE_MODULES

__all__ = ["PUBLIC_PAGES", "PUBLIC_OUTPUTS_BY_PAGE", "PUBLIC_OUTPUTS", "PUBLIC_ROUTES",
           "CALLBACK_RULE", "PAGE_RULES", "output_ids", "is_public_output_spec",
           "page_is_public", "public_paths", "check_declarations", "install",
           "DeclarationError"]

#: Pages laid out for the public (the others are for staff only).
PUBLIC_PAGES: tuple[str, ...] = (
    "overview", "map", "network", "activation", "territories", "report", "data",
)

#: Components the public pages' callbacks write to, by page. Aggregates only: firm
#: counts go through the core's disclosure control, firm lists are staff components
#: that the public layouts do not hold (``act-relay-firms``, ``act-group-members``,
#: ``data-import-result``, ``data-export-firms``, the unserved-SME page).
PUBLIC_OUTPUTS_BY_PAGE: dict[str, tuple[str, ...]] = {
    # header, navigation, language and the page's content (the layout of the role)
    "shell": ("lang", "page", "nav", "user-box", "lang-toggle", "app-title", "app-subtitle",
              "synthetic-notice"),
    "overview": ("ov-territory", "ov-sentence", "ov-key-figures", "ov-radar", "ov-cards",
                 "ov-notes", "ov-radar-note"),
    # the controls' state and the address of the map page (/maps/view, public kinds)
    "map": ("map-indicator", "map-level", "map-scheme", "map-classes", "map-distance",
            "map-categories", "map-frame", "map-download", "map-status"),
    "network": ("network-graph", "network-summary", "network-legend", "network-table",
                "network-card-body"),
    # the public relay plan and what-if (protected across their choices), the ties and
    # the groups' aggregates, the scenario being built in the browser
    "activation": ("act-ties-table", "act-ties-figures", "act-relays-table",
                   "act-relays-figures", "act-relays-map", "act-relays-error",
                   "act-groups-table", "act-groups-figures", "act-wi-source", "act-wi-target",
                   "act-wi-tied", "act-scenario", "act-wi-msg", "act-ties-msg",
                   "act-relays-msg", "act-wi-list", "act-wi-run", "act-wi-result"),
    "territories": ("tr-table", "tr-count", "tr-notes", "tr-map", "tr-map-title",
                    "tr-download"),
    # the report's queue: its state, the poll and the links to the public files
    "report": ("report-territory", "report-result", "report-poll", "report-job"),
    # the export of the public layers (the firms' export is a staff component)
    "data": ("data-export-download",),
}

#: Every public component id.
PUBLIC_OUTPUTS: frozenset[str] = frozenset(
    cid for ids in PUBLIC_OUTPUTS_BY_PAGE.values() for cid in ids)

#: Dash's callback endpoint.
CALLBACK_RULE = "/_dash-update-component"
#: Dash's index (the shell), served for the public pages' paths only.
PAGE_RULES: frozenset[str] = frozenset({"/", "/<path:path>"})

#: Routes the public may request (Flask rule -> methods; HEAD and OPTIONS go with GET).
PUBLIC_ROUTES: dict[str, frozenset[str]] = {
    # Dash: the shell, its layout, its scripts and styles, the callbacks
    "/": frozenset({"GET"}),
    "/<path:path>": frozenset({"GET"}),
    "/_dash-layout": frozenset({"GET"}),
    "/_dash-dependencies": frozenset({"GET"}),
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>":
        frozenset({"GET"}),
    "/assets/<path:filename>": frozenset({"GET"}),
    "/_favicon.ico": frozenset({"GET"}),
    CALLBACK_RULE: frozenset({"POST"}),
    # signing in (and out: an expired session's sign-out button still answers)
    "/login": frozenset({"GET", "POST"}),
    "/logout": frozenset({"GET", "POST"}),
    # the map page in its frame (the route refuses the kinds that place firms)
    "/maps/view": frozenset({"GET"}),
    # territories' outlines for the Territoires map
    "/territoires-topojson/<name>.json": frozenset({"GET"}),
    # a built report's public files (the audit has its own staff route)
    "/rapport/fichier/<key>/<name>": frozenset({"GET"}),
}


class DeclarationError(RuntimeError):
    """The public list contradicts the pages (a staff page or component made public)."""


def output_ids(spec: str) -> list[str]:
    """The component ids of a callback's output spec as Dash writes it (``id.prop`` or
    ``..id1.prop...id2.prop..``; a pattern-matching id by its ``type``)."""
    parts = spec[2:-2].split("...") if spec.startswith("..") and spec.endswith("..") \
        else [spec]
    out = []
    for part in parts:
        cid = part.rpartition(".")[0]
        if cid.startswith("{"):
            with contextlib.suppress(ValueError, AttributeError):
                cid = str(json.loads(cid).get("type"))
        out.append(cid)
    return out


def is_public_output_spec(spec: str) -> bool:
    """Whether every output of the callback ``spec`` is a public component."""
    ids = output_ids(spec)
    return bool(ids) and all(i in PUBLIC_OUTPUTS for i in ids)


def _sent_ids(outputs: Any) -> Iterable[str] | None:
    """The ids of the ``outputs`` the browser sends, or None when malformed."""
    items = outputs if isinstance(outputs, list) else [outputs]
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            return None
        cid = item.get("id")
        if isinstance(cid, Mapping):
            cid = cid.get("type")
        if not isinstance(cid, str):
            return None
        out.append(cid)
    return out


def _modules() -> list[ModuleType]:
    return [import_module(f"dashboard.pages.{name}") for name in PAGE_MODULES]


def page_is_public(module: ModuleType) -> bool:
    """Whether the page ``module`` is laid out for the public: declared in
    :data:`PUBLIC_PAGES` and not marked ``STAFF_ONLY`` by its module."""
    name = module.__name__.rsplit(".", 1)[-1]
    return name in PUBLIC_PAGES and getattr(module, "STAFF_ONLY", True) is False


@lru_cache(maxsize=1)
def public_paths() -> frozenset[str]:
    """Paths of the public pages."""
    return frozenset(str(m.PATH) for m in _modules() if page_is_public(m))


@lru_cache(maxsize=1)
def _staff_paths() -> frozenset[str]:
    return frozenset(str(m.PATH) for m in _modules() if not page_is_public(m))


def check_declarations(server_rules: Iterable[str] = ()) -> None:
    """Refuse a public list that contradicts the pages.

    Raises
    ------
    DeclarationError
        A page of :data:`PUBLIC_PAGES` that does not exist or is marked ``STAFF_ONLY``,
        a staff component (:func:`dashboard.auth.staff_output`) declared public, or a
        declared route the server does not have (when ``server_rules`` are given).
    """
    modules = {m.__name__.rsplit(".", 1)[-1]: m for m in _modules()}
    for name in PUBLIC_PAGES:
        if name not in modules:
            raise DeclarationError(f"public page {name!r} is not a page of the dashboard")
        if getattr(modules[name], "STAFF_ONLY", True) is not False:
            raise DeclarationError(f"public page {name!r} is marked STAFF_ONLY")
    both = PUBLIC_OUTPUTS & auth.STAFF_OUTPUTS
    if both:
        raise DeclarationError(f"staff components declared public: {sorted(both)}")
    rules = set(server_rules)
    if rules:
        stale = set(PUBLIC_ROUTES) - rules
        if stale:
            raise DeclarationError(f"public routes the server does not have: {sorted(stale)}")


def _refuse(status: int, message: str = "sign-in required") -> Response:
    return Response(json.dumps({"error": message}), status=status,
                    mimetype="application/json")


def _shell(app: Any, status: int) -> Response:
    # the dashboard's shell, which says itself what the page is (staff only, not found)
    resp = Response(app.index(), status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def install(app: Any) -> None:
    """Refuse, without a staff session, every request that is not declared public
    (see the module's text). Run after every page has registered its callbacks and
    routes.

    Raises
    ------
    DeclarationError
        See :func:`check_declarations`.
    """
    server = app.server
    check_declarations(r.rule for r in server.url_map.iter_rules())

    @server.before_request
    def _default_deny() -> Response | None:
        rule = request.url_rule
        if rule is None or auth.is_staff():
            return None  # no route: Flask's 404 / 405; staff: the route decides
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        allowed = PUBLIC_ROUTES.get(rule.rule)
        if allowed is None or method not in allowed:
            return _refuse(403)
        if rule.rule in PAGE_RULES:
            if request.path in public_paths():
                return None
            return _shell(app, 403 if request.path in _staff_paths() else 404)
        if rule.rule == CALLBACK_RULE:
            try:
                payload = json.loads(request.get_data(cache=True) or b"null")
            except ValueError:
                return _refuse(400, "malformed callback request: the body is not JSON")
            if not isinstance(payload, Mapping) or not isinstance(payload.get("output"), str):
                return _refuse(400, "malformed callback request: expected a JSON object "
                                    "with the callback's output")
            sent = _sent_ids(payload.get("outputs"))
            if not is_public_output_spec(payload["output"]) or sent is None or \
                    not all(i in PUBLIC_OUTPUTS for i in sent):
                return _refuse(403)
        return None
