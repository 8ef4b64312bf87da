"""The trust issue's defects that only the screen shows: history keys, paths, long paragraphs,
signals, and the small things a user notices."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from sco_reader import settings
from sco_reader.cli import make_app
from sco_reader.loader import pretty_path
from sco_reader.state import ReadingState

from .conftest import ROOT, SEED
from .helpers import notices, pane_text, screen_text, squash

SIZE = (120, 40)


async def test_forward_history_has_keys_every_terminal_sends() -> None:
    """Trust #12: Alt+← / Alt+→ and H / L walk history (Ctrl+Backspace is Backspace in tmux and xterm)."""
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("j", "j")
        third = app.reader.opened
        await pilot.press("alt+left")
        second = app.reader.opened
        assert second != third
        await pilot.press("H")
        first = app.reader.opened
        await pilot.press("L")
        assert app.reader.opened == second
        await pilot.press("alt+right")
        assert app.reader.opened == third
        await pilot.press("L")
        assert "No later article in history" in notices(app)
        del first


def test_paths_read_as_a_user_types_them(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Trust #13: relative to the current directory, ~ for home, the bundled bulletin as such."""
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "news" / "a.txt"
    assert pretty_path(inside) == "news/a.txt"
    home = Path.home()
    assert pretty_path(home / "x" / "b.txt", cwd=Path("/")) == "~/x/b.txt"
    assert pretty_path(SEED) == f"bundled bulletin {SEED.name}" or pretty_path(SEED).endswith(SEED.name)


async def test_a_long_path_is_never_broken_mid_word(tmp_path: Path) -> None:
    deep = tmp_path / ("very-long-directory-name-" * 4) / "bulletin-with-a-long-name.txt"
    deep.parent.mkdir(parents=True)
    deep.write_bytes(SEED.read_bytes())
    app = make_app(["--no-state", str(deep)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = [line.strip("│ ") for line in pane_text(app).splitlines()]
        source = [line for line in lines if "bulletin-with-a-long-name.txt:" in line]
        assert len(source) == 1 and source[0].startswith("…")  # one line, cut from the left


async def test_a_50_mb_paragraph_is_laid_out_in_part_and_q_still_quits(tmp_path: Path) -> None:
    """Trust #7: a one-line paragraph of megabytes is laid out on its first 20,000 characters."""
    huge = tmp_path / "huge.txt"
    huge.write_text("04.07.2024\nA huge article\n" + "word " * 1_000_000 + "\n", encoding="utf-8")
    app = make_app(["--no-state", str(huge)])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.current is not None and app.current.headline == "A huge article"
        assert len(app.article_view.text_lines) < 1000
        assert "more characters not shown" in " ".join(app.article_view.text_lines)
        await pilot.press("q")
    assert app.return_code in (0, None)


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_sigterm_and_sighup_restore_the_terminal_and_keep_the_place(tmp_path: Path) -> None:
    """Trust #8: as `less` does — leave the alternate screen, show the cursor, stop the mouse, save, exit."""
    for number in (signal.SIGTERM, signal.SIGHUP):
        state = tmp_path / f"state-{number}.sqlite3"
        main, child = pty.openpty()
        os.set_blocking(main, False)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
        process = subprocess.Popen(
            [sys.executable, "-m", "sco_reader", "--state", str(state), str(SEED)],
            stdin=child, stdout=child, stderr=child, env=env, start_new_session=True,
        )
        os.close(child)
        try:
            assert b"min read" in _read_until(main, b"min read", 20)
            os.write(main, b"j")
            _read_until(main, b"2 / 9", 10)
            process.send_signal(number)
            rest = _read_until(main, b"\x00never\x00", 10)  # everything until the reader is gone
            assert process.wait(timeout=10) in (0, -number, 128 + number) or process.returncode == 0
        finally:
            if process.poll() is None:
                process.kill()
            os.close(main)
        assert b"\x1b[?1049l" in rest  # out of the alternate screen
        assert b"\x1b[?25h" in rest  # the cursor shown again
        assert b"\x1b[?1000l" in rest  # no more mouse reports
        saved, _ = ReadingState.open(state)
        assert saved.position(__import__("sco_reader.cli", fromlist=["session_of"]).session_of([SEED])) is not None
        saved.close()


async def test_footer_keeps_help_and_quit_at_80_columns() -> None:
    """Trust #16: at 80×24 the footer shows `? Help` and `q Quit` first."""
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "? Help" in footer and "q Quit" in footer


async def test_cursor_bar_spans_the_whole_row_and_lines_are_capped_at_200_columns() -> None:
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.press("j")  # a short headline: most of the row is padding
        timeline = app.timeline
        strip = timeline.render_line(app.reader.view.cursor_row - int(timeline.scroll_offset.y))
        segments = list(strip)
        assert segments[-1].text.endswith("    ") and strip.cell_length == timeline.scrollable_content_region.width
        backgrounds = {segment.style.bgcolor for segment in segments if segment.style is not None}
        assert len(backgrounds) == 1  # one bar, padding included
        widest = max(len(line) for line in app.article_view.text_lines)
        assert widest <= 88  # a readable measure, however wide the terminal


async def test_theme_chosen_is_kept_across_restarts() -> None:
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert settings.load().get("theme") == "nord"
    again = make_app(["--no-state", str(SEED)])
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_ends_of_the_list_and_wrapping_hits_say_so() -> None:
    """Trust #16: nothing happened at the last article or date, and n wrapped silently."""
    app = make_app(["--no-state", str(SEED)])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("k")
        assert "First article" in notices(app)
        await pilot.press("G", "j", "right_square_bracket")
        assert "Last article" in notices(app) and "No later date" in notices(app)
        await pilot.press("slash", *"xi calls", "enter")
        await pilot.pause()
        for _ in range(len(app.reader.hits.indexes)):
            await pilot.press("n")
        assert any(n.startswith("Back at the first match") for n in notices(app))
        assert squash(screen_text(app))
