"""Activation résiliaire: ties to create, relay sites, export groups, what-if scenarios.

Every figure is recomputed independently: networkx for the graph, plain loops over
distances for coverage and reach, brute force over every choice for the optimisation.
"""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from ecosystem import geography, settings
from ecosystem.activation import (
    GROUP_COLUMNS,
    RELAY_SITE_COLUMNS,
    TIE_COLUMNS,
    candidate_sites,
    export_groups,
    group_score,
    groupements,
    pair_synergy,
    plan_relays,
    recommend_ties,
    solve_max_covering,
    what_if,
)
from ecosystem.network import NetworkData
from ecosystem.proximity import potential_score
from ecosystem.registry import Registry, territories_for
from tests.test_network import X0, Y0, YEAR, _points, actor, firm, tie, write_registry

D_KM = 30.0


# ---------------------------------------------------------------------------
# ties to create
# ---------------------------------------------------------------------------

def tie_registry(tmp_path) -> Registry:
    """A CCI star (front line) at the origin, a pair of private actors 40 km east that no
    front-line actor reaches, an isolated CCE 10 km north, firms near each."""
    actors = [
        actor("cci", "cci"), actor("bank", "bank", 1), actor("uni", "university", 0, 1),
        actor("cons", "consultant", 40), actor("logi", "logistics", 42),
        actor("cce", "cce", 0, 10),
        actor("far", "bank", 200),  # beyond the tie distance of everyone
    ]
    relations = [tie("cci", "bank"), tie("cci", "uni"), tie("cons", "logi"),
                 tie("logi", "30000000000003", "accompaniment", target_type="firm")]
    firms = [
        firm("30000000000001", 2, 2), firm("30000000000002", 5, -3),
        firm("30000000000003", 75, 0),   # only tied to logi (too far from everyone)
        firm("30000000000004", 55, 0), firm("30000000000005", 60, 5),  # near cons/logi
        firm("30000000000006", 120, 0),  # reaches nothing
    ]
    return write_registry(tmp_path / "r.gpkg", actors, relations, firms)


def brute_reach(graph: nx.Graph, data: NetworkData) -> int:
    """Firms within two steps of the front line, by plain loops."""
    front = set(settings.get_settings().unserved_categories)
    live = data.live_actors().set_index("id")
    pos = {a: (live.loc[a].geometry.x, live.loc[a].geometry.y) for a in graph.nodes}
    ties = {(r.source, r.target) for r in data.relations.itertuples()
            if r.source_type == "actor" and r.target_type == "firm"}
    n = 0
    for f in data.firms.itertuples():
        linked = {a for a, (x, y) in pos.items()
                  if math.hypot(x - f.geometry.x, y - f.geometry.y) <= D_KM * 1000}
        linked |= {a for a, t in ties if t == f.firm_id and a in pos}
        ok = any(graph.nodes[a]["category"] in front for a in linked) or any(
            graph.nodes[b]["category"] in front for a in linked for b in graph.neighbors(a))
        n += ok
    return n


def score_of(graph: nx.Graph, u: str, v: str, data: NetworkData) -> float:
    s = settings.get_settings()
    e0 = nx.global_efficiency(graph)
    c0 = nx.number_connected_components(graph)
    r0 = brute_reach(graph, data)
    h = graph.copy()
    h.add_edge(u, v)
    de = nx.global_efficiency(h) - e0
    return (s.tie_weight_components * (c0 - nx.number_connected_components(h))
            + s.tie_weight_efficiency * 100 * de / e0
            + s.tie_weight_firms * 100 * (brute_reach(h, data) - r0) / len(data.firms))


