"""`pdcode search` (keyword in context, saved as codings if asked) and `pdcode
excerpts` (one code's excerpts for the terminal); the search page of the workbench."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.api.filters import check_coder, check_strand
from pdcode.api.formats import check_format, format_of
from pdcode.errors import UsageError
from pdcode.records import UNITS
from pdcode.store import Project, frames
from pdcode.store import search as store

if TYPE_CHECKING:
    from pdcode.analysis.search import Hit, Query, Searchable

FORMATS = ("csv", "json", "md", "docx")
PAGE_HITS = 500  # hits a workbench page shows; a narrower search shows the rest


@dataclass(frozen=True)
class CodedRun:
    """What ``--code-as`` stored: one coding per unit holding a hit."""

    code: str
    coder: str
    provenance: str
    unit: str
    removed: int
    added: int


@dataclass(frozen=True)
class SearchResult:
    query: Query
    hits: tuple[Hit, ...]
    by_strand: tuple[tuple[str | None, int], ...]
    coded: CodedRun | None = None
    content: str | None = None  # the text of --format when no file was given
    written: Path | None = None


def search(
    project: Project,
    query: str,
    regex: bool = False,
    strand: str | None = None,
    case: str | None = None,
    speaker: str | None = None,
    role: str | None = None,
    respondents_only: bool = False,
    code: str | None = None,
    coder: str | None = None,
    code_as: str | None = None,
    unit: str = "sentence",
    fmt: str | None = None,
    output: Path | None = None,
    raw_csv: bool = False,
) -> SearchResult:
    """Every hit of ``query`` in the turns of the sources the filters leave, by
    source and offset. With ``code_as``, each hit's ``unit`` is stored as a coding
    of that code by ``coder`` (provenance ``search:QUERY``), replacing that
    coder's previous run of the same query; ``coder`` then names who codes and
    ``code`` looks in anyone's codings. With ``fmt`` or ``output`` the hits are
    also rendered (csv, json, md, docx): written to ``output``, else returned."""
    from pdcode.analysis.search import Scope, as_codings, by_strand, find_hits, parse_query

    if fmt is not None or output is not None:
        fmt = format_of(fmt, output, FORMATS, "csv")
        check_format(fmt, FORMATS, output)
    parsed = parse_query(query, regex)
    saver = None
    if code_as is not None:
        if coder is None:
            raise UsageError("--code-as needs --coder NAME: who the codings are stored as")
        if unit not in UNITS:
            raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
        from pdcode.api.review import human_coder

        saver = human_coder(coder)
        code_as = _stored_code(project, code_as)
    elif coder is not None and code is None:
        raise UsageError("--coder goes with --code (whose codings) or --code-as (who codes)")
    strand = check_strand(project, strand)
    _check_sources(project, case, role, speaker)
    within = None
    if code is not None:
        found = known_code(project, code, "--code")
        if saver is None:
            within = store.coded_spans(project, found, check_coder(project, coder))
        else:  # the run's own previous codings never decide where it looks again
            within = store.coded_spans(project, found, skip=(saver, parsed.provenance))
    sources = searchable(store.corpus(project, strand, case, role))
    hits = find_hits(parsed, sources, Scope(speaker, respondents_only, within))
    coded = None
    if code_as is not None and saver is not None:
        units = store.unit_spans(project, unit, {h.source for h in hits})
        codings = as_codings(hits, units, code_as)
        removed, added = store.replace_run(project, saver, parsed.provenance, codings)
        coded = CodedRun(code_as, saver, parsed.provenance, unit, removed, added)
    result = SearchResult(parsed, tuple(hits), by_strand(hits), coded)
    if fmt is None:
        return result
    content = _render(result, fmt, raw_csv)
    if output is not None:
        from pdcode.export.files import write_output

        return replace(result, written=write_output(content, output))
    assert isinstance(content, str)  # check_format refused docx without a file
    return replace(result, content=content)


def searchable(rows: Sequence[Mapping[str, Any]]) -> list[Searchable]:
    """The store's sources as the search stage takes them."""
    from pdcode.analysis.search import Searchable

    return [
        Searchable(
            name=r["name"],
            text=r["text"],
            strand=r["strand"],
            case=r["case"],
            role=r["role"],
            turns=r["turns"],
        )
        for r in rows
    ]


