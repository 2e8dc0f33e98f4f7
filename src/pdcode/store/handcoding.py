"""Hand coding: the writes a person makes in the workbench one at a time (memos are
``store.memos``).

Each write is its own transaction and states what it expects to find (the coding's
current code): when another tab or another coder changed it meanwhile, it raises
``ConflictError`` instead of overwriting their work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, select, update

from pdcode.errors import ConflictError, ProjectError
from pdcode.store import schema
from pdcode.store.coding_ids import code_is, insert_coding, recode
from pdcode.store.project import Project, _now


def _source_id(conn: Connection, source: str) -> tuple[int, str]:
    s = schema.sources
    row = conn.execute(select(s.c.id, s.c.text).where(s.c.name == source)).first()
    if row is None:
        raise ProjectError(f"no source named {source!r} in the project")
    return int(row.id), str(row.text)


def leaf_codes(conn: Connection) -> set[str]:
    cd = schema.codes
    return set(conn.execute(select(cd.c.code).where(cd.c.is_group.is_(False))).scalars())


def _check_code(conn: Connection, code: str) -> None:
    if code not in leaf_codes(conn):
        raise ProjectError(f"no code {code!r} in the project's codebooks")


def _coding(conn: Connection, coding_id: int) -> Any:
    c = schema.codings
    row = conn.execute(select(c).where(c.c.id == coding_id)).first()
    if row is None:
        raise ConflictError(
            f"coding {coding_id} is no longer in the project (removed or recoded since "
            "the page was loaded); reload the page"
        )
    return row


def same_coding(source_id: int, start: int, end: int, code: str, coder: str) -> Any:
    """The condition naming one coding by what it is (its span, code and coder),
    as hand coding and memos from another tool name it, not by its row id."""
    c = schema.codings
    return and_(
        c.c.source_id == source_id,
        c.c.start == start,
        c.c.end == end,
        c.c.code == code,
        c.c.coder == coder,
    )


def add_coding(
    project: Project, source: str, start: int, end: int, code: str, coder: str, provenance: str
) -> int:
    """Store one coding of ``text[start:end]``; return its id. An identical coding
    of the same coder is not stored twice (its id is returned)."""
    c = schema.codings
    with project.engine.begin() as conn:
        source_id, text = _source_id(conn, source)
        if not 0 <= start < end <= len(text):
            raise ProjectError(f"{source}: span {start}-{end} is outside the text (0-{len(text)})")
        _check_code(conn, code)
        same = same_coding(source_id, start, end, code, coder)
        found = conn.execute(select(c.c.id).where(same)).scalar()
        if found is not None:
            return int(found)
        return insert_coding(
            conn,
            {
                "source_id": source_id,
                "start": start,
                "end": end,
                "code": code,
                "coder": coder,
                "provenance": provenance,
                "created_at": _now(),
            },
        )


def remove_coding(project: Project, coding_id: int, coder: str, expected_code: str) -> None:
    """Delete one of ``coder``'s codings, if it still carries ``expected_code``."""
    with project.engine.begin() as conn:
        row = _coding(conn, coding_id)
        _check_mine(row, coder, expected_code)
        conn.execute(delete(schema.memos).where(schema.memos.c.coding_id == coding_id))
        conn.execute(
            update(schema.reviews)
            .where(schema.reviews.c.coding_id == coding_id)
            .values(coding_id=None)
        )
        k = schema.coding_spans
        conn.execute(delete(k).where(k.c.id == coding_id))


def change_coding(
    project: Project, coding_id: int, coder: str, expected_code: str, new_code: str
) -> None:
    """Give one of ``coder``'s codings another code, if it still has ``expected_code``."""
    with project.engine.begin() as conn:
        _check_code(conn, new_code)
        row = _coding(conn, coding_id)
        _check_mine(row, coder, expected_code)
        k = schema.coding_spans
        changed = recode(conn, (k.c.id == coding_id) & code_is(expected_code), new_code)
        if changed != 1:
            raise ConflictError(f"coding {coding_id} was changed meanwhile; reload the page")


def _check_mine(row: Any, coder: str, expected_code: str) -> None:
    if row.coder != coder:
        raise ConflictError(
            f"coding {row.id} belongs to {row.coder}; only {coder}'s own codings can be "
            "changed here (review a machine coding instead)"
        )
    if row.code != expected_code:
        raise ConflictError(
            f"coding {row.id} was changed to {row.code!r} meanwhile; reload the page"
        )
