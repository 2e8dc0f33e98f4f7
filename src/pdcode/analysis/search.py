"""Keyword in context: a word by its lemma forms, an exact phrase or a regex, found
in the turns of sources, each hit with the words around it and who said it.

A query is turned into one pattern of the codebook regex dialect and run on RE2
(``pdcode.codebook.dialect``), so every search, a user's regex included, takes
time linear in the text and is case-insensitive, as codebook regexes are:

- a word matches every word whose lemma is the query's, with the lemmas of the
  project's spaCy pipeline (``pdcode.nlp``), the same that codebook phrase rules
  match on: ``coach`` finds coach, coaches, coached and coaching. Rather than
  lemmatising the corpus, the forms are read once from the lookup table the
  pipeline is fed from (every form whose lemma is the query's), each checked
  against the pipeline's own table, and searched for as words;
- several words are a phrase of such words, one after the other;
- a phrase in double quotes matches exactly those words;
- a regex is the user's pattern (``--regex``).

Only the words of turns (paragraphs, for a source without turns) are searched:
a speaker label, a header or a time mark is never a hit. Offsets are code
points into the stored text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple

from pdcode.codebook.dialect import LinearRegex, Subject, compile_regex
from pdcode.codebook.regex_syntax import RegexProblem, is_word
from pdcode.errors import PdcodeError, UsageError
from pdcode.records import NewCoding

CONTEXT = 60  # code points shown on each side of a hit
MAX_HITS = 1_000_000  # past this a query says nothing a narrower one would not
EMPTY_BUDGET = 10_000  # empty matches a regex may make before it is refused
MAX_QUERY = 1_000  # characters of a query
COLUMNS = ("source", "strand", "case", "role", "speaker", "start", "end", "left", "hit", "right")
# A word as a query names it: letters and digits, with inner apostrophes or hyphens.
WORD = re.compile(r"\w+(?:['’-]\w+)*")
_SPECIAL = set("\\.^$|?*+()[]{}")
_QUOTES = (('"', '"'), ("“", "”"))


@dataclass(frozen=True)
class Query:
    """A query as given and the pattern that finds it; ``forms`` holds, for each
    word matched by its lemma, the forms searched for."""

    text: str
    kind: str  # lemma, exact or regex
    pattern: str
    forms: tuple[tuple[str, ...], ...] = ()

    @property
    def label(self) -> str:
        """The query as a run of it is named: a regex between slashes."""
        return f"/{self.text}/" if self.kind == "regex" else self.text

    @property
    def provenance(self) -> str:
        return f"search:{self.label}"


# A stretch of a source that is searched and who spoke it: start, end, speaker,
# whether the interviewer, its index among the source's turns. A plain tuple, as
# the store reads it: a corpus has hundreds of thousands of them.
Turn = tuple[int, int, str | None, bool, int]


@dataclass(frozen=True)
class Searchable:
    """A source to search: its text, attribution and turns in order."""

    name: str
    text: str
    strand: str | None = None
    case: str | None = None
    role: str | None = None
    turns: Sequence[Turn] = ()


@dataclass(frozen=True)
class Scope:
    """Which hits count: one speaker's, respondents' only, and (``within``) only
    those inside one of the given spans of their source (a code's codings)."""

    speaker: str | None = None
    respondents_only: bool = False
    within: Mapping[str, Sequence[tuple[int, int]]] | None = None


class Hit(NamedTuple):
    """One occurrence: ``text`` is ``source_text[start:end]``, ``left`` and
    ``right`` the code points just before and after it. A named tuple rather than
    a frozen dataclass: a search may make a million, and one is made three
    times faster."""

    source: str
    strand: str | None
    case: str | None
    role: str | None
    speaker: str | None
    is_interviewer: bool
    turn: int
    start: int
    end: int
    left: str
    text: str
    right: str

    def row(self) -> dict[str, Any]:
        """The hit as the table writers take it (``COLUMNS``)."""
        return {
            "source": self.source,
            "strand": self.strand,
            "case": self.case,
            "role": self.role,
            "speaker": self.speaker,
            "start": self.start,
            "end": self.end,
            "left": self.left,
            "hit": self.text,
            "right": self.right,
        }


def parse_query(text: str, regex: bool = False) -> Query:
    """The query as a pattern; a regex RE2 cannot run in linear time is refused."""
    text = text.strip()
    if not text:
        raise UsageError("an empty query: give a word, a phrase in quotes, or --regex PATTERN")
    if len(text) > MAX_QUERY:
        raise UsageError(f"a query holds at most {MAX_QUERY:,} characters")
    if regex:
        try:
            compile_regex(text)
        except RegexProblem as exc:
            raise PdcodeError(f"--regex {text!r}: {exc}") from None
        return Query(text, "regex", text)
    for opening, closing in _QUOTES:
        if len(text) > 1 and text.startswith(opening) and text.endswith(closing):
            inner = text[1:-1].split()
            if not inner:
                raise UsageError("an empty phrase: give the words between the quotes")
            return Query(text, "exact", _bounded(inner, [_escape(w) for w in inner]))
    words = text.split()
    parts, forms = [], []
    for word in words:
        if WORD.fullmatch(word):
            found = lemma_forms(word)
            forms.append(found)
            parts.append("(?:" + "|".join(_escape(f) for f in found) + ")")
        else:  # punctuation in it: matched as written
            parts.append(_escape(word))
    return Query(text, "lemma", _bounded(words, parts), tuple(forms))


def _escape(word: str) -> str:
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in word)


