"""The result of `pdcode topics`: a fitted model described for reading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from pdcode.topics.describe import Topic
    from pdcode.topics.select import Trial


@dataclass(frozen=True)
class TopicsResult:
    method: str
    k: int
    seed: int
    unit: str
    segments: int
    trials: tuple[Trial, ...]  # empty when k was given
    topics: tuple[Topic, ...]
    prevalence: dict[str, pd.DataFrame]  # strand/case/role -> topic x group (%)
    assignments: tuple[tuple[str, int, int, int, float], ...]  # source, start, end, topic, weight
    coherence: tuple[float, ...]  # NPMI of each topic's top terms

    @property
    def coder(self) -> str:
        return f"topics:{self.method}@k={self.k},seed={self.seed}"
