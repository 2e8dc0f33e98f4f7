"""Topic-model speed, memory and coherence, side by side with gensim.

    python benchmarks/topics_bench.py [--segments 100000] [--k 20] [--method nmf]

Generates a seeded corpus with known structure (20 latent topics, each a skewed
distribution over 150 real English lemmas from spacy-lookups-data; a segment
mixes one or two topics, 12-25 words, with 10% background words and interview
fillers), then in separate child processes (so each peak RSS is its own):

- pdcode: lemma documents (`pdcode.topics.text`) and `TopicModel.fit`;
- gensim's `LdaModel` (passes=1, its defaults) on the same cleaned tokens —
  gensim is installed in the benchmark's environment, not a pdcode dependency.

Reports wall time, peak RSS, and the mean NPMI coherence of each model's top ten
words per topic over the corpus (the measure `pdcode topics` reports), and the
time ratio. Aim: 100,000 segments in under 60 s on 2 cores, coherence >= gensim's.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import time
from typing import Any

FILLERS = ["you know", "sort of", "I mean", "yeah", "kind of"]


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


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pdcode(texts: list[str], k: int, method: str, seed: int) -> dict[str, Any]:
    from pdcode.topics.model import TopicModel
    from pdcode.topics.text import lemma_documents

    started = time.perf_counter()
    documents = lemma_documents(texts)
    cleaned = time.perf_counter()
    model = TopicModel(k=k, method=method, seed=seed).fit(documents)
    done = time.perf_counter()
    return {
        "clean_s": cleaned - started,
        "fit_s": done - cleaned,
        "peak_mb": peak_mb(),
        "topics": [[w for w, _ in t] for t in model.top_terms(10)],
        "documents": documents,
    }


def run_gensim(documents: list[str], k: int, seed: int) -> dict[str, Any]:
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    tokens = [d.split() for d in documents]
    started = time.perf_counter()
    dictionary = Dictionary(tokens)
    dictionary.filter_extremes(no_below=2, no_above=0.5, keep_n=5000)  # as pdcode's vectoriser
    bow = [dictionary.doc2bow(t) for t in tokens]
    model = LdaModel(bow, num_topics=k, id2word=dictionary, random_state=seed)
    done = time.perf_counter()
    topics = [[w for w, _ in model.show_topic(i, topn=10)] for i in range(k)]
    return {"fit_s": done - started, "peak_mb": peak_mb(), "topics": topics}


def _child(target: Any, *args: Any) -> Any:
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        return pool.apply(target, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--method", default="nmf", choices=("nmf", "lda"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--auto", action="store_true", help="also time --k auto (3..12, --k)")
    args = parser.parse_args()
    from pdcode.topics.coherence import npmi

    texts, planted = corpus(args.segments, args.k, args.seed)
    ours = _child(run_pdcode, texts, args.k, args.method, args.seed)
    tokens = [d.split() for d in ours["documents"]]
    ours_npmi = sum(npmi(ours["topics"], tokens)) / args.k
    total = ours["clean_s"] + ours["fit_s"]
    print(f"{args.segments:,} segments, k={args.k}, {multiprocessing.cpu_count()} cores")
    print(
        f"pdcode {args.method}: clean {ours['clean_s']:.1f} s + fit {ours['fit_s']:.1f} s"
        f" = {total:.1f} s, peak RSS {ours['peak_mb']:.0f} MB, NPMI {ours_npmi:.4f}"
    )
    try:
        import gensim  # noqa: F401
    except ImportError:
        print("gensim is not installed here: pip install gensim to compare")
        return
    theirs = _child(run_gensim, ours["documents"], args.k, args.seed)
    theirs_npmi = sum(npmi(theirs["topics"], tokens)) / args.k
    print(
        f"gensim LdaModel: fit {theirs['fit_s']:.1f} s, peak RSS {theirs['peak_mb']:.0f} MB,"
        f" NPMI {theirs_npmi:.4f}"
    )
    print(f"fit time pdcode / gensim: {ours['fit_s'] / theirs['fit_s']:.2f}")
    recovered = sum(any(len(set(t) & set(p)) >= 5 for t in ours["topics"]) for p in planted)
    print(f"planted topics recovered by pdcode (>= 5 of top 10 words): {recovered}/{args.k}")
    if args.auto:
        ks = (*range(3, 13), args.k)
        chosen, seconds = _child(run_auto, ours["documents"], ks, args.method, args.seed)
        print(f"k auto over k in {ks}, 3 seeds each: chose k={chosen} in {seconds:.1f} s")


def run_auto(documents: list[str], ks: tuple[int, ...], method: str, seed: int) -> Any:
    from pdcode.topics.select import choose_k

    started = time.perf_counter()
    chosen, _trials = choose_k(documents, ks, method, seed)
    return chosen, time.perf_counter() - started


if __name__ == "__main__":
    main()
