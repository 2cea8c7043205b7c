"""Roles, sign-in, sessions and the guard that keeps firm-level data for signed-in staff.

Two roles (PRODUCT.md "firm-level data only for signed-in staff"):

``public``
    Anyone, no sign-in: aggregated, disclosure-controlled figures only.
``staff``
    Signed-in users: everything, firm lists and imports included.

Users and their password hashes come from a YAML file given by ``--users`` or
``$ECOSYSTEM_DASHBOARD_USERS`` (never from the repository)::

    users:
      analyste: "scrypt:32768:8:1$..."     # made by `ecosystem hash-password`

or from ``$ECOSYSTEM_DASHBOARD_USERS_INLINE`` as ``name=hash`` pairs separated by
newlines. A users file is read again when it changes (:class:`UserStore`), so that a
changed password or a removed user takes effect at the next request.

**Sessions** are kept by the server (:class:`SessionStore`): the signed cookie only
holds a random session id, checked on every request against the store, the user's
current password hash and the idle and absolute timeouts of the settings
(``dashboard_session_idle_minutes``, ``dashboard_session_max_hours``). Signing out
(a POST carrying the form token) or changing the password ends every copy of the
cookie; a restart of the server ends every session. The cookie is ``HttpOnly``,
``SameSite=Lax`` and, behind HTTPS (``dashboard_behind_https``), ``Secure`` with
the ``__Host-`` prefix. The key signing it (``$ECOSYSTEM_SECRET_KEY``) must be at
least ``dashboard_secret_key_min_bytes`` long; without it a random key is drawn.

**Sign-in** is slowed, then refused with HTTP 429, after repeated failures per user
name and per address (:class:`LoginThrottle`), and a wrong user name costs the same
password hash as a wrong password (a dummy hash), so that names cannot be found by
timing. The page to go back to after sign-in is checked by :func:`safe_next`.

**Forms and other POSTs** from another site are refused (HTTP 403): a request whose
``Origin`` is not this site, or that the browser marks ``Sec-Fetch-Site: cross-site``
(or ``same-site``: another host of the domain), is answered before any route runs; the
sign-in and sign-out forms carry the session's form token (:func:`csrf_token`); Dash's
callbacks take JSON only (:mod:`dashboard.limits`), which no form of another site can
send; and the cookie is ``SameSite=Lax``.

What a visitor without a session may receive is declared in one place,
:mod:`dashboard.public` (default deny: every other page, callback and route is
refused). Components that receive firm-level data are also declared here, with
:func:`staff_output`: the public list may never name them, and their callbacks call
:func:`require_staff` themselves.

Examples
--------
>>> h = hash_password("correct horse")
>>> check_password(h, "correct horse"), check_password(h, "wrong")
(True, False)
>>> safe_next("/carte?kind=actors"), safe_next("/\\t/evil.example"), safe_next("//evil")
('/carte?kind=actors', '/', '/')
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from flask import Flask, Response, abort, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from markupsafe import escape
from werkzeug.security import check_password_hash, generate_password_hash

from ecosystem import InputFormatError
from ecosystem.settings import get_settings

__all__ = ["User", "load_users", "hash_password", "check_password", "install_auth",
           "staff_output", "STAFF_OUTPUTS", "is_staff", "current_username", "require_staff",
           "SECRET_ENV", "USERS_ENV", "USERS_INLINE_ENV", "SecretKeyError", "check_secret_key",
           "safe_next", "UserStore", "SessionStore", "LoginThrottle", "csrf_token",
           "SESSION_COOKIE", "SECURE_SESSION_COOKIE", "same_origin"]

SECRET_ENV = "ECOSYSTEM_SECRET_KEY"
USERS_ENV = "ECOSYSTEM_DASHBOARD_USERS"
USERS_INLINE_ENV = "ECOSYSTEM_DASHBOARD_USERS_INLINE"
#: Name of the session cookie over plain HTTP, and behind HTTPS (the ``__Host-`` prefix
#: makes browsers refuse it unless Secure, for this host only, on every path).
SESSION_COOKIE = "session"
SECURE_SESSION_COOKIE = "__Host-session"

#: Component ids whose callbacks return firm-level data (staff only; never in the
#: public list of :mod:`dashboard.public`).
STAFF_OUTPUTS: set[str] = set()

#: Longest user name and password looked at (longer ones are failed attempts).
_MAX_NAME = 256
_MAX_PASSWORD = 1024


def staff_output(component_id: str) -> str:
    """Declare that callbacks writing to ``component_id`` return firm-level data (so
    that it can never be declared public, :func:`dashboard.public.check_declarations`).

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


