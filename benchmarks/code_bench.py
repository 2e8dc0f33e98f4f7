"""Auto-coding speed with the full pd-leadership codebook.

    python benchmarks/code_bench.py --words 1000000

Generates a seeded corpus of about N words (interview transcripts built from
the vocabulary of the benchmark generator plus PD phrases, so rules do fire),
imports it, then times `pdcode code` (sentence units, respondent turns) and
reports words coded per second on one core.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from import_bench import WORDS

from pdcode import api
from pdcode.store import Project

REPO = Path(__file__).resolve().parents[1]
PHRASES = [
    "we protect the time for coaching",
    "the governors ask about it",
    "staff were not on board",
    "our three-year improvement plan",
    "the maths hub work group",
    "heads of department lead it",
    "we looked at the research evidence",
    "an enquiry into their own class",
    "I trust them",
]


def transcript(rng: random.Random, words: int) -> str:
    lines, count, turn = [], 0, 0
    while count < words:
        speaker = "Interviewer" if turn % 2 == 0 else "P1"
        sentences = []
        for _ in range(rng.randint(1, 3) if turn % 2 == 0 else rng.randint(3, 9)):
            body = [rng.choice(WORDS) for _ in range(rng.randint(6, 20))]
            if rng.random() < 0.3:
                body.insert(rng.randint(0, len(body)), rng.choice(PHRASES))
            sentences.append(" ".join(body).capitalize() + ".")
        text = " ".join(sentences)
        count += len(text.split())
        lines += [f"{speaker}: {text}", ""]
        turn += 1
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for i in range(max(1, args.words // 8000)):
            (folder / f"t{i:04d}.txt").write_text(transcript(rng, 8000), encoding="utf-8")
        with Project.create(Path(tmp) / "bench.db") as project:
            api.import_paths(project, [folder], api.ImportOptions())
            units = project.segment_rows("sentence")
            words = sum(len(u["text"].split()) for u in units if not u["is_interviewer"])
            book = REPO / "codebooks" / "pd-leadership.yaml"
            api.code_project(project, book, unit="sentence", source=units[0]["source"])  # warm-up
            started = time.perf_counter()
            report = api.code_project(project, book, unit="sentence")
            elapsed = time.perf_counter() - started
    print(f"coded {report.units:,} sentences, {words:,} words, {report.added:,} codings")
    print(f"seconds: {elapsed:.2f}  words/second: {words / elapsed:,.0f}  (aim: >= 150,000)")


if __name__ == "__main__":
    main()
