"""Reliability verbs: `pdcode agreement`, `pdcode disagreements`, `pdcode evaluate`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.api.filters import check_coders, check_strand, resolve_code
from pdcode.api.formats import check_format, format_of
from pdcode.api.moment import one_moment
from pdcode.errors import InputError, UsageError
from pdcode.reliability import stats
from pdcode.store import Project, frames

if TYPE_CHECKING:
    import pandas as pd

    from pdcode.reliability.agreement import Agreement
    from pdcode.reliability.table import TableAgreement

UNITS = ("sentence", "turn", "paragraph")
FORMATS = ("csv", "json", "md", "xlsx")
NOTE = (
    "A coder applied a code to a unit when one of their spans for it overlaps the unit; "
    "units of sources a coder coded nothing in are missing for that coder."
)


def parse_coders(value: str) -> list[str]:
    coders = [c.strip() for c in value.split(",") if c.strip()]
    if len(coders) < 2:
        raise UsageError("--coders takes two or more coder names, comma-separated")
    if len(set(coders)) != len(coders):
        raise UsageError("--coders names a coder twice")
    return coders


def _scope(
    project: Project,
    coders: Sequence[str],
    unit: str,
    code: str | None,
    strand: str | None,
    include_interviewer: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], dict[str, str]]:
    """Units, the coders' codings, the codes to compare (codebook order) and names."""
    from pdcode.api.analysis import _code_order

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    check_coders(project, coders)
    code = resolve_code(project, code)
    codings = frames.coder_codings_frame(project, coders)
    units = frames.units_frame(project, unit, include_interviewer)
    if check_strand(project, strand) is not None:
        sources = frames.sources_frame(project)
        inside = set(sources.loc[sources["strand"] == strand, "source"])
        units = units[units["source"].isin(inside)].reset_index(drop=True)
        codings = codings[codings["source"].isin(inside)]
    codes_table, order, _ = _code_order(frames.codes_frame(project), codings, "leaf")
    if code is not None:
        if code not in order:
            raise UsageError(f"neither coder applied code {code!r}")
        order = [code]
    names = dict(zip(codes_table["code"], codes_table["name"], strict=True))
    return units, codings, order, names


@one_moment
def agreement(
    project: Project,
    coders: Sequence[str],
    unit: str = "sentence",
    code: str | None = None,
    strand: str | None = None,
    include_interviewer: bool = False,
    resamples: int = stats.BOOTSTRAP,
    seed: int = stats.SEED,
) -> Agreement:
    """Per-code and overall agreement of ``coders`` over the project's units."""
    from pdcode.reliability.agreement import agreement as run

    units, codings, order, names = _scope(project, coders, unit, code, strand, include_interviewer)
    return run(units, codings, coders, order, names, unit, resamples, seed)


@one_moment
def character_agreement(
    project: Project, coders: Sequence[str], code: str | None = None, strand: str | None = None
) -> list[dict[str, Any]]:
    """Character-level agreement per code, source and pair of coders."""
    from pdcode.reliability.characters import character_agreement as run

    _units, codings, order, _names = _scope(project, coders, "turn", code, strand, True)
    spans = frames.source_spans(project)
    lengths = dict(zip(spans["source"], spans["end"], strict=True))
    return run(codings.astype({"source": object, "code": object}), lengths, coders, order)


def read_table(path: Path) -> pd.DataFrame:
    """A reliability table (``pdcode.reliability.table.read_table``)."""
    from pdcode.reliability.table import read_table as read

    return read(path)


def agreement_table(
    path: Path,
    level: str = "nominal",
    resamples: int = stats.BOOTSTRAP,
    seed: int = stats.SEED,
) -> TableAgreement:
    from pdcode.reliability.table import LEVELS, table_agreement

    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r} (choose from {', '.join(LEVELS)})")
    frame = read_table(path)
    try:
        return table_agreement(frame, level, resamples, seed)
    except ValueError as exc:
        raise InputError(path, str(exc)) from None


def render_agreement(
    result: Agreement,
    fmt: str | None,
    output: Path | None,
    characters: list[dict[str, Any]] | None = None,
    raw_csv: bool = False,
) -> str | None:
    """Units table (and characters table) as csv/json/md, or both as xlsx sheets;
    the format is ``fmt``, else ``output``'s suffix, else csv."""
    from pdcode.export.tables import render, write_text
    from pdcode.reliability.characters import COLUMNS

    fmt = format_of(fmt, output, FORMATS, "csv")
    check_format(fmt, FORMATS, output)
    columns = result.columns()
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        sheets: dict[str, tuple[list[dict[str, Any]], Sequence[str]]] = {
            "units": (list(result.rows), columns)
        }
        if characters is not None:
            sheets["characters"] = (characters, COLUMNS)
        assert output is not None  # check_format refused xlsx without one
        write_xlsx(sheets, output)
        return None
    if fmt == "json":
        data: dict[str, Any] = {
            "unit": result.unit,
            "coders": list(result.coders),
            "bootstrap": {"resamples": result.resamples, "seed": result.seed},
            "rows": [{c: row.get(c) for c in columns} for row in result.rows],
            "note": NOTE,
        }
        if characters is not None:
            data["characters"] = characters
        content = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif characters is not None:
        content = render(characters, COLUMNS, fmt, raw_csv)
    else:
        content = render(list(result.rows), columns, fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content


def render_table(
    result: TableAgreement, fmt: str | None, output: Path | None, raw_csv: bool = False
) -> str | None:
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, FORMATS, "csv")
    check_format(fmt, FORMATS, output)
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        assert output is not None  # check_format refused xlsx without one

        write_xlsx({"agreement": ([result.row], result.columns())}, output)
        return None
    if fmt == "json":
        payload = {"coders": list(result.coders), **result.row}
        content = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    else:
        content = render([result.row], result.columns(), fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content
