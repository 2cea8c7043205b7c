"""Dashboard pages « PME non accompagnées » and « Données », in a real browser and
over HTTP: figures equal the CLI's for the same inputs, firm-level data and imports
unreachable without sign-in, the import's error report and all-or-nothing."""

from __future__ import annotations

import http.cookiejar
import io
import json
import re
import shutil
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from ecosystem.cli import main
from ecosystem.registry import Registry, file_sha256
from tests.conftest import (
    DASH_FIRM_NAME,
    DASH_PASSWORD,
    DASH_USER,
    DASH_YEAR,
    WAIT_S,
    Page,
    make_siret,
    wait_download,
    wait_for,
)

FRONT = ["cci", "team_france_export", "cce", "bpifrance", "club_export"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _post(url: str, payload: dict | bytes, cookie: str | None = None) -> tuple[int, str]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(req, timeout=max(120, WAIT_S)) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def _session_cookie(server) -> str:  # type: ignore[no-untyped-def]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.url + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "username": DASH_USER,
                                   "password": DASH_PASSWORD}).encode()
    opener.open(server.url + "/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _payload(app, key: str, values: dict[str, object], changed: str) -> dict:  # type: ignore[no-untyped-def]
    """The body the browser posts for callback ``key`` (from the app's callback map)."""
    cb = app.callback_map[key]
    outs = cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
    outputs = [{"id": o.component_id, "property": o.component_property} for o in outs]

    def fill(items):  # type: ignore[no-untyped-def]
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    return {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": fill(cb["inputs"]), "state": fill(cb["state"]),
            "changedPropIds": [changed]}


def _key(app, output_id: str) -> str:  # type: ignore[no-untyped-def]
    return next(k for k in app.callback_map if re.search(rf"(^|\.){re.escape(output_id)}\.", k))


def _cli_unserved(registry: Path, tmp: Path, year: int = DASH_YEAR, distance: float = 30,
                  categories: list[str] | None = None, exporting: bool = False
                  ) -> tuple[Path, pd.DataFrame]:
    out = tmp / f"cli_{year}_{distance}_{len(categories or [])}_{exporting}.csv"
    args = ["unserved", "--registry", str(registry), "--year", str(year), "--distance-km",
            str(distance), "--out", str(out)]
    if categories:
        args += ["--categories", ",".join(categories)]
    if exporting:
        args.append("--exporting-only")
    assert main(args) == 0
    frame = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig",
                        dtype={"siret": str, "siren": str, "firm_id": str, "commune": str,
                               "departement": str, "epci": str, "region": str, "name": str})
    return out, frame


def _firms_in(registry: Path, year: int, exporting: bool = False, dep: str | None = None) -> int:
    """Active firms counted straight from the GeoPackage with SQL (independent of the code)."""
    sql = "SELECT COUNT(*) FROM firms WHERE year = ?"
    args: list[object] = [year]
    if exporting:
        sql += " AND stage <> 'local'"
    if dep:
        sql += " AND departement = ?"
        args.append(dep)
    with sqlite3.connect(registry) as con:
        return int(con.execute(sql, args).fetchone()[0])


