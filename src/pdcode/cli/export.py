"""`pdcode export ...`: project contents out to files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.notes import note_uncodable
from pdcode.cli.pseudonymise import KeyOption
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, RawCsvOption, emit, wrote

export_app = typer.Typer(help="Export project contents.", no_args_is_help=True)
app.add_typer(export_app, name="export")

Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
]


@export_app.command("segments")
def segments(
    project: ProjectOption = DEFAULT_PROJECT,
    unit: Annotated[str, typer.Option(help="turn, sentence or paragraph.")] = "turn",
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    output: Output = None,
    raw_csv: RawCsvOption = False,
    pseudonymise: KeyOption = None,
) -> None:
    """Segments with attribution, who spoke (is_interviewer), offsets and text."""
    from pdcode import api

    with api.open_project(project) as proj:
        content = api.export_segments(proj, unit, fmt, output, raw_csv, pseudonymise)
    if output is None:
        emit(content)
    else:
        wrote(output)


@export_app.command("codings")
def codings(
    project: ProjectOption = DEFAULT_PROJECT,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or xlsx.")] = "csv",
    output: Output = None,
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    code: Annotated[str | None, typer.Option(help="Only this code (its id or name).")] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Add provenance and the matched words.")
    ] = False,
    raw_csv: RawCsvOption = False,
    pseudonymise: KeyOption = None,
) -> None:
    """Codings with attribution, who spoke (is_interviewer), code, coder, rule and text."""
    from pdcode import api

    with api.open_project(project) as proj:
        content = api.export_codings(proj, fmt, output, coder, code, explain, raw_csv, pseudonymise)
    if output is None and content is not None:
        emit(content)
    else:
        wrote(output)


@export_app.command("excerpts")
def excerpts(
    fmt: Annotated[str, typer.Option("--format", help="docx, md, html, csv or xlsx.")],
    project: ProjectOption = DEFAULT_PROJECT,
    output: Output = None,
    strand: Annotated[str | None, typer.Option(help="Only this strand.")] = None,
    code: Annotated[str | None, typer.Option(help="Only this code (its id or name).")] = None,
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    split_by: Annotated[str | None, typer.Option(help="strand: one file per strand.")] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for --split-by files (excerpts_STRAND.FORMAT, the strand made "
            "safe as a file name)."
        ),
    ] = None,
    raw_csv: RawCsvOption = False,
    pseudonymise: KeyOption = None,
) -> None:
    """Coded excerpts grouped by code, with definitions and attribution."""
    from pdcode import api

    with api.open_project(project) as proj:
        note_uncodable(proj, "turn")
        result = api.export_excerpts(
            proj, fmt, output, strand, code, coder, split_by, output_dir, raw_csv, pseudonymise
        )
    if result.content is not None:
        emit(result.content)
    wrote(*result.written)


@export_app.command("qdpx")
def qdpx(
    output: Annotated[Path, typer.Option("--output", "-o", help="The .qdpx to write.")],
    project: ProjectOption = DEFAULT_PROJECT,
    coder: Annotated[str | None, typer.Option(help="Only this coder's codings.")] = None,
    pseudonymise: KeyOption = None,
) -> None:
    """The project as REFI-QDA for NVivo, ATLAS.ti, MAXQDA, QualCoder and others."""
    from pdcode import api

    with api.open_project(project) as proj:
        written = api.qdpx.export_qdpx(proj, output, coder, pseudonymise)
    wrote(written)
