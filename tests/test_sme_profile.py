"""The SME breakdowns of a territory (ecosystem.sme_profile), against counts made by hand
with plain Python loops on a small frame holding blanks, missing values, unknown codes,
repeated codes and odd spacing."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from ecosystem import sme_profile
from ecosystem.settings import EXPORTING_STAGES

FIRMS = pd.DataFrame({
    "firm_id": [f"f{i}" for i in range(1, 11)],
    "year": [2025] * 10,
    "epci": ["e1", "e1", "e2", "e2", "", None, "e1", "e2", "e3", "e1"],
    "stage": ["local", "direct_export", "indirect_export", "weird", None, "local",
              "direct_export", "local", "subsidiary_mixed", "direct_export"],
    "posture": ["reactive", "proactive", "proactive", None, "refusal", "odd", "proactive",
                "", "reactive", "proactive"],
    "iso": ["9001|14001", "9001", "", None, "27001|9001|9001", " | ", "14001", "9002",
            "45001 ", "9003|50001"],
    "markets": ["es|DE", "ES", "", None, "us|US", "it", "DE|es", "", "cn", "de"],
    "groupement": ["G1", " G1", "", None, "G2", "  ", "", "G2", "G3", ""],
    "created": [2023, 2010, 2024, 2000, 2022, 2021, 2015, 2024, 2005, 2019],
    "export_share": [0.3, 0.5, 0.1, 0.0, 0.25, 0.0, 0.4, 0.0, 0.6, 0.2],
}, index=pd.Index([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]))
# firm f10 was born global in 2020 (an early observation), f2 never was
HISTORY = pd.concat([FIRMS, pd.DataFrame({
    "firm_id": ["f10", "f2"], "year": [2020, 2012], "created": [2019, 2010],
    "export_share": [0.5, 0.1]})], ignore_index=True)


def text(x: object) -> str:
    """The firm's value as text, blank when missing."""
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


def codes(x: object) -> list[str]:
    return [p.strip() for p in text(x).split("|") if p.strip()]


def by_hand() -> list[dict[str, object]]:
    """What each firm is, decided one firm at a time."""
    out = []
    for r in FIRMS.itertuples(index=False):
        exporting = r.stage in EXPORTING_STAGES
        early = HISTORY.loc[HISTORY["firm_id"].eq(r.firm_id)]
        born = any(0 <= y - c <= 3 and s >= 0.2 and y <= 2025 for y, c, s in zip(
            early["year"], early["created"], early["export_share"], strict=True))
        out.append({"exporting": exporting,
                    "proactive_exporting": exporting and r.posture == "proactive",
                    "certified": bool(codes(r.iso)), "born_global": born,
                    "in_groupement": text(r.groupement).strip() != "",
                    "unserved": r.firm_id in {"f1", "f4", "f9"}})
    return out


def test_flags_against_each_firm() -> None:
    flags = sme_profile.sme_flags(FIRMS, HISTORY, 2025, unserved=["f1", "f4", "f9", "x"])
    assert flags.index.equals(FIRMS.index)
    assert flags.to_dict("records") == by_hand()


def test_flags_without_history_read_the_firms_themselves() -> None:
    flags = sme_profile.sme_flags(FIRMS)
    # f10 alone was shown born global in an earlier observation; f1 (2023) and f5 (2022)
    # are young and export enough in 2025
    assert FIRMS.loc[flags["born_global"], "firm_id"].tolist() == ["f1", "f5"]
    assert "unserved" not in flags


def test_totals_and_counts_by_territory() -> None:
    hand = by_hand()
    flags = sme_profile.sme_flags(FIRMS, HISTORY, 2025, unserved=["f1", "f4", "f9"])
    totals = sme_profile.sme_totals(FIRMS, flags)
    names = {text(g).strip() for g in FIRMS["groupement"]} - {""}
    expected = {"n_firms": 10,
                **{sme_profile.FLAG_COUNTS[k]: sum(h[k] for h in hand) for k in hand[0]},
                "n_groupements": len(names)}
    assert totals == expected
    assert totals["n_groupements"] == 3 and totals["n_born_global"] == 3

    table = sme_profile.counts_by_territory(FIRMS, "epci", flags)
    places = [text(e) for e in FIRMS["epci"]]
    assert table.index.tolist() == sorted(set(places))
    for code in table.index:
        rows = [h for h, p in zip(hand, places, strict=True) if p == code]
        assert table.at[code, "n_firms"] == len(rows)
        for flag, col in sme_profile.FLAG_COUNTS.items():
            assert table.at[code, col] == sum(h[flag] for h in rows), (code, col)
    assert (table.dtypes == np.int64).all()


def test_stage_posture_counts() -> None:
    table = sme_profile.stage_posture_counts(FIRMS)
    pairs = Counter((text(s), text(p)) for s, p in zip(FIRMS["stage"], FIRMS["posture"],
                                                         strict=True))
    assert table.index.tolist() == ["local", "indirect_export", "direct_export",
                                    "subsidiary_mixed", "", "weird"]
    assert table.columns.tolist() == ["refusal", "reactive", "proactive", "", "odd"]
    for s in table.index:
        for p in table.columns:
            assert table.at[s, p] == pairs.get((s, p), 0), (s, p)
    assert int(table.to_numpy().sum()) == len(FIRMS)


def test_iso_counts() -> None:
    table = sme_profile.iso_counts(FIRMS)
    counts: Counter[tuple[str, bool]] = Counter()
    for iso, stage in zip(FIRMS["iso"], FIRMS["stage"], strict=True):
        for std in set(codes(iso)):
            counts[(std, stage in EXPORTING_STAGES)] += 1
    standards = {s for s, _ in counts}
    assert table.index.tolist() == ["9001", "9002", "9003", "14001", "45001", "27001",
                                    "50001"]
    assert set(table.index) == standards
    for std in standards:
        assert table.at[std, "exporting"] == counts[(std, True)]
        assert table.at[std, "not_exporting"] == counts[(std, False)]
    empty = sme_profile.iso_counts(FIRMS.assign(iso=""))
    assert empty.empty and empty.columns.tolist() == ["exporting", "not_exporting"]


def test_market_counts() -> None:
    counts: Counter[str] = Counter()
    for m in FIRMS["markets"]:
        counts.update({c.upper() for c in codes(m)})
    series = sme_profile.market_counts(FIRMS)
    assert series.to_dict() == dict(counts)
    assert series.index.tolist() == sorted(counts, key=lambda c: (-counts[c], c))
    assert series.index.tolist()[:2] == ["DE", "ES"]
    assert sme_profile.market_counts(FIRMS.iloc[0:0]).empty


@pytest.mark.parametrize("column", ["iso", "groupement"])
def test_absent_columns_mean_no_firm(column: str) -> None:
    flags = sme_profile.sme_flags(FIRMS.drop(columns=column), born_global=False)
    key = "certified" if column == "iso" else "in_groupement"
    assert not flags[key].any()
