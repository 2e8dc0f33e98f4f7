"""`pdcode search`: every occurrence of a word, phrase or pattern in its context."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.render import (
    DEFAULT_PROJECT,
    ProjectOption,
    RawCsvOption,
    console,
    emit,
    err_console,
    printable,
    wrote,
)

if TYPE_CHECKING:
    from rich.text import Text

    from pdcode.api.search import SearchResult

_SPACES = re.compile(r"\s+")
# A terminal table of a thousand rows is already more than anyone reads, and rich
# lays one out in about a millisecond a row: more go to a file (--format).
TABLE_HITS = 1000


@app.command("search")
def search(
    query: Annotated[
        str,
        typer.Argument(
            help="A word, found in all its forms (coach: coached, coaching...); several "
            'words; "an exact phrase" in double quotes (quote them for the shell too); '
            "or, with --regex, a pattern.",
            show_default=False,
        ),
    ],
    project: ProjectOption = DEFAULT_PROJECT,
    regex: Annotated[
        bool,
        typer.Option(
            "--regex", help="QUERY is a regex (as in codebooks: case-insensitive, linear-time)."
        ),
    ] = False,
    strand: Annotated[str | None, typer.Option(help="Only sources of this strand.")] = None,
    case: Annotated[str | None, typer.Option(help="Only sources of this case.")] = None,
    speaker: Annotated[str | None, typer.Option(help="Only this speaker's turns.")] = None,
    role: Annotated[
        str | None, typer.Option(help="Only sources whose role attribute is this.")
    ] = None,
    respondents_only: Annotated[
        bool, typer.Option("--respondents-only", help="Leave out interviewer turns.")
    ] = False,
    code: Annotated[
        str | None,
        typer.Option(help="Only inside codings of this code (its id or name), by any coder."),
    ] = None,
    coder: Annotated[
        str | None,
        typer.Option(
            help="With --code: only this coder's codings. With --code-as: who the codings "
            "are stored as (then --code looks in everyone's)."
        ),
    ] = None,
    code_as: Annotated[
        str | None,
        typer.Option(
            "--code-as",
            help="Store each hit's --unit as a coding of this code (of a stored codebook) "
            "by --coder, provenance search:QUERY; a rerun of the query by the coder "
            "replaces its codings.",
        ),
    ] = None,
    unit: Annotated[
        str, typer.Option(help="With --code-as: sentence, turn or paragraph.")
    ] = "sentence",
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, json, md or docx instead of a table.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    raw_csv: RawCsvOption = False,
    limit: Annotated[
        int,
        typer.Option(
            min=1,
            help="Hits the table shows, the first by source and offset (the counts, "
            "--format and --code-as take them all).",
        ),
    ] = TABLE_HITS,
) -> None:
    """Keyword in context: each hit in the sources' turns with 60 characters either
    side, its source, speaker and offsets; the counts by strand at the end."""
    from pdcode import api

    with api.open_project(project) as proj:
        result = api.search.search(
            proj,
            query,
            regex=regex,
            strand=strand,
            case=case,
            speaker=speaker,
            role=role,
            respondents_only=respondents_only,
            code=code,
            coder=coder,
            code_as=code_as,
            unit=unit,
            fmt=fmt,
            output=output,
            raw_csv=raw_csv,
        )
    counts = api.search.counts_line(result.by_strand)
    if result.written is not None or result.content is not None:
        if result.content is not None:
            emit(result.content)
        else:
            wrote(result.written)
        # stdout carries only the data: the counts go beside the "Wrote" line
        err_console.print(printable(counts), markup=False)
    else:
        if result.hits:
            console.print(hits_table(result, limit))
        if len(result.hits) > limit:
            console.print(
                f"The first {limit:,} shown; --limit N shows more, --format csv|json|md|docx "
                "writes them all.",
                markup=False,
            )
        console.print(printable(counts), markup=False)
    if result.coded is not None:
        run = result.coded
        err_console.print(
            printable(
                f"Coded {run.added:,} {run.unit}s with {run.code} as {run.coder} "
                f"({run.provenance}); {run.removed:,} codings of its previous run replaced."
            ),
            markup=False,
        )


def hits_table(result: SearchResult, limit: int = TABLE_HITS) -> object:
    """The first ``limit`` hits as the terminal shows them."""
    from rich.text import Text

    from pdcode.cli.cells import Breakable, Table

    # Text, never a string, wherever data goes: rich would read "[...]" as markup.
    title = Text(f"Search: {printable(result.query.label)}")
    table = Table(title=title, title_justify="left")
    table.add_column("source")
    table.add_column("speaker")
    table.add_column("in context")
    table.add_column("start", justify="right")
    table.add_column("end", justify="right")
    for h in result.hits[:limit]:
        table.add_row(
            Breakable(printable(h.source)),  # a name is never cut short
            Text(printable(h.speaker or "")),
            in_context(h.left, h.text, h.right),
            str(h.start),
            str(h.end),
        )
    return table


def in_context(left: str, hit: str, right: str) -> Text:
    """The hit in bold between its context, line breaks shown as spaces."""
    from rich.text import Text

    def flat(text: str) -> str:
        return printable(_SPACES.sub(" ", text))

    line = Text(flat(left))
    line.append(flat(hit), style="bold")
    line.append(flat(right))
    return line
