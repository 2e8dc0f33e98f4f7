"""`pdcode memo add|list|show|edit|delete`: memos on the project, a source, a code or
a coding, authored and dated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, RawCsvOption, console, emit, printable

if TYPE_CHECKING:
    from pdcode.api.memos import Memo

memo_app = typer.Typer(
    help="Memos on the project, a source, a code or a coding: add, list, show, edit, delete.",
    no_args_is_help=True,
)
app.add_typer(memo_app, name="memo")

IdArgument = Annotated[int, typer.Argument(help="The memo's id, as pdcode memo list shows it.")]
TextOption = Annotated[str | None, typer.Option("--text", help="The memo's text.")]
FileOption = Annotated[
    Path | None,
    typer.Option("--file", help="A UTF-8 text file holding the memo's text (instead of --text)."),
]
TitleOption = Annotated[str | None, typer.Option(help="A short title for the memo.")]
PREVIEW = 80  # characters of a memo's first line in the list's table


def _say(line: str) -> None:
    console.print(printable(line), markup=False, highlight=False, soft_wrap=True)


@memo_app.command("add")
def add(
    project: ProjectOption = DEFAULT_PROJECT,
    source: Annotated[
        str | None, typer.Option(help="On this source (its name, as in pdcode sources).")
    ] = None,
    code: Annotated[
        str | None, typer.Option(help="On this code (an id or a name; groups of codes too).")
    ] = None,
    coding: Annotated[
        int | None,
        typer.Option(help="On this coding (its id, as the workbench's JSON and memo list show)."),
    ] = None,
    whole_project: Annotated[
        bool,
        typer.Option(
            "--whole-project", help="On the project as a whole (--project names the project file)."
        ),
    ] = False,
    text: TextOption = None,
    file: FileOption = None,
    title: TitleOption = None,
    coder: Annotated[
        str | None,
        typer.Option(
            help="Who writes it (a person's name, as in codings import); default: your login name."
        ),
    ] = None,
) -> None:
    """Add a memo on exactly one of a source, a code, a coding or the whole project,
    authored by --coder and dated now."""
    from pdcode import api
    from pdcode.api import memos

    body = memos.memo_text(text, file)
    author = memos.author_name(coder)
    with api.open_project(project) as proj:
        made = memos.add(proj, body, author, source, code, coding, whole_project, title)
    _say(f"Added memo {made.id} on {made.target}, by {made.author} at {made.created_at}.")


@memo_app.command("list")
def list_(
    project: ProjectOption = DEFAULT_PROJECT,
    source: Annotated[
        str | None, typer.Option(help="Only memos on this source and on its codings.")
    ] = None,
    code: Annotated[
        str | None, typer.Option(help="Only memos on this code and on its codings.")
    ] = None,
    coder: Annotated[str | None, typer.Option(help="Only memos this person wrote.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only memos on: project, source, code or coding.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or json (every field, whole texts).")
    ] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """The memos, oldest first: id, what each is on, author, date, title, and the
    start of its text (pdcode memo show ID gives it whole)."""
    from pdcode import api
    from pdcode.api import memos

    with api.open_project(project) as proj:
        found = memos.memos(proj, source, code, coder, kind)
    if fmt is not None:
        emit(memos.dump(found, fmt, raw_csv))
        return
    if not found:
        console.print("No memos: pdcode memo add --text TEXT --source S (or --code, --coding).")
        return
    table = Table(title=f"{len(found)} memos", title_justify="left")
    table.add_column("id", justify="right", no_wrap=True)
    for column in ("on", "author", "date", "title", "text"):
        table.add_column(column, no_wrap=column == "date")
    for m in found:
        table.add_row(
            str(m.id),
            Breakable(printable(m.target)),
            Breakable(printable(m.author)),
            m.created_at[:10],  # the day; show, csv and json give the time too
            printable(m.title or ""),
            printable(_preview(m.text)),
        )
    console.print(table)


def _preview(text: str) -> str:
    first = text.split("\n", 1)[0]
    more = len(first) > PREVIEW or first != text
    return first[:PREVIEW].rstrip() + ("…" if more else "")


@memo_app.command("show")
def show(
    memo_id: IdArgument,
    project: ProjectOption = DEFAULT_PROJECT,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """One memo in full: what it is on, who wrote it and when, its title and text."""
    from pdcode import api
    from pdcode.api import memos

    with api.open_project(project) as proj:
        memo = memos.show(proj, memo_id)
    if as_json:
        emit(json.dumps(memo.row(), ensure_ascii=False, indent=2) + "\n")
        return
    _print(memo)


def _print(memo: Memo) -> None:
    _say(f"Memo {memo.id} on {memo.target}")
    if memo.kind == "coding":
        _say(f"coded by {memo.coder}")
    _say(f"by {memo.author}, {memo.created_at}")
    if memo.modified_at:
        _say(f"edited {memo.modified_at}")
    if memo.title:
        _say(f"title: {memo.title}")
    console.print()
    console.print(printable(memo.text, lines=True), markup=False, highlight=False)


@memo_app.command("edit")
def edit(
    memo_id: IdArgument,
    project: ProjectOption = DEFAULT_PROJECT,
    text: TextOption = None,
    file: FileOption = None,
    title: Annotated[
        str | None, typer.Option(help="A new title ('' removes it; left out, the title stays).")
    ] = None,
) -> None:
    """Replace a memo's text (and title, if given), dating the edit. Its author, what
    it is on and its creation date stay."""
    from pdcode import api
    from pdcode.api import memos

    body = memos.memo_text(text, file)
    with api.open_project(project) as proj:
        memo = memos.edit(proj, memo_id, body, title)
    _say(
        f"Edited memo {memo.id} on {memo.target} (by {memo.author}, {memo.created_at};"
        f" edited {memo.modified_at})."
    )


@memo_app.command("delete")
def delete(memo_id: IdArgument, project: ProjectOption = DEFAULT_PROJECT) -> None:
    """Delete a memo, whoever wrote it (the CLI works on the project directly)."""
    from pdcode import api
    from pdcode.api import memos

    with api.open_project(project) as proj:
        gone = memos.delete(proj, memo_id)
    _say(f"Deleted memo {gone.id} on {gone.target}, by {gone.author} at {gone.created_at}.")
