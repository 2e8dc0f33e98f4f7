"""Segments read a batch at a time, so a reader holds one batch and a few sources'
texts rather than the whole corpus (`pdcode topics` cleans them as they come).

Reads go through :meth:`Project.reading`: inside :meth:`Project.one_moment` every
batch comes from the same snapshot, so a source replaced meanwhile is never half
read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import func, select

from pdcode.store import schema
from pdcode.store.project import Project

BATCH = 5_000
# Sources are read together until their texts reach this many characters (one
# larger source is read alone): few statements, and a bounded share of the corpus.
TEXT_CHARS = 4_000_000
SOURCES = 500  # ids per IN list, far below every backend's limit on parameters


class SegmentText(NamedTuple):
    source: str
    strand: str | None
    case: str | None
    speaker: str | None
    idx: int
    start: int
    end: int
    start_time: float | None
    text: str


def _selection(query: Any, unit: str, strand: str | None, include_interviewer: bool) -> Any:
    s, g = schema.sources, schema.segments
    query = query.where(g.c.unit == unit)
    if strand is not None:
        query = query.where(s.c.strand == strand)
    if not include_interviewer:
        query = query.where(g.c.is_interviewer.is_(False))
    return query


def segment_speakers(
    project: Project, unit: str, strand: str | None = None, include_interviewer: bool = True
) -> list[str | None]:
    """The distinct speakers of the segments :func:`segment_batches` would yield."""
    s, g = schema.sources, schema.segments
    query = select(g.c.speaker).distinct().join(s, g.c.source_id == s.c.id)
    query = _selection(query, unit, strand, include_interviewer)
    with project.reading() as conn:
        return sorted(conn.execute(query).scalars(), key=lambda v: (v is None, v or ""))


def segment_batches(
    project: Project,
    unit: str,
    strand: str | None = None,
    include_interviewer: bool = True,
    size: int = BATCH,
) -> Iterator[list[SegmentText]]:
    """Segments of a unit (of one strand, without the interviewer's when asked),
    in the order of :meth:`Project.segment_rows` (source name, then index), with
    their text, ``size`` at a time."""
    s, c, g = schema.sources, schema.cases, schema.segments
    sources = select(s.c.id, s.c.name, s.c.strand, c.c.name, func.length(s.c.text)).outerjoin(
        c, s.c.case_id == c.c.id
    )
    if strand is not None:
        sources = sources.where(s.c.strand == strand)
    batch: list[SegmentText] = []
    # One snapshot (the verb's own inside `one_moment`): every group of sources is
    # read as of the same moment.
    with project.snapshot() as conn:
        listed = conn.execute(sources.order_by(s.c.name)).all()
        for group in _groups(listed):
            ids = [row[0] for row in group]
            texts = dict(conn.execute(select(s.c.id, s.c.text).where(s.c.id.in_(ids))).all())
            query = select(
                g.c.source_id, g.c.speaker, g.c.idx, g.c.start, g.c.end, g.c.start_time
            ).where(g.c.source_id.in_(ids))
            query = _selection(query, unit, None, include_interviewer)
            by_source: dict[int, list[Any]] = {i: [] for i in ids}
            for found in conn.execute(query.order_by(g.c.source_id, g.c.idx)):
                by_source[found[0]].append(found)
            for source_id, name, source_strand, case, _length in group:
                text = texts.pop(source_id)
                for _, speaker, idx, start, end, start_time in by_source.pop(source_id):
                    piece = text[start:end]
                    where = (name, source_strand, case, speaker)
                    batch.append(SegmentText(*where, idx, start, end, start_time, piece))
                    if len(batch) >= size:
                        yield batch
                        batch = []
    if batch:
        yield batch


def _groups(sources: Sequence[Any]) -> Iterator[list[Any]]:
    group: list[Any] = []
    chars = 0
    for row in sources:
        if group and (chars + (row[4] or 0) > TEXT_CHARS or len(group) >= SOURCES):
            yield group
            group, chars = [], 0
        group.append(row)
        chars += row[4] or 0
    if group:
        yield group


def source_slices(project: Project, spans: Sequence[tuple[str, int, int]]) -> list[str]:
    """The text of each (source, start, end), each source's text read once."""
    s = schema.sources
    names = sorted({name for name, _, _ in spans})
    texts: dict[str, str] = {}
    with project.reading() as conn:
        for i in range(0, len(names), SOURCES):
            part = names[i : i + SOURCES]
            texts.update(conn.execute(select(s.c.name, s.c.text).where(s.c.name.in_(part))).all())
    return [texts[name][start:end] for name, start, end in spans]
