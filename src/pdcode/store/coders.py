"""The people who may use a shared workbench (``pdcode coder add``): each a name
and the sha256 of their access token, never the token itself.

A name has one row for good. Revoking sets ``revoked_at`` and keeps the row;
adding a revoked name again gives that same row a new token hash and a new
``created_at`` and clears ``revoked_at``. One row per name, because codings and
decisions are stored under the name, not the row: the person who comes back is
the same coder, and a second row would only say what the first already does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select, update

from pdcode.errors import ConflictError, ProjectError
from pdcode.store import schema
from pdcode.store.project import Project, _now, insert_if_absent

COLUMNS = ("name", "created_at", "revoked_at")


def add_coder(project: Project, name: str, token_hash: str) -> None:
    """Store coder ``name`` with ``token_hash`` in one transaction; a revoked
    ``name`` is given the new hash (see the module's doc). An active coder of that
    name is refused, also when another process adds it at the same moment."""
    k = schema.coders
    now = _now()
    taken = ConflictError(f"coder {name!r} exists; revoke it first to give them a new token")
    with project.engine.begin() as conn:
        found = conn.execute(select(k.c.revoked_at).where(k.c.name == name)).first()
        if found is None:
            values = {"name": name, "token_hash": token_hash, "created_at": now}
            if not insert_if_absent(conn, k, values, ("name",)):
                raise taken
            return
        # Only a row still revoked is taken over: another process that re-added
        # the name meanwhile wins, and this call is refused.
        revived = conn.execute(
            update(k)
            .where(k.c.name == name, k.c.revoked_at.is_not(None))
            .values(token_hash=token_hash, created_at=now, revoked_at=None)
        )
        if not revived.rowcount:
            raise taken


def coder_rows(project: Project) -> list[dict[str, Any]]:
    """Every coder, active or revoked (name, created_at, revoked_at), by name;
    never the hash."""
    k = schema.coders
    query = select(*(k.c[c] for c in COLUMNS)).order_by(k.c.name)
    with project.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def revoke_coder(project: Project, name: str) -> str:
    """Revoke coder ``name``; returns when. Unknown or already revoked: refused."""
    k = schema.coders
    now = _now()
    with project.engine.begin() as conn:
        done = conn.execute(
            update(k).where(k.c.name == name, k.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        if done.rowcount:
            return now
        before = conn.execute(select(k.c.revoked_at).where(k.c.name == name)).first()
    if before is None:
        raise ProjectError(f"no coder named {name!r} (pdcode coder list shows them)")
    raise ConflictError(f"coder {name!r} was already revoked on {before.revoked_at}")


def active_name(project: Project, token_hash: str) -> str | None:
    """The name of the active coder whose token has this hash, or None.

    The lookup is by the hash of what the request carried, so how long it takes
    says something about that hash at most, never about a stored token."""
    k = schema.coders
    query = select(k.c.name).where(k.c.token_hash == token_hash, k.c.revoked_at.is_(None))
    with project.engine.connect() as conn:
        found = conn.execute(query).scalar()
    return None if found is None else str(found)


def any_active(project: Project) -> bool:
    """Whether the project has a coder who is not revoked."""
    k = schema.coders
    with project.engine.connect() as conn:
        return bool(conn.execute(select(exists().where(k.c.revoked_at.is_(None)))).scalar())
