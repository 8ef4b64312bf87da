"""Clippings for other programs: articles written as Markdown or as one printable HTML page.

Pure: no Textual, no Rich. :func:`write_markdown` and :func:`write_html` stream articles,
in the order given, to a text stream, grouped into one section per date (a run of
consecutive articles of one date is one section; undated articles come last, under
"Undated"). Each article shows its headline, its full date, time and source
(``file:line``), its paragraphs, and runs of ``- `` items as a list.

Both writers stream: nothing holds the whole document, so a million articles export in
bounded memory. The HTML page opens with a table of contents by date, which needs the
dates before the articles; rather than buffer the articles or the page, the writers take
a *re-iterable* source (a list, a tuple, any collection, or a callable returning a fresh
iterable) and read it more than once: one pass for the table of contents, one for the
dated articles, and one more for undated articles only when there are some. Passing over
articles already in memory is cheap next to formatting them; buffering a million
formatted articles is not. A one-shot iterator is refused with ``TypeError`` rather than
silently exhausted.

Bulletin text is untrusted. In Markdown every piece of text goes through
:func:`markdown_text`, which escapes what CommonMark (and GitHub's tables, strikethrough
and math) would read as syntax, so ``<script>``, ``[x](javascript:…)``, ``*``, ``_``,
a leading ``#`` or ``1.`` show as typed. In HTML every piece of text goes through
:func:`html_text` (``html.escape`` with ``quote=True``); the page has inline CSS only,
no script and no external resource: its only links are in-page anchors.
"""

from __future__ import annotations

import functools
import html
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Literal, TextIO

from .model import Article

ArticleSource = Iterable[Article] | Callable[[], Iterable[Article]]
"""Articles to export, readable more than once: a collection, or a callable giving a fresh iterable each call."""

ExportFormat = Literal["markdown", "html"]
"""The two output formats."""

EXTENSIONS: dict[str, ExportFormat] = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
"""File name extensions (lower case) and the format each one means."""

UNDATED = "Undated"
"""Heading of the section of articles without a date."""

NO_HEADLINE = "(no headline)"
"""Shown for an article whose headline is empty."""


