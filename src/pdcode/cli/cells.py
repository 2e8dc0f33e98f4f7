"""Table cells that wrap only where a reader expects: after a space or an underscore.

Rich wraps text at spaces and folds a longer word anywhere, so a narrow terminal
would show ``enabling_distributed_leadership`` as ``enabling_distri`` /
``buted_leadership``. A `Breakable` cell breaks it as ``enabling_`` /
``distributed_`` / ``leadership`` instead, and folds a piece only when that piece
alone is wider than the column. A `Table` makes room for those pieces: rich
narrows every column alike when a table is too wide for the terminal, so it gives
a column of `Breakable` cells the width of its longest piece, taken from columns
that can spare it (their headers may then be shortened with "…", their cells are
not).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich import table as rich_table
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text

# A piece ends after a run of underscores or spaces (kept with it), or at the end.
_PIECE = re.compile(r"[^_\s]*(?:_+|[^\S\n]+|$)")


def pieces(line: str) -> list[str]:
    """``line`` cut after every run of underscores or spaces, nothing lost."""
    return [p for p in _PIECE.findall(line) if p]


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells, broken only after underscores and spaces
    (a piece wider than ``width`` is left whole, for the caller to fold)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in pieces(paragraph):
            if line and cell_len(line + piece.rstrip()) > width:
                lines.append(line.rstrip())
                line = piece.lstrip() if piece.strip() else ""
            else:
                line += piece
        lines.append(line.rstrip())
    return lines


class Breakable:
    """A table cell of plain text (code ids, names) breaking after ``_`` or a space."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    def __str__(self) -> str:
        return self.text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.text.split("\n")
        widest = max((cell_len(line) for line in lines), default=0)
        piece = max((cell_len(p.rstrip()) for line in lines for p in pieces(line)), default=0)
        return Measurement(min(piece, widest), widest).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for line in wrap(self.text, options.max_width):
            yield Text(line, style=self.style, overflow="fold", end="\n")


class Table(rich_table.Table):
    """A rich table whose `Breakable` columns keep room for their longest piece, and
    then grow toward their full width while other columns can wrap their headers."""

    # Rich lays a table out in `_calculate_column_widths`; this adjusts its answer.
    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        widths = super()._calculate_column_widths(console, options)
        least, most, header, protected = [], [], [], []
        for index, column in enumerate(self.columns):
            pad = self._get_padding_width(index)
            sizes = [Measurement.get(console, options, c) for c in column.cells]
            least.append(max((m.minimum for m in sizes), default=0) + pad)
            most.append(max((m.maximum for m in sizes), default=0) + pad)
            title = Measurement.get(console, options, column.header).minimum + pad
            header.append(max(least[-1], title))
            protected.append(any(isinstance(c, Breakable) for c in column.cells))
        # First every piece of a code id fits (other headers may be cut short), then
        # the ids widen while other columns can still wrap their headers at spaces.
        for target, floor in ((least, least), (most, header)):
            for index in (i for i, keep in enumerate(protected) if keep):
                while widths[index] < target[index]:
                    spare = [j for j, w in enumerate(widths) if not protected[j] and w > floor[j]]
                    if not spare:
                        break
                    donor = max(spare, key=lambda j: (widths[j] - floor[j], -j))
                    widths[donor] -= 1
                    widths[index] += 1
        return widths
