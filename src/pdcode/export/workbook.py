"""Rows to an .xlsx workbook (openpyxl): one sheet per table, frozen header row.

Every text cell is a string cell, never a formula: openpyxl would otherwise store
text beginning with ``=`` (a participant's words, a code's name) as a live formula
that runs when the analyst opens the file. `append_row` is the one way a row goes
into a sheet pdcode writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pdcode.export.files import write_output

Sheet = tuple[Sequence[Mapping[str, Any]], Sequence[str]]


def write_xlsx(sheets: Mapping[str, Sheet], output: Path) -> None:
    """Write the sheets as an .xlsx file."""
    write_output(xlsx_bytes(sheets), output)


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """Append ``values`` to ``sheet`` as a row, text as string cells (never formulas)."""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        if isinstance(value, str):
            cell = Cell(sheet, value=value)
            cell.data_type = "s"  # openpyxl reads a leading "=" as a formula
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


def xlsx_bytes(sheets: Mapping[str, Sheet]) -> bytes:
    """The sheets as the bytes of an .xlsx file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for title, (rows, columns) in sheets.items():
        sheet = book.create_sheet(title[:31])
        append_row(sheet, columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, (row.get(c) for c in columns))
        sheet.freeze_panes = "A2"
        if "text" in columns:
            letter = sheet.cell(row=1, column=list(columns).index("text") + 1).column_letter
            sheet.column_dimensions[letter].width = 80
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    # Fixed document properties keep the bytes of two exports of one project equal.
    from datetime import datetime

    book.properties.created = datetime(2000, 1, 1)
    book.properties.modified = datetime(2000, 1, 1)
    book.properties.creator = "pdcode"
    return workbook_bytes(book)


def workbook_bytes(book: Any) -> bytes:
    """An openpyxl workbook as the bytes of its .xlsx."""
    import io

    from pdcode.export.files import fixed_zip

    buffer = io.BytesIO()
    book.save(buffer)
    return fixed_zip(buffer.getvalue())
