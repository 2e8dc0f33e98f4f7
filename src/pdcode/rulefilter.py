"""Literals a regular expression cannot match without: a prefilter for autocode.

``required_literals(pattern)`` gives a set of case-folded strings such that the
case folding (``str.casefold``) of every match of the pattern contains at least
one of them, or None when it finds no useful set. Autocode uses it only to skip
text that cannot match, never to decide a match, so answering None is always
safe; any pattern the standard library's parser cannot read (RE2 syntax such as
``\\p{L}``) gets None. RE2 matches what the pattern says and nothing else, so
the prefilter serves it as it served the backtracking engine before.

Case folding, not ``lower()``, on both sides: codebook regexes match without
case on RE2, whose case-insensitive classes are Unicode's simple case-folding
orbits, and two characters of one orbit always have the same ``casefold()``
(checked for every cased character by ``tests/test_rulefilter.py``). ``lower()``
splits many orbits: "ΟΔΟΣ" matches "οδος" but lowers to "οδοσ"; the micro sign
and mu, "ſ" and "s", the Kelvin sign and "k", Cyrillic and its historic forms.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MIN_LENGTH = 3  # shorter literals occur almost everywhere and filter nothing


@lru_cache(maxsize=8192)
def required_literals(pattern: str) -> frozenset[str] | None:
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern)
    except Exception:
        return None
    found = _best(list(parsed))
    if found is None or min(map(_letters, found)) < MIN_LENGTH:
        return None
    return found


def _best(items: list[Any]) -> frozenset[str] | None:
    """The best set that every match of this sequence of parsed items needs."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(av).casefold())
        elif name == "AT":
            continue  # \b and friends take no characters: the run goes on
        elif name == "SUBPATTERN":
            flush()
            inner = _best(list(av[-1]))
            if inner is not None:
                candidates.append(inner)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            flush()
            low, _high, inner_items = av
            if low >= 1:
                inner = _best(list(inner_items))
                if inner is not None:
                    candidates.append(inner)
        elif name == "BRANCH":
            flush()
            options = [_best(list(branch)) for branch in av[1]]
            if all(o is not None for o in options):
                candidates.append(frozenset().union(*(o for o in options if o is not None)))
        else:  # classes, wildcards, lookarounds, back-references: no literal
            flush()
    flush()
    if not candidates:
        return None
    return max(candidates, key=_worth)


def _worth(candidate: frozenset[str]) -> tuple[int, int]:
    """Rank candidate sets: autocode finds every literal in one pass over a
    batch (Aho-Corasick), so a set costs nothing per member and is worth the
    rarity of its weakest member. Length counts letters and digits only: " to "
    or "the " is in nearly every sentence, so filters nothing."""
    return min(map(_letters, candidate)), -len(candidate)


def _letters(literal: str) -> int:
    return sum(ch.isalnum() for ch in literal)
