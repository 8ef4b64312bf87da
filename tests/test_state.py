"""Tests for sco_reader.state: persistence, migration, damage, concurrency, kills.

Refusal, locks, read-only files and change queries have their own files
(``test_state_*.py``).
"""

from __future__ import annotations

import hashlib
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sco_reader import state as state_mod
from sco_reader.state import (
    APPLICATION_ID,
    ENV_VAR,
    MIGRATIONS,
    SCHEMA_VERSION,
    ReadingState,
    default_state_path,
    resolve_state_path,
    session_key,
)

ROOT = Path(__file__).resolve().parent.parent
WRITER = Path(__file__).resolve().parent / "state_helpers" / "writer.py"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never let a test (or its subprocesses) reach the real state directory."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "xdg-state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env-default" / "state.sqlite3"))


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def _open(path: Path | None) -> ReadingState:
    state, warning = ReadingState.open(path)
    assert warning is None, warning
    return state


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


# -- basics and persistence ------------------------------------------------


def test_round_trip_across_reopen(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "dir" / "state.sqlite3"
    state = _open(db)
    assert state.path == db and state.persistent
    assert state.read_keys() == set() and state.position("s") is None
    state.set_read("a")
    state.set_read_many(["b", "c", "d"])
    state.set_read("d", False)
    state.set_flagged("c", True)
    state.set_flagged("e", True)
    state.set_flagged("e", False)
    state.save_position("s1", "c", 12.5)
    state.save_position("s1", "b", 40.0)
    state.save_position("s2", "a", 0)
    state.close()
    state.close()  # idempotent

    with _open(db) as again:
        assert again.read_keys() == {"a", "b", "c"}
        assert again.flagged_keys() == {"c"}
        assert again.is_read("a") and not again.is_read("d") and not again.is_read("zzz")
        assert again.is_flagged("c") and not again.is_flagged("e")
        assert again.position("s1") == ("b", 40.0)
        assert again.position("s2") == ("a", 0.0)
        assert again.position("nope") is None
        mark = again.mark("c")
        assert mark is not None and mark.read and mark.flagged
        assert isinstance(mark.read_at, float) and abs(mark.read_at - time.time()) < 60
        unread = again.mark("d")
        assert unread is not None and not unread.read and unread.read_at is not None
        assert again.mark("never") is None
    assert _integrity(db) == "ok"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    # The released schema keeps its history table, though nothing uses it any more.
    assert conn.execute("SELECT count(*) FROM history").fetchone() == (0,)
    conn.close()


def test_history_api_is_gone() -> None:
    assert not hasattr(ReadingState, "push_history") and not hasattr(ReadingState, "history")
    assert not hasattr(state_mod, "HISTORY_LIMIT")


def test_writes_return_before_saving_and_reads_see_them(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with _open(db) as one, _open(db) as two:
        one.set_read("x")
        one.set_flagged("y", True)
        one.save_position("s", "x", 3.0)
        # Whether or not the writer got there yet, this session sees its own changes.
        assert one.is_read("x") and one.is_flagged("y") and one.position("s") == ("x", 3.0)
        assert one.read_keys() == {"x"} and one.flagged_keys() == {"y"}
        assert one.flush(timeout=30) and one.pending_count == 0
        two.set_flagged("x", True)
        assert two.flush(timeout=30)
        assert two.is_read("x") and one.is_flagged("x")
        assert one.read_keys() == two.read_keys() == {"x"}
        assert two.position("s") == ("x", 3.0)


def test_a_newer_value_replaces_a_pending_one(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with _open(db) as state:
        for i in range(50):
            state.set_read("k", i % 2 == 0)
            state.set_flagged("k", i % 3 == 0)
            state.save_position("s", f"k{i}", float(i))
        assert state.pending_count <= 3
        state.set_read_many(["a", "k", "b"], True)
        state.set_read("b", False)
        assert state.flush(timeout=30)
    with _open(db) as again:
        assert again.read_keys() == {"a", "k"}
        assert again.flagged_keys() == set()  # i = 49: 49 % 3 != 0
        assert again.position("s") == ("k49", 49.0)


def test_writes_after_close_are_reported_not_raised(tmp_path: Path) -> None:
    messages: list[str] = []
    state, warning = ReadingState.open(tmp_path / "s.db", on_problem=messages.append)
    assert warning is None
    state.close()
    state.close()  # idempotent
    state.set_read("k")
    state.set_flagged("k", True)
    state.save_position("s", "k", 1.0)
    assert state.read_keys() == set() and state.position("s") is None and state.mark("k") is None
    assert len(messages) == 1 and "closed" in messages[0] and "\n" not in messages[0]
    assert state.problems == messages
    with _open(tmp_path / "s.db") as again:
        assert again.read_keys() == set()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["read", "flag", "many"]), st.lists(st.sampled_from("abcdef"), max_size=4), st.booleans()),
        max_size=25,
    )
)
def test_matches_a_simple_model(ops: list[tuple[str, list[str], bool]]) -> None:
    read: set[str] = set()
    flagged: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.db"
        with _open(db) as state:
            for op, keys, value in ops:
                if op == "many":
                    state.set_read_many(keys, value)
                    (read.update if value else read.difference_update)(keys)
                for key in keys if op != "many" else []:
                    if op == "read":
                        state.set_read(key, value)
                        (read.add if value else read.discard)(key)
                    else:
                        state.set_flagged(key, value)
                        (flagged.add if value else flagged.discard)(key)
        with _open(db) as state:
            assert state.read_keys() == read
            assert state.flagged_keys() == flagged