def _fr_int(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _count_text(n: int, total: int) -> str:
    share = f"{100 * n / total:.1f}".replace(".", ",")
    return f"{_fr_int(n)} PME non accompagnées sur {_fr_int(total)} ({share}\u202f%)"


_ROWS_JS = """
return Array.from(document.querySelectorAll('#unserved-table tbody tr')).map(tr => {
  const r = {};
  tr.querySelectorAll('td[data-dash-column]').forEach(td => {
    r[td.getAttribute('data-dash-column')] = td.innerText.trim(); });
  return r; }).filter(r => Object.keys(r).length);
"""


def _rows(page: Page) -> list[dict[str, str]]:
    return page.driver.execute_script(_ROWS_JS)


def _num(text: str) -> float:
    return float(text.replace("\u202f", "").replace(" ", "").replace(",", "."))


def _check_rows(page: Page, cli: pd.DataFrame, n: int = 10) -> None:
    """The first rows shown are the CLI's first rows (rank, SIRET, name, potential, km)."""
    rows = _rows(page)
    assert len(rows) == min(25, len(cli))
    for shown, (_, ref) in zip(rows[:n], cli.head(n).iterrows(), strict=False):
        assert int(shown["rank"]) == int(ref["rank"])
        assert shown["siret"] == ref["siret"]
        assert shown["name"] == (ref["name"] if isinstance(ref["name"], str) and ref["name"]
                                 else "(diffusion partielle)")
        assert shown["departement"] == ref["departement"]
        assert abs(_num(shown["potential"]) - float(ref["potential"])) < 1e-9
        assert abs(_num(shown["nearest_km"]) - float(ref["nearest_km"])) <= 0.051
        assert shown["nearest"] == ref["nearest_actor_name"]


def _wait_ranks(page: Page, ranks: list[int]) -> None:
    """Wait until the table's first rows have the ranks ``ranks`` and no callback runs."""
    def shown(_):  # type: ignore[no-untyped-def]
        got = [r.get("rank") for r in _rows(page)][:len(ranks)]
        return got == [str(r) for r in ranks] and not page.busy()

    wait_for(page.driver, shown, f"the unserved table's first ranks {ranks}",
             seen=lambda: [r.get("rank") for r in _rows(page)][:len(ranks)])


def _set_distance(page: Page, km: int) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = page.driver.find_element(By.ID, "unserved-distance")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(km), Keys.ENTER)


def _download(page: Page, folder: Path, button_id: str, suffix: str) -> Path:
    from selenium.webdriver.common.by import By

    folder.mkdir(parents=True, exist_ok=True)
    for f in folder.iterdir():
        f.unlink()
    page.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                {"behavior": "allow", "downloadPath": str(folder)})
    page.driver.find_element(By.ID, button_id).click()
    return wait_download(folder, suffix)


