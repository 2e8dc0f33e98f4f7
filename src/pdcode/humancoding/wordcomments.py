"""Codings carried by Word comments: the comment names the code(s), its anchor
is the coded text. Many teams code transcripts this way before any software.

The package is read with defusedxml (a .docx is untrusted input). Positions are
tracked over the document's plain text (paragraphs joined by blank lines) so the
caller can tell which occurrence of the anchored text was commented.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from pdcode.errors import InputError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SPLIT = re.compile(r"[,;\n]+")


@dataclass(frozen=True)
class CommentCoding:
    comment_id: str
    labels: tuple[str, ...]  # code ids or names, as written in the comment
    author: str
    anchor: str  # the commented text ("" when the comment has no range)
    occurrence: int  # occurrences of ``anchor`` in the document before this one


def _text(element: Any) -> str:
    parts = []
    for node in element.iter():
        if node.tag == f"{W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{W}tab":
            parts.append("\t")
        elif node.tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
    return "".join(parts)


def read_comment_codings(data: bytes, name: str) -> list[CommentCoding]:
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = ElementTree.fromstring(archive.read("word/document.xml"))
            names = archive.namelist()
            comments_xml = (
                archive.read("word/comments.xml") if "word/comments.xml" in names else None
            )
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise InputError(name, f"cannot read Word comments ({type(exc).__name__})") from None
    if comments_xml is None:
        return []
    comments = {}
    for comment in ElementTree.fromstring(comments_xml).iter(f"{W}comment"):
        paragraphs = [_text(p) for p in comment.iter(f"{W}p")]
        comments[comment.get(f"{W}id")] = (
            comment.get(f"{W}author") or "",
            "\n".join(paragraphs),
        )
    plain: list[str] = []
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    length = 0
    body = document.find(f"{W}body")
    for paragraph in body.iter(f"{W}p") if body is not None else []:
        if plain:
            plain.append("\n\n")
            length += 2
        for node in paragraph.iter():
            tag = node.tag
            if tag == f"{W}commentRangeStart":
                starts[node.get(f"{W}id")] = length
            elif tag == f"{W}commentRangeEnd":
                ends[node.get(f"{W}id")] = length
            elif tag == f"{W}t" and node.text:
                plain.append(node.text)
                length += len(node.text)
            elif tag == f"{W}tab":
                plain.append("\t")
                length += 1
    text = "".join(plain)
    out = []
    for cid, (author, body_text) in comments.items():
        labels = tuple(label.strip() for label in _SPLIT.split(body_text) if label.strip())
        if cid in starts and cid in ends and ends[cid] > starts[cid]:
            anchor = text[starts[cid] : ends[cid]]
            before = text[: starts[cid]].count(anchor.strip()) if anchor.strip() else 0
        else:
            anchor, before = "", 0
        out.append(CommentCoding(str(cid), labels, author, anchor.strip(), before))
    return sorted(out, key=lambda c: (starts.get(c.comment_id, -1), c.comment_id))
