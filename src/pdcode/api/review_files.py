"""Review decisions through a spreadsheet: `pdcode review export|import|summary`.

The export is the sheet a team member fills in: one row per machine coding, with
the words the rule matched and the reviewer's decision where there is one. No
timestamps go in it, so exporting the same project twice gives the same bytes.
The import reads it back (CSV or XLSX, through the readers and limits of
``pdcode codings import``), checks every row first and reports every problem at
once with its row and column; only a file without problems is stored, in one
transaction. Decisions name the machine coding by source, span, code and coder,
so they survive a rerun of ``pdcode code`` that gives the same spans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pdcode.api.formats import check_format, format_of
from pdcode.api.review import SUMMARY_COLUMNS, CodeTally, human_coder, summary
from pdcode.errors import InputError, UsageError
from pdcode.store import Project

EXPORT_FORMATS = ("csv", "xlsx")
SUMMARY_FORMATS = ("csv", "json")
EXPORT_COLUMNS = (
    "source", "strand", "case", "speaker", "start", "end", "code", "coder", "rule",
    "matched", "text", "reviewer", "decision", "new_code",
)  # fmt: skip
REQUIRED_COLUMNS = ("source", "start", "end", "code", "coder", "decision")
MACHINE = ("rules:", "model:", "topics:")  # the coders whose codings are reviewed
TOTAL = "(total)"  # the code column of a coder's pooled row in the summary
# What a reviewer may write in the decision column (any case).
DECISION_WORDS = {
    "accept": "accept",
    "a": "accept",
    "reject": "reject",
    "x": "reject",
    "change": "change",
    "c": "change",
}


def default_reviewer(name: str | None = None) -> str:
    """``human:NAME`` for ``name``, else for the user running pdcode."""
    if name is not None:
        return human_coder(name)
    import getpass

    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment (some containers)
        user = ""
    if not user.strip():
        raise UsageError("cannot tell who you are: give --reviewer NAME")
    return human_coder(user)


def _check_machine(project: Project, coder: str) -> None:
    from pdcode.api.filters import check_coder

    if not coder.startswith(MACHINE):
        raise UsageError(
            f"{coder!r} is not a machine coder; review the codings of rules:…, model:… or topics:…"
        )
    check_coder(project, coder)


# -- export ------------------------------------------------------------------


def review_sheet(
    project: Project, coder: str, reviewer: str, pending: bool = False
) -> list[dict[str, Any]]:
    """One row per coding of ``coder`` (only those ``reviewer`` has not decided, with
    ``pending``), in source, start, end, code order, with ``reviewer``'s decision
    where there is one. Every row names ``reviewer``: the sheet is theirs."""
    from pdcode.store import codings as coding_store
    from pdcode.store import reviews as review_store

    _check_machine(project, coder)
    if reviewer == coder:
        raise UsageError("a coder cannot review their own codings")
    decided = {
        (i["source"], i["start"], i["end"], i["code"]): i
        for i in review_store.machine_items(project, coder, reviewer)
    }
    rows = []
    for row in coding_store.coding_rows(project, coder=coder):
        item = decided.get((row["source"], row["start"], row["end"], row["code"]))
        decision = item["decision"] if item is not None else None
        if pending and decision is not None:
            continue
        rows.append(
            {
                **{c: row.get(c) for c in EXPORT_COLUMNS},
                "reviewer": reviewer,
                "decision": decision,
                "new_code": item["new_code"] if item is not None else None,
            }
        )
    return rows


def export_review(
    project: Project,
    coder: str,
    reviewer: str,
    output: Path | None,
    fmt: str | None = None,
    pending: bool = False,
    raw_csv: bool = False,
) -> str | None:
    """The review sheet as csv (returned when not written) or xlsx. The format is
    ``fmt``, else ``output``'s suffix, else csv. CSV cells a spreadsheet would run
    as formulas are neutralised unless ``raw_csv`` (the import undoes it)."""
    from pdcode.export.tables import render, write_text

    fmt = format_of(fmt, output, EXPORT_FORMATS, "csv")
    check_format(fmt, EXPORT_FORMATS, output)
    rows = review_sheet(project, coder, reviewer, pending)
    if fmt == "xlsx":
        from pdcode.export.workbook import write_xlsx

        assert output is not None  # check_format refused xlsx without one
        write_xlsx({"review": (rows, EXPORT_COLUMNS)}, output)
        return None
    content = render(rows, EXPORT_COLUMNS, "csv", raw_csv)
    if output is not None:
        write_text(content, output)
    return content


# -- import ------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why one row of a review sheet cannot be stored."""

    file: str
    row: int  # the spreadsheet's row number: the header is row 1
    column: str  # the column at fault ("" for the row as a whole)
    reason: str

    def __str__(self) -> str:
        column = f"{self.column}: " if self.column else ""
        return f"{self.file}:{self.row}: {column}{self.reason}"


