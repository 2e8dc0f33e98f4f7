"""Sentence segmentation: the fast path against the whole spaCy pipeline.

    python benchmarks/segment_bench.py                  # 1M words, 5 rounds
    python benchmarks/segment_bench.py --words 200000 --rounds 3

Generates the import benchmark's transcripts (``import_bench.make_transcript``,
seeded), reads them into turns once, then times ``pdcode.segment.segment_text``
over all of them in alternating rounds: "old" runs the default pipeline
(``blank("en")`` + sentencizer) through ``nlp.pipe`` and ``doc.sents`` as
segmentation did before ``pdcode.nlp.SentenceSplitter``; "new" is what pdcode runs
now. Reports the median CPU seconds (this process's user + system time, steadier
than wall on a shared machine) and wall seconds of a round, words per CPU second,
and checks that both give the same segments.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

from import_bench import make_transcript

import pdcode.nlp
from pdcode.ingest.model import ReadOptions
from pdcode.ingest.plain import read_plain
from pdcode.nlp import make_nlp
from pdcode.segment import segment_text


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def corpus(words: int, seed: int = 19) -> tuple[list[Any], int]:
    """Documents of about 8,000 words each, ``words`` in all."""
    rng = random.Random(seed)
    docs, total = [], 0
    while total < words:
        text = make_transcript(rng, min(8000, words - total))
        total += len(text.split())
        docs.extend(read_plain(text.encode(), "t.txt", ReadOptions()))
    return docs, total


def _segment_all(docs: list[Any]) -> list[Any]:
    nlp = make_nlp(None, lemmas=False)
    return [segment_text(d.text, d.turns, nlp) for d in docs]


def _old(docs: list[Any]) -> list[Any]:
    # The splitter declines every pipeline, so segment_text runs spaCy whole.
    real = pdcode.nlp.sentence_splitter
    pdcode.nlp.sentence_splitter = lambda nlp: None
    try:
        return _segment_all(docs)
    finally:
        pdcode.nlp.sentence_splitter = real


def _timed(run: Callable[[list[Any]], list[Any]], docs: list[Any]) -> tuple[float, float, Any]:
    cpu, wall = _cpu(), time.perf_counter()
    out = run(docs)
    return _cpu() - cpu, time.perf_counter() - wall, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    docs, words = corpus(args.words)
    # Warm both paths (spaCy's tokenizer cache, the splitter's word cache) once.
    expected = _old(docs)
    assert _segment_all(docs) == expected, "the fast path changed a segment"
    sentences = sum(s.unit == "sentence" for segs in expected for s in segs)
    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    for _ in range(args.rounds):
        for name, run in (("old", _old), ("new", _segment_all)):
            cpu, wall, out = _timed(run, docs)
            assert out == expected
            times[name].append((cpu, wall))
    print(f"{words:,} words, {len(docs)} documents, {sentences:,} sentences, {args.rounds} rounds")
    print(f"{'path':<5} {'CPU s':>8} {'wall s':>8} {'words/CPU s':>12}")
    medians = {}
    for name, runs in times.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        medians[name] = cpu
        print(f"{name:<5} {cpu:8.3f} {wall:8.3f} {words / cpu:12,.0f}")
    print(f"new is {medians['old'] / medians['new']:.2f}x faster in CPU; segments identical")


if __name__ == "__main__":
    main()
