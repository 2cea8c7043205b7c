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

__all__ = ["main", "build_parser", "open_registry", "parse_categories", "warn_missing_categories"]

DEFAULT_REGISTRY = "demo.gpkg"


def _registry_arg(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--registry", "-r", required=required, help="registry GeoPackage file (.gpkg)")


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

    p = sub.add_parser("unserved", help="SMEs with no front-line actor within d, ranked by "
                       "export potential")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    _proximity_args(p)
    p.add_argument("--exporting-only", action="store_true", help="only exporting firms")
    p.add_argument("--out", required=True, help="output file (.csv or .xlsx)")

    p = sub.add_parser("access", help="capacity-aware accessibility of support (2SFCA, E2SFCA)")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    _proximity_args(p)
    p.add_argument("--demand", choices=["firms", "employees"], default="firms",
                   help="demand of a firm: 1 (default) or its headcount")
    p.add_argument("--level", choices=["commune", "epci", "departement", "region"],
                   help="write the mean per territory of this level instead of one row per firm")
    p.add_argument("--out", required=True, help="output file (.csv or .xlsx)")

    p = sub.add_parser("catchments", help="catchment and load of each front-line actor")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    _proximity_args(p)
    p.add_argument("--out", required=True, help="output file (.csv, .xlsx, .geojson, .gpkg)")

    p = sub.add_parser("infrastructure-access", help="distance of each firm to the nearest "
                       "airport, port, road and rail node; broadband share")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--detour-factor", type=float)
    p.add_argument("--level", choices=["commune", "epci", "departement", "region"],
                   help="write the medians per territory of this level")
    p.add_argument("--out", required=True, help="output file (.csv or .xlsx)")

    p = sub.add_parser("indicators", help="indicators of the milieu internationalisant by "
                       "territory (the four D, ISO density, access, composite index)")
    _registry_arg(p)
    p.add_argument("--level", required=True, choices=["commune", "epci", "departement",
                                                      "region"])
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--compare-year", type=int)
    p.add_argument("--format", dest="fmt", choices=["csv", "xlsx", "json", "gpkg", "geojson"])
    p.add_argument("--public", action="store_true",
                   help="the table as published (ecosystem.publish): firm counts protected "
                   "by tau-Argus over the territorial hierarchy, values resting on a "
                   "suppressed count print as 's' (statistical secret)")
    p.add_argument("--out", required=True)

    p = sub.add_parser("network", help="actor network metrics, territories, governance gaps "
                       "and a GraphML file (Gephi)")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", required=True, help="output folder")

    p = sub.add_parser("recommend-ties", help="ties between actors to create, ranked by gain "
                       "(greedy, each gain recomputed)")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--out", required=True, help="output file (.csv or .xlsx)")

    p = sub.add_parser("plan-relays", help="where to open K front-line relays to cover the "
                       "most unserved SMEs (maximal covering location problem)")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--sites", type=int, required=True)
    p.add_argument("--distance-km", type=float)
    p.add_argument("--out", required=True, help="output file (.csv or .xlsx); the firms "
                   "covered go to F_firms.csv beside it")

    p = sub.add_parser("groupements", help="candidate export groups (groupements à l'export)")
    _registry_arg(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", required=True, help="output file (.csv or .xlsx)")

    p = sub.add_parser("what-if", help="recompute proximity, indicators and network with a "
                       "scenario (YAML) and report before/after per territory")
    _registry_arg(p)
    p.add_argument("--scenario", required=True)
    p.add_argument("--year", type=int)
    p.add_argument("--level", choices=["commune", "epci", "departement", "region"],
                   default="departement")
    p.add_argument("--out", required=True, help="output file (.csv or .xlsx)")

    _plugin_commands(sub)

    p = sub.add_parser("import-survey", help="import a survey file (Likert scores of the "
                       "Dynamique and Directionalité dimensions)")
    _registry_arg(p)
    p.add_argument("--survey", required=True)
    return parser


def _plugin_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Commands of the layers above the core (maps, dashboard), registered through the
    ``ecosystem.commands`` entry points so that the core never imports them."""
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group="ecosystem.commands"), key=lambda e: e.name):
        ep.load()(sub)


def _proximity_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--distance-km", type=float, help="threshold d (default 30 km)")
    p.add_argument("--categories", help="comma-separated actor categories (default: front "
                   "line cci,team_france_export,cce,bpifrance,club_export)")
    p.add_argument("--detour-factor", type=float,
                   help="multiplier from straight line to road distance (default 1.0)")


def parse_categories(value: str | None) -> list[str] | None:
    """Comma-separated category codes, checked against the taxonomy (None when empty)."""
    if not value:
        return None
    from .settings import CATEGORIES

    cats = [c.strip() for c in value.split(",") if c.strip()]
    unknown = [c for c in cats if c not in CATEGORIES]
    if unknown:
        raise ValueError(f"unknown categories {unknown}; expected among {list(CATEGORIES)}")
    return cats


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
        by_year = sorted(info["relations_by_year"].items())
        first = info["years"][0] if info["years"] else by_year[-1][0]
        older = sum(n for y, n in by_year if y < first)
        parts = ([f"before {first}: {older}"] if older else []) + [
            f"{y}: {n}" for y, n in by_year if y >= first]
        print("  Ties by start year: " + ", ".join(parts))


def _run(args: argparse.Namespace) -> int:
    from . import settings

    if args.verbose:
        settings.update_settings(verbose=True)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args))
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

        reg = open_registry(args.registry)
        out = export_layer(reg, args.layer, args.fmt or Path(args.out).suffix.lstrip("."),
                           args.out, year=args.year, dialect=args.csv_dialect)
        print(f"Wrote {out}")
        return 0
    if args.command == "info":
        _print_info(open_registry(args.registry).info(), args.json)
        return 0
    if args.command in ("unserved", "access", "catchments", "infrastructure-access"):
        return _proximity_command(args)
    if args.command == "indicators":
        from .indicators import export_indicators
        from .publish import export_public_indicators

        warn_missing_categories(open_registry(args.registry), args.year)
        write = export_public_indicators if args.public else export_indicators
        out = write(open_registry(args.registry), args.level, args.year, args.out,
                    fmt=args.fmt, compare_year=args.compare_year)
        print(f"Wrote {out}")
        return 0
    if args.command in ("network", "recommend-ties", "plan-relays", "groupements", "what-if"):
        return _network_command(args)
    if args.command == "import-survey":
        from .survey import import_survey

        import_survey(open_registry(args.registry), args.survey)
        print(f"Imported {args.survey}")
        return 0
    raise AssertionError(args.command)  # pragma: no cover


def warn_missing_categories(reg, year: int, categories: Sequence[str] | None = None  # type: ignore[no-untyped-def]
                            ) -> list[str]:
    """Print on stderr which front-line categories have no active actor in ``year`` (the
    measures leave them out: :mod:`ecosystem.unserved`); return them."""
    from .unserved import front_actors, missing_categories_note

    _, missing = front_actors(reg.actors(), year, categories)
    if missing:
        print(f"warning: {missing_categories_note(missing, year, 'en')}", file=sys.stderr)
    return missing


def _proximity_command(args: argparse.Namespace) -> int:
    from . import results
    from .export import round_km, write_table

    reg = open_registry(args.registry)
    _check_year(reg, args.year)
    if args.command != "infrastructure-access":
        warn_missing_categories(reg, args.year, parse_categories(args.categories))
    kw = {"detour_factor": args.detour_factor}
    if args.command != "infrastructure-access":
        kw.update(distance_km=args.distance_km, categories=parse_categories(args.categories))
    if args.command == "unserved":
        table = results.unserved(reg, args.year, exporting_only=args.exporting_only, **kw)
        print(f"{len(table)} unserved firm(s) in {args.year}")
    elif args.command == "access":
        table = results.access(reg, args.year, demand=args.demand, **kw)
        if args.level:
            from .accessibility import accessibility_by_territory

            table = accessibility_by_territory(table, args.level)
    elif args.command == "catchments":
        table = results.catchments(reg, args.year, **kw)
    else:
        table = results.infrastructure_access(reg, args.year, **kw)
        if args.level:
            from .proximity import infrastructure_by_territory

            table = infrastructure_by_territory(table, args.level)
    out = write_table(round_km(table), args.out, layer=args.command.replace("-", "_"))
    print(f"Wrote {out}")
    return 0


def _network_command(args: argparse.Namespace) -> int:
    from . import activation
    from .export import write_table
    from .network_report import network_report

    reg = open_registry(args.registry)
    if args.year is not None:
        _check_year(reg, args.year)
        if args.command in ("plan-relays", "what-if"):
            warn_missing_categories(reg, args.year)
    if args.command == "network":
        files = network_report(reg, args.year, args.out)
        for f in files.values():
            print(f"Wrote {f}")
        return 0
    if args.command == "recommend-ties":
        table = activation.recommend_ties(reg, args.year, args.top)
    elif args.command == "plan-relays":
        table, firms = activation.plan_relays(reg, args.year, args.sites, args.distance_km)
        out = Path(args.out)
        firms_out = out.with_name(out.stem + "_firms" + out.suffix)
        write_table(firms, firms_out, layer="covered_firms")
        print(f"Wrote {firms_out}")
    elif args.command == "groupements":
        table = activation.groupements(reg, args.year)
    else:
        table = activation.what_if(reg, args.scenario, args.year, level=args.level)
    out = write_table(table, args.out, layer=args.command.replace("-", "_"))
    print(f"Wrote {out}")
    return 0


def _check_year(reg, year: int) -> None:  # type: ignore[no-untyped-def]
    years = reg.years()
    if year not in years:
        raise EmptyDataError(f"no firm observed in {year} in {reg.path}; years present: "
                             f"{', '.join(map(str, years)) or 'none'}")


def open_registry(path: str):  # type: ignore[no-untyped-def]
    """The registry at ``path``; a clear error when the file does not exist."""
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
    except (InputFormatError, RegistryError, EmptyDataError, FileNotFoundError,
            ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:  # an unknown name (indicator, layer...): its message, no traceback
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
