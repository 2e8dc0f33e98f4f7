"""`pdcode learn`, `pdcode suggest` and `pdcode models`: code suggestions learned
from a project's human coding.

``learn`` builds the training units from the project (respondent units of the
sources the chosen human coders coded, their codes, and the codes reviewers
among them rejected), fits a ``learn.SuggestionModel`` and stores its record.
``suggest`` loads a stored model (checked against its digest), or the model
shipped with pdcode of that name, and writes its suggestions as the codings of
``model:NAME@HASH``, replacing that coder's previous run in the sources it
covers. The suggestions are reviewed like any machine coding (`pdcode serve`).

``learn --codebook FILE`` learns the leaf codes of that codebook (stored in the
project as ``pdcode code`` stores it); ``learn --with-rules FILE`` adds, per
unit, one 0/1 column per leaf code of that codebook saying whether its rules fire
there. ``suggest`` runs the same rules again, from the codebook of that exact
content stored in the project, and refuses when the project has none.

The parts live in modules of their own, re-exported here: names, coders and the
training data (``learning_data``), the shipped models (``shipped_models``),
stored models (``models``) and suggesting (``suggesting``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pdcode.api.learning_data import (
    MACHINE,
    NAME,
    TrainingData,
    _check_unit,
    check_name,
    check_training_coders,
    model_coder,
    training_data,
)
from pdcode.api.models import (
    Loaded,
    ModelList,
    Skipped,
    _skipped,
    load,
    models_delete,
    models_list,
    models_show,
)
from pdcode.api.shipped_models import (
    MAX_SHIPPED_BYTES,
    SHIPPED,
    SHIPPED_FORMAT,
    shipped,
    shipped_names,
    write_shipped,
)
from pdcode.api.suggesting import BATCH, SuggestReport, attach_rules, locate, rule_text, suggest
from pdcode.errors import ProjectError, UsageError
from pdcode.store import Project
from pdcode.store import codings as coding_store
from pdcode.store import models as store

if TYPE_CHECKING:
    from pdcode.codebook.model import Codebook
    from pdcode.learn import CodeScore, CurveRow, SuggestionModel
    from pdcode.learn.rules import BookRef, RuleFeatures

__all__ = [
    "BATCH",
    "MACHINE",
    "MAX_SHIPPED_BYTES",
    "NAME",
    "SHIPPED",
    "SHIPPED_FORMAT",
    "LearnReport",
    "Loaded",
    "ModelList",
    "Skipped",
    "SuggestReport",
    "TrainingData",
    "attach_rules",
    "check_name",
    "check_training_coders",
    "fit",
    "learn",
    "load",
    "locate",
    "model_coder",
    "models_delete",
    "models_list",
    "models_show",
    "record_text",
    "rule_text",
    "save",
    "shipped",
    "shipped_names",
    "suggest",
    "training_data",
    "write_shipped",
]


# -- learning -----------------------------------------------------------------------


@dataclass(frozen=True)
class LearnReport:
    name: str
    coder: str  # model:NAME@HASH, the coder of its suggestions
    hash: str
    unit: str
    coders: tuple[str, ...]
    units: int
    sources: int
    rejected_units: int
    scores: tuple[CodeScore, ...]  # per code learned: threshold and out-of-fold scores
    skipped: tuple[Skipped, ...]
    notes: tuple[str, ...]
    replaced: str | None  # the hash of the model of this name it replaced
    curve: tuple[CurveRow, ...] | None = None
    min_precision: float | None = None


def fit(
    data: TrainingData,
    name: str,
    *,
    min_precision: float | None = None,
    min_positive: int = 8,
    seed: int = 0,
    folds: int = 5,
    notes: Sequence[str] = (),
    rules: RuleFeatures | None = None,
    codebook: BookRef | None = None,
) -> SuggestionModel:
    """A ``SuggestionModel`` fitted on ``data``; ``notes`` are added to its own.
    ``rules`` adds rule columns; ``codebook`` names the codebook of ``data.codes``.

    Too little coding to learn from is a ``ProjectError`` naming the model."""
    from pdcode.learn import NothingToLearn, SuggestionModel

    _check_options(min_precision, min_positive, folds)
    model = SuggestionModel(
        list(data.codes), min_positive=min_positive, seed=seed, min_precision=min_precision,
        folds=folds, rules=rules, codebook=codebook,
    )  # fmt: skip
    try:
        if not data.codes:
            raise NothingToLearn(f"the coders coded no code to learn ({len(data.units)} units)")
        model.fit(data.units)
    except (NothingToLearn, UsageError) as exc:
        # Too little coding is the project's state, not a wrong call: exit status 1.
        raise ProjectError(f"model {name}: {exc.message}") from None
    if notes:
        model.notes_ = (*model.notes_, *notes)
        model._digest = None  # the record changed: its digest is taken again
    return model


def _check_options(min_precision: float | None, min_positive: int, folds: int) -> None:
    if min_precision is not None and not 0.0 < min_precision <= 1.0:
        raise UsageError(f"--min-precision must be above 0 and at most 1, not {min_precision}")
    if min_positive < 1:
        raise UsageError(f"--min-positive must be at least 1, not {min_positive}")
    if folds < 2:
        raise UsageError(f"--folds must be at least 2, not {folds}")


def record_text(model: SuggestionModel) -> str:
    """The model's record as the canonical JSON the project stores."""
    from pdcode.learn import to_record
    from pdcode.learn.serial import canonical

    return canonical(to_record(model)).decode("utf-8")


