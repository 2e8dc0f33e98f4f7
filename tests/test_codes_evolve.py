"""`pdcode codes rename|merge|move|retire|list|history`: a codebook that evolves without
losing a coding, on the shipped sample coded by the rules and by two people."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text as sql

from pdcode import api
from pdcode.codebook import content_hash, iter_codes, load_codebook
from pdcode.codebook import edit as book_edit
from pdcode.records import NewCode
from pdcode.store import SCHEMA_VERSION, Project
from tests.conftest import REPO, cli_ok, database, own_copy, run_cli, unmigrated, v6_project

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"
# Respondent sentences of the sample (by position) and the codes each person gave.
CODED = {
    "ana": [
        (0, "trust"), (1, "trust"), (2, "coaching"), (2, "learning_communities"),
        (3, "learning_communities"), (4, "risk_taking"), (5, "buy_in"),
    ],
    "ben": [
        (0, "trust"), (6, "coaching"), (6, "learning_communities"), (7, "coaching"),
        (8, "risk_taking"),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project (the rules on every respondent sentence) with ana's and ben's
    codings imported from spreadsheets."""
    folder = tmp_path_factory.mktemp("evolve")
    project = api.run_demo(folder).project
    with Project.open(project) as opened:
        sentences = [r for r in opened.segment_rows("sentence") if not r["is_interviewer"]]
    for coder, coded in CODED.items():
        sheet = folder / f"{coder}.csv"
        with sheet.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source", "start", "end", "code"])
            for index, code in coded:
                s = sentences[index * 7]  # spread over the sources
                writer.writerow([s["source"], s["start"], s["end"], code])
        cli_ok("codings", "import", str(sheet), "--coder", coder, "-p", str(project))
    return project


@pytest.fixture
def db(base: Path, tmp_path: Path) -> str:
    return own_copy(base, tmp_path)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A copy of the shipped codebook for the verbs to write back."""
    copy = tmp_path / "pd-leadership.yaml"
    shutil.copy(BOOK, copy)
    return copy


def _codings(db: str) -> list[dict[str, Any]]:
    with Project.open(db) as project:
        return api.codings(project)


def _spans(rows: list[dict[str, Any]], coder: str, codes: set[str]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (r["source"], r["start"], r["end"])
        for r in rows
        if r["coder"] == coder and r["code"] in codes
    )


def _frequencies(db: str, level: str = "leaf") -> dict[str, int]:
    with Project.open(db) as project:
        table = api.frequencies(project, level=level)
    return {row["code"]: row["references"] for row in table.rows}


def _said(*args: str) -> str:
    """A command's output as one line (rich wraps long lines)."""
    return " ".join(cli_ok(*args).split())


def _codes(db: str) -> dict[str, dict[str, Any]]:
    found = json.loads(cli_ok("codes", "list", "--json", "-p", db))
    return {row["code"]: row for row in found["codes"]}


def _state(db: str) -> tuple[Any, ...]:
    """Every row a change could touch."""
    with database(db) as conn:
        return tuple(
            conn.execute(sql(f"SELECT * FROM {table} ORDER BY id")).all()
            for table in ("codebooks", "codes", "codings", "reviews", "memos",
                          "codebook_history", "retired_codes")
        )  # fmt: skip


# -- rename --------------------------------------------------------------------------


def test_rename_keeps_every_human_coding(db: str, book: Path) -> None:
    before = _codings(db)
    counts = _frequencies(db)
    out = _said("codes", "rename", "trust", "trust_building", "--name", "Trust building",
                "--file", str(book), "-p", db)  # fmt: skip
    assert out.startswith("Renamed trust to trust_building (Trust building); ")
    after = _codings(db)
    for coder in ("ana", "ben", RULES):
        assert _spans(after, coder, {"trust_building"}) == _spans(before, coder, {"trust"})
        assert _spans(before, coder, {"trust"})  # there was something to keep
        assert len([r for r in after if r["coder"] == coder]) == len(
            [r for r in before if r["coder"] == coder]
        )
    assert not [r for r in after if r["code"] == "trust"]
    # Only the code changed: same spans, coders and provenance, in the same order.
    strip = [{**r, "code": r["code"].replace("trust_building", "trust")} for r in after]
    assert sorted(strip, key=lambda r: r["id"]) == sorted(before, key=lambda r: r["id"])
    now = _frequencies(db)
    assert now["trust_building"] == counts["trust"] and "trust" not in now
    assert _codes(db)["trust_building"]["name"] == "Trust building"


