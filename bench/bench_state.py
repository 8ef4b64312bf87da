"""Benchmark the reading-state store: what a key costs, and what a million marks cost.

    python bench/bench_state.py [--marks 1000000] [--json PATH]

In a temporary directory it measures:

* **a mark from the UI**: the time ``set_read`` takes to return (it queues; the
  writer thread saves), p50/p99/max over 10,000 calls, with the file free and
  while another process holds the write lock (``BEGIN IMMEDIATE``);
* **a durable mark**: ``set_read`` + ``flush()`` (committed with
  ``synchronous=FULL``), p50/p95 over 200 marks;
* **an archive's worth of marks** (``--marks``, 16-hex-digit keys like article
  content keys, every tenth flagged): bulk writing, file size, opening the file
  (recognition, ``quick_check``), ``read_keys``/``flagged_keys`` (what the app
  loads at start today), ``marks_since`` for the last 100 changes and
  ``change_count`` (what a large archive can use instead).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sco_reader.state import ReadingState  # noqa: E402

LOCKER = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT OR REPLACE INTO positions VALUES ('locker', 'k', 0, 0)")
print("locked", flush=True)
sys.stdin.readline()
c.execute("ROLLBACK")
"""


def _key(i: int) -> str:
    return hashlib.blake2b(str(i).encode(), digest_size=8).hexdigest()


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    return {"p50": rank(0.5), "p95": rank(0.95), "p99": rank(0.99), "max": ordered[-1]}


def _timed(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _call_latency(state: ReadingState, prefix: str, calls: int = 10_000) -> dict[str, float]:
    samples = []
    for i in range(calls):
        start = time.perf_counter()
        state.set_read(f"{prefix}-{i}")
        samples.append((time.perf_counter() - start) * 1e6)
    return _quantiles(samples)


def measure(marks: int) -> dict[str, object]:
    """Every number described in the module docstring, in a fresh temporary directory."""
    results: dict[str, object] = {"marks": marks}
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        db = Path(tmp) / "state.sqlite3"
        state, _ = ReadingState.open(db)

        results["set_read_us_free"] = _call_latency(state, "free")
        state.flush()
        durable = []
        for i in range(200):
            start = time.perf_counter()
            state.set_read(f"durable-{i}")
            state.flush()
            durable.append((time.perf_counter() - start) * 1e3)
        results["durable_mark_ms"] = _quantiles(durable)

        locker = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert locker.stdout is not None and locker.stdin is not None
        assert locker.stdout.readline().strip() == "locked"
        results["set_read_us_locked"] = _call_latency(state, "locked")
        results["saved_while_locked"] = state.flush(timeout=0.5)
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.wait()
        start = time.perf_counter()
        assert state.flush(timeout=60)
        results["flush_after_unlock_s"] = time.perf_counter() - start
        results["problems"] = list(state.problems)

        start = time.perf_counter()
        chunk = 10_000
        for base in range(0, marks, chunk):
            keys = [_key(i) for i in range(base, min(base + chunk, marks))]
            state.set_read_many(keys)
            for key in keys[::10]:
                state.set_flagged(key, True)
        assert state.flush(timeout=600)
        results["bulk_write_s"] = time.perf_counter() - start
        state.close()
        results["file_mb"] = round(db.stat().st_size / 1e6, 1)

        def reopen() -> None:
            ReadingState.open(db)[0].close()

        results["open_s"] = _timed(reopen)
        conn = sqlite3.connect(db)
        results["quick_check_s"] = _timed(lambda: conn.execute("PRAGMA quick_check").fetchall())
        conn.close()

        state, _ = ReadingState.open(db)
        results["read_keys_s"] = _timed(state.read_keys)
        results["flagged_keys_s"] = _timed(state.flagged_keys)
        point = time.time()
        for i in range(100):
            state.set_read(_key(i), False)
        assert state.flush(timeout=60)
        results["marks_since_recent_s"] = _timed(lambda: state.marks_since(point), runs=20)
        results["marks_since_recent_rows"] = len(state.marks_since(point))
        results["change_count_us"] = _timed(state.change_count, runs=101) * 1e6
        state.close()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run :func:`measure` and print (and optionally save) the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marks", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = measure(args.marks)
    results["python"] = sys.version.split()[0]
    results["sqlite"] = sqlite3.sqlite_version
    results["cpus"] = os.cpu_count()
    text = json.dumps(results, indent=2, default=lambda x: round(x, 6))
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