@dataclass(frozen=True)
class ReviewImport:
    file: str
    rows: int  # rows read (blank ones not counted)
    stored: int
    unchanged: int  # decisions the project already held, the same way
    skipped: int  # rows without a decision
    reviewers: tuple[str, ...]
    coders: tuple[str, ...]
    problems: tuple[RowProblem, ...]  # when any, nothing was stored


def _unneutralise(value: str) -> str:
    """A CSV cell as pdcode exported it, without the apostrophe `csv_safe` adds."""
    from pdcode.export.tables import FORMULA_STARTS

    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _offset(value: str) -> int | None:
    """An offset as a spreadsheet may hold it: ``412``, or ``412.0`` after Excel."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


class _Codes:
    """New codes by id or name, each resolved once: a leaf code's id, or why not."""

    def __init__(self, project: Project) -> None:
        from pdcode.api.workbench import codes

        self.project = project
        self.leaves = {c["code"] for c in codes(project)}
        self.found: dict[str, tuple[str | None, str]] = {}

    def resolve(self, name: str) -> tuple[str | None, str]:
        """(the code's id, "") or (None, the reason it is not a code to change to)."""
        from pdcode.api.filters import code_to_apply

        if name not in self.found:
            try:
                code = code_to_apply(self.project, name, option="new_code")
            except UsageError as exc:
                self.found[name] = (None, exc.message)
            else:
                if code in self.leaves:
                    self.found[name] = (code, "")
                else:
                    reason = f"{code!r} is not a code of the project's codebooks"
                    self.found[name] = (None, reason)
        return self.found[name]


def _read(path: Path) -> list[dict[str, str]]:
    from pdcode.humancoding.tables import read_rows

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(path, "not a review sheet: decisions come from .csv or .xlsx")
    rows = read_rows(path)
    if suffix == ".csv":
        rows = [{k: _unneutralise(v) for k, v in row.items()} for row in rows]
    return rows


Decision = tuple[dict[str, Any], str, str, str | None]  # as store.reviews.decide_many takes it


