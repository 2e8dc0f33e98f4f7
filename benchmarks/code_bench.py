"""Auto-coding speed with the full pd-leadership codebook, per backend.

    python benchmarks/code_bench.py --words 1000000
    python benchmarks/code_bench.py --quick
    python benchmarks/code_bench.py --project a.db --project postgresql+psycopg://...

Generates a seeded corpus of about N words (interview transcripts built from
the vocabulary of the benchmark generator plus PD phrases, so rules do fire),
imports it, then times `pdcode code` (sentence units, respondent turns) and
reports words coded per second on one core. Without ``--project`` it runs on a
temporary SQLite file and on a throwaway PostgreSQL server and prints both side
by side (see ``backends.py``).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import backends
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


def run_code(location: str, folder: str) -> dict[str, Any]:
    """Import the corpus into a fresh project at ``location``, then time a coding
    run over all of it (in its own process)."""
    with Project.create(location) as project:
        api.import_paths(project, [Path(folder)], api.ImportOptions())
        units = project.segment_rows("sentence")
        words = sum(len(u["text"].split()) for u in units if not u["is_interviewer"])
        book = REPO / "codebooks" / "pd-leadership.yaml"
        api.code_project(project, book, unit="sentence", source=units[0]["source"])  # warm-up
        started = time.perf_counter()
        report = api.code_project(project, book, unit="sentence")
        elapsed = time.perf_counter() - started
    return {
        "words": words,
        "seconds": elapsed,
        "peak_mb": backends.peak_rss_mb(),
        "units": report.units,
        "added": report.added,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="about 200,000 words")
    backends.add_arguments(parser)
    args = parser.parse_args()
    target_words = 200_000 if args.quick else args.words
    rng = random.Random(args.seed)
    with backends.temporary_folder() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for i in range(max(1, target_words // 8000)):
            (folder / f"t{i:04d}.txt").write_text(transcript(rng, 8000), encoding="utf-8")
        with backends.targets(args, Path(tmp)) as found:
            results = backends.run_each(found, run_code, args, str(folder))
    for r in results:
        print(
            f"{r['backend']}: coded {r['units']:,} sentences, {r['words']:,} words, "
            f"{r['added']:,} codings"
        )
    backends.print_table(results, "code (aim: >= 150,000 words/s on SQLite)")


if __name__ == "__main__":
    main()
