"""`pdcode demo`: the main job on the shipped sample, end to end."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pdcode.analysis.frequencies import Frequencies
from pdcode.api.analysis import frequencies
from pdcode.api.coding import CodeReport, code_project
from pdcode.api.import_batch import FileOutcome, ImportOptions, ImportReport
from pdcode.api.imports import import_paths
from pdcode.errors import ProjectError
from pdcode.records import SourceSummary
from pdcode.store import Project

SAMPLE = "transcripts_sample"
CODEBOOK = "pd-leadership.yaml"


@dataclass(frozen=True)
class DemoResult:
    project: Path
    report: ImportReport
    sources: tuple[SourceSummary, ...]
    coding: CodeReport
    frequencies: Frequencies


def bundled(name: str) -> Path:
    """A folder shipped with pdcode: inside the installed package, or in the checkout."""
    here = Path(__file__).resolve().parent.parent  # src/pdcode
    for candidate in (here / "_bundled" / name, here.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise ProjectError(f"the shipped {name}/ folder is missing from this installation")


def run_demo(
    folder: Path | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> DemoResult:
    """Create a project in ``folder`` (a new temporary folder if None), import the
    sample with its manifest, code it with the PD-leadership codebook, and make
    the theme frequency table by strand."""
    folder = Path(tempfile.mkdtemp(prefix="pdcode-demo-")) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    location = folder / "pdcode.db"
    sample = bundled(SAMPLE)
    with Project.create(location) as project:
        report = import_paths(
            project, [sample], ImportOptions(manifest=sample / "manifest.csv"), on_file=on_file
        )
        sources = tuple(project.source_summaries())
        coding = code_project(project, bundled("codebooks") / CODEBOOK)
        table = frequencies(project, by="strand", coder=coding.coder)
    return DemoResult(location, report, sources, coding, table)
