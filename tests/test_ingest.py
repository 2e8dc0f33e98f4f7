"""Readers: every format, every speaker-label style, every class of bad input."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pdcode.errors import InputError
from pdcode.ingest import Document, ReadOptions, load
from pdcode.ingest.captions import read_srt, read_vtt
from pdcode.ingest.plain import read_plain
from pdcode.ingest.survey import read_csv, read_xlsx
from pdcode.ingest.word import read_docx
from pdcode.limits import Limits

OPTS = ReadOptions()


def turns(doc: Document) -> list[tuple[str | None, str]]:
    return [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns]


def plain(text: str, **kw: object) -> Document:
    return read_plain(text.encode("utf-8"), "t.txt", ReadOptions(**kw))[0]  # type: ignore[arg-type]


# -- plain text: label styles ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Interviewer: Why?\nDr Amira Shah: Because.",
            [("Interviewer", "Why?"), ("Dr Amira Shah", "Because.")],
        ),
        (
            "Q: Why?\nA: Because.\nQ: Sure?\nA: Yes.",
            [("Q", "Why?"), ("A", "Because."), ("Q", "Sure?"), ("A", "Yes.")],
        ),
        ("INT: Why?\n\nP2: Because.", [("INT", "Why?"), ("P2", "Because.")]),
        ("I: Go on.\n\nR1: We did.", [("I", "Go on."), ("R1", "We did.")]),
        (
            "Researcher 1: And?\n\nHeadteacher: Then.",
            [("Researcher 1", "And?"), ("Headteacher", "Then.")],
        ),
        (
            "Interviewer: Who?\n\nHead of Maths: Me.",
            [("Interviewer", "Who?"), ("Head of Maths", "Me.")],
        ),
        (
            "Interviewer: Who?\n\nMrs O'Neill: Me.",
            [("Interviewer", "Who?"), ("Mrs O'Neill", "Me.")],
        ),
        (
            "**Interviewer:** Who?\n\n**Teacher 3**: Me.",
            [("Interviewer", "Who?"), ("Teacher 3", "Me.")],
        ),
    ],
)
def test_label_styles(text: str, expected: list[tuple[str, str]]) -> None:
    assert turns(plain(text)) == expected


def test_timestamps_before_labels() -> None:
    doc = plain(
        "[00:03:12] INT: So?\n\n(00:03:20) P2: Well.\n\n00:04:01.5 INT: Right.\n\n[05:02] P2: Yes."
    )
    assert turns(doc) == [("INT", "So?"), ("P2", "Well."), ("INT", "Right."), ("P2", "Yes.")]
    assert [t.start_time for t in doc.turns] == [192.0, 200.0, 241.5, 302.0]


def test_preamble_of_title_date_and_consent_is_not_a_turn() -> None:
    text = (
        "Riverside Academy: interview 3\nDate: 12 March 2025\nLocation: school library\n"
        "Interviewer: Sam Patel\n\nConsent was recorded before the interview began.\n\n"
        "Interviewer: Thank you.\n\nP1: Pleasure.\n"
    )
    doc = plain(text)
    assert turns(doc) == [("Interviewer", "Thank you."), ("P1", "Pleasure.")]


def test_hard_wrapped_lines_continue_the_turn_even_if_they_look_like_labels() -> None:
    text = (
        "Interviewer: What changed?\n\nP3: The department stopped doing one-off\n"
        "Maths: sessions and, um, started meeting weekly\ninstead.\n\nInterviewer: Why?\n"
    )
    doc = plain(text)
    assert turns(doc)[1] == (
        "P3",
        "The department stopped doing one-off\nMaths: sessions and, um, started meeting weekly\ninstead.",
    )


def test_multi_paragraph_turn_and_a_repeated_label_starts_a_new_turn() -> None:
    # A second labelled line of the same speaker is a turn of its own, so no
    # turn (and no sentence or excerpt inside it) ever holds a speaker label.
    doc = plain("Q: Go on.\nA: First.\n\nSecond paragraph.\nA: Third.\nQ: Thanks.")
    assert turns(doc) == [
        ("Q", "Go on."),
        ("A", "First.\n\nSecond paragraph."),
        ("A", "Third."),
        ("Q", "Thanks."),
    ]


def test_one_off_speaker_after_a_blank_line_is_accepted() -> None:
    doc = plain("Interviewer: Hello.\n\nCaretaker: Sorry, wrong room!\n\nInterviewer: No problem.")
    assert [s for s, _ in turns(doc)] == ["Interviewer", "Caretaker", "Interviewer"]


def test_text_without_labels_gives_one_turn_per_paragraph() -> None:
    doc = plain("A reflective note.\nStill the first.\n\nThe second paragraph.")
    assert turns(doc) == [
        (None, "A reflective note.\nStill the first."),
        (None, "The second paragraph."),
    ]


def test_interviewers_flagged_by_label_and_by_name() -> None:
    doc = plain(
        "Researcher 2: Hi.\n\nSam Okafor: And you?\n\nFacilitator: Go.\n\nP1: Fine.\n\nSam Okafor: Ok.",
        interviewers=frozenset({"sam okafor"}),
    )
    assert [(t.speaker, t.is_interviewer) for t in doc.turns] == [
        ("Researcher 2", True),
        ("Sam Okafor", True),
        ("Facilitator", True),
        ("P1", False),
        ("Sam Okafor", True),
    ]


# -- encodings --------------------------------------------------------------------


def test_encodings_and_line_ends_normalise_to_the_same_text() -> None:
    body = "Q: Is it “good” – really?\r\nA: Café, naïve.\r\n"
    expected = "Q: Is it “good” – really?\nA: Café, naïve.\n"
    for data in (
        body.encode("utf-8"),
        b"\xef\xbb\xbf" + body.encode("utf-8"),
        body.encode("utf-16"),  # with BOM
        body.encode("cp1252"),
        body.replace("\r\n", "\r").encode("utf-8"),
    ):
        doc = read_plain(data, "t.txt", OPTS)[0]
        assert doc.text == expected
        assert turns(doc) == [("Q", "Is it “good” – really?"), ("A", "Café, naïve.")]


def test_text_is_nfc() -> None:
    doc = read_plain("A: Cafe\u0301".encode(), "t.txt", OPTS)[0]
    assert doc.text == "A: Café" and len(doc.text) == 7


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("A: naïve café".encode()[:-1], "invalid UTF-8 at byte 13"),
        (b"A: caf\xc3\xa9 and \xff\xfe broken", "invalid UTF-8"),
        (b"A: bad \x81\x8d\x8f bytes", "cannot decode text"),
        (b"   \n\n\t ", "no text found"),
    ],
)
def test_bad_text_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as info:
        read_plain(data, "bad.txt", OPTS)
    assert info.value.path == "bad.txt"


def test_load_checks_size_empty_and_suffix(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("A: " + "word " * 100, encoding="utf-8")
    with pytest.raises(InputError, match="over the limit of 100 bytes"):
        load(big, ReadOptions(max_bytes=100))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        load(empty)
    odd = tmp_path / "notes.pdf"
    odd.write_bytes(b"%PDF")
    with pytest.raises(InputError, match=r"unsupported file type '\.pdf'"):
        load(odd)
    loaded = load(big)
    assert len(loaded.sha256) == 64 and loaded.size == big.stat().st_size


# -- Word -----------------------------------------------------------------------------


def _docx_bytes(build: object) -> bytes:
    import docx

    document = docx.Document()
    build(document)  # type: ignore[operator]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_bold_labels_preamble_and_continuation() -> None:
    def build(d: object) -> None:
        d.add_paragraph("Oakfield Primary: PD lead interview")  # type: ignore[attr-defined]
        d.add_paragraph("Date: 3 February 2025")  # type: ignore[attr-defined]
        for label, text in [
            ("Interviewer", "Tell me about INSET."),
            ("Ms Reid:", "We plan it as a team."),
        ]:
            p = d.add_paragraph()  # type: ignore[attr-defined]
            p.add_run(label).bold = True
            p.add_run(" " + text)
        d.add_paragraph("And the governors see the plan.")  # type: ignore[attr-defined]

    doc = read_docx(_docx_bytes(build), "w.docx", OPTS)[0]
    assert turns(doc) == [
        ("Interviewer", "Tell me about INSET."),
        ("Ms Reid", "We plan it as a team.\n\nAnd the governors see the plan."),
    ]
    assert doc.text.startswith("Oakfield Primary: PD lead interview\n\nDate: 3 February 2025\n\n")
    assert doc.turns[0].is_interviewer


def test_docx_plain_labels() -> None:
    def build(d: object) -> None:
        for line in ["Interviewer: One?", "Mr Bell: Yes.", "Interviewer: Two?", "Mr Bell: No."]:
            d.add_paragraph(line)  # type: ignore[attr-defined]

    doc = read_docx(_docx_bytes(build), "w.docx", OPTS)[0]
    assert turns(doc) == [
        ("Interviewer", "One?"),
        ("Mr Bell", "Yes."),
        ("Interviewer", "Two?"),
        ("Mr Bell", "No."),
    ]


def test_docx_two_column_table_with_header() -> None:
    def build(d: object) -> None:
        d.add_paragraph("Transcript")  # type: ignore[attr-defined]
        table = d.add_table(rows=0, cols=2)  # type: ignore[attr-defined]
        for speaker, text in [
            ("Speaker", "Text"),
            ("Interviewer", "Who leads?"),
            ("Deputy Head", "I do."),
            ("Deputy Head", "With the team."),
        ]:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = speaker, text

    doc = read_docx(_docx_bytes(build), "w.docx", OPTS)[0]
    assert turns(doc) == [("Interviewer", "Who leads?"), ("Deputy Head", "I do.\n\nWith the team.")]


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"plain words, not a zip", "not a Word document \\(not a zip archive\\)"),
        (_zip({"a.txt": b"x" * 5000})[:60], "corrupt or truncated zip"),
        (_zip({"hello.txt": b"hello"}), "not a valid Word document"),
        (_zip({"word/document.xml": b"\0" * 20_000_000}), "refused as a zip bomb"),
    ],
)
def test_bad_docx_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        read_docx(data, "w.docx", OPTS)


def test_docx_member_count_limit() -> None:
    data = _zip({f"m{i}.xml": b"<a/>" for i in range(20)})
    with pytest.raises(InputError, match="20 members, over the limit of 10"):
        read_docx(data, "w.docx", ReadOptions(limits=Limits(zip_members=10)))


def test_truncated_docx() -> None:
    good = _docx_bytes(lambda d: d.add_paragraph("A: hi"))
    with pytest.raises(InputError, match="corrupt or truncated zip"):
        read_docx(good[: len(good) // 2], "w.docx", OPTS)


# -- subtitles ------------------------------------------------------------------------

ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:03.500
Sam Okafor: How did the hub start?

2
00:00:04.000 --> 00:00:08.000
Priya Das: It grew out of a network

3
00:00:08.000 --> 00:00:10.250
Priya Das: of maths leads &amp; teachers.
"""

