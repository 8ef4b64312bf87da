"""Dates as people type them, and finding the nearest date with articles."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sco_reader.dates import (
    DateSpec,
    date_bounds,
    nearest_date,
    parse_date_spec,
    spec_bounds,
)

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2024-07-04", DateSpec(2024, 7, 4)),
        ("04.07.2024", DateSpec(2024, 7, 4)),
        ("04.07", DateSpec(None, 7, 4)),
        ("4 Jul", DateSpec(None, 7, 4)),
        ("4 july 2024", DateSpec(2024, 7, 4)),
        ("Jul 4", DateSpec(None, 7, 4)),
        ("jul", DateSpec(None, 7, None)),
        ("2024", DateSpec(2024, None, None)),
        ("4 июля", DateSpec(None, 7, 4)),
        ("today", DateSpec(2026, 11, 28)),
        ("-2d", DateSpec(2026, 11, 26)),
        ("+1w", DateSpec(2026, 12, 5)),
    ],
)
def test_forms_people_type(typed: str, expected: DateSpec) -> None:
    assert parse_date_spec(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["", "someday", "31.02.2024", "31.02", "0.0", "13.13", "0000", "-" + "9" * 5000 + "d"])
def test_not_dates(typed: str) -> None:
    assert parse_date_spec(typed, TODAY) is None


def test_nearest_date_prefers_a_match_then_the_closest_day() -> None:
    days = [date(2024, 7, 3), date(2024, 7, 4), date(2024, 7, 5)]
    assert nearest_date(DateSpec(None, 7, 4), days, TODAY) == date(2024, 7, 4)
    assert nearest_date(DateSpec(2024, 7, 20), days, TODAY) == date(2024, 7, 5)
    assert nearest_date(DateSpec(2020, 1, 1), days, TODAY) == date(2024, 7, 3)
    assert nearest_date(DateSpec(None, 6, 1), days, TODAY) == date(2024, 7, 3)
    assert nearest_date(DateSpec(2024, 7, 4), [], TODAY) is None


# --- bounds for --from / --to ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "first", "last"),
    [
        ("2024-07-04", date(2024, 7, 4), date(2024, 7, 4)),
        ("04.07.2024", date(2024, 7, 4), date(2024, 7, 4)),
        ("jul 2024", date(2024, 7, 1), date(2024, 7, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("dec 2024", date(2024, 12, 1), date(2024, 12, 31)),
        ("dec 9999", date(9999, 12, 1), date(9999, 12, 31)),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("today", TODAY, TODAY),
        ("-7d", date(2026, 11, 21), date(2026, 11, 21)),
        # Without a year: the latest occurrence that has begun by today (28 Nov 2026).
        ("jul", date(2026, 7, 1), date(2026, 7, 31)),
        ("nov", date(2026, 11, 1), date(2026, 11, 30)),
        ("dec", date(2025, 12, 1), date(2025, 12, 31)),
        ("04.07", date(2026, 7, 4), date(2026, 7, 4)),
        ("28.11", TODAY, TODAY),
        ("29 nov", date(2025, 11, 29), date(2025, 11, 29)),
        ("29.02", date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_date_bounds(typed: str, first: date, last: date) -> None:
    assert date_bounds(typed, TODAY) == (first, last)


def test_date_bounds_of_not_a_date() -> None:
    assert date_bounds("someday", TODAY) is None
    assert date_bounds("31.02", TODAY) is None


def test_spec_bounds_of_any_date_is_unbounded() -> None:
    assert spec_bounds(DateSpec(), TODAY) == (date.min, date.max)


def _occurs(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@given(today=st.dates(min_value=date(9, 1, 1)), month=st.integers(1, 12), day=st.one_of(st.none(), st.integers(1, 31)))
def test_yearless_bounds_are_the_latest_occurrence_begun_by_today(today: date, month: int, day: int | None) -> None:
    assume(day is None or _occurs(2024, month, day) is not None)
    first, last = spec_bounds(DateSpec(None, month, day), today)
    assert first <= today and first.month == month == last.month
    assert (first.day, first == last) == ((day, True) if day else (1, False))
    for later in range(first.year + 1, today.year + 1):  # no later occurrence has begun yet
        begins = _occurs(later, month, day or 1)
        assert begins is None or begins > today


def test_yearless_bounds_at_the_start_of_the_calendar() -> None:
    assert spec_bounds(DateSpec(None, 12, None), date(1, 1, 1)) == (date(1, 12, 1), date(1, 12, 31))
    assert spec_bounds(DateSpec(None, 2, 29), date(1, 1, 1)) == (date(4, 2, 29), date(4, 2, 29))
