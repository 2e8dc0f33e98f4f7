"""Records passed between stages: plain frozen dataclasses, no behaviour.

They live apart from any stage so that the store can accept them and the stages
can produce them without either importing the other.
"""

from __future__ import annotations

from dataclasses import dataclass

UNITS = ("turn", "sentence", "paragraph")


@dataclass(frozen=True)
class Segment:
    """A span of a source: a speaker turn, a paragraph or a sentence.

    ``start``/``end`` are code points into the source's normalised text; ``index``
    counts from 0 within the source and unit.
    """

    unit: str
    index: int
    start: int
    end: int
    speaker: str | None = None
    is_interviewer: bool = False
    start_time: float | None = None
    end_time: float | None = None


# A segment as a source carries it to the store: Segment's fields, in its order
# (unit, index, start, end, speaker, is_interviewer, start_time, end_time). An import
# moves about 83,000 of these per million words between processes; a plain tuple
# pickles in a tenth of a frozen dataclass's time (benchmarks/RESULTS.md, issue 19).
SegmentRow = tuple[str, int, int, int, str | None, bool, float | None, float | None]


@dataclass(frozen=True)
class NewSource:
    """Everything stored for one source on import."""

    name: str
    file: str  # the imported file's name; survey responses share it
    format: str
    sha256: str
    text: str
    strand: str | None = None
    case: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    case_attributes: tuple[tuple[str, str], ...] = ()
    segments: tuple[SegmentRow, ...] = ()  # pdcode.segment.segment_rows


@dataclass(frozen=True)
class SourceSummary:
    """One row of ``pdcode sources``."""

    name: str
    file: str
    format: str
    strand: str | None
    case: str | None
    attributes: tuple[tuple[str, str], ...]
    turns: int
    words: int
    sha256: str
    respondent_turns: int = 0  # turns not flagged as the interviewer's
    respondent_words: int = 0


@dataclass(frozen=True)
class NewCode:
    """A code of a codebook as stored: groups are not codable."""

    code: str
    name: str
    parent: str | None = None
    definition: str = ""
    colour: str | None = None
    is_group: bool = False


@dataclass(frozen=True)
class NewCoding:
    """One coding to store: a span of a source (by name) and a code id.

    A learned model's coding also carries the probability it gave the code and
    the threshold the code needed (``probability >= threshold``)."""

    source: str
    start: int
    end: int
    code: str
    rule: str | None = None
    match_start: int | None = None
    match_end: int | None = None
    probability: float | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class CodingUnit:
    """A segment offered to a coder: which source, where, and its text."""

    source: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class NewMemo:
    """A memo (a REFI-QDA Note): on a coding, a source, a code, or the project.

    ``coding`` is (start, end, code, coder) of a coding in ``source``; ``created_at``
    the memo's own date (None: dated when stored), ``modified_at`` its last edit's."""

    author: str
    text: str
    title: str | None = None
    source: str | None = None
    code: str | None = None
    coding: tuple[int, int, str, str] | None = None
    created_at: str | None = None
    modified_at: str | None = None
