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
    built["public"] = maps.save_map(maps.build_map(registry, YEAR, "choropleth", level="epci",
                                                   indicator="n_firms", public=True),
                                    out / "public.html")
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


def test_public_choropleth_in_browser(browser, pages: dict[str, Path],
                                      registry: Registry) -> None:
    """The public map: one polygon per EPCI of the geography, the suppressed ones
    hatched (dashed) and their popups « s (secret statistique) » once opened."""
    _open(browser, pages["public"])
    n_epci = registry.territories("epci")["code"].nunique()
    assert _count(browser, "path.leaflet-interactive") == n_epci
    assert _count(browser, "path.leaflet-interactive[stroke-dasharray]") > 0
    texts = browser.execute_script(_MAP_JS + """
        var out = [];
        map.eachLayer(function (l) {
          if (l.feature && l.getPopup && l.getPopup()) {
            l.openPopup();
            var el = l.getPopup().getElement();
            out.push([l.options.dashArray || '', el.querySelector('.leaflet-popup-content')
              .textContent]);
          }
        });
        return out;""")
    assert len(texts) == n_epci
    for dash, text in texts:
        assert ("s (secret statistique)" in text) == bool(dash), (dash, text)
    _no_alert_no_flag(browser)
    assert _remote_requests(browser) == []


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


# ---------------------------------------------------------------------------
# public maps: the publication gate's table, nothing else
# ---------------------------------------------------------------------------

_POPUP_PROP = re.compile(r'"p"\s*:\s*("(?:[^"\\]|\\.)*")')
_CODE_VALUE = re.compile(r"Code : ([^<]+)<br>([^<]+) : ([^<]+)(?:<|$)")


def _page_popups(page: str) -> list[str]:
    """The popup of every feature embedded in a map page (its ``p`` property), as text."""
    return [html.unescape(json.loads(m.group(1))) for m in _POPUP_PROP.finditer(page)]


def _choropleth_cells(page: str) -> dict[str, str]:
    """Territory code -> value text of every choropleth popup of a map page."""
    out = {}
    for popup in _page_popups(page):
        hit = _CODE_VALUE.search(popup)
        if hit:
            out[hit.group(1).strip()] = hit.group(3).strip()
    return out


def _number(text: str) -> float:
    """A number as the popups print it in French (narrow spaces, decimal comma, %)."""
    return float(text.replace("\u202f", "").replace("%", "").replace(",", ".")
                 .replace("\u2212", "-"))


@pytest.fixture(scope="module")
def public_files(registry: Registry, tmp_path_factory: pytest.TempPathFactory
                 ) -> dict[str, Path]:
    """``ecosystem indicators --public`` (CSV) and ``ecosystem map --public`` of two
    indicators at two levels, written by the command line."""
    from ecosystem.cli import main

    out = tmp_path_factory.mktemp("public")
    files: dict[str, Path] = {}
    for level in ("commune", "epci"):
        csv = out / f"{level}.csv"
        assert main(["indicators", "--registry", str(registry.path), "--level", level,
                     "--year", str(YEAR), "--public", "--out", str(csv)]) == 0
        files[level] = csv
        for indicator in ("n_firms", "unserved_share"):
            page = out / f"{level}_{indicator}.html"
            assert main(["map", "--registry", str(registry.path), "--kind", "choropleth",
                         "--level", level, "--indicator", indicator, "--year", str(YEAR),
                         "--public", "--out", str(page)]) == 0
            files[f"{level}_{indicator}"] = page
    return files


def _public_csv(path: Path):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig").set_index("code")


@pytest.mark.parametrize("level", ["commune", "epci"])
@pytest.mark.parametrize("indicator", ["n_firms", "unserved_share"])
def test_public_choropleth_is_the_public_table(public_files: dict[str, Path],
                                               registry: Registry, level: str,
                                               indicator: str) -> None:
    """Every territory of the level is drawn; a popup prints « s (secret statistique) »
    exactly where ``ecosystem indicators --public`` writes « s », and elsewhere the
    CSV's value; every territory of 1 or 2 firms (counted here with pandas) is « s »."""
    table = _public_csv(public_files[level])
    page = public_files[f"{level}_{indicator}"].read_text(encoding="utf-8")
    cells = _choropleth_cells(page)
    terr = registry.territories(level)
    drawn = terr[terr.geometry.notna() & ~terr.geometry.is_empty]
    assert set(cells) == set(drawn["code"].astype(str)) <= set(table.index)
    secret = {c for c, v in cells.items() if v == "s (secret statistique)"}
    assert secret == {c for c in cells if table.at[c, indicator] == "s"}
    assert secret, "the test registry has suppressed cells"
    for code, text in cells.items():
        if code in secret:
            continue
        value = table.at[code, indicator]
        if value == "":
            assert text == "–", (code, text)
        elif indicator == "n_firms":
            assert _number(text) == int(value), (code, text, value)
        else:  # a share printed in percent with one decimal
            assert abs(_number(text) - 100 * float(value.replace(",", "."))) <= 0.05 + 1e-9
    firms = registry.firms(YEAR)
    per = firms.groupby(firms[level].astype(str)).size()
    small = set(per.index[(per >= 1) & (per <= 2)])
    assert small
    # a share whose numerator is 0 (no unserved firm) is 0 of any number of firms: shown
    assert all(indicator != "n_firms" and _number(cells[c]) == 0
               for c in small - secret if c in cells), small - secret
    if secret:
        assert "s : secret statistique (moins de 3 entreprises, ou valeur masquée" in page


