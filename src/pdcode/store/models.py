"""Learned suggestion models: their stored records, and the margins of their codings.

A model is stored as its record's canonical JSON text (``pdcode.learn.serial``):
plain data that ``from_record`` checks by digest whenever it is loaded, never a
pickle. One row per name; learning again under a name replaces the row in one
transaction. A model's suggestions are ordinary codings of the coder
``model:NAME@HASH`` (written by ``codings.replace_codings`` with their probability
and threshold), so deleting a model leaves them, and the decisions on them, alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select

from pdcode.store import schema
from pdcode.store.project import Project, _now

COLUMNS = ("name", "hash", "unit", "coders", "codebook", "created_at")


def save_model(
    project: Project,
    name: str,
    digest_hash: str,
    record: str,
    unit: str,
    coders: Sequence[str],
    codebook: str | None,
) -> str | None:
    """Store the record of model ``name`` (replacing one of the same name) in one
    transaction; returns the hash of the model it replaced, if any."""
    m = schema.models
    values = {
        "name": name,
        "hash": digest_hash,
        "record": record,
        "unit": unit,
        "coders": json.dumps(list(coders), ensure_ascii=False),
        "codebook": codebook,
        "created_at": _now(),
    }
    with project.engine.begin() as conn:
        before = conn.execute(select(m.c.hash).where(m.c.name == name)).scalar()
        if before is not None:
            conn.execute(delete(m).where(m.c.name == name))
        conn.execute(m.insert().values(**values))
    return None if before is None else str(before)


def model_rows(project: Project) -> list[dict[str, Any]]:
    """Every stored model without its record (name, hash, unit, coders as a list,
    codebook, created_at), by name."""
    m = schema.models
    query = select(*(m.c[k] for k in COLUMNS)).order_by(m.c.name)
    with project.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for row in rows:
        row["coders"] = _coders(row["coders"])
    return rows


def load_model(project: Project, name: str) -> dict[str, Any] | None:
    """The stored row of model ``name`` with its record text (not yet checked:
    ``learn.from_record`` does that), or None."""
    m = schema.models
    query = select(*(m.c[k] for k in COLUMNS), m.c.record).where(m.c.name == name)
    with project.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    found = dict(row._mapping)
    found["coders"] = _coders(found["coders"])
    return found


def delete_model(project: Project, name: str) -> bool:
    """Delete the record of model ``name``; False when there is none."""
    m = schema.models
    with project.engine.begin() as conn:
        return bool(conn.execute(delete(m).where(m.c.name == name)).rowcount)


def coder_counts(project: Project, prefix: str) -> dict[str, int]:
    """How many codings each coder whose name starts with ``prefix`` has."""
    c = schema.codings
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(c.c.coder, func.count())
        .where(c.c.coder.like(escaped + "%", escape="\\"))
        .group_by(c.c.coder)
    )
    with project.engine.connect() as conn:
        return {str(coder): int(n) for coder, n in conn.execute(query)}


def margins(project: Project, coder: str) -> dict[int, float | None]:
    """For each coding of ``coder`` (by id): its probability minus its threshold,
    or None where it has no probability (not a model's coding)."""
    c = schema.codings
    query = select(c.c.id, c.c.probability, c.c.threshold).where(c.c.coder == coder)
    with project.engine.connect() as conn:
        return {
            int(i): None if p is None or t is None else float(p) - float(t)
            for i, p, t in conn.execute(query)
        }


def _coders(text: str) -> list[str]:
    try:
        found = json.loads(text)
    except ValueError:
        return [text]
    return [str(c) for c in found] if isinstance(found, list) else [str(found)]


def codebook_hashes(project: Project, coders: Sequence[str]) -> list[str]:
    """The content hashes of the codebooks the codings of ``coders`` name, sorted."""
    c, cb = schema.codings, schema.codebooks
    query = (
        select(cb.c.content_hash)
        .join(c, c.c.codebook_id == cb.c.id)
        .where(c.c.coder.in_(list(coders)))
        .distinct()
    )
    with project.engine.connect() as conn:
        return sorted(str(h) for h in conn.execute(query).scalars())


def codebook_id(project: Project, content_hash: str | None) -> int | None:
    """The id of the newest stored codebook with ``content_hash``, or None."""
    if content_hash is None:
        return None
    cb = schema.codebooks
    query = select(func.max(cb.c.id)).where(cb.c.content_hash == content_hash)
    with project.engine.connect() as conn:
        found = conn.execute(query).scalar()
    return None if found is None else int(found)


def codebooks_holding(project: Project, codes: Sequence[str]) -> list[str]:
    """The content hashes of the stored codebooks that hold every one of ``codes``."""
    cd, cb = schema.codes, schema.codebooks
    wanted = set(codes)
    held: dict[str, set[str]] = {}
    query = select(cb.c.content_hash, cd.c.code).join(cd, cd.c.codebook_id == cb.c.id)
    with project.engine.connect() as conn:
        for digest, code in conn.execute(query):
            held.setdefault(str(digest), set()).add(str(code))
    return sorted(h for h, found in held.items() if wanted and wanted <= found)


def codebook_by_hash(project: Project, content_hash: str) -> dict[str, Any] | None:
    """The newest stored codebook whose content hash is ``content_hash`` (name,
    version, content_hash and its stored YAML as ``content``), or None."""
    cb = schema.codebooks
    query = (
        select(cb.c.name, cb.c.version, cb.c.content_hash, cb.c.content)
        .where(cb.c.content_hash == content_hash)
        .order_by(cb.c.id.desc())
        .limit(1)
    )
    with project.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)
