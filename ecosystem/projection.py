"""Distance coordinates: Lambert-93 in metropolitan France, each overseas département's own
projected CRS overseas.

The registry stores every point in Lambert-93 (EPSG:2154), the overseas ones too. Lambert-93
is designed for metropolitan France: overseas it scales lengths by 1.13 (Guadeloupe) to 1.88
(La Réunion) (:func:`ecosystem.geography.lambert93_scale`), so a 30 km threshold there would
mean 16 to 27 km. Every distance of the product is therefore measured in *distance
coordinates* (:func:`distance_xy`):

- a point in metropolitan France (Corsica included), or anywhere outside the overseas zones,
  keeps its Lambert-93 coordinates, unchanged to the bit;
- a point of an overseas zone (``settings.overseas_zones``: Guadeloupe and Martinique in
  RGAF09 / UTM 20N, EPSG:5490; Guyane in RGFG95 / UTM 22N, EPSG:2972; La Réunion in RGR92 /
  UTM 40S, EPSG:2975; Mayotte in RGM04 / UTM 38S, EPSG:4471) is projected to the zone's CRS
  (Lambert-93 -> WGS84 longitude/latitude -> local CRS, with pyproj) and shifted east by
  ``k * ZONE_OFFSET_M`` (*k* = 1, 2... the zones in code order).

The shift puts the zones 10^8 m (100,000 km, five times the longest distance on Earth)
apart, so that the KD-trees, grids and distance thresholds of the measures work on these
coordinates as they are, with true local distances, and never join two zones. A distance
longer than :data:`MAX_DISTANCE_M` joins two zones and means "none in the zone":
:func:`ecosystem.nearest.nearest_points` reports no target there (-1, ``inf``), not a
meaningless 100,000 km.

A point's zone is read from its longitude and latitude (:func:`distance_zone`), so it needs
no département column: actors, firms, infrastructure and town halls alike. Points within
Lambert-93's own area of use are recognised without any projection (a box test), so
metropolitan data costs one comparison per point.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyproj

from .settings import LAMBERT93, LAMBERT93_AREA, WGS84, OverseasZone, get_settings

__all__ = [
    "METROPOLITAN",
    "ZONE_OFFSET_M",
    "MAX_DISTANCE_M",
    "zone_crs",
    "distance_zone",
    "distance_xy",
    "across_zones",
]

#: Zone name of the points measured in Lambert-93 (metropolitan France and any point outside
#: the overseas zones).
METROPOLITAN = "metropole"
#: Eastward shift between two distance zones, in metres.
ZONE_OFFSET_M = 1e8
#: A distance (in distance coordinates) beyond this joins two zones: no real distance. Half
#: the shift between zones, and 2.5 times the longest geodesic on Earth (20,004 km).
MAX_DISTANCE_M = ZONE_OFFSET_M / 2


@dataclass(frozen=True)
class _Zone:
    code: str
    epsg: int
    bounds: tuple[float, float, float, float]
    offset_x: float
    to_local: pyproj.Transformer


@dataclass(frozen=True)
class _Zones:
    zones: tuple[_Zone, ...]
    #: Lambert-93 box (xmin, ymin, xmax, ymax) whose points are in no overseas zone (empty
    #: when an overseas box's image reaches it).
    metropolitan_box: tuple[float, float, float, float]


@functools.lru_cache(maxsize=1)
def _to_wgs84() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(LAMBERT93, WGS84, always_xy=True)


def _boxes_meet(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


@functools.lru_cache(maxsize=8)
def _build(table: tuple[tuple[str, int, tuple[float, float, float, float]], ...]) -> _Zones:
    to_l93 = pyproj.Transformer.from_crs(WGS84, LAMBERT93, always_xy=True)
    x0, y0, x1, y1 = to_l93.transform_bounds(*LAMBERT93_AREA, densify_pts=51)
    shortcut = (float(x0), float(y0), float(x1), float(y1))
    zones = []
    for k, (code, epsg, bounds) in enumerate(table, start=1):
        image = to_l93.transform_bounds(*bounds, densify_pts=51)
        if _boxes_meet(image, shortcut):  # no shortcut if an overseas box maps into it
            shortcut = (np.inf, np.inf, -np.inf, -np.inf)
        zones.append(_Zone(code, epsg, bounds, k * ZONE_OFFSET_M,
                           pyproj.Transformer.from_crs(WGS84, f"EPSG:{epsg}", always_xy=True)))
    return _Zones(tuple(zones), shortcut)


def _zones(table: Mapping[str, OverseasZone] | None = None) -> _Zones:
    table = get_settings().overseas_zones if table is None else table
    return _build(tuple((code, z.epsg, z.bounds) for code, z in sorted(table.items())))


def zone_crs() -> dict[str, str]:
    """The CRS in which distances are measured in each zone (current settings).

    Examples
    --------
    >>> for zone, crs in zone_crs().items():
    ...     print(zone, crs)
    metropole EPSG:2154
    971 EPSG:5490
    972 EPSG:5490
    973 EPSG:2972
    974 EPSG:2975
    976 EPSG:4471
    """
    out = {METROPOLITAN: LAMBERT93}
    out.update({z.code: f"EPSG:{z.epsg}" for z in _zones().zones})
    return out


def _zone_index(xy: np.ndarray, zones: _Zones) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows outside the metropolitan shortcut, their zone number (0: none) and lon/lat."""
    x, y = xy[:, 0], xy[:, 1]
    x0, y0, x1, y1 = zones.metropolitan_box
    rows = np.flatnonzero(~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)))
    number = np.zeros(len(rows), dtype=np.intp)
    if not len(rows) or not zones.zones:
        return rows, number, np.empty((len(rows), 2))
    lon, lat = _to_wgs84().transform(x[rows], y[rows])
    for k, zone in enumerate(zones.zones, start=1):
        w, s, e, n = zone.bounds
        number[(lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)] = k
    return rows, number, np.column_stack([lon, lat])


