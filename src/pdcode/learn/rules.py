"""A codebook's rules as extra features of a suggestion model.

``RuleFeatures`` adds one column per leaf code of a codebook, in its order: 1.0
where the codebook's rules fire on the unit's text (``pdcode code`` would code
it), 0.0 where they do not. The columns are plain 0/1, unscaled: the TF-IDF
blocks are L2-normalised per unit, so each of their values is at most 1, and a
rule column of 0 or 1 sits on the same scale without a fitted scaler that a
saved model would have to carry.

What a saved model keeps is the codebook's name, version and content hash and
its codes in column order (``BookRef``, ``codes``); the rules themselves come
from the codebook, which the caller finds by content hash and attaches
(``from_codebook``). A model without them attached cannot transform text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pdcode.codebook.model import Codebook

RULE_PREFIX = "rule:"  # a rule column's name among a model's terms: rule:CODE
SCALING = "0/1"  # how a rule column's value is made; saved with the model

Hits = Callable[[Sequence[str]], Iterable[Iterable[str]]]


@dataclass(frozen=True)
class BookRef:
    """Which codebook: its name, version and sha256 of its file's bytes."""

    name: str
    version: str
    content_hash: str

    def __str__(self) -> str:
        return f"{self.name}@{self.version} (sha256 {self.content_hash[:12]})"


@dataclass(frozen=True, eq=False)
class RuleFeatures:
    """The rule columns of a model: ``codes`` of codebook ``book``, in column order.

    ``hits`` gives, for each text, the codes whose rules fire on it; it is not
    saved (``from_codebook`` attaches it). Texts already seen are not coded again
    (a cross-validation transforms the same texts many times)."""

    book: BookRef
    codes: tuple[str, ...]
    hits: Hits | None = field(default=None, repr=False)
    _seen: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.codes or len(set(self.codes)) != len(self.codes):
            raise ValueError("rule codes must be a non-empty list without repeats")

    @property
    def names(self) -> tuple[str, ...]:
        """The columns' names among a model's terms: ``rule:CODE``."""
        return tuple(RULE_PREFIX + c for c in self.codes)

    @property
    def attached(self) -> bool:
        return self.hits is not None

    def matrix(self, texts: Sequence[str]) -> Any:
        """A CSR matrix, texts x codes, float64: 1.0 where the code's rules fire."""
        import scipy.sparse as sp

        if self.hits is None:
            raise RuntimeError(
                f"the rules of codebook {self.book} are not attached: load the codebook first"
            )
        new = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if new:
            for text, fired in zip(new, self.hits(new), strict=True):
                self._seen[text] = frozenset(fired)
        column = {code: j for j, code in enumerate(self.codes)}
        dense = np.zeros((len(texts), len(self.codes)), dtype=np.float64)
        for i, text in enumerate(texts):
            for code in self._seen[text]:
                j = column.get(code)
                if j is not None:
                    dense[i, j] = 1.0
        return sp.csr_matrix(dense, dtype=np.float64)

    def attach(self, hits: Hits) -> RuleFeatures:
        """The same columns with ``hits`` to compute them."""
        return RuleFeatures(self.book, self.codes, hits)


def from_codebook(book: Codebook, content_hash: str) -> RuleFeatures:
    """Rule columns for every leaf code of ``book``, computed by its ``RuleCoder``
    (built on first use: it loads spaCy)."""
    codes = leaf_codes(book)
    coder: list[Any] = []

    def hits(texts: Sequence[str]) -> list[list[str]]:
        from pdcode.autocode import RuleCoder

        if not coder:
            coder.append(RuleCoder(book))
        return [[h.code_id for h in found] for found in coder[0].code(texts)]

    return RuleFeatures(BookRef(book.name, book.version, content_hash), codes, hits)


def leaf_codes(book: Codebook) -> tuple[str, ...]:
    """The leaf codes of ``book`` in book order: the columns ``from_codebook`` makes."""
    from pdcode.codebook.model import leaves

    return tuple(c.id for c in leaves(book))
