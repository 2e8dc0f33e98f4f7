"""What a researcher reads per topic: terms, a label, typical excerpts, where the
topic is prevalent, and which codebook codes its segments carry.

A segment belongs to its dominant topic (highest weight; segments left with no
words after cleaning belong to none). Prevalence is the share of a group's
segments (a strand's, a case's, a role's) that belong to the topic. Overlap
with the codebook: of the topic's segments, the share carrying each code, and
its lift over the code's share of all segments. A topic whose best code covers
less than a fifth of its segments is flagged as a possible gap in the codebook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pdcode.analysis.overlap import coded_units

if TYPE_CHECKING:
    import pandas as pd

GAP = 0.2
GROUPS = ("strand", "case", "role")


@dataclass(frozen=True)
class Topic:
    number: int  # 1-based
    label: str
    terms: tuple[tuple[str, float], ...]
    segments: int
    excerpts: tuple[dict[str, Any], ...]
    codes: tuple[dict[str, Any], ...]  # code, segments, share, lift
    gap: bool


def label(terms: Sequence[tuple[str, float]], n: int = 3) -> str:
    return " / ".join(t for t, _ in terms[:n])


def describe(
    segments: pd.DataFrame,
    weights: Any,
    terms: Sequence[Sequence[tuple[str, float]]],
    codings: pd.DataFrame,
    excerpts: int = 3,
    top_codes: int = 5,
    texts: Callable[[Sequence[int]], Sequence[str]] | None = None,
) -> tuple[list[Topic], dict[str, pd.DataFrame]]:
    """Topics and, for strand, case and role, a topic x group prevalence table (%).

    Without a ``text`` column in ``segments``, ``texts`` gives the text of the
    segments (by row) chosen as excerpts: only those few are ever read back."""
    import numpy as np
    import pandas as pd

    segments = segments.reset_index(drop=True)
    has_words = weights.sum(axis=1) > 0
    dominant = np.where(has_words, weights.argmax(axis=1), -1)
    pairs = coded_units(segments[["source", "start", "end"]], codings)
    coded = pd.DataFrame({"unit": pairs["unit"], "code": pairs["code"].astype(object)})
    overall = coded.groupby("code")["unit"].nunique() / max(len(segments), 1)
    members_of = [np.flatnonzero(dominant == t) for t in range(len(terms))]
    picked = [
        sorted(members, key=lambda i: (-round(float(weights[i, t]), 6), int(i)))[:excerpts]
        for t, members in enumerate(members_of)
    ]
    text_of: dict[int, str] = {}
    if "text" not in segments.columns and texts is not None:
        rows = sorted({int(i) for order in picked for i in order})
        text_of = dict(zip(rows, texts(rows), strict=True))
    topics = []
    for t, topic_terms in enumerate(terms):
        members = members_of[t]
        chosen = []
        for i in picked[t]:
            row = {str(k): v for k, v in segments.iloc[int(i)].to_dict().items()}
            if int(i) in text_of:
                row["text"] = text_of[int(i)]
            row["weight"] = round(float(weights[i, t]), 4)
            chosen.append(row)
        inside = coded[coded["unit"].isin(set(members.tolist()))]
        counts = inside.groupby("code")["unit"].nunique()
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        code_rows: list[dict[str, Any]] = []
        for code, n in counts.head(top_codes).items():
            share = int(n) / len(members) if len(members) else 0.0
            base = float(overall.get(code, 0.0))
            lift = share / base if base else 0.0
            code_rows.append(
                {"code": code, "segments": int(n), "share": round(share, 3), "lift": round(lift, 2)}
            )
        best = float(code_rows[0]["share"]) if code_rows else 0.0
        topics.append(
            Topic(
                number=t + 1,
                label=label(topic_terms),
                terms=tuple((w, round(v, 4)) for w, v in topic_terms),
                segments=len(members),
                excerpts=tuple(chosen),
                codes=tuple(code_rows),
                gap=best < GAP,
            )
        )
    prevalence = {}
    for by in GROUPS:
        if by not in segments.columns:
            continue
        groups = segments[by].fillna("(none)").astype(str)
        names = sorted(groups.unique())
        table = pd.DataFrame(
            [
                [
                    round(100.0 * float((dominant[(groups == g).to_numpy()] == t).mean()), 1)
                    for g in names
                ]
                for t in range(len(terms))
            ],
            index=[f"{t + 1}: {label(terms[t])}" for t in range(len(terms))],
            columns=names,
        )
        prevalence[by] = table
    return topics, prevalence
