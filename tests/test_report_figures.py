"""Static figures of the report: each one renders, and draws what the data say.

The expected contents are computed here independently of :mod:`report.figures`: plain
pandas filters on the registry layers, a networkx graph built from the relations, brute-force
distances, the classes of the published unserved shares and mapclassify for the choropleth
classes.
"""

from __future__ import annotations

import base64
import math

import geopandas as gpd
import mapclassify
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from ecosystem.demo import build_demo
from ecosystem.settings import CATEGORIES, get_settings
from report import figures

YEAR = 2025
CODE = "34"
LEVEL = "departement"
COVER_KM = 15.0


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("report_figures") / "demo.gpkg", seed=1,
                      n_firms=800)


@pytest.fixture(scope="module")
def choropleth_table(registry):
    terr = registry.territories("epci").reset_index(drop=True)
    rng = np.random.default_rng(7)
    table = gpd.GeoDataFrame({
        "code": terr["code"].astype(str), "name": terr["name"],
        "value": rng.uniform(0, 100, len(terr)).round(1),
        "secret": np.arange(len(terr)) % 6 == 1,
    }, geometry=terr.geometry.to_numpy(), crs=terr.crs)
    table.loc[table["secret"], "value"] = np.nan
    table.loc[4, ["value", "secret"]] = [np.nan, False]  # missing, not secret
    return table


@pytest.fixture(scope="module")
def unserved_table(registry):
    """The EPCIs with a commune in the département, with published unserved shares of
    every class, « s » and one without firm (as the gate's table gives them)."""
    terr = registry.territories()
    communes = terr[terr["level"].eq("commune") & terr["departement"].astype(str).eq(CODE)]
    codes = sorted(set(communes["epci"].astype(str)))
    epci = terr[terr["level"].eq("epci")].set_index(terr.loc[terr["level"].eq("epci"), "code"]
                                                    .astype(str))
    shares = [0.0, 0.04, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.9, "s", "s", None, 0.02, 0.6,
              0.16, "s", 0.33, 0.07]
    return gpd.GeoDataFrame({
        "code": codes, "unserved_share": pd.Series(shares[:len(codes)], dtype=object),
    }, geometry=epci.loc[codes].geometry.to_numpy(), crs=terr.crs)


@pytest.fixture(scope="module")
def maps(registry, choropleth_table, unserved_table):
    return {
        "actors": figures.actors_map(registry, YEAR, CODE, LEVEL),
        "coverage": figures.coverage_map(registry, YEAR, CODE, LEVEL, distance_km=COVER_KM,
                                         unserved=unserved_table),
        "network": figures.network_drawing(registry, YEAR, CODE, LEVEL),
        "choropleth": figures.choropleth_map(
            choropleth_table, "value", "Indice par EPCI", highlight_code=str(
                choropleth_table.loc[0, "code"]), unit="score (0-100)"),
    }


def _charts() -> dict[str, Figure]:
    return {
        "radar": figures.dimension_radar(
            ["density", "diversity", "dynamism", "governance", "accessibility"],
            {"Hérault": [62, None, 48, 71, 55], "Moyenne régionale": [50, 50, 50, 50, 50],
             "Médiane des pairs": [55, 47, "s", 60, 52]}),
        "bars": figures.indicator_bars(["Hérault", "Occitanie", "Gard", "Aude"],
                                       [12.5, 10.0, "s", None], "Hérault",
                                       "Part des PME exportatrices", "%"),
        "change": figures.change_bars(["Densité", "Diversité"], [40, "s"], [45, 52],
                                      "Évolution", before_label="2024", after_label="2025"),
    }


def _collections(fig: Figure, prefix: str) -> list:
    return [c for ax in fig.axes for c in ax.collections
            if (c.get_gid() or "").startswith(prefix)]


def _n_offsets(fig: Figure, prefix: str) -> int:
    return sum(len(c.get_offsets()) for c in _collections(fig, prefix))


# ---------------------------------------------------------------------------
# every figure
# ---------------------------------------------------------------------------

def test_every_figure_renders_to_png_and_svg(maps, tmp_path):
    for name, fig in {**maps, **_charts()}.items():
        assert isinstance(fig, Figure), name
        png = figures.to_data_uri(fig, "png", dpi=60)
        assert png.startswith("data:image/png;base64,")
        raw = base64.b64decode(png.split(",", 1)[1])
        assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 2000, name
        svg = base64.b64decode(figures.to_data_uri(fig, "svg").split(",", 1)[1])
        assert b"<svg" in svg and len(svg) > 2000, name
    path = figures.save(maps["actors"], tmp_path / "sub" / "actors.png", dpi=60)
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="svg"):
        figures.to_data_uri(maps["actors"], "jpg")
    with pytest.raises(ValueError, match=r"\.png"):
        figures.save(maps["actors"], tmp_path / "actors.gif")


