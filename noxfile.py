"""Test and lint sessions; `nox -s tests` is the command the README and CI run."""

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session(name="tests-postgres")
def tests_postgres(session: nox.Session) -> None:
    """The whole suite again, every project in a PostgreSQL database on a throwaway
    server made from the system's binaries (tests about SQLite files themselves
    skip). PDCODE_REQUIRE_POSTGRES turns "no server" into a failure, not a skip."""
    session.install(".[test]")
    env = {"PDCODE_TEST_BACKEND": "postgresql", "PDCODE_REQUIRE_POSTGRES": "1"}
    session.run("pytest", *session.posargs, env=env)


@nox.session
def lint(session: nox.Session) -> None:
    session.install(".[lint]")
    session.run("ruff", "check", "src", "tests", "benchmarks")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks")
    session.run("mypy")
