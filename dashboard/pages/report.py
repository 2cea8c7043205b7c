"""Rapport: generate the annual territorial report and download it.

The report is the one of ``ecosystem report`` (:func:`report.build_report`): a
public document by construction (every table goes through statistical disclosure
control), so both roles may generate it. Reports are built in a folder of the
server's, one per (registry state, territory, level, year, comparison year,
language), at most one at a time (a report takes tens of seconds of CPU); the
files are served by ``/rapport/fichier/<key>/<name>`` from a fixed list of names,
never from a path the browser sends.

The manifest written by the report holds what is not public: the registry's path,
the settings (the cache folder names the server's user), the software version and
the audit of the suppressed cells. Staff download it whole; the public gets
:func:`public_manifest` (parameters, hashes of the files and registry, the
disclosure rules and the number of suppressed cells).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from dash import Input, Output, State, dcc, html
from flask import Response, abort, send_file

from .. import auth, slots
from ..components import (
    error_box,
    level_dropdown,
    page,
    territory_dropdown,
    territory_options,
    year_dropdown,
)
from ..i18n import translator

__all__ = ["PATH", "NAV", "STAFF_ONLY", "LEVELS", "FILES", "layout", "register", "build",
           "public_manifest"]

PATH = "/rapport"
NAV = "nav_report"
STAFF_ONLY = False

#: Levels offered by the page.
LEVELS: tuple[str, ...] = ("region", "departement", "epci")

TEXT = {
    "title": ("Rapport annuel", "Annual report"),
    "intro": ("Le rapport annuel du milieu internationalisant d'un territoire : synthèse, "
              "les quatre D face à la région et aux territoires pairs, cartes, réseau "
              "d'acteurs, PME (effectifs seulement), recommandations et annexe de méthode. "
              "Toutes ses tableaux passent par le secret statistique (« s ») : il peut être "
              "publié tel quel. C'est le rapport de la commande « ecosystem report ».",
              "The annual report on a territory's internationalising milieu: summary, the "
              "four D against the region and peer territories, maps, actor network, SMEs "
              "(counts only), recommendations and a method annex. Every table goes through "
              "statistical disclosure control (“s”): it can be published as it is. It is the "
              "report of the “ecosystem report” command."),
    "report_lang": ("Langue du rapport", "Report language"),
    "generate": ("Générer le rapport", "Generate the report"),
    "working": ("La génération prend de l'ordre d'une minute ; les liens de téléchargement "
                "apparaissent ci-dessus.",
                "Generating takes about a minute; the download links appear above."),
    "ready": ("Rapport prêt : {name}, {year}", "Report ready: {name}, {year}"),
    "pdf": ("Rapport PDF", "PDF report"),
    "html": ("Rapport HTML", "HTML report"),
    "tables": ("Tableaux publiés (CSV, zip)", "Published tables (CSV, zip)"),
    "manifest": ("Manifeste (reproductibilité)", "Manifest (reproducibility)"),
    "same_year": ("L'année de comparaison doit différer de l'année du rapport.",
                  "The comparison year must differ from the report's year."),
}
t = translator(TEXT)

#: Files of a built report that may be downloaded, and their MIME types.
FILES: dict[str, tuple[str, str]] = {
    "report.pdf": ("pdf", "application/pdf"),
    "report.html": ("html", "text/html"),
    "tables.zip": ("tables", "application/zip"),
    "manifest.json": ("manifest", "application/json"),
}

_lock = threading.Lock()  # one report at a time
_built: dict[str, Path] = {}
_root: list[Path] = []


def _workdir() -> Path:
    if not _root:
        path = Path(tempfile.mkdtemp(prefix="ecosystem-reports-"))
        atexit.register(shutil.rmtree, path, True)
        _root.append(path)
    return _root[0]


def _key(params: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(params).encode()).hexdigest()[:20]


def build(data: Any, territory: str, level: str, year: int, compare_year: int | None,
          lang: str) -> str:
    """Build (or reuse) the report and return its key for the download route."""
    from report import build_report

    params = (data.state(), territory, level, int(year), compare_year, lang)
    key = _key(params)

    def make() -> str:
        out = _workdir() / key
        with _lock:
            files = build_report(data.registry, int(year), territory, level=level,
                                 compare_year=compare_year, lang=lang, out=out)
            tables = Path(files.get("tables", out / "tables"))
            with zipfile.ZipFile(out / "tables.zip", "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(tables.glob("*.csv")):
                    z.write(f, f"tables/{f.name}")
        _built[key] = out
        return key

    return slots.cached(data, "report", params, make)  # visitors: a slot, or "busy"


def public_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """What the public may read of a report's manifest: no path, settings, version or
    audit of suppressed cells.

    Examples
    --------
    >>> full = {"report": "r", "generated": "2026-01-01T00:00:00+00:00",
    ...         "software_version": "1.2", "registry": {"path": "/home/u/r.gpkg",
    ...         "sha256": "ab", "synthetic": True}, "parameters": {"year": 2025},
    ...         "settings": {"cache_dir": "/home/u/.cache"}, "files": {"report.pdf": "cd"},
    ...         "disclosure": {"rules": {"min_firms": 3}, "suppressed_cells": 2,
    ...                        "audit": [{"row": "x", "n_firms": 1}]}}
    >>> sorted(public_manifest(full))
    ['disclosure', 'files', 'generated', 'parameters', 'registry', 'report']
    >>> public_manifest(full)["registry"]
    {'sha256': 'ab', 'synthetic': True}
    >>> public_manifest(full)["disclosure"]
    {'rules': {'min_firms': 3}, 'suppressed_cells': 2}
    """
    registry = manifest.get("registry") or {}
    disclosure = manifest.get("disclosure") or {}
    return {
        "report": manifest.get("report"), "generated": manifest.get("generated"),
        "registry": {k: registry[k] for k in ("sha256", "synthetic") if k in registry},
        "parameters": manifest.get("parameters"), "files": manifest.get("files"),
        "disclosure": {k: disclosure[k] for k in ("rules", "suppressed_cells")
                       if k in disclosure},
    }


def layout(ctx: Any) -> Any:
    data, lang = ctx.data, ctx.lang
    years = data.years()
    year = years[-1] if years else None
    before = years[-2] if len(years) > 1 else None
    terr = data.territories("departement")
    first = str(terr["code"].iloc[0]) if len(terr) else None
    return page(
        t("title", lang), t("intro", lang),
        html.Div([
            level_dropdown("report-level", lang, "departement", LEVELS),
            territory_dropdown("report-territory", terr, first, lang),
            year_dropdown("report-year", years, year, lang),
            year_dropdown("report-compare-year", years, before, lang, "compare_year",
                          clearable=True),
            html.Label([t("report_lang", lang), dcc.Dropdown(
                id="report-lang", options=[{"label": "Français", "value": "fr"},
                                           {"label": "English", "value": "en"}],
                value=lang, clearable=False)], className="control"),
            html.Button(t("generate", lang), id="report-generate", className="action",
                        n_clicks=0),
        ], className="controls"),
        dcc.Loading(html.Div(id="report-result"), type="default"),
        html.P(t("working", lang), id="report-working", className="intro"),
        page_id="page-report",
    )


def register(app: Any, data: Any) -> None:
    @app.callback(Output("report-territory", "options"), Output("report-territory", "value"),
                  Input("report-level", "value"), State("report-territory", "value"))
    def _territories(level: str, current: str | None) -> tuple[Any, Any]:
        # level: one of LEVELS (checked before the callback runs, dashboard.limits)
        terr = data.territories(level)
        codes = terr["code"].astype(str).tolist()
        return territory_options(terr), current if current in codes else (
            codes[0] if codes else None)

    @app.callback(Output("report-result", "children"), Input("report-generate", "n_clicks"),
                  State("report-level", "value"), State("report-territory", "value"),
                  State("report-year", "value"), State("report-compare-year", "value"),
                  State("report-lang", "value"), State("lang", "data"),
                  prevent_initial_call=True)
    def _generate(_: int, level: str, territory: str, year: int, compare_year: int | None,
                  report_lang: str, lang: str) -> Any:
        if compare_year is not None and int(compare_year) == int(year):
            return error_box(t("same_year", lang), lang, "report-error")
        try:
            key = build(data, str(territory), level, int(year),
                        None if compare_year is None else int(compare_year), report_lang)
        except slots.BusyError as exc:
            return error_box(str(exc), lang, "report-error")
        except (ValueError, KeyError, LookupError, OSError) as exc:
            return error_box(str(exc.args[0] if exc.args else exc), lang, "report-error")
        terr = data.territories(level)
        name = dict(zip(terr["code"].astype(str), terr["name"], strict=True)).get(
            str(territory), str(territory))
        links = [html.Li(html.A(t(label, lang), href=f"/rapport/fichier/{key}/{fname}",
                                id=f"report-link-{label}", target="_blank", download=fname))
                 for fname, (label, _mime) in FILES.items()]
        return html.Div([html.P(t("ready", lang, name=name, year=year)), html.Ul(links)],
                        className="ok-box", id="report-ready")

    @app.server.route("/rapport/fichier/<key>/<name>")
    def _download(key: str, name: str) -> Any:
        folder = _built.get(key)
        if folder is None or name not in FILES:
            abort(404)
        path = folder / name
        if not path.is_file():
            abort(404)
        if name == "manifest.json" and not auth.is_staff():
            body = public_manifest(json.loads(path.read_text(encoding="utf-8")))
            resp = Response(json.dumps(body, ensure_ascii=False, indent=1),
                            mimetype=FILES[name][1])
            resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
            return resp
        resp = send_file(path, mimetype=FILES[name][1], as_attachment=name != "report.html",
                         download_name=name)
        if name == "report.html":  # self-contained: styles inline, images as data: URIs
            resp.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "font-src data:; frame-ancestors 'none'; form-action 'none'")
        return resp
