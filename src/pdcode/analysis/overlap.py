"""Which units (turns, sentences) each coding touches, vectorised for large projects.

A coding applies to a unit when their spans overlap by at least one character,
the same rule as in ``pdcode.evaluation``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def coded_units(units: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, code) pair: ``unit`` (row position in ``units``), ``code``.

    ``units`` has source, start, end (units of one source do not overlap);
    ``codings`` has source, start, end, code.
    """
    import numpy as np
    import pandas as pd

    if units.empty or codings.empty:
        return pd.DataFrame({"unit": pd.Series(dtype="int64"), "code": pd.Series(dtype=object)})
    units = units.reset_index(drop=True)
    names = pd.Index(pd.unique(pd.concat([units["source"], codings["source"]])))
    # Place every source on one number line, each in a band of its own, so one
    # sorted search finds the units of all sources at once.
    band = int(max(units["end"].max(), codings["end"].max())) + 1
    unit_source = names.get_indexer(units["source"]).astype("int64")
    starts = unit_source * band + units["start"].to_numpy("int64")
    ends = unit_source * band + units["end"].to_numpy("int64")
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    coding_source = names.get_indexer(codings["source"]).astype("int64")
    c_start = coding_source * band + codings["start"].to_numpy("int64")
    c_end = coding_source * band + codings["end"].to_numpy("int64")
    first = np.searchsorted(ends, c_start, side="right")
    last = np.searchsorted(starts, c_end, side="left") - 1
    counts = np.clip(last - first + 1, 0, None)
    total = int(counts.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    positions = np.repeat(first, counts) + offsets
    pairs = pd.DataFrame(
        {"unit": order[positions], "code": np.repeat(codings["code"].to_numpy(), counts)}
    )
    return pairs.drop_duplicates().reset_index(drop=True)
