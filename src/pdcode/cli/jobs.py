"""The ``--jobs`` option of `pdcode import` and `pdcode code`."""

from __future__ import annotations

from typing import Annotated

import typer

# No default in the option itself: the machine's cores are counted at run time
# (and docs/cli.md reads the same on every machine).
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        show_default=False,
        help="Worker processes (default: the machine's cores, at most 4; 1: none). "
        "Small inputs run in one process whatever this says.",
    ),
]
