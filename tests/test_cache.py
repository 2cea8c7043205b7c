"""Result cache outside the registry; reading commands that write nothing, even as a user who
cannot write beside the registry."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from geopandas.testing import assert_geodataframe_equal

from ecosystem import Registry, cache, results, settings
from ecosystem.cli import main

from .conftest import make_siret

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "docs" / "scenarios" / "activation-2025.yaml"
YEAR = 2025


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir())


def geography_files() -> list[Path]:
    """The reference geography already cached (linked into test caches, so that moving the
    cache folder does not rebuild it)."""
    return sorted(Path(settings.get_settings().cache_dir).glob("geography-*"))


@pytest.fixture
def result_dir(tmp_path) -> Path:
    """A fresh cache folder for this test; returns its ``results`` folder."""
    folder = tmp_path / "cache"
    folder.mkdir()
    for f in geography_files():
        (folder / f.name).symlink_to(f)
    settings.update_settings(cache_dir=folder)
    return folder / "results"


@pytest.fixture
def small(dash_registry, tmp_path) -> Registry:
    """A copy of the small demo registry (1,000 firms) alone in its folder."""
    folder = tmp_path / "share"
    folder.mkdir()
    shutil.copy2(dash_registry.path, folder / "demo.gpkg")
    return Registry(folder / "demo.gpkg")


def reading_commands(registry: Path, out: Path) -> list[list[str]]:
    """Every command that reads the registry, with outputs under ``out``."""
    r = ["--registry", str(registry)]
    y = ["--year", str(YEAR)]
    return [
        ["info", *r],
        ["export", *r, "--layer", "firms", "--out", str(out / "firms.csv")],
        ["unserved", *r, *y, "--out", str(out / "unserved.csv")],
        ["access", *r, *y, "--out", str(out / "access.csv")],
        ["catchments", *r, *y, "--out", str(out / "catchments.gpkg")],
        ["infrastructure-access", *r, *y, "--out", str(out / "infra.csv")],
        ["indicators", *r, *y, "--level", "departement", "--out", str(out / "ind.csv")],
        ["network", *r, *y, "--out", str(out / "network")],
        ["recommend-ties", *r, *y, "--out", str(out / "ties.csv")],
        ["plan-relays", *r, *y, "--sites", "2", "--out", str(out / "relays.csv")],
        ["groupements", *r, *y, "--out", str(out / "groups.csv")],
        ["what-if", *r, "--scenario", str(SCENARIO), "--out", str(out / "whatif.csv")],
        ["map", *r, *y, "--out", str(out / "map.html")],
        ["report", *r, *y, "--territory", "34", "--out", str(out / "report")],
    ]


# -- the cache itself ----------------------------------------------------------------------------


def test_tables_round_trip(result_dir):
    frame = pd.DataFrame({
        "siret": pd.array(["01234567890123", None], dtype="str"),
        "naf": pd.Series(["25.62A", None], dtype=object, index=[10, 20]),
        "n": np.array([1, 2], dtype=np.int64),
        "share": [0.5, np.nan],
        "count": pd.array([3, None], dtype="Int64"),
        "flag": [True, False],
    }, index=pd.Index([10, 20], name="row"))
    frame.attrs["missing_categories"] = ["cce"]
    assert cache.store("t-1", frame)
    back = cache.load("t-1")
    pd.testing.assert_frame_equal(back, frame)
    assert back.attrs == frame.attrs
    assert back["naf"].tolist() == ["25.62A", None]
    points = gpd.GeoDataFrame({"actor_id": ["a", "b"]},
                              geometry=gpd.points_from_xy([700000.5, 701000.0],
                                                          [6280000.0, 6281000.25]),
                              crs="EPSG:2154")
    assert cache.store("g-1", points)
    back = cache.load("g-1")
    assert isinstance(back, gpd.GeoDataFrame)
    assert_geodataframe_equal(back, points)
    assert sorted(p.name for p in result_dir.iterdir()) == ["g-1.parquet", "t-1.parquet"]
    assert cache.load("absent") is None


def test_key_says_what_a_result_is_made_of(result_dir):
    k = cache.cache_key("v1", "unserved", {"year": 2025, "distance_km": None})
    assert k == cache.cache_key("v1", "unserved", {"distance_km": None, "year": 2025})
    others = {
        cache.cache_key("v2", "unserved", {"year": 2025, "distance_km": None}),
        cache.cache_key("v1", "access", {"year": 2025, "distance_km": None}),
        cache.cache_key("v1", "unserved", {"year": 2024, "distance_km": None}),
        cache.cache_key("v1", "unserved", {"year": 2025, "distance_km": 20}),
    }
    with settings.override(unserved_distance_km=20):
        others.add(cache.cache_key("v1", "unserved", {"year": 2025, "distance_km": None}))
    assert k not in others and len(others) == 5
    with settings.override(verbose=True):  # how work is shown is not what it computes
        assert cache.cache_key("v1", "unserved", {"year": 2025, "distance_km": None}) == k


def test_results_equal_the_computation_and_are_read_back(small, result_dir):
    fresh = {
        "unserved": results.unserved(small, YEAR, cache=False),
        "access": results.access(small, YEAR, cache=False),
        "catchments": results.catchments(small, YEAR, cache=False),
        "infrastructure_access": results.infrastructure_access(small, YEAR, cache=False),
    }
    assert not result_dir.exists()  # cache=False neither reads nor writes it
    for _ in range(2):  # computed and stored, then read from the cache
        got = {
            "unserved": results.unserved(small, YEAR),
            "access": results.access(small, YEAR),
            "catchments": results.catchments(small, YEAR),
            "infrastructure_access": results.infrastructure_access(small, YEAR),
        }
        for kind, table in got.items():
            if kind == "catchments":
                assert_geodataframe_equal(table, fresh[kind])
            else:
                pd.testing.assert_frame_equal(table, fresh[kind])
        assert sorted(p.name.split("-")[0] for p in result_dir.iterdir()) == sorted(fresh)
    # non-default parameters are cached too, under their own key
    twenty = results.unserved(small, YEAR, distance_km=20, categories=["cci", "cce"])
    assert len(list(result_dir.glob("unserved-*.parquet"))) == 2
    pd.testing.assert_frame_equal(twenty, results.unserved(
        small, YEAR, distance_km=20, categories=["cci", "cce"], cache=False))
    exporters = results.unserved(small, YEAR, exporting_only=True)
    assert exporters["exporting"].all() and list(exporters["rank"]) == list(
        range(1, len(exporters) + 1))
    assert len(exporters) == int(fresh["unserved"]["exporting"].sum())


def test_corrupt_cache_file_is_ignored(small, result_dir):
    expected = results.unserved(small, YEAR, cache=False)
    results.unserved(small, YEAR)
    (path,) = result_dir.glob("unserved-*.parquet")
    good = path.read_bytes()
    for damage in (good[: len(good) // 2], b"PAR1 not a parquet file", b""):
        path.write_bytes(damage)
        pd.testing.assert_frame_equal(results.unserved(small, YEAR), expected)
        assert path.read_bytes() != damage  # computed again and stored again
        pd.testing.assert_frame_equal(cache.load(path.stem), expected)


def test_cache_that_cannot_be_written_is_skipped(small, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.update_settings(cache_dir=blocker / "cache")  # cannot be created
    expected = results.unserved(small, YEAR, cache=False)
    pd.testing.assert_frame_equal(results.unserved(small, YEAR), expected)  # no warning either
    assert cache.store("x", expected) is False
    assert cache.load("x") is None and cache.purge() == 0


def test_purge_keeps_the_most_recently_used(result_dir):
    frame = pd.DataFrame({"x": np.arange(20000, dtype=np.int64)})
    for i, key in enumerate(("old", "mid", "new")):
        assert cache.store(key, frame)
        os.utime(result_dir / f"{key}.parquet", (1e9 + i, 1e9 + i))
    size = (result_dir / "old.parquet").stat().st_size
    cache.load("old")  # used now: kept longest
    assert cache.purge(max_mb=2.5 * size / 1e6) == 1
    assert sorted(p.stem for p in result_dir.glob("*.parquet")) == ["new", "old"]
    stray = result_dir / ".new.abc.tmp"
    stray.write_bytes(b"left by a killed process")
    os.utime(stray, (1e9, 1e9))
    assert cache.clear() == 3 and not list(result_dir.iterdir())


# -- an import changes the version, and the results follow ---------------------------------------

TOWNS = {  # town-hall-ish points (lat, lon) of inland towns of Occitanie
    "toulouse": (43.6045, 1.4440), "rodez": (44.3506, 2.5750), "albi": (43.9289, 2.1464),
    "cahors": (44.4475, 1.4419), "auch": (43.6465, 0.5855), "montauban": (44.0176, 1.3550),
    "castres": (43.6060, 2.2400), "millau": (44.0986, 3.0783), "figeac": (44.6086, 2.0317),
    "foix": (42.9653, 1.6069),
}
FRONT = ("cci", "team_france_export", "cce", "bpifrance", "club_export")


def to_lambert(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    x, y = pyproj.Transformer.from_crs(4326, 2154, always_xy=True).transform(lon, lat)
    return np.column_stack([x, y])


def write_firms(path: Path, towns: list[str], per_town: int, start: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for t, town in enumerate(towns):
        lat, lon = TOWNS[town]
        for k in range(per_town):
            i = start + t * per_town + k
            stage = "direct_export" if k % 3 == 0 else "local"
            rows.append(f"{make_siret(f'{70000000 + i:08d}', '0001')},PME {i},"
                        f"{lat + rng.uniform(-0.02, 0.02):.6f},"
                        f"{lon + rng.uniform(-0.02, 0.02):.6f},{stage},{YEAR}")
    path.write_text("siret,name,lat,lon,stage,year\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")


def brute_force(firms_csv: list[Path], actors_csv: list[Path]) -> tuple[int, dict[str, int]]:
    """Firms with no front-line actor within 30 km, and each actor's catchment (firms for
    which it is the nearest of its category), by plain numpy over the input files."""
    firms = pd.concat([pd.read_csv(p, dtype={"siret": str}) for p in firms_csv])
    actors = pd.concat([pd.read_csv(p) for p in actors_csv]).reset_index(drop=True)
    fxy = to_lambert(firms["lat"].to_numpy(), firms["lon"].to_numpy())
    axy = to_lambert(actors["lat"].to_numpy(), actors["lon"].to_numpy())
    km = np.sqrt(((fxy[:, None, :] - axy[None, :, :]) ** 2).sum(axis=2)) / 1000
    beyond = int((km.min(axis=1) > 30).sum())
    catchment = dict.fromkeys(actors["id"], 0)
    for cat in FRONT:
        cols = np.flatnonzero(actors["category"].to_numpy() == cat)
        nearest = cols[km[:, cols].argmin(axis=1)]
        for j, n in zip(*np.unique(nearest, return_counts=True), strict=True):
            catchment[actors["id"].iat[j]] = int(n)
    return beyond, catchment


def test_import_after_a_cached_result_is_seen(tmp_path, result_dir):
    actors1 = tmp_path / "acteurs.csv"
    actors1.write_text("id,name,category,lat,lon,since\n" + "".join(
        f"{c}-tls,{c} Toulouse,{c},{TOWNS['toulouse'][0]},{TOWNS['toulouse'][1]},2010\n"
        for c in FRONT) + f"cci-12,CCI Aveyron,cci,{TOWNS['rodez'][0]},{TOWNS['rodez'][1]},2010\n",
        encoding="utf-8")
    firms1 = tmp_path / "pme.csv"
    write_firms(firms1, ["toulouse", "rodez", "albi", "castres", "montauban", "foix"], 15, 0, 1)
    reg = Registry(tmp_path / "r.gpkg")
    reg.import_files(actors=actors1, firms=firms1)
    v1 = reg.version()
    r = ["--registry", str(reg.path), "--year", str(YEAR)]
    assert main(["unserved", *r, "--out", str(tmp_path / "u1.csv")]) == 0
    beyond1, _ = brute_force([firms1], [actors1])
    assert len(pd.read_csv(tmp_path / "u1.csv", sep=";")) == beyond1 > 0
    assert len(list(result_dir.glob("unserved-*.parquet"))) == 1

    actors2 = tmp_path / "acteurs2.csv"  # a new club in Albi serves Albi and Castres
    actors2.write_text("id,name,category,lat,lon,since\n"
                       f"club-81,Club export Tarn,club_export,{TOWNS['albi'][0]},"
                       f"{TOWNS['albi'][1]},2020\n", encoding="utf-8")
    firms2 = tmp_path / "pme2.csv"  # new unserved firms around Auch and Cahors
    write_firms(firms2, ["auch", "cahors"], 12, 1000, 2)
    reg.import_files(actors=actors2, firms=firms2)
    assert reg.version() != v1
    assert main(["unserved", *r, "--out", str(tmp_path / "u2.csv")]) == 0
    beyond2, catchment = brute_force([firms1, firms2], [actors1, actors2])
    assert beyond2 != beyond1
    assert len(pd.read_csv(tmp_path / "u2.csv", sep=";")) == beyond2
    assert main(["catchments", *r, "--out", str(tmp_path / "c.csv")]) == 0
    got = pd.read_csv(tmp_path / "c.csv", sep=";").set_index("actor_id")["n_firms"]
    assert got.to_dict() == catchment
    assert got["club-81"] > 0
    assert len(list(result_dir.glob("unserved-*.parquet"))) == 2


# -- reading commands write nothing ---------------------------------------------------------------


def test_reading_commands_leave_the_registry_and_its_folder_unchanged(small, tmp_path,
                                                                       result_dir, capsys):
    folder = small.path.parent
    before, files = sha(small.path), listing(folder)
    out = tmp_path / "out"
    out.mkdir()
    for argv in reading_commands(small.path, out):
        assert main(argv) == 0, (argv, capsys.readouterr().err)
        assert sha(small.path) == before, argv
        assert listing(folder) == files == [("demo.gpkg", small.path.stat().st_size)], argv
    kinds = {p.name.split("-")[0] for p in result_dir.glob("*.parquet")}
    assert {"unserved", "access", "catchments", "infrastructure_access"} <= kinds


DRIVER = """
import json, sys
from ecosystem.cli import main
failed = [argv[0] for argv in json.loads(sys.argv[1]) if main(argv) != 0]
print("FAILED", failed)
sys.exit(1 if failed else 0)
"""


@pytest.fixture
def share():
    """A world-readable scratch folder (pytest's own is private to root)."""
    base = Path(tempfile.mkdtemp(prefix="ecosystem-share-"))
    base.chmod(0o755)
    yield base
    for p in [base, *base.rglob("*")]:  # give root's write bits back, then delete
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)
    shutil.rmtree(base)


