"""`pdcode import`: files and folders into the project, one transaction per file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pdcode.api.manifest import Entry, read_manifest, read_speaker_map
from pdcode.errors import InputError, PdcodeError, StorageError, UsageError, debugging
from pdcode.ingest.model import SpeakerRole
from pdcode.limits import Limits
from pdcode.parallel import UNEXPECTED

if TYPE_CHECKING:
    from pdcode.ingest import ReadOptions
    from pdcode.ingest.check import DocumentCheck
    from pdcode.parallel import Failed, Labels, ReadFile
    from pdcode.store import Project

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


# Below this many bytes to read (some 600,000 words of text), an import runs in
# this process alone: a worker spends about 1.8 s of CPU importing spaCy before its
# first file, which a smaller batch does not win back.
PARALLEL_MIN_BYTES = 4_000_000


def import_paths(
    project: Project,
    paths: Sequence[Path],
    options: ImportOptions,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every file under ``paths`` (or, with no paths, every manifest file).

    With ``options.jobs`` above 1 (None: the machine's cores, at most 4) and enough
    to read, worker processes read, parse and segment the files while this one
    stores them, one transaction per file in the same order as with one job: the
    project and every outcome are the same."""
    from pdcode.parallel import resolve_jobs

    jobs = resolve_jobs(options.jobs)
    batch = _batch(paths, options, "import")
    if on_start is not None:
        on_start(len(batch.files))
    outcomes = list(batch.passed)
    if jobs > 1 and len(batch.files) > 1 and _bytes(batch.files) >= PARALLEL_MIN_BYTES:
        done = _import_parallel(project, batch, options, jobs)
    else:
        done = _import_serial(project, batch, options)
    for outcome in done:
        outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
    return ImportReport(tuple(outcomes))


def _bytes(files: Sequence[Path]) -> int:
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            continue  # its import says why
    return total


def _import_serial(
    project: Project, batch: _Batch, options: ImportOptions
) -> Iterator[FileOutcome]:
    from pdcode.nlp import make_nlp
    from pdcode.parallel import read_file

    nlp = make_nlp(options.spacy_model, lemmas=False)
    for path in batch.files:
        job = _job(path, options, batch)
        yield _import_one(project, path, options, batch, partial(read_file, *job, nlp))


def _import_parallel(
    project: Project, batch: _Batch, options: ImportOptions, jobs: int
) -> Iterator[FileOutcome]:
    """Workers read the files ahead, in order; this process decides and stores each
    file as the serial import does (a file unchanged or refused when its turn
    comes is not stored, whatever a worker made of it)."""
    from pdcode.parallel import FileJob, init_reader, ordered_map, read_in_worker

    ahead = [_needs_reading(project, path, options) for path in batch.files]
    wanted = (
        FileJob(*_job(path, options, batch))
        for path, read in zip(batch.files, ahead, strict=True)
        if read
    )
    results = ordered_map(read_in_worker, wanted, jobs, init_reader, (options.spacy_model,))
    try:
        for path, read in zip(batch.files, ahead, strict=True):
            if read:
                result = next(results)
                yield _import_one(project, path, options, batch, partial(_unwrap, result))
            else:
                # Unchanged or refused when the batch began: read here should that
                # have changed by its turn (an earlier file of the batch of that name).
                yield _import_one(
                    project, path, options, batch, partial(_read_here, path, options, batch)
                )
    finally:
        results.close()  # stops the workers at once should a file stop the batch


def _needs_reading(project: Project, path: Path, options: ImportOptions) -> bool:
    """Whether the file will be read, as the project stands: not if unchanged, or
    if refused as another file's name without ``--replace``."""
    try:
        existing = project.file_state(path.name)
        if not existing:
            return True
        if not options.replace:
            return False
        digest = _sha256(path) if path.is_file() else None
    except (OSError, PdcodeError):
        return True  # its import says what is wrong
    return not all(sha == digest for _, sha in existing)


def _read_here(path: Path, options: ImportOptions, batch: _Batch) -> ReadFile:
    from pdcode.nlp import make_nlp
    from pdcode.parallel import read_file

    return read_file(*_job(path, options, batch), make_nlp(options.spacy_model, lemmas=False))


def _unwrap(result: ReadFile | Failed) -> ReadFile:
    from pdcode.parallel import Failed

    if isinstance(result, Failed):
        raise _ReadFailed(result.reason)
    return result


