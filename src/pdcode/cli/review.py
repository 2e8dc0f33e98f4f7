"""`pdcode review export|import|summary`: reviewing machine codings through a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
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

review_app = typer.Typer(
    help="Review machine codings: a sheet to fill in, its decisions back in, precision per code.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")

ReviewerOption = Annotated[
    str | None,
    typer.Option(
        help="Who reviews (a person's name, as in codings import); default: your login name."
    ),
]


@review_app.command("export")
def export(
    coder: Annotated[
        str, typer.Option(help="The machine coder to review, e.g. rules:BOOK@VERSION.")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The .csv or .xlsx to write (csv: else stdout)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv or xlsx (default: the suffix of --output, else csv)."),
    ] = None,
    reviewer: ReviewerOption = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="Only the codings the reviewer has not decided.")
    ] = False,
    project: ProjectOption = DEFAULT_PROJECT,
    raw_csv: RawCsvOption = False,
) -> None:
    """A sheet to review in: one row per coding of the coder, with the reviewer's
    decisions so far. Fill in decision (accept, reject or change; a, x or c) and, for
    a change, new_code (a code id or name); then pdcode review import."""
    from pdcode import api
    from pdcode.api import review_files

    with api.open_project(project) as proj:
        who = review_files.default_reviewer(reviewer)
        content = review_files.export_review(proj, coder, who, output, fmt, pending, raw_csv)
    if output is None and content is not None:
        emit(content)
    else:
        wrote(output)


@review_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A filled-in sheet of pdcode review export.")],
    reviewer: Annotated[
        str | None,
        typer.Option(
            help="Who decided, for rows whose reviewer cell is empty (a person's name); "
            "default: your login name."
        ),
    ] = None,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Store the decisions of a filled-in sheet, all or none: every problem is listed
    (FILE:ROW: reason) and then nothing is stored. Rows without a decision are skipped;
    decisions already stored the same way are left unchanged."""
    from pdcode import api
    from pdcode.api import review_files

    with api.open_project(project) as proj:
        result = review_files.import_review(proj, path, review_files.default_reviewer(reviewer))
    for problem in result.problems:
        err_console.print(printable(str(problem)), markup=False)
    if result.problems:
        err_console.print(
            printable(f"{len(result.problems)} problem(s) in {path}; no decision stored."),
            markup=False,
        )
        raise typer.Exit(1)
    on = ", ".join(result.coders) or "no coder"
    console.print(
        printable(
            f"Stored {result.stored} decision(s) by {', '.join(result.reviewers)} on {on}; "
            f"{result.unchanged} unchanged; {result.skipped} row(s) without a decision skipped."
        ),
        markup=False,
        soft_wrap=True,
    )


COUNTS = ("codings", "reviewed", "accepted", "rejected", "changed")


def _precision(row: dict[str, object]) -> str:
    """Precision and its interval as whole percents: ``33% (14–61%)``."""
    if row["precision"] is None:
        return ""

    def pct(value: object) -> str:
        assert isinstance(value, float | int)
        return f"{round(100 * value)}%"

    return f"{pct(row['precision'])} ({pct(row['low'])[:-1]}–{pct(row['high'])})"


@review_app.command("summary")
def summary(
    coder: Annotated[
        str | None, typer.Option(help="Only this machine coder (default: every one).")
    ] = None,
    reviewer: Annotated[
        str | None,
        typer.Option(help="Only this reviewer's decisions (default: everyone's; see the docs)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write csv or json here.")
    ] = None,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Per machine coder and code: codings, decisions, precision (accepted / reviewed)
    and its 95% Wilson interval, and each coder's total over its codes."""
    from pdcode import api
    from pdcode.api import review_files
    from pdcode.errors import UsageError

    if fmt == "table" and output is not None:
        raise UsageError("--output needs --format csv or json")
    if fmt != "table" and fmt not in review_files.SUMMARY_FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from table, csv, json)")
    with api.open_project(project) as proj:
        rows = review_files.summary_rows(proj, coder, reviewer)
    by = f" by {review_files.default_reviewer(reviewer)}" if reviewer is not None else ""
    nothing = f"Nothing reviewed yet{by}" + (f" on {coder}" if coder else "")
    nothing += ": review in the workbench (pdcode serve) or with pdcode review export/import."
    if fmt != "table":
        content = review_files.render_summary(rows, fmt, output)
        emit(content) if output is None else wrote(output)
        if not review_files.reviewed_any(rows):
            err_console.print(printable(nothing), markup=False)
        return
    if not review_files.reviewed_any(rows):
        console.print(printable(nothing), markup=False, soft_wrap=True)
        return
    for name in dict.fromkeys(r["coder"] for r in rows):
        table = Table(
            title=Text(f"Review of {printable(name)}: precision = accepted / reviewed"),
            title_justify="left",
            caption="The interval is Wilson's 95% score interval; exact figures: --format csv.",
            caption_justify="left",
        )
        table.add_column("code")
        for column in (*COUNTS, "precision (95% interval)"):
            table.add_column(column, justify="right")
        mine = [r for r in rows if r["coder"] == name]
        for row in mine:
            table.add_row(
                Breakable(printable(row["code"])),
                *(str(row[c]) for c in COUNTS),
                _precision(row),
                end_section=row is mine[-2],  # a rule above the total
            )
        console.print(table)
