"""Codebooks: the shipped ones validate; each problem class is found and placed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pdcode.cli import app
from pdcode.codebook import json_schema, leaves, load_codebook, validate_codebook
from tests.conftest import REPO

BOOKS = REPO / "codebooks"
BROKEN = REPO / "tests" / "fixtures" / "codebooks" / "broken.yaml"
LEAVES = {
    "strategy": [
        "vision_led",
        "reactive_pd",
        "relevance",
        "external_drivers",
        "internal_drivers",
        "governance",
    ],
    "leadership": [
        "enabling_leadership",
        "distributed_leadership",
        "pd_lead_role",
        "monitoring_evaluation",
    ],
    "culture": ["trust", "risk_taking", "buy_in", "valuing_staff"],
    "collaboration": ["coaching", "learning_communities", "external_expertise"],
    "evidence": ["research_use", "professional_enquiry"],
    "pd_leaders": ["pd_leader_recruitment", "pd_leader_support"],
}


def test_shipped_codebooks_are_valid() -> None:
    for path in sorted(BOOKS.glob("*.yaml")):
        assert validate_codebook(path) == [], path
    assert len(list(BOOKS.glob("*.yaml"))) >= 2


def test_pd_leadership_has_exactly_the_21_leaves_under_their_groups() -> None:
    book = load_codebook(BOOKS / "pd-leadership.yaml")
    groups = {g.id: [c.id for c in g.children] for g in book.codes}
    assert groups == LEAVES
    assert all(c.definition and c.include and c.exclude and c.examples for c in leaves(book))


def test_every_problem_class_is_found_with_its_line_and_code() -> None:
    problems = {(p.type, p.line, p.code_id) for p in validate_codebook(BROKEN)}
    assert problems >= {
        ("bad-colour", 6, "culture"),
        ("bad-id", 8, "Trust-Code"),
        ("empty-phrase", 11, "Trust-Code"),
        ("invalid-regex", 12, "Trust-Code"),
        ("invalid-pattern", 14, "Trust-Code"),
        ("bad-near", 16, "Trust-Code"),
        ("bad-near", 18, "Trust-Code"),
        ("unknown-key", 21, "empty_leaf"),
        ("no-rules", 19, "empty_leaf"),
        ("duplicate-id", 22, "empty_leaf"),
    }


def test_yaml_syntax_error_is_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncodes: [\n", encoding="utf-8")
    [problem] = validate_codebook(bad)
    assert problem.type == "yaml-syntax" and problem.line is not None


def test_cli_validate_and_show() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["codebook", "validate", str(BOOKS / "pd-leadership.yaml")])
    assert ok.exit_code == 0 and "valid" in ok.stdout
    bad = runner.invoke(app, ["codebook", "validate", str(BROKEN)])
    assert bad.exit_code == 1
    assert "broken.yaml:12 [Trust-Code]: invalid-regex" in bad.stderr
    as_json = runner.invoke(app, ["codebook", "validate", "--json", str(BROKEN)])
    assert as_json.exit_code == 1
    assert {p["type"] for p in json.loads(as_json.stdout)} >= {"duplicate-id", "no-rules"}
    shown = runner.invoke(app, ["codebook", "show", str(BOOKS / "pd-leadership.yaml")])
    assert shown.exit_code == 0 and "vision_led" in shown.stdout and "Vision-led PD" in shown.stdout


def test_checked_in_json_schema_is_current() -> None:
    checked_in = json.loads((REPO / "docs" / "codebook.schema.json").read_text(encoding="utf-8"))
    assert checked_in == json_schema(), (
        "python -m pdcode.codebook.schema > docs/codebook.schema.json"
    )
