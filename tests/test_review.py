"""`pdcode review export|import|summary`, `evaluate --gold reviewed` and the review
column of `export codings`, on the shipped sample coded by its codebook."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from pdcode import api
from pdcode.api.review import wilson
from pdcode.api.review_files import EXPORT_COLUMNS
from pdcode.cli import app
from tests.conftest import REPO
from tests.conftest import cli_ok as _ok

CODER = "rules:pd-leadership@1.0.0"
BOOK = str(REPO / "codebooks" / "pd-leadership.yaml")
CODINGS = 223  # the demo's codings by CODER
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    api.run_demo(folder)
    return folder / "pdcode.db"


@pytest.fixture
def db(demo: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo project for each test."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{demo}{suffix}").exists():
            shutil.copy(f"{demo}{suffix}", tmp_path / f"p.db{suffix}")
    return str(tmp_path / "p.db")


def _fails(code: int, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.stderr


def _export(db: str, out: Path, *extra: str) -> list[dict[str, str]]:
    _ok("review", "export", "--coder", CODER, "--reviewer", "jo", "-o", str(out), "-p", db, *extra)
    return list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))


def _write(rows: list[dict[str, str]], out: Path) -> Path:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(EXPORT_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return out


def _summary(db: str, *extra: str) -> dict[str, dict[str, object]]:
    rows = json.loads(_ok("review", "summary", "--format", "json", "-p", db, *extra))
    return {r["code"]: r for r in rows}


def _by_code(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        found.setdefault(row["code"], []).append(row)
    return found


# -- export --------------------------------------------------------------------


def test_export_csv_one_row_per_coding_in_order_and_reproducible(db: str, tmp_path: Path) -> None:
    out = tmp_path / "review.csv"
    rows = _export(db, out)
    first = out.read_bytes()
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert len(rows) == CODINGS
    keys = [(r["source"], int(r["start"]), int(r["end"]), r["code"]) for r in rows]
    assert keys == sorted(keys)
    assert {r["coder"] for r in rows} == {CODER}
    assert {r["reviewer"] for r in rows} == {"jo"}
    assert not any(r["decision"] or r["new_code"] for r in rows)
    assert all(r["rule"] and r["matched"] and r["text"] and r["speaker"] for r in rows)
    # The matched words are inside the coded text, as the rule found them.
    assert all(r["matched"].casefold() in r["text"].casefold() for r in rows)
    _export(db, out)
    assert out.read_bytes() == first  # no timestamps: the same bytes again
    stdout = _ok("review", "export", "--coder", CODER, "--reviewer", "jo", "-p", db)
    assert stdout.encode("utf-8") == first


def test_export_xlsx_opens_in_openpyxl_and_is_reproducible(db: str, tmp_path: Path) -> None:
    out = tmp_path / "review.xlsx"
    _ok("review", "export", "--coder", CODER, "--reviewer", "jo", "-o", str(out), "-p", db)
    first = out.read_bytes()
    sheet = load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(EXPORT_COLUMNS)
    assert len(values) == CODINGS + 1
    assert {v[EXPORT_COLUMNS.index("reviewer")] for v in values[1:]} == {"jo"}
    assert all(v[EXPORT_COLUMNS.index("decision")] is None for v in values[1:])
    assert all(isinstance(v[EXPORT_COLUMNS.index("start")], int) for v in values[1:])
    _ok("review", "export", "--coder", CODER, "--reviewer", "jo", "-o", str(out), "-p", db)
    assert out.read_bytes() == first


def test_export_refuses_what_it_cannot_write(db: str, tmp_path: Path) -> None:
    assert "not a machine coder" in _fails(2, "review", "export", "--coder", "ana", "-p", db)
    assert "no codings by" in _fails(2, "review", "export", "--coder", "rules:x@1", "-p", db)
    stderr = _fails(2, "review", "export", "--coder", CODER, "--format", "xlsx", "-p", db)
    assert "--output" in stderr


# -- import ----------------------------------------------------------------------


def _filled(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Decide on the first six codings of three codes: accept, reject (x), change
    (c, to Trust by its name), in several spellings."""
    by_code = _by_code(rows)
    plan = {
        "buy_in": ["a", "ACCEPT", "x", "Reject", "c", "accept"],
        "coaching": ["accept", "A", "a", "a", "a", "x"],
        "governance": ["reject", "X", "change", "C", "x", "x"],
    }
    for code, said in plan.items():
        for row, decision in zip(by_code[code], said, strict=False):
            row["decision"] = decision
            if decision.casefold() in ("c", "change"):
                row["new_code"] = "Trust"
    return rows


