"""Territory indicators on a hand-made registry: every formula worked out by hand.

The world (Lambert-93 metres; MTP is a point of Montpellier, MENDE a point of Mende):

Hérault (34), actors active in 2025: A1 cci at MTP (capacity 100, international
links), A2 team_france_export at MTP+(1000, 0) (capacity 50, international), A3 cce at
MTP+(0, 1000), A4 bank at MTP+(-1000, 0), A5 university at MTP+(0, -1000) (since 2025,
international), A7 cci at MTP+(500, 500). A6 consultant ended in 2024.
Lozère (48): B1 cma at MENDE, B2 chambre_agriculture at MENDE+(0, 1000).

Firms 2025: F1 MTP+(2000, 0) direct export, proactive, ISO 9001|14001, created 2023 with
30 % abroad (born global), groupement G1; F2 MTP+(-2000, 0) local, refusal, ISO 9002,
groupement G1; F3 MTP+(-40000, 0) indirect export, reactive; F4 MTP+(0, 2000) direct
export, proactive, ISO 14001, created 2000; F5 MENDE+(1000, 1000) local, reactive, ISO
9003; F6 MENDE+(-1000, 0) indirect export, reactive. Firms 2024: F1 (direct export),
F2, F3 (local), F5 (local), F6 (indirect export).

Ties: A1-A2 2020; A1-A3, A2-A3, A4-A5, A1-B1 and A1-F1 start in 2025; A6-A1 2023.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from ecosystem import EmptyDataError, Registry, ValidationError, catalogue, settings
from ecosystem.export import write_table
from ecosystem.indicators import (
    KEY_COLUMNS,
    compute_indicators,
    export_indicators,
    territory_indicators,
)
from ecosystem.survey import import_survey, read_survey, stored_survey

from .conftest import make_siret

MTP = (771_000.0, 6_279_000.0)  # in Montpellier (34172)
MENDE = (739_000.0, 6_381_000.0)  # in Mende (48095)
SIRET = {f"F{k}": make_siret(f"7{k}000000", "0001") for k in range(1, 7)}


def at(origin: tuple[float, float], dx: float, dy: float) -> tuple[float, float]:
    return origin[0] + dx, origin[1] + dy


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1]) / 1000


FIRM_XY = {
    "F1": at(MTP, 2000, 0), "F2": at(MTP, -2000, 0), "F3": at(MTP, -40_000, 0),
    "F4": at(MTP, 0, 2000),
    "F5": at(MENDE, 1000, 1000), "F6": at(MENDE, -1000, 0),
}
INFRA_XY = {
    "airport": at(MTP, 0, 10_000), "port": at(MTP, -20_000, 0), "road_node": at(MTP, 3000, 0),
    "rail_node": at(MTP, 0, 5000),
}


def _xy(p: tuple[float, float]) -> str:
    return f"{p[0]:.0f};{p[1]:.0f};2154"


def write_world(folder: Path) -> dict[str, Path]:
    actors = [
        ("A1", "CCI Hérault", "cci", "34172", at(MTP, 0, 0), 2000, "", "100", "oui"),
        ("A2", "Team France Export", "team_france_export", "34172", at(MTP, 1000, 0), 2000, "",
         "50", "oui"),
        ("A3", "CCE Hérault", "cce", "34172", at(MTP, 0, 1000), 2000, "", "", "non"),
        ("A4", "Banque", "bank", "34172", at(MTP, -1000, 0), 2000, "", "", "non"),
        ("A5", "Université", "university", "34172", at(MTP, 0, -1000), 2025, "", "", "oui"),
        ("A6", "Conseil", "consultant", "34172", at(MTP, 500, -500), 2000, "2024", "", "oui"),
        ("A7", "CCI Hérault Sète", "cci", "34172", at(MTP, 500, 500), 2000, "", "", "non"),
        ("B1", "CMA Lozère", "cma", "48095", at(MENDE, 0, 0), 2000, "", "", "non"),
        ("B2", "Chambre d'agriculture", "chambre_agriculture", "48095", at(MENDE, 0, 1000), 2000,
         "", "", "non"),
    ]
    lines = ["id;name;category;commune;x;y;epsg;since;until;capacity;international_links"]
    for i, name, cat, com, p, since, until, cap, intl in actors:
        lines.append(f"{i};{name};{cat};{com};{_xy(p)};{since};{until};{cap};{intl}")
    paths = {"actors": folder / "acteurs.csv"}
    paths["actors"].write_text("\n".join(lines) + "\n", encoding="utf-8")

    firms = [
        # name, commune, stage, posture, iso, created, export_share, groupement, year
        ("F1", "34172", "direct_export", "proactive", "9001|14001", "2023", "0,3", "G1", 2025),
        ("F2", "34172", "local", "refusal", "9002", "", "", "G1", 2025),
        ("F3", "", "indirect_export", "reactive", "", "", "", "", 2025),
        ("F4", "34172", "direct_export", "proactive", "14001", "2000", "0,5", "", 2025),
        ("F5", "48095", "local", "reactive", "9003", "", "", "", 2025),
        ("F6", "48095", "indirect_export", "reactive", "", "", "", "", 2025),
        ("F1", "34172", "direct_export", "proactive", "9001", "2023", "0,3", "G1", 2024),
        ("F2", "34172", "local", "refusal", "", "", "", "", 2024),
        ("F3", "", "local", "reactive", "", "", "", "", 2024),
        ("F5", "48095", "local", "reactive", "", "", "", "", 2024),
        ("F6", "48095", "indirect_export", "reactive", "", "", "", "", 2024),
    ]
    lines = ["siret;name;commune;x;y;epsg;stage;posture;iso;created;export_share;groupement;year"]
    for f, com, stage, posture, iso, created, share, grp, year in firms:
        lines.append(f"{SIRET[f]};Firme {f};{com};{_xy(FIRM_XY[f])};{stage};{posture};{iso};"
                     f"{created};{share};{grp};{year}")
    paths["firms"] = folder / "pme.csv"
    paths["firms"].write_text("\n".join(lines) + "\n", encoding="utf-8")

    ties = [("A1", "A2", "partnership", 2020), ("A1", "A3", "cofunding", 2025),
            ("A2", "A3", "joint_event", 2025), ("A4", "A5", "referral", 2025),
            ("A1", "B1", "partnership", 2025), ("A1", SIRET["F1"], "accompaniment", 2025),
            ("A6", "A1", "partnership", 2023)]
    lines = ["source;target;kind;year"] + [f"{s};{t};{k};{y}" for s, t, k, y in ties]
    paths["relations"] = folder / "liens.csv"
    paths["relations"].write_text("\n".join(lines) + "\n", encoding="utf-8")

    lines = ["id;kind;name;iata;x;y;epsg"]
    for kind, p in INFRA_XY.items():
        iata = "MPL" if kind == "airport" else ""
        lines.append(f"{kind}-1;{kind};{kind};{iata};{_xy(p)}")
    lines.append(f"airport-2;airport;aérodrome sans ligne;;{_xy(at(MTP, 0, 2500))}")
    paths["infrastructure"] = folder / "infra.csv"
    paths["infrastructure"].write_text("\n".join(lines) + "\n", encoding="utf-8")

    paths["broadband"] = folder / "ftth.csv"
    paths["broadband"].write_text(
        "commune;year;ftth_share\n34172;2024;0,8\n34172;2026;0,95\n48095;2025;50\n",
        encoding="utf-8")

    paths["survey"] = folder / "enquete.csv"
    paths["survey"].write_text(
        "territory;level;year;dimension;item;score;respondents\n"
        "34;departement;2025;dynamique;Y1;4;10\n"
        "34;departement;2025;Dynamique;Y2;3;8\n"
        "34;departement;2025;directionalité;D1;2;9\n"
        "34;departement;2024;directionalite;D1;5;9\n",
        encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Registry:
    folder = tmp_path_factory.mktemp("world")
    paths = write_world(folder)
    reg = Registry(folder / "r.gpkg")
    reg.import_files(actors=paths["actors"], firms=paths["firms"], relations=paths["relations"],
                     infrastructure=paths["infrastructure"], broadband=paths["broadband"])
    import_survey(reg, paths["survey"])
    firms = reg.firms(2025).set_index("siret")
    # the hand-made world is where it is meant to be
    assert firms.loc[SIRET["F3"], "departement"] == "34"
    assert set(firms["departement"]) == {"34", "48"}
    return reg


@pytest.fixture(scope="module")
def table(world) -> pd.DataFrame:
    return compute_indicators(world, "departement", 2025, compare_year=2024).set_index("code")


def test_rows_and_keys(table, world):
    assert list(table.index) == ["34", "48"]
    assert table.loc["34", "name"] == "Hérault" and table.loc["48", "name"] == "Lozère"
    assert set(table["level"]) == {"departement"} and set(table["year"]) == {2025}
    assert set(table["compare_year"]) == {2024}
    # every catalogue column is there, each followed by its comparison
    cols = list(table.columns)
    for name in catalogue.names():
        i = cols.index(name)
        assert cols[i + 1: i + 3] == [f"{name}_compare", f"{name}_change"]


def test_counts_and_density(table, world):
    t = table
    assert t.loc["34", ["n_firms", "n_exporters", "n_actors"]].tolist() == [4, 3, 6]
    assert t.loc["48", ["n_firms", "n_exporters", "n_actors"]].tolist() == [2, 1, 2]
    area = world.territories("departement").set_index("code")["area_km2"]
    assert t.loc["34", "actors_per_100_exporters"] == pytest.approx(100 * 6 / 3)
    assert t.loc["48", "actors_per_100_exporters"] == pytest.approx(100 * 2 / 1)
    assert t.loc["34", "actors_per_1000_km2"] == pytest.approx(1000 * 6 / area["34"])
    assert t.loc["48", "actors_per_1000_km2"] == pytest.approx(1000 * 2 / area["48"])
    assert t.loc["34", "exporters_per_1000_firms"] == pytest.approx(750.0)
    assert t.loc["48", "exporters_per_1000_firms"] == pytest.approx(500.0)
    # best ISO weight: F1 9001 -> 1, F2 9002 -> 0.75, F3 none -> 0, F4 14001 -> 0.5
    assert t.loc["34", "iso_density"] == pytest.approx(100 * (1 + 0.75 + 0 + 0.5) / 4)
    assert t.loc["48", "iso_density"] == pytest.approx(100 * (0.5 + 0) / 2)  # F5 9003


def test_diversity(table):
    t = table
    # Hérault: cci, team_france_export, cce, bank, university of the 10 reference categories
    assert t.loc["34", "category_coverage"] == pytest.approx(0.5)
    assert t.loc["48", "category_coverage"] == pytest.approx(0.0)  # cma, chamber: not reference
    # F1, F2, F4 have the five Hérault categories within 30 km; F3 is 39 km from A4, the closest
    assert t.loc["34", "category_reach"] == pytest.approx((0.5 + 0.5 + 0 + 0.5) / 4)
    assert t.loc["48", "category_reach"] == pytest.approx(0.0)
    # Hérault: 2 cci out of 6 actors, four categories with one actor each
    h = -(2 / 6 * math.log(2 / 6) + 4 * (1 / 6) * math.log(1 / 6))
    assert t.loc["34", "category_evenness"] == pytest.approx(h / math.log(5))
    assert t.loc["48", "category_evenness"] == pytest.approx(1.0)  # one cma, one chamber


def test_dynamism(table):
    t = table
    # exporters 2024 -> 2025: Hérault 1 (F1) -> 3 (F1, F3, F4); Lozère 1 (F6) -> 1
    assert t.loc["34", "exporter_growth"] == pytest.approx((3 - 1) / 1)
    assert t.loc["48", "exporter_growth"] == pytest.approx(0.0)
    # starting in 2025: A1-A3, A2-A3, A4-A5, A1-B1, A1-F1 touch Hérault; A1-B1 touches Lozère
    assert t.loc["34", "new_ties"] == 5 and t.loc["48", "new_ties"] == 1
    assert t.loc["34", "new_ties_per_actor"] == pytest.approx(5 / 6)
    assert t.loc["48", "new_ties_per_actor"] == pytest.approx(1 / 2)
    assert t.loc["34", "proactive_share"] == pytest.approx(2 / 3)  # F1, F4 of F1, F3, F4
    assert t.loc["48", "proactive_share"] == pytest.approx(0.0)
    assert t.loc["34", "born_global_count"] == 1 and t.loc["48", "born_global_count"] == 0
    assert t.loc["34", "born_global_per_1000_firms"] == pytest.approx(1000 / 4)
    assert t.loc["34", "groupement_members"] == 2 and t.loc["48", "groupement_members"] == 0
    assert t.loc["34", "groupement_share"] == pytest.approx(0.5)
    assert t.loc["34", "survey_dynamique"] == pytest.approx((4 + 3) / 2)
    assert np.isnan(t.loc["48", "survey_dynamique"])


def test_governance(table):
    t = table
    # Hérault graph: A1-A2-A3 triangle, A4-A5, A7 alone: largest component 3 of 6 actors
    assert t.loc["34", "network_cohesion"] == pytest.approx(3 / 6)
    assert t.loc["34", "coordination_density"] == pytest.approx(4 / (6 * 5 / 2))
    # Lozère: two actors, no tie between them
    assert t.loc["48", "network_cohesion"] == pytest.approx(1 / 2)
    assert t.loc["48", "coordination_density"] == pytest.approx(0.0)
    # regional graph of 8 actors: A1 alone has a betweenness above 0 (B1 to A2 and to A3),
    # so it is the top 5 % (k = ceil(0.4) = 1); it is tied to cma, team_france_export, cce
    assert bool(t.loc["34", "has_coordinator"]) is True
    assert bool(t.loc["48", "has_coordinator"]) is False
    assert t.loc["34", "external_openness"] == pytest.approx(3 / 6)  # A1, A2, A5
    assert t.loc["48", "external_openness"] == pytest.approx(0.0)
    assert t.loc["34", "survey_directionalite"] == pytest.approx(2.0)


def test_coordinator_needs_three_categories(world):
    with settings.override(coordinator_min_categories=4):
        t = compute_indicators(world, "departement", 2025).set_index("code")
    assert not t["has_coordinator"].any()


def test_proximity_and_infrastructure(table):
    t = table
    # F3 is 40 km from A1 (and farther from A2, A3, A7): unserved; Lozère has no front line
    assert t.loc["34", "unserved_share"] == pytest.approx(1 / 4)
    assert t.loc["48", "unserved_share"] == pytest.approx(1.0)
    # 2SFCA: A1 (100), A2 (50), A3 (150 by default), A7 (150) each reach F1, F2, F4 only:
    # R_j = S_j / 3, and F1, F2, F4 each get the sum of the four ratios; F3 gets 0
    reach = (100 + 50 + 150 + 150) / 3
    assert t.loc["34", "access_2sfca_mean"] == pytest.approx(3 * reach / 4)
    assert t.loc["48", "access_2sfca_mean"] == pytest.approx(0.0)
    for kind, col in [("airport", "airport_km_median"), ("port", "port_km_median"),
                      ("road_node", "road_km_median"), ("rail_node", "rail_km_median")]:
        for dep, firms in [("34", ["F1", "F2", "F3", "F4"]), ("48", ["F5", "F6"])]:
            expected = statistics.median(km(FIRM_XY[f], INFRA_XY[kind]) for f in firms)
            assert t.loc[dep, col] == pytest.approx(expected, rel=1e-9), (dep, col)
    # the airfield without an IATA code at 2.5 km does not count
    assert t.loc["34", "airport_km_median"] > 8
    # FTTH: 34172 has 0.8 (2024; 2026 is after the year); F3's commune has no value
    assert t.loc["34", "broadband_ftth_share"] == pytest.approx(0.8)
    assert t.loc["48", "broadband_ftth_share"] == pytest.approx(0.5)


def test_compare_year(table):
    t = table
    assert t.loc["34", "n_firms_compare"] == 3 and t.loc["34", "n_firms_change"] == 1
    assert t.loc["34", "n_exporters_compare"] == 1 and t.loc["34", "n_exporters_change"] == 2
    # 2024: A1, A2, A3, A4, A6, A7 active in Hérault; ties A1-A2 and A6-A1
    assert t.loc["34", "n_actors_compare"] == 6
    assert t.loc["34", "network_cohesion_compare"] == pytest.approx(3 / 6)
    assert t.loc["34", "coordination_density_compare"] == pytest.approx(2 / 15)
    assert t.loc["34", "coordination_density_change"] == pytest.approx(4 / 15 - 2 / 15)
    assert t.loc["34", "new_ties_compare"] == 0
    assert np.isnan(t.loc["34", "exporter_growth_compare"])  # no 2023 observation
    assert t.loc["34", "survey_directionalite_compare"] == pytest.approx(5.0)
    assert t.loc["34", "survey_directionalite_change"] == pytest.approx(-3.0)
    # 2024: A1 bridges A2 and A6 but is tied to two categories only
    assert t.loc["34", "has_coordinator_change"] == 1


def test_composite_columns(table):
    t = table
    # two territories: min-max gives 0 or 1 per indicator; Hérault leads on most
    assert t.loc["34", "imi_rank"] == 1 and t.loc["48", "imi_rank"] == 2
    assert t.loc["34", "imi"] > t.loc["48", "imi"]
    assert (t["imi"].between(0, 100)).all()
    # Hérault and Lozère both have 200 actors per 100 exporters: no information, left out;
    # Hérault has the larger value of every other density indicator
    assert t.loc["34", "imi_density"] == pytest.approx(100.0)
    assert t.loc["48", "imi_density"] == pytest.approx(0.0)
    assert t.loc["34", "imi_rank_p05"] <= 1 <= t.loc["34", "imi_rank_p95"]


def test_region_level_and_geometry(world):
    t = compute_indicators(world, "region", 2025, with_geometry=True)
    assert isinstance(t, gpd.GeoDataFrame) and t.crs.to_epsg() == 2154
    assert t["code"].tolist() == ["76"] and t["n_firms"].tolist() == [6]
    assert t.geometry.iloc[0].geom_type == "MultiPolygon"
    # one territory: nothing to compare it with, so no composite value
    assert np.isnan(t["imi"].iloc[0]) and pd.isna(t["imi_rank"].iloc[0])


def test_commune_level(world):
    t = compute_indicators(world, "commune", 2025).set_index("code")
    assert t.loc["34172", "n_firms"] == 3 and t.loc["34172", "n_actors"] == 6
    assert t.loc["48095", "n_actors"] == 2


def test_errors(world, tmp_path):
    with pytest.raises(ValueError, match="unknown level"):
        compute_indicators(world, "canton", 2025)
    with pytest.raises(EmptyDataError, match="2023"):
        compute_indicators(world, "departement", 2023)
    with pytest.raises(EmptyDataError, match="its years are 2024, 2025"):
        compute_indicators(world, "departement", 2025, compare_year=2019)


def test_layers_in_memory_without_relations(world):
    """The in-memory entry point with optional layers left out."""
    t = territory_indicators(world.firms(2025), world.actors(), None, 2025, "departement")
    t = t.set_index("code")
    assert t.loc["34", "n_actors"] == 6 and t.loc["34", "new_ties"] == 0
    assert t.loc["34", "network_cohesion"] == pytest.approx(1 / 6)  # six isolated actors
    assert np.isnan(t.loc["34", "airport_km_median"])
    assert t["name"].tolist() == ["", ""]
    assert np.isnan(t.loc["34", "exporter_growth"])  # no history given


def test_outputs(table, tmp_path):
    frame = table.reset_index()
    out = write_table(frame, tmp_path / "t.json", "json")
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows[0]["code"] == "34" and rows[0]["n_firms"] == 4
    assert rows[1]["survey_dynamique"] is None
    csv = write_table(frame, tmp_path / "t.csv", "csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0].startswith("code;name;level;year")


def test_export_formats(world, tmp_path):
    import pyogrio

    out = export_indicators(world, "departement", 2025, tmp_path / "dep.gpkg",
                            compare_year=2024)
    back = pyogrio.read_dataframe(out, layer="indicators_departement_2025")
    assert back.crs.to_epsg() == 2154 and back["code"].tolist() == ["34", "48"]
    assert set(back.geom_type) == {"MultiPolygon"}
    assert back["n_firms_change"].tolist() == [1, 0]
    out = export_indicators(world, "departement", 2025, tmp_path / "dep.xlsx")
    assert out.stat().st_size > 0


def test_catalogue_matches_the_table(table):
    names = catalogue.names()
    assert len(set(names)) == len(names)
    produced = [c for c in table.reset_index().columns
                if c not in (*KEY_COLUMNS, "compare_year")
                and not c.endswith(("_compare", "_change"))]
    assert produced == names
    for i in catalogue.INDICATORS:
        assert i.dimension in catalogue.DIMENSIONS, i.name
        assert i.direction in (-1, 0, 1) and i.dtype in ("int", "float", "bool")
        assert i.label_fr and i.label_en and i.formula and i.unit and i.source
        if i.composite:
            assert i.dimension in catalogue.COMPOSITE_DIMENSIONS and i.direction != 0
    assert len(catalogue.catalogue_frame()) == len(catalogue.INDICATORS)
    with pytest.raises(KeyError, match="unknown indicator"):
        catalogue.get("nope")


def test_docs_page_is_up_to_date():
    path = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"
    text = path.read_text(encoding="utf-8")
    assert catalogue.update_markdown(text) == text, (
        "docs/indicators.md is out of date: run python -m ecosystem.catalogue "
        "docs/indicators.md")
    for i in catalogue.INDICATORS:
        assert f"| `{i.name}` |" in text


def test_survey_validation(tmp_path, world):
    p = tmp_path / "bad.csv"
    p.write_text(
        "territory;level;year;dimension;item;score;respondents\n"
        "34;departement;2025;dynamique;Y1;6;10\n"  # above the Likert scale
        "34;departement;2025;strategie;Y2;3;10\n"  # unknown dimension
        "7X;region;2025;dynamique;Y3;3;0\n"  # bad région code, no respondent
        "34;departement;2025;dynamique;Y1;3;10\n",  # Y1 twice
        encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        read_survey(p)
    found = {(q.row, q.column) for q in exc.value.problems}
    assert found == {(1, "score"), (2, "dimension"), (3, "territory"), (3, "respondents"),
                     (4, "item")}
    assert "Likert" in str(exc.value)
    # the stored survey is untouched
    assert len(stored_survey(world)) == 4


def test_survey_import_replaces_same_items(tmp_path):
    reg = Registry(tmp_path / "s.gpkg")
    a = tmp_path / "a.csv"
    a.write_text("territory,level,year,dimension,item,score\n"
                 "1,departement,2025,dynamique,Y1,2\n"  # "01" that lost its zero
                 "01,departement,2025,dynamique,Y2,4\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("territory,level,year,dimension,item,score\n"
                 "01,departement,2025,dynamique,Y1,5\n", encoding="utf-8")
    import_survey(reg, a)
    stored = import_survey(reg, b)
    assert stored.set_index("item")["score"].to_dict() == {"Y1": 5.0, "Y2": 4.0}
    assert set(stored["territory"]) == {"01"}


def _graph(edges, categories):
    import networkx as nx

    g = nx.Graph()
    for node, cat in categories.items():
        g.add_node(node, category=cat)
    g.add_edges_from(edges)
    return g


def test_coordinators_top_share_and_regions():
    import networkx as nx

    from ecosystem.network import coordinators

    cats = ["cci", "cce", "bank", "university", "consultant", "logistics"]
    # région 76: hub h1 with 12 leaves, h2 with 5 leaves, h3 with 3 leaves, in a chain
    edges = [("h1", f"l{k}") for k in range(12)] + [("h2", f"m{k}") for k in range(5)]
    edges += [("h3", f"q{k}") for k in range(3)] + [("h1", "h2"), ("h2", "h3")]
    nodes = sorted({v for e in edges for v in e})
    categories = {v: cats[k % len(cats)] for k, v in enumerate(nodes)}
    # région 11: a path b0 - b1 - b2, b1 tied to two categories; plus a tie to h1 across
    # the border, which the régional graph leaves out
    edges += [("b0", "b1"), ("b1", "b2"), ("b1", "h1")]
    categories.update({"b0": "university", "b1": "bank", "b2": "cce"})
    assert categories["h1"] == "cci"
    g = _graph(edges, categories)
    actors = pd.DataFrame({"id": list(categories),
                           "region": ["11" if v.startswith("b") else "76" for v in categories]})
    # 23 actors in 76: k = ceil(0.05 * 23) = 2; networkx ranks h1, h2, h3 by betweenness
    sub = g.subgraph([v for v in categories if not v.startswith("b")])
    b = nx.betweenness_centrality(sub)
    assert sorted(b, key=b.get, reverse=True)[:3] == ["h1", "h2", "h3"]
    assert coordinators(g, actors) == {"h1", "h2"}
    with settings.override(coordinator_top_share=0.10):  # k = 3
        assert coordinators(g, actors) == {"h1", "h2", "h3"}
    # without the région border, b1 would be tied to three categories (with h1's cci)
    one_region = actors.assign(region="76")
    with settings.override(coordinator_top_share=1.0):
        assert "b1" in coordinators(g, one_region)
        assert "b1" not in coordinators(g, actors)
