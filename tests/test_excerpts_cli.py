"""`pdcode excerpts CODE`: one code's excerpts in the terminal, the same as
`pdcode export excerpts --code CODE` writes, grouped by strand, with filters and
context sentences."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from pdcode import api
from tests.conftest import REPO, SAMPLE, cli_ok, run_cli

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"
# The line under each excerpt: source · case · role · speaker · START–END · coder
CITE = re.compile(
    r"^  — (?P<source>[^ ]+) · (?:.* · )?(?P<start>\d+)–(?P<end>\d+) · (?P<coder>.+)$"
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample imported with its manifest and coded with the shipped codebook,
    and a few human codings of trust beside the rules'."""
    folder = tmp_path_factory.mktemp("sample")
    db = str(folder / "p.db")
    cli_ok("init", "-p", db)
    cli_ok("import", str(SAMPLE), "--manifest", str(SAMPLE / "manifest.csv"), "-p", db)
    cli_ok("code", "--codebook", str(BOOK), "-p", db)
    sheet = folder / "ana.csv"
    sheet.write_text(
        "source,start,end,code\n"
        "s3_oakfield_head.docx,0,40,trust\n"
        "s1_union_officer.srt,100,160,trust\n",
        encoding="utf-8",
    )
    cli_ok("codings", "import", str(sheet), "--coder", "ana", "-p", db)
    return db


def _exported(db: str, *args: str) -> list[dict[str, Any]]:
    """The excerpt rows of `export excerpts --format csv` (memo rows left out)."""
    out = cli_ok("export", "excerpts", "--format", "csv", "-p", db, *args)
    rows = list(csv.DictReader(io.StringIO(out)))
    return [r for r in rows if r.get("kind", "excerpt") == "excerpt"]


def _shown(out: str) -> list[tuple[str, int, int, str]]:
    found = [CITE.match(line) for line in out.splitlines()]
    return [(m["source"], int(m["start"]), int(m["end"]), m["coder"]) for m in found if m]


def test_the_same_excerpts_as_export_excerpts_in_the_same_order(db: str) -> None:
    expected = _exported(db, "--code", "trust")
    assert len(expected) >= 5 and {r["coder"] for r in expected} == {RULES, "ana"}
    out = cli_ok("excerpts", "trust", "-p", db)
    assert _shown(out) == [
        (r["source"], int(r["start"]), int(r["end"]), r["coder"]) for r in expected
    ]
    # Each excerpt's text, whole, in that order.
    position = 0
    for row in expected:
        position = out.index(row["text"], position) + len(row["text"])
    lines = out.splitlines()
    assert lines[0] == f"Trust (trust): {len(expected)} excerpts"
    assert lines[1] == "Trust between staff and leaders, or its absence."
    # Grouped by strand, each heading with its count.
    for strand in ("strand1", "strand2", "strand3"):
        count = sum(1 for r in expected if r["strand"] == strand)
        assert f"{strand} ({count})" in lines
    # By name, any case, the same.
    assert cli_ok("excerpts", "TRUST", "-p", db) == out


def test_speaker_case_and_offsets_are_shown(db: str) -> None:
    out = cli_ok("excerpts", "coaching", "--strand", "strand3", "-p", db)
    with api.open_project(db) as project:
        rows = [r for r in api.codings(project, code="coaching") if r["strand"] == "strand3"]
        for source, start, end, _coder in _shown(out):
            assert project.source_text(source)[start:end] in out
    row = rows[0]
    cite = f"  — {row['source']} · {row['case']} · "
    assert any(
        line.startswith(cite) and f" · {row['speaker']} · " in line for line in out.splitlines()
    )


def test_coder_strand_and_limit(db: str) -> None:
    mine = cli_ok("excerpts", "trust", "--coder", "ana", "-p", db)
    assert [s[3] for s in _shown(mine)] == ["ana", "ana"]
    assert _shown(mine) == [
        (r["source"], int(r["start"]), int(r["end"]), "ana")
        for r in _exported(db, "--code", "trust", "--coder", "ana")
    ]
    strand = cli_ok("excerpts", "trust", "--strand", "strand2", "-p", db)
    assert _shown(strand) == [
        (r["source"], int(r["start"]), int(r["end"]), r["coder"])
        for r in _exported(db, "--code", "trust", "--strand", "strand2")
    ]
    everything = _shown(cli_ok("excerpts", "trust", "-p", db))
    first = cli_ok("excerpts", "trust", "--limit", "3", "-p", db)
    assert _shown(first) == everything[:3]
    assert first.splitlines()[0] == f"Trust (trust): 3 of {len(everything)} excerpts"
    assert run_cli("excerpts", "trust", "--limit", "0", "-p", db).exit_code == 2


def test_context_sentences_around_each_excerpt(db: str) -> None:
    plain = cli_ok("excerpts", "trust", "--coder", RULES, "-p", db)
    wide = cli_ok("excerpts", "trust", "--coder", RULES, "--context", "1", "-p", db)
    assert _shown(wide) == _shown(plain)
    with api.open_project(db) as project:
        for source, start, end, _coder in _shown(plain):
            text = project.source_text(source)
            sentences = project.segments_of(source, "sentence")
            before = [s for s in sentences if s.end <= start]
            after = [s for s in sentences if s.start >= end]
            # The sentence before and the one after, around the excerpt, on its line.
            line = "".join(
                text[a:b]
                for a, b in (
                    (before[-1].start if before else start, end),
                    (end, after[0].end if after else end),
                )
            )
            assert line in wide


def test_unknown_codes_are_usage_errors_naming_near_matches(db: str) -> None:
    near = run_cli("excerpts", "trsut", "-p", db)
    assert near.exit_code == 2
    assert near.stderr.strip() == "Error: unknown code 'trsut' (did you mean trust?)"
    by_name = run_cli("excerpts", "Coaching and mentorin", "-p", db)
    assert by_name.exit_code == 2 and "Coaching and mentoring" in by_name.stderr
    far = run_cli("excerpts", "zzzzzz", "-p", db)
    assert far.exit_code == 2 and "choose from vision_led, reactive_pd" in far.stderr
    group = run_cli("excerpts", "culture", "-p", db)
    assert group.exit_code == 2 and "is a group of codes" in group.stderr
    assert run_cli("excerpts", "trust", "--coder", "nobody", "-p", db).exit_code == 2


def test_help_names_the_options(tmp_path: Path) -> None:
    help_text = cli_ok("excerpts", "--help")
    for option in ("--coder", "--strand", "--limit", "--context"):
        assert option in help_text
