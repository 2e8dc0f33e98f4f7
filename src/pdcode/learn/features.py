"""The features of a suggestion model: TF-IDF over words and word pieces.

Two blocks side by side, as a scikit-learn ``FeatureUnion`` of two
``TfidfVectorizer`` s would make them: word 1-2-grams and character 3-5-grams
inside word boundaries (``char_wb``), each with sublinear term frequency
(``1 + log tf``), smoothed idf (``ln((1 + n) / (1 + df)) + 1``) and its own L2
normalisation, so that the many character n-grams of a text do not drown its
words.

``Features`` is the fitted transform and nothing more: the terms in column order,
their idf and the parameters. It is rebuilt from exactly those (a saved model
holds no pickled vectorizer), and a freshly fitted model transforms through the
same code, so a model and its saved copy give the same numbers to the last bit.
Counting uses scikit-learn's analyzers with a fixed vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# scikit-learn's default token pattern: words of two or more word characters.
# Word terms never contain "~", so the prefix below tells the blocks apart.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
CHAR_PREFIX = "~"


@dataclass(frozen=True)
class FeatureParams:
    """How text becomes features; saved with a model and checked on load."""

    word_ngram: tuple[int, int] = (1, 2)
    char_ngram: tuple[int, int] = (3, 5)
    min_df: int = 2  # a term must occur in this many training units (fitting only)
    lowercase: bool = True
    sublinear_tf: bool = True

    def check(self) -> None:
        for name, (low, high) in (("word_ngram", self.word_ngram), ("char_ngram", self.char_ngram)):
            if not 1 <= low <= high <= 8:
                raise ValueError(f"{name} must be (low, high) with 1 <= low <= high <= 8")
        if self.min_df < 1:
            raise ValueError("min_df must be at least 1")


def _counter(analyzer: str, params: FeatureParams, **options: Any) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    if analyzer == "word":
        return CountVectorizer(
            analyzer="word",
            ngram_range=params.word_ngram,
            lowercase=params.lowercase,
            token_pattern=TOKEN_PATTERN,
            dtype=np.float64,
            **options,
        )
    return CountVectorizer(
        analyzer="char_wb",
        ngram_range=params.char_ngram,
        lowercase=params.lowercase,
        dtype=np.float64,
        **options,
    )


@dataclass(frozen=True, eq=False)
class Features:
    """The fitted transform: ``terms`` (word terms, then ``~`` character terms,
    each block sorted as scikit-learn sorts it), ``idf`` aligned with them."""

    terms: tuple[str, ...]
    idf: npt.NDArray[np.float64]
    params: FeatureParams

    def __post_init__(self) -> None:
        words = self.word_count
        if not all(t.startswith(CHAR_PREFIX) for t in self.terms[words:]):
            raise ValueError("word terms must come before character terms")
        if len(self.idf) != len(self.terms):
            raise ValueError("idf and terms differ in length")
        word_vocab = {t: i for i, t in enumerate(self.terms[:words])}
        char_vocab = {t[1:]: i for i, t in enumerate(self.terms[words:])}
        if len(word_vocab) + len(char_vocab) != len(self.terms):
            raise ValueError("terms repeat")
        # Counters with a fixed vocabulary need no fitting.
        object.__setattr__(self, "_word", _counter("word", self.params, vocabulary=word_vocab))
        object.__setattr__(self, "_char", _counter("char_wb", self.params, vocabulary=char_vocab))

    @property
    def word_count(self) -> int:
        """How many of the terms are word terms (the first block)."""
        for i, term in enumerate(self.terms):
            if term.startswith(CHAR_PREFIX):
                return i
        return len(self.terms)

    @property
    def vocabulary(self) -> dict[str, int]:
        return {term: i for i, term in enumerate(self.terms)}

    def transform(self, texts: Sequence[str]) -> Any:
        """A CSR matrix, texts x terms, float64."""
        import scipy.sparse as sp

        words = self.word_count
        blocks = []
        for counter, idf, size in (
            (self._word, self.idf[:words], words),  # type: ignore[attr-defined]
            (self._char, self.idf[words:], len(self.terms) - words),  # type: ignore[attr-defined]
        ):
            if size == 0:  # a counter cannot count with an empty vocabulary
                blocks.append(sp.csr_matrix((len(texts), 0), dtype=np.float64))
                continue
            blocks.append(_tfidf(counter.transform(texts), idf, self.params.sublinear_tf))
        return sp.hstack(blocks, format="csr", dtype=np.float64)


def _tfidf(counts: Any, idf: npt.NDArray[np.float64], sublinear: bool) -> Any:
    from sklearn.preprocessing import normalize

    matrix = counts.tocsr().astype(np.float64)
    if matrix.shape[1] == 0:
        return matrix
    matrix.sort_indices()
    if sublinear:
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
    matrix.data *= idf[matrix.indices]
    return normalize(matrix, norm="l2", copy=False)


@dataclass(frozen=True, eq=False)
class Counts:
    """Every term of some texts (no ``min_df``) and its counts in each text.

    Counting is the slow part; cross-validation counts once and fits each fold's
    features from the rows of its training texts, which gives the very terms and
    idf that a vectorizer fitted on those texts alone would."""

    terms: tuple[str, ...]  # word terms, then character terms, each block sorted
    words: int  # how many of the terms are word terms
    matrix: Any  # CSR, texts x terms, float64 counts
    params: FeatureParams

    def fit(
        self, rows: npt.NDArray[np.intp] | None = None
    ) -> tuple[Features, npt.NDArray[np.intp]]:
        """The features fitted on ``rows`` (all texts by default), and the columns
        of these counts they keep. ``ValueError`` when no term is left."""
        counts = self.matrix if rows is None else self.matrix[rows]
        df = np.asarray((counts > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= self.params.min_df)
        if not len(keep):
            raise ValueError("no term occurs in enough units to learn from")
        documents = float(counts.shape[0])
        idf = np.log((1.0 + documents) / (1.0 + df[keep].astype(np.float64))) + 1.0
        return Features(tuple(self.terms[k] for k in keep), idf, self.params), keep

    def tfidf(
        self, features: Features, keep: npt.NDArray[np.intp], rows: npt.NDArray[np.intp] | None
    ) -> Any:
        """The tf-idf matrix of ``rows`` under ``features`` (fitted by ``fit`` on
        columns ``keep``): what ``features.transform`` gives for their texts."""
        import scipy.sparse as sp

        counts = (self.matrix if rows is None else self.matrix[rows])[:, keep]
        words = features.word_count
        blocks = [
            _tfidf(counts[:, :words], features.idf[:words], self.params.sublinear_tf),
            _tfidf(counts[:, words:], features.idf[words:], self.params.sublinear_tf),
        ]
        return sp.hstack(blocks, format="csr", dtype=np.float64)


def count(texts: Sequence[str], params: FeatureParams) -> Counts:
    """Every word and character n-gram of ``texts`` with its counts."""
    import scipy.sparse as sp

    params.check()
    terms: list[str] = []
    blocks = []
    words = 0
    for analyzer, prefix in (("word", ""), ("char_wb", CHAR_PREFIX)):
        counter = _counter(analyzer, params)
        try:
            blocks.append(counter.fit_transform(texts).tocsr())
        except ValueError:  # no term at all (empty texts)
            blocks.append(sp.csr_matrix((len(texts), 0), dtype=np.float64))
            continue
        found = [prefix + str(t) for t in counter.get_feature_names_out()]
        terms += found
        words = len(found) if analyzer == "word" else words
    matrix = sp.hstack(blocks, format="csr", dtype=np.float64)
    return Counts(tuple(terms), words, matrix, params)


def fit_features(texts: Sequence[str], params: FeatureParams) -> Features:
    """Terms occurring in at least ``params.min_df`` texts, with their idf.

    Raises ``ValueError`` when no term is left (texts empty or all different)."""
    return count(texts, params).fit()[0]
