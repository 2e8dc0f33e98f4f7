"""The most typical excerpts of each code, for reports.

A quotation is a whole sentence, never a fragment: the candidates of a code are
the sentences its codings touch (by at least one character), said by a
participant (not the interviewer) and of at least 12 words. Only a code with no
such sentence falls back to its shorter (or interviewer) sentences, and the
report says so. An excerpt is typical of a code when its words are close to
those of the code's candidates taken together: each is a TF-IDF vector (English
stop words removed, sublinear term frequency, fitted on all the candidates), and
its typicality is the cosine similarity to the mean vector of its code's
candidates. Ties are broken by source and start, so the choice is stable. The
score is a reading aid for choosing quotations, not a measure of importance.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import regex

from pdcode.analysis.overlap import coded_units

if TYPE_CHECKING:
    import pandas as pd

MIN_WORDS = 12
_WORDS = regex.compile(r"[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*")


def word_count(text: str) -> int:
    """Words as a reader counts them: "it's", "follow-up" and "3.5" are one each."""
    return len(_WORDS.findall(text))


def sentence_candidates(
    sentences: pd.DataFrame,
    codings: pd.DataFrame,
    min_words: int = MIN_WORDS,
    labels: Collection[str] = (),
) -> pd.DataFrame:
    """Each code's candidate quotations: the sentences its codings touch, one row
    per (sentence, code), with ``words`` and ``short`` columns.

    ``sentences`` has source, start, end, text and optionally is_interviewer
    (other columns are kept); ``codings`` has source, start, end, code. A code's
    candidates are its participants' sentences of ``min_words`` or more; a code
    without one keeps all its sentences, marked ``short``. A sentence with a
    speaker label in it (one of ``labels`` followed by a colon at the start of a
    line: a label the import missed) is never a candidate.
    """
    import numpy as np

    pairs = coded_units(sentences[["source", "start", "end"]], codings)
    frame = sentences.iloc[pairs["unit"].to_numpy()].reset_index(drop=True)
    frame = frame.assign(code=pairs["code"].astype(str).to_numpy())
    texts = frame["text"].fillna("").astype(str)
    words = texts.map(word_count).astype("int64")
    labelled = np.zeros(len(frame), dtype=bool)
    names = sorted({str(n) for n in labels if n}, key=len, reverse=True)
    if names and len(frame):
        label = regex.compile(
            r"^[ \t]*(?:" + "|".join(regex.escape(n) for n in names) + r")[ \t]*:",
            regex.MULTILINE,
        )
        labelled = texts.map(lambda t: label.search(t) is not None).to_numpy(dtype=bool)
    interviewer = np.zeros(len(frame), dtype=bool)
    if "is_interviewer" in frame.columns:
        interviewer = frame["is_interviewer"].fillna(False).astype(bool).to_numpy()
    preferred = (words.to_numpy() >= min_words) & ~interviewer & ~labelled
    has_preferred = (
        frame.assign(_p=preferred).groupby("code", sort=False)["_p"].transform("any").to_numpy()
    )
    keep = (preferred | ~has_preferred) & ~labelled
    frame = frame.assign(words=words.to_numpy(), short=~has_preferred)
    kept: pd.DataFrame = frame.loc[keep].reset_index(drop=True)
    return kept


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
