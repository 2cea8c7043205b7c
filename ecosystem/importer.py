"""The import job: read files, validate them all, merge duplicates, write all or nothing.

Deduplication rules (reported in :class:`ImportReport`):

- **Firms**: one observation per (``firm_id``, ``year``). The same SIRET from two
  files of one import (the SIRENE stock and a firms file) or already in the registry
  is merged: the newer file's non-empty values win (a firms file wins over SIRENE),
  an exact location wins over a town-hall placement, and a firm is diffusible only
  if every source says so.
- **Actors**: the same ``id`` updates the record. Two records of the same category
  with near-identical names (``settings.dedup_name_similarity``) within
  ``settings.dedup_actor_distance_m`` are one actor: the first id is kept, ties of
  the import that name the other id are redirected to it.
- **Relations**: one tie per (``source``, ``target``, ``kind``, ``year``).
- **Infrastructure**: one record per ``id``; **broadband**: per (``commune``, ``year``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from . import imports
from ._errors import Problem, ValidationError
from .dedup import similar_actors
from .provenance import file_sha256, now_iso, software_version
from .readers import RawTable, read_table
from .schema import LAYERS, SPATIAL_LAYERS
from .settings import LAMBERT93

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["ImportReport", "read_inputs", "import_tables", "merge_records"]


@dataclass
class ImportReport:
    """What an import did, layer by layer.

    Attributes
    ----------
    added : dict
        Layer -> new records written.
    updated : dict
        Layer -> existing records updated by a record with the same key.
    merges : list of str
        One sentence per deduplication (same SIRET twice, same actor under two ids).
    files : list of str
        Files read.
    """

    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"Imported {', '.join(self.files) or 'nothing'}:"]
        for layer in sorted(set(self.added) | set(self.updated)):
            lines.append(f"  {layer}: {self.added.get(layer, 0)} added, "
                         f"{self.updated.get(layer, 0)} updated")
        if self.merges:
            lines.append(f"  {len(self.merges)} merge(s):")
            lines.extend(f"    - {m}" for m in self.merges[:50])
            if len(self.merges) > 50:
                lines.append(f"    ... and {len(self.merges) - 50} more")
        return "\n".join(lines)


_KEYS: dict[str, list[str]] = {
    "actors": ["id"],
    "firms": ["firm_id", "year"],
    "relations": ["source", "target", "kind", "year"],
    "infrastructure": ["id"],
    "broadband": ["commune", "year"],
}


def read_inputs(**paths: str | os.PathLike[str] | None
                ) -> tuple[dict[str, RawTable], dict[str, str]]:
    """Read every given file (format detected); problems of all files reported together.

    Returns the tables and the SHA-256 of each file (for the import log), by role.
    """
    tables: dict[str, RawTable] = {}
    hashes: dict[str, str] = {}
    problems: list[Problem] = []
    for role, path in paths.items():
        if path is None:
            continue
        try:
            tables[role] = read_table(path)
            hashes[role] = file_sha256(path)
        except (ValueError, OSError) as exc:
            problems.append(Problem(Path(path).name, None, None, "", f"a readable file: {exc}"))
    if problems:
        raise ValidationError(problems)
    return tables, hashes


def _nonempty(frame: pd.DataFrame) -> pd.DataFrame:
    """Mask of values that carry information."""
    mask = frame.notna()
    for c in frame.columns:
        if frame[c].dtype == object:
            mask[c] &= frame[c].astype(str).ne("")
    return mask


def merge_records(old: pd.DataFrame, new: pd.DataFrame, layer: str
                  ) -> tuple[pd.DataFrame, int, int]:
    """Merge ``new`` records into ``old`` by the layer's key.

    Returns the merged frame, the number of records added and updated.
    """
    key = _KEYS[layer]
    if len(old) == 0:
        return new, len(new), 0
    old_k = pd.MultiIndex.from_frame(old[key].astype(str))
    new_k = pd.MultiIndex.from_frame(new[key].astype(str))
    hit_new = new_k.isin(old_k)
    if not hit_new.any():
        out = pd.concat([old, new], ignore_index=True)
        return _as_layer(out, layer), len(new), 0
    pos_old = old_k.get_indexer(new_k[hit_new])
    upd_old = old.iloc[pos_old].reset_index(drop=True)
    upd_new = new.loc[hit_new].reset_index(drop=True)
    merged = _combine(upd_old, upd_new, layer)
    keep_old = np.ones(len(old), dtype=bool)
    keep_old[pos_old] = False
    out = pd.concat([old.loc[keep_old], merged, new.loc[~hit_new]], ignore_index=True)
    return _as_layer(out, layer), int((~hit_new).sum()), int(hit_new.sum())


def _combine(old: pd.DataFrame, new: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Row by row (aligned): new non-empty values over old ones."""
    attrs = [c for c in LAYERS[layer] if c in new.columns]
    take_new = _nonempty(new[attrs])
    out = old[attrs].copy()
    for c in attrs:
        out[c] = new[c].where(take_new[c], old[c])
    if "diffusible" in attrs:
        out["diffusible"] = old["diffusible"].astype(bool) & new["diffusible"].astype(bool)
    if layer in SPATIAL_LAYERS:
        use_old_geom = (new["placement"].eq("commune") & old["placement"].eq("coordinates"))
        geom = np.where(use_old_geom, old.geometry.to_numpy(), new.geometry.to_numpy())
        for c in ("commune", "epci", "departement", "region", "placement"):
            out[c] = np.where(use_old_geom, old[c], out[c])
        return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geom, crs=LAMBERT93), crs=LAMBERT93)
    return out


