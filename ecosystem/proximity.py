"""Proximity analytics: nearest actors, unserved firms, catchments, infrastructure access.

Every function takes GeoDataFrames of the registry layers (``firms``, ``actors``,
``infrastructure``; see :mod:`ecosystem.schema`) and returns a plain table with
documented columns, that the registry stores as a layer so that maps, dashboard
and report read it rather than recompute it.

Definitions (PRODUCT.md, ``docs/proximity.md``):

- Distances are straight lines in EPSG:2154 (Lambert-93), reported in km and
  multiplied by ``settings.detour_factor`` (default 1.0) to approximate road
  distances. Inputs in another CRS are projected; inputs without a CRS are refused.
- A firm is active in year *y* when it has an observation (row) for *y*; an actor
  is active when ``since <= y`` and ``until`` is empty or ``>= y``
  (:mod:`ecosystem.activity`).
- "Within *d*" means ``distance_km <= d``: a firm exactly at *d* is served.
- Tie rule: when several actors lie at the same distance of a firm (within
  ``settings.distance_tie_tolerance_m``), the one with the smallest ``id`` (string
  order) is the nearest.
- Non-diffusible firms (``diffusible`` not True) have a blank ``name`` in every
  output; firm tables carry no geometry (a firm's exact location stays in the
  ``firms`` layer).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ._errors import EmptyDataError
from .activity import active_actors, active_firms, is_exporting
from .schema import TERRITORY_LEVELS
from .settings import (
    CATEGORIES,
    EXPORTING_STAGES,
    LAMBERT93,
    REFERENCE_CATEGORIES,
    STAGES,
    get_settings,
    iso_weight,
)

__all__ = [
    "FIRM_KEY_COLUMNS",
    "INFRASTRUCTURE_ACCESS_KINDS",
    "nearest_points",
    "nearest_actors",
    "unserved_firms",
    "potential_score",
    "born_global_mask",
    "sector_export_propensity",
    "catchments",
    "infrastructure_access",
    "broadband_by_commune",
    "territory_means",
    "infrastructure_by_territory",
]

#: Firm identification columns copied to every firm-level output.
FIRM_KEY_COLUMNS: tuple[str, ...] = ("firm_id", "siret", "siren")
#: Infrastructure kinds measured by :func:`infrastructure_access` (airports need an IATA code).
INFRASTRUCTURE_ACCESS_KINDS: tuple[str, ...] = ("airport", "port", "road_node", "rail_node")

_LOCATION = tuple(TERRITORY_LEVELS)  # commune, epci, departement, region


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------


def _as_lambert93(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Check a GeoDataFrame's CRS and project it to EPSG:2154 when needed."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(
            f"{what} must be a GeoDataFrame with point geometries in {LAMBERT93}; "
            f"got {type(gdf).__name__}"
        )
    if gdf.crs is None:
        if len(gdf) == 0:
            return gdf
        raise ValueError(
            f"{what} has no CRS: distances need projected coordinates. Set the CRS the "
            f"coordinates are in, e.g. {what}.set_crs('{LAMBERT93}') for Lambert-93 or "
            f".set_crs('EPSG:4326') for longitude/latitude."
        )
    if not gdf.crs.equals(LAMBERT93):
        return gdf.to_crs(LAMBERT93)
    return gdf


def _require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks the column(s) {missing}; expected {list(columns)}")


def _point_xy(gdf: gpd.GeoDataFrame, what: str, key: str) -> np.ndarray:
    """Coordinates (n, 2) in metres of a layer of non-empty points."""
    if len(gdf) == 0:
        return np.empty((0, 2))
    geoms = gdf.geometry.to_numpy()
    bad = (shapely.get_type_id(geoms) != 0) | shapely.is_empty(geoms)
    if bad.any():
        ids = gdf[key].astype(str).to_numpy()[bad][:5].tolist() if key in gdf else []
        raise ValueError(
            f"{what}: {int(bad.sum())} row(s) without a point location (first ids: {ids}); "
            "every record needs a point geometry"
        )
    return shapely.get_coordinates(geoms)[:, :2].astype(float, copy=False)


def _settings_value(value: float | None, name: str) -> float:
    if value is None:
        return float(getattr(get_settings(), name))
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}")
    return float(value)


def _check_categories(categories: Iterable[str]) -> list[str]:
    cats = list(dict.fromkeys(categories))
    unknown = [c for c in cats if c not in CATEGORIES]
    if unknown:
        raise ValueError(
            f"unknown actor categories {unknown}; expected codes among {list(CATEGORIES)}"
        )
    if not cats:
        raise ValueError("no actor category given")
    return cats


def _firms_of_year(firms: gpd.GeoDataFrame, year: int) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Active firms of ``year`` (projected, index reset) and their coordinates."""
    if not isinstance(firms, gpd.GeoDataFrame):
        raise TypeError(f"firms must be a GeoDataFrame; got {type(firms).__name__}")
    _require_columns(firms, ("firm_id", "year"), "firms")
    firms = _as_lambert93(firms, "firms")
    this_year = pd.to_numeric(firms["year"]) == year
    live = firms if this_year.all() else active_firms(firms, year)
    if not isinstance(live.index, pd.RangeIndex) or live.index.start != 0:
        live = live.reset_index(drop=True)
    return live, _point_xy(live, "firms", "firm_id")


