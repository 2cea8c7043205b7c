"""Read the users' input files into a table of raw text values.

:func:`read_table` opens any supported file and returns a :class:`RawTable`:
every attribute value as text (NaN when blank), the row number of each
record in the file for error messages, and the geometry and CRS of spatial
files. Nothing is converted or validated here beyond the file format itself;
the importers do that with :mod:`ecosystem.validate`.

Supported formats (:data:`SUPPORTED_FORMATS`):

CSV (``.csv``, ``.txt``, ``.tsv``)
    The encoding (UTF-8 with or without BOM, Windows-1252, UTF-16 with BOM), the
    separator (``,`` ``;`` tab ``|``; Excel's ``sep=;`` first line is honoured)
    and the decimal mark are detected. A file is never decoded with a guessed
    encoding that fails on some bytes: when neither UTF-8 nor Windows-1252 fits,
    or when UTF-8 and Windows-1252 text are mixed in one file, the error says
    which byte, on which line.
Excel (``.xlsx``, ``.xlsm``)
    First sheet by default; the header is the first non-empty row.
GeoJSON (``.geojson``, ``.json``) and GeoPackage (``.gpkg``)
    Read with pyogrio; attributes as text, geometry and CRS kept.

Row numbers (:attr:`RawTable.rows`) follow one convention everywhere: the
header is row 0 and data rows are numbered from 1, so a spreadsheet shows data
row *r* on its line *r* + 1 (see :class:`RawTable` for the details by format).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal as _decimal
import io
import os
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import pyproj

from ._errors import InputFormatError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "SUPPORTED_FORMATS",
    "RawTable",
    "ParsedNumbers",
    "read_table",
    "to_number",
]

#: File extensions read by :func:`read_table` and what they hold.
SUPPORTED_FORMATS: dict[str, str] = {
    ".csv": "CSV text (separator ',', ';', tab or '|'; UTF-8 or Windows-1252)",
    ".txt": "CSV text, as .csv",
    ".tsv": "tab-separated text, as .csv",
    ".xlsx": "Excel workbook",
    ".xlsm": "Excel workbook with macros (macros are not run)",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
}

_CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
_EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
_GEO_EXTENSIONS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage"}
#: Extensions we recognise but cannot read, with what to do instead.
_UNSUPPORTED_HINTS: dict[str, str] = {
    ".xls": "the Excel 97-2003 .xls format is not supported: open the file in Excel or "
    "LibreOffice and save it as .xlsx (Classeur Excel) or as CSV",
    ".ods": "OpenDocument spreadsheets are not supported: save the file as .xlsx or CSV",
    ".shp": "shapefiles are not supported: export the layer from QGIS as GeoPackage (.gpkg)",
}

#: Separators tried by the CSV detection, in order of preference on a tie.
_DELIMITERS = (";", ",", "\t", "|")
#: Bytes of the text read for detecting the separator and the decimal mark.
_SAMPLE_BYTES = 256 * 1024
#: Records of the sample used for the separator consistency check.
_SAMPLE_RECORDS = 200
#: Ragged rows listed in an error message.
_MAX_LISTED = 10
#: Layer that QGIS adds to GeoPackages to store styles; never a data layer.
_QGIS_STYLE_LAYER = "layer_styles"

#: Bytes undefined in Windows-1252 (Python's cp1252 codec refuses them).
_CP1252_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
#: UTF-8 sequences of French letters (U+00C0-U+00FF) and of typographic
#: punctuation (U+2010-U+203F): in a Windows-1252 file they would read "Ã©",
#: "â€™"... so their presence in a file that is not valid UTF-8 means mixed encodings.
_UTF8_SIGNATURE = re.compile(rb"\xc3[\x80-\xbf]|\xe2\x80[\x90-\xbf]")
#: A letter, a DOS code page 850 accent (é=0x82 â=0x83 à=0x85 ç=0x87 ê=0x88 è=0x8A),
#: a letter: in Windows-1252 these bytes are punctuation that never sits inside a word.
_DOS_WORD = re.compile(rb"[A-Za-z][\x82\x83\x85\x87\x88\x8a][A-Za-z]")
_DOS_BYTES = (0x82, 0x83, 0x85, 0x87, 0x88, 0x8A)


# ---------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RawTable:
    """The raw content of one input file.

    Attributes
    ----------
    frame : DataFrame
        One row per data record, one column per attribute, with the file's own
        column names (stripped of surrounding spaces, case kept: SIRENE's
        ``codeCommuneEtablissement`` stays as it is). Every value is a ``str``
        stripped of surrounding whitespace, or NaN when blank (object dtype;
        test with ``isna``). Rows whose fields are all blank are dropped. The index is a
        ``RangeIndex``; position ``i`` of the frame is row ``rows[i]`` of the file.
        Use :meth:`column`, :meth:`resolve` or :meth:`canonical` to find
        columns without regard to case.
    rows : ndarray of int64
        Row number in the file of each frame row, for error messages. The
        header is row 0 and data rows count from 1:

        - CSV: the record number after the header (blank lines count, as a
          spreadsheet shows them; a value spanning several lines between
          quotes is one record). Without such values, data row *r* is line
          *r* + 1 of the file.
        - Excel: the spreadsheet row minus one (row 2 of the sheet is data row 1
          when the header is on row 1).
        - GeoPackage: the feature id (``fid``, shown by QGIS).
        - GeoJSON: the position of the feature (1 for the first one).
    file : str
        Name of the file (without its folder), as shown in messages.
    format : str
        ``"csv"``, ``"xlsx"``, ``"geojson"``, ``"gpkg"`` or ``"frame"``
        (built with :meth:`from_frame`).
    geometry : GeoSeries or None
        Geometry of each row (same index as ``frame``) for GeoJSON and
        GeoPackage inputs; None otherwise.
    crs : pyproj.CRS or None
        CRS of ``geometry``; None when there is no geometry.
    encoding : str or None
        CSV only: ``"utf-8"``, ``"utf-8-sig"`` (with BOM), ``"cp1252"``
        (Windows-1252), ``"utf-16"`` or the encoding forced by the caller.
    delimiter : str or None
        CSV only: the field separator.
    decimal : str
        Decimal mark to use with :func:`to_number`: detected for CSV, ``"."``
        for the other formats (their numbers are stored as numbers).
    sheet : str or None
        Excel only: the sheet read.
    layer : str or None
        GeoJSON and GeoPackage: the layer read.

    Examples
    --------
    >>> t = RawTable.from_frame(pd.DataFrame({"codeCommune": [" 34172 ", ""]}), file="x.csv")
    >>> t.column("CODECOMMUNE").tolist()
    ['34172', nan]
    >>> t.resolve("codecommune"), t.has("siret")
    ('codeCommune', False)
    >>> list(t.canonical(["codecommune"]).frame.columns)
    ['codecommune']
    """

    frame: pd.DataFrame
    rows: np.ndarray
    file: str
    format: str = "frame"
    geometry: gpd.GeoSeries | None = None
    crs: pyproj.CRS | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    sheet: str | None = None
    layer: str | None = None

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def columns_lower(self) -> dict[str, str]:
        """Lower-cased column name -> column name as in the file."""
        return {str(c).lower(): str(c) for c in self.frame.columns}

    def resolve(self, name: str) -> str | None:
        """The file's spelling of column ``name`` (compared without case), or None."""
        return self.columns_lower.get(name.strip().lower())

    def has(self, name: str) -> bool:
        """Whether the file has column ``name`` (compared without case)."""
        return self.resolve(name) is not None

    def column(self, name: str) -> pd.Series:
        """Values of column ``name``, compared without case.

        Raises
        ------
        KeyError
            When the file has no such column; the message lists the columns found.
        """
        real = self.resolve(name)
        if real is None:
            found = ", ".join(map(str, self.frame.columns)) or "(none)"
            raise KeyError(f"{self.file}: no column '{name}'; columns found: {found}")
        return self.frame[real]

    def canonical(self, names: Iterable[str]) -> RawTable:
        """A copy whose columns matching ``names`` (without case) are spelt as in ``names``.

        Importers call it with the column names of their format so that
        ``Commune`` or ``SIRET`` in a user's file become ``commune`` and
        ``siret``; other columns keep their spelling. Values are shared, not copied.
        """
        lower = self.columns_lower
        mapping = {lower[n.lower()]: n for n in names if n.lower() in lower}
        frame = self.frame.rename(columns=mapping) if mapping else self.frame
        return replace(self, frame=frame)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        rows: Sequence[int] | np.ndarray | None = None,
        file: str = "<table>",
        decimal: str = ".",
        geometry: gpd.GeoSeries | None = None,
        crs: Any = None,
    ) -> RawTable:
        """Build a table from a DataFrame (values turned into stripped text, blanks to NaN).

        Parameters
        ----------
        frame : DataFrame
            Any values; numbers become text as :func:`read_table` writes them
            (``31555`` not ``31555.0``), dates ISO 8601.
        rows : sequence of int, optional
            Row numbers in the source file; default 1..n.
        file : str
            Name shown in messages.
        decimal : str
            Decimal mark of the text values.
        geometry : GeoSeries, optional
            One geometry per row.
        crs : optional
            CRS of ``geometry`` (default: the GeoSeries' own CRS).
        """
        if decimal not in (",", "."):
            raise ValueError(f"decimal must be ',' or '.', got {decimal!r}")
        names = [_header_text(c) or "" for c in frame.columns]
        _check_names(names, file, require=False)
        text = _frame_as_text(frame, names)
        n = len(text)
        row_numbers = (
            np.arange(1, n + 1, dtype=np.int64) if rows is None else np.asarray(rows, np.int64)
        )
        if len(row_numbers) != n:
            raise ValueError(f"rows has {len(row_numbers)} numbers for {n} rows")
        geom = None
        out_crs = None
        if geometry is not None:
            import geopandas as gpd

            geom = gpd.GeoSeries(np.asarray(geometry), index=text.index,
                                 crs=crs if crs is not None else getattr(geometry, "crs", None))
            out_crs = geom.crs
        return cls(text, row_numbers, file, "frame", geom, out_crs, decimal=decimal)


