"""Learned code suggestions on the development sets: grouped cross-validation.

    python benchmarks/learn_dev.py [--folds 5] [--seed 0] [--min-precision P] [--no-curve]

The development sets only (dev, dev2 ... dev8; never a held-out set) are
imported into a fresh project with their gold coding (coder `gold`). Every
respondent turn is a unit; its codes are the gold codes whose spans overlap it,
the rule of `pdcode evaluate`. Then:

- the fitted model: fit time, its own out-of-fold scores at the thresholds it
  chose (optimistic: the thresholds were chosen on those same predictions), and
  suggest throughput in words per second;
- nested grouped cross-validation (honest): each fold's interviews held out, a
  whole model (features, classifiers, thresholds by inner CV) fitted on the rest,
  its suggestions on the held-out turns pooled into micro and per-code P/R/F1;
- the learning curve: the same, training on 2, 4, 8 ... of each fold's interviews.

Nothing is written to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from evaluate_rules import import_gold, import_sets

from pdcode import api
from pdcode.codebook.model import leaves
from pdcode.codebook.validate import load_codebook
from pdcode.evaluation import Labelled, Span, units_with_codes
from pdcode.learn import SuggestionModel, TrainingUnit, cross_validate, learning_curve
from pdcode.learn.curve import micro
from pdcode.store import Project

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BOOK = REPO / "codebooks" / "pd-leadership.yaml"
# Tuning sets only. Folders starting with heldout or labels-heldout are never read.
DEV = ["dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8"]
assert not any(name.startswith(("heldout", "labels-heldout")) for name in DEV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-precision", type=float, default=None)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    args = parser.parse_args()
    codes = [code.id for code in leaves(load_codebook(BOOK))]
    units = dev_units()
    sources = len({u.source for u in units})
    labels = sum(len(u.codes) for u in units)
    print(f"{'+'.join(DEV)}: {len(units)} respondent turns in {sources} interviews, ", end="")
    print(f"{labels} gold codings (code x turn), {len(codes)} codes")
    options = {"min_precision": args.min_precision, "C": args.C}

    started = time.perf_counter()
    model = SuggestionModel(codes, seed=args.seed, folds=args.folds, **options).fit(units)
    fit_time = time.perf_counter() - started
    texts = [u.text for u in units]
    words = sum(len(t.split()) for t in texts)
    started = time.perf_counter()
    suggestions = model.suggest(texts)
    suggest_time = time.perf_counter() - started
    print(
        f"fit: {fit_time:.2f} s ({len(model.codes_)} codes learned, {len(model.vocabulary_)} "
        f"terms, {args.folds}-fold CV grouped by interview); suggest: {words} words in "
        f"{suggest_time:.3f} s = {words / suggest_time:,.0f} words/s, "
        f"{sum(map(len, suggestions))} suggestions; model {model.hash_}"
    )
    for note in model.notes_:
        print(f"note: {note}")
    tp = sum(s.true_positives for s in model.cv_scores_)
    predicted = sum(s.predicted for s in model.cv_scores_)
    positives = sum(s.positives for s in model.cv_scores_)
    print(
        f"fitted model's own out-of-fold scores (thresholds chosen on them, optimistic): "
        f"P {tp / predicted:.3f}  R {tp / positives:.3f}  F1 {2 * tp / (predicted + positives):.3f}"
    )

    started = time.perf_counter()
    tallies = cross_validate(units, codes, folds=args.folds, seed=args.seed, **options)
    nested_time = time.perf_counter() - started
    thresholds = dict(zip(model.codes_, model.thresholds_, strict=True))
    print(f"\nnested grouped CV ({args.folds} outer folds, {nested_time:.1f} s), turn level:")
    print(f"{'code':<24}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}{'pred':>6}{'thr':>7}")
    for t in tallies:
        support = t.true_positives + t.false_negatives
        predicted = t.true_positives + t.false_positives
        shown = f"{thresholds[t.code]:7.3f}" if t.code in thresholds else "   skip"
        print(
            f"{t.code:<24}{t.precision:7.3f}{t.recall:7.3f}{t.f1:7.3f}"
            f"{support:9d}{predicted:6d}{shown}"
        )
    row = micro(tallies, sources)
    print(f"{'micro':<24}{row.micro_p:7.3f}{row.micro_r:7.3f}{row.micro_f1:7.3f}")

    if not args.no_curve:
        started = time.perf_counter()
        curve = learning_curve(units, codes, seed=args.seed, folds=args.folds, **options)
        print(f"\nlearning curve ({time.perf_counter() - started:.1f} s), nested grouped CV:")
        print(f"{'sources':>8}{'micro P':>9}{'micro R':>9}{'micro F1':>10}")
        for point in curve:
            print(
                f"{point.sources:8d}{point.micro_p:9.3f}{point.micro_r:9.3f}{point.micro_f1:10.3f}"
            )


def dev_units() -> list[TrainingUnit]:
    """The respondent turns of the development sets with their gold codes."""
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "learn.db") as project:
        import_sets(project, DEV)
        import_gold(project, DEV)
        rows = [r for r in project.segment_rows("turn") if not r["is_interviewer"]]
        codings = [
            Labelled(c["source"], c["start"], c["end"], c["code"])
            for c in api.codings(project, "gold")
        ]
    spans = [Span(r["source"], r["start"], r["end"]) for r in rows]
    labels = units_with_codes(spans, codings)
    return [
        TrainingUnit(r["source"], r["text"], frozenset(codes))
        for r, codes in zip(rows, labels, strict=True)
    ]


if __name__ == "__main__":
    main()
