"""`pdcode codings import`: human coding from spreadsheets and Word comments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console, err_console

codings_app = typer.Typer(help="Bring in human codings.", no_args_is_help=True)
app.add_typer(codings_app, name="codings")


@codings_app.command("import")
def import_(
    path: Annotated[
        Path,
        typer.Argument(
            help=".csv/.xlsx (source,start,end,code or source,quote,code) or a commented .docx."
        ),
    ],
    coder: Annotated[str, typer.Option(help="Who coded (stored as human:NAME).")],
    project: ProjectOption = DEFAULT_PROJECT,
    codebook: Annotated[
        Path | None, typer.Option(help="Codebook whose code ids and names are accepted.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Store the --codebook though it lacks code ids that people's stored codings "
            "use (they would be orphaned; refused without it).",
        ),
    ] = False,
) -> None:
    """Import a coder's codings; every row not imported is listed with its reason."""
    from pdcode import api

    with api.open_project(project) as proj:
        result = api.import_codings(proj, path, coder, codebook, force)
    for line in result.warnings:
        err_console.print(f"warning: {line}", markup=False)
    for line in result.problems:
        err_console.print(line, markup=False)
    console.print(
        f"Codings for {result.coder}: {result.added} imported from {result.rows} rows, "
        f"{len(result.problems)} not imported; {result.removed} earlier codings replaced."
    )
    if result.problems:
        raise typer.Exit(1)
