"""A study report as one self-contained HTML file or a Word document.

The report is a list of blocks (headings, paragraphs, tables, heatmaps and
quotations) built by `pdcode.api.report`; this module only lays them out, so
both formats always hold the same content. The HTML embeds its charts as SVG
and carries no timestamp: the same project gives the same bytes.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Text:
    text: str
    italic: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, eq=False)
class Figure:
    title: str
    matrix: pd.DataFrame  # drawn as a heatmap
    number_format: str = "{:.0f}"


@dataclass(frozen=True)
class Quote:
    text: str
    attribution: str


@dataclass(frozen=True)
class Memo:
    """A researcher's memo: its text, and a byline saying who wrote it, when, and
    what it is on."""

    text: str
    byline: str


Block = Heading | Text | Table | Figure | Quote | Memo


@dataclass(frozen=True)
class Report:
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if value == value else ""  # NaN shows empty
    return str(value)


def _numeric(value: Any) -> bool:
    """Numbers, and numbers already formatted for reading ("0.042", "< 0.001")."""
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and re.fullmatch(r"(?:< )?\d+(?:\.\d+)?", value) is not None


_CSS = (
    "body{font-family:Georgia,serif;max-width:60em;margin:2em auto;line-height:1.45;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:.85em}"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left}"
    "td.n{text-align:right}th{background:#eef2f7}"
    "blockquote{margin:1em 0;padding:.5em 1em;border-left:4px solid #7aa6d6;background:#f6f8fb}"
    ".by{font-size:.85em;color:#555;margin-top:.4em}"
    ".memo{margin:1em 0;padding:.5em 1em;border-left:4px solid #d6b27a;background:#fbf8f2}"
    "figure{margin:1em 0}svg{max-width:100%;height:auto}"
)


def to_html(report: Report) -> str:
    from pdcode.export.charts import heatmap_bytes

    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(report.title)}</h1>",
    ]
    headings = [b for b in report.blocks if isinstance(b, Heading) and b.level == 1]
    out.append("<nav><ul>")
    out += [f'<li><a href="#s{i}">{esc(h.text)}</a></li>' for i, h in enumerate(headings)]
    out.append("</ul></nav>")
    section = 0
    for block in report.blocks:
        if isinstance(block, Heading):
            level = min(block.level + 1, 6)
            anchor = ""
            if block.level == 1:
                anchor = f' id="s{section}"'
                section += 1
            out.append(f"<h{level}{anchor}>{esc(block.text)}</h{level}>")
        elif isinstance(block, Text):
            body = f"<em>{esc(block.text)}</em>" if block.italic else esc(block.text)
            out.append(f"<p>{body}</p>")
        elif isinstance(block, Table):
            out.append("<table><thead><tr>")
            out += [f"<th>{esc(c)}</th>" for c in block.columns]
            out.append("</tr></thead><tbody>")
            for row in block.rows:
                cells = "".join(
                    f'<td class="n">{esc(_cell(v))}</td>'
                    if _numeric(v)
                    else f"<td>{esc(_cell(v))}</td>"
                    for v in row
                )
                out.append(f"<tr>{cells}</tr>")
            out.append("</tbody></table>")
        elif isinstance(block, Figure):
            svg = heatmap_bytes(block.matrix, block.title, "svg", block.number_format)
            # Inline SVG: the file stays self-contained and diffable. Drop the
            # XML prologue, which is not allowed inside HTML.
            text = svg.decode("utf-8")
            text = text[text.index("<svg") :]
            out.append(f"<figure>{text}<figcaption>{esc(block.title)}</figcaption></figure>")
        elif isinstance(block, Memo):
            body = esc(block.text).replace("\n", "<br>")
            out.append(f'<div class="memo"><div class="by">{esc(block.byline)}</div>{body}</div>')
        else:
            body = esc(block.text).replace("\n", "<br>")
            out.append(
                f'<blockquote>{body}<div class="by">{esc(block.attribution)}</div></blockquote>'
            )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def to_docx(report: Report) -> bytes:
    import docx
    from docx.shared import Pt

    from pdcode.export.word import docx_bytes, docx_table

    document = docx.Document()
    document.core_properties.author = "pdcode"
    document.add_heading(report.title, level=0)
    for block in report.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=min(block.level, 9))
        elif isinstance(block, Text):
            paragraph = document.add_paragraph(block.text)
            if block.italic and paragraph.runs:
                paragraph.runs[0].italic = True
        elif isinstance(block, Table):
            ids = [i for i, c in enumerate(block.columns) if c.lower().startswith("code")]
            docx_table(document, block.columns, [[_cell(v) for v in r] for r in block.rows], 8, ids)
        elif isinstance(block, Figure):
            _docx_figure(document, block)
        elif isinstance(block, Memo):
            document.add_paragraph().add_run(block.byline).bold = True
            document.add_paragraph(block.text)  # its line breaks kept
        else:
            document.add_paragraph(block.text, style="Quote")
            by = document.add_paragraph(block.attribution)
            by.runs[0].font.size = Pt(9)
    return docx_bytes(document)


CAPTION_ROOM = 0.6  # inches kept under a picture for its caption, on the same page


def text_box(document: Any) -> tuple[int, int]:
    """Width and height (EMU) inside the margins of the document's last section."""
    section = document.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    return int(width), int(height)


def add_fitted_picture(document: Any, data: bytes, box: tuple[int, int]) -> Any:
    """A paragraph holding the picture at its own size, shrunk (never stretched) to
    fit ``box`` (EMU)."""
    from docx.image.image import Image

    image = Image.from_blob(data)
    scale = min(1.0, box[0] / image.width, box[1] / image.height)
    width, height = int(image.width * scale), int(image.height * scale)
    paragraph = document.add_paragraph()
    paragraph.add_run().add_picture(io.BytesIO(data), width=width, height=height)
    return paragraph


def _docx_figure(document: Any, block: Figure) -> None:
    """The heatmap drawn to fit the text area with its type at full size; one too
    big to stay readable is cut into parts (blocks of rows, or of columns) that
    share one colour scale."""
    import numpy as np
    from docx.shared import Inches

    from pdcode.export.charts import heatmap_bytes, heatmap_parts, heatmap_size

    width, height = text_box(document)
    box = (width, height - int(Inches(CAPTION_ROOM)))
    inches = (box[0] / Inches(1), box[1] / Inches(1))
    values = block.matrix.to_numpy(dtype=float)
    limits = None
    if values.size and not np.isnan(values).all():
        limits = (float(np.nanmin(values)), float(np.nanmax(values)))
    parts = heatmap_parts(block.matrix, inches)
    for number, part in enumerate(parts, start=1):
        title = block.title
        if len(parts) > 1:
            title += f" (part {number} of {len(parts)})"
        size = heatmap_size(part, inches)
        png = heatmap_bytes(part, title, "png", block.number_format, size, limits)
        add_fitted_picture(document, png, box).paragraph_format.keep_with_next = True
        document.add_paragraph(title, style="Caption")
