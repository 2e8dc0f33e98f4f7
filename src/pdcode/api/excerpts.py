"""`pdcode export excerpts`: coded excerpts grouped by code, per strand if asked,
with the memos on each code and on each excerpt's coding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pdcode.api.filters import check_coder, check_strand, resolve_code
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


def _with_memos(project: Project, sections: list[Any], code: str | None) -> list[Any]:
    """The sections with the memos on each code and on each excerpt's coding; a code
    with memos but no excerpt here gets a section of its own, after the others (in
    codebook order), so no memo on a code is left out."""
    from dataclasses import replace

    from pdcode.api import memos as memo_api
    from pdcode.export.excerpts import Memo, Section

    found = memo_api.memos(project, code=code)
    if not found:
        return sections

    def shown(memos: list[memo_api.Memo]) -> tuple[Memo, ...]:
        return tuple(Memo(m.author, m.created_at, m.text, m.title) for m in memos)

    on_code, on_coding = memo_api.by_code(found), memo_api.by_coding(found)
    out = [
        replace(
            s,
            excerpts=tuple({**e, "memos": shown(on_coding.get(e["id"], []))} for e in s.excerpts),
            memos=shown(on_code.get(s.code, [])),
        )
        for s in sections
    ]
    codes = frames.codes_frame(project)
    order = {c: i for i, c in enumerate(codes["code"])}
    names = dict(zip(codes["code"], codes["name"], strict=True))
    definitions = dict(zip(codes["code"], codes["definition"], strict=True))
    present = {s.code for s in sections}
    for c in sorted(set(on_code) - present, key=lambda c: (order.get(c, len(order)), c)):
        out.append(Section(c, names.get(c, c), definitions.get(c) or "", (), shown(on_code[c])))
    return out


def _render(sections: list[Any], title: str, fmt: str, raw_csv: bool = False) -> str | bytes:
    from pdcode.export import excerpts as writer
    from pdcode.export.tables import render

    if fmt == "md":
        return writer.to_markdown(title, sections, NOTE)
    if fmt == "html":
        return writer.to_html(title, sections, NOTE)
    if fmt == "csv":
        return render(writer.rows(sections), writer.ROW_COLUMNS, "csv", raw_csv)
    if fmt == "xlsx":
        from pdcode.export.workbook import xlsx_bytes

        return xlsx_bytes({"excerpts": (writer.rows(sections), writer.ROW_COLUMNS)})
    return writer.to_docx(title, sections, NOTE)


@dataclass(frozen=True)
class Excerpts:
    """What `pdcode export excerpts` wrote: files, or (no file given) the text."""

    written: tuple[Path, ...]
    content: str | None = None


def export_excerpts(
    project: Project,
    fmt: str,
    output: Path | None = None,
    strand: str | None = None,
    code: str | None = None,
    coder: str | None = None,
    split_by: str | None = None,
    output_dir: Path | None = None,
    raw_csv: bool = False,
    key: Path | None = None,
) -> Excerpts:
    """Write the excerpts to ``output``, or one file per strand into ``output_dir``
    (named by the strand made safe, never outside it); with neither, return a text
    format's document for stdout. ``raw_csv``: CSV cells as stored. ``key``: a
    reviewed pseudonym key applied to everything written (file names too)."""
    from pdcode.api.pseudonymise import sharing
    from pdcode.export.files import inside, safe_names, write_output

    if split_by is not None:
        if split_by != "strand":
            raise UsageError(f"unknown --split-by {split_by!r} (choose from strand)")
        if output is not None:
            raise UsageError("--split-by writes one file per strand: give --output-dir DIR")
        check_format(fmt, FORMATS, output_dir, "--output-dir DIR")
        if output_dir is None:  # a text format: one file per strand still needs a folder
            raise UsageError("--split-by strand needs --output-dir DIR")
    else:
        if output_dir is not None:
            raise UsageError("--output-dir is for --split-by strand: give --output FILE")
        check_format(fmt, FORMATS, output)
    strand = check_strand(project, strand)
    code = resolve_code(project, code)
    coder = check_coder(project, coder)
    share = sharing(project, key, output)
    if split_by is not None:
        assert output_dir is not None
        known = frames.known_strands(project)
        strands = [strand] if strand is not None else known
        # A strand is data (a manifest's, a .qdpx's): it names a file only made safe,
        # each the same name with or without --strand.
        files = safe_names(share(s) for s in known)
        written = []
        for name in strands:
            target = inside(output_dir, f"excerpts_{files[share(name)]}.{fmt}")
            sections = share(_with_memos(project, _sections(project, name, code, coder), code))
            content = _render(sections, share(f"Coded excerpts: {name}"), fmt, raw_csv)
            written.append(write_output(content, target))
        return Excerpts(tuple(written))
    title = share(f"Coded excerpts: {strand}" if strand else "Coded excerpts")
    sections = share(_with_memos(project, _sections(project, strand, code, coder), code))
    content = _render(sections, title, fmt, raw_csv)
    if output is None:
        assert isinstance(content, str)  # check_format refused a binary format
        return Excerpts((), content)
    return Excerpts((write_output(content, output),))
