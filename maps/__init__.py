"""Folium maps of the milieu internationalisant (uses the ecosystem core).

Offline HTML pages (Leaflet inlined, no basemap tiles) of actors, firms, coverage,
choropleths of catalogue indicators, infrastructure, the actor network, and all of
them combined. See ``docs/maps.md``.
"""

from .build import KINDS, LEVELS, SCHEMES, build_map, save_map, to_html
from .elements import esc, safe_json

__all__ = ["KINDS", "LEVELS", "SCHEMES", "build_map", "save_map", "to_html", "esc",
           "safe_json"]
