"""`pdcode topics`: emergent themes with topic models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.notes import note_uncodable
from pdcode.cli.render import (
    DEFAULT_PROJECT,
    ProjectOption,
    RawCsvOption,
    console,
    emit,
    err_console,
    wrote,
)

FORMATS = ("md", "csv", "json", "html")


@app.command("topics")
def topics(
    project: ProjectOption = DEFAULT_PROJECT,
    k: Annotated[str, typer.Option("--k", help="Number of topics, or auto.")] = "auto",
    method: Annotated[
        str, typer.Option(help="nmf (TF-IDF), lda (counts) or embeddings (optional extra).")
    ] = "nmf",
    embedding_model: Annotated[
        str | None, typer.Option(help="With --method embeddings: an installed model or path.")
    ] = None,
    unit: Annotated[str, typer.Option(help="turn, sentence or paragraph.")] = "turn",
    strand: Annotated[str | None, typer.Option(help="Only this strand.")] = None,
    exclude_interviewer: Annotated[
        bool, typer.Option("--exclude-interviewer", help="Leave interviewer segments out.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the model (and of k auto).")] = 0,
    terms: Annotated[int, typer.Option(help="Top terms per topic.")] = 10,
    excerpts: Annotated[int, typer.Option(help="Representative excerpts per topic.")] = 3,
    fmt: Annotated[
        str | None, typer.Option("--format", help="md, csv, json or html instead of a table.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    heatmap: Annotated[
        Path | None, typer.Option(help="Topic x strand prevalence heatmap (.png or .svg).")
    ] = None,
    save_as_codes: Annotated[
        bool, typer.Option("--save-as-codes", help="Store topics as codes of an emergent codebook.")
    ] = False,
    raw_csv: RawCsvOption = False,
) -> None:
    """Topics over segments, with terms, excerpts, prevalence and codebook overlap."""
    from rich.progress import Progress

    from pdcode import api
    from pdcode.api import topics as run
    from pdcode.export import topics as writer

    if k != "auto" and not k.isdigit():
        raise typer.BadParameter("--k takes a number of topics or auto")
    chosen = None if k == "auto" else int(k)
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"--format takes one of {', '.join(FORMATS)}")
    # The progress bar goes to stderr (stdout may carry the data), on a terminal only.
    bar_shown = Progress(console=err_console, transient=True, disable=not err_console.is_terminal)
    with api.open_project(project) as proj, bar_shown as bar:
        note_uncodable(proj, "turn")
        task = bar.add_task("Trying k", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run.topics(
            proj, chosen, method, unit, strand, exclude_interviewer, seed, terms, excerpts,
            on_progress=progress, embedding_model=embedding_model,
        )  # fmt: skip
        saved = run.save_as_codes(proj, result) if save_as_codes else None
    if heatmap is not None:
        if run.draw_heatmap(result, heatmap):
            wrote(heatmap)
        else:
            err_console.print(f"No heatmap written to {heatmap}: the sources have no strands.")
    if saved is not None:
        err_console.print(
            f"Saved {result.k} topics as codes by {result.coder} ({saved[1]} codings)."
        )
    if fmt is not None or output is not None:
        content = run.render_topics(result, fmt, output, raw_csv)
        if content is not None:
            emit(content)
        else:
            wrote(output)
        return
    if result.trials:
        tried = Table(title="k tried", title_justify="left")
        for name in ("k", "coherence", "stability", "score"):
            tried.add_column(name, justify="right")
        for t in result.trials:
            mark = " *" if t.k == result.k else ""
            tried.add_row(
                f"{t.k}{mark}", f"{t.coherence:.4f}", f"{t.stability:.4f}", f"{t.score:.4f}"
            )
        console.print(tried)
    shown = Table(
        title=f"{result.k} topics ({method}, seed {seed}) over {result.segments} {unit}s",
        title_justify="left", caption=writer.NOTE, caption_justify="left",
    )  # fmt: skip
    for name in ("topic", "segments", "terms", "codes"):
        shown.add_column(name, justify="right" if name in ("topic", "segments") else "left")
    for row in run.as_rows(result):
        codes = row["codes"] + ("  [gap?]" if row["gap"] else "")
        shown.add_row(
            str(row["topic"]),
            str(row["segments"]),
            row["label"] + "\n" + row["terms"],
            Breakable(codes),
        )
    console.print(shown)
    for topic in result.topics:
        console.print(f"[bold]Topic {topic.number}: {topic.label}[/bold]")
        for e in topic.excerpts:
            by = ", ".join(str(p) for p in (e.get("speaker"), e["source"]) if p)
            console.print(f"  “{e['text']}” — {by}", markup=False)
