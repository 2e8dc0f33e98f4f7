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


def validate_codebook(path: Path, require_rules: bool = True) -> list[Problem]:
    """Every problem in a codebook file, sorted by line; empty when it is sound.

    ``require_rules=False`` accepts leaves without rules: enough for human coding.
    """
    return _check(path, require_rules)[0]


def _check(path: Path, require_rules: bool) -> tuple[list[Problem], Any]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem("unreadable", name, None, None, "", str(exc))], None
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a safe loader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [Problem("yaml-syntax", name, line, None, "", str(exc).splitlines()[0])], None
    located = _Located(node, data)
    problems = []
    if not isinstance(data, dict):
        return [Problem("bad-value", name, 1, None, "", "a codebook is a mapping")], None
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
                if not _ID.match(ident):
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
