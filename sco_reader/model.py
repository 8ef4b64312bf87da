"""Immutable records the loader produces and every other layer reads.

Pure: no Textual, no I/O. An :class:`Article` is one story of a bulletin (headers and
paragraphs); the loader hands each file over as :class:`ParsedBulletin`, its
articles as :class:`ArticleRows` columns, which the library stores.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Level = Literal["warning", "error"]


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a bulletin."""

    id: str
    """Stable identifier: the content key, suffixed ``~2``, ``~3``… for repeats in one library."""
    date: date | None
    """Date from the dateline (or header); ``None`` when missing or impossible."""
    time: str | None
    """``"HH:MM"`` when the dateline gave a time."""
    headline: str
    """The headline, sanitised and stripped."""
    paragraphs: tuple[str, ...]
    """Body paragraphs in order, one per input line; list items keep their ``- ``."""
    source: str
    """The file the article came from, as the user named it."""
    line: int
    """1-based line of the headline in :attr:`source`."""
    key: str
    """Content key (normalised headline + date + first paragraph): survives renames and re-encoding."""

    @property
    def word_count(self) -> int:
        """Words in headline and body."""
        return len(self.headline.split()) + sum(len(p.split()) for p in self.paragraphs)

    @property
    def reading_minutes(self) -> int:
        """Reading time at 230 words a minute, at least one minute."""
        return max(1, round(self.word_count / 230))

    def to_json(self) -> dict[str, object]:
        """The article as the ``--json`` document spells it."""
        return {
            "id": self.id,
            "date": self.date.isoformat() if self.date else None,
            "time": self.time,
            "headline": self.headline,
            "paragraphs": list(self.paragraphs),
            "source": self.source,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something odd the loader saw, pinned to a file and line."""

    source: str
    """File the anomaly is in."""
    line: int
    """1-based line of the anomaly (0 when it concerns the whole file)."""
    level: Level
    """``"warning"`` or ``"error"``."""
    message: str
    """Human-readable explanation, one line."""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.level}: {self.message}"

    def to_json(self) -> dict[str, object]:
        """The diagnostic as the ``--json`` document spells it."""
        return {"source": self.source, "line": self.line, "level": self.level, "message": self.message}


@dataclass(frozen=True, slots=True)
class BulletinInfo:
    """Facts about one input file."""

    source: str
    """The file, as the user named it."""
    date: date | None
    """The bulletin's own date from its header line."""
    ref: str | None
    """The header's trailing number (meaning unknown, kept verbatim)."""
    articles: int
    """How many articles the file holds."""
    lines: int = 0
    """Non-blank lines in the file."""
    datelines: int = 0
    """Datelines in the file."""
    header: bool = False
    """Whether the file opened with a header line."""

    def to_json(self) -> dict[str, object]:
        """The bulletin as the ``--json`` document spells it."""
        return {
            "source": self.source,
            "date": self.date.isoformat() if self.date else None,
            "ref": self.ref,
            "articles": self.articles,
        }


@dataclass(slots=True)
class ArticleRows:
    """One file's articles as columns, in file order: what the loader makes and the library stores.

    Bodies stay one string each (the lines after the headline, as in the file):
    :func:`paragraphs` splits them when an article is read.
    """

    dates: list[date | None] = field(default_factory=list)
    """Each article's date (``None``: undated)."""
    times: list[str | None] = field(default_factory=list)
    """Each article's ``"HH:MM"`` time, or ``None``."""
    headlines: list[str] = field(default_factory=list)
    """Each article's headline, sanitised and stripped."""
    bodies: list[str] = field(default_factory=list)
    """Each article's body text: its lines after the headline, sanitised, blank lines and all."""
    lines: list[int] = field(default_factory=list)
    """Each article's 1-based headline line."""
    keys: list[str] = field(default_factory=list)
    """Each article's content key."""

    def append(self, when: date | None, time: str | None, headline: str, body: str, line: int, key: str) -> None:
        """Add one article."""
        self.dates.append(when)
        self.times.append(time)
        self.headlines.append(headline)
        self.bodies.append(body)
        self.lines.append(line)
        self.keys.append(key)

    def __len__(self) -> int:
        return len(self.keys)


def paragraphs(body: str) -> tuple[str, ...]:
    """An article's paragraphs from its body text: every non-blank line, stripped, in order."""
    return tuple(filter(None, map(str.strip, body.split("\n"))))


@dataclass(frozen=True, slots=True)
class ParsedBulletin:
    """What the loader made of one file."""

    info: BulletinInfo
    """Header facts and counts."""
    diagnostics: tuple[Diagnostic, ...]
    """Anomalies, in line order."""
    rows: ArticleRows
    """The articles, as columns, in file order."""
    source: str
    """The file, as shown to the user."""

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles as full records (built on each call: for tests and small inputs)."""
        rows = self.rows
        return tuple(
            Article(key, when, time, headline, paragraphs(body), self.source, line, key)
            for when, time, headline, body, line, key in zip(
                rows.dates, rows.times, rows.headlines, rows.bodies, rows.lines, rows.keys
            )
        )


def _normalise(text: str) -> str:
    """Casefolded NFKC with whitespace runs made one space: the same text however it was encoded."""
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_key(headline: str, when: date | None, first_paragraph: str) -> str:
    """Identity of an article by what it says, not where it was found."""
    # _normalise, spelled out here: this runs once per article of every file read.
    head = headline.lower() if headline.isascii() else unicodedata.normalize("NFKC", headline).casefold()
    first = first_paragraph.lower() if first_paragraph.isascii() else unicodedata.normalize("NFKC", first_paragraph).casefold()
    material = f"{' '.join(head.split())}\x1f{when.isoformat() if when else ''}\x1f{' '.join(first.split())}"
    return hashlib.blake2b(material.encode("utf-8"), digest_size=8).hexdigest()


def chronological_key(article: Article, index: int) -> tuple[int, int, str, int]:
    """Sort key for oldest-first: by date, then time, undated last (as :func:`sco_reader.library.sort_key`).

    Bulletins list news newest first, so among articles of one date that the
    times do not order, the one later in the input is the earlier story; undated
    articles keep input order.
    """
    if article.date is None:
        return (1, 0, "", index)
    return (0, article.date.toordinal(), article.time or "", -index)
