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
