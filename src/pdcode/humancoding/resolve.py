"""Joining imported coding rows to the project's sources and codes.

Every row ends either as a coding or as a problem naming its line: unknown
sources, unknown codes, quotes that cannot be found, spans outside the text.
A quote found more than once is coded at its first place, with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pdcode.humancoding.locate import Locator
from pdcode.humancoding.tables import CodingRow, Problem


@dataclass(frozen=True)
class ResolvedCoding:
    source: str
    start: int
    end: int
    code: str
    line: int


@dataclass(frozen=True)
class Resolved:
    codings: tuple[ResolvedCoding, ...]
    problems: tuple[Problem, ...]  # rows not imported
    warnings: tuple[Problem, ...]  # rows imported with a caveat


def resolve_codings(
    rows: Sequence[CodingRow],
    texts: Mapping[str, str],
    known_codes: Mapping[str, str],
    file: str,
    occurrences: Mapping[int, int] | None = None,
) -> Resolved:
    """``known_codes`` maps code ids and casefolded names to ids; ``occurrences``
    picks, per row line, which occurrence of its quote is meant (Word comments)."""
    locators: dict[str, Locator] = {}
    codings: list[ResolvedCoding] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for row in rows:
        text = texts.get(row.source)
        if text is None:
            problems.append(Problem("unknown-source", file, row.line, f"no source {row.source!r}"))
            continue
        code = known_codes.get(row.code) or known_codes.get(row.code.casefold())
        if code is None:
            problems.append(Problem("unknown-code", file, row.line, f"no code {row.code!r}"))
            continue
        if row.quote is not None:
            locator = locators.setdefault(row.source, Locator(text))
            found = locator.find(row.quote, (occurrences or {}).get(row.line))
            if found is None:
                # The quote is interview text: say where and how long, never what.
                reason = f"quote of {len(row.quote)} characters not found in {row.source}"
                problems.append(Problem("quote-not-found", file, row.line, reason))
                continue
            if found.occurrences > 1 and not occurrences:
                warnings.append(
                    Problem(
                        "ambiguous-quote",
                        file,
                        row.line,
                        f"found {found.occurrences} times in {row.source}; used the first",
                    )
                )
            start, end = found.start, found.end
        else:
            assert row.start is not None and row.end is not None
            start, end = row.start, row.end
            if end > len(text):
                problems.append(
                    Problem("bad-offset", file, row.line, f"span {start}-{end} is outside the text")
                )
                continue
        codings.append(ResolvedCoding(row.source, start, end, code, row.line))
    return Resolved(tuple(codings), tuple(problems), tuple(warnings))
