"""`pdcode memo`: memos on the project, a source, a code or a coding, authored and
dated; in the report, in every excerpt format, and through a REFI-QDA round trip."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from pdcode.store import Project
from pdcode.store.codings import coding_rows
from tests.conftest import REPO, SAMPLE, cli_ok, database, run_cli, unmigrated
from tests.test_frequencies import db  # noqa: F401  (the three-source fixture: codes x, y in g)

SAMPLES = Path("refi-qda/samples")
KEYS = (
    "kind",
    "source",
    "code",
    "start",
    "end",
    "coder",
    "author",
    "created_at",
    "modified_at",
    "title",
    "text",
)


def _memos(location: str, *args: str) -> list[dict[str, Any]]:
    return json.loads(cli_ok("memo", "list", "--format", "json", "-p", location, *args))  # type: ignore[no-any-return]


def _coding(location: str, source: str, fragment: str) -> dict[str, Any]:
    """The first coding in ``source`` whose text holds ``fragment``."""
    with Project.open(location) as project:
        return next(r for r in coding_rows(project, source=source) if fragment in r["text"])


def _add(location: str, *args: str) -> int:
    said = cli_ok("memo", "add", "-p", location, *args)
    found = re.match(r"Added memo (\d+) ", said)
    assert found, said
    return int(found.group(1))


def _fail(code: int, *args: str) -> str:
    result = run_cli(*args)
    assert result.exit_code == code, result.output
    message = str(result.stderr).strip()
    assert message.startswith("Error: ") and "\n" not in message, message
    return message


def _each_kind(location: str) -> dict[str, int]:
    """One memo of every kind, by ana (given as human:ana) and ben."""
    one = _coding(location, "a.txt", "Three.")
    return {
        "project": _add(location, "--whole-project", "--text", "Who leads PD?", "--coder", "ben"),
        "source": _add(location, "--source", "a.txt", "--text", "A calm interview.", "--coder", "human:ana"),
        "code": _add(location, "--code", "Ex", "--text", "Ex or Why?\nStill open.", "--title", "Scope", "--coder", "ana"),
        "coding": _add(location, "--coding", str(one["id"]), "--text", "Borderline: «trois»", "--coder", "ana"),
    }  # fmt: skip


def test_every_verb_on_every_kind(db: str, tmp_path: Path) -> None:  # noqa: F811
    ids = _each_kind(db)
    listed = _memos(db)
    assert [m["id"] for m in listed] == sorted(ids.values())
    by_kind = {m["kind"]: m for m in listed}
    assert by_kind["project"]["source"] is None and by_kind["project"]["author"] == "ben"
    assert by_kind["source"]["source"] == "a.txt" and by_kind["source"]["author"] == "ana"
    assert by_kind["code"]["code"] == "x" and by_kind["code"]["title"] == "Scope"
    assert by_kind["code"]["text"] == "Ex or Why?\nStill open."
    coding = by_kind["coding"]
    assert (coding["source"], coding["code"], coding["coder"]) == ("a.txt", "x", "ana")
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["created_at"]) for m in listed)

    table = cli_ok("memo", "list", "-p", db)
    assert "4 memos" in table and "the project" in table and "code x" in table
    shown = cli_ok("memo", "show", str(ids["code"]), "-p", db)
    assert (
        "Memo 3 on code x" in shown
        and "title: Scope" in shown
        and "Ex or Why?\nStill open." in shown
    )
    assert (
        json.loads(cli_ok("memo", "show", str(ids["code"]), "--json", "-p", db)) == by_kind["code"]
    )

    # An edit replaces the text (and a title given) and is dated; author, target and
    # creation date stay.
    assert by_kind["code"]["modified_at"] is None
    assert "edited" not in shown
    memo = tmp_path / "memo.txt"
    memo.write_bytes("\ufeffRewritten,\r\nfrom a file.\r\n".encode())
    said = cli_ok("memo", "edit", str(ids["code"]), "--file", str(memo), "-p", db)
    after = json.loads(cli_ok("memo", "show", str(ids["code"]), "--json", "-p", db))
    assert after["text"] == "Rewritten,\nfrom a file."
    assert {k: v for k, v in after.items() if k not in ("text", "modified_at")} == {
        k: v for k, v in by_kind["code"].items() if k not in ("text", "modified_at")
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", after["modified_at"])
    assert after["modified_at"] >= after["created_at"]
    assert f"edited {after['modified_at']}" in " ".join(said.split())
    shown = cli_ok("memo", "show", str(ids["code"]), "-p", db)
    assert f"edited {after['modified_at']}" in shown
    cli_ok("memo", "edit", str(ids["code"]), "--text", "Shorter.", "--title", "", "-p", db)
    assert _memos(db, "--kind", "code")[0]["title"] is None

    said = cli_ok("memo", "delete", str(ids["source"]), "-p", db)
    assert "Deleted memo 2 on source a.txt, by ana" in said
    assert [m["kind"] for m in _memos(db)] == ["project", "code", "coding"]


def test_list_filters_order_and_csv(db: str) -> None:  # noqa: F811
    ids = _each_kind(db)
    assert [m["kind"] for m in _memos(db, "--source", "a.txt")] == ["source", "coding"]
    assert [m["kind"] for m in _memos(db, "--code", "x")] == ["code", "coding"]
    assert [m["kind"] for m in _memos(db, "--coder", "human:ben")] == ["project"]
    assert [m["kind"] for m in _memos(db, "--kind", "coding")] == ["coding"]
    # Oldest first, then by id: an older date moves a memo up.
    with database(db) as conn:
        conn.execute(
            text("UPDATE memos SET created_at = :when WHERE id = :id"),
            {"when": "2020-01-01T00:00:00Z", "id": ids["coding"]},
        )
    assert [m["kind"] for m in _memos(db)] == ["coding", "project", "source", "code"]
    rows = list(csv.DictReader(io.StringIO(cli_ok("memo", "list", "--format", "csv", "-p", db))))
    assert rows[0]["created_at"] == "2020-01-01T00:00:00Z" and rows[0]["coding_id"]
    assert rows[3]["text"] == "Ex or Why?\nStill open."


def test_the_author_defaults_to_the_login_name(db: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr("getpass.getuser", lambda: "zoe")
    _add(db, "--source", "b.txt", "--text", "Mine.")
    assert _memos(db)[0]["author"] == "zoe"
    monkeypatch.setattr("getpass.getuser", lambda: "")
    assert "give --coder NAME" in _fail(
        2, "memo", "add", "--source", "b.txt", "--text", "x", "-p", db
    )


def test_usage_errors_and_unreadable_files(db: str, tmp_path: Path) -> None:  # noqa: F811
    add = ("memo", "add", "-p", db, "--coder", "ana")
    assert "exactly one of" in _fail(2, *add, "--text", "x")
    assert "exactly one of" in _fail(2, *add, "--text", "x", "--source", "a.txt", "--code", "x")
    assert "--text TEXT or --file FILE" in _fail(2, *add, "--source", "a.txt")
    assert "needs some text" in _fail(2, *add, "--source", "a.txt", "--text", "  \n ")
    said = _fail(2, *add, "--source", "nope.txt", "--text", "x")
    assert "unknown source 'nope.txt'" in said and "a.txt, b.txt, c.txt" in said
    said = _fail(2, *add, "--code", "Exx", "--text", "x")
    assert "unknown code 'Exx'" in said and "x, y" in said
    said = _fail(2, *add, "--coding", "999", "--text", "x")
    assert "unknown coding 999" in said and "nearest: 1, 2, 3, 4, 5" in said
    assert "machine coder" in _fail(2, "memo", "add", "-p", db, "--coder", "rules:x@1",
                                    "--whole-project", "--text", "x")  # fmt: skip
    missing = tmp_path / "absent.txt"
    assert _fail(1, *add, "--source", "a.txt", "--file", str(missing)) == (
        f"Error: {missing}: no such file"
    )
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café".encode("cp1252"))
    assert "not UTF-8 text" in _fail(1, *add, "--source", "a.txt", "--file", str(latin))
    assert _memos(db) == []  # nothing stored by any of them
    _add(db, "--source", "a.txt", "--text", "One.", "--coder", "ana")
    for verb in (("show", "7"), ("delete", "7"), ("edit", "7", "--text", "x")):
        assert "unknown memo 7 (nearest: 1" in _fail(2, "memo", *verb, "-p", db)
    assert "unknown --kind" in _fail(2, "memo", "list", "--kind", "theme", "-p", db)
    assert "unknown author 'bob'" in _fail(2, "memo", "list", "--coder", "bob", "-p", db)
    assert "unknown format" in _fail(2, "memo", "list", "--format", "xlsx", "-p", db)


def test_a_group_of_codes_takes_a_memo(db: str) -> None:  # noqa: F811
    _add(db, "--code", "Group", "--text", "The theme as a whole.", "--coder", "ana")
    assert _memos(db)[0]["code"] == "g"


def _between(items: list[str], start: str, stop: str | None) -> list[str]:
    begin = items.index(start)
    end = items.index(stop, begin + 1) if stop is not None else len(items)
    return items[begin:end]


def test_memos_in_the_word_report_under_their_code(db: str, tmp_path: Path) -> None:  # noqa: F811
    import docx

    _each_kind(db)
    _add(db, "--code", "g", "--text", "The theme as a whole.", "--coder", "ana")
    out = tmp_path / "r.docx"
    cli_ok("report", "-o", str(out), "-p", db)
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    project = _between(paragraphs, "Memos on the project", "Sources by strand and role")
    assert "Memo by ben, " in " ".join(project) and "Who leads PD?" in project
    sources = _between(paragraphs, "Memos on sources", "Theme frequencies")
    assert sources[1] == "a.txt" and "A calm interview." in sources
    on_x = _between(paragraphs, "Ex (x)", "Why (y)")
    memos = _between(on_x, "Memos", None)
    assert memos[1].startswith("Memo by ana, ") and memos[1].endswith(": Scope")
    assert memos[2] == "Ex or Why?\nStill open."
    assert memos[3].startswith("Memo on “Three.” (c1 · teacher · A · a.txt · ¶ 2; coded by ana)")
    assert memos[4] == "Borderline: «trois»"
    assert "Borderline: «trois»" not in _between(paragraphs, "Why (y)", None)
    # The group has no excerpt of its own: its memo gets a section after the codes.
    assert paragraphs[-5:-2] == ["Group (g)", "No excerpts.", "Memos"]
    assert paragraphs[-1] == "The theme as a whole."
    again = tmp_path / "r.html"
    cli_ok("report", "-o", str(again), "-p", db)
    assert again.read_text(encoding="utf-8").count('<div class="memo">') == 5


def test_memos_in_excerpts_in_every_format(db: str, tmp_path: Path) -> None:  # noqa: F811
    import docx
    import pandas as pd

    _each_kind(db)
    for fmt in ("md", "html", "docx", "csv", "xlsx"):
        cli_ok("export", "excerpts", "--format", fmt, "-o", str(tmp_path / f"e.{fmt}"), "-p", db)
    md = (tmp_path / "e.md").read_text(encoding="utf-8")
    on_x = md[md.index("## Ex (`x`)") : md.index("## Why (`y`)")]
    assert "**Memo by ana, " in on_x and "Scope**\n\nEx or Why?  \nStill open.\n" in on_x
    after = on_x[on_x.index("> Three.") :]
    assert after.index("**Memo on this excerpt by ana") < after.index("> Five.")
    assert "Borderline: «trois»" not in md[md.index("## Why (`y`)") :]
    page = (tmp_path / "e.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="x">') : page.index('<section id="y">')]
    assert section.count('<div class="memo">') == 2 and "Ex or Why?<br>Still open." in section
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "e.docx")).paragraphs]
    on_x_docx = _between(paragraphs, "Ex (x)", "Why (y)")
    assert "Ex or Why?\nStill open." in on_x_docx and "Borderline: «trois»" in on_x_docx
    assert on_x_docx.index("Borderline: «trois»") > on_x_docx.index("Three.")
    for rows in (
        list(csv.DictReader((tmp_path / "e.csv").open(encoding="utf-8"))),
        pd.read_excel(tmp_path / "e.xlsx", keep_default_na=False).astype(str).to_dict("records"),
    ):
        x_rows = [(r["kind"], r["text"]) for r in rows if r["code"] == "x"]
        assert x_rows == [
            ("code memo", "Ex or Why?\nStill open."),
            ("excerpt", "One."),
            ("excerpt", "Three."),
            ("coding memo", "Borderline: «trois»"),
            ("excerpt", "Five."),
        ]
        memo_row = next(r for r in rows if r["kind"] == "coding memo")
        assert (memo_row["source"], memo_row["author"], memo_row["coder"]) == (
            "a.txt",
            "ana",
            "ana",
        )
    # Source and project memos are not about a code: no excerpt document holds them.
    assert "Who leads PD?" not in md and "A calm interview." not in md


# --- REFI-QDA -------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The shipped sample, imported and coded, with one memo of each kind (one
    dated in the past), exported as .qdpx."""
    folder = tmp_path_factory.mktemp("sample")
    location = str(folder / "sample.db")
    cli_ok("init", "-p", location)
    cli_ok("import", str(SAMPLE), "--manifest", str(SAMPLE / "manifest.csv"), "-p", location)
    cli_ok("code", "--codebook", str(REPO / "codebooks" / "pd-leadership.yaml"), "-p", location)
    with Project.open(location) as project:
        first = coding_rows(project)[0]
    _add(
        location,
        "--whole-project",
        "--text",
        "What makes PD lead to change?",
        "--title",
        "RQ",
        "--coder",
        "ben",
    )
    _add(
        location,
        "--source",
        first["source"],
        "--text",
        "Rich on hubs.\n\nSecond thought.",
        "--coder",
        "ana",
    )
    _add(location, "--code", "coaching", "--text", "Coaching ≠ mentoring?", "--coder", "ana")
    _add(location, "--coding", str(first["id"]), "--text", "Too broad a span.", "--coder", "ben")
    _add(location, "--code", "distributed_leadership", "--text", "Same date, same code.", "--coder", "ana")  # fmt: skip
    cli_ok("memo", "edit", "3", "--text", "Coaching is not mentoring.", "-p", location)
    with database(location) as conn:
        conn.execute(
            text(
                "UPDATE memos SET created_at = '2024-03-01T09:30:00Z',"
                " modified_at = '2024-04-02T10:00:00Z' WHERE id = 1"
            )
        )
    out = folder / "sample.qdpx"
    cli_ok("export", "qdpx", "-o", str(out), "-p", location)
    return location, out


