"""`pdcode suggest`: a stored (or shipped) model's suggestions written as the
codings of ``model:NAME@HASH``, each with the rule text saying why and where."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from pdcode.api.models import load
from pdcode.errors import ProjectError, UsageError
from pdcode.records import CodingUnit, NewCoding
from pdcode.store import Project, coding_runs
from pdcode.store import codings as coding_store
from pdcode.store import models as store

if TYPE_CHECKING:
    from pdcode.api.coding import CodeReport
    from pdcode.learn import Suggestion, SuggestionModel

BATCH = 2000  # units per suggest batch (progress)


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
    per_code: tuple[tuple[str, int], ...]  # each code the model learned, but the retired
    shipped: bool = False  # the shipped model, copied into the project by this run
    rules: CodeReport | None = None  # with union_rules: the rules' run
    retired: tuple[str, ...] = ()  # codes the model learned, retired since: not suggested

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
    codebook's rules (``pdcode code``, by the model's unit), a coder of its own.
    Codes retired since the model learned them (``pdcode codes retire``) are not
    suggested, as ``pdcode code`` no longer applies their rules."""
    from pdcode.api.coding import code_project
    from pdcode.api.workbench import codes

    scope = _scope(project, sources)
    loaded = load(project, model)
    fitted = loaded.model
    attach_rules(project, loaded.name, fitted)
    thresholds = dict(zip(fitted.codes_, (float(t) for t in fitted.thresholds_), strict=True))
    retired = {c["code"] for c in codes(project) if c["retired"]} & set(fitted.codes_)
    book_id = store.codebook_id(project, loaded.codebook)
    counts: Counter[str] = Counter()
    # One transaction: units read and suggestions written in batches, so memory
    # does not grow with the corpus.
    with coding_runs.coding_run(
        project, loaded.coder, loaded.provenance, scope, book_id, every=sources is None
    ) as run:
        total, _ = run.size(loaded.unit)
        units = (u for batch in run.units(loaded.unit) for u in batch)
        run.add(_suggested(units, fitted, thresholds, retired, counts, total, on_progress))
    rules = None
    if union_rules is not None:
        if sources is None:
            rules = code_project(project, union_rules, unit=loaded.unit)
        else:
            for name in scope:
                rules = code_project(project, union_rules, unit=loaded.unit, source=name)
    return SuggestReport(
        name=loaded.name,
        coder=loaded.coder,
        provenance=loaded.provenance,
        unit=loaded.unit,
        units=total,
        sources=len(scope),
        removed=run.removed,
        added=run.added,
        per_code=tuple((c, counts.get(c, 0)) for c in fitted.codes_ if c not in retired),
        shipped=loaded.shipped,
        rules=_rules_total(project, rules, scope) if sources is not None else rules,
        retired=tuple(c for c in fitted.codes_ if c in retired),
    )


def _suggested(
    units: Iterator[CodingUnit],
    fitted: SuggestionModel,
    thresholds: dict[str, float],
    retired: set[str],
    counts: Counter[str],
    total: int,
    on_progress: Callable[[int, int], None] | None,
) -> Iterator[NewCoding]:
    """The model's suggestions on ``units``, ``BATCH`` units at a time, counted per
    code; none of a ``retired`` code."""
    done = 0
    while batch := list(islice(units, BATCH)):
        for unit, suggestions in zip(batch, fitted.suggest([u.text for u in batch]), strict=True):
            for s in suggestions:
                if s.code in retired:
                    continue
                match = locate(unit.text, s.top_terms)
                counts[s.code] += 1
                yield NewCoding(
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
        done += len(batch)
        if on_progress is not None:
            on_progress(done, total)


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
        units=coding_runs.unit_count(project, last.unit, scope),
        added=len(rows),
        per_code=tuple((code, counts.get(code, 0)) for code, _ in last.per_code),
    )


# -- a model's rule columns ------------------------------------------------------------


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
