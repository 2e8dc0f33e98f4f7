"""`pdcode code`, `explain`, `export codings` and `codings import` on a real project."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode import api
from pdcode.cli import app
from tests.conftest import REPO

BOOK = str(REPO / "codebooks" / "pd-leadership.yaml")
runner = CliRunner()

TRANSCRIPT = """Interviewer: How is coaching organised? Do staff trust it?

Teacher: Every teacher has a coach. We trust each other now.

The governors ask about it every term.

Interviewer: And Ofsted?

Teacher: Honestly we stopped worrying about the inspection.
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    location = str(tmp_path / "p.db")
    source = tmp_path / "t1.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    assert runner.invoke(app, ["init", "-p", location]).exit_code == 0
    assert (
        runner.invoke(app, ["import", str(source), "--strand", "strand3", "-p", location]).exit_code
        == 0
    )
    return location


def _codings(db: str, *extra: str) -> list[dict[str, str]]:
    result = runner.invoke(app, ["export", "codings", "-p", db, *extra])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_code_stores_rule_codings_and_skips_interviewer(db: str) -> None:
    result = runner.invoke(app, ["code", "--codebook", BOOK, "-p", db])
    assert result.exit_code == 0, result.output
    rows = _codings(db)
    assert list(rows[0]) == [
        "source",
        "strand",
        "case",
        "role",
        "speaker",
        "is_interviewer",
        "start",
        "end",
        "code",
        "coder",
        "rule",
        "review",
        "text",
    ]
    got = {(r["code"], r["text"]) for r in rows}
    assert got == {
        ("coaching", "Every teacher has a coach."),
        ("trust", "We trust each other now."),
        ("governance", "The governors ask about it every term."),
        ("external_drivers", "Honestly we stopped worrying about the inspection."),
    }
    assert {r["speaker"] for r in rows} == {"Teacher"}
    assert {r["coder"] for r in rows} == {"rules:pd-leadership@1.0.0"}
    assert all(r["rule"] for r in rows)


def test_rerun_replaces_only_its_own_codings(db: str, tmp_path: Path) -> None:
    human = tmp_path / "human.csv"
    human.write_text("source,quote,code\nt1.txt,we trust each other,trust\n", encoding="utf-8")
    runner.invoke(app, ["code", "--codebook", BOOK, "-p", db])
    result = runner.invoke(
        app, ["codings", "import", str(human), "--coder", "ana", "--codebook", BOOK, "-p", db]
    )
    assert result.exit_code == 0, result.output
    first = _codings(db)
    again = runner.invoke(app, ["code", "--codebook", BOOK, "-p", db])
    assert "4 codings (4 from the previous run replaced)" in again.stdout.replace("\n", " ")
    assert _codings(db) == first
    assert [r["text"] for r in _codings(db, "--coder", "ana")] == ["We trust each other"]


def test_include_interviewer_and_source_scope(db: str) -> None:
    runner.invoke(app, ["code", "--codebook", BOOK, "--include-interviewer", "-p", db])
    assert "Interviewer" in {r["speaker"] for r in _codings(db)}
    result = runner.invoke(app, ["code", "--codebook", BOOK, "--source", "nope.txt", "-p", db])
    assert result.exit_code == 1 and "no source named 'nope.txt'" in result.stderr


def test_explain_names_the_rule(db: str) -> None:
    runner.invoke(app, ["code", "--codebook", BOOK, "-p", db])
    with api.open_project(db) as project:
        text = project.source_text("t1.txt")
    position = text.index("governors")
    result = runner.invoke(app, ["explain", "t1.txt", str(position), "-p", db])
    assert result.exit_code == 0
    assert (
        "governance" in result.stdout
        and "regex" in result.stdout
        and "'governors'" in result.stdout
    )
    data = json.loads(
        runner.invoke(app, ["export", "codings", "--format", "json", "--explain", "-p", db]).stdout
    )
    assert {d["matched"] for d in data if d["code"] == "governance"} == {"governors"}
    assert all(d["provenance"].startswith("rules:pd-leadership@1.0.0#sha256:") for d in data)


