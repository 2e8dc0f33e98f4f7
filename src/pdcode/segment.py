"""Turns, paragraphs and sentences as segments of a source's text.

Paragraphs are blank-line-separated blocks inside a turn, and sentences come from
spaCy inside each paragraph, so the units nest: a sentence never crosses a
paragraph, a paragraph never crosses a turn. The preamble (text before the first
turn) belongs to no segment and is never coded. Every span is trimmed of
surrounding whitespace.

spaCy refuses a text longer than ``nlp.max_length`` (1,000,000 characters), and
speech-recognition output can be one unbroken paragraph that long. A paragraph
over ``CHUNK_CHARS`` is therefore given to spaCy in pieces, cut after sentence
punctuation where there is some (else at whitespace, else anywhere), and the
sentence offsets are shifted back; shorter paragraphs, that is all ordinary
text, go to spaCy whole, exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from pdcode.ingest.model import Turn
from pdcode.records import Segment, SegmentRow

if TYPE_CHECKING:
    from spacy.language import Language

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# The most characters spaCy is given at once (its parser, if a model has one,
# needs about 1 GB per 100,000 characters).
CHUNK_CHARS = 100_000
# A place to cut: after sentence punctuation (and closing quotes or brackets)
# followed by whitespace; failing that, any whitespace.
_SENTENCE_END = re.compile(r"[.!?…。][\"'”’)\]]*\s+")
_SPACE = re.compile(r"\s+")


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


def _last_cut(pattern: re.Pattern[str], text: str, start: int, end: int) -> int | None:
    """The end of the last match of ``pattern`` in ``text[start:end]`` that leaves
    something before it, or None."""
    cut = None
    for match in pattern.finditer(text, start, end):
        if match.start() > start:
            cut = match.end()
    return cut


def chunks(text: str, start: int, end: int, limit: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """``text[start:end]`` as consecutive spans of at most ``limit`` characters,
    cut after a sentence's end where possible; one span when it is short enough."""
    limit = max(limit, 2)
    spans = []
    pos = start
    while end - pos > limit:
        stop = pos + limit
        cut = _last_cut(_SENTENCE_END, text, pos, stop) or _last_cut(_SPACE, text, pos, stop)
        cut = cut or stop
        spans.append((pos, cut))
        pos = cut
    spans.append((pos, end))
    return spans


def segment_text(text: str, turns: Sequence[Turn], nlp: Language) -> list[Segment]:
    """All turn, paragraph and sentence segments of one source, in that order."""
    return [Segment(*row) for row in segment_rows(text, turns, nlp)]


def segment_rows(text: str, turns: Sequence[Turn], nlp: Language) -> list[SegmentRow]:
    """``segment_text`` as the rows an import stores (``records.SegmentRow``)."""
    out: list[SegmentRow] = []
    paragraphs: list[tuple[Turn, int, int]] = []
    for turn in turns:
        start, end = _trim(text, turn.start, turn.end)
        if end <= start:
            continue
        out.append(_row("turn", len(out), start, end, turn))
        paragraphs.extend((turn, a, b) for a, b in _blocks(text, start, end))
    for index, (turn, a, b) in enumerate(paragraphs):
        out.append(_row("paragraph", index, a, b, turn))
    sentence_index = 0
    limit = min(CHUNK_CHARS, nlp.max_length)
    pieces = [(turn, a, b) for turn, pa, pb in paragraphs for a, b in chunks(text, pa, pb, limit)]
    spans = sentence_spans((text[a:b] for _, a, b in pieces), nlp)
    for (turn, a, _b), sents in zip(pieces, spans, strict=True):
        for start, end in sents:
            s, e = _trim(text, a + start, a + end)
            if e > s:
                out.append(_row("sentence", sentence_index, s, e, turn))
                sentence_index += 1
    return out


def as_row(g: Segment) -> SegmentRow:
    """A segment record as ``segment_rows`` gives it."""
    return (g.unit, g.index, g.start, g.end, g.speaker, g.is_interviewer, g.start_time, g.end_time)


def sentence_spans(texts: Iterable[str], nlp: Language) -> Iterator[list[tuple[int, int]]]:
    """Each text's sentences as (start, end) offsets, untrimmed.

    With the default pipeline (the rule-based sentencizer alone) they come from
    ``pdcode.nlp.sentence_splitter``: the sentencizer's sentences, found without
    running spaCy over every word (``benchmarks/segment_bench.py``); any other
    pipeline (an installed model's parser, say) runs whole.
    """
    from pdcode.nlp import sentence_splitter

    split = sentence_splitter(nlp)
    if split is not None:
        return map(split, texts)
    docs = nlp.pipe(texts, batch_size=256)
    return ([(sent.start_char, sent.end_char) for sent in doc.sents] for doc in docs)


def _row(unit: str, index: int, start: int, end: int, turn: Turn) -> SegmentRow:
    return (
        unit,
        index,
        start,
        end,
        turn.speaker,
        turn.is_interviewer,
        turn.start_time,
        turn.end_time,
    )
