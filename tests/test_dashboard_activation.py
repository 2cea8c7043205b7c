"""Activation résiliaire page, in a real browser: every control once, the tables shown
equal the CLI's files for the same inputs (recommend-ties, plan-relays, groupements,
what-if), the public view holds no firm name or SIRET, the firm-level callbacks answer
403 without a session, a bad scenario shows an error box."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pandas as pd

from dashboard.pages import activation as act
from ecosystem.cli import main as cli
from tests.conftest import DASH_PASSWORD, DASH_USER, DASH_YEAR, WAIT_S, wait_for

YEAR_2 = DASH_YEAR - 1

# Dash 4 announces the future removal of DataTable (raised in the server's threads)


# -- helpers ------------------------------------------------------------------

def _cli_csv(tmp_path, *args: str, name: str = "out.csv") -> pd.DataFrame:
    out = tmp_path / name
    assert cli([*args, "--out", str(out)]) == 0
    return _read(out)


def _read(path) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"commune": str, "epci": str, "departement": str, "code": str,
                              "siret": str, "firm_id": str, "site_commune": str,
                              "naf": str, "source": str, "target": str},
                       keep_default_na=False, na_values=[""])


def _num(text: str) -> float:
    """A number as the page prints it (French: narrow no-break spaces, decimal comma,
    minus sign U+2212)."""
    clean = re.sub(r"[\s\u202f\u00a0%+]|pt", "", text).replace(",", ".").replace("\u2212", "-")
    return float(clean)


def _close(text: str, value: float) -> bool:
    """Whether ``text`` (rounded by the page) shows ``value``."""
    decimals = len(text.split(",")[1].split()[0]) if "," in text else 0
    return abs(_num(text) - value) <= 0.5 * 10 ** -decimals + 1e-9


def _rows(page, table_id: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    rows = page.driver.execute_script("""
        return Array.from(document.querySelectorAll('#' + arguments[0] + ' tbody tr'))
          .map(tr => Object.fromEntries(Array.from(tr.querySelectorAll('td[data-dash-column]'))
          .map(td => [td.getAttribute('data-dash-column'), td.innerText.trim()])))
          .filter(r => Object.keys(r).length > 0);""", table_id)
    return rows  # type: ignore[no-any-return]


def _wait_rows(page, table_id: str, check, timeout: float | None = None):  # type: ignore[no-untyped-def]
    """The rows of ``table_id`` once ``check(rows)`` holds and no callback runs."""
    def ready(_):  # type: ignore[no-untyped-def]
        if page.busy():
            return False
        rows = _rows(page, table_id)
        return rows if check(rows) else False

    return wait_for(page.driver, ready, f"the rows of #{table_id} to pass their check",
                    timeout, seen=lambda: _rows(page, table_id)[:3])


def _wait_text(page, css: str, text: str, timeout: float | None = None) -> str:  # type: ignore[no-untyped-def]
    """The text of the elements matching ``css`` once it contains ``text`` (re-read
    at every poll: Dash replaces the elements it updates)."""
    def ready(_):  # type: ignore[no-untyped-def]
        got = page.text(css)
        return got if text in got and not page.busy() else False

    return wait_for(page.driver, ready, f"{css!r} containing {text!r} with no Dash "  # type: ignore[no-any-return]
                    "callback running", timeout, seen=lambda: page.text(css)[:300])


def _type(page, element_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    el = page.driver.find_element(By.ID, element_id)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    if text:
        el.send_keys(text)
    el.send_keys(Keys.TAB)


def _click(page, css: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    el = page.driver.find_element(By.CSS_SELECTOR, css)
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    el.click()


def _tab(page, name: str) -> None:  # type: ignore[no-untyped-def]
    _click(page, f"#act-tab-{name}")
    page.wait(f"#act-tab-{name}.tab--selected")  # its content is rendered with it
    page.wait(".act-tab")


def _post(url: str, payload: dict, cookie: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Cookie": cookie} if cookie else {})})
    try:
        with urllib.request.urlopen(req, timeout=WAIT_S) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        with e:  # close the error's response (no unclosed socket)
            return e.code, e.read().decode()


def _session_cookie(server) -> str:  # type: ignore[no-untyped-def]
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(server.url + "/login").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "username": DASH_USER,
                                   "password": DASH_PASSWORD}).encode()
    opener.open(server.url + "/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _payload(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
             state: list[tuple[str, str, object]]) -> dict:
    many = len(outputs) > 1
    out = [{"id": i, "property": p} for i, p in outputs]
    return {"output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".." if many
            else f"{outputs[0][0]}.{outputs[0][1]}",
            "outputs": out if many else out[0],
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}


def _names(reg, level: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    t = reg.territories(level)
    return dict(zip(t["code"].astype(str), t["name"].astype(str), strict=True))


# -- the three recommendation sections ------------------------------------------

def test_sections_match_cli_public(page, dash_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reg = dash_registry
    communes, deps = _names(reg, "commune"), _names(reg, "departement")
    page.open(act.PATH)
    _wait_rows(page, "act-ties-table", lambda r: len(r) == 10)
    page.select("act-year", str(YEAR_2))
    page.select("act-top", "5")
    ties = _cli_csv(tmp_path, "recommend-ties", "--registry", str(reg.path), "--year",
                    str(YEAR_2), "--top", "5", name="ties.csv")
    assert len(ties) == 5
    actors = reg.actors(YEAR_2).drop_duplicates("id").set_index("id")

    def same(rows):  # type: ignore[no-untyped-def]
        return len(rows) == 5 and rows[0]["source_name"] == ties["source_name"][0] \
            and rows[-1]["target_name"] == ties["target_name"][4]
    shown = _wait_rows(page, "act-ties-table", same)
    for row, (_, ref) in zip(shown, ties.iterrows(), strict=True):
        assert int(row["rank"]) == ref["rank"]
        assert row["source_name"] == ref["source_name"]
        assert row["target_name"] == ref["target_name"]
        assert row["source_category"] == act.category_label(ref["source_category"])
        assert row["target_commune"] == communes[str(actors.loc[ref["target"], "commune"])]
        assert row["source_commune"] == communes[str(actors.loc[ref["source"], "commune"])]
        for col in ("distance_km", "gain_components", "gain_efficiency_pct"):
            assert _close(row[col], float(ref[col])), (col, row[col], ref[col])
        # visitors: the firms a tie brings within reach (and the score, which holds them)
        # are not published (ecosystem.publish.public_ties)
        assert row["gain_firms_reached"] == "s" and row["score"] == "s"
    last = ties.iloc[-1]
    kf = page.text("#act-kf-components")
    assert kf.split("\n")[1].endswith(f"→ {int(last['components_after'])}")
    assert "PME à deux pas" not in page.text("#act-ties-figures")
    page.no_xss()

    # relay sites: K = 3 at the public plan's distance d (30 km; others are for staff)
    _tab(page, "relays")
    page.select("act-sites", "3")
    sites = _cli_csv(tmp_path, "plan-relays", "--registry", str(reg.path), "--year",
                     str(YEAR_2), "--sites", "3", "--distance-km", "30", name="relays.csv")
    covered = _read(tmp_path / "relays_firms.csv")
    assert 1 <= len(sites) <= 3
    shown = _wait_rows(page, "act-relays-table", lambda r: len(r) == len(sites) and all(
        f"({c})" in x["commune_name"] for x, c in zip(r, sites["commune"], strict=True)))
    secrets = {c: 0 for c in ("newly_covered_firms", "newly_covered_exporting")}
    for row, (_, ref) in zip(shown, sites.iterrows(), strict=True):
        assert row["commune_name"] == f"{communes[ref['commune']]} ({ref['commune']})"
        assert row["departement_name"] == deps[ref["departement"]]
        for col in ("newly_covered_firms", "newly_covered_exporting", "covered_weight",
                    "firms_within_d"):
            if row[col] == "s":
                secrets[col] = secrets.get(col, 0) + 1
                if col != "covered_weight":
                    assert ref[col] > 0  # zero firms is no secret
            else:
                assert _close(row[col], float(ref[col])), (col, row[col], ref[col])
                if col in ("newly_covered_firms", "newly_covered_exporting",
                           "firms_within_d"):
                    assert not 1 <= ref[col] <= 2, (col, ref[col])  # 1-2 firms print s
    # no total reveals a suppressed cell: never exactly one « s » in a column
    assert all(n != 1 for n in secrets.values()), secrets
    assert _num(page.text("#act-kf-unserved").split("\n")[1]) == _unserved_count(
        reg, YEAR_2, 30)
    page.wait("#act-relays-map .main-svg")
    assert "PME couvertes par le site" not in page.text("#page")  # staff only
    assert "réservée au personnel" in page.text("#page")

    # export groups, filtered on one département
    _tab(page, "groups")
    groups = _cli_csv(tmp_path, "groupements", "--registry", str(reg.path), "--year",
                      str(YEAR_2), name="groups.csv")
    assert len(groups)
    dep = groups["departement"].value_counts().index[0]
    page.select("act-groups-dep", f"({dep})")
    ref_groups = [g for g, m in groups.groupby("group_id", sort=True)
                  if dep in set(m["departement"])]
    shown = _wait_rows(page, "act-groups-table",
                       lambda r: r and r[0]["group_id"] == ref_groups[0])
    assert int(_num(page.text("#act-kf-groups").split("\n")[1])) == len(ref_groups)
    for row in shown:
        members = groups.loc[groups["group_id"].eq(row["group_id"])]
        assert row["group_id"] in ref_groups
        assert int(row["group_size"]) == len(members) == members["group_size"].iloc[0]
        assert row["departements"].split(", ") == [deps[d] for d in
                                                   dict.fromkeys(members["departement"])]
        assert row["divisions"].split(", ") == sorted({n[:2] for n in members["naf"]})
        assert _close(row["group_max_distance_km"],
                      members["group_max_distance_km"].iloc[0])
        assert _close(row["group_score"], members["group_score"].iloc[0])
        assert _close(row["sector_synergy"], members["sector_synergy"].iloc[0])

    # the public page and its callbacks carry no firm name or SIRET
    source = page.driver.page_source
    secrets_text = [s for s in pd.concat([groups["siret"], covered["siret"]]) if s] + \
        [n for n in pd.concat([groups["name"], covered["name"]]).dropna() if n]
    assert secrets_text
    assert not [s for s in secrets_text if s in source]
    url = page.server.url + "/_dash-update-component"
    status, body = _post(url, _payload(
        [("act-groups-table", "data"), ("act-groups-table", "selected_rows"),
         ("act-groups-figures", "children")],
        [("act-year", "value", YEAR_2), ("act-groups-dep", "value", None)],
        [("act-lang", "data", "fr")]))
    assert status == 200 and "G0001" in body
    status2, body2 = _post(url, _payload(
        [("act-relays-table", "data"), ("act-relays-table", "selected_rows"),
         ("act-relays-figures", "children"), ("act-relays-map", "figure"),
         ("act-relays-error", "children")],
        [("act-year", "value", YEAR_2), ("act-sites", "value", 3),
         ("act-distance", "value", 30)], [("act-lang", "data", "fr")]))
    assert status2 == 200 and sites["commune"][0] in body2
    assert not [s for s in secrets_text if s in body or s in body2]
    page.no_xss()


def _unserved_count(reg, year: int, d: float) -> int:  # type: ignore[no-untyped-def]
    """Unserved firms by brute force: no front-line actor within d (straight line)."""
    import numpy as np

    from ecosystem.settings import FRONT_LINE_CATEGORIES

    firms = reg.firms(year).drop_duplicates("firm_id")
    actors = reg.actors(year)
    actors = actors.loc[actors["category"].isin(FRONT_LINE_CATEGORIES)]
    fx, fy = firms.geometry.x.to_numpy(), firms.geometry.y.to_numpy()
    ax, ay = actors.geometry.x.to_numpy(), actors.geometry.y.to_numpy()
    near = np.zeros(len(firms), dtype=bool)
    for x, y in zip(ax, ay, strict=True):
        near |= np.hypot(fx - x, fy - y) <= d * 1000
    return int((~near).sum())


# -- firm-level lists: staff only --------------------------------------------------

def test_staff_lists_and_guard(page, dash_server, dash_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reg = dash_registry
    sites = _cli_csv(tmp_path, "plan-relays", "--registry", str(reg.path), "--year",
                     str(DASH_YEAR), "--sites", "5", name="relays.csv")
    covered = _read(tmp_path / "relays_firms.csv")
    groups = _cli_csv(tmp_path, "groupements", "--registry", str(reg.path), "--year",
                      str(DASH_YEAR), name="groups.csv")
    url = dash_server.url + "/_dash-update-component"
    site = sites["commune"][0]
    firm_payload = _payload(
        [(act.RELAY_FIRMS, "data"), ("act-relay-firms-hint", "hidden")],
        [("act-relays-table", "selected_rows", [0])],
        [("act-relays-table", "data", [{"commune": site}]), ("act-year", "value", DASH_YEAR),
         ("act-sites", "value", 5), ("act-distance", "value", 30),
         ("act-lang", "data", "fr")])
    member_payload = _payload(
        [(act.GROUP_MEMBERS, "data"), ("act-group-members-hint", "hidden")],
        [("act-groups-table", "selected_rows", [0])],
        [("act-groups-table", "data", [{"group_id": "G0001"}]),
         ("act-year", "value", DASH_YEAR), ("act-lang", "data", "fr")])
    for payload in (firm_payload, member_payload):
        status, body = _post(url, payload)
        assert status == 403 and "sign-in required" in body
    cookie = _session_cookie(dash_server)
    status, body = _post(url, firm_payload, cookie)
    assert status == 200
    mine = covered.loc[covered["site_commune"].eq(site)]
    got = json.loads(body)["response"][act.RELAY_FIRMS]["data"]
    assert sorted(r["siret"] for r in got) == sorted(mine["siret"])
    status, body = _post(url, member_payload, cookie)
    got = json.loads(body)["response"][act.GROUP_MEMBERS]["data"]
    assert status == 200
    assert sorted(r["siret"] for r in got) == sorted(
        groups.loc[groups["group_id"].eq("G0001"), "siret"])

    # in the browser, signed in: tick a site, tick a group
    page.sign_in()
    page.open(act.PATH)
    _tab(page, "relays")
    _wait_rows(page, "act-relays-table", lambda r: len(r) == len(sites))
    _click(page, "#act-relays-table tbody tr:nth-child(2) input[type=radio]")
    # the first data row (header rows hold th only)
    shown = _wait_rows(page, act.RELAY_FIRMS, lambda r: len(r) > 0)
    first = sites.iloc[0]
    ref = covered.loc[covered["site_commune"].eq(first["commune"])]
    assert {r["siret"] for r in shown} <= set(ref["siret"])
    assert len(shown) == min(len(ref), 15)
    # staff see the exact counts, equal to the CLI's
    rows = _rows(page, "act-relays-table")
    assert [int(_num(r["newly_covered_firms"])) for r in rows] == \
        sites["newly_covered_firms"].tolist()
    _tab(page, "groups")
    _wait_rows(page, "act-groups-table", lambda r: len(r) > 0)
    _click(page, "#act-groups-table tbody tr:nth-child(2) input[type=radio]")
    g1 = groups.loc[groups["group_id"].eq("G0001")]
    shown = _wait_rows(page, act.GROUP_MEMBERS, lambda r: len(r) == len(g1))
    assert sorted(r["siret"] for r in shown) == sorted(g1["siret"])
    assert sorted(r["name"] for r in shown) == sorted(g1["name"].fillna(""))
    page.no_xss()
    page.sign_out()


# -- the what-if simulation ----------------------------------------------------------

def test_what_if_matches_cli(page, dash_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    reg = dash_registry
    actors = reg.actors(DASH_YEAR).drop_duplicates("id")
    unique = actors.loc[~actors["name"].duplicated(keep=False)
                        & ~actors["name"].str.contains("<")]
    tied = unique.loc[unique["category"].eq("cci")].iloc[0]
    ties = _cli_csv(tmp_path, "recommend-ties", "--registry", str(reg.path), "--year",
                    str(DASH_YEAR), "--top", "10", name="ties.csv")
    page.sign_in()  # the effect of a free scenario on the firms is for staff
    page.open(act.PATH)
    rec = _wait_rows(page, "act-ties-table", lambda r: len(r) == 10)
    assert [r["source_name"] for r in rec] == ties["source_name"].tolist()
    _tab(page, "what-if")

    # bad inputs: an unknown commune, the same actor on both sides
    _type(page, "act-wi-code", "99999")
    _click(page, "#act-wi-add-relay")
    assert "99999" in _wait_text(page, "#act-wi-error-box", "99999")
    tie2 = ties.iloc[1]
    page.select("act-wi-source", tie2["source_name"] + " ·")
    page.select("act-wi-target", tie2["source_name"] + " ·")
    _click(page, "#act-wi-add-tie")
    _wait_text(page, "#act-wi-error-box", "des deux côtés")
    assert "vide" in page.text("#act-wi-list")

    # a relay from the form: commune picked in the list, category, capacity, tied to
    _type(page, "act-wi-code", "")
    page.select("act-wi-commune", "(31555)")
    page.select("act-wi-category", "Club export")
    _type(page, "act-wi-capacity", "200")
    page.select("act-wi-tied", tied["name"] + " ·")
    _click(page, "#act-wi-add-relay")
    _wait_text(page, "#act-wi-items", "Toulouse (31555)")
    # a relay typed by code, then removed
    _type(page, "act-wi-code", "32013")
    _click(page, "#act-wi-add-relay")
    _wait_text(page, "#act-wi-items", "(32013)")
    _click(page, "#act-wi-items li:nth-child(2) button")
    page.wait("#act-wi-items")
    _wait_text_gone(page, "#act-wi-items", "(32013)")
    _type(page, "act-wi-code", "")
    # a tie from the form
    page.select("act-wi-source", tie2["source_name"] + " ·")
    page.select("act-wi-target", tie2["target_name"] + " ·")
    page.select("act-wi-kind", "Cofinancement")
    _click(page, "#act-wi-add-tie")
    _wait_text(page, "#act-wi-items", "Cofinancement")
    # the recommended tie of rank 1 and the first recommended relay site
    _tab(page, "ties")
    _click(page, "#act-ties-table tbody tr:nth-child(2) input[type=radio]")
    _click(page, "#act-add-rec-tie")
    _wait_text(page, "#act-ties-msg", "Lien ajouté")
    _tab(page, "relays")
    site_rows = _wait_rows(page, "act-relays-table", lambda r: len(r) > 0)
    site = re.search(r"\((\w{5})\)$", site_rows[0]["commune_name"]).group(1)
    _click(page, "#act-relays-table tbody tr:nth-child(2) input[type=radio]")
    _click(page, "#act-add-site")
    _wait_text(page, "#act-relays-msg", "Relais ajouté")
    _tab(page, "what-if")
    items = page.text("#act-wi-items")
    assert items.count("Retirer") == 4, items

    # the same scenario, written by hand, through the CLI
    tie1 = ties.iloc[0]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "name: Essai\n"
        f"year: {DASH_YEAR}\n"
        "ties:\n"
        f"  - {{source: {tie2['source']}, target: {tie2['target']}, kind: cofunding}}\n"
        f"  - {{source: {tie1['source']}, target: {tie1['target']}, kind: partnership}}\n"
        "relays:\n"
        f"  - {{commune: '31555', category: club_export, capacity: 200, "
        f"tied_to: [{tied['id']}]}}\n"
        f"  - {{commune: '{site}', category: cci}}\n", encoding="utf-8")
    ref = _cli_csv(tmp_path, "what-if", "--registry", str(reg.path), "--scenario",
                   str(scenario), "--year", str(DASH_YEAR), "--level", "epci",
                   name="what-if.csv")
    page.select("act-wi-level", "EPCI")
    _click(page, "#act-wi-run")
    shown = _wait_rows(page, "act-wi-table", lambda r: len(r) > 0, timeout=2 * WAIT_S)
    changed = ref.loc[ref["change"].fillna(0).abs().gt(1e-12)
                      | (ref["before"].isna() != ref["after"].isna())].reset_index(drop=True)
    _check_what_if(shown, changed, ref)
    region = ref.loc[ref["level"].eq("region")].set_index("measure")
    kf = page.text("#act-wi-kf-unserved").split("\n")[1]
    before, after = (_num(x) for x in kf.split("→"))
    assert (before, after) == (region.at["n_unserved", "before"],
                               region.at["n_unserved", "after"])
    kf = page.text("#act-wi-kf-components").split("\n")[1]
    assert [_num(x) for x in kf.split("→")] == [region.at["n_components", "before"],
                                                region.at["n_components", "after"]]
    assert "2 relais et 2 lien(s)" in page.text("#act-wi-summary")
    # every measure, not only those that change
    _click(page, "#act-wi-only input")
    # wait for the table of every measure itself: its rows are the first 25 of the CLI's
    # file, in order (a tiny change printed "0,000" may also stand in the other table)
    labels = {act._measure_label(m, "fr"): m for m in ref["measure"].unique()}
    first = list(zip(ref["code"].astype(str), ref["measure"], strict=True))[:25]
    shown = _wait_rows(page, "act-wi-table", lambda r: len(r) == 25 and [
        (x["territory"].rsplit("(", 1)[-1].rstrip(")"), labels.get(x["measure"]))
        for x in r] == first)
    _check_what_if(shown, ref, ref)
    page.no_xss()
    _click(page, "#act-wi-clear")
    _wait_text(page, "#act-wi-list", "vide")
    assert page.driver.find_element(By.ID, "act-wi-run").get_attribute("disabled")
    page.sign_out()


def _wait_text_gone(page, css: str, text: str) -> None:  # type: ignore[no-untyped-def]
    wait_for(page.driver, lambda _: text not in page.text(css),
             f"{css!r} without {text!r}", seen=lambda: page.text(css)[:300])


def _check_what_if(shown: list[dict[str, str]], expected: pd.DataFrame,
                   ref: pd.DataFrame) -> None:
    """The first rows shown are the expected rows, in order, with their values; « s »
    only where a firm count of 1-2 (or a territory of 1-2 firms) hides them."""
    n_firms = ref.loc[ref["measure"].eq("n_firms")].set_index(["level", "code"])["before"]
    labels = {act._measure_label(m, "fr"): m for m in ref["measure"].unique()}
    assert len(shown) == min(25, len(expected))
    n_secret = 0
    for row, (_, exp) in zip(shown, expected.iterrows(), strict=False):
        assert row["territory"].endswith(f"({exp['code']})"), (row, exp.to_dict())
        assert labels[row["measure"]] == exp["measure"]
        for col in ("before", "after", "change"):
            text, value = row[col], exp[col]
            if text == "s":
                n_secret += 1
                small_count = exp["measure"] in act.FIRM_COUNTS and 1 <= min(
                    exp["before"], exp["after"]) <= 2
                tiny = 1 <= n_firms.get((exp["level"], exp["code"]), 99) <= 2
                derived = any(exp["measure"] in d for d in act.FIRM_COUNTS.values())
                assert small_count or tiny or derived, (row, exp.to_dict())
            elif text == "–":
                assert pd.isna(value)
            elif text in ("oui", "non"):  # a yes/no indicator, as on the overview page
                assert col != "change" and value == (text == "oui"), (col, text, value)
            else:
                scale = 100 if text.endswith(("%", "pt")) else 1
                assert _close(text, value * scale), (col, text, value, exp.to_dict())
                if exp["measure"] in ("n_unserved", "n_unserved_exporting"):
                    assert not (col != "change" and 1 <= value <= 2), (row, exp.to_dict())


def test_english_labels(page) -> None:  # type: ignore[no-untyped-def]
    page.open(act.PATH, "en")
    _wait_text(page, "#act-tabs", "Ties to create")
    assert "Network activation" in page.text("#page h1")
    _wait_text(page, "#act-ties-table", "Actor A")
    page.no_xss()
