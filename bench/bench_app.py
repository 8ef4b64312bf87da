"""Benchmark the real reader: time to first screen, per-key latency, peak memory.

    python bench/bench_app.py [--sizes 1000,10000,100000] [--runs 5] [--json PATH]

* **first screen** — a real process in a pseudo-terminal (120×40), from just before the
  process starts until the reader's first frame with the article in it (its "N min read" line
  drawn on the terminal) is read back; the same for a minimal Textual app (Header, Static, Footer) as the
  floor. For archives also the time until everything is loaded ("N articles from M files").
* **keys** — the same real process: the time from writing a key to the terminal until the
  new article's position (``k / N``) has been drawn, for ``j``, ``]``, ``G``/``g``, ``o``
  (until the new order is shown) and a ``d`` jump (from Enter); p50/p95.
* **peak RSS** — ``ru_maxrss`` of the first-screen process once fully loaded.

Archives come from :mod:`bench.generate` (cached under ``bench/archives/<n>/``).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import archive  # noqa: E402

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[\]P_^][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Minimal(App):
    BINDINGS = [("q", "quit", "Quit"), ("j", "next", "Next")]
    count = 1
    def compose(self):
        yield Header()
        yield Static("ready 1 / 1000000")
        yield Footer()
    def action_next(self):
        self.count += 1
        self.query_one(Static).update(f"ready {self.count} / 1000000")

Minimal().run()
"""

RSS_WRAPPER = """
import atexit, os, resource, sys
def report():
    with open(os.environ["BENCH_RSS_FILE"], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(report)
sys.argv = ["sco-reader", *sys.argv[1:]]
from sco_reader.cli import main
raise SystemExit(main())
"""


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def run_in_pty(command: list[str], markers: list[bytes], timeout: float = 60.0) -> tuple[list[float], int | None]:
    """Start ``command`` in a 120×40 pseudo-terminal; seconds until each marker appears, and peak RSS in KiB."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    rss_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-rss-{os.getpid()}"
    rss_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
        "PYTHONPATH": str(ROOT),
        "BENCH_RSS_FILE": str(rss_file),
    }
    env.pop("TEXTUAL", None)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
    )
    os.close(slave)
    seen: list[float] = []
    buffer = b""
    try:
        while len(seen) < len(markers) and time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            buffer += chunk
            plain = ANSI.sub(b"", buffer[-400_000:])
            while len(seen) < len(markers) and markers[len(seen)] in plain:
                seen.append(time.perf_counter() - start)
        os.write(master, b"q")
        deadline = time.perf_counter() + 10
        while process.poll() is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        os.close(master)
    rss = int(rss_file.read_text()) if rss_file.exists() else None
    rss_file.unlink(missing_ok=True)
    if len(seen) < len(markers):
        raise RuntimeError(f"{command[:2]}: markers not seen {markers[len(seen):]}; output: {ANSI.sub(b'', buffer)[-300:]!r}")
    return seen, rss


def first_screen(args: list[str], runs: int, loaded_marker: bytes | None) -> dict[str, float]:
    """Medians of process start → first frame (and → fully loaded), plus peak RSS."""
    firsts: list[float] = []
    loads: list[float] = []
    rss: list[int] = []
    markers = [b"min read"] + ([loaded_marker] if loaded_marker else [])
    for _ in range(runs):
        seen, peak = run_in_pty([sys.executable, "-c", RSS_WRAPPER, *args, "--no-state"], markers)
        firsts.append(seen[0])
        if loaded_marker:
            loads.append(seen[1])
        if peak:
            rss.append(peak)
    result = {"first_frame_s": statistics.median(firsts)}
    if loads:
        result["loaded_s"] = statistics.median(loads)
    if rss:
        result["peak_rss_mb"] = max(rss) / 1024
    return result


def minimal_first_screen(runs: int) -> float:
    """Median of process start → first frame for a minimal Textual app."""
    return statistics.median(
        run_in_pty([sys.executable, "-c", MINIMAL_APP], [b"ready 1 / 1000000"])[0][0] for _ in range(runs)
    )


class Terminal:
    """A real reader process in a 120×40 pseudo-terminal that we type into and read back."""

    def __init__(self, command: list[str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40", "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
        )
        os.close(slave)
        self.pending = b""

    def read_until(self, pattern: re.Pattern[bytes], timeout: float = 60.0) -> re.Match[bytes]:
        """Read output until ``pattern`` matches the (escape-stripped) output since the last call."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            match = pattern.search(ANSI.sub(b"", self.pending))
            if match:
                self.pending = b""
                return match
            ready, _, _ = select.select([self.master], [], [], 0.01)
            if ready:
                self.pending += os.read(self.master, 1 << 20)
        raise TimeoutError(pattern.pattern)

    def drain(self, quiet: float = 0.3) -> None:
        """Read until the terminal has been quiet for ``quiet`` seconds."""
        while select.select([self.master], [], [], quiet)[0]:
            os.read(self.master, 1 << 20)
        self.pending = b""

    def press(self, data: bytes, pattern: re.Pattern[bytes]) -> tuple[float, re.Match[bytes]]:
        """Type ``data``; seconds until output matching ``pattern`` is on the terminal."""
        self.drain(0.05)
        start = time.perf_counter()
        os.write(self.master, data)
        match = self.read_until(pattern)
        return time.perf_counter() - start, match

    def close(self) -> None:
        os.write(self.master, b"q")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        os.close(self.master)