def test_codings_import_both_shapes_and_problems(db: str, tmp_path: Path) -> None:
    with api.open_project(db) as project:
        text = project.source_text("t1.txt")
    start = text.index("Every teacher")
    table = tmp_path / "c.csv"
    table.write_text(
        "source,start,end,code\n"
        f"t1.txt,{start},{start + 26},coaching\n"
        "t1.txt,5,2,coaching\n"
        "other.txt,0,4,coaching\n"
        f"t1.txt,{start},{start + 5},no_such_code\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["codings", "import", str(table), "--coder", "bo", "--codebook", BOOK, "-p", db]
    )
    assert result.exit_code == 1
    assert "c.csv:3: bad-offset" in result.stderr
    assert "c.csv:4: unknown-source" in result.stderr
    assert "c.csv:5: unknown-code: no code 'no_such_code'" in result.stderr
    assert [r["text"] for r in _codings(db, "--coder", "bo")] == ["Every teacher has a coach."]
    quotes = tmp_path / "q.csv"
    quotes.write_text(
        "source,quote,code\n"
        "t1.txt,“The governors   ask about it”,Governance\n"
        "t1.txt,words that are nowhere,trust\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["codings", "import", str(quotes), "--coder", "cy", "-p", db])
    assert "q.csv:3: quote-not-found" in result.stderr
    assert [r["code"] for r in _codings(db, "--coder", "cy")] == ["governance"]


def test_codings_from_word_comments(db: str, tmp_path: Path) -> None:
    import docx

    # The team codes the transcript in Word, then imports both the transcript
    # and its comments: the comments are matched to the source of the same name.
    document = docx.Document()
    document.add_paragraph("Interviewer: Who leads it?")
    paragraph = document.add_paragraph("Head: ")
    run = paragraph.add_run("Our heads of department lead it.")
    paragraph.add_run(" We trust them.")
    document.add_comment(run, text="distributed_leadership; Valuing staff", author="Ana")
    document.add_paragraph("Interviewer: Why?")
    later = document.add_paragraph("Head: Because ")
    document.add_comment(later.add_run("we trust them."), text="trust", author="Ana")
    path = tmp_path / "t2.docx"
    document.save(str(path))
    assert runner.invoke(app, ["import", str(path), "-p", db]).exit_code == 0
    result = runner.invoke(
        app, ["codings", "import", str(path), "--coder", "ana", "--codebook", BOOK, "-p", db]
    )
    assert result.exit_code == 0, result.output
    rows = _codings(db, "--coder", "ana")
    assert [(r["code"], r["text"], r["speaker"]) for r in rows] == [
        ("distributed_leadership", "Our heads of department lead it.", "Head"),
        ("valuing_staff", "Our heads of department lead it.", "Head"),
        ("trust", "we trust them.", "Head"),
    ]
    # "we trust them." occurs twice (any case); the second, commented one is coded.
    with api.open_project(db) as project:
        text = project.source_text("t2.docx")
    trust = next(r for r in rows if r["code"] == "trust")
    assert int(trust["start"]) == text.rindex("we trust them.")


def test_codings_xlsx_export_reads_back(db: str, tmp_path: Path) -> None:
    import pandas as pd

    runner.invoke(app, ["code", "--codebook", BOOK, "-p", db])
    out = tmp_path / "codings.xlsx"
    result = runner.invoke(app, ["export", "codings", "--format", "xlsx", "-o", str(out), "-p", db])
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    assert list(frame.columns) == [
        "source",
        "strand",
        "case",
        "role",
        "speaker",
        "is_interviewer",
        "start",
        "end",
        "code",
        "coder",
        "rule",
        "review",
        "text",
    ]
    assert sorted(frame["code"]) == ["coaching", "external_drivers", "governance", "trust"]
