"""Precompute the results of the last year before serving, so that the first users
do not wait: each page module may define ``warm(data)``."""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["warm"]


def warm(app: Any) -> None:
    """Run every page's ``warm(data)`` (errors are printed, not raised: a page whose
    precomputation fails computes on demand and shows its own error)."""
    from .app import pages

    data = app._ecosystem_data
    for mod in pages():
        fn = getattr(mod, "warm", None)
        if fn is None:
            continue
        start = time.perf_counter()
        try:
            fn(data)
        except Exception as exc:  # noqa: BLE001 - reported, the page recomputes on demand
            print(f"warning: precomputing {mod.__name__}: {exc}", file=sys.stderr)
            continue
        print(f"  {mod.__name__.rsplit('.', 1)[-1]} ready ({time.perf_counter() - start:.1f} s)")
