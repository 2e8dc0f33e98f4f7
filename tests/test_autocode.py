"""The rule engine: lemmas, patterns, regex guard, near, vetoes, rule ids."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pdcode import autocode
from pdcode.autocode import RuleCoder
from pdcode.codebook.model import Codebook


def book(**rules: Any) -> Codebook:
    return Codebook.model_validate(
        {"name": "t", "version": "1", "codes": [{"id": "x", "name": "X", "rules": rules}]}
    )


def hits(coder: RuleCoder, text: str) -> list[tuple[str, str, str]]:
    [found] = list(coder.code([text]))
    return [(h.code_id, h.rule, h.matched) for h in found]


@pytest.mark.parametrize("text", ["We trusted them.", "Trusting staff", "She trusts us", "TRUST"])
def test_phrases_match_lemmas_in_any_case(text: str) -> None:
    coder = RuleCoder(book(phrases=["trust"]))
    [(code, rule, matched)] = hits(coder, text)
    assert (code, rule) == ("x", 'phrases:"trust"') and matched.lower().startswith("trust")


def test_multi_word_phrase_and_offsets() -> None:
    coder = RuleCoder(book(phrases=["on board"]))
    [found] = list(coder.code(["Staff were not on board at first."]))
    [hit] = found
    assert (hit.start, hit.end, hit.matched) == (15, 23, "on board")


def test_token_patterns() -> None:
    coder = RuleCoder(
        book(patterns=[[{"LEMMA": "take"}, {"LOWER": "a", "OP": "?"}, {"LEMMA": "risk"}]])
    )
    assert hits(coder, "They took a risk.") == [("x", "patterns[0]", "took a risk")]
    assert hits(coder, "Risky, they said.") == []


def test_regex_is_case_insensitive() -> None:
    coder = RuleCoder(book(regex=[r"\bofsted\b"]))
    assert hits(coder, "After OFSTED came") == [("x", 'regex:"\\bofsted\\b"', "OFSTED")]


def test_catastrophic_regex_is_cut_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(autocode, "REGEX_SECONDS", 0.05)
    coder = RuleCoder(book(regex=[r"(?:a+)+b"]))
    started = time.perf_counter()
    assert hits(coder, "a" * 5000) == []
    assert time.perf_counter() - started < 2
    assert coder.timeouts == 1


def test_near_inside_and_outside_the_window() -> None:
    coder = RuleCoder(book(near=[{"a": ["governor"], "b": ["ask"], "within": 3}]))
    assert hits(coder, "The governors always ask about it.")[0][2] == "governors always ask"
    assert hits(coder, "Governors, in my experience of many schools, rarely ask.") == []
    assert hits(coder, "They ask the governors.")[0][1] == "near:governor~ask/3"


def test_exclude_if_vetoes_the_code() -> None:
    coder = RuleCoder(book(phrases=["trust"], exclude_if={"phrases": ["multi-academy trust"]}))
    assert hits(coder, "The multi-academy trust runs it.") == []
    assert hits(coder, "We trust our staff.") != []


def test_first_match_wins_and_output_is_deterministic() -> None:
    coder = RuleCoder(book(phrases=["coach"], regex=[r"mentor\w*"]))
    text = "Mentoring came first, then coaching."
    assert hits(coder, text) == [("x", 'regex:"mentor\\w*"', "Mentoring")]
    assert list(coder.code([text] * 3)) == list(RuleCoder(coder.codebook).code([text] * 3))


def test_pd_codebook_on_realistic_sentences() -> None:
    from pathlib import Path

    from pdcode.codebook import load_codebook

    coder = RuleCoder(load_codebook(Path(__file__).parents[1] / "codebooks" / "pd-leadership.yaml"))
    cases = {
        "We used to send people on one-day courses whenever money was left over.": "reactive_pd",
        "The chair of governors asks about CPD at every meeting.": "governance",
        "Our heads of department decide what their team works on.": "distributed_leadership",
        "Every teacher has an instructional coach.": "coaching",
        "I think trust had to be earned.": "trust",
    }
    for text, code in cases.items():
        assert code in [h[0] for h in hits(coder, text)], text
    # The trust as an organisation is governance, not trust.
    codes = [h[0] for h in hits(coder, "The trust runs a network for PD leads.")]
    assert "trust" not in codes and "governance" in codes


def test_matches_never_cross_segments_and_none_is_hidden() -> None:
    # Segments are matched in batches joined by a separator; a greedy pattern
    # that runs across it must neither code both nor hide the real match.
    coder = RuleCoder(book(regex=[r"a[^z]*b"]))
    found = list(coder.code(["a", "b a b", "nothing"]))
    assert [[h.matched for h in hits] for hits in found] == [[], ["a b"], []]
    phrase = RuleCoder(book(phrases=["on board"]))
    assert [len(h) for h in phrase.code(["they were on", "board with it"])] == [0, 0]


def test_anchored_patterns_apply_to_each_segment() -> None:
    coder = RuleCoder(book(regex=[r"^yes\b"]))
    assert [len(h) for h in coder.code(["yes, we did", "yes.", "I said yes"])] == [1, 1, 0]


@pytest.mark.parametrize(
    ("pattern", "risky"),
    [
        (r"(?:a+)+b", True),
        (r"(a|aa)*", True),
        (r"(\w+\s?)+$", True),
        (r"(dis|mis)?trust", False),
        (r"\bcoach\w*", False),
        (r"(ab){2,}", False),
    ],
)
def test_only_repeated_groups_with_quantifiers_run_under_the_limit(
    pattern: str, risky: bool
) -> None:
    assert autocode.is_risky(pattern) is risky
