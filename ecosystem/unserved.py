"""Served and unserved firms: the one rule, used by every command, page, map, report and
what-if.

A firm active in year *y* is **unserved** when no active actor of the chosen categories
(default ``settings.unserved_categories``, the front line: CCI, Team France Export, CCE,
Bpifrance, export clubs) lies within *d* of it (``distance_km <= d`` is served; default
``settings.unserved_distance_km``, 30 km; distances from :mod:`ecosystem.nearest`, times the
detour factor).

**A category without any active actor** is reported as missing and the rule uses the
others, in every command alike (:attr:`FrontLine.missing`); with no actor of any of the
categories, every active firm is unserved and has no nearest relay.

- :func:`nearest_front`: the nearest actor of the chosen categories for every active firm
  (the one computation everything else reads);
- :func:`unserved_firms`: the ranked list of unserved firms with the nearest relay;
- :func:`unserved_by_territory`: the same firms and their counts by territory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .activity import is_exporting
from .inputs import (
    LOCATION_COLUMNS,
    actors_of_year,
    check_categories,
    firm_key_frame,
    firms_of_year,
    point_xy,
    positive_setting,
    public_names,
    require_columns,
)
from .nearest import nearest_in
from .potential import potential_score
from .schema import TERRITORY_LEVELS
from .settings import get_settings

__all__ = [
    "UNSERVED_COLUMNS",
    "UNSERVED_COUNT_COLUMNS",
    "FrontLine",
    "front_actors",
    "missing_categories_note",
    "nearest_front",
    "unserved_firms",
    "unserved_by_territory",
]

#: Columns of :func:`unserved_firms`.
UNSERVED_COLUMNS: tuple[str, ...] = (
    "rank", "firm_id", "siret", "siren", "name", *LOCATION_COLUMNS, "naf", "employees", "stage",
    "exporting", "nearest_actor_id", "nearest_actor_name", "nearest_category", "nearest_km",
    "potential", "reasons",
)
#: Columns of the counts of :func:`unserved_by_territory`.
UNSERVED_COUNT_COLUMNS: tuple[str, ...] = (
    "n_firms", "n_unserved", "unserved_share", "n_unserved_exporting", "unserved_potential",
)


def front_actors(
    actors: gpd.GeoDataFrame, year: int, categories: Sequence[str] | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Active actors of ``categories`` in ``year`` (sorted by id) and the categories missing.

    Parameters
    ----------
    actors : GeoDataFrame
        The ``actors`` layer.
    year : int
    categories : sequence of str, optional
        Default ``settings.unserved_categories`` (front line).

    Returns
    -------
    actors : GeoDataFrame
        Active actors of the categories that have one, projected to EPSG:2154.
    missing : list of str
        The categories asked that have no active actor in ``year``, in the order asked.
    """
    cats = check_categories(
        get_settings().unserved_categories if categories is None else categories)
    live = actors_of_year(actors, year)
    live = live[live["category"].isin(cats)].reset_index(drop=True)
    present = set(live["category"].astype(str))
    return live, [c for c in cats if c not in present]


def missing_categories_note(missing: Sequence[str], year: int, lang: str = "fr") -> str:
    """The sentence every output prints when front-line categories have no actor.

    Examples
    --------
    >>> missing_categories_note(["cce", "bpifrance"], 2025, "en")
    'no active actor of category cce, bpifrance in 2025: measured with the other categories'
    >>> missing_categories_note([], 2025)
    ''
    """
    if not missing:
        return ""
    cats = ", ".join(missing)
    if lang == "en":
        return (f"no active actor of category {cats} in {year}: measured with the other "
                "categories")
    return (f"aucun acteur actif de la catégorie {cats} en {year} : mesure faite avec les "
            "autres catégories")


