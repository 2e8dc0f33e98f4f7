"""Code co-occurrence: how often two codes fall on the same unit, and their Jaccard
similarity (units with both / units with either)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pdcode.analysis.overlap import cover

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Cooccurrence:
    unit: str
    codes: tuple[str, ...]
    counts: pd.DataFrame  # code x code: units with both (diagonal: units with the code)
    jaccard: pd.DataFrame  # code x code: both / either (diagonal 1.0 where used)

    def pairs(self) -> list[dict[str, object]]:
        """Each pair once (a before b in table order), with its count and Jaccard."""
        both = self.counts.to_numpy().tolist()
        jaccard = self.jaccard.to_numpy().tolist()
        out: list[dict[str, object]] = []
        for i, a in enumerate(self.codes):
            for j in range(i + 1, len(self.codes)):
                out.append(
                    {
                        "code_a": a,
                        "code_b": self.codes[j],
                        "both": int(both[i][j]),
                        "a": int(both[i][i]),
                        "b": int(both[j][j]),
                        "jaccard": round(float(jaccard[i][j]), 4),
                    }
                )
        return out


def cooccurrence(
    units: pd.DataFrame, codings: pd.DataFrame, codes: Sequence[str], unit: str
) -> Cooccurrence:
    """Co-occurrence over ``units`` (source, start, end); with unit "source" pass
    one unit per source spanning its text. Coded text that no unit overlaps is a
    unit of its own (``overlap.cover``), so every coding counts."""
    import numpy as np
    import pandas as pd

    codes = list(codes)
    codings = codings[["source", "start", "end", "code"]]
    _units, pairs = cover(units, codings)
    column = pd.Index(codes).get_indexer(pd.Index(pairs["code"]))
    keep = column >= 0
    coded = pairs["unit"].to_numpy()[keep]  # sorted: coded_units sorts by unit
    rows = np.cumsum(np.concatenate(([True], coded[1:] != coded[:-1]))) - 1 if len(coded) else coded
    unit_ids = np.empty(int(rows[-1]) + 1 if len(rows) else 0)
    # A unit x code indicator matrix: coded units by codes is small (tens of
    # thousands by tens), and one product gives every pair's count.
    present = np.zeros((len(unit_ids), len(codes)), dtype=np.int64)
    present[rows, column[keep]] = 1
    both = present.T @ present
    diag = np.diag(both)
    either = diag[:, None] + diag[None, :] - both
    jac = np.where(either > 0, both / np.maximum(either, 1), 0.0)
    counts = pd.DataFrame(both, index=codes, columns=codes)
    jaccard = pd.DataFrame(jac, index=codes, columns=codes)
    return Cooccurrence(unit, tuple(codes), counts, jaccard)
