"""Property: whatever bytes a reader is given, only a ``PdcodeError`` comes out.

Every reader of a user's file gets random bytes, damaged copies of sound files,
random zip archives (random member names and sizes, some of them the members it
looks for) and sound archives whose XML is mutated (attributes set to odd
values, tags cut, duplicated or swapped, entities and character references
inserted). Seeded, so a failure names a case that can be replayed:
``FUZZ_CASES=2000 FUZZ_SEED=7 pytest tests/test_fuzz_readers.py``.
"""

from __future__ import annotations

import functools
import io
import os
import random
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pdcode.errors import PdcodeError

SEED = int(os.environ.get("FUZZ_SEED", "14"))
CASES = int(os.environ.get("FUZZ_CASES", "40"))  # per reader

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}">'
    "<w:body><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Interviewer:</w:t></w:r>"
    '<w:r><w:t xml:space="preserve"> Who leads PD here?</w:t></w:r></w:p>'
    '<w:p><w:r><w:t>Head: We do.</w:t><w:tab/><w:br/></w:r><w:commentRangeStart w:id="0"/>'
    '<w:r><w:t>Our heads of department lead it.</w:t></w:r><w:commentRangeEnd w:id="0"/></w:p>'
    "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Speaker</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>"
    "<w:t>Text</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>00:01:02</w:t></w:r>"
    "</w:p></w:tc><w:tc><w:p><w:r><w:t>Interviewer</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>"
    "<w:t>Why?</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:sectPr/></w:body></w:document>"
)
COMMENTS = (
    f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{W}">'
    '<w:comment w:id="0" w:author="Ana"><w:p><w:r><w:t>trust; distributed_leadership</w:t>'
    "</w:r></w:p></w:comment></w:comments>"
)
QDE = (
    '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
    '<Users><User guid="{U1}" name="ana"/></Users><CodeBook><Codes>'
    '<Code guid="{C1}" name="Leadership" isCodable="false" color="#FF0000">'
    "<Description>Who leads.\npdcode id: leadership</Description>"
    '<Code guid="{C2}" name="Trust" isCodable="true"/></Code>'
    '<Code guid="{C3}" name="Group::Child" isCodable="true"/></Codes></CodeBook>'
    '<Variables><Variable guid="{V1}" name="strand" typeOfVariable="Text"/></Variables>'
    '<Cases><Case guid="{K1}" name="oak"><VariableValue><VariableRef targetGUID="{V1}"/>'
    '<TextValue>s1</TextValue></VariableValue><SourceRef targetGUID="{S1}"/></Case></Cases>'
    '<Sources><TextSource guid="{S1}" name="one" plainTextPath="internal://one.txt">'
    '<PlainTextSelection guid="{P1}" startPosition="0" endPosition="12" creatingUser="{U1}">'
    '<Coding guid="{G1}" creatingUser="{U1}"><CodeRef targetGUID="{C2}"/></Coding>'
    '</PlainTextSelection><VariableValue><VariableRef targetGUID="{V1}"/><TextValue>s1'
    '</TextValue></VariableValue><NoteRef targetGUID="{N1}"/></TextSource>'
    '<TextSource guid="{S2}" name="two"><PlainTextContent>Interviewer: hi.\nHead: hello.'
    '</PlainTextContent><PlainTextSelection guid="{P2}" startPosition="4" endPosition="9">'
    '<Coding guid="{G2}"><CodeRef targetGUID="{C3}"/></Coding></PlainTextSelection>'
    '<Coding guid="{G3}"><CodeRef targetGUID="{C1}"/></Coding></TextSource>'
    '<PictureSource guid="{S3}" name="pic"/></Sources>'
    '<Notes><Note guid="{N1}" name="memo" creatingUser="{U1}" plainTextPath="internal://n.txt"/>'
    '<Note guid="{N2}" name="inline"><PlainTextContent>A memo.</PlainTextContent></Note></Notes>'
    "<Sets><Set guid='{X1}' name='s'/></Sets></Project>"
)
SOURCE = "Interviewer: Who leads it?\r\nHead: We do, all of us.\r\n"
TRANSCRIPT = (
    "Title: PD interview\nDate: 2024-03-01\n\n[00:00:03] Interviewer 1: Who leads PD?\n\n"
    "Interviewee 1: Our heads of department. Mostly.\n\nQ: And then?\nA: We plan it. #00:01:09-1#\n"
)
VTT = (
    "WEBVTT\n\nNOTE x\n\n1\n00:00:01.000 --> 00:00:03.500 align:start\n<v Okoro, Bisi (Trust)>Hello"
    " &amp; welcome</v>\n\n00:00:04.000 --> 00:00:06.000\nJo Bell: We do.\n"
)
SRT = "1\n00:00:01,000 --> 00:00:03,500\nInterviewer: Hello\nagain\n\n2\n00:00:04,000 --> 00:00:06,000\nHead: Yes.\n"
SURVEY = 'id,response,role\n1,We plan it together.,teacher\n2,"Quoted, with comma",head\n'
CODINGS = "source,start,end,quote,code\nt.txt,0,5,,trust\nt.txt,,,We do,leadership\n"
RATINGS = "unit,ana,ben,cy\n1,a,a,b\n2,b,b,\n3,1,2,3\n"

