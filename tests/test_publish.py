"""The publication gate (ecosystem.publish), checked from outside.

- τ-Argus's suppression is attacked with an independent linear program (scipy's
  HiGHS) over every published cell of both hierarchies: no confidential count may
  be narrowed to an interval that excludes 0 or stops below ``sdc_min_firms``;
- the public indicator table is checked against firm counts made here with pandas;
- an undeclared firm-based indicator is never published (default deny).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from ecosystem import catalogue
from ecosystem.disclosure import SECRET
from ecosystem.publish import (
    DEPENDS,
    ZERO_NUMERATOR,
    indicator_masks,
    protect_counts,
    public_indicators,
)
from ecosystem.registry import Registry
from ecosystem.settings import get_settings, override

HIER = [["commune", "departement", "region"], ["commune", "epci"]]


def _random_micro(seed: int) -> pd.DataFrame:
    """Firms in 3 départements of one région, 12 communes each; EPCIs of 3 communes,
    one of them straddling two départements."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(3):
        for c in range(12):
            commune = f"{d}{c:03d}"
            epci = f"E{(d * 12 + c + (1 if d == 0 and c == 11 else 0)) // 3}"
            n = int(rng.choice([0, 1, 2, 3, 4, 6, 12], p=[.15, .2, .15, .15, .1, .15, .1]))
            rows += [{"commune": commune, "departement": f"D{d}", "region": "R",
                      "epci": epci}] * n
    return pd.DataFrame(rows)


