"""Render the annual territorial report: HTML (Jinja2), PDF (WeasyPrint), tables, manifest
and the staff audit.

:func:`build_report` writes, in ``out``, the **public** files:

``report.html``
    One self-contained file: the style sheet is inlined and every figure is a ``data:``
    URI, so nothing is fetched when it is opened or printed.
``report.pdf``
    The same page rendered by WeasyPrint (A4, page numbers, running header).
``tables/<name>.csv``
    Every table as published (``s`` in suppressed cells), in the French spreadsheet
    dialect (``;``, decimal comma, UTF-8 with BOM).
``manifest.json``
    What anyone may check the report against: the report's parameters, the SHA-256 of
    the registry and of every public file above, and the disclosure thresholds. No path,
    no software version, no settings, no audit (:func:`public_manifest`).

and one file for the **staff only**, never to be published beside them:

``audit.json``
    The whole record: the public manifest's content plus the registry's path, the
    software version, the full settings, every cell suppressed by the report's own
    tables (table, row, column, rule, firms) and every table or sentence withheld
    because the gate hides a count it would give away.

Every figure of the public files comes from the publication gate
(:mod:`ecosystem.publish`) or from :func:`ecosystem.disclosure.protect_table`: see
:mod:`report.content`.

The same registry, parameters and settings give the same ``report.html`` and tables, byte
for byte: the generation date is written only in the manifest (and in the PDF's metadata).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

from ecosystem.export import write_table
from ecosystem.inputs import as_registry
from ecosystem.registry import Registry
from ecosystem.settings import get_settings

from .content import report_content

__all__ = ["build_report", "render_html", "write_pdf", "public_manifest", "TEXT",
           "PUBLIC_FILES", "AUDIT_FILE"]

#: The public files of a report (``tables/*.csv``: every published table).
PUBLIC_FILES: tuple[str, ...] = ("report.html", "report.pdf", "tables/*.csv", "manifest.json")
#: The staff-only file of a report, written next to the public ones.
AUDIT_FILE = "audit.json"

#: Fixed texts of the template, by language.
TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "kicker": "Rapport territorial annuel",
        "toc": "Sommaire",
        "synthetic_notice": "Données synthétiques : les PME et les liens de ce rapport sont "
                            "générés pour la démonstration ; seuls les acteurs d'appui et la "
                            "géographie sont réels. Ne pas utiliser pour décider.",
        "synthetic_short": "Données synthétiques",
        "secret_legend": "« s » : secret statistique (cellule de moins de 3 entreprises, ou "
                         "masquée pour qu'aucun total ne la révèle). « – » : non disponible.",
        "radar_alt": "Scores des cinq dimensions",
        "radar_caption": "Scores des dimensions de l'indice (0 à 100) : le territoire, la "
                         "médiane des territoires comparables et l'année de comparaison.",
        "dimensions_intro": "Chaque dimension regroupe ses indicateurs : valeur de l'année, "
                            "évolution, valeur régionale, médiane des territoires de même "
                            "niveau de la région et rang du territoire parmi eux (médiane et "
                            "rang sur les seules valeurs publiées).",
        "network_caption": "Le réseau des acteurs du territoire et de leurs partenaires "
                           "directs (taille : intermédiarité ; cerclés de rouge : sans lien).",
        "gaps_title": "Lacunes de gouvernance",
        "no_gap": "Aucune lacune de gouvernance détectée.",
        "smes_counts_only": "Cette section ne donne que des effectifs d'entreprises ; aucune "
                            "entreprise n'est nommée ni localisée.",
        "recommendations_intro": "Actions d'activation résiliaire proposées à partir du "
                                 "registre, avec leur effet attendu sur les indicateurs.",
        "rec_ties": "Nouveaux liens entre acteurs",
        "rec_relays": "Relais de première ligne",
        "rec_groups": "Groupements à l'export",
        "expected_effect": "Effet attendu",
        "annex_sources": "Données et sources",
        "annex_method": "Méthode",
        "annex_disclosure": "Règles de secret statistique appliquées",
        "annex_indicators": "Définition des indicateurs",
        "map_actors": "Acteurs d'appui actifs, par groupe de catégories.",
        "map_coverage": "Couverture par les acteurs de première ligne et part publiée des PME "
                        "non desservies par territoire (aucune position d'entreprise).",
        "map_choropleth": "Indice de milieu internationalisant des territoires de la région.",
        "kf_imi": "Indice composite (0–100)",
        "kf_rank": "Rang",
        "kf_firms": "PME actives",
        "kf_exporters": "PME exportatrices",
        "kf_actors": "Acteurs d'appui",
    },
    "en": {
        "kicker": "Annual territorial report",
        "toc": "Contents",
        "synthetic_notice": "Synthetic data: the SMEs and ties in this report are generated "
                            "for demonstration; only the support actors and the geography are "
                            "real. Not for decisions.",
        "synthetic_short": "Synthetic data",
        "secret_legend": "“s”: statistical confidentiality (a cell of fewer than 3 firms, or "
                         "hidden so that no total reveals one). “–”: not available.",
        "radar_alt": "Scores of the five dimensions",
        "radar_caption": "Scores of the index dimensions (0 to 100): the territory, the median "
                         "of comparable territories and the comparison year.",
        "dimensions_intro": "Each dimension gathers its indicators: value of the year, change, "
                            "regional value, median of the region's territories of the same "
                            "level and the territory's rank among them (median and rank over "
                            "the published values only).",
        "network_caption": "The network of the territory's actors and their direct partners "
                           "(size: betweenness; ringed in red: no tie).",
        "gaps_title": "Governance gaps",
        "no_gap": "No governance gap found.",
        "smes_counts_only": "This section gives firm counts only; no firm is named or "
                            "located.",
        "recommendations_intro": "Network activation actions proposed from the registry, with "
                                 "their expected effect on the indicators.",
        "rec_ties": "New ties between actors",
        "rec_relays": "Front-line relays",
        "rec_groups": "Export groups",
        "expected_effect": "Expected effect",
        "annex_sources": "Data and sources",
        "annex_method": "Method",
        "annex_disclosure": "Statistical disclosure rules applied",
        "annex_indicators": "Definition of the indicators",
        "map_actors": "Active support actors, by category group.",
        "map_coverage": "Coverage by front-line actors and published share of unserved SMEs "
                        "by territory (no firm position).",
        "map_choropleth": "Internationalising-milieu index of the region's territories.",
        "kf_imi": "Composite index (0–100)",
        "kf_rank": "Rank",
        "kf_firms": "Active SMEs",
        "kf_exporters": "Exporting SMEs",
        "kf_actors": "Support actors",
    },
}


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("report", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _css() -> str:
    return resources.files("report").joinpath("static/report.css").read_text(encoding="utf-8")


def _figures(content: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """Every figure of the report as a data URI (charts SVG, maps PNG)."""
    from . import figures as fg

    meta = content["meta"]
    lang, year, code, level = meta["lang"], meta["year"], meta["code"], meta["level"]
    t = TEXT[lang]
    out: dict[str, Any] = {"dims": {}, "maps": [], "radar": None, "network": None}
    series = {k: v for k, v in content["radar"]["series"].items()
              if any(x is not None for x in v)}
    if series:
        out["radar"] = fg.to_data_uri(fg.dimension_radar(content["radar"]["dimensions"],
                                                         series, lang), "svg")
    for dim in content["dimensions"]:
        chart = dim["chart"]
        if chart is None:
            continue
        values = chart["values"]
        out["dims"][dim["code"]] = fg.to_data_uri(fg.indicator_bars(
            chart["labels"], values, chart["highlight"], chart["title"], chart["unit"], lang,
            decimals=1), "svg")
    out["maps"].append({"uri": fg.to_data_uri(fg.actors_map(registry, year, code, level, lang),
                                              "png", dpi=150),
                        "caption": t["map_actors"]})
    unserved = _with_geometry(registry, content["maps"]["unserved"],
                              content["maps"]["sub_level"])
    out["maps"].append({"uri": fg.to_data_uri(fg.coverage_map(
        registry, year, code, level, content["settings"]["distance_km"], lang,
        unserved=unserved), "png", dpi=150), "caption": t["map_coverage"]})
    table = _with_geometry(registry, content["maps"]["choropleth"], level)
    table["imi"] = pd.to_numeric(table["imi"], errors="coerce")
    if len(table) and table.geometry.notna().any():
        title = ("Indice de milieu internationalisant" if lang == "fr"
                 else "Internationalising-milieu index")
        out["maps"].append({"uri": fg.to_data_uri(fg.choropleth_map(
            table, "imi", title, lang, highlight_code=code), "png", dpi=150),
            "caption": t["map_choropleth"]})
    out["network"] = fg.to_data_uri(fg.network_drawing(registry, year, code, level, lang),
                                    "png", dpi=150)
    return out


def _with_geometry(registry: Registry, frame: pd.DataFrame, level: str) -> Any:
    """``frame`` (a ``code`` column) with the boundaries of the territories of ``level``."""
    import geopandas as gpd

    terr = registry.territories(level)[["code", "geometry"]]
    terr = terr.assign(code=terr["code"].astype(str)).drop_duplicates("code")
    return gpd.GeoDataFrame(frame.merge(pd.DataFrame(terr), on="code", how="left"),
                            geometry="geometry", crs=terr.crs)


def _key_figures(content: dict[str, Any]) -> list[dict[str, str]]:
    meta = content["meta"]
    t = TEXT[meta["lang"]]
    ranking = content["summary"]["ranking"]
    row = next((r for r in ranking.rows if r[0].endswith(f"({meta['code']})")), None)
    context = content["dimensions"][0]["table"].rows
    out = []
    if row is not None:
        out.append({"value": row[2], "label": t["kf_imi"]})
        n = content["summary"]["n_ranked"]
        out.append({"value": f"{row[3]} / {n}" if row[3] not in ("s", "–")
                    else row[3], "label": t["kf_rank"]})
    labels = [t["kf_firms"], t["kf_exporters"], t["kf_actors"]]
    for label, r in zip(labels, context, strict=False):
        out.append({"value": r[1], "label": label})
    return out


def render_html(content: dict[str, Any], figures: dict[str, Any]) -> str:
    """The report page (one self-contained HTML string)."""
    env = _environment()
    template = env.get_template("report.html.j2")
    lang = content["meta"]["lang"]
    return template.render(
        css=_css(), t=TEXT[lang], figures=figures, key_figures=_key_figures(content),
        **{k: content[k] for k in ("meta", "sections", "summary", "dimensions", "maps",
                                   "network", "smes", "recommendations", "annex")},
    )


def write_pdf(html: str, path: str | os.PathLike[str], base_url: str | None = None) -> Path:
    """Render ``html`` to a PDF with WeasyPrint (nothing is fetched: every resource is
    inline)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    # only data: URIs (the figures); a reference to a file or the web fails the rendering
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    path = Path(path)
    weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(path)
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def build_report(
    registry: Registry | str | os.PathLike[str],
    year: int,
    territory: str,
    level: str = "departement",
    compare_year: int | None = None,
    lang: str = "fr",
    out: str | os.PathLike[str] = "report",
) -> dict[str, Path]:
    """Build the annual territorial report of one territory and write it to ``out``.

    Parameters
    ----------
    registry : Registry or path
    year : int
    territory : str
        Code of the territory at ``level``.
    level : {"departement", "epci", "region"}
    compare_year : int, optional
    lang : {"fr", "en"}
    out : path
        Output directory (created; files of a previous report are replaced).

    Returns
    -------
    dict
        ``{"html": path, "pdf": path, "manifest": path, "tables": directory, "audit":
        path}``: the first four are public (:data:`PUBLIC_FILES`), ``audit`` is for the
        staff only (:data:`AUDIT_FILE`).

    Raises
    ------
    ValueError
        Unknown level, language or territory code.
    EmptyDataError
        Year or comparison year absent from the registry.
    """
    reg = as_registry(registry)
    content = report_content(reg, year, territory, level, compare_year, lang)
    with matplotlib.rc_context({"svg.hashsalt": "ecosystem-report", "svg.fonttype": "path"}):
        figures = _figures(content, reg)
    html = render_html(content, figures)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=out))
    try:
        tables_dir = tmp / "tables"
        tables_dir.mkdir()
        files: list[Path] = []
        for tb in content["tables"]:
            files.append(write_table(tb.csv, tables_dir / f"{tb.name}.csv", fmt="csv",
                                     layer=tb.name, dialect="fr"))
        (tmp / "report.html").write_text(html, encoding="utf-8")
        write_pdf(html, tmp / "report.pdf")
        # move into place
        final_tables = out / "tables"
        if final_tables.exists():
            shutil.rmtree(final_tables)
        os.replace(tables_dir, final_tables)
        for name in ("report.html", "report.pdf"):
            os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    outputs = [out / "report.html", out / "report.pdf",
               *sorted((out / "tables").glob("*.csv"))]
    s = get_settings()
    full = {
        "report": "ecosystem annual territorial report",
        "generated": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "software_version": content["meta"]["software_version"],
        "registry": {"path": str(Path(reg.path).resolve()),
                     "sha256": content["meta"]["registry_sha256"],
                     "synthetic": content["meta"]["synthetic"]},
        "parameters": {"year": int(year), "territory": content["meta"]["code"],
                       "level": level, "compare_year": compare_year, "lang": lang},
        "settings": _jsonable(s.model_dump(mode="json")),
        "files": {str(p.relative_to(out)): _sha256(p) for p in outputs},
        "disclosure": {
            "rules": {"min_firms": s.sdc_min_firms,
                      "dominance_share": s.sdc_dominance_share},
            "suppressed_cells": len(content["audit"]),
            "audit": _jsonable(content["audit"]),
            "withheld": _jsonable(content["withheld"]),
        },
    }
    manifest_path = _write_json(out / "manifest.json", public_manifest(full))
    audit_path = _write_json(out / AUDIT_FILE, full)
    return {"html": out / "report.html", "pdf": out / "report.pdf",
            "manifest": manifest_path, "tables": out / "tables", "audit": audit_path}


