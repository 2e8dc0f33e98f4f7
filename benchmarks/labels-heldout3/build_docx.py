"""Build the Word transcripts of this held-out set from their JSON specs.

A spec `NAME.docx.json` holds {"paragraphs": [[[run_text, bold], ...], ...]},
one inner list per paragraph (an empty list is an empty paragraph); `bold` is
true, false or null (inherit). Core properties are fixed so that builds do not
depend on the machine or the clock.

Usage:
    python build_docx.py            # builds every *.docx.json here into OUT_DIR
    python build_docx.py OUT_DIR    # (default: this folder)
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

import docx

_FIXED_TIME = _dt.datetime(2024, 1, 1, 9, 0, 0)


def build(spec_path: Path, out_path: Path) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    document = docx.Document()
    for runs in spec["paragraphs"]:
        paragraph = document.add_paragraph()
        for text, bold in runs:
            run = paragraph.add_run(text)
            if bold is not None:
                run.bold = bool(bold)
    props = document.core_properties
    props.author = "pdcode held-out set"
    props.last_modified_by = "pdcode held-out set"
    props.title = Path(out_path).name
    props.subject = "interview transcript"
    props.keywords = ""
    props.comments = ""
    props.category = ""
    props.revision = 1
    props.created = _FIXED_TIME
    props.modified = _FIXED_TIME
    props.last_printed = _FIXED_TIME
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out_path))


def build_all(out_dir: Path) -> list[Path]:
    here = Path(__file__).resolve().parent
    built = []
    for spec in sorted(here.glob("*.docx.json")):
        out = Path(out_dir) / spec.name[: -len(".json")]
        build(spec, out)
        built.append(out)
    return built


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in build_all(target):
        print(path)
