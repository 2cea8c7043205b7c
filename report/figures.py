"""Static figures of the annual report: charts, maps and the network drawing (issue 3).

Every function returns a :class:`matplotlib.figure.Figure` built directly (never through
``pyplot``), so that figures can be drawn from several threads (the dashboard) and no
interactive backend is ever selected. Figures are sized for an A4 page (17 cm wide), use
DejaVu Sans (bundled with matplotlib: nothing is fetched at run time) and no text smaller
than 8 pt. Labels are French by default (``lang="en"`` for English).

Charts are light in SVG; maps hold many shapes and points and are best embedded as PNG at
200 dpi (:func:`to_data_uri`). Suppressed cells print as « s » (secret statistique, the INSEE
convention) and missing values as « n.d. ».

Maps are drawn in Lambert-93 (EPSG:2154) with a scale bar in km and no basemap. Colours come
from :mod:`maps.style`, so that the report, the interactive maps and the dashboard agree.
Actors sharing the same point (an actor placed at its commune) are spread on a small
sunflower around that point so that each one stays visible; the shift is at most a few
hundred metres on a département map.

Examples
--------
>>> fig = indicator_bars(["Hérault", "Occitanie"], [12.5, "s"], "Hérault",
...                      "PME exportatrices", "%")
>>> to_data_uri(fig, "svg").startswith("data:image/svg+xml;base64,")
True
"""

from __future__ import annotations

import base64
import io
import math
import os
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from ecosystem import catalogue, network
from ecosystem.disclosure import SECRET
from ecosystem.formatting import format_number
from ecosystem.inputs import as_registry
from ecosystem.registry import Registry
from ecosystem.settings import (
    CATEGORIES,
    CATEGORY_GROUPS,
    INFRASTRUCTURE_KINDS,
    LAMBERT93,
    get_settings,
)
from maps import style
from maps.build import classify_colours

__all__ = [
    "FONT",
    "GROUP_COLOURS",
    "GROUP_MARKERS",
    "UNSERVED_SHARE_BREAKS",
    "WIDTH_CM",
    "actors_map",
    "change_bars",
    "choropleth_map",
    "coverage_map",
    "dimension_radar",
    "indicator_bars",
    "network_drawing",
    "save",
    "to_data_uri",
]

#: Font of every text (bundled with matplotlib).
FONT = "DejaVu Sans"
#: Width of the figures (cm): the text width of an A4 page with 2 cm margins.
WIDTH_CM = 17.0
_CM = 1 / 2.54
_SMALL = 8.0  # pt, the smallest text of a figure
_BASE = 9.0
_TITLE = 10.5
_LEVELS = ("commune", "epci", "departement", "region")

#: Representative category of each category group: the group takes its colour in
#: :data:`maps.style.CATEGORY_STYLE` (six well-separated hues).
_GROUP_REPRESENTATIVE: dict[str, str] = {
    "public_support": "cci",
    "private_services": "credit_insurer",
    "knowledge": "university",
    "innovation": "incubator",
    "authorities": "local_authority",
    "large_firms": "multinational",
}
#: Colour of each category group (from :mod:`maps.style`).
GROUP_COLOURS: dict[str, str] = {
    g: style.CATEGORY_STYLE.get(c, style.DEFAULT_CATEGORY_STYLE)[0]
    for g, c in _GROUP_REPRESENTATIVE.items()
}
#: Marker of each category group (the groups stay apart in black-and-white print).
GROUP_MARKERS: dict[str, str] = {
    "public_support": "o",
    "private_services": "s",
    "knowledge": "^",
    "innovation": "D",
    "authorities": "v",
    "large_firms": "P",
}
_OTHER_GROUP_COLOUR = style.DEFAULT_CATEGORY_STYLE[0]
_HIGHLIGHT = "#1f4e9c"
_OTHER_BAR = "#9e9e9e"
_SERIES_COLOURS = ("#1f4e9c", "#ef6c00", "#6a1b9a", "#2e7d32", "#5d4037")
_SERIES_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)))
_OUTSIDE_NODE = "#bdbdbd"
_NEIGHBOUR_FILL = "#f0f0ec"
_NEIGHBOUR_EDGE = "#bdbdbd"
#: Lower bounds of the classes of the published unserved share of the coverage map.
UNSERVED_SHARE_BREAKS: tuple[float, ...] = (0.0, 0.05, 0.15, 0.30, 0.50)
_UNSERVED_RAMP = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")

_TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "secret": "s : secret statistique",
        "missing": "n.d. : non disponible",
        "nd": "n.d.",
        "before": "Année de comparaison",
        "after": "Année du rapport",
        "km": "km",
        "actors_note": "Acteurs actifs en {year} situés dans le territoire ; ceux d'une même "
                       "commune sont disposés autour de son centre.",
        "actors": "Acteurs ({n})",
        "infrastructure": "Infrastructures",
        "covered": "À moins de {d} km d'un acteur de première ligne",
        "front": "Acteur de première ligne ({n})",
        "unserved": "Part des PME non accompagnées",
        "share": "{lo} à {hi} %",
        "share_top": "{lo} % ou plus",
        "no_firm": "Aucune PME active",
        "share_note": "Part publiée des PME actives en {year} sans acteur de première ligne à "
                      "moins de {d} km (secret statistique appliqué) ; aucune position "
                      "d'entreprise.",
        "no_data": "Sans donnée",
        "partner": "Partenaire hors territoire ({n})",
        "isolated": "Acteur isolé ({n})",
        "size": "Taille : intermédiarité",
        "width": "Épaisseur : nombre de liens",
        "no_actor": "Aucun acteur actif dans le territoire en {year}.",
        "network_note": "Réseau des acteurs en {year} : acteurs du territoire en couleur, "
                        "leurs partenaires extérieurs en gris.",
        "region": "Région",
        "top": "Intermédiarité la plus forte : ",
    },
    "en": {
        "secret": "s: statistical confidentiality",
        "missing": "n.a.: not available",
        "nd": "n.a.",
        "before": "Comparison year",
        "after": "Report year",
        "km": "km",
        "actors_note": "Actors active in {year} located in the territory; actors of the same "
                       "commune are spread around its centre.",
        "actors": "Actors ({n})",
        "infrastructure": "Infrastructure",
        "covered": "Within {d} km of a front-line actor",
        "front": "Front-line actor ({n})",
        "unserved": "Share of unserved SMEs",
        "share": "{lo} to {hi}%",
        "share_top": "{lo}% or more",
        "no_firm": "No active SME",
        "share_note": "Published share of the SMEs active in {year} with no front-line actor "
                      "within {d} km (statistical confidentiality applied); no firm position.",
        "no_data": "No data",
        "partner": "Partner outside the territory ({n})",
        "isolated": "Isolated actor ({n})",
        "size": "Size: betweenness",
        "width": "Width: number of ties",
        "no_actor": "No actor active in the territory in {year}.",
        "network_note": "Actor network in {year}: actors of the territory in colour, their "
                        "outside partners in grey.",
        "region": "Region",
        "top": "Highest betweenness: ",
    },
}


