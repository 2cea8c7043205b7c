"""Tests of the reference infrastructure (airports, ports, road and rail nodes).

Known positions are written here from published coordinates (aerodrome and port
pages), projected with pyproj independently of the module, and compared with a
5 km tolerance. The graph parser is checked against ``ast.literal_eval`` and
raw-text counts; the junction rule against networkx.
"""

from __future__ import annotations

import ast
import csv
import importlib.metadata
import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from ecosystem import geography
from ecosystem import infrastructure as inf
from ecosystem.settings import INFRASTRUCTURE_KINDS, get_settings

TO_L93 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)

#: Published positions (lat, lon) of the Occitanie airports, degrees-minutes-seconds
#: of their aerodrome reference points rounded to 0.001 degree.
KNOWN_AIRPORTS = {
    "TLS": (43.629, 1.368),  # Toulouse-Blagnac, 43°37'44"N 1°22'04"E
    "MPL": (43.583, 3.963),  # Montpellier-Méditerranée, 43°34'58"N 3°57'47"E
    "PGF": (42.740, 2.870),  # Perpignan-Rivesaltes, 42°44'25"N 2°52'13"E
    "FNI": (43.757, 4.416),  # Nîmes-Garons, 43°45'26"N 4°24'58"E
    "CCF": (43.216, 2.306),  # Carcassonne-Salvaza, 43°12'57"N 2°18'22"E
    "LDE": (43.179, -0.003),  # Tarbes-Lourdes-Pyrénées, 43°10'44"N 0°00'11"W
    "RDZ": (44.408, 2.483),  # Rodez-Aveyron, 44°24'30"N 2°28'58"E
}

#: Published positions (lat, lon) of the Occitanie sea ports (harbour entrance area).
KNOWN_PORTS = {
    "FRSET": (43.400, 3.700),  # Sète, 43°24'N 3°42'E
    "FRNOU": (43.017, 3.067),  # Port-la-Nouvelle, 43°01'N 3°04'E
    "FRPOV": (42.517, 3.117),  # Port-Vendres, 42°31'N 3°07'E
}

TOLERANCE_M = 5000.0
SCGRAPH = Path(importlib.util.find_spec("scgraph_data").origin).parent  # type: ignore[union-attr]


def _l93(lat: float, lon: float) -> shapely.Point:
    x, y = TO_L93.transform(lon, lat)
    return shapely.Point(x, y)


@pytest.fixture(scope="session")
def infra() -> gpd.GeoDataFrame:
    """All of France, built once (then read from the cache in later sessions)."""
    return inf.reference_infrastructure()


@pytest.fixture(scope="session")
def occitanie() -> shapely.Geometry:
    return geography.territories("region", ["76"]).geometry.iloc[0]


@pytest.fixture(scope="session")
def metro_communes() -> gpd.GeoDataFrame:
    com = geography.communes()
    return com[~com["departement"].str.startswith("97") & com.geometry.notna()]


