"""*Activation résiliaire* (seed 001): the decisions a regional council can take on the
export-support network, with their effect measured.

- :mod:`~ecosystem.planning.reach`: which firms reach the front line in one or two steps;
- :mod:`~ecosystem.planning.ties`: new actor–actor ties, chosen greedily by the gain each
  brings (fewer components, higher global efficiency, more firms within two steps of a
  front-line actor), every gain computed by adding the tie and recomputing;
- :mod:`~ecosystem.planning.relays`: where to open *K* new front-line relays (candidate
  sites: commune town halls) to cover the most unserved firms within *d*, weighted by
  their export potential: a maximal covering location problem solved with PySAL ``spopt``;
- :mod:`~ecosystem.planning.groups`: candidate export groups (*groupements à l'export*) of
  3 to 5 SMEs;
- :mod:`~ecosystem.planning.scenarios`: a scenario file (YAML) adding actors, ties or
  relays, and the measures of every territory before and after.

Definitions, formulas and column lists: ``docs/network.md``.
"""

from __future__ import annotations

from .groups import (
    GROUP_COLUMNS,
    export_groups,
    group_effect,
    group_score,
    groupements,
    groups_by_sector,
    pair_synergy,
)
from .reach import FirmReach, firm_reach
from .relays import (
    RELAY_FIRM_COLUMNS,
    RELAY_SITE_COLUMNS,
    candidate_sites,
    plan_relays,
    relay_effect,
    relay_plan,
    solve_max_covering,
)
from .scenarios import (
    WHAT_IF_COLUMNS,
    apply_scenario,
    read_scenario,
    territory_measures,
    what_if,
)
from .ties import TIE_COLUMNS, recommend_ties, territory_ties, tie_recommendations

__all__ = [
    "TIE_COLUMNS",
    "RELAY_SITE_COLUMNS",
    "RELAY_FIRM_COLUMNS",
    "GROUP_COLUMNS",
    "WHAT_IF_COLUMNS",
    "FirmReach",
    "firm_reach",
    "tie_recommendations",
    "recommend_ties",
    "territory_ties",
    "candidate_sites",
    "solve_max_covering",
    "relay_plan",
    "plan_relays",
    "relay_effect",
    "export_groups",
    "groupements",
    "pair_synergy",
    "group_score",
    "groups_by_sector",
    "group_effect",
    "read_scenario",
    "apply_scenario",
    "territory_measures",
    "what_if",
]
