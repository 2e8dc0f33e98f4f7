"""Plain text and Markdown transcripts: the file's own text, turns pointing into it."""

from __future__ import annotations

from pathlib import PurePath

from pdcode.ingest.decode import decode_text
from pdcode.ingest.model import Document, ReadOptions
from pdcode.ingest.speakers import parse_turns


def read_plain(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    text = decode_text(data, name)
    fmt = PurePath(name).suffix.lower().lstrip(".") or "txt"
    return [
        Document(
            name, fmt, text, parse_turns(text, options.interviewers, dict(options.speaker_map))
        )
    ]
