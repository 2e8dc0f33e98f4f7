"""Whole-project exchange in the store: a REFI-QDA import in one transaction,
and the memos that travel as REFI Notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from pdcode.records import NewCode, NewCoding, NewMemo, NewSource
from pdcode.store import schema
from pdcode.store.codings import replace_codings_in, save_codebook_in
from pdcode.store.project import Project, _now


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
        if memos:
            ids = dict(conn.execute(select(schema.sources.c.name, schema.sources.c.id)).all())
            conn.execute(
                schema.memos.insert(),
                [
                    {
                        "source_id": ids.get(m.source) if m.source else None,
                        "code": m.code,
                        "author": m.author,
                        "title": m.title,
                        "text": m.text,
                        "created_at": _now(),
                    }
                    for m in memos
                ],
            )


def memo_rows(project: Project) -> list[dict[str, Any]]:
    """Every memo with its source's name, in a stable order."""
    m, s = schema.memos, schema.sources
    query = (
        select(s.c.name.label("source"), m.c.code, m.c.author, m.c.title, m.c.text)
        .select_from(m.outerjoin(s, m.c.source_id == s.c.id))
        .order_by(m.c.id)
    )
    with project.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


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
