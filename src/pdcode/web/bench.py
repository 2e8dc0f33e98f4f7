"""What every request shares (the open project, the templates, and the small
formatting filters the templates use), and the bench as one request's person
uses it (:class:`Seat`)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse, JSONResponse

from pdcode import api
from pdcode.web.security import Person

HERE = Path(__file__).resolve().parent
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
FALLBACK_COLOUR = "#fde68a"


class Json(JSONResponse):
    """JSON as the api gives it (dates and other scalars as strings)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str
        ).encode("utf-8")


def solid(colour: object) -> str:
    """A codebook's colour if it is a plain ``#rgb``/``#rrggbb`` (it goes into a
    style attribute), else a default."""
    return colour if isinstance(colour, str) and _HEX.fullmatch(colour) else FALLBACK_COLOUR


def tint(colour: object) -> str:
    """The colour, translucent, for a background text stays readable on."""
    found = solid(colour)
    if len(found) == 4:
        found = "#" + "".join(ch * 2 for ch in found[1:])
    return found + "59"


def clock(seconds: object) -> str:
    """A turn's time in seconds as ``h:mm:ss`` ('' when it has none)."""
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def percent(share: object) -> str:
    """A share in [0, 1] as a percentage ('' when there is none)."""
    if not isinstance(share, int | float):
        return ""
    return f"{share * 100:.0f}%"


def ratio(value: object) -> str:
    """A proportion with two decimals ('–' when there is none)."""
    return f"{value:.2f}" if isinstance(value, int | float) else "–"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(solid=solid, tint=tint, clock=clock, percent=percent, ratio=ratio)
    return env


class Bench:
    """The workbench's state: one project, opened on first use (or at startup)
    and closed at shutdown. SQLAlchemy gives each api call its own connection, so
    the threads serving requests share it safely. Who is working is not here but
    in each request (:class:`Seat`): in team mode every request may be another
    person's."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.env = environment()
        self._project: api.Project | None = None
        self._lock = threading.Lock()

    @property
    def project(self) -> api.Project:
        with self._lock:
            if self._project is None:
                self._project = api.open_project(self.location)
            return self._project

    def close(self) -> None:
        with self._lock:
            if self._project is not None:
                self._project.close()
                self._project = None


@dataclass(frozen=True)
class Seat:
    """The bench as the person a request was admitted as uses it: the shared
    project, and the coder every write of the request is stored under."""

    bench: Bench
    person: Person

    @property
    def project(self) -> api.Project:
        return self.bench.project

    @property
    def coder(self) -> str:
        return self.person.coder

    def html(self, template: str, **context: Any) -> str:
        return self.bench.env.get_template(template).render(
            coder=self.person.coder,
            csrf=self.person.csrf,
            project=self.bench.location,
            **context,
        )

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.html(template, **context), status_code=status)
