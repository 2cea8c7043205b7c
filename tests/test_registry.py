"""Registry: importers on real-world-shaped files, validation, all or nothing, round trip."""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from ecosystem import Registry, ValidationError
from ecosystem.cli import main
from ecosystem.export import export_layer

from .conftest import luhn_key_ok, make_siret

S1 = make_siret("43210987", "0001")
S2 = make_siret("51234567", "0002")
S3 = make_siret("60000001", "0010")
S4 = make_siret("60000002", "0020")

# Town-hall-ish points (WGS84) of real communes of Occitanie
MONTPELLIER = (43.6108, 3.8767)  # 34172
TOULOUSE = (43.6045, 1.4440)  # 31555
RODEZ = (44.3506, 2.5750)  # 12202
MENDE = (44.5181, 3.4993)  # 48095

ACTORS_CP1252 = (
    "id;name;category;commune;since;until;capacity;international_links;website\r\n"
    "cci-34;CCI Hérault – Service international;cci;34172;2010;;180,5;oui;https://x.fr\r\n"
    "tfe-occ;Team France Export Occitanie;team_france_export;31555;2019;;450;oui;\r\n"
    "cce-48;Conseillers du commerce extérieur – Lozère;cce;48095;2005;;60;vrai;\r\n"
    "drce;Délégation régionale du commerce extérieur;team_france_export;34172;1990;2018;;non;\r\n"
)


def lambert(lat: float, lon: float) -> tuple[float, float]:
    tr = pyproj.Transformer.from_crs(4326, 2154, always_xy=True)
    return tr.transform(lon, lat)


