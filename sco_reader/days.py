"""Days with articles, as the calendar and the year view draw them. Pure (no Textual, no Rich).

The app hands over a ``Mapping[date, DayCount]`` covering only days that have articles (a
decade: ~3,650 entries, however many articles). :class:`DayMap` adds what drawing needs: the
archive's :class:`Span`, the :class:`Shading` step of each day (none, few … many, told apart
by :data:`SYMBOLS` as well as by colour), month and year grids (weeks Monday first), and a
cursor that moves by day, week, month or year without leaving the span.
"""

from __future__ import annotations

import bisect
import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Mapping

SYMBOLS: tuple[str, ...] = ("·", "░", "▒", "▓", "█")
"""One symbol per shading level, so the steps read without colour (``NO_COLOR``)."""
LEVEL_NAMES: tuple[str, ...] = ("none", "few", "some", "more", "many")
"""What each shading level means, for legends."""
WEEKDAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS: tuple[str, ...] = tuple(calendar.month_abbr)[1:]
"""``Jan`` … ``Dec``."""
MONTH_NAMES: tuple[str, ...] = tuple(calendar.month_name)[1:]
"""``January`` … ``December``."""


@dataclass(frozen=True, slots=True)
class DayCount:
    """How many articles one day has, and how many of them are unread."""

    articles: int
    """Articles dated that day."""
    unread: int = 0
    """Of those, how many are unread."""


NO_ARTICLES = DayCount(0, 0)


@dataclass(frozen=True, slots=True)
class Shading:
    """Shading steps by rank: a day's level is the quartile of its count among all days with articles.

    Level 0 means no articles; 1 to 4 go from few to many (the busiest days are always 4).
    Ranks rather than fractions of the maximum keep one exceptional day from flattening the rest.
    """

    counts: tuple[int, ...]
    """Article counts of every day with articles, ascending."""

    @classmethod
    def of(cls, counts: Iterable[int]) -> Shading:
        """Shading for days with these article counts (zeros are ignored)."""
        return cls(tuple(sorted(count for count in counts if count > 0)))

    def level(self, count: int) -> int:
        """0 (no articles) to 4 (among the busiest quarter of days)."""
        if count <= 0 or not self.counts:
            return 0
        rank = bisect.bisect_right(self.counts, count) / len(self.counts)
        return max(1, min(4, math.ceil(4 * rank)))


@dataclass(frozen=True, slots=True)
class Span:
    """The days an archive covers, first to last inclusive."""

    first: date
    """Earliest day with articles."""
    last: date
    """Latest day with articles."""

    def clamp(self, day: date) -> date:
        """``day``, or the nearer end of the span when outside it."""
        return min(max(day, self.first), self.last)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the day of month kept when it exists (31 Jan + 1 → 29 Feb).

    Stays within ``date.min``..``date.max``.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if year < date.min.year:
        return date.min
    if year > date.max.year:
        return date.max
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def step(day: date, *, days: int = 0, months: int = 0, span: Span | None = None) -> date:
    """``day`` moved by ``months`` then ``days``, kept within ``span`` (and the representable dates)."""
    moved = add_months(day, months) if months else day
    if days:
        try:
            moved = moved + timedelta(days=days)
        except OverflowError:
            moved = date.max if days > 0 else date.min
    return span.clamp(moved) if span is not None else moved


def month_weeks(year: int, month: int) -> tuple[tuple[date | None, ...], ...]:
    """The month as six weeks of seven days, Monday first; days of other months are ``None``.

    Always six rows, so the calendar keeps its height from month to month.
    """
    length = calendar.monthrange(year, month)[1]
    offset = date(year, month, 1).weekday()
    cells: list[date | None] = [None] * offset + [date(year, month, d) for d in range(1, length + 1)]
    cells += [None] * (-len(cells) % 7)
    weeks = [tuple(cells[k : k + 7]) for k in range(0, len(cells), 7)]
    while len(weeks) < 6:
        weeks.append((None,) * 7)
    return tuple(weeks)


