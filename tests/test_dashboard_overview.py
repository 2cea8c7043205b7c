"""Vue d'ensemble and Territoires pages in a real browser: every control used once,
the figures shown checked against the CLI's ``ecosystem indicators`` file, the
statistical secret in the public view, the CSV download, English labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosystem.cli import main
from tests.conftest import DASH_YEAR, wait_download, wait_for

CMP_YEAR = DASH_YEAR - 1


def fr(x: float, decimals: int) -> str:
    """A number as the pages print it in French (narrow no-break space between thousands,
    decimal comma, minus sign U+2212 unless it rounds to zero); « s » for a value the
    public CLI table suppressed (read as +inf, see ``_public``), « – » for no value."""
    if x == np.inf:
        return "s"
    if pd.isna(x):
        return "–"
    text = f"{abs(x):,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return ("\u2212" if x < 0 and text.strip("0,\u202f") else "") + text


def signed(x: float, decimals: int) -> str:
    if x == np.inf:
        return "s"
    r = round(x, decimals)
    return ("+" if r > 0 else "") + fr(r, decimals)


def _cli(registry, tmp: Path, level: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    out = tmp / f"{level}.csv"
    code = main(["indicators", "--registry", str(registry.path), "--level", level,
                 "--year", str(DASH_YEAR), "--compare-year", str(CMP_YEAR), "--out", str(out)])
    assert code == 0
    return pd.read_csv(out, sep=";", decimal=",", dtype={"code": str}, encoding="utf-8-sig")


def _public(registry, tmp: Path, level: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The CLI's public table (``--public``): « s » read as +inf, the rest as numbers."""
    out = tmp / f"{level}_public.csv"
    code = main(["indicators", "--registry", str(registry.path), "--level", level,
                 "--year", str(DASH_YEAR), "--compare-year", str(CMP_YEAR), "--public",
                 "--out", str(out)])
    assert code == 0
    raw = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table = raw.copy()
    for col in raw.columns:
        if col in ("code", "name", "level"):
            continue
        table[col] = raw[col].map(lambda v: np.inf if v == "s" else (
            np.nan if v == "" else float(v.replace(",", ".")) if v not in ("True", "False")
            else float(v == "True")))
    return table