class _Checker:
    """Checks a sheet's rows against the project, collecting every problem."""

    def __init__(self, project: Project, file: str, reviewer: str) -> None:
        from pdcode.store import frames
        from pdcode.store import reviews as review_store

        self.project, self.file, self.reviewer = project, file, reviewer
        self.problems: list[RowProblem] = []
        self.known = set(frames.known_coders(project))
        self.codes = _Codes(project)
        self.codings: dict[str, set[tuple[str, int, int, str]]] = {}
        # (source, start, end, code, coder, reviewer) -> (decision, new code)
        self.earlier = {
            (d["source"], d["start"], d["end"], d["code"], d["coder"], d["reviewer"]): (
                d["decision"],
                d["new_code"],
            )
            for d in review_store.review_rows(project)
        }
        self.first_row: dict[tuple[str, int, int, str, str, str], int] = {}
        self.said: dict[tuple[str, int, int, str, str, str], tuple[str, str | None]] = {}

    def problem(self, number: int, column: str, reason: str) -> None:
        self.problems.append(RowProblem(self.file, number, column, reason))

    def row(self, number: int, row: Mapping[str, str], said: str) -> Decision | None:
        """The decision of one row with a decision cell, or None (its problems noted)."""
        before = len(self.problems)
        decision = DECISION_WORDS.get(said.casefold())
        if decision is None:
            reason = f"unknown decision {said!r} (accept, reject or change; a, x or c)"
            self.problem(number, "decision", reason)
        who = self._reviewer(number, row.get("reviewer", ""))
        coder = self._coder(number, row.get("coder", ""), who)
        source, code = row.get("source", ""), row.get("code", "")
        for column, value in (("source", source), ("code", code)):
            if not value:
                self.problem(number, column, "empty")
        start, end = _offset(row.get("start", "")), _offset(row.get("end", ""))
        for column, offset in (("start", start), ("end", end)):
            if offset is None:
                self.problem(number, column, f"not a whole number: {row.get(column, '')!r}")
        new_code = self._new_code(number, decision, row.get("new_code", ""), code)
        if len(self.problems) > before:
            return None
        assert decision is not None and coder is not None
        assert start is not None and end is not None
        return self._against_project(
            number, source, start, end, code, coder, who, decision, new_code
        )

    def _reviewer(self, number: int, given: str) -> str:
        if not given:
            return self.reviewer
        try:
            return human_coder(given)
        except UsageError as exc:
            self.problem(number, "reviewer", exc.message)
            return self.reviewer

    def _coder(self, number: int, coder: str, who: str) -> str | None:
        if not coder:
            self.problem(number, "coder", "empty: name the machine coder, e.g. rules:BOOK@VERSION")
        elif not coder.startswith(MACHINE):
            reason = f"{coder!r} is not a machine coder (rules:…, model:… or topics:…)"
            self.problem(number, "coder", reason)
        elif coder not in self.known:
            self.problem(number, "coder", f"no codings by {coder!r} in the project")
        elif coder == who:
            self.problem(number, "reviewer", "a coder cannot review their own codings")
        else:
            return coder
        return None

    def _new_code(self, number: int, decision: str | None, given: str, code: str) -> str | None:
        if decision != "change":
            if decision is not None and given:
                reason = f"only a change names a new code (this row says {decision})"
                self.problem(number, "new_code", reason)
            return None
        if not given:
            self.problem(number, "new_code", "a change needs the new code (its id or name)")
            return None
        resolved, why = self.codes.resolve(given)
        if resolved is None:
            self.problem(number, "new_code", why)
        elif resolved == code:
            self.problem(number, "new_code", f"the coding already has the code {code!r}; accept it")
        return resolved

    def _against_project(
        self,
        number: int,
        source: str,
        start: int,
        end: int,
        code: str,
        coder: str,
        who: str,
        decision: str,
        new_code: str | None,
    ) -> Decision | None:
        """The decision, if its coding exists and it contradicts no other decision."""
        from pdcode.store import codings as coding_store

        if coder not in self.codings:
            self.codings[coder] = {
                (r["source"], r["start"], r["end"], r["code"])
                for r in coding_store.coding_rows(self.project, coder=coder)
            }
        if (source, start, end, code) not in self.codings[coder]:
            reason = (
                f"{coder} has no coding {code!r} of {source} {start}-{end} "
                "(removed by a rerun of pdcode code?)"
            )
            self.problem(number, "", reason)
            return None
        key = (source, start, end, code, coder, who)
        if key in self.first_row:
            if self.said[key] != (decision, new_code):
                reason = f"row {self.first_row[key]} decides the same coding otherwise"
                self.problem(number, "decision", reason)
            return None  # the same decision twice counts once
        self.first_row[key], self.said[key] = number, (decision, new_code)
        held = self.earlier.get(key)
        if held is not None and held != (decision, new_code):
            done = held[0] if held[1] is None else f"{held[0]} to {held[1]}"
            reason = (
                f"{who} already decided {done!r} on this coding; take that back in the "
                "workbench (pdcode serve) first"
            )
            self.problem(number, "decision", reason)
            return None
        coding = {"source": source, "start": start, "end": end, "code": code, "coder": coder}
        return coding, who, decision, new_code


