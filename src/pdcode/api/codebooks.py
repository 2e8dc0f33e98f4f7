"""Codebook verbs: validate and show (no project needed)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from pdcode.codebook import Codebook, Problem, load_codebook, validate_codebook


def validate(path: Path) -> list[Problem]:
    return validate_codebook(path)


def problems_json(problems: list[Problem]) -> str:
    """The problems exactly as the library returns them, as JSON."""
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2) + "\n"


def show(path: Path) -> Codebook:
    return load_codebook(path)
