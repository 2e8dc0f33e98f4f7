"""`pdcode coder add|list|revoke`: the people of a team, each with their own link to
the workbench (`pdcode serve` on a shared server)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console, emit, printable

coder_app = typer.Typer(
    help="People with their own link to a shared workbench: add, list, revoke.",
    no_args_is_help=True,
)
app.add_typer(coder_app, name="coder")

NameArgument = Annotated[
    str,
    typer.Argument(help="The person's name, as their codings are stored (ana, or human:ana)."),
]
# Where the team reaches `pdcode serve` is not known here (a reverse proxy's name).
LINK = "https://WORKBENCH-ADDRESS/?token={token}"


def _say(line: str) -> None:
    console.print(printable(line), markup=False, highlight=False, soft_wrap=True)


@coder_app.command("add")
def add(name: NameArgument, project: ProjectOption = DEFAULT_PROJECT) -> None:
    """Add a coder and print their access token, once. With any coder added, pdcode
    serve admits only coders' tokens and stores each person's work under their name."""
    from pdcode import api

    with api.open_project(project) as proj:
        added = api.coders.add(proj, name)
    _say(f"Added coder {added.name}.")
    _say(
        "Their token is shown only now: the project keeps only its hash, so copy it "
        "now and give it to them alone (if it is lost, revoke the coder and add them again)."
    )
    typer.echo(added.token)
    _say(f"Their workbench link: {LINK.format(token=added.token)}")
    _say(
        "(WORKBENCH-ADDRESS: where the team reaches pdcode serve, e.g. the reverse proxy's "
        "name; see docs/teams.md.)"
    )


@coder_app.command("list")
def list_(
    project: ProjectOption = DEFAULT_PROJECT,
    as_json: Annotated[bool, typer.Option("--json", help="As JSON.")] = False,
) -> None:
    """The coders by name: when each was added and, if so, revoked (never a token)."""
    from pdcode import api

    with api.open_project(project) as proj:
        found = api.coders.coders(proj)
    if as_json:
        rows = [c.row() for c in found]
        emit(json.dumps({"coders": rows}, ensure_ascii=False, indent=2) + "\n")
        return
    if not found:
        console.print("No coders: pdcode coder add NAME gives a person their own link.")
        return
    table = Table(title=f"{len(found)} coders", title_justify="left")
    for column in ("name", "added", "revoked"):
        table.add_column(column)
    for c in found:
        table.add_row(Breakable(printable(c.name)), c.created, c.revoked or "")
    console.print(table)


@coder_app.command("revoke")
def revoke(name: NameArgument, project: ProjectOption = DEFAULT_PROJECT) -> None:
    """Revoke a coder's token: it stops working at their next request. Their codings
    and decisions stay, under their name."""
    from pdcode import api

    with api.open_project(project) as proj:
        done = api.coders.revoke(proj, name)
    _say(
        f"Revoked coder {done.name}: their link stops working at their next request; "
        "their codings and decisions stay."
    )
