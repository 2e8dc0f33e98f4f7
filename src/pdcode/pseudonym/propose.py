"""The key's rows: names proposed from a project's facts, merged with a key.

Where proposals come from (``found_in``):

- ``speaker``: speaker labels that are names (`detect.person_name`), whole and word
  by word (``Priya Das``, ``Priya``, ``Das``), accepted from the start;
- ``attribute``: attribute values with a capitalised word (``West Midlands``), of a
  kind the attribute's name suggests (``region``: place; ``interviewer``: person);
- ``case``: the distinctive words of case names the transcripts write capitalised
  (``Oakfield`` of ``case_oakfield``), schools, or trusts where the case name says
  so (``mat``, ``trust``). A case named after its own file says nothing new;
- ``list``: a user's list of names, accepted from the start;
- ``detected``: `detect.candidates`, with ``--detect``;
- ``case name``/``source name``: a case or source name with a replaced name in it
  (``case_oakfield`` to ``case_school_a``), made from the rows accepted or of a
  known kind when first proposed.

The forms of one name share its replacement: a person's name whole, without a
title and word by word; a school's name and its distinctive words. New names are
numbered in order of first appearance (sources by name, then offset): persons
``Person 1`` (a speaker: ``Interviewer 1``, or their source's role, ``Hub lead 1``),
schools ``School A``, trusts ``Trust A``, places ``Place A``, others ``Name 1``; a
number or letter an existing row uses is skipped. Existing rows keep everything
but their count; new rows follow them. The same inputs give the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import regex

from pdcode.pseudonym.apply import Matcher, normal
from pdcode.pseudonym.detect import (
    GENERIC,
    candidates,
    lower_words,
    name_parts,
    person_name,
)
from pdcode.pseudonym.identifiers import identifier_rows
from pdcode.pseudonym.key import KeyRow

ORIGINS = ("speaker", "attribute", "case", "list", "detected", "case name", "source name")
PREFIXES = {"school": "School", "trust": "Trust", "place": "Place", "other": "Name"}
LETTERED = ("school", "trust", "place")
PERSON_KEYS = frozenset(
    "interviewer interviewee researcher respondent participant person name speaker "
    "teacher head headteacher".split()
)
PLACE_KEYS = frozenset(
    "region location place town city county area country la local_authority borough "
    "district".split()
)
_ALNUM = regex.compile(r"[\p{L}\p{N}]+")
_CASE_GENERIC = frozenset(w.lower() for w in GENERIC) | {"case", "mat", "site", "hub"}


@dataclass(frozen=True)
class SourceFacts:
    """What proposals are made from, for one source."""

    name: str
    text: str
    case: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    # Each turn: where its text starts, its speaker label, whether the interviewer spoke.
    turns: tuple[tuple[int, str | None, bool], ...] = ()


@dataclass
class _Entry:
    """A name while proposals are gathered (mutable; the rows it becomes are not)."""

    original: str
    kind: str
    group: tuple[str, object]
    origins: set[str] = field(default_factory=set)
    strong: bool = False  # accepted from the start
    prefix: str | None = None
    row: KeyRow | None = None  # the existing row, if the key has one


class _Entries:
    def __init__(self) -> None:
        self.by_name: dict[str, _Entry] = {}

    def add(
        self,
        original: str,
        kind: str,
        origin: str,
        strong: bool = False,
        group: tuple[str, object] | None = None,
        prefix: str | None = None,
    ) -> _Entry:
        original = normal(original)
        group = group or _group(original, kind)
        entry = self.by_name.get(original)
        if entry is None:
            entry = self.by_name[original] = _Entry(original, kind, group, prefix=prefix)
        elif entry.row is None and entry.kind == "other" and kind != "other":
            entry.kind, entry.group = kind, group
        elif entry.row is None and entry.group == ("name", original) and group != entry.group:
            entry.group = group  # a word of a longer name takes that name's replacement
        entry.prefix = entry.prefix or prefix
        entry.origins.add(origin)
        entry.strong = entry.strong or strong
        return entry

    def person(self, name: str, origin: str, strong: bool, prefix: str | None = None) -> None:
        """A person's name, and each word of it, under one replacement."""
        from spacy.lang.en.stop_words import STOP_WORDS

        group = _group(name, "person")
        self.add(name, "person", origin, strong, group, prefix)
        for part in name_parts(name):
            # A name that is also a common word ("May", "Will") waits for a person's word.
            self.add(part, "person", origin, strong and part.lower() not in STOP_WORDS, group)


