"""Speaker labels: which lines of a document start a turn.

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

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from pdcode.ingest.labels import (
    SENTENCE_END,
    Label,
    has_label_shape,
    is_capitalised,
    is_metadata,
    is_strong,
    key,
    speechlike,
    split_label,
)
from pdcode.ingest.model import SpeakerRole


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
        return speechlike(text) if text else _followed_by_text(lines, i, cands)

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
        # Where a line stands is checked first: it rules out almost every line
        # before its words are split.
        if (
            i in cands
            or (i > 0 and lines[i - 1].strip())
            or i + 1 >= len(lines)
            or not lines[i + 1].strip()
        ):
            continue
        name = " ".join(line.split())
        if (
            not name
            or len(name.split()) > BARE_WORDS
            or name.endswith((".", "?", "!", ",", ";", ":", "]", ")"))
            or not has_label_shape(name)
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
    return not before or (not blank_only and before.endswith(SENTENCE_END))


def _followed_by_text(lines: Sequence[str], i: int, cands: Mapping[int, Label]) -> bool:
    """A label alone on its line: is the next non-blank line speech (not a label)?"""
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return j not in cands
    return False