def _as_layer(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    if layer in SPATIAL_LAYERS and not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=LAMBERT93)
    return frame


def _dedup_within(frame: pd.DataFrame, layer: str, what: str,
                  report: ImportReport) -> pd.DataFrame:
    """Merge rows of one import that share a key (the later row's values win)."""
    key = _KEYS[layer]
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return frame
    first = frame.loc[~frame.duplicated(key, keep="first")]
    rest = frame.loc[frame.duplicated(key, keep="first")]
    merged = first
    for _, group in rest.groupby(rest.groupby(key, sort=False).cumcount()):
        merged, _, n = merge_records(merged, group, layer)
        for _, r in group.iterrows():
            report.merges.append(f"{what} {'/'.join(str(r[k]) for k in key)} found in two "
                                 "files: merged into one record")
    return merged


def import_tables(registry: Registry, tables: Mapping[str, RawTable], year: int | None = None,
                  crs: str | int | None = None, hashes: Mapping[str, str] | None = None
                  ) -> ImportReport:
    """Validate raw tables and write them into the registry, all or nothing.

    ``tables`` maps roles (``actors``, ``firms``, ``relations``, ``infrastructure``,
    ``broadband``, ``sirene_stock``, ``sirene_geo``) to raw tables; ``hashes`` the
    SHA-256 of their files, by role, for the import log.
    """
    hashes = hashes or {}

    report = ImportReport(files=[t.file for t in tables.values()])
    problems: list[Problem] = []
    prepared: dict[str, pd.DataFrame] = {}

    def attempt(role: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            problems.extend(exc.problems)
            return None

    if "sirene_geo" in tables and "sirene_stock" not in tables:
        problems.append(Problem(tables["sirene_geo"].file, None, None, "",
                                "the SIRENE stock file (--sirene-stock) with its geolocation"))
    if "sirene_stock" in tables:
        if year is None:
            problems.append(Problem(tables["sirene_stock"].file, None, None, "",
                                    "the --year of the SIRENE stock"))
        else:
            frame = attempt("sirene", imports.prepare_sirene, tables["sirene_stock"],
                            tables.get("sirene_geo"), year)
            if frame is not None:
                prepared["firms"] = frame
    if "firms" in tables:
        frame = attempt("firms", imports.prepare_firms, tables["firms"], crs=crs, year=year)
        if frame is not None:
            if "firms" in prepared:
                both = pd.concat([prepared["firms"], frame], ignore_index=True)
                prepared["firms"] = _dedup_within(_as_layer(both, "firms"), "firms",
                                                  "SIRET", report)
            else:
                prepared["firms"] = frame
    if "actors" in tables:
        frame = attempt("actors", imports.prepare_actors, tables["actors"], crs=crs)
        if frame is not None:
            prepared["actors"] = frame
    if "infrastructure" in tables:
        frame = attempt("infrastructure", imports.prepare_infrastructure,
                        tables["infrastructure"], crs=crs)
        if frame is not None:
            prepared["infrastructure"] = frame
    if "broadband" in tables:
        frame = attempt("broadband", imports.prepare_broadband, tables["broadband"], year=year)
        if frame is not None:
            prepared["broadband"] = frame
    if problems:
        raise ValidationError(problems)

    # actors: same actor under two ids, within the file and against the registry
    old_actors = registry.read("actors")
    redirect: dict[str, str] = {}
    if "actors" in prepared:
        new = prepared["actors"].reset_index(drop=True)
        drop: set[int] = set()
        for i, j in similar_actors(new, new):
            if i > j and j not in drop:
                drop.add(i)
                redirect[str(new["id"].iat[i])] = str(new["id"].iat[j])
                report.merges.append(
                    f"actor '{new['id'].iat[i]}' ({new['name'].iat[i]}) is the same as "
                    f"'{new['id'].iat[j]}' ({new['name'].iat[j]}): merged")
        for i, j in similar_actors(new, old_actors):
            if i not in drop:
                drop.add(i)
                redirect[str(new["id"].iat[i])] = str(old_actors["id"].iat[j])
                report.merges.append(
                    f"actor '{new['id'].iat[i]}' ({new['name'].iat[i]}) is the same as "
                    f"registry actor '{old_actors['id'].iat[j]}' ({old_actors['name'].iat[j]}): "
                    "merged")
        prepared["actors"] = new.drop(index=sorted(drop)).reset_index(drop=True)

    # relations need the final sets of actor and firm identifiers
    if "relations" in tables:
        actor_ids = set(old_actors["id"])
        if "actors" in prepared:
            actor_ids |= set(prepared["actors"]["id"]) | set(redirect)
        old_firms = registry.read("firms", columns=["firm_id", "siren"])
        firm_ids = set(old_firms["firm_id"])
        sirens = old_firms[["siren", "firm_id"]]
        if "firms" in prepared:
            firm_ids |= set(prepared["firms"]["firm_id"])
            sirens = pd.concat([sirens, prepared["firms"][["siren", "firm_id"]]])
        sirens = sirens.drop_duplicates()
        single = sirens[~sirens["siren"].duplicated(keep=False)]
        siren_to_firm = dict(zip(single["siren"], single["firm_id"], strict=True))
        frame = attempt("relations", imports.prepare_relations, tables["relations"],
                        actor_ids, firm_ids, siren_to_firm, year=year)
        if problems:
            raise ValidationError(problems)
        assert frame is not None
        for end in ("source", "target"):
            frame[end] = frame[end].map(lambda v: redirect.get(v, v))
        prepared["relations"] = _dedup_within(frame, "relations", "tie", report)

    # merge with the registry and write everything in one transaction
    log_rows = []
    with registry.transaction() as writer:
        for layer in ("actors", "firms", "relations", "infrastructure", "broadband"):
            if layer not in prepared:
                continue
            new = prepared[layer]
            if layer == "firms" and layer in registry.layers():
                old_keys = registry.read("firms", columns=["firm_id", "year"])
                key_old = pd.MultiIndex.from_frame(old_keys.astype(str))
                key_new = pd.MultiIndex.from_frame(new[["firm_id", "year"]].astype(str))
                if not key_new.isin(key_old).any():
                    writer.write("firms", new, append=True)
                    report.added["firms"] = len(new)
                    continue
            old = old_actors if layer == "actors" else registry.read(layer)
            merged, added, updated = merge_records(old, new, layer)
            writer.write(layer, merged)
            report.added[layer] = added
            report.updated[layer] = updated
        registry.ensure_territories(writer, *(prepared[k] for k in ("actors", "firms",
                                                                     "infrastructure")
                                              if k in prepared))
        roles = {"sirene_stock": "firms", "sirene_geo": "firms", "firms": "firms",
                 "actors": "actors", "relations": "relations",
                 "infrastructure": "infrastructure", "broadband": "broadband"}
        stamp = now_iso()
        for role, table in tables.items():
            log_rows.append({
                "imported_at": stamp, "layer": roles[role], "file": table.file,
                "sha256": hashes.get(role, ""), "rows": len(table.frame),
                "added": report.added.get(roles[role], 0),
                "merged": report.updated.get(roles[role], 0),
                "year": year, "software_version": software_version(),
            })
        log = pd.concat([registry.read("import_log"), pd.DataFrame(log_rows)],
                        ignore_index=True)
        writer.write("import_log", log)
    return report
