"""Rapport page: the report generated from the browser is the one of
``ecosystem report`` for the same inputs, and its files are served from a fixed list."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

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
    # the public gets the manifest without the registry's path, settings, version, audit
    assert served["registry"] == {k: cli["registry"][k] for k in ("sha256", "synthetic")}
    assert not {"settings", "software_version"} & set(served)
    assert "audit" not in served["disclosure"]
    assert served["parameters"] == cli["parameters"]
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
