"""Human codings made elsewhere (spreadsheets, Word comments), brought into pdcode."""

from pdcode.humancoding.locate import QuoteMatch, locate_quote
from pdcode.humancoding.resolve import Resolved, ResolvedCoding, resolve_codings
from pdcode.humancoding.tables import CodingRow, Problem, read_codings_table
from pdcode.humancoding.wordcomments import read_comment_codings

__all__ = [
    "CodingRow",
    "Problem",
    "QuoteMatch",
    "Resolved",
    "ResolvedCoding",
    "locate_quote",
    "read_codings_table",
    "read_comment_codings",
    "resolve_codings",
]
