"""Changes to a codebook's codes (rename, merge, move, retire), made to its YAML text
so that the comments, the key order and the layout a person wrote survive.

Pure: text in, text out. The YAML is edited in ruamel.yaml's round-trip mode, then
checked with the same loader as any codebook, so an edit can never leave a book
that ``pdcode code`` (or, for a book without rules, ``codings import``) refuses.
The same change applied to a codebook's stored code rows (``edit_rows``) keeps
older loads of the book in step with its YAML.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from difflib import get_close_matches
from typing import Any

from pdcode.codebook.model import Code, Codebook, iter_codes
from pdcode.codebook.validate import _ID, load_codebook_text
from pdcode.errors import CodebookError, UsageError
from pdcode.records import NewCode

# The end-of-line comment on the id of a retired code: the project keeps which codes
# are retired; the comment tells whoever reads the file.
RETIRED = "retired: its codings are kept; pdcode code no longer applies it"
# The rules a merge carries over; vetoes are not (see ``_carry_rules``).
_RULE_LISTS = ("phrases", "patterns", "regex", "near")


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    name: str | None = None  # a new display name too


@dataclass(frozen=True)
class Merge:
    codes: tuple[str, ...]  # as given; ``into`` may be one of them
    into: str
    name: str | None = None  # needed when ``into`` is a new code


@dataclass(frozen=True)
class Move:
    code: str
    parent: str | None  # None: to the top level


@dataclass(frozen=True)
class Retire:
    codes: tuple[str, ...]  # a code and every code under it
    undo: bool = False


Change = Rename | Merge | Move | Retire


@dataclass(frozen=True)
class Edited:
    text: str
    notes: tuple[str, ...] = ()  # what the edit could not carry over, one line each


def recodes(change: Change) -> dict[str, str]:
    """The code ids whose codings take another id: old id -> new id."""
    if isinstance(change, Rename):
        return {change.old: change.new}
    if isinstance(change, Merge):
        return {c: change.into for c in change.codes if c != change.into}
    return {}


def subtree(book: Codebook, code: str) -> tuple[str, ...]:
    """``code`` and every code under it, in book order."""
    node = _code(book, code)
    return tuple(c.id for c, _ in iter_codes(Codebook(name="", version="", codes=[node])))


def without_rules(book: Codebook, codes: set[str]) -> Codebook:
    """``book`` with the rules of ``codes`` taken out: a rules run skips them."""

    def strip(items: list[Code]) -> list[Code]:
        return [
            c.model_copy(
                update={"rules": None if c.id in codes else c.rules, "children": strip(c.children)}
            )
            for c in items
        ]

    return book.model_copy(update={"codes": strip(book.codes)})


# -- checks on the book before anything is edited -------------------------------------


def _code(book: Codebook, code: str) -> Code:
    found = {c.id: c for c, _ in iter_codes(book)}
    if code not in found:
        near = get_close_matches(code, list(found), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise UsageError(f"no code {code!r} in codebook {book.name}{hint}")
    return found[code]


def check(book: Codebook, change: Change) -> None:
    """Refuse a change the book cannot take, in one line; touches nothing."""
    parents = {c.id: p for c, p in iter_codes(book)}
    if isinstance(change, Rename):
        _code(book, change.old)
        _new_id(book, change.new)
    elif isinstance(change, Merge):
        if len(set(change.codes) - {change.into}) < 1:
            raise UsageError("name at least one code to merge into another")
        for code in change.codes:
            if _code(book, code).is_group:
                raise CodebookError(f"{code} is a group: move or merge the codes under it first")
        if change.into in parents:
            if _code(book, change.into).is_group:
                raise CodebookError(f"{change.into} is a group: merge into a code without children")
        else:
            _new_id(book, change.into)
            if not change.name:
                raise UsageError(f"{change.into} is a new code: give its name with --name")
    elif isinstance(change, Move):
        _code(book, change.code)
        if change.parent is None:
            if parents[change.code] is None:
                raise CodebookError(f"{change.code} is at the top level already")
            return
        target = _code(book, change.parent)
        if change.parent in subtree(book, change.code):
            raise CodebookError(f"{change.code} cannot go under {change.parent}, which is in it")
        if parents[change.code] == change.parent:
            raise CodebookError(f"{change.code} is under {change.parent} already")
        if target.rules is not None and not target.is_group:
            raise CodebookError(
                f"{change.parent} has rules: a code with codes under it is a group, which "
                "rules do not code; move under a group"
            )
    else:
        for code in change.codes:
            _code(book, code)


def _new_id(book: Codebook, code: str) -> None:
    if not _ID.fullmatch(code):
        raise UsageError(f"code id {code!r} is not snake_case (like trust_building)")
    if code in {c.id for c, _ in iter_codes(book)}:
        raise CodebookError(f"{book.name} has a code {code!r} already: merge into it instead")


# -- the YAML ------------------------------------------------------------------------


def edit_text(text: str, change: Change, label: str, strict: bool) -> Edited:
    """``text`` (a codebook's YAML) with ``change`` made. ``strict``: the result must
    also pass the checks of a rules run (every leaf has rules)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, dash = load_yaml_guess_indent(text)
    if indent is None:  # no block list to learn from: the shipped books' layout
        indent, dash = 4, 2
    dash = dash or 0
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long definition or regex
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # [{LOWER: a}] stays as written
    yaml.indent(mapping=max(indent - dash, 2), sequence=indent, offset=dash)
    data = yaml.load(text)
    notes: list[str] = []
    if isinstance(change, Rename):
        _rename(data, change.old, change.new, change.name)
    elif isinstance(change, Merge):
        notes += _merge(data, change)
    elif isinstance(change, Move):
        _move(data, change, indent, dash)
    else:
        for code in change.codes:
            _mark_retired(_find(data, code)[2], change.undo)
    out = io.StringIO()
    yaml.dump(data, out)
    edited = out.getvalue()
    if "\r\n" in text:
        edited = edited.replace("\r\n", "\n").replace("\n", "\r\n")
    load_codebook_text(edited, f"{label} once edited", require_rules=strict)
    return Edited(edited, tuple(notes))


def _walk(items: Any, parent: Any) -> Iterator[tuple[Any, int, Any, Any]]:
    """(the list holding it, its index, the code's mapping, the parent's mapping)."""
    for i, item in enumerate(items or []):
        yield items, i, item, parent
        yield from _walk(item.get("children"), item)


def _find(data: Any, code: str) -> tuple[Any, int, Any, Any]:
    for found in _walk(data["codes"], None):
        if found[2].get("id") == code:
            return found
    raise CodebookError(f"no code {code!r} in the YAML")  # check() ran on the same text


def _set(node: Any, key: str, value: Any, after: str) -> None:
    """Set ``key``, in place if present, else right after ``after``."""
    if key in node:
        node[key] = value
    else:
        node.insert(list(node).index(after) + 1, key, value)


def _rename(data: Any, old: str, new: str, name: str | None) -> None:
    node = _find(data, old)[2]
    node["id"] = new
    if name:
        _set(node, "name", name, "id")


def _merge(data: Any, change: Merge) -> list[str]:
    notes: list[str] = []
    sources = [c for c in change.codes if c != change.into]
    if not any(found[2].get("id") == change.into for found in _walk(data["codes"], None)):
        # A new code takes the place, definition and colour of the first one named:
        # merging into it, then renaming it.
        first = sources.pop(0)
        _rename(data, first, change.into, change.name)
    elif change.name:
        _set(_find(data, change.into)[2], "name", change.name, "id")
    target = _find(data, change.into)[2]
    for code in sources:
        items, index, node, parent = _find(data, code)
        _carry(target, node, "examples")
        notes += _carry_rules(target, node, code, change.into)
        del items[index]
        if not items and parent is not None:
            del parent["children"]
    return notes


def _carry(target: Any, node: Any, key: str) -> None:
    """Add the items of ``node[key]`` that ``target[key]`` lacks."""
    extra = node.get(key) or []
    if not extra:
        return
    have = target.get(key)
    if have is None:
        _set(target, key, copy.deepcopy(extra), _last_key(target, key))
        return
    if have.anchor.value is not None:
        # An anchored list is also every alias of it: extend a copy of our own.
        have = _copy_seq(have)
        target[key] = have
    for item in extra:
        if item not in have:
            have.append(copy.deepcopy(item))


def _copy_seq(seq: Any) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    fresh = CommentedSeq(list(seq))
    if seq.fa.flow_style():
        fresh.fa.set_flow_style()
    return fresh


def _last_key(target: Any, key: str) -> str:
    """The key a new ``key`` goes after: the book's field order where it can."""
    order = ("id", "name", "definition", "include", "exclude", "examples", "colour", "rules")
    earlier = [k for k in order[: order.index(key)] if k in target] if key in order else []
    return earlier[-1] if earlier else list(target)[-1]


def _carry_rules(target: Any, node: Any, code: str, into: str) -> list[str]:
    """Give ``target`` the rules of ``node`` that earn a code. Vetoes (``exclude_if``)
    stay behind: on ``target`` they would veto its own rules too."""
    rules = node.get("rules")
    if not rules:
        return []
    if target.get("rules") is None:
        from ruamel.yaml.comments import CommentedMap

        _set(target, "rules", CommentedMap(), _last_key(target, "rules"))
    mine = target["rules"]
    for key in _RULE_LISTS:
        if rules.get(key):
            if key not in mine:
                mine.insert(_rule_position(mine, key), key, copy.deepcopy(rules[key]))
            else:
                _carry(mine, rules, key)
    if rules.get("exclude_if"):
        return [
            f"the vetoes (exclude_if) of {code} were not carried to {into}: there they "
            f"would veto {into}'s own rules too; add by hand those that still apply"
        ]
    return []


def _rule_position(rules: Any, key: str) -> int:
    """Where a new rule list goes: before the vetoes, in the book's order."""
    keys = list(rules)
    return keys.index("exclude_if") if "exclude_if" in keys else len(keys)


def _move(data: Any, change: Move, indent: int, dash: int) -> None:
    items, index, node, parent = _find(data, change.code)
    before = items.ca.items.get(index)  # comment lines above the code travel with it
    del items[index]
    if not items and parent is not None:
        del parent["children"]
    if change.parent is None:
        target, depth = data["codes"], 0
    else:
        home = _find(data, change.parent)[2]
        if home.get("children") is None:
            from ruamel.yaml.comments import CommentedSeq

            _set(home, "children", CommentedSeq(), list(home)[-1])
        target, depth = home["children"], _depth(data, change.parent) + 1
    target.append(node)
    lines = [t.value.strip() for t in (before[1] or [])] if before else []
    lines = [line.lstrip("#").strip() for line in lines if line.startswith("#")]
    if lines:
        target.yaml_set_comment_before_after_key(
            len(target) - 1, before="\n".join(lines), indent=dash + indent * depth
        )


def _depth(data: Any, code: str) -> int:
    depth, parent = 0, _find(data, code)[3]
    while parent is not None:
        depth, parent = depth + 1, _find(data, parent["id"])[3]
    return depth


def _mark_retired(node: Any, undo: bool) -> None:
    """Put the retired comment on the code's id line (or take it off), keeping a
    comment already there after it, and the comment lines below it."""
    entry = node.ca.items.get("id")
    token = entry[2] if entry else None
    if token is None:
        if not undo:
            node.yaml_add_eol_comment(f"# {RETIRED}", "id")
        return
    # The token holds the end-of-line comment and any comment lines under it.
    first, newline, below = token.value.partition("\n")
    said = first.strip().removeprefix("#").strip()
    if said.startswith(RETIRED):
        said = said.removeprefix(RETIRED).lstrip("; ").strip()
    if not undo:
        said = f"{RETIRED}; {said}" if said else RETIRED
    # A comment put where there was none stands two spaces from the id, as usual.
    lead = "" if first.strip() else " "
    token.value = (f"{lead}# {said}" if said else "") + newline + below


# -- the stored codes of older loads --------------------------------------------------


def edit_rows(rows: Sequence[NewCode], change: Change) -> list[NewCode]:
    """The codes of an older load of the book (in position order) with ``change``
    made as far as that load has the codes it names."""
    mapping = recodes(change)
    found = list(rows)
    if isinstance(change, Merge):
        present = [r.code for r in found]
        if change.into not in present:
            first = next((c for c in present if c in mapping), None)
            mapping = {k: v for k, v in mapping.items() if k != first}
            found = [replace(r, code=change.into) if r.code == first else r for r in found]
        found = [r for r in found if r.code not in mapping]
    out = []
    for row in found:
        parent = mapping.get(row.parent, row.parent) if row.parent is not None else None
        code = mapping.get(row.code, row.code)
        if isinstance(change, Move) and row.code == change.code:
            parent = change.parent
        name = row.name
        if isinstance(change, Rename | Merge) and change.name and code == _target(change):
            name = change.name
        out.append(replace(row, code=code, parent=parent, name=name))
    parents = {r.parent for r in out}
    return [replace(r, is_group=r.code in parents) for r in out]


def _target(change: Rename | Merge) -> str:
    return change.new if isinstance(change, Rename) else change.into
