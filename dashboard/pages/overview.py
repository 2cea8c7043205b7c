"""Vue d'ensemble: one territory at a glance.

Key figures, the composite index with its rank and Monte-Carlo rank band, a
radar of the five dimension scores against the région and the median of the
peers (same level, same région), and one card per dimension listing its
indicators with their change since the comparison year.

Visitors without sign-in see the table of the publication gate,
:func:`ecosystem.publish.public_indicators` (the CLI's ``ecosystem indicators
--public``): suppressed values print « s », the composite index and its rank are
those the gate computes from published values only; the page applies no rule of its
own. Staff see :func:`ecosystem.indicators.compute_indicators` (the CLI's
``ecosystem indicators``), without suppression.

The helper :func:`indicator_table` (the table of the role) is shared with the
Territoires page; numbers are printed by :mod:`ecosystem.formatting` (values by
their catalogue unit).

Examples
--------
>>> ordinal(1), ordinal(3, "en")
('1er', '3rd')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update

from ecosystem import catalogue
from ecosystem.disclosure import SECRET
from ecosystem.formatting import format_number, format_value, is_missing, unit_format, unit_label
from ecosystem.geography import name_types
from ecosystem.peers import peer_median, peer_values

from .. import auth
from ..components import card, error_box, level_dropdown, page, secret_note, year_dropdown
from ..i18n import indicator_label, translator

__all__ = ["PATH", "NAV", "STAFF_ONLY", "layout", "register", "warm", "indicator_table",
           "ordinal", "default_compare", "LEVELS", "LEVEL_PLURAL"]

PATH = "/"
NAV = "nav_overview"
STAFF_ONLY = False

#: Levels offered by the page.
LEVELS: tuple[str, ...] = ("region", "departement", "epci")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Vue d'ensemble", "Overview"),
    "intro": ("Le milieu internationalisant d'un territoire : chiffres clés, indice composite "
              "et son rang, les cinq dimensions face à la région et aux territoires "
              "comparables, et leur évolution depuis l'année de comparaison.",
              "A territory's internationalising milieu: key figures, the composite index and "
              "its rank, the five dimensions against the region and comparable territories, "
              "and their change since the comparison year."),
    "kf_firms": ("PME actives", "Active SMEs"),
    "kf_exporters": ("PME exportatrices", "Exporting SMEs"),
    "kf_actors": ("Acteurs d'appui", "Support actors"),
    "kf_unserved": ("PME non accompagnées", "Unserved SMEs"),
    "kf_imi": ("Indice composite (sur 100)", "Composite index (out of 100)"),
    "kf_rank": ("Rang", "Rank"),
    "rank_band": ("intervalle de rang {a}–{b}", "rank interval {a}–{b}"),
    "rank_before": ("en {year} : {rank}", "in {year}: {rank}"),
    "since": ("depuis {year}", "since {year}"),
    "radar_title": ("Les cinq dimensions (scores sur 100)",
                    "The five dimensions (scores out of 100)"),
    "peers": ("Médiane des {level} de la région", "Median of the region's {level}"),
    "peers_all": ("Médiane des {level}", "Median of the {level}"),
    "region_trace": ("Région : {name}", "Region: {name}"),
    "no_region_score": ("La région n'a pas de score : l'indice compare les territoires d'un "
                        "même niveau, et le registre ne compte qu'une région.",
                        "The region has no score: the index compares territories of one "
                        "level, and the registry holds a single region."),
    "col_indicator": ("Indicateur", "Indicator"),
    "col_value": ("Valeur", "Value"),
    "col_change": ("Évolution", "Change"),
    "col_region": ("Région", "Region"),
    "col_peers": ("Médiane des pairs", "Peer median"),
    "score": ("score {value} / 100", "score {value} / 100"),
    "sentence": ("{subject} {verb} au {ord} rang sur {n} {level} (intervalle de rang "
                 "{a}–{b})", "{subject} ranks {ord} of {n} {level} (rank interval {a}–{b})"),
    "verb_one": ("se classe", "ranks"),
    "verb_many": ("se classent", "rank"),
    "trend_up": ("{poss} indice composite progresse de {x} points depuis {year}",
                 "its composite index rose by {x} points since {year}"),
    "trend_down": ("{poss} indice composite recule de {x} points depuis {year}",
                   "its composite index fell by {x} points since {year}"),
    "trend_flat": ("{poss} indice composite est stable depuis {year}",
                   "its composite index is stable since {year}"),
    "no_index": ("{name} : l'indice composite compare les territoires d'un même niveau ; "
                 "il n'est pas calculé ici (territoire seul à son niveau ou sans données).",
                 "{name}: the composite index compares territories of one level; it is not "
                 "computed here (the only territory of its level, or no data)."),
    "secret_territory": ("Les effectifs d'entreprises de {name} sont couverts par le secret "
                         "statistique : les indicateurs qui en dépendent sont remplacés par "
                         "« s ».",
                         "The firm counts of {name} are confidential: the indicators that "
                         "rest on them are replaced by “s”."),
    "public_note": ("Vue publique : les effectifs d'entreprises de moins de 3 entreprises sont "
                    "remplacés par « s », ainsi que d'autres effectifs choisis pour qu'aucun "
                    "total ne les révèle ; les taux et les parts suivent les effectifs dont "
                    "ils dépendent ; l'indice composite, ses scores et les rangs sont calculés "
                    "à partir des seules valeurs publiées, comme les médianes des pairs.",
                    "Public view: counts of fewer than 3 firms are replaced by “s”, as are "
                    "other counts chosen so that no total reveals them; rates and shares "
                    "follow the counts they rest on; the composite index, its scores and the "
                    "ranks are computed from published values only, as are the peer "
                    "medians."),
    "staff_note": ("Vue personnel : les mêmes indicateurs agrégés, sans secret statistique "
                   "(les territoires de 1 ou 2 entreprises ne sont pas masqués). À ne pas "
                   "diffuser tels quels.",
                   "Staff view: the same aggregated indicators, without statistical "
                   "confidentiality (territories of 1 or 2 firms are not masked). Not for "
                   "publication as they are."),
    "unknown_territory": ("Territoire sans données pour ce niveau et cette année.",
                          "Territory without data for this level and year."),
}
tr = translator(TEXT)

#: Plural names of the levels in running text.
LEVEL_PLURAL: dict[str, tuple[str, str]] = {
    "region": ("régions", "regions"),
    "departement": ("départements", "départements"),
    "epci": ("EPCI", "EPCIs"),
    "commune": ("communes", "municipalities"),
}

# ---------------------------------------------------------------------------
# the table of the role (shared with the Territoires page)
# ---------------------------------------------------------------------------


def indicator_table(data: Any, level: str, year: int, compare: int | None,
                    staff: bool) -> pd.DataFrame:
    """The indicator table shown to the role: staff get
    :meth:`~dashboard.data.DashboardData.indicators` (``ecosystem indicators``), the
    public the gate's :meth:`~dashboard.data.DashboardData.public_indicators`
    (``ecosystem indicators --public``), both cached; ``compare`` equal to ``year``
    means no comparison. The table is shared: never change it in place."""
    cmp = None if compare is None or int(compare) == int(year) else int(compare)
    if staff:
        return data.indicators(level, int(year), cmp)  # type: ignore[no-any-return]
    return data.public_indicators(level, int(year), cmp)  # type: ignore[no-any-return]


def ordinal(n: int, lang: str = "fr") -> str:
    """1er, 2e… or 1st, 2nd…"""
    if lang == "en":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    return "1er" if n == 1 else f"{n}e"


def default_compare(years: Sequence[int], year: int) -> int | None:
    """The year before ``year`` in ``years`` (None when there is none)."""
    before = [y for y in years if y < year]
    return before[-1] if before else None


_ARTICLES = {2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}


def _subject(level: str, code: str, name: str, lang: str) -> tuple[str, bool]:
    """The territory as the subject of a sentence (with its article in French) and
    whether it is plural."""
    if lang == "en":
        return name, False
    kind = name_types(level).get(code, 0)
    return _ARTICLES.get(kind, "") + name, kind == 4


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


def _parents(data: Any, level: str) -> pd.DataFrame:
    """Code -> région code of the territories of ``level``."""
    def load() -> pd.DataFrame:
        t = data.registry.territories(level)
        region = t["code"] if level == "region" else t["region"]
        return pd.DataFrame({"code": t["code"].astype(str), "region": region.astype(str)}
                            ).drop_duplicates("code").set_index("code")
    return data.cached("overview_parents", (level,), load)  # type: ignore[no-any-return]


def _default_territory(table: pd.DataFrame) -> str | None:
    if not len(table):
        return None
    n = pd.to_numeric(table["n_firms"], errors="coerce").fillna(0)
    return str(table.loc[n.idxmax(), "code"])


def _options(table: pd.DataFrame) -> list[dict[str, str]]:
    return [{"label": f"{n} ({c})", "value": str(c)}
            for c, n in zip(table["code"], table["name"], strict=True)]


# ---------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------


def _key_figure(label: str, value: str, change: str | None, kf_id: str,
                tone: str = "", band: str | None = None) -> html.Div:
    parts: list[Any] = [html.Div(label, className="kf-label"),
                        html.Div(value, className="kf-value")]
    if band:
        parts.append(html.Div(band, className="kf-band"))
    if change:
        parts.append(html.Div(change, className=f"kf-change {tone}".strip()))
    return html.Div(parts, className="key-figure", id=kf_id)


def _tone(name: str, change: Any) -> tuple[str, str]:
    """(arrow, css class) of a change given the indicator's direction."""
    if isinstance(change, str) or is_missing(change):
        return "", ""
    fmt = unit_format(name)
    x = round(float(change) * fmt.scale, fmt.decimals)
    if x == 0:
        return "=", "ov-neutral"
    direction = catalogue.get(name).direction if name in catalogue.names() else 0
    arrow = "▲" if x > 0 else "▼"
    if direction == 0:
        return arrow, "ov-neutral"
    return arrow, "ov-good" if x * direction > 0 else "ov-bad"


