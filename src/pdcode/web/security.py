"""The guard in front of every request: the access token, CSRF, strict headers,
and server faults reported without what they might quote.

- Every request carries an access token: once in the address (``?token=...``),
  which sets an HttpOnly, SameSite=Strict cookie and redirects to the same address
  without it, then in that cookie. Static files too. The token admits the request
  as a :class:`Person`: the one the server was started for (the token
  ``pdcode serve`` printed), or in team mode the coder whose token it is, looked up
  afresh for every request so that a revoked token fails at once.
- Every request that is not GET or HEAD is a write: it must carry the header
  ``X-CSRF-Token`` equal to :func:`csrf_for` of the token that admitted it (every
  page holds it in ``<meta name="csrf-token">``), so one person's page cannot
  write as another, and an ``Origin`` header, when sent, must be the server's own.
- Who a request is, is only ever what its token says: routes read it from the
  request's state (``person``), never from a field of the request.
- Every response gets a strict Content-Security-Policy (no inline script) and
  the other headers in :data:`HEADERS`.
- An unexpected exception answers a plain 500 page; the log gets its type and the
  file:line of its frames only, never its message or locals, which could quote
  interview text.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pdcode.errors import PdcodeError

COOKIE = "pdcode_token"
CSRF_HEADER = "x-csrf-token"
NEEDS_TOKEN = (
    "This workbench needs its access token: use the address `pdcode serve` printed, "
    "or your own link (`pdcode coder add`)."
)
FAULT = "Something went wrong; the server log has the details."
NO_CSRF = "refused: the request lacks this workbench's CSRF token; reload the page"
SAFE_METHODS = ("GET", "HEAD")
HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cache-Control", "no-store"),
)
_RAW_HEADERS = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS]
_CSRF_LABEL = b"pdcode workbench csrf v1"

logger = logging.getLogger("pdcode.web")

# A token to the coder it admits (their bare name), or None: the whole access rule.
Admit = Callable[[str], str | None]


@dataclass(frozen=True)
class Person:
    """Whom a request was admitted as: the coder every write is stored under, and
    the CSRF value of their token."""

    coder: str
    csrf: str


def one_person(coder: str, token: str) -> Admit:
    """The rule of a server for one person: ``token`` (compared in constant time)
    admits ``coder``; anything else nobody."""

    def admit(given: str) -> str | None:
        return coder if same(given, token) else None

    return admit


def csrf_for(token: str) -> str:
    """The CSRF value of a token (the server's, or in team mode one coder's): an
    HMAC-SHA256 of it with a fixed label, as stable as the token and not the token
    itself."""
    return hmac.new(token.encode("utf-8"), _CSRF_LABEL, hashlib.sha256).hexdigest()


def same(given: str | None, expected: str) -> bool:
    """``given == expected`` in constant time (False when nothing was given)."""
    if given is None:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "replace"), expected.encode("utf-8", "replace")
    )


def log_fault(exc: BaseException) -> None:
    """Log an unexpected exception by its type and where it happened: no message,
    no locals (either may hold interview text)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = "; ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in frames)
    logger.error("internal error %s at %s", type(exc).__name__, where or "?")


def without_token(request: Request) -> str:
    """The request's own address (path and query, no host) minus ``token``."""
    raw = request.scope.get("raw_path") or request.url.path.encode("utf-8")
    path = "/" + raw.decode("latin-1").lstrip("/")  # never `//host`: stays on this server
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    return f"{path}?{query}" if query else path


class Guard:
    """ASGI middleware applying the token, CSRF and header rules to every request.

    ``admit`` may read the project (team mode), so it runs in a worker thread."""

    def __init__(self, app: ASGIApp, admit: Admit) -> None:
        self.app = app
        self.admit = admit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", ()), *_RAW_HEADERS]}
            await send(message)

        try:
            request = Request(scope)
            given = request.query_params.get("token")
            in_address = given is not None
            if given is None:
                given = request.cookies.get(COOKIE)
            try:
                coder = await run_in_threadpool(self.admit, given) if given else None
            except PdcodeError as exc:  # the project cannot be read: say so, as pages do
                await PlainTextResponse(exc.message, status_code=503)(scope, receive, secured)
                return
            refusal = self.refusal(request, given, coder, in_address)
            if refusal is not None:
                await refusal(scope, receive, secured)
                return
            assert given is not None and coder is not None
            # A fresh dict: the server's state is shared by every request.
            scope["state"] = {**scope.get("state", {}), "person": Person(coder, csrf_for(given))}
            await self.app(scope, receive, secured)
        except Exception as exc:
            log_fault(exc)
            if not started:
                await PlainTextResponse(FAULT, status_code=500)(scope, receive, secured)

    def refusal(
        self, request: Request, given: str | None, coder: str | None, in_address: bool
    ) -> Response | None:
        """The answer to a request that may not go on, or None when it may."""
        if given is None or coder is None:
            return PlainTextResponse(NEEDS_TOKEN, status_code=403)
        if in_address and request.method in SAFE_METHODS:
            # Trade the token in the address for a cookie, and take it out of the
            # address bar and the history.
            answer = RedirectResponse(without_token(request), status_code=303)
            # Secure when the browser came over HTTPS (a reverse proxy with TLS that
            # says so in X-Forwarded-Proto), so the cookie never goes out in clear.
            secure = request.url.scheme == "https"
            answer.set_cookie(
                COOKIE, given, path="/", httponly=True, samesite="strict", secure=secure
            )
            return answer
        if request.method in SAFE_METHODS:
            return None
        origin = request.headers.get("origin")
        if origin is not None and origin != own_origin(request):
            return JSONResponse({"error": "refused: the request came from another site"}, 403)
        if not same(request.headers.get(CSRF_HEADER), csrf_for(given)):
            return JSONResponse({"error": NO_CSRF}, 403)
        return None


def own_origin(request: Request) -> str:
    """``scheme://host[:port]`` as the browser addressed this server."""
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}"