ODD_VALUES = [
    "", "-1", "0", "1", "99999999999999999999", "1e9", " 7 ", "abc", "{", "}", "١٢",
    "#GGGGGG", "internal://", "internal://../../etc/passwd", "relative://x", "sources/",
    "\u202e", "a" * 5000, "&amp;", "&#233;", "::", "a::b::", "pdcode id: ../x", "XFD1048576",
    "A0", "$A$1", "ZZZZ9", "true", "false", "\u00a0", "日本語",
]  # fmt: skip
ODD_TEXT = [
    "&amp;", "&#233;", "&#x1F600;", "&#0;", "&#xD800;", "&lt;", "&undefined;", "<![CDATA[x]]>",
    "<!-- c -->", "<?pi x?>", "]]>", "<", "\x00", "\x0b", "\ufeff", "\r\n", "Interviewer:",
    "-->", "00:00:01,000 --> 00:00:02,000",
]  # fmt: skip
TAGS = ["w:p", "w:r", "w:t", "w:tbl", "w:tr", "w:tc", "w:tab", "w:br", "Code", "TextSource",
        "PlainTextSelection", "Coding", "CodeRef", "c", "row", "v", "is", "t", "x"]  # fmt: skip


def _mutate_text(rng: random.Random, text: str, rounds: int | None = None) -> str:
    """Structure-aware damage to XML or text: odd attribute values, cut, doubled
    or swapped pieces, stray tags, entities and character references."""
    import re

    for _ in range(rounds or rng.randint(1, 4)):
        choice = rng.random()
        if choice < 0.3:
            values = list(re.finditer(r'="[^"]*"', text))
            if values:
                spot = rng.choice(values)
                odd = rng.choice(ODD_VALUES).replace('"', "&quot;").replace("<", "&lt;")
                text = f'{text[: spot.start()]}="{odd}"{text[spot.end() :]}'
                continue
        at = rng.randrange(len(text) + 1)
        if choice < 0.45:
            text = text[:at] + text[at + rng.randint(1, 40) :]
        elif choice < 0.6:
            end = min(len(text), at + rng.randint(1, 200))
            text = text[:end] + text[at:end] * rng.randint(1, 3) + text[end:]
        elif choice < 0.75:
            tag = rng.choice(TAGS)
            text = text[:at] + rng.choice([f"<{tag}>", f"</{tag}>", f"<{tag}/>"]) + text[at:]
        elif choice < 0.9:
            text = text[:at] + rng.choice(ODD_TEXT) + text[at:]
        else:
            text = text[:at] + "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(5)) + text[at:]
    return text


def _mutate_xml(rng: random.Random, xml: str) -> str:
    """Well-formed damage, so readers get past the parser: odd attribute values
    and texts, elements removed, doubled, moved, renamed or nested in themselves;
    now and then a cut on top (``_mutate_text``)."""
    import copy
    import xml.etree.ElementTree as ET

    ET.register_namespace("w", W)
    root = ET.fromstring(xml)
    for _ in range(rng.randint(1, 5)):
        nodes = list(root.iter())
        node = rng.choice(nodes)
        parents = {child: parent for parent in nodes for child in parent}
        choice = rng.random()
        if choice < 0.3 and node.attrib:
            node.set(rng.choice(sorted(node.attrib)), rng.choice(ODD_VALUES))
        elif choice < 0.45:
            node.text = rng.choice([*ODD_VALUES, "Interviewer: " + rng.choice(ODD_VALUES)])
        elif node in parents and choice < 0.6:
            parents[node].remove(node)
        elif node in parents and choice < 0.75:
            parents[node].insert(rng.randint(0, len(parents[node])), copy.deepcopy(node))
        elif node in parents and choice < 0.85:
            target = rng.choice(nodes)
            if node not in target.iter() and target is not node:
                parents[node].remove(node)
                target.append(node)
        elif choice < 0.93:
            node.tag = rng.choice(nodes).tag
        elif node in parents:
            parents[node].remove(node)
            wrapper = copy.deepcopy(node)
            wrapper.append(node)
            parents[node].append(wrapper)
    text = ET.tostring(root, encoding="unicode")
    return _mutate_text(rng, text, 1) if rng.random() < 0.15 else text


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        choice = rng.random()
        if not damaged or choice < 0.1:
            damaged += rng.randbytes(rng.randint(1, 50))
        elif choice < 0.6:
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        elif choice < 0.8:
            del damaged[rng.randrange(len(damaged)) :]
        else:
            at = rng.randrange(len(damaged))
            damaged[at:at] = rng.randbytes(rng.randint(1, 20))
    return bytes(damaged)


