"""Checks on the rules of each code: every regex compiles for RE2 (the linear-time
engine pdcode runs them on), every token pattern is one spaCy's Matcher accepts,
no phrase is empty, every near-rule is usable."""

from __future__ import annotations

from typing import Any

Found = list[tuple[str, tuple[Any, ...], str]]
MAX_NEAR = 50


def _check_regex(items: Any, loc: tuple[Any, ...], found: Found) -> None:
    from pdcode.codebook.dialect import compile_regex
    from pdcode.codebook.regex_syntax import RegexProblem

    for i, pattern in enumerate(items if isinstance(items, list) else []):
        if not isinstance(pattern, str) or not pattern:
            found.append(("invalid-regex", (*loc, i), "a regex must be a non-empty string"))
            continue
        try:
            # Compiled as autocode compiles it (and cached): coding reuses it.
            compiled = compile_regex(pattern)
        except RegexProblem as exc:
            kind = "unsupported-regex" if exc.unsupported else "invalid-regex"
            found.append((kind, (*loc, i), f"{pattern!r}: {exc}"))
            continue
        if _matches_empty(pattern, compiled):
            found.append((
                "empty-match-regex",
                (*loc, i),
                f"{pattern!r} can match no text at all, so it would fire on segments that "
                "hold none of its words; make some part of it required (for example "
                "(coach|mentor), not (coach|mentor)?)",
            ))  # fmt: skip


def _matches_empty(pattern: str, compiled: Any) -> bool:
    """Whether ``pattern`` can match the empty string: its least width by Python's
    parser, or, for RE2 syntax that parser cannot read, an empty match found in a
    few short texts."""
    from pdcode.codebook.dialect import Subject

    try:
        from re import _parser  # type: ignore[attr-defined]

        least: int = _parser.parse(pattern).getwidth()[0]
        return least == 0
    except Exception:
        probes = ("", " ", "a", "a b", "é, é")
        return any(
            (span := compiled.search(Subject(text))) is not None and span[0] == span[1]
            for text in probes
        )


def _check_phrases(items: Any, loc: tuple[Any, ...], found: Found) -> None:
    for i, phrase in enumerate(items if isinstance(items, list) else []):
        if not isinstance(phrase, str) or not phrase.strip():
            found.append(("empty-phrase", (*loc, i), "empty phrase"))


def _check_patterns(items: Any, loc: tuple[Any, ...], found: Found) -> None:
    if not isinstance(items, list) or not items:
        return  # nothing for spaCy to check: not worth importing it (about a second)
    from spacy.matcher import Matcher

    from pdcode.nlp import make_nlp

    # The vocabulary is all the check needs: no lemma tables.
    matcher = Matcher(make_nlp(None, lemmas=False).vocab, validate=True)
    for i, pattern in enumerate(items):
        try:
            if not isinstance(pattern, list) or not pattern:
                raise ValueError("a pattern is a non-empty list of token specs")
            matcher.add(f"check{i}", [pattern])
        except Exception as exc:  # spaCy raises ValueError or MatchPatternError
            message = " ".join(str(exc).split())[:200]
            found.append(("invalid-pattern", (*loc, i), message))


def rule_problems(data: dict[str, Any]) -> Found:
    found: Found = []

    def walk(codes: Any, loc: tuple[Any, ...]) -> None:
        for i, code in enumerate(codes if isinstance(codes, list) else []):
            if not isinstance(code, dict):
                continue
            here = (*loc, i)
            rules = code.get("rules")
            if isinstance(rules, dict):
                _rules(rules, (*here, "rules"), found)
            walk(code.get("children"), (*here, "children"))

    walk(data.get("codes"), ("codes",))
    return found


def _rules(rules: dict[str, Any], loc: tuple[Any, ...], found: Found) -> None:
    _check_phrases(rules.get("phrases"), (*loc, "phrases"), found)
    _check_patterns(rules.get("patterns"), (*loc, "patterns"), found)
    _check_regex(rules.get("regex"), (*loc, "regex"), found)
    for i, near in enumerate(rules.get("near") or []):
        if not isinstance(near, dict):
            continue
        here = (*loc, "near", i)
        for side in ("a", "b"):
            if not near.get(side):
                found.append(("bad-near", (*here, side), f"near needs phrases in {side!r}"))
            _check_phrases(near.get(side), (*here, side), found)
        within = near.get("within", 5)
        if not isinstance(within, int) or not 1 <= within <= MAX_NEAR:
            found.append(("bad-near", (*here, "within"), f"within must be 1 to {MAX_NEAR} words"))
    exclude = rules.get("exclude_if")
    if isinstance(exclude, dict):
        here = (*loc, "exclude_if")
        _check_phrases(exclude.get("phrases"), (*here, "phrases"), found)
        _check_patterns(exclude.get("patterns"), (*here, "patterns"), found)
        _check_regex(exclude.get("regex"), (*here, "regex"), found)
    has_rule = any(rules.get(k) for k in ("phrases", "patterns", "regex", "near"))
    if not has_rule:
        found.append(("no-rules", loc, "rules has no phrases, patterns, regex or near"))
