"""`pdcode report`: one study document, its typical excerpts and its overview."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from pdcode.analysis.overview import overview
from pdcode.analysis.typical import typical_excerpts
from pdcode.cli import app
from tests.test_frequencies import db  # noqa: F401  (the fixture)

runner = CliRunner()


def _report(db: str, out: Path, *args: str) -> None:  # noqa: F811
    result = runner.invoke(app, ["report", "-p", db, "-o", str(out), *args])
    assert result.exit_code == 0, result.output


def test_html_report_holds_every_part_and_is_reproducible(db: str, tmp_path: Path) -> None:  # noqa: F811
    first, second = tmp_path / "r1.html", tmp_path / "r2.html"
    _report(db, first)
    _report(db, second)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", text)
    assert headings == [
        "Sources by strand and role",
        "Theme frequencies",
        "Comparison across strand",
        "Co-occurrence",
        "Typical excerpts",
    ]
    # The sources table: s1 holds a.txt (teacher) and b.txt (head); s2 holds c.txt.
    assert (
        '<tr><td>s1</td><td class="n">2</td><td class="n">2</td><td class="n">1</td><td class="n">1</td></tr>'
        in text
    )
    # Frequencies as the frequencies command counts them: x on 3 sentences in 2 sources.
    assert re.search(r"<td>x</td><td>Ex</td><td class=\"n\">3</td><td class=\"n\">2</td>", text)
    assert text.count("<svg") == 2  # comparison and co-occurrence heatmaps, inline
    quotes = re.findall(r"<blockquote>(.*?)<div", text)
    assert quotes[:3] == ["One.", "Three.", "Five."]  # all three of x's excerpts
    assert "c1 · teacher · A · a.txt · ¶ 2" in text


def test_docx_report_opens_with_headings_tables_and_quotes(db: str, tmp_path: Path) -> None:  # noqa: F811
    import docx

    out = tmp_path / "r.docx"
    _report(db, out, "--per-code", "1", "--title", "Study")
    document = docx.Document(str(out))
    assert document.paragraphs[0].text == "Study"
    heading1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert heading1[0] == "Sources by strand and role" and heading1[-1] == "Typical excerpts"
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 2"] == [
        "Ex (x)",
        "Why (y)",
    ]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert len(quotes) == 2  # one per code
    assert len(document.tables) == 4 and len(document.inline_shapes) == 2
    assert document.tables[1].rows[0].cells[0].text == "code"


def test_report_refuses_an_unknown_suffix(db: str, tmp_path: Path) -> None:  # noqa: F811
    result = runner.invoke(app, ["report", "-p", db, "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2
    assert "a report is written as .html or .docx" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_typical_excerpts_rank_by_closeness_to_the_code_centre() -> None:
    frame = pd.DataFrame(
        {
            "code": ["c", "c", "c", "c", "d"],
            "source": ["s1", "s2", "s3", "s4", "s1"],
            "start": [0, 0, 0, 0, 50],
            "text": [
                "coaching cycles with peer observation",
                "peer observation and coaching cycles each week",
                "coaching cycles built on observation",
                "the canteen menu changed",
                "anything",
            ],
        }
    )
    best = typical_excerpts(frame, per_code=2)
    assert best["code"].tolist() == ["c", "c", "d"]
    assert "canteen" not in " ".join(best["text"])
    assert best.loc[best["code"] == "d", "typicality"].tolist() == [1.0]
    scores = best.loc[best["code"] == "c", "typicality"].tolist()
    assert scores == sorted(scores, reverse=True)


def test_typical_excerpts_break_ties_by_source_and_start() -> None:
    frame = pd.DataFrame(
        {
            "code": ["c", "c", "c"],
            "source": ["b", "a", "a"],
            "start": [0, 9, 3],
            "text": ["same words here"] * 3,
        }
    )
    best = typical_excerpts(frame, per_code=3)
    assert list(zip(best["source"], best["start"], strict=True)) == [("a", 3), ("a", 9), ("b", 0)]


def test_overview_counts_sources_cases_and_roles() -> None:
    sources = pd.DataFrame(
        {
            "source": ["a", "b", "c", "d"],
            "strand": ["s1", "s1", "s2", None],
            "case": ["c1", "c1", "c2", "c3"],
            "role": ["head", "teacher", "head", None],
        }
    )
    result = overview(sources)
    assert result.columns == ("(none)", "head", "teacher")
    assert result.rows == (
        ("(none)", 1, 1, (1, 0, 0)),
        ("s1", 2, 1, (0, 1, 1)),
        ("s2", 1, 1, (0, 1, 0)),
        ("total", 4, 3, (1, 2, 1)),
    )
