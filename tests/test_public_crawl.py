"""The public side, crawled as an anonymous visitor would: no session, every public page
opened in Chromium and every control used (each option of the years, levels,
indicators, kinds and numbers offered, buttons, tabs, the report), and every response
body the browser receives read back from Chrome's DevTools (performance log and
``Network.getResponseBody``), together with the files the pages link to.

Every body is scanned, independently of the dashboard's code, against the registry's
firm layer read directly:

- no SIRET (14 digits) or SIREN (9 digits) of a firm of the registry;
- no firm name of the registry;
- no firm count of 1 or 2: a field whose name says it counts firms (``n_firms``,
  ``n_exporters``, ``*_count``, ``members``, ``unserved``…, :func:`counts_firms`)
  holding 1 or 2, in JSON (Dash's answers, the maps' GeoJSON), CSV tables, the
  dashboard's HTML tables and key figures, and the choropleth figures of a firm-count
  indicator.

Then every route of the server (``server.url_map``) and every callback of the app
(``app.callback_map``) is requested directly without a session: anything that
:mod:`dashboard.public` does not declare public is refused.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import csv
import html as html_lib
import io
import json
import logging
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.conftest import WAIT_S, Page, wait_for

log = logging.getLogger("crawl")

# ---------------------------------------------------------------------------
# what counts firms (independent of the dashboard's code)
# ---------------------------------------------------------------------------

#: Words of a field, column or component id counting firms (English and French).
_FIRM_WORDS = re.compile(
    r"firm|sme|pme|entreprise|exporter|exporting|exportatric|unserved|desservi|"
    r"accompagn|member|membre|born_global|reached|covered|group_size(?!s)|within_d|"
    r"en_groupement")
#: Words of a field that is not a count even when it names firms: shares, rates, ranks,
#: scores, distances, weights, changes between years, names and codes.
_NOT_A_COUNT = re.compile(
    r"share|rate|ratio|_per_|per_1|pour|part\b|part_|taux|pct|percent|%|score|rank|rang|"
    r"median|médiane|mean|moyen|avg|weight|poids|potential|potentiel|distance|_km|km\b|"
    r"density|densit|index|indice|imi|change|growth|croissance|évolution|variation|"
    r"delta|diff|écart|"
    r"synergy|synergie|name|nom|code|year|année|_id$|^id$|ids$|siret|siren|label|"
    r"departement|divisions|markets|stage|posture|naf|sentence|note|title")


def counts_firms(name: str) -> bool:
    """Whether a field named ``name`` counts firms.

    Examples
    --------
    >>> [counts_firms(n) for n in ("n_firms", "n_exporters", "born_global_count",
    ...  "groupement_members", "newly_covered_firms", "firms_within_d", "ov-kf-n_firms",
    ...  "unserved_count", "PME actives", "En groupement à l'export", "Non desservies")]
    [True, True, True, True, True, True, True, True, True, True, True]
    >>> [counts_firms(n) for n in ("n_actors", "unserved_share", "exporters_per_1000_firms",
    ...  "covered_weight", "n_firms_change", "imi", "group_max_distance_km", "firm_name",
    ...  "Groupements proposés", "act-kf-group-sizes", "Part de PME non accompagnées")]
    [False, False, False, False, False, False, False, False, False, False, False]
    """
    low = re.sub(r"[\s-]+", "_", name.casefold())
    return bool(_FIRM_WORDS.search(low)) and not _NOT_A_COUNT.search(low)


def _small(value: Any) -> bool:
    """Whether ``value`` is the number 1 or 2 (as a number or a printed number)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value in (1, 2)
    if isinstance(value, str):
        text = re.sub(r"[\s\u202f\u00a0]", "", value).replace(",", ".")
        return text in ("1", "2", "1.0", "2.0")  # a signed number is a change
    return False


# ---------------------------------------------------------------------------
# the registry's firms, read directly
# ---------------------------------------------------------------------------

@dataclass
class Firms:
    """What must never reach the public: the firms' identifiers and names."""

    sirets: set[str]
    sirens: set[str]
    names: list[str]
    name_rx: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        ordered = sorted(self.names, key=len, reverse=True)
        self.name_rx = re.compile("|".join(re.escape(n) for n in ordered))


