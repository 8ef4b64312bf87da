"""A tiny app that shows one of the archive views (calendar, year view, trend) over fixed data."""

from __future__ import annotations

from datetime import date
from typing import Callable

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from sco_reader.days import DayCount
from sco_reader.trends import Tally

TODAY = date(2024, 7, 10)
CURRENT = date(2024, 7, 4)
DAYS: dict[date, DayCount] = {
    date(2023, 11, 2): DayCount(12, 12),
    date(2024, 6, 20): DayCount(3, 0),
    date(2024, 7, 3): DayCount(1, 1),
    date(2024, 7, 4): DayCount(6, 2),
    date(2024, 7, 5): DayCount(2, 0),
}
"""An archive from Thu 2 Nov 2023 to Fri 5 Jul 2024."""
FIRST, LAST = date(2023, 11, 2), date(2024, 7, 5)
HITS = Tally({date(2023, 11, 2): 4, date(2024, 6, 20): 1, date(2024, 7, 4): 6, date(2024, 7, 5): 1}, undated=2)
"""Matches of a query per day."""


class ViewsApp(App[None]):
    """Pushes ``make()`` over a plain screen and keeps what it dismissed with."""

    def __init__(self, make: Callable[[], Screen[object]]) -> None:
        super().__init__()
        self.make = make
        self.results: list[object] = []
        """What each pushed screen dismissed with."""

    def compose(self) -> ComposeResult:
        yield Static("reader")

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)


class Resolver:
    """Stands in for the app's go-to-date: records what it was asked, answers like the reader."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, typed: str) -> tuple[bool, str]:
        self.asked.append(typed)
        if typed.strip() in ("someday", ""):
            return False, f"Not a date: {typed!r}"
        return True, f"went to {typed}"


def busy_days() -> dict[date, DayCount]:
    """A fuller archive for pictures: every day from 6 Mar 2023 to 5 Jul 2024, quieter at weekends,
    a gap in August 2023, the last fortnight unread. Deterministic (no randomness)."""
    days: dict[date, DayCount] = {}
    day = date(2023, 3, 6)
    while day <= LAST:
        if not (date(2023, 8, 7) <= day <= date(2023, 8, 20)):
            articles = (day.toordinal() * 7919) % 23 + (12 if day.weekday() < 5 else 1)
            unread = articles if day >= date(2024, 6, 22) else (articles // 3 if day.day % 9 == 0 else 0)
            days[day] = DayCount(articles, unread)
        day = date.fromordinal(day.toordinal() + 1)
    return days
