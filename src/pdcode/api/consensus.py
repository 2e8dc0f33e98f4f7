"""`pdcode disagreements`: the units where coders differ, for a consensus meeting."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pdcode.api.formats import check_format, format_of
from pdcode.store import Project

FORMATS = ("csv", "xlsx", "docx")


def disagreements(
    project: Project,
    coders: Sequence[str],
    unit: str = "turn",
    code: str | None = None,
    strand: str | None = None,
    include_interviewer: bool = False,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows (units with their text and each coder's codes) and their columns."""
    import pandas as pd

    from pdcode.api.reliability import _scope
    from pdcode.reliability.disagreements import disagreements as run

    units, codings, order, _names = _scope(project, coders, unit, code, strand, include_interviewer)
    segments = pd.DataFrame(project.segment_rows(unit))
    keep = ["source", "start", "end", "strand", "case", "speaker", "start_time", "index", "text"]
    detail = units.astype({"source": object}).merge(
        segments[keep], on=["source", "start", "end"], how="left"
    )
    detail = detail.rename(columns={"index": "position", "start_time": "time"})
    rows = run(detail, codings, coders, order)
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and value != value:
                row[key] = None
        row["position"] = int(row["position"]) + 1 if row.get("position") is not None else None
    columns = [
        "source", "strand", "case", "speaker", "position", "time", "start", "end", "text",
        *coders, "differ", "consensus", "notes",
    ]  # fmt: skip
    return rows, columns


def write_disagreements(
    rows: list[dict[str, Any]],
    columns: list[str],
    coders: Sequence[str],
    fmt: str | None,
    output: Path | None,
    raw_csv: bool = False,
) -> str | None:
    """Write the rows as csv, xlsx or docx (``fmt``, else ``output``'s suffix, else
    csv); with no ``output``, return the csv text."""
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, FORMATS, "csv")
    check_format(fmt, FORMATS, output)
    if fmt == "csv":
        content = render(rows, columns, "csv", raw_csv)
        if output is None:
            return content
        write_text(content, output)
        return None
    assert output is not None  # check_format refused a binary format without one
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        write_xlsx({"disagreements": (rows, columns)}, output)
    else:
        from pdcode.export.disagreements import to_docx
        from pdcode.export.files import write_output

        write_output(to_docx(rows, list(coders)), output)
    return None
