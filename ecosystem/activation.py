"""*Activation résiliaire*: the planning functions under their first-wave name.

The concepts live in :mod:`ecosystem.planning` (reach, ties, relays, groups, scenarios);
this module re-exports them so that ``from ecosystem.activation import what_if`` keeps
working.
"""

from __future__ import annotations

from .planning import *  # noqa: F403
from .planning import __all__ as __all__  # noqa: PLE0604
