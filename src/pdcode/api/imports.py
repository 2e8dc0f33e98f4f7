"""`pdcode import`: files and folders into the project, one transaction per file."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pdcode.api.import_batch import (
    FileOutcome,
    ImportOptions,
    ImportReport,
    _Batch,
    _batch,
    _sha256,
)
from pdcode.api.manifest import Entry
from pdcode.errors import InputError, PdcodeError, StorageError, debugging
from pdcode.ingest.model import SpeakerRole
from pdcode.limits import Limits
from pdcode.parallel import UNEXPECTED

if TYPE_CHECKING:
    from pdcode.ingest import ReadOptions
    from pdcode.parallel import Failed, Labels, ReadFile
    from pdcode.store import Project

# Below this many bytes to read (some 2 million words of text), an import runs in
# this process alone: each worker spends about 1.8 s of CPU importing spaCy before
# its first file, and every segment it finds crosses back pickled. On 2 cores two
# workers lost below 2 M words (1 M words: 5.8 s wall with two, 4.5 s alone) while
# segments crossed as dataclasses; as tuples they win at 2 M words (7.4 to 7.8 s
# against 8.2 to 9.1 s), and where they start to win below that was not measured
# (benchmarks/RESULTS.md, issue 19).
PARALLEL_MIN_BYTES = 12_000_000


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

    try:
        states: dict[str, list[tuple[str, str]]] | None = project.file_states(
            path.name for path in batch.files
        )
    except PdcodeError:
        states = None  # each file's import says what is wrong
    ahead = [_needs_reading(states, path, options) for path in batch.files]
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


def _needs_reading(
    states: dict[str, list[tuple[str, str]]] | None, path: Path, options: ImportOptions
) -> bool:
    """Whether the file will be read, as the project stands (``states``: its
    ``file_states``; None if they could not be read): not if unchanged, or if
    refused as another file's name without ``--replace``."""
    if states is None:
        return True
    try:
        existing = states.get(path.name)
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
