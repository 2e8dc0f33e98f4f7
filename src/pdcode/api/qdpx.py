"""`pdcode import qdpx` and `pdcode export qdpx`: whole projects in REFI-QDA."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pdcode.errors import ConflictError, InputError
from pdcode.store import Project

if TYPE_CHECKING:
    from pdcode.api.qdpx_memos import Place
    from pdcode.records import NewCode, NewCoding, NewSource
    from pdcode.refi.model import RefiProject

MAX_BYTES = 2_000_000_000


@dataclass(frozen=True)
class QdpxImport:
    file: str
    convention: str  # how the producer counted positions
    sources: int
    codes: int
    codings: int
    coders: tuple[str, ...]
    cases: int
    memos: int
    skipped: tuple[tuple[str, int], ...]  # parts pdcode does not hold, with counts
    missing: tuple[str, ...]  # sources whose text is not in the file
    dropped: int  # selections that could not be placed (out of range, unknown code)
    notes: tuple[str, ...]


def import_qdpx(project: Project, path: Path, replace: bool = False) -> QdpxImport:
    """Read a .qdpx (or bare project.qde) from any tool into the project, at once."""
    from pdcode.api.qdpx_memos import import_memos
    from pdcode.ingest.regular import check_regular, read_regular
    from pdcode.refi.offsets import detect
    from pdcode.refi.read import read_project
    from pdcode.store.exchange import import_project

    if not path.exists():
        raise InputError(path, "no such file")
    if check_regular(path) > MAX_BYTES:  # a FIFO or a device is refused, never opened
        raise InputError(path, f"larger than {MAX_BYTES:,} bytes")
    existing = project.file_state(path.name)
    if existing and not replace:
        raise ConflictError(f"{path}: already imported (use --replace to import it again)")
    refi = read_project(read_regular(path), str(path))
    texts = [s for s in refi.sources if s.text is not None]
    convention = detect(
        [(s.text or "", [(x.start, x.end, x.name) for x in s.selections]) for s in texts]
    )
    # Names of other files' sources are taken; this file's own are free on --replace.
    taken = {s.name for s in project.source_summaries()} - {n for n, _ in existing}
    sources, by_coder, dropped, names, placed = _sources(refi, path.name, convention, taken)
    book = _codebook(refi, path)
    memos = import_memos(refi, names, placed)
    codings = {
        coder: (f"human:{coder}#qdpx:{path.name}#{convention}", items)
        for coder, items in by_coder.items()
    }
    import_project(project, sources, book, codings, memos, replace)
    return QdpxImport(
        file=str(path),
        convention=str(convention),
        sources=len(sources),
        codes=len(book[4]),
        codings=sum(len(v) for v in by_coder.values()),
        coders=tuple(sorted(by_coder)),
        cases=len({s.case for s in sources if s.case}),
        memos=len(memos),
        skipped=tuple(sorted(refi.skipped.items())),
        missing=refi.missing,
        dropped=dropped,
        notes=refi.notes_read,
    )


def _sources(
    refi: RefiProject, file: str, convention: Any, taken: set[str]
) -> tuple[list[NewSource], dict[str, list[NewCoding]], int, dict[str, str], dict[str, Place]]:
    """Each source with text as pdcode stores it, each coder's codings placed in
    the normalised text, how many codings could not be placed, GUID -> name, and
    where the notes named inside selections go (note GUID -> source, coding)."""
    from pdcode.ingest.turns import parse_turns
    from pdcode.nlp import make_nlp
    from pdcode.records import NewCoding, NewSource
    from pdcode.refi.offsets import convert
    from pdcode.segment import segment_rows

    users = {u.guid: u.name for u in refi.users}
    variables = {v.guid: v.name for v in refi.variables}
    case_of: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    for case in refi.cases:
        values = tuple(
            sorted((variables.get(v.variable_guid, v.variable_guid), v.value) for v in case.values)
        )
        for guid in case.source_guids:
            case_of.setdefault(guid, (case.name, values))
    nlp = make_nlp(None, False)
    names: dict[str, str] = {}
    used = set(taken)  # names given so far: a set, and numbering goes on where it stopped,
    next_number: dict[str, int] = {}  # so 3,000 sources of one name take linear time
    sources: list[NewSource] = []
    by_coder: dict[str, list[NewCoding]] = {}
    dropped = 0
    on_coding: dict[str, Place] = {}
    on_selection: dict[str, Place] = {}
    for source in (s for s in refi.sources if s.text is not None):
        name, n = source.name, next_number.get(source.name, 2)
        if name in used:
            while (name := f"{source.name} ({n})") in used:
                n += 1
            next_number[source.name] = n + 1
        used.add(name)
        names[source.guid] = name
        raw = source.text or ""
        text, spans = convert(raw, [(x.start, x.end) for x in source.selections], convention)
        case_name, case_values = case_of.get(source.guid, (None, ()))
        named = {variables.get(v.variable_guid, v.variable_guid): v.value for v in source.values}
        strand = named.pop("strand", None)  # pdcode writes the strand as a variable
        sources.append(
            NewSource(
                name=name,
                file=file,
                format="qdpx",
                sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
                text=text,
                strand=strand,
                case=case_name,
                attributes=tuple(sorted(named.items())),
                case_attributes=case_values,
                # Turns only where labels pass the parser's structural test; codings
                # outside every segment still count (pdcode.analysis.overlap.cover).
                segments=tuple(segment_rows(text, parse_turns(text), nlp)),
            )
        )
        for selection, span in zip(source.selections, spans, strict=True):
            kept: list[tuple[int, int, str, str]] = []
            for coding in selection.codings:
                code = refi.code_ids.get(coding.code_guid)
                if span is None or code is None or span[0] >= span[1]:
                    dropped += 1
                    continue
                user = coding.user_guid or selection.user_guid
                coder = users.get(user, "unknown") if user else "unknown"
                by_coder.setdefault(coder, []).append(NewCoding(name, span[0], span[1], code))
                kept.append((span[0], span[1], code, coder))
                for note in coding.note_guids:
                    on_coding.setdefault(note, (name, kept[-1]))
            for note in selection.note_guids:
                on_selection.setdefault(note, (name, kept[0] if len(kept) == 1 else None))
    return sources, by_coder, dropped, names, {**on_selection, **on_coding}


def _codebook(refi: RefiProject, path: Path) -> tuple[str, str, str, str, list[NewCode]]:
    """The file's code tree as a pdcode codebook: name, version, hash, YAML, codes."""
    import yaml

    from pdcode.api.coding import stored_codes
    from pdcode.codebook.exchange import snake_id
    from pdcode.codebook.model import Codebook

    book = Codebook.model_validate(
        {
            "name": snake_id(path.stem).replace("_", "-"),
            "version": "1.0.0",
            "codes": list(refi.code_tree),
            "description": f"Imported from {path.name}.",
        }
    )
    content = yaml.safe_dump(
        book.model_dump(exclude_none=True), sort_keys=False, allow_unicode=True
    )
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return book.name, book.version, digest, content, stored_codes(book)


