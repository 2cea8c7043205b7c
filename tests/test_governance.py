"""Governance gaps: each kind on a hand-made registry built to have exactly that gap."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecosystem.governance import GAP_COLUMNS, GAP_KINDS, registry_gaps
from ecosystem.settings import REFERENCE_CATEGORIES
from tests.test_network import YEAR, actor, firm, tie, write_registry

OTHERS = [c for c in REFERENCE_CATEGORIES if c != "cci"]


def healthy() -> tuple[list[dict], list[dict], list[dict]]:
    """A territory without any gap: one actor of every reference category within a km,
    all tied to a CCI hub (the coordinator, tied to foreign networks), five firms close by.
    """
    actors = [actor("hub", "cci", international_links=True)]
    actors += [actor(c, c, 0.1 * (i + 1)) for i, c in enumerate(OTHERS)]
    relations = [tie("hub", c) for c in OTHERS]
    firms = [firm(f"1000000000000{i}", 0.5 * i, 1) for i in range(5)]
    return actors, relations, firms


def gaps_of(tmp_path, actors, relations, firms) -> pd.DataFrame:
    reg = write_registry(tmp_path / "r.gpkg", actors, relations, firms)
    return registry_gaps(reg, YEAR)


def test_healthy_territory_has_no_gap(tmp_path):
    gaps = gaps_of(tmp_path, *healthy())
    assert list(gaps.columns) == list(GAP_COLUMNS)
    assert gaps.empty, gaps[["kind", "evidence"]].to_string()


def test_isolated_actor(tmp_path):
    actors, relations, firms = healthy()
    actors.append(actor("bank2", "bank", 0.3, name="Banque isolée"))
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps["kind"].tolist() == ["isolated_actor"]
    row = gaps.iloc[0]
    assert row["actor_id"] == "bank2" and row["territory"] == "D1"
    assert row["severity"] == "medium" and "Banque isolée" in row["evidence"]


def test_isolated_front_line_actor_is_severe(tmp_path):
    actors, relations, firms = healthy()
    actors.append(actor("cce2", "cce", 0.3))
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps[["kind", "severity"]].values.tolist() == [["isolated_actor", "high"]]


def test_fragmented_territory(tmp_path):
    actors, relations, firms = healthy()
    actors += [actor("cma1", "cma", 0.2), actor("cma2", "cma", 0.3)]
    relations.append(tie("cma1", "cma2"))
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps["kind"].tolist() == ["fragmented_territory"]
    assert gaps.iloc[0]["value"] == 2 and gaps.iloc[0]["severity"] == "medium"


def test_territory_cut_off_from_the_regional_network(tmp_path):
    actors, relations, firms = healthy()
    # a second département whose actors are tied only to each other: it is cut off
    far = dict(departement="D2", epci="E2", commune="C2")
    actors += [actor("d2-cci", "cci", 10, **far, international_links=True),
               *[actor(f"d2-{c}", c, 10.1 + 0.1 * i, **far) for i, c in enumerate(OTHERS)]]
    relations += [tie("d2-cci", f"d2-{c}") for c in OTHERS]
    gaps = gaps_of(tmp_path, actors, relations, firms)
    frag = gaps.loc[gaps["kind"].eq("fragmented_territory")]
    assert frag[["territory", "severity"]].values.tolist() == [["D2", "high"]]
    # D2 has the same shape as D1 but its hub is not among the top 5 % of the région
    # (k = ceil(0.05 * 20) = 1 coordinator: the first hub by betweenness)
    assert set(gaps["kind"]) <= {"fragmented_territory", "no_coordinator"}


def test_missing_category(tmp_path):
    actors, relations, firms = healthy()
    actors = [a for a in actors if a["id"] != "bank"]
    relations = [r for r in relations if r["target"] != "bank"]
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps["kind"].tolist() == ["missing_category"]
    row = gaps.iloc[0]
    assert "Banque" in row["missing"] and row["value"] == 1.0 and row["severity"] == "medium"


def test_category_present_within_d_is_not_missing(tmp_path):
    actors, relations, firms = healthy()
    # the bank moves to the next département, 20 km away: within d of every firm
    for a in actors:
        if a["id"] == "bank":
            a.update(departement="D2", epci="E2", commune="C2", x=a["x"] + 20_000)
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert "missing_category" not in set(gaps["kind"])


def test_no_coordinator(tmp_path):
    actors, _, firms = healthy()
    ids = [a["id"] for a in actors]
    relations = [tie(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]  # all tied
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps["kind"].tolist() == ["no_coordinator"]


def test_no_tie_between_knowledge_and_export_support(tmp_path):
    actors, relations, firms = healthy()
    relations = [r for r in relations if r["target"] != "university"]
    relations.append(tie("bank", "university"))
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps["kind"].tolist() == ["no_knowledge_export_tie"]


def test_no_actor_tied_to_foreign_networks(tmp_path):
    actors, relations, firms = healthy()
    for a in actors:
        a["international_links"] = False
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps["kind"].tolist() == ["no_international_link"]
    assert gaps.iloc[0]["severity"] == "high"


def test_unserved_area(tmp_path):
    actors, relations, firms = healthy()
    firms.append(firm("20000000000000", 40, 0, stage="local"))  # 40 km from every actor
    gaps = gaps_of(tmp_path, actors, relations, firms)
    assert gaps["kind"].tolist() == ["unserved_area"]
    row = gaps.iloc[0]
    assert row["value"] == pytest.approx(1 / 6) and row["severity"] == "medium"
    assert "1 de ses 6 entreprises" in row["evidence"]


def test_gap_kinds_are_documented():
    text = (Path(__file__).resolve().parents[1] / "docs" / "network.md").read_text(
        encoding="utf-8")
    for kind in GAP_KINDS:
        assert f"`{kind}`" in text
