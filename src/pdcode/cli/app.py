"""The Typer application, its global options and the one error handler."""

from __future__ import annotations

import errno
import os
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from pdcode import __version__
from pdcode.cli.render import err_console, printable
from pdcode.errors import CodebookError, PdcodeError, set_debug

_state = {"debug": False}
# Typer bundles its own Click; its usage errors must reach Click's own handler
# (which prints usage and exits 2), so find their base class through a public one.
_CLICK_ERRORS = tuple(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class _Group(TyperGroup):
    """Turns every ``PdcodeError`` into one line and an exit status.

    Unexpected exceptions are bugs: without ``--debug`` we print only their type,
    never their message or locals, because either may carry interview text.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PdcodeError as exc:
            if _state["debug"]:
                raise
            # One line, whatever a file name or a value in the message holds (a
            # codebook's problems are listed one a line).
            message = printable(exc.message, lines=isinstance(exc, CodebookError))
            err_console.print(f"Error: {message}", markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if _state["debug"] or isinstance(exc, _CLICK_ERRORS):
                raise
            fault = _disk_fault(exc)
            if fault is not None:
                err_console.print(f"Error: {fault}", markup=False, highlight=False)
                raise typer.Exit(1) from None
            err_console.print(
                f"Error: internal error ({type(exc).__name__}); "
                "rerun with --debug for the traceback and report it",
                markup=False,
                highlight=False,
            )
            raise typer.Exit(1) from None


_DISK_FAULTS = {
    errno.ENOSPC: "the disk is full; free some space, then run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space, then run the command again",
    errno.EROFS: "the disk is read-only; write somewhere else",
    errno.EACCES: "permission denied; check the file's and its folder's permissions",
    errno.EPERM: "permission denied; check the file's and its folder's permissions",
}


def _disk_fault(exc: BaseException) -> str | None:
    """An ``OSError`` that no stage turned into a ``PdcodeError`` but the user can
    still fix (a full or read-only disk), as one line naming the file."""
    if not isinstance(exc, OSError) or exc.errno not in _DISK_FAULTS:
        return None
    where = f"{printable(str(exc.filename))}: " if exc.filename else ""
    return where + _DISK_FAULTS[exc.errno]


app = typer.Typer(
    cls=_Group,
    name="pdcode",
    help="Reproducible, scriptable qualitative coding of interview transcripts.",
    no_args_is_help=True,
    add_completion=False,
    # Locals in a traceback would print interview text.
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pdcode {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback on errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    _state["debug"] = debug or bool(os.environ.get("PDCODE_DEBUG"))
    set_debug(_state["debug"])


# Command modules register themselves on `app` when imported.
from pdcode.cli import (  # noqa: E402, F401
    analysis,
    codebook,
    coders,
    codes,
    coding,
    codings,
    cooccur,
    excerpts,
    export,
    imports,
    learn,
    memos,
    project,
    pseudonymise,
    reliability,
    report,
    review,
    search,
    serve,
    topics,
)


def main() -> None:
    app()
