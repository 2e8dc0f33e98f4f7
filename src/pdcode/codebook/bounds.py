"""Word boundaries a codebook regex can keep on RE2, whose ``\\b`` knows ASCII only.

RE2 judges ``\\b`` on ASCII word characters: between a space and "é" it sees no
boundary, so ``\\bécole`` would never match. pdcode's meaning is Unicode's, as in
Python's engines. ``resolve_bounds`` rewrites each ``\\b`` and ``\\B`` inside a
pattern by what its two neighbours, as the pattern spells them, make of it:

- both neighbours known (a letter, a space, ``\\w``, a group whose every first or
  last character is of one kind): the boundary is always or never there, and the
  token becomes nothing or a class that matches nothing;
- one neighbour known to be a word character outside ASCII ("é", ``(école|élève)``)
  and the other not spelled out (``.{0,30}``): Unicode's ``\\b`` there holds when
  the other character is no word character, which is RE2's ``\\B`` (to RE2 both
  are non-word), and the other way round. Exact unless that other character is
  itself a word character outside ASCII ("naïécole"), the one difference
  docs/codebooks.md lists;
- otherwise RE2's own, exact when the known neighbour is an ASCII word character
  and the other is not a word character outside ASCII.

The edges of a whole pattern are not handled here: ``dialect`` checks them on
Unicode word characters after RE2 finds a match.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pdcode.codebook.regex_syntax import Tok, is_word

_NEVER = r"[^\x00-\x{10FFFF}]"  # matches nothing
# Word characters outside ASCII that match an ASCII letter without case (the long s
# and the Kelvin sign): a neighbour spelled with one may be ASCII in the text.
_ASCII_KIN = frozenset("\u017f\u212a")
# ASCII word characters that match only ASCII characters without case: all but
# the letters of that kin ("s", "k" and their capitals), which RE2's ASCII \b
# does not see as such, so an edge spelled with them is not ASCII-only ("\bschool"
# must find "ſchool", as a backtracking engine does).
_ASCII_WORD = frozenset(string.ascii_letters + string.digits + "_") - {
    c for kin in _ASCII_KIN for c in (kin.casefold(), kin.casefold().upper())
}
_LARGEST_CLASS = 4096  # characters of a class range judged one by one; larger: unknown


@dataclass(frozen=True)
class Side:
    """What a pattern spells next to a boundary: whether every character that can
    stand there is a word character (True), none is (False) or either (None), and
    whether each is a word character outside ASCII with no ASCII kin."""

    word: bool | None
    foreign: bool = False


_UNKNOWN = Side(None)


def _char_side(char: str) -> Side:
    word = is_word(char)
    return Side(word, word and not char.isascii() and char not in _ASCII_KIN)


def _join(sides: list[Side]) -> Side:
    """Any of ``sides`` may stand there."""
    if not sides:
        return _UNKNOWN
    words = {s.word for s in sides}
    word = words.pop() if len(words) == 1 else None
    return Side(word, word is True and all(s.foreign for s in sides))


def _tok_side(tok: Tok) -> Side:
    if tok.kind == "lit" and tok.char is not None and len(tok.char) == 1:
        return _char_side(tok.char)
    if tok.kind in ("lit", "esc"):
        return Side(tok.word)
    if tok.kind == "class":
        return _parsed_side(tok.src, last=False)
    return _UNKNOWN


def _group(toks: list[Tok], k: int, step: int) -> list[Tok] | None:
    """The tokens of the group that opens (``step`` 1) or closes (-1) at ``k``."""
    depth, j = 0, k
    while 0 <= j < len(toks):
        if toks[j].kind == "open":
            depth += step
        elif toks[j].kind == "close":
            depth -= step
        if depth == 0:
            return toks[k : j + 1] if step == 1 else toks[j : k + 1]
        j += step
    return None


@lru_cache(maxsize=4096)  # each pattern's bounds are resolved twice (ASCII and Unicode text)
def _parsed_side(source: str, last: bool) -> Side:
    """The side a group's first (or last) characters make, from Python's parser."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        items = list(_parser.parse(source))
    except Exception:
        return _UNKNOWN
    side, nullable = _items_side(items, last)
    return _UNKNOWN if nullable else side


