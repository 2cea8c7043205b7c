"""Dashboard security: each finding of the probe of the demo dashboard, replayed against
the real server (waitress on loopback, as ``ecosystem serve`` runs it), now gets the
safe answer; plus the checks of the redirect target, of the callback inputs and of the
uploads as functions.

Findings replayed: an open redirect after sign-in; a copied session cookie still valid
after signing out, sign-out by a link, no Secure cookie behind HTTPS; unlimited failed
sign-ins and user names found by timing; differencing the public relay plan across
numbers of sites; parameters that no page offers (``act-top=400``,
``act-wi-level=commune``) accepted and computed; a small spreadsheet that expands to
hundreds of MB, an error report repeating a 20 MB column name; no anti-framing headers,
the public report manifest showing paths, cache folder and version; any secret key
accepted; malformed requests ending in 500."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest
import requests

from dashboard import auth, limits, slots
from dashboard.app import create_app, pages
from dashboard.cli import make_server
from dashboard.uploads import UploadTooLargeError, check_upload, count_cells
from ecosystem import __version__, settings
from ecosystem.disclosure import SECRET
from tests.conftest import DASH_PASSWORD, DASH_USER, DASH_YEAR, WAIT_S, wait_for, wait_http_ok

KEY = "a-secret-key-for-the-security-tests-0123456789"
#: A second staff user, for the tests that change a password or lock a name.
OTHER, OTHER_PASSWORD = "marie", "un-autre-mot-de-passe"
#: Values of ``next`` an attacker would try (as the browser sends them, decoded).
HOSTILE_NEXT = (
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\r\n/evil.example",
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example",
    "\\\\evil.example", "/\\/evil.example", "\\/evil.example", "/%2F%2Fevil.example",
    "/%2f/evil.example", "/%5Cevil.example", "/%5C%5Cevil.example", "/%09/evil.example",
    "/%0A/evil.example", "/%0D%0A/evil.example", "/%252F%252Fevil.example",
    "https://evil.example", "http:evil.example", "HTTPS://evil.example/", "//evil.example/%2F..",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
    "evil.example", " /evil.example", "/ /evil.example", "/\x00/evil.example",
    "/\x0b/evil.example", "/\u2028/evil.example", "/\u3002evil.example", "/\uff0f/evil.example",
    "/reseau#@evil.example", "/x\r\nSet-Cookie: a=b", "\t//evil.example", "//evil.example\t",
)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

class Live:
    """The dashboard served by waitress on loopback, in a thread of the test process."""

    def __init__(self, registry: Path, users_file: Path) -> None:
        self.registry = registry
        self.users_file = users_file
        self.app = create_app(registry, users=auth.UserStore(path=users_file), secret_key=KEY)
        self._server = make_server(self.app, "127.0.0.1", 0, threads=8)
        self.url = f"http://127.0.0.1:{self._server.effective_port}"
        self._closing = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        wait_http_ok(self.url + "/_dash-layout")

    def _run(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):  # its sockets closed under it by close()
            if not self._closing:
                raise

    def close(self) -> None:
        self._closing = True
        self._server.close()
        self._thread.join(5)


def _write_users(path: Path, users: dict[str, str]) -> None:
    lines = "".join(f"  {n}: '{auth.hash_password(p)}'\n" for n, p in users.items())
    path.write_text("users:\n" + lines, encoding="utf-8")


def _start(dash_registry, folder: Path) -> Live:  # type: ignore[no-untyped-def]
    registry = folder / "demo.gpkg"  # a copy: nothing may write into the shared one
    shutil.copy(dash_registry.path, registry)
    users = folder / "users.yaml"
    _write_users(users, {DASH_USER: DASH_PASSWORD, OTHER: OTHER_PASSWORD})
    return Live(registry, users)


@pytest.fixture(scope="module")
def live(dash_registry, tmp_path_factory):  # type: ignore[no-untyped-def]
    server = _start(dash_registry, tmp_path_factory.mktemp("security"))
    yield server
    server.close()


@pytest.fixture
def fresh(dash_registry, tmp_path):  # type: ignore[no-untyped-def]
    """A server of its own (the sign-in limits of a test must not lock the others out)."""
    server = _start(dash_registry, tmp_path)
    yield server
    server.close()


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _sign_in(url: str, user: str = DASH_USER, password: str = DASH_PASSWORD,
             next_value: str | None = None) -> tuple[requests.Session, requests.Response]:
    """A browser-like session that posts the sign-in form (not following redirects)."""
    s = requests.Session()
    form = s.get(url + "/login", timeout=WAIT_S).text
    data = {"csrf": _csrf(form), "username": user, "password": password}
    if next_value is not None:
        data["next"] = next_value
    return s, s.post(url + "/login", data=data, allow_redirects=False, timeout=WAIT_S)


def _key(app: Any, output_id: str) -> str:
    return next(k for k in app.callback_map
                if output_id in [p.rsplit(".", 1)[0] for p in k.strip(".").split("...")])


def _payload(app: Any, output_id: str, values: dict[str, Any],
             changed: str | None = None) -> dict[str, Any]:
    """The body the browser posts for the callback writing to ``output_id``."""
    key = _key(app, output_id)
    cb = app.callback_map[key]
    outs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
            for p in key.strip(".").split("...")]

    def fill(items: list[dict[str, Any]]) -> list[Any]:
        return [[] if str(i["id"]).startswith("{") else
                {**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    inputs = fill(cb["inputs"])
    return {"output": key, "outputs": outs if key.startswith("..") else outs[0],
            "inputs": inputs, "state": fill(cb["state"]),
            "changedPropIds": [changed or f"{cb['inputs'][0]['id']}.{cb['inputs'][0]['property']}"]}


def _shown(r: requests.Response) -> str:
    """The text of a callback's answer, characters unescaped."""
    return json.dumps(r.json(), ensure_ascii=False)


def _post(http: Any, url: str, body: Any, **kw: Any) -> requests.Response:
    return http.post(url + "/_dash-update-component", json=body, timeout=4 * WAIT_S, **kw)


FRONT = list(settings.get_settings().unserved_categories)


def _unserved_values() -> dict[str, Any]:
    return {"unserved-year.value": DASH_YEAR, "unserved-distance.value": 30,
            "unserved-categories.value": FRONT, "unserved-exporting.value": [],
            "unserved-dep.value": None, "unserved-table.page_current": 0,
            "unserved-table.sort_by": [], "unserved-lang.data": "fr"}


def _firm_rows(http: Any, live: Live) -> tuple[int, list[dict[str, Any]]]:
    """Status of the unserved-SME callback (firm-level data) and its rows."""
    r = _post(http, live.url, _payload(live.app, "unserved-table", _unserved_values()))
    if r.status_code != 200:
        return r.status_code, []
    return 200, r.json()["response"]["unserved-table"]["data"]