@pytest.fixture(scope="module")
def firms(dash_registry) -> Firms:  # type: ignore[no-untyped-def]
    table = dash_registry.read("firms", columns=["siret", "siren", "name"])
    actors = dash_registry.read("actors", columns=["siret", "name"])
    # identifiers that are also public ones (an actor's SIRET, an EPCI's SIREN) are
    # not looked for: the demo draws firms' numbers at random
    public_ids = {str(s) for s in actors["siret"].dropna()}
    public_ids |= {s[:9] for s in public_ids}
    for level in ("epci", "departement", "region", "commune"):
        public_ids |= set(dash_registry.territories(level)["code"].astype(str))
    sirets = {str(s) for s in table["siret"].dropna() if len(str(s)) == 14} - public_ids
    sirens = {str(s) for s in table["siren"].dropna() if len(str(s)) == 9} - public_ids
    names = sorted({str(n) for n in table["name"].dropna() if len(str(n)) >= 6}
                   - {str(n) for n in actors["name"].dropna()})
    assert len(sirets) > 500 and len(sirens) > 500 and len(names) > 500  # not a void test
    return Firms(sirets, sirens, names)


# ---------------------------------------------------------------------------
# collecting what the browser receives
# ---------------------------------------------------------------------------

@dataclass
class Body:
    """One response the browser (or the test, for a linked file) received."""

    url: str
    method: str
    status: int
    mime: str
    content: bytes
    request: dict[str, Any] | None = None  # a callback's request body

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.url)

    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


#: Library files (Dash's scripts and the dashboard's styles): not data.
_STATIC = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")

_STATE_JS = ("var s = window.store && window.store.getState();"
             "return s ? [s.callbacks.completed, s.isLoading] : null;")
_FRAME_JS = """var f = document.getElementById('map-frame');
if (!f || !f.getAttribute('src')) return true;
try { return f.contentDocument.readyState === 'complete'
             && f.contentWindow.location.href === f.src; } catch (e) { return false; }"""