@dataclass
class FrontLine:
    """Nearest actor of the chosen categories for every active firm of a year.

    Attributes
    ----------
    year : int
    categories : list of str
        The categories asked.
    missing : list of str
        Those without any active actor in ``year`` (left out of the rule).
    firms : GeoDataFrame
        Active firms of ``year`` (index 0..n-1, EPSG:2154).
    actors : GeoDataFrame
        Active actors of the categories present (index 0..m-1).
    index : ndarray of int (n,)
        Position in ``actors`` of each firm's nearest actor (-1: none).
    km : ndarray of float (n,)
        Distance to it in km, detour factor applied (``inf``: none).
    """

    year: int
    categories: list[str]
    missing: list[str]
    firms: gpd.GeoDataFrame
    actors: gpd.GeoDataFrame
    index: np.ndarray
    km: np.ndarray
    distance_km: float = field(default=0.0)

    def unserved(self, distance_km: float | None = None) -> np.ndarray:
        """The rule: no actor of the categories present within *d* (bool per firm).

        ``distance_km`` defaults to the *d* given to :func:`nearest_front`.
        """
        d = self.distance_km if distance_km is None else positive_setting(
            distance_km, "unserved_distance_km")
        return self.km > d


def nearest_front(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    distance_km: float | None = None,
    detour_factor: float | None = None,
) -> FrontLine:
    """The nearest active actor of ``categories`` of every firm active in ``year``.

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points).
    year : int
    categories : sequence of str, optional
        Default ``settings.unserved_categories``. Categories without an active actor are
        listed in :attr:`FrontLine.missing` and left out.
    distance_km : float, optional
        *d* of :meth:`FrontLine.unserved` (default ``settings.unserved_distance_km``).
    detour_factor : float, optional
        Default ``settings.detour_factor``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"firm_id": ["a", "b"], "year": [2025, 2025]},
    ...     geometry=[Point(700_000, 6_300_000), Point(760_000, 6_300_000)], crs="EPSG:2154")
    >>> a = gpd.GeoDataFrame({"id": ["x"], "category": ["cci"], "since": [2000],
    ...     "until": [pd.NA]}, geometry=[Point(700_000, 6_310_000)], crs="EPSG:2154")
    >>> front = nearest_front(f, a, 2025)
    >>> front.km.round(1).tolist(), front.unserved().tolist(), front.missing[:2]
    ([10.0, 60.8], [False, True], ['team_france_export', 'cce'])
    """
    d = positive_setting(distance_km, "unserved_distance_km")
    detour = positive_setting(detour_factor, "detour_factor")
    cats = check_categories(
        get_settings().unserved_categories if categories is None else categories)
    front, missing = front_actors(actors, year, cats)
    live, fxy = firms_of_year(firms, year)
    if len(front):
        idx, km = nearest_in(fxy, front, point_xy(front, "actors", "id"), detour)
    else:
        idx, km = np.full(len(live), -1, dtype=np.intp), np.full(len(live), np.inf)
    return FrontLine(int(year), cats, missing, live, front, idx, km, d)


