"""What the workbench shows and the hand coding it does: one function per page or
action, each returning plain data (the web layer renders it, and serves it as JSON).

Offsets are code points into the stored text, exactly as everywhere else: a span
coded in the browser is ``text[start:end]`` of the stored source.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from pdcode.errors import UsageError
from pdcode.store import Project, handcoding
from pdcode.store import memos as memo_store
from pdcode.store import workbench as page_store

MACHINE = ("rules:", "model:", "topics:")
# Colours for codes their codebook gives none: light enough to read text through.
PALETTE = (
    "#fde68a", "#bfdbfe", "#bbf7d0", "#fecaca", "#ddd6fe", "#fbcfe8",
    "#a5f3fc", "#fed7aa", "#d9f99d", "#e9d5ff", "#c7d2fe", "#fef08a",
)  # fmt: skip
MEMO_LIMIT = 20_000  # characters; a memo is a note, not a document


def codes(project: Project) -> list[dict[str, Any]]:
    """Every codable code (newest codebook's definition wins), in codebook order:
    code, name, definition, colour, parent, codebook, retired — for pickers and
    legends (a retired code keeps its colour for its codings, but pickers do not
    offer it for new ones)."""
    seen: dict[str, dict[str, Any]] = {}
    for row in page_store.code_rows(project):
        if row["is_group"] or row["code"] in seen:
            continue
        seen[row["code"]] = {
            "code": row["code"],
            "name": row["name"],
            "definition": row["definition"] or "",
            "colour": row["colour"],
            "parent": row["parent"],
            "codebook": f"{row['codebook']}@{row['version']}",
            "retired": bool(row["retired"]),
        }
    found = list(seen.values())
    for i, code in enumerate(found):
        code["colour"] = code["colour"] or PALETTE[i % len(PALETTE)]
    return found


def code_details(project: Project) -> dict[str, dict[str, Any]]:
    """Each code's name, definition, colour, and the include, exclude and examples
    its stored codebook gives (empty where a codebook has none)."""
    found = {c["code"]: {**c, "include": "", "exclude": "", "examples": []} for c in codes(project)}
    for code, extra in _stored_details(tuple(page_store.codebook_contents(project))).items():
        if code in found:
            found[code].update(extra)
    return found


@lru_cache(maxsize=8)
def _stored_details(books: tuple[tuple[str, str, str], ...]) -> dict[str, dict[str, Any]]:
    """Include, exclude and examples per code id from the stored codebooks' YAML
    (newest first, so the first seen wins). Cached on the contents: the review
    queue asks for every item, and parsing the YAML costs more than the rest."""
    from pdcode.codebook.validate import read_stored

    found: dict[str, dict[str, Any]] = {}
    for name, _version, content in books:
        data = read_stored(content, name)
        stack = list(data.get("codes") or []) if isinstance(data, dict) else []
        while stack:
            item = stack.pop()
            if not isinstance(item, dict):
                continue
            stack += [c for c in item.get("children") or [] if isinstance(c, dict)]
            code = item.get("id")
            if not isinstance(code, str) or code in found:
                continue
            extra: dict[str, Any] = {}
            for key in ("include", "exclude"):
                if isinstance(item.get(key), str):
                    extra[key] = item[key]
            examples = item.get("examples")
            if isinstance(examples, list):
                extra["examples"] = [str(e) for e in examples]
            found[code] = extra
    return found


def overview(project: Project) -> dict[str, Any]:
    """The project page: sources by strand and case with their counts and, per
    coder, the share of respondent turns carrying any of that coder's codes."""
    from pdcode.api.project import list_sources
    from pdcode.store import frames

    covered = page_store.coded_turns(project)
    coders = frames.known_coders(project)
    sources = []
    for s in list_sources(project):
        done = covered.get(s.name, {})
        sources.append(
            {
                "name": s.name,
                "strand": s.strand,
                "case": s.case,
                "format": s.format,
                "turns": s.turns,
                "respondent_turns": s.respondent_turns,
                "words": s.words,
                "progress": {
                    coder: round(done[coder] / s.respondent_turns, 4)
                    for coder in coders
                    if coder in done and s.respondent_turns
                },
            }
        )
    books: dict[str, int] = {}
    for c in codes(project):
        books[c["codebook"]] = books.get(c["codebook"], 0) + 1
    return {
        "project": project.location,
        "sources": sources,
        "codebooks": [{"codebook": k, "codes": n} for k, n in books.items()],
        "coders": coders,
        "machine_coders": [c for c in coders if c.startswith(MACHINE)],
    }


def _pieces(start: int, end: int, text: str, spans: Sequence[dict[str, Any]]) -> list[Any]:
    """A turn cut at every coding boundary inside it: each piece with its offsets,
    its text and the ids of the codings covering it."""
    cuts = {start, end}
    for k in spans:
        cuts.update(x for x in (k["start"], k["end"]) if start < x < end)
    edges = sorted(cuts)
    pieces = []
    for a, b in pairwise(edges):
        covering = [k["id"] for k in spans if k["start"] < b and a < k["end"]]
        pieces.append({"start": a, "end": b, "text": text[a:b], "codings": covering})
    return pieces


def reader(project: Project, source: str, coders: Sequence[str] | None = None) -> dict[str, Any]:
    """A source as turns cut into pieces at coding boundaries, its codings (of the
    ``coders`` given, or all) and its memos."""
    from pdcode.store import codings as coding_store

    info = page_store.source_row(project, source)
    text = info.pop("text")
    turns = project.segments_of(source, "turn") or project.segments_of(source, "paragraph")
    everyone = coding_store.coding_rows(project, source=source)
    present = sorted({k["coder"] for k in everyone})
    if coders:
        unknown = [c for c in coders if c not in present]
        if unknown:
            raise UsageError(
                f"no codings by {', '.join(unknown)} in {source} "
                f"(coders here: {', '.join(present) or 'none'})"
            )
    shown = [k for k in everyone if not coders or k["coder"] in coders]
    colours = {c["code"]: c for c in codes(project)}
    listed = [
        {
            "id": k["id"],
            "start": k["start"],
            "end": k["end"],
            "code": k["code"],
            "name": colours.get(k["code"], {}).get("name", k["code"]),
            "colour": colours.get(k["code"], {}).get("colour", PALETTE[0]),
            "coder": k["coder"],
            "provenance": k["provenance"],
            "rule": k["rule"],
            "text": k["text"],
        }
        for k in shown
    ]
    rendered = []
    for t in turns:
        inside = [k for k in listed if k["start"] < t.end and t.start < k["end"]]
        rendered.append(
            {
                "index": t.index,
                "speaker": t.speaker,
                "is_interviewer": t.is_interviewer,
                "start": t.start,
                "end": t.end,
                "time": t.start_time,
                "pieces": _pieces(t.start, t.end, text, inside),
                "codings": [k["id"] for k in inside],
            }
        )
    return {
        "source": info,
        "length": len(text),
        "turns": rendered,
        "codings": listed,
        "coders": present,
        "memos": memo_store.memos_of(project, source),
    }


def code_page(project: Project, code: str, coder: str | None = None) -> dict[str, Any]:
    """One code: its definition, include, exclude and examples, and every excerpt
    coded with it, grouped by strand (sources with no strand last)."""
    from pdcode.api.filters import check_coder, resolve_code
    from pdcode.store import codings as coding_store

    found = resolve_code(project, code)
    assert found is not None
    details = code_details(project).get(found, {"code": found, "name": found})
    rows = coding_store.coding_rows(project, code=found, coder=check_coder(project, coder))
    strands: dict[str, list[dict[str, Any]]] = {}
    for k in rows:
        strands.setdefault(k["strand"] or "", []).append(
            {
                "id": k["id"],
                "source": k["source"],
                "case": k["case"],
                "speaker": k["speaker"],
                "is_interviewer": k["is_interviewer"],
                "start": k["start"],
                "end": k["end"],
                "coder": k["coder"],
                "text": k["text"],
            }
        )
    order = sorted(strands, key=lambda s: (s == "", s))
    return {
        "code": details,
        "excerpts": len(rows),
        "strands": [{"strand": s or None, "excerpts": strands[s]} for s in order],
    }


def code_span(
    project: Project, source: str, start: int, end: int, code: str, coder: str
) -> dict[str, Any]:
    """A person (``coder``, their bare name) codes ``text[start:end]`` of ``source``,
    with provenance ``human:NAME``; returns the stored coding."""
    from pdcode.api.filters import code_to_apply

    found = code_to_apply(project, code)
    coding_id = handcoding.add_coding(
        project, source, start, end, found, coder, provenance=f"human:{coder}"
    )
    return {"id": coding_id, "source": source, "start": start, "end": end, "code": found}


def uncode(project: Project, coding_id: int, coder: str, expected_code: str) -> None:
    """Remove one of the person's own codings."""
    handcoding.remove_coding(project, coding_id, coder, expected_code)


def recode(project: Project, coding_id: int, coder: str, expected_code: str, new_code: str) -> None:
    """Give one of the person's own codings another code."""
    from pdcode.api.filters import code_to_apply

    found = code_to_apply(project, new_code)
    handcoding.change_coding(project, coding_id, coder, expected_code, found)


def memo(
    project: Project,
    author: str,
    text: str,
    source: str | None = None,
    coding_id: int | None = None,
    title: str | None = None,
) -> int:
    """A memo on a source or on a coding; returns its id."""
    if not text.strip():
        raise UsageError("a memo needs some text")
    if len(text) > MEMO_LIMIT:
        raise UsageError(f"a memo holds at most {MEMO_LIMIT:,} characters")
    if (source is None) == (coding_id is None):
        raise UsageError("a memo is on a source or on a coding")
    if source is not None:
        project.source_text(source)  # raises if unknown
    return memo_store.add_memo(project, author, text, source, coding_id, title)
