"""The one error catalogue of pdcode.

Every failure a user can cause is a ``PdcodeError``; the CLI has a single handler
that prints ``Error: <message>`` and exits with ``exit_code``. Messages never quote
interview text: a file name, a line number and a reason are enough to act on.
"""

from __future__ import annotations

import os
from pathlib import Path


class PdcodeError(Exception):
    """Base class: a problem the user can fix. Exit status 1 unless stated."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(PdcodeError):
    """The command was called wrongly (bad option value, missing argument)."""

    exit_code = 2


class InputError(PdcodeError):
    """A file that cannot be read as what it claims to be.

    ``path`` names the file and ``reason`` says why in one line, so a batch can
    report it and move on.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ProjectError(PdcodeError):
    """The project file is missing, of an unknown schema version, or locked."""


class StorageError(ProjectError):
    """The project's database cannot be read or written at all: read-only, full,
    locked past the timeout, damaged, or not a database. Nothing more can be done
    in this run, so a batch stops here rather than failing every remaining file."""


class ConflictError(PdcodeError):
    """An import would overwrite different content without ``--replace``, or another
    command changed the same data at the same moment (running it again succeeds)."""


class CodebookError(PdcodeError):
    """A codebook cannot be loaded or used."""


_DEBUG = {"on": False}


def set_debug(on: bool) -> None:
    """Set by the CLI from ``--debug``: unexpected errors are re-raised with their
    traceback instead of being reported in one line."""
    _DEBUG["on"] = on


def debugging() -> bool:
    """Whether ``--debug`` (or ``PDCODE_DEBUG``) asks for tracebacks of unexpected
    errors, which a batch (``import``) otherwise reports as one file's failure."""
    return _DEBUG["on"] or bool(os.environ.get("PDCODE_DEBUG"))


# The catalogue of reasons a file is rejected on import. Keeping the wording in
# one place keeps messages consistent across readers and lets tests match them.
class Reasons:
    EMPTY = "empty file"
    NOT_REGULAR = "{kind}, not a regular file; not read"
    LINK_OUTSIDE = "a link to outside the folder; not read"
    BROKEN_LINK = "a link to nothing (its target does not exist); not read"
    TOO_LARGE = "file is {size:,} bytes, over the limit of {limit:,} bytes (see --max-size)"
    BINARY = "binary data, not text"
    UNDECODABLE = "cannot decode text: not UTF-8, UTF-16 or Windows-1252"
    BAD_UTF8 = "invalid UTF-8 at byte {offset} (corrupt or truncated file)"
    NOT_ZIP = "not {kind} (not a zip archive)"
    BAD_ZIP = "corrupt or truncated zip archive"
    ZIP_BOMB = "archive expands to {size:,} bytes (ratio {ratio:.0f}:1), refused as a zip bomb"
    ZIP_MEMBERS = "archive has {count:,} members, over the limit of {limit:,}"
    ZIP_MEMBER = "damaged archive: member {member} cannot be unpacked ({detail})"
    ZIP_NAME = "refused: member {member} leaves the archive"
    XML_MALFORMED = "{what} is not well-formed XML ({detail})"
    XML_DTD = "refused: {what} declares a DTD or entities (never resolved)"
    BAD_DOCX = "not a valid Word document ({detail})"
    NO_VTT_HEADER = "not a WebVTT file: the first line must be WEBVTT"
    BAD_TIMING = "line {line}: malformed cue timing"
    NO_CUES = "no subtitle cues found"
    NO_TEXT = "no text found"
    UNSUPPORTED = "unsupported file type {suffix!r} (supported: {supported})"
    NO_TEXT_COLUMN = "no column {column!r} (columns: {columns})"
    NO_ID_COLUMN = "no id column {column!r} (columns: {columns})"
    DUPLICATE_ID = "row {row}: duplicate id {value!r} in column {column!r}"
    BAD_TABLE = "cannot read table ({detail})"
