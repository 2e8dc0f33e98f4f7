"""Charts (matplotlib): heatmaps as PNG or SVG, reproducible byte for byte."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def heatmap(matrix: pd.DataFrame, title: str, output: Path, fmt: str = "{:.0f}") -> None:
    """A labelled heatmap of ``matrix``; the format follows ``output``'s suffix."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg"):
        from pdcode.errors import UsageError

        raise UsageError(f"{output}: a chart is written as .png or .svg")
    content = heatmap_bytes(matrix, title, suffix, fmt)
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + ".part")
    part.write_bytes(content)
    part.replace(output)


def heatmap_bytes(matrix: pd.DataFrame, title: str, suffix: str, fmt: str = "{:.0f}") -> bytes:
    """The heatmap as PNG or SVG bytes (for embedding in a report)."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and the same output everywhere
    import matplotlib.pyplot as plt

    values = matrix.to_numpy(dtype=float)
    size = max(4.0, 0.45 * len(matrix.columns) + 2)
    with matplotlib.rc_context({"svg.hashsalt": "pdcode", "font.size": 8}):
        figure, axes = plt.subplots(figsize=(size, max(3.0, 0.4 * len(matrix.index) + 2)))
        image = axes.imshow(values, cmap="Blues", aspect="auto")
        axes.set_xticks(
            range(len(matrix.columns)), [str(c) for c in matrix.columns], rotation=60, ha="right"
        )
        axes.set_yticks(range(len(matrix.index)), [str(i) for i in matrix.index])
        top = values.max() if values.size else 0
        for (row, col), value in _cells(values):
            colour = "white" if top and value > top / 2 else "black"
            axes.text(
                col, row, fmt.format(value), ha="center", va="center", color=colour, fontsize=6
            )
        axes.set_title(title)
        figure.colorbar(image, ax=axes, shrink=0.8)
        figure.tight_layout()
        # No dates or software versions in the file: same project, same bytes.
        metadata = {"Date": None} if suffix == "svg" else {"Software": None}
        buffer = io.BytesIO()
        figure.savefig(buffer, format=suffix, dpi=150, metadata=metadata)
        plt.close(figure)
    return buffer.getvalue()


def _cells(values: object) -> list[tuple[tuple[int, int], float]]:
    import numpy as np

    array = np.asarray(values)
    return [((int(r), int(c)), float(array[r, c])) for r, c in np.ndindex(array.shape)]
