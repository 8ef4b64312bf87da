"""Reading state in the reader: read/unread, flags, filters, history, resume — across restarts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sco_reader.cli import make_app
from sco_reader.state import ReadingState

from .conftest import ROOT, SEED
from .helpers import pane_text, screen_text, squash, wait_until

SIZE = (120, 40)
FIRST = "Head of State Tokayev, Russian President Putin hold talks in Astana"
SUMMIT = "SCO summit begins in Astana"
BELARUS = "Belarus officially joins SCO, becoming its 10th member state"


def timeline_line(app, headline: str) -> str:  # type: ignore[no-untyped-def]
    region = app.query_one("#timeline").region
    for line in screen_text(app).split("\n")[region.y : region.bottom]:
        line = line[region.x : region.right]
        if headline[:25] in line:
            return line
    raise AssertionError(f"{headline!r} not in the timeline")


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


async def test_opening_marks_read_and_headings_count_unread(state_file: Path) -> None:
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "9 articles · 8 unread" in text  # the first article is open, hence read
        assert "Wed 3 Jul 2024 · 1" in text and "Wed 3 Jul 2024 · 1 ·" not in text
        assert "Thu 4 Jul 2024 · 6 · 6 unread" in text
        assert timeline_line(app, SUMMIT).startswith("│•  ")
        assert timeline_line(app, FIRST).startswith("│   ")
        await pilot.press("j")
        await pilot.pause()
        assert "7 unread" in screen_text(app) and "Thu 4 Jul 2024 · 6 · 5 unread" in screen_text(app)
        assert timeline_line(app, SUMMIT).startswith("│   ")
    state, _ = ReadingState.open(state_file)
    assert len(state.read_keys()) == 2


async def test_m_toggles_read_and_M_marks_the_date(state_file: Path) -> None:
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert timeline_line(app, FIRST).startswith("│•  ") and "9 unread" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert timeline_line(app, FIRST).startswith("│   ")
        await pilot.press("j", "M")
        await pilot.pause()
        text = screen_text(app)
        assert "Thu 4 Jul 2024 · 6 " in text and "6 unread" not in text and "Thu 4 Jul 2024 · 6 ·" not in text
        assert "Marked 5 articles of Thu 4 Jul 2024 read" in squash(text)
        assert "2 unread" in text


async def test_f_flags_with_a_star_and_F_filters(state_file: Path) -> None:
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j", "j", "f")
        await pilot.pause()
        assert timeline_line(app, BELARUS).startswith("│ ★")
        await pilot.press("F")
        await pilot.pause()
        text = screen_text(app)
        assert "Flagged only (F: all)" in text and BELARUS in pane_text(app)
        timeline = app.query_one("#timeline")
        assert app.reader.view.entries == 1
        await pilot.press("F")
        await pilot.pause()
        assert "Flagged only (F: all)" not in screen_text(app) and app.reader.view.entries == 9
        await pilot.press("f")
        await pilot.pause()
        assert timeline_line(app, BELARUS).startswith("│   ")


async def test_u_shows_only_unread(state_file: Path) -> None:
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j", "j")  # three articles read
        await pilot.press("u")
        await pilot.pause()
        text = screen_text(app)
        assert "Unread only (u: all)" in text
        # Six unread, plus the article being read: it stays until the filter is applied again.
        assert app.reader.view.entries == 7
        assert "Belarus officially joins" in squash(pane_text(app))
        await pilot.press("o", "o")  # rebuilding the timeline neither drops it nor marks others read
        await pilot.pause()
        assert app.reader.view.entries == 7
        assert "6 unread" in screen_text(app)
        await pilot.press("u")
        await pilot.pause()
        assert app.reader.view.entries == 9


async def test_backspace_goes_back_and_shift_backspace_forward(state_file: Path) -> None:
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j", "j", "G")
        await pilot.pause()
        await pilot.press("backspace")
        await pilot.pause()
        assert BELARUS in squash(pane_text(app))
        await pilot.press("backspace")
        await pilot.pause()
        assert SUMMIT in squash(pane_text(app))
        await pilot.press("shift+backspace")
        await pilot.pause()
        assert BELARUS in squash(pane_text(app))
        await pilot.press("ctrl+backspace")
        await pilot.pause()
        assert "Xi calls for building" in squash(pane_text(app))


async def test_restart_resumes_article_scroll_marks_and_flags(state_file: Path) -> None:
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=(100, 20)) as pilot:
        await pilot.press("j", "j", "j", "f", "space")
        await pilot.pause()
        scrolled = app.article_view.scroll_y
        assert scrolled > 0
        await pilot.press("q")
    again = make_app(["--state", str(state_file)])
    async with again.run_test(notifications=True, size=(100, 20)) as pilot:
        await wait_until(pilot, lambda: again.article_view.scroll_y == scrolled, "the scroll position to come back")
        assert again.current is not None and again.current.headline.startswith("SCO members sign key documents")
        assert "5 unread" in screen_text(again)
        assert timeline_line(again, "SCO members sign key documents").startswith("│ ★")


async def test_state_survives_renamed_and_reencoded_files(tmp_path: Path, state_file: Path) -> None:
    app = make_app(["--state", str(state_file), str(SEED)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.press("j", "f")
        await pilot.press("q")
    moved = tmp_path / "renamed" / "bulletin-copy.txt"
    moved.parent.mkdir()
    moved.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    again = make_app(["--state", str(state_file), str(moved)])
    async with again.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        assert timeline_line(again, SUMMIT).startswith("│ ★")
        assert "7 unread" in screen_text(again)  # two read before, plus the one opened now


def test_corrupt_state_file_is_moved_aside_and_reader_starts(state_file: Path) -> None:
    ReadingState.open(state_file)[0].close()  # a state file of ours (files that are not are refused)...
    state_file.write_bytes(state_file.read_bytes()[:100] + b"this is not a database" * 100)  # ...damaged
    result = subprocess.run(
        [sys.executable, "-m", "sco_reader", "--list", "--state", str(state_file)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stderr.count("\n") == 1 and "moved" in result.stderr.lower()
    assert len(result.stdout.splitlines()) == 9
    assert any(p.name.startswith("state.sqlite3.corrupt") for p in state_file.parent.iterdir())


def test_list_unread_flagged_and_json_fields(state_file: Path) -> None:
    state, _ = ReadingState.open(state_file)
    document = json.loads(
        subprocess.run(
            [sys.executable, "-m", "sco_reader", "--json", "--no-state"], capture_output=True, text=True, cwd=ROOT
        ).stdout
    )
    keys = {a["headline"]: a["id"] for a in document["articles"]}
    state.set_read(keys[SUMMIT])
    state.set_flagged(keys[BELARUS], True)
    state.close()

    def run(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "sco_reader", "--state", str(state_file), *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        ).stdout

    listing = run("--list").splitlines()
    assert len(listing) == 9
    assert [line for line in listing if not line.startswith("*")] == [f"   2024-07-04        {SUMMIT}"]
    assert [line for line in listing if line[1] == "!"] == [f"*! 2024-07-04        {BELARUS}"]
    assert len(run("--list", "--unread").splitlines()) == 8
    assert run("--list", "--flagged").splitlines() == [f"*! 2024-07-04        {BELARUS}"]
    flagged = json.loads(run("--json", "--flagged"))["articles"]
    assert [(a["headline"], a["read"], a["flagged"]) for a in flagged] == [(BELARUS, False, True)]


async def test_fast_keys_act_on_the_article_under_the_cursor(state_file: Path) -> None:
    """Trust #2: `f j` typed faster than the screen draws flags exactly the articles the cursor passed."""
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        expected = [app.library.key(i) for i in list(app.reader.view.listed())[:8]]
        await pilot.press(*("f", "j") * 8)
        await pilot.pause()
        assert [app.library.key(i) for i in app.reader.view.listed() if app.reader.marks.is_flagged(i)] == expected
    state, _ = ReadingState.open(state_file)
    assert state.flagged_keys() == set(expected)


@pytest.mark.parametrize("key", ["o", "u", "F"])
async def test_reorder_and_filters_mark_nothing(state_file: Path, key: str) -> None:
    """Trust #4: after m (unread again), o / u / F must not mark the article read."""
    app = make_app(["--state", str(state_file)])
    async with app.run_test(notifications=True, size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        reading = app.current
        assert reading is not None and "9 unread" in screen_text(app)
        await pilot.press(key)
        await pilot.pause()
        assert "9 unread" in screen_text(app)
    state, _ = ReadingState.open(state_file)
    assert reading.key not in state.read_keys()
