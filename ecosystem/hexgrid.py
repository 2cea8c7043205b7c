"""A grid of regular hexagons over projected coordinates, to count points by cell.

The maps and the report's static maps show firms counted in hexagons rather than at
their own position. The grid is of pointy-top hexagons (two vertices on the vertical
through the centre) of circumradius ``size`` (centre to vertex, which is also the
side), in the units of the coordinates: metres of Lambert-93 (EPSG:2154) for the
maps. Cells are named by their axial coordinates ``(q, r)`` (Amit Patel, *Hexagonal
Grids*, Red Blob Games, 2013): the centre of cell ``(q, r)`` is at
``(size·√3·(q + r/2), size·3/2·r)``, so cell ``(0, 0)`` is centred on the origin.

Examples
--------
>>> q, r = hex_cells(np.array([0.0, 1800.0, 900.0]), np.array([0.0, 0.0, 1500.0]), 1000.0)
>>> q.tolist(), r.tolist()
([0, 1, 0], [0, 0, 1])
>>> cx, cy = hex_centres(q, r, 1000.0)
>>> np.round(cx).tolist(), cy.tolist()
([0.0, 1732.0, 866.0], [0.0, 0.0, 1500.0])
"""

from __future__ import annotations

import math

import numpy as np
import shapely

__all__ = ["hex_cells", "hex_centres", "hex_polygons"]

_SQRT3 = math.sqrt(3.0)


def hex_cells(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """The hexagon that holds each point, as axial coordinates.

    Parameters
    ----------
    x, y : numpy.ndarray
        Projected coordinates (same length).
    size : float
        Circumradius of the hexagons (centre to vertex), in the units of ``x`` and
        ``y``; must be positive.

    Returns
    -------
    q, r : numpy.ndarray of int
        Axial coordinates of the cell of each point (the cell whose centre is the
        nearest; a point on the edge between two cells goes to one of them).

    Raises
    ------
    ValueError
        When ``size`` is not a positive number.

    Examples
    --------
    >>> q, r = hex_cells(np.array([10.0, -2000.0]), np.array([-20.0, 3100.0]), 1000.0)
    >>> q.tolist(), r.tolist()
    ([0, -2], [0, 2])
    """
    if not size > 0:
        raise ValueError(f"hexagon size must be positive, got {size!r}")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    # fractional cube coordinates, rounded to the nearest cell (Red Blob Games)
    cx = (_SQRT3 / 3.0 * x - y / 3.0) / size
    cz = (2.0 / 3.0 * y) / size
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_y = ~fix_x & (dy > dz)
    rx = np.where(fix_x, -ry - rz, rx)
    ry = np.where(fix_y, -rx - rz, ry)
    rz = np.where(~fix_x & ~fix_y, -rx - ry, rz)
    return rx.astype(np.int64), rz.astype(np.int64)


def hex_centres(q: np.ndarray, r: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """The centres of cells given by their axial coordinates.

    Parameters
    ----------
    q, r : numpy.ndarray of int
        Axial coordinates, as returned by :func:`hex_cells`.
    size : float
        Circumradius of the hexagons.

    Returns
    -------
    x, y : numpy.ndarray of float

    Examples
    --------
    >>> x, y = hex_centres(np.array([2]), np.array([-2]), 10.0)
    >>> round(float(x[0]), 6), float(y[0])
    (17.320508, -30.0)
    """
    q = np.asarray(q, dtype=float)
    r = np.asarray(r, dtype=float)
    return size * _SQRT3 * (q + r / 2.0), size * 1.5 * r


def hex_polygons(q: np.ndarray, r: np.ndarray, size: float) -> np.ndarray:
    """The hexagons of cells given by their axial coordinates.

    Parameters
    ----------
    q, r : numpy.ndarray of int
        Axial coordinates, as returned by :func:`hex_cells`.
    size : float
        Circumradius of the hexagons.

    Returns
    -------
    numpy.ndarray of shapely.Polygon
        One pointy-top hexagon per cell, vertices at 30°, 90°, … 330° from the
        centre, in the coordinates of the points (no CRS attached).

    Examples
    --------
    >>> (poly,) = hex_polygons(np.array([0]), np.array([0]), 1000.0)
    >>> round(poly.area), round(3 * math.sqrt(3) / 2 * 1000.0 ** 2)
    (2598076, 2598076)
    """
    cx, cy = hex_centres(q, r, size)
    angles = np.radians(30.0 + 60.0 * np.arange(6))
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    rings = np.stack([xs, ys], axis=-1)
    return shapely.polygons(rings) if len(rings) else np.empty(0, dtype=object)
