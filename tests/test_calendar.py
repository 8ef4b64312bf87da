"""The calendar's pure parts (``sco_reader.days``): grids, shading steps, moving the cursor, the span."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sco_reader.days import (
    SYMBOLS,
    DayCount,
    DayMap,
    Shading,
    Span,
    add_months,
    day_label,
    month_starts,
    month_weeks,
    step,
    year_cell,
    year_columns,
    year_position,
)

D = date


def test_month_grid_is_six_weeks_monday_first() -> None:
    weeks = month_weeks(2024, 7)  # 1 Jul 2024 is a Monday
    assert len(weeks) == 6 and all(len(week) == 7 for week in weeks)
    assert weeks[0][0] == D(2024, 7, 1)
    assert weeks[4][2] == D(2024, 7, 31) and weeks[4][3] is None
    assert weeks[5] == (None,) * 7
    days = [day for week in weeks for day in week if day is not None]
    assert days == [D(2024, 7, 1) + timedelta(days=n) for n in range(31)]


def test_month_grid_starts_on_the_right_weekday_and_handles_the_first_and_last_years() -> None:
    september = month_weeks(2024, 9)  # 1 Sep 2024 is a Sunday: six rows needed
    assert september[0] == (None,) * 6 + (D(2024, 9, 1),)
    assert september[5][0] == D(2024, 9, 30)
    assert month_weeks(1, 1)[0][0] == D(1, 1, 1)
    assert D(9999, 12, 31) in month_weeks(9999, 12)[4] + month_weeks(9999, 12)[5]


def test_year_grid_has_weeks_as_columns_and_weekdays_as_rows() -> None:
    assert year_columns(2024) == 53  # Mon 1 Jan .. Tue 31 Dec
    assert year_columns(2022) == 53  # Sat 1 Jan .. Sat 31 Dec
    assert year_columns(2012) == 54  # leap year from a Sunday to a Monday
    assert year_cell(2022, 0, 0) is None and year_cell(2022, 0, 5) == D(2022, 1, 1)
    assert year_cell(2024, 52, 1) == D(2024, 12, 31) and year_cell(2024, 52, 2) is None
    for day in (D(2022, 1, 1), D(2024, 7, 4), D(2012, 12, 31)):
        column, weekday = year_position(day)
        assert year_cell(day.year, column, weekday) == day
    assert month_starts(2024)[0] == (0, 1) and month_starts(2024)[6] == (26, 7)


def test_shading_steps_rank_days_and_need_no_colour() -> None:
    shading = Shading.of([1, 2, 3, 4, 5, 6, 7, 100, 0])
    assert shading.level(0) == 0
    assert [shading.level(n) for n in (1, 2, 3, 4, 5, 6, 7, 100)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert shading.level(1000) == 4  # beyond every day: the top step
    assert Shading.of([30, 30, 30]).level(30) == 4  # equally busy days are all "many"
    assert Shading.of([]).level(5) == 0
    assert len(set(SYMBOLS)) == 5 and " " not in SYMBOLS


def test_add_months_keeps_the_day_when_it_exists() -> None:
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2024, 12, 15), 1) == D(2025, 1, 15)
    assert add_months(D(2024, 1, 15), -1) == D(2023, 12, 15)
    assert add_months(D(2024, 3, 31), -13) == D(2023, 2, 28)
    assert add_months(D(9999, 12, 1), 1) == date.max and add_months(D(1, 1, 1), -1) == date.min


def test_moving_by_day_week_and_month_crosses_month_and_year_ends() -> None:
    assert step(D(2024, 12, 31), days=1) == D(2025, 1, 1)
    assert step(D(2025, 1, 1), days=-1) == D(2024, 12, 31)
    assert step(D(2024, 12, 28), days=7) == D(2025, 1, 4)
    assert step(D(2024, 2, 29), months=12) == D(2025, 2, 28)
    assert step(date.max, days=1) == date.max and step(date.min, days=-7) == date.min


def test_moving_is_clamped_to_the_archive_span() -> None:
    span = Span(D(2024, 7, 3), D(2024, 7, 5))
    assert step(D(2024, 7, 5), days=1, span=span) == D(2024, 7, 5)
    assert step(D(2024, 7, 4), days=-7, span=span) == D(2024, 7, 3)
    assert step(D(2024, 7, 4), months=1, span=span) == D(2024, 7, 5)
    assert D(2024, 7, 4) in span and D(2024, 7, 6) not in span and "2024-07-04" not in span


@given(st.dates(), st.integers(-400, 400), st.integers(-50, 50))
def test_moving_always_lands_within_the_span(start: date, days: int, months: int) -> None:
    span = Span(D(2015, 1, 1), D(2024, 12, 31))
    assert step(start, days=days, months=months, span=span) in span


def _daymap() -> DayMap:
    return DayMap.build(
        {D(2024, 7, 3): DayCount(1, 1), D(2024, 7, 4): DayCount(6, 0), D(2024, 7, 5): DayCount(2, 2), D(2024, 7, 9): DayCount(0)}
    )


def test_day_map_knows_span_levels_and_counts() -> None:
    days = _daymap()
    assert days.span == Span(D(2024, 7, 3), D(2024, 7, 5))  # a day with no articles does not widen it
    assert days.dates == (D(2024, 7, 3), D(2024, 7, 4), D(2024, 7, 5))
    assert [days.level(D(2024, 7, d)) for d in (2, 3, 4, 5)] == [0, 2, 4, 3]
    assert days.count(D(2024, 7, 1)) == DayCount(0, 0)
    assert days.describe(D(2024, 7, 5)) == "Fri 5 Jul 2024 · 2 articles · 2 unread"
    assert days.describe(D(2024, 7, 3)) == "Wed 3 Jul 2024 · 1 article · 1 unread"
    assert days.describe(D(2024, 7, 4)) == "Thu 4 Jul 2024 · 6 articles"
    assert days.describe(D(2024, 7, 6)) == "Sat 6 Jul 2024 · no articles"
    assert list(days.years()) == [2024]


def test_cursor_starts_on_the_current_article_else_today_within_the_span() -> None:
    days = _daymap()
    assert days.initial(D(2030, 1, 1), D(2024, 7, 4)) == D(2024, 7, 4)
    assert days.initial(D(2030, 1, 1), None) == D(2024, 7, 5)
    assert days.initial(D(2000, 1, 1), None) == D(2024, 7, 3)


def test_nearest_day_with_articles() -> None:
    days = _daymap()
    assert days.nearest(D(2024, 7, 4)) == D(2024, 7, 4)
    assert days.nearest(D(2024, 1, 1)) == D(2024, 7, 3)
    assert days.nearest(D(2025, 1, 1)) == D(2024, 7, 5)
    assert DayMap.build({}).nearest(D(2024, 1, 1)) is None


def test_an_archive_without_dates_has_no_span_and_moves_freely() -> None:
    days = DayMap.build({})
    assert days.span is None and list(days.years()) == []
    assert days.initial(D(2024, 7, 4), None) == D(2024, 7, 4)
    assert days.clamp(D(1999, 1, 1)) == D(1999, 1, 1)


def test_day_label() -> None:
    assert day_label(D(2024, 7, 4)) == "Thu 4 Jul 2024"
