"""Word tables, shared by the documents pdcode writes (report, disagreements)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def docx_table(
    document: Any, header: Sequence[str], rows: Sequence[Sequence[str]], points: float
) -> Any:
    """A grid table with a bold header row, every cell in ``points``-size type."""
    from docx.shared import Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header, strict=True):
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    for table_row in table.rows:
        for cell in table_row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(points)
    return table
