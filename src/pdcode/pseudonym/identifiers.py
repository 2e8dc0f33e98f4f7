"""Case and source names with a name in them: ``case_oakfield``, ``ana_notes.txt``.

Such names are identifiers, written in lower case with ``_``, ``-`` or ``.`` between
words, so a name is looked for in them without regard to case and at word
boundaries where ``_`` also separates (``oakfield`` in ``s3_oakfield_head.docx``, but
not ``ana`` in ``analysis.txt``); the words of a name may be joined or separated
(``northstar``, ``north_star``). Each is replaced by its replacement's words joined
with ``_``, in lower case where the name was (``s3_school_a_head.docx``).

The rows made are ordinary rows of the key, matched as whole words like any other,
so the name is replaced wherever an export writes it: a column, an attribution
line, a heading.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from pdcode.pseudonym.apply import normal
from pdcode.pseudonym.key import KeyRow

_ALNUM = regex.compile(r"[\p{L}\p{N}]+")


def _squashed(text: str) -> str:
    return "".join(_ALNUM.findall(text)).casefold()


class Renamer:
    """Replaces the names of some rows inside identifiers."""

    def __init__(self, rows: Sequence[KeyRow]) -> None:
        self.rows = list(rows)
        self._keys: dict[str, int] = {}
        for i, row in enumerate(self.rows):
            self._keys.setdefault(_squashed(row.original), i)
        forms = sorted(
            {r"[^\p{L}\p{N}]*".join(map(regex.escape, _ALNUM.findall(r.original))) for r in rows},
            key=lambda f: (-len(f), f),
        )
        forms = [f for f in forms if f]
        self._pattern = (
            regex.compile(rf"(?<![\p{{L}}\p{{N}}])(?i:{'|'.join(forms)})(?![\p{{L}}\p{{N}}])")
            if forms
            else None
        )

    def rename(self, name: str) -> tuple[str, list[KeyRow]]:
        """``name`` with the names in it replaced, and the rows that replaced them."""
        if self._pattern is None:
            return name, []
        parts: list[str] = []
        used: list[KeyRow] = []
        done = 0
        for match in self._pattern.finditer(name):
            row = self.rows[self._keys[_squashed(match.group())]]
            used.append(row)
            text = "_".join(_ALNUM.findall(row.replacement))
            parts += [name[done : match.start()], text.lower() if match.group().islower() else text]
            done = match.end()
        return "".join(parts) + name[done:], used


def identifier_rows(
    rows: Sequence[KeyRow], sources: Sequence[tuple[str, str | None]]
) -> list[KeyRow]:
    """New rows for the case names, then the source names (``sources``: each
    source's name and case), that hold a name of ``rows``; made from rows not
    refused that are accepted or of a known kind (not ``other``). A row is
    accepted when all the rows it was made from are; its count is how many sources
    it names."""
    usable = [
        r
        for r in rows
        if r.accept != "no"
        and r.replacement
        and r.kind not in ("case", "source")
        and (r.accept == "yes" or r.kind != "other")
    ]
    renamer = Renamer(usable)
    taken = {normal(r.original) for r in rows}
    cases = sorted({case for _, case in sources if case})
    names = [(c, "case") for c in cases] + [(s, "source") for s, _ in sorted(sources)]
    out: list[KeyRow] = []
    for name, kind in names:
        if normal(name) in taken:
            continue
        derived, used = renamer.rename(name)
        if derived == name:
            continue
        taken.add(normal(name))
        out.append(
            KeyRow(
                original=name,
                replacement=derived,
                kind=kind,  # type: ignore[arg-type]
                count=sum(1 for s, c in sources if name in (s, c)),
                found_in=f"{kind} name",
                accept="yes" if all(r.accept == "yes" for r in used) else "",
            )
        )
    return out
