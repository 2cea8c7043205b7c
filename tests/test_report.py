"""The annual territorial report (issue 8): files, disclosure control, PDF, safety.

One small demo registry (1000 firms, seed 1) and one French report for Hérault (34), 2025
against 2024, are built once for the module. Published tables are checked against counts
recomputed here from the registry with plain pandas, and against the disclosure rules
(cells of 1 or 2 firms are « s »; no line with a published total holds exactly one « s »).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from ecosystem.cli import main
from ecosystem.demo import build_demo
from ecosystem.network import actor_graph, actor_metrics
from ecosystem.registry import Registry, file_sha256
from ecosystem.settings import POSTURES, STAGES

HOSTILE = "<script>alert(1)</script>"
SECTIONS_FR = ["Synthèse", "Les quatre D du milieu internationalisant", "Cartes",
               "Le réseau d'appui", "Les PME", "Recommandations", "Annexe méthodologique"]
SECTIONS_EN = ["Summary", "The four D of the internationalising milieu", "Maps",
               "The support network", "SMEs", "Recommendations", "Method annex"]
EXPORTING = [s for s in STAGES if s != "local"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    path = tmp_path_factory.mktemp("report") / "demo.gpkg"
    reg = build_demo(path, seed=1, n_firms=1000)
    # the most central actor of Hérault gets a hostile name: it is shown in the report
    actors = reg.read("actors")
    metrics = actor_metrics(actor_graph(actors, reg.relations(), 2025))
    ids = actors.loc[actors["departement"].astype(str).eq("34"), "id"].astype(str)
    top = metrics.loc[metrics.index.isin(ids)].sort_values(
        ["betweenness", "degree"], ascending=False).index[0]
    actors.loc[actors["id"].astype(str).eq(top), "name"] = HOSTILE
    reg.write_layers({"actors": actors})
    return reg


@pytest.fixture(scope="module")
def report_dir(demo: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "r34"
    code = main(["report", "--registry", str(demo.path), "--year", "2025", "--compare-year",
                 "2024", "--territory", "34", "--level", "departement", "--out", str(out)])
    assert code == 0
    return out


def read_table(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: no UTF-8 byte-order mark"
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def firms_34(reg: Registry) -> pd.DataFrame:
    f = pd.DataFrame(reg.read("firms"))
    f = f.loc[(f["year"].astype(int) == 2025) & (f["departement"].astype(str) == "34")]
    return f.drop_duplicates("firm_id")


def assert_cells(published: pd.DataFrame, expected: pd.DataFrame, name: str) -> None:
    """Every published cell equals the recomputed count, or is « s »; every count of 1 or 2
    firms is « s »."""
    for row in expected.index:
        for col in expected.columns:
            raw = int(expected.loc[row, col])
            cell = published.loc[row, col]
            if 1 <= raw <= 2:
                assert cell == "s", f"{name}: {row} × {col} = {raw} firms is published"
            if cell != "s":
                assert int(cell) == raw, f"{name}: {row} × {col} is {cell}, recomputed {raw}"


def assert_totals_safe(frame: pd.DataFrame, name: str) -> None:
    """No row or column that has a published total holds exactly one « s »."""
    cols = [c for c in frame.columns[1:]]
    has_total_col = "Total" in cols
    has_total_row = frame.iloc[:, 0].eq("Total").any()
    if has_total_col:
        for _, r in frame.iterrows():
            n = sum(r[c] == "s" for c in cols)
            assert n != 1, f"{name}: row {r.iloc[0]!r} has a single « s » beside its total"
    if has_total_row:
        for c in cols:
            n = int(frame[c].eq("s").sum())
            assert n != 1, f"{name}: column {c!r} has a single « s » above its total"


def test_cli_writes_every_file(report_dir: Path) -> None:
    for name in ("report.html", "report.pdf", "manifest.json"):
        assert (report_dir / name).stat().st_size > 0
    names = {p.stem for p in (report_dir / "tables").glob("*.csv")}
    assert {"classement", "pme_stade_posture", "pme_iso", "pme_par_territoire", "pme_marches",
            "reseau_chiffres", "lacunes_gouvernance", "annexe_indicateurs"} <= names


def test_every_published_table_is_protected(report_dir: Path) -> None:
    tables = sorted((report_dir / "tables").glob("*.csv"))
    assert tables
    for path in tables:
        frame = read_table(path)
        assert_totals_safe(frame, path.stem)


def test_stage_posture_table_against_the_registry(demo: Registry, report_dir: Path) -> None:
    f = firms_34(demo)
    stage = f["stage"].astype(str).map(lambda c: STAGES[c][0])
    posture = f["posture"].astype(str).map(lambda c: POSTURES[c][0])
    raw = pd.crosstab(stage, posture)
    raw["Total"] = raw.sum(axis=1)
    raw.loc["Total"] = raw.sum(axis=0)
    pub = read_table(report_dir / "tables" / "pme_stade_posture.csv").set_index("Stade")
    assert set(pub.index) == set(raw.index)
    assert_cells(pub, raw.reindex(columns=pub.columns, fill_value=0), "pme_stade_posture")
    assert pub.loc["Total", "Total"] == str(len(f))


def test_iso_table_against_the_registry(demo: Registry, report_dir: Path) -> None:
    f = firms_34(demo)
    counts: dict[str, list[int]] = {}
    for iso, stage in zip(f["iso"].fillna("").astype(str), f["stage"].astype(str),
                          strict=True):
        for std in {p.strip() for p in iso.split("|") if p.strip()}:
            counts.setdefault(f"ISO {std}", [0, 0])[0 if stage in EXPORTING else 1] += 1
    raw = pd.DataFrame(counts, index=["Exportatrices", "Non exportatrices"]).T
    raw["Total"] = raw.sum(axis=1)
    pub = read_table(report_dir / "tables" / "pme_iso.csv").set_index("Norme")
    assert set(pub.index) == set(raw.index)
    assert_cells(pub, raw, "pme_iso")


def test_epci_table_against_the_registry(demo: Registry, report_dir: Path) -> None:
    f = firms_34(demo)
    grp = f["groupement"].fillna("").astype(str).str.strip().ne("")
    raw = pd.DataFrame({
        "PME actives": f.groupby("epci").size(),
        "Exportatrices": f.assign(e=f["stage"].isin(EXPORTING)).groupby("epci")["e"].sum(),
        "En groupement à l'export": f.assign(g=grp).groupby("epci")["g"].sum(),
    }).fillna(0).astype(int)
    raw.loc["Total"] = raw.sum(axis=0)
    pub = read_table(report_dir / "tables" / "pme_par_territoire.csv")
    codes = pub.iloc[:, 0].str.extract(r"\((\d+)\)$")[0].fillna(pub.iloc[:, 0])
    pub = pub.set_index(codes)
    assert set(pub.index) == set(raw.index)
    assert_cells(pub, raw, "pme_par_territoire")


def test_markets_table_against_the_registry(demo: Registry, report_dir: Path) -> None:
    f = firms_34(demo)
    count: dict[str, int] = {}
    for m in f["markets"].fillna("").astype(str):
        for c in {p.strip().upper() for p in m.split("|") if p.strip()}:
            count[c] = count.get(c, 0) + 1
    pub = read_table(report_dir / "tables" / "pme_marches.csv")
    assert len(pub) == min(15, len(count))
    for label, cell in zip(pub.iloc[:, 0], pub.iloc[:, 1], strict=True):
        code = re.search(r"\(([A-Z]{2})\)$", label).group(1)
        raw = count[code]
        assert cell == "s" if raw <= 2 else int(cell) == raw, (label, cell, raw)


def test_indicator_tables_hide_small_territories(report_dir: Path, demo: Registry) -> None:
    """Peers with 1 or 2 firms never show a firm count in the ranking table."""
    f = pd.DataFrame(demo.read("firms"))
    f = f.loc[f["year"].astype(int) == 2025].drop_duplicates("firm_id")
    n = f.groupby(f["departement"].astype(str)).size()
    pub = read_table(report_dir / "tables" / "classement.csv")
    for label, cell in zip(pub.iloc[:, 0], pub["PME actives"], strict=True):
        code = re.search(r"\((\w+)\)$", label).group(1)
        raw = int(n.get(code, 0))
        if 1 <= raw <= 2:
            assert cell == "s"
        else:
            assert int(cell.replace("\u202f", "")) == raw


def test_manifest(report_dir: Path, demo: Registry) -> None:
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["registry"]["sha256"] == file_sha256(demo.path)
    assert manifest["parameters"] == {"year": 2025, "territory": "34", "level": "departement",
                                      "compare_year": 2024, "lang": "fr"}
    assert manifest["settings"]["sdc_min_firms"] == 3
    audit = manifest["disclosure"]["audit"]
    assert audit and {a["rule"] for a in audit} <= {"frequency", "dominance", "secondary"}
    assert all({"table", "row", "column", "rule", "n_firms"} <= set(a) for a in audit)
    for rel, digest in manifest["files"].items():
        assert file_sha256(report_dir / rel) == digest
    # the audit stays out of the public tables
    for path in (report_dir / "tables").glob("*.csv"):
        assert "frequency" not in path.read_text(encoding="utf-8-sig")


def test_pdf_sections_and_pages(report_dir: Path, require_tool) -> None:  # noqa: ANN001
    pdftotext = require_tool("pdftotext")
    pdftoppm = require_tool("pdftoppm")
    text = subprocess.run([pdftotext, str(report_dir / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    for title in SECTIONS_FR:
        assert title in text, f"section {title!r} missing from the PDF"
    assert "Données synthétiques" in text
    assert "Hérault" in text
    prefix = report_dir / "page"
    subprocess.run([pdftoppm, "-r", "30", "-png", str(report_dir / "report.pdf"), str(prefix)],
                   check=True)
    pages = sorted(report_dir.glob("page-*.png"))
    assert len(pages) > 5
    assert pages[0].read_bytes().startswith(b"\x89PNG")


def test_html_is_safe_and_self_contained(report_dir: Path, demo: Registry) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", html)
    # never a firm name nor a SIRET
    f = firms_34(demo)
    assert "PME synthétique" not in html
    for siret in f["siret"].astype(str).head(200):
        assert siret not in html


def test_same_inputs_same_report(report_dir: Path, demo: Registry, tmp_path: Path) -> None:
    from report import build_report

    again = build_report(demo.path, 2025, "34", "departement", 2024, "fr", out=tmp_path / "b")
    assert again["html"].read_bytes() == (report_dir / "report.html").read_bytes()
    first = sorted((report_dir / "tables").glob("*.csv"))
    assert [p.name for p in first] == sorted(p.name for p in again["tables"].glob("*.csv"))
    for p in first:
        assert p.read_bytes() == (again["tables"] / p.name).read_bytes(), p.name


def test_english_report(demo: Registry, tmp_path: Path, require_tool) -> None:  # noqa: ANN001
    out = tmp_path / "en"
    assert main(["report", "-r", str(demo.path), "--year", "2025", "--territory", "34",
                 "--lang", "en", "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    for title in SECTIONS_EN:
        assert f"{title}</h2>" in html or f"{title}</a>" in html, title
    assert "Synthetic data" in html


def test_bad_inputs_exit_2(demo: Registry, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    base = ["report", "-r", str(demo.path), "--year", "2025", "--out", str(tmp_path / "x")]
    assert main([*base, "--territory", "99"]) == 2
    err = capsys.readouterr().err
    assert "99" in err and "territory" in err
    assert main([*base, "--territory", "34", "--compare-year", "2019"]) == 2
    assert "2019" in capsys.readouterr().err
    assert not (tmp_path / "x" / "report.html").exists()


# -- front-line categories without any actor -------------------------------------------

MISSING_TAIL = {"fr": "mesure faite avec les autres catégories",
                "en": "measured with the other categories"}


def test_demo_report_names_no_missing_category(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert MISSING_TAIL["fr"] not in html


@pytest.fixture(scope="module")
def no_cce_bpifrance(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """A demo registry without any CCE nor Bpifrance actor, nor the ties that name them."""
    path = tmp_path_factory.mktemp("missing") / "demo.gpkg"
    reg = build_demo(path, seed=5, n_firms=800)
    actors = reg.read("actors")
    gone = actors["category"].astype(str).isin(["cce", "bpifrance"])
    assert gone.any()
    ids = set(actors.loc[gone, "id"].astype(str))
    relations = reg.read("relations")
    named = relations["source"].astype(str).isin(ids) | relations["target"].astype(str).isin(ids)
    assert named.any()
    reg.write_layers({"actors": actors.loc[~gone], "relations": relations.loc[~named]})
    return reg


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_report_says_which_front_line_categories_have_no_actor(
        no_cce_bpifrance: Registry, lang: str) -> None:
    from ecosystem.settings import FRONT_LINE_CATEGORIES
    from ecosystem.unserved import missing_categories_note
    from report.content import report_content

    actors = pd.DataFrame(no_cce_bpifrance.read("actors"))
    until = pd.to_numeric(actors["until"])
    live = actors.loc[(pd.to_numeric(actors["since"]) <= 2025)
                      & (until.isna() | (until >= 2025))]
    missing = [c for c in FRONT_LINE_CATEGORIES if c not in set(live["category"].astype(str))]
    assert missing == ["cce", "bpifrance"]
    sentence = missing_categories_note(missing, 2025, lang)
    assert sentence.endswith(MISSING_TAIL[lang])
    content = report_content(no_cce_bpifrance, 2025, "34", "departement", lang=lang)
    # beside the definition of an unserved SME, in the report's language
    note = content["smes"]["by_sub"].note
    assert sentence[:1].upper() + sentence[1:] + "." in note
    assert "cce, bpifrance" in note
    assert MISSING_TAIL["en" if lang == "fr" else "fr"] not in note
    # said once in the whole report
    texts = [t.note for t in content["tables"]] + [
        s for part in ("summary", "network", "smes", "recommendations")
        for s in content[part]["sentences"]]
    assert sum(MISSING_TAIL[lang] in t for t in texts) == 1
