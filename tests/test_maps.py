"""Maps: offline, escape-safe, light pages that render in a real (headless) browser."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

import maps
from ecosystem.demo import build_demo
from ecosystem.registry import Registry

ALERT_NAME = "<img src=x onerror=alert(1)>"
FLAG_NAME = "<img src=x onerror=window.__xss=1>"
TEMPLATE_NAME = "`${window.__xss=2}` </script><script>window.__xss=3</script>"
HIDDEN_NAME = "Secret Non Diffusible SARL"
YEAR = 2025


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """The demo with 800 firms, one actor and two firms renamed to hostile strings,
    and one non-diffusible firm given a recognisable name."""
    path = tmp_path_factory.mktemp("maps") / "demo.gpkg"
    reg = build_demo(path, seed=1, n_firms=800)
    actors = reg.actors()
    active = set(reg.actors(YEAR)["id"])
    first = actors.index[actors["id"].isin(active)][0]
    actors.loc[first, "name"] = ALERT_NAME
    second = actors.index[actors["id"].isin(active)][1]
    actors.loc[second, "name"] = TEMPLATE_NAME
    firms = reg.firms()
    now = firms["year"].eq(YEAR)
    shown = firms.index[now & firms["diffusible"].astype(bool)]
    hidden = firms.index[now & ~firms["diffusible"].astype(bool)]
    assert len(hidden), "the demo should hold non-diffusible firms"
    firms.loc[firms["firm_id"].eq(firms.loc[shown[0], "firm_id"]), "name"] = FLAG_NAME
    firms.loc[firms["firm_id"].eq(firms.loc[hidden[0], "firm_id"]), "name"] = HIDDEN_NAME
    reg.write_layers({"actors": actors, "firms": firms})
    return reg


@pytest.fixture(scope="module")
def pages(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pages")
    built = {}
    for kind in maps.KINDS:
        built[kind] = maps.save_map(maps.build_map(registry, YEAR, kind), out / f"{kind}.html")
    built["hex"] = maps.save_map(maps.build_map(registry, YEAR, "firms", firms_mode="hex"),
                                 out / "hex.html")
    return built


# ---------------------------------------------------------------------------
# the HTML itself
# ---------------------------------------------------------------------------

def test_esc_and_safe_json() -> None:
    assert maps.esc(ALERT_NAME) == html.escape(ALERT_NAME)
    text = maps.safe_json({"n": TEMPLATE_NAME})
    assert "<" not in text and ">" not in text
    assert json.loads(text) == {"n": TEMPLATE_NAME}


def test_pages_are_offline(pages: dict[str, Path]) -> None:
    for kind, path in pages.items():
        page = path.read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in page and "cdnjs" not in page, kind
        assert "<script src=" not in page.replace(" ", ""), kind
        assert "L.tileLayer" not in page, kind  # no basemap tiles by default
        assert "sourceMappingURL" not in page, kind


def test_hostile_names_never_raw(pages: dict[str, Path]) -> None:
    for kind, path in pages.items():
        page = path.read_text(encoding="utf-8")
        for name in (ALERT_NAME, FLAG_NAME, TEMPLATE_NAME):
            assert name not in page, (kind, name)
        assert "</script><script>window.__xss" not in page, kind


def test_non_diffusible_name_never_shown(registry: Registry, pages: dict[str, Path]) -> None:
    for kind, path in pages.items():
        assert HIDDEN_NAME not in path.read_text(encoding="utf-8"), kind


def test_non_diffusible_firm_not_at_its_place(registry: Registry, pages: dict[str, Path]) -> None:
    firms = registry.firms(YEAR)
    hidden = firms[firms["name"].eq(HIDDEN_NAME)].to_crs(4326)
    x, y = round(hidden.geometry.x.iloc[0], 5), round(hidden.geometry.y.iloc[0], 5)
    page = pages["firms"].read_text(encoding="utf-8")
    assert f"[{y},{x}," not in page


def test_synthetic_notice_title_year(pages: dict[str, Path]) -> None:
    page = pages["combined"].read_text(encoding="utf-8")
    assert "Données synthétiques" in page
    assert f"Année {YEAR}" in page and "Source : registre demo.gpkg" in page


def test_choropleth_options(registry: Registry) -> None:
    for level in maps.LEVELS:
        for scheme in maps.SCHEMES:
            page = maps.to_html(maps.build_map(registry, YEAR, "choropleth", level=level,
                                               scheme=scheme, indicator="n_firms"))
            # French title: a count has no unit (the catalogue's English unit is not shown)
            assert f"<h2>PME actives · {level}, " in page and "(firms)" not in page
    # a share: its unit in the title, classes in percent, French typography
    page = maps.to_html(maps.build_map(registry, YEAR, "choropleth", level="departement",
                                       indicator="unserved_share"))
    assert "<h2>Part de PME non accompagnées (%) · departement, " in page
    assert re.search(r"<span>\d+,\d\u202f% – \d+,\d\u202f%</span>", page)
    with pytest.raises(ValueError, match="unknown map kind"):
        maps.build_map(registry, YEAR, "heatmap")
    with pytest.raises(ValueError, match="unknown level"):
        maps.build_map(registry, YEAR, "choropleth", level="canton")


def test_combined_is_light(pages: dict[str, Path]) -> None:
    assert pages["combined"].stat().st_size < 5_000_000


# ---------------------------------------------------------------------------
# in a real browser, network blocked
# ---------------------------------------------------------------------------

@pytest.fixture
def browser(chrome):  # type: ignore[no-untyped-def]
    """The session's headless Chromium (``tests/conftest.py``): every host but
    loopback unresolvable, so a page that fetched anything remote would fail. Its
    console log is emptied first: what earlier tests' pages logged is not the maps'."""
    chrome.get("about:blank")
    chrome.get_log("browser")  # reading the log clears it
    return chrome


def _open(driver, path: Path) -> None:
    driver.get(path.as_uri())
    driver.execute_script("return 1")  # raises if an alert opened while loading


def _count(driver, selector: str) -> int:
    return int(driver.execute_script(
        "return document.querySelectorAll(arguments[0]).length", selector))


def _no_alert_no_flag(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert driver.execute_script("return window.__xss === undefined")
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


_MAP_JS = """
    var map = null;
    for (var k in window) {
      if (k.startsWith('map_') && window[k] instanceof L.Map) { map = window[k]; }
    }
