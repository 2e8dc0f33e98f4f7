"""The projects a benchmark runs on, and the side-by-side table of its results.

``import_bench.py`` and ``code_bench.py`` take ``--project URL`` (repeatable): each
location gets a fresh project of its own, built and timed in a fresh process so
that its peak memory is its own. A location must be empty: a SQLite file that
exists and is not empty, or a database holding any table, is refused rather than
wiped. What a run created is dropped again afterwards (unless ``--keep``), so the
same URL can be given to the next benchmark.

Without ``--project`` a run uses a temporary SQLite file and a database on a
throwaway PostgreSQL server started from the system's binaries (the tests' server,
``tests/postgres_support.py``). That server is restarted with PostgreSQL's default
durability (fsync, synchronous commit and full-page writes on, as a team's server
has) because the SQLite file commits with its default ``synchronous=FULL`` too;
``--pg-test-settings`` keeps the tests' fsync=off settings instead.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH_DATABASE = "pdcode_bench"


@dataclass(frozen=True)
class Target:
    backend: str  # "sqlite" or "postgresql": the row's name in the table
    location: str  # a file path or a SQLAlchemy URL, as --project takes it


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="URL",
        help="an empty SQLite file or database URL to run on (repeatable); "
        "default: a temporary SQLite file and a throwaway PostgreSQL server",
    )
    parser.add_argument(
        "--pg-test-settings",
        action="store_true",
        help="run the throwaway server with the tests' fsync=off settings",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per location; the fastest is reported"
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the projects in place afterwards"
    )


def backend_of(location: str) -> str:
    if "://" not in location:
        return "sqlite"
    scheme = location.split("://", 1)[0]
    return scheme.split("+", 1)[0]


def refuse_unless_empty(location: str) -> None:
    """Stop unless ``location`` holds nothing: a benchmark never wipes a database."""
    from pdcode.store.faults import display_name  # the URL without its password

    name = display_name(location)
    if "://" not in location:
        path = Path(location)
        if path.exists() and path.stat().st_size > 0:
            raise SystemExit(f"{name}: not empty; give a new file")
        return
    from sqlalchemy import create_engine, inspect

    engine = create_engine(location, hide_parameters=True)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    except Exception as exc:
        raise SystemExit(f"{name}: cannot connect ({type(exc).__name__})") from None
    finally:
        engine.dispose()
    if tables:
        raise SystemExit(f"{name}: the database holds {len(tables)} tables; give an empty one")


def drop_project(location: str) -> None:
    """Undo what a run created on a location that was empty before it."""
    if "://" not in location:
        for suffix in ("", "-wal", "-shm"):
            Path(location + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine

    from pdcode.store import schema

    engine = create_engine(location, hide_parameters=True)
    try:
        schema.metadata.drop_all(engine)
    finally:
        engine.dispose()


@contextmanager
def throwaway_postgres(durable: bool) -> Iterator[str | None]:
    """A database on a throwaway server, as a URL; None (with the reason printed)
    where no server can start here."""
    sys.path.insert(0, str(REPO))
    try:
        import pytest
        from tests.postgres_support import _start, _stop
    except ImportError as exc:
        print(f"postgresql: skipped ({exc})", file=sys.stderr)
        yield None
        return
    try:
        server = _start()
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        print(f"postgresql: skipped ({exc})", file=sys.stderr)
        yield None
        return
    try:
        if durable:
            # The tests start it with fsync=off, synchronous_commit=off and
            # full_page_writes=off on the command line, which no configuration
            # file overrides: restart it with only the socket options.
            options = f"-c listen_addresses='' -c unix_socket_directories='{server.socket_dir}'"
            log = str(server.root / "postgres.log")
            server.run("pg_ctl", "-D", str(server.data), "-o", options, "-l", log, "-w", "restart")
        with server.connect() as conn:
            conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("fsync", "synchronous_commit", "full_page_writes")
            }
            version = conn.execute("SHOW server_version").fetchone()[0]
        print(
            f"postgresql {version}: "
            + ", ".join(f"{k}={v}" for k, v in settings.items())
            + " (unix socket)",
            flush=True,
        )
        yield server.url(BENCH_DATABASE)
    finally:
        _stop(server)


@contextmanager
def targets(args: argparse.Namespace, tmp: Path) -> Iterator[list[Target]]:
    """The locations to run on: those given, each checked empty, or the defaults."""
    if args.project:
        for location in args.project:
            refuse_unless_empty(location)
        yield [Target(backend_of(loc), loc) for loc in args.project]
        return
    with ExitStack() as stack:
        found = [Target("sqlite", str(tmp / "bench.db"))]
        url = stack.enter_context(throwaway_postgres(durable=not args.pg_test_settings))
        if url is not None:
            found.append(Target("postgresql", url))
        yield found


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_each(
    found: list[Target],
    work: Callable[..., dict[str, Any]],
    args: argparse.Namespace,
    *work_args: Any,
) -> list[dict[str, Any]]:
    """``work(location, *work_args)`` for each target, each in a fresh process
    (spawned, so nothing imported or cached by one run helps the next), one after
    another. With ``--repeat N`` the targets take turns N times, in reverse order
    every other round, so that load from elsewhere on a shared machine falls on
    both alike; each target keeps its fastest run and every run's seconds."""
    context = multiprocessing.get_context("spawn")
    best: dict[int, dict[str, Any]] = {}
    seconds: dict[int, list[float]] = {i: [] for i in range(len(found))}
    for round_ in range(args.repeat):
        last = round_ == args.repeat - 1
        order = list(enumerate(found))
        for i, target in order if round_ % 2 == 0 else order[::-1]:
            with ProcessPoolExecutor(1, mp_context=context) as pool:
                result = pool.submit(work, target.location, *work_args).result()
            print(f"  round {round_ + 1}, {target.backend}: {result['seconds']:.2f} s", flush=True)
            seconds[i].append(result["seconds"])
            if i not in best or result["seconds"] < best[i]["seconds"]:
                best[i] = result | {"backend": target.backend, "location": target.location}
            if not (args.keep and last):
                drop_project(target.location)
    return [best[i] | {"all_seconds": seconds[i]} for i in range(len(found))]


def print_table(results: list[dict[str, Any]], title: str) -> None:
    """One row per location: words, the fastest run's seconds and words/s, and its
    time against SQLite's (the issue's aim for PostgreSQL is at most 2.00): the
    median over the rounds of the two runs' ratio in each round, as runs in one
    round ran back to back under much the same load. Peak RSS of the process."""
    base = next((r for r in results if r["backend"] == "sqlite"), None)
    print(title)
    header = f"{'backend':<12} {'words':>11} {'seconds':>9} {'words/s':>10} {'PG/SQLite':>9}"
    print(header + f" {'peak RSS':>9}  runs")
    for r in results:
        rate = r["words"] / r["seconds"]
        ratio = "-"
        if base is not None:
            rounds = zip(r["all_seconds"], base["all_seconds"], strict=True)
            ratio = f"{statistics.median(a / b for a, b in rounds):.2f}"
        print(
            f"{r['backend']:<12} {r['words']:>11,} {r['seconds']:>9.2f} {rate:>10,.0f} "
            f"{ratio:>9} {r['peak_mb']:>6,.0f} MB  {len(r['all_seconds']):>4}"
        )
    print("seconds, words/s: the fastest run; PG/SQLite: the median over rounds of the")
    print("run's seconds over SQLite's in the same round (aim: <= 2.00); peak RSS: the")
    print("benchmark's own process, not the PostgreSQL server's.")


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="pdcode-bench-")