# -- location ----------------------------------------------------------------


def test_env_var_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere" / "mine.db"
    assert default_state_path({ENV_VAR: str(target)}) == target
    monkeypatch.setenv(ENV_VAR, str(target))
    assert default_state_path() == target
    with _open(default_state_path()) as state:
        state.set_read("k")
    assert target.is_file()
    with _open(target) as state:
        assert state.read_keys() == {"k"}


def test_default_path_uses_platform_state_dir(tmp_path: Path) -> None:
    path = default_state_path({ENV_VAR: "   "})
    assert path.name == "state.sqlite3" and path.parent.name == "sco-reader"
    if sys.platform.startswith("linux"):
        assert path == tmp_path / "home" / "xdg-state" / "sco-reader" / "state.sqlite3"


def test_resolve_state_path(tmp_path: Path) -> None:
    env = {ENV_VAR: str(tmp_path / "env.db")}
    assert resolve_state_path(tmp_path / "cli.db", disabled=True, environ=env) is None
    assert resolve_state_path(str(tmp_path / "cli.db"), environ=env) == tmp_path / "cli.db"
    assert resolve_state_path(None, environ=env) == tmp_path / "env.db"


def test_session_key_ignores_order_and_repeats() -> None:
    assert session_key(["b", "a", "a"]) == session_key(["a", "b"])
    assert session_key(["a"]) != session_key(["a", "b"])
    assert len(session_key([])) == 16


def test_in_memory_mode_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for state in (ReadingState.open(None)[0], ReadingState.memory()):
        assert state.path is None and not state.persistent
        state.set_read("a")
        state.set_read_many(["b", "c"])
        state.set_flagged("a", True)
        state.save_position("s", "a", 3.0)
        assert state.read_keys() == {"a", "b", "c"} and state.flagged_keys() == {"a"}
        assert state.position("s") == ("a", 3.0) and state.flush(timeout=0)
        assert state.marks_since(0) and state.change_count() == 4
        state.close()
    assert ReadingState.open(None)[1] is None
    assert list(tmp_path.rglob("*")) == [work]


# -- migration -----------------------------------------------------------------


