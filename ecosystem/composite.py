"""Composite index of the *milieu internationalisant* (imi) and its rank uncertainty.

Steps (OECD/JRC *Handbook on Constructing Composite Indicators*, 2008; the COINr
package follows the same ones):

1. **Orientation.** An indicator where less is better (``direction == -1`` in
   :mod:`ecosystem.catalogue`) is multiplied by −1.
2. **Normalisation** across the territories of one level and year
   (:func:`normalise`): ``minmax`` ``(x − min) / (max − min)`` (default),
   ``zscore`` ``(x − mean) / sd`` (sample standard deviation, as R's ``sd``), or
   ``rank`` ``(r − 1) / (n − 1)`` with ``r`` the average rank (ties share it) and
   ``n`` the territories with a value. Missing values stay missing; an indicator
   with fewer than two distinct values carries no information and is left out
   (all missing).
3. **Aggregation within a dimension** (:func:`dimension_scores`): mean of the
   available normalised indicators of the dimension.
4. **Aggregation across dimensions** (:func:`aggregate`): weighted mean with
   ``settings.imi_weights``, over the dimensions available for the territory
   (the weights of the others are rescaled). With ``minmax`` and ``rank`` the
   scores are multiplied by 100 (0–100).
5. **Rank** (:func:`rank_descending`): 1 = highest imi; ties share the best rank.
6. **Uncertainty** (:func:`monte_carlo_ranks`): ``settings.imi_mc_draws`` draws,
   seeded by ``settings.imi_mc_seed``. Each draw picks one normalisation among
   ``settings.imi_mc_normalisations`` (equal probabilities) and multiplies each
   dimension weight by a factor drawn uniformly in ``[1 − e, 1 + e]``,
   ``e = settings.imi_mc_weight_noise``; the territories are ranked in every draw
   and ``imi_rank_p05`` / ``imi_rank_p95`` are the 5th and 95th percentiles of
   their ranks (the observed rank at or just above that share of draws, numpy's
   ``inverted_cdf``). The same seed gives the same ranks.

Missing values follow the policy of each indicator in :mod:`ecosystem.catalogue`
(``Indicator.when_empty`` and ``cases``; :data:`~ecosystem.catalogue.POLICIES` says the
same in words). A ``zero`` is a value: normalised with the others, so a territory
without actors is lowest on every indicator counting actors. An ``empty`` or
``no_data`` value is NaN in the table and is never imputed: it is left out of the mean
of its dimension (step 3), and a dimension without any value is left out of the
territory's index with the weights of the others rescaled (step 4).

Examples
--------
>>> t = pd.DataFrame({"a": [0.0, 5.0, 10.0], "b": [3.0, 2.0, 1.0]}, index=["x", "y", "z"])
>>> normalise(t, "minmax", {"a": 1, "b": -1}).to_dict("list")
{'a': [0.0, 0.5, 1.0], 'b': [0.0, 0.5, 1.0]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .catalogue import COMPOSITE_DIMENSIONS, composite_members
from .settings import get_settings

__all__ = [
    "NORMALISATIONS",
    "normalise",
    "dimension_scores",
    "aggregate",
    "rank_descending",
    "composite_index",
    "monte_carlo_ranks",
    "rank_uncertainty",
    "imi",
    "IMI_COLUMNS",
]

#: Normalisation methods.
NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank")

#: Columns added by :func:`imi`, in order.
IMI_COLUMNS: tuple[str, ...] = (
    *(f"imi_{d}" for d in COMPOSITE_DIMENSIONS), "imi", "imi_rank", "imi_rank_p05",
    "imi_rank_p95",
)

_SCALED = ("minmax", "rank")


def _check_method(method: str) -> str:
    if method not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {method!r}; expected one of {NORMALISATIONS}")
    return method


def _normalise_array(x: np.ndarray, method: str) -> np.ndarray:
    """Normalise the columns of a (territories, indicators) float array."""
    out = np.full_like(x, np.nan)
    for k in range(x.shape[1]):
        col = x[:, k]
        ok = ~np.isnan(col)
        vals = col[ok]
        if len(np.unique(vals)) < 2:
            continue  # no information: left out
        if method == "minmax":
            lo, hi = vals.min(), vals.max()
            out[ok, k] = (vals - lo) / (hi - lo)
        elif method == "zscore":
            out[ok, k] = (vals - vals.mean()) / vals.std(ddof=1)
        else:
            out[ok, k] = (rankdata(vals, method="average") - 1.0) / (len(vals) - 1.0)
    return out


def normalise(
    values: pd.DataFrame, method: str = "minmax", directions: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Orient and normalise each column across the rows (territories).

    Parameters
    ----------
    values : DataFrame
        One row per territory, one numeric (or boolean) column per indicator.
    method : {"minmax", "zscore", "rank"}
    directions : mapping, optional
        Column -> 1 (more is better) or -1 (less is better); default 1.

    Returns
    -------
    DataFrame
        Same shape, float; a column with fewer than two distinct values is all NaN.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [1.0, 2.0, 2.0, np.nan], "c": [7.0, 7.0, 7.0, 7.0]})
    >>> normalise(t, "rank").round(3).to_dict("list")
    {'a': [0.0, 0.75, 0.75, nan], 'c': [nan, nan, nan, nan]}
    """
    _check_method(method)
    directions = directions or {}
    x = values.astype(float).to_numpy(copy=True)
    for k, c in enumerate(values.columns):
        d = directions.get(c, 1)
        if d not in (1, -1):
            raise ValueError(f"direction of {c!r} must be 1 or -1; got {d!r}")
        x[:, k] *= d
    return pd.DataFrame(_normalise_array(x, method), index=values.index, columns=values.columns)


