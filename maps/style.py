"""Colours, symbols and size settings of the maps, in one place.

Every value here is a presentation choice (no domain threshold: those live in
:mod:`ecosystem.settings`). Colours are fixed hex codes so that the same category
or stage has the same colour on every map, in the dashboard and in the report.
"""

from __future__ import annotations

__all__ = [
    "CATEGORY_STYLE",
    "STAGE_COLOURS",
    "INFRASTRUCTURE_COLOURS",
    "CHOROPLETH_RAMP",
    "MISSING_COLOUR",
    "COVERED_COLOUR",
    "UNSERVED_COLOUR",
    "UNSERVED_FIRM_COLOUR",
    "TIE_COLOUR",
    "RECOMMENDED_TIE_COLOUR",
    "ISOLATED_COLOUR",
    "BACKGROUND",
    "COORDINATE_DECIMALS",
    "SIMPLIFY_M",
    "HEX_KM",
]

#: Actor category -> (marker colour, short symbol written in the marker).
CATEGORY_STYLE: dict[str, tuple[str, str]] = {
    "cci": ("#1f4e9c", "CCI"),
    "cma": ("#3f76c8", "CMA"),
    "chambre_agriculture": ("#4f9a3a", "CA"),
    "team_france_export": ("#c62828", "TFE"),
    "cce": ("#ad1457", "CCE"),
    "bpifrance": ("#f9a825", "BPI"),
    "credit_insurer": ("#8d6e63", "AC"),
    "club_export": ("#6a1b9a", "CE"),
    "university": ("#00838f", "U"),
    "research_lab": ("#26a69a", "L"),
    "incubator": ("#ef6c00", "I"),
    "technopole": ("#d84315", "T"),
    "cluster": ("#ff8f00", "P"),
    "consultant": ("#5d4037", "C"),
    "logistics": ("#455a64", "Tr"),
    "bank": ("#2e7d32", "B"),
    "customs": ("#37474f", "D"),
    "development_agency": ("#7b1fa2", "AD"),
    "local_authority": ("#512da8", "CT"),
    "multinational": ("#000000", "GE"),
}
#: Fallback for a category unknown to this table.
DEFAULT_CATEGORY_STYLE: tuple[str, str] = ("#757575", "?")

#: Firm stage -> colour (light grey for local sales, darker as the firm goes abroad).
STAGE_COLOURS: dict[str, str] = {
    "local": "#9e9e9e",
    "indirect_export": "#81d4fa",
    "direct_export": "#29b6f6",
    "representation_office": "#0288d1",
    "subsidiary_commercial": "#7e57c2",
    "subsidiary_industrial": "#5e35b1",
    "subsidiary_mixed": "#4527a0",
    "subsidiary_integrated": "#311b92",
}

#: Infrastructure kind -> colour.
INFRASTRUCTURE_COLOURS: dict[str, str] = {
    "airport": "#1565c0",
    "port": "#00838f",
    "road_node": "#8d6e63",
    "rail_node": "#6a1b9a",
    "logistics_platform": "#ef6c00",
}

#: Sequential ramp of the choropleths (ColorBrewer YlGnBu, 7 classes).
CHOROPLETH_RAMP: tuple[str, ...] = (
    "#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84",
)
MISSING_COLOUR = "#e0e0e0"
COVERED_COLOUR = "#43a047"
UNSERVED_COLOUR = "#e53935"
UNSERVED_FIRM_COLOUR = "#d50000"
TIE_COLOUR = "#37474f"
RECOMMENDED_TIE_COLOUR = "#ff6f00"
ISOLATED_COLOUR = "#d50000"
#: Plain background (no basemap tiles: the maps work offline).
BACKGROUND = "#f7f7f4"

#: Decimals of longitude/latitude in the HTML (5 decimals ~ 1 m).
COORDINATE_DECIMALS = 5
#: Simplification tolerance (metres, Lambert-93) of polygons by territory level.
SIMPLIFY_M: dict[str, float] = {
    "commune": 120.0,
    "epci": 250.0,
    "departement": 400.0,
    "region": 600.0,
    "coverage": 300.0,
}
#: Default hexagon size (km, centre to corner) of the aggregated firm layer.
HEX_KM = 5.0
