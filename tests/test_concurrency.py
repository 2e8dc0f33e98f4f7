"""A team writing to one project at the same moment (issue 17), on SQLite and on
PostgreSQL: real OS processes, released together, each repeating what a team member
does, then every count checked against what the inputs imply.

- Four processes at once: ana and ben import their codings, one runs `pdcode code`,
  one imports new transcripts and reads the analysis between imports. Every read
  must be one of the states the writes can leave (each write is one transaction),
  and the end state must be exactly what a quiet, single-process run gives.
- Two processes replacing the same source at once end in success or in a one-line
  conflict, and the project holds exactly one copy of the source.
- The same coder writing from two places at once (two `pdcode code` runs, two
  imports of one person's file) never leaves that coder's codings twice.
- Writes forced in at the worst moment of a read or a run (an engine event fires
  them): reads in several statements see one moment, a run codes a source imported
  as it starts, two imports can give one case an attribute at once, and a
  transaction PostgreSQL stops for another is one line.

Each process runs its commands through the CLI in process (``CliRunner``: the same
error handler as ``pdcode``), waits at a barrier until all are there, and logs what
each command printed and when it ran. On PostgreSQL a gate (rows the test holds
locked until every writer waits) makes the writes meet for certain.
"""

from __future__ import annotations

import json
import shutil
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from pdcode import api
from pdcode.errors import ConflictError
from pdcode.records import UNITS
from pdcode.store import Project, schema
from pdcode.store import codings as coding_store
from tests.conftest import REPO, SAMPLE, cli_ok, run_cli
from tests.postgres_support import Server, pg_url, postgres_server

__all__ = ["pg_url", "postgres_server"]  # fixtures, used by name

# Each test picks its own backend; the suite's redirection to PostgreSQL must not
# turn the SQLite case into a second PostgreSQL one.
pytestmark = pytest.mark.both_backends

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"
BACKENDS = ("sqlite", "postgresql")
# Generous: a worker that takes this long is stuck (a deadlock, a lock never let go).
TIMEOUT_S = 300
# Transcripts the analyst imports while the others write, into a strand of their own.
NEW = ("s3_riverside_head.txt", "s3_oakfield_pd_lead.txt")
# The interviews every team starts from: a third of the sample, in each of its
# formats and strands (the whole sample would only make each test slower).
TEAM = (
    "s1_alliance_director.docx",
    "s1_union_officer.srt",
    "s2_maths_hub_north.vtt",
    "s2_science_partnership_east.txt",
    "s3_oakfield_head.docx",
)
NEW_STRAND = "strand4"


@dataclass(frozen=True)
class Step:
    args: list[str]
    code: int
    out: str
    err: str
    began: float  # time.monotonic(): one clock for every process on the machine
    ended: float
    error: str | None  # the traceback of an exception the CLI let through


def _work(plan: list[list[str]], log: Path, barrier: Any) -> None:
    """One team member: waits for the others, then runs each command in turn, as
    ``pdcode`` runs it (the same handler turns errors into lines), and logs each."""
    from typer.testing import CliRunner

    from pdcode.cli import app

    steps = []
    try:
        runner = CliRunner()
        barrier.wait(TIMEOUT_S)
        for args in plan:
            began = time.monotonic()
            result = runner.invoke(app, args)
            ended = time.monotonic()
            error = None
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                error = "".join(traceback.format_exception(result.exception))
            steps.append(
                Step(args, result.exit_code, result.stdout, result.stderr, began, ended, error)
            )
    except BaseException:  # the worker itself broke: the test says how
        steps.append(Step([], -1, "", "", 0.0, 0.0, traceback.format_exc()))
    log.write_text(json.dumps([asdict(s) for s in steps]), "utf-8")


class Gate:
    """Rows a test holds locked on PostgreSQL until ``waiting`` processes wait (for
    them or for each other), so that their writes meet for certain, with no sleep
    standing in for that. Only the first write of each process is gated."""

    def __init__(self, server: Server, url: str, lock: str, waiting: int) -> None:
        from sqlalchemy.engine import make_url

        self.server, self.database = server, str(make_url(url).database)
        self.lock, self.waiting = lock, waiting
        self.holder: Any = None

    def close(self) -> None:
        self.holder = self.server.connect(self.database)
        self.holder.autocommit = False
        self.holder.execute(self.lock)

    def open(self, deadline: float) -> None:
        try:
            _await_waiting(self.server, self.database, self.waiting, deadline)
        finally:
            self.holder.commit()
            self.holder.close()


