"""Pilot tests of the archive views: every key of the go-to-date calendar, the year view and the trend chart."""

from __future__ import annotations

from datetime import date

import pytest
from textual.pilot import Pilot

from sco_reader.days import year_position
from sco_reader.screens import GotoDateScreen, TrendScreen, YearScreen
from sco_reader.trends import Tally
from sco_reader.widgets.calendar import MonthCalendar, YearView
from sco_reader.widgets.chart import BarChart

from .helpers import screen_text
from .views_app import CURRENT, DAYS, FIRST, HITS, LAST, TODAY, Resolver, ViewsApp

D = date


def goto_app(resolver: Resolver, **kwargs: object) -> ViewsApp:
    return ViewsApp(lambda: GotoDateScreen(resolver, kwargs.pop("days", DAYS), today=TODAY, **kwargs))  # type: ignore[arg-type]


def year_app(**kwargs: object) -> ViewsApp:
    return ViewsApp(lambda: YearScreen(DAYS, today=TODAY, current=CURRENT, **kwargs))  # type: ignore[arg-type]


def trend_app(query: str = "summit", **kwargs: object) -> ViewsApp:
    return ViewsApp(lambda: TrendScreen(HITS, query, first=FIRST, last=LAST, **kwargs))  # type: ignore[arg-type]


def calendar(app: ViewsApp) -> MonthCalendar:
    return app.screen.query_one(MonthCalendar)


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)  # waits until the keys are handled


# --- go to date: the calendar ---------------------------------------------------------------


