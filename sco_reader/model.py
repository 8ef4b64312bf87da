"""Immutable records the loader produces and every other layer reads.

Pure: no Textual, no I/O. An :class:`Article` is one story of a bulletin; a
:class:`Library` is everything loaded from the user's inputs, in input order,
with each file's header facts and the diagnostics the loader raised.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
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
        return f"{self.source}:{self.line}: {self.level}: {self.message}"

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


@dataclass(frozen=True, slots=True)
class ParsedBulletin:
    """What the loader made of one file."""

    info: BulletinInfo
    """Header facts and counts."""
    articles: tuple[Article, ...]
    """Articles in file order."""
    diagnostics: tuple[Diagnostic, ...]
    """Anomalies, in line order."""


def _normalise(text: str) -> str:
    """Casefolded NFKC with whitespace runs made one space: the same text however it was encoded."""
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_key(headline: str, when: date | None, first_paragraph: str) -> str:
    """Identity of an article by what it says, not where it was found."""
    material = "\x1f".join(
        (_normalise(headline), when.isoformat() if when else "", _normalise(first_paragraph))
    )
    return hashlib.blake2b(material.encode("utf-8"), digest_size=8).hexdigest()


def chronological_key(article: Article, index: int) -> tuple[int, int, str, int]:
    """Sort key for oldest-first: by date, then time, undated last.

    Bulletins list news newest first, so among articles of one date that the
    times do not order, the one later in the input is the earlier story; undated
    articles keep input order.
    """
    if article.date is None:
        return (1, 0, "", index)
    return (0, article.date.toordinal(), article.time or "", -index)


@dataclass(slots=True)
class Library:
    """All articles loaded from the user's inputs, in input order.

    Grows as files are parsed (the app fills it in from a worker); the records
    it holds are immutable.
    """

    articles: list[Article] = field(default_factory=list)
    """Articles in input order: argument order, then file order."""
    bulletins: list[BulletinInfo] = field(default_factory=list)
    """One entry per loaded file."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Every anomaly reported while loading."""
    _seen: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, parsed: ParsedBulletin) -> list[Article]:
        """Append one file's articles, giving repeats of an article a unique id.

        Returns the articles as stored (ids possibly suffixed).
        """
        seen = self._seen
        added = list(parsed.articles)
        ids = [article.id for article in added]
        if len(set(ids)) == len(ids) and seen.keys().isdisjoint(ids):
            seen.update(dict.fromkeys(ids, 1))  # the usual case: nothing repeats, one C-speed update
        else:
            for position, article in enumerate(added):
                count = seen.get(article.id, 0) + 1
                seen[article.id] = count
                if count > 1:
                    added[position] = replace(article, id=f"{article.id}~{count}")
                    self.diagnostics.append(
                        Diagnostic(article.source, article.line, "warning", "article repeats one loaded before")
                    )
        self.articles.extend(added)
        self.bulletins.append(parsed.info)
        self.diagnostics.extend(parsed.diagnostics)
        return added

    def chronological(self) -> list[int]:
        """Indexes of :attr:`articles` in timeline order (oldest first, undated last)."""
        articles = self.articles
        return sorted(range(len(articles)), key=lambda i: chronological_key(articles[i], i))
