"""Tests of ecosystem.readers: files are written byte for byte in tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random

import numpy as np
import pandas as pd
import pytest

from ecosystem import readers
from ecosystem._errors import InputFormatError
from ecosystem.readers import RawTable, read_table, to_number


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def records(table: RawTable) -> list[dict]:
    """Frame rows as dicts, blanks as None (the frame holds NaN)."""
    out = []
    for rec in table.frame.to_dict("records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in rec.items()})
    return out


# -- CSV: encodings, separators, decimal mark -------------------------------------------
def test_cp1252_semicolon_decimal_comma(tmp_path):
    text = (
        "siret;Nom;Ville;capacité;codeCommuneEtablissement\r\n"
        "73282932000074;Société Générale d'Équipement;Chaîne;12,5;01001\r\n"
        "35600000000048;Œuvres « Ça va » – 2 €;Besançon;1 234,75;34172\r\n"
    )
    path = write(tmp_path, "acteurs.csv", text.encode("cp1252"))
    t = read_table(path)
    assert (t.encoding, t.delimiter, t.decimal, t.format) == ("cp1252", ";", ",", "csv")
    assert t.file == "acteurs.csv"
    assert list(t.frame.columns) == ["siret", "Nom", "Ville", "capacité",
                                     "codeCommuneEtablissement"]
    assert records(t) == [
        {"siret": "73282932000074", "Nom": "Société Générale d'Équipement", "Ville": "Chaîne",
         "capacité": "12,5", "codeCommuneEtablissement": "01001"},
        {"siret": "35600000000048", "Nom": "Œuvres « Ça va » – 2 €", "Ville": "Besançon",
         "capacité": "1 234,75", "codeCommuneEtablissement": "34172"},
    ]
    assert t.rows.tolist() == [1, 2]
    assert all(t.frame[c].dtype == object for c in t.frame.columns)
    assert t.geometry is None and t.crs is None
    values, bad = to_number(t.column("CAPACITÉ"), t.decimal)
    assert values.tolist() == [12.5, 1234.75] and not bad.any()


def test_utf8_with_bom(tmp_path):
    data = b"\xef\xbb\xbf" + "id;nom\n1;Hérault\n".encode()
    t = read_table(write(tmp_path, "bom.csv", data))
    assert t.encoding == "utf-8-sig"
    assert list(t.frame.columns) == ["id", "nom"]  # no BOM glued to the first name
    assert records(t) == [{"id": "1", "nom": "Hérault"}]


def test_comma_utf8_decimal_point_and_quotes(tmp_path):
    data = (
        'id,name,lat,lon\n'
        'A1,"Dupont, Jean",43.6119,3.8772\n'
        'A2,"Le ""Chêne"" SARL",-0.5,.25\n'
    ).encode()
    t = read_table(write(tmp_path, "points.csv", data))
    assert (t.encoding, t.delimiter, t.decimal) == ("utf-8", ",", ".")
    assert records(t) == [
        {"id": "A1", "name": "Dupont, Jean", "lat": "43.6119", "lon": "3.8772"},
        {"id": "A2", "name": 'Le "Chêne" SARL', "lat": "-0.5", "lon": ".25"},
    ]
    lat, bad = to_number(t.frame["lat"], t.decimal)
    assert lat.tolist() == [43.6119, -0.5] and not bad.any()


def test_tab_separated(tmp_path):
    data = "id\tnom\tcommune\nA1\tCCI Hérault\t34172\nA2\tCMA, Gard\t30189\n".encode()
    t = read_table(write(tmp_path, "acteurs.tsv", data))
    assert t.delimiter == "\t"
    assert records(t)[1] == {"id": "A2", "nom": "CMA, Gard", "commune": "30189"}


def test_pipe_separated_and_single_column(tmp_path):
    t = read_table(write(tmp_path, "p.csv", b"a|b\n1|2\n"))
    assert t.delimiter == "|" and records(t) == [{"a": "1", "b": "2"}]
    t = read_table(write(tmp_path, "one.csv", b"siret\n73282932000074\n35600000000048\n"))
    assert list(t.frame.columns) == ["siret"] and t.frame["siret"].tolist()[1] == "35600000000048"


def test_utf16_excel_unicode_text(tmp_path):
    data = "id\tnom\r\n1\tNîmes\r\n".encode("utf-16")  # with BOM, as Excel writes it
    t = read_table(write(tmp_path, "unicode.txt", data))
    assert t.encoding == "utf-16" and t.delimiter == "\t"
    assert records(t) == [{"id": "1", "nom": "Nîmes"}]


def test_excel_sep_line(tmp_path):
    data = "sep=;\r\nid;montant\r\n1;2,5\r\n".encode("cp1252")
    t = read_table(write(tmp_path, "sep.csv", data))
    assert t.delimiter == ";" and records(t) == [{"id": "1", "montant": "2,5"}]
    assert t.rows.tolist() == [1]


def test_semicolon_file_with_point_decimals(tmp_path):
    data = b"id;x;y\n1;771234.5;6279876.25\n2;771000.0;6280000.75\n"
    t = read_table(write(tmp_path, "xy.csv", data))
    assert (t.delimiter, t.decimal) == (";", ".")


def test_forced_options(tmp_path):
    path = write(tmp_path, "f.csv", b"a;b\n1,5;2\n")
    t = read_table(path, delimiter=";", decimal=".", encoding="latin-1")
    assert (t.delimiter, t.decimal, t.encoding) == (";", ".", "latin-1")


# -- CSV: errors ------------------------------------------------------------------------
def test_ragged_rows_are_named(tmp_path):
    data = b"id;nom;commune\n1;a;34172\n2;b;c;34172\n3;c;34172\n4;d\n"
    with pytest.raises(InputFormatError) as err:
        read_table(write(tmp_path, "ragged.csv", data))
    msg = str(err.value)
    assert "ragged.csv" in msg and "3 fields of the header" in msg
    assert "row 2 (line 3): 4 fields" in msg
    assert "row 4 (line 5): 2 fields" in msg
    assert "row 1 " not in msg and "row 3 " not in msg


def test_ragged_rows_after_multiline_value(tmp_path):
    # a quoted value spans two lines: row 2 is on line 4; the odd quote forces the exact path
    data = b'id;nom;note\n1;"a\nb";x\n2;c;d;e\n3;5" pipe;z\n'
    with pytest.raises(InputFormatError, match=r"row 2 \(line 4\): 4 fields"):
        read_table(write(tmp_path, "multi.csv", data))


def test_stray_quotes_inside_values(tmp_path):
    # quotes inside unquoted values are literal (as in Excel); they must not merge rows
    data = b'id;nom;note\n1;tube 5" x;a\n2;6" pipe;b\n'
    t = read_table(write(tmp_path, "inch.csv", data))
    assert t.frame["nom"].tolist() == ['tube 5" x', '6" pipe'] and t.rows.tolist() == [1, 2]
    with pytest.raises(InputFormatError, match="row 2: a quote"):
        read_table(write(tmp_path, "inch2.csv", b'id;nom\n1;5" x\n2;"abc\n3;y\n'))


def test_trailing_separator_is_accepted(tmp_path):
    data = b"id;nom;ville\n1;a;b;\n2;c;d\n"
    t = read_table(write(tmp_path, "trail.csv", data))
    assert records(t) == [{"id": "1", "nom": "a", "ville": "b"},
                          {"id": "2", "nom": "c", "ville": "d"}]
    with pytest.raises(InputFormatError, match="row 1"):  # an extra value is not dropped
        read_table(write(tmp_path, "extra.csv", b"id;nom;ville\n1;a;b;X\n"))


def test_bytes_invalid_in_both_encodings(tmp_path):
    data = b"id;nom\n1;Soci\xe9t\xe9\n2;\x81bad\n"
    with pytest.raises(InputFormatError) as err:
        read_table(write(tmp_path, "bad.csv", data))
    msg = str(err.value)
    assert "bad.csv" in msg
    assert "not UTF-8 (byte 0xE9 at line 2" in msg
    assert "Windows-1252 (byte 0x81 at line 3" in msg
    assert err.value.__cause__ is None  # our message, not a decoder traceback


def test_mixed_utf8_and_cp1252(tmp_path):
    data = "id;nom\n1;Hérault\n".encode() + "2;Ardèche\n".encode("cp1252")
    with pytest.raises(InputFormatError, match="mixes two encodings: line 2"):
        read_table(write(tmp_path, "mixed.csv", data))


def test_dos_code_page(tmp_path):
    data = "id;nom\n1;Société Générale\n".encode("cp850")
    path = write(tmp_path, "dos.csv", data)
    with pytest.raises(InputFormatError, match="cp850"):
        read_table(path)
    assert records(read_table(path, encoding="cp850")) == [{"id": "1", "nom": "Société Générale"}]


def test_unclosed_quote(tmp_path):
    data = b'id;nom\n1;"Dupont\n2;Martin\n'
    with pytest.raises(InputFormatError, match=r"row 1: a quote"):
        read_table(write(tmp_path, "quote.csv", data))


def test_empty_and_header_only(tmp_path):
    with pytest.raises(InputFormatError, match="empty"):
        read_table(write(tmp_path, "zero.csv", b""))
    with pytest.raises(InputFormatError, match="no header"):
        read_table(write(tmp_path, "blank.csv", b"\xef\xbb\xbf\r\n\r\n"))
    t = read_table(write(tmp_path, "head.csv", b"id;nom;commune\r\n"))
    assert list(t.frame.columns) == ["id", "nom", "commune"] and len(t) == 0
    assert t.rows.tolist() == []


def test_duplicate_columns(tmp_path):
    with pytest.raises(InputFormatError, match=r"'siret' appears twice \(columns 1 and 3\)"):
        read_table(write(tmp_path, "dup.csv", b"siret;nom;siret\n1;2;3\n"))
    with pytest.raises(InputFormatError, match="without regard to case"):
        read_table(write(tmp_path, "dup2.csv", b"Nom;nom\n1;2\n"))


def test_unnamed_columns(tmp_path):
    # trailing empty columns of a spreadsheet export are dropped
    t = read_table(write(tmp_path, "u.csv", b"id;nom;;\n1;a;;\n2;b;;\n"))
    assert list(t.frame.columns) == ["id", "nom"]
    with pytest.raises(InputFormatError, match="column 2 has values .first at row 2."):
        read_table(write(tmp_path, "u2.csv", b"id;;x\n1;;a\n2;b;c\n"))


def test_title_line_above_header(tmp_path):
    data = "Liste des acteurs 2024\nid;nom;commune\nA1;CCI;34172\n".encode("cp1252")
    with pytest.raises(InputFormatError, match="column names must be on the first line"):
        read_table(write(tmp_path, "titre.csv", data))
    # one column whose values hold a comma is not mistaken for a title
    t = read_table(write(tmp_path, "adresses.csv", b"adresse\n1 rue Foch, Nimes\n2 av. X, Albi\n"))
    assert t.frame["adresse"].tolist() == ["1 rue Foch, Nimes", "2 av. X, Albi"]


def test_line_endings_and_quoted_header(tmp_path):
    t = read_table(write(tmp_path, "mac.csv", b'"id";"nom"\r1;"a;b"\r2;c'))
    assert records(t) == [{"id": "1", "nom": "a;b"}, {"id": "2", "nom": "c"}]
    with pytest.raises(InputFormatError, match=r"row 2 \(line 3\): 3 fields"):
        read_table(write(tmp_path, "mac2.csv", b"a;b\r1;2\r3;4;5\r"))
    t = read_table(write(tmp_path, "q.csv", b'a;b\n"";""\n1;"x\r\n\r\ny"\n'))
    assert t.rows.tolist() == [2] and records(t) == [{"a": "1", "b": "x\r\n\r\ny"}]


def test_binary_and_unknown_files(tmp_path):
    with pytest.raises(InputFormatError, match="zip archive"):
        read_table(write(tmp_path, "book.csv", b"PK\x03\x04rest"))
    with pytest.raises(InputFormatError, match=r"\.xlsx.*Supported formats: \.csv"):
        read_table(write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0"))
    with pytest.raises(InputFormatError, match=r"'\.dbf' is not supported.*\.gpkg"):
        read_table(write(tmp_path, "table.dbf", b"x"))
    missing = tmp_path / "absent.csv"
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        read_table(missing)
    with pytest.raises(InputFormatError, match="sheet= for Excel"):
        read_table(write(tmp_path, "s.csv", b"a\n1\n"), sheet=0)


# -- CSV: rows, blanks, whitespace ------------------------------------------------------
def test_row_numbers_match_file_lines(tmp_path):
    lines = ["id;nom", "A1;un", "", "A3;trois", ";", "A5;cinq", "", ""]
    path = write(tmp_path, "rows.csv", "\n".join(lines).encode())
    t = read_table(path)
    assert t.rows.tolist() == [1, 3, 5]
    file_lines = path.read_text().split("\n")
    for row, ident in zip(t.rows, t.frame["id"], strict=True):
        assert file_lines[row].startswith(ident + ";")  # data row r is line r + 1


def test_whitespace_stripped_and_blanks(tmp_path):
    data = ("id ; nom;ville\r\n"
            " A1 ;\u00a0Chaîne\u00a0; \r\n"
            "A2;\"  Gard  \";Nîmes\t\r\n").encode("cp1252")
    t = read_table(write(tmp_path, "ws.csv", data))
    assert list(t.frame.columns) == ["id", "nom", "ville"]
    assert records(t) == [{"id": "A1", "nom": "Chaîne", "ville": None},
                          {"id": "A2", "nom": "Gard", "ville": "Nîmes"}]


def reference_read(data: bytes, encoding: str, delimiter: str) -> list[list[str | None]]:
    """Independent reading with the csv module: strip, blank to None, drop blank rows."""
    reader = csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter)
    body = list(reader)[1:]
    out = []
    for rec in body:
        vals = [v.strip() or None for v in rec]
        if any(v is not None for v in vals):
            out.append(vals)
    return out


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_fast_path_agrees_with_csv_module(tmp_path, monkeypatch, encoding):
    rng = random.Random(7)
    words = ["Chaîne", "Dupont, Jean", 'Le "Chêne"', " padded ", "12,5", "", "Œuvre\u00a0",
             "a;b", "multi\nline", "01001", "x"]
    rows = [["c0", "c1", "c2", "c3"]]
    for _ in range(500):
        rows.append([rng.choice(words) for _ in range(4)])
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode(encoding)

    def no_fallback(*args, **kwargs):
        raise AssertionError("the fast path should read this file")

    monkeypatch.setattr(readers, "_parse_csv_exact", no_fallback)
    t = read_table(write(tmp_path, "random.csv", data))
    expected = reference_read(data, encoding, ";")
    got = [[None if isinstance(v, float) else v for v in r]
           for r in t.frame.itertuples(index=False)]
    assert got == expected


# -- to_number -----------------------------------------------------------------------------
def test_to_number_french_formats():
    values = ["1 234,5", "1\u00a0234,5", "1\u202f234\u202f567,25", "1234,5", "1234.5", "-3,5",
              "\u22123,5", "+2", "1.234.567,89", "0,125", "0.125", ",5", "12,", "1,5E-03",
              " 7 ", "", None, np.nan, "1.234", "12 %", "abc", "1,2,3", "inf", "nan", "12 5"]
    expected = [1234.5, 1234.5, 1234567.25, 1234.5, 1234.5, -3.5, -3.5, 2.0, 1234567.89, 0.125,
                0.125, 0.5, 12.0, 0.0015, 7.0, None, None, None, None, None, None, None, None,
                None, None]
    invalid = [False] * 15 + [False, False, False] + [True] * 7
    got, bad = to_number(pd.Series(values, index=range(10, 35)), ",")
    assert got.index.tolist() == list(range(10, 35))
    for g, e in zip(got.tolist(), expected, strict=True):
        assert (math.isnan(g) and e is None) or g == pytest.approx(e, rel=1e-15)
    assert bad.tolist() == invalid


def test_to_number_decimal_point_file():
    got, bad = to_number(["1,234.5", "1,234,567", "1,234", "12,5", "3.25", "1 000"], ".")
    assert got.tolist()[:2] == [1234.5, 1234567.0]
    assert math.isnan(got[2]) and bad.tolist() == [False, False, True, False, False, False]
    assert got.tolist()[3:] == [12.5, 3.25, 1000.0]


def test_to_number_numeric_input_and_bad_decimal():
    got, bad = to_number(pd.Series([1, 2, 3]), ",")
    assert got.tolist() == [1.0, 2.0, 3.0] and not bad.any()
    with pytest.raises(ValueError):
        to_number(["1"], ";")


# -- Excel ------------------------------------------------------------------------------------
@pytest.fixture()
def workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Acteurs"
    ws.append(["id", "commune", "n", "x", "quand", "actif", "note"])
    ws.append(["A1", "01001", 31555, 12.5, dt.datetime(2024, 3, 1), True, "  texte  "])
    ws.append(["A2", 1001, 7.0, None, dt.date(2023, 1, 2), False, None])
    ws.append([None] * 7)  # blank spreadsheet row 4
    ws.append(["A4", "2A004", -3, 0.1, dt.datetime(2024, 3, 1, 14, 30), None, ""])
    other = wb.create_sheet("Liens")
    other.append(["source", "target"])
    other.append(["A1", "A2"])
    path = tmp_path / "acteurs.xlsx"
    wb.save(path)
    return path


def test_excel_values_as_text(workbook):
    t = read_table(workbook)
    assert (t.format, t.sheet, t.decimal, t.encoding, t.delimiter) == (
        "xlsx", "Acteurs", ".", None, None)
    assert records(t) == [
        {"id": "A1", "commune": "01001", "n": "31555", "x": "12.5", "quand": "2024-03-01",
         "actif": "true", "note": "texte"},
        {"id": "A2", "commune": "1001", "n": "7", "x": None, "quand": "2023-01-02",
         "actif": "false", "note": None},
        {"id": "A4", "commune": "2A004", "n": "-3", "x": "0.1", "quand": "2024-03-01T14:30:00",
         "actif": None, "note": None},
    ]
    assert t.rows.tolist() == [1, 2, 4]  # spreadsheet rows 2, 3, 5 minus one


def test_excel_sheets(workbook):
    assert records(read_table(workbook, sheet="Liens")) == [{"source": "A1", "target": "A2"}]
    assert read_table(workbook, sheet=1).sheet == "Liens"
    assert read_table(workbook, sheet="liens").sheet == "Liens"
    with pytest.raises(InputFormatError, match="sheets: 'Acteurs', 'Liens'"):
        read_table(workbook, sheet="Firms")
    with pytest.raises(InputFormatError, match="position 5"):
        read_table(workbook, sheet=5)


def test_excel_title_row(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["Acteurs de l'export"])
    wb.active.append([])
    wb.active.append(["id", "nom"])
    wb.active.append(["A1", "CCI"])
    wb.save(tmp_path / "titre.xlsx")
    with pytest.raises(InputFormatError, match="row 1 holds a single cell .*row 3 several"):
        read_table(tmp_path / "titre.xlsx")


def test_excel_not_a_workbook(tmp_path):
    with pytest.raises(InputFormatError, match="not a readable Excel"):
        read_table(write(tmp_path, "fake.xlsx", b"id;nom\n1;a\n"))


# -- GeoJSON, GeoPackage --------------------------------------------------------------------
@pytest.fixture()
def points():
    gpd = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    return gpd.GeoDataFrame(
        {"id": ["A1", "A2", "A3"], "commune": ["01001", "34172", None],
         "capacity": [31555, 12, 7], "share": [0.25, np.nan, 1.0]},
        geometry=[shapely.Point(771000, 6279000), shapely.Point(700000.5, 6200000),
                  shapely.Point(650000, 6100000)],
        crs="EPSG:2154",
    )


def check_points(t: RawTable, points) -> None:
    assert records(t) == [
        {"id": "A1", "commune": "01001", "capacity": "31555", "share": "0.25"},
        {"id": "A2", "commune": "34172", "capacity": "12", "share": None},
        {"id": "A3", "commune": None, "capacity": "7", "share": "1"},
    ]
    assert t.crs is not None and t.crs.to_epsg() == 2154
    assert t.geometry is not None and t.geometry.crs == t.crs
    assert t.geometry.index.equals(t.frame.index)
    assert np.array_equal(t.geometry.x.to_numpy(), points.geometry.x.to_numpy())
    assert np.array_equal(t.geometry.y.to_numpy(), points.geometry.y.to_numpy())


def test_geojson(tmp_path, points):
    path = tmp_path / "acteurs.geojson"
    points.to_file(path, driver="GeoJSON", engine="pyogrio")
    t = read_table(path)
    assert t.format == "geojson" and t.rows.tolist() == [1, 2, 3]
    check_points(t, points)
    assert read_table(path, layer="acteurs").layer == "acteurs"
    with pytest.raises(InputFormatError, match="not a readable GeoJSON file"):
        read_table(write(tmp_path, "x.json", b'{"a": 1'))


def test_geopackage_layers(tmp_path, points):
    path = tmp_path / "registre.gpkg"
    points.to_file(path, layer="actors", engine="pyogrio")
    t = read_table(path)  # one data layer: no need to name it
    assert t.format == "gpkg" and t.layer == "actors" and t.rows.tolist() == [1, 2, 3]
    check_points(t, points)
    points.iloc[:1].to_file(path, layer="firms", engine="pyogrio")
    with pytest.raises(InputFormatError, match="2 layers.*'actors', 'firms'"):
        read_table(path)
    assert len(read_table(path, layer="firms")) == 1
    assert read_table(path, layer="ACTORS").layer == "actors"
    with pytest.raises(InputFormatError, match="no layer named 'relations'; layers: 'actors'"):
        read_table(path, layer="relations")


def test_geopackage_qgis_styles_ignored_and_missing_crs(tmp_path, points):
    pyogrio = pytest.importorskip("pyogrio")
    path = tmp_path / "styled.gpkg"
    points.to_file(path, layer="actors", engine="pyogrio")
    pyogrio.write_dataframe(pd.DataFrame({"styleName": ["s"]}), path, layer="layer_styles")
    assert read_table(path).layer == "actors"
    nocrs = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        points.set_crs(None, allow_override=True).to_file(nocrs, engine="pyogrio")
    with pytest.raises(InputFormatError, match="no coordinate reference system"):
        read_table(nocrs)


# -- the table API ------------------------------------------------------------------------
def test_column_accessors_and_canonical(tmp_path):
    data = b"codeCommuneEtablissement;SIRET;Nom\n34172;73282932000074;a\n"
    t = read_table(write(tmp_path, "sirene.csv", data))
    assert t.columns_lower == {"codecommuneetablissement": "codeCommuneEtablissement",
                               "siret": "SIRET", "nom": "Nom"}
    assert t.column("siret").tolist() == ["73282932000074"]
    with pytest.raises(KeyError, match="columns found: codeCommuneEtablissement, SIRET, Nom"):
        t.column("commune")
    c = t.canonical(["siret", "nom", "absent"])
    assert list(c.frame.columns) == ["codeCommuneEtablissement", "siret", "nom"]
    assert c.rows is t.rows and list(t.frame.columns)[1] == "SIRET"


def test_dtype_str_false(tmp_path):
    data = b"id;commune;n;x\nA;01001;3;1,5\nB;34172;4;\n"
    t = read_table(write(tmp_path, "typed.csv", data), dtype_str=False)
    assert t.frame["commune"].tolist() == ["01001", "34172"]
    assert str(t.frame["n"].dtype) == "Int64" and t.frame["n"].tolist() == [3, 4]
    assert t.frame["x"].dtype == np.float64 and t.frame["x"].iloc[0] == 1.5
    assert t.frame["id"].tolist() == ["A", "B"]


def test_from_frame():
    frame = pd.DataFrame({"n": [1, 2], "x": [1.0, 2.5], "s": [" a ", None]})
    t = RawTable.from_frame(frame, rows=[4, 9], file="sirene.csv", decimal=",")
    assert records(t) == [{"n": "1", "x": "1", "s": "a"}, {"n": "2", "x": "2.5", "s": None}]
    assert t.rows.tolist() == [4, 9] and t.decimal == "," and t.file == "sirene.csv"
