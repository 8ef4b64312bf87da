"""Pilot tests: every key of the reader, asserted on what the screen shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from sco_reader import cli
from sco_reader.cli import make_app
from sco_reader.widgets.article import ArticleView
from sco_reader.widgets.timeline import Timeline

from .conftest import SEED
from .helpers import click_actions, notices, pane_text, screen_text, squash, wait_until

SIZE = (120, 40)
FIRST = "Head of State Tokayev, Russian President Putin hold talks in Astana"  # 3 Jul, oldest
SUMMIT = "SCO summit begins in Astana"  # first of 4 Jul
SUMS_UP = "President Tokayev sums up Kazakhstan’s SCO chairmanship results"  # last of 4 Jul (13:49)
XI_WARNS = "Xi warns SCO members of real threat from Cold War mentality"  # first of 5 Jul
XI_CALLS = "Xi calls for building common home of solidarity, prosperity and fairness"  # last


def pane(app) -> str:  # type: ignore[no-untyped-def]
    return squash(pane_text(app))


async def test_opens_on_first_article_of_timeline() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Bulletin of Sat 6 Jul 2024 · 9 articles" in text
        assert "Wed 3 Jul 2024 · 1" in text and "Thu 4 Jul 2024 · 6" in text and "Fri 5 Jul 2024 · 2" in text
        assert FIRST in pane(app)
        assert "Wednesday 3 July 2024" in pane(app)
        assert "1 / 9" in text
        assert "words" in pane(app) and "min read" in pane(app)
        assert SEED.name in pane(app)


async def test_j_k_and_arrows_move_through_articles_in_date_order() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j")
        assert SUMMIT in pane(app) and "2 / 9" in screen_text(app)
        await pilot.press("down")
        assert "Belarus officially joins SCO" in pane(app)
        await pilot.press("k")
        assert SUMMIT in pane(app)
        await pilot.press("up")
        assert FIRST in pane(app)
        await pilot.press("k")  # stays on the first
        assert FIRST in pane(app) and "1 / 9" in screen_text(app)
        seen = []
        for _ in range(8):
            await pilot.press("j")
            seen.append(app.current.date.day)  # type: ignore[union-attr]
        assert seen == sorted(seen) and "9 / 9" in screen_text(app)


async def test_brackets_hop_between_dates() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("]")
        assert SUMMIT in pane(app)
        await pilot.press("]")
        assert XI_WARNS in pane(app)
        await pilot.press("]")  # no later date: stays
        assert XI_WARNS in pane(app)
        await pilot.press("j", "[")  # from the 2nd article of 5 Jul back to the first of 5 Jul
        assert XI_WARNS in pane(app)
        await pilot.press("[")
        assert SUMMIT in pane(app)
        await pilot.press("[")
        assert FIRST in pane(app)


async def test_first_and_last_keys() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("G")
        assert XI_CALLS in pane(app) and "9 / 9" in screen_text(app)
        await pilot.press("g")
        assert FIRST in pane(app)
        await pilot.press("end")
        assert XI_CALLS in pane(app)
        await pilot.press("home")
        assert FIRST in pane(app)


async def test_go_to_date_prompt_jumps_and_reports_nearest() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("d")
        assert "Go to date" in screen_text(app)
        await pilot.press(*"5 jul", "enter")
        await pilot.pause()
        assert XI_WARNS in pane(app)
        await pilot.press("d", *"04.07.2024", "enter")
        assert SUMMIT in pane(app)
        await pilot.press("d", *"2024-07-20", "enter")
        await pilot.pause()
        assert XI_WARNS in pane(app)
        assert "No articles on 20 Jul 2024; showing the nearest date, Fri 5 Jul 2024" in notices(app)
        await pilot.press("d", *"someday", "enter")
        await pilot.pause()
        assert "Not a date" in screen_text(app)
        await pilot.press("escape")
        assert "Go to date" not in screen_text(app)
        await pilot.press("d", *"today", "enter")  # far from 2024: the nearest is the last date
        await pilot.pause()
        assert XI_WARNS in pane(app)


async def test_o_toggles_newest_first() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("o", "g")
        text = screen_text(app)
        assert "newest first" in text
        assert XI_CALLS in pane(app)
        assert text.index("Fri 5 Jul 2024") < text.index("Wed 3 Jul 2024")
        await pilot.press("o", "g")
        assert "oldest first" in screen_text(app) and FIRST in pane(app)


async def test_tab_moves_focus_between_timeline_and_article() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        assert isinstance(app.focused, Timeline)
        await pilot.press("tab")
        assert isinstance(app.focused, ArticleView)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, Timeline)


async def test_space_and_b_scroll_and_space_moves_on_at_the_end() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=(100, 20)) as pilot:
        await pilot.pause()
        first_screen = pane(app)
        await pilot.press("space")
        await pilot.pause()
        assert pane(app) != first_screen and FIRST not in pane(app)
        await pilot.press("b")
        await pilot.pause()
        assert FIRST in pane(app)
        await pilot.press("pagedown")
        await pilot.pause()
        assert app.article_view.scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert app.article_view.scroll_y == 0
        for _ in range(30):
            await pilot.press("space")
            await pilot.pause()
            if SUMMIT in pane(app):
                break
        assert SUMMIT in pane(app), "space at the end of an article moves to the next"


async def test_s_hides_and_shows_the_sidebar() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        assert "Timeline" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert "Timeline" not in screen_text(app) and FIRST in pane(app)
        await pilot.press("s")
        await pilot.pause()
        assert "Timeline" in screen_text(app)


async def test_y_copies_the_article() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard.startswith(FIRST + "\n\nWednesday 3 July 2024\n\nKazakh President")
        assert "Copied" in screen_text(app)


async def test_question_mark_lists_every_key_and_escape_closes() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=(120, 50)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for expected in ("Next article", "First article of the next date", "Go to a date", "Fuzzy search",
                         "Toggle oldest-first", "Scroll the article", "Show / hide the timeline", "Copy the article",
                         "This help", "Quit", "Ctrl+P", "Tab / Shift+Tab", "Esc"):
            assert expected in text, expected
        await pilot.press("escape")
        await pilot.pause()
        assert "Fuzzy search" not in screen_text(app)


async def test_q_quits() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_command_palette_goes_to_a_date() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to fri")
        await wait_until(pilot, lambda: "Go to Fri 5 Jul 2024 (2 articles)" in screen_text(app), "the palette's match")
        await pilot.press("enter")
        await pilot.pause()
        assert XI_WARNS in pane(app)


async def test_clicking_an_entry_opens_it() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        lines = screen_text(app).split("\n")
        row = next(n for n, line in enumerate(lines) if "Belarus officially joins" in line)
        timeline = app.query_one(Timeline)
        await pilot.click(Timeline, offset=(5, row - timeline.region.y))
        await pilot.pause()
        assert "Belarus officially joins SCO" in pane(app)


HOSTILE = (
    "04.07.2024\n"
    "[bold]Bold[/] and [@click=app.quit]click me[/] and [/]\n"
    "\x1b]52;c;cHduZWQ=\x07Clipboard \x1b[31mred\x1b[0m and \u202edesrever\u202c text\n"
    "- [link=https://evil.example]link[/link] item\n"
    "05.07.2024\n"
    "Second [/] headline\n"
    "[b]body[/b]\n"
)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile[1].txt"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


async def test_hostile_text_is_shown_literally_and_runs_nothing(hostile: Path) -> None:
    app = make_app([str(hostile)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]Bold[/] and [@click=app.quit]click me[/] and [/]" in text
        body = pane(app)
        assert "]52;c;cHduZWQ=Clipboard [31mred[0m and desrever text" in body
        assert "[link=https://evil.example]link[/link] item" in body
        assert "\x1b" not in text and "\u202e" not in text
        # No cell on screen carries a click action (a parsed [@click] would), and clicks along the rows run none.
        assert not any("quit" in action for action in click_actions(app))
        for x in (3, 17, 31):
            await pilot.click(Timeline, offset=(x, 1))
            await pilot.click(ArticleView, offset=(x, 1))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("j")
        assert "Second [/] headline" in pane(app) and "[b]body[/b]" in pane(app)
        assert app.reader.view.position == 2


@pytest.mark.parametrize("size", [(20, 5), (30, 8), (40, 10), (79, 24)])
async def test_small_terminals_and_resizes_do_not_crash(size: tuple[int, int]) -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=size) as pilot:
        for key in ("j", "]", "G", "s", "s", "question_mark", "escape", "d", "escape", "o", "space"):
            await pilot.press(key)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        shown = app.current
        assert shown is not None and "q Quit" in screen_text(app)
        await pilot.resize_terminal(*size)
        await pilot.pause()
        assert app.is_running


async def test_narrow_terminal_narrows_then_hides_the_sidebar() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=(70, 24)) as pilot:
        assert "Timeline" in screen_text(app)
        assert app.screen.has_class("-narrow")
        await pilot.resize_terminal(45, 20)
        await pilot.pause()
        assert "Timeline" not in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert "Timeline" in screen_text(app)


async def test_large_inputs_load_progressively_in_a_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for day in range(1, 21):
        (tmp_path / f"2024-07-{day:02d}.txt").write_text(
            "".join(f"{day:02d}.07.2024\nStory {day}-{n}\nBody of story {day}-{n}.\n" for n in range(30)),
            encoding="utf-8",
        )
    monkeypatch.setattr(cli, "SYNC_LOAD_BYTES", 0)
    app = make_app([str(tmp_path)])
    assert app.loading
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await wait_until(pilot, lambda: not app.loading, "the load to finish")
        assert "600 articles from 20 files, Mon 1 Jul 2024 – Sat 20 Jul 2024" in screen_text(app)
        await pilot.press("G")
        assert "Story 20-0" in pane(app) and "600 / 600" in screen_text(app)


async def test_bad_file_found_while_loading_exits_with_status_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("04.07.2024\nFine\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    monkeypatch.setattr(cli, "SYNC_LOAD_BYTES", 0)
    app = make_app([str(tmp_path)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 2
    assert app.load_error is not None and "b.txt: binary file" in app.load_error


async def test_tabs_in_headlines_never_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "tabs.txt"
    path.write_text("04.07.2024\nTab\there\t\t\t\t\tX forged text\nbody\twith tab\n", encoding="utf-8")
    app = make_app([str(path)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "\t" not in text
        lines = text.split("\n")
        timeline = app.query_one(Timeline).region
        row = lines[timeline.y + 2]
        assert row[timeline.right - 1] == "│" and "Tab here" in row


async def test_resuming_does_not_mark_the_first_article_read(tmp_path: Path) -> None:
    state = tmp_path / "s.db"
    app = make_app(["--state", str(state)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("m", "j", "j", "j", "q")  # the first article made unread again, then away
    again = make_app(["--state", str(state)])
    async with again.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        assert again.current is not None and again.current.headline.startswith("SCO members sign")
        first = again.reader.view.row(1)  # the first entry
        assert not again.reader.marks.is_read(first)


async def test_moving_while_loading_is_not_undone_by_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for day in range(1, 11):
        (tmp_path / f"{day:02d}.txt").write_text(
            "".join(f"{day:02d}.07.2024\nStory {day}-{n}\nBody {n}.\n" for n in range(30)), encoding="utf-8"
        )
    state = tmp_path / "s.db"
    monkeypatch.setattr(cli, "SYNC_LOAD_BYTES", 0)
    first = make_app(["--state", str(state), str(tmp_path)])
    async with first.run_test(notifications=True, size=SIZE) as pilot:
        while first.loading:
            await pilot.pause(0.02)
        await pilot.press("G", "q")  # saved: the last article
    monkeypatch.setattr("sco_reader.app.BATCH_SECONDS", 0.0)
    second = make_app(["--state", str(state), str(tmp_path)])
    async with second.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j")  # the user moves before loading is done
        moved_to = second.current
        while second.loading:
            await pilot.pause(0.02)
        await pilot.pause()
        assert second.current is moved_to


async def test_history_survives_opening_through_an_empty_filter() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j", "j", "j")  # 1, 2, 3, 4 opened
        fourth = app.current
        await pilot.press("F")  # nothing is flagged: empty timeline
        await pilot.pause()
        await pilot.press("backspace")
        await pilot.pause()
        assert app.reader.view.filter == "" and app.current is not None
        assert app.current.headline == "Belarus officially joins SCO, becoming its 10th member state"
        await pilot.press("shift+backspace")
        await pilot.pause()
        assert app.current is fourth


async def test_a_long_article_is_laid_out_in_full_after_its_first_screenful(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    body = "".join(f"Paragraph {n} of a long article.\n" if n % 3 else f"- item {n}\n" for n in range(200))
    path.write_text(f"04.07.2024\nShort one\nBody.\n05.07.2024\nLong one\n{body}", encoding="utf-8")
    app = make_app([str(path)])
    async with app.run_test(notifications=True, size=(80, 12)) as pilot:
        view = app.article_view
        await pilot.press("j")  # the key lays out a screenful now and the rest once the frame is drawn
        await wait_until(pilot, lambda: view.virtual_size.height > 200, "the rest of the article")
        await pilot.press("tab", "end")
        assert "Paragraph 199 of a long article." in pane(app)
        assert "• item 198" in pane(app)
