"""Literals a regular expression cannot match without: a prefilter for autocode.

``required_literals(pattern)`` gives a set of lower-case strings such that every
match of the pattern contains at least one of them, or None when it finds no
useful set. Autocode uses it only to skip text that cannot match, never to
decide a match, so answering None is always safe; any pattern the standard
library's parser cannot read (RE2 syntax such as ``\\p{L}``) gets None. RE2
matches what the pattern says and nothing else, so the prefilter serves it as
it served the backtracking engine before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

MIN_LENGTH = 3  # shorter literals occur almost everywhere and filter nothing
# Characters whose case folding gives an ASCII letter but whose lower() does not:
# text holding one must not be prefiltered with lower-cased literals.
UNSAFE = frozenset("\u017f\u212a\u0130")


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
            run.append(chr(av).lower())
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
