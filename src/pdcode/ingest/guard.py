"""The one guard for every zip and XML file pdcode reads: transcripts (.docx,
.xlsx), REFI-QDA projects (.qdpx), codings (.xlsx, Word comments) and tables.

Budgets are on work actually done, not only on what a file declares
(``pdcode.limits``): the declared sizes in the central directory are checked
before anything is unpacked, then every member is read through a counter that
stops at the limit; XML is parsed by expat with a handler that counts elements,
nesting and the characters of each text as they come, and refuses any DTD, so
no entity is ever declared, expanded or fetched. A damaged archive (a CRC error,
corrupt deflate data, an encrypted or unknown method) is one line naming the
file, like every breach of a limit.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from pdcode.errors import InputError, Reasons
from pdcode.limits import RATIO_FLOOR, Limits, over

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from pdcode.ingest.model import ReadOptions

_CHUNK = 1 << 16
# What unpacking a damaged or unusual member raises: CRC and header errors,
# corrupt deflate, bzip2 or lzma data, a stream cut short, an encrypted member
# (RuntimeError) or an unknown compression method (NotImplementedError).
_UNPACK_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)
_OPEN_ERRORS: tuple[type[BaseException], ...] = (*_UNPACK_ERRORS, IndexError, KeyError)
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_ROW = re.compile(r"[0-9]{1,7}")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_SPACE = re.compile(rb"[ \t\r\n]*")
_NAME = re.compile(rb"<([\w.:-]+)")


def _member(name: str) -> str:
    """A member name as it may appear in a message: quoted, control characters escaped."""
    return repr(name[:200])


class Archive:
    """A zip opened for reading within ``limits``; nothing is extracted to disk.

    On opening, the member count and the declared sizes (total, and ratio above
    ``RATIO_FLOOR``) are checked; with ``declared_total=False`` the declared total
    is not (a .qdpx may carry media pdcode never unpacks), since every member
    read still counts against ``limits.unzipped_bytes``. With ``safe_names``,
    a member whose name leaves the archive (``../``, an absolute path, a drive)
    is refused, and one with no name (``.``) is passed over.
    """

    def __init__(
        self,
        data: bytes,
        name: str,
        kind: str,
        limits: Limits,
        *,
        declared_total: bool = True,
        safe_names: bool = False,
    ) -> None:
        self.name, self.limits = name, limits
        self.unpacked = 0  # bytes read from all members so far
        self.nodes = 0  # XML elements parsed from all members so far
        buffer = io.BytesIO(data)
        if not zipfile.is_zipfile(buffer):
            # A local file header at the start but no central directory: truncated.
            reason = (
                Reasons.BAD_ZIP
                if data.startswith(b"PK\x03\x04")
                else Reasons.NOT_ZIP.format(kind=kind)
            )
            raise InputError(name, reason)
        try:
            self._zip = zipfile.ZipFile(buffer)
            infos = self._zip.infolist()
        except _OPEN_ERRORS:
            raise InputError(name, Reasons.BAD_ZIP) from None
        if len(infos) > limits.zip_members:
            raise InputError(
                name, Reasons.ZIP_MEMBERS.format(count=len(infos), limit=limits.zip_members)
            )
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        ratio = total / packed
        if (declared_total and total > limits.unzipped_bytes) or (
            total > RATIO_FLOOR and ratio > limits.zip_ratio
        ):
            raise InputError(name, Reasons.ZIP_BOMB.format(size=total, ratio=ratio))
        self.members: dict[str, zipfile.ZipInfo] = {}  # by name; the last of a name wins
        self.files = [info for info in infos if not info.is_dir()]  # every one, duplicates too
        for info in self.files:
            key = info.filename
            if safe_names:
                path = PurePosixPath(key.replace("\\", "/"))
                if path.is_absolute() or ".." in path.parts or ":" in (path.parts or ("",))[0]:
                    raise InputError(name, Reasons.ZIP_NAME.format(member=_member(key)))
                if not path.parts:
                    continue  # "." or "": nothing can refer to it
                key = str(path)
            self.members[key] = info  # as zipfile (and every library on it) reads it

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def find(self, wanted: str) -> str | None:
        """The member named ``wanted``, matched case-insensitively."""
        if wanted in self.members:
            return wanted
        folded = wanted.casefold()
        return next((m for m in self.members if m.casefold() == folded), None)

    def chunks(self, member: str, cap: int | None = None) -> Iterator[bytes]:
        """The member's bytes in pieces, each counted as it is unpacked.

        Stops with an ``InputError`` when the archive's unpacked total passes
        ``limits.unzipped_bytes``, or with ``_OverCap`` when this member passes
        ``cap`` (the caller's own budget, which ``read`` turns into None).
        """
        return self._chunks(self.members[member], cap)

    def _chunks(self, info: zipfile.ZipInfo, cap: int | None = None) -> Iterator[bytes]:
        limit = self.limits.unzipped_bytes
        read = 0
        try:
            with self._zip.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    read += len(chunk)
                    self.unpacked += len(chunk)
                    if self.unpacked > limit:
                        raise InputError(
                            self.name,
                            over("unpacked data", limit, "bytes", "unzipped_bytes"),
                        )
                    if cap is not None and read > cap:
                        raise _OverCap
                    yield chunk
        except (InputError, _OverCap):
            raise
        except _UNPACK_ERRORS as exc:
            raise InputError(
                self.name,
                Reasons.ZIP_MEMBER.format(member=_member(info.filename), detail=_detail(exc)),
            ) from None

    def read(self, member: str, cap: int | None = None) -> bytes | None:
        """The member's bytes, or None when there are more than ``cap`` of them."""
        if cap is not None and self.members[member].file_size > cap:
            return None
        try:
            return b"".join(self.chunks(member, cap))
        except _OverCap:
            return None

    def parse(self, member: str) -> Element:
        """The member parsed as XML into a tree, within the XML limits."""
        parser = XmlParser(self.name, _member(member), self.limits, self, build=True)
        for chunk in self.chunks(member):
            parser.feed(chunk)
        return parser.close()

    def verify(self) -> None:
        """Unpack every member once (sizes and CRCs checked, every byte counted)
        and check every member that looks like XML before a library parses it.

        A UTF-8 part is checked at C speed (``_Scan``: no DOCTYPE, an upper bound
        of its elements within the budget); a worksheet, or a part in another
        encoding or of unusual shape, goes through the counting parser.
        """
        for info in self.files:  # a second member of a name too: a library may read that one
            scan: _Scan | XmlParser | None = None
            first = True
            for chunk in self._chunks(info):
                if first:
                    first = False
                    scan = self._scanner(info.filename, chunk)
                if scan is not None:
                    try:
                        scan.feed(chunk)
                    except _Malformed:
                        scan = None  # the library's own parser will say what is wrong
            if scan is not None:
                with contextlib.suppress(_Malformed):
                    scan.close()

    def _scanner(self, member: str, head: bytes) -> _Scan | XmlParser | None:
        """How to check a member, judged from its first bytes (None: not XML)."""
        what = _member(member)
        if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
            return XmlParser(self.name, what, self.limits, self)  # UTF-16
        stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
        if stripped and not stripped.startswith(b"<"):
            return None  # a picture, a font, a binary part
        root = _root(head)
        if root is None or root.rsplit(b":", 1)[-1] == b"worksheet":
            return XmlParser(self.name, what, self.limits, self)
        return _Scan(self, what)


def _root(head: bytes) -> bytes | None:
    """The root element's name, past the prolog (declaration, comments, processing
    instructions); None when it is not in ``head`` or a DOCTYPE comes first."""
    at = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        at = _SPACE.match(head, at).end()  # type: ignore[union-attr]
        if head.startswith(b"<?", at):
            end, skip = head.find(b"?>", at), 2
        elif head.startswith(b"<!--", at):
            end, skip = head.find(b"-->", at), 3
        else:
            break
        if end < 0:
            return None
        at = end + skip
    name = _NAME.match(head, at)
    return name.group(1) if name else None


class _Scan:
    """Byte-level checks of a UTF-8 XML part that a library (python-docx,
    openpyxl, both on lxml without entity resolution) is about to parse: no
    DOCTYPE anywhere, its size, and its elements counted from above (every
    ``<`` that is not ``</``) against the file's budget."""

    def __init__(self, archive: Archive, what: str) -> None:
        self.archive, self.what, self.size, self.tail = archive, what, 0, b""

    def feed(self, chunk: bytes) -> None:
        limits, name = self.archive.limits, self.archive.name
        self.size += len(chunk)
        if self.size > limits.xml_bytes:
            raise InputError(name, over(self.what, limits.xml_bytes, "bytes", "xml_bytes"))
        if _DOCTYPE.search(self.tail + chunk):
            raise InputError(name, Reasons.XML_DTD.format(what=self.what))
        self.tail = chunk[-16:]
        self.archive.nodes += chunk.count(b"<") - chunk.count(b"</")
        if self.archive.nodes > limits.xml_nodes:
            raise InputError(
                name, over(f"XML in {self.what}", limits.xml_nodes, "elements", "xml_nodes")
            )

    def close(self) -> None:
        return None


class _OverCap(Exception):
    """A member longer than its caller's cap (raised out of ``Archive.chunks``)."""


class _Malformed(InputError):
    """XML that is not well-formed (an ``InputError`` callers may also pass over)."""


def _detail(exc: BaseException) -> str:
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):
        return "encrypted"
    if isinstance(exc, NotImplementedError):
        return "unsupported compression method"
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return "CRC check failed"
    return type(exc).__name__


