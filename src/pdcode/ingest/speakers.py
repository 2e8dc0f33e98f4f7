"""Speaker labels: which line starts a turn, who speaks, and who is the interviewer.

A *candidate* label is a line that starts (after an optional timestamp such as
``[00:03:12]``) with 1-5 capitalised words and a colon: ``Interviewer:``, ``Q:``,
``P2:``, ``Dr Amira Shah:``, ``Head of Maths:``. Plain text has no markup, so a
candidate is accepted as a label only when one of these holds:

1. it is a conventional label (Interviewer, INT, I, Q, A, P2, R1, Researcher 1,
   Participant 3, Speaker 2, Facilitator, Moderator, Respondent, Interviewee);
2. the same label starts a line at least twice in the file; or
3. it starts the text, follows a blank line, or follows a line that ends a
   sentence (``.?!`` or a closing quote), as in transcripts with one line a turn.

So a hard-wrapped line that happens to begin ``Maths: we did`` in the middle of a
turn stays part of that turn. Metadata keys (``Date:``, ``Location:``...) are
never labels, and a leading block of lines that holds one is preamble.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pdcode.ingest.model import Turn

MAX_LABEL = 40
_TIMESTAMP = r"[\[(]?(?P<ts>\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?)[\])]?"
_CANDIDATE = re.compile(
    # Markdown transcripts often embolden labels: **Interviewer:** or **Interviewer**:
    rf"^[ \t]*(?:{_TIMESTAMP}[ \t]+)?(?:\*\*|__)?(?P<label>[^\n:*]{{1,{MAX_LABEL}}}?)"
    r"[ \t]*(?:\*\*|__)?:(?:\*\*|__)?(?=\s|$)[ \t]*"
)
_WORD_OK = re.compile(r"^[(\[]?[\w'’.\-&/]+[)\],]?$")
_JOINERS = frozenset(
    {"of", "the", "and", "de", "van", "von", "der", "den", "la", "le", "da", "du", "for", "in"}
)
_STRONG = re.compile(
    r"^(?:interviewer|interviewee|int|iv|i|q|a|[pr]\d+|respondent|"
    r"(?:researcher|participant|respondent|speaker|interviewer|interviewee)\s*\d*|"
    r"facilitator|moderator)$"
)
_INTERVIEWER = re.compile(
    r"^(?:interviewer\s*\d*|int|iv|i|q|researcher\s*\d*|facilitator\s*\d*|moderator)$"
)
_SENTENCE_END = (".", "?", "!", "…", '"', "”", "’", ")", "]")
_ROLE_WORDS = frozenset({"interviewer", "researcher", "facilitator", "moderator"})
METADATA_KEYS = frozenset(
    {
        "date",
        "time",
        "location",
        "venue",
        "place",
        "duration",
        "length",
        "interviewee",
        "participant",
        "participants",
        "transcribed by",
        "transcriber",
        "recorded",
        "recording",
        "project",
        "study",
        "school",
        "role",
        "title",
        "notes",
        "note",
        "consent",
        "strand",
        "case",
        "setting",
        "region",
        "subject",
        "re",
        "file",
        "audio file",
        "attendees",
        "present",
        "organisation",
        "organization",
        "position",
        "job title",
        "interview type",
        "interview date",
        "date of interview",
        "interview with",
    }
)


@dataclass(frozen=True)
class Label:
    """A label found at the start of a line."""

    speaker: str
    content_start: int  # offset (in the line) where the spoken words begin
    time: float | None


def parse_timestamp(text: str) -> float:
    """``00:03:12`` / ``03:12`` / ``00:03:12.500`` / ``00:03:12,500`` as seconds."""
    main, _, fraction = text.replace(",", ".").partition(".")
    seconds = 0.0
    for part in main.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds + (float(f"0.{fraction}") if fraction else 0.0)


def key(label: str) -> str:
    """The comparable form of a label: casefolded, whitespace collapsed."""
    return " ".join(label.split()).casefold()


def has_label_shape(label: str) -> bool:
    words = label.split()
    if not 1 <= len(words) <= 5 or len(label) > MAX_LABEL:
        return False
    if all(w.isdigit() for w in words):
        return False
    for i, word in enumerate(words):
        if not _WORD_OK.match(word):
            return False
        first = word.lstrip("([")[:1]
        if not (first.isupper() or first.isdigit() or (i > 0 and word.lower() in _JOINERS)):
            return False
    return True


def split_label(line: str) -> Label | None:
    """The label at the start of ``line``, if it has the shape of one."""
    match = _CANDIDATE.match(line)
    if match is None:
        return None
    speaker = " ".join(match.group("label").split())
    if not has_label_shape(speaker):
        return None
    ts = match.group("ts")
    return Label(speaker, match.end(), parse_timestamp(ts) if ts else None)


def is_strong(label: str) -> bool:
    return bool(_STRONG.match(key(label)))


def is_metadata(label: str) -> bool:
    return key(label) in METADATA_KEYS


def is_interviewer(label: str | None, interviewers: frozenset[str] = frozenset()) -> bool:
    if label is None:
        return False
    k = key(label)
    if k in interviewers or _INTERVIEWER.match(k):
        return True
    # "Interviewer, First" (Teams) or "Researcher (Sam)": the role is the first word.
    first = re.split(r"[\s,(]", k, maxsplit=1)[0]
    return first in _ROLE_WORDS


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _header_block(text: str, lines: list[tuple[int, int]]) -> int:
    """Lines in the leading block if it holds metadata (``Date: ...``), else 0."""
    block: list[tuple[int, int]] = []
    for start, end in lines:
        if not text[start:end].strip():
            if block:
                break
            continue
        block.append((start, end))
    for start, end in block:
        found = split_label(text[start:end])
        if found and is_metadata(found.speaker):
            # Count lines up to the end of the block, blank lines before it included.
            last = block[-1]
            return lines.index(last) + 1
    return 0


def parse_turns(text: str, interviewers: frozenset[str] = frozenset()) -> tuple[Turn, ...]:
    """Speaker turns of a plain-text transcript (see the module docstring)."""
    lines = _lines(text)
    skip = _header_block(text, lines)
    candidates: dict[int, Label] = {}
    for i, (start, end) in enumerate(lines[skip:], start=skip):
        found = split_label(text[start:end])
        if found is not None and not is_metadata(found.speaker):
            candidates[i] = found
    counts = Counter(key(c.speaker) for c in candidates.values())

    def accepted(i: int, label: Label) -> bool:
        before = "" if i == 0 else text[lines[i - 1][0] : lines[i - 1][1]].rstrip()
        after_break = not before or before.endswith(_SENTENCE_END)
        return is_strong(label.speaker) or counts[key(label.speaker)] >= 2 or after_break

    labels = {i: c for i, c in candidates.items() if accepted(i, c)}
    if not labels:
        return _paragraph_turns(text, lines)
    turns: list[Turn] = []
    current: dict[str, object] | None = None
    for i, (start, end) in enumerate(lines):
        label = labels.get(i)
        if label is not None:
            same = current is not None and key(str(current["speaker"])) == key(label.speaker)
            if not same:
                if current is not None:
                    turns.append(_close(current, interviewers))
                current = {"speaker": label.speaker, "start": None, "end": None, "time": label.time}
            start = start + label.content_start
        if current is None or not text[start:end].strip():
            continue  # preamble, or a blank line inside a turn
        if current["start"] is None:
            current["start"] = start
        current["end"] = end
    if current is not None:
        turns.append(_close(current, interviewers))
    return tuple(t for t in turns if t.end > t.start)


def _close(current: dict[str, object], interviewers: frozenset[str]) -> Turn:
    speaker = str(current["speaker"])
    start = current["start"] if isinstance(current["start"], int) else 0
    end = current["end"] if isinstance(current["end"], int) else 0
    time = current["time"] if isinstance(current["time"], float) else None
    return Turn(speaker, start, end, is_interviewer(speaker, interviewers), time)


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
