"""Readers: one per format, each turning bytes into ``Document`` records.

Nothing outside this package knows file formats. ``load`` reads a file once,
fingerprints the original bytes and hands them to the reader for its suffix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from pdcode.errors import InputError, Reasons
from pdcode.ingest.model import Document, LoadedFile, ReadOptions, Turn
from pdcode.ingest.regular import read_regular

Reader = Callable[[bytes, str, ReadOptions], list[Document]]

__all__ = ["SUFFIXES", "Document", "LoadedFile", "ReadOptions", "Turn", "load", "reader_for"]

# Suffix -> (module, function). Imported lazily so `pdcode --help` stays fast.
_READERS: dict[str, tuple[str, str]] = {
    ".txt": ("pdcode.ingest.plain", "read_plain"),
    ".md": ("pdcode.ingest.plain", "read_plain"),
    ".docx": ("pdcode.ingest.word", "read_docx"),
    ".vtt": ("pdcode.ingest.captions", "read_vtt"),
    ".srt": ("pdcode.ingest.captions", "read_srt"),
    ".csv": ("pdcode.ingest.survey", "read_csv"),
    ".xlsx": ("pdcode.ingest.survey", "read_xlsx"),
}
SUFFIXES: tuple[str, ...] = tuple(_READERS)


def reader_for(path: str | Path) -> Reader:
    """The reader for a file's suffix, or an ``InputError`` naming the file."""
    import importlib

    suffix = Path(path).suffix.lower()
    if suffix not in _READERS:
        raise InputError(
            path, Reasons.UNSUPPORTED.format(suffix=suffix, supported=", ".join(SUFFIXES))
        )
    module, func = _READERS[suffix]
    reader: Reader = getattr(importlib.import_module(module), func)
    return reader


def _interviewer(doc: Document, options: ReadOptions) -> Document:
    """The document with its interviewer found from who asks, where no label says."""
    from dataclasses import replace

    from pdcode.ingest.turns import infer_interviewer

    turns, note = infer_interviewer(doc.text, doc.turns, dict(options.speaker_map))
    if note is None:
        return doc
    return replace(doc, turns=turns, notes=(*doc.notes, note))


def load(path: str | Path, options: ReadOptions | None = None) -> LoadedFile:
    """Read, fingerprint and parse one file. Raises ``InputError`` on bad input."""
    options = options or ReadOptions()
    path = Path(path)
    reader = reader_for(path)
    # Regular files only (a FIFO or /dev/zero would never end), read within the limit.
    data = read_regular(path, options.max_bytes)
    if not data:
        raise InputError(path, Reasons.EMPTY)
    try:
        documents = reader(data, path.name, options)
    except InputError as exc:
        # Readers name the file by its bare name; report the path the user gave.
        raise InputError(path, exc.reason) from exc
    if not documents:
        raise InputError(path, Reasons.NO_TEXT)
    for doc in documents:
        # Plain text is bounded by --max-size; this bounds what any reader made.
        if len(doc.text) > options.limits.source_chars:
            from pdcode.limits import over

            what = f"source {doc.name!r}" if doc.name != path.name else "text"
            raise InputError(
                path, over(what, options.limits.source_chars, "characters", "source_chars")
            )
    documents = [_interviewer(doc, options) for doc in documents]
    return LoadedFile(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        documents=tuple(documents),
    )
