"""Build the Word transcripts of the labels-heldout set from their JSON specs.

A spec ``NAME.docx.json`` is ``{"paragraphs": [[[run_text, bold], ...], ...]}``:
a list of paragraphs, each a list of runs; ``bold`` is true, false or null
(null = inherit, i.e. not bold).  An empty list is an empty paragraph.

Usage:
    python build_docx.py [OUT_DIR]

builds every ``*.docx.json`` in this folder into ``OUT_DIR/NAME.docx``
(default OUT_DIR: ``<system temp dir>/pdcode-labels-heldout``).  From code:
``build(spec_path, out_path)``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from docx import Document

HERE = Path(__file__).resolve().parent


def build(spec_path: Path, out_path: Path) -> None:
    """Write the .docx described by the JSON spec at ``spec_path`` to ``out_path``."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    doc = Document()
    for runs in spec["paragraphs"]:
        para = doc.add_paragraph()
        for text, bold in runs:
            run = para.add_run(text)
            run.bold = bold
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out_path))


def build_all(out_dir: Path) -> list[Path]:
    """Build every spec in this folder into ``out_dir``; return the paths written."""
    written = []
    for spec in sorted(HERE.glob("*.docx.json")):
        target = Path(out_dir) / spec.name[: -len(".json")]
        build(spec, target)
        written.append(target)
    return written


if __name__ == "__main__":
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(tempfile.gettempdir()) / "pdcode-labels-heldout"
    )
    for path in build_all(out):
        print(path)
