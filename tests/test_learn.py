"""Learned code suggestions (pdcode.learn): a code learnable from words is
suggested with the word as its reason, fits are deterministic whatever the input
order, cross-validation never splits a source, records round-trip exactly and
refuse tampering, and nothing is ever unpickled."""

from __future__ import annotations

import ast
import base64
import copy
import hashlib
import json
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from pdcode.errors import ProjectError, UsageError
from pdcode.learn import (
    NothingToLearn,
    SuggestionModel,
    TrainingUnit,
    cross_validate,
    from_record,
    learning_curve,
    to_record,
)
from pdcode.learn.curve import micro
from pdcode.learn.features import FeatureParams, count, fit_features
from pdcode.learn.folds import grouped_folds
from pdcode.learn.rules import BookRef, RuleFeatures
from pdcode.learn.serial import canonical
from pdcode.learn.thresholds import choose_threshold
from tests.conftest import REPO

COACHING = [
    "Every new teacher has a coach who watches part of a lesson each fortnight.",
    "The instructional coach sat at the back and we talked it through afterwards.",
    "Coaching conversations happen on Thursday mornings before the children arrive.",
    "My coach filmed the lesson and we watched the clip together at lunch.",
    "We pair each early career teacher with a coach from another department.",
    "The coach gives one small target and comes back a week later to see it.",
    "Our coaching model is built on short drop-ins and quick feedback.",
    "I meet my coach every Monday to plan the next step for my year tens.",
    "Having a coach changed how I ask questions of the class.",
    "The coach modelled the starter first and then I tried it with year nine.",
    "Coaching is the heart of how staff get better here, honestly.",
    "She has been a coach for three years and now trains the new coaches.",
]
BUDGET = [
    "The training budget barely covers supply cover for two days a year.",
    "Money is the problem: every course costs us a supply teacher on top.",
    "We ring-fenced part of the budget so the subject leads can go to the hub.",
    "Funding from the trust paid for the release time this year.",
    "When the budget was cut the first thing to go was external courses.",
    "The pupil premium money funds some of the reading training.",
    "We bid for funding from the hub to cover the lesson study cycle.",
    "Honestly the budget decides what we can do more than anything else.",
    "Cover costs money, so we run most sessions after school instead.",
    "The bursar and I sit down each spring and carve up the budget.",
    "A small grant paid for the maths mastery release days.",
    "Without the extra funding the programme would have stopped last year.",
]
GOVERNORS = [
    "The governors ask about staff training at every full board meeting.",
    "Our link governor for CPD visits once a term and talks to staff.",
    "The governing body signed off the new appraisal policy in June.",
]
OTHER = [
    "We had a busy term with parents evening and the trip to the coast.",
    "The building work on the new block has been going on since Easter.",
    "Year six did really well in their reading this summer.",
    "I have been at the school for about eleven years now.",
    "Lunch duty is shared across the whole team on a rota.",
    "The car park floods whenever it rains, which is a running joke.",
    "We are a two-form entry primary on the edge of town.",
    "Most of our families live within walking distance of the gates.",
    "I started as a teaching assistant before I trained.",
    "The hall doubles as the dining room, so timings are tight.",
    "Sports day got rained off twice this year.",
    "We moved to a new reporting system for parents in the autumn.",
    "Attendance has been a focus since the pandemic.",
    "The choir sang at the town hall at Christmas.",
    "Our head of year seven is new this September.",
    "The library was refurbished with help from the parents association.",
    "There are about nine hundred pupils on roll at the moment.",
    "Behaviour in corridors is calmer since we changed the bell times.",
    "We still use the old timetable software, which is clunky.",
    "The science labs need new extraction fans.",
    "Exam season takes over the whole building in May.",
    "Breakfast club runs from eight o'clock every morning.",
    "The uniform changed to blazers two years ago.",
    "We share a playing field with the secondary next door.",
]
SOURCES = [f"school_{c}" for c in "abcdef"]


def units_of(texts: list[str], code: str | None, offset: int = 0) -> list[TrainingUnit]:
    return [
        TrainingUnit(
            SOURCES[(i + offset) % len(SOURCES)], text, frozenset({code}) if code else frozenset()
        )
        for i, text in enumerate(texts)
    ]


