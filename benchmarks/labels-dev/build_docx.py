"""Build the Word transcripts of the labels-dev set from their JSON specs.

A spec ``NAME.docx.json`` holds ``{"paragraphs": [[[run_text, bold], ...], ...]}``
where ``bold`` is true, false or null (null = inherit, i.e. plain type).
An empty run list gives an empty paragraph.

Usage:
    python build_docx.py [OUT_DIR]

builds every ``*.docx.json`` in this folder into ``OUT_DIR/NAME.docx``
(default: a ``build`` folder next to this file).  Builds are reproducible:
core properties and zip entry dates are fixed.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import sys
import zipfile
from pathlib import Path

from docx import Document

_FIXED = _dt.datetime(2024, 1, 1, 0, 0, 0)
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def build(spec_path: Path, out_path: Path) -> None:
    """Write the .docx described by ``spec_path`` to ``out_path``."""
    spec_path = Path(spec_path)
    out_path = Path(out_path)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))

    doc = Document()
    for runs in spec["paragraphs"]:
        para = doc.add_paragraph()
        for text, bold in runs:
            run = para.add_run(text)
            run.bold = bold

    cp = doc.core_properties
    cp.author = "pdcode labels-dev"
    cp.last_modified_by = "pdcode labels-dev"
    cp.title = (
        spec_path.name[: -len(".docx.json")]
        if spec_path.name.endswith(".docx.json")
        else spec_path.stem
    )
    cp.subject = ""
    cp.keywords = ""
    cp.comments = ""
    cp.category = ""
    cp.revision = 1
    cp.created = _FIXED
    cp.modified = _FIXED
    cp.last_printed = _FIXED

    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)

    # Re-pack with fixed entry dates and order so the bytes do not depend on build time.
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    out_dir = Path(argv[1]) if len(argv) > 1 else here / "build"
    for spec in sorted(here.glob("*.docx.json")):
        if spec.name.endswith(".expected.json"):
            continue
        out = out_dir / spec.name[: -len(".json")]
        build(spec, out)
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
