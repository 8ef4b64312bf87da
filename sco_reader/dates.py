"""Dates as people type them: ``2024-07-04``, ``04.07.2024``, ``04.07``, ``4 Jul``, ``jul``, ``today``, ``-2d``.

Pure. :func:`parse_date_spec` turns what the user typed into a :class:`DateSpec`
(a day, a day of a month in any year, a month, or a year); the go-to-date prompt
resolves it to the nearest date that has articles, the search engine's ``@``
token filters on it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("jan", "january", "янв", "январь", "января"),
        ("feb", "february", "фев", "февраль", "февраля"),
        ("mar", "march", "мар", "март", "марта"),
        ("apr", "april", "апр", "апрель", "апреля"),
        ("may", "май", "мая"),
        ("jun", "june", "июн", "июнь", "июня"),
        ("jul", "july", "июл", "июль", "июля"),
        ("aug", "august", "авг", "август", "августа"),
        ("sep", "sept", "september", "сен", "сентябрь", "сентября"),
        ("oct", "october", "окт", "октябрь", "октября"),
        ("nov", "november", "ноя", "ноябрь", "ноября"),
        ("dec", "december", "дек", "декабрь", "декабря"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

_ISO = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
_DOTTED = re.compile(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?")
_DAY_MONTH = re.compile(r"(\d{1,2})\s*([^\W\d_]+)\.?(?:\s+(\d{4}))?")
_MONTH_DAY = re.compile(r"([^\W\d_]+)\.?\s*(\d{1,2})(?:,?\s+(\d{4}))?")
_MONTH_YEAR = re.compile(r"([^\W\d_]+)\.?(?:\s+(\d{4}))?")
_RELATIVE = re.compile(r"([+-]\d{1,9})\s*([dwDW]?)")
_YEAR = re.compile(r"(\d{4})")


@dataclass(frozen=True, slots=True)
class DateSpec:
    """A date the user typed, possibly partial. Unset parts match anything."""

    year: int | None = None
    """Four-digit year, or ``None`` for any year."""
    month: int | None = None
    """1–12, or ``None`` for any month."""
    day: int | None = None
    """1–31, or ``None`` for any day."""

    def matches(self, when: date | None) -> bool:
        """Whether ``when`` falls within this spec (undated never matches)."""
        if when is None:
            return False
        return (
            (self.year is None or when.year == self.year)
            and (self.month is None or when.month == self.month)
            and (self.day is None or when.day == self.day)
        )

    @property
    def exact(self) -> date | None:
        """The single day this spec names, when it names one that exists."""
        if self.year is None or self.month is None or self.day is None:
            return None
        try:
            return date(self.year, self.month, self.day)
        except ValueError:
            return None

    def describe(self) -> str:
        """Short human form: ``4 Jul 2024``, ``4 Jul``, ``Jul 2024``, ``2024``."""
        month = date(2000, self.month, 1).strftime("%b") if self.month is not None else ""
        parts = [str(self.day) if self.day else "", month, str(self.year) if self.year is not None else ""]
        return " ".join(p for p in parts if p) or "any date"


def _month(name: str) -> int | None:
    name = name.casefold()
    if name in MONTHS:
        return MONTHS[name]
    if len(name) >= 3:
        for known, number in MONTHS.items():
            if known.startswith(name):
                return number
    return None


def _valid(year: int | None, month: int | None, day: int | None) -> DateSpec | None:
    if year is not None and year < 1:
        return None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    spec = DateSpec(year, month, day)
    if year is not None and month is not None and day is not None and spec.exact is None:
        return None
    if month is not None and day is not None:
        try:
            date(2024, month, day)  # a leap year accepts every real month-day
        except ValueError:
            return None
    return spec


def parse_date_spec(text: str, today: date | None = None, anchor: date | None = None) -> DateSpec | None:
    """Parse what a user typed as a date; ``None`` when it is not one.

    ``today`` and ``yesterday`` are calendar days (``today`` defaults to the real one);
    offsets (``-2d``, ``+1w``) count from ``anchor`` (the article being read), or from
    ``today`` without one.
    """
    text = text.strip().casefold()
    if not text:
        return None
    today = today or date.today()
    if text in ("today", "now", "сегодня"):
        return DateSpec(today.year, today.month, today.day)
    if text in ("yesterday", "вчера"):
        day = today - timedelta(days=1)
        return DateSpec(day.year, day.month, day.day)
    if match := _RELATIVE.fullmatch(text):
        amount = int(match.group(1)) * (7 if match.group(2).lower() == "w" else 1)
        try:
            day = (anchor or today) + timedelta(days=amount)
        except OverflowError:
            return None
        return DateSpec(day.year, day.month, day.day)
    if match := _ISO.fullmatch(text):
        year, month, day = match.groups()
        return _valid(int(year), int(month), int(day) if day else None)
    if match := _YEAR.fullmatch(text):
        return _valid(int(match.group(1)), None, None)
    if match := _DOTTED.fullmatch(text):
        day, month, year = match.groups()
        return _valid(int(year) if year else None, int(month), int(day))
    if match := _DAY_MONTH.fullmatch(text):
        day, name, year = match.groups()
        month = _month(name)
        return _valid(int(year) if year else None, month, int(day)) if month else None
    if match := _MONTH_DAY.fullmatch(text):
        name, day, year = match.groups()
        month = _month(name)
        return _valid(int(year) if year else None, month, int(day)) if month else None
    if match := _MONTH_YEAR.fullmatch(text):
        name, year = match.groups()
        month = _month(name)
        return _valid(int(year) if year else None, month, None) if month else None
    return None


def nearest_date(spec: DateSpec, available: Sequence[date], today: date | None = None) -> date | None:
    """The date with articles that best answers ``spec``.

    ``available`` is ascending. A spec matching some available dates answers its
    first match; otherwise the spec is pinned to one day (a missing year taken from
    the latest available year that has such a day, else today's) and the closest
    available date wins, the earlier on a tie.
    """
    if not available:
        return None
    for candidate in available:
        if spec.matches(candidate):
            return candidate
    target = _pin(spec, available, today or date.today())
    position = bisect.bisect_left(available, target)
    options = available[max(0, position - 1) : position + 1]
    return min(options, key=lambda d: (abs((d - target).days), d))


def _pin(spec: DateSpec, available: Sequence[date], today: date) -> date:
    month = spec.month or 1
    day = spec.day or 1
    years = [spec.year] if spec.year else sorted({d.year for d in available}, reverse=True) + [today.year]
    for year in years:
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(years[0], month, 28)


def spec_bounds(spec: DateSpec, today: date | None = None) -> tuple[date, date]:
    """The first and last day ``spec`` covers: a day, a month (``jul``) or a year (``2024``).

    A spec without a year means its latest occurrence that has begun by ``today``:
    with today 28 Nov 2026, ``jul`` is July 2026 and ``dec`` December 2025, ``04.07``
    is 4 July 2026 and ``29.02`` is 29 February 2024. A spec with neither year nor
    month covers every date.
    """
    today = today or date.today()
    if spec.year is None and spec.month is None:
        return date.min, date.max
    year = spec.year if spec.year is not None else _latest_year(spec.month or 1, spec.day or 1, today)
    if spec.month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if spec.day is not None:
        day = date(year, spec.month, spec.day)
        return day, day
    last = date(year, 12, 31) if spec.month == 12 else date(year, spec.month + 1, 1) - timedelta(days=1)
    return date(year, spec.month, 1), last


def _latest_year(month: int, day: int, today: date) -> int:
    """The latest year whose ``month``/``day`` is not after ``today`` (at the calendar's start: the first one)."""
    for year in range(today.year, max(0, today.year - 9), -1):  # 29 February recurs within 8 years
        try:
            if date(year, month, day) <= today:
                return year
        except ValueError:
            continue
    for year in range(today.year, today.year + 9):
        try:
            date(year, month, day)
            return year
        except ValueError:
            continue
    return today.year  # pragma: no cover - every month/day the parser accepts exists in some leap year


def date_bounds(text: str, today: date | None = None) -> tuple[date, date] | None:
    """The first and last day of a date as typed (``--from`` takes the first, ``--to`` the last).

    The syntax is the go-to-date prompt's (:func:`parse_date_spec`): ``--from jul`` is
    from 1 July, ``--to 2024`` through 31 December 2024, ``--from -7d`` from a week
    ago. ``None`` when ``text`` is not a date.
    """
    spec = parse_date_spec(text, today)
    return None if spec is None else spec_bounds(spec, today)
