"""The project schema, in SQLAlchemy Core so that any backend SQLAlchemy speaks
(SQLite for one researcher, PostgreSQL for a team) runs the same queries.

This describes the newest version; ``migrations`` brings older files up to it.
Offsets (``start``/``end``) are code points into ``sources.text``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 8


# Text sorts by code point on every backend, as under SQLite's BINARY collation: on
# PostgreSQL every text column collates "C", whatever the database's locale, so an
# ORDER BY gives the same rows in the same order (and outputs the same bytes) on
# both. Equality and uniqueness are the same under any deterministic collation.
def _string(length: int) -> String:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _text() -> Text:
    return Text().with_variant(Text(collation="C"), "postgresql")


metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", _string(64), primary_key=True),
    Column("value", _text(), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", _string(255), nullable=False, unique=True),
)

case_attributes = Table(
    "case_attributes",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("key", _string(255), primary_key=True),
    Column("value", _text(), nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", _string(1024), nullable=False, unique=True),
    Column("file", _string(1024), nullable=False, index=True),
    Column("strand", _string(255)),
    Column("case_id", ForeignKey("cases.id"), index=True),
    Column("format", _string(16), nullable=False),
    Column("sha256", _string(64), nullable=False),
    Column("imported_at", _string(32), nullable=False),
    Column("text", _text(), nullable=False),
)

source_attributes = Table(
    "source_attributes",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("key", _string(255), primary_key=True),
    Column("value", _text(), nullable=False),
)

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("unit", _string(16), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("speaker", _string(255)),
    Column("is_interviewer", Boolean, nullable=False, default=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("start_time", Float),
    Column("end_time", Float),
    UniqueConstraint("source_id", "unit", "idx"),
)

codebooks = Table(
    "codebooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", _string(255), nullable=False),
    Column("version", _string(64), nullable=False),
    Column("content_hash", _string(64), nullable=False),
    Column("content", _text(), nullable=False),
    Column("loaded_at", _string(32), nullable=False),
    UniqueConstraint("name", "version", "content_hash"),
)

codes = Table(
    "codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("codebook_id", ForeignKey("codebooks.id", ondelete="CASCADE"), nullable=False),
    Column("code", _string(255), nullable=False),
    Column("parent", _string(255)),
    Column("name", _string(1024), nullable=False),
    Column("definition", _text(), nullable=False, default=""),
    Column("colour", _string(16)),
    Column("is_group", Boolean, nullable=False, default=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("codebook_id", "code"),
)

# A coding (v7) is a span of a source, a code, and where it came from. The strings
# a run repeats on every row (its coder, provenance and time; the code; the rule)
# are stored once in lookup tables and referenced by id, so a coding costs well
# under 100 bytes on disk. ``codings`` below is a view joining them back, with the
# columns every reader (pdcode's and an analyst's SQL) knows; writes go to
# ``coding_spans`` (``store.coding_ids`` turns a coding into its row).
coding_origins = Table(
    "coding_origins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("coder", _string(255), nullable=False),
    # human:NAME, rules:BOOK@VERSION#sha256:HASH, model:NAME@HASH#sha256:DIGEST,
    # topics:..., qdpx:TOOL — where the codings came from
    Column("provenance", _string(512), nullable=False),
    Column("created_at", _string(32), nullable=False),
    Index("ix_coding_origins_coder", "coder"),
)

coding_codes = Table(
    "coding_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", _string(255), nullable=False, unique=True),
)

# The rule that fired, for auto-coding; found by the sha256 of its text, as a rule
# can be longer than a B-tree index entry may be.
coding_rules = Table(
    "coding_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", _string(64), nullable=False, unique=True),
    Column("rule", _text(), nullable=False),
)

coding_spans = Table(
    "coding_spans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("code_id", ForeignKey("coding_codes.id"), nullable=False),
    Column("codebook_id", ForeignKey("codebooks.id"), nullable=True),
    Column("origin_id", ForeignKey("coding_origins.id"), nullable=False),
    Column("rule_id", ForeignKey("coding_rules.id")),  # NULL for human coding
    # Where in the segment the rule matched (code points into sources.text), so a
    # reviewer sees the very words that triggered the code.
    Column("match_start", Integer),
    Column("match_end", Integer),
    # A learned model's coding (v4): the probability it gave the code on the unit
    # and the threshold the code needed; NULL for every other coder.
    Column("probability", Float),
    Column("threshold", Float),
    Index("ix_coding_spans_source_start", "source_id", "start"),
    Index("ix_coding_spans_origin", "origin_id"),
    Index("ix_coding_spans_code", "code_id"),
    # Covers "which sources carry which codes" (compare): read from the index alone.
    Index("ix_coding_spans_source_code", "source_id", "code_id"),
)

# The view every read goes through: not created by ``metadata.create_all`` (it
# has its own MetaData) but by ``CODINGS_VIEW`` below, in ``migrations``.
views = MetaData()

codings = Table(
    "codings",
    views,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer),
    Column("start", Integer),
    Column("end", Integer),
    Column("code", _string(255)),
    Column("codebook_id", Integer),
    Column("coder", _string(255)),
    Column("provenance", _string(512)),
    Column("rule", _text()),
    Column("match_start", Integer),
    Column("match_end", Integer),
    Column("created_at", _string(32)),
    Column("probability", Float),
    Column("threshold", Float),
)

CODINGS_VIEW = """CREATE VIEW codings AS
SELECT k.id, k.source_id, k.start, k."end", l.code, k.codebook_id, o.coder,
       o.provenance, r.rule, k.match_start, k.match_end, o.created_at,
       k.probability, k.threshold
