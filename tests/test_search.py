"""`pdcode search`: lemma forms, phrases and guarded regexes in the turns of the
imported, coded sample; its filters, every output format, saving hits as
codings (re-runnable), and the workbench's search page."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pdcode import api
from tests.conftest import REPO, SAMPLE, cli_ok, own_copy, run_cli

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"
TOKEN = "search-token-0123456789"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample imported with its manifest and coded with the shipped codebook."""
    folder = tmp_path_factory.mktemp("sample")
    db = folder / "p.db"
    cli_ok("init", "-p", str(db))
    cli_ok("import", str(SAMPLE), "--manifest", str(SAMPLE / "manifest.csv"), "-p", str(db))
    cli_ok("code", "--codebook", str(BOOK), "-p", str(db))
    return db


@pytest.fixture
def db(sample_db: Path, tmp_path: Path) -> str:
    """A copy of the coded sample a test may write to."""
    return own_copy(sample_db, tmp_path)


def _strands() -> dict[str, str]:
    with (SAMPLE / "manifest.csv").open(encoding="utf-8") as handle:
        return {row["file"]: row["strand"] for row in csv.DictReader(handle)}


def _expected(db: str, pattern: str, strand: str | None = None) -> list[tuple[str, int, int]]:
    """Every match of a plain regex, case-insensitive, inside a turn of the sources
    (of ``strand``), by source and offset: found without the search code."""
    found = []
    with api.open_project(db) as project:
        for name, in_strand in sorted(_strands().items()):
            if strand is not None and in_strand != strand:
                continue
            text = project.source_text(name)
            turns = [(t.start, t.end) for t in project.segments_of(name, "turn")]
            for m in re.finditer(pattern, text, re.IGNORECASE):
                if any(a <= m.start() and m.end() <= b for a, b in turns):
                    found.append((name, m.start(), m.end()))
    return found


def _search_json(db: str, *args: str) -> list[dict[str, Any]]:
    rows = json.loads(cli_ok("search", *args, "--format", "json", "-p", db))
    assert isinstance(rows, list)
    return rows


