"""Benchmark following the files: a polling pass against file-system events (watchfiles).

    python bench/bench_follow.py [--trees 3334,10000,33334] [--archive /work/archives/1000000]
                                 [--app /work/archives/100000] [--runs 7] [--idle 5] [--json PATH]

What it costs to notice that a bulletin appeared, grew, was edited or deleted while the reader
runs, two ways:

* **polling** — the archive's quick plan (:func:`sco_reader.archive.plan_inputs`: ``stat`` every
  known file, list only the directories whose ``mtime`` moved) run every interval; its cost per
  pass over trees of ``--trees`` files (and over the real ``--archive`` when given, read only),
  median of ``--runs``; CPU share and mean latency follow from the interval;
* **watchfiles** — file-system events (inotify on Linux): time to start watching a tree, CPU
  used while idle over ``--idle`` seconds, memory added, and the latency from a change on disk
  to the event (create, append, edit in place, replace by rename, delete), median of ``--runs``.

* **the reader** (``--app ARCHIVE``) — a headless reader on ``ARCHIVE`` (read only) plus a
  writable inbox directory, with the real watcher: from writing a new bulletin into the inbox
  until the reader lists its article (median and max of ``--runs``), what a pass costs in all,
  and the longest the screen's event loop was kept from running during the passes (a key
  waits at most that long), next to the same while idle.

Trees are made in a temporary directory: ``files`` small bulletins spread over directories of
28 (the generated archives' shape: a year per directory, a month below). Nothing is written
under ``--archive``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sco_reader.archive import Known, plan_inputs  # noqa: E402
from sco_reader.loader import scan  # noqa: E402

BULLETIN = "04.07.2024\nA headline\nA paragraph of the body.\n"


def make_tree(root: Path, files: int, per_dir: int = 28) -> None:
    """``files`` small bulletins in ``root``, ``per_dir`` to a directory, directories two deep."""
    for n in range(files):
        directory = root / f"{n // (per_dir * 12):04d}" / f"{(n // per_dir) % 12:02d}"
        if n % per_dir == 0:
            directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{n:06d}.txt").write_text(BULLETIN, encoding="utf-8")


def known_of(inputs: list[str]) -> Known:
    """What an archive that has read ``inputs`` knows (built from a scan: no parsing)."""
    from array import array

    dirs: dict[str, int] = {}
    found = scan(inputs, dirs)
    return Known(
        numbers=list(range(len(found))),
        paths=[os.fsencode(f.path) for f in found],
        sizes=array("q", (f.stat.st_size for f in found)),
        mtimes=array("q", (f.stat.st_mtime_ns for f in found)),
        ctimes=array("q", (f.stat.st_ctime_ns for f in found)),
        inodes=array("Q", (f.stat.st_ino for f in found)),
        digests=bytes(16 * len(found)),
        dirs=dirs,
        scanned_at=time.time_ns() + 10**10,  # nothing counts as racy: the steady state
    )


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure_poll(inputs: list[str], runs: int) -> dict[str, float]:
    """One quick pass (nothing changed), wall and CPU, median over ``runs``."""
    known = known_of(inputs)
    plan_inputs(inputs, known)  # warm the dentry cache as a running reader has it
    walls, cpus = [], []
    for _ in range(runs):
        c, t = cpu(), time.perf_counter()
        result = plan_inputs(inputs, known)
        walls.append(time.perf_counter() - t)
        cpus.append(cpu() - c)
        assert result.empty, "the tree changed while measuring"
    return {"files": len(known.paths), "dirs": len(known.dirs), "pass_ms": 1000 * statistics.median(walls), "pass_cpu_ms": 1000 * statistics.median(cpus)}


def _setup(make: Callable[[], object]) -> tuple[float, float]:
    """How long ``make`` takes, and the longest another Python thread was kept waiting meanwhile."""
    gaps: list[float] = []
    running = threading.Event()
    running.set()

    def tick() -> None:
        last = time.perf_counter()
        while running.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    time.sleep(0.05)
    started = time.perf_counter()
    made = make()
    took = time.perf_counter() - started
    time.sleep(0.05)
    running.clear()
    ticker.join()
    del made
    return took, max(gaps) - 0.001


def measure_watchfiles(root: Path, runs: int, idle: float) -> dict[str, float]:
    """Start-up, idle CPU, memory and event latency of a watchfiles watcher on ``root``."""
    before = rss_mb()
    started = time.perf_counter()
    from watchfiles._rust_notify import RustNotify

    imported = time.perf_counter() - started
    arrived = threading.Event()
    stop = threading.Event()
    ready = threading.Event()
    setup: list[float] = []

    def loop() -> None:
        t = time.perf_counter()
        with RustNotify([str(root)], False, False, 300, True, True) as notify:
            setup.append(time.perf_counter() - t)
            ready.set()
            while not stop.is_set():
                raw = notify.watch(50, 10, 500, stop)
                if isinstance(raw, set) and raw:
                    arrived.set()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    ready.wait(60)
    watching = rss_mb()
    time.sleep(0.3)
    c = cpu()
    time.sleep(idle)
    idle_cpu = (cpu() - c) / idle
    target_dir = next(p for p in sorted(root.rglob("*")) if p.is_dir() and not any(q.is_dir() for q in p.iterdir()))

    def latency(change: Callable[[int], None]) -> float:
        times = []
        for n in range(runs):
            arrived.clear()
            time.sleep(0.15)  # let any earlier batch drain
            arrived.clear()
            t = time.perf_counter()
            change(n)
            if not arrived.wait(5):
                times.append(float("inf"))
                continue
            times.append(time.perf_counter() - t)
        return 1000 * statistics.median(times)

    def create(n: int) -> None:
        (target_dir / f"new-{n}.txt").write_text(BULLETIN, encoding="utf-8")

    def append(n: int) -> None:
        with open(target_dir / f"new-{n}.txt", "a", encoding="utf-8") as stream:
            stream.write(BULLETIN)

    def edit(n: int) -> None:
        with open(target_dir / f"new-{n}.txt", "r+", encoding="utf-8") as stream:
            stream.write("05")

    def replace(n: int) -> None:
        aside = target_dir / f".new-{n}.tmp"
        aside.write_text(BULLETIN * 2, encoding="utf-8")
        os.replace(aside, target_dir / f"new-{n}.txt")

    def delete(n: int) -> None:
        (target_dir / f"new-{n}.txt").unlink()

    directories = [os.path.join(top, name) for top, names, _ in os.walk(root) for name in names] + [str(root)]
    per_directory, stall_directories = _setup(lambda: RustNotify(directories, False, False, 300, False, True))
    recursive, stall_recursive = _setup(lambda: RustNotify([str(root)], False, False, 300, True, True))
    results = {
        "import_ms": 1000 * imported,
        "setup_ms": 1000 * setup[0],
        "setup_per_directory_ms": 1000 * per_directory,
        "stall_per_directory_ms": 1000 * stall_directories,
        "setup_recursive_ms": 1000 * recursive,
        "stall_recursive_ms": 1000 * stall_recursive,
        "idle_cpu_percent": 100 * idle_cpu,
        "rss_added_mb": watching - before,
    }
    for name, change in (("create", create), ("append", append), ("edit", edit), ("replace", replace), ("delete", delete)):
        results[f"{name}_ms"] = latency(change)
    stop.set()
    thread.join(5)
    return results


async def measure_app(archive: str, runs: int, cache: str | None = None) -> dict[str, float]:
    """End to end in a headless reader with the real watcher (see the module's docstring); ``cache``: an
    index cache to keep between runs (a warm start), else a fresh one."""
    import asyncio

    from sco_reader.cli import make_app

    with tempfile.TemporaryDirectory(prefix="bench-follow-app-") as tmp:
        os.environ["SCO_READER_CACHE"] = cache or os.path.join(tmp, "cache")
        os.environ["SCO_READER_STATE"] = os.path.join(tmp, "state.sqlite3")
        inbox = Path(cache) / f"inbox-{Path(archive).name}" if cache else Path(tmp) / "inbox"  # the same inputs: a warm start
        inbox.mkdir(parents=True, exist_ok=True)
        for old in inbox.glob("new-*.txt"):
            old.unlink()
        (inbox / "first.txt").write_text(BULLETIN, encoding="utf-8")
        app = make_app([archive, str(inbox), "--no-state"])
        app.watch_headless = True
        passes: list[float] = []
        finished = app._follow_finished  # noqa: SLF001 - timing the pass from its start to its end

        def timed(error: str | None) -> None:
            passes.append(time.perf_counter() - app._pass_started)  # noqa: SLF001
            finished(error)

        app._follow_finished = timed  # type: ignore[method-assign]  # noqa: SLF001
        lags: list[float] = []
        watching = True

        async def ticker() -> None:
            while watching:
                started = time.perf_counter()
                await asyncio.sleep(0.005)
                lags.append(time.perf_counter() - started - 0.005)

        async with app.run_test(size=(120, 40)) as pilot:
            started = time.perf_counter()
            while app.loading:
                await pilot.pause(0.05)
            loaded = time.perf_counter() - started
            assert app.watcher is not None
            await asyncio.to_thread(app.watcher.ready.wait, 60)
            await app.workers.wait_for_complete()  # the first search index, built in the background
            await asyncio.sleep(1.0)
            task = asyncio.create_task(ticker())
            await asyncio.sleep(2.0)
            idle_lag = max(lags)
            lags.clear()
            passes.clear()
            latencies = []
            for n in range(runs):
                headline = f"Arrived in the inbox {n}"
                started = time.perf_counter()
                (inbox / f"new-{n}.txt").write_text(f"04.07.2024\n{headline}\nBody.\n", encoding="utf-8")
                while headline not in (app.library.headline(i) for i in range(len(app.library) - 1, max(-1, len(app.library) - 5), -1)):
                    await app.next_follow_pass()
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.3)
            watching = False
            await task
            mode = app.watcher.mode
        return {
            "articles": len(app.library),
            "loaded_s": loaded,
            "events": float(mode == "events"),
            "latency_median_ms": 1000 * statistics.median(latencies),
            "latency_max_ms": 1000 * max(latencies),
            "pass_median_ms": 1000 * statistics.median(passes),
            "loop_lag_max_ms": 1000 * max(lags),
            "idle_loop_lag_max_ms": 1000 * idle_lag,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trees", default="3334,10000,33334", help="files in each generated tree")
    parser.add_argument("--archive", action="append", default=[], help="a real archive to time a polling pass over (read only)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle CPU to measure")
    parser.add_argument("--no-watchfiles", action="store_true")
    parser.add_argument("--app", action="append", default=[], help="an archive to follow in a headless reader (read only)")
    parser.add_argument("--cache", help="with --app: an index cache kept between runs (default: a fresh one each run)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    report: dict[str, object] = {"poll": [], "watchfiles": []}
    for archive in args.archive:
        found = measure_poll([archive], args.runs)
        report["poll"].append({"tree": archive, **found})  # type: ignore[union-attr]
        print(f"poll {archive}: {found['files']:,} files, {found['dirs']:,} dirs: pass {found['pass_ms']:.1f} ms (cpu {found['pass_cpu_ms']:.1f} ms)", flush=True)
    for files in map(int, args.trees.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-follow-") as tmp:
            root = Path(tmp) / "tree"
            make_tree(root, files)
            found = measure_poll([str(root)], args.runs)
            report["poll"].append({"tree": f"generated {files}", **found})  # type: ignore[union-attr]
            print(f"poll {files:,} files, {found['dirs']:,} dirs: pass {found['pass_ms']:.1f} ms (cpu {found['pass_cpu_ms']:.1f} ms)", flush=True)
            if not args.no_watchfiles:
                watched = measure_watchfiles(root, args.runs, args.idle)
                report["watchfiles"].append({"tree": f"generated {files}", "files": files, **watched})  # type: ignore[union-attr]
                print(f"watchfiles {files:,} files: " + ", ".join(f"{k} {v:.2f}" for k, v in watched.items()), flush=True)
    for archive in args.app:
        import asyncio

        found = asyncio.run(measure_app(archive, args.runs, args.cache))
        report.setdefault("app", []).append({"archive": archive, **found})  # type: ignore[union-attr]
        print(f"app {archive}: " + ", ".join(f"{k} {v:,.1f}" for k, v in found.items()), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
