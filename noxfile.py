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
    """The PostgreSQL tests against a throwaway server made from the system's
    binaries; PDCODE_REQUIRE_POSTGRES turns their skip (no server) into a failure."""
    session.install(".[test]")
    session.run(
        "pytest", "tests/test_postgres.py", *session.posargs, env={"PDCODE_REQUIRE_POSTGRES": "1"}
    )


@nox.session
def lint(session: nox.Session) -> None:
    session.install(".[lint]")
    session.run("ruff", "check", "src", "tests", "benchmarks")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks")
    session.run("mypy")
