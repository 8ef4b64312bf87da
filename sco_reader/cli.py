"""The ``sco-reader`` command: argument parsing, non-interactive modes, and the app factory.

``make_app(argv)`` is the one way to build the reader: the console script, the
tests and the benchmarks all call it. Textual is imported only when the TUI is
actually wanted, so ``--json``/``--list``/``--check`` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterable, NoReturn, Sequence

from . import __version__
from .loader import DEFAULT_ENCODING, LoadError, bundled_seeds, check_encoding, discover, load_files
from .model import Article, Library
from .state import StateRefused

if TYPE_CHECKING:
    from .app import ReaderApp
    from .state import ReadingState

EXIT_OK = 0
EXIT_NO_MATCH = 1
EXIT_BAD_INPUT = 2

SYNC_LOAD_BYTES = 4 * 1024 * 1024
"""Inputs up to this size are loaded before the app starts; larger ones load progressively."""

EXAMPLES = """\
examples:
  sco-reader                          read the bundled SCO summit bulletin
  sco-reader ~/bulletins              read every *.txt below a directory
  sco-reader a.txt b.txt --list       timeline, oldest first, one article a line
  sco-reader --search "putin tokayev" best matches, best first (exit 1 if none)
  sco-reader --json --search @04.07   matching articles as JSON
  sco-reader --check archive/         report anomalies as file:line: level: message
  sco-reader --encoding cp1251 old.txt

