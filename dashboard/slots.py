"""The expensive computations that visitors without sign-in may run at once.

:func:`heavy` runs an expensive computation (a report, a what-if, a relay plan, a
map) for a visitor only when one of ``settings.dashboard_public_heavy_slots`` is
free, waiting at most ``settings.dashboard_public_heavy_wait_seconds``; otherwise it
raises :class:`BusyError` (HTTP 503 with ``Retry-After``, see
:func:`dashboard.limits.install`, or a message on the page), so that visitors cannot
take every worker thread of the server. Staff, and work outside a request (the
precomputation before serving), are not queued. :func:`cached` takes a slot only
when the result is not in the dashboard's cache yet.

Examples
--------
>>> heavy(lambda: 6 * 7)  # outside a request: at once
42
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from flask import has_request_context

from ecosystem.settings import get_settings

from . import auth

__all__ = ["BusyError", "heavy", "cached"]

T = TypeVar("T")


class BusyError(RuntimeError):
    """Every slot for visitors' expensive computations is taken (HTTP 503)."""

    def __init__(self) -> None:
        super().__init__("serveur occupé : trop de calculs en cours, réessayez dans un "
                         "instant / server busy: too many computations running, try again "
                         "in a moment")


class _Slots:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._sem: threading.BoundedSemaphore | None = None
        self._size = 0
        self._local = threading.local()

    def semaphore(self) -> threading.BoundedSemaphore:
        size = get_settings().dashboard_public_heavy_slots
        with self._guard:
            if self._sem is None or self._size != size:
                self._sem, self._size = threading.BoundedSemaphore(size), size
            return self._sem

    def run(self, compute: Callable[[], T], staff: bool) -> T:
        depth = getattr(self._local, "depth", 0)
        if staff or depth:  # staff, or already inside a slot (nested computation)
            return compute()
        sem = self.semaphore()
        if not sem.acquire(timeout=get_settings().dashboard_public_heavy_wait_seconds):
            raise BusyError()
        self._local.depth = 1
        try:
            return compute()
        finally:
            self._local.depth = 0
            sem.release()


_SLOTS = _Slots()


def heavy(compute: Callable[[], T]) -> T:
    """``compute()`` in one of the slots of visitors' expensive computations (staff,
    and work outside a request such as the precomputation before serving, run at once).

    Raises
    ------
    BusyError
        No slot freed within ``settings.dashboard_public_heavy_wait_seconds``.
    """
    return _SLOTS.run(compute, not has_request_context() or auth.is_staff())


def cached(data: Any, name: str, params: Sequence[Hashable], compute: Callable[[], T]) -> T:
    """``data.cached(name, params, compute)``, computing in a slot (:func:`heavy`) only
    when the value is not in the cache yet."""
    return data.cached(name, params, lambda: heavy(compute))  # type: ignore[no-any-return]
