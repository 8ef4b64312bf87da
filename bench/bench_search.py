"""Benchmark the search engine: index build time and per-keystroke latency.

    python bench/bench_search.py [--sizes 1000,10000,100000] [--limit 50] [--json PATH]

Builds synthetic archives of N articles in memory (the seed bulletin plus generated
look-alikes from ``tests/relevance/distractors.py``, ~10 paragraphs of ~40 words each),
then types ~20 realistic queries one character at a time, timing every
``SearchEngine.search(prefix, limit)`` call. When ``fzf`` is installed it also times
``fzf --filter PREFIX`` over the same headlines (one process per keystroke, as a script
would use it). Prints a markdown table; ``--json`` writes the raw numbers.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "relevance"))

from sco_reader.loader import bundled_seeds, load_library  # noqa: E402
from sco_reader.search import SearchEngine  # noqa: E402

QUERIES = [
    "putin tokayev",
    "yermek",
    "tokaev",
    "belaurs",
    "sumit begns",
    "turkiye",
    "2024-25",
    "10th member",
    "xi cold war mentality",
    "spiritual relics",
    "astana declaration",
    "kazakhstan hands over presidency",
    "^sco summit",
    "'anti-drug",
    "belarus !csto",
    "xi | putin astana",
    "tokayev @2024-07-04",
    "токаев путин",
    "шыу торагалыгын",
    "energy cooperation agreement",
]


def build_archive(size: int) -> list:
    """The seed plus ``size - 9`` generated articles."""
    seed = list(load_library(bundled_seeds()).articles)
    from distractors import iter_distractors

    generated = list(iter_distractors(max(0, size - len(seed)), seed=7, paragraphs=(8, 12)))
    return seed + generated


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def keystrokes() -> list[str]:
    return [q[:i] for q in QUERIES for i in range(1, len(q) + 1)]


def bench_engine(articles: list, limit: int) -> dict:
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    engine = SearchEngine(articles)
    headlines = time.perf_counter() - start
    start = time.perf_counter()
    engine.index_pending()
    bodies = time.perf_counter() - start
    start = time.perf_counter()
    engine.search("a", limit=limit)  # first search: vocabulary helpers built once
    first = time.perf_counter() - start
    index_mb = rss_mb() - before
    latencies = []
    for text in keystrokes():
        start = time.perf_counter()
        engine.search(text, limit=limit)
        latencies.append((time.perf_counter() - start) * 1000)
    return {
        "articles": len(articles),
        "build_headlines_s": headlines,
        "build_bodies_s": bodies,
        "first_search_s": first,
        "index_rss_mb": index_mb,
        "keystrokes": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies),
    }


def bench_fzf(articles: list) -> dict | None:
    fzf = shutil.which("fzf")
    if fzf is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as out:
        for article in articles:
            out.write(article.headline.replace("\n", " ") + "\n")
        path = out.name
    latencies = []
    try:
        for text in keystrokes():
            with open(path, "rb") as source:
                start = time.perf_counter()
                subprocess.run([fzf, "--filter", text], stdin=source, stdout=subprocess.DEVNULL, check=False)
                latencies.append((time.perf_counter() - start) * 1000)
    finally:
        os.unlink(path)
    return {"p50_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 95), "max_ms": max(latencies)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated archive sizes")
    parser.add_argument("--limit", type=int, default=50, help="hits asked for per keystroke (default 50)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for size in sizes:
        start = time.perf_counter()
        articles = build_archive(size)
        generated = time.perf_counter() - start
        row = bench_engine(articles, args.limit)
        row["generate_s"] = generated
        row["fzf"] = bench_fzf(articles)
        results.append(row)
        print(f"# {size}: done", file=sys.stderr)
        del articles
        gc.collect()
    fzf_version = None
    if shutil.which("fzf"):
        fzf_version = subprocess.run(["fzf", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"\n{len(keystrokes())} keystrokes ({len(QUERIES)} queries typed one character at a time), limit={args.limit}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, fzf {fzf_version or 'not installed'}\n")
    print("| articles | headline index s | body index s | first search s | index RSS MB | p50 ms | p95 ms | max ms | fzf --filter p50 ms | fzf p95 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        f = r["fzf"] or {}
        print(
            f"| {r['articles']:,} | {r['build_headlines_s']:.2f} | {r['build_bodies_s']:.2f} | {r['first_search_s']:.3f} "
            f"| {r['index_rss_mb']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['max_ms']:.1f} "
            f"| {f.get('p50_ms', float('nan')):.1f} | {f.get('p95_ms', float('nan')):.1f} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"limit": args.limit, "fzf": fzf_version, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
