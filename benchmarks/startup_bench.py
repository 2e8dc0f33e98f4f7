"""Start-up time of short verbs, against the 0.4 s aim.

    python benchmarks/startup_bench.py                  # 11 rounds
    python benchmarks/startup_bench.py --rounds 21
    python benchmarks/startup_bench.py --src /tmp/before/src   # another checkout's code

Builds a project from ``transcripts_sample`` once, then runs each command in a
fresh interpreter (``python -m pdcode ...``), the commands interleaved round by
round so a busy spell of the machine falls on all of them alike. Reports per
command the median wall seconds and the median CPU seconds of the child (user +
system, from ``resource.getrusage``: steadier than wall when other work shares
the cores), and whether the median wall is under the aim. ``python -c pass`` is
the floor no command can go under; importing typer, rich and SQLAlchemy (and
nothing of pdcode) is the floor of every verb that reads a project. ``--src`` puts
another source tree first on ``PYTHONPATH``, to compare against code as it was
before a change.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AIM = 0.4


def _commands(project: Path) -> dict[str, list[str]]:
    pdcode = [sys.executable, "-m", "pdcode"]
    books = REPO / "codebooks"
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        # What any verb that reads the project pays before its own work: the CLI
        # framework, the table renderer and the database layer the design card names.
        "python: import typer, rich, sqlalchemy": [
            sys.executable, "-c", "import typer, rich.table, sqlalchemy",
        ],
        "pdcode --help": [*pdcode, "--help"],
        "pdcode sources": [*pdcode, "sources", "--project", str(project)],
        "pdcode codes list": [*pdcode, "codes", "list", "--project", str(project)],
        "pdcode memo list": [*pdcode, "memo", "list", "--project", str(project)],
        # phrases and regexes only: validated without spaCy
        "codebook validate pd-leadership": [
            *pdcode, "codebook", "validate", str(books / "pd-leadership.yaml"),
        ],
        # a token pattern: spaCy's Matcher checks it
        "codebook validate interview-process": [
            *pdcode, "codebook", "validate", str(books / "interview-process.yaml"),
        ],
    }  # fmt: skip


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _project(folder: Path, env: dict[str, str]) -> Path:
    project = folder / "startup.db"
    book = REPO / "codebooks" / "pd-leadership.yaml"
    for verb in (
        ["init"],
        ["import", str(REPO / "transcripts_sample")],
        ["code", "--codebook", str(book)],
    ):
        command = [sys.executable, "-m", "pdcode", *verb, "--project", str(project)]
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=REPO)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--src", type=Path, help="a source tree to run instead of this one")
    args = parser.parse_args()

    env = dict(os.environ)
    if args.src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.src), env.get("PYTHONPATH")]))
    where = subprocess.run(
        [sys.executable, "-c", "import pdcode; print(pdcode.__file__)"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        commands = _commands(_project(Path(tmp), env))
        for command in commands.values():  # warm the file cache and .pyc files
            _run(command, env)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                runs[name].append(_run(command, env))
    load = os.getloadavg()[0]
    print(f"pdcode from {where}; {args.rounds} rounds; load average {load:.2f} at the end")
    print(f"{'command':<38} {'wall s':>7} {'CPU s':>7}  under {AIM} s")
    for name, times in runs.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        verdict = "" if name.startswith("python") else ("yes" if wall < AIM else "no")
        print(f"{name:<38} {wall:7.3f} {cpu:7.3f}  {verdict}")


if __name__ == "__main__":
    main()
