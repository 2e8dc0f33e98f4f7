"""The shipped sample: every transcript imports, every turn goes to the right speaker."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from pdcode import api
from pdcode.cli import app
from tests.conftest import SAMPLE


def test_manifest_names_every_sample_file() -> None:
    with (SAMPLE / "manifest.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    files = {p.name for p in SAMPLE.iterdir() if p.name != "manifest.csv"}
    assert {r["file"] for r in rows} == files
    assert len(files) >= 12
    assert {r["strand"] for r in rows} == {"strand1", "strand2", "strand3"}
    assert {Path(f).suffix for f in files} == {".txt", ".docx", ".vtt", ".srt"}


def test_demo_imports_the_whole_sample(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "14 imported, 0 unchanged, 0 skipped, 0 failed" in result.stdout
    with api.open_project(tmp_path / "pdcode.db") as project:
        sources = api.list_sources(project)
        turns = project.segment_rows("turn")
    assert len(sources) == 14
    assert all(s.strand and s.case and dict(s.attributes)["role"] for s in sources)
    # Every interview alternates interviewer and respondent: two speakers, one
    # flagged, with as many respondent turns as interviewer turns.
    by_source: dict[str, Counter[bool]] = {}
    speakers: dict[str, set[str]] = {}
    for row in turns:
        by_source.setdefault(row["source"], Counter())[row["is_interviewer"]] += 1
        speakers.setdefault(row["source"], set()).add(row["speaker"])
    for name, counts in by_source.items():
        assert counts[True] == counts[False] > 3, name
        assert len(speakers[name]) == 2, name
    # No speaker label leaks into a turn's text.
    for row in turns:
        assert not row["text"].startswith(tuple(f"{s}:" for s in speakers[row["source"]]))


def test_demo_codes_every_leaf_with_its_rule(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Coded with rules:pd-leadership@1.0.0." in result.stdout
    assert "Codes by strand; references are coded sentences" in result.stdout
    exported = CliRunner().invoke(app, ["export", "codings", "-p", str(tmp_path / "pdcode.db")])
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    from pdcode.codebook import leaves, load_codebook
    from tests.conftest import REPO

    book = load_codebook(REPO / "codebooks" / "pd-leadership.yaml")
    assert {r["code"] for r in rows} == {c.id for c in leaves(book)}
    assert all(r["rule"] and r["text"] for r in rows)
