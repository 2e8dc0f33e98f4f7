"""Project-level verbs: create, list sources, export segments."""

from __future__ import annotations

from pathlib import Path

from pdcode.errors import UsageError
from pdcode.records import UNITS, SourceSummary
from pdcode.store import Project

SEGMENT_COLUMNS = (
    "source", "strand", "case", "role", "speaker", "is_interviewer",
    "unit", "index", "start", "end", "text",
)  # fmt: skip
SOURCE_COLUMNS = (
    "name",
    "strand",
    "case",
    "format",
    "turns",
    "words",
    "respondent_turns",
    "respondent_words",
    "attributes",
    "sha256",
)


def project_name(location: str | Path) -> str:
    """How to name a project to a person: its path, or its URL with any password
    hidden (messages and printed lines never show a database password)."""
    from pdcode.store.faults import display_name

    return display_name(location)


def init_project(location: str | Path) -> Project:
    """Create a new, empty project."""
    return Project.create(location)


def open_project(location: str | Path) -> Project:
    return Project.open(location)


def list_sources(project: Project) -> list[SourceSummary]:
    return project.source_summaries()


def uncodable_sources(
    project: Project, unit: str = "sentence", include_interviewer: bool = False
) -> list[str]:
    """Sources that contribute no codable segment of ``unit``: no respondent turn
    (or no text at all), so codes and counts can never include them."""
    return project.sources_without(unit, include_interviewer)


def dump_sources(project: Project, fmt: str, raw_csv: bool = False) -> str:
    """The sources listing as csv or json (attributes as an object in json)."""
    from pdcode.export.tables import render

    rows = [
        {
            "name": s.name,
            "strand": s.strand,
            "case": s.case,
            "format": s.format,
            "turns": s.turns,
            "words": s.words,
            "respondent_turns": s.respondent_turns,
            "respondent_words": s.respondent_words,
            "attributes": dict(s.attributes),
            "sha256": s.sha256,
        }
        for s in list_sources(project)
    ]
    return render(rows, SOURCE_COLUMNS, _check_format(fmt, ("csv", "json")), raw_csv)


def source_roles(project: Project) -> dict[str, str]:
    """Each source's ``role`` attribute, for the sources that have one."""
    from pdcode.store import frames

    sources = frames.sources_frame(project)
    if "role" not in sources.columns:
        return {}
    return {
        name: role
        for name, role in zip(sources["source"], sources["role"], strict=True)
        if isinstance(role, str)
    }


def export_segments(
    project: Project,
    unit: str,
    fmt: str,
    output: Path | None,
    raw_csv: bool = False,
    key: Path | None = None,
) -> str:
    """Segments of one unit with attribution (the source's role, whether the
    interviewer spoke) and text; written to ``output`` if given. ``key``: a reviewed
    pseudonym key applied (offsets then count in the pseudonymised text)."""
    from pdcode.api.pseudonymise import sharing
    from pdcode.export.tables import render, write_text

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    fmt = _check_format(fmt, ("csv", "json"))
    share = sharing(project, key, output)
    roles = source_roles(project)
    rows = [
        {**row, "role": roles.get(row["source"]), "is_interviewer": bool(row["is_interviewer"])}
        for row in project.segment_rows(unit)
    ]
    rows = share(rows)
    content = render(rows, SEGMENT_COLUMNS, fmt, raw_csv)
    if output is not None:
        write_text(content, output)
    return content


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(allowed)})")
    return fmt