TEAMS = """WEBVTT

NOTE recorded in Teams

a1b2c3d4-0001/12-0
00:00:00.000 --> 00:00:02.000
<v Okafor, Sam (Researcher)>What do governors ask?</v>

a1b2c3d4-0001/13-0
00:00:02.100 --> 00:00:05.000 align:start
<v Das, Priya (Hub Lead)>They ask about <i>impact</i>.</v>

a1b2c3d4-0001/14-0
00:00:05.000 --> 00:00:06.000
<v Das, Priya (Hub Lead)>Every term.</v>
"""


def test_zoom_vtt_merges_cues_of_one_speaker() -> None:
    doc = read_vtt(ZOOM.encode(), "z.vtt", ReadOptions(interviewers=frozenset({"sam okafor"})))[0]
    assert turns(doc) == [
        ("Sam Okafor", "How did the hub start?"),
        ("Priya Das", "It grew out of a network of maths leads & teachers."),
    ]
    assert [(t.start_time, t.end_time, t.is_interviewer) for t in doc.turns] == [
        (1.0, 3.5, True),
        (4.0, 10.25, False),
    ]
    assert doc.text == (
        "Sam Okafor: How did the hub start?\n\n"
        "Priya Das: It grew out of a network of maths leads & teachers.\n"
    )


