"""Durable reading state: read and flagged marks and resume positions, never in the way.

Pure (stdlib ``sqlite3`` + ``platformdirs``; never imports Textual). One SQLite
database in WAL mode holds one row per article content key, so several
sco-reader processes can share the file.

**Writes never block.** :meth:`ReadingState.set_read`, ``set_read_many``,
``set_flagged`` and ``save_position`` record the change in memory and return at
once. A writer thread applies pending changes, oldest first, in short
``BEGIN IMMEDIATE`` transactions (busy timeout :data:`WRITE_BUSY_SECONDS`); a
newer value for the same key replaces an older one still waiting (the last
value wins). While the database is locked by another process or failing, the
changes stay in memory (reads see them), the writer retries with backoff, the
problem is reported once through :attr:`ReadingState.on_problem` and the
recovery once more. :meth:`ReadingState.flush` waits for what is pending;
:meth:`ReadingState.close` flushes with a bounded wait and reports what could
not be saved. Commits use ``synchronous=FULL``: a change that ``flush()``
reported written survives ``kill -9`` or a power cut.

Problem and recovery messages may come from the writer thread: a UI must hand
them over to its own thread.

**Reads never hang.** Each waits at most ``timeout`` seconds for a lock (then
every later read fails fast until one succeeds) and falls back to what this
session knows: its own changes, kept in memory; the problem is reported once.

**What is recognisably ours.** A path is used as a state database only if it
is absent, a zero-byte file (nothing to lose), an SQLite database without any
schema objects and with ``user_version`` and ``application_id`` both 0, or an
SQLite database carrying our ``PRAGMA application_id``
(:data:`APPLICATION_ID`, stamped on every file we create) or the released
version-1 schema (tables ``marks``, ``positions`` and ``history`` with their
columns, ``user_version`` ≥ 1; such files are stamped when first opened
writable). Everything else — a directory, a FIFO or device, a broken symbolic
link, a file that is not SQLite, an SQLite database of another application or
without our tables, a damaged file whose header does not carry our id — is
refused with :class:`StateRefused` and left byte-for-byte untouched: an
unstamped file is recognised from its raw header, through a read-only
connection, or (WAL files, which SQLite cannot read in place without creating
-wal/-shm files or checkpointing into them) from a private copy.

Opening otherwise never fails; every fallback comes with a one-line warning:

* ours but damaged (fails ``quick_check``, its tables gone, or SQLite reports
  corruption while the header carries our id): renamed with its -wal/-shm to
  ``<name>.corrupt-<YYYYmmdd-HHMMSS>`` and a fresh file is started;
* written by a *newer* schema, or our own schema whose upgrade step failed:
  left untouched, the session runs in memory;
* cannot be written (read-only file, read-only directory, or -wal/-shm
  sidecars another user left read-only): a private copy is read into memory so
  its marks show, nothing is written and nothing is created next to it; the
  warning names the cause. Sidecars of ours that an earlier read-only session
  left read-only are made writable again first, so they never keep the store
  read-only;
* locked so that it cannot even be read, unreadable, or the directory cannot be
  created: in memory, file untouched;
* locked while it needs an upgrade: the session keeps its path, marks wait in
  memory and the writer upgrades and saves as soon as the lock is gone.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import sqlite3
import stat
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import platformdirs

from .errors import UserError

__all__ = [
    "APPLICATION_ID",
    "CLOSE_WAIT_SECONDS",
    "ENV_VAR",
    "MIGRATIONS",
    "OPEN_WAIT_SECONDS",
    "SCHEMA_VERSION",
    "WRITE_BUSY_SECONDS",
    "Mark",
    "ReadingState",
    "StateError",
    "StateRefused",
    "default_state_path",
    "resolve_state_path",
    "session_key",
]

ENV_VAR = "SCO_READER_STATE"
"""Environment variable naming the state file (overridden by ``--state``)."""

APP_NAME = "sco-reader"
FILE_NAME = "state.sqlite3"

APPLICATION_ID = 0x53434F52
"""``PRAGMA application_id`` of our files: ``b"SCOR"`` (header bytes 68-71)."""

OPEN_WAIT_SECONDS = 1.0
"""Default bound on how long opening or a read waits for another process's lock."""

WRITE_BUSY_SECONDS = 0.1
"""Busy timeout of one write attempt by the writer thread."""

CLOSE_WAIT_SECONDS = 2.0
"""Default bound on how long :meth:`ReadingState.close` waits for pending writes."""

_BACKOFF_FIRST = 0.05
_BACKOFF_MAX = 2.0
_SQLITE_MAGIC = b"SQLite format 3\x00"

MIGRATIONS: list[tuple[str, ...]] = [
    # 0 -> 1: initial schema (released).
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
    # 1 -> 2: a counter every change to a mark bumps (cheap "anything new?"),
    # and indexes so marks_since never scans a million rows.
    (
        """CREATE TABLE mark_changes (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            counter INTEGER NOT NULL
        )""",
        "INSERT INTO mark_changes (id, counter) VALUES (1, 0)",
        """CREATE TRIGGER marks_counted_insert AFTER INSERT ON marks
           BEGIN UPDATE mark_changes SET counter = counter + 1 WHERE id = 1; END""",
        """CREATE TRIGGER marks_counted_update AFTER UPDATE ON marks
           BEGIN UPDATE mark_changes SET counter = counter + 1 WHERE id = 1; END""",
        """CREATE TRIGGER marks_counted_delete AFTER DELETE ON marks
           BEGIN UPDATE mark_changes SET counter = counter + 1 WHERE id = 1; END""",
        "CREATE INDEX marks_by_read_at ON marks (read_at)",
        "CREATE INDEX marks_by_flagged_at ON marks (flagged_at)",
    ),
]
"""Migration steps: entry ``i`` takes a database from ``user_version`` i to i+1.

Append new steps; never edit a released one.
"""

