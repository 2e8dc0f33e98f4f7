"""Rules to codings: which codes a segment earns, and which rule earned each.

Phrases (and the two sides of near-rules) are matched on lemmas with spaCy's
PhraseMatcher, so "trusted", "Trusting" and "trusts" all match "trust"; patterns
use spaCy's Matcher; regexes use the ``regex`` engine, case-insensitive, under a
per-segment time limit so that a pathological pattern cannot hang a run. A veto
(``exclude_if``) matching anywhere in the segment removes that code from it.
For each code the first match in the text is kept: its rule is what a reviewer
needs to see, and choosing it by position keeps runs deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import regex

from pdcode.codebook.model import Code, Codebook, leaves

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

REGEX_SECONDS = 0.05  # per regex and segment


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
    regexes: list[tuple[str, str, regex.Pattern[str]]] = field(default_factory=list)
    vetoes: list[tuple[str, regex.Pattern[str]]] = field(default_factory=list)
    # (code, rule id, window, the near-rule's number within its code)
    near: list[tuple[str, str, int, int]] = field(default_factory=list)


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
            self._c.regexes.append((cid, f"regex:{_quote(expression)}", compiled))
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
            self._c.vetoes += [(cid, regex.compile(p, regex.IGNORECASE)) for p in veto.regex]

    def code(self, texts: Iterable[str]) -> Iterator[list[Hit]]:
        """For each text, its hits: at most one per code, in codebook order."""
        for doc in self.nlp.pipe(texts, batch_size=512):
            yield self._code_doc(doc)

    def _search(self, pattern: regex.Pattern[str], text: str) -> regex.Match[str] | None:
        try:
            return pattern.search(text, timeout=REGEX_SECONDS)
        except TimeoutError:
            self.timeouts += 1
            return None

    def _code_doc(self, doc: Doc) -> list[Hit]:
        text = doc.text
        strings = self.nlp.vocab.strings
        found: dict[str, tuple[int, int, str]] = {}  # code -> (start, end, rule)
        vetoed: set[str] = set()
        near_sides: dict[str, list[tuple[int, int]]] = {}

        def offer(code: str, start: int, end: int, rule: str) -> None:
            best = found.get(code)
            if best is None or (start, end) < best[:2]:
                found[code] = (start, end, rule)

        matches = list(self._c.phrases(doc))
        if len(self._c.matcher):
            matches += self._c.matcher(doc)
        for match_id, s, e in matches:
            code, rule = strings[match_id].split("\t", 1)
            if rule.startswith("veto"):
                vetoed.add(code)
            elif rule.startswith("near"):
                near_sides.setdefault(f"{code}\t{rule}", []).append((s, e))
            else:
                span = doc[s:e]
                offer(code, span.start_char, span.end_char, rule)
        for code, rule, window, i in self._c.near:
            a = near_sides.get(f"{code}\tnear{i}.a", [])
            b = near_sides.get(f"{code}\tnear{i}.b", [])
            pairs = [
                (min(x[0], y[0]), max(x[1], y[1]))
                for x in a
                for y in b
                if max(x[0], y[0]) - min(x[1], y[1]) <= window
            ]
            if pairs:
                s, e = min(pairs)
                span = doc[s:e]
                offer(code, span.start_char, span.end_char, rule)
        for code, rule, pattern in self._c.regexes:
            match = self._search(pattern, text)
            if match is not None:
                offer(code, match.start(), match.end(), rule)
        for code, pattern in self._c.vetoes:
            if code in found and self._search(pattern, text) is not None:
                vetoed.add(code)
        return [
            Hit(code, found[code][2], found[code][0], found[code][1], text[slice(*found[code][:2])])
            for code in self.order
            if code in found and code not in vetoed
        ]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'
