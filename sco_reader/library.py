"""Everything loaded from the user's inputs: article headers resident as columns, bodies on demand.

Pure: no Textual, no terminal. A :class:`Library` holds, per article, its date, time,
line, file and content key in packed arrays, its headline and body in two
:class:`TextStore` objects (in memory, or in the archive's files on disk), and per file
the loader's facts and diagnostics. Nothing builds an :class:`~sco_reader.model.Article`
per article: a million headers cost a few tens of megabytes, and a body is read when an
article is shown, exported or searched (behind a small LRU cache, as newsboat loads and
unloads item descriptions).

Article indexes are positions in input order (argument order, then file order) and only
ever grow: a file that changes or disappears leaves its articles *dead* (never listed
again) until the archive is rebuilt, and its new version is appended.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import os
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from .model import Article, BulletinInfo, Diagnostic, ParsedBulletin, paragraphs

__all__ = ["FileTable", "Library", "LibraryFile", "MemoryTextStore", "Runs", "TextStore", "sort_key"]

BODY_CACHE = 256
"""Articles kept whole, body split into paragraphs (the rest are read again when needed)."""
_INDEX_BITS = 29
_TIME_SHIFT = _INDEX_BITS
_DATE_SHIFT = _INDEX_BITS + 11
_UNDATED = 1 << 62


class TextStore(Protocol):
    """Append-only texts by position (headlines, bodies): in memory or in a file."""

    def append_many(self, texts: Sequence[str]) -> None:
        """Add texts at the end."""

    def __getitem__(self, index: int) -> str:
        """The text at ``index``."""

    def __len__(self) -> int:
        """How many texts are stored."""


class MemoryTextStore:
    """A :class:`TextStore` in a Python list."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._texts = list(texts)

    def append_many(self, texts: Sequence[str]) -> None:
        self._texts.extend(texts)

    def __getitem__(self, index: int) -> str:
        return self._texts[index]

    def __len__(self) -> int:
        return len(self._texts)


def minutes(time: str | None) -> int:
    """``"HH:MM"`` as minutes after midnight, -1 for none."""
    return -1 if time is None else int(time[:2]) * 60 + int(time[3:5])


def sort_key(ordinal: int, time_minutes: int, index: int) -> int:
    """One integer ordering articles oldest first, undated last (:meth:`Library.chronological`).

    Within a date, articles without a time come first, then by time. Bulletins list news
    newest first, so among articles the times do not order, the one later in the input is
    the earlier story; undated articles keep input order.
    """
    if ordinal == 0:
        return _UNDATED | index
    return (ordinal << _DATE_SHIFT) | ((time_minutes + 1) << _TIME_SHIFT) | ((1 << _INDEX_BITS) - 1 - index)


@dataclass(slots=True)
class Runs(Sequence[tuple[date | None, int, int]]):
    """The dates of the chronological order: each with its ``[start, stop)`` there (parallel arrays)."""

    ordinals: array = field(default_factory=lambda: array("i"))
    """Each run's date as an ordinal (0: undated)."""
    starts: array = field(default_factory=lambda: array("i"))
    """Where each run starts in the chronological order."""
    stops: array = field(default_factory=lambda: array("i"))
    """Where each run ends."""

    def __len__(self) -> int:
        return len(self.ordinals)

    def date(self, run: int) -> date | None:
        """Run ``run``'s date (``None``: the undated)."""
        ordinal = self.ordinals[run]
        return _date(ordinal) if ordinal else None

    def __getitem__(self, run):  # type: ignore[no-untyped-def,override]
        if isinstance(run, slice):
            return [self[k] for k in range(*run.indices(len(self)))]
        return (self.date(run), self.starts[run], self.stops[run])

    def __iter__(self) -> Iterator[tuple[date | None, int, int]]:
        return (self[k] for k in range(len(self)))

    def moved(self, added: Iterable[int] = (), removed: Iterable[int] = ()) -> Runs:
        """These runs once articles of the ``added`` dates (ordinals, 0: undated) joined the order and
        articles of the ``removed`` dates left it: O(runs) at C speed plus O(log runs) an article, where
        :meth:`of` walks the whole order. :class:`ValueError` when a removed date has no run."""
        ordinals = list(self.ordinals)
        counts = list(map(operator.sub, self.stops, self.starts))

        def position(ordinal: int) -> int:  # dates ascending, the undated last
            dated = len(ordinals) - (1 if ordinals and ordinals[-1] == 0 else 0)
            return dated if ordinal == 0 else bisect.bisect_left(ordinals, ordinal, 0, dated)

        for ordinal in added:
            at = position(ordinal)
            if at < len(ordinals) and ordinals[at] == ordinal:
                counts[at] += 1
            else:
                ordinals.insert(at, ordinal)
                counts.insert(at, 1)
        for ordinal in removed:
            at = position(ordinal)
            if at >= len(ordinals) or ordinals[at] != ordinal or not counts[at]:
                raise ValueError(f"no article of date {ordinal} to remove")
            counts[at] -= 1
        if 0 in counts:
            kept = [k for k, count in enumerate(counts) if count]
            ordinals = [ordinals[k] for k in kept]
            counts = [counts[k] for k in kept]
        stops = array("i", itertools.accumulate(counts))
        return Runs(array("i", ordinals), array("i", itertools.chain((0,), stops[:-1])) if stops else array("i"), stops)

    @classmethod
    def of(cls, order: Sequence[int], ordinals: Sequence[int]) -> Runs:
        """The runs of ``order`` (article indexes) whose dates ``ordinals`` gives."""
        runs = cls()
        start = 0
        for ordinal, group in itertools.groupby(map(ordinals.__getitem__, order)):
            stop = start + sum(1 for _ in group)
            runs.ordinals.append(ordinal)
            runs.starts.append(start)
            runs.stops.append(stop)
            start = stop
        return runs


