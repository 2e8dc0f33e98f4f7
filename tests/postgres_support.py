"""A throwaway PostgreSQL server for the tests, made from the system's binaries.

``postgres_server`` (once per session) runs ``initdb`` and ``pg_ctl`` in a temporary
folder, listening only on a unix socket in that folder, with trust authentication;
it is stopped and removed at the end of the session. ``pg_url`` gives each test a
fresh empty database on it, as a SQLAlchemy URL for ``--project``.

initdb and postgres refuse to run as root, which CI and sessions are: as root they
run as the ``postgres`` OS user (``runuser``), in a folder that user owns.

Where the binaries, the ``postgres`` user or psycopg are missing, the tests skip
with the reason; with ``PDCODE_REQUIRE_POSTGRES=1`` (the ``tests-postgres`` nox
session) they fail instead, so CI cannot pass by skipping.

The databases collate with ICU's ``en-US`` where the server has ICU (Debian's does),
as a team's server usually would: an ordering that only holds under SQLite's
code-point collation then shows up as a difference between the two backends.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

REQUIRE = "PDCODE_REQUIRE_POSTGRES"
OS_USER = "postgres"
_counter = itertools.count(1)


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail where ``PDCODE_REQUIRE_POSTGRES=1`` says PostgreSQL must run."""
    message = f"PostgreSQL tests need a server: {reason}"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{message} ({REQUIRE}=1)", pytrace=False)
    pytest.skip(message)


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: PATH first, then Debian's
    /usr/lib/postgresql/<version>/bin (newest version)."""
    on_path = [shutil.which(name) for name in ("initdb", "pg_ctl", "postgres")]
    if all(on_path):
        folders = {Path(os.path.realpath(str(p))).parent for p in on_path}
        if len(folders) == 1:
            return folders.pop()
    candidates = glob.glob("/usr/lib/postgresql/*/bin")

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(x) for x in name.split(".") if x.isdigit())

    for folder in sorted(candidates, key=version, reverse=True):
        if all((Path(folder) / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


@dataclass
class Server:
    bindir: Path
    root: Path  # the temporary folder: data/, the socket and the log
    as_user: list[str]  # the command prefix that runs a binary as the server's user

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [*self.as_user, str(self.bindir / args[0]), *args[1:]]
        return subprocess.run(
            command, capture_output=True, text=True, check=check, cwd=self.root, timeout=120
        )

    def connect(self, dbname: str = "postgres") -> Any:
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir), user=OS_USER, dbname=dbname, autocommit=True
        )

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{OS_USER}@/{dbname}?host={self.socket_dir}"


def _start() -> Server:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed (pip install 'pdcode[postgres]')")
    bindir = find_bindir()
    if bindir is None:
        unavailable("initdb, pg_ctl and postgres are neither on PATH nor in /usr/lib/postgresql")
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(OS_USER)
        except KeyError:
            unavailable(f"running as root and there is no {OS_USER!r} OS user to run postgres")
        runuser = shutil.which("runuser")
        if runuser is None:
            unavailable("running as root and runuser is missing")
        as_user = [runuser, "-u", OS_USER, "--"]
    root = Path(tempfile.mkdtemp(prefix="pdcode-pg-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = Server(bindir, root, as_user)
    base = ["initdb", "-D", str(server.data), "-A", "trust", "-U", OS_USER, "-E", "UTF8"]
    icu = ["--locale-provider=icu", "--icu-locale=en-US", "--locale=C.UTF-8"]
    done = server.run(*base, *icu, check=False)
    if done.returncode != 0:  # no ICU (or an older server): the plain default locale
        shutil.rmtree(server.data, ignore_errors=True)
        done = server.run(*base, "--locale=C.UTF-8", check=False)
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        unavailable(f"initdb failed: {(done.stderr or done.stdout).strip()[-400:]}")
    options = (
        f"-c listen_addresses='' -c unix_socket_directories='{server.socket_dir}' "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    log = server.root / "postgres.log"
    started = server.run(
        "pg_ctl", "-D", str(server.data), "-o", options, "-l", str(log), "-w", "start", check=False
    )
    if started.returncode != 0:
        text = log.read_text("utf-8", "replace") if log.exists() else started.stderr
        shutil.rmtree(root, ignore_errors=True)
        unavailable(f"pg_ctl start failed: {text.strip()[-400:]}")
    return server


def _stop(server: Server) -> None:
    server.run("pg_ctl", "-D", str(server.data), "-m", "immediate", "-w", "stop", check=False)
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """One server for the whole session; skips (or fails) where none can start."""
    server = _start()
    yield server
    _stop(server)


@pytest.fixture
def pg_url(postgres_server: Server) -> Iterator[str]:
    """A fresh, empty database on the session's server, as a SQLAlchemy URL."""
    name = f"pdcode_test_{os.getpid()}_{next(_counter)}"
    with postgres_server.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.url(name)
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
