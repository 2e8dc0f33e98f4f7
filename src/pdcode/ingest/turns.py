"""Speaker turns of a plain-text transcript, and who among the speakers interviews.

``parse_turns`` takes the lines ``speakers.find_labels`` accepts as labels:
every labelled line starts a turn of its own (so no turn holds a label), lines
without one continue it, lines before the first are the preamble, and closing
lines that are nobody's words (``Transcribed by ...``) are in no turn. Where no
label, header or option names the interviewer, ``infer_interviewer`` takes the
speaker who asks the questions, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from pdcode.ingest.labels import (
    TIMESTAMP,
    Label,
    is_interviewer,
    key,
    parse_timestamp,
    role_word,
    split_label,
)
from pdcode.ingest.model import SpeakerRole, Turn
from pdcode.ingest.speakers import find_labels

# f4/MAXQDA close each paragraph with its time: "... at the moment? #00:00:09-1#"
_F4_MARK = re.compile(r"[ \t]*#(\d{1,2}:\d{2}:\d{2}(?:[-.,]\d{1,3})?)#[ \t]*$")


def _without_mark(text: str, start: int, end: int) -> tuple[int, float | None]:
    """The end of a turn without a closing f4 time mark, and the mark's time."""
    if text.find("#", start, end) < 0:
        return end, None  # no mark can be there: skip the regex's scan of the turn
    mark = _F4_MARK.search(text, start, end)
    if mark is None or mark.end() != end:
        return end, None
    return mark.start(), parse_timestamp(mark.group(1).replace("-", "."))


def _lines(lines: Sequence[str]) -> list[tuple[int, int]]:
    """Each line's (start, end) in the text ``lines`` were split from at ``\n``."""
    spans, pos = [], 0
    for line in lines:
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


_FOOTER = re.compile(
    rf"^(?:{TIMESTAMP}\s*)?\W*(?:transcribed by\b"
    r"|end of (?:the )?(?:interview|transcript|transcription|recording)\b"
    r"|(?:recording|transcript|interview) (?:ends|ended|stopped|finished)\b"
    r"|(?:end|ends)\W*$|\W*$)"
    r"|^.{1,60}\b(?:started|stopped) transcription\W*$",
    re.IGNORECASE,
)


def is_footer(line: str) -> bool:
    """A closing line that is nobody's words: ``Transcribed by https://otter.ai``,
    ``[END OF TRANSCRIPT]``, ``Jo Bell stopped transcription``, a rule ``---``."""
    return bool(line.strip()) and bool(_FOOTER.match(line.strip()))


def _footer(text: str, spans: Sequence[tuple[int, int]]) -> int:
    """Index of the first line of the closing paragraphs that are footers, or
    ``len(spans)`` if there are none. A footer stands after a blank line."""
    end = len(spans)
    while True:
        last = end
        while last > 0 and not text[spans[last - 1][0] : spans[last - 1][1]].strip():
            last -= 1
        first = last
        while first > 0 and text[spans[first - 1][0] : spans[first - 1][1]].strip():
            first -= 1
        block = [text[a:b] for a, b in spans[first:last]]
        if first > 0 and block and all(is_footer(line) for line in block):
            end = first
            continue
        # A closing line right under the last words, if it says so plainly:
        # "[Recording ends]", "(10:31) [recording stopped]".
        if last > 1 and is_footer(block[-1]) and block[-1].strip().strip("-*_=") != "":
            return last - 1
        return end


def parse_turns(
    text: str,
    interviewers: frozenset[str] = frozenset(),
    speaker_map: Mapping[str, SpeakerRole] | None = None,
) -> tuple[Turn, ...]:
    """Speaker turns of a plain-text transcript (see the module docstring).

    Every labelled line starts a turn of its own, so a turn's span never holds a
    label; unlabelled lines continue it, and lines before the first label are
    the preamble.
    """
    lines = text.split("\n")
    spans = _lines(lines)
    labels = find_labels(lines, speaker_map=speaker_map)
    if not labels:
        return _paragraph_turns(text, spans)
    footer = _footer(text, spans)
    interviewers = interviewers | header_interviewers(lines, labels)
    turns: list[Turn] = []
    current: dict[str, object] | None = None
    # Each label's name and role, worked out once rather than for each of its turns.
    speakers: dict[str, tuple[str, bool]] = {}
    for i, (start, end) in enumerate(spans[:footer]):
        label = labels.get(i)
        if label is not None:
            if current is not None:
                turns.append(_close(text, current, interviewers, speaker_map, speakers))
            current = {
                "label": label.speaker,
                "start": None,
                "end": None,
                "time": label.time,
            }
            start = start + label.content_start
        if current is None or not text[start:end].strip():
            continue  # preamble, or a blank line inside a turn
        if current["start"] is None:
            current["start"] = start
        current["end"] = end
    if current is not None:
        turns.append(_close(text, current, interviewers, speaker_map, speakers))
    return tuple(t for t in turns if t.end > t.start)


