"""Regexes searched over many segments at once.

Every search is a few Python calls whatever the text's length, so a batch's
segments are joined by ``SEPARATOR`` and searched as one text; a match is mapped
back to its segment by offset, and one that straddles a separator is no match
(its segments are searched one by one instead). ``autocode`` keeps the first
match of each rule in each segment.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate
from operator import itemgetter

from pdcode.codebook.dialect import LinearRegex, Subject

# Between segments of a batch: a line break stops ".", and NUL occurs in no text.
SEPARATOR = "\n\x00\n"


class Batch:
    """Segments joined by ``SEPARATOR``, as RE2 reads them (UTF-8) and one by one."""

    def __init__(
        self, texts: list[str], joined: str | None = None, steps: Sequence[int] | None = None
    ) -> None:
        self.texts = texts
        self.joined = SEPARATOR.join(texts) if joined is None else joined
        # each text's length and the separator's: where the next one starts
        self.steps = [len(t) + len(SEPARATOR) for t in texts] if steps is None else steps
        self.starts = list(accumulate(self.steps, initial=0))[: len(texts)]
        self._subjects: dict[int, Subject] = {}
        self._joined: Subject | None = None

    def view(self, indices: list[int]) -> Batch:
        """Some of the segments, joined on their own."""
        pick = itemgetter(*indices)
        texts, steps = (
            (list(pick(self.texts)), pick(self.steps))
            if len(indices) > 1
            else ([self.texts[indices[0]]], [self.steps[indices[0]]])
        )
        return Batch(texts, None, steps)

    def subject(self, i: int) -> Subject:
        found = self._subjects.get(i)
        if found is None:
            found = self._subjects[i] = Subject(self.texts[i])
        return found

    def joined_subject(self) -> Subject:
        if self._joined is None:
            self._joined = Subject(self.joined)
        return self._joined

    def bounds(self, position: int) -> tuple[int, int]:
        """The segment a position of the joined text lies in, as (start, end)."""
        i = bisect_right(self.starts, position) - 1
        return self.starts[i], self.starts[i] + len(self.texts[i])


def search_each(
    pattern: LinearRegex, batch: Batch, indices: Iterable[int]
) -> dict[int, tuple[int, int]]:
    found = {}
    for i in indices:
        span = pattern.search(batch.subject(i))
        if span is not None:
            found[i] = span
    return found


def joined_matches(pattern: LinearRegex, batch: Batch) -> dict[int, tuple[int, int]]:
    """The first match in each segment, from searches over the joined segments:
    after a segment's first match the search goes on at the next segment."""
    texts, starts = batch.texts, batch.starts
    subject = batch.joined_subject()
    found: dict[int, tuple[int, int]] = {}
    recheck: set[int] = set()
    position = 0
    while position <= len(batch.joined):
        span = pattern.search(subject, position, batch.bounds)
        if span is None:
            break
        start, end = span
        i = bisect_right(starts, start) - 1
        a, b = start - starts[i], end - starts[i]
        if b > len(texts[i]):
            # Crossed into the separator: the segments it touched are
            # searched one by one so no match is hidden behind it.
            last = bisect_right(starts, end - 1) - 1
            recheck.update(range(i, last + 1))
            position = max(end, start + 1)
            continue
        found.setdefault(i, (a, b))
        position = starts[i + 1] if i + 1 < len(starts) else len(batch.joined) + 1
    for i in sorted(recheck):
        again = pattern.search(batch.subject(i))
        if again is not None:
            found[i] = again
        else:
            found.pop(i, None)
    return found
