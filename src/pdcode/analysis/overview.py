"""What a study holds: sources and cases per strand, split by role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

NONE = "(none)"


@dataclass(frozen=True)
class Overview:
    by: str  # the row attribute (strand)
    split: str | None  # the column attribute (role), None when no source has it
    columns: tuple[str, ...]  # values of ``split``, sorted
    rows: tuple[tuple[str, int, int, tuple[int, ...]], ...]  # value, sources, cases, per column


def overview(sources: pd.DataFrame, by: str = "strand", split: str = "role") -> Overview:
    """Sources and cases for each value of ``by``, and sources per value of ``split``.

    ``sources`` has one row per source with source, case and the attribute
    columns; a missing value shows as "(none)". A total row comes last.
    """
    frame = sources.copy()
    frame[by] = frame[by].fillna(NONE).astype(str) if by in frame.columns else NONE
    has_split = split in frame.columns and frame[split].notna().any()
    if has_split:
        frame[split] = frame[split].fillna(NONE).astype(str)
    columns = tuple(sorted(frame[split].unique())) if has_split else ()

    def line(name: str, part: pd.DataFrame) -> tuple[str, int, int, tuple[int, ...]]:
        per = tuple(int((part[split] == c).sum()) for c in columns) if has_split else ()
        return name, len(part), int(part["case"].nunique()), per

    rows = [line(value, frame[frame[by] == value]) for value in sorted(frame[by].unique())]
    rows.append(line("total", frame))
    return Overview(by, split if has_split else None, columns, tuple(rows))
