"""`pdcode pseudonymise` and `--pseudonymise KEY` on every export.

The coded sample gets a key (speakers, cases, attributes and detected names),
which a test accepts as a researcher would; then every export verb, in every
format its --help lists, is written, opened with a real parser, and searched for
every accepted original: none may survive, as a whole word or (for the sample's
distinctive names) anywhere at all, file names of sources and cases included.
Offsets in pseudonymised exports index the pseudonymised text, which the
pseudonymised .qdpx carries.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import regex

from pdcode.pseudonym.apply import Pseudonymiser, Replaced
from tests.conftest import REPO, SAMPLE, cli_ok, database, run_cli

BOOK = REPO / "codebooks" / "pd-leadership.yaml"
# Names of the sample no export may hold in any case, even inside another word
# (a source named s3_oakfield_head.docx gives the school away).
DISTINCTIVE = (
    "okafor", "adeyemi", "bellamy", "pryce", "priya", "oakfield", "northstar",
    "riverside", "gareth", "hughes", "amira", "joanne", "reeves", "o'neill",
)  # fmt: skip
NOT_NAMES = ("English", "Reception", "Key Stage", "DfE", "Ofsted", "Early Career Framework")
MEMO = "Priya Das told Mrs O'Neill at Oakfield Primary School; Hughes agreed."
NS = "{urn:QDA-XML:project:1.0}"


def _key_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _review(path: Path) -> None:
    """Accept every proposal but the words that are no one's name, as a person would."""
    rows = _key_rows(path)
    for row in rows:
        if not row["accept"]:
            row["accept"] = "no" if row["original"] in NOT_NAMES else "yes"
    _write_rows(path, rows)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """The sample imported and coded by the rules, with memos naming people; its
    key as proposed (``proposed``) and as reviewed (``key``)."""
    folder = tmp_path_factory.mktemp("pseudonymise")
    location = str(folder / "p.db")
    cli_ok("init", "-p", location)
    cli_ok("import", str(SAMPLE), "--manifest", str(SAMPLE / "manifest.csv"), "-p", location)
    cli_ok("code", "--codebook", str(BOOK), "-p", location)
    cli_ok("memo", "add", "--code", "vision_led", "--text", MEMO, "--coder", "ana", "-p", location)
    memo = "Helen Carter leads it; see case_oakfield."
    cli_ok("memo", "add", "--source", "s3_oakfield_head.docx", "--text", memo, "-p", location)
    proposed = folder / "proposed.csv"
    cli_ok("pseudonymise", "--key", str(proposed), "--detect", "-p", location)
    key = folder / "key.csv"
    shutil.copyfile(proposed, key)
    _review(key)
    return location, proposed, key


def _accepted(key: Path) -> dict[str, str]:
    return {r["original"]: r["replacement"] for r in _key_rows(key) if r["accept"] == "yes"}


# --- what is proposed -----------------------------------------------------------


def test_proposes_speakers_cases_schools_trusts_and_places(
    sample: tuple[str, Path, Path],
) -> None:
    _, proposed, _ = sample
    rows = {r["original"]: r for r in _key_rows(proposed)}
    header = proposed.read_text(encoding="utf-8").splitlines()[0]
    assert header == "original,replacement,kind,count,found_in,accept"
    speakers = ["Priya Das", "Sam Okafor", "Ruth Adeyemi", "Mark Bellamy", "Joanne Pryce"]
    speakers += ["Tom Reeves", "Dr Amira Shah", "Mrs Helen Carter", "Hughes, Gareth"]
    for name in speakers:
        assert rows[name]["kind"] == "person" and rows[name]["accept"] == "yes", name
        assert "speaker" in rows[name]["found_in"]
    # The interviewer is named by role; a respondent by their source's role.
    assert rows["Sam Okafor"]["replacement"] == rows["Okafor, Sam"]["replacement"]
    assert rows["Sam Okafor"]["replacement"].startswith("Interviewer ")
    assert rows["Priya Das"]["replacement"].startswith("Hub lead ")
    # A person's words alone get the person's replacement.
    assert rows["Priya"]["replacement"] == rows["Priya Das"]["replacement"]
    assert rows["Gareth"]["replacement"] == rows["Hughes, Gareth"]["replacement"]
    # Schools and trusts: detected, and known from the case names.
    assert rows["Oakfield Primary School"]["kind"] == "school"
    assert rows["Oakfield"]["replacement"] == rows["Oakfield Primary School"]["replacement"]
    assert rows["Riverside"]["kind"] == "school" and "case" in rows["Riverside"]["found_in"]
    assert rows["Northstar"]["kind"] == "trust"
    assert rows["Mrs O'Neill"]["kind"] == "person"
    assert rows["Oakfield"]["accept"] == "" and "detected" in rows["Oakfield"]["found_in"]
    # Case and source names holding a name: the name replaced inside them.
    school = rows["Oakfield"]["replacement"].lower().replace(" ", "_")
    assert rows["case_oakfield"]["replacement"] == f"case_{school}"
    assert rows["s3_oakfield_head.docx"]["replacement"] == f"s3_{school}_head.docx"
    assert "s1_union_officer.srt" not in rows  # nothing to replace in it
    # Places from the manifest's attributes, to review.
    assert rows["West Midlands"]["kind"] == "place" and rows["West Midlands"]["accept"] == ""
    assert rows["Sam Okafor"]["count"] != "0"