"""


def _click_one(driver, selector: str) -> None:
    """Click, like a user, the first element of ``selector`` not hidden under another."""
    from selenium.common.exceptions import WebDriverException

    for el in driver.find_elements("css selector", selector)[:200]:
        try:
            el.click()
            return
        except WebDriverException:
            continue
    pytest.fail(f"no clickable {selector}")


def _remote_requests(driver) -> list[str]:
    return driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith('file:') && !n.startsWith('data:'))")


def test_actors_map_renders_and_escapes(browser, pages: dict[str, Path],
                                        registry: Registry) -> None:
    _open(browser, pages["actors"])
    n_actors = len(registry.actors(YEAR))
    assert _count(browser, ".leaflet-marker-icon") == n_actors
    assert _count(browser, ".maps-legend h2") >= 1
    assert _count(browser, ".leaflet-control-layers-overlays input") >= 2
    # a real click opens a popup
    _click_one(browser, ".maps-actor")
    assert _count(browser, ".leaflet-popup-content") == 1
    # find the hostile actor's popup: its name shows as text
    texts = browser.execute_script(_MAP_JS + """
        var out = [];
        map.eachLayer(function (l) {
          if (l instanceof L.Marker && l.getPopup()) {
            l.openPopup();
            out.push(l.getPopup().getElement().querySelector('.leaflet-popup-content')
              .textContent);
          }
        });
        return out;""")
    assert any(ALERT_NAME in t for t in texts)
    assert any(TEMPLATE_NAME in t for t in texts)
    assert _count(browser, ".leaflet-popup-content img") == 0
    _no_alert_no_flag(browser)
    assert _remote_requests(browser) == []


def test_firms_map_clusters_and_popup(browser, pages: dict[str, Path]) -> None:
    _open(browser, pages["firms"])
    assert _count(browser, ".marker-cluster") + _count(browser, ".maps-dot") > 0
    assert _count(browser, "path.leaflet-interactive") > 0  # unserved firms
    assert _count(browser, ".maps-legend h2") >= 2
    # open every firm popup: the hostile firm name is text, never markup
    texts = browser.execute_script(_MAP_JS + """
        var out = [];
        map.eachLayer(function (l) {
          if (l instanceof L.Marker && l.getPopup && l.getPopup()) {
            var c = l.getPopup().getContent();
            if (typeof c === 'function') { c = c(l); }
            out.push(c.textContent);
          }
          if (l.getAllChildMarkers) {
            l.getAllChildMarkers().forEach(function (m) {
              var c = m.getPopup().getContent();
              if (typeof c === 'function') { c = c(m); }
              out.push(c.textContent);
            });
          }
        });
        return out;""")
    assert any(FLAG_NAME in t for t in texts)
    assert not any(HIDDEN_NAME in t for t in texts)
    assert any("PME (non diffusible)" in t for t in texts)
    _click_one(browser, "path.leaflet-interactive")
    assert _count(browser, ".leaflet-popup-content") == 1
    _no_alert_no_flag(browser)
    assert _remote_requests(browser) == []


@pytest.mark.parametrize("kind,min_paths", [("coverage", 1), ("choropleth", 5),
                                            ("infrastructure", 5), ("network", 10),
                                            ("hex", 5)])
def test_polygon_maps_render(browser, pages: dict[str, Path], kind: str,
                             min_paths: int) -> None:
    _open(browser, pages[kind])
    assert _count(browser, "path.leaflet-interactive") >= min_paths
    assert _count(browser, ".maps-legend .row") >= 1
    _click_one(browser, "path.leaflet-interactive")
    assert _count(browser, ".leaflet-popup-content") == 1
    _no_alert_no_flag(browser)


def test_combined_map(browser, pages: dict[str, Path]) -> None:
    _open(browser, pages["combined"])
    assert "Données synthétiques" in browser.find_element("css selector", ".maps-title").text
    assert _count(browser, ".leaflet-marker-icon") > 0
    assert _count(browser, "path.leaflet-interactive") > 0
    labels = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(l => l.textContent)")
    for part in ("Couverture", "Infrastructures", "Réseau", "PME", "Acteurs"):
        assert any(part in text for text in labels), part
    # toggling a hidden layer on adds its paths
    before = _count(browser, "path.leaflet-interactive")
    browser.execute_script("""
        document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(function (l) {
          if (l.textContent.indexOf('Infrastructures') >= 0) { l.querySelector('input').click(); }
        });""")
    assert _count(browser, "path.leaflet-interactive") > before
    _no_alert_no_flag(browser)
    assert _remote_requests(browser) == []


def test_catchment_polygons_are_the_nearest_actor_areas() -> None:
    """Each random firm falls in the cell of its nearest actor of the category (brute force)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from maps.build import catchment_polygons

    rng = np.random.default_rng(3)
    ax, ay = rng.uniform(0, 100_000, 12), rng.uniform(0, 100_000, 12)
    actors = gpd.GeoDataFrame(
        {"id": [f"a{i:02d}" for i in range(12)], "name": [f"A{i}" for i in range(12)],
         "category": ["cci"] * 6 + ["cce"] * 6},
        geometry=gpd.points_from_xy(ax, ay), crs=2154)
    extent = shapely.box(0, 0, 100_000, 100_000)
    cells = catchment_polygons(actors, extent)
    assert len(cells) == 12
    fx, fy = rng.uniform(0, 100_000, 300), rng.uniform(0, 100_000, 300)
    for cat, idx in (("cci", range(0, 6)), ("cce", range(6, 12))):
        part = cells[cells["category"] == cat]
        assert abs(part.area.sum() - extent.area) < 1.0  # the cells tile the extent
        for x, y in zip(fx, fy, strict=True):
            best = min(idx, key=lambda i: (ax[i] - x) ** 2 + (ay[i] - y) ** 2)
            hit = part[part.contains(shapely.Point(x, y))]
            assert list(hit["ids"]) == [f"a{best:02d}"]