def _change_text(name: str, change: Any, lang: str) -> tuple[str, str]:
    arrow, tone = _tone(name, change)
    text = format_value(name, change, lang, change=True)
    return (f"{arrow} {text}".strip() if text != "–" else text), tone


def _key_figures(row: pd.Series, n_ranked: int, compare: int | None, lang: str
                 ) -> list[Any]:
    out = []
    since = f" {tr('since', lang, year=compare)}" if compare else ""
    for name, key in (("n_firms", "kf_firms"), ("n_exporters", "kf_exporters"),
                      ("n_actors", "kf_actors"), ("unserved_share", "kf_unserved"),
                      ("imi", "kf_imi")):
        value = format_value(name, row.get(name), lang)
        change = tone = None
        if compare:
            text, tone = _change_text(name, row.get(f"{name}_change"), lang)
            change = text + since
        out.append(_key_figure(tr(key, lang), value, change, f"ov-kf-{name}", tone or ""))
    rank = row.get("imi_rank")
    if isinstance(rank, str) or is_missing(rank):
        rank_text, band = format_value("imi_rank", rank, lang), None
    else:
        rank_text = f"{int(rank)} / {n_ranked}"
        a, b = row.get("imi_rank_p05"), row.get("imi_rank_p95")
        band = None if is_missing(a) or is_missing(b) else tr("rank_band", lang, a=int(a), b=int(b))
    change = None
    tone = ""
    if compare:
        old = row.get("imi_rank_compare")
        change = tr("rank_before", lang, year=compare, rank=format_value("imi_rank", old, lang))
        diff = row.get("imi_rank_change")
        if not isinstance(diff, str) and not is_missing(diff) and diff != 0:
            tone = "ov-good" if diff < 0 else "ov-bad"
            change = ("▲ " if diff < 0 else "▼ ") + change
    out.append(_key_figure(tr("kf_rank", lang), rank_text, change, "ov-kf-imi_rank", tone,
                           band=band))
    return out


