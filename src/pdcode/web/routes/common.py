"""What every route does the same way: find the bench and the person the request
was admitted as, tell a JSON request from a page request, read a JSON body and
its fields."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from pdcode.errors import UsageError
from pdcode.web.bench import Bench, Seat
from pdcode.web.security import Person

MAX_SKIP = 10_000
MAX_BODY = 1_000_000  # bytes; the largest write is a memo of 20,000 characters


def bench_of(request: Request) -> Bench:
    found = request.app.state.bench
    assert isinstance(found, Bench)
    return found


def seat_of(request: Request) -> Seat:
    """The bench as the request's person uses it. The person is whom the guard
    admitted the request as, by its token; nothing in the request can change it."""
    person = request.state.person
    assert isinstance(person, Person)
    return Seat(bench_of(request), person)


def wants_json(request: Request) -> bool:
    """A ``.json`` address or the JSON API (everything else is a page)."""
    path = request.url.path
    return path.endswith(".json") or path.startswith("/api/")


async def read_body(request: Request) -> dict[str, Any]:
    """The request's JSON object."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise UsageError(f"the request is over {MAX_BODY:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise UsageError(f"the request is over {MAX_BODY:,} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        body = json.loads(raw or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError("the request body is not JSON") from None
    if not isinstance(body, dict):
        raise UsageError("the request body must be a JSON object")
    return body


def text(body: dict[str, Any], key: str, required: bool = True) -> str | None:
    """A string field (None when absent and not required; '' counts as absent)."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise UsageError(f"the request lacks {key!r}")
        return None
    if not isinstance(value, str):
        raise UsageError(f"{key!r} must be a string")
    return value


def whole(body: dict[str, Any], key: str, required: bool = True) -> int | None:
    """A whole-number field (a JSON number, or a string of digits as a query gives)."""
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise UsageError(f"the request lacks {key!r}")
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{key!r} must be a whole number")
    return value


def ids(value: Any, key: str = "skip") -> tuple[int, ...]:
    """A list of coding ids: a JSON list, or a comma-separated string."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or len(value) > MAX_SKIP:
        raise UsageError(f"{key!r} must be a list of coding ids")
    return tuple(_id(v, key) for v in value)


def _id(value: Any, key: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{key!r} must be a list of coding ids")
    return value
