"""Dashboard shell: navigation, language, synthetic notice, sign-in, and the guard
that keeps firm-level callbacks for staff (checked over HTTP as a browser sends)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from dashboard.app import pages
from dashboard.auth import STAFF_OUTPUTS, check_password, hash_password, load_users
from ecosystem._errors import InputFormatError
from tests.conftest import DASH_PASSWORD, DASH_USER, WAIT_S, wait_http_ok


def _post(url: str, payload: dict, cookie: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(req, timeout=WAIT_S) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode()


def _session_cookie(server) -> str:  # type: ignore[no-untyped-def]
    """Sign in over HTTP as a browser's form would; the session cookie."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server.url + "/login") as r:
        page = r.read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "username": DASH_USER,
                                   "password": DASH_PASSWORD}).encode()
    with opener.open(server.url + "/login", data=data) as r:
        r.read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def test_users_file(tmp_path) -> None:
    h = hash_password("secret")
    f = tmp_path / "users.yaml"
    f.write_text(f"users:\n  marie: '{h}'\n", encoding="utf-8")
    users = load_users(f, environ={})
    assert list(users) == ["marie"] and check_password(users["marie"], "secret")
    f.write_text("users:\n  marie: plain-password\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="plain passwords are refused"):
        load_users(f, environ={})
    assert load_users(None, environ={}) == {}
    inline = load_users(None, environ={"ECOSYSTEM_DASHBOARD_USERS_INLINE": f"paul={h}\n"})
    assert list(inline) == ["paul"]


def test_login_refuses_wrong_password(dash_server) -> None:  # type: ignore[no-untyped-def]
    import http.cookiejar

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(dash_server.url + "/login") as r:
        page = r.read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "username": DASH_USER,
                                   "password": "wrong"}).encode()
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(dash_server.url + "/login", data=data)
    assert err.value.code == 401
    err.value.close()
    # a forged form without the session's token is refused too
    data = urllib.parse.urlencode({"csrf": "forged", "username": DASH_USER,
                                   "password": DASH_PASSWORD}).encode()
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(dash_server.url + "/login", data=data)
    assert err.value.code == 400
    err.value.close()


def test_staff_callbacks_refused_without_sign_in(dash_server) -> None:  # type: ignore[no-untyped-def]
    """Every callback writing to a staff-only component answers 403 to a request
    without a session, however it names its output; with a session it is not 403."""
    assert STAFF_OUTPUTS, "pages declare their firm-level outputs"
    cookie = _session_cookie(dash_server)
    url = dash_server.url + "/_dash-update-component"
    for cid in sorted(STAFF_OUTPUTS):
        for payload in (
            {"output": f"{cid}.data", "outputs": {"id": cid, "property": "data"},
             "inputs": [], "changedPropIds": []},
            {"output": f"..other.children...{cid}.data..",
             "outputs": [{"id": "other", "property": "children"},
                         {"id": cid, "property": "data"}], "inputs": [], "changedPropIds": []},
            {"output": f"{cid}.data", "outputs": [{"id": {"type": cid, "index": 0},
                                                   "property": "data"}],
             "inputs": [], "changedPropIds": []},
        ):
            status, body = _post(url, payload)
            assert status == 403, (cid, status, body[:200])
            assert "sign-in required" in body
        status, _ = _post(url, {"output": f"{cid}.data",
                                "outputs": {"id": cid, "property": "data"},
                                "inputs": [], "changedPropIds": []}, cookie)
        assert status != 403, cid


def test_shell_in_browser(page) -> None:  # type: ignore[no-untyped-def]
    """Every page loads; French by default, English on the toggle; the synthetic notice
    on every page; staff pages ask for sign-in, then open once signed in."""
    from selenium.webdriver.common.by import By

    for mod in pages():
        page.open(mod.PATH)
        notice = page.wait("#synthetic-notice", text="Données synthétiques")
        assert notice.is_displayed()
        if mod.STAFF_ONLY:
            page.wait("#page-staff-only")
            assert "réservée au personnel" in page.text("#page")
        else:
            assert page.driver.find_elements(By.CSS_SELECTOR, "#page .page"), mod.PATH
        page.no_xss()
    nav = page.text("#nav")
    assert "Vue d'ensemble" in nav and "PME non accompagnées" not in nav
    page.driver.find_element(By.ID, "lang-toggle").click()
    page.wait("#nav", text="Overview")
    page.wait("#synthetic-notice", text="Synthetic data")
    page.driver.find_element(By.ID, "lang-toggle").click()
    page.wait("#nav", text="Vue d'ensemble")

    page.sign_in()
    for mod in pages():
        if mod.STAFF_ONLY:
            page.open(mod.PATH)
            assert not page.driver.find_elements(By.ID, "page-staff-only"), mod.PATH
    assert "PME non accompagnées" in page.text("#nav")
    page.sign_out()
    page.open("/pme-non-accompagnees")
    page.wait("#page-staff-only")


def test_serve_command(dash_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``ecosystem serve`` (the README's run command) serves the dashboard with waitress;
    ``ecosystem hash-password`` makes a hash the users file accepts."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("ecosystem"))
    made = subprocess.run([exe, "hash-password"], input="s3cret\n", capture_output=True,
                          text=True, check=True).stdout.strip()
    assert check_password(made, "s3cret")
    users = tmp_path / "users.yaml"
    users.write_text(f"users:\n  marie: '{made}'\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [exe, "serve", "--registry", str(dash_registry.path), "--port", str(port),
         "--users", str(users), "--no-warm"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "ECOSYSTEM_SECRET_KEY": "k" * 32})
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Dashboard on http://127.0.0.1:"), line
        body = wait_http_ok(f"http://127.0.0.1:{port}/")
        assert b"_dash-renderer" in body
    finally:
        proc.terminate()
        proc.wait(timeout=WAIT_S)
        proc.stdout.close()
    missing = subprocess.run([exe, "serve", "--registry", str(tmp_path / "none.gpkg")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
