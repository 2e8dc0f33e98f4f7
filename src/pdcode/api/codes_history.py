"""The history of the project's codebooks as sentences, the orphan check of every
verb that loads a codebook (`pdcode code`, `pdcode codings import`), and the code
ids that renames and merges took away, for codings files written before them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pdcode.errors import CodebookError, UsageError
from pdcode.store import Project
from pdcode.store import codebook_history as history_store
from pdcode.store import codebook_state as state

if TYPE_CHECKING:
    from pdcode.codebook import Codebook

MACHINE = ("rules:", "model:", "topics:")  # every other coder is a person


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    who: str
    codebook: str
    action: str
    change: str  # a sentence
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Orphans:
    codebook: str
    codes: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # code, (coder, codings)

    def lines(self) -> list[str]:
        return [f"{code}: {per_coder(coders)}" for code, coders in self.codes]


def entries(project: Project, codebook: str | None = None) -> list[HistoryEntry]:
    """Every change to the codes of one codebook (or of all), oldest first."""
    return [
        HistoryEntry(r["at"], r["who"], r["codebook"], r["action"], describe(r), r["details"])
        for r in history_store.history_rows(project, codebook)
    ]


def former_ids(project: Project) -> dict[str, str]:
    """Each id a rename or merge took away, with the id its codings have now (after
    every later change), so that a codings file written before still finds them."""
    now: dict[str, str] = {}
    for row in history_store.history_rows(project):
        d = row["details"]
        if row["action"] == "rename":
            moves = {str(d.get("from")): str(d.get("to"))}
        elif row["action"] == "merge":
            into = str(d.get("into"))
            moves = {str(c): into for c in d.get("codes") or [] if c != into}
        else:
            continue
        now = {old: moves.get(new, new) for old, new in now.items()}
        for old, new in moves.items():
            now[old] = new
            now.pop(new, None)  # an id given again is a code of its own
    return now


def check_orphans(project: Project, book: Codebook, label: str, force: bool) -> Orphans | None:
    """The codes that people's codings use and that loading ``book`` would leave out
    of the project's newest load of that codebook (and of every other codebook).
    Refused, listing them, unless ``force``; then returned, for ``record_orphans``."""
    from pdcode.codebook import iter_codes

    current = state.latest_codes(project, book.name)
    ids = {c.id for c, _ in iter_codes(book)}
    elsewhere = {c for c, books in state.code_books(project).items() if books - {book.name}}
    missing = sorted(current - ids - elsewhere)
    if not missing:
        return None
    per_code: dict[str, list[tuple[str, int]]] = {}
    for code, coder, n in state.coding_counts(project, missing):
        if not coder.startswith(MACHINE):
            per_code.setdefault(code, []).append((coder, n))
    if not per_code:
        return None
    found = Orphans(book.name, tuple((c, tuple(k)) for c, k in sorted(per_code.items())))
    if not force:
        listing = "\n".join(f"  {line}" for line in found.lines())
        raise CodebookError(
            f"{label}: {len(per_code)} code(s) of {book.name} that people's codings use are "
            f"not in it, so those codings would be orphaned (rename or merge the codes with "
            f"`pdcode codes`, or give --force to load it anyway):\n{listing}"
        )
    return found


def record_orphans(project: Project, orphans: Orphans, label: str) -> None:
    """Say in the codebook's history that a load went on under --force."""
    details = {"file": label, "codes": {c: dict(k) for c, k in orphans.codes}}
    history_store.add(project, orphans.codebook, "orphan", details, person(None, quiet=True))


def person(by: str | None, quiet: bool = False) -> str:
    if by is not None and by.strip():
        return by.strip()
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment (some containers)
        user = ""
    if user.strip():
        return user
    if quiet:
        return "unknown"
    raise UsageError("cannot tell who you are: give --by NAME")


# -- sentences -------------------------------------------------------------------------


def describe(row: dict[str, Any]) -> str:
    """A history row as a sentence."""
    d, action = row["details"], row["action"]
    if action == "rename":
        named = f" ({d['name']})" if d.get("name") else ""
        said = f"renamed {d.get('from')} to {d.get('to')}{named}"
    elif action == "merge":
        new = " (new)" if d.get("new") else ""
        said = f"merged {', '.join(d.get('codes', []))} into {d.get('into')}{new}"
    elif action == "move":
        where = f"under {d['to']}" if d.get("to") else "to the top level"
        said = f"moved {d.get('code')} {where} (from {d.get('from') or 'the top level'})"
    elif action in ("retire", "restore"):
        verb = "retired" if action == "retire" else "brought back"
        said = f"{verb} {', '.join(d.get('changed') or d.get('codes') or [])}"
    elif action == "orphan":
        codes = d.get("codes") or {}
        said = f"loaded {d.get('file')} under --force, orphaning codings of {', '.join(codes)}"
    else:
        said = f"{action} {d}"
    return said + _counts_text(d)


def _counts_text(d: dict[str, Any]) -> str:
    parts = []
    codings = d.get("codings") or {}
    if codings:
        parts.append(f"{sum(codings.values())} codings recoded ({per_coder(codings.items())})")
    duplicates = d.get("duplicates") or {}
    if duplicates:
        n = sum(duplicates.values())
        parts.append(f"{n} duplicate codings removed ({per_coder(duplicates.items())})")
    if d.get("reviews"):
        parts.append(f"{d['reviews']} review decisions follow")
    if d.get("reviews_merged"):
        parts.append(f"{d['reviews_merged']} made one with another")
    return "; " + ", ".join(parts) if parts else ""


def per_coder(pairs: Any) -> str:
    return ", ".join(f"{coder} {n}" for coder, n in pairs)
