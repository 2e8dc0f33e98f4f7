"""The workbench (`pdcode serve`): every page and action through the ASGI app, the
token and CSRF guard, escaping, the review loop, errors, and the command."""

from __future__ import annotations

import json
import logging
import re
import shutil
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from pdcode import api
from pdcode.api import review, workbench
from pdcode.cli import app as cli_app
from pdcode.cli.serve import exposure_warning, is_loopback
from pdcode.web.app import create_app
from pdcode.web.security import FAULT, NEEDS_TOKEN, csrf_for
from tests.conftest import REPO, located

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind its TestClient; httpx serves the same here.
    warnings.simplefilter("ignore", UserWarning)
    from starlette.testclient import TestClient

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
RULES = "rules:pd-leadership@1.0.0"
TOKEN = "test-token-0123456789"
ME = "tester"
NASTY = (
    "Interviewer: Tell me about {{ config }} and \"quotes\" & 'apostrophes'?\r\n\r\n"
    "Teacher: We ran <script>alert(1)</script> the café 🙂 trial with coaching 👩🏽‍🏫 now.\r\n"
    "It was a whole-school improvement plan.\r\n\r\n"
    "Interviewer: And </textarea><b>then</b>?\r\n\r\n"
    "Teacher: Then coaching again, naïve 🙂 but good.\r\n"
)


def plain(data: Any) -> Any:
    """Data as it comes back from JSON."""
    return json.loads(json.dumps(data, default=str))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    api.run_demo(folder)
    return folder / "pdcode.db"


@pytest.fixture(scope="module")
def nasty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nasty")
    (folder / "nasty.txt").write_bytes(NASTY.encode("utf-8"))
    with api.init_project(folder / "p.db") as project:
        api.import_paths(
            project, [folder / "nasty.txt"], api.ImportOptions(strand="strand9", case="case_x")
        )
        api.code_project(project, BOOK)
    return folder / "p.db"


