"""`pdcode codes`: rename, merge, move and retire the codes of a stored codebook, list
them, and show the codebook's history (its sentences and the orphan check of the
verbs that load a codebook are in ``codes_history``).

A verb edits the newest stored load of one codebook (``--codebook NAME`` where the
project has several) and, with ``--file``, the YAML file named, nothing else. The
edited YAML is stored as a new load of the same name and version, and every coding,
review decision, memo and retired mark moves with it in one transaction, with a
history row saying who changed what and when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.api.codes_history import (
    HistoryEntry,
    describe,
    entries,
    per_coder,
    person,
)
from pdcode.codebook import edit
from pdcode.errors import CodebookError, InputError, ProjectError, UsageError
from pdcode.store import Project
from pdcode.store import codebook_edits as edits
from pdcode.store import codebook_history as history_store
from pdcode.store import codebook_state as state

if TYPE_CHECKING:
    from pdcode.codebook import Codebook


@dataclass(frozen=True)
class CodesChange:
    action: str
    codebook: str
    version: str
    summary: str  # one sentence: what changed (or would, on a dry run)
    codings: tuple[tuple[str, int], ...]  # per coder: codings given another code
    duplicates: tuple[tuple[str, int], ...]  # per coder: exact duplicates removed
    reviews: int
    reviews_merged: int
    dry_run: bool
    file: str | None  # the YAML file written (or that would be)
    warnings: tuple[str, ...] = ()


# -- the verbs ------------------------------------------------------------------------


def rename_code(
    project: Project,
    old: str,
    new: str,
    name: str | None = None,
    *,
    codebook: str | None = None,
    file: Path | None = None,
    by: str | None = None,
    dry_run: bool = False,
) -> CodesChange:
    """Give code ``old`` the id ``new`` (and, with ``name``, a new name) everywhere."""
    return _change(project, edit.Rename(old, new, name), codebook, file, by, dry_run)


def merge_codes(
    project: Project,
    codes: list[str],
    into: str,
    name: str | None = None,
    *,
    codebook: str | None = None,
    file: Path | None = None,
    by: str | None = None,
    dry_run: bool = False,
) -> CodesChange:
    """Merge ``codes`` into ``into`` (one of them, another code, or a new one named
    ``name``); a coder's codings that become the same are kept once."""
    change = edit.Merge(tuple(dict.fromkeys(codes)), into, name)
    return _change(project, change, codebook, file, by, dry_run)


def move_code(
    project: Project,
    code: str,
    parent: str | None,
    *,
    codebook: str | None = None,
    file: Path | None = None,
    by: str | None = None,
    dry_run: bool = False,
) -> CodesChange:
    """Put ``code`` (with the codes under it) under ``parent``, or at the top level."""
    return _change(project, edit.Move(code, parent or None), codebook, file, by, dry_run)


def retire_code(
    project: Project,
    code: str,
    undo: bool = False,
    *,
    codebook: str | None = None,
    file: Path | None = None,
    by: str | None = None,
    dry_run: bool = False,
) -> CodesChange:
    """Retire ``code`` and the codes under it (or, with ``undo``, bring them back):
    their codings stay; ``pdcode code`` no longer applies their rules."""
    book = _stored_book(project, codebook)[1]
    edit.check(book, edit.Retire((code,)))
    codes = edit.subtree(book, code)
    retired = history_store.retired(project, book.name)
    if not [c for c in codes if (c in retired) == undo]:
        raise CodebookError(f"{code} is {'not retired' if undo else 'retired already'}")
    return _change(project, edit.Retire(codes, undo), codebook, file, by, dry_run)


