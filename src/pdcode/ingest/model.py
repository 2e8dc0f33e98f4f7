"""The plain structure every reader returns: normalised text plus speaker turns.

Offsets are code points into ``Document.text``, which is already normalised
(NFC, LF line ends, no BOM), so ``text[turn.start:turn.end]`` is the turn's words
without its speaker label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pdcode.limits import Limits


@dataclass(frozen=True)
class Turn:
    """One stretch of talk by one speaker (consecutive cues or lines merged)."""

    speaker: str | None
    start: int
    end: int
    is_interviewer: bool = False
    start_time: float | None = None  # seconds from the start of the recording
    end_time: float | None = None


@dataclass(frozen=True)
class Document:
    """What a reader makes of one file (a survey file yields one per response).

    ``name`` is the source name: the file's name, or ``file.csv#ID`` for a survey
    response. ``case`` and ``attributes`` carry what the file itself says (a
    survey's respondent id and other columns); the manifest and options add more.
    """

    name: str
    format: str
    text: str
    turns: tuple[Turn, ...]
    attributes: tuple[tuple[str, str], ...] = ()
    case: str | None = None
    notes: tuple[str, ...] = ()  # what the reader guessed, said at import


@dataclass(frozen=True)
class SpeakerRole:
    """What a speaker map says of one label: its role, and a name to store instead."""

    role: str  # "interviewer", "respondent", or "none" (not a speaker label)
    name: str | None = None


@dataclass(frozen=True)
class ReadOptions:
    """Everything a reader may need to know beyond the bytes."""

    interviewers: frozenset[str] = frozenset()  # extra names flagged as interviewer (casefolded)
    # Casefolded label -> role (and name), from --speaker-map or the manifest.
    speaker_map: tuple[tuple[str, SpeakerRole], ...] = ()
    text_column: str | None = None  # survey files
    id_column: str | None = None
    max_bytes: int = 50_000_000
    # Budgets on the work one file may cause (zip, XML, characters): pdcode.limits.
    limits: Limits = field(default_factory=Limits.from_env)


@dataclass(frozen=True)
class LoadedFile:
    """A file read from disk: its fingerprint and the documents in it."""

    path: str
    sha256: str
    size: int
    documents: tuple[Document, ...] = field(default_factory=tuple)