def test_teams_vtt_voice_tags_keep_commas_and_parentheses() -> None:
    doc = read_vtt(TEAMS.encode(), "t.vtt", OPTS)[0]
    assert turns(doc) == [
        ("Okafor, Sam (Researcher)", "What do governors ask?"),
        ("Das, Priya (Hub Lead)", "They ask about impact. Every term."),
    ]


def test_vtt_without_header_or_with_bad_timing() -> None:
    with pytest.raises(InputError, match="not a WebVTT file"):
        read_vtt(ZOOM.replace("WEBVTT\n", "").encode(), "z.vtt", OPTS)
    with pytest.raises(InputError, match="line 8: malformed cue timing"):
        read_vtt(ZOOM.replace("00:00:04.000 -->", "00:00:4 -->").encode(), "z.vtt", OPTS)
    with pytest.raises(InputError, match="no subtitle cues"):
        read_vtt(b"WEBVTT\n\nNOTE nothing here\n", "z.vtt", OPTS)


SRT = """1
00:00:01,000 --> 00:00:03,000
Facilitator: What did the review
change for you?

2
00:00:03,500 --> 00:00:06,000
Mr Hale: We dropped the one-day
courses, more or less.

3
00:00:06,000 --> 00:00:08,000
Now it is coaching
every fortnight.
"""


