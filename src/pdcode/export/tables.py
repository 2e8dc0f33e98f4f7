"""Rows of plain values to CSV, JSON and Markdown, byte for byte reproducible.

CSV uses LF line ends and JSON sorted-free but fixed column order, so the same
project always gives the same bytes and outputs can be diffed in git.

A CSV cell of text that a spreadsheet would run as a formula (it begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe
unless ``raw`` is asked for (OWASP's advice against CSV injection); numbers are
never touched. Markdown cells have ``<``, ``>`` and ``&`` escaped as HTML entities.
"""

from __future__ import annotations

import csv
import html
import io
import json
import numbers
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FORMATS = ("csv", "json", "md")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(value: Any) -> Any:
    """``value`` as a spreadsheet opening a CSV will not run it: text that would be
    read as a formula gets a leading apostrophe; numbers, and text that is only a
    number ("-0.25"), stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_cell(value: Any, raw: bool = False) -> str:
    """A value as a CSV cell: `csv_safe` unless ``raw``."""
    text = _cell(value)
    if raw or isinstance(value, numbers.Real):  # numpy's too
        return text
    return str(csv_safe(text))


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], raw: bool = False) -> str:
    """The rows as CSV; with ``raw``, text cells exactly as stored (see `csv_safe`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(c, raw) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c), raw) for c in columns])
    return buffer.getvalue()


def to_json(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    records = [{c: row.get(c) for c in columns} for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def md_escape(text: str) -> str:
    """Text for Markdown with no raw HTML: ``<``, ``>`` and ``&`` as entities, so a
    ``<script>`` in a transcript shows as text wherever the Markdown is rendered."""
    return html.escape(text, quote=False)


def md_code(text: str) -> str:
    """``text`` as a Markdown code span, or as escaped plain text when it holds a
    backtick or HTML's special characters (a span cannot escape them)."""
    if any(ch in text for ch in "`<>&\n"):
        return md_escape(text).replace("`", "&#96;").replace("\n", " ")
    return f"`{text}`"


_READ_NUMBER = re.compile(r"< \d+(?:\.\d+)?")  # a p-value as people read it: "< 0.001"


def to_markdown(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    def esc(value: Any) -> str:
        text = _cell(value)
        if not _READ_NUMBER.fullmatch(text):  # no HTML in a number, so it reads as it is
            text = md_escape(text)
        return text.replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(esc(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(esc(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str, raw_csv: bool = False
) -> str:
    """The rows as csv, json or md; ``raw_csv`` leaves CSV cells as stored."""
    if fmt == "csv":
        return to_csv(rows, columns, raw_csv)
    writers = {"json": to_json, "md": to_markdown}
    return writers[fmt](rows, columns)


def write_text(content: str, output: Path) -> None:
    """Write UTF-8 text as every output is written (see ``pdcode.export.files``)."""
    from pdcode.export.files import write_output

    write_output(content, output)
