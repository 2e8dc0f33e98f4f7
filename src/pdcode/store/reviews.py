"""Hand coding and review decisions: the writes the workbench makes one at a time.

Each write is its own transaction and states what it expects to find (the coding's
current code, that the item is not yet decided): when another tab or another coder
changed it meanwhile, it raises ``ConflictError`` instead of overwriting their work.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from pdcode.errors import ConflictError, ProjectError
from pdcode.store import schema
from pdcode.store.project import Project, _now, insert_if_absent, new_id

DECISIONS = ("accept", "reject", "change")


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
        same = and_(
            c.c.source_id == source_id,
            c.c.start == start,
            c.c.end == end,
            c.c.code == code,
            c.c.coder == coder,
        )
        found = conn.execute(select(c.c.id).where(same)).scalar()
        if found is not None:
            return int(found)
        result = conn.execute(
            c.insert().values(
                source_id=source_id,
                start=start,
                end=end,
                code=code,
                coder=coder,
                provenance=provenance,
                created_at=_now(),
            )
        )
        return new_id(result)


def remove_coding(project: Project, coding_id: int, coder: str, expected_code: str) -> None:
    """Delete one of ``coder``'s codings, if it still carries ``expected_code``."""
    c = schema.codings
    with project.engine.begin() as conn:
        row = _coding(conn, coding_id)
        _check_mine(row, coder, expected_code)
        conn.execute(delete(schema.memos).where(schema.memos.c.coding_id == coding_id))
        conn.execute(
            update(schema.reviews)
            .where(schema.reviews.c.coding_id == coding_id)
            .values(coding_id=None)
        )
        conn.execute(delete(c).where(c.c.id == coding_id))


def change_coding(
    project: Project, coding_id: int, coder: str, expected_code: str, new_code: str
) -> None:
    """Give one of ``coder``'s codings another code, if it still has ``expected_code``."""
    c = schema.codings
    with project.engine.begin() as conn:
        _check_code(conn, new_code)
        row = _coding(conn, coding_id)
        _check_mine(row, coder, expected_code)
        changed = conn.execute(
            update(c)
            .where((c.c.id == coding_id) & (c.c.code == expected_code))
            .values(code=new_code)
        )
        if changed.rowcount != 1:
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


def add_memo(
    project: Project,
    author: str,
    text: str,
    source: str | None = None,
    coding_id: int | None = None,
    title: str | None = None,
) -> int:
    """A memo on a source or on a coding (which also names its source)."""
    with project.engine.begin() as conn:
        source_id = None
        if coding_id is not None:
            source_id = int(_coding(conn, coding_id).source_id)
        elif source is not None:
            source_id = _source_id(conn, source)[0]
        result = conn.execute(
            schema.memos.insert().values(
                source_id=source_id,
                coding_id=coding_id,
                author=author,
                title=title,
                text=text,
                created_at=_now(),
            )
        )
        return new_id(result)


def memos_of(project: Project, source: str) -> list[dict[str, Any]]:
    """The memos on a source and on its codings, oldest first."""
    m, s = schema.memos, schema.sources
    query = (
        select(m.c.id, m.c.coding_id, m.c.author, m.c.title, m.c.text, m.c.created_at)
        .join(s, m.c.source_id == s.c.id)
        .where(s.c.name == source)
        .order_by(m.c.id)
    )
    with project.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


# -- review decisions --------------------------------------------------------


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
        added = conn.execute(
            c.insert().values(
                **human,
                codebook_id=row.codebook_id,
                provenance=f"review:{row.coder}",
                created_at=now,
            )
        )
        conn.execute(update(r).where(r.c.id == review_id).values(coding_id=new_id(added)))
    return review_id


def _match(table: Any, key: dict[str, Any]) -> Any:
    return and_(*(table.c[k] == v for k, v in key.items()))


def undo(project: Project, review_id: int, reviewer: str) -> None:
    """Take back one of ``reviewer``'s decisions and the coding it added."""
    r, c = schema.reviews, schema.codings
    with project.engine.begin() as conn:
        row = conn.execute(select(r).where(r.c.id == review_id)).first()
        if row is None or row.reviewer != reviewer:
            raise ConflictError(
                f"decision {review_id} is not one of {reviewer}'s (undone already?)"
            )
        conn.execute(delete(r).where(r.c.id == review_id))
        if row.coding_id is not None:
            conn.execute(delete(schema.memos).where(schema.memos.c.coding_id == row.coding_id))
            conn.execute(delete(c).where(c.c.id == row.coding_id))


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


def coded_turns(project: Project) -> dict[str, dict[str, int]]:
    """For each source, for each coder: how many respondent turns carry any of the
    coder's codings (a coding counts for every turn it overlaps)."""
    c, s, g = schema.codings, schema.sources, schema.segments
    with project.engine.connect() as conn:
        names = dict(conn.execute(select(s.c.id, s.c.name)).all())
        turns: dict[int, list[tuple[int, int]]] = {}
        for t in conn.execute(
            select(g.c.source_id, g.c.start, g.c.end)
            .where((g.c.unit == "turn") & g.c.is_interviewer.is_(False))
            .order_by(g.c.source_id, g.c.start)
        ):
            turns.setdefault(t.source_id, []).append((t.start, t.end))
        spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for k in conn.execute(select(c.c.source_id, c.c.coder, c.c.start, c.c.end)):
            spans.setdefault((k.source_id, k.coder), []).append((k.start, k.end))
    found: dict[str, dict[str, int]] = {}
    for (sid, coder), coded in spans.items():
        # Merged into disjoint sorted spans, so each turn is one binary search.
        merged: list[list[int]] = []
        for x, y in sorted(coded):
            if merged and x <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], y)
            else:
                merged.append([x, y])
        ends = [y for _, y in merged]
        covered = 0
        for a, b in turns.get(sid, []):
            i = bisect_right(ends, a)  # the first merged span ending after a
            if i < len(merged) and merged[i][0] < b:
                covered += 1
        found.setdefault(names[sid], {})[coder] = covered
    return found


def code_rows(project: Project) -> list[dict[str, Any]]:
    """Every code of the stored codebooks (newest load first): codebook, version,
    code, name, parent, definition, colour, is_group."""
    cd, cb = schema.codes, schema.codebooks
    query = (
        select(
            cb.c.name.label("codebook"),
            cb.c.version,
            cd.c.code,
            cd.c.name,
            cd.c.parent,
            cd.c.definition,
            cd.c.colour,
            cd.c.is_group,
        )
        .join(cb, cd.c.codebook_id == cb.c.id)
        .order_by(cb.c.id.desc(), cd.c.position)
    )
    with project.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def codebook_contents(project: Project) -> list[tuple[str, str, str]]:
    """(name, version, content) of every stored codebook, newest first."""
    cb = schema.codebooks
    query = select(cb.c.name, cb.c.version, cb.c.content).order_by(cb.c.id.desc())
    with project.engine.connect() as conn:
        return [(r.name, r.version, r.content) for r in conn.execute(query)]


def source_row(project: Project, name: str) -> dict[str, Any]:
    """One source: name, strand, case, format and text."""
    s, k = schema.sources, schema.cases
    query = (
        select(s.c.name, s.c.strand, k.c.name.label("case"), s.c.format, s.c.text)
        .outerjoin(k, s.c.case_id == k.c.id)
        .where(s.c.name == name)
    )
    with project.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise ProjectError(f"no source named {name!r} in the project")
    return dict(row._mapping)
