"""Turns bulletin text into immutable :class:`~sco_reader.model.Article` records.

Pure: no Textual. The format, learnt from the bundled seed:

* an optional **header** as the first line: `` date 2024-07-06 04.07.2024, 13:49 6031``
  (the bulletin's date, the first article's date and time, a reference number);
* a **dateline** (``DD.MM.YYYY`` alone on a line, optionally ``, HH:MM``) starts an article;
* the first non-blank line after it is the **headline**, every later non-blank line a
  **paragraph** (``- `` items stay as they are).

Every non-blank line is exactly one of those four; nothing is dropped. Oddities
(impossible dates, undated first articles, control characters) become
:class:`~sco_reader.model.Diagnostic` records with file and line. Input that cannot
be read at all raises :class:`LoadError` with a one-line message.
"""

from __future__ import annotations

import codecs
import functools
import gc
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .errors import UserError
from .library import Library
from .model import ArticleRows, BulletinInfo, Diagnostic, ParsedBulletin, content_key
from .sanitize import has_unsafe, sanitize

DEFAULT_ENCODING = "utf-8"
MAX_LINE_DIAGNOSTICS = 200
"""Per file, per kind: after this many line diagnostics the rest are summed up in one."""

_SPACE = r"[^\S\n]"
HEADER = re.compile(
    rf"{_SPACE}*date{_SPACE}+(\S+){_SPACE}+(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}})"
    rf"(?:,?{_SPACE}*(\d{{1,2}}):(\d{{2}}))?(?:{_SPACE}+(\S+))?{_SPACE}*"
)
"""The optional first line: bulletin date, first article's date and time, reference."""
DATELINE = re.compile(
    rf"^{_SPACE}*(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}})(?:,{_SPACE}*(\d{{1,2}}):(\d{{2}}))?{_SPACE}*$",
    re.MULTILINE,
)
"""A line that is only a date, optionally with a time."""
_NEXT_DATELINE = re.compile(
    rf"\n{_SPACE}*(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}})(?:,{_SPACE}*(\d{{1,2}}):(\d{{2}}))?{_SPACE}*(?=\n|\Z)"
)
""":data:`DATELINE` found by the newline that ends the line before it: the same lines, but
a search for a literal prefix runs several times faster than a multi-line ``^`` does."""
_LEADING_BLANKS = re.compile(rf"(?:{_SPACE}*\n)*")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class LoadError(UserError):
    """Input that cannot be loaded; ``str()`` is the one-line message for the user."""


@functools.lru_cache(maxsize=8192)
def _make_date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


@functools.lru_cache(maxsize=8192)
def _make_time(hours: str | None, minutes: str | None) -> tuple[str | None, bool]:
    """``("HH:MM", True)``, ``(None, True)`` when absent, ``(None, False)`` when impossible."""
    if hours is None or minutes is None:
        return None, True
    if int(hours) > 23 or int(minutes) > 59:
        return None, False
    return f"{int(hours):02d}:{minutes}", True


