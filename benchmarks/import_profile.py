"""Where `pdcode import` spends its CPU per word, stage by stage, without start-up.

    python benchmarks/import_profile.py /tmp/sc1/1M/corpus            # 5 rounds
    python benchmarks/import_profile.py CORPUS --rounds 9 --profile load

Reads every transcript of CORPUS (a folder, as ``scale_bench.py --keep`` writes
it) in this process, after building the spaCy pipeline once, and times each
stage of a serial import over all of them, round after round: ``load`` (decode,
speaker labels, turns: ``pdcode.ingest.load``), ``segment`` (paragraphs and
sentences: ``pdcode.segment.segment_rows``) and ``store`` (``Project.add_file``
into a fresh project per round). Prints the minimum and median CPU seconds
(user + system) of each stage: on a shared machine the minimum is the steadier
figure. ``--profile STAGE`` prints that stage's cProfile (one more round).
Interpreter start-up and importing spaCy (about 2 s a process) are not counted.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pdcode import api, ingest
from pdcode.ingest import ReadOptions
from pdcode.nlp import make_nlp
from pdcode.parallel import Labels, read_file
from pdcode.segment import segment_rows


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stages(folder: Path) -> dict[str, Callable[[], Any]]:
    """Each stage as a function of no arguments over every file of ``folder``."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in ingest.SUFFIXES)
    options = ReadOptions()
    nlp = make_nlp(None, lemmas=False)
    loaded = [ingest.load(path, options) for path in files]
    read = [read_file(path, options, Labels(), nlp) for path in files]

    def load() -> None:
        for path in files:
            ingest.load(path, options)

    def segment() -> None:
        for file in loaded:
            for doc in file.documents:
                segment_rows(doc.text, doc.turns, nlp)

    def store() -> None:
        with (
            tempfile.TemporaryDirectory() as tmp,
            api.init_project(str(Path(tmp) / "p.db")) as project,
        ):
            for result in read:
                project.add_file(list(result.sources))

    return {"load": load, "segment": segment, "store": store}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=["load", "segment", "store"])
    args = parser.parse_args()
    runs = stages(args.corpus)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            start = _cpu()
            run()
            seconds[name].append(_cpu() - start)
    for name, times in seconds.items():
        print(f"{name:8} min {min(times):.3f}  median {statistics.median(times):.3f} CPU s")
    print(f"{'total':8} min {sum(min(t) for t in seconds.values()):.3f} CPU s")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(runs[args.profile])
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
