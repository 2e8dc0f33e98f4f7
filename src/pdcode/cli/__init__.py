"""The `pdcode` command: a thin shell over `pdcode.api`.

Commands parse options, call one api function and render the result with rich.
Heavy libraries (spaCy, pandas, SQLAlchemy) are imported inside commands so that
`pdcode --help` starts fast.
"""

from __future__ import annotations

from pdcode.cli.app import app, main

__all__ = ["app", "main"]
