"""The Dash application: the shell (header, navigation, language, sign-in,
synthetic-data notice), the routing to the pages and the security headers.

Each page is a module of :mod:`dashboard.pages` with ``PATH``, ``NAV`` (the key of
its label in :data:`dashboard.i18n.COMMON`), ``STAFF_ONLY``, ``layout(ctx)`` and
``register(app, data)`` (its callbacks and, when it needs them, Flask routes).

What a visitor without sign-in may receive is declared in :mod:`dashboard.public`
(default deny): a page is laid out for the public only when it is declared there,
and every other callback, route and page path is refused without a session.

Every response carries the headers of :func:`security_headers`: a Content Security
Policy that lets only the dashboard's own scripts run (Dash's inline scripts are
allowed by their hashes, :meth:`dash.Dash.csp_hashes`) and forbids framing the
dashboard anywhere (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``; the map
page, framed by the dashboard itself, sets its own), ``X-Content-Type-Options:
nosniff`` and ``Referrer-Policy: same-origin``; responses to staff are not cached.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import DependencyException
from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ecosystem import __version__
from ecosystem.settings import get_settings

from . import auth, limits, public
from .data import DashboardData
from .i18n import LANGS, t
from .pages import PAGE_MODULES

__all__ = ["create_app", "PAGE_MODULES", "PageContext", "pages", "content_security_policy",
           "security_headers"]



@dataclass(frozen=True)
class PageContext:
    """What a page layout needs: the data, the language and the role."""

    data: DashboardData
    lang: str
    staff: bool
    user: str | None = None


def pages() -> list[ModuleType]:
    """The page modules, in navigation order."""
    return [import_module(f"dashboard.pages.{name}") for name in PAGE_MODULES]


def _nav(lang: str, path: str, staff: bool) -> list[Any]:
    links = []
    for mod in pages():
        if not staff and not public.page_is_public(mod):
            continue
        active = " active" if path == mod.PATH else ""
        links.append(dcc.Link(t(mod.NAV, lang), href=mod.PATH, className="nav-link" + active,
                              id=f"nav-{mod.__name__.rsplit('.', 1)[-1]}"))
    return links


def _user_box(lang: str, staff: bool, user: str | None, can_sign_in: bool) -> list[Any]:
    if staff:
        # signing out is a POST carrying the session's form token: no link or page of
        # another site can sign a staff member out
        return [html.Span(t("role_staff", lang, user=user or ""), className="role"),
                html.Form([dcc.Input(type="hidden", name="csrf", value=auth.csrf_token(),
                                     id="sign-out-token"),
                           html.Button(t("sign_out", lang), type="submit", id="sign-out",
                                       className="sign-out")],
                          method="post", action="/logout", className="sign-out-form")]
    items: list[Any] = [html.Span(t("role_public", lang), className="role")]
    if can_sign_in:
        items.append(html.A(t("sign_in", lang), href="/login", id="sign-in"))
    return items


def _shell(data: DashboardData, can_sign_in: bool) -> html.Div:
    staff = auth.is_staff()
    notice = html.Div(id="synthetic-notice", className="synthetic-notice",
                      role="note") if data.is_synthetic() else html.Div(id="synthetic-notice",
                                                                         hidden=True)
    return html.Div([
        dcc.Location(id="url"),
        dcc.Store(id="lang", storage_type="local", data=LANGS[0]),
        html.Header([
            html.Div([html.Div(id="app-title", className="app-title"),
                      html.Div(id="app-subtitle", className="app-subtitle")],
                     className="brand"),
            html.Nav(id="nav", className="nav"),
            html.Div([html.Div(id="user-box", className="user-box"),
                      html.Button(id="lang-toggle", className="lang-toggle", n_clicks=0)],
                     className="header-right"),
        ], className="header"),
        notice,
        dcc.Store(id="role", data={"staff": staff, "user": auth.current_username(),
                                   "can_sign_in": can_sign_in}),
        html.Main(id="page", className="main"),
        # the version and the registry's file name for staff only: nothing about the
        # server's software or files is published
        html.Footer(f"ecosystem {__version__} · {data.path.name}" if staff else "ecosystem",
                    className="footer"),
    ], className="app")


def content_security_policy(app: dash.Dash) -> str:
    """The Content Security Policy of the dashboard's pages.

    Scripts: the dashboard's own files and Dash's inline scripts (the renderer's start
    and the clientside callbacks), allowed by their SHA-256; styles may be inline
    (Dash and plotly set them); images and fonts may be ``data:`` URIs (plotly); the
    only frame is the map page of the same site; no page of another site may frame
    the dashboard, and forms post to the dashboard only.
    """
    hashes = " ".join(app.csp_hashes("sha256"))
    return ("default-src 'self'; "
            f"script-src 'self' {hashes}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "font-src 'self' data:; connect-src 'self'; frame-src 'self'; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


def security_headers(app: dash.Dash) -> None:
    """Add the security headers to every response of ``app`` (see the module's text);
    a route that sets its own ``Content-Security-Policy`` or ``X-Frame-Options`` keeps
    them (the map page, framed by the dashboard)."""
    policy = content_security_policy(app)
    behind_https = get_settings().dashboard_behind_https

    @app.server.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        h.setdefault("Content-Security-Policy", policy)
        h.setdefault("X-Frame-Options", "DENY")
        h["X-Content-Type-Options"] = "nosniff"
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if behind_https:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        static = request.path.startswith(("/assets/", "/_dash-component-suites/"))
        if not static and auth.is_staff():
            h["Cache-Control"] = "no-store"  # firm-level data stays off shared disks
        return resp


def create_app(registry: str | os.PathLike[str], *,
               users: Mapping[str, str] | auth.UserStore | None = None,
               secret_key: str | None = None) -> dash.Dash:
    """The dashboard on ``registry``.

    Parameters
    ----------
    registry : path
        Registry GeoPackage (``ecosystem demo`` builds one).
    users : mapping or UserStore, optional
        Staff users (name -> password hash, :func:`dashboard.auth.hash_password`), or
        a :class:`dashboard.auth.UserStore` (a users file re-read when it changes);
        default: :meth:`dashboard.auth.UserStore.from_environment`. Without users, only
        the public view exists.
    secret_key : str, optional
        Key signing the session cookies; default ``$ECOSYSTEM_SECRET_KEY``, at least
        ``settings.dashboard_secret_key_min_bytes`` long.

    Raises
    ------
    dashboard.auth.SecretKeyError
        The key is too short.
    """
    store = users if isinstance(users, auth.UserStore) else (
        auth.UserStore.from_environment() if users is None else auth.UserStore(users))
    data = DashboardData(registry)
    settings = get_settings()
    server = Flask("dashboard")
    if settings.dashboard_behind_https:  # the proxy's client address and scheme
        hops = settings.dashboard_proxy_hops
        server.wsgi_app = ProxyFix(server.wsgi_app,  # type: ignore[method-assign]
                                   x_for=hops, x_proto=hops)
    limit = settings.dashboard_upload_max_mb
    # an upload travels base64-encoded inside a JSON callback body: 4/3 of the file
    server.config["MAX_CONTENT_LENGTH"] = int(limit * 1024 * 1024 * 4 / 3) + 64 * 1024
    auth.install_auth(server, store, secret_key)
    app = dash.Dash(
        "dashboard", server=server, title=t("app_title"), update_title=None,
        assets_folder=str(Path(__file__).with_name("assets")), serve_locally=True,
        suppress_callback_exceptions=True, compress=False,
    )
    app.layout = lambda: _shell(data, len(store) > 0)
    app._ecosystem_data = data  # type: ignore[attr-defined]  # for tests and benchmarks

    @app.callback(Output("lang", "data"), Input("lang-toggle", "n_clicks"),
                  State("lang", "data"), prevent_initial_call=True)
    def _toggle(_: int, lang: str) -> str:
        return "en" if lang != "en" else "fr"

    @app.callback(
        Output("page", "children"), Output("nav", "children"), Output("user-box", "children"),
        Output("lang-toggle", "children"), Output("app-title", "children"),
        Output("app-subtitle", "children"), Output("synthetic-notice", "children"),
        Input("url", "pathname"), Input("lang", "data"), State("role", "data"))
    def _route(path: str | None, lang: str | None, role: dict[str, Any]) -> tuple[Any, ...]:
        lang = lang if lang in LANGS else LANGS[0]
        staff = auth.is_staff()  # the session decides, not what the browser holds
        user = auth.current_username()
        path = path or "/"
        content: Any = html.Div(t("not_found", lang), className="page", id="page-not-found")
        for mod in pages():
            if path == mod.PATH:
                if not staff and not public.page_is_public(mod):
                    content = html.Div([html.H1(t(mod.NAV, lang)),
                                        html.P(t("staff_only", lang)),
                                        html.A(t("sign_in", lang), href=f"/login?next={path}")],
                                       className="page", id="page-staff-only")
                else:
                    content = mod.layout(PageContext(data, lang, staff, user))
                break
        return (content, _nav(lang, path, staff),
                _user_box(lang, staff, user, bool((role or {}).get("can_sign_in"))),
                t("language", lang), t("app_title", lang), t("app_subtitle", lang),
                t("synthetic", lang))

    for mod in pages():
        mod.register(app, data)

    @server.errorhandler(DependencyException)
    def _unknown_script(_: Exception) -> Response:
        # a script path Dash does not serve: not found, without the list of its files
        return Response("not found\n", status=404, mimetype="text/plain")

    public.install(app)  # default deny: only what dashboard.public declares, without a session
    limits.install(app, data)  # every callback input checked against what pages offer
    security_headers(app)  # after every callback is known: the CSP hashes their scripts
    return app
