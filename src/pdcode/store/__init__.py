"""The SQLite project store: the only code that writes SQL."""

from pdcode.store.project import Project
from pdcode.store.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Project"]
