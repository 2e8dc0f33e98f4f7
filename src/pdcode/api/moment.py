"""Reading verbs see the project as of one moment.

A table is built from several reads (sources, units, codings, codes). While
teammates import and code the same project, a commit landing between two of
those reads would join two states: a source counted without its codings, a run
half in. :func:`one_moment` runs a verb inside :meth:`Project.one_moment`, so all
its reads share one snapshot (a read transaction on SQLite, REPEATABLE READ on
PostgreSQL). Only for verbs that do not write.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from pdcode.store import Project

P = ParamSpec("P")
R = TypeVar("R")


def one_moment(verb: Callable[Concatenate[Project, P], R]) -> Callable[Concatenate[Project, P], R]:
    """Decorate a reading verb whose first argument is the project."""

    @functools.wraps(verb)
    def at_one_moment(project: Project, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with project.one_moment():
            return verb(project, *args, **kwargs)

    return at_one_moment
