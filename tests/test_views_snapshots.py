"""Snapshots of the archive views at fixed terminal sizes, over fixed data in a tiny test app.

Update after an intended change with ``python -m pytest tests/test_views_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from sco_reader.screens import GotoDateScreen, TrendScreen, YearScreen
from sco_reader.trends import count_runs

from .views_app import CURRENT, TODAY, Resolver, ViewsApp, busy_days

BUSY = busy_days()
FIRST_DAY, LAST_DAY = min(BUSY), max(BUSY)


def _goto() -> Screen[object]:
    return GotoDateScreen(Resolver(), BUSY, today=TODAY, current=CURRENT)  # type: ignore[return-value]


def _year() -> Screen[object]:
    return YearScreen(BUSY, today=TODAY, current=CURRENT)  # type: ignore[return-value]


def _trend(by: str) -> Callable[[], Screen[object]]:
    tally = count_runs((day, count.articles // 4) for day, count in BUSY.items())
    return lambda: TrendScreen(tally, "summit astana", first=FIRST_DAY, last=LAST_DAY, by=by)  # type: ignore[arg-type,return-value]


@dataclass(frozen=True, slots=True)
class View:
    """One picture: which screen, at what size, after which keys."""

    name: str
    """Snapshot id."""
    make: Callable[[], Screen[object]]
    """Builds the screen."""
    size: tuple[int, int]
    """Terminal columns and rows."""
    press: tuple[str, ...] = ()
    """Keys pressed before the picture."""


VIEWS = (
    View("calendar-80x24", _goto, (80, 24), ("left",)),
    View("calendar-120x40", _goto, (120, 40), ("tab", "pageup")),
    View("year-120x40", _year, (120, 40)),
    View("year-80x24", _year, (80, 24), ("left",)),
    View("trend-80x24", _trend("week"), (80, 24), ("left", "left")),
    View("trend-by-day-120x40", _trend("day"), (120, 40)),
)


@pytest.mark.parametrize("view", VIEWS, ids=[v.name for v in VIEWS])
def test_view(view: View, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def play(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await pilot.press(*view.press)
        await pilot.pause()

    assert snap_compare(ViewsApp(view.make), run_before=play, terminal_size=view.size)
