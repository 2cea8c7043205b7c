"""The ``ecosystem serve`` and ``ecosystem hash-password`` commands, registered by
this package (entry point group ``ecosystem.commands``) so that the core never
imports the dashboard."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

__all__ = ["register", "serve", "make_server"]

DEMO_REGISTRY = "demo.gpkg"


def make_server(app, host: str = "127.0.0.1", port: int = 8050,  # type: ignore[no-untyped-def]
                threads: int | None = None):
    """The waitress server of ``app`` (a production WSGI server, several threads), bound
    but not yet running: ``.run()`` serves, ``.close()`` stops. Its ``Server`` header
    names no version."""
    from waitress import create_server

    from ecosystem.settings import get_settings

    return create_server(app.server, host=host, port=port,
                         threads=threads or get_settings().dashboard_threads,
                         ident="ecosystem")


def serve(app, host: str = "127.0.0.1", port: int = 8050, threads: int | None = None
          ) -> None:  # type: ignore[no-untyped-def]
    """Serve ``app`` with waitress until the process is stopped."""
    make_server(app, host, port, threads).run()


def _serve(args: argparse.Namespace) -> int:
    import os

    from ecosystem.cli import open_registry
    from ecosystem.settings import update_settings

    from .app import create_app
    from .auth import SECRET_ENV, UserStore, check_secret_key

    if os.environ.get(SECRET_ENV):  # refused before anything is built
        check_secret_key(os.environ[SECRET_ENV])
    if args.behind_https:
        update_settings(dashboard_behind_https=True)
    path = args.registry
    if path is None:
        path = DEMO_REGISTRY
        if not Path(path).exists():
            from ecosystem.demo import build_demo

            print(f"No registry given: building the Occitanie demo in {path} (once)...")
            build_demo(path)
    open_registry(path)
    users = UserStore.from_environment(args.users)
    app = create_app(path, users=users)
    if args.warm:
        from .warm import warm

        warm(app)
    scheme = "behind HTTPS" if args.behind_https else "plain HTTP"
    print(f"Dashboard on http://{args.host}:{args.port}/  (registry {path}; "
          f"{len(users)} staff user(s); {scheme}; Ctrl+C to stop)")
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
                   "$ECOSYSTEM_SECRET_KEY (at least 32 bytes)")
    p.add_argument("--no-warm", dest="warm", action="store_false",
                   help="do not precompute the last year's results before serving")
    p.add_argument("--behind-https", action="store_true",
                   help="served through an HTTPS reverse proxy: Secure cookies, HSTS, client "
                   "address and scheme read from X-Forwarded-For / X-Forwarded-Proto "
                   "(docs/security.md); bind to 127.0.0.1 then")
    p.set_defaults(handler=_serve)

    p = sub.add_parser("hash-password", help="print the hash of a password for the "
                       "dashboard's users file (reads it from the terminal or stdin)")
    p.set_defaults(handler=_hash_password)
