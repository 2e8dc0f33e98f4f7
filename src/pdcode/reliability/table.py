"""Agreement for data coded anywhere: one row per unit, one column per coder.

Blank cells are missing. Krippendorff's alpha (the ``krippendorff`` package) at
the chosen level of measurement, with a seeded bootstrap over units; percent
agreement over all pairs of values within a unit; Cohen's kappa and PABAK for
two coders, Fleiss' kappa (statsmodels) for three or more (units every coder
rated) — both for nominal data only.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

from pdcode.limits import Limits
from pdcode.reliability import stats

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class TableAgreement:
    level: str
    coders: tuple[str, ...]
    row: dict[str, Any]

    def columns(self) -> list[str]:
        return list(self.row)


def read_table(path: Path, limits: Limits | None = None) -> pd.DataFrame:
    """A reliability table: one row per unit, one column per coder (blank = missing).

    A first column named ``unit`` or ``id`` labels the rows and is not a coder.
    An .xlsx goes through the one zip guard (``pdcode.ingest.guard``) first.
    """
    import io

    import pandas as pd

    from pdcode.errors import InputError
    from pdcode.ingest.regular import read_regular

    if not path.exists():
        raise InputError(path, "no such file")
    data = read_regular(path)  # a regular file only: never a FIFO or a device
    try:
        if path.suffix.lower() == ".xlsx":
            from pdcode.ingest.guard import check_zip

            check_zip(data, str(path), limits or Limits.from_env(), "an Excel workbook")
            frame = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl")
        else:
            from pdcode.ingest.decode import decode_text

            text = decode_text(data, str(path))
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except InputError:
        raise
    except Exception as exc:  # pandas and openpyxl raise many types for a broken table
        raise InputError(path, f"cannot be read as a table ({type(exc).__name__})") from None
    if len(frame.columns) and str(frame.columns[0]).strip().lower() in ("unit", "id"):
        frame = frame.set_index(frame.columns[0])
    frame = frame.apply(lambda col: col.map(lambda v: v.strip() if isinstance(v, str) else v))
    cleaned: pd.DataFrame = frame.replace("", float("nan"))
    if len(cleaned.columns) < 2:
        raise InputError(path, "needs one column per coder (at least two)")
    return cleaned


def _numbers(frame: pd.DataFrame, level: str) -> Any:
    """Coder x unit matrix of floats (NaN missing): nominal labels become codes."""
    import numpy as np
    import pandas as pd

    if level == "nominal":
        labels = sorted({str(v) for v in frame.stack().dropna()})
        index = {label: float(i) for i, label in enumerate(labels)}
        return frame.apply(lambda col: col.map(lambda v: np.nan if pd.isna(v) else index[str(v)]))
    converted = frame.apply(pd.to_numeric, errors="coerce")
    bad = converted.isna() & frame.notna()
    if bad.any().any():
        column = bad.any()[bad.any()].index[0]
        raise ValueError(f"column {column!r} holds values that are not numbers ({level} level)")
    return converted


def table_agreement(
    frame: pd.DataFrame,
    level: str = "nominal",
    resamples: int = stats.BOOTSTRAP,
    seed: int = stats.SEED,
) -> TableAgreement:
    """``frame``: one row per unit, one column per coder, NaN for missing."""
    import krippendorff
    import numpy as np

    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (choose from {', '.join(LEVELS)})")
    coders = tuple(str(c) for c in frame.columns)
    if len(coders) < 2:
        raise ValueError("the table needs at least two coder columns")
    values = _numbers(frame, level).to_numpy(dtype=float)  # units x coders
    pairable = (~np.isnan(values)).sum(axis=1) >= 2
    data = values[pairable]
    row: dict[str, Any] = {"level": level, "units": int(pairable.sum()), "coders": len(coders)}
    agree = pairs = 0
    for unit in data:
        present = unit[~np.isnan(unit)]
        for x, y in combinations(present, 2):
            pairs += 1
            agree += int(x == y)
    row["percent_agreement"] = stats.rounded(100 * agree / pairs, 2) if pairs else None
    if level == "nominal" and len(coders) == 2:
        both = ~np.isnan(values).any(axis=1)
        kappa = stats.cohen_kappa(values[both, 0].astype(int), values[both, 1].astype(int))
        row["cohen_kappa"] = stats.rounded(kappa)
        row["kappa_band"] = stats.landis_koch(kappa)
        row["pabak"] = _pabak(values[both])
    elif level == "nominal":
        full = values[~np.isnan(values).any(axis=1)].astype(int)
        kappa = None  # no unit rated by every coder: nothing to count
        if full.size:
            categories = int(np.nanmax(values)) + 1
            counts = np.stack([(full == c).sum(axis=1) for c in range(categories)], axis=1)
            kappa = stats.fleiss_kappa(counts)
        row["fleiss_kappa"] = stats.rounded(kappa)
        row["fleiss_units"] = len(full)
        row["kappa_band"] = stats.landis_koch(kappa)

    def alpha_of(sample: Any) -> float:
        try:
            value = krippendorff.alpha(
                reliability_data=sample.T,
                level_of_measurement=level,  # type: ignore[arg-type]
            )
            return float(value)
        except (ValueError, ZeroDivisionError):
            return float("nan")

    alpha = alpha_of(data) if len(data) else float("nan")
    row["alpha"] = stats.rounded(alpha)
    low = high = None
    if len(data) and resamples > 0:
        rng = np.random.default_rng(seed)
        draws = [alpha_of(data[rng.integers(0, len(data), len(data))]) for _ in range(resamples)]
        kept = np.array([d for d in draws if d == d])
        if kept.size:
            tail = (1 - stats.LEVEL) / 2 * 100
            low, high = (float(v) for v in np.percentile(kept, [tail, 100 - tail]))
    row["alpha_low"], row["alpha_high"] = stats.rounded(low), stats.rounded(high)
    row["alpha_band"] = stats.krippendorff_band(alpha)
    return TableAgreement(level, coders, row)


def _pabak(pairs: Any) -> float | None:
    """Prevalence- and bias-adjusted kappa for two coders over k categories:
    (k * p_o - 1) / (k - 1), with k the categories in use (2 * p_o - 1 for binary)."""
    import numpy as np

    if len(pairs) == 0:
        return None
    k = len(np.unique(pairs))
    if k < 2:
        return None
    po = float((pairs[:, 0] == pairs[:, 1]).mean())
    return stats.rounded((k * po - 1) / (k - 1))
