"""Open-ended survey exports (.csv, .xlsx): one document per response.

Each non-blank response becomes a source named ``file#ID`` (ID from the id column,
or the 1-based row number), whose case is the respondent and whose attributes are
the other columns. With no text column named, the column with the longest
answers on average is taken.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from pdcode.errors import InputError, Reasons
from pdcode.ingest.decode import decode_text, normalise
from pdcode.ingest.guard import check_zip
from pdcode.ingest.model import Document, ReadOptions, Turn
from pdcode.limits import over

if TYPE_CHECKING:
    import pandas as pd


def read_csv(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    import pandas as pd

    text = decode_text(data, name)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(name, Reasons.BAD_TABLE.format(detail=str(exc).splitlines()[0])) from None
    return _documents(frame, name, "csv", options)


def read_xlsx(data: bytes, name: str, options: ReadOptions) -> list[Document]:
    import pandas as pd

    check_zip(data, name, options, "an Excel workbook")
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputError(name, Reasons.BAD_TABLE.format(detail=type(exc).__name__)) from None
    return _documents(frame.fillna(""), name, "xlsx", options)


def guess_text_column(frame: pd.DataFrame) -> str:
    """The column whose values are longest on average: where the answers are."""
    lengths = {c: frame[c].str.len().mean() for c in frame.columns}
    return max(frame.columns, key=lambda c: (lengths[c], -list(frame.columns).index(c)))


def _documents(frame: pd.DataFrame, name: str, fmt: str, options: ReadOptions) -> list[Document]:
    # Every cell that is stored (text, id, attribute columns) is normalised: an
    # .xlsx is read cell by cell, never through ``decode_text``.
    frame = frame.rename(columns=lambda c: normalise(str(c)).strip())
    columns = list(frame.columns)
    if frame.empty or not columns:
        raise InputError(name, Reasons.NO_TEXT)
    text_column = options.text_column or guess_text_column(frame)
    if text_column not in columns:
        raise InputError(
            name, Reasons.NO_TEXT_COLUMN.format(column=text_column, columns=", ".join(columns))
        )
    if options.id_column is not None and options.id_column not in columns:
        raise InputError(
            name, Reasons.NO_ID_COLUMN.format(column=options.id_column, columns=", ".join(columns))
        )
    seen: set[str] = set()
    documents = []
    for row_number, row in enumerate(frame.to_dict("records"), start=1):
        ident = (
            normalise(str(row[options.id_column])).strip() if options.id_column else str(row_number)
        )
        if ident in seen:
            raise InputError(
                name,
                Reasons.DUPLICATE_ID.format(row=row_number, value=ident, column=options.id_column),
            )
        seen.add(ident)
        text = normalise(str(row[text_column])).strip()
        if not text:
            continue
        if len(text) > options.limits.source_chars:
            limit = options.limits.source_chars
            raise InputError(name, over(f"row {row_number}", limit, "characters", "source_chars"))
        values = {
            c: normalise(str(row[c])).strip()
            for c in columns
            if c not in (text_column, options.id_column)
        }
        attributes = tuple((c, v) for c, v in values.items() if v)
        documents.append(
            Document(
                name=f"{name}#{ident}",
                format=fmt,
                text=text + "\n",
                turns=(Turn(None, 0, len(text)),),
                attributes=attributes,
                case=ident,
            )
        )
    return documents