def test_the_yaml_written_back_keeps_comments_and_order(db: str, book: Path) -> None:
    cli_ok("codes", "rename", "trust", "trust_building", "--file", str(book), "-p", db)
    old, new = BOOK.read_text("utf-8"), book.read_text("utf-8")
    assert new.startswith("# The codebook for the leadership of teacher professional")
    assert "            # a coach that is a bus\n" in new
    changed = [(a, b) for a, b in zip(old.splitlines(), new.splitlines(), strict=True) if a != b]
    assert changed == [("      - id: trust", "      - id: trust_building")]
    ids = [c.id for c, _ in iter_codes(load_codebook(book))]
    assert ids == [
        "trust_building" if c.id == "trust" else c.id for c, _ in iter_codes(load_codebook(BOOK))
    ]


def test_the_edited_file_codes_again_without_orphans(db: str, book: Path) -> None:
    cli_ok("codes", "rename", "trust", "trust_building", "--file", str(book), "-p", db)
    before = _spans(_codings(db), RULES, {"trust_building"})
    loads = _state(db)[0]
    out = cli_ok("code", "--codebook", str(book), "-p", db)
    assert "trust_building" in out
    assert _spans(_codings(db), RULES, {"trust_building"}) == before
    assert _state(db)[0] == loads  # the file is the stored codebook: no new load


def test_renaming_back_makes_the_old_content_the_newest_again(db: str) -> None:
    before = _codings(db)
    cli_ok("codes", "rename", "trust", "trust_building", "-p", db)
    cli_ok("codes", "rename", "trust_building", "trust", "-p", db)
    assert _codings(db) == before
    assert "trust" in _codes(db) and "trust_building" not in _codes(db)
    with database(db) as conn:
        books = conn.execute(sql("SELECT id, content_hash FROM codebooks ORDER BY id")).all()
        [used] = conn.execute(sql("SELECT DISTINCT codebook_id FROM codings WHERE coder = :c"),
                              {"c": RULES}).all()  # fmt: skip
    # The shipped content is stored once, as the newest load, and the rule codings
    # name it: the content their provenance hashes.
    assert len(books) == 2 and books[-1][1] == content_hash(BOOK) != books[0][1]
    assert used[0] == books[-1][0]


# -- merge ---------------------------------------------------------------------------


def test_merge_keeps_every_human_coding_but_exact_duplicates(db: str, book: Path) -> None:
    merged = {"coaching", "learning_communities"}
    before = _codings(db)
    out = _said("codes", "merge", "coaching", "learning_communities", "--into",
                "collaborative_pd", "--name", "Collaborative PD", "--file", str(book),
                "-p", db)  # fmt: skip
    assert "Merged coaching, learning_communities into collaborative_pd (new)" in out
    assert "duplicate codings removed (ana 1, ben 1" in out
    after = _codings(db)
    for coder in ("ana", "ben", RULES):
        was, now = _spans(before, coder, merged), _spans(after, coder, {"collaborative_pd"})
        assert set(now) == set(was)  # every span kept
        assert all(n == 1 for n in now.values())  # once
        removed = sum(was.values()) - sum(now.values())
        assert removed == sum(n - 1 for n in was.values())
    assert not [r for r in after if r["code"] in merged]
    codes = _codes(db)
    assert codes["collaborative_pd"]["name"] == "Collaborative PD"
    assert codes["collaborative_pd"]["parent"] == "collaboration"
    assert not merged & set(codes)
    merged_book = load_codebook(book)
    [new] = [c for c, _ in iter_codes(merged_book) if c.id == "collaborative_pd"]
    assert new.rules is not None and new.definition.startswith("Coaching")  # coaching's place
    assert r"\bthe coach (comes|came|watches|visits)\b" in new.rules.regex  # its rules
    assert r"\b(professional )?learning communit(y|ies)\b" in new.rules.regex  # and the other's


