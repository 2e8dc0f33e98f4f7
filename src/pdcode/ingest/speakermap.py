"""Speaker maps: what a researcher says about a transcript's labels.

One line per label, ``LABEL = ROLE`` or ``LABEL = ROLE as NAME``, where ROLE is
``interviewer``, ``respondent`` or ``none`` (not a speaker: the line stays text)::

    # study A's transcripts
    Researcher 1 = interviewer
    Interviewee 1 = respondent
    JB = respondent as Jo Bell
    Note = none

Labels are matched case-insensitively. A mapped label always starts a turn,
even where the structural test would not take it.
"""

from __future__ import annotations

from pdcode.ingest.labels import key
from pdcode.ingest.model import SpeakerRole

ROLES = ("interviewer", "respondent", "none")


class MapError(ValueError):
    """A line of a speaker map that cannot be read; ``line`` counts from 1."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line


def parse_speaker_map(text: str) -> tuple[tuple[str, SpeakerRole], ...]:
    """The map's entries as (casefolded label, role), in file order."""
    entries: dict[str, SpeakerRole] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        label, sep, value = line.rpartition("=")
        label = label.strip()
        if not sep or not label:
            raise MapError(number, "expected LABEL = ROLE (interviewer, respondent or none)")
        role, _, name = value.strip().partition(" as ")
        role = role.strip().casefold()
        if role not in ROLES:
            raise MapError(number, f"unknown role {role!r} (choose from {', '.join(ROLES)})")
        k = key(label.rstrip(":"))
        if k in entries:
            raise MapError(number, f"label {label!r} is mapped twice")
        entries[k] = SpeakerRole(role, name.strip() or None)
    return tuple(entries.items())
