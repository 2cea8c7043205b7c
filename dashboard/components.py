"""Building blocks shared by the pages: selectors, tables, key figures, downloads.

Dash renders every string as text (React escapes it), so names read from data
files never run as markup; no component here uses ``dangerously_allow_html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from dash import dash_table, dcc, html

from ecosystem.formatting import format_number

from .i18n import LEVEL_LABELS, t

__all__ = ["dropdown_labels", "page", "year_dropdown", "level_dropdown", "territory_dropdown",
           "table",
           "key_figure", "secret_note", "error_box", "card", "table_records"]


#: Texts of Dash's multi-select dropdown in French (Dash's own are English).
DROPDOWN_LABELS_FR = {"select_all": "Tout sélectionner", "deselect_all": "Tout désélectionner",
                      "selected_count": "{num_selected} choisies", "search": "Rechercher",
                      "clear_search": "Effacer la recherche",
                      "clear_selection": "Tout effacer", "no_options_found": "Aucun résultat"}


def dropdown_labels(lang: str) -> dict[str, Any]:
    """Keyword arguments giving a dcc.Dropdown its texts in ``lang``."""
    return {} if lang == "en" else {"labels": DROPDOWN_LABELS_FR}


def page(title: str, intro: str | None, *children: Any, page_id: str) -> html.Div:
    """A page: its title, a one-paragraph introduction and its content."""
    head: list[Any] = [html.H1(title)]
    if intro:
        head.append(html.P(intro, className="intro"))
    return html.Div([*head, *children], id=page_id, className="page")


def year_dropdown(component_id: str, years: Sequence[int], value: int | None,
                  lang: str, label_key: str = "year", clearable: bool = False) -> html.Label:
    """A labelled dropdown of the registry's years."""
    return html.Label([t(label_key, lang), dcc.Dropdown(
        id=component_id, options=[{"label": str(y), "value": int(y)} for y in years],
        value=value, clearable=clearable, placeholder=t("none", lang))], className="control")


def level_dropdown(component_id: str, lang: str, value: str = "departement",
                   levels: Sequence[str] = ("region", "departement", "epci")) -> html.Label:
    """A labelled dropdown of territory levels."""
    i = 1 if lang == "en" else 0
    return html.Label([t("level", lang), dcc.Dropdown(
        id=component_id, options=[{"label": LEVEL_LABELS[lv][i], "value": lv} for lv in levels],
        value=value, clearable=False)], className="control")


def territory_dropdown(component_id: str, territories: pd.DataFrame, value: str | None,
                       lang: str) -> html.Label:
    """A labelled, searchable dropdown of territories (``code`` and ``name``)."""
    return html.Label([t("territory", lang), dcc.Dropdown(
        id=component_id, options=territory_options(territories), value=value,
        clearable=False)], className="control wide")


def territory_options(territories: pd.DataFrame) -> list[dict[str, str]]:
    """Dropdown options ``name (code)`` of a territory table."""
    return [{"label": f"{n} ({c})", "value": str(c)}
            for c, n in zip(territories["code"], territories["name"], strict=True)]


def table_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-safe records (NaN and NA become None)."""
    clean = frame.astype(object).where(pd.notna(frame), None)
    return clean.to_dict("records")  # type: ignore[no-any-return]


def table(component_id: str, frame: pd.DataFrame, labels: Mapping[str, str] | None = None,
          *, page_size: int = 20, numeric: Sequence[str] = (), sortable: bool = True,
          **kwargs: Any) -> dash_table.DataTable:
    """A sortable, paged table of ``frame``; ``labels`` names its columns."""
    labels = labels or {}
    columns = [{"name": labels.get(c, c), "id": c,
                **({"type": "numeric"} if c in numeric else {})} for c in frame.columns]
    return dash_table.DataTable(
        id=component_id, columns=columns, data=table_records(frame), page_size=page_size,
        sort_action="native" if sortable else "none", style_table={"overflowX": "auto"},
        style_cell={"fontFamily": '"DejaVu Sans", "Segoe UI", Arial, sans-serif',
                    "fontSize": "0.9rem", "padding": "4px 8px",
                    "textAlign": "left", "maxWidth": "22rem", "whiteSpace": "normal"},
        style_header={"fontWeight": "600", "backgroundColor": "#eef2f6"}, **kwargs)


def key_figure(label: str, value: Any, lang: str, *, change: Any = None, decimals: int = 1,
               unit: str = "", figure_id: str | None = None) -> html.Div:
    """A key figure card: the value, its unit and its change since the comparison year."""
    parts: list[Any] = [html.Div(label, className="kf-label"),
                        html.Div([format_number(value, lang, decimals),
                                  f" {unit}" if unit else ""], className="kf-value")]
    if change is not None and not (isinstance(change, float) and change != change):
        parts.append(html.Div(format_number(change, lang, decimals, sign=True),
                              className="kf-change"))
    return html.Div(parts, className="key-figure", **({"id": figure_id} if figure_id else {}))


def card(title: str, *children: Any, card_id: str | None = None) -> html.Div:
    """A titled box."""
    return html.Div([html.H3(title), *children], className="card",
                    **({"id": card_id} if card_id else {}))


def secret_note(lang: str) -> html.P:
    """What « s » means (statistical confidentiality)."""
    return html.P(t("secret_note", lang), className="secret-note")


def error_box(message: str, lang: str, component_id: str | None = None) -> html.Div:
    """An error shown to the user (text only)."""
    return html.Div([html.Strong(f"{t('error', lang)} : " if lang == "fr"
                                 else f"{t('error', lang)}: "), message],
                    className="error-box", role="alert",
                    **({"id": component_id} if component_id else {}))
