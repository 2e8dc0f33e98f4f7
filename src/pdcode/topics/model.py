"""A topic model with scikit-learn's vocabulary: ``fit``, ``transform``, and
fitted attributes ending in ``_``.

``method="nmf"``: non-negative matrix factorisation of a TF-IDF matrix
(``init="nndsvda"``, deterministic given the data). ``method="lda"``: latent
Dirichlet allocation over counts (online variational Bayes, ten passes,
``random_state=seed``).
Documents are the lemma strings of ``pdcode.topics.text``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

METHODS = ("nmf", "lda")


@dataclass
class TopicModel:
    k: int
    method: str = "nmf"
    seed: int = 0
    min_df: int = 2
    max_df: float = 0.5
    max_features: int = 5000
    max_iter: int = 400
    init: str = "nndsvda"  # NMF only; "random" lets the seed vary the result
    # Fitted:
    vocabulary_: list[str] = field(default_factory=list)
    components_: Any = None  # topics x terms
    doc_topic_: Any = None  # documents x topics, rows summing to 1 (0 for empty)

    def _vectoriser(self, documents: int) -> Any:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

        # A tiny corpus cannot afford min_df=2: keep every word it has.
        min_df = self.min_df if documents >= 50 else 1
        options: dict[str, Any] = dict(
            min_df=min_df,
            max_df=self.max_df if documents >= 50 else 1.0,
            max_features=self.max_features,
            token_pattern=r"[^ ]+",
            lowercase=False,
        )
        if self.method == "nmf":
            return TfidfVectorizer(sublinear_tf=True, **options)
        return CountVectorizer(**options)

    def fit(self, documents: Sequence[str]) -> TopicModel:
        import numpy as np

        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r} (choose from {', '.join(METHODS)})")
        vectoriser = self._vectoriser(len(documents))
        matrix = vectoriser.fit_transform(documents)
        self.vocabulary_ = list(vectoriser.get_feature_names_out())
        self._vectoriser_fitted = vectoriser
        if self.k < 1 or self.k > min(matrix.shape):
            raise ValueError(
                f"k={self.k} is not possible with {matrix.shape[0]} segments "
                f"and {matrix.shape[1]} terms"
            )
        if self.method == "nmf":
            from sklearn.decomposition import NMF

            model: Any = NMF(
                n_components=self.k, init=self.init, random_state=self.seed, max_iter=self.max_iter
            )
        else:
            from sklearn.decomposition import LatentDirichletAllocation

            # Online (mini-batch) variational Bayes: batch learning over 100,000
            # segments takes minutes; ten passes of mini-batches take seconds.
            model = LatentDirichletAllocation(
                n_components=self.k,
                learning_method="online",
                learning_offset=50.0,
                batch_size=2048,
                random_state=self.seed,
                max_iter=10,
            )
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            # NMF from a random start may stop at max_iter; its topics are still
            # usable, and the warning would only clutter the terminal.
            warnings.simplefilter("ignore", ConvergenceWarning)
            weights = model.fit_transform(matrix)
        self._model = model
        self.components_ = model.components_
        totals = weights.sum(axis=1, keepdims=True)
        self.doc_topic_ = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        return self

    def transform(self, documents: Sequence[str]) -> Any:
        import numpy as np

        weights = self._model.transform(self._vectoriser_fitted.transform(documents))
        totals = weights.sum(axis=1, keepdims=True)
        return np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)

    def top_terms(self, n: int = 10) -> list[list[tuple[str, float]]]:
        return top_terms(self.components_, self.vocabulary_, n)


def top_terms(components: Any, vocabulary: Sequence[str], n: int) -> list[list[tuple[str, float]]]:
    """Each topic's ``n`` heaviest terms with their weights (ties by term)."""
    out = []
    for row in components:
        order = sorted(range(len(row)), key=lambda i: (-row[i], vocabulary[i]))[:n]
        out.append([(vocabulary[i], float(row[i])) for i in order])
    return out
