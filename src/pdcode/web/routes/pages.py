"""The project page, the source reader and the code page; each also as JSON at
the same address with ``.json`` (exactly the api's data)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pdcode.api import workbench
from pdcode.errors import UsageError
from pdcode.web.bench import Json, tint
from pdcode.web.routes.common import seat_of, wants_json


def index(request: Request) -> Response:
    """Sources by strand and case with coding progress, codebooks, machine coders
    and codes."""
    seat = seat_of(request)
    data = {**workbench.overview(seat.project), "codes": workbench.codes(seat.project)}
    if wants_json(request):
        return Json(data)
    return seat.page("index.html", data=data, strands=by_strand(data["sources"]))


def by_strand(sources: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sources grouped by strand, then case (those without one last)."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for s in sources:
        grouped.setdefault(s["strand"] or "", {}).setdefault(s["case"] or "", []).append(s)
    return [
        {
            "strand": strand or None,
            "cases": [
                {"case": case or None, "sources": sorted(found, key=lambda s: s["name"])}
                for case, found in sorted(grouped[strand].items(), key=lambda kv: _last(kv[0]))
            ],
        }
        for strand in sorted(grouped, key=_last)
    ]


def _last(key: str) -> tuple[bool, str]:
    return key == "", key


def reader(request: Request) -> Response:
    """A source as speaker turns, its codings in the margin, its memos."""
    seat = seat_of(request)
    source = request.query_params.get("source")
    if not source:
        raise UsageError("which source? Open /reader?source=NAME (the project page links each)")
    chosen = [c for c in request.query_params.getlist("coder") if c]
    data = workbench.reader(seat.project, source, chosen or None)
    if wants_json(request):
        return Json(data)
    by_id = {k["id"]: k for k in data["codings"]}
    names = {k["id"]: k["name"] for k in data["codings"]}
    return seat.page(
        "reader.html",
        data=data,
        chosen=chosen,
        turns=[_turn(t, by_id) for t in data["turns"]],
        memos=[
            {**m, "on": names.get(m["coding_id"], "a coding") if m["coding_id"] else None}
            for m in data["memos"]
        ],
        codes=workbench.codes(seat.project),
        script={
            "source": data["source"]["name"],
            "coder": seat.coder,
            "codings": data["codings"],
            "memos": data["memos"],
        },
    )


def _turn(turn: dict[str, Any], by_id: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A turn ready to render: each piece with the colour of its first code and
    the names of all of them, and the codings overlapping it for the margin."""
    pieces = []
    for p in turn["pieces"]:
        on = [by_id[i] for i in p["codings"]]
        pieces.append(
            {
                "start": p["start"],
                "end": p["end"],
                "text": p["text"],
                "bg": tint(on[0]["colour"]) if on else None,
                "title": "; ".join(f"{k['name']} ({k['coder']})" for k in on),
                "ids": " ".join(str(k["id"]) for k in on),
            }
        )
    return {**turn, "pieces": pieces, "margin": [by_id[i] for i in turn["codings"]]}


def code(request: Request) -> Response:
    """One code: its definition, and every excerpt coded with it by strand."""
    seat = seat_of(request)
    wanted = request.query_params.get("code")
    if not wanted:
        raise UsageError("which code? Open /code?code=ID (the project page links each)")
    coder = request.query_params.get("coder") or None
    data = workbench.code_page(seat.project, wanted, coder)
    if wants_json(request):
        return Json(data)
    coders = sorted({e["coder"] for s in data["strands"] for e in s["excerpts"]})
    return seat.page("code.html", data=data, coder_filter=coder, coders=coders)