def key_latencies(args: list[str], total: int, loaded: bytes, repeats: int) -> dict[str, list[float]]:
    """Keystroke → the new article drawn on the terminal, per key, in a real process."""
    terminal = Terminal([sys.executable, "-m", "sco_reader", *args, "--no-state"])
    timings: dict[str, list[float]] = {"j": [], "]": [], "G/g": [], "o": [], "d jump": []}
    try:
        terminal.read_until(re.compile(re.escape(loaded)))
        terminal.drain(1.0)
        position = re.compile(rb"([\d,]+) / %s\b" % re.escape(f"{total:,}".encode()))

        at = 1

        def moved(data: bytes, name: str) -> None:
            nonlocal at
            seconds, match = terminal.press(data, position)
            timings[name].append(seconds)
            at = int(match.group(1).replace(b",", b""))

        for _ in range(repeats):
            if at >= total:
                moved(b"g", "G/g")
            moved(b"j", "j")
        moved(b"g", "G/g")
        days = archive_days(args)
        dates = len(days)
        for _ in range(repeats):
            if len(timings["]"]) % (dates - 1) == dates - 2:
                moved(b"g", "G/g")
            moved(b"]", "]")
        for n in range(repeats):
            moved(b"G" if n % 2 == 0 else b"g", "G/g")
        for n in range(max(4, repeats // 10)):
            label = b"newest first" if n % 2 == 0 else b"oldest first"
            seconds, _ = terminal.press(b"o", re.compile(label))
            timings["o"].append(seconds)
        for n in range(max(4, repeats // 10)):
            terminal.press(b"d", re.compile(rb"Go to date"))
            os.write(terminal.master, days[(n * 7919 + len(days) // 2) % len(days)].isoformat().encode())
            terminal.drain(0.2)
            seconds, _ = terminal.press(b"\r", position)
            timings["d jump"].append(seconds)
    finally:
        terminal.close()
    return timings


def archive_days(args: list[str]) -> list[date]:
    """The dates of the daily files (``YYYY-MM-DD.txt``), as generated archives and the seed name them."""
    found = set()
    for arg in args:
        for path in Path(arg).rglob("*.txt") if Path(arg).is_dir() else [Path(arg)]:
            match = re.search(r"(\d{4})-(\d{2})-(\d{2})", path.name)
            if match:
                found.add(date(*map(int, match.groups())))
    return sorted(found) or [date(2024, 7, 3), date(2024, 7, 4), date(2024, 7, 5)]


def minimal_key_latency(repeats: int) -> list[float]:
    """Keystroke → redraw for a minimal Textual app whose key updates one Static: the floor."""
    terminal = Terminal([sys.executable, "-c", MINIMAL_APP])
    times: list[float] = []
    try:
        terminal.read_until(re.compile(rb"ready 1 / 1000000"))
        terminal.drain(0.5)
        for _ in range(repeats):
            seconds, _ = terminal.press(b"j", re.compile(rb"ready \d+ / 1000000"))
            times.append(seconds)
    finally:
        terminal.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=60, help="presses per key")
    parser.add_argument("--archive-root", type=Path, help="use <root>/<N>/ instead of generated archives")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",") if s]
    # Every reader process shares one index cache of our own, built before any timing: warm opens are measured
    # here (bench_index.py measures the cold build).
    os.environ["SCO_READER_CACHE"] = tempfile.mkdtemp(prefix="bench-app-cache-")

    minimal = minimal_first_screen(options.runs)
    floor_keys = minimal_key_latency(options.keys)
    seed = first_screen(["seeds"], options.runs, None)
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}",
        "minimal_first_frame_s": minimal,
        "minimal_key_s": {"p50": statistics.median(floor_keys), "p95": percentile(floor_keys, 0.95)},
        "seed": {**seed, "ratio_to_minimal": seed["first_frame_s"] / minimal},
        "archives": {},
    }
    rows = [
        "| input | first frame | vs minimal app | fully loaded | peak RSS | j p50/p95 | ] p50/p95 | G/g p50/p95 | o p50/p95 | d-jump p50/p95 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f} / {percentile(values, 0.95) * 1000:.1f} ms"

    rows.append(
        f"| minimal Textual app (floor) | {minimal * 1000:.0f} ms | 1.00× | — | — | {ms(floor_keys)} | | | | |"
    )
    seed_keys = key_latencies(["seeds"], 9, b"1 / 9", options.keys)
    results["seed"]["keys"] = {k: {"p50": statistics.median(v), "p95": percentile(v, 0.95)} for k, v in seed_keys.items()}  # type: ignore[index]
    rows.append(
        f"| seed (9 articles) | {seed['first_frame_s'] * 1000:.0f} ms | {seed['first_frame_s'] / minimal:.2f}× "
        f"({minimal * 1000:.0f} ms) | — | {seed.get('peak_rss_mb', 0):.0f} MB | "
        + " | ".join(ms(seed_keys[k]) for k in ("j", "]", "G/g", "o", "d jump"))
        + " |"
    )
    for size in sizes:
        path = options.archive_root / str(size) if options.archive_root else archive(size)
        subprocess.run([sys.executable, "-m", "sco_reader", "--list", str(path), "--no-state"], stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
        files = sum(1 for _ in path.rglob("*.txt"))
        mb = sum(p.stat().st_size for p in path.rglob("*.txt")) / 1e6
        loaded_marker = f"{size:,} articles from {files:,} files".encode()
        screen = first_screen([str(path)], max(1, options.runs // 2) if size >= 100_000 else options.runs, loaded_marker)
        keys = key_latencies([str(path)], size, loaded_marker, options.keys)
        results["archives"][str(size)] = {  # type: ignore[index]
            **screen,
            "files": files,
            "megabytes": mb,
            "keys": {k: {"p50": statistics.median(v), "p95": percentile(v, 0.95)} for k, v in keys.items()},
        }
        rows.append(
            f"| {size:,} articles ({files:,} files, {mb:.0f} MB) | {screen['first_frame_s'] * 1000:.0f} ms | "
            f"{screen['first_frame_s'] / minimal:.2f}× | {screen['loaded_s']:.2f} s | {screen.get('peak_rss_mb', 0):.0f} MB | "
            + " | ".join(ms(keys[k]) for k in ("j", "]", "G/g", "o", "d jump"))
            + " |"
        )
    print(f"Machine: {results['machine']}\n")
    print("\n".join(rows))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
