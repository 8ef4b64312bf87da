"""Typo-tolerant search over articles as the user types (pure: no Textual).

The package: :mod:`.text` (normalise, tokenise), :mod:`.query` (the query language and the
word relation), :mod:`.engine` (the index and the search), :mod:`.rank` (scores, results,
highlighting).
"""

from __future__ import annotations

from .engine import SearchEngine
from .query import Query, Term, match_token, parse_query
from .rank import Hit, highlight_spans
from .text import _normalise_mapped, normalise, tokenise  # noqa: F401 (tests use the mapped form)

__all__ = [
    "Hit",
    "Query",
    "SearchEngine",
    "Term",
    "highlight_spans",
    "match_token",
    "normalise",
    "parse_query",
    "tokenise",
]