FROM coding_spans k
JOIN coding_origins o ON o.id = k.origin_id
JOIN coding_codes l ON l.id = k.code_id
LEFT JOIN coding_rules r ON r.id = k.rule_id"""


def memos_table(meta: MetaData, codings: str = "coding_spans", edits: bool = True) -> Table:
    """The memos table in ``meta``, naming its coding in the table ``codings``
    (``legacy`` makes the v6 one, which named ``codings`` and had no ``edits``)."""
    # From v8, when a memo's text or title was last edited (NULL: never); an
    # edit keeps ``created_at``, so a memo shows both, as a REFI-QDA Note does.
    edited = [Column("modified_at", _string(32))] if edits else []
    return Table(
        "memos",
        meta,
        Column("id", Integer, primary_key=True),
        Column("source_id", ForeignKey("sources.id", ondelete="CASCADE")),
        Column("coding_id", ForeignKey(f"{codings}.id", ondelete="CASCADE")),
        Column("code", _string(255)),
        Column("author", _string(255), nullable=False),
        Column("title", _string(1024)),
        Column("text", _text(), nullable=False),
        Column("created_at", _string(32), nullable=False),
        *edited,
    )


memos = memos_table(metadata)


# A person's decision on one machine coding (v3). The coding is named by its span,
# code and coder rather than its row id, because a rerun of the coder replaces its
# rows: a decision made before the rerun still applies to the same coding after it.
# The machine coding itself is never deleted by a decision.
def reviews_table(meta: MetaData, codings: str = "coding_spans") -> Table:
    """The reviews table in ``meta``, naming its coding in the table ``codings``
    (``legacy`` makes the v6 one, which named ``codings``)."""
    return Table(
        "reviews",
        meta,
        Column("id", Integer, primary_key=True),
        Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        Column("start", Integer, nullable=False),
        Column("end", Integer, nullable=False),
        Column("code", _string(255), nullable=False),  # the machine coder's code
        Column("coder", _string(255), nullable=False),  # the machine coder reviewed
        Column("reviewer", _string(255), nullable=False),  # human:NAME
        Column("decision", _string(16), nullable=False),  # accept | reject | change
        Column("new_code", _string(255)),  # the code it was changed to
        # The human coding an accept or a change added (NULL when the reviewer had
        # already coded the span so, or for a reject); undo removes it.
        Column("coding_id", ForeignKey(f"{codings}.id", ondelete="SET NULL")),
        Column("decided_at", _string(32), nullable=False),
        UniqueConstraint("source_id", "start", "end", "code", "coder", "reviewer"),
        Index("ix_reviews_coder", "coder", "reviewer"),
    )


reviews = reviews_table(metadata)

# Learned suggestion models (v4): ``record`` is the model as canonical JSON (plain
# data checked by its digest on every load, never pickle); ``hash`` the first 12
# hex digits of that digest, as in its coder ``model:NAME@HASH``. ``coders`` is the
# JSON list of the human coders it learned from, ``unit`` the units it learned and
# suggests on, ``codebook`` the content hash of the codebook its codes come from
# (NULL when they come from several or none). Learning again under a name
# replaces the row.
models = Table(
    "models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", _string(255), nullable=False, unique=True),
    Column("hash", _string(64), nullable=False),
    Column("record", _text(), nullable=False),
    Column("unit", _string(16), nullable=False),
    Column("coders", _text(), nullable=False),
    Column("codebook", _string(64)),
    Column("created_at", _string(32), nullable=False),
)

# The people who may use a shared workbench (v5, ``pdcode coder add``): a name as
# codings store a person (``ana``, provenance ``human:ana``) and the sha256 of their
# access token, never the token. A revoked coder keeps the row, with ``revoked_at``
# set; adding the name again gives that row a new token (``store.coders``).
coders = Table(
    "coders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", _string(255), nullable=False, unique=True),
    Column("token_hash", _string(64), nullable=False, unique=True),
    Column("created_at", _string(32), nullable=False),
    Column("revoked_at", _string(32)),
)

# How a codebook came to be what it is (v6, ``pdcode codes``): one row per change
# (rename, merge, move, retire, restore, and a load that orphaned human codings
# under --force), who made it and when. ``details`` is canonical JSON (sorted
# keys): the codes changed and the codings, reviews and models each touched.
# ``content_hash`` names the stored codebook content the change produced, if any.
codebook_history = Table(
    "codebook_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("codebook", _string(255), nullable=False),
    Column("action", _string(16), nullable=False),
    Column("details", _text(), nullable=False),
    Column("who", _string(255), nullable=False),
    Column("at", _string(32), nullable=False),
    Column("content_hash", _string(64)),
    Index("ix_codebook_history_codebook", "codebook", "id"),
)

# Codes retired from a codebook (v6, ``pdcode codes retire``), by codebook name so
# that loading a new version keeps them retired: their codings stay, and
# ``pdcode code`` no longer applies their rules.
retired_codes = Table(
    "retired_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("codebook", _string(255), nullable=False),
    Column("code", _string(255), nullable=False),
    Column("retired_at", _string(32), nullable=False),
    Column("who", _string(255), nullable=False),
    UniqueConstraint("codebook", "code"),
)
