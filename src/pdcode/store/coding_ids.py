"""Writing codings: a coding as readers see it (the ``codings`` view's columns)
turned into a ``coding_spans`` row of lookup ids, and the deletes and recodes
that the view cannot take.

Every write of a coding goes through here, so the lookups (``coding_origins``,
``coding_codes``, ``coding_rules``) are filled in one place. A lookup row is
found or added once per distinct string and remembered for the rest of the
transaction; it is never deleted, as a later coding may name it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, select, update

from pdcode.records import NewCoding
from pdcode.store import schema
from pdcode.store.bulk import bulk_insert, insert_rows
from pdcode.store.project import insert_if_absent, new_id

# The view's columns a row carries as they are (the rest become lookup ids).
_PLAIN = ("source_id", "start", "end", "codebook_id", "match_start", "match_end")
_PLAIN_MODEL = ("probability", "threshold")
# A coding_spans row as CodingRows.spans gives it, without its id.
SPAN_KEYS = (
    "source_id",
    "start",
    "end",
    "code_id",
    "codebook_id",
    "origin_id",
    "rule_id",
    "match_start",
    "match_end",
    "probability",
    "threshold",
)
SpanRow = tuple[
    int,
    int,
    int,
    int,
    int | None,
    int,
    int | None,
    int | None,
    int | None,
    float | None,
    float | None,
]


class CodingRows:
    """Lookup ids for codings written in one transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._origins: dict[tuple[str, str, str], int] = {}
        self._codes: dict[str, int] = {}
        self._rules: dict[str, int] = {}

    def origin(self, coder: str, provenance: str, created_at: str) -> int:
        key = (coder, provenance, created_at)
        found = self._origins.get(key)
        if found is None:
            o = schema.coding_origins
            same = (o.c.coder == coder) & (o.c.provenance == provenance)
            query = select(o.c.id).where(same & (o.c.created_at == created_at))
            found = self.conn.execute(query.order_by(o.c.id).limit(1)).scalar()
            if found is None:
                # No unique key: two writers at the same second may each add one,
                # which costs a row, never a wrong coding.
                added = self.conn.execute(
                    o.insert().values(coder=coder, provenance=provenance, created_at=created_at)
                )
                found = new_id(added)
            self._origins[key] = found = int(found)
        return found

    def code(self, code: str) -> int:
        found = self._codes.get(code)
        if found is None:
            k = schema.coding_codes
            insert_if_absent(self.conn, k, {"code": code}, ("code",))
            found = int(self.conn.execute(select(k.c.id).where(k.c.code == code)).scalar_one())
            self._codes[code] = found
        return found

    def rule(self, rule: str | None) -> int | None:
        if rule is None:
            return None
        found = self._rules.get(rule)
        if found is None:
            r = schema.coding_rules
            digest = hashlib.sha256(rule.encode("utf-8")).hexdigest()
            insert_if_absent(self.conn, r, {"digest": digest, "rule": rule}, ("digest",))
            found = int(self.conn.execute(select(r.c.id).where(r.c.digest == digest)).scalar_one())
            self._rules[rule] = found
        return found

    def spans(
        self,
        codings: Iterable[NewCoding],
        ids: Mapping[str, int],
        origin_id: int,
        codebook_id: int | None,
    ) -> list[SpanRow]:
        """The ``coding_spans`` rows of one run's codings (``ids``: source name to
        id; ``origin_id``: ``origin`` of the run's coder): tuples straight from the
        records, with no dict a coding, as a large run writes hundreds of thousands."""
        code, rule = self.code, self.rule
        return [
            (
                ids[k.source],
                k.start,
                k.end,
                code(k.code),
                codebook_id,
                origin_id,
                rule(k.rule),
                k.match_start,
                k.match_end,
                k.probability,
                k.threshold,
            )
            for k in codings
        ]

    def row(self, coding: Mapping[str, Any]) -> dict[str, Any]:
        """The ``coding_spans`` row of a coding given by the view's column names
        (``id`` optional; ``rule``, ``codebook_id``, ``match_*``, ``probability``
        and ``threshold`` default to NULL)."""
        row = {name: coding.get(name) for name in (*_PLAIN, *_PLAIN_MODEL)}
        if "id" in coding:
            row["id"] = coding["id"]
        row["code_id"] = self.code(coding["code"])
        row["origin_id"] = self.origin(coding["coder"], coding["provenance"], coding["created_at"])
        row["rule_id"] = self.rule(coding.get("rule"))
        return row


def insert_spans(conn: Connection, rows: Sequence[SpanRow]) -> None:
    """Insert ``coding_spans`` rows as ``CodingRows.spans`` makes them."""
    insert_rows(conn, schema.coding_spans, SPAN_KEYS, rows)


def insert_codings(
    conn: Connection, codings: Iterable[Mapping[str, Any]], ids: CodingRows | None = None
) -> int:
    """Insert codings given by the view's column names; return how many."""
    ids = CodingRows(conn) if ids is None else ids
    rows = [ids.row(c) for c in codings]
    bulk_insert(conn, schema.coding_spans, rows)
    return len(rows)


def insert_coding(conn: Connection, coding: Mapping[str, Any]) -> int:
    """Insert one coding; return its id."""
    row = CodingRows(conn).row(coding)
    return new_id(conn.execute(schema.coding_spans.insert().values(**row)))


def by_coder(coder: str, provenance: str | None = None) -> ColumnElement[bool]:
    """Condition on ``coding_spans``: the codings of ``coder`` (and ``provenance``)."""
    o, k = schema.coding_origins, schema.coding_spans
    origins = select(o.c.id).where(o.c.coder == coder)
    if provenance is not None:
        origins = origins.where(o.c.provenance == provenance)
    return k.c.origin_id.in_(origins)


def matching(where: ColumnElement[bool]) -> ColumnElement[bool]:
    """Condition on ``coding_spans`` for the codings the view's ``where`` selects."""
    c = schema.codings
    return schema.coding_spans.c.id.in_(select(c.c.id).where(where))


def delete_codings(conn: Connection, where: ColumnElement[bool]) -> int:
    """Delete the codings ``where`` (a condition on ``coding_spans``) selects."""
    return int(conn.execute(delete(schema.coding_spans).where(where)).rowcount)


def recode(conn: Connection, where: ColumnElement[bool], code: str) -> int:
    """Give the codings ``where`` (on ``coding_spans``) selects the code ``code``."""
    code_id = CodingRows(conn).code(code)
    k = schema.coding_spans
    return int(conn.execute(update(k).where(where).values(code_id=code_id)).rowcount)


def code_is(code: str) -> ColumnElement[bool]:
    """Condition on ``coding_spans``: the codings with code ``code``."""
    k, names = schema.coding_spans, schema.coding_codes
    return k.c.code_id.in_(select(names.c.id).where(names.c.code == code))
