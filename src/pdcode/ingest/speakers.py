"""Speaker labels: which line starts a turn, who speaks, and who is the interviewer.

A *candidate* label is a line that starts (after an optional timestamp such as
``[00:03:12]``) with a short name of 1-5 words and a colon, in any case:
``Interviewer:``, ``interviewee 1:``, ``Q:``, ``P2:``, ``Dr Amira Shah:``,
``Interviewer 1 (00:03:12):``. Whether a candidate really starts a turn is
decided per document, from its structure rather than from a list of words
(``find_labels``):

- a label that recurs starts turns, unless its lines repeat word for word (a
  video title or a heading printed before every entry is not a speaker);
- the lines before the first line of dialogue are a preamble when they hold a
  ``Key: value`` line that is not dialogue (a metadata key such as ``Date:``, or
  a key that appears only once); their keys never start turns there, so
  ``Interviewee: Jo Bell`` in a header is metadata even if ``Interviewee:``
  starts every answer below it;
- a label seen once starts a turn if it is a role (Interviewer, Q, P2 ...) or,
  in a document that has dialogue, if it is capitalised and begins a paragraph
  (after a blank line, or after a line that ends a sentence), as a one-off
  speaker in a focus group does. So a hard-wrapped line that happens to begin
  ``Maths: we did`` in the middle of a turn stays part of that turn;
- a label alone on its line (``Interviewer:``, or a bold name in Word) starts the
  turn that the following lines continue.

A speaker map (``--speaker-map``) overrides all of this for the labels it names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from pdcode.ingest.model import SpeakerRole, Turn

MAX_LABEL = 40
_TS = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
_TIMESTAMP = rf"[\[(]?(?P<ts>{_TS})[\])]?"
_CANDIDATE = re.compile(
    # Markdown transcripts often embolden labels: **Interviewer:** or **Interviewer**:
    rf"^[ \t]*(?:{_TIMESTAMP}[ \t]+)?(?:\*\*|__)?(?P<label>[^\n:*\[(]{{1,{MAX_LABEL}}}?"
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
_SENTENCE_END = (".", "?", "!", "…", '"', "”", "’", ")", "]")
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


def key(label: str) -> str:
    """The comparable form of a label: casefolded, whitespace collapsed."""
    return " ".join(label.split()).casefold()


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


def _speechlike(value: str) -> bool:
    """Words someone says, rather than a header's value (a name, a date, or
    ``Hannah Price. Interviewee: Owen Castell`` with more keys inside)."""
    value = value.strip()
    for match in _EMBEDDED_KEY.finditer(value):
        if is_strong(match.group(1)) or is_metadata(match.group(1)):
            return False
    return len(value.split()) >= SPEECH_WORDS or value.endswith(("?", "!", "."))


def find_labels(
    lines: Sequence[str],
    marked: Mapping[int, Label] | None = None,
    speaker_map: Mapping[str, SpeakerRole] | None = None,
    paragraphs: bool = False,
) -> dict[int, Label]:
    """The lines of ``lines`` that start a turn, with their labels.

    ``marked`` holds labels that markup shows (a bold name in Word); they go
    through the same test, but need no colon. With ``paragraphs`` each line is a
    paragraph of its own (Word), so none is a hard-wrapped continuation.
    See the module docstring.
    """
    marked = marked or {}
    smap = speaker_map or {}
    cands: dict[int, Label] = {}
    for i, line in enumerate(lines):
        label = marked.get(i) or split_label(line)
        if label is None:
            continue
        mapped = smap.get(key(label.speaker))
        if mapped is not None and mapped.role == "none":
            continue
        cands[i] = label
    cands.update(_bare_names(lines, cands, smap))
    counts = Counter(key(c.speaker) for c in cands.values())
    repeated = _repeated(lines, cands)
    if not paragraphs:
        repeated |= _wrapped(lines, cands, counts)

    def value(i: int, label: Label) -> str:
        return lines[i][label.content_start :].strip()

    def recurring(label: Label) -> bool:
        k = key(label.speaker)
        if k in smap:
            return True
        if counts[k] < 2 or k in repeated:
            return False
        return not is_metadata(label.speaker)

    def opens_dialogue(i: int, label: Label) -> bool:
        if not (recurring(label) or is_strong(label.speaker)):
            return False
        text = value(i, label)
        return _speechlike(text) if text else _followed_by_text(lines, i, cands)

    header = _header(cands, counts, opens_dialogue)
    dialogue = any(
        recurring(c) or is_strong(c.speaker) for i, c in cands.items() if i not in header
    )
    # Where the turns of recurring speakers are set apart by blank lines, a new
    # voice is too; a wrapped line that ends a sentence is not enough there.
    regular = [i for i, c in cands.items() if i not in header and recurring(c)]
    blank_before = sum(1 for i in regular if i == 0 or not lines[i - 1].strip())
    needs_blank = bool(regular) and blank_before >= 0.9 * len(regular)

    # Where labels are set in bold, a plain one seen once is taken only when it
    # stands alone ("David:" above his answer), not at the head of a sentence.
    bold_document = bool(marked) and len(marked) * 2 >= len(cands)

    def once(i: int, label: Label) -> bool:
        """A label seen once: a role, or a new voice opening a paragraph."""
        if bold_document and i not in marked and value(i, label):
            return False
        if is_strong(label.speaker):
            return label.colon or not value(i, label)
        return (
            dialogue
            and label.colon
            and is_capitalised(label.speaker)
            and (paragraphs or _after_break(lines, i, needs_blank))
            and bool(value(i, label) or _followed_by_text(lines, i, cands))
        )

    accepted: dict[int, Label] = {}
    for i, label in cands.items():
        k = key(label.speaker)
        if i in header or (not recurring(label) and (counts[k] >= 2 or k in repeated)):
            continue
        if recurring(label) or (not is_metadata(label.speaker) and once(i, label)):
            accepted[i] = label
    return accepted


BARE_WORDS = 4


def _bare_names(
    lines: Sequence[str], cands: Mapping[int, Label], smap: Mapping[str, SpeakerRole]
) -> dict[int, Label]:
    """Names alone on a line without a colon (``INTERVIEWER`` above the words),
    taken only where at least two such names recur, each opening a paragraph
    with text right under it: a one-off heading is no speaker."""
    found: dict[int, Label] = {}
    for i, line in enumerate(lines):
        name = " ".join(line.split())
        if (
            i in cands
            or not name
            or len(name.split()) > BARE_WORDS
            or name.endswith((".", "?", "!", ",", ";", ":", "]", ")"))
            or not has_label_shape(name)
            or (i > 0 and lines[i - 1].strip())
            or i + 1 >= len(lines)
            or not lines[i + 1].strip()
        ):
            continue
        found[i] = Label(name, len(line), None, colon=False)
    counts = Counter(key(label.speaker) for label in found.values())
    recurring = {k for k, n in counts.items() if n >= 2 and (n >= 3 or k in smap or is_strong(k))}
    if len(recurring) < 2:
        return {}
    return {i: label for i, label in found.items() if key(label.speaker) in recurring}


def _repeated(lines: Sequence[str], cands: Mapping[int, Label]) -> set[str]:
    """Keys whose lines mostly repeat word for word: titles and headings, not talk."""
    values: dict[str, list[str]] = {}
    for i, label in cands.items():
        text = lines[i][label.content_start :].strip()
        if text:
            values.setdefault(key(label.speaker), []).append(text)
    return {k for k, v in values.items() if len(v) >= 2 and len(set(v)) * 2 <= len(v)}


def _wrapped(
    lines: Sequence[str], cands: Mapping[int, Label], counts: Mapping[str, int]
) -> set[str]:
    """Keys that mostly stand where a wrapped sentence goes on ("...where the\n
    Key Stage 2: groups..."): after a line that ends mid-sentence, or indented
    where the other labels are not. A speaker's label follows the end of a turn."""
    flush = [i for i in cands if not lines[i][:1].isspace()]
    indented_labels = len(flush) * 2 < len(cands)  # most labels are indented here
    # Where turns are set apart by blank lines, a label directly under a line of
    # text is where a wrapped sentence goes on.
    blank = [i for i in cands if i == 0 or not lines[i - 1].strip()]
    blank_separated = len(blank) * 4 >= len(cands) * 3
    seen: dict[str, list[bool]] = {}
    for i, label in cands.items():
        wrapped = not _after_break(lines, i, blank_only=blank_separated) or (
            not indented_labels and lines[i][:1].isspace()
        )
        seen.setdefault(key(label.speaker), []).append(wrapped)
    return {k for k, v in seen.items() if counts[k] >= 2 and sum(v) * 2 > len(v)}


def _header(
    cands: Mapping[int, Label],
    counts: Mapping[str, int],
    opens_dialogue: Callable[[int, Label], bool],
) -> set[int]:
    """Candidate lines before the first line of dialogue, if they are metadata."""
    order = sorted(cands)
    stop = next((i for i in order if opens_dialogue(i, cands[i])), None)
    block = [i for i in order if stop is None or i < stop]
    metadata = any(
        is_metadata(cands[i].speaker)
        or (
            counts[key(cands[i].speaker)] == 1
            and not (is_strong(cands[i].speaker) and opens_dialogue(i, cands[i]))
        )
        for i in block
    )
    return set(block) if metadata else set()


def _after_break(lines: Sequence[str], i: int, blank_only: bool = False) -> bool:
    before = lines[i - 1].rstrip() if i > 0 else ""
    return not before or (not blank_only and before.endswith(_SENTENCE_END))


def _followed_by_text(lines: Sequence[str], i: int, cands: Mapping[int, Label]) -> bool:
    """A label alone on its line: is the next non-blank line speech (not a label)?"""
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return j not in cands
    return False


# f4/MAXQDA close each paragraph with its time: "... at the moment? #00:00:09-1#"
_F4_MARK = re.compile(r"[ \t]*#(\d{1,2}:\d{2}:\d{2}(?:[-.,]\d{1,3})?)#[ \t]*$")


def _without_mark(text: str, start: int, end: int) -> tuple[int, float | None]:
    """The end of a turn without a closing f4 time mark, and the mark's time."""
    mark = _F4_MARK.search(text, start, end)
    if mark is None or mark.end() != end:
        return end, None
    return mark.start(), parse_timestamp(mark.group(1).replace("-", "."))


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


_FOOTER = re.compile(
    rf"^(?:{_TIMESTAMP}\s*)?\W*(?:transcribed by\b"
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
    spans = _lines(text)
    labels = find_labels([text[a:b] for a, b in spans], speaker_map=speaker_map)
    if not labels:
        return _paragraph_turns(text, spans)
    footer = _footer(text, spans)
    interviewers = interviewers | header_interviewers([text[a:b] for a, b in spans], labels)
    turns: list[Turn] = []
    current: dict[str, object] | None = None
    for i, (start, end) in enumerate(spans[:footer]):
        label = labels.get(i)
        if label is not None:
            if current is not None:
                turns.append(_close(current, interviewers, speaker_map))
            current = {
                "label": label.speaker,
                "start": None,
                "end": None,
                "time": label.time,
                "text": text,
            }
            start = start + label.content_start
        if current is None or not text[start:end].strip():
            continue  # preamble, or a blank line inside a turn
        if current["start"] is None:
            current["start"] = start
        current["end"] = end
    if current is not None:
        turns.append(_close(current, interviewers, speaker_map))
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


def infer_interviewer(
    text: str,
    turns: Sequence[Turn],
    speaker_map: Mapping[str, SpeakerRole] | None = None,
) -> tuple[tuple[Turn, ...], str | None]:
    """Where no label names a role, the speaker who asks the questions.

    With two or more named speakers and no turn flagged as the interviewer's,
    the speaker most of whose turns are questions (at least 40%, and at least
    twice the share of anyone else) is flagged, and a note says so; else the
    turns come back as they were. A speaker mapped as a respondent is never taken.
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
    shares = sorted(((q / n, n, s) for s, (q, n) in asked.items()), reverse=True)
    share, count, speaker = shares[0]
    if count < 3 or share < QUESTION_SHARE or share < 2 * shares[1][0] or key(speaker) in smap:
        return tuple(turns), None
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
    current: dict[str, object],
    interviewers: frozenset[str],
    speaker_map: Mapping[str, SpeakerRole] | None,
) -> Turn:
    label = str(current["label"])
    start = current["start"] if isinstance(current["start"], int) else 0
    end = current["end"] if isinstance(current["end"], int) else 0
    time = current["time"] if isinstance(current["time"], float) else None
    end, end_time = _without_mark(str(current["text"]), start, end)
    return Turn(
        rename(label, speaker_map),
        start,
        end,
        is_interviewer(label, interviewers, speaker_map),
        time,
        end_time,
    )


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
