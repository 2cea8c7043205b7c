"""Every analysis command on a small demo registry; figures equal the Python API's."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from ecosystem import Registry, proximity, results
from ecosystem.cli import main
from ecosystem.indicators import compute_indicators

SCENARIO = Path(__file__).resolve().parents[1] / "docs" / "scenarios" / "activation-2025.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Registry:
    path = tmp_path_factory.mktemp("cli") / "demo.gpkg"
    assert main(["demo", "--out", str(path), "--firms", "1200"]) == 0
    return Registry(path)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", dtype={"siret": str, "code": str,
                                                          "commune": str,
                                                          "departement": str})


def test_unserved_matches_the_api_and_is_cached(demo, tmp_path):
    out = tmp_path / "u.csv"
    assert main(["unserved", "--registry", str(demo.path), "--year", "2025",
                 "--out", str(out)]) == 0
    cli = read(out)
    api = proximity.unserved_firms(demo.firms(), demo.actors(), 2025)
    assert list(cli["siret"]) == list(api["siret"])
    assert cli["nearest_km"].to_numpy() == pytest.approx(api["nearest_km"].round(2), abs=1e-9)
    assert cli["potential"].to_numpy() == pytest.approx(api["potential"].to_numpy())
    cached = results.unserved(demo, 2025)  # from the result cache, outside the registry
    assert list(cached["siret"]) == list(api["siret"])
    assert (cli["nearest_km"] >= 30).all()  # beyond d = 30 km (rounded to 10 m)
    out2 = tmp_path / "u2.xlsx"
    assert main(["unserved", "--registry", str(demo.path), "--year", "2025",
                 "--exporting-only", "--distance-km", "20", "--categories", "cci,cce",
                 "--out", str(out2)]) == 0
    x = pd.read_excel(out2, dtype={"siret": str})
    api2 = results.unserved(demo, 2025, distance_km=20, categories=["cci", "cce"],
                            exporting_only=True, cache=False)
    assert list(x["siret"]) == list(api2["siret"]) and x["exporting"].all()


def test_access_catchments_infrastructure(demo, tmp_path):
    r = str(demo.path)
    assert main(["access", "--registry", r, "--year", "2025", "--out",
                 str(tmp_path / "a.csv")]) == 0
    a = read(tmp_path / "a.csv")
    assert {"siret", "access_2sfca", "access_e2sfca"} <= set(a.columns)
    assert main(["access", "--registry", r, "--year", "2025", "--level", "departement",
                 "--out", str(tmp_path / "ad.csv")]) == 0
    ad = read(tmp_path / "ad.csv").set_index("code")
    by_hand = a.groupby("departement")["access_2sfca"].mean()
    assert ad["access_2sfca"].to_numpy() == pytest.approx(by_hand.loc[ad.index].to_numpy())
    assert main(["catchments", "--registry", r, "--year", "2025", "--out",
                 str(tmp_path / "c.csv")]) == 0
    c = read(tmp_path / "c.csv")
    assert c["n_firms"].sum() == len(demo.firms(2025)) * 5  # one nearest per front category
    assert main(["infrastructure-access", "--registry", r, "--year", "2025", "--out",
                 str(tmp_path / "i.csv")]) == 0
    assert "airport_km" in read(tmp_path / "i.csv").columns


def test_indicators_command(demo, tmp_path):
    out = tmp_path / "ind.csv"
    assert main(["indicators", "--registry", str(demo.path), "--level", "departement",
                 "--year", "2025", "--compare-year", "2024", "--out", str(out)]) == 0
    cli = read(out).set_index("code")
    api = compute_indicators(demo, "departement", 2025, compare_year=2024).set_index("code")
    assert len(cli) == 13
    for col in ("n_firms", "iso_density", "unserved_share", "imi", "n_exporters_change"):
        assert cli[col].to_numpy() == pytest.approx(api.loc[cli.index, col].astype(float)
                                                    .to_numpy(), rel=1e-9, nan_ok=True)


def test_network_and_activation_commands(demo, tmp_path):
    r = str(demo.path)
    assert main(["network", "--registry", r, "--year", "2025", "--out",
                 str(tmp_path / "net")]) == 0
    for name in ("actors.csv", "territories.csv", "gaps.csv", "network.graphml"):
        assert (tmp_path / "net" / name).exists()
    assert main(["recommend-ties", "--registry", r, "--year", "2025", "--top", "3", "--out",
                 str(tmp_path / "t.csv")]) == 0
    assert len(read(tmp_path / "t.csv")) == 3
    assert main(["plan-relays", "--registry", r, "--year", "2025", "--sites", "2", "--out",
                 str(tmp_path / "r.csv")]) == 0
    sites = read(tmp_path / "r.csv")
    firms = read(tmp_path / "r_firms.csv")
    assert len(sites) == 2 and len(firms) == sites["newly_covered_firms"].sum()
    assert main(["groupements", "--registry", r, "--year", "2025", "--out",
                 str(tmp_path / "g.csv")]) == 0
    assert main(["what-if", "--registry", r, "--scenario", str(SCENARIO), "--out",
                 str(tmp_path / "w.csv")]) == 0
    w = read(tmp_path / "w.csv")
    assert {"before", "after", "change"} <= set(w.columns)


def test_clear_errors(demo, tmp_path, capsys):
    r = str(demo.path)
    assert main(["unserved", "--registry", r, "--year", "2019", "--out",
                 str(tmp_path / "x.csv")]) == 2
    assert "years present: 2023, 2024, 2025" in capsys.readouterr().err
    assert main(["unserved", "--registry", r, "--year", "2025", "--categories", "cci,foo",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "unknown categories" in capsys.readouterr().err
    assert main(["info", "--registry", str(tmp_path / "none.gpkg")]) == 2
    capsys.readouterr()
    bad = tmp_path / "bad.yaml"
    bad.write_text("ties: [\n  - {source: a", encoding="utf-8")
    assert main(["what-if", "--registry", r, "--scenario", str(bad), "--out",
                 str(tmp_path / "x.csv")]) == 2
    assert "bad.yaml: not a valid YAML file" in capsys.readouterr().err
    assert main(["map", "--registry", r, "--kind", "choropleth", "--indicator", "nope",
                 "--out", str(tmp_path / "m.html")]) == 2
    assert "unknown indicator 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_map_command_is_registered(demo, tmp_path):
    out = tmp_path / "m.html"
    assert main(["map", "--registry", str(demo.path), "--year", "2025", "--kind", "actors",
                 "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Données synthétiques" in html
    assert "Charge (PME du bassin / capacit" in html  # front-line actors show their load
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)  # offline


def test_public_indicators_hide_small_territories(demo, tmp_path):
    """``--public``: at commune level, every commune of the geography is listed; every
    firm-based value of a commune with 1 or 2 firms (counted here with plain pandas) is
    's' (a count of 0 exporters is published: a cell of no firm reveals none, and so is a
    ratio of such a 0);
    actor-only values and the published values of larger communes are those of the full
    table; the composite is computed from published values (``ecosystem.publish``)."""
    from ecosystem.disclosure import involves_firms

    full, pub = tmp_path / "full.csv", tmp_path / "public.csv"
    args = ["indicators", "--registry", str(demo.path), "--level", "commune", "--year", "2025"]
    assert main([*args, "--out", str(full)]) == 0
    assert main([*args, "--public", "--out", str(pub)]) == 0
    full_t, pub_t = read(full), pd.read_csv(pub, sep=";", dtype=str)
    assert set(pub_t["code"]) == set(demo.territories("commune")["code"].astype(str))
    full_t = full_t.set_index(full_t["code"].astype(str))
    firms = demo.firms(2025)
    n = firms.groupby(firms["commune"].astype(str)).size()
    small = set(n.index[(n >= 1) & (n <= 2)])
    assert small, "the demo has communes of 1-2 firms"
    firm_cols = [c for c in ("n_firms", "iso_density", "exporters_per_1000_firms",
                             "unserved_share") if c in full_t]
    assert all(involves_firms(c) for c in firm_cols)
    for i, code in enumerate(pub_t["code"]):
        for c in firm_cols:
            if code in small:
                # hidden; a ratio whose numerator is 0 (no exporter, no ISO weight, no
                # unserved firm) is 0 of any number of firms and is published as 0
                assert pub_t.at[i, c] == "s" or (
                    c != "n_firms" and float(pub_t.at[i, c].replace(",", ".")) == 0
                    and float(full_t.at[code, c]) == 0), (code, c)
        if code in small:
            assert pub_t.at[i, "n_exporters"] in ("s", "0"), code
        if code not in full_t.index:  # no firm nor actor: zeros
            assert pub_t.at[i, "n_firms"] == "0" and pub_t.at[i, "n_actors"] == "0"
            continue
        if code not in small and pub_t.at[i, "n_firms"] != "s":
            assert float(pub_t.at[i, "n_firms"]) == full_t.at[code, "n_firms"]
        assert float(pub_t.at[i, "n_actors"]) == full_t.at[code, "n_actors"]
