"""A territory against its peers: the other territories of its level in its région.

An indicator table gives every territory's values; this module compares one of them
with its peers:

- :func:`peer_index`: which rows of the table are the peers (same level, same région; every
  région for the regional level);
- :func:`peer_values`, :func:`peer_median`, :func:`peer_rank`: the peers' published values
  of an indicator, their median and a territory's rank among them in the indicator's
  favourable direction;
- :func:`dimension_standing`: each composite dimension's score against the peers' median
  (the strongest and the weakest dimension);
- :func:`notable_changes`: the indicators that moved markedly since the comparison year,
  measured in units of the peers' spread.

For a public figure, pass the table **as published** (:func:`ecosystem.publish.
public_indicators`): a suppressed value there is the text
:data:`~ecosystem.disclosure.SECRET` (``s``), and every function here treats it as
absent, like a missing value. A median, a rank, a spread is then a function of published
values only: it gives nothing away of a hidden value, and a rank is a rank among the
published values (its second number counts them). The staff pages pass the table of
:func:`ecosystem.indicators.compute_indicators`, where nothing is hidden.

Examples
--------
>>> peer_rank(12.0, [10.0, 12.0, 15.0], direction=1)
(2, 3)
>>> peer_median(peer_values(pd.DataFrame({"x": [1.0, "s", None, 3.0]}), "x",
...                         pd.Index([0, 1, 2, 3])))
2.0
>>> peer_rank("s", [10.0, 15.0], direction=1) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import catalogue
from .formatting import is_missing
from .settings import get_settings

__all__ = [
    "published",
    "peer_index",
    "peer_values",
    "peer_median",
    "peer_rank",
    "dimension_standing",
    "notable_changes",
]



def published(value: Any) -> bool:
    """Whether a cell of an indicator table holds a published number: not missing and
    not the suppression marker (``s``, or any other text).

    Examples
    --------
    >>> [published(v) for v in (3, 0.0, True, "s", None, float("nan"))]
    [True, True, True, False, False, False]
    """
    return not isinstance(value, str) and not is_missing(value)


def _published_floats(values: Any) -> np.ndarray:
    return np.asarray([float(v) for v in values if published(v)], dtype=float)


def peer_index(table: pd.DataFrame, territories: pd.DataFrame, level: str,
               region: str) -> pd.Index:
    """The rows of ``table`` that are the peers of a territory of ``region``.

    Parameters
    ----------
    table : DataFrame
        An indicator table of ``level`` (``code`` column).
    territories : DataFrame
        The registry's territories (``level``, ``code``, ``region``).
    level : str
        Level of ``table``.
    region : str
        Code of the territory's région.

    Returns
    -------
    Index
        Labels of the rows of ``table`` whose territory lies in ``region`` (every row for
        ``level="region"``), the territory itself included, in table order.

    Examples
    --------
    >>> t = pd.DataFrame({"level": "departement", "code": ["34", "30", "13"],
    ...                   "region": ["76", "76", "93"]})
    >>> peer_index(pd.DataFrame({"code": ["13", "30", "34"]}), t, "departement", "76").tolist()
    [1, 2]
    """
    if level == "region":
        return table.index
    terr = territories.loc[territories["level"].eq(level)]
    region_of = dict(zip(terr["code"].astype(str), terr["region"].astype(str), strict=True))
    where = table["code"].astype(str).map(region_of).fillna("")
    return table.index[where.eq(region).to_numpy(dtype=bool)]


def peer_values(table: pd.DataFrame, column: str,
                peers: pd.Index | Sequence[Any]) -> np.ndarray:
    """The published values of ``column`` among the rows ``peers``, as floats.

    Suppressed values (``s``) and missing values are left out (a boolean indicator
    counts as 0 or 1); the order of ``peers`` is kept.
    """
    if column not in table:
        return np.zeros(0)
    return _published_floats(table.loc[list(peers), column].tolist())


def peer_median(values: Sequence[float] | np.ndarray) -> float:
    """Median of the peers' values (:func:`peer_values`); NaN when there is none.

    Examples
    --------
    >>> peer_median([3.0, 1.0, 2.0, 10.0]), peer_median([])
    (2.5, nan)
    """
    x = np.asarray(values, dtype=float)
    return float(np.median(x)) if len(x) else float("nan")


def peer_rank(value: Any, values: Sequence[Any] | np.ndarray,
              direction: int) -> tuple[int, int] | None:
    """Rank of ``value`` among the peers' published ``values`` in the favourable
    ``direction``.

    The rank is one plus the number of peers strictly better (higher for ``direction``
    1, lower for -1); ``values`` normally holds the territory's own value. Suppressed
    (``s``) and missing entries of ``values`` are left out, so that the rank is a rank
    among published values and its second number counts them. None when the indicator
    has no direction, ``value`` is missing or suppressed, or there is no published value.

    Returns
    -------
    tuple of int or None
        ``(rank, number of published values)``.

    Examples
    --------
    >>> peer_rank(2.0, [1.0, 2.0, 2.0, 5.0], direction=-1)
    (2, 4)
    >>> peer_rank(2.0, [1.0, 2.0], direction=0) is None
    True
    >>> peer_rank(2.0, [9.0, "s", 2.0], direction=1)
    (2, 2)
    """
    x = _published_floats(list(values))
    if direction == 0 or not published(value) or not len(x):
        return None
    c = float(value)
    better = int((x > c).sum() if direction > 0 else (x < c).sum())
    return better + 1, int(len(x))


def dimension_standing(table: pd.DataFrame, row: Any, peers: pd.Index) -> pd.DataFrame:
    """Each composite dimension's score of ``row`` against the peers' median.

    The peers' median is :func:`peer_median` of the peers' published scores of the
    dimension (``imi_<dimension>``, :func:`peer_values`: suppressed and missing ones left
    out, as in every peer median of the report and the dashboard); a dimension whose score
    is missing or suppressed for ``row`` is left out.

    Returns
    -------
    DataFrame
        ``dimension``, ``score``, ``peer_median`` and ``gap`` (score minus median), by
        increasing gap then dimension code: the first row is the weakest dimension, the
        last the strongest.
    """
    rows = []
    for d in catalogue.COMPOSITE_DIMENSIONS:
        col = f"imi_{d}"
        if col not in table:
            continue
        v: Any = table.at[row, col]
        if not published(v):
            continue
        others = peer_values(table, col, peers)
        med = peer_median(others) if len(others) else float(v)
        rows.append((float(v) - med, d, float(v), med))
    rows.sort()
    return pd.DataFrame({"dimension": [r[1] for r in rows], "score": [r[2] for r in rows],
                         "peer_median": [r[3] for r in rows], "gap": [r[0] for r in rows]},
                        columns=["dimension", "score", "peer_median", "gap"])


def notable_changes(table: pd.DataFrame, row: Any, peers: pd.Index,
                    min_z: float | None = None) -> pd.DataFrame:
    """The composite indicators of ``row`` that moved markedly since the comparison year.

    For each indicator of the composite index with a direction, the change ``x -
    x_compare`` is oriented (times the direction: positive is an improvement) and divided
    by the population standard deviation of the peers' published current values (when
    that is 0 or missing, by ``|x_compare|``, or 1). Indicators suppressed or missing in
    either year are left out; a change counts when its size is at least ``min_z``.

    Parameters
    ----------
    table : DataFrame
        An indicator table with a comparison year (``x_compare`` columns).
    row : label
        The territory's row.
    peers : Index
        Rows of its peers (:func:`peer_index`).
    min_z : float, optional
        Smallest standardised change that counts (default
        ``settings.notable_change_z``).

    Returns
    -------
    DataFrame
        ``indicator``, ``z`` (oriented standardised change), ``before`` and ``current``
        (the values as in ``table``), by decreasing ``z`` then indicator name: the first
        rows improved most, the last worsened most.
    """
    if min_z is None:
        min_z = get_settings().notable_change_z
    moves = []
    for ind in catalogue.INDICATORS:
        if ind.direction == 0 or ind.dimension == "composite" or not ind.composite:
            continue
        n = ind.name
        if n not in table or f"{n}_compare" not in table:
            continue
        cur: Any = table.at[row, n]
        before: Any = table.at[row, f"{n}_compare"]
        if not published(cur) or not published(before):
            continue
        spread = peer_values(table, n, peers)
        sd = float(np.std(spread)) if len(spread) else float("nan")
        if not sd or is_missing(sd):
            sd = abs(float(before)) or 1.0
        z = ind.direction * (float(cur) - float(before)) / sd
        if abs(z) >= min_z:
            moves.append((z, n, before, cur))
    moves.sort(key=lambda m: (-m[0], m[1]))
    return pd.DataFrame({
        "indicator": pd.Series([m[1] for m in moves], dtype=object),
        "z": pd.Series([m[0] for m in moves], dtype=float),
        "before": pd.Series([m[2] for m in moves], dtype=object),
        "current": pd.Series([m[3] for m in moves], dtype=object),
    })
