"""One truth: every surface that gives a figure gives the same value for the same concept,
territory and year.

The surfaces: the ``indicators``, ``unserved``, ``network`` and ``what-if`` commands (their
files, read back as a user's spreadsheet would), the indicator table of the Python API, the
dashboard's data layer (what its pages show), and the report's tables. They are compared
with each other and, for the unserved count, with a brute-force count done here with numpy.

Run on the demo and on a random registry whose actors lack two front-line categories (the
rule then uses the others, in every command alike).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from ecosystem import catalogue
from ecosystem.cli import main
from ecosystem.indicators import compute_indicators
from ecosystem.registry import Registry
from ecosystem.settings import FRONT_LINE_CATEGORIES, get_settings

YEAR = 2025
LEVEL = "departement"


def _random_registry(path: Path) -> Registry:
    """A demo of another seed and size, whose CCE and Bpifrance actors are removed."""
    from ecosystem.demo import build_demo

    reg = build_demo(path, seed=11, n_firms=1500)
    actors = reg.actors()
    keep = ~actors["category"].isin(["cce", "bpifrance"])
    relations = reg.relations()
    gone = set(actors.loc[~keep, "id"].astype(str))
    relations = relations[~relations["source"].astype(str).isin(gone)
                          & ~relations["target"].astype(str).isin(gone)]
    reg.write_layers({"actors": actors[keep], "relations": relations})
    return reg


@pytest.fixture(scope="module", params=["demo", "random"])
def registry(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Registry:
    from ecosystem.demo import build_demo

    path = tmp_path_factory.mktemp(request.param) / "r.gpkg"
    if request.param == "demo":
        return build_demo(path)
    return _random_registry(path)


@pytest.fixture(scope="module")
def outputs(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The files of the commands, run as a user runs them."""
    out = tmp_path_factory.mktemp("out")
    scenario = out / "vide.yaml"
    scenario.write_text(f"name: aucun changement\nyear: {YEAR}\n", encoding="utf-8")
    files = {"indicators": out / "indicators.csv", "unserved": out / "unserved.csv",
             "whatif": out / "whatif.csv", "network": out / "network"}
    r = str(registry.path)
    for argv in (
        ["indicators", "-r", r, "--level", LEVEL, "--year", str(YEAR),
         "--out", str(files["indicators"])],
        ["unserved", "-r", r, "--year", str(YEAR), "--out", str(files["unserved"])],
        ["what-if", "-r", r, "--scenario", str(scenario), "--year", str(YEAR),
         "--level", LEVEL, "--out", str(files["whatif"])],
        ["network", "-r", r, "--year", str(YEAR), "--out", str(files["network"])],
    ):
        assert main(argv) == 0, argv
    return files


def _read_fr(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", dtype={"code": str, "departement": str,
                                                         "territory": str},
                       encoding="utf-8-sig")


@pytest.fixture(scope="module")
def table(registry: Registry) -> pd.DataFrame:
    return compute_indicators(registry, LEVEL, YEAR).set_index("code")


def _brute_force_unserved(registry: Registry) -> pd.Series:
    """Unserved firms by département, counted here: a firm is unserved when no active
    actor of the front-line categories that have one lies within d (straight line)."""
    s = get_settings()
    firms = registry.firms(YEAR)
    actors = registry.actors(YEAR)
    front = actors[actors["category"].isin(FRONT_LINE_CATEGORIES)]
    fx = np.column_stack([shapely.get_x(firms.geometry.values),
                          shapely.get_y(firms.geometry.values)])
    ax = np.column_stack([shapely.get_x(front.geometry.values),
                          shapely.get_y(front.geometry.values)])
    d2 = ((fx[:, None, :] - ax[None, :, :]) ** 2).sum(axis=2)
    nearest_km = np.sqrt(d2.min(axis=1)) / 1000.0 * s.detour_factor
    unserved = nearest_km > s.unserved_distance_km
    return pd.Series(unserved).groupby(firms["departement"].astype(str).to_numpy()).sum()


