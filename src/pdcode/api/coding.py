"""Coding verbs: `pdcode code`, `pdcode explain`, `pdcode export codings`."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.errors import ProjectError, UsageError
from pdcode.records import UNITS, CodingUnit, NewCode, NewCoding
from pdcode.store import Project, coding_runs
from pdcode.store import codings as store

if TYPE_CHECKING:
    from pdcode.autocode import RuleCoder
    from pdcode.codebook.model import Codebook

CODING_COLUMNS = (
    "source",
    "strand",
    "case",
    "role",
    "speaker",
    "is_interviewer",
    "start",
    "end",
    "code",
    "coder",
    "rule",
    "review",
    "text",
)
EXPLAIN_COLUMNS = (*CODING_COLUMNS, "provenance", "matched")


@dataclass(frozen=True)
class CodeReport:
    coder: str
    provenance: str
    unit: str
    units: int
    sources: int
    removed: int
    added: int
    per_code: tuple[tuple[str, int], ...]  # every leaf of the codebook, in book order
    retired: tuple[str, ...] = ()  # leaves retired (pdcode codes retire): not applied


def rules_coder(name: str, version: str) -> str:
    return f"rules:{name}@{version}"


def stored_codes(book: Codebook) -> list[NewCode]:
    """A codebook's codes as the store keeps them, depth first in book order."""
    from pdcode.codebook import iter_codes

    return [
        NewCode(
            code=c.id,
            name=c.name,
            parent=parent,
            definition=c.definition or "",
            colour=c.colour,
            is_group=bool(c.children),
        )
        for c, parent in iter_codes(book)
    ]


# Below this many characters of units (some 850,000 words) a run codes in this
# process alone: a worker spends about 1.8 s of CPU importing spaCy and compiling
# the codebook before its first unit, which a smaller run does not win back.
PARALLEL_MIN_CHARS = 5_000_000
# Units sent to a worker at once (whole sources: a larger source goes alone).
TASK_UNITS = 4_000


def code_project(
    project: Project,
    codebook_path: Path,
    unit: str = "sentence",
    strand: str | None = None,
    source: str | None = None,
    include_interviewer: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    force: bool = False,
    jobs: int | None = 1,
) -> CodeReport:
    """Apply a codebook's rules to every selected segment, replacing this coder's run.

    The run covers every source matching ``strand``/``source``; in those sources
    the previous codings of ``rules:BOOK@VERSION`` are replaced in one transaction.
    Other coders' codings, human ones included, are never touched. A book whose ids
    would orphan people's codings is refused unless ``force``; retired codes are
    not applied. Units are read and codings written in batches, so memory does not
    grow with the corpus; with ``jobs`` above 1 (None: the machine's cores, at
    most 4, as the CLI asks) and enough text, worker processes match the rules
    while this one stores the codings, in the same order: the same rows as with
    one job. Workers are spawned: a script calling this with jobs needs the
    ``if __name__ == "__main__":`` guard of ``multiprocessing``.
    """
    from pdcode.api.codes import retired_codes
    from pdcode.api.codes_history import check_orphans, record_orphans
    from pdcode.api.filters import check_strand
    from pdcode.autocode import RuleCoder
    from pdcode.codebook import content_hash, load_codebook
    from pdcode.codebook.edit import without_rules
    from pdcode.parallel import resolve_jobs

    jobs = resolve_jobs(jobs)
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    check_strand(project, strand)
    book = load_codebook(codebook_path)
    orphans = check_orphans(project, book, str(codebook_path), force)
    retired = retired_codes(project, book.name)
    digest = content_hash(codebook_path)
    coder = rules_coder(book.name, book.version)
    provenance = f"{coder}#sha256:{digest}"
    codes = stored_codes(book)
    book_id = store.save_codebook(
        project, book.name, book.version, digest, codebook_path.read_text("utf-8"), codes
    )
    scope = store.source_names(project, strand)
    if source is not None:
        if source not in scope:
            raise ProjectError(f"no source named {source!r} in the project")
        scope = [source]
    applied = without_rules(book, retired) if retired else book
    chars = coding_runs.unit_chars(project, unit, include_interviewer, strand, source)
    workers = jobs > 1 and chars >= PARALLEL_MIN_CHARS
    # Compiled before the run's transaction begins: no writer waits on it.
    engine = None if workers else RuleCoder(applied)
    counts: Counter[str] = Counter()
    # A source imported after the sources were listed is coded too (``every``).
    with coding_runs.coding_run(
        project, coder, provenance, scope, book_id, every=source is None, strand=strand
    ) as run:
        total, _ = run.size(unit, include_interviewer)
        batches = run.units(unit, include_interviewer)
        if engine is None:
            coded = _coded_in_workers(batches, applied, jobs)
        else:
            coded = _coded_here(batches, engine)
        run.add(_codings(coded, counts, total, on_progress))
    if orphans is not None:
        record_orphans(project, orphans, str(codebook_path))
    leaves = [c.code for c in codes if not c.is_group and c.code not in retired]
    return CodeReport(
        coder=coder,
        provenance=provenance,
        unit=unit,
        units=total,
        sources=len(scope),
        removed=run.removed,
        added=run.added,
        per_code=tuple((code, counts.get(code, 0)) for code in leaves),
        retired=tuple(c.code for c in codes if not c.is_group and c.code in retired),
    )


