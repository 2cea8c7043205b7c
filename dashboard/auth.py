"""Roles, sign-in and the guard that keeps firm-level data for signed-in staff.

Two roles (issue 7, PRODUCT.md "firm-level data only for signed-in staff"):

``public``
    Anyone, no sign-in: aggregated, disclosure-controlled figures only.
``staff``
    Signed-in users: everything, firm lists and imports included.

Users and their password hashes come from a YAML file given by ``--users`` or
``$ECOSYSTEM_DASHBOARD_USERS`` (never from the repository)::

    users:
      analyste: "scrypt:32768:8:1$..."     # made by `ecosystem hash-password`

or from ``$ECOSYSTEM_DASHBOARD_USERS_INLINE`` as ``name=hash`` pairs separated by
newlines. Sessions are signed with ``$ECOSYSTEM_SECRET_KEY``; without it a random
key is drawn at start (sessions end when the server stops) and a warning printed.

Firm-level data is guarded twice: the page layouts of staff pages are only built
for staff, and every Dash callback whose output component id is declared with
:func:`staff_output` is refused (HTTP 403) before it runs when the request does
not come from a signed-in user, whatever the browser sends.

Examples
--------
>>> h = hash_password("correct horse")
>>> check_password(h, "correct horse"), check_password(h, "wrong")
(True, False)
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, abort, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from markupsafe import escape
from werkzeug.security import check_password_hash, generate_password_hash

from ecosystem import InputFormatError

__all__ = ["User", "load_users", "hash_password", "check_password", "install_auth",
           "staff_output", "STAFF_OUTPUTS", "is_staff", "current_username", "require_staff",
           "SECRET_ENV", "USERS_ENV", "USERS_INLINE_ENV"]

SECRET_ENV = "ECOSYSTEM_SECRET_KEY"
USERS_ENV = "ECOSYSTEM_DASHBOARD_USERS"
USERS_INLINE_ENV = "ECOSYSTEM_DASHBOARD_USERS_INLINE"

#: Component ids whose callbacks return firm-level data (staff only).
STAFF_OUTPUTS: set[str] = set()


def staff_output(component_id: str) -> str:
    """Declare that callbacks writing to ``component_id`` return firm-level data.

    Returns the id, so that a layout can write ``id=staff_output("unserved-table")``.
    """
    STAFF_OUTPUTS.add(component_id)
    return component_id


def hash_password(password: str) -> str:
    """A salted hash of ``password`` (werkzeug's scrypt) to put in the users file."""
    if not password:
        raise ValueError("empty password")
    return generate_password_hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return check_password_hash(password_hash, password)
    except (ValueError, TypeError):
        return False


class User(UserMixin):
    """A signed-in staff member."""

    def __init__(self, name: str) -> None:
        self.id = name
        self.role = "staff"


def _check_users(users: Mapping[str, Any], source: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in users.items():
        h = value.get("password_hash") if isinstance(value, Mapping) else value
        if not isinstance(name, str) or not name.strip():
            raise InputFormatError(f"{source}: a user has an empty name")
        if not isinstance(h, str) or "$" not in h:
            raise InputFormatError(
                f"{source}: user {name!r} has no password hash (expected the output of "
                "'ecosystem hash-password', e.g. 'scrypt:32768:8:1$salt$hash'); "
                "plain passwords are refused")
        out[name.strip()] = h
    return out


def load_users(path: str | os.PathLike[str] | None = None,
               environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Users (name -> password hash) from ``path``, ``$ECOSYSTEM_DASHBOARD_USERS``
    or ``$ECOSYSTEM_DASHBOARD_USERS_INLINE``; empty when none is given (then only
    the public view exists).

    Raises
    ------
    InputFormatError
        The file is missing or not a mapping ``users: {name: hash}``, or a user has
        a plain password instead of a hash.
    """
    env = os.environ if environ is None else environ
    path = path or env.get(USERS_ENV)
    if path:
        p = Path(path)
        if not p.is_file():
            raise InputFormatError(f"users file {p} does not exist")
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InputFormatError(f"{p}: not valid YAML ({exc})") from exc
        users = doc.get("users") if isinstance(doc, Mapping) else None
        if not isinstance(users, Mapping):
            raise InputFormatError(f"{p}: expected a mapping 'users: {{name: password_hash}}'")
        return _check_users(users, str(p))
    inline = env.get(USERS_INLINE_ENV, "")
    pairs = {}
    for n, line in enumerate(inline.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, h = line.partition("=")
        if not sep:
            raise InputFormatError(f"${USERS_INLINE_ENV} line {n}: expected name=hash")
        pairs[name] = h.strip()
    return _check_users(pairs, f"${USERS_INLINE_ENV}")


def is_staff() -> bool:
    """Whether the current request comes from a signed-in staff member."""
    return bool(getattr(current_user, "is_authenticated", False))


def current_username() -> str | None:
    """The signed-in user's name, or None."""
    return str(current_user.id) if is_staff() else None


def require_staff() -> None:
    """Abort the current request with 403 unless it comes from staff (used inside
    staff callbacks, on top of the request guard)."""
    if not is_staff():
        abort(403)


def _output_ids(payload: Mapping[str, Any]) -> Iterable[str]:
    outputs = payload.get("outputs")
    items = outputs if isinstance(outputs, list) else [outputs]
    for item in items:
        if isinstance(item, Mapping):
            cid = item.get("id")
            if isinstance(cid, Mapping):  # pattern-matching ids: their "type"
                yield str(cid.get("type", ""))
            elif cid is not None:
                yield str(cid)
    out = payload.get("output")
    if isinstance(out, str):  # "id.prop" or "..id1.prop...id2.prop.."
        for part in out.strip(".").split("..."):
            yield part.rsplit(".", 1)[0]


_LOGIN_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Connexion</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body class="login-page"><form method="post" action="/login" class="login-box">
<h1>Milieu internationalisant</h1><p>Connexion du personnel / Staff sign-in</p>
{message}<input type="hidden" name="csrf" value="{csrf}">
<label>Utilisateur / User <input name="username" autocomplete="username" required></label>
<label>Mot de passe / Password <input name="password" type="password"
 autocomplete="current-password" required></label>
<input type="hidden" name="next" value="{next}">
<button type="submit">Se connecter / Sign in</button>
<p><a href="/">Vue publique / Public view</a></p></form></body></html>"""


def _safe_next(value: str | None) -> str:
    """A local path to go back to after sign-in (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def install_auth(server: Flask, users: Mapping[str, str], secret_key: str | None = None) -> None:
    """Sessions, ``/login`` and ``/logout``, and the callback guard on ``server``."""
    key = secret_key or os.environ.get(SECRET_ENV)
    if not key:
        key = secrets.token_hex(32)
        if users:
            print(f"warning: ${SECRET_ENV} is not set: sessions use a random key and end "
                  "when the server stops", file=sys.stderr)
    server.config.update(SECRET_KEY=key, SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_HTTPONLY=True)
    manager = LoginManager()
    manager.init_app(server)
    known = dict(users)

    @manager.user_loader
    def _load(name: str) -> User | None:
        return User(name) if name in known else None

    def page(message: str = "", status: int = 200) -> Response:
        token = session.setdefault("csrf", secrets.token_urlsafe(24))
        body = _LOGIN_PAGE.format(
            message=f'<p class="login-error">{escape(message)}</p>' if message else "",
            csrf=escape(token), next=escape(_safe_next(request.values.get("next"))))
        return Response(body, status=status, mimetype="text/html")

    @server.route("/login", methods=["GET", "POST"])
    def _login() -> Any:
        if request.method == "GET":
            return page()
        token = session.get("csrf", "")
        if not token or not hmac.compare_digest(token, request.form.get("csrf", "")):
            return page("Formulaire expiré, recommencez. / Form expired, try again.", 400)
        name = request.form.get("username", "").strip()
        h = known.get(name)
        ok = check_password(h, request.form.get("password", "")) if h else False
        if not ok:
            return page("Utilisateur ou mot de passe inconnu. / Unknown user or password.",
                        401)
        session.pop("csrf", None)
        login_user(User(name))
        return redirect(_safe_next(request.form.get("next")))

    @server.route("/logout", methods=["POST", "GET"])
    def _logout() -> Any:
        logout_user()
        session.clear()
        return redirect("/")

    @server.before_request
    def _guard() -> Any:
        if not request.path.endswith("/_dash-update-component") or request.method != "POST":
            return None
        try:
            payload = json.loads(request.get_data(cache=True) or b"{}")
        except ValueError:
            abort(400)
        if not isinstance(payload, Mapping):
            abort(400)
        if not is_staff() and any(i in STAFF_OUTPUTS for i in _output_ids(payload)):
            return Response('{"error": "sign-in required"}', status=403,
                            mimetype="application/json")
        return None