@pytest.fixture(scope="module")
def highways_text() -> str:
    return (SCGRAPH / "world_highways.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def highways(highways_text: str) -> inf.Geograph:
    return inf.parse_geograph(highways_text)


# --------------------------------------------------------------------------- the whole table


def test_columns_ids_and_sources(infra: gpd.GeoDataFrame) -> None:
    assert list(infra.columns) == ["id", "kind", "name", "iata", "source", "geometry"]
    assert infra.crs.to_epsg() == 2154
    assert infra["id"].is_unique
    assert set(infra["kind"]) == set(inf.SOURCE_KINDS)
    assert (infra["id"].str.split(":").str[0] == infra["kind"]).all()
    assert (infra.geometry.geom_type == "Point").all()
    assert (infra.loc[infra["kind"] != "airport", "iata"] == "").all()
    versions = {
        "airport": f"airportsdata {importlib.metadata.version('airportsdata')}",
        "port": f"searoute {importlib.metadata.version('searoute')}",
        "road_node": f"scgraph-data {importlib.metadata.version('scgraph-data')}",
        "rail_node": f"scgraph-data {importlib.metadata.version('scgraph-data')}",
    }
    for kind, prefix in versions.items():
        assert infra.loc[infra["kind"] == kind, "source"].str.startswith(prefix).all(), kind
    # Kinds in order, ids sorted within each kind.
    order = infra["kind"].map({k: i for i, k in enumerate(inf.SOURCE_KINDS)})
    assert order.is_monotonic_increasing
    for _, part in infra.groupby("kind"):
        assert part["id"].is_monotonic_increasing


def test_everything_in_metropolitan_france(infra: gpd.GeoDataFrame) -> None:
    # Independent of locate(): the dissolved région polygons.
    regions = geography.territories("region")
    metro = regions[~regions["code"].isin(["01", "02", "03", "04", "06"])]
    france = shapely.union_all(metro.geometry.to_numpy()).buffer(TOLERANCE_M)
    shapely.prepare(france)
    assert shapely.covers(france, infra.geometry.to_numpy()).all()


def test_per_source_functions_match(infra: gpd.GeoDataFrame) -> None:
    for kind, func in [("airport", inf.airports), ("port", inf.ports),
                       ("road_node", inf.road_nodes), ("rail_node", inf.rail_nodes)]:
        part = infra[infra["kind"] == kind].reset_index(drop=True)
        assert_geodataframe_equal(func(), part)


# --------------------------------------------------------------------------- airports


def test_airports_known_positions(infra: gpd.GeoDataFrame) -> None:
    by_id = infra.set_index("id")
    for iata, (lat, lon) in KNOWN_AIRPORTS.items():
        row = by_id.loc[f"airport:{iata}"]
        assert row["iata"] == iata and row["kind"] == "airport"
        assert row.geometry.distance(_l93(lat, lon)) < TOLERANCE_M, iata


def test_airport_count_from_raw_csv() -> None:
    # Count with the csv module: French rows with an IATA code, one per position.
    path = Path(importlib.util.find_spec("airportsdata").origin).parent / "airports.csv"  # type: ignore[union-attr]
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["country"] == "FR" and r["iata"].strip()]
    positions = {(float(r["lat"]), float(r["lon"])) for r in rows}
    assert len(rows) == 125  # as documented for airportsdata 20260905
    got = inf.airports()
    assert len(got) == len(positions) == 124
    assert "airport:BSL" in set(got["id"]) and "airport:MLH" not in set(got["id"])


# --------------------------------------------------------------------------- ports


def test_occitanie_ports_known_positions(infra: gpd.GeoDataFrame) -> None:
    by_id = infra.set_index("id")
    for code, (lat, lon) in KNOWN_PORTS.items():
        row = by_id.loc[f"port:{code}"]
        assert row["kind"] == "port"
        assert row.geometry.distance(_l93(lat, lon)) < TOLERANCE_M, code


def test_ports_close_to_land(infra: gpd.GeoDataFrame,
                             metro_communes: gpd.GeoDataFrame) -> None:
    ports = infra[infra["kind"] == "port"]
    tree = shapely.STRtree(metro_communes.geometry.to_numpy())
    _, distance = tree.query_nearest(ports.geometry.to_numpy(), return_distance=True,
                                     all_matches=False)
    assert len(distance) == len(ports)
    assert distance.max() <= get_settings().port_tolerance_km * 1000


def test_ports_close_to_the_commune_they_name(infra: gpd.GeoDataFrame,
                                              metro_communes: gpd.GeoDataFrame) -> None:
    ports = infra[infra["kind"] == "port"].set_index("id")
    boundary = metro_communes.set_index("code").geometry
    assert set(ports.index) == {f"port:{c}" for c in inf.PORT_PLACES}
    for code, (commune, name) in inf.PORT_PLACES.items():
        row = ports.loc[f"port:{code}"]
        assert row["name"] == name
        assert row.geometry.distance(boundary[commune]) <= 5000, (code, commune)


def test_port_fixes(infra: gpd.GeoDataFrame) -> None:
    path = Path(importlib.util.find_spec("searoute").origin).parent / "data" / "ports.geojson"  # type: ignore[union-attr]
    raw = {f["properties"]["port"]: f["geometry"]["coordinates"]
           for f in json.loads(path.read_text(encoding="utf-8"))["features"]
           if f["properties"]["port"].startswith("FR")}
    ports = infra[infra["kind"] == "port"].set_index("id")
    dropped = {c for c, fix in inf.PORT_FIXES.items() if fix.action == "drop"}
    assert dropped == {"FRQUI", "FRTLS"}
    for code in dropped:
        assert code in raw and f"port:{code}" not in ports.index
    assert len(ports) == len(raw) - len(dropped)
    # Degrees-minutes read by hand: Gennevilliers 48°56'N 2°18'E, Libourne 44°55'N 0°15'W.
    for code, lat, lon in [("FRGVL", 48 + 56 / 60, 2 + 18 / 60),
                           ("FRLIB", 44 + 55 / 60, -0.25)]:
        assert ports.loc[f"port:{code}"].geometry.distance(_l93(lat, lon)) < 1.0
        assert "corrected" in ports.loc[f"port:{code}", "source"]
    # Ports without a fix keep their published position exactly.
    for code, (lon, lat) in raw.items():
        if code not in inf.PORT_FIXES:
            assert ports.loc[f"port:{code}"].geometry.distance(_l93(lat, lon)) < 0.01, code
            assert ports.loc[f"port:{code}", "source"] == "searoute 1.6.0"
    assert {f.action for f in inf.PORT_FIXES.values()} == {"ddmm", "move", "drop"}


