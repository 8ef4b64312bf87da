"""Durable reading state: read and flagged marks, resume positions, history.

Pure (stdlib ``sqlite3`` + ``platformdirs``; never imports Textual). One SQLite
database in WAL mode holds one row per article content key, so several
sco-reader processes can share the file: every write is its own short
``BEGIN IMMEDIATE`` transaction that touches only the rows and columns it
changes, committed before the call returns.

Commits use ``synchronous=FULL``: a killed process (or a power cut) loses at
most the mark it was making.

Opening never fails; every fallback comes with a one-line warning:

* not a usable database (garbage, truncated, fails ``quick_check``, a
  directory, unreadable, foreign schema): renamed with its -wal/-shm to
  ``<name>.corrupt-<YYYYmmdd-HHMMSS>`` and a fresh file is started;
* written by a *newer* schema (``user_version`` above ours), or our own schema
  whose upgrade step failed: left untouched, the session runs in memory;
* readable but not writable: its marks are copied into memory, nothing saved;
* busy beyond the timeout, directory not creatable, or the file cannot be moved
  aside: in memory, file untouched.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple, TypeVar

import platformdirs

__all__ = [
    "ENV_VAR",
    "HISTORY_LIMIT",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Mark",
    "ReadingState",
    "StateError",
    "default_state_path",
    "resolve_state_path",
    "session_key",
]

ENV_VAR = "SCO_READER_STATE"
"""Environment variable naming the state file (overridden by ``--state``)."""

APP_NAME = "sco-reader"
FILE_NAME = "state.sqlite3"

HISTORY_LIMIT = 100
"""Most recently opened articles remembered per session."""

MIGRATIONS: list[tuple[str, ...]] = [
    # 0 -> 1: initial schema.
    (
        """CREATE TABLE marks (
            key        TEXT PRIMARY KEY,
            read       INTEGER NOT NULL DEFAULT 0,
            read_at    REAL,
            flagged    INTEGER NOT NULL DEFAULT 0,
            flagged_at REAL
        ) WITHOUT ROWID""",
        """CREATE TABLE positions (
            session  TEXT PRIMARY KEY,
            key      TEXT NOT NULL,
            scroll_y REAL NOT NULL,
            saved_at REAL NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE history (
            session   TEXT NOT NULL,
            key       TEXT NOT NULL,
            seq       INTEGER NOT NULL,
            opened_at REAL NOT NULL,
            PRIMARY KEY (session, key)
        ) WITHOUT ROWID""",
        "CREATE INDEX history_by_seq ON history (session, seq)",
    ),
]
"""Migration steps: entry ``i`` takes a database from ``user_version`` i to i+1.

Append new steps; never edit a released one.
"""

SCHEMA_VERSION = len(MIGRATIONS)
"""Schema version this module writes (``PRAGMA user_version``)."""

_SCHEMA_PROBES = (
    "SELECT key, read, read_at, flagged, flagged_at FROM marks LIMIT 0",
    "SELECT session, key, scroll_y, saved_at FROM positions LIMIT 0",
    "SELECT session, key, seq, opened_at FROM history LIMIT 0",
)

# Primary result codes that mean "this file is not a database we can use":
# moving it aside and starting afresh is the cure. Anything else (busy, locked,
# disk full, I/O error, out of memory) may be transient, so the file is kept.
_UNUSABLE_CODES = frozenset(
    code
    for code in (
        getattr(sqlite3, name, None)
        for name in (
            "SQLITE_NOTADB",
            "SQLITE_CORRUPT",
            "SQLITE_CANTOPEN",
            "SQLITE_READONLY",
            "SQLITE_PERM",
            "SQLITE_AUTH",
            "SQLITE_ERROR",
            "SQLITE_FORMAT",
            "SQLITE_SCHEMA",
            "SQLITE_MISMATCH",
            "SQLITE_CONSTRAINT",
        )
    )
    if code is not None
)

T = TypeVar("T")


class StateError(Exception):
    """A reading-state operation failed; the message is one line."""


class Mark(NamedTuple):
    """Everything stored about one content key (timestamps are Unix seconds)."""

    read: bool
    read_at: float | None
    flagged: bool
    flagged_at: float | None


class _Unusable(Exception):
    """The file opened but is not (or no longer) a sco-reader state database."""


class _MigrationFailed(Exception):
    """Upgrading one of our own databases failed (rolled back; the file is kept)."""


class _Newer(Exception):
    """The file carries a schema version this code does not know."""

    def __init__(self, version: int) -> None:
        super().__init__(f"schema version {version}")
        self.version = version


def default_state_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the state lives: ``$SCO_READER_STATE`` if set and non-empty, else
    ``platformdirs.user_state_path("sco-reader") / "state.sqlite3"``.

    Only ``SCO_READER_STATE`` is taken from ``environ``; platformdirs consults
    the process environment (``XDG_STATE_HOME`` on Linux) itself.
    """
    override = environ.get(ENV_VAR, "")
    if override.strip():
        return Path(override).expanduser()
    return platformdirs.user_state_path(APP_NAME, appauthor=False) / FILE_NAME


def resolve_state_path(
    cli_path: str | os.PathLike[str] | None,
    disabled: bool = False,
    environ: Mapping[str, str] = os.environ,
) -> Path | None:
    """The path :meth:`ReadingState.open` should get for ``--state``/``--no-state``.

    ``--no-state`` wins (``None``: in memory), then ``--state PATH``, then
    :func:`default_state_path`.
    """
    if disabled:
        return None
    if cli_path is not None and str(cli_path) != "":
        return Path(cli_path).expanduser()
    return default_state_path(environ)


def session_key(inputs: Iterable[str]) -> str:
    """A stable key for the *set* of inputs the user opened (order and repeats ignored).

    A convenience for callers; what the strings are (resolved paths, say) is
    the caller's choice.
    """
    material = "\x00".join(sorted(set(inputs)))
    return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _is_unusable(exc: BaseException) -> bool:
    if isinstance(exc, (_Unusable, IsADirectoryError, PermissionError, NotADirectoryError)):
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:
            return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)
        return (code & 0xFF) in _UNUSABLE_CODES
    return False


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema up to ``len(MIGRATIONS)`` in one write transaction."""
    target = len(MIGRATIONS)
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > target:
            raise _Newer(version)
        for step in MIGRATIONS[version:target]:
            for statement in step:
                conn.execute(statement)
        if version != target:
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _is_readonly(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) == sqlite3.SQLITE_READONLY


def _check(conn: sqlite3.Connection) -> int:
    """Version gate and integrity check shared by read-write and read-only opens."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise _Newer(version)
    verdict = conn.execute("PRAGMA quick_check").fetchall()
    if verdict != [("ok",)]:
        raise _Unusable("integrity check failed: " + "; ".join(str(r[0]) for r in verdict[:3]))
    return version


