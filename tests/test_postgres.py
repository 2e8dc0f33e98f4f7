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

import pytest
from typer.testing import CliRunner

from pdcode import api
from pdcode.api import review, workbench
from pdcode.cli import app
from pdcode.errors import ConflictError
from pdcode.store import Project
from pdcode.store import reviews as review_store
from tests.conftest import REPO, SAMPLE
from tests.postgres_support import Server, pg_url, postgres_server

__all__ = ["pg_url", "postgres_server"]  # fixtures, used by name

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