def _zip(members: dict[str, bytes], rng: random.Random | None = None) -> bytes:
    methods = [zipfile.ZIP_DEFLATED] * 6 + [zipfile.ZIP_STORED] * 3 + [zipfile.ZIP_LZMA]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            method = rng.choice(methods) if rng is not None else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            archive.writestr(info, data, method, compresslevel=1)
    return buffer.getvalue()


@functools.cache
def _docx_members(comments: bool) -> dict[str, bytes]:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("Head: ")
    if comments:
        document.add_comment(paragraph.add_run("We do."), text="trust", author="A")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


@functools.cache
def _xlsx_members(table: str) -> dict[str, bytes]:
    import csv

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in csv.reader(io.StringIO(table)):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def _office(members: dict[str, bytes], xml_parts: dict[str, str], rng: random.Random) -> bytes:
    """A sound package with one of its XML parts mutated (or replaced by a skeleton)."""
    members = dict(members)
    part = rng.choice(sorted(xml_parts))
    mutate = _mutate_xml if rng.random() < 0.75 else _mutate_text
    members[part] = mutate(rng, xml_parts[part]).encode("utf-8", "surrogatepass")
    if rng.random() < 0.2:  # and sometimes one more part damaged or removed
        other = rng.choice(sorted(members))
        if rng.random() < 0.5:
            del members[other]
        else:
            members[other] = _mutate_bytes(rng, members[other])
    return _zip(members, rng)


def _random_zip(rng: random.Random, wanted: list[str]) -> bytes:
    names = [*wanted, ".", "..", "../x", "/abs", "a\\b", "C:/x", "dir/", "sources/a.txt",
             "ü/名.txt", "x" * 300]  # fmt: skip
    members = {}
    for _ in range(rng.randint(0, 6)):
        name = rng.choice(names) if rng.random() < 0.8 else rng.randbytes(8).hex()
        if rng.random() < 0.5:
            content = rng.randbytes(rng.choice([0, 1, 10, 1000, 20_000]))
        else:
            skeleton = rng.choice([DOCUMENT, COMMENTS, QDE, "<a/>", "<?xml version='1.0'?>"])
            content = _mutate_text(rng, skeleton).encode("utf-8", "surrogatepass")
        members[name] = content
    return _zip(members, rng)


def _text_case(rng: random.Random, sound: str) -> bytes:
    choice = rng.random()
    if choice < 0.5:
        text = _mutate_text(rng, sound, rng.randint(1, 8))
    else:  # lines assembled from the kinds of line transcripts hold
        pieces = [sound, TRANSCRIPT, VTT, SRT, *ODD_TEXT, "Jo Bell  0:03", "**Interviewer:**", ""]
        text = "\n".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"])
    return text.encode(encoding, "replace")


# Each reader: (suffix, how it reads a path, what sound files of its kind look like)
def _load(path: Path) -> object:
    from pdcode.ingest import load

    return load(path)


def _qdpx(path: Path) -> object:
    from pdcode.refi.read import read_project

    return read_project(path.read_bytes(), str(path))


def _import_qdpx(path: Path) -> object:
    """The whole import: positions converted, texts segmented, all stored."""
    from pdcode.api.qdpx import import_qdpx
    from pdcode.store import Project

    with Project.create(path.with_suffix(".db")) as project:
        return import_qdpx(project, path)


def _comments(path: Path) -> object:
    from pdcode.humancoding import read_comment_codings

    return read_comment_codings(path.read_bytes(), str(path))