# ---------------------------------------------------------------------------
# text and numbers
# ---------------------------------------------------------------------------

def _lang(lang: str) -> dict[str, str]:
    if lang not in _TEXT:
        raise ValueError(f"unknown language {lang!r}; expected 'fr' or 'en'")
    return _TEXT[lang]


def _plain(text: Any) -> str:
    """Text from data, shown literally (a ``$`` would otherwise start mathtext)."""
    return str(text).replace("$", r"\$")


def _cell(value: Any) -> tuple[float, str | None]:
    """A value as (number, None), or (nan, "s") when suppressed, or (nan, "nd") when missing."""
    if isinstance(value, str):
        if value.strip() == SECRET:
            return math.nan, "s"
        try:
            value = float(value.replace(",", "."))
        except ValueError:
            raise ValueError(f"value {value!r} is neither a number nor {SECRET!r} "
                             "(secret statistique)") from None
    if value is None or pd.isna(value):
        return math.nan, "nd"
    number = float(value)
    if not math.isfinite(number):
        return math.nan, "nd"
    return number, None


def _dimension_label(name: str, lang: str) -> str:
    code = name[4:] if name.startswith("imi_") else name
    if code in catalogue.DIMENSIONS:
        dim = catalogue.DIMENSIONS[code]
        return dim.label_fr if lang == "fr" else dim.label_en
    if name == "imi":
        dim = catalogue.DIMENSIONS["composite"]
        return dim.label_fr if lang == "fr" else dim.label_en
    return name


def _figure(height_cm: float, width_cm: float = WIDTH_CM) -> Figure:
    fig = Figure(figsize=(width_cm * _CM, height_cm * _CM))
    fig.patch.set_facecolor("white")
    return fig


def _style_axes(ax: Axes) -> None:
    ax.tick_params(labelsize=_SMALL + 0.5, labelfontfamily=FONT)


def _legend_kw(**extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {"prop": {"family": FONT, "size": _SMALL + 0.5}, "frameon": False,
                          "title_fontproperties": {"family": FONT, "size": _BASE,
                                                   "weight": "bold"}}
    kw.update(extra)
    return kw


def _finish(fig: Figure) -> Figure:
    """Every text in DejaVu Sans and at least 8 pt."""
    for text in fig.findobj(Text):
        text.set_fontfamily(FONT)
        if text.get_fontproperties().get_size_in_points() < _SMALL:
            text.set_fontsize(_SMALL)
    return fig


def _footnote(fig: Figure, lines: Sequence[str], y: float = 0.01) -> None:
    if lines:
        fig.text(0.01, y, "\n".join(lines), fontsize=_SMALL, color="#424242", va="bottom",
                 ha="left", fontfamily=FONT)


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------

def _savefig(fig: Figure, target: Any, fmt: str, dpi: int) -> None:
    metadata: dict[str, Any] = {"Date": None} if fmt in ("svg", "pdf") else {}
    fig.savefig(target, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")


def to_data_uri(fig: Figure, fmt: str = "svg", dpi: int = 200) -> str:
    """The figure as a ``data:`` URI (base64) for an ``<img src>`` of the HTML report.

    Parameters
    ----------
    fig : Figure
    fmt : {"svg", "png"}
        SVG for charts (vector, small), PNG for maps (many shapes).
    dpi : int
        Resolution of a PNG (200 dpi prints well).

    Examples
    --------
    >>> to_data_uri(_figure(3.0), "png", dpi=50)[:22]
    'data:image/png;base64,'
    """
    mimes = {"svg": "image/svg+xml", "png": "image/png"}
    if fmt not in mimes:
        raise ValueError(f"unknown image format {fmt!r}; expected 'svg' or 'png'")
    buf = io.BytesIO()
    _savefig(fig, buf, fmt, dpi)
    return f"data:{mimes[fmt]};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def save(fig: Figure, path: str | os.PathLike[str], dpi: int = 200) -> Path:
    """Write the figure to ``path``; the format comes from the suffix (svg, png or pdf)."""
    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"cannot tell the image format of {str(out)!r}; expected a name "
                         "ending in .svg, .png or .pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    _savefig(fig, out, fmt, dpi)
    return out


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------

def dimension_radar(
    dimensions: Sequence[str],
    series: Mapping[str, Sequence[float | str | None]],
    lang: str = "fr",
    *,
    missing_label: str = SECRET,
) -> Figure:
    """Radar of the dimension scores (0-100) of the territory and its references.

    Parameters
    ----------
    dimensions : list of str
        Axes, in order: dimension codes (``density``... or ``imi_density``...), labelled
        from :data:`ecosystem.catalogue.DIMENSIONS`, or any label.
    series : dict
        Name (e.g. the territory, « Moyenne régionale », « Médiane des pairs ») -> one
        score per dimension; the first series is drawn strongest. A value of ``None``,
        NaN or ``"s"`` leaves a gap in the line, marked ``missing_label`` (« s »).
    lang : {"fr", "en"}

    Examples
    --------
    >>> fig = dimension_radar(["density", "diversity", "dynamism", "governance"],
    ...                       {"Hérault": [60, None, 40, 55], "Région": [50, 50, 50, 50]})
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['s']
    """
    _lang(lang)
    n = len(dimensions)
    if n < 3:
        raise ValueError(f"a radar needs at least 3 dimensions, got {n}")
    if not series:
        raise ValueError("no series to draw; expected at least one name -> scores")
    fig = _figure(11.5)
    ax: Any = fig.add_axes((0.15, 0.13, 0.46, 0.76), projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    angles = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    closed = np.append(angles, angles[0])
    handles = []
    for i, (name, values) in enumerate(series.items()):
        if len(values) != n:
            raise ValueError(f"series {name!r} has {len(values)} values; expected {n} "
                             "(one per dimension)")
        nums = np.array([_cell(v)[0] for v in values], dtype=float)
        if np.nanmax(np.abs(nums), initial=0.0) > 100.0 + 1e-9 or np.nanmin(nums,
                                                                           initial=0) < 0:
            raise ValueError(f"series {name!r}: scores must lie between 0 and 100")
        colour = _SERIES_COLOURS[i % len(_SERIES_COLOURS)]
        lw = 2.2 if i == 0 else 1.5
        (line,) = ax.plot(closed, np.append(nums, nums[0]), color=colour, lw=lw,
                          ls=_SERIES_STYLES[i % len(_SERIES_STYLES)], marker="o", ms=4,
                          label=_plain(name), zorder=3 + (i == 0))
        handles.append(line)
        if i == 0 and np.isfinite(nums).all():
            ax.fill(closed, np.append(nums, nums[0]), color=colour, alpha=0.12, zorder=2)
        for j in np.flatnonzero(~np.isfinite(nums)):
            ax.text(angles[j], 10.0 + 11.0 * i, missing_label, color=colour, fontsize=_BASE,
                    fontweight="bold", ha="center", va="center", zorder=6,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": colour,
                          "lw": 0.6})
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100])
    ax.set_yticklabels(["25", "50", "75", "100"], color="#616161")
    ax.set_rlabel_position(180 / n)
    ax.set_xticks(angles)
    ax.set_xticklabels([textwrap.fill(_plain(_dimension_label(d, lang)), 18)
                        for d in dimensions])
    ax.tick_params(axis="x", pad=8)
    ax.grid(color="#d0d0d0", lw=0.6)
    ax.spines["polar"].set_color("#9e9e9e")
    _style_axes(ax)
    ax.tick_params(axis="x", labelsize=_BASE)
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.68, 0.55),
               **_legend_kw())
    notes = [_TEXT[lang]["secret"]] if any(
        t.get_text() == SECRET for t in ax.texts) and missing_label == SECRET else []
    _footnote(fig, notes)
    return _finish(fig)


