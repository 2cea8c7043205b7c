"""A territory against its peers (ecosystem.peers), against the statistics module and
sums written out by hand on a small indicator table, in its staff form (every value) and
in its published form (suppressed values are the text « s »)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from ecosystem import peers

TERRITORIES = pd.DataFrame({
    "level": ["departement"] * 5 + ["region", "region"],
    "code": ["34", "30", "13", "11", "84", "76", "93"],
    "region": ["76", "76", "93", "76", "93", "76", "93"],
})
# rows labelled 100.. so that labels and positions differ
TABLE = pd.DataFrame({
    "code": ["11", "13", "30", "34", "84", "99"],
    "iso_density": [10.0, 50.0, 30.0, 20.0, np.nan, 5.0],
    "iso_density_compare": [12.0, 40.0, 30.0, 10.0, 3.0, 5.0],
    "unserved_share": [0.30, 0.10, 0.20, 0.25, 0.05, 0.9],
    "unserved_share_compare": [0.30, 0.10, 0.20, 0.20, 0.05, 0.9],
    "category_coverage": [0.5, 0.6, 0.5, 0.9, 0.1, 0.2],
    "category_coverage_compare": [0.5, 0.6, 0.5, 0.1, 0.1, 0.2],
    "network_cohesion": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    "network_cohesion_compare": [0.5, 0.5, 0.5, 0.25, 0.5, 0.5],
    "has_coordinator": [True, False, True, True, False, False],
    "has_coordinator_compare": [True, False, True, False, False, False],
    "imi_density": [40.0, 60.0, 20.0, 70.0, 10.0, np.nan],
    "imi_diversity": [30.0, 80.0, 50.0, 45.0, 20.0, 10.0],
    "imi_governance": [np.nan, 10.0, 30.0, np.nan, 50.0, 60.0],
}, index=pd.RangeIndex(100, 106))


def published(table: pd.DataFrame, cells: list[tuple[int, str]]) -> pd.DataFrame:
    """``table`` as the publication gate prints it: the ``cells`` are « s » (object
    columns)."""
    out = table.copy()
    for row, col in cells:
        out[col] = out[col].astype(object)
        out.at[row, col] = "s"
    return out


# code 30: its density hidden this year; code 34: its own diversity score hidden
PUBLIC = published(TABLE, [(102, "iso_density"), (103, "imi_diversity")])


def test_peer_index_same_region() -> None:
    got = peers.peer_index(TABLE, TERRITORIES, "departement", "76")
    expected = [i for i, c in zip(TABLE.index, TABLE["code"], strict=True)
                if c in {"34", "30", "11"}]
    assert got.tolist() == expected == [100, 102, 103]
    assert peers.peer_index(TABLE, TERRITORIES, "departement", "93").tolist() == [101, 104]
    regions = TABLE.iloc[:2]
    assert peers.peer_index(regions, TERRITORIES, "region", "76").equals(regions.index)


def test_peer_values_leave_out_suppressed_and_missing() -> None:
    rows = pd.Index([100, 101, 102, 103, 104])
    values = peers.peer_values(PUBLIC, "iso_density", rows)
    # 102 « s », 104 missing
    assert values.tolist() == [10.0, 50.0, 20.0]
    assert peers.peer_values(TABLE, "iso_density", rows).tolist() == [10.0, 50.0, 30.0, 20.0]
    assert peers.peer_values(TABLE, "has_coordinator", rows).tolist() == [1, 0, 1, 1, 0]
    assert peers.peer_values(TABLE, "absent", rows).tolist() == []


@pytest.mark.parametrize("values", [[3.0], [4.0, 1.0], [5.0, 1.0, 3.0, 2.0, 8.0], []])
def test_peer_median_is_the_median(values: list[float]) -> None:
    got = peers.peer_median(values)
    if values:
        assert got == statistics.median(values)
    else:
        assert math.isnan(got)


def test_peer_rank_by_hand() -> None:
    values = [10.0, 50.0, 30.0, 20.0, 30.0]
    for v in values:
        higher = len([x for x in values if x > v])
        lower = len([x for x in values if x < v])
        assert peers.peer_rank(v, values, 1) == (higher + 1, 5)
        assert peers.peer_rank(v, values, -1) == (lower + 1, 5)
    assert peers.peer_rank(30.0, values, 1) == (2, 5)  # shared rank
    assert peers.peer_rank(30.0, values, 0) is None
    assert peers.peer_rank(np.nan, values, 1) is None
    assert peers.peer_rank(1.0, [], 1) is None


def test_peer_rank_among_published_values_only() -> None:
    """A rank beside an « s » is a rank among the published values: it is the same
    whatever the hidden value, so it tells nothing of it."""
    rows = peers.peer_index(TABLE, TERRITORIES, "departement", "76")  # 100, 102, 103
    shown = peers.peer_values(PUBLIC, "iso_density", rows)
    assert shown.tolist() == [10.0, 20.0]  # 30 (code 30) is « s »
    assert peers.peer_rank(PUBLIC.at[103, "iso_density"], shown, 1) == (1, 2)
    for hidden in (0.0, 15.0, 25.0, 1000.0):
        other = TABLE.copy()
        other.at[102, "iso_density"] = hidden
        again = published(other, [(102, "iso_density")])
        assert peers.peer_rank(20.0, peers.peer_values(again, "iso_density", rows), 1) \
            == (1, 2)
        assert peers.peer_median(peers.peer_values(again, "iso_density", rows)) == 15.0
    # the territory's own value suppressed: no rank
    assert peers.peer_rank("s", shown, 1) is None
    assert peers.peer_rank(20.0, ["s", 10.0, None, 20.0], 1) == (1, 2)


def test_dimension_standing() -> None:
    rows = peers.peer_index(TABLE, TERRITORIES, "departement", "76")  # 100, 102, 103
    got = peers.dimension_standing(PUBLIC, 103, rows)
    # density: 70 against the median of 40, 20, 70; diversity « s »; governance missing
    assert got["dimension"].tolist() == ["density"]
    assert got.iloc[0]["peer_median"] == statistics.median([40.0, 20.0, 70.0])
    assert got.iloc[0]["gap"] == 70.0 - 40.0
    unhidden = peers.dimension_standing(TABLE, 103, rows)
    gaps = {"density": 70.0 - 40.0, "diversity": 45.0 - statistics.median([30.0, 50.0, 45.0])}
    assert unhidden["dimension"].tolist() == sorted(gaps, key=lambda d: gaps[d])
    assert unhidden["gap"].tolist() == sorted(gaps.values())
    # governance of 102 against its peers' only score: its own
    g = peers.dimension_standing(TABLE, 102, rows)
    assert g.set_index("dimension").at["governance", "peer_median"] == 30.0


def test_notable_changes_by_hand() -> None:
    rows = peers.peer_index(TABLE, TERRITORIES, "departement", "76")  # 100, 102, 103

    def pstdev(col: str) -> float:
        return statistics.pstdev([float(TABLE.at[r, col]) for r in rows])

    got = peers.notable_changes(TABLE, 103, rows)
    expected = {
        # +10 points against the peers' spread
        "iso_density": (20.0 - 10.0) / pstdev("iso_density"),
        # unserved share up: a worsening (direction -1)
        "unserved_share": -(0.25 - 0.20) / pstdev("unserved_share"),
        "category_coverage": (0.9 - 0.1) / pstdev("category_coverage"),
        # the peers do not differ: the change is measured against the earlier value
        "network_cohesion": (0.5 - 0.25) / 0.25,
        # every peer has a coordinator and it had none: measured against 1
        "has_coordinator": (1.0 - 0.0) / 1.0,
    }
    assert dict(zip(got["indicator"], got["z"], strict=True)) == pytest.approx(expected)
    assert got["indicator"].tolist() == sorted(expected, key=lambda n: (-expected[n], n))
    assert got.set_index("indicator").at["iso_density", "before"] == 10.0
    # « s » in either year: left out; small moves: left out
    for col in ("category_coverage", "category_coverage_compare"):
        assert "category_coverage" not in set(peers.notable_changes(
            published(TABLE, [(103, col)]), 103, rows)["indicator"])
    # a peer's « s » is left out of the spread: 30 (code 30) gone, pstdev of 10 and 20
    spread = peers.notable_changes(PUBLIC, 103, rows).set_index("indicator")
    assert spread.at["iso_density", "z"] == pytest.approx(
        (20.0 - 10.0) / statistics.pstdev([10.0, 20.0]))
    big = peers.notable_changes(TABLE, 103, rows, min_z=0.9)
    assert set(big["indicator"]) == {n for n, z in expected.items() if abs(z) >= 0.9}
    # a territory whose value is missing this year has no change
    assert "iso_density" not in set(peers.notable_changes(TABLE, 104, rows)["indicator"])
    assert "iso_density" in set(peers.notable_changes(TABLE, 103, rows)["indicator"])
