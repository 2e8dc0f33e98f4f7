"""pdcode's import against qc's (qualitative-coding) on the same corpus, interleaved.

    python benchmarks/peer_bench.py --words 1M --rounds 3
    python benchmarks/peer_bench.py --words 300k --rounds 2 --qc /tmp/qcenv/bin/qc

The corpus is the seeded one of ``scale_bench.py`` (plain .txt interview transcripts,
about 8,000 words a file), written once; both tools import that same folder. Each
round imports it with pdcode, then with qc (pdcode, qc, pdcode, qc, ...), each into a
fresh project, each as one whole CLI process (interpreter start-up included), measured
as ``process_usage.measure`` does: wall seconds, CPU seconds (user + system of the
process and its reaped workers, from ``os.wait4``) and peak RSS. Medians over rounds;
words are whitespace-separated tokens of the generated text, the same for both.

What each tool does in the timed step:

- pdcode: ``python -m pdcode import CORPUS -p project.db`` on a project made by
  ``pdcode init`` (not timed). For every file: read, sha256, decode and normalise the
  text, find the speakers' turns (interviewer inferred), paragraphs, and sentences
  (spaCy's sentencizer), then store the text and every turn, paragraph and sentence
  in SQLite. With ``--jobs N`` the option is passed if ``pdcode import`` has it;
  otherwise pdcode runs with its own default.
- qc: ``qc corpus import --recursive --importer verbatim CORPUS``, run in a project
  folder made by ``qc init`` (not timed). For every file: copy it into the project's
  corpus folder, sha1 it, and record it and its paragraphs (blank-line blocks of
  lines) in SQLite, one commit a file. ``verbatim`` is qc's importer for text that
  is already plain (its default, ``pandoc``, converts formats with the pandoc binary:
  work pdcode does not do for .txt). qc finds no sentences or speakers: for the same
  words pdcode does more, so the ratio flatters qc if anything.

Start-up counts, as it does for a user: on this machine about 0.5 s of CPU for
``pdcode --version`` and 2.4 s for ``qc version`` (qc imports spaCy and numpy at
start), which weighs on qc the more the smaller the corpus (at 300 k words it was most
of qc's CPU): a larger ``--words`` dilutes it. qc is single-process; pdcode may use
both cores (``--jobs``), which the wall ratio credits and the CPU ratio does not: both
are printed. The aim (issue 19) is pdcode's
import at least twice qc's words per second, wall.

qc is not a dependency of pdcode and is not installed with it: qualitative-coding
1.7.8 pins rich<14 where pdcode's environment has rich 15, so it lives in a venv of
its own: ``python -m venv /tmp/qcenv && /tmp/qcenv/bin/pip install
qualitative-coding``. ``--qc PATH`` names its ``qc``; by default ``qc`` on PATH, then
/tmp/qcenv/bin/qc. Without one the script says so in one line and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import scale_bench
from process_usage import Run, become_subreaper, measure
from scale_bench import PDCODE

QC_VENV = Path("/tmp/qcenv/bin/qc")
AIM_RATIO = 2.0


def find_qc(given: Path | None) -> tuple[str, str]:
    """The qc executable and its version; exit 1 with one line if there is none."""
    candidates = [str(given)] if given else [shutil.which("qc") or "", str(QC_VENV)]
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run(
                [candidate, "version"], capture_output=True, text=True, timeout=120
            )
        except OSError:
            continue
        if done.returncode == 0 and "qualitative-coding" in done.stdout:
            return candidate, done.stdout.strip()
    print(
        "qc (qualitative-coding) not found: install it with `python -m venv /tmp/qcenv && "
        "/tmp/qcenv/bin/pip install qualitative-coding`, or give --qc PATH",
        file=sys.stderr,
    )
    raise SystemExit(1)


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def run_pdcode(folder: Path, corpus: Path, jobs: list[str], files: int) -> Run:
    folder.mkdir()
    db = folder / "project.db"
    measure([*PDCODE, "init", "-p", str(db)])
    run = measure([*PDCODE, "import", str(corpus), "-p", str(db), *jobs])
    if _count(db, "sources") != files:  # a timing of a partial import would flatter it
        raise SystemExit(f"pdcode imported {_count(db, 'sources')} of {files} files")
    return run


def run_qc(folder: Path, corpus: Path, qc: str, files: int) -> Run:
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "QC_SETTINGS"}
    measure([qc, "init"], cwd=folder, env=env)
    run = measure(
        [qc, "corpus", "import", "--recursive", "--importer", "verbatim", str(corpus)],
        cwd=folder,
        env=env,
    )
    stored = _count(folder / "qualitative_coding.sqlite3", "document")
    if stored != files:
        raise SystemExit(f"qc imported {stored} of {files} files")
    return run


def summary(runs: list[Run], words: int) -> dict[str, Any]:
    wall = statistics.median(r.wall_s for r in runs)
    cpu = statistics.median(r.cpu_s for r in runs)
    return {
        "wall_s": [round(r.wall_s, 2) for r in runs],
        "cpu_s": [round(r.cpu_s, 2) for r in runs],
        "median_wall_s": round(wall, 2),
        "median_cpu_s": round(cpu, 2),
        "words_per_s_wall": round(words / wall),
        "words_per_s_cpu": round(words / cpu),
        # The tree's sampled sum where there is one: pdcode's workers add up.
        "peak_rss_mb": round(max(max(r.peak_rss_mb, r.tree_rss_mb or 0.0) for r in runs)),
        "processes": max(r.processes for r in runs),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"`{report['command']}`",
        "",
        f"{report['words']:,} words in {report['files']:,} files; rounds: {report['rounds']}, "
        f"interleaved; medians. {report['qc_version']}; pdcode jobs {report['jobs']}; "
        f"load average at start {report['load_average']}",
        "",
        "| tool | wall s (rounds) | CPU s (rounds) | median wall s | median CPU s "
        "| words/s (wall) | words/s (CPU) | peak RSS MB | processes |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for tool in ("pdcode", "qc"):
        t = report[tool]
        lines.append(
            f"| {tool} | {', '.join(f'{x:.1f}' for x in t['wall_s'])} "
            f"| {', '.join(f'{x:.1f}' for x in t['cpu_s'])} | {t['median_wall_s']:.1f} "
            f"| {t['median_cpu_s']:.1f} | {t['words_per_s_wall']:,} "
            f"| {t['words_per_s_cpu']:,} | {t['peak_rss_mb']:,} | {t['processes']} |"
        )
    ratio = report["ratio"]
    verdict = "met" if ratio["wall"] >= AIM_RATIO else "NOT met"
    lines += [
        "",
        f"pdcode/qc words per second: wall {ratio['wall']:.2f}, CPU {ratio['cpu']:.2f}",
        f"aim: pdcode import >= {AIM_RATIO:g}x qc's words/s (wall): {verdict}",
    ]
    lines += [f"- {note}" for note in report["notes"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", default="1M", help="corpus size, e.g. 1M or 300k")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each tool")
    parser.add_argument("--qc", type=Path, metavar="PATH", help="the qc executable")
    parser.add_argument("--jobs", type=int, help="passed to pdcode import if it takes it")
    parser.add_argument("--codebook", type=Path, default=scale_bench.DEFAULT_CODEBOOK)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args()
    become_subreaper()
    if args.rounds < 1:
        raise SystemExit("--rounds: must be at least 1")
    target = scale_bench.parse_size(args.words)
    qc, qc_version = find_qc(args.qc)
    notes: list[str] = []
    jobs = scale_bench.jobs_args("import", args.jobs, notes)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    runs: dict[str, list[Run]] = {"pdcode": [], "qc": []}
    with tempfile.TemporaryDirectory(prefix="peer_bench_") as tmp:
        corpus = Path(tmp) / "corpus"
        words = scale_bench.write_corpus(corpus, target, args.seed, args.codebook)
        files = len(list(corpus.iterdir()))
        for i in range(args.rounds):
            for tool in ("pdcode", "qc"):
                folder = Path(tmp) / f"{tool}{i}"
                if tool == "pdcode":
                    runs[tool].append(run_pdcode(folder, corpus, jobs, files))
                else:
                    runs[tool].append(run_qc(folder, corpus, qc, files))
                shutil.rmtree(folder)
    ours, theirs = summary(runs["pdcode"], words), summary(runs["qc"], words)
    report = {
        "command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "words": words,
        "files": files,
        "rounds": args.rounds,
        "qc_version": qc_version,
        "jobs": args.jobs if args.jobs is not None else "default",
        "load_average": load,
        "pdcode": ours,
        "qc": theirs,
        "ratio": {
            "wall": round(ours["words_per_s_wall"] / theirs["words_per_s_wall"], 3),
            "cpu": round(ours["words_per_s_cpu"] / theirs["words_per_s_cpu"], 3),
        },
        "aim": f"pdcode import >= {AIM_RATIO:g}x qc's words/s (wall)",
        "notes": notes,
    }
    print(json.dumps(report, indent=2) if args.json else markdown(report))


if __name__ == "__main__":
    main()
