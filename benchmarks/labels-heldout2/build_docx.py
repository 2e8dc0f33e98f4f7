"""Build the Word transcripts of this held-out set from their JSON specs.

Each ``NAME.docx.json`` holds ``{"paragraphs": [[[run_text, bold], ...], ...]}``:
one list of runs per paragraph (an empty list is an empty paragraph), and
``bold`` is true, false or null (null leaves the run's bold unset).

Usage:
    python build_docx.py [OUT_DIR]

builds every ``*.docx.json`` beside this file into ``OUT_DIR/NAME.docx``
(default: ``<system temp dir>/pdcode-labels-heldout2``, so that no binary
lands in the repository). From Python, call
``build(spec_path, out_path)``.
"""

from __future__ import annotations

import datetime
import json
import sys
import tempfile
from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime.datetime(2024, 1, 1, 9, 0, 0)
AUTHOR = "pdcode labels-heldout2"


def build(spec_path: Path, out_path: Path) -> None:
    """Write the .docx described by the JSON spec at ``spec_path`` to ``out_path``."""
    spec_path, out_path = Path(spec_path), Path(out_path)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    document = docx.Document()

    props = document.core_properties
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.title = (
        spec_path.name[: -len(".json")] if spec_path.name.endswith(".json") else spec_path.name
    )
    props.subject = "held-out speaker-turn transcript"
    props.keywords = ""
    props.comments = ""
    props.category = ""
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1

    for runs in spec["paragraphs"]:
        paragraph = document.add_paragraph()
        for text, bold in runs:
            run = paragraph.add_run(text)
            if bold is not None:
                run.bold = bool(bold)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out_path))


def main(argv: list[str]) -> int:
    out_dir = (
        Path(argv[1]) if len(argv) > 1 else Path(tempfile.gettempdir()) / "pdcode-labels-heldout2"
    )
    specs = sorted(HERE.glob("*.docx.json"))
    for spec in specs:
        out = out_dir / spec.name[: -len(".json")]
        build(spec, out)
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