class Crawler:
    """A signed-out Chromium whose every response body is kept."""

    def __init__(self, driver: Any, server: Any) -> None:
        self.driver = driver
        self.server = server
        self.page = Page(driver, server)
        self.bodies: list[Body] = []
        self.missing: list[str] = []
        self._requests: dict[str, dict[str, Any]] = {}
        self._responses: dict[str, dict[str, Any]] = {}
        deps = requests.get(server.url + "/_dash-dependencies", timeout=WAIT_S).json()
        #: (id, property) of the inputs of the server's callbacks: changing one runs one
        self.inputs = {(str(i["id"]), i["property"]) for d in deps
                       if not d.get("clientside_function") for i in d["inputs"]}

    # -- the DevTools log ----------------------------------------------------
    def drain(self) -> None:
        """Read the performance log and keep the body of every finished response."""
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            method, params = msg["method"], msg.get("params", {})
            rid = params.get("requestId")
            if method == "Network.requestWillBeSent":
                self._requests[rid] = params["request"]
            elif method == "Network.responseReceived":
                self._responses[rid] = params["response"]
            elif method in ("Network.loadingFinished", "Network.loadingFailed") and \
                    rid in self._responses:
                self._keep(rid)

    def _keep(self, rid: str) -> None:
        from selenium.common.exceptions import WebDriverException

        resp = self._responses.pop(rid)
        req = self._requests.pop(rid, {})
        url, verb = resp["url"], req.get("method", "GET")
        if url.startswith("data:") or any(s in url for s in _STATIC):
            return
        try:
            got = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": rid})
            content = base64.b64decode(got["body"]) if got["base64Encoded"] else \
                got["body"].encode("utf-8")
        except WebDriverException:  # a body Chrome did not keep (a page left, a redirect)
            if verb != "GET":
                self.missing.append(f"{verb} {url}")
                return
            # the same GET without a session: what the browser received
            r = requests.get(url, timeout=4 * WAIT_S, allow_redirects=False)
            content = r.content
        posted = None
        if req.get("postData") and "/_dash-update-component" in url:
            posted = json.loads(req["postData"])
        self.bodies.append(Body(url, verb, int(resp["status"]), resp.get("mimeType", ""),
                                content, posted))

    # -- waiting -------------------------------------------------------------
    def completed(self) -> int:
        state = self.driver.execute_script(_STATE_JS)
        return int(state[0]) if state else 0

    def settle(self, before: int | None = None, what: str = "the page") -> None:
        """Wait until no callback is pending (and, with ``before``, until one more has
        completed) and the map frame has loaded; then read the log."""
        def done(d: Any) -> bool:
            state = d.execute_script(_STATE_JS)
            if not state or state[1] or (before is not None and state[0] <= before):
                return False
            return bool(d.execute_script(_FRAME_JS))

        wait_for(self.driver, done, f"{what} answered", timeout=4 * WAIT_S,
                 seen=lambda: self.driver.execute_script(_STATE_JS))
        self.drain()
        log.info("%s: %d bodies", what, len(self.bodies))

    # -- controls ------------------------------------------------------------
    def open(self, path: str, lang: str = "fr") -> None:
        self.drain()
        self.page.open(path, lang)
        self.settle(what=path)

    def prop(self, cid: str, name: str) -> Any:
        return self.driver.execute_script(
            "var s = window.store.getState(); var p = s.paths.strs[arguments[0]];"
            "if (!p) return null; var n = p.reduce((o, k) => o[k], s.layout);"
            "return n.props[arguments[1]];", cid, name)

    def options(self, cid: str) -> list[dict[str, Any]]:
        return list(self.prop(cid, "options") or [])

    def choose(self, cid: str, option: dict[str, Any]) -> None:
        """Choose ``option`` in the dropdown ``cid`` as a user does."""
        if self.prop(cid, "value") == option["value"]:
            return
        fires = (cid, "value") in self.inputs
        before = self.completed()
        self.page.select(cid, str(option["label"]))
        if self.prop(cid, "value") != option["value"]:  # a label inside another one
            self.page.select(cid, str(option["label"]))
        assert self.prop(cid, "value") == option["value"], (cid, option)
        self.settle(before if fires else None, f"{cid} = {option['value']!r}")

    def toggle(self, cid: str, option: dict[str, Any]) -> None:
        """Tick or untick ``option`` in the multi-select dropdown ``cid``."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        fires = (cid, "value") in self.inputs
        was = list(self.prop(cid, "value") or [])
        before = self.completed()
        self.page.select(cid, str(option["label"]))
        with contextlib.suppress(Exception):
            self.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        assert list(self.prop(cid, "value") or []) != was, (cid, option)
        self.settle(before if fires else None, f"{cid} toggled {option['value']!r}")

    def choose_each(self, cid: str, limit: int | None = None) -> None:
        """Choose every option of ``cid`` (the first ``limit`` ones), then the page's
        value again."""
        opts = self.options(cid)
        assert opts, cid
        initial = self.prop(cid, "value")
        for option in opts[:limit] if limit else opts:
            self.choose(cid, option)
        again = next((o for o in opts if o["value"] == initial), None)
        if again is not None:
            self.choose(cid, again)

    def click(self, css: str, fires: bool = True) -> None:
        from selenium.webdriver.common.by import By

        before = self.completed()
        el = wait_for(self.driver, lambda d: next(
            (e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_enabled()), False),
            f"{css} enabled")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        el.click()
        self.settle(before if fires else None, css)


@pytest.fixture(scope="module")
def crawler(dash_server) -> Iterator[Crawler]:  # type: ignore[no-untyped-def]
    """A Chromium of its own (the shared one keeps no performance log), signed out."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chrome_path = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chrome_path and driver_path):
        pytest.skip("chromium / chromedriver not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = chrome_path
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, "
                "EXCLUDE 127.0.0.1", "--window-size=1400,1000", "--lang=fr-FR"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True,
                                                         "enablePage": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(WAIT_S)
    driver.set_script_timeout(WAIT_S)
    try:
        # keep every body until it is read (maps and the report are large)
        driver.execute_cdp_cmd("Network.enable", {"maxTotalBufferSize": 400_000_000,
                                                  "maxResourceBufferSize": 100_000_000})
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "deny"})
        driver.delete_all_cookies()
        yield Crawler(driver, dash_server)
    finally:
        driver.quit()


# ---------------------------------------------------------------------------
# the crawl
# ---------------------------------------------------------------------------

def _crawl_overview(c: Crawler) -> None:
    c.open("/")
    initial = c.prop("ov-level", "value")
    for level in c.options("ov-level"):
        c.choose("ov-level", level)
        c.choose_each("ov-territory", limit=2)
    c.choose("ov-level", next(o for o in c.options("ov-level") if o["value"] == initial))
    c.choose_each("ov-year")
    c.choose_each("ov-compare")
    c.click("#lang-toggle")  # the shell in English, and back
    c.click("#lang-toggle")


