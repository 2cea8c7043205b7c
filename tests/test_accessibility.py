"""2SFCA / E2SFCA checked against PySAL ``access`` and hand-worked examples."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from access import Access, weights

from ecosystem import accessibility, settings
from ecosystem.settings import FRONT_LINE_CATEGORIES

YEAR = 2025
X0, Y0 = 650_000.0, 6_250_000.0
BANDS = {10: 1.0, 20: 0.68, 30: 0.22}  # Luo & Qi 2009, the settings' default


def world(seed: int, n_firms: int = 400, n_actors: int = 40, span_m: float = 120_000):
    rng = np.random.default_rng(seed)
    cats = [*FRONT_LINE_CATEGORIES, "bank"]
    actors = gpd.GeoDataFrame(
        {
            "id": [f"A{k:03d}" for k in range(n_actors)],
            "name": [f"Acteur {k}" for k in range(n_actors)],
            "category": [cats[k % len(cats)] for k in range(n_actors)],
            "since": rng.choice([2000, 2026], n_actors, p=[0.85, 0.15]),
            "until": pd.array([pd.NA] * n_actors, dtype="Int64"),
            "capacity": rng.choice([np.nan, 40.0, 120.0, 300.0], n_actors),
        },
        geometry=gpd.points_from_xy(X0 + rng.uniform(0, span_m, n_actors),
                                    Y0 + rng.uniform(0, span_m, n_actors)),
        crs=settings.LAMBERT93,
    )
    firms = gpd.GeoDataFrame(
        {
            "firm_id": [f"{30_000_000_000_000 + k}" for k in range(n_firms)],
            "siret": [f"{30_000_000_000_000 + k}" for k in range(n_firms)],
            "employees": pd.array(rng.choice([0, 5, 40, 120, -1], n_firms), dtype="Int64"),
            "commune": rng.choice(["34172", "34129", "30189"], n_firms),
            "departement": "34",
            "epci": rng.choice(["243400017", "200043990", ""], n_firms),
            "region": "76",
            "year": rng.choice([YEAR, YEAR - 1], n_firms, p=[0.9, 0.1]),
        },
        geometry=gpd.points_from_xy(X0 + rng.uniform(-30_000, span_m + 30_000, n_firms),
                                    Y0 + rng.uniform(-30_000, span_m + 30_000, n_firms)),
        crs=settings.LAMBERT93,
    )
    firms.loc[firms["employees"] < 0, "employees"] = pd.NA
    return firms, actors


def brute_cost(firms: gpd.GeoDataFrame, actors: gpd.GeoDataFrame, d: float, detour=1.0):
    """Every firm-actor pair within d km, by a full cross product."""
    fx, fy = firms.geometry.x.to_numpy(), firms.geometry.y.to_numpy()
    ax, ay = actors.geometry.x.to_numpy(), actors.geometry.y.to_numpy()
    dist = np.sqrt((fx[:, None] - ax[None, :]) ** 2 + (fy[:, None] - ay[None, :]) ** 2)
    km = dist / 1000 * detour
    i, j = np.nonzero(km <= d)
    return pd.DataFrame({
        "origin": firms["firm_id"].to_numpy()[i], "dest": actors["id"].to_numpy()[j],
        "cost": km[i, j],
    })


def pysal(firms, actors, cost, d, demand=None, default_capacity=150.0):
    """Run PySAL access on the active firms and actors with a given cost table."""
    demand_df = pd.DataFrame(
        {"demand": np.ones(len(firms)) if demand is None else demand},
        index=pd.Index(firms["firm_id"].to_numpy(), name="firm"),
    )
    supply_df = pd.DataFrame(
        {"capacity": actors["capacity"].fillna(default_capacity).to_numpy()},
        index=pd.Index(actors["id"].to_numpy(), name="actor"),
    )
    acc = Access(demand_df=demand_df, demand_index=True, demand_value="demand",
                 supply_df=supply_df, supply_index=True, supply_value="capacity",
                 cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")
    two = acc.two_stage_fca(name="s2", max_cost=d)["s2_capacity"]
    enh = acc.enhanced_two_stage_fca(name="e2", max_cost=d,
                                     weight_fn=weights.step_fn(BANDS))["e2_capacity"]
    return two.fillna(0.0), enh.fillna(0.0)


def active(firms, actors, cats=FRONT_LINE_CATEGORIES):
    live_f = firms[firms["year"] == YEAR]
    live_a = actors[actors["category"].isin(cats) & (actors["since"] <= YEAR)]
    return live_f, live_a


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_firm_accessibility_equals_pysal_access(seed):
    firms, actors = world(seed)
    out = accessibility.firm_accessibility(firms, actors, YEAR).set_index("firm_id")
    live_f, live_a = active(firms, actors)
    two, enh = pysal(live_f, live_a, brute_cost(live_f, live_a, 30.0), 30.0)
    assert (out["access_2sfca"] > 0).sum() > 50 and (out["access_2sfca"] == 0).sum() > 5
    np.testing.assert_allclose(out["access_2sfca"], two.reindex(out.index), rtol=1e-9)
    np.testing.assert_allclose(out["access_e2sfca"], enh.reindex(out.index), rtol=1e-9)


def test_employee_demand_and_detour_equal_pysal_access():
    firms, actors = world(4)
    cats = ["cci", "cce", "bank"]
    with settings.override(detour_factor=1.25, unserved_distance_km=25.0):
        out = accessibility.firm_accessibility(firms, actors, YEAR, cats, demand="employees")
    out = out.set_index("firm_id")
    live_f, live_a = active(firms, actors, cats)
    heads = live_f["employees"].astype(float).fillna(1.0).clip(lower=1.0).to_numpy()
    two, enh = pysal(live_f, live_a, brute_cost(live_f, live_a, 25.0, 1.25), 25.0, heads)
    np.testing.assert_allclose(out["demand"], heads)
    np.testing.assert_allclose(out["access_2sfca"], two.reindex(out.index), rtol=1e-9)
    np.testing.assert_allclose(out["access_e2sfca"], enh.reindex(out.index), rtol=1e-9)


def test_floating_catchment_on_the_same_cost_table_as_pysal():
    firms, actors = world(5, n_firms=300)
    live_f, live_a = active(firms, actors)
    cost = accessibility.cost_table(live_f, live_a, max_km=30.0)
    assert len(cost) == len(brute_cost(live_f, live_a, 30.0))
    cost = cost.rename(columns={"cost_km": "cost"})
    rng = np.random.default_rng(5)
    demand = rng.uniform(0.5, 3.0, len(live_f))
    two, enh = pysal(live_f, live_a, cost, 30.0, demand)
    dem = pd.Series(demand, index=live_f["firm_id"].to_numpy())
    sup = pd.Series(live_a["capacity"].fillna(150.0).to_numpy(), index=live_a["id"].to_numpy())
    mine = accessibility.floating_catchment(cost, dem, sup, 30.0, cost_name="cost")
    mine_e = accessibility.floating_catchment(cost, dem, sup, 30.0, tuple(BANDS.items()),
                                              cost_name="cost")
    np.testing.assert_allclose(mine, two.reindex(mine.index), rtol=1e-9)
    np.testing.assert_allclose(mine_e, enh.reindex(mine.index), rtol=1e-9)


def test_hand_worked_example():
    # actors a (capacity 10) and b (no capacity: default 150) on a line;
    # firm x at 5 km of a; firm y at 12 km of a and 25 km of b; firm z alone
    actors = gpd.GeoDataFrame(
        {"id": ["a", "b"], "category": ["cci", "cci"], "since": [2000, 2000],
         "until": pd.array([pd.NA, pd.NA], dtype="Int64"), "capacity": [10.0, np.nan]},
        geometry=gpd.points_from_xy([X0, X0 + 37_000], [Y0, Y0]), crs=settings.LAMBERT93,
    )
    firms = gpd.GeoDataFrame(
        {"firm_id": ["x", "y", "z"], "year": [YEAR] * 3},
        geometry=gpd.points_from_xy([X0 - 5_000, X0 + 12_000, X0 + 200_000], [Y0] * 3),
        crs=settings.LAMBERT93,
    )
    out = accessibility.firm_accessibility(firms, actors, YEAR, ["cci"])
    # 2SFCA: R_a = 10 / 2, R_b = 150 / 1
    assert out["access_2sfca"].tolist() == pytest.approx([5.0, 155.0, 0.0])
    # E2SFCA: w(5) = 1, w(12) = 0.68, w(25) = 0.22
    r_a, r_b = 10 / (1 + 0.68), 150 / 0.22
    assert out["access_e2sfca"].tolist() == pytest.approx([r_a, 0.68 * r_a + 0.22 * r_b, 0.0])
    assert out["n_actors_within_d"].tolist() == [1, 2, 0]


def test_step_weights_match_access_step_fn():
    costs = np.array([0.0, 3.0, 10.0, 10.000001, 19.99, 20.0, 25.0, 30.0, 30.01, 100.0])
    fn = weights.step_fn(BANDS)
    assert accessibility.step_weights(costs).tolist() == [float(fn(c)) for c in costs]


def test_by_territory_means():
    firms, actors = world(6)
    out = accessibility.firm_accessibility(firms, actors, YEAR)
    agg = accessibility.accessibility_by_territory(out, "commune").set_index("code")
    for commune in out["commune"].unique():
        rows = out[out["commune"] == commune]
        assert agg.loc[commune, "n_firms"] == len(rows)
        assert agg.loc[commune, "access_2sfca"] == pytest.approx(
            sum(rows["access_2sfca"]) / len(rows), rel=1e-12
        )
    epci = accessibility.accessibility_by_territory(out, "epci")
    assert "" not in set(epci["code"])


def test_empty_firms_and_missing_category():
    firms, actors = world(7)
    out = accessibility.firm_accessibility(firms.iloc[:0], actors, YEAR)
    assert out.empty and {"firm_id", "access_2sfca", "access_e2sfca"} <= set(out.columns)
    # a category without any active actor is left out and named, as in every measure
    both = accessibility.firm_accessibility(firms, actors, YEAR, ["cci", "customs"])
    cci = accessibility.firm_accessibility(firms, actors, YEAR, ["cci"])
    assert both.attrs["missing_categories"] == ["customs"]
    assert cci.attrs["missing_categories"] == []
    pd.testing.assert_frame_equal(both, cci)
