"""Character-level agreement per code and source, as desktop QDA tools report it.

For a pair of coders, a source both coded and a code, every character of the
source is coded by both, by one only, or by neither (overlapping spans of one
coder count once). Agreement is (both + neither) / characters, and kappa is
computed over the characters with the coders' coverage as chance: the figures
NVivo's coding comparison reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

from pdcode.reliability import stats

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = [
    "code", "source", "coder_a", "coder_b", "characters",
    "a_only", "b_only", "both", "agreement", "kappa",
]  # fmt: skip


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _length(spans: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in spans)


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        low, high = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, high - low)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def character_agreement(
    codings: pd.DataFrame,
    lengths: Mapping[str, int],
    coders: Sequence[str],
    codes: Sequence[str],
) -> list[dict[str, Any]]:
    """One row per code, source both coders of a pair coded, and pair."""
    spans: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    seen: dict[str, set[str]] = {c: set() for c in coders}
    for source, start, end, code, coder in codings[
        ["source", "start", "end", "code", "coder"]
    ].itertuples(index=False):
        if coder not in seen:
            continue
        seen[coder].add(source)
        spans.setdefault((coder, source, code), []).append((int(start), int(end)))
    merged = {key: _merge(value) for key, value in spans.items()}
    rows = []
    for code in codes:
        for a, b in combinations(coders, 2):
            for source in sorted(seen[a] & seen[b]):
                size = int(lengths.get(source, 0))
                if size == 0:
                    continue
                sa, sb = merged.get((a, source, code), []), merged.get((b, source, code), [])
                la, lb, both = _length(sa), _length(sb), _overlap(sa, sb)
                agree = (size - la - lb + 2 * both) / size
                chance = (la / size) * (lb / size) + (1 - la / size) * (1 - lb / size)
                kappa = (agree - chance) / (1 - chance) if chance < 1 else None
                rows.append(
                    {
                        "code": code,
                        "source": source,
                        "coder_a": a,
                        "coder_b": b,
                        "characters": size,
                        "a_only": la - both,
                        "b_only": lb - both,
                        "both": both,
                        "agreement": round(agree * 100, 2),
                        "kappa": stats.rounded(kappa),
                    }
                )
    return rows
