"""The import manifest: a CSV naming, for each file, its strand, case and attributes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pdcode.errors import InputError
from pdcode.ingest.model import SpeakerRole

REQUIRED = ("file",)
CASE_PREFIX = "case."  # columns `case.KEY` are attributes of the case, not the source


@dataclass(frozen=True)
class Entry:
    """What the manifest says about one file."""

    path: Path
    strand: str | None
    case: str | None
    attributes: tuple[tuple[str, str], ...]
    case_attributes: tuple[tuple[str, str], ...]
    interviewers: frozenset[str]
    # From the `respondent` column and the map file a `speaker_map` column names.
    speaker_map: tuple[tuple[str, SpeakerRole], ...] = ()


def read_manifest(path: Path, allow_outside: bool = False) -> dict[Path, Entry]:
    """Entries keyed by resolved file path (paths in the file are relative to it).

    Every path, links followed, must lie in the manifest's folder unless
    ``allow_outside``: a manifest received from someone else cannot make pdcode
    read ``/etc/passwd`` or ``~/.ssh``."""
    from pdcode.ingest.decode import read_text

    text = read_text(path)
    home = path.parent.resolve()
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(path, f"manifest has no {', '.join(missing)} column")
    entries: dict[Path, Entry] = {}
    for line, row in enumerate(reader, start=2):
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        name = values.pop("file", "")
        if not name:
            raise InputError(path, f"line {line}: empty file name")
        target = _inside(path, home, line, name, allow_outside)
        if target in entries:
            raise InputError(path, f"line {line}: {name} is listed twice")
        strand = values.pop("strand", "") or None
        case = values.pop("case", "") or None
        names = values.get("interviewer", "")
        speaker_map = _speaker_map(path, line, values, home, allow_outside)
        entries[target] = Entry(
            path=target,
            strand=strand,
            case=case,
            attributes=tuple(
                sorted((k, v) for k, v in values.items() if v and not k.startswith(CASE_PREFIX))
            ),
            case_attributes=tuple(
                sorted(
                    (k.removeprefix(CASE_PREFIX), v)
                    for k, v in values.items()
                    if v and k.startswith(CASE_PREFIX)
                )
            ),
            # Names may hold commas ("Okafor, Sam"), so several are split on ";".
            interviewers=frozenset(n.strip().casefold() for n in names.split(";") if n.strip()),
            speaker_map=speaker_map,
        )
    return entries


def read_speaker_map(path: Path) -> tuple[tuple[str, SpeakerRole], ...]:
    """A speaker map file (see ``pdcode.ingest.speakermap``), or an ``InputError``."""
    from pdcode.ingest.decode import read_text
    from pdcode.ingest.speakermap import MapError, parse_speaker_map

    try:
        return parse_speaker_map(read_text(path))
    except MapError as exc:
        raise InputError(path, str(exc)) from None


def _inside(path: Path, home: Path, line: int, name: str, allow_outside: bool) -> Path:
    """The file a manifest row names, resolved, refused if it lies outside ``home``."""
    try:
        target = (path.parent / name).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop (Python < 3.13)
        raise InputError(path, f"line {line}: {name!r} cannot be resolved (a link loop?)") from None
    if not allow_outside and not target.is_relative_to(home):
        raise InputError(
            path,
            f"line {line}: {name!r} is outside the manifest's folder; not read "
            "(--allow-outside reads it)",
        )
    return target


def _speaker_map(
    path: Path,
    line: int,
    values: dict[str, str],
    home: Path | None = None,
    allow_outside: bool = False,
) -> tuple[tuple[str, SpeakerRole], ...]:
    """A row's speaker map: its map file, then the labels of its `respondent` column."""
    from pdcode.ingest.labels import key

    entries: dict[str, SpeakerRole] = {}
    name = values.pop("speaker_map", "")
    if name:
        target = _inside(path, home or path.parent.resolve(), line, name, allow_outside)
        if not target.is_file():
            raise InputError(path, f"line {line}: no speaker map {name!r}")
        entries.update(read_speaker_map(target))
    for label in values.pop("respondent", "").split(";"):
        if label.strip():
            entries[key(label)] = SpeakerRole("respondent")
    return tuple(entries.items())
