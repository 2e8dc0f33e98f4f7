"""Rows to an .xlsx workbook (openpyxl): one sheet per table, frozen header row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pdcode.export.files import write_output

Sheet = tuple[Sequence[Mapping[str, Any]], Sequence[str]]


def write_xlsx(sheets: Mapping[str, Sheet], output: Path) -> None:
    """Write the sheets as an .xlsx file."""
    write_output(xlsx_bytes(sheets), output)


def xlsx_bytes(sheets: Mapping[str, Sheet]) -> bytes:
    """The sheets as the bytes of an .xlsx file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for title, (rows, columns) in sheets.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
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

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
