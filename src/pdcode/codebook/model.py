"""The codebook schema: pydantic models with ``extra="forbid"``.

Types and required fields are checked here; checks that need more than a type
(unique ids, compilable rules, codable leaves) live in ``validate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TokenPattern = list[dict[str, Any]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Near(_Model):
    """Any phrase of ``a`` within ``within`` words of any phrase of ``b``."""

    a: list[str] = Field(description="Phrases (matched on lemmas).")
    b: list[str] = Field(description="Phrases (matched on lemmas).")
    within: int = Field(5, description="Largest number of words between the two (1-50).")


class ExcludeIf(_Model):
    """Vetoes: if any of these matches in a segment, the code is not applied there."""

    phrases: list[str] = []
    patterns: list[TokenPattern] = []
    regex: list[str] = []


class Rules(_Model):
    """Ways a segment earns the code; any one rule is enough."""

    phrases: list[str] = Field([], description="Words or phrases, matched on lemmas, any case.")
    patterns: list[TokenPattern] = Field([], description="spaCy Matcher token patterns.")
    regex: list[str] = Field([], description="Regular expressions (case-insensitive).")
    near: list[Near] = []
    exclude_if: ExcludeIf | None = None


class Code(_Model):
    """A code; with ``children`` it is a group, which is not codable itself."""

    id: str = Field(description="snake_case, unique in the codebook.")
    name: str
    definition: str = ""
    include: str = Field("", description="When to use the code.")
    exclude: str = Field("", description="When not to use it.")
    examples: list[str] = []
    colour: str | None = Field(None, description="#RRGGBB")
    rules: Rules | None = None
    children: list[Code] = []

    @property
    def is_group(self) -> bool:
        return bool(self.children)


class Codebook(_Model):
    name: str
    version: str
    description: str = ""
    codes: list[Code]


def iter_codes(book: Codebook) -> Iterator[tuple[Code, str | None]]:
    """Every code with its parent's id, depth first in book order."""

    def walk(codes: list[Code], parent: str | None) -> Iterator[tuple[Code, str | None]]:
        for code in codes:
            yield code, parent
            yield from walk(code.children, code.id)

    yield from walk(book.codes, None)


def leaves(book: Codebook) -> list[Code]:
    return [code for code, _ in iter_codes(book) if not code.is_group]


def json_schema() -> dict[str, Any]:
    return Codebook.model_json_schema()
