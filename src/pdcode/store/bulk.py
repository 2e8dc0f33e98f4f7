"""Inserting many rows at once, by the fastest path of each backend.

``bulk_insert`` is the batch insert of coding runs, imports and ``project copy``:
one compiled statement and plain driver parameters everywhere, and on PostgreSQL
(psycopg 3) one ``COPY ... FROM STDIN`` for a large batch. Always inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect

# From this many rows on, bulk_insert sends PostgreSQL (psycopg 3) one COPY: the
# rows stream as one data message instead of one bound statement each, which even
# pipelined costs the driver and the server far more per row. Below it, one COPY
# round trip buys nothing over the pipelined executemany.
COPY_MIN_ROWS = 64


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows fast, in the caller's transaction: the statement is compiled
    once for the connection's dialect and the driver gets plain parameters, skipping
    SQLAlchemy's per-row processing, which dominates for large coding runs; on
    PostgreSQL a large batch goes as one ``COPY ... FROM STDIN``.

    Every row has the keys of the first, including each column with a Python-side
    ``default=``: neither path applies SQLAlchemy's defaults."""
    if not rows:
        return
    keys = list(rows[0])
    insert_rows(conn, table, keys, list(map(_picker(keys), rows)))


def insert_rows(
    conn: Connection, table: Any, keys: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``bulk_insert`` for rows that are already tuples, each holding the values of
    ``keys`` in that order: no dict to build and take apart per row, which on a
    large import costs as much as SQLite's insert (some 83,000 segments a million
    words)."""
    if not rows:
        return
    keys = list(keys)
    if len(rows) >= COPY_MIN_ROWS and _can_copy(conn):
        _copy_rows(conn, table, keys, rows)
        return
    statement, positions = _insert(conn.dialect, table, tuple(keys))
    params: Sequence[Any]
    if positions is not None:  # qmark/format paramstyles (SQLite)
        order = [keys.index(name) for name in positions]
        params = rows if order == list(range(len(keys))) else list(map(_picker(order), rows))
    else:  # named paramstyles (PostgreSQL drivers)
        params = [dict(zip(keys, row, strict=True)) for row in rows]
    conn.exec_driver_sql(statement, params)


@lru_cache(maxsize=64)
def _insert(
    dialect: Dialect, table: Any, keys: tuple[str, ...]
) -> tuple[str, tuple[str, ...] | None]:
    """The INSERT of ``keys`` into ``table`` compiled for ``dialect``, and its
    parameters' order for positional paramstyles: compiled once, not once a file
    of an import (SQLAlchemy's compiler costs about 1 ms a statement)."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
    positions = compiled.positiontup
    return str(compiled), None if positions is None else tuple(positions)


def _picker(picks: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """A function taking a row (a dict or a tuple) to the tuple of its values at
    ``picks`` (keys or positions), built in C by ``itemgetter``: a Python loop per
    value costs as much as the insert itself on a large import."""
    if len(picks) == 1:
        only = picks[0]
        return lambda row: (row[only],)
    return itemgetter(*picks)


def _can_copy(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


# The PostgreSQL type whose text dumper psycopg uses for a value of each Python
# type; a column whose values are all of one of these types is told so (COPY's
# set_types), which skips looking up a dumper for every value. The bytes written
# are those psycopg would write for the value without it.
_COPY_TYPES: dict[type, str] = {str: "text", int: "int8", float: "float8", bool: "bool"}


def _copy_types(width: int, rows: Sequence[tuple[Any, ...]]) -> list[str] | None:
    """Each column's type for COPY, or None where a column mixes Python types or
    holds one psycopg has no plain dumper for here: then psycopg picks a dumper
    value by value."""
    types = []
    for column in range(width):
        found = {type(row[column]) for row in rows} - {type(None)}
        if not found:  # only NULLs, which no dumper sees
            types.append("text")
            continue
        name = _COPY_TYPES.get(found.pop()) if len(found) == 1 else None
        if name is None:
            return None
        types.append(name)
    return types


def _copy_rows(
    conn: Connection, table: Any, keys: list[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """The rows through psycopg 3's COPY, on the connection SQLAlchemy holds, so
    inside the caller's transaction. ``write_row`` adapts each value as a bound
    parameter would be (NULLs, booleans, floats) and escapes the text format's
    tabs, newlines and backslashes, so the stored values are the same."""
    quote = conn.dialect.identifier_preparer
    columns = ", ".join(quote.quote(table.c[k].name) for k in keys)
    statement = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    types = _copy_types(len(keys), rows)
    # The pooled connection's own psycopg connection; it is in the transaction that
    # SQLAlchemy began on it.
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            if types is not None:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    except Exception as exc:
        # As if SQLAlchemy had run it: its error (parameters hidden) and this
        # engine's handle_error listener, which makes known faults one line.
        conn._handle_dbapi_exception(exc, statement, None, None, None)
