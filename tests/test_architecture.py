"""Data flows one way: stages never import the store, the api or the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "src" / "pdcode"
STAGES = {
    "ingest",
    "segment",
    "codebook",
    "autocode",
    "lemmagate",
    "joined",
    "rulefilter",
    "refi",
    "reliability",
    "topics",
    "learn",
    "analysis",
    "evaluation",
    "humancoding",
    "pseudonym",
    "export",
    "nlp",
    "parallel",
    "records",
    "errors",
}
FORBIDDEN = {
    "stage": ("pdcode.store", "pdcode.api", "pdcode.cli", "pdcode.web"),
    "store": ("pdcode.api", "pdcode.cli", "pdcode.web"),
    "api": ("pdcode.cli", "pdcode.web"),
    "cli": ("pdcode.store", "sqlalchemy", "pandas", "spacy", "sqlite3"),
    "web": ("pdcode.store", "pdcode.cli", "sqlalchemy", "pandas", "spacy", "sqlite3"),
}


def _layer(path: Path) -> str | None:
    top = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if top in STAGES:
        return "stage"
    return top if top in FORBIDDEN else None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_no_arrow_points_back() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        if layer is None:
            continue
        for line, module in _imports(path):
            if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[layer]):
                problems.append(f"{path.relative_to(REPO)}:{line} ({layer}) imports {module}")
    assert problems == []


def test_walker_sees_function_level_imports(tmp_path: Path) -> None:
    # The check must catch imports hidden inside functions too.
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from pdcode.store import Project\n")
    assert _imports(sample) == [(2, "pdcode.store")]


@pytest.mark.parametrize(
    "heavy", ["spacy", "pandas", "sqlalchemy", "sklearn", "docx", "starlette", "uvicorn", "jinja2"]
)
def test_help_does_not_load_heavy_libraries(heavy: str) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from pdcode.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print({heavy!r} in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_reference_is_current() -> None:
    from pdcode.cli.reference import render_reference

    checked_in = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert checked_in == render_reference(), (
        "docs/cli.md is stale: python -m pdcode.cli.reference > docs/cli.md"
    )