def test_proposals_are_the_same_bytes_every_time(
    sample: tuple[str, Path, Path], tmp_path: Path
) -> None:
    location, proposed, _ = sample
    again = tmp_path / "again.csv"
    cli_ok("pseudonymise", "--key", str(again), "--detect", "-p", location)
    assert again.read_bytes() == proposed.read_bytes()


def test_rerun_keeps_edits_and_appends_new_names(
    sample: tuple[str, Path, Path], tmp_path: Path
) -> None:
    location, proposed, _ = sample
    key = tmp_path / "k.csv"
    rows = [r for r in _key_rows(proposed) if r["original"] != "Priya"]
    edited = {r["original"]: r for r in rows}
    edited["Priya Das"]["replacement"] = "Participant P"
    edited["Ofsted"]["accept"] = "no"
    edited["Northstar"]["replacement"] = "Trust Z"
    plain = [r for r in rows if r["found_in"] != "detected"]
    _write_rows(key, plain)
    cli_ok("pseudonymise", "--key", str(key), "-p", location)  # without --detect
    added = _key_rows(key)[len(plain) :]
    assert added and all("detected" not in r["found_in"] for r in added)
    _write_rows(key, rows)
    out = cli_ok("pseudonymise", "--key", str(key), "--detect", "-p", location)
    assert "1 new" in out
    again = _key_rows(key)
    assert [r["original"] for r in again[: len(rows)]] == [r["original"] for r in rows]
    by_name = {r["original"]: r for r in again}
    assert by_name["Priya Das"]["replacement"] == "Participant P"
    assert by_name["Ofsted"]["accept"] == "no"
    # The name deleted comes back, with the replacement its person has now.
    assert again[-1]["original"] == "Priya" and again[-1]["replacement"] == "Participant P"
    assert not list(tmp_path.glob(".*.part"))  # written atomically, nothing left over


# --- every export, every format ---------------------------------------------------


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    with zipfile.ZipFile(path) as archive:
        parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    return "\n".join(parts)


def _xlsx_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    cells = [str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r]
    return "\n".join(cells + book.sheetnames)


def _qdpx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        ElementTree.fromstring(archive.read("project.qde"))  # well-formed
        return "\n".join(
            f"{n}\n{archive.read(n).decode('utf-8')}" for n in sorted(archive.namelist())
        )


def _read(path: Path) -> str:
    if path.is_dir():
        return "\n".join(f"{p.name}\n{_read(p)}" for p in sorted(path.iterdir()))
    suffix = path.suffix
    if suffix == ".docx":
        return _docx_text(path)
    if suffix == ".xlsx":
        return _xlsx_text(path)
    if suffix == ".qdpx":
        return _qdpx_text(path)
    text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        json.loads(text)
    if suffix == ".csv":
        list(csv.reader(io.StringIO(text)))
    return text


