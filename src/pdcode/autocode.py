"""Rules to codings: which codes a segment earns, and which rule earned each.

Phrases (and the two sides of near-rules) are matched on lemmas with spaCy's
PhraseMatcher, so "trusted", "Trusting" and "trusts" all match "trust"; patterns
use spaCy's Matcher; regexes use the ``regex`` engine, case-insensitive, under a
per-segment time limit so that a pathological pattern cannot hang a run. A veto
(``exclude_if``) matching anywhere in the segment removes that code from it.
For each code the first match in the text is kept: its rule is what a reviewer
needs to see, and choosing it by position keeps runs deterministic.

The regex time limit is costly per call, so it is applied only where it can
matter: exponential backtracking needs a repeated group that itself holds a
quantifier or an alternation, as in ``(a+)+`` or ``(a|aa)*``. Patterns with such
a group run under the limit; the others cannot blow up and run without it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Any

import regex

from pdcode.codebook.model import Code, Codebook, leaves
from pdcode.rulefilter import UNSAFE, required_literals

if TYPE_CHECKING:
    from spacy.language import Language

REGEX_SECONDS = 0.05  # per risky regex and segment
BATCH = 256  # segments matched together
# Between segments of a batch: a line break stops ".", and NUL occurs in no text.
SEPARATOR = "\n\x00\n"
_ANCHORED = regex.compile(r"(?<!\\)[\^$]|\\[AZz]")


@cache
def _anchored(pattern: str) -> bool:
    """Anchors mean something else in the joined batch: such patterns are
    searched segment by segment."""
    return _ANCHORED.search(pattern) is not None


# A group, closed and then repeated by *, + or {n,m}.
_REPEATED_GROUP = regex.compile(r"\((?:[^()\\]|\\.|(?R))*\)(?=[*+]|\{\d*,)")


def is_risky(pattern: str) -> bool:
    """True when ``pattern`` has a repeated group holding a quantifier or ``|``."""
    for match in _REPEATED_GROUP.finditer(pattern):
        inner = regex.sub(r"\\.", "", match.group()[1:-1])
        if regex.search(r"[*+|]|\{\d*,", inner):
            return True
    return False


@dataclass(frozen=True)
class Hit:
    code_id: str
    rule: str  # e.g. phrases:"trust", patterns[0], regex:"coach", near:"a"~"b"/5
    start: int  # code points within the segment text
    end: int
    matched: str


@dataclass
class _Compiled:
    phrases: Any
    matcher: Any
    # (code, rule id, compiled, risky, literals): risky ones run under the time
    # limit; only segments holding one of the literals are searched
    regexes: list[tuple[str, str, regex.Pattern[str], bool, frozenset[str] | None]] = field(
        default_factory=list
    )
    vetoes: list[tuple[str, regex.Pattern[str], bool, frozenset[str] | None]] = field(
        default_factory=list
    )
    # (code, rule id, window, the near-rule's number within its code)
    near: list[tuple[str, str, int, int]] = field(default_factory=list)
    # every prefilter literal, to find them all in one pass over a batch
    automaton: Any = None


class RuleCoder:
    """A codebook compiled for matching; ``timeouts`` counts regexes cut short."""

    def __init__(self, codebook: Codebook, nlp: Language | None = None) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        from pdcode.nlp import make_nlp

        self.nlp = nlp or make_nlp()
        self.codebook = codebook
        self.order = [c.id for c in leaves(codebook)]
        self.timeouts = 0
        self._c = _Compiled(PhraseMatcher(self.nlp.vocab, attr="LEMMA"), Matcher(self.nlp.vocab))
        for code in leaves(codebook):
            self._compile(code)
        literals = [ls for *_, ls in self._c.regexes] + [ls for *_, ls in self._c.vetoes]
        self._c.automaton = _automaton(w for ls in literals if ls is not None for w in ls)

    def _phrase(self, key: str, phrases: list[str]) -> None:
        docs = list(self.nlp.pipe(phrases))
        self._c.phrases.add(key, docs)

    def _compile(self, code: Code) -> None:
        rules = code.rules
        if rules is None:
            return
        cid = code.id
        for phrase in rules.phrases:
            self._phrase(f"{cid}\tphrases:{_quote(phrase)}", [phrase])
        for i, tokens in enumerate(rules.patterns):
            self._c.matcher.add(f"{cid}\tpatterns[{i}]", [tokens])
        for expression in rules.regex:
            compiled = regex.compile(expression, regex.IGNORECASE)
            rule = f"regex:{_quote(expression)}"
            self._c.regexes.append(
                (cid, rule, compiled, is_risky(expression), required_literals(expression))
            )
        for i, near in enumerate(rules.near):
            rule = f"near:{'|'.join(near.a)}~{'|'.join(near.b)}/{near.within}"
            self._phrase(f"{cid}\tnear{i}.a", near.a)
            self._phrase(f"{cid}\tnear{i}.b", near.b)
            self._c.near.append((cid, rule, near.within, i))
        veto = rules.exclude_if
        if veto is not None:
            if veto.phrases:
                self._phrase(f"{cid}\tveto", veto.phrases)
            for i, pattern in enumerate(veto.patterns):
                self._c.matcher.add(f"{cid}\tveto{i}", [pattern])
            self._c.vetoes += [
                (cid, regex.compile(p, regex.IGNORECASE), is_risky(p), required_literals(p))
                for p in veto.regex
            ]

    def code(self, texts: Iterable[str]) -> Iterator[list[Hit]]:
        """For each text, its hits: at most one per code, in codebook order."""
        iterator = iter(texts)
        while batch := list(islice(iterator, BATCH)):
            yield from self._code_batch(batch)

    def _code_batch(self, texts: list[str]) -> Iterator[list[Hit]]:
        # A batch of segments is joined by a separator and matched as one text:
        # per-call overheads (a spaCy Doc, a regex call), not text length,
        # dominate on sentence-sized segments. Matches are mapped back to their
        # segment by offset; one that straddles a separator is no match.
        joined = SEPARATOR.join(texts)
        starts = []
        pos = 0
        for text in texts:
            starts.append(pos)
            pos += len(text) + len(SEPARATOR)
        # Segments are already split: sentence boundaries are not needed here.
        skip = [name for name in ("sentencizer", "senter", "parser") if self.nlp.has_pipe(name)]
        with self.nlp.select_pipes(disable=skip):
            doc = self.nlp(joined)
        found: list[dict[str, tuple[int, int, str]]] = [{} for _ in texts]
        vetoed: list[set[str]] = [set() for _ in texts]

        def offer(i: int, code: str, start: int, end: int, rule: str) -> None:
            best = found[i].get(code)
            if best is None or (start, end) < best[:2]:
                found[i][code] = (start, end, rule)

        def segment_of(start: int, end: int) -> int | None:
            i = bisect_right(starts, start) - 1
            return i if end <= starts[i] + len(texts[i]) else None

        strings = self.nlp.vocab.strings
        near_sides: dict[tuple[int, str], list[tuple[int, int]]] = {}
        matches = list(self._c.phrases(doc))
        if len(self._c.matcher):
            matches += self._c.matcher(doc)
        for match_id, s, e in matches:
            span = doc[s:e]
            i = segment_of(span.start_char, span.end_char)
            if i is None:
                continue
            code, rule = strings[match_id].split("\t", 1)
            if rule.startswith("veto"):
                vetoed[i].add(code)
            elif rule.startswith("near"):
                near_sides.setdefault((i, f"{code}\t{rule}"), []).append((s, e))
            else:
                offer(i, code, span.start_char - starts[i], span.end_char - starts[i], rule)
        for code, rule, window, n in self._c.near:
            for (i, key), a_sides in near_sides.items():
                if key != f"{code}\tnear{n}.a":
                    continue
                b_sides = near_sides.get((i, f"{code}\tnear{n}.b"), [])
                pairs = [
                    (min(x[0], y[0]), max(x[1], y[1]))
                    for x in a_sides
                    for y in b_sides
                    if max(x[0], y[0]) - min(x[1], y[1]) <= window
                ]
                if pairs:
                    span = doc[slice(*min(pairs))]
                    offer(i, code, span.start_char - starts[i], span.end_char - starts[i], rule)
        holding = self._literal_index(joined, starts)
        for code, rule, pattern, risky, literals in self._c.regexes:
            hits = self._regex_hits(pattern, risky, literals, holding, joined, texts, starts)
            for i, (start, end) in hits.items():
                offer(i, code, start, end, rule)
        for code, pattern, risky, literals in self._c.vetoes:
            for i in self._regex_hits(pattern, risky, literals, holding, joined, texts, starts):
                vetoed[i].add(code)
        for i, text in enumerate(texts):
            if not found[i]:  # most segments: nothing to order
                yield []
                continue
            yield [
                Hit(code, rule, start, end, text[start:end])
                for code in self.order
                if code in found[i] and code not in vetoed[i]
                for start, end, rule in [found[i][code]]
            ]

    def _literal_index(self, joined: str, starts: list[int]) -> dict[str, set[int]] | None:
        """Literal -> the segments holding it, found in one pass over the batch
        (Aho-Corasick), or None when the batch holds a character that lower()
        and case folding treat differently: no prefilter then."""
        if self._c.automaton is None or any(c in joined for c in UNSAFE):
            return None
        index: dict[str, set[int]] = {}
        for end, literal in self._c.automaton.iter(joined.lower()):
            segment = bisect_right(starts, end - len(literal) + 1) - 1
            index.setdefault(literal, set()).add(segment)
        return index

    def _regex_hits(
        self,
        pattern: regex.Pattern[str],
        risky: bool,
        literals: frozenset[str] | None,
        holding: dict[str, set[int]] | None,
        joined: str,
        texts: list[str],
        starts: list[int],
    ) -> dict[int, tuple[int, int]]:
        """Segment index -> (start, end) of the pattern's first match in it."""
        # Only the segments holding one of the pattern's literals can match.
        # Searching just those, one by one, beats one search over the joined
        # batch even when most segments hold a literal: a pattern that opens
        # with an alternation is tried at every position of the joined text.
        if literals is not None and holding is not None:
            candidates = set().union(*(holding.get(literal, ()) for literal in literals))
            return self._search_each(pattern, risky, texts, sorted(candidates))
        if risky or _anchored(pattern.pattern):
            return self._search_each(pattern, risky, texts, range(len(texts)))
        return self._joined_matches(pattern, joined, texts, starts)

    def _search_each(
        self, pattern: regex.Pattern[str], risky: bool, texts: list[str], indices: Iterable[int]
    ) -> dict[int, tuple[int, int]]:
        found = {}
        for i in indices:
            match = self._search(pattern, texts[i], risky)
            if match is not None:
                found[i] = match.span()
        return found

    @staticmethod
    def _joined_matches(
        pattern: regex.Pattern[str], joined: str, texts: list[str], starts: list[int]
    ) -> dict[int, tuple[int, int]]:
        found = {}
        recheck: set[int] = set()
        for match in pattern.finditer(joined):
            i = bisect_right(starts, match.start()) - 1
            a, b = match.start() - starts[i], match.end() - starts[i]
            if b > len(texts[i]):
                # Crossed into the separator: the segments it touched are
                # searched one by one so no match is hidden behind it.
                last = bisect_right(starts, match.end() - 1) - 1
                recheck.update(range(i, last + 1))
            elif i not in found:
                found[i] = (a, b)
        for i in sorted(recheck):
            again = pattern.search(texts[i])
            if again is not None:
                found[i] = again.span()
            else:
                found.pop(i, None)
        return found

    def _search(
        self, pattern: regex.Pattern[str], text: str, risky: bool
    ) -> regex.Match[str] | None:
        if not risky:
            return pattern.search(text)
        try:
            return pattern.search(text, timeout=REGEX_SECONDS)
        except TimeoutError:
            self.timeouts += 1
            return None


def _automaton(literals: Iterable[str]) -> Any:
    import ahocorasick

    words = sorted(set(literals))
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'
