"""`pdcode excerpts CODE`: one code's excerpts in the terminal, by strand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console, printable

if TYPE_CHECKING:
    from pdcode.api.search import Excerpt


@app.command("excerpts")
def excerpts(
    code: Annotated[str, typer.Argument(help="The code: its id or name.", show_default=False)],
    project: ProjectOption = DEFAULT_PROJECT,
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    strand: Annotated[str | None, typer.Option(help="Only this strand.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Show the first N excerpts (in source order).")
    ] = None,
    context: Annotated[
        int, typer.Option(min=0, help="Show N sentences before and after each excerpt.")
    ] = 0,
) -> None:
    """One code's excerpts, grouped by strand, each with its source, case, speaker,
    offsets and coder: what `pdcode export excerpts --code CODE` writes."""
    from pdcode import api

    with api.open_project(project) as proj:
        found = api.search.excerpts(proj, code, coder, strand, limit, context)
    shown = (
        f"{found.total:,} excerpt{'' if found.total == 1 else 's'}"
        if found.shown == found.total
        else f"{found.shown:,} of {found.total:,} excerpts"
    )
    whose = f" by {coder}" if coder else ""
    heading = printable(f"{found.name} ({found.code}): {shown}{whose}")
    console.print(heading, style="bold", markup=False)
    if found.definition:
        console.print(printable(found.definition), style="italic", markup=False)
    for strand_name, group in found.strands:
        console.print()
        console.print(
            printable(f"{strand_name or 'No strand'} ({len(group)})"),
            style="bold underline",
            markup=False,
        )
        for excerpt in group:
            console.print()
            # soft_wrap: an excerpt is one line the terminal wraps, so it copies whole
            console.print(_quote(excerpt), soft_wrap=True)
            console.print(printable(_cite(excerpt)), style="dim", markup=False, soft_wrap=True)


def _quote(excerpt: Excerpt) -> object:
    from rich.text import Text

    line = Text()
    if excerpt.before:
        line.append(printable(excerpt.before, lines=True), style="dim")
    line.append(printable(excerpt.text, lines=True), style="bold")
    if excerpt.after:
        line.append(printable(excerpt.after, lines=True), style="dim")
    return line


def _cite(excerpt: Excerpt) -> str:
    """Where the excerpt is: source, case, role, speaker, offsets, coder."""
    parts = [excerpt.source, excerpt.case, excerpt.role, excerpt.speaker]
    where = f"{excerpt.start}–{excerpt.end}"
    return "  — " + " · ".join([p for p in parts if p] + [where, excerpt.coder])