def test_public_choropleth_hides_cells_with_fewer_than_3_firms(tmp_path) -> None:
    """Commune-level unserved share: every commune with 1 or 2 firms prints 's', counted by hand."""
    import re

    from ecosystem import Registry
    from ecosystem.cli import main as cli
    from ecosystem.indicators import compute_indicators
    from maps import build_map, save_map

    path = tmp_path / "d.gpkg"
    assert cli(["demo", "--out", str(path), "--firms", "600"]) == 0
    reg = Registry(path)
    firms = reg.firms(2025)
    per_commune = firms.groupby("commune").size()
    small = int((per_commune < 3).sum())
    assert small > 0
    html = save_map(build_map(reg, 2025, "choropleth", indicator="unserved_share",
                              level="commune", public=True), tmp_path / "p.html").read_text()
    assert len(re.findall(r"s \(secret statistique\)", html)) == small
    assert "secret statistique (moins de 3 entreprises)" in html
    table = compute_indicators(reg, "commune", 2025)
    hidden = table[(table["n_firms"] > 0) & (table["n_firms"] < 3)]
    assert len(hidden) == small
    private = save_map(build_map(reg, 2025, "choropleth", indicator="unserved_share",
                                 level="commune"), tmp_path / "q.html").read_text()
    assert "secret statistique" not in private


def _popups(m) -> list[str]:  # type: ignore[no-untyped-def]
    """Popup HTML of every feature of the map's data layers (decoded from their JSON)."""
    from maps.elements import DataLayer

    out, stack = [], [m]
    while stack:
        el = stack.pop()
        if isinstance(el, DataLayer):
            payload = json.loads(el.payload)
            out += [f["properties"].get("p", "") for f in payload["fc"]["features"]]
        stack.extend(el._children.values())
    return out


def test_public_actor_popups_hide_small_firm_counts(registry: Registry) -> None:
    """On a public map, an actor popup's count of linked SMEs of 1 or 2 (counted here from
    the relations layer) prints 's'; the staff map prints the number."""
    import pandas as pd

    rel = registry.relations(YEAR)
    ends = pd.concat([
        rel.loc[rel["source_type"].eq("actor") & rel["target_type"].ne("actor"), "source"],
        rel.loc[rel["target_type"].eq("actor") & rel["source_type"].ne("actor"), "target"],
    ]).astype(str).value_counts()
    small = ends[(ends >= 1) & (ends <= 2)]
    assert len(small), "the test registry has actors with 1-2 linked SMEs"
    names = registry.actors(YEAR).set_index("id")["name"].astype(str)
    staff = _popups(maps.build_map(registry, YEAR, "actors"))
    public = _popups(maps.build_map(registry, YEAR, "actors", public=True))
    for aid, n in small.items():
        title = f"<b>{html.escape(names[aid])}</b>"
        for popups, shown in ((public, "s"), (staff, str(n))):
            mine = [p for p in popups if title in p]
            assert len(mine) == 1, aid
            assert re.search(f"PME liées : {shown}(<br>|</div>)", mine[0]), (aid, mine[0])
