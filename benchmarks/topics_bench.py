"""`pdcode topics` end to end against gensim's LDA fit alone, on the same words.

    python benchmarks/topics_bench.py [--segments 100000] [--k 20] [--methods lda,nmf]
        [--project DIR] [--no-gensim] [--auto]

Generates a seeded corpus with known structure (20 latent topics, each a skewed
distribution over 150 real English lemmas from spacy-lookups-data; a segment
mixes one or two topics, 12-25 words, with 10% background words and interview
fillers), writes it as transcripts of 1,000 turns each ("Respondent:" and
"Interviewer:" in turn) and imports them into a project (kept in ``--project``
and reused when it is already there). Then, each in a child process of its own
(so each CPU time and peak RSS is its own):

- ``pdcode topics --k K --method M --format json`` for each method: the whole
  verb (start-up, store reads, cleaning, fit, coherence, excerpts, output), wall
  and CPU time (user + system) and peak RSS;
- the cleaning alone: the project's segment texts to lemma documents, exactly as
  `pdcode topics` cleans them (its speakers' names left out);
- gensim's ``LdaModel`` fit alone on those documents' tokens (gensim is
  installed in the benchmark's environment, never a pdcode dependency; skipped
  with a message when it is absent). ``LdaModel`` rather than ``LdaMulticore``:
  single-process online variational Bayes, like scikit-learn's that
  ``pdcode topics --method lda`` fits, with the same settings: ten passes over
  mini-batches of 2,048 documents, learning offset 50 and decay 0.7, symmetric
  priors 1/k, up to 100 iterations per document to a mean change of 0.001, no
  perplexity evaluation; its vocabulary is pdcode's (terms in at least 2 and at
  most half the documents, the 5,000 most frequent). The Dictionary and
  bag-of-words conversion are timed apart and left out of the fit.

Reports each time, the ratio of gensim's fit to the whole `pdcode topics`, and
the mean NPMI of each model's top ten words per topic over the same documents
(`pdcode.topics.coherence`, the measure `pdcode topics` reports). Aim: `pdcode
topics` at least twice as fast as gensim's fit alone, with NPMI no lower.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FILLERS = ["you know", "sort of", "I mean", "yeah", "kind of"]
TURNS_PER_FILE = 1_000


def corpus(segments: int, k: int, seed: int) -> tuple[list[str], list[list[str]]]:
    """Texts and, for each latent topic, its 150 words."""
    from spacy.lookups import load_lookups

    from pdcode.topics.text import stop_words

    rng = random.Random(seed)
    table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    stable = {v for key, v in table.items() if v.isalpha() and 4 <= len(v) <= 10}
    # Words that lemmatise to themselves and are not stop words.
    vocab = sorted(w for w in stable if table.get(w, w) == w and w not in stop_words())
    words = rng.sample(vocab, k * 150 + 1000)
    topics = [words[i * 150 : (i + 1) * 150] for i in range(k)]
    background = words[k * 150 :]
    weights = [1 / (r + 1) for r in range(150)]  # Zipf within a topic
    texts = []
    for _ in range(segments):
        mix = rng.sample(range(k), rng.choice((1, 1, 2)))
        body = []
        for _ in range(rng.randint(12, 25)):
            if rng.random() < 0.1:
                body.append(rng.choice(background))
            else:
                body.append(rng.choices(topics[rng.choice(mix)], weights)[0])
        for _ in range(2):
            body.insert(rng.randrange(len(body)), rng.choice(FILLERS))
        texts.append(" ".join(body).capitalize() + ".")
    return texts, topics


def pdcode(*args: str) -> list[str]:
    return [sys.executable, "-m", "pdcode", *args]


def build(folder: Path, texts: list[str]) -> Path:
    """The corpus as transcripts, imported into ``folder/p.db`` (once)."""
    db = folder / "p.db"
    if db.exists():
        return db
    transcripts = folder / "transcripts"
    transcripts.mkdir(parents=True, exist_ok=True)
    for n, first in enumerate(range(0, len(texts), TURNS_PER_FILE)):
        turns = [
            f"{'Respondent' if i % 2 == 0 else 'Interviewer'}: {t}"
            for i, t in enumerate(texts[first : first + TURNS_PER_FILE])
        ]
        (transcripts / f"t{n:04d}.txt").write_text("\n\n".join(turns) + "\n", encoding="utf-8")
    subprocess.run(pdcode("init", "-p", str(db)), check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        pdcode("import", str(transcripts), "-p", str(db)), check=True, capture_output=True
    )
    print(f"(imported {len(texts):,} turns in {time.perf_counter() - started:.0f} s)")
    return db


def run_topics(db: Path, k: int, method: str) -> dict[str, Any]:
    """`pdcode topics` in a child process: wall, CPU (user + system), peak RSS."""
    command = pdcode("topics", "-p", str(db), "--k", str(k), "--method", method, "--format", "json")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read().decode()}")
        out.seek(0)
        data = json.loads(out.read())
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "topics": [[t["term"] for t in topic["terms"]] for topic in data["topics"]],
        "npmi": sum(t["coherence"] for t in data["topics"]) / len(data["topics"]),
    }


def cpu() -> float:
    return time.process_time()


def clean(db: str) -> dict[str, Any]:
    """The project's turns as `pdcode topics` cleans them, timed (CPU)."""
    from pdcode.store import Project
    from pdcode.topics.text import lemma_documents, name_words

    with Project.open(db) as project:
        rows = project.segment_rows("turn")
    texts = [r["text"] for r in rows]
    started = cpu()
    documents = lemma_documents(texts, name_words({r["speaker"] for r in rows}))
    return {"clean_cpu_s": cpu() - started, "documents": documents}


