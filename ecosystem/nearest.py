"""Nearest neighbours with the product's tie rule: the nearest target of every point, and
the nearest active actor of each category for every active firm.

Distances are straight lines in metres in distance coordinates (:mod:`ecosystem.projection`:
Lambert-93, EPSG:2154, in metropolitan France; each overseas département's own projected CRS
there), reported in km times ``settings.detour_factor``. A point whose zone holds no target
has none (index -1, distance ``inf``): a firm in La Réunion is never given an actor of
metropolitan France. Tie rule: targets whose distances to a point differ by at most
``settings.distance_tie_tolerance_m`` are tied, and the smallest ``id`` (string order) wins.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .inputs import (
    actors_of_year,
    check_categories,
    firm_key_frame,
    firms_of_year,
    missing_column,
    point_xy,
    positive_setting,
)
from .projection import MAX_DISTANCE_M, ZONE_OFFSET_M, across_zones
from .settings import (
    CATEGORIES,
    REFERENCE_CATEGORIES,
    get_settings,
)

__all__ = [
    "nearest_points",
    "nearest_in",
    "nearest_by_group",
    "nearest_actors",
]

# ---------------------------------------------------------------------------
# nearest neighbours with the tie rule
# ---------------------------------------------------------------------------


#: Candidates examined per grid cell before falling back to a per-point KD-tree query.
_MAX_CANDIDATES = 8
#: Grid cells per typical spacing between targets (finer cells: fewer candidates).
_CELLS_PER_SPACING = 16.0
#: Points processed at once in the candidate matrices (bounds memory).
_CHUNK = 1 << 18


@dataclass(frozen=True)
class _Grid:
    """Query points binned in square cells, sorted by cell.

    ``perm`` sorts the points by cell; ``x``, ``y`` are the sorted coordinates;
    ``sizes`` the number of points of each cell (in the same order as ``centers``).
    """

    perm: np.ndarray
    x: np.ndarray
    y: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    centers: np.ndarray
    half_diagonal_m: float

    def points_of(self, cells: np.ndarray) -> np.ndarray:
        """Positions (in sorted order) of the points of ``cells``."""
        sizes = self.sizes[cells]
        total = int(sizes.sum())
        offsets = np.repeat(self.starts[cells] - (np.cumsum(sizes) - sizes), sizes)
        return offsets + np.arange(total)


def _make_grid(points: np.ndarray, n_targets: int) -> _Grid:
    """Grid whose cells are a fraction of the typical spacing between targets, and hold
    a few points each on average (so that cells stay fewer than points)."""
    lo = points.min(axis=0)
    span = np.maximum(points.max(axis=0) - lo, 1.0)
    area = span[0] * span[1]
    if span[0] > MAX_DISTANCE_M:  # several distance zones: the area they cover, not the gaps
        zone = np.rint(points[:, 0] / ZONE_OFFSET_M)
        area = 0.0
        for k in np.unique(zone):
            sub = points[zone == k]
            extent = np.maximum(sub.max(axis=0) - sub.min(axis=0), 1.0)
            area += extent[0] * extent[1]
    spacing = float(np.sqrt(area / max(n_targets, 1)))
    per_point = float(np.sqrt(area / max(len(points), 1)))
    size = min(max(spacing / _CELLS_PER_SPACING, 2.0 * per_point, 20.0), 50_000.0)
    ix = ((points[:, 0] - lo[0]) // size).astype(np.int64)
    iy = ((points[:, 1] - lo[1]) // size).astype(np.int64)
    ny = int(iy.max()) + 1
    key = ix * ny + iy
    perm = np.argsort(key, kind="stable")
    key = key[perm]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    keys = key[starts]
    centers = np.column_stack([
        lo[0] + (keys // ny + 0.5) * size, lo[1] + (keys % ny + 0.5) * size
    ])
    return _Grid(
        perm, points[perm, 0], points[perm, 1], starts, sizes, centers, size * np.sqrt(0.5)
    )


def _kd_nearest(
    tree: cKDTree, uniq: np.ndarray, first: np.ndarray, pts: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-point KD-tree query: two nearest locations, then every location of a tie."""
    if len(uniq) == 1:
        dx, dy = pts[:, 0] - uniq[0, 0], pts[:, 1] - uniq[0, 1]
        return np.full(len(pts), first[0], dtype=np.intp), np.sqrt(dx * dx + dy * dy)
    d2, i2 = tree.query(pts, k=2, workers=-1)
    loc = i2[:, 0]
    tie = (d2[:, 1] - d2[:, 0]) <= tol
    if tie.any():
        tp = pts[tie]
        lists = tree.query_ball_point(tp, d2[tie, 0] + tol + 1e-9, return_sorted=False)
        lens = np.fromiter((len(x) for x in lists), dtype=np.intp, count=len(lists))
        flat = np.fromiter(
            itertools.chain.from_iterable(lists), dtype=np.intp, count=int(lens.sum())
        )
        owner = np.repeat(np.arange(len(tp)), lens)
        best_rank = np.full(len(tp), np.iinfo(np.intp).max, dtype=np.intp)
        np.minimum.at(best_rank, owner, first[flat])
        sorter = np.argsort(first)
        loc[tie] = sorter[np.searchsorted(first, best_rank, sorter=sorter)]
    dx, dy = pts[:, 0] - uniq[loc, 0], pts[:, 1] - uniq[loc, 1]
    return first[loc], np.sqrt(dx * dx + dy * dy)