@dataclass(slots=True)
class LibraryFile:
    """One input file and the range of article indexes it filled."""

    path: str
    """The file as found on disk (an OS path string)."""
    info: BulletinInfo
    """What the loader said about it (its ``source`` is the display name)."""
    first: int
    """Index of its first article."""
    count: int
    """How many articles it holds."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """The loader's anomalies for this file (plus repeats found when it was added)."""
    dead: bool = False
    """Whether the file changed or went away since (its articles are no longer listed)."""

    @property
    def source(self) -> str:
        """The file's name as shown to the user."""
        return self.info.source


class FileTable(Sequence[LibraryFile]):
    """The library's files: those read from a stored index stay columns until one is asked for.

    A million-article archive has tens of thousands of files; making a record of each at
    every start would cost more than everything else. ``loader(n)`` makes stored file
    ``n``'s record (the archive supplies it); files added since are plain records.
    """

    def __init__(self, stored: int = 0, loader: Callable[[int], LibraryFile] | None = None, dead: bytearray | None = None, diagnostics: array | None = None) -> None:
        self._stored = stored
        self._loader = loader
        self._made: dict[int, LibraryFile] = {}
        self._added: list[LibraryFile] = []
        self.dead = dead if dead is not None else bytearray(stored)
        """Per file: 1 once it changed or went away."""
        self.diagnostic_counts = diagnostics if diagnostics is not None else array("i", bytes(4 * stored))
        """Per file: how many diagnostics it has."""

    def __len__(self) -> int:
        return self._stored + len(self._added)

    def __getitem__(self, number):  # type: ignore[no-untyped-def,override]
        if isinstance(number, slice):
            return [self[n] for n in range(*number.indices(len(self)))]
        if number < 0:
            number += len(self)
        if number >= self._stored:
            return self._added[number - self._stored]
        found = self._made.get(number)
        if found is None:
            assert self._loader is not None
            found = self._made[number] = self._loader(number)
            found.dead = bool(self.dead[number])
        return found

    def __iter__(self) -> Iterator[LibraryFile]:
        return (self[n] for n in range(len(self)))

    def append(self, entry: LibraryFile) -> None:
        """Add a file read in this session."""
        self._added.append(entry)
        self.dead.append(entry.dead)
        if not isinstance(self.diagnostic_counts, array):  # a read-only view of the stored index
            self.diagnostic_counts = array("i", self.diagnostic_counts)
        self.diagnostic_counts.append(len(entry.diagnostics))

    def mark_dead(self, number: int) -> None:
        """File ``number`` changed or went away."""
        self.dead[number] = 1
        if number >= self._stored:
            self._added[number - self._stored].dead = True
        elif number in self._made:
            self._made[number].dead = True

    @property
    def alive(self) -> int:
        """How many files are listed."""
        return len(self.dead) - self.dead.count(1)

    def alive_numbers(self) -> Iterator[int]:
        """The numbers of the listed files."""
        dead = self.dead
        return (n for n in range(len(dead)) if not dead[n])


