"""The publication gate: the indicator tables as the public sees them.

Every public figure of the product comes out of this module: ``ecosystem
indicators --public``, the public maps, the public pages of the dashboard and the
annual report all call :func:`public_indicators` (or :func:`protected_counts`) and
show what it returns, and nothing else. The rules (``docs/disclosure.md``):

1. **Counts by τ-Argus.** The firm counts behind the indicators
   (:data:`ecosystem.indicators.FIRM_COUNTS`: firms, exporters, proactive exporters,
   born-global firms, export-group members, unserved firms) and the one firm sum
   (ISO weights) are protected by :func:`ecosystem.publish.tau.protect_tables` over
   the territorial hierarchy (commune ⊂ département ⊂ région, commune ⊂ EPCI, and
   the total), every level at once: primary suppression (frequency rule, 1 to
   ``sdc_min_firms - 1`` firms; dominance NK(1, 85 %) for the sum) and optimal
   secondary suppression, each year on its own.
2. **Derived values follow their inputs.** An indicator is published for a
   territory only when every count it rests on (:data:`DEPENDS`) is published for
   that territory and year; a comparison column only when the comparison year's
   counts are; a change only when both are. An indicator computed from firm data
   that is not declared in :data:`DEPENDS` is never published (default deny). A
   ratio whose numerator cell is empty is 0 whatever its denominator, and is
   published (:data:`ZERO_NUMERATOR`).
3. **Scores from published values only.** The composite index, its dimension
   scores, its rank and rank interval are computed again, by the same function
   (:func:`ecosystem.composite.imi`), on the table where every suppressed value is
   absent: they are functions of published values and can give nothing else away.
4. **Every territory is listed.** The public table has a row for every territory
   of the level in the registry's geography, with its firm data or without, so
   that the presence of a row tells nothing about the firms it holds.

Suppressed values print as :data:`ecosystem.disclosure.SECRET` (``s``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import catalogue, composite
from ..activity import active_firms
from ..cache import cached
from ..indicators import (
    FIRM_COUNTS,
    KEY_COLUMNS,
    IndicatorInputs,
    check_years,
    compare,
    firm_contributions,
    indicator_table,
    write_indicators,
)
from ..registry import Registry
from ..schema import TERRITORY_LEVELS
from .tables import SECRET, involves_firms
from .tau import protect_tables

__all__ = ["HIERARCHIES", "DEPENDS", "ZERO_NUMERATOR", "PROTECTED", "protected_counts",
           "hidden_counts", "empty_counts",
           "indicator_masks", "public_indicators", "export_public_indicators"]

#: The territorial hierarchies of the published tables, finest level first.
HIERARCHIES: tuple[tuple[str, ...], ...] = (("commune", "departement", "region"),
                                            ("commune", "epci"))

#: The protected tables: the firm counts and the sum of ISO weights.
PROTECTED: tuple[str, ...] = (*FIRM_COUNTS, "iso_weight")

_PREV = "@previous_year"

#: The protected tables each firm-based indicator rests on (``"x@previous_year"``:
#: the table ``x`` of the year before).
DEPENDS: dict[str, tuple[str, ...]] = {
    "n_firms": ("n_firms",),
    "n_exporters": ("n_exporters",),
    "actors_per_100_exporters": ("n_exporters",),
    "exporters_per_1000_firms": ("n_exporters", "n_firms"),
    "iso_density": ("iso_weight", "n_firms"),
    "category_reach": ("n_firms",),
    "exporter_growth": ("n_exporters", "n_exporters" + _PREV),
    "proactive_exporters": ("n_proactive",),
    "proactive_share": ("n_proactive", "n_exporters"),
    "born_global_count": ("n_born_global",),
    "born_global_per_1000_firms": ("n_born_global", "n_firms"),
    "groupement_members": ("n_groupement",),
    "groupement_share": ("n_groupement", "n_firms"),
    "unserved_firms": ("n_unserved",),
    "unserved_share": ("n_unserved", "n_firms"),
    "access_2sfca_mean": ("n_firms",),
    "airport_km_median": ("n_firms",),
    "port_km_median": ("n_firms",),
    "road_km_median": ("n_firms",),
    "rail_km_median": ("n_firms",),
    "broadband_ftth_share": ("n_firms",),
}

#: The indicators that are a ratio of a protected table to another: the table of the
#: numerator. Where that cell is empty (no firm: published as 0 by the table, and so
#: known to a reader from the totals), the ratio is 0 whatever its denominator, and is
#: published as 0 even when the denominator is hidden: hiding it would hide nothing
#: and would make the reader's deduction look like a leak.
ZERO_NUMERATOR: dict[str, str] = {
    "exporters_per_1000_firms": "n_exporters",
    "iso_density": "iso_weight",
    "proactive_share": "n_proactive",
    "born_global_per_1000_firms": "n_born_global",
    "groupement_share": "n_groupement",
    "unserved_share": "n_unserved",
}


def _inputs(registry: Registry, inputs: IndicatorInputs | None) -> IndicatorInputs:
    if inputs is not None and all(lv in inputs.territories for lv in TERRITORY_LEVELS):
        return inputs
    return IndicatorInputs.from_registry(registry, TERRITORY_LEVELS)


def protected_counts(registry: Registry, year: int,
                     inputs: IndicatorInputs | None = None) -> pd.DataFrame:
    """The protected firm counts of ``year`` at every territorial level.

    Parameters
    ----------
    registry : Registry
    year : int
    inputs : IndicatorInputs, optional
        The registry's layers already read.

    Returns
    -------
    pandas.DataFrame
        Columns ``table`` (a name of :data:`PROTECTED`), ``level``, ``code``,
        ``value``, ``n_firms`` and ``status`` (``safe``, ``primary``,
        ``secondary``): one row per non-empty cell. Kept in the result cache
        (:mod:`ecosystem.cache`), keyed by the registry's content.
    """
    def compute() -> pd.DataFrame:
        inp = _inputs(registry, inputs)
        live = active_firms(registry.firms(year), year).reset_index(drop=True)
        levels = list(dict.fromkeys(lv for h in HIERARCHIES for lv in h))
        for lv in levels:
            live[lv] = live[lv].astype("string").fillna("").astype(str)
        placed = live[levels].ne("").all(axis=1).to_numpy()
        contrib = firm_contributions(live, inp.actors, year, inp.history)
        geo = live.loc[placed, levels]
        tables: dict[str, tuple[pd.DataFrame, str | None]] = {}
        for name in FIRM_COUNTS:
            keep = contrib[name].to_numpy(dtype=bool)[placed]
            tables[name] = (geo.loc[keep], None)
        w = contrib["iso_weight"].to_numpy(dtype=float)[placed]
        tables["iso_weight"] = (geo.loc[w > 0].assign(weight=w[w > 0]), "weight")
        result = protect_tables(tables, [list(h) for h in HIERARCHIES])
        frames = [r.assign(table=name) for name, r in result.items()]
        out = pd.concat(frames, ignore_index=True)
        out = out[["table", "level", "code", "value", "n_firms", "status"]]
        return out.astype({"table": object, "level": object, "code": object,
                           "status": object})

    return cached(registry.version(), "protected_counts", {"year": int(year)}, compute)


def hidden_counts(counts: pd.DataFrame, table: str, level: str,
                  codes: Sequence[str]) -> np.ndarray:
    """Whether the cell of ``table`` of each territory of ``codes`` is suppressed (an
    empty cell, absent from ``counts``, is published as 0)."""
    sel = counts[counts["table"].eq(table) & counts["level"].eq(level)]
    status = pd.Series(sel["status"].to_numpy(), index=sel["code"].astype(str).to_numpy())
    got = status.reindex(pd.Index([str(c) for c in codes])).fillna("safe")
    return got.ne("safe").to_numpy(dtype=bool)


def empty_counts(counts: pd.DataFrame, table: str, level: str,
                 codes: Sequence[str]) -> np.ndarray:
    """Whether the cell of ``table`` of each territory of ``codes`` is empty (no firm:
    absent from ``counts``, published as 0)."""
    sel = counts[counts["table"].eq(table) & counts["level"].eq(level)]
    return ~np.asarray(pd.Index([str(c) for c in codes]).isin(sel["code"].astype(str)))


def indicator_masks(codes: Sequence[str], level: str, counts: pd.DataFrame,
                    counts_prev: pd.DataFrame | None) -> pd.DataFrame:
    """Which indicator of each territory of ``codes`` is suppressed (rule 2).

    ``counts``: :func:`protected_counts` of the year; ``counts_prev``: of the year
    before (for ``exporter_growth``; None when the registry has no such year, and
    then the growth has no value to hide). Composite columns are not masked: they
    are recomputed from published values (rule 3).
    """
    out: dict[str, np.ndarray] = {}
    cache: dict[str, np.ndarray] = {}
    for ind in catalogue.INDICATORS:
        if ind.dimension == "composite" or not involves_firms(ind.name):
            out[ind.name] = np.zeros(len(codes), dtype=bool)
            continue
        deps = DEPENDS.get(ind.name)
        if deps is None:  # firm-based and undeclared: never published
            out[ind.name] = np.ones(len(codes), dtype=bool)
            continue
        mask = np.zeros(len(codes), dtype=bool)
        for dep in deps:
            if dep not in cache:
                if dep.endswith(_PREV):
                    cache[dep] = (hidden_counts(counts_prev, dep[: -len(_PREV)], level, codes)
                                  if counts_prev is not None
                                  else np.zeros(len(codes), dtype=bool))
                else:
                    cache[dep] = hidden_counts(counts, dep, level, codes)
            mask |= cache[dep]
        if ind.name in ZERO_NUMERATOR:
            mask &= ~empty_counts(counts, ZERO_NUMERATOR[ind.name], level, codes)
        out[ind.name] = mask
    return pd.DataFrame(out, index=pd.Index([str(c) for c in codes], name="code"))


def _year_table(registry: Registry, inputs: IndicatorInputs, level: str, year: int
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The public table of one year, numeric (suppressed values NaN), and its masks."""
    table = indicator_table(registry.firms(year), inputs, level, year)
    missing = table.attrs.get("missing_categories", [])
    terr = inputs.territories_of(level)
    codes = sorted(set(terr["code"].astype(str)) | set(table["code"].astype(str)))
    names = terr.drop_duplicates("code").set_index(terr["code"].astype(str).drop_duplicates()
                                                   .to_numpy())["name"]
    full = table.set_index(table["code"].astype(str)).reindex(codes)
    full["code"] = codes
    full["name"] = full["name"].fillna(names.reindex(codes)).fillna("")
    full["level"] = level
    full["year"] = int(year)
    for ind in catalogue.INDICATORS:
        if ind.name not in full or ind.dimension == "composite":
            continue
        absent = ~pd.Index(codes).isin(table["code"].astype(str))
        fill: Any = 0 if ind.when_empty == "zero" else np.nan
        if ind.dtype == "bool":
            fill = False
        col = full[ind.name]
        if ind.dtype == "int":
            full[ind.name] = pd.to_numeric(col).fillna(0).astype(np.int64) \
                if fill == 0 else col
        elif ind.dtype == "bool":
            full[ind.name] = col.astype("boolean").fillna(False).astype(bool)
        else:
            full[ind.name] = np.where(absent, fill, pd.to_numeric(col, errors="coerce"))
    years = registry.years()
    counts = protected_counts(registry, year, inputs)
    prev = protected_counts(registry, year - 1, inputs) if (year - 1) in years else None
    masks = indicator_masks(codes, level, counts, prev)
    numeric = full.reset_index(drop=True)
    for name in masks.columns:
        if name in numeric and masks[name].any():
            col = numeric[name].astype(float) if catalogue.get(name).dtype != "bool" \
                else numeric[name].astype(object)
            col[masks[name].to_numpy()] = np.nan
            numeric[name] = col
    imi_cols = [c for c in composite.IMI_COLUMNS if c in numeric]
    if imi_cols:
        # scored as in the staff table, over the territories holding a firm or an actor
        # (which the published zeros tell anyway), from published values only
        present = pd.Index(codes).isin(table["code"].astype(str))
        numeric = numeric.drop(columns=imi_cols)
        scores = composite.imi(numeric.loc[present])
        numeric = pd.concat([numeric, scores.reindex(numeric.index)], axis=1)
    numeric = numeric[[*KEY_COLUMNS, *(c for c in catalogue.names() if c in numeric.columns)]]
    numeric.attrs["missing_categories"] = missing
    return numeric, masks.reset_index(drop=True)


