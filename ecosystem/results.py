"""Computations run on a registry, stored back in it as result layers.

The command line, the maps, the dashboard and the report call these functions;
each stores its table in the registry (``Registry.write_result``) under a name
that says what and for which year and parameters, so that what was computed once
is read, not computed again (``Registry.read_result``).

Result layers (no geometry):

``unserved_<year>``
    :func:`ecosystem.proximity.unserved_firms` with the default threshold and
    front-line categories.
``access_<year>``
    :func:`ecosystem.accessibility.firm_accessibility` (2SFCA, E2SFCA) per firm.
``catchments_<year>``
    :func:`ecosystem.proximity.catchments` of the front-line actors.
``infrastructure_access_<year>``
    :func:`ecosystem.proximity.infrastructure_access` per firm.

Results computed with non-default parameters are returned but not stored (their
name would not say what they are).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from . import accessibility, proximity
from .registry import Registry
from .settings import get_settings

__all__ = ["unserved", "access", "catchments", "infrastructure_access", "result_name"]


def result_name(kind: str, year: int) -> str:
    """Name of a stored result layer.

    Examples
    --------
    >>> result_name("unserved", 2025)
    'unserved_2025'
    """
    return f"{kind}_{int(year)}"


def _defaults(distance_km: float | None, categories: Sequence[str] | None,
              detour_factor: float | None) -> bool:
    st = get_settings()
    return ((distance_km is None or distance_km == st.unserved_distance_km)
            and (categories is None or tuple(categories) == tuple(st.unserved_categories))
            and (detour_factor is None or detour_factor == st.detour_factor))


def unserved(registry: Registry, year: int, *, distance_km: float | None = None,
             categories: Sequence[str] | None = None, exporting_only: bool = False,
             detour_factor: float | None = None, store: bool = True) -> pd.DataFrame:
    """Unserved firms of ``year``, ranked by potential (see ``docs/proximity.md``)."""
    firms = registry.firms()  # every year: born-global needs the firm's history
    table = proximity.unserved_firms(firms, registry.actors(), year, categories,
                                     distance_km=distance_km, detour_factor=detour_factor)
    if store and _defaults(distance_km, categories, detour_factor):
        registry.write_result(result_name("unserved", year), table)
    if exporting_only:
        table = table[table["exporting"].astype(bool)].reset_index(drop=True)
        table["rank"] = range(1, len(table) + 1)
    return table


def access(registry: Registry, year: int, *, distance_km: float | None = None,
           categories: Sequence[str] | None = None, demand: str = "firms",
           detour_factor: float | None = None, store: bool = True) -> pd.DataFrame:
    """2SFCA and E2SFCA accessibility of every firm active in ``year``."""
    table = accessibility.firm_accessibility(
        registry.firms(year), registry.actors(), year, categories, demand=demand,  # type: ignore[arg-type]
        distance_km=distance_km, detour_factor=detour_factor)
    if store and demand == "firms" and _defaults(distance_km, categories, detour_factor):
        registry.write_result(result_name("access", year), table)
    return table


def catchments(registry: Registry, year: int, *, distance_km: float | None = None,
               categories: Sequence[str] | None = None, detour_factor: float | None = None,
               store: bool = True) -> pd.DataFrame:
    """Catchment and load of every front-line actor active in ``year``."""
    table = proximity.catchments(registry.firms(year), registry.actors(), year, categories,
                                 distance_km=distance_km, detour_factor=detour_factor)
    if store and _defaults(distance_km, categories, detour_factor):
        registry.write_result(result_name("catchments", year), pd.DataFrame(
            table.drop(columns=[table.geometry.name]) if hasattr(table, "geometry") else table))
    return table


def infrastructure_access(registry: Registry, year: int, *, detour_factor: float | None = None,
                          store: bool = True) -> pd.DataFrame:
    """Distance of every firm active in ``year`` to airports, ports, road and rail nodes."""
    table = proximity.infrastructure_access(
        registry.firms(year), registry.infrastructure(), year, registry.read("broadband"),
        detour_factor=detour_factor)
    if store and _defaults(None, None, detour_factor):
        registry.write_result(result_name("infrastructure_access", year), table)
    return table
