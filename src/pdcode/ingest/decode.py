"""Bytes to normalised text: the one place encodings are guessed.

Order: a BOM decides (UTF-8, UTF-16 LE/BE); otherwise strict UTF-8; otherwise, if
the bytes hold valid UTF-8 multibyte sequences, the file is broken UTF-8 (a
truncated or corrupt file) and is refused rather than mis-decoded; otherwise
strict Windows-1252, the legacy encoding of Word's "plain text" on Windows.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from pdcode.errors import InputError, Reasons

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
# Control characters that never occur in a transcript (tab, LF, CR, FF are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NEWLINES = re.compile(r"\r\n?|\u2028|\u2029")


def normalise(text: str) -> str:
    """NFC, LF line ends, no BOM: the form every offset in pdcode counts in."""
    text = text.removeprefix("\ufeff")
    return unicodedata.normalize("NFC", _NEWLINES.sub("\n", text))


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
    if len(_CONTROL.findall(text)) > max(2, len(text) // 1000):
        raise InputError(name, Reasons.BINARY)
    text = normalise(text)
    if not text.strip():
        raise InputError(name, Reasons.NO_TEXT)
    return text


def read_text(path: Path) -> str:
    """A text file (a manifest, a codings table) read and decoded like a transcript."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None
    return decode_text(raw, str(path))


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8":
            # Offsets count from after the BOM the caller removed.
            raise InputError(name, Reasons.BAD_UTF8.format(offset=exc.start + 3)) from None
        raise InputError(name, Reasons.UNDECODABLE) from None
