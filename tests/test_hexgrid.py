"""The hexagon grid (:mod:`ecosystem.hexgrid`) against brute force: each point's cell is
the one whose centre is nearest, and its hexagon contains the point."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from ecosystem.hexgrid import hex_cells, hex_centres, hex_polygons


def test_cells_are_the_nearest_centres_and_contain_their_points() -> None:
    rng = np.random.default_rng(3)
    size = 5000.0
    x = rng.uniform(600_000, 800_000, 3000)
    y = rng.uniform(6_150_000, 6_350_000, 3000)
    q, r = hex_cells(x, y, size)
    cx, cy = hex_centres(q, r, size)
    # brute force: every centre of the neighbourhood, written from the lattice vectors
    # (size·√3, 0) and (size·√3/2, size·3/2) of a pointy-top grid
    for k in range(len(x)):
        best = min(((size * math.sqrt(3) * (a + b / 2), size * 1.5 * b)
                    for a in range(int(q[k]) - 2, int(q[k]) + 3)
                    for b in range(int(r[k]) - 2, int(r[k]) + 3)),
                   key=lambda c: (c[0] - x[k]) ** 2 + (c[1] - y[k]) ** 2)
        d_found = math.hypot(cx[k] - x[k], cy[k] - y[k])
        d_best = math.hypot(best[0] - x[k], best[1] - y[k])
        assert d_found <= d_best + 1e-6, k
        assert d_found <= size + 1e-6
    polys = hex_polygons(q, r, size)
    assert shapely.covers(polys, shapely.points(x, y)).all()


def test_hexagons_tile_the_plane() -> None:
    size = 2.0
    q, r = np.meshgrid(np.arange(-3, 4), np.arange(-3, 4))
    polys = hex_polygons(q.ravel(), r.ravel(), size)
    area = 3 * math.sqrt(3) / 2 * size ** 2
    assert np.allclose(shapely.area(polys), area)
    # regular: six sides of length size
    ring = np.asarray(polys[0].exterior.coords)
    assert np.allclose(np.hypot(*np.diff(ring, axis=0).T), size)
    # neighbours share an edge and do not overlap
    union = shapely.union_all(polys)
    assert union.area == pytest.approx(area * len(polys))
    a, b = hex_polygons(np.array([0, 1]), np.array([0, 0]), size)
    assert a.intersection(b).length == pytest.approx(size)
    assert a.intersection(b).area == pytest.approx(0.0, abs=1e-9)


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        hex_cells(np.array([0.0]), np.array([0.0]), 0.0)
    assert len(hex_polygons(np.array([], dtype=int), np.array([], dtype=int), 1.0)) == 0
