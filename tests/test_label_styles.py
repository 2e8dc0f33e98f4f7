"""Speaker turns of transcripts in the label styles researchers use, against
hand-written answer keys (tests/fixtures/transcripts/*.expected.json)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from pdcode.ingest import load

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
# The development set of benchmarks/ too (never the held-out sets).
DEV = Path(__file__).parent.parent / "benchmarks" / "labels-dev"
BUILDER = Path(__file__).parent.parent / "benchmarks" / "build_docx.py"
KEYS = sorted(FIXTURES.glob("*.expected.json")) + sorted(DEV.glob("*.expected.json"))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _source(key_file: Path, tmp_path: Path) -> Path:
    name = key_file.name.removesuffix(".expected.json")
    folder = key_file.parent
    if not name.endswith(".docx"):
        return folder / name
    spec = importlib.util.spec_from_file_location("build_docx", BUILDER)
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    out = tmp_path / name
    builder.build(folder / f"{name}.json", out)
    return out


@pytest.mark.parametrize(
    "key_file", KEYS, ids=[k.name.removesuffix(".expected.json") for k in KEYS]
)
def test_every_turn_is_exact(key_file: Path, tmp_path: Path) -> None:
    key = json.loads(key_file.read_text(encoding="utf-8"))
    document = load(_source(key_file, tmp_path)).documents[0]
    got = [
        (t.speaker, t.is_interviewer, _collapse(document.text[t.start : t.end]))
        for t in document.turns
    ]
    expected = [(t["speaker"], t["interviewer"], _collapse(t["text"])) for t in key["turns"]]
    assert got == expected
    # No label is left inside any turn's span: every label line was taken as one.
    labels = "|".join(re.escape(s) for s in sorted({s for s, _, _ in expected if s}))
    at_line_start = re.compile(rf"(?m)^\W*(?:{labels})\W*:")
    for turn in document.turns:
        assert not at_line_start.search(document.text[turn.start : turn.end])


def test_there_are_fixtures_in_every_style() -> None:
    styles = " ".join(json.loads(k.read_text(encoding="utf-8"))["style"] for k in KEYS)
    assert len(KEYS) >= 30
    for word in ("lower-case", "Otter", "bold", "table", "Participant", "Interviewee 1"):
        assert word.casefold() in styles.casefold(), word
