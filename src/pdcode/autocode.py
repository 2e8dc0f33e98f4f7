"""Rules to codings: which codes a segment earns, and which rule earned each.

Phrases (and the two sides of near-rules) are matched on lemmas with spaCy's
PhraseMatcher, so "trusted", "Trusting" and "trusts" all match "trust"; patterns
use spaCy's Matcher; regexes run on RE2 (``pdcode.codebook.dialect``),
case-insensitive, in time linear in the text whatever the pattern: no time
limit, and no pattern is ever skipped. A veto (``exclude_if``) matching anywhere
in the segment removes that code from it. For each code the first match in the
text is kept: its rule is what a reviewer needs to see, and choosing it by
position keeps runs deterministic.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, islice
from typing import TYPE_CHECKING, Any

from pdcode.codebook.dialect import LinearRegex, compile_regex
from pdcode.codebook.model import Code, Codebook, leaves
from pdcode.codebook.regex_syntax import RegexProblem
from pdcode.errors import CodebookError
from pdcode.joined import SEPARATOR, Batch, joined_matches, search_each
from pdcode.rulefilter import required_literals

if TYPE_CHECKING:
    from spacy.language import Language

    from pdcode.lemmagate import LemmaGate

# Segments matched together: every regex costs a few Python calls per batch,
# whatever its size.
BATCH = 4096
# Literal (case-folded) -> the segments of a batch holding it.
_Holding = dict[str, set[int]]
# The most characters of segments spaCy is given at once (``nlp.max_length``
# is 1,000,000 by default).
SPACY_CHARS = 200_000
_ANCHORED = re.compile(r"(?<!\\)[\^$]|\\[AZz]")


@cache
def _anchored(pattern: str) -> bool:
    """Anchors mean something else in the joined batch: such patterns are
    searched segment by segment."""
    return _ANCHORED.search(pattern) is not None


@dataclass(frozen=True)
class Hit:
    code_id: str
    rule: str  # e.g. phrases:"trust", patterns[0], regex:"coach", near:"a"~"b"/5
    start: int  # code points within the segment text
    end: int
    matched: str


@dataclass
class _Compiled:
    # spaCy's PhraseMatcher and Matcher, or None when no rule needs spaCy
    phrases: Any
    matcher: Any
    # (code, rule id, compiled, literals): only segments holding one of the
    # literals are searched
    regexes: list[tuple[str, str, LinearRegex, frozenset[str] | None]] = field(default_factory=list)
    vetoes: list[tuple[str, LinearRegex, frozenset[str] | None]] = field(default_factory=list)
    # (code, rule id, window, the near-rule's number within its code)
    near: list[tuple[str, str, int, int]] = field(default_factory=list)
    # every prefilter literal, to find them all in one pass over a batch
    automaton: Any = None


def needs_spacy(codebook: Codebook) -> bool:
    """Whether any rule is matched by spaCy: lemma phrases (also those of near-rules
    and vetoes) or token patterns. Regexes alone never load it."""
    for code in leaves(codebook):
        rules = code.rules
        if rules is None:
            continue
        veto = rules.exclude_if
        if rules.phrases or rules.patterns or rules.near:
            return True
        if veto is not None and (veto.phrases or veto.patterns):
            return True
    return False


class RuleCoder:
    """A codebook compiled for matching."""

    def __init__(self, codebook: Codebook, nlp: Language | None = None) -> None:
        self._nlp = nlp
        self.codebook = codebook
        self.order = [c.id for c in leaves(codebook)]
        self._c = _Compiled(None, None)
        # what each phrase and token pattern needs of a segment (``lemmagate``)
        self._needs: list[frozenset[str]] = []
        # spaCy (a second or more to import and build) only for rules that use it.
        if needs_spacy(codebook):
            from spacy.matcher import Matcher, PhraseMatcher

            self._c.phrases = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
            self._c.matcher = Matcher(self.nlp.vocab)
        for code in leaves(codebook):
            self._compile(code)
        literals = [ls for *_, ls in self._c.regexes] + [ls for *_, ls in self._c.vetoes]
        self._c.automaton = _automaton(w for ls in literals if ls is not None for w in ls)
        self._gate: LemmaGate | None = None
        if self._c.phrases is not None:
            from pdcode.lemmagate import lemma_gate

            self._gate = lemma_gate(self.nlp, self._needs)

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline phrases are lemmatised with, made on first use."""
        if self._nlp is None:
            from pdcode.nlp import make_nlp

            self._nlp = make_nlp()
        return self._nlp

    def _phrase(self, key: str, phrases: list[str]) -> None:
        docs = list(self.nlp.pipe(phrases))
        self._c.phrases.add(key, docs)
        from pdcode.lemmagate import phrase_needs

        self._needs += [phrase_needs(doc) for doc in docs if len(doc)]

    def _compile(self, code: Code) -> None:
        rules = code.rules
        if rules is None:
            return
        from pdcode.lemmagate import pattern_needs

        cid = code.id
        for phrase in rules.phrases:
            self._phrase(f"{cid}\tphrases:{_quote(phrase)}", [phrase])
        for i, tokens in enumerate(rules.patterns):
            self._c.matcher.add(f"{cid}\tpatterns[{i}]", [tokens])
            self._needs.append(pattern_needs(tokens))
        for expression in rules.regex:
            rule = f"regex:{_quote(expression)}"
            self._c.regexes.append(
                (cid, rule, _compile_regex(expression), required_literals(expression))
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
                self._needs.append(pattern_needs(pattern))
            self._c.vetoes += [(cid, _compile_regex(p), required_literals(p)) for p in veto.regex]

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
        found: list[dict[str, tuple[int, int, str]]] = [{} for _ in texts]
        vetoed: list[set[str]] = [set() for _ in texts]

        def offer(i: int, code: str, start: int, end: int, rule: str) -> None:
            best = found[i].get(code)
            if best is None or (start, end) < best[:2]:
                found[i][code] = (start, end, rule)

        if self._c.phrases is not None:
            self._spacy_where_possible(texts, offer, vetoed)
        batch = Batch(texts, joined)
        holding = self._literal_index(batch)
        for code, rule, pattern, literals in self._c.regexes:
            for i, (start, end) in self._regex_hits(pattern, literals, holding, batch).items():
                offer(i, code, start, end, rule)
        for code, pattern, literals in self._c.vetoes:
            for i in self._regex_hits(pattern, literals, holding, batch):
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

    def _spacy_where_possible(
        self,
        texts: list[str],
        offer: Callable[[int, str, int, int, str], None],
        vetoed: list[set[str]],
    ) -> None:
        """``_spacy_hits`` on the segments that can hold a phrase: those whose
        words' tokens have every lemma of some phrase (``LemmaGate``), joined at
        most ``SPACY_CHARS`` characters at a time (spaCy refuses a text longer
        than ``nlp.max_length``). A segment's tokens, lemmas and matches do not
        depend on the segments around it, so leaving the others out, or cutting
        the batch anywhere between segments, changes no hit."""
        chosen = list(range(len(texts)))
        if self._gate is not None:
            chosen = [i for i in chosen if self._gate.may_match(texts[i])]
        k = 0
        while k < len(chosen):
            part, chars = [chosen[k]], len(texts[chosen[k]])
            k += 1
            while k < len(chosen):
                chars += len(SEPARATOR) + len(texts[chosen[k]])
                if chars > SPACY_CHARS:
                    break
                part.append(chosen[k])
                k += 1
            self._spacy_hits(texts, part, offer, vetoed)

    def _spacy_hits(
        self,
        texts: list[str],
        part: list[int],
        offer: Callable[[int, str, int, int, str], None],
        vetoed: list[set[str]],
    ) -> None:
        """Lemma phrases, near-rules and token patterns, matched by spaCy on the
        segments ``part`` (indices into ``texts``) joined."""
        some = [texts[i] for i in part]
        starts = list(accumulate((len(t) + len(SEPARATOR) for t in some[:-1]), initial=0))
        joined = SEPARATOR.join(some)
        # Segments are already split: sentence boundaries are not needed here.
        skip = [name for name in ("sentencizer", "senter", "parser") if self.nlp.has_pipe(name)]
        with self.nlp.select_pipes(disable=skip):
            doc = self.nlp(joined)

        def segment_of(start: int, end: int) -> int | None:
            i = bisect_right(starts, start) - 1
            return i if end <= starts[i] + len(some[i]) else None

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
                vetoed[part[i]].add(code)
            elif rule.startswith("near"):
                near_sides.setdefault((i, f"{code}\t{rule}"), []).append((s, e))
            else:
                offer(part[i], code, span.start_char - starts[i], span.end_char - starts[i], rule)
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
                    a, b = span.start_char - starts[i], span.end_char - starts[i]
                    offer(part[i], code, a, b, rule)

    def _literal_index(self, batch: Batch) -> _Holding | None:
        """Literal -> the segments holding it, found in one Aho-Corasick pass over
        each segment's case folding (see ``rulefilter``); None when no rule has
        literals."""
        if self._c.automaton is None:
            return None
        index: dict[str, set[int]] = {}
        find = self._c.automaton.iter
        for i, text in enumerate(batch.texts):
            for literal in {literal for _end, literal in find(text.casefold())}:
                found = index.get(literal)
                if found is None:
                    index[literal] = {i}
                else:
                    found.add(i)
        return index

    def _regex_hits(
        self,
        pattern: LinearRegex,
        literals: frozenset[str] | None,
        holding: _Holding | None,
        batch: Batch,
    ) -> dict[int, tuple[int, int]]:
        """Segment index -> (start, end) of the pattern's first match in it."""
        # Only the segments holding one of the pattern's literals can match, and
        # they are searched joined: each RE2 call costs more than the text it
        # reads, so a few calls over the candidates beat one call per segment.
        anchored = _anchored(pattern.pattern)
        if literals is not None and holding is not None:
            candidates = sorted(set().union(*(holding.get(literal, ()) for literal in literals)))
            if anchored or len(candidates) < 3:
                return search_each(pattern, batch, candidates)
            view = batch.view(candidates)
            return {candidates[i]: span for i, span in joined_matches(pattern, view).items()}
        if anchored:  # ^ and $ mean the segment's ends: searched one by one
            return search_each(pattern, batch, range(len(batch.texts)))
        return joined_matches(pattern, batch)


def _compile_regex(expression: str) -> LinearRegex:
    try:
        return compile_regex(expression)
    except RegexProblem as exc:
        raise CodebookError(f"regex {expression!r}: {exc}") from None


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
