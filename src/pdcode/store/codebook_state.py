"""The state of the stored codebooks that a change to their codes is checked against:
which codebooks there are, the newest load of each, which codebooks hold a code id,
the codings of some codes per coder, and the models that know some codes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from pdcode.records import NewCode
from pdcode.store import schema
from pdcode.store.project import Project


@dataclass(frozen=True)
class StoredBook:
    id: int
    name: str
    version: str
    content_hash: str
    content: str


def codebook_names(project: Project) -> list[str]:
    cb = schema.codebooks
    with project.engine.connect() as conn:
        return sorted(conn.execute(select(cb.c.name).distinct()).scalars())


def latest(project: Project, name: str) -> StoredBook | None:
    """The newest load of codebook ``name`` (loaded by a run or made by an edit)."""
    cb = schema.codebooks
    query = (
        select(cb.c.id, cb.c.name, cb.c.version, cb.c.content_hash, cb.c.content)
        .where(cb.c.name == name)
        .order_by(cb.c.id.desc())
        .limit(1)
    )
    with project.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else StoredBook(*row)


def latest_codes(project: Project, name: str) -> set[str]:
    """The code ids of the newest load of ``name`` (empty if never loaded)."""
    book = latest(project, name)
    if book is None:
        return set()
    cd = schema.codes
    with project.engine.connect() as conn:
        return set(conn.execute(select(cd.c.code).where(cd.c.codebook_id == book.id)).scalars())


def code_books(project: Project) -> dict[str, set[str]]:
    """Each code id of any stored load, with the codebooks that have it."""
    cd, cb = schema.codes, schema.codebooks
    query = select(cd.c.code, cb.c.name).join(cb, cd.c.codebook_id == cb.c.id).distinct()
    found: dict[str, set[str]] = {}
    with project.engine.connect() as conn:
        for code, name in conn.execute(query):
            found.setdefault(code, set()).add(name)
    return found


def coding_counts(project: Project, codes: Sequence[str]) -> list[tuple[str, str, int]]:
    """(code, coder, codings) for each of ``codes`` that has codings, sorted."""
    c = schema.codings
    query = (
        select(c.c.code, c.c.coder, func.count())
        .where(c.c.code.in_(list(codes)))
        .group_by(c.c.code, c.c.coder)
        .order_by(c.c.code, c.c.coder)
    )
    with project.engine.connect() as conn:
        return [(str(a), str(b), int(n)) for a, b, n in conn.execute(query)]


def models_knowing(project: Project, codes: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The stored models whose record names any of ``codes`` (learned, skipped or as a
    rule column), with those codes; the records are read, never changed."""
    m = schema.models
    wanted = set(codes)
    found = []
    with project.engine.connect() as conn:
        for name, record in conn.execute(select(m.c.name, m.c.record).order_by(m.c.name)):
            try:
                data = json.loads(record)
            except ValueError:
                continue
            named = set(_strings(data.get("codes"))) | set(_strings(data.get("skipped")))
            rules = data.get("rules")
            if isinstance(rules, dict):
                named |= set(_strings(rules.get("codes")))
            hit = sorted(named & wanted)
            if hit:
                found.append((str(name), tuple(hit)))
    return found


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [v if isinstance(v, str) else str(v.get("code")) for v in value if v]


def load_codes(project: Project, book_id: int) -> list[NewCode]:
    """The codes of one load, in book order."""
    cd = schema.codes
    query = (
        select(cd.c.code, cd.c.name, cd.c.parent, cd.c.definition, cd.c.colour, cd.c.is_group)
        .where(cd.c.codebook_id == book_id)
        .order_by(cd.c.position)
    )
    with project.engine.connect() as conn:
        return [
            NewCode(r.code, r.name, r.parent, r.definition or "", r.colour, bool(r.is_group))
            for r in conn.execute(query)
        ]
