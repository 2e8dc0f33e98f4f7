"""Subtitle files: WebVTT (Zoom, Microsoft Teams) and SubRip (.srt).

Speakers come from Teams voice tags (``<v Surname, First (Role)>``) or from a
``Name:`` label at the start of the cue text (Zoom, most .srt). A cue without a
speaker continues the previous speaker; consecutive cues of one speaker merge
into one turn, timed from the first cue's start to the last cue's end.
"""

from __future__ import annotations

import html
import re

from pdcode.errors import InputError, Reasons
from pdcode.ingest.decode import decode_text
from pdcode.ingest.labels import parse_timestamp, split_label
from pdcode.ingest.layout import Piece, compose
from pdcode.ingest.model import Document, ReadOptions

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"<[^>]*>")


def read_vtt(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    text = decode_text(data, name)
    first = text.split("\n", 1)[0]
    if not first.startswith("WEBVTT"):
        raise InputError(name, Reasons.NO_VTT_HEADER)
    return [_document(name, "vtt", _cues(text, name, skip_header=True), options)]


def read_srt(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    text = decode_text(data, name)
    return [_document(name, "srt", _cues(text, name, skip_header=False), options)]


def _document(name: str, fmt: str, pieces: list[Piece], options: ReadOptions) -> Document:
    if not pieces:
        raise InputError(name, Reasons.NO_CUES)
    body, turns = compose(pieces, options, joiner=" ", unlabelled_each=False)
    return Document(name=name, format=fmt, text=body, turns=turns)


def _cues(text: str, name: str, skip_header: bool) -> list[Piece]:
    pieces: list[Piece] = []
    speaker: str | None = None
    lines = text.split("\n")
    i = 0
    block_start = True
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            block_start = True
            i += 1
            continue
        if block_start and skip_header and line.split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            while i < len(lines) and lines[i].strip():
                i += 1
            continue
        block_start = False
        if "-->" not in line:
            i += 1  # the WEBVTT header, a cue identifier or a stray line
            continue
        timing = _TIMING.match(line)
        if timing is None:
            raise InputError(name, Reasons.BAD_TIMING.format(line=i + 1))
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() and "-->" not in lines[i]:
            body.append(lines[i].strip())
            i += 1
        cue = " ".join(body)
        voice = _VOICE.search(cue)
        if voice is not None:
            speaker = " ".join(voice.group(1).split())
            words = _TAG.sub("", cue)
        else:
            words = _TAG.sub("", cue)
            label = split_label(words, any_case=False)
            if label is not None and label.colon:
                speaker, words = label.speaker, words[label.content_start :]
        words = " ".join(html.unescape(words).split())
        if words:
            start, end = (parse_timestamp(t) for t in timing.groups())
            pieces.append(Piece(speaker, words, start, end, cue=True))
    return pieces
