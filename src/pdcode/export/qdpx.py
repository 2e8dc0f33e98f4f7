"""A REFI-QDA project (.qdpx) from the plain model in ``pdcode.refi.model``.

The archive holds ``project.qde`` and ``sources/<GUID>.txt`` (UTF-8, no BOM),
referenced as ``internal://<GUID>.txt``. Positions are code points into those
texts, which are pdcode's own normalised texts, so they need no conversion.
Nothing varies between runs: GUIDs are derived from names, zip entries carry a
fixed date, and the only dates written are memos' own (a Note's creationDateTime).
Memos are Notes, each named from where it belongs: a source's NoteRef, a code's,
a coding's (inside its Coding), or the project's own NoteRef at the end.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from pdcode.ingest.decode import UNWANTED
from pdcode.refi.model import Code, RefiProject

NS = "urn:QDA-XML:project:1.0"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def _code(parent: ET.Element, code: Code) -> None:
    attrs = {"guid": code.guid, "name": code.name, "isCodable": "true" if code.codable else "false"}
    if code.colour:
        attrs["color"] = code.colour
    element = ET.SubElement(parent, "Code", attrs)
    if code.description:
        ET.SubElement(element, "Description").text = code.description
    _note_refs(element, code.note_guids)
    for child in code.children:
        _code(element, child)


def _note_refs(parent: ET.Element, guids: tuple[str, ...]) -> None:
    for guid in guids:
        ET.SubElement(parent, "NoteRef", {"targetGUID": guid})


def _value(parent: ET.Element, variable_guid: str, value: str) -> None:
    element = ET.SubElement(parent, "VariableValue")
    ET.SubElement(element, "VariableRef", {"targetGUID": variable_guid})
    ET.SubElement(element, "TextValue").text = value


def project_xml(project: RefiProject, origin: str) -> bytes:
    root = ET.Element("Project", {"xmlns": NS, "name": project.name, "origin": origin})
    if project.users:
        users = ET.SubElement(root, "Users")
        for user in project.users:
            ET.SubElement(users, "User", {"guid": user.guid, "name": user.name})
    if project.codes:
        codes = ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes")
        for code in project.codes:
            _code(codes, code)
    if project.variables:
        variables = ET.SubElement(root, "Variables")
        for variable in project.variables:
            ET.SubElement(
                variables,
                "Variable",
                {"guid": variable.guid, "name": variable.name, "typeOfVariable": variable.kind},
            )
    if project.cases:
        cases = ET.SubElement(root, "Cases")
        for case in project.cases:
            element = ET.SubElement(cases, "Case", {"guid": case.guid, "name": case.name})
            for value in case.values:
                _value(element, value.variable_guid, value.value)
            for guid in case.source_guids:
                ET.SubElement(element, "SourceRef", {"targetGUID": guid})
    if project.sources:
        sources = ET.SubElement(root, "Sources")
        for source in project.sources:
            element = ET.SubElement(
                sources,
                "TextSource",
                {
                    "guid": source.guid,
                    "name": source.name,
                    "plainTextPath": f"internal://{source.guid}.txt",
                },
            )
            for selection in source.selections:
                attrs = {
                    "guid": selection.guid,
                    "name": selection.name,
                    "startPosition": str(selection.start),
                    "endPosition": str(selection.end),
                }
                if selection.user_guid:
                    attrs["creatingUser"] = selection.user_guid
                chosen = ET.SubElement(element, "PlainTextSelection", attrs)
                for coding in selection.codings:
                    coding_attrs = {
                        "guid": _coding_guid(selection.guid, coding.code_guid, coding.user_guid)
                    }
                    if coding.user_guid:
                        coding_attrs["creatingUser"] = coding.user_guid
                    made = ET.SubElement(chosen, "Coding", coding_attrs)
                    ET.SubElement(made, "CodeRef", {"targetGUID": coding.code_guid})
                    _note_refs(made, coding.note_guids)
                _note_refs(chosen, selection.note_guids)
            _note_refs(element, source.note_guids)
            for value in source.values:
                _value(element, value.variable_guid, value.value)
    if project.notes:
        notes = ET.SubElement(root, "Notes")
        for note in project.notes:
            attrs = {"guid": note.guid}
            if note.name:  # an untitled memo stays untitled on the way back
                attrs["name"] = _xml_text(note.name)
            if note.user_guid:
                attrs["creatingUser"] = note.user_guid
            if note.created:  # a memo's own date: stored data, the same on every export
                attrs["creationDateTime"] = note.created
            if note.modified:  # its last edit's date, when it was edited
                attrs["modifiedDateTime"] = note.modified
            element = ET.SubElement(notes, "Note", attrs)
            ET.SubElement(element, "PlainTextContent").text = _xml_text(note.text)
    _note_refs(root, project.note_guids)  # the project's own notes come last (the schema's order)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (a memo typed in the
    workbench is stored as sent; sources are normalised on import)."""
    return UNWANTED.sub("", text)


def _coding_guid(selection: str, code: str, user: str | None) -> str:
    import uuid

    from pdcode.codebook.exchange import NAMESPACE

    return str(uuid.uuid5(NAMESPACE, f"coding/{selection}/{code}/{user}")).upper()


def to_qdpx(project: RefiProject, origin: str) -> bytes:
    """The .qdpx archive: project.qde, then each source's text, in a fixed order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)

        add("project.qde", project_xml(project, origin))
        for source in project.sources:
            add(f"sources/{source.guid}.txt", (source.text or "").encode("utf-8"))
    return buffer.getvalue()
