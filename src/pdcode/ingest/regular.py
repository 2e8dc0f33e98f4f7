"""Opening a file to read: regular files only.

A FIFO would block the reader for ever and a device such as ``/dev/zero`` never
ends, so both, and sockets and folders, are refused before anything is opened
(``os.stat``), and checked again on the open descriptor, in case the name was
swapped in between. Reads are bounded by the size limit, whatever the file
claims its size to be.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pdcode.errors import InputError, Reasons


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words: ``a FIFO``, ``a device``..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def check_regular(path: str | Path) -> int:
    """``path``'s size if it is a regular file (links followed), else an ``InputError``."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, Reasons.NOT_REGULAR.format(kind=kind_of(info.st_mode)))
    return info.st_size


def read_regular(path: str | Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``max_bytes`` of them (else an
    ``InputError`` saying the file is too large)."""
    size = check_regular(path)
    if max_bytes is not None and size > max_bytes:
        raise InputError(path, Reasons.TOO_LARGE.format(size=size, limit=max_bytes))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise InputError(path, Reasons.NOT_REGULAR.format(kind=kind_of(mode)))
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(path, Reasons.TOO_LARGE.format(size=len(data), limit=max_bytes))
    return data
