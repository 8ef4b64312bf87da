"""The reader: a timeline of articles beside the article pane, driven by the keyboard.

Widgets only display and route: the library comes from the loader, matches from
the search engine, marks from the reading state. Large archives load in a
thread worker while the screen is already up.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static

from .loader import LoadError, display_name, gc_paused, load_file
from .library import Library
from .model import Article, ParsedBulletin
from .widgets.article import ArticleView, Highlighter, full_date
from .widgets.timeline import Timeline, heading_label

if TYPE_CHECKING:
    from .search import Hit, SearchEngine
    from .state import ReadingState

BATCH_SECONDS = 0.5
"""How often a loading worker hands parsed files to the screen."""
INDEX_SLICE = 0.003
"""Seconds of body indexing at a time in the background (a search finishes what is left at once)."""
SEARCH_LIMIT = 200
"""Hits the search overlay ranks and lists (and ``n``/``N`` step through); the count covers all."""

EXTRA_HELP = [
    ("Tab / Shift+Tab", "Move focus between timeline and article"),
    ("↓ / ↑ (article focused)", "Scroll the article a line"),
    ("Enter (timeline)", "Open the highlighted article in the pane"),
    ("Esc", "Close any overlay (search restores the previous article)"),
    ("Ctrl+P", "Command palette: go to a date, toggle order, sidebar, theme"),
    ("Mouse", "Click an entry to open it; the wheel scrolls"),
]


def _reader_commands():  # type: ignore[no-untyped-def]
    """The palette provider, imported when the palette first opens (keeps start-up light)."""
    from .commands import ReaderCommands

    return ReaderCommands


def _day(when: date | None) -> str:
    return heading_label(when) if when else "undated"


class ReaderApp(App[None]):
    """sco-reader: read bulletins by keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "sco-reader"
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (50, "-narrow"), (80, "-wide")]
    COMMANDS = App.COMMANDS | {_reader_commands}

    BINDINGS = [
        Binding("j,down", "next_article", "Next", key_display="j", tooltip="Next article (the pane follows)"),
        Binding("k,up", "previous_article", "Prev", key_display="k", tooltip="Previous article"),
        Binding("right_square_bracket", "next_date", "Next date", key_display="]", tooltip="First article of the next date"),
        Binding("left_square_bracket", "previous_date", "Prev date", key_display="[", tooltip="First article of this or the previous date"),
        Binding("g,home", "first_article", "First", show=False, tooltip="First article"),
        Binding("G,end", "last_article", "Last", show=False, tooltip="Last article"),
        Binding("d", "goto_date", "Date", tooltip="Go to a date: 2024-07-04, 04.07.2024, 04.07, 4 Jul, today, -2d"),
        Binding("slash", "search", "Search", key_display="/", tooltip="Fuzzy search headlines and text"),
        Binding("n", "next_hit", "Next hit", show=False, tooltip="Next match of the last search"),
        Binding("N", "previous_hit", "Prev hit", show=False, tooltip="Previous match of the last search"),
        Binding("o", "toggle_order", "Order", tooltip="Toggle oldest-first / newest-first"),
        Binding("space,pagedown", "page_down", "Page down", show=False, tooltip="Scroll the article; at its end, next article"),
        Binding("b,pageup", "page_up", "Page up", show=False, tooltip="Scroll the article back"),
        Binding("s", "toggle_sidebar", "Sidebar", show=False, tooltip="Show / hide the timeline sidebar"),
        Binding("y", "copy_article", "Copy", show=False, tooltip="Copy the article (headline, date, text) to the clipboard"),
        Binding("m", "toggle_read", "Read", show=False, tooltip="Toggle read / unread"),
        Binding("M", "mark_date_read", "Date read", show=False, tooltip="Mark every article of this date read"),
        Binding("f", "toggle_flag", "Flag", show=False, tooltip="Flag / unflag the article (★)"),
        Binding("F", "filter('flagged')", "Flagged", show=False, tooltip="Show only flagged articles (again: all)"),
        Binding("u", "filter('unread')", "Unread", show=False, tooltip="Show only unread articles (again: all)"),
        Binding("backspace", "history_back", "Back", show=False, tooltip="Back through the articles you opened"),
        Binding("shift+backspace,ctrl+backspace", "history_forward", "Forward", show=False, tooltip="Forward again in history"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="This help"),
        Binding("q", "quit", "Quit", tooltip="Quit (remembers where you were)"),
    ]

    newest_first: reactive[bool] = reactive(False, init=False)
    """Timeline order: oldest first (default) or newest first."""
    sidebar_wanted: reactive[bool | None] = reactive(None, init=False)
    """``None``: the sidebar follows the width (hidden under 50 columns); ``True``/``False``: the user chose."""
    filter_mode: reactive[str] = reactive("", init=False)
    """``""`` for all articles, ``"unread"`` or ``"flagged"``."""

    def __init__(
        self,
        files: Sequence[Path],
        *,
        encoding: str = "utf-8",
        library: Library | None = None,
        state: ReadingState | None = None,
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.files = list(files)
        self.encoding = encoding
        self.library = library or Library()
        self.preloaded = library is not None
        self.state = state
        self.startup_warnings = list(warnings)
        self.load_error: str | None = None
        """Set when a file failed to load in the background; the command prints it and exits 2."""
        self.loading = not self.preloaded
        self._chronological: list[int] = []
        """Article indexes oldest first (cached until the library grows)."""
        self._batch_interval = BATCH_SECONDS
        """Seconds between hand-overs from the loading worker; grows when showing a batch gets costly."""
        self._engine: SearchEngine | None = None
        self._engine_lock = threading.Lock()
        self._engine_size = 0
        self._read: set[str] = state.read_keys() if state else set()
        self._flagged: set[str] = state.flagged_keys() if state else set()
        self._by_key: dict[str, list[int]] = {}
        """Article indexes by content key (repeats of one article share marks)."""
        self._unread = 0
        """How many loaded articles are unread (kept up to date, never recounted)."""
        self._history: list[int] = []
        self._future: list[int] = []
        self._walk_target: int | None = None
        self.last_query = ""
        self.last_hits: list[Hit] = []
        self._hit_cursor = -1
        self._highlight_query = ""
        self._session = hashlib.blake2b(
            b"\n".join(sorted(os.fsencode(p.resolve()) for p in self.files)), digest_size=8
        ).hexdigest()
        self._resumed = False

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Timeline(id="timeline")
            yield ArticleView(id="article")
        if self.loading:
            from textual.widgets import ProgressBar

            yield ProgressBar(id="progress", show_eta=False)
            yield Static(id="progress-label", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        timeline = self.query_one(Timeline)
        timeline.set_marks(self._marks)
        for warning in self.startup_warnings:
            self.notify(warning, severity="warning", markup=False, timeout=8)
        if self.preloaded:
            self._library_grew(len(self.library.articles), start=0)
            self._loading_finished()
        else:
            self.query_one("#progress").update(total=len(self.files), progress=0)
            self._show_progress(0, 0)
            self._load()
        timeline.focus()

    # --- loading --------------------------------------------------------------------------

    class Loaded(Message):
        """Files parsed by the loading worker (posted from its thread, so it never waits for the screen)."""

        def __init__(self, batch: list[ParsedBulletin], files_done: int, finished: bool = False, error: str | None = None) -> None:
            self.batch = batch
            """Newly parsed files, in input order."""
            self.files_done = files_done
            """How many input files are parsed so far."""
            self.finished = finished
            """Whether this is the last batch."""
            self.error = error
            """A one-line error that ends the app (exit status 2)."""
            super().__init__()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        batch: list[ParsedBulletin] = []
        last = time.monotonic()
        total = len(self.files)
        with gc_paused():
            for number, path in enumerate(self.files, start=1):
                try:
                    batch.append(load_file(path, self.encoding))
                except LoadError as error:
                    self.post_message(self.Loaded([], number - 1, error=str(error)))
                    return
                except Exception as error:  # noqa: BLE001 - any failure must end the app cleanly, not hang it
                    self.post_message(self.Loaded([], number - 1, error=f"{display_name(path)}: cannot load: {error}"))
                    return
                now = time.monotonic()
                # The first file at once (something to read), then batches.
                if number == 1 or now - last >= self._batch_interval or number == total:
                    self.post_message(self.Loaded(batch, number, finished=number == total))
                    batch, last = [], now

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.error is not None:
            self._fail(message.error)
            return
        self._add_batch(message.batch, message.files_done)
        if message.finished:
            self._loading_finished()

    def _fail(self, message: str) -> None:
        self.load_error = message
        self.exit(return_code=2)

    def _add_batch(self, batch: list[ParsedBulletin], files_done: int) -> None:
        began = time.perf_counter()
        start = len(self.library.articles)
        for parsed in batch:
            self.library.add(parsed)
        self._library_grew(len(self.library.articles) - start, start)
        self.query_one("#progress").update(progress=files_done)
        self._show_progress(files_done, len(self.library.articles))
        # Keep the screen's share of loading small: hand over less often as batches grow costly.
        self._batch_interval = max(BATCH_SECONDS, 4 * (time.perf_counter() - began))

    def _show_progress(self, files_done: int, articles: int) -> None:
        label = self.query_one("#progress-label", Static)
        label.update(Text(f"Loading {files_done:,} / {len(self.files):,} files · {articles:,} articles"))

    def _library_grew(self, added: int, start: int) -> None:
        """Take in ``added`` new articles from index ``start``: sort keys, marks, timeline, title."""
        articles = self.library.articles
        by_key = self._by_key
        read = self._read
        for index in range(start, start + added):
            key = articles[index].key
            by_key.setdefault(key, []).append(index)
            if key not in read:
                self._unread += 1
        self._rebuild_timeline(opened=False)  # loading opens nothing; _resume decides once it is done
        self._update_title()

    def _loading_finished(self) -> None:
        gc.freeze()  # the library lives as long as the app: keep the collector off it
        was_loading, self.loading = self.loading, False
        if was_loading:
            self.query_one("#progress").remove()
            self.query_one("#progress-label", Static).remove()
        diagnostics = len(self.library.diagnostics)
        if diagnostics:
            self.notify(
                f"{diagnostics} loader diagnostic{'s' if diagnostics != 1 else ''}: run sco-reader --check to list them",
                severity="warning",
                markup=False,
                timeout=6,
            )
        self._update_title()
        self._resume()
        # Index for search once the screen is up: the worker shares the GIL with the UI.
        self.set_timer(0.5, self._build_engine)

    def _sync_engine(self) -> SearchEngine:
        """The search engine, covering every loaded article (call with the engine lock held)."""
        from .search import SearchEngine

        articles = self.library.articles
        if self._engine is None:
            self._engine = SearchEngine(articles[:])
        elif self._engine_size < len(articles):
            self._engine.extend(articles[self._engine_size :])
        self._engine_size = len(articles)
        return self._engine

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _build_engine(self) -> None:
        """Index headlines, then article bodies in short slices so the UI thread keeps the GIL."""
        with self._engine_lock:
            engine = self._sync_engine()
        while engine.pending:
            with self._engine_lock:
                engine.index_pending(budget=INDEX_SLICE)
            time.sleep(4 * INDEX_SLICE)  # a fifth of the interpreter at most: keys stay quick
        gc.freeze()  # the library and index live as long as the app: keep the collector off them

    def search_hits(self, query: str) -> tuple[list[Hit], int]:
        """The best :data:`SEARCH_LIMIT` hits for ``query`` and how many match in all (thread-safe)."""
        with self._engine_lock:
            engine = self._sync_engine()
            hits = engine.search(query, limit=SEARCH_LIMIT)
            return hits, engine.last_total

    # --- timeline ---------------------------------------------------------------------------

    def _order(self, current: int | None = None) -> list[int]:
        """Article indexes in timeline order under the filter (``current`` always stays)."""
        order = self._chronological = list(self.library.chronological())
        if self.newest_first:
            dated = [i for i in order if self.library.articles[i].date is not None]
            undated = order[len(dated) :]
            order = dated[::-1] + undated
        articles = self.library.articles
        if self.filter_mode == "unread":
            # The article being read stays until the filter is applied again.
            order = [i for i in order if articles[i].key not in self._read or i == current]
        elif self.filter_mode == "flagged":
            order = [i for i in order if articles[i].key in self._flagged]
        return order

    def _rebuild_timeline(self, keep: int | None = None, opened: bool = True) -> None:
        """Lay the timeline out again (order, filter, new articles), keeping ``keep`` or the current article.

        ``opened``: whether an article that comes into view because the current one left the
        timeline counts as opened by the user (not while a load merely grows the library).
        """
        timeline = self.query_one(Timeline)
        keep = timeline.current_article if keep is None else keep
        timeline.set_entries(self.library.articles, self._order(keep), keep)
        labels = {"": "", "unread": " · unread only (u: all)", "flagged": " · flagged only (F: all)"}
        order = "newest first" if self.newest_first else "oldest first"
        timeline.border_title = f"Timeline · {order}{labels[self.filter_mode]}"
        # Reordering or filtering opens nothing; only when the article being read left the
        # timeline (a filter hid it) does the one now highlighted count as opened.
        self._follow(opened and timeline.current_article != keep)

    def _marks(self, article: Article) -> tuple[bool, bool]:
        return (article.key not in self._read, article.key in self._flagged)

    @property
    def timeline(self) -> Timeline:
        """The timeline sidebar."""
        return self.query_one(Timeline)

    @property
    def article_view(self) -> ArticleView:
        """The article pane."""
        return self.query_one(ArticleView)

    @property
    def current(self) -> Article | None:
        """The article on show."""
        return self.article_view.article

    @on(Timeline.Highlighted)
    def _highlighted(self, event: Timeline.Highlighted) -> None:
        # Keys already showed it (see _follow); this catches moves made by the timeline itself.
        # A message about an article the cursor has since left is stale: showing it would make
        # the next f / m / y act on the wrong article.
        if event.article != self.timeline.current_article:
            return
        self._show(event.article, opened=False)

    @on(Timeline.Selected)
    def _selected(self, event: Timeline.Selected) -> None:
        self._show(event.article)

    def _show(self, index: int | None, keep_scroll: bool = False, opened: bool = True) -> None:
        """Show article ``index`` in the pane.

        ``opened``: the user opened it (a key, a click, a search, resuming), so it is marked
        read, recorded in history and remembered for the next start.
        """
        timeline = self.timeline
        view = self.article_view
        if index is None:
            view.show(None, 0, timeline.entry_count)
            return
        article = self.library.articles[index]
        if view.article is article:
            view.border_title = f"{timeline.position} / {timeline.entry_count}"
        else:
            view.show(article, timeline.position, timeline.entry_count, self._highlighter(), keep_scroll)
        if not opened:
            return
        self._resumed = True  # the user has moved: no resuming over their choice
        if self._walk_target == index:
            self._walk_target = None
        elif not self._history or self._history[-1] != index:
            self._history.append(index)
            del self._history[:-1000]
            self._future.clear()
        self._set_read(article, True)
        self._save_position()

    def _highlighter(self) -> Highlighter | None:
        """Highlights the last search's matches in the article pane (after a search was used)."""
        query = self._highlight_query
        if not query.strip():
            return None
        from .search import highlight_spans

        return lambda text, body: highlight_spans(text, query, body=body)

    def _update_title(self) -> None:
        library = self.library
        total = len(library.articles)
        unread = self._unread
        unread_text = f" · {unread:,} unread" if unread else " · all read"
        if self.loading:
            self.sub_title = f"loading… {total:,} articles"
            return
        if len(library.bulletins) == 1 and library.bulletins[0].date:
            self.sub_title = f"Bulletin of {_day(library.bulletins[0].date)} · {total} articles{unread_text}"
            return
        chronological = self._chronological
        first = library.articles[chronological[0]].date if chronological else None
        last = next((library.articles[i].date for i in reversed(chronological) if library.articles[i].date), None)
        span = f", {_day(first)} – {_day(last)}" if first and last else ""
        files = len(library.bulletins)
        self.sub_title = f"{total:,} articles from {files:,} file{'s' if files != 1 else ''}{span}{unread_text}"

    # --- reading state -----------------------------------------------------------------------

    def _set_read(self, article: Article, read: bool) -> None:
        if (article.key in self._read) == read:
            return
        if read:
            self._read.add(article.key)
        else:
            self._read.discard(article.key)
        self._unread += len(self._by_key.get(article.key, ())) * (-1 if read else 1)
        if self.state is not None:
            self.state.set_read(article.key, read)
        for index in self._by_key.get(article.key, ()):
            self.timeline.refresh_article(index)
        self._update_title()

    def _save_position(self) -> None:
        article = self.current
        if self.state is not None and article is not None and self._resumed:
            self.state.save_position(self._session, article.key, self.article_view.scroll_y)

    def _resume(self) -> None:
        """Once loaded: reopen the article the user was reading last time, scrolled where they left it.

        Does nothing if the user already moved while a large archive was loading.
        """
        if self._resumed:
            return
        saved = self.state.position(self._session) if self.state is not None else None
        target = self._by_key.get(saved[0], [None])[0] if saved else None
        if target is not None and self.timeline.move_to_article(target):
            scroll_y = saved[1]  # type: ignore[index]
            self.call_after_refresh(lambda: self.article_view.scroll_to(y=scroll_y, animate=False, immediate=True))
        self._follow()  # opens the saved article, or the first one: either counts as opened
        self._resumed = True

    async def action_quit(self) -> None:
        self._save_position()
        self.exit()

    def on_unmount(self) -> None:
        if self.state is not None:
            self.state.close()

    # --- actions ------------------------------------------------------------------------------

    def _follow(self, opened: bool = True) -> None:
        """Show the timeline's article now, in the same frame as the cursor move.

        (The ``Highlighted`` message would do it too, but a frame later.)
        """
        self._show(self.timeline.current_article, opened=opened)

    def action_next_article(self) -> None:
        self.timeline.action_cursor_down()
        self._follow()

    def action_previous_article(self) -> None:
        self.timeline.action_cursor_up()
        self._follow()

    def action_next_date(self) -> None:
        if not self.timeline.action_next_date():
            self.bell()
        self._follow()

    def action_previous_date(self) -> None:
        if not self.timeline.action_previous_date():
            self.bell()
        self._follow()

    def action_first_article(self) -> None:
        self.timeline.action_first()
        self._follow()

    def action_last_article(self) -> None:
        self.timeline.action_last()
        self._follow()

    def action_toggle_order(self) -> None:
        self.newest_first = not self.newest_first

    def watch_newest_first(self) -> None:
        self._rebuild_timeline()
        self.notify("Newest first" if self.newest_first else "Oldest first", timeout=2)

    def action_toggle_sidebar(self) -> None:
        self.sidebar_wanted = not self.timeline.display

    def watch_sidebar_wanted(self, wanted: bool | None) -> None:
        main = self.query_one("#main")
        main.set_class(wanted is True, "-sidebar-shown")
        main.set_class(wanted is False, "-sidebar-hidden")
        self.call_after_refresh(self._keep_focus_visible)

    def on_resize(self) -> None:
        self.call_after_refresh(self._keep_focus_visible)

    def _keep_focus_visible(self) -> None:
        if not self.timeline.display and self.focused is self.timeline:
            self.article_view.focus()

    def action_page_down(self) -> None:
        view = self.article_view
        if view.at_end:
            self.timeline.action_cursor_down()
            self._follow()
        else:
            view.scroll_page_down(animate=False)
        self._save_position()

    def action_page_up(self) -> None:
        self.article_view.scroll_page_up(animate=False)
        self._save_position()

    def action_copy_article(self) -> None:
        article = self.current
        if article is None:
            return
        text = "\n\n".join([article.headline, full_date(article), *article.paragraphs]) + "\n"
        self.copy_to_clipboard(text)
        self.notify(f"Copied {article.word_count:,} words to the clipboard", timeout=3)

    def action_help(self) -> None:
        rows: list[tuple[str, str]] = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            keys = " / ".join(self._key_name(k) for k in binding.key.split(","))
            rows.append((keys, binding.tooltip or binding.description))
        from .screens import HelpScreen

        self.push_screen(HelpScreen(rows + EXTRA_HELP))

    @staticmethod
    def _key_name(key: str) -> str:
        names = {
            "right_square_bracket": "]",
            "left_square_bracket": "[",
            "slash": "/",
            "question_mark": "?",
            "space": "Space",
            "pagedown": "PageDown",
            "pageup": "PageUp",
            "home": "Home",
            "end": "End",
            "down": "↓",
            "up": "↑",
            "backspace": "Backspace",
            "shift+backspace": "Shift+Backspace",
            "ctrl+backspace": "Ctrl+Backspace",
        }
        return names.get(key, key)

    # --- go to date ---------------------------------------------------------------------------

    def action_goto_date(self) -> None:
        def done(news: str | None) -> None:
            if news:
                self.notify(news, timeout=5, markup=False)

        from .screens import GotoDateScreen

        self.push_screen(GotoDateScreen(self.goto_date), done)

    def goto_date(self, typed: str) -> tuple[bool, str]:
        """Jump to the date the user typed, or the nearest one with articles.

        Returns ``(True, what happened)`` or ``(False, why not)``.
        """
        from .dates import nearest_date, parse_date_spec

        spec = parse_date_spec(typed)
        if spec is None:
            return False, f"Not a date: {typed!r}. Try 2024-07-04, 04.07, 4 Jul, today or -2d"
        available = sorted(d for d, _ in self.timeline.dates() if d is not None)
        target = nearest_date(spec, available)
        if target is None:
            return False, "No dated articles to jump to"
        self.jump_to_date(target)
        if spec.matches(target):
            return True, _day(target)
        return True, f"No articles on {spec.describe()}; showing the nearest date, {_day(target)}"

    def jump_to_date(self, when: date | None) -> None:
        """Highlight the first article of ``when`` (command palette)."""
        first = self.timeline.articles_on(when)
        if first:
            self.timeline.move_to_article(first[0])
            self._follow()

    # --- search ----------------------------------------------------------------------------------

    def action_search(self) -> None:
        before = self.timeline.current_article

        def done(chosen: int | None) -> None:
            if chosen is None:
                self._highlight_query = ""
                if before is not None and self.timeline.move_to_article(before):
                    pass
                self._refresh_article()
                return
            self._highlight_query = self.last_query
            self._hit_cursor = next((n for n, h in enumerate(self.last_hits) if h.index == chosen), -1)
            self._open_article(chosen)
            self._refresh_article()

        from .screens import SearchScreen

        self.push_screen(
            SearchScreen(self.search_hits, self._describe_hit, lambda hit: hit.index, self.last_query, self._remember_hits),  # type: ignore[arg-type]
            done,
        )

    def _remember_hits(self, query: str, hits: Sequence[Hit], total: int) -> None:
        self.last_query = query
        self.last_hits = list(hits)
        self._hit_cursor = -1

    def _describe_hit(self, hit: Hit, query: str) -> RenderableType:
        """One search result: date and headline (matches highlighted), and a body snippet when the body matched."""
        article = self.library.articles[hit.index]
        when = article.date.isoformat() if article.date else "undated"
        line = Text.assemble((f"{when:<10} ", "dim"), no_wrap=True, overflow="ellipsis")
        headline = Text(article.headline or "(no headline)")
        for start, end in hit.headline_spans:
            headline.stylize("bold reverse", start, end)
        line.append_text(headline)
        if hit.paragraph is None or hit.paragraph >= len(article.paragraphs):
            return line
        paragraph = article.paragraphs[hit.paragraph]
        first = hit.paragraph_spans[0][0] if hit.paragraph_spans else 0
        cut = max(0, first - 30)
        snippet = Text(paragraph, style="dim", no_wrap=True, overflow="ellipsis")
        for start, end in hit.paragraph_spans:
            snippet.stylize("bold reverse", start, end)
        snippet = snippet[cut:]
        if cut:
            snippet = Text.assemble("…", snippet, style="dim", no_wrap=True, overflow="ellipsis")
        return Group(line, Text.assemble(" " * 11, snippet, no_wrap=True, overflow="ellipsis"))

    def _open_article(self, index: int) -> None:
        """Highlight and open ``index``, dropping a filter that hides it."""
        if not self.timeline.move_to_article(index):
            self.set_reactive(ReaderApp.filter_mode, "")
            self._rebuild_timeline(keep=index, opened=False)
            self.timeline.move_to_article(index)
        self._follow()

    def _refresh_article(self) -> None:
        view = self.article_view
        article = view.article
        view.article = None
        index = self.timeline.current_article
        if index is not None:
            view.show(self.library.articles[index], self.timeline.position, self.timeline.entry_count, self._highlighter(), keep_scroll=article is self.library.articles[index])

    def action_next_hit(self) -> None:
        self._step_hit(1)

    def action_previous_hit(self) -> None:
        self._step_hit(-1)

    def _step_hit(self, step: int) -> None:
        if not self.last_hits:
            self.notify("No search yet: press / to search", timeout=3)
            return
        if self._hit_cursor < 0:
            self._hit_cursor = 0 if step > 0 else len(self.last_hits) - 1
        else:
            self._hit_cursor = (self._hit_cursor + step) % len(self.last_hits)
        self._highlight_query = self.last_query
        self._open_article(self.last_hits[self._hit_cursor].index)
        self._refresh_article()
        self.notify(f"Match {self._hit_cursor + 1} of {len(self.last_hits)} for {self.last_query!r}", timeout=2, markup=False)

    # --- marks, filters, history -----------------------------------------------------------------

    def action_toggle_read(self) -> None:
        article = self.current
        if article is not None:
            self._set_read(article, article.key not in self._read)

    def action_mark_date_read(self) -> None:
        when = self.timeline.current_date
        articles = [self.library.articles[i] for i in self.timeline.articles_on(when)]
        keys = list(dict.fromkeys(a.key for a in articles if a.key not in self._read))
        self._read.update(keys)
        self._unread -= sum(len(self._by_key.get(key, ())) for key in keys)
        if self.state is not None and keys:
            self.state.set_read_many(keys, True)
        self.timeline.refresh_marks()
        self._update_title()
        self.notify(f"Marked {len(keys)} article{'s' if len(keys) != 1 else ''} of {_day(when)} read", timeout=3)

    def action_toggle_flag(self) -> None:
        article = self.current
        if article is None:
            return
        flagged = article.key not in self._flagged
        if flagged:
            self._flagged.add(article.key)
        else:
            self._flagged.discard(article.key)
        if self.state is not None:
            self.state.set_flagged(article.key, flagged)
        for index in self._by_key.get(article.key, ()):
            self.timeline.refresh_article(index)
        self.notify("Flagged ★" if flagged else "Unflagged", timeout=2)

    def action_filter(self, mode: str) -> None:
        self.filter_mode = "" if self.filter_mode == mode else mode

    def watch_filter_mode(self) -> None:
        self._rebuild_timeline()
        if self.timeline.current_article is None:
            self.article_view.show(None, 0, 0)

    def action_history_back(self) -> None:
        if len(self._history) < 2:
            self.bell()
            return
        self._future.append(self._history.pop())
        self._walk(self._history[-1])

    def action_history_forward(self) -> None:
        if not self._future:
            self.bell()
            return
        index = self._future.pop()
        self._history.append(index)
        self._walk(index)

    def _walk(self, index: int) -> None:
        self._walk_target = index
        self._open_article(index)