def _spans(rows: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    return [(r["source"], r["start"], r["end"]) for r in rows]


# -- what a query finds --------------------------------------------------------


def test_a_word_finds_every_occurrence_of_its_lemma_forms_in_a_strand(sample_db: Path) -> None:
    db = str(sample_db)
    rows = _search_json(db, "trust", "--strand", "strand3")
    expected = _expected(db, r"\b(?:trust|trusts|trusted|trusting)\b", "strand3")
    assert len(expected) >= 10
    assert _spans(rows) == expected
    with api.open_project(db) as project:
        for row in rows:
            text = project.source_text(row["source"])
            assert text[row["start"] : row["end"]] == row["hit"]
            assert text[: row["start"]].endswith(row["left"]) and len(row["left"]) <= 60
            assert text[row["end"] :].startswith(row["right"]) and len(row["right"]) <= 60
            assert row["strand"] == "strand3"
    # The table lists each hit and ends with the counts by strand.
    table = cli_ok("search", "trust", "--strand", "strand3", "-p", db)
    assert table.rstrip().endswith(f"{len(expected)} hits: strand3 {len(expected)}")
    assert "The first" not in table
    assert all(re.search(rf" {start} │ +{end} │", table) for _, start, end in expected)
    # --limit shows fewer in the table; the counts still cover them all.
    short = cli_ok("search", "trust", "--strand", "strand3", "--limit", "2", "-p", db)
    assert "The first 2 shown" in short and f" {expected[2][1]} │" not in short
    assert short.rstrip().endswith(f"{len(expected)} hits: strand3 {len(expected)}")


def test_every_form_is_found_across_the_strands(sample_db: Path) -> None:
    db = str(sample_db)
    trust = _search_json(db, "trust")
    assert _spans(trust) == _expected(db, r"\b(?:trust|trusts|trusted|trusting)\b")
    assert {r["hit"].lower() for r in trust} == {"trust", "trusts"}  # forms the sample holds
    coach = _search_json(db, "coaching", "--strand", "strand3")  # any form finds them all
    assert _spans(coach) == _expected(db, r"\b(?:coach|coaches|coached|coaching)\b", "strand3")
    assert {r["hit"].lower() for r in coach} == {"coach", "coached", "coaching"}
    # "trust" is not found inside "trustee" or "entrust": whole words only.
    assert all(re.fullmatch(r"(?i)trusts?", r["hit"]) for r in trust)


def test_lemma_forms_are_the_pipelines_lemmas(sample_db: Path) -> None:
    """The words a search finds are exactly the tokens the project's spaCy pipeline
    (the one codebook phrase rules match on) lemmatises to the query's lemma."""
    from pdcode.nlp import make_nlp

    db = str(sample_db)
    nlp = make_nlp()
    found = []
    with api.open_project(db) as project:
        for name in sorted(_strands()):
            text = project.source_text(name)
            for turn in project.segments_of(name, "turn"):
                for token in nlp(text[turn.start : turn.end]):
                    if token.lemma_ == "coach":
                        start = turn.start + token.idx
                        found.append((name, start, start + len(token.text)))
    assert len(found) >= 10
    assert _spans(_search_json(db, "coach")) == found


def test_a_phrase_in_quotes_is_found_exactly(sample_db: Path) -> None:
    db = str(sample_db)
    rows = _search_json(db, '"professional development"')
    expected = _expected(db, r"\bprofessional\s+development\b")
    assert len(expected) >= 3 and _spans(rows) == expected
    # Quoted, a word is only itself: "trust" without "trusts".
    exact = _search_json(db, '"trust"')
    assert _spans(exact) == _expected(db, r"\btrust\b")
    assert len(exact) < len(_search_json(db, "trust"))
    # Unquoted words are a phrase of lemma forms.
    assert _spans(_search_json(db, "professional developments")) == expected


def test_a_regex_runs_guarded_as_codebook_regexes(sample_db: Path) -> None:
    db = str(sample_db)
    rows = _search_json(db, r"coach\w*", "--regex")
    assert _spans(rows) == _expected(db, r"coach\w*")
    # A backreference has no linear-time meaning: refused in one line, exit 1.
    refused = run_cli("search", r"(\w+) \1", "--regex", "-p", db)
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines() == [
        r"Error: --regex '(\\w+) \\1': a backreference \1 is not supported: RE2 has no "
        "linear-time way to run it"
    ]
    # Nested quantifiers would backtrack exponentially elsewhere: RE2 runs them.
    assert run_cli("search", "(e+e+)+x", "--regex", "-p", db).exit_code == 0
    # A pattern that only matches empty text is refused, not run at every character.
    empty = run_cli("search", "q*", "--regex", "-p", db)
    assert empty.exit_code == 1 and "matches empty text" in empty.stderr
    assert run_cli("search", "  ", "-p", db).exit_code == 2


# -- filters -------------------------------------------------------------------


def test_filters_by_case_speaker_role_and_respondents(sample_db: Path) -> None:
    db = str(sample_db)
    everything = _search_json(db, "school")
    case = _search_json(db, "school", "--case", "case_oakfield")
    assert case and {r["case"] for r in case} == {"case_oakfield"}
    assert case == [r for r in everything if r["case"] == "case_oakfield"]
    role = _search_json(db, "school", "--role", "headteacher")
    assert role == [r for r in everything if r["role"] == "headteacher"]
    speaker = everything[0]["speaker"]
    assert _search_json(db, "school", "--speaker", speaker) == [
        r for r in everything if r["speaker"] == speaker
    ]
    with api.open_project(db) as project:
        asked = {
            (name, t.start, t.end)
            for name in _strands()
            for t in project.segments_of(name, "turn")
            if t.is_interviewer
        }
    respondents = _search_json(db, "school", "--respondents-only")
    inside = [
        r for r in everything if any(s == r["source"] and a <= r["start"] < b for s, a, b in asked)
    ]
    assert inside and respondents == [r for r in everything if r not in inside]
    for option, value, near in (
        ("--case", "case_oakfeld", "case_oakfield"),
        ("--role", "headteachr", "headteacher"),
        ("--strand", "strand9", "strand1"),
    ):
        bad = run_cli("search", "school", option, value, "-p", db)
        assert bad.exit_code == 2 and near in bad.stderr, bad.stderr


def test_code_keeps_the_hits_inside_its_codings(sample_db: Path) -> None:
    db = str(sample_db)
    everything = _search_json(db, "trust")
    inside = _search_json(db, "trust", "--code", "trust")
    with api.open_project(db) as project:
        coded = [(k["source"], k["start"], k["end"]) for k in api.codings(project, code="trust")]
    expected = [
        r
        for r in everything
        if any(s == r["source"] and a <= r["start"] and r["end"] <= b for s, a, b in coded)
    ]
    assert inside == expected and 0 < len(inside) < len(everything)
    # By name too, and only one coder's codings with --coder.
    assert _search_json(db, "trust", "--code", "Trust", "--coder", RULES) == inside
    unknown = run_cli("search", "trust", "--code", "trsut", "-p", db)
    assert unknown.exit_code == 2 and "did you mean trust?" in unknown.stderr


# -- formats -------------------------------------------------------------------


def test_every_format_opens_and_holds_the_hits(sample_db: Path, tmp_path: Path) -> None:
    import docx

    db = str(sample_db)
    hits = _search_json(db, "coach")
    spans = _spans(hits)
    csv_file = tmp_path / "hits.csv"
    cli_ok("search", "coach", "--format", "csv", "-o", str(csv_file), "-p", db)
    with csv_file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["source"], int(r["start"]), int(r["end"])) for r in rows] == spans
    assert [r["hit"] for r in rows] == [h["hit"] for h in hits]
    json_file = tmp_path / "hits.json"
    cli_ok("search", "coach", "-o", str(json_file), "-p", db)  # the format from the suffix
    assert json.loads(json_file.read_text("utf-8")) == hits
    stdout = cli_ok("search", "coach", "--format", "csv", "-p", db)
    assert list(csv.DictReader(io.StringIO(stdout))) == rows
    md = cli_ok("search", "coach", "--format", "md", "-p", db)
    lines = md.splitlines()
    assert lines[0].startswith("| source | strand | case | role | speaker | start | end |")
    assert len(lines) == 2 + len(hits)
    for hit, line in zip(hits, lines[2:], strict=True):
        assert (
            line.startswith(f"| {hit['source']} |") and f"| {hit['start']} | {hit['end']} |" in line
        )
    word = tmp_path / "hits.docx"
    cli_ok("search", "coach", "--format", "docx", "-o", str(word), "-p", db)
    table = docx.Document(str(word)).tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "source", "speaker", "left", "hit", "right", "start", "end",
    ]  # fmt: skip
    assert [
        (r.cells[0].text, int(r.cells[5].text), int(r.cells[6].text)) for r in table.rows[1:]
    ] == spans
    refused = run_cli("search", "coach", "--format", "docx", "-p", db)
    assert refused.exit_code == 2 and "needs --output FILE" in refused.stderr