EXPORTS = [
    *[("export", "segments", "--unit", u, "--format", f) for u in ("turn", "sentence") for f in ("csv", "json")],
    *[("export", "codings", "--format", f) for f in ("csv", "json", "xlsx")],
    ("export", "codings", "--format", "csv", "--explain"),
    *[("export", "excerpts", "--format", f) for f in ("md", "html", "docx", "csv", "xlsx")],
    ("export", "excerpts", "--format", "md", "--split-by", "strand"),
    *[("report", "--format", f) for f in ("html", "docx")],
    ("export", "qdpx",),
]  # fmt: skip


def _export(location: str, key: Path, args: tuple[str, ...], out: Path) -> Path:
    where = ["--output-dir", str(out)] if "--split-by" in args else ["--output", str(out)]
    cli_ok(*args, *where, "--pseudonymise", str(key), "-p", location)
    return out


def _suffix(args: tuple[str, ...]) -> str:
    if "qdpx" in args:
        return ".qdpx"
    if "--split-by" in args:
        return ""
    return "." + args[args.index("--format") + 1]


@pytest.mark.parametrize("args", EXPORTS, ids=["-".join(a[1:]) for a in EXPORTS])
def test_no_name_survives_in_any_export(
    sample: tuple[str, Path, Path], tmp_path: Path, args: tuple[str, ...]
) -> None:
    location, _, key = sample
    content = _read(_export(location, key, args, tmp_path / f"out{_suffix(args)}"))
    accepted = _accepted(key)
    for original in accepted:
        words = r"\s+".join(regex.escape(w) for w in original.split())
        found = regex.search(rf"(?<![\p{{L}}\p{{N}}_]){words}(?![\p{{L}}\p{{N}}_])", content)
        assert found is None, f"{original!r} survives in {args}"
    lowered = content.lower()
    for name in DISTINCTIVE:
        assert name not in lowered, f"{name!r} survives in {args}"
    # The replacements are there instead, and the words that are no one's name stay.
    school = accepted["Oakfield"].lower().replace(" ", "_")  # in text or in a file name
    assert school in lowered.replace(" ", "_")
    assert "English" in content or "segments" not in args


def test_memos_are_pseudonymised_too(sample: tuple[str, Path, Path], tmp_path: Path) -> None:
    location, _, key = sample
    name = _accepted(key)
    teacher, school = name["Mrs O'Neill"], name["Oakfield Primary School"]
    said = f"{name['Priya Das']} told {teacher} at {school}"
    for args in (("export", "excerpts", "--format", "md"), ("report", "--format", "html")):
        content = _read(_export(location, key, args, tmp_path / f"m.{args[-1]}"))
        assert f"{said}; {name['Hughes']} agreed." in content, args


def _pseudonymised_texts(location: str, key: Path, folder: Path) -> dict[str, str]:
    """Each source's pseudonymised text by its pseudonymised name, from the .qdpx."""
    path = _export(location, key, ("export", "qdpx"), folder / "texts.qdpx")
    texts = {}
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read("project.qde"))
        for source in root.iter(f"{NS}TextSource"):
            member = "sources/" + source.attrib["plainTextPath"].removeprefix("internal://")
            texts[source.attrib["name"]] = archive.read(member).decode("utf-8")
    return texts


def test_offsets_index_the_pseudonymised_text(
    sample: tuple[str, Path, Path], tmp_path: Path
) -> None:
    location, _, key = sample
    texts = _pseudonymised_texts(location, key, tmp_path)
    assert "s3_school_a_head.docx" in texts or any("school" in n for n in texts)
    assert all("oakfield" not in name.lower() for name in texts)
    checked = 0
    for args in (
        ("export", "segments", "--unit", "turn", "--format", "json"),
        ("export", "segments", "--unit", "sentence", "--format", "json"),
        ("export", "codings", "--format", "json", "--explain"),
    ):
        rows = json.loads(_read(_export(location, key, args, tmp_path / "rows.json")))
        for row in rows:
            assert texts[row["source"]][row["start"] : row["end"]] == row["text"], row
            checked += 1
    assert checked > 500
    excerpts = _export(location, key, ("export", "excerpts", "--format", "csv"), tmp_path / "e.csv")
    with excerpts.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "excerpt":
                start, end = int(row["start"]), int(row["end"])
                assert texts[row["source"]][start:end] == row["text"].removeprefix("'")


