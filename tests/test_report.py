"""The annual territorial report (issue 8): files, disclosure control, PDF, safety.

One small demo registry (1000 firms, seed 1) and one French report for Hérault (34), 2025
against 2024, are built once for the module. Every indicator figure the report prints is
checked against the same cell of ``ecosystem indicators --public`` (the publication gate's
CSV), the peer medians and ranks against a computation written here over the published
values only, the SME tables against counts recomputed from the registry with plain
pandas, and no value the gate prints « s » appears as a number in the report's HTML or
CSV tables.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ecosystem import catalogue
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


@pytest.fixture(scope="module")
def public(demo: Registry, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """``ecosystem indicators --public`` of each level, 2025 against 2024, as text cells
    indexed by territory code."""
    out: dict[str, pd.DataFrame] = {}
    folder = tmp_path_factory.mktemp("public")
    for level in ("departement", "region", "epci"):
        path = folder / f"{level}.csv"
        assert main(["indicators", "-r", str(demo.path), "--level", level, "--year", "2025",
                     "--compare-year", "2024", "--public", "--out", str(path)]) == 0
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
        out[level] = frame.set_index("code")
    return out


def gate_value(cell: str) -> Any:
    """A cell of the public CSV: « s », None (empty) or a number (booleans 0/1)."""
    if cell == "s":
        return "s"
    if cell == "":
        return None
    if cell in ("True", "False"):
        return float(cell == "True")
    return float(cell.replace(",", "."))


def shown(text: str) -> tuple[float, int, bool] | str | None:
    """A report cell: « s », None for « – », or (value, decimals shown, in per cent); a
    CSV cell starting with a minus is written behind a quote (no formula)."""
    text = text.strip().removeprefix("'")
    if text in ("s", "–"):
        return None if text == "–" else "s"
    if text in ("oui", "non", "yes", "no"):
        return (1.0 if text in ("oui", "yes") else 0.0), 0, False
    raw = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    raw = raw.replace("−", "-").replace("pt", "").replace("%", "").replace(",", ".")
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return float(raw), decimals, "%" in text or text.endswith("pt")


def assert_same(cell: str, expected: Any, what: str) -> None:
    """The report's ``cell`` prints the gate's ``expected`` value (or « s », or « – »)."""
    got = shown(cell)
    if expected == "s":
        assert got == "s", f"{what}: the gate prints s, the report {cell!r}"
        return
    assert got != "s", f"{what}: the report prints s, the gate {expected!r}"
    if expected is None:
        assert got is None, f"{what}: no value in the gate, the report prints {cell!r}"
        return
    assert got is not None, f"{what}: the gate has {expected!r}, the report prints –"
    value, decimals, percent = got
    want = float(expected) * (100.0 if percent else 1.0)
    assert value == pytest.approx(want, abs=0.5 * 10 ** -decimals + 1e-9), \
        f"{what}: report {cell!r}, gate {expected!r}"


class _Tables(HTMLParser):
    """The cells of every ``<figure id="table-…">`` of the report's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._name: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure" and (a.get("id") or "").startswith("table-"):
            self._name = str(a["id"])[len("table-"):]
            self.tables[self._name] = []
        elif tag == "tr" and self._name:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._name:
            self.tables[self._name].append(self._row)
            self._row = None
        elif tag == "figure":
            self._name = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def withheld_tables(report_dir: Path) -> set[str]:
    audit = json.loads((report_dir / "audit.json").read_text(encoding="utf-8"))
    return {w["table"] for w in audit["disclosure"]["withheld"]}


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


CROSS_TABLES = ("pme_stade_posture", "pme_iso", "recommandations_relais",
                "recommandations_groupements")
PUBLIC_FILES = {"report.html", "report.pdf", "manifest.json"}


def test_cli_writes_every_file(report_dir: Path) -> None:
    for name in ("report.html", "report.pdf", "manifest.json", "audit.json"):
        assert (report_dir / name).stat().st_size > 0
    names = {p.stem for p in (report_dir / "tables").glob("*.csv")}
    assert {"classement", "pme_stade_posture", "pme_iso", "pme_par_territoire", "pme_marches",
            "reseau_chiffres", "lacunes_gouvernance", "annexe_indicateurs"} <= names


def test_cross_tables_are_protected(report_dir: Path) -> None:
    """The report's own cross tables: no line with a published total holds one « s »."""
    for name in CROSS_TABLES:
        path = report_dir / "tables" / f"{name}.csv"
        if path.exists():
            assert_totals_safe(read_table(path), name)


