"""The fast path of ``pdcode code`` codes exactly as the slow, obvious one.

Large batches (``autocode.BATCH``), spaCy fed ``SPACY_CHARS`` at a time, the
prefilter skipped only for the segments that need it, and the lemma gate that
asks for every lemma of a phrase: each is compared here with coding every
segment on its own with spaCy run on all of them, over real transcripts and
seeded random texts built to sit near the rules (partial phrases, words out of
order, case-folding traps, non-ASCII words, anchors and lookarounds).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

import pdcode.autocode as autocode
from pdcode.autocode import RuleCoder
from pdcode.codebook import load_codebook
from pdcode.codebook.model import Codebook
from pdcode.joined import Batch
from pdcode.lemmagate import LemmaGate
from tests.conftest import REPO, SAMPLE

FIXTURES = REPO / "tests" / "fixtures" / "transcripts"
# Words near the rules below and in the shipped codebooks, and traps: characters
# whose case folding is ASCII (ſ, K, İ), letters whose lower() and case folding
# differ (final sigma, the micro sign), non-ASCII word characters, odd spaces.
VOCAB = (
    "school development plan improvement whole-school priority strategic clear sense of "
    "direction fewer things for longer relevant irrelevant relevance pupil student staff "
    "voice survey conferencing progress lesson observation we coach coaching coached "
    "strong not room café naïve trust trusted governors ask asked board on the a "
    "\u017fchool \u017ftaff \u212aelvin \u0130stanbul οδος ΟΔΟΣ 5µg 5μg STAFF Plans plans schools' (school) “plan” — vision "
    "one-off one–off hub hubs um er you know sort of, . ! ? 2 3-year three-year"
).split()
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\n"]


def _book(**rules: Any) -> Codebook:
    return Codebook.model_validate(
        {"name": "t", "version": "1", "codes": [{"id": "x", "name": "X", "rules": rules}]}
    )


BOOKS = {
    "pd-leadership": lambda: load_codebook(REPO / "codebooks" / "pd-leadership.yaml"),
    "interview-process": lambda: load_codebook(REPO / "codebooks" / "interview-process.yaml"),
    "edges": lambda: _book(
        phrases=["school development plan", "whole-school priority", "pupil voice", "  staff "],
        near=[{"a": ["governor"], "b": ["ask"], "within": 3}],
        regex=[
            r"^we\b",
            r"\bcafé\b",
            r"(?<!not )\bstrong\b",
            r"\bstaff\b(?! room)",
            r"coach\w*$",
            r"\bschools?\b",
            r"\bkelvin\b",
            r"\bΟΔΟΣ\b",
            r"\b5µg\b",
        ],
        exclude_if={"phrases": ["multi-academy trust"], "regex": [r"\bnaïve\b"]},
    ),
}


def _texts(count: int, seed: int) -> list[str]:
    """Sentences of real transcripts, then random ones from ``VOCAB``."""
    texts: list[str] = []
    for path in sorted(SAMPLE.glob("*.txt")) + sorted(FIXTURES.glob("*.txt")):
        body = path.read_text("utf-8", errors="replace")
        texts += re.split(r"(?<=[.?!])\s+|\n+", body)
    rng = random.Random(seed)
    rng.shuffle(texts)
    texts = texts[: count // 2]
    while len(texts) < count:
        words = [rng.choice(VOCAB) for _ in range(rng.randint(0, 14))]
        text = "".join(w + rng.choice(SPACES) for w in words)
        texts.append(text.strip() if rng.random() < 0.8 else text)
    return [*texts, "", " ", "\x00", "We coach", "staff room staff"]


def _hits(coder: RuleCoder, texts: list[str]) -> list[list[tuple[Any, ...]]]:
    return [
        [(h.code_id, h.rule, h.start, h.end, h.matched) for h in hs] for hs in coder.code(texts)
    ]


def _one_by_one(coder: RuleCoder, texts: list[str]) -> list[list[tuple[Any, ...]]]:
    """The slow reference: each segment coded alone, spaCy on every one, every
    regex searched in it (no literal prefilter)."""
    coder._gate = None
    coder._c.automaton = None
    return [_hits(coder, [text])[0] for text in texts]


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_a_batch_codes_as_each_segment_alone(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts(400, seed=len(name))
    expected = _one_by_one(RuleCoder(BOOKS[name]()), texts)
    assert any(expected)
    # One batch for all, spaCy given a few segments at a time.
    monkeypatch.setattr(autocode, "SPACY_CHARS", 300)
    assert _hits(RuleCoder(BOOKS[name]()), texts) == expected
    # Batches of a few segments, a text long enough to be alone in spaCy's part.
    monkeypatch.setattr(autocode, "BATCH", 7)
    monkeypatch.setattr(autocode, "SPACY_CHARS", 40)
    assert _hits(RuleCoder(BOOKS[name]()), texts) == expected


def test_a_case_folding_trap_is_found_by_its_literal() -> None:
    """ſ, K, final sigma and the micro sign match their ASCII or Greek kin without
    case; the literal index finds them through case folding, and every hit is
    the one found alone."""
    coder = RuleCoder(BOOKS["edges"]())
    texts = ["our \u017fchool plan", "\u212aELVIN and Kelvin", "η οδος", "5μg", "nothing"] * 3
    holding = coder._literal_index(Batch(texts))
    assert holding is not None
    assert {i % 5 for i in holding["school"]} == {0}
    assert {i % 5 for i in holding["kelvin"]} == {1}
    assert {i % 5 for i in holding["οδοσ"]} == {2}  # the pattern's Σ, folded
    assert {i % 5 for i in holding["5μg"]} == {3}  # the micro sign folds to mu
    hits = _hits(coder, texts)
    assert hits == _one_by_one(RuleCoder(BOOKS["edges"]()), texts)
    assert [bool(h) for h in hits[:5]] == [True, True, True, True, False]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_gate_wants_every_lemma_and_misses_no_hit(seed: int) -> None:
    book = BOOKS["edges"]()
    texts = _texts(1500, seed=seed)
    gated = RuleCoder(book)
    gate = gated._gate
    assert isinstance(gate, LemmaGate)
    everywhere = RuleCoder(book)
    everywhere._gate = None
    assert _hits(gated, texts) == _hits(everywhere, texts)
    # A phrase's first word alone no longer lets a segment through.
    assert not gate.may_match("Our school is big and the plan is new.")
    assert gate.may_match("Our plan: the school's own development.")  # any order: maybe
    assert gate.may_match("PUPILS' voices")
    assert gate.may_match("The  staff")  # the phrase's spaces are no lemma to look for


def test_a_phrase_of_spaces_lets_every_segment_through() -> None:
    coder = RuleCoder(_book(phrases=["trust", "   "]))
    assert coder._gate is not None and coder._gate.may_match("nothing like it")
    texts = _texts(200, seed=9)
    assert _hits(coder, texts) == _one_by_one(RuleCoder(_book(phrases=["trust", "   "])), texts)