SCHEMA_VERSION = len(MIGRATIONS)
"""Schema version this module writes (``PRAGMA user_version``)."""

_V1_PROBES = (
    "SELECT key, read, read_at, flagged, flagged_at FROM marks LIMIT 0",
    "SELECT session, key, scroll_y, saved_at FROM positions LIMIT 0",
    "SELECT session, key, seq, opened_at FROM history LIMIT 0",
)
"""The released version-1 schema: what makes an unstamped file recognisably ours."""

_UPSERT_READ = (
    "INSERT INTO marks (key, read, read_at) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET read = excluded.read, read_at = excluded.read_at"
)
_UPSERT_FLAG = (
    "INSERT INTO marks (key, flagged, flagged_at) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET flagged = excluded.flagged, flagged_at = excluded.flagged_at"
)
_UPSERT_POSITION = (
    "INSERT INTO positions (session, key, scroll_y, saved_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (session) DO UPDATE SET key = excluded.key, "
    "scroll_y = excluded.scroll_y, saved_at = excluded.saved_at"
)

_CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_READONLY_CODES = frozenset(
    {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH}
)
_UNSAVED = "reading marks will not be saved this session"
_KEPT = "marks are kept in memory"

READ, FLAG, POSITION = "read", "flag", "position"


class StateError(Exception):
    """A reading-state problem; ``str()`` is one line."""


class StateRefused(StateError, UserError):
    """The path is not a sco-reader state database: refused, left untouched.

    ``str()`` is one line naming the path and what it is; the command line
    prints it and exits with status 2.
    """

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(
            f"{path} is not a sco-reader state file ({what}); left it untouched: "
            "use another --state path, or --no-state"
        )
        self.path = path
        """The refused path."""
        self.what = what
        """What the path is, e.g. ``"it is a directory"``."""


@dataclass(frozen=True, slots=True)
class Mark:
    """Everything stored about one content key."""

    read: bool
    """Whether the article is marked read."""
    read_at: float | None
    """When ``read`` last changed (Unix seconds; when the change reached the file, or was made if it is still pending)."""
    flagged: bool
    """Whether the article is flagged."""
    flagged_at: float | None
    """When ``flagged`` last changed (as ``read_at``)."""


@dataclass(frozen=True, slots=True)
class _Change:
    """One pending write."""

    seq: int
    """Order of arrival (a change that replaces another gets a new, higher one)."""
    kind: str
    """``READ``, ``FLAG`` or ``POSITION``."""
    key: str
    """The content key (for ``POSITION``: the session)."""
    value: object
    """``bool`` for marks, ``(key, scroll_y)`` for a position."""
    made_at: float
    """When the caller made the change (Unix seconds)."""


class _Foreign(Exception):
    """The path is not ours (``str()`` says what it is)."""


class _Damaged(Exception):
    """Recognisably ours, but fails its integrity check."""


class _MigrationFailed(Exception):
    """Upgrading one of our own databases failed (rolled back; the file is kept)."""


class _Newer(Exception):
    """The file carries a schema version this code does not know."""

    def __init__(self, version: int) -> None:
        super().__init__(f"schema version {version}")
        self.version = version