def list_codes(project: Project, codebook: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The newest load's codes (code, name, parent, group, retired, codings), in book
    order, with ``NAME@VERSION``."""
    stored, _book = _stored_book(project, codebook)
    rows = state.load_codes(project, stored.id)
    retired = history_store.retired(project, stored.name)
    counts: dict[str, int] = {}
    for code, _coder, n in state.coding_counts(project, [r.code for r in rows]):
        counts[code] = counts.get(code, 0) + n
    found = [
        {
            "code": r.code,
            "name": r.name,
            "parent": r.parent,
            "group": r.is_group,
            "retired": r.code in retired,
            "codings": counts.get(r.code, 0),
        }
        for r in rows
    ]
    return f"{stored.name}@{stored.version}", found


def history(project: Project, codebook: str | None = None) -> list[HistoryEntry]:
    """Every change to the codes of one codebook (or of all), oldest first."""
    if codebook is not None:
        _book_name(project, codebook)
    return entries(project, codebook)


def retired_codes(project: Project, codebook: str) -> set[str]:
    return history_store.retired(project, codebook)


# -- one change -----------------------------------------------------------------------


def _change(
    project: Project,
    change: edit.Change,
    codebook: str | None = None,
    file: Path | None = None,
    by: str | None = None,
    dry_run: bool = False,
) -> CodesChange:
    from pdcode.api.coding import stored_codes
    from pdcode.codebook.validate import load_codebook_text

    who = person(by)
    stored, book = _stored_book(project, codebook)
    edit.check(book, change)
    recode = edit.recodes(change)
    _check_ids(project, book, change, recode)
    label = f"stored codebook {stored.name}@{stored.version}"
    edited = edit.edit_text(stored.content, change, label, _strict(stored.content, label))
    written = _edit_file(file, book.name, change) if file is not None else None
    new_book = load_codebook_text(edited.text, label, require_rules=False)
    warnings = list(edited.notes)
    for model, codes in state.models_knowing(project, list(recode)):
        warnings.append(
            f"model {model} was learned with {', '.join(codes)}: its suggestions keep the "
            "old id until it is learned again (pdcode learn)"
        )
    retire = change.codes if isinstance(change, edit.Retire) and not change.undo else ()
    restore = change.codes if isinstance(change, edit.Retire) and change.undo else ()
    plan = edits.CodeEdit(
        base_id=stored.id,
        name=stored.name,
        version=stored.version,
        content_hash=_sha256(edited.text),
        content=edited.text,
        codes=tuple(stored_codes(new_book)),
        rows=lambda rows: edit.edit_rows(rows, change),
        action=_ACTIONS[type(change)] if not restore else "restore",
        who=who,
        details=_details(change, book),
        recode=recode,
        retire=retire,
        restore=restore,
    )
    counts = _apply(project, plan, dry_run, file, written)
    summary = _summary(plan.action, plan.details, counts, dry_run)
    return CodesChange(
        action=plan.action,
        codebook=stored.name,
        version=stored.version,
        summary=summary,
        codings=counts.codings,
        duplicates=counts.duplicates,
        reviews=counts.reviews,
        reviews_merged=counts.reviews_merged,
        dry_run=dry_run,
        file=None if file is None else str(file),
        warnings=tuple(warnings),
    )


_ACTIONS = {edit.Rename: "rename", edit.Merge: "merge", edit.Move: "move", edit.Retire: "retire"}


def _apply(
    project: Project,
    plan: edits.CodeEdit,
    dry_run: bool,
    file: Path | None,
    written: tuple[bytes, str] | None,
) -> edits.EditCounts:
    """The change in one transaction; the file is written just before it commits,
    and put back as it was if the commit fails."""
    from pdcode.export.files import write_output

    done: list[bool] = []

    def write() -> None:
        if file is not None and written is not None:
            write_output(written[1], file)
            done.append(True)

    try:
        return edits.apply_edit(project, plan, dry_run=dry_run, before_commit=write)
    except BaseException:
        if done and file is not None and written is not None:
            write_output(written[0], file)
        raise


def _edit_file(file: Path, name: str, change: edit.Change) -> tuple[bytes, str]:
    """The file's bytes as they are, and its text with ``change`` made: refused unless
    it is a codebook of the same name with the codes the change names."""
    from pdcode.codebook.validate import load_codebook_text
    from pdcode.ingest.regular import read_regular

    data = read_regular(file)  # a regular file only, never a FIFO
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(file, "not UTF-8 text") from None
    book = load_codebook_text(text, str(file), require_rules=False)
    if book.name != name:
        raise CodebookError(f"{file} holds codebook {book.name}, not {name}; name its file")
    edit.check(book, change)
    return data, edit.edit_text(text, change, str(file), _strict(text, str(file))).text


def _strict(text: str, label: str) -> bool:
    """Whether the book passes a rules run's checks: then so must the edited one."""
    from pdcode.codebook.validate import load_codebook_text

    try:
        load_codebook_text(text, label, require_rules=True)
    except CodebookError:
        return False
    return True


def _check_ids(
    project: Project, book: Codebook, change: edit.Change, recode: dict[str, str]
) -> None:
    """Code ids are one code project-wide (a person's codings name no codebook): an id
    another codebook also has cannot change in one alone, and a new id must be free."""
    from pdcode.codebook import iter_codes

    books = state.code_books(project)
    for old in recode:
        others = sorted(books.get(old, set()) - {book.name})
        if others:
            raise CodebookError(
                f"{old} is also a code of {', '.join(others)}: codings do not say which "
                "codebook they are of, so it cannot change in one alone"
            )
    new = change.new if isinstance(change, edit.Rename) else None
    if isinstance(change, edit.Merge) and change.into not in {c.id for c, _ in iter_codes(book)}:
        new = change.into
    if new is None:
        return
    if books.get(new):
        raise CodebookError(
            f"{new} is a code of {', '.join(sorted(books[new]))} already (in an older load "
            "or another codebook): merge into it instead"
        )
    used = state.coding_counts(project, [new])
    if used:
        coders = per_coder((coder, n) for _code, coder, n in used)
        raise CodebookError(f"codings already use the id {new} ({coders}): merge into it instead")


def _stored_book(project: Project, codebook: str | None) -> tuple[state.StoredBook, Codebook]:
    from pdcode.codebook.validate import load_codebook_text

    name = _book_name(project, codebook)
    stored = state.latest(project, name)
    assert stored is not None  # _book_name found it
    label = f"stored codebook {stored.name}@{stored.version}"
    return stored, load_codebook_text(stored.content, label, require_rules=False)


def _book_name(project: Project, codebook: str | None) -> str:
    names = state.codebook_names(project)
    if not names:
        raise ProjectError(
            "the project has no codebook yet: load one with pdcode code --codebook FILE "
            "or pdcode codings import --codebook FILE"
        )
    if codebook is None:
        if len(names) > 1:
            raise UsageError(
                f"the project has several codebooks ({', '.join(names)}): name one with --codebook"
            )
        return names[0]
    if codebook not in names:
        near = get_close_matches(codebook, names, n=3, cutoff=0.5) or names
        raise UsageError(f"no codebook {codebook!r} in the project (choose from {', '.join(near)})")
    return codebook


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- what the history says ------------------------------------------------------------


def _details(change: edit.Change, book: Codebook) -> dict[str, Any]:
    from pdcode.codebook import iter_codes

    parents = {c.id: p for c, p in iter_codes(book)}
    if isinstance(change, edit.Rename):
        return {"from": change.old, "to": change.new, "name": change.name}
    if isinstance(change, edit.Merge):
        new = change.into not in parents
        return {"codes": list(change.codes), "into": change.into, "new": new, "name": change.name}
    if isinstance(change, edit.Move):
        return {"code": change.code, "from": parents[change.code], "to": change.parent}
    return {"codes": list(change.codes)}


def _summary(action: str, details: Mapping[str, Any], counts: edits.EditCounts, dry: bool) -> str:
    row = {
        "action": action,
        "details": {
            **details,
            "codings": dict(counts.codings),
            "duplicates": dict(counts.duplicates),
            "reviews": counts.reviews,
            "reviews_merged": counts.reviews_merged,
            "changed": list(counts.changed),
        },
    }
    said = describe(row)
    if dry:
        return f"Dry run, nothing written: would have {said}."
    return said[0].upper() + said[1:] + "."
