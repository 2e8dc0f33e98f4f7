"""Which units (turns, sentences) each coding touches, vectorised for large projects.

A coding applies to a unit when their spans overlap by at least one character,
the same rule as in ``pdcode.evaluation``.

A human coding counts wherever it lies: ``cover`` adds a unit for each stretch of
coded text that no unit touches (a preamble, an interviewer turn left out, text
without segments), so no coding falls outside the counted units; and
``coding_units`` makes each stretch of text coded with a code a unit of its own,
the way QDA tools count references.
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
    if units.empty or codings.empty:
        return _no_pairs()
    return _pairs(_Line(units, codings), codings)


def _no_pairs() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"unit": pd.Series(dtype="int64"), "code": pd.Series(dtype=object)})


def _pairs(line: _Line, codings: pd.DataFrame, offset: int = 0) -> pd.DataFrame:
    """The distinct (unit, code) pairs of codings placed on ``line``, sorted; unit
    positions are shifted by ``offset``."""
    import numpy as np
    import pandas as pd

    order, first, counts = line.order, line.first, line.counts
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
        {"unit": unit_of + offset, "code": pd.Categorical.from_codes(code_of, code.categories)}
    )
    return pairs


class _Line:
    """Units and codings placed on one number line, each source in a band of its
    own, so one sorted search finds the units of every coding of all sources at once.

    ``first`` is the first unit (in ``order``) each coding overlaps and ``counts``
    how many it overlaps; ``c_start`` and ``c_end`` are the codings on the line.
    """

    def __init__(self, units: pd.DataFrame, codings: pd.DataFrame) -> None:
        import numpy as np
        import pandas as pd

        units = units.reset_index(drop=True)
        known = np.concatenate([_distinct(units["source"]), _distinct(codings["source"])])
        self.names = pd.Index(pd.unique(known))
        ends_max = max(int(units["end"].max()) if len(units) else 0, int(codings["end"].max()))
        self.band = band = ends_max + 1
        source = _position(units["source"], self.names)
        starts = source * band + units["start"].to_numpy("int64")
        ends = source * band + units["end"].to_numpy("int64")
        self.order = order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
        coding_source = _position(codings["source"], self.names)
        self.c_start = coding_source * band + codings["start"].to_numpy("int64")
        self.c_end = coding_source * band + codings["end"].to_numpy("int64")
        self.first = np.searchsorted(ends, self.c_start, side="right")
        last = np.searchsorted(starts, self.c_end, side="left") - 1
        self.counts = np.clip(last - self.first + 1, 0, None)


def _runs(starts: Any, ends: Any) -> tuple[Any, Any]:
    """Spans merged where they overlap by at least one character (touching spans
    stay apart): the start and end of each run, in order."""
    import numpy as np

    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] >= reach[:-1]
    heads = np.flatnonzero(new)
    return s[heads], np.maximum.reduceat(e, heads)


def cover(units: pd.DataFrame, codings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``coded_units`` over ``units`` (source, start, end) and, after them, one more
    unit for each stretch of coded text that no unit overlaps, so every coding
    counts: the units and the (unit, code) pairs.

    A coding that lies in a preamble, in an interviewer turn left out of
    ``units``, between trimmed units or in a source without segments makes a
    unit on its own span; such codings that overlap each other make one unit.
    The new units never overlap ``units`` (each of their codings lies wholly
    before or after any unit), and any coding overlapping one counts on it, by
    the same rule as on every unit. When every coding touches a unit, ``units``
    is returned as it is and the cost is that of ``coded_units``. Codings of no
    characters (start >= end) make no unit.
    """
    import numpy as np
    import pandas as pd

    if codings.empty:
        return units, _no_pairs()
    line = _Line(units, codings)
    pairs = _pairs(line, codings)
    alone = (line.counts == 0) & (line.c_end > line.c_start)
    if not alone.any():
        return units, pairs
    starts, ends = _runs(line.c_start[alone], line.c_end[alone])
    source, starts = np.divmod(starts, line.band)
    names = pd.Index(sorted(str(n) for n in line.names))
    extra = pd.DataFrame(
        {
            "source": pd.Categorical.from_codes(
                names.get_indexer(line.names)[source], categories=names
            ),
            "start": starts,
            "end": ends - source * line.band,
        }
    )
    more = _pairs(_Line(extra, codings), codings, offset=len(units))
    where = names.get_indexer(line.names)[_position(units["source"], line.names)]
    whole = pd.DataFrame(
        {
            "source": pd.Categorical.from_codes(
                np.concatenate([where, extra["source"].cat.codes]), categories=names
            ),
            "start": np.concatenate([units["start"].to_numpy("int64"), extra["start"]]),
            "end": np.concatenate([units["end"].to_numpy("int64"), extra["end"]]),
        }
    )
    return whole, pd.concat([pairs, more], ignore_index=True)


def coding_units(codings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each stretch of text coded with a code as a unit of its own: ``--unit coding``.

    Codings of one code that overlap by at least one character make one stretch
    (two coders marking the same passage, or a passage coded twice, are one
    reference), as QDA tools count references. Returns the stretches (source,
    start, end) and the (unit, code) pairs, one per stretch, sorted by unit.
    Codings of no characters (start >= end) are left out.
    """
    import numpy as np
    import pandas as pd

    codings = codings[codings["end"].to_numpy("int64") > codings["start"].to_numpy("int64")]
    code = pd.Categorical(codings["code"])
    if codings.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="int64") for c in ("start", "end")})
        empty.insert(0, "source", pd.Series(dtype=object))
        return empty, pd.DataFrame(
            {"unit": pd.Series(dtype="int64"), "code": pd.Series(dtype=object)}
        )
    names = pd.Index(sorted(str(n) for n in _distinct(codings["source"])))
    source = _position(codings["source"], names)
    band = int(codings["end"].max()) + 1
    # One band per (code, source), so runs never join two codes or two sources.
    key = code.codes.astype("int64") * max(len(names), 1) + source
    starts, ends = _runs(
        key * band + codings["start"].to_numpy("int64"),
        key * band + codings["end"].to_numpy("int64"),
    )
    heads = np.divmod(starts, band)[0]
    code_of, source_of = np.divmod(heads, max(len(names), 1))
    units = pd.DataFrame(
        {
            "source": pd.Categorical.from_codes(source_of, categories=names),
            "start": starts - heads * band,
            "end": ends - heads * band,
        }
    )
    pairs = pd.DataFrame(
        {
            "unit": np.arange(len(units), dtype="int64"),
            "code": pd.Categorical.from_codes(code_of, code.categories),
        }
    )
    return units, pairs


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