# --------------------------------------------------------------------------- road and rail nodes


def test_occitanie_nodes(infra: gpd.GeoDataFrame, occitanie: shapely.Geometry) -> None:
    road = inf.road_nodes(area=occitanie)
    rail = inf.rail_nodes(area=occitanie)
    # Occitanie is 13 % of metropolitan France's area: a plausible share of the nodes.
    n_road = int((infra["kind"] == "road_node").sum())
    n_rail = int((infra["kind"] == "rail_node").sum())
    assert 0.04 * n_road < len(road) < 0.2 * n_road
    assert 0.02 * n_rail < len(rail) < 0.2 * n_rail
    assert 300 <= len(road) <= 1500 and 40 <= len(rail) <= 400
    shapely.prepare(occitanie)
    for nodes in (road, rail):
        assert shapely.covers(occitanie, nodes.geometry.to_numpy()).all()
        assert set(nodes["id"]) <= set(infra["id"])
    both = inf.reference_infrastructure(occitanie, kinds=["road_node", "rail_node"])
    assert sorted(both["id"]) == sorted([*road["id"], *rail["id"]])


def test_road_nodes_are_at_graph_nodes(infra: gpd.GeoDataFrame,
                                       highways: inf.Geograph) -> None:
    road = infra[infra["kind"] == "road_node"]
    idx = road["id"].str.split(":").str[1].astype(int).to_numpy()
    x, y = TO_L93.transform(highways.lon[idx], highways.lat[idx])
    assert np.allclose(road.geometry.x, x) and np.allclose(road.geometry.y, y)


def test_parse_agrees_with_literal_eval(highways_text: str, highways: inf.Geograph) -> None:
    graph_part = highways_text[highways_text.index("graph=") + 6:highways_text.index("\nnodes=")]
    nodes_line = highways_text[highways_text.index("\nnodes=") + 7:]
    nodes_line = nodes_line[:nodes_line.index("\n")]
    # Raw-text counts over the whole file.
    assert graph_part.count("{") == highways.n_nodes == 560282
    assert graph_part.count(":") == highways.src.size
    assert nodes_line.count("], [") + 1 == highways.n_nodes
    # The first 3,000 dicts and nodes with Python's own parser.
    n = 3000
    graph_list = graph_part.strip()
    end = -1
    for _ in range(n):
        end = graph_list.index("}", end + 1)
    dicts = ast.literal_eval(graph_list[:end + 1] + "]")
    assert len(dicts) == n
    expected = [(i, j, w) for i, d in enumerate(dicts) for j, w in d.items()]
    head = highways.src < n
    got = list(zip(highways.src[head].tolist(), highways.dst[head].tolist(),
                   highways.length_km[head].tolist(), strict=True))
    assert got == expected
    end = 0
    for _ in range(n):
        end = nodes_line.index("]", end + 1)
    nodes = ast.literal_eval(nodes_line[:end + 1] + "]")
    assert np.array_equal(np.array(nodes), np.c_[highways.lat[:n], highways.lon[:n]])


def test_parser_refuses_code() -> None:
    with pytest.raises(ValueError, match="unexpected character"):
        inf.parse_geograph("graph=[{1: __import__('os')}]\nnodes=[[0, 0]]\n")
    with pytest.raises(ValueError, match="node indices"):
        inf.parse_geograph("graph=[{5: 1.0}]\nnodes=[[0, 0]]\n")
    with pytest.raises(ValueError, match="2 per node"):
        inf.parse_geograph("graph=[{}, {}]\nnodes=[[0, 0]]\n")
    with pytest.raises(ValueError, match="graph="):
        inf.parse_geograph("nodes=[[0, 0]]\n")