@dataclass
class Bench:
    client: TestClient
    location: Path
    csrf: str

    def post(self, url: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        return self.client.post(url, json=body, headers={"X-CSRF-Token": self.csrf, **headers})


def _bench(source: Path, tmp_path: Path) -> Iterator[Bench]:
    copy = tmp_path / "p.db"
    shutil.copy(source, copy)
    with TestClient(create_app(str(copy), "tester", TOKEN)) as client:
        client.get("/", params={"token": TOKEN})  # trades the token for the cookie
        yield Bench(client, copy, csrf_for(TOKEN))


@pytest.fixture
def bench(demo_db: Path, tmp_path: Path) -> Iterator[Bench]:
    yield from _bench(demo_db, tmp_path)


@pytest.fixture
def nasty(nasty_db: Path, tmp_path: Path) -> Iterator[Bench]:
    yield from _bench(nasty_db, tmp_path)


class Pieces(HTMLParser):
    """The ``span.t`` pieces of a reader page: (data-s, data-e, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str]] = []
        self._open: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "span" and (found.get("class") or "").split()[:1] == ["t"]:
            self._open = [int(found["data-s"] or 0), int(found["data-e"] or 0), ""]

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._open is not None:
            self.found.append((self._open[0], self._open[1], self._open[2]))
            self._open = None


def pieces(html: str) -> list[tuple[int, int, str]]:
    parser = Pieces()
    parser.feed(html)
    return parser.found


# -- the token ---------------------------------------------------------------


def test_every_request_needs_the_token(demo_db: Path) -> None:
    with TestClient(create_app(str(demo_db), "tester", TOKEN)) as client:
        for url in ("/", "/.json", "/reader?source=x", "/static/app.js", "/api/codes.json"):
            refused = client.get(url)
            assert refused.status_code == 403, url
            assert refused.text == NEEDS_TOKEN
        assert client.get("/", params={"token": "wrong"}).status_code == 403
        client.cookies.set("pdcode_token", "wrong")
        assert client.get("/").status_code == 403
        client.cookies.clear()

        welcome = client.get(
            "/reader",
            params={"source": "s1_union_officer.srt", "token": TOKEN},
            follow_redirects=False,
        )
        assert welcome.status_code == 303
        assert welcome.headers["location"] == "/reader?source=s1_union_officer.srt"
        cookie = welcome.headers["set-cookie"]
        assert cookie.startswith(f"pdcode_token={TOKEN};")
        assert "HttpOnly" in cookie and "Path=/" in cookie
        assert "samesite=strict" in cookie.lower()

        client.cookies.set("pdcode_token", TOKEN)
        page = client.get("/")
        assert page.status_code == 200
        assert client.get("/static/app.js").status_code == 200
        assert client.get("/static/style.css").status_code == 200
        headers = page.headers
        assert headers["content-security-policy"] == (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:"
        )
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"


def test_writes_need_the_csrf_header_and_our_origin(bench: Bench) -> None:
    body = {"source": "s1_union_officer.srt", "text": "A note."}
    missing = bench.client.post("/api/memo", json=body)
    assert missing.status_code == 403 and "CSRF" in missing.json()["error"]
    wrong = bench.client.post("/api/memo", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    # The token itself is not the CSRF value.
    as_token = bench.client.post("/api/memo", json=body, headers={"X-CSRF-Token": TOKEN})
    assert as_token.status_code == 403
    foreign = bench.post("/api/memo", body, Origin="http://evil.example")
    assert foreign.status_code == 403 and "another site" in foreign.json()["error"]
    assert bench.post("/api/memo", body, Origin="http://testserver").status_code == 200
    assert bench.post("/api/memo", body).status_code == 200
    # Every page carries the CSRF value, never the token.
    page = bench.client.get("/").text
    assert f'<meta name="csrf-token" content="{bench.csrf}">' in page
    assert TOKEN not in page
    # Writes are POST only.
    assert bench.client.get("/api/memo").status_code == 405
    assert bench.client.get("/api/review/decide").status_code == 405


# -- pages and their JSON ----------------------------------------------------


def test_project_page_and_its_json(bench: Bench) -> None:
    with api.open_project(bench.location) as project:
        expected = {**workbench.overview(project), "codes": workbench.codes(project)}
    assert bench.client.get("/.json").json() == plain(expected)
    assert bench.client.get("/index.json").json() == plain(expected)
    page = bench.client.get("/").text
    assert (
        ME in page and '<a href="/">Project</a>' in page and '<a href="/review">Review</a>' in page
    )
    for s in expected["sources"]:
        assert f'href="/reader?source={s["name"]}"' in page
    for strand in ("strand1", "strand2", "strand3"):
        assert f'<h3 class="strand">{strand}</h3>' in page
    assert "s1_alliance_director" in page  # a case heading
    assert f'href="/review?coder={RULES.replace(":", "%3A").replace("@", "%40")}"' in page
    for c in expected["codes"]:
        assert f'href="/code?code={c["code"]}"' in page
    assert "pd-leadership@1.0.0</code>: 21 codes" in page
    # Progress: respondent turns carrying a code, as a percentage.
    partial = next(s for s in expected["sources"] if s["progress"][RULES] < 1)
    assert f"{partial['progress'][RULES] * 100:.0f}%" in page


def test_reader_shows_the_stored_text_exactly(bench: Bench) -> None:
    source = "s2_computing_hub_west.vtt"
    with api.open_project(bench.location) as project:
        expected = workbench.reader(project, source)
        text = project.source_text(source)
    answer = bench.client.get("/reader.json", params={"source": source})
    assert answer.json() == plain(expected)
    page = bench.client.get("/reader", params={"source": source}).text
    found = pieces(page)
    assert found and all(text[s:e] == shown for s, e, shown in found)
    assert len(found) == sum(len(t["pieces"]) for t in expected["turns"])
    # Turns: speaker, h:mm:ss time, interviewer dimmed, anchors.
    first = expected["turns"][0]
    assert first["is_interviewer"] and first["time"] is not None
    seconds = int(first["time"])
    clock = f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    assert f"<time>{clock}</time>" in page
    assert f'<div class="turn interviewer" id="t-{first["index"]}"' in page
    # Coded pieces take their first code's colour and name every code.
    coding = expected["codings"][0]
    assert f'class="t c" id="o-{coding["start"]}"' in page
    assert f'data-id="{coding["id"]}"' in page and coding["name"] in page


def test_reader_coder_filter(bench: Bench) -> None:
    source = "s1_union_officer.srt"
    bench.post("/api/code", {"source": source, "start": 974, "end": 990, "code": "coaching"})
    with api.open_project(bench.location) as project:
        everyone = workbench.reader(project, source)
        mine = workbench.reader(project, source, [ME])
    assert sorted(everyone["coders"]) == sorted([RULES, ME])
    shown = bench.client.get("/reader.json", params={"source": source, "coder": ME})
    assert shown.json() == plain(mine)
    assert [k["coder"] for k in shown.json()["codings"]] == [ME]
    page = bench.client.get("/reader", params=[("source", source), ("coder", ME)]).text
    assert f'value="{ME}" checked' in page and f'value="{RULES}">' in page
    unknown = bench.client.get("/reader.json", params={"source": source, "coder": "human:zed"})
    assert unknown.status_code == 400 and "no codings by human:zed" in unknown.json()["error"]


def test_code_page_and_its_json(bench: Bench) -> None:
    with api.open_project(bench.location) as project:
        expected = workbench.code_page(project, "vision_led")
        by_rules = workbench.code_page(project, "vision_led", RULES)
    assert bench.client.get("/code.json", params={"code": "vision_led"}).json() == plain(expected)
    filtered = bench.client.get("/code.json", params={"code": "vision_led", "coder": RULES})
    assert filtered.json() == plain(by_rules)
    page = bench.client.get("/code", params={"code": "vision_led"}).text
    details = expected["code"]
    for part in (details["name"], details["definition"], details["examples"][0]):
        assert part.replace('"', "&#34;") in page
    assert details["include"].replace('"', "&#34;") in page
    for group in expected["strands"]:
        assert f'{group["strand"]} <span class="count">({len(group["excerpts"])})</span>' in page
        for e in group["excerpts"]:
            assert f'href="/reader?source={e["source"]}#o-{e["start"]}"' in page


def test_review_pages_and_their_json(bench: Bench) -> None:
    index = bench.client.get("/review.json").json()
    assert index == {
        "reviewer": ME,
        "machine_coders": [{"coder": RULES, "total": 223, "decided": 0}],
    }
    assert "start reviewing" in bench.client.get("/review").text
    with api.open_project(bench.location) as project:
        queue = review.queue(project, RULES, ME)
        item = review.item(project, queue.pending[0])
    data = bench.client.get("/review.json", params={"coder": RULES}).json()
    assert data["item"] == plain(item)
    assert data["queue"]["pending"] == list(queue.pending)
    assert data["queue"]["tallies"] == [t.row() for t in queue.tallies]
    assert (data["queue"]["total"], data["queue"]["decided"]) == (223, 0)
    page = bench.client.get("/review", params={"coder": RULES}).text
    assert "<strong>0 / 223</strong>" in page
    assert f'data-coding-id="{item["id"]}"' in page
    assert f'<mark class="coded matched">{item["matched"]}</mark>' in page
    assert "<kbd>a</kbd> accept" in page and "<kbd>u</kbd> undo" in page
    assert f'href="/reader?source={item["source"]}#o-{item["start"]}"' in page
    assert item["definition"]["include"] in page
    # The turn before, dimmed when the interviewer's.
    assert '<div class="turn before interviewer">' in page


def test_pages_refuse_bad_requests_with_the_message(bench: Bench) -> None:
    missing = bench.client.get("/reader", params={"source": "nope.txt"})
    assert missing.status_code == 404
    assert "no source named &#39;nope.txt&#39; in the project" in missing.text
    assert bench.client.get("/reader.json", params={"source": "nope.txt"}).json() == {
        "error": "no source named 'nope.txt' in the project"
    }
    assert bench.client.get("/reader").status_code == 400
    assert bench.client.get("/code.json", params={"code": "zzz"}).status_code == 400
    machine = bench.client.get("/review.json", params={"coder": ME})
    assert machine.status_code == 400
    bad = bench.client.post("/api/code", content=b"not json", headers={"X-CSRF-Token": bench.csrf})
    assert bad.status_code == 400 and bad.json() == {"error": "the request body is not JSON"}
    wrong = bench.post(
        "/api/code", {"source": "s1_union_officer.srt", "start": "a", "end": 5, "code": "trust"}
    )
    assert wrong.status_code == 400 and "'start' must be a whole number" in wrong.json()["error"]
    huge = bench.post("/api/memo", {"source": "s1_union_officer.srt", "text": "a" * 1_100_000})
    assert huge.status_code == 400 and "over 1,000,000 bytes" in huge.json()["error"]
    long = bench.post("/api/memo", {"source": "s1_union_officer.srt", "text": "a" * 20_001})
    assert long.status_code == 400 and "at most 20,000 characters" in long.json()["error"]


# -- escaping ----------------------------------------------------------------


def test_transcript_text_and_memos_are_escaped(nasty: Bench) -> None:
    memo = nasty.post(
        "/api/memo",
        {"source": "nasty.txt", "title": "<i>t</i>", "text": "<b>bold</b> & {{ 7*7 }}"},
    )
    assert memo.status_code == 200
    with api.open_project(nasty.location) as project:
        text = project.source_text("nasty.txt")
    start = text.index("<script>")
    end = text.index("</script>") + len("</script>")
    coded = nasty.post(
        "/api/code", {"source": "nasty.txt", "start": start, "end": end, "code": "coaching"}
    )
    assert coded.status_code == 200
    page = nasty.client.get("/reader", params={"source": "nasty.txt"}).text
    assert "<script>alert(1)</script>" not in page and "<b>" not in page and "<i>t" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; {{ 7*7 }}" in page  # not evaluated either
    assert "{{ config }}" in page and "&lt;/textarea&gt;&lt;b&gt;then&lt;/b&gt;" in page
    # The data block for the script cannot end its <script> early.
    block = page.split('<script type="application/json" id="reader-data">', 1)[1]
    block = block.split("</script>", 1)[0]
    assert "<" not in block and "\\u003cscript\\u003e" in block
    assert "\\u003cb\\u003ebold" in block
    assert json.loads(block)["memos"][0]["text"] == "<b>bold</b> & {{ 7*7 }}"
    assert "<script>alert(1)</script>" in [k["text"] for k in json.loads(block)["codings"]]
    assert all(text[s:e] == shown for s, e, shown in pieces(page))
    code = nasty.client.get("/code", params={"code": "coaching"}).text
    assert "strand9" in code and "<script>alert" not in code
    assert '<blockquote class="quote">&lt;script&gt;alert(1)&lt;/script&gt;</blockquote>' in code


# -- hand coding -------------------------------------------------------------


def test_a_span_coded_in_the_browser_is_the_text_between_its_offsets(nasty: Bench) -> None:
    with api.open_project(nasty.location) as project:
        text = project.source_text("nasty.txt")
    # From an accent through an emoji and a zero-width joiner sequence to the next line.
    start = text.index("café")
    end = text.index("whole-school") + len("whole")
    selected = text[start:end]
    assert "🙂" in selected and "\n" in selected and "\r" not in selected
    stored = nasty.post(
        "/api/code", {"source": "nasty.txt", "start": start, "end": end, "code": "coaching"}
    )
    assert stored.status_code == 200
    assert stored.json()["code"] == "coaching"
    with api.open_project(nasty.location) as project:
        rows = api.codings(project, ME)
    assert [(k["start"], k["end"], k["text"]) for k in rows] == [(start, end, selected)]
    page = nasty.client.get("/code", params={"code": "coaching"}).text
    assert '<h2 class="strand">strand9 <span class="count">(1)</span></h2>' in page
    assert "café 🙂 trial" in page and ME in page
    assert f'href="/reader?source=nasty.txt#o-{start}"' in page
    # The reader now cuts a piece at the coding's start.
    reader = nasty.client.get("/reader", params={"source": "nasty.txt"}).text
    assert f'id="o-{start}" data-s="{start}"' in reader
    outside = nasty.post(
        "/api/code", {"source": "nasty.txt", "start": 5, "end": len(text) + 1, "code": "coaching"}
    )
    assert outside.status_code == 400 and "outside the text" in outside.json()["error"]
    unknown = nasty.post(
        "/api/code", {"source": "nasty.txt", "start": 0, "end": 4, "code": "no_such_code"}
    )
    assert unknown.status_code == 400
    gone = nasty.post("/api/code", {"source": "gone.txt", "start": 0, "end": 4, "code": "coaching"})
    assert gone.status_code == 404


def test_own_codings_change_and_go_others_are_refused(bench: Bench) -> None:
    source = "s1_union_officer.srt"
    made = bench.post("/api/code", {"source": source, "start": 974, "end": 990, "code": "coaching"})
    coding_id = made.json()["id"]
    recoded = bench.post(
        "/api/recode", {"coding_id": coding_id, "expected_code": "coaching", "new_code": "buy_in"}
    )
    assert recoded.status_code == 200
    reader = bench.client.get("/reader.json", params={"source": source}).json()
    assert [k["code"] for k in reader["codings"] if k["id"] == coding_id] == ["buy_in"]
    stale = bench.post("/api/uncode", {"coding_id": coding_id, "expected_code": "coaching"})
    assert stale.status_code == 409 and "meanwhile" in stale.json()["error"]
    machine = next(k for k in reader["codings"] if k["coder"] == RULES)
    theirs = bench.post(
        "/api/uncode", {"coding_id": machine["id"], "expected_code": machine["code"]}
    )
    assert theirs.status_code == 409 and f"belongs to {RULES}" in theirs.json()["error"]
    theirs = bench.post(
        "/api/recode",
        {"coding_id": machine["id"], "expected_code": machine["code"], "new_code": "trust"},
    )
    assert theirs.status_code == 409
    gone = bench.post("/api/uncode", {"coding_id": coding_id, "expected_code": "buy_in"})
    assert gone.status_code == 200
    again = bench.post("/api/uncode", {"coding_id": coding_id, "expected_code": "buy_in"})
    assert again.status_code == 409 and "no longer in the project" in again.json()["error"]


def test_a_retired_code_is_marked_and_refused_for_new_codings(bench: Bench) -> None:
    with api.open_project(bench.location) as project:
        api.codes.retire_code(project, "risk_taking")
    listed = {c["code"]: c for c in bench.client.get("/api/codes.json").json()}
    assert listed["risk_taking"]["retired"] is True and listed["coaching"]["retired"] is False
    # The page's picker data says so too (the picker leaves it out).
    page = bench.client.get("/reader", params={"source": "s1_union_officer.srt"}).text
    data = re.search(r'<script type="application/json" id="codes-data">(.*?)</script>', page)
    assert data is not None
    assert {c["code"] for c in json.loads(data.group(1)) if c["retired"]} == {"risk_taking"}
    body = {"source": "s1_union_officer.srt", "start": 974, "end": 990, "code": "risk_taking"}
    refused = bench.post("/api/code", body)
    assert refused.status_code == 400 and "risk_taking is retired" in refused.json()["error"]
    made = bench.post("/api/code", {**body, "code": "coaching"})
    recoded = bench.post(
        "/api/recode",
        {"coding_id": made.json()["id"], "expected_code": "coaching", "new_code": "risk_taking"},
    )
    assert recoded.status_code == 400 and "retired" in recoded.json()["error"]


def test_memos_on_a_source_and_on_a_coding_show_in_the_reader(bench: Bench) -> None:
    source = "s1_union_officer.srt"
    coding = bench.client.get("/reader.json", params={"source": source}).json()["codings"][0]
    on_source = bench.post("/api/memo", {"source": source, "text": "Workload theme.", "title": "W"})
    on_coding = bench.post("/api/memo", {"coding_id": coding["id"], "text": "Borderline."})
    assert on_source.status_code == on_coding.status_code == 200
    memos = bench.client.get("/reader.json", params={"source": source}).json()["memos"]
    assert [(m["text"], m["coding_id"], m["author"]) for m in memos] == [
        ("Workload theme.", None, ME),
        ("Borderline.", coding["id"], ME),
    ]
    page = bench.client.get("/reader", params={"source": source}).text
    assert "<strong>W</strong>" in page and "Workload theme." in page
    assert f"on coding <em>{coding['name']}</em>" in page and "Borderline." in page
    assert "edited" not in page
    with api.open_project(bench.location) as project:
        api.memos.edit(project, on_source.json()["id"], "Workload, then time.")
    edited = bench.client.get("/reader.json", params={"source": source}).json()["memos"][0]
    assert edited["modified_at"] is not None and edited["text"] == "Workload, then time."
    page = bench.client.get("/reader", params={"source": source}).text
    assert f"· edited {edited['modified_at']}" in page
    assert bench.post("/api/memo", {"source": source, "text": "  "}).status_code == 400
    both = bench.post("/api/memo", {"source": source, "coding_id": coding["id"], "text": "x"})
    assert both.status_code == 400


# -- review ------------------------------------------------------------------


def _decide(bench: Bench, coding_id: int, decision: str, **extra: Any) -> httpx.Response:
    body = {"coding_id": coding_id, "decision": decision, "coder": RULES, "order": "code"}
    return bench.post("/api/review/decide", {**body, **extra})


def test_review_decisions_answer_with_the_next_item(bench: Bench) -> None:
    start = bench.client.get("/review.json", params={"coder": RULES}).json()
    first = start["item"]["id"]
    accepted = _decide(bench, first, "accept")
    assert accepted.status_code == 200
    after = accepted.json()
    assert (after["decided"], after["total"]) == (1, 223)
    assert after["next_id"] != first
    assert "<strong>1 / 223</strong>" in after["html"]
    assert f'data-coding-id="{after["next_id"]}"' in after["html"]
    assert "<!doctype" not in after["html"]  # a fragment, not a page

    rejected = _decide(bench, after["next_id"], "reject").json()
    changed = _decide(bench, rejected["next_id"], "change", new_code="trust").json()
    assert changed["decided"] == 3
    with api.open_project(bench.location) as project:
        mine = {(k["code"], k["provenance"]) for k in api.codings(project, ME)}
        tallies = {t.code: t for t in review.queue(project, RULES, ME).tallies}
    assert ("trust", f"review:{RULES}") in mine and len(mine) == 2
    assert sum(t.reviewed for t in tallies.values()) == 3

    # The same coding decided again (another tab): 409, with the next item.
    twice = _decide(bench, first, "reject")
    assert twice.status_code == 409
    assert "already decided" in twice.json()["error"]
    assert twice.json()["next_id"] == changed["next_id"] and "html" in twice.json()

    undone = bench.post(
        "/api/review/undo", {"coder": RULES, "order": "code", "show": rejected["next_id"]}
    )
    assert undone.status_code == 200
    body = undone.json()
    assert body["undone"]["decision"] == "change" and body["decided"] == 2
    assert body["next_id"] == rejected["next_id"]  # back on the item undone
    with api.open_project(bench.location) as project:
        assert {k["code"] for k in api.codings(project, ME)} == {start["item"]["code"]}


def test_skipped_items_go_last(bench: Bench) -> None:
    start = bench.client.get("/review.json", params={"coder": RULES}).json()
    pending = start["queue"]["pending"]
    skipped = bench.client.get(
        "/api/review/next", params={"coder": RULES, "skip": f"{pending[0]},{pending[1]}"}
    ).json()
    assert skipped["next_id"] == pending[2]
    decided = _decide(bench, pending[2], "accept", skip=[pending[0], pending[1]]).json()
    assert decided["next_id"] == pending[3]
    in_order = bench.client.get(
        "/review.json", params={"coder": RULES, "order": "random", "seed": "7"}
    ).json()
    with api.open_project(bench.location) as project:
        assert in_order["queue"]["pending"] == list(
            review.queue(project, RULES, ME, "random", 7).pending
        )


def test_an_empty_queue_shows_the_summary(bench: Bench) -> None:
    with api.open_project(bench.location) as project:
        ids = review.queue(project, RULES, ME, code="coaching").pending
    answer: dict[str, Any] = {}
    for i, coding_id in enumerate(ids):
        response = _decide(bench, coding_id, ("accept", "reject")[i % 3 == 2], code="coaching")
        answer = response.json()
    assert answer["next_id"] is None
    assert "Nothing left to review" in answer["html"]
    with api.open_project(bench.location) as project:
        rows = [t.row() for t in review.summary(project, RULES, ME)]
    data = bench.client.get("/review.json", params={"coder": RULES, "code": "coaching"}).json()
    assert data["item"] is None and data["summary"] == plain(rows)
    page = bench.client.get("/review", params={"coder": RULES, "code": "coaching"}).text
    coaching = next(r for r in rows if r["code"] == "coaching")
    assert coaching["reviewed"] == len(ids) and coaching["precision"] is not None
    cells = (
        f'<tr data-code="coaching"><td><code>coaching</code></td>'
        f'<td class="n">{coaching["codings"]}</td><td class="n">{coaching["reviewed"]}</td>'
        f'<td class="n">{coaching["accepted"]}</td><td class="n">{coaching["rejected"]}</td>'
        f'<td class="n">{coaching["changed"]}</td><td class="n">{coaching["precision"]:.2f}</td>'
        f'<td class="n">{coaching["low"]:.2f}–{coaching["high"]:.2f}</td></tr>'
    )
    assert cells in page and cells in answer["html"]
    assert f"<strong>{len(ids)} / {len(ids)}</strong>" in page


# -- faults ------------------------------------------------------------------


def test_a_server_fault_hides_its_message(
    bench: Bench, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "the head said something confidential"

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(secret)

    monkeypatch.setattr(workbench, "overview", boom)
    monkeypatch.setattr(review, "decide", boom)
    with caplog.at_level(logging.ERROR, logger="pdcode.web"):
        page = bench.client.get("/")
        post = _decide(bench, 1, "accept")
    for answer in (page, post):
        assert answer.status_code == 500
        assert answer.text == FAULT
        assert secret not in answer.text
    assert secret not in caplog.text
    assert "RuntimeError" in caplog.text and "test_web.py" in caplog.text


# -- the command -------------------------------------------------------------


def test_serve_help_and_a_missing_project(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli_app, ["serve", "--help"])
    assert shown.exit_code == 0
    assert "PDCODE_SERVE_TOKEN" in shown.output and "--port" in shown.output
    missing = runner.invoke(cli_app, ["serve", "-p", str(tmp_path / "missing.db")])
    assert missing.exit_code == 1
    lines = missing.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "no project here" in lines[0]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_only_loopback_addresses_pass_without_a_warning(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    warning = exposure_warning(host)
    if loopback:
        assert warning is None
    else:
        assert warning is not None
        assert "anyone who can reach this port and has the token" in warning


def test_serve_prints_the_address_and_stops_cleanly(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    ran: dict[str, Any] = {}

    def run(self: uvicorn.Server, sockets: list[Any] | None = None) -> None:
        ran["port"] = sockets[0].getsockname()[1] if sockets else None
        raise KeyboardInterrupt  # Ctrl-C

    opened: list[str] = []
    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr("webbrowser.open", opened.append)
    monkeypatch.setenv("PDCODE_SERVE_TOKEN", "tok123")
    result = CliRunner().invoke(
        cli_app,
        [
            "serve",
            "-p",
            str(demo_db),
            "--coder",
            "ana",
            "--port",
            "0",
            "--host",
            "0.0.0.0",
            "--open",
        ],
    )
    assert result.exit_code == 0, result.output
    port = ran["port"]
    assert port and port > 0
    url = f"http://0.0.0.0:{port}/?token=tok123"
    assert f"Serving {demo_db} as ana at {url}" in result.output
    assert "Press Ctrl-C to stop." in result.output
    assert "anyone who can reach this port and has the token" in result.output
    assert result.output.rstrip().endswith("Stopped.")
    assert opened == [url]


SERVE = [sys.executable, "-m", "pdcode", "serve"]


def test_serve_answers_for_real(demo_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "p.db"
    shutil.copy(demo_db, copy)
    server = subprocess.Popen(
        [*SERVE, "-p", located(copy), "--port", "0", "--coder", "ana"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:(\d+)/\?token=(\S+))", first)
        assert found, first
        url, token = found.group(1), found.group(3)
        assert int(found.group(2)) > 0 and len(token) >= 40
        with httpx.Client(follow_redirects=True, timeout=10) as client:
            page = client.get(url)
            assert page.status_code == 200 and "ana" in page.text
            assert str(page.url).endswith("/")  # the token is out of the address
            assert client.get(url.split("?")[0] + "api/codes.json").status_code == 200
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=15)
        assert server.returncode == 0
        assert "Stopped." in out
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
