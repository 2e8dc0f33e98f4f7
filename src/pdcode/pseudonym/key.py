"""The key file: which names are replaced, by what, as a CSV a person edits.

Columns (only ``original`` is required; no others are allowed)::

    original,replacement,kind,count,found_in,accept
    Priya Das,Hub lead 1,person,36,speaker,yes
    Oakfield Primary School,School A,school,2,detected,

``kind`` is one of `KINDS`; ``count`` says how often the row replaces text (it is
recomputed on every run and never read back as a fact); ``found_in`` says where the
proposal came from. ``accept`` is ``yes`` (replace), ``no`` (leave as written) or
empty: not reviewed yet, and an export refuses a key with such rows.

A cell a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
``@``...) is written with a leading apostrophe, as pdcode writes every CSV, and the
apostrophe is taken off again on reading, so such a name still matches.

Problems are reported with the line they are on, and never quote a name: an error
message may end up in a log that is shared.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pdcode.pseudonym.apply import WORD, Matcher, normal

COLUMNS = ("original", "replacement", "kind", "count", "found_in", "accept")
KINDS = ("person", "school", "trust", "place", "case", "source", "other")
Kind = Literal["person", "school", "trust", "place", "case", "source", "other"]
Accept = Literal["yes", "no", ""]


class KeyProblem(ValueError):
    """A line of a key (or names) file that cannot be used; ``line`` counts from 1."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line


class KeyRow(BaseModel):
    """One row of the key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    original: str = Field(min_length=1)
    replacement: str = ""
    kind: Kind = "other"
    count: int = Field(default=0, ge=0)
    found_in: str = ""
    accept: Accept = ""


def parse_key(text: str) -> tuple[tuple[int, KeyRow], ...]:
    """The rows of a key file's text, each with its line number."""
    import regex

    delimiter = (
        ";" if ";" in text.partition("\n")[0] and "," not in text.partition("\n")[0] else ","
    )
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [c.strip().lower() for c in next(reader, [])]
    if not header or header == [""]:
        raise KeyProblem(1, "empty file: the first line names the columns " + ", ".join(COLUMNS))
    for column in header:
        if column not in COLUMNS:
            raise KeyProblem(1, f"unknown column {column!r} (the columns are {', '.join(COLUMNS)})")
    if len(set(header)) < len(header):
        raise KeyProblem(1, "a column is named twice")
    if "original" not in header:
        raise KeyProblem(1, "no original column")
    has_word = regex.compile(WORD)
    rows: list[tuple[int, KeyRow]] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise KeyProblem(line, f"{len(cells)} cells for {len(header)} columns")
        values = dict(zip(header, (_unquoted(c.strip()) for c in cells), strict=False))
        row = _row(line, values)
        if not has_word.search(row.original):
            raise KeyProblem(line, "the original has no letter or digit")
        key = normal(row.original)
        if key in seen:
            raise KeyProblem(line, f"the same original as line {seen[key]}")
        seen[key] = line
        rows.append((line, row))
    return tuple(rows)


def _row(line: int, values: dict[str, str]) -> KeyRow:
    original = values.get("original", "")
    if not original:
        raise KeyProblem(line, "the original is empty")
    if "\n" in values.get("replacement", ""):
        raise KeyProblem(line, "the replacement holds a line break")
    kind = values.get("kind", "").lower() or "other"
    if kind not in KINDS:
        raise KeyProblem(line, f"unknown kind {kind!r} (choose from {', '.join(KINDS)})")
    accept = values.get("accept", "").lower()
    if accept not in ("yes", "no", ""):
        raise KeyProblem(line, f"accept is {accept!r}: yes, no, or empty while not reviewed")
    count = values.get("count", "")
    if count and not (count.isascii() and count.isdigit()):
        raise KeyProblem(line, f"count {count!r} is not a whole number")
    try:
        return KeyRow.model_validate(
            {
                "original": original,
                "replacement": values.get("replacement", ""),
                "kind": kind,
                "count": int(count or 0),
                "found_in": values.get("found_in", ""),
                "accept": accept,
            }
        )
    except ValidationError as exc:  # the checks above should leave nothing for this
        first = exc.errors()[0]
        raise KeyProblem(line, f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def _unquoted(cell: str) -> str:
    """A cell as written before `dump_key` guarded it against spreadsheets."""
    from pdcode.export.tables import FORMULA_STARTS

    return cell[1:] if cell[:1] == "'" and cell[1:].startswith(FORMULA_STARTS) else cell


def dump_key(rows: Sequence[KeyRow]) -> str:
    """The key as CSV text: fixed columns, LF line ends, the same rows the same bytes."""
    from pdcode.export.tables import FORMULA_STARTS

    def cell(text: str) -> str:
        return "'" + text if text.startswith(FORMULA_STARTS) else text

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                cell(row.original),
                cell(row.replacement),
                row.kind,
                row.count,
                row.found_in,
                row.accept,
            ]
        )
    return buffer.getvalue()


def accepted(rows: Sequence[tuple[int, KeyRow]]) -> list[tuple[str, str]]:
    """(original, replacement) of the accepted rows, once every row is reviewed and
    no replacement would bring an accepted original back into the export."""
    waiting = [line for line, row in rows if row.accept == ""]
    if waiting:
        more = len(waiting) - 1
        rest = f"; {more} more row{'s' if more > 1 else ''} not reviewed" if more else ""
        raise KeyProblem(
            waiting[0],
            "not reviewed: accept is empty (yes replaces the name, no leaves it)" + rest,
        )
    chosen = [(line, row) for line, row in rows if row.accept == "yes"]
    for line, row in chosen:
        if not row.replacement.strip():
            raise KeyProblem(line, "accept is yes but the replacement is empty")
        if normal(row.replacement) == normal(row.original):
            raise KeyProblem(line, "the replacement is the original itself (accept no leaves it)")
    matcher = Matcher([row.original for _, row in chosen])
    for line, row in chosen:
        hit = next(matcher.finditer(row.replacement), None)
        if hit is not None:
            raise KeyProblem(
                line,
                f"the replacement holds the original of line {chosen[hit[2]][0]} as a word, "
                "which would stay in the export",
            )
    return [(normal(row.original), row.replacement) for _, row in chosen]


def parse_names(text: str) -> tuple[tuple[str, str | None], ...]:
    """A list of names to replace: one a line, ``NAME`` or ``NAME = KIND``; ``#``
    starts a comment line. Each (name, kind or None), in file order."""
    names: dict[str, tuple[str, str | None]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, kind = line.rpartition("=") if "=" in line else (line, "", "")
        name, kind = normal(name), kind.strip().lower()
        if not name:
            raise KeyProblem(number, "expected NAME or NAME = KIND")
        if sep and kind not in KINDS:
            raise KeyProblem(number, f"unknown kind {kind!r} (choose from {', '.join(KINDS)})")
        names.setdefault(name, (name, kind or None))
    return tuple(names.values())
