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
    from pdcode.nlp import make_nlp

    nlp = make_nlp(None, True)
    dropped = stop_words() | exclude
    overrides = {word: word for word in kept_as_written()} | LEMMA_FIXES
    cleaned = (_PHRASES.sub(" ", t) for t in texts)
    out = []
    with nlp.select_pipes(disable=["sentencizer"]):
        for doc in nlp.pipe(cleaned, batch_size=512):
            kept = []
            for token in doc:
                lemma = overrides.get(token.lower_) or token.lemma_ or token.lower_
                if (
                    len(lemma) >= 3
                    and _WORD.match(lemma)
                    and lemma not in dropped
                    and token.lower_ not in dropped
                ):
                    kept.append(lemma.replace("’", "'"))
            out.append(" ".join(kept))
    return out
