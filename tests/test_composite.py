"""Composite index: normalisations, aggregation and Monte-Carlo ranks, worked out by hand."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pydantic
import pytest

from ecosystem import composite, settings
from ecosystem.catalogue import COMPOSITE_DIMENSIONS


@pytest.fixture
def three() -> pd.DataFrame:
    """Three territories; density (iso_density, a constant actors_per_1000_km2),
    accessibility (unserved_share and airport_km_median, less is better) and governance
    (has_coordinator)."""
    return pd.DataFrame(
        {
            "iso_density": [10.0, 20.0, 40.0],
            "actors_per_1000_km2": [1.0, 1.0, 1.0],
            "unserved_share": [0.5, 0.25, 0.0],
            "airport_km_median": [30.0, 10.0, 20.0],
            "has_coordinator": [True, False, True],
        },
        index=pd.Index(["x", "y", "z"], name="code"),
    )


def test_minmax_by_hand(three):
    out = composite.composite_index(three, method="minmax")
    # iso: 0, 1/3, 1; unserved oriented: 0, 0.5, 1; airport oriented (-30, -10, -20): 0, 1,
    # 0.5; has_coordinator: 1, 0, 1; the constant indicator is left out
    density = [0.0, 1 / 3, 1.0]
    access = [(0 + 0) / 2, (0.5 + 1) / 2, (1 + 0.5) / 2]
    governance = [1.0, 0.0, 1.0]
    assert out["imi_density"].tolist() == pytest.approx([100 * v for v in density])
    assert out["imi_accessibility"].tolist() == pytest.approx([100 * v for v in access])
    assert out["imi_governance"].tolist() == pytest.approx([100 * v for v in governance])
    assert out["imi_diversity"].isna().all() and out["imi_dynamism"].isna().all()
    expected = [100 * (d + a + g) / 3 for d, a, g in zip(density, access, governance,
                                                         strict=True)]
    assert out["imi"].tolist() == pytest.approx(expected)  # 33.3, 36.1, 91.7
    ranks = composite.rank_descending(out["imi"])
    assert ranks.tolist() == [3, 2, 1]


def test_weights_by_hand(three):
    w = {"density": 2.0, "diversity": 1.0, "dynamism": 1.0, "governance": 1.0,
         "accessibility": 1.0}
    out = composite.composite_index(three, method="minmax", weights=w)
    # available dimensions: density (2), accessibility (1), governance (1)
    assert out["imi"].tolist() == pytest.approx([
        100 * (2 * 0 + 0 + 1) / 4, 100 * (2 / 3 + 0.75 + 0) / 4, 100 * (2 + 0.75 + 1) / 4])
    with settings.override(imi_weights=w):
        again = composite.composite_index(three, method="minmax")
    assert again["imi"].tolist() == pytest.approx(out["imi"].tolist())


def test_zscore_and_rank_by_hand(three):
    z = composite.normalise(three[["iso_density", "airport_km_median"]], "zscore",
                            {"airport_km_median": -1})
    mean, sd = 70 / 3, statistics.stdev([10, 20, 40])
    assert z["iso_density"].tolist() == pytest.approx([(v - mean) / sd for v in (10, 20, 40)])
    o = [-30, -10, -20]
    assert z["airport_km_median"].tolist() == pytest.approx(
        [(v - statistics.mean(o)) / statistics.stdev(o) for v in o])
    r = composite.normalise(pd.DataFrame({"a": [1.0, 2.0, 2.0, 5.0, np.nan]}), "rank")
    # average ranks 1, 2.5, 2.5, 4 of 4 values -> (r - 1) / 3
    assert r["a"].iloc[:4].tolist() == pytest.approx([0, 0.5, 0.5, 1])
    assert np.isnan(r["a"].iloc[4])
    out = composite.composite_index(three, method="zscore")
    assert out["imi_density"].iloc[2] == pytest.approx((40 - mean) / sd)  # not × 100
    dims = out[["imi_density", "imi_accessibility", "imi_governance"]]
    assert out["imi"].tolist() == pytest.approx(dims.mean(axis=1).tolist())


def test_missing_values_rescale_weights():
    t = pd.DataFrame({"iso_density": [0.0, 10.0, np.nan],
                      "external_openness": [0.0, 1.0, 0.5]})
    out = composite.composite_index(t, method="minmax")
    # the third territory has governance only: 50
    assert out["imi"].tolist() == pytest.approx([0.0, 100.0, 50.0])


def test_unknown_method_and_bad_weights(three):
    with pytest.raises(ValueError, match="unknown normalisation"):
        composite.composite_index(three, method="log")
    with pytest.raises(pydantic.ValidationError):
        settings.update_settings(imi_weights={"density": 1.0})
    with pytest.raises(pydantic.ValidationError):
        settings.update_settings(imi_normalisation="median")


def _brute_force_ranks(table, seed, draws, noise, methods):
    """The documented Monte-Carlo procedure, one draw at a time."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(methods), draws)
    w0 = settings.get_settings().imi_weights
    factors = rng.uniform(1 - noise, 1 + noise, (draws, len(COMPOSITE_DIMENSIONS)))
    ranks = []
    for d in range(draws):
        w = {dim: w0[dim] * factors[d, k] for k, dim in enumerate(COMPOSITE_DIMENSIONS)}
        score = composite.composite_index(table, weights=w, method=methods[which[d]])["imi"]
        # rank 1 for the highest, ties share the best rank: 1 + how many are strictly above
        ranks.append([1 + int((score > s).sum()) for s in score])
    return np.array(ranks).T  # territories x draws


