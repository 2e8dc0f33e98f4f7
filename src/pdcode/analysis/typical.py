"""The most typical excerpts of each code, for reports.

An excerpt is typical of a code when its words are close to those of the code's
excerpts taken together: each excerpt is a TF-IDF vector (English stop words
removed, sublinear term frequency, fitted on all the excerpts given), and its
typicality is the cosine similarity to the mean vector of its code's excerpts.
Ties are broken by source and start, so the choice is stable. The score is a
reading aid for choosing quotations, not a measure of importance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def typical_excerpts(excerpts: pd.DataFrame, per_code: int = 3) -> pd.DataFrame:
    """The ``per_code`` most typical rows of each code, with a ``typicality`` column.

    ``excerpts`` has at least code, source, start and text; other columns are
    kept. Rows come back grouped by code (in first-appearance order), most
    typical first.
    """
    import numpy as np
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer

    if excerpts.empty:
        return excerpts.assign(typicality=pd.Series(dtype=float))
    texts = excerpts["text"].fillna("").astype(str).tolist()
    vectoriser = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # nothing but stop words in every excerpt
        matrix = None
    frame = excerpts.reset_index(drop=True)
    scores = np.ones(len(frame))
    for _code, index in frame.groupby("code", sort=False).indices.items():
        if matrix is None or len(index) == 1:
            continue
        block = matrix[index]
        centre = np.asarray(block.mean(axis=0)).ravel()
        norm = np.linalg.norm(centre)
        # Rows of a TF-IDF matrix are unit length, so a dot product is a cosine.
        scores[index] = block @ (centre / norm) if norm else 0.0
    frame = frame.assign(typicality=np.round(scores, 6))
    codes = list(dict.fromkeys(frame["code"]))
    frame = frame.assign(_order=frame["code"].map(codes.index))
    frame = frame.sort_values(
        ["_order", "typicality", "source", "start"],
        ascending=[True, False, True, True],
        kind="stable",
    )
    best = frame.groupby("_order", sort=False).head(per_code)
    return best.drop(columns="_order").reset_index(drop=True)
