"""Données: the registry's summary, the export of a layer and (staff) the import of files.

- **Summary** (:meth:`ecosystem.registry.Registry.info`, the CLI's ``ecosystem info``):
  layers and their records, firms by year and by département, actors by category.
  The public sees the firm counts that the publication gate publishes
  (:func:`ecosystem.publish.protected_counts`, the table ``n_firms`` and
  ``n_exporters`` at the levels ``departement`` and ``total``): its values, « s »
  for the cells it suppresses, 0 for an empty cell; every département of the
  registry's geography is listed. The page applies no rule of its own.
- **Export** (:func:`ecosystem.export.export_layer`, the CLI's ``ecosystem export``):
  actors, ties, infrastructure and territories for everyone (the public gets the
  ties between actors only: a tie to a firm names the firm); firms for staff only.
- **Import** (staff only): one upload per kind of file, written to a temporary file
  under a safe name keeping its extension, then
  :meth:`~ecosystem.registry.Registry.import_files` under the dashboard's write
  lock, exactly the CLI's ``ecosystem import``: the same validation, the same error
  report (file, row, column, value, expected), and nothing changed on error. Files
  over ``settings.dashboard_upload_max_mb`` are refused in the browser (the upload
  component does not send them) and by the server (HTTP 413); what they expand to is
  bounded before they are parsed (:func:`dashboard.uploads.check_upload`: uncompressed
  size of a workbook, number of cells), and the error report shortens long values.
"""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import abort

from ecosystem import EmptyDataError, InputFormatError, RegistryError, ValidationError
from ecosystem.disclosure import SECRET
from ecosystem.export import export_layer, layer_table, write_table
from ecosystem.formatting import format_number
from ecosystem.publish import TOTAL_CODE, hidden_counts
from ecosystem.registry import ImportReport
from ecosystem.settings import CATEGORIES, get_settings

from .. import components as comp
from ..auth import is_staff, require_staff, staff_output
from ..i18n import category_label, translator
from ..uploads import check_upload, shorten

PATH = "/donnees"
NAV = "nav_data"
STAFF_ONLY = False

__all__ = ["PATH", "NAV", "STAFF_ONLY", "layout", "register", "warm", "summary",
           "safe_filename", "import_upload", "export_bytes", "firm_tables",
           "public_firm_tables", "published_cells", "KINDS",
           "PUBLIC_LAYERS", "STAFF_LAYERS", "FORMATS", "problem_line", "MAX_PROBLEMS_SHOWN"]

#: Components that receive firm-level data or act for staff only.
IMPORT_RESULT = staff_output("data-import-result")
FIRMS_DOWNLOAD = staff_output("data-export-firms")

#: Kinds of files imported through the page (``Registry.import_files`` arguments).
KINDS: tuple[str, ...] = ("actors", "firms", "relations", "infrastructure", "broadband")
#: Layers everyone may export; staff may also export the firms.
PUBLIC_LAYERS: tuple[str, ...] = ("actors", "relations", "infrastructure", "territories",
                                  "broadband")
STAFF_LAYERS: tuple[str, ...] = ("firms",)
FORMATS: tuple[str, ...] = ("csv", "xlsx", "geojson", "gpkg")
#: Extensions the importer reads (ecosystem.readers.SUPPORTED_FORMATS).
EXTENSIONS: tuple[str, ...] = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".geojson", ".json",
                               ".gpkg")

