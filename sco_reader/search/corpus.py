"""What the search engine reads articles through: the :class:`Corpus` protocol (pure).

The engine never holds article objects. It asks a corpus for the few texts it shows or
re-reads (headlines and bodies of the hits it returns, the body of the article ``related``
starts from) and for the date order that ``@date`` filters and date listings need. The
archive's library implements the protocol over files and a body store; :class:`ListCorpus`
adapts a list of :class:`~sco_reader.model.Article` (tests, small inputs, the bundled
bulletin).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Protocol, runtime_checkable

from ..model import Article


@runtime_checkable
class Corpus(Protocol):
    """Articles by index ``0..len-1``; append-only (an index never changes meaning)."""

    def __len__(self) -> int:
        """How many articles there are (dead ones included)."""
        ...

    def headline(self, index: int) -> str:
        """The headline of article ``index``."""
        ...

    def body(self, index: int) -> Sequence[str]:
        """Its paragraphs in order (may read from disk; the corpus caches)."""
        ...

    def date(self, index: int) -> date | None:
        """Its date, ``None`` when undated."""
        ...

    def time(self, index: int) -> str | None:
        """Its ``"HH:MM"`` time, if any."""
        ...

    def key(self, index: int) -> str:
        """Its content key: two articles with the same key are exact repeats."""
        ...

    def chronological(self) -> Sequence[int]:
        """Alive article indexes oldest first, undated last (what ``@date``-only queries list)."""
        ...

    def date_runs(self) -> Sequence[tuple[date | None, int, int]]:
        """``(date, start, stop)`` per date, in :meth:`chronological` order: that date's
        articles are ``chronological()[start:stop]`` (``None`` for the undated run)."""
        ...

    @property
    def dead(self) -> Collection[int]:
        """Articles whose file was deleted or edited: never returned by a search."""
        ...


class ListCorpus:
    """A :class:`Corpus` over a list of articles held in memory."""

    def __init__(self, articles: Sequence[Article] = ()) -> None:
        self.articles: list[Article] = list(articles)
        """The articles, in index order."""
        self.dead: set[int] = set()
        """Indexes never to return (none unless the caller adds some)."""
        self._order: list[int] | None = None
        self._runs: list[tuple[date | None, int, int]] = []
        self._ordered_for = (-1, -1)
        self._groups: dict[date | None, list[int]] = {}
        """Article indexes by date, in input order."""
        self._ordered: dict[date | None, list[int]] = {}
        """The same groups in chronological order (dropped when a group grows)."""
        self._dates: list[date | None] | None = None
        self._grouped = 0

    def __len__(self) -> int:
        return len(self.articles)

    def extend(self, articles: Sequence[Article]) -> None:
        """Append articles (indexes continue from :func:`len`)."""
        self.articles.extend(articles)

    def headline(self, index: int) -> str:
        return self.articles[index].headline

    def body(self, index: int) -> Sequence[str]:
        return self.articles[index].paragraphs

    def date(self, index: int) -> date | None:
        return self.articles[index].date

    def time(self, index: int) -> str | None:
        return self.articles[index].time

    def key(self, index: int) -> str:
        return self.articles[index].key

    def chronological(self) -> Sequence[int]:
        self._sort()
        assert self._order is not None
        return self._order

    def date_runs(self) -> Sequence[tuple[date | None, int, int]]:
        self._sort()
        return self._runs

    def _sort(self) -> None:
        """Bring the date order up to date after articles were added or marked dead.

        Articles are grouped by date as they come; only the dates that received articles are
        sorted again (by :func:`~sco_reader.model.chronological_key`), then the groups are
        concatenated in date order (C-speed list extends)."""
        articles, dead = self.articles, self.dead
        stamp = (len(articles), len(dead))
        if self._order is not None and self._ordered_for == stamp:
            return
        groups, ordered = self._groups, self._ordered
        for index in range(self._grouped, len(articles)):
            when = articles[index].date
            group = groups.get(when)
            if group is None:
                group = groups[when] = []
                self._dates = None
            group.append(index)
            ordered.pop(when, None)
        self._grouped = len(articles)
        if self._dates is None:
            self._dates = sorted(d for d in groups if d is not None) + ([None] if None in groups else [])
        order: list[int] = []
        runs: list[tuple[date | None, int, int]] = []
        for when in self._dates:
            group = ordered.get(when)
            if group is None:
                group = groups[when]
                if when is not None:
                    if any(articles[i].time for i in group):
                        group = sorted(group, key=lambda i: (articles[i].time or "", -i))
                    else:
                        group = group[::-1]  # untimed: the later in the input, the earlier the story
                ordered[when] = group
            if dead:
                group = [i for i in group if i not in dead]
            if group:
                runs.append((when, len(order), len(order) + len(group)))
                order.extend(group)
        self._order, self._runs, self._ordered_for = order, runs, stamp