def test_filled_csv_imports_and_the_summary_counts_it(db: str, tmp_path: Path) -> None:
    rows = _filled(_export(db, tmp_path / "review.csv"))
    sheet = _write(rows, tmp_path / "filled.csv")
    stdout = _ok("review", "import", str(sheet), "-p", db)
    assert stdout.strip() == (
        f"Stored 18 decision(s) by jo on {CODER}; 0 unchanged; "
        f"{CODINGS - 18} row(s) without a decision skipped."
    )
    summary = _summary(db)
    assert {
        k: (v["reviewed"], v["accepted"], v["rejected"], v["changed"])
        for k, v in summary.items()
        if v["reviewed"]
    } == {
        "buy_in": (6, 3, 2, 1),
        "coaching": (6, 5, 1, 0),
        "governance": (6, 0, 4, 2),
        "(total)": (18, 8, 7, 3),
    }
    assert summary["(total)"]["codings"] == CODINGS
    # Importing the same file again changes nothing.
    stdout = _ok("review", "import", str(sheet), "-p", db)
    assert "Stored 0 decision(s)" in stdout and "18 unchanged" in stdout
    assert _summary(db) == summary
    # The export now shows the decisions, normalised, with the new code's id.
    again = _export(db, tmp_path / "again.csv")
    decided = [r for r in again if r["decision"]]
    assert len(decided) == 18
    assert {r["decision"] for r in decided} == {"accept", "reject", "change"}
    assert {r["new_code"] for r in decided if r["decision"] == "change"} == {"trust"}
    assert not any(r["new_code"] for r in decided if r["decision"] != "change")
    pending = _export(db, tmp_path / "pending.csv", "--pending")
    assert len(pending) == CODINGS - 18
    assert not any(r["decision"] for r in pending)
    # Another reviewer's sheet is still whole: decisions are per reviewer.
    _ok(
        "review",
        "export",
        "--coder",
        CODER,
        "--reviewer",
        "sam",
        "--pending",
        "-o",
        str(tmp_path / "sam.csv"),
        "-p",
        db,
    )
    assert len(list(csv.DictReader((tmp_path / "sam.csv").open(encoding="utf-8")))) == CODINGS


def test_filled_xlsx_imports(db: str, tmp_path: Path) -> None:
    out = tmp_path / "review.xlsx"
    _ok("review", "export", "--coder", CODER, "--reviewer", "jo", "-o", str(out), "-p", db)
    book = load_workbook(out)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    code_col = header.index("code") + 1
    decision_col, new_col = header.index("decision") + 1, header.index("new_code") + 1
    done = Counter[str]()
    for row in range(2, sheet.max_row + 1):
        code = sheet.cell(row, code_col).value
        if code == "learning_communities" and done[code] < 4:
            sheet.cell(row, decision_col).value = ["a", "a", "x", "c"][done[code]]
            if done[code] == 3:
                sheet.cell(row, new_col).value = "coaching"
            done[code] += 1
    book.save(out)
    # The sheet was exported for jo: its reviewer cells win over --reviewer.
    stdout = _ok("review", "import", str(out), "--reviewer", "ana", "-p", db)
    assert stdout.startswith(f"Stored 4 decision(s) by jo on {CODER}; 0 unchanged;")
    tally = _summary(db, "--reviewer", "jo")["learning_communities"]
    assert (tally["reviewed"], tally["accepted"], tally["rejected"], tally["changed"]) == (
        4,
        2,
        1,
        1,
    )
    assert _summary(db, "--reviewer", "ana")["learning_communities"]["reviewed"] == 0
    assert "4 unchanged" in _ok("review", "import", str(out), "-p", db)


def test_bad_rows_are_all_reported_and_nothing_is_stored(db: str, tmp_path: Path) -> None:
    rows = _export(db, tmp_path / "review.csv")
    by_code = _by_code(rows)
    coaching = by_code["coaching"]
    bad = [dict(r) for r in coaching[:7]]
    bad[0]["decision"] = "maybe"  # row 2
    bad[1]["decision"] = "change"  # row 3: no new code
    bad[2].update(decision="c", new_code="no_such_code")  # row 4
    bad[3].update(decision="a", start="1", end="5")  # row 5: no such coding
    bad[4].update(decision="accept")  # row 6: fine, but not stored
    bad[5].update(decision="c", new_code="Strategy")  # row 7: a group of codes
    bad[6].update(decision="a", start="twelve")  # row 8
    sheet = _write(bad, tmp_path / "bad.csv")
    result = runner.invoke(app, ["review", "import", str(sheet), "-p", db])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert [line.split(": ")[0] for line in lines[:-1]] == [
        f"{sheet}:{n}" for n in (2, 3, 4, 5, 7, 8)
    ]
    assert "unknown decision 'maybe'" in lines[0]
    assert "new_code: a change needs the new code" in lines[1]
    assert "unknown code 'no_such_code'" in lines[2]
    assert f"{CODER} has no coding 'coaching'" in lines[3]
    assert "group of codes" in lines[4]
    assert "start: not a whole number" in lines[5]
    assert lines[-1] == f"6 problem(s) in {sheet}; no decision stored."
    assert "Nothing reviewed yet" in _ok("review", "summary", "-p", db)


