"""What a model learns from: model names, the coders it learns from, the unit,
a stored record checked, and the training units with their labels."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pdcode.errors import ProjectError, UsageError
from pdcode.records import UNITS
from pdcode.store import Project
from pdcode.store import models as store

if TYPE_CHECKING:
    from pdcode.learn import SuggestionModel, TrainingUnit

MACHINE = ("rules:", "model:", "topics:")
# A model's name goes into its coder, model:NAME@HASH, and names a shipped file.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


# -- names and checks ---------------------------------------------------------------


def check_name(name: str, option: str = "--name") -> str:
    """``name`` itself when it can name a model: letters, digits, ``.``, ``_``, ``-``."""
    if not NAME.match(name):
        raise UsageError(
            f"{option} {name!r} cannot name a model: use 1 to 64 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return name


def model_coder(name: str, digest_hash: str) -> str:
    return f"model:{name}@{digest_hash}"


def check_training_coders(project: Project, coders: Sequence[str]) -> list[str]:
    """The coders to learn from, each once: people (any coder that is not a
    machine coder: ``ana``, an imported ``gold``) with codings here."""
    from pdcode.api.filters import check_coders
    from pdcode.store import frames

    known = set(frames.known_coders(project))
    # `human:ana` names the person `ana` (how pdcode stores people), unless a coder
    # of that very name exists.
    chosen = list(
        dict.fromkeys(
            c.strip().removeprefix("human:") if c.strip() not in known else c.strip()
            for c in coders
        )
    )
    if not chosen or not all(chosen):
        raise UsageError("name at least one person to learn from: --from NAME")
    machine = [c for c in chosen if c.startswith(MACHINE)]
    if machine:
        raise UsageError(
            f"--from {machine[0]!r} is a machine coder; a model learns from people's coding "
            "(a person such as ana, or an imported coder such as gold). Review the "
            "machine's codings first: accepted ones become the reviewer's own"
        )
    check_coders(project, chosen)
    return chosen


def _check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    return unit


def _checked(name: str, text: str) -> SuggestionModel:
    from pdcode.learn import from_record

    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        raise ProjectError(
            f"model {name}: its stored record is not JSON (changed since it was saved); "
            "learn the model again rather than trust it"
        ) from None
    return from_record(record, name)


# -- training data ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingData:
    units: tuple[TrainingUnit, ...]
    codes: tuple[str, ...]  # the codes to learn, in codebook order
    codebook: str | None  # content hash of the one codebook the codes come from
    rejected_units: int  # units with at least one rejected code


def training_data(project: Project, coders: Sequence[str], unit: str = "turn") -> TrainingData:
    """The units a model learns from, with their labels.

    The units are the respondent segments of ``unit`` of every source in which
    one of ``coders`` has a coding (never of sources nobody coded: there silence
    would not mean "not this code"). A unit has a code when a coding of it by
    one of ``coders`` overlaps the unit. A code is *rejected* on a unit when one
    of ``coders``, reviewing a machine coding that overlaps the unit, rejected it
    or changed it to another code: a labelled negative. A rejection of a span
    also cancels the coders' own codings of that code on exactly that span (two
    of them disagreeing there: the rejection wins), but not a coding of the code
    elsewhere in the unit (a turn whose first sentence has the code still has
    it when a rule's hit on its third sentence was rejected).
    """
    from pdcode.api.analysis import _code_order
    from pdcode.evaluation import Labelled, Span, units_with_codes
    from pdcode.learn import TrainingUnit
    from pdcode.store import frames
    from pdcode.store import reviews as review_store

    _check_unit(unit)
    frame = frames.coder_codings_frame(project, coders)
    rows = list(frame[["source", "start", "end", "code"]].itertuples(index=False, name=None))
    coded = {str(r[0]) for r in rows}
    people = set(coders)
    rejected_spans = {
        (d["source"], d["start"], d["end"], d["code"])
        for d in review_store.review_rows(project)
        if d["reviewer"] in people and d["decision"] in ("reject", "change")
    }
    segments = [
        r for r in project.segment_rows(unit) if not r["is_interviewer"] and r["source"] in coded
    ]
    spans = [Span(r["source"], r["start"], r["end"]) for r in segments]
    positives = [
        Labelled(str(s), int(a), int(b), str(c))
        for s, a, b, c in rows
        if (str(s), int(a), int(b), str(c)) not in rejected_spans
    ]
    negatives = [Labelled(*key) for key in sorted(rejected_spans) if key[0] in coded]
    has = units_with_codes(spans, positives)
    refused = units_with_codes(spans, negatives)
    units = tuple(
        TrainingUnit(r["source"], r["text"], frozenset(h), frozenset(n - h))
        for r, h, n in zip(segments, has, refused, strict=True)
    )
    _books, order, _ = _code_order(frames.codes_frame(project), frame, "leaf")
    books = store.codebook_hashes(project, coders)
    if not books:  # imported human codings name no codebook: the one holding their codes
        books = store.codebooks_holding(project, sorted({str(r[3]) for r in rows}))
    return TrainingData(
        units=units,
        codes=tuple(order),
        codebook=books[0] if len(books) == 1 else None,
        rejected_units=sum(1 for u in units if u.rejected),
    )
