"""Readable outputs: report pictures fit the page, code ids break only after
underscores, p-values read "< 0.001", typical excerpts are whole sentences."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdcode import api
from pdcode.analysis.typical import MIN_WORDS, sentence_candidates, word_count
from pdcode.cli import app
from pdcode.export.charts import heatmap_parts, heatmap_size
from pdcode.export.report import Figure, Quote, Report, Text, text_box, to_docx
from pdcode.export.word import ZERO_WIDTH_SPACE, breakable_id
from tests.test_frequencies import db  # noqa: F401  (the fixture)

runner = CliRunner()

LONG_ID = "enabling_distributed_leadership"
BOOK = f"""name: readable
version: "1"
codes:
  - {{id: {LONG_ID}, name: Enabling distributed leadership, rules: {{regex: ['zz never']}}}}
  - {{id: coaching_and_mentoring, name: Coaching, rules: {{regex: ['zz never']}}}}
"""
SENTENCE = "Our head gives the phase leaders the time and the budget to run their own sessions."


def _invoke(*args: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shipped sample, imported and coded with the PD leadership codebook."""
    folder = tmp_path_factory.mktemp("sample")
    _invoke("demo", "--dir", str(folder))
    return str(folder / "pdcode.db")


@pytest.fixture(scope="module")
def distinct(tmp_path_factory: pytest.TempPathFactory) -> str:
    """24 sources in two strands; the long-id code is on every s1 source and no s2
    one, so its Fisher p-value is 2 / C(24, 12), far below 0.001."""
    folder = tmp_path_factory.mktemp("distinct")
    rows, codings = ["file,strand,case"], ["source,quote,code"]
    for i in range(24):
        strand = "s1" if i < 12 else "s2"
        (folder / f"t{i:02d}.txt").write_text(
            f"Q: How is PD led?\n\nA: {SENTENCE} We also coach.\n", encoding="utf-8"
        )
        rows.append(f"t{i:02d}.txt,{strand},c{i:02d}")
        code = LONG_ID if strand == "s1" else "coaching_and_mentoring"
        codings.append(f"t{i:02d}.txt,{SENTENCE},{code}")
    (folder / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "codings.csv").write_text("\n".join(codings) + "\n", encoding="utf-8")
    (folder / "book.yaml").write_text(BOOK, encoding="utf-8")
    location = str(folder / "p.db")
    _invoke("init", "-p", location)
    _invoke("import", "--manifest", str(folder / "m.csv"), "-p", location)
    _invoke("codings", "import", str(folder / "codings.csv"), "--coder", "ana",
            "--codebook", str(folder / "book.yaml"), "-p", location)  # fmt: skip
    return location


# Pictures in the Word report


def test_report_pictures_fit_the_text_area_at_their_own_size(sample: str, tmp_path: Path) -> None:
    import docx
    from docx.image.image import Image

    out = tmp_path / "report.docx"
    _invoke("report", "-p", sample, "-o", str(out))
    document = docx.Document(str(out))
    width, height = text_box(document)
    shapes = list(document.inline_shapes)
    assert len(shapes) >= 2  # the comparison and co-occurrence heatmaps
    blobs = [document.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed]
             for s in shapes]  # fmt: skip
    for shape, part in zip(shapes, blobs, strict=True):
        assert shape.width <= width and shape.height <= height
        # Drawn to fit, not shrunk: the picture shows at its own size, so its
        # labels are the chart's 8-point type (a shrunk 26-code chart was not).
        image = Image.from_blob(part.blob)
        assert abs(shape.width - image.width) <= 1 and abs(shape.height - image.height) <= 1
    with api.open_project(sample) as project:
        codes = len(api.frequencies(project, "strand").rows) - 1  # less "(any code)"
    assert codes >= 20
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "% of sources with each code, by strand"


def test_a_tall_heatmap_is_cut_into_parts_that_each_fit() -> None:
    import docx
    from docx.shared import Inches

    codes = [f"{LONG_ID}_{i:02d}" for i in range(60)]
    tall = pd.DataFrame([[i % 7, i % 5, 100] for i in range(60)], index=codes,
                        columns=["strand1 (n=3)", "strand2 (n=4)", "strand3 (n=7)"])  # fmt: skip
    box = (6.0, 8.4)
    parts = heatmap_parts(tall, box)
    assert len(parts) == 2
    assert [c for p in parts for c in p.index] == codes  # every code, once, in order
    for part in parts:
        assert list(part.columns) == list(tall.columns)
        part_width, part_height = heatmap_size(part, box)
        assert part_width <= box[0] and part_height <= box[1]
    assert heatmap_parts(tall.iloc[:20], box)[0].equals(tall.iloc[:20])  # fits: one part
    document = docx.Document(io.BytesIO(to_docx(Report("T", (Figure("Tall", tall),)))))
    width, height = text_box(document)
    assert [p.text for p in document.paragraphs if p.style.name == "Caption"] == [
        "Tall (part 1 of 2)",
        "Tall (part 2 of 2)",
    ]
    for shape in document.inline_shapes:
        assert shape.width <= width and shape.height <= height - Inches(0.5)


