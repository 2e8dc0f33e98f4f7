"""The reads and the one write of `pdcode search` and `pdcode excerpts`: sources with
their turns to search, the spans of a code's codings and of a unit, and a search
run's codings, which replace that run's previous ones and nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, or_, select

from pdcode.errors import ProjectError
from pdcode.records import NewCoding
from pdcode.store import schema
from pdcode.store.coding_ids import by_coder, delete_codings, insert_codings
from pdcode.store.frames import fetch_tuples as _fetch
from pdcode.store.project import Project, _now, locked_sources

Spans = dict[str, list[tuple[int, int]]]


def corpus(
    project: Project,
    strand: str | None = None,
    case: str | None = None,
    role: str | None = None,
) -> list[dict[str, Any]]:
    """The sources to search, by name: name, strand, case, role, text, and ``turns``
    as (start, end, speaker, is_interviewer, index) in order; a source without
    turns gives its paragraphs."""
    s, k, a = schema.sources, schema.cases, schema.source_attributes
    roles = select(a.c.source_id, a.c.value).where(a.c.key == "role").subquery()
    query = (
        select(
            s.c.id,
            s.c.name,
            s.c.strand,
            k.c.name.label("case"),
            roles.c.value.label("role"),
            s.c.text,
        )
        .outerjoin(k, s.c.case_id == k.c.id)
        .outerjoin(roles, roles.c.source_id == s.c.id)
        .order_by(s.c.name)
    )
    if strand is not None:
        query = query.where(s.c.strand == strand)
    if case is not None:
        query = query.where(k.c.name == case)
    if role is not None:
        query = query.where(roles.c.value == role)
    # One snapshot: a source replaced meanwhile never gives another's turns.
    with project.snapshot() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        ids = [r["id"] for r in rows]
        turns = _segments(conn, "turn", ids)
        bare = [i for i in ids if i not in turns]
        paragraphs = _segments(conn, "paragraph", bare) if bare else {}
    for row in rows:
        sid = row.pop("id")
        row["turns"] = turns.get(sid) or paragraphs.get(sid) or []
    return rows


def _segments(conn: Connection, unit: str, ids: Sequence[int]) -> dict[int, list[tuple[Any, ...]]]:
    """Per source id, its segments of ``unit``: (start, end, speaker, is_interviewer,
    index), in order."""
    g = schema.segments
    query = (
        select(g.c.source_id, g.c.start, g.c.end, g.c.speaker, g.c.is_interviewer, g.c.idx)
        .where(g.c.unit == unit)
        .order_by(g.c.source_id, g.c.idx)
    )
    wanted = set(ids)
    # Every segment of the unit is read and the unwanted skipped here: a list of
    # thousands of ids in one IN () is no faster.
    return {
        sid: [row[1:] for row in rows]
        for sid, rows in groupby(_fetch(conn, query), key=itemgetter(0))
        if sid in wanted
    }


def turn_spans(project: Project, names: Iterable[str]) -> dict[str, dict[int, tuple[int, int]]]:
    """Per source named, its turns (paragraphs, without turns) by index: start, end."""
    s = schema.sources
    wanted = set(names)
    with project.snapshot() as conn:
        ids = {i: n for i, n in conn.execute(select(s.c.id, s.c.name)).all() if n in wanted}
        turns = _segments(conn, "turn", list(ids))
        bare = [i for i in ids if i not in turns]
        turns.update(_segments(conn, "paragraph", bare) if bare else {})
    return {ids[sid]: {t[4]: (t[0], t[1]) for t in spans} for sid, spans in turns.items()}


def coding_bounds(project: Project, names: Iterable[str]) -> dict[str, set[int]]:
    """Per source named, every offset where a coding (anyone's) starts or ends."""
    s, c = schema.sources, schema.codings
    wanted = set(names)
    query = select(s.c.name, c.c.start, c.c.end).join(s, c.c.source_id == s.c.id)
    found: dict[str, set[int]] = {}
    with project.engine.connect() as conn:
        for name, start, end in conn.execute(query).all():
            if name in wanted:
                found.setdefault(name, set()).update((start, end))
    return found


def case_names(project: Project) -> list[str]:
    k = schema.cases
    with project.engine.connect() as conn:
        return sorted(conn.execute(select(k.c.name)).scalars())


def role_names(project: Project) -> list[str]:
    """Every value of the sources' ``role`` attribute."""
    a = schema.source_attributes
    query = select(a.c.value).where(a.c.key == "role").distinct()
    with project.engine.connect() as conn:
        return sorted(conn.execute(query).scalars())


def speaker_names(project: Project) -> list[str]:
    """Every speaker of a turn."""
    g = schema.segments
    query = select(g.c.speaker).where((g.c.unit == "turn") & g.c.speaker.is_not(None)).distinct()
    with project.engine.connect() as conn:
        return sorted(conn.execute(query).scalars())


def coded_spans(
    project: Project,
    code: str,
    coder: str | None = None,
    skip: tuple[str, str] | None = None,
) -> Spans:
    """Per source, the spans coded with ``code`` (by ``coder``, or anyone), leaving
    out the codings of ``skip`` (coder, provenance)."""
    s, c = schema.sources, schema.codings
    query = (
        select(s.c.name, c.c.start, c.c.end)
        .join(s, c.c.source_id == s.c.id)
        .where(c.c.code == code)
        .order_by(s.c.name, c.c.start, c.c.end)
    )
    if coder is not None:
        query = query.where(c.c.coder == coder)
    if skip is not None:
        query = query.where(or_(c.c.coder != skip[0], c.c.provenance != skip[1]))
    found: Spans = {}
    with project.engine.connect() as conn:
        for name, start, end in conn.execute(query).all():
            found.setdefault(name, []).append((start, end))
    return found


def unit_spans(project: Project, unit: str, names: Iterable[str]) -> Spans:
    """Per source named, the spans of its segments of ``unit``, in order."""
    s, g = schema.sources, schema.segments
    query = (
        select(g.c.source_id, g.c.start, g.c.end)
        .where(g.c.unit == unit)
        .order_by(g.c.source_id, g.c.start)
    )
    wanted = set(names)
    with project.snapshot() as conn:
        ids = {i: n for i, n in conn.execute(select(s.c.id, s.c.name)).all() if n in wanted}
        rows = _fetch(conn, query)
    return {
        ids[sid]: [row[1:] for row in spans]
        for sid, spans in groupby(rows, key=itemgetter(0))
        if sid in ids
    }


def texts_of(project: Project, names: Iterable[str]) -> dict[str, str]:
    s = schema.sources
    wanted = sorted(set(names))
    found: dict[str, str] = {}
    with project.engine.connect() as conn:
        for chunk in range(0, len(wanted), 500):  # under every backend's parameter limit
            query = select(s.c.name, s.c.text).where(s.c.name.in_(wanted[chunk : chunk + 500]))
            found.update((name, text) for name, text in conn.execute(query).all())
    return found


def replace_run(
    project: Project, coder: str, provenance: str, codings: Sequence[NewCoding]
) -> tuple[int, int]:
    """Replace the codings stored by ``coder`` with ``provenance`` (a previous run
    of the same search), wherever they are, with ``codings``, in one transaction;
    every other coding stays. Returns (removed, added)."""
    s, k = schema.sources, schema.coding_spans
    scope = by_coder(coder, provenance)
    names = sorted({c.source for c in codings})
    with project.engine.begin() as conn:
        # The sources of the old and new codings, locked before anything is counted
        # or deleted: a second run of the same search waits, then replaces this one.
        previous = select(k.c.source_id).where(scope)
        ids = locked_sources(conn, or_(s.c.name.in_(names), s.c.id.in_(previous)))
        missing = [n for n in names if n not in ids]
        if missing:
            raise ProjectError(f"no source named {missing[0]!r} in the project")
        removed = delete_codings(conn, scope)
        now = _now()
        rows = [
            {
                "source_id": ids[c.source],
                "start": c.start,
                "end": c.end,
                "code": c.code,
                "coder": coder,
                "provenance": provenance,
                "rule": c.rule,
                "match_start": c.match_start,
                "match_end": c.match_end,
                "created_at": now,
            }
            for c in codings
        ]
        insert_codings(conn, rows)
    return int(removed), len(rows)
