"""The ``ecosystem report`` command, registered by this package (entry point group
``ecosystem.commands``) so that the core never imports the report."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from ecosystem.cli import open_registry

    from .render import build_report

    reg = open_registry(args.registry)
    paths = build_report(reg, args.year, args.territory, level=args.level,
                         compare_year=args.compare_year, lang=args.lang, out=args.out)
    for key in ("html", "pdf", "tables", "manifest"):
        print(f"Wrote {paths[key]}")
    print(f"Wrote {paths['audit']} (staff only: the audit of the suppressed cells, not to be "
          "published with the report)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``ecosystem report`` to the command line."""
    p = sub.add_parser("report", help="the annual territorial report: public HTML, PDF, "
                       "tables (figures from the publication gate) and manifest, and a "
                       "staff-only audit.json")
    p.add_argument("--registry", "-r", required=True, help="registry GeoPackage file (.gpkg)")
    p.add_argument("--year", type=int, required=True, help="year of the report")
    p.add_argument("--territory", required=True,
                   help="territory code (département: 34; région: 76; EPCI: its SIREN)")
    p.add_argument("--level", choices=["departement", "epci", "region"], default="departement")
    p.add_argument("--compare-year", type=int, help="year of comparison (what changed)")
    p.add_argument("--lang", choices=["fr", "en"], default="fr")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(handler=_run)
