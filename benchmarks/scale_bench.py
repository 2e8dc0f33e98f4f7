"""Import and coding at scale through the real CLI: time, CPU, peak memory, bytes per coding.

    python benchmarks/scale_bench.py --words 1M,3M,10M
    python benchmarks/scale_bench.py --words 200k,500k --jobs 2 --json
    python benchmarks/scale_bench.py --words 1M --keep /tmp/scale --codebook codebooks/X.yaml

For each size it writes a seeded corpus of plain-text interview transcripts (about
8,000 words a file; the generator of ``import_bench.py``, imported, not copied), then
runs ``pdcode init`` (not timed), ``pdcode import`` and ``pdcode code`` on a fresh
SQLite project, each as its own ``python -m pdcode`` process, so that every figure
belongs to one command as a user runs it (interpreter start-up included):

- wall seconds, CPU seconds (user + system, workers included), peak RSS of the largest
  single process (``ru_maxrss``) and of the process tree (summed, sampled every 50 ms),
  each as ``process_usage.measure`` takes them from ``os.wait4`` and /proc. With
  worker processes the tree's figure, not the largest process's, is the memory the
  command needs;
- words/s: the corpus's words (whitespace-separated tokens of the generated text, all
  of it, interviewer turns included) over wall seconds, for both steps: ``code``
  codes respondents' sentences only (its default), but the figure stays comparable
  across steps and sizes;
- the project file's bytes after import and after coding (after a WAL checkpoint),
  the codings counted in the project (``SELECT COUNT(*) FROM codings``, read only),
  and bytes per coding = (bytes after code - bytes after import) / codings.

The vocabulary: ``import_bench.WORDS`` alone makes sentences in which four codes of
pd-leadership fire over and over (about 62 codings per 1,000 words on 9 codes). Here
it is diluted with neutral filler words and enriched with the codebook's own
``examples`` (each one vocabulary entry, so it lands inside a sentence as a whole),
which gives about 40 codings per 1,000 words on every code that has an example, near the
shipped sample's 42 per 1,000 words (``transcripts_sample/`` coded with
``codebooks/pd-leadership.yaml``, the codebook of the README's main job and the
default here). The codings per 1,000 words are printed with every run so a codebook
that finds nothing shows at once.

``--jobs N`` is passed to ``import`` and ``code`` only if their ``--help`` lists
``--jobs``; the output says which did. Without ``--jobs`` each command runs with its
own default. Aims (issue 19) are printed next to the figures: import + code of 10 M
words under 30 s wall on 2 cores; peak RSS under 500 MB and flat from 1 M to 10 M
words; at most 100 bytes a coding. On a machine shared with other work the wall
figures are noisy: compare CPU seconds, and give the load average printed with the
table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import import_bench
import yaml
from process_usage import become_subreaper, measure

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CODEBOOK = REPO / "codebooks" / "pd-leadership.yaml"
FILE_WORDS = 8000  # import_bench's transcripts are about this long
PDCODE = [sys.executable, "-m", "pdcode"]
# Words that fire no rule of the shipped codebooks, to bring the hits of
# import_bench.WORDS down to the sample's density.
FILLER = (
    "so they it is was what like just because then there some very with for had were "
    "would all things kind quite lot bit probably actually still every other them"
).split()
WORD_COPIES, FILLER_COPIES = 10, 15  # weights, calibrated on pd-leadership (docstring)
AIM_WALL_10M, AIM_RSS_MB, AIM_BYTES_PER_CODING, FLAT_TOLERANCE = 30.0, 500.0, 100.0, 1.2


# ---- the corpus --------------------------------------------------------------------


def parse_size(text: str) -> int:
    """``1M``, ``300k``, ``2.5M`` or ``120000`` as a number of words."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise SystemExit(f"--words: not a size: {text!r} (e.g. 1M, 300k, 120000)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    words = int(float(match.group(1)) * scale)
    if words < FILE_WORDS:
        raise SystemExit(f"--words: {text} is below one transcript ({FILE_WORDS:,} words)")
    return words


def label(words: int) -> str:
    if words % 1_000_000 == 0:
        return f"{words // 1_000_000}M"
    return f"{words / 1_000_000:g}M" if words >= 1_000_000 else f"{words / 1000:g}k"


