"""The one check of an output format and its destination, for every verb."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pdcode.errors import UsageError

BINARY = ("xlsx", "docx", "png")  # formats that cannot go to the terminal


def check_format(fmt: str, allowed: Iterable[str], output: Path | None = None) -> None:
    """Refuse a format the verb does not write, or a binary one with no file to go to."""
    allowed = tuple(allowed)
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(allowed)})")
    if fmt in BINARY and output is None:
        raise UsageError(f"--format {fmt} needs --output FILE")
