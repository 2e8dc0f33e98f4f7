"""A coding run that streams: the units read and the codings written in batches,
inside the run's one transaction, so memory stays flat whatever the corpus.

``coding_run`` locks the run's sources and deletes the coder's previous codings
there (as ``codings.replace_codings`` does), then hands the caller a ``CodingRun``
to read units from (a few sources' texts at a time) and add codings to (inserted
``codings.INSERT_BATCH`` at a time); the block's end commits, an exception rolls it
all back and leaves the previous codings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select, true

from pdcode.records import CodingUnit, NewCoding
from pdcode.store import schema
from pdcode.store.codings import add_codings, claim_sources
from pdcode.store.project import Project, _now

# A run reads its units' texts a few sources at a time: at most this many
# characters of units (one larger source alone), or this many sources.
READ_CHARS = 4_000_000
READ_SOURCES = 500


@dataclass
class CodingRun:
    """A coder's run, open in one transaction (``coding_run``): its sources are
    locked and its previous codings there deleted; ``units`` reads what to code,
    a batch at a time, and ``add`` stores codings as they come."""

    conn: Connection
    coder: str
    provenance: str
    codebook_id: int | None
    sources: list[tuple[int, str]]  # (id, name) of every locked source, in name order
    ids: dict[str, int]
    removed: int
    now: str
    added: int = 0
    # Units per source, counted once per (unit, include_interviewer) in the run.
    _sizes: dict[tuple[str, bool], dict[int, tuple[int, int]]] = field(default_factory=dict)

    def _sizes_of(self, unit: str, include_interviewer: bool) -> dict[int, tuple[int, int]]:
        key = (unit, include_interviewer)
        if key not in self._sizes:
            self._sizes[key] = _unit_sizes(self.conn, unit, include_interviewer)
        return self._sizes[key]

    def size(self, unit: str, include_interviewer: bool = False) -> tuple[int, int]:
        """How many units the run covers, and their characters."""
        sizes = self._sizes_of(unit, include_interviewer)
        found = [sizes[i] for i, _ in self.sources if i in sizes]
        return sum(n for n, _ in found), sum(c for _, c in found)

    def units(self, unit: str, include_interviewer: bool = False) -> Iterator[list[CodingUnit]]:
        sizes = self._sizes_of(unit, include_interviewer)
        return stream_units(self.conn, unit, self.sources, include_interviewer, sizes)

    def add(self, codings: Iterable[NewCoding]) -> None:
        """Store codings (sources of this run only), ``INSERT_BATCH`` at a time."""
        self.added += add_codings(
            self.conn, codings, self.ids, self.coder, self.provenance, self.codebook_id, self.now
        )


@contextmanager
def coding_run(
    project: Project,
    coder: str,
    provenance: str,
    names: Sequence[str],
    codebook_id: int | None = None,
    every: bool = False,
    strand: str | None = None,
) -> Iterator[CodingRun]:
    """A run of ``coder`` over the sources ``names`` (listed when the run began)
    in one transaction, committed when the block ends and rolled back if it
    raises, leaving the previous codings. With ``every``, also every source
    (of ``strand``) stored since the names were listed: the run codes what is
    there when it locks the sources."""
    s = schema.sources
    if every:
        condition = true() if strand is None else s.c.strand == strand
    else:
        condition = s.c.name.in_(names)
    with project.engine.begin() as conn:
        ids, removed = claim_sources(conn, coder, condition, names)
        query = select(s.c.id, s.c.name).where(condition).order_by(s.c.name)
        # Name order as the database sorts, as the codings were always stored in.
        order = [(r.id, r.name) for r in conn.execute(query) if ids.get(r.name) == r.id]
        yield CodingRun(conn, coder, provenance, codebook_id, order, ids, removed, _now())


def stream_units(
    conn: Connection,
    unit: str,
    sources: Sequence[tuple[int, str]],
    include_interviewer: bool,
    sizes: dict[int, tuple[int, int]],
) -> Iterator[list[CodingUnit]]:
    """The units of each of ``sources`` ((id, name), in the order given) as a
    list per source, sources without any skipped. The texts of several sources
    are read at once, up to ``READ_CHARS`` characters of units (a larger source
    alone), so memory stays bounded whatever the corpus. ``sizes``: each
    source's units and their characters (``_unit_sizes``), counted once a run."""
    s, g = schema.sources, schema.segments
    wanted = [(i, name) for i, name in sources if i in sizes]
    group: list[tuple[int, str]] = []
    chars = 0
    for position, (sid, name) in enumerate(wanted):
        group.append((sid, name))
        chars += sizes[sid][1]
        if chars < READ_CHARS and len(group) < READ_SOURCES and position + 1 < len(wanted):
            continue
        ids = [i for i, _ in group]
        texts = dict(conn.execute(select(s.c.id, s.c.text).where(s.c.id.in_(ids))).all())
        query = select(g.c.source_id, g.c.start, g.c.end).where(
            g.c.source_id.in_(ids) & (g.c.unit == unit)
        )
        if not include_interviewer:
            query = query.where(g.c.is_interviewer.is_(False))
        spans: dict[int, list[tuple[int, int]]] = {}
        # Rows fetched at once and unpacked: reading each row's fields by name
        # costs as much again as the query on a large run.
        for source_id, start, end in conn.execute(query.order_by(g.c.source_id, g.c.idx)).all():
            spans.setdefault(source_id, []).append((start, end))
        for i, source in group:
            text = texts[i]
            yield [CodingUnit(source, a, b, text[a:b]) for a, b in spans[i]]
        group, chars = [], 0


def _unit_sizes(
    conn: Connection, unit: str, include_interviewer: bool
) -> dict[int, tuple[int, int]]:
    """Per source id with units of ``unit``: how many, and their characters."""
    g = schema.segments
    query = (
        select(g.c.source_id, func.count(), func.sum(g.c.end - g.c.start))
        .where(g.c.unit == unit)
        .group_by(g.c.source_id)
    )
    if not include_interviewer:
        query = query.where(g.c.is_interviewer.is_(False))
    return {int(r[0]): (int(r[1]), int(r[2])) for r in conn.execute(query)}


def unit_chars(
    project: Project,
    unit: str,
    include_interviewer: bool = False,
    strand: str | None = None,
    source: str | None = None,
) -> int:
    """The characters of the units a run of ``unit`` over the sources of ``strand``
    (or the one ``source``) would code, as the project stands."""
    s, g = schema.sources, schema.segments
    query = (
        select(func.coalesce(func.sum(g.c.end - g.c.start), 0))
        .select_from(g.join(s, g.c.source_id == s.c.id))
        .where(g.c.unit == unit)
    )
    if not include_interviewer:
        query = query.where(g.c.is_interviewer.is_(False))
    if strand is not None:
        query = query.where(s.c.strand == strand)
    if source is not None:
        query = query.where(s.c.name == source)
    with project.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def unit_count(project: Project, unit: str, sources: Sequence[str]) -> int:
    """How many respondent units of ``unit`` the sources named hold."""
    s, g = schema.sources, schema.segments
    query = (
        select(func.count())
        .select_from(g.join(s, g.c.source_id == s.c.id))
        .where((g.c.unit == unit) & g.c.is_interviewer.is_(False) & s.c.name.in_(sources))
    )
    with project.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