# -- saving hits as codings ----------------------------------------------------


def _codings(db: str, coder: str | None = None) -> list[dict[str, Any]]:
    with api.open_project(db) as project:
        return api.codings(project, coder=coder)


def test_code_as_stores_sentences_and_a_rerun_replaces_them(db: str) -> None:
    cli_ok("search", "coach", "--code-as", "coaching", "--coder", "ana", "-p", db)  # another run
    coach_run = [k for k in _codings(db, "ana") if k["provenance"] == "search:coach"]
    rules_before = _codings(db, RULES)
    hits = _search_json(db, "trust")
    cli_ok("search", "trust", "--code-as", "trust", "--coder", "ana", "-p", db)
    first = [k for k in _codings(db, "ana") if k["provenance"] == "search:trust"]
    with api.open_project(db) as project:
        sentences = {
            name: [(s.start, s.end) for s in project.segments_of(name, "sentence")]
            for name in _strands()
        }
    holding = {
        (h["source"], a, b)
        for h in hits
        for a, b in sentences[h["source"]]
        if a <= h["start"] and h["end"] <= b
    }
    assert {(k["source"], k["start"], k["end"]) for k in first} == holding
    assert len(first) == len(holding) and all(k["code"] == "trust" for k in first)
    assert all(k["start"] <= k["match_start"] < k["match_end"] <= k["end"] for k in first)
    # Again: the same codings, not twice as many; nothing else touched.
    again = run_cli("search", "trust", "--code-as", "Trust", "--coder", "human:ana", "-p", db)
    assert again.exit_code == 0 and f"{len(first)} codings of its previous run" in again.stderr
    second = [k for k in _codings(db, "ana") if k["provenance"] == "search:trust"]
    assert [(k["source"], k["start"], k["end"]) for k in second] == [
        (k["source"], k["start"], k["end"]) for k in first
    ]
    assert [k for k in _codings(db, "ana") if k["provenance"] == "search:coach"] == coach_run
    assert _codings(db, RULES) == rules_before
    # Turns instead of sentences: the run's codings are replaced by turns.
    cli_ok("search", "trust", "--code-as", "trust", "--coder", "ana", "--unit", "turn", "-p", db)
    turns = [k for k in _codings(db, "ana") if k["provenance"] == "search:trust"]
    assert 0 < len(turns) <= len(first)


