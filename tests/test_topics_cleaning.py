"""Topic cleaning, batched: the same lemma documents as the per-word loop it
replaced, on real texts; segments streamed from the store as `segment_rows` reads
them; and `pdcode topics` on the shipped sample unchanged, byte for byte."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pdcode.api import topics as api_topics
from pdcode.cli import app
from pdcode.store import Project, frames
from pdcode.store import stream as store_stream
from pdcode.topics import text
from pdcode.topics.text import Cleaner, lemma_documents, name_words
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "transcripts"
UNITS = ("turn", "paragraph", "sentence")


def reference_documents(texts: Sequence[str], exclude: frozenset[str] = frozenset()) -> list[str]:
    """The cleaning as it was: every token of the full pipeline judged in Python."""
    from pdcode.nlp import make_nlp

    nlp = make_nlp(None, True)
    dropped = text.stop_words() | exclude
    overrides = {word: word for word in text.kept_as_written()} | text.LEMMA_FIXES
    out = []
    with nlp.select_pipes(disable=["sentencizer"]):
        for doc in nlp.pipe((text._PHRASES.sub(" ", t) for t in texts), batch_size=512):
            kept = []
            for token in doc:
                lemma = overrides.get(token.lower_) or token.lemma_ or token.lower_
                if (
                    len(lemma) >= 3
                    and text._WORD.match(lemma)
                    and lemma not in dropped
                    and token.lower_ not in dropped
                ):
                    kept.append(lemma.replace("’", "'"))
            out.append(" ".join(kept))
    return out


TRICKY = [
    "Don't, can't, won't — gonna wanna: it’s the teachers’ well-being (CPD) e-mail",
    "rock'n'roll o'clock Ma'am y'all dont cant im youre",
    "naïve café résumé Zürich’s Straße MASSE İstanbul ﬁnance",
    "\u00a0non\u00a0breaking\ttab\nnew\r\nline  two   spaces ",
    "",
    "   ",
    "A.M. p.m. U.K. etc. e.g. i.e. 1990s 3rd 10,000 £5 50% #tag @name http://x.org/a-b",
    "KIND OF Sort Of you KNOW at the end of the day, To Be Honest",
    "the-the co-ordinate re-think mother-in-law :) :-( <3 “quoted” ‘single’",
    "Ofsted's teachers' children's data criteria media meetings numbers",
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shipped sample, imported and coded (`pdcode demo`)."""
    folder = tmp_path_factory.mktemp("sample")
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    return str(folder / "pdcode.db")


def _real_texts(location: str) -> list[str]:
    with Project.open(location) as project:
        texts = [r["text"] for unit in UNITS for r in project.segment_rows(unit)]
    for path in sorted(FIXTURES.glob("*.txt")) + sorted(FIXTURES.glob("*.md")):
        texts += [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return texts


def test_cleaning_equals_the_per_word_loop_on_real_texts(sample: str) -> None:
    texts = _real_texts(sample) + TRICKY
    assert len(texts) > 900
    assert lemma_documents(texts) == reference_documents(texts)
    names = name_words(["Priya Okafor", "Interviewer", "Dr Sam O’Neill"])
    expected = reference_documents(texts, names)
    assert lemma_documents(texts, names) == expected
    # In batches of any size, with what one batch learned reused by the next.
    cleaner = Cleaner(names)
    batched: list[str] = []
    for i in range(0, len(texts), 97):
        batched += cleaner(texts[i : i + 97])
    assert batched == expected
    assert cleaner(texts[:50]) == expected[:50]  # and again, all from memory


def test_forgetting_old_chunks_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Cleaner, "MAX_CHUNKS", 5)
    cleaner = Cleaner()
    texts = TRICKY * 3
    assert [d for t in texts for d in cleaner([t])] == reference_documents(texts)