exit status: 0 ok, 1 no match (--search) or diagnostics (--check), 2 bad input
"""


class UsageError(Exception):
    """Bad command line; ``str()`` is the one-line message."""


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
    parser.add_argument("--search", metavar="QUERY", help="ranked matches for QUERY (with --json: as JSON)")
    parser.add_argument("--limit", type=int, default=10, metavar="N", help="how many matches --search prints")
    parser.add_argument(
        "--encoding", default=DEFAULT_ENCODING, metavar="NAME", help="text encoding of the files (default utf-8)"
    )
    parser.add_argument("--unread", action="store_true", help="with --list/--json: only unread articles")
    parser.add_argument("--flagged", action="store_true", help="with --list/--json: only flagged articles")
    state = parser.add_mutually_exclusive_group()
    state.add_argument("--state", metavar="PATH", help="reading-state database (default: $SCO_READER_STATE or the user state dir)")
    state.add_argument("--no-state", action="store_true", help="keep no reading state")
    parser.add_argument("--version", action="version", version=f"sco-reader {__version__}")
    return parser


@dataclass(slots=True)
class Options:
    """Parsed, validated command line."""

    files: list[Path]
    """Bulletin files to read, in order."""
    encoding: str
    """Codec name for the files."""
    args: argparse.Namespace
    """Everything else as argparse gave it."""
    warnings: list[str] = field(default_factory=list)
    """One-line messages for the user (e.g. state file moved aside)."""

    @property
    def total_bytes(self) -> int:
        """Size of every input on disk."""
        total = 0
        for path in self.files:
            try:
                total += path.stat().st_size
            except OSError:
                pass
        return total


def parse_options(argv: Sequence[str]) -> Options:
    """Parse and check ``argv``: :class:`UsageError` or :class:`LoadError` on bad input."""
    args = build_parser().parse_args(list(argv))
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    if (args.unread or args.flagged) and args.search is None and not (args.list or args.json):
        raise UsageError("--unread and --flagged go with --list or --json")
    encoding = check_encoding(args.encoding)
    files = discover(args.paths or bundled_seeds())
    return Options(files=files, encoding=encoding, args=args)


def load_all(options: Options) -> Library:
    """Load every input file into a :class:`Library` (raises :class:`LoadError`)."""
    return load_files(options.files, options.encoding)


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


def make_app(argv: Sequence[str]) -> ReaderApp:
    """Build the reader for ``argv`` without starting it.

    Small inputs are loaded here (so bad input fails before the screen opens);
    large archives are discovered here and loaded by the app in a worker.
    """
    return _make_app(parse_options(argv))


def _make_app(options: Options) -> ReaderApp:
    from .app import ReaderApp

    preloaded = load_all(options) if options.total_bytes <= SYNC_LOAD_BYTES else None
    state = open_state(options)
    return ReaderApp(options.files, encoding=options.encoding, library=preloaded, state=state, warnings=options.warnings)


def _timeline_line(article: Article, marker: str = "") -> str:
    when = article.date.isoformat() if article.date else "----------"
    return f"{marker + ' ' if marker else ''}{when} {article.time or '     '}  {article.headline}"


def _write_json(out: IO[str], library: Library, articles: Iterable[Article], extra: dict[str, dict[str, object]]) -> None:
    """Stream the ``--json`` document one article at a time."""
    import json

    out.write('{"articles": [')
    first = True
    for article in articles:
        record = article.to_json()
        record.update(extra.get(article.key, {}))
        out.write(("\n  " if first else ",\n  ") + json.dumps(record, ensure_ascii=False))
        first = False
    out.write("\n],\n" if not first else "],\n")
    out.write(' "bulletins": ' + json.dumps([b.to_json() for b in library.bulletins], ensure_ascii=False) + ",\n")
    out.write(' "diagnostics": ' + json.dumps([d.to_json() for d in library.diagnostics], ensure_ascii=False))
    out.write("\n}\n")


def run_batch(options: Options, out: IO[str], err: IO[str]) -> int:
    """``--list``, ``--json``, ``--search`` and ``--check``: load, print, return the exit status."""
    args = options.args
    library = load_all(options)
    if args.check:
        for diagnostic in library.diagnostics:
            out.write(f"{diagnostic}\n")
        count = len(library.diagnostics)
        err.write(
            f"sco-reader: {len(library.articles)} articles in {len(library.bulletins)} files, "
            f"{count} diagnostic{'s' if count != 1 else ''}\n"
        )
        return EXIT_NO_MATCH if count else EXIT_OK

    state = None if args.no_state else open_state(options)
    for warning in options.warnings:
        err.write(f"sco-reader: {warning}\n")
    read_keys = state.read_keys() if state else set()
    flagged_keys = state.flagged_keys() if state else set()

    def wanted(article: Article) -> bool:
        if args.unread and article.key in read_keys:
            return False
        if args.flagged and article.key not in flagged_keys:
            return False
        return True

    if args.search is not None:
        from .search import SearchEngine

        engine = SearchEngine(library.articles)
        filtered = args.unread or args.flagged
        hits = [library.articles[hit.index] for hit in engine.search(args.search, None if filtered else args.limit)]
        chosen = [a for a in hits if wanted(a)][: args.limit]
    elif args.list:
        chosen = (library.articles[i] for i in library.chronological() if wanted(library.articles[i]))
    else:
        chosen = (a for a in library.articles if wanted(a))

    if args.json:
        extra = {
            a.key: {"read": a.key in read_keys, "flagged": a.key in flagged_keys} for a in library.articles
        } if state else {}
        _write_json(out, library, chosen, extra)
    else:
        printed = 0
        for article in chosen:
            marker = ""
            if state is not None and args.list:
                marker = ("*" if article.key not in read_keys else " ") + ("!" if article.key in flagged_keys else " ")
            out.write(_timeline_line(article, marker) + "\n")
            printed += 1
        if args.search is not None and printed == 0:
            err.write(f"sco-reader: no match for {args.search!r}\n")
    if args.list and library.diagnostics:
        err.write(f"sco-reader: {len(library.diagnostics)} diagnostics (see --check)\n")
    if state is not None:
        state.close()
    if args.search is not None and not chosen:
        return EXIT_NO_MATCH
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns (and exits with) the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        options = parse_options(argv)
        if options.args.list or options.args.json or options.args.check or options.args.search is not None:
            status = run_batch(options, sys.stdout, sys.stderr)
            sys.stdout.flush()
            return status
        app = _make_app(options)
    except (UsageError, LoadError, StateRefused) as error:
        sys.stderr.write(f"sco-reader: {error}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # Reader of our output went away (e.g. `| head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    app.run()
    if app.load_error:
        sys.stderr.write(f"sco-reader: {app.load_error}\n")
        return EXIT_BAD_INPUT
    for warning in options.warnings:
        sys.stderr.write(f"sco-reader: {warning}\n")
    return app.return_code or EXIT_OK


def entry() -> NoReturn:
    """``python -m sco_reader``."""
    sys.exit(main())
