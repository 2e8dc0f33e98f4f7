"""Coded excerpts grouped by code: Markdown, self-contained HTML, Word, CSV, Excel.

Each section is a code (its name and definition) followed by its excerpts, each
with its attribution: case, role, speaker, source, and time or paragraph number.
The memos on the code come after its definition, and the memos on a coding right
after its excerpt (an excerpt's ``memos``); in CSV and Excel each memo is a row of
its own, after its code's name or its excerpt, told apart by ``kind``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

ROW_COLUMNS = (
    "code", "code_name", "source", "strand", "case", "role", "speaker",
    "paragraph", "time", "start", "end", "coder", "text",
    "kind", "author", "title", "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class Memo:
    """A memo as an excerpt document shows it: who wrote it, when, and what."""

    author: str
    created_at: str
    text: str
    title: str | None = None

    def byline(self, on: str = "") -> str:
        return f"Memo{on} by {self.author}, {self.created_at[:10]}" + (
            f": {self.title}" if self.title else ""
        )


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    definition: str
    excerpts: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    memos: tuple[Memo, ...] = ()  # on the code itself


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


def _memo_row(memo: Memo, kind: str, around: dict[str, Any]) -> dict[str, Any]:
    return {
        **around,
        "kind": kind,
        "author": memo.author,
        "title": memo.title,
        "created_at": memo.created_at,
        "text": memo.text,
    }


def rows(sections: Sequence[Section]) -> list[dict[str, Any]]:
    """One row per excerpt, each followed by its memos, after its code's memos."""
    out: list[dict[str, Any]] = []
    for s in sections:
        named = {"code": s.code, "code_name": s.name}
        out += [_memo_row(m, "code memo", named) for m in s.memos]
        for e in s.excerpts:
            row = {**e, **named, "time": clock(e.get("time")), "kind": "excerpt"}
            out.append(row)
            out += [_memo_row(m, "coding memo", row) for m in e.get("memos", ())]
    return out


def to_markdown(title: str, sections: Sequence[Section], note: str) -> str:
    from pdcode.export.tables import md_code
    from pdcode.export.tables import md_escape as esc

    lines = [f"# {esc(title)}", "", f"_{esc(note)}_", ""]
    for s in sections:
        lines += [f"## {esc(s.name)} ({md_code(s.code)})", ""]
        if s.definition:
            lines += [esc(s.definition), ""]
        for memo in s.memos:
            lines += _md_memo(memo, "")
        lines += [f"{len(s.excerpts)} excerpt(s)", ""]
        for e in s.excerpts:
            quoted = "\n".join(f"> {esc(line)}" if line else ">" for line in e["text"].split("\n"))
            lines += [quoted, ">", f"> — {esc(attribution(e))}", ""]
            for memo in e.get("memos", ()):
                lines += _md_memo(memo, " on this excerpt")
    return "\n".join(lines).rstrip() + "\n"


def _md_memo(memo: Memo, on: str) -> list[str]:
    from pdcode.export.tables import md_escape as esc

    # A memo's line breaks are the author's (hard breaks); a line starting with # must
    # not become a heading (a > is escaped already, so no line reads as an excerpt).
    body = [
        re.sub(r"^(\s*)#", r"\1\\#", esc(line)) if line.strip() else ""
        for line in memo.text.split("\n")
    ]
    # Two trailing spaces: a hard line break, where a line goes on in the next.
    broken = [f"{a}  " if a and b else a for a, b in zip(body, [*body[1:], ""], strict=True)]
    return [f"**{esc(memo.byline(on))}**", "", *broken, ""]


_CSS = (
    "body{font-family:Georgia,serif;max-width:46em;margin:2em auto;line-height:1.5;color:#222}"
    "h2{border-bottom:1px solid #ccc;padding-bottom:.2em}"
    "blockquote{margin:1em 0;padding:.5em 1em;border-left:4px solid #7aa6d6;background:#f6f8fb}"
    ".by{font-size:.85em;color:#555;margin-top:.4em}.def{font-style:italic}"
    ".memo{margin:1em 0;padding:.5em 1em;border-left:4px solid #d6b27a;background:#fbf8f2}"
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
        out += [_html_memo(m, "") for m in s.memos]
        for e in s.excerpts:
            body = esc(e["text"]).replace("\n", "<br>")
            out.append(
                f'<blockquote>{body}<div class="by">{esc(attribution(e))}</div></blockquote>'
            )
            out += [_html_memo(m, " on this excerpt") for m in e.get("memos", ())]
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_memo(memo: Memo, on: str) -> str:
    esc = html.escape
    body = esc(memo.text).replace("\n", "<br>")
    return f'<div class="memo"><div class="by">{esc(memo.byline(on))}</div>{body}</div>'


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
        for memo in s.memos:
            _docx_memo(document, memo, "")
        for e in s.excerpts:
            document.add_paragraph(e["text"], style="Quote")
            by = document.add_paragraph(attribution(e))
            by.runs[0].font.size = docx.shared.Pt(9)
            for memo in e.get("memos", ()):
                _docx_memo(document, memo, " on this excerpt")
    return docx_bytes(document)


def _docx_memo(document: Any, memo: Memo, on: str) -> None:
    """The byline in bold, then the text, its line breaks kept."""
    document.add_paragraph().add_run(memo.byline(on)).bold = True
    document.add_paragraph(memo.text)