def test_the_key_never_goes_in_and_the_project_never_changes(
    sample: tuple[str, Path, Path], tmp_path: Path
) -> None:
    location, _, key = sample
    before = _dump(location)
    cli_ok("pseudonymise", "--key", str(tmp_path / "k.csv"), "--detect", "-p", location)
    out = _export(location, key, ("export", "qdpx"), tmp_path / "study.qdpx")
    _export(location, key, ("export", "excerpts", "--format", "md"), tmp_path / "e.md")
    assert _dump(location) == before
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert all(n == "project.qde" or n.startswith("sources/") for n in names)
        header = b"original,replacement,kind"
        assert all(header not in archive.read(n) for n in names)
    # Writing an export over the key is refused before anything is written.
    result = run_cli("export", "qdpx", "-o", str(key), "--pseudonymise", str(key), "-p", location)
    assert result.exit_code == 2 and "the key never goes into an export" in result.output
    assert key.read_text(encoding="utf-8").startswith("original,")


def _dump(location: str) -> dict[str, list[tuple[object, ...]]]:
    from sqlalchemy import inspect, text

    with database(location) as conn:
        tables = sorted(inspect(conn).get_table_names())
        return {
            t: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
            for t in tables
        }


# --- names inside words, and what the key says ------------------------------------

ANA_BOOK = """name: tiny
version: "1"
codes:
  - {id: x, name: Ex, rules: {regex: ['never matches zz']}}
"""


