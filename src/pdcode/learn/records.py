"""The records of the learning stage: what goes in, what comes out.

Plain frozen dataclasses with no behaviour, so the api can build and store them
without knowing how a model is fitted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingUnit:
    """One unit of a source (a respondent turn, say) and its human labels.

    ``codes`` are the codes a coder applied to the unit (a span of theirs for the
    code overlaps it). ``rejected`` are codes a reviewer rejected on this unit: a
    labelled negative. **A rejection wins**: a code in both sets is a negative,
    even when another coder's span for it overlaps the unit. Every other code the
    model learns is a negative of the unit too; the caller passes only units of
    sources the training coders coded, so that silence means "not this code".
    """

    source: str
    text: str
    codes: frozenset[str] = frozenset()
    rejected: frozenset[str] = frozenset()

    def positive(self, code: str) -> bool:
        return code in self.codes and code not in self.rejected


@dataclass(frozen=True)
class Suggestion:
    """A code the model suggests for a text, with why: the terms of the text
    that pushed its probability up most (tf-idf value x coefficient).

    A term is a word or a pair of words as the text has them (lower-cased), or,
    starting with ``~``, a piece of a word of three to five characters where a
    space marks the edge of the word (``~ mento`` is a word starting "mento")."""

    code: str
    probability: float
    top_terms: tuple[str, ...]


@dataclass(frozen=True)
class CodeScore:
    """How one code's classifier did on out-of-fold predictions (grouped by
    source) at its chosen threshold.

    ``criterion`` says how the threshold was chosen: ``"max_f1"``,
    ``"min_precision"``, or ``"max_f1_fallback"`` when no threshold reached the
    asked-for precision."""

    code: str
    threshold: float
    precision: float
    recall: float
    f1: float
    positives: int  # units with the code
    predicted: int  # units at or above the threshold
    true_positives: int
    criterion: str


@dataclass(frozen=True)
class CurveRow:
    """One point of a learning curve: pooled out-of-fold micro scores of models
    trained on ``sources`` sources."""

    sources: int
    micro_f1: float
    micro_p: float
    micro_r: float
