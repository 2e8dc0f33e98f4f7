"""Shared fixtures: fresh projects and paths to reference material."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from pdcode.store import Project
from tests.postgres_support import ACTIVE, Redirect, located, postgres_server
from tests.postgres_support import suite_backend as chosen_backend

__all__ = ["located", "postgres_server"]  # postgres_server: a fixture, used by name

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLE = REPO / "transcripts_sample"


@pytest.fixture(scope="session", autouse=True)
def _redirect(request: pytest.FixtureRequest) -> Iterator[Redirect | None]:
    """With ``PDCODE_TEST_BACKEND=postgresql`` (the ``tests-postgres`` nox session),
    every project the suite names by file lives in a database of its own on a
    throwaway PostgreSQL server, so the whole suite runs against both backends.
    Session-wide, so projects built by fixtures of any scope are redirected too."""
    if chosen_backend() == "sqlite":
        yield None
        return
    redirect = Redirect(request.getfixturevalue("postgres_server"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pdcode.store.project._url", redirect.url)
        ACTIVE.append(redirect)
        try:
            yield redirect
        finally:
            ACTIVE.remove(redirect)


@pytest.fixture(autouse=True)
def suite_backend(request: pytest.FixtureRequest, _redirect: Redirect | None) -> Iterator[str]:
    """The backend this test's projects live on. On PostgreSQL, tests about SQLite
    files themselves (``sqlite_only``) skip, and so do tests that run both backends
    themselves (``both_backends``): the SQLite session runs those, on the same kind
    of throwaway server."""
    if _redirect is None:
        yield "sqlite"
        return
    only = request.node.get_closest_marker("sqlite_only")
    if only is not None:
        pytest.skip(f"SQLite only: {only.kwargs.get('reason') or only.args[0]}")
    if request.node.get_closest_marker("both_backends"):
        pytest.skip("runs SQLite and PostgreSQL itself: the SQLite session runs it")
    _redirect.begin_test()
    try:
        yield "postgresql"
    finally:
        _redirect.end_test()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with Project.create(tmp_path / "p.db") as proj:
        yield proj


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"reference material not found at {SHARED} (../shared beside the checkout)")
    return SHARED


def own_copy(built: Path, tmp_path: Path) -> str:
    """A test's own copy of a project file a wider fixture built once, to write to
    freely (on PostgreSQL the copy is a copy of its database)."""
    import shutil

    copy = tmp_path / "p.db"
    shutil.copy(built, copy)
    return str(copy)


@contextmanager
def database(location: str | Path) -> Iterator[Connection]:
    """A connection to a project's database, whichever backend, in a transaction that
    commits on leaving: for tests that tamper with stored rows as another program
    could. Write SQL with ``sqlalchemy.text`` and named ``:parameters``."""
    with Project.open(location) as project, project.engine.begin() as conn:
        yield conn


@contextmanager
def unmigrated(location: str | Path) -> Iterator[Connection]:
    """``database``, but without opening the project, which would bring an older
    schema up to date first: for tests that build a project as an older pdcode did."""
    from pdcode.store.project import _make_engine

    engine = _make_engine(location)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def v6_project(location: str | Path) -> None:
    """An empty project at ``location`` (whichever backend) as pdcode wrote it at
    schema version 6, before compact codings: for the tests of older projects."""
    from pdcode.store import legacy, migrations, schema

    Project.create(location).close()
    with unmigrated(location) as conn:
        conn.execute(text("DROP VIEW codings"))
        schema.metadata.drop_all(conn)
        legacy.create_v6(conn)
        migrations.set_version(conn, 6)


def run_cli(*args: str) -> Any:
    """``pdcode ARGS`` in process, as a user runs it (the Click result)."""
    from pdcode.cli import app

    return CliRunner().invoke(app, list(args))


def cli_ok(*args: str) -> str:
    """``pdcode ARGS``'s standard output, asserting it succeeded."""
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return str(result.stdout)
