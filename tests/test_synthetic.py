"""Synthetic SMEs and ties of the demo, on small hand-made inputs.

Every property is checked with an independent computation (a plain Luhn loop,
shapely's scalar predicates, pairwise distances, counts by hand), never
against the generator's own earlier output.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pycountry
import pytest
from geopandas.testing import assert_geodataframe_equal
from scipy import stats
from shapely.geometry import Point, box

from ecosystem import settings
from ecosystem.schema import FIRM_COLUMNS, RELATION_COLUMNS
from ecosystem.synthetic import SECTORS, synthetic_firms, synthetic_relations

YEARS = (2023, 2024, 2025)
N_FIRMS = 3000
SEED = 7
X0, Y0 = 760_000.0, 6_270_000.0  # south-west corner of the grid, near Montpellier
AGRIFOOD_DIVISIONS = {"10", "11"}
ACCOMPANYING = {"cci", "team_france_export", "cce", "bpifrance"}


def luhn_ok(number: str) -> bool:
    """Luhn key, digit by digit (written independently of the product)."""
    checksum = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = sum(divmod(2 * digit, 10))
        checksum += digit
    return checksum % 10 == 0


def expected_dtype(kind: str) -> object:
    """Storage dtype of a schema column kind (text is object with Python str)."""
    return {"str": np.dtype(object), "int": np.dtype("int64"), "Int64": pd.Int64Dtype(),
            "float": np.dtype("float64"), "bool": np.dtype(bool)}[kind]


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    """16 communes of 10 km x 10 km; one L-shaped, one in two parts; three EPCI classes."""
    geoms, codes = [], []
    for i in range(4):
        for j in range(4):
            x, y = X0 + i * 10_000, Y0 + j * 10_000
            geoms.append(box(x, y, x + 10_000, y + 10_000))
            codes.append(f"34{100 + 4 * i + j:03d}")
    codes[0] = "34172"  # Montpellier: the first anchor of the export groups
    # an L-shaped commune and a commune in two parts (rejection sampling must respect both)
    geoms[5] = geoms[5].difference(box(X0 + 15_000, Y0 + 15_000, X0 + 20_000, Y0 + 20_000))
    geoms[6] = box(X0 + 10_000, Y0 + 20_000, X0 + 13_000, Y0 + 23_000).union(
        box(X0 + 17_000, Y0 + 27_000, X0 + 20_000, Y0 + 30_000))
    population = [420_000, 5_000, 800, 12_000, 2_500, 12_000, 20_000, 1_500,
                  9_000, 600, 20_000, 700, 3_000, 150, 60_000, 1_000]
    epci = ["243400017"] * 4 + ["200000001"] * 4 + ["200000002"] * 8
    departement = ["34"] * 12 + ["32"] * 4
    return gpd.GeoDataFrame(
        {"code": codes, "name": [f"Commune {c}" for c in codes], "type": "COM",
         "population": pd.array(population, dtype="Int64"), "epci": epci,
         "departement": departement, "region": "76"},
        geometry=geoms, crs="EPSG:2154",
    )


@pytest.fixture(scope="module")
def firms(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return synthetic_firms(communes, YEARS, N_FIRMS, SEED)


ACTOR_ROWS = [
    # id, name, category, x, y, departement, since, until, capacity
    ("cci-occ", "CCI Occitanie", "cci", 765_000, 6_275_000, "34", 2016, None, 400.0),
    ("tfe-occ", "Team France Export Occitanie", "team_france_export", 766_000, 6_276_000, "34",
     2019, None, 300.0),
    ("cce-34", "CCE Hérault", "cce", 772_000, 6_281_000, "34", 2005, None, 40.0),
    ("bpi-34", "Bpifrance Montpellier", "bpifrance", 764_000, 6_279_000, "34", 2013, None, 150),
    ("club-34", "Club export Hérault", "club_export", 775_000, 6_285_000, "34", 2000, None, 60),
    ("aero", "Aerospace Valley", "cluster", 781_000, 6_288_000, "34", 2005, None, 80.0),
    ("univ-34", "Université de Montpellier", "university", 768_000, 6_278_000, "34", 1970,
     None, None),
    ("lab-34", "Laboratoire d'électronique", "research_lab", 769_000, 6_277_000, "34", 1990,
     None, None),
    ("bank-34", "Banque du Midi", "bank", 785_000, 6_301_000, "34", 1980, None, None),
    ("cci-32", "CCI du Gers", "cci", 795_000, 6_275_000, "32", 1990, None, 50.0),
    # says "Occitanie" but sits in the fragmented département: never a hub
    ("tfe-32", "Team France Export Occitanie – conseillers en Gers", "team_france_export",
     795_500, 6_276_000, "32", 2019, None, 60.0),
    ("cma-32", "CMA du Gers", "cma", 796_000, 6_285_000, "32", 1990, None, None),
    ("agri-32", "Chambre d'agriculture du Gers", "chambre_agriculture", 794_000, 6_305_000,
     "32", 1990, None, None),
    ("drce", "DRCE Languedoc-Roussillon", "team_france_export", 767_000, 6_277_000, "34",
     1990, 2018, None),
    ("conseil", "Conseil export du Sud", "consultant", 770_000, 6_290_000, "34", 2025, None,
     None),
]


def make_actors(rows: list[tuple]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["id", "name", "category", "x", "y", "departement",
                                        "since", "until", "capacity"])
    frame["until"] = pd.array(frame["until"], dtype="Int64")
    frame["capacity"] = frame["capacity"].astype(float)
    geometry = [Point(x, y) for x, y in zip(frame["x"], frame["y"], strict=True)]
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=geometry, crs="EPSG:2154")


@pytest.fixture(scope="module")
def actors() -> gpd.GeoDataFrame:
    return make_actors(ACTOR_ROWS)


@pytest.fixture(scope="module")
def relations(actors: gpd.GeoDataFrame, firms: gpd.GeoDataFrame) -> pd.DataFrame:
    return synthetic_relations(actors, firms, YEARS, SEED)


# ------------------------------------------------------------------------------ firms
def test_luhn_reference_examples() -> None:
    # the textbook example of the Luhn algorithm, and a SIREN/SIRET pair worked by hand
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
    assert luhn_ok("732829320") and luhn_ok("73282932000074")
    assert not luhn_ok("732829321")


def test_reproducible_with_seed(communes: gpd.GeoDataFrame, firms: gpd.GeoDataFrame) -> None:
    again = synthetic_firms(communes, YEARS, N_FIRMS, SEED)
    assert_geodataframe_equal(firms, again)
    other = synthetic_firms(communes, YEARS, N_FIRMS, SEED + 1)
    assert len(set(other["siret"]) & set(firms["siret"])) < 0.01 * len(set(firms["siret"]))
    assert not np.allclose(other.geometry.x.to_numpy()[:50], firms.geometry.x.to_numpy()[:50])


def test_columns_and_dtypes(firms: gpd.GeoDataFrame) -> None:
    assert list(firms.columns) == [*FIRM_COLUMNS, "geometry"]
    for column, kind in FIRM_COLUMNS.items():
        assert firms[column].dtype == expected_dtype(kind), column
        if kind == "str":
            assert firms[column].map(type).eq(str).all(), column
    assert firms.crs.to_epsg() == 2154
    assert firms.geometry.geom_type.eq("Point").all()
    assert firms["synthetic"].all()
    assert firms["source"].eq(f"synthétique (graine {SEED})").all()
    if "placement" in FIRM_COLUMNS:
        assert firms["placement"].eq("coordinates").all()
    assert firms["region"].eq("76").all()


def test_identifiers(firms: gpd.GeoDataFrame) -> None:
    assert firms["siren"].str.fullmatch(r"[1-9]\d{8}").all()
    assert firms["siret"].str.fullmatch(r"\d{14}").all()
    assert firms["siret"].str[:9].eq(firms["siren"]).all()
    assert firms["firm_id"].eq(firms["siret"]).all()
    assert all(luhn_ok(s) for s in firms["siren"].unique())
    assert all(luhn_ok(s) for s in firms["siret"].unique())
    assert not firms["siren"].eq("356000000").any()
    for _, obs in firms.groupby("year"):
        assert obs["siret"].is_unique and obs["siren"].is_unique and obs["name"].is_unique
    assert firms["name"].str.fullmatch(r"PME synthétique \d{6}").all()
    per_firm = firms.groupby("firm_id")
    for column in ("siren", "name", "naf", "created", "commune", "diffusible"):
        assert per_firm[column].nunique().eq(1).all(), column
    assert per_firm["name"].first().is_unique
    diffusible = per_firm["diffusible"].first().mean()
    assert 0.94 <= diffusible <= 0.995


def test_points_inside_their_commune(communes: gpd.GeoDataFrame,
                                     firms: gpd.GeoDataFrame) -> None:
    polygon = dict(zip(communes["code"], communes.geometry, strict=True))
    one = firms.drop_duplicates("firm_id")
    for code, point in zip(one["commune"], one.geometry, strict=True):
        assert polygon[code].contains(point)
    # the same firm stays at the same place
    assert firms.groupby("firm_id").geometry.apply(lambda g: g.x.nunique() == 1).all()
    # the two parts of the split commune both receive firms
    split = communes.geometry.iloc[6]
    inside = one[one["commune"].eq(communes["code"].iloc[6])]
    parts = list(split.geoms)
    assert all(inside.geometry.within(p).any() for p in parts)


def test_counts_in_proportion_to_population(communes: gpd.GeoDataFrame,
                                            firms: gpd.GeoDataFrame) -> None:
    one = firms.drop_duplicates("firm_id")
    observed = one["commune"].value_counts().reindex(communes["code"], fill_value=0)
    pop = communes["population"].astype(float).to_numpy()
    expected = pop / pop.sum() * len(one)
    chi2 = float(((observed.to_numpy() - expected) ** 2 / expected).sum())
    assert stats.chi2.sf(chi2, df=len(pop) - 1) > 1e-4


def test_churn_and_growth(firms: gpd.GeoDataFrame) -> None:
    ids = {y: set(firms.loc[firms["year"] == y, "firm_id"]) for y in YEARS}
    assert abs(len(ids[YEARS[-1]]) - N_FIRMS) <= 0.02 * N_FIRMS
    for before, after in itertools.pairwise(YEARS):
        ceased = len(ids[before] - ids[after]) / len(ids[before])
        created = ids[after] - ids[before]
        assert 0.01 <= ceased <= 0.10
        assert 0.01 <= len(created) / len(ids[before]) <= 0.12
        new = firms[(firms["year"] == after) & firms["firm_id"].isin(created)]
        assert new["created"].gt(before).all() and new["created"].le(after).all()
    # activity is contiguous: a firm that ceases never comes back
    years = firms.groupby("firm_id")["year"].agg(["min", "max", "count"])
    span = years["max"] - years["min"] + 1
    assert span.eq(years["count"]).all()
    assert firms["created"].le(firms["year"]).all()


def test_about_a_third_export_and_metropoles_denser(firms: gpd.GeoDataFrame) -> None:
    exporting = firms["stage"].isin(settings.EXPORTING_STAGES)
    by_year = exporting.groupby(firms["year"]).mean()
    assert by_year.between(0.28, 0.39).all()
    last = firms["year"].eq(YEARS[-1])
    metro = firms["epci"].eq("243400017")  # 437,800 inhabitants
    rural = firms["epci"].eq("200000001")  # 36,000 inhabitants
    assert exporting[last & metro].mean() > exporting[last & rural].mean()


def test_sectors_sizes_stages_postures(firms: gpd.GeoDataFrame) -> None:
    assert firms["naf"].str.fullmatch(r"\d{2}\.\d{2}[A-Z]").all()
    assert set(firms["naf"]) <= {s.naf for s in SECTORS}
    exporting = firms["stage"].isin(settings.EXPORTING_STAGES)
    construction = firms["naf"].str[:2].isin(["41", "42", "43"])
    assert exporting[construction].mean() < exporting.mean() / 3
    staff = firms["employees"].astype(int)
    assert staff.between(1, 249).all()
    assert (staff < 20).mean() > 0.75 and staff.median() <= 10 and staff.max() >= 50
    assert set(firms["stage"]) <= set(settings.STAGES)
    assert set(firms["posture"]) <= set(settings.POSTURES)
    exp = firms[exporting]
    assert exp["stage"].isin(["indirect_export", "direct_export"]).mean() > 0.7
    assert exp["stage"].str.startswith("subsidiary").mean() < 0.15
    proactive = firms["posture"].eq("proactive")
    assert proactive[exporting].mean() > 2 * proactive[~exporting].mean()
    # triggers only for reactive firms, drivers only for proactive ones, valid codes
    for column, posture, codes in (("triggers", "reactive", settings.REACTIVE_TRIGGERS),
                                   ("drivers", "proactive", settings.PROACTIVE_DRIVERS)):
        filled = firms[column].ne("")
        assert firms.loc[filled, "posture"].eq(posture).all()
        assert 0.5 < filled[firms["posture"].eq(posture)].mean() < 0.9
        tokens = firms.loc[filled, column].str.split("|").explode()
        assert set(tokens) <= set(codes)


def test_stages_and_postures_progress(firms: gpd.GeoDataFrame) -> None:
    wide = firms.pivot(index="firm_id", columns="year", values=["stage", "posture"])
    order = {s: i for i, s in enumerate(settings.STAGES)}
    a, b = wide["stage"][YEARS[0]].dropna(), wide["stage"][YEARS[-1]].dropna()
    both = a.index.intersection(b.index)
    rank_a, rank_b = a[both].map(order), b[both].map(order)
    started = ((rank_a == 0) & (rank_b > 0)).sum()
    moved_up = ((rank_a > 0) & (rank_b > rank_a)).sum()
    assert started > 0 and moved_up > 0
    p_a, p_b = wide["posture"][YEARS[0]][both], wide["posture"][YEARS[-1]][both]
    assert ((p_a == "reactive") & (p_b == "proactive")).sum() > 0
    share = firms.pivot(index="firm_id", columns="year", values="export_share")
    kept = share[YEARS[0]].gt(0) & share[YEARS[-1]].gt(0)
    assert (share.loc[kept, YEARS[0]] != share.loc[kept, YEARS[-1]]).mean() > 0.5


def test_export_share_markets_and_born_global(firms: gpd.GeoDataFrame) -> None:
    st = settings.get_settings()
    exporting = firms["stage"].isin(settings.EXPORTING_STAGES)
    share = firms["export_share"]
    assert share[~exporting].eq(0).all()
    assert share[exporting].between(0, 1, inclusive="right").all()
    # markets: ISO 3166 codes, none for local firms, no repeats, Spain and Italy frequent
    assert firms.loc[~exporting, "markets"].eq("").all()
    lists = firms.loc[exporting, "markets"].str.split("|")
    assert lists.map(len).ge(1).all() and lists.map(lambda v: len(set(v)) == len(v)).all()
    countries = {c.alpha_2 for c in pycountry.countries}
    tokens = lists.explode()
    assert set(tokens) <= countries and "FR" not in set(tokens)
    top = tokens.value_counts()
    assert {"ES", "IT"} <= set(top.index[:6])
    # born global (seed 003), from the definition: a young observation with >= 20 % abroad
    age = firms["year"] - firms["created"].astype(int)
    young = age.between(0, st.born_global_years)
    big = share >= st.born_global_share
    born_global = set(firms.loc[young & big, "firm_id"])
    young_firms = set(firms.loc[young, "firm_id"])
    assert 0.005 < len(born_global) / len(young_firms) < 0.3
    is_bg = firms["firm_id"].isin(born_global)
    # consistent: every young observation of a born global is exporting with >= 20 %,
    # no other firm reaches 20 % while young
    assert (big & exporting)[young & is_bg].all()
    assert not big[young & ~is_bg].any()


def test_iso_certificates(firms: gpd.GeoDataFrame) -> None:
    certified = firms[firms["iso"].ne("")]
    assert 0.08 < len(certified) / len(firms) < 0.5
    tokens = certified["iso"].str.split("|").explode()
    allowed = {"9001", "9002", "9003", "14001", "22000", "45001"}
    assert set(tokens) <= allowed
    assert tokens.value_counts().index[0] == "9001"
    with_token = certified.assign(token=certified["iso"].str.split("|")).explode("token")
    food = with_token[with_token["token"].eq("22000")]
    assert len(food) and food["naf"].str[:2].isin(AGRIFOOD_DIVISIONS).all()
    legacy = with_token[with_token["token"].isin(["9002", "9003"])]
    assert len(legacy) and legacy["created"].astype(int).lt(2000).all()
    aero = with_token[with_token["naf"].isin(["30.30Z", "33.16Z"])]
    assert len(aero) == 0 or aero.groupby("firm_id")["token"].apply(
        lambda t: "9001" in set(t)).all()
    # once certified, a firm keeps its certificates
    wide = firms.pivot(index="firm_id", columns="year", values="iso")
    for before, after in itertools.pairwise(YEARS):
        held = wide[before].notna() & wide[before].ne("") & wide[after].notna()
        assert wide.loc[held, before].eq(wide.loc[held, after]).all()


def test_groupements(firms: gpd.GeoDataFrame) -> None:
    st = settings.get_settings()
    grouped = firms[firms["groupement"].ne("")]
    n_groups = grouped["groupement"].nunique()
    assert 1 <= n_groups <= 2 * N_FIRMS / 500
    assert grouped["groupement"].str.fullmatch(r"GEX-\d{2,3}-\d{2,}").all()
    assert grouped["stage"].isin(settings.EXPORTING_STAGES[1:]).all()  # direct export or beyond
    assert not grouped["posture"].eq("refusal").any()
    for (_, _), members in grouped.groupby(["year", "groupement"]):
        assert st.groupement_min_members <= len(members) <= st.groupement_max_members
        xy = np.column_stack([members.geometry.x, members.geometry.y])
        for a, b in itertools.combinations(range(len(xy)), 2):
            assert np.hypot(*(xy[a] - xy[b])) <= st.groupement_max_distance_km * 1000
        classes = members["naf"].str[:5]
        assert classes.is_unique
        staff = members["employees"].astype(int)
        assert staff.max() / staff.min() <= st.groupement_max_size_ratio
    # each firm belongs to one group at most, and keeps it
    assert grouped.groupby("firm_id")["groupement"].nunique().eq(1).all()


def test_defaults_and_input_checks(communes: gpd.GeoDataFrame) -> None:
    with settings.override(demo_years=(2024, 2025), demo_n_firms=200, demo_seed=3):
        small = synthetic_firms(communes)
    assert sorted(small["year"].unique()) == [2024, 2025]
    assert small["source"].eq("synthétique (graine 3)").all()
    with pytest.raises(ValueError, match="years"):
        synthetic_firms(communes, [], 10, 1)
    with pytest.raises(ValueError, match="n_firms"):
        synthetic_firms(communes, YEARS, 0, 1)
    with pytest.raises(ValueError, match="CRS"):
        synthetic_firms(communes.set_crs(None, allow_override=True), YEARS, 10, 1)


def test_geographic_input_is_projected(communes: gpd.GeoDataFrame) -> None:
    firms = synthetic_firms(communes.to_crs("EPSG:4326"), [2025], 300, 5)
    assert firms.crs.to_epsg() == 2154
    polygon = dict(zip(communes["code"], communes.geometry, strict=True))
    for code, point in zip(firms["commune"], firms.geometry, strict=True):
        assert polygon[code].buffer(5.0).contains(point)  # reprojection round trip


# ------------------------------------------------------------------------------ ties
def test_relations_columns_and_dtypes(relations: pd.DataFrame) -> None:
    assert list(relations.columns) == list(RELATION_COLUMNS)
    for column, kind in RELATION_COLUMNS.items():
        assert relations[column].dtype == expected_dtype(kind), column
    assert relations["synthetic"].all()
    assert set(relations["kind"]) <= set(settings.RELATION_KINDS)
    assert set(relations["source_type"]) | set(relations["target_type"]) <= {"actor", "firm"}
    assert relations["weight"].between(0, 1, inclusive="right").all()
    ended = relations["until"].notna()
    assert (relations.loc[ended, "until"] >= relations.loc[ended, "year"]).all()
    assert not relations.duplicated(["source", "target", "kind", "year"]).any()
    assert {"accompaniment", "membership", "groupement"} <= set(relations["kind"])


def test_relations_reproducible(actors: gpd.GeoDataFrame, firms: gpd.GeoDataFrame,
                                relations: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(relations, synthetic_relations(actors, firms, YEARS, SEED))
    other = synthetic_relations(actors, firms, YEARS, SEED + 1)
    assert not (len(other) == len(relations)
                and other["target"].tolist() == relations["target"].tolist())


def test_every_tie_starts_when_both_ends_are_active(actors: gpd.GeoDataFrame,
                                                    firms: gpd.GeoDataFrame,
                                                    relations: pd.DataFrame) -> None:
    observed = set(zip(firms["firm_id"], firms["year"], strict=True))
    actor_years = set()  # (id, year) when since <= year and (until empty or year <= until)
    for actor_id, since, until in zip(actors["id"], actors["since"], actors["until"],
                                      strict=True):
        last = 2100 if pd.isna(until) else int(until)
        actor_years |= {(actor_id, y) for y in range(int(since), last + 1)}
    for row in relations.itertuples():
        for end, kind in ((row.source, row.source_type), (row.target, row.target_type)):
            if kind == "actor":
                assert (end, row.year) in actor_years, row
            else:
                assert (end, row.year) in observed, row


def test_actor_network_gaps(actors: gpd.GeoDataFrame, relations: pd.DataFrame) -> None:
    aa = relations[relations["source_type"].eq("actor") & relations["target_type"].eq("actor")]
    assert set(aa["kind"]) <= {"partnership", "cofunding", "joint_event", "referral"}
    dep = dict(zip(actors["id"], actors["departement"], strict=True))
    # the fragmented département (Gers) is tied only to itself
    for s, t in zip(aa["source"], aa["target"], strict=True):
        assert (dep[s] == "32") == (dep[t] == "32"), (s, t)
    # the hubs are tied; someone is isolated
    degree = pd.concat([aa["source"], aa["target"]]).value_counts()
    assert degree.get("cci-occ", 0) >= degree.median()
    assert ((aa["source"] == "cci-occ") & (aa["target"] == "tfe-occ")).any() or (
        (aa["source"] == "tfe-occ") & (aa["target"] == "cci-occ")).any()
    usable = actors.loc[actors["since"] <= YEARS[-1], "id"]
    assert (~usable.isin(degree.index)).any()


def test_accompaniment_is_near_and_within_capacity(actors: gpd.GeoDataFrame,
                                                   firms: gpd.GeoDataFrame,
                                                   relations: pd.DataFrame) -> None:
    reach = settings.get_settings().unserved_distance_km * 1000
    acc = relations[relations["kind"].eq("accompaniment")]
    assert len(acc)
    by_id = actors.set_index("id")
    assert by_id.loc[acc["source"], "category"].isin(ACCOMPANYING).all()
    assert acc["target_type"].eq("firm").all()
    where = firms.set_index(["firm_id", "year"]).geometry
    exporting = firms.set_index(["firm_id", "year"])["stage"].isin(settings.EXPORTING_STAGES)
    proactive = firms.set_index(["firm_id", "year"])["posture"].eq("proactive")
    for row in acc.itertuples():
        point = where.loc[(row.target, row.year)]
        assert point.distance(by_id.loc[row.source, "geometry"]) <= reach
        assert exporting.loc[(row.target, row.year)] or proactive.loc[(row.target, row.year)]
    observed = set(zip(firms["firm_id"], firms["year"], strict=True))
    for year in YEARS:
        live = acc[(acc["year"] <= year) & (acc["until"].isna() | (acc["until"] >= year))]
        live = live[[(f, year) in observed for f in live["target"]]]
        counts = live["source"].value_counts()
        for actor_id, count in counts.items():
            assert count <= by_id.loc[actor_id, "capacity"], (actor_id, year)
    # firms beyond the reach of every accompanying actor get no accompaniment
    front = by_id[by_id["category"].isin(ACCOMPANYING)].geometry
    one = firms.drop_duplicates("firm_id")
    far = [fid for fid, p in zip(one["firm_id"], one.geometry, strict=True)
           if front.distance(p).min() > reach]
    assert not set(far) & set(acc["target"])


def test_membership_and_groupement_ties(actors: gpd.GeoDataFrame, firms: gpd.GeoDataFrame,
                                        relations: pd.DataFrame) -> None:
    members = relations[relations["kind"].eq("membership")]
    category = dict(zip(actors["id"], actors["category"], strict=True))
    assert members["source_type"].eq("firm").all() and members["target_type"].eq("actor").all()
    assert members["target"].map(category).isin(["club_export", "cluster"]).all()
    club = members[members["target"].map(category).eq("club_export")]
    exp = firms.set_index(["firm_id", "year"])["stage"].isin(settings.EXPORTING_STAGES)
    assert all(exp.loc[(f, y)] for f, y in zip(club["source"], club["year"], strict=True))
    # groupement ties: every pair of members of a group, nothing else
    ties = relations[relations["kind"].eq("groupement")]
    got = {frozenset(p) for p in zip(ties["source"], ties["target"], strict=True)}
    grouped = firms[firms["groupement"].ne("")]
    want = set()
    for _, part in grouped.groupby("groupement"):
        want |= {frozenset(p) for p in itertools.combinations(sorted(set(part["firm_id"])), 2)}
    assert got == want
    first_year = grouped.groupby("firm_id")["year"].min()
    for row in ties.itertuples():
        assert row.year == max(first_year[row.source], first_year[row.target])


def test_tie_years_spread(firms: gpd.GeoDataFrame) -> None:
    """On a larger actor set: old ties, new ties each year, and a few that end."""
    rng = np.random.default_rng(11)
    categories = list(settings.CATEGORIES)
    rows = list(ACTOR_ROWS)
    for k in range(50):
        rows.append((f"a{k}", f"Acteur {k}", categories[k % len(categories)],
                     float(rng.uniform(X0, X0 + 40_000)), float(rng.uniform(Y0, Y0 + 40_000)),
                     "34", int(rng.integers(1980, 2025)), None, 100.0))
    rel = synthetic_relations(make_actors(rows), firms, YEARS, 3)
    aa = rel[rel["source_type"].eq("actor") & rel["target_type"].eq("actor")]
    assert aa["year"].lt(YEARS[0]).sum() > len(aa) / 2
    for year in YEARS:
        assert aa["year"].eq(year).any()
    assert aa["until"].notna().any() and aa["until"].isna().mean() > 0.8


def test_real_occitanie_geography() -> None:
    """The demo's own inputs: the communes of Occitanie and 15,000 firms."""
    geography = pytest.importorskip(
        "ecosystem.geography", reason="the reference geography module is not available")
    communes = geography.communes()
    occitanie = communes[communes["region"].eq("76")]
    firms = synthetic_firms(occitanie, YEARS, 15_000, settings.get_settings().demo_seed)
    last = firms[firms["year"].eq(YEARS[-1])]
    assert abs(len(last) - 15_000) <= 150
    assert 0.28 < last["stage"].isin(settings.EXPORTING_STAGES).mean() < 0.39
    joined = gpd.sjoin(last[["firm_id", "commune", "geometry"]],
                       occitanie[["code", "geometry"]], predicate="within")
    assert joined["code"].eq(joined["commune"]).all() and len(joined) == len(last)
    # a few dozen export groups, mostly around Montpellier and Toulouse
    grouped = last[last["groupement"].ne("")]
    assert 20 <= grouped["groupement"].nunique() <= 40
    hall = occitanie.set_index("code")
    near = {}
    for code in ("34172", "31555"):
        x, y = hall.loc[code, "townhall_x"], hall.loc[code, "townhall_y"]
        close = np.hypot(grouped.geometry.x - x, grouped.geometry.y - y) <= 35_000
        near[code] = grouped.loc[close, "groupement"].nunique()
    assert near["34172"] >= 8
    assert near["34172"] + near["31555"] >= 0.6 * grouped["groupement"].nunique()