def attack(micro: pd.DataFrame, cells: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Interval of every suppressed cell consistent with every published cell.

    Unknowns: the count of each commune (>= 0). Every published cell of every level is
    an equality on the sum of its communes (the commune → level map is public).
    """
    communes = sorted(micro["commune"].unique())
    col = {c: i for i, c in enumerate(communes)}
    geo = micro.drop_duplicates("commune").set_index("commune")
    members: dict[tuple[str, str], list[int]] = {}
    for level in ("commune", "departement", "region", "epci"):
        for code, group in geo.groupby(geo.index if level == "commune" else geo[level]):
            members[(level, str(code))] = [col[c] for c in group.index]
    members[("total", "Total")] = list(range(len(communes)))
    rows, b = [], []
    for cell in cells.itertuples():
        if cell.status == "safe":
            rows.append(members[(cell.level, str(cell.code))])
            b.append(cell.value)
    a = sp.lil_matrix((len(rows), len(communes)))
    for i, m in enumerate(rows):
        a[i, m] = 1.0
    out = {}
    for cell in cells.itertuples():
        if cell.status == "safe":
            continue
        c = np.zeros(len(communes))
        c[members[(cell.level, str(cell.code))]] = 1.0
        lo = linprog(c, A_eq=a.tocsr(), b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a.tocsr(), b_eq=b, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        out[f"{cell.level}:{cell.code}"] = (lo.fun, -hi.fun)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tau_argus_suppression_resists_an_attacker(seed: int) -> None:
    micro = _random_micro(seed)
    cells = protect_counts(micro, HIER)
    truth = {}
    for level in ("commune", "departement", "region", "epci"):
        truth.update({f"{level}:{k}": v for k, v in micro.groupby(level).size().items()})
    # every non-empty cell of every level is there, with its true count
    listed = {f"{r.level}:{r.code}": r.value for r in cells.itertuples() if r.level != "total"}
    assert listed == {k: float(v) for k, v in truth.items()}
    # the primary cells are exactly the cells of 1 or 2 firms (frequency rule)
    primary = {f"{r.level}:{r.code}" for r in cells.itertuples() if r.status == "primary"}
    assert primary == {k for k, v in truth.items() if 1 <= v < get_settings().sdc_min_firms}
    assert primary, "the random registry should have confidential cells"
    intervals = attack(micro, cells)
    for key, (lo, hi) in intervals.items():
        assert hi - lo > 1e-6, f"{key} pinned to {lo}"
        if key in primary:
            assert lo < 1e-6 and hi >= get_settings().sdc_min_firms - 1e-6, (key, lo, hi,
                                                                               truth[key])


def test_linked_hierarchies_hide_a_commune_in_both() -> None:
    micro = _random_micro(4)
    cells = protect_counts(micro, HIER)
    assert cells.duplicated(["level", "code"]).sum() == 0
    # without the département hierarchy, the EPCI totals alone would pin some commune:
    # with both, the attacker who uses both hierarchies gets nothing (see above) and every
    # commune has one status
    assert set(cells["status"]) <= {"safe", "primary", "secondary"}


def test_bad_microdata_is_refused_with_the_row() -> None:
    micro = _random_micro(1)
    micro.loc[5, "epci"] = None
    with pytest.raises(ValueError, match="row 5: no epci code"):
        protect_counts(micro, HIER)
    with pytest.raises(ValueError, match="does not start with"):
        protect_counts(micro, [["commune"], ["epci", "region"]])


# -- the public indicator table --------------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Registry, Path]:
    from ecosystem.demo import build_demo

    folder = tmp_path_factory.mktemp("publish")
    reg = build_demo(folder / "small.gpkg", seed=5, n_firms=900)
    return reg, folder / "cache"


def _active(reg: Registry, year: int) -> pd.DataFrame:
    firms = reg.firms(year)
    return firms.loc[pd.to_numeric(firms["year"]).eq(year)]


def test_public_table_lists_every_territory_and_hides_small_counts(small) -> None:
    reg, cache = small
    year = reg.years()[-1]
    with override(cache_dir=cache):
        pub = public_indicators(reg, "epci", year)
    terr = reg.territories("epci")
    assert sorted(pub["code"].astype(str)) == sorted(terr["code"].astype(str).unique())
    firms = _active(reg, year)
    n = firms.groupby(firms["epci"].astype(str)).size()
    stage = firms["stage"].astype(str)
    exporting = ~stage.isin(["local", "", "nan", "None"])
    n_exp = firms[exporting.to_numpy()].groupby(firms["epci"].astype(str)).size()
    shown = pub.set_index(pub["code"].astype(str))
    for code, row in shown.iterrows():
        count = int(n.get(code, 0))
        if 1 <= count <= 2:
            assert row["n_firms"] == SECRET, code
            # a rate beside a hidden count is hidden, unless its numerator is 0 (then 0)
            assert row["exporters_per_1000_firms"] == SECRET or (
                int(n_exp.get(code, 0)) == 0
                and float(row["exporters_per_1000_firms"]) == 0), code
        elif row["n_firms"] != SECRET:
            assert int(row["n_firms"]) == count, code
        e = int(n_exp.get(code, 0))
        if 1 <= e <= 2:
            for col in ("n_exporters", "exporters_per_1000_firms", "actors_per_100_exporters"):
                assert row[col] == SECRET, (code, col)
            # a share of hidden exporters: hidden, or 0 (no proactive exporter: 0 of any
            # number of exporters, which it does not tell)
            assert row["proactive_share"] == SECRET or float(row["proactive_share"]) == 0
        elif row["n_exporters"] != SECRET:
            assert int(row["n_exporters"]) == e


def test_rates_are_never_published_beside_a_hidden_count(small) -> None:
    reg, cache = small
    year = reg.years()[-1]
    with override(cache_dir=cache):
        pub = public_indicators(reg, "commune", year, year - 1)
    for name, deps in DEPENDS.items():
        for dep in deps:
            base = {"n_firms": "n_firms", "n_exporters": "n_exporters",
                    "n_born_global": "born_global_count",
                    "n_groupement": "groupement_members"}.get(dep)
            if base is None or base == name:
                continue
            hidden = pub[base].eq(SECRET)
            hidden_before = pub[f"{base}_compare"].eq(SECRET)
            # a ratio whose numerator is a published 0 is 0 whatever its denominator
            num = ZERO_NUMERATOR.get(name)
            zero = zero_before = pd.Series(False, index=pub.index)
            if num is not None and num != dep:
                col = {"n_exporters": "n_exporters", "n_born_global": "born_global_count",
                       "n_groupement": "groupement_members"}.get(num)
                if col is not None:  # the numerator is printed: 0 there, else s
                    zero = pub[col].astype(str).eq("0")
                    zero_before = pub[f"{col}_compare"].astype(str).eq("0")
                else:  # not printed (unserved firms, ISO weights): s or exactly 0
                    zero = pub[name].ne(SECRET)
                    zero_before = pub[f"{name}_compare"].ne(SECRET)
                for shown, c in ((hidden & zero, name),
                                 (hidden_before & zero_before, f"{name}_compare")):
                    assert (pd.to_numeric(pub.loc[shown, c]) == 0).all(), (c, base)
            assert pub.loc[hidden & ~zero, name].eq(SECRET).all(), (name, base)
            assert pub.loc[hidden_before & ~zero_before, f"{name}_compare"].eq(SECRET).all()
            assert pub.loc[(hidden & ~zero) | (hidden_before & ~zero_before),
                           f"{name}_change"].eq(SECRET).all()


def test_scores_come_from_published_values_only(small) -> None:
    from ecosystem.composite import imi

    reg, cache = small
    year = reg.years()[-1]
    with override(cache_dir=cache):
        pub = public_indicators(reg, "epci", year)
    # the composite of the published values, computed here, over the territories that
    # hold a firm or an actor (published counts tell which)
    values = pub.replace(SECRET, np.nan)
    present = (values["n_actors"].astype(float) > 0) | values["n_firms"].isna() \
        | (values["n_firms"].astype(float) > 0)
    table = values.loc[present].drop(columns=[c for c in pub if c.startswith("imi")])
    for c in table.columns:
        if c in catalogue.names():
            table[c] = table[c].astype(bool) if catalogue.get(c).dtype == "bool" \
                else pd.to_numeric(table[c], errors="coerce")
    expected = imi(table)
    np.testing.assert_allclose(pub.loc[present, "imi"].astype(float), expected["imi"],
                               rtol=1e-9)
    assert pub.loc[~present, "imi"].isna().all()


def test_an_undeclared_firm_indicator_is_never_published(monkeypatch) -> None:
    new = catalogue.Indicator("n_new_firm_thing", "Nouveau", "New", "context", "A count.",
                              "firms", 0, "test", dtype="int")
    monkeypatch.setattr(catalogue, "INDICATORS", (*catalogue.INDICATORS, new))
    counts = pd.DataFrame({"table": ["n_firms"], "level": ["epci"], "code": ["E1"],
                           "value": [10.0], "n_firms": [10], "status": ["safe"]})
    masks = indicator_masks(["E1", "E2"], "epci", counts, None)
    assert masks["n_new_firm_thing"].all()
    assert not masks["n_firms"].any()
    assert not masks["n_actors"].any()


def test_public_csv_has_one_decimal_separator(small, tmp_path) -> None:
    from ecosystem.publish import export_public_indicators

    reg, cache = small
    year = reg.years()[-1]
    with override(cache_dir=cache):
        out = export_public_indicators(reg, "departement", year, tmp_path / "dep.csv",
                                       compare_year=year - 1)
    text = out.read_text(encoding="utf-8-sig")
    cells = [c for line in text.splitlines()[1:] for c in line.split(";")]
    dotted = [c for c in cells if c.replace(".", "", 1).replace("-", "", 1).isdigit()
              and "." in c]
    assert not dotted, dotted[:5]