def _write_json(path: Path, data: dict[str, Any]) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def public_manifest(full: dict[str, Any]) -> dict[str, Any]:
    """The public manifest of a report: its parameters, the SHA-256 of the registry and of
    every public file, and the disclosure thresholds; no path, software version, settings
    or audit.

    Examples
    --------
    >>> full = {"report": "r", "generated": "2026-01-01T00:00:00+00:00",
    ...         "software_version": "1.2", "registry": {"path": "/home/u/r.gpkg",
    ...         "sha256": "ab", "synthetic": True}, "parameters": {"year": 2025},
    ...         "settings": {"cache_dir": "/home/u/.cache"}, "files": {"report.pdf": "cd"},
    ...         "disclosure": {"rules": {"min_firms": 3}, "suppressed_cells": 2,
    ...                        "audit": [{"row": "x", "n_firms": 1}], "withheld": []}}
    >>> sorted(public_manifest(full))
    ['disclosure', 'files', 'generated', 'parameters', 'registry', 'report']
    >>> public_manifest(full)["registry"], public_manifest(full)["disclosure"]
    ({'sha256': 'ab', 'synthetic': True}, {'rules': {'min_firms': 3}})
    """
    registry = full.get("registry") or {}
    disclosure = full.get("disclosure") or {}
    return {
        "report": full.get("report"), "generated": full.get("generated"),
        "registry": {k: registry[k] for k in ("sha256", "synthetic") if k in registry},
        "parameters": full.get("parameters"), "files": full.get("files"),
        "disclosure": {k: disclosure[k] for k in ("rules",) if k in disclosure},
    }
