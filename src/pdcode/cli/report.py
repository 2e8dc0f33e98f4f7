"""`pdcode report`: one HTML or Word document for a study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console


@app.command("report")
def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="report.html or report.docx.")],
    project: ProjectOption = DEFAULT_PROJECT,
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    across: Annotated[
        str, typer.Option(help="Group sources by strand or an attribute (role...).")
    ] = "strand",
    unit: Annotated[
        str, typer.Option(help="What a reference counts: sentence or turn.")
    ] = "sentence",
    per_code: Annotated[int, typer.Option(help="Typical excerpts shown per code.")] = 3,
    title: Annotated[str, typer.Option(help="The report's title.")] = "Coding report",
) -> None:
    """Sources, frequencies, comparison, co-occurrence and typical excerpts in one file."""
    from pdcode import api

    with api.open_project(project) as proj:
        written = api.write_report(
            proj, output, coder=coder, across=across, unit=unit, per_code=per_code, title=title
        )
    console.print(f"Wrote {written}")