def import_review(project: Project, path: Path, reviewer: str) -> ReviewImport:
    """Check every row of a filled-in review sheet, then store its decisions in one
    transaction; with any problem, store nothing and return them all.

    A row's ``reviewer`` cell, when filled, wins over ``reviewer``. Rows without a
    decision are skipped. A decision the project already holds the same way is
    counted as unchanged; one it holds differently is a problem (take it back in
    the workbench first).
    """
    from pdcode.store import reviews as review_store

    file = str(path)
    rows = _read(path)
    columns = set(rows[0]) if rows else set()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if not rows or missing:
        found = ", ".join(sorted(c for c in columns if c)) or "none"
        reason = (
            "no rows (expected a sheet of pdcode review export)"
            if not rows
            else f"missing column(s) {', '.join(missing)} (found: {found})"
        )
        return ReviewImport(file, len(rows), 0, 0, 0, (), (), (RowProblem(file, 1, "", reason),))
    checker = _Checker(project, file, reviewer)
    decisions: list[Decision] = []
    read = skipped = 0
    for number, raw in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue  # a blank line of the sheet
        read += 1
        said = row.get("decision", "")
        if not said:
            skipped += 1
            continue
        decided = checker.row(number, row, said)
        if decided is not None:
            decisions.append(decided)
    reviewers = tuple(sorted({d[1] for d in decisions})) or (reviewer,)
    coders = tuple(sorted({d[0]["coder"] for d in decisions}))
    if checker.problems:
        problems = tuple(checker.problems)
        return ReviewImport(file, read, 0, 0, skipped, reviewers, coders, problems)
    stored, unchanged = review_store.decide_many(project, decisions) if decisions else (0, 0)
    return ReviewImport(file, read, stored, unchanged, skipped, reviewers, coders, ())


# -- summary -----------------------------------------------------------------


def summary_rows(
    project: Project, coder: str | None = None, reviewer: str | None = None
) -> list[dict[str, Any]]:
    """`review.summary` as rows (`SUMMARY_COLUMNS`), each coder's codes followed by
    its total: the counts pooled over its codes, the interval from those counts."""
    tallies = summary(project, coder, human_coder(reviewer) if reviewer is not None else None)
    by_coder: dict[str, list[CodeTally]] = {}
    for tally in tallies:
        by_coder.setdefault(tally.coder, []).append(tally)
    rows: list[dict[str, Any]] = []
    for name, mine in by_coder.items():
        rows += [t.row() for t in mine]
        rows.append(
            CodeTally(
                coder=name,
                code=TOTAL,
                codings=sum(t.codings for t in mine),
                reviewed=sum(t.reviewed for t in mine),
                accepted=sum(t.accepted for t in mine),
                rejected=sum(t.rejected for t in mine),
                changed=sum(t.changed for t in mine),
            ).row()
        )
    return rows


def reviewed_any(rows: Sequence[Mapping[str, Any]]) -> bool:
    return any(r["reviewed"] for r in rows)


def render_summary(rows: Sequence[Mapping[str, Any]], fmt: str, output: Path | None = None) -> str:
    """The summary rows as csv or json, written to ``output`` when given."""
    from pdcode.export.tables import render, write_text

    check_format(fmt, SUMMARY_FORMATS, output)
    content = render(rows, SUMMARY_COLUMNS, fmt)
    if output is not None:
        write_text(content, output)
    return content
