"""The workbench end to end, in a real (headless) browser: `pdcode serve` runs as
a subprocess over the sample project and Debian's Chromium, driven by
Playwright, reads, codes with real mouse gestures and the keyboard, and reviews;
the project file is then read back through the api and the CLI.

Skipped, with the reason, where Playwright or a `chromium` on PATH is missing.
Never run `playwright install`: these tests use the system's Chromium.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')"
)
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "no `chromium` on PATH (Debian: apt-get install chromium); the browser tests need it",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright  # noqa: E402

from pdcode import api  # noqa: E402
from pdcode.api import review, workbench  # noqa: E402
from pdcode.cli import app as cli_app  # noqa: E402
from pdcode.web.security import NEEDS_TOKEN  # noqa: E402
from tests.browser_support import (  # noqa: E402
    CHROMIUM_ARGS,
    Server,
    char_box,
    drag_select,
    start_server,
)

RULES = "rules:pd-leadership@1.0.0"
ME = "tester"
TOKEN = "browser-test-token-0123456789"
# CRLF line ends, an emoji before the words to select (so code points and the
# browser's UTF-16 differ there), an accented word, a ZWJ emoji sequence, markup.
NASTY = (
    "Interviewer: Tell me about the trial?\r\n\r\n"
    "Teacher: We ran the 🙂 café trial <script>alert(1)</script> with coaching 👩🏽‍🏫 now.\r\n"
    "It was a whole-school improvement plan.\r\n\r\n"
    "Interviewer: And then?\r\n\r\n"
    "Teacher: Then coaching again, naïve but good.\r\n"
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The sample project plus ``nasty.txt``, served as ``tester``; Ctrl-C at
    the end must stop it cleanly."""
    folder = tmp_path_factory.mktemp("browser")
    api.run_demo(folder)
    location = folder / "pdcode.db"
    (folder / "nasty.txt").write_bytes(NASTY.encode("utf-8"))
    with api.open_project(location) as project:
        imported = api.import_paths(
            project, [folder / "nasty.txt"], api.ImportOptions(strand="strand9", case="case_x")
        )
    assert not imported.failed
    running = start_server(location, "tester", TOKEN)
    yield running
    status, printed = running.stop()
    assert status == 0, printed
    assert printed.splitlines()[-1] == "Stopped.", printed
    assert "Traceback" not in printed and "ERROR" not in printed, printed


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What a page did that it should not: dialogs (alert, confirm...), script
    errors, console errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, server: Server, watch: Watch) -> Iterator[Page]:
    """A fresh browser context (its own cookies and session storage) that has
    opened the address `pdcode serve` printed, so it holds the token's cookie."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    tab = context.new_page()

    def dialog(d: Any) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    tab.on("dialog", dialog)
    tab.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))
    tab.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    answer = tab.goto(server.with_token("/"))
    assert answer is not None and answer.status == 200
    assert tab.url == server.url("/")  # the token is out of the address bar
    yield tab
    context.close()
    assert watch.dialogs == [], "a dialog opened"
    assert watch.errors == [], "the page reported errors"


def stored_text(server: Server, source: str) -> str:
    with api.open_project(server.location) as project:
        return project.source_text(source)


def my_codings(server: Server) -> dict[int, dict[str, Any]]:
    with api.open_project(server.location) as project:
        return {k["id"]: k for k in api.codings(project, ME)}


def pick_in_picker(page: Page, typed: str, down: int = 0) -> str:
    """Type into the open code picker, move down ``down`` places with the arrow
    key, and return the code now highlighted (Enter is left to the caller)."""
    picker = page.locator("#picker")
    picker.wait_for(state="visible")
    assert page.evaluate("() => document.activeElement.id") == "picker-input"
    page.keyboard.type(typed)
    for _ in range(down):
        page.keyboard.press("ArrowDown")
    active = picker.locator(".picker-list li.active")
    assert active.count() == 1
    return active.locator("code").inner_text()


def remember_selection(page: Page) -> None:
    """Record what the browser has selected at the moment the mouse button goes
    up (before the page's own handler runs and the picker takes the focus)."""
    page.evaluate(
        "() => document.addEventListener('mouseup',"
        " () => { window.__selected = window.getSelection().toString(); }, true)"
    )


def code_by_mouse(
    page: Page, server: Server, source: str, start: int, end: int, typed: str, down: int
) -> tuple[str, str, dict[str, Any]]:
    """Drag over ``text[start:end]`` in the reader, pick a code with the keyboard;
    the browser's selection, the code picked and the coding stored."""
    before = my_codings(server)
    page.goto(server.url("/reader?source=" + source))
    remember_selection(page)
    drag_select(page, start, end)
    selected = page.evaluate("() => window.__selected")
    picker = page.locator("#picker")
    picker.wait_for(state="visible")
    assert picker.get_attribute("data-sel-start") == str(start)
    assert picker.get_attribute("data-sel-end") == str(end)
    chosen = pick_in_picker(page, typed, down)
    with page.expect_navigation():  # the reader reloads with the new coding
        page.keyboard.press("Enter")
    after = my_codings(server)
    added = [k for i, k in after.items() if i not in before]
    assert len(added) == 1, added
    return selected, chosen, added[0]


def excerpts_by_strand(page: Page) -> dict[str, list[dict[str, str]]]:
    """The code page as {strand heading: [{quote, cite}]}."""
    found: dict[str, list[dict[str, str]]] = page.evaluate(
        """() => {
          const out = {};
          for (const h of document.querySelectorAll("h2.strand")) {
            const name = h.firstChild.textContent.trim();
            const list = h.nextElementSibling;
            out[name] = Array.from(list.querySelectorAll("li.excerpt")).map(li => ({
              quote: li.querySelector("blockquote.quote").textContent,
              cite: li.querySelector(".cite").textContent,
            }));
          }
          return out;
        }"""
    )
    return found


# -- reading -----------------------------------------------------------------


def test_read_a_transcript(page: Page, server: Server) -> None:
    source = "s2_computing_hub_west.vtt"
    assert page.locator("h1").inner_text().startswith("Project")
    page.get_by_role("link", name=source, exact=True).click()
    page.wait_for_url("**/reader?source=" + source)
    with api.open_project(server.location) as project:
        expected = workbench.reader(project, source)
        text = project.source_text(source)
    assert page.locator("h1").inner_text() == source
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll("#turns .turn")).map(t => ({
            interviewer: t.classList.contains("interviewer"),
            speaker: t.querySelector(".speaker").textContent,
            start: Number(t.dataset.s), end: Number(t.dataset.e),
            text: t.querySelector(".text").textContent,
            colour: getComputedStyle(t.querySelector(".text")).color,
            style: getComputedStyle(t.querySelector(".text")).fontStyle,
            margin: t.querySelectorAll(".margin button.coding").length,
        }))"""
    )
    turns = expected["turns"]
    assert len(shown) == len(turns) > 2
    for got, want in zip(shown, turns, strict=True):
        assert got["interviewer"] is want["is_interviewer"]
        assert got["speaker"] == want["speaker"]
        assert (got["start"], got["end"]) == (want["start"], want["end"])
        assert got["text"] == text[want["start"] : want["end"]]
        assert got["margin"] == len(want["codings"])
    interviewer = [t for t in shown if t["interviewer"]]
    respondent = [t for t in shown if not t["interviewer"]]
    assert interviewer and respondent
    # The interviewer's turns are dimmed (muted, italic) by the stylesheet.
    assert {t["colour"] for t in interviewer}.isdisjoint({t["colour"] for t in respondent})
    assert {t["style"] for t in interviewer} == {"italic"}
    assert {t["style"] for t in respondent} == {"normal"}
    assert page.locator("#turns span.t.c").count() > 0  # coded words are tinted


# -- coding with the mouse ---------------------------------------------------


def test_code_a_mouse_selection(page: Page, server: Server) -> None:
    source = "s1_programme_designer.txt"
    text = stored_text(server, source)
    # Across the end of a rules coding, so across two pieces of the turn.
    start = text.index("sense of direction.")
    end = text.index("The schools that get") + len("The schools")
    with api.open_project(server.location) as project:
        ends = {k["end"] for k in api.codings(project, RULES) if k["source"] == source}
    assert any(start < e < end for e in ends)

    selected, chosen, coding = code_by_mouse(page, server, source, start, end, "leader", 1)
    assert selected == text[start:end] == "sense of direction. The schools"
    assert coding["text"] == selected
    assert (coding["source"], coding["start"], coding["end"]) == (source, start, end)
    assert coding["code"] == chosen and coding["coder"] == ME
    assert coding["provenance"] == f"human:{ME}"
    # The second match of "leader": the arrow key moved the choice.
    assert chosen != pick_first(page, "leader")
    # The reloaded reader shows it in the margin as this coder's own.
    mine = page.locator(f'#turns button.coding.mine[data-id="{coding["id"]}"]')
    assert mine.count() == 1 and ME in mine.inner_text()

    page.goto(server.url(f"/code?code={chosen}"))
    strands = excerpts_by_strand(page)
    assert any(
        e["quote"] == selected and source in e["cite"] and ME in e["cite"]
        for e in strands["strand1"]
    )
    assert not any(
        e["quote"] == selected for s, found in strands.items() if s != "strand1" for e in found
    )


def test_the_picker_does_not_offer_a_retired_code(page: Page, server: Server) -> None:
    source = "s1_programme_designer.txt"
    text = stored_text(server, source)
    start = text.index("sense of direction.")
    end = start + len("sense of direction")
    with api.open_project(server.location) as project:
        api.codes.retire_code(project, "risk_taking")
    try:
        page.goto(server.url("/reader?source=" + source))
        drag_select(page, start, end)
        page.locator("#picker").wait_for(state="visible")
        page.keyboard.type("risk")
        offered = page.locator("#picker .picker-list li code").all_inner_texts()
        assert "risk_taking" not in offered
        page.keyboard.press("Escape")
        page.locator("#picker").wait_for(state="hidden")
    finally:
        with api.open_project(server.location) as project:
            api.codes.retire_code(project, "risk_taking", undo=True)
    # Brought back, it is offered again.
    page.goto(server.url("/reader?source=" + source))
    drag_select(page, start, end)
    assert pick_in_picker(page, "risk") == "risk_taking"
    page.keyboard.press("Escape")


def test_a_drag_released_past_the_line_codes_to_the_end_of_the_turn(
    page: Page, server: Server
) -> None:
    source = "s1_programme_designer.txt"
    text = stored_text(server, source)
    start = text.index("it just doesn't stick.")
    turn = next(t for t in api_turns(server, source) if t.start <= start < t.end)
    page.goto(server.url("/reader?source=" + source))
    page.evaluate(
        "(o) => { for (const s of document.querySelectorAll('#turns span.t'))"
        " if (Number(s.dataset.s) <= o && o < Number(s.dataset.e))"
        " { s.scrollIntoView({block: 'center'}); return; } }",
        start,
    )
    first = char_box(page, start)
    y = (first["top"] + first["bottom"]) / 2
    page.mouse.move(first["left"] + 1, y)
    page.mouse.down()
    width = page.viewport_size["width"] if page.viewport_size else 1280
    page.mouse.move(width - 5, y, steps=5)  # over the margin, past the line's end
    page.mouse.up()
    picker = page.locator("#picker")
    picker.wait_for(state="visible")
    assert picker.get_attribute("data-sel-start") == str(start)
    # The selection ends inside the turn: at its end or earlier on the same line.
    end = int(picker.get_attribute("data-sel-end") or "0")
    assert start < end <= turn.end
    assert text[start:end].startswith("it just doesn't stick")
    # While the picker has the focus the words stay marked.
    assert page.evaluate("() => CSS.highlights.has('pdcode-pending')")
    page.keyboard.press("Escape")
    picker.wait_for(state="hidden")
    assert not page.evaluate("() => CSS.highlights.has('pdcode-pending')")


def api_turns(server: Server, source: str) -> list[Any]:
    with api.open_project(server.location) as project:
        return project.segments_of(source, "turn")


def pick_first(page: Page, typed: str) -> str:
    """The code the picker would highlight first for ``typed`` (read from the
    page's own list of codes, as the picker filters it)."""
    found: str = page.evaluate(
        """(q) => {
          const codes = JSON.parse(document.getElementById("codes-data").textContent);
          const starts = c => c.code.toLowerCase().startsWith(q) || c.name.toLowerCase().startsWith(q);
          const has = c => (c.code + " " + c.name + " " + (c.definition || "")).toLowerCase().includes(q);
          return (codes.find(starts) || codes.find(has)).code;
        }""",
        typed,
    )
    return found


def test_code_emoji_accents_crlf_and_markup(page: Page, server: Server, watch: Watch) -> None:
    text = stored_text(server, "nasty.txt")
    assert "\r" not in text  # CRLF was stored as LF
    # From just after an emoji, over the markup and a ZWJ sequence, to the next line.
    start = text.index("café")
    end = text.index("whole-school") + len("whole")
    wanted = text[start:end]
    assert "👩🏽\u200d🏫" in wanted and "\n" in wanted and "<script>" in wanted
    assert len(wanted) != len(wanted.encode("utf-16-le")) // 2  # code points ≠ UTF-16 units

    selected, chosen, coding = code_by_mouse(page, server, "nasty.txt", start, end, "coaching", 0)
    assert chosen == "coaching"
    assert selected == wanted
    assert coding["text"] == text[coding["start"] : coding["end"]] == selected
    assert (coding["start"], coding["end"], coding["code"]) == (start, end, "coaching")
    # The markup is text on the page, never an element; no dialog opened.
    assert page.locator("#turns script").count() == 0
    assert page.get_by_text("<script>alert(1)</script>").first.is_visible()
    assert watch.dialogs == []

    page.goto(server.url("/code?code=coaching"))
    strands = excerpts_by_strand(page)
    assert [e["quote"] for e in strands["strand9"]] == [selected]
    assert page.locator("main script").count() == 0
    assert watch.dialogs == []


# -- reviewing with the keyboard ---------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A review item as the page showed it, and what was done with it."""

    id: int
    code: str
    start: int
    end: int
    key: str
    new_code: str | None = None


def shown_item(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(
        """() => {
          const i = document.querySelector("article.item");
          const p = document.querySelector("#review p.progress");
          return { id: Number(i.dataset.codingId), code: i.dataset.code,
                   start: Number(i.dataset.start), end: Number(i.dataset.end),
                   decided: Number(p.dataset.decided), progress: p.textContent };
        }"""
    )
    return found


def wait_for_item(page: Page, not_id: int, decided: int) -> None:
    """Wait until the page swapped in another item and shows ``decided``."""
    page.wait_for_function(
        """([old, decided]) => {
          const i = document.querySelector("article.item");
          const p = document.querySelector("#review p.progress");
          return i && p && Number(i.dataset.codingId) !== old
                 && Number(p.dataset.decided) === decided
                 && p.textContent.includes(decided + " / ");
        }""",
        arg=[not_id, decided],
    )


def test_review_with_the_keyboard(page: Page, server: Server) -> None:
    page.goto(server.url(f"/review?coder={RULES}&order=source"))
    with api.open_project(server.location) as project:
        start = review.queue(project, RULES, ME, "source")
        codes = [c["code"] for c in workbench.codes(project)]
    first = shown_item(page)
    assert first["id"] == start.pending[0] and first["decided"] == start.decided == 0

    keys = ["a", "x", "c", "a", "s", "a", "x", "c", "a", "x"]
    seen: list[Seen] = []
    decided = 0
    for key in keys:
        item = shown_item(page)
        assert item["decided"] == decided
        new_code = None
        if key == "c":
            page.keyboard.press("c")
            new_code = next(c for c in codes if c != item["code"])
            name = page.evaluate(
                "(code) => JSON.parse(document.getElementById('codes-data').textContent)"
                ".find(c => c.code === code).name",
                new_code,
            )
            assert pick_in_picker(page, name) == new_code
            page.keyboard.press("Enter")
        else:
            page.keyboard.press(key)
        decided += key != "s"
        wait_for_item(page, item["id"], decided)
        seen.append(Seen(item["id"], item["code"], item["start"], item["end"], key, new_code))
    assert page.locator("#review-msg").inner_text() == ""
    # Undo takes back the last decision (the reject) and shows that coding again.
    page.keyboard.press("u")
    page.wait_for_function(
        "(id) => Number(document.querySelector('article.item').dataset.codingId) === id",
        arg=seen[-1].id,
    )
    assert shown_item(page)["decided"] == decided - 1
    assert page.locator("#review-msg").inner_text() == f"Undid your reject of {seen[-1].code}."

    kept = seen[:-1]
    accepted = [s for s in kept if s.key == "a"]
    rejected = [s for s in kept if s.key == "x"]
    changed = [s for s in kept if s.key == "c"]
    skipped = [s for s in kept if s.key == "s"]
    assert (len(accepted), len(rejected), len(changed), len(skipped)) == (4, 2, 2, 1)
    decisions = len(accepted) + len(rejected) + len(changed)

    with api.open_project(server.location) as project:
        tallies = review.summary(project, RULES, ME)
        after = review.queue(project, RULES, ME, "source")
        mine = {
            (k["source"], k["start"], k["end"], k["code"])
            for k in api.codings(project, ME)
            if k["provenance"] == f"review:{RULES}"
        }
        machine = {k["id"]: k for k in api.codings(project, RULES)}
    # Every coding seen is still there, as the page showed it: machine codings
    # are never deleted.
    for s in seen:
        assert (machine[s.id]["start"], machine[s.id]["end"], machine[s.id]["code"]) == (
            s.start,
            s.end,
            s.code,
        )
    by_code = {t.code: t for t in tallies}
    assert sum(t.reviewed for t in tallies) == decisions == after.decided
    for kind, found in (("accepted", accepted), ("rejected", rejected), ("changed", changed)):
        for code in {s.code for s in found}:
            assert getattr(by_code[code], kind) == sum(1 for s in found if s.code == code)
    # Accepts and changes added the reviewer's own codings; rejects did not.
    assert mine == {(machine[s.id]["source"], s.start, s.end, s.code) for s in accepted} | {
        (machine[s.id]["source"], s.start, s.end, s.new_code) for s in changed
    }
    # The skipped coding and the undone one are still to review.
    # (In source order everything before them is decided.)
    assert after.pending[:2] == (skipped[0].id, seen[-1].id)

    runner = CliRunner()
    db = str(server.location)
    summary = runner.invoke(
        cli_app,
        ["review", "summary", "-p", db, "--coder", RULES, "--reviewer", ME, "--format", "json"],
    )
    assert summary.exit_code == 0, summary.output
    total = next(r for r in json.loads(summary.output) if r["code"] == "(total)")
    assert (total["reviewed"], total["accepted"], total["rejected"], total["changed"]) == (
        decisions,
        len(accepted),
        len(rejected),
        len(changed),
    )
    assert total["precision"] == pytest.approx(len(accepted) / decisions)

    scored = runner.invoke(
        cli_app,
        [
            "evaluate",
            "-p",
            db,
            "--gold",
            "reviewed",
            "--pred",
            RULES,
            "--reviewer",
            ME,
            "--format",
            "json",
        ],
    )
    assert scored.exit_code == 0, scored.output
    per_code = {r["code"]: r for r in json.loads(scored.stdout)["scores"]}
    assert per_code["micro"]["predicted"] == decisions
    for code in {s.code for s in kept if s.key != "s"}:
        on = [s for s in kept if s.key != "s" and s.code == code]
        assert per_code[code]["predicted"] == len(on)
        assert per_code[code]["precision"] == pytest.approx(
            sum(1 for s in on if s.key == "a") / len(on), abs=1e-4
        )
    assert "overstates true recall" in scored.stderr

    exported = runner.invoke(
        cli_app, ["export", "codings", "-p", db, "--coder", RULES, "--format", "json"]
    )
    assert exported.exit_code == 0, exported.output
    rows = json.loads(exported.stdout)
    assert len(rows) == len(machine)
    notes = {(r["source"], r["start"], r["end"], r["code"]): r["review"] for r in rows}

    def note(s: Seen) -> str:
        k = machine[s.id]
        return notes[(k["source"], k["start"], k["end"], k["code"])]

    for s in kept:
        said = {
            "a": f"accept by {ME}",
            "x": f"reject by {ME}",
            "c": f"change to {s.new_code} by {ME}",
            "s": None,  # JSON's null: no decision
        }[s.key]
        assert note(s) == said, s
    assert note(seen[-1]) is None  # undone


# -- the token ---------------------------------------------------------------


def test_a_browser_without_the_token_is_refused(browser: Browser, server: Server) -> None:
    context = browser.new_context()
    try:
        tab = context.new_page()
        for path in ("/", "/reader?source=nasty.txt", "/review", "/static/app.js"):
            answer = tab.goto(server.url(path))
            assert answer is not None and answer.status == 403, path
            assert tab.locator("body").inner_text() == NEEDS_TOKEN
        wrong = tab.goto(server.url("/?token=not-the-token"))
        assert wrong is not None and wrong.status == 403
        assert context.cookies() == []
    finally:
        context.close()
