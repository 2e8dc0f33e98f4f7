"""Codebooks, codes and codings: the writes and reads of coding runs.

A coding run is one transaction: the coder's previous codings in the sources it
covers are deleted and the new ones inserted together, so a rerun replaces its
own work and never touches another coder's (human codings included). A large run
(``coding_runs``) reads its units and writes its codings in batches inside that
transaction, so its memory does not grow with the corpus.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, select

from pdcode.errors import ConflictError, ProjectError
from pdcode.records import NewCode, NewCoding
from pdcode.store import schema
from pdcode.store.coding_ids import CodingRows, by_coder, delete_codings, insert_spans
from pdcode.store.project import Project, _now, insert_if_absent, locked_sources

# Codings inserted per statement (a COPY on PostgreSQL) in a run.
INSERT_BATCH = 20_000


def save_codebook(
    project: Project,
    name: str,
    version: str,
    content_hash: str,
    content: str,
    codes: Sequence[NewCode],
) -> int:
    """Store a codebook (once per name, version and content) and its codes."""
    with project.engine.begin() as conn:
        return save_codebook_in(conn, name, version, content_hash, content, codes)


def save_codebook_in(
    conn: Connection,
    name: str,
    version: str,
    content_hash: str,
    content: str,
    codes: Sequence[NewCode],
) -> int:
    """``save_codebook`` inside the caller's transaction."""
    cb, cd = schema.codebooks, schema.codes
    query = select(cb.c.id).where(
        (cb.c.name == name) & (cb.c.version == version) & (cb.c.content_hash == content_hash)
    )
    found = conn.execute(query).scalar()
    if found is not None:
        return int(found)
    # Two runs may store the same new codebook at once: the first insert wins and
    # stores the codes; the other reads its row back and adds nothing.
    inserted = insert_if_absent(
        conn,
        cb,
        {
            "name": name,
            "version": version,
            "content_hash": content_hash,
            "content": content,
            "loaded_at": _now(),
        },
        ("name", "version", "content_hash"),
    )
    book_id = int(conn.execute(query).scalar_one())
    if codes and inserted:
        conn.execute(
            cd.insert(),
            [
                {
                    "codebook_id": book_id,
                    "code": c.code,
                    "parent": c.parent,
                    "name": c.name,
                    "definition": c.definition,
                    "colour": c.colour,
                    "is_group": c.is_group,
                    "position": i,
                }
                for i, c in enumerate(codes)
            ],
        )
    return book_id


def source_names(project: Project, strand: str | None = None) -> list[str]:
    s = schema.sources
    query = select(s.c.name).order_by(s.c.name)
    if strand is not None:
        query = query.where(s.c.strand == strand)
    with project.engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


def replace_codings(
    project: Project,
    coder: str,
    provenance: str,
    sources: Iterable[str],
    codings: Iterable[NewCoding],
    codebook_id: int | None = None,
) -> tuple[int, int]:
    """Replace ``coder``'s codings in ``sources``; return (removed, added)."""
    with project.engine.begin() as conn:
        return replace_codings_in(conn, coder, provenance, sources, codings, codebook_id)


def replace_codings_in(
    conn: Connection,
    coder: str,
    provenance: str,
    sources: Iterable[str],
    codings: Iterable[NewCoding],
    codebook_id: int | None = None,
) -> tuple[int, int]:
    """``replace_codings`` inside the caller's transaction."""
    found = list(codings)
    # A run covers the sources it was given and any it found codings in: a source
    # imported after the run listed the sources but before it read their segments
    # is coded like the rest.
    names = sorted(set(sources) | {k.source for k in found})
    ids, removed = claim_sources(conn, coder, schema.sources.c.name.in_(names), names)
    return removed, add_codings(conn, found, ids, coder, provenance, codebook_id, _now())


def claim_sources(
    conn: Connection, coder: str, condition: Any, names: Sequence[str]
) -> tuple[dict[str, int], int]:
    """Lock the sources ``condition`` selects, which must include every one of
    ``names``, and delete ``coder``'s codings in them: (name to id, removed)."""
    s = schema.sources
    # Locked before anything is counted or deleted: another write of this coder in
    # these sources waits, then replaces what this one stores, never adds beside it.
    ids = locked_sources(conn, condition)
    missing = [n for n in names if n not in ids]
    if missing:
        # On PostgreSQL a source deleted while we waited for its lock is skipped,
        # though another import may have stored it again by then.
        again = conn.execute(select(s.c.name).where(s.c.name.in_(missing))).scalars().first()
        if again is not None:
            raise ConflictError(
                f"source {again!r} was replaced by another import while this ran; "
                "run the command again"
            )
        raise ProjectError(f"no source named {missing[0]!r} in the project")
    scope = by_coder(coder) & schema.coding_spans.c.source_id.in_(sorted(ids.values()))
    removed = delete_codings(conn, scope)
    return ids, int(removed)


