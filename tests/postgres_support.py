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


# -- the whole suite on PostgreSQL ---------------------------------------------------

BACKEND = "PDCODE_TEST_BACKEND"
MARKER = "pdcode test project: its tables live in PostgreSQL database {name}\n"
MARKER_PREFIX = MARKER.split("{", 1)[0].encode("utf-8")


def suite_backend() -> str:
    """``postgresql`` when the suite runs against PostgreSQL (the ``tests-postgres``
    nox session), else ``sqlite``."""
    value = os.environ.get(BACKEND, "sqlite").strip().lower()
    return "postgresql" if value in ("postgresql", "postgres", "pg") else "sqlite"


ACTIVE: list[Redirect] = []  # the redirect in force, while the suite runs on PostgreSQL


def located(location: str | Path) -> str:
    """What to hand a child process for ``location``: the PostgreSQL URL standing for
    it while the suite runs on PostgreSQL (a child does not share this process's
    redirect), else the location itself."""
    return ACTIVE[-1].url(location) if ACTIVE else str(location)


class Redirect:
    """Sends every project the suite names by file (``p.db``, ``sqlite:///p.db``) to
    a database of its own on the session's server, so the whole suite, written with
    files, runs against PostgreSQL unchanged.

    The file is written with one line naming its database, so pdcode's checks on the
    path (exists, is a file, is empty) see what they would see with SQLite, and a
    test that copies the file gets a copy of the database. The databases a test
    makes are dropped after it; those fixtures of wider scope make are kept.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.in_test = False
        self.made: list[str] = []

    @staticmethod
    def database_for(path: Path) -> str:
        import hashlib

        digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:24]
        return f"pdcode_file_{digest}"

    @staticmethod
    def path_of(location: str | Path) -> Path | None:
        """The file a location names, or None for a URL of another database."""
        text = str(location)
        if "://" not in text:
            return Path(text).expanduser().resolve()
        if text.startswith("sqlite:///") and text != "sqlite:///:memory:":
            return Path(text[len("sqlite:///") :]).expanduser().resolve()
        return None

    def url(self, location: str | Path) -> str:
        """The PostgreSQL URL standing for ``location``. A missing or empty file gets a
        fresh database (as SQLite would make a fresh file); a copied file, a copy of
        its database; a file holding anything but the marker (a real SQLite file a
        test brought, or junk) stays with SQLite."""
        path = self.path_of(location)
        if path is None:
            return str(location)
        name = self.database_for(path)
        template = None
        if path.is_file() and path.stat().st_size > 0:
            with path.open("rb") as handle:
                head = handle.read(4096)
            if not head.startswith(MARKER_PREFIX):
                return f"sqlite:///{path}"
            named = head[len(MARKER_PREFIX) :].decode("utf-8").strip()
            if named == name:
                return self.server.url(name)
            template = named  # the file was copied from another project's file
        with self.server.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if template is None:
                conn.execute(f'CREATE DATABASE "{name}"')
            else:  # a template may have no other sessions
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (template,),
                )
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        if self.in_test and name not in self.made:
            self.made.append(name)
        if path.parent.is_dir():
            path.write_text(MARKER.format(name=name), "utf-8")
        return self.server.url(name)

    def begin_test(self) -> None:
        self.in_test = True

    def end_test(self) -> None:
        self.in_test = False
        with self.server.connect() as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()
