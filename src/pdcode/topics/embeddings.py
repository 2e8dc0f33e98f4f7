"""Optional: topics from sentence embeddings (BERTopic-style), never downloading.

Segments are embedded with a sentence-transformers model that is already on the
machine (``local_files_only``; the Hugging Face hub is switched offline), grouped
with k-means (seeded), and each cluster is labelled by class-based TF-IDF over
the clusters' lemma documents. Needs ``pip install 'pdcode[embeddings]'`` and a
model installed beforehand; otherwise it says exactly what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pdcode.errors import UsageError


@dataclass
class EmbeddingTopics:
    k: int
    model: str
    seed: int = 0
    vocabulary_: list[str] = field(default_factory=list)
    components_: Any = None  # clusters x terms (c-TF-IDF)
    doc_topic_: Any = None  # one-hot cluster membership

    def _encoder(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
        except ImportError:
            raise UsageError(
                "--method embeddings needs the optional extra: pip install 'pdcode[embeddings]'"
            ) from None
        try:
            return SentenceTransformer(self.model, local_files_only=True)
        except Exception:
            raise UsageError(
                f"embedding model {self.model!r} is not installed on this machine "
                "(pdcode never downloads models; give a local path with --embedding-model)"
            ) from None

    def fit(self, texts: Sequence[str], documents: Sequence[str]) -> EmbeddingTopics:
        import numpy as np
        from sklearn.cluster import KMeans
        from sklearn.feature_extraction.text import CountVectorizer

        vectors = self._encoder().encode(list(texts), show_progress_bar=False)
        labels = KMeans(n_clusters=self.k, random_state=self.seed, n_init=10).fit_predict(vectors)
        counter = CountVectorizer(token_pattern=r"[^ ]+", lowercase=False)
        counts = counter.fit_transform(documents)
        per_class = np.vstack(
            [np.asarray(counts[labels == c].sum(axis=0)).ravel() for c in range(self.k)]
        )
        # c-TF-IDF: term frequency within a class, weighted by log(1 + A / f_t)
        # with A the mean words per class and f_t the term's total frequency.
        tf = per_class / np.maximum(per_class.sum(axis=1, keepdims=True), 1)
        idf = np.log1p(per_class.sum(axis=1).mean() / np.maximum(per_class.sum(axis=0), 1))
        self.components_ = tf * idf
        self.vocabulary_ = list(counter.get_feature_names_out())
        self.doc_topic_ = np.eye(self.k)[labels]
        return self

    def top_terms(self, n: int = 10) -> list[list[tuple[str, float]]]:
        from pdcode.topics.model import top_terms

        return top_terms(self.components_, self.vocabulary_, n)
