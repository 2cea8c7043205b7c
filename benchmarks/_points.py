"""Synthetic France-wide point sets shared by the benchmarks (not part of the product)."""

from __future__ import annotations

import numpy as np

#: Lambert-93 extent of metropolitan France (m).
XMIN, XMAX, YMIN, YMAX = 100_000.0, 1_240_000.0, 6_050_000.0, 7_110_000.0


def france_points(rng: np.random.Generator, n: int, n_towns: int = 80) -> np.ndarray:
    """Points clustered around random towns (70 %) plus a uniform background (30 %)."""
    towns = np.column_stack([rng.uniform(XMIN, XMAX, n_towns), rng.uniform(YMIN, YMAX, n_towns)])
    clustered = rng.random(n) < 0.7
    xy = np.column_stack([rng.uniform(XMIN, XMAX, n), rng.uniform(YMIN, YMAX, n)])
    k = int(clustered.sum())
    xy[clustered] = towns[rng.integers(0, n_towns, k)] + rng.normal(0, 15_000, (k, 2))
    return xy
