"""Opening a project and the writes and reads the rest of pdcode asks for.

This is the only module that issues SQL. Each public write runs in one
transaction, so a failure (or a kill) leaves the project as it was.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from pdcode.errors import ConflictError, ProjectError, StorageError
from pdcode.records import NewSource, Segment, SourceSummary
from pdcode.store import migrations, schema
from pdcode.store.bulk import bulk_insert, insert_rows
from pdcode.store.faults import conflict_error, display_name, storage_error

__all__ = ["Project", "bulk_insert", "insert_if_absent", "locked_sources", "new_id"]

BUSY_TIMEOUT_MS = 10_000
# Values bound in one IN (...) list: well under SQLite's limit on a statement's
# variables (32,766; 999 before SQLite 3.32).
_IN_CHUNK = 500
# The segments table's columns in the order of a stored row: the source's id, then
# records.SegmentRow's fields.
SEGMENT_KEYS = (
    "source_id",
    "unit",
    "idx",
    "start",
    "end",
    "speaker",
    "is_interviewer",
    "start_time",
    "end_time",
)
_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _url(location: str | Path) -> str:
    text = str(location)
    return text if "://" in text else f"sqlite:///{Path(text)}"


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just made."""
    key = result.inserted_primary_key
    if key is None:
        raise ProjectError("the database did not return the new row's id")
    return int(key[0])


def insert_if_absent(
    conn: Connection, table: Any, values: dict[str, Any], keys: Sequence[str]
) -> bool:
    """Insert one row unless a row with the same unique ``keys`` exists (or is being
    inserted by another transaction, which wins); True if this call inserted it.

    Idempotent under concurrency: ``INSERT ... ON CONFLICT DO NOTHING`` on SQLite
    and PostgreSQL, a savepoint that swallows the unique violation elsewhere.
    """
    dialect = conn.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        return bool(conn.execute(lite).rowcount)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
        # SQLAlchemy adds RETURNING for the new row's key, and the rowcount is then
        # -1 whether a row came or not: ask for the key and see if one came back.
        returning = pg.returning(*table.primary_key.columns)
        return conn.execute(returning).first() is not None
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(**values))
    except IntegrityError:
        return False
    return True


def _make_engine(location: str | Path) -> Engine:
    # Parameters stay out of error messages: they hold interview text.
    engine = create_engine(_url(location), hide_parameters=True)
    project = display_name(location)

    @event.listens_for(engine, "handle_error")
    def _fault(context: Any) -> None:
        # Every statement, connect and commit of this engine: a fault the user can
        # fix becomes one line naming the project (raised in place of the error).
        exc = context.sqlalchemy_exception
        if isinstance(exc, DBAPIError) and not isinstance(exc, IntegrityError):
            error = conflict_error(project, exc) or storage_error(
                project, exc, BUSY_TIMEOUT_MS / 1000
            )
            if error is not None:
                raise error from None

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets readers work while an import writes; the busy timeout makes a
            # second writer wait instead of failing at once.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


def begin_write(conn: Connection) -> None:
    """On SQLite, take the database's write lock now (waiting up to the busy timeout)
    so that what this transaction reads next stays true until it commits: pysqlite
    would begin only at the first INSERT or DELETE, leaving the reads before it
    outside the transaction. Nothing to do once the transaction holds the lock, or on
    other databases (``locked_sources`` locks rows there)."""
    if conn.dialect.name != "sqlite":
        return
    if not getattr(conn.connection.dbapi_connection, "in_transaction", True):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def locked_sources(conn: Connection, condition: Any, for_delete: bool = False) -> dict[str, int]:
    """Name to id of the sources matching ``condition``, which no other writer can
    change or delete until this transaction ends: SQLite's write lock, PostgreSQL's
    row locks. A second writer of the same sources waits here, then reads what the
    first committed, instead of working from what it read before (on PostgreSQL's
    READ COMMITTED a DELETE never sees rows committed after it began, so two runs of
    one coder would each keep its own codings). Rows are locked in id order, the same
    in every transaction, so two lockers cannot deadlock. Without ``for_delete`` the
    lock still lets others add rows that refer to these sources (other coders'
    codings)."""
    begin_write(conn)
    s = schema.sources
    query = (
        select(s.c.name, s.c.id)
        .where(condition)
        .order_by(s.c.id)
        .with_for_update(key_share=not for_delete)
    )
    return {r.name: int(r.id) for r in conn.execute(query)}