def _await_waiting(server: Server, database: str, waiting: int, deadline: float) -> None:
    """Return once ``waiting`` sessions on ``database`` wait for a lock."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
    with server.connect() as watch:
        while watch.execute(query, (database,)).fetchone()[0] < waiting:
            assert time.monotonic() < deadline, "the writers never met at the lock"
            time.sleep(0.02)  # polling for the condition, not waiting instead of it


def _together(
    folder: Path, plans: list[list[list[str]]], gate: Gate | None = None
) -> list[list[Step]]:
    """Run each plan (a list of pdcode argument lists) in a process of its own, all
    released at the same moment; each process's steps, once all have ended.

    The processes are forked from this one, which has loaded pdcode, spaCy and pandas
    already: each is a process of its own with its own database connections, without
    paying seconds of start-up before its first command."""
    import multiprocessing

    folder.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(plans) + 1)
    logs = [folder / f"worker{i}.json" for i in range(len(plans))]
    workers = [
        context.Process(target=_work, args=(plan, log, barrier))
        for plan, log in zip(plans, logs, strict=True)
    ]
    deadline = time.monotonic() + TIMEOUT_S
    try:
        for worker in workers:
            worker.start()
        if gate is not None:  # after the forks: no child inherits the gate's connection
            gate.close()
        barrier.wait(TIMEOUT_S)
        if gate is not None:
            gate.open(deadline)
        for worker in workers:
            worker.join(max(1.0, deadline - time.monotonic()))
            assert worker.exitcode == 0, f"a worker is stuck or died (exit {worker.exitcode})"
    finally:
        for worker in workers:  # only after a failure: none is left running
            if worker.is_alive():
                worker.kill()
                worker.join()
    done = [[Step(**s) for s in json.loads(log.read_text("utf-8"))] for log in logs]
    for steps in done:
        broken = [s.error for s in steps if not s.args]
        assert not broken, broken[0]
    return done


def _clean(step: Step) -> None:
    """No traceback, and no bug reported in one line either."""
    said = step.out + step.err
    assert step.error is None, (step.args, step.error)
    for sign in ("Traceback", "internal error", "unexpected error"):
        assert sign not in said, (step.args, said)


def _ok(step: Step) -> Step:
    _clean(step)
    assert step.code == 0, (step.args, step.err)
    return step


# -- what the project holds ------------------------------------------------------

Key = tuple[Any, ...]


def _coding_key(row: dict[str, Any]) -> Key:
    return (row["source"], row["start"], row["end"], row["code"], row["rule"])


def _codings(location: str) -> dict[str, list[Key]]:
    """Each coder's codings, sorted, duplicates kept (a list, not a set)."""
    with Project.open(location) as project:
        rows = coding_store.coding_rows(project)
    found: dict[str, list[Key]] = {}
    for row in rows:
        found.setdefault(row["coder"], []).append(_coding_key(row))
    return {coder: sorted(keys) for coder, keys in found.items()}


def _sources(location: str) -> dict[str, tuple[str, dict[str, list[Any]]]]:
    """Each source's text and its segments of every unit."""
    with Project.open(location) as project:
        names = [s.name for s in project.source_summaries()]
        assert len(names) == len(set(names)), "a source is stored twice"
        return {
            name: (
                project.source_text(name),
                {unit: project.segments_of(name, unit) for unit in UNITS},
            )
            for name in names
        }


def _by_source(keys: list[Key]) -> dict[str, list[Key]]:
    found: dict[str, list[Key]] = {}
    for key in keys:
        found.setdefault(key[0], []).append(key)
    return found


def _table(path: Path) -> list[Key]:
    """The codings a `source,start,end,code` file says, as stored (no rule)."""
    lines = path.read_text("utf-8").splitlines()[1:]
    rows = [line.split(",") for line in lines]
    return sorted((s, int(a), int(b), c, None) for s, a, b, c in rows)


# -- the quiet reference ---------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The inputs, and what one process doing the same work alone stores."""

    sample: Path  # the interviews the team starts from, with their manifest
    location: str  # the reference project (SQLite), every step done one after another
    ana: tuple[Path, Path]  # her two codings files; she imports both, in turn
    ben: Path
    new: tuple[Path, ...]  # the transcripts imported during the run, in order
    # `frequencies --coder C --format csv` after each state the writes can leave
    ana_tables: tuple[str, str]
    ben_table: str
    rule_tables: tuple[str, ...]  # the rules over the sample, then with each new source
    codings: dict[str, list[Key]]
    sources: dict[str, tuple[str, dict[str, list[Any]]]]