def _percentile(values, q):
    """Smallest observed value whose empirical CDF reaches q."""
    ordered = sorted(values)
    return ordered[math.ceil(q * len(ordered)) - 1]


def test_monte_carlo_matches_brute_force_and_is_reproducible():
    rng = np.random.default_rng(7)
    t = pd.DataFrame({
        "iso_density": rng.uniform(0, 50, 8),
        "category_coverage": rng.uniform(0, 1, 8),
        "proactive_share": rng.uniform(0, 1, 8),
        "external_openness": rng.uniform(0, 1, 8),
        "unserved_share": rng.uniform(0, 1, 8),
        "airport_km_median": rng.uniform(5, 80, 8),
    }, index=[f"t{k}" for k in range(8)])
    methods = settings.get_settings().imi_mc_normalisations
    got = composite.monte_carlo_ranks(t, draws=200, seed=11)
    expected = _brute_force_ranks(t, 11, 200, 0.25, methods)
    np.testing.assert_array_equal(got, expected)
    out = composite.imi(t, draws=200, seed=11)
    for k, code in enumerate(t.index):
        assert out.loc[code, "imi_rank_p05"] == _percentile(expected[k], 0.05)
        assert out.loc[code, "imi_rank_p95"] == _percentile(expected[k], 0.95)
    # same seed, same ranks; the default seed comes from the settings
    pd.testing.assert_frame_equal(composite.imi(t, draws=200, seed=11), out)
    with settings.override(imi_mc_seed=11, imi_mc_draws=200):
        pd.testing.assert_frame_equal(composite.imi(t), out)
    other = composite.monte_carlo_ranks(t, draws=200, seed=12)
    assert not np.array_equal(other, got)
    # the uncertainty band is a band
    assert (out["imi_rank_p05"] <= out["imi_rank_p95"]).all()


def test_no_noise_one_method_gives_the_nominal_rank(three):
    with settings.override(imi_mc_weight_noise=0.0, imi_mc_normalisations=("minmax",)):
        out = composite.imi(three, draws=20, seed=1)
    assert out["imi_rank"].tolist() == [3, 2, 1]
    assert out["imi_rank_p05"].tolist() == [3, 2, 1]
    assert out["imi_rank_p95"].tolist() == [3, 2, 1]


def test_single_territory_has_no_rank():
    t = pd.DataFrame({"iso_density": [5.0]}, index=["only"])
    out = composite.imi(t, draws=10, seed=1)
    assert np.isnan(out["imi"].iloc[0])
    assert pd.isna(out["imi_rank"].iloc[0]) and pd.isna(out["imi_rank_p95"].iloc[0])