def _bar_figure(n_rows: int, per_row: float, n_notes: int) -> tuple[Figure, Axes]:
    """A bar chart figure laid out in cm: title above, axis label and notes below."""
    top, bottom = 1.1, 1.35 + 0.36 * n_notes
    plot_h = max(per_row * n_rows, 2.0)
    height = top + plot_h + bottom
    fig = _figure(height)
    ax = fig.add_axes((0.30, bottom / height, 0.66, plot_h / height))
    return fig, ax


def _auto_decimals(numbers: Sequence[float]) -> int:
    """One number of decimals for a whole chart, from its largest value.

    Examples
    --------
    >>> _auto_decimals([12.34, 8.456]), _auto_decimals([3, 4]), _auto_decimals([0.5, 0.123])
    (1, 0, 2)
    >>> _auto_decimals([3.5, 2.0])
    1
    """
    finite = [v for v in numbers if math.isfinite(v)]
    if not finite:
        return 0
    top = max(abs(v) for v in finite)
    cap = 0 if top >= 100 else (1 if top >= 10 else 2)
    return next(d for d in range(cap + 1)
                if d == cap or all(abs(round(v, d) - v) < 1e-9 for v in finite))


def _value_labels(ax: Axes, ys: Sequence[float], cells: Sequence[tuple[float, str | None]],
                  lang: str, decimals: int | None, span: float,
                  size: float = _SMALL + 0.5) -> set[str]:
    """Value labels at the end of the bars, « s » and « n.d. » where no bar is drawn."""
    kinds: set[str] = set()
    pad = 0.012 * span
    for y, (v, kind) in zip(ys, cells, strict=True):
        if kind is None:
            ax.text(v + (pad if v >= 0 else -pad), y, format_number(v, lang, decimals), va="center",
                    ha="left" if v >= 0 else "right", fontsize=size, color="#212121")
        else:
            kinds.add(kind)
            label = SECRET if kind == "s" else _TEXT[lang]["nd"]
            ax.text(pad, y, label, va="center", ha="left", fontsize=size + 0.5,
                    fontweight="bold" if kind == "s" else "normal", color="#212121",
                    fontstyle="normal" if kind == "s" else "italic")
    return kinds


def _bar_limits(ax: Axes, numbers: Sequence[float]) -> float:
    finite = [v for v in numbers if math.isfinite(v)]
    lo = min([0.0, *finite])
    hi = max([0.0, *finite])
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - (0.16 * span if lo < 0 else 0.0), hi + 0.16 * span)
    return span


def _bar_notes(kinds: set[str], lang: str) -> list[str]:
    t = _TEXT[lang]
    return [t[k] for k, present in (("secret", "s" in kinds), ("missing", "nd" in kinds))
            if present]