def test_a_change_to_a_retired_code_is_a_located_problem(db: str, tmp_path: Path) -> None:
    rows = _export(db, tmp_path / "review.csv")
    changed = [
        dict(r, decision="c", new_code="risk_taking") for r in _by_code(rows)["coaching"][:2]
    ]
    _ok("codes", "retire", "risk_taking", "-p", db)
    sheet = _write(changed, tmp_path / "retired.csv")
    result = runner.invoke(app, ["review", "import", str(sheet), "-p", db])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert [line.split(": ")[0] for line in lines[:-1]] == [f"{sheet}:{n}" for n in (2, 3)]
    assert all("risk_taking is retired" in line for line in lines[:-1])
    assert "Nothing reviewed yet" in _ok("review", "summary", "-p", db)
    _ok("codes", "retire", "risk_taking", "--undo", "-p", db)
    assert "Stored 2 decision(s)" in _ok("review", "import", str(sheet), "-p", db)


def test_files_that_are_not_sheets_are_refused(db: str, tmp_path: Path) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert f"{binary}: " in _fails(1, "review", "import", str(binary), "-p", db)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"source,start\n")
    assert f"{fake}: " in _fails(1, "review", "import", str(fake), "-p", db)
    text = tmp_path / "notes.txt"
    text.write_text("accept everything\n", encoding="utf-8")
    assert "not a review sheet" in _fails(1, "review", "import", str(text), "-p", db)
    other = tmp_path / "other.csv"
    other.write_text("source,code\na.docx,trust\n", encoding="utf-8")
    stderr = _fails(1, "review", "import", str(other), "-p", db)
    assert f"{other}:1: missing column(s) start, end, coder, decision" in stderr
    assert "Nothing reviewed yet" in _ok("review", "summary", "-p", db)


def test_a_conflicting_decision_is_refused(db: str, tmp_path: Path) -> None:
    rows = _export(db, tmp_path / "review.csv")
    first = _by_code(rows)["trust"][0]
    first["decision"] = "accept"
    _ok("review", "import", str(_write([first], tmp_path / "one.csv")), "-p", db)
    first["decision"] = "reject"
    sheet = _write([first], tmp_path / "two.csv")
    stderr = _fails(1, "review", "import", str(sheet), "-p", db)
    assert f"{sheet}:2: decision: jo already decided 'accept'" in stderr
    # Within one file: two rows deciding one coding two ways.
    second = dict(first, decision="accept")
    sheet = _write(
        [dict(first, reviewer="sam"), dict(second, reviewer="sam")], tmp_path / "three.csv"
    )
    stderr = _fails(1, "review", "import", str(sheet), "-p", db)
    assert f"{sheet}:3: decision: row 2 decides the same coding otherwise" in stderr
    assert _summary(db)["trust"]["reviewed"] == 1


def test_the_reviewer_cell_wins_over_the_option(db: str, tmp_path: Path) -> None:
    rows = _export(db, tmp_path / "review.csv")  # every row says jo
    trust = _by_code(rows)["trust"]
    trust[0]["decision"] = "a"
    trust[1].update(decision="x", reviewer="")  # an empty cell: the option decides
    stdout = _ok(
        "review", "import", str(_write(trust, tmp_path / "f.csv")), "--reviewer", "sam", "-p", db
    )
    assert "by jo, sam" in stdout
    assert _summary(db, "--reviewer", "jo")["trust"]["accepted"] == 1
    assert _summary(db, "--reviewer", "sam")["trust"]["rejected"] == 1


# -- summary ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "k,n", [(0, 0), (0, 1), (1, 1), (0, 7), (7, 7), (3, 7), (1, 13), (12, 13), (50, 100)]
)
def test_wilson_equals_statsmodels(k: int, n: int) -> None:
    if n == 0:
        assert wilson(k, n) is None
        return
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert wilson(k, n) == pytest.approx((low, high), abs=1e-12)


