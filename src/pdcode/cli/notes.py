"""Lines that warn before a count is trusted: sources that contribute nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pdcode.cli.render import err_console

if TYPE_CHECKING:
    from pdcode.api import Project

SHOWN = 5  # names listed before "and N more"


def note_uncodable(project: Project, unit: str = "sentence", interviewer: bool = False) -> None:
    """One line on stderr when some sources have no codable segment of ``unit``,
    so a table that leaves them out never does so silently."""
    from pdcode import api

    names = api.uncodable_sources(project, unit, interviewer)
    if not names:
        return
    listed = ", ".join(names[:SHOWN]) + (
        f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    )
    whose = "" if interviewer else "respondent "
    err_console.print(
        f"note: {len(names)} source(s) contribute no codable segment (no {whose}{unit}): "
        f"{listed}; check their speaker labels with `pdcode import --check`",
        markup=False,
    )
