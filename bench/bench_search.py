"""Benchmark the search engine: index build time and per-keystroke latency.

    python bench/bench_search.py [--sizes 1000,10000,100000] [--source generate,heavy]
                                 [--limit 50] [--json PATH]
    python bench/bench_search.py --archives 100000,300000,1000000 [--archive-root /work/archives]
                                 [--index-root DIR] [--rebuild] [--json PATH]

The first form indexes in memory (as the app does with a list of articles). The second reads
the generated archive directories ``ARCHIVE_ROOT/<N>/`` (files parsed with
``loader.load_file``), builds segments (one per 100,000 articles, then merged into one),
saves the index and a flat on-disk corpus (``bench/search_corpus.py``) under
``INDEX_ROOT/<N>/`` (reused when present), and measures, each in a fresh process: a one-off
search (load the index + first query, wall time and peak RSS), typing the queries below
over the loaded index, ``matching()`` against ``search()`` on the same queries (caches
cleared before each), and ``related()`` for 200 articles.

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
    parser.add_argument("--archives", help="comma-separated archive sizes: benchmark a saved index over ARCHIVE_ROOT/<N>")
    parser.add_argument("--archive-root", type=Path, default=Path(os.environ.get("SCO_ARCHIVES", "/work/archives")))
    parser.add_argument("--index-root", type=Path, default=Path(tempfile.gettempdir()) / "sco-search-bench")
    parser.add_argument("--rebuild", action="store_true", help="rebuild saved indexes even when present")
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("--child-"):
        return archive_main(argv)
    args = parser.parse_args(argv)
    if args.archives:
        limit = None if args.limit.lower() == "none" else int(args.limit)
        sizes = [int(s) for s in args.archives.split(",") if s.strip()]
        rows = bench_archives(sizes, args.archive_root, args.index_root, args.rebuild, limit)
        print_archives(rows, limit)
        if args.json:
            args.json.write_text(json.dumps({"limit": limit, "archives": rows}, indent=2, ensure_ascii=False))
        return 0
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



# --------------------------------------------------------------------------- persistent index over archives

ONEOFF_QUERIES = ["sumit begns", "tokayev putin", "kazakhstan hands over presidency", "@2024-07-04"]
"""Each is run in three fresh processes (load the index, search once, print ten lines); the median is reported."""
CHUNK = 100_000
"""Articles per segment while building (the segments are then merged into one)."""


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_index(archive: Path, out: Path) -> dict:
    """Parse ``archive``, build and merge segments, save ``index.seg`` and the bench corpus store."""
    from bench.search_corpus import StoreWriter
    from sco_reader.loader import discover, load_file
    from sco_reader.search import SegmentBuilder, merge_segments

    out.mkdir(parents=True, exist_ok=True)
    writer = StoreWriter(out / "store")
    segments = []
    builder = SegmentBuilder(0)
    parse_s = index_s = finish_s = 0.0
    count = 0
    gc.disable()
    try:
        for path in discover([archive]):
            start = time.perf_counter()
            parsed = load_file(path)
            for article in parsed.articles:
                writer.add(article)
            middle = time.perf_counter()
            for article in parsed.articles:
                builder.add(article.headline, article.paragraphs)
            count += len(parsed.articles)
            end = time.perf_counter()
            parse_s += middle - start
            index_s += end - middle
            if builder.count >= CHUNK:
                segments.append(builder.finish())
                builder = SegmentBuilder(count)
                finish_s += time.perf_counter() - end
        start = time.perf_counter()
        if builder.count:
            segments.append(builder.finish())
        finish_s += time.perf_counter() - start
        writer.close()
        start = time.perf_counter()
        merged = merge_segments(segments) if len(segments) > 1 else segments[0]
        merge_s = time.perf_counter() - start
        start = time.perf_counter()
        merged.save(out / "index.seg")
        save_s = time.perf_counter() - start
        start = time.perf_counter()
        merged.verify()
        verify_s = time.perf_counter() - start
    finally:
        gc.enable()
    manifest = {
        "articles": count,
        "segments_merged": len(segments),
        "parse_and_store_s": parse_s,
        "tokenise_s": index_s,
        "finish_s": finish_s,
        "merge_s": merge_s,
        "save_s": save_s,
        "verify_s": verify_s,
        "index_mb": (out / "index.seg").stat().st_size / 1e6,
        "vocabulary": merged.vocabulary_size,
        "build_peak_rss_mb": peak_rss_mb(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def open_engine(directory: Path):  # type: ignore[no-untyped-def]
    """``(engine, load seconds)``: the saved index and bench corpus, as a fresh process opens them."""
    from bench.search_corpus import StoreCorpus
    from sco_reader.search import SearchEngine, Segment

    start = time.perf_counter()
    segment = Segment.load(directory / "index.seg")
    open_engine.segment_s = time.perf_counter() - start  # type: ignore[attr-defined]
    corpus = StoreCorpus(directory / "store")
    engine = SearchEngine(corpus, segments=[segment])
    return engine, time.perf_counter() - start


def child_oneoff(directory: Path, query: str) -> dict:
    start = time.perf_counter()
    engine, load_s = open_engine(directory)
    first = time.perf_counter()
    hits = engine.search(query, limit=10)
    lines = [f"{engine.corpus.date(h.index)}  {engine.corpus.headline(h.index)}" for h in hits]
    query_s = time.perf_counter() - first
    return {"query": query, "load_ms": load_s * 1000, "segment_ms": open_engine.segment_s * 1000,  # type: ignore[attr-defined]
            "query_ms": query_s * 1000,
            "in_process_ms": (time.perf_counter() - start) * 1000, "hits": len(lines), "total": engine.last_total,
            "peak_rss_mb": peak_rss_mb()}


def child_session(directory: Path, limit: int | None) -> dict:
    import random

    engine, load_s = open_engine(directory)
    after_load = rss_mb()
    latencies = []
    texts = keystrokes()
    for text in texts:
        start = time.perf_counter()
        engine.search(text, limit=limit)
        latencies.append((time.perf_counter() - start) * 1000)
    slowest = sorted(zip(latencies, texts), reverse=True)[:5]
    compare = []
    for query in QUERIES:
        engine.clear_caches()
        start = time.perf_counter()
        engine.search(query, limit=limit)
        searched = time.perf_counter() - start
        engine.clear_caches()
        start = time.perf_counter()
        found = engine.matching(query)
        matched = time.perf_counter() - start
        compare.append({"query": query, "search_ms": searched * 1000, "matching_ms": matched * 1000, "matches": len(found)})
    rng = random.Random(7)
    picks = [rng.randrange(len(engine)) for _ in range(200)]
    related_ms = []
    for index in picks:
        start = time.perf_counter()
        engine.related(index, 10)
        related_ms.append((time.perf_counter() - start) * 1000)
    return {
        "articles": len(engine),
        "load_ms": load_s * 1000,
        "segment_ms": open_engine.segment_s * 1000,  # type: ignore[attr-defined]
        "rss_after_load_mb": after_load,
        "keystrokes": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies),
        "slowest": [[round(ms, 1), text] for ms, text in slowest],
        "matching": compare,
        "matching_total_ms": sum(c["matching_ms"] for c in compare),
        "search_total_ms": sum(c["search_ms"] for c in compare),
        "related_p50_ms": statistics.median(related_ms),
        "related_p95_ms": percentile(related_ms, 95),
        "related_max_ms": max(related_ms),
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child(*args: str) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"child {args} failed:\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall_ms"] = (time.perf_counter() - start) * 1000
    return result


def bench_archives(sizes: list[int], archive_root: Path, index_root: Path, rebuild: bool, limit: int | None) -> list[dict]:
    rows = []
    for size in sizes:
        directory = index_root / str(size)
        manifest_path = directory / "manifest.json"
        if rebuild or not manifest_path.exists():
            print(f"# building the index of {archive_root / str(size)} …", file=sys.stderr)
            manifest = run_child("--child-build", str(archive_root / str(size)), str(directory))
        else:
            manifest = json.loads(manifest_path.read_text())
        oneoff = []
        for query in ONEOFF_QUERIES:  # three fresh processes each: the median, as the page cache warms
            runs = sorted((run_child("--child-oneoff", str(directory), query) for _ in range(3)),
                          key=lambda r: r["load_ms"] + r["query_ms"])
            oneoff.append({**runs[1], "first_ms": runs[-1]["load_ms"] + runs[-1]["query_ms"]})
        session = run_child("--child-session", str(directory), "none" if limit is None else str(limit))
        rows.append({"size": size, "build": manifest, "oneoff": oneoff, "session": session})
        print(f"# archive {size}: done", file=sys.stderr)
    return rows


def print_archives(rows: list[dict], limit: int | None) -> None:
    print(f"\nSaved index over generated archives (one merged segment), limit={limit}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs. One-off: the slowest of {len(ONEOFF_QUERIES)} queries, median of 3 fresh processes "
          "(process: the whole process, interpreter start and imports included).\n")
    print("| articles | parse s | index s | merge s | save s | index MB | vocabulary | index load ms | + corpus ms "
          "| one-off load+search ms | one-off peak RSS MB | p50 ms | p95 ms | max ms | related p50/p95 ms "
          "| matching/search ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        b, s, o = row["build"], row["session"], row["oneoff"]
        wall = max(x["process_wall_ms"] for x in o)
        print(
            f"| {b['articles']:,} | {b['parse_and_store_s']:.1f} | {b['tokenise_s'] + b['finish_s']:.1f} | {b['merge_s']:.1f} "
            f"| {b['save_s']:.1f} | {b['index_mb']:.0f} | {b['vocabulary']:,} | {s['segment_ms']:.1f} "
            f"| {s['load_ms'] - s['segment_ms']:.1f} "
            f"| {max(x['load_ms'] + x['query_ms'] for x in o):.0f} (process {wall:.0f}) "
            f"| {max(x['peak_rss_mb'] for x in o):.0f} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['max_ms']:.0f} "
            f"| {s['related_p50_ms']:.0f} / {s['related_p95_ms']:.0f} "
            f"| {s['matching_total_ms']:.0f} / {s['search_total_ms']:.0f} |"
        )
    print()
    for row in rows:
        s = row["session"]
        slow = ", ".join(f"{text!r} {ms:.0f}" for ms, text in s["slowest"][:3])
        oneoff = ", ".join(f"{x['query']!r} {x['load_ms']:.0f}+{x['query_ms']:.0f} ms" for x in row["oneoff"])
        print(f"- {row['size']:,}: slowest keystrokes (ms) {slow}; one-off (load+query) {oneoff}")


def archive_main(argv: list[str]) -> int:
    if argv[0] == "--child-build":
        print(json.dumps(build_index(Path(argv[1]), Path(argv[2]))))
        return 0
    if argv[0] == "--child-oneoff":
        print(json.dumps(child_oneoff(Path(argv[1]), argv[2])))
        return 0
    if argv[0] == "--child-session":
        limit = None if argv[2] == "none" else int(argv[2])
        print(json.dumps(child_session(Path(argv[1]), limit)))
        return 0
    raise SystemExit(f"unknown child {argv[0]}")


if __name__ == "__main__":
    raise SystemExit(main())
