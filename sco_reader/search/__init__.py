"""Typo-tolerant search over articles as the user types (pure: no Textual).

The package, one job a module: :mod:`.text` (normalise, tokenise), :mod:`.query` (the query
language and the word relation), :mod:`.bits` (article sets as bitmaps), :mod:`.corpus`
(what the engine reads articles through), :mod:`.index` (segments: the file format, loading,
lookups), :mod:`.build` (building and merging segments), :mod:`.resolve` (query words →
vocabulary → article sets), :mod:`.rank` (tiers, scores, hits, highlighting),
:mod:`.related` (similar articles) and :mod:`.engine` (:class:`SearchEngine`, the face).
"""

from __future__ import annotations

from .bits import ArticleSet
from .build import SegmentBuilder, merge_segments
from .corpus import Corpus, ListCorpus
from .engine import SearchEngine
from .index import IndexFormatError, Segment
from .query import Query, Term, match_token, parse_query
from .rank import Hit, highlight_spans
from .text import _normalise_mapped, normalise, tokenise  # noqa: F401 (tests use the mapped form)

__all__ = [
    "ArticleSet",
    "Corpus",
    "Hit",
    "IndexFormatError",
    "ListCorpus",
    "Query",
    "SearchEngine",
    "Segment",
    "SegmentBuilder",
    "Term",
    "highlight_spans",
    "match_token",
    "merge_segments",
    "normalise",
    "parse_query",
    "tokenise",
]
