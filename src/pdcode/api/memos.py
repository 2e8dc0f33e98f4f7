"""`pdcode memo add|list|show|edit|delete`: memos as first-class records.

A memo is a person's note on the whole project, on one source, on a code or on one
coding, authored (a person, stored as a bare NAME as codings store people) and
dated when written. An edit replaces the text (and, if given, the title) and keeps
the author and the date: the schema has no column for an edit date.

Anyone running the CLI may edit or delete any memo, whoever wrote it: the CLI
works on the project file (or database) directly, where any SQL tool could do the
same, so a check here would be friction without protection. The workbench, where a
team's coders are told apart by their tokens, only ever adds memos.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pdcode.api.workbench import MEMO_LIMIT
from pdcode.errors import InputError, UsageError
from pdcode.store import Project
from pdcode.store import memos as store

KINDS = store.KINDS
FORMATS = ("csv", "json")
COLUMNS = (
    "id", "kind", "source", "code", "coding_id", "start", "end", "coder",
    "author", "created_at", "modified_at", "title", "text",
)  # fmt: skip
TITLE_LIMIT = 1024  # the column's width


@dataclass(frozen=True)
class Memo:
    """One memo with its target: ``source`` for source and coding memos, ``code``
    for code memos and (the coding's code) coding memos, and a coding memo's
    coding: id, span and coder."""

    id: int
    kind: str
    author: str
    created_at: str
    text: str
    modified_at: str | None = None  # its last edit's date; None if never edited
    title: str | None = None
    source: str | None = None
    code: str | None = None
    coding_id: int | None = None
    start: int | None = None
    end: int | None = None
    coder: str | None = None

    @property
    def target(self) -> str:
        """What the memo is on, in words."""
        if self.kind == "coding":
            return f"coding {self.coding_id} ({self.code}, {self.source} {self.start}-{self.end})"
        if self.kind == "code":
            return f"code {self.code}"
        if self.kind == "source":
            return f"source {self.source}"
        return "the project"

    def row(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in COLUMNS}


def _memo(row: dict[str, Any]) -> Memo:
    return Memo(**{k: row[k] for k in Memo.__dataclass_fields__})


def author_name(name: str | None) -> str:
    """The memo's author: ``name`` as pdcode stores a person (``human:ana`` is
    ``ana``), else the login name of whoever runs pdcode, as the review verbs do."""
    from pdcode.api.coders import coder_name

    if name is None:
        import getpass

        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name in the environment (some containers)
            name = ""
        if not name.strip():
            raise UsageError("cannot tell who you are: give --coder NAME")
    return coder_name(name)


def memo_text(text: str | None, file: Path | None) -> str:
    """The memo's text from ``--text`` or a UTF-8 ``--file`` (exactly one), in the
    form every text in pdcode takes (NFC, LF line ends, no control characters but
    tab and LF), without surrounding blank space."""
    from pdcode.ingest.decode import normalise
    from pdcode.ingest.regular import read_regular

    if (text is None) == (file is None):
        raise UsageError("give the memo's text with --text TEXT or --file FILE (one of them)")
    if file is not None:
        if not file.exists():
            raise InputError(file, "no such file")
        # A character takes at most 4 bytes of UTF-8: anything larger is over the limit.
        data = read_regular(file, max_bytes=4 * MEMO_LIMIT + 3)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(file, f"not UTF-8 text (byte {exc.start})") from None
    assert text is not None
    found = normalise(text, counted=False).strip()
    if not found:
        raise UsageError("a memo needs some text")
    if len(found) > MEMO_LIMIT:
        raise UsageError(f"a memo holds at most {MEMO_LIMIT:,} characters")
    return found


def _title(title: str | None) -> str | None:
    if title is None:
        return None
    found = " ".join(title.split())
    if len(found) > TITLE_LIMIT:
        raise UsageError(f"a memo's title holds at most {TITLE_LIMIT:,} characters")
    return found or None


def _unknown(what: str, value: object, option: str, choices: Sequence[str]) -> UsageError:
    """A usage error naming the values ``option`` could take: all of a few, else
    the nearest to ``value``."""
    if not choices:
        return UsageError(f"unknown {what} {value!r} for {option}: the project has none")
    if len(choices) <= 8:
        listed = ", ".join(choices)
        return UsageError(f"unknown {what} {value!r} for {option} (choose from {listed})")
    near = difflib.get_close_matches(str(value), list(choices), n=5, cutoff=0.4)
    hint = f"nearest: {', '.join(near)}" if near else f"{len(choices)} in the project"
    return UsageError(f"unknown {what} {value!r} for {option} ({hint})")


def resolve_source(project: Project, source: str, option: str = "--source") -> str:
    from pdcode.store.codings import source_names

    names = source_names(project)
    if source not in names:
        raise _unknown("source", source, option, names)
    return source


def resolve_code(project: Project, code: str, option: str = "--code") -> str:
    """The id of the code ``code`` names (its id, or its id or name in any case):
    any code of a stored codebook, groups too (a memo on a theme is common), or a
    code that has codings."""
    from pdcode.store.frames import coded_codes
    from pdcode.store.workbench import code_rows

    names: dict[str, str] = {}
    for row in code_rows(project):
        names.setdefault(row["code"], row["name"])
    for coded in coded_codes(project):
        names.setdefault(coded, coded)
    if code in names:
        return code
    wanted = code.strip().casefold()
    found = sorted({c for c, n in names.items() if wanted in (c.casefold(), n.casefold())})
    if len(found) == 1:
        return found[0]
    if found:
        raise UsageError(f"{option} {code!r} names more than one code ({', '.join(found)})")
    raise _unknown("code", code, option, sorted(names))


def _check_coding(project: Project, coding_id: int) -> int:
    if not store.coding_exists(project, coding_id):
        near = [str(i) for i in store.nearest_ids(project, "codings", coding_id)]
        hint = f"nearest: {', '.join(near)}" if near else "the project has no codings"
        raise UsageError(f"unknown coding {coding_id} for --coding ({hint})")
    return coding_id


def add(
    project: Project,
    text: str,
    author: str,
    source: str | None = None,
    code: str | None = None,
    coding: int | None = None,
    whole_project: bool = False,
    title: str | None = None,
) -> Memo:
    """Add one memo on exactly one target: a source, a code, a coding or the
    whole project. ``text`` and ``author`` as ``memo_text`` and ``author_name``
    give them."""
    targets = [t for t in (source, code, coding) if t is not None] + ([1] if whole_project else [])
    if len(targets) != 1:
        raise UsageError(
            "a memo is on exactly one of --source S, --code C, --coding ID or --whole-project"
        )
    if source is not None:
        source = resolve_source(project, source)
    if code is not None:
        code = resolve_code(project, code)
    if coding is not None:
        _check_coding(project, coding)
    memo_id = store.add_memo(project, author, text, source, coding, _title(title), code)
    return show(project, memo_id)


def memos(
    project: Project,
    source: str | None = None,
    code: str | None = None,
    author: str | None = None,
    kind: str | None = None,
) -> list[Memo]:
    """The memos, oldest first (then by id): all, or those on ``source`` (and its
    codings), on ``code`` (and its codings), by ``author``, of one ``kind``."""
    if kind is not None and kind not in KINDS:
        raise UsageError(f"unknown --kind {kind!r} (choose from {', '.join(KINDS)})")
    if source is not None:
        source = resolve_source(project, source)
    if code is not None:
        code = resolve_code(project, code)
    if author is not None:
        author = author_name(author)
        known = store.authors(project)
        if author not in known:
            raise _unknown("author", author, "--coder", known)
    rows = store.memo_rows(project, source=source, code=code, author=author)
    return [_memo(r) for r in rows if kind is None or r["kind"] == kind]


def show(project: Project, memo_id: int) -> Memo:
    """One memo by its id."""
    rows = store.memo_rows(project, memo_id=memo_id)
    if not rows:
        near = [str(i) for i in store.nearest_ids(project, "memos", memo_id)]
        hint = f"nearest: {', '.join(near)}" if near else "the project has no memos"
        raise UsageError(f"unknown memo {memo_id} ({hint}; pdcode memo list shows them)")
    return _memo(rows[0])


def edit(project: Project, memo_id: int, text: str, title: str | None = None) -> Memo:
    """Replace a memo's text (and its title, when ``title`` is given; an empty one
    removes it), dated in ``modified_at``; its author, target and creation date stay."""
    show(project, memo_id)
    store.edit_memo(project, memo_id, text, _title(title), keep_title=title is None)
    return show(project, memo_id)


def delete(project: Project, memo_id: int) -> Memo:
    """Delete a memo; return it as it was."""
    gone = show(project, memo_id)
    store.delete_memo(project, memo_id)
    return gone


def dump(found: Sequence[Memo], fmt: str, raw_csv: bool = False) -> str:
    """Memos as csv or json (every column, the text in full)."""
    from pdcode.api.formats import check_format
    from pdcode.export.tables import render

    check_format(fmt, FORMATS, None)
    return render([m.row() for m in found], COLUMNS, fmt, raw_csv)


def by_code(found: Sequence[Memo]) -> dict[str, list[Memo]]:
    """Code memos by their code, oldest first."""
    out: dict[str, list[Memo]] = {}
    for memo in found:
        if memo.kind == "code" and memo.code is not None:
            out.setdefault(memo.code, []).append(memo)
    return out


def by_coding(found: Sequence[Memo]) -> dict[int, list[Memo]]:
    """Coding memos by their coding's id, oldest first."""
    out: dict[int, list[Memo]] = {}
    for memo in found:
        if memo.kind == "coding" and memo.coding_id is not None:
            out.setdefault(memo.coding_id, []).append(memo)
    return out
