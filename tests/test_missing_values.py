"""Missing is not zero: the policy the catalogue declares, checked against the table.

A hand-made registry of four départements, each lacking something (Lambert-93 metres;
MTP a point of Montpellier, MENDE of Mende, RODEZ of Rodez, NIMES of Nîmes; the four
are more than 30 km apart):

- Hérault (34) lacks nothing. Actors A1 cci at MTP (capacity 100, international
  links), A2 bank at MTP+(1000, 0); the tie A1-A2 starts in 2025. Firms 2025: F1
  MTP+(2000, 0) direct export, proactive, ISO 9001, created 2023 with 30 % abroad,
  groupement G1; F2 MTP+(-2000, 0) local, reactive. Firm 2024: F1 (direct export).
  Survey 2025: dynamique 4, directionalité 3. FTTH of 34172: 0.9 (2025).
- Lozère (48) has firms and no actor. Firms 2025: G1 MENDE+(1000, 0) indirect export,
  reactive, ISO 9002; G2 MENDE+(-1000, 0) local. Firm 2024: G1 (indirect export).
  FTTH of 48095: 0.6 (2024). No survey.
- Aveyron (12) has firms and no exporter, one actor: R1 cma at RODEZ. Firms 2025: H1
  RODEZ+(1000, 0) and H2 RODEZ+(0, 1000), local; 2024: H1 (local). No FTTH value, no
  survey.
- Gard (30) has actors and no firm: C1 cci at NIMES (capacity 50), C2 university at
  NIMES+(0, 1000) (international links), tied since 2020. Its only firm, K1
  NIMES+(2000, 0), direct export, was observed in 2024 alone. No survey.

Infrastructure: an airport with an IATA code at MTP+(0, 10000), a port at
MTP+(-20000, 0), a motorway node at MTP+(3000, 0), a rail node at MTP+(0, 5000).
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosystem import Registry, catalogue
from ecosystem.indicators import compute_indicators, territory_indicators
from ecosystem.survey import import_survey

from .conftest import make_siret

MTP = (771_000.0, 6_279_000.0)  # Montpellier, 34172
MENDE = (739_000.0, 6_381_000.0)  # Mende, 48095
RODEZ = (666_250.0, 6_361_230.0)  # Rodez, 12202
NIMES = (809_400.0, 6_305_100.0)  # Nîmes, 30189
YEAR = 2025


def at(origin: tuple[float, float], dx: float, dy: float) -> tuple[float, float]:
    return origin[0] + dx, origin[1] + dy


FIRM_XY = {"F1": at(MTP, 2000, 0), "F2": at(MTP, -2000, 0), "G1": at(MENDE, 1000, 0),
           "G2": at(MENDE, -1000, 0), "H1": at(RODEZ, 1000, 0), "H2": at(RODEZ, 0, 1000),
           "K1": at(NIMES, 2000, 0)}
INFRA_XY = {"airport": at(MTP, 0, 10_000), "port": at(MTP, -20_000, 0),
            "road_node": at(MTP, 3000, 0), "rail_node": at(MTP, 0, 5000)}
SIRET = {f: make_siret(f"8{k}100000", "0001") for k, f in enumerate(FIRM_XY)}
COMMUNE = {"34": "34172", "48": "48095", "12": "12202", "30": "30189"}

#: What each département lacks in the registry's 2025 table (every absence that holds,
#: implied ones included: no firm is also no exporter).
ABSENT: dict[str, set[str]] = {
    "34": set(),
    "48": {"no_actor", "no_survey"},
    "12": {"no_exporter", "no_exporter_before", "one_actor", "one_category", "no_survey",
           "no_broadband"},
    # no firm: "no_broadband" (no FTTH value for the communes of its firms) does not apply
    "30": {"no_firm", "no_exporter", "no_survey"},
}
#: What every territory also lacks when the table is computed from the firms, actors and
#: relations alone (no territories, infrastructure, broadband, history nor survey).
BARE = {"no_area", "no_infrastructure", "no_broadband", "no_survey", "no_year_before"}


def _xy(p: tuple[float, float]) -> str:
    return f"{p[0]:.0f};{p[1]:.0f};2154"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1]) / 1000


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Registry:
    folder: Path = tmp_path_factory.mktemp("missing")
    actors = [  # id, name, category, département, point, capacity, international links
        ("A1", "CCI Hérault", "cci", "34", MTP, "100", "oui"),
        ("A2", "Banque", "bank", "34", at(MTP, 1000, 0), "", "non"),
        ("R1", "CMA Aveyron", "cma", "12", RODEZ, "", "non"),
        ("C1", "CCI Gard", "cci", "30", NIMES, "50", "non"),
        ("C2", "Université de Nîmes", "university", "30", at(NIMES, 0, 1000), "", "oui"),
    ]
    lines = ["id;name;category;commune;x;y;epsg;since;until;capacity;international_links"]
    lines += [f"{i};{name};{cat};{COMMUNE[dep]};{_xy(p)};2000;;{cap};{intl}"
              for i, name, cat, dep, p, cap, intl in actors]
    (folder / "acteurs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    firms = [  # firm, département, stage, posture, iso, created, export share, group, year
        ("F1", "34", "direct_export", "proactive", "9001", "2023", "0,3", "G1", 2025),
        ("F2", "34", "local", "reactive", "", "", "", "", 2025),
        ("G1", "48", "indirect_export", "reactive", "9002", "", "", "", 2025),
        ("G2", "48", "local", "reactive", "", "", "", "", 2025),
        ("H1", "12", "local", "reactive", "", "", "", "", 2025),
        ("H2", "12", "local", "reactive", "", "", "", "", 2025),
        ("F1", "34", "direct_export", "proactive", "9001", "2023", "0,3", "G1", 2024),
        ("G1", "48", "indirect_export", "reactive", "", "", "", "", 2024),
        ("H1", "12", "local", "reactive", "", "", "", "", 2024),
        ("K1", "30", "direct_export", "proactive", "", "", "", "", 2024),
    ]
    lines = ["siret;name;commune;x;y;epsg;stage;posture;iso;created;export_share;"
             "groupement;year"]
    lines += [f"{SIRET[f]};Firme {f};{COMMUNE[dep]};{_xy(FIRM_XY[f])};{stage};{posture};"
              f"{iso};{created};{share};{grp};{year}"
              for f, dep, stage, posture, iso, created, share, grp, year in firms]
    (folder / "pme.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "liens.csv").write_text(
        "source;target;kind;year\nA1;A2;partnership;2025\nC1;C2;partnership;2020\n",
        encoding="utf-8")
    lines = ["id;kind;name;iata;x;y;epsg"]
    lines += [f"{k}-1;{k};{k};{'MPL' if k == 'airport' else ''};{_xy(p)}"
              for k, p in INFRA_XY.items()]
    (folder / "infra.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "ftth.csv").write_text(
        "commune;year;ftth_share\n34172;2025;0,9\n48095;2024;0,6\n", encoding="utf-8")
    (folder / "enquete.csv").write_text(
        "territory;level;year;dimension;item;score\n"
        "34;departement;2025;dynamique;Y1;4\n34;departement;2025;directionalite;D1;3\n",
        encoding="utf-8")
    reg = Registry(folder / "r.gpkg")
    reg.import_files(actors=folder / "acteurs.csv", firms=folder / "pme.csv",
                     relations=folder / "liens.csv", infrastructure=folder / "infra.csv",
                     broadband=folder / "ftth.csv")
    import_survey(reg, folder / "enquete.csv")
    # the hand-made world is where it is meant to be
    placed = reg.firms().drop_duplicates("siret").set_index("siret")["departement"]
    assert {f: placed[s] for f, s in SIRET.items()} == {
        "F1": "34", "F2": "34", "G1": "48", "G2": "48", "H1": "12", "H2": "12", "K1": "30"}
    assert reg.actors().set_index("id")["departement"].to_dict() == {
        "A1": "34", "A2": "34", "R1": "12", "C1": "30", "C2": "30"}
    return reg


@pytest.fixture(scope="module")
def table(registry) -> pd.DataFrame:
    return compute_indicators(registry, "departement", YEAR).set_index("code")


@pytest.fixture(scope="module")
def bare(registry) -> pd.DataFrame:
    t = territory_indicators(registry.firms(YEAR), registry.actors(), registry.relations(),
                             YEAR, "departement")
    return t.set_index("code")


def _expected(registry: Registry) -> dict[str, dict[str, float]]:
    """Every indicator of every département, worked out by hand (NaN: no value)."""
    nan = math.nan
    area = registry.territories("departement").set_index("code")["area_km2"]

    def median_km(dep: str, kind: str) -> float:
        firms = {"34": ["F1", "F2"], "48": ["G1", "G2"], "12": ["H1", "H2"]}.get(dep)
        if not firms:
            return nan
        return statistics.median(_km(FIRM_XY[f], INFRA_XY[kind]) for f in firms)

    exp = {
        "34": dict(
            n_firms=2, n_exporters=1, n_actors=2, actors_per_100_exporters=200.0,
            actors_per_1000_km2=1000 * 2 / area["34"], exporters_per_1000_firms=500.0,
            iso_density=100 * (1 + 0) / 2,
            category_coverage=2 / 10,  # cci, bank
            category_reach=(2 / 10 + 2 / 10) / 2,  # A1 and A2 within 30 km of F1 and F2
            category_evenness=1.0,  # one cci, one bank: H = ln 2 = ln S
            exporter_growth=(1 - 1) / 1, new_ties=1, new_ties_per_actor=1 / 2,
            proactive_share=1.0, born_global_count=1, born_global_per_1000_firms=500.0,
            groupement_members=1, groupement_share=0.5,
            survey_dynamique=4.0, network_cohesion=1.0, coordination_density=1.0,
            has_coordinator=0, external_openness=1 / 2, survey_directionalite=3.0,
            unserved_share=0.0, unserved_firms=0, proactive_exporters=1,
            # 2SFCA: C1 reaches no firm of 2025; A1 (100) reaches F1 and F2: 100 / 2 each
            access_2sfca_mean=50.0, broadband_ftth_share=0.9),
        "48": dict(
            n_firms=2, n_exporters=1, n_actors=0, actors_per_100_exporters=0.0,
            actors_per_1000_km2=0.0, exporters_per_1000_firms=500.0,
            iso_density=100 * (0.75 + 0) / 2, category_coverage=0.0, category_reach=0.0,
            category_evenness=0.0, exporter_growth=0.0, new_ties=0, new_ties_per_actor=0.0,
            proactive_share=0.0, born_global_count=0, born_global_per_1000_firms=0.0,
            groupement_members=0, groupement_share=0.0, survey_dynamique=nan,
            network_cohesion=0.0, coordination_density=0.0, has_coordinator=0,
            external_openness=0.0, survey_directionalite=nan,
            unserved_share=1.0, unserved_firms=2, proactive_exporters=0,
            access_2sfca_mean=0.0, broadband_ftth_share=0.6),
        "12": dict(
            n_firms=2, n_exporters=0, n_actors=1, actors_per_100_exporters=nan,
            actors_per_1000_km2=1000 * 1 / area["12"], exporters_per_1000_firms=0.0,
            iso_density=0.0, category_coverage=0.0, category_reach=0.0,
            category_evenness=0.0, exporter_growth=nan, new_ties=0, new_ties_per_actor=0.0,
            proactive_share=nan, born_global_count=0, born_global_per_1000_firms=0.0,
            groupement_members=0, groupement_share=0.0, survey_dynamique=nan,
            network_cohesion=1.0,  # its one actor is all of its network
            coordination_density=0.0, has_coordinator=0, external_openness=0.0,
            survey_directionalite=nan, unserved_share=1.0, unserved_firms=2,
            proactive_exporters=0, access_2sfca_mean=0.0,
            broadband_ftth_share=nan),
        "30": dict(
            n_firms=0, n_exporters=0, n_actors=2, actors_per_100_exporters=nan,
            actors_per_1000_km2=1000 * 2 / area["30"], exporters_per_1000_firms=nan,
            iso_density=nan, category_coverage=2 / 10, category_reach=nan,
            category_evenness=1.0,
            exporter_growth=nan,  # not -100 %: without firms in 2025 there is no firm data
            new_ties=0, new_ties_per_actor=0.0, proactive_share=nan, born_global_count=0,
            born_global_per_1000_firms=nan, groupement_members=0, groupement_share=nan,
            survey_dynamique=nan, network_cohesion=1.0, coordination_density=1.0,
            has_coordinator=0, external_openness=1 / 2, survey_directionalite=nan,
            unserved_share=nan, unserved_firms=0, proactive_exporters=0,
            access_2sfca_mean=nan, broadband_ftth_share=nan),
    }
    for dep, row in exp.items():
        for kind in INFRA_XY:
            row[f"{kind.removesuffix('_node')}_km_median"] = median_km(dep, kind)
    return exp


def _value_indicators() -> list[str]:
    return [i.name for i in catalogue.INDICATORS if i.dimension != "composite"]


def _check(actual: pd.DataFrame, expected: dict[str, dict[str, float]]) -> None:
    for dep, row in expected.items():
        assert sorted(row) == sorted(_value_indicators())
        for name, want in row.items():
            got = float(actual.loc[dep, name])
            if math.isnan(want):
                assert math.isnan(got), (dep, name, got)
            else:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (dep, name)


def test_table_by_hand(table, registry):
    assert list(table.index) == ["12", "30", "34", "48"]
    _check(table, _expected(registry))


def test_table_by_hand_without_optional_layers(bare, registry):
    expected = _expected(registry)
    for row in expected.values():
        for name in ("actors_per_1000_km2", "exporter_growth", "survey_dynamique",
                     "survey_directionalite", "airport_km_median", "port_km_median",
                     "road_km_median", "rail_km_median", "broadband_ftth_share"):
            row[name] = math.nan
    _check(bare, expected)


def _witnesses(table: pd.DataFrame, bare: pd.DataFrame) -> list[tuple[str, pd.DataFrame, str,
                                                                       set[str]]]:
    return ([("registry", table, dep, ABSENT[dep]) for dep in ABSENT]
            + [("bare", bare, dep, ABSENT[dep] | BARE) for dep in ABSENT])


def test_declared_policy_holds_in_the_table(table, bare):
    """For every indicator and territory: the catalogue's outcome for what the territory
    lacks is what the table shows (no value, 0, or a value when nothing applies)."""
    for label, frame, dep, absent in _witnesses(table, bare):
        for name in _value_indicators():
            result = catalogue.outcome(name, absent)
            value = frame.loc[dep, name]
            where = (label, dep, name, sorted(absent))
            if result in ("empty", "no_data"):
                assert pd.isna(value), where
            elif result == "zero":
                assert not pd.isna(value) and float(value) == 0.0, where
            else:
                assert not pd.isna(value), where


def test_every_declared_case_is_exercised(table, bare):
    """Each (indicator, absence) the catalogue declares decides the outcome of at least
    one territory above: the world covers the catalogue, and a new case needs a witness."""
    witnesses = _witnesses(table, bare)
    for ind in catalogue.INDICATORS:
        if ind.dimension == "composite":
            continue
        assert ind.cases, ind.name
        for code, result in ind.cases:
            decisive = [(label, dep) for label, _, dep, absent in witnesses
                        if code in absent and catalogue.outcome(ind.name, absent) == result]
            assert decisive, (ind.name, code, result)


def test_catalogue_declares_a_policy_for_every_indicator():
    kinds = set(catalogue.POLICIES)
    assert kinds == {"zero", "empty", "no_data"}
    for ind in catalogue.INDICATORS:
        assert ind.when_empty in kinds, ind.name
        assert ind.cases, ind.name
        codes = [c for c, _ in ind.cases]
        assert len(codes) == len(set(codes)), ind.name
        for code, result in ind.cases:
            assert code in catalogue.ABSENCES and result in kinds, (ind.name, code)
        results = {r for _, r in ind.cases}
        # "zero" when what it counts is absent: never "empty" nor "no data" for that
        if ind.when_empty == "zero":
            assert ind.dimension != "composite", ind.name
        else:
            assert ind.when_empty in results and "zero" not in results, ind.name
        # both languages say it
        assert catalogue.missing_text(ind.name, "fr").endswith(".")
        assert catalogue.missing_text(ind.name, "en").endswith(".")
    # the absences of actors are scored as absence on every indicator that counts actors
    for name in ("n_actors", "actors_per_100_exporters", "actors_per_1000_km2",
                 "category_coverage", "category_evenness", "new_ties", "new_ties_per_actor",
                 "network_cohesion", "coordination_density", "has_coordinator",
                 "external_openness"):
        assert catalogue.outcome(name, ["no_actor"]) == "zero", name
    with pytest.raises(KeyError, match="unknown absence"):
        catalogue.outcome("n_firms", ["no_such_thing"])


def test_no_actor_scores_lowest_on_diversity(table):
    """Lozère (no actor) and Aveyron (one actor of no reference category) have the same
    reach (0): Lozère is not above Aveyron on Diversité."""
    assert table.loc["48", "imi_diversity"] <= table.loc["12", "imi_diversity"]
    # coverage 0.2, 0, 0, 0.2 and evenness 1, 0, 0, 1 for 34, 48, 12, 30; reach 0.2, 0,
    # 0 (30 has no firm: left out): min-max gives 34 = 1, 48 = 12 = 0 on all three
    assert table.loc["48", "imi_diversity"] == pytest.approx(0.0)
    assert table.loc["12", "imi_diversity"] == pytest.approx(0.0)
    assert table.loc["34", "imi_diversity"] == pytest.approx(100.0)
    assert table.loc["30", "imi_diversity"] == pytest.approx(100.0)  # coverage, evenness
    assert np.isnan(table.loc["30", "imi_accessibility"])  # every one of them is empty