def test_print_sizes_and_font(maps):
    for name, fig in {**maps, **_charts()}.items():
        assert fig.get_figwidth() * 2.54 == pytest.approx(17.0), name
        assert 4.0 < fig.get_figheight() * 2.54 < 25.0, name
        fig.draw_without_rendering()
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert texts, name
        for t in texts:
            assert t.get_fontsize() >= 8.0, (name, t.get_text())
            assert t.get_fontfamily()[0] == "DejaVu Sans", (name, t.get_text())


def test_english_labels(registry):
    fig = figures.indicator_bars(["A", "B"], [None, "s"], "A", "Share", "%", lang="en")
    texts = {t.get_text() for t in fig.findobj(Text)}
    assert "n.a." in texts and "s" in texts
    assert any("statistical confidentiality" in t for t in texts)
    fig = figures.actors_map(registry, YEAR, CODE, LEVEL, lang="en")
    legend_texts = {t.get_text() for leg in fig.legends for t in leg.get_texts()}
    assert any(t.startswith("Public export support") for t in legend_texts)
    with pytest.raises(ValueError, match="'fr' or 'en'"):
        figures.indicator_bars(["A"], [1.0], "A", "t", "%", lang="de")


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------

def test_indicator_bars_secret_and_missing():
    fig = _charts()["bars"]
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert sorted(b.get_width() for b in bars) == [10.0, 12.5]  # no bar for "s" nor None
    by_y = {round(b.get_y() + b.get_height() / 2): b for b in bars}
    assert by_y[0].get_facecolor() != by_y[1].get_facecolor()  # the territory stands out
    texts = {t.get_text(): t for t in ax.texts}
    assert [t.get_text() for t in ax.texts].count("s") == 1
    assert texts["s"].get_position()[1] == 2  # at the place of the third bar (Gard)
    assert texts["n.d."].get_position()[1] == 3
    assert {"12,5", "10,0"} <= set(texts)  # French decimal comma, one number of decimals


def test_change_bars_draws_only_numbers():
    ax = _charts()["change"].axes[0]
    widths = sorted(p.get_width() for p in ax.patches if isinstance(p, Rectangle))
    assert widths == [40.0, 45.0, 52.0]
    assert [t.get_text() for t in ax.texts].count("s") == 1
    with pytest.raises(ValueError, match="as many"):
        figures.change_bars(["a", "b"], [1, 2], [3], "t")


def test_radar_gaps_are_marked_s():
    ax = _charts()["radar"].axes[0]
    assert [t.get_text() for t in ax.texts] == ["s", "s"]  # one per missing value
    territory = ax.lines[0].get_ydata()
    assert np.isnan(territory[1]) and np.isfinite(territory[[0, 2, 3, 4]]).all()
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["Densité", "Diversité"]
    with pytest.raises(ValueError, match="between 0 and 100"):
        figures.dimension_radar(["a", "b", "c"], {"x": [1, 2, 300]})


# ---------------------------------------------------------------------------
# maps
# ---------------------------------------------------------------------------

def test_actors_map_plots_every_active_actor_of_the_territory(registry, maps):
    actors = registry.actors()  # every year: activity filtered here by hand
    since = pd.to_numeric(actors["since"])
    until = pd.to_numeric(actors["until"]).astype("Float64")
    active = (since <= YEAR) & (until.isna() | (until >= YEAR))
    inside = actors[active.fillna(False).astype(bool) & (actors[LEVEL].astype(str) == CODE)]
    assert len(inside) > 10
    fig = maps["actors"]
    assert _n_offsets(fig, "actors:") == len(inside)
    groups = inside["category"].map(lambda c: CATEGORIES[c].group).value_counts()
    for coll in _collections(fig, "actors:"):
        assert len(coll.get_offsets()) == groups[coll.get_gid().split(":")[1]]
    # every symbol stays close to its actor (co-located actors are only spread a little)
    xy = inside.to_crs(2154).geometry
    pts = np.vstack([c.get_offsets() for c in _collections(fig, "actors:")])
    nearest = [min(math.dist(p, (g.x, g.y)) for g in xy) for p in pts]
    assert max(nearest) < 8000
    # airports of the view are drawn; no road node
    assert _collections(fig, "infrastructure:airport")
    assert not _collections(fig, "infrastructure:road_node")


def test_choropleth_prints_s_exactly_for_secret_rows(maps, choropleth_table):
    fig = maps["choropleth"]
    ax = fig.axes[0]
    table = choropleth_table.to_crs(2154)
    s_texts = [t for t in ax.texts if t.get_text() == "s"]
    secret = table[table["secret"]]
    assert len(s_texts) == len(secret) > 0
    for t in s_texts:
        point = shapely.Point(t.get_position())
        assert secret.geometry.contains(point).sum() == 1
    (hatched,) = _collections(fig, "choropleth:secret")
    assert hatched.get_hatch() and len(hatched.get_paths()) == len(secret)
    (missing,) = _collections(fig, "choropleth:missing")
    assert len(missing.get_paths()) == 1
    # classes: the counts of mapclassify's quantiles on the published values
    values = table.loc[~table["secret"], "value"].dropna().to_numpy()
    expected = mapclassify.Quantiles(values, k=5).counts.tolist()
    drawn = [len(c.get_paths()) for c in sorted(_collections(fig, "choropleth:class"),
                                                   key=lambda c: c.get_gid())]
    assert drawn == expected
    (hl,) = _collections(fig, "choropleth:highlight")
    assert hl.get_linewidth()[0] >= 2
    legend = {t.get_text() for leg in fig.legends for t in leg.get_texts()}
    assert "s : secret statistique" in legend
    assert fig.legends[0].get_title().get_text() == "score (0-100)"


