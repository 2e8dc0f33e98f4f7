"""The CLI reference in docs/cli.md, generated from `--help` so it never drifts.

Regenerate with `python -m pdcode.cli.reference > docs/cli.md`; a test fails
when the checked-in file differs from what this prints.
"""

from __future__ import annotations

from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from pdcode.cli.app import app

WIDTH = 100


def _commands(group: typer.core.TyperGroup, path: list[str]) -> Iterator[list[str]]:
    ctx = typer.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        yield [*path, name]
        if isinstance(command, typer.core.TyperGroup):
            yield from _commands(command, [*path, name])


def render_reference() -> str:
    runner = CliRunner()
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    parts = [
        "# pdcode command reference\n",
        "Generated from `--help` by `python -m pdcode.cli.reference > docs/cli.md`; "
        "do not edit by hand.\n",
    ]
    for path in [[], *_commands(root, [])]:
        result = runner.invoke(app, [*path, "--help"], terminal_width=WIDTH, prog_name="pdcode")
        title = " ".join(["pdcode", *path])
        parts.append(f"## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render_reference(), end="")
