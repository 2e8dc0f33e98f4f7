"""How exactly pdcode reads speaker turns in transcripts with an answer key.

    python benchmarks/label_styles.py [FOLDER ...]

Every ``NAME.expected.json`` in the folders (default: tests/fixtures/transcripts)
is the hand-written answer key of ``NAME`` (``.docx.json`` specs are built into
Word documents first). For each transcript the script reads the file as
``pdcode import`` does and reports:

- respondent turns exact: expected respondent turns whose speaker and words (all
  whitespace collapsed) equal a turn pdcode read, matched in order;
- interviewer turns flagged: expected interviewer turns read exactly and flagged;
- labels inside turns: turns read whose text still holds an expected speaker label
  at the start of a line.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import re
import tempfile
from pathlib import Path

from pdcode.ingest import load

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / "tests" / "fixtures" / "transcripts"
BUILDER = REPO / "benchmarks" / "build_docx.py"  # one builder for every set


def _collapse(text: str) -> str:
    return " ".join(text.split())


def source_of(key_file: Path, scratch: Path) -> Path:
    """The transcript an answer key belongs to, built first if it is a Word spec."""
    name = key_file.name.removesuffix(".expected.json")
    if name.endswith(".docx"):
        spec = key_file.parent / f"{name}.json"
        module = importlib.util.spec_from_file_location("build_docx", BUILDER)
        assert module is not None and module.loader is not None
        builder = importlib.util.module_from_spec(module)
        module.loader.exec_module(builder)
        out = scratch / name
        builder.build(spec, out)
        return out
    return key_file.parent / name


def read_turns(path: Path) -> list[tuple[str | None, bool, str]]:
    """(speaker, interviewer, words) of every turn pdcode reads in ``path``."""
    document = load(path).documents[0]
    return [
        (t.speaker, t.is_interviewer, _collapse(document.text[t.start : t.end]))
        for t in document.turns
    ]


def expected_turns(key_file: Path) -> list[tuple[str | None, bool, str]]:
    key = json.loads(key_file.read_text(encoding="utf-8"))
    return [(t["speaker"], bool(t["interviewer"]), _collapse(t["text"])) for t in key["turns"]]


def score(expected: list[tuple[str | None, bool, str]], got: list[tuple[str | None, bool, str]]):
    """(respondent exact, respondents, interviewer exact, interviewers, labels inside)."""
    matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    exact = {
        i for block in matcher.get_matching_blocks() for i in range(block.a, block.a + block.size)
    }
    respondents = [i for i, t in enumerate(expected) if not t[1]]
    interviewers = [i for i, t in enumerate(expected) if t[1]]
    labels = {t[0] for t in expected if t[0]}
    pattern = re.compile(
        r"(?:^|\n)\W*(?:" + "|".join(re.escape(x) for x in sorted(labels)) + r")\W*:", re.I
    )
    inside = sum(1 for _, _, text in got if labels and pattern.search(text))
    return (
        sum(i in exact for i in respondents),
        len(respondents),
        sum(i in exact for i in interviewers),
        len(interviewers),
        inside,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT])
    args = parser.parse_args()
    totals = [0, 0, 0, 0, 0]
    print(f"{'transcript':<44}{'respondent':>12}{'interviewer':>13}{'labels in':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for folder in args.folders:
            for key_file in sorted(folder.glob("*.expected.json")):
                source = source_of(key_file, Path(tmp))
                result = score(expected_turns(key_file), read_turns(source))
                totals = [a + b for a, b in zip(totals, result, strict=True)]
                r, rn, i, i_n, inside = result
                print(f"{source.name:<44}{f'{r}/{rn}':>12}{f'{i}/{i_n}':>13}{inside:>11}")
    r, rn, i, i_n, inside = totals
    print(
        f"\nrespondent turns exact {r}/{rn} ({100 * r / max(rn, 1):.1f}%), "
        f"interviewer turns exact and flagged {i}/{i_n} ({100 * i / max(i_n, 1):.1f}%), "
        f"turns holding a label {inside}"
    )


if __name__ == "__main__":
    main()