def _pielou(counts):
    """Pielou's evenness written out: H / ln S."""
    total = sum(counts)
    h = -sum(c / total * math.log(c / total) for c in counts)
    return h / math.log(len(counts))


def test_no_actor_scores_lowest_on_what_counts_actors():
    """Three territories: ``none`` has firms and no actor (every indicator that counts
    actors is 0, the catalogue's ``zero``); ``other`` has the same firms and four actors
    (3 cma, 1 chambre d'agriculture: no reference category); ``ref`` has reference
    actors but weaker firms. ``none`` must not score above ``other``, on Diversité nor on
    the index."""
    j = _pielou([3, 1])
    t = pd.DataFrame({
        # density
        "actors_per_100_exporters": [0.0, 10.0, 20.0],
        "actors_per_1000_km2": [0.0, 2.0, 4.0],
        "iso_density": [20.0, 20.0, 10.0],
        # diversity
        "category_coverage": [0.0, 0.0, 0.3],
        "category_reach": [0.4, 0.4, 0.2],
        "category_evenness": [0.0, j, 1.0],
        # dynamism
        "new_ties_per_actor": [0.0, 0.25, 1.0],
        "proactive_share": [0.5, 0.5, 0.3],
        # governance
        "network_cohesion": [0.0, 0.5, 1.0],
        "coordination_density": [0.0, 1 / 6, 0.5],
        "external_openness": [0.0, 0.25, 0.5],
        # accessibility (less is better)
        "unserved_share": [0.2, 0.2, 0.4],
    }, index=["none", "other", "ref"])
    out = composite.composite_index(t, method="minmax")
    # min-max by hand (none, other, ref):
    # density: per 100 exporters 0, 1/2, 1; per km² 0, 1/2, 1; ISO 1, 1, 0
    density = [1 / 3, 2 / 3, 2 / 3]
    # diversity: coverage 0, 0, 1; reach 1, 1, 0; evenness 0, j, 1
    diversity = [1 / 3, (1 + j) / 3, 2 / 3]
    # dynamism: new ties per actor 0, 1/4, 1; proactive 1, 1, 0
    dynamism = [1 / 2, 5 / 8, 1 / 2]
    # governance: cohesion 0, 1/2, 1; coordination 0, 1/3, 1; openness 0, 1/2, 1
    governance = [0.0, 4 / 9, 1.0]
    # accessibility: unserved, oriented: 1, 1, 0
    access = [1.0, 1.0, 0.0]
    assert out["imi_density"].tolist() == pytest.approx([100 * v for v in density])
    assert out["imi_diversity"].tolist() == pytest.approx([100 * v for v in diversity])
    assert out["imi_dynamism"].tolist() == pytest.approx([100 * v for v in dynamism])
    assert out["imi_governance"].tolist() == pytest.approx([100 * v for v in governance])
    assert out["imi_accessibility"].tolist() == pytest.approx([100 * v for v in access])
    imi = [100 * sum(d) / 5 for d in zip(density, diversity, dynamism, governance, access,
                                          strict=True)]
    assert out["imi"].tolist() == pytest.approx(imi)  # 43.3, 66.8, 56.7
    assert out.loc["none", "imi_diversity"] < out.loc["other", "imi_diversity"]
    assert out.loc["none", "imi"] < out.loc["other", "imi"]
    for method in composite.NORMALISATIONS:
        other = composite.composite_index(t, method=method)
        assert other.loc["none", "imi_diversity"] <= other.loc["other", "imi_diversity"]
        assert other.loc["none", "imi"] <= other.loc["other", "imi"]

    # the example tells the rules apart: were the actor indicators of "none" empty
    # (left out) instead of 0, "none" would lead on Diversité (its reach alone) and
    # on the index
    old = t.copy()
    old.loc["none", ["category_coverage", "category_evenness", "new_ties_per_actor",
                     "network_cohesion", "coordination_density", "external_openness"]] = np.nan
    was = composite.composite_index(old, method="minmax")
    assert was.loc["none", "imi_diversity"] == pytest.approx(100.0)
    assert was.loc["none", "imi"] > was.loc["other", "imi"]
