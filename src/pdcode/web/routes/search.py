"""The search page: every hit of a word, phrase or pattern in its context, each
linked into the reader; also as JSON at ``/search.json`` (exactly the api's data)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pdcode.api import search as searching
from pdcode.web.bench import Json
from pdcode.web.routes.common import seat_of, wants_json

_ON = ("1", "on", "true", "yes")


def page(request: Request) -> Response:
    """A form; with ``q``, the first hits of the search it asks for and the counts."""
    seat = seat_of(request)
    params = request.query_params
    query = params.get("q", "")
    regex = params.get("regex", "") in _ON
    strand = params.get("strand") or None
    speaker = params.get("speaker") or None
    respondents = params.get("respondents", "") in _ON
    code = params.get("code") or None
    data = searching.search_page(
        seat.project,
        query or None,
        regex=regex,
        strand=strand,
        speaker=speaker,
        respondents_only=respondents,
        code=code,
    )
    form = {
        "q": query,
        "regex": regex,
        "strand": strand,
        "speaker": speaker,
        "respondents": respondents,
        "code": code,
    }
    if wants_json(request):
        return Json(data)
    return seat.page("search.html", data=data, form=form)
