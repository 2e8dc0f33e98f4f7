"""One command run to its end and measured alone: wall, CPU and peak memory.

``measure`` starts the command, reaps it with ``os.wait4`` and returns:

- wall seconds from start to reaping;
- CPU seconds, user + system, of the process and of the worker processes it reaped
  (Linux adds a reaped child's usage to its parent's), plus those of any worker left
  behind, which ``become_subreaper`` has re-parented to this process to be reaped here;
- peak RSS of the largest single process (``ru_maxrss``: on Linux the largest peak of
  the process and its reaped descendants, not their sum);
- peak RSS of the process tree: VmRSS summed over the process and its descendants,
  sampled every 50 ms from /proc (Linux; a spike shorter than that can be missed).
  With worker processes this, not the one before, is the memory the command needs.

Used by ``scale_bench.py`` and ``peer_bench.py``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float  # ru_maxrss: the largest single process of the tree
    tree_rss_mb: float | None  # sampled sum over the tree; None where /proc is missing
    processes: int  # most processes in the tree at once (sampled): workers, and a
    # spawning pool's resource tracker, show here
    output: str


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as kids:
                found += [int(k) for k in kids.read().split()]
    except OSError:
        pass
    return found


class TreeSampler(threading.Thread):
    """Peak of the summed RSS of a process and its descendants, polled from /proc."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.available = Path(f"/proc/{pid}/status").exists()
        self.peak_kb, self.most_processes = 0, 1
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pending, total, seen = [self.pid], 0, 0
            while pending:
                pid = pending.pop()
                total += _rss_kb(pid)
                seen += 1
                pending += _children(pid)
            self.peak_kb = max(self.peak_kb, total)
            self.most_processes = max(self.most_processes, seen)
            self._stop_event.wait(self.interval)

    def finish(self) -> float | None:
        self._stop_event.set()
        self.join()
        return self.peak_kb / 1024 if self.available else None


def become_subreaper() -> bool:
    """Have workers a measured command leaves behind re-parented to this process rather
    than to init, so that ``measure`` reaps them and counts their CPU (Linux only)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap_orphans(deadline_s: float = 10.0) -> tuple[float, float]:
    """CPU seconds and largest peak RSS (MB) of orphans re-parented here, once they end."""
    cpu, peak, until = 0.0, 0.0, time.monotonic() + deadline_s
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return cpu, peak  # no children left
        if pid == 0:  # some still running
            if time.monotonic() > until:
                return cpu, peak
            time.sleep(0.05)
            continue
        cpu += usage.ru_utime + usage.ru_stime
        peak = max(peak, usage.ru_maxrss / 1024)


def measure(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` to its end and measure it alone; a failure stops the benchmark."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        sampler = TreeSampler(process.pid)
        sampler.start()
        # wait4, not Popen.wait: it gives this child's own rusage (with the workers it
        # reaped), where RUSAGE_CHILDREN would mix in every earlier child of the benchmark.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        tree_mb = sampler.finish()
        process.returncode = os.waitstatus_to_exitcode(status)
        orphan_cpu, orphan_peak = _reap_orphans()
        out.seek(0)
        output = out.read().decode("utf-8", errors="replace")
    if process.returncode != 0:
        tail = output.strip().splitlines()[-1:] or ["(no output)"]
        raise SystemExit(f"{shlex.join(argv)}: exit {process.returncode}: {tail[0]}")
    return Run(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime + orphan_cpu,
        peak_rss_mb=max(usage.ru_maxrss / 1024, orphan_peak),  # kilobytes on Linux
        tree_rss_mb=tree_mb,
        processes=sampler.most_processes,
        output=output,
    )
