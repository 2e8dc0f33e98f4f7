"""The pure work of `pdcode import` and `pdcode code`, and running it in worker processes.

``ordered_map`` runs a function over items in a pool of processes
(``concurrent.futures``) and yields the results in the items' order, with only a
bounded window of items in flight, so a large corpus is never held at once and
the caller stores results in exactly the order a single process would. The
workers only read, parse, segment and match; every write stays in the calling
process. Each worker builds its spaCy pipeline (import) or its ``RuleCoder``
(code) once, in the pool's initializer, not per task.

This module is a stage helper: it never imports the store, the api or the CLI.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pdcode.errors import InputError, PdcodeError, UsageError, debugging, set_debug
from pdcode.records import NewSource

if TYPE_CHECKING:
    from spacy.language import Language

    from pdcode.codebook.model import Codebook
    from pdcode.ingest import Document, LoadedFile, ReadOptions
    from pdcode.ingest.check import DocumentCheck

T = TypeVar("T")
R = TypeVar("R")

MAX_DEFAULT_JOBS = 4  # the default never takes more of a big machine than this
UNEXPECTED = "unexpected error ({kind}); rerun with --debug for the traceback and report it"


def default_jobs() -> int:
    """The machine's cores, at most ``MAX_DEFAULT_JOBS``."""
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_JOBS))


def resolve_jobs(jobs: int | None) -> int:
    """``jobs`` checked (None: the default); a usage error below 1."""
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, got {jobs}")
    return jobs


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...] = (),
    window: int | None = None,
) -> Generator[R, None, None]:
    """``fn`` over ``items`` in ``jobs`` worker processes, results in item order.

    At most ``window`` items (default two per worker) are submitted and not yet
    yielded: ``items`` is consumed as results are, so memory stays bounded. Workers
    are spawned, not forked: a fork would copy the caller's open database
    connections and whatever locks its other threads (a progress bar) hold."""
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    window = window or 2 * jobs
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(debugging(), initializer, initargs),
    )
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # On a failure (or a consumer that stops early) nothing queued is started.
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(debug: bool, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    import signal

    # Ctrl-C is the calling process's to handle: it stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_debug(debug)
    initializer(*initargs)


_WORKER: dict[str, Any] = {}  # what a worker process builds once: its pipeline, its coder


# -- import: one file read, parsed and segmented ---------------------------------------


@dataclass(frozen=True)
class Labels:
    """What the command and the manifest say about a file's sources: they override
    what the file says, the manifest's row most of all."""

    strand: str | None = None
    case: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()  # applied in order, later wins
    case_attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReadFile:
    """A file read into the sources to store, with what the import reports of it."""

    sources: tuple[NewSource, ...]
    controls: int  # control characters removed
    checks: tuple[DocumentCheck, ...]


@dataclass(frozen=True)
class FileJob:
    path: Path
    options: ReadOptions
    labels: Labels


@dataclass(frozen=True)
class Failed:
    """Why a worker could not read a file: the one line the import reports."""

    reason: str


def read_file(path: Path, options: ReadOptions, labels: Labels, nlp: Language) -> ReadFile:
    """Read, parse and segment one file; ``InputError`` and the like as it raises."""
    from pdcode import ingest
    from pdcode.ingest.check import check_document
    from pdcode.ingest.decode import count_removed

    with count_removed() as controls:
        loaded = ingest.load(path, options)
    new = tuple(_new_source(doc, loaded, labels, nlp) for doc in loaded.documents)
    checks = tuple(check_document(doc) for doc in loaded.documents)
    return ReadFile(new, controls.count, checks)


def _new_source(doc: Document, loaded: LoadedFile, labels: Labels, nlp: Language) -> NewSource:
    from pdcode.segment import segment_rows

    attributes = dict(doc.attributes)
    attributes.update(labels.attributes)
    source = NewSource(
        name=doc.name,
        file=Path(loaded.path).name,
        format=doc.format,
        sha256=loaded.sha256,
        text=doc.text,
        strand=labels.strand,
        case=labels.case or doc.case,
        attributes=tuple(sorted(attributes.items())),
        case_attributes=labels.case_attributes,
    )
    return replace(source, segments=tuple(segment_rows(doc.text, doc.turns, nlp)))


def init_reader(spacy_model: str | None) -> None:
    from pdcode.nlp import make_nlp

    _WORKER["nlp"] = make_nlp(spacy_model, lemmas=False)


def read_in_worker(job: FileJob) -> ReadFile | Failed:
    """``read_file`` in a worker: a failure comes back as the line it is reported
    by (exceptions of their own classes may not survive the way back)."""
    try:
        return read_file(job.path, job.options, job.labels, _WORKER["nlp"])
    except InputError as exc:
        return Failed(exc.reason)
    except PdcodeError as exc:
        return Failed(exc.message)
    except Exception as exc:
        if debugging():
            raise
        return Failed(UNEXPECTED.format(kind=type(exc).__name__))


# -- code: a codebook's rules over units' texts ------------------------------------------

# A hit as a worker returns it: (code id, rule, start, end) within the unit's text.
HitTuple = tuple[str, str, int, int]


def init_coder(book: Codebook) -> None:
    from pdcode.autocode import RuleCoder

    _WORKER["coder"] = RuleCoder(book)


def code_in_worker(texts: Sequence[str]) -> list[list[HitTuple]]:
    """Each text's hits, in order, by the worker's ``RuleCoder``."""
    coder = _WORKER["coder"]
    return [[(h.code_id, h.rule, h.start, h.end) for h in hits] for hits in coder.code(texts)]