def test_merge_into_one_of_them_says_what_it_did_not_carry(db: str) -> None:
    result = run_cli("codes", "merge", "buy_in", "valuing_staff", "--into", "valuing_staff",
                     "-p", db)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "vetoes (exclude_if) of buy_in were not carried" in " ".join(result.output.split())
    codes = _codes(db)
    assert "buy_in" not in codes and codes["valuing_staff"]["name"] == "Valuing staff"
    assert [r for r in _codings(db) if r["coder"] == "ana" and r["code"] == "valuing_staff"]


def test_review_decisions_follow_a_merge(db: str) -> None:
    from pdcode.store import reviews

    rows = _codings(db)
    pairs = _spans(rows, RULES, {"coaching"}) & _spans(rows, RULES, {"learning_communities"})
    [span] = list(pairs)
    ids = {r["code"]: r["id"] for r in rows if r["coder"] == RULES and
           (r["source"], r["start"], r["end"]) == span}  # fmt: skip
    with Project.open(db) as project:
        reviews.decide(project, ids["coaching"], "cara", "reject")
        reviews.decide(project, ids["learning_communities"], "cara", "accept")
    out = _said("codes", "merge", "coaching", "learning_communities", "--into", "coaching",
                "-p", db)  # fmt: skip
    assert "1 made one with another" in out
    with Project.open(db) as project:
        [decision] = [d for d in reviews.review_rows(project) if d["reviewer"] == "cara"]
    assert (decision["code"], decision["decision"]) == ("coaching", "accept")
    kept = [r for r in _codings(db) if r["coder"] == "cara"]
    assert [(r["code"], (r["source"], r["start"], r["end"])) for r in kept] == [("coaching", span)]


# -- move and retire -----------------------------------------------------------------


def test_move_changes_the_parent_and_the_group_frequencies(db: str, book: Path) -> None:
    groups = _frequencies(db, "group")
    leaves = _frequencies(db)
    out = _said("codes", "move", "trust", "--parent", "leadership", "--file", str(book), "-p", db)
    assert out == "Moved trust under leadership (from culture)."
    assert _codes(db)["trust"]["parent"] == "leadership"
    assert {c.id: p for c, p in iter_codes(load_codebook(book))}["trust"] == "leadership"
    now = _frequencies(db, "group")
    assert now["leadership"] > groups["leadership"] and now["culture"] < groups["culture"]
    assert _frequencies(db) == leaves  # the codes themselves count as before
    cli_ok("codes", "move", "trust", "--root", "-p", db)
    assert _codes(db)["trust"]["parent"] is None


def test_retire_keeps_codings_and_stops_the_rules(db: str, book: Path) -> None:
    before = _codings(db)
    out = _said("codes", "retire", "risk_taking", "--file", str(book), "-p", db)
    assert out == "Retired risk_taking."
    assert "- id: risk_taking  # retired: its codings are kept" in book.read_text("utf-8")
    assert _codes(db)["risk_taking"]["retired"]
    assert _codings(db) == before  # nothing recoded
    ran = " ".join(cli_ok("code", "--codebook", str(book), "-p", db).split())
    assert "Not applied (retired): risk_taking." in ran
    after = _codings(db)
    for coder in ("ana", "ben"):  # people's codings stay
        assert _spans(after, coder, {"risk_taking"}) == _spans(before, coder, {"risk_taking"})
    assert not _spans(after, RULES, {"risk_taking"}) and _spans(before, RULES, {"risk_taking"})
    assert _said("codes", "retire", "risk_taking", "--undo", "--file", str(book), "-p", db) == (
        "Brought back risk_taking."
    )
    assert book.read_text("utf-8") == BOOK.read_text("utf-8")
    assert not _codes(db)["risk_taking"]["retired"]


def test_retiring_a_group_retires_the_codes_under_it(db: str) -> None:
    out = _said("codes", "retire", "culture", "-p", db)
    assert out == "Retired culture, trust, risk_taking, buy_in, valuing_staff."
    assert {c for c, row in _codes(db).items() if row["retired"]} == {
        "culture", "trust", "risk_taking", "buy_in", "valuing_staff",
    }  # fmt: skip
    result = run_cli("codes", "retire", "trust", "-p", db)
    assert result.exit_code == 1 and "trust is retired already" in result.output


