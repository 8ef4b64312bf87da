"""A locked or failing state store never blocks a key: marks wait in memory, are retried, reported once.

A real second process holds the lock; the tests wait on events and on
``flush()``, never on the clock.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sco_reader.state import MIGRATIONS, SCHEMA_VERSION, ReadingState

from .state_helpers.files import ours
from .state_helpers.processes import Locker, Problems, run


def _stored(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("mode", ["immediate", "exclusive"])
def test_marks_while_another_process_holds_the_write_lock(tmp_path: Path, mode: str) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 3)
    problems = Problems()
    with Locker(db, mode) as locker:
        state, warning = ReadingState.open(db, on_problem=problems)
        assert warning is None and state.path == db
        # Every call returns while the other process still holds the lock (it holds it
        # until told otherwise), so none of them waited for the database.
        for i in range(100):
            state.set_read(f"new-{i}")
        state.set_read_many([f"batch-{i}" for i in range(10)])
        state.set_flagged("new-0", True)
        state.save_position("session", "new-5", 2.5)
        [problem] = problems.wait(1)
        assert "locked" in problem and "kept in memory" in problem and str(db) in problem and "\n" not in problem
        assert not state.flush(timeout=0.3)  # cannot be written while the lock is held...
        assert not state.flush(timeout=0.3)  # ...retried, and still reported only once
        assert problems.messages == [problem]
        assert {f"new-{i}" for i in range(100)} <= state.read_keys()
        assert state.flagged_keys() == {"new-0"} and state.position("session") == ("new-5", 2.5)
        assert _stored(db, "SELECT count(*) FROM marks WHERE key LIKE 'new-%'") == [(0,)]
        locker.release()
        assert state.flush(timeout=30)
    assert _stored(db, "SELECT count(*) FROM marks WHERE key LIKE 'new-%' AND read") == [(100,)]
    assert _stored(db, "SELECT count(*) FROM marks WHERE key LIKE 'batch-%' AND read") == [(10,)]
    assert _stored(db, "SELECT key FROM marks WHERE flagged") == [("new-0",)]
    assert _stored(db, "SELECT key, scroll_y FROM positions WHERE session = 'session'") == [("new-5", 2.5)]
    messages = problems.wait(2)
    assert len(messages) == 2 and "saved again" in messages[1]
    state.close()
    assert len(problems.messages) == 2


def test_failing_writes_are_retried_until_they_succeed(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 3)
    problems = Problems()
    state, warning = ReadingState.open(db, on_problem=problems)
    assert warning is None
    saboteur = sqlite3.connect(db, isolation_level=None)
    saboteur.execute("CREATE TRIGGER jam BEFORE INSERT ON marks BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    try:
        state.set_read("a")
        state.set_flagged("b", True)
        [problem] = problems.wait(1)
        assert "disk on fire" in problem and "retried" in problem
        assert not state.flush(timeout=0.3)
        assert state.is_read("a") and state.is_flagged("b")
    finally:
        saboteur.execute("DROP TRIGGER jam")
        saboteur.close()
    assert state.flush(timeout=30)
    assert "saved again" in problems.wait(2)[1]
    state.close()
    with ReadingState.open(db)[0] as again:
        assert "a" in again.read_keys() and again.flagged_keys() == {"b"}


def test_close_while_locked_is_bounded_and_says_what_was_lost(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 3)
    problems = Problems()
    with Locker(db, "immediate"):
        state, _ = ReadingState.open(db, on_problem=problems)
        state.set_read("x")
        state.set_read("y")
        state.set_flagged("x", True)
        state.save_position("s", "x", 1.0)
        state.close(timeout=0.2)
        lost = problems.messages[-1]
        assert "could not save 2 read marks, 1 flag and the reading position" in lost and str(db) in lost
        assert "\n" not in lost
    assert _stored(db, "SELECT count(*) FROM marks WHERE key IN ('x', 'y')") == [(0,)]


def test_a_file_that_cannot_even_be_read_opens_in_memory(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 3)
    before = _stored(db, "SELECT * FROM marks ORDER BY key")
    with Locker(db, "exclusive-mode"):
        state, warning = ReadingState.open(db, timeout=0.2)
        assert warning is not None and "locked" in warning and "\n" not in warning
        assert state.path is None
        state.set_read("session-only")
        assert state.read_keys() == {"session-only"}
        state.close()
    assert _stored(db, "SELECT * FROM marks ORDER BY key") == before
    assert not any(".corrupt-" in p.name for p in tmp_path.iterdir())


def _v1_file(db: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL").fetchall()
    conn.execute("BEGIN")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO marks (key, read, read_at) VALUES ('old', 1, 1.0)")
    conn.execute("COMMIT")
    conn.close()


def test_an_upgrade_waits_for_the_lock_while_marks_wait_in_memory(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    _v1_file(db)
    problems = Problems()
    with Locker(db, "immediate") as locker:
        state, warning = ReadingState.open(db, timeout=0.2, on_problem=problems)
        assert warning is not None and "locked" in warning and "kept in memory" in warning
        assert state.path == db and state.persistent
        assert state.read_keys() == {"old"}
        state.set_read("new")
        assert state.read_keys() == {"old", "new"}
        assert _stored(db, "PRAGMA user_version") == [(1,)]
        locker.release()
        assert state.flush(timeout=30)
    assert "saved again" in problems.wait(1)[0]
    state.close()
    assert _stored(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert _stored(db, "SELECT key FROM marks WHERE read ORDER BY key") == [("new",), ("old",)]


class _Jammed:
    """A connection whose every statement fails as if another process locked the file."""

    def execute(self, *args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    def close(self) -> None:
        pass


def test_reads_that_fail_fall_back_to_this_sessions_marks_once(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 3)
    problems = Problems()
    state, _ = ReadingState.open(db, on_problem=problems)
    real = state._conn
    state._conn = _Jammed()  # type: ignore[assignment]
    with Locker(db, "immediate") as locker:
        state.set_read("mine")
        state.set_flagged("mine", True)
        assert state.read_keys() == {"mine"}
        assert state.flagged_keys() == {"mine"}
        assert state.position("s") is None
        assert state.marks_since(0) == [("mine", True, True)]
        messages = problems.wait(1)
        assert len(messages) == 1 and "showing this session's marks only" in messages[0]
        locker.release()
    state._conn = real
    assert state.flush(timeout=30)
    assert len(state.read_keys()) == 4
    state.close()


def test_pending_marks_are_saved_at_process_exit(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    ours(db, 0)
    assert run("marker.py", "--no-close", str(db), "read:a", "flag:b", "read:c", "unread:c").strip() == "done"
    with ReadingState.open(db)[0] as state:
        assert state.read_keys() == {"a"} and state.flagged_keys() == {"b"}
        assert state.mark("c") is not None


def test_every_connection_opening_makes_waits_no_longer_than_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rollback-journal file mid-write can be neither recognised nor read: opening gives up
    # after `timeout`, and so does every connection it makes on the way (sqlite3's default is 5 s).
    db = tmp_path / "state.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    waits: list[float] = []
    real_connect = sqlite3.connect

    def connect(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        if database != ":memory:":
            waits.append(float(kwargs.get("timeout", 5.0)))  # type: ignore[arg-type]
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", connect)
    try:
        state, warning = ReadingState.open(db, timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert warning is not None and "locked" in warning
    assert waits and max(waits) <= 0.2, waits
    state.close()
