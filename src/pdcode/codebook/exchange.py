"""Codebooks in and out of other tools: REFI-QDA .qdc, CSV, Markdown and Word.

GUIDs are uuid5 of ``codebook name/code id`` in a fixed namespace, so the same
code keeps its GUID across exports. The definition, include, exclude and
examples travel in the REFI Description, with a ``pdcode id:`` line so a round
trip keeps ids. Imported codes have no rules (other tools have none): such a
codebook serves human coding at once and auto-coding once rules are added.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

from pdcode.codebook.model import Code, Codebook, iter_codes
from pdcode.errors import CodebookError

NAMESPACE = uuid.UUID("6f1c1d0e-5d8a-4c3e-9a51-0b6a4d2f7c11")
QDC_NS = "urn:QDA-XML:codebook:1.0"
_LABELS = {"include": "Include", "exclude": "Exclude"}
CSV_COLUMNS = (
    "id",
    "parent",
    "name",
    "definition",
    "include",
    "exclude",
    "examples",
    "colour",
    "is_group",
)


@dataclass(frozen=True)
class Imported:
    codebook: Codebook
    notes: tuple[str, ...]  # what was not carried over, said once each


def code_guid(book_name: str, code_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{book_name}/{code_id}")).upper()


def _description(code: Code) -> str:
    lines = [code.definition] if code.definition else []
    for field, label in _LABELS.items():
        value = getattr(code, field)
        if value:
            lines.append(f"{label}: {value}")
    lines += [f"Example: {example}" for example in code.examples]
    lines.append(f"pdcode id: {code.id}")
    return "\n".join(lines)


def to_qdc(book: Codebook) -> bytes:
    from xml.etree import ElementTree as ET

    root = ET.Element("CodeBook", {"xmlns": QDC_NS, "origin": f"pdcode {book.name} {book.version}"})
    codes = ET.SubElement(root, "Codes")

    def add(parent: ET.Element, code: Code) -> None:
        attrs = {
            "guid": code_guid(book.name, code.id),
            "name": code.name,
            "isCodable": "false" if code.is_group else "true",
        }
        if code.colour:
            attrs["color"] = code.colour.upper()
        element = ET.SubElement(parent, "Code", attrs)
        ET.SubElement(element, "Description").text = _description(code)
        for child in code.children:
            add(element, child)

    for code in book.codes:
        add(codes, code)
    # No <Sets/>: an empty Sets element is invalid, and pdcode has no sets.
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


def snake_id(name: str) -> str:
    ident = re.sub(r"[^0-9a-z]+", "_", name.casefold()).strip("_") or "code"
    return f"c_{ident}" if ident[0].isdigit() else ident


def _parse_description(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"examples": []}
    rest = []
    for line in text.strip().splitlines():
        line = line.strip()
        key, sep, value = line.partition(": ")
        if sep and key in ("Include", "Exclude"):
            out[key.lower()] = value
        elif sep and key == "Example":
            out["examples"].append(value)
        elif sep and key == "pdcode id":
            out["id"] = value
        else:
            rest.append(line)
    out["definition"] = " ".join(x for x in rest if x)
    return out


def from_qdc(data: bytes, name: str) -> Imported:
    """Read a REFI-QDA codebook from any tool (namespaces 1.0, 0:4 or none)."""
    from pdcode.errors import InputError
    from pdcode.ingest.guard import parse_xml
    from pdcode.limits import Limits

    try:
        # The one XML guard: no DTD or entities, elements, depth and bytes budgeted.
        root = parse_xml(data, name, "the codebook", Limits.from_env())
    except InputError as exc:
        raise CodebookError(exc.message) from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    q = (lambda t: f"{{{ns}}}{t}") if ns else (lambda t: t)
    if root.tag != q("CodeBook"):
        raise CodebookError(f"{name}: the root element is not a REFI-QDA CodeBook")
    notes: list[str] = []
    sets = root.find(q("Sets"))
    if sets is not None and len(sets):
        notes.append(f"{len(sets)} code set(s) not imported: pdcode groups codes by tree only")
    _check_depth(root.find(q("Codes")), q, name)
    tree, _guids = read_codes(root.find(q("Codes")), q, notes)
    stem = re.sub(r"\.qdc$", "", name.rsplit("/", 1)[-1], flags=re.I)
    book_name, version = snake_id(stem).replace("_", "-"), "1.0.0"
    origin = (root.get("origin") or "").split()
    if len(origin) == 3 and origin[0] == "pdcode":  # our own export: keep name and version
        book_name, version = origin[1], origin[2]
    book = Codebook.model_validate(
        {"name": book_name, "version": version, "codes": tree,
         "description": f"Imported from {root.get('origin') or 'a REFI-QDA codebook'}."}
    )  # fmt: skip
    return Imported(book, tuple(notes))


def _code_depth_limit() -> int:
    from pdcode.limits import Limits

    return int(Limits.from_env().code_depth)


def _too_deep(name: str, limit: int) -> CodebookError:
    from pdcode.limits import over

    return CodebookError(f"{name}: {over('the code tree', limit, 'levels', 'code_depth')}")


def _check_depth(codes_element: Any, q: Any, name: str) -> None:
    """Refuse a tree of codes nested deeper than the limit, measured without
    recursion (reading it recursively would overflow the stack first)."""
    if codes_element is None:
        return
    limit = _code_depth_limit()
    pending = [(code, 1) for code in codes_element.findall(q("Code"))]
    while pending:
        code, depth = pending.pop()
        if depth > limit:
            raise _too_deep(name, limit)
        pending.extend((child, depth + 1) for child in code.findall(q("Code")))


def read_codes(
    codes_element: Any, q: Any, notes: list[str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The code tree under a REFI ``Codes`` element (nested, or ATLAS.ti's flat
    ``Parent::Child`` names rebuilt) and each code's GUID -> pdcode id."""
    from pdcode.codebook.validate import _ID

    used: set[str] = set()
    next_number: dict[str, int] = {}  # where to go on numbering each id: linear, not quadratic
    guids: dict[str, str] = {}

    def unique(ident: str) -> str:
        candidate, n = ident, next_number.get(ident, 2)
        if candidate in used:
            while (candidate := f"{ident}_{n}") in used:
                n += 1
            next_number[ident] = n + 1
        used.add(candidate)
        return candidate

    def read(element: Any) -> dict[str, Any]:
        described = element.find(q("Description"))
        info = _parse_description(described.text or "" if described is not None else "")
        # An id the file gives (a ``pdcode id:`` line) is checked as a codebook's is.
        given = info.pop("id", None)
        ident = given if given and _ID.fullmatch(given) else None
        code: dict[str, Any] = {
            "id": unique(ident or snake_id(element.get("name", "").split("::")[-1])),
            "name": element.get("name") or "(unnamed)",
            **{k: v for k, v in info.items() if v},
            "children": [read(child) for child in element.findall(q("Code"))],
        }
        guids[(element.get("guid") or "").strip("{}").upper()] = code["id"]
        colour = element.get("color")
        if colour and re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
            code["colour"] = colour.upper()
        if element.get("isCodable", "true") == "false" and not code["children"]:
            notes.append(f"{code['name']!r} is not codable but has no children: kept as a code")
        return code

    tree = [
        read(c) for c in (codes_element.findall(q("Code")) if codes_element is not None else [])
    ]
    return _unflatten(tree, unique), guids