def test_reading_commands_work_for_a_user_who_cannot_write(dash_registry, share):
    """As another user (root ignores permissions), with the registry, its folder and the
    home not writable; the result cache writable, then not."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("nobody")
        except KeyError:
            pytest.fail("no user 'nobody' to run the commands as")
        if shutil.which("setpriv"):
            prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        elif shutil.which("runuser"):
            prefix = ["runuser", "-u", "nobody", "--"]
        else:
            if os.environ.get("CI"):
                pytest.fail("setpriv or runuser is required in CI to test as another user")
            pytest.skip("running as root without setpriv or runuser: cannot test as a user "
                        "whom permissions apply to")
        owner = "nobody"
        probe = subprocess.run([*prefix, sys.executable, "-c", "import ecosystem.cli"],
                               cwd="/", capture_output=True, text=True, timeout=120)
        if probe.returncode != 0:  # e.g. a checkout under a private home folder
            reason = ("user nobody cannot run this checkout's Python (make the checkout and "
                      f"its virtualenv world-readable): {probe.stderr[-500:]}")
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
    else:  # permissions apply to this user already
        owner = None

    registry_dir, home = share / "registry", share / "home"
    registry_dir.mkdir()
    home.mkdir()
    registry = registry_dir / "demo.gpkg"
    shutil.copyfile(dash_registry.path, registry)
    registry.chmod(0o444)
    registry_dir.chmod(0o555)
    home.chmod(0o555)
    before, files = sha(registry), listing(registry_dir)
    caches = {"writable": share / "cache-rw", "read-only": share / "cache-ro"}
    for name, folder in caches.items():
        folder.mkdir()
        out = share / f"out-{name}"
        out.mkdir()
        if owner:
            shutil.chown(folder, owner)
            shutil.chown(out, owner)
        if name == "read-only":
            folder.chmod(0o555)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
        env.update(HOME=str(home), ECOSYSTEM_CACHE_DIR=str(folder),
                   PYTHONDONTWRITEBYTECODE="1")
        commands = reading_commands(registry, out)
        proc = subprocess.run([*prefix, sys.executable, "-c", DRIVER, json.dumps(commands)],
                              env=env, cwd=share, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (name, proc.stdout[-3000:], proc.stderr[-5000:])
        assert "PermissionError" not in proc.stderr and "Traceback" not in proc.stderr
        assert sha(registry) == before and listing(registry_dir) == files
        assert (out / "report" / "report.pdf").stat().st_size > 0
        cached = list((folder / "results").glob("*.parquet"))
        if name == "writable":
            assert {p.name.split("-")[0] for p in cached} >= {
                "unserved", "access", "catchments", "infrastructure_access"}
        else:
            assert cached == []
