"""Saving a suggestion model as plain data, and loading it back, without pickle.

``to_record`` makes a dict of JSON values only: the terms in column order, the
idf, coefficients and intercepts as base64 of little-endian float64 arrays (each
with its shape and sha256), thresholds, codes, skipped codes, out-of-fold
scores, the training hash, every parameter, the library versions that fitted it,
the format version, and ``digest``: the sha256 of the canonical JSON
(``sort_keys``, no spaces, UTF-8) of everything else. Two sections appear only
when the model has them, so a model without them keeps the record of format
version 1 it always had: ``codebook`` (name, version and content hash of the
codebook whose leaf codes the model was asked to learn) and ``rules`` (the
codebook whose rules give the extra 0/1 columns, and its codes in column order;
``learn.rules``).

``from_record`` checks the format version, then the digest, then every type and
shape, and rebuilds the features from terms, idf and parameters: the model it
returns gives exactly the probabilities of the one saved (a model with rule
columns once the caller attaches that very codebook's rules). Nothing in a record is
ever evaluated or unpickled; a record that fails a check raises ``ProjectError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from pdcode.errors import ProjectError
from pdcode.learn.features import CHAR_PREFIX, TOKEN_PATTERN, FeatureParams, Features
from pdcode.learn.model import SOLVER, TOL, SuggestionModel
from pdcode.learn.records import CodeScore
from pdcode.learn.rules import SCALING, BookRef, RuleFeatures

FORMAT = "pdcode-suggestion-model"
FORMAT_VERSION = 1
# How features are made, beyond FeatureParams; a record must say exactly this.
FIXED_FEATURES = {
    "word_analyzer": "word",
    "char_analyzer": "char_wb",
    "token_pattern": TOKEN_PATTERN,
    "char_prefix": CHAR_PREFIX,
    "idf": "ln((1 + n) / (1 + df)) + 1",
    "norm": "l2 per block",
}
CLASSIFIER = {
    "kind": "LogisticRegression",
    "class_weight": "balanced",
    "solver": SOLVER,
    "tol": TOL,
}
SCORE_FIELDS = {
    "code": str,
    "threshold": float,
    "precision": float,
    "recall": float,
    "f1": float,
    "positives": int,
    "predicted": int,
    "true_positives": int,
    "criterion": str,
}
KEYS = {
    "format",
    "format_version",
    "params",
    "features",
    "classifier",
    "codes",
    "thresholds",
    "skipped",
    "cv_scores",
    "vocabulary",
    "idf",
    "coef",
    "intercept",
    "training",
    "notes",
    "versions",
    "digest",
}
# Optional sections, absent from a model without them (so its record, digest and
# hash are what they were before these existed): the codebook the codes come
# from, and the rule columns.
OPTIONAL = {"codebook", "rules"}
BOOK_FIELDS = {"name", "version", "content_hash"}
RULE_FIELDS = {"codebook", "codes", "scaling"}


def canonical(data: Any) -> bytes:
    """The canonical JSON bytes of ``data``: what the digest is taken over."""
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def to_record(model: SuggestionModel) -> dict[str, Any]:
    """``model`` as plain JSON data with its digest."""
    features: Features = model._fitted()
    params = features.params
    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "params": {
            "codes": [str(c) for c in model.codes],
            "min_positive": int(model.min_positive),
            "seed": int(model.seed),
            "min_precision": None if model.min_precision is None else float(model.min_precision),
            "folds": int(model.folds),
            "C": float(model.C),
            "max_iter": int(model.max_iter),
        },
        "features": {
            "word_ngram": list(params.word_ngram),
            "char_ngram": list(params.char_ngram),
            "min_df": params.min_df,
            "lowercase": params.lowercase,
            "sublinear_tf": params.sublinear_tf,
            **FIXED_FEATURES,
        },
        "classifier": dict(CLASSIFIER),
        "codes": list(model.codes_),
        "thresholds": [float(t) for t in model.thresholds_],
        "skipped": dict(model.skipped_),
        "cv_scores": [{name: getattr(s, name) for name in SCORE_FIELDS} for s in model.cv_scores_],
        "vocabulary": list(features.terms),
        "idf": _pack(features.idf),
        "coef": _pack(model.coef_),
        "intercept": _pack(model.intercept_),
        "training": {
            "hash": model.training_hash_,
            "units": model.training_units_,
            "sources": model.training_sources_,
        },
        "notes": list(model.notes_),
        "versions": dict(model.versions_),
    }
    if model.codebook is not None:
        body["codebook"] = _book(model.codebook)
    if model.rules is not None:
        body["rules"] = {
            "codebook": _book(model.rules.book),
            "codes": list(model.rules.codes),
            "scaling": SCALING,
        }
    body["digest"] = hashlib.sha256(canonical(body)).hexdigest()
    return body


def from_record(record: Any, name: str = "suggestions") -> SuggestionModel:
    """The model a record describes, after checking all of it (``ProjectError``)."""
    check = _Checker(name)
    record = check.mapping(record, "the record")
    if record.get("format") != FORMAT:
        check.fail("it is not a suggestion model record")
    version = record.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        check.fail(
            f"its record is of format version {version!r}, which this pdcode cannot read "
            f"(it reads version {FORMAT_VERSION}); refit the model"
        )
    body = {k: v for k, v in record.items() if k != "digest"}
    try:
        expected = hashlib.sha256(canonical(body)).hexdigest()
    except (TypeError, ValueError):
        check.fail("its record holds values that are not plain JSON")
    if record.get("digest") != expected:
        check.fail(
            "its record does not match its digest (changed since it was saved); "
            "refit the model rather than trust it"
        )
    if not KEYS <= set(record) <= KEYS | OPTIONAL:
        wrong = sorted((set(record) ^ KEYS) - OPTIONAL)
        check.fail(f"its record has fields {wrong} where it should not")
    params = check.mapping(record["params"], "params")
    codebook = None
    if "codebook" in record:
        codebook = _book_ref(check, record["codebook"], "codebook")
    rules = None if "rules" not in record else _rules(check, record["rules"])
    model = SuggestionModel(
        codes=check.strings(params.get("codes"), "params.codes"),
        min_positive=check.integer(params.get("min_positive"), "params.min_positive"),
        seed=check.integer(params.get("seed"), "params.seed"),
        min_precision=None
        if params.get("min_precision") is None
        else check.number(params.get("min_precision"), "params.min_precision"),
        folds=check.integer(params.get("folds"), "params.folds"),
        C=check.number(params.get("C"), "params.C"),
        max_iter=check.integer(params.get("max_iter"), "params.max_iter"),
        features=_feature_params(check, record["features"]),
        rules=rules,
        codebook=codebook,
    )
    try:
        model._check_params()
    except ValueError as exc:
        check.fail(f"its parameters are not usable ({exc})")
    if record["classifier"] != CLASSIFIER:
        check.fail("its classifier is not one this pdcode knows")
    codes = check.strings(record["codes"], "codes")
    terms = check.strings(record["vocabulary"], "vocabulary")
    idf = check.array(record["idf"], "idf", (len(terms),))
    columns = len(terms) + (0 if rules is None else len(rules.codes))
    coef = check.array(record["coef"], "coef", (len(codes), columns))
    intercept = check.array(record["intercept"], "intercept", (len(codes),))
    thresholds = [
        check.number(t, "thresholds") for t in check.sequence(record["thresholds"], "thresholds")
    ]
    if len(thresholds) != len(codes) or not all(0.0 <= t <= 1.0 for t in thresholds):
        check.fail("its thresholds do not match its codes")
    scores = tuple(check.score(s) for s in check.sequence(record["cv_scores"], "cv_scores"))
    if tuple(s.code for s in scores) != tuple(codes):
        check.fail("its cross-validation scores do not match its codes")
    skipped = check.mapping(record["skipped"], "skipped")
    if not set(codes) | set(skipped) <= set(model.codes) or set(codes) & set(skipped):
        check.fail("its learned and skipped codes do not match the codes it was asked for")
    training = check.mapping(record["training"], "training")
    try:
        features = Features(tuple(terms), idf, model.features)
    except ValueError as exc:
        check.fail(f"its vocabulary is not usable ({exc})")
    model._set(features, coef, intercept)
    model.codes_ = tuple(codes)
    model.thresholds_ = np.array(thresholds, dtype=np.float64)
    model.skipped_ = {str(k): check.integer(v, "skipped") for k, v in skipped.items()}
    model.cv_scores_ = scores
    model.training_hash_ = check.hex(training.get("hash"), "training.hash")
    model.training_units_ = check.integer(training.get("units"), "training.units")
    model.training_sources_ = check.integer(training.get("sources"), "training.sources")
    model.notes_ = tuple(check.strings(record["notes"], "notes"))
    versions = check.mapping(record["versions"], "versions")
    model.versions_ = {str(k): check.text(v, "versions") for k, v in versions.items()}
    model._digest = str(record["digest"])
    return model


def _book(book: BookRef) -> dict[str, str]:
    return {"name": book.name, "version": book.version, "content_hash": book.content_hash}


def _book_ref(check: _Checker, value: Any, what: str) -> BookRef:
    data = check.mapping(value, what)
    if set(data) != BOOK_FIELDS:
        check.fail(f"{what} does not have exactly the fields {sorted(BOOK_FIELDS)}")
    return BookRef(
        name=check.text(data["name"], f"{what}.name"),
        version=check.text(data["version"], f"{what}.version"),
        content_hash=check.hex(data["content_hash"], f"{what}.content_hash"),
    )


def _rules(check: _Checker, value: Any) -> RuleFeatures:
    """The rule columns a record names (not attached: the caller loads the codebook)."""
    data = check.mapping(value, "rules")
    if set(data) != RULE_FIELDS:
        check.fail(f"rules does not have exactly the fields {sorted(RULE_FIELDS)}")
    if data["scaling"] != SCALING:
        check.fail(
            f"its rule columns are scaled {data['scaling']!r}, which this pdcode cannot make"
        )
    book = _book_ref(check, data["codebook"], "rules.codebook")
    codes = check.strings(data["codes"], "rules.codes")
    if not codes:
        check.fail("rules.codes is empty")
    return RuleFeatures(book, tuple(codes))


def _pack(array: npt.NDArray[np.float64]) -> dict[str, Any]:
    data = np.ascontiguousarray(array, dtype="<f8").tobytes()
    return {
        "dtype": "<f8",
        "shape": list(array.shape),
        "sha256": hashlib.sha256(data).hexdigest(),
        "base64": base64.b64encode(data).decode("ascii"),
    }


def _feature_params(check: _Checker, value: Any) -> FeatureParams:
    data = check.mapping(value, "features")
    for key, fixed in FIXED_FEATURES.items():
        if data.get(key) != fixed:
            check.fail(f"its features use {key} {data.get(key)!r}, which this pdcode cannot make")
    expected = {"word_ngram", "char_ngram", "min_df", "lowercase", "sublinear_tf", *FIXED_FEATURES}
    if set(data) != expected:
        check.fail("its feature parameters are not the ones this pdcode knows")
    ranges = []
    for key in ("word_ngram", "char_ngram"):
        pair = [check.integer(n, f"features.{key}") for n in check.sequence(data[key], key)]
        if len(pair) != 2:
            check.fail(f"features.{key} is not a pair")
        ranges.append((pair[0], pair[1]))
    params = FeatureParams(
        word_ngram=ranges[0],
        char_ngram=ranges[1],
        min_df=check.integer(data["min_df"], "features.min_df"),
        lowercase=check.flag(data["lowercase"], "features.lowercase"),
        sublinear_tf=check.flag(data["sublinear_tf"], "features.sublinear_tf"),
    )
    try:
        params.check()
    except ValueError as exc:
        check.fail(f"its features are not usable ({exc})")
    return params


class _Checker:
    """Type and shape checks that fail with one ``ProjectError`` naming the model."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, reason: str) -> NoReturn:
        raise ProjectError(f"model {self.name}: {reason}")

    def mapping(self, value: Any, what: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            self.fail(f"{what} is not a JSON object")
        return value

    def sequence(self, value: Any, what: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(f"{what} is not a list")
        return value

    def strings(self, value: Any, what: str) -> list[str]:
        items = self.sequence(value, what)
        if not all(isinstance(v, str) for v in items):
            self.fail(f"{what} holds something other than text")
        if what != "notes" and len(set(items)) != len(items):
            self.fail(f"{what} repeats an entry")
        return items

    def text(self, value: Any, what: str) -> str:
        if not isinstance(value, str):
            self.fail(f"{what} is not text")
        return value

    def hex(self, value: Any, what: str) -> str:
        text = self.text(value, what)
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            self.fail(f"{what} is not a sha256")
        return text

    def integer(self, value: Any, what: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(f"{what} is not a whole number")
        return value

    def flag(self, value: Any, what: str) -> bool:
        if not isinstance(value, bool):
            self.fail(f"{what} is not true or false")
        return value

    def number(self, value: Any, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{what} is not a number")
        if not math.isfinite(value):
            self.fail(f"{what} is not a finite number")
        return float(value)

    def array(self, value: Any, what: str, shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
        data = self.mapping(value, what)
        if set(data) != {"dtype", "shape", "sha256", "base64"} or data["dtype"] != "<f8":
            self.fail(f"{what} is not an array of float64")
        if data["shape"] != list(shape):
            self.fail(f"{what} has shape {data['shape']!r}, not {list(shape)!r}")
        try:
            raw = base64.b64decode(self.text(data["base64"], what), validate=True)
        except (binascii.Error, ValueError):
            self.fail(f"{what} is not valid base64")
        if len(raw) != 8 * math.prod(shape):
            self.fail(f"{what} holds {len(raw)} bytes, not {8 * math.prod(shape)}")
        if hashlib.sha256(raw).hexdigest() != data["sha256"]:
            self.fail(f"{what} does not match its sha256")
        array = np.frombuffer(raw, dtype="<f8").astype(np.float64).reshape(shape)
        if not np.isfinite(array).all():
            self.fail(f"{what} holds values that are not finite")
        return array

    def score(self, value: Any) -> CodeScore:
        data = self.mapping(value, "cv_scores")
        if set(data) != set(SCORE_FIELDS):
            self.fail("cv_scores has an entry with the wrong fields")
        fields: dict[str, Any] = {}
        for key, kind in SCORE_FIELDS.items():
            if kind is str:
                fields[key] = self.text(data[key], f"cv_scores.{key}")
            elif kind is int:
                fields[key] = self.integer(data[key], f"cv_scores.{key}")
            else:
                fields[key] = self.number(data[key], f"cv_scores.{key}")
        return CodeScore(**fields)
