"""`pdcode import`, `sources` and `export segments` end to end, through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdcode.cli import app

runner = CliRunner()

OAKFIELD = """Oakfield Primary - interview with the PD lead
Date: 4 March 2025

Interviewer: How do you decide what PD to run?

Mrs O'Neill: Well, um, it starts from the school plan. We look at the
pupil data first and then, you know, what the staff tell us.

It's never a one-off course.

Interviewer: And the governors?

Mrs O'Neill: They ask about it every term.
"""

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
Sam Okafor: Thanks for joining. What does the hub offer?

2
00:00:04.500 --> 00:00:09.000
Priya Das: We run work groups for maths leads.

3
00:00:09.000 --> 00:00:12.000
Priya Das: Teachers come back to them every half term.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Facilitator: What changed
after the review?

2
00:00:03,500 --> 00:00:06,000
Head of Science: We stopped sending
people on one-day courses.

3
00:00:06,000 --> 00:00:08,000
Now it is all in-house coaching.
"""


def _docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Riverside Academy interview")
    for label, text in [
        ("Interviewer", "Who leads CPD here?"),
        ("Headteacher", "Our heads of department lead it, with a budget they control."),
    ]:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}:").bold = True
        paragraph.add_run(f" {text}")
    document.save(str(path))


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "zoom").mkdir(parents=True)
    (folder / "oakfield_pd_lead.txt").write_text(OAKFIELD, encoding="utf-8")
    (folder / "zoom" / "hub_lead.vtt").write_text(VTT, encoding="utf-8")
    (folder / "science.srt").write_text(SRT, encoding="utf-8")
    _docx(folder / "riverside_head.docx")
    (folder / "staff_survey.csv").write_text(
        "respondent,phase,answer\nR1,primary,Coaching from a colleague helped me most this year.\n"
        "R2,secondary,Department time to plan together.\n",
        encoding="utf-8",
    )
    (folder / "manifest.csv").write_text(
        "file,strand,case,role,interviewer\n"
        "staff_survey.csv,survey,,teacher,\n"
        "oakfield_pd_lead.txt,strand3,case_oakfield,pd_lead,\n"
        "zoom/hub_lead.vtt,strand2,hub_north,hub_lead,Sam Okafor\n"
        "science.srt,strand2,slp_east,hub_lead,\n"
        "riverside_head.docx,strand3,case_riverside,headteacher,\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def db(tmp_path: Path) -> str:
    location = str(tmp_path / "study.db")
    assert _run("init", "--project", location)[0] == 0
    return location


def _turns(db: str) -> list[dict[str, str]]:
    code, out, _ = _run("export", "segments", "--unit", "turn", "--project", db)
    assert code == 0
    return list(csv.DictReader(io.StringIO(out)))


def test_mixed_folder_with_manifest_attributes_every_turn(corpus: Path, db: str) -> None:
    code, out, err = _run(
        "import", str(corpus), "--manifest", str(corpus / "manifest.csv"), "-p", db
    )
    assert code == 0, err
    assert "5 imported, 0 unchanged, 0 skipped, 0 failed" in out
    turns = _turns(db)
    got = {(t["source"], t["speaker"], t["text"]) for t in turns}
    assert (
        "oakfield_pd_lead.txt",
        "Mrs O'Neill",
        "Well, um, it starts from the school plan. "
        "We look at the\npupil data first and then, you know, what the staff tell us.\n\n"
        "It's never a one-off course.",
    ) in got
    assert ("oakfield_pd_lead.txt", "Mrs O'Neill", "They ask about it every term.") in got
    assert (
        "hub_lead.vtt",
        "Priya Das",
        "We run work groups for maths leads. Teachers come back to them every half term.",
    ) in got
    assert (
        "science.srt",
        "Head of Science",
        "We stopped sending people on one-day courses. Now it is all in-house coaching.",
    ) in got
    assert (
        "riverside_head.docx",
        "Headteacher",
        "Our heads of department lead it, with a budget they control.",
    ) in got
    # Survey responses: one source each, the respondent as case, whole answer as text.
    assert ("staff_survey.csv#2", "", "Department time to plan together.") in {
        (t["source"], t["speaker"], t["text"]) for t in turns
    }
    by_source = {t["source"]: t for t in turns}
    assert by_source["staff_survey.csv#1"]["case"] == "1"
    assert by_source["staff_survey.csv#1"]["strand"] == "survey"
    assert by_source["hub_lead.vtt"]["strand"] == "strand2"
    assert by_source["riverside_head.docx"]["case"] == "case_riverside"
    # The preamble (title, date) is not a turn.
    assert not any("Date:" in t["text"] for t in turns)


def test_interviewers_flagged_from_labels_and_manifest(corpus: Path, db: str) -> None:
    _run("import", str(corpus), "--manifest", str(corpus / "manifest.csv"), "-p", db)
    code, out, _ = _run("export", "segments", "--format", "json", "-p", db)
    assert code == 0
    from pdcode import api

    with api.open_project(db) as project:
        rows = project.segment_rows("turn")
    flagged = {r["speaker"] for r in rows if r["is_interviewer"]}
    assert flagged == {"Interviewer", "Sam Okafor", "Facilitator"}
    assert json.loads(out)[0].keys() == {
        "source",
        "strand",
        "case",
        "role",
        "speaker",
        "is_interviewer",
        "unit",
        "index",
        "start",
        "end",
        "text",
    }


def test_sources_listing(corpus: Path, db: str) -> None:
    _run("import", str(corpus), "--manifest", str(corpus / "manifest.csv"), "-p", db)
    code, out, _ = _run("sources", "--format", "json", "-p", db)
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["oakfield_pd_lead.txt"]["attributes"] == {"role": "pd_lead"}
    assert rows["oakfield_pd_lead.txt"]["turns"] == 4
    assert rows["hub_lead.vtt"]["turns"] == 2  # two Priya Das cues merged
    assert rows["staff_survey.csv#1"]["attributes"] == {
        "phase": "primary",
        "respondent": "R1",
        "role": "teacher",
    }
    code, out, _ = _run("sources", "-p", db)
    assert code == 0 and "6 sources" in out and "strand2" in out


def test_sentences_and_paragraphs_nest_inside_turns(corpus: Path, db: str) -> None:
    _run("import", str(corpus), "--manifest", str(corpus / "manifest.csv"), "-p", db)
    from pdcode import api

    with api.open_project(db) as project:
        text = project.source_text("oakfield_pd_lead.txt")
        turns = project.segments_of("oakfield_pd_lead.txt", "turn")
        paragraphs = project.segments_of("oakfield_pd_lead.txt", "paragraph")
        sentences = project.segments_of("oakfield_pd_lead.txt", "sentence")
    assert [text[p.start : p.end] for p in paragraphs][1:3] == [
        "Well, um, it starts from the school plan. We look at the\n"
        "pupil data first and then, you know, what the staff tell us.",
        "It's never a one-off course.",
    ]
    assert [text[s.start : s.end] for s in sentences][1:4] == [
        "Well, um, it starts from the school plan.",
        "We look at the\npupil data first and then, you know, what the staff tell us.",
        "It's never a one-off course.",
    ]
    for small, big in ((sentences, paragraphs), (paragraphs, turns)):
        for s in small:
            assert any(b.start <= s.start and s.end <= b.end for b in big)
    assert all(s.speaker == "Mrs O'Neill" for s in sentences[1:4])


def test_reimport_is_a_noop_and_changes_need_replace(corpus: Path, db: str) -> None:
    args = ("import", str(corpus), "--manifest", str(corpus / "manifest.csv"), "-p", db)
    _run(*args)
    code, out, _ = _run(*args)
    assert code == 0 and "0 imported, 5 unchanged" in out
    target = corpus / "oakfield_pd_lead.txt"
    target.write_text(OAKFIELD.replace("every term", "every half term"), encoding="utf-8")
    code, out, err = _run(*args)
    assert code == 1
    assert "oakfield_pd_lead.txt" in err and "--replace" in err
    assert "0 imported, 4 unchanged, 0 skipped, 1 failed" in out
    code, out, _ = _run(*args, "--replace")
    assert code == 0 and "1 imported, 4 unchanged" in out
    assert any(t["text"] == "They ask about it every half term." for t in _turns(db))


def test_bad_file_is_one_line_and_the_batch_goes_on(tmp_path: Path, db: str) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.txt").write_text("Q: Why?\n\nA: Because.\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.docx").write_bytes(b"this is not a zip")
    (folder / "d.vtt").write_text("00:00:01.000 --> 00:00:02.000\nhi\n", encoding="utf-8")
    (folder / "e.txt").write_text("Q: And?\n\nA: Then.\n", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    code, out, err = _run("import", str(folder), "-p", db)
    assert code == 1
    assert "2 imported, 0 unchanged, 1 skipped, 3 failed" in out
    lines = [line for line in err.splitlines() if line.strip()]
    assert any(line.endswith("b.txt: empty file") for line in lines)
    assert any("c.docx: not a Word document" in line for line in lines)
    assert any("d.vtt: not a WebVTT file" in line for line in lines)
    assert "Traceback" not in err + out
    assert [s["name"] for s in json.loads(_run("sources", "--format", "json", "-p", db)[1])] == [
        "a.txt",
        "e.txt",
    ]


def test_usage_errors_exit_2(tmp_path: Path, db: str) -> None:
    (tmp_path / "a.txt").write_text("Q: x\n", encoding="utf-8")
    code, _, err = _run("import", str(tmp_path / "a.txt"), "--attr", "novalue", "-p", db)
    assert code == 2 and "Error: --attr expects KEY=VALUE" in err
    code, _, err = _run("export", "segments", "--unit", "word", "-p", db)
    assert code == 2 and "unknown unit" in err
    code, _, _ = _run("import", "--no-such-option")
    assert code == 2


def test_missing_project_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    code, _, err = _run("sources", "-p", str(tmp_path / "nope.db"))
    assert code == 1
    assert err.startswith("Error: ") and "pdcode init" in err and "Traceback" not in err


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--debug", "sources", "-p", str(tmp_path / "nope.db")])
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "ProjectError"


def test_project_from_environment(corpus: Path, db: str) -> None:
    env = {"PDCODE_PROJECT": db}
    code, out, _ = _run("import", str(corpus / "science.srt"), env=env)
    assert code == 0 and "1 imported" in out
    assert "science.srt" in _run("sources", env=env)[1]


def test_export_is_deterministic(corpus: Path, db: str, tmp_path: Path) -> None:
    _run("import", str(corpus), "--manifest", str(corpus / "manifest.csv"), "-p", db)
    for unit in ("turn", "sentence", "paragraph"):
        a, b = tmp_path / f"a_{unit}.csv", tmp_path / f"b_{unit}.csv"
        _run("export", "segments", "--unit", unit, "-o", str(a), "-p", db)
        _run("export", "segments", "--unit", unit, "-o", str(b), "-p", db)
        assert a.read_bytes() == b.read_bytes() and a.stat().st_size > 100


def test_survey_rows_become_sources(tmp_path: Path, db: str) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "respondent,role,response\nR1,teacher,Coaching helped me most.\n"
        "R2,pd_lead,\nR3,teacher,We need time to plan together.\n",
        encoding="utf-8",
    )
    code, _, err = _run(
        "import",
        str(survey),
        "--text-column",
        "response",
        "--id-column",
        "respondent",
        "--strand",
        "survey",
        "-p",
        db,
    )
    assert code == 0, err
    rows = json.loads(_run("sources", "--format", "json", "-p", db)[1])
    assert [(r["name"], r["case"], r["strand"], r["attributes"]) for r in rows] == [
        ("survey.csv#R1", "R1", "survey", {"role": "teacher"}),
        ("survey.csv#R3", "R3", "survey", {"role": "teacher"}),
    ]


def test_manifest_in_windows_1252_and_missing_spacy_model(tmp_path: Path, db: str) -> None:
    (tmp_path / "a.txt").write_text("Q: Why?\n\nA: Because.\n", encoding="utf-8")
    (tmp_path / "m.csv").write_bytes(
        "file,strand,case,school\na.txt,s3,c1,St Mary’s\n".encode("cp1252")
    )
    code, _, err = _run("import", "--manifest", str(tmp_path / "m.csv"), "-p", db)
    assert code == 0, err
    [row] = json.loads(_run("sources", "--format", "json", "-p", db)[1])
    assert row["attributes"] == {"school": "St Mary’s"}
    code, _, err = _run(
        "import",
        str(tmp_path / "a.txt"),
        "--replace",
        "--spacy-model",
        "xx_not_installed",
        "-p",
        db,
    )
    assert code == 1 and "Error: spaCy pipeline 'xx_not_installed' is not installed" in err


# -- saying it when unsure (issue 13) ------------------------------------------------

NUMBERED = (
    "Interview 7 - hub leader\nDate: 2 May 2025\n\n"
    "Interviewer 1: How do hubs choose their work groups?\n"
    "Interviewee 1: We start from what schools in the area ask for.\n"
    "Interviewer 1: And who leads them?\n"
    "Interviewee 1: Lead teachers, mostly from our own schools.\n"
)


def test_import_reports_turns_speakers_and_warns_when_unsure(tmp_path: Path, db: str) -> None:
    (tmp_path / "numbered.txt").write_text(NUMBERED, encoding="utf-8")
    (tmp_path / "questions_only.txt").write_text(
        "interviewer: first question?\n\ninterviewer: second question?\n", encoding="utf-8"
    )
    (tmp_path / "prose.txt").write_text("A note.\n\nAnother note.\n", encoding="utf-8")
    (tmp_path / "late.txt").write_text(
        "Long preamble " * 60 + "\n\nInterviewer: Why?\n\nJo Bell: Time.\n", encoding="utf-8"
    )
    files = [
        str(tmp_path / n) for n in ("numbered.txt", "questions_only.txt", "prose.txt", "late.txt")
    ]
    code, out, err = _run("import", *files, "-p", db)
    assert code == 0
    assert "numbered.txt: 4 turns (2 respondent, 17 words), 2 speakers:" in out
    assert "Interviewer 1 2 (interviewer)" in out
    warned = [line for line in err.splitlines() if ": warning: " in line]
    assert any(line.startswith(files[1]) and "no respondent turn" in line for line in warned)
    assert any(line.startswith(files[1]) and "one speaker only" in line for line in warned)
    assert any(line.startswith(files[2]) and "no speaker labels found" in line for line in warned)
    assert any(line.startswith(files[3]) and "in the preamble" in line for line in warned)
    assert not any(line.startswith(files[0]) for line in warned)
    assert "4 imported, 0 unchanged, 0 skipped, 0 failed, 4 warnings" in out
    rows = {r["name"]: r for r in json.loads(_run("sources", "--format", "json", "-p", db)[1])}
    assert rows["numbered.txt"]["respondent_turns"] == 2
    assert rows["numbered.txt"]["respondent_words"] == 17
    assert rows["questions_only.txt"]["respondent_turns"] == 0
    # Coding says which sources give it nothing to code.
    code, _, err = _run("code", "--codebook", "codebooks/pd-leadership.yaml", "-p", db)
    assert code == 0
    assert "note: 1 source(s) contribute no codable segment" in err
    assert "questions_only.txt" in err


def test_import_check_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "numbered.txt").write_text(NUMBERED, encoding="utf-8")
    location = tmp_path / "never.db"
    code, out, _ = _run("import", "--check", str(tmp_path / "numbered.txt"), "-p", str(location))
    assert code == 0
    assert "numbered.txt: 4 turns (2 respondent" in out and "Check: 1 checked" in out
    assert not location.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["numbered.txt"]


