"""How fast the workbench answers: the reader of a long transcript, and review
decisions posted in a row.

    python benchmarks/serve_bench.py [--words 10000] [--codings 500] [--decisions 1000]

Builds a seeded project: one transcript of about ``--words`` words carrying
exactly ``--codings`` codings (the rules' codings, topped up or cut down with a
person's codings of whole sentences), and enough further transcripts for the
rules to propose ``--decisions`` codings. Then, through the ASGI app in process
(Starlette's TestClient, so no network time is counted, but every request goes
through routing, the token and CSRF checks, the api, SQLite and Jinja2):

- renders the reader of the long transcript (best and median of 11 renders);
- posts ``--decisions`` review decisions in a row (accept, reject and change in
  turn), each answered with the next item, and reports their mean and 95th
  percentile.

Aims (issue 15): the reader under 300 ms; decisions under 50 ms each on average.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from code_bench import transcript

from pdcode import api
from pdcode.api import review, workbench

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "codebooks" / "pd-leadership.yaml"
TOKEN = "serve-bench-token"


def build(folder: Path, words: int, codings: int, decisions: int, seed: int) -> tuple[str, str]:
    """The project's path and the long transcript's source name."""
    rng = random.Random(seed)
    files = folder / "transcripts"
    files.mkdir()
    (files / "long.txt").write_text(transcript(rng, words), encoding="utf-8")
    location = str(folder / "bench.db")
    with api.init_project(location) as project:
        api.import_paths(project, [files / "long.txt"], api.ImportOptions())
        # Further transcripts for the rules to propose codings to review; long.txt
        # itself is left to a person (below), so it carries exactly `codings`.
        extra = proposed = 0
        while proposed < decisions + 50:
            extra += 1
            name = files / f"more{extra}.txt"
            name.write_text(transcript(rng, 20_000), encoding="utf-8")
            api.import_paths(project, [name], api.ImportOptions())
            coded = api.code_project(project, BOOK, unit="sentence", source=name.name)
            proposed = len(api.codings(project, coded.coder))
        # Two codes on each of the first respondent sentences, overlapping as
        # real coding does.
        codes = [c["code"] for c in workbench.codes(project)]
        sentences = [s for s in project.segments_of("long.txt", "sentence") if not s.is_interviewer]
        if 2 * len(sentences) < codings:
            raise SystemExit(f"long.txt holds too few sentences for {codings} codings")
        for i in range(codings):
            s = sentences[i // 2]
            code = codes[(i * 5) % len(codes)]
            workbench.code_span(project, "long.txt", s.start, s.end, code, "human:bench")
        print(
            f"project: long.txt ~{words:,} words, {codings} codings; {extra} more "
            f"transcripts with {proposed:,} rule codings"
        )
    return location, "long.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--codings", type=int, default=500)
    parser.add_argument("--decisions", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from pdcode.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        location, long = build(Path(tmp), args.words, args.codings, args.decisions, args.seed)
        app = create_app(location, "human:bench", TOKEN)
        with TestClient(app) as client:
            client.get("/", params={"token": TOKEN})  # sets the cookie
            page = client.get("/")
            csrf = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
            times = []
            for _ in range(11):
                start = time.perf_counter()
                shown = client.get("/reader", params={"source": long})
                times.append(time.perf_counter() - start)
                assert shown.status_code == 200, shown.status_code
            print(
                f"reader of {long}: best {min(times) * 1000:.1f} ms, "
                f"median {statistics.median(times) * 1000:.1f} ms "
                f"({len(shown.content):,} bytes of HTML)"
            )
            with api.open_project(location) as project:
                coder = workbench.overview(project)["machine_coders"][0]
                pending = list(review.queue(project, coder, "human:bench").pending)
                other = [c["code"] for c in workbench.codes(project)]
            took = []
            for i, coding_id in enumerate(pending[: args.decisions]):
                body: dict[str, object] = {
                    "coding_id": coding_id,
                    "decision": ("accept", "reject", "change")[i % 3],
                    "coder": coder,
                    "order": "code",
                }
                if i % 3 == 2:
                    body["new_code"] = other[i % len(other)]
                start = time.perf_counter()
                answer = client.post(
                    "/api/review/decide", json=body, headers={"X-CSRF-Token": csrf}
                )
                took.append(time.perf_counter() - start)
                if answer.status_code == 400 and i % 3 == 2:
                    continue  # the new code happened to equal the old one
                assert answer.status_code == 200, (answer.status_code, answer.text[:200])
            took.sort()
            print(
                f"{len(took)} review decisions: mean {statistics.mean(took) * 1000:.1f} ms, "
                f"p95 {took[int(len(took) * 0.95) - 1] * 1000:.1f} ms, "
                f"max {took[-1] * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