TEXT = {
    "title": ("Données", "Data"),
    "intro": ("Contenu du registre, export des couches pour QGIS ou un tableur, et import de "
              "fichiers par le personnel, avec les mêmes contrôles que la commande "
              "« ecosystem import ».",
              "What the registry holds, export of its layers for QGIS or a spreadsheet, and "
              "import of files by staff, with the same checks as the 'ecosystem import' "
              "command."),
    "summary": ("Contenu du registre", "Registry content"),
    "synthetic_registry": ("Ce registre contient des données synthétiques (démonstration) : "
                           "les PME et les liens sont générés.",
                           "This registry holds synthetic data (demonstration): SMEs and "
                           "ties are generated."),
    "layers": ("Couches", "Layers"),
    "layer": ("Couche", "Layer"),
    "records": ("Enregistrements", "Records"),
    "layer_actors": ("Acteurs", "Actors"),
    "layer_firms": ("PME (observations annuelles)", "SMEs (yearly observations)"),
    "layer_relations": ("Liens", "Ties"),
    "layer_infrastructure": ("Infrastructures", "Infrastructure"),
    "layer_territories": ("Territoires", "Territories"),
    "layer_broadband": ("Très haut débit (communes)", "Broadband (municipalities)"),
    "layer_import_log": ("Journal des imports", "Import log"),
    "firms_by_year": ("PME actives par année", "Active SMEs by year"),
    "firms_by_dep": ("PME actives par département et par année",
                     "Active SMEs by département and year"),
    "actors_by_cat": ("Acteurs par catégorie", "Actors by category"),
    "year_col": ("Année", "Year"),
    "firms_col": ("PME", "SMEs"),
    "exporting_col": ("dont exportatrices", "of which exporting"),
    "local_col": ("non exportatrices", "not exporting"),
    "dep_col": ("Département", "Département"),
    "cat_col": ("Catégorie", "Category"),
    "actors_col": ("Acteurs", "Actors"),
    "total": ("Total", "Total"),
    "files": ("Fichiers", "Files"),
    "export": ("Exporter une couche", "Export a layer"),
    "export_intro": ("Même fichier que la commande « ecosystem export » : CSV au format des "
                     "tableurs français (« ; », virgule décimale), Excel, GeoJSON (WGS84) ou "
                     "GeoPackage (Lambert-93).",
                     "Same file as the 'ecosystem export' command: CSV in the French "
                     "spreadsheet dialect (';', decimal comma), Excel, GeoJSON (WGS84) or "
                     "GeoPackage (Lambert-93)."),
    "export_public_note": ("Vue publique : les liens exportés sont ceux entre acteurs ; les "
                           "PME et leurs liens sont réservés au personnel connecté.",
                           "Public view: the exported ties are those between actors; SMEs "
                           "and their ties are for signed-in staff only."),
    "format": ("Format", "Format"),
    "fmt_csv": ("CSV (tableur français)", "CSV (French spreadsheet)"),
    "fmt_xlsx": ("Excel (.xlsx)", "Excel (.xlsx)"),
    "fmt_geojson": ("GeoJSON (WGS84)", "GeoJSON (WGS84)"),
    "fmt_gpkg": ("GeoPackage (Lambert-93)", "GeoPackage (Lambert-93)"),
    "export_year": ("Actifs en (facultatif)", "Active in (optional)"),
    "all_years": ("toutes les années", "every year"),
    "export_button": ("Exporter", "Export"),
    "import": ("Importer des fichiers", "Import files"),
    "import_intro": ("Chaque fichier est lu et contrôlé en entier avant toute écriture : au "
                     "moindre problème, rien n'est importé et la liste des problèmes "
                     "(fichier, ligne, colonne, valeur, attendu) s'affiche. Formats : CSV, "
                     "Excel, GeoJSON, GeoPackage ; {limit} Mo au plus par fichier.",
                     "Every file is read and checked in full before anything is written: at "
                     "the first problem nothing is imported and the list of problems (file, "
                     "row, column, value, expected) is shown. Formats: CSV, Excel, GeoJSON, "
                     "GeoPackage; at most {limit} MB per file."),
    "import_year": ("Année d'observation (si le fichier n'a pas de colonne « year »)",
                    "Observation year (when the file has no 'year' column)"),
    "kind_actors": ("Acteurs", "Actors"),
    "kind_firms": ("PME", "SMEs"),
    "kind_relations": ("Liens", "Ties"),
    "kind_infrastructure": ("Infrastructures", "Infrastructure"),
    "kind_broadband": ("Très haut débit", "Broadband"),
    "drop": ("Déposer un fichier ici ou cliquer pour le choisir",
             "Drop a file here or click to choose it"),
    "too_large": ("Fichier trop volumineux (limite {limit} Mo) : {name}. Rien n'a été importé.",
                  "File too large (limit {limit} MB): {name}. Nothing was imported."),
    "bad_upload": ("Le fichier reçu est illisible (envoi interrompu ?) : {name}.",
                   "The file received cannot be read (interrupted upload?): {name}."),
    "problems": ("{n} problème(s) trouvé(s) dans {name} : rien n'a été importé, le registre "
                 "est inchangé.",
                 "{n} problem(s) found in {name}: nothing was imported, the registry is "
                 "unchanged."),
    "refused": ("Fichier refusé, rien n'a été importé : {msg}",
                "File refused, nothing was imported: {msg}"),
    "imported": ("Import réussi : {files}", "Imported: {files}"),
    "layer_line": ("{layer} : {added} ajouté(s), {updated} mis à jour",
                   "{layer}: {added} added, {updated} updated"),
    "merges": ("{n} doublon(s) fusionné(s) :", "{n} duplicate(s) merged:"),
}
t = translator(TEXT)


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------
def _dep_names(data: Any) -> dict[str, str]:
    terr = data.territories("departement")
    return dict(zip(terr["code"], terr["name"], strict=True))