def public_indicators(registry: Registry, level: str, year: int,
                      compare_year: int | None = None, *, with_geometry: bool = False,
                      inputs: IndicatorInputs | None = None) -> pd.DataFrame:
    """The indicator table of ``level`` and ``year`` as published.

    Same columns as :func:`ecosystem.indicators.compute_indicators` (with
    ``compare_year``: ``x_compare`` and ``x_change`` after each indicator); one row
    per territory of the level in the registry's geography; suppressed values are
    :data:`~ecosystem.disclosure.SECRET` in object columns (rules in the module's
    docstring). This is what ``ecosystem indicators --public``, the public maps, the
    public dashboard and the report publish.

    Parameters
    ----------
    registry : Registry
    level : {"commune", "epci", "departement", "region"}
    year : int
    compare_year : int, optional
    with_geometry : bool
        Return a GeoDataFrame with each territory's boundary (EPSG:2154).
    inputs : IndicatorInputs, optional
        The registry's layers already read.
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {list(TERRITORY_LEVELS)}")
    check_years(registry, year, compare_year)
    inputs = _inputs(registry, inputs)
    cur, mask = _year_table(registry, inputs, level, year)
    masks = {name: mask[name].to_numpy(dtype=bool) for name in mask.columns}
    table = cur
    if compare_year is not None:
        prev, mask_prev = _year_table(registry, inputs, level, compare_year)
        table = compare(cur, prev)
        for name in mask.columns:
            before = mask_prev[name].to_numpy(dtype=bool)
            masks[f"{name}_compare"] = before
            masks[f"{name}_change"] = masks[name] | before
    out = table.copy()
    for column, m in masks.items():
        if column in out and m.any():
            base = column.removesuffix("_compare").removesuffix("_change")
            whole = catalogue.get(base).dtype == "int"  # counts stay whole numbers
            values = [SECRET if hide else (int(v) if whole and not pd.isna(v) else v)
                      for v, hide in zip(out[column].tolist(), m, strict=True)]
            out[column] = pd.Series(values, index=out.index, dtype=object)
    out.attrs["missing_categories"] = cur.attrs.get("missing_categories", [])
    out.attrs["public"] = True
    if with_geometry:
        import geopandas as gpd

        terr = inputs.territories_of(level)[["code", "geometry"]].drop_duplicates("code")
        geo = terr.set_index(terr["code"].astype(str)).geometry.reindex(
            out["code"].astype(str).to_numpy())
        out = gpd.GeoDataFrame(out, geometry=geo.to_numpy(), crs=terr.crs)
        out.attrs["public"] = True
    return out


def export_public_indicators(registry: Registry, level: str, year: int,
                             out: str | os.PathLike[str], fmt: str | None = None,
                             compare_year: int | None = None, dialect: str = "fr") -> Path:
    """Write :func:`public_indicators`: what ``ecosystem indicators --public`` does.

    ``fmt`` (default: the extension of ``out``) among csv, xlsx, json, geojson, gpkg,
    as :func:`ecosystem.indicators.export_indicators`.
    """
    fmt = (fmt or Path(out).suffix.lstrip(".")).lower()
    frame = public_indicators(registry, level, year, compare_year,
                              with_geometry=fmt in ("gpkg", "geojson"))
    return write_indicators(frame, fmt, out, dialect=dialect)