# ---------------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------------
class ParsedNumbers(NamedTuple):
    """Result of :func:`to_number`: unpack it as ``values, invalid = to_number(...)``."""

    values: pd.Series
    """Float values; NaN where blank or invalid."""
    invalid: pd.Series
    """True where a non-blank value is not a number."""


_SPACES = "[ \u00a0\u202f\u2009]"  # space, no-break space, narrow no-break space, thin space


def _number_patterns(dec: str) -> list[tuple[re.Pattern[str], str, str]]:
    """(pattern, thousands characters to remove, character to turn into '.') by form.

    ``dec`` is the decimal mark of the file, ``grp`` the other mark. Forms, in order:
    plain (for a sign written U+2212); space-grouped thousands; ``grp``-grouped
    thousands with a fraction or with at least two groups; ``grp`` used as the
    decimal mark, unless the value could be a thousands group (``1.234`` in a
    decimal-comma file is ambiguous, hence invalid).
    """
    grp = "." if dec == "," else ","
    d, g = re.escape(dec), re.escape(grp)
    exp = "(?:[eE][+-]?[0-9]+)?"
    lead = "[+-]?[1-9][0-9]{0,2}"
    return [
        (re.compile(f"[+-]?(?:[0-9]+(?:{d}[0-9]*)?|{d}[0-9]+){exp}"), "", d),
        (re.compile(f"{lead}(?:{_SPACES}[0-9]{{3}})+(?:[.,][0-9]*)?"), _SPACES, "[.,]"),
        (re.compile(f"{lead}(?:(?:{g}[0-9]{{3}})+{d}[0-9]*|(?:{g}[0-9]{{3}}){{2,}})"), g, d),
        (re.compile(f"(?!{lead}{g}[0-9]{{3}}$)[+-]?(?:[0-9]+{g}[0-9]*|{g}[0-9]+){exp}"), "", g),
    ]