def _indicator_rows(report_dir: Path) -> list[tuple[str, str, pd.Series]]:
    """(table, indicator name, CSV row) of every indicator row of the four-D tables."""
    by_label = {ind.label_fr: ind.name for ind in catalogue.INDICATORS}
    out = []
    for path in sorted((report_dir / "tables").glob("indicateurs_*.csv")):
        for _, row in read_table(path).iterrows():
            out.append((path.stem, by_label[row.iloc[0]], row))
    return out


def test_indicator_tables_print_the_gates_cells(report_dir: Path,
                                                public: dict[str, pd.DataFrame]) -> None:
    """Every value, comparison value, change and région value of the territory equals the
    cell of ``ecosystem indicators --public``, « s » where the gate prints « s »."""
    dep, reg = public["departement"].loc["34"], public["region"].loc["76"]
    rows = _indicator_rows(report_dir)
    assert len(rows) >= 25
    hidden = 0
    for table, name, row in rows:
        for column, gate in (("2025", dep[name]), ("2024", dep[f"{name}_compare"]),
                             ("Évolution", dep[f"{name}_change"]),
                             ("Région (Occitanie)", reg[name])):
            assert_same(str(row[column]), gate_value(gate), f"{table} {name} {column}")
            hidden += gate == "s"
    assert hidden >= 3  # the demo's Hérault has hidden values: they were checked too


def test_peer_medians_and_ranks_over_published_values_only(
        report_dir: Path, public: dict[str, pd.DataFrame]) -> None:
    """Médiane and rank of each indicator, recomputed here from the public CSV: the
    published values of the département's peers (every département of région 76 in the
    demo), « s » left out; the rank counts the published values only."""
    dep = public["departement"]
    peers = dep.index[dep["level"].eq("departement")]
    for table, name, row in _indicator_rows(report_dir):
        values = [gate_value(dep.at[c, name]) for c in peers]
        numbers = [float(v) for v in values if v not in ("s", None)]
        median = statistics.median(numbers) if numbers else None
        assert_same(str(row["Médiane des départements"]), median, f"{table} {name} median")
        own = gate_value(dep.at["34", name])
        direction = catalogue.get(name).direction
        rank = str(row["Rang"])
        if own == "s":
            assert rank == "s", (name, rank)
        elif own is None or direction == 0 or not numbers:
            assert rank == "–", (name, rank)
        else:
            better = sum(x > own if direction > 0 else x < own for x in numbers)
            assert rank == f"{better + 1}/{len(numbers)}", (name, rank)
            if "s" in values:  # « 1 of N » beside an « s »: N counts the published values
                assert int(rank.split("/")[1]) == len(peers) - values.count("s") \
                    - values.count(None)


def test_ranking_table_prints_the_gates_cells(report_dir: Path,
                                              public: dict[str, pd.DataFrame]) -> None:
    dep = public["departement"]
    pub = read_table(report_dir / "tables" / "classement.csv")
    codes = [re.search(r"\((\w+)\)$", label).group(1) for label in pub.iloc[:, 0]]
    assert sorted(codes) == sorted(dep.index[dep["level"].eq("departement")])
    for code, (_, row) in zip(codes, pub.iterrows(), strict=True):
        for column, name in (("PME actives", "n_firms"), ("Indice", "imi"),
                             ("Rang", "imi_rank"), ("Indice 2024", "imi_compare")):
            assert_same(str(row[column]), gate_value(dep.at[code, name]), f"{code} {column}")
        lo, hi = gate_value(dep.at[code, "imi_rank_p05"]), gate_value(dep.at[code,
                                                                             "imi_rank_p95"])
        assert row["Intervalle de rang (90 %)"] == f"{int(lo)}–{int(hi)}"


def test_nothing_the_gate_hides_is_a_number_in_the_html(
        report_dir: Path, public: dict[str, pd.DataFrame]) -> None:
    """The HTML tables hold the same cells as the CSV files: every cell « s » in one is
    « s » in the other, so nothing hidden by the gate is printed as a number anywhere."""
    tables = html_tables(report_dir / "report.html")
    for path in sorted((report_dir / "tables").glob("*.csv")):
        csv = read_table(path)
        rows = tables.get(path.stem)
        if rows is None:  # an empty table is not printed
            assert not len(csv), path.stem
            continue
        assert rows[0] == list(csv.columns), path.stem
        assert len(rows) - 1 == len(csv), path.stem
        for html_row, (_, csv_row) in zip(rows[1:], csv.iterrows(), strict=True):
            for a, b in zip(html_row, csv_row.astype(str), strict=True):
                assert (a == "s") == (b == "s"), (path.stem, a, b)
    # the key figures and the sentences quote the gate's counts
    dep = public["departement"].loc["34"]
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    n_firms, n_exp = dep["n_firms"], dep["n_exporters"]
    assert "s" not in (n_firms, n_exp)  # Hérault: both published in the demo
    assert f"{n_firms} PME actives en 2025, dont {n_exp} exportatrices" in html
    assert f"Le territoire compte {n_firms} PME actives, dont {n_exp} exportatrices" in html
    proactive = dep["proactive_share"]
    n_pro = round(float(proactive.replace(",", ".")) * int(n_exp)) if proactive != "s" else "s"
    assert f"exportatrices à posture proactive : {n_pro}." in html


