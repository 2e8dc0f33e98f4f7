"""`pdcode codings import`: human codings from a spreadsheet or Word comments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pdcode.errors import UsageError
from pdcode.records import NewCode, NewCoding
from pdcode.store import Project
from pdcode.store import codings as store


@dataclass(frozen=True)
class CodingsImport:
    coder: str
    rows: int
    added: int
    removed: int
    problems: tuple[str, ...]  # rows not imported, one line each
    warnings: tuple[str, ...]


def _codes_from(codebook: Path | None, project: Project, force: bool = False) -> dict[str, str]:
    if codebook is None:
        return _known_codes(project)
    from pdcode.api.codes_history import check_orphans, record_orphans
    from pdcode.codebook import content_hash, iter_codes, load_codebook

    book = load_codebook(codebook, require_rules=False)
    # Refused before anything is stored when people's codings would lose their code.
    orphans = check_orphans(project, book, str(codebook), force)
    codes = [
        NewCode(c.id, c.name, parent, c.definition, c.colour, c.is_group)
        for c, parent in iter_codes(book)
    ]
    store.save_codebook(
        project, book.name, book.version, content_hash(codebook), codebook.read_text("utf-8"), codes
    )
    if orphans is not None:
        record_orphans(project, orphans, str(codebook))
    return _known_codes(project)


def _known_codes(project: Project) -> dict[str, str]:
    """The codes a row may name; an id renamed or merged away (pdcode codes) since
    the file was written finds the code it became."""
    from pdcode.api.codes_history import former_ids

    known = store.known_codes(project)
    for old, new in former_ids(project).items():
        if new in known.values():
            known.setdefault(old, new)
    return known


def import_codings(
    project: Project, path: Path, coder: str, codebook: Path | None = None, force: bool = False
) -> CodingsImport:
    """Import codings by ``coder`` from .csv/.xlsx or a .docx's comments.

    The file replaces ``coder``'s earlier codings in the sources it names, so
    importing a corrected file again does not duplicate anything. A ``codebook``
    whose ids would orphan people's stored codings is refused unless ``force``.
    """
    from pdcode.humancoding import (
        CodingRow,
        read_codings_table,
        read_comment_codings,
        resolve_codings,
    )

    if not coder.strip():
        raise UsageError("--coder must name the coder")
    suffix = path.suffix.lower()
    occurrences: dict[int, int] | None = None
    if suffix in (".csv", ".xlsx"):
        rows, read_problems = read_codings_table(path)
    elif suffix == ".docx":
        from pdcode.ingest.regular import read_regular

        comments = read_comment_codings(read_regular(path), str(path))
        rows, read_problems, occurrences = [], [], {}
        for number, comment in enumerate(comments, start=1):
            for label in comment.labels:
                rows.append(CodingRow(number, path.name, label, quote=comment.anchor or None))
                occurrences[number] = comment.occurrence
        if not occurrences:
            occurrences = None
    else:
        raise UsageError(f"{path}: codings come from .csv, .xlsx or .docx")
    texts = store.source_texts(project)
    resolved = resolve_codings(
        [r for r in rows if r.quote is not None or r.start is not None],
        texts,
        _codes_from(codebook, project, force),
        str(path),
        occurrences,
    )
    unanchored = [
        f"{path}:{r.line}: no-anchor: comment {r.code!r} has no commented text"
        for r in rows
        if r.quote is None and r.start is None
    ]
    sources = sorted({r.source for r in rows if r.source in texts})
    removed, added = store.replace_codings(
        project,
        coder,
        f"human:{coder}",
        sources,
        [NewCoding(c.source, c.start, c.end, c.code) for c in resolved.codings],
    )
    return CodingsImport(
        coder=coder,
        rows=len(rows),
        added=added,
        removed=removed,
        problems=tuple([str(p) for p in (*read_problems, *resolved.problems)] + unanchored),
        warnings=tuple(str(p) for p in resolved.warnings),
    )
