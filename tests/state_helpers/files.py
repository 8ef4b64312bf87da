"""Files for state tests: things a state path must never be mistaken for, and a way to prove them untouched."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sco_reader.state import APPLICATION_ID, MIGRATIONS, ReadingState

from ..conftest import SEED


def tree(root: Path) -> dict[str, tuple[object, ...]]:
    """Everything below ``root``: kind, mode, bytes (or link target) and mtime of each entry."""
    found: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            info = os.lstat(path)
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                found[rel] = ("file", info.st_mode, path.read_bytes(), info.st_mtime_ns)
            else:
                found[rel] = ("other", info.st_mode, info.st_mtime_ns)
    return found


def ours(db: Path, marks: int = 200) -> None:
    """A healthy state file of ours with some marks."""
    state, warning = ReadingState.open(db)
    assert warning is None, warning
    state.set_read_many(f"key-{i:05d}-{'x' * 40}" for i in range(marks))
    state.close()


def _sqlite(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _v1_damaged(db: Path) -> None:
    """A released version-1 file (no application id) whose schema page is trashed."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()
    with open(db, "r+b") as f:
        f.seek(100)
        f.write(random.Random(1).randbytes(3000))


def _crashed_wal(db: Path) -> None:
    """Another application's WAL database whose writer died: content only in -wal, -shm left behind."""
    code = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode = WAL').fetchall()\n"
        "c.execute('PRAGMA wal_autocheckpoint = 0').fetchall()\n"
        "c.execute('CREATE TABLE notes (x TEXT)')\n"
        "c.execute(\"INSERT INTO notes VALUES ('precious')\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=60)
    assert Path(f"{db}-wal").stat().st_size > 0


def _truncated_header(db: Path) -> None:
    ours(db)
    os.truncate(db, 50)


def _zeroed_header(db: Path) -> None:
    ours(db)
    with open(db, "r+b") as f:
        f.write(b"\0" * 16)


def _directory(db: Path) -> None:
    db.mkdir()
    (db / "notes.txt").write_text("my notes\n")
    (db / "sub").mkdir()


FOREIGN: dict[str, tuple[Callable[[Path], None], str]] = {
    "directory": (_directory, "is a directory"),
    "bulletin": (lambda db: db.write_bytes(SEED.read_bytes()), "not an SQLite database"),
    "random-bytes": (lambda db: db.write_bytes(random.Random(0).randbytes(8192)), "not an SQLite database"),
    "named-pipe": (lambda db: os.mkfifo(db), "named pipe"),
    "broken-symlink": (lambda db: db.symlink_to(db.parent / "nowhere"), "broken symbolic link"),
    "truncated-header": (_truncated_header, "truncated SQLite file"),
    "zeroed-header": (_zeroed_header, "not an SQLite database"),
    "other-application": (
        lambda db: _sqlite(db, "PRAGMA application_id = 305419896", "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)"),
        "another application",
    ),
    "foreign-tables": (
        lambda db: _sqlite(db, "CREATE TABLE notes (x TEXT)", "INSERT INTO notes VALUES ('kept')"),
        "without sco-reader's tables",
    ),
    "foreign-marks-table": (
        lambda db: _sqlite(db, "CREATE TABLE marks (something_else INTEGER)"),
        "without sco-reader's tables",
    ),
    "version-without-tables": (lambda db: _sqlite(db, "PRAGMA user_version = 1"), "without sco-reader's tables"),
    "crashed-foreign-wal": (_crashed_wal, "without sco-reader's tables"),
    "damaged-unstamped": (_v1_damaged, "carries no sco-reader stamp"),
}
"""Kinds of path that are not ours: how to make one, and a phrase the refusal must contain."""

assert APPLICATION_ID != 305419896
