"""`pdcode export excerpts`: coded excerpts grouped by code, per strand if asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pdcode.api.formats import check_format
from pdcode.errors import UsageError
from pdcode.store import Project, frames
from pdcode.store import codings as store

FORMATS = ("md", "html", "docx", "csv", "xlsx")
NOTE = "Excerpts as coded; each names its case, role, speaker, source and place."


def _sections(
    project: Project, strand: str | None, code: str | None, coder: str | None
) -> list[Any]:
    from pdcode.api.analysis import _code_order
    from pdcode.export.excerpts import Section

    rows = store.coding_rows(project, coder=coder, code=code)
    if strand is not None:
        rows = [r for r in rows if r["strand"] == strand]
    sources = frames.sources_frame(project)
    roles = (
        dict(zip(sources["source"], sources["role"], strict=True))
        if "role" in sources.columns
        else {}
    )
    codings = frames.codings_frame(project, coder)
    codes, order, _ = _code_order(frames.codes_frame(project), codings, "leaf")
    names = dict(zip(codes["code"], codes["name"], strict=True))
    definitions = dict(zip(codes["code"], codes["definition"], strict=True))
    by_code: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        role = roles.get(row["source"])
        row["role"] = role if isinstance(role, str) else None
        by_code.setdefault(row["code"], []).append(row)
    return [
        Section(c, names.get(c, c), definitions.get(c) or "", tuple(by_code[c]))
        for c in order
        if c in by_code
    ]


def _write(sections: list[Any], title: str, fmt: str, output: Path) -> None:
    from pdcode.export import excerpts as writer
    from pdcode.export.tables import render, write_text

    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "md":
        write_text(writer.to_markdown(title, sections, NOTE), output)
    elif fmt == "html":
        write_text(writer.to_html(title, sections, NOTE), output)
    elif fmt == "csv":
        write_text(render(writer.rows(sections), writer.ROW_COLUMNS, "csv"), output)
    elif fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        write_xlsx({"excerpts": (writer.rows(sections), writer.ROW_COLUMNS)}, output)
    else:
        tmp = output.with_name(output.name + ".part")
        tmp.write_bytes(writer.to_docx(title, sections, NOTE))
        tmp.replace(output)


def export_excerpts(
    project: Project,
    fmt: str,
    output: Path | None = None,
    strand: str | None = None,
    code: str | None = None,
    coder: str | None = None,
    split_by: str | None = None,
    output_dir: Path | None = None,
) -> list[Path]:
    """Write the excerpts to ``output``, or one file per strand into ``output_dir``."""
    check_format(fmt, FORMATS, output)
    if split_by is not None:
        if split_by != "strand":
            raise UsageError("--split-by takes strand")
        if output_dir is None:
            raise UsageError("--split-by needs --output-dir DIR")
        strands = sorted({s.strand for s in project.source_summaries() if s.strand})
        if strand is not None:
            strands = [s for s in strands if s == strand]
        written = []
        for name in strands:
            target = output_dir / f"excerpts_{name}.{fmt}"
            _write(_sections(project, name, code, coder), f"Coded excerpts: {name}", fmt, target)
            written.append(target)
        return written
    if output is None:
        raise UsageError("give --output FILE (or --split-by strand --output-dir DIR)")
    title = f"Coded excerpts: {strand}" if strand else "Coded excerpts"
    _write(_sections(project, strand, code, coder), title, fmt, output)
    return [output]
