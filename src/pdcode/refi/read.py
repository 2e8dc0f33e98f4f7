"""Reading a REFI-QDA project (.qdpx zip, or a bare project.qde) safely.

The file is untrusted: the zip goes through pdcode's one guard
(``pdcode.ingest.guard``): member count, declared sizes and compression ratio,
member names that would leave their folder, then every byte unpacked and every
XML element counted against ``pdcode.limits``; any DTD is refused, so no entity
is ever resolved. Only ``project.qde`` and the source and note files it names
are unpacked, each source within ``source_chars`` characters. Nothing is
extracted to disk. Namespaces are matched by local name, so 1.0, 0:4 and none
all read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pdcode.errors import InputError
from pdcode.limits import Limits, over
from pdcode.refi.model import (
    Case,
    Coding,
    Note,
    RefiProject,
    Selection,
    Source,
    User,
    Value,
    Variable,
)

if TYPE_CHECKING:
    from pdcode.ingest.guard import Archive

SKIPPED_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")
SKIPPED_PARTS = ("Links", "Sets", "Graphs")
KIND = "a REFI-QDA project"


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").upper()


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Any, name: str) -> Any:
    found = _children(element, name)
    return found[0] if found else None


def _decode(data: bytes) -> str:
    """The text of a source file as stored, BOM kept (offsets may count it)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class _Files:
    """The archive's members as ``plainTextPath`` values name them, read on demand
    within the limits (a source is refused past ``source_chars`` characters)."""

    def __init__(self, archive: Archive | None, name: str, limits: Limits) -> None:
        self.archive, self.name, self.limits = archive, name, limits
        self.exact: dict[str, str] = {}  # lower-cased path -> member
        self.bare: dict[str, str] = {}  # lower-cased file name at the top or in sources/
        for member in archive.members if archive is not None else ():
            lowered = member.lower()
            self.exact.setdefault(lowered, member)
            folder, _, base = lowered.rpartition("/")
            if folder in ("", "sources"):
                self.bare.setdefault(base, member)

    def find(self, path: str | None) -> tuple[str | None, str | None]:
        """The member a plainTextPath points to (internal://, or a bare relative name)."""
        if not path:
            return None, None
        if path.startswith(("relative://", "absolute://", "file://")):
            return None, path
        target = path.removeprefix("internal://").lstrip("/").lower()
        found = [m for m in (self.exact.get(target), self.bare.get(target.rsplit("/", 1)[-1])) if m]
        if not found or self.archive is None:
            return None, path
        # The first in the archive's order, as a scan of its members would meet it.
        order = list(self.archive.members)
        return min(found, key=order.index) if len(found) > 1 else found[0], path

    def text(self, member: str, label: str) -> str:
        """A member's text, refused when it holds more than ``source_chars`` characters."""
        assert self.archive is not None
        limit = self.limits.source_chars
        # No encoding pdcode reads spends more than 4 bytes on a character (+ a BOM).
        raw = self.archive.read(member, cap=4 * limit + 4)
        text = _decode(raw) if raw is not None else None
        if text is None or len(text) > limit:
            raise InputError(self.name, over(label, limit, "characters", "source_chars"))
        return text


def _depth(tree: list[dict[str, Any]]) -> int:
    """How many levels a code tree has (counted without recursion)."""
    deepest, stack = 0, [(code, 1) for code in tree]
    while stack:
        code, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in code.get("children") or [])
    return deepest


def _bounded(text: str, label: str, name: str, limits: Limits) -> str:
    if len(text) > limits.source_chars:
        raise InputError(name, over(label, limits.source_chars, "characters", "source_chars"))
    return text


def _values(element: Any) -> tuple[Value, ...]:
    out = []
    for value in _children(element, "VariableValue"):
        ref = _child(value, "VariableRef")
        content = next((c for c in value if _local(c.tag).endswith("Value")), None)
        if ref is not None and content is not None and content.text is not None:
            out.append(Value(_guid(ref.get("targetGUID")), content.text.strip()))
    return tuple(out)


def _note_refs(element: Any) -> tuple[str, ...]:
    """The notes an element names in its NoteRef children."""
    return tuple(_guid(r.get("targetGUID")) for r in _children(element, "NoteRef"))


def _codings(element: Any) -> tuple[Coding, ...]:
    """The codings an element (a selection, or a whole source) holds, each with the
    notes on it."""
    return tuple(
        Coding(_guid(ref.get("targetGUID")), _guid(c.get("creatingUser")) or None, _note_refs(c))
        for c in _children(element, "Coding")
        for ref in _children(c, "CodeRef")
    )


def _when(value: str | None) -> str | None:
    """An xsd:dateTime as pdcode stores dates (UTC, to the second, ``Z``); None when
    absent or unreadable. A time without a zone is taken as UTC."""
    from datetime import UTC, datetime

    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return None


def _code_notes(codes: Any) -> dict[str, str]:
    """Note GUID -> the GUID of the first code (at any depth) naming it."""
    found: dict[str, str] = {}
    if codes is None:
        return found
    for element in codes.iter():  # iterative: no recursion however deep the tree
        if _local(element.tag) == "Code":
            for note in _note_refs(element):
                found.setdefault(note, _guid(element.get("guid")))
    return found


