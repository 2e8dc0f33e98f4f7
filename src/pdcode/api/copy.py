"""`pdcode project copy`: a whole project from one place to another (a file, a
database server), e.g. a researcher's SQLite file onto a team's PostgreSQL and
back, or a backup of the team's project as a copy to a file."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pdcode.store import Project
from pdcode.store import copy as store

# The tables the summary names, and how (the rest are counted in the total).
_NAMED = (
    ("sources", "sources"),
    ("segments", "segments"),
    ("codebooks", "codebooks"),
    ("coding_spans", "codings"),
    ("memos", "memos"),
    ("reviews", "review decisions"),
    ("models", "models"),
)


@dataclass(frozen=True)
class CopyResult:
    source: str  # as messages name it (a URL without its password)
    target: str
    rows: tuple[tuple[str, int], ...]  # rows copied per table
    seconds: float

    def count(self, table: str) -> int:
        return dict(self.rows).get(table, 0)

    def summary(self) -> str:
        named = ", ".join(f"{self.count(table):,} {label}" for table, label in _NAMED)
        total = sum(n for _, n in self.rows)
        return (
            f"Copied {named} ({total:,} rows in {len(self.rows)} tables) "
            f"from {self.source} to {self.target}."
        )


def copy_project(source: str | Path, target: str | Path, replace: bool = False) -> CopyResult:
    """Copy the project at ``source`` into ``target`` (a new SQLite file, an empty
    database, or, with ``replace``, an existing project whose contents it replaces),
    in one transaction on the target. The source is brought to the newest schema."""
    from pdcode.store.faults import display_name

    source, target = str(source), str(target)
    store.check_distinct(source, target)
    started = time.perf_counter()
    with Project.open(source) as origin, store.open_target(target) as destination:
        counts = store.copy_project(origin, destination, replace=replace)
    return CopyResult(
        display_name(source),
        display_name(target),
        counts.rows,
        time.perf_counter() - started,
    )