def _crawl_map(c: Crawler) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    c.open("/carte")
    c.choose_each("map-kind")
    c.choose("map-kind", next(o for o in c.options("map-kind") if o["value"] == "choropleth"))
    for cid in ("map-indicator", "map-level", "map-scheme", "map-classes", "map-year"):
        c.choose_each(cid)
    c.choose("map-kind", next(o for o in c.options("map-kind") if o["value"] == "coverage"))
    before = c.completed()
    handle = c.driver.find_element(By.CSS_SELECTOR, "#map-distance [role=slider]")
    handle.send_keys(Keys.ARROW_RIGHT)  # the threshold d, one step
    c.settle(before, "map-distance")
    c.toggle("map-categories", c.options("map-categories")[0])  # one category more or less


def _crawl_network(c: Crawler) -> None:
    c.open("/reseau")
    for value in ("community", "component", "category"):
        c.click(f"#network-colour input[value={value}]")
    for value in ("force", "geographic"):
        c.click(f"#network-layout input[value={value}]")
    c.choose_each("network-top")
    c.click("#network-recommended input")
    c.click("#network-recommended input")
    c.choose_each("network-territory", limit=2)
    c.toggle("network-categories", c.options("network-categories")[0])
    c.choose_each("network-year")
    # a tap on an actor opens its card
    node = c.driver.execute_script(
        "var e = document.getElementById('network-graph'); return e && e._cyreg ? "
        "e._cyreg.cy.nodes()[0].id() : null;")
    assert node is not None
    before = c.completed()
    c.driver.execute_script("document.getElementById('network-graph')._cyreg.cy"
                            ".$id(arguments[0]).emit('tap');", node)
    c.settle(before, "the actor's card")


def _crawl_activation(c: Crawler) -> None:
    c.open("/activation")
    c.choose_each("act-top")
    c.click("#act-tab-relays", fires=False)
    c.choose_each("act-sites")
    c.click("#act-relays-table td.dash-select-cell input", fires=False)  # tick a site
    c.click("#act-add-site")
    c.click("#act-tab-groups", fires=False)
    c.choose_each("act-groups-dep", limit=2)
    with contextlib.suppress(AssertionError):  # a département may have no group
        c.click("#act-groups-table td.dash-select-cell input", fires=False)
    c.click("#act-tab-ties", fires=False)
    c.click("#act-ties-table td.dash-select-cell input", fires=False)
    c.click("#act-add-rec-tie")
    c.click("#act-tab-what-if", fires=False)
    c.choose("act-wi-commune", c.options("act-wi-commune")[0])
    c.choose_each("act-wi-category")
    c.click("#act-wi-add-relay")
    c.choose("act-wi-source", c.options("act-wi-source")[0])
    c.choose("act-wi-target", c.options("act-wi-target")[1])
    c.choose("act-wi-kind", c.options("act-wi-kind")[0])
    c.click("#act-wi-add-tie")
    for level in c.options("act-wi-level"):
        c.choose("act-wi-level", level)
        c.click("#act-wi-run")
    c.click("#act-wi-only input")
    c.click("#act-wi-run")
    c.click("#act-wi-list button")  # remove an item of the scenario
    c.click("#act-wi-clear")
    c.choose_each("act-year")


def _crawl_territories(c: Crawler) -> None:
    c.open("/territoires")
    c.choose_each("tr-level")
    c.choose_each("tr-indicator")
    c.choose_each("tr-year")
    c.choose_each("tr-compare")
    c.click("#tr-table th .column-header--sort")  # sort the table by its first column
    c.click("#tr-download-btn")


def _crawl_data(c: Crawler) -> None:
    c.open("/donnees")
    layers = c.options("data-export-layer")
    for layer in layers:
        c.choose("data-export-layer", layer)
        c.click("#data-export-button")  # CSV
    for fmt in c.options("data-export-format")[1:]:
        c.choose("data-export-format", fmt)
        for layer in layers[:2]:
            c.choose("data-export-layer", layer)
            c.click("#data-export-button")
    c.choose_each("data-export-year")
    c.click("#data-export-button")


def _crawl_report(c: Crawler) -> list[str]:
    """Every control of the Rapport page, then one report built; its links."""
    from selenium.webdriver.common.by import By

    c.open("/rapport")
    c.choose_each("report-level")
    c.choose_each("report-territory", limit=2)
    for cid in ("report-year", "report-compare-year", "report-lang"):
        c.choose_each(cid)
    c.click("#report-generate")
    c.page.wait("#report-ready", timeout=6 * WAIT_S)
    c.settle(what="the report's links")
    return [a.get_attribute("href") for a in
            c.driver.find_elements(By.CSS_SELECTOR, "#report-ready a")]