def _old_frame(project: Project, unit: str, strand: str | None, exclude: bool) -> Any:
    """`pdcode topics`'s segments as they were read: every row at once."""
    import pandas as pd

    rows = [
        r
        for r in project.segment_rows(unit)
        if (strand is None or r["strand"] == strand) and not (exclude and r["is_interviewer"])
    ]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    sources = frames.sources_frame(project)
    if "role" in sources.columns:
        frame = frame.merge(sources[["source", "role"]], on="source", how="left")
    frame = frame.rename(columns={"start_time": "time", "index": "position"})
    for column in ("strand", "case", "role", "speaker"):
        if column in frame.columns:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    keep = ["source", "start", "end", "strand", "case", "role", "speaker", "time", "position"]
    return frame[[c for c in keep if c in frame.columns] + ["text"]]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Batches of 7 segments, and sources read two at a time (or alone when long)."""
    monkeypatch.setattr(store_stream, "SOURCES", 2)
    monkeypatch.setattr(store_stream, "TEXT_CHARS", 20_000)
    original = store_stream.segment_batches
    sizes: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Iterator[list[store_stream.SegmentText]]:
        for batch in original(*args, **{**kwargs, "size": 7}):
            sizes.append(len(batch))
            yield batch

    monkeypatch.setattr(store_stream, "segment_batches", counted)
    yield
    assert sizes and max(sizes) == 7  # the stream did come in batches


@pytest.mark.parametrize(
    ("unit", "strand", "exclude"),
    [("turn", None, False), ("sentence", None, True), ("paragraph", "strand3", True)],
)
def test_streamed_segments_are_the_rows_read_at_once(
    sample: str, small_batches: None, unit: str, strand: str | None, exclude: bool
) -> None:
    with Project.open(sample) as project, project.one_moment():
        old = _old_frame(project, unit, strand, exclude)
        new, documents = api_topics._segments(project, unit, strand, exclude, keep_text=False)
        assert "text" not in new.columns
        texts = store_stream.source_slices(
            project, [(s, a, b) for s, a, b in new[["source", "start", "end"]].itertuples(False)]
        )
        with_text, _ = api_topics._segments(project, unit, strand, exclude, keep_text=True)
    assert len(new) == len(old) > 30
    assert new.assign(text=texts).equals(old)
    assert with_text.equals(old)
    assert [str(t) for t in new.dtypes] == [str(t) for t in old.drop(columns="text").dtypes]
    speakers = name_words(old["speaker"])
    assert documents == reference_documents(old["text"].tolist(), speakers)


def _reference_segments(
    project: Project, unit: str, strand: str | None, exclude: bool, keep_text: bool
) -> tuple[Any, list[str]]:
    frame = _old_frame(project, unit, strand, exclude)
    return frame, reference_documents(frame["text"].tolist(), name_words(frame["speaker"]))


RUNS = [
    ["--k", "5", "--format", "md"],
    ["--k", "6", "--method", "lda", "--format", "json"],
    ["--k", "8", "--unit", "sentence", "--format", "csv"],
    ["--k", "4", "--unit", "paragraph", "--exclude-interviewer", "--format", "json"],
    ["--k", "5", "--strand", "strand3", "--method", "lda", "--seed", "2", "--format", "json"],
]


@pytest.mark.parametrize("args", RUNS, ids=lambda a: "-".join(a[1::2]))
def test_topics_of_the_sample_are_unchanged(
    sample: str, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    runner = CliRunner()
    streamed = runner.invoke(app, ["topics", "-p", sample, *args])
    assert streamed.exit_code == 0, streamed.output
    with monkeypatch.context() as patch:
        patch.setattr(api_topics, "_segments", _reference_segments)
        reference = runner.invoke(app, ["topics", "-p", sample, *args])
    assert reference.exit_code == 0, reference.output
    assert streamed.stdout == reference.stdout
    if "json" in args:  # excerpts carry their text, read back from the store
        excerpts = [e for t in json.loads(streamed.stdout)["topics"] for e in t["excerpts"]]
        assert excerpts and all(e["text"].strip() for e in excerpts)
        assert list(excerpts[0])[-2:] == ["text", "weight"]


def test_planted_corpus_cleaning_matches(tmp_path: Path) -> None:
    # A made-up corpus with every filler phrase and many word shapes.
    words = re.findall(r"\w+", Path(text.__file__).read_text(encoding="utf-8"))
    texts = [" ".join(words[i : i + 30]) + ". " + p for i, p in enumerate(text.FILLER_PHRASES)]
    assert lemma_documents(texts) == reference_documents(texts)
