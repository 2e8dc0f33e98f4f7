"""Analysis speed on a project with N codings (default 1,000,000).

    python benchmarks/analysis_bench.py --codings 1000000

Builds a project of generated transcripts (seeded), stores N codings spread over
its sentences with the pd-leadership codes, then times `pdcode frequencies` (by strand),
`pdcode cooccur` (sentence units) and `pdcode compare` (across strand), each from the
project file to its result, in one process with pandas and SciPy already imported
(`--keep DIR` keeps the project to time the CLI too). Aim: under 2 s each.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from import_bench import make_transcript

from pdcode import api
from pdcode.codebook import leaves, load_codebook
from pdcode.records import NewCoding
from pdcode.store import Project
from pdcode.store import codings as store

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="copy the project here afterwards")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    book_path = REPO / "codebooks" / "pd-leadership.yaml"
    codes = [c.id for c in leaves(load_codebook(book_path))]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for i in range(args.files):
            (folder / f"t{i:04d}.txt").write_text(make_transcript(rng, 8000), encoding="utf-8")
        manifest = folder / "manifest.csv"
        manifest.write_text(
            "file,strand,case,role\n"
            + "".join(
                f"t{i:04d}.txt,strand{i % 3 + 1},case{i % 40},{('head', 'teacher')[i % 2]}\n"
                for i in range(args.files)
            ),
            encoding="utf-8",
        )
        with Project.create(Path(tmp) / "bench.db") as project:
            api.import_paths(project, [folder], api.ImportOptions(manifest=manifest))
            units = [u for u in project.segment_rows("sentence") if not u["is_interviewer"]]
            codings = [
                NewCoding(u["source"], u["start"], u["end"], rng.choice(codes))
                for u in (rng.choice(units) for _ in range(args.codings))
            ]
            api.code_project(project, book_path, source=units[0]["source"])  # stores the book
            names = {u["source"] for u in units}
            store.replace_codings(project, "bench", "human:bench", names, codings)
            # The libraries are loaded once per process; only the first verb would
            # pay for it, so it is paid here and the three timings compare alike.
            import pandas  # noqa: F401
            import scipy.stats  # noqa: F401

            started = time.perf_counter()
            freq = api.frequencies(project, by="strand")
            elapsed = time.perf_counter() - started
            started = time.perf_counter()
            api.analysis.cooccur(project, unit="sentence")
            elapsed_cooccur = time.perf_counter() - started
            started = time.perf_counter()
            api.analysis.compare(project, across="strand")
            elapsed_compare = time.perf_counter() - started
        if args.keep is not None:
            import shutil

            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(tmp) / "bench.db", args.keep / "bench.db")
    total = next(r for r in freq.rows if r["code"] == "(any code)")
    print(f"{args.codings:,} codings over {len(units):,} sentences")
    print(f"coded sentences: {total['references']:,}")
    print(f"frequencies --by strand: {elapsed:.2f} s  (aim: < 2 s)")
    print(f"cooccur --unit sentence: {elapsed_cooccur:.2f} s  (aim: < 2 s)")
    print(f"compare --across strand: {elapsed_compare:.2f} s  (aim: < 2 s)")


if __name__ == "__main__":
    main()
