"""Reading a REFI-QDA project (.qdpx zip, or a bare project.qde) safely.

The file is untrusted: the zip is checked before anything is read (member
count, declared total size and compression ratio, member names that would
leave their folder), and the XML is parsed with defusedxml, which refuses DTDs
and entity declarations. Nothing is extracted to disk. Namespaces are matched
by local name, so 1.0, 0:4 and none all read.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Any

from pdcode.errors import InputError
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

SKIPPED_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")
SKIPPED_PARTS = ("Links", "Sets", "Graphs")
MAX_MEMBERS = 10_000
MAX_UNZIPPED = 2_000_000_000
MAX_RATIO = 200.0
RATIO_FLOOR = 10_000_000


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").upper()


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Any, name: str) -> Any:
    found = _children(element, name)
    return found[0] if found else None


def _open_zip(data: bytes, name: str) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(name, "not a readable .qdpx (broken zip)") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise InputError(name, f"{len(members)} files in the archive (limit {MAX_MEMBERS})")
        total = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if total > MAX_UNZIPPED or (total > RATIO_FLOOR and total / packed > MAX_RATIO):
            raise InputError(
                name, f"refused: unpacks to {total:,} bytes, {total / packed:.0f}x (a zip bomb?)"
            )
        files = {}
        for member in members:
            path = PurePosixPath(member.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
                raise InputError(name, f"refused: member {member.filename!r} leaves the archive")
            files[str(path)] = archive.read(member)
    return files


def _parse(data: bytes, name: str) -> Any:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise InputError(name, f"project.qde is not well-formed XML ({exc})") from None
    except DefusedXmlException as exc:
        raise InputError(
            name, f"refused: project.qde declares a DTD or entities ({type(exc).__name__})"
        ) from None


def _decode(data: bytes) -> str:
    """The text of a source file as stored, BOM kept (offsets may count it)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _find(files: dict[str, bytes], path: str | None) -> tuple[bytes | None, str | None]:
    """The member a plainTextPath points to (internal://, or a bare relative name)."""
    if not path:
        return None, None
    if path.startswith(("relative://", "absolute://", "file://")):
        return None, path
    target = path.removeprefix("internal://").lstrip("/").lower()
    for member, content in files.items():
        lowered = member.lower()
        if lowered == target or lowered.rsplit("/", 1)[-1] == target.rsplit("/", 1)[-1]:
            folder = lowered.rsplit("/", 1)[0] if "/" in lowered else ""
            if folder in ("", "sources") or lowered == target:
                return content, path
    return None, path


def _values(element: Any) -> tuple[Value, ...]:
    out = []
    for value in _children(element, "VariableValue"):
        ref = _child(value, "VariableRef")
        content = next((c for c in value if _local(c.tag).endswith("Value")), None)
        if ref is not None and content is not None and content.text is not None:
            out.append(Value(_guid(ref.get("targetGUID")), content.text.strip()))
    return tuple(out)


def read_project(data: bytes, name: str) -> RefiProject:
    """A .qdpx archive or a bare project.qde, as the plain model."""
    from pdcode.codebook.exchange import read_codes

    files: dict[str, bytes] = {}
    if data.startswith(b"PK"):
        files = _open_zip(data, name)
        qde = next((k for k in files if k.lower() == "project.qde"), None)
        if qde is None:
            raise InputError(name, "no project.qde in the archive")
        root = _parse(files[qde], name)
    else:
        root = _parse(data, name)
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
    tree, code_ids = read_codes(
        _child(codebook, "Codes") if codebook is not None else None, q, notes_read
    )
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
        if content is not None and content.text is not None:
            text: str | None = content.text
            path = None
        else:
            raw, path = _find(files, element.get("plainTextPath"))
            text = _decode(raw) if raw is not None else None
            if text is None:
                missing.append(element.get("name") or path or guid)
        selections = []
        for sel in _children(element, "PlainTextSelection"):
            codings = tuple(
                Coding(_guid(ref.get("targetGUID")), _guid(c.get("creatingUser")) or None)
                for c in _children(sel, "Coding")
                for ref in _children(c, "CodeRef")
            )
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
                )
            )
        whole = tuple(
            Coding(_guid(ref.get("targetGUID")), _guid(c.get("creatingUser")) or None)
            for c in _children(element, "Coding")
            for ref in _children(c, "CodeRef")
        )
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
                tuple(_guid(r.get("targetGUID")) for r in _children(element, "NoteRef")),
            )
        )
    for element in _child(root, "Notes") or []:
        if _local(element.tag) != "Note":
            continue
        content = _child(element, "PlainTextContent")
        if content is not None and content.text is not None:
            body = content.text
        else:
            raw, _path = _find(files, element.get("plainTextPath"))
            described = _child(element, "Description")
            body = (
                _decode(raw)
                if raw is not None
                else (described.text if described is not None else "") or ""
            )
        notes.append(
            Note(
                _guid(element.get("guid")),
                element.get("name") or "",
                body.strip("\ufeff"),
                _guid(element.get("creatingUser")) or None,
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
        skipped=skipped,
        missing=tuple(missing),
        code_tree=tuple(tree),
        code_ids=code_ids,
        notes_read=tuple(notes_read),
    )