def _codings(path: Path) -> object:
    from pdcode.humancoding import read_codings_table

    return read_codings_table(path)


def _agreement(path: Path) -> object:
    from pdcode.api.reliability import agreement_table

    return agreement_table(path, resamples=5)


def _sound(kind: str, rng: random.Random) -> bytes:
    """A sound or near-sound file of ``kind``, mutated where it matters."""
    if kind in ("docx", "comments"):
        parts = {"word/document.xml": DOCUMENT}
        if kind == "comments":
            parts["word/comments.xml"] = COMMENTS
        return _office(_docx_members(kind == "comments"), parts, rng)
    if kind in ("xlsx", "codings-xlsx", "agreement-xlsx"):
        table = {"xlsx": SURVEY, "codings-xlsx": CODINGS, "agreement-xlsx": RATINGS}[kind]
        members = _xlsx_members(table)
        parts = {
            n: m.decode() for n, m in members.items() if n.startswith("xl/") and n.endswith(".xml")
        }
        return _office(members, parts, rng)
    if kind in ("qdpx", "qdpx-import"):
        members = {
            "project.qde": QDE.encode(),
            "sources/one.txt": SOURCE.encode(),
            "n.txt": b"memo",
        }
        if rng.random() < 0.5:
            members["sources/one.txt"] = _text_case(rng, SOURCE)
        return _office(members, {"project.qde": QDE}, rng)
    if kind == "qde":
        mutate = _mutate_xml if rng.random() < 0.75 else _mutate_text
        return mutate(rng, QDE).encode("utf-8", "surrogatepass")
    sound = {"txt": TRANSCRIPT, "vtt": VTT, "srt": SRT, "csv": SURVEY, "codings-csv": CODINGS,
             "agreement-csv": RATINGS}[kind]  # fmt: skip
    return _text_case(rng, sound)


READERS: dict[str, tuple[str, Callable[[Path], object], list[str]]] = {
    "txt": (".txt", _load, []),
    "vtt": (".vtt", _load, []),
    "srt": (".srt", _load, []),
    "csv": (".csv", _load, []),
    "docx": (".docx", _load, ["word/document.xml", "[Content_Types].xml", "_rels/.rels"]),
    "xlsx": (".xlsx", _load, ["xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml"]),
    "qdpx": (".qdpx", _qdpx, ["project.qde", "sources/one.txt"]),
    "qde": (".qde", _qdpx, []),
    "qdpx-import": (".qdpx", _import_qdpx, ["project.qde", "sources/one.txt"]),
    "comments": (".docx", _comments, ["word/document.xml", "word/comments.xml"]),
    "codings-csv": (".csv", _codings, []),
    "codings-xlsx": (".xlsx", _codings, ["xl/workbook.xml", "xl/worksheets/sheet1.xml"]),
    "agreement-csv": (".csv", _agreement, []),
    "agreement-xlsx": (".xlsx", _agreement, ["xl/workbook.xml", "xl/worksheets/sheet1.xml"]),
}  # fmt: skip


def _case(kind: str, rng: random.Random) -> bytes:
    _suffix, _reader, wanted = READERS[kind]
    choice = rng.random()
    if choice < 0.1:
        return rng.randbytes(rng.randint(0, 3000))
    if choice < 0.25:
        return _mutate_bytes(rng, _sound(kind, random.Random(rng.random())))
    if choice < 0.35 and wanted:
        return _random_zip(rng, wanted)
    return _sound(kind, rng)


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl on damaged styles
@pytest.mark.parametrize("kind", sorted(READERS))
def test_only_pdcode_errors_come_out_of_a_reader(kind: str, tmp_path: Path) -> None:
    suffix, reader, _wanted = READERS[kind]
    rng = random.Random(f"{SEED}/{kind}")
    failures = []
    # A whole import (a project made, texts segmented) costs more than a reading.
    for number in range(CASES // 2 if kind == "qdpx-import" else CASES):
        data = _case(kind, rng)
        path = tmp_path / f"case{number}{suffix}"
        path.write_bytes(data)
        try:
            reader(path)
        except PdcodeError as exc:
            assert "\n" not in str(exc), f"case {number}: a message of several lines: {exc!r}"
        except Exception as exc:  # what the test is for: anything else is a bug
            where = traceback.extract_tb(exc.__traceback__)[-1]
            failures.append(
                f"case {number}: {type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
            )
        for made in tmp_path.iterdir():
            made.unlink()
    assert failures == [], f"{kind} (seed {SEED}): " + "; ".join(failures)
