"""Database faults a user can meet and fix, as one line naming the project.

The driver's message is never shown whole: it may quote SQL whose parameters
hold interview text. ``{project}`` in a template names the project.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

from pdcode.errors import ConflictError, StorageError


def display_name(location: str | Path) -> str:
    """How messages name a project: its path, or its URL without a password."""
    text = str(location)
    if "://" not in text:
        return text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
    except ArgumentError:
        return text
    return text if url.password is None else url.render_as_string(hide_password=True)


# SQLite's primary result codes (``sqlite_errorcode & 0xFF``) for the faults a user
# can meet and fix, each with what to do. ``{project}`` names the project.
_LOCKED = (
    "{project}: the project is locked by another pdcode or program (waited {seconds:g} s); "
    "wait for it to finish, then run the command again"
)
_READ_ONLY = (
    "{project}: the project cannot be written (read-only file, folder or disk); make the "
    "file and its folder writable, or work on a writable copy"
)
_FULL = (
    "{project}: the disk is full; free some space, then run the command again "
    "(the step that failed wrote nothing)"
)
_CORRUPT = "{project}: the project file is damaged; restore it from a backup"
_NOT_A_DATABASE = (
    "{project}: not a pdcode project (not an SQLite database); check --project or PDCODE_PROJECT"
)
_CANNOT_OPEN = (
    "{project}: cannot open the project file; check that the file and its folder exist "
    "and are readable and writable"
)
_IO_ERROR = (
    "{project}: disk I/O error reading or writing the project; check the disk and its "
    "free space, then run the command again"
)
_SQLITE_FAULTS = {
    3: _READ_ONLY,  # SQLITE_PERM
    5: _LOCKED,  # SQLITE_BUSY
    6: _LOCKED,  # SQLITE_LOCKED
    8: _READ_ONLY,  # SQLITE_READONLY
    10: _IO_ERROR,  # SQLITE_IOERR
    11: _CORRUPT,  # SQLITE_CORRUPT
    13: _FULL,  # SQLITE_FULL
    14: _CANNOT_OPEN,  # SQLITE_CANTOPEN
    26: _NOT_A_DATABASE,  # SQLITE_NOTADB
}
# The same faults recognised by their words, for drivers without result codes.
_FAULT_WORDS = (
    ("database is locked", _LOCKED),
    ("readonly database", _READ_ONLY),
    ("read-only", _READ_ONLY),
    ("disk is full", _FULL),
    ("no space left", _FULL),
    ("malformed", _CORRUPT),
    ("not a database", _NOT_A_DATABASE),
    ("unable to open database", _CANNOT_OPEN),
    ("disk i/o error", _IO_ERROR),
)


def fault_message(project: str, error: BaseException, busy_seconds: float) -> str | None:
    """The one-line message for a database fault the user can act on, or None.

    ``error`` is the driver's exception (``sqlite3.OperationalError`` ...). Never
    the SQL or its parameters: those may hold interview text.
    """
    template = None
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        template = _SQLITE_FAULTS.get(code & 0xFF)
    if template is None:
        words = str(error).casefold()
        template = next((t for w, t in _FAULT_WORDS if w in words), None)
    if template is None:
        return None
    return template.format(project=project, seconds=busy_seconds)


# PostgreSQL gives up on a transaction that met another one changing the same rows
# (a deadlock, or a serialization failure at REPEATABLE READ and above), or that
# waited longer than the server's lock_timeout. Nothing of it was written, and the
# same command run again succeeds: a conflict of that one command, not a fault of the
# project (a batch goes on with its next file).
_CONCURRENT = (
    "{project}: another command changed the same data at the same moment, so this one "
    "was stopped and wrote nothing; run it again"
)
_LOCK_TIMEOUT = (
    "{project}: the data is locked by another pdcode or program (the server's lock "
    "timeout passed); wait for it to finish, then run the command again"
)
_CONFLICT_STATES = {
    "40001": _CONCURRENT,  # serialization_failure
    "40P01": _CONCURRENT,  # deadlock_detected
    "55P03": _LOCK_TIMEOUT,  # lock_not_available
}


def conflict_error(project: str, exc: DBAPIError) -> ConflictError | None:
    """A transaction the server stopped because of another one, as one line, or None.

    Read from the SQLSTATE (psycopg's ``sqlstate``, psycopg2's ``pgcode``), never
    from the message, which may quote the rows."""
    error = exc.orig
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    template = _CONFLICT_STATES.get(state) if isinstance(state, str) else None
    return None if template is None else ConflictError(template.format(project=project))


# A role the server does not let do what the command asks (an analyst's read-only
# role running a command that writes): insufficient_privilege.
_NO_PRIVILEGE = (
    "{project}: the database role you connect as may not do this (it lacks a privilege "
    "on the project's tables, e.g. it may read but not write); nothing was written. Ask "
    "the project's owner to grant it, or connect as a role that may"
)


def storage_error(project: str, exc: DBAPIError, busy_seconds: float) -> StorageError | None:
    """A driver error as pdcode's one line: a known fault, or any other operational
    error (a missing table, a lost server) with the driver's first line."""
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state == "42501":
        return StorageError(_NO_PRIVILEGE.format(project=project))
    message = fault_message(project, exc.orig or exc, busy_seconds)
    if message is None and isinstance(exc, OperationalError):
        detail = (str(exc.orig).splitlines() or [type(exc.orig).__name__])[0]
        message = (
            f"{project}: database error ({detail}); the project may have been changed by "
            "another program or the database server may be unreachable"
        )
    return None if message is None else StorageError(message)
