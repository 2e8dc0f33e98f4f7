"""Speed of `pdcode agreement` on a large double-coded project.

    python benchmarks/agreement_bench.py [--units 100000] [--codes 30]

Builds a project of generated transcripts (seeded) with at least N respondent
sentences, has two coders code each sentence with each of K codes with
probability 0.1 (the second agreeing with the first 80% of the time), and times
`pdcode agreement --coders a,b --unit sentence` (with alpha's 1,000-resample
bootstrap) from the project file to its result, in one process. Aim: < 5 s.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from import_bench import make_transcript

from pdcode import api
from pdcode.records import NewCoding
from pdcode.store import Project
from pdcode.store import codings as store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    codes = [f"code{i:02d}" for i in range(args.codes)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        # About 450 respondent sentences per 8,000-word transcript.
        for i in range(args.units // 400 + 1):
            (folder / f"t{i:04d}.txt").write_text(make_transcript(rng, 8000), encoding="utf-8")
        with Project.create(Path(tmp) / "bench.db") as project:
            api.import_paths(project, [folder], api.ImportOptions())
            units = [u for u in project.segment_rows("sentence") if not u["is_interviewer"]]
            units = units[: args.units]  # the rest of the last transcript stays uncoded
            first, second = [], []
            for u in units:
                for code in codes:
                    a = rng.random() < 0.1
                    b = a if rng.random() < 0.8 else not a
                    new = NewCoding(u["source"], u["start"], u["end"], code)
                    first += [new] if a else []
                    second += [new] if b else []
            names = {u["source"] for u in units}
            store.replace_codings(project, "a", "human:a", names, first)
            store.replace_codings(project, "b", "human:b", names, second)
            started = time.perf_counter()
            result = api.reliability.agreement(project, ["a", "b"], unit="sentence")
            elapsed = time.perf_counter() - started
    overall = result.rows[-1]
    compared = result.rows[0]["units"]
    total = len(first) + len(second)
    print(f"{compared:,} sentences compared x {args.codes} codes; {total:,} codings")
    print(f"overall: kappa {overall['cohen_kappa']}, alpha {overall['alpha']}")
    print(f"agreement --coders a,b --unit sentence: {elapsed:.2f} s  (aim: < 5 s)")


if __name__ == "__main__":
    main()
