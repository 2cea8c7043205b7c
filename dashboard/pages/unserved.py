"""PME non accompagnées (staff only): the SMEs with no front-line actor within *d*.

The list is :func:`ecosystem.results.unserved` (the CLI's ``ecosystem unserved``)
with the same filters (year, threshold *d*, actor categories, exporting firms
only), filtered on the page by département. The table is paged and sorted on
the server (``page_action="custom"``, ``sort_action="custom"``): one page of
rows travels to the browser. The downloads are written by
:func:`ecosystem.export.write_table` exactly as the CLI writes its ``--out``
file (distances rounded to 10 m, French CSV dialect).

Every component that receives firm-level data is declared with
:func:`dashboard.auth.staff_output` below, and its callbacks start with
:func:`dashboard.auth.require_staff`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from dash import Input, Output, State, ctx, dash_table, dcc, html, no_update
from dash.exceptions import PreventUpdate

from ecosystem.export import round_km, write_table
from ecosystem.formatting import format_number, format_percent
from ecosystem.settings import CATEGORIES, STAGES, get_settings
from ecosystem.unserved import front_actors, missing_categories_note

from .. import components as comp
from ..auth import require_staff, staff_output
from ..i18n import category_label, translator

PATH = "/pme-non-accompagnees"
NAV = "nav_unserved"
STAFF_ONLY = True

__all__ = ["PATH", "NAV", "STAFF_ONLY", "layout", "register", "warm", "filtered",
           "count_line", "DISTANCE_MIN_KM", "DISTANCE_MAX_KM", "PAGE_SIZE"]

#: Components that receive firm-level data (the guard answers 403 without a session).
TABLE = staff_output("unserved-table")
COUNT = staff_output("unserved-count")
DOWNLOAD = staff_output("unserved-download")

#: Range of the threshold *d* offered on the page, in km.
DISTANCE_MIN_KM, DISTANCE_MAX_KM = 5, 100
#: Rows per page of the table.
PAGE_SIZE = 25

TEXT = {
    "title": ("PME non accompagnées", "Unserved SMEs"),
    "intro": ("Les PME actives de l'année qui n'ont aucun acteur de première ligne actif "
              "à moins de d km, classées par potentiel à l'export, avec le relais le plus "
              "proche vers qui les orienter. Même calcul que la commande « ecosystem "
              "unserved ».",
              "Active SMEs of the year with no active front-line actor within d km, ranked "
              "by export potential, with the nearest relay to send them to. Same computation "
              "as the 'ecosystem unserved' command."),
    "distance": ("Distance d (km, 5 à 100)", "Distance d (km, 5 to 100)"),
    "categories": ("Catégories d'acteurs (première ligne par défaut)",
                   "Actor categories (front line by default)"),
    "exporting": ("PME exportatrices seulement", "Exporting SMEs only"),
    "departement": ("Département", "Département"),
    "all_deps": ("Tous les départements", "All départements"),
    "count": ("{n} PME non accompagnées sur {total} ({share})",
              "{n} unserved SMEs out of {total} ({share})"),
    "scope": ("PME actives en {year}{exp}{dep}, aucun acteur des catégories choisies à moins "
              "de {d} km.",
              "SMEs active in {year}{exp}{dep}, no actor of the chosen categories within "
              "{d} km."),
    "scope_exp": (", exportatrices", ", exporting"),
    "scope_dep": (", département {dep}", ", département {dep}"),
    "no_category": ("Choisissez au moins une catégorie d'acteurs.",
                    "Choose at least one actor category."),
    "bad_distance": ("La distance d doit être comprise entre 5 et 100 km.",
                     "The distance d must lie between 5 and 100 km."),
    "col_rank": ("Rang", "Rank"),
    "col_name": ("Entreprise", "Firm"),
    "col_siret": ("SIRET", "SIRET"),
    "col_commune": ("Commune", "Municipality"),
    "col_departement": ("Dép.", "Dép."),
    "col_naf": ("NAF", "NAF"),
    "col_employees": ("Effectif", "Staff"),
    "col_stage": ("Stade", "Stage"),
    "col_exporting": ("Exporte", "Exports"),
    "col_potential": ("Potentiel (0–100)", "Potential (0–100)"),
    "col_nearest": ("Relais le plus proche", "Nearest relay"),
    "col_nearest_km": ("Distance (km)", "Distance (km)"),
    "col_reasons": ("Raisons du potentiel", "Reasons"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
    "hidden_name": ("(diffusion partielle)", "(not disclosed)"),
    "downloads": ("La liste filtrée (tous les rangs, dans l'ordre du classement), comme le "
                  "fichier de la commande « ecosystem unserved --out » :",
                  "The filtered list (every rank, in ranking order), as the file of the "
                  "'ecosystem unserved --out' command:"),
}
t = translator(TEXT)

#: Columns of the table, in order; the raw column each one is sorted by.
COLUMNS: tuple[str, ...] = ("rank", "name", "siret", "commune", "departement", "naf",
                            "employees", "stage", "exporting", "potential", "nearest",
                            "nearest_km", "reasons")
_NUMERIC = ("rank", "employees", "potential", "nearest_km")
#: Column widths of the table (the reasons take what is left).
_WIDTHS = {"rank": "3.8rem", "name": "8rem", "siret": "8.8rem", "commune": "7rem",
           "departement": "3.6rem", "naf": "4.4rem", "employees": "5rem", "stage": "7rem",
           "exporting": "5.4rem", "potential": "5.8rem", "nearest": "10rem",
           "nearest_km": "5.2rem", "reasons": "15rem"}
#: The dashboard's font (the table's own stylesheet would use a monospace one).
FONT = '"DejaVu Sans", "Segoe UI", Arial, sans-serif'


# ---------------------------------------------------------------------------
# computations (cached per registry state and parameters)
# ---------------------------------------------------------------------------
def _args(distance_km: Any, categories: Sequence[str] | None
          ) -> tuple[float | None, tuple[str, ...] | None]:
    """Parameters as :meth:`DashboardData.unserved` caches them: the defaults as None
    (so the page and :func:`warm` share the list), categories sorted."""
    st = get_settings()
    d = None if distance_km is None else float(distance_km)
    if d is not None and d == float(st.unserved_distance_km):
        d = None
    cats = tuple(sorted(set(categories))) if categories else None
    if cats is not None and set(cats) == set(st.unserved_categories):
        cats = None
    return d, cats


def filtered(data: Any, year: int, distance_km: float | None,
             categories: Sequence[str] | None, exporting_only: bool,
             departement: str | None) -> pd.DataFrame:
    """The unserved list of the CLI for these filters, kept to ``departement``
    (ranks as in the whole list)."""
    d, cats = _args(distance_km, categories)
    table = data.unserved(int(year), d, cats, bool(exporting_only))
    if departement:
        table = table[table["departement"].astype(str).eq(str(departement))]
        table = table.reset_index(drop=True)
    return table  # type: ignore[no-any-return]


def missing_note(data: Any, year: int, categories: Sequence[str] | None, lang: str) -> str:
    """The core's sentence naming the chosen categories without any active actor
    (:func:`ecosystem.unserved.missing_categories_note`; empty when none is missing)."""
    _, cats = _args(None, categories)

    def compute() -> list[str]:
        return front_actors(data.registry.actors(), year, cats)[1]

    return missing_categories_note(data.cached("missing_categories", (year, cats), compute),
                                   year, lang)


def _population(data: Any, year: int) -> pd.DataFrame:
    """Active firms of ``year`` by département and exporting or not."""
    def compute() -> pd.DataFrame:
        firms = data.registry.read("firms", year=int(year), columns=["departement", "stage"])
        frame = pd.DataFrame({"departement": firms["departement"].astype(str),
                              "exporting": firms["stage"].astype(str).ne("local")})
        return frame.value_counts().rename("n").reset_index()
    return data.cached("unserved_population", (int(year),), compute)  # type: ignore[no-any-return]


def population(data: Any, year: int, exporting_only: bool, departement: str | None) -> int:
    """Number of active firms of ``year`` in the population the list is drawn from."""
    pop = _population(data, year)
    if exporting_only:
        pop = pop[pop["exporting"]]
    if departement:
        pop = pop[pop["departement"].eq(str(departement))]
    return int(pop["n"].sum())


def count_line(n: int, total: int, lang: str) -> str:
    """« 412 PME non accompagnées sur 15 000 (2,7 %) ».

    Examples
    --------
    >>> count_line(412, 15000, "fr")
    '412 PME non accompagnées sur 15\\u202f000 (2,7\\u202f%)'
    >>> count_line(0, 0, "en")
    '0 unserved SMEs out of 0 (–)'
    """
    share = format_percent(n / total if total else None, lang, 1)
    return t("count", lang, n=format_number(n, lang, 0), total=format_number(total, lang, 0),
             share=share)


def _names(data: Any, level: str) -> dict[str, str]:
    terr = data.territories(level)
    return dict(zip(terr["code"], terr["name"], strict=True))


def _sort_key(table: pd.DataFrame, column: str, data: Any) -> pd.Series:
    """The values the table is sorted by for a displayed column."""
    if column == "commune":
        names = _names(data, "commune")
        return table["commune"].astype(str).map(lambda c: names.get(c, c)).str.lower()
    if column == "stage":
        order = {s: i for i, s in enumerate(STAGES)}
        return table["stage"].astype(str).map(order)
    if column == "nearest":
        return table["nearest_actor_name"].astype(str).str.lower()
    if column in ("name", "reasons"):  # blank (undisclosed) names last
        return table[column].astype(str).str.lower().replace("", None)
    if column == "employees":
        return table["employees"].astype("Float64")
    return table[column]


def sorted_table(table: pd.DataFrame, sort_by: list[dict[str, str]] | None,
                 data: Any) -> pd.DataFrame:
    """``table`` in the order asked by the DataTable's ``sort_by`` (rank otherwise);
    ties keep the ranking order."""
    if not sort_by or sort_by[0].get("column_id") not in COLUMNS:
        return table
    col, desc = sort_by[0]["column_id"], sort_by[0].get("direction") == "desc"
    key = _sort_key(table, col, data)
    order = (pd.DataFrame({"k": key.to_numpy(), "r": table["rank"].to_numpy()})
             .sort_values(["k", "r"], ascending=[not desc, True], kind="stable",
                          na_position="last").index)
    return table.iloc[order]


def display_rows(rows: pd.DataFrame, data: Any, lang: str) -> list[dict[str, Any]]:
    """One page of the list as the table shows it (labels, French numbers)."""
    communes = _names(data, "commune")
    i = 1 if lang == "en" else 0
    out = []
    for r in rows.itertuples(index=False):
        name = str(r.name) if isinstance(r.name, str) and r.name else t("hidden_name", lang)
        emp = None if pd.isna(r.employees) else int(r.employees)
        stage = STAGES.get(str(r.stage), (str(r.stage),) * 2)[i]
        dep = str(r.departement)
        out.append({
            "rank": int(r.rank), "name": name, "siret": str(r.siret),
            "commune": communes.get(str(r.commune), str(r.commune)),
            "departement": dep,
            "naf": "" if pd.isna(r.naf) else str(r.naf), "employees": format_number(emp, lang, 0),
            "stage": stage, "exporting": t("yes" if r.exporting else "no", lang),
            "potential": format_number(float(r.potential), lang, 1),
            "nearest": str(r.nearest_actor_name),
            "nearest_km": format_number(float(r.nearest_km), lang, 1), "reasons": str(r.reasons),
        })
    return out


def cli_table(table: pd.DataFrame) -> pd.DataFrame:
    """The list as ``ecosystem unserved --out`` writes it (distances to 10 m)."""
    return round_km(table)


# ---------------------------------------------------------------------------
# layout and callbacks
# ---------------------------------------------------------------------------
def layout(ctx: Any) -> html.Div:
    data, lang = ctx.data, ctx.lang
    years = data.years()
    st = get_settings()
    deps = data.territories("departement")
    cat_options = [{"label": category_label(c, lang), "value": c} for c in CATEGORIES]
    controls = html.Div([
        comp.year_dropdown("unserved-year", years, years[-1] if years else None, lang),
        html.Label([t("distance", lang), dcc.Input(
            id="unserved-distance", type="number", min=DISTANCE_MIN_KM, max=DISTANCE_MAX_KM,
            step=1, value=st.unserved_distance_km, debounce=True, className="unserved-km")],
            className="control"),
        html.Label([t("categories", lang), dcc.Dropdown(
            id="unserved-categories", options=cat_options, multi=True,
            value=list(st.unserved_categories),
            **comp.dropdown_labels(lang))],
            className="control wide unserved-cats"),
        html.Label([t("departement", lang), dcc.Dropdown(
            id="unserved-dep", options=comp.territory_options(deps), value=None,
            placeholder=t("all_deps", lang), clearable=True,
            **comp.dropdown_labels(lang))], className="control wide"),
        dcc.Checklist(id="unserved-exporting", options=[{"label": " " + t("exporting", lang),
                                                         "value": "yes"}],
                      value=[], className="control unserved-check"),
    ], className="controls")
    columns = [{"name": t(f"col_{c}", lang), "id": c} for c in COLUMNS]
    table = dash_table.DataTable(
        id=TABLE, columns=columns, data=[], page_action="custom", sort_action="custom",
        sort_mode="single", sort_by=[], page_current=0, page_size=PAGE_SIZE, page_count=1,
        style_table={"overflowX": "auto"}, fill_width=False,
        style_cell={"fontFamily": FONT, "fontSize": "0.84rem", "padding": "4px 8px",
                    "textAlign": "left", "maxWidth": "22rem", "whiteSpace": "normal",
                    "verticalAlign": "top"},
        style_cell_conditional=[
            {"if": {"column_id": c}, "width": w, "minWidth": w, "maxWidth": w}
            for c, w in _WIDTHS.items()] + [
            {"if": {"column_id": c}, "textAlign": "right"} for c in _NUMERIC] + [
            {"if": {"column_id": "reasons"}, "fontSize": "0.78rem"}],
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f6",
                      "whiteSpace": "normal"})
    downloads = html.Div([
        html.Span(t("downloads", lang), className="unserved-dl-text"),
        html.Button(t("download_csv", lang), id="unserved-csv", className="action",
                    n_clicks=0),
        html.Button(t("download_xlsx", lang), id="unserved-xlsx", className="action",
                    n_clicks=0),
        dcc.Download(id=DOWNLOAD),
    ], className="unserved-downloads")
    return comp.page(
        t("title", lang), t("intro", lang), controls,
        dcc.Store(id="unserved-lang", data=lang),
        dcc.Loading(html.Div(id=COUNT, className="unserved-count"), type="dot"),
        downloads, table, page_id="page-unserved")


def _check(distance: Any, categories: Any, lang: str) -> str | None:
    """A message when the filters cannot be computed, else None."""
    if not categories:
        return t("no_category", lang)
    try:
        d = float(distance)
    except (TypeError, ValueError):
        return t("bad_distance", lang)
    if not DISTANCE_MIN_KM <= d <= DISTANCE_MAX_KM:
        return t("bad_distance", lang)
    return None


def _list(data: Any, year: Any, distance: Any, categories: Any, exporting: Any,
          dep: Any) -> pd.DataFrame:
    return filtered(data, int(year), float(distance), list(categories), bool(exporting),
                    dep or None)


def register(app: Any, data: Any) -> None:
    filters = [Input("unserved-year", "value"), Input("unserved-distance", "value"),
               Input("unserved-categories", "value"), Input("unserved-exporting", "value"),
               Input("unserved-dep", "value")]

    @app.callback(
        Output(TABLE, "data"), Output(TABLE, "page_count"), Output(TABLE, "page_current"),
        Output(COUNT, "children"),
        *filters, Input(TABLE, "page_current"), Input(TABLE, "sort_by"),
        State("unserved-lang", "data"))
    def _update(year: Any, distance: Any, categories: Any, exporting: Any, dep: Any,
                page: Any, sort_by: Any, lang: Any) -> tuple[Any, ...]:
        require_staff()
        lang = lang or "fr"
        if year is None:
            raise PreventUpdate
        problem = _check(distance, categories, lang)
        if problem:
            return [], 1, 0, comp.error_box(problem, lang)
        table = _list(data, year, distance, categories, exporting, dep)
        trigger = ctx.triggered_id
        page = int(page or 0) if trigger == TABLE else 0
        n_pages = max(1, -(-len(table) // PAGE_SIZE))
        page = min(max(page, 0), n_pages - 1)
        rows = sorted_table(table, sort_by, data).iloc[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        total = population(data, int(year), bool(exporting), dep or None)
        deps = _names(data, "departement")
        scope = t("scope", lang, year=int(year),
                  exp=t("scope_exp", lang) if exporting else "",
                  dep=t("scope_dep", lang, dep=f"{deps.get(dep, dep)} ({dep})") if dep else "",
                  d=format_number(float(distance), lang, 0 if float(distance).is_integer() else 1))
        count = [html.Strong(count_line(len(table), total, lang), id="unserved-count-line"),
                 html.Span(" " + scope, className="unserved-scope")]
        note = missing_note(data, int(year), categories, lang)
        if note:
            count.append(html.P(note, id="unserved-missing-note", className="unserved-note"))
        return display_rows(rows, data, lang), n_pages, page, count

    @app.callback(
        Output(DOWNLOAD, "data"),
        Input("unserved-csv", "n_clicks"), Input("unserved-xlsx", "n_clicks"),
        State("unserved-year", "value"), State("unserved-distance", "value"),
        State("unserved-categories", "value"), State("unserved-exporting", "value"),
        State("unserved-dep", "value"), State("unserved-lang", "data"),
        prevent_initial_call=True)
    def _download(_csv: Any, _xlsx: Any, year: Any, distance: Any, categories: Any,
                  exporting: Any, dep: Any, lang: Any) -> Any:
        require_staff()
        fmt = {"unserved-csv": "csv", "unserved-xlsx": "xlsx"}.get(str(ctx.triggered_id))
        if fmt is None or year is None or _check(distance, categories, lang or "fr"):
            return no_update
        table = _list(data, year, distance, categories, exporting, dep)
        d = float(distance)
        name = (f"pme_non_accompagnees_{int(year)}_{d:g}km"
                + ("_exportatrices" if exporting else "") + (f"_dep{dep}" if dep else "")
                + f".{fmt}")
        with tempfile.TemporaryDirectory() as tmp:
            out = write_table(cli_table(table), Path(tmp) / name, layer="unserved")
            content = out.read_bytes()
        return dcc.send_bytes(content, name)


def warm(data: Any) -> None:
    """Compute the default list of the last year before serving."""
    years = data.years()
    if years:
        st = get_settings()
        filtered(data, years[-1], st.unserved_distance_km, st.unserved_categories, False, None)
        _population(data, years[-1])
        _names(data, "commune")
        _names(data, "departement")
