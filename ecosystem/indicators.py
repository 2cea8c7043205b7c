"""Indicators of the *milieu internationalisant* by territory and year.

:func:`compute_indicators` reads a registry and returns one row per territory of
a level (commune, EPCI, département, région) that holds at least one active firm
or active actor in the year, with ``code``, ``name``, ``level``, ``year`` and
every indicator of :mod:`ecosystem.catalogue` (the four D, proximity and
infrastructure, the composite index ``imi`` with its rank and rank
uncertainty). With ``compare_year`` each indicator ``x`` is followed by
``x_compare`` (its value in that year) and ``x_change`` (``x − x_compare``).

:func:`territory_indicators` does the same on layers already in memory (the
registry's GeoDataFrames), for scripts and the benchmark.

Definitions: see the catalogue (``docs/indicators.md``). Firms and actors count
in the territory of their own ``commune`` (its EPCI, département, région);
distances come from :mod:`ecosystem.proximity` and :mod:`ecosystem.accessibility`
(straight lines in EPSG:2154 times the detour factor), the actor graph and its
metrics from :mod:`ecosystem.network`.

Examples
--------
>>> best_iso_weight(pd.Series(["9002|14001", "", "9003", "9001|9002"])).tolist()
[0.75, 0.0, 0.5, 1.0]
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import accessibility, catalogue, composite, proximity
from ._errors import EmptyDataError
from .activity import active_actors, active_firms, active_relations, is_exporting
from .nearest import nearest_actors
from .network import actor_graph, coordinators, local_components
from .registry import Registry
from .schema import TERRITORY_LEVELS
from .settings import REFERENCE_CATEGORIES, iso_weight
from .sme_profile import in_groupement
from .survey import SURVEY_DIMENSIONS, stored_survey, survey_scores
from .unserved import FrontLine, nearest_front

__all__ = [
    "IndicatorInputs",
    "indicator_table",
    "KEY_COLUMNS",
    "compute_indicators",
    "write_indicators",
    "export_indicators",
    "territory_indicators",
    "firm_contributions",
    "check_years",
    "FIRM_COUNTS",
    "compare",
    "best_iso_weight",
    "coordinators",
]

#: Identification columns of the indicator table.
KEY_COLUMNS: tuple[str, ...] = ("code", "name", "level", "year")

_INFRA_KINDS = {"airport": "airport_km_median", "port": "port_km_median",
                "road_node": "road_km_median", "rail_node": "rail_km_median"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _check_level(level: str) -> str:
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {list(TERRITORY_LEVELS)}")
    return level


def best_iso_weight(iso: pd.Series) -> pd.Series:
    """Weight of each firm's best ISO certificate (``settings.iso_weight``; none: 0).

    ``iso`` holds ``|``-separated standards (``9001|14001``). Each distinct string is
    weighed once, so a million firms cost a dictionary lookup each.
    """
    inverse, uniq = pd.factorize(iso.astype("str").fillna(""))
    weights = np.zeros(len(uniq))
    for k, value in enumerate(uniq):
        parts = [p.strip() for p in str(value).split("|") if p.strip()]
        weights[k] = max((iso_weight(p) for p in parts), default=0.0)
    return pd.Series(weights[inverse], index=iso.index, dtype=float)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Factorised territory codes: (code number of each row, -1 when missing; the codes)."""
    numbers, uniques = pd.factorize(values.astype("str"), use_na_sentinel=True)
    return numbers, np.asarray(uniques, dtype=object)


def _positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each row's code in ``index`` (-1 when absent, empty or missing)."""
    numbers, uniques = _codes(values)
    where = index.get_indexer(pd.Index(uniques, dtype=object)) if len(uniques) else \
        np.zeros(0, dtype=np.intp)
    return np.where(numbers >= 0, where[np.maximum(numbers, 0)] if len(where) else -1, -1)


