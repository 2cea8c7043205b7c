"""The ``ecosystem serve`` and ``ecosystem hash-password`` commands, registered by
this package (entry point group ``ecosystem.commands``) so that the core never
imports the dashboard."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

__all__ = ["register", "serve"]

DEMO_REGISTRY = "demo.gpkg"


def serve(app, host: str = "127.0.0.1", port: int = 8050, threads: int | None = None
          ) -> None:  # type: ignore[no-untyped-def]
    """Serve ``app`` with waitress (a production WSGI server, several threads)."""
    from waitress import serve as waitress_serve

    from ecosystem.settings import get_settings

    waitress_serve(app.server, host=host, port=port,
                   threads=threads or get_settings().dashboard_threads, ident="ecosystem")


def _serve(args: argparse.Namespace) -> int:
    from ecosystem.cli import open_registry

    from .app import create_app
    from .auth import load_users

    path = args.registry
    if path is None:
        path = DEMO_REGISTRY
        if not Path(path).exists():
            from ecosystem.demo import build_demo

            print(f"No registry given: building the Occitanie demo in {path} (once)...")
            build_demo(path)
    open_registry(path)
    users = load_users(args.users)
    app = create_app(path, users=users)
    if args.warm:
        from .warm import warm

        warm(app)
    print(f"Dashboard on http://{args.host}:{args.port}/  (registry {path}; "
          f"{len(users)} staff user(s); Ctrl+C to stop)")
    serve(app, args.host, args.port)
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    from .auth import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the two passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    print(hash_password(password))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``ecosystem serve`` and ``ecosystem hash-password`` to the command line."""
    p = sub.add_parser("serve", help="serve the dashboard (default: the Occitanie demo)")
    p.add_argument("--registry", "-r", help=f"registry GeoPackage (default: {DEMO_REGISTRY}, "
                   "built from the embedded demo when missing)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
    p.add_argument("--users", help="YAML file of staff users and password hashes (default: "
                   "$ECOSYSTEM_DASHBOARD_USERS); the secret key comes from "
                   "$ECOSYSTEM_SECRET_KEY")
    p.add_argument("--no-warm", dest="warm", action="store_false",
                   help="do not precompute the last year's results before serving")
    p.set_defaults(handler=_serve)

    p = sub.add_parser("hash-password", help="print the hash of a password for the "
                       "dashboard's users file (reads it from the terminal or stdin)")
    p.set_defaults(handler=_hash_password)