class SecretKeyError(ValueError):
    """The key signing the sessions is too short to be safe."""


def check_secret_key(key: str) -> None:
    """Refuse a session key shorter than ``settings.dashboard_secret_key_min_bytes``.

    Raises
    ------
    SecretKeyError
        Saying how long the key is, what is expected and how to make one.

    Examples
    --------
    >>> check_secret_key("0123456789abcdef" * 4)
    >>> try:
    ...     check_secret_key("k")
    ... except SecretKeyError as exc:
    ...     print(str(exc)[:52])
    $ECOSYSTEM_SECRET_KEY is 1 byte(s) long; expected at
    """
    need = get_settings().dashboard_secret_key_min_bytes
    n = len(key.encode("utf-8"))
    if n < need:
        raise SecretKeyError(
            f"${SECRET_ENV} is {n} byte(s) long; expected at least {need} bytes of random "
            "data, e.g. the output of: python -c 'import secrets; "
            "print(secrets.token_hex(32))'")


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


class UserStore:
    """The staff users, read again from their file when it changes.

    Parameters
    ----------
    users : mapping, optional
        Fixed users (name -> password hash); then nothing is re-read.
    path : path, optional
        A users file (:func:`load_users`), re-read when its modification time or size
        changes (checked at most once a second). A file that no longer reads (being
        edited) keeps the previous users and prints a warning.

    Examples
    --------
    >>> store = UserStore({"marie": hash_password("x")})
    >>> store.get("marie") is not None, store.get("paul"), len(store)
    (True, None, 1)
    """

    def __init__(self, users: Mapping[str, str] | None = None, *,
                 path: str | os.PathLike[str] | None = None) -> None:
        self._path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        if self._path is not None:
            self._users = load_users(self._path, environ={})
            self._stamp = self._file_stamp()
        else:
            self._users = dict(users or {})
        self._dummy = self._make_dummy()

    @classmethod
    def from_environment(cls, path: str | os.PathLike[str] | None = None,
                         environ: Mapping[str, str] | None = None) -> UserStore:
        """The users of ``path``, ``$ECOSYSTEM_DASHBOARD_USERS`` (both re-read when they
        change) or ``$ECOSYSTEM_DASHBOARD_USERS_INLINE`` (fixed)."""
        env = os.environ if environ is None else environ
        source = path or env.get(USERS_ENV)
        if source:
            return cls(path=source)
        return cls(load_users(None, environ=env))

    def _file_stamp(self) -> tuple[int, int] | None:
        assert self._path is not None
        try:
            st = self._path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def _make_dummy(self) -> str:
        # the dummy hash uses the method of the users' hashes, so that checking it costs
        # what checking a real one does
        methods = [h.split("$", 1)[0] for h in self._users.values()]
        method = max(set(methods), key=methods.count) if methods else "scrypt"
        try:
            return generate_password_hash(secrets.token_hex(16), method=method)
        except (ValueError, TypeError):
            return generate_password_hash(secrets.token_hex(16))

    def _refresh(self) -> None:
        if self._path is None:
            return
        now = time.monotonic()
        with self._lock:
            if now - self._checked < 1.0:
                return
            self._checked = now
            stamp = self._file_stamp()
            if stamp == self._stamp:
                return
            try:
                users = load_users(self._path, environ={})
            except InputFormatError as exc:
                print(f"warning: users file not re-read, the previous users stay: {exc}",
                      file=sys.stderr)
                return
            self._users, self._stamp = users, stamp
            self._dummy = self._make_dummy()

    def get(self, name: str) -> str | None:
        """The password hash of ``name``, or None for an unknown user."""
        self._refresh()
        return self._users.get(name)

    def dummy_hash(self) -> str:
        """A hash of a random password, checked for unknown users (same cost)."""
        return self._dummy

    def __len__(self) -> int:
        self._refresh()
        return len(self._users)


@dataclass
class _Session:
    user: str
    credential: str  # digest of the password hash the session was opened with
    created: float
    seen: float


