"""A team's analyst with a read-only PostgreSQL role: every reading verb works, a
writing verb stops with one line and writes nothing (docs/teams.md, Roles)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import REPO, SAMPLE, cli_ok, run_cli
from tests.postgres_support import Server, postgres_server

__all__ = ["postgres_server"]  # a fixture, used by name

pytestmark = pytest.mark.both_backends  # names its own PostgreSQL databases

BOOK = REPO / "codebooks" / "pd-leadership.yaml"


@pytest.fixture(scope="module")
def study(postgres_server: Server) -> Iterator[tuple[str, str]]:
    """The sample, coded, in a database; the owner's URL and a read-only analyst's."""
    name = "pdcode_roles_study"
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute("DROP ROLE IF EXISTS analyst")
        conn.execute("CREATE ROLE analyst LOGIN")
    owner = postgres_server.url(name)
    cli_ok("init", "-p", owner)
    cli_ok("import", str(SAMPLE), "--manifest", str(SAMPLE / "manifest.csv"), "-p", owner)
    cli_ok("code", "--codebook", str(BOOK), "-p", owner)
    with postgres_server.connect(name) as conn:  # as docs/teams.md tells the owner
        conn.execute(f'GRANT CONNECT ON DATABASE "{name}" TO analyst')
        conn.execute("GRANT USAGE ON SCHEMA public TO analyst")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO analyst")
    yield owner, owner.replace("://postgres@", "://analyst@")
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute("DROP ROLE IF EXISTS analyst")


@pytest.mark.parametrize(
    "verb",
    [
        ["sources", "--format", "csv"],
        ["frequencies", "--by", "strand", "--format", "csv"],
        ["cooccur", "--format", "csv"],
        ["compare", "--across", "strand", "--format", "csv"],
        ["export", "codings", "--format", "csv"],
        ["review", "summary", "--coder", "rules:pd-leadership@1.0.0"],
    ],
    ids=lambda verb: verb[0] if verb[0] != "export" else "export-codings",
)
def test_a_read_only_role_reads_what_the_owner_reads(
    study: tuple[str, str], verb: list[str]
) -> None:
    owner, analyst = study
    assert cli_ok(*verb, "-p", analyst) == cli_ok(*verb, "-p", owner)


def test_a_read_only_role_that_writes_gets_one_line_and_writes_nothing(
    study: tuple[str, str],
) -> None:
    owner, analyst = study
    before = cli_ok("export", "codings", "--format", "csv", "-p", owner)
    result = run_cli("code", "--codebook", str(BOOK), "-p", analyst)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: postgresql+psycopg://analyst@")
    assert "may not do this" in line and "nothing was written" in line
    assert "Traceback" not in result.output
    assert cli_ok("export", "codings", "--format", "csv", "-p", owner) == before
