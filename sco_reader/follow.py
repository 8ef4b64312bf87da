"""Following the files while the reader runs: bulletins that appear, grow, change or go away.

Pure (no Textual, no Rich). The pieces, each owning one rule:

* :class:`WatchTargets` — what to watch for a set of inputs: every directory the archive
  listed (each watched on its own, not recursively: starting to watch a tree of 33,000 files
  then costs 17 ms instead of 300 ms with the interpreter held) and, through their parent
  directories, the named files and input directories themselves (an editor that saves by
  renaming replaces the file a watch would have held on to);
* :class:`Watcher` — a thread that says *something changed under the inputs*: file-system
  events through ``watchfiles`` (inotify on Linux), or, where those cannot be had, a polling
  loop whose interval grows with what a pass costs;
* :class:`Gate` — one pass at a time; a change seen during a pass asks for one more after it;
* :class:`FollowPass` — what a pass brought: the articles *new* to the reader (content keys it
  did not list before: a grown file's old articles are not new), the articles that came back
  under another index (an edited file), per file how many are new and how many went, and the
  short notice that says so;
* :class:`Unseen` — the header's ``+12 new``: follow's new articles not yet opened nor read;
* :class:`Unreadable` — files a pass could not read (half-written, not a bulletin yet): read
  again when they change, reported once, and only when they stay so for a while;
* :func:`follow_refresh` — one pass done here and now (the command line's ``--list --follow``).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from .archive import Changes, FileResult, Known, known_files, plan_inputs, read_change
from .loader import pretty_path

if TYPE_CHECKING:
    from .archive import Archive
    from .library import Library

__all__ = [
    "DEBOUNCE_MS",
    "POLL_FACTOR",
    "POLL_SECONDS",
    "SETTLE_SECONDS",
    "STEP_MS",
    "FileNews",
    "FollowPass",
    "Gate",
    "PassReport",
    "Unreadable",
    "Unseen",
    "WatchTargets",
    "Watcher",
    "follow_refresh",
    "present_inputs",
]

STEP_MS = 50
"""A burst of changes is over when none came for this long (and the watcher thread looks up this often)."""
DEBOUNCE_MS = 1000
"""A pass starts at the latest this long after the first change of a burst (a long copy still shows progress)."""
RUST_TIMEOUT_MS = 500
"""The event watcher wakes at least this often when nothing happens (to notice it was asked to stop)."""
POLL_SECONDS = 1.0
"""Shortest interval between two polling passes (when file-system events cannot be had)."""
POLL_FACTOR = 10
"""A polling pass runs at most once per this many times what the last pass cost: 10% of a core at most."""
SETTLE_SECONDS = 2.0
"""A file that cannot be read is reported only once it stayed unchanged this long (an editor, a copy)."""
NOTICE_FILES = 3
"""Files a notice names; the rest are counted."""


def present_inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[str | os.PathLike[str]]:
    """The inputs that exist now: a named file or directory deleted meanwhile counts as empty, not as an error."""
    return [path for path in inputs if os.path.exists(path)]


def _norm(path: str | os.PathLike[str]) -> str:
    return os.path.normpath(os.path.abspath(path))


# --- what to watch ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchTargets:
    """The directories to watch for a set of inputs, and which of their entries matter."""

    directories: frozenset[str]
    """Directories under directory inputs (absolute): a ``*.txt`` file or a directory in them matters."""
    entries: frozenset[str]
    """The inputs themselves (absolute): watched as entries of their parent directories."""
    parents: frozenset[str]
    """The inputs' parent directories, where only :attr:`entries` matter."""

    @classmethod
    def of(cls, inputs: Sequence[str | os.PathLike[str]], dirs: Iterable[str]) -> WatchTargets:
        """For ``inputs`` with ``dirs`` the directories the archive listed below them."""
        entries = frozenset(map(_norm, inputs))
        return cls(frozenset(map(_norm, dirs)), entries, frozenset(os.path.dirname(entry) for entry in entries))

    @property
    def watched(self) -> list[str]:
        """Every directory to watch (not recursively), sorted."""
        return sorted(self.directories | self.parents)

    def relevant(self, path: str) -> bool:
        """Whether a change at ``path`` may change what the reader lists."""
        path = os.path.normpath(path)
        if path in self.entries:
            return True
        if os.path.dirname(path) not in self.directories:
            return False
        return path.endswith(".txt") or path in self.directories or os.path.isdir(path)


