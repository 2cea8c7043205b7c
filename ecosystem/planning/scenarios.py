"""What-if scenarios: a YAML file adding actors, ties or relays, applied in memory, and the
measures of every territory before and after.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from .._errors import InputFormatError
from ..activity import active_firms
from ..indicators import IndicatorInputs, indicator_table
from ..inputs import as_registry
from ..network import NetworkData, to_igraph
from ..registry import Registry
from ..settings import get_settings
from .reach import firm_reach

__all__ = [
    "WHAT_IF_COLUMNS",
    "read_scenario",
    "apply_scenario",
    "territory_measures",
    "what_if",
]

# ---------------------------------------------------------------------------
# what-if scenarios
# ---------------------------------------------------------------------------

_SCENARIO_KEYS = {"name", "description", "year", "actors", "ties", "relays"}
_RELAY_KEYS = {"id", "name", "category", "commune", "lat", "lon", "x", "y", "epsg", "since",
               "capacity", "international_links", "tied_to", "tie_kind"}


def _scenario_error(path: str, message: str) -> InputFormatError:
    return InputFormatError(f"{path}: {message}")


def read_scenario(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the shape of a scenario file (YAML; see ``docs/network.md``).

    Top-level keys: ``name``, ``description``, ``year``, ``actors`` (list of actor records
    as in an actors file), ``ties`` (list of relation records) and ``relays`` (list of
    ``commune`` (or ``lat``/``lon``, ``x``/``y``+``epsg``), optional ``category`` (default
    ``settings.relay_category``), ``name``, ``id``, ``since``, ``capacity``,
    ``international_links``, ``tied_to`` (actor ids) and ``tie_kind`` (default
    ``partnership``)). Unknown keys are refused.
    """
    p = Path(path)
    try:
        content = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _scenario_error(p.name, f"not a valid YAML file: {exc}") from exc
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise _scenario_error(p.name, "expected a mapping with keys among "
                              f"{sorted(_SCENARIO_KEYS)}")
    unknown = set(content) - _SCENARIO_KEYS
    if unknown:
        raise _scenario_error(p.name, f"unknown key(s) {sorted(unknown)}; expected keys among "
                              f"{sorted(_SCENARIO_KEYS)}")
    for key in ("actors", "ties", "relays"):
        value = content.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise _scenario_error(p.name, f"'{key}' must be a list of records (key: value)")
        content[key] = value
    for i, relay in enumerate(content["relays"], start=1):
        bad = set(relay) - _RELAY_KEYS
        if bad:
            raise _scenario_error(p.name, f"relay {i}: unknown key(s) {sorted(bad)}; expected "
                                  f"keys among {sorted(_RELAY_KEYS)}")
    content["file"] = p.name
    return content


def _records_table(records: list[dict[str, Any]], file: str) -> Any:
    from ..readers import RawTable

    frame = pd.DataFrame([{k: ("" if v is None else (
        "|".join(map(str, v)) if isinstance(v, list) else str(v)).strip())
        for k, v in r.items()} for r in records])
    frame = frame.replace("", np.nan).astype(object)
    return RawTable.from_frame(frame, file=file)