def dimension_scores(
    normalised: pd.DataFrame, dimensions: Mapping[str, str]
) -> pd.DataFrame:
    """Mean of the available normalised indicators of each dimension.

    Parameters
    ----------
    normalised : DataFrame
        Output of :func:`normalise`.
    dimensions : mapping
        Column -> dimension code.

    Returns
    -------
    DataFrame
        One column per dimension of :data:`ecosystem.catalogue.COMPOSITE_DIMENSIONS`
        (in that order; other dimension codes follow), NaN when the territory has no
        value in that dimension.

    Examples
    --------
    >>> n = pd.DataFrame({"a": [0.0, 1.0], "b": [1.0, np.nan], "c": [0.5, 0.5]})
    >>> dimension_scores(n, {"a": "density", "b": "density", "c": "diversity"}
    ...                  ).dropna(axis=1, how="all").to_dict("list")
    {'density': [0.5, 1.0], 'diversity': [0.5, 0.5]}
    """
    extra = [d for d in dict.fromkeys(dimensions.values()) if d not in COMPOSITE_DIMENSIONS]
    out = {}
    for dim in (*COMPOSITE_DIMENSIONS, *extra):
        cols = [c for c in normalised.columns if dimensions.get(c) == dim]
        if cols:
            out[dim] = normalised[cols].mean(axis=1, skipna=True)
        else:
            out[dim] = pd.Series(np.nan, index=normalised.index)
    return pd.DataFrame(out, index=normalised.index)


def _weights_vector(weights: Mapping[str, float], dims: Sequence[str]) -> np.ndarray:
    missing = [d for d in dims if d not in weights]
    if missing:
        raise ValueError(f"no weight for dimension(s) {missing}")
    w = np.array([float(weights[d]) for d in dims])
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    return w


