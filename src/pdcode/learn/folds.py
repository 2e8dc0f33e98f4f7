"""Cross-validation folds grouped by source.

Units of one interview share a speaker, a school and a way of talking; a fold
that trains on some of an interview's turns and tests on others would flatter
the model. Every fold here keeps each source wholly in training or wholly in
testing (scikit-learn's ``GroupKFold``, which is deterministic).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pdcode.errors import UsageError

Fold = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]


def check_sources(groups: Sequence[str]) -> int:
    """The number of distinct sources; a ``UsageError`` when there are fewer than two."""
    sources = len(set(groups))
    if sources < 2:
        found = "none" if sources == 0 else "only one"
        raise UsageError(
            "learning code suggestions needs human coding in at least 2 sources "
            f"(interviews or responses), so that it can be checked on a source it did not "
            f"learn from; {found} is coded. Code at least one more source and try again."
        )
    return sources


def grouped_folds(groups: Sequence[str], folds: int = 5) -> list[Fold]:
    """(train, test) unit indices for ``min(folds, sources)`` folds, no source on
    both sides of any fold. Needs at least two sources (``UsageError``)."""
    from sklearn.model_selection import GroupKFold

    if folds < 2:
        raise ValueError("folds must be at least 2")
    sources = check_sources(groups)
    codes = _codes(groups)
    splitter = GroupKFold(n_splits=min(folds, sources))
    placeholder = np.zeros((len(groups), 1))
    return [
        (np.asarray(train, dtype=np.intp), np.asarray(test, dtype=np.intp))
        for train, test in splitter.split(placeholder, groups=codes)
    ]


def _codes(groups: Sequence[str]) -> npt.NDArray[np.intp]:
    index = {name: i for i, name in enumerate(sorted(set(groups)))}
    return np.array([index[g] for g in groups], dtype=np.intp)
