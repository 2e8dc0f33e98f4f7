"""Word tables, shared by the documents pdcode writes (report, disagreements)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

ZERO_WIDTH_SPACE = "\u200b"
_UNDERSCORES = re.compile(r"(?<=[^\W_])(_+)(?=[^\W_])")


def breakable_id(text: str) -> str:
    """``text`` with a zero-width space after each underscore inside a word, so Word
    wraps a long code id in a narrow cell there (``enabling_`` / ``distributed_`` /
    ``leadership``), never mid-word; it looks and prints the same."""
    return _UNDERSCORES.sub(lambda m: m.group(1) + ZERO_WIDTH_SPACE, text)


def docx_table(
    document: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    points: float,
    id_columns: Collection[int] = (),
) -> Any:
    """A grid table with a bold header row, every cell in ``points``-size type; the
    cells of ``id_columns`` (code ids) wrap only after underscores."""
    from docx.shared import Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header, strict=True):
        cell.text = name
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for index, (cell, value) in enumerate(zip(table.add_row().cells, row, strict=True)):
            cell.text = breakable_id(value) if index in id_columns else value
    for table_row in table.rows:
        for cell in table_row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(points)
    return table


def docx_bytes(document: Any) -> bytes:
    """A python-docx document as the bytes of its .docx, the same for the same
    document whenever it is written (member dates fixed)."""
    import io

    from pdcode.export.files import fixed_zip

    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())
