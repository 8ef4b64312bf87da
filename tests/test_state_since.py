"""What changed since a point: marks_since and change_count, across processes."""

from __future__ import annotations

import time
from pathlib import Path

from sco_reader.state import ReadingState

from .state_helpers.files import ours
from .state_helpers.processes import Locker, run


def _stamps(state: ReadingState, keys: list[str]) -> list[float]:
    marks = [state.mark(key) for key in keys]
    return [t for m in marks if m is not None for t in (m.read_at, m.flagged_at) if t is not None]


def test_marks_since_returns_every_change_after_the_point_including_unmarking(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    with ReadingState.open(db)[0] as state:
        state.set_read_many(["old-read", "to-unread", "to-unflag"])
        state.set_flagged("to-unflag", True)
        state.set_flagged("old-flag", True)
        assert state.flush(timeout=30)
        point = max(_stamps(state, ["old-read", "to-unread", "to-unflag", "old-flag"]))
        assert state.marks_since(point + 1) == []
        state.set_read("to-unread", False)
        state.set_flagged("to-unflag", False)
        state.set_read("new-read")
        state.set_flagged("new-flag", True)
        assert state.flush(timeout=30)
        assert min(_stamps(state, ["to-unread", "new-read", "new-flag"])) > point  # written after the point
        since = sorted(state.marks_since(point + 1e-6))
        assert since == [
            ("new-flag", False, True),
            ("new-read", True, False),
            ("to-unflag", True, False),
            ("to-unread", False, False),
        ]
        everything = {k: (r, f) for k, r, f in state.marks_since(0)}
        assert everything["old-read"] == (True, False) and everything["old-flag"] == (False, True)
        assert len(everything) == 6


def test_change_count_grows_with_marks_from_any_process(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 0)
    with ReadingState.open(db)[0] as state:
        start = state.change_count()
        assert state.change_count() == start  # reading changes nothing
        state.save_position("s", "k", 1.0)
        assert state.flush(timeout=30) and state.change_count() == start  # positions are not marks
        state.set_read("mine")
        assert state.flush(timeout=30)
        mine = state.change_count()
        assert mine > start
        point = time.time()
        run("marker.py", str(db), "read:theirs", "flag:theirs", "flag:other")
        assert state.change_count() > mine
        keys = {key for key, _, _ in state.marks_since(point)}
        assert {"theirs", "other"} <= keys and "mine" not in keys
        assert ("theirs", True, True) in state.marks_since(point)
        settled = state.change_count()
        run("marker.py", str(db), "unflag:other")
        assert state.change_count() > settled
        assert ("other", False, False) in state.marks_since(point)


def test_pending_marks_count_as_changed_now(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 3)
    with Locker(db, "immediate"):
        state, _ = ReadingState.open(db)
        before = time.time()
        state.set_read("waiting")
        state.set_flagged("old-key", True)
        since = {k: (r, f) for k, r, f in state.marks_since(before)}
        assert since == {"waiting": (True, False), "old-key": (False, True)}
        assert state.marks_since(time.time() + 3600) == []
        state.close(timeout=0)


def test_in_memory_state_answers_the_same_questions() -> None:
    state = ReadingState.memory()
    assert state.change_count() == 0 and state.marks_since(0) == []
    state.set_read("a")
    state.set_flagged("a", True)
    assert state.change_count() == 2 and state.marks_since(0) == [("a", True, True)]


def test_marks_since_searches_indexes_instead_of_scanning(tmp_path: Path) -> None:
    state, _ = ReadingState.open(tmp_path / "state.sqlite3")
    statements: list[str] = []
    state._conn.set_trace_callback(statements.append)
    state.marks_since(time.time())
    state._conn.set_trace_callback(None)
    queries = [s for s in statements if "FROM marks" in s]
    assert queries
    for query in queries:
        plan = " ".join(str(row[3]) for row in state._conn.execute("EXPLAIN QUERY PLAN " + query))
        assert "SCAN" not in plan and "USING INDEX marks_by_read_at" in plan, plan
    state.close()