# --- shared --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def long_date(day: date) -> str:
    """``Thursday 4 July 2024``: the form the reader shows."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _when(article: Article) -> str:
    """``Thursday 4 July 2024, 13:49``, or ``Undated``."""
    if article.date is None:
        return UNDATED
    when = long_date(article.date)
    return f"{when}, {article.time}" if article.time else when


def _is_item(paragraph: str) -> bool:
    """Whether a paragraph is a list item (the reader's rule: ``- `` or a lone ``-``)."""
    return paragraph.startswith("- ") or paragraph == "-"


def _passes(articles: ArticleSource) -> Callable[[], Iterable[Article]]:
    """A function giving the articles afresh at each call; ``TypeError`` for a one-shot iterator."""
    if callable(articles):
        return articles
    if iter(articles) is articles:
        raise TypeError(
            "articles must be readable twice: pass a collection or a callable returning a fresh iterable, "
            "not an iterator"
        )
    return lambda: articles


class _Anchors:
    """In-page anchors of sections: ``d-2024-07-04``, ``d-2024-07-04-2`` for a second run of that date, ``undated``."""

    def __init__(self) -> None:
        self._runs: dict[date, int] = {}

    def next(self, day: date | None) -> str:
        """The anchor of the next section, of date ``day``."""
        if day is None:
            return "undated"
        run = self._runs.get(day, 0) + 1
        self._runs[day] = run
        return f"d-{day.isoformat()}" if run == 1 else f"d-{day.isoformat()}-{run}"


# --- Markdown -------------------------------------------------------------------------------

_MARKDOWN_PUNCTUATION = re.compile(r"[\\`*_\[\]<>&|~#$]")
"""Escaped wherever they appear: emphasis, code, links, images, inline HTML, entities, GFM tables,
strikethrough and math, and ATX heading closers."""

_MARKDOWN_LINE_START = re.compile(r"(?P<number>\d{1,9})(?P<mark>[.)])|(?P<char>[-+=])")
"""At the start of a line: ordered and bullet list markers, thematic breaks, setext underlines."""


def _backslashed(match: re.Match[str]) -> str:
    return "\\" + match.group()


def markdown_text(text: str) -> str:
    """``text`` as Markdown that CommonMark renders as exactly that text, inline.

    The one place bulletin text becomes Markdown. Line breaks become spaces and
    surrounding whitespace is dropped (renderers drop it too, some only spaces and tabs).
    """
    text = " ".join(text.splitlines()).strip()
    if _MARKDOWN_PUNCTUATION.search(text) is not None:
        text = _MARKDOWN_PUNCTUATION.sub(_backslashed, text)
    match = _MARKDOWN_LINE_START.match(text)
    if match is not None:
        if match.group("number") is not None:
            text = f"{match.group('number')}\\{text[match.end('number'):]}"
        else:
            text = "\\" + text
    return text


def _markdown_body(paragraphs: Iterable[str]) -> list[str]:
    """Blocks of an article body: paragraphs, and runs of items as one list."""
    blocks: list[str] = []
    items: list[str] = []
    for paragraph in paragraphs:
        if _is_item(paragraph):
            items.append(f"- {markdown_text(paragraph[2:])}".rstrip())
            continue
        if items:
            blocks.append("\n".join(items))
            items = []
        blocks.append(markdown_text(paragraph))
    if items:
        blocks.append("\n".join(items))
    return blocks


def _markdown_article(article: Article) -> str:
    source = markdown_text(f"{article.source}:{article.line}")
    blocks = [
        f"### {markdown_text(article.headline) or markdown_text(NO_HEADLINE)}",
        f"*{markdown_text(_when(article))} · {source}*",
        *_markdown_body(article.paragraphs),
    ]
    return "\n\n".join(blocks) + "\n\n"


def _stream_sections(
    out: TextIO,
    again: Callable[[], Iterable[Article]],
    open_section: Callable[[str, str], str],
    close_section: str,
    render: Callable[[Article], str],
) -> int:
    """Write the dated articles in runs of one date, then the undated ones; returns how many.

    ``open_section(anchor, heading)`` opens a section, ``close_section`` ends one,
    ``render`` writes one article. Reads ``again()`` once, and once more only when
    there are undated articles.
    """
    anchors = _Anchors()
    written = undated = 0
    previous: date | None = None
    for article in again():
        day = article.date
        if day is None:
            undated += 1
            continue
        if day != previous:
            if previous is not None:
                out.write(close_section)
            out.write(open_section(anchors.next(day), long_date(day)))
            previous = day
        out.write(render(article))
        written += 1
    if previous is not None:
        out.write(close_section)
    if undated:
        out.write(open_section(anchors.next(None), UNDATED))
        for article in again():
            if article.date is None:
                out.write(render(article))
                written += 1
        out.write(close_section)
    return written


def _contents(articles: Iterable[Article]) -> Iterator[tuple[str, str, int]]:
    """The table of contents as ``(anchor, heading, articles)``: the sections :func:`_stream_sections` writes."""
    anchors = _Anchors()
    undated = 0
    previous: date | None = None
    count = 0
    for article in articles:
        day = article.date
        if day is None:
            undated += 1
        elif day == previous:
            count += 1
        else:
            if previous is not None:
                yield anchors.next(previous), long_date(previous), count
            previous, count = day, 1
    if previous is not None:
        yield anchors.next(previous), long_date(previous), count
    if undated:
        yield anchors.next(None), UNDATED, undated


def write_markdown(out: TextIO, articles: ArticleSource, *, title: str, description: str = "") -> int:
    """Write ``articles`` as one Markdown document; returns how many were written.

    ``title`` is the top heading, ``description`` (if any) a paragraph under it; then
    one ``##`` section per date and one ``###`` heading per article. ``articles`` is
    read in its order (see the module docstring for why it must be re-iterable).
    """
    again = _passes(articles)
    out.write(f"# {markdown_text(title)}\n\n")
    if description.strip():
        out.write(f"{markdown_text(description)}\n\n")
    return _stream_sections(
        out, again, lambda anchor, heading: f"## {markdown_text(heading)}\n\n", "", _markdown_article
    )


# --- HTML -------------------------------------------------------------------------------------


def html_text(text: str) -> str:
    """``text`` as HTML character data or an attribute value: the one place text becomes HTML."""
    return html.escape(text, quote=True)


STYLE = """\
:root { color-scheme: light dark; }
body { font: 17px/1.55 Georgia, "Times New Roman", serif; max-width: 44rem; margin: 2rem auto;
  padding: 0 1rem; color: #1b1b1b; background: #fff; overflow-wrap: anywhere; }
header h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .3rem; }
.description, .meta, .count, nav p { color: #595959; }
.description { margin: 0; }
h2, .meta, nav { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
nav { border: 1px solid #d0d0d0; border-radius: 4px; padding: .4rem 1.2rem; margin: 1.5rem 0 2rem; }
nav h2 { font-size: 1rem; margin: .5rem 0; }
nav ol { columns: 16rem; column-gap: 2rem; margin: 0; padding-left: 1.4rem; }
nav li { break-inside: avoid; }
.count { font-size: .85em; }
section > h2 { font-size: 1.3rem; border-bottom: 2px solid currentColor; padding-bottom: .2rem; margin: 2.5rem 0 1rem; }
article { margin: 0 0 2rem; }
article h3 { font-size: 1.2rem; line-height: 1.3; margin: 0 0 .25rem; }
.meta { font-size: .85rem; margin: 0 0 .7rem; }
.source { font-family: ui-monospace, Menlo, Consolas, monospace; }
article p, article ul { margin: 0 0 .7rem; }
a { color: #0b57d0; }
@media (prefers-color-scheme: dark) {
  body { color: #e4e4e4; background: #171717; }
  .description, .meta, .count, nav p { color: #a8a8a8; }
  nav { border-color: #444; }
  a { color: #8ab4f8; }
}
@media print {
  @page { margin: 18mm 16mm; }
  :root { color-scheme: light; }
  body { font-size: 11pt; max-width: none; margin: 0; padding: 0; color: #000; background: #fff; }
  nav { border: none; padding: 0; break-after: page; }
  a { color: inherit; text-decoration: none; }
  section > h2 { break-after: avoid; }
  article h3, .meta { break-after: avoid; }
  p, li { orphans: 3; widows: 3; }
}
"""
"""The page's only styling: inline, no fonts or images from elsewhere."""


def _html_body(paragraphs: Iterable[str]) -> str:
    parts: list[str] = []
    in_list = False
    for paragraph in paragraphs:
        if _is_item(paragraph):
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li>{html_text(paragraph[2:])}</li>")
            continue
        if in_list:
            parts.append("</ul>")
            in_list = False
        parts.append(f"<p>{html_text(paragraph)}</p>")
    if in_list:
        parts.append("</ul>")
    return "\n".join(parts)


def _html_article(article: Article) -> str:
    headline = html_text(article.headline or NO_HEADLINE)
    meta = f'{html_text(_when(article))} · <span class="source">{html_text(f"{article.source}:{article.line}")}</span>'
    body = _html_body(article.paragraphs)
    return f'<article>\n<h3>{headline}</h3>\n<p class="meta">{meta}</p>\n{body}{chr(10) if body else ""}</article>\n'


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def write_html(out: TextIO, articles: ArticleSource, *, title: str, description: str = "") -> int:
    """Write ``articles`` as one self-contained HTML page; returns how many were written.

    The page: ``title`` and ``description``, a table of contents by date (in-page
    links), then one section per date and one ``<article>`` per article. Inline CSS
    readable on screen and in print, no script, no external resource. ``articles`` is
    read once for the contents and again for the articles (see the module docstring).
    """
    again = _passes(articles)
    out.write(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html_text(title)}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{html_text(title)}</h1>\n"
    )
    if description.strip():
        out.write(f'<p class="description">{html_text(description)}</p>\n')
    out.write('</header>\n<nav aria-label="Contents">\n<h2>Contents</h2>\n<ol>\n')
    total = 0
    for anchor, heading, count in _contents(again()):
        out.write(
            f'<li><a href="#{html_text(anchor)}">{html_text(heading)}</a> '
            f'<span class="count">{html_text(_plural(count, "article"))}</span></li>\n'
        )
        total += count
    out.write(f"</ol>\n<p>{html_text(_plural(total, 'article'))}</p>\n</nav>\n<main>\n")
    written = _stream_sections(
        out,
        again,
        lambda anchor, heading: f'<section id="{html_text(anchor)}">\n<h2>{html_text(heading)}</h2>\n',
        "</section>\n",
        _html_article,
    )
    out.write("</main>\n</body>\n</html>\n")
    return written