def _sentence(level: str, row: pd.Series, n_ranked: int, compare: int | None,
              lang: str, secret: bool) -> str:
    """The rank sentence, then, when the territory's firm count is suppressed
    (``secret``), the sentence that says so."""
    text = _rank_sentence(level, row, n_ranked, compare, lang)
    if secret:
        text += " " + tr("secret_territory", lang, name=str(row["name"]))
    return text


def _rank_sentence(level: str, row: pd.Series, n_ranked: int, compare: int | None,
                   lang: str) -> str:
    code, name = str(row["code"]), str(row["name"])
    rank = row.get("imi_rank")
    if is_missing(rank) or isinstance(rank, str):
        return tr("no_index", lang, name=name)
    subject, plural = _subject(level, code, name, lang)
    lv = LEVEL_PLURAL[level][1 if lang == "en" else 0]
    a, b = row.get("imi_rank_p05"), row.get("imi_rank_p95")
    a = int(rank) if is_missing(a) else int(a)
    b = int(rank) if is_missing(b) else int(b)
    text = tr("sentence", lang, subject=subject, ord=ordinal(int(rank), lang), n=n_ranked,
              level=lv, a=a, b=b,
              verb=tr("verb_many" if plural else "verb_one", lang))
    change = row.get("imi_change")
    if compare and not isinstance(change, str) and not is_missing(change):
        x = round(float(change), 1)
        key = "trend_up" if x > 0 else "trend_down" if x < 0 else "trend_flat"
        poss = ("leur" if plural else "son") if lang == "fr" else ""
        text += (" ; " if lang == "fr" else "; ") + tr(
            key, lang, poss=poss, x=format_number(abs(x), lang, 1), year=compare)
    return text + "."