def _find(node: Any, component_id: str) -> Any:
    """The component ``component_id`` in a callback response (Dash's JSON)."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return node
        for v in node.values():
            hit = _find(v, component_id)
            if hit is not None:
                return hit
    elif isinstance(node, list):
        for v in node:
            hit = _find(v, component_id)
            if hit is not None:
                return hit
    return None


def _text(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        return str(node)
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children"))
    if isinstance(node, list):
        return "".join(_text(v) for v in node)
    return ""


def _figure(node: Any) -> str:
    """The value of a key figure (« s » or a number as printed, without its share)."""
    parts = node["props"]["children"]
    return _text(parts[1]).split(" (")[0].strip()


def _number(text: str) -> Any:
    if text == SECRET:
        return SECRET
    return float(re.sub(r"[\s\u202f\u00a0]", "", text).replace(",", "."))


# ---------------------------------------------------------------------------
# redirect after sign-in
# ---------------------------------------------------------------------------

def _lands_on_site(location: str) -> bool:
    """Whether a browser following ``Location: location`` from the dashboard stays on
    it: browsers drop tabs and newlines in an address, read ``\\`` as ``/`` and trim
    spaces and control characters at its ends (WHATWG URL standard)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip("\x00- ")
    target = urlsplit(urljoin("http://dashboard.test/login", cleaned))
    return target.scheme == "http" and target.netloc == "dashboard.test"


def test_safe_next_refuses_every_hostile_target() -> None:
    for value in HOSTILE_NEXT:
        out = auth.safe_next(value)
        assert out == "/", (value, out)
        assert _lands_on_site(out)
    for value in ("/", "/carte", "/reseau?year=2025", "/pme-non-accompagnees",
                  "/rapport?a=1&b=%C3%A9"):
        assert auth.safe_next(value) == value


