"""Reading the codebook regex dialect: a pattern as tokens, checked for what RE2
can run in linear time and rewritten so that it keeps its Python meaning
(Unicode word classes, word boundaries the pattern spells out). The matcher
built from it is ``pdcode.codebook.dialect``, whose docstring says what the
dialect is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache

NON_ASCII = re.compile("[^\x00-\x7f]")
LOOK_CHARS = 255  # the most a lookaround at a pattern's edge reads
# How much rejected matches of one pattern may re-read in one segment, as a
# multiple of the segment's length (plus a constant): past it the work would
# grow with the square of the text, and the run stops with a clear error.
REJECT_BUDGET = 64

# Unicode classes equal to the ``regex`` module's \w, \d and \s (Alphabetic
# includes the circled and squared Latin letters, category So).
WORD = (
    r"\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}"
    r"\x{24B6}-\x{24E9}\x{1F130}-\x{1F149}\x{1F150}-\x{1F169}\x{1F170}-\x{1F189}"
)
SPACE = r"\t-\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}"
NOT_SPACE = (
    r"\x00-\x08\x0E-\x1F!-\x{84}\x{86}-\x{9F}\x{A1}-\x{167F}\x{1681}-\x{1FFF}"
    r"\x{200B}-\x{2027}\x{202A}-\x{202E}\x{2030}-\x{205E}\x{2060}-\x{2FFF}\x{3001}-\x{10FFFF}"
)
# Each shorthand as (RE2 text, inside a class) twice: first for texts whose word
# characters are all ASCII, where RE2's own classes are exact and compile in a
# moment, then Unicode. Spaces are Unicode in both (a no-break space is no word
# character). Case folding changes none of the Unicode sets, and leaving it out
# (?-i:) makes them quicker to compile.
_SHORTHAND = {
    "w": ("\\w", "\\w", f"(?-i:[{WORD}])", WORD),
    "W": ("\\W", "\\W", f"(?-i:[^{WORD}])", ""),  # "": spelled out by _not_word()
    "d": ("\\d", "\\d", r"\p{Nd}", r"\p{Nd}"),
    "D": ("\\D", "\\D", r"\P{Nd}", r"\P{Nd}"),
    "s": (f"[{SPACE}]", SPACE, f"[{SPACE}]", SPACE),
    "S": (f"(?-i:[^{SPACE}])", NOT_SPACE, f"(?-i:[^{SPACE}])", NOT_SPACE),
}
_SPECIAL = set("\\.^$|?*+()[]{}")
_FLAGS_KEPT = set("ims")
_FLAGS_IGNORED = set("u")  # Unicode: always on


class RegexProblem(ValueError):
    """A pattern pdcode cannot run; ``unsupported`` when the syntax is valid
    elsewhere (Python, PCRE) but has no linear-time meaning."""

    def __init__(self, message: str, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported


def unsupported(what: str, why: str = "RE2 has no linear-time way to run it") -> RegexProblem:
    return RegexProblem(f"{what} is not supported: {why}", True)


@dataclass
class Tok:
    kind: str  # lit, esc, class, dot, open, close, alt, quant, bol, eol, bound, look
    out: str  # RE2 text (for texts whose word characters are all ASCII)
    src: str  # the text as written (Python syntax)
    char: str | None = None  # lit: the character
    word: bool | None = None  # True/False when every character it matches is (not) a word char
    look: str = ""  # look: "=", "!", "<=" or "<!"
    body: list[Tok] = field(default_factory=list)  # look: its tokens
    min0: bool = False  # quant: allows zero repetitions
    uni: str | None = None  # RE2 text for any text, when it differs from ``out``


@lru_cache(maxsize=4096)
def is_word(char: str) -> bool:
    """A word character for ``\\w`` and ``\\b`` (the ``WORD`` class)."""
    if char in "\u200c\u200d" or "\u24b6" <= char <= "\u24e9":
        return True
    if "\U0001f130" <= char <= "\U0001f189":
        return not ("\U0001f14a" <= char <= "\U0001f14f" or "\U0001f16a" <= char <= "\U0001f16f")
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Nd", "Nl", "Pc")


def _char_out(char: str) -> str:
    if char in _SPECIAL or char in "-#&~":
        return "\\" + char
    if char == " " or char.isprintable():
        return char
    return f"\\x{{{ord(char):X}}}"


class Parser:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.flags: list[str] = []  # flags set in the middle: hoisted to the front

    def error(self, message: str) -> RegexProblem:
        return RegexProblem(f"{message} at position {self.i}")

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.p[j] if j < len(self.p) else ""

    def parse(self, depth: int = 0, in_look: bool = False) -> list[Tok]:
        toks: list[Tok] = []
        while self.i < len(self.p):
            c = self.p[self.i]
            start = self.i
            if c == ")":
                if depth == 0:
                    raise self.error("unbalanced parenthesis")
                return toks
            if c == "(":
                toks.extend(self.group(depth, in_look))
            elif c == "[":
                toks.append(self.char_class())
            elif c == "\\":
                toks.append(self.escape())
            elif c in "*+?{":
                quant = self.quantifier()
                if quant is None:  # a brace that is no quantifier is a literal
                    self.i += 1
                    toks.append(Tok("lit", "\\{", "{", "{", False))
                    continue
                if not toks or toks[-1].kind in ("open", "alt", "quant", "bol", "eol", "bound"):
                    if toks and toks[-1].kind == "quant":
                        raise self.error("multiple repeat")
                    raise self.error("nothing to repeat")
                toks.append(quant)
            else:
                self.i += 1
                if c == "|":
                    toks.append(Tok("alt", "|", "|"))
                elif c == ".":
                    toks.append(Tok("dot", ".", "."))
                elif c == "^":
                    toks.append(Tok("bol", "^", "^"))
                elif c == "$":
                    toks.append(Tok("eol", "$", "$"))
                else:
                    toks.append(Tok("lit", _char_out(c), c, c, is_word(c)))
            assert self.i > start
        if depth:
            raise self.error("missing ), unterminated subpattern")
        return toks

    def quantifier(self) -> Tok | None:
        p, start = self.p, self.i
        c = p[start]
        if c == "{":
            end = p.find("}", start)
            inner = p[start + 1 : end] if end > 0 else ""
            low, comma, high = inner.partition(",")
            if end < 0 or not (low.isdigit() or (comma and high.isdigit() and not low)):
                if inner.lstrip()[:1] in ("e", "i", "s", "d") and any(x in inner for x in "<=>"):
                    raise unsupported(f"fuzzy matching {p[start : end + 1]!r}")
                return None
            if (high and not high.isdigit()) or (low and not low.isdigit()):
                return None
            if low and high and int(high) < int(low):
                raise self.error("min repeat greater than max repeat")
            out = "{" + (low or "0") + comma + high + "}"
            min0 = (low or "0") == "0"
            self.i = end + 1
        else:
            out = c
            min0 = c in "*?"
            self.i += 1
        nxt = self.peek()
        if nxt == "+":
            raise unsupported(f"possessive quantifier {p[start : self.i + 1]!r}")
        if nxt == "?":
            out += "?"
            self.i += 1
        return Tok("quant", out, p[start : self.i], min0=min0)

    def group(self, depth: int, in_look: bool) -> list[Tok]:
        p, start = self.p, self.i
        rest = p[start:]
        self.i += 1
        look = next((k for k in ("(?<=", "(?<!", "(?=", "(?!") if rest.startswith(k)), None)
        if look is not None:
            if in_look:
                raise unsupported("a lookaround inside a lookaround")
            self.i = start + len(look)
            body_start = self.i
            body = self.parse(depth + 1, in_look=True)
            src = p[start : self.i + 1]
            self.i += 1
            tok = Tok("look", "", src, look=look[2:], body=body)
            tok.char = p[body_start : self.i - 1]  # the body as written
            return [tok]
        if rest.startswith("(?#"):  # a comment
            end = p.find(")", start)
            if end < 0:
                raise self.error("missing ), unterminated comment")
            self.i = end + 1
            return []
        opener = self.extension(rest) if rest.startswith("(?") else "("
        if opener is None:  # a flags group such as (?i): hoisted, nothing emitted
            return []
        open_tok = Tok("open", opener, p[start : self.i])
        body = self.parse(depth + 1, in_look)
        if self.peek() != ")":
            raise self.error("missing ), unterminated subpattern")
        self.i += 1
        return [open_tok, *body, Tok("close", ")", ")")]

    def extension(self, rest: str) -> str | None:
        """The RE2 opener for ``(?...``; None for a flags-only group."""
        for prefix, what in (
            ("(?>", "an atomic group (?>…)"),
            ("(?|", "a branch reset group (?|…)"),
            ("(?(", "a conditional group (?(…)…)"),
            ("(?P=", "a backreference (?P=name)"),
            ("(?P>", "recursion (?P>name)"),
            ("(?&", "recursion (?&name)"),
            ("(?R)", "recursion (?R)"),
        ):
            if rest.startswith(prefix):
                raise unsupported(what)
        if rest[2:3].isdigit() or rest[2:4] in ("+1", "-1"):
            raise unsupported("recursion (?N)")
        for prefix in ("(?P<", "(?<"):
            if rest.startswith(prefix):
                close = rest.find(">")
                name = rest[len(prefix) : close] if close > 0 else ""
                if not name.isidentifier():
                    raise self.error(f"bad group name {name!r}")
                self.i += close
                return f"(?P<{name}>"
        if rest.startswith("(?:"):
            self.i += 2
            return "(?:"
        # (?flags) or (?flags:...) or (?flags-flags:...)
        j = 2
        while j < len(rest) and (rest[j].isalpha() or rest[j] == "-"):
            j += 1
        flags, ender = rest[2:j], rest[j : j + 1]
        if ender not in (")", ":"):
            raise self.error(f"unknown extension {rest[: j + 1]!r}")
        on, _, off = flags.partition("-")
        for flag in on + off:
            if flag not in _FLAGS_KEPT and flag not in _FLAGS_IGNORED:
                names = {"x": "the verbose flag (?x)", "a": "the ASCII flag (?a)"}
                raise unsupported(names.get(flag, f"the flag (?{flag})"))
        kept_on = "".join(f for f in on if f in _FLAGS_KEPT)
        kept_off = "".join(f for f in off if f in _FLAGS_KEPT)
        self.i += j
        if ender == ")":
            self.flags.append(kept_on)  # global in Python: set for the whole pattern
            return None
        spec = kept_on + ("-" + kept_off if kept_off else "")
        return f"(?{spec}:" if spec else "(?:"

    def escape(self, in_class: bool = False) -> Tok:
        p, start = self.p, self.i
        c = p[start + 1 : start + 2]
        if not c:
            raise self.error("bad escape (end of pattern)")
        self.i = start + 2
        src = p[start : self.i]

        def char_tok(char: str) -> Tok:
            return Tok("lit", _char_out(char), p[start : self.i], char, is_word(char))

        if c in _SHORTHAND:
            out, inner, uni, uni_inner = _SHORTHAND[c]
            word = {"w": True, "d": True, "W": False, "s": False}.get(c)
            if in_class:
                return Tok("esc", inner, src, word=word, uni=uni_inner or _not_word())
            return Tok("esc", out, src, word=word, uni=uni)
        if c in "pP":
            if p[self.i : self.i + 1] == "{":
                end = p.find("}", self.i)
                if end < 0:
                    raise self.error("bad \\p{…} escape")
                self.i = end + 1
            else:
                self.i += 1
            return Tok("esc", p[start : self.i], p[start : self.i])
        if c.isdigit():
            digits = c
            while len(digits) < 3 and p[self.i : self.i + 1].isdigit():
                digits += p[self.i]
                self.i += 1
            if c == "0" or (len(digits) == 3 and all(d in "01234567" for d in digits)):
                octal = digits if c != "0" else digits[:3]
                return char_tok(chr(int(octal, 8)))
            if in_class:
                raise self.error(f"bad escape \\{digits}")
            raise unsupported(f"a backreference \\{digits}")
        if c in "gk" and not in_class:
            raise unsupported(f"a backreference \\{c}<…>")
        if c == "x":
            if p[self.i : self.i + 1] == "{":
                end = p.find("}", self.i)
                digits = p[self.i + 1 : end] if end > 0 else ""
                self.i = end + 1 if end > 0 else self.i
            else:
                digits = p[self.i : self.i + 2]
                self.i += 2
            return char_tok(self.code_point(digits, start))
        if c in "uU":
            n = 4 if c == "u" else 8
            digits = p[self.i : self.i + n]
            self.i += n
            return char_tok(self.code_point(digits, start, n))
        if c == "N":
            end = p.find("}", self.i)
            if p[self.i : self.i + 1] != "{" or end < 0:
                raise self.error("bad \\N{…} escape")
            name = p[self.i + 1 : end]
            self.i = end + 1
            try:
                return char_tok(unicodedata.lookup(name))
            except KeyError:
                raise self.error(f"unknown character name {name!r}") from None
        simple = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
        if c in simple:
            return char_tok(simple[c])
        if in_class:
            if c == "b":
                return char_tok("\b")
            if c.isascii() and c.isalpha():
                raise self.error(f"bad escape {src}")
            return char_tok(c)
        if c == "b":
            return Tok("bound", "\\b", src, char="b")
        if c == "B":
            return Tok("bound", "\\B", src, char="B")
        if c == "A":
            return Tok("bol", "\\A", src)
        if c in "Zz":
            return Tok("eol", "\\z", src)
        if c in "KGXRCmMhHVQE":
            names = {"K": "\\K (keep)", "G": "\\G", "X": "\\X (grapheme)", "C": "\\C (one byte)"}
            raise unsupported(names.get(c, f"the escape {src}"))
        if c.isascii() and c.isalnum():
            raise self.error(f"bad escape {src}")
        return char_tok(c)

    def code_point(self, digits: str, start: int, n: int = 0) -> str:
        try:
            if (n and len(digits) != n) or not digits:
                raise ValueError
            value = int(digits, 16)
            return chr(value)
        except ValueError:
            self.i = start
            raise self.error("bad character escape") from None

    def char_class(self) -> Tok:
        p, start = self.p, self.i
        self.i += 1
        out = uni = "["
        if self.peek() == "^":
            out = uni = "[^"
            self.i += 1
        first = True
        while True:
            c = self.peek()
            if not c:
                self.i = start
                raise self.error("unterminated character set")
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "[" and self.peek(1) == ":" and p.find(":]", self.i + 2) > 0:
                end = p.find(":]", self.i + 2)
                piece = piece_uni = p[self.i : end + 2]
                self.i = end + 2
            elif c == "\\":
                tok = self.escape(in_class=True)
                piece, piece_uni = tok.out, tok.uni or tok.out
            else:
                self.i += 1
                piece = piece_uni = _char_out(c) if c in "[\\" or not c.isprintable() else c
            out += piece
            uni += piece_uni
        return Tok("class", out + "]", p[start : self.i], uni=uni + "]")


@cache
def _not_word() -> str:
    """The complement of ``WORD`` as ranges, for ``\\W`` inside a class."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000 or is_word(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
