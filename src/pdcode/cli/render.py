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


def emit(content: str) -> None:
    """Machine-readable output goes to stdout untouched by rich."""
    typer.echo(content, nl=False)


def wrote(*paths: object, detail: str = "") -> None:
    """Say which files were written, on stderr: stdout (maybe ``-o /dev/stdout``)
    carries only data."""
    for path in paths:
        err_console.print(f"Wrote {path}{detail}", markup=False)
