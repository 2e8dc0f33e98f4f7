"""A whole project copied into another database, table by table, in one transaction.

The rows keep their primary keys (codings name their codebook, reviews and memos
their coding, segments their source by id), so the copy is the same project: every
read of it gives what the same read of the original gives. The source is read in
one snapshot; the target is written in one transaction, so a failure or a kill
leaves it as it was (empty, or with its old contents under ``replace``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pdcode.errors import ConflictError, ProjectError, UsageError
from pdcode.store import migrations, project, schema
from pdcode.store.faults import display_name
from pdcode.store.project import Project

BATCH = 5_000
_VERSION_KEY = "schema_version"


@dataclass(frozen=True)
class CopyCounts:
    """Rows copied per table, in the order the tables were copied."""

    rows: tuple[tuple[str, int], ...]


def _is_url(location: str) -> bool:
    return "://" in location


def same_place(a: str, b: str) -> bool:
    """Whether two locations name the same project: the same file (however
    written, as a path or a ``sqlite:///`` URL), or the same database."""
    first, second = _normalised(a), _normalised(b)
    if isinstance(first, Path) and isinstance(second, Path):
        if first.exists() and second.exists():
            return first.samefile(second)
        return first == second
    return first == second


def _normalised(location: str) -> Path | tuple[Any, ...]:
    if not _is_url(location):
        return Path(location).expanduser().resolve()
    try:
        url = make_url(location)
    except ArgumentError:
        return (location,)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(str(url.database)).expanduser().resolve()
    return (url.get_backend_name(), url.host, url.port, url.database, url.query.get("host"))


def open_target(location: str) -> Project:
    """The project to copy into: an existing project (upgraded to the newest
    schema), or a new one made at ``location`` (a new SQLite file, or a database
    with no tables yet). Anything else there is refused, never written over."""
    if not _is_url(location):
        path = Path(location)
        if path.is_dir():
            raise ProjectError(f"{location}: a folder; name the project file to copy into")
        if not path.exists() or path.stat().st_size == 0:
            return Project.create(location)
        return Project.open(location)
    probe = project._make_engine(location)
    try:
        with probe.connect() as conn:
            names = inspect(conn).get_table_names()
    finally:
        probe.dispose()
    if "meta" in names:
        return Project.open(location)
    if names:
        raise ProjectError(
            f"{display_name(location)}: the database holds tables but no pdcode project; "
            "name an empty database or a pdcode project"
        )
    return Project.create(location)


def _count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _holds_data(conn: Connection) -> bool:
    for table in schema.metadata.sorted_tables:
        if table is schema.meta:
            query = select(func.count()).where(table.c.key != _VERSION_KEY)
            if conn.execute(query).scalar_one():
                return True
        elif _count(conn, table):
            return True
    return False


def _empty(conn: Connection) -> None:
    for table in reversed(schema.metadata.sorted_tables):
        if table is schema.meta:
            conn.execute(delete(table).where(table.c.key != _VERSION_KEY))
        else:
            conn.execute(delete(table))


def _batches(conn: Connection, table: Any) -> Iterator[list[dict[str, Any]]]:
    query = select(table).order_by(*table.primary_key.columns)
    if table is schema.meta:
        query = query.where(table.c.key != _VERSION_KEY)
    result = conn.execution_options(yield_per=BATCH).execute(query)
    for part in result.partitions():
        yield [dict(row._mapping) for row in part]


def _reset_sequences(conn: Connection) -> None:
    """On PostgreSQL, the next id of each table after the largest copied one (an
    explicit id does not advance the sequence), so new rows do not collide."""
    if conn.dialect.name != "postgresql":
        return  # SQLite's next rowid is the largest plus one already
    quote = conn.dialect.identifier_preparer.quote
    for table in schema.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        name = quote(table.name)
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"COALESCE(MAX(id), 0) + 1, false) FROM {name}"
            ),
            {"table": name},
        )


def copy_project(
    source: Project,
    target: Project,
    replace: bool = False,
    insert: Callable[[Connection, Any, list[dict[str, Any]]], None] | None = None,
) -> CopyCounts:
    """Copy every row of ``source`` into ``target``, all in one transaction on the
    target; refuse a target holding anything unless ``replace``, which empties it
    in the same transaction. ``insert`` is the batch insert (``bulk_insert``)."""
    insert = project.bulk_insert if insert is None else insert
    copied: list[tuple[str, int]] = []
    with source.snapshot() as reading, target.engine.begin() as writing:
        if writing.dialect.name == "sqlite":
            # Take the write lock now, so nobody writes between the check and the copy.
            writing.exec_driver_sql("BEGIN IMMEDIATE")
        versions = migrations.stored_version(reading), migrations.stored_version(writing)
        if versions[0] != versions[1] or versions[0] != schema.SCHEMA_VERSION:
            raise ProjectError(
                f"schema versions differ (source {versions[0]}, target {versions[1]}); "
                "open both with this pdcode to bring them up to date"
            )
        if _holds_data(writing):
            if not replace:
                raise ConflictError(
                    f"{display_name(target.location)}: the target project is not empty; "
                    "pass --replace to replace its contents with the copy"
                )
            _empty(writing)
        for table in schema.metadata.sorted_tables:
            n = 0
            for rows in _batches(reading, table):
                insert(writing, table, rows)
                n += len(rows)
            copied.append((table.name, n))
        _reset_sequences(writing)
    return CopyCounts(tuple(copied))


def check_distinct(source: str, target: str) -> None:
    if same_place(source, target):
        raise UsageError(f"{display_name(source)} and {display_name(target)} are the same project")