@pytest.fixture
def ana(tmp_path: Path) -> tuple[str, Path]:
    """Ana, whose name is inside analysis, Banana and a file name."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ana_interview.txt").write_text(
        "Interviewer: Did Ana's analysis of the Banana Club data help?\n\n"
        "Ana: Yes. ANA is how the register spells me. Analysis takes time, and\n"
        "Anabel helps.\n",
        encoding="utf-8",
    )
    (folder / "analysis_notes.txt").write_text(
        "Interviewer: What did the analysis show?\n\nParticipant: Banana analysis, mostly.\n",
        encoding="utf-8",
    )
    (folder / "book.yaml").write_text(ANA_BOOK, encoding="utf-8")
    (folder / "codings.csv").write_text(
        "source,quote,code\n"
        "ana_interview.txt,Did Ana's analysis of the Banana Club data help?,x\n"
        "ana_interview.txt,Analysis takes time,x\n"
        "analysis_notes.txt,Banana analysis,x\n",
        encoding="utf-8",
    )
    location = str(tmp_path / "ana.db")
    cli_ok("init", "-p", location)
    cli_ok(
        "import",
        str(folder / "ana_interview.txt"),
        str(folder / "analysis_notes.txt"),
        "-p",
        location,
    )
    cli_ok("codings", "import", str(folder / "codings.csv"), "--coder", "ben",
           "--codebook", str(folder / "book.yaml"), "-p", location)  # fmt: skip
    key = tmp_path / "ana.csv"
    cli_ok("pseudonymise", "--key", str(key), "--detect", "-p", location)
    return location, key


def test_a_name_inside_a_word_is_never_replaced(ana: tuple[str, Path], tmp_path: Path) -> None:
    location, key = ana
    rows = {r["original"]: r for r in _key_rows(key)}
    assert rows["Ana"]["replacement"] == "Person 1" and rows["Ana"]["accept"] == "yes"
    assert rows["ana_interview.txt"]["replacement"] == "person_1_interview.txt"
    assert "analysis_notes.txt" not in rows
    assert rows["Banana Club"]["accept"] == ""  # detected: to review
    _write_rows(key, [{**r, "accept": r["accept"] or "no"} for r in rows.values()])
    segments = json.loads(
        cli_ok("export", "segments", "--format", "json", "--pseudonymise", str(key), "-p", location)
    )
    said = "\n".join(s["text"] for s in segments)
    assert "Did Person 1's analysis of the Banana Club data help?" in said
    assert "Person 1 is how the register spells me. Analysis takes time" in said
    assert "Anabel" in said  # another name, which the key does not hold
    assert {s["source"] for s in segments} == {"person_1_interview.txt", "analysis_notes.txt"}
    codings = json.loads(
        cli_ok("export", "codings", "--format", "json", "--pseudonymise", str(key), "-p", location)
    )
    assert sorted(c["text"] for c in codings) == [
        "Analysis takes time",
        "Banana analysis",
        "Did Person 1's analysis of the Banana Club data help?",
    ]


def test_an_unreviewed_or_broken_key_is_one_line_naming_file_and_line(
    ana: tuple[str, Path], tmp_path: Path
) -> None:
    location, key = ana
    waiting = [n for n, r in enumerate(_key_rows(key), start=2) if r["accept"] == ""]
    assert len(waiting) == 2  # Banana Club and Anabel, detected
    result = run_cli("export", "segments", "--pseudonymise", str(key), "-p", location)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {key}: line {waiting[0]}: not reviewed: accept is empty (yes replaces the "
        "name, no leaves it); 1 more row not reviewed"
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "original,replacement,kind,accept\nAna,Person 1,person,yes\nBanana,Fruit,pupil,yes\n",
        encoding="utf-8",
    )
    result = run_cli("export", "codings", "--pseudonymise", str(bad), "-p", location)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {bad}: line 3: unknown kind 'pupil' (choose from person, school, trust, "
        "place, case, source, other)"
    )
    # A replacement that brings back an accepted name would leave it in the export.
    bad.write_text(
        "original,replacement,kind,accept\nAna,Person 1,person,yes\nPerson,Ana Lee,other,yes\n",
        encoding="utf-8",
    )
    result = run_cli("report", "--pseudonymise", str(bad), "-p", location)
    assert (
        result.exit_code == 1
        and f"{bad}: line 2: the replacement holds the original" in result.output
    )
    bad.write_text("name,replacement\nAna,P\n", encoding="utf-8")
    result = run_cli("pseudonymise", "--key", str(bad), "-p", location)
    assert result.exit_code == 1
    assert "line 1: unknown column 'name'" in result.output
    assert bad.read_text(encoding="utf-8") == "name,replacement\nAna,P\n"  # left as it was


def test_a_users_list_of_names_is_proposed_and_accepted(
    ana: tuple[str, Path], tmp_path: Path
) -> None:
    location, _ = ana
    names = tmp_path / "names.txt"
    names.write_text(
        "# people and places\nBanana Club = school\nAnabel = person\n", encoding="utf-8"
    )
    key = tmp_path / "k.csv"
    cli_ok("pseudonymise", "--key", str(key), "--names", str(names), "-p", location)
    rows = {r["original"]: r for r in _key_rows(key)}
    assert rows["Banana Club"]["replacement"] == "School A"
    assert rows["Anabel"]["kind"] == "person" and rows["Anabel"]["found_in"] == "list"
    assert rows["Anabel"]["accept"] == "yes"
    names.write_text("Banana Club = club\n", encoding="utf-8")
    result = run_cli("pseudonymise", "--key", str(key), "--names", str(names), "-p", location)
    assert result.exit_code == 1 and f"{names}: line 1: unknown kind 'club'" in result.output


# --- the replacement itself ---------------------------------------------------------


def test_whole_words_longest_first_across_lines_and_in_capitals() -> None:
    p = Pseudonymiser([("Oakfield", "School A"), ("Oakfield Primary School", "School A"),
                       ("Ana", "Person 1")])  # fmt: skip
    text = "At Oakfield Primary\nSchool, Ana's analysis (ANA, Banana, Anas) of Oakfield."
    assert p.replace(text).text == (
        "At School A, Person 1's analysis (Person 1, Banana, Anas) of School A."
    )


def test_offsets_snap_outward_from_inside_a_name() -> None:
    mapped: Replaced = Pseudonymiser([("Priya Das", "P1")]).replace("Hi Priya Das, hi.")
    assert mapped.text == "Hi P1, hi."
    assert (mapped.start(0), mapped.end(2)) == (0, 2)
    assert (mapped.start(3), mapped.end(12)) == (3, 5)  # exactly the name
    assert (mapped.start(5), mapped.end(10)) == (3, 5)  # inside it: the whole replacement
    assert (mapped.start(12), mapped.end(17)) == (5, 10)  # after it: shifted


def test_the_stage_reads_no_project() -> None:
    from tests.test_architecture import PACKAGE, _imports

    banned = ("pdcode.store", "pdcode.api", "pdcode.cli", "pdcode.web")
    for path in sorted((PACKAGE / "pseudonym").glob("*.py")):
        for line, module in _imports(path):
            assert not module.startswith(banned), f"{path.name}:{line} imports {module}"