def _median(peers: pd.DataFrame, column: str) -> float | None:
    """The peers' median of the core (:mod:`ecosystem.peers`: published values only)."""
    med = peer_median(peer_values(peers, column, peers.index))
    return None if math.isnan(med) else med


def _radar(row: pd.Series, region_row: pd.Series | None, peers: pd.DataFrame, level: str,
           lang: str) -> tuple[dict[str, Any], bool]:
    """The radar figure and whether the région has scores."""
    dims = catalogue.COMPOSITE_DIMENSIONS
    labels = [(catalogue.DIMENSIONS[d].label_en if lang == "en"
               else catalogue.DIMENSIONS[d].label_fr).split(" (")[0] for d in dims]
    theta = [*labels, labels[0]]

    def scores(values: Sequence[Any]) -> list[float | None]:
        r = [None if isinstance(v, str) or is_missing(v) else round(float(v), 1) for v in values]
        return [*r, r[0]]

    fig = go.Figure()
    lv = LEVEL_PLURAL[level][1 if lang == "en" else 0]
    med = [_median(peers, f"imi_{d}") if len(peers) else None for d in dims]
    if any(m is not None for m in med):
        fig.add_trace(go.Scatterpolar(
            r=scores(med), theta=theta, name=tr("peers", lang, level=lv),
            line={"color": "#7a8793", "dash": "dot"}, hovertemplate="%{theta} : %{r:.1f}"
            "<extra></extra>"))
    has_region = False
    if region_row is not None:
        reg = scores([region_row.get(f"imi_{d}") for d in dims])
        if any(v is not None for v in reg):
            has_region = True
            fig.add_trace(go.Scatterpolar(
                r=reg, theta=theta, name=tr("region_trace", lang, name=region_row["name"]),
                line={"color": "#c06a15", "dash": "dash"},
                hovertemplate="%{theta} : %{r:.1f}<extra></extra>"))
    own = scores([row.get(f"imi_{d}") for d in dims])
    if any(v is not None for v in own):
        fig.add_trace(go.Scatterpolar(
            r=own, theta=theta, name=str(row["name"]), fill="toself",
            line={"color": "#1f5f99", "width": 2}, fillcolor="rgba(31,95,153,0.18)",
            hovertemplate="%{theta} : %{r:.1f}<extra></extra>"))
    fig.update_layout(
        polar={"radialaxis": {"range": [0, 100], "tickfont": {"size": 9}, "angle": 90,
                              "tickangle": 90, "tickvals": [25, 50, 75, 100]},
               "angularaxis": {"tickfont": {"size": 12}}},
        margin={"l": 110, "r": 110, "t": 30, "b": 30}, height=400,
        legend={"orientation": "h", "y": -0.08}, separators=", " if lang == "fr" else ".,",
        paper_bgcolor="#fff", font={"family": "DejaVu Sans, Arial, sans-serif"})
    return fig.to_plotly_json(), has_region


