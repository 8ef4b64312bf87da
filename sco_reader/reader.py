"""The reading session without a screen: the listed timeline, the cursor, marks, history, hits.

Pure: no Textual and no I/O of its own (marks go to the reading-state store it is given).
The app maps keys to these calls and tells its widgets what changed; the command line's
``--list``, ``--unread`` and ``--flagged`` list the same :class:`View`, so each rule lives
here once:

* :class:`Marks` — read and flagged, by content key (repeats of an article share them);
* :class:`View` — the library's chronological order under an order (oldest or newest
  first) and a filter (all, unread, flagged), as rows: a heading per date, then its
  articles; a cursor on one article; moves by article, by date, to first and last;
* :class:`History` — back and forward through the articles opened, as a browser's;
* :class:`Hits` — a cursor over the last search's hits for ``n`` / ``N``;
* :class:`Reader` — the session that ties them: what counts as opening an article (and so
  marks it read, records it in history and remembers it for the next start).

Rows are numbered from 0; a row is an article index (``>= 0``) or a heading (``-(g+1)``
for displayed date group ``g``). Everything a key does costs O(log n) in the number of
articles, except toggling a filter (one pass in C over the marks) and growing the library.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from array import array
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Iterable, Iterator, Literal, Sequence

from .dates import nearest_date, parse_date_spec
from .days import DayCount
from .library import Library, Runs

if TYPE_CHECKING:
    from .state import ReadingState

Filter = Literal["", "unread", "flagged", "unread,flagged"]
HISTORY_LIMIT = 1000
"""Articles remembered for Backspace."""
_INVERT = bytes([1, 0]) + bytes(254)
"""``bytes.translate`` table: 0 → 1, 1 → 0."""


def day_label(when: date | None) -> str:
    """``Wed 3 Jul 2024`` (or ``Undated``)."""
    if when is None:
        return "Undated"
    return f"{when:%a} {when.day} {when:%b %Y}"


def _key_numbers(keys: Iterable[str]) -> set[int]:
    found = set()
    for key in keys:
        try:
            found.add(int(key, 16))
        except ValueError:
            continue  # not a key this version writes
    return found


class Marks:
    """Which articles are read and which are flagged, by content key, saved to the state store."""

    def __init__(self, library: Library, state: ReadingState | None = None) -> None:
        self.library = library
        self.state = state
        self._read_keys = _key_numbers(state.read_keys()) if state is not None else set()
        self._flagged_keys = _key_numbers(state.flagged_keys()) if state is not None else set()
        self.read = bytearray()
        """Per article index: 1 when read."""
        self.flagged = bytearray()
        """Per article index: 1 when flagged."""
        self.unread = 0
        """How many listed articles are unread (kept up to date, never recounted)."""
        self._day_unread: array | None = None
        self._day_runs: object = None
        self._day_counts: dict[date, DayCount] | None = None
        self.version = 0
        """Counts every change of marks (a count made meanwhile in another thread is dropped)."""
        self.grow()

    def grow(self) -> range:
        """Take in articles the library gained since; returns their indexes."""
        start = len(self.read)
        self.version += 1
        self._extend(self.read, self._read_keys, start)
        self._extend(self.flagged, self._flagged_keys, start)
        added = range(start, len(self.read))
        dead = self.library.dead
        self.unread += len(added) - self.read.count(1, start) - sum(1 for i in dead if i >= start and not self.read[i])
        return added

    def _extend(self, flags: bytearray, keys: set[int], start: int) -> None:
        """Extend ``flags`` to the library's size: 1 where the article's key is in ``keys``.

        Few marks among many articles (the usual case) are looked up by key, O(log n) each;
        many are tested article by article, in one pass at C speed.
        """
        library = self.library
        added = len(library) - start
        if len(keys) * 32 < added:
            flags.extend(bytes(added))
            for index in library.with_keys(keys):
                if index >= start:
                    flags[index] = 1
        else:
            flags.extend(map(keys.__contains__, library.keys[start:]))

    def day_unread(self) -> array:
        """Per date run of the library (:meth:`~sco_reader.library.Library.date_runs`): how many of its
        articles are unread (counted once at C speed, then kept up to date mark by mark)."""
        runs = self.library.date_runs()
        if self._day_unread is None or self._day_runs is not runs:
            self._day_unread, self._day_counts = self._count_days(runs), None
            self._day_runs = runs
        return self._day_unread

    def _count_days(self, runs: Runs) -> array:
        read_in_order = bytes(map(self.read.__getitem__, self.library.chronological()))
        return array("i", map(read_in_order.count, itertools.repeat(0), runs.starts, runs.stops))

    def day_counts(self) -> dict[date, DayCount]:
        """Every date with its articles and unread ones (the calendar's data), kept up to date as marks change."""
        unread = self.day_unread()
        if self._day_counts is None:
            runs = self._day_runs
            assert isinstance(runs, Runs)
            self._day_counts = {
                runs.date(k): DayCount(runs.stops[k] - runs.starts[k], unread[k])  # type: ignore[misc]
                for k in range(len(runs))
                if runs.ordinals[k]
            }
        return self._day_counts

    def count_days_ahead(self) -> None:
        """Count :meth:`day_counts` now (from a worker thread: a million articles take a tenth of a second),
        so the calendar opens at once; the count is dropped if a mark changed meanwhile."""
        version = self.version
        runs = self.library.date_runs()
        unread = self._count_days(runs)
        counts = {
            runs.date(k): DayCount(runs.stops[k] - runs.starts[k], unread[k])  # type: ignore[misc]
            for k in range(len(runs))
            if runs.ordinals[k]
        }
        if version == self.version and runs is self.library.date_runs():
            self._day_runs, self._day_unread, self._day_counts = runs, unread, counts

    def _count_day(self, indexes: Iterable[int], delta: int) -> None:
        """Keep :meth:`day_unread` right after ``indexes`` turned read (-1) or unread (+1)."""
        if self._day_unread is None or self._day_runs is not self.library.date_runs():
            return
        library = self.library
        order, key = library.chronological(), library.sort_key
        runs = self._day_runs
        starts = runs.starts  # type: ignore[attr-defined]
        for index in indexes:
            at = bisect.bisect_left(order, key(index), key=key)
            if at < len(order) and order[at] == index:
                run = bisect.bisect_right(starts, at) - 1
                self._day_unread[run] += delta
                if self._day_counts is not None and runs.ordinals[run]:  # type: ignore[attr-defined]
                    day = runs.date(run)  # type: ignore[attr-defined]
                    before = self._day_counts[day]
                    self._day_counts[day] = DayCount(before.articles, before.unread + delta)

    def dropped(self, gone: Iterable[int]) -> None:
        """Articles that left the library (their file changed or went away)."""
        self.unread -= sum(1 for i in gone if i < len(self.read) and not self.read[i])

    def is_read(self, index: int) -> bool:
        """Whether the article is read."""
        return bool(self.read[index])

    def is_flagged(self, index: int) -> bool:
        """Whether the article is flagged."""
        return bool(self.flagged[index])

    def set_read(self, index: int, read: bool = True) -> list[int]:
        """Mark the article (and its repeats) read or unread; the articles whose mark changed."""
        if bool(self.read[index]) == read:
            return []
        same = self.library.same_key(index)
        key = self.library.keys[index]
        if read:
            self._read_keys.add(key)
        else:
            self._read_keys.discard(key)
        self.version += 1
        for other in same:
            self.read[other] = read
        self.unread += -len(same) if read else len(same)
        self._count_day(same, -1 if read else 1)
        if self.state is not None:
            self.state.set_read(self.library.key(index), read)
        return same

    def mark_read(self, indexes: Iterable[int]) -> list[int]:
        """Mark many articles read at once (one write); the articles whose mark changed."""
        changed: list[int] = []
        keys: list[str] = []
        for index in indexes:
            if not self.read[index]:
                self.version += 1
                same = self.library.same_key(index)
                self._read_keys.add(self.library.keys[index])
                for other in same:
                    self.read[other] = 1
                self.unread -= len(same)
                self._count_day(same, -1)
                changed.extend(same)
                keys.append(self.library.key(index))
        if keys and self.state is not None:
            self.state.set_read_many(keys, True)
        return changed

    def set_flagged(self, index: int, flagged: bool) -> list[int]:
        """Flag or unflag the article (and its repeats); the articles whose flag changed."""
        if bool(self.flagged[index]) == flagged:
            return []
        same = self.library.same_key(index)
        key = self.library.keys[index]
        if flagged:
            self._flagged_keys.add(key)
        else:
            self._flagged_keys.discard(key)
        for other in same:
            self.flagged[other] = flagged
        if self.state is not None:
            self.state.set_flagged(self.library.key(index), flagged)
        return same


@dataclass(slots=True)
class _Groups:
    """The displayed date groups, in display order (parallel arrays)."""

    run: array = field(default_factory=lambda: array("i"))
    """Index into the library's date runs."""
    count: array = field(default_factory=lambda: array("i"))
    """Articles listed under the heading."""
    row: array = field(default_factory=lambda: array("i"))
    """Row of the heading."""
    first: array = field(default_factory=lambda: array("i"))
    """Where the group's articles start, ascending, in the listed positions."""
    reversed: bytearray = field(default_factory=bytearray)
    """Whether the group lists its articles last first (newest first, dated)."""


class View:
    """The timeline as listed: order, filter, date headings, and a cursor on one article."""

    def __init__(self, library: Library, marks: Marks) -> None:
        self.library = library
        self.marks = marks
        self.newest_first = False
        """Order: oldest first (default) or newest first (undated stay last)."""
        self.filter: Filter = ""
        """``""`` all, ``"unread"`` or ``"flagged"`` (as they were when the filter was chosen)."""
        self._listed: bytearray | None = None
        """Per article index, for a filter: 1 when listed (a snapshot taken when it was chosen)."""
        self.current: int | None = None
        """The article under the cursor."""
        self._positions: array | None = None
        self._groups = _Groups()
        self._group_of_run = array("i")
        self._run_starts = array("i")
        self.rows = 0
        """How many rows the timeline has (headings and articles)."""
        self.entries = 0
        """How many articles it lists."""
        self._cursor_row = -1
        self._unread_cache: dict[int, int] = {}
        self._layouts: dict[bool, tuple[_Groups, array, int, int, dict[int, int]]] = {}
        """Both orders' layouts of the current rows (cleared when the rows change)."""
        self.rebuild()

    # --- building ----------------------------------------------------------------------

    def rebuild(self, keep: int | None = None) -> None:
        """Lay the rows out again (after the library or the filter changed), keeping the cursor's article."""
        library = self.library
        order = library.chronological()
        self._run_starts = library.date_runs().starts
        if self._listed is not None and len(self._listed) < len(library):
            self._extend_listed()
        if self._listed is None:
            self._positions = None
        else:
            selector = bytes(map(self._listed.__getitem__, order))
            self._positions = array("i", itertools.compress(range(len(order)), selector))
        self._layouts.clear()
        self._layout()
        target = self.current if keep is None else keep
        self.current = None
        self._cursor_row = -1
        if target is not None and self.row_of(target) is not None:
            self._set_cursor(self.row_of(target))  # type: ignore[arg-type]
        else:
            self._set_cursor(self._first_entry_row(0))

    def _layout(self) -> None:
        """Lay the listed positions out as groups and rows in the current order (each order laid out
        once per rebuild: toggling back and forth costs nothing)."""
        laid = self._layouts.get(self.newest_first)
        if laid is not None:
            self._groups, self._group_of_run, self.rows, self.entries, self._unread_cache = laid
            return
        runs = self.library.date_runs()
        starts, stops = runs.starts, runs.stops
        positions = self._positions
        order: Sequence[int] = range(len(runs))
        if self.newest_first:
            undated = len(runs) and runs.ordinals[-1] == 0
            dated = len(runs) - undated
            order = array("i", itertools.chain(range(dated - 1, -1, -1), range(dated, len(runs))))
        groups = _Groups()
        if positions is None:
            groups.run = array("i", order)
            groups.first = array("i", map(starts.__getitem__, order))
            groups.count = array("i", map(operator.sub, map(stops.__getitem__, order), groups.first))
        else:
            firsts = map(bisect.bisect_left, itertools.repeat(positions), map(starts.__getitem__, order))
            kept = [(run, first, bisect.bisect_left(positions, stops[run], first) - first) for run, first in zip(order, firsts)]
            kept = [group for group in kept if group[2]]
            groups.run = array("i", (run for run, _, _ in kept))
            groups.first = array("i", (first for _, first, _ in kept))
            groups.count = array("i", (count for _, _, count in kept))
        # Each heading's row: every group before it takes its count plus its heading.
        groups.row = array("i", itertools.accumulate(map((1).__add__, groups.count), initial=0))
        self.rows = groups.row.pop() if groups.row else 0
        self.entries = self.rows - len(groups.run)
        if self.newest_first:
            ordinals = runs.ordinals
            groups.reversed = bytearray(map(bool, map(ordinals.__getitem__, groups.run)))
        else:
            groups.reversed = bytearray(len(groups.run))
        group_of_run = array("i", itertools.repeat(-1, len(runs)))
        for g, run in enumerate(groups.run):
            group_of_run[run] = g
        self._groups = groups
        self._group_of_run = group_of_run
        self._unread_cache = {}
        self._layouts[self.newest_first] = (groups, group_of_run, self.rows, self.entries, self._unread_cache)

    def _extend_listed(self) -> None:
        """New articles join a filter they match (the snapshot covers the articles it saw)."""
        assert self._listed is not None
        start = len(self._listed)
        marks = self.marks
        unread = marks.read[start:].translate(_INVERT)
        if self.filter == "unread":
            self._listed.extend(unread)
        elif self.filter == "flagged":
            self._listed.extend(marks.flagged[start:])
        else:
            self._listed.extend(map(int.__and__, unread, marks.flagged[start:]))
        for index in self.library.dead:
            if index >= start:
                self._listed[index] = 0

    def set_filter(self, mode: Filter, keep_current: bool = True) -> None:
        """Show only unread or flagged articles, or both (``"unread,flagged"``; ``""``: all).

        ``keep_current``: the article being read stays listed under the unread filter until
        the filter is chosen again (the command line keeps none).
        """
        self.filter = mode
        if not mode:
            self._listed = None
        else:
            marks = self.marks
            unread = marks.read.translate(_INVERT)
            if mode == "unread":
                listed = bytearray(unread)
            elif mode == "flagged":
                listed = bytearray(marks.flagged)
            else:
                listed = bytearray(map(int.__and__, unread, marks.flagged))
            for index in self.library.dead:
                listed[index] = 0
            if "unread" in mode and keep_current and self.current is not None:
                listed[self.current] = 1  # the article being read stays until the filter is chosen again
            self._listed = listed
        self.rebuild()

    def is_listed(self, index: int) -> bool:
        """Whether the view lists article ``index`` (in any order)."""
        if index in self.library.dead:
            return False
        return self._listed is None or bool(self._listed[index])

    def set_order(self, newest_first: bool) -> None:
        """Oldest first or newest first (the same rows, laid out the other way round)."""
        self.newest_first = newest_first
        current = self.current
        self._layout()
        self._cursor_row = -1
        self.current = None
        row = self.row_of(current) if current is not None else None
        self._set_cursor(row if row is not None else self._first_entry_row(0))

    # --- rows ---------------------------------------------------------------------------

    def row(self, row: int) -> int:
        """What row ``row`` shows: an article index (``>= 0``) or a heading (``-(g+1)``)."""
        groups = self._groups
        g = bisect.bisect_right(groups.row, row) - 1
        k = row - groups.row[g] - 1
        if k < 0:
            return -(g + 1)
        return self._entry(g, k)

    def _entry(self, g: int, k: int) -> int:
        groups = self._groups
        if groups.reversed[g]:
            k = groups.count[g] - 1 - k
        at = groups.first[g] + k
        positions = self._positions
        return self.library.chronological()[positions[at] if positions is not None else at]

    def rows_between(self, start: int, stop: int) -> list[int]:
        """:meth:`row` for each row in ``[start, stop)`` (what a screenful draws)."""
        return [self.row(r) for r in range(max(0, start), min(stop, self.rows))]

    def chronological_position(self, index: int) -> int | None:
        """Where article ``index`` stands in the library's chronological order (``None``: not listed there)."""
        library = self.library
        order = library.chronological()
        key = library.sort_key
        at = bisect.bisect_left(order, key(index), key=key)
        return at if at < len(order) and order[at] == index else None

    def row_of(self, index: int) -> int | None:
        """The row of article ``index``, ``None`` when the view does not list it."""
        at = self.chronological_position(index)
        if at is None:
            return None
        positions = self._positions
        if positions is not None:
            p = bisect.bisect_left(positions, at)
            if p == len(positions) or positions[p] != at:
                return None
        else:
            p = at
        run = bisect.bisect_right(self._run_starts, at) - 1
        g = self._group_of_run[run]
        if g < 0:
            return None
        groups = self._groups
        k = p - groups.first[g]
        if groups.reversed[g]:
            k = groups.count[g] - 1 - k
        return groups.row[g] + 1 + k

    def heading(self, g: int) -> tuple[date | None, int]:
        """Displayed group ``g``'s date and how many articles it lists."""
        groups = self._groups
        return self.library.date_runs().date(groups.run[g]), groups.count[g]

    def heading_unread(self, g: int) -> int:
        """How many of group ``g``'s listed articles are unread (cached until :meth:`marks_changed`)."""
        found = self._unread_cache.get(g)
        if found is None:
            read = self.marks.read
            found = sum(1 for k in range(self._groups.count[g]) if not read[self._entry(g, k)])
            self._unread_cache[g] = found
        return found

    def marks_changed(self, indexes: Iterable[int]) -> list[int]:
        """Forget cached counts for the articles' groups; their rows and their headings' rows."""
        rows: list[int] = []
        for laid in self._layouts.values():  # the other order's counts: recounted when it is shown again
            if laid[4] is not self._unread_cache:
                laid[4].clear()
        for index in indexes:
            row = self.row_of(index)
            if row is None:
                continue
            g = self.group_of_row(row)
            self._unread_cache.pop(g, None)
            rows.extend((row, self._groups.row[g]))
        return rows

    def group_of_row(self, row: int) -> int:
        """The displayed group a row belongs to."""
        return bisect.bisect_right(self._groups.row, row) - 1

    def dates(self) -> list[tuple[date | None, int]]:
        """Each heading's date and count, in display order."""
        return [self.heading(g) for g in range(len(self._groups.run))]

    def articles_on(self, when: date | None) -> list[int]:
        """The listed articles of ``when``, in display order."""
        for g in range(len(self._groups.run)):
            if self.heading(g)[0] == when:
                return [self._entry(g, k) for k in range(self._groups.count[g])]
        return []

    def listed(self) -> Iterator[int]:
        """Every listed article in display order."""
        for g in range(len(self._groups.run)):
            for k in range(self._groups.count[g]):
                yield self._entry(g, k)

    # --- the cursor ------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        """The row of the cursor's article (-1 when nothing is listed)."""
        return self._cursor_row

    @property
    def position(self) -> int:
        """1-based position of the cursor's article among the listed ones (0: none)."""
        row = self._cursor_row
        if row < 0:
            return 0
        return row - self.group_of_row(row)

    @property
    def current_date(self) -> date | None:
        """The date heading of the cursor's article."""
        return self.heading(self.group_of_row(self._cursor_row))[0] if self._cursor_row >= 0 else None

    def _set_cursor(self, row: int) -> bool:
        if row < 0 or row >= self.rows or row == self._cursor_row:
            return False
        value = self.row(row)
        if value < 0:
            return False
        self._cursor_row = row
        self.current = value
        return True

    def _first_entry_row(self, row: int) -> int:
        if row >= self.rows:
            return -1
        return row + 1 if self.row(row) < 0 else row

    def move_to(self, index: int) -> bool:
        """Put the cursor on article ``index``; ``False`` when the view does not list it."""
        row = self.row_of(index)
        if row is None:
            return False
        self._set_cursor(row)
        return True

    def move_to_row(self, row: int) -> bool:
        """Put the cursor on the article of ``row`` (a heading means its first article)."""
        if not 0 <= row < self.rows:
            return False
        return self._set_cursor(self._first_entry_row(row))

    def next(self) -> bool:
        """The next article; ``False`` at the last."""
        row = self._cursor_row + 1
        if row < self.rows and self.row(row) < 0:
            row += 1
        return self._set_cursor(row)

    def previous(self) -> bool:
        """The previous article; ``False`` at the first."""
        row = self._cursor_row - 1
        if row >= 0 and self.row(row) < 0:
            row -= 1
        return self._set_cursor(row)

    def first(self) -> bool:
        """The first article."""
        return self._set_cursor(self._first_entry_row(0))

    def last(self) -> bool:
        """The last article."""
        return self._set_cursor(self.rows - 1)

    def next_date(self) -> bool:
        """The first article of the next date; ``False`` at the last date."""
        g = self.group_of_row(self._cursor_row) + 1
        if self._cursor_row < 0 or g >= len(self._groups.row):
            return False
        return self._set_cursor(self._groups.row[g] + 1)

    def previous_date(self) -> bool:
        """This date's first article, or (from there) the previous date's first; ``False`` at the very first."""
        if self._cursor_row < 0:
            return False
        g = self.group_of_row(self._cursor_row)
        first_of_this = self._groups.row[g] + 1
        if self._cursor_row > first_of_this:
            return self._set_cursor(first_of_this)
        if g == 0:
            return False
        return self._set_cursor(self._groups.row[g - 1] + 1)

    def at_first(self) -> bool:
        """Whether the cursor is on the first listed article."""
        return self._cursor_row == self._first_entry_row(0)

    def at_last(self) -> bool:
        """Whether the cursor is on the last listed article."""
        return self._cursor_row == self.rows - 1


class History:
    """Back and forward through the articles opened (frogmouth's ``History``, as a browser keeps it)."""

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self._back: list[int] = []
        self._forward: list[int] = []
        self._limit = limit

    def visit(self, index: int) -> None:
        """The user opened ``index`` (not by walking history): it becomes the newest entry."""
        if self._back and self._back[-1] == index:
            return
        self._back.append(index)
        del self._back[: -self._limit]
        self._forward.clear()

    def back(self) -> int | None:
        """The article before the current one (``None``: nowhere to go)."""
        if len(self._back) < 2:
            return None
        self._forward.append(self._back.pop())
        return self._back[-1]

    def forward(self) -> int | None:
        """The article ``back`` left (``None``: nowhere to go)."""
        if not self._forward:
            return None
        index = self._forward.pop()
        self._back.append(index)
        return index

    def forget(self, gone: Iterable[int]) -> None:
        """Articles that left the library."""
        gone = set(gone)
        self._back = [i for i in self._back if i not in gone]
        self._forward = [i for i in self._forward if i not in gone]

    @property
    def current(self) -> int | None:
        """The article history stands on."""
        return self._back[-1] if self._back else None


@dataclass(slots=True)
class Hits:
    """The last search's hits, best first, and a cursor over them for ``n`` / ``N``."""

    query: str = ""
    """What was searched."""
    indexes: list[int] = field(default_factory=list)
    """The hits' article indexes, best first."""
    complete: int = 0
    """How many articles match every term."""
    partial: int = 0
    """How many more match all plain words but one."""
    cursor: int = -1
    """Which hit ``n`` / ``N`` last opened (-1: none yet)."""

    def replace(self, query: str, indexes: Sequence[int], complete: int = 0, partial: int = 0) -> None:
        """A new search's answer."""
        self.query, self.indexes, self.complete, self.partial, self.cursor = query, list(indexes), complete, partial, -1

    def choose(self, index: int) -> None:
        """The user opened this hit from the search results."""
        self.cursor = self.indexes.index(index) if index in self.indexes else -1

    def step(self, step: int) -> tuple[int, bool] | None:
        """The next (``step`` 1) or previous (-1) hit and whether the step wrapped around; ``None``: no hits."""
        if not self.indexes:
            return None
        if self.cursor < 0:
            self.cursor = 0 if step > 0 else len(self.indexes) - 1
            return self.indexes[self.cursor], False
        moved = self.cursor + step
        wrapped = not 0 <= moved < len(self.indexes)
        self.cursor = moved % len(self.indexes)
        return self.indexes[self.cursor], wrapped

    def forget(self, gone: Iterable[int]) -> None:
        """Articles that left the library."""
        gone = set(gone)
        if gone.intersection(self.indexes):
            kept = [i for i in self.indexes if i not in gone]
            current = self.indexes[self.cursor] if 0 <= self.cursor < len(self.indexes) else None
            self.indexes = kept
            self.cursor = kept.index(current) if current in kept else -1


@dataclass(frozen=True, slots=True)
class Opened:
    """An article opened by walking history."""

    index: int
    """The article."""
    changed: list[int]
    """Articles whose marks changed (it and its repeats, when it was unread)."""


class Reader:
    """One reading session: the view, marks, history and hits, and what counts as opening an article.

    An article is *opened* (marked read, put in history, remembered for the next start) by a
    move the user makes — a key, a click, a search result, a history step, resuming — and
    never by reordering, filtering or the library growing.
    """

    def __init__(self, library: Library, state: ReadingState | None = None, session: str = "") -> None:
        self.library = library
        self.state = state
        self.session = session
        """Key of the set of inputs, for the resume position."""
        self.marks = Marks(library, state)
        self.view = View(library, self.marks)
        self.history = History()
        self.hits = Hits()
        self.opened: int | None = None
        """The article last opened (what the pane shows)."""
        self.moved = False
        """Whether the user has moved yet (resuming never overrides a move)."""

    @property
    def current(self) -> int | None:
        """The article under the cursor."""
        return self.view.current

    def open(self, index: int | None = None, *, walking: bool = False) -> list[int]:
        """Open ``index`` (default: the cursor's article): mark it read, record it; the articles whose marks changed.

        ``walking``: reached by Backspace / forward, so history is not rewritten.
        """
        index = self.view.current if index is None else index
        if index is None:
            return []
        self.opened = index
        self.moved = True
        if not walking:
            self.history.visit(index)
        return self.marks.set_read(index, True)

    def show(self) -> None:
        """The cursor's article is on screen without being opened (start-up, a reorder, a filter)."""
        self.opened = self.view.current

    def go(self, move: str) -> bool:
        """Move the cursor (``next``, ``previous``, ``first``, ``last``, ``next_date``, ``previous_date``)."""
        return getattr(self.view, move)()

    def reveal(self, index: int) -> bool:
        """Put the cursor on ``index``, dropping a filter that hides it; ``False`` if not listed at all."""
        if self.view.move_to(index):
            return True
        if self.view.filter:
            self.view.set_filter("")
            return self.view.move_to(index)
        return False

    def back(self) -> Opened | None:
        """Go back in history: the article now open and the marks that changed (``None``: nowhere to go)."""
        return self._walk(self.history.back())

    def forward(self) -> Opened | None:
        """Go forward in history (``None``: nowhere to go)."""
        return self._walk(self.history.forward())

    def _walk(self, index: int | None) -> Opened | None:
        if index is None or not self.reveal(index):
            return None
        return Opened(index, self.open(index, walking=True))

    def set_filter(self, mode: Filter) -> None:
        """Toggle a filter: the same mode again shows all."""
        self.view.set_filter("" if self.view.filter == mode else mode)

    def toggle_order(self) -> None:
        """Oldest first ↔ newest first."""
        self.view.set_order(not self.view.newest_first)

    def goto_date(self, typed: str, today: date | None = None) -> tuple[bool, str]:
        """Jump to the date typed, or the nearest one listed: ``(True, what happened)`` or ``(False, why not)``.

        Relative forms (``-2d``) count from the article being read; ``today`` is the calendar day.
        """
        anchor = self.library.date(self.view.current) if self.view.current is not None else None
        spec = parse_date_spec(typed, today, anchor)
        if spec is None:
            return False, f"Not a date: {typed!r}. Try 2024-07-04, 04.07, 4 Jul, today or -2d"
        available = sorted(d for d, _ in self.view.dates() if d is not None)
        target = nearest_date(spec, available, today)
        if target is None:
            return False, "No dated articles to jump to"
        self.jump_to_date(target)
        if spec.matches(target):
            return True, day_label(target)
        return True, f"No articles on {spec.describe()}; showing the nearest date, {day_label(target)}"

    def jump_to_date(self, when: date | None) -> bool:
        """The cursor on the first listed article of ``when``."""
        first = self.view.articles_on(when)
        return bool(first) and self.view.move_to(first[0])

    def step_hit(self, step: int) -> tuple[int, str] | None:
        """Open the next / previous search hit: ``(article, what to tell the user)``; ``None``: no search yet."""
        stepped = self.hits.step(step)
        if stepped is None:
            return None
        index, wrapped = stepped
        self.reveal(index)
        shown = len(self.hits.indexes)
        where = f"Match {self.hits.cursor + 1} of {shown}"
        if self.hits.complete != shown:
            where += f" ({self.hits.complete:,} match all words)" if self.hits.complete else " (none matches all words)"
        where += f" for {self.hits.query!r}"
        if wrapped:
            where = ("Back at the first match: " if step > 0 else "At the last match again: ") + where
        return index, where

    def days(self) -> dict[date, DayCount]:
        """Every date of the library with its articles and unread ones (the calendar's data).

        One entry per date, not per article, kept up to date as marks change: opening the calendar
        costs the dates, not the articles.
        """
        return self.marks.day_counts()

    def span(self) -> tuple[date | None, date | None]:
        """The first and last dates of the library."""
        ordinals = self.library.date_runs().ordinals  # ascending, the undated run (0) last
        dated = ordinals[: len(ordinals) - 1] if len(ordinals) and ordinals[-1] == 0 else ordinals
        if not len(dated):
            return None, None
        return date.fromordinal(dated[0]), date.fromordinal(dated[-1])

    def grew(self) -> range:
        """The library gained articles: marks and view take them in (the cursor stays)."""
        added = self.marks.grow()
        self.view.rebuild()
        return added

    def dropped(self, gone: Sequence[int]) -> None:
        """Articles left the library (their files changed or went away)."""
        self.marks.dropped(gone)
        self.history.forget(gone)
        self.hits.forget(gone)
        keep = self.view.current
        self.view.rebuild(None if keep in set(gone) else keep)
