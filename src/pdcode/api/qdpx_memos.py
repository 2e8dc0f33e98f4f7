"""Memos in a REFI-QDA project, both ways: each memo is a ``Note`` that the thing it
is on names in a ``NoteRef``.

A source memo is named by its ``TextSource``, a code memo by its ``Code``, a coding
memo by its ``Coding`` (inside the selection of its span), and a project memo by
the ``Project`` itself (the schema's NoteRef for notes on the project as a whole).
The author is the Note's ``creatingUser``, the date its ``creationDateTime``, the
title its ``name``; so a memo comes back from a round trip unchanged.

Reading files from other tools, a note named by a selection belongs to that
selection's coding when it has exactly one, else to the selection's source
(pdcode has no memo on a bare span); a note nothing names is a project memo.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pdcode.store import Project

if TYPE_CHECKING:
    from pdcode.records import NewMemo
    from pdcode.refi.model import Note, RefiProject

# (source, start, end, code, coder): a coding as a REFI export names it.
CodingKey = tuple[str, int, int, str, str]
# A note's place on import: its source's name and, for a coding memo, the coding
# (start, end, code, coder) in it.
Place = tuple[str, tuple[int, int, str, str] | None]


@dataclass(frozen=True)
class ExportNotes:
    """The memos of an export as Notes, and the NoteRefs each element carries."""

    notes: tuple[Note, ...] = ()
    authors: tuple[str, ...] = ()  # of the notes, sorted: each is a User of the export
    on_source: dict[str, tuple[str, ...]] = field(default_factory=dict)
    on_code: dict[str, tuple[str, ...]] = field(default_factory=dict)
    on_coding: dict[CodingKey, tuple[str, ...]] = field(default_factory=dict)
    on_project: tuple[str, ...] = ()


def export_notes(
    project: Project, coding_ids: Collection[int], guid: Callable[[str, str], str]
) -> ExportNotes:
    """Every memo as a Note: those on codings only when their coding is exported
    (``coding_ids``). ``guid`` makes a GUID from a kind and a key, as for every
    element of the export: an author's User is ``guid("user", name)``, and the same
    memo gets the same GUID on every export (made from its target, author and
    date, numbered among equals)."""
    from pdcode.refi import model as m
    from pdcode.store import memos as store

    notes: list[m.Note] = []
    on_source: dict[str, list[str]] = {}
    on_code: dict[str, list[str]] = {}
    on_coding: dict[CodingKey, list[str]] = {}
    on_project: list[str] = []
    seen: dict[str, int] = {}
    kept = [
        memo
        for memo in store.memo_rows(project)
        if memo["kind"] != "coding" or memo["coding_id"] in coding_ids
    ]
    for memo in kept:
        kind = memo["kind"]
        coding: CodingKey = (
            memo["source"], memo["start"], memo["end"], memo["code"], memo["coder"]
        )  # fmt: skip
        target = {"project": "", "source": memo["source"], "code": memo["code"]}.get(kind)
        key = f"{kind}/{target if target is not None else coding}/{memo['author']}/"
        key += memo["created_at"]
        seen[key] = seen.get(key, 0) + 1
        note_guid = guid("note", f"{key}#{seen[key]}")
        notes.append(
            m.Note(
                note_guid,
                memo["title"] or "",
                memo["text"],
                guid("user", memo["author"]),
                created=memo["created_at"],
                modified=memo["modified_at"],
            )
        )
        if kind == "coding":
            on_coding.setdefault(coding, []).append(note_guid)
        elif kind == "code":
            on_code.setdefault(memo["code"], []).append(note_guid)
        elif kind == "source":
            on_source.setdefault(memo["source"], []).append(note_guid)
        else:
            on_project.append(note_guid)
    return ExportNotes(
        tuple(notes),
        tuple(sorted({memo["author"] for memo in kept})),
        {k: tuple(v) for k, v in on_source.items()},
        {k: tuple(v) for k, v in on_code.items()},
        {k: tuple(v) for k, v in on_coding.items()},
        tuple(on_project),
    )


def import_memos(
    refi: RefiProject, names: Mapping[str, str], placed: Mapping[str, Place]
) -> list[NewMemo]:
    """The file's notes with text as memos: on the coding or source ``placed`` says
    (from the notes named inside selections), else on the code or source naming
    them, else on the project; by their author, with their date and title."""
    from pdcode.records import NewMemo

    users = {u.guid: u.name for u in refi.users}
    source_of: dict[str, str | None] = {}  # note GUID -> the first source naming it
    for source in refi.sources:
        for guid in source.note_guids:
            source_of.setdefault(guid, names.get(source.guid))
    memos = []
    for note in refi.notes:
        text = note.text.strip()
        if not text:
            continue
        on_source: str | None = None
        code: str | None = None
        coding = None
        if note.guid in placed:
            on_source, coding = placed[note.guid]
        elif note.code_guid is not None and note.code_guid in refi.code_ids:
            code = refi.code_ids[note.code_guid]
        else:
            on_source = source_of.get(note.guid)
        memos.append(
            NewMemo(
                users.get(note.user_guid or "", "unknown"),
                text,
                note.name or None,
                on_source,
                code,
                coding,
                note.created,
                note.modified,
            )
        )
    return memos
