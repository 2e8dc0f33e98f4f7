"""Loading a codebook and reporting every problem with its place.

Like frictionless, validation returns problems as data (type, file, line, code id,
path, message) rather than stopping at the first; the CLI only renders them. Lines
come from the YAML node tree, so a problem deep in a code points at its line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pdcode.codebook.model import Codebook
from pdcode.errors import CodebookError
from pdcode.limits import env_name, over

_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_PYDANTIC_TYPES = {
    "extra_forbidden": "unknown-key",
    "missing": "missing-field",
}


@dataclass(frozen=True)
class Problem:
    type: str
    file: str
    line: int | None
    code_id: str | None
    path: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        where = f" [{self.code_id}]" if self.code_id else ""
        return f"{place}{where}: {self.type}: {self.message}"


def content_hash(path: Path) -> str:
    """sha256 of the codebook file's bytes: any edit, even a comment, is a new content."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Located:
    """Maps a location path in the loaded data to its YAML line and enclosing code id."""

    def __init__(self, node: yaml.Node | None, data: Any) -> None:
        self.node = node
        self.data = data

    def line(self, loc: tuple[Any, ...]) -> int | None:
        node = self.node
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        # An unknown key is best shown on its own line.
                        child = key if part == loc[-1] else value
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node = child
        return None if node is None else node.start_mark.line + 1

    def code_id(self, loc: tuple[Any, ...]) -> str | None:
        data, found = self.data, None
        for part in loc:
            try:
                data = data[part]
            except (KeyError, IndexError, TypeError):
                break
            if isinstance(data, dict) and isinstance(data.get("id"), str) and "name" in data:
                found = data["id"]
        return found


# libyaml's loader when present: same safe subset of YAML, several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# YAML levels beyond two per level of codes (a mapping and its children list)
# for the rules inside a leaf and the book around the tree.
YAML_DEPTH_MARGIN = 16


def validate_codebook(path: Path, require_rules: bool = True) -> list[Problem]:
    """Every problem in a codebook file, sorted by line; empty when it is sound.

    ``require_rules=False`` accepts leaves without rules: enough for human coding.
    """
    return _check(path, require_rules)[0]


def _check(path: Path, require_rules: bool) -> tuple[list[Problem], Any]:
    from pdcode.errors import InputError
    from pdcode.ingest.regular import read_regular

    name = str(path)
    try:
        text = read_regular(path).decode("utf-8")  # a regular file only: never a FIFO
    except InputError as exc:
        return [Problem("unreadable", name, None, None, "", exc.reason)], None
    except UnicodeDecodeError as exc:
        return [Problem("unreadable", name, None, None, "", str(exc))], None
    return _check_text(text, name, require_rules)


def _check_text(text: str, name: str, require_rules: bool) -> tuple[list[Problem], Any]:
    try:
        # Budgets first, on the parser's events: composing or loading a file
        # nested too deep, or one whose aliases expand too far, is the danger.
        breach = _yaml_budget(text, name)
        if breach is not None:
            return [breach], None
        node, data = _compose_and_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        if "maximum nesting depth" in str(exc):
            # Newer libyaml stops deep nesting itself (at 1,000 levels), before
            # the budget above sees it: the same problem, said the same way.
            return [Problem("too-deep", name, line, None, "", _too_deep_yaml())], None
        return [Problem("yaml-syntax", name, line, None, "", str(exc).splitlines()[0])], None
    located = _Located(node, data)
    problems = []
    if not isinstance(data, dict):
        return [Problem("bad-value", name, 1, None, "", "a codebook is a mapping")], None
    deep = _too_deep(data.get("codes"))
    if deep is not None:
        limit = _limits().code_depth
        message = over(f"codes nested {limit + 1} deep:", limit, "levels", "code_depth")
        return [Problem("too-deep", name, located.line(deep), located.code_id(deep), _path(deep),
                        message)], None  # fmt: skip
    try:
        Codebook.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            kind = _PYDANTIC_TYPES.get(error["type"], "bad-value")
            message = f"unknown key {loc[-1]!r}" if kind == "unknown-key" else error["msg"]
            problems.append(
                Problem(kind, name, located.line(loc), located.code_id(loc), _path(loc), message)
            )
    from pdcode.codebook.rules import rule_problems

    problems += [
        Problem(kind, name, located.line(loc), located.code_id(loc), _path(loc), message)
        for kind, loc, message in _code_problems(data) + rule_problems(data)
        if require_rules or kind != "no-rules"
    ]
    unique = sorted(set(problems), key=lambda p: (p.line or 0, p.path, p.type))
    return unique, data


def _compose_and_load(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for lines) and the data built from it, in one parse; a safe
    loader: no arbitrary objects."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _limits() -> Any:
    from pdcode.limits import Limits

    return Limits.from_env()


def _too_deep_yaml() -> str:
    """The message for YAML nested deeper than the deepest codebook could need."""
    limits = _limits()
    max_depth = 2 * limits.code_depth + YAML_DEPTH_MARGIN
    return (
        f"YAML nested deeper than {max_depth} levels, more than codes {limits.code_depth} "
        f"deep need (set {env_name('code_depth')} to change it)"
    )


