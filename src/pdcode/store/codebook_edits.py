"""A change to a stored codebook's codes, carried through the whole project in one
transaction: the edited codebook stored as a new load, the codes of its older loads,
every coding of every coder, the review decisions and memos that name a code, the
retired codes and the codebook's history.

Codings name a code by its id alone (a person's codings have no codebook), so an id
is one code project-wide: a rename or merge recodes every coding with the id,
whoever made it. Rule codings keep their codebook and provenance: the stored
content under that hash is what the rules ran with, and the history says how its
ids became today's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from pdcode.errors import ConflictError
from pdcode.records import NewCode
from pdcode.store import codebook_history, schema
from pdcode.store.coding_ids import code_is, delete_codings
from pdcode.store.coding_ids import recode as recode_codings
from pdcode.store.codings import save_codebook_in
from pdcode.store.project import Project, _now, begin_write, new_id

CHUNK = 500  # ids per IN list, far below every backend's limit on parameters


@dataclass(frozen=True)
class CodeEdit:
    """What one change writes. ``rows`` makes the change to an older load's codes."""

    base_id: int  # the load the change was made to: refused if a newer one came meanwhile
    name: str
    version: str
    content_hash: str
    content: str
    codes: tuple[NewCode, ...]  # the edited book's codes, in book order
    rows: Callable[[list[NewCode]], list[NewCode]]
    action: str
    who: str
    details: Mapping[str, Any] = field(default_factory=dict)
    recode: Mapping[str, str] = field(default_factory=dict)  # old id -> new id
    retire: tuple[str, ...] = ()
    restore: tuple[str, ...] = ()


@dataclass(frozen=True)
class EditCounts:
    codings: tuple[tuple[str, int], ...] = ()  # per coder: codings given another code
    duplicates: tuple[tuple[str, int], ...] = ()  # per coder: removed as exact duplicates
    reviews: int = 0  # decisions now naming another code
    reviews_merged: int = 0  # decisions that became one with another
    memos: int = 0  # memos on a code now on another
    changed: tuple[str, ...] = ()  # the codes retired or restored
    book_id: int = 0


# -- the change -----------------------------------------------------------------------


def apply_edit(
    project: Project,
    edit: CodeEdit,
    dry_run: bool = False,
    before_commit: Callable[[], None] | None = None,
) -> EditCounts:
    """Make ``edit`` in one transaction and return what it changed. ``dry_run``: roll
    it back (the counts are those a real run makes). ``before_commit`` runs last,
    inside the transaction (writing the YAML file): if it fails, nothing is stored."""
    with project.engine.connect() as conn:
        trans = conn.begin()
        try:
            counts = _apply(conn, edit)
            if dry_run:
                trans.rollback()
                return counts
            if before_commit is not None:
                before_commit()
            trans.commit()
            return counts
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise


def _apply(conn: Connection, edit: CodeEdit) -> EditCounts:
    cb = schema.codebooks
    begin_write(conn)
    # Loads of the book, locked (PostgreSQL) so two edits of one book take turns.
    loads = list(
        conn.execute(
            select(cb.c.id).where(cb.c.name == edit.name).order_by(cb.c.id).with_for_update()
        ).scalars()
    )
    if not loads or loads[-1] != edit.base_id:
        raise ConflictError(
            f"codebook {edit.name} was changed by another command meanwhile; run this again"
        )
    book_id = _store_load(conn, edit)
    for load in loads:
        if load != book_id:
            _edit_load(conn, load, edit.rows)
    codings, duplicates = _recode_codings(conn, edit.recode)
    reviews, merged = _recode_reviews(conn, edit.recode)
    memos = _recode_memos(conn, edit.recode)
    codebook_history.recode_retired_in(conn, edit.name, edit.recode)
    changed: list[str] = []
    if edit.retire:
        changed = codebook_history.retire_in(conn, edit.name, edit.retire, edit.who)
    if edit.restore:
        changed = codebook_history.retire_in(conn, edit.name, edit.restore, edit.who, undo=True)
    counts = EditCounts(codings, duplicates, reviews, merged, memos, tuple(changed), book_id)
    details = {
        **edit.details,
        "version": edit.version,
        "codings": dict(codings),
        "duplicates": dict(duplicates),
        "reviews": reviews,
        "reviews_merged": merged,
    }
    if edit.retire or edit.restore:
        details["changed"] = changed
    codebook_history.add_in(conn, edit.name, edit.action, details, edit.who, edit.content_hash)
    return counts


def _store_load(conn: Connection, edit: CodeEdit) -> int:
    """Store the edited content as the newest load of the book. Content stored before
    (a rename taken back) is stored again under a new id, so that it is the newest;
    the rule codings of the old row follow it."""
    cb, cd = schema.codebooks, schema.codes
    same = (
        (cb.c.name == edit.name)
        & (cb.c.version == edit.version)
        & (cb.c.content_hash == edit.content_hash)
    )
    before = conn.execute(select(cb.c.id).where(same)).scalar()
    if before == edit.base_id:  # the text is as it was (a retired mark already there)
        return edit.base_id
    if before is None:
        return save_codebook_in(
            conn, edit.name, edit.version, edit.content_hash, edit.content, edit.codes
        )
    values = {"name": edit.name, "version": edit.version, "content": edit.content}
    # A placeholder hash until the old row is gone: (name, version, hash) is unique.
    fresh = new_id(conn.execute(cb.insert().values(**values, content_hash="-", loaded_at=_now())))
    k = schema.coding_spans
    conn.execute(update(k).where(k.c.codebook_id == before).values(codebook_id=fresh))
    conn.execute(delete(cd).where(cd.c.codebook_id == before))
    conn.execute(delete(cb).where(cb.c.id == before))
    conn.execute(update(cb).where(cb.c.id == fresh).values(content_hash=edit.content_hash))
    _insert_codes(conn, fresh, list(edit.codes))
    return fresh