def indicator_bars(
    labels: Sequence[str],
    values: Sequence[float | str | None],
    highlight: str,
    title: str,
    unit: str,
    lang: str = "fr",
    *,
    decimals: int | None = None,
) -> Figure:
    """Horizontal bars of one indicator, one bar per territory (top to bottom in order).

    The ``highlight`` territory is drawn in blue, the others (région, peers) in grey.
    A value ``"s"`` draws no bar and prints « s » in its place; ``None`` (or NaN) prints
    « n.d. ». ``unit`` labels the axis.

    Examples
    --------
    >>> fig = indicator_bars(["Hérault", "Gard", "Région"], [3.5, "s", None], "Hérault",
    ...                      "Densité", "pour 10 000 hab.")
    >>> len(fig.axes[0].patches), sorted(t.get_text() for t in fig.axes[0].texts)
    (1, ['3,5', 'n.d.', 's'])
    """
    _lang(lang)
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values; expected one "
                         "value per label")
    if not labels:
        raise ValueError("no bar to draw; expected at least one label")
    cells = [_cell(v) for v in values]
    n = len(labels)
    if decimals is None:
        decimals = _auto_decimals([c[0] for c in cells])
    fig, ax = _bar_figure(n, 0.75, len(_bar_notes({k for _, k in cells if k}, lang)))
    colours = [_HIGHLIGHT if lab == highlight else _OTHER_BAR for lab in labels]
    ys = list(range(n))
    drawn = [i for i, (_, k) in enumerate(cells) if k is None]
    ax.barh([ys[i] for i in drawn], [cells[i][0] for i in drawn], height=0.62,
            color=[colours[i] for i in drawn], edgecolor="none", zorder=2)
    span = _bar_limits(ax, [c[0] for c in cells])
    kinds = _value_labels(ax, ys, cells, lang, decimals, span)
    ax.set_yticks(ys)
    ax.set_yticklabels([_plain(lab) for lab in labels])
    for tick, lab in zip(ax.get_yticklabels(), labels, strict=True):
        if lab == highlight:
            tick.set_fontweight("bold")
    ax.set_ylim(n - 0.5, -0.5)
    ax.axvline(0, color="#616161", lw=0.8, zorder=3)
    ax.set_xlabel(_plain(unit), fontsize=_BASE)
    ax.grid(axis="x", color="#e0e0e0", lw=0.6, zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    _style_axes(ax)
    ax.tick_params(axis="y", length=0, labelsize=_BASE)
    height = fig.get_figheight() / _CM
    fig.text(0.01, 1.0 - 0.25 / height, _plain(title), fontsize=_TITLE, fontweight="bold",
             va="top")
    _footnote(fig, _bar_notes(kinds, lang), y=0.15 / height)
    return _finish(fig)


def change_bars(
    labels: Sequence[str],
    before: Sequence[float | str | None],
    after: Sequence[float | str | None],
    title: str,
    lang: str = "fr",
    *,
    before_label: str | None = None,
    after_label: str | None = None,
    unit: str = "",
    decimals: int | None = None,
) -> Figure:
    """Paired bars: the compare year (light) and the report year (dark) per indicator.

    ``before_label``/``after_label`` name the two years in the legend (e.g. ``"2024"``);
    « s » and « n.d. » as in :func:`indicator_bars`.

    Examples
    --------
    >>> fig = change_bars(["Densité", "Diversité"], [40, 50], [45, "s"], "Évolution",
    ...                   before_label="2024", after_label="2025")
    >>> len(fig.axes[0].patches)
    3
    """
    t = _lang(lang)
    if not (len(labels) == len(before) == len(after)):
        raise ValueError(f"{len(labels)} labels, {len(before)} 'before' and {len(after)} "
                         "'after' values; expected as many of each")
    if not labels:
        raise ValueError("no bar to draw; expected at least one label")
    n = len(labels)
    light, dark = "#9ecae1", _HIGHLIGHT
    cells_b = [_cell(v) for v in before]
    cells_a = [_cell(v) for v in after]
    if decimals is None:
        decimals = _auto_decimals([c[0] for c in cells_b + cells_a])
    fig, ax = _bar_figure(n, 1.1, len(_bar_notes({k for _, k in cells_b + cells_a if k},
                                                  lang)))
    span = _bar_limits(ax, [c[0] for c in cells_b + cells_a])
    kinds: set[str] = set()
    for cells, offset, colour in ((cells_b, -0.2, light), (cells_a, 0.2, dark)):
        ys = [i + offset for i in range(n)]
        drawn = [i for i, (_, k) in enumerate(cells) if k is None]
        ax.barh([ys[i] for i in drawn], [cells[i][0] for i in drawn], height=0.38,
                color=colour, edgecolor="none", zorder=2)
        kinds |= _value_labels(ax, ys, cells, lang, decimals, span, size=_SMALL)
    ax.set_yticks(range(n))
    ax.set_yticklabels([textwrap.fill(_plain(lab), 30) for lab in labels])
    ax.set_ylim(n - 0.5, -0.5)
    ax.axvline(0, color="#616161", lw=0.8, zorder=3)
    if unit:
        ax.set_xlabel(_plain(unit), fontsize=_BASE)
    ax.grid(axis="x", color="#e0e0e0", lw=0.6, zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    _style_axes(ax)
    ax.tick_params(axis="y", length=0, labelsize=_BASE)
    handles = [Patch(color=light, label=_plain(before_label or t["before"])),
               Patch(color=dark, label=_plain(after_label or t["after"]))]
    fig.legend(handles=handles, loc="lower right", ncols=2, borderaxespad=0.1,
               bbox_to_anchor=(0.96, ax.get_position().y1), **_legend_kw())
    height = fig.get_figheight() / _CM
    fig.text(0.01, 1.0 - 0.25 / height, _plain(title), fontsize=_TITLE, fontweight="bold",
             va="top")
    _footnote(fig, _bar_notes(kinds, lang), y=0.15 / height)
    return _finish(fig)


# ---------------------------------------------------------------------------
# map helpers
# ---------------------------------------------------------------------------

def _as_registry(registry: Registry | str | os.PathLike[str]) -> Registry:
    return as_registry(registry)


def _check_level(level: str) -> None:
    if level not in _LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {_LEVELS}")


def _territory(registry: Registry, level: str, code: str) -> tuple[gpd.GeoDataFrame, Any, str]:
    """All territories of ``level`` (EPSG:2154), the geometry and the name of ``code``."""
    _check_level(level)
    terr = registry.territories(level)
    if terr.crs is None:
        raise ValueError("the territories layer has no CRS; expected EPSG:2154")
    terr = terr.to_crs(LAMBERT93)
    terr = terr.assign(code=terr["code"].astype(str))
    row = terr[terr["code"] == str(code)]
    if row.empty:
        known = ", ".join(sorted(terr["code"])[:12])
        raise ValueError(f"no territory {code!r} at level {level!r} in the registry; "
                         f"expected one of: {known}{'...' if len(terr) > 12 else ''}")
    name = str(row["name"].iloc[0]) if "name" in row.columns else str(code)
    return terr, row.geometry.union_all(), name


def _paths(geoms: Sequence[Any]) -> list[MplPath]:
    """matplotlib paths of (multi)polygons, holes included."""
    out = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
                codes[0] = MplPath.MOVETO
                codes[-1] = MplPath.CLOSEPOLY
                parts.append(MplPath(xy, codes))
        if parts:
            out.append(MplPath.make_compound_path(*parts))
    return out


def _polygons(ax: Axes, geoms: Sequence[Any], gid: str | None = None,
              **kw: Any) -> PatchCollection | None:
    paths = _paths(geoms)
    if not paths:
        return None
    coll = PatchCollection([PathPatch(p) for p in paths], **kw)
    if gid:
        coll.set_gid(gid)
    ax.add_collection(coll)
    return coll


#: Share of the figure width given to the map (the legend takes the right-hand column).
_MAP_SHARE = 0.60
_LEGEND_X = 0.63
_LEGEND_WRAP = 25


def _map_frame(bounds: Sequence[float],
               margin: float = 0.05) -> tuple[Figure, Axes, float]:
    """A figure and its map axes (limits set, equal aspect, no frame) for ``bounds``; the
    map is ``_MAP_SHARE`` of the width and the height its shape asks (at most 16 cm).
    Returns the figure, the axes and the map height (cm); :func:`_map_legend` lays the
    figure out once the legend is known."""
    x0, y0, x1, y1 = bounds
    m = margin * max(x1 - x0, y1 - y0, 1.0)
    xlim, ylim = (x0 - m, x1 + m), (y0 - m, y1 + m)
    aspect = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    map_h = min(_MAP_SHARE * WIDTH_CM * aspect, 16.0)
    fig = _figure(map_h + 2.0)
    ax = fig.add_axes((0.01, 0.1, _MAP_SHARE, 0.8))
    ax.set_axis_off()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box", anchor="N")
    return fig, ax, map_h


def _wrap(label: str) -> str:
    return textwrap.fill(label, _LEGEND_WRAP, break_on_hyphens=False)


def _scale_bar(ax: Axes, lang: str) -> None:
    """A scale bar in km at the bottom left (data units are metres)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width_km = (x1 - x0) / 1000.0
    steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]
    length = max([s for s in steps if s <= 0.25 * width_km] or [steps[0]])
    bx, by = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    half = length * 500.0
    ax.add_patch(Rectangle((bx, by), half, h, fc="#212121", ec="#212121", lw=0.6, zorder=8))
    ax.add_patch(Rectangle((bx + half, by), half, h, fc="white", ec="#212121", lw=0.6,
                           zorder=8))
    for x, label in ((bx, "0"), (bx + 2 * half, f"{format_number(length, lang, 0)} km")):
        txt = ax.text(x, by + 1.8 * h, label, ha="center", va="bottom", fontsize=_SMALL,
                      zorder=8, color="#212121")
        txt.set_path_effects([patheffects.withStroke(linewidth=2.5, foreground="white")])


def _background(ax: Axes, terr: gpd.GeoDataFrame, code: str, geom: Any,
                names: bool = True) -> None:
    """Neighbouring territories lightly, the territory in white with a dark outline."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    box = shapely.box(x0, y0, x1, y1)
    others = terr[(terr["code"] != code) & terr.intersects(box)]
    _polygons(ax, list(others.geometry.intersection(box)), gid="territory:neighbours",
              facecolor=_NEIGHBOUR_FILL, edgecolor=_NEIGHBOUR_EDGE, linewidth=0.6, zorder=0)
    _polygons(ax, [geom], gid="territory:fill", facecolor="white", edgecolor="none", zorder=0)
    _polygons(ax, [geom], gid="territory:outline", facecolor="none", edgecolor="#212121",
              linewidth=1.3, zorder=5)
    if names and "name" in others.columns:
        inner = shapely.box(x0 + 0.06 * (x1 - x0), y0 + 0.06 * (y1 - y0),
                            x1 - 0.06 * (x1 - x0), y1 - 0.06 * (y1 - y0))
        for name, g in zip(others["name"], others.geometry.intersection(box), strict=True):
            if g is None or g.is_empty or g.area < 0.03 * box.area:
                continue
            p = g.representative_point()
            if inner.contains(p):
                ax.text(p.x, p.y, textwrap.fill(_plain(name), 20), fontsize=_SMALL,
                        color="#9e9e9e", ha="center", va="center", fontstyle="italic",
                        zorder=1, clip_on=True)


def _spread(xy: np.ndarray, step: float) -> np.ndarray:
    """Points sharing the same position spread on a sunflower of spacing ~``step``."""
    out = np.array(xy, dtype=float, copy=True)
    if len(out) == 0:
        return out
    keys = pd.Series([f"{x:.1f} {y:.1f}" for x, y in out])
    golden = math.pi * (3 - math.sqrt(5))
    for idx in keys.groupby(keys).indices.values():
        if len(idx) < 2:
            continue
        k = np.arange(len(idx))
        r = step * np.sqrt(k + 0.5) / math.sqrt(0.5) * 0.6
        out[idx, 0] += r * np.cos(k * golden)
        out[idx, 1] += r * np.sin(k * golden)
    return out


def _group_of(category: str) -> str:
    info = CATEGORIES.get(str(category))
    return info.group if info else "other"


def _group_label(group: str, lang: str) -> str:
    labels = CATEGORY_GROUPS.get(group)
    if labels is None:
        return "Autre" if lang == "fr" else "Other"
    return labels[0] if lang == "fr" else labels[1]


def _groups_in_order(groups: Sequence[str]) -> list[str]:
    present = set(groups)
    return [g for g in CATEGORY_GROUPS if g in present] + sorted(present - set(CATEGORY_GROUPS))


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    pts = gdf.geometry
    return np.column_stack([pts.x.to_numpy(dtype=float), pts.y.to_numpy(dtype=float)]) \
        if len(gdf) else np.zeros((0, 2))


def _header(text: str) -> Patch:
    """An invisible legend entry used as a section header."""
    return Patch(fc="none", ec="none", label=text)


def _bold_headers(legend: Any, headers: Sequence[str]) -> None:
    for text in legend.get_texts():
        if text.get_text() in headers:
            text.set_fontweight("bold")


def _map_legend(fig: Figure, ax: Axes, map_h: float, handles: Sequence[Any],
                headers: Sequence[str] = (), title: str | None = None,
                figure_title: str | None = None, notes: Sequence[str] = ()) -> Any:
    """The legend of a map in the right-hand column (labels wrapped, headers in bold), the
    figure title, the notes under the map, and the final layout: the height fits the map,
    the legend and the notes."""
    notes = [textwrap.fill(n, 112) for n in notes]
    for handle in handles:
        handle.set_label(_wrap(handle.get_label()))
    lines = sum(h.get_label().count("\n") + 1 for h in handles)
    legend_h = 0.46 * lines + (0.3 + 0.5 * (title.count("\n") + 1) if title else 0.3)
    top = 1.0 if figure_title else 0.3
    bottom = 0.5 + 0.36 * sum(n.count("\n") + 1 for n in notes)
    height = max(map_h, legend_h) + top + bottom
    fig.set_size_inches(WIDTH_CM * _CM, height * _CM)
    ax.set_position((0.01, 1.0 - (top + map_h) / height, _MAP_SHARE, map_h / height))
    legend = fig.legend(handles=list(handles), loc="upper left",
                        bbox_to_anchor=(_LEGEND_X, 1.0 - top / height),
                        title=_wrap(title) if title else None,
                        alignment="left", **_legend_kw())
    _bold_headers(legend, [_wrap(h) for h in headers])
    if figure_title:
        fig.text(0.01, 1.0 - 0.25 / height, _plain(figure_title), fontsize=_TITLE,
                 fontweight="bold", va="top")
    _footnote(fig, notes, y=0.15 / height)
    return legend


# ---------------------------------------------------------------------------
# maps
# ---------------------------------------------------------------------------

def actors_map(
    registry: Registry | str | os.PathLike[str],
    year: int,
    territory_code: str,
    level: str = "departement",
    lang: str = "fr",
    *,
    title: str | None = None,
) -> Figure:
    """The support actors of a territory: one symbol per active actor, coloured by group.

    Draws the territory (its neighbours lightly), the actors active in ``year`` located in
    it (``actors[level] == territory_code``; one scatter collection per category group,
    ``gid`` ``"actors:<group>"``), the airports and ports of the view (hollow symbols,
    ``gid`` ``"infrastructure:<kind>"``), a legend and a scale bar. Best as PNG.
    """
    t = _lang(lang)
    reg = _as_registry(registry)
    terr, geom, _name = _territory(reg, level, territory_code)
    code = str(territory_code)
    actors = reg.actors(year)
    actors = actors.to_crs(LAMBERT93) if len(actors) else actors
    inside = actors[actors[level].astype(str) == code] if len(actors) else actors
    inside = inside[~inside.geometry.is_empty & inside.geometry.notna()]
    fig, ax, map_h = _map_frame(geom.bounds)
    _background(ax, terr, code, geom, names=level in ("departement", "region"))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xy = _spread(_xy(inside), 0.011 * max(x1 - x0, y1 - y0))
    groups = np.array([_group_of(c) for c in inside["category"]], dtype=object)
    handles: list[Any] = []
    for group in _groups_in_order(list(groups)):
        sel = groups == group
        colour = GROUP_COLOURS.get(group, _OTHER_GROUP_COLOUR)
        coll = ax.scatter(xy[sel, 0], xy[sel, 1], s=34, c=colour,
                          marker=GROUP_MARKERS.get(group, "o"), edgecolors="white",
                          linewidths=0.6, zorder=7)
        coll.set_gid(f"actors:{group}")
        handles.append(Line2D([], [], ls="", marker=GROUP_MARKERS.get(group, "o"), ms=7,
                              mfc=colour, mec="white",
                              label=_wrap(f"{_group_label(group, lang)} ({int(sel.sum())})")))
    infra = reg.infrastructure()
    infra_handles: list[Any] = []
    if len(infra):
        infra = infra.to_crs(LAMBERT93)
        box = shapely.box(x0, y0, x1, y1)
        infra = infra[infra.within(box)]
        for kind, marker in (("airport", "^"), ("port", "s")):
            part = infra[infra["kind"].astype(str) == kind]
            if part.empty:
                continue
            colour = style.INFRASTRUCTURE_COLOURS.get(kind, "#616161")
            pxy = _xy(part)
            coll = ax.scatter(pxy[:, 0], pxy[:, 1], s=42, marker=marker, facecolors="none",
                              edgecolors=colour, linewidths=1.4, zorder=6)
            coll.set_gid(f"infrastructure:{kind}")
            label = INFRASTRUCTURE_KINDS.get(kind, (kind, kind))[0 if lang == "fr" else 1]
            infra_handles.append(Line2D([], [], ls="", marker=marker, ms=7, mfc="none",
                                        mec=colour, mew=1.4, label=f"{label} ({len(part)})"))
    _scale_bar(ax, lang)
    if infra_handles:
        handles += [_header(""), _header(t["infrastructure"]), *infra_handles]
    _map_legend(fig, ax, map_h, handles or [_header("—")], [t["infrastructure"]],
                title=t["actors"].format(n=len(inside)), figure_title=title,
                notes=[t["actors_note"].format(year=year)])
    return _finish(fig)


def coverage_map(
    registry: Registry | str | os.PathLike[str],
    year: int,
    territory_code: str,
    level: str = "departement",
    distance_km: float | None = None,
    lang: str = "fr",
    *,
    unserved: gpd.GeoDataFrame | None = None,
    categories: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Coverage of a territory by the front-line actors, and its published unserved shares.

    The area within *d* of an active front-line actor (buffers dissolved; *d* divided by
    ``settings.detour_factor``, so that the area matches the definition of an unserved firm
    of :func:`ecosystem.proximity.unserved_firms`) is shaded green and the actors are dots:
    actors are public institutions.

    The firms are shown only through ``unserved``: the share of unserved SMEs of each
    sub-territory **as published** (:func:`ecosystem.publish.public_indicators`, column
    ``unserved_share``), never from the firms themselves. Each published share takes a
    class of :data:`UNSERVED_SHARE_BREAKS` (``gid`` ``"unserved:class<i>"``); a
    suppressed one (``s``) is hatched (``"unserved:secret"``), a missing one (no firm)
    grey (``"unserved:missing"``). No firm position and no count is drawn. Best as PNG.

    Parameters
    ----------
    unserved : GeoDataFrame, optional
        ``code``, ``unserved_share`` (a share, ``s`` or missing) and a geometry (any
        CRS), one row per sub-territory.
    """
    t = _lang(lang)
    reg = _as_registry(registry)
    settings = get_settings()
    d_km = float(settings.unserved_distance_km if distance_km is None else distance_km)
    if d_km <= 0:
        raise ValueError(f"distance_km must be positive, got {d_km}")
    cats = tuple(settings.unserved_categories if categories is None else categories)
    terr, geom, _name = _territory(reg, level, territory_code)
    code = str(territory_code)
    fig, ax, map_h = _map_frame(geom.bounds)
    _background(ax, terr, code, geom, names=level in ("departement", "region"))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    box = shapely.box(x0, y0, x1, y1)
    handles: list[Any] = []
    headers: list[str] = []
    if unserved is not None and len(unserved):
        if unserved.crs is None:
            raise ValueError("the unserved table has no CRS; expected a GeoDataFrame with a "
                             "CRS (EPSG:2154 or any other)")
        sub = unserved.to_crs(LAMBERT93).reset_index(drop=True)
        sub = sub[sub.geometry.notna() & ~sub.geometry.is_empty]
        cells = sub["unserved_share"].tolist()
        secret = np.array([isinstance(v, str) and v.strip() == SECRET for v in cells])
        values = pd.to_numeric(pd.Series([None if isinstance(v, str) else v for v in cells],
                                         dtype=object), errors="coerce").to_numpy(dtype=float)
        shapes = list(sub.geometry.intersection(geom))
        bounds = [*UNSERVED_SHARE_BREAKS, math.inf]
        headers.append(t["unserved"])
        handles.append(_header(t["unserved"]))
        for i in range(len(UNSERVED_SHARE_BREAKS)):
            lo, hi = bounds[i], bounds[i + 1]
            inside = ~secret & (values >= lo) & (values < hi)
            _polygons(ax, [g for g, k in zip(shapes, inside, strict=True) if k],
                      gid=f"unserved:class{i}", facecolor=_UNSERVED_RAMP[i],
                      edgecolor="white", linewidth=0.5, zorder=2)
            label = t["share_top"].format(lo=format_number(100 * lo, lang, 0)) \
                if math.isinf(hi) else t["share"].format(
                    lo=format_number(100 * lo, lang, 0), hi=format_number(100 * hi, lang, 0))
            handles.append(Patch(fc=_UNSERVED_RAMP[i], ec="white", label=label))
        if secret.any():
            _polygons(ax, [g for g, k in zip(shapes, secret, strict=True) if k],
                      gid="unserved:secret", facecolor="#f5f5f5", edgecolor="#757575",
                      hatch="////", linewidth=0.5, zorder=2)
            handles.append(Patch(fc="#f5f5f5", ec="#757575", hatch="////", label=t["secret"]))
        missing = ~secret & np.isnan(values)
        if missing.any():
            _polygons(ax, [g for g, k in zip(shapes, missing, strict=True) if k],
                      gid="unserved:missing", facecolor=style.MISSING_COLOUR,
                      edgecolor="white", linewidth=0.5, zorder=2)
            handles.append(Patch(fc=style.MISSING_COLOUR, ec="#bdbdbd", label=t["no_firm"]))
        handles.append(_header(""))
    actors = reg.actors(year)
    front = actors[actors["category"].astype(str).isin(cats)]
    front = front.to_crs(LAMBERT93) if len(front) else front
    land = terr.geometry.union_all().intersection(box)
    radius = d_km / settings.detour_factor * 1000.0
    covered = front.geometry.buffer(radius, 32).union_all() if len(front) else shapely.Polygon()
    _polygons(ax, [covered.intersection(land)], gid="coverage:covered",
              facecolor="none", edgecolor=style.COVERED_COLOUR, hatch="....",
              linewidth=1.0, zorder=3)
    in_view = front[front.within(box)]
    fxy = _spread(_xy(in_view), 0.008 * max(x1 - x0, y1 - y0))
    front_coll = ax.scatter(fxy[:, 0], fxy[:, 1], s=12, c="#212121", marker="o",
                            edgecolors="white", linewidths=0.4, zorder=7)
    front_coll.set_gid("coverage:front")
    handles.append(Patch(fc="none", ec=style.COVERED_COLOUR, hatch="....",
                         label=t["covered"].format(d=format_number(d_km, lang, None))))
    handles.append(Line2D([], [], ls="", marker="o", ms=4.5, mfc="#212121", mec="white",
                          label=t["front"].format(n=len(in_view))))
    _scale_bar(ax, lang)
    notes = [t["share_note"].format(year=year, d=format_number(d_km, lang, None))]
    _map_legend(fig, ax, map_h, handles, headers, figure_title=title, notes=notes)
    return _finish(fig)


def choropleth_map(
    table: gpd.GeoDataFrame,
    column: str,
    title: str,
    lang: str = "fr",
    highlight_code: str | None = None,
    *,
    secret: str = "secret",
    unit: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    decimals: int | None = None,
) -> Figure:
    """Choropleth of one value per territory (quantile classes, as the interactive maps).

    Parameters
    ----------
    table : GeoDataFrame
        ``code``, a geometry (any CRS, drawn in EPSG:2154), the value ``column`` and a bool
        column ``secret`` (optional): secret rows are never classified, they are hatched and
        « s » is printed at their representative point.
    column, title : str
    highlight_code : str, optional
        The territory of the report, outlined thickly.
    unit : str, optional
        Title of the legend; default the catalogue unit when ``column`` is an indicator.
    scheme, k
        ``quantiles`` or ``natural_breaks`` and the number of classes
        (:func:`maps.build._classify`); an indicator where less is better keeps the darkest
        colour for its best class.
    """
    t = _lang(lang)
    if column not in table.columns:
        raise ValueError(f"column {column!r} is not in the table; expected one of "
                         f"{list(table.columns)}")
    if "code" not in table.columns:
        raise ValueError("the table has no 'code' column (territory codes)")
    if table.crs is None:
        raise ValueError("the table has no CRS; expected a GeoDataFrame with a CRS "
                         "(EPSG:2154 or any other)")
    frame = table.to_crs(LAMBERT93).reset_index(drop=True)
    ind = None
    try:
        ind = catalogue.get(column)
    except (KeyError, ValueError):
        ind = None
    if unit is None:
        unit = ind.unit if ind is not None else ""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    sec = (frame[secret].fillna(False).astype(bool).to_numpy() if secret in frame.columns
           else np.zeros(len(frame), dtype=bool))
    values = np.where(sec, np.nan, values)  # never classified, never printed
    classes, bins, ramp = classify_colours(values, scheme, k,
                                           ind.direction if ind is not None else 1)
    ok = classes >= 0
    n_classes = len(bins)
    if decimals is None and ind is not None and ind.dtype == "int":
        decimals = 0
    fig, ax, map_h = _map_frame(frame.total_bounds, margin=0.02)
    geoms = frame.geometry
    for i in range(n_classes):
        _polygons(ax, list(geoms[classes == i]), gid=f"choropleth:class{i}",
                  facecolor=ramp[i], edgecolor="white", linewidth=0.5, zorder=1)
    missing = ~ok & ~sec
    _polygons(ax, list(geoms[missing]), gid="choropleth:missing",
              facecolor=style.MISSING_COLOUR, edgecolor="white", linewidth=0.5, zorder=1)
    _polygons(ax, list(geoms[sec]), gid="choropleth:secret", facecolor="#f5f5f5",
              edgecolor="#757575", hatch="////", linewidth=0.5, zorder=1)
    for g in geoms[sec]:
        if g is None or g.is_empty:
            continue
        p = g.representative_point()
        ax.text(p.x, p.y, SECRET, fontsize=_BASE, fontweight="bold", ha="center",
                va="center", color="#212121", zorder=6, gid="choropleth:s",
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none"})
    if highlight_code is not None:
        hl = frame[frame["code"].astype(str) == str(highlight_code)]
        if hl.empty:
            raise ValueError(f"highlight_code {highlight_code!r} is not a code of the table")
        _polygons(ax, list(hl.geometry), gid="choropleth:highlight", facecolor="none",
                  edgecolor="#000000", linewidth=2.4, zorder=5)
    _scale_bar(ax, lang)
    handles: list[Any] = []
    if n_classes:
        lows = [float(np.nanmin(values[ok])), *bins[:-1]]
        for i in range(n_classes):
            lo, hi = lows[i], float(bins[i])
            label = format_number(hi, lang, decimals) if lo == hi else \
                f"{format_number(lo, lang, decimals)} – {format_number(hi, lang, decimals)}"
            handles.append(Patch(fc=ramp[i], ec="#bdbdbd", label=label))
    if missing.any():
        handles.append(Patch(fc=style.MISSING_COLOUR, ec="#bdbdbd", label=t["no_data"]))
    if sec.any():
        handles.append(Patch(fc="#f5f5f5", ec="#757575", hatch="////", label=t["secret"]))
    if highlight_code is not None:
        name = hl["name"].iloc[0] if "name" in hl.columns else highlight_code
        handles.append(Patch(fc="none", ec="#000000", lw=2.4, label=_plain(name)))
    scheme_label = {"quantiles": ("quantiles", "quantiles"),
                    "natural_breaks": ("seuils naturels", "natural breaks")}.get(
        scheme, (scheme, scheme))
    _map_legend(fig, ax, map_h, handles, title=_plain(unit) if unit else None,
                figure_title=title, notes=[("Classes : " if lang == "fr" else "Classes: ")
                                           + scheme_label[0 if lang == "fr" else 1]])
    return _finish(fig)


def network_drawing(
    registry: Registry | str | os.PathLike[str],
    year: int,
    territory_code: str,
    level: str = "departement",
    lang: str = "fr",
    *,
    label_top: int = 5,
    title: str | None = None,
) -> Figure:
    """The actor network of a territory at the geographic position of the actors.

    Nodes: the actors of the territory active in ``year`` (node attribute ``level`` of
    :func:`ecosystem.network.actor_graph` equal to ``territory_code``; coloured by group,
    ``gid`` ``"network:inside:<group>"``) and their direct partners outside it (grey,
    ``gid`` ``"network:outside"``); size by betweenness in the whole actor graph
    (:func:`ecosystem.network.actor_metrics`), edges (ties with at least one end in the
    territory, ``gid`` ``"network:edges"``) by weight; actors without any tie ringed in
    red (``gid`` ``"network:isolated"``). The ``label_top`` actors of the territory with
    the highest betweenness are named. Best as PNG.
    """
    t = _lang(lang)
    reg = _as_registry(registry)
    terr, geom, _name = _territory(reg, level, territory_code)
    code = str(territory_code)
    graph = network.actor_graph(reg.actors(), reg.relations(), year)
    metrics = network.actor_metrics(graph)
    inside = [str(v) for v, d in graph.nodes(data=True) if str(d.get(level, "")) == code]
    inside_set = set(inside)
    outside = sorted({str(u) for v in inside for u in graph[v]} - inside_set)
    nodes = inside + outside
    live = reg.actors(year)
    live = live.to_crs(LAMBERT93) if len(live) else live
    xy_of = {str(a): (g.x, g.y) for a, g in zip(live["id"], live.geometry, strict=True)
             if g is not None and not g.is_empty}
    nodes = [v for v in nodes if v in xy_of]
    pts = np.array([xy_of[v] for v in nodes], dtype=float).reshape(-1, 2)
    x0, y0, x1, y1 = geom.bounds
    if len(pts):
        x0, y0 = min(x0, pts[:, 0].min()), min(y0, pts[:, 1].min())
        x1, y1 = max(x1, pts[:, 0].max()), max(y1, pts[:, 1].max())
    fig, ax, map_h = _map_frame((x0, y0, x1, y1))
    _background(ax, terr, code, geom, names=False)
    lx0, lx1 = ax.get_xlim()
    ly0, ly1 = ax.get_ylim()
    pos = dict(zip(nodes, _spread(pts, 0.016 * max(lx1 - lx0, ly1 - ly0)), strict=True))
    drawn = set(nodes)
    edges = [(str(u), str(v), int(w)) for u, v, w in graph.edges(inside, data="weight",
                                                                  default=1)
             if str(u) in drawn and str(v) in drawn]
    max_w = max((w for *_, w in edges), default=1)
    if edges:
        segs = [(pos[u], pos[v]) for u, v, _ in edges]
        widths = [0.5 + 2.8 * math.sqrt((w - 1) / max(max_w - 1, 1)) for *_, w in edges]
        cols = ["#37474f" if u in inside_set and v in inside_set else "#9e9e9e"
                for u, v, _ in edges]
        lc = LineCollection(segs, linewidths=widths, colors=cols, alpha=0.55, zorder=3)
        lc.set_gid("network:edges")
        ax.add_collection(lc)
    between = metrics["betweenness"].reindex(nodes).fillna(0.0).to_numpy(dtype=float)
    b_max = between.max() if len(between) and between.max() > 0 else 1.0
    sizes = 14.0 + 220.0 * np.sqrt(between / b_max)
    size_of = dict(zip(nodes, sizes, strict=True))
    out_idx = [i for i, v in enumerate(nodes) if v not in inside_set]
    if out_idx:
        p = np.array([pos[nodes[i]] for i in out_idx])
        coll = ax.scatter(p[:, 0], p[:, 1], s=sizes[out_idx], c=_OUTSIDE_NODE,
                          edgecolors="#757575", linewidths=0.5, zorder=4)
        coll.set_gid("network:outside")
    in_nodes = [v for v in nodes if v in inside_set]
    groups = {v: _group_of(graph.nodes[v].get("category", "")) for v in in_nodes}
    handles: list[Any] = []
    for group in _groups_in_order(list(groups.values())):
        members = [v for v in in_nodes if groups[v] == group]
        colour = GROUP_COLOURS.get(group, _OTHER_GROUP_COLOUR)
        p = np.array([pos[v] for v in members])
        coll = ax.scatter(p[:, 0], p[:, 1], s=[size_of[v] for v in members], c=colour,
                          edgecolors="white", linewidths=0.6, zorder=5)
        coll.set_gid(f"network:inside:{group}")
        handles.append(Line2D([], [], ls="", marker="o", ms=7, mfc=colour, mec="white",
                              label=_wrap(f"{_group_label(group, lang)} ({len(members)})")))
    isolated = [v for v in in_nodes if graph.degree(v) == 0]
    if isolated:
        p = np.array([pos[v] for v in isolated])
        coll = ax.scatter(p[:, 0], p[:, 1], s=[size_of[v] + 90 for v in isolated],
                          facecolors="none", edgecolors=style.ISOLATED_COLOUR, linewidths=1.4,
                          zorder=6)
        coll.set_gid("network:isolated")
    named: list[str] = []
    if label_top > 0 and in_nodes:
        bc = {str(k): float(b) for k, b in metrics["betweenness"].items()}
        ranked = sorted(in_nodes, key=lambda v: (-bc[v], v))
        for rank, v in enumerate(ranked[:label_top], start=1):
            if bc[v] <= 0:
                break
            x, y = pos[v]
            off = 0.006 * (lx1 - lx0)
            txt = ax.text(x + off, y + off, str(rank), fontsize=_SMALL, fontweight="bold",
                          ha="left", va="bottom", color="#000000", zorder=8, gid="network:rank")
            txt.set_path_effects([patheffects.withStroke(linewidth=2.5, foreground="white")])
            named.append(f"{rank}\u00a0{_plain(graph.nodes[v].get('name', v))}")
    if outside:
        handles.append(Line2D([], [], ls="", marker="o", ms=7, mfc=_OUTSIDE_NODE,
                              mec="#757575", label=t["partner"].format(n=len(out_idx))))
    handles.append(Line2D([], [], ls="", marker="o", ms=11, mfc="none",
                          mec=style.ISOLATED_COLOUR, mew=1.4,
                          label=t["isolated"].format(n=len(isolated))))
    handles.append(Line2D([], [], ls="", marker="o", ms=4, mfc="#9e9e9e", mec="none",
                          label=t["size"]))
    handles.append(Line2D([], [], color="#37474f", lw=2.5, label=t["width"]))
    _scale_bar(ax, lang)
    notes = [t["network_note"].format(year=year)]
    if named:
        notes.append(t["top"] + " ; ".join(named) if lang == "fr" else
                     t["top"] + "; ".join(named))
    if not inside:
        notes.append(t["no_actor"].format(year=year))
    _map_legend(fig, ax, map_h, handles, figure_title=title, notes=notes)
    return _finish(fig)
