"""One validation path for every importer.

A :class:`Checker` walks the columns of one input table, converts values to
their storage types and records a :class:`~ecosystem._errors.Problem` (file,
row, column, value, what was expected) for every bad value. Importers call
:meth:`Checker.raise_if_any` before anything is written, so an import is all
or nothing.

All checks are vectorised: a million-row file is checked in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pycountry

from ._errors import Problem, ValidationError
from .settings import get_settings

__all__ = [
    "Checker",
    "luhn_valid",
    "luhn_valid_array",
    "siret_valid",
    "normalise_naf",
    "COUNTRY_CODES",
    "TRUE_WORDS",
    "FALSE_WORDS",
]

#: ISO 3166-1 alpha-2 codes (pycountry), for the ``markets`` column.
COUNTRY_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)

#: Words read as true / false in boolean columns (French and English spreadsheets).
TRUE_WORDS = frozenset({"1", "true", "vrai", "oui", "o", "yes", "y", "x"})
FALSE_WORDS = frozenset({"0", "false", "faux", "non", "n", "no", ""})

_NAF_RE = re.compile(r"^(\d{2})\.?(\d{2})([A-Za-z])$")
#: SIREN of La Poste, whose establishments' SIRETs follow their own key (sum of digits % 5).
_LA_POSTE_SIREN = "356000000"


def luhn_valid(number: str) -> bool:
    """Whether a string of digits passes the Luhn key (SIREN, SIRET).

    Examples
    --------
    >>> luhn_valid("732829320")  # SIREN of a real company
    True
    >>> luhn_valid("732829321")
    False
    """
    if not number.isdigit():
        return False
    return bool(luhn_valid_array(pd.Series([number]))[0])


def luhn_valid_array(numbers: pd.Series) -> np.ndarray:
    """Vectorised Luhn check of a Series of equal-or-mixed-length digit strings.

    Non-digit strings are invalid.
    """
    s = numbers.astype(str)
    ok = s.str.fullmatch(r"\d+").to_numpy(dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if not ok.any():
        return out
    for length in s[ok].str.len().unique():
        sel = ok & (s.str.len().to_numpy() == length)
        digits = (
            np.frombuffer("".join(s[sel]).encode("ascii"), dtype=np.uint8).reshape(-1, length)
            - 48
        ).astype(np.int64)
        # double every second digit from the right
        double = np.zeros(length, dtype=bool)
        double[length - 2 :: -2] = True
        d = digits.copy()
        d[:, double] *= 2
        d[d > 9] -= 9
        out[sel] = d.sum(axis=1) % 10 == 0
    return out


def siret_valid(sirets: pd.Series) -> np.ndarray:
    """SIRET check: 14 digits with a valid Luhn key (La Poste's own rule for SIREN 356000000).

    Examples
    --------
    >>> siret_valid(pd.Series(["73282932000074", "73282932000075", "35600000000056"])).tolist()
    [True, False, True]
    """
    s = sirets.astype(str)
    ok = luhn_valid_array(s) & (s.str.len() == 14).to_numpy()
    poste = s.str.startswith(_LA_POSTE_SIREN).to_numpy() & s.str.fullmatch(r"\d{14}").to_numpy(
        dtype=bool
    )
    if poste.any():
        digit_sum = s[poste].map(lambda v: sum(int(c) for c in v)).to_numpy()
        ok[poste] = (digit_sum % 5 == 0) | ok[poste]
    return ok


def normalise_naf(codes: pd.Series) -> pd.Series:
    """Normalise NAF rév. 2 codes to ``"25.62A"``; invalid codes become NaN.

    Examples
    --------
    >>> normalise_naf(pd.Series(["2562A", "25.62a", "25.62", "x"])).tolist()
    ['25.62A', '25.62A', nan, nan]
    """
    m = codes.astype(str).str.strip().str.extract(_NAF_RE)
    out = m[0] + "." + m[1] + m[2].str.upper()
    return out.where(m.notna().all(axis=1), np.nan)


class Checker:
    """Collect problems while converting the columns of one input table.

    Parameters
    ----------
    frame : DataFrame
        Raw values (strings) of the file, one row per data row.
    rows : sequence or ndarray of int
        1-based row number in the file of each frame row.
    file : str
        File name shown in messages.
    """

    def __init__(self, frame: pd.DataFrame, rows: Sequence[int] | np.ndarray,
                 file: str) -> None:
        self.frame = frame
        self.rows = np.asarray(rows)
        self.file = file
        self.problems: list[Problem] = []

    # -- recording -----------------------------------------------------------------
    def add(self, row: int | None, column: str | None, value: object, expected: str) -> None:
        """Record one problem (``row`` is a file row number, or None for the whole file)."""
        self.problems.append(
            Problem(self.file, row, column, "" if value is None else str(value), expected)
        )

    def flag(self, mask: np.ndarray | pd.Series, column: str, expected: str,
             values: pd.Series | None = None) -> None:
        """Record a problem for every row where ``mask`` is true."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        vals = self.raw(column) if values is None else values
        for pos in np.flatnonzero(mask):
            self.add(int(self.rows[pos]), column, vals.iloc[pos], expected)

    def raise_if_any(self) -> None:
        """Raise :class:`ValidationError` listing every problem recorded."""
        if self.problems:
            raise ValidationError(self.problems)

    # -- raw access ----------------------------------------------------------------
    def has(self, column: str) -> bool:
        """Whether the file has this column."""
        return column in self.frame.columns

    def raw(self, column: str) -> pd.Series:
        """The stripped string values of a column ('' when missing or absent)."""
        if column not in self.frame.columns:
            return pd.Series([""] * len(self.frame), index=self.frame.index, dtype=object)
        s = self.frame[column]
        return s.where(s.notna(), "").astype(str).str.strip().astype(object)

    def require_columns(self, columns: Iterable[str], why: str = "") -> bool:
        """Record a problem per missing column; return whether all are present."""
        missing = [c for c in columns if c not in self.frame.columns]
        for c in missing:
            self.add(None, c, "(absent)", f"a column '{c}'{why}; columns found: "
                     f"{', '.join(map(str, self.frame.columns))}")
        return not missing

    # -- typed conversions -----------------------------------------------------------
    def text(self, column: str, required: bool = False, max_len: int = 500) -> pd.Series:
        """Free text; optional length limit; required means non-empty."""
        s = self.raw(column)
        if required:
            self.flag(s.eq("").to_numpy(), column, "a non-empty value")
        self.flag(s.str.len().gt(max_len).to_numpy(), column, f"at most {max_len} characters")
        return s

    def code(self, column: str, allowed: Iterable[str], required: bool = True,
             what: str = "code") -> pd.Series:
        """A code from a closed list (taxonomy); case-insensitive, stored lower-case."""
        allowed = list(allowed)
        s = self.raw(column).str.lower()
        bad = ~s.isin(allowed)
        if not required:
            bad &= s.ne("")
        self.flag(bad.to_numpy(), column, f"a {what} among {', '.join(allowed)}")
        return s

    def codes_list(self, column: str, allowed: Iterable[str], what: str,
                   upper: bool = False) -> pd.Series:
        """A ``|``-separated list of codes from a closed list; stored ``|``-joined."""
        allowed_set = set(allowed)
        s = self.raw(column)
        s = s.str.upper() if upper else s.str.lower()
        parts = s.str.replace(r"\s*[|,;]\s*", "|", regex=True)
        exploded = parts.str.split("|").explode()
        exploded = exploded[exploded.ne("")]
        bad_rows = exploded.index[~exploded.isin(allowed_set)].unique()
        mask = self.frame.index.isin(bad_rows)
        shown = ", ".join(sorted(allowed_set)) if len(allowed_set) <= 20 else what
        self.flag(mask, column, f"'|'-separated {what} ({shown})")
        return parts

    def number(self, column: str, required: bool = False, lo: float | None = None,
               hi: float | None = None, decimal: str = ".", hint: str = "") -> pd.Series:
        """A number (decimal point or comma, French thousands separators); NaN when blank."""
        from .readers import to_number

        s = self.raw(column)
        values, bad = to_number(s, decimal)
        values = pd.Series(np.asarray(values, dtype=float), index=s.index)
        blank = s.eq("").to_numpy()
        self.flag(np.asarray(bad), column, "a number" + hint)
        if required:
            self.flag(blank, column, "a number (required)")
        rng = ""
        if lo is not None and hi is not None:
            rng = f"a number between {lo:g} and {hi:g}"
        elif lo is not None:
            rng = f"a number >= {lo:g}"
        elif hi is not None:
            rng = f"a number <= {hi:g}"
        out = np.zeros(len(s), dtype=bool)
        if lo is not None:
            out |= (values < lo).to_numpy()
        if hi is not None:
            out |= (values > hi).to_numpy()
        self.flag(out, column, rng + hint)
        return values

    def integer(self, column: str, required: bool = False, lo: int | None = None,
                hi: int | None = None, decimal: str = ".") -> pd.Series:
        """An integer; returned as nullable Int64."""
        v = self.number(column, required=required, lo=lo, hi=hi, decimal=decimal)
        frac = v.notna() & (v != np.floor(v.fillna(0)))
        self.flag(frac.to_numpy(), column, "a whole number")
        return v.where(~frac).round().astype("Int64")

    def year(self, column: str, required: bool = True, default: int | None = None) -> pd.Series:
        """A plausible year (settings.min_year .. settings.max_year)."""
        st = get_settings()
        s = self.raw(column)
        if default is not None:
            s = s.where(s.ne(""), str(default))
            self.frame = self.frame.assign(**{column: s}) if self.has(column) else self.frame
        if not self.has(column) and default is not None:
            return pd.Series(default, index=self.frame.index, dtype="Int64")
        return self.integer(column, required=required, lo=st.min_year, hi=st.max_year)

    def boolean(self, column: str, default: bool = False) -> pd.Series:
        """A yes/no value (true/false, oui/non, vrai/faux, 1/0, o/n)."""
        s = self.raw(column).str.lower()
        if not self.has(column):
            return pd.Series(default, index=self.frame.index, dtype=bool)
        bad = ~(s.isin(TRUE_WORDS) | s.isin(FALSE_WORDS))
        self.flag(bad.to_numpy(), column, "yes or no (true/false, oui/non, 1/0)")
        out = s.isin(TRUE_WORDS)
        return out.where(s.ne(""), default).astype(bool)

    def unique(self, keys: pd.Series, column: str, what: str = "identifier") -> None:
        """Record a problem for every repeated key (after the first)."""
        dup = keys.duplicated(keep="first") & keys.ne("")
        if dup.any():
            first_row = pd.Series(self.rows, index=keys.index).groupby(keys).transform("first")
            for pos in np.flatnonzero(dup.to_numpy()):
                self.add(int(self.rows[pos]), column, keys.iloc[pos],
                         f"a unique {what} (already on row {int(first_row.iloc[pos])})")
