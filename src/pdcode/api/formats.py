"""The one check of an output format and its destination, for every verb.

Text formats (csv, json, md, html, qdc) go to stdout when no file is given;
binary ones (xlsx, docx, png, qdpx) need a file, and asking for one without is
a usage error naming the option that gives it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pdcode.errors import UsageError

BINARY = ("xlsx", "docx", "png", "qdpx")  # formats that cannot go to the terminal


def check_format(
    fmt: str, allowed: Iterable[str], output: Path | None = None, needs: str = "--output FILE"
) -> None:
    """Refuse a format the verb does not write, or a binary one with no file to go to.

    ``output`` is where the verb writes (a file, or a folder for split outputs)
    and ``needs`` the option that gives it, as the error message names it.
    """
    allowed = tuple(allowed)
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(allowed)})")
    if fmt in BINARY and output is None:
        raise UsageError(f"--format {fmt} needs {needs} (it cannot be written to the terminal)")


def format_of(fmt: str | None, output: Path | None, allowed: Iterable[str], default: str) -> str:
    """The format asked for, else the one ``output``'s suffix names (if the verb
    writes it), else ``default``."""
    if fmt is not None:
        return fmt
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    return suffix if suffix in tuple(allowed) else default
