"""Review decisions on machine codings: the writes the review queue makes one at a
time, decisions read from a file, and the reads the queue and its summary need.

Each write is its own transaction and states what it expects to find (the coding
the reviewer saw, that the item is not yet decided): when another tab or another
coder changed it meanwhile, it raises ``ConflictError`` instead of overwriting
their work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from pdcode.errors import ConflictError, ProjectError
from pdcode.store import schema
from pdcode.store.coding_ids import insert_coding
from pdcode.store.handcoding import _check_code, _coding
from pdcode.store.project import Project, _now, insert_if_absent

DECISIONS = ("accept", "reject", "change")


def decide(
    project: Project,
    coding_id: int,
    reviewer: str,
    decision: str,
    new_code: str | None = None,
    expect: tuple[int, int, str] | None = None,
) -> int:
    """Record ``reviewer``'s decision on a machine coding; return the decision's id.

    ``accept`` adds the same span as a coding of the reviewer, ``change`` the span
    with ``new_code``, both with provenance ``review:<machine coder>``; ``reject``
    adds nothing. The machine coding stays. A second decision by the same reviewer
    on the same coding (another tab) is refused, not overwritten. ``expect`` is
    the (start, end, code) the reviewer saw: a coding that differs is refused.
    """
    if decision not in DECISIONS:
        raise ProjectError(f"unknown decision {decision!r} (choose from {', '.join(DECISIONS)})")
    if (decision == "change") != (new_code is not None):
        raise ProjectError("a change names the new code; accept and reject do not")
    with project.engine.begin() as conn:
        row = _coding(conn, coding_id)
        if expect is not None and (row.start, row.end, row.code) != expect:
            # Row ids can be reused after a rerun of the coder: the page showed
            # another coding than the one that now has this id.
            raise ConflictError(
                f"coding {coding_id} is not the one on the page any more (the coder "
                "was rerun meanwhile); reload the page"
            )
        return _decide_in(conn, row, reviewer, decision, new_code, _now())


def _decide_in(
    conn: Connection, row: Any, reviewer: str, decision: str, new_code: str | None, now: str
) -> int:
    r, c = schema.reviews, schema.codings
    if row.coder == reviewer:
        raise ConflictError(f"{reviewer} cannot review their own codings")
    if new_code is not None:
        _check_code(conn, new_code)
        if new_code == row.code:
            raise ProjectError(f"the coding already has the code {new_code!r}; accept it")
    key = {
        "source_id": row.source_id,
        "start": row.start,
        "end": row.end,
        "code": row.code,
        "coder": row.coder,
        "reviewer": reviewer,
    }
    inserted = insert_if_absent(
        conn,
        r,
        {**key, "decision": decision, "new_code": new_code, "decided_at": now},
        tuple(key),
    )
    if not inserted:
        raise ConflictError(
            f"{reviewer} already decided on this coding (in another tab?); it was not decided again"
        )
    review_id = int(conn.execute(select(r.c.id).where(_match(r, key))).scalar_one())
    if decision == "reject":
        return review_id
    code = new_code if new_code is not None else row.code
    human = {**key, "code": code, "coder": reviewer}
    human.pop("reviewer")
    if conn.execute(select(c.c.id).where(_match(c, human))).first() is None:
        added = insert_coding(
            conn,
            {
                **human,
                "codebook_id": row.codebook_id,
                "provenance": f"review:{row.coder}",
                "created_at": now,
            },
        )
        conn.execute(update(r).where(r.c.id == review_id).values(coding_id=added))
    return review_id


def _match(table: Any, key: dict[str, Any]) -> Any:
    return and_(*(table.c[k] == v for k, v in key.items()))


def undo(project: Project, review_id: int, reviewer: str) -> None:
    """Take back one of ``reviewer``'s decisions and the coding it added."""
    r = schema.reviews
    with project.engine.begin() as conn:
        row = conn.execute(select(r).where(r.c.id == review_id)).first()
        if row is None or row.reviewer != reviewer:
            raise ConflictError(
                f"decision {review_id} is not one of {reviewer}'s (undone already?)"
            )
        conn.execute(delete(r).where(r.c.id == review_id))
        if row.coding_id is not None:
            conn.execute(delete(schema.memos).where(schema.memos.c.coding_id == row.coding_id))
            k = schema.coding_spans
            conn.execute(delete(k).where(k.c.id == row.coding_id))


def decide_many(
    project: Project, decisions: list[tuple[dict[str, Any], str, str, str | None]]
) -> tuple[int, int]:
    """Store decisions read from a file, all in one transaction.

    Each is (coding key: source, start, end, code, coder; reviewer; decision;
    new code). A decision the reviewer already made the same way is skipped; one
    made differently is a conflict. Returns (stored, unchanged).
    """
    r, c, s = schema.reviews, schema.codings, schema.sources
    stored = unchanged = 0
    now = _now()
    with project.engine.begin() as conn:
        ids = dict(conn.execute(select(s.c.name, s.c.id)).all())
        for key, reviewer, decision, new_code in decisions:
            where = {**key, "source_id": ids.get(key["source"])}
            where.pop("source")
            row = conn.execute(select(c).where(_match(c, where))).first()
            if row is None:
                raise ConflictError(
                    f"{key['source']} {key['start']}-{key['end']} {key['code']}: "
                    f"{key['coder']} has no such coding"
                )
            before = conn.execute(
                select(r.c.decision, r.c.new_code).where(_match(r, {**where, "reviewer": reviewer}))
            ).first()
            if before is not None:
                if (before.decision, before.new_code) != (decision, new_code):
                    raise ConflictError(
                        f"{key['source']} {key['start']}-{key['end']} {key['code']}: "
                        f"{reviewer} already decided {before.decision!r} there"
                    )
                unchanged += 1
                continue
            _decide_in(conn, row, reviewer, decision, new_code, now)
            stored += 1
    return stored, unchanged


