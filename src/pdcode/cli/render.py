"""Rich consoles and small rendering helpers shared by the commands."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console(highlight=False)
# Error lines are never wrapped: one line per problem, whatever the width.
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

ProjectOption = Annotated[
    str,
    typer.Option(
        "--project",
        "-p",
        envvar="PDCODE_PROJECT",
        help="The project file (or a database URL).",
        show_default=True,
    ),
]
DEFAULT_PROJECT = "pdcode.db"

RawCsvOption = Annotated[
    bool,
    typer.Option(
        "--raw-csv",
        help="CSV cells exactly as stored: no apostrophe before a leading = + - @ tab or CR "
        "(for pipelines; a spreadsheet may run such cells as formulas).",
    ),
]


def printable(text: object, lines: bool = False) -> str:
    """``text`` for one terminal line: control and format characters (newline, ESC,
    bidirectional overrides...) shown as escapes (``\\n``, ``\\x1b``, ``\\u202e``), so
    a file name or a label cannot forge lines or colours. With ``lines``, line
    breaks are kept (for a message that is a listing)."""
    import unicodedata

    out = []
    for ch in str(text):
        if lines and ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):  # Cs: undecodable bytes
            out.append(repr(ch)[1:-1] if ch.isascii() else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def emit(content: str) -> None:
    """Machine-readable output goes to stdout untouched by rich."""
    typer.echo(content, nl=False)


def wrote(*paths: object, detail: str = "") -> None:
    """Say which files were written, on stderr: stdout (maybe ``-o /dev/stdout``)
    carries only data."""
    for path in paths:
        err_console.print(printable(f"Wrote {path}{detail}"), markup=False)
