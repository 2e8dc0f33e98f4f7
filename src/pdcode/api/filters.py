"""The one check of every verb's filters: --code, --strand, --coder(s), --gold, --pred.

A filter that matches nothing in the project is a usage error naming the values
that would, never an empty document. A code is found by its id or, ignoring
case, by its id or display name, and always resolves to its id.
"""

from __future__ import annotations

from collections.abc import Sequence

from pdcode.errors import UsageError
from pdcode.store import Project, frames


def _choices(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "none"


def resolve_code(project: Project, code: str | None, option: str = "--code") -> str | None:
    """The id of the code named by ``code`` (an id or a name, any case), or None."""
    if code is None:
        return None
    table = frames.codes_frame(project)
    names = dict(zip(table["code"], table["name"], strict=True))
    groups = {c for c, g in zip(table["code"], table["is_group"], strict=True) if bool(g)}
    leaves = [c for c in table["code"] if c not in groups]
    coded = frames.coded_codes(project)
    # A group code is a filter too where it carries codings of its own (as
    # codings imported from NVivo or qc often do).
    valid = leaves + [c for c in coded if c not in names or c in groups]
    if code in valid:
        return str(code)
    wanted = code.strip().casefold()
    found = [c for c in valid if wanted in (c.casefold(), str(names.get(c, "")).casefold())]
    if len(found) == 1:
        return str(found[0])
    if found:
        raise UsageError(f"{option} {code!r} names more than one code ({', '.join(found)})")
    group = next(
        (g for g in groups if wanted in (g.casefold(), str(names[g]).casefold())),
        None,
    )
    if group is not None:
        children = [c for c, p in zip(table["code"], table["parent"], strict=True) if p == group]
        raise UsageError(
            f"{option} {code!r} is a group of codes: give one of its codes ({_choices(children)})"
        )
    raise UsageError(f"unknown code {code!r} for {option} (choose from {_choices(valid)})")


def code_to_apply(project: Project, code: str, option: str = "--code") -> str:
    """The id of the code ``code`` names, for a new coding or a change to one: a
    retired code (``pdcode codes retire``) is refused, as ``pdcode code`` no longer
    applies it; its codings stay and every filter still takes it."""
    from pdcode.api.workbench import codes

    found = resolve_code(project, code, option)
    assert found is not None
    if any(c["code"] == found and c["retired"] for c in codes(project)):
        raise UsageError(
            f"{option} {code!r}: {found} is retired, so no new coding can use it "
            f"(its codings stay; pdcode codes retire {found} --undo brings it back)"
        )
    return found


def check_strand(project: Project, strand: str | None, option: str = "--strand") -> str | None:
    """``strand`` itself, if a source of the project is in it."""
    if strand is None:
        return None
    strands = frames.known_strands(project)
    if strand not in strands:
        raise UsageError(
            f"unknown strand {strand!r} for {option} (choose from {_choices(strands)})"
        )
    return strand


def check_coders(project: Project, coders: Sequence[str]) -> None:
    """Every coder named has codings in the project."""
    known = frames.known_coders(project)
    missing = [c for c in coders if c not in known]
    if missing:
        raise UsageError(
            f"no codings by {', '.join(missing)} (coders in the project: {_choices(known)})"
        )


def check_coder(project: Project, coder: str | None) -> str | None:
    """``coder`` itself, if it has codings in the project."""
    if coder is not None:
        check_coders(project, [coder])
    return coder