def firm_tables(info: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The firm counts of :meth:`Registry.info`, for staff (not published as they are).

    Returns (by year: index years, columns ``firms``, ``exporting``, ``local``;
    by département: index départements then ``Total``, columns years).

    Examples
    --------
    >>> info = {"years": [2025], "firms_by_year": {2025: 12}, "exporters_by_year": {2025: 2},
    ...         "firms_by_departement": {"09": {2025: 2}, "11": {2025: 10}}}
    >>> by_year, by_dep = firm_tables(info)
    >>> by_year.loc[2025].tolist(), by_dep[2025].tolist()
    ([12, 2, 10], [2, 10, 12])
    """
    years = [int(y) for y in info["years"]]
    firms = pd.Series({y: int(info["firms_by_year"].get(y, 0)) for y in years}, dtype="int64")
    exp = pd.Series({y: int(info["exporters_by_year"].get(y, 0)) for y in years},
                    dtype="int64")
    deps = sorted(info["firms_by_departement"])
    by_dep = pd.DataFrame([[int(info["firms_by_departement"][d].get(y, 0)) for y in years]
                           for d in deps], index=deps, columns=years, dtype="int64")
    by_year = pd.DataFrame({"firms": firms, "exporting": exp, "local": firms - exp},
                           index=years).astype(object)
    by_dep = pd.concat([by_dep, by_dep.sum().to_frame(TOTAL_CODE).T]).astype(object)
    return by_year, by_dep


def published_cells(counts: pd.DataFrame, table: str, level: str,
                    codes: Sequence[str]) -> list[Any]:
    """The cells ``codes`` of a protected table as the gate publishes them: its value,
    :data:`~ecosystem.disclosure.SECRET` where it suppresses the cell
    (:func:`ecosystem.publish.hidden_counts`), 0 for an empty cell (not listed).

    Examples
    --------
    >>> counts = pd.DataFrame({"table": ["n_firms"] * 2, "level": ["departement"] * 2,
    ...                        "code": ["09", "11"], "value": [2.0, 10.0],
    ...                        "n_firms": [2, 10], "status": ["primary", "safe"]})
    >>> published_cells(counts, "n_firms", "departement", ["09", "11", "12"])
    ['s', 10, 0]
    """
    sel = counts[counts["table"].eq(table) & counts["level"].eq(level)]
    values = pd.Series(sel["value"].to_numpy(), index=sel["code"].astype(str).to_numpy())
    hidden = hidden_counts(counts, table, level, codes)
    return [SECRET if hide else int(round(float(values.get(str(c), 0))))
            for c, hide in zip(codes, hidden, strict=True)]


def public_firm_tables(data: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The firm counts of the summary as the publication gate publishes them.

    Same shapes as :func:`firm_tables`, from
    :meth:`~dashboard.data.DashboardData.protected_counts` of each year: ``firms`` and
    ``exporting`` are the cells of the tables ``n_firms`` and ``n_exporters`` at the
    level ``total``; ``local`` is their difference when both are published; the
    départements are every département of the registry's geography (cells of
    ``n_firms`` at the level ``departement``), then ``Total``.
    """
    years = [int(y) for y in data.years()]
    deps = [str(c) for c in data.territories("departement")["code"]]
    year_rows: dict[int, list[Any]] = {}
    columns: dict[int, list[Any]] = {}
    for y in years:
        counts = data.protected_counts(y)
        firms = published_cells(counts, "n_firms", "total", [TOTAL_CODE])[0]
        exp = published_cells(counts, "n_exporters", "total", [TOTAL_CODE])[0]
        local = SECRET if SECRET in (firms, exp) else firms - exp
        year_rows[y] = [firms, exp, local]
        columns[y] = [*published_cells(counts, "n_firms", "departement", deps), firms]
    by_year = pd.DataFrame.from_dict(year_rows, orient="index",
                                     columns=["firms", "exporting", "local"]).astype(object)
    by_dep = pd.DataFrame(columns, index=[*deps, TOTAL_CODE]).astype(object)
    return by_year, by_dep


def _table(header: list[str], rows: list[list[Any]], table_id: str, lang: str,
           total_last: bool = False) -> html.Table:
    """A small summary table; numbers in the user's format, « s » as is."""
    def cell(v: Any, first: bool) -> html.Td:
        if first:
            return html.Td(v, className="label")
        return html.Td(format_number(v, lang, 0), className="num secret" if v == SECRET else "num")

    body = [html.Tr([cell(v, j == 0) for j, v in enumerate(r)],
                    className="total" if total_last and i == len(rows) - 1 else None)
            for i, r in enumerate(rows)]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(body)],
                      id=table_id, className="summary-table")


