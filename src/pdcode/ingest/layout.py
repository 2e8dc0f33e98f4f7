"""Composing a readable text from pieces that carry speakers (cues, Word paragraphs).

Captions and Word documents have no single text of their own, so the stored text
is built here: preamble paragraphs, then one paragraph per turn written as
``Speaker: words``, separated by blank lines. Turn offsets cover the words only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pdcode.ingest.model import Turn
from pdcode.ingest.speakers import is_interviewer, key


@dataclass(frozen=True)
class Piece:
    """A cue or a paragraph: its speaker (None when unlabelled) and words."""

    speaker: str | None
    text: str
    start_time: float | None = None
    end_time: float | None = None


def compose(
    pieces: Sequence[Piece],
    interviewers: frozenset[str],
    joiner: str,
    unlabelled_each: bool,
) -> tuple[str, tuple[Turn, ...]]:
    """The text and turns for ``pieces``.

    An unlabelled piece continues the current speaker's turn (a wrapped cue, a
    second paragraph); before the first label it is preamble. Consecutive pieces
    of one speaker merge, joined by ``joiner``. If no piece has a speaker at all,
    each piece is its own turn (``unlabelled_each``) or all merge into one.
    """
    pieces = [p for p in pieces if p.text.strip()]
    if not any(p.speaker for p in pieces):
        if unlabelled_each:
            return _write([[p] for p in pieces], [], interviewers, joiner)
        return _write([pieces] if pieces else [], [], interviewers, joiner)
    preamble: list[Piece] = []
    groups: list[list[Piece]] = []
    for piece in pieces:
        if piece.speaker is None:
            (groups[-1] if groups else preamble).append(piece)
        elif groups and key(groups[-1][0].speaker or "") == key(piece.speaker):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return _write(groups, preamble, interviewers, joiner)


def _write(
    groups: list[list[Piece]],
    preamble: list[Piece],
    interviewers: frozenset[str],
    joiner: str,
) -> tuple[str, tuple[Turn, ...]]:
    parts: list[str] = [p.text.strip() for p in preamble]
    pos = sum(len(p) + 2 for p in parts)
    turns: list[Turn] = []
    for group in groups:
        speaker = group[0].speaker
        prefix = f"{speaker}: " if speaker else ""
        body = joiner.join(p.text.strip() for p in group)
        start = pos + len(prefix)
        times = [p.start_time for p in group if p.start_time is not None]
        ends = [p.end_time for p in group if p.end_time is not None]
        turns.append(
            Turn(
                speaker=speaker,
                start=start,
                end=start + len(body),
                is_interviewer=is_interviewer(speaker, interviewers),
                start_time=times[0] if times else None,
                end_time=ends[-1] if ends else None,
            )
        )
        parts.append(prefix + body)
        pos += len(prefix) + len(body) + 2
    return "\n\n".join(parts) + "\n", tuple(turns)
