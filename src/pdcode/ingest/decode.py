"""Bytes to normalised text: the one place encodings are guessed.

Order: a BOM decides (UTF-8, UTF-16 LE/BE); otherwise strict UTF-8; otherwise, if
the bytes hold valid UTF-8 multibyte sequences, the file is broken UTF-8 (a
truncated or corrupt file) and is refused rather than mis-decoded; otherwise
strict Windows-1252, the legacy encoding of Word's "plain text" on Windows.

Control characters are dealt with here, once, before any offset is counted: line
and page breaks (VT, FF, NEL) become line ends, every other C0/C1 control (all but
tab and LF), the non-characters U+FFFE/U+FFFF and lone surrogates are removed. No
spreadsheet, Word document or XML file can hold them, so a transcript with any
would import and then break every export. ``count_removed`` tallies them per file.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from pdcode.errors import InputError, Reasons

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
# Control characters that never occur in a transcript (tab, LF, CR, FF and VT, a
# line break pasted from Word, are fine): more than a few means binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n?|\u2028|\u2029")
# Vertical tab (Word's manual line break, pasted), form feed (page break) and NEL.
_BREAKS = re.compile(r"[\x0b\x0c\x85]")
# Every other control but tab and LF (CR is a line end by then), the two
# non-characters and lone surrogates: nothing XML, xlsx or docx can hold.
_UNWANTED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
# Any character one of the three above (or _CONTROL) would find: one scan that
# finds none, as in almost every file, saves the others' scans of the whole text.
_ODD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
# For readers that normalise with an offset map of their own (REFI-QDA sources).
LINE_BREAKS, UNWANTED = _BREAKS, _UNWANTED


@dataclass
class Removed:
    """How many control characters ``normalise`` removed or turned into line ends."""

    count: int = 0


_TALLY: ContextVar[Removed | None] = ContextVar("pdcode_removed_controls", default=None)


@contextmanager
def count_removed() -> Iterator[Removed]:
    """Count the control characters every ``normalise`` call inside removes (the
    import of one file reports the total in a note)."""
    tally = Removed()
    token = _TALLY.set(tally)
    try:
        yield tally
    finally:
        _TALLY.reset(token)


def normalise(text: str, counted: bool = True) -> str:
    """NFC, LF line ends, no BOM, no control characters but tab and LF: the form
    every offset in pdcode counts in. ``counted=False`` for a second look at text
    already counted (a bold label inside its paragraph)."""
    text = text.removeprefix("\ufeff")
    if _ODD.search(text) is None:
        return unicodedata.normalize("NFC", text)
    text = _NEWLINES.sub("\n", text)
    text, breaks = _BREAKS.subn("\n", text)
    text, removed = _UNWANTED.subn("", text)
    tally = _TALLY.get()
    if counted and tally is not None:
        tally.count += breaks + removed
    return unicodedata.normalize("NFC", text)


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file's bytes and normalise; ``InputError`` when it is not text."""
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[3:], "utf-8", name)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16", name)
    else:
        if b"\x00" in data:
            raise InputError(name, Reasons.BINARY)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if _UTF8_MULTIBYTE.search(data):
                raise InputError(name, Reasons.BAD_UTF8.format(offset=exc.start)) from None
            text = _strict(data, "cp1252", name)
    if _ODD.search(text) and len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise InputError(name, Reasons.BINARY)
    text = normalise(text)
    if not text.strip():
        raise InputError(name, Reasons.NO_TEXT)
    return text


def read_text(path: Path) -> str:
    """A text file (a manifest, a codings table) read and decoded like a transcript;
    regular files only (see `pdcode.ingest.regular`)."""
    from pdcode.ingest.regular import read_regular

    return decode_text(read_regular(path), str(path))


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8":
            # Offsets count from after the BOM the caller removed.
            raise InputError(name, Reasons.BAD_UTF8.format(offset=exc.start + 3)) from None
        raise InputError(name, Reasons.UNDECODABLE) from None
