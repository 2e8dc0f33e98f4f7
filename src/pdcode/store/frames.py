"""Project contents as pandas DataFrames for the analysis stage.

The analysis functions are pure: they take these frames and return frames, so
they can be tested on frames built by hand and run on any project.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from pdcode.store import schema
from pdcode.store.project import Project

if TYPE_CHECKING:
    import pandas as pd


def fetch_tuples(conn: Any, query: Any) -> list[tuple[Any, ...]]:
    """A large result as the driver's plain tuples, in the connection's transaction.

    The statement is still compiled by SQLAlchemy for the connection's dialect;
    only the row objects are skipped, which for a million codings (or the turns of
    a corpus) saves seconds. The cyclic garbage collector is paused meanwhile: a
    million fresh tuples would otherwise trigger it dozens of times for nothing
    (tuples of ints and strings hold no cycles).
    """
    import gc

    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[k] for k in compiled.positiontup)
    cursor = conn.connection.cursor()
    enabled = gc.isenabled()
    gc.disable()
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        if enabled:
            gc.enable()
        cursor.close()


def _read(
    conn: Any, query: Any, columns: list[str], categories: Sequence[str] = ()
) -> pd.DataFrame:
    """A large result (:func:`fetch_tuples`) built into a frame column by column,
    the garbage collector still paused. Columns named in ``categories`` become
    pandas categoricals, which the analysis groups and deduplicates far faster."""
    import gc

    import numpy as np
    import pandas as pd

    rows = fetch_tuples(conn, query)
    enabled = gc.isenabled()
    gc.disable()
    try:
        values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
        del rows
        data: dict[str, Any] = {}
        for name, column in zip(columns, values, strict=True):
            if name in categories:
                codes, uniques = pd.factorize(np.array(column, dtype=object), sort=True)
                data[name] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques))
            elif column and isinstance(column[0], int):
                data[name] = np.fromiter(column, dtype=np.int64, count=len(column))
            else:
                data[name] = pd.Series(column, dtype=object)
        return pd.DataFrame(data)
    finally:
        if enabled:
            gc.enable()


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    """Rows to a DataFrame column-wise: pandas probes every SQLAlchemy Row object
    when given rows, which costs seconds on a million codings."""
    import pandas as pd

    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(dict(zip(columns, zip(*rows, strict=True), strict=True)))


def sources_frame(project: Project) -> pd.DataFrame:
    """One row per source: source, strand, case, and one column per attribute."""

    s, c, a = schema.sources, schema.cases, schema.source_attributes
    query = (
        select(s.c.name.label("source"), s.c.strand, c.c.name.label("case"))
        .outerjoin(c, s.c.case_id == c.c.id)
        .order_by(s.c.name)
    )
    attrs = select(s.c.name.label("source"), a.c.key, a.c.value).join(s, a.c.source_id == s.c.id)
    with project.reading() as conn:
        frame = _frame(conn.execute(query).all(), ["source", "strand", "case"])
        pairs = _frame(conn.execute(attrs).all(), ["source", "key", "value"])
    if not pairs.empty:
        wide = pairs.pivot(index="source", columns="key", values="value").reset_index()
        wide.columns.name = None
        # An attribute named like a built-in column never overrides it.
        wide = wide.drop(columns=[k for k in ("strand", "case") if k in wide.columns])
        frame = frame.merge(wide, on="source", how="left")
    return frame


def units_frame(project: Project, unit: str, include_interviewer: bool = False) -> pd.DataFrame:
    """Segments of a unit: source, start, end (sorted)."""

    s, g = schema.sources, schema.segments
    query = select(g.c.source_id, g.c.start, g.c.end).where(g.c.unit == unit)
    if not include_interviewer:
        query = query.where(g.c.is_interviewer.is_(False))
    with project.reading() as conn:
        names = dict(conn.execute(select(s.c.id, s.c.name)).all())
        frame = _read(conn, query, ["source_id", "start", "end"])
    frame.insert(0, "source", _names(frame.pop("source_id"), names))
    return frame


def _names(ids: pd.Series, names: dict[int, str]) -> pd.Series:
    """Source ids to names, as a categorical (a million strings would be slow).

    The categories are in name order, so sorting the column sorts by name.
    """
    import pandas as pd

    known = sorted(names, key=names.__getitem__)
    codes = pd.Index(known).get_indexer(pd.Index(ids))
    labels = pd.Index([names[i] for i in known])
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels), index=ids.index)


def codings_frame(project: Project, coder: str | None = None) -> pd.DataFrame:
    """Codings: source, start, end, code (categoricals; no text), of one coder or all."""

    s, c = schema.sources, schema.codings
    # Unordered and by source id: analysis does not depend on row order, and
    # sorting or joining a million rows in SQL would cost more than the analysis.
    query = select(c.c.source_id, c.c.start, c.c.end, c.c.code)
    if coder is not None:
        query = query.where(c.c.coder == coder)
    with project.reading() as conn:
        names = dict(conn.execute(select(s.c.id, s.c.name)).all())
        frame = _read(conn, query, ["source_id", "start", "end", "code"], ("code",))
    frame.insert(0, "source", _names(frame.pop("source_id"), names))
    return frame


def coded_sources_frame(project: Project, coder: str | None = None) -> pd.DataFrame:
    """Each (source, code) pair with at least one coding: source, code (categoricals).

    SQLite answers from the (source_id, code) index without reading the codings.
    """
    s, c = schema.sources, schema.codings
    query = select(c.c.source_id, c.c.code).distinct()
    if coder is not None:
        query = query.where(c.c.coder == coder)
    with project.reading() as conn:
        names = dict(conn.execute(select(s.c.id, s.c.name)).all())
        frame = _read(conn, query, ["source_id", "code"], ("code",))
    frame.insert(0, "source", _names(frame.pop("source_id"), names))
    return frame


def coder_codings_frame(project: Project, coders: Sequence[str]) -> pd.DataFrame:
    """Codings of some coders: source, start, end, code, coder (categoricals)."""

    s, c = schema.sources, schema.codings
    query = select(c.c.source_id, c.c.start, c.c.end, c.c.code, c.c.coder).where(
        c.c.coder.in_(list(coders))
    )
    with project.reading() as conn:
        names = dict(conn.execute(select(s.c.id, s.c.name)).all())
        frame = _read(
            conn, query, ["source_id", "start", "end", "code", "coder"], ("code", "coder")
        )
    frame.insert(0, "source", _names(frame.pop("source_id"), names))
    return frame


def known_coders(project: Project) -> list[str]:
    """Every coder with codings in the project, sorted."""
    c = schema.codings
    with project.reading() as conn:
        return sorted(r[0] for r in conn.execute(select(c.c.coder).distinct()))


def known_strands(project: Project) -> list[str]:
    """Every strand a source is in, sorted."""
    s = schema.sources
    query = select(s.c.strand).where(s.c.strand.is_not(None)).distinct()
    with project.reading() as conn:
        return sorted(r[0] for r in conn.execute(query))


def coded_codes(project: Project) -> list[str]:
    """Every code with codings in the project (stored codebooks or not), sorted."""
    c = schema.codings
    with project.reading() as conn:
        return sorted(r[0] for r in conn.execute(select(c.c.code).distinct()))


def codes_frame(project: Project) -> pd.DataFrame:
    """Codes of the stored codebooks (the newest load of each id): codebook, code,
    name, parent, is_group, in codebook order."""

    from pdcode.store.workbench import code_rows

    columns = ["codebook", "code", "name", "parent", "is_group", "definition"]
    frame = _frame([tuple(r[c] for c in columns) for r in code_rows(project)], columns)
    frame = frame.drop_duplicates("code")
    # Oldest codebook first, then book order, so tables follow the codebook.
    books = list(dict.fromkeys(reversed(frame["codebook"].tolist())))
    frame = frame.assign(_book=frame["codebook"].map(books.index))
    return frame.sort_values("_book", kind="stable").drop(columns="_book").reset_index(drop=True)


def source_spans(project: Project) -> pd.DataFrame:
    """One unit per source covering its whole text: source, start, end."""
    s = schema.sources
    query = select(s.c.name, func.length(s.c.text)).order_by(s.c.name)
    with project.reading() as conn:
        rows = [(name, 0, int(length)) for name, length in conn.execute(query)]
    return _frame(rows, ["source", "start", "end"])