def _actors_of_year(actors: gpd.GeoDataFrame, year: int) -> gpd.GeoDataFrame:
    """Active actors of ``year``, projected, with ``id`` as str, sorted by id."""
    if not isinstance(actors, gpd.GeoDataFrame):
        raise TypeError(f"actors must be a GeoDataFrame; got {type(actors).__name__}")
    _require_columns(actors, ("id", "category", "since", "until"), "actors")
    actors = _as_lambert93(actors, "actors")
    live = active_actors(actors, year)
    live = live.assign(id=live["id"].astype(str)).sort_values("id", kind="stable")
    return live.reset_index(drop=True)


def _missing_category_error(category: str, year: int) -> EmptyDataError:
    return EmptyDataError(
        f"no active actor of category '{category}' in {year}: nothing to measure the "
        "distance to; add actors of that category or choose other categories"
    )


def _missing(n: int, dtype: str = "str") -> pd.Series:
    """A column of ``n`` missing values."""
    return pd.Series(pd.NA, index=pd.RangeIndex(n), dtype=dtype)


def _key_frame(live: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Identification and location columns of the active firms (missing ones as NA)."""
    cols: dict[str, Any] = {}
    n = len(live)
    for c in (*FIRM_KEY_COLUMNS, *extra, *_LOCATION):
        if c in live.columns:
            cols[c] = live[c].reset_index(drop=True)
        else:
            cols[c] = _missing(n, "Int64" if c == "employees" else "str")
    for c in (*FIRM_KEY_COLUMNS, *_LOCATION):
        cols[c] = cols[c].astype("str")
    return pd.DataFrame(cols, copy=False)


def _public_names(live: pd.DataFrame) -> np.ndarray:
    """Firm names, blank ("") unless ``diffusible`` is True."""
    if "name" not in live.columns:
        return np.full(len(live), "", dtype=object)
    names = live["name"].astype("str").fillna("").to_numpy(dtype=object)
    if "diffusible" in live.columns:
        ok = live["diffusible"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        ok = np.zeros(len(live), dtype=bool)
    return np.where(ok, names, "")


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
    spacing = float(np.sqrt(span[0] * span[1] / max(n_targets, 1)))
    per_point = float(np.sqrt(span[0] * span[1] / max(len(points), 1)))
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
        Projected coordinates in metres.
    targets : array (m, 2)
        Projected coordinates in metres.
    target_ids : sequence of str, optional
        Ids of the targets for the tie rule; their order when omitted.
    tie_tolerance_m : float, optional
        Default ``settings.distance_tie_tolerance_m``.

    Returns
    -------
    index : ndarray of int (n,)
        Position of the nearest target in ``targets`` (-1 when there is no target).
    distance_m : ndarray of float (n,)
        Distance to it in metres (``inf`` when there is no target).

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
    return order[rank], dist


def _nearest_in(
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


def _nearest_by_group(
    fxy: np.ndarray, groups: dict[str, pd.DataFrame], detour: float, what: str = "actors"
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Nearest row of each group (actors of one category...) for every point, with its
    distance in km: one shared grid, the groups searched in parallel threads (numpy
    releases the GIL)."""
    if not groups:
        return {}
    coords = {k: _point_xy(g, what, "id") for k, g in groups.items()}
    grid = _make_grid(fxy, max(len(g) for g in groups.values())) if len(fxy) else None

    def search(key: str) -> tuple[np.ndarray, np.ndarray]:
        return _nearest_in(fxy, groups[key], coords[key], detour, grid)

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
        Actor categories to measure. Default: every category of the taxonomy, a
        category with no active actor that year giving NaN distances and missing
        ids. When categories are given explicitly, one without any active actor
        raises :class:`~ecosystem._errors.EmptyDataError`.
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
        ``{c}_km`` (float, km) and ``{c}_actor_id`` (str); and
        ``n_reference_categories_within_d`` (int): how many categories of
        ``settings.REFERENCE_CATEGORIES`` have an actor within *d* (``<= d``).
        An empty firm set gives an empty table with these columns.

    Raises
    ------
    EmptyDataError
        A category asked explicitly has no active actor in ``year``.
    """
    d = _settings_value(distance_km, "unserved_distance_km")
    detour = _settings_value(detour_factor, "detour_factor")
    strict = categories is not None
    cats = _check_categories(categories if categories is not None else list(CATEGORIES))
    live_actors = _actors_of_year(actors, year)
    groups = {c: g.reset_index(drop=True) for c, g in live_actors.groupby("category", sort=False)}
    if strict:
        for c in cats:
            if c not in groups:
                raise _missing_category_error(c, year)
    live, fxy = _firms_of_year(firms, year)
    out = _key_frame(live)
    n = len(live)
    columns: dict[str, object] = {}
    reference_within = np.zeros(n, dtype=np.int64)
    wanted = list(dict.fromkeys([*cats, *REFERENCE_CATEGORIES]))
    nearest = _nearest_by_group(fxy, {c: groups[c] for c in wanted if c in groups}, detour)
    for c in wanted:
        group = groups.get(c)
        if group is None:
            km = np.full(n, np.nan)
            ids = _missing(n).array
        else:
            idx, km = nearest[c]
            ids = pd.array(group["id"].to_numpy(dtype=object), dtype="str").take(idx)
        if c in REFERENCE_CATEGORIES:
            reference_within += km <= d
        if c in cats:
            columns[f"{c}_km"] = km
            columns[f"{c}_actor_id"] = ids
    columns["n_reference_categories_within_d"] = reference_within
    # copy=False: no consolidation of 40 columns of a million rows into one block
    return pd.concat([out, pd.DataFrame(columns, index=out.index, copy=False)], axis=1)


# ---------------------------------------------------------------------------
# export potential
# ---------------------------------------------------------------------------

# NAF rév. 2 divisions -> sections (INSEE nomenclature).
_NAF_SECTION_RANGES: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 3), ("B", 5, 9), ("C", 10, 33), ("D", 35, 35), ("E", 36, 39), ("F", 41, 43),
    ("G", 45, 47), ("H", 49, 53), ("I", 55, 56), ("J", 58, 63), ("K", 64, 66), ("L", 68, 68),
    ("M", 69, 75), ("N", 77, 82), ("O", 84, 84), ("P", 85, 85), ("Q", 86, 88), ("R", 90, 93),
    ("S", 94, 96), ("T", 97, 98), ("U", 99, 99),
)


def _division_section(division: str) -> str | None:
    if not division.isdigit():
        return None
    num = int(division)
    for section, lo, hi in _NAF_SECTION_RANGES:
        if lo <= num <= hi:
            return section
    return None


def sector_export_propensity(naf: pd.Series) -> pd.Series:
    """Share of exporting firms in each firm's sector (NAF rév. 2 code such as ``25.62A``).

    Looks up the two-digit division, then its section, in
    ``settings.potential.sector_export_propensity``; a missing or unknown code gets
    ``settings.potential.default_sector_export_propensity``.

    Examples
    --------
    >>> sector_export_propensity(pd.Series(["21.20Z", "25.62A", "43.21A", None])).tolist()
    [0.55, 0.15, 0.01, 0.066]
    """
    ps = get_settings().potential
    table = ps.sector_export_propensity
    lookup: dict[str, float] = {}
    for num in range(100):
        division = f"{num:02d}"
        section = _division_section(division)
        if division in table:
            lookup[division] = table[division]
        elif section is not None and section in table:
            lookup[division] = table[section]
    divisions = naf.astype("str").str.strip().str.slice(0, 2)
    return divisions.map(lookup).astype(float).fillna(ps.default_sector_export_propensity)


def born_global_mask(
    firms: pd.DataFrame, history: pd.DataFrame | None = None, year: int | None = None
) -> pd.Series:
    """Which firms are *born global* (seed 003), from their observations.

    A firm is born global when one of its observations made within
    ``settings.born_global_years`` years of its creation (``0 <= year - created <=
    born_global_years``) shows ``export_share >= settings.born_global_share``.
    ``history`` (all observations of the firms; default ``firms`` itself) is used so
    that a firm observed young in an earlier year keeps the label; only observations
    up to ``year`` count (no look-ahead). A firm with no observation in its first
    years cannot be shown born global and is not labelled so (conservative).

    Returns
    -------
    Series of bool
        Aligned on ``firms.index``.

    Examples
    --------
    >>> obs = pd.DataFrame({"firm_id": ["a", "a", "b", "c"], "year": [2021, 2025, 2025, 2025],
    ...                     "created": [2019, 2019, 2024, 2015],
    ...                     "export_share": [0.3, 0.1, 0.2, 0.9]})
    >>> born_global_mask(obs[obs.year == 2025], obs, 2025).tolist()
    [True, True, False]
    """
    s = get_settings()
    hist = firms if history is None else history
    _require_columns(hist, ("firm_id", "year", "created", "export_share"), "firms")
    hy = pd.to_numeric(hist["year"], errors="coerce")
    age = hy - pd.to_numeric(hist["created"], errors="coerce").astype("Float64")
    share = pd.to_numeric(hist["export_share"], errors="coerce").astype("Float64")
    ok = (age >= 0) & (age <= s.born_global_years) & (share >= s.born_global_share)
    if year is not None:
        ok &= hy <= year
    ids = set(hist.loc[ok.fillna(False).astype(bool), "firm_id"].astype(str))
    return firms["firm_id"].astype(str).isin(ids)


_COMPONENTS = ("exporting", "posture", "born_global", "iso", "sector", "size")


def potential_score(
    firms: pd.DataFrame, history: pd.DataFrame | None = None, year: int | None = None
) -> pd.DataFrame:
    """Export-potential score (0-100) of firm observations, with its reasons in French.

    ``potential = 100 * sum_k(w_k * f_k) / sum_k(w_k)``, rounded to 0.1, with weights
    ``w_k`` in ``settings.potential`` and factors ``f_k`` in [0, 1]:

    - ``exporting``: 1 when the stage is indirect export or beyond, else 0;
    - ``posture``: ``posture_factors`` (proactive 1, reactive 0.5, refusal 0, missing 0);
    - ``born_global``: 1 when :func:`born_global_mask` says so;
    - ``iso``: the best quality weight of the firm's ISO standards
      (``settings.iso_weight``: 9001 1.0, 9002 0.75, 9003 0.5, others 0.5; none 0);
    - ``sector``: :func:`sector_export_propensity` divided by the largest propensity
      of the table;
    - ``size``: the factor of the firm's headcount band (``size_bands``; missing 0).

    Parameters
    ----------
    firms : DataFrame
        Firm observations (columns ``stage``, ``posture``, ``iso``, ``naf``,
        ``employees``, ``export_share``, ``created``, ``firm_id``, ``year``; missing
        optional values count as 0).
    history : DataFrame, optional
        All observations, for the born-global rule (default ``firms``).
    year : int, optional
        Observations after ``year`` are ignored by the born-global rule.

    Returns
    -------
    DataFrame
        Aligned on ``firms.index``: ``potential`` (float), ``reasons`` (str: the
        factors that count, largest contribution first, joined by " ; "), and one
        ``f_<factor>`` column per factor.

    Examples
    --------
    >>> f = pd.DataFrame({"firm_id": ["1"], "year": [2025], "stage": ["direct_export"],
    ...                   "posture": ["proactive"], "iso": ["9001|14001"], "naf": ["21.20Z"],
    ...                   "employees": [60], "export_share": [0.4], "created": [2000]})
    >>> score = potential_score(f)
    >>> float(score.loc[0, "potential"])
    85.0
    >>> for reason in score.loc[0, "reasons"].split(" ; "):
    ...     print(reason)
    exporte déjà (exportation directe)
    posture proactive
    certifiée ISO 9001
    secteur NAF 21 : environ 55 % d'entreprises exportatrices
    taille : 60 salariés
    """
    s = get_settings()
    ps = s.potential
    n = len(firms)
    idx = firms.index
    frame = firms.reset_index(drop=True)

    def col(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name]
        return _missing(n, "object")

    stage = col("stage").astype("str")
    exporting = stage.isin(EXPORTING_STAGES).to_numpy(dtype=float)
    posture = col("posture").astype("str")
    f_posture = posture.map(ps.posture_factors).astype(float).fillna(0.0).to_numpy()
    if {"created", "export_share"} <= set(frame.columns):
        f_born = born_global_mask(frame, history, year).to_numpy(dtype=float)
    else:
        f_born = np.zeros(n)
    iso = col("iso").astype("str").fillna("").str.split("|").explode().str.strip()
    iso = iso[iso.notna() & (iso != "")]
    best_iso = pd.Series([""] * n, dtype=object)
    f_iso = np.zeros(n)
    if len(iso):
        w = iso.map(iso_weight).astype(float)
        table = pd.DataFrame({"w": w.to_numpy(), "std": iso.to_numpy()}, index=w.index)
        # numeric order among equal weights ("9001" before "14001" is not lexical)
        table = table.sort_values("w", ascending=False, kind="stable")
        top = table[~table.index.duplicated()]
        f_iso[top.index.to_numpy()] = top["w"].to_numpy()
        best_iso[top.index.to_numpy()] = top["std"].to_numpy()
    propensity = sector_export_propensity(col("naf")).to_numpy()
    max_prop = max([*ps.sector_export_propensity.values(), ps.default_sector_export_propensity])
    f_sector = propensity / max_prop if max_prop > 0 else np.zeros(n)
    employees = pd.to_numeric(col("employees"), errors="coerce").astype(float).to_numpy()
    lows = np.array([low for low, _ in ps.size_bands], dtype=float)
    facs = np.array([f for _, f in ps.size_bands], dtype=float)
    band = np.clip(np.searchsorted(lows, np.nan_to_num(employees, nan=0.0), side="right") - 1,
                   0, None)
    f_size = np.where(np.isnan(employees), 0.0, facs[band])

    factors = np.column_stack([exporting, f_posture, f_born, f_iso, f_sector, f_size])
    weights = np.array([
        ps.weight_exporting, ps.weight_posture, ps.weight_born_global, ps.weight_iso,
        ps.weight_sector, ps.weight_size,
    ])
    total = weights.sum()
    contrib = factors * weights / total * 100.0 if total > 0 else np.zeros_like(factors)
    potential = np.round(contrib.sum(axis=1), 1)

    # reasons, in French, largest contribution first; informative zero items last
    division = col("naf").astype("str").str.strip().str.slice(0, 2).fillna("")
    share_txt = f"{round(s.born_global_share * 100):d} %"
    texts: list[list[str]] = [[""] * n for _ in _COMPONENTS]
    for i in range(n):
        if exporting[i]:
            texts[0][i] = f"exporte déjà ({STAGES[str(stage.iat[i])][0].lower()})"
        else:
            texts[0][i] = "n'exporte pas encore"
        p = posture.iat[i]
        texts[1][i] = {
            "proactive": "posture proactive", "reactive": "posture réactive",
            "refusal": "refus de l'international",
        }.get(p, "") if isinstance(p, str) else ""
        if f_born[i]:
            texts[2][i] = (
                f"« born global » (au moins {share_txt} du chiffre d'affaires à l'export "
                f"dans les {s.born_global_years} ans suivant sa création)"
            )
        if f_iso[i]:
            texts[3][i] = f"certifiée ISO {best_iso.iat[i]}"
        dv = division.iat[i]
        label = f"secteur NAF {dv}" if isinstance(dv, str) and dv else "secteur non renseigné"
        texts[4][i] = f"{label} : environ {round(propensity[i] * 100):d} % d'entreprises " \
            "exportatrices"
        if not np.isnan(employees[i]):
            e = int(employees[i])
            texts[5][i] = f"taille : {e} salarié{'s' if e > 1 else ''}"
    order = np.argsort(-contrib, axis=1, kind="stable")
    reasons = []
    for i in range(n):
        pos = [texts[k][i] for k in order[i] if contrib[i, k] > 0 and texts[k][i]]
        zero = [texts[k][i] for k in order[i] if contrib[i, k] <= 0 and texts[k][i]
                and k in (0, 1)]
        reasons.append(" ; ".join(pos + zero))
    out = pd.DataFrame({"potential": potential, "reasons": pd.array(reasons, dtype="str")})
    for k, name in enumerate(_COMPONENTS):
        out[f"f_{name}"] = factors[:, k]
    out.index = idx
    return out


# ---------------------------------------------------------------------------
# unserved firms
# ---------------------------------------------------------------------------

_UNSERVED_COLUMNS = (
    "rank", *FIRM_KEY_COLUMNS, "name", *_LOCATION, "naf", "employees", "stage", "exporting",
    "nearest_actor_id", "nearest_actor_name", "nearest_category", "nearest_km",
    "potential", "reasons",
)


def _front_actors(
    actors: gpd.GeoDataFrame, year: int, categories: Sequence[str]
) -> gpd.GeoDataFrame:
    live = _actors_of_year(actors, year)
    live = live[live["category"].isin(categories)].reset_index(drop=True)
    present = set(live["category"])
    for c in categories:
        if c not in present:
            raise _missing_category_error(c, year)
    return live


def unserved_firms(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    distance_km: float | None = None,
    detour_factor: float | None = None,
    exporting_only: bool = False,
) -> pd.DataFrame:
    """Active firms with no active actor of ``categories`` within *d*, by export potential.

    A firm is unserved when its nearest actor among ``categories`` (front line by
    default) lies strictly beyond *d* (a firm exactly at *d* is served).

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points).
    year : int
        Observation year of the firms; activity year of the actors.
    categories : sequence of str, optional
        Default ``settings.unserved_categories`` (front line).
    distance_km : float, optional
        *d*, default ``settings.unserved_distance_km`` (30 km).
    detour_factor : float, optional
        Default ``settings.detour_factor``.
    exporting_only : bool
        Keep only exporting firms (stage indirect export or beyond).

    Returns
    -------
    DataFrame
        One row per unserved firm, sorted by ``potential`` (descending) then
        ``firm_id``: ``rank`` (1..n), ``firm_id``, ``siret``, ``siren``, ``name``
        (blank when not diffusible), ``commune``, ``epci``, ``departement``,
        ``region``, ``naf``, ``employees``, ``stage``, ``exporting`` (bool),
        ``nearest_actor_id``, ``nearest_actor_name``, ``nearest_category``,
        ``nearest_km`` (nearest actor among ``categories``), ``potential`` (0-100,
        :func:`potential_score`) and ``reasons`` (French).

    Raises
    ------
    EmptyDataError
        One of ``categories`` has no active actor in ``year``.
    """
    d = _settings_value(distance_km, "unserved_distance_km")
    detour = _settings_value(detour_factor, "detour_factor")
    cats = _check_categories(
        get_settings().unserved_categories if categories is None else categories
    )
    front = _front_actors(actors, year, cats)
    live, fxy = _firms_of_year(firms, year)
    idx, km = _nearest_in(fxy, front, _point_xy(front, "actors", "id"), detour)
    keep = km > d
    if exporting_only and len(live):
        keep &= is_exporting(live).to_numpy(dtype=bool)
    sel = live.loc[keep].reset_index(drop=True)
    out = _key_frame(sel, extra=("naf", "employees", "stage"))
    out.insert(3, "name", pd.Series(_public_names(sel), dtype="str"))
    out["exporting"] = is_exporting(sel).to_numpy(dtype=bool) if len(sel) else np.zeros(0, bool)
    near = front.iloc[idx[keep]] if len(sel) else front.iloc[[]]
    out["nearest_actor_id"] = pd.array(near["id"].to_numpy(dtype=object), dtype="str")
    names = near["name"].to_numpy(dtype=object) if "name" in near else np.full(len(near), "")
    out["nearest_actor_name"] = pd.array(names, dtype="str")
    out["nearest_category"] = pd.array(near["category"].to_numpy(dtype=object), dtype="str")
    out["nearest_km"] = km[keep]
    score = potential_score(sel, history=firms, year=year)
    out["potential"] = score["potential"].to_numpy(dtype=float)
    out["reasons"] = pd.array(score["reasons"].to_numpy(dtype=object), dtype="str")
    out = out.sort_values(["potential", "firm_id"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    return out.reset_index(drop=True)[list(_UNSERVED_COLUMNS)]


# ---------------------------------------------------------------------------
# catchments
# ---------------------------------------------------------------------------


def catchments(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    distance_km: float | None = None,
    detour_factor: float | None = None,
) -> gpd.GeoDataFrame:
    """Catchment of every active actor: the active firms for which it is the nearest of
    its category, and its load against its capacity.

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points).
    year : int
        Observation year of the firms; activity year of the actors.
    categories : sequence of str, optional
        Default ``settings.unserved_categories`` (front line).
    distance_km, detour_factor : float, optional
        *d* (for ``n_firms_within_d``) and the detour factor; defaults from settings.

    Returns
    -------
    GeoDataFrame
        One row per active actor of ``categories`` (sorted by category, then id), with
        the actor's point (EPSG:2154): ``actor_id``, ``name``, ``category``,
        ``commune``, ``epci``, ``departement``, ``region``; ``n_firms`` (catchment
        size), ``n_exporters`` (exporting firms of the catchment), ``n_firms_within_d``
        (catchment firms at ``<= d``), ``mean_km`` and ``max_km`` (distance of its
        catchment's firms; NaN when empty), ``capacity`` (SMEs a year; the actor's own
        or ``settings.default_actor_capacity`` when missing), ``capacity_imputed``
        (bool), ``load_firms = n_firms / capacity`` and ``load_exporters =
        n_exporters / capacity`` (above 1: more firms than the actor accompanies in a
        year).

    Raises
    ------
    EmptyDataError
        One of ``categories`` has no active actor in ``year``.
    """
    s = get_settings()
    d = _settings_value(distance_km, "unserved_distance_km")
    detour = _settings_value(detour_factor, "detour_factor")
    cats = _check_categories(s.unserved_categories if categories is None else categories)
    front = _front_actors(actors, year, cats)
    live, fxy = _firms_of_year(firms, year)
    exporting = is_exporting(live).to_numpy(dtype=bool) if len(live) else np.zeros(0, bool)
    m = len(front)
    n_firms = np.zeros(m, dtype=np.int64)
    n_exp = np.zeros(m, dtype=np.int64)
    n_within = np.zeros(m, dtype=np.int64)
    sum_km = np.zeros(m)
    max_km = np.full(m, np.nan)
    groups = front.groupby("category", sort=False).indices
    nearest = _nearest_by_group(fxy, {c: front.iloc[r] for c, r in groups.items()}, detour)
    for c, rows in groups.items():
        idx, km = nearest[c]
        if not len(idx):
            continue
        pos = rows[idx]
        n_firms += np.bincount(pos, minlength=m)
        n_exp += np.bincount(pos, weights=exporting, minlength=m).astype(np.int64)
        n_within += np.bincount(pos, weights=km <= d, minlength=m).astype(np.int64)
        sum_km += np.bincount(pos, weights=km, minlength=m)
        mx = np.full(m, -np.inf)
        np.maximum.at(mx, pos, km)
        max_km = np.where(np.isfinite(mx), mx, max_km)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_km = np.where(n_firms > 0, sum_km / np.maximum(n_firms, 1), np.nan)
    if "capacity" in front:
        cap = pd.to_numeric(front["capacity"], errors="coerce").astype(float).to_numpy()
    else:
        cap = np.full(m, np.nan)
    imputed = np.isnan(cap)
    cap = np.where(imputed, s.default_actor_capacity, cap)

    def ratio(num: np.ndarray) -> np.ndarray:
        out = np.full(m, np.nan)
        np.divide(num, cap, out=out, where=cap > 0)
        return np.where((cap <= 0) & (num > 0), np.inf, np.where(cap <= 0, np.nan, out))

    table = pd.DataFrame({
        "actor_id": front["id"].astype("str").to_numpy(),
        "name": front["name"].astype("str").to_numpy() if "name" in front else "",
        "category": front["category"].astype("str").to_numpy(),
    })
    for c in _LOCATION:
        table[c] = front[c].astype("str").to_numpy() if c in front else pd.NA
    table["n_firms"] = n_firms
    table["n_exporters"] = n_exp
    table["n_firms_within_d"] = n_within
    table["mean_km"] = mean_km
    table["max_km"] = max_km
    table["capacity"] = cap
    table["capacity_imputed"] = imputed
    table["load_firms"] = ratio(n_firms.astype(float))
    table["load_exporters"] = ratio(n_exp.astype(float))
    gdf = gpd.GeoDataFrame(table, geometry=front.geometry.to_numpy(), crs=LAMBERT93)
    gdf = gdf.sort_values(["category", "actor_id"], kind="stable")
    return gdf.reset_index(drop=True)


# ---------------------------------------------------------------------------
# infrastructure and broadband
# ---------------------------------------------------------------------------


def broadband_by_commune(broadband: pd.DataFrame, year: int) -> pd.DataFrame:
    """FTTH share of each commune: its latest value of a year ``<= year``.

    Returns
    -------
    DataFrame
        ``commune`` (str), ``broadband_year`` (int), ``ftth_share`` (float, 0-1),
        sorted by commune.

    Examples
    --------
    >>> bb = pd.DataFrame({"commune": ["34172", "34172", "34172", "31555"],
    ...                    "year": [2023, 2024, 2026, 2025], "ftth_share": [0.5, 0.7, 0.9, 0.8]})
    >>> broadband_by_commune(bb, 2025).values.tolist()
    [['31555', 2025, 0.8], ['34172', 2024, 0.7]]
    """
    _require_columns(broadband, ("commune", "year", "ftth_share"), "broadband")
    bb = pd.DataFrame({
        "commune": broadband["commune"].astype("str"),
        "broadband_year": pd.to_numeric(broadband["year"]).astype(np.int64),
        "ftth_share": pd.to_numeric(broadband["ftth_share"], errors="coerce").astype(float),
    })
    bb = bb[(bb["broadband_year"] <= year) & bb["ftth_share"].notna()]
    bb = bb.sort_values(["commune", "broadband_year"], kind="stable")
    return bb.drop_duplicates("commune", keep="last").reset_index(drop=True)


def infrastructure_access(
    firms: gpd.GeoDataFrame,
    infrastructure: gpd.GeoDataFrame,
    year: int,
    broadband: pd.DataFrame | None = None,
    *,
    kinds: Sequence[str] = INFRASTRUCTURE_ACCESS_KINDS,
    detour_factor: float | None = None,
) -> pd.DataFrame:
    """Distance from every active firm to the nearest infrastructure of each kind.

    Airports count only with an IATA code (``iata`` non-empty: scheduled traffic).
    Ties go to the smallest ``id``. A kind with no record gives NaN distances.

    Parameters
    ----------
    firms, infrastructure : GeoDataFrame
        Registry layers (points; the infrastructure has ``id``, ``kind``, ``name``,
        ``iata``).
    year : int
        Observation year of the firms; broadband values of a year ``<= year``.
    broadband : DataFrame, optional
        ``commune``, ``year``, ``ftth_share`` (ARCEP-style).
    kinds : sequence of str
        Infrastructure kinds to measure.
    detour_factor : float, optional
        Default ``settings.detour_factor``.

    Returns
    -------
    DataFrame
        One row per active firm: ``firm_id``, ``siret``, ``siren``, ``commune``,
        ``epci``, ``departement``, ``region``; for each kind *k* ``{k}_km`` and
        ``{k}_id``; with a broadband table, ``ftth_share`` and ``broadband_year`` of
        the firm's commune (NaN / NA when the commune has no value).
    """
    detour = _settings_value(detour_factor, "detour_factor")
    if not isinstance(infrastructure, gpd.GeoDataFrame):
        raise TypeError("infrastructure must be a GeoDataFrame")
    _require_columns(infrastructure, ("id", "kind"), "infrastructure")
    infra = _as_lambert93(infrastructure, "infrastructure")
    live, fxy = _firms_of_year(firms, year)
    out = _key_frame(live)
    n = len(live)
    columns: dict[str, object] = {}
    subsets = {}
    for k in kinds:
        sub = infra[infra["kind"].astype("str") == k]
        if k == "airport":
            iata = sub["iata"].astype("str").str.strip() if "iata" in sub else None
            sub = sub[iata.notna() & (iata != "")] if iata is not None else sub.iloc[:0]
        if len(sub):
            subsets[k] = sub.assign(id=sub["id"].astype(str)).reset_index(drop=True)
    nearest = _nearest_by_group(fxy, subsets, detour, "infrastructure")
    for k in kinds:
        if k not in subsets:
            columns[f"{k}_km"] = np.full(n, np.nan)
            columns[f"{k}_id"] = _missing(n).array
            continue
        idx, km = nearest[k]
        ids = pd.array(subsets[k]["id"].to_numpy(dtype=object), dtype="str")
        columns[f"{k}_km"] = km
        columns[f"{k}_id"] = ids.take(idx)
    out = pd.concat([out, pd.DataFrame(columns, index=out.index, copy=False)], axis=1)
    if broadband is not None:
        bb = broadband_by_commune(broadband, year)
        out = out.merge(bb, on="commune", how="left", validate="many_to_one")
        out["broadband_year"] = out["broadband_year"].astype("Int64")
    return out


# ---------------------------------------------------------------------------
# territories
# ---------------------------------------------------------------------------


def territory_means(
    table: pd.DataFrame, level: str, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Mean of firm-level columns per territory (commune, epci, departement or region).

    Firms without a code at that level (empty EPCI) are left out. NaN values are
    skipped by the mean.

    Parameters
    ----------
    table : DataFrame
        A firm-level output (one row per firm, with the territory columns).
    level : {"commune", "epci", "departement", "region"}
    columns : sequence of str, optional
        Columns to average; default every float column.

    Returns
    -------
    DataFrame
        ``level``, ``code``, ``n_firms``, and the mean of each column under its own
        name, sorted by code.

    Examples
    --------
    >>> t = pd.DataFrame({"departement": ["34", "34", "31"], "x_km": [1.0, 3.0, 5.0]})
    >>> territory_means(t, "departement").values.tolist()
    [['departement', '31', 1, 5.0], ['departement', '34', 2, 2.0]]
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"level must be one of {list(TERRITORY_LEVELS)}; got {level!r}")
    _require_columns(table, (level,), "table")
    if columns is None:
        columns = [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]
    columns = list(columns)
    codes = table[level].astype("str")
    keep = codes.notna() & (codes.str.strip() != "")
    sub = table.loc[keep, columns].astype(float).assign(code=codes[keep])
    grouped = sub.groupby("code", sort=True)
    out = grouped[columns].mean()
    out.insert(0, "n_firms", grouped.size().astype(np.int64))
    out = out.reset_index()
    out.insert(0, "level", level)
    out["code"] = out["code"].astype("str")
    return out


def infrastructure_by_territory(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """Mean distance of a territory's firms to each infrastructure kind (and mean FTTH
    share of their communes), from :func:`infrastructure_access`.

    See :func:`territory_means` for the columns.
    """
    cols = [c for c in table.columns if c.endswith("_km") or c == "ftth_share"]
    return territory_means(table, level, cols)