def _render(result: SearchResult, fmt: str, raw_csv: bool) -> str | bytes:
    from pdcode.analysis.search import COLUMNS
    from pdcode.export.tables import render

    rows = [h.row() for h in result.hits]
    if fmt != "docx":
        return render(rows, COLUMNS, fmt, raw_csv)
    import docx

    from pdcode.export.word import docx_bytes, docx_table

    document = docx.Document()
    document.core_properties.author = "pdcode"
    document.add_heading(f"Search: {result.query.label}", level=0)
    document.add_paragraph(counts_line(result.by_strand))
    header = ["source", "speaker", "left", "hit", "right", "start", "end"]
    cells = [[str(r[k] if r[k] is not None else "") for k in header] for r in rows]
    docx_table(document, header, cells, 8)
    return docx_bytes(document)


def counts_line(counts: Sequence[tuple[str | None, int]]) -> str:
    """``12 hits: strand1 5, strand3 7`` (sources without a strand as "no strand")."""
    total = sum(n for _, n in counts)
    parts = ", ".join(f"{strand or 'no strand'} {n:,}" for strand, n in counts)
    return f"{total:,} hit{'' if total == 1 else 's'}" + (f": {parts}" if parts else "")


def _check_sources(
    project: Project, case: str | None, role: str | None, speaker: str | None
) -> None:
    """Each of --case, --role and --speaker given names something in the project
    (each read only when given: the speakers are read from every turn)."""
    for what, value, option, choices in (
        ("case", case, "--case", store.case_names),
        ("role", role, "--role", store.role_names),
        ("speaker", speaker, "--speaker", store.speaker_names),
    ):
        if value is not None:
            known = choices(project)
            if value not in known:
                raise _unknown(what, value, option, known)


def _unknown(
    what: str, value: str, option: str, choices: Sequence[str], listing: Sequence[str] = ()
) -> UsageError:
    """A usage error naming the near matches of ``value`` among ``choices``
    (difflib), else ``listing`` (or the choices) when they are few."""
    where = f" for {option}" if option else ""
    if not choices:
        return UsageError(f"unknown {what} {value!r}{where}: the project has none")
    folded = {c.casefold(): c for c in choices}
    near = [folded[c] for c in difflib.get_close_matches(value.casefold(), list(folded), n=5)]
    listed = list(listing or choices)
    if near:
        hint = f"did you mean {', '.join(dict.fromkeys(near))}?"
    elif len(listed) <= 30:
        hint = f"choose from {', '.join(listed)}"
    else:
        hint = f"none of the {len(listed)} is near it"
    return UsageError(f"unknown {what} {value!r}{where} ({hint})")


def known_code(project: Project, code: str, option: str = "") -> str:
    """The id of the code ``code`` names (an id or name, any case, as ``--code``
    takes it); an unknown one is a usage error naming the near matches."""
    from pdcode.api.filters import resolve_code
    from pdcode.store.workbench import code_rows

    names = {r["code"]: str(r["name"]) for r in code_rows(project)}
    ids = sorted(set(names) | set(frames.coded_codes(project)))
    wanted = code.strip().casefold()
    if not any(wanted in (c.casefold(), names.get(c, "").casefold()) for c in ids):
        choices = ids + sorted({n for n in names.values() if n.casefold() not in ids})
        raise _unknown("code", code, option, choices, _leaves(project))
    found = resolve_code(project, code, option or "CODE")
    assert found is not None
    return found


def _leaves(project: Project) -> list[str]:
    """The codable codes, in codebook order, as a listing names them."""
    from pdcode.api.workbench import codes

    return [c["code"] for c in codes(project)]


def _stored_code(project: Project, code: str) -> str:
    """A codable code of a stored codebook, by id or name (any case), not retired."""
    from pdcode.api.filters import code_to_apply
    from pdcode.store.codings import known_codes

    known = known_codes(project)
    found = known.get(code) or known.get(code.strip().casefold())
    if found is None:
        if not known:
            raise UsageError(
                f"--code-as {code!r}: the project has no codebook; store one first "
                "(pdcode code --codebook FILE)"
            )
        raise _unknown("code", code, "--code-as", sorted(set(known.values())))
    return code_to_apply(project, found, "--code-as")


# -- the workbench's search page ---------------------------------------------------


