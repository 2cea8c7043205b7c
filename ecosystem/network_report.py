"""The files of the ``network`` command: actor metrics, territory metrics, governance
gaps and the actor graph as GraphML (Gephi)."""

from __future__ import annotations

import os
from pathlib import Path

from .governance import governance_gaps
from .inputs import as_registry
from .network import NetworkData, analyse, write_graphml
from .registry import Registry

__all__ = ["network_report"]


def network_report(
    registry: Registry | str | os.PathLike[str], year: int, out_dir: str | os.PathLike[str]
) -> dict[str, Path]:
    """The network analysis of a year, written to ``out_dir``.

    Files (CSV in the French spreadsheet dialect of :func:`ecosystem.export.write_table`):

    ``actors.csv``
        One row per active actor (:func:`actor_table`).
    ``territories.csv``
        :func:`territory_metrics` for the région(s), départements and EPCI.
    ``gaps.csv``
        :func:`ecosystem.governance.governance_gaps` (département level).
    ``network.graphml``
        The actor graph with every actor column as node attributes (Gephi).

    Returns
    -------
    dict
        ``{"actors": path, "territories": path, "gaps": path, "graphml": path}``.
    """
    from .export import write_table

    data = NetworkData.from_registry(as_registry(registry), year)
    analysis = analyse(data)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gaps = governance_gaps(data, analysis=analysis)
    paths = {
        "actors": write_table(analysis.actor_table, out / "actors.csv"),
        "territories": write_table(analysis.territories, out / "territories.csv"),
        "gaps": write_table(gaps, out / "gaps.csv"),
        "graphml": write_graphml(analysis.graph, analysis.actor_table, out / "network.graphml"),
    }
    return paths