def test_every_memo_survives_a_qdpx_round_trip(
    sample_export: tuple[str, Path], tmp_path: Path
) -> None:
    location, out = sample_export
    fresh = str(tmp_path / "fresh.db")
    cli_ok("init", "-p", fresh)
    said = cli_ok("import", "qdpx", str(out), "-p", fresh)
    assert "5 memo(s)" in said
    before = [tuple(m[k] for k in KEYS) for m in _memos(location)]
    after = [tuple(m[k] for k in KEYS) for m in _memos(fresh)]
    assert after == before and len({m[0] for m in before}) == 4
    assert before[0][KEYS.index("created_at")] == "2024-03-01T09:30:00Z"
    assert before[0][KEYS.index("modified_at")] == "2024-04-02T10:00:00Z"
    edited = [m for m in before if m[KEYS.index("modified_at")] is not None]
    assert len(edited) == 2  # the one dated above and the one edited by the CLI
    again = tmp_path / "again.qdpx"
    cli_ok("export", "qdpx", "-o", str(again), "-p", fresh)
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(again) as b:
        first, second = a.read("project.qde"), b.read("project.qde")
    assert first.replace(b'name="sample"', b'name="again"', 1) == second


def test_memos_are_notes_where_the_schema_puts_them(
    sample_export: tuple[str, Path],
    shared: Path,
) -> None:
    from xml.etree import ElementTree as ET

    import xmlschema

    _location, out = sample_export
    with zipfile.ZipFile(out) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(shared / "refi-qda/schemas/Project-mrt2019.xsd")).validate(qde)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = ET.fromstring(qde)
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", ns)}
    assert len(notes) == 5
    places = {
        "project": root.findall("q:NoteRef", ns),
        "source": root.findall("q:Sources/q:TextSource/q:NoteRef", ns),
        "code": root.findall(".//q:Code/q:NoteRef", ns),
        "coding": root.findall(".//q:PlainTextSelection/q:Coding/q:NoteRef", ns),
    }
    assert {k: len(v) for k, v in places.items()} == {
        "project": 1,
        "source": 1,
        "code": 2,
        "coding": 1,
    }
    assert {r.get("targetGUID") for refs in places.values() for r in refs} == set(notes)
    [project_note] = [notes[r.get("targetGUID")] for r in places["project"]]
    assert project_note.get("name") == "RQ"
    assert project_note.get("creationDateTime") == "2024-03-01T09:30:00Z"
    assert project_note.get("modifiedDateTime") == "2024-04-02T10:00:00Z"
    assert sum(n.get("modifiedDateTime") is not None for n in notes.values()) == 2


