"""`pdcode frequencies` on a small project counted by hand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode.cli import app

runner = CliRunner()

BOOK = """name: tiny
version: "1"
codes:
  - id: g
    name: Group
    children:
      - {id: x, name: Ex, rules: {regex: ['never matches zz']}}
      - {id: y, name: Why, rules: {regex: ['never matches zz']}}
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    files = {
        "a.txt": "Q: q?\n\nA: One. Two. Three.\n",
        "b.txt": "Q: q?\n\nA: Four. Five.\n",
        "c.txt": "Q: q?\n\nA: Six.\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "m.csv").write_text(
        "file,strand,case,role\na.txt,s1,c1,teacher\nb.txt,s1,c2,head\nc.txt,s2,c2,teacher\n",
        encoding="utf-8",
    )
    (tmp_path / "book.yaml").write_text(BOOK, encoding="utf-8")
    (tmp_path / "codings.csv").write_text(
        "source,quote,code\n"
        "a.txt,One.,x\n"
        "a.txt,One. Two.,y\n"
        "a.txt,Three.,x\n"
        "b.txt,Five.,x\n"
        "c.txt,Six.,y\n",
        encoding="utf-8",
    )
    location = str(tmp_path / "p.db")
    assert runner.invoke(app, ["init", "-p", location]).exit_code == 0
    assert (
        runner.invoke(
            app, ["import", "--manifest", str(tmp_path / "m.csv"), "-p", location]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        ["codings", "import", str(tmp_path / "codings.csv"), "--coder", "ana",
         "--codebook", str(tmp_path / "book.yaml"), "-p", location],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return location


def _json(db: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["frequencies", "--format", "json", "-p", db, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_counts_by_strand_match_a_hand_count(db: str) -> None:
    data = _json(db, "--by", "strand")
    assert data["groups"] == [
        {"name": "s1", "sources": 2, "cases": 2},
        {"name": "s2", "sources": 1, "cases": 1},
    ]
    rows = {r["code"]: r for r in data["rows"]}
    assert list(rows) == ["x", "y", "(any code)"]
    x, y, anyc = rows["x"], rows["y"], rows["(any code)"]
    assert (x["references"], x["sources"], x["cases"]) == (3, 2, 2)
    assert (x["s1 sources %"], x["s1 cases %"], x["s2 sources %"]) == (100.0, 100.0, 0.0)
    # y spans "One. Two." (two sentences) and "Six."
    assert (y["references"], y["sources"], y["cases"]) == (3, 2, 2)
    assert (y["s1 sources %"], y["s1 cases %"], y["s2 sources %"], y["s2 cases %"]) == (
        50.0,
        50.0,
        100.0,
        100.0,
    )
    assert (anyc["references"], anyc["sources"], anyc["cases"]) == (5, 3, 2)


def test_turn_unit_group_level_and_attribute_columns(db: str) -> None:
    rows = {r["code"]: r for r in _json(db, "--unit", "turn")["rows"]}
    assert (rows["x"]["references"], rows["y"]["references"]) == (2, 2)
    grouped = {r["code"]: r for r in _json(db, "--level", "group")["rows"]}
    assert list(grouped) == ["g", "(any code)"]
    assert grouped["g"]["references"] == 5
    by_role = _json(db, "--by", "role")
    assert [(g["name"], g["sources"]) for g in by_role["groups"]] == [("head", 1), ("teacher", 2)]
    assert {r["code"]: r["teacher sources"] for r in by_role["rows"]}["y"] == 2


def test_numbers_equal_a_count_over_the_codings_export(db: str) -> None:
    exported = runner.invoke(app, ["export", "codings", "-p", db]).stdout
    codings = list(csv.DictReader(io.StringIO(exported)))
    rows = {r["code"]: r for r in _json(db)["rows"]}
    for code in ("x", "y"):
        assert rows[code]["sources"] == len({c["source"] for c in codings if c["code"] == code})
        assert rows[code]["cases"] == len({c["case"] for c in codings if c["code"] == code})


def test_formats_and_errors(db: str, tmp_path: Path) -> None:
    out = runner.invoke(app, ["frequencies", "--by", "strand", "--format", "csv", "-p", db])
    header = next(csv.reader(io.StringIO(out.stdout)))
    assert "s1 sources (n=2 sources, 2 cases)" in header
    md = runner.invoke(app, ["frequencies", "--format", "md", "-p", db]).stdout
    assert md.startswith("| code | name | references |")
    first = runner.invoke(app, ["frequencies", "--format", "csv", "-p", db]).stdout
    assert first == runner.invoke(app, ["frequencies", "--format", "csv", "-p", db]).stdout
    xlsx = tmp_path / "f.xlsx"
    assert (
        runner.invoke(app, ["frequencies", "--format", "xlsx", "-o", str(xlsx), "-p", db]).exit_code
        == 0
    )
    import pandas as pd

    assert pd.read_excel(xlsx)["code"].tolist() == ["x", "y", "(any code)"]
    bad = runner.invoke(app, ["frequencies", "--by", "nope", "-p", db])
    assert bad.exit_code == 2 and "no attribute 'nope'" in bad.stderr
    table = runner.invoke(app, ["frequencies", "--by", "strand", "-p", db])
    assert table.exit_code == 0 and "wider population" in table.stdout
