"""Segments to lemma documents for topic models.

Each segment becomes a string of lower-case lemmas of its alphabetic words of
three letters or more, without English stop words (scikit-learn's list and
spaCy's), interview fillers ("you know", "I mean", "sort of", "kind of",
"yeah"...) and the words of the speakers' own names. Fillers are removed as
phrases before single words, so "kind of" goes but "kind" in "a kind head" stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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
# "physics" -> "physic", "developed" -> "develope"): kept or mapped as here.
LEMMA_FIXES = {
    "maths": "maths", "physics": "physics", "economics": "economics", "politics": "politics",
    "statistics": "statistics", "developed": "develop", "develops": "develop", "news": "news",
}  # fmt: skip
_PHRASES = regex.compile(
    r"\b(?:" + "|".join(regex.escape(p) for p in FILLER_PHRASES) + r")\b", regex.IGNORECASE
)
_WORD = regex.compile(r"^\p{L}[\p{L}'’-]*\p{L}$")


def stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(STOP_WORDS) | FILLER_WORDS


def name_words(speakers: Iterable[str | None]) -> frozenset[str]:
    """Lower-case words of the speaker labels (names, roles) to keep out of topics."""
    words: set[str] = set()
    for speaker in speakers:
        if speaker:
            words.update(w.lower() for w in regex.findall(r"\p{L}+", speaker) if len(w) > 1)
    return frozenset(words)


def lemma_documents(texts: Sequence[str], exclude: frozenset[str] = frozenset()) -> list[str]:
    """One space-separated string of kept lemmas per text."""
    from pdcode.nlp import make_nlp

    nlp = make_nlp(None, True)
    dropped = stop_words() | exclude
    cleaned = (_PHRASES.sub(" ", t) for t in texts)
    out = []
    with nlp.select_pipes(disable=["sentencizer"]):
        for doc in nlp.pipe(cleaned, batch_size=512):
            kept = []
            for token in doc:
                lemma = LEMMA_FIXES.get(token.lower_) or token.lemma_ or token.lower_
                if (
                    len(lemma) >= 3
                    and _WORD.match(lemma)
                    and lemma not in dropped
                    and token.lower_ not in dropped
                ):
                    kept.append(lemma.replace("’", "'"))
            out.append(" ".join(kept))
    return out