def test_unserved_count_is_the_same_everywhere(registry: Registry, outputs: dict[str, Path],
                                               table: pd.DataFrame) -> None:
    truth = _brute_force_unserved(registry)
    # the unserved command's file
    cli = _read_fr(outputs["unserved"]).groupby("departement").size()
    # the indicator table
    from_table = (table["unserved_share"] * table["n_firms"]).round().astype(int)
    # the what-if "before" (proximity source)
    wi = _read_fr(outputs["whatif"])
    wi = wi[(wi["level"] == LEVEL) & (wi["source"] == "proximity")
            & (wi["measure"] == "n_unserved")].set_index("code")["before"]
    # the governance gaps of the network command (share of unserved firms)
    gaps = _read_fr(outputs["network"] / "gaps.csv")
    gaps = gaps[gaps["kind"] == "unserved_area"].set_index("territory")["value"]
    # the dashboard's data layer (the PME non accompagnées page)
    from dashboard.data import DashboardData

    dash = DashboardData(registry.path).unserved(YEAR).groupby("departement").size()
    for code, n in truth.items():
        assert cli.get(code, 0) == n, code
        assert from_table[code] == n, code
        assert wi[code] == n, code
        assert dash.get(code, 0) == n, code
        if n:
            assert gaps[code] == pytest.approx(n / table.loc[code, "n_firms"]), code
        else:
            assert code not in gaps.index


def test_indicator_table_is_the_same_everywhere(registry: Registry, outputs: dict[str, Path],
                                                table: pd.DataFrame) -> None:
    names = [c for c in catalogue.names() if c in table.columns]
    # the indicators command's file
    cli = _read_fr(outputs["indicators"]).set_index("code")
    # the what-if "before" column (indicators source)
    wi = _read_fr(outputs["whatif"])
    wi = wi[(wi["level"] == LEVEL) & (wi["source"] == "indicators")]
    before = wi.pivot(index="code", columns="measure", values="before")
    # the dashboard's data layer (Vue d'ensemble, Territoires)
    from dashboard.data import DashboardData

    dash = DashboardData(registry.path).indicators(LEVEL, YEAR).set_index("code")
    compared = 0
    for name in names:
        expected = pd.to_numeric(table[name], errors="coerce").astype(float)
        for label, other in (("indicators command", cli), ("what-if before", before),
                             ("dashboard", dash)):
            if name not in other.columns:
                assert label == "what-if before" and table[name].dtype == object, name
                continue
            got = pd.to_numeric(other[name].reindex(expected.index), errors="coerce")
            np.testing.assert_allclose(got.astype(float), expected, rtol=1e-6, atol=1e-9,
                                       err_msg=f"{name}: {label}")
            compared += 1
    assert compared >= 3 * len(names) - 5


def test_network_command_agrees_with_the_indicators(outputs: dict[str, Path],
                                                     table: pd.DataFrame) -> None:
    terr = _read_fr(outputs["network"] / "territories.csv")
    terr = terr[terr["level"] == LEVEL].set_index("code")
    codes = table.index
    np.testing.assert_array_equal(terr["n_actors"].reindex(codes).fillna(0),
                                  table.loc[codes, "n_actors"])
    np.testing.assert_allclose(terr["largest_component_share"].reindex(codes).fillna(0),
                               table.loc[codes, "network_cohesion"])
    np.testing.assert_allclose(terr["density"].reindex(codes).fillna(0),
                               table.loc[codes, "coordination_density"])


_NUMBER = re.compile(r"[−\-+]?\d[\d\u202f\u00a0 ]*(?:[.,]\d+)?")


def _displayed(text: str) -> tuple[float, int, bool] | None:
    """(value, decimals shown, is a percentage) of a report cell; None for 's' or '–'."""
    text = text.strip()
    if text in ("s", "–", ""):
        return None
    if text in ("oui", "non"):
        return (1.0 if text == "oui" else 0.0), 0, False
    m = _NUMBER.search(text)
    assert m, text
    raw = m.group(0).replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    raw = raw.replace("−", "-").replace(",", ".")
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return float(raw), decimals, "%" in text


