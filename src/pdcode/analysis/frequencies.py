"""Theme frequency tables: for each code, how many units, sources and cases carry it,
overall and as a share of the sources (and cases) in each group (strand, role...).

Counts describe where codes were applied in qualitative data; they are not
estimates of anything beyond it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pdcode.analysis.overlap import coded_units

if TYPE_CHECKING:
    import pandas as pd

ANY = "(any code)"


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
    units: pd.DataFrame,
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    codes: Sequence[str],
    names: Mapping[str, str],
    unit: str,
    by: str | None = None,
    parents: Mapping[str, str | None] | None = None,
) -> Frequencies:
    """The frequency table; ``parents`` (leaf -> group) rolls leaves up to groups.

    ``codes`` fixes the row order (codebook order); codes without codings get
    zero rows so a table always shows the whole codebook.
    """
    import pandas as pd

    codings = codings[["source", "start", "end", "code"]]
    if parents is not None:
        codings = codings.assign(code=codings["code"].map(lambda c: parents.get(c) or c))
    pairs = coded_units(units, codings)
    pairs = pairs.assign(source=units["source"].to_numpy()[pairs["unit"].to_numpy()])
    info = sources.set_index("source")
    if by is not None and by not in ("source", *sources.columns):
        known = ", ".join(sorted(set(sources.columns) - {"source"}))
        raise ValueError(f"no attribute {by!r} (known: source, {known})")
    group_of = (
        pd.Series(info.index, index=info.index)
        if by == "source"
        else (info[by].fillna("(none)") if by is not None else None)
    )
    pairs = pairs.assign(case=info["case"].reindex(pairs["source"]).to_numpy())
    groups: list[Group] = []
    if group_of is not None:
        for name in sorted(group_of.unique(), key=str):
            members = info[group_of == name]
            groups.append(Group(str(name), len(members), int(members["case"].nunique())))
        pairs = pairs.assign(group=group_of.reindex(pairs["source"]).to_numpy())

    def row(code: str, subset: pd.DataFrame) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": code,
            "name": names.get(code, code),
            "references": int(subset["unit"].nunique()),
            "sources": int(subset["source"].nunique()),
            "cases": int(subset["case"].nunique()),
        }
        for g in groups:
            inside = subset[subset["group"] == g.name]
            k_sources = int(inside["source"].nunique())
            out[f"{g.name} sources"] = k_sources
            out[f"{g.name} sources %"] = _pct(k_sources, g.sources)
            out[f"{g.name} cases %"] = _pct(int(inside["case"].nunique()), g.cases)
        return out

    by_code = dict(tuple(pairs.groupby("code", sort=False)))
    empty = pairs.iloc[0:0]
    rows = [row(code, by_code.get(code, empty)) for code in codes]
    rows.append(row(ANY, pairs.drop_duplicates(["unit"])))
    return Frequencies(unit, by, tuple(groups), tuple(rows))
