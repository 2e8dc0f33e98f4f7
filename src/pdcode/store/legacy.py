"""The schema as pdcode wrote it before compact codings (v6), and the step to v7.

The earlier migration steps (v2, v4) alter the old ``codings`` table, and v3 makes
``reviews`` point at it, so they need that table as it was, not as ``schema`` now
describes it. Frozen here: never edit these definitions to follow ``schema``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    insert,
    select,
    text,
    update,
)

from pdcode.store import schema

_NEW = {"coding_spans", "coding_origins", "coding_codes", "coding_rules", "memos", "reviews"}

metadata = MetaData()
for _table in schema.metadata.sorted_tables:
    if _table.name not in _NEW:
        _table.to_metadata(metadata)


_string, _text = schema._string, schema._text


codings = Table(
    "codings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("code", _string(255), nullable=False),
    Column("codebook_id", ForeignKey("codebooks.id"), nullable=True),
    Column("coder", _string(255), nullable=False),
    Column("provenance", _string(512), nullable=False),
    Column("rule", _text()),
    Column("match_start", Integer),
    Column("match_end", Integer),
    Column("created_at", _string(32), nullable=False),
    Column("probability", Float),
    Column("threshold", Float),
    Index("ix_codings_source_start", "source_id", "start"),
    Index("ix_codings_coder", "coder"),
    Index("ix_codings_code", "code"),
    Index("ix_codings_source_code", "source_id", "code"),
)

# As v3 made them: naming their coding in ``codings``.
memos = schema.memos_table(metadata, "codings", edits=False)
reviews = schema.reviews_table(metadata, "codings")


def create_v6(conn: Connection) -> None:
    """Every table of a version 6 project (for tests that open older projects)."""
    metadata.create_all(conn)


def compact_codings(conn: Connection) -> None:
    """The v7 step, on the v6 ``codings`` table: fill the lookup tables from its
    distinct strings, rename it ``coding_spans``, point each row at its lookups and
    drop the string columns. Row ids stay, so memos and reviews keep their codings.
    The caller creates the ``codings`` view afterwards."""
    old = codings
    for table in (schema.coding_origins, schema.coding_codes, schema.coding_rules):
        table.create(conn, checkfirst=True)
    origin = select(old.c.coder, old.c.provenance, old.c.created_at).distinct()
    conn.execute(
        insert(schema.coding_origins).from_select(
            ["coder", "provenance", "created_at"],
            origin.order_by(old.c.coder, old.c.provenance, old.c.created_at),
        )
    )
    code = select(old.c.code).distinct().order_by(old.c.code)
    conn.execute(insert(schema.coding_codes).from_select(["code"], code))
    rules = conn.execute(
        select(old.c.rule).where(old.c.rule.is_not(None)).distinct().order_by(old.c.rule)
    ).scalars()
    found = [{"digest": hashlib.sha256(r.encode()).hexdigest(), "rule": r} for r in rules]
    if found:
        conn.execute(insert(schema.coding_rules), found)
    for name in ("ix_codings_source_start", "ix_codings_coder", "ix_codings_code"):
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    conn.execute(text("DROP INDEX IF EXISTS ix_codings_source_code"))
    # A rename, not a copy: SQLite (3.26+) and PostgreSQL both repoint the memos'
    # and reviews' foreign keys, and no row is deleted (a DROP would cascade).
    conn.execute(text("ALTER TABLE codings RENAME TO coding_spans"))
    for name in ("code_id", "origin_id", "rule_id"):
        conn.execute(text(f"ALTER TABLE coding_spans ADD COLUMN {name} INTEGER"))
    spans = old.to_metadata(MetaData(), name="coding_spans")
    for name in ("code_id", "origin_id", "rule_id"):
        spans.append_column(Column(name, Integer))
    o, k, r = schema.coding_origins, schema.coding_codes, schema.coding_rules
    # UPDATE ... FROM (SQLite 3.33+, PostgreSQL): a join, not a subquery per row.
    conn.execute(update(spans).values(code_id=k.c.id).where(k.c.code == spans.c.code))
    conn.execute(
        update(spans)
        .values(origin_id=o.c.id)
        .where(
            (o.c.coder == spans.c.coder)
            & (o.c.provenance == spans.c.provenance)
            & (o.c.created_at == spans.c.created_at)
        )
    )
    conn.execute(update(spans).values(rule_id=r.c.id).where(r.c.rule == spans.c.rule))
    for name in ("code", "coder", "provenance", "rule", "created_at"):
        conn.execute(text(f"ALTER TABLE coding_spans DROP COLUMN {name}"))
    for index in schema.coding_spans.indexes:
        index.create(conn)