@pytest.fixture(scope="module")
def cli_registry(dash_registry, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A copy of the shared registry for the CLI (which stores default results)."""
    path = tmp_path_factory.mktemp("cli") / "copy.gpkg"
    shutil.copy(dash_registry.path, path)
    return path


# ---------------------------------------------------------------------------
# PME non accompagnées
# ---------------------------------------------------------------------------
def test_unserved_unreachable_without_sign_in(page, dash_server, dash_registry) -> None:  # type: ignore[no-untyped-def]
    page.open("/pme-non-accompagnees")
    page.wait("#page-staff-only")
    assert "réservée au personnel" in page.text("#page")
    source = page.driver.page_source
    sirets = set(dash_registry.firms(DASH_YEAR)["siret"].dropna().astype(str))
    assert DASH_FIRM_NAME not in source and "PME synthétique" not in source
    assert not [s for s in sirets if s and s in source]
    page.no_xss()

    app, url = dash_server.app, dash_server.url + "/_dash-update-component"
    values = {"unserved-year.value": DASH_YEAR, "unserved-distance.value": 30,
              "unserved-categories.value": FRONT, "unserved-exporting.value": [],
              "unserved-dep.value": None, "unserved-table.page_current": 0,
              "unserved-table.sort_by": [], "unserved-lang.data": "fr",
              "unserved-csv.n_clicks": 1, "unserved-xlsx.n_clicks": 0}
    table = _payload(app, _key(app, "unserved-table"), values, "unserved-year.value")
    download = _payload(app, _key(app, "unserved-download"), values, "unserved-csv.n_clicks")
    cookie = _session_cookie(dash_server)
    for body in (table, download):
        status, text = _post(url, body)
        assert status == 403 and json.loads(text) == {"error": "sign-in required"}
        status, text = _post(url, body, cookie)  # the same request signed in answers
        assert status == 200, text[:300]
    rows = json.loads(_post(url, table, cookie)[1])["response"]["unserved-table"]["data"]
    assert len(rows) == 25 and all(r["siret"] in sirets for r in rows)


def test_unserved_page_matches_cli(page, dash_server, cli_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    page.sign_in()
    page.open("/pme-non-accompagnees")
    total = _firms_in(cli_registry, DASH_YEAR)

    # defaults: d = 30 km, front line, every firm, every département
    cli_csv, cli = _cli_unserved(cli_registry, tmp_path)
    page.wait("#unserved-count-line", text=_count_text(len(cli), total))
    _check_rows(page, cli)

    # downloads: the CLI's file, byte for byte (CSV) and cell for cell (Excel)
    got = _download(page, tmp_path / "dl", "unserved-csv", ".csv")
    assert got.read_bytes() == cli_csv.read_bytes()
    got = _download(page, tmp_path / "dl", "unserved-xlsx", ".xlsx")
    ref_x = tmp_path / "cli.xlsx"
    assert main(["unserved", "--registry", str(cli_registry), "--year", str(DASH_YEAR),
                 "--out", str(ref_x)]) == 0
    pd.testing.assert_frame_equal(pd.read_excel(got, dtype=str), pd.read_excel(ref_x, dtype=str))

    # sorting (server side) and paging
    page.driver.find_element(
        By.CSS_SELECTOR, "th[data-dash-column='nearest_km'] .column-header--sort").click()
    page.wait("#unserved-table tbody tr")
    nearest = sorted(cli.itertuples(), key=lambda r: (r.nearest_km, r.rank))[0]
    _wait_ranks(page, [nearest.rank])
    assert _rows(page)[0]["siret"] == nearest.siret
    kms = [_num(r["nearest_km"]) for r in _rows(page)]
    assert kms == sorted(kms)
    page.driver.find_element(
        By.CSS_SELECTOR, "th[data-dash-column='nearest_km'] .column-header--sort").click()
    page.driver.find_element(
        By.CSS_SELECTOR, "th[data-dash-column='nearest_km'] .column-header--sort").click()
    _wait_ranks(page, list(range(1, 26)))  # unsorted again
    page.driver.find_element(By.CSS_SELECTOR, "button.next-page").click()
    _wait_ranks(page, [26])
    assert [int(r["rank"]) for r in _rows(page)] == list(range(26, 51))

    # distance d
    _, cli = _cli_unserved(cli_registry, tmp_path, distance=20)
    _set_distance(page, 20)
    page.wait("#unserved-count-line", text=_count_text(len(cli), total))
    _check_rows(page, cli)  # a filter change goes back to the first page

    # categories: add the universities to the front line
    cats = [*FRONT, "university"]
    _, cli = _cli_unserved(cli_registry, tmp_path, distance=20, categories=cats)
    page.select("unserved-categories", "Université")
    page.wait("#unserved-count-line", text=_count_text(len(cli), total))
    _check_rows(page, cli)

    # exporting SMEs only
    _, cli = _cli_unserved(cli_registry, tmp_path, distance=20, categories=cats, exporting=True)
    page.driver.find_element(By.CSS_SELECTOR, "#unserved-exporting input").click()
    exporting_total = _firms_in(cli_registry, DASH_YEAR, exporting=True)
    page.wait("#unserved-count-line", text=_count_text(len(cli), exporting_total))
    _check_rows(page, cli)

    # département: the CLI's list kept to the Gard, ranks unchanged
    gard = cli[cli["departement"].eq("30")].reset_index(drop=True)
    page.select("unserved-dep", "Gard (30)")
    page.wait("#unserved-count-line", text=_count_text(
        len(gard), _firms_in(cli_registry, DASH_YEAR, exporting=True, dep="30")))
    _check_rows(page, gard)
    got = _download(page, tmp_path / "dl", "unserved-csv", ".csv")
    shown = pd.read_csv(got, sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    ref = pd.read_csv(_cli_unserved(cli_registry, tmp_path, distance=20, categories=cats,
                                    exporting=True)[0], sep=";", decimal=",",
                      encoding="utf-8-sig", dtype=str)
    pd.testing.assert_frame_equal(shown, ref[ref["departement"].eq("30")]
                                  .reset_index(drop=True))

    # year
    _, cli = _cli_unserved(cli_registry, tmp_path, year=DASH_YEAR - 1, distance=20,
                           categories=cats, exporting=True)
    gard = cli[cli["departement"].eq("30")].reset_index(drop=True)
    page.select("unserved-year", str(DASH_YEAR - 1))
    page.wait("#unserved-count-line", text=_count_text(
        len(gard), _firms_in(cli_registry, DASH_YEAR - 1, exporting=True, dep="30")))
    _check_rows(page, gard)
    page.no_xss()


def test_unserved_hostile_name_is_text(page, cli_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _, cli = _cli_unserved(cli_registry, tmp_path, distance=5, categories=["club_export"])
    assert DASH_FIRM_NAME in set(cli["name"].dropna())  # the hostile firm is on this list
    page.sign_in()
    page.open("/pme-non-accompagnees")
    page.wait("#unserved-count-line")
    _set_distance(page, 5)
    page.wait("#unserved-count", text="à moins de 5 km")
    for label in ("CCI", "Team France", "Conseillers", "Bpifrance"):  # keep the clubs only
        page.select("unserved-categories", label)  # a chosen option: unselect it
    total = _firms_in(cli_registry, DASH_YEAR)
    page.wait("#unserved-count-line", text=_count_text(len(cli), total))
    page.driver.find_element(
        By.CSS_SELECTOR, "th[data-dash-column='name'] .column-header--sort").click()
    cell = page.wait("#unserved-table td[data-dash-column='name']", text="Firme SARL")
    assert cell.text.strip() == DASH_FIRM_NAME
    page.no_xss()


# ---------------------------------------------------------------------------
# Données
# ---------------------------------------------------------------------------
def _table_cells(page: Page, table_id: str) -> list[list[str]]:
    return page.driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr'))"
        ".map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()));",
        table_id)


def _public_tables(registry: Path, years: list[int], tmp: Path) -> dict[tuple[str, int],
                                                                         pd.DataFrame]:
    """``ecosystem indicators --public`` of the départements and the région of each year
    (cells as text), written by the command line."""
    out = {}
    for level in ("departement", "region"):
        for y in years:
            path = tmp / f"{level}_{y}.csv"
            assert main(["indicators", "--registry", str(registry), "--level", level,
                         "--year", str(y), "--public", "--out", str(path)]) == 0
            out[level, y] = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False,
                                        encoding="utf-8-sig").set_index("code")
    return out


def _cell(text: str) -> str:
    """A summary cell as the public CSV writes a count (no thousands separator)."""
    return text if text == "s" else str(int(_num(text)))


def _check_summary(page: Page, registry: Path, public: bool, tmp: Path | None = None) -> None:
    """The summary shown equals Registry.info() and counts made with SQL (staff); for
    the public, the firm counts are those of ``ecosystem indicators --public`` (the
    publication gate's cells: départements, and the région for the total), « s » where
    it has « s », and every published count is the one counted with SQL."""
    info = Registry(registry).info()
    layers = {r[0]: r[1] for r in _table_cells(page, "data-layers")}
    assert _num(layers["Acteurs"]) == info["layers"]["actors"]
    assert _num(layers["Liens"]) == info["layers"]["relations"]
    with sqlite3.connect(registry) as con:
        n_actors = con.execute("SELECT COUNT(*) FROM actors").fetchone()[0]
        by_dep = {(d, int(y)): n for d, y, n in con.execute(
            "SELECT departement, year, COUNT(*) FROM firms GROUP BY 1, 2")}
        by_cat = dict(con.execute("SELECT category, COUNT(*) FROM actors GROUP BY 1"))
    assert _num(layers["Acteurs"]) == n_actors
    years = info["years"]
    firms_by_year = {y: sum(n for (_, yy), n in by_dep.items() if yy == y) for y in years}
    year_rows = {int(r[0]): r[1:] for r in _table_cells(page, "data-firms-year")}
    dep_rows = _table_cells(page, "data-firms-dep")
    assert dep_rows[-1][0] == "Total"
    codes = [re.search(r"\((\w+)\)$", row[0]).group(1) for row in dep_rows[:-1]]
    if public:
        assert tmp is not None
        gate = _public_tables(registry, years, tmp)
        # every département of the geography, with firms or without
        geo = Registry(registry).territories("departement")
        assert sorted(codes) == sorted(geo["code"].astype(str))
        for i, y in enumerate(years):
            region = gate["region", y]
            assert len(region) == 1  # the registry's one région: the total
            total, exp = region["n_firms"].iloc[0], region["n_exporters"].iloc[0]
            shown = [_cell(v) for v in year_rows[y]]
            local = "s" if "s" in (total, exp) else str(int(total) - int(exp))
            assert shown == [total, exp, local], (y, shown)
            assert total == "s" or int(total) == firms_by_year[y]
            column = [_cell(row[1 + i]) for row in dep_rows]
            assert column[-1] == total
            assert column[:-1] == [gate["departement", y].at[c, "n_firms"] for c in codes]
            for c, cell in zip(codes, column[:-1], strict=True):
                n = by_dep.get((c, y), 0)
                assert cell == "s" or int(cell) == n
                assert not 0 < n < 3 or cell == "s"  # 1 or 2 firms are never shown
            assert column.count("s") != 1  # one suppressed cell alone: the total reveals it
        totals = [_cell(year_rows[y][0]) for y in years]
        firms_layer = layers["PME (observations annuelles)"]
        assert _cell(firms_layer) == ("s" if "s" in totals else str(sum(map(int, totals))))
    else:
        assert _num(layers["PME (observations annuelles)"]) == info["layers"]["firms"]
        for y, row in year_rows.items():
            assert _num(row[0]) == info["firms_by_year"][y] == firms_by_year[y]
            assert _num(row[1]) == info["exporters_by_year"][y]
        for code, row in zip(codes, dep_rows[:-1], strict=True):
            for y, cell in zip(years, row[1:], strict=True):
                assert _num(cell) == by_dep.get((code, y), 0) == \
                    info["firms_by_departement"][code].get(y, 0)
        assert [_num(c) for c in dep_rows[-1][1:]] == [firms_by_year[y] for y in years]
    cats = {r[0]: r[1] for r in _table_cells(page, "data-actors-cat")}
    assert _num(cats["CCI (service international)"]) == by_cat["cci"]
    assert _num(cats["Total"]) == sum(by_cat.values())


def test_data_page_public(page, dash_server, dash_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    page.open("/donnees")
    page.wait("#data-layers")
    assert "données synthétiques" in page.text("#data-synthetic")
    _check_summary(page, dash_registry.path, public=True, tmp=tmp_path)
    assert not page.driver.find_elements(By.ID, "data-import")
    assert not page.driver.find_elements(By.CSS_SELECTOR, "input[type=file]")
    # the firms are not offered to the public
    page.driver.find_element(By.ID, "data-export-layer").click()
    page.wait(".dash-options-list-option")  # the list is open
    options = page.text(".dash-options-list-option")
    assert "Acteurs" in options and "Liens" in options and "PME" not in options
    page.driver.find_element(By.ID, "data-export-layer").click()
    # the actors export is the CLI's file, byte for byte
    got = _download(page, tmp_path / "dl", "data-export-button", ".csv")
    ref = tmp_path / "actors.csv"
    assert main(["export", "--registry", str(dash_registry.path), "--layer", "actors",
                 "--format", "csv", "--out", str(ref)]) == 0
    assert got.read_bytes() == ref.read_bytes()

    # over HTTP: the firms export and the import answer 403 without a session
    app, url = dash_server.app, dash_server.url + "/_dash-update-component"
    values = {"data-export-button.n_clicks": 1, "data-export-layer.value": "firms",
              "data-export-format.value": "csv", "data-export-year.value": None}
    for key in (_key(app, "data-export-download"), _key(app, "data-export-firms")):
        status, text = _post(url, _payload(app, key, values, "data-export-button.n_clicks"))
        assert status == 403, (key, status, text[:200])
    values["data-export-layer.value"] = "relations"  # the public gets actor–actor ties
    status, text = _post(url, _payload(app, _key(app, "data-export-download"), values,
                                       "data-export-button.n_clicks"))
    assert status == 200
    import base64

    body = json.loads(text)["response"]["data-export-download"]["data"]
    ties = pd.read_csv(io.BytesIO(base64.b64decode(body["content"])), sep=";", dtype=str,
                       encoding="utf-8-sig")
    actor_ids = set(dash_registry.actors()["id"].astype(str))
    assert len(ties) and ties["source"].isin(actor_ids).all() and ties["target"].isin(
        actor_ids).all()
    sha = file_sha256(dash_registry.path)
    good = "id;name;category;commune;since\nx-1;Club;club_export;34172;2020\n"
    values = {"data-upload-actors.contents": "data:text/csv;base64,"
              + base64.b64encode(good.encode()).decode(),
              "data-upload-actors.filename": "a.csv", "data-lang.data": "fr"}
    status, _ = _post(url, _payload(app, _key(app, "data-import-result"), values,
                                    "data-upload-actors.contents"))
    assert status == 403 and file_sha256(dash_registry.path) == sha


def test_data_import_in_browser(chrome, dash_server_for, dash_registry, tmp_path,
                                capsys) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    reg_path = tmp_path / "import.gpkg"
    shutil.copy(dash_registry.path, reg_path)
    server = dash_server_for(reg_path)
    page = Page(chrome, server)
    page.sign_out()
    page.sign_in()
    page.open("/donnees")
    page.wait("#data-import")
    _check_summary(page, reg_path, public=False)
    sha = file_sha256(reg_path)

    # a bad file: wrong SIRET key, unknown category, impossible year
    bad_siret = make_siret("12345678", "0001")
    bad_siret = bad_siret[:-1] + str((int(bad_siret[-1]) + 1) % 10)
    bad = tmp_path / "acteurs_errones.csv"
    bad.write_text("id;name;category;commune;since;siret\n"
                   f"t-1;Club export test;club_export;34172;2020;{bad_siret}\n"
                   "t-2;Agence test;agence_inconnue;34172;2020;\n"
                   "t-3;CCI test;cci;34172;3025;\n", encoding="utf-8")
    page.driver.find_element(By.CSS_SELECTOR, "#data-upload-actors input[type=file]"
                             ).send_keys(str(bad))
    box = page.wait("#data-import-errors")
    lines = [li.text for li in box.find_elements(By.CSS_SELECTOR, "li")]
    assert "rien n'a été importé" in box.text
    for row, column, value in ((1, "siret", bad_siret), (2, "category", "agence_inconnue"),
                               (3, "since", "3025")):
        assert any(ln.startswith(f"acteurs_errones.csv, row {row}, column '{column}': got "
                                 f"'{value}'") for ln in lines), lines
    # the CLI prints the same report for the same file (on another copy)
    other = tmp_path / "other.gpkg"
    shutil.copy(dash_registry.path, other)
    capsys.readouterr()
    assert main(["import", "--registry", str(other), "--actors", str(bad)]) == 2
    cli_lines = [ln.strip().removeprefix("- ") for ln in capsys.readouterr().err.splitlines()[1:]]
    assert lines == cli_lines
    assert file_sha256(reg_path) == sha

    # a file over the limit is not sent; the page says why
    big = tmp_path / "gros.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("id;name;category;commune;since\n")
        line = "x;" + "n" * 100 + ";cci;34172;2020\n"
        f.write(line * (21 * 1024 * 1024 // len(line) + 1))
    page.driver.find_element(By.CSS_SELECTOR, "#data-upload-actors input[type=file]"
                             ).send_keys(str(big))
    page.wait("#data-import-size", text="Fichier trop volumineux (limite 20 Mo)")
    assert file_sha256(reg_path) == sha

    # a good file is imported and the summary follows
    before = Registry(reg_path).info()
    good = tmp_path / "nouveaux_acteurs.csv"
    good.write_text("id;name;category;commune;since\n"
                    "club-test-1;Club export de test;club_export;34172;2020\n",
                    encoding="utf-8")
    page.driver.find_element(By.CSS_SELECTOR, "#data-upload-actors input[type=file]"
                             ).send_keys(str(good))
    ok = page.wait("#data-import-ok")
    assert "nouveaux_acteurs.csv" in ok.text and "Acteurs : 1 ajouté(s), 0 mis à jour" in ok.text
    assert file_sha256(reg_path) != sha
    after = Registry(reg_path).info()
    assert after["layers"]["actors"] == before["layers"]["actors"] + 1
    assert after["actors_by_category"]["club_export"] == (
        before["actors_by_category"]["club_export"] + 1)
    page.wait("#data-layers td", text=_fr_int(after["layers"]["actors"]))
    _check_summary(page, reg_path, public=False)
    page.no_xss()

    # a forged oversized request is refused by the server itself
    cookie = _session_cookie(server)
    status, _ = _post(server.url + "/_dash-update-component", b"{" + b" " * (28 << 20) + b"}",
                      cookie)
    assert status == 413
    page.sign_out()
