"""The actor network and its metrics, checked against networkx and hand-worked examples."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from ecosystem.network import (
    ACTOR_TABLE_COLUMNS,
    NetworkData,
    actor_graph,
    actor_metrics,
    firm_ties,
    global_efficiency,
    territory_metrics,
)
from ecosystem.network_report import network_report
from ecosystem.registry import Registry
from ecosystem.settings import LAMBERT93

YEAR = 2025
X0, Y0 = 700_000.0, 6_300_000.0


# ---------------------------------------------------------------------------
# a small registry written to a real GeoPackage (shared with the other network tests)
# ---------------------------------------------------------------------------

def actor(aid: str, category: str, x_km: float = 0.0, y_km: float = 0.0, **kw: Any) -> dict:
    """An actor record at (X0 + x_km, Y0 + y_km), in commune C1 / EPCI E1 / D1 / région R."""
    rec = {"id": aid, "name": kw.pop("name", aid.upper()), "category": category,
           "commune": "C1", "epci": "E1", "departement": "D1", "region": "R",
           "placement": "coordinates", "since": 2000, "until": pd.NA, "capacity": 100.0,
           "international_links": False, "x": X0 + 1000 * x_km, "y": Y0 + 1000 * y_km}
    rec.update(kw)
    return rec


def firm(fid: str, x_km: float = 0.0, y_km: float = 0.0, **kw: Any) -> dict:
    """A firm observation of YEAR (firm_id = siret = fid)."""
    rec = {"firm_id": fid, "siret": fid, "siren": fid[:9], "name": f"Firm {fid}",
           "naf": "25.62A", "employees": 20, "commune": "C1", "epci": "E1",
           "departement": "D1", "region": "R", "placement": "coordinates",
           "stage": "direct_export", "posture": "proactive", "export_share": 0.3,
           "iso": "", "created": 2000, "markets": "DE", "groupement": "", "year": YEAR,
           "diffusible": True, "x": X0 + 1000 * x_km, "y": Y0 + 1000 * y_km}
    rec.update(kw)
    return rec


def tie(a: str, b: str, kind: str = "partnership", year: int = 2020, until: Any = pd.NA,
        source_type: str = "actor", target_type: str = "actor") -> dict:
    return {"source": a, "target": b, "source_type": source_type, "target_type": target_type,
            "kind": kind, "year": year, "until": until, "weight": 1.0}


def _points(records: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(records)
    geom = gpd.points_from_xy(frame.pop("x"), frame.pop("y")) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=geom, crs=LAMBERT93)


def territories_for(actors: list[dict], firms: list[dict],
                    boxes: dict[str, tuple[float, float, float, float]] | None = None,
                    names: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """One territory per code found in the records (boxes in km around X0, Y0)."""
    boxes = boxes or {}
    names = names or {}
    rows = {}
    for r in [*actors, *firms]:
        for level in ("commune", "epci", "departement", "region"):
            code = r[level]
            if code and (level, code) not in rows:
                rows[(level, code)] = {
                    "code": code, "level": level, "name": names.get(code, f"Terr. {code}"),
                    "epci": r["epci"] if level in ("commune", "epci") else "",
                    "departement": r["departement"] if level != "region" else "",
                    "region": r["region"], "population": 1000, "area_km2": 100.0,
                }
    geoms = []
    for (_, code) in rows:
        x0, y0, x1, y1 = boxes.get(code, (-200, -200, 200, 200))
        geoms.append(shapely.box(X0 + 1000 * x0, Y0 + 1000 * y0, X0 + 1000 * x1,
                                 Y0 + 1000 * y1))
    return gpd.GeoDataFrame(list(rows.values()), geometry=geoms, crs=LAMBERT93)


def write_registry(path: Path, actors: list[dict], relations: list[dict],
                   firms: list[dict] | None = None, **territory_kw: Any) -> Registry:
    """Write a registry GeoPackage with these records (write_layers, real file)."""
    firms = firms or []
    reg = Registry(path)
    layers: dict[str, pd.DataFrame] = {
        "actors": _points(actors),
        "relations": pd.DataFrame(relations, columns=[
            "source", "target", "source_type", "target_type", "kind", "year", "until",
            "weight"]),
        "territories": territories_for(actors, firms, **territory_kw),
    }
    if firms:
        layers["firms"] = _points(firms)
    reg.write_layers(layers)
    return reg


# ---------------------------------------------------------------------------
# metrics against networkx
# ---------------------------------------------------------------------------

def _random_graph(seed: int) -> nx.Graph:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    g = nx.gnm_random_graph(n, int(rng.integers(n // 2, 2 * n)), seed=seed)
    g = nx.relabel_nodes(g, {i: f"a{i:02d}" for i in g})
    cats = ["cci", "bank", "university", "cce"]
    for v in g:
        g.nodes[v]["category"] = cats[int(rng.integers(0, len(cats)))]
    for u, v in g.edges:
        g[u][v]["weight"] = int(rng.integers(1, 4))
    g.add_node("zz-isolated", category="bank")
    return g


@pytest.mark.parametrize("seed", range(8))
def test_metrics_match_networkx(seed):
    g = _random_graph(seed)
    m = actor_metrics(g)
    assert list(m.index) == list(g.nodes)
    bc = nx.betweenness_centrality(g)
    cc = nx.closeness_centrality(g)
    for v in g:
        assert m.at[v, "betweenness"] == pytest.approx(bc[v], abs=1e-9)
        assert m.at[v, "closeness"] == pytest.approx(cc[v], abs=1e-9)
        assert m.at[v, "degree"] == g.degree(v)
        assert m.at[v, "weighted_degree"] == g.degree(v, weight="weight")
        cats = {g.nodes[w]["category"] for w in g.neighbors(v)}
        assert m.at[v, "n_tied_categories"] == len(cats)
    # components: same partition as networkx, 0 = largest
    comps = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
    for label, members in enumerate(comps):
        assert set(m.index[m["component"] == label]) == members
        assert (m.loc[list(members), "component_size"] == len(members)).all()
    # communities: a partition into connected sets, reproducible, bridges by brute force
    parts = [set(m.index[m["community"] == c]) for c in sorted(m["community"].unique())]
    assert sorted(len(p) for p in parts) == sorted(
        m["community"].value_counts().to_numpy().tolist())
    assert all(nx.is_connected(g.subgraph(p)) for p in parts)
    sizes = [len(p) for p in parts]
    assert sizes == sorted(sizes, reverse=True)
    comm = m["community"].to_dict()
    for v in g:
        assert m.at[v, "bridges_communities"] == any(comm[w] != comm[v] for w in g.neighbors(v))
    again = actor_metrics(g)
    assert again["community"].equals(m["community"])


def test_community_modularity_is_close_to_networkx_louvain():
    g = nx.relabel_nodes(nx.karate_club_graph(), str)
    for u, v in g.edges:
        g[u][v]["weight"] = 1
    m = actor_metrics(g)
    ours = [set(m.index[m["community"] == c]) for c in m["community"].unique()]
    q_ours = nx.community.modularity(g, ours)
    q_louvain = max(nx.community.modularity(g, nx.community.louvain_communities(g, seed=s))
                    for s in range(5))
    assert q_ours >= q_louvain - 0.01  # Leiden is at least as good as Louvain here


def test_small_graphs_and_empty_graph():
    g = nx.Graph()
    assert actor_metrics(g).empty
    g.add_node("a")
    m = actor_metrics(g)
    assert m.at["a", "betweenness"] == 0 and m.at["a", "closeness"] == 0
    assert m.at["a", "component"] == 0 and m.at["a", "community"] == 0
    g.add_edge("a", "b", weight=2)
    m = actor_metrics(g)
    assert m["betweenness"].tolist() == [0.0, 0.0]
    assert m["closeness"].tolist() == [1.0, 1.0]
    assert m["weighted_degree"].tolist() == [2.0, 2.0]


@pytest.mark.parametrize("seed", range(4))
def test_global_efficiency_matches_networkx(seed):
    g = _random_graph(seed)
    assert global_efficiency(g) == pytest.approx(nx.global_efficiency(g), abs=1e-12)


# ---------------------------------------------------------------------------
# the graph of a year, from a registry file
# ---------------------------------------------------------------------------

def test_actor_graph_of_a_year(tmp_path):
    actors = [
        actor("a", "cci", international_links=True),
        actor("b", "bank", 1, commune="C2"),
        actor("c", "university", 2),
        actor("old", "cce", 3, since=1990, until=2020),   # no longer active
        actor("new", "cce", 4, since=2030),               # not yet active
        actor("lonely", "consultant", 5),
    ]
    relations = [
        tie("a", "b", "partnership"),
        tie("b", "a", "referral"),                 # same pair, other kind and direction
        tie("a", "b", "cofunding", year=2026),     # starts later
        tie("a", "c", "joint_event", until=2022),  # ended
        tie("a", "c", "partnership", until=2025),  # still active in 2025
        tie("a", "old", "partnership"),            # inactive end
        tie("a", "new", "partnership"),
        tie("a", "11111111111111", "accompaniment", target_type="firm"),
    ]
    reg = write_registry(tmp_path / "r.gpkg", actors, relations,
                         [firm("11111111111111")])
    g = actor_graph(reg.actors(), reg.relations(), YEAR)
    assert sorted(g.nodes) == ["a", "b", "c", "lonely"]
    assert {tuple(sorted(e)): d["weight"] for *e, d in g.edges(data=True)} == {
        ("a", "b"): 2, ("a", "c"): 1}
    assert g.nodes["a"]["category"] == "cci" and g.nodes["a"]["international_links"] is True
    assert g.nodes["b"]["commune"] == "C2" and g.nodes["b"]["departement"] == "D1"
    assert g.degree("lonely") == 0
    # firm ties beside the graph
    data = NetworkData.from_registry(reg, YEAR)
    ft = firm_ties(data.relations, YEAR, data.actors, data.firms)
    assert ft[["source", "target", "pair"]].values.tolist() == [
        ["a", "11111111111111", "actor-firm"]]


def test_territory_metrics_hand_worked():
    g = nx.Graph()
    # territory T1: a star of 4 (centre s) plus an isolated actor; T2: a pair tied to s
    for v in ["s", "p", "q", "r", "i"]:
        g.add_node(v, departement="T1", category="cci", international_links=v == "s")
    for v in ["x", "y"]:
        g.add_node(v, departement="T2", category="bank", international_links=False)
    g.add_edges_from([("s", "p"), ("s", "q"), ("s", "r"), ("x", "y"), ("s", "x")],
                     weight=1)
    terr = pd.DataFrame({"code": ["T1", "T2", "T3"], "name": ["One", "Two", "Three"]})
    t = territory_metrics(g, "departement", territories=terr).set_index("code")
    one = t.loc["T1"]
    assert one["n_actors"] == 5 and one["n_ties"] == 3 and one["n_external_ties"] == 1
    assert one["n_components"] == 2 and one["largest_component_share"] == 0.8
    assert one["n_isolated"] == 1 and one["n_regionally_isolated"] == 1
    # Freeman: degrees 3,1,1,1,0 -> ((3-1)*3 + 3) / (4*3)
    assert one["centralisation"] == pytest.approx(9 / 12)
    assert one["density"] == pytest.approx(3 / 10)
    sub = g.subgraph(["s", "p", "q", "r", "i"])
    assert one["efficiency"] == pytest.approx(nx.global_efficiency(sub))
    assert one["n_regional_components"] == 2 and one["main_component_share"] == 0.8
    assert one["n_international"] == 1
    two = t.loc["T2"]
    assert two["n_components"] == 1 and math.isnan(two["centralisation"])
    assert t.loc["T3", "n_actors"] == 0 and t.loc["T3", "name"] == "Three"
    # modularity is that of the partition found, by networkx's formula
    assert -0.5 <= one["modularity"] <= 1


def test_network_report_files(tmp_path):
    actors = [actor("hub", "cci", international_links=True),
              *[actor(f"a{i}", c, i) for i, c in enumerate(["bank", "cce", "university"])],
              actor("far", "bank", 5, departement="D2", epci="E2", commune="C9")]
    relations = [tie("hub", f"a{i}") for i in range(3)] + [tie("a0", "a1")]
    firms = [firm("22222222222222", 1, 1), firm("33333333333333", 2, 2, diffusible=False)]
    reg = write_registry(tmp_path / "r.gpkg", actors, relations, firms)
    paths = network_report(reg, YEAR, tmp_path / "out")
    table = pd.read_csv(paths["actors"], sep=";", decimal=",", dtype={"id": str})
    assert list(table.columns) == list(ACTOR_TABLE_COLUMNS)
    assert sorted(table["id"]) == ["a0", "a1", "a2", "far", "hub"]
    hub = table.set_index("id").loc["hub"]
    g = nx.Graph([("hub", "a0"), ("hub", "a1"), ("hub", "a2"), ("a0", "a1")])
    g.add_node("far")
    assert hub["betweenness"] == pytest.approx(nx.betweenness_centrality(g)["hub"])
    terr = pd.read_csv(paths["territories"], sep=";", decimal=",", dtype={"code": str})
    assert set(zip(terr["level"], terr["code"], strict=True)) >= {
        ("region", "R"), ("departement", "D1"), ("departement", "D2"), ("epci", "E1")}
    region = terr.loc[terr["level"].eq("region")].iloc[0]
    assert region["n_actors"] == 5 and region["n_regional_components"] == 2
    back = nx.read_graphml(paths["graphml"])
    assert sorted(back.nodes) == sorted(table["id"])
    assert back.nodes["hub"]["label"] == "HUB" and back.nodes["hub"]["category"] == "cci"
    assert back.nodes["hub"]["degree"] == 3
    assert back["hub"]["a0"]["weight"] == 1
    assert Path(paths["gaps"]).exists()


def test_every_pair_counted_once_in_weights():
    actors = pd.DataFrame({"id": ["a", "b"], "since": [2000, 2000], "until": [pd.NA, pd.NA],
                           "category": ["cci", "bank"], "name": ["A", "B"]})
    kinds = ["partnership", "cofunding", "joint_event", "referral"]
    rel = pd.DataFrame([tie(*p, kind=k) for k, p in
                        itertools.product(kinds, [("a", "b"), ("b", "a")])])
    g = actor_graph(actors, rel, YEAR)
    assert g["a"]["b"]["weight"] == 8
