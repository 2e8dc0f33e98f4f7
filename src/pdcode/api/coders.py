"""`pdcode coder add|list|revoke`: the people who may use a shared workbench, each
with an access token of their own, and who a token belongs to (for `pdcode serve`).

A token is shown once, when the coder is added; the project keeps only its sha256.
A plain, unsalted sha256 is enough here, unlike for a password: the token is 32
random bytes from ``secrets``, so there is no dictionary to try and no shorter way
back from the hash than guessing 256 bits. A slow hash would only slow down every
request of the workbench, which looks the token up each time.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from pdcode.api.review import human_coder
from pdcode.errors import UsageError
from pdcode.store import Project
from pdcode.store import coders as store

MAX_NAME = 255  # the column's width


@dataclass(frozen=True)
class NewCoder:
    """A coder just added, with the token that is never shown again."""

    name: str
    token: str


@dataclass(frozen=True)
class Coder:
    """A coder as listed: never their token or its hash."""

    name: str
    created: str
    revoked: str | None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created": self.created,
            "revoked": self.revoked,
            "active": self.active,
        }


def token_hash(token: str) -> str:
    """The hex sha256 of a token, as the project stores it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def coder_name(name: str) -> str:
    """A person's name as a coder, checked as everywhere in pdcode (``human:ana`` is
    ``ana``; a machine coder's name is refused), and short and printable enough to
    store and show."""
    found = human_coder(name)
    if len(found) > MAX_NAME:
        raise UsageError(f"a coder's name is at most {MAX_NAME} characters")
    if not found.isprintable():
        raise UsageError(f"{found!r}: a coder's name cannot hold control characters")
    return found


def add(project: Project, name: str) -> NewCoder:
    """Add the coder ``name`` with a new random token (or give a revoked coder of
    that name a new one); an active coder of that name is refused."""
    who = coder_name(name)
    token = secrets.token_urlsafe(32)
    store.add_coder(project, who, token_hash(token))
    return NewCoder(who, token)


def coders(project: Project) -> list[Coder]:
    """Every coder, active or revoked, by name."""
    return [Coder(r["name"], r["created_at"], r["revoked_at"]) for r in store.coder_rows(project)]


def revoke(project: Project, name: str) -> Coder:
    """Revoke coder ``name``: their token stops working at their next request. Their
    codings and decisions stay, under their name."""
    who = coder_name(name)
    store.revoke_coder(project, who)
    return next(c for c in coders(project) if c.name == who)


def person(project: Project, token: str) -> str | None:
    """The active coder whose token ``token`` is, or None. Looked up by the token's
    hash, so no comparison ever runs on the stored token's characters."""
    if not token:
        return None
    return store.active_name(project, token_hash(token))


def team(project: Project) -> bool:
    """Whether the project has any active coder: then `pdcode serve` admits each by
    their own token (team mode) and no other."""
    return store.any_active(project)
