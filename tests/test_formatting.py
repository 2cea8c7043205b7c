"""The one number formatter (:mod:`ecosystem.formatting`): every expected string below is
written by hand from the typographic rules (French: narrow no-break space U+202F between
thousands and before %, decimal comma; English: comma thousands, decimal point; minus
sign U+2212), not produced by the code."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ecosystem import catalogue
from ecosystem.disclosure import SECRET
from ecosystem.formatting import (
    UNIT_FORMATS,
    format_number,
    format_percent,
    format_points,
    format_value,
    format_with_unit,
    unit_format,
    unit_label,
)

NN = "\u202f"  # narrow no-break space
NB = "\u00a0"  # no-break space
M = "\u2212"  # minus sign


@pytest.mark.parametrize("value,lang,decimals,sign,expected", [
    (0, "fr", 0, False, "0"),
    (7, "en", 0, False, "7"),
    (999, "fr", 0, False, "999"),
    (1000, "fr", 0, False, f"1{NN}000"),
    (1000, "en", 0, False, "1,000"),
    (1234567.891, "fr", 2, False, f"1{NN}234{NN}567,89"),
    (1234567.891, "en", 2, False, "1,234,567.89"),
    (12345.678, "fr", 1, False, f"12{NN}345,7"),
    (12345.678, "en", 1, False, "12,345.7"),
    (0.5, "en", 2, False, "0.50"),
    (3.0, "fr", 0, False, "3"),
    (2.75, "fr", 1, False, "2,8"),
    (-1234.5, "fr", 1, False, f"{M}1{NN}234,5"),
    (-1234.5, "en", 1, False, f"{M}1,234.5"),
    (-0.04, "fr", 1, False, "0,0"),         # rounds to zero: no minus
    (-0.4, "en", 0, False, "0"),
    (2.5, "fr", 1, True, "+2,5"),
    (1500, "en", 0, True, "+1,500"),
    (-2.5, "fr", 1, True, f"{M}2,5"),
    (0.001, "fr", 1, True, "0,0"),          # rounds to zero: no plus either
    (0, "en", 0, True, "0"),
    (np.int64(15000), "fr", 0, False, f"15{NN}000"),
    (np.float32(0.25), "en", 2, False, "0.25"),
])
def test_format_number(value, lang, decimals, sign, expected) -> None:  # type: ignore[no-untyped-def]
    assert format_number(value, lang, decimals, sign=sign) == expected


@pytest.mark.parametrize("value,lang,expected", [
    (1234.5, "fr", f"1{NN}234"),   # from 100: no decimals
    (100.0, "en", "100"),
    (12.345, "en", "12.3"),        # from 10: one
    (0.123, "fr", "0,12"),         # below: two
    (30.0, "fr", "30"),            # a whole number: none
    (-7.25, "fr", f"{M}7,25"),
])
def test_format_number_automatic_decimals(value, lang, expected) -> None:  # type: ignore[no-untyped-def]
    assert format_number(value, lang, None) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, np.float64("nan")])
def test_missing_values_print_a_dash(missing) -> None:  # type: ignore[no-untyped-def]
    for lang in ("fr", "en"):
        assert format_number(missing, lang, 2) == "–"
        assert format_percent(missing, lang) == "–"
        assert format_points(missing, lang) == "–"
        assert format_value("unserved_share", missing, lang) == "–"
        assert format_value("n_firms", missing, lang, change=True) == "–"
        assert format_with_unit("airport_km_median", missing, lang) == "–"


def test_the_secret_marker_and_text_pass_unchanged() -> None:
    assert SECRET == "s"
    for lang in ("fr", "en"):
        assert format_number(SECRET, lang, 1, sign=True) == "s"
        assert format_percent(SECRET, lang) == "s"
        assert format_points(SECRET, lang) == "s"
        assert format_value("iso_density", SECRET, lang) == "s"
        assert format_value("unserved_share", SECRET, lang, change=True) == "s"
        assert format_value("has_coordinator", SECRET, lang) == "s"
        assert format_with_unit("airport_km_median", SECRET, lang) == "s"
    assert format_number("n.d.") == "n.d."


def test_infinite_and_unknown_objects() -> None:
    assert format_number(math.inf, "fr", 1) == "∞"
    assert format_number(-math.inf, "en", 1) == f"{M}∞"
    assert format_number(object.__new__(type("Thing", (), {"__str__": lambda s: "x"}))) == "x"


@pytest.mark.parametrize("share,lang,decimals,sign,expected", [
    (0.1234, "fr", 1, False, f"12,3{NN}%"),
    (0.1234, "en", 1, False, "12.3%"),
    (0.0271, "fr", 1, False, f"2,7{NN}%"),
    (1.0, "fr", 0, False, f"100{NN}%"),
    (12.5, "fr", 1, False, f"1{NN}250,0{NN}%"),
    (12.5, "en", 1, False, "1,250.0%"),
    (-0.05, "fr", 1, False, f"{M}5,0{NN}%"),
    (0.05, "en", 0, True, "+5%"),
    (-0.0004, "en", 1, True, "0.0%"),
])
def test_format_percent(share, lang, decimals, sign, expected) -> None:  # type: ignore[no-untyped-def]
    assert format_percent(share, lang, decimals, sign=sign) == expected


@pytest.mark.parametrize("change,lang,expected", [
    (0.012, "fr", f"+1,2{NN}pt"),
    (0.012, "en", "+1.2 pp"),
    (-0.012, "fr", f"{M}1,2{NN}pt"),
    (-0.012, "en", f"{M}1.2 pp"),
    (0.0001, "fr", f"0,0{NN}pt"),
])
def test_format_points(change, lang, expected) -> None:  # type: ignore[no-untyped-def]
    assert format_points(change, lang) == expected


@pytest.mark.parametrize("name,value,lang,change,expected", [
    ("n_firms", 2981, "fr", False, f"2{NN}981"),
    ("n_firms", 2981, "en", False, "2,981"),
    ("n_firms", 12, "fr", True, "+12"),
    ("n_firms", -3, "en", True, f"{M}3"),
    ("imi_rank", 3, "fr", False, "3"),
    ("unserved_share", 0.23118, "fr", False, f"23,1{NN}%"),
    ("unserved_share", 0.23118, "en", False, "23.1%"),
    ("unserved_share", -0.012, "fr", True, f"{M}1,2{NN}pt"),
    ("unserved_share", 0.012, "en", True, "+1.2 pp"),
    ("exporter_growth", 0.1, "fr", False, f"10,0{NN}%"),
    ("iso_density", 12.345, "fr", False, "12,3"),
    ("iso_density", 1.25, "en", True, "+1.2"),      # 1.25 is exact: half to even
    ("category_evenness", 0.5, "fr", False, "0,50"),
    ("new_ties_per_actor", 1.234, "en", False, "1.23"),
    ("survey_dynamique", 3.456, "fr", False, "3,46"),
    ("access_2sfca_mean", 0.01234, "fr", False, "0,012"),
    ("airport_km_median", 1234.56, "fr", False, f"1{NN}234,6"),
    ("imi", 54.32, "en", False, "54.3"),
    ("imi", -0.02, "fr", True, "0,0"),
    ("has_coordinator", True, "fr", False, "oui"),
    ("has_coordinator", np.False_, "fr", False, "non"),
    ("has_coordinator", 1.0, "en", False, "yes"),
    ("has_coordinator", 0, "en", False, "no"),
    ("has_coordinator", -1, "fr", True, f"{M}1"),
    ("has_coordinator", 1, "en", True, "+1"),
])
def test_format_value(name, value, lang, change, expected) -> None:  # type: ignore[no-untyped-def]
    assert format_value(name, value, lang, change=change) == expected


def test_format_value_without_symbol_for_a_column_that_names_its_unit() -> None:
    assert format_value("category_coverage", 0.5, "fr", symbol=False) == "50,0"
    assert format_value("unserved_share", 0.23118, "en", symbol=False) == "23.1"
    assert format_value("unserved_share", 0.012, "fr", change=True, symbol=False) == "+1,2"
    assert format_value("iso_density", 12.345, "fr", symbol=False) == "12,3"


def test_format_with_unit() -> None:
    assert format_with_unit("airport_km_median", 12.44, "fr") == f"12,4{NB}km"
    assert format_with_unit("iso_density", 3.21, "fr") == f"3,2{NB}pour 100 PME"
    assert format_with_unit("iso_density", 3.21, "en") == f"3.2{NB}per 100 SMEs"
    assert format_with_unit("survey_directionalite", 4, "en") == f"4.00{NB}out of 5"
    assert format_with_unit("unserved_share", 0.5, "fr") == f"50,0{NN}%"
    assert format_with_unit("n_firms", 1200, "en") == "1,200"
    assert format_with_unit("has_coordinator", True, "fr") == "oui"


def test_every_catalogue_unit_has_a_format() -> None:
    units = {i.unit for i in catalogue.INDICATORS}
    assert units <= set(UNIT_FORMATS), units - set(UNIT_FORMATS)
    for ind in catalogue.INDICATORS:
        fmt = unit_format(ind.name)
        # counts and ranks print whole numbers; shares in percent
        assert (fmt.decimals == 0) == (ind.dtype in ("int", "bool")), ind.name
        assert fmt.percent == (ind.unit in ("share (0-1)", "relative change")), ind.name
    assert unit_label("unserved_share") == "%"
    assert unit_label("iso_density", "en") == "per 100 SMEs"
    assert unit_label("n_firms", "fr") == ""


def test_unknown_language_and_indicator_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'de'"):
        format_number(1.0, "de")
    with pytest.raises(ValueError, match="unknown language"):
        format_percent(0.5, "es")
    with pytest.raises(KeyError):
        format_value("no_such_indicator", 1.0)


def test_french_output_parses_back_to_the_rounded_value() -> None:
    """Reading the printed French text back (the way a French spreadsheet would)
    gives the value rounded by Python's own ``round``."""
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(0, 1e6, 200), rng.normal(0, 5, 200)])
    for v in values:
        for d in (0, 1, 2, 3):
            text = format_number(float(v), "fr", d)
            back = float(text.replace(NN, "").replace(",", ".").replace(M, "-"))
            assert back == pytest.approx(round(float(v), d), abs=10 ** -(d + 6)), (v, d, text)
            digits = text.replace(M, "").split(",")[0].split(NN)
            assert all(len(g) == 3 for g in digits[1:]) and 1 <= len(digits[0]) <= 3, text
