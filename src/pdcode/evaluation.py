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


def evaluate(
    units: Sequence[Span],
    gold: Iterable[Labelled],
    predicted: Iterable[Labelled],
    codes: Sequence[str] | None = None,
) -> Evaluation:
    """Per-code and averaged precision, recall and F1 of ``predicted`` against ``gold``."""
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.preprocessing import MultiLabelBinarizer

    gold_sets = units_with_codes(units, gold)
    pred_sets = units_with_codes(units, predicted)
    if codes is None:
        codes = sorted(set().union(*gold_sets, *pred_sets)) if units else []
    binarizer = MultiLabelBinarizer(classes=list(codes))
    # Codes outside ``codes`` are ignored by design (e.g. another codebook's).
    y_true = binarizer.fit_transform([s & set(codes) for s in gold_sets])
    y_pred = binarizer.transform([s & set(codes) for s in pred_sets])
    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0
    )
    per_code = tuple(
        Score(code, float(p[i]), float(r[i]), float(f[i]), int(support[i]), int(y_pred[:, i].sum()))
        for i, code in enumerate(codes)
    )
    averages = []
    for average in ("micro", "macro"):
        ap, ar, af, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        averages.append(
            Score(average, float(ap), float(ar), float(af), int(y_true.sum()), int(y_pred.sum()))
        )
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