class XmlParser:
    """expat, fed in pieces, counting as it goes; builds an ElementTree tree
    (tags as ``{namespace}local``, like ``xml.etree``) only when ``build``.

    Refused: any DOCTYPE (so no entity can be declared, let alone expanded or
    fetched), more than ``xml_nodes`` elements in the file (shared through
    ``counter``), nesting deeper than ``xml_depth``, more than ``xml_bytes`` in
    this part, a text of more than ``source_chars`` characters; and, in a
    worksheet, a grid of more than ``sheet_cells`` cells (two cells at A1 and
    XFD1048576 make a grid of 17 billion for a spreadsheet library to fill).
    """

    def __init__(
        self,
        name: str,
        what: str,
        limits: Limits,
        counter: Any = None,
        build: bool = False,
    ) -> None:
        import xml.parsers.expat as expat
        from xml.etree.ElementTree import TreeBuilder

        self.name, self.what, self.limits = name, what, limits
        self.counter = counter if counter is not None else _Counter()
        self.builder = TreeBuilder() if build else None
        self.size = self.depth = self.run = 0
        self.sheet: bool | None = None  # is the root a worksheet?
        self.rows = self.columns = self.column = 0
        self._names: dict[str, str] = {}
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        parser.UnparsedEntityDeclHandler = self._refuse
        parser.ExternalEntityRefHandler = self._refuse
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data
        self._parser = parser
        self._error: type[Exception] = expat.ExpatError

    def _tag(self, raw: str) -> str:
        tag = self._names.get(raw)
        if tag is None:
            tag = self._names[raw] = "{" + raw if "}" in raw else raw
        return tag

    def _refuse(self, *_args: object) -> int:
        raise InputError(self.name, Reasons.XML_DTD.format(what=self.what))

    def _over(self, what: str, field: str, unit: str) -> InputError:
        return InputError(self.name, over(what, getattr(self.limits, field), unit, field))

    def _start(self, raw: str, attrs: dict[str, str]) -> None:
        self.counter.nodes += 1
        if self.counter.nodes > self.limits.xml_nodes:
            raise self._over(f"XML in {self.what}", "xml_nodes", "elements")
        self.depth += 1
        if self.depth > self.limits.xml_depth:
            raise self._over(f"XML nesting in {self.what}", "xml_depth", "levels")
        self.run = 0
        tag = self._tag(raw)
        if self.sheet is None:
            self.sheet = tag.rsplit("}", 1)[-1] == "worksheet"
        if self.sheet:
            self._cell(tag, attrs)
        if self.builder is not None:
            if attrs and any("}" in key for key in attrs):
                attrs = {self._tag(k): v for k, v in attrs.items()}
            self.builder.start(tag, attrs)

    def _cell(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit("}", 1)[-1]
        if local == "row":
            number = _ROW.fullmatch(attrs.get("r", ""))
            self.rows = max(self.rows, int(number.group()) if number else self.rows + 1)
            self.column = 0
        elif local == "c":
            ref = _CELL.fullmatch(attrs.get("r", ""))
            if ref is None:
                self.column += 1  # cells without a reference follow each other
            else:
                self.column = _column(ref.group(1))
                self.rows = max(self.rows, int(ref.group(2)))
            self.columns = max(self.columns, self.column)
        else:
            return
        if self.rows * max(self.columns, 1) > self.limits.sheet_cells:
            grid = f"{self.rows:,} rows x {self.columns:,} columns"
            raise self._over(f"worksheet {self.what} ({grid})", "sheet_cells", "cells")

    def _end(self, raw: str) -> None:
        self.depth -= 1
        self.run = 0
        if self.builder is not None:
            self.builder.end(self._tag(raw))

    def _data(self, text: str) -> None:
        self.run += len(text)
        if self.run > self.limits.source_chars:
            raise self._over(f"a text in {self.what}", "source_chars", "characters")
        if self.builder is not None:
            self.builder.data(text)

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self.size += len(chunk)
        if self.size > self.limits.xml_bytes:
            raise self._over(self.what, "xml_bytes", "bytes")
        try:
            self._parser.Parse(chunk, final)
        except (self._error, LookupError, UnicodeError) as exc:  # and an unknown encoding
            raise _Malformed(
                self.name, Reasons.XML_MALFORMED.format(what=self.what, detail=str(exc))
            ) from None

    def close(self) -> Element:
        self.feed(b"", final=True)
        if self.builder is None:
            from xml.etree.ElementTree import Element

            return Element("scanned")
        root: Element = self.builder.close()
        return root


class _Counter:
    nodes = 0


def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def parse_xml(data: bytes, name: str, what: str, limits: Limits) -> Element:
    """A bare XML file (not in an archive) as a tree, within the XML limits."""
    parser = XmlParser(name, what, limits, build=True)
    for start in range(0, len(data), _CHUNK):
        parser.feed(data[start : start + _CHUNK])
    return parser.close()


def check_zip(data: bytes, name: str, limits: Limits | ReadOptions, kind: str) -> None:
    """Refuse what is not a sound zip within ``limits`` before a library opens it.

    ``kind`` names it in messages ("a Word document"). Every member is unpacked
    and its XML counted (``Archive.verify``), so the library that reads the file
    next (python-docx, openpyxl) meets nothing over a limit, no bad CRC and no DTD.
    """
    if not isinstance(limits, Limits):
        limits = limits.limits
    with Archive(data, name, kind, limits) as archive:
        archive.verify()
