"""Where to open *K* new front-line relays to cover the most unserved firms within *d*,
weighted by their export potential: a maximal covering location problem (PySAL ``spopt``).
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from .. import geography
from ..activity import active_firms
from ..inputs import as_registry, layer_xy
from ..network import NetworkData
from ..projection import distance_xy
from ..registry import Registry
from ..settings import LAMBERT93, get_settings

__all__ = [
    "RELAY_SITE_COLUMNS",
    "RELAY_FIRM_COLUMNS",
    "candidate_sites",
    "solve_max_covering",
    "relay_plan",
    "plan_relays",
    "relay_effect",
]

# ---------------------------------------------------------------------------
# relay sites (maximal covering location problem)
# ---------------------------------------------------------------------------

#: Columns of the site table of :func:`relay_plan`.
RELAY_SITE_COLUMNS: tuple[str, ...] = (
    "rank", "commune", "name", "epci", "departement", "region", "x", "y", "lat", "lon",
    "newly_covered_firms", "newly_covered_exporting", "covered_weight", "firms_within_d",
)
#: Columns of the covered-firm table of :func:`relay_plan`.
RELAY_FIRM_COLUMNS: tuple[str, ...] = (
    "site_commune", "site_name", "firm_id", "siret", "name", "commune", "departement", "naf",
    "employees", "stage", "exporting", "potential", "distance_km",
)


def candidate_sites(territories: pd.DataFrame) -> pd.DataFrame:
    """Candidate relay sites: the town hall of every commune of the territories layer.

    Town halls come from the reference geography (:func:`ecosystem.geography.
    commune_info`); a commune unknown to it gets a point inside its own polygon.

    Returns
    -------
    DataFrame
        ``commune``, ``name``, ``epci``, ``departement``, ``region``, ``x``, ``y``
        (EPSG:2154), sorted by commune code.
    """
    com = territories.loc[territories["level"].eq("commune")] if "level" in territories else \
        territories.iloc[0:0]
    com = com.drop_duplicates("code").sort_values("code").reset_index(drop=True)
    codes = com["code"].astype(str).to_numpy()
    out = pd.DataFrame({
        "commune": codes,
        "name": com["name"].astype("str").fillna("").to_numpy(),
        "epci": com["epci"].astype("str").fillna("").to_numpy() if "epci" in com else "",
        "departement": com["departement"].astype("str").fillna("").to_numpy(),
        "region": com["region"].astype("str").fillna("").to_numpy(),
    })
    x = np.full(len(out), np.nan)
    y = np.full(len(out), np.nan)
    if len(out):
        info = geography.commune_info(codes)
        known = np.isin(codes, info.index.to_numpy())
        sub = info.reindex(codes[known])
        x[known] = sub["townhall_x"].to_numpy(dtype=float)
        y[known] = sub["townhall_y"].to_numpy(dtype=float)
        missing = ~np.isfinite(x)
        if missing.any() and isinstance(com, gpd.GeoDataFrame):
            geom = com.geometry
            if geom.crs is not None and str(geom.crs).upper() != LAMBERT93:
                geom = geom.to_crs(LAMBERT93)
            pts = shapely.point_on_surface(geom.values[missing])
            x[missing], y[missing] = shapely.get_x(pts), shapely.get_y(pts)
    out["x"], out["y"] = x, y
    return out.loc[np.isfinite(x) & np.isfinite(y)].reset_index(drop=True)


def _mclp_model(coverage: np.ndarray, weights: np.ndarray, k: int) -> Any:
    """spopt's ``MCLP`` model (Church & ReVelle 1974) built from a 0/1 coverage matrix.

    Same variables, objective and constraints as ``spopt.locate.MCLP.from_cost_matrix``
    (maximise ``sum_i w_i y_i`` subject to ``y_i <= sum_{j covers i} x_j`` and
    ``sum_j x_j = k``, ``x``, ``y`` binary), but each coverage constraint lists only the
    sites that cover the client: ``from_cost_matrix`` writes every site with a zero
    coefficient, which takes seconds per thousand clients.
    """
    import pulp
    from spopt.locate import MCLP
    from spopt.locate.base import FacilityModelBuilder

    n_cli, n_fac = coverage.shape
    problem = pulp.LpProblem("relay_sites", pulp.LpMaximize)
    model = MCLP("relay_sites", problem)
    FacilityModelBuilder.add_facility_integer_variable(model, range(n_fac), "x[{i}]")
    FacilityModelBuilder.add_client_integer_variable(model, range(n_cli), "y[{i}]")
    model.aij = coverage.astype(np.int8)
    x, y = model.fac_vars, model.cli_vars
    problem += pulp.LpAffineExpression([(y[i], float(weights[i])) for i in range(n_cli)])
    for i in range(n_cli):
        cover = pulp.LpAffineExpression([(x[j], 1) for j in np.flatnonzero(coverage[i])])
        problem += cover - y[i] >= 0
    FacilityModelBuilder.add_facility_constraint(model, k)
    return model


def solve_max_covering(
    coverage: sparse.spmatrix | np.ndarray, weights: np.ndarray, k: int,
) -> tuple[np.ndarray, float]:
    """Solve a maximal covering location problem with PySAL ``spopt`` (``MCLP``, CBC).

    Choose ``k`` sites (columns of ``coverage``) maximising the total weight of the clients
    (rows) covered by at least one chosen site. Before solving, sites covering nothing and
    sites whose covered set equals another's (the smaller position is kept) are dropped,
    and clients with the same set of covering sites are merged (weights summed): the
    optimum is unchanged; so are sites whose covered set lies strictly inside another
    site's (the larger one covers at least as much in any solution).

    Parameters
    ----------
    coverage : (n_clients, n_sites) sparse matrix or array of bool
    weights : (n_clients,) array of float, >= 0
    k : int

    Returns
    -------
    chosen : ndarray of int
        Positions of the chosen sites (sorted), at most ``k`` (fewer when fewer sites
        cover anything).
    covered_weight : float
        The objective value (total weight covered).

    Examples
    --------
    >>> cov = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
    >>> chosen, w = solve_max_covering(cov, np.array([5.0, 1.0, 1.0, 4.0]), 2)
    >>> chosen.tolist(), w
    ([0, 2], 11.0)
    """
    import pulp

    a = sparse.csc_matrix(coverage, dtype=np.int8)
    a.eliminate_zeros()
    a.data[:] = 1
    w = np.asarray(weights, dtype=float)
    if a.shape[0] != len(w):
        raise ValueError("coverage and weights disagree on the number of clients")
    if k <= 0 or a.nnz == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    useful = np.flatnonzero(np.diff(a.indptr) > 0)
    a = a[:, useful]
    # identical columns: keep the first
    keys = [a.indices[a.indptr[j]:a.indptr[j + 1]].tobytes() for j in range(a.shape[1])]
    first: dict[bytes, int] = {}
    for j, key in enumerate(keys):
        first.setdefault(key, j)
    keep_cols = np.asarray(sorted(first.values()), dtype=np.int64)
    a = a[:, keep_cols]
    sites = useful[keep_cols]
    # sites whose covered set is strictly inside another's: never needed for the optimum
    size = np.diff(a.indptr)
    overlap = (a.T.astype(np.int32) @ a.astype(np.int32)).tocoo()
    inside = (overlap.data == size[overlap.col]) & (size[overlap.row] > size[overlap.col])
    dominated = np.zeros(a.shape[1], dtype=bool)
    dominated[overlap.col[inside]] = True
    a = a[:, ~dominated].tocsr()
    sites = sites[~dominated]
    # clients covered by a site, merged by identical rows
    rows = np.flatnonzero(np.diff(a.indptr) > 0)
    row_keys = [a.indices[a.indptr[i]:a.indptr[i + 1]].tobytes() for i in rows]
    groups: dict[bytes, list[int]] = {}
    for i, key in zip(rows, row_keys, strict=True):
        groups.setdefault(key, []).append(int(i))
    reps = np.asarray([g[0] for g in groups.values()], dtype=np.int64)
    merged_w = np.asarray([w[g].sum() for g in groups.values()], dtype=float)
    sub = a[reps].toarray()
    if k >= sub.shape[1]:
        chosen = np.arange(sub.shape[1])
    else:
        with warnings.catch_warnings():
            # spopt 0.7 builds its model with the PuLP 3 API, which PuLP 3.3 deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            model = _mclp_model(sub, merged_w, int(k))
            model.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=0.0, gapAbs=0.0), results=False)
        chosen = np.asarray([j for j, var in enumerate(model.fac_vars)
                             if (var.value() or 0) > 0.5], dtype=np.int64)
    covered = sub[:, chosen].any(axis=1) if len(chosen) else np.zeros(len(sub), dtype=bool)
    return np.sort(sites[chosen]), float(merged_w[covered].sum())


def relay_plan(
    data: NetworkData, sites: int, distance_km: float | None = None,
    category: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where to open ``sites`` new front-line relays to cover the most unserved firms.

    The clients are the active firms unserved in ``data.year`` (no front-line actor within
    *d*; :func:`ecosystem.unserved.unserved_by_territory`), weighted by their export
    potential (:func:`ecosystem.proximity.potential_score`); the existing actors stay
    where they are, so a firm they already serve needs no relay. The candidate sites are
    the town halls of the registry's communes (:func:`candidate_sites`); a site covers a
    firm within *d* (``distance_km``, default ``settings.unserved_distance_km``, straight
    line times the detour factor). The maximal covering location problem is solved by
    :func:`solve_max_covering`; the coverage it reports is then recomputed from the
    coordinates of the chosen sites and firms, and a disagreement raises ``RuntimeError``.

    Each covered firm is counted at its nearest chosen site (ties: smallest commune
    code), so the ``newly_covered_firms`` of the sites add up to the firms covered; a chosen
    site left without any firm (the others already cover every firm it could) is not
    listed, so fewer than ``sites`` rows come back when fewer sites suffice.

    Returns
    -------
    sites : DataFrame
        One row per chosen site, by decreasing covered weight, columns
        :data:`RELAY_SITE_COLUMNS`: ``newly_covered_firms`` (firms counted at this site),
        ``newly_covered_exporting``, ``covered_weight`` (their potential, summed),
        ``firms_within_d`` (unserved firms within *d* of the site, shared ones included).
        ``attrs`` holds ``unserved_firms``, ``unserved_weight``, ``covered_firms``,
        ``covered_weight``, ``distance_km``, ``candidate_sites``.
    covered : DataFrame
        One row per covered firm, columns :data:`RELAY_FIRM_COLUMNS` (``name`` blank when
        the firm is not diffusible).
    """
    from ..unserved import unserved_by_territory

    s = get_settings()
    d = s.unserved_distance_km if distance_km is None else float(distance_km)
    if sites < 0:
        raise ValueError(f"sites must be >= 0; got {sites}")
    if d <= 0:
        raise ValueError(f"distance_km must be positive; got {d}")
    radius_m = d / s.detour_factor * 1000.0
    unserved, _ = unserved_by_territory(data.firms, data.actors, data.year, "commune",
                                        distance_km=d)
    firms = active_firms(data.firms, data.year)
    firms = firms.assign(firm_id=firms["firm_id"].astype(str)).drop_duplicates("firm_id")
    firms = firms.set_index("firm_id").reindex(unserved["firm_id"].astype(str).to_numpy())
    fxy = layer_xy(gpd.GeoDataFrame(firms.reset_index(), geometry="geometry", crs=data.firms.crs)) \
        if len(firms) else np.zeros((0, 2))
    weights = unserved["potential"].to_numpy(dtype=float)
    cand = candidate_sites(data.territories)
    site_l93 = cand[["x", "y"]].to_numpy(dtype=float)
    # distance coordinates of the town halls (the tables keep their Lambert-93 x, y)
    sxy = distance_xy(site_l93)
    rows_l: list[int] = []
    cols_l: list[int] = []
    if len(fxy) and len(sxy):
        for i, ball in enumerate(cKDTree(sxy).query_ball_point(fxy, r=radius_m * 1.000001)):
            for j in ball:
                if math.hypot(*(sxy[j] - fxy[i])) <= radius_m:
                    rows_l.append(i)
                    cols_l.append(j)
    coverage = sparse.csr_matrix((np.ones(len(rows_l), dtype=np.int8), (rows_l, cols_l)),
                                 shape=(len(fxy), len(sxy)))
    chosen, objective = solve_max_covering(coverage, weights, sites)
    # recomputation from the coordinates
    if len(chosen):
        dd = np.hypot(fxy[:, None, 0] - sxy[None, chosen, 0],
                      fxy[:, None, 1] - sxy[None, chosen, 1])
    else:
        dd = np.zeros((len(fxy), 0))
    within = dd <= radius_m
    covered = within.any(axis=1)
    if not math.isclose(float(weights[covered].sum()), objective, rel_tol=1e-9, abs_tol=1e-6):
        raise RuntimeError(
            f"the covering solver reports a covered weight of {objective:.6f} but the chosen "
            f"sites cover {float(weights[covered].sum()):.6f}")
    masked = np.where(within, dd, np.inf)
    nearest = np.argmin(masked, axis=1) if len(chosen) else np.zeros(len(fxy), dtype=np.int64)
    exporting = unserved["exporting"].to_numpy(dtype=bool)
    site_rows = []
    for pos, j in enumerate(chosen):
        mine = covered & (nearest == pos)
        if not mine.any():
            continue  # the other sites already cover all it could: nothing to open
        site_rows.append({
            "commune": cand.at[j, "commune"], "name": cand.at[j, "name"],
            "epci": cand.at[j, "epci"], "departement": cand.at[j, "departement"],
            "region": cand.at[j, "region"],
            "x": float(site_l93[j, 0]), "y": float(site_l93[j, 1]),
            "newly_covered_firms": int(mine.sum()),
            "newly_covered_exporting": int((mine & exporting).sum()),
            "covered_weight": float(weights[mine].sum()),
            "firms_within_d": int(within[:, pos].sum()),
        })
    table = pd.DataFrame(site_rows, columns=[c for c in RELAY_SITE_COLUMNS
                                             if c not in ("rank", "lat", "lon")])
    if len(table):
        pts = gpd.GeoSeries(gpd.points_from_xy(table["x"], table["y"]), crs=LAMBERT93)
        wgs = pts.to_crs("EPSG:4326")
        table["lat"], table["lon"] = wgs.y.to_numpy(), wgs.x.to_numpy()
    else:
        table["lat"], table["lon"] = [], []
    order = table.sort_values(["covered_weight", "commune"], ascending=[False, True]).index
    site_of = {pos: r for r, pos in enumerate(order)}
    table = table.loc[order].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    table = table[list(RELAY_SITE_COLUMNS)]
    sel = np.flatnonzero(covered)
    un = unserved.iloc[sel].reset_index(drop=True)
    site_pos = nearest[sel]
    firms_out = pd.DataFrame({
        "site_commune": [cand.at[chosen[p], "commune"] for p in site_pos],
        "site_name": [cand.at[chosen[p], "name"] for p in site_pos],
        "firm_id": un["firm_id"].astype(str).to_numpy(),
        "siret": un["siret"].astype("str").fillna("").to_numpy(),
        "name": un["name"].astype("str").fillna("").to_numpy(),
        "commune": un["commune"].astype("str").to_numpy(),
        "departement": un["departement"].astype("str").to_numpy(),
        "naf": un["naf"].astype("str").fillna("").to_numpy(),
        "employees": un["employees"].to_numpy(),
        "stage": un["stage"].astype("str").to_numpy(),
        "exporting": un["exporting"].to_numpy(dtype=bool),
        "potential": un["potential"].to_numpy(dtype=float),
        "distance_km": dd[sel, site_pos] / 1000.0 * s.detour_factor if len(sel) else [],
    }, columns=list(RELAY_FIRM_COLUMNS))
    firms_out["_site"] = [site_of[p] for p in site_pos]
    firms_out = firms_out.sort_values(["_site", "potential", "firm_id"],
                                      ascending=[True, False, True]).drop(columns="_site")
    table.attrs.update({
        "unserved_firms": int(len(unserved)), "unserved_weight": float(weights.sum()),
        "covered_firms": int(covered.sum()), "covered_weight": float(weights[covered].sum()),
        "distance_km": d, "candidate_sites": int(len(cand)),
        "category": category or s.relay_category,
    })
    return table, firms_out.reset_index(drop=True)