def summary(data: Any, lang: str, staff: bool) -> list[Any]:
    """The registry summary (Registry.info), with disclosure control for the public."""
    info = data.info()
    public = not staff
    out: list[Any] = []
    if info.get("synthetic"):
        out.append(html.P(t("synthetic_registry", lang), className="data-synthetic",
                          id="data-synthetic"))
    by_year, by_dep = public_firm_tables(data) if public else firm_tables(info)
    layer_rows = []
    for layer, n in info["layers"].items():
        if layer == "firms" and public:  # the yearly totals the gate publishes, summed
            totals = by_year["firms"].tolist()
            n = SECRET if SECRET in totals else sum(totals)
        layer_rows.append([t(f"layer_{layer}", lang), n])
    year_rows = [[str(y), *by_year.loc[y].tolist()] for y in by_year.index]
    names = _dep_names(data)
    dep_rows = [[t("total", lang) if d == TOTAL_CODE else
                 (f"{names[d]} ({d})" if d in names else str(d)), *by_dep.loc[d].tolist()]
                for d in by_dep.index]
    cats = info["actors_by_category"]
    cat_rows = [[category_label(c, lang), int(cats[c])] for c in CATEGORIES if c in cats]
    cat_rows += [[c, int(n)] for c, n in sorted(cats.items()) if c not in CATEGORIES]
    cat_rows.append([t("total", lang), sum(int(n) for n in cats.values())])
    out.append(html.Div([
        comp.card(t("layers", lang), _table([t("layer", lang), t("records", lang)], layer_rows,
                                         "data-layers", lang)),
        comp.card(t("firms_by_year", lang), _table(
            [t("year_col", lang), t("firms_col", lang), t("exporting_col", lang),
             t("local_col", lang)], year_rows, "data-firms-year", lang)),
        comp.card(t("actors_by_cat", lang), _table([t("cat_col", lang), t("actors_col", lang)],
                                                cat_rows, "data-actors-cat", lang,
                                                total_last=True)),
    ], className="grid"))
    out.append(comp.card(t("firms_by_dep", lang), _table(
        [t("dep_col", lang), *[str(y) for y in by_dep.columns]], dep_rows, "data-firms-dep",
        lang, total_last=True), *([comp.secret_note(lang)] if public else []),
        card_id="data-dep-card"))
    return out


