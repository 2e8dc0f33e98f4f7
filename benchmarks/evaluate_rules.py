"""How well the pd-leadership rules agree with a human coder.

    python benchmarks/evaluate_rules.py [--set heldout|heldout-author|dev|dev2] [--misses]

`heldout` (the default) is four interviews written and coded independently of the
rules, after they were final (benchmarks/heldout/README.md); `heldout-author` is
the rules' author's earlier held-out set; `dev` is the shipped sample
(transcripts_sample/), which the rules were written against, hand-coded in
benchmarks/dev/gold.csv for tuning; `dev2` is a second development set, six
interviews written and gold-coded by a separate session from the code definitions
alone (benchmarks/dev2/README.md), also for tuning.
The set is imported into a fresh project, coded with codebooks/pd-leadership.yaml
(respondent turns only), and its gold coding imported as coder `gold`; per-code
precision, recall, F1 and support at turn level follow, with micro and macro
averages. A coder applied a code to a turn when one of their spans for it
overlaps the turn.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pdcode import api
from pdcode.store import Project

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SETS = ["dev", *sorted(p.parent.name for p in HERE.glob("*/gold.csv") if p.parent.name != "dev")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--unit", default="turn", help="coding unit for the rules")
    parser.add_argument("--misses", action="store_true", help="list false positives/negatives")
    parser.add_argument("--full", action="store_true", help="with --misses: whole turns")
    parser.add_argument("--code", help="with --misses: only this code")
    parser.add_argument("--set", choices=SETS, default="heldout")
    args = parser.parse_args()
    folder = HERE / args.set
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "eval.db") as project:
        if args.set == "dev":
            sample = REPO / "transcripts_sample"
            options = api.ImportOptions(manifest=sample / "manifest.csv")
            report = api.import_paths(project, [sample], options)
        else:
            report = api.import_paths(project, sorted(folder.glob("*.txt")), api.ImportOptions())
        assert not report.failed, report.summary()
        book = REPO / "codebooks" / "pd-leadership.yaml"
        coded = api.code_project(project, book, unit=args.unit)
        gold = api.import_codings(project, folder / "gold.csv", "gold", codebook=book)
        assert not gold.problems, gold.problems
        # The same function as `pdcode evaluate --gold gold --pred rules:... --unit turn`.
        result, texts = api.evaluation.evaluate(project, "gold", coded.coder, unit="turn")
    print(f"{args.set}: {result.units} respondent turns, rules by {args.unit}, scored by turn")
    print(f"{'code':<24}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}{'pred':>6}")
    for s in (*result.per_code, result.micro, result.macro):
        print(
            f"{s.code:<24}{s.precision:7.3f}{s.recall:7.3f}{s.f1:7.3f}{s.support:9d}{s.predicted:6d}"
        )
    if args.misses:
        for miss in result.misses:
            if args.code and miss.code != args.code:
                continue
            text = texts[(miss.unit.source, miss.unit.start, miss.unit.end)]
            shown = text if args.full else text[:90]
            print(f"{miss.kind:15} {miss.code:22} {miss.unit.source}: {shown}")


if __name__ == "__main__":
    main()