def _frequencies(location: str, coder: str) -> str:
    return cli_ok("frequencies", "--coder", coder, "--format", "csv", "-p", location)


def _write_codings(path: Path, rows: list[tuple[str, int, int, str]]) -> None:
    lines = ["source,start,end,code", *(f"{s},{a},{b},{c}" for s, a, b, c in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _human_files(location: str, folder: Path) -> tuple[Path, Path, Path]:
    """Ana's two files and ben's: respondent sentences with leaf codes. Ana's two
    name the same sources, so either import replaces all of the other."""
    from pdcode.codebook import iter_codes, load_codebook

    leaves = [c.id for c, _ in iter_codes(load_codebook(BOOK)) if not c.children]
    with Project.open(location) as project:
        sentences = [r for r in project.segment_rows("sentence") if not r["is_interviewer"]]
    per_source: dict[str, list[dict[str, Any]]] = {}
    for row in sentences:
        per_source.setdefault(row["source"], []).append(row)
    first: list[tuple[str, int, int, str]] = []
    second: list[tuple[str, int, int, str]] = []
    third: list[tuple[str, int, int, str]] = []
    for n, (source, rows) in enumerate(sorted(per_source.items())):
        if len(rows) < 2:
            continue
        for i, row in enumerate(rows):
            span = (source, row["start"], row["end"])
            if i % 3 == 0:
                first.append((*span, leaves[(n + i) % len(leaves)]))
            if i % 3 == 1:
                second.append((*span, leaves[(n + 2 * i) % len(leaves)]))
            if i % 4 == 2:
                third.append((*span, leaves[(3 * n + i) % len(leaves)]))
    paths = (folder / "ana1.csv", folder / "ana2.csv", folder / "ben.csv")
    for path, rows_of in zip(paths, (first, second, third), strict=True):
        _write_codings(path, rows_of)
    return paths


def _new_transcripts(folder: Path) -> tuple[Path, ...]:
    """Copies of sample interviews under names of their own (a source is named by
    its file), one folder each so each is imported by itself."""
    paths = []
    for j, name in enumerate(NEW, start=1):
        target = folder / f"new{j}" / f"s4_new{j}_{name}"
        target.parent.mkdir(parents=True)
        shutil.copyfile(SAMPLE / name, target)
        paths.append(target)
    return tuple(paths)


def _import_new(path: Path, location: str) -> list[str]:
    return ["import", str(path), "--strand", NEW_STRAND, "--case", "case_new", "-p", location]


def _team_sample(folder: Path) -> Path:
    """The ``TEAM`` interviews with their rows of the sample's manifest."""
    folder.mkdir()
    lines = (SAMPLE / "manifest.csv").read_text("utf-8").splitlines()
    rows = [lines[0], *(line for line in lines[1:] if line.split(",")[0] in TEAM)]
    assert len(rows) == len(TEAM) + 1
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", "utf-8")
    for name in TEAM:
        shutil.copyfile(SAMPLE / name, folder / name)
    return folder


def _start(location: str, sample: Path) -> None:
    """The project every team starts from: its interviews imported and coded."""
    cli_ok("init", "-p", location)
    cli_ok("import", str(sample), "--manifest", str(sample / "manifest.csv"), "-p", location)
    cli_ok("code", "--codebook", str(BOOK), "-p", location)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    folder = tmp_path_factory.mktemp("inputs")
    location = str(folder / "reference.db")
    sample = _team_sample(folder / "sample")
    _start(location, sample)
    rule_tables = [_frequencies(location, RULES)]
    ana1, ana2, ben = _human_files(location, folder)
    cli_ok("codings", "import", str(ana1), "--coder", "ana", "-p", location)
    ana_first = _frequencies(location, "ana")
    cli_ok("codings", "import", str(ana2), "--coder", "ana", "-p", location)
    cli_ok("codings", "import", str(ben), "--coder", "ben", "-p", location)
    new = _new_transcripts(folder)
    for path in new:
        cli_ok(*_import_new(path, location))
        cli_ok("code", "--codebook", str(BOOK), "-p", location)
        rule_tables.append(_frequencies(location, RULES))
    return Reference(
        sample=sample,
        location=location,
        ana=(ana1, ana2),
        ben=ben,
        new=new,
        ana_tables=(ana_first, _frequencies(location, "ana")),
        ben_table=_frequencies(location, "ben"),
        rule_tables=tuple(rule_tables),
        codings=_codings(location),
        sources=_sources(location),
    )


def _location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))  # skips where no server can start
    return str(tmp_path / "team.db")


