"""Shared fixtures: fresh projects and paths to reference material."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pdcode.store import Project

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLE = REPO / "transcripts_sample"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    with Project.create(tmp_path / "p.db") as proj:
        yield proj


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"reference material not found at {SHARED} (../shared beside the checkout)")
    return SHARED
