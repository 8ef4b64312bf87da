"""The reader's screen: the timeline beside the article pane, keys mapped to the reader model.

A thin shell: :class:`~sco_reader.reader.Reader` owns the session's rules (order,
filters, cursor, marks, history, hits); this module maps each key and message to one
call on it and tells each widget what changed. Files are scanned and parsed by a thread
worker (the archive index makes a second open instant); the library is only changed on
this thread, from the batches the worker posts. While following (:mod:`sco_reader.follow`),
a watcher thread asks for another pass of the same worker whenever the files change.
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import os
import signal
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from . import settings
from .archive import Archive, Changes, FileResult, Known, Plan, known_files, plan_inputs, read_change
from .follow import Batch, FollowPass, Gate, PassReport, Unreadable, Unseen, Watcher, WatchTargets, poll_interval, present_inputs
from .loader import LoadError, pretty_path
from .reader import Reader, day_label
from .widgets.article import ArticleView, Highlighter, full_date
from .widgets.timeline import Timeline
from .widgets.titlebar import TitleBar

if TYPE_CHECKING:
    from .search import Hit, SearchEngine
    from .state import ReadingState

BATCH_SECONDS = 0.5
"""How often the loading worker hands parsed files to the screen."""
INDEX_SLICE = 0.003
"""Seconds of body indexing at a time in the background (a search finishes what is left at once)."""
SEARCH_LIMIT = 200
"""Hits the search overlay ranks and lists (and ``n``/``N`` step through); the count covers all."""
COPY_LIMIT = 1_000_000
"""Characters ``y`` copies at most (a terminal takes no more through OSC 52)."""
PLACE_ROWS = 64
"""Rows on each side of the cursor remembered before files change: where the cursor goes if its article leaves."""
HOLD_BACK_RETRY = 0.05
"""Seconds before trying again to take in file changes that had to wait for the search engine's lock."""
FOLLOW_STORE_DELAY = 2.0
"""Seconds after the last follow pass before the index and the new articles' search segment are stored (once a burst)."""

EXTRA_HELP = [
    ("Tab / Shift+Tab", "Move focus between timeline and article"),
    ("↓ / ↑ (article focused)", "Scroll the article a line"),
    ("Enter (timeline)", "Open the highlighted article in the pane"),
    ("Esc", "Close any overlay (search restores the previous article)"),
    ("Ctrl+P", "Command palette: go to a date, toggle order, sidebar, theme"),
    ("Mouse", "Click an entry to open it; the wheel scrolls"),
]

KEY_NAMES = {
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
    "alt+left": "Alt+←",
    "alt+right": "Alt+→",
}