async def test_calendar_shows_the_month_of_the_current_article_with_its_marks() -> None:
    app = goto_app(Resolver(), current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Go to date" in text and "July 2024" in text
        assert "Mo   Tu   We   Th   Fr   Sa   Su" in text
        # 3 Jul: one unread article (a few); 4 Jul: the current article's day, busiest, unread; 5 Jul: read.
        assert "  3░• ›4█•  5▒ " in text
        assert " 1·   2· " in text  # in the span, no articles
        assert "Thu 4 Jul 2024 " in text and "6 articles · 2 unread" in text
        assert calendar(app).cursor == CURRENT
        assert app.screen.focused is app.screen.query_one("#goto-input")


async def test_typed_dates_still_work_and_errors_keep_the_dialog_open() -> None:
    resolver = Resolver()
    app = goto_app(resolver, current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *"someday", "enter")
        assert "Not a date: 'someday'" in screen_text(app) and app.results == []
        await press(pilot, "ctrl+u", *"5 jul", "enter")
        assert resolver.asked == ["someday", "5 jul"]
        assert app.results == ["went to 5 jul"]


async def test_the_calendar_follows_a_typed_date() -> None:
    app = goto_app(Resolver(), current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *"20.06")
        assert calendar(app).cursor == D(2024, 6, 20)
        assert "June 2024" in screen_text(app)
        await press(pilot, "ctrl+u", *"nov")
        assert calendar(app).cursor == D(2023, 11, 2)  # the month's first day with articles


async def test_arrows_move_the_day_while_the_input_is_empty_and_enter_jumps_there() -> None:
    resolver = Resolver()
    app = goto_app(resolver, current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "right")
        assert calendar(app).cursor == D(2024, 7, 5)
        await press(pilot, "left", "left")
        assert calendar(app).cursor == D(2024, 7, 3)
        await press(pilot, "up")
        assert calendar(app).cursor == D(2024, 6, 26)  # a week back, across the month's start
        await press(pilot, "down")
        assert calendar(app).cursor == D(2024, 7, 3)
        await press(pilot, "pageup")
        assert calendar(app).cursor == D(2024, 6, 3) and "June 2024" in screen_text(app)
        await press(pilot, "pagedown", "pagedown")
        assert calendar(app).cursor == D(2024, 7, 5)  # August is past the archive: kept at its last day
        assert "Fri 5 Jul 2024 " in screen_text(app) and "2 articles " in screen_text(app)
        await press(pilot, "enter")
        assert resolver.asked == ["2024-07-05"] and app.results == ["went to 2024-07-05"]


async def test_left_and_right_edit_the_text_once_something_is_typed() -> None:
    app = goto_app(Resolver(), current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, *"4 ju", "left", "left", "backspace")
        field = app.screen.query_one("#goto-input")
        assert field.value == "4ju"  # type: ignore[attr-defined]
        assert calendar(app).cursor == CURRENT


async def test_tab_focuses_the_calendar_where_hjkl_home_end_and_enter_work() -> None:
    resolver = Resolver()
    app = goto_app(resolver, current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "tab")
        assert app.screen.focused is calendar(app)
        await press(pilot, "l")
        assert calendar(app).cursor == D(2024, 7, 5)
        await press(pilot, "h", "k")
        assert calendar(app).cursor == D(2024, 6, 27)
        await press(pilot, "j")
        assert calendar(app).cursor == CURRENT
        await press(pilot, "left", "down")  # the arrows too, now handled by the calendar itself
        assert calendar(app).cursor == LAST
        await press(pilot, "home")
        assert calendar(app).cursor == FIRST and "November 2023" in screen_text(app)
        await press(pilot, "pageup")
        assert calendar(app).cursor == FIRST  # nothing before the archive
        await press(pilot, "end", "enter")
        assert resolver.asked == ["2024-07-05"] and app.results == ["went to 2024-07-05"]


async def test_typing_while_the_calendar_has_focus_goes_to_the_input() -> None:
    resolver = Resolver()
    app = goto_app(resolver, current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "tab", *"04.07", "enter")
        assert resolver.asked == ["04.07"]


async def test_clicking_a_day_jumps_there_and_the_title_arrows_change_month() -> None:
    resolver = Resolver()
    app = goto_app(resolver, current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        widget = calendar(app)
        # The title row: '‹' at the left changes to the previous month, '›' at the right to the next.
        await pilot.click(MonthCalendar, offset=(1 + MonthCalendar.GUTTER, 0))
        await pilot.pause()
        assert widget.cursor == D(2024, 6, 4)
        await pilot.click(MonthCalendar, offset=(1 + widget.grid_width - 1, 0))
        await pilot.pause()
        assert widget.cursor == D(2024, 7, 4)
        # Wed 3 Jul: first week row, third column.
        await pilot.click(MonthCalendar, offset=(1 + MonthCalendar.GUTTER + 2 * MonthCalendar.CELL + 2, MonthCalendar.TOP))
        await pilot.pause()
        assert resolver.asked == ["2024-07-03"] and app.results == ["went to 2024-07-03"]


async def test_clicking_outside_the_archive_does_nothing() -> None:
    resolver = Resolver()
    app = goto_app(resolver, current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # Wed 31 Jul (fifth week row) lies after the archive's last day.
        await pilot.click(MonthCalendar, offset=(1 + MonthCalendar.GUTTER + 2 * MonthCalendar.CELL + 2, MonthCalendar.TOP + 4))
        await pilot.pause()
        assert resolver.asked == [] and app.results == []


async def test_a_failed_calendar_jump_says_why() -> None:
    app = goto_app(lambda typed: (False, "No dated articles to jump to"), current=CURRENT)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "enter")
        assert "No dated articles to jump to" in screen_text(app) and app.results == []


async def test_escape_cancels() -> None:
    app = goto_app(Resolver(), current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "escape")
        assert app.results == [None]


async def test_without_days_the_dialog_is_the_plain_prompt() -> None:
    resolver = Resolver()
    app = ViewsApp(lambda: GotoDateScreen(resolver))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query(MonthCalendar)
        await press(pilot, "left", "up", "ctrl+y", "enter")  # nothing to move; Enter resolves the empty text
        assert resolver.asked == [""] and app.results == []
        await press(pilot, *"today", "enter")
        assert app.results == ["went to today"]


async def test_without_current_article_the_cursor_starts_on_today_within_the_archive() -> None:
    app = goto_app(Resolver())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert calendar(app).cursor == LAST  # today (10 Jul) is past the archive


async def test_ctrl_y_opens_the_year_view_and_its_choice_jumps() -> None:
    resolver = Resolver()
    app = goto_app(resolver, current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "ctrl+y")
        assert isinstance(app.screen, YearScreen)
        assert app.screen.query_one(YearView).cursor == CURRENT
        await press(pilot, "pageup", "enter")  # a year back is before the archive: its first day
        assert resolver.asked == ["2023-11-02"]
        assert app.results == ["went to 2023-11-02"] and not isinstance(app.screen, (YearScreen, GotoDateScreen))


async def test_leaving_the_year_view_returns_to_the_calendar() -> None:
    app = goto_app(Resolver(), current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "ctrl+y", "escape")
        assert isinstance(app.screen, GotoDateScreen) and app.results == []


# --- the year view --------------------------------------------------------------------------


async def test_year_view_draws_each_year_as_weeks_by_weekdays() -> None:
    app = year_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Years 2023–2024" in text
        assert "2023 Jan" in text and "2024 Jan" in text
        lines = text.splitlines()
        thursday = [line for line in lines if " Th " in line]
        assert len(thursday) == 2 and "█" in thursday[0] + thursday[1]  # 2 Nov 2023 and 4 Jul 2024 are busiest
        assert "Thu 4 Jul 2024 · 6 articles · 2 unread" in text


async def test_year_view_keys_move_by_day_week_and_year_within_the_archive() -> None:
    app = year_app()
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.screen.query_one(YearView)
        assert app.screen.focused is grid and grid.cursor == CURRENT
        await press(pilot, "down")
        assert grid.cursor == D(2024, 7, 5)
        await press(pilot, "k")
        assert grid.cursor == CURRENT
        await press(pilot, "j")
        assert grid.cursor == D(2024, 7, 5)
        await press(pilot, "left")
        assert grid.cursor == D(2024, 6, 28)
        await press(pilot, "h", "l", "right")
        assert grid.cursor == LAST
        await press(pilot, "up")
        assert grid.cursor == CURRENT
        await press(pilot, "pageup")
        assert grid.cursor == FIRST
        await press(pilot, "pagedown")
        assert grid.cursor == LAST
        await press(pilot, "home")
        assert grid.cursor == FIRST
        assert "Thu 2 Nov 2023 · 12 articles · 12 unread" in screen_text(app)
        await press(pilot, "end", "up", "enter")
        assert app.results == [D(2024, 7, 4)]


async def test_year_view_click_chooses_a_day_and_escape_cancels() -> None:
    app = year_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        grid = app.screen.query_one(YearView)
        column, weekday = year_position(D(2024, 6, 20))
        assert (column, weekday) == (24, 3)
        y = YearView.ROWS_PER_YEAR + 1 + weekday - grid.scroll_offset.y
        await pilot.click(YearView, offset=(YearView.GUTTER + column * grid.cell_width, y))
        await pilot.pause()
        assert app.results == [D(2024, 6, 20)]
    app = year_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click(YearView, offset=(1, 1))  # a weekday name: nothing
        await press(pilot, "escape")
        assert app.results == [None]


# --- the trend chart ------------------------------------------------------------------------


async def test_trend_shows_the_query_literally_the_peak_and_the_cursor_period() -> None:
    app = trend_app("[bold]summit[/] @2024")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Trend of [bold]summit[/] @2024" in text
        assert "▼ peak 7 · 2024-W27" in text  # weeks: the span is 8 months
        assert "2024-W27 · Mon 1 Jul 2024 – Sun 7 Jul 2024 · 7 articles" in text
        assert "by week · 12 dated · peak 2024-W27 (7) · 2 undated" in text
        assert app.screen.query_one(BarChart).period.label == "2024-W27"  # type: ignore[union-attr]


async def test_trend_keys_move_the_cursor_and_switch_the_period_size() -> None:
    app = trend_app(by="month")
    async with app.run_test(size=(80, 24)) as pilot:
        chart = app.screen.query_one(BarChart)
        assert app.screen.focused is chart
        assert [p.label for p in chart.series.periods][0] == "2023-11" and chart.period.label == "2024-07"  # type: ignore[union-attr]
        await press(pilot, "left")
        assert chart.period.label == "2024-06"  # type: ignore[union-attr]
        await press(pilot, "h", "l", "right", "right")
        assert chart.period.label == "2024-07"  # type: ignore[union-attr]
        await press(pilot, "home")
        assert chart.period.label == "2023-11"  # type: ignore[union-attr]
        await press(pilot, "pagedown")
        assert chart.period.label == "2024-07"  # type: ignore[union-attr]
        await press(pilot, "pageup", "end")
        assert chart.period.label == "2024-07"  # type: ignore[union-attr]
        await press(pilot, "d")
        assert chart.series.by == "day" and chart.period.label == "2024-07-01"  # type: ignore[union-attr]
        assert "by day" in screen_text(app)
        await press(pilot, "right", "w")
        assert chart.period.label == "2024-W27"  # type: ignore[union-attr]
        await press(pilot, "m")
        assert chart.period.label == "2024-07"  # type: ignore[union-attr]
        await press(pilot, "d", "enter")
        assert app.results == [(D(2024, 7, 1), D(2024, 7, 1))]


async def test_trend_enter_gives_the_period_and_escape_nothing() -> None:
    app = trend_app(by="month")
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "enter")
        assert app.results == [(D(2024, 7, 1), D(2024, 7, 31))]
    app = trend_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "escape")
        assert app.results == [None]


