"""Codings carried by Word comments: the comment names the code(s), its anchor
is the coded text. Many teams code transcripts this way before any software.

The package is read through pdcode's zip and XML guard (a .docx is untrusted
input: limits on unpacked bytes and XML elements, no DTD or entity). Positions are
tracked over the document's plain text (paragraphs joined by blank lines) so the
caller can tell which occurrence of the anchored text was commented.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from pdcode.errors import InputError
from pdcode.limits import Limits, over

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


def read_comment_codings(
    data: bytes, name: str, limits: Limits | None = None
) -> list[CommentCoding]:
    from pdcode.ingest.guard import Archive

    limits = limits or Limits.from_env()
    with Archive(data, name, "a Word document", limits) as archive:
        main = archive.find("word/document.xml")
        if main is None:
            raise InputError(name, "cannot read Word comments (no word/document.xml)")
        document = archive.parse(main)
        part = archive.find("word/comments.xml")
        comments_root = archive.parse(part) if part is not None else None
    if comments_root is None:
        return []
    comments = {}
    for comment in comments_root.iter(f"{W}comment"):
        paragraphs = [_text(p) for p in comment.iter(f"{W}p")]
        comments[comment.get(f"{W}id")] = (
            comment.get(f"{W}author") or "",
            "\n".join(paragraphs),
        )
    plain: list[str] = []
    starts: dict[str | None, int] = {}
    ends: dict[str | None, int] = {}
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
    if len(text) > limits.source_chars:
        raise InputError(name, over("text", limits.source_chars, "characters", "source_chars"))
    # Where each anchored text occurs (as str.count finds them: left to right, not
    # overlapping), found once per distinct anchor rather than once per comment.
    found: dict[str, list[int]] = {}

    def occurrences_before(anchor: str, start: int) -> int:
        positions = found.get(anchor)
        if positions is None:
            positions = found[anchor] = []
            at = text.find(anchor)
            while at != -1:
                positions.append(at)
                at = text.find(anchor, at + len(anchor))
        return bisect_right(positions, start - len(anchor))

    out = []
    for cid, (author, body_text) in comments.items():
        labels = tuple(label.strip() for label in _SPLIT.split(body_text) if label.strip())
        if cid in starts and cid in ends and ends[cid] > starts[cid]:
            anchor = text[starts[cid] : ends[cid]].strip()
            before = occurrences_before(anchor, starts[cid]) if anchor else 0
        else:
            anchor, before = "", 0
        out.append(CommentCoding(str(cid), labels, author, anchor, before))
    return sorted(out, key=lambda c: (starts.get(c.comment_id, -1), c.comment_id))