def fr(v: float, nd: int = 6) -> str:
    return f"{v:.{nd}f}".replace(".", ",")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Files as French users produce them."""
    out: dict[str, Path] = {}
    p = tmp_path / "acteurs.csv"
    p.write_bytes(ACTORS_CP1252.encode("cp1252"))
    out["actors"] = p
    x, y = lambert(*RODEZ)
    firms = (
        "siret;name;naf;employees;lat;lon;x;y;epsg;commune;stage;posture;export_share;iso;"
        "created;markets;groupement;year\r\n"
        f"{S1};Société Générale d'Équipement;2562A;45;{fr(MONTPELLIER[0])};{fr(MONTPELLIER[1])}"
        ";;;;;direct_export;proactive;0,35;9001|14001;2001;ES|IT;GEX-34-01;2025\r\n"
        f"{S2};Chaîne & Fils;10.71C;12;{fr(TOULOUSE[0])};{fr(TOULOUSE[1])};;;;;local;refusal;"
        ";;1998;;;2025\r\n"
        f"{S3};Aveyron Découpe;25.62A;30;;;{fr(x, 1)};{fr(y, 1)};2154;;indirect_export;reactive;"
        "0,1;9002;2015;DE;;2025\r\n"
        f"{S4};Lozère Bois;16.10A;8;;;;;;48095;local;;;;2010;;;2025\r\n"
    )
    p = tmp_path / "pme.csv"
    p.write_bytes(firms.encode("cp1252"))
    out["firms"] = p
    rel = (
        "source;target;kind;year;until;weight\r\n"
        "cci-34;tfe-occ;partnership;2020;;2\r\n"
        f"cci-34;{S1};accompaniment;2024;;1\r\n"
        f"{S1[:9]};cci-34;membership;2023;;\r\n"
    )
    p = tmp_path / "liens.csv"
    p.write_bytes(rel.encode("cp1252"))
    out["relations"] = p
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_cp1252_semicolon_decimal_comma(tmp_path, files):
    reg = Registry(tmp_path / "r.gpkg")
    report = reg.import_files(actors=files["actors"], firms=files["firms"],
                              relations=files["relations"])
    assert report.added == {"actors": 4, "firms": 4, "relations": 3}
    actors = reg.actors()
    cci = actors.set_index("id").loc["cci-34"]
    assert cci["name"] == "CCI Hérault – Service international"
    assert cci["capacity"] == pytest.approx(180.5)
    assert bool(cci["international_links"]) is True
    assert (cci["commune"], cci["epci"], cci["departement"], cci["region"]) == (
        "34172", "243400017", "34", "76")
    # active in 2025: the DRCE ended in 2018
    assert set(reg.actors(2025)["id"]) == {"cci-34", "tfe-occ", "cce-48"}
    firms = reg.firms(2025).set_index("siret")
    assert firms.loc[S2, "name"] == "Chaîne & Fils"
    assert firms.loc[S1, "naf"] == "25.62A" and firms.loc[S2, "naf"] == "10.71C"
    assert firms.loc[S1, "export_share"] == pytest.approx(0.35)
    assert firms.loc[S1, "commune"] == "34172"
    assert firms.loc[S3, "commune"] == "12202"  # located by Lambert-93 x/y
    assert firms.loc[S4, "placement"] == "commune"
    assert firms.loc[S1, "placement"] == "coordinates"
    # the SIREN of the membership tie resolved to the firm's SIRET
    rel = reg.relations()
    assert set(rel["source"]) >= {S1}
    assert rel.loc[rel["kind"].eq("membership"), "source_type"].item() == "firm"
    assert reg.firms().crs.to_epsg() == 2154


def _problems(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple]:
    return [(p.row, p.column) for p in exc.value.problems]


@pytest.mark.parametrize(
    ("header", "row", "column", "fragment"),
    [
        ("siret;commune;stage;year", "43210987000011;34172;local;2025", "siret", "Luhn"),
        ("siren;commune;stage;year", "123456789;34172;local;2025", "siren", "Luhn"),
        ("siret;naf;commune;stage;year", f"{S1};ABCD;34172;local;2025", "naf", "NAF"),
        ("siret;commune;stage;year", f"{S1};34172;exporting;2025", "stage", "stage"),
        ("siret;commune;stage;posture;year", f"{S1};34172;local;eager;2025", "posture", "posture"),
        ("siret;commune;stage;year", f"{S1};34172;local;1066", "year", "between"),
        ("siret;commune;stage;export_share;year", f"{S1};34172;direct_export;35;2025",
         "export_share", "0.35"),
        ("siret;lat;lon;stage;year", f"{S1};51,5;-0,12;local;2025", "lat", "inside France"),
        ("siret;commune;stage;year", f"{S1};99999;local;2025", "commune", "INSEE"),
        ("siret;commune;stage;employees;year", f"{S1};34172;local;600;2025", "employees",
         "between"),
        ("siret;commune;stage;markets;year", f"{S1};34172;direct_export;ES|XX;2025", "markets",
         "country"),
        ("siret;lat;lon;commune;stage;year", f"{S1};3,87;43,61;34172;local;2025", "lat",
         "swapped"),
    ],
)
def test_each_firm_validation_error(tmp_path, header, row, column, fragment):
    p = tmp_path / "f.csv"
    p.write_bytes(f"{header}\r\n{row}\r\n".encode("cp1252"))
    reg = Registry(tmp_path / "r.gpkg")
    with pytest.raises(ValidationError) as exc:
        reg.import_files(firms=p)
    assert (1, column) in _problems(exc), str(exc.value)
    assert fragment in str(exc.value)
    assert "f.csv, row 1" in str(exc.value)
    assert not reg.exists


def test_actor_and_relation_errors(tmp_path, files):
    p = tmp_path / "a.csv"
    p.write_text("id,name,category,commune,since\n"
                 "a1,Un,cci,34172,2010\n"
                 "a1,Deux,cci,31555,2010\n"
                 "a2,Trois,chamber,31555,2010\n"
                 "a3,Quatre,cci,31555,2010\n", encoding="utf-8")
    reg = Registry(tmp_path / "r.gpkg")
    with pytest.raises(ValidationError) as exc:
        reg.import_files(actors=p)
    probs = _problems(exc)
    assert (2, "id") in probs and (3, "category") in probs
    assert "already on row 1" in str(exc.value)
    reg.import_files(actors=files["actors"])
    rel = tmp_path / "rel.csv"
    rel.write_text("source,target,kind,year\ncci-34,nobody,partnership,2020\n"
                   "cci-34,tfe-occ,friendship,2020\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        reg.import_files(relations=rel)
    assert (1, "target") in _problems(exc) and (2, "kind") in _problems(exc)


def test_missing_columns_and_bad_encoding(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text("siret;name\n1;x\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="column 'stage'"):
        Registry(tmp_path / "r.gpkg").import_files(firms=p)
    p.write_bytes(b"id;name\n\x81\x8d\x8f\x90\x9d;x\n")  # undefined in cp1252, invalid UTF-8
    with pytest.raises(ValidationError, match="f.csv"):
        Registry(tmp_path / "r.gpkg").import_files(actors=p)


def test_all_or_nothing(tmp_path, files):
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"], firms=files["firms"])
    before = sha(reg.path)
    bad = tmp_path / "bad.csv"
    good_rows = "".join(
        f"{make_siret('7000' + f'{i:04d}', '0001')};34172;local;2025\n" for i in range(50))
    bad.write_text("siret;commune;stage;year\n" + good_rows + "12345678901234;34172;local;2025\n",
                   encoding="utf-8")
    with pytest.raises(ValidationError):
        reg.import_files(firms=bad, relations=files["relations"])
    assert sha(reg.path) == before
    assert len(reg.firms()) == 4


def test_failure_while_writing_leaves_registry_unchanged(tmp_path, files, monkeypatch):
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"])
    before = sha(reg.path)
    import ecosystem.registry as registry_module

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(registry_module.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        reg.import_files(firms=files["firms"])
    assert sha(reg.path) == before
    assert not (tmp_path / "r.gpkg.tmp").exists()


def test_killed_import_leaves_registry_consistent(tmp_path, files):
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"])
    before = sha(reg.path)
    big = tmp_path / "big.csv"
    rows = [f"{make_siret(f'{80000000 + i:08d}', '0001')};34172;local;2025" for i in range(20000)]
    big.write_text("siret;commune;stage;year\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code = textwrap.dedent(f"""
        from ecosystem import Registry
        Registry({str(reg.path)!r}).import_files(firms={str(big)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        proc.wait(timeout=1.5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    after = sha(reg.path)
    # either untouched, or the whole import landed; never half of it
    n = len(Registry(reg.path).firms())
    assert (after == before and n == 0) or n == 20000
    assert len(Registry(reg.path).actors()) == 4
    # a stray working copy does not block the next import
    Registry(reg.path).import_files(firms=files["firms"])
    assert len(Registry(reg.path).firms()) in (4, 20004)


def test_sirene_stock_and_geolocation(tmp_path):
    x, y = lambert(*MONTPELLIER)
    s_big = make_siret("33333333", "0001")
    s_closed = make_siret("44444444", "0001")
    s_partial = make_siret("55555555", "0001")
    s_ok = make_siret("66666666", "0001")
    stock = (
        "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,"
        "trancheEffectifsEtablissement,etablissementSiege,enseigne1Etablissement,"
        "denominationUsuelleEtablissement,codeCommuneEtablissement,"
        "activitePrincipaleEtablissement,nomenclatureActivitePrincipaleEtablissement,"
        "etatAdministratifEtablissement\n"
        f"{s_ok[:9]},{s_ok[9:]},{s_ok},O,2004-05-01,12,true,ATELIER DU LEZ,,34172,25.62A,"
        "NAFRev2,A\n"
        f"{s_big[:9]},{s_big[9:]},{s_big},O,1990-01-01,41,true,,GROS,31555,30.30Z,NAFRev2,A\n"
        f"{s_closed[:9]},{s_closed[9:]},{s_closed},O,1990-01-01,11,true,,FERMEE,31555,"
        "30.30Z,NAFRev2,F\n"
        f"{s_partial[:9]},{s_partial[9:]},{s_partial},P,2012-03-01,02,true,,,12202,62.01Z,"
        "NAFRev2,A\n"
    )
    geo = (
        "siret;x;y;qualite_xy;epsg;plg_qp;plg_iris;plg_zus;plg_qva;plg_code_commune;distance\n"
        f"{s_ok};{x:.2f};{y:.2f};11;2154;;;;;34172;0\n"
    )
    (tmp_path / "StockEtablissement_utf8.csv").write_text(stock, encoding="utf-8")
    (tmp_path / "geo.csv").write_text(geo, encoding="utf-8")
    firms_file = tmp_path / "pme.csv"
    firms_file.write_text(f"siret;stage;posture;export_share;commune\n"
                          f"{s_ok};direct_export;proactive;0,4;34172\n", encoding="utf-8")
    reg = Registry(tmp_path / "r.gpkg")
    report = reg.import_files(sirene_stock=tmp_path / "StockEtablissement_utf8.csv",
                              sirene_geo=tmp_path / "geo.csv", firms=firms_file, year=2025)
    firms = reg.firms(2025).set_index("siret")
    assert set(firms.index) == {s_ok, s_partial}  # closed and 500+ staff dropped
    assert firms.loc[s_ok, "stage"] == "direct_export"  # the firms file says more
    assert firms.loc[s_ok, "name"] == "ATELIER DU LEZ"
    assert firms.loc[s_ok, "employees"] == 35
    assert firms.loc[s_ok, "placement"] == "coordinates"
    geom = firms.loc[s_ok, "geometry"]
    assert math.hypot(geom.x - x, geom.y - y) < 0.01
    assert not firms.loc[s_partial, "diffusible"]
    assert any(s_ok in m for m in report.merges)
    # the non-diffusible establishment is exported without name, at its town hall
    out = export_layer(reg, "firms", "csv", tmp_path / "f.csv", year=2025)
    exported = pd.read_csv(out, sep=";", decimal=",", dtype={"siret": str})
    row = exported.set_index("siret").loc[s_partial]
    assert pd.isna(row["name"]) or row["name"] == ""
    assert row["placement"] == "commune"


def test_round_trip_import_export_within_1m(tmp_path, files):
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"], firms=files["firms"])
    for fmt in ("csv", "xlsx", "geojson", "gpkg"):
        out = export_layer(reg, "firms", fmt, tmp_path / f"firms.{fmt}")
        back = Registry(tmp_path / f"back_{fmt}.gpkg")
        if fmt in ("geojson", "gpkg"):
            back.import_files(firms=out)
        else:
            back.import_files(firms=out)
        a = reg.firms().set_index("firm_id").sort_index()
        b = back.firms().set_index("firm_id").sort_index()
        assert list(a.index) == list(b.index)
        d = a.geometry.distance(b.geometry)
        assert (d < 1.0).all(), (fmt, d.max())
        assert (a["commune"] == b["commune"]).all()
        assert np.allclose(a["export_share"].fillna(-1), b["export_share"].fillna(-1))
        assert list(a["name"]) == list(b["name"])


def test_export_columns_and_year(tmp_path, files):
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"])
    out = export_layer(reg, "actors", "csv", tmp_path / "a.csv", year=2025)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the accents right
    table = pd.read_csv(out, sep=";", decimal=",", dtype=str, encoding="utf-8-sig")
    for col in ("id", "commune", "epci", "departement", "region", "lat", "lon"):
        assert col in table.columns
    assert "drce" not in set(table["id"])
    assert table.set_index("id").loc["cci-34", "epci"] == "243400017"
    lat = float(table.set_index("id").loc["cci-34", "lat"].replace(",", "."))
    assert abs(lat - 43.61) < 0.05


def test_formula_injection_is_defused(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("id,name,category,commune,since\nx1,=HYPERLINK(\"http://e\"),cci,34172,2010\n",
                 encoding="utf-8")
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=p)
    out = export_layer(reg, "actors", "csv", tmp_path / "o.csv")
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    import openpyxl

    out = export_layer(reg, "actors", "xlsx", tmp_path / "o.xlsx")
    ws = openpyxl.load_workbook(out).active
    names = [c.value for c in ws["B"]]
    assert names[1].startswith("=HYPERLINK")
    assert ws["B2"].data_type == "s"  # text, not a formula


def test_dedup_same_actor_from_two_files(tmp_path, files):
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"])
    other = tmp_path / "other.csv"
    other.write_text(
        "id,name,category,commune,since,capacity\n"
        "CCI34,CCI Herault - Service International,cci,34172,2011,200\n"
        "club-34,Club export Hérault,club_export,34172,2012,40\n"
        "tfe-occ,Team France Export Occitanie,team_france_export,31555,2019,500\n",
        encoding="utf-8")
    rel = tmp_path / "rel.csv"
    rel.write_text("source,target,kind,year\nCCI34,club-34,joint_event,2022\n", encoding="utf-8")
    report = reg.import_files(actors=other, relations=rel)
    actors = reg.actors().set_index("id")
    assert "CCI34" not in actors.index and "club-34" in actors.index
    assert actors.loc["tfe-occ", "capacity"] == 500  # same id: updated
    assert report.updated["actors"] == 1
    assert any("CCI34" in m and "cci-34" in m for m in report.merges)
    tie = reg.relations()
    assert tie[["source", "target"]].values.tolist() == [["cci-34", "club-34"]]


def test_same_siret_twice_in_registry_is_updated(tmp_path, files):
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(firms=files["firms"])
    upd = tmp_path / "upd.csv"
    upd.write_text(f"siret,stage,export_share,year,commune\n{S2},indirect_export,0.05,2025,"
                   "31555\n", encoding="utf-8")
    report = reg.import_files(firms=upd)
    assert report.updated["firms"] == 1
    firms = reg.firms(2025).set_index("siret")
    assert len(firms) == 4
    assert firms.loc[S2, "stage"] == "indirect_export"
    assert firms.loc[S2, "name"] == "Chaîne & Fils"  # kept: the update had no name
    assert firms.loc[S2, "placement"] == "coordinates"  # exact point kept over town hall


def test_ogrinfo_opens_the_registry(tmp_path, files, require_tool):
    ogrinfo = require_tool("ogrinfo")
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"], firms=files["firms"],
                     relations=files["relations"])
    out = subprocess.run([ogrinfo, "-ro", "-so", str(reg.path)], capture_output=True,
                         text=True, check=True).stdout
    for layer in ("actors (Point)", "firms (Point)", "relations", "territories (Multi Polygon)",
                  "import_log", "registry_version"):
        assert layer in out, out
    detail = subprocess.run([ogrinfo, "-ro", "-so", str(reg.path), "firms"],
                            capture_output=True, text=True, check=True).stdout
    assert "Feature Count: 4" in detail
    assert "2154" in detail


def test_cli_import_info_export(tmp_path, files, capsys):
    r = str(tmp_path / "r.gpkg")
    assert main(["import", "--registry", r, "--actors", str(files["actors"]),
                 "--firms", str(files["firms"])]) == 0
    assert main(["info", "--registry", r]) == 0
    out = capsys.readouterr().out
    assert "firms 4" in out and "34" in out
    assert main(["export", "--registry", r, "--layer", "actors", "--out",
                 str(tmp_path / "a.geojson")]) == 0
    g = gpd.read_file(tmp_path / "a.geojson")
    assert g.crs.to_epsg() == 4326 and len(g) == 4
    bad = tmp_path / "bad.csv"
    bad.write_text("siret,commune,stage,year\n1,34172,local,2025\n", encoding="utf-8")
    assert main(["import", "--registry", r, "--firms", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, row 1, column 'siret'" in err


def test_luhn_helper_is_independent():
    assert luhn_key_ok(S1) and luhn_key_ok(S1[:9])


def test_infrastructure_and_broadband_files(tmp_path):
    infra = tmp_path / "infra.csv"
    x, y = lambert(43.5833, 3.9614)  # Montpellier-Méditerranée airport, Mauguio
    infra.write_bytes(
        ("id;kind;name;iata;x;y;epsg\r\n"
         f"mpl;airport;Aéroport Montpellier-Méditerranée;MPL;{fr(x, 1)};{fr(y, 1)};2154\r\n"
         "sete;port;Port de Sète;;;;\r\n").encode("cp1252"))
    with pytest.raises(ValidationError) as exc:
        Registry(tmp_path / "r.gpkg").import_files(infrastructure=infra)
    assert (2, None) in _problems(exc)  # no location for the port
    infra.write_bytes(
        ("id;kind;name;iata;x;y;epsg;commune\r\n"
         f"mpl;airport;Aéroport Montpellier-Méditerranée;MPL;{fr(x, 1)};{fr(y, 1)};2154;\r\n"
         "sete;port;Port de Sète;;;;;34301\r\n"
         "x;spaceport;Nowhere;;;;;34301\r\n").encode("cp1252"))
    with pytest.raises(ValidationError) as exc:
        Registry(tmp_path / "r.gpkg").import_files(infrastructure=infra)
    assert _problems(exc) == [(3, "kind")]
    infra.write_bytes(infra.read_bytes().replace(b"x;spaceport;Nowhere;;;;;34301\r\n", b""))
    bb = tmp_path / "arcep.csv"
    bb.write_bytes("code_insee;taux_ftth\r\n34172;92,5\r\n34301;0,81\r\n48095;40\r\n"
                   .encode("cp1252"))
    reg = Registry(tmp_path / "r.gpkg")
    report = reg.import_files(infrastructure=infra, broadband=bb, year=2024)
    assert report.added == {"infrastructure": 2, "broadband": 3}
    got = reg.infrastructure().set_index("id")
    assert got.loc["mpl", "commune"] == "34154"  # Mauguio, located by its coordinates
    assert got.loc["sete", "placement"] == "commune"
    share = reg.read("broadband").set_index("commune")["ftth_share"]
    assert share.to_dict() == pytest.approx({"34172": 0.925, "34301": 0.81, "48095": 0.40})


def test_actors_from_excel_and_geojson(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ID", "Name", "Category", "Commune", "Since", "Capacity"])
    ws.append(["cci-12", "CCI Aveyron", "cci", "12202", 2000, 120])
    ws.append(["cci-09", "CCI Ariège", "cci", 9122, 2000, 90.5])  # code stored as a number
    wb.save(tmp_path / "a.xlsx")
    gdf = gpd.GeoDataFrame(
        {"id": ["bpi-tls"], "name": ["Bpifrance Toulouse"], "category": ["bpifrance"],
         "since": [2013]},
        geometry=gpd.points_from_xy([TOULOUSE[1]], [TOULOUSE[0]]), crs=4326)
    gdf.to_file(tmp_path / "b.geojson", driver="GeoJSON")
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=tmp_path / "a.xlsx")
    reg.import_files(actors=tmp_path / "b.geojson")
    got = reg.actors().set_index("id")
    assert got.loc["cci-09", "commune"] == "09122" and got.loc["cci-09", "capacity"] == 90.5
    assert got.loc["bpi-tls", "commune"] == "31555"
    assert got.loc["bpi-tls", "placement"] == "coordinates"


# -- version stamp and reading without writing --------------------------------------------------


def stamp_rows(path: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        return con.execute("SELECT version, updated, software FROM registry_version").fetchall()


def test_version_stamp_changes_with_every_change(tmp_path, files):
    from ecosystem.registry import software_version
    from ecosystem.survey import import_survey

    reg = Registry(tmp_path / "r.gpkg")
    assert reg.version() == hashlib.sha256(b"").hexdigest()  # nothing yet
    reg.import_files(actors=files["actors"])
    (v1, updated, software), = stamp_rows(reg.path)
    assert reg.version() == v1 and re.fullmatch(r"[0-9a-f]{32}", v1)
    assert software == software_version()
    assert abs(datetime.fromisoformat(updated) - datetime.now(UTC)) < timedelta(minutes=5)
    reg.import_files(firms=files["firms"])
    v2 = reg.version()
    assert v2 != v1 and [r[0] for r in stamp_rows(reg.path)] == [v2]
    bad = tmp_path / "bad.csv"
    bad.write_text("siret;commune;stage;year\n12345678901234;34172;local;2025\n",
                   encoding="utf-8")
    with pytest.raises(ValidationError):
        reg.import_files(firms=bad)
    assert reg.version() == v2  # nothing written, nothing stamped
    survey = tmp_path / "enquete.csv"
    survey.write_text("territory;level;year;dimension;item;score\n34;departement;2025;"
                      "dynamique;q1;4\n", encoding="utf-8")
    import_survey(reg, survey)
    v3 = reg.version()
    assert v3 not in (v1, v2)
    reg.write_layers({"actors": reg.actors()})  # same rows written again: a change all the same
    assert reg.version() not in (v1, v2, v3)


def test_version_of_a_registry_without_stamp_or_edited_elsewhere(tmp_path, files):
    import pyogrio

    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=files["actors"], firms=files["firms"])
    stamped = reg.version()
    # another tool (GDAL, as QGIS) adds a firm after the stamp: the stamp is not trusted
    firms = reg.firms().iloc[:1].copy()
    firms["firm_id"] = firms["siret"] = S4
    pyogrio.write_dataframe(firms, reg.path, layer="firms", driver="GPKG", append=True)
    assert reg.version() == sha(reg.path) != stamped
    # a registry made by an older version (no stamp table): the file's hash
    old = tmp_path / "old.gpkg"
    old.write_bytes(reg.path.read_bytes())
    with contextlib.closing(sqlite3.connect(old)) as con:
        con.execute("DROP TABLE registry_version")
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'registry_version'")
        con.execute("DELETE FROM gpkg_ogr_contents WHERE table_name = 'registry_version'")
        con.commit()
    assert "registry_version" not in Registry(old).layers()
    assert Registry(old).version() == sha(old)
    # the next change made by this software stamps it again
    Registry(old).import_files(actors=files["actors"])
    assert len(stamp_rows(old)) == 1 and Registry(old).version() == stamp_rows(old)[0][0]


def test_reading_the_registry_writes_nothing(tmp_path, files):
    from ecosystem.survey import import_survey, stored_survey

    folder = tmp_path / "share"
    reg = Registry(folder / "r.gpkg")
    reg.import_files(actors=files["actors"], firms=files["firms"],
                     relations=files["relations"])
    survey = tmp_path / "enquete.csv"
    survey.write_text("territory;level;year;dimension;item;score\n34;departement;2025;"
                      "dynamique;q1;4\n", encoding="utf-8")
    import_survey(reg, survey)
    (folder / "r.gpkg.lock").unlink()  # left by the writes: absent on a share made elsewhere
    before, listing = sha(reg.path), sorted(p.name for p in folder.iterdir())
    again = Registry(reg.path)
    assert again.exists and "firms" in again.layers() and again.years() == [2025]
    for layer in ("actors", "firms", "relations", "infrastructure", "territories", "broadband"):
        again.read(layer)
        again.read(layer, year=2025)
    again.info()
    again.is_synthetic()
    again.version()
    assert len(stored_survey(again)) == 1
    assert sha(reg.path) == before
    assert sorted(p.name for p in folder.iterdir()) == listing == ["r.gpkg"]
