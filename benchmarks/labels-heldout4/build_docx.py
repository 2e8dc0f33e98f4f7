"""Build the Word transcripts of this held-out set from their JSON specs.

Each ``NAME.docx.json`` holds ``{"paragraphs": [[[run_text, bold], ...], ...]}``,
where ``bold`` is true, false or null (inherit).  ``build`` writes one paragraph
per entry and one run per [text, bold] pair, with fixed core properties and
fixed zip entry dates, so that the same spec always gives the same document.

Usage:  python build_docx.py [OUT_DIR]
builds every *.docx.json in this folder into OUT_DIR (default: this folder).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import sys
import zipfile
from pathlib import Path

import docx

FIXED_TIME = _dt.datetime(2024, 1, 1, 0, 0, 0)


def build(spec_path: Path, out_path: Path) -> None:
    spec_path, out_path = Path(spec_path), Path(out_path)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    document = docx.Document()
    for runs in spec["paragraphs"]:
        paragraph = document.add_paragraph()
        for text, bold in runs:
            run = paragraph.add_run(text)
            if bold is not None:
                run.bold = bool(bold)
    props = document.core_properties
    props.author = "pdcode benchmark"
    props.last_modified_by = "pdcode benchmark"
    props.title = spec_path.name[: -len(".docx.json")]
    props.subject = ""
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.revision = 1
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    buffer = io.BytesIO()
    document.save(buffer)
    # rewrite the zip with fixed entry dates so the output is reproducible
    buffer.seek(0)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        zipfile.ZipFile(buffer) as src,
        zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            dst.writestr(info, src.read(item.filename))


def main(argv: list[str]) -> None:
    here = Path(__file__).resolve().parent
    out_dir = Path(argv[1]) if len(argv) > 1 else here
    for spec in sorted(here.glob("*.docx.json")):
        target = out_dir / spec.name[: -len(".json")]
        build(spec, target)
        print(target)


if __name__ == "__main__":
    main(sys.argv)
