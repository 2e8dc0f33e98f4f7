"""A REFI-QDA project pseudonymised: texts, names, values, notes and GUIDs.

Each source's text is replaced and its selections' positions mapped into the new
text (pdcode writes code points of its own texts, so they need nothing else).
Every other string (source, case, code, user and variable names, values, notes)
is replaced like any text.

pdcode derives GUIDs from names (``source/s3_oakfield_head.docx``), so a GUID
would let anyone holding a guessed name confirm it. In a pseudonymised project
every GUID is made again from the old one and a salt the api derives from the
key's accepted rows: still the same for the same project and key, but not
traceable to a name without the key. References between parts stay consistent
because every GUID field is changed the same way.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from pdcode.pseudonym.apply import Sharer
from pdcode.refi.model import RefiProject, Selection, Source

NAMESPACE = uuid.UUID("b13da39e-9986-52cf-b977-59febb7e92bf")


class _Walk:
    def __init__(self, sharer: Sharer, salt: str) -> None:
        self.sharer = sharer
        self.salt = salt

    def guid(self, old: str | None) -> str | None:
        if not old:
            return old
        return str(uuid.uuid5(NAMESPACE, f"{self.salt}/{old}")).upper()

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.sharer(value)
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if isinstance(value, Source):
            return self._source(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(value, **self._fields(value))
        return value  # numbers, flags, and the read side's dictionaries (empty here)

    def _fields(self, value: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            if not f.init or f.name in skip:
                continue
            old = getattr(value, f.name)
            if f.name == "guid" or f.name.endswith("_guid"):
                out[f.name] = self.guid(old)
            elif f.name.endswith("_guids"):
                out[f.name] = tuple(self.guid(g) for g in old)
            else:
                out[f.name] = self(old)
        return out

    def _source(self, source: Source) -> Source:
        fields = self._fields(source, skip=("text", "selections"))
        if source.text is None:
            selections = tuple(self(s) for s in source.selections)
            return dataclasses.replace(source, selections=selections, **fields)
        mapped = self.sharer.pseudonymiser.replace(source.text)
        selections = tuple(
            dataclasses.replace(self(s), start=mapped.start(s.start), end=mapped.end(s.end))
            for s in source.selections
            if isinstance(s, Selection)
        )
        return dataclasses.replace(source, text=mapped.text, selections=selections, **fields)


def pseudonymise_refi(project: RefiProject, sharer: Sharer, salt: str) -> RefiProject:
    """``project`` with every name replaced, positions mapped and GUIDs made anew;
    sources and cases in the order of their new names."""
    walked: RefiProject = _Walk(sharer, salt)(project)
    return dataclasses.replace(
        walked,
        sources=tuple(sorted(walked.sources, key=lambda s: s.name)),
        cases=tuple(sorted(walked.cases, key=lambda c: c.name)),
    )
