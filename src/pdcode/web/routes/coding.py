"""The JSON API of hand coding: code a span, remove or recode one's own coding,
write a memo; and the codes for the type-ahead.

The coder of every write is the person the request's token admitted (the
``pdcode serve --coder`` of a server for one person, or in team mode the coder
whose token it is), never a field of the request.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pdcode.api import workbench
from pdcode.web.bench import Json
from pdcode.web.routes.common import bench_of, read_body, seat_of, text, whole


def codes(request: Request) -> Response:
    """GET ``/api/codes.json``: every codable code (id, name, definition, colour)."""
    return Json(workbench.codes(bench_of(request).project))


async def code(request: Request) -> Response:
    """POST ``/api/code`` ``{source, start, end, code}``: code ``text[start:end]``."""
    seat = seat_of(request)
    body = await read_body(request)
    source, wanted = text(body, "source"), text(body, "code")
    start, end = whole(body, "start"), whole(body, "end")
    assert source is not None and wanted is not None and start is not None and end is not None
    stored = await run_in_threadpool(
        workbench.code_span, seat.project, source, start, end, wanted, seat.coder
    )
    return Json(stored)


async def uncode(request: Request) -> Response:
    """POST ``/api/uncode`` ``{coding_id, expected_code}``: remove one's own coding."""
    seat = seat_of(request)
    body = await read_body(request)
    coding_id, expected = whole(body, "coding_id"), text(body, "expected_code")
    assert coding_id is not None and expected is not None
    await run_in_threadpool(workbench.uncode, seat.project, coding_id, seat.coder, expected)
    return Json({"removed": coding_id})


async def recode(request: Request) -> Response:
    """POST ``/api/recode`` ``{coding_id, expected_code, new_code}``."""
    seat = seat_of(request)
    body = await read_body(request)
    coding_id = whole(body, "coding_id")
    expected, new_code = text(body, "expected_code"), text(body, "new_code")
    assert coding_id is not None and expected is not None and new_code is not None
    await run_in_threadpool(
        workbench.recode, seat.project, coding_id, seat.coder, expected, new_code
    )
    return Json({"recoded": coding_id})


async def memo(request: Request) -> Response:
    """POST ``/api/memo`` ``{text, source? | coding_id?, title?}``."""
    seat = seat_of(request)
    body = await read_body(request)
    note = body.get("text")
    if not isinstance(note, str):
        note = ""  # the api says a memo needs some text
    source = text(body, "source", required=False)
    coding_id = whole(body, "coding_id", required=False)
    title = text(body, "title", required=False)
    memo_id = await run_in_threadpool(
        workbench.memo, seat.project, seat.coder, note, source, coding_id, title
    )
    return Json({"id": memo_id})