def _unflatten(codes: list[dict[str, Any]], unique: Any) -> list[dict[str, Any]]:
    """ATLAS.ti 8 writes a tree as flat names ``Parent::Child``: rebuild it.

    A parent that is also a code of its own ("Coke" beside "Coke::diet Coke")
    becomes the group, keeping its id and codings; missing parents are made.
    """
    if not any("::" in c["name"] for c in codes):
        return codes
    roots: list[dict[str, Any]] = []
    by_path: dict[tuple[str, ...], dict[str, Any]] = {}
    for code in codes:
        parts = tuple(p.strip() for p in code["name"].split("::"))
        if len(parts) == 1 and parts not in by_path:
            by_path[parts] = code
    for code in codes:
        parts = tuple(p.strip() for p in code["name"].split("::"))
        if len(parts) == 1:
            if by_path[parts] is code:
                roots.append(code)
            continue
        siblings = roots
        for depth in range(1, len(parts)):
            path = parts[:depth]
            if path not in by_path:
                group = {"id": unique(snake_id(path[-1])), "name": path[-1], "children": []}
                by_path[path] = group
                siblings.append(group)
            siblings = by_path[path].setdefault("children", [])
        code["name"] = parts[-1]
        by_path.setdefault(parts, code)
        siblings.append(code)
    return roots


