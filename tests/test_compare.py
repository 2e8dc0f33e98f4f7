"""`pdcode compare`: prevalence per group, tests equal SciPy's on the same tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from pdcode.analysis.compare import adjusted_residuals, fisher_2xg, independence_test
from pdcode.cli import app
from tests.test_frequencies import db  # noqa: F401  (the fixture)

runner = CliRunner()


def _json(db: str, *args: str) -> dict:  # type: ignore[type-arg]  # noqa: F811
    result = runner.invoke(app, ["compare", "--format", "json", "-p", db, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_prevalence_and_fisher_by_hand(db: str) -> None:  # noqa: F811
    data = _json(db)
    assert data["unit_of_analysis"] == "source"
    assert data["groups"] == [{"name": "s1", "n": 2}, {"name": "s2", "n": 1}]
    x, y = data["rows"]
    # x: both s1 sources (a, b), not c -> [[2, 0], [0, 1]]
    assert (x["s1 with"], x["s1 %"], x["s2 with"], x["s2 %"]) == (2, 100.0, 0, 0.0)
    assert x["test"] == "fisher"
    assert x["p"] == round(stats.fisher_exact([[2, 0], [0, 1]]).pvalue, 4)
    assert (y["s1 with"], y["s2 with"]) == (1, 1)
    # Cases: c2 has sources in both strands and counts once in each.
    by_case = _json(db, "--unit", "case")
    assert by_case["groups"] == [{"name": "s1", "n": 2}, {"name": "s2", "n": 1}]
    assert by_case["rows"][0]["s1 with"] == 2


def test_chi_square_path_equals_scipy() -> None:
    table = np.array([[18, 7, 12], [6, 19, 10]])
    name, statistic, p, v = independence_test(table)
    chi2, expected_p, _, _ = stats.chi2_contingency(table, correction=False)
    assert name == "chi2"
    assert statistic == pytest.approx(chi2) and p == pytest.approx(expected_p)
    assert v == pytest.approx(stats.contingency.association(table, method="cramer"))


def test_exact_fisher_for_larger_tables() -> None:
    two = np.array([[3, 1], [1, 3]])
    assert fisher_2xg(two)[1] == pytest.approx(stats.fisher_exact(two).pvalue)  # type: ignore[index]
    wide = np.array([[3, 1, 0], [1, 3, 4]])
    _, p = fisher_2xg(wide)  # type: ignore[misc]
    method = stats.PermutationMethod(n_resamples=20_000, rng=np.random.default_rng(1))
    assert p == pytest.approx(stats.fisher_exact(wide, method=method).pvalue, abs=0.02)
    assert independence_test(wide)[0] == "fisher-freeman-halton"


def test_adjusted_residuals_by_formula() -> None:
    table = np.array([[10, 20], [30, 40]])
    # Cell (0, 0): O=10, E=40*30/100=12, scale=sqrt(12 * (1-0.3) * (1-0.4)).
    assert adjusted_residuals(table)[0, 0] == pytest.approx((10 - 12) / np.sqrt(12 * 0.7 * 0.6))


def test_output_states_its_unit_and_method(db: str, tmp_path: Path) -> None:  # noqa: F811
    data = _json(db)
    assert "do not prove claims" in data["method"]
    shown = runner.invoke(
        app, ["compare", "--across", "role", "--heatmap", str(tmp_path / "c.svg"), "-p", db]
    )
    assert shown.exit_code == 0 and "unit of analysis: source" in shown.stdout
    assert (tmp_path / "c.svg").read_bytes().startswith(b"<?xml")
    bad = runner.invoke(app, ["compare", "--across", "nope", "-p", db])
    assert bad.exit_code == 2 and "cannot compare across 'nope'" in bad.stderr
