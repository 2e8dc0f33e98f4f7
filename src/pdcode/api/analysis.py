"""Analysis verbs: `pdcode frequencies`, `pdcode cooccur`, `pdcode compare`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from pdcode.analysis.compare import Comparison
from pdcode.analysis.cooccurrence import Cooccurrence
from pdcode.analysis.frequencies import Frequencies
from pdcode.api.filters import check_coder
from pdcode.api.formats import check_format, format_of
from pdcode.api.moment import one_moment
from pdcode.errors import UsageError
from pdcode.records import UNITS
from pdcode.store import Project, frames

if TYPE_CHECKING:
    import pandas as pd

LEVELS = ("leaf", "group")
FORMATS = ("csv", "json", "md", "xlsx")
# What a reference counts: a unit of text, or (coding) each stretch of coded text.
FREQUENCY_UNITS = (*UNITS, "coding")


@one_moment
def frequencies(
    project: Project,
    by: str | None = None,
    coder: str | None = None,
    level: str = "leaf",
    unit: str = "sentence",
) -> Frequencies:
    """For each code: references (coded units), sources and cases, overall and per group.

    With unit ``coding`` each stretch of text coded with a code is one reference.
    """
    from pdcode.analysis.frequencies import frequencies as table

    if unit not in FREQUENCY_UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(FREQUENCY_UNITS)})")
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r} (choose from {', '.join(LEVELS)})")
    codings = frames.codings_frame(project, check_coder(project, coder))
    codes, order, parents = _code_order(frames.codes_frame(project), codings, level)
    names = dict(zip(codes["code"], codes["name"], strict=True))
    try:
        return table(
            None
            if unit == "coding"
            else frames.units_frame(project, unit, include_interviewer=True),
            codings,
            frames.sources_frame(project),
            order,
            names,
            unit,
            by,
            parents,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _code_order(
    codes: pd.DataFrame, codings: pd.DataFrame, level: str
) -> tuple[pd.DataFrame, list[str], dict[str, str | None] | None]:
    """The codebooks in use, the row order of codes, and (group level) code -> group.

    Leaf level: every leaf code, and every group code with codings of its own (a
    row holding just the codings made on the group itself, as NVivo or qc allow),
    in codebook order. Group level: the top-level codes (groups, and codes in no
    group), each code mapped to the top of its tree, so a coding on a code at any
    depth, a group's own included, counts for its top-level group.
    """
    coded = set(codings["code"].unique())  # iterating a million values is slow
    used_books = set(codes.loc[codes["code"].isin(coded), "codebook"])
    codes = codes[codes["codebook"].isin(used_books)]
    # A missing parent reads back from the database as NaN, not None.
    parent_of = {
        code: parent if isinstance(parent, str) else None
        for code, parent in zip(codes["code"], codes["parent"], strict=True)
    }
    parents: dict[str, str | None] | None = None
    if level == "group":
        parents = {code: _top(code, parent_of) if up else None for code, up in parent_of.items()}
        order = [code for code in codes["code"] if parent_of[code] is None]
    else:
        own = ~codes["is_group"].astype(bool) | codes["code"].isin(coded)
        order = codes.loc[own, "code"].tolist()
    # Codes no stored codebook knows (e.g. imported human codes) still count.
    order += sorted(coded - set(codes["code"]) - set(order))
    return codes, order, parents


def _top(code: str, parent_of: dict[str, str | None]) -> str:
    """The top-level ancestor of ``code`` (a cycle, which validation refuses, stops the walk)."""
    seen = {code}
    while (up := parent_of.get(code)) is not None and up not in seen:
        seen.add(up)
        code = up
    return code


COOCCUR_UNITS = ("sentence", "turn", "paragraph", "source")


@one_moment
def cooccur(
    project: Project, unit: str = "sentence", coder: str | None = None, level: str = "leaf"
) -> Cooccurrence:
    """Code co-occurrence counts and Jaccard similarity over units."""
    from pdcode.analysis.cooccurrence import cooccurrence

    if unit not in COOCCUR_UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(COOCCUR_UNITS)})")
    codings = frames.codings_frame(project, check_coder(project, coder))
    _codes, order, parents = _code_order(frames.codes_frame(project), codings, level)
    if parents is not None:
        codings = codings.assign(code=codings["code"].map(lambda c: parents.get(c) or c))
    units = (
        frames.source_spans(project)
        if unit == "source"
        else frames.units_frame(project, unit, include_interviewer=True)
    )
    return cooccurrence(units, codings, order, unit)


def render_cooccur(
    result: Cooccurrence,
    fmt: str | None,
    output: Path | None,
    heatmap: Path | None = None,
    table: bool = True,
    raw_csv: bool = False,
) -> str | None:
    """Pairs as csv/json/md, or counts, Jaccard and pairs as xlsx sheets; a heatmap.

    The table is written to ``output``, or returned as text when there is none;
    with ``table`` False only the heatmap is drawn."""
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, FORMATS, "csv")
    if table:
        check_format(fmt, FORMATS, output)
    if heatmap is not None:
        from pdcode.export.charts import heatmap as draw

        draw(result.counts, f"Codes on the same {result.unit}", heatmap)
    if not table:
        return None
    pairs = result.pairs()
    columns = ["code_a", "code_b", "both", "a", "b", "jaccard"]
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        def square(frame: pd.DataFrame) -> tuple[list[dict[str, object]], list[str]]:
            rows = [{"code": code, **frame.loc[code].to_dict()} for code in frame.index]
            return rows, ["code", *map(str, frame.columns)]

        assert output is not None  # check_format refused xlsx without one

        write_xlsx(
            {
                "counts": square(result.counts),
                "jaccard": square(result.jaccard.round(4)),
                "pairs": (pairs, columns),
            },
            output,
        )
        return None
    content = render(pairs, columns, fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content


@one_moment
def compare(
    project: Project,
    across: str = "strand",
    unit: str = "source",
    coder: str | None = None,
    level: str = "leaf",
) -> Comparison:
    """Prevalence of each code per group, with a test of independence and effect size."""
    from pdcode.analysis.compare import compare as run

    # Which codes each source carries is all a comparison needs.
    codings = frames.coded_sources_frame(project, check_coder(project, coder))
    codes, order, parents = _code_order(frames.codes_frame(project), codings, level)
    if parents is not None:
        codings = codings.assign(code=codings["code"].map(lambda c: parents.get(c) or c))
    names = dict(zip(codes["code"], codes["name"], strict=True))
    try:
        return run(
            codings,
            frames.sources_frame(project),
            across,
            order,
            names,
            unit,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def render_compare(
    result: Comparison,
    fmt: str | None,
    output: Path | None,
    heatmap: Path | None = None,
    table: bool = True,
    raw_csv: bool = False,
) -> str | None:
    """The comparison as csv/json/md/xlsx; a heatmap of prevalence (%) by group.

    The table is written to ``output``, or returned as text when there is none;
    with ``table`` False only the heatmap is drawn."""
    from pdcode.analysis.compare import __doc__ as method
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, FORMATS, "csv")
    if table:
        check_format(fmt, FORMATS, output)
    if heatmap is not None:
        import pandas as pd

        from pdcode.export.charts import heatmap as draw

        matrix = pd.DataFrame(
            [[row[f"{g} %"] for g in result.groups] for row in result.rows],
            index=[row["code"] for row in result.rows],
            columns=[f"{g} (n={n})" for g, n in zip(result.groups, result.n, strict=True)],
        )
        draw(matrix, f"% of {result.unit}s with each code, by {result.across}", heatmap)
    if not table:
        return None
    columns = result.columns()
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        assert output is not None  # check_format refused xlsx without one

        write_xlsx({"compare": (list(result.rows), columns)}, output)
        return None
    if fmt == "json":
        content = (
            json.dumps(
                {
                    "across": result.across,
                    "unit_of_analysis": result.unit,
                    "groups": [
                        {"name": g, "n": n} for g, n in zip(result.groups, result.n, strict=True)
                    ],
                    "rows": [{c: row.get(c) for c in columns} for row in result.rows],
                    "method": " ".join((method or "").split()),
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    elif fmt == "md":  # for people: p-values as they are reported ("< 0.001")
        from pdcode.analysis.compare import format_p

        rows = [{**row, "p": format_p(row["p"])} for row in result.rows]
        content = render(rows, columns, fmt)
    else:
        content = render(list(result.rows), columns, fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content


def header(freq: Frequencies) -> dict[str, str]:
    """Column titles carrying each group's n, as the table's header shows them."""
    titles = {}
    for g in freq.groups:
        n = f"(n={g.sources} sources, {g.cases} cases)"
        titles[f"{g.name} sources"] = f"{g.name} sources {n}"
    return titles


def render_frequencies(
    freq: Frequencies, fmt: str | None, output: Path | None, raw_csv: bool = False
) -> str | None:
    """The table as csv, md, json (with its groups and unit) or xlsx (needs ``output``);
    the format is ``fmt``, else ``output``'s suffix, else csv. Returns the text
    when there is no ``output``."""
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, FORMATS, "csv")
    check_format(fmt, FORMATS, output)
    titles = header(freq)
    columns = freq.columns()
    renamed = [{titles.get(k, k): v for k, v in row.items()} for row in freq.rows]
    shown = [titles.get(c, c) for c in columns]
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        assert output is not None  # check_format refused xlsx without one

        write_xlsx({"frequencies": (renamed, shown)}, output)
        return None
    if fmt == "json":
        content = (
            json.dumps(
                {
                    "unit": freq.unit,
                    "by": freq.by,
                    "groups": [
                        {"name": g.name, "sources": g.sources, "cases": g.cases}
                        for g in freq.groups
                    ],
                    "rows": [{c: row.get(c) for c in columns} for row in freq.rows],
                    "note": NOTE,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    else:
        content = render(renamed, shown, fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content


NOTE = (
    "Counts describe where codes were applied in qualitative data; "
    "they are not estimates for a wider population."
)