def test_a_retired_code_is_applied_by_no_one_but_its_codings_stay(db: str) -> None:
    """A retired code is not applied again: not by a person in the workbench or by
    a review's change, not by ``search --code-as``, not by a model's suggestions.
    Its codings stay, and the workbench still shows them."""
    from pdcode.errors import UsageError

    cli_ok("codes", "retire", "risk_taking", "-p", db)
    with Project.open(db) as project:
        listed = {c["code"]: c for c in api.workbench.codes(project)}
        assert listed["risk_taking"]["retired"] and not listed["coaching"]["retired"]
        rules = [r for r in api.codings(project) if r["coder"] == RULES]
        kept = [r for r in rules if r["code"] == "risk_taking"]
        assert kept and all(r["code"] in listed for r in rules)  # legends keep their colour
        source, start, end = kept[0]["source"], kept[0]["start"], kept[0]["end"]
        with pytest.raises(UsageError, match="risk_taking is retired"):
            api.workbench.code_span(
                project, source, start, end, listed["risk_taking"]["name"], "ana"
            )
        made = api.workbench.code_span(project, source, start, end, "coaching", "ana")
        with pytest.raises(UsageError, match="retired"):
            api.workbench.recode(project, made["id"], "ana", "coaching", "risk_taking")
        other = next(r for r in rules if r["code"] != "risk_taking")
        with pytest.raises(UsageError, match="retired"):
            api.review.decide(project, other["id"], "ben", "change", "risk_taking")
        api.review.decide(project, kept[0]["id"], "ben", "accept")  # its codings stay reviewable
        mine = [r for r in api.codings(project) if r["coder"] == "ana" and r["id"] == made["id"]]
        assert [r["code"] for r in mine] == ["coaching"]
    refused = run_cli("search", "risk", "--code-as", "risk_taking", "--coder", "cat", "-p", db)
    assert refused.exit_code == 2 and "risk_taking is retired" in refused.output
    assert "cat" not in {r["coder"] for r in _codings(db)}


def test_suggest_leaves_out_a_code_retired_since_the_model_learned_it(db: str) -> None:
    first = " ".join(cli_ok("suggest", "--model", "pd-leadership", "-p", db).split())
    assert "Not suggested" not in first
    model = next(c for c in {r["coder"] for r in _codings(db)} if c.startswith("model:"))
    before = Counter(r["code"] for r in _codings(db) if r["coder"] == model)
    retire = max(before, key=lambda c: before[c])  # the code it suggests most
    cli_ok("codes", "retire", retire, "-p", db)
    again = " ".join(cli_ok("suggest", "--model", "pd-leadership", "-p", db).split())
    assert f"Not suggested (retired): {retire}." in again
    after = Counter(r["code"] for r in _codings(db) if r["coder"] == model)
    assert retire not in after
    assert after == Counter({c: n for c, n in before.items() if c != retire})


# -- history ---------------------------------------------------------------------------


def test_history_lists_each_change_with_who_and_when(db: str) -> None:
    assert "No change to the codes yet" in cli_ok("codes", "history", "-p", db)
    cli_ok("codes", "rename", "trust", "trust_building", "--by", "ana", "-p", db)
    cli_ok("codes", "merge", "coaching", "learning_communities", "--into", "coaching",
           "--by", "ben", "-p", db)  # fmt: skip
    cli_ok("codes", "move", "trust_building", "--parent", "leadership", "--by", "ana", "-p", db)
    cli_ok("codes", "retire", "risk_taking", "--by", "ana", "-p", db)
    found = json.loads(cli_ok("codes", "history", "--json", "-p", db))["history"]
    assert [(e["action"], e["who"]) for e in found] == [
        ("rename", "ana"), ("merge", "ben"), ("move", "ana"), ("retire", "ana"),
    ]  # fmt: skip
    assert all(e["at"].endswith("Z") and e["codebook"] == "pd-leadership" for e in found)
    recoded = found[0]["details"]["codings"]
    assert (recoded["ana"], recoded["ben"]) == (2, 1) and recoded[RULES] > 0
    assert found[0]["change"].startswith("renamed trust to trust_building; ")
    assert "codings recoded (ana 2, ben 1, rules:" in found[0]["change"]
    assert found[2]["change"] == "moved trust_building under leadership (from culture)"
    table = " ".join(cli_ok("codes", "history", "-p", db).split())
    assert "retired risk_taking" in table


