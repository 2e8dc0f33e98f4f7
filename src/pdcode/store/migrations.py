"""Schema versions and the forward steps between them.

A new project is created at the newest version straight from ``schema.metadata``.
An older project file is brought forward by running, in order, every registered
step above its stored version, each in the same transaction as the version bump.
To change the schema: edit ``schema.py``, raise ``SCHEMA_VERSION``, and register a
step that turns the previous version into the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn

from pdcode.errors import ProjectError, StorageError
from pdcode.store import schema

Step = Callable[[Connection], None]

# version -> the step that upgrades a project from version - 1 to it.
STEPS: dict[int, Step] = {}

# Steps that leave much of a SQLite file free (v7 drops the strings every coding
# repeated): the file is rewritten once the upgrade has committed.
RECLAIMS = frozenset({7})


def register(version: int) -> Callable[[Step], Step]:
    def decorator(step: Step) -> Step:
        if version in STEPS:
            raise ValueError(f"migration to version {version} registered twice")
        STEPS[version] = step
        return step

    return decorator


def stored_version(conn: Connection) -> int | None:
    row = conn.execute(
        select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
    ).first()
    if row is None:
        return None
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise ProjectError(
            "not a pdcode project (its schema version is not a number); check --project"
        ) from None


def set_version(conn: Connection, version: int) -> None:
    table = schema.meta
    if stored_version(conn) is None:
        conn.execute(table.insert().values(key="schema_version", value=str(version)))
    else:
        conn.execute(
            table.update().where(table.c.key == "schema_version").values(value=str(version))
        )


def create(conn: Connection) -> None:
    """Create every table (and the codings view) of a new project at the newest version."""
    schema.metadata.create_all(conn)
    conn.execute(text(schema.CODINGS_VIEW))
    set_version(conn, schema.SCHEMA_VERSION)


def upgrade(conn: Connection, target: int | None = None) -> list[int]:
    """Run the steps from the stored version up to ``target`` (default: newest)."""
    target = schema.SCHEMA_VERSION if target is None else target
    current = stored_version(conn)
    if current is None:
        raise ProjectError("not a pdcode project (no schema version)")
    if current > target:
        raise ProjectError(
            f"project schema version {current} is newer than this pdcode supports "
            f"({target}); upgrade pdcode"
        )
    ran = []
    for version in range(current + 1, target + 1):
        if version not in STEPS:
            raise ProjectError(f"no migration registered to schema version {version}")
        STEPS[version](conn)
        set_version(conn, version)
        ran.append(version)
    return ran


def reclaim(engine: Engine, ran: list[int]) -> None:
    """After an upgrade that ran a step of ``RECLAIMS``, ``VACUUM`` a SQLite project
    so that its file is as small as the same project created new (SQLite keeps freed
    pages inside the file until then). Outside the upgrade's transaction, as VACUUM
    must be. If it cannot run (another process has the project open, or the disk has
    no room for the copy it writes) the project is whole and upgraded, only larger
    than it needs to be: the next ``VACUUM`` (``sqlite3 FILE VACUUM``) shrinks it."""
    if engine.dialect.name != "sqlite" or not RECLAIMS.intersection(ran):
        return
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")
    except (DBAPIError, StorageError):
        pass


@register(2)
def _source_code_index(conn: Connection) -> None:
    """v2: an index on codings (source_id, code) for per-source code sets."""
    from pdcode.store import legacy  # only old projects need the old tables

    index = next(i for i in legacy.codings.indexes if i.name == "ix_codings_source_code")
    index.create(conn, checkfirst=True)


@register(3)
def _reviews(conn: Connection) -> None:
    """v3: the reviews table (decisions on machine codings)."""
    from pdcode.store import legacy  # reviews as v3 made them: pointing at codings

    legacy.reviews.create(conn, checkfirst=True)


@register(4)
def _models(conn: Connection) -> None:
    """v4: the models table (learned suggestion models) and, on codings, the
    probability and threshold of a model's coding (NULL for every other coder)."""
    schema.models.create(conn, checkfirst=True)
    from pdcode.store import legacy

    add_columns(conn, legacy.codings, ("probability", "threshold"))


@register(5)
def _coders(conn: Connection) -> None:
    """v5: the coders table (people with a token for a shared workbench)."""
    schema.coders.create(conn, checkfirst=True)


@register(6)
def _codebook_history(conn: Connection) -> None:
    """v6: the codebook_history table (each rename, merge, move and retire of a
    code, by whom and when) and retired_codes (the codes no run applies)."""
    schema.codebook_history.create(conn, checkfirst=True)
    schema.retired_codes.create(conn, checkfirst=True)


@register(7)
def _compact_codings(conn: Connection) -> None:
    """v7: compact codings. The coder, provenance and time, the code and the rule
    move to lookup tables (``coding_origins``, ``coding_codes``, ``coding_rules``);
    the table, renamed ``coding_spans``, keeps their ids; a view named ``codings``
    joins them back. Every coding keeps its id, so memos and reviews still name it.
    On SQLite the file shrinks when ``reclaim`` vacuums it after the upgrade."""
    from pdcode.store import legacy

    legacy.compact_codings(conn)
    conn.execute(text(schema.CODINGS_VIEW))


@register(8)
def _memo_edits(conn: Connection) -> None:
    """v8: memos.modified_at, when a memo was last edited (NULL for every memo
    stored before: pdcode did not record it)."""
    add_columns(conn, schema.memos, ("modified_at",))


def add_columns(conn: Connection, table: Any, names: tuple[str, ...]) -> None:
    """``ALTER TABLE ... ADD COLUMN`` for each of ``names`` the table lacks, the
    column's type written by the connection's dialect (SQLite, PostgreSQL...).
    The columns must be nullable: existing rows get NULL."""
    present = {c["name"] for c in inspect(conn).get_columns(table.name)}
    quote = conn.dialect.identifier_preparer.quote
    for name in names:
        if name in present:
            continue
        column = table.c[name]
        if not column.nullable:
            raise ValueError(f"cannot add the non-nullable column {name} to {table.name}")
        spec = CreateColumn(column).compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {spec}"))
