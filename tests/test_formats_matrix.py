"""Every verb in every format its --help lists, on the coded sample project.

Each case is its own test: the verb writes its format to a file, every output is
opened with a real parser and must hold known content; a text format gives the
same bytes on stdout as in the file, and a binary format without a file is a
usage error naming the option that gives one. Unknown filter values are usage
errors listing the valid ones, and exports say who spoke.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner, Result

from pdcode.cli import app
from tests.conftest import REPO, SAMPLE

runner = CliRunner()
BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"
QUESTION = "Could you tell me a little about the alliance and what you do?"
TEXT = ("csv", "json", "md", "html", "svg", "qdc")


def _run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def _ok(*args: str | Path) -> Result:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample, imported, coded by the rules and by hand by two coders: ana (the
    dev gold coding) and ben (two thirds of it, some codes changed, and one
    interviewer question)."""
    folder = tmp_path_factory.mktemp("matrix")
    location = str(folder / "p.db")
    _ok("init", "-p", location)
    _ok("import", SAMPLE, "--manifest", SAMPLE / "manifest.csv", "-p", location)
    _ok("code", "--codebook", BOOK, "-p", location)
    gold = REPO / "benchmarks" / "dev" / "gold.csv"
    with gold.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ben = [
        {**row, "code": "trust" if i % 5 == 0 else row["code"]}
        for i, row in enumerate(rows)
        if i % 3
    ]
    ben.append({"source": "s1_alliance_director.docx", "quote": QUESTION, "code": "vision_led"})
    with (folder / "ben.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["source", "quote", "code"])
        writer.writeheader()
        writer.writerows(ben)
    for coder, path in (("ana", gold), ("ben", folder / "ben.csv")):
        _ok("codings", "import", path, "--coder", coder, "--codebook", BOOK, "-p", location)
    return location


# --- reading every output -------------------------------------------------------


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _read_csv(data: bytes) -> str:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    return data.decode("utf-8")


def _read_json(data: bytes) -> str:
    parsed = json.loads(data)
    assert parsed
    return json.dumps(parsed, ensure_ascii=False)


def _read_md(data: bytes) -> str:
    text = data.decode("utf-8")
    assert text.strip()
    assert any(line.startswith(("#", "| ")) for line in text.splitlines())
    return text


def _read_html(data: bytes) -> str:
    parser = _Html()
    parser.feed(data.decode("utf-8"))
    parser.close()
    assert "html" in parser.tags and "body" in parser.tags
    assert {"h1", "h2", "table"} & set(parser.tags)
    return " ".join(parser.text)


def _read_xlsx(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    cells = []
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert rows, sheet.title
        cells += [str(v) for row in rows for v in row if v is not None]
    assert any(sheet.max_row and sheet.max_row >= 2 for sheet in book.worksheets)
    return "\n".join(cells)


def _read_docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    assert paragraphs
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(paragraphs + cells)


def _read_png(data: bytes) -> str:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    return ""


def _read_svg(data: bytes) -> str:
    root = ElementTree.fromstring(data)
    assert root.tag.endswith("svg")
    return data.decode("utf-8")


def _read_qdpx(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(n.startswith("sources/") for n in archive.namelist())
        qde = archive.read("project.qde")
    ElementTree.fromstring(qde)
    return qde.decode("utf-8")


def _read_qdc(data: bytes) -> str:
    ElementTree.fromstring(data)
    return data.decode("utf-8")


READERS: dict[str, Callable[[bytes], str]] = {
    "csv": _read_csv,
    "json": _read_json,
    "md": _read_md,
    "html": _read_html,
    "xlsx": _read_xlsx,
    "docx": _read_docx,
    "png": _read_png,
    "svg": _read_svg,
    "qdpx": _read_qdpx,
    "qdc": _read_qdc,
}


# --- the matrix -----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    verb: tuple[str, ...]  # the command and its options, without format and output
    fmt: str
    expect: tuple[str, ...]  # text every output must contain
    format_option: bool = True  # False: the format comes from the file's suffix
    project: bool = True

    @property
    def id(self) -> str:
        words = [w for w in self.verb[:2] if not w.startswith(("-", "/"))]
        return f"{'-'.join(words)}[{self.fmt}]"


def _cases() -> list[Case]:
    cases: list[Case] = []
    table = ("csv", "json", "md", "xlsx")
    for fmt in table:
        cases += [
            Case(("frequencies", "--by", "strand"), fmt, ("vision_led", "strand1")),
            Case(("compare", "--across", "strand"), fmt, ("vision_led", "strand1")),
            Case(("cooccur",), fmt, ("vision_led", "external_expertise")),
            Case(("agreement", "--coders", "ana,ben", "--bootstrap", "50"), fmt, ("vision_led",)),
            Case(("evaluate", "--gold", "ana", "--pred", RULES), fmt, ("vision_led",)),
        ]
    for fmt in ("csv", "xlsx"):
        cases.append(Case(("matrix", "--rows", "case"), fmt, ("vision_led", "case_oakfield")))
    for fmt in ("csv", "json"):
        cases.append(Case(("export", "segments"), fmt, ("s3_oakfield_head.docx", QUESTION)))
    for fmt in ("csv", "json", "xlsx"):
        cases.append(Case(("export", "codings"), fmt, ("vision_led", "ben", RULES)))
    for fmt in ("docx", "md", "html", "csv", "xlsx"):
        cases.append(Case(("export", "excerpts"), fmt, ("Vision-led PD", "s3_oakfield_head.docx")))
    # html without --format: from the suffix, and the default on stdout.
    report = ("Theme frequencies", "Vision-led PD")
    cases.append(Case(("report",), "html", report, format_option=False))
    cases.append(Case(("report",), "docx", report))
    for fmt in ("md", "csv", "json", "html"):
        cases.append(Case(("topics", "--k", "3", "--seed", "1"), fmt, ("school", "reactive_pd")))
    for fmt in ("csv", "xlsx", "docx"):
        cases.append(
            Case(("disagreements", "--coders", "ana,ben"), fmt, ("s1_alliance_director.docx",))
        )
    cases.append(Case(("export", "qdpx"), "qdpx", ("Vision-led PD",), format_option=False))
    for fmt in ("qdc", "csv", "md", "docx"):
        cases.append(Case(("codebook", "export", str(BOOK)), fmt, ("vision_led",), project=False))
    return cases


CASES = _cases()
CODE_NAMES = {"csv", "xlsx"}  # excerpt rows carry the code's id and name columns


def _argv(case: Case, db: str, output: Path | None, fmt: bool = True) -> list[str]:
    argv = list(case.verb)
    if case.project:
        argv += ["-p", db]
    if fmt and case.format_option:
        argv += ["--format", case.fmt]
    if output is not None:
        argv += ["-o", str(output)]
    return argv


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_verb_in_every_format(case: Case, db: str, tmp_path: Path) -> None:
    out = tmp_path / f"out.{case.fmt}"
    written = _ok(*_argv(case, db, out))
    assert not written.stdout, "with --output, stdout stays empty"
    assert f"Wrote {out}" in written.stderr
    data = out.read_bytes()
    content = READERS[case.fmt](data)
    for expected in case.expect:
        assert expected in content, (expected, content[:500])
    assert not [p for p in tmp_path.iterdir() if p.name != out.name], "no temporary files left"
    if case.fmt in TEXT:
        shown = _ok(*_argv(case, db, None))
        assert shown.stdout.encode("utf-8") == data  # the same bytes on stdout
    else:
        refused = _run(*_argv(case, db, None))
        assert refused.exit_code == 2, refused.output
        assert "--output" in refused.stderr and not refused.stdout
        if case.format_option:  # (qdpx: --output is a required option, as --help says)
            assert refused.stderr.startswith("Error: ") and refused.stderr.count("\n") == 1


def test_sources_listing(db: str) -> None:
    rows = list(csv.DictReader(io.StringIO(_ok("sources", "--format", "csv", "-p", db).stdout)))
    assert {r["strand"] for r in rows} == {"strand1", "strand2", "strand3"}
    listed = json.loads(_ok("sources", "--format", "json", "-p", db).stdout)
    assert [r["name"] for r in listed] == [r["name"] for r in rows]


@pytest.mark.parametrize("fmt", ["docx", "md", "html", "csv", "xlsx"])
def test_excerpts_split_by_strand(fmt: str, db: str, tmp_path: Path) -> None:
    folder = tmp_path / "excerpts"
    # The README's own command, in every format.
    result = _ok("export", "excerpts", "--format", fmt, "--split-by", "strand",
                 "--output-dir", folder, "-p", db)  # fmt: skip
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"excerpts_strand{n}.{fmt}" for n in (1, 2, 3)]
    for n in (1, 2, 3):
        path = folder / f"excerpts_strand{n}.{fmt}"
        assert f"Wrote {path}" in result.stderr
        content = READERS[fmt](path.read_bytes())
        assert f"s{n}_" in content  # the strand's own sources...
        others = {m for m in (1, 2, 3) if m != n}
        assert not any(f"s{m}_" in content for m in others)  # ...and only those
        if fmt not in CODE_NAMES:
            assert f"Coded excerpts: strand{n}" in content
    # A folder is needed, whatever the format.
    refused = _run("export", "excerpts", "--format", fmt, "--split-by", "strand", "-p", db)
    assert refused.exit_code == 2 and "--output-dir" in refused.stderr
    assert refused.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("verb", "fmt"),
    [(("compare",), "png"), (("compare",), "svg"), (("cooccur",), "png"), (("cooccur",), "svg"),
     (("topics", "--k", "3", "--seed", "1"), "png"), (("topics", "--k", "3", "--seed", "1"), "svg")],
    ids=["compare-png", "compare-svg", "cooccur-png", "cooccur-svg", "topics-png", "topics-svg"],
)  # fmt: skip
def test_heatmaps(verb: tuple[str, ...], fmt: str, db: str, tmp_path: Path) -> None:
    chart = tmp_path / f"h.{fmt}"
    result = _ok(*verb, "--heatmap", chart, "--format", "csv", "-p", db)
    READERS[fmt](chart.read_bytes())
    assert f"Wrote {chart}" in result.stderr
    _read_csv(result.stdout.encode("utf-8"))  # the table still goes to stdout, untouched
    assert "Wrote" not in result.stdout


def test_a_file_suffix_chooses_the_format(db: str, tmp_path: Path) -> None:
    for verb in (("frequencies",), ("compare",), ("cooccur",)):
        out = tmp_path / "t.json"
        _ok(*verb, "-o", out, "-p", db)
        json.loads(out.read_text(encoding="utf-8"))
        out = tmp_path / "t.xlsx"
        _ok(*verb, "-o", out, "-p", db)
        _read_xlsx(out.read_bytes())
    out = tmp_path / "d.docx"
    _ok("disagreements", "--coders", "ana,ben", "-o", out, "-p", db)
    _read_docx(out.read_bytes())


def test_text_defaults_go_to_stdout(db: str) -> None:
    """Verbs that used to need a file write their text format to stdout, by default
    (the report's html is checked in the matrix)."""
    matrix = _ok("matrix", "--rows", "role", "-p", db).stdout
    assert matrix.startswith("strand,role,vision_led")
    consensus = _ok("disagreements", "--coders", "ana,ben", "-p", db)
    assert consensus.stdout.startswith("source,strand,case,speaker")
    assert "where the coders differ" in consensus.stderr
    book = _ok("codebook", "export", BOOK, "--format", "md").stdout
    assert "vision_led" in book


# --- filters --------------------------------------------------------------------

EXCERPTS = ("export", "excerpts", "--format", "md")
AGREE = ("agreement", "--coders", "ana,ben")
DISAGREE = ("disagreements", "--coders", "ana,ben")
FILTERS = [
    (("frequencies", "--coder", "zed"), "ana"),
    (("cooccur", "--coder", "zed"), "ana"),
    (("compare", "--coder", "zed"), "ana"),
    (("matrix", "--coder", "zed"), "ana"),
    (("matrix", "--strand", "nope"), "strand1"),
    (("report", "--coder", "zed"), "ana"),
    (("export", "codings", "--coder", "zed"), "ana"),
    (("export", "codings", "--code", "nope"), "vision_led"),
    ((*EXCERPTS, "--coder", "zed"), "ana"),
    ((*EXCERPTS, "--code", "nope"), "vision_led"),
    ((*EXCERPTS, "--strand", "nope"), "strand1"),
    (("export", "qdpx", "-o", "never.qdpx", "--coder", "zed"), "ana"),
    (("agreement", "--coders", "ana,zed"), RULES),
    ((*AGREE, "--code", "nope"), "vision_led"),
    ((*AGREE, "--strand", "nope"), "strand1"),
    (("disagreements", "--coders", "zed,ben"), RULES),
    ((*DISAGREE, "--code", "nope"), "vision_led"),
    ((*DISAGREE, "--strand", "nope"), "strand1"),
    (("evaluate", "--gold", "zed", "--pred", RULES), "ana"),
    (("evaluate", "--gold", "ana", "--pred", "zed"), RULES),
    (("topics", "--k", "3", "--strand", "nope"), "strand1"),
    (("code", "--codebook", str(BOOK), "--strand", "nope"), "strand1"),
    (("export", "codings", "--code", "Strategy"), "vision_led"),  # a group: its codes
]


@pytest.mark.parametrize(
    ("argv", "listed"), FILTERS, ids=[" ".join(a).replace(str(BOOK), "BOOK") for a, _ in FILTERS]
)
def test_an_unknown_filter_is_a_usage_error_listing_the_valid_ones(
    argv: tuple[str, ...], listed: str, db: str
) -> None:
    result = _run(*argv, "-p", db)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert listed in result.stderr
    assert not result.stdout


def test_a_code_filter_takes_the_display_name_in_any_case(db: str) -> None:
    by_id = _ok("export", "codings", "--code", "vision_led", "-p", db).stdout
    assert by_id.count("\n") > 5
    for name in ("Vision-led PD", "vision-led pd", "VISION_LED"):
        assert _ok("export", "codings", "--code", name, "-p", db).stdout == by_id
    excerpts = _ok(*EXCERPTS, "--code", "vision-led pd", "-p", db).stdout
    assert "## Vision-led PD (`vision_led`)" in excerpts and "## Reactive PD" not in excerpts
    rows = json.loads(_ok(*AGREE, "--code", "Vision-led PD", "--format", "json", "-p", db).stdout)
    assert {r["code"] for r in rows["rows"]} <= {"vision_led", "(all codes)"}


# --- who spoke ------------------------------------------------------------------


def _records(db: str, verb: tuple[str, ...], fmt: str, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / f"x.{fmt}"
    _ok(*verb, "--format", fmt, "-o", out, "-p", db)
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    if fmt == "json":
        return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    from openpyxl import load_workbook

    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    header = [str(c) for c in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _flag(value: object) -> bool:
    assert value in (True, False, "true", "false"), value
    return value in (True, "true")


@pytest.mark.parametrize(
    ("verb", "fmt"),
    [(("export", "segments"), f) for f in ("csv", "json")]
    + [(("export", "codings"), f) for f in ("csv", "json", "xlsx")],
    ids=["segments-csv", "segments-json", "codings-csv", "codings-json", "codings-xlsx"],
)
def test_exports_say_who_spoke(verb: tuple[str, ...], fmt: str, db: str, tmp_path: Path) -> None:
    rows = _records(db, verb, fmt, tmp_path)
    assert rows and all("is_interviewer" in r and "role" in r for r in rows)
    roles = {r["source"]: r["role"] for r in rows}
    assert roles["s3_oakfield_head.docx"] == "headteacher"
    assert roles["s2_maths_hub_north.vtt"] == "hub_lead"
    asked = [r for r in rows if r["text"] == QUESTION]
    assert asked and all(_flag(r["is_interviewer"]) for r in asked)
    assert all(r["speaker"] == "Interviewer" for r in asked)
    answers = [r for r in rows if r["speaker"] == "Mark Bellamy"]
    assert answers and not any(_flag(r["is_interviewer"]) for r in answers)
    if verb[1] == "codings":  # the rules code respondents only; ben coded the question
        assert not any(_flag(r["is_interviewer"]) for r in rows if r["coder"] == RULES)
        assert [r["coder"] for r in asked] == ["ben"]
