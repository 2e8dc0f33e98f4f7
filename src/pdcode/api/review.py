"""Reviewing machine codings: the queue, decisions, undo and the summary.

A machine coder (``rules:BOOK@VERSION``, a learned model, topics) proposes; a
person decides on each coding: accept, reject, or change its code. Decisions are
stored beside the machine codings (which stay) and accepted or changed ones add
the span as the reviewer's own coding, with provenance ``review:<machine coder>``.
A person's coder name is their bare NAME (see ``human_coder``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pdcode.errors import UsageError
from pdcode.store import Project
from pdcode.store import reviews as store

ORDERS = ("code", "source", "random", "uncertain")


def human_coder(name: str) -> str:
    """A person's coder name as pdcode stores people everywhere (`pdcode codings
    import --coder ana` stores coder ``ana`` with provenance ``human:ana``): the bare
    NAME, a ``human:`` prefix dropped, so that one person is one coder whether they
    coded in a spreadsheet, in the workbench or by reviewing."""
    found = name.strip().removeprefix("human:").strip()
    if not found:
        raise UsageError("a coder needs a name")
    if found.startswith(("rules:", "model:", "topics:", "review:")):
        raise UsageError(f"{found!r} names a machine coder, not a person")
    return found


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """The Wilson score 95% interval for a proportion (statsmodels'
    ``proportion_confint``); None when n is 0.

    Chosen over the normal approximation because review samples per code are
    small and precision is often near 1, where the latter runs past [0, 1].
    """
    if n == 0:
        return None
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    return float(low), float(high)


@dataclass(frozen=True)
class CodeTally:
    """Decisions on one machine coder's codings of one code."""

    coder: str
    code: str
    codings: int
    reviewed: int
    accepted: int
    rejected: int
    changed: int

    @property
    def precision(self) -> float | None:
        return self.accepted / self.reviewed if self.reviewed else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.accepted, self.reviewed)

    def row(self) -> dict[str, Any]:
        low, high = self.interval or (None, None)
        precision = self.precision
        return {
            "coder": self.coder,
            "code": self.code,
            "codings": self.codings,
            "reviewed": self.reviewed,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "changed": self.changed,
            "precision": None if precision is None else round(precision, 4),
            "low": None if low is None else round(low, 4),
            "high": None if high is None else round(high, 4),
        }


SUMMARY_COLUMNS = (
    "coder", "code", "codings", "reviewed", "accepted", "rejected", "changed",
    "precision", "low", "high",
)  # fmt: skip


def _order_key(order: str, seed: int, margins: dict[int, float | None] | None = None) -> Any:
    if order == "uncertain":
        # A learned model's codings nearest their code's threshold first (smallest
        # probability - threshold): the ones a decision teaches most about. Codings
        # without a probability (any other coder's) last, in code order.
        found = margins or {}

        def margin(i: dict[str, Any]) -> tuple[bool, float, str, str, int, int]:
            m = found.get(i["id"])
            return m is None, m or 0.0, i["code"], i["source"], i["start"], i["end"]

        return margin
    if order == "code":
        return lambda i: (i["code"], i["source"], i["start"], i["end"])
    if order == "source":
        return lambda i: (i["source"], i["start"], i["end"], i["code"])

    def shuffled(i: dict[str, Any]) -> tuple[str, int]:
        # A hash of the item's identity, not its row id: the same seed gives the
        # same order after a rerun of the coder, and deciding never reshuffles.
        ident = f"{seed}\x1f{i['source']}\x1f{i['start']}\x1f{i['end']}\x1f{i['code']}"
        return hashlib.sha256(ident.encode("utf-8")).hexdigest(), i["id"]

    return shuffled


def _check(project: Project, coder: str, reviewer: str, order: str) -> None:
    from pdcode.api.filters import check_coder

    if order not in ORDERS:
        raise UsageError(f"unknown order {order!r} (choose from {', '.join(ORDERS)})")
    if not coder.startswith(("rules:", "model:", "topics:")):
        raise UsageError(
            f"{coder!r} is not a machine coder; review the codings of rules:…, model:… or topics:…"
        )
    check_coder(project, coder)
    if reviewer == coder:
        raise UsageError("a coder cannot review their own codings")


@dataclass(frozen=True)
class Queue:
    """Where a reviewer stands in one machine coder's queue."""

    coder: str
    reviewer: str
    order: str
    total: int
    decided: int
    pending: tuple[int, ...]  # coding ids, next first
    tallies: tuple[CodeTally, ...]

    @property
    def next_id(self) -> int | None:
        return self.pending[0] if self.pending else None


def queue(
    project: Project,
    coder: str,
    reviewer: str,
    order: str = "code",
    seed: int = 0,
    code: str | None = None,
    skip: tuple[int, ...] = (),
) -> Queue:
    """The undecided codings of ``coder`` for ``reviewer`` in ``order`` (skipped
    ids go last), with progress and the running precision per code."""
    _check(project, coder, reviewer, order)
    items = store.machine_items(project, coder, reviewer)
    if code is not None:
        items = [i for i in items if i["code"] == code]
    margins = None
    if order == "uncertain":
        from pdcode.store import models as model_store

        margins = model_store.margins(project, coder)
    key = _order_key(order, seed, margins)
    pending = sorted((i for i in items if i["decision"] is None), key=key)
    skipped = set(skip)
    ids = [i["id"] for i in pending if i["id"] not in skipped]
    ids += [i["id"] for i in pending if i["id"] in skipped]
    return Queue(
        coder=coder,
        reviewer=reviewer,
        order=order,
        total=len(items),
        decided=len(items) - len(pending),
        pending=tuple(ids),
        tallies=tuple(_tally(coder, items)),
    )


def _tally(coder: str, items: list[dict[str, Any]]) -> list[CodeTally]:
    by_code: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_code.setdefault(item["code"], []).append(item)
    return [
        _counted(coder, code, len(found), [i["decision"] for i in found if i["decision"]])
        for code, found in sorted(by_code.items())
    ]


def _counted(coder: str, code: str, codings: int, decisions: list[str]) -> CodeTally:
    """The tally of one code's decisions (``accept``, ``reject``, ``change``)."""
    return CodeTally(
        coder=coder,
        code=code,
        codings=codings,
        reviewed=len(decisions),
        accepted=decisions.count("accept"),
        rejected=decisions.count("reject"),
        changed=decisions.count("change"),
    )


def item(project: Project, coding_id: int) -> dict[str, Any]:
    """One machine coding as the reviewer sees it: its span, the words the rule
    matched, the rule, the code's name and definition, and the turns around it."""
    from pdcode.api.workbench import code_details

    found = store.coding_context(project, coding_id)
    found["definition"] = code_details(project).get(found["code"], {})
    return found


def decide(
    project: Project,
    coding_id: int,
    reviewer: str,
    decision: str,
    new_code: str | None = None,
    expect: tuple[int, int, str] | None = None,
) -> int:
    """Store one decision (its own transaction); returns the decision's id.

    ``expect`` is the (start, end, code) of the coding the reviewer was shown; pass
    it whenever the id came from an earlier request, since a rerun of the coder
    may give the id to another coding."""
    from pdcode.api.filters import code_to_apply

    if decision not in store.DECISIONS:
        raise UsageError(
            f"unknown decision {decision!r} (choose from {', '.join(store.DECISIONS)})"
        )
    if new_code is not None:
        new_code = code_to_apply(project, new_code)
    return store.decide(project, coding_id, reviewer, decision, new_code, expect)


def undo_last(project: Project, coder: str, reviewer: str) -> dict[str, Any] | None:
    """Take back ``reviewer``'s newest decision on ``coder``'s codings; returns it
    (None when there is none left)."""
    last = store.last_decision(project, reviewer, coder)
    if last is not None:
        store.undo(project, int(last["id"]), reviewer)
    return last


def summary(
    project: Project, coder: str | None = None, reviewer: str | None = None
) -> list[CodeTally]:
    """Per machine coder and code: codings, decisions and estimated precision.

    Every decision counts; with several reviewers an item decided by two counts
    twice, so pass ``reviewer`` to estimate from one person's decisions.
    """
    from pdcode.api.filters import check_coder
    from pdcode.store import frames

    if coder is not None:
        check_coder(project, coder)
        coders = [coder]
    else:
        machine = ("rules:", "model:", "topics:")
        coders = [c for c in frames.known_coders(project) if c.startswith(machine)]
    decisions = store.review_rows(project, reviewer=reviewer)
    tallies = []
    for name in coders:
        counts = store.code_counts(project, name)
        mine = [d for d in decisions if d["coder"] == name]
        for d in mine:
            counts.setdefault(d["code"], 0)
        for code in sorted(counts):
            on = [d["decision"] for d in mine if d["code"] == code]
            tallies.append(_counted(name, code, counts[code], on))
    return tallies
