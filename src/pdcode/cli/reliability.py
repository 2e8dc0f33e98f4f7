"""`pdcode agreement`, `pdcode disagreements` and `pdcode evaluate`."""

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

SHOWN_CONFUSIONS = 10


def _fmt(value: object) -> str:
    return "" if value is None else str(value)


def _cell(column: str, value: object) -> str | Breakable:
    """A table cell: code ids break only after an underscore."""
    return Breakable(_fmt(value)) if column == "code" else _fmt(value)


@app.command("agreement")
def agreement(
    project: ProjectOption = DEFAULT_PROJECT,
    coders: Annotated[
        str | None, typer.Option(help="Two or more coders, comma-separated: A,B[,C].")
    ] = None,
    table: Annotated[
        Path | None,
        typer.Option(
            help="Instead of a project: a CSV/XLSX, one row per unit, a column per coder."
        ),
    ] = None,
    level: Annotated[
        str, typer.Option(help="With --table: nominal, ordinal, interval or ratio.")
    ] = "nominal",
    unit: Annotated[str, typer.Option(help="sentence, turn or paragraph.")] = "sentence",
    code: Annotated[str | None, typer.Option(help="Only this code (its id or name).")] = None,
    strand: Annotated[str | None, typer.Option(help="Only this strand.")] = None,
    include_interviewer: Annotated[
        bool, typer.Option("--include-interviewer", help="Count interviewer units too.")
    ] = False,
    characters: Annotated[
        bool, typer.Option("--characters", help="Character-level agreement per code and source.")
    ] = False,
    bootstrap: Annotated[int, typer.Option(help="Resamples for alpha's 95% interval.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 20261124,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, json, md or xlsx instead of a table.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Inter-coder agreement: percent, kappa, PABAK and Krippendorff's alpha per code."""
    from pdcode import api
    from pdcode.api import reliability as rel

    if table is not None:
        if coders is not None:
            raise typer.BadParameter("give --coders or --table, not both")
        result = rel.agreement_table(table, level, bootstrap, seed)
        if fmt is not None or output is not None:
            content = rel.render_table(result, fmt, output, raw_csv)
            emit(content) if output is None and content is not None else wrote(output)
            return
        shown = Table(title=f"Agreement in {table.name} ({level})", title_justify="left")
        shown.add_column("measure")
        shown.add_column("value", justify="right")
        for key, value in result.row.items():
            shown.add_row(key, _fmt(value))
        console.print(shown)
        return
    if coders is None:
        raise typer.BadParameter("give --coders A,B (or --table FILE)")
    names = rel.parse_coders(coders)
    with api.open_project(project) as proj:
        result_p = rel.agreement(
            proj, names, unit, code, strand, include_interviewer, bootstrap, seed
        )
        chars = rel.character_agreement(proj, names, code, strand) if characters else None
    if fmt is not None or output is not None:
        content = rel.render_agreement(result_p, fmt, output, chars, raw_csv)
        emit(content) if output is None and content is not None else wrote(output)
        return
    columns = result_p.columns()
    shown = Table(
        title=f"Agreement of {', '.join(names)} over {unit}s", title_justify="left",
        caption=rel.NOTE, caption_justify="left",
    )  # fmt: skip
    keep = [c for c in columns if c not in ("name",)]
    for column in keep:
        shown.add_column(column.replace("_", " "), justify="left" if column == "code" else "right")
    for row in result_p.rows:
        shown.add_row(*(_cell(c, row.get(c)) for c in keep))
    console.print(shown)
    if chars is not None:
        console.print(f"{len(chars)} character-level comparisons: use --format to write them.")


@app.command("disagreements")
def disagreements(
    coders: Annotated[str, typer.Option(help="Two or more coders, comma-separated: A,B.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="A .csv, .xlsx or .docx (csv: else stdout)."),
    ] = None,
    project: ProjectOption = DEFAULT_PROJECT,
    unit: Annotated[str, typer.Option(help="sentence, turn or paragraph.")] = "turn",
    code: Annotated[str | None, typer.Option(help="Only this code (its id or name).")] = None,
    strand: Annotated[str | None, typer.Option(help="Only this strand.")] = None,
    include_interviewer: Annotated[
        bool, typer.Option("--include-interviewer", help="Include interviewer units.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv, xlsx or docx (default: the suffix, else csv)."),
    ] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """The units where coders differ, with room for the consensus decision."""
    from pdcode import api
    from pdcode.api import consensus

    names = api.reliability.parse_coders(coders)
    with api.open_project(project) as proj:
        rows, columns = consensus.disagreements(
            proj, names, unit, code, strand, include_interviewer
        )
    content = consensus.write_disagreements(rows, columns, names, fmt, output, raw_csv)
    if content is not None:
        emit(content)
    err_console.print(f"{len(rows)} unit(s) where the coders differ.")
    if output is not None:
        wrote(output)


@app.command("evaluate")
def evaluate(
    gold: Annotated[
        str,
        typer.Option(
            help="The reference coder, or reviewed: the review decisions on --pred's codings."
        ),
    ],
    pred: Annotated[
        str,
        typer.Option(
            help="The coder to evaluate, e.g. rules:BOOK@VERSION; A+B scores the union of coders."
        ),
    ],
    project: ProjectOption = DEFAULT_PROJECT,
    unit: Annotated[
        str | None,
        typer.Option(
            help="turn (default), sentence or paragraph; not with --gold reviewed, whose "
            "units are the reviewed codings' spans."
        ),
    ] = None,
    include_interviewer: Annotated[
        bool,
        typer.Option(
            "--include-interviewer", help="Include interviewer units (not with --gold reviewed)."
        ),
    ] = False,
    reviewer: Annotated[
        str | None,
        typer.Option(
            help="With --gold reviewed: only this reviewer's decisions (default: everyone's, "
            "the newest decision on a coding winning)."
        ),
    ] = None,
    misses: Annotated[
        bool, typer.Option("--misses", help="List the false positives and negatives.")
    ] = False,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, json, md or xlsx instead of a table.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Precision, recall and F1 per code of one coder against a gold coder, or against
    the review decisions on its codings (--gold reviewed)."""
    from pdcode import api
    from pdcode.api import evaluate as ev

    with api.open_project(project) as proj:
        result, texts = ev.evaluate(proj, gold, pred, unit, include_interviewer, reviewer)
    reviewed = gold == ev.REVIEWED
    if fmt is not None or output is not None:
        content = ev.render_evaluation(result, texts, fmt, output, misses, raw_csv)
        emit(content) if output is None and content is not None else wrote(output)
        if reviewed:
            err_console.print(ev.REVIEWED_NOTE, markup=False)
        return
    if reviewed:
        by = f" by {printable(reviewer)}" if reviewer is not None else ""
        title = f"{pred} against its review{by}: {result.units} reviewed spans"
    else:
        title = f"{pred} against {gold}: {result.units} {unit or 'turn'}s"
    shown = Table(
        title=Text(printable(title)),
        title_justify="left",
        caption=ev.REVIEWED_NOTE if reviewed else None,
        caption_justify="left",
    )
    for column in ev.SCORE_COLUMNS:
        shown.add_column(column, justify="left" if column == "code" else "right")
    for row in ev.score_rows(result):
        shown.add_row(*(_cell(c, row[c]) for c in ev.SCORE_COLUMNS))
    console.print(shown)
    if result.confusions:
        console.print("Most confused (gold code missed, predicted code instead):")
        for c in result.confusions[:SHOWN_CONFUSIONS]:
            console.print(f"  {c.gold} -> {c.predicted}: {c.units} unit(s)")
    if misses:
        for row in ev.miss_rows(result, texts):
            console.print(f"{row['kind']:15} {row['code']:24} {row['source']}: {row['text']}")