def _bounded(words: list[str], parts: list[str]) -> str:
    """The parts one after the other across any whitespace, with a word boundary
    at each end that is a word character (so ``trust`` is not found in
    ``trustee``)."""
    before = r"\b" if is_word(words[0][0]) else ""
    after = r"\b" if is_word(words[-1][-1]) else ""
    return before + r"\s+".join(parts) + after


@lru_cache(maxsize=1)
def _forms_of_lemmas() -> dict[str, tuple[str, ...]]:
    """Lemma -> the lower-case words the pipeline's lookup table gives it, from the
    table's own strings (the pipeline keeps only their hashes)."""
    from spacy.util import load_language_data, registry

    table = load_language_data(registry.lookups.get("en")["lemma_lookup"])
    found: dict[str, list[str]] = {}
    for form, lemma in table.items() if isinstance(table, dict) else ():
        if isinstance(lemma, str) and form == form.lower() and WORD.fullmatch(form):
            found.setdefault(lemma, []).append(form)
    return {lemma: tuple(forms) for lemma, forms in found.items()}


def lemma_of(word: str) -> str:
    """The lemma the project's pipeline gives ``word`` (``pdcode.nlp``: its
    lower-case form looked up, else that form itself)."""
    from spacy.strings import get_string_id

    from pdcode.nlp import lemma_table

    lower = word.lower()
    return lemma_table().get(get_string_id(lower), lower)


def lemma_forms(word: str) -> tuple[str, ...]:
    """Every word whose lemma is ``word``'s, longest first: ``coach`` gives
    coaching, coached, coaches, coach."""
    lemma = lemma_of(word)
    candidates = {word.lower(), lemma, *_forms_of_lemmas().get(lemma, ())}
    # The pipeline's table decides: a form is kept only if it gives this lemma.
    forms = {f for f in candidates if WORD.fullmatch(f) and lemma_of(f) == lemma}
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


