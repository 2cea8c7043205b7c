"""Dash dashboard (uses the ecosystem core and maps)."""