def test_summary_intervals_and_total_row(db: str, tmp_path: Path) -> None:
    rows = _export(db, tmp_path / "review.csv")
    by_code = _by_code(rows)
    plan = {
        "buy_in": (0, 5),
        "coaching": (4, 4),
        "internal_drivers": (3, 7),
        "pd_leader_support": (12, 13),
    }
    for code, (k, n) in plan.items():
        for i, row in enumerate(by_code[code][:n]):
            row["decision"] = "accept" if i < k else "reject"
    _ok("review", "import", str(_write(rows, tmp_path / "f.csv")), "-p", db)
    as_json = json.loads(_ok("review", "summary", "--format", "json", "-p", db))
    as_csv = list(
        csv.DictReader(io.StringIO(_ok("review", "summary", "--format", "csv", "-p", db)))
    )
    assert [r["code"] for r in as_csv] == [r["code"] for r in as_json]
    with api.open_project(db) as project:
        assert as_json == api.review_files.summary_rows(project)
    summary = {r["code"]: r for r in as_json}
    pooled = (sum(k for k, _ in plan.values()), sum(n for _, n in plan.values()))
    for code, (k, n) in [*plan.items(), ("(total)", pooled)]:
        row = summary[code]
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (row["accepted"], row["reviewed"]) == (k, n)
        assert row["precision"] == round(k / n, 4)
        assert row["low"] == pytest.approx(low, abs=1e-4)
        assert row["high"] == pytest.approx(high, abs=1e-4)
    csv_row = next(r for r in as_csv if r["code"] == "internal_drivers")
    assert float(csv_row["low"]) == summary["internal_drivers"]["low"]
    unreviewed = summary["trust"]
    assert unreviewed["reviewed"] == 0 and unreviewed["precision"] is None
    wide = runner.invoke(app, ["review", "summary", "-p", db], env={"COLUMNS": "160"})
    table = wide.stdout
    assert f"Review of {CODER}" in table
    assert "(total)" in table and "0% (0–43%)" in table and "100% (51–100%)" in table


def test_summary_with_nothing_reviewed_says_so(db: str) -> None:
    stdout = _ok("review", "summary", "-p", db)
    assert stdout.startswith("Nothing reviewed yet")
    rows = json.loads(_ok("review", "summary", "--format", "json", "-p", db))
    assert rows and not any(r["reviewed"] for r in rows)
    assert "Nothing reviewed yet by sam" in _ok("review", "summary", "--reviewer", "sam", "-p", db)


# -- evaluate --gold reviewed ------------------------------------------------------


def test_evaluate_against_the_review_gives_accepted_over_reviewed(db: str, tmp_path: Path) -> None:
    assert "pdcode serve" in _fails(2, "evaluate", "--gold", "reviewed", "--pred", CODER, "-p", db)
    rows = _filled(_export(db, tmp_path / "review.csv"))
    _ok("review", "import", str(_write(rows, tmp_path / "f.csv")), "-p", db)
    summary = _summary(db)
    result = runner.invoke(
        app, ["evaluate", "--gold", "reviewed", "--pred", CODER, "--format", "json", "-p", db]
    )
    assert result.exit_code == 0, result.output
    assert "recall sees only" in result.stderr
    scores = {s["code"]: s for s in json.loads(result.stdout)["scores"]}
    for code in ("buy_in", "coaching", "governance"):
        tally = summary[code]
        assert scores[code]["predicted"] == tally["reviewed"]
        assert scores[code]["precision"] == tally["precision"]
    # The changes to trust are its only support: the machine never coded trust there.
    assert scores["trust"]["support"] == 3 and scores["trust"]["predicted"] == 0
    table = _ok("evaluate", "--gold", "reviewed", "--pred", CODER, "-p", db)
    assert "against its review: 18 reviewed spans" in table
    stderr = _fails(
        2, "evaluate", "--gold", "reviewed", "--pred", CODER, "--unit", "turn", "-p", db
    )
    assert "--unit does not apply to --gold reviewed" in stderr
    stderr = _fails(2, "evaluate", "--gold", "ana", "--pred", CODER, "--reviewer", "jo", "-p", db)
    assert "--reviewer goes with --gold reviewed" in stderr