def to_csv(book: Codebook, raw: bool = False) -> str:
    """The codes as CSV rows; text a spreadsheet would run as a formula gets a
    leading apostrophe unless ``raw`` (`from_csv` takes it off again)."""
    from pdcode.export.tables import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for code, parent in iter_codes(book):
        writer.writerow(
            [csv_cell(v, raw) for v in (
                code.id, parent or "", code.name, code.definition, code.include, code.exclude,
                " | ".join(code.examples), code.colour or "",
                "true" if code.is_group else "false",
            )]
        )  # fmt: skip
    return buffer.getvalue()


def _unneutralised(value: Any) -> Any:
    """A cell as written before `to_csv` kept a spreadsheet from running it."""
    from pdcode.export.tables import FORMULA_STARTS

    if isinstance(value, str) and value[:1] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def from_csv(text: str, name: str) -> Imported:
    rows = [
        {k: _unneutralised(v) for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    ]
    if not rows or not {"id", "name"} <= set(rows[0]):
        raise CodebookError(f"{name}: a codebook CSV needs at least the columns id and name")
    nodes: dict[str, dict[str, Any]] = {}
    depths: dict[str, int] = {}
    limit = _code_depth_limit()
    roots: list[dict[str, Any]] = []
    for row in rows:
        node: dict[str, Any] = {
            "id": row["id"].strip(),
            "name": row["name"].strip(),
            "children": [],
        }
        for field in ("definition", "include", "exclude"):
            if row.get(field):
                node[field] = row[field]
        if row.get("examples"):
            node["examples"] = [e.strip() for e in row["examples"].split(" | ") if e.strip()]
        if row.get("colour"):
            node["colour"] = row["colour"]
        parent = (row.get("parent") or "").strip()
        if parent and parent not in nodes:  # itself included: no cycle can be built
            raise CodebookError(
                f"{name}: {node['id']} names parent {parent!r} before it is defined"
            )
        nodes[node["id"]] = node
        depths[node["id"]] = depth = depths[parent] + 1 if parent else 1
        if depth > limit:
            raise _too_deep(name, limit)
        (nodes[parent]["children"] if parent else roots).append(node)
    stem = re.sub(r"\.csv$", "", name.rsplit("/", 1)[-1], flags=re.I)
    book = Codebook.model_validate({"name": stem, "version": "1.0.0", "codes": roots})
    return Imported(book, ())


def to_markdown(book: Codebook) -> str:
    from pdcode.export.tables import md_code
    from pdcode.export.tables import md_escape as esc

    lines = [f"# {esc(book.name)} {esc(book.version)}", ""]
    if book.description:
        lines += [esc(book.description), ""]

    def add(code: Code, depth: int) -> None:
        lines.append(f"{'#' * min(depth + 2, 6)} {esc(code.name)} ({md_code(code.id)})")
        lines.append("")
        if code.definition:
            lines.extend([esc(code.definition), ""])
        for field, label in _LABELS.items():
            if getattr(code, field):
                lines.append(f"- **{label}:** {esc(getattr(code, field))}")
        lines.extend(f"- **Example:** {esc(e)}" for e in code.examples)
        if code.include or code.exclude or code.examples:
            lines.append("")
        for child in code.children:
            add(child, depth + 1)

    for code in book.codes:
        add(code, 0)
    return "\n".join(lines).rstrip() + "\n"


def to_docx(book: Codebook) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.author = "pdcode"
    document.add_heading(f"{book.name} {book.version}", level=0)
    if book.description:
        document.add_paragraph(book.description)

    def add(code: Code, depth: int) -> None:
        document.add_heading(f"{code.name} ({code.id})", level=min(depth + 1, 9))
        if code.definition:
            document.add_paragraph(code.definition)
        for field, label in _LABELS.items():
            if getattr(code, field):
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(getattr(code, field))
        for example in code.examples:
            document.add_paragraph(example, style="Quote")
        for child in code.children:
            add(child, depth + 1)

    for code in book.codes:
        add(code, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
