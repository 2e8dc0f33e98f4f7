"""Topic coherence: normalised pointwise mutual information (NPMI) of each topic's
top words, estimated from document co-occurrence in the corpus itself.

For words i and j, NPMI = log(P(i,j) / (P(i) P(j))) / -log P(i,j), with
probabilities the share of documents containing the words; a pair that never
co-occurs scores -1. A topic's coherence is the mean over its pairs of top
words (Bouma 2009; Röder et al. 2015 use the same measure for topic models).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def npmi(topics: Sequence[Sequence[str]], documents: Sequence[Sequence[str]]) -> list[float]:
    """Mean pairwise NPMI of each topic's words over ``documents`` (token lists)."""
    import numpy as np
    from scipy import sparse

    words = sorted({w for topic in topics for w in topic})
    index = {w: i for i, w in enumerate(words)}
    rows, cols = [], []
    for d, document in enumerate(documents):
        for w in {w for w in document if w in index}:
            rows.append(d)
            cols.append(index[w])
    n = max(len(documents), 1)
    present = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(documents), len(words))
    )
    together = (present.T @ present).toarray() / n  # P(i, j); diagonal P(i)
    single = np.diag(together)
    scores = []
    for topic in topics:
        ids = [index[w] for w in topic]
        values = []
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                values.append(_npmi(together[ids[a], ids[b]], single[ids[a]], single[ids[b]]))
        scores.append(float(np.mean(values)) if values else 0.0)
    return scores


def _npmi(joint: Any, p_i: Any, p_j: Any) -> float:
    import math

    if joint <= 0:
        return -1.0
    if joint >= 1:
        return 1.0
    return math.log(joint / (p_i * p_j)) / -math.log(joint)
