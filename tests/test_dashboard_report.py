"""Rapport page: the report generated from the browser is the one of
``ecosystem report`` for the same inputs, and its files are served from a fixed list;
the report queue (limits, order, deletion of old builds) and the public manifest."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from dashboard.pages.report import QueueFullError, ReportQueue, split_manifest
from ecosystem.cli import main
from tests.conftest import WAIT_S


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=max(120, WAIT_S)) as r:
            return r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read(), ""


def test_generate_and_download(page, dash_registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    page.open("/rapport")
    page.wait("#report-territory", text="(09)")
    page.select("report-territory", "Hérault (34)")
    page.select("report-compare-year", "2024")
    page.driver.find_element(By.ID, "report-generate").click()
    page.wait("#report-ready", timeout=4 * WAIT_S)  # a whole report, PDF included
    assert "Hérault" in page.text("#report-ready")
    links = {a.get_attribute("id"): a.get_attribute("href")
             for a in page.driver.find_elements(By.CSS_SELECTOR, "#report-ready a")}
    assert set(links) == {"report-link-pdf", "report-link-html", "report-link-tables",
                          "report-link-manifest"}
    status, pdf, ctype = _get(links["report-link-pdf"])
    assert status == 200 and pdf.startswith(b"%PDF") and ctype == "application/pdf"
    status, manifest, _ = _get(links["report-link-manifest"])
    served = json.loads(manifest)

    # the CLI on the same inputs gives the same report (same tables, same parameters)
    out = tmp_path / "cli"
    assert main(["report", "--registry", str(dash_registry.path), "--year", "2025",
                 "--compare-year", "2024", "--territory", "34", "--level", "departement",
                 "--out", str(out)]) == 0
    cli = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # the public gets the manifest's parameters and hashes: without the registry's path,
    # the settings, the version and the audit (a staff file, refused to the public)
    assert served["registry"] == {k: cli["registry"][k] for k in ("sha256", "synthetic")}
    assert not {"settings", "software_version"} & set(served)
    assert served["disclosure"] == {"rules": cli["disclosure"]["rules"]}
    assert served["parameters"] == cli["parameters"]
    assert served["files"] == cli["files"]  # the same files, byte for byte
    key = links["report-link-manifest"].rsplit("/", 2)[-2]
    assert _get(f"{page.server.url}/rapport/audit/{key}")[0] == 403
    status, html_bytes, _ = _get(links["report-link-html"])
    assert html_bytes == (out / "report.html").read_bytes()
    page.no_xss()

    # only the four file names of a built report are served (anything else is a 404, or
    # the dashboard's own page for a path outside the route)
    base = links["report-link-pdf"].rsplit("/", 1)[0]
    for bad in ("report.tex", "tables"):
        assert _get(f"{base}/{bad}")[0] == 404, bad
    for bad in ("../manifest.json", "..%2Fmanifest.json"):
        status, body, ctype = _get(f"{base}/{bad}")
        assert b'"registry"' not in body and not ctype.startswith("application/json"), bad
    assert _get(page.server.url + "/rapport/fichier/0000/report.pdf")[0] == 404


def test_queue_limits_and_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The report queue: one worker, staff first, visitors limited per address and in
    all, a report asked twice built once, a failed build reported."""
    release, started = threading.Event(), threading.Event()
    order: list[str] = []

    def build(name: str, block: bool = False) -> Any:
        def run(out: Path) -> None:
            started.set()
            if block:
                assert release.wait(WAIT_S)
            order.append(name)
            assert out.is_dir()
        return run

    q = ReportQueue(lambda: tmp_path, public_pending=3, per_address=1, keep=10)
    q.submit("first", build("first", block=True), staff=False, owner="a")
    assert started.wait(WAIT_S)
    q.submit("v1", build("v1"), staff=False, owner="b")
    with pytest.raises(QueueFullError) as err:
        q.submit("v2", build("v2"), staff=False, owner="b")  # b already waits
    assert err.value.reason == "one_each"
    q.submit("v3", build("v3"), staff=False, owner="c")
    with pytest.raises(QueueFullError) as err:
        q.submit("v4", build("v4"), staff=False, owner="d")  # three visitors' reports
    assert err.value.reason == "full"
    assert q.submit("v1", build("again"), staff=False, owner="e").key == "v1"  # the same
    q.submit("s1", build("s1"), staff=True, owner="f")  # staff: no limit, first in line
    assert q.ahead("s1") == 1 and q.ahead("v1") == 2 and q.ahead("v3") == 3
    release.set()
    for key in ("first", "v1", "v3", "s1"):
        assert q.wait(key, WAIT_S).state == "done"  # type: ignore[union-attr]
    assert order == ["first", "s1", "v1", "v3"]
    # a build that fails: the job says why, and the report may be asked again
    q.submit("bad", lambda out: (_ for _ in ()).throw(ValueError("no such territory")),
             staff=False, owner="a")
    job = q.wait("bad", WAIT_S)
    assert job is not None and job.state == "failed" and job.error == "no such territory"
    assert q.submit("bad", build("bad"), staff=False, owner="a").state in ("queued",
                                                                          "running", "done")
    assert q.wait("bad", WAIT_S).state == "done"  # type: ignore[union-attr]


