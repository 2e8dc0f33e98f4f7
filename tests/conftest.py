"""Shared fixtures: fresh projects and paths to reference material."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

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


def run_cli(*args: str) -> Any:
    """``pdcode ARGS`` in process, as a user runs it (the Click result)."""
    from pdcode.cli import app

    return CliRunner().invoke(app, list(args))


def cli_ok(*args: str) -> str:
    """``pdcode ARGS``'s standard output, asserting it succeeded."""
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return str(result.stdout)
