"""The one way pdcode writes an output file.

A regular file (or a new one) is replaced atomically: the content goes to a
temporary file in the same folder, which then takes the target's name, so a
half-written file never replaces a good one. Anything else that already exists
under the name, such as a symlink (``/dev/stdout``), a FIFO or a device, is
written through, never replaced.
"""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

from pdcode.errors import PdcodeError, UsageError


def write_output(content: str | bytes, output: Path) -> Path:
    """Write ``content`` (text as UTF-8, unchanged line ends) to ``output``."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        mode = os.lstat(output).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise PdcodeError(f"{output}: cannot write ({exc.strerror})") from None
    try:
        if mode is not None and stat.S_ISDIR(mode):
            raise UsageError(f"{output} is a folder: give a file name")
        if mode is not None and not stat.S_ISREG(mode):
            _write_through(data, output)
        else:
            _replace(data, output, mode)
    except OSError as exc:
        raise PdcodeError(f"{output}: cannot write ({exc.strerror})") from None
    return output


def _write_through(data: bytes, output: Path) -> None:
    """Symlinks, FIFOs and devices: open what is there and write into it."""
    with open(output, "wb") as handle:
        handle.write(data)


def _replace(data: bytes, output: Path, mode: int | None) -> None:
    """A temporary file beside ``output``, then one rename over it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(f".{output.name}.{uuid.uuid4().hex[:12]}.part")
    # Created like any new file (0o666 less the umask), or with the old file's mode.
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(part, stat.S_IMODE(mode))
        os.replace(part, output)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
