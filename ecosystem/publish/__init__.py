"""The publication gate: everything public comes out of this package.

- :mod:`ecosystem.publish.tau`: primary and secondary suppression of the
  territorial count tables by τ-Argus;
- :mod:`ecosystem.publish.release`: the indicator tables as published (derived
  values follow their inputs, scores from published values only);
- :mod:`ecosystem.publish.tables`: the disclosure rules and small tables;
- :mod:`ecosystem.publish.plans`: relay plans offered as alternatives, what-if.

The rules are described in ``docs/disclosure.md``.
"""

from .plans import (
    TIE_FIRM_COLUMNS,
    public_relay_sites,
    public_ties,
    public_unserved_total,
    public_what_if,
)
from .release import (
    DEPENDS,
    HIERARCHIES,
    PROTECTED,
    ZERO_NUMERATOR,
    empty_counts,
    export_public_indicators,
    hidden_counts,
    indicator_masks,
    protected_counts,
    public_indicators,
)
from .tau import STATUSES, TOTAL_CODE, protect_counts, protect_tables

__all__ = ["DEPENDS", "HIERARCHIES", "PROTECTED", "ZERO_NUMERATOR", "empty_counts",
           "export_public_indicators", "hidden_counts",
           "indicator_masks", "protected_counts", "public_indicators", "STATUSES", "TOTAL_CODE",
           "protect_counts", "protect_tables", "public_relay_sites", "public_unserved_total",
           "public_what_if", "public_ties", "TIE_FIRM_COLUMNS"]
