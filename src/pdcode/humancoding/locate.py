"""Finding a quoted excerpt in a source's text, forgiving how it was copied.

Quotes pasted from Word or a PDF differ from the stored text in small ways: curly
or straight quote marks, dashes, non-breaking spaces, line breaks, an ellipsis
written as three dots. Both texts are folded to a canonical form with a map back
to the original positions, so the span returned is always in the stored text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_FOLD = str.maketrans(
    {
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
        "“": '"', "”": '"', "„": '"', "″": '"',
        "–": "-", "—": "-", "‒": "-", "−": "-", "‐": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    }
)  # fmt: skip


_QUOTE_MARKS = "\"'“”‘’„«»"


@dataclass(frozen=True)
class QuoteMatch:
    start: int
    end: int
    occurrences: int  # how many places the quote fits


def _fold(text: str, lower: bool) -> tuple[str, list[int]]:
    """Canonical text (whitespace runs as one space) and each character's origin."""
    out: list[str] = []
    origin: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        chars = "..." if ch == "…" else ch.translate(_FOLD)
        for c in chars:
            if c.isspace():
                pending_space = bool(out)
                continue
            if pending_space:
                out.append(" ")
                origin.append(i)
                pending_space = False
            out.append(c.lower() if lower else c)
            origin.append(i)
    return "".join(out), origin


class Locator:
    """Folds a text once, then finds many quotes in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded = {lower: _fold(text, lower) for lower in (False, True)}

    def find(self, quote: str, occurrence: int | None = None) -> QuoteMatch | None:
        # A pasted quote often keeps the quotation marks around it.
        quote = unicodedata.normalize("NFC", quote).strip().strip(_QUOTE_MARKS).strip()
        for lower in (False, True):  # exact case first, then any case
            folded, origin = self._folded[lower]
            needle = _fold(quote, lower)[0]
            if not needle:
                return None
            starts = []
            pos = folded.find(needle)
            while pos != -1:
                starts.append(pos)
                pos = folded.find(needle, pos + 1)
            if starts:
                pick = starts[occurrence or 0] if (occurrence or 0) < len(starts) else starts[0]
                end = origin[pick + len(needle) - 1] + 1
                return QuoteMatch(origin[pick], end, len(starts))
        return None


def locate_quote(text: str, quote: str, occurrence: int | None = None) -> QuoteMatch | None:
    """The span of ``quote`` in ``text`` (see the module docstring), or None."""
    return Locator(text).find(quote, occurrence)
