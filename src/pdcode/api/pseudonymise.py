"""`pdcode pseudonymise`: the key file, and the key every export can apply.

`pseudonymise` proposes names to replace and writes them, merged with the key
already there, to the key file (and nowhere else). `open_key` reads an accepted
key for an export: the export api functions take ``key`` and pass what they are
about to write through `PseudonymKey.share`, or `PseudonymKey.refi` for a
REFI-QDA project. The project itself is only ever read.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.errors import InputError, UsageError
from pdcode.store import Project

if TYPE_CHECKING:
    from pdcode.pseudonym.apply import Pseudonymiser, Sharer
    from pdcode.pseudonym.key import KeyRow
    from pdcode.pseudonym.propose import SourceFacts
    from pdcode.refi.model import RefiProject


@dataclass(frozen=True)
class KeyReport:
    """What `pdcode pseudonymise` wrote."""

    key: Path
    rows: int
    new: int
    to_review: int  # rows whose accept is still empty
    new_by_kind: tuple[tuple[str, int], ...]


def pseudonymise(
    project: Project, key: Path, detect: bool = False, names: Path | None = None
) -> KeyReport:
    """Propose names to replace (from speakers, cases, attributes, the ``names``
    list and, with ``detect``, the transcripts' text) and write them to ``key``,
    keeping every row a key already there has, edits and all."""
    from pdcode.export.files import write_output
    from pdcode.pseudonym.key import dump_key, parse_names
    from pdcode.pseudonym.propose import propose

    existing = [row for _, row in read_key(key)] if key.exists() else []
    listed: tuple[tuple[str, str | None], ...] = ()
    if names is not None:
        listed = _parsed(names, parse_names)
    rows = propose(source_facts(project), existing, listed, detect)
    write_output(dump_key(rows), key)
    new = rows[len(existing) :]
    kinds = Counter(r.kind for r in new)
    return KeyReport(
        key=key,
        rows=len(rows),
        new=len(new),
        to_review=sum(1 for r in rows if r.accept == ""),
        new_by_kind=tuple(sorted(kinds.items())),
    )


def source_facts(project: Project) -> list[SourceFacts]:
    """Each source's name, text, case, attributes (its case's too) and turns."""
    from pdcode.pseudonym.propose import SourceFacts
    from pdcode.store.codings import source_texts
    from pdcode.store.exchange import case_attribute_rows

    texts = source_texts(project)
    turns: dict[str, list[tuple[int, str | None, bool]]] = {}
    for row in project.segment_rows("turn"):
        turns.setdefault(row["source"], []).append(
            (row["start"], row["speaker"], bool(row["is_interviewer"]))
        )
    of_case: dict[str, list[tuple[str, str]]] = {}
    for case, name, value in case_attribute_rows(project):
        of_case.setdefault(case, []).append((name, value))
    return [
        SourceFacts(
            name=s.name,
            text=texts.get(s.name, ""),
            case=s.case,
            attributes=tuple(s.attributes) + tuple(of_case.get(s.case or "", ())),
            turns=tuple(turns.get(s.name, ())),
        )
        for s in sorted(project.source_summaries(), key=lambda s: s.name)
    ]


def read_key(path: Path) -> tuple[tuple[int, KeyRow], ...]:
    """A key file's rows with their lines; a problem is one line naming the file."""
    from pdcode.pseudonym.key import parse_key

    rows: tuple[tuple[int, KeyRow], ...] = _parsed(path, parse_key)
    return rows


def _parsed(path: Path, parse: Any) -> Any:
    from pdcode.ingest.decode import read_text
    from pdcode.pseudonym.key import KeyProblem

    try:
        return parse(read_text(path))
    except KeyProblem as exc:
        raise InputError(path, str(exc)) from None


class PseudonymKey:
    """An accepted key, ready to apply to what an export writes."""

    def __init__(self, path: Path, pairs: list[tuple[str, str]]) -> None:
        from pdcode.pseudonym.apply import Pseudonymiser

        self.path = path
        self.pseudonymiser: Pseudonymiser = Pseudonymiser(pairs)
        # The salt of new GUIDs: the accepted rows, so a GUID is not traceable
        # to a name without the key (see pdcode.pseudonym.refi).
        listing = "\n".join(f"{o}\t{r}" for o, r in sorted(pairs))
        self.salt = hashlib.sha256(listing.encode("utf-8")).hexdigest()
        self._sharer: Sharer | None = None

    def share(self, project: Project) -> Sharer:
        """The walk that pseudonymises anything built from ``project``: rows with
        offsets are mapped into the pseudonymised source texts."""
        from pdcode.pseudonym.apply import Sharer
        from pdcode.store.codings import source_texts

        if self._sharer is None:
            self._sharer = Sharer(self.pseudonymiser, source_texts(project))
        return self._sharer

    def refi(self, refi: RefiProject) -> RefiProject:
        from pdcode.pseudonym.apply import Sharer
        from pdcode.pseudonym.refi import pseudonymise_refi

        return pseudonymise_refi(refi, Sharer(self.pseudonymiser), self.salt)


def open_key(key: Path | None, *outputs: Path | None) -> PseudonymKey | None:
    """The key an export was given (None: export as stored), once every row of it
    is reviewed; an export is never written over the key."""
    from pdcode.pseudonym.key import KeyProblem, accepted

    if key is None:
        return None
    for output in outputs:
        if output is not None and _same(output, key):
            raise UsageError(f"{output} is the key file: the key never goes into an export")
    rows = read_key(key)
    try:
        pairs = accepted(rows)
    except KeyProblem as exc:
        raise InputError(key, str(exc)) from None
    return PseudonymKey(key, pairs)


def sharing(project: Project, key: Path | None, *outputs: Path | None) -> Callable[[Any], Any]:
    """What an export passes everything it writes through: with no ``key``, nothing
    changes; with one, `open_key`'s checks, then `PseudonymKey.share`."""
    opened = open_key(key, *outputs)
    if opened is None:
        return _unchanged
    return opened.share(project)


def _unchanged(value: Any) -> Any:
    return value


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop (Python < 3.13)
        return False
