"""`pdcode matrix`: a framework matrix of coded excerpts (or counts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pdcode.api.filters import check_coder, check_strand
from pdcode.api.formats import check_format, format_of
from pdcode.api.moment import one_moment
from pdcode.errors import UsageError
from pdcode.store import Project, frames
from pdcode.store import codings as store

FORMATS = ("xlsx", "csv")


@one_moment
def framework_matrix(
    project: Project,
    rows: str,
    fmt: str | None,
    output: Path | None,
    count: bool = False,
    coder: str | None = None,
    strand: str | None = None,
    raw_csv: bool = False,
) -> tuple[int, str | None]:
    """The matrix; rows are case, source or a source attribute. The format is
    ``fmt``, else ``output``'s suffix, else csv. Returns the cells filled and,
    when there is no ``output``, the csv text."""
    from pdcode.api.analysis import _code_order
    from pdcode.export import matrix as writer
    from pdcode.export.excerpts import attribution
    from pdcode.export.tables import write_text

    fmt = format_of(fmt, output, FORMATS, "csv")
    check_format(fmt, FORMATS, output)
    check_coder(project, coder)
    check_strand(project, strand)
    sources = frames.sources_frame(project)
    if rows not in ("case", "source", *sources.columns):
        known = ", ".join(sorted(set(sources.columns) - {"strand"}))
        raise UsageError(f"--rows takes case, source or an attribute ({known})")
    key_of = dict(zip(sources["source"], sources[rows], strict=True))
    roles = (
        dict(zip(sources["source"], sources["role"], strict=True))
        if "role" in sources.columns
        else {}
    )
    codings = store.coding_rows(project, coder=coder)
    if strand is not None:
        codings = [c for c in codings if c["strand"] == strand]
    _codes, order, _ = _code_order(
        frames.codes_frame(project), frames.codings_frame(project, coder), "leaf"
    )
    grouped: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    for coding in codings:
        key = key_of.get(coding["source"])
        label = key if isinstance(key, str) else "(none)"
        role = roles.get(coding["source"])
        coding["role"] = role if isinstance(role, str) else None
        cell = grouped.setdefault(coding["strand"] or "(no strand)", {})
        cell.setdefault((label, coding["code"]), []).append(coding)
    matrix: dict[str, tuple[list[str], dict[tuple[str, str], Any]]] = {}
    for name in sorted(grouped):
        cells = grouped[name]
        labels = sorted({label for label, _ in cells})
        values: dict[tuple[str, str], Any] = {}
        for place, excerpts in cells.items():
            values[place] = (
                len(excerpts)
                if count
                else "\n\n".join(f"{e['text']}\n— {attribution(e)}" for e in excerpts)
            )
        matrix[name] = (labels, values)
    filled = sum(len(v) for _, v in matrix.values())
    if fmt == "xlsx":
        assert output is not None  # check_format refused xlsx without one
        writer.to_xlsx(matrix, order, rows, output)
        return filled, None
    content = writer.to_csv(matrix, order, rows, raw_csv)
    if output is None:
        return filled, content
    write_text(content, output)
    return filled, None
