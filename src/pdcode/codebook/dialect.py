"""The codebook regex dialect, run on RE2: matching time linear in the text.

Codebook regexes are written as Python's ``re``/``regex`` patterns and run on
Google's RE2 (``google-re2``), which never backtracks: the time a search takes
grows with the text, whatever the pattern. ``compile_regex`` turns a pattern
into a ``LinearRegex`` or raises ``RegexProblem`` naming the construct RE2 has
no linear-time way to run (backreferences, atomic groups, possessive
quantifiers, recursion, conditionals...). No heuristic judges patterns: what
compiles runs in linear time, what does not is refused at validation.

What pdcode adds to RE2, so that patterns keep the meaning they have in Python:

- ``\\w``, ``\\W``, ``\\d``, ``\\D``, ``\\s``, ``\\S`` are Unicode classes (RE2's are
  ASCII), equal to the ``regex`` module's for every character both know.
- ``\\b`` and ``\\B`` at a pattern's start or end are checked on Unicode word
  characters (RE2's ``\\b`` knows ASCII letters only: "café" would have no word
  boundary after its "é"). Elsewhere ``bounds`` rewrites each one by what the
  pattern spells next to it (``café\\b au``, ``.{0,9}\\bécole``); any other is RE2's.
- Lookarounds (``(?=…)``, ``(?!…)``, ``(?<=…)``, ``(?<!…)``) at the start or end
  of a pattern, outside groups, are checks at the edges of each match RE2
  finds: a lookbehind of at most ``LOOK_CHARS`` characters, a lookahead that
  reads at most ``LOOK_CHARS`` characters. A match that fails a check is
  dropped and the search goes on one character after its start. Unlike a
  backtracking engine, RE2 does not then try a shorter match at the same
  start. Lookarounds anywhere else are refused.
- ``\\Z`` means ``\\z``, ``{,n}`` means ``{0,n}``, ``\\uXXXX`` and ``\\N{NAME}`` are
  characters; ``(?u)`` is accepted (Unicode is the default); flags set in the
  middle of a pattern apply to all of it, as in ``regex``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pdcode.codebook.bounds import edges_are_ascii_word, resolve_bounds
from pdcode.codebook.regex_syntax import (
    LOOK_CHARS,
    NON_ASCII,
    REJECT_BUDGET,
    Parser,
    RegexProblem,
    Tok,
    is_word,
    unsupported,
)


@dataclass(frozen=True)
class _Check:
    """A zero-width condition at a match's start or end."""

    kind: str  # "b", "B", "=", "!", "<=", "<!"
    regex: Any = None  # the compiled body (lookarounds)
    at_end: Any = None  # lookbehind: the body at the very end of the text
    width: int = 0  # lookbehind: the most characters it reads

    def holds(self, text: str, x: int, lo: int, hi: int) -> bool:
        if self.kind in ("b", "B"):
            before = x > lo and is_word(text[x - 1])
            after = x < hi and is_word(text[x])
            return (before != after) == (self.kind == "b")
        if self.kind in ("=", "!"):
            start = max(lo, x - 1)
            stop = min(hi, x + LOOK_CHARS)
            window = text[start : min(hi, stop + 1)]
            found = self.regex.match(window, x - start, stop - start) is not None
        else:
            start = max(lo, x - self.width - 1)
            if x < hi:
                window, regex = text[start : x + 1], self.regex
            else:
                window, regex = text[start:x], self.at_end
            found = regex.search(window, max(0, x - self.width - start)) is not None
        return found == (self.kind in ("=", "<="))


_UNANCHORED: list[Any] = []  # RE2's UNANCHORED, set when the first pattern is compiled


def _options() -> Any:
    import re2

    if not _UNANCHORED:
        _UNANCHORED.append(re2._Anchor.UNANCHORED)  # type: ignore[attr-defined]

    options = re2.Options()
    options.case_sensitive = False
    options.never_capture = True
    options.log_errors = False
    return options


def _re2(pattern: str, flags: str) -> Any:
    import re2

    text = f"(?{flags}){pattern}" if flags else pattern
    try:
        return re2.compile(text, _options())
    except re2.error as exc:
        message = exc.args[0] if exc.args else str(exc)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        if "repetition" in message or "pattern too large" in message:
            raise RegexProblem(
                f"{message} (RE2 allows a repeat count up to 1000 and a compiled pattern "
                "up to 8 MiB)"
            ) from None
        raise RegexProblem(message) from None