class SessionStore:
    """Staff sessions kept by the server: what a session cookie's id refers to.

    A session is valid while it is in the store, for the same user and password hash
    (a changed password ends it), less than ``idle_s`` after its last request and
    ``max_s`` after its creation. At most ``max_sessions`` are kept (the oldest are
    ended first).

    Examples
    --------
    >>> store = SessionStore()
    >>> sid = store.create("marie", "h1", now=0.0)
    >>> store.check(sid, "marie", "h1", idle_s=60, max_s=3600, now=30.0)
    True
    >>> store.check(sid, "marie", "h2", idle_s=60, max_s=3600, now=31.0)  # new password
    False
    >>> sid = store.create("marie", "h1", now=0.0)
    >>> store.check(sid, "marie", "h1", idle_s=60, max_s=3600, now=100.0)  # idle
    False
    >>> sid = store.create("marie", "h1", now=0.0)
    >>> store.end(sid)
    >>> store.check(sid, "marie", "h1", idle_s=60, max_s=3600, now=1.0)
    False
    """

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def credential(password_hash: str) -> str:
        """What a session remembers of the password hash it was opened with."""
        return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()

    def create(self, user: str, password_hash: str, now: float | None = None) -> str:
        """Open a session for ``user``; its id (to keep in the signed cookie)."""
        t = time.time() if now is None else now
        sid = secrets.token_urlsafe(32)
        limit = get_settings().dashboard_max_sessions
        with self._lock:
            self._sessions[sid] = _Session(user, self.credential(password_hash), t, t)
            while len(self._sessions) > limit:
                self._sessions.popitem(last=False)
        return sid

    def check(self, sid: Any, user: str, password_hash: str | None, *, idle_s: float,
              max_s: float, now: float | None = None, touch: bool = True) -> bool:
        """Whether ``sid`` is a live session of ``user`` with that password hash; a
        valid session is marked as seen now, an invalid one is ended."""
        if not isinstance(sid, str) or password_hash is None:
            if isinstance(sid, str):
                self.end(sid)
            return False
        t = time.time() if now is None else now
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return False
            ok = (s.user == user
                  and hmac.compare_digest(s.credential, self.credential(password_hash))
                  and t - s.seen <= idle_s and t - s.created <= max_s)
            if not ok:
                del self._sessions[sid]
                return False
            if touch:
                s.seen = t
            return True

    def end(self, sid: Any) -> None:
        """End the session ``sid`` (every copy of its cookie)."""
        if isinstance(sid, str):
            with self._lock:
                self._sessions.pop(sid, None)

    def end_user(self, user: str) -> int:
        """End every session of ``user``; how many there were."""
        with self._lock:
            mine = [k for k, s in self._sessions.items() if s.user == user]
            for k in mine:
                del self._sessions[k]
        return len(mine)

    def __len__(self) -> int:
        return len(self._sessions)


class LoginThrottle:
    """Failed sign-ins counted per key (a user name, an address) over a sliding window.

    After ``free`` failures, the next attempt must wait ``delay_s`` seconds after the
    last failure, doubled at each further failure; after ``limit`` failures every
    attempt is refused until the oldest failure leaves the window.

    Examples
    --------
    >>> th = LoginThrottle()
    >>> rule = dict(window_s=900, free=2, delay_s=1.0, limit=4)
    >>> th.wait(("user", "x"), now=0.0, **rule)
    0.0
    >>> for t in (0.0, 0.1, 0.2):
    ...     th.failed([("user", "x")], now=t)
    >>> th.wait(("user", "x"), now=0.5, **rule)  # third failure: wait 1 s after it
    0.7
    >>> th.failed([("user", "x")], now=1.5)
    >>> th.wait(("user", "x"), now=1.6, **rule)  # fourth: refused until t = 900
    898.4
    """

    #: Keys kept at most (memory bound); the least recently failed are forgotten first.
    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: tuple[str, str], *, window_s: float, free: int, delay_s: float,
             limit: int, now: float | None = None) -> float:
        """Seconds before an attempt for ``key`` is allowed (0.0: now)."""
        t = time.time() if now is None else now
        with self._lock:
            times = self._failures.get(key)
            if not times:
                return 0.0
            while times and t - times[0] > window_s:
                times.popleft()
            n = len(times)
            if n >= limit:
                return round(max(0.0, times[0] + window_s - t), 6)
            if n > free:
                delay = delay_s * 2 ** (n - free - 1)
                return round(max(0.0, times[-1] + min(delay, window_s) - t), 6)
            return 0.0

    def failed(self, keys: Iterable[tuple[str, str]], now: float | None = None) -> None:
        """Count a failed attempt for each of ``keys``."""
        t = time.time() if now is None else now
        with self._lock:
            for key in keys:
                times = self._failures.pop(key, None) or deque()
                times.append(t)
                self._failures[key] = times
            while len(self._failures) > self.MAX_KEYS:
                self._failures.popitem(last=False)

    def forget(self, key: tuple[str, str]) -> None:
        """Forget the failures of ``key`` (a successful sign-in for that name)."""
        with self._lock:
            self._failures.pop(key, None)


#: Characters of a local address to go back to: RFC 3986 path and query characters,
#: ASCII only (no space, control character, backslash, quote, ``<``, ``>`` or ``#``).
_NEXT_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")


