"""The registry: one GeoPackage file holding every layer of :mod:`ecosystem.schema`.

The file is an ordinary GeoPackage that QGIS, ``ogrinfo`` and any GDAL tool open
as they are. Reading goes through pyogrio (with SQL ``WHERE`` filters so that one
year of a national registry is read without the others).

Every change is **all or nothing**: :meth:`Registry.transaction` works on a copy
of the file next to it and swaps it in with an atomic ``os.replace`` only when
everything was written, so an error or a killed process leaves the registry as
it was (at worst with a stray ``.tmp`` file, removed at the next change). An
advisory lock serialises concurrent writers. Every change also writes a new
version stamp (table :data:`VERSION_TABLE`) in the same copy, so that
:meth:`Registry.version` names the content that results were computed from
(:mod:`ecosystem.cache`).

Reading never writes: GDAL opens the file read-only, no lock is taken and no
file is created beside the registry, so every reading command works on a
read-only share.

Examples
--------
>>> import tempfile, pathlib
>>> reg = Registry(pathlib.Path(tempfile.mkdtemp()) / "r.gpkg")
>>> reg.exists
False
>>> len(reg.read("actors"))
0
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from . import geography
from ._errors import RegistryError
from .activity import active_actors, active_relations
from .importer import ImportReport
from .imports import conform
from .provenance import file_sha256, now_iso, software_version
from .schema import LAYERS, SPATIAL_LAYERS, TERRITORY_LEVELS
from .settings import LAMBERT93

__all__ = ["Registry", "ImportReport", "VERSION_TABLE", "version_stamp", "software_version",
           "file_sha256"]

#: Non-spatial table holding the version stamp of the registry's content: one row,
#: ``version`` (uuid4, hex), ``updated`` (UTC, ISO 8601) and ``software`` (the
#: version of this software that made the change).
VERSION_TABLE = "registry_version"

# SHA-256 of registries without a version stamp, by (path, inode, size, mtime).
_SHA_MEMO: dict[tuple[str, int, int, int], str] = {}


def _empty(layer: str) -> pd.DataFrame:
    cols = LAYERS[layer]
    frame = conform(pd.DataFrame(index=pd.RangeIndex(0)), cols)
    if layer in SPATIAL_LAYERS:
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=LAMBERT93), crs=LAMBERT93)
    return frame


class Registry:
    """A registry file (GeoPackage).

    Parameters
    ----------
    path : path-like
        The ``.gpkg`` file; created by the first change when it does not exist.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Registry({str(self.path)!r})"

    # -- reading ------------------------------------------------------------------------
    @property
    def exists(self) -> bool:
        """Whether the file exists."""
        return self.path.exists()

    def layers(self) -> list[str]:
        """Names of the layers present in the file."""
        if not self.exists:
            return []
        try:
            return [str(n) for n in pyogrio.list_layers(self.path)[:, 0]]
        except pyogrio.errors.DataSourceError as exc:
            raise RegistryError(f"{self.path} is not a GeoPackage registry: {exc}") from exc

    def read(self, layer: str, year: int | None = None, where: str | None = None,
             columns: list[str] | None = None) -> pd.DataFrame:
        """Read one layer, conformed to its schema.

        Parameters
        ----------
        layer : str
            One of :data:`ecosystem.schema.LAYERS`.
        year : int, optional
            Firms: the observations of that year. Actors: those active that year.
            Relations: ties active that year whose both ends are active.
        where : str, optional
            An SQL filter passed to GDAL (e.g. ``"departement = '34'"``).
        columns : list of str, optional
            Only these attribute columns, without geometry (a plain DataFrame).
        """
        if layer not in LAYERS:
            raise ValueError(f"unknown layer {layer!r}; expected one of {list(LAYERS)}")
        if layer not in self.layers():
            frame = _empty(layer)
        else:
            clauses = [where] if where else []
            if year is not None and layer == "firms":
                clauses.append(f"year = {int(year)}")
            kwargs: dict[str, Any] = {"layer": layer, "use_arrow": True}
            if clauses:
                kwargs["where"] = " AND ".join(f"({c})" for c in clauses)
            if columns is not None:
                kwargs["columns"] = columns
                kwargs["read_geometry"] = False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                frame = pyogrio.read_dataframe(self.path, **kwargs)
            schema = LAYERS[layer] if columns is None else {
                c: LAYERS[layer][c] for c in columns}
            if layer in SPATIAL_LAYERS and columns is None:
                frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs or LAMBERT93)
            frame = conform(frame, schema)
        if year is not None and layer == "actors":
            frame = active_actors(frame, year).reset_index(drop=True)
        if year is not None and layer == "relations":
            actors = self.read("actors", columns=["id", "since", "until"])
            firms = self.read("firms", year=year, columns=["firm_id", "year"])
            frame = active_relations(frame, year, actors, firms).reset_index(drop=True)
        return frame

    def actors(self, year: int | None = None) -> gpd.GeoDataFrame:
        """The actors (active in ``year`` when given)."""
        return self.read("actors", year=year)  # type: ignore[return-value]

    def firms(self, year: int | None = None) -> gpd.GeoDataFrame:
        """The firm observations (of ``year`` when given)."""
        return self.read("firms", year=year)  # type: ignore[return-value]

    def relations(self, year: int | None = None) -> pd.DataFrame:
        """The ties (active in ``year`` when given)."""
        return self.read("relations", year=year)

    def infrastructure(self) -> gpd.GeoDataFrame:
        """Airports, ports, road and rail nodes."""
        return self.read("infrastructure")  # type: ignore[return-value]

    def territories(self, level: str | None = None) -> gpd.GeoDataFrame:
        """Territories covering the registry's data (one level when given)."""
        if level is not None and level not in TERRITORY_LEVELS:
            raise ValueError(f"unknown level {level!r}; expected one of {TERRITORY_LEVELS}")
        where = f"level = '{level}'" if level else None
        return self.read("territories", where=where)  # type: ignore[return-value]

    def years(self) -> list[int]:
        """Observation years of the firms, sorted."""
        if "firms" not in self.layers():
            return []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            df = pyogrio.read_dataframe(self.path, sql="SELECT DISTINCT year FROM firms",
                                        read_geometry=False)
        return sorted(int(y) for y in df["year"])

    def is_synthetic(self) -> bool:
        """Whether any actor, firm or tie of the registry is synthetic."""
        for layer in ("firms", "actors", "relations"):
            if layer in self.layers():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    df = pyogrio.read_dataframe(
                        self.path, sql=f"SELECT COUNT(*) AS n FROM {layer} WHERE synthetic = 1",
                        read_geometry=False)
                if int(df["n"].iloc[0]) > 0:
                    return True
        return False

    def version(self) -> str:
        """What identifies the registry's content; it changes with every change.

        The ``version`` of the stamp table :data:`VERSION_TABLE`, written by every
        :meth:`transaction` that changes something. For a GeoPackage without the
        table (made by an older version or by another tool), or whose tables were
        changed by another tool after the stamp (GDAL, hence QGIS, records each
        table's ``last_change`` in ``gpkg_contents``), the SHA-256 of the file
        (:func:`file_sha256`, computed once per file state). For a registry that
        does not exist yet, the SHA-256 of no bytes.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> reg = Registry(pathlib.Path(tempfile.mkdtemp()) / "r.gpkg")
        >>> reg.version()[:12]
        'e3b0c44298fc'
        >>> reg.write_layers({"broadband": pd.DataFrame(
        ...     {"commune": ["34172"], "year": [2025], "ftth_share": [0.9]})})
        >>> v = reg.version(); len(v), v == reg.version()
        (32, True)
        >>> reg.write_layers({"broadband": pd.DataFrame(
        ...     {"commune": ["34172"], "year": [2025], "ftth_share": [0.95]})})
        >>> reg.version() == v
        False
        """
        if not self.exists:
            return hashlib.sha256(b"").hexdigest()
        if VERSION_TABLE in self.layers():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                stamp = pyogrio.read_dataframe(
                    self.path, read_geometry=False,
                    sql=f"SELECT v.version AS version, COALESCE((SELECT MAX(last_change) "
                    f"FROM gpkg_contents WHERE table_name <> '{VERSION_TABLE}') <= (SELECT "
                    f"last_change FROM gpkg_contents WHERE table_name = '{VERSION_TABLE}'), 1) "
                    f"AS trusted FROM {VERSION_TABLE} v")
            if len(stamp) == 1 and str(stamp["version"].iat[0]) and int(stamp["trusted"].iat[0]):
                return str(stamp["version"].iat[0])
        st = self.path.stat()
        key = (str(self.path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in _SHA_MEMO:
            _SHA_MEMO[key] = file_sha256(self.path)
        return _SHA_MEMO[key]

    def info(self) -> dict[str, Any]:
        """Counts by layer, year and département.

        Returns a dict with ``layers`` (layer -> rows), ``firms_by_year``,
        ``firms_by_departement`` (département -> year -> firms), ``actors_by_category``,
        ``actors_by_departement``, ``relations_by_year`` (start year -> ties),
        ``synthetic`` and ``years``.
        """
        out: dict[str, Any] = {"path": str(self.path), "layers": {}}
        present = self.layers()
        for layer in LAYERS:
            if layer in present:
                out["layers"][layer] = int(pyogrio.read_info(self.path, layer=layer)["features"])
            else:
                out["layers"][layer] = 0
        firms = self.read("firms", columns=["year", "departement", "stage"])
        out["firms_by_year"] = firms.groupby("year").size().astype(int).to_dict()
        out["exporters_by_year"] = (
            firms[firms["stage"].ne("local")].groupby("year").size().astype(int).to_dict())
        out["firms_by_departement"] = (
            firms.groupby(["departement", "year"]).size().unstack(fill_value=0).astype(int)
            .to_dict(orient="index"))
        actors = self.read("actors", columns=["category", "departement", "since", "until"])
        out["actors_by_category"] = actors.groupby("category").size().astype(int).to_dict()
        out["actors_by_departement"] = actors.groupby("departement").size().astype(int).to_dict()
        rel = self.read("relations", columns=["year", "kind"])
        out["relations_by_year"] = rel.groupby("year").size().astype(int).to_dict()
        out["years"] = sorted(int(y) for y in out["firms_by_year"])
        out["synthetic"] = self.is_synthetic()
        return out

    # -- writing ------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Writer]:
        """Change the registry all or nothing.

        Yields a writer whose :meth:`_Writer.write` replaces layers in a working copy;
        the copy replaces the registry atomically when the block ends without error.
        A block that wrote something also writes a new version stamp
        (:data:`VERSION_TABLE`) in the copy, so the stamp changes with the content.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(lock_path, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise RegistryError(
                    f"{self.path} is being changed by another process; try again later") from exc
            if tmp.exists():
                tmp.unlink()  # left by a killed import: the registry itself is intact
            if self.exists:
                self.layers()  # refuse a file that is not a GeoPackage
                shutil.copy2(self.path, tmp)
            writer = _Writer(tmp)
            try:
                yield writer
                if writer.changed:
                    writer.write(VERSION_TABLE, version_stamp(), conform_schema=False)
                    with open(tmp, "rb+") as f:
                        os.fsync(f.fileno())
                    os.replace(tmp, self.path)
            finally:
                if tmp.exists():
                    tmp.unlink()

    def write_layers(self, layers: dict[str, pd.DataFrame]) -> None:
        """Replace whole layers, all or nothing."""
        with self.transaction() as w:
            for name, frame in layers.items():
                w.write(name, frame)

    def write_table(self, name: str, frame: pd.DataFrame) -> None:
        """Store a table outside :data:`ecosystem.schema.LAYERS`, all or nothing.

        Used for data the users give that has its own format (the survey of
        :mod:`ecosystem.survey`). Computed results never go into the registry: they
        are cached outside it (:mod:`ecosystem.cache`).
        """
        if name in LAYERS or name == VERSION_TABLE:
            raise ValueError(f"{name!r} is a layer of the registry, not a table name")
        with self.transaction() as w:
            w.write(name, frame, conform_schema=False)

    def read_table(self, name: str) -> pd.DataFrame | None:
        """A table stored with :meth:`write_table`, or None when absent."""
        if name not in self.layers():
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(self.path, layer=name, use_arrow=True)
        return frame

    # -- import ---------------------------------------------------------------------------
    def import_files(
        self,
        actors: str | os.PathLike[str] | None = None,
        firms: str | os.PathLike[str] | None = None,
        relations: str | os.PathLike[str] | None = None,
        infrastructure: str | os.PathLike[str] | None = None,
        broadband: str | os.PathLike[str] | None = None,
        sirene_stock: str | os.PathLike[str] | None = None,
        sirene_geo: str | os.PathLike[str] | None = None,
        year: int | None = None,
        crs: str | int | None = None,
    ) -> ImportReport:
        """Validate files and add them to the registry, all or nothing.

        Every file is read and validated before anything is written; a
        :class:`~ecosystem._errors.ValidationError` lists every problem of every file.
        See :mod:`ecosystem.imports` for the formats.
        """
        from .importer import import_tables, read_inputs

        tables, hashes = read_inputs(actors=actors, firms=firms, relations=relations,
                             infrastructure=infrastructure, broadband=broadband,
                             sirene_stock=sirene_stock, sirene_geo=sirene_geo)
        return import_tables(self, tables, year=year, crs=crs, hashes=hashes)

    def ensure_territories(self, writer: _Writer, *frames: pd.DataFrame) -> None:
        """Write the territories covering the départements of ``frames`` (and those present)."""
        deps: set[str] = set()
        for f in frames:
            if len(f) and "departement" in f.columns:
                deps |= set(f["departement"].dropna().astype(str)) - {""}
        current = self.read("territories", where="level = 'departement'", columns=["code"]) \
            if "territories" in self.layers() else pd.DataFrame({"code": []})
        have = set(current["code"].astype(str))
        if deps <= have:
            return
        deps |= have
        writer.write("territories", territories_for(sorted(deps)))


def territories_for(departements: list[str]) -> gpd.GeoDataFrame:
    """Communes, EPCI, départements and régions covering the given départements."""
    communes = geography.territories("commune")
    communes = communes[communes["departement"].isin(departements)]
    epcis = sorted(set(communes["epci"]) - {""})
    regions = sorted(set(communes["region"]) - {""})
    parts = [
        communes,
        geography.territories("epci", epcis),
        geography.territories("departement", departements),
        geography.territories("region", regions),
    ]
    out = pd.concat(parts, ignore_index=True)
    return conform(gpd.GeoDataFrame(out, geometry="geometry", crs=LAMBERT93),
                   LAYERS["territories"])  # type: ignore[return-value]


class _Writer:
    """Writes layers into the working copy of a transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = False

    def write(self, layer: str, frame: pd.DataFrame, conform_schema: bool = True,
              append: bool = False) -> None:
        if conform_schema:
            frame = conform(frame, LAYERS[layer])
        frame = frame.reset_index(drop=True)
        kwargs: dict[str, Any] = {"layer": layer, "driver": "GPKG", "use_arrow": True}
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is None:
                raise ValueError(f"layer {layer}: geometry without CRS")
            frame = frame.to_crs(LAMBERT93)
            kwargs["geometry_type"] = "Point" if layer in ("actors", "firms",
                                                           "infrastructure") else "Unknown"
            if layer == "territories":
                kwargs["geometry_type"] = "MultiPolygon"
            kwargs["promote_to_multi"] = layer == "territories"
        if append:
            kwargs["append"] = True
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = pd.DataFrame(frame)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(frame, self.path, **kwargs)
        self.changed = True


def version_stamp() -> pd.DataFrame:
    """A new row of the version table :data:`VERSION_TABLE` (a fresh uuid4)."""
    return pd.DataFrame({"version": [uuid.uuid4().hex], "updated": [now_iso()],
                         "software": [software_version()]})


