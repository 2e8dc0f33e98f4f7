"""Budgets on work, one guard for every zip, and the crashes hostile files used to cause.

Every hostile input is made here, small: a member that declares a small size but
inflates large, a .docx of 440 MB of XML in 4 MB, a .qdpx holding a 150 MB
source, a damaged CRC, a DTD in a commented .docx. Each must end in one line
naming the file, within seconds and a little memory.
"""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from pdcode.errors import InputError, PdcodeError, UsageError
from pdcode.limits import Limits

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f'xmlns:w="{W_NS}"'.encode()
QDE_HEAD = '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x">'


# Building hostile archives --------------------------------------------------------


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _repeated(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of ``head + block * times + tail`` made by compressing ``block``
    once: after a full flush the compressor starts afresh, so the same input gives
    the same bytes, and 440 MB of XML costs a CRC pass, not minutes of deflate."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    once = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH) == once
    last = packer.compress(tail) + packer.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return first + once * times + last, crc, len(head) + len(block) * times + len(tail)


def _raw_zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip from (name, packed data, crc, unpacked size, method), written by hand."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size, method in members:
        encoded, offset = name.encode(), len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size,
            len(encoded), 0,
        ) + encoded + data  # fmt: skip
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data),
            size, len(encoded), 0, 0, 0, 0, 0, offset,
        ) + encoded  # fmt: skip
    count = len(members)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def _packed(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data), 8


