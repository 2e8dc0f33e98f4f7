"""`pdcode report`: one HTML or Word document for a study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.notes import note_uncodable
from pdcode.cli.pseudonymise import KeyOption
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, emit, wrote


@app.command("report")
def report(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="report.html or report.docx (html: else stdout)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="html or docx (default: from --output, else html)."),
    ] = None,
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
    pseudonymise: KeyOption = None,
) -> None:
    """Sources, frequencies, comparison, co-occurrence and typical excerpts in one file."""
    from pdcode import api

    with api.open_project(project) as proj:
        note_uncodable(proj, "turn")
        content = api.write_report(
            proj,
            output,
            fmt,
            pseudonymise,
            coder=coder,
            across=across,
            unit=unit,
            per_code=per_code,
            title=title,
        )
    if content is not None:
        emit(content)
    else:
        wrote(output)
