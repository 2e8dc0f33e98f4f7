"""A pdcode command's CPU split between its own process and its workers.

    python benchmarks/main_cpu.py import CORPUS -p project.db
    python benchmarks/main_cpu.py code -c codebooks/pd-leadership.yaml -p project.db

Runs the CLI in this process (the arguments as ``pdcode`` takes them) and prints, at
exit, the CPU seconds (user + system) of this process, which stores everything, and of
the worker processes it reaped. With workers, the first is the serial part that the
wall time cannot go under.
"""

from __future__ import annotations

import atexit
import resource
import sys


def _report() -> None:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"this process {own.ru_utime + own.ru_stime:.2f} CPU s, "
        f"workers {workers.ru_utime + workers.ru_stime:.2f} CPU s",
        file=sys.stderr,
    )


if __name__ == "__main__":  # workers are spawned: they import this file and must not run it
    from pdcode.cli import main

    atexit.register(_report)
    sys.argv = ["pdcode", *sys.argv[1:]]
    main()