def _items_side(items: list[Any], last: bool) -> tuple[Side, bool]:
    """(the side the first/last characters of ``items`` make, whether they may
    match nothing at all)."""
    for op, av in reversed(items) if last else items:
        name = str(op)
        if name == "AT":
            continue
        nullable = False
        if name == "LITERAL":
            side = _char_side(chr(av))
        elif name == "IN":
            side = _class_side(av)
        elif name == "SUBPATTERN":
            side, nullable = _items_side(list(av[-1]), last)
        elif name == "BRANCH":
            found = [_items_side(list(b), last) for b in av[1]]
            side, nullable = _join([f[0] for f in found]), any(f[1] for f in found)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            side, nullable = _items_side(list(av[2]), last)
            nullable = nullable or av[0] == 0
        else:
            return _UNKNOWN, False
        if nullable:  # what follows may stand there too: not judged
            return _UNKNOWN, False
        return side, False
    return _UNKNOWN, True


def _class_side(members: list[Any]) -> Side:
    chars: list[str] = []
    for op, av in members:
        if str(op) == "LITERAL":
            chars.append(chr(av))
        elif str(op) == "RANGE" and av[1] - av[0] < _LARGEST_CLASS:
            chars.extend(map(chr, range(av[0], av[1] + 1)))
        else:  # a negated class, \w inside a class, a huge range: not judged
            return _UNKNOWN
    return _join([_char_side(c) for c in chars])


def _side(toks: list[Tok], k: int, step: int) -> Side:
    """The side of the boundary token ``toks[k]`` that ``step`` points to."""
    j = k + step
    if not 0 <= j < len(toks):
        return _UNKNOWN
    if step == 1:
        # An atom that may repeat zero times is not sure to stand there.
        group = _group(toks, j, 1) if toks[j].kind == "open" else [toks[j]]
        if group is None:
            return _UNKNOWN
        after = j + len(group)
        if after < len(toks) and toks[after].kind == "quant" and toks[after].min0:
            return _UNKNOWN
    elif toks[j].kind == "close":
        group = _group(toks, j, -1)
    else:
        group = [toks[j]]
    if group is None:
        return _UNKNOWN
    if len(group) == 1:
        return _tok_side(group[0])
    return _parsed_side("".join(t.src for t in group), last=step == -1)


def resolve_bounds(toks: list[Tok], unicode: bool) -> list[str]:
    """RE2 text for each token (``unicode``: for any text), each ``\\b`` and ``\\B``
    rewritten as the module's docstring says."""
    out = []
    for k, tok in enumerate(toks):
        if tok.kind != "bound":
            out.append(tok.uni or tok.out if unicode else tok.out)
            continue
        before, after = _side(toks, k, -1), _side(toks, k, 1)
        if before.word is not None and after.word is not None:
            boundary = before.word != after.word
            wanted = boundary if tok.char == "b" else not boundary
            out.append("" if wanted else _NEVER)
        elif (before.word is None) != (after.word is None) and (before.foreign or after.foreign):
            out.append("\\B" if tok.char == "b" else "\\b")
        else:
            out.append(tok.out)
    return out


def edges_are_ascii_word(source: str) -> tuple[bool, bool]:
    """Whether every match of ``source`` (Python syntax) starts, and ends, with an
    ASCII letter, digit or underscore: there RE2's ``\\b`` is a superset of the
    Unicode one and can stay in the pattern to narrow the search."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        items = list(_parser.parse(source))
    except Exception:
        return False, False
    first, last = _edge(items, False), _edge(items, True)
    return first[0] and not first[1], last[0] and not last[1]


def _edge(items: list[Any], last: bool) -> tuple[bool, bool]:
    """(every first/last character is an ASCII word character, may match empty)."""
    ok = True
    for op, av in reversed(items) if last else items:
        name = str(op)
        if name == "AT":
            continue
        if name == "LITERAL":
            item_ok, nullable = chr(av) in _ASCII_WORD, False
        elif name == "IN":
            item_ok = all(
                (str(o) == "LITERAL" and chr(v) in _ASCII_WORD)
                or (str(o) == "RANGE" and all(chr(x) in _ASCII_WORD for x in range(v[0], v[1] + 1)))
                for o, v in av
            )
            nullable = False
        elif name == "SUBPATTERN":
            item_ok, nullable = _edge(list(av[-1]), last)
        elif name == "BRANCH":
            results = [_edge(list(b), last) for b in av[1]]
            item_ok = all(r[0] for r in results)
            nullable = any(r[1] for r in results)
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            item_ok, nullable = _edge(list(av[2]), last)
            nullable = nullable or av[0] == 0
        else:
            return False, False
        ok = ok and item_ok
        if not nullable:
            return ok, False
    return ok, True
