"""Learned suggestions against held-out human coding, beside the rules and combined.

    python benchmarks/evaluate_learning.py [--train SET ...] [--set SET ...]
        [--rounds 2000] [--no-speed] [--speed-only] [--units 10000] [--words 1000000]

A model is learned (`pdcode learn --from gold --unit turn`, default parameters)
from the gold coding of the `--train` sets (default: the development sets dev to
dev8), and scored on the `--set` sets (default: the eight held-out sets heldout
to heldout8, pooled, as benchmarks/evaluate_rules.py scores the rules); a set
may not be in both. The sets are imported as evaluate_rules.py imports them and
scored at turn level (respondent turns; a coder gave a turn a code when one of
their spans for it overlaps the turn) for four coders:

- rules: codebooks/pd-leadership.yaml coding respondent turns (`pdcode code --unit turn`);
- model: the learned model's suggestions (`pdcode suggest`);
- rules ∪ model: a turn has a code when either gave it (`pdcode evaluate --pred A+B`);
- stacked: a second logistic regression per code over the model's probabilities
  for every code and the rules' hit on every code. Its training inputs are the
  model's out-of-fold probabilities on the training turns (folds grouped by
  interview, so no turn is scored by a model that saw its interview) and the
  rules' hits there; its threshold is chosen as the model's are, from its own
  grouped out-of-fold probabilities (highest F1). A code the model did not learn
  is left to the rules. The learning stage has no such option: this is done here.

Micro and per-code precision, recall and F1 come with 95% intervals from a
seeded bootstrap that resamples whole interviews (evaluate_rules.bootstrap).

The rules were written and tuned on the development sets. Scored on one of them
(`--set dev7 dev8`, to check this script) they look better than they will on new
interviews, and so does the stacked model, which also learns from the rules'
hits on its development training sets how far to trust them; only the held-out
default compares the four fairly, and even there the stacker's trust in the rules
was learned where the rules were tuned.

Then, unless --no-speed, on one core with synthetic transcripts
(code_bench.transcript, labelled by the rules so there is something to learn):
the time to learn from --units respondent turns (5-fold grouped CV included), and
`pdcode suggest` throughput over about --words respondent words, storing included.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from code_bench import transcript
from evaluate_rules import BOOK, HELDOUT, SETS, bootstrap, import_gold, import_sets, per_source

from pdcode import api
from pdcode.api import learning
from pdcode.evaluation import Labelled, Span, units_with_codes
from pdcode.learn import SuggestionModel, TrainingUnit
from pdcode.learn.folds import grouped_folds
from pdcode.learn.thresholds import choose_threshold
from pdcode.records import NewCoding
from pdcode.store import Project
from pdcode.store.codings import replace_codings

# Tuning sets only: the model is never trained on a held-out set unless asked.
DEV = ["dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8"]
NAME = "dev-model"
STACKED = "stacked:model-and-rules"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", nargs="+", choices=SETS, default=DEV, help="training sets")
    parser.add_argument("--set", nargs="+", choices=SETS, default=HELDOUT, help="scored sets")
    parser.add_argument("--rounds", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-speed", action="store_true", help="skip the timings")
    parser.add_argument("--speed-only", action="store_true", help="only the timings")
    parser.add_argument("--units", type=int, default=10_000, help="synthetic training turns")
    parser.add_argument("--words", type=int, default=1_000_000, help="synthetic words to suggest")
    args = parser.parse_args()
    one_core()
    if not args.speed_only:
        train = list(dict.fromkeys(args.train))
        scored = list(dict.fromkeys(args.set))
        both = sorted(set(train) & set(scored))
        if both:
            parser.error(f"a set cannot be both trained on and scored: {', '.join(both)}")
        score(train, scored, args.rounds, args.seed)
    if not args.no_speed:
        speed(args.units, args.words, args.seed)


def one_core() -> None:
    """Run on one CPU (the fit limits its own thread pools to one thread too)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


# -- scores ---------------------------------------------------------------------------


