"""Helpers for the browser tests: `pdcode serve` as a subprocess, Debian's
Chromium through Playwright, and real mouse gestures over the reader's text.

Nothing here downloads a browser: Playwright drives the Chromium the system
has (``/usr/bin/chromium`` on Debian; CI installs it with apt).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.postgres_support import located

# Chromium as root in CI needs --no-sandbox; the rest keep it off the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVING = re.compile(r"^Serving .* at (http://127\.0\.0\.1:(\d+)/)\?token=(\S+)$")


@dataclass
class Server:
    """A running `pdcode serve`: its address (without the token), its token,
    the project it serves and every line it has printed so far."""

    process: subprocess.Popen[str]
    base: str
    token: str
    location: Path
    lines: list[str]
    reader: threading.Thread

    def url(self, path: str = "/") -> str:
        return self.base.rstrip("/") + path

    def with_token(self, path: str = "/") -> str:
        joiner = "&" if "?" in path else "?"
        return f"{self.url(path)}{joiner}token={self.token}"

    def stop(self, timeout: float = 20) -> tuple[int, str]:
        """Ctrl-C (SIGINT) the server; its exit status and everything it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            status = -signal.SIGKILL
        self.reader.join(timeout=5)
        return status, "\n".join(self.lines)


def start_server(
    location: Path, coder: str, token: str, cwd: Path | None = None, timeout: float = 30
) -> Server:
    """Start ``python -m pdcode serve -p LOCATION --port 0 --coder CODER`` with
    ``PDCODE_SERVE_TOKEN`` set and wait (at most ``timeout`` seconds) for the
    line with its address. Its output (stdout and stderr) is read all along, so a
    chatty server never blocks on a full pipe."""
    env = {**os.environ, "PDCODE_SERVE_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "pdcode", "serve", "-p", located(location)]
    process = subprocess.Popen(
        [*command, "--port", "0", "--coder", coder],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
    )
    assert process.stdout is not None
    stdout = process.stdout
    printed: list[str] = []
    arrived: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stdout:
            printed.append(line.rstrip("\n"))
            arrived.put(printed[-1])
        arrived.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                line = arrived.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(
                    f"pdcode serve printed no address in {timeout:.0f} s:\n" + "\n".join(printed)
                ) from None
            if line is None:
                raise RuntimeError("pdcode serve ended before serving:\n" + "\n".join(printed))
            found = SERVING.match(line)
            if found:
                return Server(process, found.group(1), found.group(3), location, printed, reader)
    except BaseException:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=5)
        raise


# The viewport box of the character at code-point offset ``offset`` of the stored
# text, found through the reader's pieces (span.t holding text[data-s:data-e]).
_CHAR_BOX = """
(offset) => {
  for (const span of document.querySelectorAll("#turns span.t")) {
    const s = Number(span.dataset.s), e = Number(span.dataset.e);
    if (offset < s || offset >= e) continue;
    const node = span.firstChild;
    const points = Array.from(node.data);
    const before = points.slice(0, offset - s).join("").length;
    const range = document.createRange();
    range.setStart(node, before);
    range.setEnd(node, before + points[offset - s].length);
    const r = range.getClientRects()[0] || range.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, ch: points[offset - s] };
  }
  return null;
}
"""


def char_box(page: Any, offset: int) -> dict[str, Any]:
    """Where the character at ``offset`` of the stored text is on the screen."""
    box = page.evaluate(_CHAR_BOX, offset)
    if box is None:
        raise AssertionError(f"no piece of the reader holds offset {offset}")
    return dict(box)


def drag_select(page: Any, start: int, end: int) -> None:
    """Select ``text[start:end]`` the way a person does: press the mouse on the
    left edge of its first character, drag, release on the right edge of its
    last. (The page is scrolled so the first character is in view.)"""
    page.evaluate(
        "(offset) => { for (const s of document.querySelectorAll('#turns span.t')) {"
        " if (Number(s.dataset.s) <= offset && offset < Number(s.dataset.e)) {"
        " s.scrollIntoView({block: 'center'}); return; } } }",
        start,
    )
    first, last = char_box(page, start), char_box(page, end - 1)
    y1 = (first["top"] + first["bottom"]) / 2
    y2 = (last["top"] + last["bottom"]) / 2
    page.mouse.move(first["left"] + 1, y1)
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, (y1 + y2) / 2, steps=3)
    page.mouse.move(last["right"] - 1, y2, steps=3)
    page.mouse.up()


def selection_text(page: Any) -> str:
    """What the browser itself says is selected."""
    return str(page.evaluate("() => window.getSelection().toString()"))
