"""The results the dashboard shows, computed through the core's API and cached.

Every result is kept in memory per (registry state, function, parameters): the
registry state is its file's modification time and size, so an import through
the Données page makes the next request recompute from the new registry. Two
requests asking for the same missing result compute it once (one lock per key).
The dashboard never writes into the registry but for the imports made by staff
on the Données page; the proximity results also go through the core's result
cache (:mod:`ecosystem.cache`), outside the registry.

What the public sees comes from the publication gate (:mod:`ecosystem.publish`):
:meth:`DashboardData.public_indicators` and :meth:`DashboardData.protected_counts`
return its tables as they are; the staff tables (:meth:`DashboardData.indicators`)
are never shown to visitors without sign-in.

Examples
--------
>>> cache = ResultCache(maxsize=2)
>>> calls = []
>>> cache.get(("a",), lambda: calls.append(1) or 41 + 1), cache.get(("a",), lambda: 0)
(42, 42)
>>> len(calls)
1
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from ecosystem import publish, results
from ecosystem.cli import open_registry
from ecosystem.indicators import IndicatorInputs, compute_indicators
from ecosystem.registry import Registry
from ecosystem.schema import TERRITORY_LEVELS
from ecosystem.settings import get_settings

__all__ = ["ResultCache", "DashboardData"]

T = TypeVar("T")


class ResultCache:
    """A thread-safe least-recently-used cache that computes each key once.

    ``hits`` and ``computed`` count the answers given from the cache and the values
    computed (what the tests read to know that a request was served from the cache).
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.computed = 0
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of ``key``, computed with ``compute()`` when missing."""
        with self._guard:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]  # type: ignore[no-any-return]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._values:
                    self.hits += 1
                    return self._values[key]  # type: ignore[no-any-return]
            value = compute()
            with self._guard:
                self.computed += 1
                self._values[key] = value
                while len(self._values) > self.maxsize:
                    self._values.popitem(last=False)
                self._locks.pop(key, None)
            return value

    def clear(self) -> None:
        """Forget every value."""
        with self._guard:
            self._values.clear()


class DashboardData:
    """The registry of the dashboard and its cached results.

    Parameters
    ----------
    registry : path
        The registry GeoPackage (it must exist).
    """

    def __init__(self, registry: str | os.PathLike[str]) -> None:
        self.path = Path(registry)
        self.registry: Registry = open_registry(str(registry))
        self.cache = ResultCache(get_settings().dashboard_cache_entries)
        self.write_lock = threading.Lock()

    # -- state ---------------------------------------------------------------
    def state(self) -> tuple[int, int]:
        """What identifies the registry's content: modification time and size."""
        st = self.path.stat()
        return st.st_mtime_ns, st.st_size

    def cached(self, name: str, params: Sequence[Hashable], compute: Callable[[], T]) -> T:
        """``compute()`` cached under (registry state, ``name``, ``params``)."""
        return self.cache.get((self.state(), name, tuple(params)), compute)

    def years(self) -> list[int]:
        """Observation years of the firms, sorted."""
        return self.cached("years", (), self.registry.years)

    def last_year(self) -> int:
        years = self.years()
        if not years:
            raise ValueError(f"registry {self.path} has no firm observation")
        return years[-1]

    def info(self) -> dict[str, Any]:
        """:meth:`Registry.info`."""
        return self.cached("info", (), self.registry.info)

    def is_synthetic(self) -> bool:
        return self.cached("synthetic", (), self.registry.is_synthetic)

    # -- results -------------------------------------------------------------
    def indicators(self, level: str, year: int, compare_year: int | None = None) -> pd.DataFrame:
        """:func:`ecosystem.indicators.compute_indicators` (the CLI's ``indicators``)."""
        return self.cached("indicators", (level, int(year), compare_year),
                           lambda: compute_indicators(self.registry, level, int(year),
                                                      compare_year))

    def indicators_geo(self, level: str, year: int) -> pd.DataFrame:
        """The indicator table with each territory's boundary (EPSG:2154)."""
        return self.cached("indicators_geo", (level, int(year)),
                           lambda: compute_indicators(self.registry, level, int(year),
                                                      with_geometry=True))

    def indicator_inputs(self) -> IndicatorInputs:
        """The registry's layers read once for the indicator tables (every level)."""
        return self.cached("indicator_inputs", (),
                           lambda: IndicatorInputs.from_registry(self.registry,
                                                                 TERRITORY_LEVELS))

    def public_indicators(self, level: str, year: int, compare_year: int | None = None
                          ) -> pd.DataFrame:
        """:func:`ecosystem.publish.public_indicators`: the indicator table as
        published (``ecosystem indicators --public``), for visitors without sign-in.

        Like the staff tables, a bounded set (levels × years × comparison years), each
        computed once per registry state, outside the visitors' slots
        (:mod:`dashboard.slots`): the first table of a year runs τ-Argus once for that
        year (:meth:`protected_counts`, also in the core's result cache). Never changed
        in place by the pages (the public download writes it as it is).
        """
        cmp = None if compare_year is None else int(compare_year)
        return self.cached(
            "public_indicators", (level, int(year), cmp),
            lambda: publish.public_indicators(self.registry, level, int(year), cmp,
                                              inputs=self.indicator_inputs()))

    def public_indicators_geo(self, level: str, year: int) -> pd.DataFrame:
        """:meth:`public_indicators` with each territory's boundary (EPSG:2154): what
        the public maps draw."""
        return self.cached(
            "public_indicators_geo", (level, int(year)),
            lambda: publish.public_indicators(self.registry, level, int(year),
                                              with_geometry=True,
                                              inputs=self.indicator_inputs()))

    def protected_counts(self, year: int) -> pd.DataFrame:
        """:func:`ecosystem.publish.protected_counts`: the firm counts of ``year`` at
        every territorial level as the gate protects them (status safe, primary or
        secondary)."""
        return self.cached(
            "protected_counts", (int(year),),
            lambda: publish.protected_counts(self.registry, int(year),
                                             inputs=self.indicator_inputs()))

    def territories(self, level: str) -> pd.DataFrame:
        """Codes and names of the territories of ``level`` in the registry."""
        def load() -> pd.DataFrame:
            t = self.registry.territories(level)
            return pd.DataFrame({"code": t["code"].astype(str), "name": t["name"].astype(str)}
                                ).drop_duplicates("code").sort_values("code",
                                                                      ignore_index=True)
        return self.cached("territories", (level,), load)

    def unserved(self, year: int, distance_km: float | None = None,
                 categories: Sequence[str] | None = None,
                 exporting_only: bool = False) -> pd.DataFrame:
        """:func:`ecosystem.results.unserved` (the CLI's ``unserved``)."""
        cats = tuple(categories) if categories else None
        return self.cached(
            "unserved", (int(year), distance_km, cats, exporting_only),
            lambda: results.unserved(self.registry, int(year), distance_km=distance_km,
                                     categories=cats, exporting_only=exporting_only))

    def network_data(self, year: int) -> Any:
        """:class:`ecosystem.network.NetworkData` of ``year`` (actors, ties, firms)."""
        from ecosystem.network import NetworkData

        return self.cached("network_data", (int(year),),
                           lambda: NetworkData.from_registry(self.registry, int(year)))

    def analysis(self, year: int) -> Any:
        """:func:`ecosystem.network.analyse` of ``year`` (graph, metrics, territories);
        what ``ecosystem network`` writes."""
        from ecosystem import network

        return self.cached("analysis", (int(year),),
                           lambda: network.analyse(self.network_data(year)))

    def ties(self, year: int, top: int = 10) -> pd.DataFrame:
        """:func:`ecosystem.activation.recommend_ties`."""
        from ecosystem import activation

        return self.cached("ties", (int(year), int(top)),
                           lambda: activation.recommend_ties(self.registry, int(year), int(top)))

    def relays(self, year: int, sites: int, distance_km: float | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """:func:`ecosystem.activation.plan_relays` (sites, covered firms)."""
        from ecosystem import activation

        return self.cached("relays", (int(year), int(sites), distance_km),
                           lambda: activation.plan_relays(self.registry, int(year), int(sites),
                                                          distance_km))

    def groups(self, year: int) -> pd.DataFrame:
        """:func:`ecosystem.activation.groupements`."""
        from ecosystem import activation

        return self.cached("groups", (int(year),),
                           lambda: activation.groupements(self.registry, int(year)))