# ---------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------
def export_bytes(data: Any, layer: str, fmt: str, year: int | None, staff: bool
                 ) -> tuple[bytes, str]:
    """The exported file of ``layer`` and its name, as ``ecosystem export`` writes it.

    The public gets the ties between actors only (a tie to a firm names the firm)
    and never the firms.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if layer not in PUBLIC_LAYERS + STAFF_LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    if layer in STAFF_LAYERS and not staff:
        abort(403)
    name = f"{layer}{'_' + str(int(year)) if year else ''}.{fmt}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        if layer == "relations" and not staff:
            frame = layer_table(data.registry, "relations", year=year)
            actor_ids = set(data.registry.read("actors", columns=["id"])["id"].astype(str))
            keep = (frame["source"].astype(str).isin(actor_ids)
                    & frame["target"].astype(str).isin(actor_ids))
            write_table(frame[keep].reset_index(drop=True), out, fmt=fmt, layer="relations")
        else:
            export_layer(data.registry, layer, fmt, out, year=year)
        return out.read_bytes(), name


# ---------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------
def safe_filename(name: str | None) -> str:
    """A file name safe to write in a temporary folder: the original name without
    its folders, characters other than letters, digits, ``-`` and ``_`` replaced,
    and its extension kept (error reports name the file, the reader needs the
    extension).

    Examples
    --------
    >>> safe_filename("../../etc/pme 2025.csv"), safe_filename("C:\\\\x\\\\Acteurs é.XLSX")
    ('pme_2025.csv', 'Acteurs_é.XLSX')
    >>> safe_filename(".hidden"), safe_filename(None), safe_filename("a.b;rm.csv")
    ('hidden', 'fichier', 'a_b_rm.csv')
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    suffix = Path(base).suffix if base not in ("", ".", "..") else ""
    ext = re.sub(r"[^\w.]", "", suffix)
    stem = base[: len(base) - len(suffix)]
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._-")[:100] or "fichier"
    return stem + ext


def decode_upload(contents: str) -> bytes:
    """The bytes of a dcc.Upload ``contents`` (a data URL, base64)."""
    _, _, b64 = contents.partition(",")
    return base64.b64decode(b64, validate=True)


