"""Where a result comes from: the version of this software, the hash of a file, the time.

Written into the registry's import log and version stamp, the report's manifest and the
result cache's key.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

__all__ = ["software_version", "file_sha256", "now_iso"]


def software_version() -> str:
    """Installed version of this software."""
    try:
        return version("ecosystem-milieu")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def now_iso() -> str:
    """Current UTC time, ISO 8601."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
