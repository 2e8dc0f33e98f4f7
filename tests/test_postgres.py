"""A team project on PostgreSQL works as a file on SQLite does: the sample workflow
through the CLI gives byte-identical outputs on both, and the workbench's
decisions stay one per reviewer and coding when two arrive at once.

Every test here needs the throwaway server of ``tests.postgres_support``; they skip
where none can start (and fail with ``PDCODE_REQUIRE_POSTGRES=1``, as in CI).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from pdcode import api
from pdcode.api import review, workbench
from pdcode.cli import app
from pdcode.errors import ConflictError
from pdcode.store import Project, coding_ids, schema
from pdcode.store import bulk as store_bulk
from pdcode.store import project as store_project
from pdcode.store import reviews as review_store
from tests.conftest import REPO, SAMPLE
from tests.postgres_support import Server, pg_url, postgres_server

__all__ = ["pg_url", "postgres_server"]  # fixtures, used by name

# These tests compare the two backends themselves: never redirect their files.
pytestmark = pytest.mark.both_backends

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"

OUTPUTS = {
    "frequencies": ["frequencies", "--by", "strand", "--format", "csv"],
    "codings": ["export", "codings", "--format", "csv"],
    "segments": ["export", "segments", "--unit", "turn", "--format", "csv"],
    "cooccur": ["cooccur", "--format", "csv"],
    "compare": ["compare", "--across", "strand", "--format", "csv"],
    "review": ["review", "export", "--coder", RULES, "--reviewer", "ana"],
    "sources": ["sources", "--format", "csv"],
}


def _cli(*args: str) -> bytes:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout_bytes


def _build(location: str) -> None:
    _cli("init", "-p", location)
    _cli("import", str(SAMPLE), "--manifest", str(SAMPLE / "manifest.csv"), "-p", location)
    _cli("code", "--codebook", str(BOOK), "-p", location)


@pytest.fixture(scope="module")
def both(
    postgres_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The sample, imported and coded, in a SQLite file and in a PostgreSQL database."""
    name = "pdcode_sample_workflow"
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    projects = {
        "sqlite": str(tmp_path_factory.mktemp("sqlite") / "p.db"),
        "postgresql": postgres_server.url(name),
    }
    for location in projects.values():
        _build(location)
    yield projects
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Names whose order differs between code points (SQLite, and PostgreSQL's "C") and a
# language's collation (ICU en-US on the test server; most teams' servers): case,
# digits against underscores and hyphens, accents.
TRICKY = [
    ("a_b.txt", "strand_B", "case_b"),
    ("a1.txt", "strand1", "Case-1"),
    ("B.txt", "Strand-2", "case_b"),
    ("a.txt", "strand1", "éclair"),
    ("Ab.txt", "strand_B", "Case-1"),
    ("éa.txt", "Zeta", "case1"),
    ("Z-z.txt", "Strand-2", "case1"),
    ("0.txt", "", ""),  # no strand, no case: NULLs sort first on SQLite, last on PostgreSQL
]


@pytest.fixture(scope="module")
def tricky(
    postgres_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """A few sample transcripts under names, strands and cases that collate apart."""
    folder = tmp_path_factory.mktemp("tricky")
    texts = sorted(p for p in SAMPLE.iterdir() if p.suffix == ".txt")
    lines = ["file,strand,case,role"]
    for (name, strand, case), text in zip(TRICKY, itertools.cycle(texts), strict=False):
        (folder / name).write_bytes(text.read_bytes())
        lines.append(f"{name},{strand},{case},{'Head' if len(lines) % 2 else 'head_1'}")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    name = "pdcode_tricky_names"
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    projects = {
        "sqlite": str(tmp_path_factory.mktemp("tricky-sqlite") / "p.db"),
        "postgresql": postgres_server.url(name),
    }
    for location in projects.values():
        _cli("init", "-p", location)
        _cli("import", str(folder), "--manifest", str(folder / "manifest.csv"), "-p", location)
        _cli("code", "--codebook", str(BOOK), "-p", location)
    yield projects
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


TRICKY_OUTPUTS = {
    **OUTPUTS,
    "matrix": ["matrix", "--rows", "role", "--format", "csv"],
    "by-case": ["frequencies", "--by", "case", "--format", "csv"],
}


@pytest.mark.parametrize("output", sorted(TRICKY_OUTPUTS))
def test_names_that_collate_apart_keep_the_sqlite_order_on_postgresql(
    tricky: dict[str, str], output: str
) -> None:
    _same(TRICKY_OUTPUTS[output], tricky, output)


def _same(command: list[str], projects: dict[str, str], output: str) -> None:
    lite = _cli(*command, "-p", projects["sqlite"])
    pg = _cli(*command, "-p", projects["postgresql"])
    assert lite.count(b"\n") > 1, lite[:500]
    if pg != lite:  # the first differing line, not two walls of CSV
        pairs = zip(lite.splitlines(), pg.splitlines(), strict=False)
        first = next(((i, a, b) for i, (a, b) in enumerate(pairs) if a != b), None)
        pytest.fail(f"{output}: PostgreSQL differs from SQLite at line {first}")


@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_the_sample_workflow_gives_the_same_bytes_on_both_backends(
    both: dict[str, str], output: str
) -> None:
    _same(OUTPUTS[output], both, output)


def test_the_project_on_postgresql_is_the_coded_sample(both: dict[str, str]) -> None:
    with api.open_project(both["postgresql"]) as project:
        assert project.engine.dialect.name == "postgresql"
        assert len(api.list_sources(project)) == 14
        assert len(api.codings(project, RULES)) > 100


@pytest.fixture
def coded(pg_url: str) -> Iterator[Project]:
    """A PostgreSQL project with two sample transcripts, coded by the rules."""
    with api.init_project(pg_url) as project:
        files = sorted(p for p in SAMPLE.iterdir() if p.suffix == ".txt")[:2]
        api.import_paths(project, files, api.ImportOptions())
        api.code_project(project, BOOK)
        yield project


def test_two_decisions_at_once_on_one_coding_store_exactly_one(coded: Project) -> None:
    target = api.codings(coded, RULES)[0]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def decide(decision: str) -> None:
        barrier.wait()
        try:
            outcomes.append(review.decide(coded, target["id"], "ana", decision))
        except ConflictError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("accept", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1, outcomes
    stored = review_store.review_rows(coded, reviewer="ana")
    assert len(stored) == 1
    # An accept adds the span as ana's coding, a reject nothing: as the one stored says.
    mine = api.codings(coded, "ana")
    assert len(mine) == (1 if stored[0]["decision"] == "accept" else 0)


def test_a_span_coded_by_hand_shows_in_the_reader(coded: Project) -> None:
    source = api.list_sources(coded)[0].name
    text = coded.source_text(source)
    start = text.index(" ") + 1
    end = start + 20
    made = workbench.code_span(coded, source, start, end, "coaching", "ben")
    again = workbench.code_span(coded, source, start, end, "coaching", "ben")
    assert again["id"] == made["id"]
    page = workbench.reader(coded, source, ["ben"])
    assert [(k["start"], k["end"], k["code"], k["coder"]) for k in page["codings"]] == [
        (start, end, "coaching", "ben")
    ]
    assert page["codings"][0]["text"] == text[start:end]
    everyone = workbench.reader(coded, source)
    assert {k["coder"] for k in everyone["codings"]} >= {"ben", RULES}


# -- bulk writes: PostgreSQL's COPY gives what SQLite stores ---------------------------

# Text that COPY's text format must escape or carry unchanged: its delimiter (tab),
# row end (newline, carriage return), escape (backslash), its NULL marker written
# out, quotes, and characters beyond ASCII.
AWKWARD = [
    "tab\there",
    "line\nbreak\r\nand more",
    "back\\slash \\N \\t",
    "\\N",
    "'single' \"double\"",
    "é, ß, 中文, emoji 😀, combining e\u0301",
    "",
    " ",
]


def _codings(source_id: int, n: int, mixed: bool) -> list[dict[str, Any]]:
    """``n`` coding rows with NULLs, awkward text and floats that must round-trip;
    ``mixed`` puts ints among a float column's values, so psycopg picks each
    value's dumper itself (the path without set_types)."""
    rows = []
    for i in range(n):
        probability: float | int | None = [None, i / 7, 1e-300, 1 / 3][i % 4]
        if mixed and i % 5 == 0:
            probability = 1
        rows.append(
            {
                "source_id": source_id,
                "start": i,
                "end": i + 1 + i % 9,
                "code": f"code_{i % 13}",
                "codebook_id": None,
                "coder": "human:ana",
                "provenance": AWKWARD[i % len(AWKWARD)] + f" #{i}",
                "rule": None if i % 3 == 0 else AWKWARD[(i + 1) % len(AWKWARD)],
                "match_start": None if i % 2 else i,
                "match_end": None if i % 2 else i + 1,
                "probability": probability,
                "threshold": None,
                "created_at": "2026-12-01T00:00:00Z",
            }
        )
    return rows


def _segments(source_id: int, n: int) -> list[dict[str, Any]]:
    return [
        {
            "source_id": source_id,
            "unit": "sentence",
            "idx": i,
            "speaker": None if i % 4 == 0 else AWKWARD[i % len(AWKWARD)],
            "is_interviewer": i % 3 == 0,
            "start": 2 * i,
            "end": 2 * i + 1,
            "start_time": None if i % 2 else i * 0.1,
            "end_time": None,
        }
        for i in range(n)
    ]


def _bulk_round_trip(location: str, table: Any, make: Any) -> list[tuple[Any, ...]]:
    """Rows written by ``bulk_insert`` into a fresh project at ``location`` and read
    back, in insertion order, without their ids."""
    with api.init_project(location) as project:
        api.import_paths(project, [sorted(SAMPLE.glob("*.txt"))[0]], api.ImportOptions())
        with project.engine.begin() as conn:
            source_id = conn.execute(select(schema.sources.c.id)).scalar_one()
            rows = make(source_id)
            if table is schema.segments:  # the sample's own segments make way
                conn.execute(schema.segments.delete())
            if table is schema.codings:  # a view: codings are written as their spans
                coding_ids.insert_codings(conn, rows)
            else:
                store_project.bulk_insert(conn, table, rows)
        columns = [table.c[k] for k in rows[0]]
        with project.engine.connect() as conn:
            stored = conn.execute(select(*columns).order_by(table.c.id)).all()
    assert [tuple(r[k] for k in rows[0]) for r in rows] == [tuple(r) for r in stored]
    return [tuple(r) for r in stored]


@pytest.mark.parametrize("kind", ["codings", "codings-mixed-types", "segments"])
def test_a_large_batch_through_copy_reads_back_as_written_and_as_on_sqlite(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    n = 3 * store_bulk.COPY_MIN_ROWS + 5
    if kind == "segments":
        table: Any = schema.segments
        make: Any = lambda source_id: _segments(source_id, n)  # noqa: E731
    else:
        table = schema.codings
        make = lambda source_id: _codings(source_id, n, kind.endswith("mixed-types"))  # noqa: E731
    copied: list[int] = []
    real_copy = store_bulk._copy_rows

    def spy(conn: Any, table: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
        copied.append(len(rows))
        real_copy(conn, table, keys, rows)

    monkeypatch.setattr(store_bulk, "_copy_rows", spy)
    on_pg = _bulk_round_trip(pg_url, table, make)
    assert n in copied  # the batch went through COPY
    on_sqlite = _bulk_round_trip(str(tmp_path / "p.db"), table, make)
    assert on_pg == on_sqlite


def test_a_failed_copy_is_sqlalchemys_error_and_leaves_nothing(pg_url: str) -> None:
    with api.init_project(pg_url) as project:
        api.import_paths(project, [sorted(SAMPLE.glob("*.txt"))[0]], api.ImportOptions())
        with project.engine.connect() as conn:
            source_id = conn.execute(select(schema.sources.c.id)).scalar_one()
        rows = _codings(source_id + 1, store_bulk.COPY_MIN_ROWS, mixed=False)  # no such source
        # As the pipelined INSERTs would: SQLAlchemy's IntegrityError, and the
        # transaction, with the row written before the COPY, rolled back.
        with pytest.raises(IntegrityError), project.engine.begin() as conn:
            coding_ids.insert_codings(conn, [rows[0] | {"source_id": source_id}])
            coding_ids.insert_codings(conn, rows)
        with project.engine.connect() as conn:
            assert conn.execute(select(schema.codings.c.id)).all() == []
