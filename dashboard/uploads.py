"""Bounds of a file uploaded through the dashboard, checked before it is parsed.

The upload limit (``settings.dashboard_upload_max_mb``) bounds the bytes received,
not what they expand to: an Excel workbook is a zip whose members may inflate a
thousand times (one shared string of hundreds of MB in a file of a few hundred
KB). :func:`check_upload` looks at the file without parsing it:

- ``.xlsx`` / ``.xlsm``: the uncompressed sizes of the zip's members, read from its
  directory, must add up to at most ``dashboard_upload_max_uncompressed_mb``
  (Python's zip reader never inflates a member beyond its declared size); then the
  worksheets and shared strings are streamed: no text may be longer than a cell of
  Excel holds (32,767 characters), and the cells (``<c`` elements) are counted;
- CSV: lines times the fields of the first line (an upper bound);
- GeoJSON: the ``:`` of the text (at least one per property value, an upper bound);
- GeoPackage: rows times columns of its data tables (SQLite, read-only).

At most ``dashboard_upload_max_cells`` cells are accepted. :func:`shorten` cuts the
long values of an error report (a column name of 20 MB repeated in every message).

Examples
--------
>>> shorten("x" * 500, 20)
'xxxxxxxxxxxxxxxxx… (500 characters)'
"""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path

from ecosystem.settings import get_settings

__all__ = ["UploadTooLargeError", "check_upload", "count_cells", "shorten",
           "EXCEL_EXTENSIONS", "CSV_EXTENSIONS", "JSON_EXTENSIONS"]

EXCEL_EXTENSIONS: tuple[str, ...] = (".xlsx", ".xlsm")
CSV_EXTENSIONS: tuple[str, ...] = (".csv", ".txt", ".tsv")
JSON_EXTENSIONS: tuple[str, ...] = (".geojson", ".json")
#: Most members of an uploaded workbook (a workbook has a few dozen).
MAX_ZIP_MEMBERS = 10_000
#: A cell of a worksheet: ``<c`` (any namespace prefix) then a space, ``>`` or ``/``.
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CHUNK = 1 << 20
#: Longest text of a cell in Excel: 32,767 characters ("Excel specifications and
#: limits"); in the XML, at most 8 bytes a character (an entity such as ``&quot;`` or
#: a 4-byte UTF-8 character), so a longer run of bytes without a tag is no cell's.
EXCEL_MAX_CELL_CHARS = 32_767
_MAX_TEXT_BYTES = EXCEL_MAX_CELL_CHARS * 8
_MIB = 1024 * 1024


class UploadTooLargeError(ValueError):
    """An uploaded file whose content exceeds the dashboard's bounds."""


def shorten(text: str, limit: int = 200) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[: max(1, limit - 3)]}… ({len(text)} characters)"


def _scan_xml(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: int) -> int:
    """Cells of a worksheet's XML (0 for shared strings), streamed; refuses a text
    longer than any cell's."""
    cells = 0
    tail = b""
    run = 0  # bytes since the last "<"
    with z.open(info) as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            last = chunk.rfind(b"<")
            if last < 0:
                run += len(chunk)
            else:
                first = chunk.find(b"<")
                longest = max((len(p) for p in chunk[first + 1:last].split(b"<")), default=0)
                run = max(run + first, longest)
                if run <= _MAX_TEXT_BYTES:
                    run = len(chunk) - last - 1
            if run > _MAX_TEXT_BYTES:
                raise UploadTooLargeError(
                    f"{name}: {info.filename} holds a text of more than "
                    f"{EXCEL_MAX_CELL_CHARS:,} characters, more than a cell of Excel "
                    "holds".replace(",", " "))
            data = tail + chunk
            # a cell tag may straddle two chunks: keep the last bytes for the next round
            cut = max(0, len(data) - 64)
            cells += len(_CELL.findall(data, 0, cut))
            tail = data[cut:]
            if cells > budget:
                return cells
    return cells + len(_CELL.findall(tail))


