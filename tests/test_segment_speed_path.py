"""Sentence segments from the fast path (``pdcode.nlp.SentenceSplitter``) against
those of the plain spaCy pipeline as segmentation ran it before: ``blank("en")`` +
the sentencizer over the same paragraphs and chunks, every boundary equal."""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from pdcode.ingest import SUFFIXES, Turn, load
from pdcode.nlp import make_nlp, sentence_splitter
from pdcode.records import Segment
from pdcode.segment import CHUNK_CHARS, _blocks, _trim, chunks, segment_text

REPO = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
BUILDER = REPO / "benchmarks" / "build_docx.py"
TRANSCRIPTS = (
    sorted(p for p in (REPO / "transcripts_sample").iterdir() if p.suffix != ".csv")
    + sorted(p for p in FIXTURES.iterdir() if p.suffix in SUFFIXES)
    + sorted(FIXTURES.glob("*.docx.json"))
    + sorted((REPO / "benchmarks" / "labels-dev").glob("*.txt"))
)


@cache
def _plain() -> object:
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _reference_spans(text: str) -> list[tuple[int, int]]:
    """Trimmed sentence spans of ``text`` by the plain pipeline."""
    doc = _plain()(text)  # type: ignore[operator]
    spans = (_trim(text, s.start_char, s.end_char) for s in doc.sents)
    return [(a, b) for a, b in spans if b > a]


def _fast_spans(text: str) -> list[tuple[int, int]]:
    split = sentence_splitter(make_nlp(None, lemmas=False))
    assert split is not None
    spans = (_trim(text, a, b) for a, b in split(text))
    return [(a, b) for a, b in spans if b > a]


def _reference_sentences(text: str, turns: list[Turn] | tuple[Turn, ...]) -> list[Segment]:
    """The sentence segments as ``segment_text`` made them before the fast path."""
    out = []
    for turn in turns:
        start, end = _trim(text, turn.start, turn.end)
        for pa, pb in _blocks(text, start, end) if end > start else []:
            for a, b in chunks(text, pa, pb, CHUNK_CHARS):
                for s, e in _reference_spans(text[a:b]):
                    out.append((turn, a + s, a + e))
    return [
        Segment(
            unit="sentence",
            index=i,
            start=s,
            end=e,
            speaker=t.speaker,
            is_interviewer=t.is_interviewer,
            start_time=t.start_time,
            end_time=t.end_time,
        )
        for i, (t, s, e) in enumerate(out)
    ]


def _assert_same(text: str, turns: list[Turn] | tuple[Turn, ...]) -> int:
    got = [
        s for s in segment_text(text, turns, make_nlp(None, lemmas=False)) if s.unit == "sentence"
    ]
    assert got == _reference_sentences(text, turns)
    return len(got)


def _built(path: Path, tmp_path: Path) -> Path:
    if not path.name.endswith(".docx.json"):
        return path
    spec = importlib.util.spec_from_file_location("build_docx", BUILDER)
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    out = tmp_path / path.name.removesuffix(".json")
    builder.build(path, out)
    return out


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.name for p in TRANSCRIPTS])
def test_transcripts_segment_as_before(path: Path, tmp_path: Path) -> None:
    for doc in load(_built(path, tmp_path)).documents:
        assert _assert_same(doc.text, doc.turns) > 0


def test_there_are_transcripts_of_every_kind() -> None:
    suffixes = {p.suffix for p in TRANSCRIPTS}
    assert {".txt", ".docx", ".vtt", ".srt", ".json"} <= suffixes
    assert len(TRANSCRIPTS) > 40


def test_shared_transcripts_segment_as_before(shared: Path) -> None:
    folder = shared / "transcripts"
    if not folder.is_dir():
        pytest.skip(f"no transcripts at {folder}")
    paths = sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES)
    assert paths
    for path in paths:
        for doc in load(path).documents:
            _assert_same(doc.text, doc.turns)


TRICKY = """Dr. Smith said, e.g., "we tried it." Then... nothing!? Really?! Yes.
U.S. schools at 3 p.m. (roughly.) Fine.) Next. 'Quoted.' "Quoted!" ok
Wait.  Two spaces. A tab.\tHere. A no-break.\u00a0There. Line.\nBreak. Both. \n Here.
Ellipsis… and more… Done. Emoji 😀. Then 🎉! Flags 🇬🇧. Smile :) Frown :( ok.
Full width！ Next？ Done。 Next｡ Devanagari। Next॥ Arabic؟ Next۔ interrobang‽ Next⁉ end
Numbers 3.5 and 1,000.00 and v2.0. Versions.2 ok.2b a.b.c. D.!.? "!" (.) [?] "...".
Closing quotes.” Opening “Next.” ‘Single.’ Next» «Guillemets.» Next.) (Paren.) Next
Mr.Smith went.Home at 10a.m.Today. St. Mary's. No. 5. Fig. 3. etc. and etc.. More.
. Leading dot. ! Leading bang.
Trailing dot .
--- Dashes. -- More -- ! End
mid-word stops like wh.at and wh!at and wh?at and ok.
      Indented.     Spaced.      End.
"""


