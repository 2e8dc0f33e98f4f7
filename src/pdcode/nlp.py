"""The one spaCy pipeline factory: nothing is downloaded at run time.

By default: ``spacy.blank("en")`` + the rule-based sentencizer, and, when lemmas
are wanted, a lookup lemmatizer fed from the ``spacy-lookups-data`` package. The
stock lookup keys on the token as written, so "Trusted" at the start of a
sentence would stay "Trusted"; ours looks up the lower-case form and stores a
lower-case lemma, which makes lemma matching case-insensitive.

``sentence_splitter`` gives the sentence spans that pipeline's sentencizer would
give, without running it: see ``SentenceSplitter``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from pdcode.errors import PdcodeError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

LEMMA_COMPONENT = "pdcode_lemmas"
# Pipes that leave sentence boundaries as the sentencizer set them.
_SENTENCE_NEUTRAL = frozenset({"sentencizer", LEMMA_COMPONENT})
# A sentence span, in code points from the start of the text given.
Span = tuple[int, int]


@lru_cache(maxsize=1)
def lemma_table() -> dict[int, str]:
    """Lemmas keyed by the hash spaCy gives the lower-case form (``token.lower``)."""
    from spacy.lookups import load_lookups

    lookups = load_lookups("en", ["lemma_lookup"])
    return dict(lookups.get_table("lemma_lookup").items())


def _register() -> None:
    from spacy.language import Language

    if Language.has_factory(LEMMA_COMPONENT):
        return

    @Language.factory(LEMMA_COMPONENT)
    def _make(nlp: Language, name: str) -> Any:
        import numpy
        from spacy.attrs import LEMMA, LOWER

        strings = nlp.vocab.strings
        # lower-case form hash -> lemma hash, so a doc is lemmatised with array
        # operations instead of a Python Token object per word.
        table = {key: strings.add(lemma) for key, lemma in lemma_table().items()}
        get = table.get

        def lemmatize(doc: Doc) -> Doc:
            if len(doc):
                lowers = doc.to_array(LOWER).tolist()
                lemmas = [get(h, h) for h in lowers]
                column = numpy.array(lemmas, dtype="uint64").reshape(-1, 1)
                doc.from_array([LEMMA], column)  # type: ignore[arg-type]
            return doc

        return lemmatize


@lru_cache(maxsize=8)
def make_nlp(model: str | None = None, lemmas: bool = True) -> Language:
    """A cached pipeline; ``model`` names an installed spaCy package instead."""
    import spacy

    if model is not None:
        try:
            nlp = spacy.load(model)
        except OSError:
            raise PdcodeError(
                f"spaCy pipeline {model!r} is not installed (pdcode never downloads one)"
            ) from None
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
        return nlp
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    if lemmas:
        _register()
        nlp.add_pipe(LEMMA_COMPONENT)
    return nlp


# A token's part in the sentencizer's rule: a sentence-final mark, other
# punctuation, or anything else (which starts a sentence after a mark).
_STOP, _PUNCT, _BREAK = 0, 1, 2
_CACHE_WORDS = 200_000


class SentenceSplitter:
    """The sentence spans of spaCy's rule-based ``Sentencizer``, found cheaply.

    The sentencizer starts a sentence at the first token after a sentence-final
    mark (a token whose text is one of its ``punct_chars``) that is neither such
    a mark nor punctuation. So a text without a mark is one sentence, and only
    the words around marks need tokens. spaCy's tokenizer cuts the text at
    whitespace first and tokenizes each word on its own (its special cases never
    span whitespace), so a word's tokens do not depend on its neighbours and are
    cached by word; between words, a single space is no token and any other
    whitespace is a whitespace token, which is not punctuation. The spans are
    the sentencizer's up to surrounding whitespace, which every caller trims:
    each runs from a sentence's first token to the next sentence's.
    """

    def __init__(self, nlp: Language, punct_chars: frozenset[str]) -> None:
        self._tokenizer = nlp.tokenizer
        self._stops = punct_chars
        # One character class per width: Python's re scans a class of only
        # ASCII or only BMP characters about ten times faster than one that
        # holds characters beyond the BMP, as the sentencizer's list does.
        self._ascii = _char_class(c for c in punct_chars if c.isascii())
        self._bmp = _char_class(c for c in punct_chars if c <= "\uffff")
        wide = _char_class(c for c in punct_chars if c > "\uffff")
        self._all = re.compile(f"{self._bmp.pattern}|{wide.pattern}")
        self._words: dict[str, tuple[tuple[int, int], ...]] = {}

    def _marks(self, text: str) -> re.Pattern[str]:
        """The cheapest pattern that finds every mark in ``text``."""
        if text.isascii():  # constant time
            return self._ascii
        return self._bmp if max(text) <= "\uffff" else self._all

    def _tokens(self, word: str) -> tuple[tuple[int, int], ...]:
        """``word``'s tokens as (offset, part), cached."""
        found = self._words.get(word)
        if found is None:
            found = tuple(
                (
                    token.idx,
                    _STOP if token.text in self._stops else _PUNCT if token.is_punct else _BREAK,
                )
                for token in self._tokenizer(word)
            )
            if len(self._words) >= _CACHE_WORDS:
                self._words.clear()  # bounded memory on any vocabulary
            self._words[word] = found
        return found

    def __call__(self, text: str) -> list[Span]:
        marks = self._marks(text)
        words = self._words
        starts = [0]
        seen = False  # a mark since the last sentence start
        pos = 0  # everything before pos is done; pos is never inside a word
        size = len(text)
        while pos < size:
            if not seen:
                # Words without a mark change nothing until a mark is seen.
                found = marks.search(text, pos)
                if found is None:
                    break
                pos = _word_start(text, pos, found.start())
            elif text[pos] == " " and (pos + 1 == size or not text[pos + 1].isspace()):
                pos += 1  # one space between words is no token
                continue
            elif text[pos].isspace():
                # Other whitespace is a token that is not punctuation: the next
                # sentence starts after it.
                pos = _SPACE_RUN.match(text, pos).end()  # type: ignore[union-attr]
                starts.append(pos)
                seen = False
                continue
            end = _WORD.match(text, pos).end()  # type: ignore[union-attr]
            word = text[pos:end]
            parts = words.get(word) or self._tokens(word)
            for offset, part in parts:
                if part == _STOP:
                    seen = True
                elif seen and part == _BREAK:
                    starts.append(pos + offset)
                    seen = False
            pos = end
        starts.append(size)
        return [(a, b) for a, b in pairwise(starts) if b > a]


