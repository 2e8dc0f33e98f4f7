"""The units where coders differ: the agenda of a consensus meeting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pdcode.reliability.agreement import matrices

if TYPE_CHECKING:
    import pandas as pd


def disagreements(
    units: pd.DataFrame, codings: pd.DataFrame, coders: Sequence[str], codes: Sequence[str]
) -> list[dict[str, Any]]:
    """Units every coder saw whose sets of codes differ, in source order.

    ``units`` has source, start, end and any attribution columns (text,
    speaker...), which are carried into the rows. Each row adds one column per
    coder (their codes on the unit, in codebook order, "; "-joined), the codes
    only some coders applied (``differ``), and empty ``consensus`` and ``notes``
    columns for the meeting to fill in.
    """
    import numpy as np

    units = units.reset_index(drop=True)
    per_code = matrices(units, codings, coders, codes)
    if not codes:
        return []
    stacked = np.stack([per_code[c] for c in codes])  # codes x units x coders
    seen_by_all = ~np.isnan(stacked[0]).any(axis=1)
    applied = np.nan_to_num(stacked) > 0
    differs = (applied.any(axis=2) & ~applied.all(axis=2)).any(axis=0) & seen_by_all
    rows = []
    for i in np.flatnonzero(differs):
        row = {str(k): v for k, v in units.iloc[int(i)].to_dict().items()}
        for j, coder in enumerate(coders):
            row[coder] = "; ".join(c for k, c in enumerate(codes) if applied[k, i, j])
        row["differ"] = "; ".join(
            c for k, c in enumerate(codes) if applied[k, i].any() and not applied[k, i].all()
        )
        row["consensus"] = ""
        row["notes"] = ""
        rows.append(row)
    return rows