def to_number(values: pd.Series | Sequence[Any], decimal: str = ".") -> ParsedNumbers:
    """Convert text to floats, French formats included, and say which values are not numbers.

    Accepted, with ``decimal=","`` (and symmetrically with ``"."``):
    ``1234,5``; ``1 234,5`` with a space, a no-break space (U+00A0), a narrow
    no-break space (U+202F) or a thin space between thousands; ``1.234.567,5``;
    ``1234.5`` and ``0.125`` (a lone dot is a decimal point); a sign ``+``,
    ``-`` or ``−`` (U+2212); an exponent as Excel writes it (``1,5E-05``).
    Refused (marked invalid): ``1.234`` in a decimal-comma file (``1,234`` in a
    decimal-point file), which could be a thousands group; units (``12 %``,
    ``3 km``); anything else that is not a number, including ``inf`` and ``nan``.

    Parameters
    ----------
    values : Series or sequence
        Text values (None, NaN and blank strings are blank). A numeric Series is
        returned as floats.
    decimal : {".", ","}
        Decimal mark of the file (:attr:`RawTable.decimal`).

    Returns
    -------
    ParsedNumbers
        ``values`` (float64, NaN where blank or invalid) and ``invalid``
        (bool: non-blank and not a number), both indexed like the input.

    Examples
    --------
    >>> v, bad = to_number(["1 234,5", "1234,5", "1234.5", "", "12 %", "1.234"], ",")
    >>> v.tolist()
    [1234.5, 1234.5, 1234.5, nan, nan, nan]
    >>> bad.tolist()
    [False, False, False, False, True, True]
    """
    if decimal not in (",", "."):
        raise ValueError(f"decimal must be ',' or '.', got {decimal!r}")
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)):
        out = s.astype("float64")
        return ParsedNumbers(out, pd.Series(False, index=s.index, name=s.name))
    arr = s.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) not in ("string", "empty"):
        arr = np.array([None if _is_missing(x) else str(x) for x in arr], dtype=object)
    t = pd.Series(arr, dtype=object).str.strip()
    blank = t.isna().to_numpy() | t.eq("").to_numpy(dtype=bool, na_value=False)
    other = "." if decimal == "," else ","
    # common case, vectorised in C: no thousands mark and no other mark
    simple = ~blank & ~t.str.contains(other, regex=False).to_numpy(dtype=bool, na_value=False)
    out_v = np.full(len(t), np.nan)
    if simple.any():
        sub = t[simple]
        if decimal == ",":
            sub = sub.str.replace(",", ".", regex=False)
        out_v[simple] = pd.to_numeric(sub, errors="coerce").to_numpy(dtype=float)
    # the other forms (thousands groups, the other mark, U+2212), by pattern
    rest = ~blank & np.isnan(out_v)
    if rest.any():
        sub = t[rest].str.replace("\u2212", "-", regex=False)
        sub_v = np.full(len(sub), np.nan)
        done = np.zeros(len(sub), dtype=bool)
        for pattern, remove, to_point in _number_patterns(decimal):
            hit = sub.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False) & ~done
            if not hit.any():
                continue
            norm = sub[hit]
            if remove:
                norm = norm.str.replace(remove, "", regex=True)
            norm = norm.str.replace(to_point, ".", regex=True)
            sub_v[hit] = pd.to_numeric(norm, errors="coerce").to_numpy(dtype=float)
            done |= hit
        out_v[rest] = sub_v
    out_v[~np.isfinite(out_v)] = np.nan
    invalid = ~blank & np.isnan(out_v)
    return ParsedNumbers(
        pd.Series(out_v, index=s.index, name=s.name),
        pd.Series(invalid, index=s.index, name=s.name),
    )


