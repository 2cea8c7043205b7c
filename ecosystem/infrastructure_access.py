"""Distance from every active firm to the nearest airport (with an IATA code), port, major
road and rail node, and the FTTH broadband share of its commune.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from .aggregate import territory_means
from .inputs import (
    as_lambert93,
    firm_key_frame,
    firms_of_year,
    missing_column,
    positive_setting,
    require_columns,
)
from .nearest import nearest_by_group

__all__ = [
    "INFRASTRUCTURE_ACCESS_KINDS",
    "broadband_by_commune",
    "infrastructure_access",
    "infrastructure_by_territory",
]

#: Infrastructure kinds measured by :func:`infrastructure_access` (airports need an IATA code).
INFRASTRUCTURE_ACCESS_KINDS: tuple[str, ...] = ("airport", "port", "road_node", "rail_node")

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
    require_columns(broadband, ("commune", "year", "ftth_share"), "broadband")
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
    Ties go to the smallest ``id``. A kind with no record (in the firm's zone:
    metropolitan France or its overseas département, :mod:`ecosystem.projection`) gives
    NaN distances and no id.

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
    detour = positive_setting(detour_factor, "detour_factor")
    if not isinstance(infrastructure, gpd.GeoDataFrame):
        raise TypeError("infrastructure must be a GeoDataFrame")
    require_columns(infrastructure, ("id", "kind"), "infrastructure")
    infra = as_lambert93(infrastructure, "infrastructure")
    live, fxy = firms_of_year(firms, year)
    out = firm_key_frame(live)
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
    nearest = nearest_by_group(fxy, subsets, detour, "infrastructure")
    for k in kinds:
        if k not in subsets:
            columns[f"{k}_km"] = np.full(n, np.nan)
            columns[f"{k}_id"] = missing_column(n).array
            continue
        idx, km = nearest[k]
        ids = pd.array(subsets[k]["id"].to_numpy(dtype=object), dtype="str")
        # -1: none in the firm's zone (metropolitan France or its overseas département):
        # no data, as a kind without any record
        columns[f"{k}_km"] = np.where(idx >= 0, km, np.nan)
        columns[f"{k}_id"] = ids.take(idx, allow_fill=True)
    out = pd.concat([out, pd.DataFrame(columns, index=out.index, copy=False)], axis=1)
    if broadband is not None:
        bb = broadband_by_commune(broadband, year)
        out = out.merge(bb, on="commune", how="left", validate="many_to_one")
        out["broadband_year"] = out["broadband_year"].astype("Int64")
    return out



def infrastructure_by_territory(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """Mean distance of a territory's firms to each infrastructure kind (and mean FTTH
    share of their communes), from :func:`infrastructure_access`.

    See :func:`territory_means` for the columns.
    """
    cols = [c for c in table.columns if c.endswith("_km") or c == "ftth_share"]
    return territory_means(table, level, cols)