async def test_clicking_a_bar_moves_there_and_a_second_click_chooses_it() -> None:
    app = trend_app(by="month")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.screen.query_one(BarChart)
        await pilot.click(BarChart, offset=(0 * chart.bar_width, 3))
        await pilot.pause()
        assert chart.period.label == "2023-11" and app.results == []  # type: ignore[union-attr]
        await pilot.click(BarChart, offset=(0, 3))
        await pilot.pause()
        assert app.results == [(D(2023, 11, 1), D(2023, 11, 30))]


async def test_a_long_span_scrolls_to_keep_the_cursor_in_view() -> None:
    days = {D(2015, 1, 1): 3, D(2024, 12, 31): 9}
    app = ViewsApp(lambda: TrendScreen(Tally(days), "decade", by="day"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        chart = app.screen.query_one(BarChart)
        assert len(chart.series.periods) == 3653 and chart.period.label == "2024-12-31"
        assert chart.scroll_offset.x > 3000
        assert "▼ peak 9 · 2024-12-31" in screen_text(app) or "peak 9 · 2024-12-31 ▼" in screen_text(app)
        await press(pilot, "home")
        assert chart.scroll_offset.x == 0 and "peak 9 · 2024-12-31 ▶" in screen_text(app)


async def test_slash_counts_another_query_in_the_background() -> None:
    asked: list[str] = []

    def recount(query: str) -> Tally:
        asked.append(query)
        return Tally({D(2024, 1, 15): 5})

    app = trend_app(by="month", recount=recount)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "slash")
        field = app.screen.query_one("#trend-query")
        assert app.screen.focused is field
        await press(pilot, "escape")  # back to the chart, query unchanged
        assert app.screen.focused is app.screen.query_one(BarChart) and app.results == []
        await press(pilot, "slash", "ctrl+u", *"xi", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert asked == ["xi"]
        text = screen_text(app)
        assert "Trend of xi" in text and "▼ peak 5 · 2024-01" in text
        assert app.screen.query_one(BarChart).period.label == "2024-01"  # type: ignore[union-attr]


async def test_an_empty_trend_says_so() -> None:
    app = ViewsApp(lambda: TrendScreen(Tally({}, undated=3), "nothing"))
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "left", "enter", "w")
        assert "no matches" in screen_text(app) and "3 undated" in screen_text(app) and app.results == []


async def test_without_a_query_the_trend_asks_for_one() -> None:
    app = ViewsApp(lambda: TrendScreen(Tally({}), "", first=FIRST, last=LAST, recount=lambda q: HITS))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#trend-query")
        assert "no matches" in screen_text(app)


# --- every size ------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["goto", "year", "trend"])
async def test_every_view_survives_small_terminals_and_resizes(view: str) -> None:
    app = {"goto": lambda: goto_app(Resolver(), current=CURRENT), "year": year_app, "trend": trend_app}[view]()
    keys = {
        "goto": ("right", "tab", "pageup", "ctrl+y", "left", "escape"),
        "year": ("left", "pageup", "end", "down"),
        "trend": ("left", "d", "home", "w", "end"),
    }[view]
    async with app.run_test(size=(20, 5)) as pilot:
        await press(pilot, *keys)  # every key at the smallest size
        for number, size in enumerate(((40, 12), (80, 24), (120, 40), (20, 5))):
            await pilot.resize_terminal(*size)
            await press(pilot, keys[number % len(keys)])  # and one at each size after a resize
            assert app.is_running and app.results == []
            assert app.screen.region.size == size


async def test_no_color_keeps_steps_and_cursor_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = goto_app(Resolver(), current=CURRENT)
    async with app.run_test(size=(80, 24)) as pilot:
        await press(pilot, "tab")
        assert app.no_color
        text = screen_text(app)
        assert all(symbol in text for symbol in "·░▒█•›")
        style = calendar(app).get_component_rich_style("calendar--cursor")
        assert style.bold or style.reverse  # not colour alone
