"""The lemma gate (``pdcode.lemmagate``): spaCy runs only on segments that can
hold a phrase, and every hit is what it was with spaCy on every segment."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from pdcode.autocode import RuleCoder
from pdcode.codebook import load_codebook
from pdcode.codebook.model import Codebook
from pdcode.lemmagate import LemmaGate, lemma_gate
from pdcode.nlp import make_nlp
from tests.conftest import REPO, SAMPLE, SHARED

FIXTURES = REPO / "tests" / "fixtures" / "transcripts"
TRICKY = [
    "",
    "   ",
    "We trusted them.",
    "TRUST's the thing; trust-building, mistrust, untrusting.",
    "Don't trust\u00a0it\tor\ncoach'd coaching co-ordinators.",
    "The multi-academy trust runs it. We trust our staff.",
    "The governors always ask about it. They ask the governors.",
    "Governors, in my experience of many schools, rarely ask.",
    "“Coaching”… (mentoring) — Coach/mentor! ¿Trust? ﬁne",
    "İstanbul ΟΔΟΣ trusts straße COACHES",
    "\x00\n\x00",
]


def _texts() -> list[str]:
    """Sentence-sized texts of real transcripts, cut roughly: the gate must hold
    for any segment, however it was cut."""
    files = sorted(SAMPLE.glob("*.txt")) + sorted(FIXTURES.glob("*.txt"))
    if SHARED.exists():
        files += sorted((SHARED / "transcripts").rglob("*.txt"))[:20]
    texts: list[str] = []
    for path in files:
        body = path.read_text("utf-8", errors="replace")
        texts += [t for t in re.split(r"(?<=[.?!])\s+|\n+", body)]
    rng = random.Random(19)
    words = " ".join(texts).split()
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(500)]
    return texts + TRICKY


def _hits(coder: RuleCoder, texts: list[str]) -> list[list[Any]]:
    return [[(h.code_id, h.rule, h.start, h.end) for h in found] for found in coder.code(texts)]


def _book(**rules: Any) -> Codebook:
    return Codebook.model_validate(
        {"name": "t", "version": "1", "codes": [{"id": "x", "name": "X", "rules": rules}]}
    )


BOOKS = {
    "pd-leadership": lambda: load_codebook(REPO / "codebooks" / "pd-leadership.yaml"),
    "near and vetoes": lambda: _book(
        phrases=["on board", "trust"],
        near=[{"a": ["governor"], "b": ["ask"], "within": 3}],
        regex=[r"\bcoach\w*"],
        exclude_if={"phrases": ["multi-academy trust"], "regex": ["mentor"]},
    ),
}


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_the_gate_changes_no_hit_and_skips_segments(name: str) -> None:
    book = BOOKS[name]()
    texts = _texts()
    gated = RuleCoder(book)
    assert isinstance(gated._gate, LemmaGate)
    everywhere = RuleCoder(book)
    everywhere._gate = None
    assert _hits(gated, texts) == _hits(everywhere, texts)
    skipped = [t for t in texts if not gated._gate.may_match(t)]
    assert 0 < len(skipped) < len(texts)  # it does leave segments out


def test_forgetting_words_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import pdcode.lemmagate as gate_module

    monkeypatch.setattr(gate_module, "MAX_WORDS", 3)
    book = BOOKS["near and vetoes"]()
    texts = _texts()[:300] + TRICKY
    everywhere = RuleCoder(book)
    everywhere._gate = None
    assert _hits(RuleCoder(book), texts) == _hits(everywhere, texts)


def test_no_gate_for_another_pipeline_or_regexes_alone() -> None:
    assert lemma_gate(make_nlp(None, lemmas=False), [frozenset({"LEMMA\ttrust"})]) is None
    regex_only = RuleCoder(_book(regex=["coach"]))
    assert regex_only._gate is None


def test_token_patterns_are_gated_by_their_literal_tokens() -> None:
    with_patterns = _book(
        phrases=["trust"],
        patterns=[
            [{"LOWER": "you"}, {"lower": "know"}, {"IS_PUNCT": True}],
            [{"TEXT": "Sort"}, {"LOWER": "of", "OP": "?"}],
            [{"LEMMA": "coach", "OP": "+"}, {"LOWER": {"IN": ["them", "us"]}}],
        ],
        exclude_if={"patterns": [[{"ORTH": "never"}, {"LOWER": "mind"}]]},
    )
    coder = RuleCoder(with_patterns)
    gate = coder._gate
    assert isinstance(gate, LemmaGate)
    assert gate.may_match("Well, you know.") and gate.may_match("KNOW you")  # any order: maybe
    assert not gate.may_match("sort of")  # TEXT is case-sensitive
    assert gate.may_match("Sort") and gate.may_match("coaches them")
    assert gate.may_match("never (mind)") and not gate.may_match("Never mind")
    assert not gate.may_match("nothing to see")
    texts = _texts()
    everywhere = RuleCoder(with_patterns)
    everywhere._gate = None
    assert _hits(coder, texts) == _hits(everywhere, texts)
    with_any = _book(patterns=[[{"IS_PUNCT": True}], [{"LOWER": "x"}]])
    assert RuleCoder(with_any)._gate is not None
    assert RuleCoder(with_any)._gate.may_match("nothing")  # a pattern needing no word


def test_a_word_is_judged_by_its_tokens_lemmas() -> None:
    gate = lemma_gate(make_nlp(), [frozenset({"LEMMA\ttrust"})])
    assert gate is not None
    assert gate.may_match("They TRUSTED us.")  # lower-case form's lemma
    assert gate.may_match("(trusts)")  # punctuation split off
    assert not gate.may_match("Trustees met.")  # another word, another lemma
    assert not gate.may_match("")


def test_the_sample_codes_to_the_same_export_with_and_without_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pdcode import api

    book = REPO / "codebooks" / "pd-leadership.yaml"
    exports = []
    for name in ("gated", "everywhere"):
        if name == "everywhere":
            monkeypatch.setattr("pdcode.lemmagate.lemma_gate", lambda nlp, lemmas: None)
        with api.init_project(tmp_path / f"{name}.db") as project:
            manifest = SAMPLE / "manifest.csv"
            api.import_paths(project, [SAMPLE], api.ImportOptions(manifest=manifest))
            report = api.code_project(project, book)
            assert report.added > 100
            exports.append(api.export_codings(project, "csv", None, explain=True))
    assert exports[0] == exports[1]