def test_recommended_ties_produce_their_reported_gains(tmp_path):
    reg = tie_registry(tmp_path)
    rec = recommend_ties(reg, YEAR, top=4)
    assert list(rec.columns) == list(TIE_COLUMNS)
    assert len(rec) == 4
    data = NetworkData.from_registry(reg, YEAR)
    g = data.graph()
    before = rec.attrs["before"]
    assert before["components"] == nx.number_connected_components(g) == 4
    assert before["efficiency"] == pytest.approx(nx.global_efficiency(g), abs=1e-12)
    assert before["firms_reached"] == brute_reach(g, data) == 2
    for r in rec.itertuples():
        assert not g.has_edge(r.source, r.target) and r.source < r.target
        c0, e0, f0 = (nx.number_connected_components(g), nx.global_efficiency(g),
                      brute_reach(g, data))
        g.add_edge(r.source, r.target)
        assert c0 - nx.number_connected_components(g) == r.gain_components
        assert nx.global_efficiency(g) - e0 == pytest.approx(r.gain_efficiency, abs=1e-12)
        assert 100 * r.gain_efficiency / e0 == pytest.approx(r.gain_efficiency_pct)
        assert brute_reach(g, data) - f0 == r.gain_firms_reached
        assert r.components_after == nx.number_connected_components(g)
        assert r.efficiency_after == pytest.approx(nx.global_efficiency(g), abs=1e-12)
        assert r.firms_reached_after == brute_reach(g, data)
        xy = data.live_actors().set_index("id").geometry
        assert r.distance_km == pytest.approx(xy[r.source].distance(xy[r.target]) / 1000)
        assert r.distance_km <= settings.get_settings().tie_max_distance_km
    # the ties that bring the private pair and the isolated CCE into the network
    assert set(map(tuple, rec[["source", "target"]].to_numpy()[:2])) <= {
        ("cce", "cci"), ("cci", "cons"), ("cci", "logi"), ("bank", "cce"), ("cce", "uni"),
        ("bank", "cons"), ("bank", "logi"), ("cons", "uni"), ("logi", "uni")}
    assert rec["gain_firms_reached"].sum() == 3  # firms 3, 4 and 5
    assert "far" not in set(rec["source"]) | set(rec["target"])


def test_first_recommendation_is_the_best_pair_by_brute_force(tmp_path):
    reg = tie_registry(tmp_path)
    rec = recommend_ties(reg, YEAR, top=1)
    data = NetworkData.from_registry(reg, YEAR)
    g = data.graph()
    xy = data.live_actors().set_index("id").geometry
    max_m = settings.get_settings().tie_max_distance_km * 1000
    scores = {
        (u, v): score_of(g, u, v, data)
        for u, v in itertools.combinations(sorted(g.nodes), 2)
        if not g.has_edge(u, v) and xy[u].distance(xy[v]) <= max_m
    }
    best = max(scores.values())
    top = rec.iloc[0]
    assert top["score"] == pytest.approx(scores[(top["source"], top["target"])], abs=1e-9)
    assert top["score"] == pytest.approx(best, abs=1e-9)


def test_no_candidate_gives_no_recommendation(tmp_path):
    reg = write_registry(tmp_path / "r.gpkg", [actor("a", "cci"), actor("b", "bank", 1)],
                         [tie("a", "b")], [firm("30000000000001")])
    assert recommend_ties(reg, YEAR, top=3).empty


# ---------------------------------------------------------------------------
# relay sites: maximal covering location problem
# ---------------------------------------------------------------------------

