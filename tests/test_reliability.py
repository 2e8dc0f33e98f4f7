"""Agreement, disagreements and evaluation: hand counts, published values, libraries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pdcode.cli import app
from pdcode.reliability import stats
from tests.test_frequencies import BOOK

runner = CliRunner()

FILES = {
    "a.txt": "Q: q?\n\nA: One. Two. Three.\n",
    "b.txt": "Q: q?\n\nA: Four. Five.\n",
    "c.txt": "Q: q?\n\nA: Six.\n",
}
CODINGS = {
    # x on One, Three, Five; y on One+Two and Six
    "ana": "a.txt,One.,x\na.txt,One. Two.,y\na.txt,Three.,x\nb.txt,Five.,x\nc.txt,Six.,y\n",
    # x on One, Five, Six; y on Two
    "ben": "a.txt,One.,x\nb.txt,Five.,x\nc.txt,Six.,x\na.txt,Two.,y\n",
    # saw a.txt only: x on One
    "cat": "a.txt,One.,x\n",
}


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def db(tmp_path: Path) -> str:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "m.csv").write_text(
        "file,strand,case\na.txt,s1,c1\nb.txt,s1,c2\nc.txt,s2,c3\n", encoding="utf-8"
    )
    (tmp_path / "book.yaml").write_text(BOOK, encoding="utf-8")
    location = str(tmp_path / "p.db")
    _invoke("init", "-p", location)
    _invoke("import", "--manifest", str(tmp_path / "m.csv"), "-p", location)
    for coder, rows in CODINGS.items():
        path = tmp_path / f"{coder}.csv"
        path.write_text("source,quote,code\n" + rows, encoding="utf-8")
        _invoke("codings", "import", str(path), "--coder", coder,
                "--codebook", str(tmp_path / "book.yaml"), "-p", location)  # fmt: skip
    return location


def _agreement(db: str, *args: str) -> dict:  # type: ignore[type-arg]
    out = _invoke("agreement", "-p", db, "--format", "json", "--bootstrap", "200", *args)
    return {row["code"]: row for row in json.loads(out)["rows"]}


def test_two_coders_match_a_hand_count(db: str) -> None:
    rows = _agreement(db, "--coders", "ana,ben")
    x, y, overall = rows["x"], rows["y"], rows["(all codes)"]
    # Six respondent sentences; x: agree on One, Two, Four, Five; differ on Three, Six.
    assert (x["units"], x["ana applied"], x["ben applied"]) == (6, 3, 3)
    assert x["percent_agreement"] == 66.67
    assert x["cohen_kappa"] == pytest.approx(1 / 3, abs=1e-4)  # p_e = .5
    assert x["pabak"] == pytest.approx(1 / 3, abs=1e-4)
    assert x["alpha"] == pytest.approx(1 - 11 * 2 / 36, abs=1e-4)  # 1 - (n-1) o01 / n0 n1
    assert x["kappa_band"] == "fair" and x["alpha_band"] == "unreliable"
    assert y["alpha"] == pytest.approx(1 - 11 * 2 / 32, abs=1e-4)
    assert overall["units"] == 12 and overall["alpha"] == pytest.approx(1 - 23 * 4 / 140, abs=1e-4)
    assert x["alpha_low"] <= x["alpha"] <= x["alpha_high"]


def test_units_a_coder_never_saw_are_missing_not_absent(db: str) -> None:
    rows = _agreement(db, "--coders", "ana,cat")
    assert rows["x"]["units"] == 3  # only a.txt's sentences
    assert rows["x"]["percent_agreement"] == pytest.approx(200 / 3, abs=0.01)  # Three differs
    three = _agreement(db, "--coders", "ana,ben,cat")
    assert "fleiss_kappa" in three["x"] and "cohen_kappa" not in three["x"]
    assert three["x"]["units"] == 6  # every sentence has at least two coders


def test_bootstrap_is_seeded(db: str) -> None:
    first = _agreement(db, "--coders", "ana,ben", "--seed", "7")
    assert first == _agreement(db, "--coders", "ana,ben", "--seed", "7")


def test_character_agreement(db: str) -> None:
    out = _invoke("agreement", "-p", db, "--coders", "ana,ben", "--characters", "--format", "json")
    chars = json.loads(out)["characters"]
    row = next(r for r in chars if r["code"] == "x" and r["source"] == "a.txt")
    size = len(FILES["a.txt"])
    assert (row["characters"], row["both"], row["a_only"], row["b_only"]) == (size, 4, 6, 0)
    assert row["agreement"] == round((size - 6) / size * 100, 2)


def test_unknown_coder_is_a_usage_error(db: str) -> None:
    result = runner.invoke(app, ["agreement", "-p", db, "--coders", "ana,zed"])
    assert result.exit_code == 2
    assert "no codings by zed" in result.stderr


def test_cohen_kappa_and_alpha_equal_the_libraries_on_random_data() -> None:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(11)
    for _ in range(20):
        a, b = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
        assert stats.cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
        values = rng.integers(0, 2, (300, 3)).astype(float)
        values[rng.random((300, 3)) < 0.25] = np.nan
        ours = stats.alpha_binary(stats.unit_types(values))
        theirs = krippendorff.alpha(reliability_data=values.T, level_of_measurement="nominal")
        assert ours == pytest.approx(theirs, abs=1e-12)


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": four
# observers, twelve units, "." missing.
KRIPPENDORFF_2011 = """unit,A,B,C,D
1,1,1,,1
2,2,2,3,2
3,3,3,3,3
4,3,3,3,3
5,2,2,2,2
6,1,2,3,4
7,4,4,4,4
8,1,1,2,1
9,2,2,2,2
10,,5,5,5
11,,,1,1
12,,3,,
"""


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_published_values(tmp_path: Path, level: str, published: float) -> None:
    table = tmp_path / "k.csv"
    table.write_text(KRIPPENDORFF_2011, encoding="utf-8")
    out = _invoke("agreement", "--table", str(table), "--level", level, "--format", "json",
                  "--bootstrap", "100")  # fmt: skip
    data = json.loads(out)
    assert round(data["alpha"], 3) == published
    assert data["units"] == 11  # unit 12 has one value: not pairable


# Fleiss (1971), Table 1: thirty patients, six psychiatrists each, five
# diagnoses; each row counts the psychiatrists choosing each diagnosis.
FLEISS_1971 = [
    (0, 0, 0, 6, 0), (0, 3, 0, 0, 3), (0, 1, 4, 0, 1), (0, 0, 0, 0, 6), (0, 3, 0, 3, 0),
    (2, 0, 4, 0, 0), (0, 0, 4, 0, 2), (2, 0, 3, 1, 0), (2, 0, 0, 4, 0), (0, 0, 0, 0, 6),
    (1, 0, 0, 5, 0), (1, 1, 0, 4, 0), (0, 3, 3, 0, 0), (1, 0, 0, 5, 0), (0, 2, 0, 3, 1),
    (0, 0, 5, 0, 1), (3, 0, 0, 1, 2), (5, 1, 0, 0, 0), (0, 2, 0, 4, 0), (1, 0, 2, 0, 3),
    (0, 0, 0, 0, 6), (0, 1, 0, 5, 0), (0, 2, 0, 1, 3), (2, 0, 0, 4, 0), (1, 0, 0, 4, 1),
    (0, 5, 0, 1, 0), (4, 0, 0, 0, 2), (0, 2, 0, 4, 0), (1, 0, 5, 0, 0), (0, 0, 0, 0, 6),
]  # fmt: skip


def test_fleiss_1971_published_kappa(tmp_path: Path) -> None:
    labels = ["depression", "personality", "schizophrenia", "neurosis", "other"]
    lines = ["unit," + ",".join(f"r{i}" for i in range(1, 7))]
    for number, counts in enumerate(FLEISS_1971, 1):
        ratings = [label for label, n in zip(labels, counts, strict=True) for _ in range(n)]
        lines.append(f"{number}," + ",".join(ratings))
    table = tmp_path / "fleiss.csv"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = json.loads(_invoke("agreement", "--table", str(table), "--format", "json"))
    assert round(data["fleiss_kappa"], 3) == 0.430
    assert data["fleiss_units"] == 30


def test_a_bad_table_names_the_file(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("unit,A,B\n1,x,2\n", encoding="utf-8")
    result = runner.invoke(app, ["agreement", "--table", str(table), "--level", "interval"])
    assert result.exit_code == 1
    assert str(table) in result.stderr and "not numbers" in result.stderr


def test_disagreements_in_every_format(db: str, tmp_path: Path) -> None:
    import csv

    import docx
    import pandas as pd

    out = tmp_path / "d.csv"
    _invoke("disagreements", "-p", db, "--coders", "ana,ben", "--unit", "sentence", "-o", str(out))
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["text"], r["ana"], r["ben"]) for r in rows] == [
        ("One.", "x; y", "x"),
        ("Three.", "x", ""),
        ("Six.", "y", "x"),
    ]
    assert all(r["consensus"] == "" for r in rows)
    _invoke("disagreements", "-p", db, "--coders", "ana,ben", "--unit", "sentence",
            "-o", str(tmp_path / "d.xlsx"))  # fmt: skip
    assert pd.read_excel(tmp_path / "d.xlsx")["text"].tolist() == ["One.", "Three.", "Six."]
    _invoke("disagreements", "-p", db, "--coders", "ana,ben", "--unit", "sentence",
            "-o", str(tmp_path / "d.docx"))  # fmt: skip
    document = docx.Document(str(tmp_path / "d.docx"))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [
        "a.txt", "c.txt",
    ]  # fmt: skip
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["Where", "Text", "ana", "ben", "Consensus"]
    assert first.rows[1].cells[1].text == "One." and first.rows[1].cells[2].text == "x; y"


def test_evaluate_scores_confusions_and_misses(db: str) -> None:
    out = _invoke("evaluate", "-p", db, "--gold", "ana", "--pred", "ben", "--unit", "sentence",
                  "--format", "json")  # fmt: skip
    data = json.loads(out)
    scores = {s["code"]: s for s in data["scores"]}
    assert (scores["x"]["precision"], scores["x"]["recall"]) == (0.6667, 0.6667)
    assert (scores["y"]["precision"], scores["y"]["recall"]) == (1.0, 0.3333)
    assert data["confusions"] == [{"gold": "y", "predicted": "x", "units": 1}]
    misses = {(m["kind"], m["code"], m["text"]) for m in data["misses"]}
    assert misses == {
        ("false_negative", "x", "Three."),
        ("false_positive", "x", "Six."),
        ("false_negative", "y", "One."),
        ("false_negative", "y", "Six."),
    }


def test_sample_double_coded_by_a_person_and_the_rules(tmp_path: Path) -> None:
    """The shipped sample coded twice — by hand (benchmarks/dev/gold.csv) and by the
    codebook's rules — gives an agreement table and a consensus document."""
    import docx

    repo = Path(__file__).resolve().parents[1]
    sample, book = repo / "transcripts_sample", repo / "codebooks" / "pd-leadership.yaml"
    db = str(tmp_path / "p.db")
    _invoke("init", "-p", db)
    _invoke("import", str(sample), "--manifest", str(sample / "manifest.csv"), "-p", db)
    _invoke("code", "--codebook", str(book), "--unit", "turn", "-p", db)
    _invoke("codings", "import", str(repo / "benchmarks" / "dev" / "gold.csv"), "--coder", "ana",
            "--codebook", str(book), "-p", db)  # fmt: skip
    rules = "rules:pd-leadership@1.0.0"
    rows = _agreement(db, "--coders", f"ana,{rules}", "--unit", "turn")
    assert len(rows) == 22  # 21 codes and the pooled row
    assert all(-1 <= r["cohen_kappa"] <= 1 for r in rows.values() if r["cohen_kappa"] is not None)
    out = tmp_path / "consensus.docx"
    _invoke("disagreements", "-p", db, "--coders", f"ana,{rules}", "-o", str(out))
    document = docx.Document(str(out))
    assert document.tables and document.tables[0].rows[0].cells[1].text == "Text"
    evaluation = json.loads(
        _invoke("evaluate", "-p", db, "--gold", "ana", "--pred", rules, "--format", "json")
    )
    micro = next(s for s in evaluation["scores"] if s["code"] == "micro")
    assert micro["support"] == 140  # the dev gold coding's turn-level codings