@dataclass(slots=True)
class Library:
    """All articles of the user's inputs: headers in packed columns, bodies read on demand.

    Implements the search engine's corpus (``headline``, ``body``, ``date``, ``time``,
    ``key``, ``chronological``, ``date_runs``, ``dead``).
    """

    headlines: TextStore = field(default_factory=MemoryTextStore)
    """Headlines by article index."""
    bodies: TextStore = field(default_factory=MemoryTextStore)
    """Bodies (the lines after the headline) by article index."""
    files: FileTable = field(default_factory=FileTable)
    """Input files in the order they were added."""
    ordinals: array = field(default_factory=lambda: array("i"))
    """Date of each article as a proleptic ordinal (0: undated)."""
    minutes: array = field(default_factory=lambda: array("h"))
    """Time of each article in minutes after midnight (-1: none)."""
    lines: array = field(default_factory=lambda: array("i"))
    """1-based headline line of each article in its file."""
    file_of: array = field(default_factory=lambda: array("i"))
    """Position in :attr:`files` of each article's file."""
    keys: array = field(default_factory=lambda: array("Q"))
    """Content key of each article, as the 64-bit number its hex spells."""
    repeats: dict[int, int] = field(default_factory=dict)
    """Article index → its occurrence number (2, 3, …) for repeats of an article loaded before."""
    dead: set[int] = field(default_factory=set)
    """Articles of files that changed or went away: never listed, never found."""
    _chronological: array | None = None
    _runs: Runs | None = None
    _key_order: array | None = None
    _seen_keys: set[int] | None = None
    _groups: dict[int, list[int]] | None = None
    _articles_cache: OrderedDict[int, Article] = field(default_factory=OrderedDict)

    # --- growing ----------------------------------------------------------------------

    def add(self, parsed: ParsedBulletin, path: os.PathLike[str] | str | None = None) -> range:
        """Append one file's articles; returns their indexes.

        A repeat of an article loaded before (same content key) gets an id suffixed
        ``~2``, ``~3``… and a warning.
        """
        self._own()
        rows = parsed.rows
        start = len(self.keys)
        count = len(rows)
        keys = [int(key, 16) for key in rows.keys]
        diagnostics = list(parsed.diagnostics)
        distinct = len(set(keys)) == count
        if distinct and self._seen_keys is None and self._key_order is not None and not self._any_listed(keys):
            pass  # no repeat, found by the key order: the set of every key is made only when first needed (a
            # million keys cost half a second, and a file added to an archive opened from its index seldom repeats)
        else:
            seen = self._seen()
            if not distinct or not seen.isdisjoint(keys):
                groups = self._key_groups()
                for offset, key in enumerate(keys):
                    if key in seen:
                        group = groups.get(key)
                        if group is None:
                            group = groups[key] = [self._first_with_key(key, start)]
                        group.append(start + offset)
                        self.repeats[start + offset] = len(group)
                        diagnostics.append(
                            Diagnostic(parsed.source, rows.lines[offset], "warning", "article repeats one loaded before")
                        )
                    seen.add(key)
            else:
                seen.update(keys)
        self.ordinals.extend(d.toordinal() if d is not None else 0 for d in rows.dates)
        self.minutes.extend(map(minutes, rows.times))
        self.lines.extend(rows.lines)
        self.file_of.extend(itertools.repeat(len(self.files), count))
        self.keys.extend(keys)
        self.headlines.append_many(rows.headlines)
        self.bodies.append_many(rows.bodies)
        self.files.append(LibraryFile(os.fspath(path) if path is not None else parsed.source, parsed.info, start, count, tuple(diagnostics)))
        self._insert_chronological(range(start, start + count))
        if self._key_order is not None:
            key_of = self.keys.__getitem__
            for index in range(start, start + count):
                self._key_order.insert(bisect.bisect_right(self._key_order, key_of(index), key=key_of), index)
        return range(start, start + count)

    def _own(self) -> None:
        """Copy columns read from a stored index (read-only views) into arrays before the first change."""
        for name in ("ordinals", "minutes", "lines", "file_of", "keys", "_chronological", "_key_order"):
            values = getattr(self, name)
            if values is not None and not isinstance(values, array):
                setattr(self, name, _copied(values))

    def drop_file(self, number: int) -> range | None:
        """Forget file ``number``'s articles (it changed or went away); their indexes (``None``: already gone)."""
        if self.files.dead[number]:
            return None
        entry = self.files[number]
        self.files.mark_dead(number)
        gone = range(entry.first, entry.first + entry.count)
        self.dead.update(gone)
        if self._seen_keys is not None:  # a key no listed article has any more is not seen: it may come back, not as a repeat
            keys = self.keys
            groups = self._key_groups() if self.repeats else {}
            for index in gone:
                group = groups.get(keys[index])
                if group is None or all(other in self.dead for other in group):
                    self._seen_keys.discard(keys[index])
        if self._chronological is not None:
            gone_set = set(gone)
            self._chronological = array("i", itertools.filterfalse(gone_set.__contains__, self._chronological))
            self._runs = self._moved_runs(removed=gone)
        else:
            self._runs = None
        for index in gone:
            self._articles_cache.pop(index, None)
        return gone

    def _any_listed(self, keys: Iterable[int]) -> bool:
        """Whether a listed article has one of ``keys`` (by the key order: O(log n) a key)."""
        dead = self.dead
        return any(index not in dead for index in self.with_keys(keys))

    def _seen(self) -> set[int]:
        if self._seen_keys is None:
            dead = self.dead
            if not dead:
                self._seen_keys = set(self.keys)
            else:
                alive = bytearray(b"\x01") * len(self.keys)
                for index in dead:
                    alive[index] = 0
                self._seen_keys = set(itertools.compress(self.keys, alive))
        return self._seen_keys

    def _key_groups(self) -> dict[int, list[int]]:
        """Content key → its articles, for keys that repeat (built on first need: repeats are rare)."""
        if self._groups is None:
            groups: dict[int, list[int]] = {}
            if self.repeats:
                wanted = {self.keys[i] for i in self.repeats}
                for index, key in enumerate(self.keys):
                    if key in wanted:
                        groups.setdefault(key, []).append(index)
            self._groups = groups
        return self._groups

    def _first_with_key(self, key: int, stop: int) -> int:
        keys = self.keys
        dead = self.dead
        return next(i for i in range(stop) if keys[i] == key and i not in dead)

    def _insert_chronological(self, added: range) -> None:
        order = self._chronological
        if order is None:
            return
        if not order or len(added) * 8 > len(order):
            self._chronological = None  # cheaper to sort everything again than to insert
            self._runs = None
            return
        key = self.sort_key
        for index in sorted(added, key=key):
            order.insert(bisect.bisect_left(order, key(index), key=key), index)
        self._runs = self._moved_runs(added=added)

    def _moved_runs(self, added: Iterable[int] = (), removed: Iterable[int] = ()) -> Runs | None:
        """The date runs after articles joined or left the order (``None``: work them out again when asked)."""
        if self._runs is None:
            return None
        try:
            return self._runs.moved(map(self.ordinals.__getitem__, added), map(self.ordinals.__getitem__, removed))
        except ValueError:
            return None

    # --- reading one article ------------------------------------------------------------------

    def __len__(self) -> int:
        """Article indexes in use (dead ones included): ``0 .. len-1``."""
        return len(self.keys)

    @property
    def alive(self) -> int:
        """How many articles are listed."""
        return len(self.keys) - len(self.dead)

    def headline(self, index: int) -> str:
        """The article's headline."""
        return self.headlines[index]

    def body(self, index: int) -> tuple[str, ...]:
        """The article's paragraphs, read afresh from the body store (safe from any thread)."""
        return paragraphs(self.bodies[index])

    def date(self, index: int) -> date | None:
        """The article's date, ``None`` when undated."""
        ordinal = self.ordinals[index]
        return _date(ordinal) if ordinal else None

    def time(self, index: int) -> str | None:
        """The article's ``"HH:MM"`` time, or ``None``."""
        value = self.minutes[index]
        return None if value < 0 else f"{value // 60:02d}:{value % 60:02d}"

    def key(self, index: int) -> str:
        """The article's content key (what reading state is stored by)."""
        return f"{self.keys[index]:016x}"

    def id(self, index: int) -> str:
        """The article's id: its content key, suffixed ``~n`` for the n-th repeat."""
        repeat = self.repeats.get(index)
        return self.key(index) if repeat is None else f"{self.key(index)}~{repeat}"

    def source(self, index: int) -> str:
        """The article's file, as shown to the user."""
        return self.files[self.file_of[index]].info.source

    def file(self, index: int) -> LibraryFile:
        """The article's file."""
        return self.files[self.file_of[index]]

    def line(self, index: int) -> int:
        """The article's headline line in its file."""
        return self.lines[index]

    def record(self, index: int) -> Article:
        """The whole article as a new record, read afresh (safe from any thread: no cache touched)."""
        return Article(
            self.id(index),
            self.date(index),
            self.time(index),
            self.headline(index),
            paragraphs(self.bodies[index]),
            self.source(index),
            self.lines[index],
            self.key(index),
        )

    def article(self, index: int) -> Article:
        """The whole article as one record, body included (the last :data:`BODY_CACHE` are kept; this thread only)."""
        cache = self._articles_cache
        found = cache.get(index)
        if found is not None:
            cache.move_to_end(index)
            return found
        found = self.record(index)
        cache[index] = found
        if len(cache) > BODY_CACHE:
            cache.popitem(last=False)
        return found

    def key_order(self) -> array:
        """Article indexes sorted by content key (computed once; the archive stores it)."""
        if self._key_order is None:
            self._key_order = array("i", sorted(range(len(self.keys)), key=self.keys.__getitem__))
        return self._key_order

    def with_keys(self, keys: Iterable[int]) -> list[int]:
        """Every article (dead ones too) whose content key is one of ``keys``: O(log n) a key."""
        order = self.key_order()
        key_of = self.keys.__getitem__
        found: list[int] = []
        for key in keys:
            at = bisect.bisect_left(order, key, key=key_of)
            while at < len(order) and key_of(order[at]) == key:
                found.append(order[at])
                at += 1
        return found

    def same_key(self, index: int) -> list[int]:
        """Every listed article with ``index``'s content key (itself and its repeats)."""
        if not self.repeats:
            return [index]
        group = self._key_groups().get(self.keys[index])
        if group is None:
            return [index]
        return [i for i in group if i not in self.dead]

    def sort_key(self, index: int) -> int:
        """See :func:`sort_key`."""
        return sort_key(self.ordinals[index], self.minutes[index], index)

    # --- the whole library -----------------------------------------------------------------

    @property
    def articles(self) -> Sequence[Article]:
        """Every listed article as a record, in input order (built one at a time, as read)."""
        return _ArticleList(self)

    @property
    def bulletins(self) -> list[BulletinInfo]:
        """Facts about each listed file."""
        return [self.files[n].info for n in self.files.alive_numbers()]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every anomaly the loader reported for the listed files."""
        files = self.files
        counts = files.diagnostic_counts
        return [d for n in files.alive_numbers() if counts[n] for d in files[n].diagnostics]

    @property
    def diagnostic_count(self) -> int:
        """How many anomalies the loader reported for the listed files."""
        counts, dead = self.files.diagnostic_counts, self.files.dead
        return sum(counts) - sum(counts[n] for n in range(len(dead)) if dead[n])

    def chronological(self) -> array:
        """Listed article indexes oldest first, undated last (see :func:`sort_key`)."""
        if self._chronological is None:
            dead = self.dead
            indexes: Iterable[int] = range(len(self.keys)) if not dead else (i for i in range(len(self.keys)) if i not in dead)
            skeys = array("q", map(self.sort_key, range(len(self.keys))))
            self._chronological = array("i", sorted(indexes, key=skeys.__getitem__))
        return self._chronological

    def date_runs(self) -> Runs:
        """Each date of :meth:`chronological` (``None``: undated) with its ``[start, stop)`` there."""
        if self._runs is None:
            self._runs = Runs.of(self.chronological(), self.ordinals)
        return self._runs

    def set_order(self, order: array, runs: Runs | None = None, key_order: array | None = None) -> None:
        """Take orders computed before (the archive stores them): chronological, its date runs, by key."""
        self._chronological = order
        self._runs = runs
        self._key_order = key_order


def _copied(values: Sequence[int]) -> array:
    """An array holding a read-only view's numbers (copied as bytes: no object per number)."""
    copy = array(values.format)  # type: ignore[attr-defined]
    copy.frombytes(memoryview(values).cast("B"))  # type: ignore[arg-type]
    return copy


class _ArticleList(Sequence[Article]):
    """:attr:`Library.articles`: listed articles in input order, made on access."""

    def __init__(self, library: Library) -> None:
        self._library = library
        dead = library.dead
        self._indexes: Sequence[int] = range(len(library)) if not dead else [i for i in range(len(library)) if i not in dead]

    def __len__(self) -> int:
        return len(self._indexes)

    def __getitem__(self, position):  # type: ignore[no-untyped-def,override]
        if isinstance(position, slice):
            return [self._library.article(i) for i in self._indexes[position]]
        return self._library.article(self._indexes[position])

    def __iter__(self) -> Iterator[Article]:
        return map(self._library.article, self._indexes)


_DATES: dict[int, date] = {}


def _date(ordinal: int) -> date:
    found = _DATES.get(ordinal)
    if found is None:
        found = _DATES[ordinal] = date.fromordinal(ordinal)
    return found