class LinearRegex:
    """A codebook regex compiled for RE2, with the checks at its edges.

    ``core`` uses RE2's own (ASCII) classes and ``\\b``: exact on a text whose
    word characters are all ASCII, which most segments are. The others are
    searched with Unicode classes twice, and the earlier match wins (the first
    on a tie): once keeping every ``\\b`` in the pattern, so RE2 chooses among
    alternatives as a backtracking engine would, and once without the ``\\b``
    at an edge where the match may begin or end with a non-ASCII letter, which
    RE2's ASCII ``\\b`` would miss. Both are checked on Unicode word characters.
    """

    def __init__(
        self,
        pattern: str,
        core: Any,
        unicode: Callable[[], tuple[Any, Any]],
        looks: tuple[Sequence[_Check], Sequence[_Check]],
        bounds: tuple[Sequence[_Check], Sequence[_Check]],
    ) -> None:
        self.pattern = pattern
        self.core = core
        self._compile_unicode = unicode
        self._unicode: tuple[Any, Any] | None = None
        self.looks = (tuple(looks[0]), tuple(looks[1]))
        self.checks = (tuple(looks[0]) + tuple(bounds[0]), tuple(looks[1]) + tuple(bounds[1]))
        self.plain = not looks[0] and not looks[1]  # nothing to check on ASCII-word text

    @property
    def unicode(self) -> tuple[Any, Any]:
        """The two cores for texts with non-ASCII word characters (the second None
        when it equals the first), compiled when first needed."""
        if self._unicode is None:
            self._unicode = self._compile_unicode()
        return self._unicode

    def __repr__(self) -> str:
        return f"LinearRegex({self.pattern!r})"

    def search(
        self,
        subject: Subject,
        pos: int = 0,
        bounds: Callable[[int], tuple[int, int]] | None = None,
    ) -> tuple[int, int] | None:
        """The first match at or after ``pos`` as (start, end) in characters.

        ``bounds(start)`` gives the segment a match starting there lies in, so the
        edge checks see that segment as the whole text; a match running past its
        segment's end is returned unchecked (the caller searches again segment by
        segment).
        """
        if subject.ascii_words:
            if self.plain:  # the common case, kept short: one RE2 call
                data = subject.data
                b0, b1 = self.core.Match(_UNANCHORED[0], data, subject.to_byte(pos), len(data))[0]
                return None if b0 < 0 else (subject.to_char(b0), subject.to_char(b1))
            return self._first(self.core, self.looks, subject, pos, bounds)
        keep, drop = self.unicode
        found = self._first(keep, self.checks, subject, pos, bounds)
        if drop is not None:
            other = self._first(drop, self.checks, subject, pos, bounds)
            if other is not None and (found is None or other[0] < found[0]):
                found = other
        return found

    def _first(
        self,
        core: Any,
        checks: tuple[Sequence[_Check], Sequence[_Check]],
        subject: Subject,
        pos: int,
        bounds: Callable[[int], tuple[int, int]] | None,
    ) -> tuple[int, int] | None:
        first, last = checks
        text, data = subject.text, subject.data
        n = len(text)
        bpos = subject.to_byte(pos)
        rejected = 0
        while bpos <= len(data):
            b0, b1 = core.Match(_UNANCHORED[0], data, bpos, len(data))[0]
            if b0 < 0:
                return None
            p, e = subject.to_char(b0), subject.to_char(b1)
            if not first and not last:
                return p, e
            lo, hi = bounds(p) if bounds is not None else (0, n)
            if e > hi:
                return p, e
            if all(c.holds(text, p, lo, hi) for c in first) and all(
                c.holds(text, e, lo, hi) for c in last
            ):
                return p, e
            rejected += e - p + 1
            if rejected > REJECT_BUDGET * (hi - lo) + 65536:
                from pdcode.errors import CodebookError

                raise CodebookError(
                    f"regex {self.pattern!r}: its lookarounds or word boundaries reject so "
                    "many overlapping matches in one segment that searching on would take "
                    "time growing with the square of its length; narrow the pattern"
                )
            if p >= n:
                return None
            bpos = subject.to_byte(p + 1)
        return None


