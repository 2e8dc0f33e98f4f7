"""No live formula in any workbook, no formula a spreadsheet would run in any CSV
(unless --raw-csv), no raw HTML in any Markdown (issue 14, item 2)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pdcode.cli import app
from pdcode.export.tables import FORMULA_STARTS, csv_cell, to_csv, to_markdown

runner = CliRunner()

LINK = '=HYPERLINK("http://x.example","open")'
TRANSCRIPTS = {
    "a.txt": (
        "Interviewer: How do you run PD?\n\n"
        "Head: +SUM(1,2) we run workshops every term.\n\n"
        "Interviewer: And then?\n\n"
        f"Head: -2+3 workshops, @cmd again. {LINK} workshops. "
        "<script>alert(1)</script> workshops & more.\n"
    ),
    "b.txt": (
        "Interviewer: What changed?\n\n"
        "Lead: =1+1 workshops.\n\n"
        "Interviewer: Why?\n\n"
        "Lead: @SUM(A1) workshops now.\n"
    ),
    "c.vtt": (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>What do you run?</v>\n\n"
        f"2\n00:00:04.500 --> 00:00:09.000\n<v {LINK}>{LINK} workshops every term.</v>\n\n"
        f"3\n00:00:09.000 --> 00:00:12.000\n<v {LINK}>\tTAB workshops again.</v>\n"
    ),
}
MANIFEST = (
    "file,strand,case,role\n"
    'a.txt,"=HYPERLINK(""http://x.example"")",+case1,-role\n'
    'b.txt,@strand,=case2,"=HYPERLINK(""r"")"\n'
    "c.vtt,-strand,@case3,+role\n"
)
SPEAKERS = "Head = respondent as +Head\nLead = respondent as @Lead\n"
BOOK = """name: hostile
version: "1"
codes:
  - id: w
    name: '=HYPERLINK("http://x.example","code")'
    definition: '+defined <b>bold</b> & more'
    rules: {regex: ['workshops']}
  - id: n
    name: '@never'
    rules: {regex: ['never matches zz']}
"""
HUMAN = "source,quote,code\na.txt,we run workshops every term.,w\nb.txt,=1+1 workshops.,w\n"
CODER = "rules:hostile@1"


def _ok(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Text, speakers, strands, cases, roles and code names that begin like formulas."""
    folder = tmp_path_factory.mktemp("hostile")
    for name, text in TRANSCRIPTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "m.csv").write_text(MANIFEST, encoding="utf-8")
    (folder / "map.txt").write_text(SPEAKERS, encoding="utf-8")
    (folder / "book.yaml").write_text(BOOK, encoding="utf-8")
    (folder / "ana.csv").write_text(HUMAN, encoding="utf-8")
    location = str(folder / "p.db")
    _ok("init", "-p", location)
    _ok("import", "--manifest", str(folder / "m.csv"), "--speaker-map", str(folder / "map.txt"),
        "-p", location)  # fmt: skip
    _ok("code", "--codebook", str(folder / "book.yaml"), "-p", location)
    _ok("codings", "import", str(folder / "ana.csv"), "--coder", "ana",
        "--codebook", str(folder / "book.yaml"), "-p", location)  # fmt: skip
    return location


XLSX_VERBS = {
    "codings": ["export", "codings", "--format", "xlsx"],
    "excerpts": ["export", "excerpts", "--format", "xlsx"],
    "frequencies": ["frequencies", "--by", "strand"],
    "frequencies-role": ["frequencies", "--by", "role"],
    "matrix": ["matrix", "--rows", "role"],
    "matrix-case": ["matrix", "--rows", "case"],
    "disagreements": ["disagreements", "--coders", f"ana,{CODER}"],
    "compare": ["compare", "--across", "role"],
    "agreement": ["agreement", "--coders", f"ana,{CODER}", "--bootstrap", "50"],
    "evaluate": ["evaluate", "--gold", "ana", "--pred", CODER, "--misses"],
}


@pytest.mark.parametrize("verb", XLSX_VERBS)
def test_no_workbook_holds_a_formula(hostile: str, tmp_path: Path, verb: str) -> None:
    from openpyxl import load_workbook

    out = tmp_path / f"{verb}.xlsx"
    _ok(*XLSX_VERBS[verb], "-o", str(out), "-p", hostile)
    book = load_workbook(out)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    looks = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert looks  # the hostile values are there, as text
    assert not any(isinstance(c.value, str) and c.value.startswith("'") for c in cells)


def test_workbook_text_is_kept_exactly(hostile: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "codings.xlsx"
    _ok("export", "codings", "--format", "xlsx", "-o", str(out), "-p", hostile)
    sheet = load_workbook(out)["codings"]
    header = [c.value for c in sheet[1]]
    rows = [
        dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)
    ]
    assert {r["text"] for r in rows} >= {"=1+1 workshops.", f"{LINK} workshops."}
    assert {r["speaker"] for r in rows} >= {"+Head", "@Lead", LINK}
    assert {r["strand"] for r in rows} == {'=HYPERLINK("http://x.example")', "@strand", "-strand"}
    assert {r["role"] for r in rows} == {"-role", '=HYPERLINK("r")', "+role"}


