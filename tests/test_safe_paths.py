"""Nothing written outside the folder the user named, nothing read outside the folder
walked (or the manifest's), never a FIFO or a device, and no file name that forges
terminal lines (issue 14: items 1, 6 and the file-name part of 11)."""

from __future__ import annotations

import functools
import os
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pdcode.cli import app
from pdcode.errors import InputError, PdcodeError
from pdcode.export.files import NAME_LIMIT, inside, safe_name, safe_names

runner = CliRunner()
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
TRAVERSAL = "x/../../../somewhere/name"
BOOK = """name: tiny
version: "1"
codes:
  - {id: w, name: Workshops, rules: {regex: ['workshops']}}
"""


def _run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _ok(*args: str) -> Result:
    result = _run(*args)
    assert result.exit_code == 0, result.output
    return result


def _within(seconds: float, work: Callable[[], Any], unblock: Path | None = None) -> Any:
    """``work()``'s result, failing the test if it takes longer than ``seconds`` (a
    FIFO opened for reading blocks: ``unblock`` is opened for writing to free it)."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(("value", work()))
        except BaseException as exc:  # raised again in the test's thread
            box.append(("error", exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if unblock is not None:
            with open(unblock, "wb"):
                pass
        pytest.fail(f"still running after {seconds} s: a FIFO or device was opened")
    kind, value = box[0]
    if kind == "error":
        raise value
    return value


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


# Safe names


@pytest.mark.parametrize(
    ("value", "wanted"),
    [
        (TRAVERSAL, "x_somewhere_name"),
        ("..", "_"),
        (".", "_"),
        ("", "_"),
        ("/etc/passwd", "etc_passwd"),
        ("a/./b", "a_b"),
        ("a\\b", "a_b"),
        ("a\nb\x1b[31m", "a_b_31m"),
        ("C:evil", "C_evil"),
        (".hidden", "hidden"),
        ("con", "_con"),
        ("Strand 1", "Strand 1"),
        ("strand_1", "strand_1"),
        ("école", "école"),
    ],
)
def test_a_name_from_data_is_one_safe_part(value: str, wanted: str) -> None:
    assert safe_name(value) == wanted


@pytest.mark.parametrize("value", ["x" * 500, "é" * 500, "中" * 500, "a/" * 300])
def test_a_safe_name_is_bounded(value: str) -> None:
    name = safe_name(value)
    assert 0 < len(name) <= NAME_LIMIT and len(name.encode("utf-8")) <= 160
    assert "/" not in name and ".." not in name


def test_collisions_are_numbered_in_sorted_order_and_safe_names_keep_theirs() -> None:
    names = safe_names(["a_b", "a:b", "a/b", "A", "a", "b"])
    assert names == {"A": "A", "a": "a_2", "a_b": "a_b", "b": "b", "a/b": "a_b_2", "a:b": "a_b_3"}
    assert safe_names(reversed(list(names))) == names  # the order given does not matter
    long = safe_names(["x" * 201, "x" * 200])
    assert long == {"x" * 200: "x" * NAME_LIMIT, "x" * 201: "x" * (NAME_LIMIT - 2) + "_2"}


def test_a_path_is_checked_inside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert inside(out, "excerpts_a.md") == out / "excerpts_a.md"
    with pytest.raises(PdcodeError, match="outside the folder"):
        inside(out, "../escape.md")
    out.mkdir()
    (out / "link.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(PdcodeError, match=r"link\.md: outside the folder"):
        inside(out, "link.md")


# Strands as file names: export excerpts --split-by strand


@pytest.fixture
def traversal(tmp_path: Path) -> str:
    """A project whose strands (from a manifest) try to leave the output folder."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a", "b", "c"):
        (data / f"{name}.txt").write_text(f"Q: q?\n\nA: {name} workshops.\n", encoding="utf-8")
    (data / "m.csv").write_text(
        f"file,strand\na.txt,{TRAVERSAL}\nb.txt,/tmp/absolute\nc.txt,plain\n", encoding="utf-8"
    )
    (data / "book.yaml").write_text(BOOK, encoding="utf-8")
    location = str(tmp_path / "p.db")
    _ok("init", "-p", location)
    _ok("import", "--manifest", str(data / "m.csv"), "-p", location)
    _ok("code", "--codebook", str(data / "book.yaml"), "-p", location)
    return location


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "docx", "xlsx"])
def test_strands_never_write_outside_the_output_folder(
    traversal: str, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "deep" / "er" / "out"
    before = _files(tmp_path)
    said = _ok("export", "excerpts", "--format", fmt, "--split-by", "strand",
               "--output-dir", str(out), "-p", traversal)  # fmt: skip
    new = _files(tmp_path) - before
    assert all(p.parent == out for p in new), new
    assert sorted(p.name for p in new) == sorted(
        f"excerpts_{n}.{fmt}" for n in ("x_somewhere_name", "tmp_absolute", "plain")
    )
    assert not (tmp_path / "somewhere").exists() and not Path("/tmp/absolute." + fmt).exists()
    assert said.stderr.count("Wrote ") == 3


def test_one_strand_keeps_its_file_name(traversal: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _ok("export", "excerpts", "--format", "md", "--split-by", "strand", "--strand", TRAVERSAL,
        "--output-dir", str(out), "-p", traversal)  # fmt: skip
    [written] = list(out.iterdir())
    assert written.name == "excerpts_x_somewhere_name.md"
    assert TRAVERSAL in written.read_text(encoding="utf-8")  # the title names the strand


def test_a_link_in_the_output_folder_leading_outside_is_refused(
    traversal: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (out / "excerpts_plain.md").symlink_to(victim)
    result = _run("export", "excerpts", "--format", "md", "--split-by", "strand",
                  "--output-dir", str(out), "-p", traversal)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "outside the folder" in result.stderr
    assert victim.read_text(encoding="utf-8") == "precious"


def test_a_strand_from_a_crafted_qdpx_stays_inside(traversal: str, tmp_path: Path) -> None:
    exported = tmp_path / "study.qdpx"
    _ok("export", "qdpx", "-o", str(exported), "-p", traversal)
    with zipfile.ZipFile(exported) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    qde = members["project.qde"].decode("utf-8")
    assert "<TextValue>plain</TextValue>" in qde
    hostile = "../../../../home/victim/.bashrc"
    members["project.qde"] = qde.replace(
        "<TextValue>plain</TextValue>", f"<TextValue>{hostile}</TextValue>"
    ).encode("utf-8")
    crafted = tmp_path / "crafted.qdpx"
    with zipfile.ZipFile(crafted, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    fresh = str(tmp_path / "fresh.db")
    _ok("init", "-p", fresh)
    _ok("import", "qdpx", str(crafted), "-p", fresh)
    out = tmp_path / "q" / "out"
    before = _files(tmp_path)
    _ok("export", "excerpts", "--format", "md", "--split-by", "strand",
        "--output-dir", str(out), "-p", fresh)  # fmt: skip
    new = _files(tmp_path) - before
    assert all(p.parent == out for p in new) and len(new) == 3
    assert "excerpts_home_victim_.bashrc.md" in {p.name for p in new}


# Readers: links and special files in a folder, files named, manifests


def _transcript(path: Path, word: str = "workshops") -> Path:
    path.write_text(f"Q: q?\n\nA: We run {word}.\n", encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    location = str(tmp_path / "p.db")
    _ok("init", "-p", location)
    return location


def _sources(db: str) -> list[str]:
    import json

    return [s["name"] for s in json.loads(_ok("sources", "--format", "json", "-p", db).stdout)]


def test_links_leading_outside_a_folder_are_refused_one_line_each(tmp_path: Path, db: str) -> None:
    secret = _transcript(tmp_path / "secret.txt", "secrets")
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    _transcript(outside_dir / "more.txt")
    folder = tmp_path / "batch"
    folder.mkdir()
    _transcript(folder / "a.txt")
    (folder / "shadow.txt").symlink_to(secret)
    (folder / "dir-link").symlink_to(outside_dir, target_is_directory=True)
    (folder / "again.txt").symlink_to(folder / "a.txt")  # inside: read (once)
    (folder / "dangling.txt").symlink_to(tmp_path / "nothing.txt")
    result = _run("import", str(folder), "-p", db)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"{folder / 'shadow.txt'}: a link to outside the folder; not read" in lines
    assert f"{folder / 'dir-link'}: a link to outside the folder; not read" in lines
    assert any(line.startswith(f"{folder / 'dangling.txt'}: a link to nothing") for line in lines)
    assert len(lines) == 3
    assert _sources(db) == ["a.txt"]
    assert "1 imported" in result.stdout and "3 failed" in result.stdout


def test_allow_outside_reads_links_leading_outside(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "shared.txt").symlink_to(_transcript(tmp_path / "real.txt"))
    _ok("import", str(folder), "--allow-outside", "-p", db)
    assert _sources(db) == ["shared.txt"]


@needs_fifo
def test_a_fifo_in_a_folder_is_refused_never_opened(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    _transcript(folder / "a.txt")
    fifo = folder / "pipe.txt"
    os.mkfifo(fifo)
    result = _within(30, lambda: _run("import", str(folder), "-p", db), unblock=fifo)
    assert result.exit_code == 1
    assert result.stderr == f"{fifo}: a FIFO, not a regular file; not read\n"
    assert _sources(db) == ["a.txt"]
    checked = _within(30, lambda: _run("import", "--check", str(folder)), unblock=fifo)
    assert checked.exit_code == 1 and f"{fifo}: a FIFO, not a regular file" in checked.stderr


@needs_fifo
def test_a_fifo_or_device_named_on_the_command_line_is_refused(tmp_path: Path, db: str) -> None:
    fifo = tmp_path / "named.txt"
    os.mkfifo(fifo)
    devices = [p for p in (Path("/dev/zero"), Path("/dev/null")) if p.exists()]
    result = _within(30, lambda: _run("import", str(fifo), *map(str, devices), "-p", db), fifo)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"{fifo}: a FIFO, not a regular file; not read"
    assert [line.split(": ", 1)[1] for line in lines[1:]] == [
        "a device, not a regular file; not read"
    ] * len(devices)


@needs_fifo
def test_load_refuses_a_fifo_and_a_device_before_opening(tmp_path: Path) -> None:
    from pdcode import ingest
    from pdcode.ingest.decode import read_text

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    targets = [fifo]
    if Path("/dev/zero").exists():  # a link named as a transcript: never-ending zeros
        (tmp_path / "zero.txt").symlink_to("/dev/zero")
        targets.append(tmp_path / "zero.txt")
    readers: list[Callable[[Path], object]] = [ingest.load, read_text]
    for target in targets:
        for read in readers:
            with pytest.raises(InputError, match="not a regular file; not read"):
                _within(10, functools.partial(read, target), unblock=fifo)


@needs_fifo
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("codings.xlsx", ["codings", "import", "{path}", "--coder", "ana"]),
        ("codings.csv", ["codings", "import", "{path}", "--coder", "ana"]),
        ("comments.docx", ["codings", "import", "{path}", "--coder", "ana"]),
        ("study.qdpx", ["import", "{path}"]),
        ("book.yaml", ["code", "--codebook", "{path}"]),
        ("ratings.csv", ["agreement", "--table", "{path}"]),
    ],
)
def test_other_readers_refuse_a_fifo(tmp_path: Path, db: str, name: str, args: list[str]) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    command = [a.replace("{path}", str(fifo)) for a in args]
    result = _within(30, lambda: _run(*command, "-p", db), unblock=fifo)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "a FIFO, not a regular file; not read" in result.stderr


def test_a_file_growing_past_the_limit_is_refused_as_read(tmp_path: Path) -> None:
    from pdcode.ingest.regular import read_regular

    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 100)
    assert read_regular(path, 100) == b"x" * 100
    with pytest.raises(InputError, match="over the limit of 99 bytes"):
        read_regular(path, 99)


def test_manifest_paths_stay_inside_its_folder(tmp_path: Path, db: str) -> None:
    _transcript(tmp_path / "outside.txt")
    folder = tmp_path / "study"
    folder.mkdir()
    _transcript(folder / "a.txt")
    manifest = folder / "m.csv"
    manifest.write_text("file,strand\na.txt,s1\n../outside.txt,s2\n", encoding="utf-8")
    result = _run("import", "--manifest", str(manifest), "-p", db)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {manifest}: line 3: '../outside.txt' is outside the manifest's folder; "
        "not read (--allow-outside reads it)\n"
    )
    assert _sources(db) == []
    _ok("import", "--manifest", str(manifest), "--allow-outside", "-p", db)
    assert _sources(db) == ["a.txt", "outside.txt"]


@pytest.mark.parametrize("name", ["/etc/passwd", "link.txt", "sub/../../outside.txt"])
def test_manifest_paths_absolute_or_through_links_are_refused(
    tmp_path: Path, db: str, name: str
) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "sub").mkdir()
    (folder / "link.txt").symlink_to(_transcript(tmp_path / "outside.txt"))
    manifest = folder / "m.csv"
    manifest.write_text(f"file,strand\n{name},s1\n", encoding="utf-8")
    result = _run("import", "--manifest", str(manifest), "-p", db)
    assert result.exit_code == 1 and "is outside the manifest's folder" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_speaker_map_named_in_a_manifest_stays_inside_too(tmp_path: Path, db: str) -> None:
    (tmp_path / "map.txt").write_text("A = respondent\n", encoding="utf-8")
    folder = tmp_path / "study"
    folder.mkdir()
    _transcript(folder / "a.txt")
    manifest = folder / "m.csv"
    manifest.write_text("file,speaker_map\na.txt,../map.txt\n", encoding="utf-8")
    result = _run("import", "--manifest", str(manifest), "-p", db)
    assert (
        result.exit_code == 1 and "'../map.txt' is outside the manifest's folder" in result.stderr
    )


@needs_fifo
def test_a_fifo_named_in_a_manifest_is_refused(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    _transcript(folder / "a.txt")
    os.mkfifo(folder / "pipe.txt")
    manifest = folder / "m.csv"
    manifest.write_text("file,strand\na.txt,s1\npipe.txt,s1\n", encoding="utf-8")
    result = _within(
        30, lambda: _run("import", "--manifest", str(manifest), "-p", db), folder / "pipe.txt"
    )
    assert result.exit_code == 1
    assert result.stderr == f"{folder / 'pipe.txt'}: a FIFO, not a regular file; not read\n"
    assert _sources(db) == ["a.txt"]


# File names in terminal lines


def test_a_file_name_cannot_forge_terminal_lines(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    forged = "a.txt: 99 turns\nImport: 99 imported, 0 failed\x1b[2K.txt"
    _transcript(folder / forged)
    (folder / "bad\u202etxt.docx").write_bytes(b"not a zip")
    result = _run("import", str(folder), "-p", db)
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert result.stdout.count("\n") == 2  # the source line, then the summary
    assert "\\nImport: 99 imported, 0 failed\\x1b[2K.txt" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("Import: 1 imported")
    assert result.stderr.count("\n") == 1 and "bad\\u202etxt.docx" in result.stderr


def test_the_error_handler_prints_one_line(tmp_path: Path, db: str) -> None:
    missing = tmp_path / "no\nError: forged\x1b[31m.csv"
    result = _run("import", "--manifest", str(missing), "-p", db)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
    assert (
        result.stderr.startswith("Error: ") and "no\\nError: forged\\x1b[31m.csv" in result.stderr
    )


def test_a_codebooks_problems_are_still_listed_one_a_line(tmp_path: Path, db: str) -> None:
    book = tmp_path / "bad.yaml"
    book.write_text("name: b\nversion: '1'\ncodes:\n  - {id: A B, name: x}\n", encoding="utf-8")
    result = _run("code", "--codebook", str(book), "-p", db)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") >= 2
