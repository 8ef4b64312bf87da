"""Engines the search tests run against: in memory, and over segments saved and loaded back.

``make_engine("memory", articles)`` indexes in memory, as the app does today;
``make_engine("disk", articles, directory)`` builds two segments (a split keeps the
multi-segment paths honest), saves them under ``directory``, maps them back with
:meth:`Segment.load` and searches them through a :class:`ListCorpus`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sco_reader.model import Article
from sco_reader.search import ListCorpus, SearchEngine, Segment, SegmentBuilder

KINDS = ("memory", "disk")


def build_segment(articles: Sequence[Article], base: int = 0) -> Segment:
    """A segment over ``articles`` (indexes ``base, base+1, …``)."""
    builder = SegmentBuilder(base)
    for article in articles:
        builder.add(article.headline, article.paragraphs)
    return builder.finish()


def saved_segments(articles: Sequence[Article], directory: Path, pieces: int = 2) -> list[Segment]:
    """``articles`` split into ``pieces`` segments, each saved under ``directory`` and loaded back."""
    directory.mkdir(parents=True, exist_ok=True)
    bounds = [round(len(articles) * k / pieces) for k in range(pieces + 1)]
    loaded = []
    for k, (start, stop) in enumerate(zip(bounds, bounds[1:])):
        if stop > start:
            path = build_segment(articles[start:stop], start).save(directory / f"{k:03}.seg")
            loaded.append(Segment.load(path))
    return loaded


def make_engine(kind: str, articles: Sequence[Article], directory: Path | None = None, today: date | None = None) -> SearchEngine:
    """An engine of ``kind`` (``memory`` or ``disk``) over ``articles``."""
    if kind == "memory":
        return SearchEngine(articles, today=today)
    if directory is None:
        raise ValueError("a disk engine needs a directory")
    return SearchEngine(ListCorpus(articles), segments=saved_segments(articles, directory), today=today)