def year_columns(year: int) -> int:
    """How many week columns the year's grid has (53 or 54): Monday-first weeks touching the year."""
    first_weekday = date(year, 1, 1).weekday()
    days = 366 if calendar.isleap(year) else 365
    return (first_weekday + days + 6) // 7


def year_cell(year: int, column: int, weekday: int) -> date | None:
    """The day at ``column`` (week) and ``weekday`` (0 = Monday) of the year's grid, ``None`` outside the year."""
    ordinal = date(year, 1, 1).toordinal() - date(year, 1, 1).weekday() + column * 7 + weekday
    if ordinal < 1 or ordinal > date.max.toordinal():
        return None
    day = date.fromordinal(ordinal)
    return day if day.year == year else None


def year_position(day: date) -> tuple[int, int]:
    """``(column, weekday)`` of ``day`` in its year's grid."""
    start = date(day.year, 1, 1)
    return (start.weekday() + (day - start).days) // 7, day.weekday()


def month_starts(year: int) -> list[tuple[int, int]]:
    """``(column, month)`` of the week column where each month's first day falls."""
    return [(year_position(date(year, month, 1))[0], month) for month in range(1, 13)]


def day_label(day: date) -> str:
    """``Thu 4 Jul 2024``."""
    return f"{calendar.day_abbr[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True, slots=True)
class DayMap:
    """Everything the calendar and the year view need about an archive's days, built once."""

    days: Mapping[date, DayCount]
    """Only the days with articles."""
    span: Span | None
    """First to last day with articles; ``None`` for an archive without dated articles."""
    shading: Shading
    """Shading steps over the days' counts."""
    dates: tuple[date, ...]
    """The days with articles, ascending."""

    @classmethod
    def build(cls, days: Mapping[date, DayCount]) -> DayMap:
        """Index ``days`` (a decade: a few milliseconds)."""
        dates = tuple(sorted(day for day, count in days.items() if count.articles > 0))
        span = Span(dates[0], dates[-1]) if dates else None
        return cls(days, span, Shading.of(days[day].articles for day in dates), dates)

    def count(self, day: date) -> DayCount:
        """Articles and unread articles on ``day`` (zero when it has none)."""
        return self.days.get(day, NO_ARTICLES)

    def level(self, day: date) -> int:
        """Shading level of ``day``: 0 (no articles) to 4."""
        count = self.days.get(day)
        return self.shading.level(count.articles) if count is not None else 0

    def clamp(self, day: date) -> date:
        """``day`` kept within the span (unchanged without one)."""
        return self.span.clamp(day) if self.span is not None else day

    def initial(self, today: date, current: date | None) -> date:
        """Where the cursor starts: the current article's day, else today (both kept within the span)."""
        return self.clamp(current if current is not None else today)

    def years(self) -> range:
        """The years the span touches (none without a span)."""
        if self.span is None:
            return range(0)
        return range(self.span.first.year, self.span.last.year + 1)

    def describe(self, day: date) -> str:
        """``Thu 4 Jul 2024 · 6 articles · 2 unread`` (or ``· no articles``)."""
        count = self.count(day)
        if not count.articles:
            return f"{day_label(day)} · no articles"
        text = f"{day_label(day)} · {count.articles:,} article{'s' if count.articles != 1 else ''}"
        if count.unread:
            text += f" · {count.unread:,} unread"
        return text

    def nearest(self, day: date) -> date | None:
        """The day with articles nearest ``day`` (the earlier on a tie)."""
        dates = self.dates
        if not dates:
            return None
        index = bisect.bisect_left(dates, day)
        if index < len(dates) and dates[index] == day:
            return day
        candidates = [dates[k] for k in (index - 1, index) if 0 <= k < len(dates)]
        return min(candidates, key=lambda d: abs((d - day).days))
