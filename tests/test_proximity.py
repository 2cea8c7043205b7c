"""Proximity analytics checked against brute-force loops and hand-worked examples."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from ecosystem import nearest, proximity, settings
from ecosystem.settings import EXPORTING_STAGES, FRONT_LINE_CATEGORIES, REFERENCE_CATEGORIES

YEAR = 2025
# Lambert-93 origin of the hand-made worlds: near Montpellier
X0, Y0 = 770_000.0, 6_280_000.0


def make_actors(rows: list[dict]) -> gpd.GeoDataFrame:
    """Actors from dicts with x, y offsets in metres from (X0, Y0)."""
    df = pd.DataFrame(rows)
    defaults = {
        "name": [f"Acteur {i}" for i in df["id"]], "commune": "34172", "epci": "243400017",
        "departement": "34", "region": "76", "since": 2000, "capacity": np.nan,
    }
    for col, value in defaults.items():
        if col not in df:
            df[col] = value
        elif not isinstance(value, list):
            df[col] = df[col].where(df[col].notna(), value)
    if "until" not in df:
        df["until"] = pd.NA
    df["until"] = df["until"].astype("Int64")
    geom = gpd.points_from_xy(X0 + df.pop("x"), Y0 + df.pop("y"))
    return gpd.GeoDataFrame(df, geometry=geom, crs=settings.LAMBERT93)


def make_firms(rows: list[dict]) -> gpd.GeoDataFrame:
    df = pd.DataFrame(rows)
    defaults = {
        "siret": [f"{i:0>14}" for i in df["firm_id"]], "siren": [f"{i:0>9}" for i in df["firm_id"]],
        "name": [f"Firme {i}" for i in df["firm_id"]], "naf": "25.62A", "employees": 20,
        "commune": "34172", "epci": "243400017", "departement": "34", "region": "76",
        "stage": "local", "posture": "reactive", "export_share": 0.0, "iso": "",
        "created": 2000, "year": YEAR, "diffusible": True,
    }
    for col, value in defaults.items():  # missing values given explicitly stay missing
        if col not in df:
            df[col] = value
    df["employees"] = df["employees"].astype("Int64")
    df["created"] = df["created"].astype("Int64")
    geom = gpd.points_from_xy(X0 + df.pop("x"), Y0 + df.pop("y"))
    return gpd.GeoDataFrame(df, geometry=geom, crs=settings.LAMBERT93)


def random_world(seed: int, n_firms: int = 250, n_actors: int = 60, span_m: float = 150_000):
    rng = np.random.default_rng(seed)
    cats = [*FRONT_LINE_CATEGORIES, "university", "bank", "logistics"]
    actors = make_actors([
        {
            "id": f"A{k:03d}", "category": cats[k % len(cats)],
            # coarse grid: co-located actors and exact ties happen
            "x": float(rng.integers(0, 15)) * span_m / 15,
            "y": float(rng.integers(0, 15)) * span_m / 15,
            "since": int(rng.choice([2000, 2020, 2026])),
            "until": rng.choice([pd.NA, 2024, 2030]),
            "capacity": float(rng.choice([np.nan, 50.0, 200.0])),
            "departement": str(rng.choice(["34", "30"])),
        }
        for k in range(n_actors)
    ])
    firms = make_firms([
        {
            "firm_id": f"{100000 + k}", "x": float(rng.uniform(-20_000, span_m + 20_000)),
            "y": float(rng.uniform(-20_000, span_m + 20_000)),
            "year": int(rng.choice([YEAR, YEAR, YEAR, YEAR - 1])),
            "stage": str(rng.choice(["local", "indirect_export", "direct_export"])),
            "posture": rng.choice(["proactive", "reactive", "refusal", None]),
            "naf": rng.choice(["25.62A", "21.20Z", "46.90Z", "43.21A", None]),
            "employees": rng.choice([3, 15, 80, pd.NA]),
            "iso": rng.choice(["9001", "9002|14001", "", None]),
            "export_share": float(rng.uniform(0, 0.6)),
            "created": int(rng.integers(2015, 2025)),
            "diffusible": bool(rng.random() < 0.8),
            "departement": str(rng.choice(["34", "30", "13"])),
        }
        for k in range(n_firms)
    ])
    return firms, actors


# ---------------------------------------------------------------------------
# brute force
# ---------------------------------------------------------------------------

TOL = 0.001  # settings.distance_tie_tolerance_m


def is_active(row: pd.Series, year: int) -> bool:
    return row["since"] <= year and (pd.isna(row["until"]) or year <= row["until"])


_PLAIN: dict[int, list[tuple]] = {}


def plain_actors(actors: gpd.GeoDataFrame) -> list[tuple]:
    """Actors as (id, category, x, y, since, until) tuples, cached per frame."""
    key = id(actors)
    if key not in _PLAIN:
        _PLAIN[key] = [
            (a["id"], a["category"], a.geometry.x, a.geometry.y, a["since"], a["until"])
            for _, a in actors.iterrows()
        ]
    return _PLAIN[key]


def brute_nearest(fx: float, fy: float, actors: gpd.GeoDataFrame, year: int, cats, detour=1.0):
    """(actor id, km) of the nearest active actor among cats: plain loops, smallest id on ties."""
    best_id, best_d = None, math.inf
    for aid, cat, x, y, since, until in plain_actors(actors):
        if cat not in cats or not (since <= year and (pd.isna(until) or year <= until)):
            continue
        dist = math.sqrt((x - fx) ** 2 + (y - fy) ** 2)
        if dist < best_d - TOL or (abs(dist - best_d) <= TOL and aid < best_id):
            best_id, best_d = aid, dist
    return best_id, best_d / 1000 * detour


# ---------------------------------------------------------------------------
# nearest actors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "threads"), [(1, False), (2, True)])
def test_nearest_actors_match_brute_force(monkeypatch, seed, threads):
    if threads:  # categories searched in parallel even for a small registry
        monkeypatch.setattr(nearest, "_THREADS_MIN_POINTS", 0)
    firms, actors = random_world(seed)
    cats = ["cci", "cce", "bank"]
    table = proximity.nearest_actors(firms, actors, YEAR, cats)
    live = firms[firms["year"] == YEAR]
    assert table["firm_id"].tolist() == live["firm_id"].tolist()
    for (_, firm), (_, row) in zip(live.iterrows(), table.iterrows(), strict=True):
        for c in cats:
            aid, km = brute_nearest(firm.geometry.x, firm.geometry.y, actors, YEAR, [c])
            assert row[f"{c}_actor_id"] == aid
            assert row[f"{c}_km"] == pytest.approx(km, rel=1e-12, abs=1e-9)


def test_reference_categories_within_d_match_brute_force():
    firms, actors = random_world(3)
    table = proximity.nearest_actors(firms, actors, YEAR)
    live = firms[firms["year"] == YEAR]
    for (_, firm), (_, row) in zip(live.iterrows(), table.iterrows(), strict=True):
        expected = 0
        for c in REFERENCE_CATEGORIES:
            aid, km = brute_nearest(firm.geometry.x, firm.geometry.y, actors, YEAR, [c])
            expected += aid is not None and km <= 30.0
        assert row["n_reference_categories_within_d"] == expected
    # every category of the taxonomy has its two columns; absent ones are empty
    assert table["customs_km"].isna().all()
    assert table["customs_actor_id"].isna().all()


def brute_nearest_points(points, targets, ids):
    out = []
    for p in points:
        dists = [math.hypot(p[0] - t[0], p[1] - t[1]) for t in targets]
        dmin = min(dists)
        out.append(min(tid for tid, dd in zip(ids, dists, strict=True) if dd <= dmin + TOL))
    return out


# the search bins points in cells and compares the candidates of each cell; the
# parameters below force each path: one candidate, a few, and the per-point fallback
@pytest.mark.parametrize(
    ("max_candidates", "cells_per_spacing"), [(8, 4.0), (2, 0.25), (1, 4.0), (64, 0.1)]
)
def test_nearest_points_match_brute_force_on_every_path(
    monkeypatch, max_candidates, cells_per_spacing
):
    monkeypatch.setattr(nearest, "_MAX_CANDIDATES", max_candidates)
    monkeypatch.setattr(nearest, "_CELLS_PER_SPACING", cells_per_spacing)
    rng = np.random.default_rng(11)
    # integer-km coordinates: many exact ties and co-located targets
    targets = rng.integers(0, 12, (40, 2)) * 1000.0
    ids = [f"t{k:02d}" for k in rng.permutation(40)]
    points = np.vstack([
        rng.integers(-2, 14, (400, 2)) * 1000.0, rng.uniform(-5e3, 2e4, (400, 2)),
        [[5e5, 5e5], [-3e5, 1e3]],  # far away
    ])
    idx, dist = proximity.nearest_points(points, targets, ids)
    assert [ids[i] for i in idx] == brute_nearest_points(points, targets, ids)
    expected = [math.hypot(p[0] - targets[i][0], p[1] - targets[i][1])
                for p, i in zip(points, idx, strict=True)]
    np.testing.assert_allclose(dist, expected, rtol=1e-12)


def test_inactive_actors_are_ignored():
    actors = make_actors([
        {"id": "old", "category": "cci", "x": 1_000, "y": 0, "until": 2024},
        {"id": "future", "category": "cci", "x": 2_000, "y": 0, "since": 2026},
        {"id": "live", "category": "cci", "x": 5_000, "y": 0},
    ])
    firms = make_firms([{"firm_id": "1", "x": 0, "y": 0}])
    row = proximity.nearest_actors(firms, actors, YEAR, ["cci"]).iloc[0]
    assert (row["cci_actor_id"], row["cci_km"]) == ("live", 5.0)
    assert proximity.nearest_actors(firms, actors, 2024, ["cci"]).empty  # firms of 2025 only


@pytest.mark.parametrize("ids", list(itertools.permutations(["c1", "c2", "c3"])))
def test_ties_go_to_the_smallest_id(ids):
    actors = make_actors([
        # three distinct places at exactly 10 km, and two actors sharing one place
        {"id": ids[0], "category": "cci", "x": 10_000, "y": 0},
        {"id": ids[1], "category": "cci", "x": 0, "y": -10_000},
        {"id": ids[2], "category": "cci", "x": -6_000, "y": 8_000},
        {"id": "z9", "category": "cce", "x": 3_000, "y": 4_000},
        {"id": "z1", "category": "cce", "x": 3_000, "y": 4_000},
        {"id": "z0", "category": "cce", "x": 50_000, "y": 0},
    ])
    firms = make_firms([{"firm_id": "1", "x": 0, "y": 0}])
    row = proximity.nearest_actors(firms, actors, YEAR, ["cci", "cce"]).iloc[0]
    assert (row["cci_actor_id"], row["cci_km"]) == ("c1", 10.0)
    assert (row["cce_actor_id"], row["cce_km"]) == ("z1", 5.0)
    # the same rule across categories for the unserved table
    far = make_firms([{"firm_id": "2", "x": 0, "y": 0}])
    out = proximity.unserved_firms(far, actors, YEAR, ["cci", "cce"], distance_km=4.0)
    assert out.loc[0, "nearest_actor_id"] == "z1"


def test_nearest_actor_in_the_next_departement():
    actors = make_actors([
        {"id": "herault", "category": "cci", "x": -40_000, "y": 0, "departement": "34"},
        {"id": "gard", "category": "cci", "x": 12_000, "y": 0, "departement": "30"},
    ])
    firms = make_firms([{"firm_id": "1", "x": 0, "y": 0, "departement": "34"}])
    row = proximity.nearest_actors(firms, actors, YEAR, ["cci"]).iloc[0]
    assert (row["cci_actor_id"], row["cci_km"]) == ("gard", 12.0)


def test_detour_factor_scales_distances():
    firms, actors = random_world(4)
    plain = proximity.nearest_actors(firms, actors, YEAR, ["cci", "cce"])
    with settings.override(detour_factor=1.3):
        road = proximity.nearest_actors(firms, actors, YEAR, ["cci", "cce"])
    np.testing.assert_allclose(road["cci_km"], 1.3 * plain["cci_km"], rtol=1e-12)
    np.testing.assert_allclose(road["cce_km"], 1.3 * plain["cce_km"], rtol=1e-12)
    assert road["cce_actor_id"].tolist() == plain["cce_actor_id"].tolist()
    # 25 km straight is 32.5 km by road: unserved at d = 30 only with the detour
    actors1 = make_actors([{"id": f"a{i}", "category": c, "x": 25_000, "y": 0}
                           for i, c in enumerate(FRONT_LINE_CATEGORIES)])
    firm = make_firms([{"firm_id": "1", "x": 0, "y": 0}])
    assert proximity.unserved_firms(firm, actors1, YEAR).empty
    out = proximity.unserved_firms(firm, actors1, YEAR, detour_factor=1.3)
    assert out["nearest_km"].tolist() == [pytest.approx(32.5)]


# ---------------------------------------------------------------------------
# unserved firms
# ---------------------------------------------------------------------------


def test_firm_exactly_at_d_is_served():
    actors = make_actors([{"id": f"a{i}", "category": c, "x": 30_000, "y": 0}
                          for i, c in enumerate(FRONT_LINE_CATEGORIES)])
    firms = make_firms([
        {"firm_id": "at_d", "x": 0, "y": 0},
        {"firm_id": "beyond", "x": -0.01, "y": 0},  # 30.00001 km
    ])
    out = proximity.unserved_firms(firms, actors, YEAR)
    assert out["firm_id"].tolist() == ["beyond"]
    assert out.loc[0, "nearest_actor_id"] == "a0"  # same place: smallest id
    assert out.loc[0, "nearest_km"] == pytest.approx(30.00001)


@pytest.mark.parametrize("seed", [5, 6])
def test_unserved_match_brute_force(seed):
    firms, actors = random_world(seed, span_m=250_000)
    cats = ["cci", "cce", "club_export"]
    out = proximity.unserved_firms(firms, actors, YEAR, cats, distance_km=20.0)
    expected = {}
    for _, firm in firms[firms["year"] == YEAR].iterrows():
        aid, km = brute_nearest(firm.geometry.x, firm.geometry.y, actors, YEAR, cats)
        if km > 20.0:
            expected[firm["firm_id"]] = (aid, km)
    assert 0 < len(expected) < (firms["year"] == YEAR).sum()
    assert sorted(out["firm_id"]) == sorted(expected)
    for _, row in out.iterrows():
        aid, km = expected[row["firm_id"]]
        assert row["nearest_actor_id"] == aid
        assert row["nearest_km"] == pytest.approx(km, rel=1e-12)
        assert row["nearest_category"] == actors.set_index("id").loc[aid, "category"]
    # sorted by potential (descending), ties by firm id
    keys = list(zip(-out["potential"], out["firm_id"], strict=True))
    assert keys == sorted(keys)
    assert out["rank"].tolist() == list(range(1, len(out) + 1))
    exporters = proximity.unserved_firms(
        firms, actors, YEAR, cats, distance_km=20.0, exporting_only=True
    )
    stages = firms.set_index("firm_id")["stage"]
    assert sorted(exporters["firm_id"]) == sorted(
        f for f in expected if stages[f] in EXPORTING_STAGES
    )


def test_non_diffusible_name_is_blank():
    actors = make_actors([{"id": f"a{i}", "category": c, "x": 90_000, "y": 0}
                          for i, c in enumerate(FRONT_LINE_CATEGORIES)])
    firms = make_firms([
        {"firm_id": "1", "x": 0, "y": 0, "name": "Secrète SA", "diffusible": False},
        {"firm_id": "2", "x": 0, "y": 1, "name": "Publique SA", "diffusible": True},
        {"firm_id": "3", "x": 0, "y": 2, "name": "Inconnue SA", "diffusible": None},
    ])
    out = proximity.unserved_firms(firms, actors, YEAR).set_index("firm_id")
    assert out.loc["1", "name"] == ""
    assert out.loc["2", "name"] == "Publique SA"
    assert out.loc["3", "name"] == ""
    assert not out.astype(str).apply(lambda c: c.str.contains("Secrète")).any().any()


def test_potential_score_hand_worked():
    firms = pd.DataFrame({
        "firm_id": ["p", "q", "r"],
        "year": [2025, 2025, 2025],
        "stage": ["direct_export", "local", "local"],
        "posture": ["proactive", "reactive", None],
        "iso": ["14001|9002", "", None],
        "naf": ["21.20Z", "25.62A", None],
        "employees": pd.array([60, 12, pd.NA], dtype="Int64"),
        "export_share": [0.5, 0.0, 0.3],
        "created": pd.array([2023, 2000, 2024], dtype="Int64"),
    })
    out = proximity.potential_score(firms)
    # weights .20 exporting, .20 posture, .15 born global, .15 iso, .15 sector, .15 size
    # p: 20 + 20 + 15 (born global) + 15 * 0.75 (ISO 9002) + 15 * 0.55/0.55 + 15 * 1.0
    # q: 0 + 20 * 0.5 + 0 + 0 + 15 * 0.15/0.55 + 15 * 0.43
    # r: 0 + 0 + 15 (born global: 30 % one year after creation) + 0 + 15 * 0.066/0.55 + 0
    expected = [96.25, 10 + 15 * 0.15 / 0.55 + 15 * 0.43, 15 + 15 * 0.066 / 0.55]
    assert out["potential"].tolist() == [round(v, 1) for v in expected]
    assert out.loc[0, "reasons"].split(" ; ")[0] == "exporte déjà (exportation directe)"
    assert "certifiée ISO 9002" in out.loc[0, "reasons"]
    assert "« born global »" in out.loc[0, "reasons"]
    assert out.loc[1, "reasons"].endswith("n'exporte pas encore")
    assert "posture réactive" in out.loc[1, "reasons"]
    assert "secteur non renseigné" in out.loc[2, "reasons"]


def test_potential_weights_come_from_settings():
    firms = pd.DataFrame({"firm_id": ["p"], "year": [2025], "stage": ["direct_export"],
                          "posture": ["refusal"], "naf": ["43.21A"]})
    with settings.override(potential={"weight_exporting": 1.0, "weight_posture": 0.0,
                                      "weight_iso": 0.0, "weight_born_global": 0.0,
                                      "weight_sector": 0.0, "weight_size": 0.0}):
        assert proximity.potential_score(firms)["potential"].tolist() == [100.0]


def test_born_global_uses_history_without_look_ahead():
    obs = pd.DataFrame({
        "firm_id": ["a", "a", "b", "c", "d"],
        "year": [2021, 2025, 2025, 2025, 2027],
        "created": [2019, 2019, 2022, 2021, 2025],
        "export_share": [0.25, 0.05, 0.2, 0.9, 0.9],
    })
    now = obs[obs["year"] == 2025]
    # a: 25 % two years after creation; b: exactly 20 % three years after; c: four years
    assert proximity.born_global_mask(now, obs, 2025).tolist() == [True, True, False]
    assert not proximity.born_global_mask(obs[obs.firm_id == "d"], obs, 2025).any()


# ---------------------------------------------------------------------------
# catchments
# ---------------------------------------------------------------------------


def test_catchments_match_brute_force():
    firms, actors = random_world(7, span_m=200_000)
    cats = ["cci", "cce"]
    out = proximity.catchments(firms, actors, YEAR, cats).set_index("actor_id")
    live_actors = [a for _, a in actors.iterrows() if a["category"] in cats and is_active(a, YEAR)]
    assert sorted(out.index) == sorted(a["id"] for a in live_actors)
    counts = {a["id"]: [0, 0, 0] for a in live_actors}
    for _, firm in firms[firms["year"] == YEAR].iterrows():
        for c in cats:
            aid, km = brute_nearest(firm.geometry.x, firm.geometry.y, actors, YEAR, [c])
            counts[aid][0] += 1
            counts[aid][1] += firm["stage"] in EXPORTING_STAGES
            counts[aid][2] += km <= 30.0
    for a in live_actors:
        row = out.loc[a["id"]]
        assert [row["n_firms"], row["n_exporters"], row["n_firms_within_d"]] == counts[a["id"]]
        capacity = 150.0 if np.isnan(a["capacity"]) else a["capacity"]
        assert row["capacity"] == capacity
        assert row["capacity_imputed"] == bool(np.isnan(a["capacity"]))
        assert row["load_firms"] == pytest.approx(counts[a["id"]][0] / capacity)
        assert row["load_exporters"] == pytest.approx(counts[a["id"]][1] / capacity)
    assert out.crs == settings.LAMBERT93
    assert out["n_firms"].groupby(out["category"]).sum().tolist() == [
        (firms["year"] == YEAR).sum()
    ] * 2


# ---------------------------------------------------------------------------
# infrastructure and broadband
# ---------------------------------------------------------------------------


def make_infrastructure(rows: list[dict]) -> gpd.GeoDataFrame:
    df = pd.DataFrame(rows)
    if "iata" not in df:
        df["iata"] = ""
    df["name"] = df["id"]
    geom = gpd.points_from_xy(X0 + df.pop("x"), Y0 + df.pop("y"))
    return gpd.GeoDataFrame(df, geometry=geom, crs=settings.LAMBERT93)


def test_infrastructure_access_matches_brute_force():
    rng = np.random.default_rng(8)
    kinds = ["airport", "port", "road_node", "rail_node"]
    infra = make_infrastructure([
        {"id": f"I{k:02d}", "kind": kinds[k % 4], "x": float(rng.uniform(0, 100_000)),
         "y": float(rng.uniform(0, 100_000)),
         "iata": rng.choice(["MPL", "", None]) if k % 4 == 0 else ""}
        for k in range(40)
    ])
    firms, _ = random_world(8, n_firms=80, span_m=100_000)
    broadband = pd.DataFrame({
        "commune": ["34172", "34172", "34172"], "year": [2023, 2025, 2026],
        "ftth_share": [0.4, 0.7, 0.95],
    })
    out = proximity.infrastructure_access(firms, infra, YEAR, broadband)
    live = firms[firms["year"] == YEAR]
    assert len(out) == len(live)
    for (_, firm), (_, row) in zip(live.iterrows(), out.iterrows(), strict=True):
        for kind in kinds:
            best = (math.inf, None)
            for _, i in infra.iterrows():
                no_iata = pd.isna(i["iata"]) or not i["iata"]
                if i["kind"] != kind or (kind == "airport" and no_iata):
                    continue
                dist = math.hypot(i.geometry.x - firm.geometry.x, i.geometry.y - firm.geometry.y)
                best = min(best, (dist, i["id"]))
            assert row[f"{kind}_id"] == best[1]
            assert row[f"{kind}_km"] == pytest.approx(best[0] / 1000, rel=1e-12)
    assert set(out["ftth_share"]) == {0.7} and set(out["broadband_year"]) == {2025}
    by_dep = proximity.infrastructure_by_territory(out, "departement").set_index("code")
    for dep, grp in out.groupby("departement"):
        assert by_dep.loc[dep, "port_km"] == pytest.approx(sum(grp["port_km"]) / len(grp))
        assert by_dep.loc[dep, "n_firms"] == len(grp)


def test_missing_infrastructure_kind_gives_nan():
    infra = make_infrastructure([{"id": "p", "kind": "port", "x": 0, "y": 3_000}])
    firms = make_firms([{"firm_id": "1", "x": 0, "y": 0}])
    out = proximity.infrastructure_access(firms, infra, YEAR)
    assert out.loc[0, "port_km"] == 3.0
    assert np.isnan(out.loc[0, "airport_km"]) and pd.isna(out.loc[0, "airport_id"])


# ---------------------------------------------------------------------------
# edge cases and inputs
# ---------------------------------------------------------------------------


def test_empty_firm_set_gives_empty_tables():
    firms, actors = random_world(9)
    nobody = firms.iloc[:0]
    near = proximity.nearest_actors(nobody, actors, YEAR, ["cci"])
    assert near.empty and {"firm_id", "cci_km", "cci_actor_id"} <= set(near.columns)
    unserved = proximity.unserved_firms(nobody, actors, YEAR)
    assert unserved.empty and "potential" in unserved.columns
    catch = proximity.catchments(nobody, actors, YEAR)
    assert (catch["n_firms"] == 0).all() and len(catch) > 0
    infra = make_infrastructure([{"id": "p", "kind": "port", "x": 0, "y": 0}])
    assert proximity.infrastructure_access(nobody, infra, YEAR).empty
    # firms observed in other years only
    only_2024 = firms[firms["year"] == YEAR - 1]
    assert proximity.nearest_actors(only_2024, actors, YEAR, ["cci"]).empty


def test_category_without_actor_is_left_out_and_named():
    # the CCE delegation closed in 2020: the rule uses the other four categories
    actors = make_actors([
        {"id": "cci", "category": "cci", "x": 0, "y": 40_000},
        {"id": "cce", "category": "cce", "x": 0, "y": 0, "until": 2020},
        {"id": "tfe", "category": "team_france_export", "x": 0, "y": 100_000},
        {"id": "bpi", "category": "bpifrance", "x": 0, "y": 200_000},
        {"id": "club", "category": "club_export", "x": 0, "y": 300_000},
    ])
    firms = make_firms([{"firm_id": "1", "x": 0, "y": 0},        # CCI at 40 km: unserved
                        {"firm_id": "2", "x": 0, "y": 20_000}])  # CCI at 20 km: served
    un = proximity.unserved_firms(firms, actors, YEAR)
    assert un["firm_id"].tolist() == ["1"]
    assert un.loc[0, "nearest_actor_id"] == "cci" and un.loc[0, "nearest_km"] == 40.0
    assert un.attrs["missing_categories"] == ["cce"]
    near = proximity.nearest_actors(firms, actors, YEAR, ["cci", "cce"])
    assert near["cci_km"].tolist() == [40.0, 20.0] and near["cce_km"].isna().all()
    assert near.attrs["missing_categories"] == ["cce"]
    catch = proximity.catchments(firms, actors, YEAR, ["cce"])
    assert len(catch) == 0 and catch.attrs["missing_categories"] == ["cce"]
    with pytest.raises(ValueError, match="unknown actor categories"):
        proximity.nearest_actors(firms, actors, YEAR, ["cci", "chamber"])
    # asking for everything leaves the absent category empty, with no note
    everything = proximity.nearest_actors(firms, actors, YEAR)
    assert np.isnan(everything.loc[0, "cce_km"]) and everything.attrs["missing_categories"] == []
    # no front-line actor at all: every active firm is unserved, with no nearest relay
    none = proximity.unserved_firms(firms, actors.iloc[1:2], YEAR)
    assert sorted(none["firm_id"]) == ["1", "2"]
    assert none["nearest_actor_id"].isna().all() and none["nearest_km"].isna().all()
    assert none.attrs["missing_categories"] == list(FRONT_LINE_CATEGORIES)


def test_crs_is_checked_and_projected():
    firms, actors = random_world(10, n_firms=40)
    expected = proximity.nearest_actors(firms, actors, YEAR, ["cci"])
    wgs = proximity.nearest_actors(firms.to_crs(4326), actors.to_crs(4326), YEAR, ["cci"])
    np.testing.assert_allclose(wgs["cci_km"], expected["cci_km"], rtol=1e-9)
    assert wgs["cci_actor_id"].tolist() == expected["cci_actor_id"].tolist()
    with pytest.raises(ValueError, match="no CRS"):
        proximity.nearest_actors(firms.set_crs(None, allow_override=True), actors, YEAR)
    with pytest.raises(TypeError, match="GeoDataFrame"):
        proximity.nearest_actors(pd.DataFrame(firms), actors, YEAR)


def test_firm_without_location_is_refused():
    firms = make_firms([{"firm_id": "1", "x": 0, "y": 0}, {"firm_id": "2", "x": 0, "y": 0}])
    firms.loc[1, "geometry"] = None
    actors = make_actors([{"id": "a", "category": "cci", "x": 0, "y": 0}])
    with pytest.raises(ValueError, match=r"without a point location \(first ids: \['2'\]\)"):
        proximity.nearest_actors(firms, actors, YEAR, ["cci"])


def test_territory_means_by_hand():
    table = pd.DataFrame({
        "epci": ["e1", "e1", "", "e2", None],
        "a_km": [1.0, 2.0, 50.0, np.nan, 7.0],
        "b": [1.0, 1.0, 1.0, 4.0, 1.0],
    })
    out = proximity.territory_means(table, "epci")
    assert out.columns.tolist() == ["level", "code", "n_firms", "a_km", "b"]
    assert out["code"].tolist() == ["e1", "e2"]  # empty and missing codes left out
    assert out["n_firms"].tolist() == [2, 1]
    assert out.loc[0, "a_km"] == 1.5 and np.isnan(out.loc[1, "a_km"])
    assert out["b"].tolist() == [1.0, 4.0]
    with pytest.raises(ValueError, match="level"):
        proximity.territory_means(table, "canton")
