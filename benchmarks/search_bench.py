"""Search speed: a word by its lemma forms across a corpus of about 10 million words.

    python benchmarks/search_bench.py                     # 10,000,000 words, ~100,000 hits
    python benchmarks/search_bench.py --words 1000000 --code-as
    python benchmarks/search_bench.py --project big.db    # keep it; run again to reuse it

Generates a seeded corpus straight into a new project (sources with their turns
and sentences as import stores them, without running the importer: the search
is timed, not the import), with one of the forms of "coach" (coach, coaches,
coached, coaching) at about one word in a hundred. Then times `pdcode search
coach` in this process (the first search loads spaCy and its lemma table, the
second does not), and the whole command writing CSV in a new process. With
``--code-as`` it also times saving every hit's sentence as a coding. Each time
is by the clock and in processor time. Aim: 100,000 hits across 10 million
words in under 5 s."""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pdcode import api
from pdcode.records import NewCode, NewSource, Segment
from pdcode.segment import as_row
from pdcode.store import Project
from pdcode.store.codings import save_codebook

FILLER = (
    "we the staff teachers really think that it was about time and um department "
    "leaders pupils data observation I mean you know research evidence vision school "
    "priorities course networks hub maths science planning lesson feedback new early "
    "career framework governors budget"
).split()
FORMS = ("coach", "coaches", "coached", "coaching")
PER_SOURCE = 8000  # words per generated transcript
T = TypeVar("T")


def transcript(rng: random.Random, words: int, rate: float) -> tuple[str, list[Segment]]:
    """An interview of about ``words`` words as stored text and its segments: a
    turn per label, a sentence per sentence (offsets into the text)."""
    parts: list[str] = []
    segments: list[Segment] = []
    position, count, turn, sentence = 0, 0, 0, 0
    while count < words:
        interviewer = turn % 2 == 0
        label = "Interviewer: " if interviewer else "P1: "
        parts.append(label)
        position += len(label)
        turn_start = position
        sentences = rng.randint(1, 3) if interviewer else rng.randint(3, 9)
        for k in range(sentences):
            body = [
                rng.choice(FORMS) if rng.random() < rate else rng.choice(FILLER)
                for _ in range(rng.randint(6, 20))
            ]
            text = " ".join(body).capitalize() + "."
            if k:
                parts.append(" ")
                position += 1
            segments.append(
                Segment("sentence", sentence, position, position + len(text), None, interviewer)
            )
            parts.append(text)
            position += len(text)
            count += len(body)
            sentence += 1
        speaker = "Interviewer" if interviewer else "P1"
        segments.append(Segment("turn", turn, turn_start, position, speaker, interviewer))
        parts.append("\n\n")
        position += 2
        turn += 1
    return "".join(parts), segments


def build(location: str, words: int, seed: int, rate: float) -> int:
    """A new project at ``location`` holding the generated corpus; its words."""
    rng = random.Random(seed)
    total = 0
    with Project.create(location) as project:
        for i in range(max(1, words // PER_SOURCE)):
            text, segments = transcript(rng, PER_SOURCE, rate)
            name = f"t{i:05d}.txt"
            project.add_file(
                [
                    NewSource(
                        name=name,
                        file=name,
                        format="txt",
                        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                        text=text,
                        strand=f"strand{i % 3 + 1}",
                        case=f"case{i % 50:02d}",
                        segments=tuple(map(as_row, segments)),
                    )
                ]
            )
            total += sum(len(text[s.start : s.end].split()) for s in segments if s.unit == "turn")
    return total


def timed(run: Callable[[], T]) -> tuple[T, str]:
    """``run()`` and how long it took, by the clock and in processor time (on a
    machine shared with other work the clock says more about the others)."""
    wall, cpu = time.perf_counter(), time.process_time()
    found = run()
    return found, f"{time.perf_counter() - wall:.2f} s ({time.process_time() - cpu:.2f} s of CPU)"


def command_time(command: list[str]) -> str:
    """How long a command took in a new process, by the clock and in its CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return f"{time.perf_counter() - wall:.2f} s ({cpu:.2f} s of CPU)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0.01, help="share of words that hit")
    parser.add_argument("--query", default="coach")
    parser.add_argument(
        "--project",
        help="build the corpus here (default: a temporary file); if it exists, search it as it is",
    )
    parser.add_argument(
        "--code-as", action="store_true", help="also time saving the hits' sentences as codings"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        location = args.project or str(Path(tmp) / "search.db")
        if not Path(location).exists():
            words, took = timed(lambda: build(location, args.words, args.seed, args.rate))
            print(f"built {words:,} words in {took}: {location}")
        with api.open_project(location) as project:
            words = sum(len(t["text"].split()) for t in project.segment_rows("turn"))
            for attempt in ("first (loads spaCy's lemma table)", "second"):
                result, took = timed(lambda: api.search.search(project, args.query))
                print(f"search {args.query!r}, {attempt}: {len(result.hits):,} hits in "
                      f"{words:,} words, {took}")  # fmt: skip
            if args.code_as:
                # --code-as takes a code of a stored codebook: one of a single code
                book = [NewCode("coaching", "Coaching")]
                save_codebook(project, "bench", "1", "0" * 64, "", book)
                result, took = timed(
                    lambda: api.search.search(
                        project, args.query, code_as="coaching", coder="bench"
                    )
                )
                assert result.coded is not None
                print(f"search {args.query!r} --code-as coaching --coder bench: "
                      f"{result.coded.added:,} sentences stored, {took}")  # fmt: skip
        output = str(Path(tmp) / "hits.csv")
        command = [sys.executable, "-m", "pdcode", "search", args.query, "-p", location]
        print(
            f"pdcode search {args.query} --format csv -o hits.csv (a new process): "
            f"{command_time([*command, '--format', 'csv', '-o', output])}"
        )


if __name__ == "__main__":
    main()