def _group(original: str, kind: str) -> tuple[str, object]:
    if kind == "person":
        parts = frozenset(p.casefold() for p in name_parts(original))
        return ("person", parts or original)
    return ("name", original)


def propose(
    sources: Sequence[SourceFacts],
    existing: Sequence[KeyRow] = (),
    names: Sequence[tuple[str, str | None]] = (),
    detect: bool = False,
) -> list[KeyRow]:
    """The key's rows: ``existing`` first, as they are but counted again, then new ones."""
    entries = _Entries()
    for row in existing:
        entry = entries.add(row.original, row.kind, "")
        entry.origins.discard("")
        entry.row = row
    for facts in sources:
        roles = dict(facts.attributes)
        for _start, speaker, interviewer in facts.turns:
            name = person_name(speaker) if speaker else None
            if name is not None:
                prefix = "Interviewer" if interviewer else _role(roles.get("role"))
                entries.person(name, "speaker", True, prefix)
    for facts in sources:
        _attributes(entries, facts.attributes)
    for name, kind in names:
        if (kind or "other") == "person":
            entries.person(name, "list", True)
        else:
            entries.add(name, kind or "other", "list", True)
    hints = _case_hints(sources)
    for token, kind in hints.items():
        form = _capitalised_form(token, sources)
        if form is not None:
            entries.add(form, kind, "case")
    if detect:
        lowercase = lower_words(f.text for f in sources)
        for facts in sources:
            for found in candidates(facts.text, _labels(facts), lowercase):
                group = None if found.whole == found.text else _group(found.whole, found.kind)
                if found.kind == "person":
                    group = _group(found.whole, "person")
                entries.add(found.text, found.kind, "detected", group=group)
    _join(entries, hints)
    return _rows(entries, sources)


def _role(role: str | None) -> str | None:
    """A role attribute as a pseudonym's stem: ``hub_lead`` is ``Hub lead``."""
    if role is None or not regex.fullmatch(r"[a-z][a-z_ -]*", role):
        return None
    return role.replace("_", " ").strip().capitalize() or None


def _attributes(entries: _Entries, attributes: Sequence[tuple[str, str]]) -> None:
    for key, value in attributes:
        if not any(w[0].isupper() and not w.isupper() for w in _ALNUM.findall(value)):
            continue  # identifiers and plain words ("hub_lead", "primary") name no one
        low = key.lower()
        if low in PERSON_KEYS:
            name = person_name(value)
            if name is not None:
                entries.person(name, "attribute", False)
            continue
        kind = "place" if low in PLACE_KEYS else "other"
        kind = {"school": "school", "trust": "trust", "mat": "trust"}.get(low, kind)
        entries.add(value, kind, "attribute")


def _case_hints(sources: Sequence[SourceFacts]) -> dict[str, str]:
    """Distinctive words of case names (lower case), each a school or a trust."""
    stems: dict[str, set[str]] = {}
    for facts in sources:
        if facts.case:
            stems.setdefault(facts.case, set()).add(facts.name.rsplit(".", 1)[0])
    hints: dict[str, str] = {}
    for case in sorted(stems):
        if case in stems[case]:
            continue  # named after its own file: the manifest's default, no name
        tokens = [t.lower() for t in _ALNUM.findall(case)]
        kind = "trust" if {"mat", "trust", "federation"} & set(tokens) else "school"
        for token in tokens:
            if len(token) > 2 and token.isalpha() and token not in _CASE_GENERIC:
                hints.setdefault(token, kind)
    return hints


def _capitalised_form(token: str, sources: Sequence[SourceFacts]) -> str | None:
    """How the transcripts write a case name's word with a capital, if they do."""
    pattern = regex.compile(
        rf"(?<![\p{{L}}\p{{N}}_])(?i:{regex.escape(token)})(?![\p{{L}}\p{{N}}_])"
    )
    for facts in sources:
        for match in pattern.finditer(facts.text):
            if match.group()[0].isupper():
                return match.group()
    return None


def _labels(facts: SourceFacts) -> list[tuple[int, int]]:
    """Where the speaker labels are: from each turn's line start to its text."""
    spans = []
    for start, speaker, _ in facts.turns:
        line = facts.text.rfind("\n", 0, start) + 1
        if speaker and line < start:
            spans.append((line, start))
    return spans


