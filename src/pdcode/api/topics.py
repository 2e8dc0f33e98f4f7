"""`pdcode topics`: topic models over a project's segments, tied to its codebook."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.errors import UsageError
from pdcode.store import Project, frames
from pdcode.topics.result import TopicsResult

if TYPE_CHECKING:
    import pandas as pd

    from pdcode.topics.select import Trial

UNITS = ("turn", "sentence", "paragraph")
AUTO_KS = tuple(range(3, 13))
MIN_SEGMENTS = 10


SEGMENT_COLUMNS = ("source", "strand", "case", "speaker", "index", "start", "end", "start_time")


def _segments(
    project: Project, unit: str, strand: str | None, exclude_interviewer: bool, keep_text: bool
) -> tuple[pd.DataFrame, list[str]]:
    """The selected segments and their lemma documents. Segments are read and
    cleaned a batch at a time, so the corpus's text is never held whole (only
    with ``keep_text``, for embeddings, which need every segment's text)."""
    import pandas as pd

    from pdcode.store import stream
    from pdcode.topics.text import Cleaner, name_words

    include = not exclude_interviewer
    clean = Cleaner(name_words(stream.segment_speakers(project, unit, strand, include)))
    columns: dict[str, list[Any]] = {name: [] for name in SEGMENT_COLUMNS}
    texts: list[str] = []
    documents: list[str] = []
    for batch in stream.segment_batches(project, unit, strand, include):
        *fields, text = zip(*batch, strict=True)
        documents += clean(text)
        for name, values in zip(SEGMENT_COLUMNS, fields, strict=True):
            columns[name].extend(values)
        if keep_text:
            texts.extend(text)
    if not documents:
        return pd.DataFrame(), documents
    frame = pd.DataFrame(columns)
    sources = frames.sources_frame(project)
    if "role" in sources.columns:
        frame = frame.merge(sources[["source", "role"]], on="source", how="left")
    frame = frame.rename(columns={"start_time": "time", "index": "position"})
    for column in ("strand", "case", "role", "speaker"):  # missing is None, never NaN
        if column in frame.columns:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    keep = ["source", "start", "end", "strand", "case", "role", "speaker", "time", "position"]
    frame = frame[[c for c in keep if c in frame.columns]]
    return (frame.assign(text=texts) if keep_text else frame), documents


def topics(
    project: Project,
    k: int | None = None,
    method: str = "nmf",
    unit: str = "turn",
    strand: str | None = None,
    exclude_interviewer: bool = False,
    seed: int = 0,
    terms: int = 10,
    excerpts: int = 3,
    ks: tuple[int, ...] = AUTO_KS,
    on_progress: Callable[[int, int], None] | None = None,
    embedding_model: str | None = None,
) -> TopicsResult:
    """Fit a topic model (k given, or chosen when None) and describe its topics."""
    from pdcode.topics.model import METHODS

    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    if method not in (*METHODS, "embeddings"):
        raise UsageError(f"unknown method {method!r} (choose from nmf, lda, embeddings)")
    if method == "embeddings" and (k is None or embedding_model is None):
        raise UsageError("--method embeddings needs --k N and --embedding-model NAME_OR_PATH")
    from pdcode.api.filters import check_strand

    with project.one_moment():  # every read of the verb sees one state of the project
        return _topics(
            project, k, method, unit, check_strand(project, strand), exclude_interviewer,
            seed, terms, excerpts, ks, on_progress, embedding_model,
        )  # fmt: skip


def _topics(
    project: Project,
    k: int | None,
    method: str,
    unit: str,
    strand: str | None,
    exclude_interviewer: bool,
    seed: int,
    terms: int,
    excerpts: int,
    ks: tuple[int, ...],
    on_progress: Callable[[int, int], None] | None,
    embedding_model: str | None,
) -> TopicsResult:
    from pdcode.store.stream import source_slices
    from pdcode.topics.coherence import npmi
    from pdcode.topics.describe import describe
    from pdcode.topics.model import TopicModel
    from pdcode.topics.select import choose_k

    embeddings = method == "embeddings"
    segments, documents = _segments(project, unit, strand, exclude_interviewer, embeddings)
    if len(segments) < MIN_SEGMENTS:
        raise UsageError(f"{len(segments)} {unit}s selected: a topic model needs {MIN_SEGMENTS}+")
    trials: list[Trial] = []
    if k is None:
        usable = tuple(x for x in ks if x < len(segments))
        k, trials = choose_k(documents, usable, method, seed, on_progress=on_progress)
    model: Any
    try:
        if method == "embeddings":
            from pdcode.topics.embeddings import EmbeddingTopics

            assert embedding_model is not None
            model = EmbeddingTopics(k, embedding_model, seed)
            model.fit(segments["text"].tolist(), documents)
        else:
            model = TopicModel(k=k, method=method, seed=seed).fit(documents)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    top = model.top_terms(terms)
    coherence = npmi([[t for t, _ in topic] for topic in top], [d.split() for d in documents])
    codings = frames.codings_frame(project)
    # Overlap is with codebook codes, not with topics saved as codes before.
    codings = codings[
        ~codings["code"].astype(str).str.fullmatch(r"(?:nmf|lda|embeddings)\d+s\d+_t\d+")
    ]
    spans = segments[["source", "start", "end"]]

    def texts(rows: Sequence[int]) -> list[str]:
        picked = spans.iloc[list(rows)].itertuples(index=False)
        return source_slices(project, [(str(s), int(a), int(b)) for s, a, b in picked])

    weights = model.doc_topic_
    described, prevalence = describe(segments, weights, top, codings, excerpts, texts=texts)
    # Whole-matrix reductions, not three numpy calls per segment; weights are
    # non-negative, so a row has words exactly when its maximum is positive.
    tops, bests = weights.argmax(axis=1).tolist(), weights.max(axis=1).tolist()
    assignments = tuple(
        (str(s), int(a), int(b), tops[i], round(bests[i], 4))
        for i, (s, a, b) in enumerate(spans.itertuples(index=False))
        if bests[i] > 0
    )
    return TopicsResult(
        method, k, seed, unit, len(segments), tuple(trials), tuple(described), prevalence,
        assignments, tuple(round(c, 4) for c in coherence),
    )  # fmt: skip


