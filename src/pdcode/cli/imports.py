"""`pdcode import`: transcripts into the project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.jobs import JobsOption
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, console, err_console, printable

if TYPE_CHECKING:
    from pdcode.api import FileOutcome
    from pdcode.api import qdpx as api_types
    from pdcode.ingest.check import DocumentCheck

PROGRESS_FROM = 4  # files; below this a bar is noise

SOURCE_LINES = 3  # a file with more sources (a survey) gets one line, not one each


def report_outcome(outcome: FileOutcome) -> None:
    """What was read of each file: turns and speakers, then any doubt or failure.

    Every line goes through `printable`: a file name (or a speaker label) holding
    a newline or an escape sequence cannot forge lines on the terminal."""
    if outcome.status == "failed":
        err_console.print(printable(f"{outcome.path}: {outcome.reason}"), markup=False)
    elif outcome.status == "unchanged":
        console.print(printable(f"{outcome.path}: unchanged (already imported)"), markup=False)
    if len(outcome.checks) > SOURCE_LINES:
        turns = sum(c.turns for c in outcome.checks)
        console.print(
            printable(f"{outcome.path}: {len(outcome.checks)} sources, {turns} turns"),
            markup=False,
        )
    else:
        for check in outcome.checks:
            console.print(printable(describe_source(check)), markup=False, soft_wrap=True)
    for note in outcome.notes:
        err_console.print(printable(f"{outcome.path}: note: {note}"), markup=False)
    for name, warning in outcome.warnings:
        where = outcome.path if Path(outcome.path).name == name else f"{outcome.path} ({name})"
        err_console.print(printable(f"{where}: warning: {warning}"), markup=False, soft_wrap=True)


def describe_source(check: DocumentCheck) -> str:
    """``name: 42 turns (21 respondent, 1804 words), 2 speakers: Interviewer 21
    (interviewer), Jo Bell 21``"""
    speakers = ", ".join(
        f"{s.speaker if s.speaker is not None else '(no label)'} {s.turns}"
        + (" (interviewer)" if s.interviewer else "")
        for s in check.speakers
    )
    named = len({s.speaker for s in check.speakers if s.speaker is not None})
    return (
        f"{check.name}: {check.turns} turns ({check.respondent_turns} respondent, "
        f"{check.respondent_words} words), {named} speaker{'s' if named != 1 else ''}"
        + (f": {speakers}" if speakers else "")
    )


def report_qdpx(result: api_types.QdpxImport) -> None:
    """What a REFI-QDA import brought in, and what it left out, said plainly."""
    console.print(
        printable(
            f"{result.file}: {result.sources} source(s), {result.codes} code(s), "
            f"{result.codings} coding(s) by {', '.join(result.coders) or 'nobody'}, "
            f"{result.cases} case(s), {result.memos} memo(s); "
            f"positions read as {result.convention}"
        ),
        markup=False,
        soft_wrap=True,
    )
    for kind, count in result.skipped:
        err_console.print(
            printable(f"{result.file}: note: {count} {kind} not imported (pdcode holds text only)"),
            markup=False,
        )
    for name in result.missing:
        err_console.print(
            printable(f"{result.file}: note: source {name!r} has no text in the file: skipped"),
            markup=False,
        )
    if result.dropped:
        err_console.print(
            printable(f"{result.file}: note: {result.dropped} coding(s) could not be placed"),
            markup=False,
        )
    for note in result.notes:
        err_console.print(printable(f"{result.file}: note: {note}"), markup=False)


@app.command("import")
def import_(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (walked recursively).")
    ] = None,
    project: ProjectOption = DEFAULT_PROJECT,
    strand: Annotated[str | None, typer.Option(help="Strand of every file.")] = None,
    case: Annotated[str | None, typer.Option(help="Case of every file.")] = None,
    attr: Annotated[
        list[str] | None, typer.Option("--attr", help="KEY=VALUE attribute (repeatable).")
    ] = None,
    interviewer: Annotated[
        list[str] | None,
        typer.Option("--interviewer", help="A speaker name to flag as interviewer (repeatable)."),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="CSV with columns file,strand,case[,more attributes]."),
    ] = None,
    text_column: Annotated[
        str | None, typer.Option(help="Survey files: the column holding responses.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="Survey files: the respondent id column.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite sources whose file changed.")
    ] = False,
    max_size: Annotated[
        float, typer.Option(help="Largest file accepted, in megabytes.", min=0.001)
    ] = 50.0,
    spacy_model: Annotated[
        str | None, typer.Option(help="An installed spaCy pipeline for sentences.")
    ] = None,
    speaker_map: Annotated[
        Path | None,
        typer.Option(
            help="File of LABEL = interviewer|respondent|none [as NAME] lines, one per label."
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Print the turns and speakers each file would give; write nothing."
        ),
    ] = False,
    allow_outside: Annotated[
        bool,
        typer.Option(
            "--allow-outside",
            help="Read manifest paths, and links in a folder, that lead outside its folder.",
        ),
    ] = False,
    jobs: JobsOption = None,
) -> None:
    """Import transcripts: .txt .md .docx .vtt .srt, survey .csv/.xlsx; or `import qdpx FILE`."""
    from pdcode import api

    paths = list(paths or [])
    if paths and str(paths[0]) == "qdpx" and not paths[0].exists():
        paths = paths[1:]  # `pdcode import qdpx FILE`: the word names the format
        if not paths:
            raise typer.BadParameter("give the .qdpx (or project.qde) file to import")
    projects = [x for x in paths if x.suffix.lower() in (".qdpx", ".qde")]
    if projects:
        if len(projects) != len(paths):
            raise typer.BadParameter("import a REFI-QDA project on its own, not with transcripts")
        with api.open_project(project) as proj:
            for path in projects:
                report_qdpx(api.qdpx.import_qdpx(proj, path, replace))
        return

    options = api.ImportOptions(
        strand=strand,
        case=case,
        attributes=api.parse_attributes(attr or []),
        interviewers=tuple(interviewer or ()),
        manifest=manifest,
        text_column=text_column,
        id_column=id_column,
        replace=replace,
        max_bytes=int(max_size * 1_000_000),
        spacy_model=spacy_model,
        speaker_map=speaker_map,
        allow_outside=allow_outside,
        jobs=jobs,
    )
    shown: set[int] = set()  # outcomes already reported, by id

    def show(outcome: FileOutcome) -> None:
        shown.add(id(outcome))
        report_outcome(outcome)

    if check:
        checked = api.check_paths(paths, options, on_file=show)
        for outcome in checked.outcomes:
            if outcome.status == "failed" and id(outcome) not in shown:
                report_outcome(outcome)  # refused before reading: missing, links, FIFOs
        console.print(f"Check: {checked.summary()}")
        raise typer.Exit(1 if checked.failed else 0)
    from rich.progress import Progress  # here: only import needs it

    # On a terminal only: elsewhere the bar would leave a blank line among the one-line reports.
    bar_shown = Progress(console=err_console, transient=True, disable=not err_console.is_terminal)
    with api.open_project(project) as proj, bar_shown as bar:
        task = bar.add_task("Importing", total=None, visible=False)

        def start(total: int) -> None:
            bar.update(task, total=total, visible=total >= PROGRESS_FROM)

        def done(outcome: FileOutcome) -> None:
            bar.advance(task)
            show(outcome)

        report = api.import_paths(proj, paths, options, on_file=done, on_start=start)
    for outcome in report.outcomes:
        if outcome.status == "failed" and id(outcome) not in shown:
            report_outcome(outcome)  # refused before reading: missing, links, FIFOs
    console.print(f"Import: {report.summary()}")
    if report.failed:
        raise typer.Exit(1)
