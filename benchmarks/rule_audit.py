"""Which rules of the pd-leadership codebook earn their keep on the development sets.

    python benchmarks/rule_audit.py [--set SET ...] [--worse]

Every rule (each phrase, pattern, regex and near rule) is made a code of its own,
keeping its code's `exclude_if`. The sets' respondent turns are coded with all of
them, and each firing is compared with the gold coding at turn level. For each rule
it prints how often it alone earned its code on a turn the gold coder gave that code
(`alone+`) and on a turn they did not (`alone-`), then the same counts whether or not
another rule also fired (`all+`, `all-`). Dropping a rule loses its `alone+` turns and
clears its `alone-` ones. `--worse` lists only rules that were more often wrong than
right when alone. Held-out sets are refused: no rule may be chosen by looking at them.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml
from evaluate_rules import BOOK, HELDOUT, SETS, import_gold, import_sets

from pdcode import api
from pdcode.autocode import RuleCoder
from pdcode.codebook import load_codebook
from pdcode.evaluation import Labelled, Span, units_with_codes
from pdcode.store import Project

KINDS = ("phrases", "patterns", "regex", "near")


def split_rules(codes: list[dict[str, Any]], origin: dict[str, tuple[str, str]]) -> list[Any]:
    """The code tree with every leaf replaced by one leaf per rule; ``origin`` maps
    each new id to its code and rule."""
    out: list[dict[str, Any]] = []
    for code in codes:
        if "children" in code:
            out.append({**code, "children": split_rules(code["children"], origin)})
            continue
        rules = code.get("rules") or {}
        n = 0
        for kind in KINDS:
            for rule in rules.get(kind) or []:
                new_id = f"{code['id']}_r{n}"
                n += 1
                origin[new_id] = (code["id"], f"{kind}: {rule}")
                new_rules: dict[str, Any] = {kind: [rule]}
                if rules.get("exclude_if"):
                    new_rules["exclude_if"] = rules["exclude_if"]
                out.append({**code, "id": new_id, "rules": new_rules})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    development = [s for s in SETS if s.startswith("dev")]
    parser.add_argument("--set", nargs="+", choices=development, default=development)
    parser.add_argument("--worse", action="store_true", help="only rules more often wrong alone")
    args = parser.parse_args()
    assert not set(args.set) & set(HELDOUT)
    raw = yaml.safe_load(BOOK.read_text("utf-8"))
    origin: dict[str, tuple[str, str]] = {}
    raw["codes"] = split_rules(raw["codes"], origin)
    with tempfile.TemporaryDirectory() as tmp:
        split = Path(tmp) / "split.yaml"
        split.write_text(yaml.safe_dump(raw, sort_keys=False), "utf-8")
        book = load_codebook(split)
        with Project.create(Path(tmp) / "audit.db") as project:
            import_sets(project, args.set)
            import_gold(project, args.set)
            rows = [r for r in project.segment_rows("turn") if not r["is_interviewer"]]
            gold = [
                Labelled(r["source"], r["start"], r["end"], r["code"])
                for r in api.codings(project, "gold")
            ]
    units = [Span(r["source"], r["start"], r["end"]) for r in rows]
    gold_sets = units_with_codes(units, gold)
    fired: dict[tuple[int, str], set[str]] = defaultdict(set)
    for i, hits in enumerate(RuleCoder(book).code(r["text"] for r in rows)):
        for hit in hits:
            fired[(i, origin[hit.code_id][0])].add(hit.code_id)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (i, code), rules in fired.items():
        right = code in gold_sets[i]
        for rule in rules:
            counts[rule].update({"all+" if right else "all-": 1})
            if len(rules) == 1:
                counts[rule].update({"alone+" if right else "alone-": 1})
    tp = sum(code in gold_sets[i] for i, code in fired)
    fp = len(fired) - tp
    fn = sum(len(g) for g in gold_sets) - tp
    print(f"{'+'.join(args.set)}: {len(units)} turns; TP {tp} FP {fp} FN {fn}")
    print(f"{'alone+':>7}{'alone-':>7}{'all+':>6}{'all-':>6}  {'code':<23}rule")
    for rule_id in sorted(counts, key=lambda r: (counts[r]["alone+"] - counts[r]["alone-"], r)):
        c = counts[rule_id]
        if args.worse and c["alone-"] <= c["alone+"]:
            continue
        code, rule = origin[rule_id]
        print(f"{c['alone+']:7d}{c['alone-']:7d}{c['all+']:6d}{c['all-']:6d}  {code:<23}{rule}")


if __name__ == "__main__":
    main()