def test_safe_next_random_values_never_leave_the_site() -> None:
    import random

    rng = random.Random(20)
    alphabet = ["/", "\\", "%", "2", "F", "5", "C", "0", "9", "A", "D", ":", ".", "e", "@",
                "?", "#", "\t", "\n", " ", "\x00", "h", "t", "p", "s", "/", "/"]
    for _ in range(20000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        out = auth.safe_next(value)
        assert _lands_on_site(out), (value, out)
        assert out == "/" or out == value
        # once decoded as a server behind a proxy might, still a path of the site
        assert _lands_on_site(unquote(out)), (value, out)


def test_open_redirect_after_sign_in(live) -> None:  # type: ignore[no-untyped-def]
    # the finding: GET /login?next=/%09/evil.example, then a correct sign-in
    s = requests.Session()
    page = s.get(live.url + "/login?next=/%09/evil.example", timeout=WAIT_S)
    assert page.status_code == 200
    hidden = re.search(r'name="next" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
    assert hidden == "/"
    r = s.post(live.url + "/login", data={"csrf": _csrf(page.text), "username": DASH_USER,
                                          "password": DASH_PASSWORD, "next": "/\t/evil.example"},
               allow_redirects=False, timeout=WAIT_S)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    # every hostile value, in the query string and in the posted form; %0A, %0D: no 500
    for value in HOSTILE_NEXT:
        got = requests.get(f"{live.url}/login?next={quote(value, safe='')}", timeout=WAIT_S)
        assert got.status_code == 200, (value, got.status_code)
        _, r = _sign_in(live.url, next_value=value)
        assert r.status_code == 302, (value, r.status_code)
        assert _lands_on_site(r.headers["Location"]), (value, r.headers["Location"])
    _, r = _sign_in(live.url, next_value="/reseau")
    assert r.headers["Location"] == "/reseau"  # a page of the site is kept


# ---------------------------------------------------------------------------
# sessions
# ---------------------------------------------------------------------------

def test_sign_out_ends_every_copy_of_the_session(live) -> None:  # type: ignore[no-untyped-def]
    s, r = _sign_in(live.url)
    assert r.status_code == 302
    copy = requests.Session()
    copy.cookies.update(s.cookies)  # what an attacker copied before the sign-out
    status, rows = _firm_rows(copy, live)
    assert status == 200 and rows and all(row["siret"] for row in rows)
    # a link (or a page of another site) no longer signs out
    page = s.get(live.url + "/logout", timeout=WAIT_S)
    assert page.status_code == 200 and 'action="/logout"' in page.text
    assert _firm_rows(copy, live)[0] == 200
    # a POST without the form's token is refused
    r = s.post(live.url + "/logout", data={}, allow_redirects=False, timeout=WAIT_S)
    assert r.status_code == 400
    assert _firm_rows(copy, live)[0] == 200
    # the form signs out, and every copy of the cookie with it
    r = s.post(live.url + "/logout", data={"csrf": _csrf(page.text)}, allow_redirects=False,
               timeout=WAIT_S)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    for http in (copy, s):
        status, rows = _firm_rows(http, live)
        assert status == 403 and not rows
    # the user box of a staff page has the form, not a link
    s2, _ = _sign_in(live.url)
    box = json.dumps(_post(s2, live.url, _payload(live.app, "page", {"url.pathname": "/"}))
                     .json()["response"]["user-box"])
    assert '"action": "/logout"' in box and '"method": "post"' in box, box


def test_password_change_ends_the_sessions(live) -> None:  # type: ignore[no-untyped-def]
    s, r = _sign_in(live.url, OTHER, OTHER_PASSWORD)
    assert r.status_code == 302 and _firm_rows(s, live)[0] == 200
    time.sleep(1.1)  # the users file is looked at once a second at most
    _write_users(live.users_file, {DASH_USER: DASH_PASSWORD, OTHER: "changé-" + OTHER_PASSWORD})
    wait_for(s, lambda http: _firm_rows(http, live)[0] == 403,
             "the session to end once the password changed", timeout=10)
    assert _sign_in(live.url, OTHER, OTHER_PASSWORD)[1].status_code == 401
    s2, r = _sign_in(live.url, OTHER, "changé-" + OTHER_PASSWORD)
    assert r.status_code == 302 and _firm_rows(s2, live)[0] == 200
    time.sleep(1.1)
    _write_users(live.users_file, {DASH_USER: DASH_PASSWORD})  # the user removed
    wait_for(s2, lambda http: _firm_rows(http, live)[0] == 403,
             "the session to end once the user is removed", timeout=10)


def test_idle_and_absolute_timeouts(live) -> None:  # type: ignore[no-untyped-def]
    with settings.override(dashboard_session_idle_minutes=1.5 / 60):
        s, _ = _sign_in(live.url)
        assert _firm_rows(s, live)[0] == 200
        time.sleep(2.0)  # idle longer than 1.5 s
        assert _firm_rows(s, live)[0] == 403
    with settings.override(dashboard_session_max_hours=3 / 3600):
        s, _ = _sign_in(live.url)
        start = time.monotonic()
        while time.monotonic() - start < 2.5:  # active all along
            assert _firm_rows(s, live)[0] == 200
            time.sleep(0.5)
        time.sleep(max(0.0, 3.2 - (time.monotonic() - start)))
        assert _firm_rows(s, live)[0] == 403  # older than 3 s, however active


def test_cookie_flags(live) -> None:  # type: ignore[no-untyped-def]
    _, r = _sign_in(live.url)
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback: a Secure cookie would be lost


# ---------------------------------------------------------------------------
# failed sign-ins
# ---------------------------------------------------------------------------

def test_failed_sign_ins_are_slowed_then_refused(fresh) -> None:  # type: ignore[no-untyped-def]
    s = settings.get_settings()
    # the finding: 30 wrong passwords, then the right one
    codes = [_sign_in(fresh.url, OTHER, f"faux-{i}")[1].status_code for i in range(30)]
    assert codes[:s.dashboard_login_free_failures] == [401] * s.dashboard_login_free_failures
    assert codes.count(401) <= s.dashboard_login_max_failures
    assert codes[-1] == 429 and codes.count(429) >= 30 - s.dashboard_login_max_failures
    _, r = _sign_in(fresh.url, OTHER, OTHER_PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "Trop de tentatives" in r.text


def test_failed_sign_ins_wait_longer_each_time(fresh) -> None:  # type: ignore[no-untyped-def]
    """Slowed, not only locked: once the wait has passed an attempt is answered again,
    until the name's limit; then every attempt is refused for the window."""
    s = settings.get_settings()
    with settings.override(dashboard_login_delay_seconds=0.05):
        codes = []
        for i in range(3 * s.dashboard_login_max_failures):
            codes.append(_sign_in(fresh.url, "inconnu", f"faux-{i}")[1].status_code)
            time.sleep(0.25)
        assert codes.count(401) == s.dashboard_login_max_failures
        assert codes[-1] == 429


def test_failed_sign_ins_per_address(fresh) -> None:  # type: ignore[no-untyped-def]
    limit = settings.get_settings().dashboard_login_max_failures_per_address
    with settings.override(dashboard_login_delay_seconds=0.0):
        codes = [_sign_in(fresh.url, f"nom-{i}", "faux")[1].status_code
                 for i in range(limit + 3)]
    assert codes[:limit] == [401] * limit and codes[limit:] == [429] * 3
    # a new name from the same address, even with the right password, waits too
    assert _sign_in(fresh.url, DASH_USER, DASH_PASSWORD)[1].status_code == 429


def test_known_and_unknown_names_answer_in_the_same_time(fresh) -> None:  # type: ignore[no-untyped-def]
    def timed(user: str) -> float:
        s = requests.Session()
        form = s.get(fresh.url + "/login", timeout=WAIT_S).text
        start = time.perf_counter()
        r = s.post(fresh.url + "/login", data={"csrf": _csrf(form), "username": user,
                                               "password": "faux"}, timeout=WAIT_S)
        assert r.status_code == 401
        return time.perf_counter() - start

    with settings.override(dashboard_login_free_failures=1000):
        known, unknown = [], []
        for i in range(7):
            known.append(timed(DASH_USER))
            unknown.append(timed(f"personne-{i}"))
    k, u = statistics.median(known), statistics.median(unknown)
    assert k > 0.005  # a password hash was checked (scrypt: tens of ms)
    assert 0.5 < u / k < 2.0, (known, unknown)  # the finding: 77 ms against 2 ms


# ---------------------------------------------------------------------------
# what a visitor may ask
# ---------------------------------------------------------------------------

def test_every_callback_input_is_declared(live) -> None:  # type: ignore[no-untyped-def]
    table = limits.rules()
    missing = []
    for key, cb in live.app.callback_map.items():
        if "callback" not in cb:
            continue  # runs in the browser: refused by the server
        for item in [*cb["inputs"], *cb["state"]]:
            cid = str(item["id"])
            if cid.startswith("{"):
                cid = json.loads(cid)["type"]
            if (cid, item["property"]) not in table:
                missing.append((key, cid, item["property"]))
    assert not missing


def test_rules_of_the_inputs(live) -> None:  # type: ignore[no-untyped-def]
    table = limits.rules()
    public = limits.RequestContext(live.app._ecosystem_data, staff=False)
    staff = limits.RequestContext(live.app._ecosystem_data, staff=True)
    years = live.app._ecosystem_data.years()
    ok = [("act-top", 10), ("act-sites", 10), ("act-year", years[0]), ("ov-level", "epci"),
          ("ov-territory", "34"), ("map-distance", 35), ("map-distance", 30.0),
          ("act-wi-level", "epci"), ("tr-table", [{"column_id": "imi", "direction": "asc"}]),
          ("act-distance", settings.get_settings().unserved_distance_km),
          ("network-territory", "departement:34"), ("act-wi-code", "99999"),
          ("unserved-distance", 5), ("data-import-year", None)]
    bad = [("act-top", 400), ("act-top", "10"), ("act-top", True), ("act-sites", 11),
           ("act-sites", 175), ("act-sites", 0), ("act-year", 1990), ("act-year", None),
           ("ov-level", "commune"), ("ov-territory", "99"), ("map-distance", 37),
           ("map-distance", 65), ("map-distance", float("nan")), ("act-wi-level", "commune"),
           ("tr-table", [{"column_id": "siret", "direction": "asc"}]),
           ("tr-table", [{"column_id": "imi", "direction": "up"}]),
           ("act-distance", 25), ("network-territory", "commune:31555"),
           ("act-wi-code", "<script>"), ("unserved-distance", 500), ("act-wi-capacity", -1),
           ("report-lang", "de"), ("lang", "<b>"), ("act-wi-kind", "groupement"),
           ("act-scenario", {"relays": [{"commune": "99999", "category": "cci"}]}),
           ("act-scenario", {"ties": [{"source": "x", "target": "y", "kind": "partnership"}]}),
           ("act-scenario", {"relays": [{"commune": "31555", "category": "cci"}] * 21})]
    props = {"tr-table": "sort_by", "lang": "data", "act-scenario": "data"}
    for cid, value in ok:
        rule = table[(cid, props.get(cid, "value"))]
        assert rule.check(value, public) is None, (cid, value)
    for cid, value in bad:
        rule = table[(cid, props.get(cid, "value"))]
        assert rule.check(value, public) is not None, (cid, value)
    # staff choose the relay plan's distance within the settings' range
    rule = table[("act-distance", "value")]
    low, high = settings.get_settings().dashboard_distance_range_km
    assert rule.check(25, staff) is None and rule.check(high + 1, staff) is not None
    assert rule.check(low - 0.5, staff) is not None


def test_forged_inputs_get_400_and_compute_nothing(live) -> None:  # type: ignore[no-untyped-def]
    act = {"act-year.value": DASH_YEAR, "act-lang.data": "fr"}
    forged = [
        ("act-ties-table", {**act, "act-top.value": 400}),  # the finding: 48.6 s of CPU
        ("act-wi-result", {**act, "act-wi-run.n_clicks": 1, "act-wi-level.value": "commune",
                           "act-wi-only.value": [], "act-scenario.data": {
                               "relays": [{"commune": "31555", "category": "cci"}]}}),
        ("act-relays-table", {**act, "act-sites.value": 175, "act-distance.value": 30}),
        ("act-relays-table", {**act, "act-sites.value": 5, "act-distance.value": 1}),
        ("ov-sentence", {"ov-level.value": "commune", "ov-territory.value": "31555",
                         "ov-year.value": DASH_YEAR, "ov-compare.value": None}),
        ("ov-sentence", {"ov-level.value": "departement", "ov-territory.value": "34",
                         "ov-year.value": 1990, "ov-compare.value": None}),
        ("tr-map", {"tr-level.value": "departement", "tr-year.value": DASH_YEAR,
                    "tr-indicator.value": "__class__"}),
        ("map-frame", {"map-year.value": DASH_YEAR, "map-kind.value": "coverage",
                       "map-indicator.value": "imi", "map-level.value": "epci",
                       "map-scheme.value": "quantiles", "map-classes.value": 5,
                       "map-distance.value": 37.5, "map-categories.value": FRONT,
                       "map-public.value": ["public"]}),
        ("network-graph", {"network-year.value": DASH_YEAR, "network-colour.value": "category",
                           "network-layout.value": "force", "network-recommended.value": [],
                           "network-top.value": 500, "network-territory.value": None,
                           "network-categories.value": []}),
        ("report-result", {"report-generate.n_clicks": 1, "report-level.value": "commune",
                           "report-territory.value": "31555", "report-year.value": DASH_YEAR,
                           "report-compare-year.value": None, "report-lang.value": "fr"}),
    ]
    for output, values in forged:
        start = time.perf_counter()
        r = _post(requests, live.url, _payload(live.app, output, values))
        assert r.status_code == 400, (output, r.status_code, r.text[:200])
        assert r.json()["error"].startswith("request refused:"), r.text
        assert time.perf_counter() - start < 5, output  # refused before any computation
    # the same callbacks with the values the page offers answer
    r = _post(requests, live.url, _payload(live.app, "act-ties-table",
                                           {**act, "act-top.value": 10}))
    assert r.status_code == 200


# ---------------------------------------------------------------------------
# differencing the public relay plan; the public what-if
# ---------------------------------------------------------------------------

def _raw_plans(registry: Path, year: int, d: float) -> dict[int, Any]:
    from ecosystem.activation import plan_relays

    return {k: plan_relays(str(registry), year, k, d)[0] for k in range(1, 11)}


def test_relay_plan_cannot_be_differenced(live) -> None:  # type: ignore[no-untyped-def]
    """For every number of sites the page offers, the published totals never differ by
    1 or 2 firms, and the published cells and totals are the true ones."""
    year = DASH_YEAR
    # a distance at which the plans of k and k + 1 sites differ by 1-2 firms somewhere
    for d in (2.0, 3.0, 4.0, 5.0, 6.0, 8.0):
        raw = _raw_plans(live.registry, year, d)
        totals = {k: int(t["newly_covered_firms"].sum()) for k, t in raw.items()}
        if any(1 <= abs(totals[a] - totals[b]) <= 2 for a, b in itertools.combinations(totals, 2)):
            break
    else:
        pytest.fail("no distance gives a plan of small differences: the test would be void")
    weights = {k: float(t["covered_weight"].sum()) for k, t in raw.items()}
    shown: dict[int, tuple[Any, Any]] = {}
    with settings.override(unserved_distance_km=d):  # the public plan's distance
        for k in range(1, 11):
            body = _payload(live.app, "act-relays-table", {
                "act-year.value": year, "act-sites.value": k, "act-distance.value": d,
                "act-lang.data": "fr"})
            r = _post(requests, live.url, body)
            assert r.status_code == 200, r.text[:300]
            resp = r.json()["response"]
            assert not _text(resp["act-relays-error"]["children"])
            figures = resp["act-relays-figures"]["children"]
            shown[k] = (_number(_figure(_find(figures, "act-kf-covered"))),
                        _number(_figure(_find(figures, "act-kf-weight"))))
            rows = resp["act-relays-table"]["data"]
            ref = raw[k].set_index("commune")
            assert [row["commune"] for row in rows] == ref.index.tolist()
            for row in rows:
                for col in ("newly_covered_firms", "newly_covered_exporting",
                            "firms_within_d"):
                    true = int(ref.at[row["commune"], col])
                    assert row[col] == SECRET or row[col] == true, (k, row, col)
                    if 1 <= true <= 2:
                        assert row[col] == SECRET, (k, row, col)
        # the finding: any number of sites the page does not offer is refused
        body = _payload(live.app, "act-relays-table", {
            "act-year.value": year, "act-sites.value": 11, "act-distance.value": d,
            "act-lang.data": "fr"})
        assert _post(requests, live.url, body).status_code == 400
    for k, (n, w) in shown.items():
        assert n == SECRET or n == totals[k], (k, n, totals[k])
        assert w == SECRET or abs(w - weights[k]) < 0.51, (k, w, weights[k])
    published = {k: n for k, (n, _) in shown.items() if n != SECRET}
    for a, b in itertools.combinations(published, 2):
        assert not 1 <= abs(published[a] - published[b]) <= 2, (a, b, published)
    # the potential covered follows the firms: no two published weights whose plans
    # differ by 1-2 firms (the finding: 29 475 against 29 560, one firm's 85)
    for a, b in itertools.combinations(range(1, 11), 2):
        if 1 <= abs(totals[a] - totals[b]) <= 2:
            assert SECRET in (shown[a][1], shown[b][1]), (a, b, shown)
            assert SECRET in (shown[a][0], shown[b][0]), (a, b, shown)


def test_public_what_if_shows_no_firm_figure(live) -> None:  # type: ignore[no-untyped-def]
    values = {"act-wi-run.n_clicks": 1, "act-wi-level.value": "departement",
              "act-wi-only.value": [], "act-year.value": DASH_YEAR, "act-lang.data": "fr",
              "act-scenario.data": {"relays": [{"commune": "31555", "category": "cci"}],
                                    "ties": []}}
    body = _payload(live.app, "act-wi-result", values, "act-wi-run.n_clicks")
    public = _post(requests, live.url, body)
    assert public.status_code == 200
    text = public.text
    assert "act-wi-kf-unserved" not in text and "act-wi-kf-reached" not in text
    assert "act-wi-public-note" in text and "act-wi-kf-components" in text
    assert "Proximit" not in text  # no measure of the firms in the table
    s, _ = _sign_in(live.url)
    staff = _post(s, live.url, body)
    assert staff.status_code == 200 and "act-wi-kf-unserved" in staff.text
    assert "Proximit" in staff.text


@contextlib.contextmanager
def _slot_held(live):  # type: ignore[no-untyped-def]
    """A visitor's computation holds the only slot while the block runs."""
    release, held = threading.Event(), threading.Event()

    def hold() -> None:
        with live.app.server.test_request_context("/"):
            slots.heavy(lambda: (held.set(), release.wait(60)))

    t = threading.Thread(target=hold, daemon=True)
    t.start()
    assert held.wait(WAIT_S)
    try:
        yield
    finally:
        release.set()
        t.join(WAIT_S)


def test_busy_server_refuses_visitors_computations(live) -> None:  # type: ignore[no-untyped-def]
    with _slot_held(live), settings.override(dashboard_public_heavy_wait_seconds=0.3):
        url = f"{live.url}/maps/view?kind=infrastructure&year={DASH_YEAR - 1}"
        r = requests.get(url, timeout=WAIT_S)
        assert r.status_code == 503 and r.headers["Retry-After"]
        assert "occupé" in r.json()["error"]
        s, _ = _sign_in(live.url)  # staff are not held up
        assert s.get(url, timeout=4 * WAIT_S).status_code == 200
    assert requests.get(url, timeout=WAIT_S).status_code == 200  # cached since


# ---------------------------------------------------------------------------
# uploads
# ---------------------------------------------------------------------------

_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
    '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="applica'
    'tion/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlfor'
    'mats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sh'
    'eet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.works'
    'heet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openx'
    'mlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlform'
    'ats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Re'
    'lationships>',
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.o'
    'rg/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/20'
    '06/relationships"><sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workb'
    'ook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://sche'
    'mas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s'
    'heet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocume'
    'nt/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
}
_SHEET = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
          'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')


def _workbook(path: Path, strings: list[tuple[str, int]], rows: str) -> Path:
    """A workbook whose shared strings are ``(text, repeat)`` pairs written by streaming
    (a string of hundreds of MB never sits in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", _SHEET.format(rows=rows))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main">')
            for text, repeat in strings:
                f.write(b"<si><t>")
                block = text.encode() * max(1, min(repeat, 1 << 20))
                for _ in range(max(1, repeat // max(1, min(repeat, 1 << 20)))):
                    f.write(block)
                f.write(b"</t></si>")
            f.write(b"</sst>")
    return path


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _upload(http: Any, live: Live, path: Path, kind: str = "actors") -> requests.Response:
    content = "data:application/octet-stream;base64," + base64.b64encode(
        path.read_bytes()).decode()
    values = {f"data-upload-{kind}.contents": content, f"data-upload-{kind}.filename": path.name,
              "data-import-year.value": None, "data-lang.data": "fr"}
    return _post(http, live.url, _payload(live.app, "data-import-result", values,
                                          f"data-upload-{kind}.contents"))


def test_count_cells_and_long_texts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c><c r="B{i}"><v>{i}</v></c>'
                   f'<x:c r="C{i}"/></row>' for i in range(1, 101))
    book = _workbook(tmp_path / "ok.xlsx", [("Nom", 1), ("x" * 32767, 1)],
                     rows.replace("<x:c", "<c"))
    assert count_cells(book) == 300  # three cells a row (<cols>, <col> are no cells)
    check_upload(book)
    long = _workbook(tmp_path / "long.xlsx", [("x" * 300_000, 1)], "")
    with pytest.raises(UploadTooLargeError, match="more than a cell of Excel holds"):
        check_upload(long)
    csv = tmp_path / "cells.csv"
    csv.write_text("a;b;c\n" + "1;2;3\n" * 1000, encoding="utf-8")
    assert count_cells(csv) >= 3 * 1001
    with settings.override(dashboard_upload_max_cells=2000), \
            pytest.raises(UploadTooLargeError, match="cells"):
        check_upload(csv)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip at all")
    assert count_cells(broken) is None  # the reader reports it as unreadable


def test_upload_bombs_are_refused_before_parsing(live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s, _ = _sign_in(live.url)
    before_sha = live.registry.read_bytes()
    # the finding: a 205 KB workbook whose one shared string expands to 200 MB
    bomb = _workbook(tmp_path / "acteurs.xlsx", [("A", 200 * 1024 * 1024)],
                     '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    assert bomb.stat().st_size < 400_000
    rss = _rss_mb()
    start = time.perf_counter()
    r = _upload(s, live, bomb)
    assert r.status_code == 200
    assert "expands to" in _shown(r) and "rien n'a été importé" in _shown(r)
    assert time.perf_counter() - start < 10
    assert _rss_mb() - rss < 100  # the finding: from 1.45 GB to 4.8 GB
    # the 20 MB column name of a small workbook: refused, no 63 MB error report
    name = _workbook(tmp_path / "nom.xlsx", [("id", 1), ("n", 20_000_000)],
                     '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>')
    assert name.stat().st_size < 100_000
    r = _upload(s, live, name)
    assert r.status_code == 200 and len(r.content) < 20_000
    assert "more than a cell of Excel holds" in _shown(r)
    # too many cells in a small CSV
    cells = tmp_path / "cellules.csv"
    with settings.override(dashboard_upload_max_cells=100_000):
        cells.write_text("id;" + ";".join("c" for _ in range(50)) + "\n" +
                         ("1;" * 50 + "1\n") * 3000, encoding="utf-8")
        r = _upload(s, live, cells)
    assert r.status_code == 200 and "dashboard_upload_max_cells" in _shown(r)
    assert live.registry.read_bytes() == before_sha  # nothing imported


def test_error_report_shortens_long_values(live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s, _ = _sign_in(live.url)
    bad = tmp_path / "acteurs.csv"
    long = "n" * 2_000_000  # a column name of 2 MB instead of "category"
    rows = "".join(f"a{i};Acteur {i};cci;31555;2020\n" for i in range(200))
    bad.write_text(f"id;name;{long};commune;since\n{rows}", encoding="utf-8")
    r = _upload(s, live, bad)
    assert r.status_code == 200
    assert "problème" in _shown(r) and "characters)" in _shown(r)  # the name, shortened
    assert len(r.content) < 50_000, len(r.content)


# ---------------------------------------------------------------------------
# headers, public files, secret key, malformed requests
# ---------------------------------------------------------------------------

PATHS = ["/", "/carte", "/reseau", "/pme-non-accompagnees", "/activation", "/territoires",
         "/rapport", "/donnees", "/login", "/logout", "/_dash-layout", "/_dash-dependencies",
         "/assets/dashboard.css", "/nulle-part", "/rapport/fichier/0/report.pdf",
         "/territoires-topojson/world_110m.json", "/maps/view?kind=bogus"]


def test_security_headers_on_every_response(live) -> None:  # type: ignore[no-untyped-def]
    s, _ = _sign_in(live.url)
    for http in (requests, s):
        for path in PATHS:
            r = http.get(live.url + path, timeout=4 * WAIT_S, allow_redirects=False)
            h = r.headers
            assert h["X-Content-Type-Options"] == "nosniff", path
            assert h["Referrer-Policy"] == "same-origin", path
            assert h["X-Frame-Options"] == "DENY", path
            assert "frame-ancestors 'none'" in h["Content-Security-Policy"], path
            assert not re.search(r"\d", h.get("Server", "")), h.get("Server")
        # the map page is framed by the dashboard itself, by no other site
        r = http.get(f"{live.url}/maps/view?kind=actors", timeout=4 * WAIT_S)
        assert r.status_code == 200
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"]
    csp = requests.get(live.url + "/", timeout=WAIT_S).headers["Content-Security-Policy"]
    script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    # staff answers are not kept in caches
    assert s.get(live.url + "/_dash-layout", timeout=WAIT_S).headers["Cache-Control"] == \
        "no-store"


def test_public_files_hold_no_path_user_or_version(live) -> None:  # type: ignore[no-untyped-def]
    home = str(Path.home())
    layout = requests.get(live.url + "/_dash-layout", timeout=WAIT_S).text
    for secret in (__version__, live.registry.name, str(live.registry.parent), home):
        assert secret not in layout, secret
    s, _ = _sign_in(live.url)
    assert __version__ in s.get(live.url + "/_dash-layout", timeout=WAIT_S).text


def _report(http: Any, live: Live, values: dict[str, Any]) -> requests.Response:
    """Ask for a report as the page does, then poll as the page does until it is ready;
    the last answer (links or error)."""
    body = _payload(live.app, "report-result", values, "report-generate.n_clicks")
    r = _post(http, live.url, body)
    assert r.status_code == 200, r.text[:300]

    def ready(_: object) -> requests.Response | None:
        nonlocal r
        resp = r.json()["response"]
        if resp["report-poll"]["disabled"]:
            return r
        poll = _payload(live.app, "report-result", {
            **values, "report-poll.n_intervals": 1, "report-job.data": resp["report-job"][
                "data"]}, "report-poll.n_intervals")
        r = _post(http, live.url, poll)
        assert r.status_code == 200, r.text[:300]
        return None

    return wait_for(http, ready, "the report built", timeout=4 * WAIT_S)  # type: ignore[no-any-return]


def test_report_manifest_for_the_public(live) -> None:  # type: ignore[no-untyped-def]
    """The public manifest holds parameters and hashes; the audit (and the registry's
    path, the settings, the version) is a staff file, refused to the public."""
    values = {"report-generate.n_clicks": 1, "report-level.value": "departement",
              "report-territory.value": "48", "report-year.value": DASH_YEAR,
              "report-compare-year.value": None, "report-lang.value": "fr",
              "lang.data": "fr"}
    r = _report(requests, live, values)
    found = re.search(r"/rapport/fichier/(\w+)/manifest\.json", _shown(r))
    assert found, _shown(r)[:500]
    link, key = found.group(0), found.group(1)
    assert "/rapport/audit/" not in _shown(r)  # no link to the audit for the public
    public = requests.get(live.url + link, timeout=WAIT_S)
    text = public.text
    manifest = json.loads(text)
    for secret in (str(live.registry), str(live.registry.parent), __version__,
                   str(settings.get_settings().cache_dir), str(Path.home()), "audit",
                   "suppressed"):
        assert secret not in text, secret
    assert set(manifest) == {"report", "generated", "registry", "parameters", "files",
                             "disclosure"}
    assert set(manifest["registry"]) == {"sha256", "synthetic"}
    assert set(manifest["disclosure"]) == {"rules"}
    assert manifest["parameters"]["territory"] == "48" and manifest["files"]
    # the hashes are those of the files served
    import hashlib

    pdf = requests.get(live.url + link.replace("manifest.json", "report.pdf"), timeout=WAIT_S)
    assert manifest["files"]["report.pdf"] == hashlib.sha256(pdf.content).hexdigest()
    # the audit: refused without a session (default deny), served to staff
    for path in (f"/rapport/audit/{key}", f"/rapport/fichier/{key}/audit.json",
                 f"/rapport/fichier/{key}/manifest.json.tmp"):
        got = requests.get(live.url + path, timeout=WAIT_S)
        assert got.status_code in (403, 404) and "suppressed" not in got.text, path
    assert requests.get(f"{live.url}/rapport/audit/{key}", timeout=WAIT_S).status_code == 403
    s, _ = _sign_in(live.url)
    assert s.get(live.url + link, timeout=WAIT_S).json() == manifest  # one public file
    full = s.get(f"{live.url}/rapport/audit/{key}", timeout=WAIT_S)
    assert full.status_code == 200 and full.headers["Cache-Control"] == "no-store"
    audit = full.json()
    assert audit["registry"]["path"] == str(live.registry.resolve())
    assert audit["software_version"] == __version__ and "audit" in audit["disclosure"]
    assert audit["files"] == manifest["files"]
    assert "/rapport/audit/" in _shown(_report(s, live, values))  # staff get the link


def test_report_queue_holds_no_server_thread(live, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """While the report worker is busy, a visitor's request is answered at once (its
    report queued), a second report from the same address is refused, and nothing is
    built twice."""
    import report as report_package
    from dashboard.pages import report

    built: list[str] = []

    def fake_build(registry: Any, year: int, territory: str, **kw: Any) -> dict[str, Path]:
        built.append(territory)  # the queue's work, without a minute of PDF
        out = Path(kw["out"])
        (out / "tables").mkdir(parents=True)
        (out / "manifest.json").write_text(json.dumps({"parameters": {}}), encoding="utf-8")
        return {"tables": out / "tables"}

    monkeypatch.setattr(report_package, "build_report", fake_build)
    release, started = threading.Event(), threading.Event()
    blocker = report.QUEUE.submit("0" * 20, lambda out: (started.set(), release.wait(60)),
                                  staff=True, owner="test")
    try:
        assert started.wait(WAIT_S)
        values = {"report-generate.n_clicks": 1, "report-level.value": "departement",
                  "report-territory.value": "11", "report-year.value": DASH_YEAR,
                  "report-compare-year.value": None, "report-lang.value": "fr",
                  "lang.data": "fr"}
        body = _payload(live.app, "report-result", values, "report-generate.n_clicks")
        start = time.perf_counter()
        r = _post(requests, live.url, body)
        assert time.perf_counter() - start < 10  # not waiting for the worker
        resp = r.json()["response"]
        assert resp["report-poll"]["disabled"] is False and resp["report-job"]["data"]
        assert "report-waiting" in _shown(r) and "1 avant lui" in _shown(r)
        again = _post(requests, live.url, body).json()["response"]  # the same report
        assert again["report-job"]["data"] == resp["report-job"]["data"]
        other = _post(requests, live.url, _payload(live.app, "report-result", {
            **values, "report-territory.value": "12"}, "report-generate.n_clicks"))
        assert "déjà en attente" in _shown(other)  # one report per address
        assert other.json()["response"]["report-poll"]["disabled"] is True
        # the other pages keep answering meanwhile
        assert requests.get(live.url + "/_dash-layout", timeout=10).status_code == 200
    finally:
        release.set()
    assert report.QUEUE.wait(blocker.key, WAIT_S).state == "done"  # type: ignore[union-attr]
    queued = report.QUEUE.wait(resp["report-job"]["data"]["key"], WAIT_S)
    assert queued is not None and queued.state == "done" and built == ["11"]


def test_cross_site_posts_are_refused(live) -> None:  # type: ignore[no-untyped-def]
    """A form or a script of another site cannot post to the dashboard, even with the
    visitor's cookies: the browser's Origin and Sec-Fetch-Site say where it comes from."""
    http = requests.Session()
    form = http.get(live.url + "/login", timeout=WAIT_S).text
    data = {"csrf": _csrf(form), "username": DASH_USER, "password": DASH_PASSWORD}
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": live.url, "Sec-Fetch-Site": "same-site"},
                    {"Origin": live.url.replace("127.0.0.1", "localhost")}):
        r = http.post(live.url + "/login", data=data, headers=headers, allow_redirects=False,
                      timeout=WAIT_S)
        assert r.status_code == 403 and "cross-site" in r.text, headers
    r = http.post(live.url + "/login", data=data, allow_redirects=False, timeout=WAIT_S,
                  headers={"Origin": live.url, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 302  # the form of the site itself
    body = _payload(live.app, "unserved-table", _unserved_values())
    evil = _post(http, live.url, body, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403 and "siret" not in evil.text
    assert _post(http, live.url, body, headers={"Origin": live.url}).status_code == 200
    page = http.get(live.url + "/logout", timeout=WAIT_S).text
    r = http.post(live.url + "/logout", data={"csrf": _csrf(page)}, allow_redirects=False,
                  headers={"Sec-Fetch-Site": "cross-site"}, timeout=WAIT_S)
    assert r.status_code == 403 and _firm_rows(http, live)[0] == 200  # still signed in


def test_public_list_is_checked_against_the_pages(live, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The public list names no staff page or component (refused at start), and every
    component it names is in the public layout of a page or of the shell (the list
    declares what the public pages use, nothing more)."""
    from dash.development.base_component import Component

    from dashboard import public
    from dashboard.app import PageContext

    public.check_declarations(r.rule for r in live.app.server.url_map.iter_rules())
    with monkeypatch.context() as m:
        m.setattr(public, "PUBLIC_OUTPUTS", public.PUBLIC_OUTPUTS | {"unserved-table"})
        with pytest.raises(public.DeclarationError, match="unserved-table"):
            public.check_declarations()
    with monkeypatch.context() as m:
        m.setattr(public, "PUBLIC_PAGES", (*public.PUBLIC_PAGES, "unserved"))
        with pytest.raises(public.DeclarationError, match="STAFF_ONLY"):
            public.check_declarations()
    with pytest.raises(public.DeclarationError, match="/nulle-part"):
        monkeypatch.setitem(public.PUBLIC_ROUTES, "/nulle-part", frozenset({"GET"}))
        public.check_declarations(r.rule for r in live.app.server.url_map.iter_rules())
    monkeypatch.delitem(public.PUBLIC_ROUTES, "/nulle-part")

    def ids(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, Component):
            cid = getattr(node, "id", None)
            if isinstance(cid, str):
                found.add(cid)
            for value in node.to_plotly_json()["props"].values():
                found |= ids(value)
        elif isinstance(node, (list, tuple)):
            for v in node:
                found |= ids(v)
        return found

    data = live.app._ecosystem_data
    with live.app.server.test_request_context("/"):
        shell = ids(live.app.layout())
        for mod in pages():
            laid = ids(mod.layout(PageContext(data, "fr", staff=False)))
            name = mod.__name__.rsplit(".", 1)[-1]
            if name not in public.PUBLIC_PAGES:
                assert name not in public.PUBLIC_OUTPUTS_BY_PAGE
                continue
            declared = set(public.PUBLIC_OUTPUTS_BY_PAGE.get(name, ()))
            assert declared <= laid, (name, sorted(declared - laid))
            assert not laid & auth.STAFF_OUTPUTS, name  # a staff component in a public page
    assert set(public.PUBLIC_OUTPUTS_BY_PAGE["shell"]) <= shell


