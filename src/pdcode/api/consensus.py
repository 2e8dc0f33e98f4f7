"""`pdcode disagreements`: the units where coders differ, for a consensus meeting."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pdcode.api.formats import check_format
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
    rows: list[dict[str, Any]], columns: list[str], coders: Sequence[str], fmt: str, output: Path
) -> None:
    from pdcode.export.tables import render, write_text

    check_format(fmt, FORMATS, output)
    if fmt == "csv":
        write_text(render(rows, columns, "csv"), output)
    elif fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        write_xlsx({"disagreements": (rows, columns)}, output)
    else:
        from pdcode.export.disagreements import to_docx

        output.parent.mkdir(parents=True, exist_ok=True)
        part = output.with_name(output.name + ".part")
        part.write_bytes(to_docx(rows, list(coders)))
        part.replace(output)
