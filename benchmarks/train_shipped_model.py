"""Train the suggestion model shipped with pdcode (`pdcode suggest --model pd-leadership`).

    python benchmarks/train_shipped_model.py [--sets SET [SET ...]] [--output PATH]

The sets' interviews and their gold coding (coder `gold`) are imported into a
fresh project exactly as benchmarks/evaluate_rules.py imports them; a model is
learned from the gold coding of the respondent turns (`pdcode learn --from gold
--unit turn`, the default parameters) and written to
src/pdcode/data/models/pd-leadership.json.gz: canonical JSON of the model's
record (plain data with its digest, never pickle) with the sets it was trained
on and the codebook its codes come from, gzipped without a time stamp, so the
same sets and library versions give the same bytes.

The default is every gold set (but heldout-author, see DEFAULT), development and
held-out alike: the model
shipped is trained on all the human coding there is, once the held-out score of
a model trained on the development sets alone has been taken
(benchmarks/evaluate_learning.py). Pass `--sets dev dev2 ... dev8` for a
provisional model trained on the development sets only.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

from evaluate_rules import BOOK, REPO, SETS, import_gold, import_sets

from pdcode.api import learning
from pdcode.codebook import content_hash, load_codebook
from pdcode.store import Project

NAME = "pd-leadership"
OUTPUT = REPO / "src" / "pdcode" / "data" / "models" / f"{NAME}.json.gz"
# Every gold set but `heldout-author`, whose four file names are those of another
# set's interviews (one project cannot hold two sources of one name).
DEFAULT = [s for s in SETS if s.startswith(("dev", "heldout")) and s != "heldout-author"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", nargs="+", choices=SETS, default=DEFAULT, help="gold sets")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sets = list(dict.fromkeys(args.sets))
    with tempfile.TemporaryDirectory() as tmp, Project.create(Path(tmp) / "train.db") as project:
        import_sets(project, sets)
        import_gold(project, sets)
        data = learning.training_data(project, ["gold"], "turn")
    sources = len({u.source for u in data.units})
    note = (
        f"shipped with pdcode: learned from the gold coding of the benchmark sets "
        f"{', '.join(sets)} ({sources} interviews, {len(data.units)} respondent turns)"
    )
    model = learning.fit(data, NAME, seed=args.seed, notes=[note])
    book = load_codebook(BOOK)
    codebook = {
        "file": BOOK.name,
        "name": book.name,
        "version": book.version,
        "sha256": content_hash(BOOK),
    }
    written = learning.write_shipped(args.output, NAME, model, "turn", ["gold"], codebook, sets)
    print(note)
    print(
        f"{len(model.codes_)} codes learned, {len(model.skipped_)} not "
        f"({', '.join(f'{c}: {n}' for c, n in model.skipped_.items()) or 'none'}); "
        f"{len(model.vocabulary_)} terms; model:{NAME}@{model.hash_}"
    )
    print(
        f"wrote {args.output} ({len(written):,} bytes, "
        f"sha256 {hashlib.sha256(written).hexdigest()})"
    )


if __name__ == "__main__":
    main()
