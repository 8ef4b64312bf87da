"""The search engine: segments plus a growing in-memory part, searched as one (pure).

A :class:`SearchEngine` reads articles through a :class:`~.corpus.Corpus` (or a list of
articles, wrapped in a :class:`~.corpus.ListCorpus`). Its index is a list of immutable
:class:`~.index.Segment`\\ s (loaded from disk with ``mmap``, or frozen from memory) covering
articles ``0..k-1``, then a :class:`~.build.SegmentBuilder` for the articles after them:
:meth:`SearchEngine.extend` indexes new articles' headlines at once and queues their bodies,
which :meth:`SearchEngine.index_pending` indexes in budgeted slices (a search finishes them
first). :meth:`SearchEngine.freeze` turns the in-memory part into a segment to save.

Answers: :meth:`SearchEngine.search` (ranked, highlighted hits; :attr:`last_total` and
:attr:`last_partial` count every complete and relaxed match whatever the ``limit``),
:meth:`SearchEngine.matching` (the unranked set of complete matches, for charts) and
:meth:`SearchEngine.related` (articles most similar to one article).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import date
from itertools import islice

from ..dates import DateSpec
from ..model import Article
from .bits import ArticleSet, from_ids
from .build import SegmentBuilder
from .corpus import Corpus, ListCorpus
from .index import Segment
from .query import Query, parse_query
from .rank import Hit, Ranker, _ascii_search
from .related import related_articles
from .resolve import Resolver, Source
from .text import normalise

BODY_CHUNK = 256
"""Articles per body-indexing step (the time budget is checked between steps)."""


class SearchEngine:
    """Index over a corpus and the ranked, highlighted search on it.

    Thread-safe: :meth:`extend`, :meth:`index_pending`, :meth:`search` and the rest may be
    called from different threads (they serialise on a lock).
    """

    def __init__(
        self,
        corpus: Corpus | Sequence[Article] = (),
        *,
        segments: Sequence[Segment] = (),
        today: date | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._today = today
        self._corpus: Corpus = corpus if isinstance(corpus, Corpus) else ListCorpus(corpus)
        self._segments: list[Segment] = []
        self._check_chain(segments, 0)
        self._segments = list(segments)
        covered = self._segment_end()
        if covered > len(self._corpus):
            raise ValueError(f"the segments cover {covered} articles, the corpus has {len(self._corpus)}")
        self._tail = SegmentBuilder(covered)
        self._resolver: Resolver | None = None
        self._tail_generation = -1
        self._dead: tuple[int, int, ArticleSet] | None = None
        self._dates: dict[tuple[DateSpec, ...], tuple[int, ArticleSet]] = {}
        self.last_total = 0
        """How many articles matched every term (or the listing) in the last :meth:`search`."""
        self.last_partial = 0
        """How many articles matched all plain words but one (the relaxed tier) in the last :meth:`search`."""
        self._index_headlines(len(self._corpus))

    # ------------------------------------------------------------------ what is indexed

    def __len__(self) -> int:
        return self._tail.base + self._tail.count

    @property
    def corpus(self) -> Corpus:
        """Where articles are read from."""
        return self._corpus

    @property
    def articles(self) -> Sequence[Article]:
        """The indexed articles, when the corpus is a :class:`ListCorpus`."""
        if not isinstance(self._corpus, ListCorpus):
            raise AttributeError("the corpus is not a list of articles")
        return self._corpus.articles

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The immutable segments, in article order."""
        return tuple(self._segments)

    @property
    def pending(self) -> int:
        """Articles whose body is not indexed yet."""
        return self._tail.pending

    def extend(self, articles: Sequence[Article] | int) -> None:
        """Index new articles: headlines now, bodies queued for :meth:`index_pending`.

        Pass the articles to append them to a :class:`ListCorpus`, or a count when the corpus
        itself grew by that many.
        """
        with self._lock:
            if isinstance(articles, int):
                stop = len(self) + articles
                if articles < 0 or stop > len(self._corpus):
                    raise ValueError(f"the corpus has {len(self._corpus)} articles, not {stop}")
            else:
                if not isinstance(self._corpus, ListCorpus):
                    raise TypeError("articles can be appended to a list corpus only; pass a count")
                self._corpus.extend(articles)
                stop = len(self._corpus)
            self._index_headlines(stop)

    def _index_headlines(self, stop: int) -> None:
        tail, corpus = self._tail, self._corpus
        for index in range(len(self), stop):
            tail.add(corpus.headline(index))

    def index_pending(self, budget: float | None = None) -> int:
        """Index queued bodies, for at most ``budget`` seconds (all when ``None``).

        Returns how many bodies are still pending. Cheap to call when nothing is.
        """
        with self._lock:
            tail = self._tail
            if not tail.pending:
                return 0
            deadline = None if budget is None else time.perf_counter() + budget
            body, add_body = self._corpus.body, tail.add_body
            while tail.pending:
                first = tail.base + tail.count - tail.pending
                for index in range(first, first + min(BODY_CHUNK, tail.pending)):
                    add_body(body(index))
                if deadline is not None and time.perf_counter() >= deadline:
                    break
            return tail.pending

    def freeze(self) -> Segment | None:
        """Turn the in-memory part into a segment (bodies indexed first); ``None`` when empty."""
        with self._lock:
            self.index_pending()
            if not self._tail.count:
                return None
            segment = self._tail.finish()
            self._segments.append(segment)
            self._tail = SegmentBuilder(self._segment_end())
            self._resolver = None
            return segment

    def add_segment(self, segment: Segment) -> None:
        """Append a segment built elsewhere for the articles right after the indexed ones
        (the in-memory part must be empty: :meth:`freeze` it first)."""
        with self._lock:
            if self._tail.count:
                raise ValueError("articles are indexed in memory after the segments: freeze them first")
            self._check_chain([segment], self._segment_end())
            if segment.base + segment.count > len(self._corpus):
                raise ValueError("the segment covers articles the corpus does not have")
            self._segments.append(segment)
            self._tail = SegmentBuilder(self._segment_end())
            self._resolver = None

    def replace_segments(self, segments: Sequence[Segment]) -> None:
        """Swap the segments for others covering the same articles (e.g. merged, or loaded back)."""
        with self._lock:
            self._check_chain(segments, 0)
            if sum(s.count for s in segments) != self._segment_end():
                raise ValueError("the new segments do not cover the same articles")
            self._segments = list(segments)
            self._resolver = None

    def _segment_end(self) -> int:
        return self._segments[-1].base + self._segments[-1].count if self._segments else 0

    @staticmethod
    def _check_chain(segments: Sequence[Segment], start: int) -> None:
        for segment in segments:
            if segment.base != start:
                raise ValueError(f"segment starts at article {segment.base}, expected {start}")
            start += segment.count

    def clear_caches(self) -> None:
        """Forget cached query work (results are the same, only slower); frees its memory."""
        with self._lock:
            self._resolver = None
            self._dates.clear()

    def _sync(self) -> Resolver:
        """Bodies indexed, and a resolver over the current sources (caches dropped after growth)."""
        self.index_pending()
        tail = self._tail
        if self._resolver is None or self._tail_generation != tail.generation:
            sources: list[Source] = list(self._segments)
            if tail.count:
                sources.append(tail)
            self._resolver = Resolver(sources, len(self), self._body_contains)
            self._tail_generation = tail.generation
        return self._resolver

    # ------------------------------------------------------------------ filters

    def _universe(self) -> int:
        """Bitmap of the indexed articles that are alive."""
        return ((1 << len(self)) - 1) & ~self._dead_set().bits

    def _dead_set(self) -> ArticleSet:
        dead = self._corpus.dead
        cached = self._dead
        if cached is None or cached[0] != id(dead) or cached[1] != len(dead):
            bits = from_ids([i for i in dead if 0 <= i], max(dead, default=0) + 1) if dead else 0
            cached = self._dead = (id(dead), len(dead), ArticleSet(bits))
        return cached[2]

    def _allowed(self, specs: tuple[DateSpec, ...]) -> ArticleSet | None:
        """Articles whose date matches every spec (``None``: no date filter)."""
        if not specs:
            return None
        size = len(self._corpus)
        cached = self._dates.get(specs)
        if cached is not None and cached[0] == size:
            return cached[1]
        order = self._corpus.chronological()
        chosen: list[int] = []
        for when, start, stop in self._corpus.date_runs():
            if when is not None and all(s.matches(when) for s in specs):
                chosen.extend(order[start:stop])
        allowed = ArticleSet(from_ids(chosen, size) & ((1 << len(self)) - 1))
        if len(self._dates) > 16:
            self._dates.clear()
        self._dates[specs] = (size, allowed)
        return allowed

    def _excluded(self, resolver: Resolver, query: Query) -> ArticleSet:
        bits = self._dead_set().bits
        for term in query.exclude:
            bits |= resolver.term(term).any.bits
        return ArticleSet(bits)

    def _body_contains(self, a: int, text: str) -> bool:
        """Whether the normalised body of article ``a`` contains normalised ``text``."""
        body = "\n".join(self._corpus.body(a))
        if body.isascii() and text.isascii():  # normalising ASCII is lower(): a case-blind search is enough
            return _ascii_search(text)(body) is not None
        return text in normalise(body)

    # ------------------------------------------------------------------ answers

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        """Articles matching ``query``, best first (at most ``limit``); ``[]`` for a blank query.

        A query of only ``@date`` filters (and/or exclusions) lists the matching articles in
        chronological order. Pass a ``limit`` for as-you-type use: spans and paragraphs are
        computed for the returned hits only. :attr:`last_total` and :attr:`last_partial` count
        all matches, whatever the limit.
        """
        with self._lock:
            resolver = self._sync()
            parsed = parse_query(query, self._today)
            self.last_total = self.last_partial = 0
            if parsed.empty or (limit is not None and limit <= 0):
                return []
            allowed = self._allowed(parsed.dates)
            excluded = self._excluded(resolver, parsed)
            if not parsed.groups:
                chosen, self.last_total = self._listing(parsed.dates, allowed, excluded, limit)
                return [Hit(i, 0.0, (), None, ()) for i in chosen]
            plan = resolver.plan(parsed)
            ranker = Ranker(resolver, self._corpus)
            ranked = ranker.rank(plan, parsed, allowed, excluded, limit)
            self.last_total, self.last_partial = ranked.total, ranked.partial
            order = ranked.order if limit is None else ranked.order[:limit]
            return [ranker.hit(plan, parsed, a, score, complete) for score, a, complete in order]

    def _listing(
        self, specs: tuple[DateSpec, ...], allowed: ArticleSet | None, excluded: ArticleSet, limit: int | None
    ) -> tuple[list[int], int]:
        """Chronological articles passing the filters (the first ``limit``) and how many there are."""
        order = self._corpus.chronological()
        if allowed is None:
            keep = ArticleSet(self._universe() & ~excluded.bits)
            passing = (i for i in order if i in keep)
            return list(passing if limit is None else islice(passing, limit)), len(keep)
        keep = allowed - excluded
        chosen: list[int] = []
        for when, start, stop in self._corpus.date_runs():
            if when is not None and all(s.matches(when) for s in specs):
                chosen.extend(i for i in order[start:stop] if i in keep)
                if limit is not None and len(chosen) >= limit:
                    break
        return chosen if limit is None else chosen[:limit], len(keep)

    def matching(self, query: str) -> ArticleSet:
        """Every article matching all terms of ``query`` (dates and exclusions applied), unranked.

        For counting matches per day, week or month: the set costs what a search costs
        before ranking (bitmap algebra), and iterating it lists the articles in index order.
        """
        with self._lock:
            resolver = self._sync()
            parsed = parse_query(query, self._today)
            if parsed.empty:
                return ArticleSet()
            allowed = self._allowed(parsed.dates)
            excluded = self._excluded(resolver, parsed)
            bits = self._universe() if allowed is None else allowed.bits
            if parsed.groups:
                for group in resolver.plan(parsed).groups:
                    bits &= group.any.bits
            return ArticleSet(bits & ~excluded.bits)

    def related(self, index: int, limit: int = 10) -> list[tuple[int, float]]:
        """The articles most similar to article ``index``, best first, with their scores:
        weighted overlap of its most informative headline and body words (BM25 over the
        postings), leaving out the article itself, its exact repeats and dead articles."""
        with self._lock:
            resolver = self._sync()
            if not 0 <= index < len(self):
                raise IndexError(f"no article {index}")
            return related_articles(resolver, self._corpus, index, limit, self._dead_set())

