"""Proximity analytics, gathered under one name: nearest actors, export potential, unserved
firms, catchments, infrastructure access and territory means.

Each concept lives in its own module (:mod:`ecosystem.nearest`, :mod:`ecosystem.potential`,
:mod:`ecosystem.unserved`, :mod:`ecosystem.catchments`,
:mod:`ecosystem.infrastructure_access`, :mod:`ecosystem.aggregate`); this module re-exports
their public functions so that ``from ecosystem.proximity import unserved_firms`` keeps
working. Definitions: ``docs/proximity.md``.

- Distances are straight lines in Lambert-93 (EPSG:2154) in metropolitan France and
  in each overseas département's own projected CRS there (:mod:`ecosystem.projection`),
  reported in km and multiplied by ``settings.detour_factor`` (default 1.0) to
  approximate road distances. Inputs in another CRS are projected; inputs without a
  CRS are refused.
- A firm is active in year *y* when it has an observation (row) for *y*; an actor
  is active when ``since <= y`` and ``until`` is empty or ``>= y``
  (:mod:`ecosystem.activity`).
- "Within *d*" means ``distance_km <= d``: a firm exactly at *d* is served.
- Tie rule: when several actors lie at the same distance of a firm (within
  ``settings.distance_tie_tolerance_m``), the one with the smallest ``id`` (string
  order) is the nearest.
- Non-diffusible firms (``diffusible`` not True) have a blank ``name`` in every
  output; firm tables carry no geometry (a firm's exact location stays in the
  ``firms`` layer).
"""

from __future__ import annotations

from .aggregate import territory_means
from .catchments import catchments
from .infrastructure_access import (
    INFRASTRUCTURE_ACCESS_KINDS,
    broadband_by_commune,
    infrastructure_access,
    infrastructure_by_territory,
)
from .inputs import FIRM_KEY_COLUMNS
from .nearest import nearest_actors, nearest_points
from .potential import born_global_mask, potential_score, sector_export_propensity
from .unserved import unserved_firms

__all__ = [
    "FIRM_KEY_COLUMNS",
    "INFRASTRUCTURE_ACCESS_KINDS",
    "nearest_points",
    "nearest_actors",
    "unserved_firms",
    "potential_score",
    "born_global_mask",
    "sector_export_propensity",
    "catchments",
    "infrastructure_access",
    "broadband_by_commune",
    "territory_means",
    "infrastructure_by_territory",
]