UNITS = (
    units_of(COACHING, "coaching")
    + units_of(BUDGET, "budget", 3)
    + units_of(GOVERNORS, "governance", 1)
    + units_of(OTHER, None, 2)
)
CODES = ["coaching", "budget", "governance"]


@pytest.fixture(scope="module")
def model() -> SuggestionModel:
    return SuggestionModel(CODES).fit(UNITS)


def test_a_code_learnable_from_words_is_suggested_with_the_word(model: SuggestionModel) -> None:
    assert model.codes_ == ("coaching", "budget")
    texts = [
        "Last week my coach watched me teach and we talked about my questions.",
        "The budget for supply cover has been cut again, so courses are gone.",
        "The minibus broke down on the way back from the museum.",
    ]
    suggested = model.suggest(texts)
    assert [s.code for s in suggested[0]] == ["coaching"]
    assert "coach" in suggested[0][0].top_terms
    assert [s.code for s in suggested[1]] == ["budget"]
    assert "budget" in suggested[1][0].top_terms
    assert suggested[2] == []
    proba = model.predict_proba(texts)
    assert proba.shape == (3, 2)
    assert suggested[0][0].probability == proba[0, 0]
    assert (model.predict(texts) == (proba >= model.thresholds_)).all()
    assert all(len(s.top_terms) <= 5 for row in suggested for s in row)


def test_fitted_attributes(model: SuggestionModel) -> None:
    assert model.coef_.shape == (2, len(model.vocabulary_))
    assert model.intercept_.shape == (2,) and model.thresholds_.shape == (2,)
    assert model.idf_.shape == (len(model.vocabulary_),)
    assert sorted(model.vocabulary_.values()) == list(range(len(model.vocabulary_)))
    assert "coach" in model.vocabulary_ and "~coach" in model.vocabulary_
    assert [s.code for s in model.cv_scores_] == ["coaching", "budget"]
    for score in model.cv_scores_:
        assert score.criterion == "max_f1"
        assert score.positives == 12
        assert score.true_positives <= score.predicted
        assert score.precision == score.true_positives / score.predicted
    assert model.training_units_ == len(UNITS) and model.training_sources_ == 6
    assert len(model.hash_) == 12


def test_too_few_positives_skips_the_code(model: SuggestionModel) -> None:
    assert model.skipped_ == {"governance": 3}
    assert any("governance" in note and "fewer than 8" in note for note in model.notes_)


def test_no_code_learnable_is_a_usage_error() -> None:
    with pytest.raises(NothingToLearn) as caught:
        SuggestionModel(["governance"]).fit(UNITS)
    assert isinstance(caught.value, UsageError)
    assert "governance: 3" in str(caught.value)


def test_too_few_sources_is_a_usage_error() -> None:
    one_source = [TrainingUnit("school_a", u.text, u.codes) for u in UNITS]
    with pytest.raises(UsageError, match="at least 2 sources"):
        SuggestionModel(CODES).fit(one_source)
    with pytest.raises(UsageError, match="at least 2 sources"):
        SuggestionModel(CODES).fit([])


def test_a_rejection_wins_over_an_overlapping_coding() -> None:
    # a reviewer rejected "coaching" on five units another coder's span touches
    units = [
        TrainingUnit(u.source, u.text, u.codes, frozenset({"coaching"})) if i < 5 else u
        for i, u in enumerate(UNITS)
    ]
    fitted = SuggestionModel(CODES, min_positive=5).fit(units)
    assert fitted.cv_scores_[0].code == "coaching"
    assert fitted.cv_scores_[0].positives == 12 - 5
    assert SuggestionModel(CODES).fit(units).skipped_ == {"coaching": 7, "governance": 3}
    assert fitted.training_hash_ != SuggestionModel(CODES, min_positive=5).fit(UNITS).training_hash_


def test_fits_are_deterministic_in_any_order(model: SuggestionModel) -> None:
    again = SuggestionModel(CODES).fit(UNITS)
    shuffled = list(UNITS)
    random.Random(7).shuffle(shuffled)
    other_order = SuggestionModel(CODES).fit(shuffled)
    first = canonical(to_record(model))
    assert canonical(to_record(again)) == first
    assert canonical(to_record(other_order)) == first
    assert other_order.training_hash_ == model.training_hash_
    assert other_order.hash_ == model.hash_


