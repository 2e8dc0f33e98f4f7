"""Evaluation against a gold coder: overlap rule and figures checked by hand."""

from __future__ import annotations

import pytest

from pdcode.evaluation import Labelled, Span, evaluate, units_with_codes

UNITS = [Span("a", 0, 10), Span("a", 10, 20), Span("a", 20, 30), Span("b", 0, 10)]


def test_a_span_codes_every_unit_it_overlaps() -> None:
    got = units_with_codes(UNITS, [Labelled("a", 5, 25, "x"), Labelled("b", 9, 10, "y")])
    assert got == [{"x"}, {"x"}, {"x"}, {"y"}]


def test_touching_spans_do_not_overlap() -> None:
    got = units_with_codes(UNITS, [Labelled("a", 10, 20, "x"), Labelled("c", 0, 5, "x")])
    assert got == [set(), {"x"}, set(), set()]


def test_figures_match_a_hand_count() -> None:
    gold = [Labelled("a", 0, 10, "x"), Labelled("a", 10, 20, "x"), Labelled("b", 0, 10, "y")]
    pred = [Labelled("a", 0, 5, "x"), Labelled("a", 20, 30, "x"), Labelled("b", 2, 3, "y")]
    result = evaluate(UNITS, gold, pred)
    x, y = result.per_code
    # x: tp=1 (unit 0), fp=1 (unit 2), fn=1 (unit 1) -> P=R=F=0.5
    assert (x.code, x.precision, x.recall, x.f1, x.support) == ("x", 0.5, 0.5, 0.5, 2)
    assert (y.precision, y.recall, y.f1, y.support) == (1.0, 1.0, 1.0, 1)
    # micro: tp=2, fp=1, fn=1 -> 2/3 each
    assert result.micro.precision == pytest.approx(2 / 3)
    assert result.micro.recall == pytest.approx(2 / 3)
    assert result.macro.f1 == pytest.approx(0.75)
    kinds = sorted((m.kind, m.code, m.unit.start) for m in result.misses)
    assert kinds == [("false_negative", "x", 10), ("false_positive", "x", 20)]


def test_scores_equal_scikit_learn_for_many_codes_and_hold_for_one() -> None:
    import random

    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.preprocessing import MultiLabelBinarizer

    from pdcode.evaluation import Labelled, Span, evaluate

    rng = random.Random(7)
    units = [Span("s", i * 10, i * 10 + 9) for i in range(200)]
    codes = ["a", "b", "c", "d"]
    gold = [Labelled("s", u.start, u.end, c) for u in units for c in codes if rng.random() < 0.3]
    pred = [Labelled("s", u.start, u.end, c) for u in units for c in codes if rng.random() < 0.3]
    result = evaluate(units, gold, pred, codes)
    binarizer = MultiLabelBinarizer(classes=codes)
    y_true = binarizer.fit_transform([{k.code for k in gold if k.start == u.start} for u in units])
    y_pred = binarizer.transform([{k.code for k in pred if k.start == u.start} for u in units])
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    for i, score in enumerate(result.per_code):
        assert (score.precision, score.recall, score.f1, score.support) == pytest.approx(
            (p[i], r[i], f[i], s[i]), abs=1e-12
        )
    for average, score in (("micro", result.micro), ("macro", result.macro)):
        expected = precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )[:3]
        assert (score.precision, score.recall, score.f1) == pytest.approx(expected, abs=1e-12)
    # One code alone: 1 of 2 predictions right, 1 of 2 gold found.
    one = evaluate(
        units[:3],
        [Labelled("s", 0, 9, "a"), Labelled("s", 10, 19, "a")],
        [Labelled("s", 0, 9, "a"), Labelled("s", 20, 29, "a")],
        ["a"],
    )
    assert [(x.precision, x.recall, x.f1) for x in one.per_code] == [(0.5, 0.5, 0.5)]
    assert (one.macro.precision, one.micro.recall) == (0.5, 0.5)
