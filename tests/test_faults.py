"""Every fault a clean line (issue 14): long paragraphs, control characters, TeX in
chart labels, database faults, concurrent creation of a case, and no interview
text in messages or tracebacks."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pdcode import api
from pdcode.cli import app
from pdcode.ingest.decode import count_removed, decode_text, normalise
from pdcode.ingest.model import ReadOptions, Turn
from pdcode.nlp import make_nlp
from pdcode.segment import CHUNK_CHARS, chunks, segment_text
from pdcode.store import Project
from pdcode.store import project as store_project
from tests.postgres_support import located

runner = CliRunner()

INTERVIEW = "Interviewer: What does PD look like here?\n\nHead: We coach. Every week.\n"
BOOK = """name: dollars
version: 1.0.0
codes:
  - id: money
    name: "$x$ money"
    definition: Talk of money.
    rules:
      phrases:
        - money
"""


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _clean_error(result: Any, *words: str) -> str:
    """The command failed with one `Error:` line holding ``words``, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output
    assert "internal error" not in errors[0]
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def _no_part_files(folder: Path) -> None:
    assert [p.name for p in folder.rglob("*.part")] == []


@pytest.fixture
def db(tmp_path: Path) -> str:
    location = str(tmp_path / "p.db")
    Project.create(location).close()
    return location


# -- long paragraphs ----------------------------------------------------------


def test_chunks_leave_ordinary_paragraphs_whole() -> None:
    text = "One. Two three. " * 100
    assert chunks(text, 5, len(text)) == [(5, len(text))]


def test_chunks_cut_after_a_sentence_then_at_space_then_anywhere() -> None:
    text = "Aaa bbb. Ccc ddd eee fff"
    # After "bbb. " is the last sentence end that fits in 14 characters.
    assert chunks(text, 0, len(text), limit=14) == [(0, 9), (9, 21), (21, 24)]
    solid = "x" * 25
    assert chunks(solid, 0, 25, limit=10) == [(0, 10), (10, 20), (20, 25)]
    spans = chunks(text, 0, len(text), limit=14)
    assert "".join(text[a:b] for a, b in spans) == text


