"""`pdcode cooccur`: which codes fall on the same units."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.notes import note_uncodable
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, RawCsvOption, console, emit, wrote

SHOWN = 25  # pairs in the terminal table; files hold them all


@app.command("cooccur")
def cooccur(
    project: ProjectOption = DEFAULT_PROJECT,
    unit: Annotated[str, typer.Option(help="sentence, turn, paragraph or source.")] = "sentence",
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    level: Annotated[str, typer.Option(help="leaf codes or their groups.")] = "leaf",
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, json, md or xlsx instead of a table.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    heatmap: Annotated[
        Path | None, typer.Option(help="Also draw the counts as a heatmap (.png or .svg).")
    ] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Code co-occurrence: units carrying both codes, and Jaccard similarity."""
    from pdcode import api

    with api.open_project(project) as proj:
        note_uncodable(proj, "turn")
        result = api.analysis.cooccur(proj, unit, coder, level)
    machine = fmt is not None or output is not None
    content = api.analysis.render_cooccur(
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
    pairs = sorted(result.pairs(), key=lambda p: (-int(str(p["both"])), str(p["code_a"])))
    table = Table(
        title=f"Codes on the same {result.unit} (top {SHOWN} pairs)", title_justify="left"
    )
    for name in ("code a", "code b", "both", "jaccard"):
        table.add_column(name, justify="right" if name in ("both", "jaccard") else "left")
    for pair in [p for p in pairs if p["both"]][:SHOWN]:
        table.add_row(
            Breakable(str(pair["code_a"])),
            Breakable(str(pair["code_b"])),
            str(pair["both"]),
            f"{pair['jaccard']:.3f}",
        )
    console.print(table)