def codebook_examples(codebook: Path) -> list[str]:
    """Every code's ``examples``, trailing stops removed (the generator adds its own)."""
    book = yaml.safe_load(codebook.read_text(encoding="utf-8")) or {}

    def walk(codes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for code in codes or []:
            yield code
            yield from walk(code.get("children") or [])

    return [
        str(example).strip().rstrip(".?!")
        for code in walk(book.get("codes") or [])
        for example in code.get("examples") or []
    ]


def vocabulary(codebook: Path) -> list[str]:
    """The generator's words, diluted and given the codebook's examples (docstring)."""
    return (
        list(import_bench.WORDS) * WORD_COPIES
        + FILLER * FILLER_COPIES
        + codebook_examples(codebook)
    )


@contextmanager
def generator_words(words: list[str]) -> Iterator[None]:
    """Lend ``import_bench`` another vocabulary: its generator reads the module's WORDS."""
    saved = import_bench.WORDS
    import_bench.WORDS = words
    try:
        yield
    finally:
        import_bench.WORDS = saved


def write_corpus(folder: Path, words: int, seed: int, codebook: Path) -> int:
    """About ``words`` words of seeded transcripts in a new ``folder``; their words."""
    with generator_words(vocabulary(codebook)):
        return import_bench.write_corpus(
            folder, max(1, round(words / FILE_WORDS)), FILE_WORDS, seed
        )


def accepts_jobs(verb: str) -> bool:
    """Whether ``pdcode VERB`` has a ``--jobs`` option (another change adds it)."""
    done = subprocess.run(
        [*PDCODE, verb, "--help"], capture_output=True, text=True, env=_plain_env()
    )
    return "--jobs" in done.stdout


def _plain_env() -> dict[str, str]:
    # Wide, colourless help so the option's name is never split across lines.
    return {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}


def jobs_args(verb: str, jobs: int | None, notes: list[str]) -> list[str]:
    if jobs is None:
        return []
    if accepts_jobs(verb):
        return ["--jobs", str(jobs)]
    notes.append(f"pdcode {verb} has no --jobs option: ran without it (its default)")
    return []


def project_bytes(db: Path) -> int:
    """The project file's size once any write-ahead log is folded into it, as the next
    open would (a checkpoint changes no content; a WAL's pages would count twice)."""
    wal = db.with_name(db.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def count_codings(db: Path) -> int:
    """Codings stored in the project, read only (``codings`` is a table or a view)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM codings").fetchone()[0])


# ---- one size ------------------------------------------------------------------------


def run_size(
    folder: Path,
    words: int,
    seed: int,
    codebook: Path,
    import_jobs: list[str],
    code_jobs: list[str],
) -> dict[str, Any]:
    folder.mkdir(parents=True)
    corpus, db = folder / "corpus", folder / "project.db"
    started = time.perf_counter()
    total_words = write_corpus(corpus, words, seed, codebook)
    generate_s = time.perf_counter() - started
    measure([*PDCODE, "init", "-p", str(db)])
    imported = measure([*PDCODE, "import", str(corpus), "-p", str(db), *import_jobs])
    after_import = project_bytes(db)
    coded = measure([*PDCODE, "code", "-c", str(codebook), "-p", str(db), *code_jobs])
    after_code = project_bytes(db)
    codings = count_codings(db)
    result: dict[str, Any] = {
        "label": label(words),
        "words": total_words,
        "files": len(list(corpus.iterdir())),
        "generate_s": round(generate_s, 2),
        "bytes_after_import": after_import,
        "bytes_after_code": after_code,
        "codings": codings,
        "codings_per_1k_words": round(1000 * codings / total_words, 1),
        "bytes_per_coding": round((after_code - after_import) / codings, 1) if codings else None,
    }
    for step, run in (("import", imported), ("code", coded)):
        figures = asdict(run)
        del figures["output"]
        figures = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in figures.items()}
        figures["words_per_s"] = round(total_words / run.wall_s)
        result[step] = figures
    return result


# ---- the report ----------------------------------------------------------------------


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _verdict(ok: bool | None) -> str:
    return "not decided" if ok is None else ("met" if ok else "NOT met")


def aims(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each aim of issue 19 with the figure that decides it."""
    largest, smallest = results[-1], results[0]
    out: list[dict[str, Any]] = []

    def both(result: dict[str, Any]) -> float:
        return float(result["import"]["wall_s"] + result["code"]["wall_s"])

    ok: bool | None = None
    figure = f"{both(largest):.1f} s at {largest['words']:,} words"
    if largest["words"] >= 10_000_000:
        ok = both(largest) < AIM_WALL_10M
    elif len(results) > 1:
        # The marginal rate between two sizes leaves out the fixed start-up costs.
        rate = (both(largest) - both(smallest)) / (largest["words"] - smallest["words"])
        guess = both(largest) + rate * (10_000_000 - largest["words"])
        figure += f"; 10 M not run (about {guess:.0f} s by the marginal rate: an estimate)"
    else:
        figure += "; 10 M not run"
    out.append({"aim": "import + code of 10 M words < 30 s wall", "figure": figure, "ok": ok})

    def peak(result: dict[str, Any], step: str) -> float:
        tree = result[step]["tree_rss_mb"]
        return float(max(result[step]["peak_rss_mb"], tree if tree is not None else 0.0))

    highest = max(peak(r, s) for r in results for s in ("import", "code"))
    out.append(
        {
            "aim": f"peak RSS < {AIM_RSS_MB:.0f} MB (larger of ru_maxrss and sampled tree sum)",
            "figure": f"{highest:,.0f} MB at most",
            "ok": highest < AIM_RSS_MB,
        }
    )
    for step in ("import", "code"):
        low, high = peak(smallest, step), peak(largest, step)
        if len(results) < 2:
            figure, flat = "one size only", None
        else:
            growth = (high - low) / ((largest["words"] - smallest["words"]) / 1e6)
            figure = (
                f"{low:,.0f} MB at {smallest['label']}, {high:,.0f} MB at {largest['label']} "
                f"({growth:+.1f} MB per million words)"
            )
            flat = high <= FLAT_TOLERANCE * low
            counts = smallest[step]["processes"], largest[step]["processes"]
            if counts[0] != counts[1]:  # workers started at one size only
                figure += f"; {counts[0]} vs {counts[1]} processes: not comparable"
                flat = None
        out.append(
            {
                "aim": f"{step}: peak RSS flat (largest size <= {FLAT_TOLERANCE}x smallest)",
                "figure": figure,
                "ok": flat,
            }
        )
    per = [r["bytes_per_coding"] for r in results if r["bytes_per_coding"] is not None]
    out.append(
        {
            "aim": f"<= {AIM_BYTES_PER_CODING:.0f} bytes a coding on disk",
            "figure": ", ".join(f"{p:,.0f}" for p in per) or "no codings",
            "ok": bool(per) and max(per) <= AIM_BYTES_PER_CODING,
        }
    )
    return out


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"`{report['command']}`",
        "",
        f"codebook {report['codebook']}; jobs {report['jobs']}; "
        f"load average at start {report['load_average']}",
        "",
        "| words | step | wall s | CPU s | peak RSS MB (largest process) "
        "| peak RSS MB (tree, sampled) | processes | words/s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        for step in ("import", "code"):
            s = r[step]
            lines.append(
                f"| {r['words']:,} | {step} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} "
                f"| {_mb(s['peak_rss_mb'])} | {_mb(s['tree_rss_mb'])} | {s['processes']} "
                f"| {s['words_per_s']:,} |"
            )
    lines += [
        "",
        "| words | files | project bytes after import | after code | codings "
        "| codings per 1,000 words | bytes per coding |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        per = "n/a" if r["bytes_per_coding"] is None else f"{r['bytes_per_coding']:,.0f}"
        lines.append(
            f"| {r['words']:,} | {r['files']:,} | {r['bytes_after_import']:,} "
            f"| {r['bytes_after_code']:,} | {r['codings']:,} | {r['codings_per_1k_words']} "
            f"| {per} |"
        )
    lines += ["", "| aim | figure | verdict |", "|---|---|---|"]
    lines += [f"| {a['aim']} | {a['figure']} | {_verdict(a['ok'])} |" for a in report["aims"]]
    if report["notes"]:
        lines += ["", *[f"- {note}" for note in report["notes"]]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--words", default="1M,3M,10M", help="sizes, comma-separated")
    parser.add_argument("--jobs", type=int, help="passed to import and code if they take it")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep corpora and projects here")
    parser.add_argument("--codebook", type=Path, default=DEFAULT_CODEBOOK)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args()
    become_subreaper()
    sizes = sorted({parse_size(part) for part in args.words.split(",") if part.strip()})
    if not args.codebook.is_file():
        raise SystemExit(f"--codebook: no such file: {args.codebook}")
    if args.jobs is not None and args.jobs < 1:
        raise SystemExit("--jobs: must be at least 1")
    codebook = args.codebook.resolve()
    notes: list[str] = []
    import_jobs = jobs_args("import", args.jobs, notes)
    code_jobs = jobs_args("code", args.jobs, notes)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    results = []
    with work_folder(args.keep) as root:
        taken = [root / label(w) for w in sizes if (root / label(w)).exists()]
        if taken:  # said before any work, and nothing is ever overwritten
            raise SystemExit(f"{taken[0]}: exists; give an empty --keep folder")
        for words in sizes:
            folder = root / label(words)
            result = run_size(folder, words, args.seed, codebook, import_jobs, code_jobs)
            if not args.keep:
                shutil.rmtree(folder)  # free the disk: 10 M words take about half a gigabyte
            if not result["codings"]:
                notes.append(f"{result['label']}: coding found no codings with {codebook.name}")
            results.append(result)
    report = {
        "command": "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]),
        "codebook": os.path.relpath(codebook, REPO)
        if codebook.is_relative_to(REPO)
        else str(codebook),
        "jobs": args.jobs if args.jobs is not None else "each command's default",
        "cpu_count": os.cpu_count(),
        "load_average": load,
        "results": results,
        "aims": aims(results),
        "notes": notes,
    }
    print(json.dumps(report, indent=2) if args.json else markdown(report))


@contextmanager
def work_folder(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="scale_bench_") as tmp:
        yield Path(tmp)


if __name__ == "__main__":
    main()
