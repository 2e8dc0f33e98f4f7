"""``SuggestionModel``: one logistic regression per code over shared TF-IDF
features, in scikit-learn's vocabulary (``fit``, ``predict_proba``, fitted
attributes ending in ``_``).

``fit`` sorts the units (so their order does not matter), fits the features on
all of them, and for every code with at least ``min_positive`` positive units a
``LogisticRegression`` (``class_weight="balanced"``, L-BFGS, ``random_state=seed``,
one thread). Each code's threshold comes from out-of-fold probabilities of
cross-validation grouped by source (``folds``): features and classifiers are
refitted on each fold's training sources and score its held-out sources, and
``thresholds.choose_threshold`` picks the cut. Codes with too few positives are
listed in ``skipped_`` with their counts rather than learned from noise.

With ``rules`` (``learn.rules.RuleFeatures``) every unit also has one 0/1 column
per leaf code of a codebook, whether its rules fire on the unit, beside the TF-IDF
columns: in the final fit, in every fold of the cross-validation, and whenever
the model transforms text.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from pdcode.errors import UsageError
from pdcode.learn.features import Counts, FeatureParams, Features, count
from pdcode.learn.folds import check_sources, grouped_folds
from pdcode.learn.records import CodeScore, Suggestion, TrainingUnit
from pdcode.learn.rules import BookRef, RuleFeatures
from pdcode.learn.thresholds import choose_threshold

# lbfgs stopped at a tolerance of 1e-3 (scikit-learn's default is 1e-4): on the
# development sets the nested cross-validated micro-F1 is the same (0.770 against
# 0.771) in two thirds of the time (benchmarks/learn_dev.py). liblinear was as
# good there but three times slower on the 10,000-turn speed benchmark.
SOLVER = "lbfgs"
TOL = 1e-3

TOP_TERMS = 5
Array = npt.NDArray[np.float64]


class NothingToLearn(UsageError):
    """No code has enough positive units to learn from."""


class _Fit(NamedTuple):
    features: Features
    keep: npt.NDArray[np.intp]  # the columns of the counts the features keep
    coef: Array
    intercept: Array
    stalled: tuple[int, ...]  # columns whose solver stopped at max_iter


@dataclass(eq=False)
class SuggestionModel:
    codes: Sequence[str]
    min_positive: int = 8
    seed: int = 0
    min_precision: float | None = None
    folds: int = 5
    C: float = 1.0
    max_iter: int = 1000
    features: FeatureParams = field(default_factory=FeatureParams)
    # Extra 0/1 columns, one per leaf code of a codebook: whether its rules fire.
    rules: RuleFeatures | None = None
    # The codebook the codes come from, when the caller named one (saved as is).
    codebook: BookRef | None = None
    # Fitted:
    codes_: tuple[str, ...] = ()  # the codes learned, in the order of ``codes``
    vocabulary_: dict[str, int] = field(default_factory=dict, repr=False)  # term -> column
    idf_: Array = field(default_factory=lambda: np.zeros(0), repr=False)
    # codes_ x columns: the terms, then the rule columns (if any)
    coef_: Array = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    intercept_: Array = field(default_factory=lambda: np.zeros(0), repr=False)
    thresholds_: Array = field(
        default_factory=lambda: np.zeros(0), repr=False
    )  # aligned with codes_
    skipped_: dict[str, int] = field(default_factory=dict)  # code -> positive units
    cv_scores_: tuple[CodeScore, ...] = ()  # aligned with codes_
    training_hash_: str = ""
    training_units_: int = 0
    training_sources_: int = 0
    notes_: tuple[str, ...] = ()  # what a researcher should know about this fit
    versions_: dict[str, str] = field(default_factory=dict)  # libraries that fitted it

    # -- fitting -------------------------------------------------------------

    def fit(self, units: Iterable[TrainingUnit]) -> SuggestionModel:
        self._check_params()
        ordered = sorted(units, key=_unit_key)
        groups = [u.source for u in ordered]
        self.training_sources_ = check_sources(groups)
        self.training_units_ = len(ordered)
        codes = list(self.codes)
        labels = np.array([[u.positive(c) for c in codes] for u in ordered], dtype=bool)
        labels = labels.reshape(len(ordered), len(codes))
        positives = labels.sum(axis=0)
        learn = [i for i, n in enumerate(positives) if self.min_positive <= n < len(ordered)]
        notes = []
        self.skipped_ = {}
        for i, code in enumerate(codes):
            if positives[i] < self.min_positive:
                self.skipped_[code] = int(positives[i])
                notes.append(
                    f"code {code}: {positives[i]} coded units, fewer than {self.min_positive}; "
                    "not learned"
                )
            elif positives[i] == len(ordered):
                self.skipped_[code] = int(positives[i])
                notes.append(f"code {code}: every unit has it, nothing to tell apart; not learned")
        if not learn:
            raise NothingToLearn(
                f"no code has at least {self.min_positive} coded units to learn from "
                f"({len(ordered)} units in {self.training_sources_} sources; "
                + ", ".join(f"{c}: {n}" for c, n in self.skipped_.items())
                + "). Code more units, or lower the minimum."
            )
        texts = [u.text for u in ordered]
        counts = count(texts, self.features)
        extra = None if self.rules is None else self.rules.matrix(texts)
        y = labels[:, learn]
        self.codes_ = tuple(codes[i] for i in learn)
        out_of_fold = self._out_of_fold(counts, extra, y, groups)
        scores = [
            choose_threshold(code, out_of_fold[:, j], y[:, j], self.min_precision)
            for j, code in enumerate(self.codes_)
        ]
        notes += [
            f"code {s.code}: no threshold reached precision {self.min_precision} out of fold; "
            f"the highest-F1 threshold is used (precision {s.precision:.2f})"
            for s in scores
            if s.criterion == "max_f1_fallback"
        ]
        final = self._fit_all(counts, extra, None, y)
        notes += [
            f"code {self.codes_[j]}: the solver stopped at {self.max_iter} iterations"
            for j in final.stalled
        ]
        self._set(final.features, final.coef, final.intercept)
        self.thresholds_ = np.array([s.threshold for s in scores], dtype=np.float64)
        self.cv_scores_ = tuple(scores)
        self.training_hash_ = training_hash(ordered, codes)
        self.notes_ = tuple(notes)
        self.versions_ = library_versions()
        self._digest: str | None = None
        return self

    def _check_params(self) -> None:
        codes = list(self.codes)
        if not codes or len(set(codes)) != len(codes):
            raise ValueError("codes must be a non-empty list without repeats")
        if self.min_positive < 1:
            raise ValueError("min_positive must be at least 1")
        if self.folds < 2:
            raise ValueError("folds must be at least 2")
        if self.min_precision is not None and not 0.0 < self.min_precision <= 1.0:
            raise ValueError("min_precision must be in (0, 1]")
        self.features.check()

    def _out_of_fold(
        self, counts: Counts, extra: Any, y: npt.NDArray[np.bool_], groups: list[str]
    ) -> Array:
        """Each unit's probabilities from the fold that held its source out.

        A code a fold's training part never (or always) has gets 0 (or 1)."""
        result = np.zeros(y.shape, dtype=np.float64)
        for train, test in grouped_folds(groups, self.folds):
            train_y = y[train]
            totals = train_y.sum(axis=0)
            fit = np.flatnonzero((totals > 0) & (totals < len(train)))
            result[np.ix_(test, np.flatnonzero(totals == len(train)))] = 1.0
            if not len(fit):
                continue
            try:
                fold = self._fit_all(counts, extra, train, train_y[:, fit])
            except NothingToLearn:
                continue  # no term repeats in the fold's training units: nothing known
            matrix = _with_rules(counts.tfidf(fold.features, fold.keep, test), extra, test)
            result[np.ix_(test, fit)] = _probabilities(matrix, fold.coef, fold.intercept)
        return result

    def _fit_all(
        self,
        counts: Counts,
        extra: Any,
        rows: npt.NDArray[np.intp] | None,
        y: npt.NDArray[np.bool_],
    ) -> _Fit:
        """Features fitted on ``rows`` of ``counts`` (all by default), the rule
        columns ``extra`` (if any) beside them, and a classifier per column of
        ``y`` (aligned with ``rows``)."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        try:
            features, keep = counts.fit(rows)
        except ValueError as exc:
            raise NothingToLearn(
                f"the coded units share no words to learn from ({y.shape[0]} units)"
            ) from exc
        matrix = _with_rules(counts.tfidf(features, keep, rows), extra, rows)
        coef = np.zeros((y.shape[1], matrix.shape[1]), dtype=np.float64)
        intercept = np.zeros(y.shape[1], dtype=np.float64)
        stalled = []
        with threadpool_limits(limits=1):
            for j in range(y.shape[1]):
                classifier = LogisticRegression(
                    C=self.C,
                    class_weight="balanced",
                    solver=SOLVER,
                    tol=TOL,
                    max_iter=self.max_iter,
                    random_state=self.seed,
                )
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    classifier.fit(matrix, y[:, j].astype(np.int64))
                if any(issubclass(w.category, ConvergenceWarning) for w in caught):
                    stalled.append(j)
                coef[j] = classifier.coef_[0]
                intercept[j] = classifier.intercept_[0]
        return _Fit(features, keep, coef, intercept, tuple(stalled))

    def _set(self, features: Features, coef: Array, intercept: Array) -> None:
        self._features = features
        self.vocabulary_ = features.vocabulary
        self.idf_ = features.idf
        self.coef_ = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept_ = np.ascontiguousarray(intercept, dtype=np.float64)

    # -- using ---------------------------------------------------------------

    def _fitted(self) -> Features:
        features: Features | None = getattr(self, "_features", None)
        if features is None:
            raise RuntimeError("this SuggestionModel is not fitted yet: call fit() first")
        return features

    def transform(self, texts: Sequence[str]) -> Any:
        """The TF-IDF matrix of ``texts`` (CSR, texts x terms), and beside it the
        rule columns when the model has them."""
        matrix = self._fitted().transform(texts)
        if self.rules is None:
            return matrix
        return _with_rules(matrix, self.rules.matrix(texts), None)

    @property
    def columns_(self) -> tuple[str, ...]:
        """The names of the coefficient columns: the terms, then ``rule:CODE``."""
        terms = self._fitted().terms
        return terms if self.rules is None else (*terms, *self.rules.names)

    def predict_proba(self, texts: Sequence[str]) -> Array:
        """Texts x ``codes_``: each code's probability, one matrix product for all."""
        return _probabilities(self.transform(texts), self.coef_, self.intercept_)

    def predict(self, texts: Sequence[str]) -> npt.NDArray[np.bool_]:
        """Texts x ``codes_``: whether each code reaches its threshold."""
        return self.predict_proba(texts) >= self.thresholds_

    def suggest(self, texts: Sequence[str]) -> list[list[Suggestion]]:
        """For each text, the codes at or above their threshold, most probable first,
        each with the ``TOP_TERMS`` terms of the text that raised it most."""
        matrix = self.transform(texts)
        probabilities = _probabilities(matrix, self.coef_, self.intercept_)
        above = probabilities >= self.thresholds_
        terms = self.columns_
        result: list[list[Suggestion]] = []
        for i in range(len(texts)):
            hits = np.flatnonzero(above[i])
            if not len(hits):
                result.append([])
                continue
            start, end = matrix.indptr[i], matrix.indptr[i + 1]
            columns, values = matrix.indices[start:end], matrix.data[start:end]
            row = []
            for j in hits:
                contribution = values * self.coef_[j, columns]
                positive = np.flatnonzero(contribution > 0)
                if len(positive) > TOP_TERMS:
                    # Only the terms tied with or above the TOP_TERMS-th largest can
                    # rank: sorting those alone gives the same order, far faster.
                    shares = contribution[positive]
                    cut = np.partition(shares, len(shares) - TOP_TERMS)[len(shares) - TOP_TERMS]
                    positive = positive[shares >= cut]
                ranked = sorted(positive, key=lambda k: (-contribution[k], terms[columns[k]]))
                top = tuple(terms[columns[k]] for k in ranked[:TOP_TERMS])
                row.append(Suggestion(self.codes_[j], float(probabilities[i, j]), top))
            row.sort(key=lambda s: (-s.probability, s.code))
            result.append(row)
        return result

    @property
    def hash_(self) -> str:
        """The first 12 hex digits of the saved record's digest (``model:NAME@HASH``)."""
        self._fitted()
        if getattr(self, "_digest", None) is None:
            from pdcode.learn.serial import to_record

            self._digest = str(to_record(self)["digest"])
        assert self._digest is not None
        return self._digest[:12]