def test_a_paragraph_over_spacy_limit_is_segmented() -> None:
    nlp = make_nlp(None, lemmas=False)
    sentence = "We talked about the coaching programme again. "
    body = sentence * (1_100_000 // len(sentence))  # one paragraph of 1.1 million characters
    text = "Head: " + body + "\n"
    assert len(body) > nlp.max_length
    segments = segment_text(text, (Turn("Head", 6, len(text)),), nlp)
    sentences = [s for s in segments if s.unit == "sentence"]
    assert len(sentences) == body.count(". ")
    assert {text[s.start : s.end] for s in sentences} == {sentence.strip()}
    assert [s.index for s in sentences] == list(range(len(sentences)))
    [paragraph] = [s for s in segments if s.unit == "paragraph"]
    assert text[paragraph.start : paragraph.end] == body.strip()


def test_unbroken_speech_recognition_text_is_cut_at_spaces() -> None:
    nlp = make_nlp(None, lemmas=False)
    body = "so we um talked about the data and then " * 30_000  # no punctuation at all
    segments = segment_text(body, (Turn(None, 0, len(body)),), nlp)
    sentences = [s for s in segments if s.unit == "sentence"]
    assert all(s.end - s.start <= CHUNK_CHARS for s in sentences)
    # Cut at spaces: every word is whole in some sentence, and nothing is lost.
    words = [w for s in sentences for w in body[s.start : s.end].split()]
    assert words == body.split()


def test_a_long_paragraph_does_not_abort_the_batch(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_long.txt").write_text(
        "Interviewer: Tell me.\n\nHead: " + "We coach every week and it works. " * 35_000,
        encoding="utf-8",
    )
    (folder / "b_short.txt").write_text(INTERVIEW, encoding="utf-8")
    result = _run("import", str(folder), "-p", db)
    assert result.exit_code == 0, result.output
    assert "Import: 2 imported, 0 unchanged, 0 skipped, 0 failed" in result.stdout


def test_an_unexpected_error_fails_one_file_and_the_batch_goes_on(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pdcode.segment

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(INTERVIEW, encoding="utf-8")
    real = pdcode.segment.segment_rows

    def broken(text: str, turns: Any, nlp: Any) -> Any:
        if "Every week" in text and not broken.done:  # type: ignore[attr-defined]
            broken.done = True  # type: ignore[attr-defined]
            raise ValueError(f"cannot segment {text!r}")  # a message holding interview text
        return real(text, turns, nlp)

    broken.done = False  # type: ignore[attr-defined]
    monkeypatch.setattr(pdcode.segment, "segment_rows", broken)
    result = _run("import", str(folder), "-p", db)
    assert result.exit_code == 1
    assert "a.txt: unexpected error (ValueError); rerun with --debug" in result.stderr
    assert "We coach" not in result.stderr
    assert "Import: 2 imported, 0 unchanged, 0 skipped, 1 failed" in result.stdout
    # --debug re-raises it, with its traceback.
    broken.done = False  # type: ignore[attr-defined]
    (folder / "d.txt").write_text(INTERVIEW, encoding="utf-8")
    result = _run("--debug", "import", str(folder / "d.txt"), "-p", db)
    assert isinstance(result.exception, ValueError)


# -- control characters -------------------------------------------------------


def test_normalise_removes_controls_and_counts_them() -> None:
    raw = "a\x0bb\x0cc\x85d\x00e\x1b[1mf\x7fg\x9fh\ufffei\tj\r\nk\u2028l"
    with count_removed() as removed:
        text = normalise(raw)
    assert text == "a\nb\nc\nde[1mfghi\tj\nk\nl"
    assert removed.count == 8
    # Outside a count, nothing is tallied; text already clean counts nothing.
    with count_removed() as again:
        assert normalise(text) == text
    assert again.count == 0


def test_utf16_text_with_nul_and_vertical_tabs(db: str, tmp_path: Path) -> None:
    text = (
        "Interviewer: What about money\x0bfor PD?\n\n"
        "Head: The money\x00 goes to\x1b coaching.\x0b\x0bWe talk about money a lot.\n\n"
        "Interviewer: Thanks.\n\nHead: Fine.\n"
    )
    path = tmp_path / "t.txt"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    result = _run("import", str(path), "--strand", "$x$", "-p", db)
    assert result.exit_code == 0, result.output
    assert f"{path}: note: 5 control characters removed" in result.stderr
    with api.open_project(db) as project:
        stored = project.source_text("t.txt")
    assert not any(ord(c) < 32 and c not in "\t\n" for c in stored)
    assert "money\nfor PD" in stored
    # Offsets are code points into the stored text.
    rows = json.loads(_run("export", "segments", "--format", "json", "-p", db).stdout)
    assert rows and all(stored[r["start"] : r["end"]] == r["text"] for r in rows)
    assert _run("code", "--codebook", str(book), "-p", db).exit_code == 0
    for args in (
        ("export", "codings", "--format", "xlsx", "--output", str(tmp_path / "c.xlsx")),
        ("export", "excerpts", "--format", "docx", "--output", str(tmp_path / "e.docx")),
        ("export", "excerpts", "--format", "xlsx", "--output", str(tmp_path / "e.xlsx")),
        ("report", "--output", str(tmp_path / "r.docx")),
        ("report", "--output", str(tmp_path / "r.html")),
    ):
        result = _run(*args, "-p", db)
        assert result.exit_code == 0, (args, result.output)


def test_every_reader_normalises(tmp_path: Path) -> None:
    from pdcode import ingest
    from pdcode.ingest.survey import _documents

    vtt = tmp_path / "t.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nSam: Hello\x07 there\x0bfriend.\n",
        encoding="utf-8",
    )
    csv_file = tmp_path / "s.csv"
    csv_file.write_text("id,response,role\nr1,We coach\x01 weekly,he\x02ad\n", encoding="utf-8")
    for path in (vtt, csv_file):
        with count_removed() as removed:
            loaded = ingest.load(path)
        assert removed.count == 2, path
        for doc in loaded.documents:
            assert not any(ord(c) < 32 and c not in "\t\n" for c in doc.text)
    assert dict(loaded.documents[0].attributes)["role"] == "head"
    # .xlsx cells are normalised one by one (openpyxl hands them over raw).
    import pandas as pd

    frame = pd.DataFrame([{"id": "r\x1b1", "response": "We coach\x0b weekly", "role": "he\x00ad"}])
    with count_removed() as removed:
        [doc] = _documents(
            frame, "s.xlsx", "xlsx", ReadOptions(text_column="response", id_column="id")
        )
    assert (doc.text, doc.case, doc.attributes) == (
        "We coach\n weekly\n",
        "r1",
        (("role", "head"),),
    )
    assert removed.count == 3


def test_decode_still_refuses_binary() -> None:
    from pdcode.errors import InputError

    with pytest.raises(InputError, match="binary"):
        decode_text(b"\x01\x02\x03\x04 text", "x.txt")
    # Word's manual line breaks are text, however many.
    assert decode_text(b"a\x0bb\x0bc\x0bd", "x.txt") == "a\nb\nc\nd"


# -- chart labels -------------------------------------------------------------


def test_chart_labels_are_never_tex() -> None:
    import pandas as pd

    from pdcode.export.charts import heatmap_bytes, literal

    assert literal("$x$") == r"\$x\$"
    matrix = pd.DataFrame(
        [[1, 2], [3, 4]], index=["$x$", r"$\frac{$"], columns=["a$b", "$x$ money"]
    )
    for suffix in ("png", "svg"):
        assert heatmap_bytes(matrix, "by $x$", suffix)


def test_code_and_strand_named_like_tex_chart(db: str, tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(
        "Interviewer: Money?\n\nHead: The money goes on coaching.\n\n"
        "Interviewer: More?\n\nHead: Money matters.\n",
        encoding="utf-8",
    )
    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    assert _run("import", str(path), "--strand", "$x$", "-p", db).exit_code == 0
    assert _run("code", "--codebook", str(book), "-p", db).exit_code == 0
    for args in (
        ("compare", "--across", "strand", "--heatmap", str(tmp_path / "c.png")),
        ("cooccur", "--heatmap", str(tmp_path / "o.svg")),
    ):
        result = _run(*args, "-p", db)
        assert result.exit_code == 0, (args, result.output)
        assert Path(args[-1]).stat().st_size > 0


# -- database faults ----------------------------------------------------------


def _sample(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text(INTERVIEW, encoding="utf-8")
    (folder / "b.txt").write_text(INTERVIEW.replace("coach", "mentor"), encoding="utf-8")
    return folder


@pytest.mark.sqlite_only(reason="a SQLite file opened read-only by URI")
def test_read_only_project(db: str, tmp_path: Path) -> None:
    # Root ignores file permissions, so the project is opened read-only by URI.
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    assert _run("sources", "-p", read_only).exit_code == 0  # reading is fine
    result = _run("import", str(_sample(tmp_path / "in")), "-p", read_only)
    _clean_error(result, read_only, "cannot be written", "writable")
    assert "Import:" not in result.stdout  # the batch stopped at the first write
    _no_part_files(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_and_folder(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _sample(folder)
    os.chmod(db, 0o444)
    os.chmod(tmp_path, 0o555)
    try:
        result = _run("import", str(folder), "-p", db)
    finally:
        os.chmod(tmp_path, 0o755)
        os.chmod(db, 0o644)
    _clean_error(result, db)


def test_random_bytes_as_project(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(random.Random(14).randbytes(8192))
    _clean_error(_run("sources", "-p", str(path)), str(path), "not an SQLite database")
    _clean_error(_run("init", "-p", str(path)), str(path), "already exists")


@pytest.mark.sqlite_only(reason="a SQLite file damaged on disk")
def test_damaged_project(db: str, tmp_path: Path) -> None:
    assert _run("import", str(_sample(tmp_path / "in")), "-p", db).exit_code == 0
    with open(db, "r+b") as handle:
        handle.seek(4096 * 2)
        handle.write(random.Random(8).randbytes(4096 * 4))
    _clean_error(_run("sources", "-p", db), db, "damaged", "backup")


@pytest.mark.parametrize(
    ("version", "words"),
    [("999", "newer than this pdcode supports"), ("abc", "not a number")],
)
def test_bad_schema_version(db: str, version: str, words: str) -> None:
    from sqlalchemy import text

    with Project.open(db) as project, project.engine.begin() as conn:
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": version}
        )
    line = _clean_error(_run("sources", "-p", db), words)
    assert line.startswith(f"Error: {db}: ")


def test_not_a_pdcode_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    _clean_error(_run("sources", "-p", str(path)), str(path), "not a pdcode project")


@pytest.fixture
def lock(db: str) -> Iterator[None]:
    """Another connection, in a thread, holding the project's write lock."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        release.wait(30)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    yield
    release.set()
    thread.join(30)


@pytest.mark.sqlite_only(reason="SQLite's file lock and busy timeout")
def test_lock_held_past_the_timeout(
    db: str, tmp_path: Path, lock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_project, "BUSY_TIMEOUT_MS", 200)
    result = _run("import", str(_sample(tmp_path / "in")), "-p", db)
    _clean_error(result, db, "locked", "waited 0.2 s", "run the command again")


@pytest.mark.sqlite_only(reason="SQLite's own disk-full error")
def test_full_disk_while_importing(db: str, tmp_path: Path) -> None:
    from sqlalchemy import Engine, event

    def no_room(dbapi_conn: Any, _record: Any) -> None:
        # SQLite's own "database or disk is full": no page may be added.
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    folder = tmp_path / "in"
    folder.mkdir()
    # Big enough to need new pages.
    (folder / "big.txt").write_text(INTERVIEW + "Head: We coach.\n\n" * 5000, encoding="utf-8")
    event.listen(Engine, "connect", no_room)
    try:
        result = _run("import", str(folder), "-p", db)
    finally:
        event.remove(Engine, "connect", no_room)
    _clean_error(result, db, "disk is full", "free some space")
    with api.open_project(db) as project:
        assert project.source_summaries() == []
    _no_part_files(tmp_path)


def test_full_disk_while_writing_an_output(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from pdcode.export import files

    assert _run("import", str(_sample(tmp_path / "in")), "-p", db).exit_code == 0
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    fake_os = types.SimpleNamespace(
        **{k: getattr(os, k) for k in dir(os) if not k.startswith("__")}
    )
    fake_os.fdopen = lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k))
    monkeypatch.setattr(files, "os", fake_os)
    out = tmp_path / "out" / "segments.csv"
    result = _run("export", "segments", "--format", "csv", "--output", str(out), "-p", db)
    _clean_error(result, "segments.csv", "No space left on device")
    assert not out.exists()
    _no_part_files(tmp_path)


def test_project_in_a_place_that_cannot_be_made(tmp_path: Path) -> None:
    _clean_error(_run("init", "-p", "/proc/pdcode-none/p.db"), "/proc/pdcode-none/p.db")


# -- concurrent creation of the same case -------------------------------------


def _import_paused(location: str, path: str, barrier: Any, results: Any) -> None:
    """An import that waits, just before it stores its file, until the other
    import and the test are there too: both then look for the case at once."""
    original = Project._insert_source
    waited: list[bool] = []

    def paused(self: Project, conn: Any, source: Any) -> None:
        if not waited:
            waited.append(True)
            barrier.wait(30)
        original(self, conn, source)

    Project._insert_source = paused  # type: ignore[method-assign]
    try:
        with api.open_project(location) as project:
            report = api.import_paths(
                project, [Path(path)], api.ImportOptions(case="new_case", strand="s1")
            )
        results.put([(o.path, o.status, o.reason) for o in report.outcomes])
    except Exception as exc:  # reported to the test, which fails on it
        results.put([(path, "crashed", f"{type(exc).__name__}: {exc}")])


def test_two_imports_create_the_same_new_case(db: str, tmp_path: Path, suite_backend: str) -> None:
    folder = _sample(tmp_path / "in")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    results = context.Queue()
    workers = [
        context.Process(target=_import_paused, args=(db, str(folder / n), barrier, results))
        for n in ("a.txt", "b.txt")
    ]
    for worker in workers:  # forked before this process opens the project
        worker.start()
    # On SQLite the test holds the write lock until both imports have looked for the
    # case and wait to insert it: without care, the second insert breaks the UNIQUE
    # name. On PostgreSQL both insert at once, each in its own transaction.
    holder = sqlite3.connect(db, isolation_level=None) if suite_backend == "sqlite" else None
    if holder is not None:
        holder.execute("BEGIN IMMEDIATE")
    try:
        barrier.wait(60)
        time.sleep(0.5)
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
        if worker.is_alive():
            worker.kill()
    assert sorted(o[0][1] for o in outcomes) == ["imported", "imported"], outcomes
    from sqlalchemy import text

    with Project.open(db) as project, project.engine.connect() as conn:
        cases = conn.execute(text("SELECT id, name FROM cases")).all()
        linked = conn.execute(text("SELECT DISTINCT case_id FROM sources")).all()
    assert [name for _, name in cases] == ["new_case"]
    assert [tuple(row) for row in linked] == [(cases[0][0],)]


def test_insert_if_absent_and_codebook_are_idempotent(db: str) -> None:
    from pdcode.records import NewCode
    from pdcode.store import schema
    from pdcode.store.codings import save_codebook
    from pdcode.store.project import insert_if_absent

    with Project.open(db) as project, project.engine.begin() as conn:
        assert insert_if_absent(conn, schema.cases, {"name": "c"}, ("name",))
        assert not insert_if_absent(conn, schema.cases, {"name": "c"}, ("name",))
    with Project.open(db) as project:
        code = NewCode(code="a", name="A")
        first = save_codebook(project, "b", "1", "h", "content", [code])
        assert save_codebook(project, "b", "1", "h", "content", [code]) == first
        with project.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM codes").scalar() == 1


# -- no interview text in messages --------------------------------------------


def test_quote_not_found_does_not_print_the_quote(db: str, tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text(INTERVIEW, encoding="utf-8")
    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    assert _run("import", str(path), "-p", db).exit_code == 0
    table = tmp_path / "q.csv"
    table.write_text("source,quote,code\nt.txt,my private sorrow,money\n", encoding="utf-8")
    result = _run(
        "codings", "import", str(table), "--coder", "ana", "--codebook", str(book), "-p", db
    )
    assert "q.csv:2: quote-not-found: quote of 17 characters not found in t.txt" in result.stderr
    assert "sorrow" not in result.output


def test_debug_traceback_has_no_locals(db: str, tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        "import pdcode.api as api\n"
        "def boom(project):\n"
        "    secret = 'the head told me something private'\n"
        "    raise RuntimeError('boom')\n"
        "api.list_sources = boom\n"
        "from pdcode.cli.app import main\n"
        f"sys.argv = ['pdcode', '--debug', 'sources', '-p', {located(db)!r}]\n"
        "main()\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "RuntimeError: boom" in done.stderr
    assert "something private" not in done.stderr


def test_sql_parameters_never_reach_a_message(db: str) -> None:
    from sqlalchemy import text as sql
    from sqlalchemy.exc import IntegrityError

    statement = sql("INSERT INTO cases (id, name) VALUES (1, :a), (1, :a)")
    with (
        Project.open(db) as project,
        project.engine.connect() as conn,
        pytest.raises(IntegrityError) as caught,
    ):
        conn.execute(statement, {"a": "secret words"})
    assert "secret words" not in str(caught.value)