def _set_case_attribute(conn: Connection, case_id: int, key: str, value: str) -> None:
    """Give a case an attribute, replacing its value. An upsert where the database
    has one: two imports of the same case at once then both succeed, where a delete
    and an insert would break the primary key on PostgreSQL (neither delete sees
    the other's uncommitted row)."""
    ca = schema.case_attributes
    row = {"case_id": case_id, "key": key, "value": value}
    keys = [ca.c.case_id, ca.c.key]
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(ca).values(**row)
        conn.execute(lite.on_conflict_do_update(index_elements=keys, set_={"value": value}))
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(ca).values(**row)
        conn.execute(pg.on_conflict_do_update(index_elements=keys, set_={"value": value}))
        return
    conn.execute(delete(ca).where((ca.c.case_id == case_id) & (ca.c.key == key)))
    conn.execute(ca.insert().values(**row))


class Project:
    """A pdcode project: one SQLite file (or a database URL)."""

    def __init__(self, engine: Engine, location: str) -> None:
        self.engine = engine
        self.location = location
        # The snapshot connection of a `one_moment` block, per thread: the
        # workbench shares one Project between the threads serving requests.
        self._moment = threading.local()

    # -- opening -----------------------------------------------------------

    @classmethod
    def create(cls, location: str | Path) -> Project:
        """Create a new project; refuse to overwrite an existing one."""
        if "://" not in str(location):
            path = Path(location)
            if path.exists() and path.stat().st_size > 0:
                raise ProjectError(f"{path}: a file already exists here")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"{path}: cannot create the project's folder ({exc.strerror}); "
                    "choose a writable place"
                ) from None
        engine = _make_engine(location)
        try:
            with engine.begin() as conn:
                if inspect(conn).has_table("meta"):
                    raise ProjectError(f"{location}: already a pdcode project")
                migrations.create(conn)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, str(location))

    @classmethod
    def open(cls, location: str | Path) -> Project:
        """Open an existing project, bringing its schema up to date."""
        if "://" not in str(location) and not Path(location).is_file():
            raise ProjectError(f"{location}: no project here (run `pdcode init` or pass --project)")
        engine = _make_engine(location)
        project = display_name(location)
        try:
            with engine.begin() as conn:
                if not inspect(conn).has_table("meta"):
                    raise ProjectError(
                        f"{project}: not a pdcode project (no meta table); check --project "
                        "or PDCODE_PROJECT"
                    )
                ran = migrations.upgrade(conn)
            migrations.reclaim(engine, ran)
        except DBAPIError as exc:
            engine.dispose()
            raise ProjectError(
                f"{project}: cannot open the project ({type(exc.orig).__name__}); check "
                "--project or PDCODE_PROJECT"
            ) from None
        except StorageError:
            engine.dispose()
            raise
        except ProjectError as exc:
            engine.dispose()
            # Schema problems from `migrations` do not know which project it is.
            if exc.message.startswith(f"{project}: "):
                raise
            raise ProjectError(f"{project}: {exc.message}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, str(location))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def one_moment(self) -> Iterator[None]:
        """Until the block ends, every read through :meth:`reading` (and
        :meth:`snapshot`) in this thread sees the project as of one moment, so a
        table built from several reads (sources, units, codings) never joins two
        states while others import or code. For reading verbs only: a write made
        inside the block would not be seen by the block's own reads."""
        if getattr(self._moment, "conn", None) is not None:
            yield
            return
        with self.snapshot() as conn:
            self._moment.conn = conn
            try:
                yield
            finally:
                self._moment.conn = None

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection to read with: the block's snapshot inside :meth:`one_moment`,
        else a connection of its own."""
        pinned = getattr(self._moment, "conn", None)
        if pinned is not None:
            yield pinned
            return
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A connection whose reads all see the project as of one moment while others
        write, so a read in several statements never joins two states (segments of
        a source replaced between them, codings of a run committed between them)."""
        pinned = getattr(self._moment, "conn", None)
        if pinned is not None:  # already inside one moment: the same one
            yield pinned
            return
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
                return
            if conn.dialect.name == "sqlite":
                # pysqlite begins only before writes; a read transaction (one WAL
                # snapshot, which never blocks a writer) must be asked for.
                conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.rollback()

    def schema_version(self) -> int | None:
        with self.engine.connect() as conn:
            return migrations.stored_version(conn)

    # -- sources -----------------------------------------------------------

    def file_state(self, file: str) -> list[tuple[str, str]]:
        """(name, sha256) of every source imported from a file of this name."""
        return self.file_states([file]).get(file, [])

    def file_states(self, files: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """``file_state`` of each of ``files`` that has sources, in a few queries
        (a batch of thousands of files would otherwise wait on one query each)."""
        s = schema.sources
        wanted = sorted(set(files))
        found: dict[str, list[tuple[str, str]]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _IN_CHUNK):
                query = select(s.c.file, s.c.name, s.c.sha256).where(
                    s.c.file.in_(wanted[start : start + _IN_CHUNK])
                )
                for file, name, sha256 in conn.execute(query.order_by(s.c.file, s.c.name)).all():
                    found.setdefault(file, []).append((name, sha256))
        return found

    def sources_without(self, unit: str, include_interviewer: bool = False) -> list[str]:
        """Names of sources that have no segment of ``unit`` to code (none of the
        respondents', unless ``include_interviewer``): they count for nothing."""
        s, g = schema.sources, schema.segments
        codable = select(g.c.source_id).where(g.c.unit == unit)
        if not include_interviewer:
            codable = codable.where(g.c.is_interviewer.is_(False))
        query = select(s.c.name).where(s.c.id.not_in(codable)).order_by(s.c.name)
        with self.engine.connect() as conn:
            return [r.name for r in conn.execute(query)]

    def add_file(self, new: Sequence[NewSource], replace: bool = False) -> int:
        """Store the sources of one file in one transaction.

        With ``replace``, sources previously imported from the same file are
        deleted first (with their segments and codings). Returns how many codings
        were removed that way.
        """
        files = {n.file for n in new}
        removed = 0
        try:
            with self._tx() as conn:
                if replace:
                    removed = self._delete_files(conn, files)
                for source in new:
                    self._insert_source(conn, source)
        except IntegrityError:
            # Another import stored a source of the same name since we looked.
            taken = self._taken_names([n.name for n in new])
            if not taken:
                raise
            raise ConflictError(
                f"a source named {taken[0]!r} was stored by another import at the same "
                "time; run the import again"
            ) from None
        return removed

    def _taken_names(self, names: list[str]) -> list[str]:
        s = schema.sources
        with self.engine.connect() as conn:
            found = conn.execute(select(s.c.name).where(s.c.name.in_(names))).scalars()
            return sorted(found)

    def _delete_files(self, conn: Connection, files: set[str]) -> int:
        s, c = schema.sources, schema.coding_spans
        # Locked before the deletes, as a coding run locks them before its own: both
        # take sources first, so neither holds a coding the other waits for (a
        # deadlock on PostgreSQL). A second replace of the file waits here, then
        # replaces what the first stored.
        locked_sources(conn, s.c.file.in_(sorted(files)), for_delete=True)
        ids = select(s.c.id).where(s.c.file.in_(sorted(files))).scalar_subquery()
        removed = conn.execute(select(func.count()).where(c.c.source_id.in_(ids))).scalar_one()
        # Explicit deletes rather than ON DELETE CASCADE alone: other backends
        # (and SQLite files opened without foreign_keys) must behave the same.
        for table in (
            schema.reviews,
            schema.memos,
            schema.coding_spans,
            schema.segments,
            schema.source_attributes,
        ):
            conn.execute(delete(table).where(table.c.source_id.in_(ids)))
        conn.execute(delete(s).where(s.c.file.in_(sorted(files))))
        return int(removed)

    def _case_id(self, conn: Connection, name: str) -> int:
        c = schema.cases
        query = select(c.c.id).where(c.c.name == name)
        found = conn.execute(query).scalar()
        if found is None:
            # Two imports may create the same new case at once: insert if absent,
            # then read back whichever row won.
            insert_if_absent(conn, schema.cases, {"name": name}, ("name",))
            found = conn.execute(query).scalar_one()
        return int(found)

    def _insert_source(self, conn: Connection, source: NewSource) -> None:
        case_id = None
        if source.case:
            case_id = self._case_id(conn, source.case)
            for key, value in source.case_attributes:
                _set_case_attribute(conn, case_id, key, value)
        result = conn.execute(
            schema.sources.insert().values(
                name=source.name,
                file=source.file,
                strand=source.strand,
                case_id=case_id,
                format=source.format,
                sha256=source.sha256,
                imported_at=_now(),
                text=source.text,
            )
        )
        source_id = new_id(result)
        if source.attributes:
            conn.execute(
                schema.source_attributes.insert(),
                [{"source_id": source_id, "key": k, "value": v} for k, v in source.attributes],
            )
        if source.segments:
            insert_rows(
                conn,
                schema.segments,
                SEGMENT_KEYS,
                [(source_id, *row) for row in source.segments],
            )

    def _attributes(self, conn: Connection) -> dict[int, tuple[tuple[str, str], ...]]:
        a = schema.source_attributes
        found: dict[int, list[tuple[str, str]]] = {}
        for row in conn.execute(select(a).order_by(a.c.source_id, a.c.key)):
            found.setdefault(row.source_id, []).append((row.key, row.value))
        return {k: tuple(v) for k, v in found.items()}

    def source_summaries(self) -> list[SourceSummary]:
        s, c, g = schema.sources, schema.cases, schema.segments
        turns = (
            select(g.c.source_id, func.count().label("n"))
            .where(g.c.unit == "turn")
            .group_by(g.c.source_id)
            .subquery()
        )
        query = (
            select(s, c.c.name.label("case_name"), turns.c.n)
            .outerjoin(c, s.c.case_id == c.c.id)
            .outerjoin(turns, turns.c.source_id == s.c.id)
            # Sources with no strand or case first, as SQLite sorts NULL (PostgreSQL
            # would put them last).
            .order_by(s.c.strand.nulls_first(), c.c.name.nulls_first(), s.c.name)
        )
        with self.snapshot() as conn:
            attrs = self._attributes(conn)
            spans = self._turn_spans(conn)
            rows = conn.execute(query).all()
        return [
            SourceSummary(
                name=r.name,
                file=r.file,
                format=r.format,
                strand=r.strand,
                case=r.case_name,
                attributes=attrs.get(r.id, ()),
                turns=int(r.n or 0),
                words=sum(len(_WORD.findall(r.text[a:b])) for a, b, _ in spans.get(r.id, [])),
                sha256=r.sha256,
                respondent_turns=sum(1 for _, _, i in spans.get(r.id, []) if not i),
                respondent_words=sum(
                    len(_WORD.findall(r.text[a:b])) for a, b, i in spans.get(r.id, []) if not i
                ),
            )
            for r in rows
        ]

    def _turn_spans(self, conn: Connection) -> dict[int, list[tuple[int, int, bool]]]:
        """Each source's turns: start, end and whether the interviewer speaks."""
        g = schema.segments
        spans: dict[int, list[tuple[int, int, bool]]] = {}
        query = select(g.c.source_id, g.c.start, g.c.end, g.c.is_interviewer).where(
            g.c.unit == "turn"
        )
        for row in conn.execute(query):
            spans.setdefault(row.source_id, []).append(
                (row.start, row.end, bool(row.is_interviewer))
            )
        return spans

    def segment_rows(self, unit: str) -> list[dict[str, Any]]:
        """Every segment of a unit with its source's attribution and text."""
        s, c, g = schema.sources, schema.cases, schema.segments
        query = (
            select(
                s.c.name.label("source"),
                s.c.strand,
                c.c.name.label("case"),
                g.c.speaker,
                g.c.is_interviewer,
                g.c.unit,
                g.c.idx.label("index"),
                g.c.start,
                g.c.end,
                g.c.start_time,
                g.c.end_time,
                s.c.id.label("source_id"),
            )
            .join(s, g.c.source_id == s.c.id)
            .outerjoin(c, s.c.case_id == c.c.id)
            .where(g.c.unit == unit)
            .order_by(s.c.name, g.c.idx)
        )
        # One snapshot: a source replaced between the two reads has no text here.
        with self.snapshot() as conn:
            texts = dict(conn.execute(select(s.c.id, s.c.text)).all())
            rows = [dict(r._mapping) for r in conn.execute(query)]
        for row in rows:
            text = texts[row.pop("source_id")]
            row["text"] = text[row["start"] : row["end"]]
        return rows

    def source_text(self, name: str) -> str:
        s = schema.sources
        with self.engine.connect() as conn:
            text = conn.execute(select(s.c.text).where(s.c.name == name)).scalar()
        if text is None:
            raise ProjectError(f"no source named {name!r} in the project")
        return str(text)

    def segments_of(self, name: str, unit: str) -> list[Segment]:
        s, g = schema.sources, schema.segments
        query = (
            select(g)
            .join(s, g.c.source_id == s.c.id)
            .where((s.c.name == name) & (g.c.unit == unit))
            .order_by(g.c.idx)
        )
        with self.engine.connect() as conn:
            return [
                Segment(
                    unit=r.unit,
                    index=r.idx,
                    start=r.start,
                    end=r.end,
                    speaker=r.speaker,
                    is_interviewer=bool(r.is_interviewer),
                    start_time=r.start_time,
                    end_time=r.end_time,
                )
                for r in conn.execute(query)
            ]