# -- four processes, a team's morning ------------------------------------------------

ROUNDS = 3


def _snapshot_codings(step: Step, ref: Reference, imported: int) -> None:
    """One `export codings` read: every coder in one of the states its writes can
    leave, never between two of them (half a run, a run twice)."""
    rows = json.loads(_ok(step).out)
    found: dict[str, list[Key]] = {}
    for row in rows:
        found.setdefault(row["coder"], []).append(_coding_key(row))
    assert set(found) <= {"ana", "ben", RULES}, set(found)
    ana = sorted(found.get("ana", []))
    assert ana in (_table(ref.ana[0]), _table(ref.ana[1])), "ana's codings are half of a file"
    assert sorted(found.get("ben", [])) in ([], _table(ref.ben)), "ben's codings are half a file"
    rules = _by_source(sorted(found.get(RULES, [])))
    expected = _by_source(ref.codings[RULES])
    new_names = [p.name for p in ref.new]
    for name, keys in expected.items():
        if name not in new_names:
            assert rules.get(name) == keys, f"the rules' codings of {name} are not one run's"
    coded = [name for name in new_names if name in rules]
    # A run codes every source there when it starts, and the new ones arrive in order.
    assert coded == new_names[: len(coded)] and len(coded) <= imported, coded
    for name in coded:
        assert rules[name] == expected[name], f"the rules' codings of {name} are not one run's"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_team_writing_at_once_leaves_every_count_exact(
    backend: str, reference: Reference, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ref = reference
    location = _location(backend, tmp_path, request)
    _start(location, ref.sample)
    cli_ok("codings", "import", str(ref.ana[0]), "--coder", "ana", "-p", location)

    ana_files = [ref.ana[1], ref.ana[0], ref.ana[1]]  # she ends with her second file
    ana = [["codings", "import", str(p), "--coder", "ana", "-p", location] for p in ana_files]
    ben = [["codings", "import", str(ref.ben), "--coder", "ben", "-p", location]] * ROUNDS
    coder = [["code", "--codebook", str(BOOK), "-p", location]] * ROUNDS
    analyst: list[list[str]] = []
    for path in ref.new:
        analyst.append(_import_new(path, location))
        for who in ("ana", "ben", RULES):
            analyst.append(["frequencies", "--coder", who, "--format", "csv", "-p", location])
        analyst.append(["export", "codings", "--format", "json", "-p", location])
    done = _together(tmp_path / "workers", [ana, ben, coder, analyst])

    for steps in done[:3]:
        for step in steps:
            _ok(step)
    imports = [s for s in done[3] if s.args[0] == "import"]
    for step in imports:
        assert "1 imported" in _ok(step).out, step.out
    imported = 0
    for step in done[3]:
        if step.args[0] == "import":
            imported += 1
        elif step.args[0] == "export":
            _snapshot_codings(step, ref, imported)
        elif step.args[2] == "ben" and step.code != 0:  # before ben's first import
            _clean(step)
            # An unknown coder is a usage error (exit 2) naming those there are.
            assert step.code == 2 and "no codings by ben" in step.err, (step.code, step.err)
        else:
            table = _ok(step).out
            valid = {"ana": ref.ana_tables, "ben": (ref.ben_table,), RULES: ref.rule_tables}
            assert table in valid[step.args[2]], f"{step.args[2]}'s table is no state: {table}"

    # Every source once, each with the segments a quiet import gives it.
    assert _sources(location) == ref.sources
    found = _codings(location)
    assert set(found) == {"ana", "ben", RULES}
    # Each person's codings are their last file's rows, once each.
    assert found["ana"] == _table(ref.ana[1]) == ref.codings["ana"]
    assert found["ben"] == _table(ref.ben) == ref.codings["ben"]
    # The rules' codings are a quiet run's, except on a transcript whose import ended
    # after the last run began, which that run may not have seen.
    last_run = done[2][-1].began
    rules, expected = _by_source(found[RULES]), _by_source(ref.codings[RULES])
    for name in sorted(expected):
        late = any(s.ended > last_run for s in imports if s.args[1].endswith(name))
        if late and name not in rules:
            continue
        assert rules.get(name) == expected[name], f"the rules' codings of {name}"
    assert set(rules) <= set(expected)
    with Project.open(location) as project, project.engine.connect() as conn:
        # One codebook and one case each, however many stored them at once.
        books = conn.execute(select(func.count()).select_from(schema.codebooks)).scalar()
        cases = conn.execute(select(schema.cases.c.name)).scalars().all()
    assert books == 1
    assert Counter(cases)["case_new"] == 1 and len(cases) == len(set(cases))


# -- two people replacing the same source ---------------------------------------------

SHARED_NAME = "shared.txt"
BASE = SAMPLE / "s3_riverside_head.txt"
REPLACES = 2  # each person's replaces of the shared interview
# What a one-line conflict may say: a name stored meanwhile, a lock waited out, a
# transaction the server stopped (store.faults).
CONFLICT = ("at the same time", "run the import again", "locked", "run it again")


def _version(folder: Path, label: str) -> Path:
    """The shared interview as one person edited it: a line of their own at the end."""
    path = folder / label / SHARED_NAME
    path.parent.mkdir(parents=True)
    text = BASE.read_text("utf-8").rstrip("\n")
    path.write_text(f"{text}\n\nHeadteacher: Version {label}, as I remember it.\n", "utf-8")
    return path


def _turns(rows: list[dict[str, Any]], name: str) -> list[Key]:
    return [(r["index"], r["start"], r["end"], r["text"]) for r in rows if r["source"] == name]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_people_replacing_one_source_leave_one_copy(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    location = _location(backend, tmp_path, request)
    versions = {label: _version(tmp_path / "v", label) for label in ("v0", *_labels())}
    other = SAMPLE / "s3_oakfield_pd_lead.txt"
    cli_ok("init", "-p", location)
    cli_ok("import", str(versions["v0"]), str(other), "-p", location)
    cli_ok("code", "--codebook", str(BOOK), "-p", location)
    before = _codings(location)

    # What a quiet import stores of each version, under a name of its own.
    quiet = str(tmp_path / "quiet.db")
    cli_ok("init", "-p", quiet)
    expected: dict[str, tuple[str, dict[str, list[Any]]]] = {}
    turns: dict[str, list[Key]] = {}
    for label, path in versions.items():
        alias = tmp_path / "alias" / f"{label}.txt"
        alias.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, alias)
        cli_ok("import", str(alias), "-p", quiet)
    stored = _sources(quiet)
    rows = json.loads(cli_ok("export", "segments", "--format", "json", "-p", quiet))
    for label in versions:
        expected[label] = stored[f"{label}.txt"]
        turns[label] = _turns(rows, f"{label}.txt")

    def replace(person: str) -> list[list[str]]:
        return [
            ["import", str(versions[f"{person}{r}"]), "--replace", "-p", location]
            for r in range(1, REPLACES + 1)
        ]

    reads = [["export", "segments", "--format", "json", "-p", location]] * (3 * REPLACES)
    # On PostgreSQL both first replaces wait at the gate, then run into each other.
    lock = f"SELECT id FROM sources WHERE name = '{SHARED_NAME}' FOR UPDATE"
    gate = _gate(backend, location, request, lock, 2)
    done = _together(tmp_path / "workers", [replace("a"), replace("b"), reads], gate)

    for step in done[0] + done[1]:
        _clean(step)
        if step.code == 0:
            assert "1 imported" in step.out, step.out
            continue
        # A conflict: one line naming the file and saying what happened.
        assert step.code == 1, (step.args, step.err)
        lines = [line for line in step.err.splitlines() if SHARED_NAME in line]
        assert len(lines) == 1 and any(w in lines[0] for w in CONFLICT), step.err
    for step in done[2]:
        # Every read sees the shared interview once, as one of its versions.
        found = _turns(json.loads(_ok(step).out), SHARED_NAME)
        assert found in turns.values(), "a read saw the shared source half replaced"

    sources = _sources(location)
    assert sorted(sources) == sorted([SHARED_NAME, other.name])
    matches = [label for label, (text, _) in expected.items() if text == sources[SHARED_NAME][0]]
    assert len(matches) == 1
    assert sources[SHARED_NAME][1] == expected[matches[0]][1]
    codings = _by_source(_codings(location).get(RULES, []))
    # A replaced source loses its codings; the other source keeps its own.
    assert codings.get(other.name) == _by_source(before[RULES])[other.name]
    if matches[0] == "v0":  # only if every replace met a conflict
        assert codings.get(SHARED_NAME) == _by_source(before[RULES])[SHARED_NAME]
    else:
        assert SHARED_NAME not in codings


def _labels() -> list[str]:
    return [f"{person}{r}" for person in ("a", "b") for r in range(1, REPLACES + 1)]


# -- one coder from two places ---------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_coder_writing_from_two_places_is_stored_once(
    backend: str, reference: Reference, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ref = reference
    location = _location(backend, tmp_path, request)
    _start(location, ref.sample)
    cli_ok("codings", "import", str(ref.ana[1]), "--coder", "ana", "-p", location)
    # Two `pdcode code` runs at once (two people, one codebook) and ana importing
    # her file from two machines at once. On PostgreSQL all four wait at the gate
    # (every coding locked), so each replaces its coder's codings while the other
    # run of that coder is in the middle of doing the same.
    code = [["code", "--codebook", str(BOOK), "-p", location]]
    ana = [["codings", "import", str(ref.ana[1]), "--coder", "ana", "-p", location]]
    gate = _gate(backend, location, request, "SELECT id FROM coding_spans FOR UPDATE", 4)
    done = _together(tmp_path / "workers", [code, code, ana, ana], gate)
    for steps in done:
        for step in steps:
            _ok(step)
    found = _codings(location)
    assert found["ana"] == _table(ref.ana[1])
    new = [p.name for p in ref.new]
    assert found[RULES] == [k for k in ref.codings[RULES] if k[0] not in new]
    assert run_cli("code", "--codebook", str(BOOK), "-p", location).exit_code == 0
    assert _codings(location) == found  # and a quiet rerun changes nothing


def _gate(
    backend: str, location: str, request: pytest.FixtureRequest, lock: str, waiting: int
) -> Gate | None:
    if backend != "postgresql":
        return None  # SQLite's one writer at a time shows no waiting to watch for
    return Gate(request.getfixturevalue("postgres_server"), location, lock, waiting)


# -- a write at the worst moment of a read ----------------------------------------------
# The processes above meet where chance puts them. Here another writer commits right
# after the first statement of a read in several statements, forced by an engine
# event rather than hoped for.


@contextmanager
def _meanwhile(project: Project, opening: str, action: Callable[[], None]) -> Iterator[None]:
    """Run ``action`` (a write on connections of its own) once, just after ``project``
    runs its first statement beginning with ``opening``."""
    from sqlalchemy import event

    done: list[bool] = []

    def after(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not done and " ".join(statement.split()).startswith(opening):
            done.append(True)
            action()

    event.listen(project.engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(project.engine, "after_cursor_execute", after)
    assert done, f"no statement began with {opening!r}"


def _importing(location: str, path: Path, **options: Any) -> Callable[[], None]:
    """Another pdcode importing ``path`` into the project, start to commit."""

    def action() -> None:
        with api.open_project(location) as other:
            report = api.import_paths(other, [path], api.ImportOptions(**options))
        assert [o.status for o in report.outcomes] in (["imported"], ["replaced"])

    return action


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_read_in_several_statements_sees_one_moment(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    location = _location(backend, tmp_path, request)
    versions = [_version(tmp_path / "v", f"v{n}") for n in range(3)]
    cli_ok("init", "-p", location)
    cli_ok("import", str(versions[0]), str(SAMPLE / "s3_oakfield_pd_lead.txt"), "-p", location)
    cli_ok("code", "--codebook", str(BOOK), "-p", location)
    with Project.open(location) as project:
        # Each read's second statement would otherwise meet the shared source's new
        # id, whose text the first did not read (a KeyError, reported as a bug).
        before = coding_store.coding_rows(project)
        replace = _importing(location, versions[1], replace=True)
        with _meanwhile(project, "SELECT codings.id, codings.source_id", replace):
            assert coding_store.coding_rows(project) == before
        before = project.segment_rows("turn")
        replace = _importing(location, versions[2], replace=True)
        with _meanwhile(project, "SELECT sources.id, sources.text FROM sources", replace):
            assert project.segment_rows("turn") == before
        # (A coding run reads its units inside its own write transaction, after
        # locking its sources: test_jobs and the runs above cover it.)
        assert project.source_text(SHARED_NAME) == versions[2].read_text("utf-8")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_source_imported_as_a_run_lists_its_sources_is_coded(
    backend: str, reference: Reference, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    location = _location(backend, tmp_path, request)
    ref = reference
    first = ref.sample / "s2_science_partnership_east.txt"
    cli_ok("init", "-p", location)
    cli_ok("import", str(first), "--strand", "strand2", "-p", location)
    # The run lists the project's sources, then the new one is committed, then the
    # run reads the segments to code: it codes the new source too.
    late = _importing(location, ref.new[0], strand=NEW_STRAND, case="case_new")
    with (
        api.open_project(location) as project,
        _meanwhile(project, "SELECT sources.name FROM sources ORDER BY", late),
    ):
        report = api.code_project(project, BOOK)
    assert report.sources == 1  # the sources it listed
    rules = _by_source(_codings(location)[RULES])
    expected = _by_source(ref.codings[RULES])
    assert rules == {name: expected[name] for name in (first.name, ref.new[0].name)}


def test_a_transaction_the_server_stops_for_another_is_a_one_line_conflict(
    pg_url: str,
) -> None:
    """PostgreSQL stops a transaction that met another changing the same row (here a
    serialization failure at REPEATABLE READ; a deadlock is met the same way): the
    user reads one line saying to run the command again, not a driver error."""
    cli_ok("init", "-p", pg_url)
    bump = text("UPDATE meta SET value = value WHERE key = 'schema_version'")
    with (
        Project.open(pg_url) as first,
        Project.open(pg_url) as second,
        first.engine.connect() as conn,
    ):
        conn.execution_options(isolation_level="REPEATABLE READ")
        conn.execute(text("SELECT value FROM meta")).all()  # its snapshot is taken
        with second.engine.begin() as other:
            other.execute(bump)
        with pytest.raises(ConflictError) as caught:
            conn.execute(bump)
    message = caught.value.message
    assert "\n" not in message and "run it again" in message
    assert message.startswith(pg_url.split("?")[0])


def test_two_imports_giving_one_case_an_attribute_at_once_both_succeed(
    pg_url: str, postgres_server: Server, tmp_path: Path
) -> None:
    """Two files of one case, each giving it ``case.region``, stored at once: the
    second waits for the first's row, then sets its own value (on PostgreSQL its
    delete did not see the first's new row, and its insert broke the key)."""
    import threading

    from sqlalchemy.engine import make_url

    folder = tmp_path / "in"
    folder.mkdir()
    lines = ["file,case,case.region"]
    for name, region in (("c.txt", "first"), ("a.txt", "north"), ("b.txt", "south")):
        shutil.copyfile(SAMPLE / "s3_riverside_head.txt", folder / name)
        lines.append(f"{name},case_x,{region}")
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n", "utf-8")
    cli_ok("init", "-p", pg_url)
    cli_ok("import", str(folder / "c.txt"), "--manifest", str(manifest), "-p", pg_url)
    options = api.ImportOptions(manifest=manifest)
    outcomes: list[str] = []

    def second() -> None:
        with api.open_project(pg_url) as other:
            report = api.import_paths(other, [folder / "b.txt"], options)
        outcomes.extend(f"{o.status} {o.reason or ''}" for o in report.outcomes)

    thread = threading.Thread(target=second)

    def meet() -> None:
        # The first holds the case's attribute row: the second is started and found
        # waiting for it before the first goes on to commit.
        thread.start()
        deadline = time.monotonic() + TIMEOUT_S
        _await_waiting(postgres_server, str(make_url(pg_url).database), 1, deadline)

    with (
        api.open_project(pg_url) as project,
        _meanwhile(project, "INSERT INTO case_attributes", meet),
    ):
        report = api.import_paths(project, [folder / "a.txt"], options)
    thread.join(TIMEOUT_S)
    assert [o.status for o in report.outcomes] == ["imported"]
    assert outcomes == ["imported "]
    with Project.open(pg_url) as project, project.engine.connect() as conn:
        found = conn.execute(text("SELECT key, value FROM case_attributes")).all()
    assert [tuple(r) for r in found] == [("region", "south")]  # the later import's
