"""The project store: creation, schema versions, migrations, transactions."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from pdcode.errors import ProjectError
from pdcode.records import NewSource, Segment
from pdcode.segment import as_row
from pdcode.store import SCHEMA_VERSION, Project, migrations
from tests.conftest import located, unmigrated, v6_project


def _source(name: str = "a.txt", file: str | None = None, sha: str = "0" * 64) -> NewSource:
    body = "Interviewer: Why?\n\nP1: Because we trust them."
    return NewSource(
        name=name,
        file=file or name,
        format="txt",
        sha256=sha,
        text=body,
        strand="strand3",
        case="oakfield",
        attributes=(("role", "teacher"),),
        case_attributes=(("phase", "primary"),),
        segments=(
            as_row(Segment("turn", 0, 13, 17, "Interviewer", True)),
            as_row(Segment("turn", 1, 23, len(body), "P1")),
        ),
    )


def _tables(location: Path) -> set[str]:
    with Project.open(location) as project, project.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _columns(location: Path, table: str) -> set[str]:
    with Project.open(location) as project, project.engine.connect() as conn:
        return {column["name"] for column in inspect(conn).get_columns(table)}


def _downgrade(location: Path, version: int, *statements: str) -> None:
    """Make a project look as an older pdcode wrote it: run ``statements`` on its
    database (whichever backend) and set its stored schema version."""
    with unmigrated(location) as conn:
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)}
        )


@pytest.mark.sqlite_only(reason="the journal mode of a SQLite file")
def test_a_sqlite_project_writes_ahead(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    Project.create(location).close()
    with sqlite3.connect(location) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_create_sets_schema_version_and_tables(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    with Project.create(location) as project:
        assert project.schema_version() == SCHEMA_VERSION
    tables = _tables(location)
    assert {
        "sources",
        "cases",
        "source_attributes",
        "case_attributes",
        "segments",
        "codebooks",
        "codes",
        "coding_spans",
        "coding_origins",
        "coding_codes",
        "coding_rules",
        "memos",
    } <= tables
    with Project.open(location) as project, project.engine.connect() as conn:
        assert "codings" in inspect(conn).get_view_names()


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    location.write_text("not empty")
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(location)


def test_open_missing_project_names_it(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no project here"):
        Project.open(tmp_path / "missing.db")


def test_open_rejects_newer_schema(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    Project.create(location).close()
    _downgrade(location, 999)
    with pytest.raises(ProjectError, match="newer than this pdcode"):
        Project.open(location)


def test_open_rejects_other_sqlite_file(tmp_path: Path) -> None:
    location = tmp_path / "other.db"
    with sqlite3.connect(location) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ProjectError, match="not a pdcode project"):
        Project.open(location)


def test_registered_steps_upgrade_an_old_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = tmp_path / "p.db"
    Project.create(location).close()
    ran: list[int] = []

    def add_column(conn: Connection) -> None:
        conn.execute(text("ALTER TABLE sources ADD COLUMN language VARCHAR(16)"))
        ran.append(SCHEMA_VERSION + 1)

    monkeypatch.setitem(migrations.STEPS, SCHEMA_VERSION + 1, add_column)
    monkeypatch.setattr(migrations.schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Project.open(location) as project:
        assert project.schema_version() == SCHEMA_VERSION + 1
    assert ran == [SCHEMA_VERSION + 1]
    assert "language" in _columns(location, "sources")


def test_missing_step_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = tmp_path / "p.db"
    Project.create(location).close()
    monkeypatch.setattr(migrations.schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(ProjectError, match="no migration registered"):
        Project.open(location)


def test_add_and_read_back(project: Project) -> None:
    project.add_file([_source()])
    [summary] = project.source_summaries()
    assert (summary.name, summary.strand, summary.case) == ("a.txt", "strand3", "oakfield")
    assert summary.attributes == (("role", "teacher"),)
    assert summary.turns == 2
    assert summary.words == 5  # "Why" + "Because we trust them"
    [turn] = [r for r in project.segment_rows("turn") if r["speaker"] == "P1"]
    assert turn["text"] == "Because we trust them."
    assert project.file_state("a.txt") == [("a.txt", "0" * 64)]


def test_failed_file_leaves_nothing(project: Project) -> None:
    bad = NewSource(name="a.txt", file="b.txt", format="txt", sha256="1" * 64, text="x")
    # The second source collides with the first inside one file: the whole file rolls back.
    with pytest.raises(IntegrityError):
        project.add_file([_source(file="b.txt"), bad])
    assert project.source_summaries() == []
    assert project.segment_rows("turn") == []


def test_replace_removes_old_sources_of_the_file(project: Project) -> None:
    project.add_file([_source("s.csv#1", "s.csv"), _source("s.csv#2", "s.csv")])
    project.add_file([_source("s.csv#3", "s.csv", sha="2" * 64)], replace=True)
    assert [s.name for s in project.source_summaries()] == ["s.csv#3"]
    assert len(project.segment_rows("turn")) == 2


def test_file_states_reads_many_files_in_chunks(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pdcode.store.project as store_project

    project.add_file([_source("s.csv#2", "s.csv", "2" * 64), _source("s.csv#1", "s.csv")])
    project.add_file([_source("a.txt")])
    project.add_file([_source("b.txt", sha="3" * 64)])
    monkeypatch.setattr(store_project, "_IN_CHUNK", 2)  # three queries for five names
    states = project.file_states(["b.txt", "s.csv", "none.txt", "a.txt", "b.txt", "c.txt"])
    assert states == {
        "a.txt": [("a.txt", "0" * 64)],
        "b.txt": [("b.txt", "3" * 64)],
        "s.csv": [("s.csv#1", "0" * 64), ("s.csv#2", "2" * 64)],
    }
    assert all(project.file_state(f) == states.get(f, []) for f in ("a.txt", "s.csv", "x"))


def test_kill_mid_import_leaves_no_partial_source(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    Project.create(location).close()
    # A child process inserts a source, then is killed before it commits.
    script = textwrap.dedent(
        f"""
        import os, signal
        from pdcode.store import Project, schema
        from pdcode.records import NewSource
        p = Project.open({located(location)!r})
        original = p._insert_source
        def insert_then_die(conn, source):
            original(conn, source)
            os.kill(os.getpid(), signal.SIGKILL)
        p._insert_source = insert_then_die
        p.add_file([NewSource(name="k.txt", file="k.txt", format="txt", sha256="0"*64, text="t")])
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -9
    with Project.open(location) as project:
        assert project.source_summaries() == []


