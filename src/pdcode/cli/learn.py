"""`pdcode learn`, `pdcode suggest` and `pdcode models`: code suggestions learned
from people's coding, reviewed like any machine coding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from pdcode.cli.app import app
from pdcode.cli.cells import Breakable, Table
from pdcode.cli.render import (
    DEFAULT_PROJECT,
    ProjectOption,
    console,
    emit,
    err_console,
    printable,
)

models_app = typer.Typer(
    help="The project's learned suggestion models: list, show, delete.",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")

JsonOption = Annotated[bool, typer.Option("--json", help="As JSON.")]


def _pct(value: float) -> str:
    return f"{value:.2f}"


@app.command("learn")
def learn(
    name: Annotated[str, typer.Option(help="The model's name (letters, digits, . _ -).")],
    from_: Annotated[
        list[str],
        typer.Option(
            "--from",
            help="A person to learn from, by coder name as stored (ana, or an imported "
            "coder such as gold); repeat for several.",
        ),
    ],
    unit: Annotated[str, typer.Option(help="turn, sentence or paragraph.")] = "turn",
    min_precision: Annotated[
        float | None,
        typer.Option(
            help="Per code, the lowest threshold whose cross-validated precision reaches "
            "this (default: the threshold of highest F1)."
        ),
    ] = None,
    min_positive: Annotated[
        int, typer.Option(help="Learn a code only with at least this many coded units.")
    ] = 8,
    curve: Annotated[
        bool,
        typer.Option("--curve", help="Also the learning curve (slower: nested cross-validation)."),
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the fit and the curve.")] = 0,
    codebook: Annotated[
        Path | None,
        typer.Option(
            help="Learn the leaf codes of this codebook (stored in the project) instead of "
            "those of the codebooks the coders' codes come from."
        ),
    ] = None,
    with_rules: Annotated[
        Path | None,
        typer.Option(
            help="Also learn from this codebook's rules: per unit, one 0/1 feature per leaf "
            "code saying whether its rules fire (pdcode suggest runs them again)."
        ),
    ] = None,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Learn code suggestions from human coding: one classifier per code, its
    threshold chosen by cross-validation grouped by source; stored in the project."""
    from pdcode import api

    with api.open_project(project) as proj:
        report = api.learning.learn(
            proj, name, from_, unit, min_precision, curve, min_positive=min_positive, seed=seed,
            codebook=codebook, with_rules=with_rules,
        )  # fmt: skip
    basis = "precision ≥ " + str(min_precision) if min_precision is not None else "highest F1"
    table = Table(
        title=Text(f"{printable(report.coder)}: thresholds and cross-validated scores ({basis})"),
        title_justify="left",
        caption="P, R, F1: out-of-fold, by source, at the chosen threshold (optimistic: the "
        "threshold was chosen on them; --curve gives honest figures).",
        caption_justify="left",
    )
    table.add_column("code")
    for column in (f"coded {report.unit}s", "threshold", "P", "R", "F1"):
        table.add_column(column, justify="right")
    for s in report.scores:
        mark = "" if s.criterion != "max_f1_fallback" else " *"
        table.add_row(
            Breakable(printable(s.code)),
            str(s.positives),
            _pct(s.threshold) + mark,
            _pct(s.precision),
            _pct(s.recall),
            _pct(s.f1),
        )
    console.print(table)
    if report.skipped:
        skipped = Table(title="Not learned", title_justify="left")
        skipped.add_column("code")
        skipped.add_column(f"coded {report.unit}s", justify="right")
        skipped.add_column("why")
        for k in report.skipped:
            skipped.add_row(Breakable(printable(k.code)), str(k.positives), k.reason)
        console.print(skipped)
    about_skipped = tuple(f"code {k.code}: " for k in report.skipped)
    for note in report.notes:
        if not note.startswith(about_skipped):
            console.print(printable(f"Note: {note}"), markup=False, soft_wrap=True)
    if report.curve is not None:
        shown = Table(
            title="Learning curve: nested cross-validation by source, micro averages",
            title_justify="left",
        )
        for column in ("sources", "P", "R", "F1"):
            shown.add_column(column, justify="right")
        for point in report.curve:
            shown.add_row(
                str(point.sources), _pct(point.micro_p), _pct(point.micro_r), _pct(point.micro_f1)
            )
        console.print(shown)
    rejected = (
        f", {report.rejected_units} with codes reviewers rejected" if report.rejected_units else ""
    )
    replaced = f" (replacing the model of hash {report.replaced})" if report.replaced else ""
    console.print(
        printable(
            f"Learned model {report.name}{replaced} from {', '.join(report.coders)}: "
            f"{report.units:,} respondent {report.unit}s in {report.sources} sources{rejected}; "
            f"{len(report.scores)} codes learned, {len(report.skipped)} not. "
            f"Next: pdcode suggest --model {report.name}"
        ),
        markup=False,
        soft_wrap=True,
    )