def search_page(
    project: Project,
    query: str | None,
    regex: bool = False,
    strand: str | None = None,
    speaker: str | None = None,
    respondents_only: bool = False,
    code: str | None = None,
    limit: int = PAGE_HITS,
) -> dict[str, Any]:
    """The search page: the form's choices and, for a query, its first ``limit``
    hits, each with the reader anchor of the words it is in, and the counts."""
    from pdcode.api.workbench import codes

    data: dict[str, Any] = {
        "query": None,
        "kind": None,
        "forms": [],
        "strands": frames.known_strands(project),
        "codes": [{"code": c["code"], "name": c["name"]} for c in codes(project)],
        "total": 0,
        "by_strand": [],
        "hits": [],
    }
    if query is None or not query.strip():
        return data
    result = search(
        project,
        query,
        regex,
        strand=strand,
        speaker=speaker,
        respondents_only=respondents_only,
        code=code or None,
    )
    shown = result.hits[:limit]
    anchors = _anchors(project, shown)
    data.update(
        query=result.query.label,
        kind=result.query.kind,
        forms=[list(f) for f in result.query.forms],
        total=len(result.hits),
        by_strand=[{"strand": s, "hits": n} for s, n in result.by_strand],
        hits=[
            {**h.row(), "turn": h.turn, "anchor": anchor}
            for h, anchor in zip(shown, anchors, strict=True)
        ],
    )
    return data


def _anchors(project: Project, hits: Sequence[Hit]) -> list[int]:
    """For each hit, where the reader's piece holding its first character starts:
    the reader cuts each turn at every coding's ends, so that is the last such cut
    (or the turn's start) at or before the hit."""
    from bisect import bisect_right

    names = {h.source for h in hits}
    turns = store.turn_spans(project, names)
    bounds = store.coding_bounds(project, names)
    found = []
    for h in hits:
        turn_start, turn_end = turns[h.source][h.turn]
        cuts = sorted(
            {turn_start} | {x for x in bounds.get(h.source, ()) if turn_start < x < turn_end}
        )
        found.append(cuts[bisect_right(cuts, h.start) - 1])
    return found


# -- pdcode excerpts ---------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    """One coded excerpt, ``before`` and ``after`` its context sentences."""

    source: str
    strand: str | None
    case: str | None
    role: str | None
    speaker: str | None
    start: int
    end: int
    coder: str
    text: str
    before: str = ""
    after: str = ""


@dataclass(frozen=True)
class CodeExcerpts:
    """One code's excerpts, by strand (sorted, those without one last)."""

    code: str
    name: str
    definition: str
    total: int
    strands: tuple[tuple[str | None, tuple[Excerpt, ...]], ...]

    @property
    def shown(self) -> int:
        return sum(len(found) for _, found in self.strands)


def excerpts(
    project: Project,
    code: str,
    coder: str | None = None,
    strand: str | None = None,
    limit: int | None = None,
    context: int = 0,
) -> CodeExcerpts:
    """The excerpts `pdcode export excerpts --code CODE` writes, in its order (the
    first ``limit`` of them), grouped by strand, each with ``context`` sentences
    on either side."""
    from pdcode.analysis.search import around
    from pdcode.api.excerpts import _sections

    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    if context < 0:
        raise UsageError("--context must be 0 or more")
    strand = check_strand(project, strand)
    found = known_code(project, code)
    coder = check_coder(project, coder)
    sections = _sections(project, strand, found, coder)
    rows = list(sections[0].excerpts) if sections else []
    shown = rows[:limit] if limit is not None else rows
    names = {r["source"] for r in shown}
    units = store.unit_spans(project, "sentence", names) if context else {}
    texts = store.texts_of(project, names) if context else {}
    grouped: dict[str | None, list[Excerpt]] = {}
    for r in shown:
        before = after = ""
        if context:
            text = texts[r["source"]]
            (a, b), (c, d) = around(r["start"], r["end"], units.get(r["source"], []), context)
            before, after = text[a:b], text[c:d]
        grouped.setdefault(r["strand"], []).append(
            Excerpt(
                source=r["source"],
                strand=r["strand"],
                case=r["case"],
                role=r["role"],
                speaker=r["speaker"],
                start=r["start"],
                end=r["end"],
                coder=r["coder"],
                text=r["text"],
                before=before,
                after=after,
            )
        )
    order = sorted(grouped, key=lambda s: (s is None, s or ""))
    name, definition = (sections[0].name, sections[0].definition) if sections else (found, "")
    return CodeExcerpts(
        found, name, definition, len(rows), tuple((s, tuple(grouped[s])) for s in order)
    )
