"""Word transcripts (.docx): paragraphs and speaker|text tables, in body order.

A paragraph starting with bold words shaped like a label (``Interviewer`` or
``Interviewer:``) is a labelled turn even if that speaker speaks once. A plain
``Name: text`` paragraph is a label when it is a conventional one or the speaker
recurs. Two-column tables whose first column holds speakers are read row by row
(a header row such as ``Speaker | Text`` is skipped; a leading time column too).
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from pdcode.errors import InputError, Reasons
from pdcode.ingest.decode import normalise
from pdcode.ingest.guard import check_zip
from pdcode.ingest.layout import Piece, compose
from pdcode.ingest.model import Document, ReadOptions
from pdcode.ingest.speakers import (
    has_label_shape,
    is_metadata,
    is_strong,
    key,
    parse_timestamp,
    split_label,
)

_HEADER_FIRST = {"speaker", "name", "who", "participant", "person"}
_HEADER_TEXT = {"text", "transcript", "utterance", "speech", "content", "response", "words"}


def read_docx(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    check_zip(data, name, options, "a Word document")
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        raw = list(_body(document))
    except InputError:
        raise
    except Exception as exc:  # python-docx raises many types for a broken package
        raise InputError(name, Reasons.BAD_DOCX.format(detail=type(exc).__name__)) from None
    pieces = _pieces(raw)
    if not pieces:
        raise InputError(name, Reasons.NO_TEXT)
    text, turns = compose(pieces, options.interviewers, joiner="\n\n", unlabelled_each=True)
    return [Document(name=name, format="docx", text=text, turns=turns)]


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


def _paragraph(paragraph: Any) -> tuple[str, str | None, str]:
    text = normalise(paragraph.text)
    bold: list[str] = []
    for run in paragraph.runs:
        if not run.text.strip() and not bold:
            continue
        if run.bold:
            bold.append(run.text)
        else:
            break
    label = "".join(bold).strip()
    if label:
        cleaned = label.rstrip(":").strip()
        if has_label_shape(cleaned) and not is_metadata(cleaned):
            rest = text.lstrip()[len(label) :].lstrip()
            return ("para", cleaned, rest.removeprefix(":").strip())
    return ("para", None, text)


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


def _pieces(raw: list[Any]) -> list[Piece]:
    """Decide which plain ``Name: text`` paragraphs are labels, then make pieces."""
    plain = {}
    for i, item in enumerate(raw):
        if item[0] == "para" and item[1] is None:
            found = split_label(item[2])
            if found is not None and not is_metadata(found.speaker):
                plain[i] = found
    counts = Counter(key(f.speaker) for f in plain.values())
    pieces = []
    for i, item in enumerate(raw):
        kind, speaker, words = item[0], item[1], item[2]
        if kind == "row":
            pieces.append(Piece(speaker, words, item[3]))
            continue
        found = plain.get(i)
        if found is not None and (is_strong(found.speaker) or counts[key(found.speaker)] >= 2):
            speaker, words = found.speaker, words[found.content_start :]
            pieces.append(Piece(speaker, words, found.time))
        else:
            pieces.append(Piece(speaker, words))
    return pieces