def _weighted(scores: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted mean over available columns; ``w`` is (K,) or (K, draws)."""
    avail = ~np.isnan(scores)
    num = np.where(avail, scores, 0.0) @ w
    den = avail.astype(float) @ w
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def aggregate(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of the dimension scores over the dimensions available per row.

    Examples
    --------
    >>> s = pd.DataFrame({"density": [1.0, 0.0], "diversity": [0.0, np.nan]})
    >>> aggregate(s, {"density": 3, "diversity": 1}).tolist()
    [0.75, 0.0]
    """
    w = _weights_vector(weights, list(scores.columns))
    return pd.Series(_weighted(scores.to_numpy(dtype=float), w), index=scores.index)


def rank_descending(values: pd.Series) -> pd.Series:
    """Rank 1 for the highest value; ties share the best rank; NaN stays missing (NA).

    Examples
    --------
    >>> rank_descending(pd.Series([0.2, 0.9, 0.2, np.nan])).tolist()
    [2, 1, 2, <NA>]
    """
    x = values.astype(float).to_numpy()
    ok = ~np.isnan(x)
    out = pd.array([pd.NA] * len(x), dtype="Int64")
    if ok.any():
        out[ok] = rankdata(-x[ok], method="min").astype(np.int64)
    return pd.Series(out, index=values.index)


def _members(table: pd.DataFrame, indicators: Sequence[str] | None) -> tuple[
        list[str], dict[str, int], dict[str, str]]:
    from .catalogue import get

    if indicators is None:
        chosen = [i.name for i in composite_members() if i.name in table.columns]
    else:
        chosen = list(indicators)
        absent = [c for c in chosen if c not in table.columns]
        if absent:
            raise ValueError(f"the table lacks the indicator column(s) {absent}")
    directions = {c: get(c).direction for c in chosen}
    dims = {c: get(c).dimension for c in chosen}
    return chosen, directions, dims


def _scores(x: pd.DataFrame, method: str, directions: Mapping[str, int],
            dims: Mapping[str, str]) -> pd.DataFrame:
    return dimension_scores(normalise(x, method, directions), dims)[list(COMPOSITE_DIMENSIONS)]


def composite_index(
    table: pd.DataFrame,
    *,
    indicators: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    method: str | None = None,
) -> pd.DataFrame:
    """Dimension scores and composite index of each territory (row).

    Parameters
    ----------
    table : DataFrame
        One row per territory of one level and year, with the indicator columns.
    indicators : sequence of str, optional
        Indicators to combine; default every catalogue indicator marked
        ``composite`` that is a column of ``table``.
    weights : mapping, optional
        Dimension -> weight; default ``settings.imi_weights``.
    method : {"minmax", "zscore", "rank"}, optional
        Default ``settings.imi_normalisation``.

    Returns
    -------
    DataFrame
        ``imi_<dimension>`` for each dimension of
        :data:`~ecosystem.catalogue.COMPOSITE_DIMENSIONS`, then ``imi``; × 100 with
        ``minmax`` and ``rank``.
    """
    s = get_settings()
    method = _check_method(method or s.imi_normalisation)
    weights = dict(s.imi_weights if weights is None else weights)
    chosen, directions, dims = _members(table, indicators)
    scores = _scores(table[chosen], method, directions, dims)
    total = aggregate(scores, weights)
    factor = 100.0 if method in _SCALED else 1.0
    out = (scores * factor).add_prefix("imi_")
    out["imi"] = total * factor
    return out


def monte_carlo_ranks(
    table: pd.DataFrame,
    *,
    indicators: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    draws: int | None = None,
    seed: int | None = None,
    weight_noise: float | None = None,
    methods: Sequence[str] | None = None,
) -> np.ndarray:
    """Ranks of the territories in each Monte-Carlo draw.

    The draws are made in this order from ``numpy.random.default_rng(seed)``: the
    normalisation index of every draw (``integers``), then the weight factors
    (``uniform(1 - e, 1 + e, (draws, K))``).

    Returns
    -------
    ndarray of float, shape (territories, draws)
        Rank of each territory in each draw (1 = best); NaN for a territory with no
        value.
    """
    s = get_settings()
    weights = dict(s.imi_weights if weights is None else weights)
    n_draws = s.imi_mc_draws if draws is None else int(draws)
    seed = s.imi_mc_seed if seed is None else seed
    noise = s.imi_mc_weight_noise if weight_noise is None else float(weight_noise)
    methods = tuple(s.imi_mc_normalisations if methods is None else methods)
    for m in methods:
        _check_method(m)
    if n_draws < 1:
        raise ValueError("draws must be at least 1")
    if not 0 <= noise < 1:
        raise ValueError("weight_noise must lie in [0, 1)")
    chosen, directions, dims = _members(table, indicators)
    dim_list = list(COMPOSITE_DIMENSIONS)
    w0 = _weights_vector(weights, dim_list)
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(methods), n_draws)
    w = w0[None, :] * rng.uniform(1.0 - noise, 1.0 + noise, (n_draws, len(dim_list)))
    n = len(table)
    values = np.full((n, n_draws), np.nan)
    for k, m in enumerate(methods):
        sel = np.flatnonzero(which == k)
        if not len(sel):
            continue
        scores = _scores(table[chosen], m, directions, dims).to_numpy(dtype=float)
        values[:, sel] = _weighted(scores, w[sel].T)
    missing = np.isnan(values)
    ranks = rankdata(np.where(missing, np.inf, -values), axis=0, method="min").astype(float)
    ranks[missing] = np.nan
    return ranks