# Code ids break only after underscores


def test_word_tables_break_code_ids_only_after_underscores(distinct: str, tmp_path: Path) -> None:
    import docx

    assert breakable_id(LONG_ID) == LONG_ID.replace("_", "_" + ZERO_WIDTH_SPACE)
    assert breakable_id("_x_ a__b") == "_x_ a__" + ZERO_WIDTH_SPACE + "b"
    out = tmp_path / "report.docx"
    _invoke("report", "-p", distinct, "-o", str(out))
    document = docx.Document(str(out))
    ids = []
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        for row in table.rows[1:]:
            for name, cell in zip(header, row.cells, strict=True):
                if name.lower().startswith("code"):
                    ids.append(cell.text)
    assert LONG_ID.replace("_", "_" + ZERO_WIDTH_SPACE) in ids
    for text in ids:  # the id intact, with a break opportunity after each "_" only
        assert ZERO_WIDTH_SPACE not in text.replace("_" + ZERO_WIDTH_SPACE, "")
        assert "_" not in text.replace("_" + ZERO_WIDTH_SPACE, "")
    assert {t.replace(ZERO_WIDTH_SPACE, "") for t in ids} >= {LONG_ID, "coaching_and_mentoring"}


def _code_fragments(output: str, ids: set[str]) -> list[list[str]]:
    """The first column of a rich table's body, grouped into the pieces of each id."""
    body = output.split("┡", 1)[1]
    found: list[list[str]] = []
    pieces: list[str] = []
    for line in body.splitlines():
        if not line.startswith("│"):
            continue
        piece = line.split("│")[1].strip()
        if not piece:
            continue
        pieces.append(piece)
        if "".join(pieces) in ids:
            found.append(pieces)
            pieces = []
    assert not pieces, pieces  # no id left unfinished (or broken beyond recognition)
    return found


@pytest.mark.parametrize("command", ["frequencies", "compare"])
def test_terminal_tables_break_code_ids_only_after_underscores(distinct: str, command: str) -> None:
    ids = {LONG_ID, "coaching_and_mentoring", "(any code)"}
    shown = _invoke(command, "-p", distinct, "--by" if command == "frequencies" else "--across",
                    "strand", env={"COLUMNS": "60"})  # fmt: skip
    assert max(len(line) for line in shown.splitlines()) <= 60
    rows = _code_fragments(shown, ids)
    assert {"".join(r) for r in rows} >= {LONG_ID, "coaching_and_mentoring"}
    assert any(len(r) > 1 for r in rows)  # 60 columns are too few to show the id whole
    for pieces in rows:
        assert all(p.endswith("_") for p in pieces[:-1]), pieces


def test_a_breakable_cell_folds_only_a_piece_wider_than_its_column() -> None:
    from rich.console import Console

    from pdcode.cli.cells import Breakable, Table, wrap

    assert wrap(LONG_ID, 14) == ["enabling_", "distributed_", "leadership"]
    assert wrap(f"{LONG_ID} (40%), trust (20%)", 24) == [
        "enabling_distributed_",
        "leadership (40%), trust",
        "(20%)",
    ]
    console = Console(width=60, record=True)
    table = Table()
    table.add_column("code")
    for name in ("references", "sources", "cases", "strand1 %", "strand2 %"):
        table.add_column(name, justify="right")
    table.add_row(Breakable(LONG_ID), "12", "3", "3", "33.3", "50.0")
    console.print(table)
    text = console.export_text()
    assert _code_fragments(text, {LONG_ID}) == [["enabling_", "distributed_", "leadership"]]
    assert "33.3" in text and "50.0" in text  # the numbers are never cut


# p-values


