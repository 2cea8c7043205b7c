"""Which records are active in a year (PRODUCT.md fixed definitions).

- An actor is active in year *y* when ``since <= y`` and (``until`` is empty or
  ``y <= until``).
- A tie is active in *y* when its ``year <= y``, its ``until`` is empty or
  ``>= y``, and both its ends are active in *y*.
- A firm is active in *y* when it has an observation for *y*.
- A firm is exporting when its stage is indirect export or beyond.
"""

from __future__ import annotations

from typing import TypeVar

import pandas as pd

from .settings import EXPORTING_STAGES

__all__ = [
    "active_actors_mask",
    "active_actors",
    "active_firms",
    "active_relations",
    "is_exporting",
]

F = TypeVar("F", bound=pd.DataFrame)


def active_actors_mask(actors: pd.DataFrame, year: int) -> pd.Series:
    """Boolean mask of the actors active in ``year``.

    Examples
    --------
    >>> df = pd.DataFrame({"since": [2020, 2024, 2010], "until": [pd.NA, pd.NA, 2022]})
    >>> active_actors_mask(df, 2023).tolist()
    [True, False, False]
    """
    since = pd.to_numeric(actors["since"])
    until = pd.to_numeric(actors["until"]).astype("Float64")
    return ((since <= year) & (until.isna() | (until >= year))).fillna(False).astype(bool)


def active_actors(actors: F, year: int | None) -> F:
    """The actors active in ``year`` (all of them when ``year`` is None)."""
    if year is None:
        return actors
    return actors.loc[active_actors_mask(actors, year)]


def active_firms(firms: F, year: int) -> F:
    """The observations of ``year``: one row per firm active that year."""
    return firms.loc[pd.to_numeric(firms["year"]) == year]


def is_exporting(firms: pd.DataFrame) -> pd.Series:
    """Boolean mask: stage is indirect export or beyond.

    Examples
    --------
    >>> is_exporting(pd.DataFrame({"stage": ["local", "direct_export"]})).tolist()
    [False, True]
    """
    return firms["stage"].isin(EXPORTING_STAGES)


def active_relations(
    relations: F, year: int, actors: pd.DataFrame, firms: pd.DataFrame | None = None
) -> F:
    """Ties active in ``year`` whose two ends are active in ``year``.

    Parameters
    ----------
    relations : DataFrame
        Rows of the ``relations`` layer.
    year : int
        The year.
    actors : DataFrame
        The ``actors`` layer (all years; activity is checked here).
    firms : DataFrame, optional
        The ``firms`` layer; when omitted, ties with a firm end are dropped.
    """
    start = pd.to_numeric(relations["year"])
    until = pd.to_numeric(relations["until"]).astype("Float64")
    keep = ((start <= year) & (until.isna() | (until >= year))).fillna(False).astype(bool)
    live_actors = set(active_actors(actors, year)["id"].astype(str))
    live_firms: set[str] = set()
    if firms is not None and len(firms):
        live_firms = set(active_firms(firms, year)["firm_id"].astype(str))

    def end_ok(ids: pd.Series, types: pd.Series) -> pd.Series:
        is_actor = types.eq("actor")
        return (is_actor & ids.isin(live_actors)) | (~is_actor & ids.isin(live_firms))

    keep &= end_ok(relations["source"].astype(str), relations["source_type"])
    keep &= end_ok(relations["target"].astype(str), relations["target_type"])
    return relations.loc[keep]