def _insert_codes(conn: Connection, book_id: int, codes: list[NewCode]) -> None:
    if not codes:
        return
    conn.execute(
        schema.codes.insert(),
        [
            {
                "codebook_id": book_id,
                "code": k.code,
                "parent": k.parent,
                "name": k.name,
                "definition": k.definition,
                "colour": k.colour,
                "is_group": k.is_group,
                "position": i,
            }
            for i, k in enumerate(codes)
        ],
    )


def _edit_load(conn: Connection, load: int, rows: Callable[[list[NewCode]], list[NewCode]]) -> None:
    """An older load's codes, changed as the newest: an id means one code everywhere."""
    cd = schema.codes
    query = (
        select(cd.c.code, cd.c.name, cd.c.parent, cd.c.definition, cd.c.colour, cd.c.is_group)
        .where(cd.c.codebook_id == load)
        .order_by(cd.c.position)
    )
    old = [
        NewCode(r.code, r.name, r.parent, r.definition or "", r.colour, bool(r.is_group))
        for r in conn.execute(query)
    ]
    new = rows(old)
    if new != old:
        conn.execute(delete(cd).where(cd.c.codebook_id == load))
        _insert_codes(conn, load, new)


def _recode_codings(
    conn: Connection, recode: Mapping[str, str]
) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """Every coding of an old id takes the new one; a coder's codings that become the
    same (span and code) are kept once, their memos moved to the one kept."""
    c, m, r = schema.codings, schema.memos, schema.reviews
    if not recode:
        return (), ()
    moved: dict[str, int] = {}
    count = select(c.c.coder, func.count()).where(c.c.code.in_(list(recode))).group_by(c.c.coder)
    for coder, n in conn.execute(count):
        moved[str(coder)] = int(n)
    for old, new in recode.items():
        recode_codings(conn, code_is(old), new)
    dropped: dict[str, int] = {}
    doomed: list[int] = []
    for target in sorted(set(recode.values())):
        kept: dict[tuple[int, int, int, str], int] = {}
        query = (
            select(c.c.id, c.c.source_id, c.c.start, c.c.end, c.c.coder)
            .where(c.c.code == target)
            .order_by(c.c.id)
        )
        for row in conn.execute(query):
            key = (row.source_id, row.start, row.end, row.coder)
            if key not in kept:
                kept[key] = int(row.id)
                continue
            doomed.append(int(row.id))
            dropped[row.coder] = dropped.get(row.coder, 0) + 1
            conn.execute(update(m).where(m.c.coding_id == row.id).values(coding_id=kept[key]))
    for i in range(0, len(doomed), CHUNK):
        part = doomed[i : i + CHUNK]
        conn.execute(update(r).where(r.c.coding_id.in_(part)).values(coding_id=None))
        delete_codings(conn, schema.coding_spans.c.id.in_(part))
    return tuple(sorted(moved.items())), tuple(sorted(dropped.items()))


# When decisions on codings that a merge makes one collide, the one kept says what is
# now true of the merged code: an accept of either code means the span has it.
_PRIORITY = {"accept": 0, "change": 1, "reject": 2}


def _recode_reviews(conn: Connection, recode: Mapping[str, str]) -> tuple[int, int]:
    """Decisions follow their codes. Two decisions of a reviewer that now name the
    same coding become one (an accept before a change before a reject); a change
    from one merged code to another is now an accept."""
    r = schema.reviews
    if not recode:
        return 0, 0
    names = sorted(set(recode) | set(recode.values()))
    query = (
        select(r)
        .where(r.c.code.in_(names) | r.c.new_code.in_(names))
        .order_by(r.c.decided_at, r.c.id)
    )
    rows = [dict(row._mapping) for row in conn.execute(query)]
    final: dict[tuple[Any, ...], dict[str, Any]] = {}
    altered: set[int] = set()
    for row in rows:
        code = recode.get(row["code"], row["code"])
        new_code = recode.get(row["new_code"], row["new_code"])
        decision = row["decision"]
        if decision == "change" and new_code == code:
            decision, new_code = "accept", None
        after = {**row, "code": code, "new_code": new_code, "decision": decision}
        key = (row["source_id"], row["start"], row["end"], code, row["coder"], row["reviewer"])
        other = final.get(key)
        if other is None or _rank(decision) < _rank(other["decision"]):
            final[key] = after
        if after != row:
            altered.add(row["id"])
    kept = {row["id"] for row in final.values()}
    gone = [row["id"] for row in rows if row["id"] not in kept]
    for i in range(0, len(gone), CHUNK):
        conn.execute(delete(r).where(r.c.id.in_(gone[i : i + CHUNK])))
    for row in final.values():
        if row["id"] in altered:
            conn.execute(
                update(r)
                .where(r.c.id == row["id"])
                .values(code=row["code"], new_code=row["new_code"], decision=row["decision"])
            )
    return len(altered), len(gone)


def _rank(decision: str) -> int:
    return _PRIORITY.get(decision, len(_PRIORITY))


def _recode_memos(conn: Connection, recode: Mapping[str, str]) -> int:
    m = schema.memos
    done = 0
    for old, new in recode.items():
        done += int(conn.execute(update(m).where(m.c.code == old).values(code=new)).rowcount)
    return done