def _nearest_ranks(
    pts: np.ndarray,
    uniq: np.ndarray,
    first: np.ndarray,
    tol: float,
    grid: _Grid | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rank (position in id order) of the nearest target of each point, and distance.

    ``uniq`` are the distinct target locations and ``first`` the smallest rank of
    the targets at each of them. The points are binned in a grid; for each cell the
    KD-tree gives the locations that can be nearest to a point of the cell: every
    location within ``d_c + 2 h`` of the cell centre, where ``d_c`` is the distance
    from the centre to its nearest location and ``h`` the half-diagonal of the cell
    (a point of the cell is at most ``d_c + h`` from that location, and any location
    nearer to it is at most ``d_c + 2 h`` from the centre). Points then compare their
    few candidates exactly; cells with more than ``_MAX_CANDIDATES`` candidates fall
    back to a per-point KD-tree query.
    """
    tree = cKDTree(uniq)
    if len(uniq) == 1:
        return _kd_nearest(tree, uniq, first, pts, tol)
    if grid is None:
        grid = _make_grid(pts, len(uniq))
    n_cells = len(grid.centers)
    kc = min(_MAX_CANDIDATES, len(uniq))
    # two nearest locations of each cell centre; most cells have a single candidate
    d2, i2 = tree.query(grid.centers, k=2)
    radius = d2[:, 0] + 2 * grid.half_diagonal_m + tol + 1e-6 * (1.0 + d2[:, 0])
    width = max(kc, 2)
    ik = np.full((n_cells, width), -1, dtype=np.intp)
    within = np.zeros((n_cells, width), dtype=bool)
    ik[:, :2] = i2
    within[:, :2] = d2 <= radius[:, None]
    crowded = np.flatnonzero(within[:, 1])
    if len(crowded) and kc > 2:
        dk, ik_c = tree.query(grid.centers[crowded], k=kc)
        ik[crowded] = ik_c
        within[crowded] = dk <= radius[crowded, None]
    count = within.sum(axis=1)
    if kc < len(uniq):
        count[within[:, width - 1]] = kc + 1  # maybe more candidates than examined
    ux, uy = uniq[:, 0], uniq[:, 1]
    x, y = grid.x, grid.y

    # every point against its cell's first candidate (the only one for most cells)
    loc = np.repeat(ik[:, 0], grid.sizes)
    dx, dy = x - ux[loc], y - uy[loc]
    dist = np.sqrt(dx * dx + dy * dy)
    rank = first[loc]

    big = np.iinfo(np.intp).max
    low = 1
    while low < kc:  # points with 2, 3-4, 5-8... candidates: matrices of that width
        high = min(2 * low, kc)
        class_cells = np.flatnonzero((count > low) & (count <= high))
        low = high
        several = grid.points_of(class_cells)
        cell_of_point = np.repeat(class_cells, grid.sizes[class_cells])
        for start in range(0, len(several), _CHUNK):
            sel = several[start:start + _CHUNK]
            cells = cell_of_point[start:start + _CHUNK]
            c = ik[cells, :high]
            valid = within[cells, :high]
            ddx = x[sel, None] - ux[c]
            ddy = y[sel, None] - uy[c]
            d = np.sqrt(ddx * ddx + ddy * ddy)
            d[~valid] = np.inf
            tied = d <= d.min(axis=1, keepdims=True) + tol
            ranks = np.where(tied, first[c], big)
            pos = ranks.argmin(axis=1)
            rows = np.arange(len(sel))
            rank[sel] = ranks[rows, pos]
            dist[sel] = d[rows, pos]

    rest = grid.points_of(np.flatnonzero(count > kc))
    if len(rest):
        rank[rest], dist[rest] = _kd_nearest(
            tree, uniq, first, np.column_stack([x[rest], y[rest]]), tol
        )
    out_rank = np.empty_like(rank)
    out_dist = np.empty_like(dist)
    out_rank[grid.perm] = rank
    out_dist[grid.perm] = dist
    return out_rank, out_dist


def _prepare_targets(
    targets: np.ndarray, target_ids: Sequence[str] | np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Targets in id order: (order, distinct locations, smallest rank at each)."""
    m = len(targets)
    if target_ids is None:
        order = np.arange(m)
    else:
        order = np.argsort(np.asarray(target_ids, dtype=object).astype(str), kind="stable")
    uniq, first = np.unique(targets[order], axis=0, return_index=True)
    return order, uniq, first.astype(np.intp)


def nearest_points(
    points: np.ndarray,
    targets: np.ndarray,
    target_ids: Sequence[str] | np.ndarray | None = None,
    tie_tolerance_m: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest target of every point, ties broken by the smallest target id.

    Co-located targets are merged first (the smallest id stands for them), so the
    common tie (several actors at one address) costs nothing. The points are then
    binned in a grid of square cells; a KD-tree (``scipy.spatial.cKDTree``) on the
    distinct target locations gives, for each cell, the few locations that can be
    the nearest of one of its points (those within ``d_c + 2 h`` of the cell centre,
    ``d_c`` being the centre's nearest distance and ``h`` the half-diagonal), and
    each point compares these candidates exactly. Cells with many candidates fall
    back to a per-point KD-tree query. Targets whose distances to a point differ by
    at most ``tie_tolerance_m`` are tied, and the smallest id wins.

    Parameters
    ----------
    points : array (n, 2)
        Distance coordinates in metres (:func:`ecosystem.projection.distance_xy` of
        Lambert-93 points; Lambert-93 itself in metropolitan France).
    targets : array (m, 2)
        Distance coordinates in metres.
    target_ids : sequence of str, optional
        Ids of the targets for the tie rule; their order when omitted.
    tie_tolerance_m : float, optional
        Default ``settings.distance_tie_tolerance_m``.

    Returns
    -------
    index : ndarray of int (n,)
        Position of the nearest target in ``targets`` (-1 when there is no target in
        the point's zone).
    distance_m : ndarray of float (n,)
        Distance to it in metres (``inf`` when there is none).

    Examples
    --------
    >>> idx, dist = nearest_points([[0, 0], [9, 0]], [[10, 0], [-10, 0], [0, 10]],
    ...                            ["b", "c", "a"])
    >>> idx.tolist(), dist.tolist()
    ([2, 0], [10.0, 1.0])
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    tgt = np.asarray(targets, dtype=float).reshape(-1, 2)
    tol = get_settings().distance_tie_tolerance_m if tie_tolerance_m is None else tie_tolerance_m
    return _nearest(pts, tgt, target_ids, tol)


def _nearest(
    pts: np.ndarray,
    tgt: np.ndarray,
    target_ids: Sequence[str] | np.ndarray | None,
    tol: float,
    grid: _Grid | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    n = len(pts)
    if len(tgt) == 0 or n == 0:
        return np.full(n, -1, dtype=np.intp), np.full(n, np.inf)
    order, uniq, first = _prepare_targets(tgt, target_ids)
    rank, dist = _nearest_ranks(pts, uniq, first, tol, grid)
    idx = order[rank]
    far = across_zones(dist)  # the nearest target lies in another zone: none in the point's
    if far.any():
        idx[far] = -1
        dist[far] = np.inf
    return idx, dist


def nearest_in(
    fxy: np.ndarray,
    group: pd.DataFrame,
    gxy: np.ndarray,
    detour: float,
    grid: _Grid | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest row of ``group`` for each firm: (row index, km)."""
    tol = get_settings().distance_tie_tolerance_m
    idx, dist_m = _nearest(fxy, gxy, group["id"].to_numpy(), tol, grid)
    return idx, dist_m / 1000.0 * detour


#: Below this many points, groups are searched one after the other (threads cost more).
_THREADS_MIN_POINTS = 50_000


def nearest_by_group(
    fxy: np.ndarray, groups: dict[str, pd.DataFrame], detour: float, what: str = "actors"
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Nearest row of each group (actors of one category...) for every point, with its
    distance in km: one shared grid, the groups searched in parallel threads (numpy
    releases the GIL)."""
    if not groups:
        return {}
    coords = {k: point_xy(g, what, "id") for k, g in groups.items()}
    grid = _make_grid(fxy, max(len(g) for g in groups.values())) if len(fxy) else None

    def search(key: str) -> tuple[np.ndarray, np.ndarray]:
        return nearest_in(fxy, groups[key], coords[key], detour, grid)

    workers = min(len(groups), os.cpu_count() or 1)
    if workers <= 1 or len(fxy) < _THREADS_MIN_POINTS:
        return {k: search(k) for k in groups}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(groups, pool.map(search, groups), strict=True))


# ---------------------------------------------------------------------------
# nearest actor per category
# ---------------------------------------------------------------------------


def nearest_actors(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    distance_km: float | None = None,
    detour_factor: float | None = None,
) -> pd.DataFrame:
    """Distance from every active firm to the nearest active actor of each category.

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points; projected to EPSG:2154 when in another CRS).
    year : int
        Firms observed in ``year``, actors active in ``year``.
    categories : sequence of str, optional
        Actor categories to measure. Default: every category of the taxonomy. A
        category with no active actor that year gives NaN distances and missing ids,
        and is named in ``attrs["missing_categories"]`` when it was asked explicitly
        (the same behaviour as every measure: :mod:`ecosystem.unserved`).
    distance_km : float, optional
        Threshold *d* for ``n_reference_categories_within_d``
        (default ``settings.unserved_distance_km``).
    detour_factor : float, optional
        Default ``settings.detour_factor``.

    Returns
    -------
    DataFrame
        One row per active firm, in input order: ``firm_id``, ``siret``, ``siren``,
        ``commune``, ``epci``, ``departement``, ``region``; for each category *c*,
        ``{c}_km`` (float, km) and ``{c}_actor_id`` (str) (``inf`` and missing when
        the category has actors but none in the firm's distance zone, e.g. none in La
        Réunion for a firm there: :mod:`ecosystem.projection`); and
        ``n_reference_categories_within_d`` (int): how many categories of
        ``settings.REFERENCE_CATEGORIES`` have an actor within *d* (``<= d``).
        An empty firm set gives an empty table with these columns.
    """
    d = positive_setting(distance_km, "unserved_distance_km")
    detour = positive_setting(detour_factor, "detour_factor")
    strict = categories is not None
    cats = check_categories(categories if categories is not None else list(CATEGORIES))
    live_actors = actors_of_year(actors, year)
    groups = {c: g.reset_index(drop=True) for c, g in live_actors.groupby("category", sort=False)}
    live, fxy = firms_of_year(firms, year)
    out = firm_key_frame(live)
    n = len(live)
    columns: dict[str, object] = {}
    reference_within = np.zeros(n, dtype=np.int64)
    wanted = list(dict.fromkeys([*cats, *REFERENCE_CATEGORIES]))
    nearest = nearest_by_group(fxy, {c: groups[c] for c in wanted if c in groups}, detour)
    for c in wanted:
        group = groups.get(c)
        if group is None:
            km = np.full(n, np.nan)
            ids = missing_column(n).array
        else:
            idx, km = nearest[c]
            ids = pd.array(group["id"].to_numpy(dtype=object), dtype="str").take(
                idx, allow_fill=True)  # -1: no actor in the firm's zone
        if c in REFERENCE_CATEGORIES:
            reference_within += km <= d
        if c in cats:
            columns[f"{c}_km"] = km
            columns[f"{c}_actor_id"] = ids
    columns["n_reference_categories_within_d"] = reference_within
    # copy=False: no consolidation of 40 columns of a million rows into one block
    table = pd.concat([out, pd.DataFrame(columns, index=out.index, copy=False)], axis=1)
    table.attrs["missing_categories"] = [c for c in cats if c not in groups] if strict else []
    return table