def test_grouped_folds_never_split_a_source() -> None:
    groups = [u.source for u in UNITS]
    folds = grouped_folds(groups, 4)
    assert len(folds) == 4
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(len(groups)))  # each unit tested once
    for train, test in folds:
        assert {groups[i] for i in train}.isdisjoint({groups[i] for i in test})
        assert len(train) + len(test) == len(groups)
    # fewer sources than folds: one fold per source
    assert len(grouped_folds(["a", "b", "a", "c"], 5)) == 3
    with pytest.raises(UsageError):
        grouped_folds(["a", "a"], 5)


def test_features_equal_a_union_of_two_tfidf_vectorizers() -> None:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [u.text for u in UNITS]
    new = ["A coach came to watch; the budget paid for cover.", "", "Nothing here at all!"]
    features = fit_features(texts, FeatureParams())
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit(texts)
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2
    ).fit(texts)
    union = sp.hstack([words.transform(new), chars.transform(new)]).toarray()
    assert features.terms == (
        *words.get_feature_names_out(),
        *("~" + t for t in chars.get_feature_names_out()),
    )
    assert np.abs(features.transform(new).toarray() - union).max() < 1e-12
    # the training matrix made from counts is the transform of the training texts
    counts = count(texts, FeatureParams())
    fitted, keep = counts.fit()
    assert fitted.terms == features.terms
    assert (counts.tfidf(fitted, keep, None) != features.transform(texts)).nnz == 0


def test_record_round_trip_predicts_identically(model: SuggestionModel) -> None:
    record = to_record(model)
    text = json.dumps(record)  # plain JSON all the way down
    loaded = from_record(json.loads(text), name="demo")
    texts = [u.text for u in UNITS] + ["My coach and the budget.", ""]
    assert np.abs(loaded.predict_proba(texts) - model.predict_proba(texts)).max() <= 1e-12
    assert np.array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    assert loaded.suggest(texts) == model.suggest(texts)
    assert loaded.hash_ == model.hash_ == record["digest"][:12]
    assert canonical(to_record(loaded)) == canonical(record)
    assert loaded.vocabulary_ == model.vocabulary_ and loaded.skipped_ == model.skipped_
    assert loaded.cv_scores_ == model.cv_scores_


def _reseal(record: dict[str, object]) -> dict[str, object]:
    body = {k: v for k, v in record.items() if k != "digest"}
    return {**body, "digest": hashlib.sha256(canonical(body)).hexdigest()}


def test_a_tampered_record_is_refused(model: SuggestionModel) -> None:
    record = to_record(model)
    # one coefficient changed, the array's own sha256 updated to match
    coef = np.frombuffer(base64.b64decode(record["coef"]["base64"]), dtype="<f8").copy()
    coef[0] += 1.0
    changed = copy.deepcopy(record)
    changed["coef"]["base64"] = base64.b64encode(coef.tobytes()).decode()
    changed["coef"]["sha256"] = hashlib.sha256(coef.tobytes()).hexdigest()
    with pytest.raises(ProjectError, match=r"model demo: its record does not match its digest"):
        from_record(changed, name="demo")
    renamed = copy.deepcopy(record)
    renamed["vocabulary"][0] = "zzz"
    with pytest.raises(ProjectError, match="does not match its digest"):
        from_record(renamed, name="demo")
    # resealed with a fresh digest, a wrong shape or array hash is still caught
    short = copy.deepcopy(record)
    short["vocabulary"] = short["vocabulary"][:-1]
    with pytest.raises(ProjectError, match="idf has shape"):
        from_record(_reseal(short))
    mismatched = copy.deepcopy(record)
    mismatched["coef"]["base64"] = base64.b64encode(coef.tobytes()).decode()
    with pytest.raises(ProjectError, match="coef does not match its sha256"):
        from_record(_reseal(mismatched))
    with pytest.raises(ProjectError, match="not a JSON object"):
        from_record([record])