class _Parser:
    """One pass over one file's decoded, newline-normalised, sanitised text.

    Works on offsets into the text, never on a list of its lines: an article is the
    slice between two datelines, its headline the first non-blank line of that slice,
    its body the rest, kept as one string (:func:`paragraphs` splits it when it is read).
    """

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.out = ArticleRows()
        self.diagnostics: list[Diagnostic] = []
        self.headlines_line = 1
        """Line number of ``self.counted`` (line numbers are counted forward, once)."""
        self.counted = 0

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.source, line, "warning", message))

    def line_at(self, offset: int) -> int:
        """1-based line of ``offset`` (offsets must be asked in increasing order)."""
        self.headlines_line += self.text.count("\n", self.counted, offset)
        self.counted = offset
        return self.headlines_line

    def datelines(self, body_start: int) -> Iterator[tuple[int, re.Match[str]]]:
        """:data:`DATELINE` lines from ``body_start`` on: where each line starts, and its match."""
        text = self.text
        if body_start == 0:
            first = DATELINE.match(text)
            if first is not None:
                yield 0, first
                body_start = first.end()
        for match in _NEXT_DATELINE.finditer(text, body_start):
            yield match.start() + 1, match

    def parse(self) -> ParsedBulletin:
        text = self.text
        bulletin_date: date | None = None
        ref: str | None = None
        has_header = False
        start = _LEADING_BLANKS.match(text).end()  # type: ignore[union-attr]
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        body_start = 0
        when: date | None = None
        when_time: str | None = None
        dated = False
        header = HEADER.fullmatch(text, start, end)
        if header is not None:
            first_line = text.count("\n", 0, start) + 1
            has_header = True
            iso, day, month, year, hours, minutes, ref = header.groups()
            iso_match = _ISO_DATE.fullmatch(iso)
            bulletin_date = _make_date(*reversed(iso_match.groups())) if iso_match else None
            if bulletin_date is None:
                self.warn(first_line, f"header has an impossible bulletin date {iso!r}")
            when = _make_date(day, month, year)
            if when is None:
                self.warn(first_line, f"header has an impossible date {day}.{month}.{year}")
            when_time, ok = _make_time(hours, minutes)
            if not ok:
                self.warn(first_line, f"header has an impossible time {hours}:{minutes}")
            dated = True
            body_start = end
        # ``position`` is where the current chunk starts: the end of the header or of a
        # dateline (its newline comes next), or 0; the chunk ends where the next dateline's
        # line starts.
        position = body_start
        meta_offset = start if header is not None else 0
        datelines = 0
        for line_start, match in self.datelines(body_start):
            if line_start > 0 or position > 0:
                self.article(position, line_start, when, when_time, dated, meta_offset)
            meta_offset = line_start
            datelines += 1
            day, month, year, hours, minutes = match.groups()
            when = _make_date(day, month, year)  # cached: one date object per date, not per article
            if when is None:
                self.warn(self.line_at(line_start), f"impossible date {day}.{month}.{year}; the article is undated")
            when_time, ok = _make_time(hours, minutes)
            if not ok:
                self.warn(self.line_at(line_start), f"impossible time {hours}:{minutes}; the time is dropped")
            dated = True
            position = match.end()
        self.article(position, len(text), when, when_time, dated, meta_offset)
        out = self.out
        info = BulletinInfo(
            source=self.source,
            date=bulletin_date,
            ref=ref,
            articles=len(out),
            lines=_count_nonblank_lines(text),
            datelines=datelines,
            header=has_header,
        )
        self.diagnostics.sort(key=lambda d: d.line)
        return ParsedBulletin(info, tuple(self.diagnostics), out, self.source)

    def article(
        self, position: int, stop: int, when: date | None, when_time: str | None, dated: bool, meta_offset: int
    ) -> None:
        """Make an article of ``text[position:stop]``: from one dateline (or the start) to the next."""
        text = self.text
        head = _LEADING_BLANKS.match(text, position + (position > 0 and text.startswith("\n", position)), stop).end()  # type: ignore[union-attr]
        head_end = text.find("\n", head, stop)
        if head_end < 0:
            head_end = stop
        headline = text[head:head_end].strip()
        if not headline:  # nothing but blank lines (the last one without its newline)
            if dated:
                self.warn(self.line_at(meta_offset), "no headline follows this date line")
            return
        line = self.line_at(head)
        if not dated:
            self.warn(line, "article has no date (no header or dateline before it)")
        body = text[head_end + 1 : stop] if head_end < stop else ""
        first = _FIRST_PARAGRAPH.match(body)
        self.out.append(when, when_time, headline, body, line, content_key(headline, when, first.group(1).strip() if first else ""))


_FIRST_PARAGRAPH = re.compile(rf"(?:{_SPACE}*\n)*({_SPACE}*\S[^\n]*)")
"""The first non-blank line of a body."""
_BLANK_AFTER_FIRST = re.compile(rf"\n{_SPACE}*(?=\n|\Z)")
"""A blank line other than the first (found by the newline before it)."""


def _count_nonblank_lines(text: str) -> int:
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    blank = len(_BLANK_AFTER_FIRST.findall(text)) + (not first or first.isspace())
    return text.count("\n") + 1 - blank


def _sanitize_lines(text: str, source: str) -> tuple[str, list[Diagnostic]]:
    """Strip unsafe characters, with one warning per affected line."""
    if not has_unsafe(text):
        return text, []
    diagnostics: list[Diagnostic] = []
    lines = text.split("\n")
    affected = 0
    for number, line in enumerate(lines, start=1):
        cleaned, removed = sanitize(line)
        if removed:
            lines[number - 1] = cleaned
            affected += 1
            if affected <= MAX_LINE_DIAGNOSTICS:
                plural = "s" if removed > 1 else ""
                diagnostics.append(
                    Diagnostic(source, number, "warning", f"removed {removed} control character{plural}")
                )
    if affected > MAX_LINE_DIAGNOSTICS:
        diagnostics.append(
            Diagnostic(
                source,
                0,
                "warning",
                f"control characters removed from {affected - MAX_LINE_DIAGNOSTICS} more lines",
            )
        )
    return "\n".join(lines), diagnostics


