"""Benchmark the persistent archive index: cold build, warm reopen, one new file, one-off search.

    python bench/bench_index.py [--sizes 100000,300000,1000000] [--archive-root /work/archives]
                                [--runs 5] [--json PATH]

For each generated archive ``ARCHIVE_ROOT/<N>/`` (``python -m bench.generate DIR --articles N``; the
generated ``bench/archives/<N>/`` when no root is given) it runs the real command, each run a fresh
process, with the index cache in a temporary directory (``SCO_READER_CACHE``), and reports medians
(p95 where there are enough runs) and each process's own peak RSS (``wait4``):

* **read + split** — the floor: list the ``*.txt`` files, read, decode, split lines, keep nothing;
* **cold** — ``sco-reader --list DIR`` with an empty cache: every file parsed and the index written;
* **warm --list** — the same once the index exists: time to the first line and to the last;
* **one new file** — a new daily file of 30 articles dropped into the archive, then ``--list``
  (only that file is read); the file is removed and the index brought back between runs;
* **warm --search** — ``sco-reader --search "belarys joins"`` once the index and its search
  segments exist (after one search that may add a segment).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUERY = "belarys joins"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))]


def run(args: list[str], cache: Path) -> dict[str, float]:
    """Run the reader's command; seconds to the first output line and to exit, and its peak RSS in MB."""
    env = {**os.environ, "SCO_READER_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "sco_reader", *args, "--no-state"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    first_s = time.perf_counter() - start
    rest = process.stdout.read()
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    total_s = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or not first:
        raise SystemExit(f"{args}: exit {process.returncode}: {errors.decode(errors='replace')[-500:]}")
    return {"first_s": first_s, "total_s": total_s, "rss_mb": usage.ru_maxrss / 1024, "lines": 1 + rest.count(b"\n")}


def read_and_split(root: Path) -> float:
    """The floor: read every file, decode and split it into lines (in a fresh process)."""
    code = (
        "import sys, time, pathlib\n"
        "t = time.perf_counter()\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.txt')):\n"
        "    p.read_bytes().decode('utf-8', 'replace').splitlines()\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def new_day(directory: Path) -> Path:
    """Drop a new daily file of 30 articles into ``directory``."""
    path = directory / "2099-01-01-new.txt"
    path.write_text(
        "".join(f"01.01.2099, 10:{n:02d}\nNew bulletin story number {n}\nA new paragraph {n}.\n" for n in range(30)),
        encoding="utf-8",
    )
    return path


def measure(root: Path, runs: int) -> dict[str, object]:
    files = sorted(root.rglob("*.txt"))
    mb = sum(p.stat().st_size for p in files) / 1e6
    read_and_split(root)  # warm the page cache
    floor = [read_and_split(root) for _ in range(3)]
    with tempfile.TemporaryDirectory() as scratch:
        colds: list[dict[str, float]] = []
        for n in range(max(1, runs // 2) if mb < 300 else 1):
            cache = Path(scratch) / f"cold-{n}"
            colds.append(run(["--list", str(root)], cache))
        cache = Path(scratch) / "cold-0"
        warm = [run(["--list", str(root)], cache) for _ in range(runs)]
        added: list[dict[str, float]] = []
        directory = files[-1].parent
        for _ in range(max(3, runs // 2)):
            extra = new_day(directory)
            added.append(run(["--list", str(root)], cache))
            extra.unlink()
            run(["--list", str(root)], cache)  # the index without it again
        run(["--search", QUERY, str(root)], cache)  # may add the search segment the next ones reuse
        searches = [run(["--search", QUERY, str(root)], cache) for _ in range(runs)]
        cache_mb = sum(p.stat().st_size for p in (Path(scratch) / "cold-0").rglob("*") if p.is_file()) / 1e6
    cold_s = statistics.median(c["total_s"] for c in colds)
    floor_s = statistics.median(floor)
    return {
        "articles": int(warm[0]["lines"]),
        "files": len(files),
        "mb": mb,
        "read_split_s": floor_s,
        "cold_s": cold_s,
        "cold_ratio": cold_s / floor_s,
        "cold_rss_mb": max(c["rss_mb"] for c in colds),
        "cache_mb": cache_mb,
        "warm_first_line_s": statistics.median(w["first_s"] for w in warm),
        "warm_first_line_p95_s": p95([w["first_s"] for w in warm]),
        "warm_total_s": statistics.median(w["total_s"] for w in warm),
        "warm_rss_mb": max(w["rss_mb"] for w in warm),
        "new_file_s": statistics.median(a["total_s"] for a in added),
        "search_s": statistics.median(s["total_s"] for s in searches),
        "search_p95_s": p95([s["total_s"] for s in searches]),
        "search_rss_mb": max(s["rss_mb"] for s in searches),
    }


def table(results: dict[str, dict[str, object]]) -> str:
    rows = [
        "| articles | files | MB | read+split s | cold --list s | cold/read | cold peak RSS MB | index MB | "
        "warm --list first line ms (p95) | warm --list all s | warm RSS MB | +1 file --list s | "
        "warm --search s (p95) | search RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results.values():
        rows.append(
            f"| {r['articles']:,} | {r['files']:,} | {r['mb']:.0f} | {r['read_split_s']:.2f} | {r['cold_s']:.1f} | "
            f"{r['cold_ratio']:.1f}× | {r['cold_rss_mb']:.0f} | {r['cache_mb']:.0f} | "
            f"{r['warm_first_line_s'] * 1000:.0f} ({r['warm_first_line_p95_s'] * 1000:.0f}) | {r['warm_total_s']:.2f} | "
            f"{r['warm_rss_mb']:.0f} | {r['new_file_s']:.2f} | {r['search_s']:.2f} ({r['search_p95_s']:.2f}) | "
            f"{r['search_rss_mb']:.0f} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--archive-root", type=Path, help="directories <root>/<N>/ (default: generated ones)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    for size in (int(s) for s in options.sizes.split(",") if s):
        if options.archive_root:
            root = options.archive_root / str(size)
        else:
            from bench.generate import archive

            root = archive(size)
        print(f"+ {root}", file=sys.stderr, flush=True)
        results[str(size)] = measure(root, options.runs)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print(table(results))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