def test_public_map_has_no_firm_count_the_table_suppresses(public_files: dict[str, Path]
                                                           ) -> None:
    """No popup of the public firm-count map shows a number where the public CSV has
    « s » (the pages are read as a visitor would: the embedded data)."""
    table = _public_csv(public_files["epci"])
    page = public_files["epci_n_firms"].read_text(encoding="utf-8")
    for popup in _page_popups(page):
        hit = _CODE_VALUE.search(popup)
        assert hit, popup  # every feature of the page is a territory of the table
        code, text = hit.group(1).strip(), hit.group(3).strip()
        if table.at[code, "n_firms"] == "s":
            assert text == "s (secret statistique)", (code, text)


def test_staff_choropleth_is_the_staff_table(registry: Registry) -> None:
    """Without ``public``, the choropleth prints the staff table, without « s »."""
    from ecosystem.indicators import compute_indicators

    page = maps.to_html(maps.build_map(registry, YEAR, "choropleth", indicator="n_firms",
                                       level="epci"))
    assert "secret statistique" not in page
    cells = _choropleth_cells(page)
    firms = registry.firms(YEAR)
    per = firms.groupby(firms["epci"].astype(str)).size()
    staff = compute_indicators(registry, "epci", YEAR).set_index("code")
    assert set(cells) == set(staff.index)
    for code, text in cells.items():
        assert _number(text) == per.get(code, 0), code


def test_public_map_needs_the_gate_table(registry: Registry) -> None:
    """A public map refuses a table that is not the gate's, and the kinds that place
    firms; the command line says so."""
    from ecosystem.cli import main
    from ecosystem.indicators import compute_indicators

    staff = compute_indicators(registry, "epci", YEAR, with_geometry=True)
    with pytest.raises(ValueError, match="public_indicators"):
        maps.build_map(registry, YEAR, "choropleth", level="epci", public=True,
                       indicator_table=staff)
    for kind in ("firms", "combined"):
        with pytest.raises(ValueError, match="no public version"):
            maps.build_map(registry, YEAR, kind, public=True)
    assert main(["map", "--registry", str(registry.path), "--kind", "combined", "--public",
                 "--out", "/nonexistent/never.html"]) == 2


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


def test_actor_firm_counts_on_staff_maps_only(registry: Registry) -> None:
    """An actor's firm counts (linked SMEs, catchment, load) are not tables of the
    publication gate: the public map shows none of them; the staff map shows the linked
    SMEs counted here from the relations layer."""
    import pandas as pd

    rel = registry.relations(YEAR)
    ends = pd.concat([
        rel.loc[rel["source_type"].eq("actor") & rel["target_type"].ne("actor"), "source"],
        rel.loc[rel["target_type"].eq("actor") & rel["source_type"].ne("actor"), "target"],
    ]).astype(str).value_counts()
    names = registry.actors(YEAR).set_index("id")["name"].astype(str)
    def actor_popups(m) -> list[str]:  # type: ignore[no-untyped-def]
        return [p for p in _popups(m) if "Catégorie : " in p]  # not the outlines

    staff = actor_popups(maps.build_map(registry, YEAR, "actors"))
    public = actor_popups(maps.build_map(registry, YEAR, "actors", public=True))
    assert len(public) == len(staff) == len(names)
    for popup in public:
        assert "PME" not in popup and "Charge" not in popup, popup
    assert any("PME du bassin" in p for p in staff)
    unique = names[~names.duplicated(keep=False)]
    assert len(unique) > len(names) / 2
    for aid, name in unique.items():
        mine = [p for p in staff if f"<b>{html.escape(name)}</b>" in p]
        assert len(mine) == 1, aid
        assert re.search(f"PME liées : {int(ends.get(aid, 0))}(<br>|</div>)", mine[0]), \
            (aid, mine[0])
    # the public network map: actors and ties, no firm count either
    for popup in _popups(maps.build_map(registry, YEAR, "network", public=True)):
        assert "PME" not in popup, popup