def save(
    project: Project,
    name: str,
    model: SuggestionModel,
    unit: str,
    coders: Sequence[str],
    codebook: str | None,
) -> str | None:
    """Store ``model`` as ``name`` (replacing one of that name, whose hash is returned)."""
    text = record_text(model)
    return store.save_model(project, name, model.hash_, text, unit, coders, codebook)


def learn(
    project: Project,
    name: str,
    from_coders: Sequence[str],
    unit: str = "turn",
    min_precision: float | None = None,
    curve: bool = False,
    *,
    min_positive: int = 8,
    seed: int = 0,
    folds: int = 5,
    codebook: Path | None = None,
    with_rules: Path | None = None,
) -> LearnReport:
    """Learn code suggestions from ``from_coders``' coding and store the model as
    ``name`` (replacing an earlier model of that name; its suggestions, under the
    old hash, stay). With ``curve``, also the learning curve (nested grouped CV).

    ``codebook``: learn the leaf codes of this codebook (stored in the project)
    rather than those of the codebooks the coders' codes come from.
    ``with_rules``: add a 0/1 column per leaf code of this codebook, whether its
    rules fire on the unit (the codebook is stored in the project, where
    ``suggest`` finds it again by content hash)."""
    from dataclasses import replace

    from pdcode.learn import learning_curve
    from pdcode.learn.rules import BookRef, from_codebook, leaf_codes

    check_name(name)
    _check_unit(unit)
    _check_options(min_precision, min_positive, folds)
    coders = check_training_coders(project, from_coders)
    # Both codebooks are read (and refused) first and stored once the training
    # data is known: a codebook stored first could change the default codes.
    named = None if codebook is None else _read_codebook(codebook, require_rules=False)
    ruled = None if with_rules is None else _read_codebook(with_rules, require_rules=True)
    data = training_data(project, coders, unit)
    notes: list[str] = []
    book_ref = rules = None
    if named is not None:
        book, digest = _save_codebook(project, *named)
        book_ref = BookRef(book.name, book.version, digest)
        codes = leaf_codes(book)
        used = sorted(set().union(*(u.codes for u in data.units)) - set(codes))
        if used:
            notes.append(
                f"codes coded but not in codebook {book.name}, so not learned: " + ", ".join(used)
            )
        data = replace(data, codes=codes, codebook=digest)
    if ruled is not None:
        rules = from_codebook(*_save_codebook(project, *ruled))
    model = fit(
        data, name, min_precision=min_precision, min_positive=min_positive, seed=seed,
        folds=folds, notes=notes, rules=rules, codebook=book_ref,
    )  # fmt: skip
    points = None
    if curve:
        points = tuple(
            learning_curve(
                data.units, data.codes, seed=seed, folds=folds, min_positive=min_positive,
                min_precision=min_precision, rules=rules,
            )
        )  # fmt: skip
    replaced = save(project, name, model, unit, coders, data.codebook)
    return LearnReport(
        name=name,
        coder=model_coder(name, model.hash_),
        hash=model.hash_,
        unit=unit,
        coders=tuple(coders),
        units=model.training_units_,
        sources=model.training_sources_,
        rejected_units=data.rejected_units,
        scores=model.cv_scores_,
        skipped=tuple(_skipped(model, unit)),
        notes=model.notes_,
        replaced=replaced,
        curve=points,
        min_precision=min_precision,
    )


def _read_codebook(path: Path, require_rules: bool) -> tuple[Codebook, str, str]:
    """The codebook in ``path``, its content hash and its text (``CodebookError``)."""
    from pdcode.codebook import content_hash, load_codebook

    book = load_codebook(path, require_rules=require_rules)
    return book, content_hash(path), path.read_text("utf-8")


def _save_codebook(
    project: Project, book: Codebook, digest: str, text: str
) -> tuple[Codebook, str]:
    """Store ``book`` in the project as ``pdcode code`` stores it (once per name,
    version and content); returns it and its content hash."""
    from pdcode.api.coding import stored_codes

    coding_store.save_codebook(project, book.name, book.version, digest, text, stored_codes(book))
    return book, digest
