"""Distances overseas in each département's own projected CRS, checked against geodesics
(``pyproj.Geod``) and PySAL ``access``; metropolitan distances unchanged to the bit."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from access import Access, weights

from ecosystem import (
    accessibility,
    catchments,
    geography,
    nearest,
    projection,
    proximity,
    settings,
    unserved,
)
from ecosystem.inputs import layer_xy
from ecosystem.settings import FRONT_LINE_CATEGORIES, LAMBERT93

YEAR = 2025
GEOD = pyproj.Geod(ellps="WGS84")
TO_L93 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)

#: Each overseas département: a box of longitude/latitude inside its zone where test
#: points are drawn (land and near sea), and the EPSG code the decree names for it.
OVERSEAS = {
    "971": ((-61.85, 15.85, -61.0, 16.5), 5490, "RGAF09 / UTM zone 20N"),
    "972": ((-61.25, 14.4, -60.8, 14.9), 5490, "RGAF09 / UTM zone 20N"),
    "973": ((-54.6, 2.1, -51.6, 5.75), 2972, "RGFG95 / UTM zone 22N"),
    "974": ((55.2, -21.4, 55.85, -20.85), 2975, "RGR92 / UTM zone 40S"),
    "976": ((45.0, -13.0, 45.3, -12.6), 4471, "RGM04 / UTM zone 38S"),
}
#: Metropolitan places, Corsica and the far corners included.
METROPOLITAN_LONLAT = [
    (3.88, 43.61), (-4.49, 48.39), (7.75, 48.58), (8.74, 41.92), (9.45, 42.70), (7.50, 43.78),
    (2.35, 48.86), (2.55, 51.03), (-1.77, 43.36), (1.44, 43.60),
]


def lonlat_to_l93(lon, lat) -> np.ndarray:
    x, y = TO_L93.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y])


def geodesic_m(a_lonlat: np.ndarray, b_lonlat: np.ndarray) -> np.ndarray:
    _, _, dist = GEOD.inv(a_lonlat[:, 0], a_lonlat[:, 1], b_lonlat[:, 0], b_lonlat[:, 1])
    return np.asarray(dist)


def random_lonlat(rng: np.random.Generator, box, n: int) -> np.ndarray:
    w, s, e, n_ = box
    return np.column_stack([rng.uniform(w, e, n), rng.uniform(s, n_, n)])


def random_pairs(rng: np.random.Generator, box, n: int, max_m: float = 100_000):
    """``n`` pairs of points of ``box`` at most ``max_m`` apart (geodesic)."""
    a, b = np.empty((0, 2)), np.empty((0, 2))
    while len(a) < n:
        pa, pb = random_lonlat(rng, box, 4 * n), random_lonlat(rng, box, 4 * n)
        ok = geodesic_m(pa, pb) <= max_m
        a, b = np.vstack([a, pa[ok]]), np.vstack([b, pb[ok]])
    return a[:n], b[:n]


def firms_at(lonlat: np.ndarray, departement: str = "974", prefix: str = "F") -> gpd.GeoDataFrame:
    n = len(lonlat)
    df = pd.DataFrame({
        "firm_id": [f"{prefix}{k:05d}" for k in range(n)],
        "siret": [f"{k:014d}" for k in range(n)], "siren": [f"{k:09d}" for k in range(n)],
        "name": [f"Firme {k}" for k in range(n)], "naf": "25.62A",
        "employees": pd.array([20] * n, dtype="Int64"),
        "commune": "", "epci": "", "departement": departement, "region": "",
        "stage": "direct_export", "posture": "proactive", "export_share": 0.3, "iso": "9001",
        "created": pd.array([2000] * n, dtype="Int64"), "year": YEAR, "diffusible": True,
    })
    xy = lonlat_to_l93(lonlat[:, 0], lonlat[:, 1])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=LAMBERT93)


def actors_at(lonlat: np.ndarray, categories, prefix: str = "A",
              capacity=None) -> gpd.GeoDataFrame:
    n = len(lonlat)
    df = pd.DataFrame({
        "id": [f"{prefix}{k:03d}" for k in range(n)], "name": [f"Acteur {k}" for k in range(n)],
        "category": [categories[k % len(categories)] for k in range(n)],
        "since": 2000, "until": pd.array([pd.NA] * n, dtype="Int64"),
        "capacity": np.nan if capacity is None else capacity,
        "commune": "", "epci": "", "departement": "", "region": "",
    })
    xy = lonlat_to_l93(lonlat[:, 0], lonlat[:, 1])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=LAMBERT93)


def plain_distance_m(xy_a: np.ndarray, xy_b: np.ndarray) -> np.ndarray:
    dx, dy = xy_a[:, 0] - xy_b[:, 0], xy_a[:, 1] - xy_b[:, 1]
    return np.sqrt(dx * dx + dy * dy)


# ---------------------------------------------------------------------------
# the zone table
# ---------------------------------------------------------------------------


def test_zone_crs_are_the_legal_projections_in_pyproj_database():
    zones = settings.get_settings().overseas_zones
    assert sorted(zones) == sorted(OVERSEAS)
    for code, (_, epsg, name) in OVERSEAS.items():
        crs = pyproj.CRS.from_epsg(zones[code].epsg)
        assert zones[code].epsg == epsg and crs.is_projected and crs.name == name
    assert pyproj.CRS.from_epsg(2154).area_of_use.bounds == settings.LAMBERT93_AREA
    assert projection.zone_crs()["974"] == "EPSG:2975"
    assert {c: f"EPSG:{epsg}" for c, (_, epsg, _) in OVERSEAS.items()} == geography.LOCAL_CRS


def test_every_commune_is_in_the_zone_of_its_departement():
    """Town halls and boundary vertices of every commune of France (reference geography)."""
    com = geography.communes()
    com = com[~com.geometry.isna() & ~com.geometry.is_empty]
    zone = projection.distance_zone(com[["townhall_x", "townhall_y"]].to_numpy(float))
    expected = np.where(com["departement"].isin(list(OVERSEAS)), com["departement"],
                        projection.METROPOLITAN)
    assert (zone == expected).all()
    overseas = com[com["departement"].isin(list(OVERSEAS))]
    vertices = overseas.geometry.get_coordinates(index_parts=False)
    dep = overseas["departement"].reindex(vertices.index).to_numpy()
    assert (projection.distance_zone(vertices.to_numpy()) == dep).all()


def test_overlapping_or_metropolitan_zone_boxes_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        settings.update_settings(overseas_zones={
            "974": {"epsg": 2975, "bounds": (54.9, -21.7, 56.1, -20.5)},
            "99": {"epsg": 2975, "bounds": (55.5, -21.0, 57.0, -20.0)}})
    with pytest.raises(ValueError, match="Lambert-93"):
        settings.update_settings(overseas_zones={"20": {"epsg": 2975, "bounds": (8, 41, 10, 43)}})
    with pytest.raises(ValueError, match="not a projected CRS"):
        settings.update_settings(overseas_zones={
            "974": {"epsg": 4326, "bounds": (54.9, -21.7, 56.1, -20.5)}})


# ---------------------------------------------------------------------------
# (1) overseas distances agree with geodesics; Lambert-93 ones do not
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(OVERSEAS))
def test_overseas_distances_agree_with_geodesics(code):
    box = OVERSEAS[code][0]
    rng = np.random.default_rng(int(code))
    a, b = random_pairs(rng, box, 60)
    geo = geodesic_m(a, b)
    xa, xb = lonlat_to_l93(a[:, 0], a[:, 1]), lonlat_to_l93(b[:, 0], b[:, 1])
    assert (projection.distance_zone(np.vstack([xa, xb])) == code).all()
    da, db = projection.distance_xy(xa), projection.distance_xy(xb)
    product = np.array([nearest.nearest_points(da[i], db[i])[1][0] for i in range(len(a))])
    np.testing.assert_allclose(product, geo, rtol=0.005)
    # the same pairs in plain Lambert-93 are 13 % (Guadeloupe) to 88 % (La Réunion) too long
    plain = np.array([nearest.nearest_points(xa[i], xb[i])[1][0] for i in range(len(a))])
    assert (np.abs(plain / geo - 1) > 0.10).all()


@pytest.mark.parametrize("code", sorted(OVERSEAS))
def test_nearest_actors_overseas_agree_with_geodesics(code):
    box = OVERSEAS[code][0]
    rng = np.random.default_rng(100 + int(code))
    firm_ll = random_lonlat(rng, box, 80)
    actor_ll = random_lonlat(rng, box, 12)
    firms, actors = firms_at(firm_ll, code), actors_at(actor_ll, ["cci", "bank"])
    table = proximity.nearest_actors(firms, actors, YEAR, ["cci", "bank"])
    l93_wrong = 0
    for c in ("cci", "bank"):
        mine = (actors["category"] == c).to_numpy()
        ids = actors["id"].to_numpy()[mine]
        dist = np.array([geodesic_m(np.repeat(f[None], mine.sum(), 0), actor_ll[mine])
                         for f in firm_ll])
        order = np.sort(dist, axis=1)
        clear = order[:, 1] > order[:, 0] * 1.01  # no near-tie between the two nearest
        assert clear.sum() > 60
        best = dist.argmin(axis=1)
        assert (table[f"{c}_actor_id"].to_numpy()[clear] == ids[best][clear]).all()
        np.testing.assert_allclose(table[f"{c}_km"].to_numpy() * 1000, order[:, 0], rtol=0.005)
        l93 = np.array([plain_distance_m(np.repeat(layer_xy_l93(firms)[[i]], mine.sum(), 0),
                                         layer_xy_l93(actors)[mine]).min()
                        for i in range(len(firms))])
        l93_wrong += int((np.abs(l93 / order[:, 0] - 1) > 0.05).sum())
    assert l93_wrong == 2 * len(firms)  # plain Lambert-93 would be off for every firm


def layer_xy_l93(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def test_nearest_points_across_zones_match_geodesic_brute_force():
    """One search over points of every zone at once: each point's nearest target is the
    geodesically nearest one of its own zone, and none when its zone has no target."""
    rng = np.random.default_rng(7)
    pts_ll, tgt_ll, pts_zone, tgt_zone = [], [], [], []
    for code, (box, _, _) in OVERSEAS.items():
        pts_ll.append(random_lonlat(rng, box, 40))
        pts_zone += [code] * 40
        if code != "976":  # Mayotte: no target at all
            tgt_ll.append(random_lonlat(rng, box, 6))
            tgt_zone += [code] * 6
    metro = np.array(METROPOLITAN_LONLAT)
    pts_ll.append(metro)
    pts_zone += [projection.METROPOLITAN] * len(metro)
    tgt_ll.append(metro[:3] + 0.05)
    tgt_zone += [projection.METROPOLITAN] * 3
    p_ll, t_ll = np.vstack(pts_ll), np.vstack(tgt_ll)
    p_zone, t_zone = np.array(pts_zone), np.array(tgt_zone)
    ids = [f"T{k:02d}" for k in range(len(t_ll))]
    p_xy = lonlat_to_l93(p_ll[:, 0], p_ll[:, 1])
    t_xy = lonlat_to_l93(t_ll[:, 0], t_ll[:, 1])
    idx, dist = nearest.nearest_points(projection.distance_xy(p_xy),
                                       projection.distance_xy(t_xy), ids)
    for i in range(len(p_ll)):
        same = np.flatnonzero(t_zone == p_zone[i])
        if p_zone[i] == "976":
            assert idx[i] == -1 and dist[i] == np.inf
            continue
        if p_zone[i] == projection.METROPOLITAN:  # Lambert-93 there, compared exactly
            d = plain_distance_m(np.repeat(p_xy[[i]], len(same), 0), t_xy[same])
            assert idx[i] == same[d.argmin()] and dist[i] == d.min()
            continue
        geo = geodesic_m(np.repeat(p_ll[[i]], len(same), 0), t_ll[same])
        assert idx[i] == same[geo.argmin()]
        assert dist[i] == pytest.approx(geo.min(), rel=0.005)


def test_layer_in_longitude_latitude_is_measured_overseas_too():
    rng = np.random.default_rng(11)
    a, b = random_pairs(rng, OVERSEAS["973"][0], 30)
    frame = gpd.GeoDataFrame({"id": [f"P{k}" for k in range(60)]},
                             geometry=gpd.points_from_xy(np.r_[a[:, 0], b[:, 0]],
                                                         np.r_[a[:, 1], b[:, 1]]),
                             crs="EPSG:4326")
    xy = layer_xy(frame)
    np.testing.assert_allclose(plain_distance_m(xy[:30], xy[30:]), geodesic_m(a, b), rtol=0.005)


# ---------------------------------------------------------------------------
# (2) metropolitan France: bit-identical to plain Lambert-93
# ---------------------------------------------------------------------------


def test_metropolitan_coordinates_are_returned_unchanged():
    rng = np.random.default_rng(3)
    xy = np.vstack([lonlat_to_l93(*np.array(METROPOLITAN_LONLAT).T),
                    np.column_stack([rng.uniform(60_000, 1_250_000, 5000),
                                     rng.uniform(6_030_000, 7_120_000, 5000)])])
    out = projection.distance_xy(xy)
    assert out.tobytes() == xy.tobytes()
    assert (projection.distance_zone(xy) == projection.METROPOLITAN).all()


def brute_nearest_km(fxy: np.ndarray, axy: np.ndarray, ids: np.ndarray):
    """Nearest target by the plain Lambert-93 formula, smallest id within 1 mm."""
    out_id, out_km = [], []
    for x, y in fxy:
        dx, dy = x - axy[:, 0], y - axy[:, 1]
        d = np.sqrt(dx * dx + dy * dy)
        tied = d <= d.min() + 0.001
        k = np.flatnonzero(tied)[np.argmin(ids[tied])]
        out_id.append(ids[k])
        out_km.append(d[k] / 1000.0 * 1.0)
    return np.array(out_id, dtype=object), np.array(out_km)


def test_metropolitan_results_are_bit_identical_with_overseas_data_beside():
    """Corsica and the mainland, with and without overseas firms and actors in the same
    layers: the metropolitan distances are those of plain Lambert-93, to the bit."""
    rng = np.random.default_rng(5)
    m_firms = firms_at(np.column_stack([rng.uniform(-4.5, 9.5, 400), rng.uniform(41.4, 51.0, 400)]),
                       "34", "M")
    m_actors = actors_at(np.column_stack([rng.uniform(-4.5, 9.5, 30), rng.uniform(41.4, 51, 30)]),
                         ["cci", "cce"], "M")
    o_firms = firms_at(random_lonlat(rng, OVERSEAS["974"][0], 50), "974", "R")
    o_actors = actors_at(random_lonlat(rng, OVERSEAS["974"][0], 4), ["cci"], "R")
    alone = proximity.nearest_actors(m_firms, m_actors, YEAR, ["cci", "cce"])
    both = proximity.nearest_actors(pd.concat([o_firms, m_firms]), pd.concat([o_actors, m_actors]),
                                    YEAR, ["cci", "cce"]).iloc[len(o_firms):]
    fxy, axy = layer_xy_l93(m_firms), layer_xy_l93(m_actors)
    for c in ("cci", "cce"):
        mine = (m_actors["category"] == c).to_numpy()
        ids, km = brute_nearest_km(fxy, axy[mine], m_actors["id"].to_numpy()[mine])
        for table in (alone, both):
            assert table[f"{c}_km"].to_numpy().tobytes() == km.tobytes()
            assert (table[f"{c}_actor_id"].to_numpy(dtype=object) == ids).all()
    acc_alone = accessibility.firm_accessibility(m_firms, m_actors, YEAR, ["cci", "cce"])
    acc_both = accessibility.firm_accessibility(pd.concat([m_firms, o_firms]),
                                                pd.concat([m_actors, o_actors]), YEAR,
                                                ["cci", "cce"]).iloc[:len(m_firms)]
    for col in ("n_actors_within_d", "access_2sfca", "access_e2sfca"):
        assert acc_alone[col].to_numpy().tobytes() == acc_both[col].to_numpy().tobytes()


# ---------------------------------------------------------------------------
# (3) a zone without actors: unserved, with no nearest actor
# ---------------------------------------------------------------------------


def test_firm_in_reunion_with_actors_only_in_metropolitan_france_has_none():
    firms = firms_at(np.array([[55.45, -20.9], [55.6, -21.2]]), "974")
    actors = actors_at(np.array([[3.88, 43.61], [1.44, 43.60]]), list(FRONT_LINE_CATEGORIES))
    table = proximity.nearest_actors(firms, actors, YEAR, ["cci"])
    assert np.isinf(table["cci_km"]).all() and table["cci_actor_id"].isna().all()
    assert (table["n_reference_categories_within_d"] == 0).all()
    front = unserved.nearest_front(firms, actors, YEAR)
    assert (front.index == -1).all() and front.unserved().all()
    out = proximity.unserved_firms(firms, actors, YEAR)
    assert sorted(out["firm_id"]) == sorted(firms["firm_id"])
    assert out["nearest_actor_id"].isna().all() and out["nearest_km"].isna().all()
    catch = catchments.catchments(firms, actors, YEAR, ["cci", "team_france_export"])
    assert (catch["n_firms"] == 0).all() and catch["mean_km"].isna().all()
    acc = accessibility.firm_accessibility(firms, actors, YEAR)
    assert (acc["n_actors_within_d"] == 0).all() and (acc["access_2sfca"] == 0).all()
    infra = gpd.GeoDataFrame({"id": ["TLS"], "kind": ["airport"], "iata": ["TLS"]},
                             geometry=gpd.points_from_xy(*lonlat_to_l93([1.37], [43.63]).T),
                             crs=LAMBERT93)
    access = proximity.infrastructure_access(firms, infra, YEAR, kinds=["airport"])
    # no airport in La Réunion's zone: no data, as a kind without any record
    assert access["airport_km"].isna().all() and access["airport_id"].isna().all()


def test_firm_in_reunion_20_km_from_an_actor_is_served():
    """20 km on the ground (37.6 km in Lambert-93): served at d = 30 km."""
    actor_ll = np.array([[55.45, -20.9]])
    lon, lat, _ = GEOD.fwd(55.45, -20.9, 135.0, 20_000.0)
    firms = firms_at(np.array([[lon, lat]]), "974")
    actors = actors_at(actor_ll, ["cci"])
    front = unserved.nearest_front(firms, actors, YEAR, ["cci"])
    assert front.km[0] == pytest.approx(20.0, rel=0.005) and not front.unserved()[0]
    l93 = plain_distance_m(layer_xy_l93(firms), layer_xy_l93(actors))[0] / 1000
    assert l93 > 30.0  # plain Lambert-93 would call it unserved


# ---------------------------------------------------------------------------
# (4) 2SFCA overseas = PySAL access on geodesic distances
# ---------------------------------------------------------------------------

BANDS = {10: 1.0, 20: 0.68, 30: 0.22}


def pysal_access(firm_ids, actor_ids, capacity, cost: pd.DataFrame, d: float):
    acc = Access(demand_df=pd.DataFrame({"demand": np.ones(len(firm_ids))},
                                        index=pd.Index(firm_ids, name="firm")),
                 demand_index=True, demand_value="demand",
                 supply_df=pd.DataFrame({"capacity": capacity},
                                        index=pd.Index(actor_ids, name="actor")),
                 supply_index=True, supply_value="capacity",
                 cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")
    two = acc.two_stage_fca(name="s2", max_cost=d)["s2_capacity"]
    enh = acc.enhanced_two_stage_fca(name="e2", max_cost=d,
                                     weight_fn=weights.step_fn(BANDS))["e2_capacity"]
    return two.fillna(0.0), enh.fillna(0.0)


def geodesic_cost(firm_ll, actor_ll, firm_ids, actor_ids, d_km: float) -> pd.DataFrame:
    i, j = np.meshgrid(np.arange(len(firm_ll)), np.arange(len(actor_ll)), indexing="ij")
    i, j = i.ravel(), j.ravel()
    km = geodesic_m(firm_ll[i], actor_ll[j]) / 1000.0
    keep = km <= d_km
    return pd.DataFrame({"origin": np.asarray(firm_ids)[i[keep]],
                         "dest": np.asarray(actor_ids)[j[keep]], "cost": km[keep]})


@pytest.mark.parametrize("code", ["974", "973"])
def test_2sfca_overseas_equals_pysal_access_on_geodesic_distances(code):
    box = OVERSEAS[code][0]
    rng = np.random.default_rng(200 + int(code))
    actor_ll = random_lonlat(rng, box, 15)
    firm_ll = random_lonlat(rng, box, 400)
    # firms with a geodesic distance within 0.5 % of a band bound (10, 20, 30 km) would be
    # classed by the local CRS's 0.1 % error: leave them out
    km = np.array([geodesic_m(np.repeat(f[None], len(actor_ll), 0), actor_ll) / 1000
                   for f in firm_ll])
    near_bound = np.zeros(len(firm_ll), dtype=bool)
    for bound in BANDS:
        near_bound |= (np.abs(km - bound) <= 0.005 * bound).any(axis=1)
    firm_ll = firm_ll[~near_bound]
    capacity = rng.choice([40.0, 120.0, 300.0], len(actor_ll))
    firms = firms_at(firm_ll, code)
    actors = actors_at(actor_ll, list(FRONT_LINE_CATEGORIES), capacity=capacity)
    out = accessibility.firm_accessibility(firms, actors, YEAR).set_index("firm_id")
    cost = geodesic_cost(firm_ll, actor_ll, firms["firm_id"], actors["id"], 30.0)
    two, enh = pysal_access(firms["firm_id"].to_numpy(), actors["id"].to_numpy(), capacity,
                            cost, 30.0)
    assert (out["access_2sfca"] > 0).sum() > 50
    np.testing.assert_allclose(out["access_2sfca"], two.reindex(out.index), rtol=1e-9)
    np.testing.assert_allclose(out["access_e2sfca"], enh.reindex(out.index), rtol=1e-9)
    mine = accessibility.cost_table(firms, actors, max_km=30.0)
    assert len(mine) == len(cost)
    # on Lambert-93 distances, PySAL would give other figures
    fxy, axy = layer_xy_l93(firms), layer_xy_l93(actors)
    i, j = np.meshgrid(np.arange(len(fxy)), np.arange(len(axy)), indexing="ij")
    l93_km = plain_distance_m(fxy[i.ravel()], axy[j.ravel()]) / 1000
    keep = l93_km <= 30.0
    l93_cost = pd.DataFrame({"origin": firms["firm_id"].to_numpy()[i.ravel()[keep]],
                             "dest": actors["id"].to_numpy()[j.ravel()[keep]],
                             "cost": l93_km[keep]})
    two_l93, _ = pysal_access(firms["firm_id"].to_numpy(), actors["id"].to_numpy(), capacity,
                              l93_cost, 30.0)
    assert not np.allclose(out["access_2sfca"], two_l93.reindex(out.index), rtol=0.01)


def test_overseas_zone_of_a_point_outside_every_box_stays_lambert93():
    """A point in no zone (here St Pierre and Miquelon, not in the table) keeps its
    Lambert-93 coordinates, as before."""
    xy = lonlat_to_l93([-56.18], [46.78])
    assert projection.distance_xy(xy).tobytes() == xy.tobytes()
    assert projection.distance_zone(xy).tolist() == [projection.METROPOLITAN]
    assert math.isfinite(float(xy[0, 0]))


# ---------------------------------------------------------------------------
# planning: ties and relay sites overseas, outputs in Lambert-93
# ---------------------------------------------------------------------------


def network_data(actors: gpd.GeoDataFrame, firms: gpd.GeoDataFrame, communes: list[str]):
    from ecosystem.network import NetworkData

    info = geography.commune_info(communes)
    territories = gpd.GeoDataFrame({
        "code": communes, "level": "commune", "name": info["name"].to_numpy(),
        "epci": info["epci"].to_numpy(), "departement": info["departement"].to_numpy(),
        "region": info["region"].to_numpy()},
        geometry=gpd.points_from_xy(info["townhall_x"], info["townhall_y"]), crs=LAMBERT93)
    relations = pd.DataFrame(columns=["source", "target", "source_type", "target_type", "kind",
                                      "year", "until", "weight"])
    firms = firms.assign(markets="DE", groupement="")
    return NetworkData(YEAR, actors, relations, firms, territories)


def test_tie_candidates_overseas_are_measured_on_the_ground():
    """Two actors of La Réunion 25 km apart (47 km in Lambert-93) are a candidate tie within
    30 km, at their geodesic distance; no pair joins La Réunion and metropolitan France."""
    from ecosystem.planning.ties import tie_recommendations

    lon, lat, _ = GEOD.fwd(55.45, -20.9, 150.0, 25_000.0)
    actor_ll = np.array([[55.45, -20.9], [lon, lat], [3.88, 43.61], [3.9, 43.7]])
    actors = actors_at(actor_ll, ["cci", "bank", "cce", "university"])
    firms = firms_at(np.array([[55.5, -21.0]]), "974")
    out = tie_recommendations(network_data(actors, firms, ["97411"]), top=5,
                              max_distance_km=30.0)
    pairs = {(r.source, r.target): r.distance_km for r in out.itertuples()}
    assert set(pairs) == {("A000", "A001"), ("A002", "A003")}
    assert pairs[("A000", "A001")] == pytest.approx(25.0, rel=0.005)
    metro = plain_distance_m(layer_xy_l93(actors)[[2]], layer_xy_l93(actors)[[3]])[0] / 1000
    assert pairs[("A002", "A003")] == metro  # Lambert-93, unchanged
    l93 = plain_distance_m(layer_xy_l93(actors)[[0]], layer_xy_l93(actors)[[1]])[0] / 1000
    assert l93 > 30.0  # plain Lambert-93 would have dropped the pair


def test_relay_sites_overseas_cover_firms_within_d_on_the_ground():
    """Unserved firms of La Réunion, candidate sites at the town halls of its communes: the
    covered firms are those within d of the chosen town hall on the ground, and the site
    table keeps the town hall's Lambert-93 coordinates."""
    from ecosystem.planning.relays import candidate_sites, relay_plan

    rng = np.random.default_rng(31)
    firm_ll = random_lonlat(rng, (55.25, -21.35, 55.8, -20.9), 120)
    firms = firms_at(firm_ll, "974")
    actors = actors_at(np.array([[3.88, 43.61]]), ["cci"])  # the only one, far away
    communes = ["97411", "97415", "97416", "97422", "97412"]
    data = network_data(actors, firms, communes)
    d_km = 15.0
    sites, covered = relay_plan(data, sites=1, distance_km=d_km)
    assert sites.attrs["unserved_firms"] == len(firms)
    cand = candidate_sites(data.territories)
    info = geography.commune_info(communes)
    site = cand.set_index("commune").loc[sites["commune"].iloc[0]]
    hall = info.loc[site.name]
    assert (site["x"], site["y"]) == (hall["townhall_x"], hall["townhall_y"])
    assert (sites["x"].iloc[0], sites["y"].iloc[0]) == (hall["townhall_x"], hall["townhall_y"])
    to_ll = pyproj.Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)
    hall_ll = np.array([to_ll.transform(hall["townhall_x"], hall["townhall_y"])])
    assert sites[["lon", "lat"]].to_numpy() == pytest.approx(hall_ll)
    geo_km = geodesic_m(firm_ll, np.repeat(hall_ll, len(firm_ll), 0)) / 1000
    clear = np.abs(geo_km - d_km) > 0.005 * d_km
    within = set(firms["firm_id"][clear & (geo_km <= d_km)])
    assert within and set(covered["firm_id"]) & set(firms["firm_id"][clear]) == within
    mine = covered.set_index("firm_id")["distance_km"]
    expected = pd.Series(geo_km, index=firms["firm_id"]).reindex(mine.index)
    np.testing.assert_allclose(mine, expected, rtol=0.005)
    # the best site by brute force on geodesic coverage (potential weights of the firms)
    weights = proximity.potential_score(firms)["potential"].to_numpy()
    halls_ll = np.array([to_ll.transform(x, y) for x, y in cand[["x", "y"]].to_numpy()])
    best = max(weights[geodesic_m(firm_ll, np.repeat(h[None], len(firm_ll), 0)) / 1000
                       <= d_km].sum() for h in halls_ll)
    assert sites.attrs["covered_weight"] == pytest.approx(best)
