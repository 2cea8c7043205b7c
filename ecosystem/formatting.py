"""Numbers as readers read them, in French or English: the one formatter of the maps,
the dashboard and the report.

French typography (Imprimerie nationale, *Lexique des règles typographiques*): a
narrow no-break space (U+202F) between groups of thousands and before ``%``, a
decimal comma; English: a comma between thousands, a decimal point, ``%`` without a
space. Both print the minus sign (U+2212), never a minus before a value that rounds
to zero. Text passes through unchanged, so that the disclosure marker ``s``
(:data:`ecosystem.disclosure.SECRET`) is printed as it is; a missing value (None,
NaN, ``pd.NA``) is an en dash.

:func:`format_value` prints an indicator by its catalogue unit
(:mod:`ecosystem.catalogue`): shares in percent, counts without decimals, yes/no
indicators in words; :data:`UNIT_FORMATS` holds the decimals and the labels of each
unit.

Examples
--------
>>> format_number(12345.678, "fr", 1), format_number(12345.678, "en", 1)
('12\\u202f345,7', '12,345.7')
>>> format_number(-0.04, "fr", 1), format_number(-3, "en"), format_number("s")
('0,0', '−3', 's')
>>> format_percent(0.1234), format_percent(0.1234, "en")
('12,3\\u202f%', '12.3%')
>>> format_value("unserved_share", 0.23118), format_value("n_firms", 2981, "en")
('23,1\\u202f%', '2,981')
>>> format_value("imi", 1.26, change=True), format_value("unserved_share", -0.012, "en", True)
('+1,3', '−1.2 pp')
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import pandas as pd

from . import catalogue

__all__ = [
    "LANGS",
    "NNBSP",
    "MINUS",
    "MISSING",
    "UnitFormat",
    "UNIT_FORMATS",
    "is_missing",
    "format_number",
    "format_percent",
    "format_points",
    "format_value",
    "format_with_unit",
    "unit_format",
    "unit_label",
]

#: Languages of the formats; the first is the default.
LANGS: tuple[str, ...] = ("fr", "en")

#: Narrow no-break space: French thousands separator and the space before ``%``.
NNBSP = "\u202f"

#: The minus sign (U+2212), printed before negative numbers in both languages.
MINUS = "\u2212"

#: What a missing value prints (an en dash).
MISSING = "\u2013"


class UnitFormat(NamedTuple):
    """How the values of a catalogue unit are printed.

    Attributes
    ----------
    decimals : int
        Decimals shown (after scaling).
    percent : bool
        Whether the values are shares (0-1) printed in percent (changes in points).
    label_fr, label_en : str
        The unit as printed beside a label or a column header (``""`` for plain
        counts).
    """

    decimals: int
    percent: bool
    label_fr: str
    label_en: str

    @property
    def scale(self) -> float:
        """Factor from the stored value to the printed one (100 for percentages)."""
        return 100.0 if self.percent else 1.0


#: Print format of each unit of :data:`ecosystem.catalogue.INDICATORS`. Counts and ranks
#: have no decimals; rates per 100 or 1,000, distances and scores on 100 have one;
#: indices on 0-1, ties per actor and Likert means (survey scores are given with two
#: decimals) have two; accessibility, a small number of accompaniments a year per
#: firm, has three.
UNIT_FORMATS: dict[str, UnitFormat] = {
    "firms": UnitFormat(0, False, "", ""),
    "actors": UnitFormat(0, False, "", ""),
    "ties": UnitFormat(0, False, "", ""),
    "rank": UnitFormat(0, False, "", ""),
    "yes/no": UnitFormat(0, False, "", ""),
    "actors per 100 exporters": UnitFormat(1, False, "pour 100 PME exportatrices",
                                           "per 100 exporting SMEs"),
    "actors per 1,000 km²": UnitFormat(1, False, "pour 1 000 km²", "per 1,000 km²"),
    "exporters per 1,000 firms": UnitFormat(1, False, "", ""),
    "weighted certified firms per 100 firms": UnitFormat(1, False, "pour 100 PME",
                                                         "per 100 SMEs"),
    "firms per 1,000 firms": UnitFormat(1, False, "", ""),
    "share (0-1)": UnitFormat(1, True, "%", "%"),
    "relative change": UnitFormat(1, True, "%", "%"),
    "index (0-1)": UnitFormat(2, False, "indice 0–1", "index 0–1"),
    "ties per actor": UnitFormat(2, False, "par acteur", "per actor"),
    "Likert score (1-5)": UnitFormat(2, False, "sur 5", "out of 5"),
    "accompaniments a year per firm": UnitFormat(3, False, "accompagnements par PME et par an",
                                                 "accompaniments per SME a year"),
    "km": UnitFormat(1, False, "km", "km"),
    "score (0-100)": UnitFormat(1, False, "sur 100", "out of 100"),
}

_YES_NO: dict[str, tuple[str, str]] = {"fr": ("oui", "non"), "en": ("yes", "no")}


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")


def is_missing(value: Any) -> bool:
    """Whether a scalar is a missing value (None, NaN, ``pd.NA``, ``NaT``): what prints as
    an en dash, and what peer medians and ranks leave out.

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, 0, "", "s")]
    [True, True, True, False, False, False]
    """
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays and objects pandas cannot judge
        return False


def format_number(value: Any, lang: str = "fr", decimals: int | None = 0,
                  sign: bool = False) -> str:
    """A number as a reader expects it in ``lang``.

    Parameters
    ----------
    value : number, str or None
        Text (such as the disclosure marker ``s``) is returned unchanged; None, NaN
        and ``pd.NA`` print :data:`MISSING`.
    lang : {"fr", "en"}
        French: narrow no-break space between thousands, decimal comma; English:
        comma between thousands, decimal point.
    decimals : int or None
        Decimals shown (rounded half to even on the binary value, as Python does).
        None chooses them from the size of the value, for labels of charts: none
        from 100 or for a whole number, one from 10, else two.
    sign : bool
        Print ``+`` before a positive value (changes). A value that rounds to zero
        has no sign either way.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For a language other than ``fr`` or ``en``.

    Examples
    --------
    >>> format_number(1234567.891, "fr", 2)
    '1\\u202f234\\u202f567,89'
    >>> format_number(1234567.891, "en", 2)
    '1,234,567.89'
    >>> format_number(-1234.5, "fr", 1), format_number(2.5, sign=True)
    ('−1\\u202f234,5', '+2')
    >>> format_number(None), format_number(float("nan"), "en"), format_number("s")
    ('–', '–', 's')
    >>> format_number(1234.5, "fr", None), format_number(12.345, "en", None)
    ('1\\u202f234', '12.3')
    """
    _check_lang(lang)
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(x):
        return (MINUS if x < 0 else "+" if sign else "") + "∞"
    if decimals is None:
        a = abs(x)
        decimals = 0 if a >= 100 or x.is_integer() else (1 if a >= 10 else 2)
    text = f"{abs(x):,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    nonzero = any(c in "123456789" for c in text)
    if x < 0 and nonzero:
        return MINUS + text
    if sign and x > 0 and nonzero:
        return "+" + text
    return text


def format_percent(share: Any, lang: str = "fr", decimals: int = 1,
                   sign: bool = False) -> str:
    """A share (0-1) in percent: ``12,3 %`` (narrow no-break space) in French,
    ``12.3%`` in English.

    Parameters
    ----------
    share : number, str or None
        The share; text and missing values print as in :func:`format_number`.
    lang : {"fr", "en"}
    decimals : int
        Decimals of the percentage.
    sign : bool
        Print ``+`` before a positive value.

    Returns
    -------
    str

    Examples
    --------
    >>> format_percent(0.0271), format_percent(0.0271, "en", 0)
    ('2,7\\u202f%', '3%')
    >>> format_percent(0.05, sign=True), format_percent("s"), format_percent(None)
    ('+5,0\\u202f%', 's', '–')
    """
    if isinstance(share, str) or is_missing(share):
        return format_number(share, lang)
    text = format_number(100.0 * float(share), lang, decimals, sign=sign)
    return f"{text}{NNBSP}%" if lang == "fr" else f"{text}%"


def format_points(change: Any, lang: str = "fr", decimals: int = 1,
                  sign: bool = True) -> str:
    """A change of a share (0-1) in percentage points: ``+1,2 pt`` in French,
    ``+1.2 pp`` in English.

    Parameters
    ----------
    change : number, str or None
        The change of the share (0.012 for 1.2 points); text and missing values print
        as in :func:`format_number`.
    lang : {"fr", "en"}
    decimals : int
        Decimals of the points.
    sign : bool
        Print ``+`` before a positive change (the default).

    Returns
    -------
    str

    Examples
    --------
    >>> format_points(0.012), format_points(-0.012, "en"), format_points(0.0001)
    ('+1,2\\u202fpt', '−1.2 pp', '0,0\\u202fpt')
    """
    if isinstance(change, str) or is_missing(change):
        return format_number(change, lang)
    text = format_number(100.0 * float(change), lang, decimals, sign=sign)
    return f"{text}{NNBSP}pt" if lang == "fr" else f"{text} pp"


def unit_format(name: str) -> UnitFormat:
    """The print format of an indicator of the catalogue.

    Parameters
    ----------
    name : str
        An indicator of :data:`ecosystem.catalogue.INDICATORS`.

    Returns
    -------
    UnitFormat

    Raises
    ------
    KeyError
        For a name not in the catalogue, or a unit without a format.

    Examples
    --------
    >>> unit_format("unserved_share").scale, unit_format("iso_density").decimals
    (100.0, 1)
    """
    unit = catalogue.get(name).unit
    try:
        return UNIT_FORMATS[unit]
    except KeyError:
        raise KeyError(f"indicator {name!r}: unit {unit!r} has no print format; "
                       f"expected one of {sorted(UNIT_FORMATS)}") from None


def unit_label(name: str, lang: str = "fr") -> str:
    """The unit of an indicator as printed beside its label (``""`` for counts).

    Examples
    --------
    >>> unit_label("unserved_share"), unit_label("iso_density", "en"), unit_label("n_firms")
    ('%', 'per 100 SMEs', '')
    """
    _check_lang(lang)
    fmt = unit_format(name)
    return fmt.label_en if lang == "en" else fmt.label_fr


def format_value(name: str, value: Any, lang: str = "fr", change: bool = False,
                 symbol: bool = True) -> str:
    """An indicator value, or its change, printed by its catalogue unit.

    Parameters
    ----------
    name : str
        An indicator of :data:`ecosystem.catalogue.INDICATORS`.
    value : number, str or None
        Text (the disclosure marker ``s``) is returned unchanged; a missing value
        prints :data:`MISSING`.
    lang : {"fr", "en"}
    change : bool
        ``value`` is a change between two years: printed with its sign, in
        percentage points for a share.
    symbol : bool
        Whether a share carries its symbol (``%``, or ``pt``/``pp`` for a change).
        False prints the bare percentage, for a column whose header gives the unit.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        For a name not in the catalogue.

    Examples
    --------
    >>> format_value("category_coverage", 0.5, symbol=False), format_value("imi_rank", 3)
    ('50,0', '3')
    >>> format_value("has_coordinator", True), format_value("has_coordinator", -1, "en", True)
    ('oui', '−1')
    >>> format_value("n_firms", 12, change=True), format_value("n_firms", "s")
    ('+12', 's')
    """
    _check_lang(lang)
    ind = catalogue.get(name)
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    if ind.dtype == "bool":
        if change:
            return format_number(value, lang, 0, sign=True)
        yes, no = _YES_NO[lang]
        return yes if bool(value) else no
    fmt = unit_format(name)
    if fmt.percent and symbol:
        if change:
            return format_points(value, lang, fmt.decimals)
        return format_percent(value, lang, fmt.decimals)
    return format_number(float(value) * fmt.scale, lang, fmt.decimals, sign=change)


def format_with_unit(name: str, value: Any, lang: str = "fr") -> str:
    """An indicator value followed by its unit, for a popup or a tooltip where no
    header gives the unit: ``23,1 %``, ``12,4 km``, ``3,42 sur 5``, a count alone.

    The unit follows the number after a no-break space (a narrow one before ``%``, as
    in :func:`format_percent`); ``s`` and missing values print without a unit.

    Parameters
    ----------
    name : str
        An indicator of :data:`ecosystem.catalogue.INDICATORS`.
    value : number, str or None
    lang : {"fr", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> format_with_unit("airport_km_median", 12.44), format_with_unit("unserved_share", 0.5, "en")
    ('12,4\\xa0km', '50.0%')
    >>> format_with_unit("n_firms", 1200), format_with_unit("airport_km_median", "s")
    ('1\\u202f200', 's')
    """
    text = format_value(name, value, lang)
    fmt = unit_format(name)
    label = fmt.label_en if lang == "en" else fmt.label_fr
    if fmt.percent or not label or isinstance(value, str) or is_missing(value):
        return text
    return f"{text}\u00a0{label}"