def test_speaker_map_from_option_and_manifest(tmp_path: Path, db: str) -> None:
    text = "Researcher 1: So?\nRH: We coach.\nResearcher 1: And?\nRH: We plan.\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.replace("RH", "Ruth"), encoding="utf-8")
    (tmp_path / "speakers.txt").write_text(
        "# who is who\nResearcher 1 = respondent\nRH = respondent as Ruth Hale\n", encoding="utf-8"
    )
    code, _, err = _run(
        "import", str(tmp_path / "a.txt"), "--speaker-map", str(tmp_path / "speakers.txt"), "-p", db
    )
    assert code == 0, err
    (tmp_path / "manifest.csv").write_text(
        "file,strand,interviewer,respondent\nb.txt,strand3,,Researcher 1\n", encoding="utf-8"
    )
    code, _, err = _run("import", "--manifest", str(tmp_path / "manifest.csv"), "-p", db)
    assert code == 0, err
    from pdcode import api

    with api.open_project(db) as project:
        turns = {
            (t["source"], t["speaker"], t["is_interviewer"]) for t in project.segment_rows("turn")
        }
    assert ("a.txt", "Ruth Hale", False) in turns
    assert ("a.txt", "Researcher 1", False) in turns
    assert ("b.txt", "Researcher 1", False) in turns
    # A map that cannot be read names the file and the line.
    (tmp_path / "bad.txt").write_text("RH = boss\n", encoding="utf-8")
    code, _, err = _run(
        "import", str(tmp_path / "a.txt"), "--speaker-map", str(tmp_path / "bad.txt"), "-p", db
    )
    assert code == 1
    assert "bad.txt: line 1: unknown role 'boss'" in err


