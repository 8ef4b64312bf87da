"""Dates as people type them, and finding the nearest date with articles."""

from __future__ import annotations

from datetime import date

import pytest

from sco_reader.dates import DateSpec, nearest_date, parse_date_spec

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