class Subject:
    """A text as RE2 reads it (UTF-8) with character <-> byte offsets."""

    __slots__ = ("_chars", "_ends", "_extra", "ascii_words", "data", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8")
        self._chars: list[int] = []  # character index of each non-ASCII character
        self._ends: list[int] = []  # byte offset just after it
        self._extra: list[int] = []  # extra bytes up to and including it
        self.ascii_words = True  # no word character outside ASCII
        if len(self.data) != len(text):
            extra = 0
            for found in NON_ASCII.finditer(text):
                index, char = found.start(), found.group()
                if self.ascii_words and is_word(char):
                    self.ascii_words = False
                extra += len(char.encode("utf-8")) - 1
                self._chars.append(index)
                self._ends.append(index + 1 + extra)
                self._extra.append(extra)

    def to_char(self, offset: int) -> int:
        if not self._chars:
            return offset
        k = bisect_right(self._ends, offset)
        return offset - (self._extra[k - 1] if k else 0)

    def to_byte(self, index: int) -> int:
        if not self._chars:
            return index
        k = bisect_left(self._chars, index)
        return index + (self._extra[k - 1] if k else 0)


def _split_edges(toks: list[Tok]) -> tuple[list[Tok], list[Tok], list[Tok]]:
    """Leading zero-width tokens, the core, trailing zero-width tokens; only at
    the top level of a pattern without a top-level alternation."""
    depth = 0
    for tok in toks:
        depth += (tok.kind == "open") - (tok.kind == "close")
        if tok.kind == "alt" and depth == 0:
            return [], toks, []
    zero = ("bound", "look")
    a = 0
    while a < len(toks) and toks[a].kind in zero:
        a += 1
    b = len(toks)
    while b > a and toks[b - 1].kind in zero:
        b -= 1
    return toks[:a], toks[a:b], toks[b:]


def _look_check(tok: Tok, flags: str) -> _Check:
    body = "".join(resolve_bounds(tok.body, unicode=True))
    if tok.look in ("=", "!"):
        return _Check(tok.look, _re2(f"(?:{body})", flags))
    width = _look_width(tok.body)
    return _Check(
        tok.look,
        _re2(f"(?:{body})(?s:.)\\z", flags),
        _re2(f"(?:{body})\\z", flags),
        width,
    )


def _look_width(body: list[Tok]) -> int:
    """The most characters a lookbehind's body can match (every class, escape or
    literal is one character; anchors and boundaries none)."""
    placeholder = {"lit": "x", "esc": "x", "class": "x", "dot": "x", "open": "(?:"}
    source = "".join(
        tok.src if tok.kind in ("close", "alt", "quant") else placeholder.get(tok.kind, "")
        for tok in body
    )
    try:
        from re import _parser  # type: ignore[attr-defined]

        _low, high = _parser.parse(source).getwidth()
    except (re.error, RecursionError):
        raise unsupported("a lookbehind pdcode cannot measure") from None
    if high > LOOK_CHARS:
        raise unsupported(
            "a lookbehind that can match more than 255 characters",
            "bound its repeats, e.g. {1,20} rather than + or *",
        )
    return int(high)


def _source(toks: list[Tok]) -> str:
    return "".join(t.src for t in toks)


@lru_cache(maxsize=8192)
def compile_regex(pattern: str) -> LinearRegex:
    """Compile a codebook regex (case-insensitive) or raise ``RegexProblem``."""
    parser = Parser(pattern)
    toks = parser.parse()
    flags = "".join(sorted(set("".join(parser.flags))))
    lead, core, trail = _split_edges(toks)
    for tok in core:
        if tok.kind == "look":
            kind = "lookbehind" if tok.look.startswith("<") else "lookahead"
            raise unsupported(
                f"a {kind} (?{tok.look}…) in the middle of a pattern or inside a group",
                "pdcode checks lookarounds only at the start or end of a pattern",
            )
    core_out = "".join(resolve_bounds(core, unicode=False))
    looks: tuple[list[_Check], list[_Check]] = ([], [])
    checks: tuple[list[_Check], list[_Check]] = ([], [])
    outs: tuple[list[Tok], list[Tok]] = ([], [])  # the edges' \\b and \\B
    for side, toks_at in ((0, lead), (1, trail)):
        for tok in toks_at:
            if tok.kind == "look":
                looks[side].append(_look_check(tok, flags))
            else:
                checks[side].append(_Check(tok.char or "b"))
                outs[side].append(tok)
    prefix, suffix = "".join(t.out for t in outs[0]), "".join(t.out for t in outs[1])
    core_re2 = _re2(prefix + core_out + suffix, flags)._regexp

    def unicode() -> tuple[Any, Any]:
        unicode_out = "".join(resolve_bounds(core, unicode=True))
        keep = _re2(prefix + unicode_out + suffix, flags)._regexp
        if not prefix and not suffix:
            return keep, None
        first, last = edges_are_ascii_word(_source(core))
        # Next to an ASCII word character RE2's \b holds wherever Unicode's does
        # (and more: the checks narrow it), but its \B holds in fewer places.
        first = first and all(t.char != "B" for t in outs[0])
        last = last and all(t.char != "B" for t in outs[1])
        if first and last:
            return keep, None
        drop = (prefix if first else "") + unicode_out + (suffix if last else "")
        return keep, _re2(drop, flags)._regexp

    return LinearRegex(pattern, core_re2, unicode, looks, checks)


def check_regex(pattern: str) -> str | None:
    """None when ``pattern`` compiles; else the problem, in one line."""
    try:
        compile_regex(pattern)
    except RegexProblem as exc:
        return str(exc)
    return None
