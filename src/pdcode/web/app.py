"""The ASGI app of the workbench: routes, the guard, error pages, the project's
lifetime."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from pdcode.api import coders
from pdcode.api.review import human_coder
from pdcode.errors import ConflictError, PdcodeError, ProjectError, StorageError
from pdcode.web.bench import HERE, Bench, Json
from pdcode.web.routes import coding, pages, review, search
from pdcode.web.routes.common import seat_of, wants_json
from pdcode.web.security import Admit, Guard, one_person

_NOT_FOUND = re.compile(r"no (source|code|coding|project)\b|.*: no project here")


def status_of(exc: PdcodeError) -> int:
    """The HTTP status of a problem the user can fix."""
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, StorageError):
        return 503
    if isinstance(exc, ProjectError) and _NOT_FOUND.match(exc.message):
        return 404
    return 400


async def _problem(request: Request, exc: Exception) -> Response:
    """A ``PdcodeError`` as its message (never interview text, by design)."""
    assert isinstance(exc, PdcodeError)
    status = status_of(exc)
    if wants_json(request):
        return Json({"error": exc.message}, status_code=status)
    return seat_of(request).page("error.html", status=status, message=exc.message)


def routes() -> list[BaseRoute]:
    """Every page at its address and with ``.json``; the JSON API; static files."""
    return [
        Route("/", pages.index),
        Route("/.json", pages.index),
        Route("/index.json", pages.index),
        Route("/reader", pages.reader),
        Route("/reader.json", pages.reader),
        Route("/code", pages.code),
        Route("/code.json", pages.code),
        Route("/search", search.page),
        Route("/search.json", search.page),
        Route("/review", review.page),
        Route("/review.json", review.page),
        Route("/api/codes.json", coding.codes),
        Route("/api/code", coding.code, methods=["POST"]),
        Route("/api/uncode", coding.uncode, methods=["POST"]),
        Route("/api/recode", coding.recode, methods=["POST"]),
        Route("/api/memo", coding.memo, methods=["POST"]),
        Route("/api/review/next", review.upcoming),
        Route("/api/review/decide", review.decide, methods=["POST"]),
        Route("/api/review/undo", review.undo, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(project_location: str, coder: str, token: str) -> Starlette:
    """The workbench of one person over the project at ``project_location``: every
    request needs ``token``, and hand coding and decisions are stored as ``coder``
    (``human:NAME``)."""
    if not token:
        raise ValueError("the workbench needs a token")
    return _app(Bench(project_location), one_person(human_coder(coder), token))


def create_team_app(project_location: str) -> Starlette:
    """The workbench of a team (``pdcode coder add``) over the project at
    ``project_location``: a request is admitted by any active coder's token,
    looked up in the project for every request (a revoked token fails on its next
    request), and what it writes is stored as that coder."""
    bench = Bench(project_location)

    def admit(given: str) -> str | None:
        return coders.person(bench.project, given)

    return _app(bench, admit)


def _app(bench: Bench, admit: Admit) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        bench.project  # noqa: B018  open at startup: a bad project shows at once
        try:
            yield
        finally:
            bench.close()

    app = Starlette(
        routes=routes(),
        middleware=[Middleware(Guard, admit=admit)],
        exception_handlers={PdcodeError: _problem},
        lifespan=lifespan,
    )
    app.state.bench = bench
    return app