def test_malformed_requests_get_4xx(live) -> None:  # type: ignore[no-untyped-def]
    u = live.url
    good = _payload(live.app, "act-ties-table", {"act-year.value": DASH_YEAR,
                                                 "act-top.value": 10, "act-lang.data": "fr"})
    cases: list[tuple[str, str, dict[str, Any], int | set[int]]] = [
        ("GET", "/login?next=%0A", {}, 200),
        ("GET", "/login?next=%0D%0ALocation:%20http://evil.example", {}, 200),
        ("GET", "/login?next=%E9%FF", {}, 200),
        ("POST", "/login", {"data": b"\xff\xfe garbage", "headers": {
            "Content-Type": "application/x-www-form-urlencoded"}}, 400),
        ("POST", "/logout", {"data": {"csrf": "faux"}}, 400),
        ("GET", "/_dash-update-component", {}, {404, 405}),  # no page of the public
        ("POST", "/_dash-update-component", {"data": b"not json", "headers": {
            "Content-Type": "application/json"}}, 400),
        ("POST", "/_dash-update-component", {"data": b"\xff\xfe", "headers": {
            "Content-Type": "application/json"}}, 400),
        ("POST", "/_dash-update-component", {"data": json.dumps(good), "headers": {
            "Content-Type": "text/plain"}}, 400),
        ("POST", "/_dash-update-component", {"json": []}, 400),
        ("POST", "/_dash-update-component", {"json": {"output": 5}}, 400),
        # an output nobody declared public: refused without a session (default deny)
        ("POST", "/_dash-update-component", {"json": {**good, "output": "nope.children"}}, 403),
        ("POST", "/_dash-update-component", {"json": {**good, "inputs": good["inputs"][:1]}},
         400),
        ("POST", "/_dash-update-component", {"json": {**good, "inputs": good["inputs"][::-1]}},
         400),
        ("POST", "/_dash-update-component", {"json": {**good, "outputs": []}}, 400),
        ("POST", "/_dash-update-component", {"json": {**good, "changedPropIds": "x"}}, 400),
        ("POST", "/_dash-update-component", {"json": {**good, "inputs": [
            {"id": "act-year", "property": "value", "value": [[[[DASH_YEAR]]]]},
            good["inputs"][1]]}}, 400),
        ("POST", "/_dash-update-component", {"data": json.dumps(good).replace(
            str(DASH_YEAR), "1e999"), "headers": {"Content-Type": "application/json"}}, 400),
        ("POST", "/_dash-update-component", {"json": _payload(
            live.app, "network-hover", {})}, 403),  # a callback of the browser: not public
        ("GET", "/maps/view?year=abc", {}, 400),
        ("GET", "/maps/view?classes=1e999&kind=choropleth", {}, 400),
        ("GET", "/maps/view?kind=coverage&distance_km=37.5", {}, 400),
        ("GET", "/maps/view?kind=firms", {}, 403),
        ("GET", "/rapport/fichier/..%2F..%2Fetc/passwd", {}, 404),  # no page of the public
        ("GET", "/rapport/fichier/0/manifest.json", {}, 404),
        ("GET", "/_dash-component-suites/dash/nope.js", {}, 404),
        ("GET", "/assets/..%2F..%2Fauth.py", {}, {200, 404}),
        ("GET", "/", {"headers": {"Cookie": "session=garbage.garbage.garbage"}}, 200),
    ]
    for method, path, kw, want in cases:
        r = requests.request(method, u + path, timeout=WAIT_S, allow_redirects=False, **kw)
        allowed = want if isinstance(want, set) else {want}
        assert r.status_code in allowed, (method, path, r.status_code, r.text[:200])
        assert "root:" not in r.text and "import " not in r.text, path
    assert requests.post(u + "/_dash-update-component", json=good,
                         timeout=WAIT_S).status_code == 200


