"""Coding verbs: `pdcode code`, `pdcode explain`, `pdcode export codings`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.errors import ProjectError, UsageError
from pdcode.records import UNITS, NewCode, NewCoding
from pdcode.store import Project
from pdcode.store import codings as store

if TYPE_CHECKING:
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


def code_project(
    project: Project,
    codebook_path: Path,
    unit: str = "sentence",
    strand: str | None = None,
    source: str | None = None,
    include_interviewer: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    force: bool = False,
) -> CodeReport:
    """Apply a codebook's rules to every selected segment, replacing this coder's run.

    The run covers every source matching ``strand``/``source``; in those sources
    the previous codings of ``rules:BOOK@VERSION`` are replaced in one transaction.
    Other coders' codings, human ones included, are never touched. A book whose ids
    would orphan people's codings is refused unless ``force``; retired codes are
    not applied.
    """
    from pdcode.api.codes import retired_codes
    from pdcode.api.codes_history import check_orphans, record_orphans
    from pdcode.api.filters import check_strand
    from pdcode.autocode import RuleCoder
    from pdcode.codebook import content_hash, load_codebook
    from pdcode.codebook.edit import without_rules

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
    units = store.coding_units(project, unit, strand, source, include_interviewer)
    coder_engine = RuleCoder(without_rules(book, retired) if retired else book)
    found: list[NewCoding] = []
    texts = (u.text for u in units)
    for done, (seg, hits) in enumerate(zip(units, coder_engine.code(texts), strict=True), 1):
        found += [
            NewCoding(
                source=seg.source,
                start=seg.start,
                end=seg.end,
                code=hit.code_id,
                rule=hit.rule,
                match_start=seg.start + hit.start,
                match_end=seg.start + hit.end,
            )
            for hit in hits
        ]
        if on_progress is not None and (done % 500 == 0 or done == len(units)):
            on_progress(done, len(units))
    removed, added = store.replace_codings(project, coder, provenance, scope, found, book_id)
    if orphans is not None:
        record_orphans(project, orphans, str(codebook_path))
    counts = Counter(k.code for k in found)
    leaves = [c.code for c in codes if not c.is_group and c.code not in retired]
    return CodeReport(
        coder=coder,
        provenance=provenance,
        unit=unit,
        units=len(units),
        sources=len(scope),
        removed=removed,
        added=added,
        per_code=tuple((code, counts.get(code, 0)) for code in leaves),
        retired=tuple(c.code for c in codes if not c.is_group and c.code in retired),
    )


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
