"""Subprocess used by tests/test_state.py to hammer one state file.

Usage: writer.py DB MODE PREFIX COUNT [SHARED]

MODE is ``read``, ``flag``, ``both`` or ``many`` (set_read_many in batches of
10): marks ``PREFIX-0`` … ``PREFIX-(COUNT-1)`` and, for the first SHARED
iterations, also ``shared-N`` the same way. Prints ``ready``, waits for a line
on stdin, works, prints ``done``.

MODE ``loop`` marks keys forever and prints each key (or ``batch PREFIX-bN``) only
after ``flush()`` reported it written; it is meant to be SIGKILLed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sco_reader.state import ReadingState


def main() -> None:
    db, mode, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    state, warning = ReadingState.open(Path(db))
    if warning or state.path is None:
        print(f"warning: {warning}", flush=True)
        sys.exit(2)
    if mode == "loop":
        n = 0
        while True:
            key = f"{prefix}-{n}"
            state.set_read(key)
            if not state.flush(timeout=30):
                raise SystemExit(f"not saved: {state.problems}")
            print(key, flush=True)
            if n % 5 == 0:
                state.set_read_many(f"{prefix}-b{n}-{j}" for j in range(10))
                if not state.flush(timeout=30):
                    raise SystemExit(f"not saved: {state.problems}")
                print(f"batch {prefix}-b{n}", flush=True)
            state.save_position("kill-session", key, float(n))
            state.flush(timeout=30)
            n += 1
    count = int(sys.argv[4])
    shared = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    print("ready", flush=True)
    sys.stdin.readline()

    def work(keys: list[str]) -> None:
        if mode == "read":
            for key in keys:
                state.set_read(key)
        elif mode == "flag":
            for key in keys:
                state.set_flagged(key, True)
        elif mode == "both":
            for key in keys:
                state.set_read(key)
                state.set_flagged(key, True)
        elif mode == "many":
            state.set_read_many(keys)
        else:
            raise SystemExit(f"unknown mode {mode}")

    step = 10 if mode == "many" else 1
    for n in range(0, count, step):
        work([f"{prefix}-{i}" for i in range(n, min(n + step, count))])
        if n < shared:
            work([f"shared-{i}" for i in range(n, min(n + step, shared))])
    state.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
