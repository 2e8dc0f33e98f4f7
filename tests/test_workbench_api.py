"""The api behind the workbench: hand coding, memos and review decisions, each one
transaction that refuses to overwrite what someone else changed meanwhile."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pdcode import api
from pdcode.api import review, workbench
from pdcode.errors import ConflictError, ProjectError, UsageError
from pdcode.store import Project
from tests.conftest import REPO

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    api.run_demo(folder)
    return folder / "pdcode.db"


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path) -> Iterator[Project]:
    copy = tmp_path / "p.db"
    shutil.copy(demo_db, copy)
    with api.open_project(copy) as project:
        yield project


def test_a_span_coded_by_hand_is_the_text_between_its_offsets(tmp_path: Path) -> None:
    # Astral characters, accents and CRLF-born line ends: offsets are code points
    # into the stored (normalised) text.
    text = "Interviewer: Why?\r\n\r\nTeacher: The café 🙂 trial was ours 👩🏽‍🏫 now.\r\n"
    (tmp_path / "t.txt").write_bytes(text.encode("utf-8"))
    with api.init_project(tmp_path / "p.db") as project:
        api.import_paths(project, [tmp_path / "t.txt"], api.ImportOptions())
        api.code_project(project, BOOK)
        stored = project.source_text("t.txt")
        start = stored.index("café")
        end = stored.index(" now") + len(" now")
        made = workbench.code_span(project, "t.txt", start, end, "coaching", "ana")
        rows = [k for k in api.codings(project, "ana")]
        assert [(k["start"], k["end"], k["text"]) for k in rows] == [
            (start, end, stored[start:end])
        ]
        assert rows[0]["text"].startswith("café 🙂") and rows[0]["text"].endswith("👩🏽‍🏫 now")
        # Coding the same span again stores nothing new.
        again = workbench.code_span(project, "t.txt", start, end, "coaching", "ana")
        assert again["id"] == made["id"] and len(api.codings(project, "ana")) == 1
        with pytest.raises(ProjectError, match="outside the text"):
            workbench.code_span(project, "t.txt", 5, len(stored) + 1, "coaching", "ana")
        with pytest.raises(UsageError, match="unknown code"):
            workbench.code_span(project, "t.txt", 0, 5, "no_such_code", "ana")


def test_own_codings_change_and_go_others_are_refused(demo: Project) -> None:
    source = workbench.overview(demo)["sources"][0]["name"]
    mine = workbench.code_span(demo, source, 0, 12, "coaching", "ana")
    workbench.recode(demo, mine["id"], "ana", "coaching", "buy_in")
    with pytest.raises(ConflictError, match="changed to 'buy_in' meanwhile"):
        workbench.recode(demo, mine["id"], "ana", "coaching", "trust")
    with pytest.raises(ConflictError, match="belongs to ana"):
        workbench.uncode(demo, mine["id"], "ben", "buy_in")
    machine = api.codings(demo, RULES)[0]
    with pytest.raises(ConflictError, match=f"belongs to {RULES}"):
        workbench.uncode(demo, machine["id"], "ana", machine["code"])
    workbench.uncode(demo, mine["id"], "ana", "buy_in")
    assert api.codings(demo, "ana") == []
    with pytest.raises(ConflictError, match="no longer in the project"):
        workbench.uncode(demo, mine["id"], "ana", "buy_in")


def test_memos_on_a_source_and_on_a_coding_show_in_its_reader(demo: Project) -> None:
    source = workbench.overview(demo)["sources"][0]["name"]
    coding = next(k for k in api.codings(demo, RULES) if k["source"] == source)
    workbench.memo(demo, "ana", "Check <b>this</b> with the head.", source=source)
    workbench.memo(demo, "ana", "Borderline.", coding_id=coding["id"])
    memos = workbench.reader(demo, source)["memos"]
    assert [(m["coding_id"], m["text"]) for m in memos] == [
        (None, "Check <b>this</b> with the head."),
        (coding["id"], "Borderline."),
    ]
    with pytest.raises(UsageError, match="on a source or on a coding"):
        workbench.memo(demo, "ana", "both", source=source, coding_id=coding["id"])
    with pytest.raises(UsageError, match="needs some text"):
        workbench.memo(demo, "ana", "  ", source=source)


def test_the_reader_cuts_turns_at_coding_edges_and_loses_no_text(demo: Project) -> None:
    for row in workbench.overview(demo)["sources"]:
        shown = workbench.reader(demo, row["name"])
        text = demo.source_text(row["name"])
        by_id = {k["id"]: k for k in shown["codings"]}
        for turn in shown["turns"]:
            assert "".join(p["text"] for p in turn["pieces"]) == text[turn["start"] : turn["end"]]
            for piece in turn["pieces"]:
                assert piece["text"] == text[piece["start"] : piece["end"]]
                for coding_id in piece["codings"]:
                    k = by_id[coding_id]
                    assert k["start"] <= piece["start"] and piece["end"] <= k["end"]


def test_the_code_page_groups_every_excerpt_by_strand(demo: Project) -> None:
    page = workbench.code_page(demo, "Coaching")  # a name finds the code
    assert page["code"]["code"] == "coaching" and page["code"]["include"]
    rows = api.codings(demo, code="coaching")
    assert page["excerpts"] == len(rows)
    shown = [(s["strand"], e["source"], e["start"]) for s in page["strands"] for e in s["excerpts"]]
    assert sorted(shown) == sorted((k["strand"], k["source"], k["start"]) for k in rows)
    assert [s["strand"] for s in page["strands"]] == sorted({k["strand"] for k in rows})


def test_accept_reject_change_and_undo(demo: Project) -> None:
    q = review.queue(demo, RULES, "ana", order="source")
    assert q.decided == 0 and q.total == len(api.codings(demo, RULES))
    first, second, third = q.pending[:3]
    review.decide(demo, first, "ana", "accept")
    review.decide(demo, second, "ana", "reject")
    machine = {k["id"]: k for k in api.codings(demo, RULES)}
    new = "coaching" if machine[third]["code"] != "coaching" else "trust"
    review.decide(demo, third, "ana", "change", new_code=new)
    mine = api.codings(demo, "ana")
    assert sorted((k["start"], k["end"], k["code"]) for k in mine) == sorted(
        [
            (machine[first]["start"], machine[first]["end"], machine[first]["code"]),
            (machine[third]["start"], machine[third]["end"], new),
        ]
    )
    assert {k["provenance"] for k in mine} == {f"review:{RULES}"}
    # The machine codings all stay.
    assert len(api.codings(demo, RULES)) == len(machine)
    after = review.queue(demo, RULES, "ana", order="source")
    assert after.decided == 3 and after.pending[0] not in (first, second, third)
    undone = review.undo_last(demo, RULES, "ana")
    assert undone is not None and undone["decision"] == "change"
    assert [k["code"] for k in api.codings(demo, "ana")] == [machine[first]["code"]]
    assert review.queue(demo, RULES, "ana").decided == 2


def test_a_second_decision_on_the_same_coding_is_refused(demo: Project) -> None:
    coding_id = review.queue(demo, RULES, "ana").pending[0]
    review.decide(demo, coding_id, "ana", "accept")
    with pytest.raises(ConflictError, match="already decided"):
        review.decide(demo, coding_id, "ana", "reject")
    # Another reviewer decides independently.
    review.decide(demo, coding_id, "ben", "reject")


def test_two_tabs_deciding_at_once_store_one_decision(demo: Project) -> None:
    coding_id = review.queue(demo, RULES, "ana").pending[0]
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def tab(decision: str) -> None:
        barrier.wait()
        try:
            review.decide(demo, coding_id, "ana", decision)
            outcomes.append("stored")
        except ConflictError:
            outcomes.append("refused")

    threads = [threading.Thread(target=tab, args=(d,)) for d in ("accept", "reject") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert review.queue(demo, RULES, "ana").decided == 1


def test_decisions_outlive_a_rerun_of_the_rules(demo: Project) -> None:
    q = review.queue(demo, RULES, "ana", order="random", seed=3)
    for coding_id in q.pending[:5]:
        review.decide(demo, coding_id, "ana", "reject")
    api.code_project(demo, BOOK)  # new row ids, same spans
    again = review.queue(demo, RULES, "ana", order="random", seed=3)
    assert again.decided == 5 and again.total == q.total
    # The same seed gives the same order of what is left.
    assert len(again.pending) == len(q.pending) - 5
    # A page shown before the rerun names the coding it showed; if its id now
    # belongs to another coding, the decision is refused.
    rows = {k["id"]: k for k in api.codings(demo, RULES)}
    stale, other = again.pending[0], again.pending[1]
    seen = (rows[other]["start"], rows[other]["end"], rows[other]["code"])
    with pytest.raises(ConflictError, match="not the one on the page"):
        review.decide(demo, stale, "ana", "accept", expect=seen)
    shown = (rows[stale]["start"], rows[stale]["end"], rows[stale]["code"])
    review.decide(demo, stale, "ana", "accept", expect=shown)


def test_random_order_is_seeded_and_skips_go_last(demo: Project) -> None:
    one = review.queue(demo, RULES, "ana", order="random", seed=1).pending
    assert one == review.queue(demo, RULES, "ana", order="random", seed=1).pending
    assert one != review.queue(demo, RULES, "ana", order="random", seed=2).pending
    assert sorted(one) == sorted(review.queue(demo, RULES, "ana").pending)
    skipped = review.queue(demo, RULES, "ana", order="random", seed=1, skip=one[:2])
    assert skipped.pending[-2:] == one[:2] and skipped.pending[0] == one[2]


def test_only_machine_coders_are_reviewed(demo: Project) -> None:
    with pytest.raises(UsageError, match="not a machine coder"):
        review.queue(demo, "ana", "ben")
    with pytest.raises(UsageError, match="unknown order"):
        review.queue(demo, RULES, "ana", order="alphabet")


def test_reimporting_a_source_drops_its_decisions(demo: Project, tmp_path: Path) -> None:
    name = "s2_english_hub_south.txt"
    coding_id = next(k["id"] for k in api.codings(demo, RULES) if k["source"] == name)
    review.decide(demo, coding_id, "ana", "accept")
    assert review.queue(demo, RULES, "ana").decided == 1
    changed = tmp_path / name
    changed.write_text(
        (REPO / "transcripts_sample" / name).read_text("utf-8") + "\nQ: More?\nA: No.\n"
    )
    api.import_paths(demo, [changed], api.ImportOptions(replace=True))
    assert review.queue(demo, RULES, "ana").decided == 0
    assert api.codings(demo, "ana") == []


def test_progress_is_the_share_of_respondent_turns_with_any_code(demo: Project) -> None:
    source = "s3_oakfield_head.docx"
    turn = next(t for t in demo.segments_of(source, "turn") if not t.is_interviewer)
    # Two overlapping codings in one turn, one straddling into the next: counted per turn.
    workbench.code_span(demo, source, turn.start, turn.start + 5, "coaching", "ana")
    workbench.code_span(demo, source, turn.start + 2, turn.end + 3, "trust", "ana")
    rows = {r["name"]: r for r in workbench.overview(demo)["sources"]}
    for name, row in rows.items():
        turns = [t for t in demo.segments_of(name, "turn") if not t.is_interviewer]
        for coder in (RULES, "ana"):
            spans = [
                (k["start"], k["end"]) for k in api.codings(demo, coder) if k["source"] == name
            ]
            covered = sum(1 for t in turns if any(a < t.end and t.start < b for a, b in spans))
            expected = round(covered / len(turns), 4) if covered else None
            assert row["progress"].get(coder) == expected, (name, coder)
    assert rows[source]["progress"]["ana"] > 0
