"""Follow in the reader: files created, grown, edited and deleted under a running app are taken in, and
what the user is doing (the article, the cursor's row, an open search) does not move.

Each test changes files, then awaits ``app.follow_now()`` (a pass, as when the watcher sees a change);
one test lets the real watcher notice a new file, with a bounded wait.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sco_reader.archive import Archive, cache_root
from sco_reader.cli import make_app
from sco_reader.widgets.timeline import Timeline

from .helpers import notices, pane_text, screen_text, squash

SIZE = (110, 24)
ARTICLE = "{day:02d}.07.2024, {hour:02d}:00\n{headline}\nBody of {headline}, with a few words.\n"


def bulletin(headlines: list[str], day: int, first_hour: int = 9) -> str:
    return "".join(ARTICLE.format(day=day, hour=first_hour + n, headline=headline) for n, headline in enumerate(headlines))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Ten days of three articles each: 10–19 July."""
    folder = tmp_path / "bulletins"
    folder.mkdir()
    for day in range(10, 20):
        (folder / f"2024-07-{day}.txt").write_text(bulletin([f"Day {day} story {n}" for n in range(3)], day), encoding="utf-8")
    return folder


def pane(app) -> str:  # type: ignore[no-untyped-def]
    return squash(pane_text(app))


def listed(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [app.library.headline(i) for i in app.reader.view.listed()]


def title(app) -> str:  # type: ignore[no-untyped-def]
    return screen_text(app).split("\n")[0]


def under_cursor(app) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The cursor's article and the screen line its row is drawn on."""
    view, timeline = app.reader.view, app.query_one(Timeline)
    return app.library.headline(view.current), view.cursor_row - timeline.scroll_offset.y


async def open_headline(pilot, app, headline: str) -> None:  # type: ignore[no-untyped-def]
    index = next(i for i in app.reader.view.listed() if app.library.headline(i) == headline)
    app._reveal_and_open(index)  # noqa: SLF001 - as Enter on a search result does
    await pilot.pause()


async def test_a_new_file_arrives_unread_in_its_place_counted_and_named(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j")
        reading = app.reader.opened
        assert app.follow and app.watcher is None  # headless: passes come from follow_now
        (folder / "2024-07-15b.txt").write_text(bulletin(["Late news A", "Late news B"], 15, first_hour=20), encoding="utf-8")
        report = await app.follow_now()
        await pilot.pause()
        assert len(report.new) == 2
        headlines = listed(app)
        assert headlines.index("Late news A") == headlines.index("Day 15 story 2") + 1  # in its date's place
        assert all(not app.reader.marks.is_read(i) for i in report.new)
        assert app.reader.opened == reading and "Day 10 story 1" in pane(app)
        assert "· +2 new" in title(app)
        assert any(n.endswith("2024-07-15b.txt: 2 new") for n in notices(app))
        assert "Late news A" in [app.library.headline(h.index) for h in app.search_hits("late news")[0]]


async def test_rows_added_above_the_cursor_keep_its_article_on_the_same_screen_line(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("G", "k", "k", "k", "k", "k")
        before = under_cursor(app)
        assert 3 < before[1] < 15 and app.query_one(Timeline).scroll_offset.y > 0  # mid-screen, scrolled
        for day in (1, 2, 3):
            (folder / f"2024-07-0{day}.txt").write_text(bulletin([f"Early {day} {n}" for n in range(4)], day), encoding="utf-8")
        await app.follow_now()
        await pilot.pause()
        assert under_cursor(app) == before
        line = screen_text(app).split("\n")[app.query_one(Timeline).content_region.y + before[1]]
        assert before[0] in line


async def test_a_grown_file_keeps_the_article_being_read(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await open_headline(pilot, app, "Day 12 story 1")
        app.article_view.scroll_to(y=1, animate=False, immediate=True)
        before = under_cursor(app)
        with open(folder / "2024-07-12.txt", "a", encoding="utf-8") as stream:
            stream.write(ARTICLE.format(day=12, hour=20, headline="Day 12 evening update"))
        report = await app.follow_now()
        await pilot.pause()
        assert [app.library.headline(i) for i in report.new] == ["Day 12 evening update"]
        assert under_cursor(app) == before and not app.article_view.gone
        assert app.library.headline(app.reader.opened) == "Day 12 story 1" and "gone" not in screen_text(app)
        assert "· +1 new" in title(app) and any(n.endswith("2024-07-12.txt: 1 new") for n in notices(app))


async def test_an_edited_file_keeps_the_marks_of_its_unchanged_articles(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await open_headline(pilot, app, "Day 13 story 0")
        await pilot.press("f")  # flag it; it was read by opening it
        await open_headline(pilot, app, "Day 13 story 2")
        (folder / "2024-07-13.txt").write_text(bulletin(["Day 13 story 0", "Day 13 story 1 (corrected)", "Day 13 story 2"], 13), encoding="utf-8")
        report = await app.follow_now()
        await pilot.pause()
        marks, library = app.reader.marks, app.library
        kept = next(i for i in app.reader.view.listed() if library.headline(i) == "Day 13 story 0")
        assert kept not in report.new and marks.is_read(kept) and marks.is_flagged(kept)
        assert [library.headline(i) for i in report.new] == ["Day 13 story 1 (corrected)"]
        assert "Day 13 story 1" not in listed(app)
        assert library.headline(app.reader.opened) == "Day 13 story 2" and not app.article_view.gone
        assert any(n.endswith("2024-07-13.txt: 1 new, 1 gone") for n in notices(app))


async def test_a_deleted_file_leaves_the_timeline_and_its_open_article_stays_until_moving(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await open_headline(pilot, app, "Day 14 story 1")
        before = under_cursor(app)
        (folder / "2024-07-14.txt").unlink()
        report = await app.follow_now()
        await pilot.pause()
        assert report.gone == 3 and not any(h.startswith("Day 14") for h in listed(app))
        assert "Day 14 story 1" in pane(app) and "gone from its file" in screen_text(app)
        headline, line = under_cursor(app)
        assert headline == "Day 15 story 0" and abs(line - before[1]) <= 1  # the nearest article left takes its row (less the date's heading)
        assert any(n.endswith("2024-07-14.txt: deleted, 3 gone") for n in notices(app))
        await pilot.press("j")  # goes on from the row it left
        assert "Day 15 story 0" in pane(app) and "gone from its file" not in screen_text(app)
        await pilot.press("k")
        assert "Day 13 story 2" in pane(app)


async def test_an_open_search_keeps_its_results_and_the_next_keystroke_finds_new_articles(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("slash", *"stor")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = screen_text(app)
        hits = list(app.reader.hits.indexes)
        (folder / "2024-07-21.txt").write_text(bulletin(["Story of the summit close"], 21), encoding="utf-8")
        await app.follow_now()
        await pilot.pause()
        assert app.reader.hits.indexes == hits and screen_text(app).split("\n")[2:8] == shown.split("\n")[2:8]
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Story of the summit close" in [app.library.headline(i) for i in app.reader.hits.indexes]


async def test_new_articles_leave_the_count_once_opened_or_marked_read(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        (folder / "2024-07-25.txt").write_text(bulletin(["Fresh one", "Fresh two"], 25), encoding="utf-8")
        await app.follow_now()
        await pilot.pause()
        assert "· +2 new" in title(app)
        await open_headline(pilot, app, "Fresh one")
        assert "· +1 new" in title(app)
        await pilot.press("j", "m")  # Fresh two: opened (read), then marked unread again: seen, still
        assert "+" not in title(app) and "· 30 unread" in title(app)


async def test_half_written_file_never_crashes_and_is_read_once_complete(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        growing = folder / "2024-07-22.txt"
        growing.write_bytes(b"")  # a copy that has not written anything yet
        report = await app.follow_now()
        assert report.new == () and notices(app) == [] and app.library.alive == 30
        growing.write_bytes(bulletin(["Arriving slowly"], 22).encode()[:9])  # "22.07.202": no bulletin yet
        await app.follow_now()
        growing.write_text(bulletin(["Arriving slowly", "And complete"], 22), encoding="utf-8")
        report = await app.follow_now()
        await pilot.pause()
        assert {app.library.headline(i) for i in report.new} == {"Arriving slowly", "And complete"}
        assert sorted(h for h in listed(app) if h.startswith(("Arriving", "And", "22"))) == ["And complete", "Arriving slowly"]
        assert not any("not read" in n for n in notices(app))


async def test_a_file_that_stays_unreadable_is_reported_once(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        (folder / "broken.txt").write_bytes(b"\x00\x01 binary")
        await app.follow_now()
        app._unreadable.settle = 0.0  # noqa: SLF001 - no waiting for the clock here
        app._check_unreadable()  # noqa: SLF001 - what the timer does
        await app.follow_now()
        app._check_unreadable()  # noqa: SLF001
        await pilot.pause()
        told = [n for n in notices(app) if "broken.txt" in n]
        assert len(told) == 1 and "binary" in told[0] and "read again when it changes" in told[0]


async def test_a_failing_pass_ends_and_says_so_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sco_reader import app as app_module

    def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        monkeypatch.setattr(app_module, "plan_inputs", broken)
        await app.follow_now()
        await app.follow_now()
        await pilot.pause()
        assert [n for n in notices(app) if "disk on fire" in n] == ["could not look for changes: disk on fire"]
        monkeypatch.undo()
        (folder / "2024-07-23.txt").write_text(bulletin(["After the fire"], 23), encoding="utf-8")
        report = await app.follow_now()
        assert len(report.new) == 1 and not app._gate.running  # noqa: SLF001


async def test_the_new_articles_search_segment_is_stored(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        app.follow_store_delay = 0.0
        await app.workers.wait_for_complete()  # the first load's index
        (folder / "2024-07-24.txt").write_text(bulletin(["Indexed at once"], 24), encoding="utf-8")
        await app.follow_now()
        for _ in range(20):  # the index saved, the segment written, the index saved again: workers in turn
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not any(worker.is_running for worker in app.workers) and not app._saving:  # noqa: SLF001
                break
        articles = len(app.library)
    stored = Archive.open([folder], root=cache_root())  # as the next start opens it
    segments = stored.search_meta.get("segments", [])
    assert stored.loaded and len(stored.library) == articles
    assert segments and segments[-1]["base"] + segments[-1]["count"] == articles  # type: ignore[index, operator]
    engine = stored.search_engine()
    assert engine.pending == 0 and "Indexed at once" in [stored.library.headline(h.index) for h in engine.search("indexed")]


async def test_no_follow_and_the_bundled_bulletin_start_no_watcher(folder: Path) -> None:
    for argv in ([str(folder), "--no-follow"], []):
        app = make_app(argv)
        app.watch_headless = True
        async with app.run_test(notifications=True, size=SIZE) as pilot:
            await pilot.pause()
            assert not app.follow and app.watcher is None


async def test_the_real_watcher_notices_a_new_file_within_two_seconds(folder: Path) -> None:
    app = make_app([str(folder)])
    app.watch_headless = True
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        assert app.watcher is not None
        assert await asyncio.to_thread(app.watcher.ready.wait, 10)
        (folder / "2024-07-26.txt").write_text(bulletin(["Noticed by the watcher"], 26), encoding="utf-8")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.0
        while "Noticed by the watcher" not in listed(app):
            await asyncio.wait_for(app.next_follow_pass(), timeout=max(0.0, deadline - loop.time()))
        assert app.watcher.mode == "events"


async def test_changes_wait_for_a_busy_search_engine_without_holding_up_keys(folder: Path) -> None:
    app = make_app([str(folder)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        app._engine_lock.acquire()  # noqa: SLF001 - as the index builder holds it while it makes the engine
        try:
            (folder / "2024-07-11.txt").unlink()
            waiter = app.follow_now()
            for _ in range(200):  # until the worker's message arrived and was held back
                await pilot.pause()
                if app._held_back:  # noqa: SLF001
                    break
            assert app._held_back and "Day 11 story 0" in listed(app)  # noqa: SLF001
            await pilot.press("j")  # keys still work meanwhile
            assert "Day 10 story 1" in pane(app)
        finally:
            app._engine_lock.release()  # noqa: SLF001
        report = await waiter
        assert report.gone == 3 and "Day 11 story 0" not in listed(app)