def _yaml_budget(text: str, name: str) -> Problem | None:
    """The first budget the YAML breaks, counted on the parser's events without
    building anything: nodes after alias expansion (an alias counts as a copy of
    what it names, so a few hundred bytes cannot stand for billions of nodes),
    nesting depth (aliases included), and aliases to a node that contains them
    (a cycle, which no codebook needs)."""
    limits = _limits()
    max_nodes = limits.yaml_nodes
    max_depth = 2 * limits.code_depth + YAML_DEPTH_MARGIN
    # per open collection: [anchor, expanded nodes, height]
    stack: list[list[Any]] = []
    done: dict[str, tuple[int, int]] = {}  # anchor -> (expanded nodes, height)
    total = 0
    too_deep = _too_deep_yaml()

    def breach(kind: str, event: Any, message: str) -> Problem:
        return Problem(kind, name, event.start_mark.line + 1, None, "", message)

    def add(nodes: int, height: int) -> None:
        if stack:
            stack[-1][1] += nodes
            stack[-1][2] = max(stack[-1][2], height + 1)

    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    opening = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    event: Any
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is scalar:  # most events: kept cheap
            total += 1
            if event.anchor:
                done[event.anchor] = (1, 0)
            if stack:
                top = stack[-1]
                top[1] += 1
                top[2] = top[2] or 1
        elif kind is alias:
            anchor = event.anchor
            if any(frame[0] == anchor for frame in stack):
                return breach("yaml-cycle", event, f"alias *{anchor} refers to a node holding it")
            nodes, height = done.get(anchor or "", (0, 0))
            if len(stack) + height > max_depth:
                return breach("too-deep", event, too_deep)
            total += nodes
            add(nodes, height)
        elif kind in opening:
            total += 1
            stack.append([event.anchor, 1, 0])
            if len(stack) > max_depth:
                return breach("too-deep", event, too_deep)
        elif kind in closing:
            frame = stack.pop()
            if frame[0]:
                done[frame[0]] = (frame[1], frame[2])
            add(frame[1], frame[2])
        if total > max_nodes:
            message = (
                f"more than {max_nodes:,} YAML nodes once aliases are expanded "
                f"(set {env_name('yaml_nodes')} to change it)"
            )
            return breach("too-large", event, message)
    return None


def _too_deep(codes: Any) -> tuple[Any, ...] | None:
    """Where the code tree first nests deeper than the limit, or None."""
    limit = _limits().code_depth
    pending: list[tuple[Any, tuple[Any, ...], int]] = [(codes, ("codes",), 1)]
    while pending:
        items, loc, depth = pending.pop()
        for i, code in enumerate(items if isinstance(items, list) else []):
            if not isinstance(code, dict):
                continue
            if depth > limit:
                return (*loc, i)
            pending.append((code.get("children"), (*loc, i, "children"), depth + 1))
    return None


def _code_problems(data: dict[str, Any]) -> list[tuple[str, tuple[Any, ...], str]]:
    found: list[tuple[str, tuple[Any, ...], str]] = []
    seen: dict[str, tuple[Any, ...]] = {}

    def walk(codes: Any, loc: tuple[Any, ...]) -> None:
        if not isinstance(codes, list):
            return
        for i, code in enumerate(codes):
            here = (*loc, i)
            if not isinstance(code, dict):
                continue
            ident = code.get("id")
            if isinstance(ident, str):
                if not _ID.fullmatch(ident):
                    found.append(("bad-id", (*here, "id"), f"id {ident!r} is not snake_case"))
                if ident in seen:
                    found.append(("duplicate-id", (*here, "id"), f"id {ident!r} is used twice"))
                seen.setdefault(ident, here)
            colour = code.get("colour")
            if colour is not None and not (isinstance(colour, str) and _COLOUR.match(colour)):
                found.append(("bad-colour", (*here, "colour"), f"colour {colour!r} is not #RRGGBB"))
            children = code.get("children") or []
            if not children and not code.get("rules"):
                found.append(("no-rules", here, "a code with no children needs rules"))
            walk(children, (*here, "children"))

    walk(data.get("codes"), ("codes",))
    return found


def load_codebook(path: Path, require_rules: bool = True) -> Codebook:
    """The codebook in ``path``, or a ``CodebookError`` listing every problem."""
    problems, data = _check(path, require_rules)
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise CodebookError(f"{path}: {len(problems)} problem(s)\n{listing}")
    return Codebook.model_validate(data)


def load_codebook_text(text: str, name: str, require_rules: bool = True) -> Codebook:
    """The codebook whose YAML is ``text`` (a codebook stored in a project, say:
    untrusted, so checked under the same budgets as a file), or a
    ``CodebookError`` listing every problem; ``name`` stands for the file."""
    problems, data = _check_text(text, name, require_rules)
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise CodebookError(f"{name}: {len(problems)} problem(s)\n{listing}")
    return Codebook.model_validate(data)


def read_stored(text: str, name: str) -> Any:
    """The data of a codebook's stored YAML, or None if it breaks a budget or is
    not YAML. The text may come from a project made elsewhere (untrusted): it is
    counted before it is built and loaded with the safe loader only."""
    try:
        if _yaml_budget(text, name) is not None:
            return None
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