def _stored(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    return name, data, zlib.crc32(data), len(data), 0


def _padding(size: int) -> tuple[str, bytes, int, int, int]:
    """Incompressible bytes, so the whole archive's ratio looks innocent (< 200:1)."""
    return _stored("word/media/image1.png", random.Random(1).randbytes(size))


def _docx(paragraphs: tuple[str, ...] = ("Interviewer: Who leads it?", "Head: We do.")) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _commented_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Interviewer: Who leads it?")
    paragraph = document.add_paragraph("Head: ")
    document.add_comment(paragraph.add_run("Our heads of department."), text="trust", author="A")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _qdpx(qde: str, extra: dict[str, bytes] | None = None) -> bytes:
    return _zip({"project.qde": qde.encode(), **(extra or {})})


def _with_big_document(base: bytes, head: bytes, block: bytes, times: int, tail: bytes) -> bytes:
    """``base`` (a .docx) with word/document.xml replaced by a huge repeated one."""
    members = []
    for name, data in _members(base).items():
        if name == "word/document.xml":
            members.append((name, *_repeated(head, block, times, tail), 8))
        else:
            members.append(_packed(name, data))
    members.append(_padding(len(block) * times // 150))
    return _raw_zip(members)


def _crc_damaged(data: bytes, member: str) -> bytes:
    """The archive rewritten with ``member`` stored, and one byte of it flipped."""
    members = _members(data)
    stored = _zip(members, zipfile.ZIP_STORED)
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        info = archive.getinfo(member)
    name_length, extra_length = struct.unpack_from("<HH", stored, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    damaged = bytearray(stored)
    damaged[start + info.file_size // 2] ^= 0x01
    return bytes(damaged)


def _lying(data: bytes, member: str, declared: int) -> bytes:
    """The archive with ``member`` declaring ``declared`` unpacked bytes (it inflates to more)."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", patched, info.header_offset + 22, declared)
    central = patched.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", patched, central + 28)[0]
        if bytes(patched[central + 46 : central + 46 + length]) == member.encode():
            struct.pack_into("<I", patched, central + 24, declared)
            break
        central = patched.find(b"PK\x01\x02", central + 4)
    return bytes(patched)


# The readers of archives, each given a file -----------------------------------------


def _transcript(path: Path) -> object:
    from pdcode.ingest import load

    return load(path)


def _qdpx_reader(path: Path) -> object:
    from pdcode.refi.read import read_project

    return read_project(path.read_bytes(), str(path))


def _comments(path: Path) -> object:
    from pdcode.humancoding import read_comment_codings

    return read_comment_codings(path.read_bytes(), str(path))


def _codings_table(path: Path) -> object:
    from pdcode.humancoding import read_codings_table

    return read_codings_table(path)


def _agreement_table(path: Path) -> object:
    from pdcode.reliability.table import read_table

    return read_table(path)


def _good(kind: str) -> tuple[bytes, str, str, Callable[[Path], object]]:
    """A sound file of each kind: bytes, file name, a member to damage, its reader."""
    if kind == "docx transcript":
        return _docx(), "t.docx", "word/document.xml", _transcript
    if kind == "xlsx survey":
        data = _xlsx([["id", "response"], ["1", "We plan it together."]])
        return data, "s.xlsx", "xl/worksheets/sheet1.xml", _transcript
    if kind == "qdpx":
        qde = (
            QDE_HEAD + '<Sources><TextSource guid="{00000000-0000-0000-0000-000000000001}" '
            'name="a" plainTextPath="internal://a.txt"/></Sources></Project>'
        )
        text = "Interviewer: Who leads it?\nHead: We do, all of us, together. " * 10
        data = _qdpx(qde, {"sources/a.txt": text.encode(), "sources/b.txt": b"unused"})
        return data, "p.qdpx", "project.qde", _qdpx_reader
    if kind == "docx comments":
        return _commented_docx(), "c.docx", "word/comments.xml", _comments
    if kind == "xlsx codings":
        data = _xlsx([["source", "quote", "code"], ["t.docx", "We do.", "trust"]])
        return data, "c.xlsx", "xl/worksheets/sheet1.xml", _codings_table
    data = _xlsx([["unit", "ana", "ben"], ["1", "a", "a"], ["2", "b", "a"]])
    return data, "a.xlsx", "xl/worksheets/sheet1.xml", _agreement_table


KINDS = ["docx transcript", "xlsx survey", "qdpx", "docx comments", "xlsx codings", "agreement"]


def _refused(reader: Callable[[Path], object], path: Path, *wanted: str) -> str:
    with pytest.raises(InputError) as caught:
        reader(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    for part in wanted:
        assert part in message, message
    return message


# Limits -----------------------------------------------------------------------------


def test_limits_come_from_the_environment() -> None:
    limits = Limits.from_env({"PDCODE_MAX_XML_NODES": "5_000", "PDCODE_MAX_ZIP_RATIO": "50.5"})
    assert limits.xml_nodes == 5000 and limits.zip_ratio == 50.5
    assert limits.source_chars == Limits().source_chars
    for bad in ("0", "-3", "lots"):
        with pytest.raises(UsageError, match="PDCODE_MAX_SOURCE_CHARS must be a positive number"):
            Limits.from_env({"PDCODE_MAX_SOURCE_CHARS": bad})


@pytest.mark.parametrize("kind", KINDS)
def test_every_archive_reader_reads_its_sound_file(kind: str, tmp_path: Path) -> None:
    data, name, _member, reader = _good(kind)
    (tmp_path / name).write_bytes(data)
    reader(tmp_path / name)


# One guard for every zip --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_crc_error_is_one_line(kind: str, tmp_path: Path) -> None:
    data, name, member, reader = _good(kind)
    path = tmp_path / name
    path.write_bytes(_crc_damaged(data, member))
    _refused(reader, path, "damaged archive", "CRC check failed")


@pytest.mark.parametrize("kind", KINDS)
def test_a_member_lying_about_its_size_is_refused(kind: str, tmp_path: Path) -> None:
    data, name, member, reader = _good(kind)
    path = tmp_path / name
    path.write_bytes(_lying(data, member, 10))
    _refused(reader, path, "damaged archive")


@pytest.mark.parametrize("kind", KINDS)
def test_member_count_and_zip_bombs_are_refused_by_every_reader(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, name, _member, reader = _good(kind)
    path = tmp_path / name
    path.write_bytes(_zip({**_members(data), "docProps/pad.xml": b"<a/>" * 5_000_000}))
    _refused(reader, path, "refused as a zip bomb")
    monkeypatch.setenv("PDCODE_MAX_ZIP_MEMBERS", "2")
    path.write_bytes(data)
    _refused(reader, path, "members, over the limit of 2")


@pytest.mark.parametrize("kind", KINDS)
def test_unpacked_bytes_are_counted_as_read(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, name, _member, reader = _good(kind)
    path = tmp_path / name
    path.write_bytes(data)
    monkeypatch.setenv("PDCODE_MAX_UNZIPPED_BYTES", "300")
    message = _refused(reader, path)
    assert "over the limit of 300 bytes" in message or "refused as a zip bomb" in message


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "qdpx"])
def test_a_dtd_is_refused_in_every_office_file(kind: str, tmp_path: Path) -> None:
    data, name, member, reader = _good(kind)
    members = _members(data)
    xml = members[member]
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    members[member] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' + body
    path = tmp_path / name
    path.write_bytes(_zip(members))
    _refused(reader, path, "declares a DTD or entities")


def test_a_second_member_of_the_same_name_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # zipfile, and python-docx on it, read the last member of a name: a small
    # document.xml first must not vouch for a large one after it.
    members = [_packed(name, data) for name, data in _members(_docx()).items()]
    paragraphs = b"<w:p><w:r><w:t>Head: yes.</w:t></w:r></w:p>" * 5000
    body = b'<?xml version="1.0"?><w:document ' + W + b"><w:body>" + paragraphs
    members.append(_packed("word/document.xml", body + b"</w:body></w:document>"))
    path = tmp_path / "twice.docx"
    path.write_bytes(_raw_zip(members[:-1]))
    monkeypatch.setenv("PDCODE_MAX_XML_NODES", "25000")  # a new docx has about 19,000
    _transcript(path)
    path.write_bytes(_raw_zip(members))
    _refused(_transcript, path, "over the limit of 25,000 elements")


# Work budgets ----------------------------------------------------------------------


def test_a_small_docx_of_440_mb_of_xml_is_refused_in_seconds(tmp_path: Path) -> None:
    from pdcode.ingest import load

    block = b"<w:p><w:r><w:t>Interviewer: yes.</w:t></w:r></w:p>" * 20_000
    head = b'<?xml version="1.0"?><w:document ' + W + b"><w:body>"
    data = _with_big_document(
        _docx(), head, block, 440_000_000 // len(block), b"</w:body></w:document>"
    )
    assert len(data) < 5_000_000
    path = tmp_path / "big.docx"
    path.write_bytes(data)
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"over the limit of 1,000,000 elements") as caught:
        load(path)
    assert time.perf_counter() - started < 15
    assert str(path) in str(caught.value) and "PDCODE_MAX_XML_NODES" in str(caught.value)


@pytest.mark.parametrize(
    ("size", "block", "reason"),
    [
        (400_000_000, b"We did. " * 100_000, "over the limit of 100,000,000 bytes"),
        (400_000_000, b"We did. " * 100_000 + b"</w:t><w:t>", "over the limit of 100,000,000"),
        (30_000_000, b"We did. " * 100_000 + b"</w:t><w:t>", "over the limit of 5,000,000 char"),
    ],
    ids=["one-text", "many-texts", "many-texts-under-the-bytes"],
)
def test_a_docx_of_few_elements_and_huge_texts_is_refused_quickly(
    tmp_path: Path, size: int, block: bytes, reason: str
) -> None:
    from pdcode.ingest import load

    head = b'<?xml version="1.0"?><w:document ' + W + b"><w:body><w:p><w:r><w:t>"
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    path = tmp_path / "text.docx"
    path.write_bytes(_with_big_document(_docx(), head, block, size // len(block), tail))
    started = time.perf_counter()
    with pytest.raises(InputError, match=reason):
        load(path)
    assert time.perf_counter() - started < 15


def test_a_docx_over_the_characters_of_a_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pdcode.ingest import ReadOptions
    from pdcode.ingest.word import read_docx

    data = _docx(tuple(f"Head: answer number {i} is long enough." for i in range(50)))
    limits = Limits(source_chars=500)
    with pytest.raises(InputError, match="text over the limit of 500 characters"):
        read_docx(data, "w.docx", ReadOptions(limits=limits))


def test_a_150_mb_source_in_a_small_qdpx_is_refused_quickly(tmp_path: Path) -> None:
    from pdcode.refi.read import read_project

    qde = (
        QDE_HEAD + '<Sources><TextSource guid="{00000000-0000-0000-0000-000000000001}" '
        'name="big" plainTextPath="internal://big.txt"/></Sources></Project>'
    ).encode()
    sentence = b"Interviewer: and then what happened next at the school? " * 20_000
    source = _repeated(b"", sentence, 150_000_000 // len(sentence), b"")
    members = [_packed("project.qde", qde), ("sources/big.txt", *source, 8)]
    members.append(_padding(1_200_000))
    data = _raw_zip(members)
    assert len(data) < 3_000_000
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"source 'big' over the limit of 5,000,000 characters"):
        read_project(data, "big.qdpx")
    # The inline form: the source's text in project.qde itself.
    inline = _repeated(
        (QDE_HEAD + '<Sources><TextSource guid="{1}" name="big"><PlainTextContent>').encode(),
        sentence,
        150_000_000 // len(sentence),
        b"</PlainTextContent></TextSource></Sources></Project>",
    )
    data = _raw_zip([("project.qde", *inline, 8), _padding(1_200_000)])
    with pytest.raises(InputError, match=r"a text in 'project.qde' over the limit of 5,000,000"):
        read_project(data, "inline.qdpx")
    assert time.perf_counter() - started < 15


def test_xml_elements_and_nesting_are_budgeted(tmp_path: Path) -> None:
    from pdcode.refi.read import read_project

    codes = "".join(f'<Code guid="{{{i}}}" name="c{i}"/>' for i in range(300))
    qde = f"{QDE_HEAD}<CodeBook><Codes>{codes}</Codes></CodeBook></Project>"
    with pytest.raises(InputError, match="over the limit of 100 elements"):
        read_project(_qdpx(qde), "many.qdpx", Limits(xml_nodes=100))
    assert len(read_project(_qdpx(qde), "many.qdpx").code_tree) == 300
    deep = "<a>" * 300 + "</a>" * 300
    with pytest.raises(InputError, match=r"XML nesting in 'project\.qde' over the limit of 256"):
        read_project(_qdpx(QDE_HEAD + deep + "</Project>"), "deep.qdpx")
    nested = "".join(f'<Code guid="{{{i}}}" name="c{i}">' for i in range(80)) + "</Code>" * 80
    flat = '<Code guid="{x}" name="' + "::".join(["a"] * 3000) + '"/>'
    for tree in (nested, flat):
        qde = f"{QDE_HEAD}<CodeBook><Codes>{tree}</Codes></CodeBook></Project>"
        with pytest.raises(InputError, match="the code tree over the limit of 50 levels"):
            read_project(_qdpx(qde), "deep.qdpx")


def _sheet_reaching(cell: str) -> bytes:
    """A workbook of two cells, at A1 and at ``cell``: a vast grid for a reader to fill."""
    members = _members(_xlsx([["id", "response"], ["1", "text"]]))
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    row = "".join(ch for ch in cell if ch.isdigit())
    start = sheet.index("<row", sheet.index("<row") + 1)
    end = sheet.index("</sheetData>")
    far = f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>far</t></is></c></row>'
    members["xl/worksheets/sheet1.xml"] = (sheet[:start] + far + sheet[end:]).encode()
    return _zip(members)


@pytest.mark.parametrize(
    ("name", "reader"),
    [("s.xlsx", _transcript), ("c.xlsx", _codings_table), ("a.xlsx", _agreement_table)],
)
def test_a_two_cell_sheet_spanning_the_grid_is_refused(
    tmp_path: Path, name: str, reader: Callable[[Path], object]
) -> None:
    path = tmp_path / name
    path.write_bytes(_sheet_reaching("XFD1048576"))
    started = time.perf_counter()
    _refused(reader, path, "(1,048,576 rows x", "over the limit of 2,000,000 cells")
    assert time.perf_counter() - started < 5


# Crashes that were ---------------------------------------------------------------------


def test_a_qdpx_member_named_dot_is_passed_over(tmp_path: Path) -> None:
    from pdcode.refi.read import read_project

    qde = (
        QDE_HEAD + '<Sources><TextSource guid="{00000000-0000-0000-0000-000000000001}" '
        'name="a" plainTextPath="internal://a.txt"/></Sources></Project>'
    )
    data = _qdpx(qde, {".": b"x", "sources/a.txt": b"Interviewer: hi.\nHead: hello."})
    project = read_project(data, "dot.qdpx")
    assert [s.text for s in project.sources] == ["Interviewer: hi.\nHead: hello."]
    with pytest.raises(InputError, match=r"member '\.\./evil.txt' leaves the archive"):
        read_project(_qdpx(qde, {"../evil.txt": b"x"}), "slip.qdpx")


def test_a_dtd_in_a_commented_docx_is_one_line(tmp_path: Path) -> None:
    from pdcode.humancoding import read_comment_codings

    members = _members(_commented_docx())
    document = members["word/document.xml"].split(b"?>", 1)[1]
    members["word/document.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + document
    )
    with pytest.raises(InputError, match="declares a DTD or entities"):
        read_comment_codings(_zip(members), "c.docx")


def test_entities_and_character_references_keep_the_text_after_them() -> None:
    from pdcode.humancoding import read_comment_codings
    from pdcode.ingest import ReadOptions
    from pdcode.ingest.word import read_docx

    members = _members(_commented_docx())
    xml = members["word/document.xml"].decode()
    members["word/document.xml"] = xml.replace(
        "Our heads of department.", "Tom &amp; Jerry &#233;t&#xE9; &lt;3 &quot;ok&quot; after"
    ).encode()
    data = _zip(members)
    doc = read_docx(data, "w.docx", ReadOptions())[0]
    assert 'Tom & Jerry été <3 "ok" after' in doc.text
    (coding,) = read_comment_codings(data, "w.docx")
    assert coding.anchor == 'Tom & Jerry été <3 "ok" after'
    # A declared entity (text after it once vanished) is refused, never dropped.
    members["word/document.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY who "the head">]>'
        + xml.replace("Our heads of department.", "&who; said this").split("?>", 1)[1].encode()
    )
    with pytest.raises(InputError, match="declares a DTD"):
        read_docx(_zip(members), "w.docx", ReadOptions())


def test_code_ids_from_a_qdpx_are_checked_like_a_codebooks() -> None:
    from pdcode.refi.read import read_project

    codes = (
        '<Code guid="{1}" name="Trust"><Description>pdcode id: ../Bad Id\nx</Description></Code>'
        '<Code guid="{2}" name="Other"><Description>pdcode id: kept_id</Description></Code>'
        '<Code guid="{3}" name="Third"><Description>pdcode id: =cmd|x\n</Description></Code>'
    )
    project = read_project(
        _qdpx(f"{QDE_HEAD}<CodeBook><Codes>{codes}</Codes></CodeBook></Project>"), "ids.qdpx"
    )
    assert [c["id"] for c in project.code_tree] == ["trust", "kept_id", "third"]


def _same_names(tmp_path: Path, codes: int, sources: int) -> tuple[float, object]:
    from pdcode.api.qdpx import import_qdpx
    from pdcode.store import Project

    code_xml = "".join(
        f'<Code guid="{{00000000-0000-0000-0000-{i:012d}}}" name="same"/>' for i in range(codes)
    )
    source_xml = "".join(
        f'<TextSource guid="{{00000000-0000-0000-0001-{i:012d}}}" name="same">'
        f"<PlainTextContent>Head: answer {i}.</PlainTextContent></TextSource>"
        for i in range(sources)
    )
    qde = f"{QDE_HEAD}<CodeBook><Codes>{code_xml}</Codes></CodeBook><Sources>{source_xml}</Sources>"
    path = tmp_path / "same.qdpx"
    path.write_bytes(_qdpx(qde + "</Project>"))
    started = time.perf_counter()
    with Project.create(tmp_path / "p.db") as project:
        result = import_qdpx(project, path)
    return time.perf_counter() - started, result


def test_thousands_of_sources_or_codes_of_one_name_are_numbered_in_linear_time(
    tmp_path: Path,
) -> None:
    from pdcode.api.qdpx import QdpxImport
    from pdcode.refi.read import read_project

    seconds, result = _same_names(tmp_path, 0, 3000)
    assert isinstance(result, QdpxImport) and result.sources == 3000
    assert seconds < 30
    codes = "".join(f'<Code guid="{{{i}}}" name="same"/>' for i in range(40_000))
    qde = f"{QDE_HEAD}<CodeBook><Codes>{codes}</Codes></CodeBook></Project>"
    started = time.perf_counter()
    project = read_project(_qdpx(qde), "codes.qdpx")
    assert time.perf_counter() - started < 10
    ids = [c["id"] for c in project.code_tree]
    assert ids[:3] == ["same", "same_2", "same_3"] and len(set(ids)) == 40_000


def test_a_source_name_taken_is_numbered_on(tmp_path: Path) -> None:
    _seconds, result = _same_names(tmp_path, 0, 3)
    from pdcode.api.qdpx import QdpxImport
    from pdcode.store import Project

    assert isinstance(result, QdpxImport)
    with Project.open(tmp_path / "p.db") as project:
        names = sorted(s.name for s in project.source_summaries())
    assert names == ["same", "same (2)", "same (3)"]


def test_a_bare_project_qde_is_guarded_too() -> None:
    from pdcode.refi.read import read_project

    with pytest.raises(PdcodeError, match="declares a DTD"):
        read_project(
            b'<?xml version="1.0"?><!DOCTYPE p SYSTEM "http://x/y.dtd"><Project/>', "p.qde"
        )
    with pytest.raises(InputError, match="over the limit of 10 elements"):
        read_project(f"{QDE_HEAD}{'<a/>' * 20}</Project>".encode(), "p.qde", Limits(xml_nodes=10))