def _description(record: dict[Any, Any]) -> str:
    """The definition, then a ``pdcode id:`` line so a round trip keeps the id."""
    definition = record["definition"] if isinstance(record["definition"], str) else ""
    return "\n".join(x for x in (definition, f"pdcode id: {record['code']}") if x)


def _guid(kind: str, key: str) -> str:
    import uuid

    from pdcode.codebook.exchange import NAMESPACE

    return str(uuid.uuid5(NAMESPACE, f"{kind}/{key}")).upper()


def build_refi(
    project: Project, coder: str | None = None, name: str = "pdcode project"
) -> RefiProject:
    """The project (or one coder's codings) as the REFI model, GUIDs from names."""
    from pdcode.api.qdpx_memos import export_notes
    from pdcode.refi import model as m
    from pdcode.store import codings as store
    from pdcode.store import frames
    from pdcode.store.exchange import case_attribute_rows, source_attribute_rows

    codes = frames.codes_frame(project)
    rows = store.coding_rows(project, coder=coder)
    memos = export_notes(project, {r["id"] for r in rows}, _guid)
    book_of = dict(zip(codes["code"], codes["codebook"], strict=True))
    # A code with a memo travels with its codebook even when nothing is coded with it.
    used = {r["code"] for r in rows} | set(memos.on_code)
    used_books = {book_of[c] for c in used if c in book_of}
    codes = codes[codes["codebook"].isin(used_books)]
    known = set(codes["code"])

    def tree(parent: str | None) -> tuple[m.Code, ...]:
        out = []
        for record in codes.to_dict("records"):
            mine = record["parent"] if isinstance(record["parent"], str) else None
            if mine == parent:
                out.append(
                    m.Code(
                        _guid("code", record["code"]),
                        record["name"],
                        not bool(record["is_group"]),
                        record.get("colour") if isinstance(record.get("colour"), str) else None,
                        _description(record),
                        tree(record["code"]),
                        memos.on_code.get(record["code"], ()),
                    )
                )
        return tuple(out)

    # Codes no stored codebook knows (imported human codes) join at the top.
    loose = sorted(({r["code"] for r in rows} | set(memos.on_code)) - known)
    code_tree = tree(None) + tuple(
        m.Code(_guid("code", c), c, note_guids=memos.on_code.get(c, ())) for c in loose
    )
    # The GUID of a code depends on its id alone: the same code, the same GUID.
    guid_of = {c: _guid("code", c) for c in {r["code"] for r in rows}}
    coders = sorted({r["coder"] for r in rows} | set(memos.authors))
    users = tuple(m.User(_guid("user", c), c) for c in coders)
    user_of = {u.name: u.guid for u in users}
    texts = store.source_texts(project)
    summaries = project.source_summaries()
    source_attrs: dict[str, list[tuple[str, str]]] = {}
    for source, key, value in source_attribute_rows(project):
        source_attrs.setdefault(source, []).append((key, value))
    for summary in summaries:
        if summary.strand:
            source_attrs.setdefault(summary.name, []).append(("strand", summary.strand))
    case_attrs: dict[str, list[tuple[str, str]]] = {}
    for case, key, value in case_attribute_rows(project):
        case_attrs.setdefault(case, []).append((key, value))
    variable_names = sorted(
        {k for pairs in (*source_attrs.values(), *case_attrs.values()) for k, _ in pairs}
    )
    variables = tuple(m.Variable(_guid("variable", v), v) for v in variable_names)
    var = {v.name: v.guid for v in variables}
    by_span: dict[tuple[str, int, int], list[tuple[str, str]]] = {}
    for r in rows:
        by_span.setdefault((r["source"], r["start"], r["end"]), []).append((r["code"], r["coder"]))
    sources = []
    for summary in sorted(summaries, key=lambda s: s.name):
        guid = _guid("source", summary.name)
        selections = tuple(
            m.Selection(
                _guid("selection", f"{summary.name}/{start}/{end}"),
                start,
                end,
                codings=tuple(
                    m.Coding(
                        guid_of[code],
                        user_of[who],
                        memos.on_coding.get((summary.name, start, end, code, who), ()),
                    )
                    for code, who in sorted(set(pairs))
                ),
            )
            for (source, start, end), pairs in sorted(by_span.items())
            if source == summary.name
        )
        sources.append(
            m.Source(
                guid,
                summary.name,
                texts[summary.name],
                None,
                selections,
                tuple(
                    m.Value(var[k], v) for k, v in sorted(set(source_attrs.get(summary.name, [])))
                ),
                memos.on_source.get(summary.name, ()),
            )
        )
    cases = tuple(
        m.Case(
            _guid("case", case),
            case,
            tuple(_guid("source", s.name) for s in summaries if s.case == case),
            tuple(m.Value(var[k], v) for k, v in case_attrs.get(case, [])),
        )
        for case in sorted({s.case for s in summaries if s.case})
    )
    return m.RefiProject(
        name,
        users,
        code_tree,
        variables,
        cases,
        tuple(sources),
        memos.notes,
        memos.on_project,
    )


def export_qdpx(
    project: Project, output: Path, coder: str | None = None, key: Path | None = None
) -> Path:
    """Write the project as a REFI-QDA .qdpx (atomically); ``key``: a reviewed
    pseudonym key applied to texts, names, values and notes, GUIDs made anew."""
    from pdcode import __version__
    from pdcode.api.filters import check_coder
    from pdcode.api.pseudonymise import open_key
    from pdcode.export.qdpx import to_qdpx

    pseudonyms = open_key(key, output)
    refi = build_refi(project, check_coder(project, coder), output.stem)
    if pseudonyms is not None:
        refi = pseudonyms.refi(refi)
    data = to_qdpx(refi, f"pdcode {__version__}")
    from pdcode.export.files import write_output

    return write_output(data, output)