class _Within:
    """Spans of one source, asked whether any of them holds a stretch."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        # the furthest end among the spans starting at or before each one
        self.reach = list(accumulate((b for _, b in ordered), max))

    def holds(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start) - 1
        return i >= 0 and self.reach[i] >= end


def find_hits(
    query: Query,
    sources: Iterable[Searchable],
    scope: Scope | None = None,
    context: int = CONTEXT,
    max_hits: int = MAX_HITS,
) -> list[Hit]:
    """Every hit of ``query`` in the sources' turns that ``scope`` lets through,
    by source name, then offset. Hits do not overlap: the search goes on after
    each one."""
    scope = scope or Scope()
    pattern = compile_regex(query.pattern)
    only, respondents = scope.speaker, scope.respondents_only
    hits: list[Hit] = []
    empty = 0
    for src in sorted(sources, key=lambda s: s.name):
        within = None
        if scope.within is not None:
            spans = scope.within.get(src.name, ())
            if not spans:
                continue
            within = _Within(spans)
        turns, text = src.turns, src.text
        starts = [t[0] for t in turns]
        for start, end in _matches(pattern, text):
            if start == end:
                # An empty match finds nothing to show, and a pattern that makes many
                # would cost a search call per character of the corpus.
                empty += 1
                if empty > EMPTY_BUDGET:
                    raise PdcodeError(
                        f"--regex {query.text!r} matches empty text again and again: give "
                        "a pattern that matches at least one character"
                    )
                continue
            i = bisect_right(starts, start) - 1
            if i < 0:
                continue  # before the first turn: a header or a label
            _, turn_end, speaker, interviewer, index = turns[i]
            if end > turn_end:
                continue  # a label, or across two turns
            if (respondents and interviewer) or (only is not None and speaker != only):
                continue
            if within is not None and not within.holds(start, end):
                continue
            if len(hits) >= max_hits:
                raise PdcodeError(
                    f"over {max_hits:,} hits: narrow the search (a phrase, --strand, "
                    "--speaker, --code...)"
                )
            hits.append(
                Hit(
                    src.name,
                    src.strand,
                    src.case,
                    src.role,
                    speaker,
                    bool(interviewer),
                    index,
                    start,
                    end,
                    text[max(0, start - context) : start],
                    text[start:end],
                    text[end : end + context],
                )
            )
    return hits


def _matches(pattern: LinearRegex, text: str) -> Iterator[tuple[int, int]]:
    """The pattern's matches in ``text``, one after another (an empty one too,
    after which the search goes on at the next character)."""
    subject = Subject(text)
    position = 0
    while position <= len(text):
        found = pattern.search(subject, position)
        if found is None:
            return
        yield found
        position = found[1] if found[1] > found[0] else found[0] + 1


def by_strand(hits: Iterable[Hit]) -> tuple[tuple[str | None, int], ...]:
    """Hits per strand, by strand name (sources without a strand last)."""
    counts = Counter(h.strand for h in hits)
    return tuple(sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or "")))


def widen(
    start: int, end: int, units: Sequence[tuple[int, int]], starts: Sequence[int] | None = None
) -> tuple[int, int]:
    """``start``-``end`` widened to the units (sorted spans, ``starts`` their starts
    if known) holding its first and its last character; an end outside every unit
    stays where it is."""
    if starts is None:
        starts = [a for a, _ in units]
    i = bisect_right(starts, start) - 1
    if i >= 0 and start < units[i][1]:
        start = units[i][0]
    j = bisect_right(starts, end - 1) - 1
    if j >= 0 and end <= units[j][1]:
        end = units[j][1]
    return start, end


def as_codings(
    hits: Iterable[Hit], units: Mapping[str, Sequence[tuple[int, int]]], code: str
) -> list[NewCoding]:
    """One coding of ``code`` per unit (sentence, turn...) holding a hit, the
    first hit in it as the words that made it; by source, then offset."""
    found: dict[tuple[str, int, int], NewCoding] = {}
    starts: dict[str, list[int]] = {}
    for hit in hits:
        spans = units.get(hit.source, ())
        if hit.source not in starts:
            starts[hit.source] = [a for a, _ in spans]
        start, end = widen(hit.start, hit.end, spans, starts[hit.source])
        key = (hit.source, start, end)
        if key not in found:
            found[key] = NewCoding(
                source=hit.source,
                start=start,
                end=end,
                code=code,
                match_start=hit.start,
                match_end=hit.end,
            )
    return [found[key] for key in sorted(found)]


def around(
    start: int, end: int, units: Sequence[tuple[int, int]], n: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The stretches just before and after ``start``-``end`` that ``n`` units (sorted
    sentences) on each side cover, with the rest of the units it begins and ends in;
    empty stretches when ``n`` is 0 or there is nothing on that side."""
    if n <= 0 or not units:
        return (start, start), (end, end)
    starts = [a for a, _ in units]
    h = bisect_right(starts, start) - 1  # the unit holding start, or the last before it
    begin = start
    if h >= 0:
        first = h - n if start < units[h][1] else h - n + 1
        begin = min(start, units[max(0, first)][0])
    j = bisect_right(starts, end - 1) - 1  # the unit holding the last character, or before
    stop = max(end, units[min(len(units) - 1, j + n)][1]) if j + n >= 0 else end
    return (begin, start), (end, stop)
