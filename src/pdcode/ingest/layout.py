"""Composing a readable text from pieces that carry speakers (cues, Word paragraphs).

Captions and Word documents have no single text of their own, so the stored text
is built here: preamble paragraphs, then one paragraph per turn written as
``Speaker: words``, separated by blank lines. Turn offsets cover the words only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pdcode.ingest.labels import is_interviewer, key
from pdcode.ingest.model import ReadOptions, SpeakerRole, Turn
from pdcode.ingest.turns import rename


@dataclass(frozen=True)
class Piece:
    """A cue or a paragraph: its speaker (None when unlabelled) and words.

    A piece with a speaker and no words is a label alone (a bold name in its own
    paragraph): it starts a turn that the following pieces continue.
    """

    speaker: str | None
    text: str
    start_time: float | None = None
    end_time: float | None = None
    # A caption cue or a table row repeats its speaker every time, so one voice's
    # consecutive cues are one turn; a label written again in prose starts a new one.
    cue: bool = False


def compose(
    pieces: Sequence[Piece],
    options: ReadOptions,
    joiner: str,
    unlabelled_each: bool,
) -> tuple[str, tuple[Turn, ...]]:
    """The text and turns for ``pieces``, read with ``options`` (the interviewers
    named, the speaker map).

    An unlabelled piece continues the current speaker's turn (a wrapped cue, a
    second paragraph); before the first label it is preamble. Consecutive pieces
    of one speaker merge, joined by ``joiner``, where they are cues (see ``Piece``).
    If no piece has a speaker at all, each piece is its own turn
    (``unlabelled_each``) or all merge into one.
    Speakers are stored under the map's name for them, where it gives one.
    """
    interviewers, speaker_map = options.interviewers, dict(options.speaker_map)
    pieces = [p for p in pieces if p.text.strip() or p.speaker]
    if not any(p.speaker for p in pieces):
        if unlabelled_each:
            return _write([[p] for p in pieces], [], interviewers, joiner, speaker_map)
        return _write([pieces] if pieces else [], [], interviewers, joiner, speaker_map)
    preamble: list[Piece] = []
    groups: list[list[Piece]] = []
    for piece in pieces:
        if piece.speaker is None:
            (groups[-1] if groups else preamble).append(piece)
        elif (
            piece.cue
            and groups
            and groups[-1][-1].cue
            and key(groups[-1][0].speaker or "") == key(piece.speaker)
        ):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return _write(groups, preamble, interviewers, joiner, speaker_map)


def _write(
    groups: list[list[Piece]],
    preamble: list[Piece],
    interviewers: frozenset[str],
    joiner: str,
    speaker_map: Mapping[str, SpeakerRole] | None,
) -> tuple[str, tuple[Turn, ...]]:
    parts: list[str] = [p.text.strip() for p in preamble]
    pos = sum(len(p) + 2 for p in parts)
    turns: list[Turn] = []
    for group in groups:
        body = joiner.join(p.text.strip() for p in group if p.text.strip())
        if not body:
            continue  # a label alone with nothing said after it
        label = group[0].speaker
        speaker = rename(label, speaker_map) if label else None
        prefix = f"{speaker}: " if speaker else ""
        start = pos + len(prefix)
        times = [p.start_time for p in group if p.start_time is not None]
        ends = [p.end_time for p in group if p.end_time is not None]
        turns.append(
            Turn(
                speaker=speaker,
                start=start,
                end=start + len(body),
                is_interviewer=is_interviewer(label, interviewers, speaker_map),
                start_time=times[0] if times else None,
                end_time=ends[-1] if ends else None,
            )
        )
        parts.append(prefix + body)
        pos += len(prefix) + len(body) + 2
    return "\n\n".join(parts) + "\n", tuple(turns)
