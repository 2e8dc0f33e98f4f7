"""What a reader made of a document, and the doubts worth a warning.

Real transcripts are messier than any test file: a label style the reader did
not recognise turns a whole interview into one interviewer turn, or into
unlabelled paragraphs whose questions would be coded as answers. pdcode cannot
always know it misread a file, but it can see the shapes that usually mean so,
and say so per file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pdcode.ingest.model import Document

# Formats without speakers: one response per source is what they are.
SPEAKERLESS_FORMATS = frozenset({"csv", "xlsx"})
PREAMBLE_SHARE = 0.5


@dataclass(frozen=True)
class SpeakerCount:
    speaker: str | None
    turns: int
    interviewer: bool


@dataclass(frozen=True)
class DocumentCheck:
    """Turns and speakers found in one document, with warnings."""

    name: str
    turns: int
    respondent_turns: int
    respondent_words: int
    words: int
    preamble_words: int
    speakers: tuple[SpeakerCount, ...]
    warnings: tuple[str, ...]


def _words(text: str) -> int:
    return len(text.split())


def check_document(doc: Document) -> DocumentCheck:
    """Counts for ``doc`` and a warning for each shape that suggests a misreading."""
    counts: Counter[tuple[str | None, bool]] = Counter(
        (t.speaker, t.is_interviewer) for t in doc.turns
    )
    speakers = tuple(
        SpeakerCount(s, n, i)
        for (s, i), n in sorted(counts.items(), key=lambda x: (-x[1], str(x[0][0]), x[0][1]))
    )
    respondent = [t for t in doc.turns if not t.is_interviewer]
    respondent_words = sum(_words(doc.text[t.start : t.end]) for t in respondent)
    words = _words(doc.text)
    first = min((t.start for t in doc.turns), default=len(doc.text))
    preamble = _words(doc.text[:first])
    named = [s for s in speakers if s.speaker is not None]
    warnings: list[str] = list(doc.notes)
    if words and not respondent:
        warnings.append(
            "no respondent turn: every turn was read as the interviewer's "
            "(map the labels with --speaker-map)"
        )
    if doc.format not in SPEAKERLESS_FORMATS:
        if not named and doc.turns:
            warnings.append(
                "no speaker labels found: each paragraph is a turn of nobody, so "
                "questions would be coded as answers (see --speaker-map)"
            )
        elif len({s.speaker for s in named}) == 1:
            warnings.append(f"one speaker only ({named[0].speaker!r}): labels may be misread")
    if words and preamble > PREAMBLE_SHARE * words:
        warnings.append(
            f"{100 * preamble / words:.0f}% of the words are in the preamble, "
            "before the first speaker label"
        )
    return DocumentCheck(
        name=doc.name,
        turns=len(doc.turns),
        respondent_turns=len(respondent),
        respondent_words=respondent_words,
        words=words,
        preamble_words=preamble,
        speakers=speakers,
        warnings=tuple(warnings),
    )