def import_upload(data: Any, kind: str, filename: str, raw: bytes, year: int | None
                  ) -> ImportReport:
    """Import one uploaded file as ``ecosystem import --<kind> FILE [--year Y]`` would.

    Raises what the import raises (ValidationError, InputFormatError...), and
    :class:`dashboard.uploads.UploadTooLargeError` for a file whose content exceeds
    the dashboard's bounds (checked before it is parsed); nothing is changed then.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of file {kind!r}; expected one of {KINDS}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / safe_filename(filename)
        path.write_bytes(raw)
        check_upload(path)
        with data.write_lock:
            return data.registry.import_files(**{kind: str(path)},  # type: ignore[no-any-return]
                                              year=year)


def _report_box(report: ImportReport, lang: str) -> html.Div:
    lines: list[Any] = [html.Strong(t("imported", lang, files=", ".join(report.files)))]
    items = [html.Li(t("layer_line", lang, layer=t(f"layer_{layer}", lang),
                       added=report.added.get(layer, 0), updated=report.updated.get(layer, 0)))
             for layer in sorted(set(report.added) | set(report.updated))]
    lines.append(html.Ul(items))
    if report.merges:
        lines.append(html.Div(t("merges", lang, n=len(report.merges))))
        lines.append(html.Ul([html.Li(m) for m in report.merges[:50]]))
    return html.Div(lines, className="ok-box", id="data-import-ok", role="status")


#: Problems listed in an import's error report (the CLI lists as many).
MAX_PROBLEMS_SHOWN = 50


def problem_line(problem: Any, limit: int = 500) -> str:
    """One problem of an import as the CLI prints it, a part longer than ``limit``
    characters shortened (a column name or the columns found may be megabytes long).

    Examples
    --------
    >>> from ecosystem import Problem
    >>> problem_line(Problem("a.csv", 3, "n" * 1000, "x", "a number"), 20)
    "a.csv, row 3, column 'nnnnnnnnnnnnnnnnn… (1000 characters)': got 'x', expected a number"
    >>> problem_line(Problem("a.csv", 3, "year", "x", "a number"))
    "a.csv, row 3, column 'year': got 'x', expected a number"
    """
    parts = (problem.file, problem.column or "", problem.value, problem.expected)
    if all(len(str(p)) <= limit for p in parts):
        return str(problem)
    where = shorten(str(problem.file), limit)
    if problem.row is not None:
        where += f", row {problem.row}"
    if problem.column is not None:
        where += f", column '{shorten(str(problem.column), limit)}'"
    return (f"{where}: got {shorten(str(problem.value), limit)!r}, expected "
            f"{shorten(str(problem.expected), limit)}")


def _problems_box(exc: ValidationError, name: str, lang: str) -> html.Div:
    # the lines the CLI prints under "error: N problem(s) found; nothing was imported:",
    # long values shortened
    lines = [problem_line(p) for p in exc.problems[:MAX_PROBLEMS_SHOWN]]
    more = len(exc.problems) - len(lines)
    if more > 0:
        lines.append(f"... and {more} more")
    return html.Div([html.Strong(t("problems", lang, n=len(exc.problems), name=name)),
                     html.Ul([html.Li(ln, className="problem") for ln in lines],
                             className="problems")],
                    className="error-box", id="data-import-errors", role="alert")


def _limit_text(lang: str) -> str:
    mb = get_settings().dashboard_upload_max_mb
    return format_number(mb, lang, 0 if float(mb).is_integer() else 1)


def _limit_bytes() -> int:
    return int(get_settings().dashboard_upload_max_mb * 1024 * 1024)


# ---------------------------------------------------------------------------
# layout and callbacks
# ---------------------------------------------------------------------------
def _export_section(ctx: Any) -> html.Div:
    lang, staff = ctx.lang, ctx.staff
    present = ctx.data.info()["layers"]
    layers = [lay for lay in PUBLIC_LAYERS if lay != "broadband" or present.get(lay)]
    if staff:
        layers = [layers[0], *STAFF_LAYERS, *layers[1:]]
    children: list[Any] = [
        html.P(t("export_intro", lang), className="intro"),
        html.Div([
            html.Label([t("layer", lang), dcc.Dropdown(
                id="data-export-layer", value="actors", clearable=False,
                options=[{"label": t(f"layer_{lay}", lang), "value": lay} for lay in layers])],
                className="control"),
            html.Label([t("format", lang), dcc.Dropdown(
                id="data-export-format", value="csv", clearable=False,
                options=[{"label": t(f"fmt_{f}", lang), "value": f} for f in FORMATS])],
                className="control"),
            html.Label([t("export_year", lang), dcc.Dropdown(
                id="data-export-year", value=None, clearable=True,
                placeholder=t("all_years", lang),
                options=[{"label": str(y), "value": int(y)} for y in ctx.data.years()])],
                className="control"),
            html.Button(t("export_button", lang), id="data-export-button", className="action",
                        n_clicks=0),
        ], className="controls"),
        dcc.Download(id="data-export-download"),
    ]
    if staff:
        children.append(dcc.Download(id=FIRMS_DOWNLOAD))
    else:
        children.append(html.P(t("export_public_note", lang), className="secret-note"))
    return comp.card(t("export", lang), *children, card_id="data-export")


def _import_section(ctx: Any) -> html.Div:
    lang = ctx.lang
    uploads = [html.Div([
        html.Div(t(f"kind_{kind}", lang), className="upload-kind"),
        dcc.Upload(id=f"data-upload-{kind}", max_size=_limit_bytes(), multiple=False,
                   accept=",".join(EXTENSIONS), className="upload-box",
                   className_active="upload-box active", className_reject="upload-box reject",
                   children=html.Div(t("drop", lang))),
    ], className="upload-cell") for kind in KINDS]
    return comp.card(
        t("import", lang),
        html.P(t("import_intro", lang, limit=_limit_text(lang)), className="intro"),
        html.Div(html.Label([t("import_year", lang), dcc.Input(
            id="data-import-year", type="number", min=1900, max=2100, step=1,
            debounce=True)], className="control wide"), className="controls"),
        html.Div(uploads, className="upload-grid"),
        dcc.Store(id="data-upload-config", data={
            "limit": _limit_bytes(), "message": t("too_large", lang, limit=_limit_text(lang),
                                                  name="{name}")}),
        html.Div(id="data-upload-guard", hidden=True),
        html.Div(id="data-import-size", className="data-import-size", role="alert"),
        dcc.Loading(html.Div(id=IMPORT_RESULT), type="dot"),
        card_id="data-import")


def layout(ctx: Any) -> html.Div:
    lang = ctx.lang
    parts: list[Any] = [
        dcc.Store(id="data-lang", data=lang),
        html.H2(t("summary", lang)),
        html.Div(summary(ctx.data, lang, ctx.staff), id="data-summary"),
        html.H2(t("files", lang)), _export_section(ctx),
    ]
    if ctx.staff:
        parts.append(_import_section(ctx))
    return comp.page(t("title", lang), t("intro", lang), *parts, page_id="page-data")


#: Browser side: an upload over the limit is not sent by dcc.Upload (react-dropzone
#: rejects it silently), so the page says why from the file input itself.
_SIZE_GUARD = """
function(cfg) {
    window.__ecosystemUploadCfg = cfg;
    if (!window.__ecosystemUploadGuard) {
        window.__ecosystemUploadGuard = true;
        var check = function(files, target) {
            var c = window.__ecosystemUploadCfg;
            if (!c || !files || !target || !target.closest) { return; }
            if (!target.closest('[id^="data-upload-"]')) { return; }
            for (var i = 0; i < files.length; i++) {
                if (files[i].size > c.limit) {
                    window.dash_clientside.set_props('data-import-size', {
                        children: c.message.replace('{name}', files[i].name)});
                    return;
                }
            }
        };
        document.addEventListener('change', function(e) {
            if (e.target && e.target.type === 'file') { check(e.target.files, e.target); }
        }, true);
        document.addEventListener('drop', function(e) {
            if (e.dataTransfer) { check(e.dataTransfer.files, e.target); }
        }, true);
    }
    return '';
}
"""


def register(app: Any, data: Any) -> None:
    app.clientside_callback(_SIZE_GUARD, Output("data-upload-guard", "children"),
                            Input("data-upload-config", "data"))

    @app.callback(
        Output(IMPORT_RESULT, "children"), Output("data-summary", "children"),
        Output("data-import-size", "children"),
        *[Input(f"data-upload-{k}", "contents") for k in KINDS],
        *[State(f"data-upload-{k}", "filename") for k in KINDS],
        State("data-import-year", "value"), State("data-lang", "data"),
        prevent_initial_call=True)
    def _import(*args: Any) -> tuple[Any, Any, Any]:
        require_staff()
        n = len(KINDS)
        contents, names, year, lang = args[:n], args[n:2 * n], args[2 * n], args[2 * n + 1]
        lang = lang or "fr"
        trigger = ctx.triggered_id
        if not isinstance(trigger, str) or not trigger.startswith("data-upload-"):
            raise PreventUpdate
        kind = trigger.removeprefix("data-upload-")
        i = KINDS.index(kind)
        content, name = contents[i], str(names[i] or "")
        if not content:
            raise PreventUpdate
        try:
            raw = decode_upload(content)
        except (binascii.Error, ValueError):
            return comp.error_box(t("bad_upload", lang, name=name), lang), no_update, ""
        if len(raw) > _limit_bytes():
            return "", no_update, t("too_large", lang, limit=_limit_text(lang), name=name)
        try:
            report = import_upload(data, kind, name, raw, int(year) if year else None)
        except ValidationError as exc:
            return _problems_box(exc, safe_filename(name), lang), no_update, ""
        except (InputFormatError, RegistryError, EmptyDataError, FileNotFoundError,
                ValueError) as exc:
            return (comp.error_box(t("refused", lang, msg=shorten(str(exc), 1000)), lang,
                                   "data-import-errors"), no_update, "")
        return _report_box(report, lang), summary(data, lang, True), ""

    def _export(layer: Any, fmt: Any, year: Any) -> Any:
        content, name = export_bytes(data, str(layer), str(fmt),
                                     int(year) if year else None, is_staff())
        return dcc.send_bytes(content, name)

    @app.callback(
        Output("data-export-download", "data"), Input("data-export-button", "n_clicks"),
        State("data-export-layer", "value"), State("data-export-format", "value"),
        State("data-export-year", "value"), prevent_initial_call=True)
    def _export_public(_: Any, layer: Any, fmt: Any, year: Any) -> Any:
        if layer in STAFF_LAYERS:
            require_staff()  # 403 for the public, whatever the browser sends
            raise PreventUpdate  # staff: the firms go through their own download
        if layer not in PUBLIC_LAYERS:
            raise PreventUpdate
        return _export(layer, fmt, year)

    @app.callback(
        Output(FIRMS_DOWNLOAD, "data"), Input("data-export-button", "n_clicks"),
        State("data-export-layer", "value"), State("data-export-format", "value"),
        State("data-export-year", "value"), prevent_initial_call=True)
    def _export_firms(_: Any, layer: Any, fmt: Any, year: Any) -> Any:
        require_staff()
        if layer not in STAFF_LAYERS:
            raise PreventUpdate
        return _export(layer, fmt, year)


def warm(data: Any) -> None:
    """Read the registry summary and the gate's counts of every year before serving."""
    data.info()
    _dep_names(data)
    for y in data.years():
        data.protected_counts(y)
