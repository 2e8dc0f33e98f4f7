"""How well the pd-leadership rules agree with a human coder.

    python benchmarks/evaluate_rules.py [--set SET [SET ...]] [--misses]

Every folder of benchmarks/ holding a gold.csv is a set; benchmarks/RESULTS.md
says which are for tuning and which are held out, and logs every held-out score.
`dev` is the shipped sample (transcripts_sample/), hand-coded in
benchmarks/dev/gold.csv. Several sets are pooled into one score; the default is
the eight independent held-out sets (heldout to heldout8).
The sets are imported into a fresh project, coded with
codebooks/pd-leadership.yaml (respondent turns only), and their gold coding
imported as coder `gold`; per-code precision, recall, F1 and support at turn
level follow, with micro and macro averages. A coder applied a code to a turn
when one of their spans for it overlaps the turn. The micro scores come with a
95% interval from a seeded bootstrap that resamples whole interviews, since turns
of one interview are not independent.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from pdcode import api
from pdcode.evaluation import Labelled, Span, units_with_codes
from pdcode.store import Project

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SETS = ["dev", *sorted(p.parent.name for p in HERE.glob("*/gold.csv") if p.parent.name != "dev")]
BOOK = REPO / "codebooks" / "pd-leadership.yaml"
# Written and coded independently of the rules; never tuned on.
HELDOUT = ["heldout", *(f"heldout{n}" for n in range(2, 9))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--unit", default="turn", help="coding unit for the rules")
    parser.add_argument("--misses", action="store_true", help="list false positives/negatives")
    parser.add_argument("--full", action="store_true", help="with --misses: whole turns")
    parser.add_argument("--code", help="with --misses: only this code")
    parser.add_argument(
        "--set", nargs="+", choices=SETS, default=HELDOUT, help="one set, or several pooled"
    )
    args = parser.parse_args()
    sets = sorted(set(args.set), key=args.set.index)
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "eval.db") as project:
        import_sets(project, sets)
        coded = api.code_project(project, BOOK, unit=args.unit)
        import_gold(project, sets)
        # The same function as `pdcode evaluate --gold gold --pred rules:... --unit turn`.
        result, texts = api.evaluation.evaluate(project, "gold", coded.coder, unit="turn")
        tallies = per_source(texts, api.codings(project, "gold"), api.codings(project, coded.coder))
    label = "+".join(sets)
    print(f"{label}: {result.units} respondent turns, rules by {args.unit}, scored by turn")
    print(f"{'code':<24}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}{'pred':>6}")
    for s in (*result.per_code, result.micro, result.macro):
        print(
            f"{s.code:<24}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.support:9d}{s.predicted:6d}"
        )
    total = sum(tallies.values(), Counter())
    # the per-interview tallies must add up to the scores above
    assert total["tp"] + total["fn"] == result.micro.support, "gold codings differ"
    assert total["tp"] + total["fp"] == result.micro.predicted, "predicted codings differ"
    low, high = bootstrap(tallies)
    print(
        f"micro, 95% interval over {len(tallies)} interviews (bootstrap): "
        f"P {low[0]:.3f}-{high[0]:.3f}  R {low[1]:.3f}-{high[1]:.3f}  F1 {low[2]:.3f}-{high[2]:.3f}"
    )
    if args.misses:
        for miss in result.misses:
            if args.code and miss.code != args.code:
                continue
            text = texts[(miss.unit.source, miss.unit.start, miss.unit.end)]
            shown = text if args.full else text[:90]
            print(f"{miss.kind:15} {miss.code:22} {miss.unit.source}: {shown}")


def import_sets(project: Project, sets: list[str]) -> None:
    """The sets' interviews, imported into ``project``."""
    for name in sets:
        if name == "dev":
            sample = REPO / "transcripts_sample"
            options = api.ImportOptions(manifest=sample / "manifest.csv")
            report = api.import_paths(project, [sample], options)
        else:
            paths = sorted((HERE / name).glob("*.txt"))
            report = api.import_paths(project, paths, api.ImportOptions())
        assert not report.failed, report.summary()


def import_gold(project: Project, sets: list[str]) -> None:
    """The sets' gold coding, imported as coder `gold`."""
    for name in sets:
        gold = api.import_codings(project, HERE / name / "gold.csv", "gold", codebook=BOOK)
        assert not gold.problems, gold.problems


def per_source(
    texts: dict[tuple[str, int, int], str], gold: list[dict[str, Any]], pred: list[dict[str, Any]]
) -> dict[str, Counter[str]]:
    """True positives, false positives and false negatives (code x turn) per interview."""
    units = [Span(*key) for key in texts]

    def labelled(rows: list[dict[str, Any]]) -> list[Labelled]:
        return [Labelled(r["source"], r["start"], r["end"], r["code"]) for r in rows]

    tallies: dict[str, Counter[str]] = {}
    gold_sets = units_with_codes(units, labelled(gold))
    pred_sets = units_with_codes(units, labelled(pred))
    for unit, g, p in zip(units, gold_sets, pred_sets, strict=True):
        tally = tallies.setdefault(unit.source, Counter())
        tally.update(tp=len(g & p), fp=len(p - g), fn=len(g - p))
    return tallies


def bootstrap(
    tallies: dict[str, Counter[str]], rounds: int = 2000, seed: int = 0
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """2.5th and 97.5th percentiles of micro P, R, F1 over interviews drawn with replacement."""
    rng = random.Random(seed)
    sources = sorted(tallies)
    draws: list[tuple[float, float, float]] = []
    for _ in range(rounds):
        total: Counter[str] = Counter()
        for name in rng.choices(sources, k=len(sources)):
            total.update(tallies[name])
        tp, fp, fn = total["tp"], total["fp"], total["fn"]
        draws.append(
            (tp / max(tp + fp, 1), tp / max(tp + fn, 1), 2 * tp / max(2 * tp + fp + fn, 1))
        )
    columns = [sorted(column) for column in zip(*draws, strict=True)]
    return (
        tuple(c[int(0.025 * rounds)] for c in columns),
        tuple(c[int(0.975 * rounds) - 1] for c in columns),
    )


if __name__ == "__main__":
    main()
