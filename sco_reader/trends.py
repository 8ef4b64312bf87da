"""Trends: how many articles fall in each day, ISO week or month across an archive's span.

Pure (no Textual, no Rich). Counting happens once per *day* (:class:`Tally`), so bucketing
a decade costs ~3,650 steps however many articles it holds: :func:`count_dates` counts a
sequence of dates (search hits), :func:`count_runs` sums pre-counted ``(date, n)`` runs such
as the timeline's date headings without touching every article. :func:`bucket` turns a tally
into a :class:`Series` of consecutive periods (empty ones included) across a span;
:func:`format_lines` and :func:`series_json` give the command line's text and JSON.
"""

from __future__ import annotations

import bisect
import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Literal, Mapping

Granularity = Literal["day", "week", "month"]
"""Bucket size: a day, an ISO week (Monday to Sunday) or a calendar month."""
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month")

EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
"""Left-aligned partial blocks by eighths (index 0: nothing)."""
FULL = "█"


@dataclass(frozen=True, slots=True)
class Tally:
    """Articles counted per day: the input of :func:`bucket`."""

    days: Mapping[date, int]
    """Count per day, only days with articles (a decade: at most ~3,650 entries)."""
    undated: int = 0
    """Articles without a date, counted apart."""


@dataclass(frozen=True, slots=True)
class Period:
    """One bar of a trend: a day, week or month and how many articles fall in it."""

    start: date
    """First day of the period."""
    end: date
    """Last day of the period (inclusive)."""
    label: str
    """``2024-07-04``, ``2024-W27`` or ``2024-07``."""
    count: int
    """Articles dated within ``start``..``end``."""


@dataclass(frozen=True, slots=True)
class Series:
    """Consecutive periods of one size, oldest first, empty periods included."""

    by: Granularity
    """Size of every period."""
    periods: tuple[Period, ...]
    """The periods, oldest first."""
    undated: int = 0
    """Articles without a date (not in any period)."""
    _starts: tuple[date, ...] = field(default=(), repr=False, compare=False)
    """Start of each period, for :meth:`index_of`."""

    @property
    def total(self) -> int:
        """Dated articles across all periods."""
        return sum(period.count for period in self.periods)

    @property
    def peak(self) -> int | None:
        """Index of the period with the most articles (the first such), ``None`` when all are empty."""
        best, best_count = None, 0
        for index, period in enumerate(self.periods):
            if period.count > best_count:
                best, best_count = index, period.count
        return best

    def index_of(self, day: date) -> int | None:
        """Index of the period holding ``day``, ``None`` outside the series."""
        starts = self._starts or tuple(period.start for period in self.periods)
        index = bisect.bisect_right(starts, day) - 1
        if index < 0 or day > self.periods[index].end:
            return None
        return index


def count_dates(dates: Iterable[date | None]) -> Tally:
    """Count articles per day from their dates (``None``: undated)."""
    counts = Counter(dates)
    undated = counts.pop(None, 0)
    return Tally(dict(counts), undated)  # type: ignore[arg-type]


def count_runs(runs: Iterable[tuple[date | None, int]]) -> Tally:
    """Sum ``(date, how many)`` runs, such as date headings, into a tally (repeated dates add up)."""
    days: dict[date, int] = {}
    undated = 0
    for when, count in runs:
        if when is None:
            undated += count
        elif count:
            days[when] = days.get(when, 0) + count
    return Tally(days, undated)


def period_start(day: date, by: Granularity) -> date:
    """First day of the period of size ``by`` holding ``day`` (weeks start on Monday)."""
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown period size: {by!r}")


def next_start(start: date, by: Granularity) -> date:
    """First day of the period after the one starting on ``start``.

    Raises ``OverflowError`` past the last representable date.
    """
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    if start.month == 12:
        return date(start.year + 1, 1, 1)
    return date(start.year, start.month + 1, 1)


def period_end(start: date, by: Granularity) -> date:
    """Last day of the period starting on ``start``."""
    try:
        return next_start(start, by) - timedelta(days=1)
    except (OverflowError, ValueError):
        return date.max


