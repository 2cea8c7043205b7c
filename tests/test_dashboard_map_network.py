"""Dashboard pages Carte and Réseau, in a real browser and over HTTP.

Carte: the map route refuses firm layers to the public (403), serves them to staff,
refuses bad parameters (400), draws for the public the table of ``ecosystem indicators
--public`` (« s » exactly where its CSV has one, no actor's firm count), and the page's
controls change the map shown in the frame (Leaflet layers counted inside it).
Réseau: the graph shown has the nodes, edges and isolated actors that networkx
computes from the registry's layers with the definitions of PRODUCT.md (written out
here with pandas), the filters reduce it as computed here, and a click on an actor
shows its card.
"""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import networkx as nx
import pandas as pd
import pytest

from ecosystem.cli import main
from tests.conftest import DASH_ACTOR_NAME, DASH_PASSWORD, DASH_USER, DASH_YEAR, WAIT_S, wait_for


def _get(url: str, cookie: str | None = None) -> tuple[int, str, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=max(120, WAIT_S)) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def _session_cookie(server) -> str:  # type: ignore[no-untyped-def]
    """Sign in over HTTP as a browser's form would; the session cookie."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(server.url + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', login).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "username": DASH_USER,
                                   "password": DASH_PASSWORD}).encode()
    opener.open(server.url + "/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


# ---------------------------------------------------------------------------
# independent computations from the registry's layers (PRODUCT.md definitions)
# ---------------------------------------------------------------------------

def _active_actors(actors: pd.DataFrame, year: int) -> pd.DataFrame:
    since = pd.to_numeric(actors["since"], errors="coerce")
    until = pd.to_numeric(actors["until"], errors="coerce")
    return actors[(since <= year) & (until.isna() | (until >= year))]


def _reference_graph(registry, year: int) -> tuple[nx.Graph, pd.DataFrame]:  # type: ignore[no-untyped-def]
    actors = _active_actors(registry.actors(), year).assign(
        id=lambda f: f["id"].astype(str))
    ids = set(actors["id"])
    rel = registry.relations()
    until = pd.to_numeric(rel["until"], errors="coerce")
    ok = ((rel["source_type"] == "actor") & (rel["target_type"] == "actor")
          & (pd.to_numeric(rel["year"]) <= year) & (until.isna() | (until >= year)))
    rel = rel[ok]
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    for s, t in zip(rel["source"].astype(str), rel["target"].astype(str), strict=True):
        if s != t and s in ids and t in ids:
            graph.add_edge(s, t)
    return graph, actors.set_index("id")


@pytest.fixture(scope="module")
def reference(dash_registry):  # type: ignore[no-untyped-def]
    return _reference_graph(dash_registry, DASH_YEAR)


# ---------------------------------------------------------------------------
# Carte: the route
# ---------------------------------------------------------------------------

_POPUP_PROP = re.compile(r'"p"\s*:\s*("(?:[^"\\]|\\.)*")')
_CODE_VALUE = re.compile(r"Code : ([^<]+)<br>([^<]+) : ([^<]+)(?:<|$)")


def _page_popups(page: str) -> list[str]:
    """The popup of every feature embedded in a map page (its ``p`` property)."""
    return [html.unescape(json.loads(m.group(1))) for m in _POPUP_PROP.finditer(page)]


def _choropleth_cells(page: str) -> dict[str, str]:
    """Territory code -> value text of every choropleth popup of a map page."""
    out = {}
    for popup in _page_popups(page):
        hit = _CODE_VALUE.search(popup)
        if hit:
            out[hit.group(1).strip()] = hit.group(3).strip()
    return out


def _public_csv(registry, tmp, level: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """``ecosystem indicators --public`` of ``level`` in DASH_YEAR, cells as text."""
    out = tmp / f"{level}_public.csv"
    assert main(["indicators", "--registry", str(registry.path), "--level", level, "--year",
                 str(DASH_YEAR), "--public", "--out", str(out)]) == 0
    return pd.read_csv(out, sep=";", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig").set_index("code")


def test_map_route_roles_validation_cache(dash_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    route = dash_server.url + "/maps/view"
    # the public never gets the maps that place firms, however it asks
    for query in ("kind=firms", "kind=combined", f"kind=firms&year={DASH_YEAR}&public=0",
                  "kind=combined&download=1"):
        status, body, _ = _get(f"{route}?{query}")
        assert status == 403, (query, status)
        assert "sign in as staff" in body and "<html" not in body.lower()
    # bad parameters: 400 naming what was wrong and what is expected
    for query, words in (("kind=heatmap", "unknown map kind 'heatmap'"),
                         ("kind=choropleth&indicator=nope", "unknown indicator 'nope'"),
                         ("kind=choropleth&level=canton", "unknown level 'canton'"),
                         ("kind=choropleth&scheme=jenks", "unknown classification scheme"),
                         ("kind=choropleth&classes=9", "between 2 and 7"),
                         ("kind=coverage&distance_km=500", "between 10 and 60"),
                         ("kind=coverage&distance_km=abc", "distance_km='abc'"),
                         ("kind=coverage&categories=cci,martians", "martians"),
                         ("kind=actors&year=1999", "year='1999'"),
                         ("kind=actors&public=yes", "expected 0 or 1")):
        status, body, _ = _get(f"{route}?{query}")
        assert status == 400, (query, status, body[:200])
        assert words in body, (query, body)
    # public maps: 200, offline page, public choropleth forced (« s ») even if asked otherwise
    q = f"kind=choropleth&year={DASH_YEAR}&indicator=n_firms&level=commune&public=0"
    status, public_page, headers = _get(f"{route}?{q}")
    assert status == 200 and "leaflet" in public_page.lower()
    assert headers["Content-Type"].startswith("text/html")
    # ... and it is the public CLI table: « s » exactly where its CSV has one, its values
    # elsewhere, every commune of the geography drawn
    public = _public_csv(dash_server.data.registry, tmp_path, "commune")
    cells = _choropleth_cells(public_page)
    communes = dash_server.data.registry.territories("commune")
    assert set(cells) == set(communes["code"].astype(str)) <= set(public.index)
    secret = {c for c, v in cells.items() if v == "s (secret statistique)"}
    assert secret and secret == set(public.index[public["n_firms"].eq("s")]) & set(cells)
    for c, v in cells.items():
        if c not in secret:
            assert v.replace("\u202f", "") == public.at[c, "n_firms"], (c, v)
    # the actors' map: no firm count in any popup (not a table of the gate)
    status, actors_page, _ = _get(f"{route}?kind=actors&year={DASH_YEAR}")
    popups = _page_popups(actors_page)
    assert status == 200 and any("Catégorie" in p for p in popups)
    assert not any("PME" in p or "Charge" in p for p in popups)
    # the same map again: answered from the cache, nothing computed
    cache = dash_server.data.cache
    computed, hits = cache.computed, cache.hits
    status, again, _ = _get(f"{route}?{q}")
    assert status == 200 and again == public_page
    assert cache.computed == computed and cache.hits > hits, (cache.computed, cache.hits)
    status, _, headers = _get(f"{route}?kind=actors&download=1")
    assert status == 200
    assert headers["Content-Disposition"].startswith("attachment; filename=\"carte_actors_")

    # staff: the firm layers, and the non-public choropleth when asked
    cookie = _session_cookie(dash_server)
    for kind in ("firms", "combined"):
        status, body, _ = _get(f"{route}?kind={kind}&year={DASH_YEAR}", cookie)
        assert status == 200, kind
        assert "PME non accompagnées" in body and "PME (" in body, kind
    status, staff_page, _ = _get(f"{route}?{q}", cookie)
    assert status == 200 and "s (secret statistique)" not in staff_page
    status, staff_actors, _ = _get(f"{route}?kind=actors&year={DASH_YEAR}", cookie)
    assert status == 200 and "PME liées" in staff_actors
    # staff may preview the public version of a public kind, not of a map placing firms
    status, body, _ = _get(f"{route}?kind=firms&public=1", cookie)
    assert status == 400 and "no public version" in body
    status, _, _ = _get(f"{route}?kind=firms", "session=forged")
    assert status == 403


# ---------------------------------------------------------------------------
# Carte: the page
# ---------------------------------------------------------------------------

def _n_territories(reg, level: str) -> int:  # type: ignore[no-untyped-def]
    """Territories of ``level`` in the registry's geography: the public choropleth's rows
    (the gate lists every territory, with firms or without)."""
    terr = reg.territories(level)
    drawn = terr[terr.geometry.notna() & ~terr.geometry.is_empty]
    return int(drawn["code"].astype(str).nunique())


def _frame_src(page) -> str:  # type: ignore[no-untyped-def]
    return page.driver.find_element("id", "map-frame").get_attribute("src")


def _wait_src(page, *parts: str) -> str:  # type: ignore[no-untyped-def]
    wait_for(page.driver, lambda _: all(p in _frame_src(page) for p in parts),
             f"the map frame's address to hold {parts}", seen=lambda: _frame_src(page))
    return _frame_src(page)


def _in_frame(page, script: str, ready: str):  # type: ignore[no-untyped-def]
    """Run ``script`` inside the map frame once ``ready`` (a JS expression) holds."""
    driver = page.driver
    driver.switch_to.frame(driver.find_element("id", "map-frame"))
    try:
        wait_for(driver, lambda d: d.execute_script(
            f"return document.readyState === 'complete' && ({ready})"),
            f"the map frame loaded and {ready}")
        return driver.execute_script(script)
    finally:
        driver.switch_to.default_content()


_COUNT = "return [document.querySelectorAll('path.leaflet-interactive').length, " \
         "document.querySelectorAll('.leaflet-marker-icon').length, " \
         "Array.from(document.querySelectorAll('.maps-legend .row')).map(r => r.textContent), " \
         "document.querySelector('.maps-title').textContent]"


def test_map_page_controls(page, dash_registry) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    reg = dash_registry
    page.open("/carte")
    page.wait("#map-frame")
    # public default: the choropleth of the EPCI, one interactive polygon per EPCI
    src = _frame_src(page)
    assert "kind=choropleth" in src and "public=1" in src
    n_epci = _n_territories(reg, "epci")
    paths, _, legend, title = _in_frame(page, _COUNT, "document.querySelectorAll("
                                        "'path.leaflet-interactive').length > 0")
    assert paths == n_epci
    assert "Données synthétiques" in title
    # the public kind list: no firm map offered
    page.driver.find_element(By.ID, "map-kind").click()
    page.wait(".dash-options-list-option")  # the list is open
    options = page.text(".dash-options-list-option")
    page.driver.find_element(By.CSS_SELECTOR, ".dash-dropdown-search").send_keys(Keys.ESCAPE)
    assert "Acteurs" in options and "PME" not in options and "combinée" not in options

    # level, indicator, scheme, classes
    page.select("map-level", "Département")
    _wait_src(page, "level=departement")
    page.select("map-indicator", "PME actives")
    _wait_src(page, "indicator=n_firms")
    page.select("map-scheme", "Seuils naturels")
    _wait_src(page, "scheme=natural_breaks")
    page.select("map-classes", "3")
    _wait_src(page, "classes=3", "indicator=n_firms", "level=departement")
    page.wait("#map-status .map-built")
    paths, _, legend, _ = _in_frame(page, _COUNT, "document.querySelectorAll("
                                    "'path.leaflet-interactive').length > 0")
    assert paths == _n_territories(reg, "departement")
    assert len(legend) == 3, legend  # 3 classes, no département under 3 firms

    # year, then the actors map: one marker per active actor of that year
    page.select("map-year", "2024")
    _wait_src(page, "year=2024")
    page.select("map-kind", "Acteurs")
    _wait_src(page, "kind=actors", "year=2024")
    n_actors = len(_active_actors(reg.actors(), 2024))
    _, markers, _, title = _in_frame(page, _COUNT, "document.querySelectorAll("
                                     "'.leaflet-marker-icon').length > 0")
    assert markers == n_actors and "Année 2024" in title
    # the choropleth controls do not apply to the actors map
    assert "disabled" in page.driver.find_element(By.ID, "map-indicator").get_attribute(
        "outerHTML")

    # coverage: threshold d with the slider's keyboard, and one more category
    page.select("map-kind", "Couverture")
    _wait_src(page, "kind=coverage")
    thumb = page.driver.find_element(By.CSS_SELECTOR, "#map-distance [role=slider]")
    thumb.send_keys(Keys.ARROW_RIGHT)
    thumb.send_keys(Keys.ARROW_RIGHT)
    _wait_src(page, "distance_km=40")
    page.select("map-categories", "Chambre de métiers")
    src = _wait_src(page, "categories=")
    cats = urllib.parse.parse_qs(urllib.parse.urlparse(src).query)["categories"][0].split(",")
    assert "cma" in cats and "cci" in cats
    paths, _, legend, _ = _in_frame(page, _COUNT, "document.querySelectorAll("
                                    "'path.leaflet-interactive').length > 0")
    assert paths >= 2 and any("40 km" in row for row in legend)
    # the download link is the same map
    href = page.driver.find_element(By.ID, "map-download").get_attribute("href")
    assert "download=1" in href and "distance_km=40" in href
    page.no_xss()


def test_map_page_staff(page) -> None:  # type: ignore[no-untyped-def]
    """Signed in, the firm maps are offered and the frame shows the SMEs."""
    page.sign_in()
    page.open("/carte")
    page.wait("#map-frame")
    assert "kind=combined" in _frame_src(page) and "public=0" in _frame_src(page)
    page.select("map-kind", "PME par stade")
    _wait_src(page, "kind=firms")
    labels = _in_frame(page, "return Array.from(document.querySelectorAll("
                       "'.leaflet-control-layers-overlays label')).map(l => l.textContent)",
                       "document.querySelectorAll('.leaflet-control-layers-overlays label')"
                       ".length > 0")
    assert any("PME non accompagnées" in text for text in labels)
    # the public version of a map placing firms does not exist: the page says so
    page.driver.find_element("css selector", "#map-public input").click()
    page.wait("#map-status", text="no public version")
    assert "public=1" not in _frame_src(page)
    # that of the choropleth is the visitors' map
    page.select("map-kind", "Indicateur par territoire")
    _wait_src(page, "kind=choropleth", "public=1")
    paths = _in_frame(page, "return document.querySelectorAll('path.leaflet-interactive')"
                      ".length", "document.querySelectorAll('path.leaflet-interactive')"
                      ".length > 0")
    assert paths == _n_territories(page.server.data.registry, "epci")
    page.sign_out()


# ---------------------------------------------------------------------------
# Réseau
# ---------------------------------------------------------------------------

_CY = "var cy = document.getElementById('network-graph')._cyreg.cy;"


def _cy(page, expr: str):  # type: ignore[no-untyped-def]
    return page.driver.execute_script(_CY + f"return {expr};")


def _wait_graph(page, n_nodes: int, n_edges: int | None = None) -> None:  # type: ignore[no-untyped-def]
    def shown(d):  # type: ignore[no-untyped-def]
        return d.execute_script("var e = document.getElementById('network-graph');"
                                "if (!e || !e._cyreg) return null;"
                                "return [e._cyreg.cy.nodes().length, "
                                "e._cyreg.cy.edges('.tie').length];")

    def ok(d):  # type: ignore[no-untyped-def]
        got = shown(d)
        return got is not None and got[0] == n_nodes and (n_edges is None or got[1] == n_edges)

    wait_for(page.driver, ok, f"the graph to show {n_nodes} nodes and {n_edges} edges",
             seen=lambda: shown(page.driver))


def _figure(page, fid: str) -> int:  # type: ignore[no-untyped-def]
    text = page.wait(f"#{fid} .kf-value").text
    return int(re.sub(r"\D", "", text))


def _click_node(page, node_id: str) -> None:  # type: ignore[no-untyped-def]
    """Click, like a user, at the node's rendered position on the canvas."""
    from selenium.webdriver.common.action_chains import ActionChains

    _cy(page, f"cy.center(cy.$id({node_id!r})) && null")
    x, y, w, h = _cy(page, f"""(function () {{
        var p = cy.$id({node_id!r}).renderedPosition(); var c = cy.container();
        return [p.x, p.y, c.clientWidth, c.clientHeight]; }})()""")
    el = page.driver.find_element("id", "network-graph")
    ActionChains(page.driver).move_to_element_with_offset(
        el, int(x - w / 2), int(y - h / 2)).click().perform()