def _with_rules(matrix: Any, extra: Any, rows: npt.NDArray[np.intp] | None) -> Any:
    """``matrix`` with the rule columns ``extra`` (of ``rows``) beside it, if any."""
    import scipy.sparse as sp

    if extra is None:
        return matrix
    return sp.hstack(
        [matrix, extra if rows is None else extra[rows]], format="csr", dtype=np.float64
    )


def _probabilities(matrix: Any, coef: Array, intercept: Array) -> Array:
    from scipy.special import expit

    scores = np.asarray(matrix @ coef.T, dtype=np.float64) + intercept
    return np.asarray(expit(scores), dtype=np.float64)


def _unit_key(unit: TrainingUnit) -> tuple[str, str, list[str], list[str]]:
    return unit.source, unit.text, sorted(unit.codes), sorted(unit.rejected)


def training_hash(units: Sequence[TrainingUnit], codes: Sequence[str]) -> str:
    """sha256 of the units sorted by source and text, with their labels among
    ``codes``: the same training data gives the same hash in any order."""
    wanted = set(codes)
    rows = [
        [u.source, u.text, sorted(u.codes & wanted), sorted(u.rejected & wanted)]
        for u in sorted(units, key=_unit_key)
    ]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def library_versions() -> dict[str, str]:
    """The versions of the libraries whose arithmetic a model's numbers depend on."""
    import scipy
    import sklearn

    return {
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "scipy": scipy.__version__,
    }
