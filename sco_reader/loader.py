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
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .model import Article, BulletinInfo, Diagnostic, Library, ParsedBulletin, content_key
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


class LoadError(Exception):
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
    """One pass over one file's decoded, newline-normalised, sanitised text."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.lines = text.split("\n")
        self.articles: list[Article] = []
        self.diagnostics: list[Diagnostic] = []
        self.paragraph_count = 0

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.source, line, "warning", message))

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
        first_line = text.count("\n", 0, start) + 1
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        body_start = 0
        when: date | None = None
        when_time: str | None = None
        dated = False
        meta_line = first_line
        header = HEADER.fullmatch(text, start, end)
        if header is not None:
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
        # ``position`` is where the current chunk starts (the end of the header or of a
        # dateline, or 0), on 1-based ``line``; a chunk's lines are those after that
        # line's end up to the next dateline (all of line 1 when it starts at 0).
        position, line = body_start, text.count("\n", 0, body_start) + 1
        datelines = 0
        for line_start, match in self.datelines(body_start):
            next_line = line + text.count("\n", position, line_start)
            self.article(line - (position == 0), next_line - 1, when, when_time, dated, meta_line)
            meta_line = next_line
            datelines += 1
            day, month, year, hours, minutes = match.groups()
            when = _make_date(day, month, year)  # cached: one date object per date, not per article
            if when is None:
                self.warn(meta_line, f"impossible date {day}.{month}.{year}; the article is undated")
            when_time, ok = _make_time(hours, minutes)
            if not ok:
                self.warn(meta_line, f"impossible time {hours}:{minutes}; the time is dropped")
            dated = True
            position, line = match.end(), meta_line
        self.article(line - (position == 0), len(self.lines), when, when_time, dated, meta_line)
        info = BulletinInfo(
            source=self.source,
            date=bulletin_date,
            ref=ref,
            articles=len(self.articles),
            lines=int(has_header) + datelines + len(self.articles) + self.paragraph_count,
            datelines=datelines,
            header=has_header,
        )
        self.diagnostics.sort(key=lambda d: d.line)
        return ParsedBulletin(info, tuple(self.articles), tuple(self.diagnostics))

    def article(
        self, first: int, stop: int, when: date | None, when_time: str | None, dated: bool, meta_line: int
    ) -> None:
        """Make an article of ``lines[first:stop]``: from one dateline (or the start) to the next."""
        lines = self.lines
        index = first
        while index < stop:
            raw = lines[index]
            if raw and not raw.isspace():
                break
            index += 1
        else:
            if dated:
                self.warn(meta_line, "no headline follows this date line")
            return
        headline = lines[index].strip()
        paragraphs = tuple(filter(None, map(str.strip, lines[index + 1 : stop])))
        headline_line = index + 1
        if not dated:
            self.warn(headline_line, "article has no date (no header or dateline before it)")
        self.paragraph_count += len(paragraphs)
        key = content_key(headline, when, paragraphs[0] if paragraphs else "")
        self.articles.append(
            Article(key, when, when_time, headline, paragraphs, self.source, headline_line, key)
        )


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
    return ParsedBulletin(parsed.info, parsed.articles, diagnostics)


def check_encoding(encoding: str) -> str:
    """The codec's canonical name; :class:`LoadError` for an unknown one or one that is not for text."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise LoadError(f"--encoding: unknown encoding {encoding!r}") from None
    if not getattr(codec, "_is_text_encoding", True):
        raise LoadError(f"--encoding: {encoding!r} is not a text encoding")
    return codec.name


def _decode(data: bytes, source: str, encoding: str) -> str:
    codec = check_encoding(encoding)
    if codec == "utf-8":
        codec = "utf-8-sig"
    wide = codec.startswith(("utf-16", "utf-32"))
    if not wide and b"\x00" in data[:65536]:
        raise LoadError(f"{source}: binary file (contains NUL bytes), not a bulletin")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start : error.start + 1].hex()
        hint = "try --encoding cp1251 (or latin-1)" if codec.startswith("utf") else "try another --encoding"
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


def load_file(path: Path | str, encoding: str = DEFAULT_ENCODING) -> ParsedBulletin:
    """Read, decode and parse one bulletin file; :class:`LoadError` when it is not one."""
    source = display_name(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except IsADirectoryError:
        raise LoadError(f"{source}: is a directory") from None
    except OSError as error:
        raise LoadError(f"{source}: cannot read: {error.strerror or error}") from None
    text = _decode(data, source, encoding)
    if not text.strip().lstrip("\ufeff").strip():
        raise LoadError(f"{source}: empty file, no articles")
    if "\x00" in text:
        raise LoadError(f"{source}: binary file (contains NUL characters), not a bulletin")
    parsed = parse_text(text, source)
    if not parsed.articles:
        raise LoadError(f"{source}: no articles found (expected a headline after a dateline like 04.07.2024)")
    return parsed


def discover(paths: Sequence[str | Path]) -> list[Path]:
    """Expand the user's paths to bulletin files in reading order.

    A directory means every ``*.txt`` below it, recursively, in path order.
    :class:`LoadError` for a missing path or a directory without bulletins.
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                (p for p in path.rglob("*.txt") if p.is_file()),
                key=lambda p: p.relative_to(path).parts,
            )
            if not found:
                raise LoadError(f"{display_name(given)}: no bulletins (*.txt files) in this directory")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise LoadError(f"{display_name(given)}: no such file or directory")
    return files


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
    """Load ``files`` (as :func:`discover` lists them) into one :class:`Library`."""
    library = Library()
    with gc_paused():
        for parsed in iter_load(files, encoding):
            library.add(parsed)
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
