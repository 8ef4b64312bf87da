"""Benchmark the archive views: building their data and opening the calendar, year view and trend chart.

    python bench/bench_views.py [--sizes 100000,1000000] [--runs 20] [--size 120x40]
                                [--archive /work/archives/100000] [--json PATH]

For each size, a synthetic decade (1 Jan 2015 – 31 Dec 2024, 3,653 days) holding that many
articles, as the app hands it over: a ``Mapping[date, DayCount]`` (these screens draw days,
never articles, so 1M articles cost what 100k cost). Times, median and p95 over ``--runs``:

* **day map** — ``DayMap.build`` (span, shading ranks, sorted days);
* **tally / bucket** — ``trends.count_runs`` over the per-day counts, ``trends.bucket`` by day,
  week and month; and ``trends.count_dates`` over one date per article (the cost the app avoids
  by passing per-day runs; shown for scale);
* **open** — in a headless app at ``--size``: from ``push_screen`` until the screen's first frame
  has been composed (``call_after_refresh``; no sleeping), for the go-to-date calendar, the year
  view and the trend chart (which buckets the decade by day on opening), next to the plain
  go-to-date prompt as the floor of any dialog; the first two opens of each (CSS parsing,
  imports) are left out;
* **key** — one cursor move (a day in the calendar, a week in the year view, a period in the
  chart) until its frame has been composed.

With ``--archive DIR`` it also loads a real archive and, for a few queries, times the search
as the overlay runs it (best 200), the search for every hit ranked (``search(query, None)``),
and the trend's own cost on top of having the hits (``count_dates`` of their dates and one
``bucket``); the target is ≤ 20 ms over the search.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sco_reader.days import DayCount, DayMap  # noqa: E402
from sco_reader.trends import bucket, count_dates, count_runs, suggest_granularity  # noqa: E402

FIRST, LAST = date(2015, 1, 1), date(2024, 12, 31)
QUERIES = ("summit", "putin tokayev", "belaurs", "@2024", "astana declaration")


def decade(articles: int) -> dict[date, DayCount]:
    """A deterministic decade of days holding about ``articles`` articles (weekends quieter, some unread)."""
    span = (LAST - FIRST).days + 1
    days = [FIRST + timedelta(days=n) for n in range(span)]
    weights = [(0.4 if day.weekday() >= 5 else 1.15) * (0.6 + ((n * 7919) % 101) / 125) for n, day in enumerate(days)]
    scale = articles / sum(weights)
    result: dict[date, DayCount] = {}
    for day, weight in zip(days, weights):
        count = max(1, round(weight * scale))
        result[day] = DayCount(count, count // 3 if day.year == 2024 else 0)
    return result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary(values: list[float]) -> dict[str, float]:
    """Median and p95 in milliseconds."""
    ms = [v * 1000 for v in values]
    return {"p50_ms": statistics.median(ms), "p95_ms": percentile(ms, 95), "runs": len(ms)}


def timed(function: Callable[[], object], runs: int) -> dict[str, float]:
    values = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        values.append(time.perf_counter() - start)
    return summary(values)


def time_per_article_count(days: dict[date, DayCount], runs: int) -> dict[str, float]:
    """``count_dates`` over one date per article (what passing per-day runs avoids)."""
    per_article = [day for day, count in days.items() for _ in range(count.articles)]
    return timed(lambda: count_dates(per_article), runs)


async def screen_timings(days: dict[date, DayCount], runs: int, size: tuple[int, int]) -> dict[str, Any]:
    """Open each screen ``runs`` times in one headless app; time to its first composed frame and per key."""
    from textual.app import App

    from sco_reader.screens import GotoDateScreen, TrendScreen, YearScreen
    from sco_reader.widgets.calendar import MonthCalendar, YearView
    from sco_reader.widgets.chart import BarChart

    tally = count_runs((day, count.articles) for day, count in days.items())
    today, current = date(2024, 12, 31), date(2020, 6, 15)
    makers: dict[str, Callable[[], Any]] = {
        "prompt (no calendar)": lambda: GotoDateScreen(lambda typed: (True, typed)),
        "calendar": lambda: GotoDateScreen(lambda typed: (True, typed), days, today=today, current=current),
        "year view": lambda: YearScreen(days, today=today, current=current),
        "trend (by day)": lambda: TrendScreen(tally, "summit", first=FIRST, last=LAST, by="day"),
    }
    moves: dict[str, Callable[[Any], None]] = {
        "prompt (no calendar)": lambda screen: None,
        "calendar": lambda screen: screen.query_one(MonthCalendar).action_move(1),
        "year view": lambda screen: screen.query_one(YearView).action_move(7),
        "trend (by day)": lambda screen: screen.query_one(BarChart).action_move(-1),
    }
    results: dict[str, Any] = {}

    class Bench(App[None]):
        HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (50, "-narrow"), (80, "-wide")]  # as the reader's

        async def on_mount(self) -> None:
            loop = asyncio.get_running_loop()

            async def frame(action: Callable[[], Awaitable[object] | None]) -> float:
                """Seconds from ``action`` until the frame after it has been composed."""
                done: asyncio.Future[float] = loop.create_future()
                start = time.perf_counter()
                pending = action()
                if pending is not None:
                    await pending
                self.screen.call_after_refresh(lambda: done.done() or done.set_result(time.perf_counter()))
                return (await done) - start

            for name, make in makers.items():
                opens, keys = [], []
                for run in range(runs + 2):
                    screen = make()
                    opened = await frame(lambda: self.push_screen(screen))
                    if run >= 2:  # the first two opens also parse CSS and import: measured apart
                        opens.append(opened)
                    for _ in range(5):
                        keys.append(await frame(lambda: moves[name](screen)))
                    await self.pop_screen()
                results[name] = {"open": summary(opens), "key": summary(keys)}
            self.exit()

    await Bench().run_async(headless=True, size=size)
    return results


def archive_trends(path: Path, runs: int) -> list[dict[str, Any]]:
    """Search vs. trend-on-top for a few queries over a real archive."""
    from sco_reader.loader import load_library
    from sco_reader.search import SearchEngine

    files = sorted(path.rglob("*.txt"))
    start = time.perf_counter()
    library = load_library(files)
    print(f"# loaded {len(library.articles):,} articles in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    engine = SearchEngine(library.articles)
    engine.index_pending()
    articles = library.articles
    dated = [a.date for a in articles if a.date is not None]
    first, last = min(dated), max(dated)
    rows = []
    for query in QUERIES:
        engine.search(query, None)  # warm caches, as after typing the query
        searches, trends, ranked200 = [], [], []
        hits: list[Any] = []
        for _ in range(runs):
            t0 = time.perf_counter()
            hits = engine.search(query, None)
            t1 = time.perf_counter()
            tally = count_dates(articles[hit.index].date for hit in hits)
            bucket(tally, suggest_granularity(first, last), first, last)
            t2 = time.perf_counter()
            engine.search(query, 200)
            t3 = time.perf_counter()
            searches.append(t1 - t0)
            trends.append(t2 - t1)
            ranked200.append(t3 - t2)
        rows.append(
            {
                "query": query,
                "hits": len(hits),
                "search_all": summary(searches),
                "search_200": summary(ranked200),
                "trend_on_top": summary(trends),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated article counts over the decade")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", default="120x40", help="terminal size for opening the screens")
    parser.add_argument("--archive", type=Path, help="a real archive directory for the search-vs-trend comparison")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    results: list[dict[str, Any]] = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        days = decade(size)
        articles = sum(count.articles for count in days.values())
        row: dict[str, Any] = {"articles": articles, "days": len(days)}
        row["day map"] = timed(lambda: DayMap.build(days), args.runs)
        row["count_runs"] = timed(lambda: count_runs((d, c.articles) for d, c in days.items()), args.runs)
        tally = count_runs((d, c.articles) for d, c in days.items())
        for by in ("day", "week", "month"):
            row[f"bucket by {by}"] = timed(lambda by=by: bucket(tally, by), args.runs)  # type: ignore[misc]
        row["count_dates (per article)"] = time_per_article_count(days, max(3, args.runs // 4))
        row["screens"] = asyncio.run(screen_timings(days, args.runs, (columns, rows)))
        results.append(row)
        print(f"# {articles:,}: done", file=sys.stderr)

    print(f"\nA decade of days ({FIRST} – {LAST}), {args.runs} runs, terminal {columns}×{rows}, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; milliseconds, median / p95\n")
    print("| articles | day map | count_runs | bucket day / week / month (p50) | count_dates per article "
          "| open prompt (floor) | open calendar | open year view | open trend (by day) | key calendar | key year | key trend |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        s = r["screens"]

        def cell(v: dict[str, float]) -> str:
            return f"{v['p50_ms']:.1f} / {v['p95_ms']:.1f}"

        buckets = " · ".join(f"{r[f'bucket by {by}']['p50_ms']:.1f}" for by in ("day", "week", "month"))
        print(
            f"| {r['articles']:,} | {cell(r['day map'])} | {cell(r['count_runs'])} | {buckets} "
            f"| {cell(r['count_dates (per article)'])} | {cell(s['prompt (no calendar)']['open'])} | {cell(s['calendar']['open'])} | {cell(s['year view']['open'])} "
            f"| {cell(s['trend (by day)']['open'])} | {cell(s['calendar']['key'])} | {cell(s['year view']['key'])} "
            f"| {cell(s['trend (by day)']['key'])} |"
        )
    archive: list[dict[str, Any]] = []
    if args.archive:
        archive = archive_trends(args.archive, max(3, args.runs // 4))
        print(f"\nSearch vs. trend on a real archive ({args.archive}); milliseconds, median / p95\n")
        print("| query | hits | search, best 200 (the overlay's) | search, all hits ranked | trend on top: count hits' dates + bucket |")
        print("|---|---:|---:|---:|---:|")
        for a in archive:
            print(
                f"| `{a['query']}` | {a['hits']:,} | {a['search_200']['p50_ms']:.1f} / {a['search_200']['p95_ms']:.1f} "
                f"| {a['search_all']['p50_ms']:.1f} / {a['search_all']['p95_ms']:.1f} "
                f"| {a['trend_on_top']['p50_ms']:.1f} / {a['trend_on_top']['p95_ms']:.1f} |"
            )
    if args.json:
        args.json.write_text(json.dumps({"results": results, "archive": archive}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
