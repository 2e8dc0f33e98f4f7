"""An import batch before its first file: its options, the outcome of each file and
the report, and the files it reads (folders walked, links and special files
refused, the manifest and speaker map read once)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pdcode.api.manifest import Entry, read_manifest, read_speaker_map
from pdcode.errors import UsageError
from pdcode.ingest.model import SpeakerRole
from pdcode.limits import Limits

if TYPE_CHECKING:
    from pdcode.ingest.check import DocumentCheck


STATUSES = ("imported", "replaced", "unchanged", "skipped", "failed", "checked")


@dataclass(frozen=True)
class ImportOptions:
    strand: str | None = None
    case: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    interviewers: tuple[str, ...] = ()
    manifest: Path | None = None
    text_column: str | None = None
    id_column: str | None = None
    replace: bool = False
    max_bytes: int = 50_000_000
    spacy_model: str | None = None
    speaker_map: Path | None = None
    # Read manifest paths, and links in a folder, that lead outside its folder.
    allow_outside: bool = False
    # Worker processes reading the files (None: the machine's cores, at most 4, as
    # the CLI asks). Spawned: a script asking for them needs the __main__ guard.
    jobs: int | None = 1


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: str  # one of STATUSES
    sources: int = 0
    reason: str | None = None
    notes: tuple[str, ...] = ()
    # What was read of each source: turns, speakers, and doubts worth a warning.
    checks: tuple[DocumentCheck, ...] = ()

    @property
    def warnings(self) -> tuple[tuple[str, str], ...]:
        """(source name, warning) for every doubt about this file's sources."""
        return tuple((c.name, w) for c in self.checks for w in c.warnings)


@dataclass(frozen=True)
class ImportReport:
    outcomes: tuple[FileOutcome, ...] = field(default_factory=tuple)
    checked: bool = False  # from `import --check`: nothing was written

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    @property
    def warnings(self) -> int:
        return sum(len(o.warnings) for o in self.outcomes)

    def summary(self) -> str:
        imported = self.count("imported") + self.count("replaced")
        warned = self.warnings
        done = (
            f"{self.count('checked')} checked"
            if self.checked
            else f"{imported} imported, {self.count('unchanged')} unchanged"
        )
        return f"{done}, {self.count('skipped')} skipped, {self.count('failed')} failed" + (
            f", {warned} warning{'s' if warned != 1 else ''}" if warned else ""
        )


def parse_attributes(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`key=value` strings from the command line, checked."""
    out = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--attr expects KEY=VALUE, got {pair!r}")
        out.append((key.strip(), value.strip()))
    return tuple(out)


def collect_files(
    paths: Sequence[Path], exclude: set[Path], allow_outside: bool = False
) -> tuple[list[Path], list[FileOutcome]]:
    """Files to import (folders walked recursively, sorted) and what was passed over.

    In a folder, links that lead outside it (unless ``allow_outside``) and anything
    not a regular file (a FIFO, a device, a socket) fail with a reason each and are
    never opened; a file named itself must be a regular file."""
    import os
    import stat

    from pdcode.errors import Reasons
    from pdcode.ingest import SUFFIXES
    from pdcode.ingest.regular import kind_of

    files: list[Path] = []
    passed: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            home = path.resolve()
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(p.startswith(".") for p in rel):
                    continue
                refused = _refused(child, home, allow_outside)
                if refused is not None:
                    passed.append(FileOutcome(str(child), "failed", reason=refused))
                    continue
                if child.is_dir() or child.resolve() in exclude:
                    continue
                if child.suffix.lower() in SUFFIXES:
                    files.append(child)
                else:
                    passed.append(FileOutcome(str(child), "skipped", reason="not a transcript"))
        elif path.exists():
            mode = os.stat(path).st_mode
            if stat.S_ISREG(mode):
                files.append(path)
            else:
                reason = Reasons.NOT_REGULAR.format(kind=kind_of(mode))
                passed.append(FileOutcome(str(path), "failed", reason=reason))
        else:
            passed.append(FileOutcome(str(path), "failed", reason="no such file or directory"))
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique, passed


def _refused(child: Path, home: Path, allow_outside: bool) -> str | None:
    """Why ``child``, met walking the folder ``home``, is not read, if it is not:
    a link leading outside ``home``, a link to nothing, or not a regular file."""
    import os
    import stat

    from pdcode.errors import Reasons
    from pdcode.ingest.regular import kind_of

    try:
        target = child.resolve(strict=True)
        mode = os.stat(child).st_mode
    except (OSError, RuntimeError):  # RuntimeError: a link loop (Python < 3.13)
        return Reasons.BROKEN_LINK if child.is_symlink() else None
    if not allow_outside and not target.is_relative_to(home):
        return Reasons.LINK_OUTSIDE
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return Reasons.NOT_REGULAR.format(kind=kind_of(mode))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Batch:
    """What a batch needs before its first file: the files, what was passed over,
    the manifest's rows, the speaker map and the limits (each read once)."""

    files: list[Path]
    passed: list[FileOutcome]
    manifest: dict[Path, Entry]
    speaker_map: tuple[tuple[str, SpeakerRole], ...]
    limits: Limits


def _batch(paths: Sequence[Path], options: ImportOptions, verb: str) -> _Batch:
    manifest: dict[Path, Entry] = {}
    exclude: set[Path] = set()
    if options.manifest is not None:
        manifest = read_manifest(options.manifest, options.allow_outside)
        exclude.add(options.manifest.resolve())
    if not paths and not manifest:
        raise UsageError(f"name files or folders to {verb}, or a --manifest")
    files, passed = collect_files(paths or sorted(manifest), exclude, options.allow_outside)
    return _Batch(
        files,
        passed,
        manifest,
        read_speaker_map(options.speaker_map) if options.speaker_map else (),
        Limits.from_env(),  # a bad PDCODE_MAX_* is a usage error, once, up front
    )
