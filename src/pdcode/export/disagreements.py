"""The disagreements document for a consensus meeting, in Word.

Landscape pages; a heading per source; a table per source with the unit's place,
its text, each coder's codes and an empty column for the agreed decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pdcode.export.excerpts import clock
from pdcode.export.word import docx_bytes, docx_table


def to_docx(rows: Sequence[dict[str, Any]], coders: list[str]) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT

    document = docx.Document()
    document.core_properties.author = "pdcode"
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(f"Coding disagreements: {', '.join(coders)}", level=0)
    document.add_paragraph(
        f"{len(rows)} unit(s) where the coders' codes differ. Agree a decision for each "
        "and record it in the Consensus column."
    )
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(str(row["source"]), []).append(row)
    header = ["Where", "Text", *coders, "Consensus"]
    for source, items in by_source.items():
        document.add_heading(source, level=1)
        cells = []
        for row in items:
            where = clock(row.get("time")) or f"#{row.get('position')}"
            speaker = row.get("speaker")
            cells.append(
                [
                    f"{where}\n{speaker}" if speaker else where,
                    str(row.get("text") or ""),
                    *(str(row.get(c) or "—") for c in coders),
                    "",
                ]
            )
        docx_table(document, header, cells, 9, range(2, 2 + len(coders)))
    return docx_bytes(document)
