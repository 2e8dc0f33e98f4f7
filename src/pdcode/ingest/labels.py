"""What a speaker label looks like, and what it says of the speaker.

A *candidate* label is a line that starts (after an optional timestamp such as
``[00:03:12]``) with a short name of 1-5 words and a colon, in any case:
``Interviewer:``, ``interviewee 1:``, ``Q:``, ``P2:``, ``Dr Amira Shah:``,
``Researcher (RB):``, ``Interviewer 1 (00:03:12):``; or a name and a time alone
on a line (``Jo Bell  0:03``). Whether a candidate starts a turn is decided per
document by ``pdcode.ingest.speakers``; this module only reads one line, and
says whether a label names a role (interviewer or respondent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from pdcode.ingest.model import SpeakerRole

MAX_LABEL = 40
_TS = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
TIMESTAMP = rf"[\[(]?(?P<ts>{_TS})[\])]?"
_CANDIDATE = re.compile(
    # Markdown transcripts often embolden labels: **Interviewer:** or **Interviewer**:
    rf"^[ \t]*(?:{TIMESTAMP}[ \t]+)?(?:\*\*|__)?(?P<label>[^\n:*\[(]{{1,{MAX_LABEL}}}?"
    # ... with a tag in brackets that is not a time: "Researcher (RB):"
    r"(?:[ \t]*\([^()\n:]{1,24}\))?)"
    # A timestamp may stand after the name too: "Interviewer 1 (00:03:12):"
    rf"(?:[ \t]+[\[(]?(?P<ts2>{_TS})[\])]?)?"
    # A space after the colon, or a capital straight after it ("interviewee:No").
    r"[ \t]*(?:\*\*|__)?:(?:\*\*|__)?(?=\s|$|[A-Z\"“‘'])[ \t]*"
    # ... or just after the colon: "P2: [00:03:12] Well,"
    rf"(?:[\[(](?P<ts3>{_TS})[\])][ \t]*)?"
)
# Otter-style lines: a name and a time alone on a line, the words below.
_NAME_AND_TIME = re.compile(
    rf"^[ \t]*(?P<label>[^\n:\[(]{{1,{MAX_LABEL}}}?(?:[ \t]*\([^()\n:]{{1,30}}\))?)"
    rf"[ \t]+[\[(]?(?P<ts>{_TS})[\])]?[ \t]*$"
)
_WORD_OK = re.compile(r"^[(\[]?[\w'’.\-&/]+[)\],]?$")
_JOINERS = frozenset(
    {"of", "the", "and", "de", "van", "von", "der", "den", "la", "le", "da", "du", "for", "in"}
)
# Role labels: a role word with optional numbers ("Interviewer 1", "Interviewer2 2", "IE1").
_ROLE = re.compile(r"^(?P<role>[a-z]+?)[ \-]*\d*(?:\s+\d+)?$")
_INTERVIEWER_ROLES = frozenset(
    {"interviewer", "int", "iv", "i", "q", "researcher", "facilitator", "moderator"}
)
_RESPONDENT_ROLES = frozenset(
    {"interviewee", "ie", "res", "resp", "respondent", "participant", "a", "p", "r", "speaker"}
)
_NUMBERED_ONLY = frozenset({"p", "r"})  # "P2", "R1", but a lone "P:" is no role
SENTENCE_END = (".", "?", "!", "…", '"', "”", "’", ")", "]")
_ROLE_WORDS = frozenset({"interviewer", "researcher", "facilitator", "moderator"})
SPEECH_WORDS = 10  # a line of this many words is speech, not a header value
METADATA_KEYS = frozenset(
    {
        "date",
        "time",
        "location",
        "venue",
        "place",
        "duration",
        "length",
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
        "abstract",
        "keywords",
        "source",
        "url",
    }
)


@dataclass(frozen=True)
class Label:
    """A label found at the start of a line."""

    speaker: str
    content_start: int  # offset (in the line) where the spoken words begin
    time: float | None
    colon: bool = True  # False for a bold name, or a name and a time, alone


def parse_timestamp(text: str) -> float:
    """``00:03:12`` / ``03:12`` / ``00:03:12.500`` / ``00:03:12,500`` as seconds."""
    main, _, fraction = text.replace(",", ".").partition(".")
    seconds = 0.0
    for part in main.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds + (float(f"0.{fraction}") if fraction else 0.0)


# Cached: a document asks the same few labels' keys, roles and shapes over and
# over (about 15 times a turn), and these are pure functions of the string.
@lru_cache(maxsize=4096)
def key(label: str) -> str:
    """The comparable form of a label: casefolded, whitespace collapsed."""
    return " ".join(label.split()).casefold()


@lru_cache(maxsize=4096)
def has_label_shape(label: str, any_case: bool = False) -> bool:
    """1-5 name-like words; capitalised unless ``any_case``."""
    words = label.split()
    if not 1 <= len(words) <= 5 or len(label) > MAX_LABEL:
        return False
    if all(w.isdigit() for w in words):
        return False
    for i, word in enumerate(words):
        if not _WORD_OK.match(word):
            return False
        first = word.lstrip("([")[:1]
        if any_case:
            continue
        if not (first.isupper() or first.isdigit() or (i > 0 and word.lower() in _JOINERS)):
            return False
    return True


def is_capitalised(label: str) -> bool:
    return has_label_shape(label)


def split_label(line: str, any_case: bool = True) -> Label | None:
    """The label at the start of ``line``, if it has the shape of one."""
    match = _CANDIDATE.match(line)
    if match is not None:
        speaker = " ".join(match.group("label").split())
        if has_label_shape(speaker, any_case):
            ts = match.group("ts") or match.group("ts2") or match.group("ts3")
            return Label(speaker, match.end(), parse_timestamp(ts) if ts else None)
    match = _NAME_AND_TIME.match(line)
    if match is not None:
        speaker = " ".join(match.group("label").split())
        if has_label_shape(speaker, any_case):
            return Label(speaker, len(line), parse_timestamp(match.group("ts")), colon=False)
    return None


@lru_cache(maxsize=4096)
def role_word(label: str) -> str | None:
    """The role a label names, if any: ``interviewer``, ``respondent`` or None."""
    match = _ROLE.match(key(label).rstrip("."))
    if match is None:
        return None
    role = match.group("role")
    numbered = any(ch.isdigit() for ch in label)
    if role in _NUMBERED_ONLY and not numbered:
        return None
    if role in _INTERVIEWER_ROLES:
        return "interviewer"
    if role in _RESPONDENT_ROLES:
        return "respondent"
    return None


def is_strong(label: str) -> bool:
    """A conventional role label (Interviewer, Q, A, P2, Researcher 1, IE ...)."""
    return role_word(label) is not None


def is_metadata(label: str) -> bool:
    return key(label) in METADATA_KEYS


def is_interviewer(
    label: str | None,
    interviewers: frozenset[str] = frozenset(),
    speaker_map: Mapping[str, SpeakerRole] | None = None,
) -> bool:
    if label is None:
        return False
    k = key(label)
    mapped = (speaker_map or {}).get(k)
    if mapped is not None and mapped.role in ("interviewer", "respondent"):
        return mapped.role == "interviewer"
    if k in interviewers or role_word(label) == "interviewer":
        return True
    # "Interviewer, First" (Teams) or "Researcher (Sam)": the role is the first
    # word; "Okafor, Sam (Researcher)": the role is in brackets at the end.
    first = re.split(r"[\s,(]", k, maxsplit=1)[0]
    last = re.search(r"\(([^()]+)\)$", k)
    return first in _ROLE_WORDS or (last is not None and last.group(1).strip() in _ROLE_WORDS)


_EMBEDDED_KEY = re.compile(r"(?:^|[.;,|]\s*)([A-Za-z][\w ]{0,30}?)\s*:\s")


def speechlike(value: str) -> bool:
    """Words someone says, rather than a header's value (a name, a date, or
    ``Hannah Price. Interviewee: Owen Castell`` with more keys inside)."""
    value = value.strip()
    for match in _EMBEDDED_KEY.finditer(value):
        if is_strong(match.group(1)) or is_metadata(match.group(1)):
            return False
    return len(value.split()) >= SPEECH_WORDS or value.endswith(("?", "!", "."))
