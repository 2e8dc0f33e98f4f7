"""`pdcode cooccur` on the hand-counted project of test_frequencies."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from pdcode.cli import app
from tests.test_frequencies import db  # noqa: F401  (the fixture)

runner = CliRunner()


def _pairs(db: str, *args: str) -> list[dict[str, object]]:  # noqa: F811
    result = runner.invoke(app, ["cooccur", "--format", "json", "-p", db, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_counts_and_jaccard_by_hand(db: str) -> None:  # noqa: F811
    # Sentences: x on One, Three, Five; y on One, Two, Six -> both on One only.
    [pair] = _pairs(db)
    assert pair == {"code_a": "x", "code_b": "y", "both": 1, "a": 3, "b": 3, "jaccard": 0.2}
    # Turns (and sources): x on a, b; y on a, c -> both on a; 1 / 3.
    for unit in ("turn", "source"):
        [pair] = _pairs(db, "--unit", unit)
        assert (pair["both"], pair["a"], pair["b"], pair["jaccard"]) == (1, 2, 2, 0.3333)
    # Groups: x and y roll up to g, which co-occurs with nothing else.
    assert _pairs(db, "--level", "group") == []


def test_outputs_and_heatmaps_are_reproducible(db: str, tmp_path: Path) -> None:  # noqa: F811
    for suffix in ("png", "svg"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        for path in (first, second):
            result = runner.invoke(app, ["cooccur", "--heatmap", str(path), "-p", db])
            assert result.exit_code == 0, result.output
        assert first.read_bytes() == second.read_bytes() and first.stat().st_size > 1000
    text = runner.invoke(app, ["cooccur", "--format", "csv", "-p", db]).stdout
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["jaccard"] == "0.2"
    book = tmp_path / "c.xlsx"
    assert (
        runner.invoke(app, ["cooccur", "--format", "xlsx", "-o", str(book), "-p", db]).exit_code
        == 0
    )
    import pandas as pd

    counts = pd.read_excel(book, sheet_name="counts")
    assert counts.set_index("code").loc["x", "y"] == 1
    bad = runner.invoke(app, ["cooccur", "--heatmap", str(tmp_path / "h.jpg"), "-p", db])
    assert bad.exit_code == 2 and ".png or .svg" in bad.stderr
    table = runner.invoke(app, ["cooccur", "-p", db])
    assert table.exit_code == 0 and "Codes on the same sentence" in table.stdout
