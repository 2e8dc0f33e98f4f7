"""Writing outputs: atomic replacement of regular files, writing through anything else
(symlinks such as /dev/stdout, FIFOs, devices) without replacing it."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode.cli import app
from pdcode.errors import PdcodeError, UsageError
from pdcode.export.files import write_output
from tests.test_frequencies import db  # noqa: F401  (the fixture)

runner = CliRunner()
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as handle:
            into.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_new_file_is_written_whole_with_no_temporary_left(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "er" / "table.csv"
    assert write_output("a,b\n1,2\n", out) == out
    assert out.read_bytes() == b"a,b\n1,2\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["table.csv"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # as any new file


def test_a_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "t.md"
    out.write_bytes(b"old")
    out.chmod(0o600)
    before = out.stat().st_ino
    write_output(b"new", out)
    assert out.read_bytes() == b"new"
    assert out.stat().st_ino != before  # a new file took the name: never half-written
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "t.csv"
    out.write_bytes(b"good")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PdcodeError, match="cannot write"):
        write_output(b"bad", out)
    assert out.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_a_symlink_is_kept_and_its_target_written(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_bytes(b"old content that is longer")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    inode = target.stat().st_ino
    write_output("x\n", link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"x\n"  # truncated, not appended
    assert target.stat().st_ino == inode


@needs_fifo
def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    write_output(b"through the pipe", fifo)
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        write_output(b"x", tmp_path)


def test_dev_stdout_style_symlink_is_not_replaced(db: str, tmp_path: Path) -> None:  # noqa: F811
    """`-o /dev/stdout` once replaced the symlink with a regular file: a symlink to a
    file stands in for it here, for a text and a binary format."""
    dev = tmp_path / "dev"
    dev.mkdir()
    target = dev / "stdout"
    target.write_bytes(b"")
    link = dev / "dev-stdout"
    link.symlink_to(target)
    shown = runner.invoke(app, ["frequencies", "--format", "csv", "-p", db])
    written = runner.invoke(app, ["frequencies", "--format", "csv", "-o", str(link), "-p", db])
    assert written.exit_code == 0, written.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == shown.stdout
    assert written.stdout == "" and f"Wrote {link}" in written.stderr  # data only on stdout
    binary = runner.invoke(
        app, ["export", "codings", "--format", "xlsx", "-o", str(link), "-p", db]
    )
    assert binary.exit_code == 0, binary.output
    assert link.is_symlink() and target.read_bytes().startswith(b"PK")
    assert sorted(p.name for p in dev.iterdir()) == ["dev-stdout", "stdout"]


@needs_fifo
def test_a_verb_writes_into_a_fifo(db: str, tmp_path: Path) -> None:  # noqa: F811
    fifo = tmp_path / "segments"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    result = runner.invoke(app, ["export", "segments", "-o", str(fifo), "-p", db])
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["export", "segments", "-p", db]).stdout
    assert received == [shown.encode("utf-8")] and "One. Two. Three." in shown
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_zip_outputs_carry_no_time_of_writing(tmp_path: Path) -> None:
    """xlsx and docx members and properties carry fixed dates, so two exports of
    one project at different times are equal byte for byte."""
    import io
    import zipfile

    from pdcode.export.files import fixed_zip
    from pdcode.export.workbook import xlsx_bytes

    def archive(when: tuple[int, int, int, int, int, int], modified: str) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            core = f'<cp:x xmlns:dcterms="t"><dcterms:modified a="b">{modified}</dcterms:modified></cp:x>'
            z.writestr(zipfile.ZipInfo("docProps/core.xml", when), core)
            z.writestr(zipfile.ZipInfo("a.xml", when), "<a/>")
        return out.getvalue()

    one = archive((2026, 1, 1, 10, 0, 0), "2026-01-01T10:00:00Z")
    two = archive((2026, 2, 3, 11, 5, 8), "2026-02-03T11:05:08Z")
    assert one != two and fixed_zip(one) == fixed_zip(two)
    data = xlsx_bytes({"s": ([{"a": "x"}], ["a"])})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in z.read("docProps/core.xml")
