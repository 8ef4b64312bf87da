"""Benchmark the search engine: index build time and per-keystroke latency.

    python bench/bench_search.py [--sizes 1000,10000,100000] [--source generate,heavy]
                                 [--limit 50] [--json PATH]

Builds archives of N articles in memory (the seed bulletin plus generated articles), then
types ~20 realistic queries one character at a time, timing every
``SearchEngine.search(prefix, limit)`` call (the garbage collector left on, caches warm
as they are while typing). Sources:

* ``generate`` — ``bench/generate.py`` (the shared generator; ~9 short paragraphs, ~500
  characters of body per article, like the 57 MB / 100k reference archive);
* ``heavy`` — ``tests/relevance/distractors.py`` with 8–12 paragraphs of ~40 words
  (~3 KB of body per article, a large vocabulary tail of names).

When ``fzf`` is installed it also times ``fzf --filter PREFIX`` over the same headlines
(one process per keystroke, as a script would use it, so start-up and reading the input are
included). Prints a markdown table; ``--json`` writes the raw numbers.
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

from sco_reader.loader import bundled_seeds, load_library  # noqa: E402
from sco_reader.model import Article, content_key  # noqa: E402
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


def build_archive(size: int, source: str = "generate") -> list[Article]:
    """The seed plus ``size - 9`` generated articles from ``source``."""
    seed = list(load_library(bundled_seeds()).articles)
    count = max(0, size - len(seed))
    if source == "generate":
        from bench.generate import generate_articles

        generated = []
        for line, g in enumerate(generate_articles(count, seed=0), start=1):
            key = content_key(g.headline, g.date, g.paragraphs[0] if g.paragraphs else "")
            generated.append(Article(key, g.date, g.time, g.headline, g.paragraphs, "generated", line, key))
    elif source == "heavy":
        from tests.relevance.distractors import iter_distractors

        generated = list(iter_distractors(count, seed=7, paragraphs=(8, 12)))
    else:
        raise SystemExit(f"unknown source {source!r} (generate or heavy)")
    return seed + generated


def available_sources() -> list[str]:
    try:
        from bench.generate import generate_articles  # noqa: F401
    except ImportError:
        return ["heavy"]
    return ["generate", "heavy"]


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


def bench_engine(articles: list, limit: int | None) -> dict:
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
    texts = keystrokes()
    collections = []

    def watch(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            collections.append(time.perf_counter())

    gc.callbacks.append(watch)
    try:
        for text in texts:
            start = time.perf_counter()
            engine.search(text, limit=limit)
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        gc.callbacks.remove(watch)
    pauses = [(b - a) * 1000 for a, b in zip(collections[::2], collections[1::2])]
    slowest = sorted(zip(latencies, texts), reverse=True)[:5]
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
        "slowest": [[round(ms, 1), text] for ms, text in slowest],
        "full_gc_pauses_ms": [round(p, 1) for p in pauses],
        "cache_rss_mb": rss_mb() - before - index_mb,
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
    parser.add_argument("--source", default=available_sources()[0], help="generate, heavy or both comma-separated")
    parser.add_argument("--limit", default="50", help="hits asked for per keystroke (default 50; 'none' for all)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    limit = None if args.limit.lower() == "none" else int(args.limit)
    results = []
    for source in [s.strip() for s in args.source.split(",") if s.strip()]:
        for size in sizes:
            start = time.perf_counter()
            articles = build_archive(size, source)
            generated = time.perf_counter() - start
            body_chars = sum(len(p) for a in articles for p in a.paragraphs) / max(1, len(articles))
            row = bench_engine(articles, limit)
            row.update(source=source, generate_s=generated, body_chars_per_article=body_chars)
            row["fzf"] = bench_fzf(articles)
            results.append(row)
            print(f"# {source} {size}: done", file=sys.stderr)
            del articles
            gc.collect()
    fzf_version = None
    if shutil.which("fzf"):
        fzf_version = subprocess.run(["fzf", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"\n{len(keystrokes())} keystrokes ({len(QUERIES)} queries typed one character at a time), limit={limit}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, fzf {fzf_version or 'not installed'}\n")
    print("| source | articles | body chars/article | headline index s | body index s | first search s | index RSS MB "
          "| p50 ms | p95 ms | max ms | fzf --filter p50 ms | fzf p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        f = r["fzf"] or {}
        print(
            f"| {r['source']} | {r['articles']:,} | {r['body_chars_per_article']:.0f} | {r['build_headlines_s']:.2f} "
            f"| {r['build_bodies_s']:.2f} | {r['first_search_s']:.3f} "
            f"| {r['index_rss_mb']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['max_ms']:.1f} "
            f"| {f.get('p50_ms', float('nan')):.1f} | {f.get('p95_ms', float('nan')):.1f} |"
        )
    print()
    for r in results:
        pauses = ", ".join(f"{p:.0f}" for p in r["full_gc_pauses_ms"]) or "none"
        slow = ", ".join(f"{text!r} {ms:.0f}" for ms, text in r["slowest"][:3])
        print(f"- {r['source']} {r['articles']:,}: slowest keystrokes (ms) {slow}; full GC pauses during typing (ms): {pauses}")
    if args.json:
        args.json.write_text(json.dumps({"limit": limit, "fzf": fzf_version, "results": results}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
