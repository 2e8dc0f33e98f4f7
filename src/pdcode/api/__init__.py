"""The library behind the CLI: one function per user verb.

Each function joins the stages (ingest, segment, code, analyse, export) with the
project store. The CLI only parses options, calls one of these and renders.
"""

from pdcode.api import (
    analysis,
    codebooks,
    coders,
    codes,
    consensus,
    learning,
    memos,
    pseudonymise,
    qdpx,
    reliability,
    review,
    review_files,
    search,
)
from pdcode.api import evaluate as evaluation
from pdcode.api.analysis import frequencies, render_frequencies
from pdcode.api.coding import CodeReport, code_project, codings, explain, export_codings
from pdcode.api.copy import CopyResult, copy_project
from pdcode.api.demo import DemoResult, bundled, run_demo
from pdcode.api.excerpts import export_excerpts
from pdcode.api.humancodings import CodingsImport, import_codings
from pdcode.api.imports import (
    FileOutcome,
    ImportOptions,
    ImportReport,
    check_paths,
    import_paths,
    parse_attributes,
)
from pdcode.api.matrix import framework_matrix
from pdcode.api.project import (
    dump_sources,
    export_segments,
    init_project,
    list_sources,
    open_project,
    project_name,
    uncodable_sources,
)
from pdcode.api.report import build_report, write_report
from pdcode.store import Project  # the type every verb takes

__all__ = [
    "CodeReport",
    "CodingsImport",
    "CopyResult",
    "DemoResult",
    "FileOutcome",
    "ImportOptions",
    "ImportReport",
    "Project",
    "analysis",
    "build_report",
    "bundled",
    "check_paths",
    "code_project",
    "codebooks",
    "coders",
    "codes",
    "codings",
    "consensus",
    "copy_project",
    "dump_sources",
    "evaluation",
    "explain",
    "export_codings",
    "export_excerpts",
    "export_segments",
    "framework_matrix",
    "frequencies",
    "import_codings",
    "import_paths",
    "init_project",
    "learning",
    "list_sources",
    "memos",
    "open_project",
    "parse_attributes",
    "project_name",
    "pseudonymise",
    "qdpx",
    "reliability",
    "render_frequencies",
    "review",
    "review_files",
    "run_demo",
    "search",
    "uncodable_sources",
    "write_report",
]