def test_code_as_needs_a_stored_code_and_a_coder(db: str) -> None:
    unknown = run_cli("search", "trust", "--code-as", "trusst", "--coder", "ana", "-p", db)
    assert unknown.exit_code == 2
    assert (
        unknown.stderr.strip() == "Error: unknown code 'trusst' for --code-as (did you mean trust?)"
    )
    nobody = run_cli("search", "trust", "--code-as", "trust", "-p", db)
    assert nobody.exit_code == 2 and "--code-as needs --coder" in nobody.stderr
    machine = run_cli("search", "trust", "--code-as", "trust", "--coder", RULES, "-p", db)
    assert machine.exit_code == 2
    assert not [k for k in _codings(db) if k["provenance"].startswith("search:")]


# -- the workbench's search page ---------------------------------------------


@pytest.fixture
def client(db: str) -> Iterator[Any]:
    from pdcode.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from starlette.testclient import TestClient

    with TestClient(create_app(db, "tester", TOKEN)) as browser:
        browser.get("/", params={"token": TOKEN})  # trades the token for the cookie
        yield browser


def test_the_search_page_and_its_json(client: Any, db: str) -> None:
    params = {"q": "trust", "strand": "strand3"}
    with api.open_project(db) as project:
        expected = api.search.search_page(project, "trust", strand="strand3")
    data = client.get("/search.json", params=params).json()
    assert data == json.loads(json.dumps(expected))
    assert _spans(data["hits"]) == _expected(
        db, r"\b(?:trust|trusts|trusted|trusting)\b", "strand3"
    )
    assert data["by_strand"] == [{"strand": "strand3", "hits": data["total"]}]
    page = client.get("/search", params=params).text
    assert '<a href="/search">Search</a>' in page and 'value="trust"' in page
    for hit in data["hits"]:
        link = f'href="/reader?source={hit["source"]}#o-{hit["anchor"]}"'
        assert link in page
    # Each link lands on the reader's piece of text that holds the hit.
    hit = data["hits"][-1]
    reader = client.get("/reader", params={"source": hit["source"]}).text
    found = re.search(rf'id="o-{hit["anchor"]}" data-s="(\d+)" data-e="(\d+)"', reader)
    assert found is not None
    assert int(found[1]) <= hit["start"] < int(found[2])
    empty = client.get("/search.json").json()
    assert empty["query"] is None and empty["hits"] == [] and "strand3" in empty["strands"]
    assert "<table" not in client.get("/search").text.split("</form>")[1]