def period_label(start: date, by: Granularity) -> str:
    """``2024-07-04`` (day), ``2024-W27`` (ISO week, with its ISO year) or ``2024-07`` (month)."""
    if by == "day":
        return start.isoformat()
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{start.year:04d}-{start.month:02d}"


def bucket(
    tally: Tally | Mapping[date, int],
    by: Granularity,
    first: date | None = None,
    last: date | None = None,
) -> Series:
    """Periods of size ``by`` from the one holding ``first`` to the one holding ``last``.

    ``first``/``last`` default to the tally's earliest and latest days; days counted outside
    them widen the span (no article is ever dropped). No days and no span: no periods.
    A decade by day is ~3,650 periods: a few milliseconds.
    """
    if by not in GRANULARITIES:
        raise ValueError(f"unknown period size: {by!r}")
    days = tally.days if isinstance(tally, Tally) else tally
    undated = tally.undated if isinstance(tally, Tally) else 0
    counted = [day for day, count in days.items() if count]
    bounds = [day for day in (first, last, min(counted, default=None), max(counted, default=None)) if day is not None]
    if not bounds:
        return Series(by, (), undated)
    low, high = min(bounds), max(bounds)
    fromordinal = date.fromordinal
    periods: list[Period] = []
    if by == "day":
        get = days.get
        for ordinal in range(low.toordinal(), high.toordinal() + 1):
            day = fromordinal(ordinal)
            periods.append(Period(day, day, day.isoformat(), get(day, 0)))
    elif by == "week":
        weeks: dict[int, int] = {}
        for day in counted:
            monday = day.toordinal() - day.weekday()
            weeks[monday] = weeks.get(monday, 0) + days[day]
        top = date.max.toordinal()
        for monday in range(low.toordinal() - low.weekday(), high.toordinal() - high.weekday() + 1, 7):
            start = fromordinal(monday)
            year, week, _ = start.isocalendar()
            periods.append(Period(start, fromordinal(min(monday + 6, top)), f"{year:04d}-W{week:02d}", weeks.get(monday, 0)))
    else:
        months: dict[int, int] = {}
        for day in counted:
            key = day.year * 12 + day.month - 1
            months[key] = months.get(key, 0) + days[day]
        for key in range(low.year * 12 + low.month - 1, high.year * 12 + high.month):
            year, month = divmod(key, 12)
            start = date(year, month + 1, 1)
            end = start.replace(day=calendar.monthrange(year, month + 1)[1])
            periods.append(Period(start, end, f"{year:04d}-{month + 1:02d}", months.get(key, 0)))
    return Series(by, tuple(periods), undated, tuple(period.start for period in periods))


def suggest_granularity(first: date | None, last: date | None) -> Granularity:
    """A period size that keeps a span to about a screenful of bars: days up to 90 days, weeks up to two years, else months."""
    if first is None or last is None:
        return "day"
    days = abs((last - first).days) + 1
    if days <= 90:
        return "day"
    if days <= 2 * 366:
        return "week"
    return "month"


def bar(count: int, peak: int, width: int) -> str:
    """A horizontal bar of eighth blocks: ``peak`` fills ``width`` cells; any count above 0 shows."""
    if count <= 0 or peak <= 0 or width <= 0:
        return ""
    eighths = max(1, round(min(count, peak) * width * 8 / peak))
    full, part = divmod(eighths, 8)
    return FULL * full + EIGHTHS[part]


def format_lines(series: Series, width: int = 40) -> list[str]:
    """One line a period, ``2024-07  ███████▏ 42``: label, a bar scaled to ``width`` cells, count.

    Bars are padded so the counts line up. The undated articles (``series.undated``) are
    not in any period: say them apart.
    """
    if not series.periods:
        return []
    peak = max(period.count for period in series.periods)
    label_width = max(len(period.label) for period in series.periods)
    count_width = len(str(peak))
    return [
        f"{period.label:<{label_width}}  {bar(period.count, peak, width):<{width}} {period.count:>{count_width}}"
        for period in series.periods
    ]


def series_json(series: Series) -> list[dict[str, object]]:
    """``[{"period": "2024-07", "start": "2024-07-01", "count": 42}, …]``, oldest first."""
    return [{"period": period.label, "start": period.start.isoformat(), "count": period.count} for period in series.periods]
