"""The Occitanie demo registry: real parts, synthetic parts, reproducibility."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pyogrio
import pytest

from ecosystem import Registry
from ecosystem.cli import main

OCCITANIE_DEPS = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Registry:
    path = tmp_path_factory.mktemp("demo") / "demo.gpkg"
    assert main(["demo", "--out", str(path), "--firms", "1500"]) == 0
    return Registry(path)


def test_real_geography(demo):
    deps = demo.territories("departement")
    assert set(deps["code"]) == OCCITANIE_DEPS
    communes = demo.territories("commune")
    assert 4400 <= len(communes) <= 4500
    assert set(demo.territories("region")["code"]) == {"76"}


def test_real_institutions_and_infrastructure(demo):
    actors = demo.actors()
    assert len(actors) > 250
    assert not actors["synthetic"].any()
    assert set(actors["region"]) == {"76"}
    # every territorial CCI is there
    cci_2025 = demo.actors(2025)
    assert set(cci_2025.loc[cci_2025["category"].eq("cci"), "departement"]) == OCCITANIE_DEPS
    infra = demo.infrastructure().set_index("id")
    for airport in ("airport:TLS", "airport:MPL", "airport:PGF", "airport:RDZ"):
        assert infra.loc[airport, "kind"] == "airport"
    assert {"port:FRSET", "port:FRNOU", "port:FRPOV"} <= set(infra.index)
    assert (infra["kind"].eq("road_node")).sum() > 100
    assert (infra["kind"].eq("rail_node")).sum() > 20
    assert set(infra["region"]) == {"76"}


def test_synthetic_firms_and_ties(demo):
    assert demo.years() == [2023, 2024, 2025]
    firms = demo.firms(2025)
    assert firms["synthetic"].all()
    assert 1300 <= len(firms) <= 1700
    share = firms["stage"].ne("local").mean()
    assert 0.2 < share < 0.45
    assert set(firms["departement"]) <= OCCITANIE_DEPS
    ties = demo.relations()
    assert ties["synthetic"].all()
    assert set(ties["kind"]) >= {"partnership", "accompaniment", "membership"}
    assert demo.is_synthetic()


def test_info_command(demo, capsys):
    assert main(["info", "--registry", str(demo.path)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "2025" in out and "48" in out


def test_demo_is_reproducible_whatever_the_hash_seed(tmp_path):
    """Two builds in fresh interpreters with different hash seeds give the same registry."""
    paths = []
    for seed in ("1", "2"):
        path = tmp_path / f"d{seed}.gpkg"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "ecosystem.cli", "demo", "--out", str(path),
                        "--firms", "800"], check=True, env=env, capture_output=True)
        paths.append(path)
    for layer in ("actors", "firms", "relations", "infrastructure"):
        a, b = (pyogrio.read_dataframe(p, layer=layer) for p in paths)
        pd.testing.assert_frame_equal(a, b)
