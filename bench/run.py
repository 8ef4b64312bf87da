"""Run every benchmark and print one markdown report: ``python bench/run.py``.

    python bench/run.py [--sizes 1000,10000,100000] [--archives 100000,300000,1000000]
                        [--archive-root /work/archives] [--runs 5] [--update-readme]

Runs, each in its own process: parsing (``bench_load.py``, on ``--sizes``), the archive index
(``bench_index.py``), search per keystroke (``bench_search.py``) and the real app (``bench_app.py``:
first screen, keys, memory), the last two on ``--archives`` (generated under ``--archive-root`` with
``python -m bench.generate ROOT/N --articles N``, or in ``bench/archives/`` when no root is given).
Writes ``bench/results/latest.json`` (all numbers) and ``bench/results/latest.md`` (the
report); ``--update-readme`` also replaces the README's table between the
``<!-- bench:start -->`` and ``<!-- bench:end -->`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SUITES = (
    ("Parsing (no index)", "bench_load.py", True, False),
    ("The archive index: cold, warm, one new file, one-off search", "bench_index.py", True, True),
    ("Search, per keystroke", "bench_search.py", False, False),
    ("The reader: first screen, keys, memory", "bench_app.py", True, True),
)
"""(title, script, whether it takes ``--runs``, whether it runs on the large archives)."""


def machine() -> str:
    """CPU model, cores, memory, Python: the line the README shows under the table."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.system()}"


def run_suite(script: str, args: list[str], out: Path) -> str:
    """Run one benchmark script; its markdown output (tables) and JSON file."""
    command = [sys.executable, str(HERE / script), *args, "--json", str(out)]
    print("+", " ".join(command[1:]), file=sys.stderr, flush=True)
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"{script} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--archives", default="100000,300000,1000000")
    parser.add_argument("--archive-root", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--update-readme", action="store_true")
    options = parser.parse_args()

    results: dict[str, object] = {
        "machine": machine(),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "sizes": options.sizes,
    }
    sections = [f"Measured {results['date']} on {results['machine']} (`python bench/run.py`).", ""]
    with tempfile.TemporaryDirectory() as scratch:
        for title, script, takes_runs, large in SUITES:
            out = Path(scratch) / (script + ".json")
            args = ["--sizes", options.archives if large else options.sizes]
            args += ["--runs", str(options.runs)] if takes_runs else []
            args += ["--archive-root", str(options.archive_root)] if large and options.archive_root else []
            text = run_suite(script, args, out)
            results[script.removesuffix(".py")] = json.loads(out.read_text()) if out.exists() else None
            sections += [f"### {title}", "", text, ""]
    report = "\n".join(sections).rstrip() + "\n"
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    (HERE / "results" / "latest.md").write_text(report)
    print(report)
    if options.update_readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        updated, count = re.subn(
            r"<!-- bench:start -->.*?<!-- bench:end -->",
            lambda _: f"<!-- bench:start -->\n{report}<!-- bench:end -->",
            text,
            flags=re.S,
        )
        if count != 1:
            raise SystemExit("README.md has no <!-- bench:start --> … <!-- bench:end --> section")
        readme.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