# ---------------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------------
def read_table(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    sheet: str | int | None = None,
    dtype_str: bool = True,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
) -> RawTable:
    """Read a CSV, Excel, GeoJSON or GeoPackage file into a :class:`RawTable`.

    Parameters
    ----------
    path : str or Path
        The file; its extension gives the format (:data:`SUPPORTED_FORMATS`).
    layer : str, optional
        GeoPackage / GeoJSON layer. Required when a GeoPackage holds several
        data layers (QGIS's ``layer_styles`` table does not count); when given,
        it must exist (the case of its name does not matter).
    sheet : str or int, optional
        Excel sheet, by name or 0-based position; default the first sheet.
    dtype_str : bool
        True (default): every value stays text, as importers expect. False:
        columns whose every non-blank value is a number (read with the file's
        decimal mark) become ``Int64`` or ``float64``, except code-like columns
        with a leading zero (``01001``); for quick exploration.
    encoding : str, optional
        CSV only: force the encoding instead of detecting it (``"cp850"`` for
        old DOS exports); the whole file must decode with it.
    delimiter : str, optional
        CSV only: force the separator.
    decimal : {",", "."}, optional
        CSV only: force the decimal mark instead of detecting it.

    Returns
    -------
    RawTable

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    InputFormatError
        Unknown extension; bytes that no supported encoding reads; rows whose
        number of fields differs from the header's (the rows are listed);
        duplicate or missing column names; unreadable workbook; missing sheet
        or layer; a spatial layer without CRS; zero-byte file. A CSV with a
        header and no data row is an empty table, not an error.

    Notes
    -----
    Excel keeps a number as a number: a code typed as a number (``1001`` for
    the commune ``01001``) has lost its leading zero in the workbook itself
    and is read as ``"1001"``; codes stored as text keep it. Importers pad
    INSEE codes. Integral numbers read as integers (``"31555"``, not
    ``"31555.0"``), dates as ISO 8601 (``"2024-03-01"``), booleans as
    ``"true"``/``"false"``; a formula reads as the value Excel last computed
    (none when the workbook was never opened in a spreadsheet program).

    Examples
    --------
    >>> import pathlib, shutil, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> data = "id;nom;capacité\\nA1;Chaîne;12,5\\n".encode("cp1252")
    >>> _ = (folder / "acteurs.csv").write_bytes(data)
    >>> t = read_table(folder / "acteurs.csv")
    >>> t.encoding, t.delimiter, t.decimal, t.rows.tolist()
    ('cp1252', ';', ',', [1])
    >>> t.frame.to_dict("records")
    [{'id': 'A1', 'nom': 'Chaîne', 'capacité': '12,5'}]
    >>> shutil.rmtree(folder)
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    if p.is_dir():
        raise InputFormatError(f"{p}: is a folder, not a file")
    name = p.name
    ext = p.suffix.lower()
    if ext not in SUPPORTED_FORMATS:
        listed = ", ".join(f"{e} ({what})" for e, what in SUPPORTED_FORMATS.items())
        hint = _UNSUPPORTED_HINTS.get(ext, f"the extension '{ext or '(none)'}' is not supported")
        raise InputFormatError(f"{name}: {hint}. Supported formats: {listed}")
    if decimal not in (None, ",", "."):
        raise ValueError(f"decimal must be ',' or '.', got {decimal!r}")
    if ext in _CSV_EXTENSIONS:
        if layer is not None or sheet is not None:
            raise InputFormatError(f"{name}: a CSV file has no layers nor sheets "
                                   "(layer= is for GeoPackage, sheet= for Excel)")
        table = _read_csv(p, name, encoding=encoding, delimiter=delimiter, decimal=decimal)
    else:
        if encoding is not None or delimiter is not None or decimal is not None:
            raise InputFormatError(f"{name}: encoding=, delimiter= and decimal= apply to CSV "
                                   "files only")
        if ext in _EXCEL_EXTENSIONS:
            if layer is not None:
                raise InputFormatError(f"{name}: an Excel workbook has sheets, not layers "
                                       "(use sheet=)")
            table = _read_excel(p, name, sheet)
        else:
            if sheet is not None:
                raise InputFormatError(f"{name}: a {_GEO_EXTENSIONS[ext]} file has layers, not "
                                       "sheets (use layer=)")
            table = _read_geo(p, name, layer, _GEO_EXTENSIONS[ext])
    if not dtype_str:
        table = replace(table, frame=_infer_numbers(table.frame, table.decimal))
    return table


# ---------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Encoding:
    label: str  # reported in RawTable.encoding
    codec: str  # codec of ``data`` as handed to the parser
    data: bytes  # the bytes to parse (UTF-16 is re-encoded to UTF-8)
    start: int  # offset of the text after the BOM


def _read_csv(path: Path, name: str, *, encoding: str | None, delimiter: str | None,
              decimal: str | None) -> RawTable:
    raw = path.read_bytes()
    if not raw:
        raise InputFormatError(f"{name}: the file is empty (0 bytes)")
    enc = _detect_encoding(raw, name, encoding)
    data, start = enc.data, enc.start
    # Excel's "sep=;" hint line
    m = re.match(rb"(?i)sep=([^\r\n])\r?\n", data[start:start + 8])
    if m:
        delimiter = delimiter or m.group(1).decode("ascii", "replace")
        start += m.end()
    # leading blank lines
    while start < len(data) and data[start] in (0x0A, 0x0D):
        start += 1
    if start >= len(data):
        raise InputFormatError(f"{name}: the file has no header line (it holds only blank "
                               "lines or a byte-order mark)")
    sample, truncated = _sample(data, start, enc.codec)
    if delimiter is None:
        delimiter = _detect_delimiter(sample, truncated, name)
    elif len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    records = _sample_records(sample, delimiter, truncated)
    header = [h.strip() for h in records[0]] if records else []
    _check_names(header, name)
    if decimal is None:
        decimal = _detect_decimal(records[1:], delimiter)
    frame, rows = _parse_csv(data, start, enc.codec, delimiter, header, name)
    return RawTable(frame, rows, name, "csv", None, None, enc.label, delimiter, decimal)


def _refuse_binary(data: bytes, name: str) -> None:
    if data.startswith(b"PK\x03\x04"):
        raise InputFormatError(f"{name}: this is a zip archive (an Excel .xlsx workbook?), not "
                               "CSV text: give it its .xlsx extension or export it as CSV")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFormatError(f"{name}: this is an Excel 97-2003 (.xls) workbook, not CSV "
                               "text: save it as .xlsx or export it as CSV")
    nul = data.find(b"\x00", 0, 1 << 16)
    if nul >= 0:
        raise InputFormatError(f"{name}: the file holds NUL bytes (first on line "
                               f"{_line_at(data, nul)}): it is not CSV text (a binary file, "
                               "or UTF-16 text without byte-order mark: re-save it as UTF-8)")


def _detect_encoding(raw: bytes, name: str, forced: str | None) -> _Encoding:
    """Choose how to decode ``raw``; never accept an encoding that fails on some byte."""
    if forced is not None:
        try:
            info = codecs.lookup(forced)
        except LookupError:
            raise ValueError(f"unknown encoding {forced!r}") from None
        pos = _first_decode_error(raw, info.name)
        if pos is not None:
            raise InputFormatError(f"{name}: not {forced}: {_describe_byte(raw, pos)}")
        bom = len(codecs.BOM_UTF8) if info.name == "utf-8-sig" else 0
        if _ascii_compatible(info.name):
            return _Encoding(forced, info.name, raw, bom)
        return _Encoding(forced, "utf-8", raw.decode(info.name).encode("utf-8"), 0)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        pos = _first_decode_error(raw, "utf-16")
        if pos is not None:
            raise InputFormatError(f"{name}: starts with a UTF-16 byte-order mark but is not "
                                   f"UTF-16: {_describe_byte(raw, pos)}")
        return _Encoding("utf-16", "utf-8", raw.decode("utf-16").encode("utf-8"), 0)
    _refuse_binary(raw, name)
    if raw.startswith(codecs.BOM_UTF8):
        pos = _first_decode_error(raw, "utf-8")
        if pos is not None:
            raise InputFormatError(f"{name}: starts with a UTF-8 byte-order mark but is not "
                                   f"UTF-8: {_describe_byte(raw, pos)}")
        return _Encoding("utf-8-sig", "utf-8", raw, len(codecs.BOM_UTF8))
    if raw.isascii():
        return _Encoding("utf-8", "utf-8", raw, 0)
    utf8_pos = _first_decode_error(raw, "utf-8")
    if utf8_pos is None:
        return _Encoding("utf-8", "utf-8", raw, 0)
    found = [p for p in (raw.find(bytes([b])) for b in _CP1252_UNDEFINED) if p >= 0]
    if found:
        cp_pos = min(found)
        hint = _charset_hint(raw)
        raise InputFormatError(
            f"{name}: cannot tell how the text is encoded: it is not UTF-8 "
            f"({_describe_byte(raw, utf8_pos)}) nor Windows-1252 "
            f"({_describe_byte(raw, cp_pos)}, a byte Windows-1252 does not define). {hint}"
            "Re-save the file as 'CSV UTF-8', or give its encoding."
        )
    sig = _utf8_signature(raw)
    if sig is not None:
        raise InputFormatError(
            f"{name}: the file mixes two encodings: line {_line_at(raw, sig)} holds "
            f"UTF-8 text ({_snippet(raw, sig, 'utf-8')!r}) but "
            f"{_describe_byte(raw, utf8_pos)} is not UTF-8 (Windows-1252?). Re-save "
            "every part with the same encoding, preferably 'CSV UTF-8'."
        )
    if any(raw.find(bytes([b])) >= 0 for b in _DOS_BYTES):
        dos = _DOS_WORD.search(raw)
        if dos is not None:
            raise InputFormatError(
                f"{name}: line {_line_at(raw, dos.start())} reads "
                f"{_snippet(raw, dos.start(), 'cp1252')!r} in Windows-1252 but "
                f"{_snippet(raw, dos.start(), 'cp850')!r} in the DOS code page 850: the file "
                "looks like an old DOS export. Re-save it as 'CSV UTF-8', or read it with "
                "encoding='cp850'."
            )
    return _Encoding("cp1252", "cp1252", raw, 0)


def _utf8_signature(raw: bytes) -> int | None:
    """Offset of the first UTF-8 sequence of :data:`_UTF8_SIGNATURE`, or None.

    Searches from the occurrences of the rare lead bytes (``Ã``, ``â€`` in
    Windows-1252) rather than running the pattern over the whole file.
    """
    hits = []
    for lead in (b"\xc3", b"\xe2\x80"):
        pos = raw.find(lead)
        while pos >= 0:
            m = _UTF8_SIGNATURE.match(raw, pos)
            if m is not None:
                hits.append(pos)
                break
            pos = raw.find(lead, pos + 1)
    return min(hits) if hits else None


def _ascii_compatible(codec: str) -> bool:
    probe = "a;,\t|\"\r\n"
    try:
        return probe.encode(codec) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


def _first_decode_error(data: bytes, codec: str) -> int | None:
    """Offset of the first byte ``codec`` cannot decode, or None (bounded memory)."""
    dec = codecs.getincrementaldecoder(codec)(errors="strict")
    view = memoryview(data)
    step = 1 << 24
    for i in range(0, max(len(data), 1), step):
        state = dec.getstate()
        pending = len(state[0]) if isinstance(state[0], bytes | bytearray) else 0
        try:
            dec.decode(view[i:i + step], final=i + step >= len(data))
        except UnicodeDecodeError as exc:
            return max(0, i - pending + exc.start)
    return None


def _charset_hint(raw: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1 << 20]).best()
    if best is None or best.encoding in ("utf_8", "cp1252", "ascii"):
        return ""
    return f"It may be {best.encoding}. "


def _line_at(data: bytes, pos: int) -> int:
    """1-based physical line of byte offset ``pos``."""
    if data.find(b"\n") >= 0:
        return data.count(b"\n", 0, pos) + 1
    return data.count(b"\r", 0, pos) + 1


def _snippet(data: bytes, pos: int, codec: str, width: int = 30) -> str:
    lo = max(data.rfind(b"\n", 0, pos) + 1, pos - width)
    hi = data.find(b"\n", pos)
    hi = min(hi if hi >= 0 else len(data), pos + width)
    return data[lo:hi].decode(codec, "replace").strip("\r")


def _describe_byte(data: bytes, pos: int) -> str:
    line_start = max(data.rfind(b"\n", 0, pos), data.rfind(b"\r", 0, pos)) + 1
    return (f"byte 0x{data[pos]:02X} at line {_line_at(data, pos)}, position "
            f"{pos - line_start + 1}: {_snippet(data, pos, 'cp1252')!r}")


def _sample(data: bytes, start: int, codec: str) -> tuple[str, bool]:
    """Decoded text of the first bytes after ``start``, cut at a line end."""
    end = start + _SAMPLE_BYTES
    if end >= len(data):
        return data[start:].decode(codec), False
    cut = data.rfind(b"\n", start, end)
    if cut < 0:
        cut = data.find(b"\n", end)
        if cut < 0:
            return data[start:].decode(codec), False
    return data[start:cut + 1].decode(codec), True


def _sample_records(sample: str, delimiter: str, truncated: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    with _big_fields():
        records = list(reader)
    if truncated and len(records) > 1:
        records.pop()  # may be cut in the middle of a quoted value
    return records


def _detect_delimiter(sample: str, truncated: bool, name: str) -> str:
    """The separator among ``_DELIMITERS`` that splits every sampled record alike.

    A candidate is consistent when the header splits into at least two fields
    and every sampled record into as many (blank lines aside). One consistent
    candidate wins; several are settled by :class:`csv.Sniffer`, then by the
    number of columns. With none, the candidate giving the header the most
    fields is kept (the ragged rows are then reported); a one-column file gets
    the candidate seen least in its values. A first line of one field above
    records that all split alike is a title, not a header: refused.
    """
    stats: dict[str, tuple[int, int, int]] = {}
    split: dict[str, list[list[str]]] = {}
    for d in _DELIMITERS:
        recs = [r for r in _sample_records(sample, d, truncated)[:_SAMPLE_RECORDS + 1] if r]
        if not recs:
            return ";"
        width = len(recs[0])
        agree = sum(len(r) == width for r in recs[1:])
        stats[d] = (width, agree, len(recs) - 1)
        split[d] = recs
    consistent = [d for d, (w, a, n) in stats.items() if w > 1 and a == n]
    if len(consistent) == 1:
        return consistent[0]
    if consistent:
        try:
            sniffed = csv.Sniffer().sniff(sample[:1 << 16], delimiters="".join(consistent))
            if sniffed.delimiter in consistent:
                return str(sniffed.delimiter)
        except csv.Error:
            pass
        return max(consistent, key=lambda d: stats[d][0])
    for d, recs in split.items():
        body_widths = {len(r) for r in recs[1:]}
        if stats[d][0] == 1 and len(body_widths) == 1 and _looks_like_header(recs[1], d):
            raise InputFormatError(
                f"{name}: the first line ({recs[0][0][:60]!r}) has one field but the lines below "
                f"have {min(body_widths)} (separator {d!r}): the column names must be on the first "
                "line; delete the title lines above them"
            )
    multi = [d for d, (w, _, _) in stats.items() if w > 1]
    if multi:
        return max(multi, key=lambda d: (stats[d][0] > 1, stats[d][1], stats[d][0]))
    body = sample.split("\n", 1)[1] if "\n" in sample else ""
    return min(_DELIMITERS, key=body.count)


def _looks_like_header(fields: list[str], delimiter: str) -> bool:
    """Whether a record below a one-field first line looks like the real header.

    Distinct, non-empty, non-numeric names; with ',' at least three of them (a
    comma inside one-column text is common, a semicolon is not).
    """
    names = [f.strip() for f in fields]
    if len(names) < (3 if delimiter == "," else 2) or not all(names):
        return False
    if len({n.lower() for n in names}) < len(names):
        return False
    return not any(re.fullmatch(r"[-+0-9 .,]+", n) for n in names)


_COMMA_DECIMAL = re.compile(r"[+\-\u2212]?(?:[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+),"
                            r"[0-9]+")
_POINT_DECIMAL = re.compile(r"[+\-]?[0-9]+\.[0-9]+")


def _detect_decimal(records: list[list[str]], delimiter: str) -> str:
    """',' when values like ``12,5`` outnumber values like ``12.5``; on a tie, ',' for ';'."""
    comma = point = 0
    for rec in records:
        for value in rec:
            v = value.strip()
            if _COMMA_DECIMAL.fullmatch(v):
                comma += 1
            elif _POINT_DECIMAL.fullmatch(v):
                point += 1
    if comma != point:
        return "," if comma > point else "."
    return "," if delimiter == ";" else "."


class _big_fields:  # noqa: N801 - used as a context manager
    """Raise the csv module's field size limit (128 KiB) for long text values."""

    def __enter__(self) -> None:
        self.saved = csv.field_size_limit()
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

    def __exit__(self, *exc: object) -> None:
        csv.field_size_limit(self.saved)


