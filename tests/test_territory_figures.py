"""Figures of one territory that the report asks the core for: its actors by category
(ecosystem.actor_profile), its most central actors and its layers (ecosystem.network), the
recommendations that concern it (ecosystem.planning: ties, relays, export groups). Each is
checked against a computation written out here with loops on small hand-made frames."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pytest

from ecosystem.actor_profile import absent_categories, actors_by_category
from ecosystem.network import NetworkData, central_actors, territory_data
from ecosystem.planning.groups import group_effect, groups_by_sector
from ecosystem.planning.relays import relay_effect
from ecosystem.planning.ties import territory_ties
from ecosystem.settings import CATEGORIES

ACTORS = pd.DataFrame({
    "id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"],
    "category": ["cci", "university", "cci", "cce", "bank", "cci", "team_france_export",
                 "university"],
    "departement": ["34", "34", "34", "34", "30", "34", "34", "34"],
    "since": [2000, 2010, 2025, 2000, 2000, 2000, 2024, 2000],
    "until": [pd.NA, pd.NA, pd.NA, 2024, pd.NA, 2023, pd.NA, pd.NA],
})


def active(row: object, year: int) -> bool:
    until = row.until  # type: ignore[attr-defined]
    return row.since <= year and (until is pd.NA or year <= until)  # type: ignore[attr-defined]


def test_actors_by_category_against_a_loop() -> None:
    years = [2025, 2024, 2023]
    table = actors_by_category(ACTORS, years, "departement", "34")
    counts = {y: Counter(r.category for r in ACTORS.itertuples()
                         if r.departement == "34" and active(r, y)) for y in years}
    present = set().union(*counts.values())
    assert table.index.tolist() == [c for c in CATEGORIES if c in present]
    assert table.columns.tolist() == years
    for c in table.index:
        for y in years:
            assert table.at[c, y] == counts[y][c], (c, y)
    assert table[2025].sum() == sum(counts[2025].values())
    assert actors_by_category(ACTORS, [2025], "departement", "11").empty


def test_absent_categories() -> None:
    front = ["cci", "team_france_export", "cce", "bpifrance", "club_export"]
    live = {r.category for r in ACTORS.itertuples() if r.departement == "34" and active(r, 2025)}
    assert absent_categories(ACTORS, 2025, "departement", "34", front) == \
        [c for c in front if c not in live] == ["cce", "bpifrance", "club_export"]
    # the default is the front line of the settings
    assert absent_categories(ACTORS, 2023, "departement", "34") == [
        "team_france_export", "bpifrance", "club_export"]


def test_central_actors_sorted_as_documented() -> None:
    table = pd.DataFrame({
        "id": ["b", "a", "c", "d", "e", "f"],
        "departement": ["34", "34", "34", "30", "34", "34"],
        "betweenness": [0.2, 0.2, 0.5, 0.9, 0.2, 0.0],
        "degree": [3, 3, 1, 9, 4, 0],
    })
    mine = [r for r in table.itertuples() if r.departement == "34"]
    expected = [r.id for r in sorted(mine, key=lambda r: (-r.betweenness, -r.degree, r.id))]
    assert central_actors(table, "departement", "34")["id"].tolist() == expected == [
        "c", "e", "a", "b", "f"]
    assert central_actors(table, "departement", "34", top=2)["id"].tolist() == expected[:2]


def test_territory_data_keeps_actors_and_ties() -> None:
    territories = pd.DataFrame({
        "level": ["commune", "commune", "commune", "epci", "departement"],
        "code": ["34172", "34003", "30189", "243400017", "34"],
        "epci": ["243400017", "200066355", "243000643", "", ""],
        "departement": ["34", "34", "30", "34", "34"],
        "region": ["76", "76", "76", "76", "76"],
    })
    firms = pd.DataFrame({"firm_id": ["f1", "f2", "f3"], "epci": ["243400017", "x", "243400017"],
                          "departement": ["34", "34", "30"], "commune": ["34172", "34003",
                                                                         "30189"]})
    relations = pd.DataFrame({"source": ["a1"], "target": ["a5"]})
    data = NetworkData(2025, ACTORS, relations, firms, territories)  # type: ignore[arg-type]
    local = territory_data(data, "epci", "243400017")
    assert local.actors is ACTORS and local.relations is relations and local.year == 2025
    assert local.firms["firm_id"].tolist() == ["f1", "f3"]
    assert local.territories["code"].tolist() == ["34172"]
    dep = territory_data(data, "departement", "34")
    assert dep.firms["firm_id"].tolist() == ["f1", "f2"]
    assert dep.territories["code"].tolist() == ["34172", "34003"]
    assert territory_data(data, "commune", "30189").territories["code"].tolist() == ["30189"]
    with pytest.raises(ValueError, match="unknown level"):
        territory_data(data, "canton", "1")


def test_territory_ties_against_a_loop() -> None:
    ties = pd.DataFrame({"source": ["a5", "a1", "a5", "x9", "a2"],
                         "target": ["a8", "a5", "x9", "a5", "a4"],
                         "rank": [1, 2, 3, 4, 5]})
    place = dict(zip(ACTORS["id"], ACTORS["departement"], strict=True))
    expected = [r.rank for r in ties.itertuples()
                if place.get(r.source) == "34" or place.get(r.target) == "34"]
    assert territory_ties(ties, ACTORS, "departement", "34")["rank"].tolist() == expected \
        == [1, 2, 5]
    assert territory_ties(ties, ACTORS, "departement", "30")["rank"].tolist() == [1, 2, 3, 4]
    assert territory_ties(ties, ACTORS, "epci", "34").empty  # no such column: no tie


@pytest.mark.parametrize(("unserved", "covered", "n"), [(30, 12, 120), (5, 5, 7), (0, 0, 40),
                                                        (3, 1, 0)])
def test_relay_effect(unserved: int, covered: int, n: int) -> None:
    sites = pd.DataFrame({"newly_covered_firms": [covered]})
    sites.attrs.update(unserved_firms=unserved, covered_firms=covered)
    got = relay_effect(sites, n)
    assert got["unserved_before"] == unserved and got["covered"] == covered
    assert got["unserved_after"] == unserved - covered
    if n:
        assert got["share_before"] == unserved / n
        assert got["share_after"] == (unserved - covered) / n
    else:
        assert math.isnan(got["share_before"]) and math.isnan(got["share_after"])


GROUPS = pd.DataFrame({
    # G1: two C, two G -> C (the first letter); G2: three G; G3: C, F, F
    "group_id": ["G1"] * 4 + ["G2"] * 3 + ["G3"] * 3,
    "naf": ["25.62A", "46.11Z", "28.11Z", "47.11B", "46.12A", "45.11Z", "47.19A", "10.11Z",
            "41.20A", "43.21A"],
    "group_score": [70.0] * 4 + [40.0] * 3 + [55.0] * 3,
})


def section_of(naf: str) -> str:
    division = int(naf[:2])
    return "C" if 10 <= division <= 33 else "F" if 41 <= division <= 43 else \
        "G" if 45 <= division <= 47 else "?"


def test_groups_by_sector_against_a_loop() -> None:
    main: dict[str, str] = {}
    size: Counter[str] = Counter()
    for gid, members in GROUPS.groupby("group_id"):
        votes = Counter(section_of(n) for n in members["naf"])
        top = max(votes.values())
        main[str(gid)] = min(s for s, v in votes.items() if v == top)
        size[str(gid)] = len(members)
    table = groups_by_sector(GROUPS)
    sectors = sorted(set(main.values()))
    assert table.index.tolist() == sectors == ["C", "F", "G"]
    for s in sectors:
        assert table.at[s, "n_groups"] == sum(1 for g in main if main[g] == s)
        assert table.at[s, "n_firms"] == sum(size[g] for g in main if main[g] == s)
    assert groups_by_sector(GROUPS.iloc[0:0]).empty


def test_group_effect() -> None:
    firms = pd.DataFrame({"groupement": ["X", " ", None, "Y"] + [""] * 16})
    got = group_effect(GROUPS, firms)
    assert got["n_groups"] == 3 and got["n_members"] == 10
    assert got["mean_score"] == pytest.approx((70.0 + 40.0 + 55.0) / 3)
    assert got["members_before"] == 2
    assert got["share_before"] == 2 / 20 and got["share_after"] == 12 / 20
    none = group_effect(GROUPS.iloc[0:0], firms)
    assert none["n_groups"] == 0 and math.isnan(none["mean_score"])
