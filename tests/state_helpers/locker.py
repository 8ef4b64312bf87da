"""Subprocess that holds a lock on a state database until told to let go.

Usage: locker.py DB MODE

MODE ``immediate`` or ``exclusive``: ``BEGIN IMMEDIATE``/``BEGIN EXCLUSIVE`` and
a write inside the transaction (in WAL mode others may still read).
MODE ``exclusive-mode``: ``PRAGMA locking_mode = EXCLUSIVE`` and a write, so
nobody else can even read.

Prints ``locked`` once the lock is held, waits for a line on stdin, rolls back
(or closes), prints ``released`` and exits.
"""

from __future__ import annotations

import sqlite3
import sys


def main() -> None:
    db, mode = sys.argv[1], sys.argv[2]
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    if mode == "exclusive-mode":
        conn.execute("PRAGMA locking_mode = EXCLUSIVE").fetchall()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR REPLACE INTO positions VALUES ('locker', 'k', 0, 0)")
        conn.execute("COMMIT")  # the exclusive lock stays until the connection closes
    elif mode in ("immediate", "exclusive"):
        conn.execute(f"BEGIN {mode.upper()}")
        conn.execute("INSERT OR REPLACE INTO positions VALUES ('locker', 'k', 0, 0)")
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("locked", flush=True)
    sys.stdin.readline()
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()
    print("released", flush=True)


if __name__ == "__main__":
    main()
