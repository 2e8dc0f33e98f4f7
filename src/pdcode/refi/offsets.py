"""How a producer counted selection positions, and conversion to pdcode's.

The standard counts code points from 0 over the plain text as stored. Real
files differ: NVivo counts UTF-16 code units over text that keeps its BOM and
CRLF line ends. A convention here is (unit, counts the BOM, counts CR of CRLF);
``detect`` tries each over every selection of a file and keeps the one whose
selections best land where a coder would put them — on the text named by the
selection, or on word boundaries — preferring the standard on a tie. ``convert``
then maps positions to code points in pdcode's normalised text (NFC, LF, no BOM).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

from pdcode.ingest.decode import LINE_BREAKS, UNWANTED


@dataclass(frozen=True)
class Convention:
    unit: str  # "codepoint" or "utf16"
    bom: bool  # a leading BOM takes a position
    crlf: bool  # the CR of a CRLF pair takes a position

    def __str__(self) -> str:
        return f"{self.unit}{'+bom' if self.bom else ''}{'+crlf' if self.crlf else ''}"


STANDARD = Convention("codepoint", True, True)
CONVENTIONS = tuple(
    Convention(u, b, c) for u, b, c in product(("codepoint", "utf16"), (True, False), (True, False))
)


def normalise_with_map(raw: str) -> tuple[str, list[int]]:
    """pdcode's normal form of ``raw`` and, for every raw index (and the end),
    its index in the normal form."""
    out: list[str] = []
    where = [0] * (len(raw) + 1)
    i = 0
    while i < len(raw):
        ch = raw[i]
        if i == 0 and ch == "\ufeff":
            i += 1
            continue
        where[i] = len(out)
        if ch == "\r" and i + 1 < len(raw) and raw[i + 1] == "\n":
            where[i + 1] = len(out)
            out.append("\n")
            i += 2
            continue
        if UNWANTED.match(ch):
            i += 1  # removed, as on every import (ingest.decode.normalise)
            continue
        out.append("\n" if ch in "\r\u2028\u2029" or LINE_BREAKS.match(ch) else ch)
        i += 1
    where[len(raw)] = len(out)
    stage = "".join(out)
    composed = unicodedata.normalize("NFC", stage)
    if composed == stage:
        return composed, where
    # Composition merges characters: normalise each run that starts at a
    # non-combining character and map its characters into the composed run.
    inner = [0] * (len(stage) + 1)
    pieces: list[str] = []
    size = 0
    start = 0
    for j in range(1, len(stage) + 1):
        if j == len(stage) or unicodedata.combining(stage[j]) == 0:
            piece = unicodedata.normalize("NFC", stage[start:j])
            for k in range(start, j):
                inner[k] = size + min(k - start, len(piece) - 1)
            pieces.append(piece)
            size += len(piece)
            start = j
    inner[len(stage)] = size
    return "".join(pieces), [inner[w] for w in where]


def _counts(raw: str, convention: Convention) -> list[int]:
    """Positions before each raw index under ``convention`` (cumulative)."""
    before = [0] * (len(raw) + 1)
    total = 0
    for i, ch in enumerate(raw):
        before[i] = total
        if i == 0 and ch == "\ufeff" and not convention.bom:
            continue
        if ch == "\r" and not convention.crlf and raw[i + 1 : i + 2] == "\n":
            continue
        total += 2 if convention.unit == "utf16" and ord(ch) > 0xFFFF else 1
    before[len(raw)] = total
    return before


def convert(
    raw: str, spans: Sequence[tuple[int, int]], convention: Convention
) -> tuple[str, list[tuple[int, int] | None]]:
    """The normal text and each span in its code points (None when out of range)."""
    text, where = normalise_with_map(raw)
    before = _counts(raw, convention)
    out: list[tuple[int, int] | None] = []
    for start, end in spans:
        if end == -1:  # a coding of the whole source
            out.append((0, len(text)))
            continue
        if not 0 <= start <= end <= before[-1]:
            out.append(None)
            continue
        a, b = bisect_left(before, start), bisect_left(before, end)
        out.append((where[a], where[b]))
    return text, out


def _score(text: str, span: tuple[int, int] | None, name: str) -> int:
    if span is None:
        return -4
    a, b = span
    if a >= b:
        return 0
    score = 0
    if name and " ".join(text[a:b].split()) == " ".join(name.split()):
        score += 3
    if a == 0 or not text[a - 1].isalnum() or not text[a].isalnum():
        score += 1
    if b == len(text) or not text[b].isalnum() or not text[b - 1].isalnum():
        score += 1
    return score


def detect(sources: Sequence[tuple[str, Sequence[tuple[int, int, str]]]]) -> Convention:
    """The convention under which the selections of all ``sources`` (raw text,
    [(start, end, name)]) land best; the standard wins ties."""
    best, best_score = STANDARD, None
    for convention in (STANDARD, *(c for c in CONVENTIONS if c != STANDARD)):
        total = 0
        for raw, selections in sources:
            text, spans = convert(raw, [(s, e) for s, e, _ in selections], convention)
            total += sum(
                _score(text, span, n) for span, (_, _, n) in zip(spans, selections, strict=True)
            )
        if best_score is None or total > best_score:
            best, best_score = convention, total
    return best