def score(train: list[str], scored: list[str], rounds: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with Project.create(Path(tmp) / "train.db") as project:
            import_sets(project, train)
            rules = api.code_project(project, BOOK, unit="turn")
            import_gold(project, train)
            data = learning.training_data(project, ["gold"], "turn")
            rule_hits = turn_codes(project, rules.coder, data.units)
        started = time.perf_counter()
        model = learning.fit(data, NAME, seed=seed)
        fit_time = time.perf_counter() - started
        print(
            f"trained on {'+'.join(train)}: {len(data.units)} respondent turns in "
            f"{model.training_sources_} interviews, {len(model.codes_)} codes learned "
            f"({fit_time:.1f} s); model {model.hash_}"
        )
        stacker = Stacker(model, data, rule_hits, seed)
        with Project.create(Path(tmp) / "scored.db") as project:
            import_sets(project, scored)
            rules = api.code_project(project, BOOK, unit="turn")
            import_gold(project, scored)
            learning.save(project, NAME, model, "turn", ["gold"], data.codebook)
            suggested = learning.suggest(project, NAME)
            units = [r for r in project.segment_rows("turn") if not r["is_interviewer"]]
            texts = [r["text"] for r in units]
            spans = [Span(r["source"], r["start"], r["end"]) for r in units]
            hits = turn_codes(project, rules.coder, [TrainingUnit(s.source, "") for s in spans])
            stacked = [
                NewCoding(span.source, span.start, span.end, code)
                for span, codes in zip(spans, stacker.predict(texts, hits), strict=True)
                for code in sorted(codes)
            ]
            replace_codings(project, STACKED, STACKED, sorted({s.source for s in spans}), stacked)
            union = f"{suggested.coder}+{rules.coder}"
            coders = {
                "rules": rules.coder,
                "model": suggested.coder,
                "rules ∪ model": union,
                "stacked": STACKED,
            }
            gold = api.codings(project, "gold")
            results = {}
            for label, coder in coders.items():
                result, found = api.evaluation.evaluate(project, "gold", coder, unit="turn")
                rows = [r for part in coder.split("+") for r in api.codings(project, part)]
                results[label] = (result, found, rows)
    label = "+".join(scored)
    first = next(iter(results.values()))[0]
    print(f"scored on {label}: {first.units} respondent turns, by turn\n")
    summary = []
    for name, (result, found, rows) in results.items():
        tallies = per_source(found, gold, rows)
        total = sum(tallies.values(), Counter())
        assert total["tp"] + total["fn"] == result.micro.support, "gold codings differ"
        assert total["tp"] + total["fp"] == result.micro.predicted, "predicted codings differ"
        low, high = bootstrap(tallies, rounds, seed)
        print(f"{name}:")
        print(f"{'code':<24}{'P':>7}{'R':>7}{'F1':>7}{'F1 95%':>13}{'support':>9}{'pred':>6}")
        for s in result.per_code:
            keep = [r for r in gold if r["code"] == s.code]
            mine = [r for r in rows if r["code"] == s.code]
            c_low, c_high = bootstrap(per_source(found, keep, mine), rounds, seed)
            print(
                f"{s.code:<24}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}"
                f"{c_low[2]:7.3f}-{c_high[2]:.3f}{s.support:9d}{s.predicted:6d}"
            )
        m = result.micro
        print(
            f"{'micro':<24}{m.precision:7.3f}{m.recall:7.3f}{m.f1:7.3f}"
            f"{low[2]:7.3f}-{high[2]:.3f}{m.support:9d}{m.predicted:6d}"
        )
        print(f"{'macro':<24}{result.macro.precision:7.3f}{result.macro.recall:7.3f}", end="")
        print(f"{result.macro.f1:7.3f}\n")
        summary.append((name, m, low, high))
    print(f"micro, 95% intervals over {len(tallies)} interviews (bootstrap, {rounds} rounds):")
    for name, m, low, high in summary:
        print(
            f"{name:<15} P {m.precision:.3f} ({low[0]:.3f}-{high[0]:.3f})  "
            f"R {m.recall:.3f} ({low[1]:.3f}-{high[1]:.3f})  "
            f"F1 {m.f1:.3f} ({low[2]:.3f}-{high[2]:.3f})"
        )


def turn_codes(project: Project, coder: str, units: list[TrainingUnit]) -> list[set[str]]:
    """For each respondent turn (in ``segment_rows`` order), the codes ``coder`` gave it."""
    rows = [r for r in project.segment_rows("turn") if not r["is_interviewer"]]
    wanted = {u.source for u in units}
    rows = [r for r in rows if r["source"] in wanted]
    assert len(rows) == len(units), "units are the respondent turns of their sources"
    spans = [Span(r["source"], r["start"], r["end"]) for r in rows]
    codings = [
        Labelled(c["source"], c["start"], c["end"], c["code"]) for c in api.codings(project, coder)
    ]
    return units_with_codes(spans, codings)


class Stacker:
    """Per code, a logistic regression over [model probabilities, rules' hits]."""

    def __init__(
        self, model: SuggestionModel, data: learning.TrainingData, hits: list[set[str]], seed: int
    ) -> None:
        from sklearn.linear_model import LogisticRegression

        self.model, self.codes, self.seed = model, list(data.codes), seed
        units = list(data.units)
        # training_data gives units in segment order; the rules' hits follow the same order.
        groups = [u.source for u in units]
        features = np.hstack([self._out_of_fold(units, groups), self._hit_matrix(hits)])
        self.fitted: dict[str, tuple[Any, float]] = {}
        for code in model.codes_:
            y = np.array([u.positive(code) for u in units], dtype=bool)
            oof = np.zeros(len(units))
            for train, test in grouped_folds(groups, model.folds):
                if y[train].all() or not y[train].any():
                    oof[test] = float(y[train].mean())
                    continue
                fold = self._classifier(LogisticRegression).fit(features[train], y[train])
                oof[test] = fold.predict_proba(features[test])[:, 1]
            threshold = choose_threshold(code, oof, y).threshold
            final = self._classifier(LogisticRegression).fit(features, y)
            self.fitted[code] = (final, threshold)

    def _classifier(self, kind: Any) -> Any:
        return kind(class_weight="balanced", solver="lbfgs", max_iter=1000, random_state=self.seed)

    def _hit_matrix(self, hits: list[set[str]]) -> Any:
        return np.array([[c in h for c in self.codes] for h in hits], dtype=np.float64)

    def _out_of_fold(self, units: list[TrainingUnit], groups: list[str]) -> Any:
        """Each training unit's probabilities for every learned code from a model that
        did not see its interview (0 for a code the fold's model could not learn)."""
        result = np.zeros((len(units), len(self.model.codes_)))
        column = {c: j for j, c in enumerate(self.model.codes_)}
        for train, test in grouped_folds(groups, self.model.folds):
            fold = SuggestionModel(
                self.codes, min_positive=self.model.min_positive, seed=self.seed,
                folds=self.model.folds,
            ).fit([units[i] for i in train])  # fmt: skip
            probabilities = fold.predict_proba([units[i].text for i in test])
            for j, code in enumerate(fold.codes_):
                if code in column:
                    result[test, column[code]] = probabilities[:, j]
        return result

    def predict(self, texts: list[str], hits: list[set[str]]) -> list[set[str]]:
        features = np.hstack([self.model.predict_proba(texts), self._hit_matrix(hits)])
        found: list[set[str]] = [set() for _ in texts]
        for code in self.codes:
            if code in self.fitted:
                classifier, threshold = self.fitted[code]
                chosen = classifier.predict_proba(features)[:, 1] >= threshold
            else:  # a code the model did not learn: the rules alone
                chosen = np.array([code in h for h in hits], dtype=bool)
            for i in np.flatnonzero(chosen):
                found[i].add(code)
        return found


# -- speed ----------------------------------------------------------------------------


def speed(units: int, words: int, seed: int) -> None:
    rng = random.Random(seed + 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        # Respondents speak about 3/4 of a generated transcript's words.
        for i in range(max(1, round(words / 0.75 / 8000))):
            (folder / f"t{i:04d}.txt").write_text(transcript(rng, 8000), encoding="utf-8")
        with Project.create(Path(tmp) / "speed.db") as project:
            api.import_paths(project, [folder], api.ImportOptions())
            rules = api.code_project(project, BOOK, unit="turn")
            turns = [r for r in project.segment_rows("turn") if not r["is_interviewer"]]
            said = sum(len(r["text"].split()) for r in turns)
            taught = [TrainingUnit(r["source"], r["text"]) for r in turns[:units]]
            hits = turn_codes(project, rules.coder, [TrainingUnit(r["source"], "") for r in turns])
            labelled = [
                TrainingUnit(u.source, u.text, frozenset(h))
                for u, h in zip(taught, hits, strict=False)
            ]
            codes = sorted({c for h in hits for c in h})
            data = learning.TrainingData(tuple(labelled), tuple(codes), None, 0)
            started = time.perf_counter()
            model = learning.fit(data, "speed", seed=seed)
            fit_time = time.perf_counter() - started
            learned = sum(len(u.text.split()) for u in labelled)
            print(
                f"learn: {len(labelled):,} synthetic respondent turns ({learned:,} words, "
                f"{len({u.source for u in labelled})} transcripts), {len(model.codes_)} codes "
                f"labelled by the rules: {fit_time:.1f} s on one core (5-fold grouped CV included)"
            )
            learning.save(project, "speed", model, "turn", ["rules"], None)
            started = time.perf_counter()
            report = learning.suggest(project, "speed")
            elapsed = time.perf_counter() - started
    print(
        f"suggest: {report.units:,} respondent turns, {said:,} words, {report.added:,} "
        f"suggestions stored: {elapsed:.1f} s = {said / elapsed:,.0f} words/s on one core"
    )


if __name__ == "__main__":
    main()
