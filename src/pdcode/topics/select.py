"""Choosing k: coherence of the topics and their stability across seeds.

For each k tried, the model is fitted with ``seeds`` seeds. Coherence is the mean
NPMI of the first seed's topics (their top ``terms`` words); stability is the
mean, over the other seeds, of the best one-to-one matching of topics (by the
Jaccard similarity of their top words, Hungarian algorithm from SciPy) with the
first seed's. The chosen k has the highest coherence + stability (ties: smaller
k). Beyond ``SAMPLE`` documents the trials use a seeded random sample of that
many (the final model is fitted on all): each trial costs three fits. NMF is
deterministic given the data, so its stability comes from varying the
initialisation: seeds other than the first use random initialisation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pdcode.topics.coherence import npmi
from pdcode.topics.model import TopicModel

SAMPLE = 20_000


@dataclass(frozen=True)
class Trial:
    k: int
    coherence: float
    stability: float

    @property
    def score(self) -> float:
        return self.coherence + self.stability


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def stability(runs: Sequence[Sequence[Sequence[str]]]) -> float:
    """Mean best-matching Jaccard of each run's topics with the first run's."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    if len(runs) < 2:
        return 1.0
    scores = []
    for other in runs[1:]:
        similarity = np.array([[_jaccard(a, b) for b in other] for a in runs[0]])
        rows, cols = linear_sum_assignment(-similarity)
        scores.append(float(similarity[rows, cols].mean()))
    return float(np.mean(scores))


def choose_k(
    documents: Sequence[str],
    ks: Sequence[int],
    method: str = "nmf",
    seed: int = 0,
    seeds: int = 3,
    terms: int = 10,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[int, list[Trial]]:
    if len(documents) > SAMPLE:
        import random

        documents = random.Random(seed).sample(list(documents), SAMPLE)
    tokens = [d.split() for d in documents]
    trials = []
    for step, k in enumerate(ks, 1):
        runs = []
        for i in range(seeds):
            init = "random" if method == "nmf" and i > 0 else "nndsvda"
            model = TopicModel(k=k, method=method, seed=seed + i, init=init)
            model.fit(documents)
            runs.append([[t for t, _ in topic] for topic in model.top_terms(terms)])
        coherence = sum(npmi(runs[0], tokens)) / k
        trials.append(Trial(k, round(coherence, 4), round(stability(runs), 4)))
        if on_progress is not None:
            on_progress(step, len(ks))
    best = max(trials, key=lambda t: (round(t.score, 4), -t.k))
    return best.k, trials
