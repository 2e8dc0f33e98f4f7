"""Turns, paragraphs and sentences as segments of a source's text.

Paragraphs are blank-line-separated blocks inside a turn, and sentences come from
spaCy inside each paragraph, so the units nest: a sentence never crosses a
paragraph, a paragraph never crosses a turn. The preamble (text before the first
turn) belongs to no segment and is never coded. Every span is trimmed of
surrounding whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pdcode.ingest.model import Turn
from pdcode.records import Segment

if TYPE_CHECKING:
    from spacy.language import Language

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _blocks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Blank-line-separated blocks of ``text[start:end]``, trimmed, non-empty."""
    spans = []
    pos = start
    for match in _BLANK_LINE.finditer(text, start, end):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, end))
    trimmed = (_trim(text, a, b) for a, b in spans)
    return [(a, b) for a, b in trimmed if b > a]


def segment_text(text: str, turns: Sequence[Turn], nlp: Language) -> list[Segment]:
    """All turn, paragraph and sentence segments of one source, in that order."""
    out: list[Segment] = []
    paragraphs: list[tuple[Turn, int, int]] = []
    for turn in turns:
        start, end = _trim(text, turn.start, turn.end)
        if end <= start:
            continue
        out.append(_segment("turn", len(out), start, end, turn))
        paragraphs.extend((turn, a, b) for a, b in _blocks(text, start, end))
    for index, (turn, a, b) in enumerate(paragraphs):
        out.append(_segment("paragraph", index, a, b, turn))
    sentence_index = 0
    docs = nlp.pipe((text[a:b] for _, a, b in paragraphs), batch_size=256)
    for (turn, a, _b), doc in zip(paragraphs, docs, strict=True):
        for sent in doc.sents:
            s, e = _trim(text, a + sent.start_char, a + sent.end_char)
            if e > s:
                out.append(_segment("sentence", sentence_index, s, e, turn))
                sentence_index += 1
    return out


def _segment(unit: str, index: int, start: int, end: int, turn: Turn) -> Segment:
    return Segment(
        unit=unit,
        index=index,
        start=start,
        end=end,
        speaker=turn.speaker,
        is_interviewer=turn.is_interviewer,
        start_time=turn.start_time,
        end_time=turn.end_time,
    )