def _join(entries: _Entries, hints: dict[str, str]) -> None:
    """Give a name of unknown kind the group of the person whose words it is made
    of (``Priya`` of ``Priya Das``), or the kind its case name suggests."""
    people = [e.group for e in entries.by_name.values() if e.kind == "person"]
    for entry in entries.by_name.values():
        if entry.kind != "other" or entry.row is not None:
            continue
        words = frozenset(w.casefold() for w in name_parts(entry.original))
        owner = next((g for g in people if _within(words, g[1])), None)
        if owner is not None:
            entry.kind, entry.group = "person", owner
        elif entry.original.lower() in hints:
            entry.kind = hints[entry.original.lower()]


def _within(words: frozenset[str], parts: object) -> bool:
    return bool(words) and isinstance(parts, frozenset) and words <= parts


def _rows(entries: _Entries, sources: Sequence[SourceFacts]) -> list[KeyRow]:
    listed = list(entries.by_name.values())
    counts, first = _occurrences([e.original for e in listed], sources)
    never = (len(sources), 0)
    order = sorted(range(len(listed)), key=lambda i: (first[i] or never, i))
    chosen: dict[tuple[str, object], str] = {}
    for entry in listed:  # existing rows first, in the key's order
        if entry.row is not None and entry.row.replacement:
            chosen.setdefault(entry.group, entry.row.replacement)
    used = {e.row.replacement for e in listed if e.row is not None}
    prefixes: dict[tuple[str, object], str] = {}
    for i in order:
        if listed[i].prefix:
            prefixes.setdefault(listed[i].group, listed[i].prefix or "")
    numbers: dict[str, int] = {}
    for i in order:
        entry = listed[i]
        if entry.row is None and entry.group not in chosen:
            prefix = prefixes.get(entry.group, "Person") if entry.kind == "person" else None
            prefix = prefix or PREFIXES.get(entry.kind, "Name")
            chosen[entry.group] = _next(prefix, entry.kind in LETTERED, numbers, used)
    rows = [
        entry.row.model_copy(
            update={"count": counts[i], "found_in": _origins(entry.row.found_in, entry.origins)}
        )
        for i, entry in enumerate(listed)
        if entry.row is not None
    ]
    rows += [
        KeyRow(
            original=listed[i].original,
            replacement=chosen[listed[i].group],
            kind=listed[i].kind,  # type: ignore[arg-type]
            count=counts[i],
            found_in=_origins("", listed[i].origins),
            accept="yes" if listed[i].strong else "",
        )
        for i in order
        if listed[i].row is None
    ]
    return rows + identifier_rows(rows, [(f.name, f.case) for f in sources])


def _occurrences(
    names: Sequence[str], sources: Sequence[SourceFacts]
) -> tuple[list[int], list[tuple[int, int] | None]]:
    """How often each name replaces text (a case or source name: how many sources
    it names), and where it first does, as (source index, offset)."""
    counts = [0] * len(names)
    first: list[tuple[int, int] | None] = [None] * len(names)
    matcher = Matcher(names)
    for number, facts in enumerate(sources):
        for start, _end, index in matcher.finditer(facts.text):
            counts[index] += 1
            first[index] = first[index] or (number, start)
    named: dict[str, int] = {}
    for facts in sources:
        for name in (facts.name, facts.case):
            if name:
                named[normal(name)] = named.get(normal(name), 0) + 1
    return [c + named.get(normal(n), 0) for c, n in zip(counts, names, strict=True)], first


def _next(prefix: str, lettered: bool, numbers: dict[str, int], used: set[str]) -> str:
    """The next ``PREFIX N`` (or ``PREFIX A``) that no row uses yet."""
    n = numbers.get(prefix, 0)
    while True:
        n += 1
        label = f"{prefix} {_letters(n) if lettered else n}"
        if label not in used:
            numbers[prefix] = n
            used.add(label)
            return label


def _letters(n: int) -> str:
    """1 is A, 26 Z, 27 AA: as spreadsheets name columns."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def _origins(before: str, found: set[str]) -> str:
    known = {o.strip() for o in before.split(";") if o.strip()} | found
    return "; ".join(sorted(known, key=lambda o: (ORIGINS.index(o) if o in ORIGINS else 99, o)))