def test_analysis_verbs_name_sources_with_nothing_to_count(tmp_path: Path, db: str) -> None:
    (tmp_path / "numbered.txt").write_text(NUMBERED, encoding="utf-8")
    (tmp_path / "questions_only.txt").write_text(
        "interviewer: first question?\n\ninterviewer: second question?\n", encoding="utf-8"
    )
    _run("import", str(tmp_path / "numbered.txt"), str(tmp_path / "questions_only.txt"), "-p", db)
    _run("code", "--codebook", "codebooks/pd-leadership.yaml", "-p", db)
    for verb in (
        ["frequencies"],
        ["compare"],
        ["cooccur"],
        ["matrix", "--format", "csv"],
        ["export", "excerpts", "--format", "md"],
        ["report", "--format", "html"],
    ):
        code, _, err = _run(*verb, "-p", db)
        assert code == 0, (verb, err)
        notes = [line for line in err.splitlines() if "contribute no codable segment" in line]
        assert len(notes) == 1 and "questions_only.txt" in notes[0], verb
    code, _, err = _run("sources", "-p", db)
    assert "contribute no codable segment" not in err


# An auto-transcript: names only, and no question marks to tell who asks.
UNPUNCTUATED = (
    "Sam Okafor: so tell me how the hub chooses its work groups\n\n"
    "Jo Bell: we start from what schools in the area ask for\n\n"
    "Sam Okafor: and who leads them\n\n"
    "Jo Bell: lead teachers mostly from our own schools\n\n"
    "Sam Okafor: tell me about coaching then\n\n"
    "Jo Bell: coaching is how we keep it going\n"
)