@dataclass(frozen=True)
class _Layout:
    """Records of a CSV byte range found with numpy (quotes respected)."""

    starts: np.ndarray  # offset of each record (record 0 is the header)
    content_ends: np.ndarray  # offset where its content ends (before CR/LF)
    ends: np.ndarray  # offset of its terminator (or the end of the data)
    delims: np.ndarray  # offsets of the separators outside quotes
    quotes: np.ndarray  # offsets of the quote characters
    nfields: np.ndarray


def _layout(region: np.ndarray, delimiter: str, has_quotes: bool) -> _Layout | None:
    """Split ``region`` (bytes of an ASCII-compatible encoding) into records.

    A separator or line end is inside a quoted value when an odd number of
    quote characters precede it (RFC 4180 doubles quotes inside values). When
    the file has an odd number of quotes this rule cannot hold and None is
    returned: the caller falls back to the csv module.
    """
    n = len(region)
    quotes = np.flatnonzero(region == ord('"')) if has_quotes else np.empty(0, np.int64)
    if len(quotes) % 2:
        return None
    nl = np.flatnonzero(region == ord("\n"))
    term = ord("\n")
    if not len(nl):
        term = ord("\r")
        nl = np.flatnonzero(region == term)

    def outside(pos: np.ndarray) -> np.ndarray:
        if not len(quotes):
            return pos
        return pos[(np.searchsorted(quotes, pos) & 1) == 0]

    nl = outside(nl)
    delims = outside(np.flatnonzero(region == ord(delimiter)))
    ends = nl if (len(nl) and nl[-1] == n - 1) else np.append(nl, n)
    starts = np.concatenate(([0], nl + 1))[: len(ends)]
    content_ends = ends.copy()
    if term == ord("\n"):
        cr = (ends > starts) & (region[np.maximum(ends - 1, 0)] == ord("\r"))
        content_ends[cr] -= 1
    nfields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    return _Layout(starts, content_ends, ends, delims, quotes, nfields)