def _as_points(xy: object) -> np.ndarray:
    pts = np.asarray(xy, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        pts = pts.reshape(-1, 2)
    return pts


def distance_zone(xy: object) -> np.ndarray:
    """The distance zone of each Lambert-93 point: an overseas département's code, or
    :data:`METROPOLITAN`.

    Parameters
    ----------
    xy : array-like (n, 2)
        Lambert-93 (EPSG:2154) coordinates in metres.

    Returns
    -------
    ndarray of str (n,)

    Examples
    --------
    >>> distance_zone([[770_000, 6_280_000], [10_220_000, 510_000]]).tolist()  # Montpellier, Saint-Denis
    ['metropole', '974']
    """  # noqa: E501
    pts = _as_points(xy)
    zones = _zones()
    names = np.array([METROPOLITAN, *(z.code for z in zones.zones)], dtype=object)
    out = np.full(len(pts), 0, dtype=np.intp)
    rows, number, _ = _zone_index(pts, zones)
    out[rows] = number
    return names[out].astype(str)


def distance_xy(xy: object) -> np.ndarray:
    """Distance coordinates (n, 2) in metres of Lambert-93 points.

    Metropolitan points (and points in no overseas zone) are returned unchanged; a point of
    an overseas zone gets its coordinates in the zone's projected CRS, shifted east by
    ``k * ZONE_OFFSET_M``. Planar distances between two points of one zone are then true
    local distances (within 0.15 % of the geodesic in the five départements); between two
    zones they exceed :data:`MAX_DISTANCE_M`.

    Parameters
    ----------
    xy : array-like (n, 2)
        Lambert-93 (EPSG:2154) coordinates in metres.

    Returns
    -------
    ndarray of float (n, 2)
        ``xy`` itself (as a float array) when no point is overseas.

    Examples
    --------
    Two points 10 km apart in Lambert-93 are 10 km apart in metropolitan France, but only
    5.3 km apart in La Réunion, where Lambert-93 stretches lengths by 1.88:

    >>> import numpy as np
    >>> def planar(a, b):
    ...     return float(np.hypot(*(a - b)))
    >>> m = distance_xy([[770_000, 6_280_000], [780_000, 6_280_000]])
    >>> planar(m[0], m[1])
    10000.0
    >>> r = distance_xy([[10_220_000, 510_000], [10_230_000, 510_000]])
    >>> round(planar(r[0], r[1]))
    5313
    >>> bool(planar(m[0], r[0]) > MAX_DISTANCE_M)
    True
    """
    pts = _as_points(xy)
    if not len(pts):
        return pts
    zones = _zones()
    rows, number, lonlat = _zone_index(pts, zones)
    if not (number > 0).any():
        return pts
    out = pts.copy()
    for k, zone in enumerate(zones.zones, start=1):
        mine = number == k
        if mine.any():
            east, north = zone.to_local.transform(lonlat[mine, 0], lonlat[mine, 1])
            out[rows[mine], 0] = np.asarray(east) + zone.offset_x
            out[rows[mine], 1] = north
    return out


def across_zones(distance_m: object) -> np.ndarray:
    """Whether each distance (metres, in distance coordinates) joins two zones.

    Examples
    --------
    >>> across_zones([0.0, 30_000.0, 2e8, np.inf]).tolist()
    [False, False, True, True]
    """
    return np.asarray(distance_m, dtype=float) > MAX_DISTANCE_M