def read_project(data: bytes, name: str, limits: Limits | None = None) -> RefiProject:
    """A .qdpx archive or a bare project.qde, as the plain model."""
    from pdcode.codebook.exchange import read_codes
    from pdcode.ingest.guard import Archive, parse_xml

    limits = limits or Limits.from_env()
    if data.startswith(b"PK"):
        archive = Archive(data, name, KIND, limits, declared_total=False, safe_names=True)
        with archive:
            return _project(archive, name, limits, read_codes)
    root = parse_xml(data, name, "project.qde", limits)
    return _project(None, name, limits, read_codes, root)


def _project(
    archive: Archive | None, name: str, limits: Limits, read_codes: Any, root: Any = None
) -> RefiProject:
    files = _Files(archive, name, limits)
    if archive is not None:
        qde = archive.find("project.qde")
        if qde is None:
            raise InputError(name, "no project.qde in the archive")
        root = archive.parse(qde)
    if _local(root.tag) != "Project":
        raise InputError(name, "the root element is not a REFI-QDA Project")
    notes_read: list[str] = []
    skipped: dict[str, int] = {}
    users = tuple(
        User(_guid(u.get("guid")), u.get("name") or u.get("id") or _guid(u.get("guid")))
        for u in _children(_child(root, "Users") or [], "User")
    )
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    codebook = _child(root, "CodeBook")
    codes = _child(codebook, "Codes") if codebook is not None else None
    tree, code_ids = read_codes(codes, q, notes_read)  # XML nesting is bounded: no deep recursion
    # Nested Codes, or ATLAS.ti's flat "a::b::c" names rebuilt into a tree.
    if _depth(tree) > limits.code_depth:
        raise InputError(name, over("the code tree", limits.code_depth, "levels", "code_depth"))
    variables = tuple(
        Variable(_guid(v.get("guid")), v.get("name") or "", v.get("typeOfVariable") or "Text")
        for v in _children(_child(root, "Variables") or [], "Variable")
    )
    cases = tuple(
        Case(
            _guid(c.get("guid")),
            c.get("name") or _guid(c.get("guid")),
            tuple(_guid(r.get("targetGUID")) for r in _children(c, "SourceRef")),
            _values(c),
        )
        for c in _children(_child(root, "Cases") or [], "Case")
    )
    sources, missing, notes = [], [], []
    for element in _child(root, "Sources") or []:
        kind = _local(element.tag)
        if kind != "TextSource":
            skipped[kind] = skipped.get(kind, 0) + 1
            continue
        guid = _guid(element.get("guid"))
        content = _child(element, "PlainTextContent")
        label = f"source {element.get('name') or guid!r}"
        if content is not None and content.text is not None:
            text: str | None = _bounded(content.text, label, name, limits)
            path = None
        else:
            member, path = files.find(element.get("plainTextPath"))
            text = files.text(member, label) if member is not None else None
            if text is None:
                missing.append(element.get("name") or path or guid)
        selections = []
        for sel in _children(element, "PlainTextSelection"):
            codings = _codings(sel)
            try:
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            except (TypeError, ValueError):
                raise InputError(name, f"a selection in {guid} has no valid positions") from None
            selections.append(
                Selection(
                    _guid(sel.get("guid")),
                    start,
                    end,
                    sel.get("name") or "",
                    codings,
                    _guid(sel.get("creatingUser")) or None,
                    _note_refs(sel),
                )
            )
        whole = _codings(element)
        if whole and text is not None:  # codes on the whole source
            selections.append(Selection(f"{guid}-whole", 0, -1, "", whole))
        stem = (element.get("plainTextPath") or "").rsplit("/", 1)[-1] or None
        sources.append(
            Source(
                guid,
                element.get("name") or stem or guid,
                text,
                path,
                tuple(selections),
                _values(element),
                _note_refs(element),
            )
        )
    on_code = _code_notes(codes)
    for element in _child(root, "Notes") or []:
        if _local(element.tag) != "Note":
            continue
        content = _child(element, "PlainTextContent")
        label = f"note {element.get('name') or _guid(element.get('guid'))!r}"
        if content is not None and content.text is not None:
            body = _bounded(content.text, label, name, limits)
        else:
            member, _path = files.find(element.get("plainTextPath"))
            described = _child(element, "Description")
            body = (
                files.text(member, label)
                if member is not None
                else (described.text if described is not None else "") or ""
            )
        notes.append(
            Note(
                _guid(element.get("guid")),
                element.get("name") or "",
                body.strip("\ufeff"),
                _guid(element.get("creatingUser")) or None,
                code_guid=on_code.get(_guid(element.get("guid"))),
                created=_when(element.get("creationDateTime")),
                modified=_when(element.get("modifiedDateTime")),
            )
        )
    for part in SKIPPED_PARTS:
        holder = _child(root, part)
        if holder is not None and len(holder):
            skipped[part] = len(holder)
    return RefiProject(
        name=root.get("name") or name,
        users=users,
        variables=variables,
        cases=cases,
        sources=tuple(sources),
        notes=tuple(notes),
        note_guids=_note_refs(root),
        skipped=skipped,
        missing=tuple(missing),
        code_tree=tuple(tree),
        code_ids=code_ids,
        notes_read=tuple(notes_read),
    )
