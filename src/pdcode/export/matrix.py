"""Framework matrices (rows: cases, sources or an attribute; columns: codes) to
Excel, one sheet per strand with wrapped text and frozen headers, or to CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Matrix = Mapping[str, tuple[list[str], dict[tuple[str, str], Any]]]  # strand -> rows, cells


def to_csv(matrix: Matrix, codes: Sequence[str], row_label: str, raw: bool = False) -> str:
    """The matrix as CSV; cells a spreadsheet would run as formulas are neutralised
    unless ``raw`` (see `pdcode.export.tables.csv_safe`)."""
    from pdcode.export.tables import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(v, raw) for v in ("strand", row_label, *codes)])
    for strand, (rows, cells) in matrix.items():
        for row in rows:
            values = (strand, row, *(cells.get((row, c), "") for c in codes))
            writer.writerow([csv_cell(v, raw) for v in values])
    return buffer.getvalue()


def to_xlsx(matrix: Matrix, codes: Sequence[str], row_label: str, output: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from pdcode.export.workbook import append_row

    book = Workbook()
    book.remove(book.active)
    wrap = Alignment(wrap_text=True, vertical="top")
    for strand, (rows, cells) in matrix.items():
        # Sheet titles are limited to 31 characters and some punctuation.
        sheet = book.create_sheet("".join(ch for ch in strand if ch not in "[]:*?/\\")[:31])
        append_row(sheet, [row_label, *codes])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = wrap
        for row in rows:
            append_row(sheet, [row, *(cells.get((row, c), "") for c in codes)])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = wrap
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 24
        for column in sheet.iter_cols(min_col=2, max_col=len(codes) + 1, max_row=1):
            sheet.column_dimensions[column[0].column_letter].width = 45
    book.properties.created = datetime(2000, 1, 1)
    book.properties.modified = datetime(2000, 1, 1)
    book.properties.creator = "pdcode"
    from pdcode.export.files import write_output
    from pdcode.export.workbook import workbook_bytes

    write_output(workbook_bytes(book), output)
