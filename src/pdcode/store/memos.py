"""Memos: a person's notes on the project, a source, a code or one coding.

The kind of a memo follows from the columns it fills (``schema.memos``): a coding
memo names its coding (and that coding's source), a code memo its code, a source
memo its source, and a project memo none of them. Every write is one transaction;
every listing is ordered by ``created_at``, then id, so outputs never depend on
the order a backend happens to return rows in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from pdcode.errors import ConflictError, ProjectError
from pdcode.records import NewMemo
from pdcode.store import schema
from pdcode.store.handcoding import _coding, same_coding
from pdcode.store.project import Project, _now, new_id

KINDS = ("project", "source", "code", "coding")


def kind_of(row: Any) -> str:
    """Which of ``KINDS`` a memo row is (the most specific target it names)."""
    if row.coding_id is not None:
        return "coding"
    if row.code is not None:
        return "code"
    if row.source_id is not None:
        return "source"
    return "project"


def _source_id(conn: Connection, source: str) -> int:
    s = schema.sources
    found = conn.execute(select(s.c.id).where(s.c.name == source)).scalar()
    if found is None:
        raise ProjectError(f"no source named {source!r} in the project")
    return int(found)


def add_memo(
    project: Project,
    author: str,
    text: str,
    source: str | None = None,
    coding_id: int | None = None,
    title: str | None = None,
    code: str | None = None,
) -> int:
    """Store one memo and return its id: on a coding (which also names its
    source), a code, a source, or (none given) the project."""
    with project.engine.begin() as conn:
        source_id = None
        if coding_id is not None:
            source_id = int(_coding(conn, coding_id).source_id)
        elif source is not None:
            source_id = _source_id(conn, source)
        result = conn.execute(
            schema.memos.insert().values(
                source_id=source_id,
                coding_id=coding_id,
                code=code if coding_id is None else None,
                author=author,
                title=title,
                text=text,
                created_at=_now(),
            )
        )
        return new_id(result)


def memo_rows(
    project: Project,
    memo_id: int | None = None,
    source: str | None = None,
    code: str | None = None,
    author: str | None = None,
) -> list[dict[str, Any]]:
    """Memos with their kind and targets: the source's name, the code (a coding
    memo's is its coding's), and a coding memo's span and coder. ``source`` keeps
    the memos on that source and on its codings, ``code`` those on that code and on
    its codings."""
    m, s, c = schema.memos, schema.sources, schema.codings
    code_of = func.coalesce(c.c.code, m.c.code)
    query = (
        select(
            m.c.id,
            m.c.source_id,
            m.c.coding_id,
            m.c.code,
            code_of.label("target_code"),
            s.c.name.label("source"),
            c.c.start,
            c.c.end,
            c.c.coder,
            m.c.author,
            m.c.title,
            m.c.text,
            m.c.created_at,
            m.c.modified_at,
        )
        .select_from(m.outerjoin(s, m.c.source_id == s.c.id).outerjoin(c, m.c.coding_id == c.c.id))
        .order_by(m.c.created_at, m.c.id)
    )
    if memo_id is not None:
        query = query.where(m.c.id == memo_id)
    if source is not None:
        query = query.where(s.c.name == source)
    if code is not None:
        query = query.where(code_of == code)
    if author is not None:
        query = query.where(m.c.author == author)
    with project.engine.connect() as conn:
        rows = []
        for r in conn.execute(query):
            row = dict(r._mapping)
            row["kind"] = kind_of(r)
            row["code"] = row.pop("target_code")
            del row["source_id"]
            rows.append(row)
        return rows


def authors(project: Project) -> list[str]:
    """Everyone who wrote a memo, sorted."""
    m = schema.memos
    with project.engine.connect() as conn:
        return list(conn.execute(select(m.c.author).distinct().order_by(m.c.author)).scalars())


def nearest_ids(project: Project, table: str, wanted: int, n: int = 5) -> list[int]:
    """The ``n`` ids of ``table`` (memos or codings) nearest to ``wanted``, sorted:
    what an error about an unknown id can suggest."""
    t = schema.memos if table == "memos" else schema.codings
    query = select(t.c.id).order_by(func.abs(t.c.id - wanted), t.c.id).limit(n)
    with project.engine.connect() as conn:
        return sorted(int(i) for i in conn.execute(query).scalars())


def coding_exists(project: Project, coding_id: int) -> bool:
    c = schema.codings
    with project.engine.connect() as conn:
        return conn.execute(select(c.c.id).where(c.c.id == coding_id)).first() is not None


def edit_memo(
    project: Project, memo_id: int, text: str, title: str | None, keep_title: bool
) -> None:
    """Give a memo new text (and, unless ``keep_title``, a new title), dated in
    ``modified_at``; its author, target and ``created_at`` stay."""
    values: dict[str, Any] = {"text": text, "modified_at": _now()}
    if not keep_title:
        values["title"] = title
    m = schema.memos
    with project.engine.begin() as conn:
        changed = conn.execute(update(m).where(m.c.id == memo_id).values(**values))
        if changed.rowcount != 1:
            raise ConflictError(f"memo {memo_id} was deleted meanwhile")


def delete_memo(project: Project, memo_id: int) -> None:
    m = schema.memos
    with project.engine.begin() as conn:
        gone = conn.execute(delete(m).where(m.c.id == memo_id))
        if gone.rowcount != 1:
            raise ConflictError(f"memo {memo_id} was deleted meanwhile")


def insert_memos_in(conn: Connection, memos: Sequence[NewMemo]) -> None:
    """Store imported memos inside the caller's transaction, after their sources
    and codings: a coding memo finds its coding by source, span, code and coder
    (and falls back to its source when that coding is not there); a memo without
    a date of its own is dated now."""
    if not memos:
        return
    s, c = schema.sources, schema.codings
    ids = dict(conn.execute(select(s.c.name, s.c.id)).all())
    now = _now()
    rows = []
    for memo in memos:
        source_id = ids.get(memo.source) if memo.source else None
        coding_id = None
        if memo.coding is not None and source_id is not None:
            start, end, code, coder = memo.coding
            same = same_coding(source_id, start, end, code, coder)
            found = conn.execute(select(func.min(c.c.id)).where(same)).scalar()
            coding_id = int(found) if found is not None else None
        row = {
            "source_id": source_id,
            "coding_id": coding_id,
            "code": memo.code if coding_id is None else None,
            "author": memo.author,
            "title": memo.title,
            "text": memo.text,
            "created_at": memo.created_at or now,
            "modified_at": memo.modified_at,
        }
        # The same memo (target, author, text, date) is stored once: importing a
        # file again with --replace removes its sources' memos with the sources,
        # but not its project and code memos, which it brings again.
        if memo.created_at is not None and _stored(conn, row):
            continue
        rows.append(row)
    if rows:
        conn.execute(schema.memos.insert(), rows)


def _stored(conn: Connection, row: dict[str, Any]) -> bool:
    m = schema.memos
    same = and_(*(m.c[k].is_(None) if v is None else m.c[k] == v for k, v in row.items()))
    return conn.execute(select(m.c.id).where(same).limit(1)).first() is not None


def memos_of(project: Project, source: str) -> list[dict[str, Any]]:
    """The memos on a source and on its codings, oldest first (the workbench's
    reader)."""
    m, s = schema.memos, schema.sources
    query = (
        select(
            m.c.id, m.c.coding_id, m.c.author, m.c.title, m.c.text, m.c.created_at, m.c.modified_at
        )
        .join(s, m.c.source_id == s.c.id)
        .where(s.c.name == source)
        .order_by(m.c.created_at, m.c.id)
    )
    with project.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