def test_secret_key_too_short_is_refused(dash_registry) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.SecretKeyError, match="at least 32 bytes"):
        create_app(dash_registry.path, users={}, secret_key="court")
    exe = str(Path(sys.executable).with_name("ecosystem"))
    for key in ("k", "x" * 31):
        run = subprocess.run([exe, "serve", "--registry", str(dash_registry.path), "--no-warm"],
                             capture_output=True, text=True, timeout=4 * WAIT_S,
                             env={**os.environ, "ECOSYSTEM_SECRET_KEY": key})
        assert run.returncode == 2, run.stderr
        assert "ECOSYSTEM_SECRET_KEY" in run.stderr and "at least 32 bytes" in run.stderr


def test_serve_behind_https(dash_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``ecosystem serve --behind-https``: Secure ``__Host-`` cookie, HSTS, the client
    address and scheme read from the proxy's headers."""
    users = tmp_path / "users.yaml"
    _write_users(users, {DASH_USER: DASH_PASSWORD})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = str(Path(sys.executable).with_name("ecosystem"))
    proc = subprocess.Popen(
        [exe, "serve", "--registry", str(dash_registry.path), "--port", str(port),
         "--users", str(users), "--no-warm", "--behind-https"], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env={**os.environ, "ECOSYSTEM_SECRET_KEY": KEY})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"Dashboard on http://127.0.0.1:{port}/") and "HTTPS" in line
        url = f"http://127.0.0.1:{port}"
        wait_http_ok(url + "/_dash-layout")
        proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        form = requests.get(url + "/login", headers=proxy, timeout=WAIT_S)
        assert form.headers["Strict-Transport-Security"].startswith("max-age=")
        # the browser sends the Secure cookie back over HTTPS (to the proxy): by hand here
        first = form.headers["Set-Cookie"].split(";", 1)[0]
        assert first.startswith("__Host-session=") and "Secure" in form.headers["Set-Cookie"]
        r = requests.post(url + "/login", headers={**proxy, "Cookie": first},
                          allow_redirects=False, timeout=WAIT_S,
                          data={"csrf": _csrf(form.text), "username": DASH_USER,
                                "password": DASH_PASSWORD})
        assert r.status_code == 302
        cookie = r.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=")
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            assert flag in cookie, flag
        assert "Domain" not in cookie
        assert r.headers["Location"] in ("/", f"https://127.0.0.1:{port}/")
    finally:
        proc.terminate()
        proc.wait(timeout=WAIT_S)
        if proc.stdout:
            proc.stdout.close()


