"""A codebook's history and its retired codes (schema v6).

Each change to a stored codebook's codes is one ``codebook_history`` row, written in
the transaction of the change itself, so the history never says more or less than
what happened. ``details`` is canonical JSON (sorted keys, no spaces), the same
bytes on every backend.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, select, update

from pdcode.store import schema
from pdcode.store.project import Project, _now


def canonical(details: Mapping[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def add_in(
    conn: Connection,
    codebook: str,
    action: str,
    details: Mapping[str, Any],
    who: str,
    content_hash: str | None = None,
    at: str | None = None,
) -> None:
    """One history row, in the caller's transaction."""
    conn.execute(
        schema.codebook_history.insert().values(
            codebook=codebook,
            action=action,
            details=canonical(details),
            who=who,
            at=at or _now(),
            content_hash=content_hash,
        )
    )


def add(project: Project, codebook: str, action: str, details: Mapping[str, Any], who: str) -> None:
    """One history row in a transaction of its own (a load that went on under --force)."""
    with project.engine.begin() as conn:
        add_in(conn, codebook, action, details, who)


def history_rows(project: Project, codebook: str | None = None) -> list[dict[str, Any]]:
    """Every change (of one codebook, or all), oldest first: codebook, action,
    details (parsed), who, at, content_hash."""
    h = schema.codebook_history
    query = select(h.c.codebook, h.c.action, h.c.details, h.c.who, h.c.at, h.c.content_hash)
    if codebook is not None:
        query = query.where(h.c.codebook == codebook)
    with project.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query.order_by(h.c.id))]
    for row in rows:
        try:
            found = json.loads(row["details"])
        except ValueError:  # written by another program: shown as it is
            found = {"text": row["details"]}
        row["details"] = found if isinstance(found, dict) else {"text": found}
    return rows


def retired(project: Project, codebook: str) -> set[str]:
    """The codes retired from ``codebook``."""
    r = schema.retired_codes
    with project.engine.connect() as conn:
        return set(conn.execute(select(r.c.code).where(r.c.codebook == codebook)).scalars())


def retire_in(
    conn: Connection, codebook: str, codes: Iterable[str], who: str, undo: bool = False
) -> list[str]:
    """Retire ``codes`` of ``codebook`` (or, with ``undo``, bring them back); returns
    the codes whose state changed."""
    r = schema.retired_codes
    wanted = list(dict.fromkeys(codes))
    held = set(
        conn.execute(
            select(r.c.code).where((r.c.codebook == codebook) & r.c.code.in_(wanted))
        ).scalars()
    )
    if undo:
        changed = [c for c in wanted if c in held]
        conn.execute(delete(r).where((r.c.codebook == codebook) & r.c.code.in_(changed)))
        return changed
    changed = [c for c in wanted if c not in held]
    now = _now()
    for code in changed:
        conn.execute(r.insert().values(codebook=codebook, code=code, retired_at=now, who=who))
    return changed


def recode_retired_in(conn: Connection, codebook: str, recode: Mapping[str, str]) -> None:
    """Follow a rename or merge: a renamed retired code stays retired under its new id;
    codes merged into another go, the code they became keeps its own state."""
    r = schema.retired_codes
    mine = r.c.codebook == codebook
    held = set(conn.execute(select(r.c.code).where(mine)).scalars())
    for old, new in recode.items():
        if old not in held:
            continue
        if new in held or any(o != old and n == new for o, n in recode.items()):
            conn.execute(delete(r).where(mine & (r.c.code == old)))
        else:
            conn.execute(update(r).where(mine & (r.c.code == old)).values(code=new))
            held.add(new)
