"""`pdcode learn`, `pdcode suggest` and `pdcode models` on real projects: the
shipped sample (`pdcode demo`) with the gold coding of benchmarks/dev imported as
the human coder `gold`. Models are stored as checked JSON records; suggestions are
codings of model:NAME@HASH with their probability, threshold and reasons, that a
rerun replaces and that never touch another coder's codings."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text as sql

from pdcode import api
from pdcode.api import learning
from pdcode.codebook import content_hash, load_codebook
from pdcode.store import Project
from tests.conftest import REPO, database, own_copy
from tests.conftest import cli_ok as _ok
from tests.conftest import run_cli as _run

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
GOLD = REPO / "benchmarks" / "dev" / "gold.csv"
RULES = "rules:pd-leadership@1.0.0"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project (rules coding sentences) with the gold coding as `gold`."""
    folder = tmp_path_factory.mktemp("base")
    result = api.run_demo(folder)
    with Project.open(result.project) as project:
        found = api.import_codings(project, GOLD, "gold", codebook=BOOK)
        assert not found.problems
    return result.project


@pytest.fixture(scope="module")
def learned(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``base`` with the model `pd` learned from gold and its suggestions made."""
    db = tmp_path_factory.mktemp("learned") / "p.db"
    shutil.copy(base, db)
    _ok("learn", "--name", "pd", "--from", "gold", "-p", str(db))
    _ok("suggest", "--model", "pd", "-p", str(db))
    return db


@pytest.fixture
def db(base: Path, tmp_path: Path) -> str:
    return own_copy(base, tmp_path)


@pytest.fixture
def learned_db(learned: Path, tmp_path: Path) -> str:
    return own_copy(learned, tmp_path)


@pytest.fixture
def project(learned_db: str) -> Iterator[Project]:
    with Project.open(learned_db) as proj:
        yield proj


def _model_coder(location: str, name: str = "pd") -> str:
    shown = json.loads(_ok("models", "show", name, "--json", "-p", location))
    return str(shown["coder"])


def _record(location: str, name: str) -> bytes:
    with database(location) as conn:
        (text,) = conn.execute(sql("SELECT record FROM models WHERE name = :n"), {"n": name}).one()
    return str(text).encode("utf-8")


def _keys(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["source"], r["start"], r["end"], r["code"]) for r in rows]


# -- learn and models ---------------------------------------------------------------


def test_learn_stores_a_model_that_models_list_and_show_describe(db: str) -> None:
    out = _ok("learn", "--name", "pd", "--from", "gold", "-p", db)
    assert "Learned model pd from gold: 73 respondent turns in 14 sources" in out
    assert "threshold" in out and "Not learned" in out and "fewer than 8 coded turns" in out
    listed = json.loads(_ok("models", "list", "--json", "-p", db))
    [row] = listed["models"]
    assert row["name"] == "pd" and row["unit"] == "turn" and row["coders"] == ["gold"]
    assert row["codes"] >= 1 and row["suggestions"] == 0 and len(row["hash"]) == 12
    shown = json.loads(_ok("models", "show", "pd", "--json", "-p", db))
    assert shown["coder"] == f"model:pd@{row['hash']}" and shown["digest"].startswith(row["hash"])
    assert len(shown["codes"]) == row["codes"]
    for code in shown["codes"]:
        assert 0 < code["threshold"] < 1 and code["positives"] >= 8
        assert {"precision", "recall", "f1", "criterion"} <= set(code)
    assert {k["code"] for k in shown["skipped"]}.isdisjoint(c["code"] for c in shown["codes"])
    table = _ok("models", "list", "-p", db)
    assert "pd" in table and row["hash"] in table
    assert "threshold" in _ok("models", "show", "pd", "-p", db)


def test_learning_curve_is_printed_with_curve(db: str) -> None:
    out = _ok("learn", "--name", "pd", "--from", "gold", "--curve", "-p", db)
    assert "Learning curve" in out and "sources" in out


def test_min_precision_raises_the_thresholds_precision(db: str) -> None:
    _ok("learn", "--name", "f1", "--from", "gold", "-p", db)
    _ok("learn", "--name", "strict", "--from", "gold", "--min-precision", "0.8", "-p", db)
    f1 = json.loads(_ok("models", "show", "f1", "--json", "-p", db))
    strict = json.loads(_ok("models", "show", "strict", "--json", "-p", db))
    assert strict["params"]["min_precision"] == 0.8
    for code in strict["codes"]:
        assert code["criterion"] in ("min_precision", "max_f1_fallback")
        if code["criterion"] == "min_precision":
            assert code["precision"] >= 0.8
    assert strict["hash"] != f1["hash"]


# -- suggest --------------------------------------------------------------------------


def test_suggestions_are_model_codings_with_probability_threshold_and_reasons(
    learned_db: str,
) -> None:
    coder = _model_coder(learned_db)
    with Project.open(learned_db) as project:
        rows = api.codings(project, coder)
        stored = learning.load(project, "pd")
    assert rows and coder.startswith("model:pd@")
    assert len({r["source"] for r in rows}) > 1
    assert {r["code"] for r in rows} <= set(stored.model.codes_)
    for row in rows:
        assert row["provenance"] == f"{coder}#sha256:{stored.digest}"
        assert row["probability"] is not None and row["threshold"] is not None
        assert row["probability"] >= row["threshold"]
        assert row["rule"].startswith(f"p {row['probability']:.2f} ≥ {row['threshold']:.2f}: ")
        terms = row["rule"].split(": ", 1)[1].split(", ")
        assert terms and all(terms)
        if row["matched"] is not None:  # the words of the first word term, in the unit
            assert row["start"] <= row["match_start"] < row["match_end"] <= row["end"]
            words = " ".join(re.findall(r"\w\w+", row["matched"].lower()))  # as the model reads
            assert words in [t for t in terms if not t.startswith("~")]
    row = rows[0]
    said = _ok("explain", row["source"], str(row["start"]), "-p", learned_db)
    assert f"{row['code']} by {coder}" in said and "rule: p " in said


def test_rerun_replaces_its_own_run_and_never_touches_other_coders(learned_db: str) -> None:
    coder = _model_coder(learned_db)
    with Project.open(learned_db) as project:
        before = {c: api.codings(project, c) for c in ("gold", RULES, coder)}
    out = _ok("suggest", "--model", "pd", "-p", learned_db)
    assert f"({len(before[coder])} from its previous run replaced)" in out
    assert "pdcode serve" in out and coder in out
    with Project.open(learned_db) as project:
        after = {c: api.codings(project, c) for c in ("gold", RULES, coder)}
    assert after["gold"] == before["gold"] and after[RULES] == before[RULES]
    assert _keys(after[coder]) == _keys(before[coder])
    assert len(set(_keys(after[coder]))) == len(after[coder])  # no duplicates


def test_suggest_on_named_sources_replaces_only_there(learned_db: str) -> None:
    coder = _model_coder(learned_db)
    with Project.open(learned_db) as project:
        before = api.codings(project, coder)
    first = before[0]["source"]
    out = _ok("suggest", "--model", "pd", "--source", first, "-p", learned_db)
    assert "in 1 sources" in out
    with Project.open(learned_db) as project:
        assert _keys(api.codings(project, coder)) == _keys(before)
    bad = _run("suggest", "--model", "pd", "--source", "nope.docx", "-p", learned_db)
    assert bad.exit_code == 2 and "no source named 'nope.docx'" in bad.stderr


def test_learning_is_deterministic(db: str) -> None:
    _ok("learn", "--name", "a", "--from", "gold", "-p", db)
    first = _record(db, "a")
    out = _ok("learn", "--name", "a", "--from", "gold", "-p", db)
    assert _record(db, "a") == first
    hash_ = json.loads(first)["digest"][:12]
    assert f"replacing the model of hash {hash_}" in out
    _ok("learn", "--name", "b", "--from", "gold", "-p", db)
    assert _record(db, "b") == first
    _ok("suggest", "--model", "a", "-p", db)
    _ok("suggest", "--model", "b", "-p", db)
    with Project.open(db) as project:

        def made(name: str) -> list[tuple[Any, ...]]:
            rows = api.codings(project, f"model:{name}@{hash_}")
            return [
                (*k, r["probability"], r["threshold"], r["rule"])
                for k, r in zip(_keys(rows), rows, strict=True)
            ]

        assert made("a") == made("b") and made("a")


def test_too_little_coding_is_one_line_and_status_1(db: str) -> None:
    result = _run("learn", "--name", "pd", "--from", "gold", "--min-positive", "500", "-p", db)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: model pd: no code has at least 500 coded units")
    one = Path(db).parent / "one.csv"
    one.write_text(
        "source,quote,code\n"
        "s1_alliance_director.docx,We started as a teaching school alliance,external_expertise\n",
        encoding="utf-8",
    )
    with Project.open(db) as project:
        assert not api.import_codings(project, one, "ana", codebook=BOOK).problems
    result = _run("learn", "--name", "pd", "--from", "ana", "-p", db)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert "needs human coding in at least 2 sources" in line
    assert json.loads(_ok("models", "list", "--json", "-p", db))["models"] == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--from", RULES), "is a machine coder"),
        (("--from", "nobody"), "no codings by nobody"),
        (("--from", "gold", "--unit", "page"), "unknown unit 'page'"),
        (("--from", "gold", "--min-precision", "1.5"), "--min-precision must be"),
    ],
)
def test_wrong_training_options_are_usage_errors(db: str, args: tuple[str, ...], said: str) -> None:
    result = _run("learn", "--name", "pd", *args, "-p", db)
    assert result.exit_code == 2 and said in result.stderr


def test_a_model_name_must_fit_in_a_coder_name(db: str) -> None:
    result = _run("learn", "--name", "a+b", "--from", "gold", "-p", db)
    assert result.exit_code == 2 and "cannot name a model" in result.stderr


def test_a_tampered_record_is_refused_naming_the_model(learned_db: str) -> None:
    with database(learned_db) as conn:
        (text,) = conn.execute(sql("SELECT record FROM models WHERE name = 'pd'")).one()
        record = json.loads(text)
        record["thresholds"][0] = 0.0001  # suggest the first code everywhere
        conn.execute(
            sql("UPDATE models SET record = :r WHERE name = 'pd'"),
            {"r": json.dumps(record, sort_keys=True, separators=(",", ":"))},
        )
    result = _run("suggest", "--model", "pd", "-p", learned_db)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: model pd: ") and "digest" in line
    with database(learned_db) as conn:
        conn.execute(sql("UPDATE models SET record = '{not json' WHERE name = 'pd'"))
    result = _run("models", "show", "pd", "-p", learned_db)
    assert result.exit_code == 1 and "model pd: its stored record is not JSON" in result.stderr


def test_an_unknown_model_names_those_there_are(learned_db: str) -> None:
    result = _run("suggest", "--model", "other", "-p", learned_db)
    assert result.exit_code == 2
    assert "no model named 'other'" in result.stderr and "models: pd" in result.stderr


def test_deleting_a_model_keeps_its_suggestions(learned_db: str) -> None:
    coder = _model_coder(learned_db)
    with Project.open(learned_db) as project:
        rows = api.codings(project, coder)
    out = _ok("models", "delete", "pd", "-p", learned_db)
    assert f"its {len(rows)} suggested codings" in out
    assert json.loads(_ok("models", "list", "--json", "-p", learned_db))["models"] == []
    with Project.open(learned_db) as project:
        assert len(api.codings(project, coder)) == len(rows)
    assert _run("models", "delete", "pd", "-p", learned_db).exit_code == 2


# -- review decisions as training data ----------------------------------------------------


def _turn_of(project: Project, source: str, start: int) -> dict[str, Any]:
    return next(
        t
        for t in project.segment_rows("turn")
        if t["source"] == source and t["start"] <= start < t["end"]
    )


def test_rejected_decisions_become_labelled_negatives(project: Project) -> None:
    machine = api.codings(project, RULES)
    # Two rules codings of one code in one respondent turn: jo accepts one, rejects the other.
    by_turn: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for row in machine:
        turn = _turn_of(project, row["source"], row["start"])
        if not turn["is_interviewer"]:
            by_turn.setdefault((row["source"], turn["start"], row["code"]), []).append(row)
    twice = next(rows for rows in by_turn.values() if len(rows) >= 2)
    here = twice[0]["source"]
    twice_turn = _turn_of(project, here, twice[0]["start"])["start"]
    once = next(  # another turn of the same source: jo's coding there makes it coded
        rows[0]
        for (source, start, _), rows in by_turn.items()
        if len(rows) == 1 and source == here and start != twice_turn
    )
    changed = next(rows[0] for (source, _, _), rows in by_turn.items() if source != here)
    api.review.decide(project, twice[0]["id"], "human:jo", "accept")
    api.review.decide(project, twice[1]["id"], "human:jo", "reject")
    api.review.decide(project, once["id"], "human:jo", "reject")
    other = next(c for c in learning.training_data(project, ["gold"]).codes if c != changed["code"])
    api.review.decide(project, changed["id"], "human:jo", "change", other)
    data = learning.training_data(project, ["human:jo"], "turn")
    units = {(u.source, u.text): u for u in data.units}

    def unit_of(row: dict[str, Any]) -> Any:
        turn = _turn_of(project, row["source"], row["start"])
        return units[(row["source"], turn["text"])]

    rejected = unit_of(once)
    assert once["code"] in rejected.rejected and not rejected.positive(once["code"])
    kept = unit_of(twice[0])  # accepted on one sentence, rejected on another: still coded
    assert kept.positive(twice[0]["code"]) and twice[0]["code"] not in kept.rejected
    swapped = unit_of(changed)  # a change rejects the old code and codes the new one
    assert changed["code"] in swapped.rejected and swapped.positive(other)
    assert data.rejected_units == 2
    # Only sources jo coded (an accept or a change adds jo's coding) give units.
    assert {u.source for u in data.units} == {twice[0]["source"], changed["source"]}
    # Decisions by someone not learned from are not labels.
    gold = learning.training_data(project, ["gold"], "turn")
    assert gold.rejected_units == 0


# -- review order, evaluation, exchange, the shipped model --------------------------------


def test_the_uncertain_queue_starts_nearest_the_threshold(project: Project) -> None:
    coder = next(c for c in api.codings(project) if c["coder"].startswith("model:"))["coder"]
    rows = {r["id"]: r for r in api.codings(project, coder)}
    queue = api.review.queue(project, coder, "human:jo", order="uncertain")
    margins = [rows[i]["probability"] - rows[i]["threshold"] for i in queue.pending]
    assert len(margins) == len(rows) and margins == sorted(margins)
    # A coder without probabilities keeps the code order.
    rules = api.review.queue(project, RULES, "human:jo", order="uncertain")
    assert rules.pending == api.review.queue(project, RULES, "human:jo", order="code").pending


def test_evaluate_takes_a_union_of_coders(learned_db: str) -> None:
    coder = _model_coder(learned_db)

    def micro(pred: str) -> dict[str, Any]:
        out = _ok(
            "evaluate", "--gold", "gold", "--pred", pred, "--format", "json", "-p", learned_db
        )
        return next(s for s in json.loads(out)["scores"] if s["code"] == "micro")

    model, rules, both = micro(coder), micro(RULES), micro(f"{coder}+{RULES}")
    assert both["recall"] >= max(model["recall"], rules["recall"])
    assert both["predicted"] >= max(model["predicted"], rules["predicted"])
    assert both["support"] == model["support"] == rules["support"]
    bad = _run("evaluate", "--gold", "gold", "--pred", f"gold+{RULES}", "-p", learned_db)
    assert bad.exit_code == 2 and "same coder" in bad.stderr
    bad = _run("evaluate", "--gold", "reviewed", "--pred", f"{coder}+{RULES}", "-p", learned_db)
    assert bad.exit_code == 2 and "not a union" in bad.stderr


def test_union_rules_codes_the_same_sources_as_a_coder_of_its_own(learned_db: str) -> None:
    with database(learned_db) as conn:
        origins = "SELECT id FROM coding_origins WHERE coder = :c"
        conn.execute(sql(f"DELETE FROM coding_spans WHERE origin_id IN ({origins})"), {"c": RULES})
    out = _ok("suggest", "--model", "pd", "--union-rules", str(BOOK), "-p", learned_db)
    coder = _model_coder(learned_db)
    assert RULES in out and f"--pred '{coder}+{RULES}'" in out
    with Project.open(learned_db) as project:
        rules = api.codings(project, RULES)
        segments = {(t["source"], t["start"], t["end"]) for t in project.segment_rows("turn")}
    assert rules and all((r["source"], r["start"], r["end"]) in segments for r in rules)


def test_qdpx_export_keeps_the_model_as_a_coder_of_its_own(learned_db: str, tmp_path: Path) -> None:
    coder = _model_coder(learned_db)
    out = tmp_path / "study.qdpx"
    _ok("export", "qdpx", "-o", str(out), "-p", learned_db)
    with zipfile.ZipFile(out) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert f'name="{coder}"' in qde and 'name="gold"' in qde and f'name="{RULES}"' in qde


def test_the_shipped_model_suggests_on_a_fresh_demo_project(tmp_path: Path) -> None:
    assert "pd-leadership" in learning.shipped_names()
    _ok("demo", "--dir", str(tmp_path))
    location = str(tmp_path / "pdcode.db")
    listed = json.loads(_ok("models", "list", "--json", "-p", location))
    assert listed == {"models": [], "shipped": ["pd-leadership"]}
    result = _run("suggest", "--model", "pd-leadership", "-p", location)
    assert result.exit_code == 0, result.output
    assert "Copied the model pd-leadership shipped with pdcode" in result.stderr
    [row] = json.loads(_ok("models", "list", "--json", "-p", location))["models"]
    assert row["name"] == "pd-leadership" and row["coders"] == ["gold"]
    with Project.open(location) as project:
        rows = api.codings(project, row["coder"])
    assert len({r["source"] for r in rows}) > 1
    assert all(r["probability"] >= r["threshold"] for r in rows)
    # The second run uses the project's copy, checked against its digest.
    again = _run("suggest", "--model", "pd-leadership", "-p", location)
    assert again.exit_code == 0 and "Copied" not in again.stderr
    shown = json.loads(_ok("models", "show", "pd-leadership", "--json", "-p", location))
    assert any("shipped with pdcode" in note for note in shown["notes"])


# -- --codebook and --with-rules -----------------------------------------------------------


@pytest.fixture(scope="module")
def ruled(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``base`` with the model `r` learned from gold with the rules of BOOK."""
    db = tmp_path_factory.mktemp("ruled") / "p.db"
    shutil.copy(base, db)
    _ok("learn", "--name", "r", "--from", "gold", "--with-rules", str(BOOK), "-p", str(db))
    return db


@pytest.fixture
def ruled_db(ruled: Path, tmp_path: Path) -> str:
    return own_copy(ruled, tmp_path)


def _leaves(path: Path) -> list[str]:
    from pdcode.learn.rules import leaf_codes

    return list(leaf_codes(load_codebook(path)))


def test_with_rules_adds_a_column_per_leaf_code_and_suggests_alike(ruled_db: str) -> None:
    record = json.loads(_record(ruled_db, "r"))
    rules = record["rules"]
    assert rules["codes"] == _leaves(BOOK) and rules["scaling"] == "0/1"
    assert rules["codebook"] == {
        "name": "pd-leadership",
        "version": "1.0.0",
        "content_hash": content_hash(BOOK),
    }
    assert record["coef"]["shape"] == [len(record["codes"]), len(record["vocabulary"]) + 21]
    shown = json.loads(_ok("models", "show", "r", "--json", "-p", ruled_db))
    assert shown["rules"]["codes"] == rules["codes"] and shown["learned_codebook"] is None
    assert "with the rules of pd-leadership@1.0.0" in _ok("models", "show", "r", "-p", ruled_db)
    coder = shown["coder"]

    def made() -> list[tuple[Any, ...]]:
        with Project.open(ruled_db) as project:
            rows = api.codings(project, coder)
        return [
            (*k, r["probability"], r["threshold"], r["rule"])
            for k, r in zip(_keys(rows), rows, strict=True)
        ]

    _ok("suggest", "--model", "r", "-p", ruled_db)
    first = made()
    assert first and any("rule:" in row[-1] for row in first)
    _ok("suggest", "--model", "r", "-p", ruled_db)
    assert made() == first
    # learning again gives the same record, byte for byte
    before = _record(ruled_db, "r")
    _ok("learn", "--name", "r", "--from", "gold", "--with-rules", str(BOOK), "-p", ruled_db)
    assert _record(ruled_db, "r") == before
    # the reloaded model gives the very probabilities stored
    with Project.open(ruled_db) as project:
        loaded = learning.load(project, "r")
        learning.attach_rules(project, "r", loaded.model)
        units = project.segment_rows("turn")
        texts = [u["text"] for u in units if not u["is_interviewer"]]
        again = learning.load(project, "r")
        learning.attach_rules(project, "r", again.model)
    assert (loaded.model.predict_proba(texts) == again.model.predict_proba(texts)).all()
    probabilities = {p for *_, p, _t, _r in first}
    assert probabilities <= {float(p) for p in loaded.model.predict_proba(texts).ravel()}


def test_suggest_refuses_a_model_whose_rules_the_project_lacks(db: str, tmp_path: Path) -> None:
    copy = tmp_path / "pd-leadership.yaml"
    copy.write_text(BOOK.read_text("utf-8") + "# a copy of other content\n", encoding="utf-8")
    _ok("learn", "--name", "r2", "--from", "gold", "--with-rules", str(copy), "-p", db)
    with database(db) as conn:
        (book_id,) = conn.execute(
            sql("SELECT id FROM codebooks WHERE content_hash = :h"), {"h": content_hash(copy)}
        ).one()
        conn.execute(sql("DELETE FROM codes WHERE codebook_id = :b"), {"b": book_id})
        conn.execute(sql("DELETE FROM codebooks WHERE id = :b"), {"b": book_id})
    result = _run("suggest", "--model", "r2", "-p", db)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: model r2: it uses the rules of codebook pd-leadership@1.0.0")
    assert content_hash(copy)[:12] in line
    # the stored content must be a codebook of that name, version and codes
    with database(db) as conn:
        conn.execute(
            sql(
                "INSERT INTO codebooks (name, version, content_hash, content, loaded_at) "
                "VALUES ('pd-leadership', '1.0.0', :h, 'name: [', '2024-01-01T00:00:00Z')"
            ),
            {"h": content_hash(copy)},
        )
    result = _run("suggest", "--model", "r2", "-p", db)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: model r2: the stored codebook pd-leadership@1.0.0")


def test_codebook_restricts_the_codes_learned(db: str, tmp_path: Path) -> None:
    book = tmp_path / "few.yaml"
    book.write_text(
        "name: few\nversion: '2'\ncodes:\n"
        "  - id: vision_led\n    name: Vision-led PD\n"
        "  - id: leaders\n    name: Leaders\n    children:\n"
        "      - id: pd_leader_support\n        name: Support\n"
        "      - id: trust\n        name: Trust\n",
        encoding="utf-8",
    )
    out = _ok("learn", "--name", "few", "--from", "gold", "--codebook", str(book), "-p", db)
    assert "codes coded but not in codebook few, so not learned:" in out
    shown = json.loads(_ok("models", "show", "few", "--json", "-p", db))
    learned = {c["code"] for c in shown["codes"]} | {k["code"] for k in shown["skipped"]}
    assert learned == {"vision_led", "pd_leader_support", "trust"}
    assert {c["code"] for c in shown["codes"]} == {"vision_led", "pd_leader_support"}
    assert shown["codebook"] == content_hash(book)
    assert shown["learned_codebook"] == {
        "name": "few",
        "version": "2",
        "content_hash": content_hash(book),
    }
    assert json.loads(_record(db, "few"))["codebook"] == shown["learned_codebook"]
    with Project.open(db) as project:
        assert learning.store.codebook_by_hash(project, content_hash(book)) is not None
    assert "codes of the codebook few@2" in _ok("models", "show", "few", "-p", db)
    _ok("suggest", "--model", "few", "-p", db)


def test_a_tampered_rules_section_is_refused_naming_the_model(ruled_db: str) -> None:
    with database(ruled_db) as conn:
        (text,) = conn.execute(sql("SELECT record FROM models WHERE name = 'r'")).one()
        record = json.loads(text)
        record["rules"]["codes"] = list(reversed(record["rules"]["codes"]))
        conn.execute(
            sql("UPDATE models SET record = :r WHERE name = 'r'"),
            {"r": json.dumps(record, sort_keys=True, separators=(",", ":"))},
        )
    result = _run("suggest", "--model", "r", "-p", ruled_db)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: model r: ") and "digest" in line
