"""`pdcode models`: the project's stored models loaded (checked against their
digest; a shipped model copied in first), listed, shown and deleted."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from pdcode.api.learning_data import _checked, check_name, model_coder
from pdcode.api.shipped_models import _install_shipped, shipped, shipped_names
from pdcode.errors import ProjectError, UsageError
from pdcode.records import UNITS
from pdcode.store import Project
from pdcode.store import models as store

if TYPE_CHECKING:
    from pdcode.learn import SuggestionModel
    from pdcode.learn.rules import BookRef


# -- codes a model skipped ------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    code: str
    positives: int
    reason: str


def _skipped(model: SuggestionModel, unit: str) -> list[Skipped]:
    return [
        Skipped(
            code,
            n,
            f"fewer than {model.min_positive} coded {unit}s"
            if n < model.min_positive
            else f"every {unit} has it",
        )
        for code, n in model.skipped_.items()
    ]


# -- loading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    name: str
    model: SuggestionModel
    unit: str
    coders: tuple[str, ...]
    codebook: str | None
    created_at: str
    digest: str
    shipped: bool = False  # copied into the project from pdcode's shipped models now

    @property
    def coder(self) -> str:
        return model_coder(self.name, self.model.hash_)

    @property
    def provenance(self) -> str:
        return f"{self.coder}#sha256:{self.digest}"


def load(project: Project, name: str) -> Loaded:
    """The model ``name`` of the project, checked against its digest; else the
    shipped model of that name, copied into the project first."""
    check_name(name, "--model")
    row = store.load_model(project, name)
    installed = False
    if row is None:
        found = shipped(name)
        if found is None:
            known = [r["name"] for r in store.model_rows(project)]
            extra = [n for n in shipped_names() if n not in known]
            raise UsageError(
                f"no model named {name!r} in the project (models: {', '.join(known) or 'none'}"
                f"; shipped with pdcode: {', '.join(extra) or 'none'}); learn one with "
                "pdcode learn --name NAME --from CODER"
            )
        _install_shipped(project, name, found)
        row = store.load_model(project, name)
        assert row is not None
        installed = True
    model = _checked(name, row["record"])
    if model.hash_ != row["hash"]:
        raise ProjectError(
            f"model {name}: its stored hash {row['hash']} is not its record's ({model.hash_}); "
            "learn the model again rather than trust it"
        )
    if row["unit"] not in UNITS:
        raise ProjectError(f"model {name}: its stored unit {row['unit']!r} is not a unit")
    return Loaded(
        name=name,
        model=model,
        unit=str(row["unit"]),
        coders=tuple(row["coders"]),
        codebook=row["codebook"],
        created_at=str(row["created_at"]),
        digest=str(model._digest),
        shipped=installed,
    )


# -- models list | show | delete -------------------------------------------------------


@dataclass(frozen=True)
class ModelList:
    rows: tuple[dict[str, Any], ...]  # name, hash, coder, unit, coders, codes, created_at...
    shipped: tuple[str, ...] = field(default=())  # shipped models not in the project


def models_list(project: Project) -> ModelList:
    """The project's models (name, hash, coder, unit, coders, codes learned,
    suggestions stored, created), and the shipped ones it does not hold yet."""
    rows = []
    counts = store.coder_counts(project, "model:")
    for row in store.model_rows(project):
        found = store.load_model(project, row["name"])
        assert found is not None
        try:
            codes = len(json.loads(found["record"])["codes"])
        except (ValueError, RecursionError, KeyError, TypeError):
            codes = None
        coder = model_coder(row["name"], row["hash"])
        rows.append(
            {
                "name": row["name"],
                "hash": row["hash"],
                "coder": coder,
                "unit": row["unit"],
                "coders": row["coders"],
                "codes": codes,
                "suggestions": counts.get(coder, 0),
                "codebook": row["codebook"],
                "created_at": row["created_at"],
            }
        )
    names = {r["name"] for r in rows}
    return ModelList(tuple(rows), tuple(n for n in shipped_names() if n not in names))


def models_show(project: Project, name: str) -> dict[str, Any]:
    """Everything about model ``name`` (checked against its digest): its training,
    parameters, and per code the threshold and out-of-fold scores; a shipped model
    not yet in the project is shown from pdcode's copy."""
    check_name(name, "NAME")
    row = store.load_model(project, name)
    if row is None:
        found = shipped(name)
        if found is None:
            _no_model(project, name)
        from pdcode.learn.serial import canonical

        model = _checked(name, canonical(found["record"]).decode("utf-8"))
        book = found["codebook"]
        about: dict[str, Any] = {
            "unit": found["unit"],
            "coders": found["coders"],
            "codebook": None if book is None else book.get("sha256"),
            "created_at": None,
            "shipped": True,
            "sets": found["sets"],
        }
    else:
        model = _checked(name, row["record"])
        about = {
            "unit": row["unit"],
            "coders": row["coders"],
            "codebook": row["codebook"],
            "created_at": row["created_at"],
            "shipped": False,
        }
    return {
        "name": name,
        "hash": model.hash_,
        "coder": model_coder(name, model.hash_),
        "digest": model._digest,
        **about,
        "training": {
            "units": model.training_units_,
            "sources": model.training_sources_,
            "hash": model.training_hash_,
        },
        "params": {
            "min_positive": model.min_positive,
            "min_precision": model.min_precision,
            "folds": model.folds,
            "seed": model.seed,
            "C": model.C,
        },
        "terms": len(model.vocabulary_),
        "learned_codebook": None if model.codebook is None else _book_data(model.codebook),
        "rules": None
        if model.rules is None
        else {**_book_data(model.rules.book), "codes": list(model.rules.codes)},
        "codes": [
            {
                "code": s.code,
                "positives": s.positives,
                "threshold": round(s.threshold, 4),
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "predicted": s.predicted,
                "criterion": s.criterion,
            }
            for s in model.cv_scores_
        ],
        "skipped": [
            {"code": s.code, "positives": s.positives, "reason": s.reason}
            for s in _skipped(model, str(about["unit"]))
        ],
        "notes": list(model.notes_),
        "versions": dict(model.versions_),
    }


def _book_data(book: BookRef) -> dict[str, str]:
    return {"name": book.name, "version": book.version, "content_hash": book.content_hash}


def _no_model(project: Project, name: str) -> NoReturn:
    known = [r["name"] for r in store.model_rows(project)]
    raise UsageError(f"no model named {name!r} (models: {', '.join(known) or 'none'})")


def models_delete(project: Project, name: str) -> int:
    """Delete model ``name``'s record; returns how many codings of its coders
    (``model:NAME@…``) stay in the project, with the decisions on them."""
    check_name(name, "NAME")
    if not store.delete_model(project, name):
        _no_model(project, name)
    return sum(store.coder_counts(project, f"model:{name}@").values())