def test_notes_from_other_tools_find_their_place(tmp_path: Path) -> None:
    """A bare project.qde as other tools write one: notes on a selection with one
    coding, on a bare selection, on a code, on the project, and on nothing."""
    qde = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="other" origin="elsewhere">
 <Users><User guid="00000000-0000-0000-0000-0000000000AA" name="Kim"/></Users>
 <CodeBook><Codes>
  <Code guid="00000000-0000-0000-0000-000000000C01" name="Trust" isCodable="true">
   <NoteRef targetGUID="00000000-0000-0000-0000-000000000003"/>
  </Code>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="00000000-0000-0000-0000-000000000051" name="talk">
   <PlainTextContent>We trust our coaches. They listen.</PlainTextContent>
   <PlainTextSelection guid="00000000-0000-0000-0000-0000000000E1" startPosition="0" endPosition="21">
    <Coding guid="00000000-0000-0000-0000-0000000000D1" creatingUser="00000000-0000-0000-0000-0000000000AA">
     <CodeRef targetGUID="00000000-0000-0000-0000-000000000C01"/>
    </Coding>
    <NoteRef targetGUID="00000000-0000-0000-0000-000000000001"/>
   </PlainTextSelection>
   <PlainTextSelection guid="00000000-0000-0000-0000-0000000000E2" startPosition="22" endPosition="34">
    <NoteRef targetGUID="00000000-0000-0000-0000-000000000002"/>
   </PlainTextSelection>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="00000000-0000-0000-0000-000000000001" creatingUser="00000000-0000-0000-0000-0000000000AA"
        creationDateTime="2023-05-04T10:11:12.5+02:00"><PlainTextContent>On the coding. </PlainTextContent></Note>
  <Note guid="00000000-0000-0000-0000-000000000002"><PlainTextContent>On a bare span.</PlainTextContent></Note>
  <Note guid="00000000-0000-0000-0000-000000000003" name="Def"><PlainTextContent>On the code.</PlainTextContent></Note>
  <Note guid="00000000-0000-0000-0000-000000000004"><PlainTextContent>On the project.</PlainTextContent></Note>
  <Note guid="00000000-0000-0000-0000-000000000005"><PlainTextContent>On nothing.</PlainTextContent></Note>
 </Notes>
 <NoteRef targetGUID="00000000-0000-0000-0000-000000000004"/>
