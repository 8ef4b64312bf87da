"""The reader keeps working while another process holds its state file's write lock.

Before, every key that marked an article waited 5 s for the lock and then the
reader died with a StateError traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sco_reader.cli import make_app

from .state_helpers.files import ours
from .helpers import notices
from .state_helpers.processes import Locker


async def test_keys_keep_working_while_the_state_is_locked_and_marks_are_saved_after(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 0)
    with Locker(db, "exclusive") as locker:
        app = make_app(["--state", str(db)])
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("j", "j", "f", "m", "M")
            await pilot.pause()
            assert app.state is not None
            assert app.state.pending_count > 0  # kept in memory: the file is locked
            assert app.state.read_keys() and app.state.flagged_keys()
            for _ in range(300):  # the writer reports after its first attempt's busy timeout
                if app.state.problems:
                    break
                await pilot.pause(0.05)
            assert "locked" in app.state.problems[0]
            await pilot.pause()
            assert any("locked" in notice for notice in notices(app))  # told once, on screen
            locker.release()
            assert app.state.flush(timeout=30)
            flagged = app.state.flagged_keys()
            await pilot.press("q")
    conn = sqlite3.connect(db)
    try:
        assert {row[0] for row in conn.execute("SELECT key FROM marks WHERE flagged")} == flagged
        assert conn.execute("SELECT count(*) FROM marks WHERE read").fetchone()[0] >= 1
    finally:
        conn.close()
