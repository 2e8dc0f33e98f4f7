"""The regex prefilter: the literals it requires, and coding that does not change with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regex

from pdcode import autocode
from pdcode.autocode import RuleCoder
from pdcode.codebook import load_codebook
from pdcode.codebook.dialect import Subject, compile_regex
from pdcode.codebook.model import Codebook
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
    one of its literals (case-folded), so skipping text without them loses nothing."""
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
                    assert any(lit in match.group().casefold() for lit in literals), pattern.pattern
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


def test_case_folding_keeps_each_case_insensitive_class_together() -> None:
    """The prefilter folds literals and text with ``str.casefold``; that is sound
    only if every character a codebook regex matches without case has the same
    case folding as the pattern's. Checked for every cased character up to
    U+1FFFF, against the dialect's own engine."""
    cased = [
        c
        for c in map(chr, range(0x20, 0x20000))
        if not 0xD800 <= ord(c) < 0xE000
        and c.isprintable()
        and (c.lower() != c or c.upper() != c or c.casefold() != c)
    ]
    subject = Subject("".join(cased))
    matched, split = 0, []
    for c in cased:
        pattern = compile_regex(re.escape(c))
        pos = 0
        while (span := pattern.search(subject, pos)) is not None:
            found = subject.text[span[0] : span[1]]
            matched += 1
            if found.casefold() != c.casefold():
                split.append((c, found))
            pos = span[1]
    assert split == []
    # Not every class is a pair: ſ, s and S; Σ, σ and ς; K, k and the Kelvin sign.
    assert matched > 2 * len(cased)
    # lower() would have split some: the reason the prefilter does not use it.
    assert "Σ".lower() != "ς".lower() and "\u00b5".lower() != "\u03bc".lower()


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\bΟΔΟΣ\b", "η οδος ειναι"),  # capital sigma, final sigma in the text
        (r"\bοδος\b", "Η ΟΔΟΣ"),
        (r"\b5µg\b", "a 5μg dose"),  # the micro sign against mu
        (r"\bсовет\b", "Сᲂвет школы"),  # a historic Cyrillic o
        (r"\bschool\b", "our \u017fchool"),  # the long s
    ],
)
def test_text_matched_without_case_is_coded_with_the_prefilter(pattern: str, text: str) -> None:
    book = Codebook.model_validate(
        {
            "name": "t",
            "version": "1",
            "codes": [{"id": "x", "name": "X", "rules": {"regex": [pattern]}}],
        }
    )
    coder = RuleCoder(book)
    assert coder._c.automaton is not None  # the pattern has a literal to prefilter by
    hits = list(coder.code(["nothing here", text]))
    assert hits[0] == [] and [h.code_id for h in hits[1]] == ["x"]