def _excel_cells(path: Path, name: str, max_bytes: int, max_cells: int) -> int | None:
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return None  # not a zip: the reader says the file is not a workbook
    with z:
        members = z.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadTooLargeError(f"{name}: the workbook holds {len(members)} parts; "
                                      f"expected at most {MAX_ZIP_MEMBERS}")
        total = sum(m.file_size for m in members)
        if total > max_bytes:
            raise UploadTooLargeError(
                f"{name}: the workbook expands to {total / _MIB:.0f} MB once uncompressed; "
                f"expected at most {max_bytes / _MIB:.0f} MB "
                "(settings.dashboard_upload_max_uncompressed_mb)")
        cells = 0
        for m in members:
            sheet = m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml")
            if sheet or m.filename.lower().endswith("sharedstrings.xml"):
                try:
                    found = _scan_xml(z, m, name, max_cells - cells)
                except (zipfile.BadZipFile, OSError, EOFError, RuntimeError,
                        NotImplementedError):
                    return None  # damaged: the reader reports it
                cells += found if sheet else 0
                if cells > max_cells:
                    break
        return cells


def _csv_cells(path: Path) -> int:
    lines = 0
    first = b""
    with path.open("rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            if not first:
                first = chunk.split(b"\n", 1)[0]
            lines += chunk.count(b"\n")
    fields = 1 + max(first.count(sep) for sep in (b";", b",", b"\t", b"|"))
    return (lines + 1) * fields


def _json_cells(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            n += chunk.count(b":")
    return n


def _gpkg_cells(path: Path) -> int | None:
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type IN "
            "('features', 'attributes')")]
        cells = 0
        for t in tables:
            quoted = '"' + str(t).replace('"', '""') + '"'
            cols = len(con.execute(f"PRAGMA table_info({quoted})").fetchall())
            rows = con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]
            cells += int(rows) * cols
        return cells
    except sqlite3.Error:
        return None  # not a GeoPackage: the reader says so
    finally:
        con.close()


def count_cells(path: str | Path, name: str | None = None,
                max_uncompressed_bytes: int | None = None,
                max_cells: int | None = None) -> int | None:
    """An upper bound of the cells of a file, without parsing it (None when the file
    is not of its extension's format: the reader then reports it).

    Raises
    ------
    UploadTooLargeError
        A workbook whose members expand beyond ``max_uncompressed_bytes``.
    """
    p = Path(path)
    shown = name or p.name
    s = get_settings()
    max_bytes = int(s.dashboard_upload_max_uncompressed_mb * _MIB) \
        if max_uncompressed_bytes is None else max_uncompressed_bytes
    limit = s.dashboard_upload_max_cells if max_cells is None else max_cells
    ext = p.suffix.lower()
    if ext in EXCEL_EXTENSIONS:
        return _excel_cells(p, shown, max_bytes, limit)
    if ext in CSV_EXTENSIONS:
        return _csv_cells(p)
    if ext in JSON_EXTENSIONS:
        return _json_cells(p)
    if ext == ".gpkg":
        return _gpkg_cells(p)
    return None


def check_upload(path: str | Path, name: str | None = None) -> None:
    """Refuse an uploaded file whose content exceeds the settings' bounds
    (``dashboard_upload_max_uncompressed_mb``, ``dashboard_upload_max_cells``),
    before it is parsed.

    Raises
    ------
    UploadTooLargeError
        Saying what was found and what is accepted.
    """
    p = Path(path)
    shown = name or p.name
    limit = get_settings().dashboard_upload_max_cells
    cells = count_cells(p, shown)
    if cells is not None and cells > limit:
        raise UploadTooLargeError(
            f"{shown}: about {cells:,} cells (rows times columns); expected at most "
            f"{limit:,} (settings.dashboard_upload_max_cells)".replace(",", " "))