def brute_max_cover(cov: np.ndarray, w: np.ndarray, k: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(cov.shape[1]), min(k, cov.shape[1])):
        best = max(best, float(w[cov[:, list(combo)].any(axis=1)].sum()))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_max_covering_is_optimal_by_brute_force(seed):
    rng = np.random.default_rng(seed)
    firms = rng.uniform(0, 100, (30, 2))
    sites = rng.uniform(0, 100, (10, 2))
    cov = np.hypot(*(firms[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)) <= 25
    w = rng.integers(0, 10, 30).astype(float)
    for k in (1, 2, 3, 4):
        chosen, value = solve_max_covering(cov, w, k)
        assert len(chosen) <= k
        assert value == pytest.approx(float(w[cov[:, chosen].any(axis=1)].sum()))
        assert value == pytest.approx(brute_max_cover(cov, w, k))


def test_max_covering_edge_cases():
    cov = np.array([[1, 1, 0], [0, 0, 0]], dtype=bool)
    chosen, value = solve_max_covering(cov, np.array([2.0, 5.0]), 3)
    assert value == 2.0 and len(chosen) == 1  # identical sites merged, an empty one dropped
    assert solve_max_covering(cov, np.array([2.0, 5.0]), 0)[1] == 0.0


def relay_registry(tmp_path) -> Registry:
    """A CCI at the origin; unserved firms in clusters 60-100 km away; nine communes
    (boxes) as candidate sites."""
    boxes = {f"C{i}": (x, y, x + 10, y + 10) for i, (x, y) in enumerate(
        [(-5, -5), (55, -5), (75, -5), (95, -5), (55, 40), (-5, 60), (-5, 85), (30, 30),
         (120, 120)])}
    actors = [actor("cci", "cci", commune="C0")]
    firms = []
    spots = [(60, 0, "C1", 3), (80, 0, "C2", 2), (100, 0, "C3", 2), (60, 45, "C4", 2),
             (0, 65, "C5", 3), (0, 90, "C6", 1), (1, 1, "C0", 2)]
    k = 0
    for x, y, commune, n in spots:
        for j in range(n):
            k += 1
            firms.append(firm(f"4000000000{k:04d}", x + j, y + 0.5 * j, commune=commune,
                              stage=["local", "direct_export"][k % 2], employees=5 * k,
                              diffusible=k % 3 != 0))
    return write_registry(tmp_path / "r.gpkg", actors, [], firms, boxes=boxes)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_relay_plan_is_optimal_and_its_coverage_recomputed(tmp_path, k):
    reg = relay_registry(tmp_path)
    sites, covered = plan_relays(reg, YEAR, sites=k)
    assert list(sites.columns) == list(RELAY_SITE_COLUMNS)
    data = NetworkData.from_registry(reg, YEAR)
    cand = candidate_sites(data.territories)
    terr = data.territories.set_index("code")
    for r in cand.itertuples():  # fake codes: a point inside the commune's own box
        assert terr.loc[r.commune].geometry.contains(shapely.Point(r.x, r.y))
    # independent computation: unserved firms, their potential, every choice of k sites
    f = data.firms.reset_index(drop=True)
    cci = data.actors.geometry.iloc[0]
    unserved = f[[g.distance(cci) > D_KM * 1000 for g in f.geometry]].reset_index(drop=True)
    w = potential_score(unserved)["potential"].to_numpy()
    cov = np.array([[math.hypot(g.x - s.x, g.y - s.y) <= D_KM * 1000 for s in cand.itertuples()]
                    for g in unserved.geometry])
    best = brute_max_cover(cov, w, k)
    assert sites.attrs["covered_weight"] == pytest.approx(best)
    assert sites["covered_weight"].sum() == pytest.approx(best)
    assert sites.attrs["unserved_firms"] == len(unserved)
    # the firms listed are exactly those within d of a chosen site
    chosen = cand.set_index("commune").loc[sites["commune"]]
    within = {fid for fid, g in zip(unserved["firm_id"], unserved.geometry, strict=True)
              if any(math.hypot(g.x - s.x, g.y - s.y) <= D_KM * 1000
                     for s in chosen.itertuples())}
    assert set(covered["firm_id"]) == within
    assert sites["newly_covered_firms"].sum() == len(within) == len(covered)
    counted = covered.groupby("site_commune").size()
    assert sites.set_index("commune")["newly_covered_firms"].to_dict() == counted.to_dict()
    assert (sites["newly_covered_firms"] > 0).all()
    assert (covered["distance_km"] <= D_KM).all()
    private = unserved.set_index("firm_id")["diffusible"]
    assert (covered.loc[~covered["firm_id"].map(private), "name"] == "").all()


def test_relay_distance_option(tmp_path):
    reg = relay_registry(tmp_path)
    sites, covered = plan_relays(reg, YEAR, sites=1, distance_km=5)
    assert sites.attrs["distance_km"] == 5
    assert (covered["distance_km"] <= 5).all()


# ---------------------------------------------------------------------------
# export groups
# ---------------------------------------------------------------------------

#: NAF sections of the divisions used below (INSEE nomenclature).
SECTION = {"10": "C", "25": "C", "28": "C", "46": "G", "62": "J"}


def group_registry(tmp_path) -> Registry:
    rng = np.random.default_rng(7)
    nafs = ["25.62A", "25.62B", "25.11Z", "25.73A", "28.41Z", "28.92Z", "10.71C",
            "46.69B", "62.01Z", "25.99B"]
    firms = []
    for k in range(70):
        firms.append(firm(
            f"5000000000{k:04d}", *rng.uniform(0, 60, 2),
            naf=nafs[int(rng.integers(0, len(nafs)))],
            employees=int(rng.choice([0, 2, 5, 8, 15, 30, 60, 120, 300])),
            stage=str(rng.choice(["local", "indirect_export", "direct_export"])),
            posture=str(rng.choice(["refusal", "reactive", "proactive"])),
            markets="|".join(rng.choice(["DE", "ES", "IT", "US", "CN"],
                                        int(rng.integers(0, 3)), replace=False)),
            groupement="GEX-1" if k % 17 == 0 else "",
            diffusible=k % 5 != 0))
    return write_registry(tmp_path / "r.gpkg", [actor("cci", "cci")], [], firms)


def test_every_export_group_respects_every_constraint(tmp_path):
    reg = group_registry(tmp_path)
    groups = groupements(reg, YEAR)
    assert list(groups.columns) == list(GROUP_COLUMNS)
    assert groups["group_id"].nunique() >= 5
    s = settings.get_settings()
    f = reg.firms(YEAR).set_index("firm_id")
    assert groups["firm_id"].is_unique  # a firm is in one group at most
    for _, grp in groups.groupby("group_id"):
        members = f.loc[grp["firm_id"]]
        assert s.groupement_min_members <= len(grp) <= s.groupement_max_members
        for (_, a), (_, b) in itertools.combinations(members.iterrows(), 2):
            assert a.geometry.distance(b.geometry) <= s.groupement_max_distance_km * 1000
            assert a["naf"][:5].replace(".", "") != b["naf"][:5].replace(".", "")
        emp = members["employees"].astype(int)
        assert emp.min() >= 1 and emp.max() < s.sme_max_employees
        assert emp.max() / emp.min() <= s.groupement_max_size_ratio
        assert (members["groupement"] == "").all()
        assert (members["stage"].ne("local") | members["posture"].isin(
            ["reactive", "proactive"])).all()
        # the score, recomputed from its definition
        pairs = [pair_synergy(a["naf"][:2], SECTION[a["naf"][:2]],
                              set(filter(None, a["markets"].split("|"))),
                              b["naf"][:2], SECTION[b["naf"][:2]],
                              set(filter(None, b["markets"].split("|"))))
                 for (_, a), (_, b) in itertools.combinations(members.iterrows(), 2)]
        sector = np.mean([p[0] for p in pairs])
        market = np.mean([p[1] for p in pairs])
        assert grp["group_score"].iloc[0] == pytest.approx(group_score(sector, market),
                                                           abs=0.006)
        assert (grp["group_size"] == len(grp)).all()
        # blank names for non-diffusible firms
        for row in grp.itertuples():
            assert row.name == ("" if not f.at[row.firm_id, "diffusible"]
                                else f.at[row.firm_id, "name"])
    scores = groups.drop_duplicates("group_id")["group_score"].to_numpy()
    assert (np.diff(scores) <= 1e-9).all()  # ranked by score


def test_hand_worked_synergy():
    assert pair_synergy("25", "C", {"DE"}, "25", "C", {"DE", "IT"}) == (1.0, 0.5)
    assert pair_synergy("25", "C", set(), "46", "G", {"DE"}) == (0.0, 0.0)
    with settings.override(groupement_weight_sectors=1.0, groupement_weight_markets=3.0):
        assert group_score(1.0, 0.0) == 25.0


def test_no_group_without_enough_eligible_firms(tmp_path):
    reg = write_registry(tmp_path / "r.gpkg", [actor("cci", "cci")], [],
                         [firm("60000000000001"), firm("60000000000002", naf="28.41Z")])
    groups = export_groups(NetworkData.from_registry(reg, YEAR))
    assert groups.empty and list(groups.columns) == list(GROUP_COLUMNS)


# ---------------------------------------------------------------------------
# what-if
# ---------------------------------------------------------------------------

def real_registry(tmp_path) -> Registry:
    """Hérault: a CCI and a bank at Montpellier's town hall, four firms at Lodève (49 km
    away: unserved), two at Montpellier; real territories."""
    info = geography.commune_info(["34172", "34142"])

    def at(code: str, dx_km: float = 0.0) -> dict:
        r = info.loc[code]
        return {"commune": code, "epci": r["epci"], "departement": "34", "region": "76",
                "x": r["townhall_x"] + 1000 * dx_km, "y": r["townhall_y"]}

    actors = [actor("cci-mtp", "cci", **at("34172")), actor("bank-mtp", "bank", **at("34172"))]
    firms = [firm(f"7000000000{k:04d}", **at("34142", 0.2 * k)) for k in range(4)]
    firms += [firm(f"7100000000{k:04d}", **at("34172", 0.3 * k)) for k in range(2)]
    reg = Registry(tmp_path / "real.gpkg")
    reg.write_layers({"actors": _points(actors), "firms": _points(firms),
                      "relations": pd.DataFrame([tie("cci-mtp", "bank-mtp")]),
                      "territories": territories_for(["34"])})
    return reg


def test_what_if_relay_and_tie(tmp_path):
    reg = real_registry(tmp_path)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        "name: Relais de Lodève\n"
        "year: 2025\n"
        "relays:\n"
        "  - commune: '34142'\n"
        "    tied_to: [cci-mtp]\n"
        "actors:\n"
        "  - id: uni-mtp\n"
        "    name: Université de Montpellier\n"
        "    category: university\n"
        "    commune: '34172'\n"
        "ties:\n"
        "  - source: uni-mtp\n"
        "    target: cci-mtp\n"
        "    kind: partnership\n", encoding="utf-8")
    out = what_if(reg, scenario, YEAR)
    assert list(out.columns) == ["level", "code", "name", "source", "measure", "before",
                                 "after", "change"]
    dep = out.loc[out["level"].eq("departement") & out["code"].eq("34")
                  & out["source"].isin(["network", "proximity"])].set_index("measure")
    assert dep.index.is_unique
    assert dep.at["n_actors", "before"] == 2 and dep.at["n_actors", "after"] == 4
    assert dep.at["n_ties", "after"] - dep.at["n_ties", "before"] == 2
    assert dep.at["n_front_line_actors", "change"] == 1
    # four firms at Lodève were unserved (49 km from Montpellier); the relay serves them
    assert dep.at["n_unserved", "before"] == 4 and dep.at["n_unserved", "after"] == 0
    assert dep.at["unserved_share", "before"] == pytest.approx(4 / 6)
    assert dep.at["firms_reached_share", "after"] == 1.0
    assert (dep["change"] == dep["after"] - dep["before"]).all()
    assert out.attrs["scenario"]["relays"] == 1
    if "indicators" in set(out["source"]):
        assert out.loc[out["source"].eq("indicators"), "before"].notna().any()
    # the registry itself is unchanged
    assert len(reg.actors()) == 2


def test_what_if_refuses_unknown_keys_and_bad_records(tmp_path):
    from ecosystem._errors import InputFormatError, ValidationError

    reg = real_registry(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2025\nrelay: []\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="unknown key"):
        what_if(reg, bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("year: 2025\nties:\n  - {source: cci-mtp, target: nobody, kind: "
                     "partnership}\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        what_if(reg, wrong)


def test_points_helper_is_lambert93():
    pts = _points([{"x": X0, "y": Y0}])
    assert pts.crs.to_epsg() == 2154
