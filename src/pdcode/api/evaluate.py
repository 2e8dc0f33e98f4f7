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
    unit: str | None = None,
    include_interviewer: bool = False,
    reviewer: str | None = None,
) -> tuple[Evaluation, dict[tuple[str, int, int], str]]:
    """Per-code precision, recall and F1 of ``pred`` against ``gold`` over the units
    (turns unless ``unit``), with the text of every unit (for listing the misses).

    ``pred`` may be a union ``A+B`` of coders (``model:…+rules:…``): a unit has a
    code when either coder gave it.

    ``gold`` ``reviewed`` is the review decisions on ``pred``'s codings (see
    `evaluate_reviewed`; ``reviewer`` picks one person's), whose units are the
    reviewed codings' spans: ``unit`` and ``include_interviewer`` do not apply.
    """
    from pdcode.api.analysis import _code_order
    from pdcode.api.filters import check_coders
    from pdcode.api.reliability import UNITS
    from pdcode.evaluation import Labelled, Span
    from pdcode.evaluation import evaluate as run

    if gold == REVIEWED:
        if union_parts(project, pred) is not None:
            raise UsageError(
                "--gold reviewed takes one --pred coder, not a union: the decisions are on "
                "one coder's codings"
            )
        if unit is not None or include_interviewer:
            option = "--unit" if unit is not None else "--include-interviewer"
            raise UsageError(
                f"{option} does not apply to --gold reviewed: its units are the spans of the "
                "reviewed codings"
            )
        return evaluate_reviewed(project, pred, reviewer)
    if reviewer is not None:
        raise UsageError("--reviewer goes with --gold reviewed")
    unit = unit or "turn"
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    preds = union_parts(project, pred) or [pred]
    if gold in preds:
        raise UsageError("--gold and --pred name the same coder")
    check_coders(project, [gold, *preds])
    segments = [
        r for r in project.segment_rows(unit) if include_interviewer or not r["is_interviewer"]
    ]
    units = [Span(r["source"], r["start"], r["end"]) for r in segments]
    texts = {(r["source"], r["start"], r["end"]): r["text"] for r in segments}
    codings = frames.coder_codings_frame(project, [gold, *preds])
    _codes, order, _ = _code_order(frames.codes_frame(project), codings, "leaf")

    def labelled(coders: list[str]) -> list[Labelled]:
        mine = codings[codings["coder"].isin(coders)]
        return [
            Labelled(str(s), int(a), int(b), str(c))
            for s, a, b, c in mine[["source", "start", "end", "code"]].itertuples(index=False)
        ]

    # A union A+B: a unit has a code when either coder's span for it overlaps the unit.
    return run(units, labelled([gold]), labelled(preds), order), texts


def union_parts(project: Project, pred: str) -> list[str] | None:
    """The coders of a ``--pred`` union ``A+B[+C...]`` (a unit has a code when any
    of them gave it), or None when ``pred`` is one coder (a coder actually named
    with a ``+`` is that coder)."""
    if "+" not in pred or pred in frames.known_coders(project):
        return None
    parts = [p.strip() for p in pred.split("+")]
    if not all(parts):
        raise UsageError(f"--pred {pred!r}: a union names coders joined by '+', as A+B")
    if len(set(parts)) != len(parts):
        raise UsageError(f"--pred {pred!r} names a coder twice")
    return parts


REVIEWED = "reviewed"  # --gold reviewed: the review decisions on --pred's codings
REVIEWED_NOTE = (
    "Gold is the reviewers' decisions on these codings: precision is accepted / reviewed; "
    "recall sees only the codes reviewers gave by changing a coding (a code the coder "
    "missed where it coded nothing is never reviewed), so it overstates true recall."
)


def evaluate_reviewed(
    project: Project, pred: str, reviewer: str | None = None
) -> tuple[Evaluation, dict[tuple[str, int, int], str]]:
    """``pred`` against the review decisions on its codings.

    The units are the spans of ``pred``'s current codings that were reviewed; on
    each, the predicted codes are the reviewed codings' codes, the gold codes those
    accepted and the new codes of those changed. With ``reviewer`` only that
    person's decisions count; otherwise, where two reviewers decided on the same
    coding, the newest decision wins.
    """
    from dataclasses import replace

    import pandas as pd

    from pdcode.api.analysis import _code_order
    from pdcode.api.filters import check_coder
    from pdcode.api.review import human_coder
    from pdcode.evaluation import Labelled, Span
    from pdcode.evaluation import evaluate as run
    from pdcode.store import codings as coding_store
    from pdcode.store import reviews as review_store

    check_coder(project, pred)
    who = human_coder(reviewer) if reviewer is not None else None
    texts = {
        (r["source"], r["start"], r["end"], r["code"]): r["text"]
        for r in coding_store.coding_rows(project, coder=pred)
    }
    newest: dict[tuple[str, int, int, str], dict[str, Any]] = {}
    decisions = review_store.review_rows(project, coder=pred, reviewer=who)
    for d in sorted(decisions, key=lambda d: (d["decided_at"], d["id"])):
        key = (d["source"], d["start"], d["end"], d["code"])
        if key in texts:  # decisions on codings a rerun removed do not count
            newest[key] = d
    if not newest:
        by = f" by {who}" if who is not None else ""
        raise UsageError(
            f"no decisions{by} on {pred}'s codings to evaluate against: review them in the "
            "workbench (pdcode serve) or with pdcode review export and pdcode review import"
        )
    spans = sorted({key[:3] for key in newest})
    # Each unit is its own "source", so spans that overlap never share codes.
    index = {span: str(i) for i, span in enumerate(spans)}
    units = [Span(index[span], span[1], span[2]) for span in spans]
    predicted, gold = [], []
    for (source, start, end, code), d in newest.items():
        unit = index[(source, start, end)]
        predicted.append(Labelled(unit, start, end, code))
        if d["decision"] != "reject":
            gold.append(Labelled(unit, start, end, d["new_code"] or code))
    used = sorted({k.code for k in (*predicted, *gold)})
    coded = pd.DataFrame({"code": used})
    _codes, order, _ = _code_order(frames.codes_frame(project), coded, "leaf")
    # Only the codes the decisions are about, so the macro average is over those.
    result = run(units, gold, predicted, [c for c in order if c in used])
    real = {index[span]: Span(*span) for span in spans}
    misses = tuple(replace(m, unit=real[m.unit.source]) for m in result.misses)
    result = replace(result, misses=misses)
    return result, {key[:3]: text for key, text in texts.items()}


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
