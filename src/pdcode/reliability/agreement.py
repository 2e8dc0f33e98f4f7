"""Unit-level agreement between coders of a project, per code and overall.

A coder applied code X to a unit (sentence or turn) when one of their spans for
X overlaps the unit by at least one character — the rule of the frequency
tables and of ``pdcode evaluate``. A coder *saw* a unit when they coded anything
in its source; units of sources a coder never touched are missing data for that
coder, not "code absent". Each code is then a binary variable over the units.

Overall figures pool every (unit, code) decision of the codes shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pdcode.analysis.overlap import coded_units
from pdcode.reliability import stats

if TYPE_CHECKING:
    import pandas as pd

OVERALL = "(all codes)"


@dataclass(frozen=True)
class Agreement:
    unit: str
    coders: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    resamples: int
    seed: int

    def columns(self) -> list[str]:
        cols = ["code", "name", "units", *(f"{c} applied" for c in self.coders)]
        cols += ["percent_agreement"]
        if len(self.coders) == 2:
            cols += ["cohen_kappa", "kappa_band", "pabak"]
        else:
            cols += ["fleiss_kappa", "kappa_band"]
        return [*cols, "alpha", "alpha_low", "alpha_high", "alpha_band"]


def matrices(
    units: pd.DataFrame, codings: pd.DataFrame, coders: Sequence[str], codes: Sequence[str]
) -> dict[str, Any]:
    """For each code, a units x coders array of 1.0 (applied), 0.0 (not) or NaN (not seen)."""
    import numpy as np
    import pandas as pd

    units = units.reset_index(drop=True)
    position = {code: i for i, code in enumerate(codes)}
    values = np.full((len(codes), len(units), len(coders)), np.nan)
    for j, coder in enumerate(coders):
        mine = codings[codings["coder"] == coder]
        seen = units["source"].isin(pd.unique(mine["source"].astype(object))).to_numpy()
        values[:, seen, j] = 0.0
        pairs = coded_units(units, mine[["source", "start", "end", "code"]])
        rows = pairs["code"].astype(object).map(position)
        keep = rows.notna().to_numpy()
        values[rows[keep].astype(int).to_numpy(), pairs["unit"].to_numpy()[keep], j] = 1.0
    return {code: values[i] for i, code in enumerate(codes)}


def _percent(types: stats.UnitTypes) -> float | None:
    m, k, count = types.coders, types.ones, types.count
    if types.units == 0:
        return None
    pairs = m * (m - 1) / 2
    agree = (k * (k - 1) + (m - k) * (m - k - 1)) / 2
    return float((count * agree / pairs).sum() / count.sum() * 100)


def _row(
    code: str, name: str, values: Any, coders: Sequence[str], resamples: int, seed: int
) -> dict[str, Any]:
    import numpy as np

    types = stats.unit_types(values)
    row: dict[str, Any] = {"code": code, "name": name, "units": types.units}
    for j, coder in enumerate(coders):
        row[f"{coder} applied"] = int(np.nansum(values[:, j]))
    row["percent_agreement"] = stats.rounded(_percent(types), 2)
    if len(coders) == 2:
        both = ~np.isnan(values).any(axis=1)
        kappa = stats.cohen_kappa(values[both, 0].astype(int), values[both, 1].astype(int))
        po = _percent(types)
        row["cohen_kappa"] = stats.rounded(kappa)
        row["kappa_band"] = stats.landis_koch(kappa)
        row["pabak"] = stats.rounded(2 * po / 100 - 1) if po is not None else None
    else:
        full = values[~np.isnan(values).any(axis=1)]
        ones = full.sum(axis=1)
        kappa = stats.fleiss_kappa(np.column_stack([full.shape[1] - ones, ones]))
        row["fleiss_kappa"] = stats.rounded(kappa)
        row["kappa_band"] = stats.landis_koch(kappa)
    alpha = stats.alpha_binary(types) if types.units else float("nan")
    low, high = stats.alpha_binary_interval(types, resamples, seed)
    row["alpha"] = stats.rounded(float(alpha))
    row["alpha_low"], row["alpha_high"] = stats.rounded(low), stats.rounded(high)
    row["alpha_band"] = stats.krippendorff_band(float(alpha))
    return row


def agreement(
    units: pd.DataFrame,
    codings: pd.DataFrame,
    coders: Sequence[str],
    codes: Sequence[str],
    names: Mapping[str, str],
    unit: str,
    resamples: int = stats.BOOTSTRAP,
    seed: int = stats.SEED,
) -> Agreement:
    """Agreement of ``coders`` on each of ``codes`` over ``units``, then overall."""
    import numpy as np

    if len(coders) < 2:
        raise ValueError("agreement needs at least two coders")
    if len(set(coders)) != len(coders):
        raise ValueError("a coder is named twice")
    per_code = matrices(units, codings, coders, codes)
    rows = [
        _row(code, names.get(code, code), per_code[code], coders, resamples, seed) for code in codes
    ]
    if codes:
        stacked = np.concatenate([per_code[c] for c in codes])
        rows.append(_row(OVERALL, OVERALL, stacked, coders, resamples, seed))
    return Agreement(unit, tuple(coders), tuple(rows), resamples, seed)
