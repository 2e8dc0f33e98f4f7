"""Comparing code prevalence across groups (strands, roles...).

For each code, the units of analysis (sources or cases) of each group are split
into those with and without the code: a 2 x G table. SciPy tests independence —
the chi-square test, or Fisher's exact test when an expected count is below 5
(exact for 2 x 2; the exact Fisher-Freeman-Halton test for 2 x G, enumerated
up to 200,000 tables and estimated by seeded resampling beyond) —
and gives Cramér's V; adjusted standardised residuals show which group differs.
A code is flagged distinctive to a group when the test is significant (p < 0.05)
and that group's residual exceeds 1.96. Counts describe qualitative data: they
point to differences worth reading, they do not prove claims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

ALPHA = 0.05
RESIDUAL = 1.96
SMALL_EXPECTED = 5.0
# Beyond this many tables with the observed margins, Fisher's p-value is
# estimated by seeded resampling instead of exact enumeration.
MAX_TABLES = 200_000
RESAMPLES = 9999
SEED = 20261124
SMALLEST_P = 0.001  # smaller p-values read "< 0.001" wherever people read them


def format_p(p: float | None) -> str:
    """A p-value for people: three decimals, ``< 0.001`` below that, empty when none.

    Machine formats (csv, json, xlsx) keep the number itself."""
    if p is None or p != p:
        return ""
    return f"< {SMALLEST_P}" if p < SMALLEST_P else f"{p:.3f}"


@dataclass(frozen=True)
class Comparison:
    across: str
    unit: str  # "source" or "case"
    groups: tuple[str, ...]
    n: tuple[int, ...]  # units of analysis in each group
    rows: tuple[dict[str, Any], ...]

    def columns(self) -> list[str]:
        cols = ["code", "name"]
        for g in self.groups:
            cols += [f"{g} with", f"{g} %", f"{g} residual"]
        return [*cols, "test", "statistic", "p", "cramers_v", "distinctive"]


def adjusted_residuals(table: Any) -> Any:
    """(observed - expected) / sqrt(expected * (1 - row share) * (1 - column share))."""
    import numpy as np

    observed = np.asarray(table, dtype=float)
    total = observed.sum()
    rows = observed.sum(axis=1, keepdims=True)
    cols = observed.sum(axis=0, keepdims=True)
    expected = rows @ cols / total
    scale = np.sqrt(expected * (1 - rows / total) * (1 - cols / total))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, (observed - expected) / scale, 0.0)


def fisher_2xg(table: Any) -> tuple[float, float] | None:
    """Exact Fisher-Freeman-Halton test of a 2 x G table: (probability of the table,
    p-value), or None when there are more than ``MAX_TABLES`` tables to enumerate.

    With both margins fixed, a table is its first row (x_1..x_G), with probability
    prod C(n_g, x_g) / C(N, k); the p-value sums every table no more probable than
    the observed one (SciPy's statistic and definition for r x c tables).
    """
    from math import comb, exp, lgamma

    first = [int(x) for x in table[0]]
    columns = [int(a) + int(b) for a, b in zip(table[0], table[1], strict=True)]
    k, total = sum(first), sum(columns)

    def log_comb(n: int, r: int) -> float:
        return lgamma(n + 1) - lgamma(r + 1) - lgamma(n - r + 1)

    def count(g: int, left: int) -> int:  # tables still to enumerate, bounded
        return comb(left + len(columns) - g - 1, len(columns) - g - 1)

    if count(0, min(k, total - k)) > MAX_TABLES:
        return None
    base = log_comb(total, k)
    observed = sum(log_comb(n, x) for n, x in zip(columns, first, strict=True)) - base
    p = 0.0
    limit = observed + 1e-7  # tables tied with the observed one count as extreme

    def walk(g: int, left: int, logp: float) -> None:
        nonlocal p
        if g == len(columns) - 1:
            if left <= columns[g]:
                value = logp + log_comb(columns[g], left) - base
                if value <= limit:
                    p += exp(value)
            return
        rest = sum(columns[g + 1 :])
        for x in range(max(0, left - rest), min(columns[g], left) + 1):
            walk(g + 1, left - x, logp + log_comb(columns[g], x))

    walk(0, k, 0.0)
    return exp(observed), min(1.0, p)


def independence_test(table: Any) -> tuple[str, float, float, float]:
    """(test name, statistic, p, Cramér's V) for a 2 x G table of counts."""
    import numpy as np
    from scipy import stats

    observed = np.asarray(table, dtype=int)
    if (observed.sum(axis=1) == 0).any() or (observed.sum(axis=0) == 0).any():
        return "none (a row or column is empty)", float("nan"), float("nan"), float("nan")
    chi2, p, _dof, expected = stats.chi2_contingency(observed, correction=False)
    v = float(stats.contingency.association(observed, method="cramer"))
    if (expected < SMALL_EXPECTED).any():
        if observed.shape == (2, 2):
            fisher = stats.fisher_exact(observed)
            return "fisher", float(fisher.statistic), float(fisher.pvalue), v
        exact = fisher_2xg(observed)
        if exact is not None:
            return "fisher-freeman-halton", exact[0], exact[1], v
        method = stats.PermutationMethod(n_resamples=RESAMPLES, rng=np.random.default_rng(SEED))
        fisher = stats.fisher_exact(observed, method=method)
        return "fisher (resampled)", float(fisher.statistic), float(fisher.pvalue), v
    return "chi2", float(chi2), float(p), v


def compare(
    codings: pd.DataFrame,
    sources: pd.DataFrame,
    across: str,
    codes: Sequence[str],
    names: Mapping[str, str],
    unit: str = "source",
) -> Comparison:
    """Prevalence of each code in each group of ``across``, tested for independence."""
    import numpy as np

    if across not in sources.columns or (across in ("source", "case") and across == unit):
        raise ValueError(f"cannot compare across {across!r}")
    if unit not in ("source", "case"):
        raise ValueError("the unit of analysis is source or case")
    info = sources.assign(group=sources[across].fillna("(none)").astype(str))
    # A source carries a code when any coding of it lies in the source, so the
    # distinct (source, code) pairs of the codings are all that is needed.
    pairs = codings[["source", "code"]].drop_duplicates()
    pairs = pairs.astype({"source": object, "code": object})
    key = "source" if unit == "source" else "case"
    info = info[info[key].notna()]
    # A unit of analysis is a (source or case, group) pair: a case whose sources
    # fall in two groups counts once in each.
    population = info[[key, "group"]].drop_duplicates()
    groups = sorted(population["group"].unique())
    n = [int((population["group"] == g).sum()) for g in groups]
    wanted = ["source", "group"] if key == "source" else ["source", key, "group"]
    has = pairs.merge(info[wanted].drop_duplicates("source"), on="source")
    rows = []
    for code in codes:
        present = has[has["code"] == code][[key, "group"]].drop_duplicates()
        with_code = [int((present["group"] == g).sum()) for g in groups]
        table = np.array([with_code, [t - w for t, w in zip(n, with_code, strict=True)]])
        test, statistic, p, v = independence_test(table)
        residuals = adjusted_residuals(table)[0] if table.sum() else np.zeros(len(groups))
        row: dict[str, Any] = {"code": code, "name": names.get(code, code)}
        for i, g in enumerate(groups):
            row[f"{g} with"] = with_code[i]
            row[f"{g} %"] = round(100.0 * with_code[i] / n[i], 1) if n[i] else 0.0
            row[f"{g} residual"] = round(float(residuals[i]), 3)
        distinctive = [g for i, g in enumerate(groups) if p < ALPHA and residuals[i] > RESIDUAL]
        row.update(
            test=test,
            statistic=None if np.isnan(statistic) else round(statistic, 4),
            p=None if np.isnan(p) else round(p, 4),
            cramers_v=None if np.isnan(v) else round(v, 4),
            distinctive=", ".join(distinctive),
        )
        rows.append(row)
    return Comparison(across, unit, tuple(groups), tuple(n), tuple(rows))