def header_interviewers(lines: Sequence[str], labels: Mapping[int, Label]) -> frozenset[str]:
    """Speakers a header names as the interviewer: ``Facilitator: JW`` above a
    dialogue in which ``JW:`` speaks (casefolded speaker keys)."""
    if not labels:
        return frozenset()
    speakers = {key(label.speaker) for label in labels.values()}
    found = set()
    for line in lines[: min(labels)]:
        label = split_label(line.replace("**", "").lstrip(" -*\t"))
        if label is None or role_word(label.speaker) != "interviewer":
            continue
        named = key(line.replace("**", "").lstrip(" -*\t")[label.content_start :].strip(" .;,"))
        if named in speakers and role_word(named) is None:
            found.add(named)
    return frozenset(found)


QUESTION_SHARE = 0.4  # of a speaker's turns, to be taken for the interviewer
# Turns a speaker needs to be taken for the interviewer. Someone with fewer, who
# also has under a quarter of the named turns (a colleague at the door: "Sorry,
# is the hall free?"), is no rival either: their one question would otherwise
# outweigh every question the interviewer asks.
QUESTION_TURNS = 3
MINOR_SHARE = 0.25


def infer_interviewer(
    text: str,
    turns: Sequence[Turn],
    speaker_map: Mapping[str, SpeakerRole] | None = None,
) -> tuple[tuple[Turn, ...], str | None]:
    """Where no label names a role, the speaker who asks the questions.

    With two or more named speakers and no turn flagged as the interviewer's,
    the speaker most of whose turns are questions (at least 40%, and at least
    twice the share of anyone else) is flagged, and a note says so; else the
    turns come back as they were, with a note that no one interviews (unless a
    speaker map names every speaker). A speaker with fewer than ``QUESTION_TURNS``
    turns is never taken, and is not compared at all if they also have under
    ``MINOR_SHARE`` of the named turns. A speaker mapped as a respondent is never
    taken.
    """
    smap = speaker_map or {}
    if any(t.is_interviewer for t in turns) or any(r.role == "interviewer" for r in smap.values()):
        return tuple(turns), None
    asked: dict[str, list[int]] = {}
    for t in turns:
        if t.speaker is not None:
            tally = asked.setdefault(t.speaker, [0, 0])
            tally[0] += "?" in text[t.start : t.end]
            tally[1] += 1
    if len(asked) < 2:
        return tuple(turns), None
    named = sum(n for _q, n in asked.values())
    shares = sorted(
        (
            (q / n, n, s)
            for s, (q, n) in asked.items()
            if n >= QUESTION_TURNS or n >= MINOR_SHARE * named
        ),
        reverse=True,
    )
    share, count, speaker = shares[0] if shares else (0.0, 0, "")
    rival = shares[1][0] if len(shares) > 1 else 0.0
    if (
        count < QUESTION_TURNS
        or share < QUESTION_SHARE
        or share < 2 * rival
        or key(speaker) in smap
    ):
        mapped = {r.name for r in smap.values() if r.name}
        if all(key(s) in smap or s in mapped for s in asked):
            return tuple(turns), None  # the map says who each one is: none interviews
        # An interviewer's prompts, if there are any, would be coded as answers.
        return tuple(turns), (
            f"no interviewer among {len(asked)} speakers: no label names one and no "
            "speaker asks most of the questions, so every turn counts as a respondent's "
            "(--interviewer NAME or --speaker-map to say who asks; for a discussion "
            "without one, a speaker map naming every speaker silences this)"
        )
    flagged = tuple(replace(t, is_interviewer=True) if t.speaker == speaker else t for t in turns)
    asks = asked[speaker][0]
    return flagged, (
        f"no label names the interviewer: took {speaker!r}, who asks {asks} of "
        f"{count} turns' questions, as the interviewer (--interviewer or --speaker-map to change)"
    )


def rename(label: str, speaker_map: Mapping[str, SpeakerRole] | None) -> str:
    """The speaker's name: the map's, where it gives one."""
    mapped = (speaker_map or {}).get(key(label))
    return mapped.name if mapped is not None and mapped.name else label


def _close(
    text: str,
    current: dict[str, object],
    interviewers: frozenset[str],
    speaker_map: Mapping[str, SpeakerRole] | None,
    speakers: dict[str, tuple[str, bool]],
) -> Turn:
    """The turn ``current`` holds; ``speakers`` caches each label's name and role."""
    label = str(current["label"])
    start = current["start"] if isinstance(current["start"], int) else 0
    end = current["end"] if isinstance(current["end"], int) else 0
    time = current["time"] if isinstance(current["time"], float) else None
    end, end_time = _without_mark(text, start, end)
    found = speakers.get(label)
    if found is None:
        found = (rename(label, speaker_map), is_interviewer(label, interviewers, speaker_map))
        speakers[label] = found
    return Turn(found[0], start, end, found[1], time, end_time)


def _paragraph_turns(text: str, lines: list[tuple[int, int]]) -> tuple[Turn, ...]:
    """No labels at all: each blank-line-separated paragraph is a turn of nobody."""
    turns: list[Turn] = []
    start = end = None
    for line_start, line_end in [*lines, (len(text), len(text))]:
        if text[line_start:line_end].strip():
            start = line_start if start is None else start
            end = line_end
        elif start is not None and end is not None:
            turns.append(Turn(None, start, end))
            start = end = None
    return tuple(turns)
