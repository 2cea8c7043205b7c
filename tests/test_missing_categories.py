"""A registry that another command accepts runs every command: a CCI whose registry holds
only its own offices (no Team France Export, CCE, Bpifrance nor export club) gets every
output, computed with the categories present, and is told which are missing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecosystem.cli import main
from ecosystem.registry import Registry

YEAR = 2025
MISSING = ["team_france_export", "cce", "bpifrance", "club_export"]


@pytest.fixture(scope="module")
def cci_only(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    from ecosystem.demo import build_demo

    path = tmp_path_factory.mktemp("cci") / "cci.gpkg"
    reg = build_demo(path, seed=3, n_firms=800)
    actors = reg.actors()
    keep = actors["category"].eq("cci")
    ids = set(actors.loc[keep, "id"].astype(str))
    rel = reg.relations()
    is_actor = {end: rel[f"{end}_type"].astype(str).eq("actor") for end in ("source", "target")}
    ok = ((~is_actor["source"]) | rel["source"].astype(str).isin(ids)) & \
        ((~is_actor["target"]) | rel["target"].astype(str).isin(ids))
    reg.write_layers({"actors": actors[keep], "relations": rel[ok]})
    return reg


COMMANDS = {
    "info": [],
    "export": ["--layer", "actors", "--out", "{out}/actors.csv"],
    "unserved": ["--year", str(YEAR), "--out", "{out}/unserved.csv"],
    "access": ["--year", str(YEAR), "--level", "departement", "--out", "{out}/access.csv"],
    "catchments": ["--year", str(YEAR), "--out", "{out}/catchments.csv"],
    "infrastructure-access": ["--year", str(YEAR), "--out", "{out}/infra.csv"],
    "indicators": ["--level", "departement", "--year", str(YEAR), "--compare-year",
                   str(YEAR - 1), "--out", "{out}/indicators.csv"],
    "indicators --public": ["--level", "epci", "--year", str(YEAR), "--public",
                            "--out", "{out}/indicators_public.csv"],
    "network": ["--year", str(YEAR), "--out", "{out}/network"],
    "recommend-ties": ["--year", str(YEAR), "--top", "3", "--out", "{out}/ties.csv"],
    "plan-relays": ["--year", str(YEAR), "--sites", "2", "--out", "{out}/relays.csv"],
    "groupements": ["--year", str(YEAR), "--out", "{out}/groups.csv"],
    "what-if": ["--scenario", "{out}/scenario.yaml", "--year", str(YEAR),
                "--out", "{out}/whatif.csv"],
    "map": ["--year", str(YEAR), "--kind", "combined", "--out", "{out}/carte.html"],
    "report": ["--year", str(YEAR), "--territory", "{dep}", "--level", "departement",
               "--out", "{out}/rapport"],
}
#: Commands whose figures rest on the front line, and so say which categories are missing.
TELLS = {"unserved", "access", "catchments", "indicators", "indicators --public", "what-if",
         "plan-relays"}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_runs_on_a_registry_of_cci_only(
        command: str, cci_only: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "scenario.yaml").write_text(
        f"year: {YEAR}\nrelays:\n  - commune: '46042'\n    category: cci\n", encoding="utf-8")
    dep = cci_only.firms(YEAR)["departement"].value_counts().index[0]
    args = [a.format(out=tmp_path, dep=dep) for a in COMMANDS[command]]
    argv = [command.split()[0], "--registry", str(cci_only.path), *args]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    if command in TELLS:
        for category in MISSING:
            assert category in captured.err, (command, captured.err)


def test_unserved_with_cci_only_is_the_distance_to_the_cci(cci_only: Registry,
                                                           tmp_path: Path) -> None:
    """The rule with the CCI alone: a firm is unserved when no CCI lies within 30 km
    (checked here with a plain distance matrix)."""
    import numpy as np
    import shapely

    assert main(["unserved", "-r", str(cci_only.path), "--year", str(YEAR),
                 "--out", str(tmp_path / "u.csv")]) == 0
    got = pd.read_csv(tmp_path / "u.csv", sep=";", dtype=str, encoding="utf-8-sig")
    firms = cci_only.firms(YEAR)
    cci = cci_only.actors(YEAR)
    fx = np.column_stack([shapely.get_x(firms.geometry.values),
                          shapely.get_y(firms.geometry.values)])
    ax = np.column_stack([shapely.get_x(cci.geometry.values), shapely.get_y(cci.geometry.values)])
    km = np.sqrt(((fx[:, None] - ax[None]) ** 2).sum(axis=2)).min(axis=1) / 1000.0
    expected = set(firms.loc[km > 30.0, "firm_id"].astype(str))
    assert set(got["firm_id"]) == expected
    assert (got["nearest_category"] == "cci").all()


def test_the_dashboard_names_the_missing_categories(cci_only: Registry) -> None:
    """The PME non accompagnées page prints the core's sentence under its count."""
    from dashboard.data import DashboardData
    from dashboard.pages.unserved import missing_note

    data = DashboardData(cci_only.path)
    note = missing_note(data, YEAR, None, "fr")
    assert note.startswith("aucun acteur actif de la catégorie")
    assert all(c in note for c in MISSING)
    assert missing_note(data, YEAR, ["cci"], "fr") == ""
    assert "cce" in missing_note(data, YEAR, ["cci", "cce"], "en")
