"""Statistical disclosure control: the rules and small tables of the publication gate.

Re-exports :mod:`ecosystem.publish.tables` (primary rules, :data:`SECRET`,
:func:`protect_table`, :func:`protect_series`, :func:`protect_alternatives`,
:func:`audit_frame`). The indicator tables as published come from
:func:`ecosystem.publish.public_indicators`; ``docs/disclosure.md`` describes the whole
gate.
"""

from .publish.tables import *  # noqa: F403
from .publish.tables import __all__  # noqa: F401