_WS_TRAIL = np.zeros(256, dtype=bool)
_WS_TRAIL[[0x20, 0x09, 0x0B, 0x0C, 0xA0, 0xAF, 0x89]] = True  # NBSP, NNBSP, thin space tails
_WS_LEAD = np.zeros(256, dtype=bool)
_WS_LEAD[[0x20, 0x09, 0x0B, 0x0C, 0xA0, 0xC2, 0xE2]] = True  # NBSP / NNBSP first bytes


def _padded_columns(region: np.ndarray, lay: _Layout, delimiter: str) -> set[int]:
    """Columns where some value may start or end with whitespace (a superset).

    Looks only at the bytes next to separators, line ends and quotes.
    """
    trail = _WS_TRAIL.copy()
    lead = _WS_LEAD.copy()
    trail[ord(delimiter)] = lead[ord(delimiter)] = False
    filled = lay.content_ends > lay.starts
    found = []
    for bounds, step, table in (
        (lay.delims, -1, trail), (lay.delims, 1, lead),
        (lay.content_ends[filled], -1, trail), (lay.starts[filled], 0, lead),
        # an even count of quotes precedes an opening quote, an odd count a closing one
        (lay.quotes[1::2], -1, trail), (lay.quotes[0::2], 1, lead),
    ):
        if not len(bounds):
            continue
        pos = bounds + step
        hit = table[np.take(region, pos, mode="clip")]
        found.append(pos[hit])
    pos = np.concatenate(found) if found else np.empty(0, np.int64)
    if not len(pos):
        return set()
    rec = np.searchsorted(lay.starts, pos, side="right") - 1
    first = np.searchsorted(lay.delims, lay.starts[rec])
    col = np.searchsorted(lay.delims, pos) - first
    return {int(c) for c in np.unique(col[rec >= 1])}


def _parse_csv(data: bytes, start: int, codec: str, delimiter: str, header: list[str],
               name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse the records after ``start``.

    Fast path: a numpy pass finds the records and their field counts, pandas'
    C parser reads the values. Whenever the two could disagree (odd number of
    quotes, a record count that differs, rows of the wrong width, whose report
    must be exact) the csv module reads the file instead
    (:func:`_parse_csv_exact`); pandas still runs first to name the row of a
    quote that is never closed, which the csv module would silently swallow.
    Without any quote the numpy pass is exact and reports wrong rows itself.
    """
    width = len(header)
    region = np.frombuffer(data, dtype=np.uint8)[start:]
    lay = None
    has_quotes = data.find(b'"', start) >= 0
    if _ascii_compatible(codec) and ord(delimiter) < 128:
        lay = _layout(region, delimiter, has_quotes)
    pandas_tried = False
    if lay is not None and lay.nfields[0] == width:
        blank = lay.content_ends == lay.starts
        trailing_empty = np.zeros(len(blank), dtype=bool)
        if len(lay.delims):
            last = lay.delims[np.maximum(np.searchsorted(lay.delims, lay.ends) - 1, 0)]
            trailing_empty = (lay.nfields > 1) & (last == lay.content_ends - 1)
        ok = blank | (lay.nfields == width) | ((lay.nfields == width + 1) & trailing_empty)
        bad = np.flatnonzero(~ok[1:]) + 1
        if len(bad) and not has_quotes:  # without quotes the layout is exact
            lines = [_line_at(data, start + int(lay.starts[r])) for r in bad[:_MAX_LISTED]]
            _raise_ragged(name, header, delimiter, bad, lay.nfields[bad], lines)
        if not len(bad):
            extra = bool(((lay.nfields == width + 1) & ~blank)[1:].any())
            pandas_tried = True
            try:
                frame = _pandas_read(data, start, codec, delimiter, width + extra)
            except pd.errors.ParserError as exc:
                _raise_unclosed_quote(exc, name)
                frame = None
            if frame is not None and len(frame) == len(lay.starts) - 1:
                strip = _padded_columns(region, lay, delimiter)
                return _finish_frame(frame.iloc[:, :width], header, strip, name)
    if not pandas_tried:
        try:
            _pandas_read(data, start, codec, delimiter, width)
        except pd.errors.ParserError as exc:
            _raise_unclosed_quote(exc, name)
    return _parse_csv_exact(data, start, codec, delimiter, header, name)


def _pandas_read(data: bytes, start: int, codec: str, delimiter: str,
                 ncols: int) -> pd.DataFrame:
    with warnings.catch_warnings():
        # rows wider than ``ncols`` are found and reported by the callers
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return _pandas_read_csv(data, start, codec, delimiter, ncols)


def _pandas_read_csv(data: bytes, start: int, codec: str, delimiter: str,
                     ncols: int) -> pd.DataFrame:
    return pd.read_csv(
        io.BytesIO(data[start:] if start else data),
        sep=delimiter,
        encoding=codec,
        header=0,
        names=[f"_{i}" for i in range(ncols)],
        index_col=False,
        dtype=object,
        na_values=[""],
        keep_default_na=False,
        skip_blank_lines=False,
        quotechar='"',
        doublequote=True,
        engine="c",
    )


def _raise_unclosed_quote(exc: Exception, name: str) -> None:
    m = re.search(r"EOF inside string starting at row (\d+)", str(exc))
    if m:
        raise InputFormatError(
            f"{name}: row {m.group(1)}: a quote (\") opens a value that is never closed; "
            "double the quotes inside quoted values (\"\") or remove the stray quote"
        ) from None


def _parse_csv_exact(data: bytes, start: int, codec: str, delimiter: str, header: list[str],
                     name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The csv module's reading, for files the fast path cannot split with certainty."""
    width = len(header)
    text = data[start:].decode(codec)
    base = _line_at(data, start) - 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    lines: list[int] = []
    previous = 0
    with _big_fields():
        for rec in reader:
            records.append(rec)
            lines.append(base + previous + 1)
            previous = reader.line_num
    body = records[1:]
    counts = np.array([len(r) for r in body], dtype=np.int64)
    ok = np.array([not r or len(r) == width or (len(r) == width + 1 and r[-1] == "")
                   for r in body], dtype=bool)
    bad = np.flatnonzero(~ok) + 1
    if len(bad):
        _raise_ragged(name, header, delimiter, bad, counts[bad - 1],
                      [lines[r] for r in bad[:_MAX_LISTED]])
    columns = {
        f"_{j}": np.array([r[j] if len(r) > j else "" for r in body], dtype=object)
        for j in range(width)
    }
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(body)), dtype=object)
    return _finish_frame(frame, header, set(range(width)), name)


