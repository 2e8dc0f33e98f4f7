"""Codebooks: the shipped ones validate; each problem class is found and placed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode.cli import app
from pdcode.codebook import Problem, json_schema, leaves, load_codebook, validate_codebook
from pdcode.errors import CodebookError
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


def _book(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_pattern_re2_cannot_run_is_a_located_problem_naming_its_construct(
    tmp_path: Path,
) -> None:
    path = _book(
        tmp_path,
        "name: b\nversion: '1'\ncodes:\n  - id: a\n    name: A\n    rules:\n      regex:\n"
        "        - '(\\w+) and \\1'\n        - 'x(?=y)z'\n        - 'a++'\n        - '(?>ab)'\n"
        "        - '(a+){25}$'\n        - '(?<!of )\\bshort courses?\\b(?! to)'\n",
    )
    problems = {(p.type, p.line): p.message for p in validate_codebook(path)}
    assert set(problems) == {
        ("unsupported-regex", 8),
        ("unsupported-regex", 9),
        ("unsupported-regex", 10),
        ("unsupported-regex", 11),
    }
    assert "backreference" in problems[("unsupported-regex", 8)]
    assert "lookahead" in problems[("unsupported-regex", 9)]
    assert "possessive" in problems[("unsupported-regex", 10)]
    assert "atomic group" in problems[("unsupported-regex", 11)]
    with pytest.raises(CodebookError, match=r"book\.yaml:8 \[a\]: unsupported-regex"):
        load_codebook(path)


def test_a_regex_that_can_match_nothing_is_a_located_problem(tmp_path: Path) -> None:
    """Such a rule would code segments that hold none of its words: ``(coach)?``
    matches the empty text everywhere."""
    path = _book(
        tmp_path,
        "name: b\nversion: '1'\ncodes:\n  - id: a\n    name: A\n    rules:\n      regex:\n"
        "        - '\\b(coach|mentor)?\\b'\n        - '\\bcoach(es|ing)?\\b'\n"
        "        - '(?<!not )\\b'\n        - '\\p{L}*'\n"
        "      exclude_if:\n        regex: ['x*']\n",
    )
    problems = {(p.type, p.line) for p in validate_codebook(path)}
    assert problems == {
        ("empty-match-regex", 8),
        ("empty-match-regex", 10),
        ("empty-match-regex", 11),  # RE2 syntax Python's parser cannot read: probed
        ("empty-match-regex", 13),
    }
    with pytest.raises(CodebookError, match=r"book\.yaml:8 \[a\]: empty-match-regex"):
        load_codebook(path)
    # Coding with such a rule would have coded every segment of the sample.
    from pdcode.autocode import RuleCoder
    from pdcode.codebook.model import Codebook

    book = Codebook.model_validate(
        {
            "name": "b",
            "version": "1",
            "codes": [{"id": "a", "name": "A", "rules": {"regex": [r"\b(coach)?\b"]}}],
        }
    )
    assert all(RuleCoder(book).code(["Nothing about it.", "Another one."]))


def _timed(path: Path) -> tuple[list[Problem], float]:
    started = time.perf_counter()
    problems = validate_codebook(path)
    return problems, time.perf_counter() - started


def test_aliases_that_expand_to_billions_of_nodes_are_refused_at_once(tmp_path: Path) -> None:
    # Nine levels of nine aliases through children: under 1 KB, 9**9 codes expanded.
    lines = ["name: x", "version: '1'", "codes:", "- &c0 {id: a, name: A, rules: {phrases: [x]}}"]
    for i in range(1, 10):
        lines.append(f"- &c{i} {{id: g{i}, name: G, children: [{', '.join([f'*c{i - 1}'] * 9)}]}}")
    path = _book(tmp_path, "\n".join(lines) + "\n")
    assert path.stat().st_size < 1000
    [problem], seconds = _timed(path)
    assert seconds < 5
    assert (problem.type, problem.file, problem.line) == ("too-large", str(path), 10)
    assert "1,000,000 YAML nodes once aliases are expanded" in problem.message
    assert "PDCODE_MAX_YAML_NODES" in problem.message


def test_aliases_within_the_budget_are_kept(tmp_path: Path) -> None:
    path = _book(
        tmp_path,
        "name: x\nversion: '1'\ncodes:\n"
        "  - {id: a, name: A, rules: {phrases: &words [coach, mentor]}}\n"
        "  - {id: b, name: B, rules: {phrases: [x], exclude_if: {phrases: *words}}}\n",
    )
    assert validate_codebook(path) == []
    assert load_codebook(path).codes[1].rules.exclude_if.phrases == ["coach", "mentor"]  # type: ignore[union-attr]


def test_a_yaml_cycle_is_one_located_problem(tmp_path: Path) -> None:
    path = _book(
        tmp_path, "name: x\nversion: '1'\ncodes: &top\n- {id: a, name: A, children: *top}\n"
    )
    [problem], seconds = _timed(path)
    assert (problem.type, problem.line) == ("yaml-cycle", 4) and seconds < 5
    with pytest.raises(CodebookError, match=r"book\.yaml:4: yaml-cycle: alias \*top"):
        load_codebook(path)


def _nested(depth: int) -> str:
    text, indent = "name: x\nversion: '1'\ncodes:\n", ""
    for i in range(depth - 1):
        text += f"{indent}- id: c{i}\n{indent}  name: C\n{indent}  children:\n"
        indent += "  "
    return text + f"{indent}- {{id: leaf, name: L, rules: {{phrases: [x]}}}}\n"


def test_code_trees_deeper_than_the_limit_are_one_located_problem(tmp_path: Path) -> None:
    assert validate_codebook(_book(tmp_path, _nested(50))) == []
    [problem] = validate_codebook(_book(tmp_path, _nested(51)))
    assert (problem.type, problem.code_id, problem.line) == ("too-deep", "leaf", 154)
    assert "over the limit of 50 levels (set PDCODE_MAX_CODE_DEPTH" in problem.message
    # 3,000 levels once raised RecursionError; 100,000 open brackets crashed libyaml.
    for text in (_nested(3000), "name: x\nversion: '1'\ncodes: " + "[" * 100_000 + "]" * 100_000):
        [problem], seconds = _timed(_book(tmp_path, text))
        assert problem.type == "too-deep" and seconds < 10
        assert "YAML nested deeper than 116 levels" in problem.message


def test_the_depth_limit_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PDCODE_MAX_CODE_DEPTH", "60")
    assert validate_codebook(_book(tmp_path, _nested(60))) == []
    monkeypatch.setenv("PDCODE_MAX_YAML_NODES", "20")
    [problem] = validate_codebook(_book(tmp_path, _nested(5)))
    assert problem.type == "too-large"


def test_forty_thousand_codes_of_one_id_are_checked_in_linear_time(tmp_path: Path) -> None:
    codes = "".join("  - {id: same, name: Same, rules: {phrases: [x]}}\n" for _ in range(40_000))
    problems, seconds = _timed(_book(tmp_path, f"name: x\nversion: '1'\ncodes:\n{codes}"))
    assert seconds < 60  # PyYAML's composer takes most of it, in linear time
    assert len(problems) == 39_999 and {p.type for p in problems} == {"duplicate-id"}


def test_codebooks_imported_from_other_tools_are_bounded_too(tmp_path: Path) -> None:
    from pdcode.codebook.exchange import from_csv, from_qdc

    def qdc(levels: int) -> bytes:
        deep = "".join(f'<Code guid="{{{i}}}" name="c{i}">' for i in range(levels))
        deep += "</Code>" * levels
        return (
            f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{deep}</Codes></CodeBook>'.encode()
        )

    with pytest.raises(CodebookError, match=r"deep\.qdc: the code tree over the limit of 50"):
        from_qdc(qdc(60), "deep.qdc")
    # Far deeper, the XML guard stops the parse itself, before any tree is built.
    with pytest.raises(CodebookError, match=r"deep\.qdc: XML nesting .* over the limit of 256"):
        from_qdc(qdc(3000), "deep.qdc")
    rows = ["id,parent,name"] + [f"c{i},{f'c{i - 1}' if i else ''},C" for i in range(3000)]
    with pytest.raises(CodebookError, match=r"deep\.csv: the code tree over the limit of 50"):
        from_csv("\n".join(rows), "deep.csv")
    with pytest.raises(CodebookError, match="names parent 'a' before it is defined"):
        from_csv("id,parent,name\na,a,A\n", "self.csv")
    same = "".join(f'<Code guid="{{{i}}}" name="same"/>' for i in range(40_000))
    started = time.perf_counter()
    book = from_qdc(
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{same}</Codes></CodeBook>'.encode(),
        "same.qdc",
    ).codebook
    assert time.perf_counter() - started < 20
    assert [c.id for c in book.codes[:3]] == ["same", "same_2", "same_3"]