@app.command("suggest")
def suggest(
    model: Annotated[
        str,
        typer.Option(
            help="A model of the project (pdcode models list), or one shipped with pdcode "
            "(pd-leadership)."
        ),
    ],
    source: Annotated[
        list[str] | None, typer.Option(help="Only this source; repeat for several.")
    ] = None,
    union_rules: Annotated[
        Path | None,
        typer.Option(
            help="Also code the same sources with this codebook's rules (a coder of its own), "
            "to evaluate or review the two together."
        ),
    ] = None,
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Suggest codes with a learned model, as codings of model:NAME@HASH (replacing
    its previous suggestions in those sources); review them with pdcode serve."""
    from rich.progress import Progress

    from pdcode import api

    bar_shown = Progress(console=err_console, transient=True, disable=not err_console.is_terminal)
    with api.open_project(project) as proj, bar_shown as bar:
        task = bar.add_task("Suggesting", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = api.learning.suggest(
            proj, model, source or None, union_rules, on_progress=progress
        )
    if report.shipped:
        err_console.print(
            printable(f"Copied the model {report.name} shipped with pdcode into the project."),
            markup=False,
        )
    table = Table(
        title=Text(f"{printable(report.coder)}: suggestions per code"), title_justify="left"
    )
    table.add_column("code")
    table.add_column(f"{report.unit}s", justify="right")
    rules = dict(report.rules.per_code) if report.rules is not None else None
    if report.rules is not None:
        table.add_column(printable(report.rules.coder), justify="right")
    for code, count in report.per_code:
        cells: list[Breakable | str] = [Breakable(printable(code)), str(count)]
        if rules is not None:
            cells.append(str(rules.pop(code, 0)))
        table.add_row(*cells)
    for code, count in (rules or {}).items():  # codes only the rules have
        table.add_row(Breakable(printable(code)), "", str(count))
    console.print(table)
    if report.retired:
        console.print(f"Not suggested (retired): {', '.join(report.retired)}.", markup=False)
    said = [
        f"Suggested {report.added:,} codings as {report.coder} on {report.units:,} respondent "
        f"{report.unit}s in {report.sources} sources ({report.removed:,} from its previous "
        "run replaced)."
    ]
    if report.rules is not None:
        said.append(
            f"Coded the same sources with {report.rules.coder}: {report.rules.added:,} codings."
            f" Together: pdcode evaluate --gold CODER --pred '{report.union}'."
        )
    said.append(
        f"Review them with pdcode serve (the review queue of {report.coder}; the order "
        "'uncertain' shows those nearest their threshold first)."
    )
    for line in said:
        console.print(printable(line), markup=False, soft_wrap=True)


@models_app.command("list")
def models_list(project: ProjectOption = DEFAULT_PROJECT, as_json: JsonOption = False) -> None:
    """The project's models: name, hash, unit, coders, codes learned, created."""
    from pdcode import api

    with api.open_project(project) as proj:
        found = api.learning.models_list(proj)
    if as_json:
        emit(_json({"models": list(found.rows), "shipped": list(found.shipped)}))
        return
    if found.rows:
        table = Table(title="Learned models", title_justify="left")
        for column in ("name", "hash", "unit", "from", "codes", "suggestions", "created"):
            table.add_column(
                column, justify="right" if column in ("codes", "suggestions") else "left"
            )
        for row in found.rows:
            table.add_row(
                Breakable(printable(row["name"])),
                row["hash"],
                row["unit"],
                Breakable(printable(", ".join(row["coders"]))),
                "?" if row["codes"] is None else str(row["codes"]),
                str(row["suggestions"]),
                row["created_at"],
            )
        console.print(table)
    else:
        console.print("No learned model in the project: pdcode learn --name NAME --from CODER.")
    if found.shipped:
        console.print(
            printable(
                f"Shipped with pdcode (copied in on first use by pdcode suggest --model NAME): "
                f"{', '.join(found.shipped)}"
            ),
            markup=False,
            soft_wrap=True,
        )


@models_app.command("show")
def models_show(
    name: Annotated[str, typer.Argument(help="The model's name.")],
    project: ProjectOption = DEFAULT_PROJECT,
    as_json: JsonOption = False,
) -> None:
    """One model: how it was trained, and per code its threshold and cross-validated scores."""
    from pdcode import api

    with api.open_project(project) as proj:
        shown = api.learning.models_show(proj, name)
    if as_json:
        emit(_json(shown))
        return
    where = "shipped with pdcode" if shown["shipped"] else f"created {shown['created_at']}"
    training = shown["training"]
    params = shown["params"]
    basis = (
        f"precision ≥ {params['min_precision']}"
        if params["min_precision"] is not None
        else "highest F1"
    )
    lines = [
        f"{shown['coder']} ({where})",
        f"learned from {', '.join(shown['coders'])}: {training['units']:,} respondent "
        f"{shown['unit']}s in {training['sources']} sources; {shown['terms']:,} terms",
        f"thresholds: {basis}, {params['folds']}-fold cross-validation by source; codes need "
        f"{params['min_positive']} coded {shown['unit']}s; seed {params['seed']}",
    ]
    if shown.get("sets"):
        lines.append(f"trained on the sets: {', '.join(shown['sets'])}")
    if shown.get("learned_codebook"):
        book = shown["learned_codebook"]
        lines.append(f"codes of the codebook {book['name']}@{book['version']}")
    if shown.get("rules"):
        rules = shown["rules"]
        lines.append(
            f"with the rules of {rules['name']}@{rules['version']} as features "
            f"({len(rules['codes'])} rule:CODE columns; sha256 {rules['content_hash'][:12]})"
        )
    for line in lines:
        console.print(printable(line), markup=False, soft_wrap=True)
    table = Table(title="Per code (out-of-fold, at the threshold)", title_justify="left")
    table.add_column("code")
    for column in (f"coded {shown['unit']}s", "threshold", "P", "R", "F1"):
        table.add_column(column, justify="right")
    for c in shown["codes"]:
        table.add_row(
            Breakable(printable(c["code"])),
            str(c["positives"]),
            _pct(c["threshold"]),
            _pct(c["precision"]),
            _pct(c["recall"]),
            _pct(c["f1"]),
        )
    console.print(table)
    for k in shown["skipped"]:
        console.print(
            printable(f"Not learned: {k['code']} ({k['positives']} coded; {k['reason']})"),
            markup=False,
            soft_wrap=True,
        )
    about_skipped = tuple(f"code {k['code']}: " for k in shown["skipped"])
    for note in shown["notes"]:
        if not note.startswith(about_skipped):
            console.print(printable(f"Note: {note}"), markup=False, soft_wrap=True)


@models_app.command("delete")
def models_delete(
    name: Annotated[str, typer.Argument(help="The model's name.")],
    project: ProjectOption = DEFAULT_PROJECT,
) -> None:
    """Delete a model's record. Its suggestions, and the decisions on them, stay."""
    from pdcode import api

    with api.open_project(project) as proj:
        left = api.learning.models_delete(proj, name)
    console.print(
        printable(
            f"Deleted model {name}; its {left:,} suggested codings (model:{name}@…) stay in the "
            "project, with the review decisions on them."
        ),
        markup=False,
        soft_wrap=True,
    )


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
