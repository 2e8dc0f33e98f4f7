"""Agreement coefficients, their bands, and a seeded bootstrap for alpha.

Cohen's kappa comes from scikit-learn, Fleiss' kappa from statsmodels and
Krippendorff's alpha for tables from the ``krippendorff`` package. For the many
binary decisions of a coded project (did coder c put code X on unit u?) alpha is
computed from counts of unit *types* — how many coders saw the unit and how many
of them applied the code — which is exactly Krippendorff's coincidence-matrix
formula, and makes a bootstrap over units a multinomial draw over those types:
fast at any number of units. Tests check it against the ``krippendorff`` package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

BOOTSTRAP = 1000
SEED = 20261124
LEVEL = 0.95


def landis_koch(kappa: float | None) -> str:
    """Landis and Koch (1977) bands for kappa-type coefficients."""
    if kappa is None or kappa != kappa:
        return ""
    if kappa < 0:
        return "poor"
    for limit, band in (
        (0.20, "slight"),
        (0.40, "fair"),
        (0.60, "moderate"),
        (0.80, "substantial"),
    ):
        if kappa <= limit:
            return band
    return "almost perfect"


def krippendorff_band(alpha: float | None) -> str:
    """Krippendorff (2004): >= .800 reliable, >= .667 tentative, below unreliable."""
    if alpha is None or alpha != alpha:
        return ""
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "unreliable"


@dataclass(frozen=True)
class UnitTypes:
    """Pairable units of one binary variable, grouped by type.

    ``coders[t]`` coders saw the units of type t and ``ones[t]`` of them
    applied the code; ``count[t]`` units are of that type. Units seen by
    fewer than two coders cannot be paired and are left out.
    """

    coders: Any  # numpy int arrays, one entry per type
    ones: Any
    count: Any

    @property
    def units(self) -> int:
        return int(self.count.sum())


def unit_types(values: Any) -> UnitTypes:
    """Types of a units x coders matrix of 1.0 / 0.0 / NaN (not seen)."""
    import numpy as np

    matrix = np.asarray(values, dtype=float)
    seen = (~np.isnan(matrix)).sum(axis=1)
    ones = np.nansum(matrix, axis=1).astype(np.int64)
    keep = seen >= 2
    width = int(matrix.shape[1]) + 1 if matrix.ndim == 2 else 1
    key = seen[keep].astype(np.int64) * width + ones[keep]
    kinds, count = np.unique(key, return_counts=True)
    return UnitTypes(kinds // width, kinds % width, count)


def alpha_binary(types: UnitTypes, weights: Any = None) -> Any:
    """Nominal Krippendorff's alpha of binary data from its unit types.

    Each unit with m values, k of them 1, adds k(m-k)/(m-1) to each off-diagonal
    cell of the coincidence matrix and k (m - k) values to the margins, so
    alpha = 1 - (n - 1) * o_01 / (n_0 * n_1) with n the pairable values.
    ``weights`` (units per type) replaces the counts, for the bootstrap.
    """
    import numpy as np

    count = types.count if weights is None else weights
    m, k = types.coders, types.ones
    with np.errstate(divide="ignore", invalid="ignore"):
        o01 = np.sum(count * k * (m - k) / (m - 1), axis=-1)
        n1 = np.sum(count * k, axis=-1)
        n = np.sum(count * m, axis=-1)
        n0 = n - n1
        alpha = np.where(n0 * n1 > 0, 1.0 - (n - 1) * o01 / (n0 * n1), np.nan)
    # No variation at all (every value the same): alpha is undefined (NaN).
    # A float for one set of weights, an array for a bootstrap's many.
    return alpha


def alpha_binary_interval(
    types: UnitTypes, resamples: int = BOOTSTRAP, seed: int = SEED, level: float = LEVEL
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval for ``alpha_binary``, resampling units."""
    import numpy as np

    total = types.units
    if total == 0 or resamples <= 0:
        return None, None
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(total, types.count / total, size=resamples)
    values = alpha_binary(types, draws)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    """Cohen's kappa (scikit-learn); None when undefined (one category only)."""
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    if len(a) == 0 or len(set(np.unique(a)) | set(np.unique(b))) < 2:
        return None
    return float(cohen_kappa_score(a, b))


def fleiss_kappa(counts: Any) -> float | None:
    """Fleiss' kappa (statsmodels) of a units x categories table of counts."""
    import numpy as np
    from statsmodels.stats.inter_rater import fleiss_kappa as fleiss

    table = np.asarray(counts, dtype=float)
    if table.shape[0] == 0 or (table.sum(axis=0) > 0).sum() < 2:
        return None
    return float(fleiss(table, method="fleiss"))


def rounded(value: float | None, digits: int = 4) -> float | None:
    if value is None or value != value:
        return None
    return round(float(value), digits)
