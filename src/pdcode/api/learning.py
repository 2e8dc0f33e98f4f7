"""`pdcode learn`, `pdcode suggest` and `pdcode models`: code suggestions learned
from a project's human coding.

``learn`` builds the training units from the project (respondent units of the
sources the chosen human coders coded, their codes, and the codes reviewers
among them rejected), fits a ``learn.SuggestionModel`` and stores its record.
``suggest`` loads a stored model (checked against its digest), or the model
shipped with pdcode of that name, and writes its suggestions as the codings of
``model:NAME@HASH``, replacing that coder's previous run in the sources it
covers. The suggestions are reviewed like any machine coding (`pdcode serve`).

``learn --codebook FILE`` learns the leaf codes of that codebook (stored in the
project as ``pdcode code`` stores it); ``learn --with-rules FILE`` adds, per
unit, one 0/1 column per leaf code of that codebook saying whether its rules fire
there. ``suggest`` runs the same rules again, from the codebook of that exact
content stored in the project, and refuses when the project has none.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pdcode.errors import ProjectError, UsageError
from pdcode.records import UNITS, NewCoding
from pdcode.store import Project
from pdcode.store import codings as coding_store
from pdcode.store import models as store

if TYPE_CHECKING:
    from pdcode.api.coding import CodeReport
    from pdcode.codebook.model import Codebook
    from pdcode.learn import CodeScore, CurveRow, Suggestion, SuggestionModel, TrainingUnit
    from pdcode.learn.rules import BookRef, RuleFeatures

MACHINE = ("rules:", "model:", "topics:")
# A model's name goes into its coder, model:NAME@HASH, and names a shipped file.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
SHIPPED = "data/models"  # inside the pdcode package: NAME.json.gz
SHIPPED_FORMAT = "pdcode-shipped-model"
MAX_SHIPPED_BYTES = 256 * 1024 * 1024  # a shipped file, uncompressed
BATCH = 2000  # units per suggest batch (progress)


# -- names and checks ---------------------------------------------------------------


def check_name(name: str, option: str = "--name") -> str:
    """``name`` itself when it can name a model: letters, digits, ``.``, ``_``, ``-``."""
    if not NAME.match(name):
        raise UsageError(
            f"{option} {name!r} cannot name a model: use 1 to 64 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return name


def model_coder(name: str, digest_hash: str) -> str:
    return f"model:{name}@{digest_hash}"


def check_training_coders(project: Project, coders: Sequence[str]) -> list[str]:
    """The coders to learn from, each once: people (any coder that is not a
    machine coder: ``ana``, an imported ``gold``) with codings here."""
    from pdcode.api.filters import check_coders
    from pdcode.store import frames

    known = set(frames.known_coders(project))
    # `human:ana` names the person `ana` (how pdcode stores people), unless a coder
    # of that very name exists.
    chosen = list(
        dict.fromkeys(
            c.strip().removeprefix("human:") if c.strip() not in known else c.strip()
            for c in coders
        )
    )
    if not chosen or not all(chosen):
        raise UsageError("name at least one person to learn from: --from NAME")
    machine = [c for c in chosen if c.startswith(MACHINE)]
    if machine:
        raise UsageError(
            f"--from {machine[0]!r} is a machine coder; a model learns from people's coding "
            "(a person such as ana, or an imported coder such as gold). Review the "
            "machine's codings first: accepted ones become the reviewer's own"
        )
    check_coders(project, chosen)
    return chosen


def _check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r} (choose from {', '.join(UNITS)})")
    return unit


# -- training data ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingData:
    units: tuple[TrainingUnit, ...]
    codes: tuple[str, ...]  # the codes to learn, in codebook order
    codebook: str | None  # content hash of the one codebook the codes come from
    rejected_units: int  # units with at least one rejected code


def training_data(project: Project, coders: Sequence[str], unit: str = "turn") -> TrainingData:
    """The units a model learns from, with their labels.

    The units are the respondent segments of ``unit`` of every source in which
    one of ``coders`` has a coding (never of sources nobody coded: there silence
    would not mean "not this code"). A unit has a code when a coding of it by
    one of ``coders`` overlaps the unit. A code is *rejected* on a unit when one
    of ``coders``, reviewing a machine coding that overlaps the unit, rejected it
    or changed it to another code: a labelled negative. A rejection of a span
    also cancels the coders' own codings of that code on exactly that span (two
    of them disagreeing there: the rejection wins), but not a coding of the code
    elsewhere in the unit (a turn whose first sentence has the code still has
    it when a rule's hit on its third sentence was rejected).
    """
    from pdcode.api.analysis import _code_order
    from pdcode.evaluation import Labelled, Span, units_with_codes
    from pdcode.learn import TrainingUnit
    from pdcode.store import frames
    from pdcode.store import reviews as review_store

    _check_unit(unit)
    frame = frames.coder_codings_frame(project, coders)
    rows = list(frame[["source", "start", "end", "code"]].itertuples(index=False, name=None))
    coded = {str(r[0]) for r in rows}
    people = set(coders)
    rejected_spans = {
        (d["source"], d["start"], d["end"], d["code"])
        for d in review_store.review_rows(project)
        if d["reviewer"] in people and d["decision"] in ("reject", "change")
    }
    segments = [
        r for r in project.segment_rows(unit) if not r["is_interviewer"] and r["source"] in coded
    ]
    spans = [Span(r["source"], r["start"], r["end"]) for r in segments]
    positives = [
        Labelled(str(s), int(a), int(b), str(c))
        for s, a, b, c in rows
        if (str(s), int(a), int(b), str(c)) not in rejected_spans
    ]
    negatives = [Labelled(*key) for key in sorted(rejected_spans) if key[0] in coded]
    has = units_with_codes(spans, positives)
    refused = units_with_codes(spans, negatives)
    units = tuple(
        TrainingUnit(r["source"], r["text"], frozenset(h), frozenset(n - h))
        for r, h, n in zip(segments, has, refused, strict=True)
    )
    _books, order, _ = _code_order(frames.codes_frame(project), frame, "leaf")
    books = store.codebook_hashes(project, coders)
    if not books:  # imported human codings name no codebook: the one holding their codes
        books = store.codebooks_holding(project, sorted({str(r[3]) for r in rows}))
    return TrainingData(
        units=units,
        codes=tuple(order),
        codebook=books[0] if len(books) == 1 else None,
        rejected_units=sum(1 for u in units if u.rejected),
    )


# -- learning -----------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    code: str
    positives: int
    reason: str


@dataclass(frozen=True)
class LearnReport:
    name: str
    coder: str  # model:NAME@HASH, the coder of its suggestions
    hash: str
    unit: str
    coders: tuple[str, ...]
    units: int
    sources: int
    rejected_units: int
    scores: tuple[CodeScore, ...]  # per code learned: threshold and out-of-fold scores
    skipped: tuple[Skipped, ...]
    notes: tuple[str, ...]
    replaced: str | None  # the hash of the model of this name it replaced
    curve: tuple[CurveRow, ...] | None = None
    min_precision: float | None = None


def fit(
    data: TrainingData,
    name: str,
    *,
    min_precision: float | None = None,
    min_positive: int = 8,
    seed: int = 0,
    folds: int = 5,
    notes: Sequence[str] = (),
    rules: RuleFeatures | None = None,
    codebook: BookRef | None = None,
) -> SuggestionModel:
    """A ``SuggestionModel`` fitted on ``data``; ``notes`` are added to its own.
    ``rules`` adds rule columns; ``codebook`` names the codebook of ``data.codes``.

    Too little coding to learn from is a ``ProjectError`` naming the model."""
    from pdcode.learn import NothingToLearn, SuggestionModel

    _check_options(min_precision, min_positive, folds)
    model = SuggestionModel(
        list(data.codes), min_positive=min_positive, seed=seed, min_precision=min_precision,
        folds=folds, rules=rules, codebook=codebook,
    )  # fmt: skip
    try:
        if not data.codes:
            raise NothingToLearn(f"the coders coded no code to learn ({len(data.units)} units)")
        model.fit(data.units)
    except (NothingToLearn, UsageError) as exc:
        # Too little coding is the project's state, not a wrong call: exit status 1.
        raise ProjectError(f"model {name}: {exc.message}") from None
    if notes:
        model.notes_ = (*model.notes_, *notes)
        model._digest = None  # the record changed: its digest is taken again
    return model


def _check_options(min_precision: float | None, min_positive: int, folds: int) -> None:
    if min_precision is not None and not 0.0 < min_precision <= 1.0:
        raise UsageError(f"--min-precision must be above 0 and at most 1, not {min_precision}")
    if min_positive < 1:
        raise UsageError(f"--min-positive must be at least 1, not {min_positive}")
    if folds < 2:
        raise UsageError(f"--folds must be at least 2, not {folds}")


def record_text(model: SuggestionModel) -> str:
    """The model's record as the canonical JSON the project stores."""
    from pdcode.learn import to_record
    from pdcode.learn.serial import canonical

    return canonical(to_record(model)).decode("utf-8")


def save(
    project: Project,
    name: str,
    model: SuggestionModel,
    unit: str,
    coders: Sequence[str],
    codebook: str | None,
) -> str | None:
    """Store ``model`` as ``name`` (replacing one of that name, whose hash is returned)."""
    text = record_text(model)
    return store.save_model(project, name, model.hash_, text, unit, coders, codebook)


def learn(
    project: Project,
    name: str,
    from_coders: Sequence[str],
    unit: str = "turn",
    min_precision: float | None = None,
    curve: bool = False,
    *,
    min_positive: int = 8,
    seed: int = 0,
    folds: int = 5,
    codebook: Path | None = None,
    with_rules: Path | None = None,
) -> LearnReport:
    """Learn code suggestions from ``from_coders``' coding and store the model as
    ``name`` (replacing an earlier model of that name; its suggestions, under the
    old hash, stay). With ``curve``, also the learning curve (nested grouped CV).

    ``codebook``: learn the leaf codes of this codebook (stored in the project)
    rather than those of the codebooks the coders' codes come from.
    ``with_rules``: add a 0/1 column per leaf code of this codebook, whether its
    rules fire on the unit (the codebook is stored in the project, where
    ``suggest`` finds it again by content hash)."""
    from dataclasses import replace

    from pdcode.learn import learning_curve
    from pdcode.learn.rules import BookRef, from_codebook, leaf_codes

    check_name(name)
    _check_unit(unit)
    _check_options(min_precision, min_positive, folds)
    coders = check_training_coders(project, from_coders)
    # Both codebooks are read (and refused) first and stored once the training
    # data is known: a codebook stored first could change the default codes.
    named = None if codebook is None else _read_codebook(codebook, require_rules=False)
    ruled = None if with_rules is None else _read_codebook(with_rules, require_rules=True)
    data = training_data(project, coders, unit)
    notes: list[str] = []
    book_ref = rules = None
    if named is not None:
        book, digest = _save_codebook(project, *named)
        book_ref = BookRef(book.name, book.version, digest)
        codes = leaf_codes(book)
        used = sorted(set().union(*(u.codes for u in data.units)) - set(codes))
        if used:
            notes.append(
                f"codes coded but not in codebook {book.name}, so not learned: " + ", ".join(used)
            )
        data = replace(data, codes=codes, codebook=digest)
    if ruled is not None:
        rules = from_codebook(*_save_codebook(project, *ruled))
    model = fit(
        data, name, min_precision=min_precision, min_positive=min_positive, seed=seed,
        folds=folds, notes=notes, rules=rules, codebook=book_ref,
    )  # fmt: skip
    points = None
    if curve:
        points = tuple(
            learning_curve(
                data.units, data.codes, seed=seed, folds=folds, min_positive=min_positive,
                min_precision=min_precision, rules=rules,
            )
        )  # fmt: skip
    replaced = save(project, name, model, unit, coders, data.codebook)
    return LearnReport(
        name=name,
        coder=model_coder(name, model.hash_),
        hash=model.hash_,
        unit=unit,
        coders=tuple(coders),
        units=model.training_units_,
        sources=model.training_sources_,
        rejected_units=data.rejected_units,
        scores=model.cv_scores_,
        skipped=tuple(_skipped(model, unit)),
        notes=model.notes_,
        replaced=replaced,
        curve=points,
        min_precision=min_precision,
    )


def _read_codebook(path: Path, require_rules: bool) -> tuple[Codebook, str, str]:
    """The codebook in ``path``, its content hash and its text (``CodebookError``)."""
    from pdcode.codebook import content_hash, load_codebook

    book = load_codebook(path, require_rules=require_rules)
    return book, content_hash(path), path.read_text("utf-8")


def _save_codebook(
    project: Project, book: Codebook, digest: str, text: str
) -> tuple[Codebook, str]:
    """Store ``book`` in the project as ``pdcode code`` stores it (once per name,
    version and content); returns it and its content hash."""
    from pdcode.api.coding import stored_codes

    coding_store.save_codebook(project, book.name, book.version, digest, text, stored_codes(book))
    return book, digest


def attach_rules(project: Project, name: str, model: SuggestionModel) -> None:
    """Give ``model``'s rule columns (if any) their rules: those of the codebook of
    that very content stored in the project. A ``ProjectError`` naming the model,
    in one line, when the project has no such codebook or it is not the one the
    model names."""
    from pdcode.codebook.validate import load_codebook_text
    from pdcode.errors import CodebookError
    from pdcode.learn.rules import from_codebook, leaf_codes

    rules = model.rules
    if rules is None or rules.attached:
        return
    book = rules.book
    row = store.codebook_by_hash(project, book.content_hash)
    if row is None:
        raise ProjectError(
            f"model {name}: it uses the rules of codebook {book}, which this project does "
            "not hold; code with that very file first (pdcode code --codebook FILE) or learn "
            "the model again"
        )
    try:
        loaded = load_codebook_text(str(row["content"]), f"stored codebook {book.name}")
    except CodebookError as exc:
        first = " ".join(line.strip() for line in exc.message.splitlines()[:2])
        raise ProjectError(
            f"model {name}: the stored codebook {book} cannot be used ({first})"
        ) from None
    if (loaded.name, loaded.version) != (book.name, book.version) or leaf_codes(
        loaded
    ) != rules.codes:
        raise ProjectError(
            f"model {name}: the stored codebook of hash {book.content_hash[:12]} is not "
            f"{book.name}@{book.version} with the model's rule codes; learn the model again"
        )
    model.rules = from_codebook(loaded, book.content_hash)


def _skipped(model: SuggestionModel, unit: str) -> list[Skipped]:
    return [
        Skipped(
            code,
            n,
            f"fewer than {model.min_positive} coded {unit}s"
            if n < model.min_positive
            else f"every {unit} has it",
        )
        for code, n in model.skipped_.items()
    ]


# -- loading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    name: str
    model: SuggestionModel
    unit: str
    coders: tuple[str, ...]
    codebook: str | None
    created_at: str
    digest: str
    shipped: bool = False  # copied into the project from pdcode's shipped models now

    @property
    def coder(self) -> str:
        return model_coder(self.name, self.model.hash_)

    @property
    def provenance(self) -> str:
        return f"{self.coder}#sha256:{self.digest}"


def shipped_names() -> list[str]:
    """The models shipped with pdcode, by name."""
    folder = resources.files("pdcode").joinpath(SHIPPED)
    if not folder.is_dir():
        return []
    return sorted(
        p.name.removesuffix(".json.gz") for p in folder.iterdir() if p.name.endswith(".json.gz")
    )


def shipped(name: str) -> dict[str, Any] | None:
    """The shipped model ``name``'s file as data (its record not yet checked), or None."""
    if not NAME.match(name):
        return None
    path = resources.files("pdcode").joinpath(SHIPPED, f"{name}.json.gz")
    if not path.is_file():
        return None
    where = f"the shipped model {name}"
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped:
            data = unzipped.read(MAX_SHIPPED_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise ProjectError(f"{where} cannot be read ({exc}); reinstall pdcode") from None
    if len(data) > MAX_SHIPPED_BYTES:
        raise ProjectError(f"{where} is larger than {MAX_SHIPPED_BYTES} bytes; reinstall pdcode")
    try:
        found = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProjectError(f"{where} is not JSON; reinstall pdcode") from None
    keys = {"format", "name", "unit", "coders", "codebook", "sets", "record"}
    if (
        not isinstance(found, dict)
        or set(found) != keys
        or found["format"] != SHIPPED_FORMAT
        or found["name"] != name
        or found["unit"] not in UNITS
        or not isinstance(found["coders"], list)
        or not all(isinstance(c, str) for c in found["coders"])
        or not (found["codebook"] is None or isinstance(found["codebook"], dict))
    ):
        raise ProjectError(f"{where} is not a shipped model file; reinstall pdcode")
    return found


def write_shipped(
    path: Path,
    name: str,
    model: SuggestionModel,
    unit: str,
    coders: Sequence[str],
    codebook: dict[str, str] | None,
    sets: Sequence[str],
) -> bytes:
    """Write a shipped model file: canonical JSON, gzip without a time or a file
    name in its header, so the same model gives the same bytes. Returns them."""
    from pdcode.learn import to_record
    from pdcode.learn.serial import canonical

    content = {
        "format": SHIPPED_FORMAT,
        "name": check_name(name),
        "unit": _check_unit(unit),
        "coders": list(coders),
        "codebook": codebook,
        "sets": list(sets),
        "record": to_record(model),
    }
    data = gzip.compress(canonical(content), compresslevel=9, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def _install_shipped(project: Project, name: str, found: dict[str, Any]) -> None:
    """Copy a shipped model into the project, so the project keeps the very model
    its suggestions came from (a later pdcode may ship another)."""
    from pdcode.learn.serial import canonical

    book = found["codebook"]
    digest = None
    if book is not None:
        digest = str(book.get("sha256")) if book.get("sha256") else None
        _store_bundled_codebook(project, book)
    record = found["record"]
    try:
        text = canonical(record).decode("utf-8")
    except (TypeError, ValueError):
        raise ProjectError(f"model {name}: the shipped record is not plain JSON") from None
    model = _checked(name, text)
    store.save_model(project, name, model.hash_, text, found["unit"], found["coders"], digest)


def _store_bundled_codebook(project: Project, book: dict[str, Any]) -> None:
    """The shipped codebook the model's codes come from, stored in the project
    (once) when pdcode still ships it unchanged, so its codes have their names."""
    from pdcode.api.coding import stored_codes
    from pdcode.api.demo import bundled
    from pdcode.codebook import content_hash, load_codebook

    file = book.get("file")
    if not isinstance(file, str) or not NAME.match(file.removesuffix(".yaml")):
        return
    try:
        path = bundled("codebooks") / file
    except ProjectError:
        return
    if not path.is_file() or content_hash(path) != book.get("sha256"):
        return
    loaded = load_codebook(path)
    coding_store.save_codebook(
        project, loaded.name, loaded.version, str(book["sha256"]), path.read_text("utf-8"),
        stored_codes(loaded),
    )  # fmt: skip


def _checked(name: str, text: str) -> SuggestionModel:
    from pdcode.learn import from_record

    try:
        record = json.loads(text)
    except (ValueError, RecursionError):
        raise ProjectError(
            f"model {name}: its stored record is not JSON (changed since it was saved); "
            "learn the model again rather than trust it"
        ) from None
    return from_record(record, name)


def load(project: Project, name: str) -> Loaded:
    """The model ``name`` of the project, checked against its digest; else the
    shipped model of that name, copied into the project first."""
    check_name(name, "--model")
    row = store.load_model(project, name)
    installed = False
    if row is None:
        found = shipped(name)
        if found is None:
            known = [r["name"] for r in store.model_rows(project)]
            extra = [n for n in shipped_names() if n not in known]
            raise UsageError(
                f"no model named {name!r} in the project (models: {', '.join(known) or 'none'}"
                f"; shipped with pdcode: {', '.join(extra) or 'none'}); learn one with "
                "pdcode learn --name NAME --from CODER"
            )
        _install_shipped(project, name, found)
        row = store.load_model(project, name)
        assert row is not None
        installed = True
    model = _checked(name, row["record"])
    if model.hash_ != row["hash"]:
        raise ProjectError(
            f"model {name}: its stored hash {row['hash']} is not its record's ({model.hash_}); "
            "learn the model again rather than trust it"
        )
    if row["unit"] not in UNITS:
        raise ProjectError(f"model {name}: its stored unit {row['unit']!r} is not a unit")
    return Loaded(
        name=name,
        model=model,
        unit=str(row["unit"]),
        coders=tuple(row["coders"]),
        codebook=row["codebook"],
        created_at=str(row["created_at"]),
        digest=str(model._digest),
        shipped=installed,
    )


# -- suggesting -----------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestReport:
    name: str
    coder: str
    provenance: str
    unit: str
    units: int
    sources: int
    removed: int
    added: int
    per_code: tuple[tuple[str, int], ...]  # every code the model learned, in its order
    shipped: bool = False  # the shipped model, copied into the project by this run
    rules: CodeReport | None = None  # with union_rules: the rules' run

    @property
    def union(self) -> str | None:
        """The ``--pred`` of `pdcode evaluate` for the union of model and rules."""
        return None if self.rules is None else f"{self.coder}+{self.rules.coder}"


def rule_text(suggestion: Suggestion, threshold: float) -> str:
    """Why the model suggested the code: ``p 0.83 ≥ 0.41: coach, observe, ~coac``."""
    terms = ", ".join(suggestion.top_terms) or "(no single term)"
    return f"p {suggestion.probability:.2f} ≥ {threshold:.2f}: {terms}"


def locate(text: str, terms: Sequence[str]) -> tuple[int, int] | None:
    """Where in ``text`` the first word term of ``terms`` (a word or a pair of
    words; not a ``~`` word piece nor a ``rule:`` column) occurs, as the model reads words: case
    ignored, words of one character skipped between a pair."""
    for term in terms:
        if term.startswith(("~", "rule:")):
            continue
        words = term.split(" ")
        between = r"\W+(?:\w\W+)*"
        pattern = r"(?<!\w)" + between.join(re.escape(w) for w in words) + r"(?!\w)"
        found = re.search(pattern, text, re.IGNORECASE)
        if found:
            return found.start(), found.end()
    return None


def suggest(
    project: Project,
    model: str,
    sources: Sequence[str] | None = None,
    union_rules: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SuggestReport:
    """Suggest codes with model ``model`` on the respondent units (of the model's
    unit) of ``sources`` (default: all), replacing the previous suggestions of
    ``model:NAME@HASH`` in those sources in one transaction; other coders' codings
    are never touched. With ``union_rules``, also code the same sources with that
    codebook's rules (``pdcode code``, by the model's unit), a coder of its own."""
    from pdcode.api.coding import code_project

    scope = _scope(project, sources)
    loaded = load(project, model)
    fitted = loaded.model
    attach_rules(project, loaded.name, fitted)
    thresholds = dict(zip(fitted.codes_, (float(t) for t in fitted.thresholds_), strict=True))
    wanted = set(scope)
    units = [u for u in coding_store.coding_units(project, loaded.unit) if u.source in wanted]
    found: list[NewCoding] = []
    for first in range(0, len(units), BATCH):
        batch = units[first : first + BATCH]
        for unit, suggestions in zip(batch, fitted.suggest([u.text for u in batch]), strict=True):
            for s in suggestions:
                match = locate(unit.text, s.top_terms)
                found.append(
                    NewCoding(
                        source=unit.source,
                        start=unit.start,
                        end=unit.end,
                        code=s.code,
                        rule=rule_text(s, thresholds[s.code]),
                        match_start=None if match is None else unit.start + match[0],
                        match_end=None if match is None else unit.start + match[1],
                        probability=s.probability,
                        threshold=thresholds[s.code],
                    )
                )
        if on_progress is not None:
            on_progress(min(first + BATCH, len(units)), len(units))
    book_id = store.codebook_id(project, loaded.codebook)
    removed, added = coding_store.replace_codings(
        project, loaded.coder, loaded.provenance, scope, found, book_id
    )
    rules = None
    if union_rules is not None:
        if sources is None:
            rules = code_project(project, union_rules, unit=loaded.unit)
        else:
            for name in scope:
                rules = code_project(project, union_rules, unit=loaded.unit, source=name)
    counts = Counter(k.code for k in found)
    return SuggestReport(
        name=loaded.name,
        coder=loaded.coder,
        provenance=loaded.provenance,
        unit=loaded.unit,
        units=len(units),
        sources=len(scope),
        removed=removed,
        added=added,
        per_code=tuple((code, counts.get(code, 0)) for code in fitted.codes_),
        shipped=loaded.shipped,
        rules=_rules_total(project, rules, scope) if sources is not None else rules,
    )


def _scope(project: Project, sources: Sequence[str] | None) -> list[str]:
    every = coding_store.source_names(project)
    if sources is None:
        return every
    chosen = list(dict.fromkeys(sources))
    known = set(every)
    missing = [s for s in chosen if s not in known]
    if missing:
        raise UsageError(f"no source named {missing[0]!r} in the project (see pdcode sources)")
    return chosen


def _rules_total(
    project: Project, last: CodeReport | None, scope: Sequence[str]
) -> CodeReport | None:
    """The rules' run over several named sources (coded one source at a time) as one."""
    from dataclasses import replace

    if last is None:
        return None
    wanted = set(scope)
    rows = [r for r in coding_store.coding_rows(project, coder=last.coder) if r["source"] in wanted]
    counts = Counter(r["code"] for r in rows)
    return replace(
        last,
        sources=len(scope),
        units=sum(1 for u in coding_store.coding_units(project, last.unit) if u.source in wanted),
        added=len(rows),
        per_code=tuple((code, counts.get(code, 0)) for code, _ in last.per_code),
    )


# -- models list | show | delete -------------------------------------------------------


@dataclass(frozen=True)
class ModelList:
    rows: tuple[dict[str, Any], ...]  # name, hash, coder, unit, coders, codes, created_at...
    shipped: tuple[str, ...] = field(default=())  # shipped models not in the project


def models_list(project: Project) -> ModelList:
    """The project's models (name, hash, coder, unit, coders, codes learned,
    suggestions stored, created), and the shipped ones it does not hold yet."""
    rows = []
    counts = store.coder_counts(project, "model:")
    for row in store.model_rows(project):
        found = store.load_model(project, row["name"])
        assert found is not None
        try:
            codes = len(json.loads(found["record"])["codes"])
        except (ValueError, RecursionError, KeyError, TypeError):
            codes = None
        coder = model_coder(row["name"], row["hash"])
        rows.append(
            {
                "name": row["name"],
                "hash": row["hash"],
                "coder": coder,
                "unit": row["unit"],
                "coders": row["coders"],
                "codes": codes,
                "suggestions": counts.get(coder, 0),
                "codebook": row["codebook"],
                "created_at": row["created_at"],
            }
        )
    names = {r["name"] for r in rows}
    return ModelList(tuple(rows), tuple(n for n in shipped_names() if n not in names))


def models_show(project: Project, name: str) -> dict[str, Any]:
    """Everything about model ``name`` (checked against its digest): its training,
    parameters, and per code the threshold and out-of-fold scores; a shipped model
    not yet in the project is shown from pdcode's copy."""
    check_name(name, "NAME")
    row = store.load_model(project, name)
    if row is None:
        found = shipped(name)
        if found is None:
            _no_model(project, name)
        from pdcode.learn.serial import canonical

        model = _checked(name, canonical(found["record"]).decode("utf-8"))
        book = found["codebook"]
        about: dict[str, Any] = {
            "unit": found["unit"],
            "coders": found["coders"],
            "codebook": None if book is None else book.get("sha256"),
            "created_at": None,
            "shipped": True,
            "sets": found["sets"],
        }
    else:
        model = _checked(name, row["record"])
        about = {
            "unit": row["unit"],
            "coders": row["coders"],
            "codebook": row["codebook"],
            "created_at": row["created_at"],
            "shipped": False,
        }
    return {
        "name": name,
        "hash": model.hash_,
        "coder": model_coder(name, model.hash_),
        "digest": model._digest,
        **about,
        "training": {
            "units": model.training_units_,
            "sources": model.training_sources_,
            "hash": model.training_hash_,
        },
        "params": {
            "min_positive": model.min_positive,
            "min_precision": model.min_precision,
            "folds": model.folds,
            "seed": model.seed,
            "C": model.C,
        },
        "terms": len(model.vocabulary_),
        "learned_codebook": None if model.codebook is None else _book_data(model.codebook),
        "rules": None
        if model.rules is None
        else {**_book_data(model.rules.book), "codes": list(model.rules.codes)},
        "codes": [
            {
                "code": s.code,
                "positives": s.positives,
                "threshold": round(s.threshold, 4),
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "predicted": s.predicted,
                "criterion": s.criterion,
            }
            for s in model.cv_scores_
        ],
        "skipped": [
            {"code": s.code, "positives": s.positives, "reason": s.reason}
            for s in _skipped(model, str(about["unit"]))
        ],
        "notes": list(model.notes_),
        "versions": dict(model.versions_),
    }


def _book_data(book: BookRef) -> dict[str, str]:
    return {"name": book.name, "version": book.version, "content_hash": book.content_hash}


def _no_model(project: Project, name: str) -> NoReturn:
    known = [r["name"] for r in store.model_rows(project)]
    raise UsageError(f"no model named {name!r} (models: {', '.join(known) or 'none'})")


def models_delete(project: Project, name: str) -> int:
    """Delete model ``name``'s record; returns how many codings of its coders
    (``model:NAME@…``) stay in the project, with the decisions on them."""
    check_name(name, "NAME")
    if not store.delete_model(project, name):
        _no_model(project, name)
    return sum(store.coder_counts(project, f"model:{name}@").values())
