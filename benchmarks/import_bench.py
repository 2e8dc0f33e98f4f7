"""Import speed and peak memory on a generated corpus, per backend.

    python benchmarks/import_bench.py --n 200
    python benchmarks/import_bench.py --quick
    python benchmarks/import_bench.py --project a.db --project postgresql+psycopg://...

Generates N interview transcripts of about 8,000 words each (seeded, so every run
imports the same corpus), imports them into a fresh project with sentence and
paragraph segmentation, and reports words per second and peak memory (RSS). Without
``--project`` it runs on a temporary SQLite file and on a throwaway PostgreSQL
server and prints both side by side (see ``backends.py``).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import backends

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


def write_corpus(folder: Path, n: int, words: int, seed: int) -> int:
    """N seeded transcripts in ``folder``; their words."""
    rng = random.Random(seed)
    folder.mkdir()
    total_words = 0
    for i in range(n):
        text = make_transcript(rng, words)
        total_words += len(text.split())
        (folder / f"t{i:04d}.txt").write_text(text, encoding="utf-8")
    return total_words


def run_import(location: str, folder: str, words: int) -> dict[str, Any]:
    """Import the corpus into a fresh project at ``location`` (in its own process)."""
    with Project.create(location) as project:
        started = time.perf_counter()
        report = import_paths(project, [Path(folder)], ImportOptions())
        elapsed = time.perf_counter() - started
    assert not report.failed, report.summary()
    return {"words": words, "seconds": elapsed, "peak_mb": backends.peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="transcripts")
    parser.add_argument("--words", type=int, default=8000, help="words per transcript")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="40 transcripts (--n 40)")
    backends.add_arguments(parser)
    args = parser.parse_args()
    n = 40 if args.quick else args.n
    with backends.temporary_folder() as tmp:
        folder = Path(tmp) / "corpus"
        total_words = write_corpus(folder, n, args.words, args.seed)
        with backends.targets(args, Path(tmp)) as found:
            results = backends.run_each(found, run_import, args, str(folder), total_words)
    backends.print_table(
        results, f"import: {n} transcripts, {total_words:,} words (aim: > 200,000 words/s)"
    )


if __name__ == "__main__":
    main()
