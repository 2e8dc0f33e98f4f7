"""Segments to lemma documents for topic models.

Each segment becomes a string of lower-case lemmas of its alphabetic words of
three letters or more, without English stop words (scikit-learn's list and
spaCy's), interview fillers ("you know", "I mean", "sort of", "kind of",
"yeah"...) and the words of the speakers' own names. Fillers are removed as
phrases before single words, so "kind of" goes but "kind" in "a kind head" stays.
A word whose lookup lemma is another, much rarer word ("data" -> "datum") keeps
its own form (`kept_as_written`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import cast

import regex

FILLER_PHRASES = (
    "you know", "i mean", "sort of", "kind of", "a bit", "a lot", "at the end of the day",
    "to be honest", "if you like", "in a sense", "and stuff", "or something",
)  # fmt: skip
FILLER_WORDS = frozenset(
    "yeah yes yep okay ok erm err um umm uh ah oh mm mhm hmm right well really "
    "actually basically literally obviously honestly just like thing things stuff "
    "lot lots bit sort kind say said guess suppose mean know think thought got get "
    "going gonna wanna gotta quite pretty maybe probably definitely".split()
)
# Words the lookup table lemmatises wrongly for this domain ("maths" -> "math",
# "media" -> "medium", "meeting" -> "meet", "setting" -> "set", "training" ->
# "train"), kept or mapped as here. Most wrong lemmas are caught by the general
# rule of `kept_as_written` instead ("data" -> "datum", "number" -> "numb").
LEMMA_FIXES = {
    "maths": "maths", "physics": "physics", "economics": "economics", "politics": "politics",
    "statistics": "statistics", "ethics": "ethics", "developed": "develop",
    "develops": "develop", "news": "news", "media": "media", "meeting": "meeting",
    "setting": "setting", "training": "training", "learning": "learning",
}  # fmt: skip
# A word keeps its own form when its lookup lemma is at least ten times rarer in
# English than the word itself (or unknown): the lemma is then another word, not
# the word's base form ("data" -> "datum", "criteria" -> "criterium", "matter" ->
# "matt", "number" -> "numb", "dive" -> "diva", "agenda" -> "agendum").
RARER_BY = math.log(10)
_PHRASES = regex.compile(
    r"\b(?:" + "|".join(regex.escape(p) for p in FILLER_PHRASES) + r")\b", regex.IGNORECASE
)
_WORD = regex.compile(r"^\p{L}[\p{L}'’-]*\p{L}$")


def stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(STOP_WORDS) | FILLER_WORDS


def name_words(speakers: Iterable[object]) -> frozenset[str]:
    """Lower-case words of the speaker labels (names, roles) to keep out of topics.

    Segments without a speaker (unlabelled text) have None, or NaN once pandas has
    merged them with labelled ones: anything but a non-empty string is skipped."""
    words: set[str] = set()
    for speaker in speakers:
        if isinstance(speaker, str) and speaker:
            words.update(w.lower() for w in regex.findall(r"\p{L}+", speaker) if len(w) > 1)
    return frozenset(words)


@lru_cache(maxsize=1)
def kept_as_written() -> frozenset[str]:
    """Words of the lookup table whose lemma is ``RARER_BY`` rarer than themselves.

    Word probabilities are spaCy's English unigram log-probabilities
    (``lexeme_prob`` in spacy-lookups-data), the same package as the lemmas."""
    import spacy_lookups_data  # type: ignore[import-untyped]
    from spacy.util import load_language_data

    lemmas = cast(dict[str, str], load_language_data(spacy_lookups_data.en["lemma_lookup"]))
    probs = cast(dict[str, float], load_language_data(spacy_lookups_data.en["lexeme_prob"]))
    kept = set()
    for word, lemma in lemmas.items():
        if word == lemma or word != word.lower() or word not in probs:
            continue
        if probs.get(lemma, -math.inf) < probs[word] - RARER_BY:
            kept.add(word)
    return frozenset(kept)


def lemma_documents(texts: Sequence[str], exclude: frozenset[str] = frozenset()) -> list[str]:
    """One space-separated string of kept lemmas per text."""
    return Cleaner(exclude)(texts)


class Cleaner:
    """Texts to lemma documents, one batch at a time, remembering what it has seen.

    spaCy's tokenizer splits a text at whitespace first and tokenizes each
    whitespace-free chunk on its own (its special cases that span whitespace are
    whitespace only), and every test on a token depends on its lower-case form
    alone. So a chunk's kept words are worked out once, when the chunk is first
    seen: the new chunks of a batch go through the tokenizer together and their
    tokens are judged from ``Doc.to_array(LOWER)``, once per distinct form. A text
    is then its chunks looked up and joined (``map``/``join``, no Python per word).
    """

    # A corpus's distinct chunks grow far slower than its words; beyond this many
    # the memory is cleared, so a long stream cannot grow it without bound.
    MAX_CHUNKS = 500_000

    def __init__(self, exclude: frozenset[str] = frozenset()) -> None:
        from pdcode.nlp import lemma_table, make_nlp

        nlp = make_nlp(None, False)
        self._make_doc = nlp.make_doc  # the tokenizer alone
        self._strings = nlp.vocab.strings
        self._lemmas = lemma_table()
        self._dropped = stop_words() | exclude
        self._overrides = {word: word for word in kept_as_written()} | LEMMA_FIXES
        self._chunks: dict[str, str] = {}  # chunk as written -> its kept words
        self._forms: dict[int, str] = {}  # lower-case form's hash -> kept word or ""

    def __call__(self, texts: Iterable[str]) -> list[str]:
        from itertools import chain

        split = [_PHRASES.sub(" ", text).split() for text in texts]
        if len(self._chunks) > self.MAX_CHUNKS:
            self._chunks.clear()
            self._forms.clear()
        new = set(chain.from_iterable(split)).difference(self._chunks)
        self._learn(sorted(new))
        kept = self._chunks.__getitem__
        return [" ".join(filter(None, map(kept, chunks))) for chunks in split]

    def _learn(self, chunks: list[str]) -> None:
        from spacy.attrs import LOWER

        forms = self._forms
        for chunk in chunks:
            doc = self._make_doc(chunk)
            hashes = doc.to_array(LOWER).tolist() if len(doc) else []
            for new in set(hashes).difference(forms):
                forms[new] = self._judge(new)
            self._chunks[chunk] = " ".join(filter(None, map(forms.__getitem__, hashes)))

    def _judge(self, lower_hash: int) -> str:
        """The kept word for one lower-case form, or "" to drop it."""
        lower = self._strings[lower_hash]
        lemma = self._overrides.get(lower) or self._lemmas.get(lower_hash) or lower
        if (
            len(lemma) >= 3
            and _WORD.match(lemma)
            and lemma not in self._dropped
            and lower not in self._dropped
        ):
            return lemma.replace("’", "'")
        return ""