def _raise_ragged(name: str, header: list[str], delimiter: str, bad: np.ndarray,
                  counts: np.ndarray, lines: list[int]) -> None:
    width = len(header)
    shown = ", ".join(header) if len(header) <= 12 else ", ".join(header[:12]) + ", ..."
    sep = {"\t": "tab", " ": "space"}.get(delimiter, f"'{delimiter}'")
    listed = "\n".join(
        f"  - row {int(r)} (line {line}): {int(c)} field{'s' if c != 1 else ''}"
        for r, c, line in zip(bad[:_MAX_LISTED], counts[:_MAX_LISTED], lines, strict=False)
    )
    more = len(bad) - _MAX_LISTED
    tail = f"\n  ... and {more} more" if more > 0 else ""
    raise InputFormatError(
        f"{name}: {len(bad)} row(s) do not have the {width} fields of the header ({shown}; "
        f"separator {sep}):\n{listed}{tail}\nA value holding the separator must be between "
        "double quotes; a missing or extra separator shifts the columns."
    )


def _finish_frame(raw: pd.DataFrame, header: list[str], strip: set[int],
                  name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Strip the columns in ``strip`` (blank becomes NaN) and assemble the table."""
    arrays = []
    for j in range(len(header)):
        col = raw.iloc[:, j]
        if j in strip:
            col = col.str.strip()
            col = col.where(col.ne(""), np.nan)
        arrays.append(col.to_numpy(dtype=object))
    return _assemble(arrays, header, np.arange(1, len(raw) + 1, dtype=np.int64), name)


def _assemble(arrays: list[np.ndarray], header: list[str], rows: np.ndarray,
              name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Frame from text columns (NaN when blank): drop blank rows, drop or refuse unnamed columns.

    A column without a name in the header is dropped when it is empty (trailing
    separators, formatted empty columns of a spreadsheet) and refused otherwise.
    """
    n = len(rows)
    filled = np.zeros(n, dtype=bool)
    todo = np.arange(n)
    for a in arrays:  # rows not yet known to hold a value, usually few after one column
        if not len(todo):
            break
        has = pd.notna(a[todo])
        filled[todo[has]] = True
        todo = todo[~has]
    keep_all = bool(filled.all())
    columns: dict[str, np.ndarray] = {}
    for j, (h, a) in enumerate(zip(header, arrays, strict=True)):
        if h:
            columns[h] = a if keep_all else a[filled]
            continue
        present = np.flatnonzero(pd.notna(a))
        if len(present):
            raise InputFormatError(
                f"{name}: column {j + 1} has values (first at row {int(rows[present[0]])}) but "
                "no name in the header; name it or delete it"
            )
    size = int(filled.sum())
    if not columns:
        return pd.DataFrame(index=pd.RangeIndex(size)), rows[filled]
    return pd.DataFrame(columns, index=pd.RangeIndex(size), dtype=object), rows[filled]


def _check_names(names: list[str], name: str, require: bool = True) -> None:
    """Refuse a missing header and column names that repeat (without regard to case)."""
    if require and not any(names):
        raise InputFormatError(f"{name}: the header row is empty; the first row must hold the "
                               "column names")
    seen: dict[str, int] = {}
    for j, h in enumerate(names):
        if not h:
            continue
        key = h.lower()
        if key in seen:
            other = names[seen[key]]
            same = "" if other == h else " (column names are compared without regard to case)"
            raise InputFormatError(
                f"{name}: the column name '{h}' appears twice (columns {seen[key] + 1} and "
                f"{j + 1}){same}; rename or delete one"
            )
        seen[key] = j


# ---------------------------------------------------------------------------------
# values as text (Excel, spatial files, from_frame)
# ---------------------------------------------------------------------------------
def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and value != value


def _float_text(value: float) -> str | None:
    if value != value:
        return None
    if value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    return repr(value)


def _cell_text(value: Any) -> str | None:
    """Text of one value as a spreadsheet user would type it; None when blank."""
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _float_text(float(value))
    if isinstance(value, _decimal.Decimal):
        return _float_text(float(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip() or None
    return str(value).strip() or None


def _header_text(value: Any) -> str | None:
    return _cell_text(value)


def _text_values(s: pd.Series) -> np.ndarray:
    """Column of any dtype as an object array of stripped text, NaN when blank."""
    dtype = s.dtype
    na = s.isna().to_numpy()
    out = np.full(len(s), np.nan, dtype=object)
    ok = ~na
    if not ok.any():
        return out
    if pd.api.types.is_bool_dtype(dtype):
        out[ok] = np.where(s[ok].to_numpy(dtype=bool), "true", "false")
    elif pd.api.types.is_integer_dtype(dtype):
        out[ok] = s[ok].to_numpy(dtype=np.int64).astype(str).astype(object)
    elif pd.api.types.is_float_dtype(dtype):
        out[ok] = [_float_text(float(v)) for v in s[ok].to_numpy(dtype=float)]
    else:
        vals = s[ok].to_numpy(dtype=object)
        if pd.api.types.infer_dtype(vals, skipna=True) == "string":
            stripped = pd.Series(vals, dtype=object).str.strip().to_numpy(dtype=object).copy()
            stripped[stripped == ""] = np.nan
            out[ok] = stripped
        else:
            texts = [_cell_text(v) for v in vals]
            out[ok] = [np.nan if t is None else t for t in texts]
    return out


def _frame_as_text(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    columns = {}
    for j, h in enumerate(names):
        values = _text_values(frame.iloc[:, j])
        if h:
            columns[h] = values
        elif pd.notna(values).any():
            raise InputFormatError(f"column {j + 1} has values but no name")
    out = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)), dtype=object)
    if not columns:
        out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    return out


def _infer_numbers(frame: pd.DataFrame, decimal: str) -> pd.DataFrame:
    """Columns whose every non-blank value is a number become Int64 or float64."""
    out = {}
    for c in frame.columns:
        s = frame[c]
        text = s.dropna()
        if text.empty or text.str.match(r"[+-]?0[0-9]").any():
            out[c] = s
            continue
        values, invalid = to_number(s, decimal)
        if invalid.any():
            out[c] = s
        elif np.all(np.mod(values.dropna(), 1) == 0) and values.abs().max() < 2**53:
            out[c] = values.astype("Int64")
        else:
            out[c] = values
    return pd.DataFrame(out, index=frame.index)


# ---------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------
def _read_excel(path: Path, name: str, sheet: str | int | None) -> RawTable:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # styles, data validation and similar extensions openpyxl drops: not our concern
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise InputFormatError(
            f"{name}: not a readable Excel .xlsx workbook ({exc}). A password-protected "
            "workbook must be saved without password; a CSV file must have a .csv extension."
        ) from None
    try:
        sheets = wb.sheetnames
        ws_names = [ws.title for ws in wb.worksheets]
        if not ws_names:
            raise InputFormatError(f"{name}: the workbook has no worksheet")
        title = _choose_sheet(ws_names, sheet, name)
        ws = wb[title]
        ws.reset_dimensions()  # do not trust the stored dimension: read every row
        header: list[str] | None = None
        header_row = 0
        records: list[list[str | None]] = []
        numbers: list[int] = []
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            for row_no, values in enumerate(ws.iter_rows(values_only=True), start=1):
                texts = [_cell_text(v) for v in values]
                if not any(t is not None for t in texts):
                    continue
                if header is None:
                    header = [t or "" for t in texts]
                    header_row = row_no
                    continue
                records.append(texts)
                numbers.append(row_no - 1)
    finally:
        wb.close()
    if header is None:
        other = f" (sheets: {', '.join(sheets)})" if len(sheets) > 1 else ""
        raise InputFormatError(f"{name}: sheet '{title}' is empty{other}")
    named = [h for h in header if h]
    if len(named) == 1 and records and sum(v is not None for v in records[0]) > 1:
        raise InputFormatError(
            f"{name}, sheet '{title}': row {header_row} holds a single cell ({named[0][:60]!r}) "
            f"and row {numbers[0] + 1} several: the column names must be on the first non-empty "
            "row; delete the title rows above them"
        )
    width = max([len(header)] + [len(r) for r in records])
    header = header + [""] * (width - len(header))
    _check_names(header, f"{name}, sheet '{title}', row {header_row}")
    arrays = []
    for j in range(width):
        arrays.append(np.array([r[j] if j < len(r) and r[j] is not None else np.nan
                                for r in records], dtype=object))
    frame, rows = _assemble(arrays, header, np.asarray(numbers, dtype=np.int64),
                            f"{name}, sheet '{title}'")
    return RawTable(frame, rows, name, "xlsx", None, None, decimal=".", sheet=title)


def _choose_sheet(titles: list[str], sheet: str | int | None, name: str) -> str:
    listed = ", ".join(f"'{t}'" for t in titles)
    if sheet is None:
        return titles[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if -len(titles) <= sheet < len(titles):
            return titles[sheet]
        raise InputFormatError(f"{name}: no sheet at position {sheet} (0 is the first); the "
                               f"workbook has {len(titles)}: {listed}")
    if sheet in titles:
        return str(sheet)
    near = [t for t in titles if t.strip().lower() == str(sheet).strip().lower()]
    if len(near) == 1:
        return near[0]
    raise InputFormatError(f"{name}: no sheet named '{sheet}'; sheets: {listed}")


# ---------------------------------------------------------------------------------
# GeoJSON, GeoPackage
# ---------------------------------------------------------------------------------
def _read_geo(path: Path, name: str, layer: str | None, kind: str) -> RawTable:
    import geopandas as gpd
    import pyogrio
    from pyogrio import errors as ogr_errors

    failures = (ogr_errors.DataSourceError, ogr_errors.DataLayerError,
                ogr_errors.FieldError, ogr_errors.GeometryError, ogr_errors.FeatureError,
                ogr_errors.CRSError)
    try:
        listed = pyogrio.list_layers(path)
    except failures as exc:
        reason = str(exc).split(";")[0].replace(str(path), name)
        raise InputFormatError(f"{name}: not a readable {kind} file ({reason})") from None
    layers = [str(row[0]) for row in listed]
    chosen = _choose_layer(layers, layer, name, kind)
    try:
        data = pyogrio.read_dataframe(path, layer=chosen, fid_as_index=True)
    except failures as exc:
        raise InputFormatError(f"{name}: cannot read layer '{chosen}' ({exc})") from None
    geometry = None
    crs = None
    if isinstance(data, gpd.GeoDataFrame) and data.geometry.name in data.columns:
        geom_name = data.geometry.name
        geometry = gpd.GeoSeries(data.geometry.to_numpy(), index=pd.RangeIndex(len(data)),
                                 crs=data.crs, name="geometry")
        crs = data.crs
        attributes = data.drop(columns=geom_name)
        has_geom = bool((~geometry.isna() & ~geometry.is_empty).any())
        if crs is None and has_geom:
            raise InputFormatError(
                f"{name}: layer '{chosen}' has geometries but no coordinate reference system; "
                "set it in QGIS (Layer > Set CRS, e.g. EPSG:2154 for Lambert-93) and save again"
            )
    else:
        attributes = pd.DataFrame(data)
    names = [_header_text(c) or "" for c in attributes.columns]
    _check_names(names, f"{name}, layer '{chosen}'", require=False)
    frame = _frame_as_text(attributes, names)
    if kind == "GeoPackage":
        rows = np.asarray(data.index, dtype=np.int64)
    else:
        rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    fmt = "gpkg" if kind == "GeoPackage" else "geojson"
    return RawTable(frame, rows, name, fmt, geometry, crs, decimal=".", layer=chosen)


def _choose_layer(layers: list[str], layer: str | None, name: str, kind: str) -> str:
    listed = ", ".join(f"'{n}'" for n in layers) or "(none)"
    data_layers = [n for n in layers if n.lower() != _QGIS_STYLE_LAYER]
    if layer is None:
        if len(data_layers) == 1:
            return data_layers[0]
        if not data_layers:
            raise InputFormatError(f"{name}: the {kind} file holds no data layer")
        raise InputFormatError(f"{name}: the {kind} file holds {len(data_layers)} layers; say "
                               f"which one to read (layer=...): {listed}")
    if layer in layers:
        return layer
    near = [n for n in layers if n.lower() == layer.strip().lower()]
    if len(near) == 1:
        return near[0]
    raise InputFormatError(f"{name}: no layer named '{layer}'; layers: {listed}")