# A unit with its hits: (code id, rule, start, end) within the unit's text.
_Coded = tuple[CodingUnit, list[tuple[str, str, int, int]]]


def _coded_here(batches: Iterable[list[CodingUnit]], coder: RuleCoder) -> Iterator[_Coded]:
    """Each unit with its hits, matched in this process."""
    units = (u for batch in batches for u in batch)
    waiting: deque[CodingUnit] = deque()  # read, not yet matched: one batch of the coder

    def texts() -> Iterator[str]:
        for u in units:
            waiting.append(u)
            yield u.text

    for hits in coder.code(texts()):
        yield waiting.popleft(), [(h.code_id, h.rule, h.start, h.end) for h in hits]


def _coded_in_workers(
    batches: Iterable[list[CodingUnit]], book: Codebook, jobs: int
) -> Iterator[_Coded]:
    """Each unit with its hits, matched by ``jobs`` worker processes a few whole
    sources at a time, in order."""
    from pdcode.parallel import code_in_worker, init_coder, ordered_map

    tasks: deque[list[CodingUnit]] = deque()  # sent, in order, awaiting their hits

    def texts() -> Iterator[list[str]]:
        task: list[CodingUnit] = []
        for batch in batches:
            task += batch
            if len(task) >= TASK_UNITS:
                tasks.append(task)
                yield [u.text for u in task]
                task = []
        if task:
            tasks.append(task)
            yield [u.text for u in task]

    for hits in ordered_map(code_in_worker, texts(), jobs, init_coder, (book,)):
        yield from zip(tasks.popleft(), hits, strict=True)


def _codings(
    coded: Iterable[_Coded],
    counts: Counter[str],
    total: int,
    on_progress: Callable[[int, int], None] | None,
) -> Iterator[NewCoding]:
    """The codings of each unit's hits, in unit then hit order, counted per code."""
    for done, (seg, hits) in enumerate(coded, 1):
        for code, rule, start, end in hits:
            counts[code] += 1
            yield NewCoding(
                source=seg.source,
                start=seg.start,
                end=seg.end,
                code=code,
                rule=rule,
                match_start=seg.start + start,
                match_end=seg.start + end,
            )
        if on_progress is not None and (done % 500 == 0 or done == total):
            on_progress(done, total)


def codings(
    project: Project, coder: str | None = None, code: str | None = None
) -> list[dict[str, Any]]:
    return store.coding_rows(project, coder=coder, code=code)


def export_codings(
    project: Project,
    fmt: str,
    output: Path | None,
    coder: str | None = None,
    code: str | None = None,
    explain: bool = False,
    raw_csv: bool = False,
    key: Path | None = None,
) -> str | None:
    """Codings as csv, json or xlsx, each with its source's role, whether the
    interviewer spoke it and, for a machine coding, the review decisions on it
    (``review``, empty if none); returns the text for csv/json when not written. CSV
    cells a spreadsheet would run as formulas are neutralised unless ``raw_csv``.
    ``key``: a reviewed pseudonym key applied (offsets then count in the
    pseudonymised text)."""
    from pdcode.api.filters import check_coder, resolve_code
    from pdcode.api.formats import check_format
    from pdcode.api.project import source_roles
    from pdcode.api.pseudonymise import sharing
    from pdcode.export.tables import render, write_text

    check_format(fmt, ("csv", "json", "xlsx"), output)
    rows = store.coding_rows(
        project, coder=check_coder(project, coder), code=resolve_code(project, code)
    )
    share = sharing(project, key, output)
    roles = source_roles(project)
    reviews = review_notes(project, coder)
    for row in rows:
        row["role"] = roles.get(row["source"])
        span = (row["source"], row["start"], row["end"], row["code"], row["coder"])
        row["review"] = reviews.get(span)
    rows = share(rows)
    columns = EXPLAIN_COLUMNS if explain else CODING_COLUMNS
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        assert output is not None  # check_format refused xlsx without one
        write_xlsx({"codings": (rows, columns)}, output)
        return None
    content = render(rows, columns, fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content


def review_notes(
    project: Project, coder: str | None = None
) -> dict[tuple[str, int, int, str, str], str]:
    """For each reviewed coding (source, start, end, code, coder): its decisions in
    a line, by reviewer: ``accept by human:jo; change to coaching by human:sam``."""
    from pdcode.store import reviews

    notes: dict[tuple[str, int, int, str, str], list[str]] = {}
    for d in sorted(reviews.review_rows(project, coder=coder), key=lambda d: d["reviewer"]):
        key = (d["source"], d["start"], d["end"], d["code"], d["coder"])
        said = d["decision"] if d["new_code"] is None else f"{d['decision']} to {d['new_code']}"
        notes.setdefault(key, []).append(f"{said} by {d['reviewer']}")
    return {key: "; ".join(found) for key, found in notes.items()}


def explain(project: Project, source: str, position: int) -> list[dict[str, Any]]:
    """Every coding of ``source`` whose span holds ``position``, with the rule that fired."""
    project.source_text(source)  # raises if the source is unknown
    return [
        row
        for row in store.coding_rows(project, source=source)
        if row["start"] <= position < row["end"]
    ]
