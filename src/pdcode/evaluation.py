"""Auto-coder evaluation: how far predicted codings agree with a gold coder.

A coder applied code X to a unit (a turn or sentence) when one of their spans for
X overlaps the unit by at least one character. Over the units, each code is a
binary label; scikit-learn computes precision, recall and F1 per code and their
micro and macro averages. The false positives and negatives are listed with the
unit so a team can see what its rules miss or over-reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Labelled:
    source: str
    start: int
    end: int
    code: str


@dataclass(frozen=True)
class Score:
    code: str
    precision: float
    recall: float
    f1: float
    support: int  # gold units with the code
    predicted: int  # units the predictor gave the code


@dataclass(frozen=True)
class Miss:
    """A false positive (predicted, not gold) or false negative (gold, not predicted)."""

    kind: str  # "false_positive" or "false_negative"
    code: str
    unit: Span


@dataclass(frozen=True)
class Confusion:
    """On ``units`` units the gold coder gave ``gold`` (which the predictor missed)
    and the predictor gave ``predicted`` instead (which gold did not)."""

    gold: str
    predicted: str
    units: int


@dataclass(frozen=True)
class Evaluation:
    units: int
    per_code: tuple[Score, ...]
    micro: Score
    macro: Score
    misses: tuple[Miss, ...]
    confusions: tuple[Confusion, ...] = ()


def units_with_codes(units: Sequence[Span], codings: Iterable[Labelled]) -> list[set[str]]:
    """For each unit, the codes whose spans overlap it (the rule of ``analysis.overlap``)."""
    import pandas as pd

    from pdcode.analysis.overlap import coded_units

    frame = pd.DataFrame(
        [(c.source, c.start, c.end, c.code) for c in codings],
        columns=["source", "start", "end", "code"],
    )
    spans = pd.DataFrame(
        [(u.source, u.start, u.end) for u in units], columns=["source", "start", "end"]
    )
    labels: list[set[str]] = [set() for _ in units]
    pairs = coded_units(spans, frame)
    for unit, code in zip(pairs["unit"].tolist(), pairs["code"].tolist(), strict=True):
        labels[unit].add(code)
    return labels


def _score(code: str, tp: int, fp: int, fn: int) -> Score:
    """Precision, recall and F1 from counts; 0 where a ratio has no denominator
    (as scikit-learn's ``zero_division=0``)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return Score(code, precision, recall, f1, tp + fn, tp + fp)


def evaluate(
    units: Sequence[Span],
    gold: Iterable[Labelled],
    predicted: Iterable[Labelled],
    codes: Sequence[str] | None = None,
) -> Evaluation:
    """Per-code and averaged precision, recall and F1 of ``predicted`` against ``gold``."""
    gold_sets = units_with_codes(units, gold)
    pred_sets = units_with_codes(units, predicted)
    if codes is None:
        codes = sorted(set().union(*gold_sets, *pred_sets)) if units else []
    # Counted directly rather than with scikit-learn's precision_recall_fscore_support,
    # which reads a single code's column as a binary target and scores both classes.
    # Codes outside ``codes`` are ignored by design (e.g. another codebook's).
    tp = {c: 0 for c in codes}
    fp = dict(tp)
    fn = dict(tp)
    for g, q in zip(gold_sets, pred_sets, strict=True):
        for c in codes:
            if c in q:
                if c in g:
                    tp[c] += 1
                else:
                    fp[c] += 1
            elif c in g:
                fn[c] += 1
    per_code = tuple(_score(c, tp[c], fp[c], fn[c]) for c in codes)
    micro = _score("micro", sum(tp.values()), sum(fp.values()), sum(fn.values()))
    n = len(per_code)
    macro = Score(
        "macro",
        sum(s.precision for s in per_code) / n if n else 0.0,
        sum(s.recall for s in per_code) / n if n else 0.0,
        sum(s.f1 for s in per_code) / n if n else 0.0,
        micro.support,
        micro.predicted,
    )
    averages = [micro, macro]
    misses = []
    confused: dict[tuple[str, str], int] = {}
    for unit, g, q in zip(units, gold_sets, pred_sets, strict=True):
        extra, missed = sorted((q - g) & set(codes)), sorted((g - q) & set(codes))
        misses += [Miss("false_positive", c, unit) for c in extra]
        misses += [Miss("false_negative", c, unit) for c in missed]
        for pair in ((a, b) for a in missed for b in extra):
            confused[pair] = confused.get(pair, 0) + 1
    confusions = tuple(
        Confusion(a, b, n) for (a, b), n in sorted(confused.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return Evaluation(len(units), per_code, averages[0], averages[1], tuple(misses), confusions)
