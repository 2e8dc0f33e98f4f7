"""Choosing a code's threshold from out-of-fold probabilities.

The candidates are the cuts between distinct out-of-fold probabilities: a cut
suggests the code for every unit at or above it. Without ``min_precision`` the
cut with the highest F1 wins (the highest such cut on ties, which suggests less).
With ``min_precision`` the lowest cut whose precision reaches it wins, so recall
is as high as that precision allows; when no cut reaches it, the highest-F1 cut
is taken and the choice says so (``criterion="max_f1_fallback"``).

The threshold itself sits halfway between the lowest probability the cut takes
and the highest it leaves out, so that a new unit scored just below the last
training positive is not lost to rounding; the scores are the same at any point
of that interval.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pdcode.learn.records import CodeScore


def choose_threshold(
    code: str,
    probabilities: npt.NDArray[np.float64],
    labels: npt.NDArray[np.bool_],
    min_precision: float | None = None,
) -> CodeScore:
    """The threshold for ``code`` and the out-of-fold scores at it."""
    if len(probabilities) != len(labels):
        raise ValueError("probabilities and labels differ in length")
    positives = int(labels.sum())
    if positives == 0 or len(labels) == 0:
        raise ValueError(f"code {code!r} has no positive unit to choose a threshold from")
    order = np.argsort(-probabilities, kind="stable")
    ranked, hits = probabilities[order], labels[order]
    true_pos = np.cumsum(hits)
    taken = np.arange(1, len(ranked) + 1)
    # a cut may only fall where the probability changes (or after the last unit)
    ends = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))
    tp, predicted = true_pos[ends].astype(np.float64), taken[ends].astype(np.float64)
    precision = tp / predicted
    recall = tp / positives
    f1 = 2 * tp / (predicted + positives)
    criterion = "max_f1"
    if min_precision is not None:
        reaching = np.flatnonzero(precision >= min_precision)
        if len(reaching):
            best = int(reaching[-1])  # the lowest cut: the most units taken
            criterion = "min_precision"
        else:
            criterion = "max_f1_fallback"
    if criterion != "min_precision":
        best = int(np.flatnonzero(f1 == f1.max())[0])  # the highest cut among the best
    end = int(ends[best])
    threshold = float(ranked[end])
    if end + 1 < len(ranked):
        middle = (threshold + float(ranked[end + 1])) / 2
        if float(ranked[end + 1]) < middle <= threshold:
            threshold = middle
    return CodeScore(
        code=code,
        threshold=threshold,
        precision=float(precision[best]),
        recall=float(recall[best]),
        f1=float(f1[best]),
        positives=positives,
        predicted=int(predicted[best]),
        true_positives=int(tp[best]),
        criterion=criterion,
    )
