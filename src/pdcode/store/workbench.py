"""The reads of the workbench's pages: coded turns per source and coder, the
stored codes and codebooks, one source."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from sqlalchemy import select

from pdcode.errors import ProjectError
from pdcode.store import schema
from pdcode.store.project import Project


def coded_turns(project: Project) -> dict[str, dict[str, int]]:
    """For each source, for each coder: how many respondent turns carry any of the
    coder's codings (a coding counts for every turn it overlaps)."""
    c, s, g = schema.codings, schema.sources, schema.segments
    with project.reading() as conn:
        names = dict(conn.execute(select(s.c.id, s.c.name)).all())
        turns: dict[int, list[tuple[int, int]]] = {}
        for t in conn.execute(
            select(g.c.source_id, g.c.start, g.c.end)
            .where((g.c.unit == "turn") & g.c.is_interviewer.is_(False))
            .order_by(g.c.source_id, g.c.start)
        ):
            turns.setdefault(t.source_id, []).append((t.start, t.end))
        spans: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for k in conn.execute(select(c.c.source_id, c.c.coder, c.c.start, c.c.end)):
            spans.setdefault((k.source_id, k.coder), []).append((k.start, k.end))
    found: dict[str, dict[str, int]] = {}
    for (sid, coder), coded in spans.items():
        # Merged into disjoint sorted spans, so each turn is one binary search.
        merged: list[list[int]] = []
        for x, y in sorted(coded):
            if merged and x <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], y)
            else:
                merged.append([x, y])
        ends = [y for _, y in merged]
        covered = 0
        for a, b in turns.get(sid, []):
            i = bisect_right(ends, a)  # the first merged span ending after a
            if i < len(merged) and merged[i][0] < b:
                covered += 1
        found.setdefault(names[sid], {})[coder] = covered
    return found


def code_rows(project: Project) -> list[dict[str, Any]]:
    """Every code of the stored codebooks (newest load first): codebook, version,
    code, name, parent, definition, colour, is_group, and retired (from its
    codebook by ``pdcode codes retire``)."""
    cd, cb, rc = schema.codes, schema.codebooks, schema.retired_codes
    retired = select(rc.c.id).where(rc.c.codebook == cb.c.name, rc.c.code == cd.c.code).exists()
    query = (
        select(
            cb.c.name.label("codebook"),
            cb.c.version,
            cd.c.code,
            cd.c.name,
            cd.c.parent,
            cd.c.definition,
            cd.c.colour,
            cd.c.is_group,
            retired.label("retired"),
        )
        .join(cb, cd.c.codebook_id == cb.c.id)
        .order_by(cb.c.id.desc(), cd.c.position)
    )
    with project.reading() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def codebook_contents(project: Project) -> list[tuple[str, str, str]]:
    """(name, version, content) of every stored codebook, newest first."""
    cb = schema.codebooks
    query = select(cb.c.name, cb.c.version, cb.c.content).order_by(cb.c.id.desc())
    with project.reading() as conn:
        return [(r.name, r.version, r.content) for r in conn.execute(query)]


def source_row(project: Project, name: str) -> dict[str, Any]:
    """One source: name, strand, case, format and text."""
    s, k = schema.sources, schema.cases
    query = (
        select(s.c.name, s.c.strand, k.c.name.label("case"), s.c.format, s.c.text)
        .outerjoin(k, s.c.case_id == k.c.id)
        .where(s.c.name == name)
    )
    with project.reading() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise ProjectError(f"no source named {name!r} in the project")
    return dict(row._mapping)
