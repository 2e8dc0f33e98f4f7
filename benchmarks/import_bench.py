"""Import speed and peak memory on a generated corpus.

    python benchmarks/import_bench.py --n 200

Generates N interview transcripts of about 8,000 words each (seeded, so every run
imports the same corpus), imports them into a fresh project with sentence and
paragraph segmentation, and reports words per second and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from pdcode.api import ImportOptions, import_paths
from pdcode.store import Project

WORDS = (
    "we the staff teachers coaching really think that it was about time and and um "
    "department leaders pupils data observation trust I mean you know research "
    "evidence vision school priorities course networks hub maths science planning "
    "lesson feedback mentoring new early career framework governors budget"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 22))]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])


def make_transcript(rng: random.Random, target_words: int) -> str:
    lines = ["Interview transcript (generated)", "Date: 1 March 2025", ""]
    words = 0
    turn = 0
    while words < target_words:
        speaker = "Interviewer" if turn % 2 == 0 else "P1"
        n = rng.randint(1, 3) if speaker == "Interviewer" else rng.randint(3, 12)
        body = " ".join(_sentence(rng) for _ in range(n))
        words += len(body.split())
        lines.append(f"{speaker}: {body}")
        lines.append("")
        turn += 1
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="transcripts")
    parser.add_argument("--words", type=int, default=8000, help="words per transcript")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        total_words = 0
        for i in range(args.n):
            text = make_transcript(rng, args.words)
            total_words += len(text.split())
            (folder / f"t{i:04d}.txt").write_text(text, encoding="utf-8")
        with Project.create(Path(tmp) / "bench.db") as project:
            started = time.perf_counter()
            report = import_paths(project, [folder], ImportOptions())
            elapsed = time.perf_counter() - started
        assert not report.failed, report.summary()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files: {args.n}  words: {total_words:,}  seconds: {elapsed:.2f}")
    print(f"words/second: {total_words / elapsed:,.0f}  (aim: > 200,000)")
    print(f"peak memory (RSS): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
