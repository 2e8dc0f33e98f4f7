"""`pdcode pseudonymise`: propose the names to replace, in a key file to review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console, printable, wrote

# Every export verb's option: the reviewed key applied to what it writes.
KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--pseudonymise",
        help="Replace names as the reviewed key file says (pdcode pseudonymise); offsets "
        "then count in the pseudonymised text.",
    ),
]


@app.command("pseudonymise")
def pseudonymise(
    key: Annotated[
        Path,
        typer.Option(
            "--key", help="The key file (CSV) to write; rows already in it are kept as edited."
        ),
    ],
    project: ProjectOption = DEFAULT_PROJECT,
    detect: Annotated[
        bool,
        typer.Option(
            "--detect", help="Also propose name-shaped words of the transcripts (to review)."
        ),
    ] = False,
    names: Annotated[
        Path | None,
        typer.Option(help="A list of names to replace: one a line, NAME or NAME = KIND."),
    ] = None,
) -> None:
    """Propose replacements for the names of people, schools, trusts and places."""
    from pdcode import api

    with api.open_project(project) as proj:
        report = api.pseudonymise.pseudonymise(proj, key, detect, names)
    wrote(report.key)
    kinds = ", ".join(f"{kind} {n}" for kind, n in report.new_by_kind)
    _say(f"{report.rows} rows, {report.new} new" + (f" ({kinds})" if kinds else "") + ".")
    if report.to_review:
        _say(
            f"{report.to_review} to review: set accept to yes (replace) or no (leave), "
            f"then export with --pseudonymise {report.key}"
        )
    else:
        _say(f"Every row is reviewed: export with --pseudonymise {report.key}")


def _say(line: str) -> None:
    console.print(printable(line), markup=False, highlight=False, soft_wrap=True)
