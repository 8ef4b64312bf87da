"""Trends: counting per day, bucketing into days / ISO weeks / months, peak, CLI lines and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sco_reader.trends import (
    Period,
    Series,
    Tally,
    bar,
    bucket,
    count_dates,
    count_runs,
    format_lines,
    period_label,
    period_start,
    series_json,
    suggest_granularity,
)

D = date


def test_count_dates_counts_per_day_and_undated_apart() -> None:
    tally = count_dates([D(2024, 7, 4), None, D(2024, 7, 4), D(2024, 7, 5), None, None])
    assert tally.days == {D(2024, 7, 4): 2, D(2024, 7, 5): 1}
    assert tally.undated == 3


def test_count_runs_sums_repeated_dates_and_skips_empty_runs() -> None:
    tally = count_runs([(D(2024, 7, 4), 6), (None, 2), (D(2024, 7, 5), 0), (D(2024, 7, 4), 1)])
    assert tally == Tally({D(2024, 7, 4): 7}, 2)


def test_days_include_empty_periods_across_the_span() -> None:
    series = bucket(Tally({D(2024, 7, 3): 1, D(2024, 7, 5): 2}, undated=4), "day", D(2024, 7, 1), D(2024, 7, 6))
    assert [(p.label, p.count) for p in series.periods] == [
        ("2024-07-01", 0),
        ("2024-07-02", 0),
        ("2024-07-03", 1),
        ("2024-07-04", 0),
        ("2024-07-05", 2),
        ("2024-07-06", 0),
    ]
    assert series.undated == 4 and series.total == 3
    assert all(p.start == p.end for p in series.periods)


def test_span_defaults_to_the_counted_days_and_is_widened_never_cut() -> None:
    days = {D(2024, 7, 3): 1, D(2024, 7, 5): 2}
    assert [p.label for p in bucket(days, "day").periods] == ["2024-07-03", "2024-07-04", "2024-07-05"]
    widened = bucket(days, "day", D(2024, 7, 4), D(2024, 7, 4))
    assert [p.label for p in widened.periods] == ["2024-07-03", "2024-07-04", "2024-07-05"]
    assert widened.total == 3


def test_nothing_to_bucket_gives_no_periods_or_the_empty_span() -> None:
    assert bucket(Tally({}, undated=2), "month").periods == ()
    assert bucket(Tally({}, undated=2), "month").undated == 2
    empty = bucket({}, "month", D(2024, 1, 15), D(2024, 3, 1))
    assert [(p.label, p.count) for p in empty.periods] == [("2024-01", 0), ("2024-02", 0), ("2024-03", 0)]
    assert empty.peak is None


def test_iso_weeks_start_on_monday_and_take_their_iso_year_across_new_year() -> None:
    # Mon 30 Dec 2024 .. Sun 5 Jan 2025 is ISO week 2025-W01; Mon 28 Dec 2020 .. is 2020-W53.
    days = {D(2024, 12, 29): 1, D(2024, 12, 30): 2, D(2025, 1, 5): 3, D(2025, 1, 6): 4}
    series = bucket(days, "week")
    assert [(p.label, p.start, p.end, p.count) for p in series.periods] == [
        ("2024-W52", D(2024, 12, 23), D(2024, 12, 29), 1),
        ("2025-W01", D(2024, 12, 30), D(2025, 1, 5), 5),
        ("2025-W02", D(2025, 1, 6), D(2025, 1, 12), 4),
    ]
    assert period_label(period_start(D(2021, 1, 3), "week"), "week") == "2020-W53"
    assert period_label(period_start(D(2021, 1, 4), "week"), "week") == "2021-W01"


def test_months_cover_whole_months_with_leap_february_and_year_end() -> None:
    series = bucket({D(2023, 12, 31): 1, D(2024, 2, 29): 2}, "month")
    assert [(p.label, p.start, p.end, p.count) for p in series.periods] == [
        ("2023-12", D(2023, 12, 1), D(2023, 12, 31), 1),
        ("2024-01", D(2024, 1, 1), D(2024, 1, 31), 0),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), 2),
    ]


def test_unknown_period_size_is_refused() -> None:
    with pytest.raises(ValueError):
        bucket({D(2024, 1, 1): 1}, "year")  # type: ignore[arg-type]


def test_peak_is_the_first_fullest_period() -> None:
    series = bucket({D(2024, 7, 1): 2, D(2024, 7, 2): 5, D(2024, 7, 3): 5}, "day")
    assert series.peak == 1
    assert series.periods[series.peak].label == "2024-07-02"


def test_index_of_finds_the_period_holding_a_day() -> None:
    series = bucket({D(2024, 6, 10): 1, D(2024, 8, 2): 1}, "month")
    assert series.index_of(D(2024, 7, 31)) == 1
    assert series.index_of(D(2024, 6, 1)) == 0
    assert series.index_of(D(2024, 5, 31)) is None and series.index_of(D(2024, 9, 1)) is None
    assert Series("month", series.periods).index_of(D(2024, 8, 20)) == 2  # built by hand: still works


def test_bar_uses_eighth_blocks_scaled_to_the_peak() -> None:
    assert bar(42, 42, 8) == "████████"
    assert bar(21, 42, 8) == "████"
    assert bar(57, 64, 8) == "███████▏"  # 57 of 64 eighths
    assert bar(3, 42, 8) == "▋"  # 4.6 eighths round to 5
    assert bar(1, 1000, 8) == "▏"  # anything above zero is visible
    assert bar(0, 42, 8) == "" and bar(5, 0, 8) == "" and bar(5, 5, 0) == ""


def test_format_lines_align_labels_bars_and_counts() -> None:
    series = bucket({D(2024, 6, 3): 21, D(2024, 7, 4): 42, D(2024, 9, 1): 3}, "month")
    lines = format_lines(series, width=8)
    assert lines == [
        "2024-06  ████     21",
        "2024-07  ████████ 42",
        "2024-08            0",
        "2024-09  ▋         3",
    ]
    assert format_lines(Series("day", ())) == []


def test_series_json_is_plain_json() -> None:
    series = bucket({D(2024, 7, 4): 42, D(2024, 9, 1): 3}, "month")
    data = series_json(series)
    assert data[0] == {"period": "2024-07", "start": "2024-07-01", "count": 42}
    assert data[1] == {"period": "2024-08", "start": "2024-08-01", "count": 0}
    assert json.loads(json.dumps(data)) == data


def test_a_span_ending_at_the_last_representable_date_does_not_overflow() -> None:
    series = bucket({date.max: 1}, "month")
    assert series.periods == (Period(D(9999, 12, 1), date.max, "9999-12", 1),)


@given(
    st.lists(st.one_of(st.none(), st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31))), max_size=60),
    st.sampled_from(["day", "week", "month"]),
)
def test_bucketing_keeps_every_article_in_exactly_one_contiguous_period(dates: list[date | None], by: str) -> None:
    series = bucket(count_dates(dates), by)  # type: ignore[arg-type]
    assert series.total == sum(1 for d in dates if d is not None)
    assert series.undated == dates.count(None)
    for before, after in zip(series.periods, series.periods[1:]):
        assert after.start == before.end + timedelta(days=1)
    for when in dates:
        if when is not None:
            index = series.index_of(when)
            assert index is not None and series.periods[index].start <= when <= series.periods[index].end


def test_suggested_period_size_keeps_about_a_screenful_of_bars() -> None:
    assert suggest_granularity(D(2024, 7, 3), D(2024, 7, 5)) == "day"
    assert suggest_granularity(D(2024, 1, 1), D(2024, 3, 30)) == "day"
    assert suggest_granularity(D(2024, 1, 1), D(2024, 3, 31)) == "week"
    assert suggest_granularity(D(2023, 1, 1), D(2024, 12, 31)) == "week"
    assert suggest_granularity(D(2015, 1, 1), D(2024, 12, 31)) == "month"
    assert suggest_granularity(None, None) == "day"


def test_trends_and_days_are_pure() -> None:
    code = (
        "import sys, sco_reader.trends, sco_reader.days; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
