"""Statistical disclosure control of published figures (primary rules).

A cell that counts firms or sums a firm variable is **confidential** when
(PRODUCT.md; INSEE's rules):

- it has at least one and fewer than ``settings.sdc_min_firms`` firms (frequency
  rule, 3; a cell of zero firms reveals no firm), or
- its largest contributor is more than ``settings.sdc_dominance_share`` of the
  total (dominance rule NK(1, 85 %)).

Confidential cells print as ``s`` (*secret statistique*). This module gives the
primary rules used by the public maps; the secondary suppression of published
tables (so that no total reveals a suppressed cell) belongs to the report.

Examples
--------
>>> primary_confidential([0, 1, 2, 3, 10]).tolist()
[False, True, True, False, False]
>>> primary_confidential([5, 5], largest=[90.0, 10.0], total=[100.0, 100.0]).tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .settings import get_settings

__all__ = ["primary_confidential", "ACTOR_ONLY_INDICATORS", "involves_firms", "SECRET"]

#: How a suppressed cell is printed (INSEE convention).
SECRET = "s"

#: Indicators computed from actors and ties only: they reveal no firm.
ACTOR_ONLY_INDICATORS: frozenset[str] = frozenset({
    "n_actors", "actors_per_1000_km2", "category_coverage", "category_evenness",
    "new_ties", "new_ties_per_actor", "network_cohesion", "coordination_density",
    "has_coordinator", "external_openness", "survey_dynamique", "survey_directionalite",
})


def involves_firms(indicator: str) -> bool:
    """Whether an indicator is computed from firm data (and so needs disclosure control).

    Examples
    --------
    >>> involves_firms("iso_density"), involves_firms("category_coverage")
    (True, False)
    """
    return indicator not in ACTOR_ONLY_INDICATORS


def primary_confidential(n_firms: Sequence[float] | np.ndarray,
                         largest: Sequence[float] | np.ndarray | None = None,
                         total: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """Mask of confidential cells under the frequency and dominance rules.

    Parameters
    ----------
    n_firms : array of int
        Firms contributing to each cell.
    largest, total : arrays of float, optional
        Largest single contribution and total of each cell, for a cell that sums a
        firm variable (headcount, export share…); omitted for plain counts.
    """
    st = get_settings()
    n = np.asarray(n_firms, dtype=float)
    secret = ~((n >= st.sdc_min_firms) | (n == 0))  # NaN counts are secret too
    if largest is not None and total is not None:
        big = np.asarray(largest, dtype=float)
        tot = np.asarray(total, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            secret |= (tot > 0) & (big / tot > st.sdc_dominance_share)
    return secret