def _cards(row: pd.Series, region_row: pd.Series | None, peers: pd.DataFrame,
           compare: int | None, lang: str) -> list[Any]:
    cards = []
    head = [tr("col_indicator", lang), tr("col_value", lang)]
    if compare:
        head.append(tr("col_change", lang))
    head += [tr("col_region", lang), tr("col_peers", lang)]
    for dim in catalogue.COMPOSITE_DIMENSIONS:
        d = catalogue.DIMENSIONS[dim]
        rows = []
        for name in catalogue.names(dim):
            if name not in row.index:
                continue
            unit = unit_label(name, lang)
            label = [indicator_label(name, lang)]
            if unit and unit.lower() not in label[0].lower():
                label.append(html.Span(f" ({unit})", className="ov-unit"))
            cells = [html.Td(label), html.Td(format_value(name, row.get(name), lang, symbol=False),
                                             id=f"ov-v-{name}", className="num")]
            if compare:
                text, tone = _change_text(name, row.get(f"{name}_change"), lang)
                cells.append(html.Td(text, id=f"ov-c-{name}", className=f"num {tone}".strip()))
            reg = None if region_row is None else region_row.get(name)
            cells.append(html.Td(format_value(name, reg, lang, symbol=False), id=f"ov-r-{name}",
                                 className="num"))
            med = _median(peers, name) if len(peers) else None
            cells.append(html.Td(format_value(name, med, lang, symbol=False), id=f"ov-p-{name}",
                                 className="num"))
            rows.append(html.Tr(cells))
        score = row.get(f"imi_{dim}")
        title = d.label_en if lang == "en" else d.label_fr
        sub = tr("score", lang, value=format_value(f"imi_{dim}", score, lang))
        cards.append(card(title, html.Div(sub, className="ov-score", id=f"ov-score-{dim}"),
                          html.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                                      html.Tbody(rows)], className="ov-table"),
                          card_id=f"ov-card-{dim}"))
    return cards


def _content(data: Any, level: str, code: str | None, year: int, compare: int | None,
             lang: str, staff: bool) -> tuple[Any, ...]:
    if compare == year:
        compare = None
    table = indicator_table(data, level, year, compare, staff)
    match = table.index[table["code"].astype(str) == str(code)]
    note = html.P(tr("staff_note" if staff else "public_note", lang), className="secret-note")
    notes = [note] if staff else [secret_note(lang), note]
    if not len(match):
        empty = go.Figure().to_plotly_json()
        return (tr("unknown_territory", lang), [], empty, [], notes, "")
    row = table.loc[match[0]]
    # the territory's firm count is suppressed in the gate's table: the page says so
    secret = isinstance(row.get("n_firms"), str) and row.get("n_firms") == SECRET
    ranked = table["imi_rank"].map(lambda v: not isinstance(v, str) and not is_missing(v))
    # a suppressed rank (none in the gate's table: ranks rest on published values) would
    # still count as a ranked territory
    n_ranked = int(ranked.sum() + table["imi_rank"].map(lambda v: v == SECRET).sum())
    region_row = None
    parents = _parents(data, level)
    region_code = parents["region"].get(str(code))
    if level != "region" and region_code is not None:
        regions = indicator_table(data, "region", year, compare, staff)
        hit = regions.index[regions["code"].astype(str) == str(region_code)]
        region_row = regions.loc[hit[0]] if len(hit) else None
    elif level == "region":
        region_row = row
    codes = table["code"].astype(str)
    same = codes.map(parents["region"]).eq(region_code) if region_code is not None else \
        pd.Series(True, index=table.index)
    peers = table[same & codes.ne(str(code))]
    figure, has_region = _radar(row, region_row if level != "region" else None, peers, level,
                                lang)
    radar_note = "" if has_region or level == "region" else tr("no_region_score", lang)
    return (_sentence(level, row, n_ranked, compare, lang, secret),
            _key_figures(row, n_ranked, compare, lang), figure,
            _cards(row, region_row, peers, compare, lang), notes, radar_note)