def _probe_schema(conn: sqlite3.Connection) -> None:
    for probe in _SCHEMA_PROBES:
        try:
            conn.execute(probe)
        except sqlite3.OperationalError as exc:
            raise _Unusable(f"unexpected schema ({_one_line(exc)})") from exc


def _connect_file(path: Path, timeout: float) -> sqlite3.Connection:
    """Open, check and migrate the database at ``path``; raise if unusable."""
    if path.exists() and not path.is_file():
        raise _Unusable("not a regular file")
    conn = sqlite3.connect(
        str(path), timeout=timeout, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {max(0, int(timeout * 1000))}")
        version = _check(conn)
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        try:
            _migrate(conn)
        except sqlite3.Error as exc:
            if version >= 1 and _is_unusable(exc) and not _is_readonly(exc):
                # Our own schema, yet a step failed: a bug or a hand-edited
                # file, not garbage. The step was rolled back; keep the file.
                raise _MigrationFailed(_one_line(exc)) from exc
            raise
        _probe_schema(conn)
        # SQLite silently opens a file it may not write read-only; find out
        # now rather than at the first mark. Rolled back: nothing is written.
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    except BaseException:
        conn.close()
        raise
    return conn


def _snapshot(path: Path, timeout: float) -> sqlite3.Connection:
    """Copy a read-only state file into memory (migrated there if older)."""
    source = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout, isolation_level=None
    )
    try:
        source.execute(f"PRAGMA busy_timeout = {max(0, int(timeout * 1000))}")
        _check(source)
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            source.backup(memory)
            _migrate(memory)
            _probe_schema(memory)
        except BaseException:
            memory.close()
            raise
    finally:
        source.close()
    return memory


def _connect_memory() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    _migrate(conn)
    return conn


