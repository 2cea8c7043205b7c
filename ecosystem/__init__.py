"""Territorial ecosystem of export support: the *milieu internationalisant* of a territory.

The core library: registry (GeoPackage), French reference geography, imports and
exports, proximity analytics, indicators and the network of actors. It knows
nothing of maps or of the dashboard.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._errors import EmptyDataError, InputFormatError, Problem, RegistryError, ValidationError
from .registry import ImportReport, Registry
from .settings import get_settings, override, reset_settings, update_settings

try:
    __version__ = version("ecosystem-milieu")
except PackageNotFoundError:  # pragma: no cover - bare checkout
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "Registry",
    "ImportReport",
    "Problem",
    "ValidationError",
    "InputFormatError",
    "RegistryError",
    "EmptyDataError",
    "get_settings",
    "update_settings",
    "reset_settings",
    "override",
]