def add_codings(
    conn: Connection,
    codings: Iterable[NewCoding],
    ids: dict[str, int],
    coder: str,
    provenance: str,
    codebook_id: int | None,
    now: str,
) -> int:
    """Insert codings ``INSERT_BATCH`` at a time, in their order; return how many."""
    added = 0
    iterator = iter(codings)
    lookups = CodingRows(conn)  # the run's coder, codes and rules, found once
    while batch := list(islice(iterator, INSERT_BATCH)):
        unknown = next((k.source for k in batch if k.source not in ids), None)
        if unknown is not None:
            raise ProjectError(f"source {unknown!r} is not one this run covers")
        origin = lookups.origin(coder, provenance, now)
        insert_spans(conn, lookups.spans(batch, ids, origin, codebook_id))
        added += len(batch)
    return added


def coding_rows(
    project: Project,
    coder: str | None = None,
    code: str | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Every coding with its attribution, speaker and text, in a stable order."""
    s, c, k, g = schema.sources, schema.codings, schema.cases, schema.segments
    query = (
        select(
            c.c.id,
            c.c.source_id,
            s.c.name.label("source"),
            s.c.strand,
            k.c.name.label("case"),
            c.c.start,
            c.c.end,
            c.c.code,
            c.c.coder,
            c.c.provenance,
            c.c.rule,
            c.c.match_start,
            c.c.match_end,
            c.c.probability,
            c.c.threshold,
        )
        .join(s, c.c.source_id == s.c.id)
        .outerjoin(k, s.c.case_id == k.c.id)
        .order_by(s.c.name, c.c.start, c.c.end, c.c.code, c.c.coder)
    )
    if coder is not None:
        query = query.where(c.c.coder == coder)
    if code is not None:
        query = query.where(c.c.code == code)
    if source is not None:
        query = query.where(s.c.name == source)
    # One snapshot: the codings, their sources' texts and units as of one moment.
    with project.snapshot() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        ids = sorted({r["source_id"] for r in rows})
        texts = dict(conn.execute(select(s.c.id, s.c.text).where(s.c.id.in_(ids))).all())
        # Turns give the speaker, whether the interviewer spoke, and the time,
        # paragraphs the paragraph number, of the unit holding each coding's
        # first character.
        units: dict[tuple[str, int], list[tuple[int, Any, Any]]] = {}
        unit_query = (
            select(
                g.c.unit,
                g.c.source_id,
                g.c.start,
                g.c.speaker,
                g.c.is_interviewer,
                g.c.start_time,
                g.c.idx,
            )
            .where(g.c.unit.in_(["turn", "paragraph"]) & g.c.source_id.in_(ids))
            .order_by(g.c.source_id, g.c.unit, g.c.start)
        )
        for u in conn.execute(unit_query):
            units.setdefault((u.unit, u.source_id), []).append(
                (u.start, (u.speaker, bool(u.is_interviewer), u.start_time), u.idx)
            )
    starts = {key: [u[0] for u in found] for key, found in units.items()}

    def holding(kind: str, sid: int, offset: int) -> tuple[int, Any, Any] | None:
        pos = bisect_right(starts.get((kind, sid), []), offset) - 1
        return units[(kind, sid)][pos] if pos >= 0 else None

    for row in rows:
        sid = row.pop("source_id")
        text = texts[sid]
        row["text"] = text[row["start"] : row["end"]]
        row["matched"] = (
            text[row["match_start"] : row["match_end"]] if row["match_start"] is not None else None
        )
        turn = holding("turn", sid, row["start"])
        paragraph = holding("paragraph", sid, row["start"])
        speaker, interviewer, time = turn[1] if turn else (None, False, None)
        row["speaker"], row["is_interviewer"], row["time"] = speaker, interviewer, time
        row["paragraph"] = paragraph[2] + 1 if paragraph else None
    return rows


def source_texts(project: Project) -> dict[str, str]:
    s = schema.sources
    with project.engine.connect() as conn:
        return {r.name: r.text for r in conn.execute(select(s.c.name, s.c.text))}


def known_codes(project: Project) -> dict[str, str]:
    """Code ids of every stored codebook, keyed by id and by casefolded name."""
    cd = schema.codes
    query = select(cd.c.code, cd.c.name).where(cd.c.is_group.is_(False)).order_by(cd.c.id)
    found: dict[str, str] = {}
    with project.engine.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(row.code, row.code)
            found.setdefault(row.name.casefold(), row.code)
    return found
