"""Plain text and Markdown transcripts: the file's own text, turns pointing into it."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePath

from pdcode.ingest.decode import decode_text
from pdcode.ingest.model import Document, ReadOptions
from pdcode.ingest.turns import parse_turns

_SRT_START = re.compile(r"\A\s*\d+[ \t]*\n[ \t]*[\d:.,]+[ \t]*-->[ \t]*[\d:.,]+")


def read_plain(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    text = decode_text(data, name)
    # A caption file saved as text (a Zoom download renamed .txt) is read as the
    # captions it is, not as lines of cue numbers and timings.
    if text.startswith("WEBVTT") or _SRT_START.match(text):
        from pdcode.ingest.captions import read_srt, read_vtt

        reader = read_vtt if text.startswith("WEBVTT") else read_srt
        fmt = PurePath(name).suffix.lower().lstrip(".") or "txt"
        return [replace(doc, format=fmt) for doc in reader(data, name, options)]
    fmt = PurePath(name).suffix.lower().lstrip(".") or "txt"
    return [
        Document(
            name, fmt, text, parse_turns(text, options.interviewers, dict(options.speaker_map))
        )
    ]
