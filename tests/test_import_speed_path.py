"""The import's faster paths against the plain code they replaced, kept here as
the reference: text normalisation, speaker-label finding and turns give the same
results on the fixtures, the sample, the label development set and seeded random
inputs."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from unittest.mock import patch

import pytest

from pdcode.ingest import decode, labels, speakers, turns
from pdcode.ingest.decode import count_removed, normalise
from pdcode.ingest.labels import Label, has_label_shape, is_interviewer, key
from pdcode.ingest.model import SpeakerRole, Turn
from pdcode.ingest.speakers import BARE_WORDS, find_labels
from pdcode.ingest.turns import (
    _footer,
    _without_mark,
    header_interviewers,
    parse_turns,
    rename,
)

REPO = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
TEXTS = sorted(
    [
        *(p for p in FIXTURES.iterdir() if p.suffix in (".txt", ".md")),
        *(p for p in (REPO / "transcripts_sample").iterdir() if p.suffix in (".txt", ".md")),
        *(REPO / "benchmarks" / "labels-dev").glob("*.txt"),
    ]
)


def _read(path: Path) -> str:
    return decode.decode_text(path.read_bytes(), path.name)


# -- the reference: the code as it was -------------------------------------------------


def _old_normalise(text: str) -> tuple[str, int]:
    text = decode._NEWLINES.sub("\n", text.removeprefix("\ufeff"))
    text, breaks = decode._BREAKS.subn("\n", text)
    text, removed = decode._UNWANTED.subn("", text)
    return unicodedata.normalize("NFC", text), breaks + removed


def _old_binary(text: str) -> bool:
    return len(decode._CONTROL.findall(text)) > max(2, len(text) // 1000)


def _old_bare_found(lines: Sequence[str], cands: Mapping[int, Label]) -> dict[int, Label]:
    found: dict[int, Label] = {}
    for i, line in enumerate(lines):
        name = " ".join(line.split())
        if (
            i in cands
            or not name
            or len(name.split()) > BARE_WORDS
            or name.endswith((".", "?", "!", ",", ";", ":", "]", ")"))
            or not has_label_shape.__wrapped__(name)
            or (i > 0 and lines[i - 1].strip())
            or i + 1 >= len(lines)
            or not lines[i + 1].strip()
        ):
            continue
        found[i] = Label(name, len(line), None, colon=False)
    return found


_F4 = re.compile(r"[ \t]*#(\d{1,2}:\d{2}:\d{2}(?:[-.,]\d{1,3})?)#[ \t]*$")


def _old_bare_names(
    lines: Sequence[str], cands: Mapping[int, Label], smap: Mapping[str, SpeakerRole]
) -> dict[int, Label]:
    found = _old_bare_found(lines, cands)
    counts = Counter(key(label.speaker) for label in found.values())
    recurring = {
        k for k, n in counts.items() if n >= 2 and (n >= 3 or k in smap or labels.is_strong(k))
    }
    if len(recurring) < 2:
        return {}
    return {i: label for i, label in found.items() if key(label.speaker) in recurring}


def _old_find_labels(
    lines: Sequence[str], speaker_map: Mapping[str, SpeakerRole] | None = None
) -> dict[int, Label]:
    with patch.object(speakers, "_bare_names", _old_bare_names):
        return find_labels(lines, speaker_map=speaker_map)


def _old_without_mark(text: str, start: int, end: int) -> tuple[int, float | None]:
    mark = _F4.search(text, start, end)
    if mark is None or mark.end() != end:
        return end, None
    return mark.start(), labels.parse_timestamp(mark.group(1).replace("-", "."))


def _old_parse_turns(
    text: str,
    interviewers: frozenset[str] = frozenset(),
    speaker_map: Mapping[str, SpeakerRole] | None = None,
) -> tuple[Turn, ...]:
    """``parse_turns`` as it was, each turn's speaker worked out on its own."""
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    found = _old_find_labels([text[a:b] for a, b in spans], speaker_map)
    if not found:
        return turns._paragraph_turns(text, spans)
    footer = _footer(text, spans)
    interviewers = interviewers | header_interviewers([text[a:b] for a, b in spans], found)
    out: list[Turn] = []
    current: dict[str, object] | None = None

    def close(current: dict[str, object]) -> Turn:
        label = str(current["label"])
        start = current["start"] if isinstance(current["start"], int) else 0
        end = current["end"] if isinstance(current["end"], int) else 0
        time = current["time"] if isinstance(current["time"], float) else None
        end, end_time = _old_without_mark(text, start, end)
        asks = is_interviewer(label, interviewers, speaker_map)
        return Turn(rename(label, speaker_map), start, end, asks, time, end_time)

    for i, (start, end) in enumerate(spans[:footer]):
        label = found.get(i)
        if label is not None:
            if current is not None:
                out.append(close(current))
            current = {"label": label.speaker, "start": None, "end": None, "time": label.time}
            start = start + label.content_start
        if current is None or not text[start:end].strip():
            continue
        if current["start"] is None:
            current["start"] = start
        current["end"] = end
    if current is not None:
        out.append(close(current))
    return tuple(t for t in out if t.end > t.start)


# -- random inputs ----------------------------------------------------------------------