def test_network_drawing_nodes_from_the_relations(registry, maps):
    actors = registry.actors()
    since = pd.to_numeric(actors["since"])
    until = pd.to_numeric(actors["until"]).astype("Float64")
    live = actors[((since <= YEAR) & (until.isna() | (until >= YEAR))).fillna(False)
                  .astype(bool)]
    live_ids = set(live["id"].astype(str))
    rel = registry.relations()
    start = pd.to_numeric(rel["year"])
    end = pd.to_numeric(rel["until"]).astype("Float64")
    rel = rel[((start <= YEAR) & (end.isna() | (end >= YEAR))).fillna(False).astype(bool)
              & rel["source_type"].eq("actor") & rel["target_type"].eq("actor")]
    g = nx.Graph()
    g.add_nodes_from(live_ids)
    g.add_edges_from((s, t) for s, t in zip(rel["source"].astype(str), rel["target"].astype(str),
                                            strict=True)
                     if s in live_ids and t in live_ids and s != t)
    inside = set(live.loc[live[LEVEL].astype(str) == CODE, "id"].astype(str))
    outside = {n for v in inside for n in g[v]} - inside
    assert inside and outside
    fig = maps["network"]
    assert _n_offsets(fig, "network:inside:") == len(inside)
    assert _n_offsets(fig, "network:outside") == len(outside)
    isolated = [v for v in inside if g.degree(v) == 0]
    assert _n_offsets(fig, "network:isolated") == len(isolated)
    (edges,) = _collections(fig, "network:edges")
    assert len(edges.get_segments()) == len({frozenset(e) for e in g.edges(inside)})
    # node size grows with betweenness: the largest inside node is the most central one
    bc = nx.betweenness_centrality(g)
    sizes = {}
    for coll in _collections(fig, "network:inside:"):
        for s in coll.get_sizes():
            sizes[float(s)] = True
    assert max(sizes) > min(sizes)
    top = max(inside, key=lambda v: (bc[v], v))
    assert bc[top] > 0


def test_coverage_map_draws_the_published_shares_only(registry, maps, unserved_table):
    """The firms appear only through the published shares of the EPCIs: each EPCI in the
    class of its share, « s » hatched, no firm position and no count on the map."""
    settings = get_settings()
    fig = maps["coverage"]
    shares = unserved_table["unserved_share"].tolist()
    bounds = [0.0, 0.05, 0.15, 0.30, 0.50, math.inf]  # classes of the legend, in per cent
    drawn = {c.get_gid(): len(c.get_paths()) for c in _collections(fig, "unserved:")}
    for i in range(5):
        expected = sum(not isinstance(v, str) and v is not None and bounds[i] <= v
                       < bounds[i + 1] for v in shares)
        assert drawn.get(f"unserved:class{i}", 0) == expected, i
    assert drawn["unserved:secret"] == shares.count("s") > 0
    assert drawn["unserved:missing"] == sum(v is None for v in shares) == 1
    (hatched,) = _collections(fig, "unserved:secret")
    assert hatched.get_hatch()
    # no firm position and no count is ever printed on the map
    assert not _collections(fig, "firms")
    ax = fig.axes[0]
    for t in ax.texts:
        assert not any(ch.isdigit() for ch in t.get_text()) or t.get_text().endswith("km") \
            or t.get_text() == "0", t.get_text()
    legend = {t.get_text().replace("\n", " ") for leg in fig.legends for t in leg.get_texts()}
    assert "s : secret statistique" in legend and "50 % ou plus" in legend
    # the covered area: every front-line actor of the territory lies in it
    actors = registry.actors(YEAR).to_crs(2154)
    front = actors[actors["category"].isin(settings.unserved_categories)]
    (covered,) = _collections(fig, "coverage:covered")
    inside = front[front[LEVEL].astype(str) == CODE]
    assert len(inside)
    assert all(any(p.contains_point((g.x, g.y)) for p in covered.get_paths())
               for g in inside.geometry)
    # without the published shares: the coverage alone
    bare = figures.coverage_map(registry, YEAR, CODE, LEVEL, distance_km=COVER_KM)
    assert not _collections(bare, "unserved:")


def test_bad_territory_is_refused(registry):
    with pytest.raises(ValueError, match="no territory '99'"):
        figures.actors_map(registry, YEAR, "99", LEVEL)
    with pytest.raises(ValueError, match="unknown level"):
        figures.network_drawing(registry, YEAR, CODE, "canton")
