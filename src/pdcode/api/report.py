"""`pdcode report`: one document for a study, as HTML or Word.

It joins what the other analysis verbs give — sources per strand and role, the
frequency table, the comparison across strands with its heatmap, co-occurrence
and the most typical excerpts of each code — into one report, so a team can
hand round a single file. Every number in it is the same as the verb's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.errors import UsageError
from pdcode.store import Project, frames

if TYPE_CHECKING:
    from pdcode.export.report import Block, Report

FORMATS = {".html": "html", ".htm": "html", ".docx": "docx"}
TOP_PAIRS = 15


def build_report(
    project: Project,
    coder: str | None = None,
    across: str = "strand",
    unit: str = "sentence",
    per_code: int = 3,
    title: str = "Coding report",
) -> Report:
    """The report's blocks, from the project's codings (of ``coder``, or all)."""
    from pdcode.analysis.overview import overview
    from pdcode.api.analysis import NOTE
    from pdcode.export.report import Heading, Report, Text

    if per_code < 1:
        raise UsageError("--per-code must be at least 1")
    sources = frames.sources_frame(project)
    if sources.empty:
        raise UsageError("the project has no sources: import transcripts first")
    who = f"coder {coder}" if coder else "all coders"
    blocks: list[Block] = [
        Text(
            f"{len(sources)} sources, {sources['case'].nunique()} cases; codings of {who}; "
            f"a reference is a coded {unit}. {NOTE}",
            italic=True,
        )
    ]
    summary = overview(sources, by=across)
    blocks += [Heading(f"Sources by {across}" + (f" and {summary.split}" if summary.split else ""))]
    blocks += _overview_blocks(summary)
    blocks += _frequency_blocks(project, coder, across, unit)
    blocks += _compare_blocks(project, coder, across)
    blocks += _cooccur_blocks(project, coder, unit)
    blocks += [Heading("Typical excerpts")]
    blocks += _excerpt_blocks(project, coder, per_code)
    return Report(title, tuple(blocks))


def _overview_blocks(summary: Any) -> list[Block]:
    from pdcode.export.report import Table

    columns = (summary.by, "sources", "cases", *(f"{summary.split}: {c}" for c in summary.columns))
    rows = tuple((name, n, cases, *per) for name, n, cases, per in summary.rows)
    return [Table(columns, rows)]


def _frequency_blocks(project: Project, coder: str | None, by: str, unit: str) -> list[Block]:
    from pdcode.api.analysis import frequencies
    from pdcode.export.report import Heading, Table, Text

    freq = frequencies(project, by=by, coder=coder, unit=unit)
    columns = ["code", "name", "references", "sources", "cases"]
    columns += [f"{g.name} sources %" for g in freq.groups]
    titles = ["code", "name", "references", "sources", "cases"]
    titles += [f"{g.name}: % of {g.sources} sources" for g in freq.groups]
    rows = tuple(tuple(row[c] for c in columns) for row in freq.rows)
    return [
        Heading("Theme frequencies"),
        Text(
            f"References are coded {unit}s; sources and cases are those with at least one "
            f"reference; the {by} columns give the share of that {by}'s sources."
        ),
        Table(tuple(titles), rows),
    ]


def _compare_blocks(project: Project, coder: str | None, across: str) -> list[Block]:
    import pandas as pd

    from pdcode.analysis.compare import __doc__ as method
    from pdcode.api.analysis import compare
    from pdcode.export.report import Figure, Heading, Table, Text

    result = compare(project, across=across, coder=coder)
    blocks: list[Block] = [Heading(f"Comparison across {across}")]
    if len(result.groups) < 2:
        return [*blocks, Text(f"Only one {across} in the project: nothing to compare.")]
    blocks.append(Text(" ".join((method or "").split()), italic=True))
    columns = ["code"]
    columns += [f"{g} (n={n})" for g, n in zip(result.groups, result.n, strict=True)]
    columns += ["test", "p", "Cramér's V", "distinctive"]
    rows = []
    for row in result.rows:
        cells: list[Any] = [row["code"]]
        cells += [f"{row[f'{g} with']} ({row[f'{g} %']:.1f}%)" for g in result.groups]
        cells += [row["test"], row["p"], row["cramers_v"], row["distinctive"]]
        rows.append(tuple(cells))
    matrix = pd.DataFrame(
        [[row[f"{g} %"] for g in result.groups] for row in result.rows],
        index=[row["code"] for row in result.rows],
        columns=[f"{g} (n={n})" for g, n in zip(result.groups, result.n, strict=True)],
    )
    title = f"% of {result.unit}s with each code, by {across}"
    return [*blocks, Table(tuple(columns), tuple(rows)), Figure(title, matrix)]


def _cooccur_blocks(project: Project, coder: str | None, unit: str) -> list[Block]:
    from pdcode.api.analysis import cooccur
    from pdcode.export.report import Figure, Heading, Table, Text

    result = cooccur(project, unit=unit, coder=coder)
    pairs = [p for p in result.pairs() if p["both"]]
    pairs.sort(
        key=lambda p: (
            -int(str(p["both"])),
            -float(str(p["jaccard"])),
            str(p["code_a"]),
            str(p["code_b"]),
        )
    )
    columns = ("code A", "code B", f"{unit}s with both", "Jaccard")
    rows = tuple((p["code_a"], p["code_b"], p["both"], p["jaccard"]) for p in pairs[:TOP_PAIRS])
    blocks: list[Block] = [
        Heading("Co-occurrence"),
        Text(
            f"The {min(TOP_PAIRS, len(pairs))} pairs of codes most often on the same {unit}, "
            "with Jaccard similarity (both / either)."
        ),
        Table(columns, rows),
    ]
    if len(result.codes) > 1:
        blocks.append(Figure(f"Codes on the same {unit}", result.counts))
    return blocks


def _excerpt_blocks(project: Project, coder: str | None, per_code: int) -> list[Block]:
    import pandas as pd

    from pdcode.analysis.typical import __doc__ as method
    from pdcode.analysis.typical import typical_excerpts
    from pdcode.api.excerpts import _sections
    from pdcode.export.excerpts import attribution
    from pdcode.export.report import Heading, Quote, Text

    sections = _sections(project, None, None, coder)
    records = [{**e, "code": s.code} for s in sections for e in s.excerpts]
    blocks: list[Block] = [Text(" ".join((method or "").split()), italic=True)]
    if not records:
        return [*blocks, Text("No codings yet.")]
    # Only what scoring needs goes through pandas; the records keep their own
    # values (a paragraph number must not come back as a float).
    frame = pd.DataFrame(
        {
            "code": [r["code"] for r in records],
            "source": [r["source"] for r in records],
            "start": [r["start"] for r in records],
            "text": [r["text"] for r in records],
            "record": range(len(records)),
        }
    )
    chosen = typical_excerpts(frame, per_code)
    picked: dict[str, list[int]] = {}
    for code, index in zip(chosen["code"], chosen["record"], strict=True):
        picked.setdefault(code, []).append(int(index))
    for s in sections:
        blocks.append(Heading(f"{s.name} ({s.code})", level=2))
        if s.definition:
            blocks.append(Text(s.definition, italic=True))
        shown = picked.get(s.code, [])
        blocks.append(Text(f"{len(s.excerpts)} excerpt(s); the {len(shown)} most typical:"))
        for index in shown:
            record = records[index]
            blocks.append(Quote(str(record["text"]), attribution(record)))
    return blocks


def write_report(project: Project, output: Path, **options: Any) -> Path:
    """Build the report and write it as .html or .docx (chosen by ``output``'s suffix)."""
    fmt = FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise UsageError(f"{output}: a report is written as .html or .docx")
    report = build_report(project, **options)
    from pdcode.export import report as writer

    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(output.name + ".part")
    if fmt == "html":
        part.write_text(writer.to_html(report), encoding="utf-8", newline="")
    else:
        part.write_bytes(writer.to_docx(report))
    part.replace(output)
    return output