def apply_scenario(data: NetworkData, scenario: dict[str, Any]) -> NetworkData:
    """The layers of ``data`` with the scenario's actors, relays and ties added.

    New actors and relays go through the validation of an actors file
    (:func:`ecosystem.imports.prepare_actors`) and ties through that of a relations file
    (:func:`ecosystem.imports.prepare_relations`): a wrong commune code or an unknown
    actor id raises :class:`~ecosystem._errors.ValidationError` naming the record.
    Missing ``since`` (actors, relays) and ``year`` (ties) default to the scenario year.
    """
    from ..imports import prepare_actors, prepare_relations

    s = get_settings()
    file = str(scenario.get("file", "scenario"))
    year = data.year
    actor_records = [dict(r) for r in scenario.get("actors", [])]
    tie_records = [dict(r) for r in scenario.get("ties", [])]
    geo_names: dict[str, str] = {}
    for i, relay in enumerate(scenario.get("relays", []), start=1):
        r = dict(relay)
        category = str(r.pop("category", None) or s.relay_category)
        tied_to = r.pop("tied_to", None) or []
        kind = str(r.pop("tie_kind", None) or "partnership")
        commune = str(r.get("commune", "") or "")
        if commune and not geo_names:
            geo_names = dict(zip(data.territories_of("commune")["code"],
                                 data.territories_of("commune")["name"], strict=True))
        rid = str(r.get("id") or f"relais-{category}-{commune or i}")
        r["id"] = rid
        r["category"] = category
        r.setdefault("name", f"Relais {category.upper()} {geo_names.get(commune, commune)}"
                     .strip())
        actor_records.append(r)
        for other in (tied_to if isinstance(tied_to, list) else [tied_to]):
            tie_records.append({"source": rid, "target": str(other), "kind": kind})
    actors = data.actors
    relations = data.relations
    if actor_records:
        for r in actor_records:
            r.setdefault("since", year)
        new = prepare_actors(_records_table(actor_records, file), source=file)
        clash = set(new["id"]) & set(actors["id"].astype(str))
        if clash:
            raise InputFormatError(
                f"{file}: actor id(s) already in the registry: {sorted(clash)}")
        new = new.to_crs(actors.crs) if actors.crs is not None else new
        actors = pd.concat([actors, new], ignore_index=True)
        actors = gpd.GeoDataFrame(actors, geometry="geometry", crs=new.crs)
    if tie_records:
        for r in tie_records:
            r.setdefault("year", year)
        firm_ids = set(data.firms["firm_id"].astype(str)) if len(data.firms) else set()
        new_ties = prepare_relations(_records_table(tie_records, file),
                                     set(actors["id"].astype(str)), firm_ids)
        relations = pd.concat([relations, new_ties], ignore_index=True)
    return NetworkData(year, actors, relations, data.firms, data.territories)


#: Columns of :func:`what_if`.
WHAT_IF_COLUMNS: tuple[str, ...] = (
    "level", "code", "name", "source", "measure", "before", "after", "change",
)

_NETWORK_MEASURES = (
    "n_actors", "n_ties", "n_external_ties", "n_components", "largest_component_share",
    "n_isolated", "efficiency", "n_regional_components", "main_component_share",
    "n_regionally_isolated", "n_international", "n_coordinators",
)


def territory_measures(data: NetworkData, level: str = "departement",
                       inputs: IndicatorInputs | None = None) -> pd.DataFrame:
    """The measures a scenario changes, for the région(s) and the territories of ``level``.

    Long format: ``level``, ``code``, ``name``, ``source``, ``measure``, ``value``.

    - ``source = "network"``: :func:`ecosystem.network.territory_metrics` columns
      ``n_actors``, ``n_ties``, ``n_external_ties``, ``n_components``,
      ``largest_component_share``, ``n_isolated``, ``efficiency``,
      ``n_regional_components``, ``main_component_share``, ``n_regionally_isolated``,
      ``n_international``, ``n_coordinators``, and ``n_front_line_actors``;
    - ``source = "proximity"``: ``n_unserved``, ``unserved_share``,
      ``n_unserved_exporting``, ``unserved_potential``
      (:func:`ecosystem.unserved.unserved_by_territory`) and ``firms_reached_share``
      (share of active firms within two steps of the front line, :class:`FirmReach`);
    - ``source = "indicators"``: every numeric column of the indicator table
      (:func:`ecosystem.indicators.indicator_table`, the table of ``ecosystem indicators``),
      computed from ``inputs`` (the registry's layers, with ``data``'s actors and
      relations). Without ``inputs``, only the layers of ``data`` are used (no
      infrastructure, broadband, survey or earlier years).
    """
    from ..network import analyse
    from ..unserved import unserved_by_territory

    s = get_settings()
    levels = ("region", level) if level != "region" else ("region",)
    analysis = analyse(data, levels=levels)
    if inputs is None:
        inputs = IndicatorInputs(
            data.actors, data.relations,
            {lv: data.territories.loc[data.territories["level"].eq(lv)] for lv in levels})
    indicator_inputs = inputs.replace(actors=data.actors, relations=data.relations)
    terr = analysis.territories
    live = data.live_actors()
    frames = []
    for lv in levels:
        t = terr.loc[terr["level"].eq(lv)].set_index("code")
        codes = live[lv].astype(str)
        t["n_front_line_actors"] = live.loc[live["category"].isin(s.unserved_categories)] \
            .groupby(codes).size().reindex(t.index).fillna(0).astype(int)
        net = t[[*_NETWORK_MEASURES, "n_front_line_actors"]]
        long = net.reset_index().melt(id_vars="code", var_name="measure", value_name="value")
        long["source"] = "network"
        frames.append(long.assign(level=lv, name=long["code"].map(t["name"])))
        if len(data.firms):
            _, counts = unserved_by_territory(data.firms, data.actors, data.year, lv)
            g, nodes = to_igraph(analysis.graph)
            reach = firm_reach(data, [str(v) for v in nodes], g.get_adjlist())
            fy = active_firms(data.firms, data.year).reset_index(drop=True)
            counts["firms_reached_share"] = pd.Series(reach.reached()).groupby(
                fy[lv].astype(str).to_numpy()).mean()
            prox = counts[["n_unserved", "unserved_share", "n_unserved_exporting",
                           "unserved_potential", "firms_reached_share"]]
            prox.index.name = "code"
            long = prox.reset_index().melt(id_vars="code", var_name="measure",
                                           value_name="value")
            long["source"] = "proximity"
            frames.append(long.assign(level=lv, name=long["code"].map(t["name"])))
        if len(data.firms):
            ind = indicator_table(data.firms, indicator_inputs, lv, data.year)
            numeric = [c for c in ind.columns if c not in ("code", "name", "level", "year")
                       and pd.api.types.is_numeric_dtype(ind[c])]
            long = ind[["code", *numeric]].melt(id_vars="code", var_name="measure",
                                                value_name="value")
            long["source"] = "indicators"
            frames.append(long.assign(level=lv, name=long["code"].map(t["name"])))
    out = pd.concat(frames, ignore_index=True)
    out["name"] = out["name"].fillna("").astype(str)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    return out[["level", "code", "name", "source", "measure", "value"]]