def test_network_page(page, dash_registry, reference) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    graph, actors = reference
    page.open("/reseau")
    _wait_graph(page, graph.number_of_nodes(), graph.number_of_edges())
    isolates = set(nx.isolates(graph))
    assert set(_cy(page, "cy.nodes('.isolated').map(n => n.id())")) == isolates
    assert _figure(page, "network-n-actors") == graph.number_of_nodes()
    assert _figure(page, "network-n-ties") == graph.number_of_edges()
    assert _figure(page, "network-n-isolated") == len(isolates)
    assert _figure(page, "network-n-components") == nx.number_connected_components(graph)
    n_rec = _cy(page, "cy.edges('.recommended').length")
    assert 0 < n_rec <= 10 and _figure(page, "network-n-recommended") == n_rec
    # dash-cytoscape's scripts come from the dashboard itself: nothing from elsewhere
    assert page.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(arguments[0]))", page.server.url) == []
    # nodes sit at their geographic place: east is right, north is up
    pos = dict(zip(*_cy(page, "[cy.nodes().map(n => n.id()), "
                              "cy.nodes().map(n => [n.position('x'), n.position('y')])]"),
                   strict=True))
    xy = actors.geometry.to_crs(2154)
    west, east = xy.x.idxmin(), xy.x.idxmax()
    south, north = xy.y.idxmin(), xy.y.idxmax()
    assert pos[west][0] < pos[east][0] and pos[north][1] < pos[south][1]

    # a real click on the best-connected actor opens its card with its degree
    hub = max(graph.nodes, key=lambda v: (graph.degree(v), v))
    _click_node(page, hub)

    def one_selected(_):  # type: ignore[no-untyped-def]
        ids = _cy(page, "cy.$('node:selected').map(n => n.id())")
        if not ids:  # the click landed while the graph was still being drawn: again
            _click_node(page, hub)
        return ids if len(ids) == 1 else False

    selected = wait_for(page.driver, one_selected, "one node selected by a click on the hub",
                        seen=lambda: _cy(page, "cy.$('node:selected').map(n => n.id())"))
    chosen = selected[0]
    page.wait("#network-card-name", text=str(actors.at[chosen, "name"])[:20])
    assert page.text("#nc-degree") == str(graph.degree(chosen))
    partners = page.driver.find_elements(By.CSS_SELECTOR, "#network-partners li")
    assert len(partners) == graph.degree(chosen)
    # the hostile actor: its name is text in the card, never markup
    hostile = actors.index[actors["name"].eq(DASH_ACTOR_NAME)][0]
    _click_node(page, hostile)
    if _cy(page, "cy.$('node:selected').map(n => n.id())") != [hostile]:
        _cy(page, f"cy.$id({hostile!r}).emit('tap') && null")  # hidden under another node
    page.wait("#network-card-name", text=DASH_ACTOR_NAME)
    assert page.text("#nc-degree") == str(graph.degree(hostile))
    assert not page.driver.find_elements(By.CSS_SELECTOR, "#network-card img")
    page.no_xss()

    # colour modes, layout, recommended ties
    before = _cy(page, "cy.nodes().map(n => n.data('colour'))")
    page.driver.find_element(By.CSS_SELECTOR, "#network-colour input[value=community]").click()
    page.wait("#network-legend", text="Communauté n° 1")
    assert _cy(page, "cy.nodes().map(n => n.data('colour'))") != before
    page.driver.find_element(By.CSS_SELECTOR, "#network-colour input[value=component]").click()
    page.wait("#network-legend", text="Composante principale")
    first = _cy(page, "cy.nodes()[0].position()")
    page.driver.find_element(By.CSS_SELECTOR, "#network-layout input[value=force]").click()
    wait_for(page.driver, lambda _: _cy(page, "cy.nodes()[0].position()") != first,
             "the force layout to move the nodes")
    page.select("network-top", "5")
    wait_for(page.driver, lambda _: _cy(page, "cy.edges('.recommended').length") <= 5,
             "at most 5 recommended ties drawn")
    page.driver.find_element(By.CSS_SELECTOR, "#network-recommended input").click()
    wait_for(page.driver, lambda _: _cy(page, "cy.edges('.recommended').length") == 0,
             "no recommended tie drawn")

    # territory filter: the actors of the département and their direct partners
    dep = actors["departement"].astype(str).value_counts().index[0]
    inside = set(actors.index[actors["departement"].astype(str).eq(dep)])
    keep = set(inside)
    for v in inside:
        keep.update(graph.neighbors(v))
    page.select("network-territory", f"({dep})")
    sub = graph.subgraph(keep)
    _wait_graph(page, sub.number_of_nodes(), sub.number_of_edges())
    assert set(_cy(page, "cy.nodes().map(n => n.id())")) == keep
    assert _figure(page, "network-n-isolated") == len(list(nx.isolates(sub)))
    # and one category among them
    page.select("network-categories", "CCI (service international)")
    cci = {v for v in keep if actors.at[v, "category"] == "cci"}
    sub = graph.subgraph(cci)
    _wait_graph(page, sub.number_of_nodes(), sub.number_of_edges())
    assert _figure(page, "network-n-ties") == sub.number_of_edges()
    # another year, same filters
    page.select("network-year", "2023")
    g23, a23 = _reference_graph(dash_registry, 2023)
    keep23 = set(a23.index[a23["departement"].astype(str).eq(dep)])
    for v in list(keep23):
        keep23.update(g23.neighbors(v))
    sub = g23.subgraph({v for v in keep23 if a23.at[v, "category"] == "cci"})
    _wait_graph(page, sub.number_of_nodes(), sub.number_of_edges())
    page.no_xss()
