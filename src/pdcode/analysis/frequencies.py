"""Theme frequency tables: for each code, how many units, sources and cases carry it,
overall and as a share of the sources (and cases) in each group (strand, role...).

Counts describe where codes were applied in qualitative data; they are not
estimates of anything beyond it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pdcode.analysis.overlap import coding_units, cover

if TYPE_CHECKING:
    import pandas as pd

ANY = "(any code)"
CODING = "coding"  # the unit where each stretch of coded text is one reference


@dataclass(frozen=True)
class Group:
    name: str
    sources: int
    cases: int


@dataclass(frozen=True)
class Frequencies:
    unit: str
    by: str | None
    groups: tuple[Group, ...]
    rows: tuple[dict[str, Any], ...]  # code, name, references, sources, cases, per group

    def columns(self) -> list[str]:
        cols = ["code", "name", "references", "sources", "cases"]
        for g in self.groups:
            cols += [f"{g.name} sources", f"{g.name} sources %", f"{g.name} cases %"]
        return cols


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def frequencies(
    units: pd.DataFrame | None,
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    codes: Sequence[str],
    names: Mapping[str, str],
    unit: str,
    by: str | None = None,
    parents: Mapping[str, str | None] | None = None,
) -> Frequencies:
    """The frequency table; ``parents`` (code -> its group) rolls codes up to groups.

    ``codes`` fixes the row order (codebook order); codes without codings get
    zero rows so a table always shows the whole codebook. A coding that overlaps
    none of ``units`` still counts, once, on its own span (``overlap.cover``).
    With ``units`` None (unit ``coding``) each stretch of text coded with a code
    is one reference (``overlap.coding_units``), and the ``(any code)`` row
    counts the stretches coded with any code.
    """
    import numpy as np
    import pandas as pd

    codings = codings[["source", "start", "end", "code"]]
    if parents is not None:
        codings = codings.assign(code=codings["code"].map(lambda c: parents.get(c) or c))
    if units is None:
        units, pairs = coding_units(codings)
        any_units, any_pairs = cover(units.iloc[:0], codings)  # every stretch of coded text
    else:
        units, pairs = cover(units, codings)
        any_units, any_pairs = units, pairs
    info = sources.set_index("source")
    if by is not None and by not in ("source", *sources.columns):
        known = ", ".join(sorted(set(sources.columns) - {"source"}))
        raise ValueError(f"no attribute {by!r} (known: source, {known})")
    group_of = (
        pd.Series(info.index, index=info.index)
        if by == "source"
        else (info[by].fillna("(none)") if by is not None else None)
    )
    groups: list[Group] = []
    names_of_groups: list[str] = []
    if group_of is not None:
        names_of_groups = sorted({str(g) for g in group_of.unique()})
        for name in names_of_groups:
            members = info[group_of.astype(str) == name]
            groups.append(Group(name, len(members), int(members["case"].nunique())))
    # Everything below counts distinct integers: each pair's unit, source, case
    # and group as positions, so a million pairs take milliseconds.
    case_ids = pd.factorize(info["case"])[0]
    group_ids = (
        pd.Index(names_of_groups).get_indexer(pd.Index(group_of.astype(str)))
        if group_of is not None
        else np.zeros(len(info), dtype="int64")
    )

    def placed(units: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
        """Each (unit, code) pair with its unit's source, case and group as positions."""
        source_ids = pd.Index(info.index).get_indexer(pd.Index(units["source"].astype(object)))
        positions = pairs["unit"].to_numpy()
        src = source_ids[positions]
        frame = pd.DataFrame(
            {
                "code": pairs["code"],
                "unit": positions,
                "source": src,
                # A source the project does not list (cannot happen from the store) has no case.
                "case": np.where(src >= 0, case_ids[src], -1),
                "group": np.where(src >= 0, group_ids[src], -1),
            }
        )
        frame["case"] = frame["case"].where(frame["case"] >= 0)  # NaN case: not counted
        return frame

    frame = placed(units, pairs)
    any_frame = frame if any_pairs is pairs else placed(any_units, any_pairs)

    def distinct(data: pd.DataFrame, keys: list[str], what: str) -> dict[tuple[Any, ...], int]:
        """Distinct values of ``what`` for each combination of ``keys``."""
        pairs = data[[*keys, what]].dropna().drop_duplicates()
        if not keys:
            return {(): len(pairs)}
        sizes = pairs.groupby(keys, observed=True).size()
        return {k if isinstance(k, tuple) else (k,): int(v) for k, v in sizes.items()}

    def row(code: str, data: pd.DataFrame, keys: list[str]) -> Callable[[Any], dict[str, Any]]:
        whole = {what: distinct(data, keys, what) for what in ("unit", "source", "case")}
        parts = {what: distinct(data, [*keys, "group"], what) for what in ("source", "case")}

        def make(key: tuple[Any, ...]) -> dict[str, Any]:
            out: dict[str, Any] = {
                "code": code if key == () else key[0],
                "name": "",
                "references": whole["unit"].get(key, 0),
                "sources": whole["source"].get(key, 0),
                "cases": whole["case"].get(key, 0),
            }
            out["name"] = names.get(out["code"], out["code"])
            for i, g in enumerate(groups):
                k_sources = parts["source"].get((*key, i), 0)
                out[f"{g.name} sources"] = k_sources
                out[f"{g.name} sources %"] = _pct(k_sources, g.sources)
                out[f"{g.name} cases %"] = _pct(parts["case"].get((*key, i), 0), g.cases)
            return out

        return make

    per_code = row(ANY, frame, ["code"])
    rows = [per_code((code,)) for code in codes]
    rows.append(row(ANY, any_frame, [])(()))
    return Frequencies(unit, by, tuple(groups), tuple(rows))