def test_queue_deletes_old_builds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Only the most recent builds are kept, none older than the age limit: their
    folders are deleted and their jobs forgotten (their links answer 404)."""
    now = [1000.0]
    q = ReportQueue(lambda: tmp_path, keep=3, max_age_s=3600, clock=lambda: now[0],
                    public_pending=100, per_address=100)

    def build(out: Path) -> None:
        (out / "report.pdf").write_bytes(b"%PDF")

    for i in range(5):
        now[0] += 10
        q.submit(f"r{i}", build, staff=False, owner="a")
        assert q.wait(f"r{i}", WAIT_S).state == "done"  # type: ignore[union-attr]
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == ["r2", "r3", "r4"]  # the three most recent
    assert q.get("r0") is None and q.get("r4") is not None
    now[0] += 3600 - 9  # built at t = 1030, 1040, 1050: the first two over an hour ago
    q.purge()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r4"]
    now[0] += 3600
    q.purge()
    assert list(tmp_path.iterdir()) == [] and q.get("r4") is None


def test_split_manifest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The report's manifest becomes the staff file; the public one keeps parameters
    and hashes."""
    full = {"report": "r", "generated": "2026-01-01T00:00:00+00:00",
            "software_version": "9.9", "registry": {"path": "/srv/x.gpkg", "sha256": "ab",
                                                    "synthetic": True},
            "parameters": {"year": 2025}, "settings": {"cache_dir": "/home/u/.cache"},
            "files": {"report.pdf": "cd"},
            "disclosure": {"rules": {"min_firms": 3}, "suppressed_cells": 1,
                           "audit": [{"table": "t", "n_firms": 1}]}}
    (tmp_path / "manifest.json").write_text(json.dumps(full), encoding="utf-8")
    split_manifest(tmp_path)
    assert json.loads((tmp_path / "audit.json").read_text(encoding="utf-8")) == full
    public = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert json.loads(public) == {
        "report": "r", "generated": "2026-01-01T00:00:00+00:00",
        "registry": {"sha256": "ab", "synthetic": True}, "parameters": {"year": 2025},
        "files": {"report.pdf": "cd"}, "disclosure": {"rules": {"min_firms": 3}}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.json", "manifest.json"]
    # a report that writes its audit apart already: the audit kept, the manifest filtered
    (tmp_path / "manifest.json").write_text(json.dumps({**full, "disclosure": {
        "rules": {"min_firms": 3}}}), encoding="utf-8")
    split_manifest(tmp_path)
    assert json.loads((tmp_path / "audit.json").read_text(encoding="utf-8")) == full
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == public


def test_same_years_refused(page) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    page.open("/rapport")
    page.select("report-compare-year", "2025")
    page.driver.find_element(By.ID, "report-generate").click()
    err = page.wait("#report-error")
    assert "différer" in err.text


@pytest.mark.parametrize("lang,title", [("en", "Annual report")])
def test_english_labels(page, lang, title) -> None:  # type: ignore[no-untyped-def]
    page.open("/rapport", lang=lang)
    assert title in page.text("#page-report")
