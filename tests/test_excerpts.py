"""`pdcode export excerpts`: grouped by code, attributed, per strand, every format."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from pdcode.cli import app
from tests.test_frequencies import db  # noqa: F401  (the fixture)

runner = CliRunner()


def _export(db: str, *args: str) -> None:  # noqa: F811
    result = runner.invoke(app, ["export", "excerpts", "-p", db, *args])
    assert result.exit_code == 0, result.output


def test_markdown_groups_by_code_in_book_order_with_attribution(db: str, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "e.md"
    _export(db, "--format", "md", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.index("## Ex (`x`)") < text.index("## Why (`y`)")
    x_part = text[text.index("## Ex") : text.index("## Why")]
    assert [line for line in x_part.splitlines() if line.startswith("> ") and "—" not in line] == [
        "> One.",
        "> Three.",
        "> Five.",
    ]
    # Paragraphs are numbered through the transcript: the question is paragraph 1.
    assert "> — c1 · teacher · A · a.txt · ¶ 2" in x_part
    assert "> — c2 · head · A · b.txt · ¶ 2" in x_part


def test_docx_has_headings_quotes_and_a_contents_field(db: str, tmp_path: Path) -> None:  # noqa: F811
    import docx

    out = tmp_path / "e.docx"
    _export(db, "--format", "docx", "-o", str(out), "--strand", "s1")
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert headings == ["Ex (x)", "Why (y)"]
    assert quotes == ["One.", "Three.", "Five.", "One. Two."]  # strand s1 only: no "Six."
    assert b"TOC \\o" in _document_xml(out)


def _document_xml(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml")


def test_split_by_strand_and_other_formats(db: str, tmp_path: Path) -> None:  # noqa: F811
    folder = tmp_path / "out"
    _export(db, "--format", "csv", "--split-by", "strand", "--output-dir", str(folder))
    assert sorted(p.name for p in folder.iterdir()) == ["excerpts_s1.csv", "excerpts_s2.csv"]
    with (folder / "excerpts_s2.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["code"], r["text"], r["case"], r["role"]) for r in rows] == [
        ("y", "Six.", "c2", "teacher")
    ]
    page = tmp_path / "e.html"
    _export(db, "--format", "html", "-o", str(page), "--code", "y")
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<link" not in html and "<script" not in html
    assert "One. Two." in html and "Three." not in html
    again = tmp_path / "again.html"
    _export(db, "--format", "html", "-o", str(again), "--code", "y")
    assert again.read_bytes() == page.read_bytes()
    xlsx = tmp_path / "e.xlsx"
    _export(db, "--format", "xlsx", "-o", str(xlsx))
    import pandas as pd

    assert pd.read_excel(xlsx)["text"].tolist() == ["One.", "Three.", "Five.", "One. Two.", "Six."]
    bad = runner.invoke(app, ["export", "excerpts", "--format", "pdf", "-o", "x.pdf", "-p", db])
    assert bad.exit_code == 2