def _fetch_links(c: Crawler, links: list[str]) -> None:
    """The files the pages link to, as a visitor downloads them (no session)."""
    for url in links:
        r = requests.get(url, timeout=4 * WAIT_S)
        c.bodies.append(Body(url, "GET", r.status_code, r.headers.get("Content-Type", ""),
                             r.content))


@dataclass
class Crawl:
    bodies: list[Body]
    missing: list[str]
    report_links: list[str]
    staff_page_status: int
    texts: list[tuple[Body, str, str]] | None = None


@pytest.fixture(scope="module")
def crawl(crawler: Crawler) -> Crawl:
    c = crawler
    _crawl_overview(c)
    _crawl_map(c)
    _crawl_network(c)
    _crawl_activation(c)
    _crawl_territories(c)
    _crawl_data(c)
    links = _crawl_report(c)
    # a staff page opened by a visitor: the shell says it is for staff
    c.open("/pme-non-accompagnees")
    c.page.wait("#page-staff-only")
    c.drain()
    map_links = [c.server.url + b.path + "&download=1"
                 for b in c.bodies if b.path.startswith("/maps/view")][:1]
    _fetch_links(c, links + map_links + [c.server.url + "/login"])
    status = requests.get(c.server.url + "/pme-non-accompagnees", timeout=WAIT_S).status_code
    return Crawl(c.bodies, c.missing, links, status)


# ---------------------------------------------------------------------------
# reading the bodies
# ---------------------------------------------------------------------------

_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _plain(text: str) -> str:
    """``text`` with HTML entities and JSON ``\\uXXXX`` escapes resolved."""
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")
    return html_lib.unescape(text)


def _pdf_text(content: bytes) -> str:
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext is needed to read the report's PDF"
    run = subprocess.run([exe, "-", "-"], input=content, capture_output=True, check=True,
                         timeout=4 * WAIT_S)
    return run.stdout.decode("utf-8", errors="replace")


def _decoded(name: str, content: bytes) -> Iterator[tuple[str, str]]:
    """(name, text) of a body and of what it holds: zip members (xlsx, tables), a PDF's
    text, the files of Dash downloads inside a callback's answer."""
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            for member in z.namelist():
                yield from _decoded(f"{name}!{member}", z.read(member))
        return
    if content[:5] == b"%PDF-":
        yield name, _pdf_text(content)
        return
    if content[:16].startswith(b"SQLite format 3"):
        yield name, content.decode("latin-1")  # a GeoPackage: texts are stored as they are
        return
    text = content.decode("utf-8", errors="replace").lstrip("\ufeff")
    yield name, text
    with contextlib.suppress(ValueError):
        doc = json.loads(text)
        for i, download in enumerate(_downloads(doc)):
            yield from _decoded(f"{name}#download{i}:{download[0]}", download[1])


def _downloads(node: Any) -> Iterator[tuple[str, bytes]]:
    """The files sent by dcc.Download inside a callback's answer."""
    if isinstance(node, dict):
        if "content" in node and "filename" in node and isinstance(node["content"], str):
            raw = base64.b64decode(node["content"]) if node.get("base64") else \
                node["content"].encode("utf-8")
            yield str(node["filename"]), raw
            return
        for v in node.values():
            yield from _downloads(v)
    elif isinstance(node, list):
        for v in node:
            yield from _downloads(v)


def _texts(crawl: Crawl) -> list[tuple[Body, str, str]]:
    """(body, name, text) of every body and of what it holds, as sent (JSON escapes and
    HTML entities unresolved: :func:`_plain` resolves them); read once per crawl."""
    if crawl.texts is None:
        crawl.texts = [(body, name, text) for body in crawl.bodies
                       for name, text in _decoded(body.path, body.content)]
    return crawl.texts


_NUMBERS = re.compile(r"(?<![\d.,])(\d{14}|\d{9})(?![\d.,])")
_GROUPED = re.compile(r"(?<![\d])\d{3}(?:[ \u202f\u00a0]\d{3}){2}(?:[ \u202f\u00a0]\d{5})?"
                      r"(?![\d])")


# ---------------------------------------------------------------------------
# firm counts in structured content
# ---------------------------------------------------------------------------