def what_if(
    registry: Registry | str | os.PathLike[str], scenario_path: str | os.PathLike[str],
    year: int | None = None, level: str = "departement",
) -> pd.DataFrame:
    """Apply a scenario file to a registry's year (in memory) and report before / after.

    The registry is not changed. ``year`` defaults to the scenario's ``year``.

    Returns
    -------
    DataFrame
        Columns :data:`WHAT_IF_COLUMNS`: one row per territory (the région(s), then the
        territories of ``level``) and measure of :func:`territory_measures`, with its
        value ``before`` and ``after`` the scenario and ``change = after - before``.
        ``attrs["scenario"]`` holds the scenario's name and what it added.
    """
    scenario = read_scenario(scenario_path)
    y = year if year is not None else scenario.get("year")
    if y is None:
        raise InputFormatError(f"{scenario['file']}: no year: give one in the file ('year:') "
                               "or on the command line")
    reg = as_registry(registry)
    levels = ("region", level) if level != "region" else ("region",)
    inputs = IndicatorInputs.from_registry(reg, list(dict.fromkeys([*levels, "commune"])))
    # the same layers as ``ecosystem indicators`` for that year: the "before" column is
    # exactly its table; "after" is the same pipeline on the scenario's actors and ties
    data = NetworkData(int(y), inputs.actors, inputs.relations, reg.firms(int(y)),
                       pd.concat(list(inputs.territories.values()), ignore_index=True))
    after_data = apply_scenario(data, scenario)
    before = territory_measures(data, level, inputs)
    after = territory_measures(after_data, level, inputs)
    keys = ["level", "code", "source", "measure"]
    merged = before.merge(after, on=keys, how="outer", suffixes=("_before", "_after"))
    merged["name"] = merged["name_after"].fillna(merged["name_before"]).fillna("")
    merged = merged.rename(columns={"value_before": "before", "value_after": "after"})
    merged["change"] = merged["after"] - merged["before"]
    rank = {"region": 0}
    merged["_l"] = merged["level"].map(rank).fillna(1)
    merged["_s"] = merged["source"].map({"network": 0, "proximity": 1, "indicators": 2})
    merged = merged.sort_values(["_l", "code", "_s"], kind="stable")
    out = merged[list(WHAT_IF_COLUMNS)].reset_index(drop=True)
    out.attrs["scenario"] = {
        "name": scenario.get("name", ""), "year": int(y),
        "actors": len(scenario.get("actors", [])), "ties": len(scenario.get("ties", [])),
        "relays": len(scenario.get("relays", [])),
    }
    return out
