"""Folium maps of the milieu internationalisant (uses the ecosystem core)."""