def _reader_commands():  # type: ignore[no-untyped-def]
    """The palette provider, imported when the palette first opens (keeps start-up light)."""
    from .commands import ReaderCommands

    return ReaderCommands


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class ReaderApp(App[None]):
    """sco-reader: read bulletins by keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "sco-reader"
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (50, "-narrow"), (80, "-wide")]
    COMMANDS = App.COMMANDS | {_reader_commands}

    # The footer shows bindings in this order: help and quit first, so narrow terminals keep them.
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", tooltip="This help"),
        Binding("q", "quit", "Quit", tooltip="Quit (remembers where you were)"),
        Binding("j,down", "next_article", "Next", key_display="j", tooltip="Next article (the pane follows)"),
        Binding("k,up", "previous_article", "Prev", key_display="k", tooltip="Previous article"),
        Binding("right_square_bracket", "next_date", "Next date", key_display="]", tooltip="First article of the next date"),
        Binding("left_square_bracket", "previous_date", "Prev date", key_display="[", tooltip="This date's first article, then the previous date"),
        Binding("g,home", "first_article", "First", show=False, tooltip="First article"),
        Binding("G,end", "last_article", "Last", show=False, tooltip="Last article"),
        Binding("d", "goto_date", "Date", tooltip="Go to a date: 2024-07-04, 04.07.2024, 04.07, 4 Jul, today, -2d"),
        Binding("slash", "search", "Search", key_display="/", tooltip="Fuzzy search headlines and text"),
        Binding("t", "trends", "Trends", show=False, tooltip="Chart the last search's matches (or a query) per day, week or month"),
        Binding("r", "related", "Related", show=False, tooltip="The ten articles most like this one (n / N step through them)"),
        Binding("n", "next_hit", "Next hit", show=False, tooltip="Next match of the last search"),
        Binding("N", "previous_hit", "Prev hit", show=False, tooltip="Previous match of the last search"),
        Binding("o", "toggle_order", "Order", tooltip="Toggle oldest-first / newest-first"),
        Binding("space,pagedown", "page_down", "Page down", show=False, tooltip="Scroll the article; at its end, next article"),
        Binding("b,pageup", "page_up", "Page up", show=False, tooltip="Scroll the article back"),
        Binding("s", "toggle_sidebar", "Sidebar", show=False, tooltip="Show / hide the timeline sidebar"),
        Binding("y", "copy_article", "Copy", show=False, tooltip="Copy the article (headline, date, text) to the clipboard"),
        Binding("e", "export", "Export", show=False, tooltip="Export what is shown (search hits, a filter, or the article) as Markdown or HTML"),
        Binding("m", "toggle_read", "Read", show=False, tooltip="Toggle read / unread"),
        Binding("M", "mark_date_read", "Date read", show=False, tooltip="Mark every article of this date read"),
        Binding("f", "toggle_flag", "Flag", show=False, tooltip="Flag / unflag the article (★)"),
        Binding("F", "filter('flagged')", "Flagged", show=False, tooltip="Show only flagged articles (again: all)"),
        Binding("u", "filter('unread')", "Unread", show=False, tooltip="Show only unread articles (again: all)"),
        Binding("backspace,H,alt+left", "history_back", "Back", show=False, tooltip="Back through the articles you opened"),
        Binding("L,alt+right,shift+backspace,ctrl+backspace", "history_forward", "Forward", show=False, tooltip="Forward again in history"),
    ]

    class Synced(Message):
        """What the file worker found (posted from its thread, so it never waits for the screen)."""

        def __init__(
            self,
            results: list[FileResult],
            *,
            plan: Plan | None = None,
            done: int = 0,
            total: int = 0,
            finished: bool = False,
            error: str | None = None,
        ) -> None:
            self.results = results
            """Files read since the last message, in order."""
            self.plan = plan
            """What the listing found (first message of a pass): files gone, directories seen."""
            self.done = done
            """Files read so far."""
            self.total = total
            """Files to read in all."""
            self.finished = finished
            """Whether this is the last message of the pass."""
            self.error = error
            """A one-line error that ends the app (exit status 2) on the first pass."""
            super().__init__()

    class FollowChanged(Message):
        """The file watcher saw something change under the inputs (posted from its thread)."""

    def __init__(
        self,
        archive: Archive,
        *,
        inputs: Sequence[Path | str],
        state: ReadingState | None = None,
        session: str = "",
        synced: bool = True,
        warnings: Sequence[str] = (),
        follow: bool = False,
    ) -> None:
        super().__init__()
        self.archive = archive
        self.library = archive.library
        self.inputs = list(inputs)
        self.state = state
        self.reader = Reader(self.library, state, session)
        self.startup_warnings = list(warnings)
        self.load_error: str | None = None
        """Set when a file failed to load in the background; the command prints it and exits 2."""
        self.loading = not synced
        """Whether the first pass over the files is still under way."""
        self._batch_interval = BATCH_SECONDS
        self._engine: SearchEngine | None = None
        self._engine_lock = threading.Lock()
        self._published = len(archive.library)
        """Articles the screen has taken in (the search engine indexes no further: the library may be
        mid-way through adding a file in this thread while a worker reads it)."""
        self._highlight_query = ""
        self._resumed = False
        self._sidebar_wanted: bool | None = None
        self._days: tuple[object, object] | None = None
        self.shown_problems = 0
        """How many of the state store's problems the screen showed (the rest go to stderr at exit)."""
        self.follow = follow
        """Whether bulletins that appear, grow, change or go away are taken in while the reader runs."""
        self.watch_headless = False
        """Start the file watcher under a headless driver too (tests of the real watcher; others call :meth:`follow_now`)."""
        self.watcher: Watcher | None = None
        """The file watcher (once the first load is over, when following)."""
        self.follow_store_delay = FOLLOW_STORE_DELAY
        self._gate = Gate()
        self._pass: FollowPass | None = None
        """The follow pass under way."""
        self._pass_started = 0.0
        self._follow_worker: Worker[None] | None = None
        self._unseen = Unseen()
        self._unreadable = Unreadable()
        self._follow_waiters: list[asyncio.Future[PassReport]] = []
        self._store_timer: Timer | None = None
        self._saving = False
        """Whether a save of the index is under way."""
        self._held_back: list[ReaderApp.Synced] = []
        """File worker messages waiting for the engine lock (see :meth:`_synced`)."""
        self._save_again = False
        self._unreadable_timer: Timer | None = None

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar(self.TITLE, id="titlebar")
        with Horizontal(id="main"):
            yield Timeline(id="timeline")
            yield ArticleView(id="article")
        if self.loading:
            from textual.widgets import ProgressBar

            yield ProgressBar(id="progress", show_eta=False)
            yield Static(id="progress-label", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        for warning in [*self.startup_warnings, *self.archive.warnings]:
            self.notify(warning, severity="warning", markup=False, timeout=8)
        if self.state is not None:
            # The store reports once when it cannot save (a lock, a disk error) and once when it can
            # again, possibly from its writer thread: the notice is shown on this one.
            self.state.on_problem = self._state_problem
        saved_theme = settings.load().get("theme")
        if isinstance(saved_theme, str) and saved_theme in self.available_themes:
            self.theme = saved_theme
        self.watch(self, "theme", self._remember_theme, init=False)
        self.timeline.show(self.reader.view)
        self._update_timeline_title()
        self.reader.show()
        self._show_article()
        self._update_title()
        self.timeline.focus()
        if not self.is_headless:
            loop = asyncio.get_running_loop()
            for number in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(number, self._terminate)
        if self.loading:
            self.query_one("#progress").update(total=None)
            self._show_progress(0, 0)
            self._start_sync(strict=True)
        else:
            self._loading_finished()

    def _remember_theme(self, theme: str) -> None:
        """A theme chosen in the palette is kept for the next start."""
        settings.save({"theme": theme})

    def _state_problem(self, message: str) -> None:
        if threading.get_ident() == self._thread_id:
            self._show_state_problem(message)
        else:
            self.call_from_thread(self._show_state_problem, message)

    def _show_state_problem(self, message: str) -> None:
        self.shown_problems += 1
        self.notify(message, severity="warning", markup=False, timeout=10)

    def _terminate(self) -> None:
        """SIGTERM / SIGHUP: as ``less`` does, leave the terminal as it was, remember the place, exit."""
        self._save_position()
        self.exit()

    @property
    def timeline(self) -> Timeline:
        """The timeline sidebar."""
        return self.query_one(Timeline)

    @property
    def article_view(self) -> ArticleView:
        """The article pane."""
        return self.query_one(ArticleView)

    @property
    def current(self):  # type: ignore[no-untyped-def]
        """The article on show (a record), or ``None``."""
        return self.article_view.article

    # --- files: first load and later changes -------------------------------------------------

    def _start_sync(self, strict: bool) -> None:
        known = known_files(self.archive)
        self._sync(known, strict)

    # A description of their own: Textual would otherwise describe a worker by the repr of its arguments,
    # a copy of every file's columns (or the whole index to save) turned into text on this thread.
    @work(thread=True, exclusive=True, group="sync", exit_on_error=False, description="sync with the files")
    def _sync(self, known: Known, strict: bool) -> None:
        """List the inputs, then read what is new or changed, posting batches (never touches the library)."""
        try:
            work_plan = plan_inputs(self.inputs if strict else present_inputs(self.inputs), known)
        except LoadError as error:
            self.post_message(self.Synced([], finished=True, error=str(error)))
            return
        todo = work_plan.todo
        total = len(todo)
        self.post_message(self.Synced([], plan=work_plan, total=total, finished=not todo))
        batch: list[FileResult] = []
        last = time.monotonic()
        for done, (number, item) in enumerate(todo, start=1):
            try:
                batch.append(read_change(number, item, known.digest(number) if number is not None else None, self.archive.encoding, strict))
            except LoadError as error:
                self.post_message(self.Synced(batch, done=done - 1, total=total, finished=True, error=str(error)))
                return
            now = time.monotonic()
            if done == 1 or now - last >= self._batch_interval or done == total:
                self.post_message(self.Synced(batch, done=done, total=total, finished=done == total))
                batch, last = [], now

    @on(Synced)
    def _synced(self, message: Synced) -> None:
        changes = Changes()
        began = time.perf_counter()
        drops = message.plan is not None and bool(message.plan.gone) or any(r.number is not None for r in message.results)
        # A search reads the dead articles, so drops wait for the engine lock; but never here, where a key would
        # wait too (the index builder may hold it for seconds at a million articles): try again shortly, in order.
        if self._held_back or (drops and not self._engine_lock.acquire(blocking=False)):
            self._held_back.append(message)
            if len(self._held_back) == 1:
                self.set_timer(HOLD_BACK_RETRY, self._release_held_back)
            return
        place = self._place() if drops else []
        try:
            if message.plan is not None:
                self.archive.begin(message.plan, changes)
            for result in message.results:
                self.archive.apply(result, changes)
        finally:
            if drops:
                self._engine_lock.release()
        following = self._pass is not None
        if not changes.empty:
            self._library_changed(changes, place)
        if message.error is not None:
            if self.loading:
                self.load_error = message.error
                self.exit(return_code=2)
                return
            if not following:
                self.notify(message.error, severity="warning", markup=False, timeout=8)
        if following:  # a half-written file is reported only once it stays so (see _check_unreadable)
            moment = time.monotonic()
            for result in message.results:
                self._unreadable.took(result, moment)
        else:
            for skipped in changes.skipped:
                self.notify(skipped, severity="warning", markup=False, timeout=6)
        if self.loading:
            self.query_one("#progress").update(total=max(1, message.total), progress=message.done)
            self._show_progress(message.done, message.total)
        # Keep the screen's share of loading small: hand over less often as batches grow costly.
        self._batch_interval = max(BATCH_SECONDS, 4 * (time.perf_counter() - began))
        if message.finished:
            if following:
                self._follow_finished(message.error)
            else:
                self._loading_finished()

    def _release_held_back(self) -> None:
        """Take in the file worker's messages held back while the engine lock was busy (in their order)."""
        held, self._held_back = self._held_back, []
        for k, message in enumerate(held):
            self._synced(message)
            if self._held_back:  # held back again: the rest wait behind it
                self._held_back.extend(held[k + 1 :])
                return

    def _library_changed(self, changes: Changes, place: Sequence[int] = ()) -> None:
        """Take in added and dropped articles: marks, rows, the pane (the cursor's article stays, on the same screen line).

        ``place``: the articles around the cursor before the change, nearest first (see :meth:`_place`).
        """
        self._published = len(self.library)
        reader = self.reader
        screen_line = reader.view.cursor_row - self.timeline.scroll_offset.y if reader.view.cursor_row >= 0 else None
        batch = self._pass.take(changes) if self._pass is not None else None
        opened = reader.opened
        gone = [index for dropped in changes.dropped for index in dropped]
        if gone:
            reader.dropped(gone)
            if self.reader.opened in set(gone):
                self.article_view.mark_gone()
        if changes.added:
            reader.grew()
        if batch is not None:
            self._follow_batch(batch)
        if opened is not None and opened in self.library.dead:
            self._keep_place(opened, place)
        self.timeline.show(reader.view)
        if screen_line is not None:
            self._keep_screen_line(screen_line)
        if self.article_view.article is None and reader.view.current is not None:
            reader.show()
            self._show_article()
        else:
            self.article_view.set_position(reader.view.position, reader.view.entries)
        self._update_title()

    def _show_progress(self, files_done: int, files: int) -> None:
        label = self.query_one("#progress-label", Static)
        label.update(Text(f"Loading {files_done:,} / {_plural(files, 'file')} · {_plural(len(self.library), 'article')}"))

    def _loading_finished(self) -> None:
        was_loading, self.loading = self.loading, False
        if was_loading:
            self.query_one("#progress").remove()
            self.query_one("#progress-label", Static).remove()
        gc.freeze()  # the library lives as long as the app: keep the collector off it
        diagnostics = sum(len(f.diagnostics) for f in self.library.files if not f.dead)
        if was_loading and diagnostics:
            self.notify(
                f"{_plural(diagnostics, 'loader diagnostic')}: run sco-reader --check to list them",
                severity="warning",
                markup=False,
                timeout=6,
            )
        self._update_title()
        self._resume()
        self._save_index()
        self._count_days()
        # Index for search once the screen is up: the worker shares the GIL with the UI.
        self.set_timer(0.5, self._build_engine)
        self._start_following()

    @work(thread=True, exclusive=True, group="days", exit_on_error=False)
    def _count_days(self) -> None:
        """Count each date's unread articles for the calendar before it is asked for (a worker: a tenth of a
        second at a million articles)."""
        self.reader.marks.count_days_ahead()

    def _save_index(self) -> None:
        if self._saving:  # one save at a time: a second, prepared before the first is taken in, would find the
            self._save_again = True  # index moved under it and give up the cache for the session
            return
        job = self.archive.save_job()
        if job is not None:
            self._saving = True
            self._write_index(job)

    @work(thread=True, group="save", exit_on_error=False, description="save the archive index")
    def _write_index(self, job) -> None:  # type: ignore[no-untyped-def]
        job.run()
        self.call_from_thread(self._index_written, job)

    def _index_written(self, job) -> None:  # type: ignore[no-untyped-def]
        self._saving = False
        if not self.archive.finish(job) and job.error:
            self.notify(job.error, severity="warning", markup=False, timeout=8)
        if self._save_again:
            self._save_again = False
            self._save_index()

    # --- follow: bulletins that appear, grow, change or go away while the reader runs ---------------

    def _start_following(self) -> None:
        """Start the file watcher (once the first load is over); headless apps are followed by :meth:`follow_now`."""
        if not self.follow or self.watcher is not None or (self.is_headless and not self.watch_headless):
            return
        self.watcher = Watcher(WatchTargets.of(self.inputs, self.archive.dirs), self._watcher_saw)
        self.watcher.start()

    def _watcher_saw(self) -> None:
        """(The watcher's thread.) Something changed: tell the screen, which never waits for this thread."""
        self.post_message(self.FollowChanged())

    @on(FollowChanged)
    def _follow_changed(self) -> None:
        self._request_follow()

    def follow_now(self) -> asyncio.Future[PassReport]:
        """Look for changes now, as when the watcher sees one; resolves with what the last pass brought once no
        pass is under way or wanted (what the tests await instead of the clock)."""
        waiter = self.next_follow_pass()
        self._request_follow()
        return waiter

    def next_follow_pass(self) -> asyncio.Future[PassReport]:
        """Resolves with what a pass brought once the passes under way or wanted are over."""
        waiter: asyncio.Future[PassReport] = asyncio.get_running_loop().create_future()
        self._follow_waiters.append(waiter)
        return waiter

    def _request_follow(self) -> None:
        if self.loading:
            return  # the first load is a pass of its own; the watcher starts after it and looks once
        if self._gate.request():
            self._begin_follow_pass()

    def _begin_follow_pass(self) -> None:
        """Run the quick plan in the sync worker (never two at once: see :class:`~sco_reader.follow.Gate`)."""
        self._pass = FollowPass(self.library)
        self._pass_started = time.perf_counter()
        known = known_files(self.archive)
        self._unreadable.force(known)  # files that failed and changed since are read again
        self._follow_worker = self._sync(known, False)

    @on(Worker.StateChanged)
    def _follow_worker_ended(self, event: Worker.StateChanged) -> None:
        """A pass whose worker failed still ends (the next change starts another)."""
        if event.worker is self._follow_worker and event.state in (WorkerState.ERROR, WorkerState.CANCELLED) and self._pass is not None:
            error = event.worker.error
            self._follow_finished(f"could not look for changes: {' '.join(str(error).split()) or type(error).__name__}")

    def _follow_batch(self, batch: Batch) -> None:
        """New articles count as unseen until opened or read; one that came back after an edit keeps its place."""
        self._unseen.moved(batch.moved)
        self._unseen.add(batch.new, self.reader.marks.read)

    def _follow_finished(self, error: str | None) -> None:
        """A pass is over: say what it brought, store it, watch what it listed; run again if more changed meanwhile."""
        assert self._pass is not None
        report = self._pass.report()
        self._pass = None
        self._follow_worker = None
        if self.watcher is not None:
            self.watcher.interval = poll_interval(time.perf_counter() - self._pass_started)
            self.watcher.retarget(WatchTargets.of(self.inputs, self.archive.dirs))
        problem = self._unreadable.report_problem(error)
        if problem is not None:
            self.notify(problem, severity="warning", markup=False, timeout=8)
        if report.notice is not None:
            self.notify(report.notice, title="Follow", markup=False, timeout=5)
        self._update_title()
        self._store_follow_later()
        self._watch_unreadable()
        if self._gate.finished():
            self._begin_follow_pass()
            return
        waiters, self._follow_waiters = self._follow_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(report)

    def _store_follow_later(self) -> None:
        """Store what follow changed once a burst of passes is over (saving copies the index's columns on this
        thread: tens of milliseconds at a million articles, once, not once a pass)."""
        if self._store_timer is not None:
            self._store_timer.stop()
            self._store_timer = None
        if self.follow_store_delay <= 0:
            self._store_follow()
        else:
            self._store_timer = self.set_timer(self.follow_store_delay, self._store_follow)

    def _store_follow(self) -> None:
        """Save the index, then index the new articles' bodies and store their search segment (saved again after)."""
        self._store_timer = None
        self._save_index()
        if any(worker.group == "index" and worker.is_running for worker in self.workers):
            # The search index is still being built: its turn comes after.
            self._store_timer = self.set_timer(max(self.follow_store_delay, 0.1), self._store_follow)
            return
        self._build_engine()

    def _watch_unreadable(self) -> None:
        """Look again when a file that could not be read may have stayed so long enough to be reported."""
        due = self._unreadable.next_due()
        if due is None:
            return
        if self._unreadable_timer is not None:
            self._unreadable_timer.stop()
        self._unreadable_timer = self.set_timer(max(0.0, due - time.monotonic()) + 0.05, self._check_unreadable)

    def _check_unreadable(self) -> None:
        self._unreadable_timer = None
        for message in self._unreadable.due(time.monotonic()):
            self.notify(message, severity="warning", markup=False, timeout=8)
        self._watch_unreadable()

    def _place(self) -> list[int]:
        """The articles around the cursor, nearest first (those after it, then those before it)."""
        view = self.reader.view
        row = view.cursor_row
        if row < 0:
            return []
        after = view.rows_between(row + 1, row + 1 + PLACE_ROWS)
        before = view.rows_between(max(0, row - PLACE_ROWS), row)[::-1]
        return [index for index in (*after, *before) if index >= 0]

    def _keep_place(self, opened: int, place: Sequence[int]) -> None:
        """The article being read left the library. Back under another index (its file was edited or grew): the
        cursor and the pane follow it, unmoved. Gone: it stays on screen, marked, and the cursor takes the row of
        the nearest article left, so the next key goes on from there."""
        reader, library = self.reader, self.library
        view = reader.view
        again = [i for i in library.with_keys((library.keys[opened],)) if i not in library.dead and view.is_listed(i)]
        if again:
            view.move_to(again[0])
            reader.opened = again[0]
            reader.history.visit(again[0])
            self._show_article(keep_scroll=True)
            return
        for index in place:
            if view.move_to(index):
                return
        order = library.chronological()  # nothing near is left: the nearest by date
        at = bisect.bisect_left(order, library.sort_key(opened), key=library.sort_key)
        for index in (order[at:at + 1], order[at - 1:at] if at else ()):
            if index and view.move_to(index[0]):
                return

    def _keep_screen_line(self, line: int) -> None:
        """Scroll the timeline so the cursor's row is back on the screen line it was on (rows came or went above it)."""
        row = self.reader.view.cursor_row
        if row >= 0:
            self.timeline.scroll_to(y=max(0, row - line), animate=False, immediate=True)

    def _reading_gone(self) -> bool:
        """Whether the pane shows an article that left its file while the cursor stands on another."""
        return self.article_view.gone and self.reader.view.current is not None and self.reader.view.current != self.reader.opened

    # --- search engine -----------------------------------------------------------------------

    def _ready_engine(self) -> SearchEngine:
        """The search engine, covering every article the screen has taken in (call with the engine lock held).

        Stored segments are mapped at once; articles added since are indexed in memory
        (headlines now, bodies in slices by :meth:`_build_engine` or at the first search).
        """
        if self._engine is None:
            self._engine = self.archive.search_engine()
        grown = self._published - len(self._engine)
        if grown > 0:
            self._engine.extend(grown)
        return self._engine

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _build_engine(self) -> None:
        """Index article bodies in short slices (the UI thread keeps the GIL), then store what was built."""
        if self._engine is None:
            # Made outside the lock: it reads headlines only (never the dead articles), and indexing a million
            # of them takes seconds that file changes on screen would otherwise wait (see _synced).
            made = self.archive.search_engine()
            with self._engine_lock:
                if self._engine is None:
                    self._engine = made
        with self._engine_lock:
            engine = self._ready_engine()
        while engine.pending:
            with self._engine_lock:
                engine.index_pending(budget=INDEX_SLICE)
            time.sleep(4 * INDEX_SLICE)  # a fifth of the interpreter at most: keys stay quick
        with self._engine_lock:
            entry = self.archive.write_search_segment(engine)
        if entry is not None:
            self.call_from_thread(self._search_segment_written, entry)
        gc.freeze()  # the library and index live as long as the app: keep the collector off them

    def _search_segment_written(self, entry: dict[str, object]) -> None:
        self.archive.add_search_segment(entry)
        self._save_index()

    def search_hits(self, query: str) -> tuple[list[Hit], int, int]:
        """The best :data:`SEARCH_LIMIT` hits for ``query``, how many match every word, and how many all
        words but one (thread-safe)."""
        with self._engine_lock:
            engine = self._ready_engine()
            hits = engine.search(query, limit=SEARCH_LIMIT)
            return hits, engine.last_total, engine.last_partial

    # --- showing -----------------------------------------------------------------------------

    def _show_article(self, keep_scroll: bool = False) -> None:
        """Show the reader's open article in the pane."""
        reader = self.reader
        view = reader.view
        index = reader.opened
        pane = self.article_view
        if index is None or index >= len(self.library):
            pane.show(None, 0, view.entries)
            return
        article = self.library.article(index)
        if pane.article is article and not keep_scroll:
            pane.set_position(view.position, view.entries)
            return
        source = f"{pretty_path(self.library.file(index).path)}:{article.line}"
        pane.show(article, view.position, view.entries, self._highlighter(), keep_scroll, source=source)

    def _moved(self, changed: Sequence[int] = ()) -> None:
        """The cursor moved and the article under it was opened: tell the timeline, the pane, the title."""
        view = self.reader.view
        self.timeline.cursor_moved()
        if changed:
            self.timeline.refresh_rows(view.marks_changed(changed))
            self._update_title()
        self._show_article()
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
        total = library.alive
        unread = self.reader.marks.unread
        unread_text = f" · {unread:,} unread" if unread else " · all read"
        bar = self.query_one(TitleBar)
        if self.loading:
            bar.update(f"loading… {_plural(total, 'article')}")
            return
        fresh = self._unseen.count(self.reader.marks.read, library.dead)
        unread_text += f" · +{fresh:,} new" if fresh else ""
        # O(1) in the archive's size: the title is redrawn after every follow pass and many keys.
        files = library.files.alive
        only = library.files[next(library.files.alive_numbers())].info if files == 1 else None
        if only is not None and only.date:
            bar.update(f"Bulletin of {day_label(only.date)} · {_plural(total, 'article')}{unread_text}")
            return
        runs = library.date_runs()
        dated = len(runs) - (1 if len(runs) and runs.ordinals[-1] == 0 else 0)  # the undated come last
        span = f", {day_label(runs.date(0))} – {day_label(runs.date(dated - 1))}" if dated else ""
        bar.update(f"{_plural(total, 'article')} from {_plural(files, 'file')}{span}{unread_text}")

    def _update_timeline_title(self) -> None:
        view = self.reader.view
        order = "newest first" if view.newest_first else "oldest first"
        # The way out of a filter comes first, so a narrow sidebar never cuts it off.
        filters = {"": "Timeline", "unread": "Unread only (u: all)", "flagged": "Flagged only (F: all)"}
        self.timeline.border_title = f"{filters.get(view.filter, 'Filtered')} · {order}"

    # --- reading state --------------------------------------------------------------------

    def _save_position(self) -> None:
        index = self.reader.opened
        if self.state is not None and index is not None and self._resumed:
            self.state.save_position(self.reader.session, self.library.key(index), self.article_view.scroll_y)

    def _resume(self) -> None:
        """Reopen the article the user was reading last time, scrolled where they left it.

        Does nothing if the user already moved while a large archive was loading.
        """
        if self._resumed:
            return
        self._resumed = True
        reader = self.reader
        saved = self.state.position(reader.session) if self.state is not None else None
        target = self._index_of_key(saved[0]) if saved else None
        if not reader.moved and target is not None and reader.view.move_to(target):
            scroll_y = saved[1]  # type: ignore[index]
            changed = reader.open()
            self._moved(changed)
            self.call_after_refresh(lambda: self.article_view.scroll_to(y=scroll_y, animate=False, immediate=True))
        elif not reader.moved:
            self._moved(reader.open())  # the first article counts as opened

    def _index_of_key(self, key: str) -> int | None:
        try:
            number = int(key, 16)
        except ValueError:
            return None
        found = [i for i in self.library.with_keys([number]) if i not in self.library.dead]
        return min(found) if found else None

    async def action_quit(self) -> None:
        self._save_position()
        self.exit()

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.state is not None:
            self.state.close()

    # --- moving -------------------------------------------------------------------------------

    def _go(self, move: str, at_end: str) -> None:
        if move == "next" and self._reading_gone():  # the row it left holds the next article: open that
            self._moved(self.reader.open())
            return
        if self.reader.go(move):
            self._moved(self.reader.open())
        else:
            self.notify(at_end, timeout=1.5)

    def action_next_article(self) -> None:
        self._go("next", "Last article")

    def action_previous_article(self) -> None:
        self._go("previous", "First article")

    def action_next_date(self) -> None:
        self._go("next_date", "No later date")

    def action_previous_date(self) -> None:
        self._go("previous_date", "No earlier date")

    def action_first_article(self) -> None:
        self._go("first", "Already at the first article")

    def action_last_article(self) -> None:
        self._go("last", "Already at the last article")

    @on(Timeline.Selected)
    def _selected(self, event: Timeline.Selected) -> None:
        view = self.reader.view
        view.move_to_row(event.row)
        self._moved(self.reader.open())

    def _reveal_and_open(self, index: int, walking: bool = False) -> None:
        """Put the cursor on ``index`` (dropping a filter that hides it) and open it."""
        view = self.reader.view
        had_filter = view.filter
        if not self.reader.reveal(index):
            return
        if had_filter and not view.filter:
            self._relisted()
        self._moved(self.reader.open(index, walking=walking))

    def _relisted(self) -> None:
        """The rows were laid out again (order or filter): redraw the timeline, nothing is opened."""
        self.timeline.show(self.reader.view)
        self._update_timeline_title()
        if self.reader.view.current != self.reader.opened:
            self.reader.show()
            self._show_article()
        else:
            self.article_view.set_position(self.reader.view.position, self.reader.view.entries)

    def action_toggle_order(self) -> None:
        self.reader.toggle_order()
        self._relisted()
        self.notify("Newest first" if self.reader.view.newest_first else "Oldest first", timeout=2)

    def action_filter(self, mode: str) -> None:
        self.reader.set_filter(mode)  # type: ignore[arg-type]
        self._relisted()

    def action_history_back(self) -> None:
        self._walk(self.reader.back(), "No earlier article in history")

    def action_history_forward(self) -> None:
        self._walk(self.reader.forward(), "No later article in history")

    def _walk(self, opened, nowhere: str) -> None:  # type: ignore[no-untyped-def]
        if opened is None:
            self.notify(nowhere, timeout=1.5)
            return
        self.timeline.show(self.reader.view)  # a filter may have been dropped to reach the article
        self._update_timeline_title()
        self._moved(opened.changed)

    # --- sidebar, scrolling, copying, help -------------------------------------------------------

    def action_toggle_sidebar(self) -> None:
        self._sidebar_wanted = not self.timeline.display
        main = self.query_one("#main")
        main.set_class(self._sidebar_wanted is True, "-sidebar-shown")
        main.set_class(self._sidebar_wanted is False, "-sidebar-hidden")
        self.call_after_refresh(self._keep_focus_visible)

    def on_resize(self) -> None:
        self.call_after_refresh(self._keep_focus_visible)

    def _keep_focus_visible(self) -> None:
        if not self.timeline.display and self.focused is self.timeline:
            self.article_view.focus()

    def action_page_down(self) -> None:
        view = self.article_view
        if view.at_end:
            self._go("next", "Last article")
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
        if len(text) > COPY_LIMIT:
            text = text[:COPY_LIMIT]
            self.notify(f"The article is long: copied its first {COPY_LIMIT:,} characters", timeout=4)
        self.copy_to_clipboard(text)
        self.notify(f"Copied {article.word_count:,} words to the clipboard", timeout=3)

    def action_help(self) -> None:
        rows: list[tuple[str, str]] = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            keys = " / ".join(KEY_NAMES.get(k, k) for k in binding.key.split(","))
            rows.append((keys, binding.tooltip or binding.description))
        from .screens import HelpScreen

        self.push_screen(HelpScreen(rows + EXTRA_HELP))

    def palette_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """The command palette's rows: label, what it does, its key."""
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Toggle order (oldest / newest first)", self.action_toggle_order, "o"),
            ("Toggle sidebar", self.action_toggle_sidebar, "s"),
            ("Show only unread articles (toggle)", lambda: self.action_filter("unread"), "u"),
            ("Show only flagged articles (toggle)", lambda: self.action_filter("flagged"), "F"),
            ("Search", self.action_search, "/"),
            ("Export what is shown (Markdown or HTML)…", self.action_export, "e"),
            ("Go to date… (calendar)", self.action_goto_date, "d"),
            ("Year view: every day of the archive", self.action_year_view, ""),
            ("Trends: matches per day, week or month…", self.action_trends, "t"),
            ("Related articles", self.action_related, "r"),
            ("Keys (help)", self.action_help, "?"),
        ]
        for when, count in self.reader.view.dates():
            label = f"Go to {day_label(when)} ({_plural(count, 'article')})"
            commands.append((label, lambda when=when: self.jump_to_date(when), ""))
        return commands

    # --- export -------------------------------------------------------------------------------

    def action_export(self) -> None:
        """Export what is shown: the last search's hits (while highlighted), the filter's articles, or the article."""
        from .export import export_file, suggest_name
        from .screens import ExportScreen

        reader = self.reader
        view = reader.view
        library = self.library
        if self._highlight_query and reader.hits.indexes:
            indexes = list(reader.hits.indexes)
            what, description = f"search {reader.hits.query}", f"Hits for {reader.hits.query!r}"
        elif view.filter:
            indexes = list(view.listed())
            what, description = view.filter.replace(",", "-"), f"{view.filter.capitalize()} articles"
        elif reader.opened is not None:
            indexes = [reader.opened]
            what, description = library.headline(reader.opened)[:40], "This article"
        else:
            self.notify("Nothing to export", timeout=2)
            return
        when = library.date(indexes[0]) if len(indexes) == 1 else date.today()

        def write(path: Path) -> int:  # runs in a worker thread: reads the library, never its caches
            return export_file(path, lambda: map(library.record, indexes), title="sco-reader", description=description)

        def done(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Exported {_plural(len(indexes), 'article')} to {path}", timeout=6, markup=False)

        self.push_screen(ExportScreen(description, len(indexes), suggest_name(what, when, "md"), write), done)

    # --- go to date ---------------------------------------------------------------------------

    def action_goto_date(self) -> None:
        """The go-to-date dialog: type a date, or move in the month calendar beside it."""
        from .screens import GotoDateScreen

        self.push_screen(GotoDateScreen(self.goto_date, self._day_map(), today=date.today(), current=self._current_date()), self._tell)

    def action_year_view(self) -> None:
        """Every day of the archive as a grid of years; Enter jumps to the day."""
        from .screens import YearScreen

        def done(day: date | None) -> None:
            if day is not None:
                self._tell(self.goto_date(day.isoformat())[1])

        self.push_screen(YearScreen(self._day_map(), today=date.today(), current=self._current_date()), done)

    def _day_map(self):  # type: ignore[no-untyped-def]
        """The calendars' data, indexed once per set of dates (its unread counts follow the marks)."""
        from .days import DayMap

        days = self.reader.days()  # the same mapping until the dates change: marks update it in place
        if self._days is None or self._days[0] is not days:
            self._days = (days, DayMap.build(days))
        return self._days[1]

    def _current_date(self) -> date | None:
        return self.library.date(self.reader.opened) if self.reader.opened is not None else None

    def _tell(self, news: str | None) -> None:
        if news:
            self.notify(news, timeout=5, markup=False)

    def goto_date(self, typed: str) -> tuple[bool, str]:
        """Jump to the date the user typed, or the nearest one listed: ``(ok, what happened / why not)``."""
        ok, message = self.reader.goto_date(typed, date.today())
        if ok:
            self._moved(self.reader.open())
        return ok, message

    def jump_to_date(self, when: date | None) -> None:
        """Open the first article of ``when`` (command palette)."""
        if self.reader.jump_to_date(when):
            self._moved(self.reader.open())

    # --- trends and related articles ------------------------------------------------------------

    def tally(self, query: str):  # type: ignore[no-untyped-def]
        """The articles matching ``query``, counted per day (thread-safe: the trend chart recounts in a worker)."""
        from collections import Counter

        from .trends import Tally

        if not query.strip():
            return Tally({})
        with self._engine_lock:
            matches = self._ready_engine().matching(query)
        ordinals = self.library.ordinals
        counted = Counter(map(ordinals.__getitem__, matches))
        undated = counted.pop(0, 0)
        return Tally({date.fromordinal(o): n for o, n in counted.items()}, undated)

    def action_trends(self) -> None:
        """A bar chart of the last search's matches (or a query typed there) across the archive's span."""
        from .screens import TrendScreen

        query = self.reader.hits.query
        first, last = self.reader.span()

        def done(period: tuple[date, date] | None) -> None:
            if period is not None:
                self._open_period(screen.query_text, *period)

        screen = TrendScreen(self.tally(query), query, first=first, last=last, recount=self.tally)
        self.push_screen(screen, done)

    def _open_period(self, query: str, start: date, end: date) -> None:
        """Open the best-ranked hit of ``query`` dated in ``[start, end]``, else its earliest match there."""
        low, high = start.toordinal(), end.toordinal()
        ordinals = self.library.ordinals
        if query == self.reader.hits.query:
            ranked = [i for i in self.reader.hits.indexes if low <= ordinals[i] <= high]
            if ranked:
                self._highlight_query = query
                self._reveal_and_open(ranked[0])
                return
        with self._engine_lock:
            matches = self._ready_engine().matching(query)
        inside = [i for i in matches if low <= ordinals[i] <= high]
        if not inside:
            self.notify("No match in that period", timeout=3)
            return
        self._highlight_query = query
        self._reveal_and_open(min(inside, key=self.library.sort_key))

    def action_related(self) -> None:
        """The ten articles most like the one being read, opened like search results."""
        from .screens import RelatedScreen

        index = self.reader.opened
        if index is None:
            return
        with self._engine_lock:
            related = self._ready_engine().related(index, limit=10)
        library = self.library
        rows = []
        for other, _score in related:
            when = library.date(other)
            line = Text.assemble((f"{when.isoformat() if when else 'undated':<10} ", "dim"), no_wrap=True, overflow="ellipsis")
            line.append_text(Text(library.headline(other) or "(no headline)"))
            rows.append((other, line))
        title = Text.assemble("Related to: ", (library.headline(index), "bold"), no_wrap=True, overflow="ellipsis")
        query = f"related: {library.headline(index)}"

        def done(chosen: int | None) -> None:
            self.reader.hits.replace(query, [other for other, _ in related], complete=len(related))
            self._highlight_query = ""
            if chosen is not None:
                self.reader.hits.choose(chosen)
                self._reveal_and_open(chosen)

        self.push_screen(RelatedScreen(title, rows), done)

    # --- search ----------------------------------------------------------------------------------

    def action_search(self) -> None:
        before = self.reader.opened

        def done(chosen: int | None) -> None:
            if chosen is None:
                self._highlight_query = ""
                if before is not None and self.reader.view.move_to(before):
                    self.timeline.cursor_moved()
                self.reader.show()
                self._show_article(keep_scroll=True)
                return
            self._highlight_query = self.reader.hits.query
            self.reader.hits.choose(chosen)
            self._reveal_and_open(chosen)
            self._show_article(keep_scroll=True)

        from .screens import SearchScreen

        self.push_screen(
            SearchScreen(self.search_hits, self._describe_hit, lambda hit: hit.index, self.reader.hits.query, self._remember_hits),  # type: ignore[arg-type]
            done,
        )

    def _remember_hits(self, query: str, hits: Sequence[Hit], total: int, partial: int) -> None:
        self.reader.hits.replace(query, [hit.index for hit in hits], complete=total, partial=partial)

    def _describe_hit(self, hit: Hit, query: str) -> RenderableType:
        """One search result: date and headline (matches highlighted), and a body snippet when the body matched."""
        library = self.library
        index = hit.index
        when = library.date(index)
        line = Text.assemble((f"{when.isoformat() if when else 'undated':<10} ", "dim"), no_wrap=True, overflow="ellipsis")
        headline = Text(library.headline(index) or "(no headline)")
        for start, end in hit.headline_spans:
            headline.stylize("bold reverse", start, end)
        line.append_text(headline)
        paragraphs = library.body(index)
        if hit.paragraph is None or hit.paragraph >= len(paragraphs):
            return line
        paragraph = paragraphs[hit.paragraph]
        first = hit.paragraph_spans[0][0] if hit.paragraph_spans else 0
        cut = max(0, first - 30)
        snippet = Text(paragraph[: cut + 400], style="dim", no_wrap=True, overflow="ellipsis")
        for start, end in hit.paragraph_spans:
            snippet.stylize("bold reverse", start, end)
        snippet = snippet[cut:]
        if cut:
            snippet = Text.assemble("…", snippet, style="dim", no_wrap=True, overflow="ellipsis")
        return Group(line, Text.assemble(" " * 11, snippet, no_wrap=True, overflow="ellipsis"))

    def action_next_hit(self) -> None:
        self._step_hit(1)

    def action_previous_hit(self) -> None:
        self._step_hit(-1)

    def _step_hit(self, step: int) -> None:
        had_filter = self.reader.view.filter
        stepped = self.reader.step_hit(step)
        if stepped is None:
            self.notify("No search yet: press / to search", timeout=3)
            return
        index, message = stepped
        if had_filter and not self.reader.view.filter:
            self._relisted()
        self._highlight_query = self.reader.hits.query
        self._moved(self.reader.open(index))
        self._show_article(keep_scroll=True)
        self.notify(message, timeout=2, markup=False)

    # --- marks ---------------------------------------------------------------------------------

    def action_toggle_read(self) -> None:
        index = self.reader.opened
        if index is None:
            return
        changed = self.reader.marks.set_read(index, not self.reader.marks.is_read(index))
        self.timeline.refresh_rows(self.reader.view.marks_changed(changed))
        self._update_title()

    def action_mark_date_read(self) -> None:
        view = self.reader.view
        when = view.current_date
        changed = self.reader.marks.mark_read(view.articles_on(when))
        self.timeline.refresh_rows(view.marks_changed(changed))
        self._update_title()
        self.notify(f"Marked {_plural(len(changed), 'article')} of {day_label(when)} read", timeout=3)

    def action_toggle_flag(self) -> None:
        index = self.reader.opened
        if index is None:
            return
        flagged = not self.reader.marks.is_flagged(index)
        changed = self.reader.marks.set_flagged(index, flagged)
        self.timeline.refresh_rows(self.reader.view.marks_changed(changed))
        self.notify("Flagged ★" if flagged else "Unflagged", timeout=2)
