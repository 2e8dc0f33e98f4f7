"""`--jobs N` (issue 19): worker processes read and code, this process stores, and
the project and every output are the same as with one job; and a coding run
reads and writes in batches inside its one transaction.

The thresholds below which an import or a run stays in one process are set to
nothing here, so the sample (far below them) goes through the workers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, inspect, select

from pdcode import api
from pdcode.store import Project, coding_runs
from pdcode.store import codings as coding_store
from tests.conftest import REPO, SAMPLE, cli_ok, run_cli

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"


@pytest.fixture(autouse=True)
def _workers_for_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers however small the input, and a run's units sent a few at a time so
    that many tasks are in flight and come back in order."""
    monkeypatch.setattr("pdcode.api.imports.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("pdcode.api.coding.PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr("pdcode.api.coding.TASK_UNITS", 40)


def _rows(location: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in key order, times of day left out (columns ``*_at``)."""
    found = {}
    with Project.open(location) as project, project.engine.connect() as conn:
        for name in sorted(inspect(conn).get_table_names()):
            table = Table(name, MetaData(), autoload_with=conn)
            keep = [c for c in table.columns if not c.name.endswith("_at")]
            order = list(table.primary_key.columns) or keep
            found[name] = [tuple(r) for r in conn.execute(select(*keep).order_by(*order))]
    return found


def _run(location: str) -> list[tuple[Any, ...]]:
    """The codings in the order stored (by id), ids and times left out."""
    with Project.open(location) as project, project.engine.connect() as conn:
        table = Table("codings", MetaData(), autoload_with=conn)
        keep = [c for c in table.columns if c.name != "id" and not c.name.endswith("_at")]
        return [tuple(r) for r in conn.execute(select(*keep).order_by(table.c.id))]


def _outputs(location: str) -> dict[str, str]:
    return {
        "csv": cli_ok("export", "codings", "--format", "csv", "-p", location),
        "json": cli_ok("export", "codings", "--format", "json", "-p", location),
        "frequencies": cli_ok("frequencies", "--format", "csv", "-p", location),
        "sources": cli_ok("sources", "-p", location),
    }


def _build(location: str, jobs: str) -> tuple[str, str]:
    cli_ok("init", "-p", location)
    manifest = str(SAMPLE / "manifest.csv")
    imported = cli_ok("import", str(SAMPLE), "--manifest", manifest, "--jobs", jobs, "-p", location)
    coded = cli_ok("code", "--codebook", str(BOOK), "--jobs", jobs, "-p", location)
    return imported, coded


def test_two_jobs_give_the_project_and_outputs_of_one(tmp_path: Path) -> None:
    one, two = str(tmp_path / "one.db"), str(tmp_path / "two.db")
    said_one = _build(one, "1")
    said_two = _build(two, "2")
    assert said_two == said_one  # what import and code print, byte for byte
    assert "Import: 14 imported, 0 unchanged, 0 skipped, 0 failed" in said_one[0]
    rows = _rows(one)
    assert rows["segments"] and rows == _rows(two)
    outputs = _outputs(one)
    assert _outputs(two) == outputs
    # Again: every file unchanged, and a rerun of the rules replaces its run.
    manifest = str(SAMPLE / "manifest.csv")
    again = cli_ok("import", str(SAMPLE), "--manifest", manifest, "--jobs", "2", "-p", two)
    assert "Import: 0 imported, 14 unchanged" in again
    rerun = cli_ok("code", "--codebook", str(BOOK), "--jobs", "2", "-p", two)
    first = re.search(r"([\d,]+) codings \(0 from", " ".join(said_one[1].split()))
    assert first is not None, said_one[1]
    assert f"{first[1]} codings ({first[1]} from the previous run" in " ".join(rerun.split())
    assert _outputs(two) == outputs  # new rows (new ids), the same codings


def _bad_batch(folder: Path) -> None:
    """Sample files with a broken Word file, an empty transcript and two files of
    one name (a source is named by its file) in between."""
    for name in ("s1_programme_designer.txt", "s2_maths_hub_north.vtt", "s3_oakfield_head.docx"):
        shutil.copyfile(SAMPLE / name, folder / name)
    (folder / "b_broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "c_empty.txt").write_text("", "utf-8")
    (folder / "d").mkdir()
    (folder / "d" / "s1_programme_designer.txt").write_text(
        "Interviewer: Another file of the same name?\n\nP1: Yes, another one.\n", "utf-8"
    )


@pytest.mark.parametrize("replace", [False, True])
def test_bad_files_among_two_jobs_fail_in_one_line_each(tmp_path: Path, replace: bool) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    _bad_batch(folder)
    said = {}
    for jobs in ("1", "2"):
        location = str(tmp_path / f"p{jobs}.db")
        cli_ok("init", "-p", location)
        args = ["import", str(folder), "--jobs", jobs, "-p", location]
        result = run_cli(*args, *(["--replace"] if replace else []))
        assert result.exit_code == 1, result.output
        said[jobs] = (result.stdout, result.stderr, _rows(location))
    assert said["2"] == said["1"]
    out, err, _ = said["2"]
    assert "Traceback" not in out + err
    failed = [line for line in (out + err).splitlines() if "b_broken.docx" in line]
    assert len(failed) == 1
    assert any("c_empty.txt" in line for line in (out + err).splitlines())
    summary = out.strip().splitlines()[-1]
    if replace:  # the second file of the name replaces the first
        assert summary.startswith("Import: 4 imported, 0 unchanged, 0 skipped, 2 failed"), out
    else:  # refused: a source of that name came from another file
        assert summary.startswith("Import: 3 imported, 0 unchanged, 0 skipped, 3 failed"), out
        assert "already in the project" in out + err


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_jobs_below_one_is_a_usage_error(tmp_path: Path, jobs: str) -> None:
    location = str(tmp_path / "p.db")
    cli_ok("init", "-p", location)
    for args in (["import", str(SAMPLE)], ["code", "--codebook", str(BOOK)]):
        result = run_cli(*args, "--jobs", jobs, "-p", location)
        assert result.exit_code == 2, result.output
        assert "--jobs" in result.output


# -- a run in batches, in one transaction ------------------------------------------


@pytest.fixture
def coded(tmp_path: Path) -> str:
    location = str(tmp_path / "coded.db")
    cli_ok("init", "-p", location)
    cli_ok("import", str(SAMPLE), "--jobs", "1", "-p", location)
    cli_ok("code", "--codebook", str(BOOK), "--jobs", "1", "-p", location)
    return location


def test_a_run_reads_and_writes_in_batches(
    coded: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = _run(coded)
    batches: list[int] = []
    insert = coding_store.insert_spans

    def counted(conn: Any, rows: list[Any], *rest: Any) -> Any:
        batches.append(len(rows))
        return insert(conn, rows, *rest)

    monkeypatch.setattr(coding_store, "insert_spans", counted)
    monkeypatch.setattr(coding_store, "INSERT_BATCH", 7)
    monkeypatch.setattr(coding_runs, "READ_SOURCES", 2)  # a few sources' texts at a time
    for jobs in (1, 2):
        batches.clear()
        with Project.open(coded) as project:
            report = api.code_project(project, BOOK, jobs=jobs)
        assert len(batches) > 3 and max(batches) == 7 and sum(batches) == report.added
        assert report.removed == report.added
        # The same codings as one statement would store, in the same order.
        assert _run(coded) == before


class _Stop(Exception):
    pass


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_that_fails_halfway_leaves_the_previous_codings(
    coded: str, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    before = _rows(coded)
    with Project.open(coded) as project:
        previous = coding_store.coding_rows(project, coder=RULES)
    assert previous
    insert = coding_store.insert_spans
    calls: list[int] = []

    def failing(conn: Any, rows: list[Any], *rest: Any) -> Any:
        calls.append(len(rows))
        if len(calls) == 3:
            raise _Stop  # two batches already written in the run's transaction
        return insert(conn, rows, *rest)

    monkeypatch.setattr(coding_store, "insert_spans", failing)
    monkeypatch.setattr(coding_store, "INSERT_BATCH", 5)
    with Project.open(coded) as project, pytest.raises(_Stop):
        api.code_project(project, BOOK, jobs=jobs)
    assert len(calls) == 3
    with Project.open(coded) as project:
        assert coding_store.coding_rows(project, coder=RULES) == previous
    assert _rows(coded) == before


def test_suggestions_are_written_in_batches_too(
    coded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pdcode suggest` (the shipped model) streams the same way: in batches, the
    same rows in the same order as in one."""
    with Project.open(coded) as project:
        whole = api.learning.suggest(project, "pd-leadership")
    stored = _run(coded)
    monkeypatch.setattr(coding_store, "INSERT_BATCH", 3)
    monkeypatch.setattr(coding_runs, "READ_SOURCES", 2)
    with Project.open(coded) as project:
        batched = api.learning.suggest(project, "pd-leadership")
    assert batched.added == whole.added > 3 and batched.removed == whole.added
    assert batched.per_code == whole.per_code and batched.units == whole.units
    assert _run(coded) == stored