# -- locations -------------------------------------------------------------------


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

    A convenience for callers (the resume position is kept per session key);
    what the strings are (resolved paths, say) is the caller's choice.
    """
    material = "\x00".join(sorted(set(inputs)))
    return hashlib.blake2b(material.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


# -- errors ----------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _primary(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _is_corrupt(exc: BaseException) -> bool:
    code = _primary(exc)
    if code is None:
        return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)
    return code in _CORRUPT_CODES


def _is_busy(exc: BaseException) -> bool:
    return _primary(exc) in _BUSY_CODES


def _is_readonly(exc: BaseException) -> bool:
    return _primary(exc) in _READONLY_CODES or isinstance(exc, PermissionError)


# -- recognising and preparing a file -------------------------------------------------


def _inspect_path(path: Path) -> bytes | None:
    """Refuse what cannot be a state file; the first 100 bytes (``None``: nothing there).

    Raises :class:`_Foreign`, or ``OSError`` when the file cannot be read.
    """
    if not os.path.lexists(path):
        return None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _Foreign("it is a broken symbolic link") from None
    if stat.S_ISDIR(info.st_mode):
        raise _Foreign("it is a directory")
    if stat.S_ISFIFO(info.st_mode):
        raise _Foreign("it is a named pipe")
    if stat.S_ISSOCK(info.st_mode):
        raise _Foreign("it is a socket")
    if not stat.S_ISREG(info.st_mode):
        raise _Foreign("it is a device, not a regular file")
    with open(path, "rb") as handle:
        head = handle.read(100)
    if head and not head.startswith(_SQLITE_MAGIC):
        raise _Foreign("it is not an SQLite database")
    return head


def _stamped(head: bytes | None) -> bool:
    """Whether a raw database header carries our application id."""
    return bool(head) and len(head) >= 72 and int.from_bytes(head[68:72], "big") == APPLICATION_ID  # type: ignore[index]


def _has_v1_schema(conn: sqlite3.Connection) -> bool:
    for probe in _V1_PROBES:
        try:
            conn.execute(probe).fetchall()
        except sqlite3.OperationalError as exc:
            if _is_busy(exc) or _is_readonly(exc):
                raise
            return False
    return True


def _identify(conn: sqlite3.Connection) -> tuple[int, bool]:
    """``(user_version, stamped)`` of a database that is ours or empty.

    Raises :class:`_Foreign` for anything else, :class:`_Newer` for a newer
    schema of ours, ``sqlite3.Error`` when the file cannot be read. Reads one
    snapshot: another process may be initialising the file at this moment.
    """
    conn.execute("BEGIN")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchall()[0][0]
        version = conn.execute("PRAGMA user_version").fetchall()[0][0]
        objects = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        ).fetchall()[0][0]
        legacy = app_id == 0 and version >= 1 and _has_v1_schema(conn)
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    if app_id == APPLICATION_ID:
        if version > len(MIGRATIONS):
            raise _Newer(version)
        return version, True
    if app_id != 0:
        raise _Foreign(f"it is an SQLite database of another application, application_id {app_id:#010x}")
    if objects == 0 and version == 0:
        return 0, False  # an empty database: nothing to lose
    if legacy:
        if version > len(MIGRATIONS):
            raise _Newer(version)
        return version, False
    raise _Foreign("it is an SQLite database without sco-reader's tables")


@contextmanager
def _private_copy(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to a copy of ``path`` (and its -wal) in a private temporary directory.

    Reading a WAL database in place creates -wal/-shm files next to it (left
    read-only by a read-only connection) and may checkpoint into it; a copy
    touches nothing.
    """
    import shutil  # rarely needed: kept off the start-up path
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="sco-reader-state-"))
    try:
        copy = scratch / FILE_NAME
        shutil.copyfile(path, copy)
        wal = Path(f"{path}-wal")
        if wal.is_file():
            shutil.copyfile(wal, Path(f"{copy}-wal"))
        conn = sqlite3.connect(str(copy), isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _recognise(path: Path, head: bytes | None, wait: float) -> None:
    """Raise :class:`_Foreign` unless ``path`` is recognisably ours or empty, touching nothing.

    Settled by the raw header when it carries an application id; otherwise by
    the schema, read through a read-only connection (rollback-journal files) or
    from a private copy (WAL files). May also raise :class:`_Newer` or
    ``sqlite3.Error`` (busy after ``wait`` seconds).
    """
    wal = Path(f"{path}-wal")
    has_wal = wal.is_file() and wal.stat().st_size > 0
    if not head and not has_wal:
        return  # absent or zero bytes: nothing to lose
    if head:
        if len(head) < 100:
            raise _Foreign("it is a truncated SQLite file without sco-reader's stamp")
        app_id = int.from_bytes(head[68:72], "big")
        if app_id == APPLICATION_ID:
            return
        if app_id != 0:
            raise _Foreign(f"it is an SQLite database of another application, application_id {app_id:#010x}")
    in_wal = has_wal or (bool(head) and head[18] == 2)  # type: ignore[index]
    try:
        if in_wal:
            with _private_copy(path) as conn:
                _identify(conn)
        else:
            conn = sqlite3.connect(
                f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=wait, isolation_level=None
            )
            try:
                _identify(conn)
            finally:
                conn.close()
    except sqlite3.Error as exc:
        if _is_corrupt(exc):
            raise _Foreign(f"it is an SQLite file that cannot be read and carries no sco-reader stamp: {_one_line(exc)}") from exc
        raise


def _check_integrity(conn: sqlite3.Connection, version: int) -> None:
    """Raise :class:`_Damaged` if a database of ours fails ``quick_check`` or lost its tables."""
    verdict = conn.execute("PRAGMA quick_check").fetchall()
    if verdict != [("ok",)]:
        raise _Damaged("integrity check failed: " + "; ".join(str(r[0]) for r in verdict[:3]))
    if version >= 1 and not _has_v1_schema(conn):
        raise _Damaged("its tables are missing")


def _migrate(conn: sqlite3.Connection) -> None:
    """Stamp our application id and bring the schema up to ``len(MIGRATIONS)`` in one write transaction."""
    target = len(MIGRATIONS)
    conn.execute("BEGIN IMMEDIATE")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchall()[0][0]
        if app_id not in (0, APPLICATION_ID):
            raise _Foreign(f"it is an SQLite database of another application, application_id {app_id:#010x}")
        version = conn.execute("PRAGMA user_version").fetchall()[0][0]
        if version > target:
            raise _Newer(version)
        for step in MIGRATIONS[version:target]:
            for statement in step:
                conn.execute(statement)
        if version != target:
            conn.execute(f"PRAGMA user_version = {int(target)}")
        if app_id != APPLICATION_ID:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _prepare(conn: sqlite3.Connection, wait: float) -> None:
    """Stamp and migrate (needs the write lock), then switch to WAL (best effort)."""
    _migrate(conn)
    _enable_wal(conn, wait)


def _enable_wal(conn: sqlite3.Connection, wait: float) -> None:
    """Switch to WAL if another process has not already; give up quietly after ``wait`` seconds.

    The switch needs the file to itself and SQLite answers "busy" at once, without
    waiting, while another process is initialising it too; a file left in rollback
    mode works (less concurrently) and is switched on a later open.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            break
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                return
            time.sleep(0.005)
    # Put the stamp into the main file's header now rather than at the next
    # checkpoint, so that even a damaged file still shows it is ours. Best effort:
    # SQLite refuses while the connection has just run some pragmas.
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        pass


def _set_busy(conn: sqlite3.Connection, seconds: float) -> None:
    conn.execute(f"PRAGMA busy_timeout = {max(0, int(seconds * 1000))}").fetchall()


def _probe_writable(conn: sqlite3.Connection, wait: float) -> None:
    """Raise if SQLite opened the file read-only; a lock held elsewhere is fine."""
    _set_busy(conn, 0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchall()[0][0]
            conn.execute(f"PRAGMA user_version = {int(version)}")  # a write, rolled back
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        if not _is_busy(exc):
            raise
    finally:
        _set_busy(conn, wait)


def _open_file(path: Path, wait: float) -> tuple[sqlite3.Connection, bool]:
    """Open, recognise, check and prepare the database at ``path``.

    Returns ``(connection, prepared)``: ``prepared`` is false when an upgrade is
    due but another process holds the write lock (the writer does it later).
    """
    conn = sqlite3.connect(str(path), timeout=wait, isolation_level=None, check_same_thread=False)
    try:
        _set_busy(conn, wait)
        version, stamped = _identify(conn)
        if version or stamped:  # an empty database has nothing to check
            _check_integrity(conn, version)
        prepared = True
        if version < len(MIGRATIONS) or not stamped:
            try:
                _prepare(conn, wait)
            except sqlite3.Error as exc:
                if _is_busy(exc):
                    prepared = False
                elif version >= 1 and not _is_readonly(exc) and not _is_corrupt(exc):
                    # Our own schema, yet a step failed: a bug or a hand-edited file,
                    # not garbage. The step was rolled back; keep the file.
                    raise _MigrationFailed(_one_line(exc)) from exc
                else:
                    raise
        elif conn.execute("PRAGMA journal_mode").fetchall()[0][0] != "wal":
            _enable_wal(conn, wait)  # a switch that lost a race at creation
        if prepared:
            _probe_writable(conn, wait)
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn, prepared


def _write_blocker(path: Path) -> tuple[str | None, list[Path]]:
    """Why SQLite cannot write ``path``: ``(cause, fixable sidecars)``.

    ``cause`` is ``None`` when the file system grants write access everywhere.
    Fixable sidecars are -wal/-shm files of ours (same owner as us) that an
    earlier read-only session left read-only, next to a writable file in a
    writable directory.
    """
    directory = path.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"its directory {directory} is not writable", []
    if not os.access(path, os.W_OK):
        return "the file is read-only", []
    blocked: list[Path] = []
    fixable: list[Path] = []
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if os.path.lexists(side) and not os.access(side, os.W_OK):
            blocked.append(side)
            try:
                mine = side.stat().st_uid == os.geteuid()
            except (OSError, AttributeError):
                mine = False
            if mine and side.is_file() and not side.is_symlink():
                fixable.append(side)
    if not blocked:
        return None, []
    names = " and ".join(side.name for side in blocked)
    verb = "are" if len(blocked) > 1 else "is"
    return f"{names} next to it {verb} read-only", (fixable if len(fixable) == len(blocked) else [])


def _snapshot(path: Path) -> sqlite3.Connection:
    """Read a state file we may not write into memory (from a private copy: nothing is created next to it)."""
    with _private_copy(path) as source:
        version, _ = _identify(source)
        _check_integrity(source, version)
        memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            source.backup(memory)
            _migrate(memory)
        except BaseException:
            memory.close()
            raise
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


def _apply(conn: sqlite3.Connection, changes: Iterable[_Change], now: float) -> None:
    """Write ``changes`` in one transaction (all or none), stamped ``now``."""
    reads: list[tuple[str, int, float]] = []
    flags: list[tuple[str, int, float]] = []
    positions: list[tuple[str, str, float, float]] = []
    for change in changes:
        if change.kind == READ:
            reads.append((change.key, int(bool(change.value)), now))
        elif change.kind == FLAG:
            flags.append((change.key, int(bool(change.value)), now))
        else:
            key, scroll_y = change.value  # type: ignore[misc]
            positions.append((change.key, key, float(scroll_y), now))
    conn.execute("BEGIN IMMEDIATE")
    try:
        if reads:
            conn.executemany(_UPSERT_READ, reads)
        if flags:
            conn.executemany(_UPSERT_FLAG, flags)
        if positions:
            conn.executemany(_UPSERT_POSITION, positions)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        raise


def _describe(changes: Iterable[_Change]) -> str:
    """``"2 read marks, 1 flag and the reading position"``."""
    counts = {READ: 0, FLAG: 0, POSITION: 0}
    for change in changes:
        counts[change.kind] += 1
    parts = []
    if counts[READ]:
        parts.append(f"{counts[READ]} read mark{'s' if counts[READ] != 1 else ''}")
    if counts[FLAG]:
        parts.append(f"{counts[FLAG]} flag{'s' if counts[FLAG] != 1 else ''}")
    if counts[POSITION]:
        parts.append("the reading position" if counts[POSITION] == 1 else f"{counts[POSITION]} reading positions")
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


# -- the store ---------------------------------------------------------------------


class ReadingState:
    """Read/flagged marks per article content key and resume positions per session.

    Writes return at once and are saved by a background writer (see the module
    docstring); reads see this session's pending writes. Safe to share between
    threads. Problems are one-line messages: appended to :attr:`problems` and
    passed to :attr:`on_problem`, possibly from the writer thread.
    """

    path: Path | None
    """The database file, or ``None`` when the state lives only in memory."""
    problems: list[str]
    """Every problem (and recovery) message so far, oldest first."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path | None,
        *,
        wait: float = OPEN_WAIT_SECONDS,
        prepared: bool = True,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        """Wrap an open connection (``path``: its file, ``None``: in memory); use :meth:`open` instead."""
        self.path = path
        self.problems = []
        self._conn = conn
        self._conn_lock = threading.Lock()
        self._wait = wait
        self._reads_failing = False
        self._busy = wait
        """The read connection's busy timeout in seconds (0 while reads are failing)."""
        self._cond = threading.Condition()
        self._pending: dict[tuple[str, str], _Change] = {}
        self._seq = 0
        self._writer: threading.Thread | None = None
        self._prepared = prepared
        self._closing = False
        self._closed = False
        self._close_deadline = 0.0
        self._kick = False
        """Set by flush/close: retry now rather than after the backoff."""
        self._last_error = ""
        self._troubled = not prepared
        self._closed_reported = False
        self._report_lock = threading.Lock()
        self._undelivered: list[str] = []
        self._on_problem: Callable[[str], None] | None = None
        self.on_problem = on_problem
        if path is not None:
            _OPEN_STATES.add(self)
            if not prepared:
                self._start_writer()

    # -- opening ---------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | None,
        *,
        timeout: float = OPEN_WAIT_SECONDS,
        on_problem: Callable[[str], None] | None = None,
    ) -> tuple[ReadingState, str | None]:
        """Open the state at ``path`` (``None``: in memory, nothing written).

        Returns ``(state, warning)``; ``warning`` is a one-line message when the
        file could not be used as is (see the module docstring). After a
        move-aside ``state.path`` is ``path`` (a fresh file); when the file is
        only locked for an upgrade it is ``path`` too (marks wait in memory); in
        every other fallback the state is in memory and ``state.path`` is
        ``None``. ``timeout`` bounds every wait for another process's lock
        (opening and each read). Raises :class:`StateRefused` for a path that
        is not recognisably ours.
        """
        if path is None:
            return cls(_connect_memory(), None, on_problem=on_problem), None
        path = Path(path).expanduser()

        def memory(warning: str) -> tuple[ReadingState, str]:
            return cls(_connect_memory(), None, on_problem=on_problem), warning

        try:
            head = _inspect_path(path)
            _recognise(path, head, timeout)
        except _Foreign as exc:
            raise StateRefused(path, str(exc)) from None
        except _Newer as exc:
            return memory(
                f"state file {path} was written by a newer sco-reader (schema {exc.version} > "
                f"{len(MIGRATIONS)}); left it untouched, {_UNSAVED}"
            )
        except sqlite3.Error as exc:
            if _is_busy(exc):
                return memory(f"state file {path} is locked by another process ({_one_line(exc)}); left it untouched, {_UNSAVED}")
            return memory(f"cannot read state file {path} ({_one_line(exc)}); left it untouched, {_UNSAVED}")
        except OSError as exc:
            return memory(f"cannot read state file {path} ({exc.strerror or _one_line(exc)}); left it untouched, {_UNSAVED}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return memory(f"cannot create state directory {path.parent}: {exc.strerror or _one_line(exc)}; {_UNSAVED}")

        # A file SQLite may not write would be opened read-only in place, leaving -wal/-shm
        # files next to it as read-only as itself: never open such a file in place.
        fixed: list[Path] = []
        if head is None:
            if not os.access(path.parent, os.W_OK | os.X_OK):
                return memory(f"cannot create state file {path}: its directory is not writable; {_UNSAVED}")
        else:
            cause, fixable = _write_blocker(path)
            if fixable:
                try:
                    for side in fixable:
                        side.chmod(stat.S_IMODE(side.stat().st_mode) | stat.S_IWUSR)
                except OSError:
                    pass
                else:
                    fixed = fixable
                    cause, _ = _write_blocker(path)
            if cause:
                return cls._read_only(path, cause, on_problem)
        try:
            conn, prepared = _open_file(path, timeout)
        except _Foreign as exc:
            raise StateRefused(path, str(exc)) from None
        except _Newer as exc:
            return memory(
                f"state file {path} was written by a newer sco-reader (schema {exc.version} > "
                f"{len(MIGRATIONS)}); left it untouched, {_UNSAVED}"
            )
        except _MigrationFailed as exc:
            return memory(f"could not upgrade state file {path} ({exc}); left it untouched, {_UNSAVED}")
        except _Damaged as exc:
            damage = str(exc)
        except (sqlite3.Error, OSError) as exc:
            reason = _one_line(exc)
            if not _is_corrupt(exc):
                if _is_busy(exc):
                    return memory(f"state file {path} is locked by another process ({reason}); left it untouched, {_UNSAVED}")
                if _is_readonly(exc):
                    return cls._read_only(path, reason, on_problem)
                return memory(f"cannot open state file {path}: {reason}; left it untouched, {_UNSAVED}")
            if not _stamped(head):
                raise StateRefused(
                    path, f"it is an SQLite file that cannot be read and carries no sco-reader stamp: {reason}"
                ) from None
            damage = reason
        else:
            state = cls(conn, path, wait=timeout, prepared=prepared, on_problem=on_problem)
            warning = None
            if not prepared:
                warning = f"state file {path} is locked by another process; {_KEPT} and saved as soon as it is free"
            elif fixed:
                names = " and ".join(side.name for side in fixed)
                warning = f"{names} next to state file {path} had been left read-only; made writable again"
            return state, warning

        try:
            aside = _move_aside(path)
        except OSError as exc:
            return memory(
                f"state file {path} is damaged ({damage}) and could not be moved aside "
                f"({exc.strerror or _one_line(exc)}); {_UNSAVED}"
            )
        try:
            conn, prepared = _open_file(path, timeout)
        except (sqlite3.Error, OSError, _Foreign, _Damaged, _Newer, _MigrationFailed) as exc:
            return memory(
                f"state file {path} was damaged ({damage}), moved it to {aside.name}, "
                f"but cannot start a new one ({_one_line(exc)}); {_UNSAVED}"
            )
        state = cls(conn, path, wait=timeout, prepared=prepared, on_problem=on_problem)
        return state, f"state file {path} was damaged ({damage}); moved it to {aside.name} and started afresh"

    @classmethod
    def _read_only(
        cls, path: Path, cause: str, on_problem: Callable[[str], None] | None
    ) -> tuple[ReadingState, str]:
        """The fallback for a file we may not write: its marks, in memory."""
        try:
            conn = _snapshot(path)
        except _Foreign as exc:
            raise StateRefused(path, str(exc)) from None
        except _Newer as exc:
            return cls(_connect_memory(), None, on_problem=on_problem), (
                f"state file {path} cannot be written ({cause}) and was written by a newer "
                f"sco-reader (schema {exc.version}); left it untouched, {_UNSAVED}"
            )
        except (sqlite3.Error, OSError, _Damaged, _MigrationFailed) as exc:
            return cls(_connect_memory(), None, on_problem=on_problem), (
                f"state file {path} cannot be written ({cause}) nor read ({_one_line(exc)}); "
                f"left it untouched, {_UNSAVED}"
            )
        return cls(conn, None, on_problem=on_problem), (
            f"state file {path} cannot be written ({cause}); showing its marks, but {_UNSAVED}"
        )

    @classmethod
    def memory(cls) -> ReadingState:
        """A state that lives in memory only (``--no-state``)."""
        return cls(_connect_memory(), None)

    @property
    def persistent(self) -> bool:
        """Whether marks are being written to a file."""
        return self.path is not None

    # -- problems ----------------------------------------------------------

    @property
    def on_problem(self) -> Callable[[str], None] | None:
        """Called with each one-line problem or recovery message (from any thread).

        Setting it first delivers the messages reported while it was unset.
        """
        return self._on_problem

    @on_problem.setter
    def on_problem(self, callback: Callable[[str], None] | None) -> None:
        with self._report_lock:
            self._on_problem = callback
            backlog, self._undelivered = (self._undelivered, []) if callback else ([], self._undelivered)
        for message in backlog:
            self._deliver(callback, message)

    def _report(self, message: str) -> None:
        with self._report_lock:
            self.problems.append(message)
            callback = self._on_problem
            if callback is None:
                self._undelivered.append(message)
        if callback is not None:
            self._deliver(callback, message)

    @staticmethod
    def _deliver(callback: Callable[[str], None] | None, message: str) -> None:
        if callback is None:
            return
        try:
            callback(message)
        except Exception:  # noqa: BLE001, S110 - a broken callback must not stop the writer
            pass

    def _trouble(self, message: str) -> None:
        """Report a problem unless one is already reported."""
        with self._cond:
            if self._troubled:
                return
            self._troubled = True
        self._report(message)

    def _closed_problem(self, what: str) -> None:
        with self._cond:
            if self._closed_reported:
                return
            self._closed_reported = True
        self._report(f"reading state is closed: could not {what}")

    # -- reads -----------------------------------------------------------------

    def _rows(self, what: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple] | None:
        """Run a query with a bounded wait; ``None`` (reported once) if it fails."""
        with self._conn_lock:
            if self._closed:
                failure = None
            else:
                try:
                    busy = 0.0 if self._reads_failing else self._wait
                    if busy != self._busy:
                        _set_busy(self._conn, busy)
                        self._busy = busy
                    rows = self._conn.execute(sql, params).fetchall()
                except sqlite3.Error as exc:
                    self._reads_failing = True
                    failure = exc
                else:
                    self._reads_failing = False
                    return rows
        if failure is None:
            self._closed_problem(what)
        else:
            self._trouble(
                f"reading state: could not {what} from {self.path or 'memory'} ({_one_line(failure)}); "
                f"showing this session's marks only, {_KEPT}"
            )
        return None

    def _pending_of(self, kind: str) -> dict[str, _Change]:
        with self._cond:
            return {change.key: change for change in self._pending.values() if change.kind == kind}

    def is_read(self, key: str) -> bool:
        """Whether ``key`` is marked read."""
        mark = self.mark(key)
        return bool(mark and mark.read)

    def is_flagged(self, key: str) -> bool:
        """Whether ``key`` is flagged."""
        mark = self.mark(key)
        return bool(mark and mark.flagged)

    def mark(self, key: str) -> Mark | None:
        """Everything known about ``key`` (pending changes included), or ``None`` if never marked."""
        with self._cond:
            read = self._pending.get((READ, key))
            flag = self._pending.get((FLAG, key))
        rows = self._rows(
            "read a mark", "SELECT read, read_at, flagged, flagged_at FROM marks WHERE key = ?", (key,)
        )
        if rows:
            mark = Mark(bool(rows[0][0]), rows[0][1], bool(rows[0][2]), rows[0][3])
        elif read is None and flag is None:
            return None
        else:
            mark = Mark(False, None, False, None)
        if read is not None:
            mark = Mark(bool(read.value), read.made_at, mark.flagged, mark.flagged_at)
        if flag is not None:
            mark = Mark(mark.read, mark.read_at, bool(flag.value), flag.made_at)
        return mark

    def _keys(self, kind: str, what: str, sql: str) -> set[str]:
        pending = self._pending_of(kind)
        rows = self._rows(what, sql) or []
        keys = {row[0] for row in rows}
        for key, change in pending.items():
            (keys.add if change.value else keys.discard)(key)
        return keys

    def read_keys(self) -> set[str]:
        """Every key marked read (queried afresh, so it sees other processes' marks)."""
        return self._keys(READ, "load read marks", "SELECT key FROM marks WHERE read")

    def flagged_keys(self) -> set[str]:
        """Every flagged key."""
        return self._keys(FLAG, "load flags", "SELECT key FROM marks WHERE flagged")

    def marks_since(self, timestamp: float) -> list[tuple[str, bool, bool]]:
        """``(key, read, flagged)`` for every mark whose ``read_at`` or ``flagged_at`` is ≥ ``timestamp``.

        Unmarking counts (it updates the timestamp too). Timestamps are taken
        when a change reaches the file, so a change delayed by a lock is not
        missed by a later call; this session's pending changes count as made
        now. Served by indexes: cheap for a recent ``timestamp`` whatever the
        archive's size. A point taken with ``time.time()`` can miss a change
        committing at that very moment: ask again with some overlap (marks are
        idempotent) or watch :meth:`change_count`.
        """
        reads = self._pending_of(READ)
        flags = self._pending_of(FLAG)
        # Two index searches (an OR would scan the table): changed reads, then changed flags not found already.
        rows = self._rows(
            "load recent marks",
            "SELECT key, read, flagged FROM marks WHERE read_at >= ?1 UNION ALL "
            "SELECT key, read, flagged FROM marks WHERE flagged_at >= ?1 AND (read_at IS NULL OR read_at < ?1)",
            (timestamp,),
        ) or []
        found: dict[str, tuple[bool, bool]] = {key: (bool(read), bool(flagged)) for key, read, flagged in rows}
        if (reads or flags) and timestamp <= time.time():
            missing = [key for key in {*reads, *flags} if key not in found]
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                stored = self._rows(
                    "load recent marks",
                    f"SELECT key, read, flagged FROM marks WHERE key IN ({','.join('?' * len(chunk))})",
                    tuple(chunk),
                ) or []
                for key, read, flagged in stored:
                    found[key] = (bool(read), bool(flagged))
            for key in missing:
                found.setdefault(key, (False, False))
            for key, change in reads.items():
                found[key] = (bool(change.value), found[key][1])
            for key, change in flags.items():
                found[key] = (found[key][0], bool(change.value))
        return [(key, read, flagged) for key, (read, flagged) in found.items()]

    def change_count(self) -> int:
        """A number that grows with every change to a mark that reached the file, by any process.

        Compare two readings to tell cheaply whether anything changed in
        between (then :meth:`marks_since` says what). This session's changes
        count once written. 0 until the file has been upgraded to schema 2.
        """
        if not self._prepared:
            return 0
        rows = self._rows("read the change counter", "SELECT counter FROM mark_changes WHERE id = 1")
        return int(rows[0][0]) if rows else 0

    def position(self, session: str) -> tuple[str, float] | None:
        """``(key, scroll_y)`` last saved for ``session``, or ``None``."""
        with self._cond:
            pending = self._pending.get((POSITION, session))
        if pending is not None:
            key, scroll_y = pending.value  # type: ignore[misc]
            return key, float(scroll_y)
        rows = self._rows("load position", "SELECT key, scroll_y FROM positions WHERE session = ?", (session,))
        return (rows[0][0], float(rows[0][1])) if rows else None

    # -- writes ------------------------------------------------------------------

    def set_read(self, key: str, read: bool = True) -> None:
        """Mark ``key`` read (or unread); returns at once (see :meth:`flush`)."""
        self._submit([(READ, key, bool(read))], "save a read mark")

    def set_read_many(self, keys: Iterable[str], read: bool = True) -> None:
        """Mark many keys read (or unread), written in one transaction: all or none."""
        self._submit([(READ, key, bool(read)) for key in keys], "save read marks")

    def set_flagged(self, key: str, flagged: bool) -> None:
        """Flag or unflag ``key``; returns at once."""
        self._submit([(FLAG, key, bool(flagged))], "save a flag")

    def save_position(self, session: str, key: str, scroll_y: float) -> None:
        """Remember that ``session`` was last showing ``key`` scrolled to ``scroll_y``; returns at once."""
        self._submit([(POSITION, session, (key, float(scroll_y)))], "save the position")

    def _submit(self, items: list[tuple[str, str, object]], what: str) -> None:
        if not items:
            return
        now = time.time()
        if self.path is None:  # in memory: nothing can block
            with self._conn_lock:
                if not self._closed:
                    changes = [_Change(0, kind, key, value, now) for kind, key, value in items]
                    _apply(self._conn, changes, now)
                    return
            self._closed_problem(what)
            return
        with self._cond:
            if self._closing:
                closed = True
            else:
                closed = False
                for kind, key, value in items:
                    self._seq += 1
                    self._pending.pop((kind, key), None)
                    self._pending[(kind, key)] = _Change(self._seq, kind, key, value, now)
                if self._writer is None or not self._writer.is_alive():
                    self._start_writer()
                self._cond.notify_all()
        if closed:
            self._closed_problem(what)

    def _start_writer(self) -> None:
        thread = threading.Thread(target=self._write_loop, name="sco-reader-state-writer", daemon=True)
        self._writer = thread
        thread.start()

    def _write_loop(self) -> None:
        """The writer thread: apply pending changes until closed, retrying with backoff."""
        assert self.path is not None
        conn: sqlite3.Connection | None = None
        backoff = _BACKOFF_FIRST
        retry_at = 0.0
        try:
            while True:
                with self._cond:
                    while True:
                        now = time.monotonic()
                        work = bool(self._pending) or not self._prepared
                        if self._closing and (not self._pending or now >= self._close_deadline):
                            return
                        if work and (now >= retry_at or self._kick):
                            self._kick = False
                            break
                        if not work:
                            self._cond.wait()
                        else:
                            limit = retry_at - now
                            if self._closing:
                                limit = min(limit, self._close_deadline - now)
                            self._cond.wait(max(0.0, limit))
                    batch = list(self._pending.values())
                try:
                    if conn is None:
                        conn = sqlite3.connect(
                            f"{self.path.absolute().as_uri()}?mode=rw", uri=True,
                            timeout=WRITE_BUSY_SECONDS, isolation_level=None,
                        )
                        _set_busy(conn, WRITE_BUSY_SECONDS)
                        conn.execute("PRAGMA synchronous = FULL")
                    if not self._prepared:
                        _prepare(conn, WRITE_BUSY_SECONDS)
                        self._prepared = True
                    if batch:
                        _apply(conn, batch, time.time())
                except Exception as exc:  # noqa: BLE001 - whatever it is, keep the marks and retry
                    reason = _one_line(exc)
                    if conn is not None and not _is_busy(exc):
                        conn.close()
                        conn = None
                    with self._cond:
                        self._last_error = reason
                    self._trouble(
                        f"reading state: cannot save to {self.path} ({reason}); "
                        f"{_KEPT} and saving is retried"
                    )
                    retry_at = time.monotonic() + backoff
                    backoff = min(backoff * 2, _BACKOFF_MAX)
                    continue
                backoff, retry_at = _BACKOFF_FIRST, 0.0
                with self._cond:
                    for change in batch:
                        slot = (change.kind, change.key)
                        current = self._pending.get(slot)
                        if current is not None and current.seq == change.seq:
                            del self._pending[slot]
                    recovered, self._troubled = self._troubled, False
                    self._cond.notify_all()
                if recovered:
                    self._report(f"reading state saved again to {self.path}")
        finally:
            if conn is not None:
                conn.close()
            with self._cond:
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every change made before this call is written (or replaced by a newer one).

        Returns whether it was, within ``timeout`` seconds (``None``: no limit).
        A change that ``flush()`` reported written survives a crash.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._seq
            self._kick = True
            self._cond.notify_all()
            while True:
                first = next(iter(self._pending.values()), None)
                if first is None or first.seq > target:
                    return True
                writer = self._writer
                if writer is None or not writer.is_alive():
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)

    @property
    def pending_count(self) -> int:
        """How many changes wait to be written."""
        with self._cond:
            return len(self._pending)

    # -- lifetime ------------------------------------------------------------------

    def close(self, timeout: float = CLOSE_WAIT_SECONDS) -> None:
        """Save what is pending (waiting at most ``timeout`` seconds) and close (idempotent).

        What could not be saved is reported; later writes are reported, not raised.
        """
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._close_deadline = time.monotonic() + timeout
            self._kick = True
            self._cond.notify_all()
            writer = self._writer
        if writer is not None:
            writer.join(timeout + 2 * WRITE_BUSY_SECONDS)
        with self._cond:
            lost = list(self._pending.values())
            self._pending.clear()
            reason = self._last_error or "timed out"
        with self._conn_lock:
            self._closed = True
            self._conn.close()
        _OPEN_STATES.discard(self)
        if lost:
            self._report(
                f"reading state: could not save {_describe(lost)} to {self.path} before closing ({reason})"
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ReadingState(path={self.path!r})"


_OPEN_STATES: weakref.WeakSet[ReadingState] = weakref.WeakSet()
"""File-backed states not yet closed: saved (with a bounded wait) at interpreter exit."""


@atexit.register
def _close_open_states() -> None:
    for state in list(_OPEN_STATES):
        state.close()