def test_p_values_read_less_than_0_001_for_people_and_stay_numbers_for_machines(
    distinct: str, tmp_path: Path
) -> None:
    import docx

    shown = _invoke("compare", "-p", distinct, env={"COLUMNS": "160"})
    line = next(row for row in shown.splitlines() if row.startswith("│ enabling_"))
    assert "< 0.001" in line and "0.000" not in shown
    markdown = _invoke("compare", "-p", distinct, "--format", "md")
    assert re.search(rf"^\| {LONG_ID} \|.*\| < 0\.001 \|", markdown, re.MULTILINE)
    assert "0.000" not in markdown.replace("0.0001", "")  # (no statistic that small)
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(_invoke(
        "compare", "-p", distinct, "--format", "csv")))}  # fmt: skip
    p = float(rows[LONG_ID]["p"])
    assert 0 <= p < 0.001
    data = json.loads(_invoke("compare", "-p", distinct, "--format", "json"))
    number = next(r["p"] for r in data["rows"] if r["code"] == LONG_ID)
    assert isinstance(number, float) and number == p
    html = tmp_path / "r.html"
    _invoke("report", "-p", distinct, "-o", str(html))
    assert '<td class="n">&lt; 0.001</td>' in html.read_text(encoding="utf-8")
    word = tmp_path / "r.docx"
    _invoke("report", "-p", distinct, "-o", str(word))
    cells = [c.text for t in docx.Document(str(word)).tables for r in t.rows for c in r.cells]
    assert "< 0.001" in cells and "0.000" not in cells


# Typical excerpts


def test_typical_excerpts_are_whole_participant_sentences(sample: str) -> None:
    with api.open_project(sample) as project:
        report = api.build_report(project)
        sentences = project.segment_rows("sentence")
        speakers = {r["speaker"] for r in project.segment_rows("turn") if r["speaker"]}
    said = {" ".join(r["text"].split()) for r in sentences if not r["is_interviewer"]}
    blocks = list(report.blocks)
    start = next(i for i, b in enumerate(blocks) if getattr(b, "text", None) == "Typical excerpts")
    quotes = [b for b in blocks[start:] if isinstance(b, Quote)]
    notes = [b.text for b in blocks[start:] if isinstance(b, Text) and b.text.startswith("No ")]
    assert len(quotes) >= 40 and not notes  # every code of the sample has long sentences
    for quote in quotes:
        assert quote.text in said, quote.text  # a whole sentence, as spoken
        assert word_count(quote.text) >= MIN_WORDS, quote.text
        assert not quote.text.startswith(tuple(f"{s}:" for s in speakers)), quote.text


def test_a_code_without_long_sentences_falls_back_with_a_note(db: str) -> None:  # noqa: F811
    # The small project of test_frequencies: every sentence is one word long.
    with api.open_project(db) as project:
        report = api.build_report(project, per_code=3)
    blocks = [b for b in report.blocks if isinstance(b, (Text, Quote))]
    note = f"No coded sentence of {MIN_WORDS} or more words by a participant: shorter"
    assert sum(isinstance(b, Text) and b.text.startswith(note) for b in blocks) == 2  # x and y
    # y is on "One. Two." (one coding over two sentences) and "Six.": each sentence whole.
    quotes = [b.text for b in blocks if isinstance(b, Quote)]
    assert quotes == ["One.", "Three.", "Five.", "One.", "Two.", "Six."]


def test_the_coded_sentence_is_quoted_whole(distinct: str) -> None:
    with api.open_project(distinct) as project:
        report = api.build_report(project, per_code=1)
    quotes = [b.text for b in report.blocks if isinstance(b, Quote)]
    assert quotes == [SENTENCE, SENTENCE]  # 16 words, one per code; no note
    assert not any(isinstance(b, Text) and b.text.startswith("No ") for b in report.blocks)


def test_sentence_candidates_prefer_whole_long_participant_sentences() -> None:
    long = "We plan the professional development for the year with the head and the governors."
    sentences = pd.DataFrame(
        {
            "source": ["a", "a", "a", "a", "b"],
            "start": [0, 100, 200, 300, 0],
            "end": [84, 110, 284, 340, 20],
            "text": [long, "We coach.", "Interviewer: " + long[13:], "Q: " + long, "Short one."],
            "is_interviewer": [False, False, True, False, False],
        }
    )
    codings = pd.DataFrame(
        {
            "source": ["a", "a", "a", "a", "b"],
            "start": [10, 100, 210, 305, 2],
            "end": [20, 105, 220, 310, 5],  # fragments inside each sentence
            "code": ["plan", "plan", "plan", "plan", "coach"],
        }
    )
    found = sentence_candidates(sentences, codings, labels={"Q", "Interviewer"})
    plan = found[found["code"] == "plan"]
    # The long sentence whole; not the short one, the interviewer's, or one with a label.
    assert plan["text"].tolist() == [long] and not plan["short"].any()
    coach = found[found["code"] == "coach"]
    assert coach["text"].tolist() == ["Short one."] and coach["short"].all()  # the fallback
    assert word_count("It's a follow-up on 3.5 days.") == 6
