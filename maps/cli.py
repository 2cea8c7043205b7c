"""The ``ecosystem map`` command, registered by this package (entry point group
``ecosystem.commands``) so that the core never imports the maps."""

from __future__ import annotations

import argparse

from .build import KINDS, LEVELS, PUBLIC_KINDS, SCHEMES, build_map, save_map

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ecosystem.cli import open_registry, parse_categories

    reg = open_registry(args.registry)
    m = build_map(reg, args.year, args.kind, indicator=args.indicator, level=args.level,
                  scheme=args.scheme, k=args.classes, firms_mode=args.firms_mode,
                  distance_km=args.distance_km, categories=parse_categories(args.categories),
                  public=args.public)
    out = save_map(m, args.out)
    print(f"Wrote {out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``ecosystem map`` to the command line."""
    p = sub.add_parser("map", help="an offline HTML map (folium) of the registry")
    p.add_argument("--registry", "-r", required=True, help="registry GeoPackage file (.gpkg)")
    p.add_argument("--year", type=int, help="year (default: the last one)")
    p.add_argument("--kind", choices=list(KINDS), default="combined")
    p.add_argument("--indicator", default="unserved_share",
                   help="indicator of the catalogue for the choropleth")
    p.add_argument("--level", choices=list(LEVELS), default="epci")
    p.add_argument("--scheme", choices=list(SCHEMES), default="quantiles")
    p.add_argument("--classes", type=int, default=5)
    p.add_argument("--firms-mode", choices=["cluster", "hex"], default="cluster")
    p.add_argument("--distance-km", type=float)
    p.add_argument("--categories")
    p.add_argument("--public", action="store_true",
                   help="public map: the choropleth of the publication gate (suppressed "
                        "values print as 's'), no firm count in the actors' popups; kinds "
                        f"{', '.join(PUBLIC_KINDS)} only")
    p.add_argument("--out", required=True, help="output .html file")
    p.set_defaults(handler=_run)
