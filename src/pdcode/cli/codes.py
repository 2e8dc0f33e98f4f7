"""`pdcode codes ...`: rename, merge, move and retire the codes of the project's
codebook without losing a coding; list them; show the codebook's history."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console, emit, err_console, wrote

if TYPE_CHECKING:
    from pdcode.api.codes import CodesChange

codes_app = typer.Typer(
    help="Change the project's codes (every coding follows), list them, show their history.",
    no_args_is_help=True,
)
app.add_typer(codes_app, name="codes")

CodebookOption = Annotated[
    str | None,
    typer.Option(
        "--codebook",
        "-c",
        help="The stored codebook's name, where the project has several (its newest load "
        "is changed).",
    ),
]
FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        help="Also make the change in this codebook YAML file (comments and order kept); "
        "without it no file is written.",
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who makes the change, for the history; default: your login name."),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Say what would change; write nothing.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="As JSON.")]


def _report(result: CodesChange) -> None:
    for line in result.warnings:
        err_console.print(f"warning: {line}", markup=False)
    console.print(result.summary, markup=False)
    if result.file is not None and not result.dry_run:
        wrote(result.file)


@codes_app.command("rename")
def rename(
    old: Annotated[str, typer.Argument(help="The code's id now.")],
    new: Annotated[str, typer.Argument(help="Its new id (snake_case).")],
    name: Annotated[str | None, typer.Option(help="A new display name as well.")] = None,
    codebook: CodebookOption = None,
    file: FileOption = None,
    by: ByOption = None,
    dry_run: DryRunOption = False,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Give a code a new id: every coding of every coder, review decision and memo follows."""
    from pdcode import api

    with api.open_project(project) as proj:
        result = api.codes.rename_code(
            proj, old, new, name, codebook=codebook, file=file, by=by, dry_run=dry_run
        )
    _report(result)


@codes_app.command("merge")
def merge(
    codes: Annotated[
        list[str], typer.Argument(help="The codes to merge into --into (it may be one of them).")
    ],
    into: Annotated[
        str, typer.Option("--into", help="The code they become: one of them, or a new id.")
    ],
    name: Annotated[
        str | None, typer.Option(help="The name of a new --into code (or a new name).")
    ] = None,
    codebook: CodebookOption = None,
    file: FileOption = None,
    by: ByOption = None,
    dry_run: DryRunOption = False,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Merge codes into one. Their codings all take its id; a coder's codings of the
    same span that become the same coding are kept once (counted in the output)."""
    from pdcode import api

    with api.open_project(project) as proj:
        result = api.codes.merge_codes(
            proj, codes, into, name, codebook=codebook, file=file, by=by, dry_run=dry_run
        )
    _report(result)


@codes_app.command("move")
def move(
    code: Annotated[str, typer.Argument(help="The code to move (with the codes under it).")],
    parent: Annotated[
        str | None,
        typer.Option("--parent", help='The group to put it under ("" for the top level).'),
    ] = None,
    root: Annotated[bool, typer.Option("--root", help="Put it at the top level.")] = False,
    codebook: CodebookOption = None,
    file: FileOption = None,
    by: ByOption = None,
    dry_run: DryRunOption = False,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Put a code under another group, or at the top level; its codings stay."""
    from pdcode import api
    from pdcode.errors import UsageError

    if root and parent:
        raise UsageError("give --parent GROUP or --root, not both")
    if not root and parent is None:
        raise UsageError("give --parent GROUP (or --root for the top level)")
    target = None if root or not parent else parent
    with api.open_project(project) as proj:
        result = api.codes.move_code(
            proj, code, target, codebook=codebook, file=file, by=by, dry_run=dry_run
        )
    _report(result)


@codes_app.command("retire")
def retire(
    code: Annotated[str, typer.Argument(help="The code to retire (with the codes under it).")],
    undo: Annotated[bool, typer.Option("--undo", help="Bring a retired code back.")] = False,
    codebook: CodebookOption = None,
    file: FileOption = None,
    by: ByOption = None,
    dry_run: DryRunOption = False,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Retire a code: its codings stay and still count; pdcode code no longer applies it."""
    from pdcode import api

    with api.open_project(project) as proj:
        result = api.codes.retire_code(
            proj, code, undo, codebook=codebook, file=file, by=by, dry_run=dry_run
        )
    _report(result)


@codes_app.command("list")
def list_(
    codebook: CodebookOption = None,
    as_json: JsonOption = False,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """The codes of the stored codebook, with their parent, codings and whether retired."""
    from pdcode import api

    with api.open_project(project) as proj:
        book, rows = api.codes.list_codes(proj, codebook)
    if as_json:
        emit(json.dumps({"codebook": book, "codes": rows}, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{book}: codes", title_justify="left")
    for column in ("code", "name", "parent", "codings", "state"):
        table.add_column(column, justify="right" if column == "codings" else "left")
    for row in rows:
        said = "retired" if row["retired"] else "group" if row["group"] else ""
        table.add_row(
            Breakable(row["code"]), row["name"], Breakable(row["parent"] or ""),
            str(row["codings"]), said,
        )  # fmt: skip
    console.print(table)


@codes_app.command("history")
def history(
    codebook: CodebookOption = None,
    as_json: JsonOption = False,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Every change to the codes: when, by whom, what, and the codings it touched."""
    from pdcode import api

    with api.open_project(project) as proj:
        entries = api.codes.history(proj, codebook)
    if as_json:
        found = [asdict(e) for e in entries]
        emit(json.dumps({"history": found}, ensure_ascii=False, indent=2) + "\n")
        return
    if not entries:
        console.print("No change to the codes yet (pdcode codes rename|merge|move|retire).")
        return
    table = Table(title="Codebook history", title_justify="left")
    for column in ("at", "by", "codebook", "change"):
        table.add_column(column)
    for e in entries:
        table.add_row(e.at, e.who, e.codebook, e.change)
    console.print(table)