def safe_next(value: str | None) -> str:
    """The local page to go back to after sign-in, or ``/`` when ``value`` is not a
    path of this site.

    The value is parsed (:func:`urllib.parse.urlsplit`): it must have no scheme, no
    host and a path starting with a single ``/``; whitespace, control characters and
    backslashes are refused anywhere, also once (or twice) percent-decoded (browsers
    drop a tab or a newline inside an address, and read ``\\`` as ``/``), as are
    encoded slashes that would make ``//host``.

    Examples
    --------
    >>> [safe_next(v) for v in ("/reseau", "/%09/evil.example", "/\\nevil", "//evil",
    ...                         "/%2F%2Fevil", "https://evil", "javascript:alert(1)",
    ...                         "/\\\\evil", "/ok?x=1#frag", None)]
    ['/reseau', '/', '/', '/', '/', '/', '/', '/', '/', '/']
    """
    if not value or len(value) > 2000 or not _NEXT_CHARS.fullmatch(value) or \
            not value.startswith("/") or value.startswith("//"):
        return "/"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc or parts.fragment:
        return "/"
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return "/"
    decoded = path
    for _ in range(3):  # encoded once, twice or more: no decoding may leave the site
        decoded = unquote(decoded)
        if (decoded.startswith("//") or "\\" in decoded
                or any(ord(c) < 0x21 or ord(c) == 0x7F for c in decoded)):
            return "/"
    return value


def csrf_token() -> str:
    """The form token of the current session (created on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def _token_ok() -> bool:
    token = session.get("csrf")
    sent = request.form.get("csrf", "")
    return isinstance(token, str) and bool(token) and hmac.compare_digest(
        token.encode(), sent.encode())


def same_origin(origin: str | None, fetch_site: str | None, host: str) -> bool:
    """Whether a request with these ``Origin`` and ``Sec-Fetch-Site`` headers comes from
    a page of the site ``host`` (or from no page at all: neither header).

    Examples
    --------
    >>> same_origin("http://127.0.0.1:8050", "same-origin", "127.0.0.1:8050")
    True
    >>> same_origin(None, None, "tableau.example.fr")  # not a browser
    True
    >>> same_origin("https://evil.example", "cross-site", "tableau.example.fr")
    False
    >>> same_origin(None, "same-site", "tableau.example.fr")  # another host of the domain
    False
    >>> same_origin("null", None, "tableau.example.fr")  # a sandboxed frame
    False
    """
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    if origin is None:
        return True
    return urlsplit(origin).netloc.casefold() == host.casefold()


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


_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>{title}</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body class="login-page">{body}</body></html>"""

_LOGIN_FORM = """<form method="post" action="/login" class="login-box">
<h1>Milieu internationalisant</h1><p>Connexion du personnel / Staff sign-in</p>
{message}<input type="hidden" name="csrf" value="{csrf}">
<label>Utilisateur / User <input name="username" autocomplete="username" required></label>
<label>Mot de passe / Password <input name="password" type="password"
 autocomplete="current-password" required></label>
<input type="hidden" name="next" value="{next}">
<button type="submit">Se connecter / Sign in</button>
<p><a href="/">Vue publique / Public view</a></p></form>"""

_LOGOUT_FORM = """<form method="post" action="/logout" class="login-box">
<h1>Milieu internationalisant</h1><p>Se déconnecter ? / Sign out?</p>
<input type="hidden" name="csrf" value="{csrf}">
<button type="submit">Se déconnecter / Sign out</button>
<p><a href="/">Retour / Back</a></p></form>"""

_MSG_FAILED = "Utilisateur ou mot de passe inconnu. / Unknown user or password."
_MSG_EXPIRED = "Formulaire expiré, recommencez. / Form expired, try again."
_MSG_WAIT = ("Trop de tentatives : réessayez dans {s} s. / Too many attempts: try again "
             "in {s} s.")