def _count(pos: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    ok = pos >= 0
    w = None if weights is None else np.asarray(weights, dtype=float)[ok]
    return np.bincount(pos[ok], weights=w, minlength=n)


def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0,
           zero_den: float = np.nan) -> np.ndarray:
    """``scale * num / den``; ``zero_den`` where ``den`` is 0 (NaN by default: the
    catalogue's ``empty``; 0 for an indicator over actors, whose absence scores 0) and
    NaN where ``den`` is unknown."""
    den = np.asarray(den, dtype=float)
    out = np.full(len(num), np.nan)
    np.divide(scale * np.asarray(num, dtype=float), den, out=out, where=den > 0)
    out[den == 0] = zero_den
    return out


def _mean_by(pos: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Mean of ``values`` by territory position, NaN values skipped."""
    values = np.asarray(values, dtype=float)
    ok = (pos >= 0) & ~np.isnan(values)
    total = np.bincount(pos[ok], weights=values[ok], minlength=n)
    count = np.bincount(pos[ok], minlength=n)
    return _ratio(total, count)


def _median_by(pos: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    ok = (pos >= 0) & ~np.isnan(values)
    out = np.full(n, np.nan)
    if ok.any():
        med = pd.Series(values[ok]).groupby(pos[ok]).median()
        out[med.index.to_numpy()] = med.to_numpy()
    return out


def _evenness(pos: np.ndarray, categories: pd.Series, n: int) -> np.ndarray:
    """Pielou's J of actor categories by territory (0 with fewer than 2 categories)."""
    out = np.zeros(n)
    ok = pos >= 0
    if not ok.any():
        return out
    table = pd.crosstab(pos[ok], categories.to_numpy(dtype=object)[ok])
    counts = table.to_numpy(dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    p = counts / totals
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    s_present = (counts > 0).sum(axis=1)
    j = np.zeros(len(table))
    many = s_present >= 2
    j[many] = h[many] / np.log(s_present[many])
    out[table.index.to_numpy()] = j
    return out


# ---------------------------------------------------------------------------
# the computation on layers in memory
# ---------------------------------------------------------------------------


#: The firm counts behind the published indicators (:func:`firm_contributions`), each
#: a 0/1 column, and the one firm sum (``iso_weight``).
FIRM_COUNTS: tuple[str, ...] = ("n_firms", "n_exporters", "n_proactive", "n_born_global",
                                "n_groupement", "n_unserved")


def firm_contributions(live: pd.DataFrame, actors: pd.DataFrame, year: int,
                       history: pd.DataFrame | None = None,
                       front: FrontLine | None = None) -> pd.DataFrame:
    """What each active firm contributes to the counts of the indicator table.

    The one place where a firm is judged exporting, proactive, born global, member of
    an export group, unserved or ISO-certified for the indicators: the indicator table
    sums these columns by territory, and the publication gate
    (:mod:`ecosystem.publish`) protects the same sums.

    Parameters
    ----------
    live : DataFrame
        The active firms of ``year`` (:func:`ecosystem.activity.active_firms`), with a
        ``RangeIndex``.
    actors : DataFrame
        The actors layer (every year; the front line of ``year`` is taken from it).
    year : int
    history : DataFrame, optional
        Firm observations of every year (born global); default ``live``.
    front : FrontLine, optional
        :func:`ecosystem.unserved.nearest_front` of ``live`` already computed.

    Returns
    -------
    DataFrame
        Same index as ``live``: one 0/1 column per name of :data:`FIRM_COUNTS` and
        ``iso_weight`` (the weight of the firm's best ISO certificate, 0 if none);
        ``attrs["missing_categories"]``: the front-line categories without an actor.
    """
    n = len(live)
    exporting = is_exporting(live).to_numpy(dtype=bool) if n else np.zeros(0, bool)
    posture = live["posture"].astype("str").fillna("").to_numpy(dtype=object) \
        if "posture" in live else np.full(n, "", dtype=object)
    hist = live if history is None else history
    if n and {"created", "export_share"} <= set(hist.columns):
        born = proximity.born_global_mask(live, hist, year).to_numpy(dtype=bool)
    else:
        born = np.zeros(n, dtype=bool)
    front = nearest_front(live, actors, year) if front is None else front
    out = pd.DataFrame({
        "n_firms": np.ones(n, dtype=np.int64),
        "n_exporters": exporting.astype(np.int64),
        "n_proactive": (exporting & (posture == "proactive")).astype(np.int64),
        "n_born_global": born.astype(np.int64),
        "n_groupement": in_groupement(live).to_numpy(dtype=bool).astype(np.int64)
        if n else np.zeros(0, np.int64),
        "n_unserved": np.asarray(front.unserved(), dtype=bool).astype(np.int64),
        "iso_weight": best_iso_weight(live["iso"]).to_numpy(dtype=float)
        if "iso" in live else np.zeros(n),
    }, index=live.index)
    out.attrs["missing_categories"] = list(front.missing)
    return out


def territory_indicators(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    relations: pd.DataFrame | None,
    year: int,
    level: str,
    *,
    territories: pd.DataFrame | None = None,
    infrastructure: gpd.GeoDataFrame | None = None,
    broadband: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    with_composite: bool = True,
) -> pd.DataFrame:
    """Every indicator of the catalogue for the territories of ``level`` in ``year``.

    Parameters
    ----------
    firms : GeoDataFrame
        Firm observations (those of ``year`` are used; others are ignored).
    actors : GeoDataFrame
        The ``actors`` layer (activity in ``year`` is applied here).
    relations : DataFrame or None
        The ``relations`` layer (all years; activity is applied here).
    year : int
    level : {"commune", "epci", "departement", "region"}
    territories : DataFrame, optional
        Territories of ``level`` (``code``, ``name``, ``area_km2``); without it names
        are blank and ``actors_per_1000_km2`` is empty.
    infrastructure : GeoDataFrame, optional
        The ``infrastructure`` layer; without it the distance medians are empty.
    broadband : DataFrame, optional
        The ``broadband`` layer.
    history : DataFrame, optional
        Firm observations of every year (at least ``firm_id``, ``year``, ``stage``,
        ``created``, ``export_share`` and the ``level`` column): previous year for
        ``exporter_growth``, early observations for ``born_global_count``. Default:
        ``firms``.
    survey : DataFrame, optional
        A validated survey (:func:`ecosystem.survey.read_survey`).
    with_composite : bool
        Add the composite columns (``imi``...).

    Returns
    -------
    DataFrame
        One row per territory holding an active firm or actor, sorted by code:
        :data:`KEY_COLUMNS` then the catalogue's indicators in catalogue order.
    """
    _check_level(level)
    live = active_firms(firms, year)
    if not isinstance(live.index, pd.RangeIndex) or live.index.start != 0:
        live = live.reset_index(drop=True)
    live_actors = active_actors(actors, year).reset_index(drop=True)
    live_actors = live_actors.assign(id=live_actors["id"].astype(str))
    present = set(_codes(live[level])[1].tolist()) | set(_codes(live_actors[level])[1].tolist())
    codes = sorted(c for c in present if isinstance(c, str) and c.strip())
    index = pd.Index(codes, dtype=object, name="code")
    n = len(index)
    fpos = _positions(live[level], index)
    apos = _positions(live_actors[level], index)
    cols: dict[str, np.ndarray] = {}

    # -- context and density ----------------------------------------------------------
    front = nearest_front(live, actors, year)
    contrib = firm_contributions(live, actors, year, history, front)
    n_firms = _count(fpos, n)
    n_exp = _count(fpos, n, contrib["n_exporters"].to_numpy(dtype=bool))
    n_act = _count(apos, n)
    cols["n_firms"] = n_firms
    cols["n_exporters"] = n_exp
    cols["n_actors"] = n_act
    area = np.full(n, np.nan)
    names = np.full(n, "", dtype=object)
    if territories is not None and len(territories):
        terr = territories
        if "level" in terr.columns:
            terr = terr[terr["level"].astype(str) == level]
        terr = terr.assign(code=terr["code"].astype(str)).drop_duplicates("code")
        terr = terr.set_index("code")
        area = pd.to_numeric(terr["area_km2"].reindex(index), errors="coerce").to_numpy(float)
        names = terr["name"].reindex(index).fillna("").astype(str).to_numpy(dtype=object)
    cols["actors_per_100_exporters"] = _ratio(n_act, n_exp, 100.0)
    cols["actors_per_1000_km2"] = _ratio(n_act, area, 1000.0)
    cols["exporters_per_1000_firms"] = _ratio(n_exp, n_firms, 1000.0)
    cols["iso_density"] = _ratio(_count(fpos, n, contrib["iso_weight"].to_numpy(dtype=float)),
                                 n_firms, 100.0)

    # -- diversity ------------------------------------------------------------------------
    n_ref = len(REFERENCE_CATEGORIES)
    ref_actor = live_actors["category"].astype(str).isin(REFERENCE_CATEGORIES).to_numpy()
    covered: np.ndarray = np.zeros(n)
    if ref_actor.any():
        pairs = pd.DataFrame({"pos": apos[ref_actor],
                              "cat": live_actors["category"].astype(str).to_numpy()[ref_actor]})
        pairs = pairs[pairs["pos"] >= 0].drop_duplicates()
        covered = np.bincount(pairs["pos"].to_numpy(), minlength=n).astype(float)
    cols["category_coverage"] = covered / n_ref

    # the one unserved rule (ecosystem.unserved): front-line categories without an actor
    # are left out and named in attrs["missing_categories"]
    unserved = contrib["n_unserved"].to_numpy(dtype=bool)
    if len(live):
        near = nearest_actors(live, actors, year, REFERENCE_CATEGORIES)
        reach = near["n_reference_categories_within_d"].to_numpy(dtype=float) / n_ref
    else:
        reach = np.zeros(0)
    cols["category_reach"] = _mean_by(fpos, reach, n)
    cols["category_evenness"] = _evenness(apos, live_actors["category"].astype(str), n)

    # -- dynamism -------------------------------------------------------------------------
    hist = live if history is None else history
    hist_year = pd.to_numeric(hist["year"]).to_numpy()
    prev = hist.loc[hist_year == year - 1]
    if len(prev):
        prev_pos = _positions(prev[level], index)
        prev_exp = _count(prev_pos, n, is_exporting(prev).to_numpy(dtype=bool))
        # a territory without firm this year has no firm data: no growth to read
        cols["exporter_growth"] = np.where(n_firms > 0, _ratio(n_exp - prev_exp, prev_exp),
                                           np.nan)
    else:
        cols["exporter_growth"] = np.full(n, np.nan)

    new_ties = np.zeros(n)
    if relations is not None and len(relations):
        # only ties starting this year can be new: check the activity of those alone,
        # against the few firms they name (not against every firm of the year)
        fresh = relations[pd.to_numeric(relations["year"]).to_numpy() == year]
        named = set(fresh["source"].astype(str)) | set(fresh["target"].astype(str))
        named_firms = live.loc[live["firm_id"].astype(str).isin(named), ["firm_id", "year"]]
        fresh = active_relations(fresh, year, actors, named_firms)
        pos_of = pd.Series(apos, index=live_actors["id"].to_numpy())
        ends = []
        for end in ("source", "target"):
            is_actor = fresh[f"{end}_type"].astype(str).eq("actor").to_numpy()
            p = pos_of.reindex(fresh[end].astype(str).to_numpy()).fillna(-1).to_numpy(int)
            ends.append(np.where(is_actor, p, -1))
        src, tgt = ends
        new_ties = _count(src, n) + _count(np.where(tgt == src, -1, tgt), n)
    cols["new_ties"] = new_ties
    cols["new_ties_per_actor"] = _ratio(new_ties, n_act, zero_den=0.0)
    cols["proactive_exporters"] = _count(fpos, n, contrib["n_proactive"].to_numpy(dtype=bool))
    cols["proactive_share"] = _ratio(cols["proactive_exporters"], n_exp)
    cols["born_global_count"] = _count(fpos, n, contrib["n_born_global"].to_numpy(dtype=bool))
    cols["born_global_per_1000_firms"] = _ratio(cols["born_global_count"], n_firms, 1000.0)
    cols["groupement_members"] = _count(fpos, n,
                                        contrib["n_groupement"].to_numpy(dtype=bool))
    cols["groupement_share"] = _ratio(cols["groupement_members"], n_firms)
    scores = survey_scores(survey, level, year).reindex(index)
    for col in SURVEY_DIMENSIONS.values():
        cols[col] = scores[col].to_numpy(dtype=float)

    # -- governance ---------------------------------------------------------------------
    graph = actor_graph(
        actors, relations if relations is not None else pd.DataFrame(), year)
    # the graph of each territory: its actors and the ties between two of them
    node_pos = {a: k for k, a in enumerate(live_actors["id"])}
    edges = np.array([(node_pos[str(u)], node_pos[str(v)]) for u, v in graph.edges()
                      if str(u) in node_pos and str(v) in node_pos], dtype=np.int64)
    edges = edges.reshape(-1, 2)
    m = len(live_actors)
    n_edges, _, largest = local_components(apos, edges, n)
    cols["network_cohesion"] = _ratio(largest, n_act, zero_den=0.0)
    cols["coordination_density"] = _ratio(n_edges, n_act * (n_act - 1) / 2.0, zero_den=0.0)
    coord_ids = coordinators(graph, live_actors) if m else set()
    is_coord = live_actors["id"].isin(coord_ids).to_numpy(dtype=bool)
    cols["has_coordinator"] = _count(apos, n, is_coord) > 0
    links = live_actors["international_links"].fillna(False).astype(bool).to_numpy() \
        if "international_links" in live_actors else np.zeros(m, dtype=bool)
    cols["external_openness"] = _ratio(_count(apos, n, links), n_act, zero_den=0.0)

    # -- proximity and infrastructure ---------------------------------------------------
    cols["unserved_firms"] = _count(fpos, n, unserved)
    cols["unserved_share"] = _ratio(cols["unserved_firms"], n_firms)
    if len(live) and len(front.actors):
        acc = accessibility.firm_accessibility(live, actors, year)
        cols["access_2sfca_mean"] = _mean_by(fpos, acc["access_2sfca"].to_numpy(float), n)
    else:
        cols["access_2sfca_mean"] = np.where(n_firms > 0, 0.0, np.nan)
    infra_cols = {c: np.full(n, np.nan) for c in _INFRA_KINDS.values()}
    ftth = np.full(n, np.nan)
    have_infra = infrastructure is not None and len(infrastructure) > 0
    have_bb = broadband is not None and len(broadband) > 0
    if len(live) and (have_infra or have_bb):
        infra = infrastructure if have_infra else gpd.GeoDataFrame(
            {"id": [], "kind": [], "iata": []}, geometry=[], crs=live.crs)
        table = proximity.infrastructure_access(
            live, infra, year, broadband if have_bb else None,
            kinds=tuple(_INFRA_KINDS))
        for kind, col in _INFRA_KINDS.items():
            infra_cols[col] = _median_by(fpos, table[f"{kind}_km"].to_numpy(float), n)
        if have_bb:
            ftth = _mean_by(fpos, table["ftth_share"].to_numpy(float), n)
    cols.update(infra_cols)
    cols["broadband_ftth_share"] = ftth

    out = pd.DataFrame({"code": index.to_numpy(dtype=object), "name": names,
                        "level": level, "year": np.full(n, year, dtype=np.int64)})
    for ind in catalogue.INDICATORS:
        if ind.dimension == "composite":
            continue
        values = cols[ind.name]
        if ind.dtype == "int":
            out[ind.name] = np.asarray(values).round().astype(np.int64)
        elif ind.dtype == "bool":
            out[ind.name] = np.asarray(values, dtype=bool)
        else:
            out[ind.name] = np.asarray(values, dtype=float)
    if with_composite:
        out = pd.concat([out, composite.imi(out)], axis=1)
    out = out[[*KEY_COLUMNS, *(c for c in catalogue.names() if c in out.columns)]]
    out.attrs["missing_categories"] = list(front.missing)
    return out


# ---------------------------------------------------------------------------
# comparison and the registry entry point
# ---------------------------------------------------------------------------


def compare(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Each indicator ``x`` of ``current`` followed by ``x_compare`` (its value in
    ``previous``, matched by ``code``; empty when the territory is absent there) and
    ``x_change`` (``x − x_compare``; booleans count as 0/1). Adds ``compare_year``.
    """
    prev_year = int(previous["year"].iloc[0]) if len(previous) else pd.NA
    other = previous.set_index("code")
    out = current[list(KEY_COLUMNS)].copy()
    out["compare_year"] = pd.array([prev_year] * len(current), dtype="Int64")
    codes = current["code"].to_numpy(dtype=object)
    for name in catalogue.names():
        if name not in current.columns:
            continue
        ind = catalogue.get(name)
        cur = current[name]
        before = other[name].reindex(codes) if name in other.columns else \
            pd.Series(np.nan, index=codes)
        before.index = current.index
        out[name] = cur
        if ind.dtype == "int":
            out[f"{name}_compare"] = before.astype("Int64")
            out[f"{name}_change"] = cur.astype("Int64") - before.astype("Int64")
        elif ind.dtype == "bool":
            out[f"{name}_compare"] = before.astype("boolean")
            out[f"{name}_change"] = cur.astype("Int64") - before.astype("boolean").astype(
                "Int64")
        else:
            out[f"{name}_compare"] = before.astype(float)
            out[f"{name}_change"] = cur.astype(float) - before.astype(float)
    return out


@dataclass(frozen=True)
class IndicatorInputs:
    """Everything the indicator table reads besides the firms of the year.

    One value read once from a registry (:meth:`from_registry`) and passed to
    :func:`indicator_table`: ``ecosystem indicators``, the dashboard, the report and the
    what-if scenarios (which replace ``actors`` and ``relations`` with :meth:`replace`)
    all compute the table through it, so that they give the same figures.

    Attributes
    ----------
    actors : GeoDataFrame
        The actors layer (every year).
    relations : DataFrame
        The relations layer (every year).
    territories : dict
        Level -> the territories of that level (the levels read).
    infrastructure : GeoDataFrame or None
    broadband : DataFrame or None
    history : DataFrame or None
        Firm observations of every year (``firm_id``, ``year``, ``stage``, ``created``,
        ``export_share`` and the territory columns).
    survey : DataFrame or None
        The stored survey (:func:`ecosystem.survey.stored_survey`).
    """

    actors: gpd.GeoDataFrame
    relations: pd.DataFrame
    territories: dict[str, pd.DataFrame]
    infrastructure: gpd.GeoDataFrame | None = None
    broadband: pd.DataFrame | None = None
    history: pd.DataFrame | None = None
    survey: pd.DataFrame | None = None

    @classmethod
    def from_registry(cls, registry: Registry, levels: Sequence[str] = TERRITORY_LEVELS
                      ) -> IndicatorInputs:
        """Read the layers of ``registry`` (the territories of ``levels`` only)."""
        columns = ["firm_id", "year", "stage", "created", "export_share", *TERRITORY_LEVELS]
        return cls(
            actors=registry.actors(),
            relations=registry.relations(),
            territories={_check_level(lv): registry.territories(lv) for lv in levels},
            infrastructure=registry.infrastructure(),
            broadband=registry.read("broadband"),
            history=registry.read("firms", columns=list(dict.fromkeys(columns))),
            survey=stored_survey(registry),
        )

    def replace(self, **changes: object) -> IndicatorInputs:
        """A copy with some layers replaced (e.g. a scenario's actors and relations)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def territories_of(self, level: str) -> pd.DataFrame:
        """The territories of ``level`` (refused when that level was not read)."""
        if level not in self.territories:
            raise ValueError(f"the territories of level {level!r} were not read; levels read: "
                             f"{list(self.territories)}")
        return self.territories[level]


def indicator_table(
    firms: gpd.GeoDataFrame, inputs: IndicatorInputs, level: str, year: int
) -> pd.DataFrame:
    """The indicator table of ``level`` in ``year``: :func:`territory_indicators` with
    every layer of ``inputs`` (the one path of every surface that shows an indicator).

    Parameters
    ----------
    firms : GeoDataFrame
        Firm observations of ``year`` (others are ignored).
    inputs : IndicatorInputs
    level : {"commune", "epci", "departement", "region"}
    year : int
    """
    return territory_indicators(
        firms, inputs.actors, inputs.relations, year, level,
        territories=inputs.territories_of(level), infrastructure=inputs.infrastructure,
        broadband=inputs.broadband, history=inputs.history, survey=inputs.survey,
    )


def check_years(registry: Registry, *years: int | None) -> None:
    """Refuse a year (None is skipped) for which a registry holding firm observations
    has none (:class:`~ecosystem.EmptyDataError`, naming the years it has)."""
    have = registry.years()
    for y in years:
        if y is not None and have and y not in have:
            raise EmptyDataError(
                f"the registry has no firm observation for {y}; its years are "
                f"{', '.join(map(str, have))}")


def compute_indicators(
    registry: Registry,
    level: str,
    year: int,
    compare_year: int | None = None,
    *,
    with_geometry: bool = False,
    inputs: IndicatorInputs | None = None,
) -> pd.DataFrame:
    """The indicator table of a registry for one level and year.

    Parameters
    ----------
    registry : Registry
    level : {"commune", "epci", "departement", "region"}
    year : int
        Observation year of the firms, activity year of actors and ties.
    compare_year : int, optional
        Adds, after each indicator ``x``, ``x_compare`` (value in ``compare_year``)
        and ``x_change`` (difference), plus a ``compare_year`` column.
    with_geometry : bool
        Return a GeoDataFrame with each territory's boundary (EPSG:2154), for
        GeoPackage or GeoJSON output.
    inputs : IndicatorInputs, optional
        The registry's layers already read (:meth:`IndicatorInputs.from_registry`).

    Returns
    -------
    DataFrame or GeoDataFrame
        One row per territory of ``level`` holding at least one active firm or
        actor in ``year``, sorted by code; columns ``code``, ``name``, ``level``,
        ``year`` then the catalogue's indicators (:mod:`ecosystem.catalogue`).

    Raises
    ------
    ValueError
        Unknown level.
    EmptyDataError
        The registry has firm observations but none for ``year`` (or
        ``compare_year``), or has neither firm nor actor that year.
    """
    _check_level(level)
    check_years(registry, year, compare_year)
    if inputs is None:
        inputs = IndicatorInputs.from_registry(registry, (level,))
    table = indicator_table(registry.firms(year), inputs, level, year)
    if not len(table):
        raise EmptyDataError(f"no active firm nor actor in {year}: nothing to measure")
    if compare_year is not None:
        missing = table.attrs.get("missing_categories", [])
        table = compare(table, indicator_table(registry.firms(compare_year), inputs, level,
                                               compare_year))
        table.attrs["missing_categories"] = missing
    if with_geometry:
        terr = inputs.territories_of(level)[["code", "geometry"]].drop_duplicates("code")
        geo = terr.set_index("code").geometry.reindex(table["code"].to_numpy())
        table = gpd.GeoDataFrame(table, geometry=geo.to_numpy(), crs=terr.crs)
    return table


def write_indicators(frame: pd.DataFrame, fmt: str | None, out: str | os.PathLike[str],
                     dialect: str = "fr") -> Path:
    """Write an indicator table (csv, xlsx, json, geojson or gpkg), atomically.

    A thin wrapper on :func:`ecosystem.export.write_table`; the layer (or sheet) is
    named ``indicators_<level>_<year>``. GeoJSON and GeoPackage need the table of
    ``compute_indicators(..., with_geometry=True)`` to carry the boundaries.
    """
    from .export import write_table

    layer = "indicators"
    if len(frame) and {"level", "year"} <= set(frame.columns):
        layer = f"indicators_{frame['level'].iloc[0]}_{int(frame['year'].iloc[0])}"
    return write_table(frame, out, fmt=fmt, layer=layer, dialect=dialect)


def export_indicators(
    registry: Registry,
    level: str,
    year: int,
    out: str | os.PathLike[str],
    fmt: str | None = None,
    compare_year: int | None = None,
    dialect: str = "fr",
) -> Path:
    """Compute the indicator table and write it: what ``ecosystem indicators`` does.

    ``fmt`` (default: the extension of ``out``) among csv, xlsx, json, geojson, gpkg;
    the spatial formats get each territory's boundary. The table as published is
    written by :func:`ecosystem.publish.export_public_indicators` (``--public``).
    """
    fmt = (fmt or Path(out).suffix.lstrip(".")).lower()
    frame = compute_indicators(registry, level, year, compare_year,
                               with_geometry=fmt in ("gpkg", "geojson"))
    return write_indicators(frame, fmt, out, dialect=dialect)
