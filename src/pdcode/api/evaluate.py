"""`pdcode evaluate`: an auto-coder (or any coder) against a gold coder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.api.formats import check_format, format_of
from pdcode.errors import UsageError
from pdcode.store import Project, frames

if TYPE_CHECKING:
    from pdcode.evaluation import Evaluation

FORMATS = ("csv", "json", "md", "xlsx")
SCORE_COLUMNS = ["code", "precision", "recall", "f1", "support", "predicted"]
MISS_COLUMNS = ["kind", "code", "source", "start", "end", "text"]


def evaluate(
    project: Project,
    gold: str,
    pred: str,
    unit: str = "turn",
    include_interviewer: bool = False,
) -> tuple[Evaluation, dict[tuple[str, int, int], str]]:
    """Per-code precision, recall and F1 of ``pred`` against ``gold`` over the units,
    with the text of every unit (for listing the misses)."""
    from pdcode.api.analysis import _code_order
    from pdcode.api.filters import check_coders
    from pdcode.api.reliability import UNITS
    from pdcode.evaluation import Labelled, Span
    from pdcode.evaluation import evaluate as run

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    if gold == pred:
        raise UsageError("--gold and --pred name the same coder")
    check_coders(project, [gold, pred])
    segments = [
        r for r in project.segment_rows(unit) if include_interviewer or not r["is_interviewer"]
    ]
    units = [Span(r["source"], r["start"], r["end"]) for r in segments]
    texts = {(r["source"], r["start"], r["end"]): r["text"] for r in segments}
    codings = frames.coder_codings_frame(project, [gold, pred])
    _codes, order, _ = _code_order(frames.codes_frame(project), codings, "leaf")

    def labelled(coder: str) -> list[Labelled]:
        mine = codings[codings["coder"] == coder]
        return [
            Labelled(str(s), int(a), int(b), str(c))
            for s, a, b, c in mine[["source", "start", "end", "code"]].itertuples(index=False)
        ]

    return run(units, labelled(gold), labelled(pred), order), texts


def score_rows(result: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "code": s.code,
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "f1": round(s.f1, 4),
            "support": s.support,
            "predicted": s.predicted,
        }
        for s in (*result.per_code, result.micro, result.macro)
    ]


def miss_rows(result: Evaluation, texts: dict[tuple[str, int, int], str]) -> list[dict[str, Any]]:
    return [
        {
            "kind": m.kind,
            "code": m.code,
            "source": m.unit.source,
            "start": m.unit.start,
            "end": m.unit.end,
            "text": texts.get((m.unit.source, m.unit.start, m.unit.end), ""),
        }
        for m in result.misses
    ]


def render_evaluation(
    result: Evaluation,
    texts: dict[tuple[str, int, int], str],
    fmt: str | None,
    output: Path | None,
    misses: bool = False,
    raw_csv: bool = False,
) -> str | None:
    """Scores (or, with ``misses``, the false positives and negatives) as csv/json/md;
    json and xlsx hold scores, confusions and misses together. The format is
    ``fmt``, else ``output``'s suffix, else csv."""
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, FORMATS, "csv")
    check_format(fmt, FORMATS, output)
    confusions = [
        {"gold": c.gold, "predicted": c.predicted, "units": c.units} for c in result.confusions
    ]
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        assert output is not None  # check_format refused xlsx without one

        write_xlsx(
            {
                "scores": (score_rows(result), SCORE_COLUMNS),
                "confusions": (confusions, ["gold", "predicted", "units"]),
                "misses": (miss_rows(result, texts), MISS_COLUMNS),
            },
            output,
        )
        return None
    if fmt == "json":
        content = (
            json.dumps(
                {
                    "units": result.units,
                    "scores": score_rows(result),
                    "confusions": confusions,
                    "misses": miss_rows(result, texts),
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    elif misses:
        content = render(miss_rows(result, texts), MISS_COLUMNS, fmt, raw_csv)
    else:
        content = render(score_rows(result), SCORE_COLUMNS, fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content
