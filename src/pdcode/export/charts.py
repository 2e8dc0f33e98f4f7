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
    from pdcode.export.files import write_output

    write_output(heatmap_bytes(matrix, title, suffix, fmt), output)


# Inches per column and per row at full size; below MIN_PITCH the 8-point labels
# of neighbouring rows or columns would overlap.
CELL_WIDTH, CELL_HEIGHT, MIN_PITCH = 0.45, 0.4, 0.15
CHAR_WIDTH = 0.065  # inches: an 8-point character, generously


def _margins(matrix: pd.DataFrame, box: tuple[float, float]) -> tuple[float, float]:
    """Inches around the cells: row labels and colour bar; title and column labels
    (slanted at 60 degrees). At most half the ``box`` each way: longer labels are
    laid out by matplotlib in what room there is."""
    longest_row = max((len(str(i)) for i in matrix.index), default=0)
    longest_column = max((len(str(c)) for c in matrix.columns), default=0)
    width = CHAR_WIDTH * longest_row + 1.2
    height = CHAR_WIDTH * longest_column * 0.87 + 0.9
    return min(width, box[0] / 2), min(height, box[1] / 2)


def heatmap_size(
    matrix: pd.DataFrame, box: tuple[float, float] | None = None
) -> tuple[float, float]:
    """The figure's size in inches: its full size, or, given a ``box`` (width,
    height), shrunk to fit inside it with smaller cells and type at full size."""
    rows, columns = len(matrix.index), len(matrix.columns)
    width = max(4.0, CELL_WIDTH * columns + 2)
    height = max(3.0, CELL_HEIGHT * rows + 2)
    if box is None or (width <= box[0] and height <= box[1]):
        return width, height
    extra_width, extra_height = _margins(matrix, box)
    scale = min(
        1.0,
        (box[0] - extra_width) / (CELL_WIDTH * max(columns, 1)),
        (box[1] - extra_height) / (CELL_HEIGHT * max(rows, 1)),
    )
    width = min(box[0], max(4.0, CELL_WIDTH * scale * columns + extra_width))
    height = min(box[1], max(3.0, CELL_HEIGHT * scale * rows + extra_height))
    return width, height


def heatmap_parts(matrix: pd.DataFrame, box: tuple[float, float]) -> list[pd.DataFrame]:
    """``matrix`` cut into blocks of rows (and, if need be, columns) that each fit in
    ``box`` with every label readable: in reading order, one block if it all fits."""
    extra_width, extra_height = _margins(matrix, box)
    most_rows = max(1, int((box[1] - extra_height) / MIN_PITCH))
    most_columns = max(1, int((box[0] - extra_width) / MIN_PITCH))
    rows, columns = len(matrix.index), len(matrix.columns)
    row_parts = -(-rows // most_rows) if rows else 1
    column_parts = -(-columns // most_columns) if columns else 1
    row_step = -(-rows // row_parts) if rows else 1
    column_step = -(-columns // column_parts) if columns else 1
    return [
        matrix.iloc[r : r + row_step, c : c + column_step]
        for r in range(0, max(rows, 1), row_step)
        for c in range(0, max(columns, 1), column_step)
    ]


def heatmap_bytes(
    matrix: pd.DataFrame,
    title: str,
    suffix: str,
    fmt: str = "{:.0f}",
    size: tuple[float, float] | None = None,
    limits: tuple[float, float] | None = None,
) -> bytes:
    """The heatmap as PNG or SVG bytes (for embedding in a report): ``size`` in
    inches (else `heatmap_size`), ``limits`` of the colour scale (else the
    matrix's own), so the parts of a split matrix share one scale."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and the same output everywhere
    import matplotlib.pyplot as plt

    values = matrix.to_numpy(dtype=float)
    width, height = size or heatmap_size(matrix)
    low, high = limits or (None, None)
    # Labels are data (code names, strands): never TeX, whatever matplotlibrc says.
    with matplotlib.rc_context({"svg.hashsalt": "pdcode", "font.size": 8, "text.usetex": False}):
        figure, axes = plt.subplots(figsize=(width, height), layout="constrained")
        image = axes.imshow(values, cmap="Blues", aspect="auto", vmin=low, vmax=high)
        columns = [literal(c) for c in matrix.columns]
        axes.set_xticks(range(len(matrix.columns)), columns, rotation=60, ha="right")
        axes.set_yticks(range(len(matrix.index)), [literal(i) for i in matrix.index])
        top = high if high is not None else (values.max() if values.size else 0)
        for (row, col), value in _cells(values):
            colour = "white" if top and value > top / 2 else "black"
            axes.text(
                col, row, fmt.format(value), ha="center", va="center", color=colour, fontsize=6
            )
        axes.set_title(literal(title))
        figure.colorbar(image, ax=axes, shrink=0.8)
        # No dates or software versions in the file: same project, same bytes.
        metadata = {"Date": None} if suffix == "svg" else {"Software": None}
        buffer = io.BytesIO()
        figure.savefig(buffer, format=suffix, dpi=150, metadata=metadata)
        plt.close(figure)
    return buffer.getvalue()


def literal(label: object) -> str:
    """``label`` as matplotlib shows it letter for letter: a ``$`` would otherwise
    start mathtext (``$x$`` is drawn as maths, an unbalanced one fails the chart)."""
    return str(label).replace("$", r"\$")


def _cells(values: object) -> list[tuple[tuple[int, int], float]]:
    import numpy as np

    array = np.asarray(values)
    return [((int(r), int(c)), float(array[r, c])) for r, c in np.ndindex(array.shape)]
