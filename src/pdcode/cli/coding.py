"""`pdcode code` and `pdcode explain`: rules to codings, and why a span is coded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.jobs import JobsOption
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console


@app.command("code")
def code(
    codebook: Annotated[Path, typer.Option("--codebook", "-c", help="The codebook YAML file.")],
    project: ProjectOption = DEFAULT_PROJECT,
    unit: Annotated[str, typer.Option(help="sentence, turn or paragraph.")] = "sentence",
    strand: Annotated[str | None, typer.Option(help="Only sources of this strand.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    include_interviewer: Annotated[
        bool, typer.Option("--include-interviewer", help="Code interviewer turns too.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Go on though the codebook lacks code ids that people's stored codings use "
            "(they would be orphaned; refused without it).",
        ),
    ] = False,
    jobs: JobsOption = None,
) -> None:
    """Auto-code segments with a codebook's rules (replaces that codebook's last run)."""
    from pdcode import api
    from pdcode.cli.notes import note_uncodable

    with api.open_project(project) as proj:
        report = api.code_project(
            proj, codebook, unit, strand, source, include_interviewer, force=force, jobs=jobs
        )
        note_uncodable(proj, unit, include_interviewer)
    table = Table(title=f"{report.coder}: codings per code", title_justify="left")
    table.add_column("code")
    table.add_column(f"{report.unit}s", justify="right")
    for name, count in report.per_code:
        table.add_row(Breakable(name), str(count))
    console.print(table)
    if report.retired:
        console.print(f"Not applied (retired): {', '.join(report.retired)}.", markup=False)
    console.print(
        f"Coded {report.units:,} {report.unit}s in {report.sources} sources: "
        f"{report.added:,} codings ({report.removed:,} from the previous run replaced)."
    )


@app.command("explain")
def explain(
    source: Annotated[str, typer.Argument(help="Source name, as in `pdcode sources`.")],
    start: Annotated[int, typer.Argument(help="A character offset in the source.", min=0)],
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Say which rule put which code on the span at an offset."""
    from pdcode import api

    with api.open_project(project) as proj:
        rows = api.explain(proj, source, start)
    if not rows:
        console.print(f"No coding in {source} holds offset {start}.")
        return
    for row in rows:
        console.print(
            f"[bold]{row['code']}[/bold] by {row['coder']} on {row['start']}-{row['end']}"
        )
        if row["rule"]:
            console.print(f"  rule: {row['rule']}", markup=False)
            console.print(f"  matched: {row['matched']!r}", markup=False)
        console.print(f"  text: {row['text']}", markup=False)
