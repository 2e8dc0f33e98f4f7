"""Which units (turns, sentences) each coding touches, vectorised for large projects.

A coding applies to a unit when their spans overlap by at least one character,
the same rule as in ``pdcode.evaluation``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def coded_units(units: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, code) pair: ``unit`` (row position in ``units``), ``code``
    (categorical), sorted by unit then code.

    ``units`` has source, start, end (units of one source do not overlap);
    ``codings`` has source, start, end, code.
    """
    import numpy as np
    import pandas as pd

    if units.empty or codings.empty:
        return pd.DataFrame({"unit": pd.Series(dtype="int64"), "code": pd.Series(dtype=object)})
    units = units.reset_index(drop=True)
    known = np.concatenate([_distinct(units["source"]), _distinct(codings["source"])])
    names = pd.Index(pd.unique(known))
    # Place every source on one number line, each in a band of its own, so one
    # sorted search finds the units of all sources at once.
    band = int(max(units["end"].max(), codings["end"].max())) + 1
    starts = _position(units["source"], names) * band + units["start"].to_numpy("int64")
    ends = _position(units["source"], names) * band + units["end"].to_numpy("int64")
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    coding_source = _position(codings["source"], names)
    c_start = coding_source * band + codings["start"].to_numpy("int64")
    c_end = coding_source * band + codings["end"].to_numpy("int64")
    first = np.searchsorted(ends, c_start, side="right")
    last = np.searchsorted(starts, c_end, side="left") - 1
    counts = np.clip(last - first + 1, 0, None)
    total = int(counts.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    positions = np.repeat(first, counts) + offsets
    # Codes as integers while deduplicating: a million (unit, code) pairs of
    # strings take a second, of integers a few milliseconds.
    code = pd.Categorical(codings["code"])
    unit_of = order[positions].astype("int64")
    code_of = np.repeat(code.codes.astype("int64"), counts)
    key = np.sort(unit_of * (len(code.categories) + 1) + code_of)
    # Sorted, a value is new where it differs from its predecessor (faster
    # than np.unique, which hashes first in NumPy 2).
    key = key[np.concatenate(([True], key[1:] != key[:-1]))] if len(key) else key
    unit_of, code_of = np.divmod(key, len(code.categories) + 1)
    pairs = pd.DataFrame(
        {"unit": unit_of, "code": pd.Categorical.from_codes(code_of, code.categories)}
    )
    return pairs


def _distinct(values: pd.Series) -> Any:
    """The distinct values of a column, cheaply when it is categorical."""
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.categories, dtype=object)
    return np.asarray(pd.unique(values), dtype=object)


def _position(values: pd.Series, names: pd.Index) -> Any:
    """Each value's position in ``names``, as int64."""
    import pandas as pd

    if isinstance(values.dtype, pd.CategoricalDtype):
        where = names.get_indexer(values.cat.categories).astype("int64")
        return where[values.cat.codes.to_numpy()]
    return names.get_indexer(pd.Index(values)).astype("int64")