def test_every_page_works_under_the_csp(chrome, live) -> None:  # type: ignore[no-untyped-def]
    """Chromium loads every page, public and signed in, with the Content Security Policy:
    the page renders and no script, style, image or frame is blocked."""
    from selenium.webdriver.common.by import By

    from tests.conftest import DASH_BUSY_JS

    script = chrome.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', e => window.__csp.push(
            e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));"""})
    try:
        def visit(path: str) -> None:
            chrome.get(live.url + path)
            wait_for(chrome, lambda d: d.find_elements(By.CSS_SELECTOR, "#page .page")
                     and not d.execute_script(DASH_BUSY_JS), f"{path} rendered")
            assert chrome.execute_script("return window.__csp") == [], path

        chrome.delete_all_cookies()
        for mod in pages():
            visit(mod.PATH)
        chrome.get(live.url + "/login")
        chrome.find_element(By.NAME, "username").send_keys(DASH_USER)
        chrome.find_element(By.NAME, "password").send_keys(DASH_PASSWORD)
        chrome.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(chrome, lambda d: DASH_USER in d.find_element(By.ID, "user-box").text,
                 "signed in")
        for mod in pages():
            visit(mod.PATH)
        # signing out is the form's POST
        chrome.find_element(By.ID, "sign-out").click()
        wait_for(chrome, lambda d: d.find_elements(By.ID, "sign-in"), "signed out")
        assert chrome.execute_script("return window.__csp") == []
    finally:
        chrome.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                               {"identifier": script["identifier"]})
        chrome.delete_all_cookies()


def test_rules_module_refuses_unknown_inputs() -> None:
    """A callback whose input has no declared values is refused (never run)."""
    callback_map = {"x.children": {"callback": object(),
                                   "inputs": [{"id": "undeclared", "property": "value"}],
                                   "state": []}}
    body = {"output": "x.children", "outputs": {"id": "x", "property": "children"},
            "inputs": [{"id": "undeclared", "property": "value", "value": 1}],
            "changedPropIds": ["undeclared.value"]}
    with pytest.raises(limits.RefusedRequestError, match="no allowed values"):
        limits.check_callback(body, callback_map, limits.RequestContext(None, False))


def test_work_outside_a_request_takes_no_slot(live) -> None:  # type: ignore[no-untyped-def]
    """The precomputation before serving (no request) is not queued behind visitors."""
    with _slot_held(live), settings.override(dashboard_public_heavy_wait_seconds=0.1):
        assert slots.heavy(lambda: 42) == 42
        with live.app.server.test_request_context("/"), pytest.raises(slots.BusyError):
            slots.heavy(lambda: 0)