def parse_text(text: str, source: str = "<text>") -> ParsedBulletin:
    """Parse one bulletin's decoded text. Never raises."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, sanitized = _sanitize_lines(text, source)
    parsed = _Parser(text, source).parse()
    if not sanitized:
        return parsed
    diagnostics = tuple(sorted(sanitized + list(parsed.diagnostics), key=lambda d: d.line))
    return replace(parsed, diagnostics=diagnostics)


def check_encoding(encoding: str) -> str:
    """The codec's canonical name; :class:`LoadError` for an unknown one or one that is not for text."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise LoadError(f"--encoding: unknown encoding {encoding!r}") from None
    if not getattr(codec, "_is_text_encoding", True):
        raise LoadError(f"--encoding: {encoding!r} is not a text encoding")
    return codec.name


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16-LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)


def _wide_guess(data: bytes) -> str | None:
    """The UTF-16/32 form that NUL bytes in ``data`` suggest (text without a BOM), if any."""
    sample = data[:4096]
    if len(sample) < 8 or sample.count(0) * 4 < len(sample):
        return None
    columns = [sample[k::4].count(0) / max(1, len(sample[k::4])) for k in range(4)]
    if min(columns[1:]) > 0.9 and columns[0] < 0.5:
        return "utf-32-le"
    if min(columns[:3]) > 0.9 and columns[3] < 0.5:
        return "utf-32-be"
    odd, even = (columns[1] + columns[3]) / 2, (columns[0] + columns[2]) / 2
    if odd > 0.6 and even < 0.3:
        return "utf-16-le"
    if even > 0.6 and odd < 0.3:
        return "utf-16-be"
    return None


def _decode(data: bytes, source: str, encoding: str) -> str:
    """Decode a file: a UTF-8/16/32 byte-order mark wins, else ``encoding``."""
    codec = check_encoding(encoding)
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            codec = bom_codec
            break
    else:
        if codec == "utf-8":
            codec = "utf-8-sig"
    wide = codec.startswith(("utf-16", "utf-32"))
    if not wide and b"\x00" in data[:65536]:
        guess = _wide_guess(data)
        if guess is not None:
            raise LoadError(f"{source}: looks like {guess.upper()} text without a byte-order mark; try --encoding {guess}")
        raise LoadError(f"{source}: binary file (contains NUL bytes), not a bulletin")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start : error.start + 1].hex()
        hint = "try --encoding cp1251 (or latin-1)" if codec.startswith("utf-8") else "try another --encoding"
        raise LoadError(
            f"{source}:{line}:{column}: not valid {encoding} (byte 0x{byte}); {hint}"
        ) from None


def display_name(path: Path | str) -> str:
    """A path as shown to the user: file names are untrusted text too.

    Undecodable bytes become U+FFFD, control characters go, and newlines or tabs
    become spaces so a name cannot forge a line of ``--check`` output.
    """
    name = os.fsencode(path).decode("utf-8", "replace")
    return sanitize(name.replace("\n", " ").replace("\t", " "))[0]


