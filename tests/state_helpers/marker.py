"""Subprocess that changes marks in a state database, then exits.

Usage: marker.py DB OP... with OP one of ``read:KEY``, ``unread:KEY``,
``flag:KEY``, ``unflag:KEY``. With ``--no-close`` first, it exits without
closing the state (the module saves what is pending at exit). Prints ``done``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sco_reader.state import ReadingState


def main() -> None:
    args = sys.argv[1:]
    close = args[0] != "--no-close"
    if not close:
        args = args[1:]
    state, warning = ReadingState.open(Path(args[0]))
    if warning:
        raise SystemExit(f"warning: {warning}")
    for op in args[1:]:
        verb, key = op.split(":", 1)
        if verb in ("read", "unread"):
            state.set_read(key, verb == "read")
        elif verb in ("flag", "unflag"):
            state.set_flagged(key, verb == "flag")
        else:
            raise SystemExit(f"unknown op {op}")
    if close:
        state.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