def plan_relays(
    registry: Registry | str | os.PathLike[str], year: int, sites: int,
    distance_km: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`relay_plan` for a registry and year (the ``plan-relays`` command)."""
    data = NetworkData.from_registry(as_registry(registry), year)
    return relay_plan(data, sites, distance_km)




def relay_effect(sites: pd.DataFrame, n_firms: int) -> dict[str, float]:
    """The effect of the relays of :func:`relay_plan` on the unserved firms.

    Parameters
    ----------
    sites : DataFrame
        The site table of :func:`relay_plan` (its ``attrs``).
    n_firms : int
        Active firms of the area planned (the denominator of the shares).

    Returns
    -------
    dict
        ``unserved_before`` (unserved firms without the relays), ``covered`` (firms the
        relays serve), ``unserved_after``, ``share_before`` and ``share_after``
        (unserved shares of the ``n_firms``; NaN without firm).

    Examples
    --------
    >>> t = pd.DataFrame()
    >>> t.attrs.update(unserved_firms=30, covered_firms=12)
    >>> relay_effect(t, 120)  # doctest: +NORMALIZE_WHITESPACE
    {'unserved_before': 30, 'covered': 12, 'unserved_after': 18, 'share_before': 0.25,
     'share_after': 0.15}
    """
    before = int(sites.attrs.get("unserved_firms", 0))
    covered = int(sites.attrs.get("covered_firms", 0))
    after = before - covered
    n = int(n_firms)
    return {"unserved_before": before, "covered": covered, "unserved_after": after,
            "share_before": before / n if n else float("nan"),
            "share_after": after / n if n else float("nan")}
