"""Subprocess that opens a state file the way the reader does and says what happened.

Usage: probe.py DB [KEY...]

Opens DB, notes the warning and the read keys, marks each KEY read, flushes,
closes, and prints one JSON object: ``warning``, ``persistent``, ``read`` (the
keys before marking), ``saved`` (whether flush() wrote the marks) and
``problems``. Run as another user by the tests for read-only files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sco_reader.state import ReadingState, StateRefused


def main() -> None:
    db, keys = Path(sys.argv[1]), sys.argv[2:]
    try:
        state, warning = ReadingState.open(db)
    except StateRefused as exc:
        print(json.dumps({"refused": str(exc)}))
        return
    read = sorted(state.read_keys())
    for key in keys:
        state.set_read(key)
    saved = state.flush(timeout=10)
    state.close(timeout=0.5)
    print(json.dumps({
        "warning": warning, "persistent": state.persistent, "read": read, "saved": saved, "problems": state.problems,
    }))


if __name__ == "__main__":
    main()