# -- orphans -------------------------------------------------------------------------


def test_a_codebook_that_would_orphan_human_codings_is_refused_without_force(
    db: str, base: Path
) -> None:
    cli_ok("codes", "rename", "trust", "trust_building", "-p", db)
    before = _state(db)
    result = run_cli("code", "--codebook", str(BOOK), "-p", db)
    assert result.exit_code == 1
    said = result.output
    assert "1 code(s) of pd-leadership that people's codings use are not in it" in said
    assert "  trust_building: ana 2, ben 1\n" in said
    assert _state(db) == before
    result = run_cli("codings", "import", str(base.parent / "ben.csv"), "--coder", "ben",
                     "--codebook", str(BOOK), "-p", db)  # fmt: skip
    assert result.exit_code == 1 and "trust_building: ana 2, ben 1" in result.output
    assert _state(db) == before
    cli_ok("code", "--codebook", str(BOOK), "--force", "-p", db)
    kept = _codings(db)
    assert len(_spans(kept, "ana", {"trust_building"})) == 2  # kept, orphaned as asked
    found = json.loads(cli_ok("codes", "history", "--json", "-p", db))["history"]
    assert found[-1]["action"] == "orphan"
    assert found[-1]["details"]["codes"] == {"trust_building": {"ana": 2, "ben": 1}}


def test_a_codings_file_written_before_a_rename_finds_the_new_code(db: str, base: Path) -> None:
    cli_ok("codes", "rename", "trust", "trust_building", "-p", db)
    before = _spans(_codings(db), "ben", {"trust_building"})
    cli_ok("codings", "import", str(base.parent / "ben.csv"), "--coder", "ben", "-p", db)
    assert _spans(_codings(db), "ben", {"trust_building"}) == before


# -- nothing half done -----------------------------------------------------------------


def test_dry_run_writes_nothing(db: str, book: Path) -> None:
    before, text = _state(db), book.read_bytes()
    out = _said("codes", "merge", "coaching", "learning_communities", "--into", "coaching",
                "--file", str(book), "--dry-run", "-p", db)  # fmt: skip
    assert out.startswith("Dry run, nothing written: would have merged coaching")
    assert "duplicate codings removed (ana 1, ben 1" in out
    assert _state(db) == before and book.read_bytes() == text


def test_a_failure_midway_leaves_the_project_and_the_file_as_they_were(
    db: str, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pdcode.store import codebook_history

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk gone")

    before, text = _state(db), book.read_bytes()
    monkeypatch.setattr(codebook_history, "add_in", fail)
    with Project.open(db) as project, pytest.raises(RuntimeError):
        api.codes.merge_codes(project, ["coaching", "learning_communities"], "coaching",
                              file=book)  # fmt: skip
    assert _state(db) == before and book.read_bytes() == text


def test_a_failed_commit_puts_the_file_back(
    db: str, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pdcode.store import codebook_edits

    original = codebook_edits.apply_edit

    def written_then_fail(*args: Any, before_commit: Any = None, **kwargs: Any) -> Any:
        def write_then_fail() -> None:
            before_commit()
            assert book.read_bytes() != text
            raise RuntimeError("commit failed")

        return original(*args, before_commit=write_then_fail, **kwargs)

    before, text = _state(db), book.read_bytes()
    monkeypatch.setattr(codebook_edits, "apply_edit", written_then_fail)
    with Project.open(db) as project, pytest.raises(RuntimeError):
        api.codes.rename_code(project, "trust", "trust_building", file=book)
    assert _state(db) == before and book.read_bytes() == text


# -- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (["rename", "trsut", "x"], 2, "no code 'trsut' in codebook pd-leadership (did you mean trust?)"),
        (["rename", "trust", "Trust Building"], 2, "is not snake_case"),
        (["rename", "trust", "coaching"], 1, "has a code 'coaching' already"),
        (["rename", "trust", "x", "--codebook", "pd-leadershp"], 2, "choose from pd-leadership"),
        (["merge", "coaching", "learning_communities", "--into", "peer_pd"], 2, "give its name with --name"),
        (["merge", "culture", "trust", "--into", "trust"], 1, "culture is a group"),
        (["move", "trust", "--parent", "coaching"], 1, "coaching has rules"),
        (["move", "culture", "--parent", "trust"], 1, "culture cannot go under trust, which is in it"),
        (["move", "trust"], 2, "give --parent GROUP"),
        (["move", "trust", "--parent", "culture"], 1, "trust is under culture already"),
        (["retire", "trust", "--undo"], 1, "trust is not retired"),
    ],
)  # fmt: skip
def test_bad_changes_are_refused_in_one_line(
    db: str, args: list[str], status: int, words: str
) -> None:
    before = _state(db)
    result = run_cli("codes", *args, "-p", db)
    assert result.exit_code == status, result.output
    assert words in " ".join(result.output.split())
    assert _state(db) == before


