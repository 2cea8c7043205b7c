"""Shared fixtures: real-world-shaped input files written byte for byte."""

from __future__ import annotations

import contextlib
import os
import shutil
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecosystem import settings


def luhn_key_ok(digits: str) -> bool:
    """Independent Luhn check (written out plainly, not the product's vectorised one)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def make_siret(siren8: str, nic4: str) -> str:
    """A valid SIRET from 8 SIREN digits and 4 NIC digits (keys computed by brute force)."""
    siren = next(siren8 + str(k) for k in range(10) if luhn_key_ok(siren8 + str(k)))
    return next(siren + nic4 + str(k) for k in range(10) if luhn_key_ok(siren + nic4 + str(k)))


@pytest.fixture(autouse=True)
def _fresh_settings():
    settings.reset_settings()
    yield
    settings.reset_settings()


@pytest.fixture
def require_tool():
    """Return a function that finds a system tool; in CI a missing tool fails the test."""

    def find(name: str) -> str:
        path = shutil.which(name)
        if path is None:
            if os.environ.get("CI"):
                pytest.fail(f"{name} is required in CI (install it in .ci/run)")
            pytest.skip(f"{name} not installed")
        return path

    return find


# ---------------------------------------------------------------------------
# dashboard: a demo registry, the app served on loopback, a headless Chromium
# ---------------------------------------------------------------------------

#: Seconds a browser or server test waits for a condition (a page rendered, a callback
#: done, a file downloaded, a server answering) before it fails. Generous on purpose: on
#: a loaded machine a test waits longer instead of failing. ``ECOSYSTEM_TEST_WAIT`` sets it.
WAIT_S = float(os.environ.get("ECOSYSTEM_TEST_WAIT", "90"))

#: Whether a Dash callback is running, or the renderer has not mounted the app yet.
DASH_BUSY_JS = ("return !!document.querySelector("
                "'[data-dash-is-loading=\"true\"], ._dash-loading')")


def wait_for(subject: Any, condition: Callable[[Any], Any], what: str,
             timeout: float | None = None, seen: Callable[[], object] | None = None) -> Any:
    """The first truthy value of ``condition(subject)``, polled every 0.1 s.

    Parameters
    ----------
    subject : object
        Passed to ``condition``: a selenium driver, a folder, a URL.
    condition : callable
        Returns a falsy value until the awaited state is there; a stale element
        (Dash replaced it while it was read) counts as not yet.
    what : str
        The awaited state, in words, for the failure message.
    timeout : float, optional
        Seconds; default :data:`WAIT_S`.
    seen : callable, optional
        Describes the state at the timeout, for the failure message.

    Raises
    ------
    AssertionError
        When the time is up, saying what was awaited (and what was seen).
    """
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    limit = WAIT_S if timeout is None else timeout
    try:
        return WebDriverWait(subject, limit, poll_frequency=0.1,
                             ignored_exceptions=[StaleElementReferenceException]
                             ).until(condition)
    except TimeoutException:
        state = ""
        if seen is not None:
            with contextlib.suppress(Exception):
                state = f"; seen: {seen()!r}"
        raise AssertionError(f"waited {limit:g} s for {what}{state}") from None


def wait_http_ok(url: str, timeout: float | None = None) -> bytes:
    """The body of ``url`` once it answers HTTP 200 (refused connections and errors
    are retried until the time is up)."""
    limit = WAIT_S if timeout is None else timeout
    last: list[object] = []

    def get(_: object) -> bytes | None:
        try:
            with urllib.request.urlopen(url, timeout=limit) as r:
                return r.read() if r.status == 200 else None
        except OSError as exc:  # refused, reset, HTTP error (URLError): not up yet
            last[:] = [exc]
            return None

    return wait_for(url, get, f"HTTP 200 from {url}", limit,  # type: ignore[no-any-return]
                    seen=lambda: last[0] if last else None)


def wait_download(folder: Path, suffix: str, before: set[Path] | None = None) -> Path:
    """The ``suffix`` file that Chromium saved in ``folder`` (one not in ``before``),
    once complete: no partial ``.crdownload`` left in the folder and its size
    unchanged between two polls."""
    old = before or set()
    sizes: dict[Path, int] = {}

    def done(_: object) -> Path | None:
        files = list(folder.iterdir())
        new = [f for f in files if f.suffix == suffix and f not in old]
        if not new or any(f.suffix == ".crdownload" for f in files):
            return None
        size = new[0].stat().st_size
        stable = sizes.get(new[0]) == size
        sizes[new[0]] = size
        return new[0] if stable else None

    return wait_for(folder, done, f"a complete {suffix} file downloaded in {folder}",  # type: ignore[no-any-return]
                    seen=lambda: sorted(f.name for f in folder.iterdir()))


DASH_YEAR = 2025
DASH_USER = "analyste"
DASH_PASSWORD = "mot-de-passe-de-test"
#: Hostile names given to one actor and one firm of the dashboard's registry.
DASH_ACTOR_NAME = "<img src=x onerror=window.__xss=1>"
DASH_FIRM_NAME = "<script>window.__xss=2</script> Firme SARL"


@pytest.fixture(scope="session")
def dash_registry(tmp_path_factory: pytest.TempPathFactory):
    """The demo with 1,000 firms, one active actor and one firm renamed to hostile
    strings. Read-only: a test that imports must copy it (``dash_server_for``)."""
    from ecosystem.demo import build_demo

    path = tmp_path_factory.mktemp("dash") / "demo.gpkg"
    reg = build_demo(path, seed=1, n_firms=1000)
    actors = reg.actors()
    active = set(reg.actors(DASH_YEAR)["id"])
    first = actors.index[actors["id"].isin(active)][0]
    actors.loc[first, "name"] = DASH_ACTOR_NAME
    firms = reg.firms()
    now = firms.index[firms["year"].eq(DASH_YEAR) & firms["diffusible"].astype(bool)]
    firms.loc[firms["firm_id"].eq(firms.loc[now[0], "firm_id"]), "name"] = DASH_FIRM_NAME
    reg.write_layers({"actors": actors, "firms": firms})
    return reg


class DashServer:
    """A dashboard served on loopback in a thread (werkzeug, threaded)."""

    def __init__(self, registry_path) -> None:  # type: ignore[no-untyped-def]
        import threading

        from werkzeug.serving import make_server

        from dashboard import create_app
        from dashboard.auth import hash_password

        self.app = create_app(registry_path, users={DASH_USER: hash_password(DASH_PASSWORD)},
                              secret_key="test-secret-key-of-32-bytes-or-more")
        self.data = self.app._ecosystem_data
        self._server = make_server("127.0.0.1", 0, self.app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        wait_http_ok(self.url + "/_dash-layout")

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture(scope="session")
def dash_server(dash_registry):
    """The dashboard on the shared (read-only) test registry."""
    server = DashServer(dash_registry.path)
    yield server
    server.close()


@pytest.fixture
def dash_server_for():
    """Start a dashboard on another registry (e.g. a copy that a test imports into)."""
    started = []

    def start(path):  # type: ignore[no-untyped-def]
        started.append(DashServer(path))
        return started[-1]

    yield start
    for s in started:
        s.close()


@pytest.fixture(scope="session")
def chrome():
    """Debian's headless Chromium driven by selenium, with the network closed (only
    loopback answers). In CI a missing browser fails the tests."""
    chrome_path = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chrome_path and driver_path):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are required in CI (install in .ci/run)")
        pytest.skip("chromium / chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chrome_path
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, "
                "EXCLUDE 127.0.0.1", "--window-size=1400,1000", "--lang=fr-FR"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    yield driver
    driver.quit()


class Page:
    """Helpers to drive a dashboard page in the browser."""

    def __init__(self, driver, server: DashServer) -> None:  # type: ignore[no-untyped-def]
        self.driver = driver
        self.server = server

    def open(self, path: str, lang: str = "fr") -> None:
        """Load ``path`` in ``lang`` and wait until Dash has rendered the page."""
        self.driver.get(self.server.url + "/_dash-layout")  # same origin, cheap
        self.driver.execute_script("window.localStorage.setItem('lang', JSON.stringify("
                                   "arguments[0]))", lang)
        self.driver.get(self.server.url + path)
        self.wait("#page .page, #page-not-found, #page-staff-only")

    def wait(self, css: str, timeout: float | None = None, text: str | None = None):  # type: ignore[no-untyped-def]
        """The first element matching ``css`` (containing ``text``), once it is there
        and no Dash callback is running (``timeout`` default :data:`WAIT_S`)."""
        from selenium.webdriver.common.by import By

        def ready(d):  # type: ignore[no-untyped-def]
            if d.execute_script(DASH_BUSY_JS):
                return False
            for el in d.find_elements(By.CSS_SELECTOR, css):
                if text is None or text in el.text:
                    return el
            return False

        what = f"{css!r}" + (f" containing {text!r}" if text is not None else "") + \
            " with no Dash callback running"
        return wait_for(self.driver, ready, what, timeout,
                        seen=lambda: (self.text(css)[:300],
                                      "busy" if self.busy() else "idle"))

    def busy(self) -> bool:
        """Whether a Dash callback is running (or the app is not mounted yet)."""
        return bool(self.driver.execute_script(DASH_BUSY_JS))

    def text(self, css: str) -> str:
        from selenium.webdriver.common.by import By

        return "\n".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css))

    def select(self, dropdown_id: str, option_text: str) -> None:
        """Choose the option whose label contains ``option_text`` in the dcc.Dropdown
        ``dropdown_id`` (Dash 4: a button opening a searchable list). Retried when a
        callback re-renders the dropdown while it is being used."""
        from selenium.common.exceptions import (
            StaleElementReferenceException,
            TimeoutException,
            WebDriverException,
        )
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import WebDriverWait

        def option(d):  # type: ignore[no-untyped-def]
            for el in d.find_elements(By.CSS_SELECTOR, ".dash-options-list-option"):
                if option_text in el.text:
                    return el
            return False

        # a click lost to a re-render is retried: each attempt gets a third of WAIT_S
        for attempt in range(4):
            try:
                self.wait(f"#{dropdown_id}")  # no callback running
                self.driver.find_element(By.ID, dropdown_id).click()
                search = WebDriverWait(self.driver, WAIT_S / 3, poll_frequency=0.1).until(
                    lambda d: d.find_element(By.CSS_SELECTOR, ".dash-dropdown-search"))
                search.send_keys(option_text)
                WebDriverWait(self.driver, WAIT_S / 3, poll_frequency=0.1, ignored_exceptions=[
                    StaleElementReferenceException]).until(option).click()
                break
            except (StaleElementReferenceException, TimeoutException) as exc:
                if attempt == 3:
                    raise AssertionError(f"could not choose {option_text!r} in the dropdown "
                                         f"#{dropdown_id} (4 attempts)") from exc
                with contextlib.suppress(WebDriverException):
                    self.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        with contextlib.suppress(WebDriverException):  # a single-select list closed itself
            search.send_keys(Keys.ESCAPE)  # a multi-select list stays open: close it

    def sign_in(self, user: str = DASH_USER, password: str = DASH_PASSWORD) -> None:
        from selenium.webdriver.common.by import By

        self.driver.get(self.server.url + "/login")
        self.driver.find_element(By.NAME, "username").send_keys(user)
        self.driver.find_element(By.NAME, "password").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.wait("#user-box", text=user)

    def sign_out(self) -> None:
        """Sign out as a user does: ``/logout`` shows staff a form that posts the
        session's token (a link alone signs no one out); then forget the cookies."""
        from selenium.webdriver.common.by import By

        self.driver.get(self.server.url + "/logout")
        forms = self.driver.find_elements(By.CSS_SELECTOR, "form[action='/logout'] button")
        if forms:
            forms[0].click()
            wait_for(self.driver, lambda d: not d.current_url.endswith("/logout"),
                     "the page after signing out")
        self.driver.delete_all_cookies()

    def no_xss(self) -> None:
        """No hostile name ran as script."""
        assert self.driver.execute_script("return window.__xss === undefined")


@pytest.fixture
def page(chrome, dash_server):  # type: ignore[no-untyped-def]
    """A public (signed-out) browser on the shared dashboard."""
    p = Page(chrome, dash_server)
    p.sign_out()
    yield p
    p.sign_out()
