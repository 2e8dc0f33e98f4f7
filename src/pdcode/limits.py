"""Budgets on the work one input file may cause, gathered in one place.

A small file can ask for a great deal of work: a zip member that inflates a
thousandfold, an XML part of millions of elements, a source of hundreds of
millions of characters. Every reader of untrusted input counts its work as it
goes against these limits and stops with one line naming the file when one is
passed. Each limit can be changed for a run with an environment variable,
``PDCODE_MAX_`` and the field's name in capitals (``PDCODE_MAX_XML_NODES=5000000``),
or in code by passing a ``Limits``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

# Below this many unpacked bytes a high compression ratio is harmless (and
# normal for XML), so the ratio is only judged above it.
RATIO_FLOOR = 10_000_000


@dataclass(frozen=True)
class Limits:
    """Work one file may cause; every reader of an archive or XML checks these."""

    zip_members: int = 10_000  # entries in one archive
    unzipped_bytes: int = 500_000_000  # bytes unpacked from one archive, as read
    zip_ratio: float = 200.0  # unpacked : packed, judged above RATIO_FLOOR bytes
    xml_bytes: int = 100_000_000  # bytes of one XML part
    xml_nodes: int = 1_000_000  # XML elements in one file (all its parts together)
    xml_depth: int = 256  # nesting of XML elements
    sheet_cells: int = 2_000_000  # rows x columns of one worksheet's grid
    code_depth: int = 50  # levels of a code tree read from another tool
    yaml_nodes: int = 1_000_000  # nodes of a codebook's YAML, aliases expanded
    source_chars: int = 5_000_000  # characters of one source (or one text in XML)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, with any ``PDCODE_MAX_*`` variable set in the environment."""
        from pdcode.errors import UsageError

        environ = os.environ if environ is None else environ
        changed: dict[str, Any] = {}
        for item in fields(cls):
            variable = env_name(item.name)
            raw = environ.get(variable, "").strip().replace("_", "")
            if not raw:
                continue
            try:
                value = float(raw) if item.name == "zip_ratio" else int(raw)
            except ValueError:
                value = 0
            if not value > 0:
                raise UsageError(f"{variable} must be a positive number, not {raw!r}")
            changed[item.name] = value
        return replace(cls(), **changed) if changed else cls()


def env_name(field: str) -> str:
    """The environment variable that sets a limit: ``PDCODE_MAX_XML_NODES``."""
    return f"PDCODE_MAX_{field.upper()}"


def over(what: str, limit: float, unit: str, field: str) -> str:
    """The one-line reason for a limit passed: ``... over the limit of N unit (VAR)``."""
    return f"{what} over the limit of {limit:,} {unit} (set {env_name(field)} to change it)"
