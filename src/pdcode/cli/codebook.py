"""`pdcode codebook ...`: validate, show, export and import codebooks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.tree import Tree

from pdcode.cli.app import app
from pdcode.cli.render import RawCsvOption, console, emit, err_console, wrote

if TYPE_CHECKING:
    from pdcode.codebook import Code

codebook_app = typer.Typer(
    help="Validate, show, export and import codebooks.", no_args_is_help=True
)
app.add_typer(codebook_app, name="codebook")

BookFile = Annotated[Path, typer.Argument(help="A codebook YAML file.")]


@codebook_app.command("validate")
def validate(
    path: BookFile,
    as_json: Annotated[bool, typer.Option("--json", help="Problems as JSON.")] = False,
) -> None:
    """Report every problem with its place (file:line and code id); exit 1 if any."""
    from pdcode import api

    problems = api.codebooks.validate(path)
    if as_json:
        emit(api.codebooks.problems_json(problems))
    else:
        for problem in problems:
            err_console.print(str(problem), markup=False)
        if not problems:
            console.print(f"{path}: valid")
        else:
            err_console.print(f"{len(problems)} problem(s) in {path}")
    if problems:
        raise typer.Exit(1)


@codebook_app.command("show")
def show(path: BookFile) -> None:
    """Print the code tree with definitions."""
    from pdcode import api

    book = api.codebooks.show(path)
    tree = Tree(f"[bold]{book.name}[/bold] {book.version}")

    def add(node: Tree, codes: list[Code]) -> None:
        for code in codes:
            label = f"[bold]{code.id}[/bold] — {code.name}"
            if code.definition:
                label += f"\n[dim]{code.definition}[/dim]"
            add(node.add(label), code.children)

    add(tree, book.codes)
    console.print(tree)


@codebook_app.command("export")
def export(
    path: BookFile,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The file to write (qdc, csv, md: else stdout)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="qdc, csv, md or docx.")] = "qdc",
    raw_csv: RawCsvOption = False,
) -> None:
    """Write the codebook as REFI-QDA .qdc, CSV, Markdown or Word."""
    from pdcode import api

    content = api.codebooks.export_codebook(path, fmt, output, raw_csv)
    if content is not None:
        emit(content)
    else:
        wrote(output)


@codebook_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A REFI-QDA .qdc or a codebook .csv.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The YAML file to write.")],
) -> None:
    """Turn another tool's codebook into pdcode YAML (codes without rules)."""
    from pdcode import api

    for note in api.codebooks.import_codebook(path, output):
        err_console.print(f"note: {note}", markup=False)
    wrote(output)
