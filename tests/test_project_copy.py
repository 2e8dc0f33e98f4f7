"""`pdcode project copy`: a whole project into another file or database, in one
transaction on the target, giving the same outputs as the original byte for byte."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pdcode import api
from pdcode.api import review, workbench
from pdcode.errors import ConflictError, ProjectError, UsageError
from pdcode.store import Project, schema
from pdcode.store import project as store_project
from tests.conftest import cli_ok as _ok
from tests.conftest import run_cli as _run

try:  # the PostgreSQL fixtures, where the suite has them (they skip without a server)
    from tests.postgres_support import pg_url, postgres_server  # noqa: F401

    HAVE_PG_FIXTURES = True
except ImportError:  # pragma: no cover
    HAVE_PG_FIXTURES = False

RULES = "rules:pd-leadership@1.0.0"


@pytest.fixture(scope="module")
def rich_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project with a hand coding, a memo, a review decision and the
    shipped model's suggestions."""
    folder = tmp_path_factory.mktemp("rich")
    db = api.run_demo(folder).project
    _ok("suggest", "--model", "pd-leadership", "-p", str(db))
    with Project.open(db) as project:
        source = api.list_sources(project)[0].name
        mine = workbench.code_span(project, source, 0, 12, "coaching", "ana")
        workbench.memo(project, "ana", "Borderline.", coding_id=mine["id"], title="why")
        workbench.memo(project, "ana", "Ask the head.", source=source)
        machine = api.codings(project, RULES)
        review.decide(project, machine[0]["id"], "ana", "accept")
        review.decide(project, machine[1]["id"], "ana", "reject")
    return Path(db)


@pytest.fixture
def original(rich_db: Path, tmp_path: Path) -> Path:
    db = tmp_path / "original" / "pdcode.db"
    db.parent.mkdir()
    shutil.copy(rich_db, db)
    return db