def install_auth(server: Flask, users: Mapping[str, str] | UserStore,
                 secret_key: str | None = None) -> None:
    """Sessions, ``/login`` and ``/logout``, the session check and the refusal of
    cross-site POSTs on ``server`` (what the public may receive:
    :func:`dashboard.public.install`).

    Raises
    ------
    SecretKeyError
        The key (``secret_key`` or ``$ECOSYSTEM_SECRET_KEY``) is too short.
    """
    settings = get_settings()
    key = secret_key or os.environ.get(SECRET_ENV)
    store = users if isinstance(users, UserStore) else UserStore(users)
    if key:
        check_secret_key(key)
    else:
        key = secrets.token_hex(32)
        if len(store):
            print(f"warning: ${SECRET_ENV} is not set: a random key signs the session "
                  "cookies", file=sys.stderr)
    secure = settings.dashboard_behind_https
    server.config.update(
        SECRET_KEY=key, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME=SECURE_SESSION_COOKIE if secure else SESSION_COOKIE,
        SESSION_REFRESH_EACH_REQUEST=False, REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure, REMEMBER_COOKIE_SAMESITE="Lax")
    manager = LoginManager()
    manager.init_app(server)
    sessions = SessionStore()
    throttle = LoginThrottle()
    server.extensions["ecosystem_auth"] = {"users": store, "sessions": sessions,
                                           "throttle": throttle}

    def live(name: str, touch: bool) -> bool:
        s = get_settings()
        return sessions.check(session.get("sid"), name, store.get(name),
                              idle_s=s.dashboard_session_idle_minutes * 60,
                              max_s=s.dashboard_session_max_hours * 3600, touch=touch)

    @manager.user_loader
    def _load(name: str) -> User | None:
        return User(name) if live(name, touch=False) else None

    @server.before_request
    def _check_session() -> None:
        # every request: a session cookie whose server-side session has ended (signed
        # out, password changed, idle, too old, server restarted) is emptied
        name = session.get("_user_id")
        if name is not None and not (isinstance(name, str) and live(name, touch=True)):
            session.clear()

    def page(title: str, body: str, status: int = 200) -> Response:
        resp = Response(_PAGE.format(title=title, body=body), status=status,
                        mimetype="text/html")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    def login_page(message: str = "", status: int = 200, wait: float = 0.0) -> Response:
        body = _LOGIN_FORM.format(
            message=f'<p class="login-error" role="alert">{escape(message)}</p>'
            if message else "",
            csrf=escape(csrf_token()), next=escape(safe_next(request.values.get("next"))))
        resp = page("Connexion", body, status)
        if wait:
            resp.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return resp

    def address() -> str:
        return str(request.remote_addr or "")

    @server.route("/login", methods=["GET", "POST"])
    def _login() -> Any:
        if request.method == "GET":
            return login_page()
        if not _token_ok():
            return login_page(_MSG_EXPIRED, 400)
        s = get_settings()
        raw_name = request.form.get("username", "")
        name = raw_name.strip()
        password = request.form.get("password", "")
        keys = [("user", name.casefold()[:_MAX_NAME]), ("address", address())]
        rule = dict(window_s=s.dashboard_login_window_minutes * 60,
                    free=s.dashboard_login_free_failures,
                    delay_s=s.dashboard_login_delay_seconds)
        wait = max(throttle.wait(keys[0], limit=s.dashboard_login_max_failures, **rule),
                   throttle.wait(keys[1], limit=s.dashboard_login_max_failures_per_address,
                                 **rule))
        if wait > 0:
            return login_page(_MSG_WAIT.format(s=max(1, math.ceil(wait))), 429, wait)
        h = store.get(name) if len(name) <= _MAX_NAME else None
        # an unknown name costs the same hash as a known one: no timing difference
        ok = check_password(h or store.dummy_hash(), password[:_MAX_PASSWORD])
        ok = ok and h is not None and len(password) <= _MAX_PASSWORD
        if not ok:
            throttle.failed(keys)
            return login_page(_MSG_FAILED, 401)
        assert h is not None
        throttle.forget(keys[0])
        session.clear()  # a new session: nothing of the anonymous one is kept
        session["sid"] = sessions.create(name, h)
        login_user(User(name))
        csrf_token()
        return redirect(safe_next(request.form.get("next")))

    @server.route("/logout", methods=["GET", "POST"])
    def _logout() -> Any:
        if request.method == "GET":  # a link never signs out: it asks
            if not is_staff():
                return redirect("/")
            return page("Déconnexion", _LOGOUT_FORM.format(csrf=escape(csrf_token())))
        if not _token_ok():
            return page("Déconnexion", f'<p class="login-box login-error" role="alert">'
                        f'{escape(_MSG_EXPIRED)}</p>', 400)
        sessions.end(session.get("sid"))
        logout_user()
        session.clear()
        return redirect("/")

    @server.before_request
    def _same_origin() -> Any:
        # a POST from a page of another site (a forged form, a script) is refused before
        # any route runs; clients that send neither header (scripts, curl) are not browsers
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if not same_origin(request.headers.get("Origin"), request.headers.get(
                "Sec-Fetch-Site"), request.host):
            return _json_error("cross-site request refused", 403)
        return None


def _json_error(message: str, status: int) -> Response:
    return Response(json.dumps({"error": message}), status=status,
                    mimetype="application/json")
