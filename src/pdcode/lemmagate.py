"""Which segments can hold a phrase or a token pattern, found without running
spaCy over them.

Coding spends most of its spaCy time tokenising and lemmatising segments in
which no rule can match. A lemma phrase matches only if, for every word-token
of the phrase, one of the segment's tokens has that token's lemma; a token
pattern only if, for each of its tokens that must occur once or more with a
literal ``LOWER``, ``LEMMA``, ``ORTH`` or ``TEXT``, one of the segment's tokens
has that value (``pattern_needs``). With pdcode's own pipeline
(``nlp.make_nlp``) a token's lemma depends on its lower-case form alone, and
spaCy's tokenizer cuts a text at whitespace first and tokenises each word on
its own (``nlp.sentence_splitter`` checks the same conditions). So each
distinct word is tokenised once, the wanted values among its tokens' remembered,
and a segment is a word lookup per word plus a set test per rule instead of a
pass of spaCy.

The gate only says "maybe" or "no": a "maybe" segment is matched by spaCy as
before, and a "no" segment could not have matched. ``tests/test_lemma_gate.py``
and ``tests/test_code_speed_path.py`` compare the hits with and without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pdcode.nlp import LEMMA_COMPONENT, lemma_table, sentence_splitter

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Words remembered at most; past it the memory starts again (a corpus's
# vocabulary rarely comes near it).
MAX_WORDS = 500_000
_NONE: frozenset[str] = frozenset()
# A token attribute a rule can need, as the Matcher names it (TEXT is ORTH).
_ATTRS = {"LOWER": "LOWER", "LEMMA": "LEMMA", "ORTH": "ORTH", "TEXT": "ORTH"}
# Matcher operators under which a token occurs at least once.
_AT_LEAST_ONCE = (None, "1", "+")


def phrase_needs(doc: Doc) -> frozenset[str]:
    """What a lemma phrase needs of a segment: the lemma of each word-token."""
    return frozenset(f"LEMMA\t{t.lemma_}" for t in doc if not t.is_space)


def pattern_needs(pattern: list[dict[str, Any]]) -> frozenset[str]:
    """What a Matcher pattern needs of a segment: for each token that occurs at
    least once, one literal ``LOWER``/``LEMMA``/``ORTH``/``TEXT`` value it must
    have (none for sets, regexes, other attributes or whitespace)."""
    needs = set()
    for spec in pattern:
        upper = {key.upper(): value for key, value in spec.items() if isinstance(key, str)}
        if upper.get("OP") not in _AT_LEAST_ONCE:
            continue
        for key, value in upper.items():
            attr = _ATTRS.get(key)
            if attr and isinstance(value, str) and value and not any(c.isspace() for c in value):
                needs.add(f"{attr}\t{value}")
                break
    return frozenset(needs)


class LemmaGate:
    """``may_match(text)``: whether the tokens of ``text`` have everything one
    of the rules needs (``phrase_needs``, ``pattern_needs``)."""

    def __init__(self, nlp: Language, rules: Iterable[frozenset[str]]) -> None:
        self.tokenizer = nlp.tokenizer
        self.table = lemma_table()
        # A rule is tested only when its key need (its longest: short words
        # such as "of" are common) is in the segment; no need: always "maybe".
        self.keyed: dict[str, list[frozenset[str]]] = {}
        self.always = False
        for needs in set(rules):
            if not needs:
                self.always = True
                continue
            key = max(sorted(needs), key=len)
            self.keyed.setdefault(key, []).append(needs)
        self.wanted = frozenset(need for found in self.keyed.values() for p in found for need in p)
        self.words: dict[str, frozenset[str]] = {}

    def may_match(self, text: str) -> bool:
        if self.always:
            return True
        words = self.words
        present: set[str] = set()
        for word in text.split():
            found = words.get(word)
            if found is None:
                found = self._remember(word)
            if found:
                present |= found
        keyed = self.keyed
        return any(needs <= present for key in present if key in keyed for needs in keyed[key])

    def _remember(self, word: str) -> frozenset[str]:
        if len(self.words) >= MAX_WORDS:
            self.words.clear()
        found = self.words[word] = self._wanted_in(word)
        return found

    def _wanted_in(self, word: str) -> frozenset[str]:
        """The wanted values among those of the word's tokens."""
        get = self.table.get
        found: set[str] = set()
        for t in self.tokenizer(word):
            lemma = get(t.lower, t.lower_)
            found.update((f"LEMMA\t{lemma}", f"LOWER\t{t.lower_}", f"ORTH\t{t.orth_}"))
        found &= self.wanted
        return frozenset(found) if found else _NONE


def lemma_gate(nlp: Language, rules: Iterable[frozenset[str]]) -> LemmaGate | None:
    """A gate for ``nlp`` when it is pdcode's own pipeline (the stock tokenizer,
    the sentencizer and the lookup lemmas), else None: every segment goes to spaCy."""
    if tuple(nlp.pipe_names) != ("sentencizer", LEMMA_COMPONENT):
        return None
    if sentence_splitter(nlp) is None:  # not spaCy's own tokenizer, word by word
        return None
    return LemmaGate(nlp, rules)