def review_rows(
    project: Project, coder: str | None = None, reviewer: str | None = None
) -> list[dict[str, Any]]:
    """Every decision: the coding's source, span, code and coder, who decided what
    and when, in a stable order."""
    r, s = schema.reviews, schema.sources
    query = (
        select(
            r.c.id,
            s.c.name.label("source"),
            r.c.start,
            r.c.end,
            r.c.code,
            r.c.coder,
            r.c.reviewer,
            r.c.decision,
            r.c.new_code,
            r.c.decided_at,
        )
        .join(s, r.c.source_id == s.c.id)
        .order_by(s.c.name, r.c.start, r.c.end, r.c.code, r.c.coder, r.c.reviewer)
    )
    if coder is not None:
        query = query.where(r.c.coder == coder)
    if reviewer is not None:
        query = query.where(r.c.reviewer == reviewer)
    with project.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def last_decision(project: Project, reviewer: str, coder: str) -> dict[str, Any] | None:
    """``reviewer``'s newest decision on ``coder``'s codings (for undo)."""
    r = schema.reviews
    query = (
        select(r.c.id, r.c.code, r.c.decision, r.c.new_code)
        .where((r.c.reviewer == reviewer) & (r.c.coder == coder))
        .order_by(r.c.id.desc())
        .limit(1)
    )
    with project.engine.connect() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def machine_items(project: Project, coder: str, reviewer: str) -> list[dict[str, Any]]:
    """Every coding of ``coder`` with ``reviewer``'s decision on it (None if not
    yet decided): id, source, strand, start, end, code, decision, new_code."""
    c, r, s = schema.codings, schema.reviews, schema.sources
    on = and_(
        r.c.source_id == c.c.source_id,
        r.c.start == c.c.start,
        r.c.end == c.c.end,
        r.c.code == c.c.code,
        r.c.coder == c.c.coder,
        r.c.reviewer == reviewer,
    )
    query = (
        select(
            c.c.id,
            s.c.name.label("source"),
            s.c.strand,
            c.c.start,
            c.c.end,
            c.c.code,
            r.c.decision,
            r.c.new_code,
        )
        .join(s, c.c.source_id == s.c.id)
        .outerjoin(r, on)
        .where(c.c.coder == coder)
        .order_by(s.c.name, c.c.start, c.c.end, c.c.code)
    )
    keys = ("id", "source", "strand", "start", "end", "code", "decision", "new_code")
    with project.engine.connect() as conn:
        # Plain tuples zipped to keys: the review queue reads every coding of the
        # coder per decision, and SQLAlchemy's row mappings cost more than the query.
        rows = conn.execute(query).all()
    return [dict(zip(keys, row, strict=True)) for row in rows]


def code_counts(project: Project, coder: str) -> dict[str, int]:
    """How many codings ``coder`` has of each code."""
    c = schema.codings
    query = select(c.c.code, func.count()).where(c.c.coder == coder).group_by(c.c.code)
    with project.engine.connect() as conn:
        return {code: int(n) for code, n in conn.execute(query)}


def coding_context(project: Project, coding_id: int) -> dict[str, Any]:
    """One coding with its source's attribution and the turns around it: the turn
    holding its start, and the one before (often the question it answers)."""
    c, s, k, g = schema.codings, schema.sources, schema.cases, schema.segments
    with project.engine.connect() as conn:
        row = conn.execute(
            select(
                c,
                s.c.name.label("source"),
                s.c.strand,
                k.c.name.label("case"),
                s.c.text.label("source_text"),
            )
            .join(s, c.c.source_id == s.c.id)
            .outerjoin(k, s.c.case_id == k.c.id)
            .where(c.c.id == coding_id)
        ).first()
        if row is None:
            raise ConflictError(f"coding {coding_id} is no longer in the project; reload")
        turns = conn.execute(
            select(g.c.idx, g.c.speaker, g.c.is_interviewer, g.c.start, g.c.end, g.c.start_time)
            .where((g.c.source_id == row.source_id) & (g.c.unit == "turn"))
            .where(g.c.start <= row.start)
            .order_by(g.c.start.desc())
            .limit(2)
        ).all()
    text = row.source_text
    found = dict(row._mapping)
    found.pop("source_text")
    found["text"] = text[row.start : row.end]
    found["matched"] = (
        text[row.match_start : row.match_end] if row.match_start is not None else None
    )
    found["turns"] = [
        {
            "index": t.idx,
            "speaker": t.speaker,
            "is_interviewer": bool(t.is_interviewer),
            "start": t.start,
            "end": t.end,
            "time": t.start_time,
            "text": text[t.start : t.end],
        }
        for t in reversed(turns)
    ]
    return found