def pretty_path(path: Path | str, cwd: Path | None = None, home: Path | None = None) -> str:
    """A file's place as a user would type it: relative to the current directory, ``~`` for home, the bundled bulletin as such.

    Display only (sanitised like :func:`display_name`); never used to open anything.
    """
    absolute = Path(os.path.abspath(path))
    seeds = Path(os.path.abspath(bundled_seeds()[0]))
    if absolute.parent == seeds:
        return f"bundled bulletin {display_name(absolute.name)}"
    cwd = Path(os.path.abspath(cwd or Path.cwd()))
    home = home or Path.home()
    forms = [str(absolute)]
    if absolute.is_relative_to(cwd):
        forms.append(str(absolute.relative_to(cwd)))
    if absolute.is_relative_to(home):
        forms.append(str(Path("~") / absolute.relative_to(home)))
    return display_name(min(forms, key=len))  # the shortest way to name it


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_file(path: Path | str) -> bytes:
    """A bulletin file's bytes; :class:`LoadError` for anything that is not a readable regular file.

    Opened without blocking and checked before reading, so a FIFO or a device such as
    ``/dev/zero`` is refused instead of read without end.
    """
    source = display_name(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise LoadError(f"{source}: cannot read: {error.strerror or error}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise LoadError(f"{source}: {_kind(mode)}, not a bulletin file")
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    except OSError as error:
        raise LoadError(f"{source}: cannot read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)


def parse_bytes(data: bytes, source: str, encoding: str = DEFAULT_ENCODING) -> ParsedBulletin:
    """Decode and parse one file's bytes; :class:`LoadError` when they are not a bulletin."""
    text = _decode(data, source, encoding)
    if not text.strip().lstrip("\ufeff").strip():
        raise LoadError(f"{source}: empty file, no articles")
    if "\x00" in text:
        raise LoadError(f"{source}: binary file (contains NUL characters), not a bulletin")
    parsed = parse_text(text, source)
    if not parsed.info.datelines and not parsed.info.header:
        raise LoadError(f"{source}: not a bulletin: no dateline such as 04.07.2024 on a line of its own")
    if not parsed.rows:
        raise LoadError(f"{source}: no articles found (expected a headline after a dateline like 04.07.2024)")
    return parsed


def load_file(path: Path | str, encoding: str = DEFAULT_ENCODING) -> ParsedBulletin:
    """Read, decode and parse one bulletin file; :class:`LoadError` when it is not one."""
    return parse_bytes(read_file(path), display_name(path), encoding)


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A bulletin file :func:`scan` found, with what ``stat`` said of it."""

    path: str
    """The file, as reached from what the user named (an OS path string: no ``Path`` objects for
    tens of thousands of files)."""
    stat: os.stat_result
    """Its size, times and inode when found."""


def _stat(path: Path | str, given: str | Path) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise LoadError(f"{display_name(given)}: no such file or directory") from None
    except OSError as error:
        raise LoadError(f"{display_name(given)}: {error.strerror or error}") from None


def walk_files(root: str, dirs: dict[str, int] | None = None) -> list[FoundFile]:
    """Every regular ``*.txt`` file below ``root``, in path order (directory links followed once).

    ``dirs``, when given, receives every directory listed with its ``mtime_ns`` (the
    archive lists again only those whose time moves). :class:`LoadError` for a directory
    that cannot be listed.
    """
    found: list[tuple[tuple[str, ...], FoundFile]] = []
    seen_dirs: set[tuple[int, int]] = set()
    pending: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while pending:
        directory, parts = pending.pop()
        try:
            info = os.stat(directory)
            if (info.st_dev, info.st_ino) in seen_dirs:
                continue
            seen_dirs.add((info.st_dev, info.st_ino))
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError as error:
            shown = display_name(directory)
            raise LoadError(f"{shown}: cannot list directory: {error.strerror or error}") from None
        if dirs is not None:
            dirs[directory] = info.st_mtime_ns
        for entry in listed:
            try:
                if entry.is_dir():
                    pending.append((entry.path, (*parts, entry.name)))
                elif entry.name.endswith(".txt") and entry.is_file():
                    found.append(((*parts, entry.name), FoundFile(entry.path, entry.stat())))
            except OSError:
                continue  # vanished or unreadable while listing: not a bulletin we can read
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found]


def scan(paths: Sequence[str | Path], dirs: dict[str, int] | None = None) -> list[FoundFile]:
    """Expand the user's paths to bulletin files in reading order, with their ``stat``.

    A directory means every regular ``*.txt`` file below it, recursively, in path order.
    :class:`LoadError` (one line) for a missing path, a directory without bulletins, an
    unlistable directory, or a named path that is not a regular file (a FIFO, a device).
    ``dirs`` receives the directories listed (see :func:`walk_files`).
    """
    files: list[FoundFile] = []
    for given in paths:
        info = _stat(given, given)
        if stat.S_ISDIR(info.st_mode):
            found = walk_files(os.fspath(given), dirs)
            if not found:
                raise LoadError(f"{display_name(given)}: no bulletins (*.txt files) in this directory")
            files.extend(found)
        elif stat.S_ISREG(info.st_mode):
            files.append(FoundFile(os.fspath(given), info))
        else:
            raise LoadError(f"{display_name(given)}: {_kind(info.st_mode)}, not a bulletin file")
    return files


def check_inputs(paths: Sequence[str | Path]) -> None:
    """:class:`LoadError` (one line) unless every named path is a directory or a regular file (no walking)."""
    for given in paths:
        info = _stat(given, given)
        if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
            raise LoadError(f"{display_name(given)}: {_kind(info.st_mode)}, not a bulletin file")


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """:func:`scan` without the ``stat`` results."""
    return [Path(found.path) for found in scan(paths)]


def iter_load(files: Iterable[Path], encoding: str = DEFAULT_ENCODING) -> Iterator[ParsedBulletin]:
    """Parse ``files`` one by one (for progressive loading)."""
    for path in files:
        yield load_file(path, encoding)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading.

    Loading allocates hundreds of thousands of long-lived, acyclic records; letting the
    collector rescan them again and again costs ~8% of a large load for nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_files(files: Iterable[Path], encoding: str = DEFAULT_ENCODING) -> Library:
    """Load ``files`` (as :func:`discover` lists them) into one :class:`Library` (in memory)."""
    library = Library()
    with gc_paused():
        for path in files:
            library.add(load_file(path, encoding), path)
    return library


def load_library(paths: Sequence[str | Path], encoding: str = DEFAULT_ENCODING) -> Library:
    """Discover and load everything the user named into one :class:`Library`."""
    return load_files(discover(paths), encoding)


def bundled_seeds() -> list[Path]:
    """The bulletin(s) the reader ships with."""
    packaged = Path(__file__).with_name("seeds")
    if packaged.is_dir():
        return [packaged]
    return [Path(__file__).resolve().parent.parent / "seeds"]
