"""`pdcode frequencies`: theme frequency tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.notes import note_uncodable
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, RawCsvOption, console, emit, wrote

if TYPE_CHECKING:
    from pdcode.analysis.frequencies import Frequencies


@app.command("frequencies")
def frequencies(
    project: ProjectOption = DEFAULT_PROJECT,
    by: Annotated[
        str | None, typer.Option(help="Columns: strand, case, source, or an attribute (role...).")
    ] = None,
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    level: Annotated[str, typer.Option(help="leaf codes or their groups.")] = "leaf",
    unit: Annotated[
        str,
        typer.Option(
            help="What a reference counts: a coded sentence, turn or paragraph, "
            "or each stretch of coded text (coding, as NVivo counts references)."
        ),
    ] = "sentence",
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, json, md or xlsx instead of a table.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """For each code: references, sources, cases, and their share in each group."""
    from pdcode import api

    with api.open_project(project) as proj:
        note_uncodable(proj, "turn")
        freq = api.frequencies(proj, by, coder, level, unit)
    if fmt is not None or output is not None:
        content = api.render_frequencies(freq, fmt, output, raw_csv)
        if output is None and content is not None:
            emit(content)
        else:
            wrote(output)
        return
    console.print(frequencies_table(freq))


def frequencies_table(freq: Frequencies) -> Table:
    """The frequency table as the terminal shows it."""
    from pdcode.api.analysis import NOTE

    table = Table(
        title=f"Codes by {freq.by or 'project'}; references are "
        + ("stretches of coded text" if freq.unit == "coding" else f"coded {freq.unit}s"),
        title_justify="left",
        caption=NOTE,
        caption_justify="left",
    )
    table.add_column("code")
    for name in ("refs", "sources", "cases"):
        table.add_column(name, justify="right")
    for g in freq.groups:
        table.add_column(f"{g.name}\n% of {g.sources} sources", justify="right")
    for row in freq.rows:
        cells = [str(row[c]) for c in ("references", "sources", "cases")]
        cells += [f"{row[f'{g.name} sources %']:.1f}" for g in freq.groups]
        table.add_row(Breakable(row["code"]), *cells)
    return table


@app.command("matrix")
def matrix(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The .xlsx or .csv to write (csv: else stdout)."),
    ] = None,
    project: ProjectOption = DEFAULT_PROJECT,
    rows: Annotated[str, typer.Option(help="case, source or an attribute (role...).")] = "case",
    cols: Annotated[str, typer.Option(help="Columns: code (the only choice).")] = "code",
    count: Annotated[bool, typer.Option("--count", help="Numbers of excerpts, not text.")] = False,
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    strand: Annotated[str | None, typer.Option(help="Only this strand.")] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="xlsx or csv (default: from --output, else csv)."),
    ] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """A framework matrix: rows by case, source or attribute, a column per code."""
    from pdcode import api

    if cols != "code":
        raise typer.BadParameter("only code columns are supported", param_hint="--cols")
    with api.open_project(project) as proj:
        note_uncodable(proj, "turn")
        filled, content = api.framework_matrix(
            proj, rows, fmt, output, count, coder, strand, raw_csv
        )
    if content is not None:
        emit(content)
    else:
        wrote(output, detail=f" ({filled} filled cells)")


@app.command("compare")
def compare(
    project: ProjectOption = DEFAULT_PROJECT,
    across: Annotated[
        str, typer.Option(help="strand, case, or an attribute (role...).")
    ] = "strand",
    unit: Annotated[str, typer.Option(help="Unit of analysis: source or case.")] = "source",
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    level: Annotated[str, typer.Option(help="leaf codes or their groups.")] = "leaf",
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, json, md or xlsx instead of a table.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    heatmap: Annotated[
        Path | None, typer.Option(help="Also draw prevalence by group (.png or .svg).")
    ] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Code prevalence across groups: chi-square or Fisher, Cramér's V, distinctive codes."""
    from pdcode import api
    from pdcode.analysis.compare import format_p

    with api.open_project(project) as proj:
        note_uncodable(proj, "turn")
        result = api.analysis.compare(proj, across, unit, coder, level)
    machine = fmt is not None or output is not None
    content = api.analysis.render_compare(
        result, fmt, output, heatmap, table=machine, raw_csv=raw_csv
    )
    if heatmap is not None:
        wrote(heatmap)
    if machine:
        if output is None and content is not None:
            emit(content)
        else:
            wrote(output)
        return
    sizes = ", ".join(f"{g} n={n}" for g, n in zip(result.groups, result.n, strict=True))
    table = Table(
        title=f"Codes across {result.across}; unit of analysis: {result.unit} ({sizes})",
        title_justify="left",
        caption="Counts describe qualitative data; they point to differences worth reading, "
        "they do not prove claims.",
        caption_justify="left",
    )
    table.add_column("code")
    for g in result.groups:
        table.add_column(f"{g} %", justify="right")
    for name in ("test", "p", "V", "distinctive"):
        table.add_column(name, justify="right" if name in ("p", "V") else "left")
    for row in result.rows:
        p, v = row["p"], row["cramers_v"]
        table.add_row(
            Breakable(row["code"]),
            *(f"{row[f'{g} %']:.1f}" for g in result.groups),
            row["test"],
            format_p(p),
            "" if v is None else f"{v:.2f}",
            row["distinctive"],
        )
    console.print(table)