def run_gensim(documents: list[str], k: int, seed: int) -> dict[str, Any]:
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    tokens = [d.split() for d in documents]
    started, started_cpu = time.perf_counter(), cpu()
    dictionary = Dictionary(tokens)
    dictionary.filter_extremes(no_below=2, no_above=0.5, keep_n=5000)  # as pdcode's vectoriser
    bow = [dictionary.doc2bow(t) for t in tokens]
    prepared, prepared_cpu = time.perf_counter(), cpu()
    model = LdaModel(
        bow,
        num_topics=k,
        id2word=dictionary,
        passes=10,
        chunksize=2048,
        offset=50.0,
        decay=0.7,
        alpha="symmetric",
        eta=None,
        iterations=100,
        gamma_threshold=0.001,
        eval_every=None,
        random_state=seed,
    )
    done, done_cpu = time.perf_counter(), cpu()
    topics = [[w for w, _ in model.show_topic(i, topn=10)] for i in range(k)]
    return {
        "prepare_s": prepared - started,
        "prepare_cpu_s": prepared_cpu - started_cpu,
        "fit_s": done - prepared,
        "fit_cpu_s": done_cpu - prepared_cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "topics": topics,
    }


def _child(target: Any, *args: Any) -> Any:
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        return pool.apply(target, args)


def run_auto(documents: list[str], ks: tuple[int, ...], method: str, seed: int) -> Any:
    from pdcode.topics.select import choose_k

    started = time.perf_counter()
    chosen, _trials = choose_k(documents, ks, method, seed)
    return chosen, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--methods", default="lda,nmf", help="comma-separated: lda, nmf")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--project", type=Path, help="folder to keep (and reuse) the project in")
    parser.add_argument("--no-gensim", action="store_true", help="time pdcode only")
    parser.add_argument("--auto", action="store_true", help="also time k auto (3..12 and --k)")
    args = parser.parse_args()
    from pdcode.topics.coherence import npmi

    methods = [m for m in args.methods.split(",") if m]
    texts, planted = corpus(args.segments, args.k, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.project or Path(scratch)
        db = build(folder, texts)
        del texts
        print(f"{args.segments:,} segments, k={args.k}, {multiprocessing.cpu_count()} cores")
        ours = {m: run_topics(db, args.k, m) for m in methods}
        cleaned = _child(clean, str(db))
    documents = cleaned["documents"]
    tokens = [d.split() for d in documents]
    print(f"cleaning alone (in pdcode topics): {cleaned['clean_cpu_s']:.1f} s CPU")
    for method, run in ours.items():
        print(
            f"pdcode topics --method {method}: {run['wall_s']:.1f} s wall, {run['cpu_s']:.1f} s"
            f" CPU, peak RSS {run['peak_mb']:.0f} MB, NPMI {run['npmi']:.4f}"
        )
        recovered = sum(any(len(set(t) & set(p)) >= 5 for t in run["topics"]) for p in planted)
        print(f"  planted topics recovered (>= 5 of top 10 words): {recovered}/{args.k}")
    theirs = None
    if args.no_gensim:
        print("gensim: skipped (--no-gensim)")
    else:
        try:
            import gensim  # noqa: F401
        except ImportError:
            print("gensim is not installed here: pip install gensim to compare (skipped)")
        else:
            theirs = _child(run_gensim, documents, args.k, args.seed)
    if theirs is not None:
        theirs_npmi = sum(npmi(theirs["topics"], tokens)) / args.k
        print(
            f"gensim LdaModel (10 passes): fit alone {theirs['fit_s']:.1f} s wall,"
            f" {theirs['fit_cpu_s']:.1f} s CPU (Dictionary + bow {theirs['prepare_s']:.1f} s"
            f" apart), peak RSS {theirs['peak_mb']:.0f} MB, NPMI {theirs_npmi:.4f}"
        )
        for method, run in ours.items():
            print(
                f"gensim fit / pdcode topics --method {method}:"
                f" {theirs['fit_s'] / run['wall_s']:.2f}x wall,"
                f" {theirs['fit_cpu_s'] / run['cpu_s']:.2f}x CPU"
                f" (aim >= 2); NPMI {run['npmi']:.4f} vs {theirs_npmi:.4f}"
            )
    if args.auto:
        ks = (*range(3, 13), args.k)
        for method in methods:
            chosen, seconds = _child(run_auto, documents, ks, method, args.seed)
            print(f"k auto ({method}) over k in {ks}, 3 seeds each: k={chosen} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
