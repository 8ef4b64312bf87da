"""The ``sco-reader`` command: argument parsing, non-interactive modes, and the app factory.

``make_app(argv)`` is the one way to build the reader: the console script, the
tests and the benchmarks all call it. Textual is imported only when the TUI is
actually wanted, so ``--json``/``--list``/``--check`` start fast. Every mode reads
the inputs through the archive index (:mod:`sco_reader.archive`), so a second run
over unchanged files reads no bulletin at all.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterable, NoReturn, Sequence

from . import __version__
from .archive import Archive, cache_root
from .dates import date_bounds
from .loader import DEFAULT_ENCODING, LoadError, bundled_seeds, check_encoding, check_inputs, scan
from .reader import Reader
from .errors import EXIT_BAD_INPUT, EXIT_NO_MATCH, EXIT_OK, UsageError, UserError

if TYPE_CHECKING:
    from .app import ReaderApp
    from .library import Library
    from .state import ReadingState


SYNC_LOAD_BYTES = 4 * 1024 * 1024
"""Inputs up to this size are read before the app starts; larger ones in a worker, the screen already up."""

EXAMPLES = """\
examples:
  sco-reader                          read the bundled SCO summit bulletin
  sco-reader ~/bulletins              read every *.txt below a directory
  sco-reader a.txt b.txt --list       timeline, oldest first, one article a line
  sco-reader --search "putin tokayev" best matches, best first (exit 1 if none)
  sco-reader --json --search @04.07   matching articles as JSON
  sco-reader --check archive/         report anomalies as file:line: level: message
  sco-reader --list --follow ~/inbox  timeline, then each new article as it arrives (Ctrl+C ends)
  sco-reader --encoding cp1251 old.txt
  sco-reader ~/bulletins --search belarus --by month    matches per month, with bars
  sco-reader --related 9f71f0bf7ef8b156 --json           the articles most like one article
  sco-reader ~/bulletins --flagged --html > clips.html  flagged articles as one HTML page
  sco-reader --serve                                     read in a browser (this machine only)

exit status: 0 ok, 1 no match (--search) or diagnostics (--check), 2 bad input
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see sco-reader --help)")


