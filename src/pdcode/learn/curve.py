"""How good suggestions get with more coded sources: grouped cross-validation.

``cross_validate`` holds each fold's sources out, fits a whole
``SuggestionModel`` (thresholds chosen by its own inner cross-validation) on the
remaining sources, or on ``sources`` of them drawn with the seed, and tallies its
suggestions on the held-out units. Pooled over folds, every unit is scored
exactly once by a model that never saw its source: an honest estimate, unlike a
fitted model's ``cv_scores_``, whose thresholds were chosen on the very
out-of-fold predictions they are scored on.

``learning_curve`` repeats this for growing numbers of training sources, on the
same outer folds, each larger draw containing the smaller ones.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pdcode.learn.folds import grouped_folds
from pdcode.learn.model import NothingToLearn, SuggestionModel, _unit_key
from pdcode.learn.records import CurveRow, TrainingUnit

SIZES = (2, 4, 8, 16, 32, 64, 128)


@dataclass(frozen=True)
class Tally:
    """One code's pooled out-of-fold counts."""

    code: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def f1(self) -> float:
        tp = self.true_positives
        return _ratio(2 * tp, 2 * tp + self.false_positives + self.false_negatives)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def cross_validate(
    units: Iterable[TrainingUnit],
    codes: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    sources: int | None = None,
    **options: Any,
) -> list[Tally]:
    """Per-code out-of-fold counts of models fitted on each fold's training
    sources (all of them, or ``sources`` drawn at random with ``seed``).

    ``options`` go to ``SuggestionModel`` (``min_positive``, ``min_precision``...).
    A fold whose training part has no learnable code suggests nothing."""
    ordered = sorted(units, key=_unit_key)
    groups = [u.source for u in ordered]
    counts = {code: [0, 0, 0] for code in codes}  # tp, fp, fn
    for number, (train, test) in enumerate(grouped_folds(groups, folds)):
        chosen = _draw(sorted({groups[i] for i in train}), sources, seed, number)
        training = [ordered[i] for i in train if groups[i] in chosen]
        held_out = [ordered[i] for i in test]
        predicted: list[set[str]] = [set() for _ in held_out]
        try:
            model = SuggestionModel(codes, seed=seed, folds=folds, **options).fit(training)
        except NothingToLearn:
            pass
        else:
            hits = model.predict([u.text for u in held_out])
            for row, unit in zip(hits, predicted, strict=True):
                unit.update(model.codes_[j] for j in row.nonzero()[0])
        for unit, guess in zip(held_out, predicted, strict=True):
            for code in codes:
                gold = unit.positive(code)
                if gold and code in guess:
                    counts[code][0] += 1
                elif code in guess:
                    counts[code][1] += 1
                elif gold:
                    counts[code][2] += 1
    return [Tally(code, *counts[code]) for code in codes]


def micro(tallies: Sequence[Tally], sources: int) -> CurveRow:
    """The micro average of ``tallies`` as a curve row."""
    total = Tally(
        "micro",
        sum(t.true_positives for t in tallies),
        sum(t.false_positives for t in tallies),
        sum(t.false_negatives for t in tallies),
    )
    return CurveRow(sources, total.f1, total.precision, total.recall)


def learning_curve(
    units: Iterable[TrainingUnit],
    codes: Sequence[str],
    sizes: Sequence[int] = SIZES,
    seed: int = 0,
    folds: int = 5,
    **options: Any,
) -> list[CurveRow]:
    """Pooled out-of-fold micro F1, precision and recall against the number of
    training sources, for each size from 2 up to the sources every fold can train
    on; a size above that is replaced by that number. Codes a model could not
    learn (too few positives among its sources) count as never suggested."""
    ordered = sorted(units, key=_unit_key)
    groups = [u.source for u in ordered]
    available = min(len({groups[i] for i in train}) for train, _ in grouped_folds(groups, folds))
    wanted = {s for s in sizes if 2 <= s <= available}
    if any(s > available for s in sizes):
        wanted.add(available)  # as many as every fold has, in place of more
    rows = []
    for size in sorted(wanted):
        tallies = cross_validate(ordered, codes, folds=folds, seed=seed, sources=size, **options)
        rows.append(micro(tallies, size))
    return rows


def _draw(names: list[str], size: int | None, seed: int, fold: int) -> set[str]:
    """``size`` of ``names``: a seeded shuffle's first ``size``, so that a larger
    draw of the same fold holds every smaller one."""
    if size is None or size >= len(names):
        return set(names)
    shuffled = list(names)
    random.Random(f"{seed}:{fold}").shuffle(shuffled)
    return set(shuffled[:size])
