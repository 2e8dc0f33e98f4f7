"""The regex prefilter: the literals it requires, and coding that does not change with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from pdcode import autocode
from pdcode.autocode import RuleCoder
from pdcode.codebook import load_codebook
from pdcode.rulefilter import required_literals

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\b(eaten|swallowed) (up )?by cover\b", {"by cover"}),
        (r"\bflop(s|ped)?\b", {"flop"}),
        # Longer literals are rarer: "figures" or "results" beats "show".
        (r"\b(figures|results)\b.{0,60}\bshow", {"figures", "results"}),
        # Spaces count for nothing: "cover" beats " to ".
        (r"\bto (cover|covers)\b", {"cover"}),
        (r"\b(figures|results)\b.{0,60}\bno", {"figures", "results"}),
        (r"\b(a|an) x", None),  # nothing of three characters is required
        (r"(x|)cover", {"cover"}),  # an empty branch makes the group optional
        (r"(?:coach)+ing", {"coach"}),
        (r"[abc]+", None),
    ],
)
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    found = required_literals(pattern)
    assert (set(found) if found is not None else None) == expected


def test_every_match_holds_a_required_literal() -> None:
    """For each regex (and veto) of the shipped codebooks, every match in the sample holds
    one of its literals (lower-cased), so skipping text without them loses nothing."""
    texts = [p.read_text(encoding="utf-8") for p in (REPO / "transcripts_sample").glob("*.txt")]
    checked = 0
    for book in ("pd-leadership.yaml", "interview-process.yaml"):
        coder = RuleCoder(load_codebook(REPO / "codebooks" / book))
        rules = [(p, lits) for _c, _r, p, lits in coder._c.regexes]
        rules += [(p, lits) for _c, p, lits in coder._c.vetoes]
        for pattern, literals in rules:
            if literals is None:
                continue
            for text in texts:
                for match in regex.finditer(pattern.pattern, text, regex.IGNORECASE):
                    assert any(lit in match.group().lower() for lit in literals), pattern.pattern
                    checked += 1
    assert checked > 100


def test_coding_is_the_same_with_and_without_the_prefilter(monkeypatch: pytest.MonkeyPatch) -> None:
    sentences = [
        s.strip() + "."
        for p in sorted((REPO / "transcripts_sample").glob("*.txt"))
        for s in p.read_text(encoding="utf-8").split(".")
        if s.strip()
    ]
    book = load_codebook(REPO / "codebooks" / "pd-leadership.yaml")
    with_filter = list(RuleCoder(book).code(sentences))
    monkeypatch.setattr(autocode, "required_literals", lambda pattern: None)
    without = list(RuleCoder(book).code(sentences))
    assert with_filter == without
    assert sum(map(len, with_filter)) > 50