# --- files ------------------------------------------------------------------------------------


def format_for(path: Path | str) -> ExportFormat | None:
    """The format a file name asks for by its extension (``.md``/``.markdown``, ``.html``/``.htm``), else ``None``."""
    return EXTENSIONS.get(Path(path).suffix.lower())


def export_file(path: Path, articles: ArticleSource, *, title: str, description: str = "") -> int:
    """Write ``articles`` to ``path`` in the format its extension names; returns how many were written.

    Writes a temporary file beside ``path`` and renames it over ``path`` at the end, so
    a failure leaves any earlier file as it was (asking before overwriting is the
    caller's job). ``ValueError`` for an unknown extension; ``OSError`` as the system
    reports it (a directory, permission denied, a missing parent…).
    """
    kind = format_for(path)
    if kind is None:
        raise ValueError(f"{path.name}: unknown format; use .md or .html")
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    writer = write_markdown if kind == "markdown" else write_html
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as out:
            written = writer(out, articles, title=title, description=description)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return written


_UNSAFE_NAME = re.compile(r"[\W_]+")


def suggest_name(what: str, when: date | None = None, ext: str = "md") -> str:
    """A file name for an export: ``sco-flagged-2024-07-04.md``, ``sco-search-belarus.html``.

    ``what`` says what is exported (free text, e.g. a search query); it is reduced to
    lower-case letters and digits (any script) joined by ``-``, at most 48 characters,
    so no path separator, dot, space or shell character from it reaches the name.
    """
    words = _UNSAFE_NAME.sub("-", unicodedata.normalize("NFKC", what).casefold()).strip("-")
    if len(words) > 48:
        words = words[:48].rstrip("-")
    parts = ["sco", words] if words else ["sco", "export"]
    if when is not None:
        parts.append(when.isoformat())
    extension = _UNSAFE_NAME.sub("", ext.lstrip(".").casefold()) or "md"
    return f"{'-'.join(parts)}.{extension}"
