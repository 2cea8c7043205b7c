"""Data shipped with the project: the real support institutions of the Occitanie demo.

Use :func:`path` to get a file of this package whether it is installed or run
from a checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["path"]


def path(name: str) -> Path:
    """Return the path of a data file shipped in this package.

    Examples
    --------
    >>> path("occitanie_actors.csv").name
    'occitanie_actors.csv'
    """
    return Path(str(resources.files(__name__).joinpath(name)))