def test_junctions_agree_with_networkx(highways: inf.Geograph) -> None:
    # An extract of the road graph: nodes in a box around Occitanie, edges between them.
    lon, lat = highways.lon, highways.lat
    box = (lon > 0.0) & (lon < 4.5) & (lat > 42.5) & (lat < 44.5)
    new_index = np.cumsum(box) - 1
    inside = box[highways.src] & box[highways.dst]
    extract = inf.Geograph(lat=highways.lat[box], lon=highways.lon[box],
                           src=new_index[highways.src[inside]],
                           dst=new_index[highways.dst[inside]],
                           length_km=highways.length_km[inside])
    assert 1000 < extract.n_nodes < 20000
    merge_km = get_settings().network_merge_km
    got = inf.network_junctions(extract, merge_km)

    g = nx.Graph()
    g.add_nodes_from(range(extract.n_nodes))
    short = nx.Graph()
    for u, v, w in zip(extract.src.tolist(), extract.dst.tolist(), extract.length_km.tolist(),
                       strict=True):
        if u != v:
            g.add_edge(u, v)
            if w <= merge_km:
                short.add_edge(u, v)
    rep = np.arange(extract.n_nodes)
    sizes = np.ones(extract.n_nodes, dtype=int)
    for comp in nx.connected_components(short):
        members = sorted(comp)
        rep[members] = members[0]
        sizes[members[0]] = len(members)
    q = nx.Graph()
    q.add_edges_from((rep[u], rep[v]) for u, v in g.edges() if rep[u] != rep[v])
    expected = sorted([int(n), int(d), int(sizes[n])] for n, d in q.degree() if d != 2)
    assert got[["node", "degree", "size"]].values.tolist() == expected
    assert (got["size"] > 1).sum() > 50  # merging did happen
    # Raw degrees of the extract: networkx and a count of distinct neighbours agree.
    pairs = {(min(u, v), max(u, v)) for u, v in zip(extract.src.tolist(), extract.dst.tolist(),
                                                     strict=True) if u != v}
    counts = np.bincount(np.array([p for pair in pairs for p in pair]),
                         minlength=extract.n_nodes)
    assert [d for _, d in sorted(g.degree())] == counts.tolist()


def test_junction_rule_by_hand() -> None:
    # A T-junction split over nodes 0 and 1 (0.1 km apart), a line 2-3-4 of shape
    # points, an isolated node 5 and a self-loop on 4.
    g = inf.parse_geograph(
        "graph=[{1: 0.1, 2: 3.0}, {0: 0.1, 6: 2.0, 7: 2.0}, {0: 3.0, 3: 1.0}, {2: 1.0, 4: 1.0},"
        " {3: 1.0, 4: 0.0}, {}, {1: 2.0}, {1: 2.0}]\n"
        "nodes=[[0, 0], [0, 0.001], [0, -0.03], [0, -0.04], [0, -0.05], [1, 1], [0.02, 0],"
        " [-0.02, 0]]\n")
    got = inf.network_junctions(g, merge_km=0.16)
    assert got[["node", "degree", "size"]].values.tolist() == [
        [0, 3, 2], [4, 1, 1], [6, 1, 1], [7, 1, 1]]
    # Without merging, 0 and 1 are junctions of degree 2 and 3.
    unmerged = inf.network_junctions(g, merge_km=0.0)
    assert unmerged["node"].tolist() == [1, 4, 6, 7]


# --------------------------------------------------------------------------- arguments and cache


def test_arguments(occitanie: shapely.Geometry) -> None:
    with pytest.raises(ValueError, match="unknown infrastructure kinds"):
        inf.reference_infrastructure(kinds=["airport", "heliport"])
    with pytest.raises(ValueError, match="longitude/latitude"):
        inf.reference_infrastructure(area=shapely.box(1.0, 43.0, 2.0, 44.0))
    with pytest.raises(TypeError, match="shapely geometry"):
        inf.reference_infrastructure(area=gpd.GeoSeries([occitanie], crs="EPSG:2154"))
    empty = inf.reference_infrastructure(kinds=["logistics_platform"])
    assert empty.empty and list(empty.columns) == [*inf.COLUMNS, "geometry"]
    assert empty.crs.to_epsg() == 2154
    assert "logistics_platform" in INFRASTRUCTURE_KINDS
    airports = inf.reference_infrastructure(occitanie, kinds="airport")
    assert set(airports["kind"]) == {"airport"}
    assert {f"airport:{c}" for c in KNOWN_AIRPORTS} <= set(airports["id"])


def test_cache_written_atomically_and_read_back(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inf, "_cache_path", lambda kind: tmp_path / f"{kind}.csv")
    monkeypatch.setattr(inf, "_MEMO", {})
    built = inf.ports()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["port.csv"]  # no temporary left
    monkeypatch.setattr(inf, "_MEMO", {})
    assert_geodataframe_equal(inf.ports(), built)
    # A damaged cache file is rebuilt.
    (tmp_path / "port.csv").write_text("garbage\n1\n", encoding="utf-8")
    monkeypatch.setattr(inf, "_MEMO", {})
    assert_geodataframe_equal(inf.ports(), built)
    assert pd.read_csv(tmp_path / "port.csv").shape[0] == len(built)
