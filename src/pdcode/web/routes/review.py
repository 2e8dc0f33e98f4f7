"""Reviewing a machine coder's codings one at a time.

The page shows the next undecided coding; each decision (or skip, or undo) is
answered with the next item as an HTML fragment rendered here (escaped by
Jinja2), which the page's script swaps in without a reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pdcode.api import review, workbench
from pdcode.errors import ConflictError, UsageError
from pdcode.web.bench import Json, Seat
from pdcode.web.routes.common import ids, read_body, seat_of, text, wants_json, whole


@dataclass(frozen=True)
class Params:
    """Which queue: the machine coder, its order, seed, code filter and skips."""

    coder: str
    order: str = "code"
    seed: int = 0
    code: str | None = None
    skip: tuple[int, ...] = ()

    @classmethod
    def read(cls, given: dict[str, Any]) -> Params:
        coder = text(given, "coder")
        assert coder is not None
        return cls(
            coder=coder,
            order=text(given, "order", required=False) or "code",
            seed=whole(given, "seed", required=False) or 0,
            code=text(given, "code", required=False),
            skip=ids(given.get("skip")),
        )


def state(seat: Seat, params: Params, show: int | None = None) -> dict[str, Any]:
    """The queue, the item to show (``show`` if still pending, else the next),
    and the summary once nothing is left: the api's data for the page."""
    project = seat.project
    found = review.queue(
        project, params.coder, seat.coder, params.order, params.seed, params.code, params.skip
    )
    current = show if show is not None and show in found.pending else found.next_id
    item = review.item(project, current) if current is not None else None
    summary = None
    if item is None:
        summary = [t.row() for t in review.summary(project, params.coder, seat.coder)]
    return {
        "queue": {
            "coder": found.coder,
            "reviewer": found.reviewer,
            "order": found.order,
            "total": found.total,
            "decided": found.decided,
            "pending": list(found.pending),
            "next_id": found.next_id,
            "tallies": [t.row() for t in found.tallies],
        },
        "item": item,
        "summary": summary,
    }


def _marked(base: int, body: str, item: dict[str, Any]) -> list[tuple[str, str]]:
    """``body`` (starting at offset ``base``) cut into (kind, text): plain, the
    coded span, and the words the rule matched inside it."""
    end = base + len(body)
    start, stop = item["start"], item["end"]
    m_start, m_end = item.get("match_start"), item.get("match_end")
    cuts = {base, end}
    for x in (start, stop, m_start, m_end):
        if isinstance(x, int) and base < x < end:
            cuts.add(x)
    out = []
    for a, b in pairwise(sorted(cuts)):
        if m_start is not None and m_end is not None and m_start <= a and b <= m_end:
            kind = "matched"
        elif start <= a and b <= stop:
            kind = "coded"
        else:
            kind = "plain"
        out.append((kind, body[a - base : b - base]))
    return out


def view(data: dict[str, Any], params: Params) -> dict[str, Any]:
    """What the fragment template needs beyond the api's data."""
    item = data["item"]
    shown: dict[str, Any] = {
        "params": params,
        "queue": data["queue"],
        "summary": data["summary"],
        "item": item,
    }
    if item is None:
        return shown
    turns = item["turns"]
    holding = (
        turns[-1] if turns and turns[-1]["start"] <= item["start"] < turns[-1]["end"] else None
    )
    before = turns[-2] if holding is not None and len(turns) > 1 else None
    if holding is not None:
        segments = _marked(holding["start"], holding["text"], item)
    else:
        segments = _marked(item["start"], item["text"], item)
    return {
        **shown,
        "item": item,
        "definition": item["definition"] or {"name": item["code"]},
        "holding": holding,
        "before": before,
        "segments": segments,
        "continues": holding is not None and item["end"] > holding["end"],
    }


def fragment(seat: Seat, data: dict[str, Any], params: Params) -> str:
    return seat.html("_review.html", r=view(data, params))


def _answer(seat: Seat, data: dict[str, Any], params: Params) -> dict[str, Any]:
    return {
        "html": fragment(seat, data, params),
        "decided": data["queue"]["decided"],
        "total": data["queue"]["total"],
        "next_id": data["item"]["id"] if data["item"] else None,
    }


def page(request: Request) -> Response:
    """``/review``: the machine coders; ``/review?coder=...``: their queue."""
    seat = seat_of(request)
    query = dict(request.query_params)
    if not query.get("coder"):
        return _index(request, seat)
    params = Params.read(query)
    data = state(seat, params)
    if wants_json(request):
        return Json(data)
    return seat.page(
        "review.html",
        r=view(data, params),
        codes=workbench.codes(seat.project),
    )


def _index(request: Request, seat: Seat) -> Response:
    coders = workbench.overview(seat.project)["machine_coders"]
    rows = []
    for coder in coders:
        found = review.queue(seat.project, coder, seat.coder)
        rows.append({"coder": coder, "total": found.total, "decided": found.decided})
    data = {"reviewer": seat.coder, "machine_coders": rows}
    if wants_json(request):
        return Json(data)
    return seat.page("review_index.html", data=data)


def upcoming(request: Request) -> Response:
    """GET ``/api/review/next``: the next item (after a skip), as a fragment."""
    seat = seat_of(request)
    params = Params.read(dict(request.query_params))
    show = whole(dict(request.query_params), "show", required=False)
    return Json(_answer(seat, state(seat, params, show), params))


async def decide(request: Request) -> Response:
    """POST ``/api/review/decide``: store a decision, answer with the next item.
    A conflict (decided in another tab, coding replaced) is a 409 that carries
    the next item too."""
    seat = seat_of(request)
    body = await read_body(request)
    params = Params.read(body)
    coding_id = whole(body, "coding_id")
    decision = text(body, "decision")
    new_code = text(body, "new_code", required=False)
    assert coding_id is not None and decision is not None
    start, end = (
        whole(body, "expect_start", required=False),
        whole(body, "expect_end", required=False),
    )
    code = text(body, "expect_code", required=False)
    expect = (start, end, code) if start is not None and end is not None and code else None

    def work() -> tuple[str | None, dict[str, Any]]:
        problem = None
        try:
            review.decide(seat.project, coding_id, seat.coder, decision, new_code, expect)
        except ConflictError as exc:
            problem = exc.message
        data = state(seat, params)
        return problem, {**_answer(seat, data, params), "coding_id": coding_id}

    problem, answer = await run_in_threadpool(work)
    if problem is not None:
        return Json({"error": problem, **answer}, status_code=409)
    return Json(answer)


async def undo(request: Request) -> Response:
    """POST ``/api/review/undo``: take back the reviewer's newest decision on
    this coder's codings; show ``show`` (the coding it was on, as the page
    remembers it) when it is pending again."""
    seat = seat_of(request)
    body = await read_body(request)
    params = Params.read(body)
    show = whole(body, "show", required=False)

    def work() -> dict[str, Any]:
        undone = review.undo_last(seat.project, params.coder, seat.coder)
        answer = _answer(seat, state(seat, params, show), params)
        return {**answer, "undone": undone}

    answer = await run_in_threadpool(work)
    if answer["undone"] is None:
        raise UsageError("nothing to undo: no decision of yours on these codings")
    return Json(answer)
