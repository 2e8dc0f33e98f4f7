"""REFI-QDA projects: export that validates and round-trips, import of real files
from other tools with their excerpts as those tools show them, hostile files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode.cli import app
from pdcode.refi.offsets import Convention, convert, detect
from tests.test_reliability import db  # noqa: F401  (the two-coder project fixture)

runner = CliRunner()
SAMPLES = Path("refi-qda/samples")


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout + result.stderr


def _excerpts(location: str) -> list[dict]:  # type: ignore[type-arg]
    out = Path(location).with_suffix(".codings.json")
    _ok("export", "codings", "--format", "json", "-o", str(out), "-p", location)
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_export_validates_against_the_refi_schema(db: str, tmp_path: Path, shared: Path) -> None:  # noqa: F811
    import xmlschema

    out = tmp_path / "study.qdpx"
    _ok("export", "qdpx", "-o", str(out), "-p", db)
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        qde = archive.read("project.qde").decode("utf-8")
        texts = [archive.read(n) for n in names if n.startswith("sources/")]
    assert names[0] == "project.qde" and len(names) == 4  # three sources
    assert all(not t.startswith(b"\xef\xbb\xbf") for t in texts)  # UTF-8, no BOM
    schema = xmlschema.XMLSchema(str(shared / "refi-qda/schemas/Project-mrt2019.xsd"))
    schema.validate(qde)
    assert qde.count("<User ") == 3 and "internal://" in qde and "creationDateTime" not in qde


def test_round_trip_gives_the_same_project(db: str, tmp_path: Path) -> None:  # noqa: F811
    first = tmp_path / "study.qdpx"
    _ok("export", "qdpx", "-o", str(first), "-p", db)
    fresh = str(tmp_path / "fresh.db")
    _ok("init", "-p", fresh)
    said = _ok("import", "qdpx", str(first), "-p", fresh)
    assert "3 source(s)" in said and "10 coding(s)" in said
    again = tmp_path / "again" / "study.qdpx"
    _ok("export", "qdpx", "-o", str(again), "-p", fresh)
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(again) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
    before = {(e["source"], e["start"], e["end"], e["code"], e["coder"], e["strand"], e["case"])
              for e in _excerpts(db)}  # fmt: skip
    after = {(e["source"], e["start"], e["end"], e["code"], e["coder"], e["strand"], e["case"])
             for e in _excerpts(fresh)}  # fmt: skip
    assert before == after and len(before) == 10


def test_importing_twice_needs_replace(db: str, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "study.qdpx"
    _ok("export", "qdpx", "-o", str(out), "-p", db)
    fresh = str(tmp_path / "fresh.db")
    _ok("init", "-p", fresh)
    _ok("import", str(out), "-p", fresh)
    result = runner.invoke(app, ["import", str(out), "-p", fresh])
    assert result.exit_code == 1 and "already imported" in result.stderr
    _ok("import", str(out), "--replace", "-p", fresh)


def _import(shared: Path, name: str, tmp_path: Path) -> tuple[str, str]:
    location = str(tmp_path / "p.db")
    _ok("init", "-p", location)
    said = _ok("import", "qdpx", str(shared / SAMPLES / name), "-p", location)
    return location, said


def test_nvivo_utf16_positions_read_as_nvivo_shows_them(shared: Path, tmp_path: Path) -> None:
    location, said = _import(shared, "nvivo-win-12.6_oltas0517.qdpx", tmp_path)
    assert "303 coding(s) by Gergo" in said and "152 code(s)" in said and "utf16" in said
    texts = [e["text"] for e in _excerpts(location)]
    assert any(
        t.startswith("Senkit nem lehet kötelezni") and t.endswith("és nem élhet.") for t in texts
    )
    assert "tudatos hal äl reklám, hatalmas árulás" in texts
    # Every excerpt starts and ends on a word or line boundary, not mid-word.
    assert all(t == t.strip() or t.endswith("\n") for t in texts)


def test_qc_positions_are_code_points(shared: Path, tmp_path: Path) -> None:
    location, said = _import(shared, "qc-1.3.2_demo.qdpx", tmp_path)
    assert "205 coding(s) by cp" in said
    texts = [e["text"] for e in _excerpts(location)]
    assert (
        "This district goal is engage every student in joyful, purposeful learning that \n" in texts
    )


def test_atlas_tree_rebuilt_and_media_reported(shared: Path, tmp_path: Path) -> None:
    location, said = _import(shared, "atlasti-8.4_standard-project.qdpx", tmp_path)
    for note in ("1 PictureSource", "2 PDFSource", "1 AudioSource", "2 VideoSource"):
        assert note in said
    assert "source 'Mabel.txt' has no text in the file" in said and "2 memo(s)" in said
    from pdcode.store import Project, frames

    with Project.open(location) as project:
        codes = frames.codes_frame(project)
    children = set(codes.loc[codes["parent"] == "coke", "name"])
    assert children == {"full-fat Coke", "diet Coke"}
    assert list(codes["name"]).count("Coke") == 1  # the code "Coke" is the group


def test_bare_f4_document_reports_missing_texts(shared: Path, tmp_path: Path) -> None:
    _db, said = _import(shared, "f4-2025.2.9_document.qde", tmp_path)
    assert said.count("has no text in the file") == 4 and "0 source(s)" in said


def test_offsets_in_utf16_with_bom_and_crlf_are_detected() -> None:
    """NVivo's way: UTF-16 units (an emoji takes two), CRLF counted, the BOM not."""
    raw = "\ufeffInt: Hi 😀 there\r\nResp: We coach 😀😀 weekly, honestly\r\nInt: And trust?\r\n"
    wanted = ["Hi", "there", "coach", "weekly", "honestly", "trust"]

    def units(text: str) -> int:
        return len(text.encode("utf-16-le")) // 2

    positions = []
    for word in wanted:
        before = units(raw[1 : raw.index(word)])
        positions.append((before, before + units(word), ""))  # NVivo leaves names empty
    convention = detect([(raw, positions)])
    assert convention == Convention("utf16", False, True)
    text, spans = convert(raw, [(a, b) for a, b, _ in positions], convention)
    assert [text[a:b] for a, b in spans] == wanted and "\r" not in text and "\ufeff" not in text


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