def test_srt_wrapped_cues_and_unlabelled_continuation() -> None:
    doc = read_srt(SRT.encode(), "s.srt", OPTS)[0]
    assert turns(doc) == [
        ("Facilitator", "What did the review change for you?"),
        (
            "Mr Hale",
            "We dropped the one-day courses, more or less. Now it is coaching every fortnight.",
        ),
    ]
    assert doc.turns[0].is_interviewer and doc.turns[1].start_time == 3.5


def test_srt_without_cues() -> None:
    with pytest.raises(InputError, match="no subtitle cues"):
        read_srt(b"just some words\nwith no timing\n", "s.srt", OPTS)


# -- surveys --------------------------------------------------------------------------


def test_csv_survey_rows_guessing_the_text_column() -> None:
    data = (
        "id,role,answer\n7,teacher,Coaching made the difference for me.\n8,head,\n9,ta,More time.\n"
    )
    docs = read_csv(data.encode("cp1252"), "s.csv", ReadOptions(id_column="id"))
    assert [(d.name, d.case, d.attributes, d.text) for d in docs] == [
        ("s.csv#7", "7", (("role", "teacher"),), "Coaching made the difference for me.\n"),
        ("s.csv#9", "9", (("role", "ta"),), "More time.\n"),
    ]
    assert turns(docs[0]) == [(None, "Coaching made the difference for me.")]


def test_survey_column_problems() -> None:
    data = b"id,answer\n1,Yes\n1,No\n"
    with pytest.raises(InputError, match="no column 'response' \\(columns: id, answer\\)"):
        read_csv(data, "s.csv", ReadOptions(text_column="response"))
    with pytest.raises(InputError, match="duplicate id '1'"):
        read_csv(data, "s.csv", ReadOptions(id_column="id", text_column="answer"))


def test_xlsx_survey(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["respondent", "phase", "response"])
    sheet.append(["R1", "primary", "Our hub's work groups were the best PD I've had."])
    sheet.append(["R2", None, "Not much."])
    path = tmp_path / "s.xlsx"
    book.save(path)
    docs = read_xlsx(
        path.read_bytes(), "s.xlsx", ReadOptions(text_column="response", id_column="respondent")
    )
    assert [(d.name, d.attributes) for d in docs] == [
        ("s.xlsx#R1", (("phase", "primary"),)),
        ("s.xlsx#R2", ()),
    ]
    with pytest.raises(InputError, match=r"not an Excel workbook \(not a zip archive\)"):
        read_xlsx(b"nope", "s.xlsx", OPTS)