def test_a_version_1_project_gains_the_source_code_index(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    v6_project(location)
    _downgrade(location, 1, "DROP INDEX ix_codings_source_code")  # as pdcode 1 wrote it
    with Project.open(location) as project:
        assert project.schema_version() == SCHEMA_VERSION
        with project.engine.connect() as conn:
            names = {index["name"] for index in inspect(conn).get_indexes("coding_spans")}
    assert "ix_coding_spans_source_code" in names


def test_a_version_2_project_gains_the_reviews_table(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    v6_project(location)
    _downgrade(location, 2, "DROP TABLE reviews")  # as pdcode wrote it before reviews
    with Project.open(location) as project:
        assert project.schema_version() == SCHEMA_VERSION
    assert "reviews" in _tables(location)


def test_a_version_3_project_gains_models_and_the_probability_of_codings(tmp_path: Path) -> None:
    from pdcode.records import NewCoding
    from pdcode.store import codings

    location = tmp_path / "p.db"
    v6_project(location)
    with unmigrated(location) as conn:
        conn.execute(
            text(
                "INSERT INTO sources (id, name, file, format, sha256, imported_at, text) "
                "VALUES (1, 'a.txt', 'a.txt', 'txt', :sha, 'then', :text)"
            ),
            {"sha": "0" * 64, "text": _source().text},
        )
        conn.execute(
            text(
                'INSERT INTO codings (source_id, start, "end", code, coder, provenance, '
                "created_at) VALUES (1, 23, 30, 'trust', 'human:ana', 'human:ana', 'then')"
            )
        )
    _downgrade(  # as pdcode wrote it before learned models
        location,
        3,
        "DROP TABLE models",
        "ALTER TABLE codings DROP COLUMN probability",
        "ALTER TABLE codings DROP COLUMN threshold",
    )
    with Project.open(location) as project:
        assert project.schema_version() == SCHEMA_VERSION
        [row] = codings.coding_rows(project)
        assert (row["code"], row["probability"], row["threshold"]) == ("trust", None, None)
        codings.replace_codings(
            project, "model:m@0", "model:m@0", ["a.txt"],
            [NewCoding("a.txt", 23, 30, "trust", probability=0.75, threshold=0.5)],
        )  # fmt: skip
        found = codings.coding_rows(project, coder="model:m@0")
        assert [(r["probability"], r["threshold"]) for r in found] == [(0.75, 0.5)]
    assert "models" in _tables(location)
    assert {"probability", "threshold"} <= _columns(location, "coding_spans")
    # Opening again runs nothing twice.
    with Project.open(location) as project:
        assert project.schema_version() == SCHEMA_VERSION


def test_the_version_4_columns_compile_nullable_for_sqlite_and_postgresql() -> None:
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateColumn

    from pdcode.store import legacy

    for dialect in (sqlite.dialect(), postgresql.dialect()):
        spec = str(CreateColumn(legacy.codings.c.probability).compile(dialect=dialect))
        assert spec.startswith("probability ") and "NOT NULL" not in spec


def test_projects_live_on_the_backend_the_suite_runs_on(
    project: Project, suite_backend: str
) -> None:
    # With PDCODE_TEST_BACKEND=postgresql every project named by file must really be
    # in PostgreSQL, or the tests-postgres session would quietly test SQLite again.
    assert project.engine.dialect.name == suite_backend