class _ReadFailed(Exception):
    """A worker's failure to read a file, reported as the worker said it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _job(path: Path, options: ImportOptions, batch: _Batch) -> tuple[Path, ReadOptions, Labels]:
    """What reading ``path`` needs: how to read it, and what its sources are labelled."""
    from pdcode.parallel import Labels

    entry = batch.manifest.get(path.resolve())
    read = _read_options(options, entry, batch.speaker_map, batch.limits)
    # Later sources of attributes override earlier ones: what the file says,
    # then --attr, then the manifest row, which is the most specific.
    labels = Labels(
        strand=(entry.strand if entry else None) or options.strand,
        case=(entry.case if entry else None) or options.case,
        attributes=(*options.attributes, *(entry.attributes if entry else ())),
        case_attributes=entry.case_attributes if entry else (),
    )
    return path, read, labels


def check_paths(
    paths: Sequence[Path],
    options: ImportOptions,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> ImportReport:
    """What ``import_paths`` would store of each file (turns, speakers, warnings),
    without a project and without writing anything."""
    from pdcode import ingest
    from pdcode.ingest.check import check_document
    from pdcode.ingest.decode import count_removed

    batch = _batch(paths, options, "check")
    outcomes = list(batch.passed)
    for path in batch.files:
        entry = batch.manifest.get(path.resolve())
        read = _read_options(options, entry, batch.speaker_map, batch.limits)
        try:
            with count_removed() as removed:
                loaded = ingest.load(path, read)
        except InputError as exc:
            outcome = FileOutcome(str(path), "failed", reason=exc.reason)
        except Exception as exc:
            if debugging():
                raise
            outcome = FileOutcome(
                str(path), "failed", reason=UNEXPECTED.format(kind=type(exc).__name__)
            )
        else:
            checks = tuple(check_document(doc) for doc in loaded.documents)
            notes = (_removed_note(removed.count),) if removed.count else ()
            outcome = FileOutcome(str(path), "checked", len(checks), notes=notes, checks=checks)
        outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
    return ImportReport(tuple(outcomes), checked=True)


def _read_options(
    options: ImportOptions,
    entry: Entry | None,
    speaker_map: tuple[tuple[str, SpeakerRole], ...],
    limits: Limits,
) -> ReadOptions:
    """How to read one file: the command's options, then its manifest row."""
    from pdcode import ingest

    interviewers = {n.casefold() for n in options.interviewers}
    mapped = dict(speaker_map)
    if entry is not None:
        interviewers |= entry.interviewers
        mapped.update(entry.speaker_map)
    return ingest.ReadOptions(
        limits=limits,
        interviewers=frozenset(interviewers),
        speaker_map=tuple(mapped.items()),
        text_column=options.text_column,
        id_column=options.id_column,
        max_bytes=options.max_bytes,
    )


def _import_one(
    project: Project,
    path: Path,
    options: ImportOptions,
    batch: _Batch,
    read: Callable[[], ReadFile],
) -> FileOutcome:
    """One file into the project in one transaction; ``read`` reads it (here or
    in a worker) once the project says it is to be stored."""
    notes: list[str] = []
    if batch.manifest and path.resolve() not in batch.manifest:
        notes.append("not in the manifest: imported without its strand, case or attributes")
    try:
        existing = project.file_state(path.name)
        digest = _sha256(path) if existing and path.is_file() else None
        if existing and all(sha == digest for _, sha in existing):
            return FileOutcome(str(path), "unchanged", len(existing), "already imported")
        if existing and not options.replace:
            return FileOutcome(
                str(path),
                "failed",
                reason=f"a source from a different file named {path.name!r} is already "
                "in the project (use --replace to overwrite it)",
            )
        got = read()
        removed = project.add_file(list(got.sources), replace=bool(existing))
    except _ReadFailed as exc:
        return FileOutcome(str(path), "failed", reason=exc.reason)
    except InputError as exc:
        return FileOutcome(str(path), "failed", reason=exc.reason)
    except StorageError:
        raise  # the project itself cannot be used: every later file would fail too
    except PdcodeError as exc:
        return FileOutcome(str(path), "failed", reason=exc.message)
    except Exception as exc:
        # A bug met on one file: that file's one line, and the batch goes on. Only
        # the type is said, never the message: it may quote the transcript.
        if debugging():
            raise
        return FileOutcome(str(path), "failed", reason=UNEXPECTED.format(kind=type(exc).__name__))
    if got.controls:
        notes.append(_removed_note(got.controls))
    if removed:
        notes.append(f"{removed} codings of the old version removed")
    status = "replaced" if existing else "imported"
    return FileOutcome(str(path), status, len(got.sources), notes=tuple(notes), checks=got.checks)


def _removed_note(count: int) -> str:
    return f"{count} control character{'s' if count != 1 else ''} removed"