def code_id(result: TopicsResult, number: int) -> str:
    """Code ids unique to a fitted model, so two runs never merge under one id."""
    return f"{result.method}{result.k}s{result.seed}_t{number:02d}"


def save_as_codes(project: Project, result: TopicsResult) -> tuple[int, int]:
    """Store the topics as codes of an ``emergent`` codebook and each segment's
    dominant topic as a coding by ``topics:METHOD@k=K,seed=S``; returns
    (removed, added). A rerun of the same model replaces its own codings only."""
    import yaml

    from pdcode.records import NewCode, NewCoding
    from pdcode.store import codings as store

    codes = [
        NewCode(
            code=code_id(result, t.number),
            name=f"Topic {t.number}: {t.label}",
            definition="Top terms: " + ", ".join(w for w, _ in t.terms),
        )
        for t in result.topics
    ]
    version = f"{result.method}-k{result.k}-seed{result.seed}-{result.unit}"
    book: dict[str, Any] = {
        "name": "emergent",
        "version": version,
        "description": f"Topics of {result.coder} over {result.unit}s.",
        "codes": [{"id": c.code, "name": c.name, "definition": c.definition} for c in codes],
    }
    content = yaml.safe_dump(book, sort_keys=False, allow_unicode=True)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    book_id = store.save_codebook(project, "emergent", version, digest, content, codes)
    found = [
        NewCoding(s, a, b, code_id(result, t + 1), rule=f"topic weight {w:.2f}")
        for s, a, b, t, w in result.assignments
    ]
    scope = sorted({s for s, *_ in result.assignments})
    provenance = f"{result.coder}#unit={result.unit}#sha256:{digest}"
    return store.replace_codings(project, result.coder, provenance, scope, found, book_id)


def as_rows(result: TopicsResult) -> list[dict[str, Any]]:
    """One row per topic, for csv and the terminal."""
    rows = []
    for t, coherence in zip(result.topics, result.coherence, strict=True):
        rows.append(
            {
                "topic": t.number,
                "label": t.label,
                "segments": t.segments,
                "coherence": coherence,
                "terms": ", ".join(f"{w} ({v:.3f})" for w, v in t.terms),
                "codes": ", ".join(f"{c['code']} ({c['share']:.0%})" for c in t.codes),
                "gap": t.gap,
            }
        )
    return rows


FORMATS = ("md", "csv", "json", "html")


def render_topics(
    result: TopicsResult, fmt: str | None, output: Path | None, raw_csv: bool = False
) -> str | None:
    """The topics as md, csv, json or html (``fmt``, else ``output``'s suffix, else
    md), written to ``output``; with no ``output``, returned as text."""
    from pdcode.api.formats import check_format, format_of
    from pdcode.export import topics as writer
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, FORMATS, "md")
    check_format(fmt, FORMATS, output)
    if fmt == "csv":
        rows = as_rows(result)
        columns = ["topic", "label", "segments", "coherence", "terms", "codes", "gap"]
        content = render(rows, columns, "csv", raw_csv)
    else:
        content = {"md": writer.to_markdown, "json": writer.to_json, "html": writer.to_html}[fmt](
            result
        )
    if output is None:
        return content
    write_text(content, output)
    return None


def draw_heatmap(result: TopicsResult, output: Path) -> bool:
    """Topic x strand prevalence as a heatmap; False when there are no strands."""
    from pdcode.export.charts import heatmap

    if "strand" not in result.prevalence:
        return False
    heatmap(result.prevalence["strand"], f"% of each strand's {result.unit}s in each topic", output)
    return True
