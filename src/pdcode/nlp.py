"""The one spaCy pipeline factory: nothing is downloaded at run time.

By default: ``spacy.blank("en")`` + the rule-based sentencizer, and, when lemmas
are wanted, a lookup lemmatizer fed from the ``spacy-lookups-data`` package. The
stock lookup keys on the token as written, so "Trusted" at the start of a
sentence would stay "Trusted"; ours looks up the lower-case form and stores a
lower-case lemma, which makes lemma matching case-insensitive.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pdcode.errors import PdcodeError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

LEMMA_COMPONENT = "pdcode_lemmas"


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
