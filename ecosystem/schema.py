"""Layers of the registry and their columns.

The registry is one GeoPackage with these layers (all geometries are points or
polygons in EPSG:2154, Lambert-93):

``actors``
    One row per support actor.
``firms``
    One row per firm **observation**: a firm (key ``firm_id``: its SIRET, or its
    SIREN when no SIRET is known) observed in a ``year``. A firm is active in a
    year when it has an observation for that year.
``relations``
    One row per tie (actor–actor, actor–firm, firm–firm), starting in ``year``.
``infrastructure``
    Airports, ports, major road and rail nodes.
``territories``
    Communes, EPCI, départements and régions covering the registry's data.
``broadband``
    Share of premises with FTTH per commune and year (ARCEP-style files).
``import_log``
    One row per imported file (no geometry).

Column lists here are the single description of the storage format: the
importers produce them, the registry writes them, everything else reads them.
"""

from __future__ import annotations

__all__ = [
    "LOCATION_COLUMNS",
    "ACTOR_COLUMNS",
    "FIRM_COLUMNS",
    "RELATION_COLUMNS",
    "INFRASTRUCTURE_COLUMNS",
    "TERRITORY_COLUMNS",
    "BROADBAND_COLUMNS",
    "IMPORT_LOG_COLUMNS",
    "LAYERS",
    "SPATIAL_LAYERS",
    "TERRITORY_LEVELS",
]

#: Territorial attachment columns added to every located record.
LOCATION_COLUMNS: dict[str, str] = {
    "commune": "str",  # INSEE code of the commune (5 characters)
    "epci": "str",  # SIREN of the EPCI (9 digits), empty when none
    "departement": "str",  # code of the département ("34", "2A", "971")
    "region": "str",  # code of the région ("76" for Occitanie)
    "placement": "str",  # "coordinates" (exact point given) or "commune" (town hall)
}

ACTOR_COLUMNS: dict[str, str] = {
    "id": "str",
    "name": "str",
    "category": "str",
    **LOCATION_COLUMNS,
    "since": "int",
    "until": "Int64",
    "capacity": "float",
    "siret": "str",
    "international_links": "bool",
    "website": "str",
    "source": "str",
    "synthetic": "bool",
}

FIRM_COLUMNS: dict[str, str] = {
    "firm_id": "str",  # SIRET when known, else SIREN
    "siret": "str",
    "siren": "str",
    "name": "str",
    "naf": "str",  # NAF rév. 2, normalised as "25.62A"
    "employees": "Int64",
    **LOCATION_COLUMNS,
    "stage": "str",
    "posture": "str",
    "triggers": "str",  # |-separated codes of settings.REACTIVE_TRIGGERS
    "drivers": "str",  # |-separated codes of settings.PROACTIVE_DRIVERS
    "export_share": "float",
    "iso": "str",  # |-separated standards, e.g. "9001|14001"
    "created": "Int64",
    "markets": "str",  # |-separated ISO 3166 alpha-2 codes
    "groupement": "str",
    "year": "int",
    "diffusible": "bool",  # False: name and exact location never shown or exported
    "source": "str",
    "synthetic": "bool",
}

RELATION_COLUMNS: dict[str, str] = {
    "source": "str",
    "target": "str",
    "source_type": "str",  # "actor" or "firm"
    "target_type": "str",
    "kind": "str",
    "year": "int",
    "until": "Int64",
    "weight": "float",
    "synthetic": "bool",
}

INFRASTRUCTURE_COLUMNS: dict[str, str] = {
    "id": "str",
    "kind": "str",
    "name": "str",
    "iata": "str",
    **LOCATION_COLUMNS,
    "source": "str",
}

TERRITORY_COLUMNS: dict[str, str] = {
    "code": "str",
    "level": "str",  # commune | epci | departement | region
    "name": "str",
    "epci": "str",
    "departement": "str",
    "region": "str",
    "population": "Int64",
    "area_km2": "float",
}

BROADBAND_COLUMNS: dict[str, str] = {
    "commune": "str",
    "year": "int",
    "ftth_share": "float",
}

IMPORT_LOG_COLUMNS: dict[str, str] = {
    "imported_at": "str",  # ISO 8601, UTC
    "layer": "str",
    "file": "str",
    "sha256": "str",
    "rows": "int",
    "added": "int",
    "merged": "int",
    "year": "Int64",
    "software_version": "str",
}

#: Layer name -> columns (without geometry).
LAYERS: dict[str, dict[str, str]] = {
    "actors": ACTOR_COLUMNS,
    "firms": FIRM_COLUMNS,
    "relations": RELATION_COLUMNS,
    "infrastructure": INFRASTRUCTURE_COLUMNS,
    "territories": TERRITORY_COLUMNS,
    "broadband": BROADBAND_COLUMNS,
    "import_log": IMPORT_LOG_COLUMNS,
}

#: Layers that carry a geometry column.
SPATIAL_LAYERS: tuple[str, ...] = ("actors", "firms", "infrastructure", "territories")

#: Territory levels, from the finest.
TERRITORY_LEVELS: tuple[str, ...] = ("commune", "epci", "departement", "region")