# -- real files from other tools --------------------------------------------------------


@pytest.mark.shared
def test_real_zoom_and_teams_transcripts(shared: Path) -> None:
    folder = shared / "transcripts"
    zoom = load(folder / "zoom_meeting001.vtt").documents[0]
    cues = (folder / "zoom_meeting001.vtt").read_text(encoding="utf-8").count("-->")
    assert 1 < len(zoom.turns) < cues  # consecutive cues of one speaker merged
    assert {t.speaker for t in zoom.turns} >= {"Andrew Knight", "Paul McCartney"}
    teams = load(folder / "teams_voice-tags.vtt").documents[0]
    assert {t.speaker for t in teams.turns} == {"Speaker, First (Student)", "Interviewer, First"}
    assert next(t.is_interviewer for t in teams.turns if t.speaker == "Interviewer, First")
    for doc in (zoom, teams):
        for t in doc.turns:
            words = doc.text[t.start : t.end]
            assert words.strip() == words and words and "<v" not in words and "</v>" not in words


# -- label styles of real transcripts (issue 13) -----------------------------------


def test_interviewee_and_participant_labels_start_turns() -> None:
    doc = plain(
        "Interviewer 1: How is INSET planned?\nInterviewee 1: By the leads.\n"
        "Interviewer 1: And then?\nInterviewee 1: We review it.\n"
    )
    assert [(t.speaker, t.is_interviewer) for t in doc.turns] == [
        ("Interviewer 1", True),
        ("Interviewee 1", False),
        ("Interviewer 1", True),
        ("Interviewee 1", False),
    ]
    doc = plain("Researcher: Why?\n\nParticipant: Time.\n\nResearcher: And?\n\nParticipant: Money.")
    assert turns(doc)[1::2] == [("Participant", "Time."), ("Participant", "Money.")]
    assert [t.is_interviewer for t in doc.turns] == [True, False, True, False]


def test_lower_case_labels_are_read() -> None:
    doc = plain(
        "interviewer: what changed?\ninterviewee: the coaching.\ninterviewer: why?\n"
        "interviewee: time to talk."
    )
    assert turns(doc) == [
        ("interviewer", "what changed?"),
        ("interviewee", "the coaching."),
        ("interviewer", "why?"),
        ("interviewee", "time to talk."),
    ]
    assert [t.is_interviewer for t in doc.turns] == [True, False, True, False]


def test_header_key_that_is_also_the_speaker_label_is_preamble() -> None:
    doc = plain(
        "Interviewee: Dr Jo Bell, PD lead\nDate: 4 March 2025\n\n"
        "Interviewer: Thanks for making time today.\n\n"
        "Interviewee: It's a pleasure, honestly.\n\nInterviewer: Who plans CPD?\n\n"
        "Interviewee: I do, with the heads of department.\n"
    )
    assert turns(doc) == [
        ("Interviewer", "Thanks for making time today."),
        ("Interviewee", "It's a pleasure, honestly."),
        ("Interviewer", "Who plans CPD?"),
        ("Interviewee", "I do, with the heads of department."),
    ]


def test_timestamps_after_labels_and_name_time_lines() -> None:
    doc = plain(
        "Interviewer (00:00:05): Ready?\nJo Bell (00:00:09): Yes.\n"
        "Interviewer [00:01:00]: Go on.\nJo Bell [00:01:04]: Fine."
    )
    assert turns(doc) == [
        ("Interviewer", "Ready?"),
        ("Jo Bell", "Yes."),
        ("Interviewer", "Go on."),
        ("Jo Bell", "Fine."),
    ]
    assert [t.start_time for t in doc.turns] == [5.0, 9.0, 60.0, 64.0]
    doc = plain(
        "Sam Okafor  0:03\nSo, coaching.\n\nJo Bell  0:09\nIt changed us.\n\n"
        "Sam Okafor  0:15\nHow?\n\nJo Bell  0:18\nTrust.\n"
    )
    assert turns(doc) == [
        ("Sam Okafor", "So, coaching."),
        ("Jo Bell", "It changed us."),
        ("Sam Okafor", "How?"),
        ("Jo Bell", "Trust."),
    ]


