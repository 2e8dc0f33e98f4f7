"""How well the pd-leadership rules agree with a human coder.

    python benchmarks/evaluate_rules.py [--set SET [SET ...]] [--misses]

Every folder of benchmarks/ holding a gold.csv is a set; benchmarks/RESULTS.md
says which are for tuning and which are held out, and logs every held-out score.
`dev` is the shipped sample (transcripts_sample/), hand-coded in
benchmarks/dev/gold.csv. Several sets are pooled into one score; the default is
the four independent held-out sets (heldout, heldout2, heldout3, heldout4).
The sets are imported into a fresh project, coded with
codebooks/pd-leadership.yaml (respondent turns only), and their gold coding
imported as coder `gold`; per-code precision, recall, F1 and support at turn
level follow, with micro and macro averages. A coder applied a code to a turn
when one of their spans for it overlaps the turn.
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
# Written and coded independently of the rules; never tuned on.
HELDOUT = ["heldout", "heldout2", "heldout3", "heldout4"]


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
    book = REPO / "codebooks" / "pd-leadership.yaml"
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "eval.db") as project:
        for name in sets:
            if name == "dev":
                sample = REPO / "transcripts_sample"
                options = api.ImportOptions(manifest=sample / "manifest.csv")
                report = api.import_paths(project, [sample], options)
            else:
                paths = sorted((HERE / name).glob("*.txt"))
                report = api.import_paths(project, paths, api.ImportOptions())
            assert not report.failed, report.summary()
        coded = api.code_project(project, book, unit=args.unit)
        for name in sets:
            gold = api.import_codings(project, HERE / name / "gold.csv", "gold", codebook=book)
            assert not gold.problems, gold.problems
        # The same function as `pdcode evaluate --gold gold --pred rules:... --unit turn`.
        result, texts = api.evaluation.evaluate(project, "gold", coded.coder, unit="turn")
    label = "+".join(sets)
    print(f"{label}: {result.units} respondent turns, rules by {args.unit}, scored by turn")
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