def build_parser() -> argparse.ArgumentParser:
    """The command line, documented in ``--help`` and the README."""
    parser = _Parser(
        prog="sco-reader",
        description="A terminal reader for news bulletins: a dated timeline, fuzzy search, reading state.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="bulletin files or directories (every *.txt below, in path order); default: the bundled bulletin",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="print the timeline, oldest first, and exit")
    mode.add_argument("--json", action="store_true", help="print articles, bulletins and diagnostics as JSON")
    mode.add_argument("--check", action="store_true", help="print diagnostics as file:line: level: message")
    mode.add_argument("--markdown", action="store_true", help="print the articles as Markdown, one section per date")
    mode.add_argument("--html", action="store_true", help="print the articles as one self-contained HTML page")
    parser.add_argument("--search", metavar="QUERY", help="ranked matches for QUERY (with --json: as JSON)")
    parser.add_argument("--limit", type=int, metavar="N", help="how many matches --search (or --related) prints (default 10)")
    parser.add_argument("--by", choices=("day", "week", "month"), help="count articles (or --search's matches) per period, with a bar; --json: the series")
    parser.add_argument("--related", metavar="ID", help="the articles most like article ID (an id from --json), best first")
    parser.add_argument(
        "--encoding", default=DEFAULT_ENCODING, metavar="NAME", help="text encoding of the files (default utf-8)"
    )
    parser.add_argument("--unread", action="store_true", help="only unread articles (--list, --json, --search)")
    parser.add_argument("--flagged", action="store_true", help="only flagged articles (--list, --json, --search)")
    parser.add_argument("--from", dest="since", metavar="DATE", help="only articles from DATE on (2024-07-04, 04.07, jul, -7d…)")
    parser.add_argument("--to", dest="until", metavar="DATE", help="only articles up to DATE (its last day: --to 2024 is through 31 Dec)")
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--state", metavar="PATH", help="reading-state database (default: $SCO_READER_STATE or the user state dir)")
    state.add_argument("--no-state", action="store_true", help="keep no reading state")
    cache = parser.add_mutually_exclusive_group()
    cache.add_argument("--cache", metavar="DIR", help="where the archive index lives (default: $SCO_READER_CACHE or the user cache dir)")
    cache.add_argument("--no-cache", action="store_true", help="keep no archive index: read every file, store nothing")
    parser.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="take in bulletins that appear, grow, change or go away while reading (the reader's default; "
        "--no-follow: off); with --list: print each new article as it arrives, until Ctrl+C",
    )
    parser.add_argument("--serve", action="store_true", help="serve the reader to web browsers, one reader per tab")
    parser.add_argument("--host", metavar="HOST", help="with --serve: address to listen on (default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, metavar="PORT", help="with --serve: TCP port (default 8000; 0: any free port)")
    parser.add_argument("--version", action="version", version=f"sco-reader {__version__}")
    return parser


@dataclass(slots=True)
class Options:
    """Parsed, validated command line."""

    inputs: list[Path]
    """What the user named (or the bundled bulletin), in order."""
    encoding: str
    """Codec name for the files."""
    args: argparse.Namespace
    """Everything else as argparse gave it."""
    warnings: list[str] = field(default_factory=list)
    """One-line messages for the user (e.g. state file moved aside)."""

    @property
    def batch(self) -> bool:
        """Whether a non-interactive mode was asked for."""
        args = self.args
        return bool(
            args.list or args.json or args.check or args.markdown or args.html or args.by
            or args.search is not None or args.related is not None
        )

    @property
    def output(self) -> bool:
        """Whether a mode that prints articles was asked for (not ``--check``)."""
        args = self.args
        return bool(args.list or args.json or args.markdown or args.html or args.search is not None)


def parse_options(argv: Sequence[str]) -> Options:
    """Parse and check ``argv``: :class:`UsageError` or :class:`LoadError` on bad input."""
    args = build_parser().parse_args(list(argv))
    if args.related is not None and (args.search is not None or args.by):
        raise UsageError("--related lists one article's relatives: it takes no --search or --by")
    if args.by and (args.list or args.markdown or args.html or args.check):
        raise UsageError("--by prints counts per period (with --json: the series); it takes no --list, --markdown, --html or --check")
    if args.limit is not None:
        if args.search is None and args.related is None:
            raise UsageError("--limit goes with --search or --related")
        if args.by:
            raise UsageError("--by counts every match: it takes no --limit")
        if args.limit < 1:
            raise UsageError("--limit must be at least 1")
    filters = args.unread or args.flagged or args.since or args.until
    if args.check and (args.search is not None or filters):
        raise UsageError("--check reports every file's diagnostics: it takes no --search, --unread, --flagged, --from or --to")
    if filters and args.search is None and not (args.list or args.json or args.markdown or args.html):
        raise UsageError("--unread, --flagged, --from and --to go with --list, --json, --markdown, --html or --search")
    if args.follow and (args.json or args.check or args.markdown or args.html or args.by or args.search is not None or args.related is not None):
        raise UsageError("--follow goes with --list or the reader, not with --json, --check, --markdown, --html, --search, --related or --by")
    for name, typed in (("--from", args.since), ("--to", args.until)):
        if typed is not None and date_bounds(typed) is None:
            raise UsageError(f"{name}: not a date: {typed!r} (try 2024-07-04, 04.07, 4 Jul, jul, 2024, -7d)")
    encoding = check_encoding(args.encoding)
    inputs = [Path(p) for p in args.paths] or bundled_seeds()
    check_inputs(inputs)
    return Options(inputs=inputs, encoding=encoding, args=args)


def open_state(options: Options) -> ReadingState:
    """The reading state the command line asks for (in memory with ``--no-state``)."""
    from .state import ReadingState, default_state_path

    args = options.args
    if args.no_state:
        path = None
    elif args.state:
        path = Path(args.state).expanduser()
    else:
        path = default_state_path()
    state, warning = ReadingState.open(path)
    if warning:
        options.warnings.append(warning)
    return state


def open_archive(options: Options) -> Archive:
    """The archive of the inputs: from the index cache (unless ``--no-cache``), nothing read yet."""
    args = options.args
    root = None if args.no_cache else (Path(args.cache).expanduser() if args.cache else cache_root())
    return Archive.open(options.inputs, options.encoding, root)


def session_of(inputs: Sequence[Path]) -> str:
    """The resume-position key of a set of inputs (order and repeats ignored)."""
    from .state import session_key

    return session_key(os.fsdecode(os.path.abspath(p)) for p in inputs)


class Progress:
    """``Indexing 1,234 / 33,334 files`` on stderr while the index is built (only when stderr is a terminal)."""

    def __init__(self, err: IO[str]) -> None:
        self.err = err
        self.shown = False
        self._last = 0.0
        self._live = hasattr(err, "isatty") and err.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._live or (now - self._last < 0.1 and done != total):
            return
        self._last = now
        self.err.write(f"\rsco-reader: indexing {done:,} / {total:,} files…")
        self.err.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.err.write("\r\x1b[K")
            self.err.flush()


def refresh(archive: Archive, options: Options, err: IO[str], strict: bool = True) -> None:
    """Bring the archive up to date with the files (progress on a terminal's stderr)."""
    progress = Progress(err)
    try:
        changes = archive.refresh(options.inputs, progress, strict=strict)
    finally:
        progress.close()
    for skipped in changes.skipped:
        options.warnings.append(skipped)
    options.warnings.extend(archive.warnings)


def make_app(argv: Sequence[str]) -> ReaderApp:
    """Build the reader for ``argv`` without starting it.

    Small inputs are read here (so bad input fails before the screen opens); a large
    archive opens from its index at once and is brought up to date by the app's worker.
    """
    return _make_app(parse_options(argv))


def _make_app(options: Options) -> ReaderApp:
    from .app import ReaderApp

    state = open_state(options)
    archive = open_archive(options)
    synced = False
    if archive.loaded:
        small = archive.total_bytes <= SYNC_LOAD_BYTES
    else:
        small = sum(f.stat.st_size for f in scan(options.inputs)) <= SYNC_LOAD_BYTES
    if small:
        refresh(archive, options, sys.stderr)
        options.warnings[:] = [w for w in options.warnings if w not in archive.warnings]
        synced = True
    return ReaderApp(
        archive,
        inputs=options.inputs,
        state=state,
        session=session_of(options.inputs),
        synced=synced,
        warnings=options.warnings,
        follow=options.args.follow is not False and bool(options.args.paths),  # the bundled bulletin never changes
    )


def _timeline_line(library: Library, index: int, marker: str = "") -> str:
    when = library.date(index)
    time_text = library.time(index) or "     "
    return f"{marker + ' ' if marker else ''}{when.isoformat() if when else '----------'} {time_text}  {library.headline(index)}"


def _write_json(out: IO[str], library: Library, indexes: Iterable[int], marks: Reader | None) -> None:
    """Stream the ``--json`` document one article at a time."""
    import json

    out.write('{"articles": [')
    first = True
    for index in indexes:
        record = library.article(index).to_json()
        if marks is not None:
            record["read"] = marks.marks.is_read(index)
            record["flagged"] = marks.marks.is_flagged(index)
        out.write(("\n  " if first else ",\n  ") + json.dumps(record, ensure_ascii=False))
        first = False
    out.write("\n],\n" if not first else "],\n")
    out.write(' "bulletins": ' + json.dumps([b.to_json() for b in library.bulletins], ensure_ascii=False) + ",\n")
    out.write(' "diagnostics": ' + json.dumps([d.to_json() for d in library.diagnostics], ensure_ascii=False))
    out.write("\n}\n")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def run_batch(options: Options, out: IO[str], err: IO[str]) -> int:
    """``--list``, ``--json``, ``--search`` and ``--check``: read, print, return the exit status."""
    args = options.args
    # --check reads every file again, whatever an index holds.
    archive = Archive.open(options.inputs, options.encoding, None) if args.check else open_archive(options)
    refresh(archive, options, err)
    library = archive.library
    if args.check:
        for warning in options.warnings:
            err.write(f"sco-reader: {warning}\n")
        diagnostics = library.diagnostics
        for diagnostic in diagnostics:
            out.write(f"{diagnostic}\n")
        err.write(
            f"sco-reader: {_plural(library.alive, 'article')} in {_plural(len(library.bulletins), 'file')}, "
            f"{_plural(len(diagnostics), 'diagnostic')}\n"
        )
        return EXIT_NO_MATCH if diagnostics else EXIT_OK

    state = None if args.no_state else open_state(options)
    for warning in options.warnings:
        err.write(f"sco-reader: {warning}\n")
    reader = Reader(library, state)
    view = reader.view
    mode = ",".join(name for name, wanted in (("unread", args.unread), ("flagged", args.flagged)) if wanted)
    if mode:
        view.set_filter(mode, keep_current=False)  # type: ignore[arg-type]

    in_range = _date_range(library, args.since, args.until)
    if in_range is not None:
        listed = view.is_listed
        view_listed = lambda index: listed(index) and in_range(index)  # noqa: E731
    else:
        view_listed = view.is_listed

    if args.by:
        return _print_by(out, archive, reader, view_listed, args)
    matched = True
    chosen: Iterable[int]
    if args.related is not None:
        index = _article_by_id(library, args.related)
        engine = archive.search_engine()
        chosen = [other for other, _ in engine.related(index, limit=args.limit or 10) if view_listed(other)]
        matched = bool(chosen)
    elif args.search is not None:
        limit = args.limit or 10
        engine = archive.search_engine()
        hits = engine.search(args.search, None if mode or in_range is not None else limit)
        chosen = [hit.index for hit in hits if view_listed(hit.index)][:limit]
        matched = bool(chosen)
        if err.isatty() and not mode and in_range is None:
            complete, partial = engine.last_total, engine.last_partial
            err.write(f"sco-reader: {_plural(complete, 'article')} match all words" + (f", {partial:,} all but one\n" if partial else "\n"))
        entry = archive.write_search_segment(engine)  # what this search had to index, kept for the next
        if entry is not None:
            archive.add_search_segment(entry)
            archive.save()
    elif args.list or args.markdown or args.html:
        chosen = view.listed() if in_range is None else (i for i in view.listed() if in_range(i))
    else:
        chosen = (i for i in range(len(library)) if view_listed(i))

    if args.markdown or args.html:
        from .export import write_html, write_markdown

        picked = list(chosen)
        writer = write_html if args.html else write_markdown
        writer(out, lambda: map(library.article, picked), title="sco-reader", description=_describe(options))
    elif args.json:
        _write_json(out, library, chosen, reader if state is not None else None)
    else:
        marks = reader.marks
        for index in chosen:
            marker = ""
            if state is not None and args.list:
                marker = (" " if marks.is_read(index) else "*") + ("!" if marks.is_flagged(index) else " ")
            out.write(_timeline_line(library, index, marker) + "\n")
        if args.search is not None and not matched:
            err.write(f"sco-reader: no match for {args.search!r}\n")
    if args.list and library.diagnostics:
        err.write(f"sco-reader: {_plural(len(library.diagnostics), 'diagnostic')} (see --check)\n")
    if args.list and args.follow:
        _follow_list(archive, options, reader, in_range, state is not None, out, err)
    if state is not None:
        state.close()
        for problem in state.problems:  # a lock or a disk error kept marks from being saved
            err.write(f"sco-reader: {problem}\n")
    return EXIT_OK if matched else EXIT_NO_MATCH


def _follow_list(archive: Archive, options: Options, reader: Reader, in_range, marked: bool, out: IO[str], err: IO[str]) -> None:  # type: ignore[no-untyped-def]
    """``--list --follow``: after the timeline, each new article's line as it arrives (input order within a
    file), as ``tail -f`` does, until Ctrl+C. Files that cannot be read yet are told once they settle."""
    from .archive import Changes
    from .follow import FollowPass, Unreadable, Watcher, WatchTargets, follow_refresh, poll_interval

    args = options.args
    marks = reader.marks
    changed = threading.Event()
    watcher = Watcher(WatchTargets.of(options.inputs, archive.dirs), changed.set)
    unreadable = Unreadable()
    out.flush()
    watcher.start()
    try:
        while True:
            while not changed.wait(0.5):
                for message in unreadable.due(time.monotonic()):
                    err.write(f"sco-reader: {message}\n")
            changed.clear()
            started = time.perf_counter()
            follow = FollowPass(archive.library)
            try:
                changes = follow_refresh(archive, options.inputs, unreadable)
                problem = unreadable.report_problem(None)
            except LoadError as error:
                changes, problem = Changes(), unreadable.report_problem(str(error))
            if problem is not None:
                err.write(f"sco-reader: {problem}\n")
            batch = follow.take(changes)
            marks.dropped([index for part in changes.dropped for index in part])
            marks.grow()
            for index in batch.new:
                if (args.unread and marks.is_read(index)) or (args.flagged and not marks.is_flagged(index)):
                    continue
                if in_range is not None and not in_range(index):
                    continue
                marker = (" " if marks.is_read(index) else "*") + ("!" if marks.is_flagged(index) else " ") if marked else ""
                out.write(_timeline_line(archive.library, index, marker) + "\n")
            out.flush()
            watcher.interval = poll_interval(time.perf_counter() - started)
            watcher.retarget(WatchTargets.of(options.inputs, archive.dirs))
    except KeyboardInterrupt:
        return
    finally:
        watcher.stop()


def _article_by_id(library: Library, wanted: str) -> int:
    """The article whose id (as ``--json`` prints it: content key, ``~n`` for the n-th repeat) is ``wanted``."""
    key, _, repeat = wanted.strip().partition("~")
    try:
        number = int(key, 16)
    except ValueError:
        raise UsageError(f"--related: not an article id: {wanted!r} (ids are as --json prints them)") from None
    for index in sorted(library.with_keys([number])):
        if index not in library.dead and library.id(index) == wanted.strip().lower():
            return index
    raise UsageError(f"--related: no article {wanted!r} in these bulletins")


def _print_by(out: IO[str], archive: Archive, reader: Reader, listed, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    """``--by day|week|month``: one period a line with its count and a bar (``--json``: the series)."""
    from collections import Counter

    from .trends import Tally, bucket, format_lines, series_json

    library = archive.library
    if args.search is not None:
        indexes: Iterable[int] = (i for i in archive.search_engine().matching(args.search) if listed(i))
    else:
        indexes = (i for i in reader.view.listed() if listed(i))
    counted = Counter(map(library.ordinals.__getitem__, indexes))
    undated = counted.pop(0, 0)
    first, last = reader.span()
    series = bucket(Tally({date.fromordinal(o): n for o, n in counted.items()}, undated), args.by, first, last)
    if args.json:
        import json

        out.write(json.dumps({"by": args.by, "query": args.search, "series": series_json(series), "undated": undated}, ensure_ascii=False) + "\n")
    else:
        for line in format_lines(series, 40):
            out.write(line + "\n")
        if undated:
            out.write(f"undated  {undated:,}\n")
    return EXIT_OK if series.total or undated else EXIT_NO_MATCH


def _date_range(library: Library, since: str | None, until: str | None):  # type: ignore[no-untyped-def]
    """A test for ``--from`` / ``--to`` (``None``: no range given); undated articles fall outside any range."""
    if since is None and until is None:
        return None
    first = date_bounds(since)[0].toordinal() if since else 1  # type: ignore[index]
    last = date_bounds(until)[1].toordinal() if until else date.max.toordinal()  # type: ignore[index]
    ordinals = library.ordinals
    return lambda index: first <= ordinals[index] <= last and ordinals[index] != 0


def _describe(options: Options) -> str:
    """What an export holds, in words (the page's subtitle)."""
    args = options.args
    parts = []
    if args.search is not None:
        parts.append(f"search {args.search!r}")
    parts.extend(name for name, wanted in (("unread", args.unread), ("flagged", args.flagged)) if wanted)
    if args.since:
        parts.append(f"from {args.since}")
    if args.until:
        parts.append(f"to {args.until}")
    return ", ".join(parts) or "all articles"


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns (and exits with) the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if sys.stdout is None:  # started with stdout closed (>&-)
        sys.stderr.write("sco-reader: standard output is closed; nothing to write to\n")
        return EXIT_BAD_INPUT
    try:
        options = parse_options(argv)
        if options.args.serve or options.args.host is not None or options.args.port is not None:
            from .serve import INSTALL_HINT, serve_settings

            settings = serve_settings(options.args)
            try:
                from .serve_http import run_serve
            except ImportError as error:
                raise UsageError(f"--serve needs textual-serve ({error.name or error} is missing): {INSTALL_HINT}") from None
            return run_serve(settings)
        if not options.batch and not sys.stdout.isatty() and "TEXTUAL_DRIVER" not in os.environ:
            # Not a terminal (a file, a pipe): print the timeline, as git and ls adapt, never the full-screen UI
            # (unless a driver of another kind, such as textual-serve's web driver, draws the screen).
            options.args.list = True
        if options.batch:
            status = run_batch(options, sys.stdout, sys.stderr)
            sys.stdout.flush()
            return status
        app = _make_app(options)
    except UserError as error:  # bad input, a bad option, a state file refused: one line, exit 2
        sys.stderr.write(f"sco-reader: {error}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # Reader of our output went away (e.g. `| head`): not an error.
        _silence_stdout()
        return EXIT_OK
    except OSError as error:
        if getattr(error, "filename", None):
            sys.stderr.write(f"sco-reader: {os.fsdecode(error.filename)}: {error.strerror or error}\n")
        else:  # writing our output failed (a full disk, a closed descriptor)
            _silence_stdout()
            sys.stderr.write(f"sco-reader: write error: {error.strerror or error}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    app.run()
    if app.load_error:
        sys.stderr.write(f"sco-reader: {app.load_error}\n")
        return EXIT_BAD_INPUT
    for warning in options.warnings:
        sys.stderr.write(f"sco-reader: {warning}\n")
    if app.state is not None:
        app.state.close()
        for problem in app.state.problems[app.shown_problems :]:  # what the screen never got to show
            sys.stderr.write(f"sco-reader: {problem}\n")
    return app.return_code or EXIT_OK


def entry() -> NoReturn:
    """``python -m sco_reader``."""
    sys.exit(main())