def test_a_record_of_an_unknown_format_version_is_refused(model: SuggestionModel) -> None:
    record = _reseal({**to_record(model), "format_version": 2})
    with pytest.raises(ProjectError, match="format version 2"):
        from_record(record, name="future")


def test_nothing_in_the_package_unpickles() -> None:
    package = REPO / "src" / "pdcode" / "learn"
    unsafe_modules = {"pickle", "joblib", "dill", "cloudpickle", "marshal", "shelve", "copyreg"}
    unsafe_calls = {"eval", "exec", "compile", "__import__", "load", "loads"}
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported = {(node.module or "").split(".")[0]}
            else:
                imported = set()
            assert not imported & unsafe_modules, f"{path.name}:{node.lineno} imports {imported}"
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                assert name not in unsafe_calls, f"{path.name}:{node.lineno} calls {name}"
    assert "allow_pickle" not in "".join(p.read_text() for p in package.glob("*.py"))


def test_min_precision_threshold_reaches_it_out_of_fold() -> None:
    probabilities = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    labels = np.array([1, 1, 0, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
    best_f1 = choose_threshold("x", probabilities, labels)
    assert (best_f1.true_positives, best_f1.predicted, best_f1.criterion) == (5, 7, "max_f1")
    assert 0.4 < best_f1.threshold < 0.5  # halfway between the last taken and first left
    strict = choose_threshold("x", probabilities, labels, min_precision=0.75)
    # the lowest cut with precision >= 0.75: 4 of the top 5
    assert (strict.true_positives, strict.predicted, strict.criterion) == (4, 5, "min_precision")
    assert strict.precision >= 0.75 and 0.6 < strict.threshold < 0.7
    taken = probabilities >= strict.threshold
    assert labels[taken].mean() >= 0.75
    never = choose_threshold("x", probabilities[::-1], labels, min_precision=1.0)
    assert never.criterion == "max_f1_fallback"

    fitted = SuggestionModel(CODES, min_precision=0.9).fit(UNITS)
    for score in fitted.cv_scores_:
        if score.criterion == "min_precision":
            assert score.precision >= 0.9
        else:
            assert score.criterion == "max_f1_fallback"
            assert any(score.code in note for note in fitted.notes_)


def test_cross_validation_and_learning_curve() -> None:
    tallies = cross_validate(UNITS, CODES, folds=3)
    assert [t.code for t in tallies] == CODES
    coaching = tallies[0]
    assert coaching.true_positives + coaching.false_negatives == 12
    assert coaching.f1 > 0.5
    assert tallies[2].true_positives + tallies[2].false_positives == 0  # too rare to learn
    rows = learning_curve(UNITS, CODES, sizes=(1, 2, 3, 8), folds=3, min_positive=3)
    assert [r.sources for r in rows] == [2, 3, 4]  # each fold trains on 4 of the 6 sources
    assert rows[-1] == micro(cross_validate(UNITS, CODES, folds=3, min_positive=3), 4)
    assert all(0.0 <= r.micro_f1 <= 1.0 for r in rows)
    assert rows[:2] == learning_curve(UNITS, CODES, sizes=(3, 2), folds=3, min_positive=3)


def test_the_stage_is_registered_with_the_architecture_check() -> None:
    source = (Path(__file__).parent / "test_architecture.py").read_text(encoding="utf-8")
    assert '"learn"' in source


# -- a codebook's rules as features ----------------------------------------------------

# A hidden half of the everyday texts, which no word tells apart: only a "rule"
# that fires on exactly those texts knows them.
FLAGGED = frozenset(sorted(OTHER)[::2])


def _flag_hits(texts: Sequence[str]) -> list[list[str]]:
    return [["flagged"] if t in FLAGGED else [] for t in texts]


def _rule_features() -> RuleFeatures:
    book = BookRef("flags", "1.0.0", hashlib.sha256(b"flags").hexdigest())
    return RuleFeatures(book, ("flagged", "never"), _flag_hits)


FLAG_UNITS = [
    TrainingUnit(SOURCES[i % len(SOURCES)], text, frozenset({"flagged"}))
    if text in FLAGGED
    else TrainingUnit(SOURCES[i % len(SOURCES)], text)
    for i, text in enumerate(OTHER + COACHING + BUDGET)
]


@pytest.fixture(scope="module")
def ruled() -> SuggestionModel:
    return SuggestionModel(["flagged"], min_positive=5, rules=_rule_features()).fit(FLAG_UNITS)


def test_a_code_whose_rule_fires_is_learnable_from_the_rule_feature(
    ruled: SuggestionModel,
) -> None:
    plain = SuggestionModel(["flagged"], min_positive=5).fit(FLAG_UNITS)
    [with_rules], [without] = ruled.cv_scores_, plain.cv_scores_
    assert with_rules.f1 == 1.0 and without.f1 < 0.9
    assert ruled.coef_.shape == (1, len(ruled.vocabulary_) + 2)
    assert ruled.columns_[-2:] == ("rule:flagged", "rule:never")
    texts = [*sorted(FLAGGED)[:2], "The minibus broke down on the way back from the museum."]
    suggested = ruled.suggest(texts)
    assert [s.code for s in suggested[0]] == ["flagged"] == [s.code for s in suggested[1]]
    assert suggested[0][0].top_terms[0] == "rule:flagged"
    assert suggested[2] == []


def test_a_record_with_rules_round_trips_and_checks_its_rules(ruled: SuggestionModel) -> None:
    record = to_record(ruled)
    assert record["rules"] == {
        "codebook": {
            "name": "flags",
            "version": "1.0.0",
            "content_hash": hashlib.sha256(b"flags").hexdigest(),
        },
        "codes": ["flagged", "never"],
        "scaling": "0/1",
    }
    assert "codebook" not in record  # no codebook was named for the codes
    loaded = from_record(json.loads(json.dumps(record)), name="demo")
    assert loaded.rules is not None and not loaded.rules.attached
    texts = [u.text for u in FLAG_UNITS]
    with pytest.raises(RuntimeError, match="not attached"):
        loaded.predict_proba(texts)
    loaded.rules = loaded.rules.attach(_flag_hits)
    assert np.array_equal(loaded.predict_proba(texts), ruled.predict_proba(texts))
    assert canonical(to_record(loaded)) == canonical(record)
    assert (
        SuggestionModel(["flagged"], min_positive=5, rules=_rule_features())
        .fit(list(reversed(FLAG_UNITS)))
        .hash_
        == ruled.hash_
    )
    # changed without resealing: the digest catches it
    changed = copy.deepcopy(record)
    changed["rules"]["codes"] = ["never", "flagged"]
    with pytest.raises(ProjectError, match="model demo: its record does not match its digest"):
        from_record(changed, name="demo")
    # resealed: every check still holds
    for key, value, said in [
        ("codes", ["flagged"], "coef has shape"),
        ("codes", ["flagged", "flagged"], "rules.codes repeats an entry"),
        ("codes", [], "rules.codes is empty"),
        ("codes", "flagged", "rules.codes is not a list"),
        ("scaling", "standard", "scaled 'standard'"),
        ("codebook", {"name": "flags"}, "rules.codebook does not have exactly the fields"),
        ("extra", 1, "rules does not have exactly the fields"),
    ]:
        bad = copy.deepcopy(record)
        bad["rules"][key] = value
        with pytest.raises(ProjectError, match=said):
            from_record(_reseal(bad), name="demo")
    bad = copy.deepcopy(record)
    bad["rules"]["codebook"]["content_hash"] = "not a hash"
    with pytest.raises(ProjectError, match=r"rules\.codebook\.content_hash is not a sha256"):
        from_record(_reseal(bad), name="demo")
    with pytest.raises(ProjectError, match="rules is not a JSON object"):
        from_record(_reseal({**record, "rules": ["flagged"]}), name="demo")
    with pytest.raises(ProjectError, match=r"fields \['surprise'\]"):
        from_record(_reseal({**record, "surprise": 1}), name="demo")
    # a record without rules is the version-1 record it always was
    without = {k: v for k, v in record.items() if k != "rules"}
    with pytest.raises(ProjectError, match="coef has shape"):
        from_record(_reseal(without), name="demo")
