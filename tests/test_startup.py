"""What short verbs load: each runs in a fresh interpreter, which then reports the
heavy libraries in ``sys.modules``. Table verbs that read the store load no spaCy,
pandas or scikit-learn; codebook validation and a ``RuleCoder`` load spaCy only
for token patterns (validation) or spaCy-matched rules (coding). Speed itself is
measured by ``benchmarks/startup_bench.py``, never here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

HEAVY = ("spacy", "pandas", "sklearn", "numpy", "scipy", "gensim", "docx", "openpyxl")
BOOKS = REPO / "codebooks"


def _loaded_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter holds after running ``code``."""
    script = f"import sys\n{code}\nprint(__import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def _cli(*args: str) -> str:
    return (
        "from typer.testing import CliRunner\n"
        "from pdcode.cli import app\n"
        f"result = CliRunner().invoke(app, {list(args)!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print(result.output)\n"
    )


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the shipped sample imported and coded, made by the CLI in its
    own interpreter (so on a SQLite file whatever backend the suite runs on)."""
    project = tmp_path_factory.mktemp("startup") / "p.db"
    for verb in (
        ["init"],
        ["import", str(REPO / "transcripts_sample")],
        ["code", "--codebook", str(BOOKS / "pd-leadership.yaml")],
    ):
        command = [sys.executable, "-m", "pdcode", *verb, "--project", str(project)]
        subprocess.run(command, check=True, capture_output=True, cwd=REPO)
    return project


@pytest.mark.parametrize(
    "verb",
    [["sources"], ["codes", "list"], ["memo", "list"], ["coder", "list"], ["models", "list"]],
    ids=" ".join,
)
def test_table_verbs_load_no_heavy_library(verb: list[str], sample_project: Path) -> None:
    assert _loaded_after(_cli(*verb, "--project", str(sample_project))) == []


def test_sources_lists_the_sample_without_heavy_libraries(sample_project: Path) -> None:
    code = _cli("sources", "--format", "json", "--project", str(sample_project))
    code += "assert 's1_programme_designer.txt' in result.output\n"
    assert _loaded_after(code) == []


def test_the_api_package_loads_verbs_on_first_use() -> None:
    code = (
        "from pdcode import api\n"
        "assert 'pdcode.api.analysis' not in sys.modules\n"
        "assert 'pdcode.store' not in sys.modules\n"
        "assert callable(api.list_sources) and api.Project.__name__ == 'Project'\n"
        "assert api.evaluation.__name__ == 'pdcode.api.evaluate'\n"
        "assert api.topics.__name__ == 'pdcode.api.topics'\n"
        "from pdcode.api import ImportOptions, review\n"
        "assert review.__name__ == 'pdcode.api.review'\n"
        "try:\n"
        "    api.no_such_verb\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    _loaded_after(code)


def test_validating_a_codebook_without_token_patterns_loads_no_spacy() -> None:
    book = BOOKS / "pd-leadership.yaml"
    assert "patterns:" not in book.read_text(encoding="utf-8")
    assert _loaded_after(_cli("codebook", "validate", str(book))) == []


def test_validating_a_codebook_with_a_token_pattern_loads_spacy() -> None:
    book = BOOKS / "interview-process.yaml"
    assert "patterns:" in book.read_text(encoding="utf-8")
    assert "spacy" in _loaded_after(_cli("codebook", "validate", str(book)))


def test_a_bad_token_pattern_is_still_reported(tmp_path: Path) -> None:
    from pdcode.codebook import validate_codebook

    book = {
        "name": "b",
        "version": "1",
        "codes": [
            {"id": "a", "name": "A", "rules": {"patterns": [[{"NOT_AN_ATTR": "x"}]]}},
            {"id": "b", "name": "B", "rules": {"regex": ["coach"], "patterns": []}},
        ],
    }
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(book), encoding="utf-8")
    problems = validate_codebook(path)
    assert [(p.type, p.code_id) for p in problems] == [("invalid-pattern", "a")]


def _regex_only_book(tmp_path: Path) -> Path:
    book = {
        "name": "regex only",
        "version": "1",
        "codes": [
            {"id": "coaching", "name": "Coaching", "rules": {"regex": [r"\bcoach\w*"]}},
            {
                "id": "trust",
                "name": "Trust",
                "rules": {"regex": [r"\btrust\w*"], "exclude_if": {"regex": ["distrust"]}},
            },
        ],
    }
    path = tmp_path / "regex.yaml"
    path.write_text(yaml.safe_dump(book), encoding="utf-8")
    return path


def test_rule_coder_of_regexes_only_loads_no_spacy(tmp_path: Path) -> None:
    code = (
        "from pdcode.autocode import RuleCoder\n"
        "from pdcode.codebook import load_codebook\n"
        f"coder = RuleCoder(load_codebook({str(_regex_only_book(tmp_path))!r}))\n"
        "hits = list(coder.code(['We coach staff.', 'No trust here, distrust.', 'Trusting.']))\n"
        "assert [[h.code_id for h in hs] for hs in hits] == [['coaching'], [], ['trust']], hits\n"
        "assert hits[0][0].matched == 'coach'\n"
    )
    assert _loaded_after(code) == []


def test_rule_coder_with_lemma_phrases_loads_spacy() -> None:
    code = (
        "from pdcode.autocode import RuleCoder\n"
        "from pdcode.codebook import load_codebook\n"
        f"coder = RuleCoder(load_codebook({str(BOOKS / 'pd-leadership.yaml')!r}))\n"
    )
    assert "spacy" in _loaded_after(code)


def test_rule_coder_of_regexes_only_codes_as_with_spacy(tmp_path: Path) -> None:
    """The same hits whether or not a pipeline was handed in (and so built)."""
    from pdcode.autocode import RuleCoder, needs_spacy
    from pdcode.codebook import load_codebook
    from pdcode.nlp import make_nlp

    book = load_codebook(_regex_only_book(tmp_path))
    assert not needs_spacy(book)
    assert needs_spacy(load_codebook(BOOKS / "pd-leadership.yaml"))
    assert needs_spacy(load_codebook(BOOKS / "interview-process.yaml"))
    texts = ["We coach staff.", "Coaching, trust.", "distrust trust", "", "nothing"] * 60
    plain = list(RuleCoder(book).code(texts))
    with_nlp = list(RuleCoder(book, make_nlp()).code(texts))
    assert plain == with_nlp
    assert sum(len(h) for h in plain) == 3 * 60
