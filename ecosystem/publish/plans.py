"""Public versions of the plans: relay sites offered as alternatives, and what-if.

The public activation page lets a visitor choose a number of relay sites (1 to 10)
and run a what-if: both are published from here (rules in ``docs/disclosure.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .release import protected_counts
from .tables import SECRET, TOTAL_LABEL, involves_firms, protect_alternatives

__all__ = ["public_relay_sites", "public_what_if", "public_unserved_total", "TIE_FIRM_COLUMNS",
           "public_ties"]


def _published(value: Any, column: str) -> Any:
    if value == SECRET:
        return SECRET
    return float(value) if column == "covered_weight" else int(value)


def public_relay_sites(plans: Mapping[int, tuple[pd.DataFrame, pd.DataFrame]]
                       ) -> dict[int, tuple[pd.DataFrame, dict[str, Any]]]:
    """The site tables of the plans of every number of sites offered, as published.

    The plans (``{sites: (site table, covered firms)}`` of
    :func:`ecosystem.activation.plan_relays` at one distance) are protected together
    by :func:`ecosystem.publish.tables.protect_alternatives`, column by column: counts of
    1–2 firms and potentials dominated by one firm print « s »; no total reveals a
    cell; no two published totals differ by 1–2 firms, so that asking for *k* and
    *k* + 1 sites gives no firm away; a site hidden to protect another is hidden in
    every plan. ``firms_within_d`` (the firms within the distance of each site: discs
    that overlap, in no table with totals) is not published.

    Returns
    -------
    dict
        For each number of sites: the site table with ``newly_covered_firms``,
        ``newly_covered_exporting``, ``covered_weight`` and ``firms_within_d``
        replaced by their published values, and the published totals of the first
        three.

    Examples
    --------
    >>> def plan(rows):
    ...     sites = pd.DataFrame(rows, columns=["commune", "newly_covered_firms",
    ...         "newly_covered_exporting", "covered_weight", "firms_within_d"])
    ...     firms = pd.DataFrame({"site_commune": [r[0] for r in rows for _ in range(r[1])],
    ...         "potential": [r[3] / r[1] for r in rows for _ in range(r[1])]})
    ...     return sites, firms
    >>> plans = {1: plan([("1", 10, 3, 90.0, 12)]),
    ...          2: plan([("1", 10, 3, 90.0, 12), ("3", 7, 4, 50.0, 9)]),
    ...          3: plan([("1", 10, 3, 90.0, 12), ("3", 7, 4, 50.0, 9), ("2", 1, 0, 85.0, 2)])}
    >>> out = public_relay_sites(plans)
    >>> out[2][1]["newly_covered_firms"], out[3][1]["newly_covered_firms"]  # 18 - 17 = 1
    (17, 's')
    >>> out[3][0]["newly_covered_firms"].tolist(), out[3][0]["firms_within_d"].tolist()
    ([10, 7, 's'], ['s', 's', 's'])
    """
    cols = ("newly_covered_firms", "newly_covered_exporting", "covered_weight")
    choices = list(plans)
    labels: list[str] = []
    for k in choices:
        labels += [c for c in plans[k][0]["commune"].astype(str) if c not in labels]

    def frame(get: Any) -> pd.DataFrame:
        out = pd.DataFrame(np.nan, index=pd.Index(labels, dtype=object), columns=choices)
        for k in choices:
            sites, firms = plans[k]
            if len(sites):
                out.loc[sites["commune"].astype(str).to_numpy(), k] = np.asarray(
                    get(sites, firms), dtype=float)
        return out

    n = frame(lambda st, f: st["newly_covered_firms"])
    n_exp = frame(lambda st, f: st["newly_covered_exporting"])
    weight = frame(lambda st, f: st["covered_weight"])
    largest = frame(lambda st, f: f.groupby(f["site_commune"].astype(str))["potential"].max()
                    .reindex(st["commune"].astype(str)).fillna(0.0))
    pubs = {"newly_covered_firms": protect_alternatives(n, n, name="relay_sites_firms"),
            "newly_covered_exporting": protect_alternatives(n_exp, n_exp,
                                                            name="relay_sites_exporting"),
            "covered_weight": protect_alternatives(weight, n, largest=largest,
                                                   name="relay_sites_weight")}
    result: dict[int, tuple[pd.DataFrame, dict[str, Any]]] = {}
    for k in choices:
        sites = plans[k][0].copy()
        codes = sites["commune"].astype(str).to_numpy()
        for c in cols:
            column = pubs[c].table[k]
            sites[c] = [_published(column[code], c) for code in codes]
        # overlapping discs, in no table with totals: never published
        sites["firms_within_d"] = SECRET
        totals = {c: _published(pubs[c].table.at[TOTAL_LABEL, k], c) for c in cols}
        result[k] = (sites, totals)
    return result


def public_what_if(table: pd.DataFrame) -> pd.DataFrame:
    """The what-if table as published: the measures that rest on no firm.

    A scenario is free (any commune, any pair of actors), so two scenarios can differ
    by one relay covering one or two firms: the firm-based measures (source
    ``proximity`` and the indicators that involve firms) are not published, whatever
    their values; the measures of the actor network are.

    Examples
    --------
    >>> t = pd.DataFrame({"level": ["departement"] * 4, "code": ["48"] * 4,
    ...     "name": ["Lozère"] * 4, "source": ["indicators", "proximity", "indicators",
    ...     "network"], "measure": ["n_firms", "n_unserved", "n_actors", "n_ties"],
    ...     "before": [50.0, 2.0, 6.0, 4.0], "after": [50.0, 0.0, 7.0, 5.0]})
    >>> t["change"] = t["after"] - t["before"]
    >>> public_what_if(t)["measure"].tolist()
    ['n_actors', 'n_ties']
    """
    firm_based = table["source"].eq("proximity") | (
        table["source"].eq("indicators") & table["measure"].map(involves_firms))
    return table.loc[~firm_based.to_numpy()].copy()


def public_unserved_total(registry: Any, year: int) -> Any:
    """The unserved firms of the registry in ``year`` as published: the total cell of
    the gate's ``n_unserved`` table (:func:`ecosystem.publish.protected_counts`), at
    the default distance and front line; :data:`SECRET` when it is suppressed."""
    counts = protected_counts(registry, year)
    cell = counts[counts["table"].eq("n_unserved") & counts["level"].eq("total")]
    if not len(cell):
        return 0
    if str(cell["status"].iloc[0]) != "safe":
        return SECRET
    return int(cell["value"].iloc[0])


#: Columns of the recommended-ties table that rest on firms: the firms a tie brings within
#: reach, the running total after each tie, and the score (its firm term, with the other
#: terms published, would give the firms away).
TIE_FIRM_COLUMNS: tuple[str, ...] = ("gain_firms_reached", "firms_reached_after", "score")


def public_ties(ties: pd.DataFrame) -> pd.DataFrame:
    """The recommended ties as published: the columns of :data:`TIE_FIRM_COLUMNS` are
    :data:`SECRET` (a tie may bring one or two firms within reach, in no table with
    totals); the network measures are published.

    Examples
    --------
    >>> t = pd.DataFrame({"rank": [1], "gain_components": [1], "gain_firms_reached": [2],
    ...                   "score": [3.5]})
    >>> public_ties(t)[["gain_components", "gain_firms_reached", "score"]].values.tolist()
    [[1, 's', 's']]
    """
    out = ties.copy()
    for col in TIE_FIRM_COLUMNS:
        if col in out:
            out[col] = pd.Series(SECRET, index=out.index, dtype=object)
    before = dict(out.attrs.get("before", {}))
    before.pop("firms_reached", None)
    out.attrs["before"] = before
    return out