def test_a_file_of_another_codebook_is_refused(db: str) -> None:
    other = REPO / "codebooks" / "interview-process.yaml"
    result = run_cli("codes", "rename", "trust", "x", "--file", str(other), "-p", db)
    assert result.exit_code == 1 and "holds codebook interview-process" in result.output


def test_a_model_that_knows_a_renamed_code_is_named(db: str) -> None:
    with database(db) as conn:
        conn.execute(
            sql("INSERT INTO models (name, hash, record, unit, coders, created_at) "
                "VALUES ('ana-style', 'abc', :r, 'turn', '[\"ana\"]', '2024-01-01T00:00:00Z')"),
            {"r": json.dumps({"codes": ["trust", "coaching"]})},
        )  # fmt: skip
    result = run_cli("codes", "rename", "trust", "trust_building", "-p", db)
    assert result.exit_code == 0
    assert "model ana-style was learned with trust" in " ".join(result.output.split())
    with database(db) as conn:
        [record] = conn.execute(sql("SELECT record FROM models")).one()
    assert json.loads(record) == {"codes": ["trust", "coaching"]}  # never rewritten


# -- the pure parts and the schema ---------------------------------------------------


def test_edit_rows_follow_the_yaml() -> None:
    rows = [
        NewCode("g", "G", None, is_group=True), NewCode("a", "A", "g"), NewCode("b", "B", "g"),
        NewCode("h", "H", None, is_group=True), NewCode("c", "C", "h"),
    ]  # fmt: skip
    merged = book_edit.edit_rows(rows, book_edit.Merge(("a", "b"), "ab", "AB"))
    assert [(r.code, r.name, r.parent) for r in merged][:2] == [("g", "G", None), ("ab", "AB", "g")]
    assert len(merged) == 4
    moved = book_edit.edit_rows(rows, book_edit.Move("c", "g"))
    assert [(r.code, r.is_group) for r in moved if r.code in ("c", "h")] == [
        ("h", False),
        ("c", False),
    ]


def test_retiring_and_bringing_back_restores_the_yaml_exactly() -> None:
    text = BOOK.read_text("utf-8")
    change = book_edit.Retire(("culture", "trust"))
    retired = book_edit.edit_text(text, change, "book", strict=True).text
    assert retired != text
    back = book_edit.edit_text(retired, book_edit.Retire(change.codes, undo=True), "book", True)
    assert back.text == text


def test_a_version_5_project_gains_the_history_tables(tmp_path: Path) -> None:
    location = tmp_path / "p.db"
    v6_project(location)
    with unmigrated(location) as conn:  # as pdcode wrote it before the history
        conn.execute(sql("DROP TABLE codebook_history"))
        conn.execute(sql("DROP TABLE retired_codes"))
        conn.execute(sql("UPDATE meta SET value = '5' WHERE key = 'schema_version'"))
    with Project.open(location) as project:
        assert project.schema_version() == SCHEMA_VERSION == 8
        assert api.codes.history(project) == []
