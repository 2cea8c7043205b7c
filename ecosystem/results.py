"""Computations run on a registry, read from the result cache when already made.

The command line, the maps, the dashboard and the report call these functions. Each
result is cached outside the registry (:mod:`ecosystem.cache`) under a key made of
the registry's version, the kind of result, its parameters, the settings and the
software version, so that what was computed once is read, not computed again, and a
result of an older state of the registry is never read. Nothing is ever written into
the registry: these functions only read it.

``unserved``
    :func:`ecosystem.proximity.unserved_firms`.
``access``
    :func:`ecosystem.accessibility.firm_accessibility` (2SFCA, E2SFCA) per firm.
``catchments``
    :func:`ecosystem.proximity.catchments` (a GeoDataFrame of the actors' points).
``infrastructure_access``
    :func:`ecosystem.proximity.infrastructure_access` per firm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from . import accessibility, proximity
from .cache import cached
from .registry import Registry

__all__ = ["unserved", "access", "catchments", "infrastructure_access"]


def _result(registry: Registry, kind: str, params: dict[str, Any],
            compute: Callable[[], pd.DataFrame], cache: bool) -> pd.DataFrame:
    if not cache:
        return compute()
    return cached(registry.version(), kind, params, compute,
                  current_version=registry.version)


def _cats(categories: Sequence[str] | None) -> list[str] | None:
    return None if categories is None else [str(c) for c in categories]


def unserved(registry: Registry, year: int, *, distance_km: float | None = None,
             categories: Sequence[str] | None = None, exporting_only: bool = False,
             detour_factor: float | None = None, cache: bool = True) -> pd.DataFrame:
    """Unserved firms of ``year``, ranked by potential (see ``docs/proximity.md``).

    Parameters
    ----------
    registry : Registry
        Read only.
    year : int
        Observation year.
    distance_km, categories, detour_factor : optional
        As :func:`ecosystem.proximity.unserved_firms` (defaults from the settings).
    exporting_only : bool
        Keep the exporting firms only (ranked again from 1).
    cache : bool
        Read and fill the result cache (:mod:`ecosystem.cache`); False computes.
    """
    def compute() -> pd.DataFrame:
        firms = registry.firms()  # every year: born-global needs the firm's history
        return proximity.unserved_firms(firms, registry.actors(), year, categories,
                                        distance_km=distance_km, detour_factor=detour_factor)

    table = _result(registry, "unserved", {
        "year": int(year), "distance_km": distance_km, "categories": _cats(categories),
        "detour_factor": detour_factor}, compute, cache)
    if exporting_only:
        table = table[table["exporting"].astype(bool)].reset_index(drop=True)
        table["rank"] = range(1, len(table) + 1)
    return table


def access(registry: Registry, year: int, *, distance_km: float | None = None,
           categories: Sequence[str] | None = None, demand: str = "firms",
           detour_factor: float | None = None, cache: bool = True) -> pd.DataFrame:
    """2SFCA and E2SFCA accessibility of every firm active in ``year``.

    Parameters as :func:`unserved`; ``demand`` is ``"firms"`` (1 a firm) or
    ``"employees"`` (its headcount).
    """
    def compute() -> pd.DataFrame:
        return accessibility.firm_accessibility(
            registry.firms(year), registry.actors(), year, categories,
            demand=demand,  # type: ignore[arg-type]
            distance_km=distance_km, detour_factor=detour_factor)

    return _result(registry, "access", {
        "year": int(year), "distance_km": distance_km, "categories": _cats(categories),
        "demand": demand, "detour_factor": detour_factor}, compute, cache)


def catchments(registry: Registry, year: int, *, distance_km: float | None = None,
               categories: Sequence[str] | None = None, detour_factor: float | None = None,
               cache: bool = True) -> pd.DataFrame:
    """Catchment and load of every front-line actor active in ``year`` (a GeoDataFrame).

    Parameters as :func:`unserved`.
    """
    def compute() -> pd.DataFrame:
        return proximity.catchments(registry.firms(year), registry.actors(), year, categories,
                                    distance_km=distance_km, detour_factor=detour_factor)

    return _result(registry, "catchments", {
        "year": int(year), "distance_km": distance_km, "categories": _cats(categories),
        "detour_factor": detour_factor}, compute, cache)


def infrastructure_access(registry: Registry, year: int, *, detour_factor: float | None = None,
                          cache: bool = True) -> pd.DataFrame:
    """Distance of every firm active in ``year`` to airports, ports, road and rail nodes.

    Parameters as :func:`unserved`.
    """
    def compute() -> pd.DataFrame:
        return proximity.infrastructure_access(
            registry.firms(year), registry.infrastructure(), year, registry.read("broadband"),
            detour_factor=detour_factor)

    return _result(registry, "infrastructure_access", {
        "year": int(year), "detour_factor": detour_factor}, compute, cache)