def test_evaluate_the_newest_decision_wins_unless_a_reviewer_is_named(
    db: str, tmp_path: Path
) -> None:
    rows = _export(db, tmp_path / "review.csv")
    coaching = _by_code(rows)["coaching"][:2]
    for row in coaching:
        row["decision"] = "accept"
    _ok("review", "import", str(_write(coaching, tmp_path / "jo.csv")), "-p", db)
    for row in coaching:
        row.update(decision="reject", reviewer="sam")
    coaching[1]["decision"] = "accept"
    _ok("review", "import", str(_write(coaching, tmp_path / "sam.csv")), "-p", db)

    def precision(*extra: str) -> float:
        out = _ok(
            "evaluate", "--gold", "reviewed", "--pred", CODER, "--format", "json", "-p", db, *extra
        )
        return next(s["precision"] for s in json.loads(out)["scores"] if s["code"] == "coaching")

    assert precision() == 0.5  # sam's, the newer
    assert precision("--reviewer", "jo") == 1.0
    assert precision("--reviewer", "sam") == 0.5


# -- export codings, reruns ------------------------------------------------------------


def test_export_codings_carries_the_decisions(db: str, tmp_path: Path) -> None:
    rows = _export(db, tmp_path / "review.csv")
    trust = _by_code(rows)["trust"][:2]
    trust[0]["decision"] = "accept"
    trust[1].update(decision="change", new_code="coaching")
    _ok("review", "import", str(_write(trust, tmp_path / "jo.csv")), "-p", db)
    trust[0].update(decision="reject", reviewer="ana")
    _ok("review", "import", str(_write(trust[:1], tmp_path / "ana.csv")), "-p", db)
    out = _ok("export", "codings", "--explain", "-p", db)
    codings = list(csv.DictReader(io.StringIO(out)))
    assert list(codings[0])[10:13] == ["rule", "review", "text"]

    def at(row: dict[str, str], coder: str) -> list[dict[str, str]]:
        return [
            c
            for c in codings
            if c["coder"] == coder
            and (c["source"], c["start"], c["end"]) == (row["source"], row["start"], row["end"])
        ]

    machine = [c for c in at(trust[0], CODER) if c["code"] == "trust"]
    assert machine[0]["review"] == "reject by ana; accept by jo"
    changed = [c for c in at(trust[1], CODER) if c["code"] == "trust"]
    assert changed[0]["review"] == "change to coaching by jo"
    made = at(trust[0], "jo") + at(trust[1], "jo")
    assert [(c["code"], c["provenance"], c["review"]) for c in made] == [
        ("trust", f"review:{CODER}", ""),
        ("coaching", f"review:{CODER}", ""),
    ]
    untouched = [c for c in codings if c["coder"] == CODER and c["code"] == "buy_in"]
    assert not any(c["review"] for c in untouched)
    as_json = json.loads(_ok("export", "codings", "--format", "json", "--code", "buy_in", "-p", db))
    assert {r["review"] for r in as_json} == {None}


def test_decisions_survive_a_rerun_of_the_codebook(db: str, tmp_path: Path) -> None:
    rows = _filled(_export(db, tmp_path / "review.csv"))
    sheet = _write(rows, tmp_path / "f.csv")
    _ok("review", "import", str(sheet), "-p", db)
    before = _summary(db)
    _ok("code", "--codebook", BOOK, "-p", db)
    assert _summary(db) == before
    assert len(_export(db, tmp_path / "pending.csv", "--pending")) == CODINGS - 18
    assert "18 unchanged" in _ok("review", "import", str(sheet), "-p", db)


def test_a_cell_neutralised_in_the_csv_still_names_its_coding(tmp_path: Path) -> None:
    """A source named like a formula is exported as '=... and read back as itself;
    without --reviewer the sheet is the login user's."""
    import getpass

    db = str(tmp_path / "p.db")
    source = tmp_path / "=sum(1).txt"
    source.write_text(
        "Interviewer: How is coaching organised?\n\nTeacher: Every teacher has a coach.\n",
        encoding="utf-8",
    )
    _ok("init", "-p", db)
    _ok("import", str(source), "-p", db)
    _ok("code", "--codebook", BOOK, "-p", db)
    out = tmp_path / "review.csv"
    _ok("review", "export", "--coder", CODER, "-o", str(out), "-p", db)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["source"], r["code"]) for r in rows] == [("'=sum(1).txt", "coaching")]
    assert rows[0]["reviewer"] == getpass.getuser()
    raw = _ok("review", "export", "--coder", CODER, "--raw-csv", "-p", db)
    assert "\n=sum(1).txt," in raw
    rows[0]["decision"] = "a"
    assert "Stored 1 decision(s)" in _ok(
        "review", "import", str(_write(rows, tmp_path / "f.csv")), "-p", db
    )
    assert _summary(db)["coaching"]["accepted"] == 1
