"""The workbench screenshots in docs/workbench.md, taken by a real browser.

    python benchmarks/screenshots.py [--out docs/images]

Builds the sample project (`pdcode demo`) in a temporary folder, adds one hand
coding by `human:jo` and twelve review decisions (random order, seed 0) through
the api, serves it with `pdcode serve --coder jo`, and has headless Chromium
(Debian's /usr/bin/chromium, through Playwright; nothing is downloaded) save, at
a 1280-pixel-wide viewport:

- workbench-project.png: the project page;
- workbench-reader.png: a transcript with its codings, words selected with the
  mouse and the code picker open;
- workbench-code.png: a code page, excerpts by strand;
- workbench-review.png: the review queue with an item and the running precision.

The same inputs give the same pages; the PNG bytes can still differ between
Chromium versions and fonts. Each is saved with 256 colours (Pillow, which
matplotlib brings), so it stays well under 300 KB.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RULES = "rules:pd-leadership@1.0.0"
READER = "s1_programme_designer.txt"
CODE = "vision_led"
TOKEN = "screenshots"


def prepare(folder: Path) -> Path:
    """The sample project with one coding by human:jo and twelve decisions."""
    from pdcode import api
    from pdcode.api import review, workbench

    api.run_demo(folder)
    location = folder / "pdcode.db"
    with api.open_project(location) as project:
        text = project.source_text(READER)
        start = text.index("The schools that get the most out of us")
        end = text.index("into that plan.") + len("into that plan.")
        workbench.code_span(project, READER, start, end, CODE, "human:jo")
        pending = review.queue(project, RULES, "human:jo", "random", 0).pending
        for i, coding_id in enumerate(pending[:12]):
            review.decide(project, coding_id, "human:jo", "reject" if i % 4 == 3 else "accept")
    return location


def save(page: Any, path: Path, full_page: bool = False) -> None:
    """A screenshot as a PNG of 256 colours (a third of the size; the swatches
    keep their colours)."""
    from PIL import Image

    shot = Image.open(io.BytesIO(page.screenshot(full_page=full_page))).convert("RGB")
    few = shot.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    few.save(path, optimize=True)


def shoot(out: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO))
    from tests.browser_support import CHROMIUM_ARGS, drag_select, start_server

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pdcode-shots-") as tmp:
        folder = Path(tmp)
        prepare(folder)
        # Served from its folder as `-p pdcode.db`, so the header shows that name.
        server = start_server(Path("pdcode.db"), "jo", TOKEN, cwd=folder)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 860})
                page = context.new_page()
                page.goto(server.with_token("/"))
                save(page, out / "workbench-project.png", full_page=True)

                page.goto(server.url(f"/reader?source={READER}"))
                from pdcode import api

                with api.open_project(folder / "pdcode.db") as project:
                    text = project.source_text(READER)
                start = text.index("national programme for subject leaders")
                end = text.index("about four cohorts") + len("about four cohorts")
                drag_select(page, start, end)
                page.locator("#picker").wait_for(state="visible")
                page.keyboard.type("lead")
                page.evaluate("() => window.scrollTo(0, 0)")
                page.mouse.move(5, 5)
                save(page, out / "workbench-reader.png")

                page.goto(server.url(f"/code?code={CODE}"))
                save(page, out / "workbench-code.png")

                page.goto(server.url(f"/review?coder={RULES}&order=random&seed=0"))
                page.locator("article.item").wait_for()
                save(page, out / "workbench-review.png", full_page=True)
                browser.close()
        finally:
            status, printed = server.stop()
            if status != 0:
                raise SystemExit(f"pdcode serve ended with status {status}:\n{printed}")
    for name in sorted(out.glob("workbench-*.png")):
        print(f"{name}: {name.stat().st_size / 1024:.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    shoot(args.out, args.chromium)


if __name__ == "__main__":
    main()
