"""What a REFI-QDA project holds, as far as pdcode carries it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class User:
    guid: str
    name: str


@dataclass(frozen=True)
class Code:
    guid: str
    name: str
    codable: bool = True
    colour: str | None = None
    description: str = ""
    children: tuple[Code, ...] = ()
    note_guids: tuple[str, ...] = ()  # written only: the reader sets Note.code_guid


@dataclass(frozen=True)
class Coding:
    code_guid: str
    user_guid: str | None
    note_guids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    guid: str
    start: int  # as the producer counted (see pdcode.refi.offsets)
    end: int
    name: str = ""
    codings: tuple[Coding, ...] = ()
    user_guid: str | None = None
    note_guids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Value:
    variable_guid: str
    value: str


@dataclass(frozen=True)
class Source:
    guid: str
    name: str
    text: str | None  # None when the file it points to is absent
    path: str | None = None
    selections: tuple[Selection, ...] = ()
    values: tuple[Value, ...] = ()
    note_guids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variable:
    guid: str
    name: str
    kind: str = "Text"


@dataclass(frozen=True)
class Case:
    guid: str
    name: str
    source_guids: tuple[str, ...] = ()
    values: tuple[Value, ...] = ()


@dataclass(frozen=True)
class Note:
    guid: str
    name: str
    text: str
    user_guid: str | None = None
    source_guid: str | None = None  # the source it is attached to, if any
    code_guid: str | None = None  # read only: the first code naming it in a NoteRef
    created: str | None = None  # creationDateTime as pdcode dates: 2024-05-01T09:30:00Z
    modified: str | None = None  # modifiedDateTime, the same way


@dataclass(frozen=True)
class RefiProject:
    name: str
    users: tuple[User, ...] = ()
    codes: tuple[Code, ...] = ()
    variables: tuple[Variable, ...] = ()
    cases: tuple[Case, ...] = ()
    sources: tuple[Source, ...] = ()
    notes: tuple[Note, ...] = ()
    note_guids: tuple[str, ...] = ()  # notes on the project as a whole (its NoteRefs)
    # What pdcode does not hold, counted by kind ("PictureSource": 1, ...).
    skipped: dict[str, int] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # source files referenced but absent
    # Read side only: the code tree as pdcode codebook data, and GUID -> code id.
    code_tree: tuple[dict[str, Any], ...] = ()
    code_ids: dict[str, str] = field(default_factory=dict)
    notes_read: tuple[str, ...] = ()  # what the reader says about the file


def walk(codes: tuple[Code, ...], parent: Code | None = None) -> list[tuple[Code, Code | None]]:
    """Every code with its parent, depth first."""
    out: list[tuple[Code, Code | None]] = []
    for code in codes:
        out.append((code, parent))
        out += walk(code.children, code)
    return out