</Project>
"""  # fmt: skip
    path = tmp_path / "other.qde"
    path.write_text(qde, encoding="utf-8")
    location = str(tmp_path / "p.db")
    cli_ok("init", "-p", location)
    cli_ok("import", "qdpx", str(path), "-p", location)
    found = {m["text"]: m for m in _memos(location)}
    assert found["On the coding."]["kind"] == "coding"
    assert found["On the coding."]["created_at"] == "2023-05-04T08:11:12Z"
    assert found["On the coding."]["author"] == "Kim"
    assert (found["On a bare span."]["kind"], found["On a bare span."]["source"]) == (
        "source",
        "talk",
    )
    assert (found["On the code."]["kind"], found["On the code."]["title"]) == ("code", "Def")
    assert found["On the project."]["kind"] == found["On nothing."]["kind"] == "project"
    # Importing the file again (--replace) brings no second copy of a dated memo.
    cli_ok("import", "qdpx", str(path), "--replace", "-p", location)
    assert len(_memos(location, "--kind", "coding")) == 1


def test_real_exports_with_notes_still_import(shared: Path, tmp_path: Path) -> None:
    location = str(tmp_path / "atlas.db")
    cli_ok("init", "-p", location)
    said = cli_ok("import", "qdpx", str(shared / SAMPLES / "atlasti-8.4_standard-project.qdpx"), "-p", location)  # fmt: skip
    assert "2 memo(s)" in said
    memos = _memos(location)
    assert [(m["kind"], m["title"], m["created_at"]) for m in memos] == [
        ("project", "Research Plan", "2018-03-27T19:38:46Z"),
        ("project", "My favorite Coke ad", "2018-03-27T19:41:28Z"),
    ]
    for name in ("nvivo-win-12.6_oltas0517.qdpx", "qc-1.3.2_demo.qdpx", "f4-2025.2.9_document.qde"):
        other = str(tmp_path / f"{name}.db")
        cli_ok("init", "-p", other)
        cli_ok("import", "qdpx", str(shared / SAMPLES / name), "-p", other)


def test_a_version_7_project_keeps_its_memos_and_dates_edits_from_then_on(
    db: str,  # noqa: F811
) -> None:
    from pdcode.store import migrations, schema

    ids = _each_kind(db)
    before = _memos(db)
    # As pdcode 7 stored it: no modified_at column.
    with unmigrated(db) as conn:
        conn.execute(text("ALTER TABLE memos DROP COLUMN modified_at"))
        migrations.set_version(conn, 7)
    with Project.open(db) as project:  # opening brings it to version 8
        assert project.schema_version() == schema.SCHEMA_VERSION == 8
    after = _memos(db)
    assert after == before and all(m["modified_at"] is None for m in after)
    cli_ok("memo", "edit", str(ids["source"]), "--text", "Now edited.", "-p", db)
    edited = {m["id"]: m["modified_at"] for m in _memos(db)}
    assert edited.pop(ids["source"]) is not None and set(edited.values()) == {None}
