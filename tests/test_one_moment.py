"""Reading verbs see the project as of one moment, while others write to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pdcode import api
from pdcode.store import Project, frames
from tests.conftest import REPO, SAMPLE, cli_ok

BOOK = REPO / "codebooks" / "pd-leadership.yaml"


@pytest.fixture
def coded(tmp_path: Path) -> str:
    location = str(tmp_path / "p.db")
    cli_ok("init", "-p", location)
    first = sorted(SAMPLE.glob("*.txt"))[:3]
    for path in first:
        cli_ok("import", str(path), "--strand", "strand3", "-p", location)
    cli_ok("code", "--codebook", str(BOOK), "-p", location)
    return location


def _teammate_imports_and_codes(location: str, tmp_path: Path) -> None:
    """Another person's import and coding run, committed from another connection."""
    late = sorted(SAMPLE.glob("*.txt"))[3]
    copy = tmp_path / "late" / late.name.replace(".txt", "_late.txt")
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes(late.read_bytes())
    cli_ok("import", str(copy), "--strand", "strand3", "-p", location)
    cli_ok("code", "--codebook", str(BOOK), "-p", location)


def test_reads_inside_one_moment_do_not_see_a_commit_made_meanwhile(
    coded: str, tmp_path: Path
) -> None:
    with Project.open(coded) as project:
        with project.one_moment():
            sources = set(frames.sources_frame(project)["source"])
            _teammate_imports_and_codes(coded, tmp_path)
            units = set(frames.units_frame(project, "sentence")["source"])
            coded_now = set(frames.codings_frame(project)["source"])
        assert units <= sources and coded_now <= sources
        assert len(set(frames.sources_frame(project)["source"])) == len(sources) + 1


def test_frequencies_counts_one_state_though_a_run_commits_halfway(
    coded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Project.open(coded) as project:
        before = api.frequencies(project, by="strand")
    original = frames.sources_frame
    done: list[bool] = []

    def sources_after_a_teammate(project: Project, *args: Any, **kwargs: Any) -> Any:
        # The teammate's import and run commit after frequencies read the codings
        # and codes, before it reads the units and sources.
        if not done:
            done.append(True)
            _teammate_imports_and_codes(coded, tmp_path)
        return original(project, *args, **kwargs)

    monkeypatch.setattr(frames, "sources_frame", sources_after_a_teammate)
    with Project.open(coded) as project:
        during = api.frequencies(project, by="strand")
        assert done
        after = api.frequencies(project, by="strand")
    assert during.rows == before.rows
    assert after.rows != before.rows