def test_no_interviewer_among_several_speakers_is_said(tmp_path: Path, db: str) -> None:
    path = tmp_path / "auto.txt"
    path.write_text(UNPUNCTUATED, encoding="utf-8")
    code, out, err = _run("import", str(path), "-p", db)
    assert code == 0 and "6 turns (6 respondent" in out
    warned = [line for line in err.splitlines() if ": warning: " in line]
    assert len(warned) == 1 and warned[0].startswith(str(path))
    assert "no interviewer among 2 speakers" in warned[0] and "--interviewer NAME" in warned[0]
    # Said who asks, the import counts three respondent turns and warns no more.
    other = str(tmp_path / "other.db")
    assert _run("init", "-p", other)[0] == 0
    code, out, err = _run("import", str(path), "--interviewer", "Sam Okafor", "-p", other)
    assert code == 0 and "6 turns (3 respondent" in out
    assert ": warning: " not in err
    # A speaker map that names each speaker says there is none to find: no warning.
    speakers = tmp_path / "speakers.txt"
    speakers.write_text("Sam Okafor = respondent\nJo Bell = respondent\n", encoding="utf-8")
    code, out, err = _run("import", "--check", str(path), "--speaker-map", str(speakers))
    assert code == 0 and "6 turns (6 respondent" in out and ": warning: " not in err