def _component_text(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return str(node)
    if isinstance(node, dict):
        return _component_text(node.get("props", {}).get("children"))
    if isinstance(node, list):
        return " ".join(_component_text(v) for v in node)
    return ""


def _class_texts(node: Any, cls: str) -> list[str]:
    """Texts of the Dash components of class ``cls`` under ``node``."""
    out: list[str] = []
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and cls in str(props.get("className", "")).split():
            out.append(_component_text(node))
        for v in node.values():
            out += _class_texts(v, cls)
    elif isinstance(node, list):
        for v in node:
            out += _class_texts(v, cls)
    return out


def _table_cells(node: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(column header, row label, cell text) of a Dash html.Table."""
    rows: list[list[str]] = []
    header: list[str] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            kind = n.get("type")
            if kind == "Tr":
                cells = n.get("props", {}).get("children") or []
                cells = cells if isinstance(cells, list) else [cells]
                texts = [_component_text(x) for x in cells]
                if any(isinstance(x, dict) and x.get("type") == "Th" for x in cells) \
                        and not header:
                    header.extend(texts)
                else:
                    rows.append(texts)
                return
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)

    walk(node.get("props", {}).get("children"))
    for row in rows:
        for i, cell in enumerate(row[1:], start=1):
            yield (header[i] if i < len(header) else ""), row[0] if row else "", cell


class CountScan:
    """The firm counts met in the bodies, by where they were found (``examined``: the
    scan is not blind), and those equal to 1 or 2 (``problems``)."""

    def __init__(self) -> None:
        self.examined: collections.Counter[str] = collections.Counter()
        self.problems: list[str] = []

    def check(self, kind: str, value: Any, message: str) -> None:
        self.examined[kind] += 1
        if _small(value):
            self.problems.append(f"{message} = {value!r}")

    # -- JSON: Dash's answers and layouts, GeoJSON --------------------------
    def json(self, node: Any, where: str, context: dict[str, Any]) -> None:
        if isinstance(node, dict):
            props = node.get("props") if isinstance(node.get("type"), str) else None
            if isinstance(props, dict):
                self._component(node, props, where)
            if isinstance(node.get("data"), list) and isinstance(node.get("layout"), dict):
                self._figure(node, where, context)
            for key, value in node.items():
                if isinstance(key, str) and counts_firms(key) and not isinstance(
                        value, (dict, list)) and value is not None:
                    self.check("json field", value, f"{where}: {key}")
                self.json(value, where, context)
        elif isinstance(node, list):
            for value in node:
                self.json(value, where, context)

    def _component(self, node: dict[str, Any], props: dict[str, Any], where: str) -> None:
        cid = str(props.get("id", ""))
        if counts_firms(cid):  # a component showing a firm count: a key figure, a cell
            children = props.get("children")
            shown = _class_texts(node, "kf-value") or (
                [_component_text(node)] if isinstance(children, (str, int, float)) else [])
            for value in shown:
                for part in value.split("→"):  # "before → after"
                    self.check("component", part.strip(), f"{where}: {cid} shows {value!r}")
        if node.get("type") == "Table":
            table_firms = counts_firms(cid)
            by_actor = bool(_ACTORS.search(cid))  # rows of actors' categories, not firms
            for col, row, cell in _table_cells(node):
                if col and _NOT_A_COUNT.search(col.casefold()) and not re.fullmatch(
                        r"\d{4}", col):
                    continue
                if table_firms or counts_firms(col) or (counts_firms(row) and not by_actor):
                    self.check("table cell", cell, f"{where}: table {cid or '?'} "
                               f"[{row} / {col}]")

    def _figure(self, node: dict[str, Any], where: str, context: dict[str, Any]) -> None:
        # a plotly figure of a firm-count indicator chosen by the visitor: its values
        shown = [v for k, v in context.items() if "indicator" in k and isinstance(v, str)]
        if not any(counts_firms(v) for v in shown):
            return
        for trace in node["data"]:
            for key in ("z", "values"):
                values = trace.get(key) if isinstance(trace, dict) else None
                for value in values if isinstance(values, list) else []:
                    self.check("figure value", value, f"{where}: figure of {shown}, {key}")

    # -- CSV tables (downloads, the report's tables) ------------------------
    def csv(self, text: str, where: str) -> None:
        first = text.splitlines()[0] if text.strip() else ""
        sep = ";" if first.count(";") >= first.count(",") else ","
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        header = next(reader, [])
        by_actor = bool(_ACTORS.search(where.rsplit("/", 1)[-1]))  # a table of actors
        for row in reader:
            label = row[0] if row else ""
            for col, cell in zip(header, row, strict=False):
                if counts_firms(col) or (counts_firms(label) and not by_actor and
                                         not _NOT_A_COUNT.search(col.casefold())):
                    self.check("csv cell", cell, f"{where}: [{label} / {col}]")

    # -- any body ------------------------------------------------------------
    def body(self, body: Body, name: str, text: str) -> None:
        context = {}
        if body.request:
            for item in [*body.request.get("inputs", []), *body.request.get("state", [])]:
                if isinstance(item, dict):
                    context[f"{item.get('id')}.{item.get('property')}"] = item.get("value")
        asked = ", ".join(f"{k}={v!r}" for k, v in context.items()
                          if isinstance(v, (str, int, float)) and "lang" not in k)
        where = f"{name.split('?')[0]} ({body.request.get('output')}; {asked})" \
            if body.request else name
        # "Label : value" lines: map popups, figure hovers, report pages
        for label, value in _LABELLED.findall(_plain(text)):
            if counts_firms(label):
                self.check("labelled value", value, f"{where}: « {label.strip()} »")
        stripped = text.lstrip()
        if stripped[:1] in "[{":
            with contextlib.suppress(ValueError):
                self.json(json.loads(stripped), where, context)
                return
        if ".csv" in name.rsplit("!", 1)[-1].rsplit(":", 1)[-1]:
            self.csv(text, where)
            return
        # HTML pages and scripts (the maps' GeoJSON): "field": value pairs
        for key, _, value in _PAIR.findall(text):
            if counts_firms(key):
                self.check("json field", value, f"{where}: {key}")


#: A table whose rows are actors or their categories ("Grande entreprise (portage)" is a
#: category of actors): its row labels say nothing of firms.
_ACTORS = re.compile(r"acteur|actor", re.IGNORECASE)
_PAIR = re.compile(r'"([A-Za-z_][\w-]*)"\s*:\s*("?)(-?[\d.]+)\2')
#: "PME actives : 2" in a popup or a hover text: a label, a colon, a bare number.
_LABELLED = re.compile(r'(?:^|[>\n"]|<br>)\s*([^<>:"\n]{2,80}?)\s*:\s*'
                       r'(\d[\d\u202f\u00a0 ]*(?:,\d+)?)\s*(?=<|"|\n|$)')


# ---------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------

def _report(problems: list[str], what: str) -> str:
    shown = "\n".join(sorted(set(problems))[:60])
    return f"{len(set(problems))} {what}:\n{shown}"


def test_crawl_used_every_public_callback(crawl: Crawl, dash_server) -> None:  # type: ignore[no-untyped-def]
    """The crawl ran every server callback of the public pages, each answered (no
    refusal of a public page's own request), and read every body it received."""
    from dashboard import public

    assert not crawl.missing, crawl.missing
    calls = [b for b in crawl.bodies if b.request is not None]
    refused = [(b.request["output"], b.status, b.text()[:200]) for b in calls  # type: ignore[index]
               if b.status not in (200, 204)]
    assert not refused, refused
    used = {b.request["output"] for b in calls}  # type: ignore[index]
    wanted = {k for k, cb in dash_server.app.callback_map.items()
              if "callback" in cb and public.is_public_output_spec(k)}
    assert wanted - used == set(), sorted(wanted - used)
    # the pages' documents and the map pages were read too
    paths = {b.path.split("?")[0] for b in crawl.bodies}
    assert {"/", "/carte", "/maps/view", "/_dash-layout"} <= paths, sorted(paths)
    assert len(crawl.report_links) == 4 and crawl.staff_page_status == 403


def test_no_firm_identifier(crawl: Crawl, firms: Firms) -> None:
    problems = []
    for _body, name, raw in _texts(crawl):
        text = _plain(raw)
        found = set(_NUMBERS.findall(text))
        found |= {re.sub(r"\D", "", g) for g in _GROUPED.findall(text)}
        for number in found:
            if number in firms.sirets or number in firms.sirens:
                problems.append(f"{name}: {number}")
    assert not problems, _report(problems, "firm SIRET/SIREN in public bodies")


def test_no_firm_name(crawl: Crawl, firms: Firms) -> None:
    problems = []
    for _body, name, raw in _texts(crawl):
        for hit in set(firms.name_rx.findall(_plain(raw))):
            problems.append(f"{name}: {hit!r}")
    assert not problems, _report(problems, "firm names in public bodies")


def test_no_firm_count_of_one_or_two(crawl: Crawl) -> None:
    scan = CountScan()
    for body, name, text in _texts(crawl):
        scan.body(body, name, text)
    # every kind of place was looked at, with firm counts in it (the scan is not blind)
    for kind in ("json field", "component", "table cell", "figure value", "csv cell",
                 "labelled value"):
        assert scan.examined[kind] > 0, (kind, scan.examined)
    assert not scan.problems, _report(scan.problems, "firm counts of 1 or 2 in public "
                                      f"bodies (of {sum(scan.examined.values())} examined)")


def test_public_manifest_and_report_files(crawl: Crawl, dash_registry) -> None:  # type: ignore[no-untyped-def]
    """The report's public files: no audit, no path of the server."""
    from pathlib import Path

    files = {b.url.rsplit("/", 1)[-1]: b for b in crawl.bodies if b.url in crawl.report_links}
    assert set(files) == {"report.pdf", "report.html", "tables.zip", "manifest.json"}
    manifest = json.loads(files["manifest.json"].content)
    assert set(manifest["disclosure"]) == {"rules"}
    secrets = (str(Path(dash_registry.path).resolve().parent), str(Path.home()), "audit",
               "suppressed_cells", "software_version", "cache_dir")
    for name, body in files.items():
        for _, text in _decoded(name, body.content):
            for secret in secrets[:2]:
                assert secret not in text, (name, secret)
    text = files["manifest.json"].text()
    for secret in secrets:
        assert secret not in text, secret


def _sample_url(rule: str) -> str:
    """An address the route ``rule`` answers (each variable part: ``x``)."""
    return re.sub(r"<[^>]+>", "x", rule)


def test_every_route_not_declared_public_is_refused(dash_server) -> None:  # type: ignore[no-untyped-def]
    from dashboard import public

    server = dash_server.app.server
    checked = 0
    for rule in server.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = dash_server.url + _sample_url(rule.rule)
            r = requests.request(method, url, timeout=4 * WAIT_S, allow_redirects=False,
                                 json={} if method == "POST" else None)
            declared = method in public.PUBLIC_ROUTES.get(rule.rule, frozenset())
            if declared:
                if rule.rule not in public.PAGE_RULES:
                    assert r.status_code != 403 or rule.rule == public.CALLBACK_RULE, \
                        (rule.rule, method, r.status_code)
            else:
                assert r.status_code == 403, (rule.rule, method, r.status_code, r.text[:200])
                checked += 1
    assert checked >= 3  # /static, /_reload-hash, /rapport/audit at least
    # the pages: public ones served, staff ones refused, anything else not found
    from dashboard.app import pages

    for mod in pages():
        r = requests.get(dash_server.url + mod.PATH, timeout=WAIT_S)
        assert r.status_code == (200 if public.page_is_public(mod) else 403), mod.PATH
    for path in ("/x", "/carte/", "/_dash-update-component", "/login/x"):
        assert requests.get(dash_server.url + path, timeout=WAIT_S).status_code == 404, path


def test_every_callback_not_declared_public_is_refused(dash_server) -> None:  # type: ignore[no-untyped-def]
    """Each callback the app registers, asked with the body the browser would send and
    no session: 403 unless all its outputs are declared public (then the callback's
    own checks answer)."""
    from dashboard import public

    app = dash_server.app
    refused = 0
    for key, cb in app.callback_map.items():
        parts = key[2:-2].split("...") if key.startswith("..") else [key]
        outputs = [{"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]}
                   for p in parts]
        body = {"output": key, "outputs": outputs if key.startswith("..") else outputs[0],
                "inputs": [[] if str(i["id"]).startswith("{") else {**i, "value": None}
                           for i in cb["inputs"]],
                "state": [{**s, "value": None} for s in cb["state"]],
                "changedPropIds": []}
        r = requests.post(dash_server.url + "/_dash-update-component", json=body,
                          timeout=4 * WAIT_S)
        if public.is_public_output_spec(key) and "callback" in cb:
            assert r.status_code != 403, (key, r.text[:200])
        else:
            assert r.status_code == 403, (key, r.status_code, r.text[:200])
            assert "sign-in required" in r.text
            refused += 1
    assert refused >= 8  # the staff pages' and components' callbacks, the browser's own