def test_the_search_page_escapes_text_and_refuses_bad_queries(client: Any, tmp_path: Path) -> None:
    from pdcode.web.app import create_app

    nasty = tmp_path / "nasty.txt"
    nasty.write_text(
        "Interviewer: Any <b>trust</b>?\n\nTeacher: We <script>alert(1)</script> trust "
        "[red]them[/red].\n",
        encoding="utf-8",
    )
    location = tmp_path / "n.db"
    with api.init_project(location) as project:
        api.import_paths(project, [nasty], api.ImportOptions(strand="s<1>"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from starlette.testclient import TestClient

    with TestClient(create_app(str(location), "tester", TOKEN)) as browser:
        browser.get("/", params={"token": TOKEN})
        page = browser.get("/search", params={"q": "trust"}).text
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<b>trust" not in page and "s&lt;1&gt;" in page
        bad = browser.get("/search.json", params={"q": r"(a)\1", "regex": "1"})
        assert bad.status_code == 400 and "backreference" in bad.json()["error"]
    # In the terminal, text is text: no markup read in it.
    table = cli_ok("search", "trust", "-p", str(location))
    assert "[red]them[/red]" in table and "2 hits: s<1> 2" in table
    unknown = client.get("/search.json", params={"q": "trust", "code": "nope"})
    assert unknown.status_code == 400 and "unknown code 'nope'" in unknown.json()["error"]


# -- the pure parts ------------------------------------------------------------


def test_widening_and_context_on_sentence_spans() -> None:
    from pdcode.analysis.search import Hit, around, as_codings, widen

    units = [(0, 10), (11, 20), (21, 30)]
    assert widen(12, 14, units) == (11, 20)  # inside one sentence
    assert widen(5, 25, units) == (0, 30)  # over three
    assert widen(10, 11, units) == (10, 11)  # between two: as it is
    assert around(12, 14, units, 1) == ((0, 12), (14, 30))
    assert around(0, 10, units, 1) == ((0, 0), (10, 20))  # nothing before the first
    assert around(12, 14, units, 0) == ((12, 12), (14, 14))

    def hit(start: int, end: int) -> Hit:
        return Hit("a.txt", None, None, None, None, False, 0, start, end, "", "x", "")

    codings = as_codings([hit(12, 14), hit(16, 18), hit(22, 24)], {"a.txt": units}, "c")
    assert [(k.start, k.end, k.match_start, k.match_end) for k in codings] == [
        (11, 20, 12, 14),  # two hits in one sentence: one coding, the first hit's words
        (21, 30, 22, 24),
    ]


def test_queries_become_bounded_patterns() -> None:
    from pdcode.analysis.search import lemma_forms, parse_query

    assert set(lemma_forms("coaching")) == {"coach", "coaches", "coached", "coaching"}
    assert lemma_forms("Ofsted") == ("ofsted",)  # a word the table lacks is itself
    word = parse_query("trust")
    assert (word.kind, word.provenance) == ("lemma", "search:trust")
    assert word.pattern == r"\b(?:trusting|trusted|trusts|trust)\b"
    phrase = parse_query('"whole-school (PD)"')
    assert (phrase.kind, phrase.pattern) == ("exact", r"\bwhole-school\s+\(PD\)")
    regex = parse_query(r"coach\w+", regex=True)
    assert (regex.kind, regex.provenance) == ("regex", r"search:/coach\w+/")
