"""Commands about the project as a whole: init, sources, demo, project copy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pdcode.cli.app import app
from pdcode.cli.render import (
    DEFAULT_PROJECT,
    ProjectOption,
    RawCsvOption,
    console,
    emit,
    err_console,
    printable,
)

if TYPE_CHECKING:
    from pdcode.records import SourceSummary


@app.command()
def init(project: ProjectOption = DEFAULT_PROJECT) -> None:
    """Create a new, empty project file."""
    from pdcode import api

    api.init_project(project).close()
    console.print(f"Created project {api.project_name(project)}")


@app.command()
def sources(
    project: ProjectOption = DEFAULT_PROJECT,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or json instead of a table.")
    ] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """List the sources with strand, case, attributes, turns and words (all, and respondents')."""
    from pdcode import api

    with api.open_project(project) as proj:
        if fmt is not None:
            emit(api.dump_sources(proj, fmt, raw_csv))
            return
        rows = api.list_sources(proj)
    console.print(sources_table(rows))


def sources_table(rows: list[SourceSummary]) -> Table:
    table = Table(title=f"{len(rows)} sources", title_justify="left")
    table.add_column("source", overflow="fold")
    for name in ("strand", "case", "format"):
        table.add_column(name, overflow="fold")
    # Respondents' share in brackets: what coding and counting will see.
    table.add_column("turns (resp.)", justify="right")
    table.add_column("words (resp.)", justify="right")
    table.add_column("attributes", overflow="fold")
    for s in rows:
        # A source nobody answers in contributes nothing to coding: show it.
        style = "bold red" if s.turns and not s.respondent_turns else None
        table.add_row(
            s.name,
            s.strand or "",
            s.case or "",
            s.format,
            f"{s.turns} ({s.respondent_turns})",
            f"{s.words:,} ({s.respondent_words:,})",
            "\n".join(f"{k}={v}" for k, v in s.attributes),
            style=style,
        )
    return table


@app.command()
def demo(
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to create the demo project (default: a temp folder)."),
    ] = None,
) -> None:
    """Run the main job on the shipped sample: import, code, count codes by strand."""
    from pdcode import api
    from pdcode.cli.imports import report_outcome

    result = api.run_demo(folder, on_file=report_outcome)
    from pdcode.cli.analysis import frequencies_table

    console.print(f"Import: {result.report.summary()}")
    console.print(f"Coded with {result.coding.coder}.")
    console.print(frequencies_table(result.frequencies))
    console.print(
        f"Coded {result.coding.units} respondent sentences in {len(result.sources)} sources. "
        f"Project: {result.project}",
        soft_wrap=True,
    )
    console.print(
        f"Next: pdcode report --output report.html -p {result.project}   "
        f"(or: pdcode topics, pdcode compare, pdcode export qdpx ...)",
        soft_wrap=True,
    )
    if result.report.failed:
        err_console.print("Error: some sample files failed to import")
        raise typer.Exit(1)


project_app = typer.Typer(
    help="The project as a whole: copy it between a file and a database server.",
    no_args_is_help=True,
)
app.add_typer(project_app, name="project")


@project_app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="The project to copy: a file or a database URL.")],
    target: Annotated[
        str,
        typer.Argument(
            help="Where to copy it: a new file, an empty database, or (with --replace) a "
            "project to replace."
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Replace the contents of a target project that is not empty."
        ),
    ] = False,
) -> None:
    """Copy a whole project, table by table, in one transaction on the target (e.g. a
    file to PostgreSQL and back); a target that is not empty is refused without --replace."""
    from pdcode import api

    result = api.copy_project(source, target, replace=replace)
    console.print(printable(result.summary()), markup=False, highlight=False, soft_wrap=True)