def rank_uncertainty(table: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """5th and 95th percentiles of each territory's Monte-Carlo rank.

    Parameters are those of :func:`monte_carlo_ranks`.

    Returns
    -------
    DataFrame
        ``imi_rank_p05``, ``imi_rank_p95`` (Int64; NA for a territory with no value).
    """
    ranks = monte_carlo_ranks(table, **kwargs)  # type: ignore[arg-type]
    out = pd.DataFrame(index=table.index)
    ok = ~np.isnan(ranks).all(axis=1)
    for name, q in (("imi_rank_p05", 0.05), ("imi_rank_p95", 0.95)):
        col = pd.array([pd.NA] * len(table), dtype="Int64")
        if ok.any():
            col[ok] = np.quantile(ranks[ok], q, axis=1, method="inverted_cdf").astype(np.int64)
        out[name] = col
    return out


def imi(
    table: pd.DataFrame,
    *,
    indicators: Sequence[str] | None = None,
    weights: Mapping[str, float] | None = None,
    method: str | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """The columns :data:`IMI_COLUMNS` for a table of territories of one level and year.

    ``imi`` and its dimension scores use ``method`` (default
    ``settings.imi_normalisation``) and ``weights``; ``imi_rank`` ranks ``imi``;
    ``imi_rank_p05``/``imi_rank_p95`` come from :func:`rank_uncertainty` around the
    same weights.

    Examples
    --------
    Three territories, one indicator per dimension: ``z`` leads on every one, ``y``
    beats ``x`` on four of five, so no weighting or normalisation changes the order.

    >>> t = pd.DataFrame({"iso_density": [1.0, 2.0, 3.0],
    ...                   "category_coverage": [0.1, 0.2, 0.9],
    ...                   "proactive_share": [0.0, 0.1, 0.5],
    ...                   "external_openness": [0.2, 0.1, 0.9],
    ...                   "unserved_share": [0.5, 0.4, 0.0]}, index=["x", "y", "z"])
    >>> out = imi(t, draws=50, seed=1)
    >>> out["imi_rank"].tolist(), out["imi_rank_p05"].tolist(), out["imi_rank_p95"].tolist()
    ([3, 2, 1], [3, 2, 1], [3, 2, 1])
    """
    base = composite_index(table, indicators=indicators, weights=weights, method=method)
    base["imi_rank"] = rank_descending(base["imi"])
    unc = rank_uncertainty(table, indicators=indicators, weights=weights, draws=draws,
                           seed=seed)
    return pd.concat([base, unc], axis=1)[list(IMI_COLUMNS)]