class _Either:
    """Set when either event is (what ``watchfiles`` checks to stop)."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self._events = (first, second)

    def is_set(self) -> bool:
        return any(event.is_set() for event in self._events)


class Watcher:
    """A thread that calls ``on_change`` (from that thread) when something may have changed under the inputs.

    ``events=True`` uses file-system events (``watchfiles``); when they cannot be had (the
    package is missing, the system's watch limit is reached) it falls back to polling, as
    ``events=False`` does from the start: ``on_change`` every :attr:`interval` seconds, the
    caller's pass finding out whether anything did change. After the watch (re)starts it calls
    ``on_change`` once, for whatever changed while it was being set up.
    """

    def __init__(self, targets: WatchTargets, on_change: Callable[[], None], *, events: bool = True, interval: float = POLL_SECONDS) -> None:
        self.on_change = on_change
        self.mode = "events" if events else "polling"
        """``"events"`` or ``"polling"`` (after a fallback too)."""
        self.interval = interval
        """Seconds between polling passes (the caller lengthens it when passes cost more)."""
        self.error: str | None = None
        """Why file-system events could not be used (``None``: they are, or were not asked for)."""
        self.ready = threading.Event()
        """Set once the watch is in place (events) or the polling loop runs."""
        self._targets = targets
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def targets(self) -> WatchTargets:
        """What is watched."""
        return self._targets

    def start(self) -> None:
        """Start watching (a daemon thread)."""
        self._thread = threading.Thread(target=self._run, name="sco-reader-follow", daemon=True)
        self._thread.start()

    def retarget(self, targets: WatchTargets) -> None:
        """Watch these directories from now on (the watch restarts only when they differ)."""
        if targets != self._targets:
            self._targets = targets
            self._restart.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop watching and wait (at most ``timeout`` seconds) for the thread to end."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        if self.mode == "events":
            try:
                self._watch_events()
                return
            except Exception as error:  # noqa: BLE001 - any failure of the watch means: poll instead
                self.error = " ".join(str(error).split()) or type(error).__name__
                self.mode = "polling"
        self._poll()

    def _watch_events(self) -> None:
        from watchfiles import watch

        while not self._stop.is_set():
            self._restart.clear()
            targets = self._targets
            paths = [path for path in targets.watched if os.path.isdir(path)]
            if not paths:  # nothing left to watch: wait to be told of other directories
                while not (self._stop.wait(RUST_TIMEOUT_MS / 1000) or self._restart.is_set()):
                    pass
                continue
            started = False
            for changes in watch(
                *paths,
                watch_filter=lambda _change, path, targets=targets: targets.relevant(path),  # type: ignore[misc]
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=_Either(self._stop, self._restart),
                rust_timeout=RUST_TIMEOUT_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
                recursive=False,
                ignore_permission_denied=True,
            ):
                if not started:  # the first yield (a change or the first timeout): the watch is in place
                    started = True
                    self.ready.set()
                    self.on_change()
                    continue
                if changes:
                    self.on_change()

    def _poll(self) -> None:
        self.ready.set()
        while not self._stop.wait(self.interval):
            self.on_change()


def poll_interval(pass_seconds: float) -> float:
    """Seconds between polling passes after a pass that took ``pass_seconds``."""
    return max(POLL_SECONDS, POLL_FACTOR * pass_seconds)


# --- one pass at a time -------------------------------------------------------------------------


@dataclass(slots=True)
class Gate:
    """Never two passes at once: a change seen during a pass runs one more pass after it."""

    running: bool = False
    """Whether a pass is under way."""
    wanted: bool = False
    """Whether another pass is wanted once this one is over."""

    def request(self) -> bool:
        """Something changed: ``True`` when a pass should start now."""
        if self.running:
            self.wanted = True
            return False
        self.running = True
        return True

    def finished(self) -> bool:
        """The pass is over: ``True`` when another should start at once (the gate stays closed)."""
        if self.wanted:
            self.wanted = False
            return True
        self.running = False
        return False


# --- what a pass brought ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Batch:
    """What one set of changes (a part of a pass) brought."""

    new: list[int]
    """Articles new to the reader, in input order."""
    moved: dict[int, int]
    """Articles that left under one index and came back under another (same content key): old → new."""


@dataclass(frozen=True, slots=True)
class FileNews:
    """What a pass did to one file."""

    path: str
    """The file (as found on disk)."""
    kind: str
    """``"new"``, ``"changed"`` or ``"deleted"``."""
    new: int
    """Its articles new to the reader."""
    gone: int
    """Articles it held that nothing lists any more."""

    @property
    def phrase(self) -> str:
        """``2024-07-09.txt: 12 new`` (the path as a user would type it)."""
        counts = [f"{self.new:,} new"] if self.new else []
        if self.gone:
            counts.append(f"{self.gone:,} gone")
        if self.kind == "deleted":
            counts.insert(0, "deleted")
        return f"{pretty_path(self.path)}: {', '.join(counts)}"


@dataclass(frozen=True, slots=True)
class PassReport:
    """What a whole pass brought."""

    files: tuple[FileNews, ...] = ()
    """Per file read or dropped, in the order met."""
    new: tuple[int, ...] = ()
    """Articles new to the reader."""
    gone: int = 0
    """Articles no longer listed at all."""

    @property
    def notice(self) -> str | None:
        """A short notice naming the files with new or gone articles (``None``: nothing worth saying)."""
        worth = [news for news in self.files if news.new or news.gone]
        if not worth:
            return None
        shown = "  ·  ".join(news.phrase for news in worth[:NOTICE_FILES])
        more = len(worth) - NOTICE_FILES
        return shown + (f"  ·  and {more:,} more file{'s' if more != 1 else ''}" if more > 0 else "")


class FollowPass:
    """Collects one pass's changes (they may come in several parts) and tells what they brought.

    An added article is *new* unless its content key was listed before the pass: a grown
    or edited file's unchanged articles, a renamed file's and a repeat of a listed article
    are not new.
    """

    def __init__(self, library: Library) -> None:
        self.library = library
        self._dropped: list[int] = []
        self._dropped_keys: set[int] = set()
        self._new: list[int] = []
        self._files_added: list[int] = []
        self._files_dropped: list[int] = []

    def take(self, changes: Changes) -> Batch:
        """Take in one part of the pass (after the archive applied it)."""
        library = self.library
        keys, dead = library.keys, library.dead
        dropped = [index for part in changes.dropped for index in part]
        self._dropped.extend(dropped)
        self._dropped_keys.update(keys[index] for index in dropped)
        added = [index for part in changes.added for index in part if index not in dead]
        added_set = set(added)
        first_of_key: dict[int, int] = {}
        new: list[int] = []
        for index in added:
            key = keys[index]
            first_of_key.setdefault(key, index)
            if key in self._dropped_keys:
                continue
            if any(other not in dead and other not in added_set for other in library.with_keys((key,))):
                continue  # a repeat of an article listed before
            new.append(index)
        self._new.extend(new)
        self._files_added.extend(changes.files_added)
        self._files_dropped.extend(changes.files_dropped)
        moved = {old: first_of_key[keys[old]] for old in self._dropped if keys[old] in first_of_key}
        return Batch(new, moved)

    def report(self) -> PassReport:
        """What the pass brought, per file and in all."""
        library = self.library
        files = library.files
        new = set(self._new)
        by_path: dict[str, list[int]] = {}
        order: list[str] = []
        for number, what in [*((n, "dropped") for n in self._files_dropped), *((n, "added") for n in self._files_added)]:
            path = files[number].path
            if path not in by_path:
                by_path[path] = [0, 0, 0, 0]  # added?, dropped?, new, gone
                order.append(path)
            entry = by_path[path]
            first, count = files[number].first, files[number].count
            if what == "added":
                entry[0] = 1
                entry[2] += sum(1 for index in range(first, first + count) if index in new)
            else:
                entry[1] = 1
                entry[3] += sum(1 for index in range(first, first + count) if self._is_gone(index))
        news = []
        for path in order:
            added, dropped, count_new, count_gone = by_path[path]
            kind = "changed" if added and dropped else "new" if added else "deleted"
            news.append(FileNews(path, kind, count_new, count_gone))
        gone = sum(1 for index in set(self._dropped) if self._is_gone(index))
        return PassReport(tuple(news), tuple(self._new), gone)

    def _is_gone(self, index: int) -> bool:
        """Whether no listed article has the dropped article ``index``'s content key."""
        library = self.library
        return all(other in library.dead for other in library.with_keys((library.keys[index],)))


class Unseen:
    """Articles follow brought that are still unread and were never opened (the header's ``+12 new``).

    An article leaves for good once it is read (opening it marks it read) or no longer listed.
    """

    def __init__(self) -> None:
        self._indexes: set[int] = set()

    def add(self, indexes: Iterable[int], read: Sequence[int]) -> None:
        """New articles (those already read, by their content key, do not count)."""
        self._indexes.update(index for index in indexes if not read[index])

    def moved(self, moved: Mapping[int, int]) -> None:
        """Articles that came back under another index (an edited file) keep their place in the count."""
        for old, new in moved.items():
            if old in self._indexes:
                self._indexes.discard(old)
                self._indexes.add(new)

    def count(self, read: Sequence[int], dead: set[int]) -> int:
        """How many are unseen now (those read or gone meanwhile leave for good)."""
        seen = {index for index in self._indexes if read[index] or index in dead}
        self._indexes -= seen
        return len(self._indexes)

    def __contains__(self, index: object) -> bool:
        return index in self._indexes


# --- files that could not be read -------------------------------------------------------------


@dataclass(slots=True)
class _Failure:
    signature: tuple[int, int, int, int]
    """The file's ``stat`` when it was found failing."""
    message: str
    """Why it could not be read (names the file)."""
    since: float
    """When it was found failing (``time.monotonic``)."""
    reported: bool = False


def _signature(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


@dataclass(slots=True)
class Unreadable:
    """Files a pass could not read (an editor or a copy half-way, not a bulletin yet), and pass-wide problems.

    A failing file is read again as soon as it changes (its directory is listed again by the
    next pass, as the archive keeps no entry for it); it is reported once, and only after it
    stayed unchanged for :data:`SETTLE_SECONDS`: an editor's every save never shows a notice.
    """

    settle: float = SETTLE_SECONDS
    """Seconds a failing file must stay unchanged before it is reported."""
    failures: dict[str, _Failure] = field(default_factory=dict)
    """Failing files by path."""
    problem: str | None = None
    """The last pass-wide problem (an input that cannot be listed), as last reported."""

    def took(self, result: FileResult, now: float) -> None:
        """A file was read (or failed to be) by a pass."""
        path = result.item.path
        if result.skipped is None:
            self.failures.pop(path, None)
            return
        signature = _signature(result.item.stat)
        found = self.failures.get(path)
        if found is not None and found.signature == signature and found.message == result.skipped:
            return  # the same failure again: keep its time and whether it was told
        self.failures[path] = _Failure(signature, result.skipped, now)

    def force(self, known: Known, stat: Callable[[str], os.stat_result] = os.stat) -> None:
        """Make the next pass read failing files that changed since (their directories are listed again)."""
        if not self.failures:
            return
        directories = {os.path.normpath(directory): directory for directory in known.dirs}
        for path, failure in list(self.failures.items()):
            try:
                signature = _signature(stat(path))
            except OSError:
                del self.failures[path]  # gone: nothing to read, nothing to report
                continue
            if signature == failure.signature:
                continue
            listed = directories.get(os.path.normpath(os.path.dirname(path)))
            if listed is not None:
                known.dirs[listed] = -1  # no directory has this mtime: it is listed again

    def due(self, now: float, stat: Callable[[str], os.stat_result] = os.stat) -> list[str]:
        """Messages to show now: failing files unchanged for :attr:`settle` seconds, each once."""
        messages = []
        for path, failure in list(self.failures.items()):
            if failure.reported:
                continue
            try:
                signature = _signature(stat(path))
            except OSError:
                del self.failures[path]
                continue
            if signature == failure.signature and now - failure.since >= self.settle:
                failure.reported = True
                messages.append(f"{failure.message} (not read; read again when it changes)")
        return messages

    def next_due(self) -> float | None:
        """When (``time.monotonic``) a failing file not reported yet may be due, ``None``: none is."""
        waiting = [failure.since + self.settle for failure in self.failures.values() if not failure.reported]
        return min(waiting) if waiting else None

    def report_problem(self, message: str | None) -> str | None:
        """A pass ended with ``message`` (``None``: it went well): the message when it is news, else ``None``."""
        if message == self.problem:
            return None
        self.problem = message
        return message


# --- one pass, here and now ----------------------------------------------------------------------


def follow_refresh(archive: Archive, inputs: Sequence[str | os.PathLike[str]], unreadable: Unreadable, now: float | None = None) -> Changes:
    """Bring ``archive`` up to date with ``inputs`` as a follow pass does: the quick plan, files that
    cannot be read skipped (and recorded in ``unreadable``), inputs that vanished counted as empty;
    saves the index. :class:`~sco_reader.loader.LoadError` when an input cannot be listed."""
    moment = time.monotonic() if now is None else now
    known = known_files(archive)
    unreadable.force(known)
    work = plan_inputs(present_inputs(inputs), known)
    changes = Changes()
    archive.begin(work, changes)
    for number, item in work.todo:
        result = read_change(number, item, known.digest(number) if number is not None else None, archive.encoding, False)
        archive.apply(result, changes)
        unreadable.took(result, moment)
    archive.save()
    return changes