def test_empty_file_is_migrated(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(b"")
    with _open(db) as state:
        state.set_read("k")
    assert _user_version(db) == SCHEMA_VERSION == len(MIGRATIONS)


def test_empty_sqlite_database_is_initialised(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")  # header written, no schema: nothing to lose
    conn.close()
    assert db.stat().st_size > 0
    with _open(db) as state:
        state.set_read("k")
    assert _user_version(db) == SCHEMA_VERSION


def _v1_file(db: Path, marks: dict[str, tuple[int, int]]) -> None:
    """A state file as the released version 1 wrote it: no application id, WAL."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL").fetchall()
    conn.execute("BEGIN")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    for key, (read, flagged) in marks.items():
        conn.execute("INSERT INTO marks VALUES (?, ?, 1.0, ?, 2.0)", (key, read, flagged))
    conn.execute("INSERT INTO positions VALUES ('s', 'a', 7.0, 3.0)")
    conn.execute("COMMIT")
    conn.close()


def test_released_v1_file_is_recognised_upgraded_and_stamped(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _v1_file(db, {"a": (1, 0), "b": (1, 1), "c": (0, 1)})
    assert _user_version(db) == 1
    with _open(db) as state:
        assert state.read_keys() == {"a", "b"} and state.flagged_keys() == {"b", "c"}
        assert state.position("s") == ("a", 7.0)
        state.set_read("d")
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT counter FROM mark_changes").fetchone() == (1,)
    conn.close()
    # Once closed, the stamp is in the main file's header too.
    assert int.from_bytes(db.read_bytes()[68:72], "big") == APPLICATION_ID


def test_migration_steps_apply_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.db"
    with _open(db) as state:
        state.set_read("old")
    step = ("ALTER TABLE marks ADD COLUMN note TEXT", "UPDATE marks SET note = 'migrated'")
    monkeypatch.setattr(state_mod, "MIGRATIONS", [*MIGRATIONS, step])
    with _open(db) as state:
        assert state.read_keys() == {"old"}
        state.set_read("new")
    assert _user_version(db) == SCHEMA_VERSION + 1
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT key, note FROM marks ORDER BY key").fetchall() == [
        ("new", None),
        ("old", "migrated"),
    ]
    conn.close()


def test_failed_migration_step_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.db"
    with _open(db) as state:
        state.set_read("old")
    bad = ("CREATE TABLE extra (x)", "THIS IS NOT SQL")
    monkeypatch.setattr(state_mod, "MIGRATIONS", [*MIGRATIONS, bad])
    conn = sqlite3.connect(db, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        state_mod._migrate(conn)
    assert not conn.in_transaction
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").fetchone() == (0,)
    conn.close()


def test_failed_upgrade_of_own_file_keeps_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.db"
    with _open(db) as state:
        state.set_read("old")
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE marks ADD COLUMN note TEXT")  # hand-edited: the next step will clash
    conn.commit()
    conn.close()
    before = db.read_bytes()
    monkeypatch.setattr(state_mod, "MIGRATIONS", [*MIGRATIONS, ("ALTER TABLE marks ADD COLUMN note TEXT",)])
    state, warning = ReadingState.open(db)
    assert warning is not None and "could not upgrade" in warning and "\n" not in warning
    assert state.path is None
    state.set_read("session-only")
    assert state.read_keys() == {"session-only"}
    state.close()
    assert not any(".corrupt-" in p.name for p in tmp_path.iterdir())
    assert db.read_bytes() == before
    monkeypatch.setattr(state_mod, "MIGRATIONS", MIGRATIONS)
    with _open(db) as state:
        assert state.read_keys() == {"old"}


def test_newer_schema_is_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE marks (key TEXT PRIMARY KEY, future BLOB)")
    conn.execute("INSERT INTO marks VALUES ('k', x'00')")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.commit()
    conn.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    state, warning = ReadingState.open(db)
    assert warning is not None and "newer" in warning and "\n" not in warning
    assert state.path is None
    state.set_read("x")
    assert state.read_keys() == {"x"}
    state.close()

    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert _user_version(db) == SCHEMA_VERSION + 1
    assert not any(".corrupt-" in p.name for p in tmp_path.iterdir())


# -- damage ----------------------------------------------------------------------
# What is *not* ours is refused untouched: see test_state_refusal.py.


def _populated(db: Path, n: int = 2000) -> None:
    with _open(db) as state:
        state.set_read_many(f"key-{i:05d}-{'x' * 40}" for i in range(n))


def _damage(kind: str, db: Path) -> None:
    """Damage one of our own (stamped) files."""
    rng = random.Random(kind)
    _populated(db)
    if kind == "truncated":
        os.truncate(db, db.stat().st_size // 2)
    elif kind == "trashed-page":
        with open(db, "r+b") as f:
            f.seek(4096 * 2)
            f.write(rng.randbytes(64))
    elif kind == "trashed-schema-page":
        with open(db, "r+b") as f:  # page 1 after the 100-byte header: the schema itself
            f.seek(100)
            f.write(rng.randbytes(4096 - 100))
    elif kind == "tables-dropped":
        conn = sqlite3.connect(db)
        conn.executescript("DROP TABLE marks; DROP TABLE positions;")
        conn.close()
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["truncated", "trashed-page", "trashed-schema-page", "tables-dropped"])
def test_damaged_file_of_ours_is_moved_aside(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "state.sqlite3"
    _damage(kind, db)
    damaged = db.read_bytes()
    state, warning = ReadingState.open(db)
    assert warning is not None and "\n" not in warning
    assert "moved it to state.sqlite3.corrupt-" in warning and "started afresh" in warning
    asides = [p for p in tmp_path.iterdir() if p.name.startswith("state.sqlite3.corrupt-")]
    assert len(asides) == 1 and asides[0].read_bytes() == damaged
    assert state.path == db
    assert state.read_keys() == set()
    state.set_read("fresh")
    state.close()
    with _open(db) as again:
        assert again.read_keys() == {"fresh"}
    assert _integrity(db) == "ok"


def test_two_damaged_files_get_distinct_aside_names(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    for _ in range(2):
        db.unlink(missing_ok=True)
        _damage("truncated", db)
        state, warning = ReadingState.open(db)
        state.close()
        assert warning is not None and "moved it to" in warning
    assert len([p for p in tmp_path.iterdir() if ".corrupt-" in p.name]) == 2


def test_uncreatable_directory_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory should be")
    state, warning = ReadingState.open(blocker / "sub" / "state.sqlite3")
    assert warning is not None and "cannot create state directory" in warning and "\n" not in warning
    assert state.path is None
    state.set_read("k")
    assert state.read_keys() == {"k"}
    state.close()
    assert blocker.read_text() == "a file where a directory should be"


def test_unreadable_locked_database_is_not_moved_aside(tmp_path: Path) -> None:
    # A rollback-journal database mid-write cannot even be read: in memory, untouched.
    db = tmp_path / "state.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (1)")
    try:
        state, warning = ReadingState.open(db, timeout=0.2)
        assert warning is not None and "locked" in warning and "\n" not in warning
        assert state.path is None
        state.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not any(".corrupt-" in p.name for p in tmp_path.iterdir())


def test_our_file_locked_for_writing_still_opens_at_once(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    _populated(db, 3)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO marks (key, read) VALUES ('holder', 1)")
    try:
        state, warning = ReadingState.open(db, timeout=0.2)
        assert warning is None and state.path == db  # WAL: reading needs no lock
        assert len(state.read_keys()) == 3
        state.close(timeout=0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# -- processes -----------------------------------------------------------------


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared" / "state.sqlite3"
    count, shared = 300, 100
    plan = [("read", "a"), ("flag", "b"), ("both", "c"), ("many", "d")]
    procs = [_spawn(str(db), mode, prefix, str(count), str(shared)) for mode, prefix in plan]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line == "ready", (line, proc.stderr.read() if proc.stderr else "")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            assert out.strip().endswith("done")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    assert _integrity(db) == "ok"
    with _open(db) as state:
        read, flagged = state.read_keys(), state.flagged_keys()
    own = lambda p: {f"{p}-{i}" for i in range(count)}  # noqa: E731
    shared_keys = {f"shared-{i}" for i in range(shared)}
    assert read == own("a") | own("c") | own("d") | shared_keys
    assert flagged == own("b") | own("c") | shared_keys


def _read_lines(proc: subprocess.Popen[str], want: int, deadline: float) -> list[str]:
    assert proc.stdout is not None
    lines: list[str] = []
    while len(lines) < want:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"child too slow: {len(lines)} lines"
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "child exited"
            lines.append(line.strip())
    return lines


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_writer_loses_at_most_the_mark_in_flight(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    rng = random.Random(7)
    singles: set[str] = set()
    batches: set[str] = set()
    for round_ in range(3):
        prefix = f"r{round_}"
        proc = _spawn(str(db), "loop", prefix)
        try:
            lines = _read_lines(proc, 60 + rng.randrange(60), time.monotonic() + 20)
            time.sleep(rng.random() * 0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            assert proc.stdout is not None
            out = proc.stdout.read()  # not communicate(): it would skip lines readline() buffered
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == -signal.SIGKILL
        lines += [line.strip() for line in out.splitlines() if line.strip()]
        assert not any(line.startswith("warning") for line in lines), lines[:3]
        round_singles = {line for line in lines if not line.startswith("batch ")}
        singles |= round_singles
        batches |= {line.split()[1] for line in lines if line.startswith("batch ")}

        assert _integrity(db) == "ok"
        state, warning = ReadingState.open(db)
        assert warning is None, warning
        read = state.read_keys()
        assert state.position("kill-session") is not None
        state.close()

        # Everything a child reported as committed survived the kill.
        assert singles <= read
        for group in batches:
            assert {f"{group}-{j}" for j in range(10)} <= read
        # Batches are one transaction each: every batch present is complete.
        groups: dict[str, int] = {}
        for key in read:
            if "-b" in key:
                group = key.rsplit("-", 1)[0]
                groups[group] = groups.get(group, 0) + 1
        assert set(groups.values()) <= {10}
        # At most the mark in flight (committed, not yet reported) is extra.
        extra = {k for k in read if k.startswith(prefix + "-") and "-b" not in k} - round_singles
        assert len(extra) <= 1, extra


def test_import_does_not_pull_in_textual() -> None:
    code = (
        "import sys, sco_reader.state\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_child_env(), timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
