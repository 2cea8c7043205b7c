"""The support actors of a territory: how many of each category are active, year by year,
and which categories have none.

An actor counts in the territory of its own ``commune`` (its EPCI, département, région),
and in a year when it is active then (:func:`ecosystem.activity.active_actors`).

Examples
--------
>>> a = pd.DataFrame({"id": ["1", "2", "3", "4"], "category": ["cci", "cma", "cci", "cce"],
...                   "departement": ["34", "34", "34", "30"],
...                   "since": [2000, 2000, 2025, 2000], "until": [pd.NA, 2024, pd.NA, pd.NA]})
>>> actors_by_category(a, [2025, 2024], "departement", "34").to_dict("index")
{'cci': {2025: 2, 2024: 1}, 'cma': {2025: 0, 2024: 1}}
>>> absent_categories(a, 2025, "departement", "34", ["cci", "cce", "bpifrance"])
['cce', 'bpifrance']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .activity import active_actors
from .settings import CATEGORIES, get_settings

__all__ = ["actors_by_category", "absent_categories"]


def _here(actors: pd.DataFrame, year: int, level: str, code: str) -> pd.Series:
    """Categories of the actors of the territory active in ``year``."""
    live = active_actors(actors, year)
    return live.loc[live[level].astype(str).eq(str(code)), "category"].astype(str)


def actors_by_category(actors: pd.DataFrame, years: Sequence[int], level: str,
                       code: str) -> pd.DataFrame:
    """Active actors of a territory by category, for each of ``years``.

    Parameters
    ----------
    actors : DataFrame
        The ``actors`` layer (every year; ``category``, ``since``, ``until`` and the
        ``level`` column).
    years : sequence of int
        One column per year, in this order.
    level : str
        Territory level (``commune``, ``epci``, ``departement``, ``region``).
    code : str
        Territory code.

    Returns
    -------
    DataFrame
        int64 counts indexed by category: the categories with an active actor in at
        least one of ``years``, in the order of ``settings.CATEGORIES`` (unknown codes
        after, in code order); one column per year.
    """
    counts = {int(y): _here(actors, y, level, code).value_counts() for y in years}
    present = set().union(*(set(c.index) for c in counts.values())) if counts else set()
    order = [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))
    out = pd.DataFrame({y: c.reindex(order).fillna(0).to_numpy(dtype=np.int64)
                        for y, c in counts.items()},
                       index=pd.Index(order, dtype=object, name="category"))
    return out.astype(np.int64)


def absent_categories(actors: pd.DataFrame, year: int, level: str, code: str,
                      categories: Sequence[str] | None = None) -> list[str]:
    """The ``categories`` without any active actor in the territory in ``year``.

    ``categories`` defaults to the front line (``settings.unserved_categories``); the
    result keeps their order.
    """
    cats = list(get_settings().unserved_categories if categories is None else categories)
    present = set(_here(actors, year, level, code))
    return [c for c in cats if c not in present]
