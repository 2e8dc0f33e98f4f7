"""Whole-project exchange in the store: a REFI-QDA import in one transaction
(its memos stored by ``store.memos``), and the attributes an export carries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from pdcode.records import NewCode, NewCoding, NewMemo, NewSource
from pdcode.store import schema
from pdcode.store.codings import replace_codings_in, save_codebook_in
from pdcode.store.memos import insert_memos_in
from pdcode.store.project import Project


def import_project(
    project: Project,
    sources: Sequence[NewSource],
    book: tuple[str, str, str, str, Sequence[NewCode]],
    codings: Mapping[str, tuple[str, Sequence[NewCoding]]],
    memos: Sequence[NewMemo],
    replace: bool = False,
) -> None:
    """Sources, their codebook (name, version, hash, content, codes), each coder's
    codings (coder -> provenance, codings) and memos: all stored, or nothing."""
    names = [s.name for s in sources]
    with project._tx() as conn:
        if replace:
            project._delete_files(conn, {s.file for s in sources})
        for source in sources:
            project._insert_source(conn, source)
        book_id = save_codebook_in(conn, *book)
        for coder in sorted(codings):
            provenance, items = codings[coder]
            replace_codings_in(conn, coder, provenance, names, items, book_id)
        insert_memos_in(conn, memos)


def case_attribute_rows(project: Project) -> list[tuple[str, str, str]]:
    """(case, key, value) of every case attribute, sorted."""
    c, a = schema.cases, schema.case_attributes
    query = select(c.c.name, a.c.key, a.c.value).join(c, a.c.case_id == c.c.id)
    with project.engine.connect() as conn:
        return sorted((r[0], r[1], r[2]) for r in conn.execute(query))


def source_attribute_rows(project: Project) -> list[tuple[str, str, str]]:
    """(source, key, value) of every source attribute, sorted."""
    s, a = schema.sources, schema.source_attributes
    query = select(s.c.name, a.c.key, a.c.value).join(s, a.c.source_id == s.c.id)
    with project.engine.connect() as conn:
        return sorted((r[0], r[1], r[2]) for r in conn.execute(query))