def test_a_label_alone_on_its_line_starts_the_turn_below() -> None:
    doc = plain(
        "Interviewer:\nWhat was INSET like?\n\nTeacher 2:\nUseful.\n\nMore than before.\n\n"
        "Interviewer:\nWhy?\n\nTeacher 2:\nTime to practise.\n"
    )
    assert turns(doc) == [
        ("Interviewer", "What was INSET like?"),
        ("Teacher 2", "Useful.\n\nMore than before."),
        ("Interviewer", "Why?"),
        ("Teacher 2", "Time to practise."),
    ]


def test_repeated_titles_are_not_speakers() -> None:
    # Entries that each begin with the same title line, as in exported comments.
    entries = "".join(
        f"Vaccines: a short film\nviewer{n}\nComment number {n} says something.\n" for n in range(4)
    )
    doc = plain(entries)
    assert all(t.speaker is None for t in doc.turns)


def test_speaker_map_sets_roles_and_names() -> None:
    from pdcode.ingest.model import SpeakerRole

    doc = plain(
        "Researcher 1: So?\nRuth: We coach.\nResearcher 1: And?\nRuth: We plan.",
        speaker_map=(
            ("researcher 1", SpeakerRole("interviewer", "Sam")),
            ("ruth", SpeakerRole("respondent", "Ruth Hale")),
        ),
    )
    assert [(t.speaker, t.is_interviewer) for t in doc.turns] == [
        ("Sam", True),
        ("Ruth Hale", False),
        ("Sam", True),
        ("Ruth Hale", False),
    ]
    doc = plain(
        "Note: recorded.\nQ: Why?\nA: Because.", speaker_map=(("q", SpeakerRole("respondent")),)
    )
    assert [t.is_interviewer for t in doc.turns] == [False, False]


def test_docx_bold_label_alone_in_its_paragraph() -> None:
    def build(d: object) -> None:
        d.add_paragraph("Case study: Oakfield")  # type: ignore[attr-defined]
        for label, paras in [
            ("Interviewer", ["How did coaching start?"]),
            ("Sarah", ["With two volunteers.", "Then the whole department."]),
            ("Interviewer", ["And now?"]),
            ("David:", ["I joined last year."]),
            ("Sarah", ["Everyone is coached."]),
        ]:
            p = d.add_paragraph()  # type: ignore[attr-defined]
            if label == "David:":
                p.add_run(label)  # a plain label among bold ones
            else:
                p.add_run(label).bold = True
            for text in paras:
                d.add_paragraph(text)  # type: ignore[attr-defined]

    doc = read_docx(_docx_bytes(build), "w.docx", OPTS)[0]
    assert turns(doc) == [
        ("Interviewer", "How did coaching start?"),
        ("Sarah", "With two volunteers.\n\nThen the whole department."),
        ("Interviewer", "And now?"),
        ("David", "I joined last year."),
        ("Sarah", "Everyone is coached."),
    ]
    assert doc.text.startswith("Case study: Oakfield\n\nInterviewer: How did")
    assert [t.is_interviewer for t in doc.turns] == [True, False, True, False, False]


def test_bracketed_tags_descript_lines_and_wrapped_keys() -> None:
    doc = plain(
        "Researcher (RB):\tSo, how is PD run?\n\nHeadteacher (HT):\tTwo strands this year:\n"
        "\tKey Stage 2: reading, with its own lead.\n\nResearcher (RB):\tAnd then?\n\n"
        "Headteacher (HT):\tSupport staff time.\n\tKey Stage 2: that is where I feel it.\n"
    )
    assert [t.speaker for t in doc.turns] == ["Researcher (RB)", "Headteacher (HT)"] * 2
    assert [t.is_interviewer for t in doc.turns] == [True, False, True, False]
    doc = plain(
        "Maya Fenwick (00:00:02)\nHow did it start?\n\nDan Cole (00:00:07)\nSlowly.\n\n"
        "Maya Fenwick (00:00:12)\nWhy?\n\nDan Cole (00:00:15)\nTrust.\n"
    )
    assert turns(doc) == [
        ("Maya Fenwick", "How did it start?"),
        ("Dan Cole", "Slowly."),
        ("Maya Fenwick", "Why?"),
        ("Dan Cole", "Trust."),
    ]