def _rows(location: str | Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, and of the codings view, in primary-key order."""
    with Project.open(location) as project, project.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in (*schema.metadata.sorted_tables, schema.codings)
        }


def _count(location: str | Path, table: Any) -> int:
    with Project.open(location) as project, project.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _qdpx_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _outputs(location: str | Path, folder: Path) -> dict[str, Any]:
    """What the verbs make of a project: exports, tables, summaries."""
    folder.mkdir(parents=True, exist_ok=True)
    where = str(location)
    qdpx = folder / "project.qdpx"
    _ok("export", "qdpx", "--output", str(qdpx), "-p", where)
    return {
        "qdpx": _qdpx_members(qdpx.read_bytes()),
        "frequencies": _ok("frequencies", "--by", "strand", "--format", "csv", "-p", where),
        "codings": _ok("export", "codings", "--format", "csv", "-p", where),
        "review": _ok("review", "summary", "--format", "json", "-p", where),
        "models": _ok("models", "list", "--json", "-p", where),
        "sources": _ok("sources", "--format", "json", "-p", where),
    }


def test_a_copy_gives_the_same_outputs_and_rows(original: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "pdcode.db"  # the folders are made
    out = _ok("project", "copy", str(original), str(target))
    rows = _rows(original)
    assert out.startswith(f"Copied {len(rows['sources'])} sources, ")
    assert f"{len(rows['codings'])} codings" in out and f"to {target}." in out
    assert all(rows[t] for t in ("memos", "reviews", "models")), "the sample lacks a table"
    assert _rows(target) == rows
    before = _outputs(original, tmp_path / "a")
    after = _outputs(target, tmp_path / "b")
    assert (tmp_path / "a" / "project.qdpx").read_bytes() == (
        tmp_path / "b" / "project.qdpx"
    ).read_bytes()
    assert after == before


def test_a_target_that_is_not_empty_is_refused_without_replace(
    original: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.db"
    with Project.create(target) as project:
        api.import_paths(project, [api.bundled("transcripts_sample")], api.ImportOptions())
    before = _rows(target)
    result = _run("project", "copy", str(original), str(target))
    assert result.exit_code == 1
    assert "not empty" in result.output and "--replace" in result.output
    assert _rows(target) == before

    _ok("project", "copy", str(original), str(target), "--replace")
    assert _rows(target) == _rows(original)


def test_the_same_project_twice_is_a_usage_error(original: Path) -> None:
    result = _run("project", "copy", str(original), f"sqlite:///{original}")
    assert result.exit_code == 2 and "same project" in result.output
    with pytest.raises(UsageError):
        api.copy_project(original, original.parent / ".." / original.parent.name / "pdcode.db")


def test_nothing_but_a_project_is_written_over(original: Path, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("not a project\n")
    with pytest.raises(ProjectError):
        api.copy_project(original, other)
    assert other.read_text() == "not a project\n"
    with pytest.raises(ProjectError, match="folder"):
        api.copy_project(original, tmp_path)
    missing = tmp_path / "missing.db"
    with pytest.raises(ProjectError, match="no project"):
        api.copy_project(missing, tmp_path / "out.db")
    assert not (tmp_path / "out.db").exists()


def test_ids_continue_after_a_copy(original: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    api.copy_project(original, target)
    _add_a_coding(target)


def _add_a_coding(location: str | Path) -> None:
    top = max(row[0] for row in _rows(location)["codings"])
    with Project.open(location) as project:
        source = api.list_sources(project)[1].name
        made = workbench.code_span(project, source, 0, 5, "trust", "ben")
        workbench.memo(project, "ben", "New.", coding_id=made["id"])
        assert made["id"] > top
        assert any(k["id"] == made["id"] for k in api.codings(project, "ben"))


@pytest.fixture
def failing_insert(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The batch insert fails on the codings, after the sources went in."""
    done: list[str] = []
    real = store_project.bulk_insert

    def insert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        if table.name == "coding_spans":
            raise RuntimeError("interrupted")
        real(conn, table, rows)
        done.append(table.name)

    monkeypatch.setattr(store_project, "bulk_insert", insert)
    yield done


def test_an_interrupted_copy_leaves_the_target_as_it_was(
    original: Path, tmp_path: Path, failing_insert: list[str]
) -> None:
    target = tmp_path / "copy.db"
    with pytest.raises(RuntimeError):
        api.copy_project(original, target)
    assert "sources" in failing_insert  # it failed midway
    assert _count(target, schema.sources) == 0
    assert all(not rows for name, rows in _rows(target).items() if name != "meta")

    # Replacing a project: an interruption leaves its old contents.
    with Project.create(tmp_path / "old.db") as project:
        api.import_paths(project, [api.bundled("transcripts_sample")], api.ImportOptions())
    before = _rows(tmp_path / "old.db")
    with pytest.raises(RuntimeError):
        api.copy_project(original, tmp_path / "old.db", replace=True)
    assert _rows(tmp_path / "old.db") == before


def test_a_refused_copy_says_so_in_one_line(original: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    api.copy_project(original, target)
    with pytest.raises(ConflictError, match="not empty"):
        api.copy_project(original, target)


@pytest.mark.both_backends
@pytest.mark.skipif(not HAVE_PG_FIXTURES, reason="no PostgreSQL fixtures in this suite")
def test_a_file_to_postgresql_and_back(original: Path, tmp_path: Path, pg_url: str) -> None:
    out = _ok("project", "copy", str(original), pg_url)
    assert "Copied " in out
    rows = _rows(original)
    assert _rows(pg_url) == rows
    expected = _outputs(original, tmp_path / "file")
    assert _outputs(pg_url, tmp_path / "pg") == expected

    back = tmp_path / "back" / "pdcode.db"
    _ok("project", "copy", pg_url, str(back))
    assert _rows(back) == rows
    assert _outputs(back, tmp_path / "back-out") == expected

    # Sequences continue after the copied ids; refusal and --replace on the server.
    _add_a_coding(pg_url)
    assert _run("project", "copy", str(original), pg_url).exit_code == 1
    _ok("project", "copy", str(original), pg_url, "--replace")
    assert _rows(pg_url) == rows
    _add_a_coding(pg_url)
