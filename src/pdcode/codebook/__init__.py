"""Codebooks as data: the YAML model, its validation, and exchange formats."""

from pdcode.codebook.model import Code, Codebook, iter_codes, json_schema, leaves
from pdcode.codebook.validate import Problem, content_hash, load_codebook, validate_codebook

__all__ = [
    "Code",
    "Codebook",
    "Problem",
    "content_hash",
    "iter_codes",
    "json_schema",
    "leaves",
    "load_codebook",
    "validate_codebook",
]
