"""Which segments can hold a lemma phrase, found without running spaCy over them.

Coding spends most of its spaCy time tokenising and lemmatising segments in
which no phrase can match. A phrase matches on lemmas, so a segment can hold it
only if one of its tokens has the phrase's first lemma. With pdcode's own
pipeline (``nlp.make_nlp``) a token's lemma depends on its lower-case form alone,
and spaCy's tokenizer cuts a text at whitespace first and tokenises each word on
its own (``nlp.sentence_splitter`` checks the same conditions). So each distinct
word is tokenised once, its tokens' lemmas checked, and the answer remembered:
a segment is a word lookup per word instead of a pass of spaCy.

The gate only says "maybe" or "no": a "maybe" segment is matched by spaCy as
before, and a "no" segment could not have matched. ``tests/test_lemma_gate.py``
compares the hits with and without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pdcode.nlp import LEMMA_COMPONENT, lemma_table, sentence_splitter

if TYPE_CHECKING:
    from spacy.language import Language

# Words remembered at most; past it the memory starts again (a corpus's
# vocabulary rarely comes near it).
MAX_WORDS = 500_000


class LemmaGate:
    """``may_match(text)``: whether a token of ``text`` has one of ``lemmas``."""

    def __init__(self, nlp: Language, lemmas: frozenset[str]) -> None:
        self.tokenizer = nlp.tokenizer
        self.lemmas = lemmas
        self.table = lemma_table()
        self.words: dict[str, bool] = {}

    def may_match(self, text: str) -> bool:
        words = self.words
        for word in text.split():
            found = words.get(word)
            if found is None:
                if len(words) >= MAX_WORDS:
                    words.clear()
                found = words[word] = self._holds(word)
            if found:
                return True
        return False

    def _holds(self, word: str) -> bool:
        get, lemmas = self.table.get, self.lemmas
        return any(get(t.lower, t.lower_) in lemmas for t in self.tokenizer(word))


def lemma_gate(nlp: Language, lemmas: frozenset[str]) -> LemmaGate | None:
    """A gate for ``nlp`` when it is pdcode's own pipeline (the stock tokenizer,
    the sentencizer and the lookup lemmas), else None: every segment goes to spaCy."""
    if tuple(nlp.pipe_names) != ("sentencizer", LEMMA_COMPONENT):
        return None
    if sentence_splitter(nlp) is None:  # not spaCy's own tokenizer, word by word
        return None
    return LemmaGate(nlp, lemmas)