_LABELS = [
    "Interviewer:",
    "interviewer:",
    "Interviewee 1:",
    "IE:",
    "Q:",
    "A:",
    "P2:",
    "R1:",
    "INT:",
    "Researcher (RB):",
    "Dr Amira Shah:",
    "**Interviewer:**",
    "[00:03:12] Jo Bell:",
    "Interviewer 1 (00:03:12):",
    "Jo Bell  0:03",
    "JO BELL",
    "INTERVIEWER",
    "Date: 1 March 2025",
    "Maths: we did",
    "Okafor, Sam (Researcher):",
    "Transcribed by https://otter.ai",
    "[END OF TRANSCRIPT]",
]
_WORDS = ["well", "we", "did", "it.", "Why?", "so", "Yes!", "the", "Key Stage 2", "e.g.", "(ok)"]
_ODD = ["\r\n", "\r", "\u2028", "\x0b", "\x0c", "\x85", "\x00", "\x07", "\ufeff", "\ufffe", "\t"]


def _random_transcript(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        if roll < 0.2:
            lines.append("")
        elif roll < 0.55:
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 12)))
            lines.append(f"{rng.choice(_LABELS)} {words}".rstrip())
        else:
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 15)))
            if rng.random() < 0.15:
                words += f" #00:0{rng.randint(0, 9)}:1{rng.randint(0, 9)}-{rng.randint(0, 9)}#"
            lines.append(rng.choice(["", " ", "  "]) + words)
    return "\n".join(lines)


def _random_raw(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 30)):
        roll = rng.random()
        parts.append(rng.choice(_ODD) if roll < 0.2 else rng.choice([*_WORDS, " ", "\n", "é"]))
    return "".join(parts)


def _maps(rng: random.Random) -> tuple[frozenset[str], dict[str, SpeakerRole] | None]:
    if rng.random() < 0.5:
        return frozenset(), None
    smap = {
        "jo bell": SpeakerRole("interviewer", "Jo"),
        "p2": SpeakerRole("respondent"),
        "maths": SpeakerRole("none"),
    }
    return frozenset({"dr amira shah"}), smap


# -- the tests ----------------------------------------------------------------------


def test_normalise_as_before_on_random_text() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        text = _random_raw(rng)
        with count_removed() as tally:
            got = normalise(text)
        assert (got, tally.count) == _old_normalise(text), repr(text)
        assert (decode._ODD.search(text) is not None and _old_binary(text)) == _old_binary(text)


def test_what_the_one_scan_lets_through_the_old_scans_would_not_touch() -> None:
    every = "".join(chr(code) for code in range(0x110000))
    rest = decode._ODD.sub("", every)
    for pattern in (decode._NEWLINES, decode._BREAKS, decode._UNWANTED, decode._CONTROL):
        assert pattern.search(rest) is None, pattern.pattern


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_turns_as_before_on_transcripts(path: Path) -> None:
    text = _read(path)
    assert parse_turns(text) == _old_parse_turns(text)
    lines = text.split("\n")
    assert find_labels(lines) == _old_find_labels(lines)


def test_there_are_transcripts() -> None:
    assert len(TEXTS) >= 20


def test_turns_as_before_on_random_transcripts() -> None:
    rng = random.Random(23)
    for _ in range(1500):
        text = _random_transcript(rng)
        interviewers, smap = _maps(rng)
        assert parse_turns(text, interviewers, smap) == _old_parse_turns(text, interviewers, smap)


def _random_blocks(rng: random.Random) -> list[str]:
    """Lines in blocks, each mostly a blank line, a name alone and its words: the
    shape bare names take, with the odd line out of place."""
    names = ["INTERVIEWER", "JO BELL", "Jo Bell", "DEPUTY HEAD", "Q", "the end", "A B C D E"]
    lines: list[str] = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.8:
            lines.append("")
        lines.append(rng.choice(names[:3]) if rng.random() < 0.7 else rng.choice(names))
        lines[-1] += rng.choice(["", "", "", " ", ".", ":"])
        for _ in range(rng.choice([0, 1, 1, 2])):
            lines.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6))))
    return lines


def test_bare_names_found_as_before() -> None:
    rng = random.Random(5)
    found = 0
    for _ in range(2000):
        lines = _random_blocks(rng)
        cands = {i: label for i, line in enumerate(lines) if (label := labels.split_label(line))}
        bare = speakers._bare_names(lines, cands, {})
        assert bare == _old_bare_names(lines, cands, {})
        assert find_labels(lines) == _old_find_labels(lines)
        found += bool(bare)
    assert found > 50  # the inputs do hold bare names


def test_cached_label_functions_agree_with_their_uncached_selves() -> None:
    rng = random.Random(3)
    samples = [label.rstrip(":") for label in _LABELS] + [
        "  Jo   BELL ",
        "",
        "P",
        "Int 2",
        "x" * 50,
    ]
    for _ in range(500):
        samples.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6))))
    for label in samples:
        assert key(label) == key.__wrapped__(label)
        assert labels.role_word(label) == labels.role_word.__wrapped__(label)
        for any_case in (False, True):
            assert has_label_shape(label, any_case) == has_label_shape.__wrapped__(label, any_case)


def test_f4_marks_found_as_before() -> None:
    rng = random.Random(13)
    bits = ["a", " ", "\t", "#", "#00:00:09-1#", "#1:02:03.5#", "\n", "x#"]
    for _ in range(3000):
        text = "".join(rng.choice(bits) for _ in range(rng.randint(0, 12)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert _without_mark(text, start, end) == _old_without_mark(text, start, end)
