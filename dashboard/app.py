"""The Dash application: the shell (header, navigation, language, sign-in,
synthetic-data notice) and the routing to the pages.

Each page is a module of :mod:`dashboard.pages` with ``PATH``, ``NAV`` (the key of
its label in :data:`dashboard.i18n.COMMON`), ``STAFF_ONLY``, ``layout(ctx)`` and
``register(app, data)`` (its callbacks and, when it needs them, Flask routes).
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
from flask import Flask

from ecosystem import __version__
from ecosystem.settings import get_settings

from . import auth
from .data import DashboardData
from .i18n import LANGS, t

__all__ = ["create_app", "PAGE_MODULES", "PageContext", "pages"]

#: The pages in navigation order.
PAGE_MODULES: tuple[str, ...] = (
    "overview", "map", "network", "unserved", "activation", "territories", "report", "data",
)


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
        if mod.STAFF_ONLY and not staff:
            continue
        active = " active" if path == mod.PATH else ""
        links.append(dcc.Link(t(mod.NAV, lang), href=mod.PATH, className="nav-link" + active,
                              id=f"nav-{mod.__name__.rsplit('.', 1)[-1]}"))
    return links


def _user_box(lang: str, staff: bool, user: str | None, can_sign_in: bool) -> list[Any]:
    if staff:
        return [html.Span(t("role_staff", lang, user=user or ""), className="role"),
                html.A(t("sign_out", lang), href="/logout", id="sign-out")]
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
        html.Footer(f"ecosystem {__version__} · {data.path.name}", className="footer"),
    ], className="app")


def create_app(registry: str | os.PathLike[str], *, users: Mapping[str, str] | None = None,
               secret_key: str | None = None) -> dash.Dash:
    """The dashboard on ``registry``.

    Parameters
    ----------
    registry : path
        Registry GeoPackage (``ecosystem demo`` builds one).
    users : mapping, optional
        Staff users (name -> password hash, :func:`dashboard.auth.hash_password`);
        default: :func:`dashboard.auth.load_users` from the environment. Without
        users, only the public view exists.
    secret_key : str, optional
        Key signing the sessions; default ``$ECOSYSTEM_SECRET_KEY``.
    """
    data = DashboardData(registry)
    users = dict(auth.load_users() if users is None else users)
    server = Flask("dashboard")
    limit = get_settings().dashboard_upload_max_mb
    # an upload travels base64-encoded inside a JSON callback body: 4/3 of the file
    server.config["MAX_CONTENT_LENGTH"] = int(limit * 1024 * 1024 * 4 / 3) + 64 * 1024
    auth.install_auth(server, users, secret_key)
    app = dash.Dash(
        "dashboard", server=server, title=t("app_title"), update_title=None,
        assets_folder=str(Path(__file__).with_name("assets")), serve_locally=True,
        suppress_callback_exceptions=True, compress=False,
    )
    app.layout = lambda: _shell(data, bool(users))
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
                if mod.STAFF_ONLY and not staff:
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
    return app
