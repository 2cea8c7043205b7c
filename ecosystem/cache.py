"""The result cache: computed tables kept outside the registry, keyed by what they came from.

A result (the unserved firms of a year, the 2SFCA accessibility, the catchments...)
is stored as one Parquet file named after a key that hashes everything it was
computed from:

- the registry's content (:meth:`ecosystem.registry.Registry.version`, which every
  change of the registry renews),
- the kind of result and its parameters (year, threshold, categories...),
- the settings (all of them but those that cannot change a result: :data:`NOT_IN_KEY`),
- the version of this software and a digest of its code (:func:`code_version`), so
  that a result of changed code (a development checkout keeps its version number)
  is not read either.

A cached table can therefore never be stale: after an import the key is different
and the result is computed again. The cache is never the only copy of anything:
deleting its folder is always safe.

Location: ``settings.cache_dir / "results"`` (``$ECOSYSTEM_CACHE_DIR``, else
``$XDG_CACHE_HOME/ecosystem``, else ``~/.cache/ecosystem``). Files are written
atomically (a temporary file in the same folder, then ``os.replace``). A cache that
cannot be written (read-only home, full disk) is skipped silently: the result is
still returned. A file that cannot be read (truncated, corrupt) is ignored and the
result computed again. The cache is bounded: beyond ``settings.result_cache_max_mb``
the least recently used files are deleted.

Tables and GeoDataFrames round-trip with their column types (text columns of
``object`` dtype included), index, ``attrs`` and, for GeoDataFrames, geometry and
CRS (GeoParquet).

Examples
--------
>>> import tempfile
>>> import pandas as pd
>>> from ecosystem.settings import override
>>> calls = []
>>> def compute():
...     calls.append(1)
...     return pd.DataFrame({"n": [1, 2]})
>>> with override(cache_dir=tempfile.mkdtemp()):
...     a = cached("v1", "demo", {"year": 2025}, compute)
...     b = cached("v1", "demo", {"year": 2025}, compute)
...     c = cached("v2", "demo", {"year": 2025}, compute)
>>> len(calls), a.equals(b)
(2, True)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

from .registry import software_version
from .settings import get_settings

__all__ = ["NOT_IN_KEY", "cache_dir", "code_version", "cache_key", "load", "store", "cached",
           "purge", "clear"]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=pd.DataFrame)

#: Settings left out of the key: they say where the cache is or how work is shown,
#: never what a result holds.
NOT_IN_KEY = ("cache_dir", "result_cache_max_mb", "verbose")

# Bumped when the layout of the cached files changes.
_FORMAT = 1
_SUFFIX = ".parquet"


def cache_dir() -> Path:
    """The folder of the result cache: ``settings.cache_dir / "results"``."""
    return Path(get_settings().cache_dir) / "results"


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The software version and a digest of the core's code (the ``ecosystem`` package).

    Examples
    --------
    >>> code_version().startswith(software_version() + "+")
    True
    """
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return f"{software_version()}+{h.hexdigest()[:16]}"


def cache_key(version: str, kind: str, params: Mapping[str, Any]) -> str:
    """The key of a result: a hash of what it is computed from.

    Parameters
    ----------
    version : str
        The registry's version (:meth:`ecosystem.registry.Registry.version`).
    kind : str
        What is computed (``"unserved"``, ``"access"``...).
    params : mapping
        Its parameters (JSON-serialisable values; sequences are compared in order).

    Returns
    -------
    str
        ``<kind>-<sha256 hex>``, a file name without extension.

    Examples
    --------
    >>> k = cache_key("abc", "unserved", {"year": 2025, "distance_km": None})
    >>> k.startswith("unserved-"), k == cache_key("abc", "unserved", {"year": 2025,
    ...                                                              "distance_km": None})
    (True, True)
    >>> k == cache_key("abd", "unserved", {"year": 2025, "distance_km": None})
    False
    """
    settings = get_settings().model_dump(mode="json", exclude=set(NOT_IN_KEY))
    blob = json.dumps({"format": _FORMAT, "registry": version, "kind": kind,
                       "params": dict(params), "settings": settings,
                       "software": code_version()},
                      sort_keys=True, default=str, ensure_ascii=True)
    safe_kind = "".join(c if c.isalnum() or c in "_-" else "_" for c in kind)
    return f"{safe_kind}-{hashlib.sha256(blob.encode()).hexdigest()}"