def test_relay_sentence_starts_from_the_gates_share(
        report_dir: Path, public: dict[str, pd.DataFrame]) -> None:
    share = gate_value(public["departement"].at["34", "unserved_share"])
    assert share not in ("s", None)
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    m = re.search(r"la part de PME non desservies passerait de ([\d,]+)\u202f% à ([\d,]+)"
                  r"\u202f% \((\d+) PME nouvellement desservies\)", html)
    assert m, "relay sentence"
    assert float(m.group(1).replace(",", ".")) == pytest.approx(100 * share, abs=0.05)
    relays = read_table(report_dir / "tables" / "recommandations_relais.csv")
    total = relays.loc[relays.iloc[:, 0].eq("Total"), "PME nouvellement desservies"].iloc[0]
    assert total == m.group(3)  # the sentence quotes the table's published total
    n_firms = int(public["departement"].at["34", "n_firms"])
    after = 100 * (share * n_firms - int(total)) / n_firms
    assert float(m.group(2).replace(",", ".")) == pytest.approx(after, abs=0.05)


def test_stage_posture_table_against_the_registry(demo: Registry, report_dir: Path,
                                                  public: dict[str, pd.DataFrame]) -> None:
    f = firms_34(demo)
    stage = f["stage"].astype(str).map(lambda c: STAGES[c][0])
    posture = f["posture"].astype(str).map(lambda c: POSTURES[c][0])
    raw = pd.crosstab(stage, posture)
    raw["Total"] = raw.sum(axis=1)
    raw.loc["Total"] = raw.sum(axis=0)
    pub = read_table(report_dir / "tables" / "pme_stade_posture.csv").set_index("Stade")
    if not len(pub):  # withheld: the staff audit says so
        assert "pme_stade_posture" in withheld_tables(report_dir)
        return
    if list(pub.columns) == ["PME actives"]:  # the stages alone: the postures would expose
        raw = raw[["Total"]].rename(columns={"Total": "PME actives"})
    assert set(pub.index) == set(raw.index)
    assert_cells(pub, raw.reindex(columns=pub.columns, fill_value=0), "pme_stade_posture")
    # its total is the gate's count of active firms
    assert pub.iloc[-1, -1] == str(len(f)) == public["departement"].at["34", "n_firms"]


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
    if not len(pub):  # withheld: the staff audit says so
        assert "pme_iso" in withheld_tables(report_dir)
        return
    assert set(pub.index) == set(raw.index)
    assert_cells(pub, raw, "pme_iso")


def test_epci_table_is_the_gates(demo: Registry, report_dir: Path,
                                 public: dict[str, pd.DataFrame]) -> None:
    """SMEs by EPCI: every cell is the gate's cell of the EPCI (the public CSV of the EPCI
    level), the total row the département's; every EPCI with a commune in the
    département and an active firm is listed."""
    epci, dep = public["epci"], public["departement"].loc["34"]
    pub = read_table(report_dir / "tables" / "pme_par_territoire.csv")
    columns = {"PME actives": "n_firms", "Exportatrices": "n_exporters",
               "Born global": "born_global_count", "En groupement à l'export":
               "groupement_members"}
    terr = demo.territories()
    communes = terr[terr["level"].eq("commune") & terr["departement"].astype(str).eq("34")]
    mine = set(communes["epci"].astype(str))
    listed = set()
    for _, row in pub.iterrows():
        label = str(row.iloc[0])
        if label == "Total":
            gate = dep
        else:
            code = re.search(r"\((\d+)\)( \*)?$", label).group(1)
            assert code in mine, label
            listed.add(code)
            gate = epci.loc[code]
        for column, name in columns.items():
            cell = str(row[column])
            assert cell == gate[name], (label, column, cell, gate[name])
    assert {c for c in mine if epci.at[c, "n_firms"] != "0"} <= listed


