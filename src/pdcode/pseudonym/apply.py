"""Replacing names in text: whole words, longest first, with an offset map.

A name matches only where it stands as a whole word: never inside another word
(``Ana`` is never replaced in ``analysis`` or ``Banana``), with no letter, digit,
mark or underscore touching it on either side; a possessive (``Ana's``) still
matches, since the apostrophe is not a letter. The words of a name match across
any whitespace, so a name wrapped over two lines of a transcript is still found.
A name matches as written in the key and in capitals (``ANA``, as some
transcripts write labels), never in other cases: ``Will`` or ``Mark`` in lower
case are ordinary words. Where names overlap, the one starting first wins, and
of those starting together the longest (``Oakfield Primary School`` before
``Oakfield``).

Replacing changes lengths, so every replacement is recorded; `Replaced` maps an
offset in the original text to one in the pseudonymised text, and a span
boundary inside a replaced name moves outward to the replacement's edges, so a
span never holds half a name.
"""

from __future__ import annotations

import dataclasses
import numbers
import sys
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

WORD = r"[\p{L}\p{M}\p{N}_]"  # what may not touch a name on either side
# Pairs of (start, end, text) fields a row may carry: the text is the source's
# text between start and end, so it is cut again from the pseudonymised text.
SPANS = (("start", "end", "text"), ("match_start", "match_end", "matched"))
_CACHED = 200  # strings shorter than this (names, labels, cells) are remembered


def normal(name: str) -> str:
    """A name with its whitespace made single spaces: how names are compared."""
    return " ".join(name.split())


class Matcher:
    """Finds names in text as whole words, in one pass of one compiled pattern."""

    def __init__(self, names: Sequence[str]) -> None:
        self._index: dict[str, int] = {}
        for i, name in enumerate(names):
            self._index.setdefault(normal(name), i)
        # Capitals second, so a name written in capitals in the key keeps its own row.
        for i, name in enumerate(names):
            self._index.setdefault(normal(name).upper(), i)
        self._index.pop("", None)
        # The regex engine tries alternatives in order at each position: longest first.
        forms = sorted(self._index, key=lambda f: (-len(f), f))
        body = "|".join(r"\s+".join(regex.escape(w) for w in f.split(" ")) for f in forms)
        self._pattern = regex.compile(rf"(?<!{WORD})(?:{body})(?!{WORD})") if forms else None

    def finditer(self, text: str) -> Iterator[tuple[int, int, int]]:
        """(start, end, index of the name) of every match, left to right."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            yield match.start(), match.end(), self._index[normal(match.group())]


@dataclass(frozen=True)
class Replaced:
    """A pseudonymised text and where each replacement was, before and after."""

    text: str
    old_starts: tuple[int, ...] = ()
    old_ends: tuple[int, ...] = ()
    new_starts: tuple[int, ...] = ()
    new_ends: tuple[int, ...] = ()

    def _place(self, offset: int) -> tuple[int, bool]:
        """How many replacements end at or before ``offset``, and whether ``offset``
        lies strictly inside the next one."""
        done = bisect_right(self.old_ends, offset)
        inside = done < len(self.old_starts) and self.old_starts[done] < offset
        return done, inside

    def _shift(self, done: int) -> int:
        return self.new_ends[done - 1] - self.old_ends[done - 1] if done else 0

    def start(self, offset: int) -> int:
        """Where a span starting at ``offset`` starts now (inside a name: its start)."""
        done, inside = self._place(offset)
        return self.new_starts[done] if inside else offset + self._shift(done)

    def end(self, offset: int) -> int:
        """Where a span ending at ``offset`` ends now (inside a name: its end)."""
        done, inside = self._place(offset)
        return self.new_ends[done] if inside else offset + self._shift(done)


class Pseudonymiser:
    """Replaces each original with its replacement, in any text."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._matcher = Matcher([original for original, _ in pairs])
        self._replacements = [replacement for _, replacement in pairs]
        self._cache: dict[str, str] = {}

    def replace(self, text: str) -> Replaced:
        parts: list[str] = []
        old_starts, old_ends, new_starts, new_ends = [], [], [], []
        done = length = 0
        for start, end, index in self._matcher.finditer(text):
            parts.append(text[done:start])
            length += start - done
            replacement = self._replacements[index]
            old_starts.append(start)
            old_ends.append(end)
            new_starts.append(length)
            parts.append(replacement)
            length += len(replacement)
            new_ends.append(length)
            done = end
        if not old_starts:
            return Replaced(text)
        parts.append(text[done:])
        return Replaced(
            "".join(parts),
            tuple(old_starts),
            tuple(old_ends),
            tuple(new_starts),
            tuple(new_ends),
        )

    def text(self, value: str) -> str:
        if len(value) >= _CACHED:
            return self.replace(value).text
        found = self._cache.get(value)
        if found is None:
            found = self._cache[value] = self.replace(value).text
        return found


class Sharer:
    """What an export writes, pseudonymised: every string, in rows, records
    (frozen dataclasses), tuples, lists and DataFrames alike, so nothing a writer
    is handed escapes. A row naming its ``source`` with offsets has them mapped
    into the pseudonymised source text (given in ``texts``, by source name) and
    its text cut again from it; its other cells are replaced like any string.
    Mapping keys (column names) are left as they are."""

    def __init__(self, pseudonymiser: Pseudonymiser, texts: Mapping[str, str] | None = None):
        self.pseudonymiser = pseudonymiser
        self._texts = texts or {}
        self._sources: dict[str, Replaced | None] = {}

    def source(self, name: str) -> Replaced | None:
        """A source's text pseudonymised, with its offset map (None if unknown)."""
        if name not in self._sources:
            text = self._texts.get(name)
            self._sources[name] = None if text is None else self.pseudonymiser.replace(text)
        return self._sources[name]

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.pseudonymiser.text(value)
        if value is None or isinstance(value, (bool, numbers.Number, bytes)):
            return value
        if isinstance(value, Mapping):
            return self.row(value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = [f.name for f in dataclasses.fields(value) if f.init]
            return dataclasses.replace(value, **{f: self(getattr(value, f)) for f in fields})
        pandas = sys.modules.get("pandas")  # a DataFrame can only come from a loaded pandas
        if pandas is not None and isinstance(value, pandas.DataFrame):
            return self._frame(value)
        return value

    def row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(row)
        source = row.get("source")
        mapped = self.source(source) if isinstance(source, str) else None
        done: set[str] = set()
        for start_key, end_key, text_key in SPANS if mapped is not None else ():
            start, end = row.get(start_key), row.get(end_key)
            if not (_offset(start) and _offset(end)):
                continue
            assert mapped is not None and start is not None and end is not None
            out[start_key], out[end_key] = mapped.start(int(start)), mapped.end(int(end))
            done |= {start_key, end_key}
            if text_key in row:
                out[text_key] = mapped.text[out[start_key] : out[end_key]]
                done.add(text_key)
        for key, value in row.items():
            if key not in done:
                out[key] = self(value)
        return out

    def _frame(self, frame: Any) -> Any:
        out = frame.copy()
        out.index = out.index.map(self)
        out.columns = out.columns.map(self)
        for column in out.columns:
            if out[column].dtype == object:
                out[column] = out[column].map(self)
        return out


def _offset(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
