"""Benchmark exporting a whole archive as Markdown and as HTML.

    python bench/bench_export.py [ARCHIVE_DIR...] [--json PATH]

Each archive runs in a fresh interpreter: load it (not timed), put the articles in
timeline order, then for each format write the whole archive to a file in a temporary
directory (timed: seconds, MB written, MB/s, articles/s) and once more to ``/dev/null``
under ``tracemalloc`` started after loading, whose peak is the memory the export itself
allocated at any one time (bounded: it must not grow with the archive). Without
arguments it uses ``/work/archives/<n>`` for the sizes that exist, else the generated
``bench/archives/10000``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _worker(root: str) -> None:
    """Runs in a fresh interpreter; prints one JSON line."""
    from sco_reader.export import write_html, write_markdown
    from sco_reader.loader import load_library

    started = time.perf_counter()
    library = load_library([root])
    load_s = time.perf_counter() - started
    articles = library.articles
    order = library.chronological()

    def timeline() -> object:
        return (articles[i] for i in order)

    result: dict[str, object] = {"archive": root, "articles": len(articles), "load_s": round(load_s, 2)}
    for name, writer in (("markdown", write_markdown), ("html", write_html)):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / f"export.{name}"
            started = time.perf_counter()
            with open(path, "w", encoding="utf-8") as out:
                written = writer(out, timeline, title="Benchmark", description=root)
            seconds = time.perf_counter() - started
            size_mb = path.stat().st_size / 1e6
        tracemalloc.start()
        with open(os.devnull, "w", encoding="utf-8") as out:
            writer(out, timeline, title="Benchmark", description=root)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result[name] = {
            "written": written,
            "seconds": round(seconds, 2),
            "mb": round(size_mb, 1),
            "mb_per_s": round(size_mb / seconds, 1),
            "articles_per_s": round(written / seconds),
            "export_peak_kb": round(peak / 1024),
        }
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("archives", nargs="*")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker)
        return
    archives = args.archives or [
        str(p) for n in (1000, 10000, 100000, 300000, 1000000) if (p := Path(f"/work/archives/{n}")).is_dir()
    ]
    if not archives:
        from bench.generate import archive

        archives = [str(archive(10000))]
    results = []
    print("| articles | load s | format | export s | MB | MB/s | articles/s | export peak (tracemalloc) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for root in archives:
        output = subprocess.run(
            [sys.executable, __file__, "--worker", root], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        for name in ("markdown", "html"):
            r = result[name]
            print(
                f"| {result['articles']:,} | {result['load_s']} | {name} | {r['seconds']} | {r['mb']} | "
                f"{r['mb_per_s']} | {r['articles_per_s']:,} | {r['export_peak_kb']:,} KB |",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