def _move_aside(path: Path) -> Path:
    """Rename ``path`` (and its -wal/-shm/-journal sidecars) to ``<name>.corrupt-<ts>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while os.path.lexists(aside):
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    os.rename(path, aside)
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(f"{path}{suffix}")
        if os.path.lexists(side):
            try:
                os.rename(side, Path(f"{aside}{suffix}"))
            except OSError:
                pass
    return aside


class ReadingState:
    """Read/flagged marks per article content key, resume position and history per session.

    Every method commits before returning. Failures after opening raise
    :class:`StateError`, unless :attr:`on_error` is set, in which case it
    receives the one-line message and the method returns a neutral value.
    Safe to share between threads.
    """

    path: Path | None
    """The database file, or ``None`` when the state lives only in memory."""
    on_error: Callable[[str], None] | None
    """If set, called with a one-line message instead of raising :class:`StateError`."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        """Wrap an open, migrated connection; use :meth:`open` instead."""
        self._conn = conn
        self._lock = threading.RLock()
        self._closed = False
        self.path = path
        self.on_error = None

    # -- opening ---------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None, *, timeout: float = 5.0) -> tuple[ReadingState, str | None]:
        """Open the state at ``path`` (``None``: in memory, nothing written).

        Returns ``(state, warning)``; ``warning`` is a one-line message when the
        file could not be used as is (see the module docstring). After a
        move-aside ``state.path`` is ``path`` (fresh file); in every other
        fallback the state is in memory and ``state.path`` is ``None``.
        ``timeout`` is how long to wait for another process's lock (seconds).
        """
        if path is None:
            return cls(_connect_memory(), None), None
        path = Path(path).expanduser()
        unsaved = "reading marks will not be saved this session"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or _one_line(exc)
            return cls.memory(), f"cannot create state directory {path.parent}: {reason}; {unsaved}"
        try:
            return cls(_connect_file(path, timeout), path), None
        except _Newer as exc:
            return cls.memory(), (
                f"state file {path} was written by a newer sco-reader (schema {exc.version} > "
                f"{len(MIGRATIONS)}); left it untouched, {unsaved}"
            )
        except _MigrationFailed as exc:
            return cls.memory(), (
                f"could not upgrade state file {path} ({exc}); left it untouched, {unsaved}"
            )
        except (sqlite3.Error, OSError, _Unusable) as exc:
            reason = _one_line(exc)
            if _is_readonly(exc):
                try:
                    snapshot = _snapshot(path, timeout)
                except (sqlite3.Error, OSError, _Unusable, _Newer):
                    pass  # not even readable: treat as unusable below
                else:
                    return cls(snapshot, None), (
                        f"state file {path} is read-only ({reason}); showing its marks, "
                        f"but {unsaved}"
                    )
            if not _is_unusable(exc) or not os.path.lexists(path):
                return cls.memory(), f"cannot open state file {path}: {reason}; {unsaved}"
            first = exc
        try:
            aside = _move_aside(path)
        except OSError as exc:
            return cls.memory(), (
                f"state file {path} is unusable ({_one_line(first)}) and could not be moved aside "
                f"({exc.strerror or _one_line(exc)}); {unsaved}"
            )
        try:
            conn = _connect_file(path, timeout)
        except (sqlite3.Error, OSError, _Unusable, _Newer, _MigrationFailed) as exc:
            return cls.memory(), (
                f"state file {path} was unusable ({_one_line(first)}), moved it to {aside.name}, "
                f"but cannot start a new one ({_one_line(exc)}); {unsaved}"
            )
        return cls(conn, path), (
            f"state file {path} was unusable ({_one_line(first)}); moved it to {aside.name} "
            "and started afresh"
        )

    @classmethod
    def memory(cls) -> ReadingState:
        """A state that lives in memory only (``--no-state``)."""
        return cls(_connect_memory(), None)

    @property
    def persistent(self) -> bool:
        """Whether marks are being written to a file."""
        return self.path is not None

    # -- plumbing --------------------------------------------------------

    def _fail(self, what: str, exc: BaseException, default: T) -> T:
        message = f"reading state: could not {what}: {_one_line(exc)}"
        if self.on_error is None:
            raise StateError(message) from exc
        self.on_error(message)
        return default

    def _query(self, what: str, sql: str, params: tuple[object, ...], default: T) -> list[tuple] | T:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                return self._fail(what, exc, default)

    def _write(self, what: str, body: Callable[[sqlite3.Connection, float], None]) -> None:
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    body(conn, time.time())
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                self._fail(what, exc, None)

    # -- marks -----------------------------------------------------------

    def is_read(self, key: str) -> bool:
        """Whether ``key`` is marked read."""
        rows = self._query("read a mark", "SELECT read FROM marks WHERE key = ?", (key,), [])
        return bool(rows and rows[0][0])

    def is_flagged(self, key: str) -> bool:
        """Whether ``key`` is flagged."""
        rows = self._query("read a mark", "SELECT flagged FROM marks WHERE key = ?", (key,), [])
        return bool(rows and rows[0][0])

    def mark(self, key: str) -> Mark | None:
        """Everything stored for ``key``, or ``None`` if it was never marked."""
        rows = self._query(
            "read a mark",
            "SELECT read, read_at, flagged, flagged_at FROM marks WHERE key = ?",
            (key,),
            [],
        )
        if not rows:
            return None
        read, read_at, flagged, flagged_at = rows[0]
        return Mark(bool(read), read_at, bool(flagged), flagged_at)

    def read_keys(self) -> set[str]:
        """Every key marked read (queried afresh, so it sees other processes' marks)."""
        rows = self._query("load read marks", "SELECT key FROM marks WHERE read", (), [])
        return {row[0] for row in rows}

    def flagged_keys(self) -> set[str]:
        """Every flagged key."""
        rows = self._query("load flags", "SELECT key FROM marks WHERE flagged", (), [])
        return {row[0] for row in rows}

    def set_read(self, key: str, read: bool = True) -> None:
        """Mark ``key`` read (or unread); committed before returning."""
        self.set_read_many((key,), read)

    def set_read_many(self, keys: Iterable[str], read: bool = True) -> None:
        """Mark many keys read (or unread) in one transaction: all or none."""
        keys = list(keys)
        if not keys:
            return
        value = int(bool(read))

        def body(conn: sqlite3.Connection, now: float) -> None:
            conn.executemany(
                "INSERT INTO marks (key, read, read_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET read = excluded.read, read_at = excluded.read_at",
                ((key, value, now) for key in keys),
            )

        self._write("save read mark", body)

    def set_flagged(self, key: str, flagged: bool) -> None:
        """Flag or unflag ``key``; committed before returning."""
        value = int(bool(flagged))

        def body(conn: sqlite3.Connection, now: float) -> None:
            conn.execute(
                "INSERT INTO marks (key, flagged, flagged_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET flagged = excluded.flagged, "
                "flagged_at = excluded.flagged_at",
                (key, value, now),
            )

        self._write("save flag", body)

    # -- sessions --------------------------------------------------------

    def save_position(self, session: str, key: str, scroll_y: float) -> None:
        """Remember that ``session`` was last showing ``key`` scrolled to ``scroll_y``."""

        def body(conn: sqlite3.Connection, now: float) -> None:
            conn.execute(
                "INSERT INTO positions (session, key, scroll_y, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (session) DO UPDATE SET key = excluded.key, "
                "scroll_y = excluded.scroll_y, saved_at = excluded.saved_at",
                (session, key, float(scroll_y), now),
            )

        self._write("save position", body)

    def position(self, session: str) -> tuple[str, float] | None:
        """``(key, scroll_y)`` last saved for ``session``, or ``None``."""
        rows = self._query(
            "load position", "SELECT key, scroll_y FROM positions WHERE session = ?", (session,), []
        )
        return (rows[0][0], float(rows[0][1])) if rows else None

    def push_history(self, session: str, key: str, limit: int = HISTORY_LIMIT) -> None:
        """Record that ``key`` was opened in ``session`` (moves it to the front; keeps ``limit``)."""

        def body(conn: sqlite3.Connection, now: float) -> None:
            (top,) = conn.execute(
                "SELECT coalesce(max(seq), 0) FROM history WHERE session = ?", (session,)
            ).fetchone()
            conn.execute(
                "INSERT INTO history (session, key, seq, opened_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (session, key) DO UPDATE SET seq = excluded.seq, "
                "opened_at = excluded.opened_at",
                (session, key, top + 1, now),
            )
            conn.execute(
                "DELETE FROM history WHERE session = ? AND seq <= "
                "(SELECT seq FROM history WHERE session = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                (session, session, max(1, limit)),
            )

        self._write("save history", body)

    def history(self, session: str, limit: int = HISTORY_LIMIT) -> list[str]:
        """Keys recently opened in ``session``, most recent first."""
        rows = self._query(
            "load history",
            "SELECT key FROM history WHERE session = ? ORDER BY seq DESC LIMIT ?",
            (session, limit),
            [],
        )
        return [row[0] for row in rows]

    # -- lifetime --------------------------------------------------------

    def close(self) -> None:
        """Close the database (idempotent); later calls fail."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> ReadingState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReadingState(path={self.path!r})"