def _path(key: str) -> Path:
    return cache_dir() / f"{key}{_SUFFIX}"


def load(key: str) -> pd.DataFrame | None:
    """The table cached under ``key``, or None when absent or unreadable.

    A GeoDataFrame comes back as a GeoDataFrame (with its CRS).
    """
    path = _path(key)
    try:
        metadata = pq.read_schema(path).metadata or {}
        if b"geo" in metadata:
            frame: pd.DataFrame = gpd.read_parquet(path)
        else:
            frame = pd.read_parquet(path)
        _restore_text_columns(frame, metadata)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or corrupt file: computed again
        logger.info("result cache: ignoring unreadable %s (%s)", path, exc)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest by purge()
    return frame


def _restore_text_columns(frame: pd.DataFrame, metadata: Mapping[bytes, bytes]) -> None:
    """Give text columns that were of ``object`` dtype their dtype back (Parquet reads them
    as ``str``), missing values as None."""
    columns = json.loads(metadata.get(b"pandas", b"{}")).get("columns", [])
    for col in columns:
        name = col.get("name")
        if (col.get("pandas_type") == "unicode" and col.get("numpy_type") == "object"
                and name in frame.columns and frame[name].dtype != object):
            text = frame[name]
            frame[name] = text.astype(object).where(text.notna(), None)


def store(key: str, frame: pd.DataFrame) -> bool:
    """Cache ``frame`` under ``key``; False (and nothing raised) when it cannot be written.

    The file is written beside its final name and renamed (``os.replace``), so a
    reader never sees half a file.
    """
    folder = cache_dir()
    tmp: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        os.close(fd)
        tmp = Path(name)
        frame.to_parquet(tmp)
        os.replace(tmp, _path(key))
        tmp = None
    except Exception as exc:  # read-only or full disk, or a table Parquet cannot hold
        logger.info("result cache: not written in %s (%s)", folder, exc)
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
    purge()
    return True


def cached(version: str, kind: str, params: Mapping[str, Any], compute: Callable[[], F],
           *, current_version: Callable[[], str] | None = None) -> F:
    """The result ``kind`` of ``params`` on a registry of ``version``: from the cache, or
    ``compute()`` and cached.

    Parameters
    ----------
    version : str
        The registry's version read *before* computing.
    kind, params
        See :func:`cache_key`.
    compute : callable
        Returns the table (DataFrame or GeoDataFrame).
    current_version : callable, optional
        Returns the registry's version again after computing; when it differs (the
        registry changed meanwhile), the result is returned but not cached.
    """
    key = cache_key(version, kind, params)
    hit = load(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    frame = compute()
    if current_version is None or current_version() == version:
        store(key, frame)
    return frame


def purge(max_mb: float | None = None) -> int:
    """Delete the least recently used files beyond ``max_mb`` (default
    ``settings.result_cache_max_mb``) and temporary files left for a day; return how
    many files were deleted. Errors are ignored (another process may purge too)."""
    limit = (get_settings().result_cache_max_mb if max_mb is None else max_mb) * 1e6
    entries: list[tuple[float, int, Path]] = []
    deleted = 0
    now = time.time()
    try:
        listing = list(os.scandir(cache_dir()))
    except OSError:
        return 0
    for entry in listing:
        try:
            st = entry.stat()
        except OSError:
            continue
        if entry.name.endswith(".tmp"):
            if now - st.st_mtime > 86400:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    deleted += 1
        elif entry.name.endswith(_SUFFIX):
            entries.append((st.st_mtime, st.st_size, Path(entry.path)))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            deleted += 1
        total -= size
    return deleted


def clear() -> int:
    """Delete every cached result; return how many files were deleted."""
    return purge(max_mb=0)
