"""The calendar, year view, trend chart and related articles as a user reaches them: keys, palette, command line."""

from __future__ import annotations

import json
from datetime import date

from sco_reader.cli import make_app
from sco_reader.loader import discover, load_files
from sco_reader.reader import Reader

from .conftest import SEED
from .helpers import notices, screen_text
from .test_cli import run

SIZE = (120, 40)


def test_reader_days_count_articles_and_unread_and_follow_marks() -> None:
    reader = Reader(load_files([SEED]))
    days = reader.days()
    assert {d: c.articles for d, c in days.items()} == {date(2024, 7, 3): 1, date(2024, 7, 4): 6, date(2024, 7, 5): 2}
    assert days[date(2024, 7, 4)].unread == 6
    reader.go("next")
    reader.open()  # the first of 4 July
    assert reader.days()[date(2024, 7, 4)].unread == 5
    reader.marks.mark_read(reader.view.articles_on(date(2024, 7, 5)))
    assert reader.days()[date(2024, 7, 5)].unread == 0
    assert reader.span() == (date(2024, 7, 3), date(2024, 7, 5))


async def test_d_shows_the_calendar_and_arrows_then_enter_jump() -> None:
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("d")
        await pilot.pause()
        text = screen_text(app)
        assert "July 2024" in text and "Go to date" in text
        await pilot.press("right", "right", "enter")  # 3 Jul (the current day) → 5 Jul
        await pilot.pause()
        assert app.reader.view.current_date == date(2024, 7, 5)
        assert "Fri 5 Jul 2024" in notices(app)


async def test_year_view_from_the_palette_jumps_to_a_day() -> None:
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.action_year_view()
        await pilot.pause()
        assert type(app.screen).__name__ == "YearScreen" and "2024" in screen_text(app)
        await pilot.press("down", "enter")  # weeks are columns, days rows: down is the next day
        await pilot.pause()
        assert app.reader.view.current_date == date(2024, 7, 4)
        labels = [label for label, _, _ in app.palette_commands()]
        assert any(label.startswith("Year view") for label in labels) and any(label.startswith("Trends") for label in labels)


async def test_t_charts_the_last_search_and_enter_opens_the_periods_hit() -> None:
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("slash", *"belarus", "enter")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert type(app.screen).__name__ == "TrendScreen"
        assert "belarus" in screen_text(app)
        chart = app.screen.series  # type: ignore[attr-defined]
        assert [p.count for p in chart.periods] == [0, 2, 1]
        await pilot.press("end", "enter")  # the last period: 5 July, one hit
        await pilot.pause()
        assert app.reader.view.current_date == date(2024, 7, 5) and app.current is not None
        assert "belarus" in (app.current.headline + " ".join(app.current.paragraphs)).lower()


async def test_r_lists_related_articles_and_n_steps_through_them() -> None:
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("G")  # Xi calls for building common home…
        await pilot.press("r")
        await pilot.pause()
        assert type(app.screen).__name__ == "RelatedScreen"
        assert "Related to: Xi calls for building common home" in screen_text(app)
        first = app.screen.rows[0][0]  # type: ignore[attr-defined]
        assert app.library.headline(first).startswith("Xi warns")  # the other Xi speech ranks first
        await pilot.press("enter")
        await pilot.pause()
        assert app.reader.opened == first
        second = app.reader.hits.indexes[1]
        await pilot.press("n")
        assert app.reader.opened == second


def test_cli_by_counts_per_period_with_bars_and_json() -> None:
    result = run("--no-state", "--by", "day", str(SEED))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["2024-07-03", "2024-07-04", "2024-07-05"]
    assert [line.split()[-1] for line in lines] == ["1", "6", "2"] and "█" in lines[1]
    series = json.loads(run("--no-state", "--search", "belarus", "--by", "month", "--json", str(SEED)).stdout)
    assert series["series"] == [{"period": "2024-07", "start": "2024-07-01", "count": 3}]
    none = run("--no-state", "--search", "zzzzqqq", "--by", "day", str(SEED))
    assert none.returncode == 1


def test_cli_related_by_id_with_json_and_bad_ids() -> None:
    articles = load_files(discover([SEED])).articles
    xi_calls = next(a for a in articles if a.headline.startswith("Xi calls"))
    result = run("--no-state", "--related", xi_calls.id, "--limit", "2", "--json", str(SEED))
    related = json.loads(result.stdout)["articles"]
    assert len(related) == 2 and related[0]["headline"].startswith("Xi warns") and xi_calls.id not in [a["id"] for a in related]
    for bad in ("nonsense", "0000000000000000"):
        refused = run("--no-state", "--related", bad, str(SEED))
        assert refused.returncode == 2 and refused.stderr.startswith("sco-reader: --related:") and refused.stderr.count("\n") == 1