def layout(ctx: Any) -> Any:
    data, lang = ctx.data, ctx.lang
    try:
        years = data.years()
        year = data.last_year()
        compare = default_compare(years, year)
        table = indicator_table(data, "departement", year, compare, ctx.staff)
    except Exception as exc:  # noqa: BLE001 - shown to the user
        return page(tr("title", lang), tr("intro", lang), error_box(str(exc), lang),
                    page_id="page-overview")
    territory = _default_territory(table)
    controls = html.Div([
        level_dropdown("ov-level", lang, "departement", LEVELS),
        html.Label([tr("territory", lang), dcc.Dropdown(
            id="ov-territory", options=_options(table), value=territory, clearable=False,
            searchable=True)], className="control wide"),
        year_dropdown("ov-year", years, year, lang),
        year_dropdown("ov-compare", years, compare, lang, label_key="compare_year",
                      clearable=True),
    ], className="controls")
    return page(
        tr("title", lang), tr("intro", lang), controls,
        html.P(id="ov-sentence", className="ov-sentence"),
        html.Div(id="ov-key-figures", className="key-figures"),
        html.Div([
            html.Div([html.H3(tr("radar_title", lang)),
                      dcc.Graph(id="ov-radar", config={"displaylogo": False,
                                                        "displayModeBar": False}),
                      html.P(id="ov-radar-note", className="secret-note")],
                     className="card ov-radar-card"),
            html.Div(id="ov-cards", className="ov-cards"),
        ], className="ov-body"),
        html.Div(id="ov-notes"),
        page_id="page-overview")


def register(app: Any, data: Any) -> None:
    @app.callback(Output("ov-territory", "options"), Output("ov-territory", "value"),
                  Input("ov-level", "value"), Input("ov-year", "value"),
                  State("ov-territory", "value"), State("ov-compare", "value"),
                  prevent_initial_call=True)
    def _territories(level: str, year: int | None, current: str | None,
                     compare: int | None) -> tuple[Any, Any]:
        if not level or not year or level not in LEVELS:
            return no_update, no_update
        table = indicator_table(data, level, int(year), int(compare) if compare else None,
                                auth.is_staff())
        codes = set(table["code"].astype(str))
        value = current if current in codes else _default_territory(table)
        return _options(table), value

    @app.callback(Output("ov-sentence", "children"), Output("ov-key-figures", "children"),
                  Output("ov-radar", "figure"), Output("ov-cards", "children"),
                  Output("ov-notes", "children"), Output("ov-radar-note", "children"),
                  Input("ov-level", "value"), Input("ov-territory", "value"),
                  Input("ov-year", "value"), Input("ov-compare", "value"),
                  State("lang", "data"))
    def _update(level: str, code: str | None, year: int | None, compare: int | None,
                lang: str | None) -> tuple[Any, ...]:
        lang = "en" if lang == "en" else "fr"
        if not level or not year or level not in LEVELS:
            return (no_update,) * 6
        staff = auth.is_staff()
        cmp = int(compare) if compare else None
        try:
            return data.cached("overview_content",  # type: ignore[no-any-return]
                               (level, str(code), int(year), cmp, lang, staff),
                               lambda: _content(data, level, code, int(year), cmp, lang,
                                                staff))
        except Exception as exc:  # noqa: BLE001 - shown to the user
            return (error_box(str(exc), lang), [], go.Figure().to_plotly_json(), [], [], "")


def warm(data: Any) -> None:
    """Compute the defaults of the last year: the three levels against the year before."""
    year = data.last_year()
    compare = default_compare(data.years(), year)
    for level in ("departement", "region", "epci"):
        for staff in (False, True):
            indicator_table(data, level, year, compare, staff)
        _parents(data, level)
        if level == "departement":
            for staff in (False, True):
                code = _default_territory(indicator_table(data, level, year, compare, staff))
                data.cached("overview_content", (level, str(code), year, compare, "fr", staff),
                            lambda s=staff, lv=level, c=code: _content(data, lv, c, year,
                                                                       compare, "fr", s))