def test_markets_table_against_the_registry(demo: Registry, report_dir: Path) -> None:
    f = firms_34(demo)
    count: dict[str, int] = {}
    for m in f["markets"].fillna("").astype(str):
        for c in {p.strip().upper() for p in m.split("|") if p.strip()}:
            count[c] = count.get(c, 0) + 1
    pub = read_table(report_dir / "tables" / "pme_marches.csv")
    top = sorted(count.values(), reverse=True)[:15]
    assert len(pub) == sum(n >= 3 for n in top)  # a country of 1-2 firms is not listed
    for label, cell in zip(pub.iloc[:, 0], pub.iloc[:, 1], strict=True):
        code = re.search(r"\(([A-Z]{2})\)$", label).group(1)
        assert int(cell) == count[code] >= 3, (label, cell)


def test_manifest_is_public_and_the_audit_is_apart(report_dir: Path, demo: Registry) -> None:
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"report", "generated", "registry", "parameters", "files",
                             "disclosure"}
    assert manifest["registry"] == {"sha256": file_sha256(demo.path), "synthetic": True}
    assert manifest["parameters"] == {"year": 2025, "territory": "34", "level": "departement",
                                      "compare_year": 2024, "lang": "fr"}
    assert manifest["disclosure"] == {"rules": {"min_firms": 3, "dominance_share": 0.85}}
    # hashes of exactly the public files
    tables = {f"tables/{p.name}" for p in (report_dir / "tables").glob("*.csv")}
    assert set(manifest["files"]) == (PUBLIC_FILES - {"manifest.json"}) | tables
    for rel, digest in manifest["files"].items():
        assert file_sha256(report_dir / rel) == digest
    text = (report_dir / "manifest.json").read_text(encoding="utf-8")
    for secret in (str(demo.path), str(demo.path.parent), "audit", "settings", "version"):
        assert secret not in text, secret
    # the staff file: everything, the audit of the report's own tables included
    audit = json.loads((report_dir / "audit.json").read_text(encoding="utf-8"))
    assert audit["registry"]["path"] == str(Path(demo.path).resolve())
    assert audit["settings"]["sdc_min_firms"] == 3
    assert audit["files"] == manifest["files"]
    cells = audit["disclosure"]["audit"]
    assert cells and {a["rule"] for a in cells} <= {"frequency", "dominance", "secondary"}
    assert all({"table", "row", "column", "rule", "n_firms"} <= set(a) for a in cells)
    assert isinstance(audit["disclosure"]["withheld"], list)
    # the audit stays out of every public file
    for path in [report_dir / "report.html", *(report_dir / "tables").glob("*.csv")]:
        body = path.read_text(encoding="utf-8-sig")
        assert "frequency" not in body and "audit.json" not in body, path.name


@pytest.fixture(scope="module")
def lozere(demo: Registry) -> dict[str, Any]:
    """The report of Lozère (48): the gate hides its unserved firms, its proactive
    exporters and its sum of ISO weights."""
    from report.content import report_content

    return report_content(demo, 2025, "48", "departement", 2024, "fr")


def test_what_the_gate_hides_is_not_given_away(lozere: dict[str, Any],
                                              public: dict[str, pd.DataFrame]) -> None:
    dep = public["departement"].loc["48"]
    assert dep["unserved_share"] == dep["proactive_share"] == "s"
    assert dep["n_firms"] != "s" and dep["n_exporters"] != "s"
    tables = {t.name: t for t in lozere["tables"]}
    # stage by posture: its proactive column would add up to the hidden proactive count
    assert "Proactive" not in tables["pme_stade_posture"].columns
    # ISO table: its counts bound the sum of ISO weights
    if dep["iso_density"] == "s":
        assert tables["pme_iso"].rows == []
    # relays: the plan's shares would pin down the hidden unserved count
    assert "recommandations_relais" not in tables or tables["recommandations_relais"].rows == []
    sentences = lozere["recommendations"]["sentences"] + lozere["smes"]["sentences"]
    assert not any("non desservies passerait" in s for s in sentences)
    assert any("exportatrices à posture proactive : s." in s for s in sentences)
    # no unserved-area gap: its presence and severity would bound the hidden count
    gaps = tables["lacunes_gouvernance"]
    assert not any(r[0] == "Zone non desservie" for r in gaps.rows)
    # the SMEs by EPCI: the département's row is the gate's
    total = tables["pme_par_territoire"].rows[-1]
    assert total[0] == "Total" and total[1] == dep["n_firms"] and total[5] == "s"
    # the staff audit says what was withheld, and why
    withheld = {w["table"] for w in lozere["withheld"]}
    assert {"pme_stade_posture", "recommandations_relais"} <= withheld


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
