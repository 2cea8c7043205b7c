"""The ``ecosystem`` command line: a thin shell over the Python API.

Run ``ecosystem --help`` or ``ecosystem COMMAND --help``. Errors in input files
are printed as a list (file, row, column, value, what was expected) and the
command exits with status 2 without changing anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from ._errors import EmptyDataError, InputFormatError, RegistryError, ValidationError

__all__ = ["main", "build_parser"]

DEFAULT_REGISTRY = "demo.gpkg"


def _registry_arg(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--registry", "-r", required=required, default=None if required else None,
                   help="registry GeoPackage file (.gpkg)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="ecosystem",
        description="Territorial ecosystem of export support: registry, proximity, indicators, "
        "network, maps, dashboard and report.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--verbose", "-v", action="store_true", help="progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="build the Occitanie demo registry (real institutions and "
                       "infrastructure, synthetic SMEs and ties)")
    p.add_argument("--out", default=DEFAULT_REGISTRY, help="registry file to write "
                   f"(default {DEFAULT_REGISTRY})")
    p.add_argument("--seed", type=int, default=None, help="seed of the synthetic part")
    p.add_argument("--firms", type=int, default=None, help="number of synthetic SMEs")

    p = sub.add_parser("import", help="validate files and add them to a registry (all or "
                       "nothing)")
    _registry_arg(p)
    p.add_argument("--actors", help="actors file (CSV, Excel, GeoJSON, GeoPackage)")
    p.add_argument("--firms", help="firms file")
    p.add_argument("--relations", help="relations (ties) file")
    p.add_argument("--infrastructure", help="infrastructure file")
    p.add_argument("--broadband", help="broadband file (commune, share of premises with FTTH)")
    p.add_argument("--sirene-stock", help="INSEE SIRENE stock of establishments (CSV)")
    p.add_argument("--sirene-geo", help="INSEE geolocation file of the SIRENE establishments")
    p.add_argument("--year", type=int, help="observation year of the firms (and default start "
                   "year of ties) when the files have no 'year' column")
    p.add_argument("--crs", help="EPSG code of x/y columns when the file has no 'epsg' column")

    p = sub.add_parser("export", help="export a layer (CSV, GeoJSON, GeoPackage, Excel)")
    _registry_arg(p)
    p.add_argument("--layer", required=True, choices=["actors", "firms", "relations",
                                                      "infrastructure", "territories",
                                                      "broadband"])
    p.add_argument("--format", dest="fmt", choices=["csv", "geojson", "gpkg", "xlsx"],
                   help="format (default: from the --out extension)")
    p.add_argument("--out", required=True, help="output file")
    p.add_argument("--year", type=int, help="only records active that year")
    p.add_argument("--csv-dialect", choices=["fr", "intl"], default="fr",
                   help="fr: ';' and decimal comma (default); intl: ',' and decimal point")

    p = sub.add_parser("info", help="counts by layer, year and département")
    _registry_arg(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    return parser


def _print_info(info: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(info, indent=2, ensure_ascii=False, default=str))
        return
    print(f"Registry {info['path']}")
    if info.get("synthetic"):
        print("  ** contains SYNTHETIC data (données synthétiques) **")
    print("  Layers: " + ", ".join(f"{k} {v}" for k, v in info["layers"].items()))
    if info["firms_by_year"]:
        print("  Firms by year: " + ", ".join(
            f"{y}: {n} ({info['exporters_by_year'].get(y, 0)} exporting)"
            for y, n in info["firms_by_year"].items()))
    if info["firms_by_departement"]:
        years = info["years"]
        print("  Firms by département and year:")
        print("    dep  " + "  ".join(f"{y:>6}" for y in years))
        for dep, counts in sorted(info["firms_by_departement"].items()):
            print(f"    {dep:<4} " + "  ".join(f"{counts.get(y, 0):>6}" for y in years))
    if info["actors_by_category"]:
        print("  Actors by category: " + ", ".join(
            f"{k} {v}" for k, v in sorted(info["actors_by_category"].items())))
        print("  Actors by département: " + ", ".join(
            f"{k} {v}" for k, v in sorted(info["actors_by_departement"].items())))
    if info["relations_by_year"]:
        print("  Ties by start year: " + ", ".join(
            f"{y}: {n}" for y, n in sorted(info["relations_by_year"].items())))


def _run(args: argparse.Namespace) -> int:
    from . import settings

    if args.verbose:
        settings.update_settings(verbose=True)
    if args.command == "demo":
        from .demo import build_demo
        from .registry import Registry

        build_demo(args.out, seed=args.seed, n_firms=args.firms)
        _print_info(Registry(args.out).info(), as_json=False)
        return 0
    if args.command == "import":
        from .registry import Registry

        files = {k: getattr(args, k) for k in ("actors", "firms", "relations", "infrastructure",
                                                "broadband", "sirene_stock", "sirene_geo")}
        if not any(files.values()):
            print("error: give at least one file (--actors, --firms, ...)", file=sys.stderr)
            return 2
        report = Registry(args.registry).import_files(**files, year=args.year, crs=args.crs)
        print(report)
        return 0
    if args.command == "export":
        from .export import export_layer
        from .registry import Registry

        reg = _existing(args.registry)
        out = export_layer(reg, args.layer, args.fmt or Path(args.out).suffix.lstrip("."),
                           args.out, year=args.year, dialect=args.csv_dialect)
        print(f"Wrote {out}")
        return 0
    if args.command == "info":
        _print_info(_existing(args.registry).info(), args.json)
        return 0
    raise AssertionError(args.command)  # pragma: no cover


def _existing(path: str):  # type: ignore[no-untyped-def]
    from .registry import Registry

    reg = Registry(path)
    if not reg.exists:
        raise RegistryError(f"registry {path} does not exist (build one with 'ecosystem demo' "
                            "or 'ecosystem import')")
    return reg


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ecosystem`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(__version__)
        return 0
    if not args.command:
        parser.print_help()
        return 0
    try:
        return _run(args)
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (InputFormatError, RegistryError, EmptyDataError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
