"""Rows of plain values to CSV, JSON and Markdown, byte for byte reproducible.

CSV uses LF line ends and JSON sorted-free but fixed column order, so the same
project always gives the same bytes and outputs can be diffed in git.
"""

from __future__ import annotations

import csv
import io
import json
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


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def to_json(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    records = [{c: row.get(c) for c in columns} for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def to_markdown(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    def esc(value: Any) -> str:
        return _cell(value).replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(esc(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> str:
    writers = {"csv": to_csv, "json": to_json, "md": to_markdown}
    return writers[fmt](rows, columns)


def write_text(content: str, output: Path) -> None:
    """Write UTF-8 text as every output is written (see ``pdcode.export.files``)."""
    from pdcode.export.files import write_output

    write_output(content, output)