CSV_VERBS = {
    "segments": ["export", "segments"],
    "codings": ["export", "codings"],
    "excerpts": ["export", "excerpts", "--format", "csv"],
    "sources": ["sources", "--format", "csv"],
    "frequencies": ["frequencies", "--by", "strand", "--format", "csv"],
    "matrix": ["matrix", "--rows", "role"],
    "disagreements": ["disagreements", "--coders", f"ana,{CODER}"],
    "compare": ["compare", "--across", "role", "--format", "csv"],
    "cooccur": ["cooccur", "--format", "csv"],
    "agreement": ["agreement", "--coders", f"ana,{CODER}", "--bootstrap", "50", "--format", "csv"],
    "evaluate": ["evaluate", "--gold", "ana", "--pred", CODER, "--misses", "--format", "csv"],
}
# Verbs whose CSV carries a hostile value at all (cooccur has codes ids only).
CARRIES = set(CSV_VERBS) - {"cooccur"}


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("verb", CSV_VERBS)
def test_csv_cells_are_neutralised_unless_raw(hostile: str, verb: str) -> None:
    safe = _cells(_ok(*CSV_VERBS[verb], "-p", hostile).stdout)
    assert [c for c in safe if c.startswith(FORMULA_STARTS) and not _number(c)] == []
    raw = _cells(_ok(*CSV_VERBS[verb], "--raw-csv", "-p", hostile).stdout)
    assert len(raw) == len(safe)
    for kept, shown in zip(raw, safe, strict=True):
        assert shown in (kept, "'" + kept)  # only an apostrophe is ever added
    if verb in CARRIES:
        assert any(c.startswith("'=") for c in safe)
        assert any(c.startswith("=") for c in raw)


def test_the_csv_written_to_a_file_is_neutralised_too(hostile: str, tmp_path: Path) -> None:
    out = tmp_path / "codings.csv"
    _ok("export", "codings", "-o", str(out), "-p", hostile)
    cells = _cells(out.read_text(encoding="utf-8"))
    assert "'=1+1 workshops." in cells and "'+SUM(1,2) we run workshops every term." in cells
    folder = tmp_path / "split"
    _ok("export", "excerpts", "--format", "csv", "--split-by", "strand",
        "--output-dir", str(folder), "--raw-csv", "-p", hostile)  # fmt: skip
    raw = [c for f in sorted(folder.iterdir()) for c in _cells(f.read_text(encoding="utf-8"))]
    assert "=1+1 workshops." in raw


def test_numbers_are_never_neutralised() -> None:
    rows = [{"a": -0.25, "b": "-0.25", "c": -3, "d": "-x", "e": "+44 1234", "f": "1e-5", "g": ""}]
    assert to_csv(rows, list("abcdefg")).splitlines()[1] == "-0.25,-0.25,-3,'-x,'+44 1234,1e-5,"
    assert csv_cell("\rCR") == "'\rCR" and csv_cell("@x", raw=True) == "@x"
    assert csv_cell(None) == "" and csv_cell(True) == "true"


def test_markdown_has_no_raw_html(hostile: str, tmp_path: Path) -> None:
    excerpts = _ok("export", "excerpts", "--format", "md", "-p", hostile).stdout
    assert "<script>" not in excerpts and "<b>" not in excerpts
    assert "&lt;script&gt;alert(1)&lt;/script&gt; workshops &amp; more." in excerpts
    assert "+defined &lt;b&gt;bold&lt;/b&gt; &amp; more" in excerpts
    table = _ok("export", "codings", "--format", "json", "-p", hostile).stdout  # unchanged data
    assert "<script>alert(1)</script>" in table
    segments = _ok("frequencies", "--by", "role", "--format", "md", "-p", hostile).stdout
    assert "<" not in segments.replace("<br>", "")


def test_markdown_table_cells_escape_html_but_keep_p_values() -> None:
    text = to_markdown([{"a": "<img src=x onerror=alert(1)>", "p": "< 0.001"}], ["a", "p"])
    assert text.splitlines()[2] == "| &lt;img src=x onerror=alert(1)&gt; | < 0.001 |"


def test_codebook_csv_and_markdown_exports_are_safe_and_round_trip(tmp_path: Path) -> None:
    import yaml

    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    shown = _ok("codebook", "export", str(book), "--format", "csv").stdout
    cells = _cells(shown)
    assert '\'=HYPERLINK("http://x.example","code")' in cells and "'@never" in cells
    raw = _cells(_ok("codebook", "export", str(book), "--format", "csv", "--raw-csv").stdout)
    assert '=HYPERLINK("http://x.example","code")' in raw
    exported = tmp_path / "book.csv"
    exported.write_text(shown, encoding="utf-8")
    back = tmp_path / "back.yaml"
    _ok("codebook", "import", str(exported), "-o", str(back))
    names = [c["name"] for c in yaml.safe_load(back.read_text(encoding="utf-8"))["codes"]]
    assert names == ['=HYPERLINK("http://x.example","code")', "@never"]
    markdown = _ok("codebook", "export", str(book), "--format", "md").stdout
    assert "<b>" not in markdown and "+defined &lt;b&gt;bold&lt;/b&gt; &amp; more" in markdown
