"""`pdcode report`: one document for a study, as HTML or Word.

It joins what the other analysis verbs give — sources per strand and role, the
frequency table, the comparison across strands with its heatmap, co-occurrence
and the most typical excerpts of each code — into one report, so a team can
hand round a single file. Every number in it is the same as the verb's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.errors import UsageError
from pdcode.store import Project, frames

if TYPE_CHECKING:
    import pandas as pd

    from pdcode.api.memos import Memo
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
    from pdcode.api.filters import check_coder
    from pdcode.api.memos import memos
    from pdcode.export.report import Heading, Report, Text

    if per_code < 1:
        raise UsageError("--per-code must be at least 1")
    check_coder(project, coder)
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
    # Memos on the project frame the study (questions, decisions), so they open it.
    found = memos(project)
    blocks += _memo_section("Memos on the project", [m for m in found if m.kind == "project"])
    summary = overview(sources, by=across)
    blocks += [Heading(f"Sources by {across}" + (f" and {summary.split}" if summary.split else ""))]
    blocks += _overview_blocks(summary)
    blocks += _memo_section("Memos on sources", [m for m in found if m.kind == "source"])
    blocks += _frequency_blocks(project, coder, across, unit)
    blocks += _compare_blocks(project, coder, across)
    blocks += _cooccur_blocks(project, coder, unit)
    blocks += [Heading("Typical excerpts")]
    blocks += _excerpt_blocks(project, coder, per_code, found)
    return Report(title, tuple(blocks))


def _memo_block(memo: Memo, on: str = "") -> Block:
    from pdcode.export.excerpts import Memo as Shown
    from pdcode.export.report import Memo as MemoBlock

    return MemoBlock(
        memo.text, Shown(memo.author, memo.created_at, memo.text, memo.title).byline(on)
    )


def _memo_section(title: str, found: list[Memo]) -> list[Block]:
    """A section of memos (none: no section); memos on sources under each source."""
    from pdcode.export.report import Heading

    if not found:
        return []
    blocks: list[Block] = [Heading(title)]
    for source in sorted({m.source for m in found if m.source is not None}):
        blocks.append(Heading(source, level=2))
        blocks += [_memo_block(m) for m in found if m.source == source]
    return blocks + [_memo_block(m) for m in found if m.source is None]


def _code_memos(code: str, excerpts: Sequence[dict[str, Any]], found: list[Memo]) -> list[Block]:
    """The memos on a code and on the codings among its ``excerpts``, oldest first,
    under a heading of their own (none: nothing)."""
    from pdcode.export.excerpts import attribution
    from pdcode.export.report import Heading

    by_id = {e["id"]: e for e in excerpts}
    blocks: list[Block] = []
    for memo in found:
        if memo.kind == "code" and memo.code == code:
            blocks.append(_memo_block(memo))
        elif memo.kind == "coding" and memo.coding_id in by_id:
            coded = by_id[memo.coding_id]
            words = " ".join(str(coded["text"]).split())
            quoted = words if len(words) <= 60 else words[:59].rstrip() + "…"
            on = f" on “{quoted}” ({attribution(coded)}; coded by {coded['coder']})"
            blocks.append(_memo_block(memo, on))
    return [Heading("Memos", level=3), *blocks] if blocks else []


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
    from pdcode.analysis.compare import format_p
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
        cells += [row["test"], format_p(row["p"]), row["cramers_v"], row["distinctive"]]
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


def _excerpt_blocks(
    project: Project, coder: str | None, per_code: int, all_memos: list[Memo]
) -> list[Block]:
    import pandas as pd

    from pdcode.analysis.typical import MIN_WORDS, typical_excerpts
    from pdcode.analysis.typical import __doc__ as method
    from pdcode.api.excerpts import _sections
    from pdcode.export.excerpts import attribution
    from pdcode.export.report import Heading, Quote, Text

    sections = _sections(project, None, None, coder)
    records = [{**e, "code": s.code} for s in sections for e in s.excerpts]
    blocks: list[Block] = [Text(" ".join((method or "").split()), italic=True)]
    if not records:
        return [*blocks, Text("No codings yet."), *_memo_only(project, sections, all_memos)]
    candidates = _sentences(project, records)
    chosen = typical_excerpts(candidates, per_code)
    picked: dict[str, list[dict[str, Any]]] = {}
    for found in chosen.to_dict("records"):
        picked.setdefault(str(found["code"]), []).append(_plain(found))
    for s in sections:
        blocks.append(Heading(f"{s.name} ({s.code})", level=2))
        if s.definition:
            blocks.append(Text(s.definition, italic=True))
        shown = picked.get(s.code, [])
        note = None
        if not shown:  # codings outside any sentence (a preamble): the coded text itself
            note = "No coded sentence: the coded text is shown."
            frame = pd.DataFrame([{**e, "code": s.code} for e in s.excerpts])
            shown = [_plain(r) for r in typical_excerpts(frame, per_code).to_dict("records")]
        elif any(row["short"] for row in shown):
            note = (
                f"No coded sentence of {MIN_WORDS} or more words by a participant: "
                "shorter sentences shown."
            )
        blocks.append(Text(f"{len(s.excerpts)} excerpt(s); the {len(shown)} most typical:"))
        if note:
            blocks.append(Text(note, italic=True))
        for row in shown:
            text = str(row["text"])
            if "short" in row:  # a whole sentence: line breaks inside it are layout
                text = " ".join(text.split())
            blocks.append(Quote(text, attribution(row)))
        blocks += _code_memos(s.code, s.excerpts, all_memos)
    return blocks + _memo_only(project, sections, all_memos)


def _memo_only(project: Project, sections: list[Any], found: list[Memo]) -> list[Block]:
    """Codes with memos but no excerpt (a group of codes, a code not used yet): each
    with its memos, after the coded ones, in codebook order."""
    from pdcode.export.report import Heading, Text

    present = {s.code for s in sections}
    wanted = {m.code for m in found if m.kind == "code" and m.code not in present}
    if not wanted:
        return []
    codes = frames.codes_frame(project)
    order = {c: i for i, c in enumerate(codes["code"])}
    names = dict(zip(codes["code"], codes["name"], strict=True))
    blocks: list[Block] = []
    for code in sorted(wanted, key=lambda c: (order.get(c, len(order)), str(c))):
        blocks += [Heading(f"{names.get(code, code)} ({code})", level=2), Text("No excerpts.")]
        blocks += _code_memos(str(code), [], found)
    return blocks


def _plain(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A pandas row's values as Python ones: NaN is None, a float paragraph an int."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, float) and value != value:
            value = None
        elif hasattr(value, "item"):
            value = value.item()
        out[str(key)] = value
    if isinstance(out.get("paragraph"), float):
        out["paragraph"] = int(out["paragraph"])
    return out


def _sentences(project: Project, records: list[dict[str, Any]]) -> pd.DataFrame:
    """The whole sentences the codings touch, with what an attribution needs: case,
    role, speaker, source, and the turn's time or the paragraph number."""
    from bisect import bisect_right

    import pandas as pd

    from pdcode.analysis.typical import sentence_candidates

    sentences = pd.DataFrame(project.segment_rows("sentence"))
    if sentences.empty:
        return pd.DataFrame(columns=["code", "source", "start", "text", "short"])
    sources = frames.sources_frame(project)
    roles = dict(zip(sources["source"], sources["role"], strict=True)) if "role" in sources else {}
    starts: dict[str, list[int]] = {}
    numbers: dict[str, list[int]] = {}
    for row in project.segment_rows("paragraph"):
        starts.setdefault(row["source"], []).append(row["start"])
        numbers.setdefault(row["source"], []).append(row["index"] + 1)

    def paragraph(source: str, offset: int) -> int | None:
        position = bisect_right(starts.get(source, []), offset) - 1
        return numbers[source][position] if position >= 0 else None

    role: list[object] = [r if isinstance(r, str) else None for r in sentences["source"].map(roles)]
    places = zip(sentences["source"], sentences["start"], strict=True)
    numbered: list[object] = [paragraph(source, start) for source, start in places]
    sentences = sentences.assign(
        role=pd.Series(role, dtype=object, index=sentences.index),
        time=sentences["start_time"].astype(object).where(sentences["start_time"].notna(), None),
        paragraph=pd.Series(numbered, dtype=object, index=sentences.index),
    )
    codings = pd.DataFrame(
        {
            "source": [r["source"] for r in records],
            "start": [r["start"] for r in records],
            "end": [r["end"] for r in records],
            "code": [r["code"] for r in records],
        }
    )
    labels = {str(s) for s in sentences["speaker"].dropna()}
    keep = ["source", "start", "end", "text", "case", "role", "speaker", "time", "paragraph"]
    keep += ["is_interviewer"]
    return sentence_candidates(sentences[keep], codings, labels=labels)


def write_report(
    project: Project,
    output: Path | None,
    fmt: str | None = None,
    key: Path | None = None,
    **options: Any,
) -> str | None:
    """Build the report and write it as html or docx (``fmt``, else chosen by
    ``output``'s suffix); with no ``output``, return the html. ``key``: a reviewed
    pseudonym key applied to every word of it."""
    from pdcode.api.formats import check_format
    from pdcode.api.pseudonymise import sharing

    if fmt is None and output is not None:
        fmt = FORMATS.get(output.suffix.lower())
        if fmt is None:
            raise UsageError(f"{output}: a report is written as .html or .docx (or give --format)")
    fmt = fmt or "html"
    check_format(fmt, ("html", "docx"), output)
    share = sharing(project, key, output)
    report = share(build_report(project, **options))
    from pdcode.export import report as writer
    from pdcode.export.files import write_output

    content = writer.to_html(report) if fmt == "html" else writer.to_docx(report)
    if output is None:
        assert isinstance(content, str)  # check_format refused docx without a file
        return content
    write_output(content, output)
    return None
