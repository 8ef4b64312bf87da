"""The search overlay in the reader: live results, Enter, Esc, n/N, highlighting, hostile text."""

from __future__ import annotations

from pathlib import Path

from sco_reader.cli import make_app

from .helpers import click_actions, pane_text, screen_text, squash, wait_until

SIZE = (120, 40)
FIRST = "Head of State Tokayev, Russian President Putin hold talks in Astana"
BELARUS = "Belarus officially joins SCO, becoming its 10th member state"
YERMEK = "Nurlan Yermekbayev appointed Secretary General of the SCO"


async def settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    """Let the search worker deliver its results."""
    await pilot.pause()
    await wait_until(pilot, lambda: not any(w.is_running for w in app.workers if w.group == "search"), "the search")


async def test_slash_opens_search_and_typing_shows_ranked_results() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        assert "Type to search" in screen_text(app)
        await pilot.press(*"belaurs")  # a typo
        await settle(pilot, app)
        text = screen_text(app)
        assert "match" in text
        results = [line for line in text.split("\n") if "2024-07-0" in line]
        assert BELARUS[:40] in results[0]


async def test_enter_opens_the_result_and_timeline_follows() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"yermek")
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        assert YERMEK in squash(pane_text(app))
        assert app.reader.current is not None
        assert app.library.articles[app.reader.current].headline == YERMEK


async def test_down_moves_in_results() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"tokayev")
        await settle(pilot, app)
        hits = app.reader.hits.indexes
        assert len(hits) >= 2
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.current is app.library.articles[hits[1]]


async def test_escape_restores_the_previous_article() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j")
        before = app.current
        await pilot.press("slash", *"belarus")
        await settle(pilot, app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.current is before
        assert "Type to search" not in screen_text(app)


async def test_n_and_N_step_through_hits_in_rank_order() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"xi")
        await settle(pilot, app)
        hits = list(app.reader.hits.indexes)
        assert len(hits) >= 2
        await pilot.press("enter")
        await pilot.pause()
        assert app.reader.current == hits[0]
        await pilot.press("n")
        await pilot.pause()
        assert app.reader.current == hits[1]
        assert f"Match 2 of {len(hits)}" in squash(screen_text(app))
        await pilot.press("N")
        await pilot.pause()
        assert app.reader.current == hits[0]


async def test_n_without_a_search_says_so() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert "No search yet" in screen_text(app)


async def test_body_match_shows_a_snippet_and_the_article_highlights_it() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"beidou")  # only in the body of one article
        await settle(pilot, app)
        text = screen_text(app)
        assert "Beidou" in text  # the snippet
        await pilot.press("enter")
        await pilot.pause()
        view = app.article_view
        assert any("Beidou" in line for line in view.text_lines)
        # The match is styled in the pane: find the segment that carries "Beidou".
        styled = [
            segment
            for strip in view._lines  # noqa: SLF001 - the laid-out lines are what the screen shows
            for segment in strip
            if "Beidou" in segment.text
        ]
        assert styled and all(segment.text.strip() == "Beidou" for segment in styled)


async def test_hostile_headlines_in_results_stay_inert(tmp_path: Path) -> None:
    path = tmp_path / "hostile.txt"
    path.write_text("04.07.2024\n[@click=app.quit]Quit now[/] [bold]x[/]\nbody\n", encoding="utf-8")
    app = make_app([str(path)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"quit")
        await settle(pilot, app)
        assert "[@click=app.quit]Quit now[/] [bold]x[/]" in screen_text(app)
        # No cell of the results carries a click action (a parsed [@click] would), and clicks along the row run none.
        assert not any("quit" in action for action in click_actions(app))
        for x in (2, 14, 26):
            await pilot.click("#search-results", offset=(x, 0))
            if app.screen.id != "_default":
                continue
            await pilot.press("slash", *"quit")
            await settle(pilot, app)
        await pilot.pause()
        assert app.is_running and app.return_code is None


async def test_typing_fast_never_shows_stale_results() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"sco summit begins", "backspace", "backspace", "backspace", *"ins")
        await settle(pilot, app)
        from textual.widgets import Input

        assert app.screen.query_one(Input).value == "sco summit begins"
        assert app.reader.hits.query == "sco summit begins"
        assert app.library.articles[app.reader.hits.indexes[0]].headline == "SCO summit begins in Astana"


async def test_N_right_after_a_search_goes_to_the_last_hit() -> None:
    app = make_app([])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"sco")
        await settle(pilot, app)
        await pilot.press("escape", "N")
        await pilot.pause()
        assert app.reader.current == app.reader.hits.indexes[-1]


async def test_results_are_listed_a_page_at_a_time_as_the_cursor_or_wheel_reaches_the_end(tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from sco_reader.screens import SearchScreen

    path = tmp_path / "many.txt"
    path.write_text("".join(f"04.07.2024, 10:{n % 60:02d}\nStory {n}\nBody {n}.\n" for n in range(130)), encoding="utf-8")
    app = make_app([str(path)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"story")
        await settle(pilot, app)
        results = app.screen.query_one("#search-results", OptionList)
        assert len(app.screen.hits) == 130 and results.option_count == SearchScreen.PAGE
        for _ in range(5):
            await pilot.press("pagedown")  # to row 50: the next page is added before the cursor gets there
        assert results.highlighted == 50 and results.option_count == 2 * SearchScreen.PAGE
        results.scroll_end(animate=False, immediate=True)  # as the mouse wheel would
        await wait_until(pilot, lambda: results.option_count == 130, "the last page")
        await pilot.press(*["pagedown"] * 9)
        assert results.highlighted == 129
        await pilot.press("enter")
        await pilot.pause()
        assert app.reader.current == app.reader.hits.indexes[129]
