"""Codings in a spreadsheet: ``source,start,end,code`` or ``source,quote,code``.

Header names are matched case-insensitively; other columns are ignored. A bad row
becomes a problem and the rest are read: nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pdcode.errors import InputError
from pdcode.limits import Limits


@dataclass(frozen=True)
class CodingRow:
    line: int
    source: str
    code: str
    start: int | None = None
    end: int | None = None
    quote: str | None = None


@dataclass(frozen=True)
class Problem:
    type: str
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.type}: {self.message}"


def read_rows(path: Path, limits: Limits | None = None) -> list[dict[str, str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        from pdcode.ingest.guard import check_zip
        from pdcode.ingest.regular import read_regular

        data = read_regular(path)  # a regular file only: never a FIFO or a device
        # The one zip guard first: sizes, CRCs, XML elements, the sheet's grid.
        check_zip(data, str(path), limits or Limits.from_env(), "an Excel workbook")
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            values = [
                ["" if v is None else str(v) for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
            book.close()
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise InputError(path, f"cannot read workbook ({type(exc).__name__})") from None
        if not values:
            return []
        header = [h.strip().casefold() for h in values[0]]
        return [dict(zip(header, row, strict=False)) for row in values[1:]]
    from pdcode.ingest.decode import read_text

    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    try:
        return [
            {(k or "").strip().casefold(): v if isinstance(v, str) else "" for k, v in row.items()}
            for row in reader
        ]
    except csv.Error as exc:  # a field over csv's size limit, a stray quote...
        raise InputError(path, f"cannot read CSV ({exc})") from None


def read_codings_table(
    path: Path, limits: Limits | None = None
) -> tuple[list[CodingRow], list[Problem]]:
    rows = read_rows(path, limits)
    name = str(path)
    columns = set(rows[0]) if rows else set()
    offsets = {"start", "end"} <= columns
    if not rows:
        return [], [Problem("empty", name, None, "no rows")]
    if not {"source", "code"} <= columns or not (offsets or "quote" in columns):
        return [], [
            Problem(
                "missing-columns",
                name,
                1,
                "need columns source,start,end,code or source,quote,code "
                f"(found: {', '.join(sorted(columns))})",
            )
        ]
    out: list[CodingRow] = []
    problems: list[Problem] = []
    for line, row in enumerate(rows, start=2):
        source, code = row.get("source", "").strip(), row.get("code", "").strip()
        if not source or not code:
            problems.append(Problem("empty-field", name, line, "source and code are required"))
            continue
        quote = row.get("quote", "").strip()
        if offsets and row.get("start", "").strip():
            try:
                start, end = int(row["start"]), int(row["end"])
            except ValueError:
                problems.append(Problem("bad-offset", name, line, "start and end must be integers"))
                continue
            if start < 0 or end <= start:
                problems.append(Problem("bad-offset", name, line, f"bad span {start}-{end}"))
                continue
            out.append(CodingRow(line, source, code, start, end))
        elif quote:
            out.append(CodingRow(line, source, code, quote=quote))
        else:
            problems.append(Problem("empty-field", name, line, "no offsets and no quote"))
    return out, problems