def test_report_tables_show_the_indicator_table(registry: Registry, table: pd.DataFrame
                                                ) -> None:
    from report.content import report_content

    code = str(table["n_firms"].idxmax())
    content = report_content(registry, YEAR, code, LEVEL)
    by_label = {ind.label_fr: ind.name for ind in catalogue.INDICATORS}
    shown = 0
    for t in content["tables"]:
        if not t.name.startswith("indicateurs_"):
            continue
        for row in t.csv.itertuples(index=False):
            name = by_label.get(row[0])
            if name is None or name not in table.columns:
                continue
            cell = _displayed(str(row[1]))  # the column of the report's year
            if cell is None:
                continue
            value, decimals, percent = cell
            expected = float(table.loc[code, name]) * (100.0 if percent else 1.0)
            assert value == pytest.approx(expected, abs=0.5 * 10 ** -decimals + 1e-9), \
                (t.name, name, row[1], expected)
            shown += 1
    assert shown >= 15


def test_an_import_shows_in_map_report_and_dashboard(tmp_path: Path) -> None:
    """A new CCI office imported after every surface has computed (and cached) its
    results: the next map, report and dashboard request show it, and the unserved count
    drops to the brute-force count of the new registry."""
    from dashboard.data import DashboardData
    from ecosystem.demo import build_demo

    reg = build_demo(tmp_path / "r.gpkg", seed=5, n_firms=600)
    dash = DashboardData(reg.path)
    before = _brute_force_unserved(reg)
    dep = str(before.idxmax())  # the département with most unserved firms
    assert dash.unserved(YEAR).groupby("departement").size()[dep] == before[dep]
    assert main(["map", "-r", str(reg.path), "--year", str(YEAR), "--kind", "actors",
                 "--out", str(tmp_path / "before.html")]) == 0
    # the new office sits at the firm of that département farthest from the front line
    un = _read_fr_unserved(reg, tmp_path)
    far = un[un["departement"] == dep].sort_values("nearest_km").iloc[-1]
    firms = reg.firms(YEAR).set_index("firm_id")
    commune = str(firms.loc[str(far["firm_id"]), "commune"])
    (tmp_path / "office.csv").write_text(
        "id;name;category;commune;since\n"
        f"cci-nouvelle;Antenne CCI Nouvelle Zélande;cci;{commune};2020\n", encoding="utf-8")
    assert main(["import", "-r", str(reg.path), "--actors", str(tmp_path / "office.csv")]) == 0

    after = _brute_force_unserved(reg)
    assert after[dep] < before[dep]
    assert dash.unserved(YEAR).groupby("departement").size().get(dep, 0) == after[dep]
    n_actors = compute_indicators(reg, LEVEL, YEAR).set_index("code").loc[dep, "n_actors"]
    assert dash.indicators(LEVEL, YEAR).set_index("code").loc[dep, "n_actors"] == n_actors
    assert main(["map", "-r", str(reg.path), "--year", str(YEAR), "--kind", "actors",
                 "--out", str(tmp_path / "after.html")]) == 0
    assert "Antenne CCI Nouvelle Zélande" not in (tmp_path / "before.html").read_text("utf-8")
    assert "Antenne CCI Nouvelle Zélande" in (tmp_path / "after.html").read_text("utf-8")
    from report.content import report_content

    content = report_content(reg, YEAR, dep, LEVEL)
    cats = next(t for t in content["tables"] if t.name == "acteurs_categories").csv
    cci = cats[cats.iloc[:, 0].str.startswith("CCI")].iloc[0, 1]
    n_cci = int((reg.actors(YEAR).query("category == 'cci'")["departement"] == dep).sum())
    assert int(cci) == n_cci


def _read_fr_unserved(reg: Registry, folder: Path) -> pd.DataFrame:
    out = folder / "unserved-now.csv"
    assert main(["unserved", "-r", str(reg.path), "--year", str(YEAR), "--out", str(out)]) == 0
    return _read_fr(out)