QDE = b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"/>'


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        ({"project.qde": b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                         b'<Project name="&e;"/>'}, "refused: 'project.qde' declares a DTD"),
        ({"project.qde": QDE, "../evil.txt": b"x"}, "leaves the archive"),
        ({"project.qde": QDE, "sources/big.txt": b"\0" * 30_000_000}, "a zip bomb"),
        ({"project.qde": b"<Project name='x'><Sources>"}, "not well-formed XML"),
        ({"sources/a.txt": b"text"}, "no project.qde in the archive"),
    ],
    ids=["entities", "zip-slip", "zip-bomb", "malformed", "no-project"],
)  # fmt: skip
def test_hostile_files_are_refused(tmp_path: Path, members: dict[str, bytes], reason: str) -> None:
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(_zip(members))
    location = str(tmp_path / "p.db")
    _ok("init", "-p", location)
    result = runner.invoke(app, ["import", str(bad), "-p", location])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr and reason in result.stderr
    assert "Traceback" not in result.output


def test_too_many_members_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDCODE_MAX_ZIP_MEMBERS", "5")
    bad = tmp_path / "many.qdpx"
    bad.write_bytes(_zip({"project.qde": QDE, **{f"sources/{i}.txt": b"x" for i in range(6)}}))
    location = str(tmp_path / "p.db")
    _ok("init", "-p", location)
    result = runner.invoke(app, ["import", str(bad), "-p", location])
    assert result.exit_code == 1 and "7 members, over the limit of 5" in result.stderr


def test_sample_project_after_coding_round_trips(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    sample = repo / "transcripts_sample"
    first_db, second_db = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    _ok("init", "-p", first_db)
    _ok("import", str(sample), "--manifest", str(sample / "manifest.csv"), "-p", first_db)
    _ok("code", "--codebook", str(repo / "codebooks" / "pd-leadership.yaml"), "-p", first_db)
    _ok("export", "qdpx", "-o", str(tmp_path / "study.qdpx"), "-p", first_db)
    _ok("init", "-p", second_db)
    _ok("import", "qdpx", str(tmp_path / "study.qdpx"), "-p", second_db)
    _ok("export", "qdpx", "-o", str(tmp_path / "again" / "study.qdpx"), "-p", second_db)
    with (
        zipfile.ZipFile(tmp_path / "study.qdpx") as a,
        zipfile.ZipFile(tmp_path / "again" / "study.qdpx") as b,
    ):
        assert a.read("project.qde") == b.read("project.qde")
    keys = ("source", "start", "end", "code", "coder", "strand", "case", "text")
    before = {tuple(e[k] for k in keys) for e in _excerpts(first_db)}
    assert before == {tuple(e[k] for k in keys) for e in _excerpts(second_db)} and len(before) > 150
    sources = _ok("sources", "--format", "json", "-p", second_db)
    assert '"role": "headteacher"' in sources  # attributes travel as variables


def test_an_imported_source_never_takes_a_name_already_in_the_project(
    db: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    out = tmp_path / "study.qdpx"
    _ok("export", "qdpx", "-o", str(out), "-p", db)
    said = _ok("import", "qdpx", str(out), "-p", db)  # the same project: a.txt... exist
    assert "3 source(s)" in said
    names = {s["name"] for s in json.loads(_ok("sources", "--format", "json", "-p", db))}
    assert {"a.txt", "a.txt (2)", "b.txt (2)", "c.txt (2)"} <= names


def test_control_characters_in_a_refi_source_are_removed_and_offsets_follow() -> None:
    from pdcode.refi.offsets import normalise_with_map

    raw = "\ufeffa\x00b\x0bc\r\nd\x1be"
    text, where = normalise_with_map(raw)
    assert text == "ab\nc\nde"
    # Every raw position maps to the place its character (or the next kept one) has.
    assert [text[where[raw.index(ch)]] for ch in "abcde"] == list("abcde")
    assert where[len(raw)] == len(text)
