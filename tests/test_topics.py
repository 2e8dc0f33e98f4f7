"""`pdcode topics`: planted topics recovered, fillers and names out, determinism,
save-as-codes into frequencies, every output format."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode.cli import app
from pdcode.topics.coherence import npmi
from pdcode.topics.text import lemma_documents, name_words

runner = CliRunner()

PLANTED = {
    "coaching": "coach observe lesson feedback mentor classroom watch conversation target cycle",
    "budget": "budget money cover supply cost fund spend afford release finance",
    "research": "research evidence study paper journal trial reading findings education endowment",
    "inspection": "ofsted inspection inspector report grade framework judgement visit deep dive",
}
FILLERS = ["you know", "sort of", "yeah", "I mean", "kind of"]


def _turn(rng: random.Random, topic: str) -> str:
    words = PLANTED[topic].split()
    picked = [rng.choice(words) for _ in range(12)]
    for _ in range(3):
        picked.insert(rng.randrange(len(picked)), rng.choice(FILLERS))
    return " ".join(picked).capitalize() + "."


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("planted")
    rng = random.Random(5)
    topics = list(PLANTED)
    rows = ["file,strand,case"]
    for i in range(8):
        lines = []
        for j in range(20):
            lines.append("Interviewer: Could you say more?")
            lines.append(f"Priya Okafor: {_turn(rng, topics[(i + j) % 4])}")
        (folder / f"i{i}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        rows.append(f"i{i}.txt,s{i % 2 + 1},c{i}")
    (folder / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    location = str(folder / "p.db")
    _invoke("init", "-p", location)
    _invoke("import", "--manifest", str(folder / "m.csv"), "-p", location)
    return location


def _json(db: str, *args: str) -> dict:  # type: ignore[type-arg]
    return json.loads(
        _invoke("topics", "-p", db, "--exclude-interviewer", "--format", "json", *args)
    )  # type: ignore[no-any-return]


def test_k_auto_recovers_the_planted_topics(db: str) -> None:
    data = _json(db, "--k", "auto")
    assert data["k"] == 4
    assert [t["k"] for t in data["k_tried"]] == list(range(3, 13))
    found = [{t["term"] for t in topic["terms"][:5]} for topic in data["topics"]]
    for words in lemma_documents(list(PLANTED.values())):  # the planted words as lemmas
        # Each planted topic is one found topic: its top five terms come from it.
        assert any(top <= set(words.split()) for top in found), (words, found)


def test_fillers_and_speaker_names_are_not_terms(db: str) -> None:
    data = _json(db, "--k", "4")
    terms = {t["term"] for topic in data["topics"] for t in topic["terms"]}
    assert not terms & {"yeah", "know", "mean", "sort", "kind", "priya", "okafor"}


def test_same_seed_same_output(db: str) -> None:
    first = _invoke("topics", "-p", db, "--k", "4", "--format", "md", "--seed", "3")
    assert first == _invoke("topics", "-p", db, "--k", "4", "--format", "md", "--seed", "3")
    assert "## Topic 1:" in first and "> —" in first


def test_every_format(db: str, tmp_path: Path) -> None:
    for fmt in ("md", "csv", "json", "html"):
        out = tmp_path / f"t.{fmt}"
        _invoke("topics", "-p", db, "--k", "4", "-o", str(out), "--method", "lda")
        assert out.stat().st_size > 200
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").startswith("topic,label,segments")
    assert (tmp_path / "t.html").read_text(encoding="utf-8").count("<h2>Topic") == 4
    _invoke("topics", "-p", db, "--k", "4", "--heatmap", str(tmp_path / "h.svg"), "--format", "csv")
    assert (tmp_path / "h.svg").read_bytes().startswith(b"<?xml")


def test_save_as_codes_flows_into_frequencies(db: str) -> None:
    data = _json(db, "--k", "4", "--save-as-codes")
    frequencies = json.loads(
        _invoke(
            "frequencies", "-p", db, "--unit", "turn", "--coder", data["coder"], "--format", "json"
        )
    )
    rows = {r["code"]: r for r in frequencies["rows"]}
    for topic in data["topics"]:
        code = f"nmf4s0_t{topic['topic']:02d}"
        assert rows[code]["references"] == topic["segments"]
    assert data["coder"] == "topics:nmf@k=4,seed=0"
    again = _json(db, "--k", "4", "--save-as-codes")  # a rerun replaces, never doubles
    assert again["topics"][0]["segments"] == data["topics"][0]["segments"]


def test_lemma_documents_drop_fillers_stop_words_and_names() -> None:
    docs = lemma_documents(
        ["Yeah, you know, the coaches were observing lessons, sort of.", "Over to Priya."],
        name_words(["Priya Okafor"]),
    )
    assert docs == ["coach observe lesson", ""]


def test_npmi_of_words_always_together_is_one_and_never_together_minus_one() -> None:
    documents = [["a", "b"], ["a", "b"], ["c"], ["d"]]
    assert npmi([["a", "b"]], documents) == [pytest.approx(1.0)]
    assert npmi([["a", "c"]], documents) == [-1.0]


def test_embeddings_say_what_is_missing(db: str) -> None:
    pytest.importorskip("sklearn")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        result = runner.invoke(
            app, ["topics", "-p", db, "--method", "embeddings", "--k", "4",
                  "--embedding-model", "all-MiniLM-L6-v2"],
        )  # fmt: skip
        assert result.exit_code == 2
        assert "pip install 'pdcode[embeddings]'" in result.stderr
    else:  # installed: a model that is not on the machine is named, not fetched
        result = runner.invoke(
            app, ["topics", "-p", db, "--method", "embeddings", "--k", "4",
                  "--embedding-model", "/nonexistent/model"],
        )  # fmt: skip
        assert result.exit_code == 2 and "never downloads" in result.stderr


UNLABELLED = [
    "Our coaching programme pairs every new teacher with a mentor who observes a lesson "
    "each fortnight and gives feedback in a short coaching conversation afterwards.",
    "The budget for supply cover is the hardest part, because releasing staff costs money "
    "and the funding from the hub only pays for two days a term.",
    "When the mentor observes a lesson the feedback is about one target, and the coaching "
    "cycle comes back to that target at the next observation.",
    "Finance decides what we can afford: cover costs, supply teachers and the release time "
    "all come out of the same budget as the books.",
    "The coaching conversations are the part the teachers value most, more than the "
    "observation itself, because the mentor listens before giving feedback.",
    "We spend the money on release days rather than courses, since the budget will not "
    "stretch to both once supply cover is paid for.",
]


def test_topics_on_unlabelled_text_mixed_with_labelled(tmp_path: Path) -> None:
    # A transcript without speaker labels: every paragraph is a turn with no speaker,
    # stored as NULL; beside a labelled one, pandas turns those into NaN.
    (tmp_path / "notes.txt").write_text("\n\n".join(UNLABELLED) + "\n", encoding="utf-8")
    labelled = [f"Interviewer: Could you say more?\n\nDana Reyes: {p}" for p in UNLABELLED]
    (tmp_path / "talk.txt").write_text("\n\n".join(labelled) + "\n", encoding="utf-8")
    (tmp_path / "m.csv").write_text(
        "file,strand,case,role\nnotes.txt,s1,c1,head\ntalk.txt,s2,c2,teacher\n", encoding="utf-8"
    )
    db = str(tmp_path / "p.db")
    _invoke("init", "-p", db)
    _invoke("import", "--manifest", str(tmp_path / "m.csv"), "-p", db)
    data = json.loads(_invoke("topics", "-p", db, "--k", "2", "--format", "json"))
    assert data["segments"] >= 12  # six unlabelled paragraphs, six or more labelled turns
    speakers = {e["speaker"] for t in data["topics"] for e in t["excerpts"]}
    assert None in speakers and not {s for s in speakers if s} - {"Dana Reyes", "Interviewer"}
    terms = {t["term"] for topic in data["topics"] for t in topic["terms"]}
    assert {"coach", "budget"} <= terms and not terms & {"dana", "reyes"}
    shown = _invoke("topics", "-p", db, "--k", "2")
    assert "— notes.txt" in shown and "nan" not in shown.split()


def test_everyday_words_keep_their_form() -> None:
    # The lookup table gives "data" -> "datum", "media" -> "medium", "number" -> "numb",
    # "criteria" -> "criterium", "meeting" -> "meet", "dive" -> "diva".
    words = (
        "data media criteria staff analysis CPD number matter dive agenda meeting setting "
        "training physics maths developed"
    )
    assert lemma_documents([words]) == [
        "data media criteria staff analysis cpd number matter dive agenda meeting setting "
        "training physics maths develop"
    ]
    # ...while ordinary plurals and verb forms still fold into their lemma.
    assert lemma_documents(["Teachers, parents and colleagues were observing lessons."]) == [
        "teacher parent colleague observe lesson"
    ]
    assert lemma_documents(["meetings settings numbers matters analyses curricula"]) == [
        "meeting setting number matter analysis curriculum"
    ]
