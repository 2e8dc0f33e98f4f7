"""Word transcripts (.docx): paragraphs and speaker|text tables, in body order.

Paragraphs are read as the lines of a transcript and go through the same
structural test as plain text (``speakers.find_labels``). Bold words at the start
of a paragraph mark a label even without a colon (``**Interviewer**`` or
``**Interviewer:**``), and a bold name alone in its paragraph starts the turn
that the following paragraphs continue. Two-column tables whose first column
holds speakers are read row by row (a header row such as ``Speaker | Text`` is
skipped; a leading time column too).
"""

from __future__ import annotations

import io
from typing import Any

from pdcode.errors import InputError, Reasons
from pdcode.ingest.decode import normalise
from pdcode.ingest.guard import check_zip
from pdcode.ingest.labels import Label, has_label_shape, parse_timestamp
from pdcode.ingest.layout import Piece, compose
from pdcode.ingest.model import Document, ReadOptions
from pdcode.ingest.speakers import find_labels
from pdcode.ingest.turns import is_footer
from pdcode.limits import over

_HEADER_FIRST = {"speaker", "name", "who", "participant", "person"}
_HEADER_TEXT = {"text", "transcript", "utterance", "speech", "content", "response", "words"}


def read_docx(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    check_zip(data, name, options, "a Word document")
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        raw = list(_bounded(_body(document), name, options.limits.source_chars))
    except InputError:
        raise
    except Exception as exc:  # python-docx raises many types for a broken package
        raise InputError(name, Reasons.BAD_DOCX.format(detail=type(exc).__name__)) from None
    pieces = _pieces(raw, options)
    if not pieces:
        raise InputError(name, Reasons.NO_TEXT)
    text, turns = compose(pieces, options, joiner="\n\n", unlabelled_each=True)
    return [Document(name=name, format="docx", text=text, turns=turns)]


def _bounded(items: Any, name: str, limit: int) -> Any:
    """The body's items, refused as soon as their text passes ``limit`` characters."""
    total = 0
    for item in items:
        total += len(item[2]) + (len(item[1] or "") if item[0] == "row" else 0)
        if total > limit:
            raise InputError(name, over("text", limit, "characters", "source_chars"))
        yield item


def _body(document: Any) -> Any:
    """(kind, bold_label, plain_text) for each paragraph and table row, in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield _paragraph(Paragraph(element, document))
        elif tag == "tbl":
            yield from _table(Table(element, document))


def _paragraph(paragraph: Any) -> tuple[str, Label | None, str]:
    """The paragraph's text, and the label its leading bold words make, if any."""
    text = normalise(paragraph.text)
    bold: list[str] = []
    for run in paragraph.runs:
        if not run.text.strip() and not bold:
            continue
        if run.bold:
            bold.append(run.text)
        else:
            break
    label = normalise("".join(bold), counted=False).strip()
    cleaned = label.rstrip(":").strip()
    lead = len(text) - len(text.lstrip())
    if not cleaned or not text[lead:].startswith(label) or not has_label_shape(cleaned, True):
        return ("para", None, text)
    rest = lead + len(label)
    colon = label.endswith(":")
    while rest < len(text) and text[rest] in " \t:":
        colon = colon or text[rest] == ":"
        rest += 1
    # Bold before words is as good as a colon; a bold name alone without one is
    # taken only if it recurs (a one-off bold line is more likely a heading).
    return ("para", Label(cleaned, rest, None, colon=colon or rest < len(text)), text)


def _table(table: Any) -> Any:
    rows = [[normalise(c.text).strip() for c in row.cells] for row in table.rows]
    width = max((len(r) for r in rows), default=0)
    if width < 2:
        for row in rows:
            yield ("para", None, " ".join(row))
        return
    offset = 0
    # A leading column of timestamps, as some transcription services export.
    if width >= 3 and all(_is_time(r[0]) for r in rows[1:] if r[0]):
        offset = 1
    body = rows
    head = [c.casefold().rstrip(":") for c in rows[0][offset : offset + 2]] if rows else []
    if len(head) == 2 and head[0] in _HEADER_FIRST and head[1] in _HEADER_TEXT:
        body = rows[1:]
    speakers = [r[offset] for r in body if len(r) > offset + 1]
    if speakers and sum(has_label_shape(s.rstrip(":")) for s in speakers if s) >= 0.8 * len(
        [s for s in speakers if s]
    ):
        for row in body:
            speaker = row[offset].rstrip(":").strip() or None
            words = " ".join(c for c in row[offset + 1 :] if c)
            time = parse_timestamp(row[0]) if offset and _is_time(row[0]) else None
            yield ("row", speaker, words, time)
    else:
        for row in rows:
            yield ("para", None, " | ".join(c for c in row if c))


def _is_time(cell: str) -> bool:
    try:
        parse_timestamp(cell.strip("[]() "))
    except ValueError:
        return False
    return ":" in cell


def _pieces(raw: list[Any], options: ReadOptions) -> list[Piece]:
    """Decide which paragraphs start turns (bold or plain labels), then make pieces."""
    lines = ["" if item[0] == "row" else item[2] for item in raw]
    marked = {i: item[1] for i, item in enumerate(raw) if item[0] == "para" and item[1]}
    labels = find_labels(lines, marked, dict(options.speaker_map), paragraphs=True)
    # Closing paragraphs such as "END OF INTERVIEW" or "Jo Bell stopped
    # transcription" are nobody's words.
    end = len(raw)
    while (
        end > 0
        and raw[end - 1][0] == "para"
        and end - 1 not in labels
        and (not lines[end - 1].strip() or is_footer(lines[end - 1]))
    ):
        end -= 1
    pieces = []
    for i, item in enumerate(raw[:end]):
        if item[0] == "row":
            pieces.append(Piece(item[1], item[2], item[3], cue=True))
            continue
        label = labels.get(i)
        if label is None:
            pieces.append(Piece(None, item[2]))
        else:
            pieces.append(Piece(label.speaker, item[2][label.content_start :], label.time))
    return pieces