def test_tricky_text_segments_as_before() -> None:
    paragraphs = TRICKY + "\n\n" + TRICKY.replace("\n", " ") + "\n\n \n\n" + TRICKY[::-1]
    turns = [Turn("A", 0, len(paragraphs) // 2), Turn("B", len(paragraphs) // 2, len(paragraphs))]
    assert _assert_same(paragraphs, turns) > 50
    # Empty and whitespace-only units make no sentence, as before.
    assert _assert_same("   \n\n\t\n", [Turn("A", 0, 7), Turn("B", 3, 3)]) == 0


def test_each_tricky_line_and_fragment_splits_as_the_sentencizer() -> None:
    for line in TRICKY.splitlines():
        for text in (line, line.strip(), line + " ", " " + line, line[: len(line) // 2]):
            assert _fast_spans(text) == _reference_spans(text), text


def test_a_paragraph_over_the_chunk_size_segments_as_before() -> None:
    rng = random.Random(7)
    words = ["word", "Next.", "e.g.", "ok!", "(aside)", "“q.”", "so", "3.5", "A.", "…"]
    long = " ".join(rng.choice(words) for _ in range(CHUNK_CHARS // 3))
    no_space = "ab.cd" * (CHUNK_CHARS // 3)
    text = long + "\n\n" + no_space
    assert len(long) > CHUNK_CHARS
    assert _assert_same(text, [Turn(None, 0, len(text))]) > 1000


def _specials() -> list[str]:
    """The tokenizer's special cases with punctuation in them."""
    from spacy.tokenizer import Tokenizer

    tokenizer = make_nlp(None, lemmas=False).tokenizer
    assert isinstance(tokenizer, Tokenizer)
    return sorted(k for k in tokenizer.rules if not k.isalnum() and not k.isspace())


def test_tokenizer_special_cases_split_as_the_sentencizer() -> None:
    """Every special case of the tokenizer with punctuation in it (emoticons,
    abbreviations, times), next to marks and words: the splitter tokenizes word by
    word, which holds because no special case reaches across whitespace."""
    specials = _specials()
    assert len(specials) > 500
    for k in specials:
        for text in (f"One. {k} two", f"One {k}. Two", f"{k}.{k} Two", f"A! {k}  {k}? b", f"x.{k}"):
            assert _fast_spans(text) == _reference_spans(text), text


def test_random_texts_split_as_the_sentencizer() -> None:
    rng = random.Random(19)
    specials = _specials()
    pieces = [
        *"abcXYZ.!?…,;:-'\"()[]“”‘’«»。！？｡😀‽⁉।",
        "word",
        "Word",
        "e.g.",
        "Mr.",
        "...",
        "..",
        "?!",
        "3.5",
        "U.S.",
        "a.m.",
        "ok.)",
    ]
    spaces = [" ", " ", " ", "", "  ", "\n", " \n", "\n ", "\t", "\u00a0", " \u00a0 "]
    for _ in range(4000):
        parts = []
        for _ in range(rng.randint(0, 14)):
            parts.append(rng.choice(specials) if rng.random() < 0.15 else rng.choice(pieces))
            parts.append(rng.choice(spaces))
        text = "".join(parts)
        assert _fast_spans(text) == _reference_spans(text), repr(text)


def test_pipelines_it_cannot_mirror_run_whole() -> None:
    import spacy
    from spacy.tokens import Doc

    custom = spacy.blank("en")
    custom.add_pipe("sentencizer", config={"punct_chars": [";"]})
    split = sentence_splitter(custom)
    assert split is not None
    text = "a; b. c;d ;"
    expected = [(s.start_char, s.end_char) for s in custom(text).sents]
    assert [_trim(text, a, b) for a, b in split(text)] == expected
    assert expected == [(0, 2), (3, 11)]

    def mark_all(doc: Doc) -> Doc:
        return doc

    other = spacy.blank("en")
    other.add_pipe("sentencizer")
    spacy.language.Language.component("pdcode_test_noop", func=mark_all)
    other.add_pipe("pdcode_test_noop")
    assert sentence_splitter(other) is None
    assert sentence_splitter(spacy.blank("en")) is None
    text = "One. Two!"
    got = segment_text(text, [Turn(None, 0, len(text))], other)
    assert [(s.start, s.end) for s in got if s.unit == "sentence"] == [(0, 4), (5, 9)]


def test_lemma_pipeline_uses_the_splitter_too() -> None:
    split: Callable[[str], object] | None = sentence_splitter(make_nlp(None, lemmas=True))
    assert split is not None