@pytest.fixture(scope="module")
def cli(dash_registry, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The CLI's indicator files (French CSV) for the three levels, and their paths."""
    tmp = tmp_path_factory.mktemp("cli")
    levels = ("departement", "region", "epci")
    return ({lv: _cli(dash_registry, tmp, lv) for lv in levels}
            | {f"{lv}_public": _public(dash_registry, tmp, lv) for lv in levels}
            | {"dir": tmp})


@pytest.fixture(scope="module")
def small_epci(dash_registry):  # type: ignore[no-untyped-def]
    """(code, name) of an EPCI with 1 or 2 firms in the year, counted with plain pandas."""
    firms = dash_registry.firms(DASH_YEAR)
    counts = firms.groupby(firms["epci"].astype(str)).size()
    small = counts[(counts >= 1) & (counts <= 2)].sort_index()
    assert len(small), "the test registry has an EPCI of 1-2 firms"
    code = str(small.index[0])
    names = dash_registry.territories("epci")
    name = str(names.loc[names["code"].astype(str) == code, "name"].iloc[0])
    return code, name, int(small.iloc[0])


def _table_rows(page) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return page.driver.execute_script(
        "return Array.from(document.querySelectorAll('#tr-table tbody tr')).map(tr => "
        "Object.fromEntries(Array.from(tr.querySelectorAll('td[data-dash-column]')).map("
        "td => [td.getAttribute('data-dash-column'), td.innerText.trim()])))"
        ".filter(r => Object.keys(r).length)")


def _plot_data(page, graph_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g.data ? g.data.map(t => ({name: t.name, r: t.r, z: t.z, "
        "locations: t.locations, text: t.text})) : null;")


def _wait_plot(page, graph_id: str, unlike: list[dict] | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    """The traces of the plotly graph ``graph_id`` once drawn (and other than ``unlike``)."""
    def drawn(_):  # type: ignore[no-untyped-def]
        data = _plot_data(page, graph_id)
        return data if data and data != unlike and not page.busy() else None

    return wait_for(page.driver, drawn, f"the graph #{graph_id} drawn"  # type: ignore[no-any-return]
                    + (" with new data" if unlike is not None else ""))


def _kf(page, name: str) -> str:  # type: ignore[no-untyped-def]
    return page.text(f"#ov-kf-{name} .kf-value")


def _wait_kf(page, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the key figure ``name`` reads exactly ``value`` and no callback runs."""
    wait_for(page.driver, lambda _: _kf(page, name) == value and not page.busy(),
             f"the key figure {name} to read {value!r}", seen=lambda: _kf(page, name))


def _largest(table: pd.DataFrame) -> pd.Series:
    """The territory with the most firms published (« s » read as none)."""
    return table.loc[table["n_firms"].replace(np.inf, np.nan).fillna(0).idxmax()]


def test_overview(page, cli, small_epci) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    dep, reg = cli["departement_public"], cli["region_public"]  # the public view
    page.open("/")
    page.wait("#ov-sentence", text="rang")
    # default: the département with the most firms
    top = _largest(dep)
    assert f"({top['code']})" in page.text("#ov-territory")
    ranked = int(dep["imi_rank"].notna().sum())
    assert _kf(page, "n_firms") == fr(top["n_firms"], 0)
    assert _kf(page, "n_exporters") == fr(top["n_exporters"], 0)
    assert _kf(page, "n_actors") == fr(top["n_actors"], 0)
    assert _kf(page, "unserved_share") == fr(100 * top["unserved_share"], 1) + "\u202f%"
    assert _kf(page, "imi") == fr(top["imi"], 1)
    assert _kf(page, "imi_rank") == f"{int(top['imi_rank'])} / {ranked}"
    band = f"{int(top['imi_rank_p05'])}–{int(top['imi_rank_p95'])}"
    assert f"intervalle de rang {band}" in page.text("#ov-kf-imi_rank")
    assert signed(top["imi_change"], 1) in page.text("#ov-kf-imi .kf-change")
    sentence = page.text("#ov-sentence")
    rank = int(top["imi_rank"])
    assert f"au {'1er' if rank == 1 else f'{rank}e'} rang sur {ranked} départements " \
           f"(intervalle de rang {band})" in sentence
    points = signed(top["imi_change"], 1).lstrip("+\u2212")  # the sentence says up or down
    assert f"{points} points depuis {CMP_YEAR}" in sentence
    # cards: value, change, région, median of the other départements of the région
    peers = dep[dep["code"] != top["code"]]
    for name, scale, d in (("iso_density", 1, 1), ("category_coverage", 100, 1),
                           ("airport_km_median", 1, 1)):
        assert page.text(f"#ov-v-{name}") == fr(scale * top[name], d), name
        assert page.text(f"#ov-r-{name}") == fr(scale * reg[name].iloc[0], d), name
        published = peers[name].replace(np.inf, np.nan)  # medians of published values
        assert page.text(f"#ov-p-{name}") == fr(scale * published.median(), d), name
    assert signed(top["iso_density_change"], 1) in page.text("#ov-c-iso_density")
    # the unserved share going up is bad, ISO density going up is good
    for name, direction in (("unserved_share", -1), ("iso_density", 1)):
        x = round(top[f"{name}_change"] * (100 if name == "unserved_share" else 1), 1)
        cls = page.driver.find_element(By.ID, f"ov-c-{name}").get_attribute("class")
        if x:
            assert ("ov-good" if x * direction > 0 else "ov-bad") in cls, (name, x, cls)
    # radar: the territory's five dimension scores
    traces = _wait_plot(page, "ov-radar")
    own = next(t for t in traces if t["name"] == top["name"])
    dims = ["imi_density", "imi_diversity", "imi_dynamism", "imi_governance",
            "imi_accessibility"]
    assert own["r"][:5] == [round(float(top[c]), 1) for c in dims]
    med = next(t for t in traces if t["name"].startswith("Médiane"))
    assert med["r"][:5] == pytest.approx(
        [round(float(peers[c].replace(np.inf, np.nan).median()), 1) for c in dims])

    # comparison year
    page.select("ov-compare", str(DASH_YEAR - 2))
    page.wait("#ov-kf-imi .kf-change", text=f"depuis {DASH_YEAR - 2}")
    # year: 2024 against 2023 shows the CLI's 2024 values (its *_compare columns)
    page.select("ov-year", str(CMP_YEAR))
    _wait_kf(page, "n_firms", fr(top["n_firms_compare"], 0))
    assert _kf(page, "imi") == fr(top["imi_compare"], 1)
    page.select("ov-year", str(DASH_YEAR))
    page.select("ov-compare", str(CMP_YEAR))
    # territory
    other = dep.sort_values("n_firms").iloc[-2]
    page.select("ov-territory", f"({other['code']})")
    _wait_kf(page, "n_firms", fr(other["n_firms"], 0))
    assert _kf(page, "imi_rank") == f"{int(other['imi_rank'])} / {ranked}"
    assert page.text("#ov-v-iso_density") == fr(other["iso_density"], 1)
    # level: EPCI, then one of 1-2 firms: its firm-based figures are those of the public
    # CLI table (« s »), its index the one computed there from published values only
    epci, epci_public = cli["epci"], cli["epci_public"]
    page.select("ov-level", "EPCI")
    big = _largest(epci_public)
    page.wait("#ov-territory", text=f"({big['code']})")
    _wait_kf(page, "n_firms", fr(big["n_firms"], 0))
    code, name, n = small_epci
    assert int(epci.loc[epci["code"] == code, "n_firms"].iloc[0]) == n  # same count as CLI
    row = epci_public[epci_public["code"] == code].iloc[0]
    assert row["n_firms"] == np.inf  # the gate suppresses it (primary)
    page.select("ov-territory", f"({code})")
    page.wait("#ov-sentence", text="couverts par le secret statistique")
    assert _kf(page, "n_firms") == "s"
    # hidden with the firms, or 0 where the EPCI's firms hold no ISO certificate (a ratio
    # of 0 is 0 of any number of firms), as in the CLI's public table
    iso = row["iso_density"]
    assert page.text("#ov-v-iso_density") == ("s" if iso == np.inf else fr(iso, 1))
    assert _kf(page, "imi") == fr(row["imi"], 1)
    assert _kf(page, "n_exporters") == fr(row["n_exporters"], 0)
    for column, scale, d in (("exporters_per_1000_firms", 1, 1), ("iso_density", 1, 1),
                             ("proactive_share", 100, 1), ("new_ties", 1, 0),
                             ("category_coverage", 100, 1), ("imi_density", 1, 1)):
        where = f"#ov-v-{column}" if column != "imi_density" else "#ov-score-density"
        assert fr(scale * row[column], d) in page.text(where), (column, page.text(where))
    assert "secret statistique" in page.text("#ov-notes")
    page.no_xss()

    # English
    page.driver.find_element(By.ID, "lang-toggle").click()
    page.wait("#page-overview h1", text="Overview")
    page.wait("#ov-kf-n_firms .kf-label", text="Active SMEs")
    assert "Density" in page.text("#ov-card-density h3")
    assert f"of {ranked} départements" in page.text("#ov-sentence")
    page.driver.find_element(By.ID, "lang-toggle").click()
    page.wait("#page-overview h1", text="Vue d'ensemble")
    page.no_xss()


def test_overview_staff_sees_unsuppressed(page, cli, small_epci) -> None:  # type: ignore[no-untyped-def]
    code, _, n = small_epci
    page.sign_in()
    page.open("/")
    page.wait("#ov-sentence", text="rang")
    page.select("ov-level", "EPCI")
    epci = cli["epci"]
    big = epci.loc[epci["n_firms"].idxmax()]
    _wait_kf(page, "n_firms", fr(big["n_firms"], 0))
    page.select("ov-territory", f"({code})")
    _wait_kf(page, "n_firms", str(n))
    row = epci[epci["code"] == code].iloc[0]
    assert page.text("#ov-v-iso_density") == fr(row["iso_density"], 1)
    assert "Vue personnel" in page.text("#ov-notes")


def _download(page, tmp: Path) -> Path:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    before = set(tmp.glob("*.csv"))
    page.driver.find_element(By.ID, "tr-download-btn").click()
    return wait_download(tmp, ".csv", before)


def _band(row: pd.Series) -> str:
    return f"{int(row['imi_rank_p05'])}–{int(row['imi_rank_p95'])}"


def test_territories(page, cli, small_epci, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    page.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                {"behavior": "allow", "downloadPath": str(tmp_path)})
    dep = cli["departement_public"].set_index("code")  # the public view
    page.open("/territoires")
    page.wait("#tr-count", text=f"{len(dep)} départements")
    rows = {r["code"]: r for r in _table_rows(page)}
    assert set(rows) == set(dep.index)
    for code, r in rows.items():
        x = dep.loc[code]
        assert r["n_firms"] == fr(x["n_firms"], 0)
        assert r["n_exporters"] == fr(x["n_exporters"], 0)
        assert r["unserved_share"] == fr(100 * x["unserved_share"], 1)
        assert r["iso_density"] == fr(x["iso_density"], 1)
        assert r["imi"] == fr(x["imi"], 1)
        assert r["imi_rank"] == str(int(x["imi_rank"]))
        assert r["imi_band"] == _band(x)
        assert r["imi_change"] == signed(x["imi_change"], 1)
    # the map of the composite index, then of the unserved share
    imi_map = _wait_plot(page, "tr-map")
    z = {loc: v for t in imi_map for loc, v in zip(t["locations"], t["z"], strict=True)}
    assert z == pytest.approx(dep["imi"].to_dict())
    page.select("tr-indicator", "Part de PME non accompagnées")
    page.wait("#tr-map-title", text="Part de PME non accompagnées")
    z = {loc: v for t in _wait_plot(page, "tr-map", unlike=imi_map)
         for loc, v in zip(t["locations"], t["z"], strict=True)}
    shares = 100 * dep["unserved_share"]
    shown = shares[np.isfinite(shares)]  # « s » territories are drawn grey, without a value
    assert {k: v for k, v in z.items() if k in shown.index} == pytest.approx(shown.to_dict())
    # nothing left the machine (no tiles, no topology from a CDN)
    urls = page.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(u.startswith(page.server.url) for u in urls), urls
    # sort by the composite index (ascending on the first click)
    page.driver.find_element(
        By.CSS_SELECTOR, "#tr-table th[data-dash-column=imi] .column-header--sort").click()
    expected = dep.sort_values("imi").index.tolist()
    wait_for(page.driver, lambda _: [r["code"] for r in _table_rows(page)] == expected
             and not page.busy(), "the territories sorted by the composite index",
             seen=lambda: [r["code"] for r in _table_rows(page)])
    assert [r["code"] for r in _table_rows(page)] == expected
    # download: in public, the file is byte for byte the CLI's public table
    got = _download(page, tmp_path)
    assert got.read_bytes() == (cli["dir"] / "departement_public.csv").read_bytes()
    # the comparison year
    page.select("tr-compare", str(DASH_YEAR - 2))
    page.wait("#tr-count", text=f"comparée à {DASH_YEAR - 2}")
    # year: 2024 shows the CLI's 2024 values
    page.select("tr-year", str(CMP_YEAR))
    page.wait("#tr-count", text=f"année {CMP_YEAR}")
    rows = {r["code"]: r for r in _table_rows(page)}
    for code, r in rows.items():
        assert r["n_firms"] == fr(dep.loc[code, "n_firms_compare"], 0)
        assert r["imi"] == fr(dep.loc[code, "imi_compare"], 1)
    page.select("tr-year", str(DASH_YEAR))
    page.select("tr-compare", str(CMP_YEAR))
    page.wait("#tr-count", text=f"comparée à {CMP_YEAR}")

    # EPCI: every EPCI of the geography, as in the public CLI table; the EPCI of 1-2 firms
    # prints « s » for its firm counts and what rests on them (sorted last)
    epci = cli["epci_public"].set_index("code")
    code, _, _ = small_epci
    page.select("tr-level", "EPCI")
    page.wait("#tr-count", text=f"{len(epci)} EPCI")
    page.driver.find_element(
        By.CSS_SELECTOR, "#tr-table th[data-dash-column=n_firms] .column-header--sort").click()

    def by_firms(_):  # type: ignore[no-untyped-def]
        counts = [int(r["n_firms"].replace("\u202f", "")) for r in _table_rows(page)
                  if r["n_firms"] != "s"]
        return counts == sorted(counts) and not page.busy()

    wait_for(page.driver, by_firms, "the EPCI sorted by number of firms",
             seen=lambda: [r["n_firms"] for r in _table_rows(page)])
    found = None
    seen: dict[str, dict[str, str]] = {}
    for _ in range(len(epci) // 20 + 2):  # page through the table
        rows = _table_rows(page)
        seen.update({r["code"]: r for r in rows})
        found = next((r for r in rows if r["code"] == code), None)
        buttons = page.driver.find_elements(By.CSS_SELECTOR, "#tr-table button.next-page")
        if found is not None or not buttons or not buttons[0].is_enabled():
            break
        first = rows[0]["code"]
        buttons[0].click()
        wait_for(page.driver, lambda _, first=first: (r := _table_rows(page))
                 and r[0]["code"] != first and not page.busy(),
                 f"the next page of the EPCI table (after {first})")
    assert found is not None, "the small EPCI is in the table"
    assert found["n_firms"] == "s"
    iso = epci.loc[code, "iso_density"]
    assert found["iso_density"] == ("s" if iso == np.inf else fr(iso, 1))
    for c, r in seen.items():  # every cell seen is the public CLI table's
        x = epci.loc[c]
        assert r["n_firms"] == fr(x["n_firms"], 0), c
        assert r["n_actors"] == fr(x["n_actors"], 0), c
        assert r["iso_density"] == fr(x["iso_density"], 1), c
        assert r["unserved_share"] == fr(100 * x["unserved_share"], 1), c
        assert r["category_coverage"] == fr(100 * x["category_coverage"], 1), c
        assert r["imi"] == fr(x["imi"], 1), c
    # the download is byte for byte the CLI's public EPCI table
    got = _download(page, tmp_path)
    assert got.read_bytes() == (cli["dir"] / "epci_public.csv").read_bytes()
    page.no_xss()

    # English
    page.driver.find_element(By.ID, "lang-toggle").click()
    page.wait("#page-territories h1", text="Territories")
    page.wait("#tr-table th[data-dash-column=n_firms]", text="Active SMEs")
    assert "Map:" in page.text("#tr-map-title")
    page.driver.find_element(By.ID, "lang-toggle").click()
    page.wait("#page-territories h1", text="Territoires")
    page.no_xss()
