"""Coded excerpts grouped by code: Markdown, self-contained HTML, Word, CSV, Excel.

Each section is a code (its name and definition) followed by its excerpts, each
with its attribution: case, role, speaker, source, and time or paragraph number.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ROW_COLUMNS = (
    "code", "code_name", "source", "strand", "case", "role", "speaker",
    "paragraph", "time", "start", "end", "coder", "text",
)  # fmt: skip


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    definition: str
    excerpts: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def clock(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def attribution(excerpt: dict[str, Any]) -> str:
    where = clock(excerpt.get("time"))
    if where is None and excerpt.get("paragraph") is not None:
        where = f"¶ {excerpt['paragraph']}"
    parts = [excerpt.get(k) for k in ("case", "role", "speaker", "source")] + [where]
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def rows(sections: Sequence[Section]) -> list[dict[str, Any]]:
    return [
        {**e, "code": s.code, "code_name": s.name, "time": clock(e.get("time"))}
        for s in sections
        for e in s.excerpts
    ]


def to_markdown(title: str, sections: Sequence[Section], note: str) -> str:
    from pdcode.export.tables import md_code
    from pdcode.export.tables import md_escape as esc

    lines = [f"# {esc(title)}", "", f"_{esc(note)}_", ""]
    for s in sections:
        lines += [f"## {esc(s.name)} ({md_code(s.code)})", ""]
        if s.definition:
            lines += [esc(s.definition), ""]
        lines += [f"{len(s.excerpts)} excerpt(s)", ""]
        for e in s.excerpts:
            quoted = "\n".join(f"> {esc(line)}" if line else ">" for line in e["text"].split("\n"))
            lines += [quoted, ">", f"> — {esc(attribution(e))}", ""]
    return "\n".join(lines).rstrip() + "\n"


_CSS = (
    "body{font-family:Georgia,serif;max-width:46em;margin:2em auto;line-height:1.5;color:#222}"
    "h2{border-bottom:1px solid #ccc;padding-bottom:.2em}"
    "blockquote{margin:1em 0;padding:.5em 1em;border-left:4px solid #7aa6d6;background:#f6f8fb}"
    ".by{font-size:.85em;color:#555;margin-top:.4em}.def{font-style:italic}"
    "nav li{list-style:none}"
)


def to_html(title: str, sections: Sequence[Section], note: str) -> str:
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1><p><em>{esc(note)}</em></p><nav><ul>",
    ]
    out += [
        f'<li><a href="#{esc(s.code)}">{esc(s.name)}</a> ({len(s.excerpts)})</li>' for s in sections
    ]
    out.append("</ul></nav>")
    for s in sections:
        out.append(f'<section id="{esc(s.code)}"><h2>{esc(s.name)} <code>{esc(s.code)}</code></h2>')
        if s.definition:
            out.append(f'<p class="def">{esc(s.definition)}</p>')
        for e in s.excerpts:
            body = esc(e["text"]).replace("\n", "<br>")
            out.append(
                f'<blockquote>{body}<div class="by">{esc(attribution(e))}</div></blockquote>'
            )
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def to_docx(title: str, sections: Sequence[Section], note: str) -> bytes:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from pdcode.export.word import docx_bytes

    document = docx.Document()
    document.core_properties.author = "pdcode"
    document.add_heading(title, level=0)
    document.add_paragraph(note).runs[0].italic = True
    # A table of contents field: Word fills it in when the fields are updated.
    field_paragraph = document.add_paragraph()
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), 'TOC \\o "1-2" \\h \\z \\u')
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "Right-click to update the table of contents."
    run.append(text)
    simple.append(run)
    field_paragraph._p.append(simple)
    for s in sections:
        document.add_heading(f"{s.name} ({s.code})", level=1)
        if s.definition:
            document.add_paragraph(s.definition).runs[0].italic = True
        for e in s.excerpts:
            document.add_paragraph(e["text"], style="Quote")
            by = document.add_paragraph(attribution(e))
            by.runs[0].font.size = docx.shared.Pt(9)
    return docx_bytes(document)