def test_footers_are_in_no_turn() -> None:
    for footer in (
        "\n\nTranscribed by https://otter.ai\n",
        "\n[Recording ends]\n",
        "\n\n---\n\n*End of transcript*\n",
        "\n(10:31) [recording stopped]\n",
    ):
        doc = plain("I: Why coaching?\n\nR: It sticks.\n\nI: Thanks.\n\nR: Pleasure." + footer)
        assert turns(doc)[-1] == ("R", "Pleasure."), footer


def test_a_header_names_the_interviewer_and_questions_give_one_away() -> None:
    doc = plain(
        "Focus group 2\nFacilitator: JW\nDate: 2 May\n\nJW: Shall we start?\n\n"
        "AP: Yes.\n\nJW: What helps?\n\nSK: Time.\n\nAP: And trust.\n"
    )
    assert [(t.speaker, t.is_interviewer) for t in doc.turns][:2] == [("JW", True), ("AP", False)]
    # Names only, nothing in the header: the one who asks is taken, and it is said.
    path_doc = read_plain(
        b"Ruth: How did it start?\n\nSam: Slowly.\n\nRuth: Why?\n\nSam: Trust, mostly.\n\n"
        b"Ruth: And now?\n\nSam: Better.\n",
        "t.txt",
        OPTS,
    )[0]
    assert not any(t.is_interviewer for t in path_doc.turns)  # readers only read
    from pdcode.ingest.turns import infer_interviewer

    flagged, note = infer_interviewer(path_doc.text, path_doc.turns)
    assert [t.is_interviewer for t in flagged] == [True, False] * 3
    assert note is not None and "'Ruth'" in note


def test_a_speaker_who_asks_once_neither_is_taken_nor_hides_the_interviewer() -> None:
    """A colleague at the door asks one question: all of their turns are questions,
    but two turns in sixteen are too few to judge anyone by, so they do not stand
    against the interviewer, who asks most of theirs. A short exchange keeps each
    speaker in the comparison."""
    from pdcode.ingest.turns import infer_interviewer

    def inferred(body: bytes) -> list[tuple[str | None, bool]]:
        doc = read_plain(body, "t.txt", OPTS)[0]
        flagged, _note = infer_interviewer(doc.text, doc.turns)
        return [(t.speaker, t.is_interviewer) for t in flagged]

    interview = (
        b"Ruth: How did it start?\n\nSam: Slowly.\n\nRuth: Why?\n\nSam: Trust, mostly.\n\n"
        b"Kit: Sorry, is the hall free at three?\n\nSam: No, sorry Kit.\n\n"
        b"Ruth: And now?\n\nSam: Better. Can I see the notes after?\n\n"
        b"Ruth: Of course. Who leads it?\n\nSam: The deputy.\n\nRuth: Thanks.\n\n"
        b"Sam: Pleasure.\n\nRuth: What next?\n\nSam: More time.\n\nKit: All done?\n\n"
        b"Sam: Yes.\n"
    )
    got = inferred(interview)
    assert {s for s, flagged in got if flagged} == {"Ruth"}
    assert ("Kit", False) in got
    # Kit twice in eight turns is a quarter of them: compared, and as Kit asks as
    # much as Ruth, nobody is taken.
    short = (
        b"Ruth: How?\n\nSam: Slowly.\n\nKit: Why?\n\nSam: Trust.\n\nRuth: And?\n\n"
        b"Kit: Now?\n\nRuth: Yes?\n\nSam: Fine.\n"
    )
    assert not any(flagged for _s, flagged in inferred(short))
