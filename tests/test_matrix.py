"""`pdcode matrix`: excerpts (or counts) by case, source or attribute and code."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from pdcode.cli import app
from tests.test_frequencies import db  # noqa: F401  (the fixture)

runner = CliRunner()


def _run(db: str, *args: str) -> None:  # noqa: F811
    result = runner.invoke(app, ["matrix", "-p", db, *args])
    assert result.exit_code == 0, result.output


def test_counts_by_case_per_strand(db: str, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "m.csv"
    _run(db, "-o", str(out), "--count")
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {"strand": "s1", "case": "c1", "x": "2", "y": "1"},
        {"strand": "s1", "case": "c2", "x": "1", "y": ""},
        {"strand": "s2", "case": "c2", "x": "", "y": "1"},
    ]


def test_excerpt_cells_and_xlsx_layout(db: str, tmp_path: Path) -> None:  # noqa: F811
    from openpyxl import load_workbook

    out = tmp_path / "m.xlsx"
    _run(db, "-o", str(out), "--rows", "role")
    book = load_workbook(out)
    assert book.sheetnames == ["s1", "s2"]
    sheet = book["s1"]
    assert [c.value for c in sheet[1]] == ["role", "x", "y"]
    assert sheet.freeze_panes == "B2"
    cells = {row[0].value: [c.value for c in row[1:]] for row in sheet.iter_rows(min_row=2)}
    assert (
        cells["teacher"][0]
        == "One.\n— c1 · teacher · A · a.txt · ¶ 2\n\nThree.\n— c1 · teacher · A · a.txt · ¶ 2"
    )
    assert cells["head"] == ["Five.\n— c2 · head · A · b.txt · ¶ 2", None]
    assert sheet["B2"].alignment.wrap_text


def test_bad_rows_and_columns(db: str, tmp_path: Path) -> None:  # noqa: F811
    bad = runner.invoke(app, ["matrix", "-o", str(tmp_path / "m.csv"), "--rows", "nope", "-p", db])
    assert bad.exit_code == 2 and "--rows takes case, source or an attribute" in bad.stderr
    cols = runner.invoke(app, ["matrix", "-o", str(tmp_path / "m.csv"), "--cols", "case", "-p", db])
    assert cols.exit_code == 2