def unserved_firms(
    firms: gpd.GeoDataFrame,
    actors: gpd.GeoDataFrame,
    year: int,
    categories: Sequence[str] | None = None,
    *,
    distance_km: float | None = None,
    detour_factor: float | None = None,
    exporting_only: bool = False,
    front: FrontLine | None = None,
) -> pd.DataFrame:
    """Active firms with no active actor of ``categories`` within *d*, by export potential.

    A firm is unserved when its nearest actor among ``categories`` (front line by
    default) lies strictly beyond *d* (a firm exactly at *d* is served). A category
    without any active actor is left out and named in ``attrs["missing_categories"]``.

    Parameters
    ----------
    firms, actors : GeoDataFrame
        Registry layers (points). ``firms`` may hold every year: the born-global factor
        of the potential reads the firm's earlier observations.
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
    front : FrontLine, optional
        :func:`nearest_front` already computed for these inputs.

    Returns
    -------
    DataFrame
        One row per unserved firm, sorted by ``potential`` (descending) then
        ``firm_id``: ``rank`` (1..n), ``firm_id``, ``siret``, ``siren``, ``name``
        (blank when not diffusible), ``commune``, ``epci``, ``departement``,
        ``region``, ``naf``, ``employees``, ``stage``, ``exporting`` (bool),
        ``nearest_actor_id``, ``nearest_actor_name``, ``nearest_category``,
        ``nearest_km`` (nearest actor among the categories present; empty when there is
        none), ``potential`` (0-100, :func:`~ecosystem.potential.potential_score`) and
        ``reasons`` (French). ``attrs["missing_categories"]`` lists the categories asked
        that have no active actor in ``year``.
    """
    if front is None:
        front = nearest_front(firms, actors, year, categories, distance_km=distance_km,
                              detour_factor=detour_factor)
    live = front.firms
    keep = front.unserved(distance_km)
    if exporting_only and len(live):
        keep &= is_exporting(live).to_numpy(dtype=bool)
    sel = live.loc[keep].reset_index(drop=True)
    out = firm_key_frame(sel, extra=("naf", "employees", "stage"))
    out.insert(3, "name", pd.Series(public_names(sel), dtype="str"))
    out["exporting"] = is_exporting(sel).to_numpy(dtype=bool) if len(sel) else np.zeros(0, bool)
    idx = front.index[keep]
    has = idx >= 0
    near = front.actors.iloc[idx[has]]

    def actor_column(column: str) -> pd.api.extensions.ExtensionArray:
        values = np.full(len(sel), None, dtype=object)
        if column in near:
            values[has] = near[column].to_numpy(dtype=object)
        return pd.array(values, dtype="str")

    out["nearest_actor_id"] = actor_column("id")
    out["nearest_actor_name"] = actor_column("name")
    out["nearest_category"] = actor_column("category")
    km = front.km[keep]
    out["nearest_km"] = np.where(np.isfinite(km), km, np.nan)
    score = potential_score(sel, history=firms, year=year)
    out["potential"] = score["potential"].to_numpy(dtype=float)
    out["reasons"] = pd.array(score["reasons"].to_numpy(dtype=object), dtype="str")
    out = out.sort_values(["potential", "firm_id"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    out = out.reset_index(drop=True)[list(UNSERVED_COLUMNS)]
    out.attrs["missing_categories"] = list(front.missing)
    return out


def unserved_by_territory(
    firms: gpd.GeoDataFrame, actors: gpd.GeoDataFrame, year: int, level: str,
    distance_km: float | None = None, *, categories: Sequence[str] | None = None,
    detour_factor: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unserved firms of ``year`` (:func:`unserved_firms`) and their counts by territory.

    Returns
    -------
    unserved : DataFrame
        :func:`unserved_firms` (with ``attrs["missing_categories"]``).
    counts : DataFrame
        Indexed by the territory codes of ``level`` holding an active firm:
        ``n_firms``, ``n_unserved``, ``unserved_share``, ``n_unserved_exporting``,
        ``unserved_potential`` (sum of potential scores).
    """
    if level not in TERRITORY_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {list(TERRITORY_LEVELS)}")
    front = nearest_front(firms, actors, year, categories, distance_km=distance_km,
                          detour_factor=detour_factor)
    un = unserved_firms(firms, actors, year, front=front)
    require_columns(front.firms, (level,), "firms")
    n_firms = front.firms[level].astype(str).value_counts()
    grouped = un.groupby(un[level].astype(str))
    counts = pd.DataFrame({"n_firms": n_firms})
    counts.index.name = "code"
    counts["n_unserved"] = grouped.size().reindex(counts.index).fillna(0).astype(int)
    counts["unserved_share"] = counts["n_unserved"] / counts["n_firms"]
    counts["n_unserved_exporting"] = grouped["exporting"].sum().reindex(counts.index) \
        .fillna(0).astype(int)
    counts["unserved_potential"] = grouped["potential"].sum().reindex(counts.index).fillna(0.0)
    counts.attrs["missing_categories"] = list(front.missing)
    return un, counts
