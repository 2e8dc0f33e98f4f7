"""The library behind the CLI: one function per user verb.

Each function joins the stages (ingest, segment, code, analyse, export) with the
project store. The CLI only parses options, calls one of these and renders.

The verbs' modules are imported on first use (PEP 562), not with the package:
``pdcode sources`` then loads the store and ``pdcode codebook validate`` the
codebook model, not every verb's libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from pdcode.api.import_batch import (
        FileOutcome,
        ImportOptions,
        ImportReport,
        parse_attributes,
    )
    from pdcode.api.imports import check_paths, import_paths
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

# Name -> (module, attribute); a bare module when the attribute is None.
_LAZY: dict[str, tuple[str, str | None]] = {
    "evaluation": ("pdcode.api.evaluate", None),
    "frequencies": ("pdcode.api.analysis", "frequencies"),
    "render_frequencies": ("pdcode.api.analysis", "render_frequencies"),
    "CodeReport": ("pdcode.api.coding", "CodeReport"),
    "code_project": ("pdcode.api.coding", "code_project"),
    "codings": ("pdcode.api.coding", "codings"),
    "explain": ("pdcode.api.coding", "explain"),
    "export_codings": ("pdcode.api.coding", "export_codings"),
    "CopyResult": ("pdcode.api.copy", "CopyResult"),
    "copy_project": ("pdcode.api.copy", "copy_project"),
    "DemoResult": ("pdcode.api.demo", "DemoResult"),
    "bundled": ("pdcode.api.demo", "bundled"),
    "run_demo": ("pdcode.api.demo", "run_demo"),
    "export_excerpts": ("pdcode.api.excerpts", "export_excerpts"),
    "CodingsImport": ("pdcode.api.humancodings", "CodingsImport"),
    "import_codings": ("pdcode.api.humancodings", "import_codings"),
    "FileOutcome": ("pdcode.api.import_batch", "FileOutcome"),
    "ImportOptions": ("pdcode.api.import_batch", "ImportOptions"),
    "ImportReport": ("pdcode.api.import_batch", "ImportReport"),
    "check_paths": ("pdcode.api.imports", "check_paths"),
    "import_paths": ("pdcode.api.imports", "import_paths"),
    "parse_attributes": ("pdcode.api.import_batch", "parse_attributes"),
    "framework_matrix": ("pdcode.api.matrix", "framework_matrix"),
    "dump_sources": ("pdcode.api.project", "dump_sources"),
    "export_segments": ("pdcode.api.project", "export_segments"),
    "init_project": ("pdcode.api.project", "init_project"),
    "list_sources": ("pdcode.api.project", "list_sources"),
    "open_project": ("pdcode.api.project", "open_project"),
    "project_name": ("pdcode.api.project", "project_name"),
    "uncodable_sources": ("pdcode.api.project", "uncodable_sources"),
    "build_report": ("pdcode.api.report", "build_report"),
    "write_report": ("pdcode.api.report", "write_report"),
    "Project": ("pdcode.store", "Project"),  # the type every verb takes
}


def __getattr__(name: str) -> Any:
    """A verb function, a result type or a verb's module (``api.topics``), imported now."""
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY.get(name, (f"{__name__}.{name}", None))
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # a missing dependency of an existing module
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = loaded if attribute is None else getattr(loaded, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