def _word_start(text: str, pos: int, at: int) -> int:
    """Where the word holding ``text[at]`` starts (words start at ``pos`` at the earliest)."""
    start = max(text.rfind(" ", pos, at) + 1, pos)
    if _WORD.match(text, start).end() >= at:  # type: ignore[union-attr]
        return start  # no other whitespace in between, as usual
    while at > pos and not text[at - 1].isspace():
        at -= 1
    return at


def _char_class(chars: Iterable[str]) -> re.Pattern[str]:
    body = "".join(re.escape(c) for c in sorted(chars))
    return re.compile(f"[{body}]" if body else "(?!)")


_SPACE_RUN = re.compile(r"\s+")
_WORD = re.compile(r"\S*")


def sentence_splitter(nlp: Language) -> Callable[[str], list[Span]] | None:
    """A ``SentenceSplitter`` when ``nlp`` makes its sentences with nothing but
    spaCy's rule-based sentencizer on spaCy's own tokenizer, else None."""
    return _splitter(nlp, tuple(nlp.pipe_names))


@lru_cache(maxsize=8)
def _splitter(nlp: Language, pipe_names: tuple[str, ...]) -> SentenceSplitter | None:
    from spacy.pipeline import Sentencizer
    from spacy.tokenizer import Tokenizer

    if "sentencizer" not in pipe_names or not set(pipe_names) <= _SENTENCE_NEUTRAL:
        return None
    sentencizer = nlp.get_pipe("sentencizer")
    # Exactly these classes: a subclass may change the rule.
    if not isinstance(sentencizer, Sentencizer) or type(sentencizer) is not Sentencizer:
        return None
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer) or type(tokenizer) is not Tokenizer:
        return None
    # Word-by-word tokens hold only while no special case spans whitespace.
    if any(_mixed(rule) for rule in tokenizer.rules or {}):
        return None
    return SentenceSplitter(nlp, frozenset(sentencizer.punct_chars))


def _mixed(rule: str) -> bool:
    return any(c.isspace() for c in rule) and not rule.isspace()
